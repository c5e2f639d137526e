/*
 * cli_scan.c - `smtpdiag scan`: every failed reply in send logs.
 *
 * Reads each file (or standard input) through feed.c, in blocks of BLOCK
 * bytes of one buffer; the library's smtpdiag_scan does the finding and
 * classifying; here the findings are printed or counted.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MAP_POPULATE */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "feed.h"
#include "mailbox.h"
#include "scanjob.h"


static const char usage_text[] =
	"usage: smtpdiag scan [--json | --tsv | --summary [--json | --format FORMAT]]\n"
	"                     [--jobs N | --follow [--from-start]] [--redact]\n"
	"                     [--client NAME] [--color WHEN]\n"
	"                     [--rules FILE] [FILE|DIR...]\n"
	"\n"
	"Find and classify every failed SMTP reply in send logs (Postfix, Exim,\n"
	"Sendmail, msmtp, swaks, curl, program errors, delivery reports, ESP\n"
	"events), and every failed recipient of bounce messages: a message file,\n"
	"an mbox, or a DIR (a Maildir, any folder of messages, read recursively).\n"
	"Reads standard input when no FILE is given ('-' also means it).\n"
	"\n"
	"  -j, --json          one JSON object per finding (with --summary: the\n"
	"                      summary as JSON, which `smtpdiag merge` adds up)\n"
	"  -t, --tsv           tab-separated rows under a header row\n"
	"  -s, --summary       counts by category and severity, and the top rules\n"
	"      --format FORMAT the summary as counters: openmetrics, or prometheus\n"
	"                      (the text format of node_exporter's textfile collector)\n"
	"  -F, --follow        follow each FILE as it grows, across rotation, like\n"
	"                      tail -F, until interrupted (SIGINT or SIGTERM)\n"
	"      --from-start    with --follow, read the files from their start\n"
	"  -P, --jobs N        scan a log file on N threads (0: one per core), with\n"
	"                      the output of one\n"
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

void emit(struct job *j, const char *source, struct smtpdiag_finding *f)
{
	struct place at = { source, f };
	if (j->style.redact && !j->summary)
		redact_finding(j->style.redact, f);
	int sev = f->diagnosis.severity == SMTPDIAG_PERMANENT ? EXIT_PERMANENT : EXIT_TRANSIENT;
	j->found++;
	if (sev > j->worst)
		j->worst = sev;
	switch (j->format) {
	case LINES: render_line(j->out, &at, &j->style); break;
	case JSON: render_json(j->out, &f->reply, &f->diagnosis, &j->style, &at); break;
	case TSV: render_tsv(j->out, &at); break;
	case SUMMARY:
	case SUMMARY_JSON:
	case SUMMARY_METRICS: summary_add(j->summary, f); break;
	}
}

/* A stream whose first bytes were read already to tell what it holds. */
struct stream {
	int fd;
	const char *head;
	size_t head_len, head_pos;
};

static long read_stream(void *ctx, char *dst, size_t n)
{
	struct stream *in = ctx;
	if (in->head_pos < in->head_len) {
		size_t k = in->head_len - in->head_pos < n ? in->head_len - in->head_pos : n;
		memcpy(dst, in->head + in->head_pos, k);
		in->head_pos += k;
		return (long)k;
	}
	for (;;) {
		ssize_t got = read(in->fd, dst, n);
		if (got >= 0 || errno != EINTR)
			return (long)got;
	}
}

/* A regular file seen through a window of it mapped in memory, which
 * slides on as the scan reads: no copy into a buffer (a read's copy took a
 * tenth of the time of a scan). The pages mapped count in the memory the
 * process takes, so the window is small, and unmapped as it moves. */
#define WINDOW (1u << 18)

#ifndef MAP_POPULATE
#define MAP_POPULATE 0
#endif

struct mapped {
	int fd;
	uint64_t size;  /* the file's, as last seen */
	char *map;      /* the window: the file's bytes [at, at + len) */
	uint64_t at;
	size_t len;
};

/* feed.c's view of the file's bytes [off, off + n), mapping the window
 * anew when they are not all in it. */
