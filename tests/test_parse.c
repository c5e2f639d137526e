/*
 * test_parse.c - the reply parser on every shape a reply is pasted in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpdiag.h"

struct shape {
	const char *name;
	const char *input;
	int code;
	const char *status; /* "" when none */
	const char *text;   /* the joined text */
};

static const struct shape shapes[] = {
	{ "code status text", "550 5.1.1 User unknown", 550, "5.1.1", "User unknown" },
	{ "glued to the command it answered (qmail)",
	  "did not like our RCPT TO:552 5.2.2 <bob@example.org>... Mailbox full", 552, "5.2.2",
	  "<bob@example.org>... Mailbox full" },
	{ "a DSN's diagnostic type glued to a bare code",
	  "Diagnostic-Code: smtp;550 Requested action not taken: mailbox unavailable", 550, "",
	  "Requested action not taken: mailbox unavailable" },
	{ "the code last, after the words \"Error Code\"",
	  "Requested action not taken: mailbox unavailable. [SMTP Error Code 550]", 550, "", "" },
	{ "the code alone in brackets after \"error\", last (lettre)",
	  "Error: permanent error (535)", 535, "", "" },
	{ "a dash between code and status", "ERROR CODE :554 - 5.2.1 Too many failures", 554,
	  "5.2.1", "Too many failures" },
	{ "a multi-line reply printed as one line, then folded by a bounce",
	  "said: 550-5.7.1 Messages with multiple addresses\n"
	  "    in From: 550 5.7.1 header are not accepted. (in reply to end of DATA command)\n",
	  550, "5.7.1", "Messages with multiple addresses in From: header are not accepted." },
	{ "printed as one line, folded, a code past the start of its folded line",
	  "said: 550-The mail server\n"
	  "    could not deliver mail to bob@example.org.  The account 550-or domain may\n"
	  "    not exist, they may be blacklisted, or missing the proper dns 550 entries.\n"
	  "    (in reply to RCPT TO command)\n",
	  550, "", "The mail server could not deliver mail to bob@example.org. The account or "
	  "domain may not exist, they may be blacklisted, or missing the proper dns entries." },
	{ "folded before \"said:\", its lines after at that indent (Postfix)",
	  "<bob@example.org>: host mx1.mail.example.net[192.0.2.1]\n"
	  "    said: 554 5.7.105 Sender denied as sender's email\n"
	  "    address is on SenderFilterConfig list (in reply to end of DATA command)\n",
	  554, "5.7.105",
	  "Sender denied as sender's email address is on SenderFilterConfig list" },
	{ "folded onto deeper lines in a bounce",
	  "<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n"
	  "    <bob@example.org>: Recipient address rejected: User unknown in virtual\n"
	  "    mailbox table (in reply to RCPT TO\n    command)\n\nThe mail system\n",
	  550, "5.1.1", "<bob@example.org>: Recipient address rejected: User unknown in virtual "
	  "mailbox table" },
	{ "a reply that begins an indented line goes on at that indent (Exim)",
	  "  bob@example.org\n    SMTP error from remote mail server after RCPT TO:<bob@example.org>:\n"
	  "    450 4.7.1 <bob@example.org>: Recipient address rejected:\n"
	  "    Sorry, their mailbox is full\n    retry timeout exceeded\n\n-- \n",
	  450, "4.7.1",
	  "<bob@example.org>: Recipient address rejected: Sorry, their mailbox is full retry "
	  "timeout exceeded" },
	{ "a folded Diagnostic-Code header",
	  "Diagnostic-Code: smtp; 552 5.2.2 <bob@example.org>: mailbox\n full\nLast-Attempt-Date: x",
	  552, "5.2.2", "<bob@example.org>: mailbox full" },
	{ "a line indented less is the next recipient (Exim)",
	  "  bob@example.org\n    550 5.1.1 User unknown\n  carol@example.org\n", 550, "5.1.1",
	  "User unknown" },
	{ "an apostrophe inside a quoted reply",
	  "Remote Server returned '550 5.2.2 The recipient's mailbox is full'; more", 550, "5.2.2",
	  "The recipient's mailbox is full" },
	{ "a quote between the code's dash and the status (Mimecast)",
	  "Unknown address error 550-'5.1.1 <bob@example.org>: User unknown' more", 550, "5.1.1",
	  "<bob@example.org>: User unknown" },
	{ "a reply in brackets (Swift Mailer)",
	  "Expected response code(s) [334] but got response [530 5.7.0 Must issue STARTTLS first]",
	  530, "5.7.0", "Must issue STARTTLS first" },
	{ "the code a program got, not the one it expected (Swift Mailer)",
	  "Expected response code 354 but got code \"503\"", 503, "", "" },
	{ "the status repeated inside the words (Gmail's lines pasted without their codes)",
	  "552 5.7.0 a potential 5.7.0 security issue. Visit 5.7.0 https://x", 552, "5.7.0",
	  "a potential security issue. Visit https://x" },
	{ "the code a program got, not the one it expected (Node)",
	  "Error: Expected smtp code 250, got 552", 552, "", "" },
	{ "a code after the word SMTP", "SMTP 550 (recipient rejected GL/BL)", 550, "",
	  "(recipient rejected GL/BL)" },
	{ "a code glued to \"reply:\"", "Failed to send - Negative SMTP reply:550 Not allowed", 550,
	  "", "Not allowed" },
	{ "a reply's code after the word \"fail\"", "Hard Fail 550 Action not taken", 550, "",
	  "Action not taken" },
	{ "lettre's code in parentheses", "permanent error (550): 5.7.1 Relaying denied", 550,
	  "5.7.1", "Relaying denied" },
	{ "IIS's log, the reply's spaces written '+'",
	  "- 0 - - 550+5.7.60+SMTP;+Client+does+not+have+permissions 0 0 128", 550, "5.7.60",
	  "SMTP; Client does not have permissions" },
	{ "PEAR's code and response",
	  "Invalid response code received from server (code: 550, response: 5.7.1 No rDNS)", 550,
	  "5.7.1", "No rDNS)" },
	{ "Ruby's code said twice", "could not get 3xx (550: 550 5.7.1 Relaying denied)", 550,
	  "5.7.1", "Relaying denied)" },
	{ "Exchange's #code ... ##", "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", 550,
	  "5.1.1", "RESOLVER.ADR.RecipNotFound; not found" },
	{ "code dash status, two lines",
	  "535-5.7.8 Username and Password not accepted. Learn more at\n"
	  "535 5.7.8 https://support.google.com/mail/?p=BadCredentials x1sm - gsmtp",
	  535, "5.7.8",
	  "Username and Password not accepted. Learn more at "
	  "https://support.google.com/mail/?p=BadCredentials x1sm - gsmtp" },
	{ "continuation glued into the line",
	  "535-5.7.1 Please log in with your web browser and then try again. Learn more "
	  "at535 5.7.1 https://support.google.com/mail/bin/answer.py?answer=78754 "
	  "p2sm808096lbj.4Disconnected.",
	  535, "5.7.1",
	  "Please log in with your web browser and then try again. Learn more at "
	  "https://support.google.com/mail/bin/answer.py?answer=78754 p2sm808096lbj.4" },
	{ "continuation after a space in one line",
	  "535-5.7.1 Please log in. Learn more at 535 5.7.1 https://example.org/x",
	  535, "5.7.1", "Please log in. Learn more at https://example.org/x" },
	{ "code text", "550 Relay prohibited", 550, "", "Relay prohibited" },
	{ "code colon text", "503: Bad sequence of commands", 503, "", "Bad sequence of commands" },
	{ "google table", "421, \"4.4.5\". Server busy, try again later.", 421, "4.4.5",
	  "Server busy, try again later." },
	{ "status in the text, qmail style",
	  "553 Sorry, this domain is not in my list of allowed hosts (#5.7.1)", 553, "5.7.1",
	  "Sorry, this domain is not in my list of allowed hosts (#5.7.1)" },
	{ "outlook report, quoted",
	  "protocol: SMTP, server response: \"550 Relay prohibited\", port: 25, "
	  "security (SSL): no, server error: 550, error number: 0x800CCC79",
	  550, "", "Relay prohibited" },
	{ "chatter around it",
	  "Connecting to: smtp.ukr.net:465\nConnected.\n451 excessive mail rate for "
	  "unknown mailhub, throttling\nDisconnected.",
	  451, "", "excessive mail rate for unknown mailhub, throttling" },
	{ "trailing Disconnected. on the line",
	  "535 Incorrect authentication data Disconnected.", 535, "",
	  "Incorrect authentication data" },
	{ "crlf", "550-5.1.1 first\r\n550 5.1.1 second\r\n", 550, "5.1.1", "first second" },
	{ "postfix flattened with wrapper",
	  "status=bounced (host mx.example.org[192.0.2.27] said: 550-5.1.1 The email "
	  "account does not exist. Please try 550-5.1.1 double-checking. 550 5.1.1 "
	  "https://support.google.com/mail/?p=NoSuchUser a1si - gsmtp (in reply to "
	  "RCPT TO command))",
	  550, "5.1.1",
	  "The email account does not exist. Please try double-checking. "
	  "https://support.google.com/mail/?p=NoSuchUser a1si - gsmtp" },
	{ "python bytes",
	  "smtplib.SMTPAuthenticationError: (535, b'5.7.8 Username and Password not "
	  "accepted. For more information, go to\\n5.7.8  "
	  "https://support.google.com/mail/?p=BadCredentials x1sm - gsmtp')",
	  535, "5.7.8",
	  "Username and Password not accepted. For more information, go to "
	  "https://support.google.com/mail/?p=BadCredentials x1sm - gsmtp" },
	{ "msmtp escaped lines",
	  "smtpstatus=535 smtpmsg='535-5.7.8 Username and Password not accepted.\\n"
	  "535 5.7.8  https://support.google.com/mail/?p=BadCredentials x1sm - gsmtp' "
	  "errormsg='authentication failed (method PLAIN)'",
	  535, "5.7.8",
	  "Username and Password not accepted. "
	  "https://support.google.com/mail/?p=BadCredentials x1sm - gsmtp" },
	{ "status without code (.NET)",
	  "System.Net.Mail.SmtpException: The SMTP server requires a secure connection "
	  "or the client was not authenticated. The server response was: 5.7.0 "
	  "Authentication Required.",
	  0, "5.7.0", "Authentication Required." },
	{ "swaks marker", "<** 550 5.7.1 Relaying denied", 550, "5.7.1", "Relaying denied" },
	{ "phpmailer continuation behind a time stamp",
	  "2024-05-03 10:18:40 SERVER -> CLIENT: 535-5.7.8 Username and Password not "
	  "accepted.\n2024-05-03 10:18:40 SERVER -> CLIENT: 535 5.7.8 more",
	  535, "5.7.8", "Username and Password not accepted. more" },
	{ "three-digit status parts", "550 5.7.139 Authentication unsuccessful", 550, "5.7.139",
	  "Authentication unsuccessful" },
	{ "code alone", "421\n", 421, "", "" },
	{ "a NUL byte becomes a space", "550 5.1.1 bad\0user", 550, "5.1.1", "bad user" },
	{ "a success code before a failed status: the status tells",
	  "Invalid login:353-5.7.8 Username and Password not accepted", 0, "5.7.8",
	  "Username and Password not accepted" },
	{ "a dot for the blank between code and status", "550.5.1.0 sender user@example.net rejected",
	  550, "5.1.0", "sender user@example.net rejected" },
	{ "quoted text that runs over its line",
	  "550: \"JunkMail rejected - mx.example.net\n[192.0.2.84] is in an RBL on "
	  "rbl.example.org\"\nThis is a permanent error.",
	  550, "", "JunkMail rejected - mx.example.net [192.0.2.84] is in an RBL on rbl.example.org" },
	{ "a quote that never closes takes no other line",
	  "550 \"unbalanced text\nThe next line.\nAnd one more.", 550, "", "\"unbalanced text" },
	{ "Cisco AsyncOS: the code and the reply's lines in Python's form",
	  "Bounced: Unknown address error ('550', ['5.1.1 <b@example.org>... User unknown']) []",
	  550, "5.1.1", "<b@example.org>... User unknown" },
};

