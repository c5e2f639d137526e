/*
 * cli_explain.c - `smtpdiag explain`: one pasted reply (or transcript) in,
 * one diagnosis out.
 *
 * The first failed reply decides; the other replies of a transcript are
 * listed after it. Input with no reply at all is matched as free text, for
 * the failures that never reach SMTP (a socket error, a time-out).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage_text[] =
	"usage: smtpdiag explain [--json] [--redact] [--client NAME] [--color WHEN]\n"
	"                        [--rules FILE] [--file FILE | REPLY...]\n"
	"\n"
	"Explain an SMTP reply: its category, cause, fix and where to change the\n"
	"setting. The reply is the arguments joined by spaces, or standard input\n"
	"when there are none (a multi-line paste or a whole transcript).\n"
	"The first failed reply decides; the others are listed.\n"
	"\n"
	"  -j, --json          one JSON object\n"
	"  -f, --file FILE     read the reply from FILE ('-': standard input)\n"
	"      --redact        addresses, IPs and host names as placeholders\n"
	"  -c, --client NAME   settings paths for this program (SMTPDIAG_CLIENT);\n"
	"                      `smtpdiag clients` lists them\n"
	"      --color WHEN    auto (default), always or never; NO_COLOR is honoured\n"
	"      --rules FILE    your own rules, tried first (SMTPDIAG_RULES; default\n"
	"                      ~/.config/smtpdiag/rules when it exists)\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit: 0 success reply, 1 no reply recognised, 2 transient failure,\n"
	"3 permanent failure, 64 usage error, 66 input file cannot be opened,\n"
	"70 internal error, 74 read or write error.\n";

static int usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	return status ? EXIT_USAGE : finish_output();
}

/* The arguments joined by spaces. */
static char *join_args(int argc, char **argv, size_t *len)
{
	size_t n = 0;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *buf = malloc(n + 1), *p = buf;
	if (!buf)
		return NULL;
	for (int i = 0; i < argc; i++) {
		size_t k = strlen(argv[i]);
		memcpy(p, argv[i], k);
		p += k;
		*p++ = ' ';
	}
	*p = '\0';
	*len = n;
	return buf;
}

/* The other replies of a transcript, one line each. */
static void list_others(FILE *f, const char *buf, size_t len, size_t chosen,
			struct redactor *redactor)
{
	struct smtpdiag_reply r;
	size_t pos = 0, n = 0;
	while (smtpdiag_parse(buf, len, &pos, &r) == 0) {
		if (r.start == chosen)
			continue;
		if (redactor)
			redact_reply(redactor, &r);
		fputs(n++ ? "            " : "Also seen:  ", f);
		if (r.code)
			fprintf(f, "%d ", r.code);
		if (r.status.cls)
			fprintf(f, "%u.%u.%u ", r.status.cls, r.status.subject, r.status.detail);
		put_text(f, r.text, r.text_len > 100 ? 100 : r.text_len);
		fputs(r.text_len > 100 ? "...\n" : "\n", f);
	}
}

/* The first failed recipient of a message, or (size_t)-1. */
static size_t first_failed(const struct smtpdiag_message *m)
{
	for (size_t i = 0; i < m->count; i++)
		if (smtpdiag_bounced_failed(&m->recipients[i]))
			return i;
	return (size_t)-1;
}

/* A bounce message: its first failed recipient explained, the others listed.
 * Returns the exit code, or -1 when the message reports no failure (then
 * the input is explained as any paste is). A person's mail (no report, no
 * automatic reply) leaves its decoded text in *text, to read should the
 * paste, header and all, say nothing: a reply that quotes a bounce. */
