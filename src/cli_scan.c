/*
 * cli_scan.c - `smtpdiag scan`: every failed reply in send logs.
 *
 * Reads each file (or standard input) through feed.c, in blocks of BLOCK
 * bytes of one buffer; the library's smtpdiag_scan does the finding and
 * classifying; here the findings are printed or counted.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "feed.h"

#define BLOCK (1u << 20)

static const char usage_text[] =
	"usage: smtpdiag scan [--json | --tsv | --summary [--json]] [--redact]\n"
	"                     [--client NAME] [--color WHEN] [--rules FILE] [FILE...]\n"
	"\n"
	"Find and classify every failed SMTP reply in send logs (Postfix, Exim,\n"
	"Sendmail, msmtp, swaks, curl, program errors, delivery reports, ESP\n"
	"events). Reads standard input when no FILE is given ('-' also means it).\n"
	"\n"
	"  -j, --json          one JSON object per finding (with --summary: the\n"
	"                      summary as JSON, which `smtpdiag merge` adds up)\n"
	"  -t, --tsv           tab-separated rows under a header row\n"
	"  -s, --summary       counts by category and severity, and the top rules\n"
	"      --redact        addresses, IPs and host names as placeholders\n"
	"  -c, --client NAME   settings paths in --json for this program\n"
	"                      (SMTPDIAG_CLIENT; `smtpdiag clients` lists them)\n"
	"      --color WHEN    auto (default), always or never; NO_COLOR is honoured\n"
	"      --rules FILE    your own rules, tried first (SMTPDIAG_RULES; default\n"
	"                      ~/.config/smtpdiag/rules when it exists)\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit: 0 no failure found, 2 the worst failure is transient, 3 a permanent\n"
	"failure, 64 usage error, 66 a file cannot be opened (the others are still\n"
	"scanned), 70 internal error, 74 read or write error.\n";

enum format { LINES, JSON, TSV, SUMMARY, SUMMARY_JSON };

struct job {
	enum format format;
	struct style style;
	struct summary *summary;
	int worst; /* 0, EXIT_TRANSIENT or EXIT_PERMANENT */
	char *buf;
	const char *source; /* the stream being scanned */
	struct smtpdiag_rules *rules;
};

static void emit(struct job *j, const char *source, struct smtpdiag_finding *f)
{
	struct place at = { source, f };
	if (j->style.redact && j->format != SUMMARY && j->format != SUMMARY_JSON)
		redact_finding(j->style.redact, f);
	int sev = f->diagnosis.severity == SMTPDIAG_PERMANENT ? EXIT_PERMANENT : EXIT_TRANSIENT;
	if (sev > j->worst)
		j->worst = sev;
	switch (j->format) {
	case LINES: render_line(stdout, &at, &j->style); break;
	case JSON: render_json(stdout, &f->reply, &f->diagnosis, &j->style, &at); break;
	case TSV: render_tsv(stdout, &at); break;
	case SUMMARY:
	case SUMMARY_JSON: summary_add(j->summary, f); break;
	}
}

static long read_fd(void *ctx, char *dst, size_t n)
{
	for (;;) {
		ssize_t got = read(*(int *)ctx, dst, n);
		if (got >= 0 || errno != EINTR)
			return (long)got;
	}
}

static void emit_finding(void *ctx, struct smtpdiag_finding *f)
{
	struct job *j = ctx;
	emit(j, j->source, f);
}

/* Scan one stream; 0, or EXIT_IOERR / EXIT_SOFTWARE after a message. */
static int scan_fd(struct job *j, int fd, const char *source)
{
	struct feed feed = { j->buf, BLOCK, read_fd, &fd, emit_finding, j, j->rules };
	uint64_t lines, bytes;
	j->source = source;
	int rc = feed_scan(&feed, &lines, &bytes);
	if (rc == -1) {
		warnx("%s: %s", source, strerror(errno));
		return EXIT_IOERR;
	}
	if (rc < 0) {
		warnx("%s: internal error: input left unread", source);
		return EXIT_SOFTWARE;
	}
	if (j->summary)
		summary_lines(j->summary, lines, bytes);
	return 0;
}

int cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "tsv", no_argument, NULL, 't' },
		{ "summary", no_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'c' },
		{ "color", required_argument, NULL, 'C' },
		{ "redact", no_argument, NULL, 'r' },
		{ "rules", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct job j = { 0 };
	int redacting = 0;
	const char *client = NULL, *color = NULL, *rules_file = NULL;
	int json = 0, tsv = 0, summary = 0, c, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jtsc:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 't': tsv = 1; break;
		case 's': summary = 1; break;
		case 'c': client = optarg; break;
		case 'C': color = optarg; break;
		case 'r': redacting = 1; break;
		case 'R': rules_file = optarg; break;
		case 'h': fputs(usage_text, stdout); return finish_output();
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (tsv && (json || summary)) {
		warnx("--tsv goes with neither --json nor --summary");
		return EXIT_USAGE;
	}
	j.format = summary ? (json ? SUMMARY_JSON : SUMMARY) : json ? JSON : tsv ? TSV : LINES;
	int k = style_choice(&j.style, client, color, json || tsv);
	if (k || (k = rules_choice(rules_file, &j.rules)) != 0)
		return k;
	j.buf = malloc(BLOCK);
	j.summary = summary ? summary_new() : NULL;
	j.style.redact = redacting ? redactor_new() : NULL;
	if (!j.buf || (summary && !j.summary) || (redacting && !j.style.redact)) {
		warnx("out of memory");
		return EXIT_SOFTWARE;
	}
	if (j.format == TSV)
		render_tsv_header(stdout);

	if (optind == argc)
		status = scan_fd(&j, STDIN_FILENO, "-");
	for (int i = optind; i < argc; i++) {
		const char *name = argv[i];
		int fd = strcmp(name, "-") ? open(name, O_RDONLY) : STDIN_FILENO;
		if (fd < 0) {
			warnx("%s: %s", name, strerror(errno));
			if (status != EXIT_IOERR)
				status = EXIT_NOINPUT;
			continue;
		}
		int rc = scan_fd(&j, fd, name);
		if (fd != STDIN_FILENO)
			close(fd);
		if (rc && status != EXIT_IOERR)
			status = rc;
	}
	if (j.format == SUMMARY)
		summary_text(stdout, j.summary, &j.style);
	else if (j.format == SUMMARY_JSON)
		summary_json(stdout, j.summary);
	int out = finish_output();
	summary_free(j.summary);
	redactor_free(j.style.redact);
	smtpdiag_rules_free(j.rules);
	free(j.buf);
	return out ? out : status ? status : j.worst;
}
