/*
 * feed.h - scan a stream that arrives in pieces (see feed.c). Shared by the
 * command and the scanner's fuzz target, which feeds it odd block sizes.
 */
#ifndef SMTPDIAG_FEED_H
#define SMTPDIAG_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "smtpdiag.h"

struct feed {
	char *buf;  /* the one buffer, cap bytes, owned by the caller */
	size_t cap;
	/* Read at most n bytes into dst: how many, 0 at the end, -1 on error
	 * (with errno). */
	long (*read)(void *ctx, char *dst, size_t n);
	void *read_ctx;
	/* Instead of read, for a regular file: its bytes [off, off + n) in
	 * memory (fewer at its end: *got), valid until the next call; NULL on
	 * error (errno). The scan then reads them where they are, without a
	 * copy. Takes read_ctx. */
	const char *(*view)(void *ctx, uint64_t off, size_t n, size_t *got);
	/* Live input (a pipe, a terminal): is more input ready at once? When
	 * not, the complete lines read so far are scanned to their end, so that
	 * a finding is reported as soon as its line arrives. NULL for files. */
	int (*ready)(void *ctx);
	/* Called for each finding, in order; it may change *f. */
	void (*emit)(void *ctx, struct smtpdiag_finding *f);
	void *emit_ctx;
	const struct smtpdiag_rules *rules; /* a user's rules, or NULL */
};

/* Scan the whole stream. Returns 0 with the number of lines (newlines) and
 * bytes read; -1 after a read error (errno); -2 when input was left unread,
 * which would be a bug. */
int feed_scan(const struct feed *fd, uint64_t *lines, uint64_t *bytes);

#endif
