/*
 * test_seed.c - every error of the seed document is an acceptance case: its
 * category, severity, who must act and deciding rule, with cause, fix and a
 * settings path in the seed's own program (the bulk-mailer profile).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "smtpdiag.h"

struct seed_case {
	const char *input;
	const char *category, *severity, *who, *rule;
};

static const struct seed_case cases[] = {
	{ "551 5.9.9 Spam message discarded. If you feel we mistreat you, do contact us: "
	  "abuse@example.net\nRSET",
	  "spam", "permanent", "provider", "common.spam-discarded" },
	{ "553 5.7.1 < user@example.com>: Sender address rejected: not owned by user "
	  "other@example.com\nRSET",
	  "sender", "permanent", "you", "postfix.sender-login-mismatch" },
	{ "535-5.7.1 Please log in with your web browser and then try again. Learn more "
	  "at535 5.7.1 https://support.google.com/mail/bin/answer.py?answer=78754 "
	  "p2sm808096lbj.4Disconnected.",
	  "auth", "permanent", "you", "google.web-login-required" },
	{ "535 Incorrect authentication data Disconnected.",
	  "auth", "permanent", "you", "exim.incorrect-authentication-data" },
	{ "535 5.7.1 http://support.google.com/mail/bin/answer.py?answer=14257o5sm1396905lbg.5\n"
	  "Disconnected.",
	  "auth", "permanent", "you", "google.bad-credentials" },
	{ "535 5.7.0 Failed. Incorrect username/password\nDisconnected.",
	  "auth", "permanent", "you", "common.incorrect-username-password" },
	{ "503: Bad sequence of commands or this mail server requires authentication.",
	  "auth", "permanent", "you", "common.503-requires-auth" },
	{ "513: Address type is incorrect or authentication required.",
	  "recipient", "permanent", "you", "common.513-address-type" },
	{ "550 5.4.5 Daily sending quota exceeded. d1sm2839081lbh.7",
	  "rate-limit", "transient", "you", "google.daily-sending-quota" },
	{ "530: Access denied.", "auth", "permanent", "you", "common.530-access-denied" },
	{ "503 sender not yet given\nDisconnected.",
	  "sender", "permanent", "you", "exim.sender-not-yet-given" },
	{ "535-5.7.1 Username and Password not accepted. Learn more at\n535 5.7.1 "
	  "http://support.google.com/mail/bin/answer.py?answer=14257 gi19sm1293099lab.16\n"
	  "Disconnected.",
	  "auth", "permanent", "you", "google.bad-credentials" },
	{ "501 sender address must match authenticated user\nRCPT TO:\nRSET\n"
	  "503 sender not yet given\nDisconnected.",
	  "sender", "permanent", "you", "common.sender-must-match-auth" },
	{ "530 5.1.8 : Sender address rejected: Envelope from do not match authentication "
	  "data; check your settings\nDisconnected.",
	  "sender", "permanent", "you", "common.envelope-from-mismatch" },
	{ "535-5.7.1 Please log in with your web browser and then try again. Learn more at "
	  "535 5.7.1 https://support.google.com/mail/bin/answer.py?answer=78754 r8sm4616093lba.15",
	  "auth", "permanent", "you", "google.web-login-required" },
	{ "451: Requested action aborted: local error in processing.",
	  "server", "transient", "provider", "common.451-local-error" },
	{ "Connecting to: first.hosted.in:25\n\nSocket Error #10060\n\nConnection timed out.",
	  "network", "transient", "you", "client.winsock-10060" },
	{ "Connecting to: smtp.ukr.net:465\nConnected.\n451 excessive mail rate for unknown "
	  "mailhub, throttling\nDisconnected.",
	  "rate-limit", "transient", "you", "common.excessive-mail-rate" },
	{ "Subject:<test>, account:<test>, server: , protocol: SMTP, server response: "
	  "\"550 Relay prohibited\", port: 25, security (SSL): no, server error: 550, "
	  "error number: 0x800CCC79",
	  "relay", "permanent", "you", "common.relay-prohibited" },
	{ "\"The message cannot be sent because the server refused to accept the address of "
	  "one of the recipients. The email contained the address:<bob@example.org>. "
	  "Subject:<test>, account:<test>, server: , protocol: SMTP, server response: "
	  "\"553 Sorry, this domain is not in my list of allowed hosts (#5.7.1)\", port: 25, "
	  "security (SSL): no, server error: 553, error number: 0x800CCC79\"",
	  "relay", "permanent", "you", "qmail.rcpthosts" },
};

static void smtpdiag_diagnose__seed_errors__expected_diagnosis(void **state)
{
	int bulk = smtpdiag_client_find("bulk-mailer");
	(void)state;
	assert_true(bulk > 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct seed_case *c = &cases[i];
		struct smtpdiag_reply r;
		struct smtpdiag_diagnosis d;
		print_message("seed case %zu: %.60s\n", i, c->input);
		assert_int_equal(smtpdiag_diagnose(c->input, strlen(c->input), &r, &d), 0);
		assert_string_equal(smtpdiag_category_name(d.category), c->category);
		assert_string_equal(smtpdiag_severity_name(d.severity), c->severity);
		assert_string_equal(smtpdiag_who_name(d.who), c->who);
		assert_non_null(d.rule);
		assert_string_equal(d.rule, c->rule);
		assert_int_equal(d.matched_by, SMTPDIAG_BY_TEXT);
		assert_non_null(d.cause);
		assert_true(d.nfix >= 2);
		assert_true(d.nsettings >= 1);
		assert_true(d.nrefs >= 1);
		for (size_t k = 0; k < d.nsettings; k++)
			assert_non_null(smtpdiag_setting_where((size_t)bulk, d.settings[k]));
	}
}

/* Google's table of SMTP replies in the seed, row by row as the seed words
 * it: the category the row describes (either of two where the row fits
 * both) and the severity, with a cause, a fix and a settings path in the
 * seed's program. These are read by their words, not by rules written for
 * this wording. */
