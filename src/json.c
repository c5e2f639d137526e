/*
 * json.c - a JSON value found by its key, and a JSON string unescaped, for
 * the readers of JSON text: journal lines (journal.c), KumoMTA's log records
 * (kumo_log.c) and notifications sent as JSON (bounce_json.c).
 */
#include <string.h>

#include "internal.h"

static int hex4(const char *s, const char *end, unsigned long *v)
{
	*v = 0;
	if (end - s < 4)
		return 0;
	for (int i = 0; i < 4; i++) {
		int d = smtpdiag__hex_value((unsigned char)s[i]);
		if (d < 0)
			return 0;
		*v = *v << 4 | (unsigned long)d;
	}
	return 1;
}

/* Append code point c as UTF-8 if it fits. */
static void put_utf8(unsigned long c, char *out, size_t cap, size_t *w)
{
	char b[4];
	size_t k = smtpdiag__put_utf8(c, b);
	if (*w + k < cap) {
		memcpy(out + *w, b, k);
		*w += k;
	}
}

size_t smtpdiag__json_string(const char *s, const char *end, char *out, size_t cap)
{
	size_t w = 0;
	for (s++; s < end && *s != '"' && w + 1 < cap; s++) {
		if (*s != '\\' || s + 1 >= end) {
			out[w++] = *s;
			continue;
		}
		unsigned long c, lo;
		switch (*++s) {
		case 'n': out[w++] = '\n'; break;
		case 't': out[w++] = '\t'; break;
		case 'r': out[w++] = '\r'; break;
		case 'b': case 'f': out[w++] = ' '; break;
		case 'u':
			if (!hex4(s + 1, end, &c))
				break;
			s += 4;
			if (c >= 0xd800 && c < 0xdc00 && end - s > 6 && s[1] == '\\' && s[2] == 'u' &&
			    hex4(s + 3, end, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			put_utf8(c, out, cap, &w);
			break;
		default: out[w++] = *s; break; /* \" \\ \/ */
		}
	}
	out[w] = '\0';
	return w;
}

const char *smtpdiag__json_value(const char *line, size_t n, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; i + k + 3 <= n; i++) {
		if (line[i] != '"' || memcmp(line + i + 1, key, k) || line[i + 1 + k] != '"')
			continue;
		size_t j = i + k + 2;
		while (j < n && line[j] == ' ')
			j++;
		if (j < n && line[j] == ':') {
			j++;
			while (j < n && line[j] == ' ')
				j++;
			return line + j;
		}
	}
	return NULL;
}
