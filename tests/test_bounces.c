/*
 * test_bounces.c - the bounce reader on the sample messages of tests/bounces/:
 * each NAME.eml gives exactly the findings of NAME.expect, one line per
 * failed or delayed recipient, in order:
 *
 *   recipient | action | category | status | host        ("-": none)
 *
 * and the reader's parts on small inputs made here: transfer encodings,
 * encoded words, charsets, HTML, folders of MIME that never close.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpdiag.h"

#define DIR_ "tests/bounces"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += got;
		if (n == cap) {
			char *p = realloc(buf, (cap *= 2) + 1);
			if (!p) {
				free(buf);
				buf = NULL;
			}
			buf = p;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* The findings of a message as expect lines. */
static void findings(const char *eml, size_t len, char *out, size_t cap)
{
	struct smtpdiag_message m;
	struct smtpdiag_finding f;
	size_t w = 0;
	out[0] = '\0';
	assert_int_equal(smtpdiag_message_read(eml, len, &m), 0);
	for (size_t i = 0; i < m.count; i++) {
		if (!smtpdiag_bounced_failed(&m.recipients[i]))
			continue;
		assert_int_equal(smtpdiag_message_finding(NULL, &m, i, &f), 0);
		char status[40] = "-";
		if (f.reply.status.cls)
			snprintf(status, sizeof status, "%u.%u.%u", f.reply.status.cls,
				 f.reply.status.subject, f.reply.status.detail);
		w += (size_t)snprintf(out + w, cap - w, "%s | %s | %s | %s | %s\n",
				      f.recipient[0] ? f.recipient : "-", f.action,
				      smtpdiag_category_name(f.diagnosis.category), status,
				      f.reply.host[0] ? f.reply.host : "-");
		assert_true(w < cap);
	}
	smtpdiag_message_free(&m);
}

/* The expect file without its comments, blank lines, and with recipients
 * in lower case as the reader writes them... as written. */
static void expected(const char *text, char *out, size_t cap)
{
	size_t w = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n && p[0] != '#') {
			assert_true(w + n + 2 < cap);
			memcpy(out + w, p, n);
			w += n;
			while (w > 0 && (out[w - 1] == ' ' || out[w - 1] == '\r'))
				w--;
			out[w++] = '\n';
		}
		p += n + (nl != NULL);
	}
	out[w] = '\0';
}

static void samples__each_message__findings_as_expected(void **state)
{
	(void)state;
	DIR *d = opendir(DIR_);
	size_t n = 0, right = 0;
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		size_t k = strlen(e->d_name), len, elen;
		if (k < 5 || strcmp(e->d_name + k - 4, ".eml"))
			continue;
		char path[512], got[65536], want[65536];
		snprintf(path, sizeof path, DIR_ "/%s", e->d_name);
		char *eml = slurp(path, &len);
		snprintf(path + strlen(path) - 4, 8, ".expect");
		char *exp = slurp(path, &elen);
		assert_non_null(eml);
		assert_non_null(exp);
		findings(eml, len, got, sizeof got);
		expected(exp, want, sizeof want);
		n++;
		if (!strcmp(got, want))
			right++;
		else
			print_message("%s:\n  want:\n%s  got:\n%s", e->d_name, want, got);
		free(eml);
		free(exp);
	}
	closedir(d);
	print_message("%zu of %zu samples as expected\n", right, n);
	assert_true(n > 0);
	assert_int_equal(right, n);
}

/* ---- the reader's parts ---------------------------------------------------- */

static void read_one(const char *eml, struct smtpdiag_message *m)
{
	assert_int_equal(smtpdiag_message_read(eml, strlen(eml), m), 0);
}

