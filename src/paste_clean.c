/*
 * paste_clean.c - a paste without what it gained on its way from the server
 * to the user: the no-break spaces and tabs of a web page or a word
 * processor, written as plain spaces; the "> " of a mail reply that quotes a
 * bounce, or the four spaces of a forum's code block, taken off every line.
 * Read with them, a reply's code is not followed by a space and a bounce's
 * lines no longer start where the readers look for them.
 */
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
	return len;
}
