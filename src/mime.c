/*
 * mime.c - the pieces of RFC 5322 and MIME that a delivery report is made
 * of: a header block and its fields (folded lines unfolded), parameters of
 * structured fields, quoted-printable and base64 bodies (RFC 2045), and
 * encoded words in headers (RFC 2047).
 *
 * Everything here reads a byte range and writes into a caller's buffer; no
 * function looks at more than its input once, so that a hostile message
 * (a header of 100 MB, base64 full of garbage) costs linear time.
 */
#include <string.h>

#include "internal.h"

/* Is there a header field name at s[0, n), "Name:" with no space before the
 * colon? Returns the length of the name, or 0. */
static size_t field_name(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] > ' ' && s[i] < 127 && s[i] != ':')
		i++;
	return i > 0 && i < n && s[i] == ':' ? i : 0;
}

size_t smtpdiag__header_end(const char *buf, size_t len)
{
	if (len > 0 && buf[0] == '\n')
		return 1; /* no header at all */
	if (len > 1 && buf[0] == '\r' && buf[1] == '\n')
		return 2;
	for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + len - p))); p++) {
		size_t j = (size_t)(p - buf) + 1;
		if (j < len && buf[j] == '\r')
			j++;
		if (j >= len || buf[j] == '\n')
			return j < len ? j + 1 : len;
	}
	return len;
}

size_t smtpdiag__message_start(const char *buf, size_t len)
{
	size_t i = 0;
	for (;;) { /* blank lines, as a paste may begin */
		size_t j = i;
		while (j < len && (buf[j] == ' ' || buf[j] == '\t' || buf[j] == '\r'))
			j++;
		if (j >= len || buf[j] != '\n')
			break;
		i = j + 1;
	}
	if (len - i >= 5 && !memcmp(buf + i, "From ", 5)) { /* an mbox's separator */
		const char *nl = memchr(buf + i, '\n', len - i);
		i = nl ? (size_t)(nl - buf) + 1 : len;
	}
	return i;
}

int smtpdiag__is_header_block(const char *buf, size_t len)
{
	static const char *const common[] = { "from", "to", "subject", "date", "message-id",
					      "received", "return-path", "mime-version",
					      "content-type", "delivered-to", "reply-to",
					      "x-failed-recipients", "auto-submitted" };
	size_t end = smtpdiag__header_end(buf, len), known = 0, fields = 0;
	if (end == len && len > 65536)
		return 0; /* no blank line near the top: not a header block */
	for (size_t i = 0; i < end;) {
		const char *nl = memchr(buf + i, '\n', end - i);
		size_t e = nl ? (size_t)(nl - buf) : end, n = e - i;
		if (n > 0 && buf[e - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (buf[i] == ' ' || buf[i] == '\t') {
			if (!fields)
				return 0;
		} else {
			size_t k = field_name(buf + i, n);
			if (!k)
				return 0;
			fields++;
			for (size_t c = 0; c < sizeof common / sizeof *common; c++)
				if (strlen(common[c]) == k &&
				    smtpdiag__equal_fold(buf + i, common[c], k))
					known++;
		}
		i = e + 1;
	}
	return known >= 2;
}

int smtpdiag__equal_fold(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (smtpdiag__fold[(unsigned char)a[i]] != smtpdiag__fold[(unsigned char)b[i]])
			return 0;
	return 1;
}

size_t smtpdiag__unfold(const char *s, size_t n, char *out, size_t cap)
{
	size_t w = 0;
	int blank = 0;
	for (size_t i = 0; i < n && w + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
			blank = w > 0;
			continue;
		}
		if (blank && w + 2 < cap)
			out[w++] = ' ';
		blank = 0;
		out[w++] = (char)c;
	}
	out[w] = '\0';
	return w;
}

size_t smtpdiag__header_field(const char *hdr, size_t len, const char *name,
			      const char **value)
{
	size_t k = strlen(name);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(hdr + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - hdr) : len;
		if (e - i > k && hdr[i + k] == ':' && smtpdiag__equal_fold(hdr + i, name, k)) {
			size_t v = i + k + 1, end = e;
			/* the folded lines that follow belong to the field */
			while (end + 1 < len && (hdr[end + 1] == ' ' || hdr[end + 1] == '\t')) {
				nl = memchr(hdr + end + 1, '\n', len - end - 1);
				end = nl ? (size_t)(nl - hdr) : len;
			}
			*value = hdr + v;
			return end - v;
		}
		i = e + 1;
	}
	*value = NULL;
	return 0;
}

size_t smtpdiag__header_copy(const char *hdr, size_t len, const char *name, char *out,
			     size_t cap)
{
	const char *v;
	size_t n = smtpdiag__header_field(hdr, len, name, &v);
	if (!v) {
		out[0] = '\0';
		return 0;
	}
	return smtpdiag__unfold(v, n, out, cap);
}