static void smtpdiag_parse__each_shape__code_status_text(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		const struct shape *s = &shapes[i];
		struct smtpdiag_reply r;
		size_t pos = 0, len = strlen(s->input);
		if (!strcmp(s->name, "a NUL byte becomes a space"))
			len = sizeof "550 5.1.1 bad\0user" - 1;
		char status[32] = "";
		print_message("shape: %s\n", s->name);
		assert_int_equal(smtpdiag_parse(s->input, len, &pos, &r), 0);
		assert_int_equal(r.code, s->code);
		if (r.status.cls)
			snprintf(status, sizeof status, "%u.%u.%u", r.status.cls,
				 r.status.subject, r.status.detail);
		assert_string_equal(status, s->status);
		assert_string_equal(r.text, s->text);
		assert_int_equal(r.text_len, strlen(s->text));
		assert_true(pos > 0 && pos <= len);
	}
}

static const char *const not_replies[] = {
	"error number: 0x800CCC79",
	"Socket Error #10060\nConnection timed out.",
	"Connecting to: smtp.example.net:465",
	"Connecting to: smtp.example.net:443",
	"2024-05-03 10:12:01 delivered",
	"Sent 250 messages today",
	/* curl's progress meter, its speed after an unknown time left */
	"100   101    0     0  100   101      0    435 --:--:-- --:--:-- --:--:--   435",
	"version 5.7.1.2 of the tool",
	"",
	"   \n\t\n",
	"Expected response code \"220\" but got empty code.", /* Symfony: what it wanted */
	"Expected response codes 250 but got none",
	"[2001:db8::222 13] Messages with multiple addresses are not accepted",
	"Expected response code(s) [250] but got none",
	/* a line number in brackets at the end */
	"Expected response code 220 but got an empty response; File: AbstractSmtpTransport.php (445)",
	"Diagnostic-Code: X-Unix; 255", /* a program's exit status */
	"warning: Message delivery request rate limit exceeded: 334 from x[192.0.2.1]", /* a count */
	"Oct 07 13:04:23 mx postfix/smtp[229]: 8A7D11657: to=<a@example.com>", /* a process id */
	"Request failed with error 500 Internal Server Error", /* HTTP's, not a reply */
	"Retry failed 3 times, 250 messages left",
	"exceeded the max emails per hour (200) allowed", /* a count in brackets */
	/* a number of a unit: a time, a size */
	"Maximum time (300 sec) exceeded.",
	"Connection timed out after\n450 seconds",
	"Attachment of\n552 KB removed",
};

