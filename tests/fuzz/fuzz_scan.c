/*
 * fuzz_scan.c - libFuzzer target for the log scanner, fed in blocks.
 *
 * The first input byte picks a block size (64..4096 bytes, far below
 * SMTPDIAG_SCAN_MARGIN), the second the most bytes one read returns (0: a
 * whole block), and the rest is the log. It is scanned twice:
 *  - in blocks, exactly as src/cli_scan.c's scan_fd does with its buffer
 *    (lines cut at the last newline of a block, `final` on the last one, a
 *    full buffer that still asks for more taken as final, a line longer than
 *    the buffer scanned in its first block and the rest of it skipped);
 *  - as one final block.
 * Both must count the same lines, report lines in order and within the
 * input, and report well-formed findings.
 *
 * The findings themselves cannot always agree. A block smaller than the
 * margin is always "full" when a trigger is in it, so every block ends as a
 * final block: a multi-line reply ("550-...\n550 ...") or a reply that the
 * parser reads on over the next lines is cut at the block's end there, and
 * its rest is read as a reply of its own. A line longer than the block is
 * only scanned in its first bytes. So the (line, category) lists are
 * compared only when neither holds: no line is longer than the block and
 * every finding of both runs takes exactly the one line it starts on.
 * Build with -DFUZZ_SCAN_SAME_FINDINGS=0 to check all but that (to fuzz on
 * while a known difference is open), with -DFUZZ_SCAN_SAME_FIELDS=1 to
 * compare each finding's recipient, command and host as well: these come
 * partly from a look back over earlier lines of the block (transcript() in
 * src/scan.c), which a block that starts at the finding's line does not have.
 * That look back also feeds the echo test, so the (line, category) lists can
 * differ through it too: see crashes/README.
 */
#include <stddef.h>
#include <stdint.h>

#include "check.h"

#ifndef FUZZ_SCAN_SAME_FINDINGS
#define FUZZ_SCAN_SAME_FINDINGS 1
#endif

#ifndef FUZZ_SCAN_SAME_FIELDS
#define FUZZ_SCAN_SAME_FIELDS 0
#endif

#define MAX_FINDINGS 4096

struct run {
	size_t n;
	int multi_line; /* a finding took more than its own line */
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

/* A finding that smtpdiag_scan returned with *pos == pos in buf. */
static void record(struct run *run, const struct smtpdiag_scanner *s,
		   const struct smtpdiag_finding *f, const char *buf, size_t pos)
{
	/* the line the finding's last byte is on */
	uint64_t last = pos > 0 && buf[pos - 1] == '\n' ? s->line - 1 : s->line;

	check_reply(&f->reply);
	check_diagnosis(&f->diagnosis);
	FUZZ_CHECK(f->diagnosis.severity != SMTPDIAG_SUCCESS);
	FUZZ_TERMINATED(f->time);
	FUZZ_TERMINATED(f->recipient);
	FUZZ_TERMINATED(f->sender);
	FUZZ_CHECK(f->line >= 1 && f->line <= total_lines);
	FUZZ_CHECK(last >= f->line);
	FUZZ_CHECK(s->line <= total_lines);
	if (run->n > 0)
		FUZZ_CHECK(f->line >= run->line[run->n - 1]);
	if (last > f->line)
		run->multi_line = 1;
	if (run->n < MAX_FINDINGS) {
		run->line[run->n] = f->line;
		run->category[run->n] = f->diagnosis.category;
		run->fields[run->n] = hash(hash(hash(2166136261u, f->recipient),
					       f->reply.command), f->reply.host);
		run->n++;
	}
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

/* One call of smtpdiag_scan in the block loop, checked. */
static int scan_step(struct smtpdiag_scanner *s, const char *buf, size_t len, size_t *pos,
		     int final, struct smtpdiag_finding *f, struct run *run)
{
	size_t before = *pos;
	int rc = smtpdiag_scan(s, buf, len, pos, final, f);
	FUZZ_CHECK(*pos <= len);
	if (rc == 0) {
		FUZZ_CHECK(*pos > before);
		record(run, s, f, buf, *pos);
	} else if (rc == SMTPDIAG_ENOREPLY) {
		FUZZ_CHECK(*pos == len);
	} else {
		FUZZ_CHECK(rc == SMTPDIAG_EMORE && !final);
		FUZZ_CHECK(*pos >= before);
		FUZZ_CHECK(*pos == 0 || buf[*pos - 1] == '\n');
	}
	return rc;
}

/* src/cli_scan.c's scan_fd with a buffer of `block` bytes and reads of at
 * most `chunk` bytes. Returns 1 when a line was longer than the buffer. */
static int blocks(const char *log, size_t len, size_t block, size_t chunk, struct run *run)
{
	struct smtpdiag_scanner s;
	struct smtpdiag_finding f;
	char *buf = malloc(block);
	size_t fill = 0, off = 0;
	int skipping = 0, overlong_seen = 0;

	FUZZ_CHECK(buf != NULL);
	smtpdiag_scanner_init(&s);
	for (;;) {
		/* a full buffer here would read 0 bytes: taken for the end */
		FUZZ_CHECK(fill < block);
		size_t n = block - fill;
		if (n > chunk)
			n = chunk;
		if (n > len - off)
			n = len - off;
		memcpy(buf + fill, log + off, n);
		fill += n;
		off += n;
		int eof = n == 0;
		if (skipping) {
			char *nl = memchr(buf, '\n', fill);
			size_t drop = nl ? (size_t)(nl - buf) + 1 : fill;
			memmove(buf, buf + drop, fill - drop);
			fill -= drop;
			if (nl) {
				skipping = 0;
				s.line++;
			}
			if (eof)
				break;
			continue;
		}
		size_t complete = fill;
		if (!eof) {
			while (complete > 0 && buf[complete - 1] != '\n')
				complete--;
			if (complete == 0 && fill < block)
				continue;
		}
		int overlong = complete == 0;
		if (overlong) {
			complete = fill;
			overlong_seen = 1;
		}
		size_t pos = 0;
		int rc;
		while ((rc = scan_step(&s, buf, complete, &pos, eof || overlong, &f, run)) == 0)
			;
		if (rc == SMTPDIAG_EMORE && pos == 0 && fill == block)
			while (scan_step(&s, buf, complete, &pos, 1, &f, run) == 0)
				;
		if (overlong) {
			skipping = 1;
			pos = fill;
		}
		memmove(buf, buf + pos, fill - pos);
		fill -= pos;
		if (eof && fill == 0)
			break;
		/* cli_scan.c: "internal error: input left unread" */
		FUZZ_CHECK(!eof);
	}
	run->end_line = s.line;
	free(buf);
	return overlong_seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run a, b;

	if (size < 2)
		return 0;
	size_t block = 64 + (size_t)data[0] * 16;
	if (block > 4096)
		block = 4096;
	size_t chunk = data[1] ? (size_t)data[1] * 7 : block;
	const char *log = (const char *)data + 2;
	size_t len = size - 2;

	total_lines = 1;
	for (size_t i = 0; i < len; i++)
		total_lines += log[i] == '\n';

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	whole(log, len, &a);
	int overlong = blocks(log, len, block, chunk, &b);

	FUZZ_CHECK(a.end_line == total_lines);
	FUZZ_CHECK(b.end_line == total_lines);
	if (FUZZ_SCAN_SAME_FINDINGS && !overlong && !a.multi_line && !b.multi_line) {
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
