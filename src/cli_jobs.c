/*
 * cli_jobs.c - `scan --jobs N`: one regular file scanned on N threads, with
 * exactly the output of one thread.
 *
 * The file is cut at line starts into chunks of about CHUNK bytes (at least
 * N of them), which the threads take in order. A thread scans from a little
 * before its chunk (so that a transcript's context, a reply begun above, and
 * a program's echo look as they do to one thread) to a little after it (so
 * that a reply begun inside may end), and keeps the findings that start
 * inside its chunk, counting its lines as it reads them.
 *
 * To number its findings, a thread must know the number of its chunk's first
 * line before the chunk before it is scanned to its end. Lines are counted in
 * order up to a point, `counted`: the thread of the chunk there moves it on
 * as it reads; the thread of the next chunk, waiting for its number, counts
 * ahead of it what it has not read yet. So a byte is counted twice at most,
 * and read twice only when counted ahead.
 *
 * A chunk's findings are rendered into a buffer in memory. The chunk whose
 * turn it is (every chunk before it written) writes its buffer to the output
 * as it fills; the others keep theirs, and wait for their turn should a
 * buffer grow to HELD bytes. Whoever finishes the chunk whose turn it is also
 * writes the finished chunks after it and passes the turn on, so writing
 * goes on while the other threads scan, and every byte is written once.
 * With --summary each thread counts into a summary of its own; they are
 * added up at the end. Memory stays at a read buffer per thread and N + 1
 * chunk buffers, whatever the file's size.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feed.h"
#include "scanjob.h"

#define AROUND (64u << 10) /* read before and after a chunk */
#define CHUNK (2u << 20)   /* the size of a chunk, give or take a line */
#define DRAIN (256u << 10) /* the turn's buffer is written once it holds this much */
#define HELD (2u << 20)    /* another's waits for the turn once it holds this much */

/* The output of a chunk, in memory until its turn. */
struct outbuf {
	FILE *f;        /* open_memstream's */
	char *data;     /* its bytes, data[0, size) after an fflush */
	size_t size;
	uint64_t chunk; /* whose, unless FREE */
	enum { FREE, SCANNING, DONE, WRITING } state;
};

/* What the threads share, under lock. */
struct shared {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* any of the below */
	int fd;
	off_t size;
	uint64_t chunks;        /* how many */
	uint64_t next;          /* the next chunk to take */
	uint64_t counting;      /* the chunk whose lines are being counted (first: 0) */
	off_t counted;          /* ... up to here, a point inside it or its end */
	uint64_t line;          /* the number of the line at `counted` */
	uint64_t turn;          /* the chunk whose output goes out next */
	struct outbuf *bufs;    /* nbufs of them; none with --summary */
	int nbufs;
	FILE *out;
	int error;              /* errno of the first failed read or write */
};

