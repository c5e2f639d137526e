/*
 * bench_classify.c - how fast replies are classified, in-process.
 *
 * Loads every reply of tests/corpus/, then times rounds of smtpdiag_diagnose
 * (find the reply and classify it) against rounds of smtpdiag_parse alone
 * (only find it) on the same replies, interleaved, and prints replies per
 * second for both and the median ratio. The ratio is what to watch: the
 * machine's speed cancels out.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtpdiag.h"

#define MAX_REPLIES 20000
#define ROUNDS 9

static char *replies[MAX_REPLIES];
static size_t lens[MAX_REPLIES], nreplies;

static void load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	if (!f)
		return;
	while (fgets(line, sizeof line, f) && nreplies < MAX_REPLIES) {
		char *bar = strstr(line, " | ");
		bar = bar ? strstr(bar + 3, " | ") : NULL;
		if (line[0] == '#' || !bar)
			continue;
		char *s = bar + 3, *w = s;
		for (char *p = s; *p && *p != '\n'; p++) /* "\n" is a line break */
			*w++ = (p[0] == '\\' && p[1] == 'n') ? (p++, '\n') : *p;
		lens[nreplies] = (size_t)(w - s);
		replies[nreplies++] = strndup(s, (size_t)(w - s));
	}
	fclose(f);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile unsigned sink;

static double time_parse(size_t reps)
{
	double t = now();
	for (size_t k = 0; k < reps; k++)
		for (size_t i = 0; i < nreplies; i++) {
			struct smtpdiag_reply r;
			size_t pos = 0;
			if (smtpdiag_parse(replies[i], lens[i], &pos, &r) == 0)
				sink += (unsigned)r.code;
		}
	return now() - t;
}

static double time_diagnose(size_t reps)
{
	double t = now();
	for (size_t k = 0; k < reps; k++)
		for (size_t i = 0; i < nreplies; i++) {
			struct smtpdiag_reply r;
			struct smtpdiag_diagnosis d;
			if (smtpdiag_diagnose(replies[i], lens[i], &r, &d) == 0)
				sink += d.category;
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
	const char *dir = argc > 1 ? argv[1] : "tests/corpus";
	DIR *d = opendir(dir);
	double ratio[ROUNDS], dtime[ROUNDS], ptime[ROUNDS];
	size_t reps = 20;
	if (!d) {
		perror(dir);
		return 1;
	}
	for (struct dirent *e; (e = readdir(d));) {
		char path[1024];
		if (!strstr(e->d_name, ".txt"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		load(path);
	}
	closedir(d);
	for (int i = 0; i < ROUNDS; i++) {
		ptime[i] = time_parse(reps);
		dtime[i] = time_diagnose(reps);
		ratio[i] = dtime[i] / ptime[i];
	}
	qsort(ratio, ROUNDS, sizeof *ratio, cmp);
	qsort(dtime, ROUNDS, sizeof *dtime, cmp);
	qsort(ptime, ROUNDS, sizeof *ptime, cmp);
	double n = (double)(reps * nreplies);
	printf("classify: %zu corpus replies x %zu, %d rounds (median)\n", nreplies, reps, ROUNDS);
	printf("  parse only:          %10.0f replies/s\n", n / ptime[ROUNDS / 2]);
	printf("  parse and classify:  %10.0f replies/s  (%.2f us each)\n",
	       n / dtime[ROUNDS / 2], dtime[ROUNDS / 2] / n * 1e6);
	printf("  ratio classify/parse: %.2f\n", ratio[ROUNDS / 2]);
	return 0;
}