static void smtpdiag_parse__no_reply__enoreply(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof not_replies / sizeof *not_replies; i++) {
		struct smtpdiag_reply r;
		size_t pos = 0;
		print_message("input: %s\n", not_replies[i]);
		assert_int_equal(smtpdiag_parse(not_replies[i], strlen(not_replies[i]), &pos, &r),
				 SMTPDIAG_ENOREPLY);
	}
}

static void smtpdiag_parse__transcript__every_reply_in_order(void **state)
{
	static const char in[] = "501 sender address must match authenticated user\n"
				 "RCPT TO:\nRSET\n503 sender not yet given\nDisconnected.";
	struct smtpdiag_reply r;
	size_t pos = 0;
	(void)state;
	assert_int_equal(smtpdiag_parse(in, sizeof in - 1, &pos, &r), 0);
	assert_int_equal(r.code, 501);
	assert_string_equal(r.text, "sender address must match authenticated user");
	assert_int_equal(smtpdiag_parse(in, sizeof in - 1, &pos, &r), 0);
	assert_int_equal(r.code, 503);
	assert_string_equal(r.text, "sender not yet given");
	assert_int_equal(smtpdiag_parse(in, sizeof in - 1, &pos, &r), SMTPDIAG_ENOREPLY);
}

static void smtpdiag_parse__last_line_without_dash__next_reply_separate(void **state)
{
	static const char in[] = "550 5.1.1 first\n550 5.1.1 second";
	struct smtpdiag_reply r;
	size_t pos = 0;
	(void)state;
	assert_int_equal(smtpdiag_parse(in, sizeof in - 1, &pos, &r), 0);
	assert_string_equal(r.text, "first");
	assert_int_equal(smtpdiag_parse(in, sizeof in - 1, &pos, &r), 0);
	assert_string_equal(r.text, "second");
}

