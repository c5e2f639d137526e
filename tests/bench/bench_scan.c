/*
 * bench_scan.c - `smtpdiag scan` against `LC_ALL=C grep -c -F 'said:'` on the
 * same logs, interleaved round by round so that all see the same machine.
 *
 *   bench_scan SMTPDIAG ROUNDS LOG=FAILURES...
 *
 * For each log (with the number of failures it holds): grep, `scan --json`,
 * `scan --summary` and `scan --json --jobs 2`, each command's output to a
 * file (grep given /dev/null would stop at the first match). Prints a table:
 * the size and share of failures, grep's median time, the medians of the
 * per-round ratios to grep, the microseconds each failure costs (the time
 * beyond grep's, divided by the failures), and the peak memory.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
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
#define OUT "/tmp/smtpdiag-bench.out"

struct run {
	double seconds;
	long max_rss_kib;
};

static struct run timed(char *const argv[])
{
	struct timespec a, b;
	struct rusage ru;
	int status;
	/* the output of the command before (128 MB of JSON) is freed here,
	 * not timed: freeing it (ext4 with discard) takes longer than grep */
	if (truncate(OUT, 0) < 0 && errno != ENOENT) {
		perror(OUT);
		exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(OUT, O_WRONLY | O_CREAT, 0644);
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

struct log {
	char *path;
	double mb, failures, percent;
};

int main(int argc, char **argv)
{
	if (argc < 4) {
		fputs("usage: bench_scan SMTPDIAG ROUNDS LOG=FAILURES...\n", stderr);
		return 2;
	}
	int rounds = atoi(argv[2]);
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 5;
	printf("scan against grep -c -F said:, %d rounds interleaved (medians)\n", rounds);
	printf("  %-16s %6s %5s %8s %7s %9s %10s %9s %9s %8s\n", "log", "MB", "fail", "grep s",
	       "--json", "--summary", "--json -P2", "us/fail j", "us/fail s", "peak KiB");
	for (int a = 3; a < argc; a++) {
		struct log l = { argv[a], 0, 0, 0 };
		char *eq = strrchr(argv[a], '=');
		struct stat st;
		if (eq) {
			*eq = '\0';
			l.failures = atof(eq + 1);
		}
		if (stat(l.path, &st) < 0) {
			perror(l.path);
			return 1;
		}
		l.mb = (double)st.st_size / 1e6;
		char *grep[] = { "grep", "-c", "-F", "said:", l.path, NULL };
		char *json[] = { argv[1], "scan", "--json", l.path, NULL };
		char *summary[] = { argv[1], "scan", "--summary", l.path, NULL };
		char *jobs[] = { argv[1], "scan", "--json", "--jobs", "2", l.path, NULL };
		double tg[MAX_ROUNDS], tj[MAX_ROUNDS], ts[MAX_ROUNDS];
		double rj[MAX_ROUNDS], rs[MAX_ROUNDS], rp[MAX_ROUNDS];
		long rss = 0;
		timed(grep); /* warm the page cache */
		for (int i = 0; i < rounds; i++) {
			struct run g = timed(grep), j = timed(json), s = timed(summary), p = timed(jobs);
			tg[i] = g.seconds;
			tj[i] = j.seconds;
			ts[i] = s.seconds;
			rj[i] = j.seconds / g.seconds;
			rs[i] = s.seconds / g.seconds;
			rp[i] = p.seconds / g.seconds;
			long peak = j.max_rss_kib > s.max_rss_kib ? j.max_rss_kib : s.max_rss_kib;
			if (peak > rss)
				rss = peak;
		}
		double g = median(tg, rounds), j = median(tj, rounds), s = median(ts, rounds);
		double n = l.failures > 0 ? l.failures : 1;
		const char *name = strrchr(l.path, '/') ? strrchr(l.path, '/') + 1 : l.path;
		printf("  %-16s %6.0f %5.0f %8.3f %6.2fx %8.2fx %9.2fx %9.2f %9.2f %8ld\n", name,
		       l.mb, l.failures, g, median(rj, rounds), median(rs, rounds),
		       median(rp, rounds), (j - g) / n * 1e6, (s - g) / n * 1e6, rss);
	}
	unlink(OUT);
	return 0;
}
