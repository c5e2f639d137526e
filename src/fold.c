/*
 * fold.c - the one byte folding used on both sides of a match.
 *
 * The generator folds rule phrases with it and the matcher folds replies with
 * it, so "Username  and\nPassword" meets "username and password". ASCII only:
 * tolower() would depend on the locale.
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