static int explain_message(const struct smtpdiag_rules *rules, const char *buf, size_t len,
			   const struct style *style, int json, char **text, size_t *text_len)
{
	struct smtpdiag_message m;
	struct smtpdiag_finding f;
	if (smtpdiag_message_read(buf, len, &m) != 0) {
		warnx("out of memory reading the message");
		return EXIT_SOFTWARE;
	}
	size_t first = first_failed(&m);
	if (m.kind == SMTPDIAG_MESSAGE_AUTOREPLY ||
	    (m.kind == SMTPDIAG_MESSAGE_BOUNCE && m.count && first == (size_t)-1)) {
		if (!json)
			printf("ok: %s, not a delivery failure\n",
			       m.kind == SMTPDIAG_MESSAGE_AUTOREPLY ? "an automatic reply"
								   : "a report of delivery");
		smtpdiag_message_free(&m);
		return json ? -1 : finish_output() ? EXIT_IOERR : EXIT_SUCCESS_REPLY;
	}
	if (first == (size_t)-1) {
		if (m.kind == SMTPDIAG_MESSAGE_OTHER && m.text_len && (*text = malloc(m.text_len + 1))) {
			memcpy(*text, m.text, m.text_len);
			(*text)[m.text_len] = '\0';
			*text_len = m.text_len;
		}
		smtpdiag_message_free(&m);
		return -1;
	}
	smtpdiag_message_finding(rules, &m, first, &f);
	struct place at = { "-", &f };
	if (style->redact)
		redact_finding(style->redact, &f);
	if (json) {
		render_json(stdout, &f.reply, &f.diagnosis, style, &at);
	} else {
		printf("Recipient:  ");
		put_text_str(stdout, f.recipient[0] ? f.recipient : "(not named)");
		printf(" (%s)\n", f.action);
		render_text(stdout, &f.reply, &f.diagnosis, style);
		for (size_t i = first + 1, n = 0; i < m.count; i++) {
			struct smtpdiag_finding o;
			if (!smtpdiag_bounced_failed(&m.recipients[i]))
				continue;
			smtpdiag_message_finding(rules, &m, i, &o);
			if (style->redact)
				redact_finding(style->redact, &o);
			fputs(n++ ? "            " : "Also failed: ", stdout);
			put_text_str(stdout, o.recipient);
			printf("  %s", smtpdiag_category_name(o.diagnosis.category));
			if (o.reply.code)
				printf(" %d", o.reply.code);
			if (o.reply.status.cls)
				printf(" %u.%u.%u", o.reply.status.cls, o.reply.status.subject,
				       o.reply.status.detail);
			putchar(' ');
			put_text(stdout, o.reply.text, o.reply.text_len > 80 ? 80 : o.reply.text_len);
			fputs(o.reply.text_len > 80 ? "...\n" : "\n", stdout);
		}
	}
	smtpdiag_message_free(&m);
	int status = finish_output();
	return status ? status : severity_exit(&f.diagnosis);
}

int cmd_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "file", required_argument, NULL, 'f' },
		{ "client", required_argument, NULL, 'c' },
		{ "color", required_argument, NULL, 'C' },
		{ "redact", no_argument, NULL, 'r' },
		{ "rules", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct style style = { 0 };
	int redacting = 0;
	const char *client = NULL, *color = NULL, *file = NULL, *rules_file = NULL;
	struct smtpdiag_rules *rules;
	int json = 0, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jf:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'f': file = optarg; break;
		case 'c': client = optarg; break;
		case 'C': color = optarg; break;
		case 'r': redacting = 1; break;
		case 'R': rules_file = optarg; break;
		case 'h': return usage(0);
		default: return usage(1);
		}
	}
	int k = style_choice(&style, client, color, json);
	if (k || (k = rules_choice(rules_file, &rules)) != 0)
		return k;
	if (redacting && !(style.redact = redactor_new())) {
		warnx("out of memory");
		return EXIT_SOFTWARE;
	}

	size_t len;
	char *buf;
	if (file && optind < argc) {
		warnx("give the reply as arguments or with --file, not both");
		return EXIT_USAGE;
	}
	if (file) {
		FILE *fp = strcmp(file, "-") ? fopen(file, "rb") : stdin;
		if (!fp) {
			warnx("%s: %s", file, strerror(errno));
			return EXIT_NOINPUT;
		}
		buf = read_all(fp, &len);
		if (fp != stdin)
			fclose(fp);
	} else if (optind < argc) {
		buf = join_args(argc - optind, argv + optind, &len);
	} else {
		if (isatty(STDIN_FILENO))
			fputs("Paste the reply, then press Ctrl-D:\n", stderr);
		buf = read_all(stdin, &len);
	}
	if (!buf) {
		warnx("cannot read the input: %s", strerror(errno));
		return EXIT_IOERR;
	}
	len = clean_paste(buf, len);
	buf[len] = '\0';

	char *text = NULL;
	size_t text_len = 0;
	if (smtpdiag_message_detect(buf, len)) {
		int rc = explain_message(rules, buf, len, &style, json, &text, &text_len);
		if (rc >= 0) {
			redactor_free(style.redact);
			free(buf);
			smtpdiag_rules_free(rules);
			return rc;
		}
	}
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	int found = smtpdiag_diagnose_with(rules, buf, len, &r, &d) != SMTPDIAG_ENOREPLY;
	if (!found && text && smtpdiag_diagnose_with(rules, text, text_len, &r, &d) != SMTPDIAG_ENOREPLY) {
		free(buf); /* the mail's own text, its header left out, is what tells */
		buf = text;
		len = text_len;
		text = NULL;
		found = 1;
	}
	free(text);
	if (!found) {
		warnx("no SMTP reply or mail failure recognised in the input");
		smtpdiag_rules_free(rules);
		free(buf);
		return EXIT_NO_REPLY;
	}
	size_t chosen = r.start;
	if (style.redact)
		redact_reply(style.redact, &r);
	if (json) {
		render_json(stdout, &r, &d, &style, NULL);
	} else {
		render_text(stdout, &r, &d, &style);
		if (r.code || r.status.cls)
			list_others(stdout, buf, len, chosen, style.redact);
	}
	redactor_free(style.redact);
	free(buf);
	smtpdiag_rules_free(rules);
	int status = finish_output();
	return status ? status : severity_exit(&d);
}