static void smtpdiag_parse__postfix_wrapper__command_kept(void **state)
{
	static const char in[] = "said: 550 5.1.1 no such user (in reply to RCPT TO command))";
	struct smtpdiag_reply r;
	size_t pos = 0;
	(void)state;
	assert_int_equal(smtpdiag_parse(in, sizeof in - 1, &pos, &r), 0);
	assert_string_equal(r.command, "RCPT TO");
	assert_string_equal(r.text, "no such user");
}

static void smtpdiag_parse__text_longer_than_max__cut_and_flagged(void **state)
{
	size_t n = 3 * SMTPDIAG_TEXT_MAX;
	char *in = malloc(n);
	struct smtpdiag_reply r;
	size_t pos = 0;
	(void)state;
	memcpy(in, "550 ", 4);
	memset(in + 4, 'a', n - 4);
	assert_int_equal(smtpdiag_parse(in, n, &pos, &r), 0);
	assert_true(r.truncated);
	assert_int_equal(r.text_len, SMTPDIAG_TEXT_MAX - 1);
	assert_int_equal(strlen(r.text), SMTPDIAG_TEXT_MAX - 1);
	assert_int_equal(pos, n);
	free(in);
}

static void smtpdiag_parse__many_continuations__one_reply(void **state)
{
	size_t lines = 10000, n = 0;
	char *in = malloc(lines * 16);
	struct smtpdiag_reply r;
	size_t pos = 0;
	(void)state;
	for (size_t i = 0; i + 1 < lines; i++)
		n += (size_t)sprintf(in + n, "550-5.1.1 x%zu\n", i % 10);
	n += (size_t)sprintf(in + n, "550 5.1.1 end\n");
	assert_int_equal(smtpdiag_parse(in, n, &pos, &r), 0);
	assert_true(r.truncated);
	assert_int_equal(smtpdiag_parse(in, n, &pos, &r), SMTPDIAG_ENOREPLY);
	free(in);
}

