/*
 * fuzz_scan.c - libFuzzer target for the log scanner, fed in blocks.
 *
 * The first input byte picks the buffer size (from the margin plus the
 * look-back up, so that a block always holds what the scanner needs to see
 * around a reply), the second the most bytes one read returns (0: as many as
 * fit), and the rest is the log. It is scanned twice: through src/feed.c, as
 * `smtpdiag scan` reads a file, and as one final block. Both must count the
 * same lines, report lines in order and within the input, report
 * well-formed findings, and report the same findings: the same lines and
 * categories, and (with -DFUZZ_SCAN_SAME_FIELDS=1) the same recipient,
 * command and host. Only a line longer than the buffer, scanned in its first
 * bytes alone, may make them differ.
 */
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "feed.h"

#ifndef FUZZ_SCAN_SAME_FINDINGS
#define FUZZ_SCAN_SAME_FINDINGS 1
#endif

#ifndef FUZZ_SCAN_SAME_FIELDS
#define FUZZ_SCAN_SAME_FIELDS 1
#endif

#define MAX_FINDINGS 4096

struct run {
	size_t n;
	uint64_t line[MAX_FINDINGS];
	enum smtpdiag_category category[MAX_FINDINGS];
	uint32_t fields[MAX_FINDINGS]; /* a hash of recipient, command, host */
	uint64_t end_line; /* the scanner's line when the input is done */
};

static uint64_t total_lines;

static uint32_t hash(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h ^ 0xff) * 16777619u;
}

/* Check a finding and add it to the run. */
static void append(struct run *run, const struct smtpdiag_finding *f)
{
	check_reply(&f->reply);
	check_diagnosis(&f->diagnosis);
	FUZZ_CHECK(f->diagnosis.severity != SMTPDIAG_SUCCESS);
	FUZZ_TERMINATED(f->time);
	FUZZ_TERMINATED(f->recipient);
	FUZZ_TERMINATED(f->sender);
	FUZZ_CHECK(!f->action[0] && !f->message_id[0] && !f->original_subject[0]); /* a log's */
	FUZZ_CHECK(f->line >= 1 && f->line <= total_lines);
	if (run->n > 0)
		FUZZ_CHECK(f->line >= run->line[run->n - 1]);
	if (run->n < MAX_FINDINGS) {
		run->line[run->n] = f->line;
		run->category[run->n] = f->diagnosis.category;
		run->fields[run->n] = hash(hash(hash(2166136261u, f->recipient),
					       f->reply.command), f->reply.host);
		run->n++;
	}
}

/* A finding that smtpdiag_scan returned with *pos == pos in buf. */
static void record(struct run *run, const struct smtpdiag_scanner *s,
		   const struct smtpdiag_finding *f, const char *buf, size_t pos)
{
	/* the line the finding's last byte is on */
	uint64_t last = pos > 0 && buf[pos - 1] == '\n' ? s->line - 1 : s->line;

	FUZZ_CHECK(last >= f->line);
	FUZZ_CHECK(s->line <= total_lines);
	append(run, f);
}

static void whole(const char *log, size_t len, struct run *run)
{
	struct smtpdiag_scanner s;
	struct smtpdiag_finding f;
	size_t pos = 0, before = 0;
	int rc;

	smtpdiag_scanner_init(&s);
	while ((rc = smtpdiag_scan(&s, log, len, &pos, 1, &f)) == 0) {
		FUZZ_CHECK(pos > before && pos <= len);
		before = pos;
		record(run, &s, &f, log, pos);
	}
	FUZZ_CHECK(rc == SMTPDIAG_ENOREPLY);
	FUZZ_CHECK(pos == len);
	run->end_line = s.line;
}

/* The log as a stream that gives at most `chunk` bytes a read. */
struct stream {
	const char *log;
	size_t len, off, chunk;
	struct run *run;
};

static long read_log(void *ctx, char *dst, size_t n)
{
	struct stream *st = ctx;
	if (n > st->chunk)
		n = st->chunk;
	if (n > st->len - st->off)
		n = st->len - st->off;
	memcpy(dst, st->log + st->off, n);
	st->off += n;
	return (long)n;
}

static void collect(void *ctx, struct smtpdiag_finding *f)
{
	struct stream *st = ctx;
	append(st->run, f);
}

/* Scan through feed.c with a buffer of `block` bytes. */
static void blocks(const char *log, size_t len, size_t block, size_t chunk, struct run *run)
{
	struct stream st = { log, len, 0, chunk, run };
	struct feed feed = { .buf = malloc(block), .cap = block, .read = read_log, .read_ctx = &st,
			     .emit = collect, .emit_ctx = &st };
	uint64_t lines, bytes;
	FUZZ_CHECK(feed.buf != NULL);
	FUZZ_CHECK(feed_scan(&feed, &lines, &bytes) == 0);
	FUZZ_CHECK(bytes == len);
	run->end_line = lines + 1;
	free(feed.buf);
}

/* Is a line of the log longer than the buffer? */
static int overlong(const char *log, size_t len, size_t block)
{
	size_t run = 0;
	for (size_t i = 0; i < len; i++)
		if (log[i] == '\n')
			run = 0;
		else if (++run >= block)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run a, b;

	if (size < 2)
		return 0;
	size_t block = SMTPDIAG_SCAN_MARGIN + SMTPDIAG_SCAN_LOOKBACK + (size_t)data[0] * 64;
	size_t chunk = data[1] ? (size_t)data[1] * 7 : block;
	const char *log = (const char *)data + 2;
	size_t len = size - 2;

	total_lines = 1;
	for (size_t i = 0; i < len; i++)
		total_lines += log[i] == '\n';

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	whole(log, len, &a);
	blocks(log, len, block, chunk, &b);

	FUZZ_CHECK(a.end_line == total_lines);
	FUZZ_CHECK(b.end_line == total_lines);
	if (FUZZ_SCAN_SAME_FINDINGS && !overlong(log, len, block)) {
		if (a.n != b.n)
			fprintf(stderr, "whole scan: %zu findings, blocks of %zu: %zu\n", a.n,
				block, b.n);
		FUZZ_CHECK(a.n == b.n);
		for (size_t i = 0; i < a.n && i < MAX_FINDINGS; i++) {
			if (a.line[i] != b.line[i] || a.category[i] != b.category[i])
				fprintf(stderr, "finding %zu: line %llu %s, in blocks line %llu %s\n",
					i, (unsigned long long)a.line[i],
					smtpdiag_category_name(a.category[i]),
					(unsigned long long)b.line[i],
					smtpdiag_category_name(b.category[i]));
			FUZZ_CHECK(a.line[i] == b.line[i]);
			FUZZ_CHECK(a.category[i] == b.category[i]);
			if (FUZZ_SCAN_SAME_FIELDS && a.fields[i] != b.fields[i])
				fprintf(stderr, "finding %zu (line %llu): recipient, command or "
					"host differ\n", i, (unsigned long long)a.line[i]);
			FUZZ_CHECK(!FUZZ_SCAN_SAME_FIELDS || a.fields[i] == b.fields[i]);
		}
	}
	return 0;
}
