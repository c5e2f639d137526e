/*
 * cli_codes.c - `smtpdiag codes` browses the knowledge base: a basic code, an
 * enhanced status code, or every entry and rule that mentions a word; and
 * `smtpdiag clients` lists the client profiles.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
	"usage: smtpdiag codes [--json] [--rules FILE] [CODE | X.Y.Z | WORD]\n"
	"\n"
	"Look up a basic reply code (550), an enhanced status code (5.7.1 or\n"
	"X.7.1) with the rules that name it, or every code, status and rule whose\n"
	"id, provider, category, meaning or cause contains WORD (any case).\n"
	"Without an argument, list everything. Your own rules come first.\n"
	"\n"
	"  -j, --json      one JSON object per entry\n"
	"      --rules FILE  your own rules (SMTPDIAG_RULES; default\n"
	"                  ~/.config/smtpdiag/rules when it exists)\n"
	"  -h, --help      this text\n"
	"\n"
	"Exit: 0 something found, 1 nothing found, 64 usage error, 74 write error.\n";

static const char clients_usage[] =
	"usage: smtpdiag clients [--json]\n"
	"\n"
	"List the client profiles that --client and SMTPDIAG_CLIENT choose from.\n"
	"\n"
	"  -j, --json   one JSON object per profile\n"
	"  -h, --help   this text\n"
	"\n"
	"Exit: 0, 64 usage error, 74 write error.\n";

/* What the argument asks for. */
struct query {
	int code;                      /* 0: not a code */
	int exact;                     /* the code has an entry of its own */
	struct smtpdiag_status status; /* subject 0 and cls 0: not a status */
	int is_status;
	const char *word;              /* NULL: everything */
};

static int parse_query(const char *arg, struct query *q)
{
	memset(q, 0, sizeof *q);
	if (!arg)
		return 0;
	size_t n = strlen(arg);
	if (n == 3 && arg[0] >= '2' && arg[0] <= '5' && strspn(arg, "0123456789") == 3) {
		struct smtpdiag_entry e;
		q->code = atoi(arg);
		for (size_t i = 0; smtpdiag_entry_at(SMTPDIAG_KIND_CODE, i, &e) == 0; i++)
			q->exact |= e.code == q->code;
		return 0;
	}
	if (n >= 5 && (arg[0] == 'X' || arg[0] == 'x')) {
		char tmp[16];
		snprintf(tmp, sizeof tmp, "5%s", arg + 1);
		if (smtpdiag_status_parse(tmp, strlen(tmp), &q->status) == 0) {
			q->status.cls = 0;
			q->is_status = 1;
			return 0;
		}
	}
	if (smtpdiag_status_parse(arg, n, &q->status) == 0) {
		q->is_status = 1;
		return 0;
	}
	q->word = arg;
	return 0;
}

/* Case-insensitive (ASCII) substring. */
static int contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; hay && *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

static int same_status(struct smtpdiag_status a, struct smtpdiag_status b)
{
	return a.subject == b.subject && a.detail == b.detail && (!a.cls || !b.cls || a.cls == b.cls);
}

static int matches(enum smtpdiag_kind kind, const struct smtpdiag_entry *e, const struct query *q)
{
	if (q->code) {
		if (kind == SMTPDIAG_KIND_CODE) /* its class only when it has no entry */
			return e->code == q->code || (!q->exact && e->code == q->code / 100);
		for (size_t i = 0; kind == SMTPDIAG_KIND_RULE && i < e->ncodes; i++)
			if (e->codes[i] == q->code)
				return 1;
		return 0;
	}
	if (q->is_status) {
		if (kind == SMTPDIAG_KIND_STATUS)
			return same_status(e->status, q->status);
		for (size_t i = 0; kind == SMTPDIAG_KIND_RULE && i < e->nstatuses; i++)
			if (same_status(e->statuses[i], q->status))
				return 1;
		return 0;
	}
	if (!q->word)
		return 1;
	return contains(e->rule, q->word) || contains(e->provider, q->word) ||
	       contains(smtpdiag_category_name(e->category), q->word) ||
	       contains(e->meaning, q->word) || contains(e->cause, q->word);
}

static void put_status(FILE *f, struct smtpdiag_status st)
{
	if (st.cls)
		fprintf(f, "%u.%u.%u", st.cls, st.subject, st.detail);
	else
		fprintf(f, "X.%u.%u", st.subject, st.detail);
}