static void message_read__encodings_and_charsets__decoded_to_utf8(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	read_one("From: MAILER-DAEMON@example.net\n"
		 "To: a@example.com\n"
		 "Subject: =?ISO-8859-1?Q?Non_remis_:_R=E9union?= =?UTF-8?B?IMOp?=\n"
		 "MIME-Version: 1.0\n"
		 "Content-Type: text/plain; charset=iso-8859-1\n"
		 "Content-Transfer-Encoding: quoted-printable\n"
		 "\n"
		 "Votre message n'a pas pu =EAtre remis =E0 <bob@example.org>:\n"
		 "550 5.1.1 Adresse inconnue\n", &m);
	assert_int_equal(m.kind, SMTPDIAG_MESSAGE_BOUNCE);
	assert_string_equal(m.subject, "Non remis : R\xc3\xa9union \xc3\xa9");
	assert_non_null(strstr(m.text, "pu \xc3\xaatre remis \xc3\xa0"));
	smtpdiag_message_free(&m);

	read_one("From: MAILER-DAEMON@example.net\n"
		 "Subject: x\n"
		 "Content-Type: text/plain; charset=koi8-r\n"
		 "Content-Transfer-Encoding: base64\n"
		 "\n"
		 "8M/e1M/X2cog0d3JyyDQxdLF0M/MzsXO\n", &m); /* Почтовый ящик переполнен */
	assert_non_null(strstr(m.text, "\xd0\x9f\xd0\xbe\xd1\x87\xd1\x82"));
	smtpdiag_message_free(&m);

	read_one("From: MAILER-DAEMON@example.net\n"
		 "Subject: x\n"
		 "Content-Type: text/plain; charset=ISO-2022-JP\n"
		 "\n"
		 "\x1b$B08@hITL@\x1b(B\n", &m); /* 宛先不明 */
	assert_non_null(strstr(m.text, "\xe5\xae\x9b\xe5\x85\x88\xe4\xb8\x8d\xe6\x98\x8e"));
	smtpdiag_message_free(&m);
}

static void message_read__html_only__text_without_tags(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	read_one("From: postmaster@example.net\nSubject: Undeliverable: hi\n"
		 "Content-Type: text/html; charset=utf-8\n\n"
		 "<html><style>p{}</style><body><p>Delivery has failed to:</p>"
		 "<p>bob@example.org</p><p>Remote Server returned '550 5.1.1 "
		 "User&nbsp;unknown &amp; gone'</p></body></html>\n", &m);
	assert_int_equal(m.kind, SMTPDIAG_MESSAGE_BOUNCE);
	assert_null(strstr(m.text, "<p>"));
	assert_null(strstr(m.text, "p{}"));
	assert_int_equal(m.count, 1);
	assert_string_equal(m.recipients[0].recipient, "bob@example.org");
	assert_non_null(strstr(m.recipients[0].diagnostic, "User unknown & gone"));
	smtpdiag_message_free(&m);
}

static void message_read__kinds__bounce_autoreply_complaint_other(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	read_one("From: bob@example.org\nTo: a@example.com\nSubject: Automatic reply: hi\n"
		 "Auto-Submitted: auto-replied\n\nI am away.\n", &m);
	assert_int_equal(m.kind, SMTPDIAG_MESSAGE_AUTOREPLY);
	assert_int_equal(m.count, 0);
	smtpdiag_message_free(&m);

	read_one("From: carol@example.org\nTo: a@example.com\nSubject: lunch\n\n"
		 "<bob@example.org>: see you at noon\n", &m);
	assert_int_equal(m.kind, SMTPDIAG_MESSAGE_OTHER);
	assert_int_equal(m.count, 0);
	smtpdiag_message_free(&m);

	read_one("From: staff@example.net\nTo: fbl@example.com\nSubject: complaint\n"
		 "Content-Type: multipart/report; report-type=feedback-report; boundary=b\n\n"
		 "--b\nContent-Type: text/plain\n\nA complaint.\n"
		 "--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
		 "User-Agent: x/1\nVersion: 1\nOriginal-Rcpt-To: <bob@example.net>\n"
		 "--b\nContent-Type: text/rfc822-headers\n\nFrom: a@example.com\n"
		 "To: bob@example.net\nMessage-ID: <m1@example.com>\nSubject: Offer\n--b--\n", &m);
	assert_int_equal(m.kind, SMTPDIAG_MESSAGE_COMPLAINT);
	assert_string_equal(m.feedback_type, "abuse");
	assert_int_equal(m.count, 1);
	assert_string_equal(m.recipients[0].recipient, "bob@example.net");
	assert_string_equal(m.original_message_id, "<m1@example.com>");
	struct smtpdiag_finding f;
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 0, &f), 0);
	assert_string_equal(smtpdiag_category_name(f.diagnosis.category), "spam");
	assert_string_equal(smtpdiag_who_name(f.diagnosis.who), "you");
	assert_string_equal(f.action, "complaint");
	smtpdiag_message_free(&m);
}

