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

/* Google's table in the seed: each row's code and status classify to the
 * category the row describes (the English texts live in tests/corpus). */
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
		cmocka_unit_test(smtpdiag_setting_where__bulk_mailer__its_own_menus),
		cmocka_unit_test(smtpdiag_diagnose__seed_daily_quota__overrides_5xx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
