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
 *
 * A regular file may be given as a view of its bytes in memory instead
 * (mapped): the buffer is then a window on them that moves on rather than
 * bytes moved, in the same blocks as read into a buffer, so that the scan
 * sees what it would see reading. Only the rest of an overlong line, cut
 * out of the buffer, needs the buffer: from there on the bytes are copied.
 */
#include <errno.h>
#include <string.h>

#include "feed.h"

/* Drop buf[0, from): moved out of the buffer, or a view moved on. */
static void shift(const char **buf, char *own, size_t *fill, size_t *start, size_t from)
{
	if (*buf == own)
		memmove(own, own + from, *fill - from);
	else
		*buf += from;
	*fill -= from;
	*start -= from;
}

/* Read on into buf[fill, cap): the bytes read, 0 at the end, -1 on error.
 * With a view, *off is the file's offset of the byte after buf[fill - 1];
 * while viewing, buf is the view, moved to the file's bytes from
 * buf[0] on; else they are copied into the buffer. */
static long pull(const struct feed *fd, int viewing, const char **buf, uint64_t *off,
		 size_t fill)
{
	if (!fd->view)
		return fd->read(fd->read_ctx, fd->buf + fill, fd->cap - fill);
	size_t got;
	const char *v = fd->view(fd->read_ctx, viewing ? *off - fill : *off,
				 viewing ? fd->cap : fd->cap - fill, &got);
	if (!v)
		return -1;
	if (viewing) {
		if (got < fill) { /* the file was cut short under the scan */
			errno = EIO;
			return -1;
		}
		*buf = v;
		got -= fill;
	} else {
		memcpy(fd->buf + fill, v, got);
	}
	*off += got;
	return (long)got;
}

int feed_scan(const struct feed *fd, uint64_t *lines, uint64_t *bytes)
{
	struct smtpdiag_scanner s;
	struct smtpdiag_finding f;
	const char *buf = fd->buf; /* fd->buf, or while viewing the file's bytes */
	size_t fill = 0, start = 0;
	int skipping = 0; /* inside the rest of an overlong line */
	int viewing = fd->view != NULL;
	uint64_t off = 0; /* with a view: see pull */

	*bytes = 0;
	smtpdiag_scanner_init(&s);
	s.rules = fd->rules;
	for (;;) {
		if (fill == fd->cap && start > 0)
			shift(&buf, fd->buf, &fill, &start, start); /* room for the rest of a line */
		long n = pull(fd, viewing, &buf, &off, fill);
		if (n < 0)
			return -1;
		int eof = n == 0;
		fill += (size_t)n;
		*bytes += (uint64_t)n;
		if (skipping) {
			const char *nl = memchr(buf + start, '\n', fill - start);
			size_t to = nl ? (size_t)(nl - buf) + 1 : fill;
			memmove(fd->buf + start, buf + to, fill - to);
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
			if (viewing) { /* the rest is cut out of the buffer: copy it */
				memcpy(fd->buf, buf, fill);
				buf = fd->buf;
				viewing = 0;
			}
		}
		start = pos;
		size_t keep = SMTPDIAG_SCAN_LOOKBACK;
		shift(&buf, fd->buf, &fill, &start, pos > keep ? pos - keep : 0);
		if (eof && fill == start)
			break;
		if (eof) /* EMORE at the end cannot happen: the last block is final */
			return -2;
	}
	*lines = s.line - 1;
	return 0;
}
