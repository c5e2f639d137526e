/*
 * render.c - one diagnosis as readable text or as a JSON object.
 *
 * The JSON object has exactly the fields of DESIGN.md, null where unknown;
 * the text puts what to do first and the raw facts last.
 */
#include <string.h>

#include "cli.h"

#define BOLD "\033[1m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

/* What follows a reply's text that was cut to SMTPDIAG_TEXT_MAX - 1 bytes. */
#define CUT_MARK " [cut]"

int severity_exit(const struct smtpdiag_diagnosis *d)
{
	switch (d->severity) {
	case SMTPDIAG_SUCCESS: return EXIT_SUCCESS_REPLY;
	case SMTPDIAG_TRANSIENT: return EXIT_TRANSIENT;
	case SMTPDIAG_PERMANENT: return EXIT_PERMANENT;
	case SMTPDIAG_SEVERITY_COUNT: break;
	}
	return EXIT_SOFTWARE;
}

static const char *who_says(enum smtpdiag_who w)
{
	switch (w) {
	case SMTPDIAG_WHO_YOU: return "you can fix it";
	case SMTPDIAG_WHO_POSTMASTER: return "the domain's postmaster must act";
	case SMTPDIAG_WHO_PROVIDER: return "the mail provider must act";
	case SMTPDIAG_WHO_RECIPIENT: return "it is on the recipient's side";
	case SMTPDIAG_WHO_NOBODY: return "wait and retry";
	case SMTPDIAG_WHO_COUNT: break;
	}
	return "";
}

/* An unsigned number, without printf's parsing of a format. */
static void put_number(FILE *f, unsigned long long v)
{
	char buf[24], *p = buf + sizeof buf;
	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	fputs(p, f);
}

static void put_status(FILE *f, struct smtpdiag_status st)
{
	put_number(f, st.cls);
	fputc('.', f);
	put_number(f, st.subject);
	fputc('.', f);
	put_number(f, st.detail);
}

void render_text(FILE *f, const struct smtpdiag_reply *r,
		 const struct smtpdiag_diagnosis *d, const struct style *st)
{
	const char *sev = smtpdiag_severity_name(d->severity);
	const char *hue = d->severity == SMTPDIAG_SUCCESS     ? GREEN
			  : d->severity == SMTPDIAG_TRANSIENT ? YELLOW
							      : RED;
	const char *who = d->severity == SMTPDIAG_SUCCESS ? "nothing to do" : who_says(d->who);
	if (st->color)
		fprintf(f, BOLD "%s%s" RESET " (%s): %s%s" RESET ", %s\n",
			hue, smtpdiag_category_name(d->category),
			smtpdiag_category_title(d->category), hue, sev, who);
	else
		fprintf(f, "%s (%s): %s, %s\n", smtpdiag_category_name(d->category),
			smtpdiag_category_title(d->category), sev, who);
	if (d->severity_overridden)
		fprintf(f, "  (the provider documents this as %s, unlike the code's class)\n", sev);
	if (d->cause) {
		fputs("  ", f);
		put_text_str(f, d->cause);
		fputc('\n', f);
	}
	if (d->nfix) {
		fputs("\nHow to fix it:\n", f);
		for (size_t i = 0; i < d->nfix; i++) {
			fprintf(f, "  %zu. ", i + 1);
			put_text_str(f, d->fix[i]);
			fputc('\n', f);
		}
	}
	if (d->nsettings) {
		fprintf(f, "\nWhere to change it (%s):\n", smtpdiag_client_name(st->client));
		for (size_t i = 0; i < d->nsettings; i++) {
			fprintf(f, "  %-20s ", smtpdiag_setting_name(d->settings[i]));
			put_text_str(f, smtpdiag_setting_where(st->client, d->settings[i]));
			fputc('\n', f);
		}
	}
	fputc('\n', f);
	fputs("Reply:      ", f);
	if (r->code)
		fprintf(f, "%d%s", r->code, r->status.cls || r->text_len ? " " : "");
	if (r->status.cls) {
		put_status(f, r->status);
		if (r->text_len)
			fputc(' ', f);
	}
	put_text(f, r->text, r->text_len);
	fputs(r->truncated ? CUT_MARK "\n" : "\n", f);
	if (r->host[0]) {
		fputs("Server:     ", f);
		put_text_str(f, r->host);
		if (r->port)
			fprintf(f, ":%d", r->port);
		fputc('\n', f);
	}
	if (r->code)
		fprintf(f, "Code:       %d  %s\n", r->code,
			d->code_meaning ? d->code_meaning : "(not defined by the RFCs)");
	if (r->status.cls) {
		fputs("Status:     ", f);
		put_status(f, r->status);
		fprintf(f, "  %s\n", d->status_meaning ? d->status_meaning
						       : "(not in the IANA registry)");
	}
	if (d->provider_name)
		fprintf(f, "Provider:   %s\n", d->provider_name);
	fputs("Decided by: ", f);
	if (d->rule)
		fprintf(f, "text rule %s\n", d->rule);
	else if (!r->code && !r->status.cls)
		fputs("nothing: no code, status or known words were given\n", f);
	else
		fprintf(f, "the %s alone\n", d->matched_by == SMTPDIAG_BY_STATUS
						     ? "enhanced status code"
						     : "reply code");
	for (size_t i = 0; i < d->nrefs; i++)
		fprintf(f, "%s%s\n", i ? "            " : "See:        ", d->refs[i]);
}

