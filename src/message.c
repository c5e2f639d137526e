/*
 * message.c - a whole message in, the recipients of its delivery report out.
 *
 * The MIME tree is walked once: the human-readable text parts are decoded
 * into one UTF-8 text, a message/delivery-status part gives the recipients
 * (dsn.c), a message/feedback-report part makes an abuse report, and the
 * returned message (message/rfc822, text/rfc822-headers) gives the original's
 * Message-ID, From, To and Subject. Reports without a delivery-status part
 * are read from their text (bounce_text.c). What kind of message it is comes
 * from its structure and its header: a report, a sender such as
 * MAILER-DAEMON, X-Failed-Recipients, Auto-Submitted (RFC 3834).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "message.h"

#define MAX_DEPTH 32
#define MAX_TEXT (16u << 20) /* decoded human-readable text kept, at most */

/* ---- growing memory -------------------------------------------------------- */

/* Room for n more bytes (and a NUL) in the store; 0, or -1 when memory ran
 * out (then rd->failed is set and nothing more is kept). */
static int reserve(struct smtpdiag__reader *rd, struct smtpdiag__store *st, size_t n)
{
	if (rd->failed)
		return -1;
	if (st->len + n + 1 <= st->cap)
		return 0;
	size_t cap = st->cap ? st->cap : 4096;
	while (cap < st->len + n + 1)
		cap *= 2;
	char *p = realloc(st->buf, cap);
	if (!p) {
		rd->failed = 1;
		return -1;
	}
	st->buf = p;
	st->cap = cap;
	return 0;
}

/* Append s[0, n) (not inside the store) to it; its offset, or (size_t)-1. */
static size_t keep(struct smtpdiag__reader *rd, struct smtpdiag__store *st, const char *s,
		   size_t n)
{
	if (reserve(rd, st, n) < 0)
		return (size_t)-1;
	size_t at = st->len;
	memcpy(st->buf + at, s, n);
	st->len += n;
	st->buf[st->len] = '\0';
	return at;
}

struct smtpdiag__bounced_build *smtpdiag__add_recipient(struct smtpdiag__reader *rd)
{
	if (rd->failed)
		return NULL;
	if (rd->count == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 8;
		struct smtpdiag__bounced_build *p = realloc(rd->list, cap * sizeof *p);
		if (!p) {
			rd->failed = 1;
			return NULL;
		}
		rd->list = p;
		rd->cap = cap;
	}
	struct smtpdiag__bounced_build *b = &rd->list[rd->count++];
	memset(b, 0, sizeof *b);
	b->diag = (size_t)-1;
	return b;
}

void smtpdiag__set_diagnostic(struct smtpdiag__reader *rd, struct smtpdiag__bounced_build *b,
			      const char *s, size_t n, size_t offset)
{
	size_t at;
	if (b->diag != (size_t)-1) { /* a second mention: both texts count */
		size_t k = b->diag_len;
		if (reserve(rd, &rd->notes, k + 2 + n) < 0)
			return;
		at = rd->notes.len;
		memmove(rd->notes.buf + at, rd->notes.buf + b->diag, k);
		rd->notes.len += k;
		keep(rd, &rd->notes, "\n", 1);
		keep(rd, &rd->notes, s, n);
		keep(rd, &rd->notes, "", 1); /* each diagnostic is a string of its own */
		b->diag = at;
		b->diag_len = k + 1 + n;
		return;
	}
	if ((at = keep(rd, &rd->notes, s, n)) == (size_t)-1 ||
	    keep(rd, &rd->notes, "", 1) == (size_t)-1)
		return;
	b->diag = at;
	b->diag_len = n;
	b->offset = offset;
}

/* ---- parts ---------------------------------------------------------------- */

/* The media type of a Content-Type value, lower case, into out. */
static void media_type(const char *value, char *out, size_t cap)
{
	size_t w = 0;
	while (*value == ' ')
		value++;
	for (; *value && *value != ';' && *value != ' ' && w + 1 < cap; value++)
		out[w++] = (char)smtpdiag__fold[(unsigned char)*value];
	out[w] = '\0';
}

/* A part's body decoded from its transfer encoding into a new buffer (*out,
 * freed by the caller), or the body itself (*out NULL) when it needs no
 * decoding. Returns the decoded length; *out NULL with 0 when memory ran out. */
