/*
 * cli.h - what the smtpdiag command's files share. The command is a thin
 * layer over the library: reading input, formatting output, exit codes.
 */
#ifndef SMTPDIAG_CLI_H
#define SMTPDIAG_CLI_H

#include <stdio.h>
#include <string.h>

#include "smtpdiag.h"

/* Exit codes: a contract with scripts (README, man page). */
enum {
	EXIT_SUCCESS_REPLY = 0, /* explain: a 2xx/3xx; scan: no failure */
	EXIT_NO_REPLY = 1,      /* explain: no SMTP reply in the input */
	EXIT_TRANSIENT = 2,
	EXIT_PERMANENT = 3,
	EXIT_USAGE = 64,
	EXIT_DATAERR = 65,      /* merge: an input is not a summary */
	EXIT_NOINPUT = 66,
	EXIT_SOFTWARE = 70,
	EXIT_IOERR = 74
};

/* How output looks. */
struct style {
	int color; /* ANSI colour for category and severity */
	size_t client; /* client profile index */
	struct redactor *redact; /* --redact; or NULL */
};

/* output.c */
extern const char *progname;
void warnx(const char *fmt, ...);
/* Text as it may safely reach a terminal: control characters, escape
 * sequences and invalid UTF-8 shown as \xNN. */
void put_text(FILE *f, const char *s, size_t n);
void put_text_str(FILE *f, const char *s);
/* A JSON string (RFC 8259), quotes included; NULL prints null. Invalid UTF-8
 * becomes U+FFFD, so the output is always valid UTF-8. */
void put_json_string(FILE *f, const char *s);

/* Output gathered in memory and written to f in large pieces (a finding
 * of scan --json is some sixty pieces). */
struct out_buf {
	FILE *f;
	size_t n;
	unsigned long flushes; /* how often b was written out */
	char b[4096];
};
void ob_put_slow(struct out_buf *o, const char *s, size_t n); /* flushes first */
static inline void ob_put(struct out_buf *o, const char *s, size_t n)
{
	if (n > sizeof o->b - o->n) {
		ob_put_slow(o, s, n);
		return;
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
}
static inline void ob_puts(struct out_buf *o, const char *s) /* a literal's length is known */
{
	ob_put(o, s, strlen(s));
}
void ob_json_string(struct out_buf *o, const char *s); /* as put_json_string */
void ob_flush(struct out_buf *o);
/* Read all of a stream into a malloc'd buffer; NULL and errno on failure. */
char *read_all(FILE *f, size_t *len);
/* Flush stdout; on a write error say so and return EXIT_IOERR, else 0. */
int finish_output(void);
/* Parse --color's value and NO_COLOR/isatty into 0 or 1; -1 after a
 * message when bad. */
int color_choice(const char *when, FILE *f);
/* The client profile from --client or SMTPDIAG_CLIENT; -1 after a message
 * when the name is unknown. */
int client_choice(const char *name);
/* --client and --color into *st, colour off for output that programs read
 * (machine); 0, or EXIT_USAGE after a message. */
int style_choice(struct style *st, const char *client, const char *color, int machine);

/* Where scan found a reply. */
struct place {
	const char *source; /* file name, or "-" */
	const struct smtpdiag_finding *finding;
};

/* paste_clean.c: buf[0, len) with plain spaces for tabs and no-break
 * spaces, and without the quote marks or indentation that all its lines
 * share; its new length. */
size_t clean_paste(char *buf, size_t len);

/* render.c */
void render_text(FILE *f, const struct smtpdiag_reply *r,
		 const struct smtpdiag_diagnosis *d, const struct style *st);
/* The JSON object of README.md; with `at` (scan) also source, line, time, recipient,
 * sender, command and host. */
void render_json(FILE *f, const struct smtpdiag_reply *r,
		 const struct smtpdiag_diagnosis *d, const struct style *st,
		 const struct place *at);
/* scan's one line per finding, and its TSV rows. */
void render_line(FILE *f, const struct place *at, const struct style *st);
void render_tsv_header(FILE *f);
void render_tsv(FILE *f, const struct place *at);
/* The exit code that a diagnosis calls for. */
int severity_exit(const struct smtpdiag_diagnosis *d);

/* cli_rules.c: the user's rules from --rules FILE (or NULL), SMTPDIAG_RULES
 * or the configuration directory. 0 with *rules set (NULL when there are
 * none), or an exit code after a message. */
int rules_choice(const char *path, struct smtpdiag_rules **rules);

/* cli_explain.c */
int cmd_explain(int argc, char **argv);

/* cli_codes.c */
int cmd_codes(int argc, char **argv);
int cmd_clients(int argc, char **argv);

/* cli_scan.c */
int cmd_scan(int argc, char **argv);

/* strmap.c: strings to numbers. strmap_value gives the number for key,
 * adding it as 0 when new; NULL when out of memory. The number stays at
 * that address until a new key is added (strmap_size grows). */
struct strmap_entry {
	char *key;
	uint64_t value;
};
struct strmap;
struct strmap *strmap_new(void);
void strmap_free(struct strmap *m);
uint64_t *strmap_value(struct strmap *m, const char *key);
size_t strmap_size(const struct strmap *m);
/* Copy every entry into out (room for strmap_size); returns how many. */
size_t strmap_entries(const struct strmap *m, struct strmap_entry *out);

/* redact.c: e-mail addresses, IP addresses and host names replaced by stable
 * placeholders (the same original, the same placeholder, for one run). */
struct redactor;
struct redactor *redactor_new(void);
void redactor_free(struct redactor *r);
/* Copy s into out (cap bytes, NUL-terminated), redacted. */
void redact(struct redactor *r, const char *s, char *out, size_t cap);
/* Redact a reply's text and host; a finding's also its addresses. */
void redact_reply(struct redactor *r, struct smtpdiag_reply *reply);
void redact_finding(struct redactor *r, struct smtpdiag_finding *f);

/* summary.c: counts of findings that add up across pieces of a log. */
struct summary;
struct summary *summary_new(void);
void summary_free(struct summary *s);
void summary_add(struct summary *s, const struct smtpdiag_finding *f);
void summary_lines(struct summary *s, uint64_t lines, uint64_t bytes);
/* Add another summary's counts. */
void summary_add_summary(struct summary *s, const struct summary *other);
/* Add a summary written by summary_json; 0, or -1 when it is not one. */
int summary_merge(struct summary *s, const char *json, size_t len);
void summary_json(FILE *f, const struct summary *s);
void summary_text(FILE *f, const struct summary *s, const struct style *st);
/* The counts as counters of the Prometheus text format, or of OpenMetrics. */
void summary_metrics(FILE *f, const struct summary *s, int openmetrics);
/* 0 no failure, EXIT_TRANSIENT, EXIT_PERMANENT. */
int summary_exit(const struct summary *s);
int cmd_merge(int argc, char **argv);

#endif
