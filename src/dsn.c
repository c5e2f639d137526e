/*
 * dsn.c - the machine-readable parts of reports: message/delivery-status
 * (RFC 3464: a group of per-message fields, then one group per recipient,
 * groups parted by empty lines) and message/feedback-report (RFC 5965).
 */
#include <stdio.h>
#include <string.h>

#include "message.h"

/* raw[0, k) without its type ("rfc822; ", "smtp; ") into out. */
static size_t untyped(const char *raw, size_t k, char *out, size_t cap)
{
	const char *v = raw, *semi = memchr(raw, ';', k);
	if (semi) {
		const char *p = raw;
		while (p < semi && *p != ' ')
			p++;
		if (p == semi) /* the type is one word */
			v = semi + 1;
	}
	while (*v == ' ')
		v++;
	size_t w = strlen(v);
	if (w >= cap)
		w = cap - 1;
	memcpy(out, v, w);
	out[w] = '\0';
	return w;
}

/* The value of a typed field ("rfc822; <a@b>", "dns; mx.example.org",
 * "smtp; 550 ...") without its type, unfolded, into out. */
static size_t typed_value(const char *group, size_t n, const char *name, char *out, size_t cap)
{
	char raw[4096];
	size_t k = smtpdiag__header_copy(group, n, name, raw, sizeof raw);
	return untyped(raw, k, out, cap);
}

/* Does the line at s (before end) start a field of its own, "Name:"? */
static int field_line(const char *s, const char *end)
{
	const char *p = s;
	while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || *p == '-'))
		p++;
	return p > s && p < end && *p == ':';
}

/* The Diagnostic-Code (or, without one, Exim's X-Exim-Diagnostic), read as
 * typed_value reads it but also over the lines that follow it unindented
 * where they start no field of their own: a report copied from a page or a
 * forum loses the blanks that fold it ("Diagnostic-Code: smtp; 550 5.7.1
 * ... Client host\n[192.0.2.2] blocked using ..."). *at: where the
 * field's value starts, NULL without one. */
static size_t diagnostic_value(const char *group, size_t n, const char **at, char *out,
			       size_t cap)
{
	const char *p, *end = group + n;
	size_t k = smtpdiag__header_field(group, n, "Diagnostic-Code", &p);
	if (!p) /* Exim's own words where it got no reply (deliver.c) */
		k = smtpdiag__header_field(group, n, "X-Exim-Diagnostic", &p);
	*at = p;
	out[0] = '\0';
	if (!p)
		return 0;
	const char *e = p + k;
	while (e < end && (*e == '\r' || *e == '\n')) {
		const char *line = e + (*e == '\r' && e + 1 < end && e[1] == '\n' ? 2 : 1);
		if (line >= end || *line == '\r' || *line == '\n' || field_line(line, end))
			break;
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		e = nl ? nl : end;
		if (e > line && e[-1] == '\r')
			e--;
	}
	char raw[4096];
	size_t w = smtpdiag__unfold(p, (size_t)(e - p), raw, sizeof raw);
	return untyped(raw, w, out, cap);
}

/* An address without its angle brackets, blanks and the quotes some
 * reports put around the whole of it ("<\"a@b\">"); a quoted local part
 * ("\"first last\"@example.org") keeps its quotes. */
static void bare_address(char *a)
{
	size_t n = strlen(a), s = 0, was;
	do {
		was = n - s;
		while (s < n && (a[s] == '<' || a[s] == ' '))
			s++;
		while (n > s && (a[n - 1] == '>' || a[n - 1] == ' '))
			n--;
		if (n - s >= 2 && a[s] == '"' && a[n - 1] == '"')
			s++, n--;
	} while (n - s < was);
	memmove(a, a + s, n - s);
	a[n - s] = '\0';
}

/* A Remote-MTA's host name without what some reports add to it:
 * "mx.example.org. (203.0.113.5, the server for ...)", "mx.example.org
 * [203.0.113.5]", "mx.example.org (TCP|...)". */
static void host_name(char *h)
{
	bare_address(h);
	h[strcspn(h, " \t([")] = '\0';
	size_t n = strlen(h);
	while (n > 0 && h[n - 1] == '.')
		h[--n] = '\0';
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)smtpdiag__fold[(unsigned char)*s];
}

/* A Final-Recipient that lists several addresses ("a@example.org,
 * b@example.net", as ZoneMTA reports a message to many): each of them is a
 * recipient of the same report. rd->list[i] keeps the first. */
static void each_address(struct smtpdiag__reader *rd, size_t i)
{
	char *comma;
	while ((comma = strchr(rd->list[i].recipient, ',')) != NULL) {
		size_t off = (size_t)(comma - rd->list[i].recipient) + 1;
		if (!memchr(rd->list[i].recipient, '@', off) ||
		    !strchr(rd->list[i].recipient + off, '@'))
			return;
		*comma = '\0';
		bare_address(rd->list[i].recipient);
		struct smtpdiag__bounced_build *c = smtpdiag__add_recipient(rd); /* may move the list */
		if (!c)
			return;
		*c = rd->list[i];
		memmove(c->recipient, c->recipient + off, strlen(c->recipient + off) + 1);
		bare_address(c->recipient);
		i = (size_t)(c - rd->list);
	}
}

