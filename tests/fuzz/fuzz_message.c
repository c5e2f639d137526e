/*
 * fuzz_message.c - libFuzzer target for the bounce reader: the input is a
 * message; it is read, every recipient is checked and classified, and the
 * reader's strings must be terminated where they live and point inside the
 * memory the reader owns.
 */
#include <stddef.h>
#include <stdint.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpdiag_message m;
	struct smtpdiag_finding f;
	int rc = smtpdiag_message_read((const char *)data, size, &m);
	FUZZ_CHECK(rc == 0 || rc == SMTPDIAG_ENOMEM);
	if (rc)
		return 0;
	FUZZ_CHECK((unsigned)m.kind <= SMTPDIAG_MESSAGE_COMPLAINT);
	FUZZ_TERMINATED(m.message_id);
	FUZZ_TERMINATED(m.subject);
	FUZZ_TERMINATED(m.original_message_id);
	FUZZ_TERMINATED(m.original_from);
	FUZZ_TERMINATED(m.original_to);
	FUZZ_TERMINATED(m.original_subject);
	FUZZ_TERMINATED(m.feedback_type);
	FUZZ_CHECK(m.text != NULL && m.text[m.text_len] == '\0');
	FUZZ_CHECK(m.count == 0 || m.recipients != NULL);
	for (size_t i = 0; i < m.count; i++) {
		const struct smtpdiag_bounced *b = &m.recipients[i];
		FUZZ_TERMINATED(b->recipient);
		FUZZ_TERMINATED(b->action);
		FUZZ_TERMINATED(b->host);
		FUZZ_CHECK(b->diagnostic != NULL && b->diagnostic[b->diagnostic_len] == '\0');
		FUZZ_CHECK(b->offset <= size);
		FUZZ_CHECK(smtpdiag_message_finding(NULL, &m, i, &f) == 0);
		check_reply(&f.reply);
		check_diagnosis(&f.diagnosis);
		FUZZ_TERMINATED(f.action);
		FUZZ_TERMINATED(f.original_subject);
	}
	FUZZ_CHECK(smtpdiag_message_finding(NULL, &m, m.count, &f) == SMTPDIAG_EINVAL);
	smtpdiag_message_free(&m);
	return 0;
}
