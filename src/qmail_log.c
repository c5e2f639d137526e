/*
 * qmail_log.c - qmail-send's delivery lines, read as the report they log:
 *
 *   delivery 42: failure: 192.0.2.1_does_not_like_recipient./Remote_host_said:_550_5.1.1_..._/Giving_up_on_192.0.2.1./
 *   delivery 43: deferral: Connected_to_192.0.2.1_but_greeting_failed./Remote_host_said:_421_..._/
 *
 * qmail-send writes a delivery's report with each line break as '/' and
 * each byte it deems unsafe (blanks, control and 8-bit bytes, '%') as '_'
 * (logsafe() in qsutil.c of qmail and netqmail/notqmail). Written back, the
 * report's reply is read as any other; a deferral without a code or status
 * is a transient failure, a failure a permanent one. The recipient is on
 * the line that started the delivery: "starting delivery 42: msg 1234 to
 * remote bob@example.org".
 */
#include <string.h>

#include "internal.h"

static const char *const outcomes[] = { ": failure: ", ": deferral: " };

/* Where "delivery N" starts in the line's first bytes (after a time stamp
 * or syslog's prefix), with N's digits at *num, *num_len; NULL if none.
 * Asked of every line a trigger stops at: found by its 'v', which few of
 * the first bytes of a log line hold. */
static const char *delivery_at(const char *line, size_t n, const char **num, size_t *num_len)
{
	static const char key[] = "delivery ";
	const size_t k = sizeof key - 1;
	const char *end = line + (n < 96 + k ? n : 96 + k);
	for (const char *v = line + 4; v < end && (v = memchr(v, 'v', (size_t)(end - v))); v++) {
		const char *d = v - 4; /* "deli" before the 'v' */
		if ((size_t)(line + n - d) <= k || memcmp(d, key, k) || (d > line && d[-1] != ' '))
			continue;
		const char *j = d + k;
		while (j < line + n && smtpdiag__is_digit((unsigned char)*j))
			j++;
		if (j == d + k)
			return NULL;
		*num = d + k;
		*num_len = (size_t)(j - d - k);
		return d;
	}
	return NULL;
}

/* A report's byte at s, as it was before qmail-send made it safe. */
static char unsafe(const char *s, const char *end)
{
	if (*s == '_')
		return ' ';
	/* a line break: not a link's or a path's slash, which go on in words */
	if (*s == '/' && (s + 1 == end || (s[1] >= 'A' && s[1] <= 'Z') || smtpdiag__is_digit((unsigned char)s[1])))
		return '\n';
	return *s;
}

size_t smtpdiag__qmail_line(const char *line, size_t n, char *out, size_t cap, int *cls)
{
	const char *num;
	size_t num_len;
	if (cap == 0 || !delivery_at(line, n, &num, &num_len))
		return 0;
	const char *p = num + num_len, *end = line + n;
	for (int k = 0; k < 2; k++) {
		size_t m = strlen(outcomes[k]);
		if ((size_t)(end - p) < m || memcmp(p, outcomes[k], m))
			continue;
		/* the line up to the report as it is, the report written back */
		size_t w = (size_t)(p + m - line) < cap ? (size_t)(p + m - line) : cap - 1;
		memcpy(out, line, w);
		for (const char *s = p + m; s < end && w + 1 < cap; s++)
			out[w++] = unsafe(s, end);
		while (w > 0 && smtpdiag__is_space((unsigned char)out[w - 1]))
			w--;
		out[w] = '\0';
		*cls = k ? 4 : 5;
		return w;
	}
	return 0;
}

void smtpdiag__qmail_recipient(const char *block, const char *line, size_t n, char *dst,
			       size_t cap)
{
	const char *num;
	size_t num_len;
	if (!delivery_at(line, n, &num, &num_len) || num_len > 20)
		return;
	char key[48] = "starting delivery ";
	size_t k = strlen(key);
	memcpy(key + k, num, num_len);
	k += num_len;
	key[k++] = ':';
	/* back over the lines above, as far as the scanner keeps them
	 * (SMTPDIAG_SCAN_LOOKBACK): a delivery that took longer is not named */
	const size_t back = SMTPDIAG_SCAN_LOOKBACK;
	const char *stop = (size_t)(line - block) > back ? line - back : block;
	for (const char *p = line; p > stop;) {
		const char *head = p - 1;
		while (head > stop && head[-1] != '\n')
			head--;
		size_t len = (size_t)(p - 1 - head);
		const char *at = smtpdiag__find_plain(head, len, key), *eol = p - 1;
		if (at && at + k < eol && at[k] == ' ') {
			const char *to = smtpdiag__find_plain(at, (size_t)(eol - at), " to ");
			if (!to)
				return;
			to += 4;
			if (eol - to > 7 && !memcmp(to, "remote ", 7))
				to += 7;
			else if (eol - to > 6 && !memcmp(to, "local ", 6))
				to += 6;
			size_t a = 0;
			while (to + a < eol && !smtpdiag__is_space((unsigned char)to[a]))
				a++;
			if (a && a < cap) {
				memcpy(dst, to, a);
				dst[a] = '\0';
			}
			return;
		}
		p = head;
	}
}

void smtpdiag__qmail_host(const char *line, size_t n, char *dst, size_t cap)
{
	static const char *const after[] = { " does not like recipient.", " failed on DATA command.",
					     " failed after I sent the message." };
	const char *num, *end = line + n;
	size_t num_len;
	if (!delivery_at(line, n, &num, &num_len))
		return;
	const char *p = memchr(num, ':', (size_t)(end - num));
	p = p ? memchr(p + 1, ':', (size_t)(end - p - 1)) : NULL; /* after the outcome */
	if (!p || end - p < 2)
		return;
	p += 2;
	int named = end - p > 13 && !memcmp(p, "Connected to ", 13);
	if (named)
		p += 13;
	size_t h = 0;
	while (p + h < end && !smtpdiag__is_space((unsigned char)p[h]))
		h++;
	const char *rest = p + h;
	for (size_t k = 0; !named && k < sizeof after / sizeof *after; k++)
		named = (size_t)(end - rest) >= strlen(after[k]) &&
			!memcmp(rest, after[k], strlen(after[k]));
	if (named && h && h < cap) {
		memcpy(dst, p, h);
		dst[h] = '\0';
	}
}
