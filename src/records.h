/*
 * records.h - the record format of data/README.md.
 *
 * One reader for the table generator (data/, at build time) and for
 * smtpdiag_rules_load (a user's rules file, at run time), so the two read one
 * syntax with one set of checks.
 */
#ifndef SMTPDIAG_RECORDS_H
#define SMTPDIAG_RECORDS_H

#include <stdint.h>

#include "internal.h"
#include "kb_format.h"

#define SMTPDIAG__MIN_PHRASE_LEN 4
#define SMTPDIAG__MIN_PART_LEN 3 /* a part of a phrase: "spf ... fail" */
#define SMTPDIAG__MAX_TEXT_LEN 4000 /* keeps each generated literal portable */
#define SMTPDIAG__MAX_CODES 32      /* codes, or statuses, in one rule */
#define SMTPDIAG__MAX_PHRASE_LINES 64 /* phrase lines in one words record */

struct smtpdiag__field {
	const char *name; /* the spec table's string */
	char *value;
	int line;
};

struct smtpdiag__record {
	const char *file;
	int line;
	const char *kind; /* "rule", "code", ... */
	char *id;
	struct smtpdiag__field *fields; /* valid once the file is read */
	size_t first, nfields;          /* its run in the set's fields */
};

/* The records read so far, and where problems are reported. */
struct smtpdiag__records {
	struct smtpdiag__record *rec;
	size_t nrec, rec_cap;
	struct smtpdiag__field *field;
	size_t nfield, field_cap;
	int nerrors;
	void (*report)(void *ctx, const char *file, int line, const char *msg);
	void *ctx;
};

/*
 * Read buf[0, len) of `file` into set. Works in place: every id and value
 * becomes a NUL-terminated string inside buf (a value is never longer than
 * the lines it came from), so buf must outlive the records. Problems are
 * reported and counted in set->nerrors; returns 0, or SMTPDIAG_ENOMEM.
 */
int smtpdiag__read_records(struct smtpdiag__records *set, const char *file,
			   char *buf, size_t len);
void smtpdiag__records_free(struct smtpdiag__records *set);

/* Report "file:line: message" through set->report and count it. */
void smtpdiag__record_error(struct smtpdiag__records *set, const char *file,
			    int line, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

/* The first field named `name` (and how many there are), or NULL. */
struct smtpdiag__field *smtpdiag__get(const struct smtpdiag__record *r,
				      const char *name, size_t *count);

/* Check how often each field appears, and the values' lengths. */
void smtpdiag__check_counts(struct smtpdiag__records *set,
			    const struct smtpdiag__record *r);

/* Lower-case letters, digits, '-', '.', '_'; not empty. */
int smtpdiag__valid_id(const char *s);

/* "550" gives 550, "5xx" gives 5; -1 when s is neither. */
int smtpdiag__parse_code(const char *s);
/* "5.7.1"; with allow_x also the registry's "X.7.1" (cls 0). 0 or -1. */
int smtpdiag__parse_status(const char *s, int allow_x, struct smtpdiag_status *st);

/* The value of an enum-valued field (category, who, severity), or -1 when
 * the field is absent or unknown (then reported). */
int smtpdiag__field_enum(struct smtpdiag__records *set, const struct smtpdiag__record *r,
			 const char *field, const char *(*name)(int), int count,
			 const char *what);
/* A severity field (severity, alone): transient or permanent; -1 when
 * unknown (then reported), SMTPDIAG__SEVERITY_FROM_CODE when absent. */
int smtpdiag__field_severity(struct smtpdiag__records *set, const struct smtpdiag__record *r,
			     const char *field);
const char *smtpdiag__category_id(int i);
const char *smtpdiag__who_id(int i);
const char *smtpdiag__severity_id(int i);

/* Fold each " | " alternative of a match or marker field in place, as the
 * matcher folds text (case, white space runs): f->value then holds them one
 * after another, each NUL-terminated. Returns how many; a phrase shorter
 * than SMTPDIAG__MIN_PHRASE_LEN is reported. */
size_t smtpdiag__fold_alternatives(struct smtpdiag__records *set,
				   const struct smtpdiag__record *r,
				   struct smtpdiag__field *f);

/* cause, fix, ref and settings of a record, decoded. */
struct smtpdiag__advice_def {
	const char *cause;
	size_t nfix, nrefs, nsettings;
	const char *fix[SMTPDIAG_MAX_STEPS];
	const char *refs[SMTPDIAG_MAX_REFS];
	uint8_t settings[SMTPDIAG_MAX_SETTINGS];
};

/* A rule record decoded and checked; its match fields are left as read. */
struct smtpdiag__rule_def {
	int category, who, severity; /* SMTPDIAG__SEVERITY_FROM_CODE: none */
	int wrapper;                 /* `wrapper yes`: words decide first */
	int general;                 /* `general yes`: longer words decide over it */
	const char *provider;        /* the provider id it names, or NULL */
	size_t ncodes, nstatuses, nslots;
	uint16_t codes[SMTPDIAG__MAX_CODES];
	struct smtpdiag_status statuses[SMTPDIAG__MAX_CODES];
	struct smtpdiag__field *match[SMTPDIAG__MAX_SLOTS];
	struct smtpdiag__advice_def advice;
};

void smtpdiag__decode_advice(struct smtpdiag__records *set,
			     const struct smtpdiag__record *r,
			     struct smtpdiag__advice_def *a);
void smtpdiag__decode_rule(struct smtpdiag__records *set,
			   const struct smtpdiag__record *r,
			   struct smtpdiag__rule_def *def);

#endif
