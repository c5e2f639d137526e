/*
 * scan.c - find and classify every failed reply in a log.
 *
 * trigger.c finds the candidate lines; here each one is read the way its
 * program wrote it: Postfix's "dsn=5.1.1, status=bounced (host H said: ...)",
 * Sendmail's "dsn=5.1.1, stat=...", Exim's "** addr ... SMTP error ...: 550
 * ..." and "== addr ... defer (110): text", and, for everything else, the
 * reply parser over the line. The reply is then classified exactly as
 * `explain` classifies it: by smtpdiag_classify.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"

void smtpdiag_scanner_init(struct smtpdiag_scanner *s)
{
	s->line = 1;
}

/* ---- fields of a log line ------------------------------------------------ */

/* The first occurrence of key in line[0, len), or NULL. Looks first for the
 * key's first punctuation byte ('=', ':', '<', '"', '*'), rarer in logs than
 * letters and spaces, then compares the key's first byte, then the rest. */
static const char *find(const char *line, size_t len, const char *key)
{
	size_t n = strlen(key), k = 0;
	while (k + 1 < n && (smtpdiag__is_alnum((unsigned char)key[k]) || key[k] == ' '))
		k++;
	if (k + 1 == n && !strpbrk(key, "=:<\"*(,#[")) /* no punctuation at all */
		k = 0;
	if (n > len)
		return NULL;
	const char *p = line + k, *last = line + len - n + k;
	while (p <= last && (p = memchr(p, key[k], (size_t)(last - p) + 1))) {
		if (p[-(ptrdiff_t)k] == key[0] && !memcmp(p - k, key, n))
			return p - k;
		p++;
	}
	return NULL;
}

/* Copy what follows key, up to a byte of `stops`, into dst. Returns 1 when
 * key was found and the value is not empty. */
static int field(const char *line, size_t len, const char *key, const char *stops,
		 char *dst, size_t cap)
{
	const char *p = find(line, len, key);
	size_t n = 0;
	if (!p)
		return 0;
	p += strlen(key);
	while (p < line + len && !strchr(stops, *p) && n + 1 < cap) {
		unsigned char c = (unsigned char)*p++;
		dst[n++] = c < 0x20 ? ' ' : (char)c;
	}
	dst[n] = '\0';
	return n > 0;
}

static int digits_at(const char *p, const char *s)
{
	for (; *s; s++, p++)
		if (*s == 'd' ? !smtpdiag__is_digit((unsigned char)*p) : *p != *s)
			return 0;
	return 1;
}

/* A time stamp at the start of the line: syslog's "May  3 10:12:01" or
 * ISO 8601's "2024-05-03 10:15:09" / "2024-05-03T10:15:09.123+02:00". */
static void time_stamp(const char *line, size_t len, char *dst, size_t cap)
{
	size_t n = 0;
	if (len >= 15 && line[0] >= 'A' && line[0] <= 'Z' && line[3] == ' ' &&
	    digits_at(line + 7, "dd:dd:dd"))
		n = 15;
	else if (len >= 19 && digits_at(line, "dddd-dd-dd") &&
		 (line[10] == ' ' || line[10] == 'T') && digits_at(line + 11, "dd:dd:dd"))
		for (n = 19; n < len && n + 1 < cap && line[n] != ' ' && line[n] != '\t'; n++)
			;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, line, n);
	dst[n] = '\0';
}

/* Exim writes the SMTP command a reply answered as "after RCPT TO:<...>". */
static void exim_command(const char *line, size_t len, char *dst, size_t cap)
{
	static const char *const commands[][2] = {
		{ "RCPT TO", "RCPT TO" },     { "MAIL FROM", "MAIL FROM" },
		{ "end of data", "DATA" },    { "DATA", "DATA" },
		{ "AUTH", "AUTH" },           { "EHLO", "EHLO" },
		{ "HELO", "HELO" },           { "STARTTLS", "STARTTLS" },
		{ "initial connection", "CONNECT" },
	};
	const char *after = find(line, len, " after ");
	if (!after)
		return;
	after += 7;
	size_t left = (size_t)(line + len - after);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		size_t n = strlen(commands[i][0]);
		if (n <= left && !memcmp(after, commands[i][0], n) && strlen(commands[i][1]) < cap) {
			strcpy(dst, commands[i][1]);
			return;
		}
	}
}