struct worker {
	struct shared *sh;
	struct job job;      /* its own read buffer, summary, and output: ob's */
	struct outbuf *ob;   /* the chunk's output; NULL with --summary */
	uint64_t chunk;
	off_t start, end;    /* the chunk: line starts (end: the next chunk's) */
	off_t pos, limit;    /* the reader's position, and where it stops */
	uint64_t before;     /* newlines read between where the reader began and start */
	uint64_t lines;      /* newlines read in [start, end) */
	uint64_t first_line; /* the number of the line at start (not with --summary) */
	uint64_t all_lines;  /* newlines in its chunks so far */
	int last;            /* the chunk ends the file (maybe without a newline) */
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

/* The first line start at or after off (the byte after a newline). Lines
 * are short: it reads a little at a time. */
static off_t line_start(int fd, off_t off, off_t size)
{
	char buf[4096];
	if (off <= 0)
		return 0;
	for (off--; off < size;) { /* from the byte before: off may start a line */
		ssize_t k = read_at(fd, buf, sizeof buf, off);
		if (k <= 0)
			return size;
		char *nl = memchr(buf, '\n', (size_t)k);
		if (nl)
			return off + (nl - buf) + 1;
		off += k;
	}
	return size;
}

/* Where chunk k starts: at the line start after its equal share. */
static off_t chunk_start(const struct shared *sh, uint64_t k)
{
	if (k >= sh->chunks)
		return sh->size;
	return line_start(sh->fd, (off_t)k * (sh->size / (off_t)sh->chunks), sh->size);
}

/* Newlines in s[0, n): counted in 16 byte lanes of up to 255, a loop that
 * compilers turn into vector compares (four times memchr's speed from one
 * line to the next). */
static uint64_t newlines(const char *s, size_t n)
{
	uint64_t c = 0;
	while (n >= 16) {
		unsigned char lane[16] = { 0 };
		size_t k = n / 16 < 255 ? n / 16 : 255;
		for (size_t i = 0; i < k * 16; i += 16)
			for (int j = 0; j < 16; j++)
				lane[j] += s[i + j] == '\n';
		for (int j = 0; j < 16; j++)
			c += lane[j];
		s += k * 16;
		n -= k * 16;
	}
	for (; n; n--)
		c += *s++ == '\n';
	return c;
}

/* Read on, counting the lines read before the chunk and inside it, and
 * moving `counted` on when it is inside what was read. */
static long read_chunk(void *ctx, char *dst, size_t n)
{
	struct worker *w = ctx;
	struct shared *sh = w->sh;
	off_t p = w->pos;
	if (p >= w->limit)
		return 0;
	if ((off_t)n > w->limit - p)
		n = (size_t)(w->limit - p);
	ssize_t k = read_at(sh->fd, dst, n, p);
	if (k < 0)
		return -1;
	w->pos = p + k;
	if (p < w->start)
		w->before += newlines(dst, (size_t)((w->pos < w->start ? w->pos : w->start) - p));
	off_t a = p > w->start ? p : w->start, b = w->pos < w->end ? w->pos : w->end;
	if (a >= b)
		return (long)k;
	uint64_t in = newlines(dst + (a - p), (size_t)(b - a));
	w->lines += in;
	if (!w->ob)
		return (long)k; /* --summary: findings are not numbered */
	pthread_mutex_lock(&sh->lock);
	if (sh->counting == w->chunk && sh->counted >= a && sh->counted < b) {
		off_t c = sh->counted;
		sh->line += c == a ? in : newlines(dst + (c - p), (size_t)(b - c));
		sh->counted = b;
	}
	pthread_mutex_unlock(&sh->lock);
	return (long)k;
}

/* Stop every thread, with the first error. */
static void fail(struct shared *sh, int err)
{
	pthread_mutex_lock(&sh->lock);
	if (!sh->error)
		sh->error = err ? err : EIO;
	pthread_cond_broadcast(&sh->changed);
	pthread_mutex_unlock(&sh->lock);
}

/* Write what b holds to the output, and empty it; 0, or an errno. */
static int put(struct outbuf *b, FILE *to)
{
	if (fflush(b->f) != 0)
		return errno ? errno : ENOMEM;
	if (b->size && fwrite(b->data, 1, b->size, to) != b->size)
		return errno ? errno : EIO;
	return fseeko(b->f, 0, SEEK_SET) != 0 ? errno : 0;
}

/* After a finding: the buffer of the chunk whose turn it is is written
 * once it holds DRAIN bytes; another chunk's waits for its turn at HELD. */
static void flow(struct worker *w)
{
	struct shared *sh = w->sh;
	off_t held = ftello(w->ob->f);
	if (held < (off_t)DRAIN)
		return;
	pthread_mutex_lock(&sh->lock);
	while (sh->turn != w->chunk && held >= (off_t)HELD && !sh->error)
		pthread_cond_wait(&sh->changed, &sh->lock);
	int mine = sh->turn == w->chunk, stopped = sh->error != 0;
	pthread_mutex_unlock(&sh->lock);
	int err = 0;
	if (stopped) /* the output is cut short anyway: do not let it pile up */
		err = fseeko(w->ob->f, 0, SEEK_SET) != 0 ? errno : 0;
	else if (mine)
		err = put(w->ob, sh->out);
	if (err)
		fail(sh, err);
}

/* Keep the findings that start inside the chunk, numbered as in the file.
 * A finding comes from what was read: while the reader is before the
 * chunk's start, it is above the chunk; while before its end, not below. */
static void emit_chunk(void *ctx, struct smtpdiag_finding *f)
{
	struct worker *w = ctx;
	uint64_t above = f->line - 1; /* lines above it, from where the reader began */
	if (w->pos <= w->start || above < w->before)
		return;
	uint64_t i = above - w->before; /* its line's, in the chunk */
	if (!w->last && w->pos >= w->end && i >= w->lines)
		return;
	f->line = w->first_line + i;
	emit(&w->job, w->job.source, f);
	if (w->ob)
		flow(w);
}

/* The number of the chunk's first line: once the chunk before is counted
 * to its end, by its thread as it reads, and by this one ahead of it (the
 * first chunk's is 1). 0, or an errno. */
static int number(struct worker *w)
{
	struct shared *sh = w->sh;
	int err = 0;
	if (w->chunk == 0) { /* counted from the start: the count begins there */
		w->first_line = 1;
		return 0;
	}
	pthread_mutex_lock(&sh->lock);
	while (!sh->error && !err &&
	       !(sh->counting + 1 == w->chunk && sh->counted == w->start)) {
		if (sh->counting + 1 != w->chunk) { /* a chunk further back is counted */
			pthread_cond_wait(&sh->changed, &sh->lock);
			continue;
		}
		off_t at = sh->counted;
		size_t n = w->start - at < (off_t)BLOCK ? (size_t)(w->start - at) : BLOCK;
		pthread_mutex_unlock(&sh->lock);
		ssize_t k = read_at(sh->fd, w->job.buf, n, at);
		uint64_t c = k == (ssize_t)n ? newlines(w->job.buf, n) : 0;
		if (k != (ssize_t)n)
			err = k < 0 && errno ? errno : EIO;
		pthread_mutex_lock(&sh->lock);
		if (!err && sh->counted == at) { /* else the chunk's thread read on meanwhile */
			sh->counted += (off_t)n;
			sh->line += c;
		}
	}
	if (!err && !sh->error) {
		w->first_line = sh->line;
		sh->counting = w->chunk;
		pthread_cond_broadcast(&sh->changed);
	}
	if (!err)
		err = sh->error;
	pthread_mutex_unlock(&sh->lock);
	return err;
}

/* Number and scan the chunk w took; 0, or an errno. */
static int scan_chunk(struct worker *w)
{
	struct shared *sh = w->sh;
	w->start = chunk_start(sh, w->chunk);
	w->end = chunk_start(sh, w->chunk + 1);
	w->last = w->end == sh->size;
	w->before = w->lines = 0;
	off_t from = w->start > (off_t)AROUND ? line_start(sh->fd, w->start - AROUND, sh->size) : 0;
	if (from > w->start)
		from = w->start;
	w->limit = w->end + (off_t)AROUND < sh->size ? w->end + (off_t)AROUND : sh->size;
	int err = w->ob ? number(w) : 0;
	if (err || w->start == w->end) /* empty: inside a line longer than a chunk, or at the end */
		return err;
	w->pos = from;
	struct feed feed = { .buf = w->job.buf, .cap = BLOCK, .read = read_chunk, .read_ctx = w,
			     .emit = emit_chunk, .emit_ctx = w, .rules = w->job.rules };
	uint64_t lines, bytes;
	int rc = feed_scan(&feed, &lines, &bytes);
	w->all_lines += w->lines;
	return rc == -1 ? (errno ? errno : EIO) : rc < 0 ? EINVAL : 0;
}

/* The chunk is scanned: write it, and the finished chunks after it, if its
 * turn has come; else leave that to whoever finishes the chunk before. */
static void finish(struct worker *w)
{
	struct shared *sh = w->sh;
	pthread_mutex_lock(&sh->lock);
	w->ob->state = DONE;
	for (;;) {
		struct outbuf *b = NULL;
		for (int i = 0; i < sh->nbufs && !b; i++)
			if (sh->bufs[i].state == DONE && sh->bufs[i].chunk == sh->turn)
				b = &sh->bufs[i];
		if (!b || sh->error)
			break;
		b->state = WRITING; /* the turn's: no one else writes now */
		pthread_mutex_unlock(&sh->lock);
		int err = put(b, sh->out);
		pthread_mutex_lock(&sh->lock);
		if (err && !sh->error)
			sh->error = err;
		b->state = FREE;
		sh->turn++;
		pthread_cond_broadcast(&sh->changed);
	}
	pthread_mutex_unlock(&sh->lock);
}

static struct outbuf *free_buf(struct shared *sh)
{
	for (int i = 0; i < sh->nbufs; i++)
		if (sh->bufs[i].state == FREE)
			return &sh->bufs[i];
	return NULL;
}

/* A thread: take the next chunk, scan it, until none is left. */
static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	for (;;) {
		pthread_mutex_lock(&sh->lock);
		w->ob = NULL;
		while (sh->bufs && !sh->error && sh->next < sh->chunks && !(w->ob = free_buf(sh)))
			pthread_cond_wait(&sh->changed, &sh->lock);
		int done = sh->error || sh->next == sh->chunks;
		if (!done) {
			w->chunk = sh->next++;
			if (w->ob) {
				w->ob->state = SCANNING;
				w->ob->chunk = w->chunk;
			}
		}
		pthread_mutex_unlock(&sh->lock);
		if (done)
			break;
		w->job.out = w->ob ? w->ob->f : NULL;
		int err = scan_chunk(w);
		if (err) {
			fail(sh, err);
			break;
		}
		if (w->ob)
			finish(w);
	}
	return NULL;
}

