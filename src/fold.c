/*
 * fold.c - the one folding used on both sides of a match.
 *
 * The generator folds rule phrases with it and the matcher folds replies with
 * it, so "Username  and\nPassword" meets "username and password" and
 * "Boîte PLEINE" meets "boite pleine". ASCII folds by a table (tolower()
 * would depend on the locale). In UTF-8, Latin letters lose their accents
 * (servers write "refuse" for "refusé", Vietnamese is often typed without
 * its marks, and a phrase is then written once), Greek, Cyrillic and
 * Armenian fold to lower case, ё to е, full-width ASCII to ASCII, and
 * combining accents vanish. Folding never makes a text longer, so it
 * may be done in place.
 */
#include "internal.h"

#define ROW(b) (b), (b) + 1, (b) + 2, (b) + 3, (b) + 4, (b) + 5, (b) + 6, (b) + 7
#define ROW16(b) ROW(b), ROW((b) + 8)

/* A-Z fold to a-z; \t \n \v \f \r and NUL fold to a space; the rest stays. */
const unsigned char smtpdiag__fold[256] = {
	' ', 1, 2, 3, 4, 5, 6, 7, 8, ' ', ' ', ' ', ' ', ' ', 14, 15,
	ROW16(16),
	ROW16(32),
	ROW16(48),
	64, ROW(97), ROW(105), ROW(113), 121, 122, 91, 92, 93, 94, 95,
	ROW16(96),
	ROW16(112),
	ROW16(128), ROW16(144), ROW16(160), ROW16(176),
	ROW16(192), ROW16(208), ROW16(224), ROW16(240),
};

/* U+0460..U+052F (Ukrainian Ґ, Kazakh Қ Ө Ә, Mongolian Ү ...): capitals and
 * small letters alternate, a capital first, except in U+04C1..U+04CE, where
 * the palochka Ӏ (U+04C0, small U+04CF) comes first; U+0482..U+0489 are
 * signs. */
static long fold_cyrillic_extended(unsigned long c)
{
	if (c >= 0x482 && c <= 0x489)
		return (long)c;
	if (c == 0x4c0)
		return 0x4cf;
	if (c >= 0x4c1 && c <= 0x4ce)
		return (long)(c & 1 ? c + 1 : c);
	return (long)(c & 1 ? c : c + 1);
}

/* The base letters of U+00C0..U+00FF ('*': not a letter, or two letters)
 * and of Latin Extended-A, U+0100..U+017F ('2': two letters). */
static const char latin1[] = "aaaaaa*ceeeeiiiidnooooo*ouuuuyt*"
			     "aaaaaa*ceeeeiiiidnooooo*ouuuuyty";
static const char latin_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii22jjkkklllll"
			      "lllllnnnnnnnnnoooooo22rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
/* The base letters of Latin Extended Additional, U+1E00..U+1EFF: the
 * letters with a dot or a hook, and Vietnamese's letters with two marks
 * ("ệ", "ự"); '*' stays as it is. */
static const char latin_add[] =
	"aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooo"
	"pppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwy******aaaaaaaa"
	"aaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy******";

/* Fold code point c: the folded code point, or 0 when c has two letters
 * (written to *two), or -1 when it vanishes. */
