/*
 * internal.h - what the library's files share and nobody else sees.
 *
 * Prototypes are grouped by the file that defines them. Internal names start
 * with smtpdiag__ (two underscores); they are not part of the API.
 */
#ifndef SMTPDIAG_INTERNAL_H
#define SMTPDIAG_INTERNAL_H

#include "smtpdiag.h"

/* fold.c */
extern const unsigned char smtpdiag__fold[256];

/* Fold the character that starts s[0, n), n > 0, for matching: writes 0 to 3
 * bytes to out and returns how many, never more than it took; *used is the
 * number of bytes it took. An ASCII byte, or one not in valid UTF-8, folds
 * by smtpdiag__fold alone. */
size_t smtpdiag__fold_char(const unsigned char *s, size_t n, unsigned char *out,
			   size_t *used);

/* Fold s[0, n) into out (room for n bytes; out may be s): every character
 * folded, white-space runs as one space, none at either end. Returns the
 * folded length. */
size_t smtpdiag__fold_text(const char *s, size_t n, char *out);

static inline int smtpdiag__is_space(unsigned char c)
{
	return smtpdiag__fold[c] == ' ';
}

static inline int smtpdiag__is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int smtpdiag__is_alnum(unsigned char c)
{
	unsigned char f = smtpdiag__fold[c];
	return smtpdiag__is_digit(c) || (f >= 'a' && f <= 'z');
}

/* Is the reply a failure (4xx/5xx, or a 4.x.x/5.x.x status without code)? */
static inline int smtpdiag__is_failure(const struct smtpdiag_reply *r)
{
	int cls = r->code ? r->code / 100 : r->status.cls;
	return cls == 4 || cls == 5;
}

/* status.c */

/* Read an enhanced status code at the start of s[0, len): the number of bytes
 * it takes (then *st is set), or 0 when s does not start with one. Does not
 * look at what follows it. */
size_t smtpdiag__status_scan(const char *s, size_t len, struct smtpdiag_status *st);

/* trigger.c */

/* The first position in buf[from, len) where a failure may start (see
 * trigger.c), or len; adds the newlines in buf[from, that position) to
 * *newlines. The _scalar variant is the byte-by-byte reference. */
size_t smtpdiag__next_trigger(const char *buf, size_t from, size_t len,
			      uint64_t *newlines);
size_t smtpdiag__trigger_scalar(const char *buf, size_t from, size_t len,
				uint64_t *newlines);

#endif
