/*
 * cli.h - what the smtpdiag command's files share. The command is a thin
 * layer over the library: reading input, formatting output, exit codes.
 */
#ifndef SMTPDIAG_CLI_H
#define SMTPDIAG_CLI_H

#include <stdio.h>

#include "smtpdiag.h"

/* Exit codes: a contract with scripts (README, man page). */
enum {
	EXIT_SUCCESS_REPLY = 0, /* explain: a 2xx/3xx; scan: no failure */
	EXIT_NO_REPLY = 1,      /* explain: no SMTP reply in the input */
	EXIT_TRANSIENT = 2,
	EXIT_PERMANENT = 3,
	EXIT_USAGE = 64,
	EXIT_NOINPUT = 66,
	EXIT_SOFTWARE = 70,
	EXIT_IOERR = 74
};

/* How output looks. */
struct style {
	int color; /* ANSI colour for category and severity */
	size_t client; /* client profile index */
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
/* Read all of a stream into a malloc'd buffer; NULL and errno on failure. */
char *read_all(FILE *f, size_t *len);
/* Flush stdout; on a write error say so and return EXIT_IOERR, else 0. */
int finish_output(void);
/* Parse --color's value and NO_COLOR/isatty into 0 or 1; -1 when bad. */
int color_choice(const char *when, FILE *f);
/* The client profile from --client or SMTPDIAG_CLIENT; -1 after a message
 * when the name is unknown. */
int client_choice(const char *name);

/* render.c */
void render_text(FILE *f, const struct smtpdiag_reply *r,
		 const struct smtpdiag_diagnosis *d, const struct style *st);
void render_json(FILE *f, const struct smtpdiag_reply *r,
		 const struct smtpdiag_diagnosis *d, const struct style *st);
/* The exit code that a diagnosis calls for. */
int severity_exit(const struct smtpdiag_diagnosis *d);

/* cli_explain.c */
int cmd_explain(int argc, char **argv);

#endif
