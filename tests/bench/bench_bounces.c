/*
 * bench_bounces.c - how fast whole bounce messages are read, in-process.
 *
 *   bench_bounces [DIR]      (DIR: tests/bounces)
 *
 * Loads every .eml of DIR, then times rounds of reading each message and
 * classifying each failed recipient (smtpdiag_message_read and
 * smtpdiag_message_finding) against rounds of a plain search for
 * "Diagnostic-Code:" over the same bytes (the least any reader must do),
 * interleaved, and prints messages per second for both and the median ratio.
 * The whole-message decoders of other projects read about 2,000 messages a
 * second; the goal is 50 times that on one core.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtpdiag.h"

#define MAX_MESSAGES 4096
#define ROUNDS 9

static char *messages[MAX_MESSAGES];
static size_t lens[MAX_MESSAGES], nmessages, bytes;
static volatile unsigned sink;

static void load(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f || nmessages == MAX_MESSAGES)
		return;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		messages[nmessages] = buf;
		lens[nmessages++] = (size_t)n;
		bytes += (size_t)n;
	} else {
		free(buf);
	}
	fclose(f);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double time_search(size_t reps)
{
	static const char key[] = "Diagnostic-Code:";
	double t = now();
	for (size_t k = 0; k < reps; k++)
		for (size_t i = 0; i < nmessages; i++)
			for (const char *p = messages[i], *end = p + lens[i];
			     (p = memchr(p, 'D', (size_t)(end - p))) && end - p >= 16; p++)
				sink += !memcmp(p, key, 16);
	return now() - t;
}

static double time_read(size_t reps, size_t *findings)
{
	double t = now();
	*findings = 0;
	for (size_t k = 0; k < reps; k++)
		for (size_t i = 0; i < nmessages; i++) {
			struct smtpdiag_message m;
			struct smtpdiag_finding f;
			if (smtpdiag_message_read(messages[i], lens[i], &m) != 0)
				continue;
			for (size_t r = 0; r < m.count; r++)
				if (smtpdiag_bounced_failed(&m.recipients[r]) &&
				    smtpdiag_message_finding(NULL, &m, r, &f) == 0) {
					sink += f.diagnosis.category;
					++*findings;
				}
			smtpdiag_message_free(&m);
		}
	return now() - t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/bounces";
	double ratio[ROUNDS], rtime[ROUNDS], stime[ROUNDS];
	size_t reps = 200, findings = 0;
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	for (struct dirent *e; (e = readdir(d));) {
		char path[1024];
		size_t k = strlen(e->d_name);
		if (k < 5 || strcmp(e->d_name + k - 4, ".eml"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		load(path);
	}
	closedir(d);
	if (!nmessages) {
		printf("bounces: no .eml in %s\n", dir);
		return 0;
	}
	for (int i = 0; i < ROUNDS; i++) {
		stime[i] = time_search(reps);
		rtime[i] = time_read(reps, &findings);
		ratio[i] = rtime[i] / stime[i];
	}
	qsort(ratio, ROUNDS, sizeof *ratio, cmp);
	qsort(rtime, ROUNDS, sizeof *rtime, cmp);
	qsort(stime, ROUNDS, sizeof *stime, cmp);
	double n = (double)(reps * nmessages), mb = (double)(reps * bytes) / 1e6;
	double rate = n / rtime[ROUNDS / 2];
	printf("bounces: %zu messages (%zu failed recipients) x %zu, %d rounds (median)\n",
	       nmessages, findings / reps, reps, ROUNDS);
	printf("  search Diagnostic-Code: %10.0f messages/s  %6.0f MB/s\n",
	       n / stime[ROUNDS / 2], mb / stime[ROUNDS / 2]);
	printf("  read and classify:      %10.0f messages/s  %6.0f MB/s  (%.1f us each)\n", rate,
	       mb / rtime[ROUNDS / 2], rtime[ROUNDS / 2] / n * 1e6);
	printf("  ratio read/search: %.1f   (%.0fx the 2,000 messages/s of a Perl decoder)\n",
	       ratio[ROUNDS / 2], rate / 2000);
	return 0;
}
