/*
 * html.c - the text of an HTML part, for reports that send no plain text:
 * tags dropped (the ones that end a line or a cell leave a line break),
 * script and style left out, the common entities and numeric references
 * decoded. Works in place: the text never grows.
 */
#include <string.h>

#include "message.h"

/* Does the tag at s (after '<', maybe '/') end a line? */
static int breaks_line(const char *s, size_t n)
{
	static const char *const tags[] = { "br", "p", "div", "tr", "td", "li", "h1", "h2", "h3",
					    "h4", "table", "pre", "blockquote" };
	if (n && *s == '/')
		s++, n--;
	for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
		size_t k = strlen(tags[i]);
		if (n >= k && smtpdiag__equal_fold(s, tags[i], k) &&
		    (n == k || !smtpdiag__is_alnum((unsigned char)s[k])))
			return 1;
	}
	return 0;
}

/* An entity at s ('&' ...): its length, with its text written to out (at
 * most as long as the entity); 0 when it is none we know. */
static size_t entity(const char *s, size_t n, char *out, size_t *w)
{
	static const char *const named[][2] = { { "amp;", "&" },  { "lt;", "<" },   { "gt;", ">" },
						{ "quot;", "\"" }, { "apos;", "'" }, { "nbsp;", " " } };
	for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
		size_t k = strlen(named[i][0]);
		if (n > k && smtpdiag__equal_fold(s + 1, named[i][0], k)) {
			*w = 1;
			out[0] = named[i][1][0];
			return k + 1;
		}
	}
	if (n < 4 || s[1] != '#')
		return 0;
	size_t j = 2;
	int hexa = s[j] == 'x' || s[j] == 'X';
	unsigned long c = 0;
	for (j += (size_t)hexa; j < n && j < 12; j++) {
		int d = smtpdiag__hex_value((unsigned char)s[j]);
		if (d < 0 || (!hexa && d > 9))
			break;
		c = c * (hexa ? 16 : 10) + (unsigned long)d;
	}
	if (j >= n || s[j] != ';' || c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*w = smtpdiag__put_utf8(c, out);
	return *w <= j + 1 ? j + 1 : 0;
}

/* Is the tag s[0, n) (after '<') an opening `name` tag? */
static int opens(const char *s, size_t n, const char *name)
{
	size_t k = strlen(name);
	return n >= k && smtpdiag__equal_fold(s, name, k) &&
	       (n == k || s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '>');
}

size_t smtpdiag__strip_html(char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] == '<') {
			const char *gt = memchr(s + i, '>', n - i);
			size_t e = gt ? (size_t)(gt - s) : n;
			int skip = opens(s + i + 1, e - i - 1, "script") ? 1
				   : opens(s + i + 1, e - i - 1, "style") ? 2 : 0;
			if (breaks_line(s + i + 1, e - i - 1))
				s[w++] = '\n';
			i = e < n ? e + 1 : n;
			if (skip) { /* up to the closing tag */
				const char *close = skip == 1 ? "</script" : "</style";
				size_t k = strlen(close);
				while (i + k <= n && !smtpdiag__equal_fold(s + i, close, k))
					i++;
			}
			continue;
		}
		size_t used, wrote;
		if (s[i] == '&' && (used = entity(s + i, n - i, s + w, &wrote))) {
			w += wrote;
			i += used;
			continue;
		}
		s[w++] = s[i++];
	}
	return w;
}