static size_t decode_body(const char *body, size_t n, const char *cte, char **out)
{
	int base64 = strlen(cte) == 6 && smtpdiag__equal_fold(cte, "base64", 6);
	int qp = strlen(cte) >= 16 && smtpdiag__equal_fold(cte, "quoted-printable", 16);
	*out = NULL;
	if (!base64 && !qp)
		return n;
	if (!(*out = malloc(n + 1)))
		return 0;
	return base64 ? smtpdiag__decode_base64(body, n, *out) : smtpdiag__decode_qp(body, n, *out, 0);
}

/* Add a text part, decoded and converted to UTF-8, to the human text. */
static void add_text(struct smtpdiag__reader *rd, const char *s, size_t n, const char *charset,
		     size_t offset, int identity, int html)
{
	if (rd->text.len >= MAX_TEXT)
		return;
	if (n > MAX_TEXT - rd->text.len)
		n = MAX_TEXT - rd->text.len;
	char *utf = malloc(3 * n + 2);
	if (!utf) {
		rd->failed = 1;
		return;
	}
	size_t u = smtpdiag__to_utf8(charset, s, n, utf, 3 * n + 2);
	if (html)
		u = smtpdiag__strip_html(utf, u);
	identity = identity && !html && u == n && !memcmp(utf, s, n);
	if (rd->nsegments < SMTPDIAG__MAX_SEGMENTS) {
		struct smtpdiag__segment *g = &rd->segments[rd->nsegments++];
		g->text = rd->text.len;
		g->input = offset;
		g->identity = identity;
	}
	keep(rd, &rd->text, utf, u);
	keep(rd, &rd->text, "\n", 1);
	free(utf);
}

/* The fields of a returned message's header (the first one only). */
void smtpdiag__original_header(struct smtpdiag__reader *rd, const char *hdr, size_t n)
{
	struct smtpdiag_message *m = rd->m;
	char raw[1024];
	if (rd->original_seen++)
		return;
	n = smtpdiag__header_end(hdr, n);
	smtpdiag__header_copy(hdr, n, "Message-ID", m->original_message_id,
			      sizeof m->original_message_id);
	smtpdiag__header_copy(hdr, n, "From", raw, sizeof raw);
	smtpdiag__decode_words(raw, strlen(raw), m->original_from, sizeof m->original_from);
	smtpdiag__header_copy(hdr, n, "To", raw, sizeof raw);
	smtpdiag__decode_words(raw, strlen(raw), m->original_to, sizeof m->original_to);
	smtpdiag__header_copy(hdr, n, "Subject", raw, sizeof raw);
	smtpdiag__decode_words(raw, strlen(raw), m->original_subject, sizeof m->original_subject);
}

static void walk(struct smtpdiag__reader *rd, const char *part, size_t len, int depth,
		 const char *default_type);

/* Is an attached message itself a delivery report (multipart/report;
 * report-type=delivery-status)? A gateway that forwards the report it got
 * (attached as message/rfc822, before any report of its own) sends one. */
static int forwarded_report(const char *msg, size_t n)
{
	char ctype[512], type[128], param[64];
	size_t hend = smtpdiag__header_end(msg, n);
	smtpdiag__header_copy(msg, hend, "Content-Type", ctype, sizeof ctype);
	media_type(ctype, type, sizeof type);
	return !strcmp(type, "multipart/report") &&
	       smtpdiag__param(ctype, "report-type", param, sizeof param) &&
	       (smtpdiag__equal_fold(param, "delivery-status", 16) ||
		smtpdiag__equal_fold(param, "global-delivery-status", 23));
}

/* The parts of a multipart body, between "--boundary" lines. */
static void walk_multipart(struct smtpdiag__reader *rd, const char *body, size_t n,
			   const char *boundary, int depth, const char *subtype)
{
	size_t k = strlen(boundary), start = (size_t)-1;
	const char *inner = !strcmp(subtype, "multipart/digest") ? "message/rfc822" : "text/plain";
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(body + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - body) : n;
		if (e - i >= k + 2 && body[i] == '-' && body[i + 1] == '-' &&
		    !memcmp(body + i + 2, boundary, k)) {
			if (start != (size_t)-1)
				walk(rd, body + start, i > start ? i - start : 0, depth + 1, inner);
			int closing = e - i >= k + 4 && body[i + k + 2] == '-' && body[i + k + 3] == '-';
			if (closing)
				return;
			start = e < n ? e + 1 : n;
		}
		i = e + 1;
	}
	if (start != (size_t)-1 && start < n) /* a boundary that never closes */
		walk(rd, body + start, n - start, depth + 1, inner);
	else if (start == (size_t)-1) /* no boundary at all: the body is the text */
		walk(rd, body, n, depth + 1, "text/plain");
}

