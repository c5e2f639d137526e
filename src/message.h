/*
 * message.h - what the bounce reader's files (message.c, dsn.c,
 * bounce_text.c, html.c) share while they read one message.
 */
#ifndef SMTPDIAG_MESSAGE_H
#define SMTPDIAG_MESSAGE_H

#include "internal.h"

/* Memory that grows; offsets into it stay valid as it moves. */
struct smtpdiag__store {
	char *buf;
	size_t len, cap;
};

/* Where a piece of the decoded text came from in the input. */
struct smtpdiag__segment {
	size_t text, input;
	int identity; /* the bytes are the input's own: offsets map one to one */
};
#define SMTPDIAG__MAX_SEGMENTS 16

/* A recipient while it is read: the diagnostic as an offset into notes. */
struct smtpdiag__bounced_build {
	char recipient[256], action[16], host[256];
	struct smtpdiag_status status;
	size_t diag, diag_len; /* (size_t)-1: none yet */
	size_t offset;
};

struct smtpdiag__reader {
	struct smtpdiag_message *m;
	const char *input;
	int failed;                  /* memory ran out */
	int dsn_seen, feedback, feedback_seen, original_seen;
	int subject_reports;         /* -1 until asked: smtpdiag__subject_reports */
	struct smtpdiag__store text; /* the human-readable parts, UTF-8 */
	struct smtpdiag__store notes; /* diagnostics */
	struct smtpdiag__segment segments[SMTPDIAG__MAX_SEGMENTS];
	size_t nsegments;
	struct smtpdiag__bounced_build *list;
	size_t count, cap;
	char feedback_rcpt[256];
};

/* message.c */
struct smtpdiag__bounced_build *smtpdiag__add_recipient(struct smtpdiag__reader *rd);
/* Give b its diagnostic (a second call adds to the first); offset: where in the
 * input it is. */
void smtpdiag__set_diagnostic(struct smtpdiag__reader *rd, struct smtpdiag__bounced_build *b,
			      const char *s, size_t n, size_t offset);
/* The returned message's header fields (the first header given only). */
void smtpdiag__original_header(struct smtpdiag__reader *rd, const char *hdr, size_t n);
/* The input offset of a position in the decoded text. */
size_t smtpdiag__input_offset(const struct smtpdiag__reader *rd, size_t text_offset);
/* Is the message's subject one MTAs give their reports, or does it read as
 * a failure ("Undeliverable: ...")? */
int smtpdiag__subject_reports(struct smtpdiag__reader *rd);

/* dsn.c: a message/delivery-status body (RFC 3464); `at` maps its bytes to
 * the input ((size_t)-1: decoded, so everything is at `part`). */
void smtpdiag__read_dsn(struct smtpdiag__reader *rd, const char *s, size_t n, size_t at,
			size_t part);
/* a message/feedback-report body (RFC 5965) */
void smtpdiag__read_feedback(struct smtpdiag__reader *rd, const char *s, size_t n);
/* the one recipient of an abuse report */
void smtpdiag__complaint(struct smtpdiag__reader *rd);

/* bounce_text.c: does a line of the text start with "Final-Recipient:"?
 * Reports sent as plain text, and reports pasted without their header,
 * carry the fields of a delivery-status part in their body. */
int smtpdiag__inline_report(const char *t, size_t n);
/* bounce_text.c: the recipients a report's text names, and their reasons;
 * header[0, header_end) is the report's own header. */
void smtpdiag__read_bounce_text(struct smtpdiag__reader *rd, const char *header,
				size_t header_end);

/* bounce_json.c: a notification sent as JSON (Amazon SES, through SNS or
 * raw) in the text; the kind of message it makes (SMTPDIAG_MESSAGE_BOUNCE,
 * _COMPLAINT), or 0 when the text is no such notification. */
int smtpdiag__read_json_notification(struct smtpdiag__reader *rd);

/* html.c: HTML as text, in place; the new length. */
size_t smtpdiag__strip_html(char *s, size_t n);

#endif