struct table_case {
	const char *input;
	const char *categories, *severities; /* "a|b": either */
};

static const struct table_case google_table[] = {
	{ "421, \"4.4.5\". The server is busy. Please try again later.",
	  "server", "transient" },
	{ "421, \"4.7.0\". The connection was terminated because the IP was not"
	  " whitelisted in the RCPT domain.",
	  "policy", "transient" },
	{ "421, \"4.7.0\". Unsolicited messages are coming from your IP address"
	  " with unusual frequency. Mail sent from your IP address is"
	  " temporarily blocked to protect users from spam. Find out more about.",
	  "rate-limit|reputation", "transient" },
	{ "421, \"4.7.0\". Temporary problems in the system. Please try again"
	  " later.",
	  "server", "transient" },
	{ "421, \"4.7.0\". The connection was terminated because the RCPT domain"
	  " requires TLS.",
	  "tls", "transient" },
	{ "421, \"4.7.0\". The connection has been interrupted. Please try again"
	  " later. This error usually indicates a Denial of Service (DoS)"
	  " condition for the SMTP relay during the HELO phase.",
	  "rate-limit|server|network", "transient" },
	{ "450, \"4.2.1\". The user you are trying to send an email to is"
	  " receiving mail too frequently. Send a message later. If the user is"
	  " able to receive mail by then, your email will be delivered.",
	  "mailbox|rate-limit", "transient" },
	{ "450, \"4.2.1\". The person you are trying to send mail to is"
	  " receiving mail at a speed that prevents additional messages from"
	  " being delivered to them. Send a message later. If the user is able"
	  " to receive mail by then, your email will be delivered.",
	  "mailbox|rate-limit", "transient" },
	{ "450, \"4.2.1\". The client's peak relay limit has been exceeded. This"
	  " is a temporary error. For detailed information about restrictions,"
	  " please read or contact your administrator.",
	  "rate-limit", "transient" },
	{ "451, \"4.3.0\". Mail server temporarily rejected the message.",
	  "server", "transient" },
	{ "451, \"4.3.0\". Multiple target domains for a single operation are"
	  " not supported. Please try again.",
	  "server|protocol", "transient" },
	{ "451, \"4.4.2\". Timeout – connection interrupted.",
	  "network", "transient" },
	{ "451, \"4.5.0\". SMTP protocol violation, see RFC 2821.",
	  "protocol", "transient" },
	{ "452, \"4.2.2\". The recipient's account has expired free space."
	  " Invite the recipient to review this article.",
	  "mailbox", "transient" },
	{ "452, \"4.5.3\". The maximum size of domain rules for a transaction"
	  " has been exceeded. Perform a separate transaction for this recipient.",
	  "rate-limit|protocol", "transient" },
	{ "452, \"4.5.3\". Your message has too many recipients. Detailed"
	  " information about message restrictions can be found.",
	  "rate-limit", "transient" },
	{ "454, \"4.5.0\". Violation of the SMTP protocol, after STARTTLS no"
	  " other commands are allowed for the flow, see RFC 3207.",
	  "protocol|tls", "transient" },
	{ "454, \"4.7.0\". Authentication failed due to a temporary system"
	  " problem. Please try again later.",
	  "auth|server", "transient" },
	{ "454, \"5.5.1\". The STARTTLS command must not be repeated.",
	  "protocol|tls", "transient" },
	{ "501, \"5.5.2\". Failed to decrypt the response.",
	  "protocol|auth", "permanent" },
	{ "501, \"5.5.4\", Invalid HELO/EHLO argument, read .",
	  "protocol", "permanent" },
	{ "502, \"5.5.1\". Too many unrecognized commands.",
	  "protocol", "permanent" },
	{ "502, \"5.5.1\". Unused team.",
	  "protocol", "permanent" },
	{ "502, \"5.5.1\". Unrecognized command.",
	  "protocol", "permanent" },
	{ "503, \"5.5.1\". First the EHLO/HELO command.",
	  "protocol", "permanent" },
	{ "503, \"5.5.1\". First the MAIL command.",
	  "protocol", "permanent" },
	{ "503, \"5.5.1\". First up is the RCPT team.",
	  "protocol", "permanent" },
	{ "503, \"5.7.0\". Changes to identification data are prohibited.",
	  "auth|protocol", "permanent" },
	{ "504, \"5.7.4\". Unrecognized authentication type.",
	  "auth", "permanent" },
	{ "530, \"5.5.1\". Authentication required.",
	  "auth", "permanent" },
	{ "530, \"5.7.0\". The STARTTLS command is required first.",
	  "tls", "permanent" },
	{ "535, \"5.5.4\". The optional argument is not allowed for this AUTH"
	  " mode.",
	  "auth", "permanent" },
	{ "535, \"5.7.1\". Application password required.",
	  "auth", "permanent" },
	{ "535, \"5.7.1\". Sign in through your browser and try again.",
	  "auth", "permanent" },
	{ "535, \"5.7.1\". Username and password not accepted.",
	  "auth", "permanent" },
	{ "550, \"5.1.1\". The recipient's email account does not exist."
	  " Double-check that your email address is correct and that there are"
	  " no spaces.",
	  "recipient", "permanent" },
	{ "550, \"5.2.1\". The recipient's email account has been disabled.",
	  "recipient", "permanent" },
	{ "550, \"5.2.1\". The person you are trying to send mail to is"
	  " receiving mail at a speed that prevents additional messages from"
	  " being delivered to them.",
	  "mailbox|rate-limit", "transient|permanent" },
	{ "550, \"5.4.5\". The daily limit for sending messages has been reached.",
	  "rate-limit", "transient" },
	{ "550, \"5.4.5\". The client's daily relay limit has been exceeded. For"
	  " detailed information about restrictions, please read or contact your"
	  " administrator.",
	  "rate-limit", "transient" },
	{ "550, \"5.7.0\". Mail relay is prohibited.",
	  "relay", "permanent" },
	{ "550, \"5.7.0\". Sending mail is prohibited. This error occurs if the"
	  " sender's account is locked or not registered in the G Suite domain.",
	  "auth|policy|sender", "permanent" },
	{ "550, \"5.7.1\". Email quota exceeded.",
	  "rate-limit", "transient|permanent" },
	{ "550, \"5.7.1\". Invalid relay credentials.",
	  "relay|auth", "permanent" },
	{ "550, \"5.7.1\". Unsolicited messages are coming from your IP address"
	  " with unusual frequency. Mail sent from your IP address is blocked to"
	  " protect users from spam. Find out more about how to send mass"
	  " mailings.",
	  "reputation|rate-limit", "permanent" },
	{ "550, \"5.7.1\". This message has been classified by the system as"
	  " potentially unclaimed. To reduce the amount of spam sent to Gmail,"
	  " this message has been blocked.",
	  "spam", "permanent" },
	{ "550, \"5.7.1\". The IP address used to send mail does not have"
	  " permission to send messages directly to our servers. Use your"
	  " service provider's SMTP gateway to send.",
	  "reputation", "permanent" },
	{ "550, \"5.7.1\". The user or domain from or to whom messages are being"
	  " sent has a rule that prevents mail you send. To receive additional"
	  " information Contact your domain administrator.",
	  "policy", "permanent" },
	{ "550, \"5.7.1\". Mail without authentication from this domain is not"
	  " accepted.",
	  "email-auth|auth", "permanent" },
	{ "550, \"5.7.1\". The client's daily relay limit has been exceeded. For"
	  " detailed information about restrictions, please read or contact your"
	  " administrator.",
	  "rate-limit", "transient|permanent" },
	{ "552, \"5.2.2\". The recipient's email account has exceeded its quota.",
	  "mailbox", "permanent" },
	{ "552, \"5.2.3\". The maximum allowed message size has been exceeded."
	  " Check out these recommendations.",
	  "size", "permanent" },
	{ "553, \"5.1.2\". The recipient's domain could not be found. Check that"
	  " the recipient's email address is correct and make sure there are no"
	  " spaces, periods, or other punctuation marks after it.",
	  "recipient", "permanent" },
	{ "554, \"5.6.0\". The email message was not accepted because it is not"
	  " in a valid format.",
	  "message", "permanent" },
	{ "554, \"5.6.0\". The message has exceeded its forwarding limit of 50"
	  " times. This may indicate the presence of a mail cycle.",
	  "message", "permanent" },
	{ "554, \"5.7.0\". Too many commands without authentication.",
	  "auth|protocol", "permanent" },
	{ "555, \"5.5.2\". Syntax error.",
	  "protocol", "permanent" },
};

