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

/* The command that the report's words say the recipient's refusal answered,
 * when the reply itself does not: a Diagnostic-Code has no "(in reply to
 * end of DATA command)", which Postfix writes after the reply in its text
 * ("<a@b>: host mx.example.org[192.0.2.1] said: 550 ... (in reply to end of
 * DATA command)", folded anywhere). Looked for from the recipient's address
 * to the end of its paragraph. */
static void command_in_text(const struct smtpdiag_message *m, const struct smtpdiag_bounced *b,
			    struct smtpdiag_reply *r)
{
	if (r->command[0] || !b->recipient[0] || !m->text)
		return;
	const char *at = smtpdiag__find_plain(m->text, m->text_len, b->recipient);
	if (!at)
		return;
	size_t n = (size_t)(m->text + m->text_len - at);
	const char *end = smtpdiag__find_plain(at, n, "\n\n");
	if (end)
		n = (size_t)(end - at);
	for (const char *in; (in = smtpdiag__find_plain(at, n, "(in")) != NULL;
	     n -= (size_t)(in + 3 - at), at = in + 3) {
		char said[48]; /* the words after it, each run of white space one space */
		size_t k = 0;
		for (const char *s = in; s < at + n && k < sizeof said - 1; s++)
			if (!smtpdiag__is_space((unsigned char)*s))
				said[k++] = *s;
			else if (k && said[k - 1] != ' ')
				said[k++] = ' ';
		said[k] = '\0';
		if (strncmp(said, "(in reply to ", 13))
			continue;
		const char *c = said + 13;
		if (!strncmp(c, "end of ", 7))
			c += 7;
		smtpdiag__command_at(c, strlen(c), r->command, sizeof r->command);
		return;
	}
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
	command_in_text(m, b, r);
	smtpdiag__before_recipient(r, d);
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