static void smtpdiag_reply_from_text__bulk_mailer__host_and_port(void **state)
{
	static const char in[] = "Connecting to: first.hosted.in:25\n\nSocket Error #10060\n\n"
				 "Connection timed out.";
	struct smtpdiag_reply r;
	(void)state;
	assert_int_equal(smtpdiag_reply_from_text(in, sizeof in - 1, &r), 0);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.host, "first.hosted.in");
	assert_int_equal(r.port, 25);
	assert_string_equal(r.text, "Connecting to: first.hosted.in:25 Socket Error #10060 "
				    "Connection timed out.");
}

static void smtpdiag_reply_from_text__postfix_connect__host_and_port(void **state)
{
	static const char in[] = "status=deferred (connect to mx.example.net[192.0.2.40]:25: "
				 "Connection timed out)";
	struct smtpdiag_reply r;
	(void)state;
	smtpdiag_reply_from_text(in, sizeof in - 1, &r);
	assert_string_equal(r.host, "mx.example.net");
	assert_int_equal(r.port, 25);
}

static void smtpdiag_reply_from_text__pasted_report_fields__status_taken(void **state)
{
	static const char in[] = "Action: failed\nStatus: 5.4.4\n"
				 "Diagnostic-Code: DNS; Host not found";
	static const char not_a_field[] = "delivery status: 5.4.4 is what it said";
	struct smtpdiag_reply r;
	(void)state;
	smtpdiag_reply_from_text(in, sizeof in - 1, &r);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.status.cls, 5);
	assert_int_equal(r.status.subject, 4);
	assert_int_equal(r.status.detail, 4);
	smtpdiag_reply_from_text(not_a_field, sizeof not_a_field - 1, &r);
	assert_int_equal(r.status.cls, 0);
}

static void smtpdiag_reply_from_text__log_dsn_field__status_taken(void **state)
{
	static const char postfix[] = "postfix/error[15977]: CDF41320F4F: to=<a@example.com>, "
				      "relay=none, delay=4.5, dsn=4.3.0, status=deferred "
				      "(mail transport unavailable)";
	static const char sendmail[] = "sendmail[31574]: mBDIY: to=<a@example.com>, "
				       "mailer=esmtp, dsn=5.0.0, stat=Service unavailable";
	static const char inside_a_word[] = "smtp_dsn=5.1.1 was configured";
	struct smtpdiag_reply r;
	(void)state;
	smtpdiag_reply_from_text(postfix, sizeof postfix - 1, &r);
	assert_int_equal(r.status.cls, 4);
	assert_int_equal(r.status.subject, 3);
	assert_int_equal(r.status.detail, 0);
	smtpdiag_reply_from_text(sendmail, sizeof sendmail - 1, &r);
	assert_int_equal(r.status.cls, 5);
	assert_int_equal(r.status.subject, 0);
	smtpdiag_reply_from_text(inside_a_word, sizeof inside_a_word - 1, &r);
	assert_int_equal(r.status.cls, 0);
}

/* An address in brackets is no status, and leaves none behind: PowerMTA's
 * accounting line ends with the remote host's "(2.2.2.2)". */
static void smtpdiag_reply_from_text__address_in_brackets__no_status(void **state)
{
	static const char ip[] = "bad destination mailbox address, mx1.example.com (2.2.2.2)";
	static const char qmail[] = "Sorry, no mailbox here by that name. (#5.1.1)";
	struct smtpdiag_reply r;
	(void)state;
	smtpdiag_reply_from_text(ip, sizeof ip - 1, &r);
	assert_int_equal(r.status.cls, 0);
	smtpdiag_reply_from_text(qmail, sizeof qmail - 1, &r);
	assert_int_equal(r.status.cls, 5);
	assert_int_equal(r.status.subject, 1);
	assert_int_equal(r.status.detail, 1);
}