/* Is word one of the '|'-separated words of list? */
static int one_of(const char *word, const char *list)
{
	size_t n = strlen(word);
	for (const char *p = list; p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == '|' || p[n] == '\0'))
			return 1;
	return 0;
}

static void smtpdiag_diagnose__seed_google_table__category_and_advice(void **state)
{
	int bulk = smtpdiag_client_find("bulk-mailer");
	int bad = 0;
	(void)state;
	for (size_t i = 0; i < sizeof google_table / sizeof *google_table; i++) {
		const struct table_case *c = &google_table[i];
		struct smtpdiag_reply r;
		struct smtpdiag_diagnosis d;
		assert_int_equal(smtpdiag_diagnose(c->input, strlen(c->input), &r, &d), 0);
		const char *cat = smtpdiag_category_name(d.category);
		const char *sev = smtpdiag_severity_name(d.severity);
		if (!one_of(cat, c->categories) || !one_of(sev, c->severities)) {
			print_error("row %zu: want %s %s, got %s %s (%s): %.60s\n", i + 1,
				    c->categories, c->severities, cat, sev,
				    d.rule ? d.rule : smtpdiag_matched_by_name(d.matched_by),
				    c->input);
			bad++;
			continue;
		}
		if (!d.cause || d.nfix < 1 || d.nsettings < 1) {
			print_error("row %zu: no cause, fix or settings (%s)\n", i + 1,
				    d.rule ? d.rule : smtpdiag_matched_by_name(d.matched_by));
			bad++;
		}
		for (size_t k = 0; k < d.nsettings; k++)
			assert_non_null(smtpdiag_setting_where((size_t)bulk, d.settings[k]));
	}
	assert_int_equal(bad, 0);
}

