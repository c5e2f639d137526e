/*
 * bounce_json.c - a notification sent as JSON in the body of a message:
 * Amazon SES's bounce and complaint notifications, delivered by e-mail
 * through Amazon SNS (the notification as the string "Message" of SNS's
 * own object) or as the raw notification:
 *
 *   {"notificationType":"Bounce","bounce":{"bounceType":"Permanent",
 *    "bouncedRecipients":[{"emailAddress":"a@b","action":"failed",
 *    "status":"5.1.1","diagnosticCode":"smtp; 550 ..."}], ...},
 *    "mail":{...}}
 *
 * The JSON is walked without recursion: a value is skipped by counting
 * brackets outside strings, an object's members are read one after another.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

struct span {
	const char *s;
	size_t n;
};

static size_t skip_blank(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* The end of the string that starts at s[i] ('"'), after its closing quote;
 * n when it never closes. */
static size_t string_end(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* The end of the value at s[i]. */
static size_t value_end(const char *s, size_t n, size_t i)
{
	size_t depth = 0;
	if (i >= n)
		return n;
	if (s[i] == '"')
		return string_end(s, n, i);
	if (s[i] != '{' && s[i] != '[') {
		while (i < n && !strchr(",}] \t\r\n", s[i]))
			i++;
		return i;
	}
	for (; i < n; i++) {
		if (s[i] == '"') {
			i = string_end(s, n, i) - 1;
		} else if (s[i] == '{' || s[i] == '[') {
			depth++;
		} else if (s[i] == '}' || s[i] == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return n;
}

/* The member `key` of the object v (its value), or an empty span. */
static struct span member(struct span v, const char *key)
{
	struct span none = { NULL, 0 };
	size_t k = strlen(key), i = skip_blank(v.s, v.n, 0);
	if (i >= v.n || v.s[i] != '{')
		return none;
	for (i++;;) {
		i = skip_blank(v.s, v.n, i);
		if (i >= v.n || v.s[i] != '"')
			return none;
		size_t ke = string_end(v.s, v.n, i);
		int hit = ke - i == k + 2 && !memcmp(v.s + i + 1, key, k);
		i = skip_blank(v.s, v.n, ke);
		if (i >= v.n || v.s[i] != ':')
			return none;
		i = skip_blank(v.s, v.n, i + 1);
		size_t ve = value_end(v.s, v.n, i);
		if (hit)
			return (struct span){ v.s + i, ve - i };
		i = skip_blank(v.s, v.n, ve);
		if (i >= v.n || v.s[i] != ',')
			return none;
		i++;
	}
}

/* The next element of the array a after *at (0: the first); 0 when none. */
static int element(struct span a, size_t *at, struct span *out)
{
	size_t i = *at;
	if (i == 0) {
		i = skip_blank(a.s, a.n, 0);
		if (i >= a.n || a.s[i] != '[')
			return 0;
		i++;
	} else {
		i = skip_blank(a.s, a.n, i);
		if (i >= a.n || a.s[i] != ',')
			return 0;
		i++;
	}
	i = skip_blank(a.s, a.n, i);
	if (i >= a.n || a.s[i] == ']')
		return 0;
	size_t e = value_end(a.s, a.n, i);
	*out = (struct span){ a.s + i, e - i };
	*at = e;
	return 1;
}

/* A string value unescaped into out (cut to cap); its length. Not a string:
 * the value's text as it stands (a number). */
static size_t string_value(struct span v, char *out, size_t cap)
{
	if (!cap)
		return 0;
	if (!v.n || v.s[0] != '"') {
		size_t k = v.n < cap - 1 ? v.n : cap - 1;
		if (v.n && (v.s[0] == '{' || v.s[0] == '[' || v.s[0] == 'n'))
			k = 0; /* objects, arrays, null: no text */
		if (k)
			memcpy(out, v.s, k);
		out[k] = '\0';
		return k;
	}
	return smtpdiag__json_string(v.s, v.s + v.n, out, cap);
}

static int is(struct span v, const char *word)
{
	size_t k = strlen(word);
	return v.n == k + 2 && v.s[0] == '"' && !memcmp(v.s + 1, word, k);
}

/* The SES notification's recipients. */
static int notification(struct smtpdiag__reader *rd, struct span p, size_t offset)
{
	struct span type = member(p, "notificationType");
	int bounce = is(type, "Bounce"), complaint = is(type, "Complaint");
	if (!bounce && !complaint)
		return 0;
	struct span o = member(p, bounce ? "bounce" : "complaint");
	struct span list = member(o, bounce ? "bouncedRecipients" : "complainedRecipients");
	char kind[64], sub[64], mta[256], remote[256], v[2048];
	string_value(member(o, bounce ? "bounceType" : "complaintFeedbackType"), kind, sizeof kind);
	string_value(member(o, "bounceSubType"), sub, sizeof sub);
	string_value(member(o, "reportingMTA"), mta, sizeof mta);
	string_value(member(o, "remoteMtaIp"), remote, sizeof remote);

	struct smtpdiag_message *m = rd->m;
	struct span mail = member(p, "mail");
	string_value(member(mail, "messageId"), m->original_message_id,
		     sizeof m->original_message_id);
	struct span common = member(mail, "commonHeaders");
	string_value(member(common, "subject"), m->original_subject, sizeof m->original_subject);
	string_value(member(mail, "source"), m->original_from, sizeof m->original_from);
	if (complaint)
		snprintf(m->feedback_type, sizeof m->feedback_type, "%.31s", kind[0] ? kind : "abuse");

	struct span e;
	for (size_t at = 0; element(list, &at, &e);) {
		char address[sizeof rd->list->recipient];
		if (!string_value(member(e, "emailAddress"), address, sizeof address) ||
		    !strchr(address, '@'))
			continue; /* an entry that names no one */
		struct smtpdiag__bounced_build *b = smtpdiag__add_recipient(rd);
		if (!b)
			return 0;
		memcpy(b->recipient, address, sizeof address);
		b->offset = offset;
		if (complaint) {
			size_t k = (size_t)snprintf(v, sizeof v, "Feedback-Type: %s", m->feedback_type);
			strcpy(b->action, "complaint");
			smtpdiag__set_diagnostic(rd, b, v, k < sizeof v ? k : sizeof v - 1, offset);
			continue;
		}
		string_value(member(e, "action"), b->action, sizeof b->action);
		if (!b->action[0])
			strcpy(b->action, "failed");
		size_t k = string_value(member(e, "status"), v, sizeof v);
		smtpdiag__status_scan(v, k, &b->status);
		snprintf(b->host, sizeof b->host, "%s", remote);
		k = string_value(member(e, "diagnosticCode"), v, sizeof v);
		const char *d = v, *semi = memchr(v, ';', k);
		if (semi && semi - v < 12 && !memchr(v, ' ', (size_t)(semi - v))) { /* "smtp; 550 ..." */
			d = semi + 1;
			while (*d == ' ')
				d++;
		}
		if (!*d) /* no reply: SES's own words for the bounce */
			d = v, k = (size_t)snprintf(v, sizeof v, "Amazon SES: %s bounce (%s)",
						    kind[0] ? kind : "Undetermined",
						    sub[0] ? sub : "General");
		else
			k -= (size_t)(d - v);
		smtpdiag__set_diagnostic(rd, b, d, k < sizeof v ? k : sizeof v - 1, offset);
	}
	(void)mta;
	return bounce ? SMTPDIAG_MESSAGE_BOUNCE : SMTPDIAG_MESSAGE_COMPLAINT;
}

int smtpdiag__read_json_notification(struct smtpdiag__reader *rd)
{
	const char *t = rd->text.buf;
	size_t n = rd->text.len, i = t ? skip_blank(t, n, 0) : 0;
	if (!t || i >= n || t[i] != '{')
		return 0;
	/* the JSON's lines up to SNS's "--" footer, joined; a line that a
	 * mailer cut with "!" and a blank (sendmail's long lines) is one line */
	char *j = malloc(n - i + 1);
	size_t w = 0;
	if (!j) {
		rd->failed = 1;
		return 0;
	}
	for (size_t at = i; at < n;) {
		const char *nl = memchr(t + at, '\n', n - at);
		size_t e = nl ? (size_t)(nl - t) : n, k = e - at;
		if (k && t[at + k - 1] == '\r')
			k--;
		if (k == 2 && t[at] == '-' && t[at + 1] == '-')
			break;
		if (w && j[w - 1] == '!' && k && t[at] == ' ') {
			w--;
			at++, k--;
		}
		memcpy(j + w, t + at, k);
		w += k;
		at = e + 1;
	}
	struct span top = { j, w }, payload = top;
	char *inner = NULL;
	struct span msg = member(top, "Message");
	if (msg.n > 1 && msg.s[0] == '"') { /* SNS's envelope */
		if ((inner = malloc(msg.n + 1)) != NULL)
			payload = (struct span){ inner, string_value(msg, inner, msg.n + 1) };
	}
	int kind = notification(rd, payload, smtpdiag__input_offset(rd, i));
	free(inner);
	free(j);
	return kind;
}
