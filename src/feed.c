/*
 * feed.c - scan a stream in blocks of one buffer, so that memory stays flat
 * whatever the input's size.
 *
 * The buffer holds buf[0, start): lines scanned already, kept (up to
 * SMTPDIAG_SCAN_LOOKBACK bytes) because a transcript's reply is explained by
 * the lines above it; and buf[start, fill): what is still to scan. Each block
 * ends at its last newline; a reply near a block's end waits for the next
 * block (SMTPDIAG_EMORE), unless the input is live and paused: then the
 * lines that arrived are scanned at once. A line longer than the buffer is scanned in its
 * first cap bytes and the rest of it is skipped, so the lines after it are
 * read as usual.
 */
#include <string.h>

#include "feed.h"

/* Drop buf[0, from). */
static void shift(char *buf, size_t *fill, size_t *start, size_t from)
{
	memmove(buf, buf + from, *fill - from);
	*fill -= from;
	*start -= from;
}

int feed_scan(const struct feed *fd, uint64_t *lines, uint64_t *bytes)
{
	struct smtpdiag_scanner s;
	struct smtpdiag_finding f;
	char *buf = fd->buf;
	size_t fill = 0, start = 0;
	int skipping = 0; /* inside the rest of an overlong line */

	*bytes = 0;
	smtpdiag_scanner_init(&s);
	s.rules = fd->rules;
	for (;;) {
		if (fill == fd->cap && start > 0)
			shift(buf, &fill, &start, start); /* room for the rest of a line */
		long n = fd->read(fd->read_ctx, buf + fill, fd->cap - fill);
		if (n < 0)
			return -1;
		int eof = n == 0;
		fill += (size_t)n;
		*bytes += (uint64_t)n;
		if (skipping) {
			char *nl = memchr(buf + start, '\n', fill - start);
			size_t to = nl ? (size_t)(nl - buf) + 1 : fill;
			memmove(buf + start, buf + to, fill - to);
			fill -= to - start;
			if (nl) {
				skipping = 0;
				s.line++;
			}
			if (eof && fill == start)
				break;
			continue;
		}
		size_t complete = fill;
		if (!eof) {
			while (complete > start && buf[complete - 1] != '\n')
				complete--;
			if (complete == start && (fill < fd->cap || start > 0))
				continue; /* a partial line: read on */
		}
		int overlong = complete == start && !eof;
		if (overlong)
			complete = fill;
		/* live input that paused: what has arrived is all there is, for now */
		int paused = !eof && fd->ready && !fd->ready(fd->read_ctx);
		size_t pos = start;
		int rc;
		while ((rc = smtpdiag_scan(&s, buf, complete, &pos, eof || overlong || paused, &f)) == 0)
			fd->emit(fd->emit_ctx, &f);
		/* no room left to read the rest of a reply: take it as it is */
		if (rc == SMTPDIAG_EMORE && pos == start && fill == fd->cap && start == 0)
			while (smtpdiag_scan(&s, buf, complete, &pos, 1, &f) == 0)
				fd->emit(fd->emit_ctx, &f);
		if (overlong) {
			skipping = 1;
			pos = fill;
		}
		start = pos;
		size_t keep = SMTPDIAG_SCAN_LOOKBACK;
		shift(buf, &fill, &start, pos > keep ? pos - keep : 0);
		if (eof && fill == start)
			break;
		if (eof) /* EMORE at the end cannot happen: the last block is final */
			return -2;
	}
	*lines = s.line - 1;
	return 0;
}
