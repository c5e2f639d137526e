/*
 * bench_scan.c - `smtpdiag scan` against `LC_ALL=C grep -c -F 'said:'` on the
 * same log, interleaved round by round so that both see the same machine.
 *
 *   bench_scan SMTPDIAG LOG [ROUNDS]
 *
 * Each command's output goes to a file (grep given /dev/null would stop at the
 * first match). Prints the median time, MB/s and peak memory of each, and the
 * median of the per-round ratios scan/grep.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* wait4 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 31

struct run {
	double seconds;
	long max_rss_kib;
};

static struct run timed(char *const argv[])
{
	struct timespec a, b;
	struct rusage ru;
	int status;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/tmp/smtpdiag-bench.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		setenv("LC_ALL", "C", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	wait4(pid, &status, 0, &ru);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
		fprintf(stderr, "bench: %s failed\n", argv[0]);
		exit(1);
	}
	return (struct run){ (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
			     ru.ru_maxrss };
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: bench_scan SMTPDIAG LOG [ROUNDS]\n", stderr);
		return 2;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 11;
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 11;
	struct stat st;
	if (stat(argv[2], &st) < 0) {
		perror(argv[2]);
		return 1;
	}
	double mb = (double)st.st_size / 1e6;
	char *grep[] = { "grep", "-c", "-F", "said:", argv[2], NULL };
	char *scan[] = { argv[1], "scan", argv[2], NULL };
	char *summary[] = { argv[1], "scan", "--summary", argv[2], NULL };
	double tg[MAX_ROUNDS], ts[MAX_ROUNDS], tm[MAX_ROUNDS], ratio[MAX_ROUNDS], rsum[MAX_ROUNDS];
	long rss_grep = 0, rss_scan = 0;

	timed(grep); /* warm the page cache */
	for (int i = 0; i < rounds; i++) {
		struct run g = timed(grep), s = timed(scan), m = timed(summary);
		tg[i] = g.seconds;
		ts[i] = s.seconds;
		tm[i] = m.seconds;
		ratio[i] = s.seconds / g.seconds;
		rsum[i] = m.seconds / g.seconds;
		if (g.max_rss_kib > rss_grep)
			rss_grep = g.max_rss_kib;
		if (s.max_rss_kib > rss_scan)
			rss_scan = s.max_rss_kib;
		if (m.max_rss_kib > rss_scan)
			rss_scan = m.max_rss_kib;
	}
	double g = median(tg, rounds), s = median(ts, rounds), m = median(tm, rounds);
	printf("scan: %.0f MB log, %d rounds interleaved (medians)\n", mb, rounds);
	printf("  grep -c -F said:     %6.3f s  %7.0f MB/s  peak %ld KiB\n", g, mb / g, rss_grep);
	printf("  smtpdiag scan        %6.3f s  %7.0f MB/s  peak %ld KiB (largest of both)\n", s,
	       mb / s, rss_scan);
	printf("  smtpdiag scan --summary %3.3f s  %7.0f MB/s\n", m, mb / m);
	printf("  ratio scan/grep: %.2f   (--summary: %.2f)\n", median(ratio, rounds),
	       median(rsum, rounds));
	unlink("/tmp/smtpdiag-bench.out");
	return 0;
}