/* Rust's lettre prints a reply code by the names of its three digits. */
static void smtpdiag_reply_from_text__code_by_digit_names__code_taken(void **state)
{
	static const char lettre[] = "lettre::transport::smtp::Error {\n kind: Permanent(\n "
				     "Code {\n severity: PermanentNegativeCompletion,\n "
				     "category: MailSystem,\n detail: Four,\n },\n ),\n}";
	static const char transient[] = "Code { severity: TransientNegativeCompletion, "
					"category: Connections, detail: One }";
	static const char partial[] = "Code { severity: PermanentNegativeCompletion, "
				      "category: Elsewhere, detail: Four }";
	struct smtpdiag_reply r;
	(void)state;
	smtpdiag_reply_from_text(lettre, sizeof lettre - 1, &r);
	assert_int_equal(r.code, 554);
	smtpdiag_reply_from_text(transient, sizeof transient - 1, &r);
	assert_int_equal(r.code, 421);
	smtpdiag_reply_from_text(partial, sizeof partial - 1, &r);
	assert_int_equal(r.code, 0);
}

/* A recipient's words in answer to MAIL FROM are about the sender, however
 * the paste says so. */
static void smtpdiag_diagnose__refused_before_recipient__not_the_recipients(void **state)
{
	static const struct {
		const char *in;
		enum smtpdiag_category category;
	} cases[] = {
		{ "<b@example.org>: host mx[192.0.2.1] said: 550 5.1.1 User unknown (in reply to "
		  "MAIL FROM command)", SMTPDIAG_CAT_SENDER },
		{ "Error: Mail command failed: 550 Requested action not taken: mailbox unavailable",
		  SMTPDIAG_CAT_SENDER },
		{ "Failed to send test email. Cause: Mail command failed: 553 Invalid address",
		  SMTPDIAG_CAT_SENDER },
		{ "After sending MAIL FROM:<a@example.com>, response did not start with any of: "
		  "[2].\nResponse from server: < 550 5.1.0 invalid domain", SMTPDIAG_CAT_SENDER },
		{ "SMTP error from remote mail server after MAIL FROM:<a@example.com>:\n"
		  "550 5.1.1 unknown user", SMTPDIAG_CAT_SENDER },
		{ "smtplib.SMTPSenderRefused: (550, b'5.1.1 User unknown', 'a@example.com')",
		  SMTPDIAG_CAT_SENDER },
		/* Thunderbird's alerts for MAIL FROM and for RCPT TO */
		{ "An error occurred while sending mail. The mail server responded: 550 5.1.1 User "
		  "unknown. Please verify that your email address is correct in your account "
		  "settings and try again.", SMTPDIAG_CAT_SENDER },
		/* Outlook's alert for a refused MAIL FROM (0x800CCC78) */
		{ "Sending reported error (0x800CCC78): Cannot send the message. Verify the e-mail "
		  "address in your account properties. The server responded: 550 5.1.1 User unknown",
		  SMTPDIAG_CAT_SENDER },
		{ "An error occurred while sending mail. The mail server responded: 550 5.1.1 User "
		  "unknown. Please check the message recipient \"b@example.org\" and try again.",
		  SMTPDIAG_CAT_RECIPIENT },
		{ "SMTP error from remote mail server after RCPT TO:<b@example.org>:\n"
		  "550 5.1.1 unknown user", SMTPDIAG_CAT_RECIPIENT },
		/* a mailbox's refusal that a sender check quotes is the sender's */
		{ "550-Verification failed for <a@example.org>\n550-Sent: RCPT TO:<a@example.org>\n"
		  "550-Response: 550-5.2.1 The user you are trying to contact is receiving mail at a "
		  "rate that prevents additional messages from being delivered.\n"
		  "550 Sender verify failed", SMTPDIAG_CAT_SENDER },
		/* Exim's sender callout asks the sender's server with RCPT TO */
		{ "H=mx.example.net [192.0.2.1] sender verify fail for <a@example.com>: response "
		  "to \"RCPT TO:<a@example.com>\" from mx.example.com [192.0.2.2] was: 550 5.1.1 "
		  "unknown user", SMTPDIAG_CAT_SENDER },
		{ "550 5.1.1 User unknown", SMTPDIAG_CAT_RECIPIENT },
		/* a bare refusal of STARTTLS is the encryption's; a bare 450 at
		 * MAIL FROM or at the greeting names no mailbox */
		{ "SMTP error from remote mail server after STARTTLS: 450 temp problem",
		  SMTPDIAG_CAT_TLS },
		{ "SMTP error from remote mail server after MAIL FROM:<>: 450 not right now, sorry",
		  SMTPDIAG_CAT_UNKNOWN },
		{ "SMTP error from remote mail server after initial connection: 450 I'm busy",
		  SMTPDIAG_CAT_UNKNOWN },
		/* after the message's data every recipient was accepted: a bare
		 * 550 there names none; a status that names the mailbox still
		 * does */
		{ "SMTP error from remote mail server after end of data: 550 oops, overall "
		  "rejection", SMTPDIAG_CAT_UNKNOWN },
		{ "<b@example.org>: host mx[192.0.2.1] said: 550 zzz (in reply to end of DATA "
		  "command)", SMTPDIAG_CAT_UNKNOWN },
		{ "<b@example.org>: host mx[192.0.2.1] said: 550 5.1.1 zzz (in reply to end of "
		  "DATA command)", SMTPDIAG_CAT_RECIPIENT },
		/* at the greeting no recipient was named: the code says nothing */
		{ "host mx.example.org[192.0.2.1] refused to talk to me: 550 mx1 zzz",
		  SMTPDIAG_CAT_UNKNOWN },
		{ "host mx.example.org[192.0.2.1] refused to talk to me: 550 mx1 zzz 192.0.2.9",
		  SMTPDIAG_CAT_REPUTATION },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct smtpdiag_reply r;
		struct smtpdiag_diagnosis d;
		print_message("input: %s\n", cases[i].in);
		assert_int_equal(smtpdiag_diagnose(cases[i].in, strlen(cases[i].in), &r, &d), 0);
		assert_int_equal(d.category, cases[i].category);
	}
}

