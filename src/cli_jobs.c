/*
 * cli_jobs.c - `scan --jobs N`: one regular file scanned on N threads, with
 * exactly the output of one thread.
 *
 * The file is cut at line starts into chunks of about CHUNK bytes (at least
 * N of them), which the threads take in order. A thread first counts the
 * lines of its chunk; once the chunks before it are counted too, it knows
 * the number of its first line. Then it scans from a little before its chunk
 * (so that a transcript's context, a reply begun above, and a program's echo
 * look as they do to one thread) to a little after it (so that a reply begun
 * inside may end), and keeps the findings that start inside its chunk.
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
	uint64_t numbered;      /* the chunks whose first line is known */
	uint64_t line;          /* the number of the first line of chunk `numbered` */
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
	uint64_t before;     /* newlines between where the reader starts and start */
	uint64_t lines;      /* newlines in [start, end) */
	uint64_t first_line; /* the number of the line at start */
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

/* Newlines in s[0, n). Counted 64 bytes at a time into a byte, a loop that
 * compilers vectorize: twice as fast as memchr from one line to the next. */
static uint64_t newlines(const char *s, size_t n)
{
	uint64_t c = 0;
	size_t i = 0;
	for (; i + 64 <= n; i += 64) {
		unsigned char k = 0;
		for (int j = 0; j < 64; j++)
			k += s[i + j] == '\n';
		c += k;
	}
	for (; i < n; i++)
		c += s[i] == '\n';
	return c;
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
		*n += newlines(buf, (size_t)k);
		from += k;
	}
	return 0;
}

static long read_chunk(void *ctx, char *dst, size_t n)
{
	struct worker *w = ctx;
	if (w->pos >= w->limit)
		return 0;
	if ((off_t)n > w->limit - w->pos)
		n = (size_t)(w->limit - w->pos);
	ssize_t k = read_at(w->sh->fd, dst, n, w->pos);
	if (k < 0)
		return -1;
	w->pos += k;
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

/* Keep the findings that start inside the chunk, numbered as in the file. */
static void emit_chunk(void *ctx, struct smtpdiag_finding *f)
{
	struct worker *w = ctx;
	uint64_t above = f->line - 1; /* lines above it, from where the reader began */
	if (above < w->before || (!w->last && above - w->before >= w->lines))
		return;
	f->line = w->first_line + (above - w->before);
	emit(&w->job, w->job.source, f);
	if (w->ob)
		flow(w);
}

/* Count, number and scan the chunk w took; 0, or an errno. */
static int scan_chunk(struct worker *w)
{
	struct shared *sh = w->sh;
	w->start = chunk_start(sh, w->chunk);
	w->end = chunk_start(sh, w->chunk + 1);
	w->last = w->end == sh->size;
	off_t from = w->start > (off_t)AROUND ? line_start(sh->fd, w->start - AROUND, sh->size) : 0;
	if (from > w->start)
		from = w->start;
	w->limit = w->end + (off_t)AROUND < sh->size ? w->end + (off_t)AROUND : sh->size;
	if (count_lines(sh->fd, from, w->start, w->job.buf, &w->before) < 0 ||
	    count_lines(sh->fd, w->start, w->end, w->job.buf, &w->lines) < 0)
		return errno ? errno : EIO;
	/* the chunks are numbered in order: the ones before were taken first,
	 * and counting theirs waits for nothing */
	pthread_mutex_lock(&sh->lock);
	while (sh->numbered != w->chunk && !sh->error)
		pthread_cond_wait(&sh->changed, &sh->lock);
	w->first_line = sh->line;
	sh->line += w->lines;
	sh->numbered++;
	pthread_cond_broadcast(&sh->changed);
	pthread_mutex_unlock(&sh->lock);
	if (w->start == w->end) /* inside a line longer than a chunk, or at the end */
		return 0;
	w->pos = from;
	struct feed feed = { .buf = w->job.buf, .cap = BLOCK, .read = read_chunk, .read_ctx = w,
			     .emit = emit_chunk, .emit_ctx = w, .rules = w->job.rules };
	uint64_t lines, bytes;
	int rc = feed_scan(&feed, &lines, &bytes);
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
		summary_lines(j->summary, sh.line - 1, (uint64_t)size);
	return 0;
}
