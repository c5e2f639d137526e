/*
 * mailbox.c - what a stream holds (a log, one message, an mbox), the
 * messages of an mbox one at a time, and the files of a Maildir or any
 * folder of messages in a stable order.
 *
 * An mbox is read in blocks and each message handed on as soon as the next
 * "From " line shows where it ends, so memory stays at one message (cut at
 * MESSAGE_MAX) whatever the size of the mailbox.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mailbox.h"

/* A header field's name as mail writes it: a letter, then letters, digits,
 * '-' or '_', then ':'. (A log line starts with a time stamp or a program.) */
static int field_line(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return 0;
	while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
			 (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
		i++;
	return i < n && s[i] == ':';
}

static int from_line(const char *s, size_t n)
{
	return n >= 5 && !memcmp(s, "From ", 5);
}

int input_undecided(const char *head, size_t n)
{
	const char *nl = memchr(head, '\n', n);
	if (!nl)
		return n < PEEK_MAX; /* the first line is not complete yet */
	size_t k = (size_t)(nl - head);
	if (!from_line(head, k) && !field_line(head, k))
		return 0; /* a log: no need to wait for more */
	/* a header block: it ends at an empty line */
	for (size_t i = k; i + 1 < n; i++)
		if (head[i] == '\n' && (head[i + 1] == '\n' || (head[i + 1] == '\r' && i + 2 < n &&
								  head[i + 2] == '\n')))
			return 0;
	return n < PEEK_MAX;
}

enum input_kind input_kind(const char *head, size_t n)
{
	/* a message saved with blank (or blank-looking) lines before its header */
	size_t skip = 0;
	for (size_t i = 0; i < n && i < 4096 && strchr(" \t\r\n", head[i]); i++)
		if (head[i] == '\n')
			skip = i + 1;
	head += skip;
	n -= skip;
	const char *nl = memchr(head, '\n', n);
	size_t k = nl ? (size_t)(nl - head) : n;
	if (from_line(head, k) && nl && smtpdiag_message_detect(nl + 1, n - k - 1))
		return INPUT_MBOX;
	/* a header block, or a delivery report's body pasted without one */
	if (smtpdiag_message_detect(head, n))
		return INPUT_MESSAGE;
	return INPUT_LOG;
}

/* ---- mbox ------------------------------------------------------------------ */

struct splitter {
	char *msg;
	size_t len, cap;
	int cut;           /* the message outgrew MESSAGE_MAX: the rest is dropped */
	uint64_t line;     /* the line of the current "From " line */
	uint64_t lines;    /* lines read so far */
	int after_blank;   /* the previous line was empty (or there was none) */
	int mid_line;      /* the last piece was a long line's, without its end */
	int started;
};

static int append(struct splitter *sp, const char *s, size_t n)
{
	if (sp->cut)
		return 0;
	if (sp->len + n > MESSAGE_MAX) {
		n = MESSAGE_MAX - sp->len;
		sp->cut = 1;
	}
	if (sp->len + n > sp->cap) {
		size_t cap = sp->cap ? sp->cap : 65536;
		while (cap < sp->len + n)
			cap *= 2;
		char *p = realloc(sp->msg, cap);
		if (!p)
			return -1;
		sp->msg = p;
		sp->cap = cap;
	}
	memcpy(sp->msg + sp->len, s, n);
	sp->len += n;
	return 0;
}

int mbox_split(long (*rd)(void *, char *, size_t), void *rctx, char *buf, size_t cap,
	       int single, void (*each)(void *, const char *, size_t, uint64_t), void *ctx)
{
	struct splitter sp = { .after_blank = 1 };
	size_t fill = 0;
	int rc = 0;
	for (;;) {
		long got = rd(rctx, buf + fill, cap - fill);
		if (got < 0) {
			rc = -1;
			break;
		}
		fill += (size_t)got;
		int eof = got == 0;
		size_t i = 0;
		for (;;) {
			const char *nl = memchr(buf + i, '\n', fill - i);
			if (!nl && !(eof || (i == 0 && fill == cap)))
				break; /* wait for the rest of the line */
			size_t e = nl ? (size_t)(nl - buf) + 1 : fill;
			if (e == i)
				break;
			/* a line longer than the buffer is taken in pieces */
			if (!single && !sp.mid_line && from_line(buf + i, e - i) && sp.after_blank) {
				if (sp.started && sp.len)
					each(ctx, sp.msg, sp.len, sp.line + 1);
				sp.len = 0;
				sp.cut = 0;
				sp.started = 1;
				sp.line = sp.lines + 1;
			} else if (append(&sp, buf + i, e - i) < 0) {
				rc = -1;
				errno = ENOMEM;
				goto out;
			}
			if (!sp.mid_line)
				sp.after_blank = e - i == 1 || (e - i == 2 && buf[i] == '\r');
			sp.mid_line = !nl;
			if (nl)
				sp.lines++;
			i = e;
		}
		memmove(buf, buf + i, fill - i);
		fill -= i;
		if (eof)
			break;
	}
	if (sp.len)
		each(ctx, sp.msg, sp.len, sp.started ? sp.line + 1 : 1);
out:
	free(sp.msg);
	return rc;
}

/* ---- folders ------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int folder_each(const char *dir, int (*each)(void *, const char *, int), void *ctx, int depth)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	if (!d)
		return each(ctx, dir, errno ? errno : EIO);
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue; /* ".", "..", and hidden files such as Dovecot's */
		if (n == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *p);
			if (!p) {
				rc = -1;
				break;
			}
			names = p;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	/* a Maildir's tmp/ holds deliveries still being written */
	int maildir = n && (bsearch(&(const char *){ "cur" }, names, n, sizeof *names, by_name) ||
			    bsearch(&(const char *){ "new" }, names, n, sizeof *names, by_name));
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (maildir && !strcmp(names[i], "tmp"))
			continue;
		size_t k = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(k);
		struct stat st;
		if (!path) {
			rc = -1;
			break;
		}
		snprintf(path, k, "%s/%s", dir, names[i]);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (depth < FOLDER_DEPTH_MAX)
				rc = folder_each(path, each, ctx, depth + 1);
		} else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = each(ctx, path, 0);
		}
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