/* A code a program puts before its own words, with the server's reply inside
 * them: the reply inside decides, with its status. */
static void smtpdiag_diagnose__code_before_program_words__reply_inside(void **state)
{
	static const char in[] = "ERROR: (550) Email sending error: Expected response code "
				 "\"250\" but got code \"550\", with message \"550 5.6.0 Email must "
				 "contain either an HTML or text body\".";
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;
	assert_int_equal(smtpdiag_diagnose(in, sizeof in - 1, &r, &d), 0);
	assert_int_equal(r.status.cls, 5);
	assert_int_equal(r.status.subject, 6);
	assert_int_equal(d.category, SMTPDIAG_CAT_MESSAGE);
}

static void smtpdiag_diagnose__report_fields__status_of_the_field(void **state)
{
	static const char in[] = "Final-Recipient: rfc822; bob@example.org\n"
				 "Status: 5.1.1\nDiagnostic-Code: smtp; 550 sorry, no such address";
	static const char other_class[] = "Status: 4.4.1\nDiagnostic-Code: smtp; 550 zzz";
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;
	assert_int_equal(smtpdiag_diagnose(in, sizeof in - 1, &r, &d), 0);
	assert_int_equal(r.code, 550);
	assert_int_equal(r.status.cls, 5);
	assert_int_equal(r.status.subject, 1);
	assert_int_equal(r.status.detail, 1);
	assert_int_equal(smtpdiag_diagnose(other_class, sizeof other_class - 1, &r, &d), 0);
	assert_int_equal(r.status.cls, 0);
}

/* A line break inside Chinese or Japanese text, which writes no space
 * between words, is no space; elsewhere, and after a blank line, it is one.
 * The marks of a flattened multi-line reply are no words either. */