static void metadata(const char *line, size_t len, struct smtpdiag_finding *f)
{
	struct smtpdiag_reply *r = &f->reply;
	time_stamp(line, len, f->time, sizeof f->time);

	int json = memchr(line, '{', len) != NULL; /* an ESP's event */
	if (!field(line, len, "to=<", ">", f->recipient, sizeof f->recipient) &&
	    !field(line, len, "RCPT TO:<", ">", f->recipient, sizeof f->recipient) &&
	    !field(line, len, " ** ", " \t", f->recipient, sizeof f->recipient) &&
	    !field(line, len, " == ", " \t", f->recipient, sizeof f->recipient) &&
	    !(json && field(line, len, "\"emailAddress\":\"", "\"", f->recipient, sizeof f->recipient)) &&
	    !(json && field(line, len, "\"recipient\":\"", "\"", f->recipient, sizeof f->recipient)) &&
	    !(json && field(line, len, "\"rcpt_to\":\"", "\"", f->recipient, sizeof f->recipient)) &&
	    !(json && field(line, len, "\"email\":\"", "\"", f->recipient, sizeof f->recipient)) &&
	    !(json && field(line, len, "\"Email\":\"", "\"", f->recipient, sizeof f->recipient)) &&
	    !field(line, len, "recipients=", " \t", f->recipient, sizeof f->recipient))
		field(line, len, "Refused: {'", "'", f->recipient, sizeof f->recipient);

	if (!field(line, len, "from=<", ">", f->sender, sizeof f->sender) &&
	    !field(line, len, " F=<", ">", f->sender, sizeof f->sender) &&
	    !field(line, len, "MAIL FROM:<", ">", f->sender, sizeof f->sender))
		field(line, len, " from=", " \t", f->sender, sizeof f->sender);

	if (!r->host[0] &&
	    !field(line, len, "(host ", "[ \t", r->host, sizeof r->host) &&
	    !field(line, len, " host ", "[ \t", r->host, sizeof r->host) &&
	    !field(line, len, "connect to ", "[:", r->host, sizeof r->host) &&
	    !field(line, len, " H=", " \t", r->host, sizeof r->host) &&
	    !field(line, len, " host=", " \t", r->host, sizeof r->host))
		field(line, len, "relay=", "[,", r->host, sizeof r->host);
	if (!strcmp(r->host, "none"))
		r->host[0] = '\0';

	if (!r->command[0])
		exim_command(line, len, r->command, sizeof r->command);
}

/* ---- the reply of a line --------------------------------------------------- */

/* Postfix and Sendmail log the delivery status: "dsn=5.1.1". */
static int dsn(const char *line, size_t len, struct smtpdiag_status *st)
{
	const char *p = find(line, len, "dsn=");
	if (!p)
		return 0;
	p += 4;
	return smtpdiag__status_scan(p, (size_t)(line + len - p), st) > 0;
}

/* The first failed reply that starts on the line (it may go on over the next
 * lines, up to buf + avail). Returns 1 with *r. */
static int failed_reply(const char *line, size_t len, size_t avail,
			struct smtpdiag_reply *r)
{
	size_t pos = 0;
	while (smtpdiag_parse(line, avail, &pos, r) == 0 && r->start < len) {
		int cls = r->code ? r->code / 100 : r->status.cls;
		if (cls == 4 || cls == 5)
			return 1;
	}
	return 0;
}

/* The reply of a Postfix "status=bounced (...)" or "status=deferred (...)":
 * the server's words inside the parentheses when it gave a reply, else the
 * parenthesised text itself (a time-out, a DNS failure) under the dsn. */
static int postfix_status(const char *line, size_t len, struct smtpdiag_reply *r)
{
	struct smtpdiag_status st;
	const char *p = find(line, len, "status=");
	if (!p || !dsn(line, len, &st) || (st.cls != 4 && st.cls != 5))
		return 0;
	const char *open = memchr(p, '(', (size_t)(line + len - p));
	if (!open)
		return 0;
	const char *text = open + 1, *close = line + len;
	while (close > text && close[-1] != ')')
		close--;
	if (close > text)
		close--;
	size_t n = (size_t)(close - text);
	if (failed_reply(text, n, n, r)) {
		if (!r->status.cls)
			r->status = st;
	} else {
		smtpdiag_reply_from_text(text, n, r);
		r->status = st;
	}
	return 1;
}

/* Sendmail: "dsn=5.1.1, stat=User unknown" (the server's reply, when there
 * is one, is in "reply=" or on a line of its own). */
