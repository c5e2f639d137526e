/*
 * java_chain.c - JavaMail's exception chain, printed over several lines:
 *
 *   javax.mail.MessagingException: Could not connect to SMTP host: smtp.example.com, port: 465;
 *     nested exception is:
 *   	javax.net.ssl.SSLHandshakeException: PKIX path building failed: ...
 *
 * MessagingException prints its own message, then "nested exception is:" and
 * the exception it wraps, which is where the cause is told (a certificate, a
 * refused login, the server's reply). The lines are joined into one text, so
 * that the cause is read with its frame, as on the one line Spring prints.
 */
#include <string.h>

#include "internal.h"

#define MARK "nested exception is"
#define MAX_LINES 4 /* the mark's line, the cause's, and a folded rest */

/* Does [s, s + n) hold the mark, a space or tab before it at most? */
static int starts_with_mark(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	return n >= sizeof MARK - 1 && !memcmp(s, MARK, sizeof MARK - 1);
}

/* A stack frame ("\tat com.sun.mail...") ends the chain's text. */
static int stack_frame(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	return n >= 3 && !memcmp(s, "at ", 3);
}

int smtpdiag__java_chain(const char *line, size_t len, size_t avail, char *joined, size_t cap,
			 size_t *njoined, size_t *used)
{
	const char *mark = smtpdiag__find_plain(line, len, MARK);
	size_t end = len, n, lines = 0;
	if (cap < 2 || len >= avail || line[len] != '\n')
		return 0;
	if (mark) { /* the mark ends this line: the cause is on the next */
		const char *p = mark + sizeof MARK - 1, *e = line + len;
		if (p < e && *p == ':')
			p++;
		while (p < e && (*p == ' ' || *p == '\r'))
			p++;
		if (p < e)
			return 0; /* the cause is on this line already */
	} else { /* or the mark starts the next line */
		const char *next = line + len + 1;
		const char *nl = memchr(next, '\n', avail - len - 1);
		if (!starts_with_mark(next, nl ? (size_t)(nl - next) : avail - len - 1))
			return 0;
	}
	n = len < cap - 1 ? len : cap - 1;
	memcpy(joined, line, n);
	while (end + 1 < avail && lines < MAX_LINES) {
		const char *next = line + end + 1;
		const char *nl = memchr(next, '\n', avail - end - 1);
		size_t k = nl ? (size_t)(nl - next) : avail - end - 1;
		if (!k || !(next[0] == ' ' || next[0] == '\t' || starts_with_mark(next, k)) ||
		    stack_frame(next, k) || n + 1 + k >= cap)
			break;
		joined[n++] = ' ';
		memcpy(joined + n, next, k);
		n += k;
		end += 1 + k;
		lines++;
	}
	if (end == len)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (joined[i] == '\r' || joined[i] == '\t')
			joined[i] = ' ';
	*njoined = n;
	*used = end;
	return 1;
}