static void smtpdiag_reply_from_text__cjk_line_break__no_space(void **state)
{
	static const struct {
		const char *in, *text;
	} cases[] = {
		{ "システムエラーが\n  あった", "システムエラーがあった" },
		{ "550-ユーザーが\n550 存在しません", "ユーザーが存在しません" },
		{ "投递失败，\r\n收件人不存在", "投递失败，收件人不存在" },
		{ "メール アドレス", "メール アドレス" },          /* a space written */
		{ "사용자를\n찾을 수 없습니다", "사용자를 찾을 수 없습니다" }, /* Korean spaces words */
		{ "ユーザー\nunknown", "ユーザー unknown" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct smtpdiag_reply r;
		size_t pos = 0;
		const char *in = cases[i].in;
		if (smtpdiag_parse(in, strlen(in), &pos, &r) != 0)
			assert_int_equal(smtpdiag_reply_from_text(in, strlen(in), &r), 0);
		assert_string_equal(r.text, cases[i].text);
	}
	/* a multi-line reply flattened into a paragraph: its marks go */
	static const char flat[] = "its content presents a potential 552-5.7.0 security issue";
	struct smtpdiag_reply r;
	assert_int_equal(smtpdiag_reply_from_text(flat, sizeof flat - 1, &r), 0);
	assert_string_equal(r.text, "its content presents a potential security issue");
}

static void smtpdiag_status_parse__forms__exact(void **state)
{
	struct smtpdiag_status st;
	(void)state;
	assert_int_equal(smtpdiag_status_parse("5.1.10", 6, &st), 0);
	assert_int_equal(st.cls, 5);
	assert_int_equal(st.subject, 1);
	assert_int_equal(st.detail, 10);
	assert_int_equal(smtpdiag_status_parse("4.7.139", 7, &st), 0);
	assert_int_equal(st.detail, 139);
	assert_int_equal(smtpdiag_status_parse("3.1.1", 5, &st), SMTPDIAG_EINVAL);
	assert_int_equal(smtpdiag_status_parse("5.1.1000", 8, &st), SMTPDIAG_EINVAL);
	assert_int_equal(smtpdiag_status_parse("5.1", 3, &st), SMTPDIAG_EINVAL);
	assert_int_equal(smtpdiag_status_parse("5.1.1 ", 6, &st), SMTPDIAG_EINVAL);
}

/* White space folded the same wherever it falls against the parser's
 * sixteen-byte blocks: a double space, a tab, a NUL, a space before a
 * line's end, at every offset. */
static void smtpdiag_parse__white_space_at_every_offset__folded_once(void **state)
{
	static const char blanks[][4] = { "  ", "\t", " \t ", "\0", " " };
	(void)state;
	for (size_t b = 0; b < sizeof blanks / sizeof *blanks; b++)
		for (size_t at = 0; at < 48; at++) {
			char in[160], want[160];
			size_t n = 4, w = 0, k = blanks[b][0] ? strlen(blanks[b]) : 1;
			int space = 0;
			memcpy(in, "550 ", 4);
			for (size_t i = 0; i < 64; i++) {
				if (i == at) {
					memcpy(in + n, blanks[b], k);
					n += k;
				}
				in[n++] = (char)('a' + i % 26);
				if (i % 7 == 6)
					in[n++] = ' ';
			}
			in[n++] = '\t';
			for (size_t i = 4; i < n; i++) /* the reference: a run is one space */
				if (in[i] == ' ' || in[i] == '\t' || in[i] == '\0') {
					space = w > 0;
				} else {
					if (space)
						want[w++] = ' ';
					space = 0;
					want[w++] = in[i];
				}
			want[w] = '\0';
			struct smtpdiag_reply r;
			size_t pos = 0;
			assert_int_equal(smtpdiag_parse(in, n, &pos, &r), 0);
			assert_string_equal(r.text, want);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smtpdiag_parse__each_shape__code_status_text),
		cmocka_unit_test(smtpdiag_parse__no_reply__enoreply),
		cmocka_unit_test(smtpdiag_parse__transcript__every_reply_in_order),
		cmocka_unit_test(smtpdiag_parse__last_line_without_dash__next_reply_separate),
		cmocka_unit_test(smtpdiag_parse__postfix_wrapper__command_kept),
		cmocka_unit_test(smtpdiag_parse__text_longer_than_max__cut_and_flagged),
		cmocka_unit_test(smtpdiag_parse__many_continuations__one_reply),
		cmocka_unit_test(smtpdiag_parse__white_space_at_every_offset__folded_once),
		cmocka_unit_test(smtpdiag_reply_from_text__bulk_mailer__host_and_port),
		cmocka_unit_test(smtpdiag_reply_from_text__postfix_connect__host_and_port),
		cmocka_unit_test(smtpdiag_reply_from_text__pasted_report_fields__status_taken),
		cmocka_unit_test(smtpdiag_reply_from_text__log_dsn_field__status_taken),
		cmocka_unit_test(smtpdiag_reply_from_text__code_by_digit_names__code_taken),
		cmocka_unit_test(smtpdiag_diagnose__refused_before_recipient__not_the_recipients),
		cmocka_unit_test(smtpdiag_diagnose__code_before_program_words__reply_inside),
		cmocka_unit_test(smtpdiag_diagnose__report_fields__status_of_the_field),
		cmocka_unit_test(smtpdiag_reply_from_text__cjk_line_break__no_space),
		cmocka_unit_test(smtpdiag_reply_from_text__address_in_brackets__no_status),
		cmocka_unit_test(smtpdiag_status_parse__forms__exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