static void walk(struct smtpdiag__reader *rd, const char *part, size_t len, int depth,
		 const char *default_type)
{
	char ctype[512], type[128], cte[64], charset[64], param[256];
	size_t hend = smtpdiag__header_end(part, len);
	const char *body = part + hend;
	size_t n = len - hend;

	/* a part whose first line is empty has no header */
	smtpdiag__header_copy(part, hend, "Content-Type", ctype, sizeof ctype);
	smtpdiag__header_copy(part, hend, "Content-Transfer-Encoding", cte, sizeof cte);
	if (ctype[0])
		media_type(ctype, type, sizeof type);
	else
		snprintf(type, sizeof type, "%s", default_type);
	smtpdiag__param(ctype, "charset", charset, sizeof charset);

	if (!strncmp(type, "multipart/", 10) && depth < MAX_DEPTH &&
	    smtpdiag__param(ctype, "boundary", param, sizeof param)) {
		if (!strcmp(type, "multipart/report") &&
		    smtpdiag__param(ctype, "report-type", param, sizeof param) &&
		    smtpdiag__equal_fold(param, "feedback-report", 16))
			rd->feedback = 1;
		smtpdiag__param(ctype, "boundary", param, sizeof param);
		walk_multipart(rd, body, n, param, depth, type);
		return;
	}
	if (!strncmp(type, "multipart/", 10) && depth < MAX_DEPTH) /* its boundary lost */
		snprintf(type, sizeof type, "text/plain");
	if (!strcmp(type, "message/rfc822") || !strcmp(type, "text/rfc822-headers") ||
	    !strcmp(type, "message/global") || !strcmp(type, "message/global-headers") ||
	    !strcmp(type, "message/partial")) {
		char *decoded;
		size_t k = decode_body(body, n, cte, &decoded);
		const char *inner = decoded ? decoded : body;
		if (!rd->dsn_seen && !rd->original_seen && depth < MAX_DEPTH &&
		    !strcmp(type, "message/rfc822") && forwarded_report(inner, k))
			walk(rd, inner, k, depth + 1, "text/plain");
		else
			smtpdiag__original_header(rd, inner, k);
		free(decoded);
		return;
	}
	int dsn = !strcmp(type, "message/delivery-status") ||
		  !strcmp(type, "message/global-delivery-status");
	int feedback = !strcmp(type, "message/feedback-report");
	int html = !strcmp(type, "text/html");
	if (!dsn && !feedback && !html && strcmp(type, "text/plain") &&
	    strncmp(type, "text/", 5) != 0)
		return; /* images, attachments */
	char *decoded;
	size_t k = decode_body(body, n, cte, &decoded);
	if (!decoded && k < n)
		rd->failed = 1;
	const char *text = decoded ? decoded : body;
	size_t offset = (size_t)(body - rd->input);
	if (dsn)
		smtpdiag__read_dsn(rd, text, k, decoded ? offset : (size_t)-1, offset);
	else if (feedback)
		smtpdiag__read_feedback(rd, text, k);
	else if (html && rd->text.len == 0)
		add_text(rd, text, k, charset, offset, 0, 1);
	else if (!html)
		add_text(rd, text, k, charset, offset, !decoded, 0);
	free(decoded);
}

/* ---- what kind of message ------------------------------------------------ */

/* Does the (folded) value contain one of the words? */
static int says(const char *value, const char *const *words)
{
	char f[512];
	size_t n = strlen(value);
	if (n >= sizeof f)
		n = sizeof f - 1;
	for (size_t i = 0; i < n; i++)
		f[i] = (char)smtpdiag__fold[(unsigned char)value[i]];
	f[n] = '\0';
	for (; *words; words++)
		if (strstr(f, *words))
			return 1;
	return 0;
}

/* Does the subject read as a mail failure, in any language the vocabulary
 * knows: a filter's notice "Attachment type not allowed", "FOUND VIRUS IN
 * MAIL", "Unzustellbar: ..."? */
