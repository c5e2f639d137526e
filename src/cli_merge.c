/*
 * cli_merge.c - `smtpdiag merge`: add up the summaries that `scan --summary
 * --json` wrote for pieces of a log, as if the log had been scanned whole.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
	"usage: smtpdiag merge [--json | --format FORMAT] [--color WHEN] [FILE...]\n"
	"\n"
	"Add up summaries written by `smtpdiag scan --summary --json` (one JSON\n"
	"object per line, from the FILEs or standard input) and print the total\n"
	"as `scan --summary` would, or with --json as JSON.\n"
	"\n"
	"  -j, --json          the total as JSON (to merge again)\n"
	"      --format FORMAT the total as counters: openmetrics or prometheus\n"
	"      --color WHEN    auto (default), always or never; NO_COLOR is honoured\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit: 0 no failure in the total, 2 the worst is transient, 3 a permanent\n"
	"one, 64 usage error, 65 an input is not a summary (nothing is printed),\n"
	"66 a file cannot be opened, 70 internal error, 74 read or write error.\n";

/* Add every summary line of the stream; -1 after a message on bad input. */
static int merge_stream(struct summary *s, FILE *fp, const char *name)
{
	size_t len;
	char *buf = read_all(fp, &len);
	if (!buf) {
		warnx("%s: %s", name, strerror(errno));
		return EXIT_IOERR;
	}
	int lineno = 0, rc = 0;
	for (char *p = buf, *end = buf + len; p < end && !rc;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (n && summary_merge(s, p, n) < 0) {
			warnx("%s:%d: not a summary of smtpdiag scan --summary --json", name, lineno);
			rc = EXIT_DATAERR;
		}
		p += n + 1;
	}
	free(buf);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'F' },
		{ "color", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct style style = { 0 };
	const char *color = NULL;
	int json = 0, c, status = 0, openmetrics = -1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'F':
			if (strcmp(optarg, "openmetrics") && strcmp(optarg, "prometheus")) {
				warnx("--format: '%s' is neither openmetrics nor prometheus", optarg);
				return EXIT_USAGE;
			}
			openmetrics = optarg[0] == 'o';
			break;
		case 'C': color = optarg; break;
		case 'h': fputs(usage_text, stdout); return finish_output();
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (json && openmetrics >= 0) {
		warnx("--format goes without --json");
		return EXIT_USAGE;
	}
	if ((style.color = color_choice(color, stdout)) < 0)
		return EXIT_USAGE;
	struct summary *s = summary_new();
	if (!s) {
		warnx("out of memory");
		return EXIT_SOFTWARE;
	}
	if (optind == argc)
		status = merge_stream(s, stdin, "-");
	for (int i = optind; i < argc && status != EXIT_IOERR; i++) {
		FILE *fp = strcmp(argv[i], "-") ? fopen(argv[i], "rb") : stdin;
		if (!fp) {
			warnx("%s: %s", argv[i], strerror(errno));
			if (status != EXIT_DATAERR)
				status = EXIT_NOINPUT;
			continue;
		}
		int rc = merge_stream(s, fp, argv[i]);
		if (fp != stdin)
			fclose(fp);
		if (rc && status != EXIT_DATAERR) /* a bad summary is the news */
			status = rc;
	}
	if (status == EXIT_DATAERR) { /* a total of part of the input would mislead */
		summary_free(s);
		return status;
	}
	if (json)
		summary_json(stdout, s);
	else if (openmetrics >= 0)
		summary_metrics(stdout, s, openmetrics);
	else
		summary_text(stdout, s, &style);
	int worst = summary_exit(s);
	summary_free(s);
	int out = finish_output();
	return out ? out : status ? status : worst;
}
