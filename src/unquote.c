/*
 * unquote.c - a paste as it was before it was quoted or indented: the "> "
 * of a mail reply that quotes a bounce, or the four spaces of a forum's code
 * block, taken off every line. A bounce read with them is not recognised:
 * its lines no longer start where the readers look for them.
 */
#include "cli.h"

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
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
		while (w < k && w < n && (s[w] == ' ' || s[w] == '\t') && s[w] == first[w])
			w++;
		n = w;
	}
	if (!lines)
		return 0;
	return quoted ? 1 + spaced : n;
}

size_t unquote_paste(char *buf, size_t len)
{
	size_t cut;
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