static void message_finding__dsn_without_diagnostic__status_decides(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	struct smtpdiag_finding f;
	read_one("From: MAILER-DAEMON@example.com\nSubject: Returned mail\n"
		 "Content-Type: multipart/report; report-type=delivery-status;\n"
		 " boundary=\"b b\"\n\n"
		 "--b b\nContent-Type: text/plain\n\nSorry.\n"
		 "--b b\nContent-Type: message/delivery-status\n\n"
		 "Reporting-MTA: dns; mx.example.com\n\n"
		 "Final-Recipient: rfc822; <bob@example.org>\nAction: failed\nStatus: 5.1.1\n\n"
		 "Final-Recipient: rfc822; carol@example.org\nAction: delayed\nStatus: 4.4.7\n"
		 "Diagnostic-Code: smtp; 451 4.4.7\n    delivery time expired\n\n"
		 "Final-Recipient: rfc822; dan@example.org\nAction: delivered\nStatus: 2.0.0\n"
		 "--b b--\n", &m);
	assert_int_equal(m.count, 3);
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 0, &f), 0);
	assert_string_equal(f.recipient, "bob@example.org");
	assert_string_equal(smtpdiag_category_name(f.diagnosis.category), "recipient");
	assert_int_equal(f.diagnosis.matched_by, SMTPDIAG_BY_STATUS);
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 1, &f), 0);
	assert_string_equal(f.action, "delayed");
	assert_int_equal(f.diagnosis.severity, SMTPDIAG_TRANSIENT);
	assert_string_equal(f.reply.text, "delivery time expired");
	assert_false(smtpdiag_bounced_failed(&m.recipients[2]));
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 3, &f), SMTPDIAG_EINVAL);
	smtpdiag_message_free(&m);
}

/* A recipient whose local part is quoted (RFC 5321's Quoted-string) keeps
 * its quotes; quotes around a whole address go, as angle brackets do. */
static void message_read__quoted_recipients__local_part_kept(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	read_one("From: MAILER-DAEMON@example.com\nSubject: Returned mail\n"
		 "Content-Type: multipart/report; report-type=delivery-status;\n"
		 " boundary=\"b\"\n\n"
		 "--b\nContent-Type: message/delivery-status\n\n"
		 "Reporting-MTA: dns; mx.example.com\n\n"
		 "Final-Recipient: rfc822;\"first last\"@example.org\nAction: failed\n"
		 "Status: 5.0.0\n\n"
		 "Final-Recipient: rfc822; <\"bob@example.org\">\nAction: failed\nStatus: 5.1.1\n"
		 "--b--\n", &m);
	assert_int_equal(m.count, 2);
	assert_string_equal(m.recipients[0].recipient, "\"first last\"@example.org");
	assert_string_equal(m.recipients[1].recipient, "bob@example.org");
	smtpdiag_message_free(&m);
}

/* Reports in plain text: the delivery-status fields in the body, and
 * recipients named after a label. */
