/*
 * check.h - invariants of the public structures, shared by the fuzz targets.
 *
 * Each check aborts (through FUZZ_CHECK) so that libFuzzer, or the replay
 * driver, reports the input that broke it. Works with NDEBUG too.
 */
#ifndef SMTPDIAG_FUZZ_CHECK_H
#define SMTPDIAG_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpdiag.h"

#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

/* A NUL inside a fixed array: the string is terminated where it lives. */
#define FUZZ_TERMINATED(arr) FUZZ_CHECK(memchr((arr), '\0', sizeof(arr)) != NULL)

static inline void check_reply(const struct smtpdiag_reply *r)
{
	FUZZ_CHECK(r->code == 0 || (r->code >= 200 && r->code <= 599));
	FUZZ_CHECK(r->text_len < SMTPDIAG_TEXT_MAX);
	FUZZ_CHECK(r->text[r->text_len] == '\0');
	FUZZ_CHECK(strlen(r->text) == r->text_len);
	FUZZ_TERMINATED(r->command);
	FUZZ_TERMINATED(r->host);
	FUZZ_CHECK(r->port >= 0 && r->port <= 65535);
}

static inline void check_diagnosis(const struct smtpdiag_diagnosis *d)
{
	FUZZ_CHECK((unsigned)d->category < SMTPDIAG_CAT_COUNT);
	FUZZ_CHECK((unsigned)d->severity < SMTPDIAG_SEVERITY_COUNT);
	FUZZ_CHECK((unsigned)d->who < SMTPDIAG_WHO_COUNT);
	FUZZ_CHECK((unsigned)d->matched_by < SMTPDIAG_MATCHED_BY_COUNT);
	FUZZ_CHECK(smtpdiag_category_name(d->category) != NULL);
	FUZZ_CHECK(smtpdiag_severity_name(d->severity) != NULL);
	FUZZ_CHECK(smtpdiag_who_name(d->who) != NULL);
	FUZZ_CHECK(smtpdiag_matched_by_name(d->matched_by) != NULL);
	FUZZ_CHECK(d->cause != NULL);
	FUZZ_CHECK(d->provider == NULL || d->provider_name != NULL);
	FUZZ_CHECK(d->nfix <= SMTPDIAG_MAX_STEPS);
	for (size_t i = 0; i < d->nfix; i++)
		FUZZ_CHECK(d->fix[i] != NULL);
	FUZZ_CHECK(d->nsettings <= SMTPDIAG_MAX_SETTINGS);
	for (size_t i = 0; i < d->nsettings; i++)
		FUZZ_CHECK(smtpdiag_setting_name(d->settings[i]) != NULL);
	FUZZ_CHECK(d->nrefs <= SMTPDIAG_MAX_REFS);
	for (size_t i = 0; i < d->nrefs; i++)
		FUZZ_CHECK(d->refs[i] != NULL);
	/* the strings are read: ASan sees a wild pointer */
	FUZZ_CHECK(strlen(d->cause) < 1u << 20);
	for (size_t i = 0; i < d->nfix; i++)
		FUZZ_CHECK(strlen(d->fix[i]) < 1u << 20);
	for (size_t i = 0; i < d->nrefs; i++)
		FUZZ_CHECK(strlen(d->refs[i]) < 1u << 20);
}

/* What classify promises about a reply's class. */
static inline void check_classified(const struct smtpdiag_reply *r,
				    const struct smtpdiag_diagnosis *d, int rc)
{
	FUZZ_CHECK(rc == 0 || rc == SMTPDIAG_ENOMATCH);
	check_diagnosis(d);
	if (r->code >= 200 && r->code < 400) {
		FUZZ_CHECK(d->category == SMTPDIAG_CAT_OK);
		FUZZ_CHECK(d->severity == SMTPDIAG_SUCCESS);
	}
	if (rc == SMTPDIAG_ENOMATCH) {
		FUZZ_CHECK(r->code == 0 && r->status.cls == 0);
		FUZZ_CHECK(d->category == SMTPDIAG_CAT_UNKNOWN);
	}
}

#endif
