/*
 * paste_clean.c - a paste without what it gained on its way from the server
 * to the user: the no-break spaces and tabs of a web page or a word
 * processor, written as plain spaces; the "> " of a mail reply that quotes a
 * bounce, or the four spaces of a forum's code block, taken off every line;
 * the line breaks of a mail program or a page that wrapped a long reply at
 * some 60 to 80 columns (not those of a whole message whose parts declare
 * their encoding). Read with them, a reply's code is not followed by a
 * space, a bounce's lines no longer start where the readers look for them,
 * and a reply ends where its first line was cut.
 */
#define _POSIX_C_SOURCE 200809L /* strncasecmp */
#include <strings.h>

#include "cli.h"

/* The length of the UTF-8 space at s (no-break, figure, narrow no-break,
 * thin), or 0. */
static size_t wide_space(const unsigned char *s, size_t n)
{
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0)
		return 2;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x87 || s[2] == 0x89 || s[2] == 0xaf))
		return 3;
	return 0;
}

static size_t plain_spaces(char *buf, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len;) {
		size_t k = wide_space((const unsigned char *)buf + i, len - i);
		if (k || buf[i] == '\t') {
			buf[w++] = ' ';
			i += k ? k : 1;
		} else {
			buf[w++] = buf[i++];
		}
	}
	return w;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\r')
			return 0;
	return 1;
}

/* The prefix that every line that is not blank starts with: a quote mark
 * ('>', and the space after it when every line has one), or else the white
 * space they share. Its length, 0 when there is none. */
static size_t common_prefix(const char *buf, size_t len)
{
	size_t n = (size_t)-1, quoted = 1, spaced = 1, lines = 0;
	const char *first = NULL;
	for (size_t i = 0; i < len;) {
		const char *s = buf + i, *nl = memchr(s, '\n', len - i);
		size_t k = nl ? (size_t)(nl - s) : len - i;
		i += k + 1;
		if (blank(s, k))
			continue;
		lines++;
		quoted &= s[0] == '>';
		spaced &= k > 1 && s[1] == ' ';
		if (!first)
			first = s;
		size_t w = 0; /* the white space this line shares with the first */
		while (w < k && w < n && s[w] == ' ' && first[w] == ' ')
			w++;
		n = w;
	}
	if (!lines)
		return 0;
	return quoted ? 1 + spaced : n;
}

static size_t indent_at(const char *s, size_t n)
{
	size_t w = 0;
	while (w < n && s[w] == ' ')
		w++;
	return w;
}

static int name_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* Does the line s[0, n) begin as a line of its own: a name followed by ':'
 * (a field, "msmtp: ..."; not a link's "https:"), '[' or '/' (a log's
 * program, "postfix/smtp[12]: ...")? */
static int tagged(const char *s, size_t n)
{
	size_t j = 0;
	while (j < n && j < 32 && name_byte(s[j]))
		j++;
	if (j == 0 || j == n)
		return 0;
	if (s[j] == ':')
		return !(j + 2 < n && s[j + 1] == '/' && s[j + 2] == '/');
	return s[j] == '[' || s[j] == '/';
}

/* Does a clock time ("12:04") stand in the first bytes of the line: a
 * log's record of its own? */
static int timed(const char *s, size_t n)
{
	for (size_t i = 0; i + 5 <= n && i < 32; i++)
		if (s[i] >= '0' && s[i] <= '9' && s[i + 1] >= '0' && s[i + 1] <= '9' &&
		    s[i + 2] == ':' && s[i + 3] >= '0' && s[i + 3] <= '5' && s[i + 4] >= '0' &&
		    s[i + 4] <= '9')
			return 1;
	return 0;
}

/* The length of the line at s, without the blanks it ends with. */
static size_t trimmed(const char *s, size_t k)
{
	while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\r'))
		k--;
	return k;
}

static size_t first_word(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[k] != ' ')
		k++;
	return k;
}

/* Does the line s[0, end) end in a reply code alone ("... said: 421"),
 * whose words a bounce put on the next line? */
static int ends_in_code(const char *s, size_t end)
{
	return end >= 5 && s[end - 4] == ' ' && s[end - 3] >= '2' && s[end - 3] <= '5' &&
	       s[end - 2] >= '0' && s[end - 2] <= '9' && s[end - 1] >= '0' && s[end - 1] <= '9';
}