static void message_read__plain_text_reports__recipients_found(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	struct smtpdiag_finding f;
	read_one("From: postmaster@example.net\nSubject: Delivery Status Notification\n\n"
		 "This report relates to a message you sent.\n\n"
		 "Final-Recipient: RFC822; <bob@example.org>\nAction: failed\nStatus: 5.2.2\n"
		 "Diagnostic-Code: SMTP; 552 5.2.2 Mailbox full\n\n"
		 "Final-Recipient: RFC822; carol@example.org\nAction: delayed\nStatus: 4.4.1\n", &m);
	assert_int_equal(m.count, 2);
	assert_string_equal(m.recipients[0].recipient, "bob@example.org");
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 0, &f), 0);
	assert_string_equal(smtpdiag_category_name(f.diagnosis.category), "mailbox");
	assert_string_equal(m.recipients[1].action, "delayed");
	smtpdiag_message_free(&m);

	read_one("From: MAILER-DAEMON@example.net\nSubject: Undeliverable mail\n\n"
		 "Recipient address: bob@example.org\nReason: 550 5.1.1 User unknown\n\n"
		 "Original recipient: <carol@example.org>\nReason: 552 5.2.2 Mailbox full\n", &m);
	assert_int_equal(m.count, 2);
	assert_string_equal(m.recipients[0].recipient, "bob@example.org");
	assert_string_equal(m.recipients[1].recipient, "carol@example.org");
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 1, &f), 0);
	assert_string_equal(smtpdiag_category_name(f.diagnosis.category), "mailbox");
	smtpdiag_message_free(&m);

	/* qmail: the reason starts after "<address>:", not with its '>' */
	read_one("From: MAILER-DAEMON@example.net\nSubject: failure notice\n\n"
		 "I wasn't able to deliver your message to the following addresses.\n\n"
		 "<bob@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n", &m);
	assert_int_equal(m.count, 1);
	const char *why = m.recipients[0].diagnostic;
	why += strspn(why, " \t\r\n");
	assert_int_equal(strncmp(why, "Sorry, no mailbox", 17), 0);
	smtpdiag_message_free(&m);

	/* Postfix folds a long reply and names the recipient again in it:
	 * the indented line goes on with the same reason */
	read_one("From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail\n\n"
		 "<bob@example.org>: host mx.example.org[192.0.2.25] said: 550 5.1.1\n"
		 "    <bob@example.org>: Recipient address rejected: User unknown (in reply\n"
		 "    to RCPT TO command)\n", &m);
	assert_int_equal(m.count, 1);
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 0, &f), 0);
	assert_non_null(strstr(f.reply.text, "Recipient address rejected: User"));
	assert_string_equal(f.reply.command, "RCPT TO");
	smtpdiag_message_free(&m);

	/* a report without a diagnostic, whose text names no recipient: the
	 * text's words are the reason */
	read_one("From: postmaster@example.net\nSubject: Undeliverable\nContent-Type: "
		 "multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\n"
		 "Content-Type: text/plain\n\nFehler bei der Auslieferung Ihrer Nachricht\n"
		 " account is full (quota exceeded)\n--b\nContent-Type: message/delivery-status\n\n"
		 "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; bob@example.org\n"
		 "Action: failed\nStatus: 4.0.0\n--b--\n", &m);
	assert_int_equal(m.count, 1);
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 0, &f), 0);
	assert_string_equal(smtpdiag_category_name(f.diagnosis.category), "mailbox");
	smtpdiag_message_free(&m);
}

/* A multipart type without a boundary parameter (cut short: "bo"): its
 * body is read as the text, the report inside it included. */
static void message_read__multipart_without_boundary__body_as_text(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	struct smtpdiag_finding f;
	read_one("From: Mail Delivery Subsystem <MAILER-DAEMON@example.net>\n"
		 "Subject: Returned mail: Too many hops 19 (17 max)\n"
		 "MIME-Version: 1.0\n"
		 "Content-Type: multipart/report; report-type=delivery-status;\n\tbo\n\n"
		 "--JAB03225.986577786/example.net\n\n"
		 "   ----- The following addresses have delivery notifications -----\n"
		 "<bob@example.org>  (unrecoverable error)\n\n"
		 "   ----- Transcript of session follows -----\n"
		 "554 Too many hops 19 (17 max): from <a@example.com> via [192.0.2.1], to "
		 "<bob@example.org>\n\n"
		 "--JAB03225.986577786/example.net\n"
		 "Content-Type: message/delivery-status\n\n"
		 "Reporting-MTA: dns; example.net\n\n"
		 "Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.4.6\n\n"
		 "--JAB03225.986577786/example.net--\n", &m);
	assert_int_equal(m.kind, SMTPDIAG_MESSAGE_BOUNCE);
	assert_int_equal(m.count, 1);
	assert_string_equal(m.recipients[0].recipient, "bob@example.org");
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 0, &f), 0);
	assert_string_equal(smtpdiag_category_name(f.diagnosis.category), "message");
	smtpdiag_message_free(&m);
}