static const char *view_mapped(void *ctx, uint64_t off, size_t n, size_t *got)
{
	static const char none[1];
	struct mapped *m = ctx;
	struct stat st;
	if (off + n > m->size && fstat(m->fd, &st) == 0) /* a log may grow meanwhile */
		m->size = (uint64_t)st.st_size;
	if (off >= m->size) {
		*got = 0;
		return none;
	}
	if (n > m->size - off)
		n = (size_t)(m->size - off);
	if (!m->map || off < m->at || off + n > m->at + m->len) {
		uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), at = off - off % page;
		uint64_t len = off + n - at > WINDOW ? off + n - at : WINDOW;
		if (len > m->size - at)
			len = m->size - at;
		if (m->map)
			munmap(m->map, m->len);
		m->map = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED | MAP_POPULATE, m->fd,
			      (off_t)at);
		if (m->map == MAP_FAILED) {
			m->map = NULL;
			return NULL;
		}
		m->at = at;
		m->len = (size_t)len;
	}
	*got = n;
	return m->map + (off - m->at);
}

/* A file cut short while it is mapped (a log truncated by its rotation)
 * takes its mapped pages past its new end away: reading them raises
 * SIGBUS, which ends the scan of the file as a read error. */
static sigjmp_buf cut_short;
static volatile sig_atomic_t mapped_scan;

