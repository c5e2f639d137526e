/*
 * fuzz_parse.c - libFuzzer target for the reply parser and the classifier:
 * smtpdiag_parse over the whole input, each reply classified, then
 * smtpdiag_reply_from_text and smtpdiag_diagnose on the same bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct smtpdiag_reply r, copy;
	struct smtpdiag_diagnosis d;
	size_t pos = 0;
	int rc;

	memset(&r, 0xa5, sizeof r);
	for (;;) {
		size_t before = pos;
		memcpy(&copy, &r, sizeof r);
		rc = smtpdiag_parse(buf, size, &pos, &r);
		if (rc == SMTPDIAG_ENOREPLY) {
			FUZZ_CHECK(pos <= size);
			FUZZ_CHECK(!memcmp(&copy, &r, sizeof r)); /* "r is then untouched" */
			break;
		}
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(pos > before && pos <= size);
		FUZZ_CHECK(r.start >= before);
		FUZZ_CHECK(r.start < r.end && r.end <= size);
		FUZZ_CHECK(r.code != 0 || r.status.cls != 0);
		check_reply(&r);
		check_classified(&r, &d, smtpdiag_classify(&r, &d));
	}

	FUZZ_CHECK(smtpdiag_reply_from_text(buf, size, &r) == 0);
	check_reply(&r);
	FUZZ_CHECK(r.code == 0);
	check_classified(&r, &d, smtpdiag_classify(&r, &d));

	rc = smtpdiag_diagnose(buf, size, &r, &d);
	FUZZ_CHECK(rc == 0 || rc == SMTPDIAG_ENOREPLY);
	check_reply(&r);
	if (rc == 0)
		check_diagnosis(&d);
	return 0;
}