/* A finding is gathered in memory (some sixty pieces) and written whole. */
static inline void json_key(struct out_buf *o, const char *key, int first)
{
	ob_puts(o, first ? "{\"" : ",\"");
	ob_puts(o, key);
	ob_put(o, "\":", 2);
}

static void json_strings(struct out_buf *o, const char *const *v, size_t n)
{
	ob_put(o, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			ob_put(o, ",", 1);
		ob_json_string(o, v[i]);
	}
	ob_put(o, "]", 1);
}

/* A string field that is null when empty; its key, quoted and after its
 * comma, is one piece of literal text. */
#define JSON_OPT(o, key, value) json_opt(o, ",\"" key "\":", sizeof ",\"" key "\":" - 1, value)
static inline void json_opt(struct out_buf *o, const char *key, size_t n, const char *value)
{
	ob_put(o, key, n);
	if (value && *value)
		ob_json_string(o, value);
	else
		ob_put(o, "null", 4);
}

static void json_number(struct out_buf *o, unsigned long long v)
{
	char buf[24], *p = buf + sizeof buf;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	ob_put(o, p, (size_t)(buf + sizeof buf - p));
}

/* The diagnosis's fields of a finding, "provider" to "references". */
static void json_diagnosis_new(struct out_buf *o, const struct smtpdiag_diagnosis *d,
			       const struct style *st)
{
	json_key(o, "provider", 0);
	ob_json_string(o, d->provider);
	json_key(o, "category", 0);
	ob_json_string(o, smtpdiag_category_name(d->category));
	json_key(o, "severity", 0);
	ob_json_string(o, smtpdiag_severity_name(d->severity));
	json_key(o, "who", 0);
	ob_json_string(o, smtpdiag_who_name(d->who));
	json_key(o, "rule", 0);
	ob_json_string(o, d->rule);
	json_key(o, "matched_by", 0);
	ob_json_string(o, smtpdiag_matched_by_name(d->matched_by));
	json_key(o, "cause", 0);
	ob_json_string(o, d->cause);
	json_key(o, "fix", 0);
	json_strings(o, d->fix, d->nfix);
	json_key(o, "settings", 0);
	ob_put(o, "[", 1);
	for (size_t i = 0; i < d->nsettings; i++) {
		ob_puts(o, i ? ",{\"key\":" : "{\"key\":");
		ob_json_string(o, smtpdiag_setting_name(d->settings[i]));
		ob_puts(o, ",\"where\":");
		ob_json_string(o, smtpdiag_setting_where(st->client, d->settings[i]));
		ob_put(o, "}", 1);
	}
	ob_put(o, "]", 1);
	json_key(o, "code_meaning", 0);
	ob_json_string(o, d->code_meaning);
	json_key(o, "status_meaning", 0);
	ob_json_string(o, d->status_meaning);
	json_key(o, "references", 0);
	json_strings(o, d->refs, d->nrefs);
}

