/*
 * redact.c - --redact: e-mail addresses, IP addresses and host names in the
 * output replaced by stable placeholders (address-1@redacted.invalid, ip-1,
 * host-1.invalid), so that a diagnosis can be pasted into a forum or a
 * ticket. The same original always gets the same placeholder within a run,
 * so a reader can still tell which lines are about the same recipient.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum kind { ADDRESS, IP, HOST, KINDS };

struct redactor {
	struct strmap *seen[KINDS];
};

struct redactor *redactor_new(void)
{
	struct redactor *r = calloc(1, sizeof *r);
	for (int k = 0; r && k < KINDS; k++)
		if (!(r->seen[k] = strmap_new())) {
			redactor_free(r);
			return NULL;
		}
	return r;
}

void redactor_free(struct redactor *r)
{
	if (!r)
		return;
	for (int k = 0; k < KINDS; k++)
		strmap_free(r->seen[k]);
	free(r);
}

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* The bytes a token of ours is made of. */
static int token_byte(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '%' || c == '+' ||
	       c == '@' || c == ':';
}

static int is_ipv4(const char *s, size_t n)
{
	int parts = 0, digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (++digits > 3)
				return 0;
		} else if (s[i] == '.' && digits) {
			parts++;
			digits = 0;
		} else {
			return 0;
		}
	}
	return parts == 3 && digits;
}

/* Hex digits, colons and dots, with "::" or at least three colons: not a
 * time of day. */
static int is_ipv6(const char *s, size_t n)
{
	int colons = 0, hex = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i], l = c | 0x20;
		if (c == ':')
			colons++;
		else if ((c >= '0' && c <= '9') || (l >= 'a' && l <= 'f'))
			hex = 1;
		else if (c != '.')
			return 0;
	}
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == ':' && s[i + 1] == ':')
			return hex && colons >= 2;
	return hex && colons >= 3;
}

/* Labels of letters, digits and '-' joined by dots, at least two, the last
 * one letters only: mx.example.org, not 5.7.1 or e.g. */
static int is_host(const char *s, size_t n)
{
	size_t labels = 1, last = 0, letters = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (i == last)
				return 0;
			labels++;
			last = i + 1;
		} else if (!is_alnum(c) && c != '-') {
			return 0;
		}
	}
	if (labels < 2 || n - last < 2)
		return 0;
	for (size_t i = last; i < n; i++)
		if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'))
			return 0;
		else
			letters++;
	return letters >= 2;
}

/* The placeholder of the original s[0, n) of a kind, into out. */
static size_t placeholder(struct redactor *r, enum kind k, const char *s, size_t n,
			  char *out, size_t cap)
{
	static const char *const forms[] = { "address-%llu@redacted.invalid", "ip-%llu",
					     "host-%llu.invalid" };
	char key[512];
	snprintf(key, sizeof key, "%.*s", (int)(n < sizeof key ? n : sizeof key - 1), s);
	uint64_t *id = strmap_value(r->seen[k], key);
	if (id && !*id)
		*id = strmap_size(r->seen[k]);
	int w = snprintf(out, cap, forms[k], (unsigned long long)(id ? *id : 0));
	return w < 0 ? 0 : (size_t)w < cap ? (size_t)w : cap - 1;
}

/* Append s[0, n) to out, as far as it fits. */
static size_t put(char *out, size_t cap, size_t at, const char *s, size_t n)
{
	if (at + n >= cap)
		n = cap - 1 - at;
	memcpy(out + at, s, n);
	return at + n;
}

/* One run of token bytes: an address, an IP, host names between colons
 * ("mx.example.org:25"), or words left as they are. */
static size_t redact_run(struct redactor *r, const char *s, size_t n, char *out, size_t cap,
			 size_t at)
{
	size_t end = n;
	while (end > 0 && (s[end - 1] == '.' || s[end - 1] == ':' || s[end - 1] == '-'))
		end--; /* a sentence's full stop is not part of a name */
	const char *atsign = memchr(s, '@', end);
	if (atsign && memchr(atsign, '.', (size_t)(s + end - atsign)) && atsign > s)
		at += placeholder(r, ADDRESS, s, end, out + at, cap - at);
	else if (is_ipv4(s, end) || is_ipv6(s, end))
		at += placeholder(r, IP, s, end, out + at, cap - at);
	else
		for (size_t i = 0; i < end;) {
			size_t j = i;
			while (j < end && s[j] != ':')
				j++;
			if (is_host(s + i, j - i) || is_ipv4(s + i, j - i))
				at += placeholder(r, is_host(s + i, j - i) ? HOST : IP, s + i, j - i,
						  out + at, cap - at);
			else
				at = put(out, cap, at, s + i, j - i);
			if (j < end)
				at = put(out, cap, at, ":", 1);
			i = j + 1;
		}
	return put(out, cap, at, s + end, n - end);
}

void redact(struct redactor *r, const char *s, char *out, size_t cap)
{
	size_t at = 0, n = strlen(s);
	if (!cap)
		return;
	for (size_t i = 0; i < n && at + 1 < cap;) {
		size_t j = i;
		while (j < n && token_byte((unsigned char)s[j]))
			j++;
		if (j > i) {
			at = redact_run(r, s + i, j - i, out, cap, at);
			i = j;
		} else {
			out[at++] = s[i++];
		}
	}
	out[at] = '\0';
}

/* Redact one field in place. */
static void redact_field(struct redactor *r, char *field, size_t cap)
{
	char out[SMTPDIAG_TEXT_MAX];
	redact(r, field, out, cap < sizeof out ? cap : sizeof out);
	strcpy(field, out);
}

void redact_reply(struct redactor *r, struct smtpdiag_reply *reply)
{
	redact_field(r, reply->text, sizeof reply->text);
	reply->text_len = strlen(reply->text);
	redact_field(r, reply->host, sizeof reply->host);
}

void redact_finding(struct redactor *r, struct smtpdiag_finding *f)
{
	redact_reply(r, &f->reply);
	redact_field(r, f->recipient, sizeof f->recipient);
	redact_field(r, f->sender, sizeof f->sender);
	redact_field(r, f->message_id, sizeof f->message_id);
	redact_field(r, f->original_message_id, sizeof f->original_message_id);
	redact_field(r, f->original_from, sizeof f->original_from);
}