static void put_entry_text(FILE *f, enum smtpdiag_kind kind, const struct smtpdiag_entry *e)
{
	const char *cat = smtpdiag_category_name(e->category);
	switch (kind) {
	case SMTPDIAG_KIND_CODE:
		if (e->code < 10)
			fprintf(f, "code    %dxx    %-11s %s\n", e->code, cat, e->meaning);
		else
			fprintf(f, "code    %-6d %-11s %s\n", e->code, cat, e->meaning);
		break;
	case SMTPDIAG_KIND_STATUS:
		fputs("status  ", f);
		put_status(f, e->status);
		fprintf(f, "%*s%-11s %s\n", e->status.detail >= 100 ? 1 : e->status.detail >= 10 ? 2 : 3,
			"", cat, e->meaning);
		break;
	case SMTPDIAG_KIND_RULE:
		fprintf(f, "rule    %-40s %-11s %s", e->rule, cat, e->provider ? e->provider : "-");
		for (size_t i = 0; i < e->ncodes; i++)
			e->codes[i] ? fprintf(f, " %d", e->codes[i]) : fputs(" (no reply)", f);
		for (size_t i = 0; i < e->nstatuses; i++) {
			fputc(' ', f);
			put_status(f, e->statuses[i]);
		}
		fputc('\n', f);
		break;
	}
}

static void put_entry_json(FILE *f, enum smtpdiag_kind kind, const struct smtpdiag_entry *e)
{
	static const char *const kinds[] = { "code", "status", "rule" };
	fprintf(f, "{\"kind\":\"%s\",\"code\":", kinds[kind]);
	if (kind == SMTPDIAG_KIND_CODE && e->code >= 100)
		fprintf(f, "%d", e->code);
	else if (kind == SMTPDIAG_KIND_CODE)
		fprintf(f, "\"%dxx\"", e->code);
	else
		fputs("null", f);
	fputs(",\"status\":", f);
	if (kind == SMTPDIAG_KIND_STATUS) {
		fputc('"', f);
		put_status(f, e->status);
		fputc('"', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"rule\":", f);
	put_json_string(f, e->rule);
	fputs(",\"provider\":", f);
	put_json_string(f, e->provider);
	fputs(",\"category\":", f);
	put_json_string(f, smtpdiag_category_name(e->category));
	fputs(",\"meaning\":", f);
	put_json_string(f, e->meaning);
	fputs(",\"cause\":", f);
	put_json_string(f, e->cause);
	fputs(",\"codes\":[", f); /* a rule's constraints; empty for the others */
	for (size_t i = 0; i < e->ncodes; i++)
		e->codes[i] ? fprintf(f, "%s%d", i ? "," : "", e->codes[i])
			    : fprintf(f, "%s\"none\"", i ? "," : "");
	fputs("],\"statuses\":[", f);
	for (size_t i = 0; i < e->nstatuses; i++) {
		fputs(i ? ",\"" : "\"", f);
		put_status(f, e->statuses[i]);
		fputc('"', f);
	}
	fputs("]}\n", f);
}

int cmd_codes(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "rules", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rules_file = NULL;
	struct smtpdiag_rules *rules;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'R': rules_file = optarg; break;
		case 'h': fputs(usage_text, stdout); return finish_output();
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if ((c = rules_choice(rules_file, &rules)) != 0)
		return c;
	struct query q;
	parse_query(optind < argc ? argv[optind] : NULL, &q);
	size_t found = 0, nuser = smtpdiag_rules_count(rules);
	for (int kind = SMTPDIAG_KIND_CODE; kind <= SMTPDIAG_KIND_RULE; kind++) {
		struct smtpdiag_entry e;
		/* rules: the user's first, as they win */
		for (size_t i = 0;; i++) {
			int user = kind == SMTPDIAG_KIND_RULE && i < nuser;
			if ((user ? smtpdiag_rules_entry_at(rules, i, &e)
				  : smtpdiag_entry_at((enum smtpdiag_kind)kind,
						      i - (kind == SMTPDIAG_KIND_RULE) * nuser, &e)) != 0)
				break;
			if (!matches((enum smtpdiag_kind)kind, &e, &q))
				continue;
			found++;
			if (json)
				put_entry_json(stdout, (enum smtpdiag_kind)kind, &e);
			else
				put_entry_text(stdout, (enum smtpdiag_kind)kind, &e);
		}
	}
	int out = finish_output();
	smtpdiag_rules_free(rules);
	return out ? out : found ? 0 : EXIT_NO_REPLY;
}

int cmd_clients(int argc, char **argv)
{
	int json = argc > 1 && (!strcmp(argv[1], "--json") || !strcmp(argv[1], "-j"));
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(clients_usage, stdout);
		return finish_output();
	}
	if (argc > 1 + json) {
		fputs(clients_usage, stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < smtpdiag_client_count(); i++) {
		if (json) {
			fputs("{\"id\":", stdout);
			put_json_string(stdout, smtpdiag_client_id(i));
			fputs(",\"name\":", stdout);
			put_json_string(stdout, smtpdiag_client_name(i));
			fputs("}\n", stdout);
		} else {
			printf("%-12s %s\n", smtpdiag_client_id(i), smtpdiag_client_name(i));
		}
	}
	return finish_output();
}