/* The diagnosis's fields as written last for the same diagnosis and client
 * profile, on this thread: a log's findings share a few diagnoses, and these
 * are most of a finding's JSON (cause, fix, settings, meanings), escaped
 * anew each time otherwise. The diagnosis is compared whole: its strings are
 * the library's tables (or the rules', loaded once a run), so equal pointers
 * are equal text. A diagnosis may stand in either of two slots, so that two
 * frequent ones whose hashes meet do not push each other out at every
 * finding (two of the bench log's seven did so, at one finding of three). */
enum { FRAG_SLOTS = 32, FRAG_MAX = 2048 };
struct frag {
	struct smtpdiag_diagnosis d;
	size_t client;
	size_t n;           /* 0 for a slot never filled */
	unsigned long used; /* when last written, to refill the older of two */
	char b[FRAG_MAX];
};
static _Thread_local struct frag frags[FRAG_SLOTS];
static _Thread_local unsigned long frag_clock;

static int frag_holds(const struct frag *fr, const struct smtpdiag_diagnosis *d, size_t client)
{
	return fr->n && fr->client == client && !memcmp(&fr->d, d, sizeof *d);
}

static void json_diagnosis(struct out_buf *o, const struct smtpdiag_diagnosis *d,
			   const struct style *st)
{
	uint64_t h = ((uint64_t)(uintptr_t)d->cause ^ (uint64_t)(uintptr_t)d->rule << 7 ^
		      (uint64_t)(uintptr_t)d->status_meaning << 13 ^ d->category ^
		      (uint64_t)d->severity << 8 ^ st->client << 16) * 0x9e3779b97f4a7c15u;
	struct frag *a = &frags[h >> 59], *b = &frags[h >> 54 & 31];
	_Static_assert(FRAG_SLOTS == 32, "h >> 59 and h >> 54 & 31 pick slots of 32");
	struct frag *fr = frag_holds(a, d, st->client) ? a : frag_holds(b, d, st->client) ? b : NULL;
	if (fr) {
		fr->used = ++frag_clock;
		ob_put(o, fr->b, fr->n);
		return;
	}
	fr = b->used < a->used ? b : a;
	if (sizeof o->b - o->n < FRAG_MAX) /* the fragment whole in o->b */
		ob_flush(o);
	size_t at = o->n;
	unsigned long flushes = o->flushes;
	json_diagnosis_new(o, d, st);
	if (o->flushes == flushes && o->n - at <= FRAG_MAX) {
		memcpy(&fr->d, d, sizeof *d);
		fr->client = st->client;
		fr->n = o->n - at;
		fr->used = ++frag_clock;
		memcpy(fr->b, o->b + at, fr->n);
	}
}

void render_json(FILE *f, const struct smtpdiag_reply *r,
		 const struct smtpdiag_diagnosis *d, const struct style *st,
		 const struct place *at)
{
	struct out_buf ob, *o = &ob;
	ob.f = f;
	ob.n = 0;
	ob.flushes = 0;
	json_key(o, "code", 1);
	if (r->code)
		json_number(o, (unsigned)r->code);
	else
		ob_puts(o, "null");
	json_key(o, "status", 0);
	if (r->status.cls) {
		ob_put(o, "\"", 1);
		json_number(o, r->status.cls);
		ob_put(o, ".", 1);
		json_number(o, r->status.subject);
		ob_put(o, ".", 1);
		json_number(o, r->status.detail);
		ob_put(o, "\"", 1);
	} else {
		ob_puts(o, "null");
	}
	json_key(o, "text", 0);
	if (r->truncated) { /* marked as in text output */
		char cut[SMTPDIAG_TEXT_MAX + sizeof CUT_MARK];
		snprintf(cut, sizeof cut, "%s%s", r->text, CUT_MARK);
		ob_json_string(o, cut);
	} else {
		ob_json_string(o, r->text);
	}
	json_diagnosis(o, d, st);
	if (at) {
		const struct smtpdiag_finding *x = at->finding;
		JSON_OPT(o, "source", at->source);
		ob_puts(o, ",\"line\":");
		json_number(o, x->line);
		JSON_OPT(o, "time", x->time);
		JSON_OPT(o, "recipient", x->recipient);
		JSON_OPT(o, "sender", x->sender);
		JSON_OPT(o, "command", r->command);
		JSON_OPT(o, "host", r->host);
		if (x->action[0] || x->message_id[0] || x->original_message_id[0] ||
		    x->original_from[0] || x->original_subject[0]) {
			JSON_OPT(o, "action", x->action);
			JSON_OPT(o, "message_id", x->message_id);
			JSON_OPT(o, "original_message_id", x->original_message_id);
			JSON_OPT(o, "original_from", x->original_from);
			JSON_OPT(o, "original_subject", x->original_subject);
		} else { /* a log's finding: only a bounce message says these */
			ob_puts(o, ",\"action\":null,\"message_id\":null,\"original_message_id\":null,"
				   "\"original_from\":null,\"original_subject\":null");
		}
	}
	ob_put(o, "}\n", 2);
	ob_flush(o);
}