/* Does the line s[0, k) go on on the next, t[0, m), as a sentence wrapped
 * at some width does? Both have the same indent, and the next goes on in
 * words, not as a line of its own (a field, a program's or a log's line).
 * The line ends in a reply code alone ("said: 421"), or it is long and
 * stops inside a sentence, and the next goes on in small letters ("...
 * traffic not\naccepted from this IP") or with a word that would have
 * made the line longer than a longer line of the paste (widest): the mark
 * of a program that wrapped the paste. */
static int goes_on(const char *s, size_t k, const char *t, size_t m, size_t widest)
{
	size_t end = trimmed(s, k), w = indent_at(t, m);
	char last = end ? s[end - 1] : '.';
	unsigned char c = w < m ? (unsigned char)t[w] : 0;
	int small = c >= 'a' && c <= 'z';
	int letter = small || (c >= 'A' && c <= 'Z') || c >= 0xc0;
	if (w != indent_at(s, k) || !letter || tagged(t + w, m - w) || timed(t + w, m - w))
		return 0;
	if (ends_in_code(s, end))
		return 1;
	if (end < 40 || last == '.' || last == '!' || last == '?')
		return 0;
	return (small && end >= 48) || (end < widest && end + 1 + first_word(t + w, m - w) > widest);
}

/* The brackets that s[0, k) opens less those it closes. */
static long opened(const char *s, size_t k)
{
	long n = 0;
	for (size_t i = 0; i < k; i++)
		n += (s[i] == '(') - (s[i] == ')');
	return n;
}

/* Is it a whole message whose parts say how their lines are encoded
 * ("Content-Transfer-Encoding: quoted-printable")? Its line breaks are the
 * encoding's (a quoted-printable "=" at a line's end joins the next line
 * with nothing between), not a page's wrapping. */
static int mime_encoded(const char *buf, size_t len)
{
	static const char field[] = "Content-Transfer-Encoding:";
	size_t k = sizeof field - 1;
	for (size_t i = 0; i + k <= len;) {
		if (!strncasecmp(buf + i, field, k))
			return 1;
		const char *nl = memchr(buf + i, '\n', len - i);
		i = nl ? (size_t)(nl - buf) + 1 : len;
	}
	return 0;
}

/* A paste wrapped at some width: each break where a line goes on becomes a
 * space; so does each break inside brackets, as a log's "status=bounced
 * (host ... said: 550 ... (in reply to end of DATA command))" is wrapped
 * anywhere, a host's name or a capital letter starting the next line. */
static void unwrap(char *buf, size_t len)
{
	size_t widest = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t k = nl ? (size_t)(nl - (buf + i)) : len - i, n = trimmed(buf + i, k);
		widest = n > widest ? n : widest;
		i += k + 1;
	}
	long open = 0; /* brackets left open in the paragraph */
	for (size_t i = 0; i < len;) {
		char *s = buf + i, *nl = memchr(s, '\n', len - i);
		if (!nl)
			break;
		size_t k = (size_t)(nl - s), next = i + k + 1;
		const char *t = buf + next, *nl2 = memchr(t, '\n', len - next);
		size_t m = nl2 ? (size_t)(nl2 - t) : len - next, end = trimmed(s, k);
		open = blank(s, k) ? 0 : open + opened(s, k);
		if (goes_on(s, k, t, m, widest) ||
		    (open > 0 && !blank(t, m) && indent_at(t, m) == indent_at(s, k) &&
		     !timed(t, m)))
			memset(s + end, ' ', k + 1 - end);
		i = next;
	}
}

size_t clean_paste(char *buf, size_t len)
{
	size_t cut;
	len = plain_spaces(buf, len);
	while ((cut = common_prefix(buf, len)) > 0) {
		size_t w = 0;
		for (size_t i = 0; i < len;) {
			const char *nl = memchr(buf + i, '\n', len - i);
			size_t k = nl ? (size_t)(nl - (buf + i)) : len - i;
			if (!blank(buf + i, k)) { /* a blank line is left empty */
				memmove(buf + w, buf + i + cut, k - cut);
				w += k - cut;
			}
			i += k;
			if (nl)
				buf[w++] = buf[i++];
		}
		len = w;
	}
	if (!mime_encoded(buf, len))
		unwrap(buf, len);
	return len;
}