static int subject_says_failed(const char *subject)
{
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	if (!subject[0] || smtpdiag_reply_from_text(subject, strlen(subject), &r) ||
	    smtpdiag_classify(&r, &d))
		return 0;
	return d.matched_by == SMTPDIAG_BY_TEXT && d.category != SMTPDIAG_CAT_OK;
}

/* Is the subject one MTAs give their reports, or one that reads as a
 * failure? */
static int subject_reports(const char *subject)
{
	static const char *const subjects[] = { "undeliver", "undelivered", "delivery status",
						"delivery failure", "delivery failed",
						"returned mail", "failure notice", "non-delivery",
						"nondeliverable", "non remis", "unzustellbar",
						"delivery notification", "could not be delivered",
						"mail delivery", "returned to sender", "delivery problem",
						"delayed mail", "warning: message",
						"delivery has failed", NULL };
	return says(subject, subjects) || subject_says_failed(subject);
}

int smtpdiag__subject_reports(struct smtpdiag__reader *rd)
{
	if (rd->subject_reports < 0) /* classifying the subject is asked for once, if at all */
		rd->subject_reports = subject_reports(rd->m->subject);
	return rd->subject_reports;
}

/* The header's signs of a delivery report that has no delivery-status part:
 * the senders MTAs give their reports, or a report's subject. An automatic
 * reply passed on under the forwarder's MAILER-DAEMON ("Subject: Automatic
 * Response", "I am out of the office") is no report for its sender alone. */
static int reported_by_mta(struct smtpdiag__reader *rd, const char *hdr, size_t n,
			   int named_reply)
{
	static const char *const senders[] = { "mailer-daemon", "mailer_daemon", "postmaster@",
					       "mail delivery", "mail administrator",
					       "mail system", "mdaemon@", NULL };
	char from[512], return_path[512];
	const char *failed;
	smtpdiag__header_field(hdr, n, "X-Failed-Recipients", &failed);
	if (failed || smtpdiag__subject_reports(rd))
		return 1;
	smtpdiag__header_copy(hdr, n, "Return-Path", return_path, sizeof return_path);
	smtpdiag__header_copy(hdr, n, "From", from, sizeof from);
	/* a list server's notice to a poster: fml's X-MLServer from its -admin */
	smtpdiag__header_field(hdr, n, "X-MLServer", &failed);
	if (failed && strstr(from, "-admin@"))
		return 1;
	/* the delivery's own sender: "Return-Path: <MAILER-DAEMON>" */
	return !named_reply && (says(return_path, senders) || says(from, senders));
}

/* An automatic reply by name: its subject, or a header that only such
 * replies carry. (Auto-Submitted is not one: MTAs mark their reports
 * "auto-replied" too.) */
static int named_auto_reply(const char *hdr, size_t n, const char *subject)
{
	static const char *const subjects[] = { "automatic reply", "automatic response",
						"auto:", "autoreply", "auto-reply", "auto response",
						"autoresponse", "out of office", "out of the office",
						"vacation", "abwesenheit", "absence", NULL };
	char v[256];
	smtpdiag__header_copy(hdr, n, "Precedence", v, sizeof v);
	if (smtpdiag__equal_fold(v, "auto_reply", 10))
		return 1;
	const char *p;
	if (smtpdiag__header_field(hdr, n, "X-Autoreply", &p) ||
	    smtpdiag__header_field(hdr, n, "X-Autorespond", &p))
		return 1;
	return says(subject, subjects);
}

static int auto_reply(const char *hdr, size_t n, const char *subject)
{
	char v[256];
	smtpdiag__header_copy(hdr, n, "Auto-Submitted", v, sizeof v);
	return (v[0] && !smtpdiag__equal_fold(v, "no", 2)) || named_auto_reply(hdr, n, subject);
}

/* An automatic reply from the null sender (RFC 5321, 4.5.5: "From: <>")
 * whose words say why the mail failed ("You sent mail to bob@example.org.
 * That's not a valid user here."): a site's own refusal notice, read as a
 * report. A vacation notice says no such thing. */