static void on_sigbus(int sig)
{
	if (mapped_scan)
		siglongjmp(cut_short, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Scan the regular file fd of `size` bytes through a mapped window, as
 * feed_scan does with *feed. 1 when it cannot be mapped (nothing read
 * then), else feed_scan's return. */
static int scan_mapped(struct feed *feed, int fd, off_t size, uint64_t *lines, uint64_t *bytes)
{
	static struct mapped m; /* static: read again after a siglongjmp */
	struct sigaction bus = { .sa_handler = on_sigbus }, old;
	size_t got;
	int rc;
	m = (struct mapped){ fd, (uint64_t)size, NULL, 0, 0 };
	if (!view_mapped(&m, 0, BLOCK, &got))
		return 1;
	feed->view = view_mapped; /* from its start: the head too */
	feed->read_ctx = &m;
	sigemptyset(&bus.sa_mask);
	sigaction(SIGBUS, &bus, &old);
	if (sigsetjmp(cut_short, 1) == 0) {
		mapped_scan = 1;
		rc = feed_scan(feed, lines, bytes);
	} else {
		errno = EIO;
		rc = -1;
	}
	mapped_scan = 0;
	sigaction(SIGBUS, &old, NULL);
	if (m.map)
		munmap(m.map, m.len);
	return rc;
}

/* Is more of a live stream ready at once? */
static int stream_ready(void *ctx)
{
	struct stream *in = ctx;
	struct pollfd p = { .fd = in->fd, .events = POLLIN };
	return in->head_pos < in->head_len || poll(&p, 1, 0) > 0;
}

static void emit_finding(void *ctx, struct smtpdiag_finding *f)
{
	struct job *j = ctx;
	emit(j, j->source, f);
	if (j->live && !j->summary)
		fflush(stdout); /* a watcher sees each failure as it happens */
}

/* The failed recipients of a message that starts on line `line` of the
 * source; a message that is no report is read as a log (a forwarded bounce,
 * a pasted transcript). */
static void scan_message(void *ctx, const char *msg, size_t len, uint64_t line)
{
	struct job *j = ctx;
	struct smtpdiag_message m;
	struct smtpdiag_finding f;
	if (smtpdiag_message_read(msg, len, &m) != 0) {
		warnx("%s: out of memory reading a message", j->source);
		j->failed = EXIT_SOFTWARE;
		return;
	}
	if (m.kind == SMTPDIAG_MESSAGE_OTHER) {
		struct smtpdiag_scanner s;
		size_t pos = 0;
		smtpdiag_scanner_init(&s);
		s.rules = j->rules;
		s.line = line;
		while (smtpdiag_scan(&s, m.text, m.text_len, &pos, 1, &f) == 0)
			emit(j, j->source, &f);
	}
	for (size_t i = 0; i < m.count; i++) {
		if (!smtpdiag_bounced_failed(&m.recipients[i]))
			continue;
		smtpdiag_message_finding(j->rules, &m, i, &f);
		f.line = line;
		for (size_t k = 0; k < m.recipients[i].offset && k < len; k++)
			f.line += msg[k] == '\n';
		emit(j, j->source, &f);
	}
	smtpdiag_message_free(&m);
}

/* Scan one stream: a log, a message or an mbox, told by its first bytes.
 * 0, or EXIT_IOERR / EXIT_SOFTWARE after a message. */
static int scan_fd(struct job *j, int fd, const char *source)
{
	struct stream in = { fd, j->head, 0, 0 };
	uint64_t lines = 0, bytes = 0;
	struct stat st;
	int rc = 0;
	j->source = source;
	/* a pipe, a FIFO, a terminal, a socket: lines are read as they come */
	int known = fstat(fd, &st) == 0, regular = known && S_ISREG(st.st_mode);
	j->live = known && !regular && !S_ISBLK(st.st_mode);
	while (input_undecided(j->head, in.head_len)) {
		in.head_pos = in.head_len; /* what is read goes after the head */
		long got = read_stream(&in, j->head + in.head_len, PEEK_MAX - in.head_len);
		if (got <= 0) {
			rc = (int)got;
			break;
		}
		in.head_len += (size_t)got;
	}
	in.head_pos = 0;
	enum input_kind kind = input_kind(j->head, in.head_len);
	/* a regular file that its first bytes did not hold whole */
	int more = regular && st.st_size > (off_t)in.head_len;
	if (rc == 0 && kind == INPUT_LOG && j->jobs > 1 && !j->style.redact && more)
		return scan_parallel(j, fd, st.st_size, source);
	if (rc == 0) {
		switch (kind) {
		case INPUT_LOG: {
			struct feed feed = { .buf = j->buf, .cap = BLOCK, .read = read_stream,
					     .read_ctx = &in, .ready = j->live ? stream_ready : NULL,
					     .emit = emit_finding, .emit_ctx = j, .rules = j->rules };
			uint64_t found = j->found;
			rc = 1;
			if (more)
				rc = scan_mapped(&feed, fd, st.st_size, &lines, &bytes);
			if (rc == 1)
				rc = feed_scan(&feed, &lines, &bytes);
			/* a short input, read whole with its first bytes, in which no
			 * line told a failure */
			if (rc == 0 && j->found == found && bytes == in.head_len)
				scan_paste(j, j->head, in.head_len);
			break;
		}
		case INPUT_MESSAGE:
		case INPUT_MBOX:
			rc = mbox_split(read_stream, &in, j->buf, BLOCK, kind == INPUT_MESSAGE,
					scan_message, j);
			break;
		}
	}
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
	if (j->failed) {
		int k = j->failed;
		j->failed = 0;
		return k;
	}
	return 0;
}

/* Scan a file or, recursively, a folder (a Maildir, a folder of messages);
 * `err` is the errno of a folder that could not be read. Always 0, so that a
 * folder walk goes on; the worst problem is kept in j->status. */
static int scan_path(void *ctx, const char *name, int err)
{
	struct job *j = ctx;
	struct stat st;
	int fd = -1, rc = 0;
	if (err) {
		warnx("%s: %s", name, strerror(err));
		if (j->status != EXIT_IOERR)
			j->status = EXIT_NOINPUT;
		return 0;
	}
	if (strcmp(name, "-") && stat(name, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (folder_each(name, scan_path, j, 0) < 0) {
			warnx("%s: out of memory", name);
			j->status = EXIT_SOFTWARE;
		}
		return 0;
	}
	fd = strcmp(name, "-") ? open(name, O_RDONLY) : STDIN_FILENO;
	if (fd < 0) {
		warnx("%s: %s", name, strerror(errno));
		if (j->status != EXIT_IOERR)
			j->status = EXIT_NOINPUT;
		return 0;
	}
	rc = scan_fd(j, fd, name);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc && j->status != EXIT_IOERR)
		j->status = rc;
	return 0;
}

int cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "tsv", no_argument, NULL, 't' },
		{ "summary", no_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'O' },
		{ "jobs", required_argument, NULL, 'P' },
		{ "follow", no_argument, NULL, 'F' },
		{ "from-start", no_argument, NULL, 'S' },
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
	int json = 0, tsv = 0, summary = 0, c, status = 0, openmetrics = -1;
	int follow = 0, from_start = 0;

	optind = 1;
	j.jobs = 1;
	while ((c = getopt_long(argc, argv, "jtsc:P:Fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 't': tsv = 1; break;
		case 's': summary = 1; break;
		case 'F': follow = 1; break;
		case 'S': from_start = 1; break;
		case 'P': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || n > 1024) {
				warnx("--jobs: '%s' is not a number of threads (0: one per core)", optarg);
				return EXIT_USAGE;
			}
			j.jobs = n ? (int)n : (int)sysconf(_SC_NPROCESSORS_ONLN);
			if (j.jobs < 1)
				j.jobs = 1;
			break;
		}
		case 'O':
			if (!strcmp(optarg, "openmetrics") || !strcmp(optarg, "prometheus")) {
				openmetrics = optarg[0] == 'o';
				break;
			}
			warnx("--format: '%s' is neither openmetrics nor prometheus", optarg);
			return EXIT_USAGE;
		case 'c': client = optarg; break;
		case 'C': color = optarg; break;
		case 'r': redacting = 1; break;
		case 'R': rules_file = optarg; break;
		case 'h': fputs(usage_text, stdout); return finish_output();
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if ((from_start && !follow) || (follow && optind == argc)) {
		warnx(follow ? "--follow needs the files to follow" : "--from-start goes with --follow");
		return EXIT_USAGE;
	}
	if (openmetrics >= 0 && (!summary || json || tsv)) {
		warnx("--format goes with --summary alone");
		return EXIT_USAGE;
	}
	if (tsv && (json || summary)) {
		warnx("--tsv goes with neither --json nor --summary");
		return EXIT_USAGE;
	}
	j.format = openmetrics >= 0 ? SUMMARY_METRICS
		   : summary ? (json ? SUMMARY_JSON : SUMMARY) : json ? JSON : tsv ? TSV : LINES;
	int k = style_choice(&j.style, client, color, json || tsv);
	if (k || (k = rules_choice(rules_file, &j.rules)) != 0)
		return k;
	j.out = stdout;
	j.buf = malloc(BLOCK);
	j.head = malloc(PEEK_MAX);
	j.summary = summary ? summary_new() : NULL;
	j.style.redact = redacting ? redactor_new() : NULL;
	if (!j.buf || !j.head || (summary && !j.summary) || (redacting && !j.style.redact)) {
		warnx("out of memory");
		return EXIT_SOFTWARE;
	}
	/* a finding of --json is some 2 KB: to a file or a pipe, written 64 KiB
	 * at a time rather than stdio's 4 KiB (their write calls took a sixth
	 * of scan --json's time on a log of many failures); a terminal stays
	 * line buffered, and live input is still flushed at each finding */
	static char out_buf[1 << 16];
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
	if (j.format == TSV)
		render_tsv_header(stdout);

	if (follow)
		j.status = scan_follow(&j, argv + optind, argc - optind, from_start);
	else if (optind == argc)
		scan_path(&j, "-", 0);
	for (int i = optind; i < argc && !follow; i++)
		scan_path(&j, argv[i], 0);
	status = j.status;
	if (j.format == SUMMARY)
		summary_text(stdout, j.summary, &j.style);
	else if (j.format == SUMMARY_JSON)
		summary_json(stdout, j.summary);
	else if (j.format == SUMMARY_METRICS)
		summary_metrics(stdout, j.summary, openmetrics);
	int out = finish_output();
	summary_free(j.summary);
	redactor_free(j.style.redact);
	smtpdiag_rules_free(j.rules);
	free(j.buf);
	free(j.head);
	return out ? out : status ? status : j.worst;
}
