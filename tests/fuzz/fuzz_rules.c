/*
 * fuzz_rules.c - libFuzzer target for the rules file reader: the input is
 * loaded as a user's rules file, then diagnosed with those rules, so that a
 * file's own phrases are in the text and its rules get matched.
 */
#include <stddef.h>
#include <stdint.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct smtpdiag_rules *rules = (struct smtpdiag_rules *)&rules;
	struct smtpdiag_reply r, r0;
	struct smtpdiag_diagnosis d, d0;
	char err[256];

	int rc = smtpdiag_rules_load(&rules, "fuzz", buf, size, err, sizeof err);
	FUZZ_CHECK(rc == 0 || rc == SMTPDIAG_ESYNTAX);
	if (rc != 0) {
		FUZZ_CHECK(rules == NULL);
		FUZZ_TERMINATED(err);
		FUZZ_CHECK(!strncmp(err, "fuzz:", 5));
		return 0;
	}
	FUZZ_CHECK(rules != NULL);
	rc = smtpdiag_diagnose_with(rules, buf, size, &r, &d);
	FUZZ_CHECK(rc == 0 || rc == SMTPDIAG_ENOREPLY);
	check_reply(&r);
	if (rc == 0)
		check_diagnosis(&d);
	/* without rules, nothing changes */
	if (smtpdiag_rules_count(rules) == 0 && rc == 0) {
		FUZZ_CHECK(smtpdiag_diagnose(buf, size, &r0, &d0) == 0);
		FUZZ_CHECK(d.category == d0.category && d.rule == d0.rule);
	}
	smtpdiag_rules_free(rules);
	return 0;
}
