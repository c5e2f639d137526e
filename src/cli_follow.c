/*
 * cli_follow.c - `scan --follow FILE...`: like `tail -F`, each file is read
 * as it grows, from its end (or its start with --from-start), and followed
 * across rotation: renamed and replaced by a new file (its rest read first),
 * truncated in place (copytruncate), removed and created again, or created
 * only after the scan began. SIGINT and SIGTERM end it cleanly, once what
 * the files hold at that moment has been read.
 *
 * Each file is scanned by feed.c on a thread of its own, through a read
 * function that waits when there is nothing to read: on inotify events of
 * the file's directory where the system has inotify, else (and at least
 * once a second) by polling; a signal wakes every thread at once through a
 * pipe. Findings of all files go out one at a time, under a lock.
 */
#define _GNU_SOURCE /* inotify */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "feed.h"
#include "scanjob.h"

#define WAIT_MS 1000 /* the longest wait between two looks at a file */

static volatile sig_atomic_t stopping;
static int wake[2] = { -1, -1 }; /* written once by the signal handler, never read */
static pthread_mutex_t emitting = PTHREAD_MUTEX_INITIALIZER;

struct followed {
	struct job *job;
	const char *path;
	int fd;           /* -1 while the file does not exist */
	dev_t dev;
	ino_t ino;
	off_t pos;
	char last;        /* the byte before pos, to notice a file rewritten in place */
	int notify;       /* inotify descriptor, or -1 */
	char *buf;
};

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	if (wake[1] >= 0 && write(wake[1], "", 1) < 0) {
		/* full: the threads are awake already */
	}
}

/* Open the path when it exists; a file opened the first time starts at its
 * end unless --from-start. */
static void reopen(struct followed *w, int at_end)
{
	struct stat st;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = open(w->path, O_RDONLY | O_CLOEXEC);
	if (w->fd < 0)
		return;
	if (fstat(w->fd, &st) == 0) {
		w->dev = st.st_dev;
		w->ino = st.st_ino;
	}
	w->pos = at_end ? lseek(w->fd, 0, SEEK_END) : 0;
	if (w->pos < 0)
		w->pos = 0;
	if (w->pos > 0 && pread(w->fd, &w->last, 1, w->pos - 1) != 1)
		w->pos = 0;
}

/* Has the path become another file, or the file shrunk? Then go on with
 * the new one (or the truncated one) from its start. */
static void check_rotation(struct followed *w)
{
	struct stat st;
	if (stat(w->path, &st) != 0)
		return; /* removed: keep the old one until a new one appears */
	char c;
	if (w->fd < 0 || st.st_dev != w->dev || st.st_ino != w->ino)
		reopen(w, 0);
	else if (st.st_size < w->pos || /* copytruncate; or truncated and written again */
		 (w->pos > 0 && (pread(w->fd, &c, 1, w->pos - 1) != 1 || c != w->last)))
		w->pos = 0;
}

/* Wait for something to happen to the file, or for a signal: at most
 * WAIT_MS (a quarter of it when only polling tells). */
static void wait_for_change(struct followed *w)
{
	struct pollfd p[2] = { { .fd = wake[0], .events = POLLIN },
			       { .fd = w->notify, .events = POLLIN } };
	if (poll(p, w->notify < 0 ? 1 : 2, w->notify < 0 ? WAIT_MS / 4 : WAIT_MS) > 0 &&
	    p[1].revents) {
		char events[4096];
		while (read(w->notify, events, sizeof events) > 0)
			; /* what happened does not matter: the file is looked at again */
	}
}

/* feed.c's read: what the file has beyond pos; when nothing, wait. 0 (the
 * end) only when a signal asked to stop and nothing is left to read. */