static void message_read__null_sender_thanks__no_recipient(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	/* an acknowledgement sent from the null sender, naming no address and
	 * no failure: no failed recipient, though the message looks like a
	 * report by its sender */
	read_one("Return-Path: <MAILER-DAEMON>\nFrom: no_reply@example.de\n"
		 "Subject: E-Mail Empfangsbestaetigung: Unterlagen\n\nGuten Tag,\n\n"
		 "vielen Dank fuer Ihre elektronische Nachricht. Wir werden Ihre Anfrage "
		 "schnellstmoeglich bearbeiten.\n", &m);
	assert_int_equal(m.count, 0);
	smtpdiag_message_free(&m);
	/* an out-of-office reply a forwarder passed on under its own
	 * MAILER-DAEMON: an automatic reply, not a report */
	read_one("Return-Path: <MAILER-DAEMON@relay.example.org>\nFrom: Ann <ann@example.co.uk>\n"
		 "Subject: Automatic Response\n\nI am out of the office until Tuesday. If your "
		 "email is urgent please resend it to news@example.co.uk.\n", &m);
	assert_int_equal(m.kind, SMTPDIAG_MESSAGE_AUTOREPLY);
	assert_int_equal(m.count, 0);
	smtpdiag_message_free(&m);
	/* a report marked "Auto-Submitted: auto-replied", as MTAs mark
	 * theirs, from the postmaster: still a report */
	read_one("From: \"Delivery Subsystem\" <POSTMASTER@mx.example.ir>\n"
		 "Subject: Message Delivery Delay\nAuto-Submitted: auto-replied\n\n"
		 "Message delivery has been delayed.\n"
		 "Message is waiting at mx.example.ir for delivery to example.org.\n"
		 "The message will be retried for another 29 hours.\n", &m);
	assert_int_equal(m.kind, SMTPDIAG_MESSAGE_BOUNCE);
	assert_int_equal(m.count, 1);
	smtpdiag_message_free(&m);
	/* the same with a subject that says the delivery failed: one
	 * recipient, unnamed */
	read_one("Return-Path: <MAILER-DAEMON>\nFrom: no_reply@example.de\n"
		 "Subject: Undeliverable: Unterlagen\n\nGuten Tag,\n", &m);
	assert_int_equal(m.count, 1);
	smtpdiag_message_free(&m);
}

static void message_read__no_reason_given__recipient_kept_unknown(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	struct smtpdiag_finding f;
	read_one("From: Mail Delivery System <MAILER-DAEMON@example.com>\n"
		 "Subject: Mail delivery failed\nX-Failed-Recipients: bob@example.org\n\n"
		 "This message was created automatically.\n", &m);
	assert_int_equal(m.count, 1);
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 0, &f), 0);
	assert_string_equal(f.recipient, "bob@example.org");
	assert_string_equal(smtpdiag_category_name(f.diagnosis.category), "unknown");
	assert_int_equal(f.diagnosis.severity, SMTPDIAG_PERMANENT);
	smtpdiag_message_free(&m);
}

/* Hostile structure: still linear, never out of bounds (ASan runs this). */
static void message_read__hostile_mime__no_crash(void **state)
{
	(void)state;
	struct smtpdiag_message m;
	size_t depth = 10000, len = 0;
	char *buf = malloc(depth * 64 + 256);
	assert_non_null(buf);
	len += (size_t)sprintf(buf, "From: MAILER-DAEMON@x.example\nSubject: x\n");
	for (size_t i = 0; i < depth; i++)
		len += (size_t)sprintf(buf + len, "Content-Type: multipart/mixed; boundary=b%zu\n\n--b%zu\n",
				       i, i);
	len += (size_t)sprintf(buf + len, "Content-Type: text/plain\n\n<a@b.example>: 550 no\n");
	assert_int_equal(smtpdiag_message_read(buf, len, &m), 0);
	smtpdiag_message_free(&m);

	const char *bad[] = {
		"Subject: x\nFrom: y\nContent-Type: multipart/mixed; boundary=\"\n\n--\n",
		"Subject: x\nFrom: y\nContent-Transfer-Encoding: base64\n\n!!!!====@@@@\n",
		"Subject: x\nFrom: y\nContent-Transfer-Encoding: quoted-printable\n\n=\n=4\n=ZZ",
		"Subject: =?utf-8?B?====?= =?x?Q?=?= =?\nFrom: y\n\n",
		"Subject: x\nFrom: y\nContent-Type: text/plain; charset=no-such-charset\n\n\xff\xfe",
		"Subject: x\nFrom: MAILER-DAEMON@y\nContent-Type: text/html\n\n<p>&#99999999;&#x;<",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(smtpdiag_message_read(bad[i], strlen(bad[i]), &m), 0);
		smtpdiag_message_free(&m);
	}
	free(buf);
}