int scan_parallel(struct job *j, int fd, off_t size, const char *source)
{
	int n = j->jobs, err = 0;
	struct shared sh = { .fd = fd, .size = size, .out = j->out, .line = 1 };
	uint64_t lines = 0;
	sh.chunks = (uint64_t)(size / CHUNK) + 1;
	if (sh.chunks < (uint64_t)n)
		sh.chunks = (uint64_t)n;
	struct worker *w = calloc((size_t)n, sizeof *w);
	pthread_t *t = calloc((size_t)n, sizeof *t);
	if (!j->summary && (sh.bufs = calloc((size_t)n + 1, sizeof *sh.bufs)) != NULL)
		sh.nbufs = n + 1;
	if (!w || !t || (!j->summary && !sh.bufs))
		err = ENOMEM;
	for (int i = 0; i < sh.nbufs && !err; i++)
		if (!(sh.bufs[i].f = open_memstream(&sh.bufs[i].data, &sh.bufs[i].size)))
			err = errno ? errno : ENOMEM;
	for (int i = 0; i < n && !err; i++) {
		w[i].sh = &sh;
		w[i].job = *j;
		w[i].job.source = source;
		w[i].job.live = 0;
		w[i].job.buf = malloc(BLOCK);
		w[i].job.summary = j->summary ? summary_new() : NULL;
		if (!w[i].job.buf || (j->summary && !w[i].job.summary))
			err = ENOMEM;
	}
	if (!err) {
		pthread_mutex_init(&sh.lock, NULL);
		pthread_cond_init(&sh.changed, NULL);
		/* this thread is the first worker; should a thread not start, the
		 * others take its chunks */
		int started = 1;
		for (; started < n; started++)
			if (pthread_create(&t[started], NULL, work, &w[started]) != 0)
				break;
		work(&w[0]);
		for (int i = 1; i < started; i++)
			pthread_join(t[i], NULL);
		pthread_cond_destroy(&sh.changed);
		pthread_mutex_destroy(&sh.lock);
		err = sh.error;
	}
	for (int i = 0; w && i < n; i++) {
		if (!err && w[i].job.summary)
			summary_add_summary(j->summary, w[i].job.summary);
		lines += w[i].all_lines;
		if (w[i].job.worst > j->worst)
			j->worst = w[i].job.worst;
		summary_free(w[i].job.summary);
		free(w[i].job.buf);
	}
	for (int i = 0; i < sh.nbufs; i++) {
		if (sh.bufs[i].f)
			fclose(sh.bufs[i].f);
		free(sh.bufs[i].data);
	}
	free(sh.bufs);
	free(t);
	free(w);
	if (err) {
		warnx("%s: %s", source, strerror(err));
		return EXIT_IOERR;
	}
	if (j->summary)
		summary_lines(j->summary, lines, (uint64_t)size);
	return 0;
}
