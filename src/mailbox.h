/*
 * mailbox.h - the command's readers of messages (mailbox.c): what a stream
 * holds, the messages of an mbox, the files of a folder.
 */
#ifndef SMTPDIAG_MAILBOX_H
#define SMTPDIAG_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#include "smtpdiag.h"

#define PEEK_MAX (64u << 10)      /* what is read to tell a message from a log */
#define MESSAGE_MAX (64u << 20)   /* a message is cut beyond this */
#define FOLDER_DEPTH_MAX 32

enum input_kind { INPUT_LOG, INPUT_MESSAGE, INPUT_MBOX };

/* Must more of the stream's start be read to tell what it holds? 1 while
 * its first line may start a header block whose end is not in head yet. */
int input_undecided(const char *head, size_t n);
/* What the stream that starts with head[0, n) holds. */
enum input_kind input_kind(const char *head, size_t n);

/* Read an mbox through rd (as feed.h's read) with the buffer buf (cap
 * bytes), calling each(ctx, message, len, line) for every message, line being
 * the line of the stream where the message starts; `single`: the stream is
 * one message, whatever "From " lines it holds. 0, or -1 with errno. */
int mbox_split(long (*rd)(void *, char *, size_t), void *rctx, char *buf, size_t cap,
	       int single, void (*each)(void *, const char *, size_t, uint64_t), void *ctx);

/* Call each(ctx, path, 0) for every regular file under dir, in the order of
 * their names, directories recursively (not a Maildir's tmp/, not hidden
 * files, not symbolic links); each(ctx, dir, errno) when dir cannot be
 * opened. Stops at the first non-zero return of each, and returns it. */
int folder_each(const char *dir, int (*each)(void *, const char *, int), void *ctx, int depth);

#endif