static long fold_point(unsigned long c, const char **two)
{
	if (c >= 0xc0 && c <= 0xff) {
		char b = latin1[c - 0xc0];
		if (b != '*')
			return b;
		switch (c) {
		case 0xc6: case 0xe6: *two = "ae"; return 0;
		case 0xdf: *two = "ss"; return 0;
		}
		return (long)c; /* × ÷ */
	}
	if (c >= 0x100 && c <= 0x17f) {
		char b = latin_a[c - 0x100];
		if (b != '2')
			return b;
		*two = c < 0x140 ? "ij" : "oe";
		return 0;
	}
	if (c == 0xa0 || c == 0x2bc || c == 0x2018 || c == 0x2019 || /* and apostrophes, */
	    (c >= 0x2010 && c <= 0x2015) || c == 0x2212) /* typeset hyphens and dashes */
		return ' ';
	if (c == 0x1a0 || c == 0x1a1 || c == 0x1af || c == 0x1b0) /* Vietnamese ơ ư */
		return c < 0x1af ? 'o' : 'u';
	if (c >= 0x218 && c <= 0x21b) /* Romanian ș ț */
		return c < 0x21a ? 's' : 't';
	if (c >= 0x1e00 && c <= 0x1eff && latin_add[c - 0x1e00] != '*')
		return latin_add[c - 0x1e00];
	if (c >= 0x300 && c <= 0x36f) /* combining accents */
		return -1;
	if (c >= 0x386 && c <= 0x3ce) {
		static const unsigned short tonos[] = { 0x3b1, 0, 0x3b5, 0x3b7, 0x3b9, 0, 0x3bf, 0,
							0x3c5, 0x3c9, 0x3b9 };
		if (c <= 0x390)
			return tonos[c - 0x386] ? tonos[c - 0x386] : (long)c;
		if (c >= 0x391 && c <= 0x3a9)
			return (long)c + 0x20;
		switch (c) {
		case 0x3ac: return 0x3b1;
		case 0x3ad: return 0x3b5;
		case 0x3ae: return 0x3b7;
		case 0x3af: case 0x3ca: return 0x3b9;
		case 0x3b0: case 0x3cb: case 0x3cd: return 0x3c5;
		case 0x3c2: return 0x3c3;
		case 0x3cc: return 0x3bf;
		case 0x3ce: return 0x3c9;
		}
		return (long)c;
	}
	if (c == 0x401 || c == 0x451) /* Ё ё */
		return 0x435;
	if (c >= 0x400 && c <= 0x40f)
		return (long)c + 0x50;
	if (c >= 0x410 && c <= 0x42f)
		return (long)c + 0x20;
	if (c >= 0x460 && c <= 0x52f) /* Cyrillic beyond Russian's: Ґ, Қ, Ө, Ә ... */
		return fold_cyrillic_extended(c);
	if (c >= 0x531 && c <= 0x556) /* Armenian capitals */
		return (long)c + 0x30;
	if (c >= 0xff01 && c <= 0xff5e) /* full-width ASCII */
		return smtpdiag__fold_word(c - 0xff01 + 0x21);
	if (c == 0x3000) /* ideographic space */
		return ' ';
	return (long)c;
}

size_t smtpdiag__put_utf8(unsigned long c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

int smtpdiag__hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = smtpdiag__fold[c];
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

size_t smtpdiag__fold_char(const unsigned char *s, size_t n, unsigned char *out,
			   size_t *used)
{
	unsigned long c;
	size_t len;

	*used = 1;
	if (s[0] < 0xc2 || s[0] > 0xef || n < 2 || (s[1] & 0xc0) != 0x80) {
		out[0] = smtpdiag__fold_word(s[0]); /* ASCII, or not UTF-8 we fold */
		return 1;
	}
	if (s[0] < 0xe0) {
		c = (unsigned long)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		len = 2;
	} else {
		if (n < 3 || (s[2] & 0xc0) != 0x80)
			goto as_is;
		c = (unsigned long)(s[0] & 0x0f) << 12 | (unsigned long)(s[1] & 0x3f) << 6 |
		    (s[2] & 0x3f);
		if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))
			goto as_is;
		len = 3;
	}
	*used = len;
	const char *two = NULL;
	long f = fold_point(c, &two);
	if (f < 0)
		return 0;
	if (f == 0) {
		out[0] = (unsigned char)two[0];
		out[1] = (unsigned char)two[1];
		return 2;
	}
	return smtpdiag__put_utf8((unsigned long)f, (char *)out);
as_is:
	out[0] = s[0];
	return 1;
}

size_t smtpdiag__fold_text(const char *s, size_t n, char *out)
{
	const unsigned char *in = (const unsigned char *)s;
	unsigned char buf[4];
	size_t w = 0, used;
	int space = 1; /* no space at the start */

	for (size_t i = 0; i < n; i += used) {
		size_t k = smtpdiag__fold_char(in + i, n - i, buf, &used);
		for (size_t j = 0; j < k; j++) {
			if (buf[j] == ' ') {
				if (space)
					continue;
				space = 1;
			} else {
				space = 0;
			}
			out[w++] = (char)buf[j];
		}
	}
	while (w > 0 && out[w - 1] == ' ')
		w--;
	return w;
}
