/*
 * bounce.c - a recipient of a delivery report as a finding, classified as
 * `explain` classifies the report's words for it.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Copy a string field, cut to the destination's size. */
#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

int smtpdiag_bounced_failed(const struct smtpdiag_bounced *b)
{
	return b && strcmp(b->action, "delivered") && strcmp(b->action, "relayed") &&
	       strcmp(b->action, "expanded");
}

int smtpdiag_message_finding(const struct smtpdiag_rules *rules,
			     const struct smtpdiag_message *m, size_t i,
			     struct smtpdiag_finding *f)
{
	if (!m || !f || i >= m->count)
		return SMTPDIAG_EINVAL;
	const struct smtpdiag_bounced *b = &m->recipients[i];
	struct smtpdiag_reply *r = &f->reply;
	struct smtpdiag_diagnosis *d = &f->diagnosis;

	memset(f, 0, sizeof *f);
	int rc = smtpdiag_diagnose_with(rules, b->diagnostic, b->diagnostic_len, r, d);
	int failure = rc == 0 && d->severity != SMTPDIAG_SUCCESS;
	if (!failure || (!r->status.cls && b->status.cls)) {
		/* the report's Status stands in for a reply that gives none */
		if (!failure) {
			smtpdiag_reply_from_text(b->diagnostic, b->diagnostic_len, r);
			r->code = 0;
		}
		if (!r->code || !b->status.cls || r->code / 100 == b->status.cls)
			r->status = b->status;
		if (smtpdiag_classify_with(rules, r, d) == SMTPDIAG_ENOMATCH)
			d->severity = SMTPDIAG_PERMANENT; /* no reason given: unknown */
	}
	if (!strcmp(b->action, "delayed") && d->severity == SMTPDIAG_PERMANENT)
		d->severity = SMTPDIAG_TRANSIENT;
	if (b->host[0])
		COPY(r->host, b->host);
	COPY(f->recipient, b->recipient);
	COPY(f->action, b->action);
	COPY(f->message_id, m->message_id);
	COPY(f->original_message_id, m->original_message_id);
	COPY(f->original_from, m->original_from);
	COPY(f->original_subject, m->original_subject);
	return 0;
}
