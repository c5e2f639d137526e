/*
 * cli_jobs.c - `scan --jobs N`: one regular file scanned on N threads, with
 * exactly the output of one thread.
 *
 * The file is cut at line starts into N parts. First every thread counts
 * the lines of its part, so each knows the number of its first line. Then
 * each scans from a little before its part (so that a transcript's context,
 * a reply begun above, and a program's echo look as they do to one thread)
 * to a little after it (so that a reply begun inside may end), and keeps the
 * findings that start inside its part. Findings go to a temporary file per
 * part, summaries to a summary per part; both are put together in order.
 * Memory stays at a read buffer per thread whatever the file's size.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feed.h"
#include "scanjob.h"

#define AROUND (64u << 10) /* read before and after a part */

struct part {
	struct job job;        /* this thread's: its own output and summary */
	int fd;
	off_t start, end;      /* the part: line starts (end: the next part's) */
	off_t from, limit;     /* what is read */
	uint64_t lines;        /* newlines in [start, end) */
	uint64_t first_line;   /* the number of the line at start */
	uint64_t line_at_from; /* ... and at from */
	off_t pos;             /* the reader's position */
	int error;             /* errno of a failed read */
	int last;              /* the part that ends the file (maybe without a newline) */
};

/* pread all of n bytes at off, unless the file ends first; bytes read, or -1. */
static ssize_t read_at(int fd, char *dst, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, dst + got, n - got, off + (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/* The first line start at or after off (the byte after a newline). */
static off_t line_start(int fd, off_t off, off_t size, char *buf)
{
	if (off <= 0)
		return 0;
	for (off--; off < size;) { /* from the byte before: off may start a line */
		ssize_t k = read_at(fd, buf, BLOCK, off);
		if (k <= 0)
			return size;
		char *nl = memchr(buf, '\n', (size_t)k);
		if (nl)
			return off + (nl - buf) + 1;
		off += k;
	}
	return size;
}

/* Newlines in [from, to). */
static int count_lines(int fd, off_t from, off_t to, char *buf, uint64_t *n)
{
	*n = 0;
	while (from < to) {
		size_t want = to - from < (off_t)BLOCK ? (size_t)(to - from) : BLOCK;
		ssize_t k = read_at(fd, buf, want, from);
		if (k <= 0)
			return -1;
		for (char *p = buf, *e = buf + k; (p = memchr(p, '\n', (size_t)(e - p))); p++)
			++*n;
		from += k;
	}
	return 0;
}

static void *count_part(void *arg)
{
	struct part *p = arg;
	if (count_lines(p->fd, p->start, p->end, p->job.buf, &p->lines) < 0)
		p->error = errno ? errno : EIO;
	return NULL;
}

static long read_part(void *ctx, char *dst, size_t n)
{
	struct part *p = ctx;
	if (p->pos >= p->limit)
		return 0;
	if ((off_t)n > p->limit - p->pos)
		n = (size_t)(p->limit - p->pos);
	ssize_t k = read_at(p->fd, dst, n, p->pos);
	if (k < 0)
		return -1;
	p->pos += k;
	return (long)k;
}

/* Keep the findings that start inside the part, numbered as in the file. */
static void emit_part(void *ctx, struct smtpdiag_finding *f)
{
	struct part *p = ctx;
	uint64_t line = p->line_at_from + f->line - 1;
	if (line < p->first_line || (!p->last && line >= p->first_line + p->lines))
		return;
	f->line = line;
	emit(&p->job, p->job.source, f);
}

static void *scan_part(void *arg)
{
	struct part *p = arg;
	uint64_t before; /* newlines in [from, start) */
	if (count_lines(p->fd, p->from, p->start, p->job.buf, &before) < 0) {
		p->error = errno ? errno : EIO;
		return NULL;
	}
	p->line_at_from = p->first_line - before;
	p->pos = p->from;
	struct feed feed = { .buf = p->job.buf, .cap = BLOCK, .read = read_part, .read_ctx = p,
			     .emit = emit_part, .emit_ctx = p, .rules = p->job.rules };
	uint64_t lines, bytes;
	int rc = feed_scan(&feed, &lines, &bytes);
	if (rc == -1)
		p->error = errno ? errno : EIO;
	else if (rc < 0)
		p->error = EINVAL;
	return NULL;
}

/* Run fn on every part, one thread each; 0, or an errno. */
static int run_all(struct part *parts, int n, void *(*fn)(void *))
{
	pthread_t *t = calloc((size_t)n, sizeof *t);
	int started = 0, err = 0;
	if (!t)
		return ENOMEM;
	for (; started < n; started++)
		if ((err = pthread_create(&t[started], NULL, fn, &parts[started])) != 0)
			break;
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	for (int i = 0; i < n && !err; i++)
		err = parts[i].error;
	return err;
}

/* Copy a part's output to the job's. */
static int copy_out(FILE *from, FILE *to, char *buf)
{
	rewind(from);
	for (size_t k; (k = fread(buf, 1, BLOCK, from)) > 0;)
		if (fwrite(buf, 1, k, to) != k)
			return -1;
	return ferror(from) ? -1 : 0;
}

int scan_parallel(struct job *j, int fd, off_t size, const char *source)
{
	int n = j->jobs, err = 0;
	struct part *parts = calloc((size_t)n, sizeof *parts);
	if (!parts) {
		warnx("out of memory");
		return EXIT_SOFTWARE;
	}
	for (int i = 0; i < n && !err; i++) {
		struct part *p = &parts[i];
		p->job = *j;
		p->job.source = source;
		p->job.live = 0;
		p->fd = fd;
		p->job.buf = malloc(BLOCK);
		p->job.out = j->summary ? NULL : tmpfile();
		p->job.summary = j->summary ? summary_new() : NULL;
		if (!p->job.buf || (j->summary ? !p->job.summary : !p->job.out))
			err = errno ? errno : ENOMEM;
	}
	/* the parts: equal sizes, moved on to the next line start */
	for (int i = 0; i < n && !err; i++) {
		parts[i].start = i ? parts[i - 1].end : 0;
		parts[i].last = i == n - 1;
		parts[i].end = i == n - 1 ? size
			     : line_start(fd, size / n * (i + 1), size, parts[i].job.buf);
		if (parts[i].end < parts[i].start)
			parts[i].end = parts[i].start;
	}
	if (!err)
		err = run_all(parts, n, count_part);
	uint64_t line = 1;
	for (int i = 0; i < n && !err; i++) {
		struct part *p = &parts[i];
		p->first_line = line;
		line += p->lines;
		p->from = p->start > (off_t)AROUND ? line_start(fd, p->start - AROUND, size, p->job.buf)
						   : 0;
		if (p->from > p->start)
			p->from = p->start;
		p->limit = p->end + (off_t)AROUND < size ? p->end + (off_t)AROUND : size;
	}
	if (!err)
		err = run_all(parts, n, scan_part);
	for (int i = 0; i < n; i++) {
		struct part *p = &parts[i];
		if (!err && p->job.out && copy_out(p->job.out, j->out, j->buf) < 0)
			err = errno ? errno : EIO;
		if (!err && p->job.summary)
			summary_add_summary(j->summary, p->job.summary);
		if (p->job.worst > j->worst)
			j->worst = p->job.worst;
		if (p->job.out)
			fclose(p->job.out);
		summary_free(p->job.summary);
		free(p->job.buf);
	}
	free(parts);
	if (err) {
		warnx("%s: %s", source, strerror(err));
		return EXIT_IOERR;
	}
	if (j->summary)
		summary_lines(j->summary, line - 1, (uint64_t)size);
	return 0;
}
