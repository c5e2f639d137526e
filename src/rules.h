/*
 * rules.h - a user's rules as smtpdiag_rules_load keeps them, for the
 * classifier. Internal.
 */
#ifndef SMTPDIAG_RULES_H
#define SMTPDIAG_RULES_H

#include "records.h"

/* Match or marker lines: line i holds nalts[i] folded phrases, one after
 * another from line[i]->value, each NUL-terminated (fold_alternatives). */
struct smtpdiag__phrase_lines {
	size_t n;
	const struct smtpdiag__field *line[SMTPDIAG__MAX_SLOTS];
	size_t nalts[SMTPDIAG__MAX_SLOTS];
};

struct smtpdiag__user_provider {
	const char *id, *name;
	struct smtpdiag__phrase_lines markers; /* any one of them will do */
};

struct smtpdiag__user_rule {
	const char *id;
	struct smtpdiag__rule_def def;
	struct smtpdiag__phrase_lines match; /* each line must match */
	/* its provider: a built-in index + 1, or 0 and user_provider */
	int builtin_provider;
	const struct smtpdiag__user_provider *user_provider;
};

struct smtpdiag_rules {
	char *text; /* the file's copy: every string above points into it */
	struct smtpdiag__records set;
	struct smtpdiag__user_rule *rule;
	size_t nrules;
	struct smtpdiag__user_provider *provider;
	size_t nproviders;
	unsigned long serial; /* this load's, never 0 nor reused: the memo's key */
};

/* The length of the longest phrase of line i found in a text folded by
 * smtpdiag__fold_text, or 0. */
size_t smtpdiag__line_match(const struct smtpdiag__phrase_lines *l, size_t i,
			    const char *folded, size_t len);

#endif