static int refusal_notice(const struct smtpdiag__reader *rd, const char *hdr, size_t n)
{
	char v[512];
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	smtpdiag__header_copy(hdr, n, "Return-Path", v, sizeof v);
	if (strcmp(v, "<>") != 0) {
		smtpdiag__header_copy(hdr, n, "From", v, sizeof v);
		if (strcmp(v, "<>") != 0)
			return 0;
	}
	return rd->text.len && smtpdiag_diagnose(rd->text.buf, rd->text.len, &r, &d) == 0 &&
	       d.matched_by == SMTPDIAG_BY_TEXT && d.category != SMTPDIAG_CAT_OK &&
	       d.category != SMTPDIAG_CAT_UNKNOWN;
}

/* ---- the reader ------------------------------------------------------------ */

/* Do the lines hold a delivery-status part's fields, each on a line of its
 * own ("Final-Recipient: ...", then "Status: ...")? */
static int dsn_fields(const char *s, size_t n)
{
	const char *v;
	return smtpdiag__inline_report(s, n) &&
	       (smtpdiag__header_field(s, n, "Status", &v) ||
		smtpdiag__header_field(s, n, "Action", &v) ||
		smtpdiag__header_field(s, n, "Diagnostic-Code", &v));
}

/* A line of dashes or equals signs at s, that parts a notice's paragraphs
 * as a blank line does ("-----...", qmail's providers' notices under their
 * greeting): its length, up to its line break; else 0. */
static size_t rule_line(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && (s[k] == '-' || s[k] == '='))
		k++;
	if (k < 10)
		return 0;
	while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
		k++;
	return k == n || s[k] == '\n' ? k : 0;
}

/* Does a text without a header begin as a delivery report's body does: one
 * of its first paragraphs, a few lines long, says in the vocabulary's words
 * only that a message could not be delivered ("This is the mail system at
 * host ... your message could not be delivered to one or more recipients",
 * "Hi. This is the qmail-send program ..."), or is a frame around a reason
 * given below ("rejected by the local scanning code ... The following error
 * was given:"), or holds a delivery-status part's fields? A delay notice's
 * frame ("has not yet been delivered") is not taken: it tells the cause
 * itself where the reason below has no words a rule knows. A log's lines
 * do not make such paragraphs: they start with a time stamp and run on
 * without blank lines. */
