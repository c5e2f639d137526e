/*
 * charset.c - text of any declared charset into UTF-8, with iconv(3) (part of
 * the C library on glibc and musl).
 *
 * Reports arrive in ISO-8859-x, Windows-125x, KOI8-R, ISO-2022-JP,
 * Shift_JIS, EUC-JP, GB2312/GBK, Big5 ... A byte the charset does not define
 * is skipped, so the output is always valid UTF-8 where iconv knows the
 * charset. An unknown charset, or none, leaves the bytes as they are.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "internal.h"

/* Charsets that are UTF-8 or a subset of it: copied as they are. */
static int is_utf8(const char *cs)
{
	static const char *const same[] = { "", "utf-8", "utf8", "us-ascii", "ascii", "7bit",
					    "ansi_x3.4-1968" };
	for (size_t i = 0; i < sizeof same / sizeof *same; i++)
		if (strlen(cs) == strlen(same[i]) && smtpdiag__equal_fold(cs, same[i], strlen(cs)))
			return 1;
	return 0;
}

/* Names that mail writes and iconv may not know by them. */
static const char *alias(const char *cs)
{
	static const char *const names[][2] = {
		{ "gb2312", "GBK" }, /* GBK is a superset; mailers send it as GB2312 */
		{ "ks_c_5601-1987", "CP949" },
		{ "x-sjis", "SHIFT_JIS" },
		{ "shift-jis", "SHIFT_JIS" },
		{ "iso-2022-jp", "ISO-2022-JP-2" },
		{ "windows-874", "CP874" },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(cs) == strlen(names[i][0]) &&
		    smtpdiag__equal_fold(cs, names[i][0], strlen(cs)))
			return names[i][1];
	return cs;
}

/* Does 7-bit text shift into JIS X 0208 (ESC $ B, or ESC $ @ of 1978)? Then
 * it is ISO-2022-JP, whatever was declared: old Japanese reports declare no
 * charset at all, and the escapes mean nothing else in ASCII. */
static int shifts_to_jis(const char *in, size_t n)
{
	const char *p = in, *end = in + n;
	for (; (p = memchr(p, 0x1b, (size_t)(end - p))) != NULL && end - p >= 3; p++)
		if (p[1] == '$' && (p[2] == 'B' || p[2] == '@'))
			return 1;
	return 0;
}

size_t smtpdiag__to_utf8(const char *charset, const char *in, size_t n, char *out, size_t cap)
{
	if (cap == 0)
		return 0;
	if (is_utf8(charset) && shifts_to_jis(in, n))
		charset = "iso-2022-jp";
	if (is_utf8(charset)) {
		size_t k = n < cap - 1 ? n : cap - 1;
		memcpy(out, in, k);
		out[k] = '\0';
		return k;
	}
	iconv_t cd = iconv_open("UTF-8", alias(charset));
	if (cd == (iconv_t)-1)
		return smtpdiag__to_utf8("", in, n, out, cap);
	char *src = (char *)(uintptr_t)in, *dst = out;
	size_t left = n, room = cap - 1;
	while (left > 0) {
		if (iconv(cd, &src, &left, &dst, &room) != (size_t)-1)
			break;
		if (errno == E2BIG)
			break;
		src++; /* a byte the charset does not define (EILSEQ), or a cut sequence */
		left--;
	}
	iconv(cd, NULL, NULL, &dst, &room); /* back to the initial shift state */
	iconv_close(cd);
	*dst = '\0';
	return (size_t)(dst - out);
}