/* The seed's program has its own places for the settings its advice names. */
static void smtpdiag_setting_where__bulk_mailer__its_own_menus(void **state)
{
	static const enum smtpdiag_setting own[] = {
		SMTPDIAG_SET_SERVER_HOST, SMTPDIAG_SET_SERVER_PORT,
		SMTPDIAG_SET_AUTH_USERNAME, SMTPDIAG_SET_AUTH_PASSWORD,
		SMTPDIAG_SET_SENDER_ADDRESS, SMTPDIAG_SET_SENDING_THREADS,
		SMTPDIAG_SET_SENDING_RATE, SMTPDIAG_SET_MESSAGE_CONTENT,
		SMTPDIAG_SET_RECIPIENTS_LIST,
	};
	size_t bulk = (size_t)smtpdiag_client_find("bulk-mailer");
	(void)state;
	for (size_t i = 0; i < sizeof own / sizeof *own; i++)
		assert_string_not_equal(smtpdiag_setting_where(bulk, own[i]),
					smtpdiag_setting_where(0, own[i]));
	assert_non_null(strstr(smtpdiag_setting_where(bulk, SMTPDIAG_SET_AUTH_USERNAME),
			       "SMTP"));
	assert_non_null(strstr(smtpdiag_setting_where(bulk, SMTPDIAG_SET_SENDING_THREADS),
			       "Threads"));
	assert_non_null(strstr(smtpdiag_setting_where(bulk, SMTPDIAG_SET_SENDING_RATE),
			       "Speed"));
}

static void smtpdiag_diagnose__seed_daily_quota__overrides_5xx(void **state)
{
	static const char in[] = "550 5.4.5 Daily sending quota exceeded. d1sm2839081lbh.7";
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;
	assert_int_equal(smtpdiag_diagnose(in, sizeof in - 1, &r, &d), 0);
	assert_int_equal(d.severity, SMTPDIAG_TRANSIENT);
	assert_true(d.severity_overridden);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smtpdiag_diagnose__seed_errors__expected_diagnosis),
		cmocka_unit_test(smtpdiag_diagnose__seed_google_table__category_and_advice),
		cmocka_unit_test(smtpdiag_setting_where__bulk_mailer__its_own_menus),
		cmocka_unit_test(smtpdiag_diagnose__seed_daily_quota__overrides_5xx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