/* One recipient's group. */
static void recipient_group(struct smtpdiag__reader *rd, const char *g, size_t n, size_t at,
			    size_t part)
{
	char v[4096];
	const char *p;
	smtpdiag__header_field(g, n, "Final-Recipient", &p);
	if (!p)
		smtpdiag__header_field(g, n, "Original-Recipient", &p);
	if (!p) {
		/* a recipient's group that names no one still reports a failure:
		 * it has the per-recipient fields Action and Status */
		const char *status;
		smtpdiag__header_field(g, n, "Action", &p);
		smtpdiag__header_field(g, n, "Status", &status);
		if (!p || !status)
			return;
	}
	struct smtpdiag__bounced_build *b = smtpdiag__add_recipient(rd);
	if (!b)
		return;
	/* "Final-Recipient: system; <>" (CommuniGate) names no one, and
	 * "@host.example.net:user@ims_daemon" (Sun's messaging server: a source
	 * route to an internal channel) no one outside: the Original-Recipient
	 * does */
	if (!typed_value(g, n, "Final-Recipient", b->recipient, sizeof b->recipient) ||
	    !strchr(b->recipient, '@') || b->recipient[0] == '@') {
		char orig[sizeof b->recipient];
		if (typed_value(g, n, "Original-Recipient", orig, sizeof orig) && strchr(orig, '@'))
			memcpy(b->recipient, orig, sizeof orig);
	}
	bare_address(b->recipient);
	smtpdiag__header_copy(g, n, "Action", b->action, sizeof b->action);
	lower(b->action);
	if (!b->action[0] || !strcmp(b->action, "failure"))
		strcpy(b->action, "failed");
	smtpdiag__header_copy(g, n, "Status", v, sizeof v);
	smtpdiag__status_scan(v, strlen(v), &b->status);
	typed_value(g, n, "Remote-MTA", b->host, sizeof b->host);
	host_name(b->host);
	size_t k = diagnostic_value(g, n, &p, v, sizeof v);
	if (k) {
		smtpdiag__set_diagnostic(rd, b, v, k,
					 at == (size_t)-1 ? part : at + (size_t)(p - g));
	} else {
		/* no Diagnostic-Code: the Status's comment is the report's own
		 * words, "5.7.1 (Blocked by bulk email filter)" */
		smtpdiag__header_copy(g, n, "Status", v, sizeof v);
		const char *open = strchr(v, '('), *close = strrchr(v, ')');
		if (open && close > open + 1) {
			smtpdiag__header_field(g, n, "Status", &p);
			smtpdiag__set_diagnostic(rd, b, open + 1, (size_t)(close - open - 1),
						 at == (size_t)-1 ? part : at + (size_t)(p - g));
		}
	}
	each_address(rd, (size_t)(b - rd->list));
}

void smtpdiag__read_dsn(struct smtpdiag__reader *rd, const char *s, size_t n, size_t at,
			size_t part)
{
	rd->dsn_seen = 1;
	for (size_t i = 0; i < n;) {
		/* a group runs to the next empty line */
		size_t e = i;
		while (e < n) {
			const char *nl = memchr(s + e, '\n', n - e);
			size_t next = nl ? (size_t)(nl - s) + 1 : n;
			size_t line = next - e;
			e = next;
			if (line <= 2 && (line == 1 || s[next - 2] == '\r'))
				break;
		}
		if (e > i)
			recipient_group(rd, s + i, e - i, at == (size_t)-1 ? at : at + i, part);
		i = e;
	}
}

void smtpdiag__read_feedback(struct smtpdiag__reader *rd, const char *s, size_t n)
{
	struct smtpdiag_message *m = rd->m;
	rd->feedback_seen = 1;
	smtpdiag__header_copy(s, n, "Feedback-Type", m->feedback_type, sizeof m->feedback_type);
	lower(m->feedback_type);
	smtpdiag__header_copy(s, n, "Original-Rcpt-To", rd->feedback_rcpt,
			      sizeof rd->feedback_rcpt);
	bare_address(rd->feedback_rcpt);
}

void smtpdiag__complaint(struct smtpdiag__reader *rd)
{
	struct smtpdiag_message *m = rd->m;
	struct smtpdiag__bounced_build *b = smtpdiag__add_recipient(rd);
	char words[64];
	if (!b)
		return;
	memcpy(b->recipient, rd->feedback_rcpt[0] ? rd->feedback_rcpt : m->original_to,
	       sizeof b->recipient);
	bare_address(b->recipient);
	strcpy(b->action, "complaint");
	/* the words a rule of data/ reads as a recipient's complaint */
	size_t k = (size_t)snprintf(words, sizeof words, "Feedback-Type: %s",
				    m->feedback_type[0] ? m->feedback_type : "abuse");
	smtpdiag__set_diagnostic(rd, b, words, k < sizeof words ? k : sizeof words - 1, 0);
}