size_t smtpdiag__param(const char *value, const char *name, char *out, size_t cap)
{
	size_t k = strlen(name), n = strlen(value);
	out[0] = '\0';
	for (size_t i = 0; i + k < n; i++) {
		if (value[i] != ';' && i > 0)
			continue;
		size_t j = i + (value[i] == ';');
		while (j < n && (value[j] == ' ' || value[j] == '\t'))
			j++;
		if (j + k >= n || !smtpdiag__equal_fold(value + j, name, k))
			continue;
		j += k;
		while (j < n && value[j] == ' ')
			j++;
		if (j >= n || value[j] != '=')
			continue;
		j++;
		while (j < n && value[j] == ' ')
			j++;
		size_t w = 0;
		if (j < n && value[j] == '"') {
			for (j++; j < n && value[j] != '"' && w + 1 < cap; j++) {
				if (value[j] == '\\' && j + 1 < n)
					j++;
				out[w++] = value[j];
			}
		} else {
			while (j < n && value[j] != ';' && value[j] != ' ' && w + 1 < cap)
				out[w++] = value[j++];
		}
		out[w] = '\0';
		return w;
	}
	return 0;
}

/* ---- transfer encodings ---------------------------------------------------- */

size_t smtpdiag__decode_qp(const char *in, size_t n, char *out, int header)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '_' && header) {
			out[w++] = ' ';
		} else if (c != '=') {
			out[w++] = (char)c;
		} else if (i + 2 < n && smtpdiag__hex_value((unsigned char)in[i + 1]) >= 0 &&
			   smtpdiag__hex_value((unsigned char)in[i + 2]) >= 0) {
			out[w++] = (char)(smtpdiag__hex_value((unsigned char)in[i + 1]) << 4 |
					  smtpdiag__hex_value((unsigned char)in[i + 2]));
			i += 2;
		} else if (i + 1 < n && (in[i + 1] == '\n' || in[i + 1] == '\r')) {
			i += in[i + 1] == '\r' && i + 2 < n && in[i + 2] == '\n' ? 2 : 1;
		} else {
			size_t j = i + 1; /* "=  \n": a soft break with blanks before it */
			while (j < n && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j < n && (in[j] == '\n' || in[j] == '\r'))
				i = j + (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n');
			else
				out[w++] = '=';
		}
	}
	return w;
}

/* The value of a base64 digit, or -1 (no table to build: the reader may run
 * on several threads at once). */
static int b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

size_t smtpdiag__decode_base64(const char *in, size_t n, char *out)
{
	unsigned long acc = 0;
	int bits = 0;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64((unsigned char)in[i]);
		if (in[i] == '=')
			bits = 0; /* padding ends a group */
		if (v < 0)
			continue; /* line breaks, and garbage */
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[w++] = (char)(acc >> bits & 0xff);
		}
	}
	return w;
}

/* ---- encoded words (RFC 2047) ---------------------------------------------- */

size_t smtpdiag__decode_words(const char *in, size_t n, char *out, size_t cap)
{
	size_t w = 0, i = 0, gap = 0; /* gap: blanks since the last encoded word */
	int after_word = 0;
	char tmp[1024], utf[1024 * 3];
	if (memchr(in, 0x1b, n)) /* written raw in ISO-2022-JP, as old Japanese mailers did */
		return smtpdiag__to_utf8("", in, n, out, cap);
	while (i < n && w + 1 < cap) {
		if (in[i] == '=' && i + 1 < n && in[i + 1] == '?') {
			/* =?charset?B?text?= */
			size_t cs = i + 2, q1 = cs;
			while (q1 < n && in[q1] != '?' && q1 - cs < 64)
				q1++;
			size_t q2 = q1 + 3, end = q2; /* the text after "?B?" */
			if (q1 + 2 < n && in[q1] == '?' && in[q1 + 2] == '?') {
				while (end + 1 < n && !(in[end] == '?' && in[end + 1] == '='))
					end++;
			}
			if (q1 + 2 < n && in[q1] == '?' && in[q1 + 2] == '?' && end + 1 < n &&
			    end - q2 < sizeof tmp) {
				char enc = (char)smtpdiag__fold[(unsigned char)in[q1 + 1]];
				char charset[65];
				memcpy(charset, in + cs, q1 - cs);
				charset[q1 - cs] = '\0';
				char *star = strchr(charset, '*'); /* RFC 2231 language */
				if (star)
					*star = '\0';
				size_t k = enc == 'b' ? smtpdiag__decode_base64(in + q2, end - q2, tmp)
					   : smtpdiag__decode_qp(in + q2, end - q2, tmp, 1);
				size_t u = smtpdiag__to_utf8(charset, tmp, k, utf, sizeof utf);
				if (after_word)
					w -= gap < w ? gap : w; /* blanks between words vanish */
				for (size_t j = 0; j < u && w + 1 < cap; j++)
					out[w++] = utf[j];
				i = end + 2;
				after_word = 1;
				gap = 0;
				continue;
			}
		}
		if (in[i] == ' ' || in[i] == '\t') {
			gap++;
		} else {
			after_word = 0;
			gap = 0;
		}
		out[w++] = in[i++];
	}
	out[w] = '\0';
	return w;
}