static int sendmail_status(const char *line, size_t len, struct smtpdiag_reply *r)
{
	struct smtpdiag_status st;
	const char *p = find(line, len, ", stat=");
	if (!p || !dsn(line, len, &st) || (st.cls != 4 && st.cls != 5))
		return 0;
	p += 7;
	smtpdiag_reply_from_text(p, (size_t)(line + len - p), r);
	r->status = st;
	return 1;
}

/* Exim's deferral or failure without an SMTP reply: "== addr ... defer (110):
 * Connection timed out", "** addr ...: Unrouteable address". */
static int exim_without_reply(const char *line, size_t len, struct smtpdiag_reply *r)
{
	const char *p = find(line, len, " == ");
	int cls = 4;
	if (!p) {
		p = find(line, len, " ** ");
		cls = 5;
	}
	if (!p)
		return 0;
	const char *text = find(p, (size_t)(line + len - p), ": ");
	if (!text)
		return 0;
	text += 2;
	smtpdiag_reply_from_text(text, (size_t)(line + len - text), r);
	r->status = (struct smtpdiag_status){ (uint16_t)cls, 0, 0 };
	return 1;
}

/* Read the failure on the line at buf (avail bytes left in the block).
 * Returns the bytes its reply takes (past the end of its last line's text),
 * or 0 when the line reports no failure. */
static size_t read_line(const char *buf, size_t len, size_t avail,
			struct smtpdiag_finding *f)
{
	struct smtpdiag_reply *r = &f->reply;
	size_t used = len;
	int found = 1;

	const char *status = find(buf, len, "status=");
	if (status && (size_t)(buf + len - status) >= 11 && !memcmp(status + 7, "sent", 4))
		return 0; /* Postfix delivered it */
	const char *stat = find(buf, len, ", stat=");
	if (stat && (size_t)(buf + len - stat) >= 11 && !memcmp(stat + 7, "Sent", 4))
		return 0; /* Sendmail delivered it */
	if ((status && postfix_status(buf, len, r)) || (stat && sendmail_status(buf, len, r)))
		;
	else if (failed_reply(buf, len, avail, r))
		used = r->end;
	else
		found = exim_without_reply(buf, len, r);

	if (found) {
		if (smtpdiag_classify(r, &f->diagnosis) != 0)
			return 0;
	} else {
		/* a failure without a reply, if a rule knows its words */
		smtpdiag_reply_from_text(buf, len, r);
		if (smtpdiag_classify(r, &f->diagnosis) != 0 ||
		    f->diagnosis.matched_by != SMTPDIAG_BY_TEXT)
			return 0;
	}
	if (f->diagnosis.severity == SMTPDIAG_SUCCESS)
		return 0;
	metadata(buf, len, f);
	return used;
}

/* ---- the block --------------------------------------------------------- */

static size_t count_lines(const char *b, size_t from, size_t to)
{
	size_t n = 0;
	const char *p = b + from, *end = b + to;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

int smtpdiag_scan(struct smtpdiag_scanner *s, const char *buf, size_t len,
		  size_t *pos, int final, struct smtpdiag_finding *f)
{
	size_t p;
	if (!s || !buf || !pos || !f || *pos > len)
		return SMTPDIAG_EINVAL;
	for (p = *pos; p < len;) {
		uint64_t lines = 0;
		size_t t = smtpdiag__next_trigger(buf, p, len, &lines);
		s->line += lines;
		if (t == len)
			break;
		size_t start = t;
		while (start > p && buf[start - 1] != '\n')
			start--;
		const char *nl = memchr(buf + t, '\n', len - t);
		size_t end = nl ? (size_t)(nl - buf) : len;
		if (!final && (!nl || len - start < SMTPDIAG_SCAN_MARGIN)) {
			*pos = start;
			return SMTPDIAG_EMORE;
		}
		memset(f, 0, sizeof *f);
		size_t used = read_line(buf + start, end - start, len - start, f);
		if (used) {
			/* go on after the last line the reply took */
			size_t last = start + used > end ? start + used : end;
			const char *lnl = last < len ? memchr(buf + last, '\n', len - last) : NULL;
			size_t next = lnl ? (size_t)(lnl - buf) + 1 : len;
			f->line = s->line;
			s->line += count_lines(buf, start, next);
			*pos = next;
			return 0;
		}
		p = nl ? end + 1 : len;
		s->line += nl != NULL;
	}
	*pos = len;
	return SMTPDIAG_ENOREPLY;
}