void render_line(FILE *f, const struct place *at, const struct style *st)
{
	const struct smtpdiag_finding *x = at->finding;
	const struct smtpdiag_reply *r = &x->reply;
	const struct smtpdiag_diagnosis *d = &x->diagnosis;
	put_text_str(f, at->source);
	fprintf(f, ":%llu: ", (unsigned long long)x->line);
	if (st->color)
		fprintf(f, "%s%s %s" RESET, d->severity == SMTPDIAG_TRANSIENT ? YELLOW : RED,
			smtpdiag_category_name(d->category), smtpdiag_severity_name(d->severity));
	else
		fprintf(f, "%s %s", smtpdiag_category_name(d->category),
			smtpdiag_severity_name(d->severity));
	if (r->code)
		fprintf(f, " %d", r->code);
	if (r->status.cls) {
		fputc(' ', f);
		put_status(f, r->status);
	}
	if (x->recipient[0]) {
		fputs(" <", f);
		put_text_str(f, x->recipient);
		fputc('>', f);
	}
	fputc(' ', f);
	put_text(f, r->text, r->text_len);
	if (r->truncated)
		fputs(CUT_MARK, f);
	if (d->rule)
		fprintf(f, " [%s]", d->rule);
	fputc('\n', f);
}

/* A TSV field: tabs and line breaks would break the row, so they become
 * spaces; every other byte but printable ASCII is escaped as \xNN (as
 * put_text escapes a byte given alone). Runs of printable ASCII are
 * written whole. */
static void tsv_field(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = 0;
		while (p[n] >= 0x20 && p[n] < 0x7f)
			n++;
		if (n) {
			fwrite(p, 1, n, f);
			p += n;
		} else if (*p == '\t' || *p == '\n' || *p == '\r') {
			fputc(' ', f);
			p++;
		} else {
			put_text(f, (const char *)p++, 1);
		}
	}
}

void render_tsv_header(FILE *f)
{
	fputs("source\tline\ttime\tcategory\tseverity\twho\tcode\tstatus\trule\t"
	      "recipient\tsender\tcommand\thost\ttext\taction\tmessage_id\t"
	      "original_message_id\toriginal_from\toriginal_subject\n", f);
}

void render_tsv(FILE *f, const struct place *at)
{
	const struct smtpdiag_finding *x = at->finding;
	const struct smtpdiag_reply *r = &x->reply;
	const struct smtpdiag_diagnosis *d = &x->diagnosis;
	tsv_field(f, at->source);
	fprintf(f, "\t%llu\t", (unsigned long long)x->line);
	tsv_field(f, x->time);
	fprintf(f, "\t%s\t%s\t%s\t", smtpdiag_category_name(d->category),
		smtpdiag_severity_name(d->severity), smtpdiag_who_name(d->who));
	if (r->code)
		fprintf(f, "%d", r->code);
	fputc('\t', f);
	if (r->status.cls)
		put_status(f, r->status);
	fprintf(f, "\t%s\t", d->rule ? d->rule : "");
	tsv_field(f, x->recipient);
	fputc('\t', f);
	tsv_field(f, x->sender);
	fputc('\t', f);
	tsv_field(f, r->command);
	fputc('\t', f);
	tsv_field(f, r->host);
	fputc('\t', f);
	tsv_field(f, r->text);
	if (r->truncated)
		fputs(CUT_MARK, f);
	const char *more[] = { x->action, x->message_id, x->original_message_id,
			       x->original_from, x->original_subject };
	for (size_t i = 0; i < sizeof more / sizeof *more; i++) {
		fputc('\t', f);
		tsv_field(f, more[i]);
	}
	fputc('\n', f);
}