static void message_detect__message_log_and_empty(void **state)
{
	(void)state;
	const char *msg = "Return-Path: <>\nFrom: a@example.com\nSubject: x\n\nbody\n";
	const char *log = "Dec  5 10:00:00 mx postfix/smtp[1]: 3F2A1: to=<a@b>, status=bounced\n";
	assert_int_equal(smtpdiag_message_detect(msg, strlen(msg)), 1);
	assert_int_equal(smtpdiag_message_detect(log, strlen(log)), 0);
	assert_int_equal(smtpdiag_message_detect("", 0), 0);
	/* a paste with blank lines first, a message saved from an mbox */
	const char *pasted = "\n  \r\nFrom: a@example.com\nSubject: x\n\nbody\n";
	const char *saved = "From MAILER-DAEMON Mon Dec  2 10:00:00 2024\nFrom: a@example.com\n"
			    "Subject: Undelivered Mail\n\n<bob@example.org>: 550 5.1.1 no such user\n";
	assert_int_equal(smtpdiag_message_detect(pasted, strlen(pasted)), 1);
	assert_int_equal(smtpdiag_message_detect(saved, strlen(saved)), 1);
	/* a delivery-status part's fields pasted without a header, after its
	 * message fields or alone; not when one line runs them together */
	const char *fields = "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; "
			     "bob@example.org\nAction: failed\nStatus: 5.4.6\n";
	const char *alone = "Final-Recipient: rfc822; bob@example.org\nAction: failed\n"
			    "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n";
	const char *one_line = "Final-Recipient: rfc822; bob@example.org Action: failed\n";
	assert_int_equal(smtpdiag_message_detect(fields, strlen(fields)), 1);
	assert_int_equal(smtpdiag_message_detect(alone, strlen(alone)), 1);
	assert_int_equal(smtpdiag_message_detect(one_line, strlen(one_line)), 0);
	/* a body whose first paragraph frames the reason given below it */
	const char *framed = "A message that you sent was rejected by the local scanning code that\n"
			     "checks incoming messages on this system. The following error was given:\n"
			     "\n  Local mailbox bob@example.org is unavailable: user not found\n";
	assert_int_equal(smtpdiag_message_detect(framed, strlen(framed)), 1);
	struct smtpdiag_message m;
	struct smtpdiag_finding f;
	read_one(alone, &m);
	assert_int_equal(m.count, 1);
	assert_int_equal(smtpdiag_message_finding(NULL, &m, 0, &f), 0);
	assert_string_equal(smtpdiag_category_name(f.diagnosis.category), "mailbox");
	smtpdiag_message_free(&m);
	read_one(saved, &m);
	assert_int_equal(m.kind, SMTPDIAG_MESSAGE_BOUNCE);
	assert_int_equal(m.count, 1);
	assert_string_equal(m.recipients[0].recipient, "bob@example.org");
	smtpdiag_message_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(samples__each_message__findings_as_expected),
		cmocka_unit_test(message_read__encodings_and_charsets__decoded_to_utf8),
		cmocka_unit_test(message_read__html_only__text_without_tags),
		cmocka_unit_test(message_read__kinds__bounce_autoreply_complaint_other),
		cmocka_unit_test(message_finding__dsn_without_diagnostic__status_decides),
		cmocka_unit_test(message_read__quoted_recipients__local_part_kept),
		cmocka_unit_test(message_read__plain_text_reports__recipients_found),
		cmocka_unit_test(message_read__no_reason_given__recipient_kept_unknown),
		cmocka_unit_test(message_read__multipart_without_boundary__body_as_text),
		cmocka_unit_test(message_read__null_sender_thanks__no_recipient),
		cmocka_unit_test(message_read__hostile_mime__no_crash),
		cmocka_unit_test(message_detect__message_log_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