static long read_followed(void *ctx, char *dst, size_t n)
{
	struct followed *w = ctx;
	for (;;) {
		char c;
		if (w->fd >= 0 && w->pos > 0 && pread(w->fd, &c, 1, w->pos - 1) == 1 && c != w->last)
			w->pos = 0; /* truncated and written again since the last read */
		if (w->fd >= 0) {
			ssize_t got = pread(w->fd, dst, n, w->pos);
			if (got > 0) {
				w->pos += got;
				w->last = dst[got - 1];
				return (long)got;
			}
			if (got < 0 && errno != EINTR)
				return -1;
		}
		off_t before = w->pos;
		int fd = w->fd;
		check_rotation(w);
		if (w->fd != fd || w->pos != before)
			continue; /* a new file, or the truncated one: read it */
		if (stopping)
			return 0; /* what was written before the signal has been read */
		wait_for_change(w);
	}
}

/* Is more of the file there at once? When not, feed.c scans what came. */
static int ready_followed(void *ctx)
{
	struct followed *w = ctx;
	struct stat st;
	return w->fd >= 0 && fstat(w->fd, &st) == 0 && st.st_size > w->pos;
}

static void emit_followed(void *ctx, struct smtpdiag_finding *f)
{
	struct followed *w = ctx;
	pthread_mutex_lock(&emitting);
	emit(w->job, w->path, f);
	if (!w->job->summary)
		fflush(w->job->out);
	pthread_mutex_unlock(&emitting);
}

static void *follow_one(void *arg)
{
	struct followed *w = arg;
	struct feed feed = { .buf = w->buf, .cap = BLOCK, .read = read_followed, .read_ctx = w,
			     .ready = ready_followed, .emit = emit_followed, .emit_ctx = w,
			     .rules = w->job->rules };
	uint64_t lines, bytes;
	if (feed_scan(&feed, &lines, &bytes) == 0 && w->job->summary) {
		pthread_mutex_lock(&emitting);
		summary_lines(w->job->summary, lines, bytes);
		pthread_mutex_unlock(&emitting);
	}
	return NULL;
}

/* A watch on the directory that holds path: it sees the file change, be
 * renamed, removed and created. -1 where there is no inotify. */
static int watch_directory(const char *path)
{
#ifdef __linux__
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		strcpy(dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (inotify_add_watch(fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
				       IN_DELETE | IN_ATTRIB | IN_CLOSE_WRITE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
#else
	(void)path;
	return -1;
#endif
}

int scan_follow(struct job *j, char **paths, int n, int from_start)
{
	if (pipe(wake) == 0) {
		for (int k = 0; k < 2; k++) {
			fcntl(wake[k], F_SETFD, FD_CLOEXEC);
			fcntl(wake[k], F_SETFL, O_NONBLOCK);
		}
	} else {
		wake[0] = wake[1] = -1; /* then each thread notices within WAIT_MS */
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct followed *w = calloc((size_t)n, sizeof *w);
	pthread_t *t = calloc((size_t)n, sizeof *t);
	int started = 0, ready = 0, status = 0;
	if (!w || !t) {
		warnx("out of memory");
		free(w);
		free(t);
		return EXIT_SOFTWARE;
	}
	for (int i = 0; i < n; i++) {
		w[i] = (struct followed){ .job = j, .path = paths[i], .fd = -1, .notify = -1,
					  .buf = malloc(BLOCK) };
		ready++;
		if (!w[i].buf) {
			warnx("out of memory");
			status = EXIT_SOFTWARE;
			break;
		}
		w[i].notify = watch_directory(paths[i]);
		reopen(&w[i], !from_start);
		if (w[i].fd < 0 && errno != ENOENT) {
			warnx("%s: %s", paths[i], strerror(errno));
			status = EXIT_NOINPUT;
		}
		if (pthread_create(&t[i], NULL, follow_one, &w[i]) != 0) {
			warnx("cannot start a thread: %s", strerror(errno));
			status = EXIT_SOFTWARE;
			stopping = 1;
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < ready; i++) {
		if (w[i].fd >= 0)
			close(w[i].fd);
		if (w[i].notify >= 0)
			close(w[i].notify);
		free(w[i].buf);
	}
	free(w);
	free(t);
	for (int k = 1; k >= 0; k--) { /* the handler's end first */
		int fd = wake[k];
		wake[k] = -1;
		if (fd >= 0)
			close(fd);
	}
	return status;
}