static int report_body(const char *buf, size_t len)
{
	size_t i = 0;
	for (int para = 0; para < 3 && i < len; para++) {
		while (i < len && (buf[i] == '\n' || buf[i] == '\r' || buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (i < len && smtpdiag__is_digit((unsigned char)buf[i]))
			return 0; /* a time stamp, a reply code */
		size_t end = i, lines = 1;
		for (; end < len && end - i < 1024; end++)
			if (buf[end] == '\n') {
				size_t k = end + 1;
				while (k < len && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\r'))
					k++;
				if (k >= len || buf[k] == '\n' || rule_line(buf + k, len - k))
					break;
				lines++;
			}
		if (dsn_fields(buf + i, end - i))
			return 1;
		struct smtpdiag_reply r;
		struct smtpdiag_diagnosis d;
		size_t next = end, rule;
		while (next < len) {
			if (buf[next] == '\n' || buf[next] == '\r' || buf[next] == ' ' ||
			    buf[next] == '\t')
				next++;
			else if ((rule = rule_line(buf + next, len - next)))
				next += rule;
			else
				break;
		}
		/* and the recipients and reasons follow in paragraphs of their own */
		int framed = 0;
		if (lines <= 6 && end - i < 1024 && next < len &&
		    smtpdiag_reply_from_text(buf + i, end - i, &r) == 0 &&
		    smtpdiag__classify_hashed(NULL, &r, smtpdiag__reply_hash(&r), &d, &framed) == 0 &&
		    d.matched_by == SMTPDIAG_BY_TEXT &&
		    (d.category == SMTPDIAG_CAT_UNKNOWN || (framed && d.category != SMTPDIAG_CAT_NETWORK)))
			return 1;
		i = next;
	}
	return 0;
}

int smtpdiag_message_detect(const char *buf, size_t len)
{
	if (!buf)
		return 0;
	size_t start = smtpdiag__message_start(buf, len);
	return smtpdiag__is_header_block(buf + start, len - start) ||
	       report_body(buf + start, len - start);
}

int smtpdiag_message_read(const char *buf, size_t len, struct smtpdiag_message *m)
{
	struct smtpdiag__reader *rd;
	char raw[1024];
	if (!m || (!buf && len))
		return SMTPDIAG_EINVAL;
	memset(m, 0, sizeof *m);
	if (!(rd = calloc(1, sizeof *rd)))
		return SMTPDIAG_ENOMEM;
	rd->m = m;
	rd->subject_reports = -1;
	m->memory_ = rd;
	/* offsets stay the input's: the reader starts where the header does */
	size_t start = buf ? smtpdiag__message_start(buf, len) : 0;
	rd->input = buf ? buf : "";

	const char *msg = rd->input + start;
	len -= start;
	int body_only = !smtpdiag__is_header_block(msg, len) && report_body(msg, len);
	size_t hend = body_only ? 0 : smtpdiag__header_end(msg, len);
	smtpdiag__header_copy(msg, hend, "Message-ID", m->message_id, sizeof m->message_id);
	smtpdiag__header_copy(msg, hend, "Subject", raw, sizeof raw);
	smtpdiag__decode_words(raw, strlen(raw), m->subject, sizeof m->subject);

	/* a body without header: walk takes its first paragraph, a notice's
	 * heading, for the part's header, but not a delivery-status part's
	 * fields */
	if (body_only && dsn_fields(msg, smtpdiag__header_end(msg, len)))
		add_text(rd, msg, len, "", (size_t)(msg - rd->input), 1, 0);
	else
		walk(rd, msg, len, 0, "text/plain");

	int json = rd->dsn_seen || rd->feedback || rd->feedback_seen
			   ? 0
			   : smtpdiag__read_json_notification(rd);
	if (json)
		m->kind = (enum smtpdiag_message_kind)json;
	else if (rd->feedback || rd->feedback_seen)
		m->kind = SMTPDIAG_MESSAGE_COMPLAINT;
	else if (rd->dsn_seen || body_only ||
		 reported_by_mta(rd, msg, hend, named_auto_reply(msg, hend, m->subject)))
		m->kind = SMTPDIAG_MESSAGE_BOUNCE;
	else if (auto_reply(msg, hend, m->subject))
		m->kind = refusal_notice(rd, msg, hend) ? SMTPDIAG_MESSAGE_BOUNCE
							: SMTPDIAG_MESSAGE_AUTOREPLY;
	else
		m->kind = SMTPDIAG_MESSAGE_OTHER;

	/* a JSON notification named its recipients itself */
	if (!json && m->kind == SMTPDIAG_MESSAGE_BOUNCE)
		smtpdiag__read_bounce_text(rd, msg, hend);
	else if (!json && m->kind == SMTPDIAG_MESSAGE_COMPLAINT)
		smtpdiag__complaint(rd);
	if (rd->failed) {
		smtpdiag_message_free(m);
		return SMTPDIAG_ENOMEM;
	}

	/* the public view: pointers, now that the memory no longer moves */
	m->text = rd->text.buf ? rd->text.buf : "";
	m->text_len = rd->text.len;
	if (rd->count && !(m->recipients = calloc(rd->count, sizeof *m->recipients))) {
		smtpdiag_message_free(m);
		return SMTPDIAG_ENOMEM;
	}
	for (size_t i = 0; i < rd->count; i++) {
		const struct smtpdiag__bounced_build *b = &rd->list[i];
		struct smtpdiag_bounced *p = &m->recipients[i];
		memcpy(p->recipient, b->recipient, sizeof p->recipient);
		memcpy(p->action, b->action, sizeof p->action);
		memcpy(p->host, b->host, sizeof p->host);
		p->status = b->status;
		p->diagnostic = b->diag == (size_t)-1 ? "" : rd->notes.buf + b->diag;
		p->diagnostic_len = b->diag == (size_t)-1 ? 0 : b->diag_len;
		p->offset = b->offset;
	}
	m->count = rd->count;
	return 0;
}

void smtpdiag_message_free(struct smtpdiag_message *m)
{
	if (!m)
		return;
	struct smtpdiag__reader *rd = m->memory_;
	if (rd) {
		free(rd->text.buf);
		free(rd->notes.buf);
		free(rd->list);
		free(rd);
	}
	free(m->recipients);
	memset(m, 0, sizeof *m);
}

size_t smtpdiag__input_offset(const struct smtpdiag__reader *rd, size_t text_offset)
{
	const struct smtpdiag__segment *best = NULL;
	for (size_t i = 0; i < rd->nsegments; i++)
		if (rd->segments[i].text <= text_offset)
			best = &rd->segments[i];
	if (!best)
		return 0;
	return best->identity ? best->input + (text_offset - best->text) : best->input;
}
