/*
 * scanjob.h - what `smtpdiag scan` keeps while it runs (cli_scan.c), shared
 * with the scan of a file on several threads (cli_jobs.c).
 */
#ifndef SMTPDIAG_SCANJOB_H
#define SMTPDIAG_SCANJOB_H

#include <sys/types.h>

#include "cli.h"

#define BLOCK (1u << 18) /* the read buffer of a stream */

enum format { LINES, JSON, TSV, SUMMARY, SUMMARY_JSON, SUMMARY_METRICS };

struct job {
	enum format format;
	struct style style;
	FILE *out;               /* where findings go: stdout, or a thread's part */
	struct summary *summary; /* with --summary; else NULL */
	int worst;               /* 0, EXIT_TRANSIENT or EXIT_PERMANENT */
	char *buf;
	char *head;              /* the first bytes of a stream (PEEK_MAX) */
	const char *source;      /* the stream being scanned */
	struct smtpdiag_rules *rules;
	int failed;              /* an error while scanning the stream */
	int live;                /* the stream is a pipe or a terminal */
	int status;              /* the worst problem with an input so far */
	int jobs;                /* threads for a regular file (--jobs) */
	uint64_t found;          /* findings so far */
};

/* Write (or count) a finding of source. */
void emit(struct job *j, const char *source, struct smtpdiag_finding *f);

/* cli_jobs.c: scan the log in the regular file fd of `size` bytes on
 * j->jobs threads, findings in the order one thread gives them. 0, or an
 * exit code after a message; adds the lines and bytes to j's summary. */
int scan_parallel(struct job *j, int fd, off_t size, const char *source);

/* cli_paste.c: a small file that the scan of its lines found no failure in,
 * read as one paste, as `explain` reads it; 1 when that gave a finding. */
int scan_paste(struct job *j, const char *buf, size_t len);

/* cli_follow.c: follow the n files like `tail -F` (from their ends, or their
 * starts) until SIGINT or SIGTERM. 0, or an exit code after a message. */
int scan_follow(struct job *j, char **paths, int n, int from_start);

#endif
