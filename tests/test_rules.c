/*
 * test_rules.c - a user's rules read at run time (smtpdiag_rules_load): what
 * a file may say, the mistakes it reports, and how its rules win over the
 * built-in ones. Linked against the small knowledge base of
 * tests/fixture/t.txt, like test_match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "smtpdiag.h"

static const char site[] =
	"# a site's own relay\n"
	"provider relay\n"
	"name      Our Relay\n"
	"marker    relay.site.example | SITE-RELAY\n"
	"\n"
	"rule site.quota\n"
	"provider  relay\n"
	"match     tenant quota\n"
	"code      451 452\n"
	"category  rate-limit\n"
	"who       you\n"
	"cause     The tenant sent its hourly\n"
	"          allowance.\n"
	"fix       Wait an hour.\n"
	"fix       Ask for a higher quota.\n"
	"settings  sending.rate sending.daily_limit\n"
	"ref       https://wiki.site.example/quota\n"
	"\n"
	"rule site.says-no\n"
	"provider  acme\n"
	"match     says no\n"
	"category  policy\n"
	"who       provider\n"
	"cause     The site's filter refused it.\n"
	"fix       Ask the mail team.\n"
	"ref       https://wiki.site.example/filter\n"
	"\n"
	"rule site.first\n"
	"match     twin phrase\n"
	"category  spam\n"
	"who       you\n"
	"cause     First of two.\n"
	"fix       One.\n"
	"ref       r1\n"
	"\n"
	"rule site.second\n"
	"match     twin phrase\n"
	"category  virus\n"
	"who       you\n"
	"cause     Second of two.\n"
	"fix       Two.\n"
	"ref       r2\n"
	"\n"
	"rule site.none\n"
	"match     cable unplugged\n"
	"code      none\n"
	"severity  transient\n"
	"category  network\n"
	"who       you\n"
	"cause     The cable is out.\n"
	"fix       Plug it in.\n"
	"ref       r3\n";

static struct smtpdiag_rules *load(const char *text)
{
	struct smtpdiag_rules *rules = NULL;
	char err[1024];
	int rc = smtpdiag_rules_load(&rules, "site.rules", text, strlen(text), err, sizeof err);
	if (rc != 0)
		print_message("%s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(rules);
	return rules;
}

static void diagnose(const struct smtpdiag_rules *rules, const char *text,
		     struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d)
{
	assert_int_equal(smtpdiag_diagnose_with(rules, text, strlen(text), r, d), 0);
}

static void load__site_file__every_rule_and_advice(void **state)
{
	struct smtpdiag_rules *rules = load(site);
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;

	assert_int_equal(smtpdiag_rules_count(rules), 5);
	diagnose(rules, "452 4.5.3 SITE-RELAY: tenant   QUOTA reached", &r, &d);
	assert_string_equal(d.rule, "site.quota");
	assert_int_equal(d.matched_by, SMTPDIAG_BY_TEXT);
	assert_int_equal(d.category, SMTPDIAG_CAT_RATE_LIMIT);
	assert_int_equal(d.severity, SMTPDIAG_TRANSIENT);
	assert_int_equal(d.who, SMTPDIAG_WHO_YOU);
	assert_string_equal(d.provider, "relay");
	assert_string_equal(d.provider_name, "Our Relay");
	assert_string_equal(d.cause, "The tenant sent its hourly allowance.");
	assert_int_equal(d.nfix, 2);
	assert_string_equal(d.fix[0], "Wait an hour.");
	assert_string_equal(d.fix[1], "Ask for a higher quota.");
	assert_int_equal(d.nsettings, 2);
	assert_int_equal(d.settings[0], SMTPDIAG_SET_SENDING_RATE);
	assert_int_equal(d.settings[1], SMTPDIAG_SET_SENDING_DAILY_LIMIT);
	assert_int_equal(d.nrefs, 1);
	assert_string_equal(d.refs[0], "https://wiki.site.example/quota");

	/* its code constraint holds: a 550 is not this rule's, and a built-in
	 * rule (the fixture's "quota") decides */
	diagnose(rules, "550 tenant quota reached", &r, &d);
	assert_string_equal(d.rule, "t.status");
	smtpdiag_rules_free(rules);
}

static void classify__user_rule_and_builtin_match__user_wins(void **state)
{
	struct smtpdiag_rules *rules = load(site);
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;

	/* t.b-acme-no would win among the built-in rules (acme's marker) */
	diagnose(NULL, "550 acme.example says no", &r, &d);
	assert_string_equal(d.rule, "t.b-acme-no");
	diagnose(rules, "550 acme.example says no", &r, &d);
	assert_string_equal(d.rule, "site.says-no");
	assert_int_equal(d.category, SMTPDIAG_CAT_POLICY);
	assert_string_equal(d.provider, "acme"); /* a built-in provider named */
	smtpdiag_rules_free(rules);
}

static void classify__no_user_rule_matches__same_as_builtin(void **state)
{
	struct smtpdiag_rules *rules = load(site);
	static const char *const replies[] = {
		"550 user unknown in virtual table", "552 5.2.2 quota",
		"250 2.0.0 queued", "421 try later", "socket exploded",
	};
	(void)state;
	for (size_t i = 0; i < sizeof replies / sizeof *replies; i++) {
		struct smtpdiag_reply r1, r2;
		struct smtpdiag_diagnosis d1, d2;
		const char *t = replies[i];
		assert_int_equal(smtpdiag_diagnose(t, strlen(t), &r1, &d1),
				 smtpdiag_diagnose_with(rules, t, strlen(t), &r2, &d2));
		assert_memory_equal(&d1, &d2, sizeof d1);
	}
	smtpdiag_rules_free(rules);
}

static void classify__user_rules_tie__first_in_file_wins(void **state)
{
	struct smtpdiag_rules *rules = load(site);
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;
	diagnose(rules, "554 twin phrase", &r, &d);
	assert_string_equal(d.rule, "site.first");
	smtpdiag_rules_free(rules);
}

static void classify__user_provider_marker__names_provider(void **state)
{
	struct smtpdiag_rules *rules = load(site);
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;
	/* no rule matches; the code decides, the user's marker names the relay */
	diagnose(rules, "550 5.1.1 mailbox gone at relay.site.example", &r, &d);
	assert_int_equal(d.matched_by, SMTPDIAG_BY_CODE);
	assert_string_equal(d.provider, "relay");
	smtpdiag_rules_free(rules);
}

static void diagnose__code_none_rule__failure_without_reply(void **state)
{
	struct smtpdiag_rules *rules = load(site);
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	const char *t = "Error: cable unplugged";
	(void)state;
	assert_int_equal(smtpdiag_diagnose(t, strlen(t), &r, &d), SMTPDIAG_ENOREPLY);
	diagnose(rules, t, &r, &d);
	assert_string_equal(d.rule, "site.none");
	assert_int_equal(d.severity, SMTPDIAG_TRANSIENT);
	smtpdiag_rules_free(rules);
}

static void scan__scanner_with_rules__user_rule_decides(void **state)
{
	struct smtpdiag_rules *rules = load(site);
	struct smtpdiag_scanner s;
	struct smtpdiag_finding f;
	static const char log[] =
		"Nov  1 10:00:00 mx postfix/smtp[7]: A1: to=<a@b.example>, "
		"relay=relay.site.example[192.0.2.1]:25, dsn=4.5.3, status=deferred "
		"(host relay.site.example[192.0.2.1] said: 452 4.5.3 tenant quota "
		"reached (in reply to RCPT TO command))\n";
	size_t pos = 0;
	(void)state;

	smtpdiag_scanner_init(&s);
	assert_null(s.rules);
	s.rules = rules;
	assert_int_equal(smtpdiag_scan(&s, log, sizeof log - 1, &pos, 1, &f), 0);
	assert_string_equal(f.diagnosis.rule, "site.quota");
	assert_string_equal(f.recipient, "a@b.example");
	assert_int_equal(smtpdiag_scan(&s, log, sizeof log - 1, &pos, 1, &f), SMTPDIAG_ENOREPLY);
	smtpdiag_rules_free(rules);
}

struct mistake {
	const char *text;
	const char *err; /* the whole message */
};

#define RULE_BODY "category spam\nwho you\ncause c\nfix f\nref r\n"

static const struct mistake mistakes[] = {
	{ "rule a.b\nmatch long enough\n" RULE_BODY "colour blue\n",
	  "site.rules:8: unknown field 'colour' in a rule record" },
	{ "code 550\nmeaning x\ncategory spam\nref r\n",
	  "site.rules:1: a code record: a rules file holds rule and provider records" },
	{ "rule a.b\nmatch ab\n" RULE_BODY,
	  "site.rules:2: phrase 'ab' is shorter than 4 characters" },
	{ "rule a.b\nmatch long enough\ncategory spam\nwho you\nfix f\nref r\n",
	  "site.rules:1: rule a.b: missing field 'cause'" },
	{ "rule a.b\nmatch long enough\ncategory spa\nwho you\ncause c\nfix f\nref r\n",
	  "site.rules:3: unknown category 'spa'" },
	{ "rule a.b\nmatch long enough\nprovider nobody\n" RULE_BODY,
	  "site.rules:3: unknown provider 'nobody'" },
	{ "rule a.b\nmatch long enough\ncode 550 55\n" RULE_BODY,
	  "site.rules:3: '55' is not a reply code" },
	{ "rule a.b\nmatch long enough\nstatus 5.7\n" RULE_BODY,
	  "site.rules:3: '5.7' is not an enhanced status code" },
	{ "rule a.b\nmatch long enough\nsettings dns.spf dns.spam\n" RULE_BODY,
	  "site.rules:3: unknown settings key 'dns.spam'" },
	{ "rule a.b\nmatch long enough\n" RULE_BODY "rule a.b\nmatch long enough\n" RULE_BODY,
	  "site.rules:8: rule 'a.b' is already defined at line 1" },
	{ "rule A.B\nmatch long enough\n" RULE_BODY,
	  "site.rules:1: rule id 'A.B': lower-case letters, digits, '-', '.', '_'" },
	{ "provider acme\nname Not Acme\n",
	  "site.rules:1: provider 'acme' is built in: name it in a rule without defining it" },
	{ "   match orphan\n", "site.rules:1: a continuation line, but no field above it" },
	{ "match long enough\n",
	  "site.rules:1: 'match' is not a record kind (rule, code, status, category, "
	  "provider, client, family, words)" },
	{ "rule a.b\nmatch long enough\nmatch more\0text\n" RULE_BODY,
	  "site.rules:3: a NUL byte in the line" },
	{ "rule a.b\nmatch long enough\ncode none\n" RULE_BODY,
	  "site.rules:3: a rule with 'code none' needs a severity" },
};

static void load__each_mistake__file_line_message(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof mistakes / sizeof *mistakes; i++) {
		const struct mistake *m = &mistakes[i];
		/* the NUL case: the text goes on after the NUL */
		size_t len = strlen(m->text);
		if (strstr(m->err, "NUL"))
			len += 1 + strlen(m->text + len + 1);
		struct smtpdiag_rules *rules = (struct smtpdiag_rules *)1;
		char err[512];
		print_message("expect: %s\n", m->err);
		assert_int_equal(smtpdiag_rules_load(&rules, "site.rules", m->text, len,
						     err, sizeof err), SMTPDIAG_ESYNTAX);
		assert_null(rules);
		assert_string_equal(err, m->err);
	}
}

static void load__several_mistakes__one_line_each(void **state)
{
	static const char text[] = "rule a.b\nmatch ab\ncategory spa\nwho you\n"
				   "cause c\nfix f\nref r\nbogus 1\n";
	struct smtpdiag_rules *rules;
	char err[512], small[24];
	(void)state;
	assert_int_equal(smtpdiag_rules_load(&rules, "f", text, sizeof text - 1, err,
					     sizeof err), SMTPDIAG_ESYNTAX);
	assert_string_equal(err, "f:8: unknown field 'bogus' in a rule record\n"
				 "f:3: unknown category 'spa'\n"
				 "f:2: phrase 'ab' is shorter than 4 characters");
	/* a small buffer: cut, still terminated; no buffer at all */
	assert_int_equal(smtpdiag_rules_load(&rules, "f", text, sizeof text - 1, small,
					     sizeof small), SMTPDIAG_ESYNTAX);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_int_equal(smtpdiag_rules_load(&rules, "f", text, sizeof text - 1, NULL, 0),
			 SMTPDIAG_ESYNTAX);
}

static void load__empty_and_comments__zero_rules(void **state)
{
	struct smtpdiag_rules *rules;
	(void)state;
	assert_int_equal(smtpdiag_rules_load(&rules, "e", "", 0, NULL, 0), 0);
	assert_int_equal(smtpdiag_rules_count(rules), 0);
	smtpdiag_rules_free(rules);
	assert_int_equal(smtpdiag_rules_load(&rules, "e", NULL, 0, NULL, 0), 0);
	smtpdiag_rules_free(rules);
	rules = load("# nothing yet\n\n   \n");
	assert_int_equal(smtpdiag_rules_count(rules), 0);
	smtpdiag_rules_free(rules);
}

static void entry_at__each_rule__in_file_order(void **state)
{
	struct smtpdiag_rules *rules = load(site);
	struct smtpdiag_entry e;
	(void)state;
	assert_int_equal(smtpdiag_rules_entry_at(rules, 0, &e), 0);
	assert_string_equal(e.rule, "site.quota");
	assert_string_equal(e.provider, "relay");
	assert_int_equal(e.category, SMTPDIAG_CAT_RATE_LIMIT);
	assert_string_equal(e.cause, "The tenant sent its hourly allowance.");
	assert_int_equal(e.ncodes, 2);
	assert_int_equal(e.codes[0], 451);
	assert_int_equal(e.codes[1], 452);
	assert_int_equal(smtpdiag_rules_entry_at(rules, 4, &e), 0);
	assert_string_equal(e.rule, "site.none");
	assert_int_equal(e.ncodes, 1);
	assert_int_equal(e.codes[0], 0); /* code none */
	assert_int_equal(smtpdiag_rules_entry_at(rules, 5, &e), SMTPDIAG_EINVAL);
	assert_int_equal(smtpdiag_rules_entry_at(NULL, 0, &e), SMTPDIAG_EINVAL);
	smtpdiag_rules_free(rules);
}

static void load__bad_arguments__einval(void **state)
{
	struct smtpdiag_rules *rules;
	(void)state;
	assert_int_equal(smtpdiag_rules_load(NULL, "x", "", 0, NULL, 0), SMTPDIAG_EINVAL);
	assert_int_equal(smtpdiag_rules_load(&rules, NULL, "", 0, NULL, 0), SMTPDIAG_EINVAL);
	assert_int_equal(smtpdiag_rules_load(&rules, "x", NULL, 3, NULL, 0), SMTPDIAG_EINVAL);
	assert_int_equal(smtpdiag_rules_count(NULL), 0);
	smtpdiag_rules_free(NULL);
	assert_string_equal(smtpdiag_strerror(SMTPDIAG_ESYNTAX), "mistakes in the rules");
}

static void load__caller_buffer_changed_after__rules_keep_copy(void **state)
{
	char text[sizeof site];
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;
	memcpy(text, site, sizeof site);
	struct smtpdiag_rules *rules = load(text);
	memset(text, 'x', sizeof text - 1);
	diagnose(rules, "451 tenant quota", &r, &d);
	assert_string_equal(d.rule, "site.quota");
	assert_string_equal(d.fix[0], "Wait an hour.");
	smtpdiag_rules_free(rules);
}

/* A repeated reply takes the diagnosis remembered for it, but never one
 * remembered under other rules, even rules freed and others loaded in their
 * place. */
static void classify__same_reply_again__remembered_per_rules(void **state)
{
	static const char other[] =
		"rule other.says-no\n"
		"match     says no\n"
		"category  recipient\n"
		"who       you\n"
		"cause     Another rules file.\n"
		"fix       None.\n"
		"ref       r4\n";
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d, again;
	(void)state;

	struct smtpdiag_rules *rules = load(site);
	diagnose(rules, "550 acme.example says no", &r, &d);
	diagnose(rules, "550 acme.example says no", &r, &again);
	assert_memory_equal(&d, &again, sizeof d);
	assert_string_equal(again.rule, "site.says-no");
	smtpdiag_rules_free(rules);

	rules = load(other);
	diagnose(rules, "550 acme.example says no", &r, &d);
	assert_string_equal(d.rule, "other.says-no");
	assert_string_equal(d.cause, "Another rules file.");
	smtpdiag_rules_free(rules);
	diagnose(NULL, "550 acme.example says no", &r, &d);
	assert_string_equal(d.rule, "t.b-acme-no");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load__site_file__every_rule_and_advice),
		cmocka_unit_test(classify__user_rule_and_builtin_match__user_wins),
		cmocka_unit_test(classify__no_user_rule_matches__same_as_builtin),
		cmocka_unit_test(classify__user_rules_tie__first_in_file_wins),
		cmocka_unit_test(classify__user_provider_marker__names_provider),
		cmocka_unit_test(diagnose__code_none_rule__failure_without_reply),
		cmocka_unit_test(scan__scanner_with_rules__user_rule_decides),
		cmocka_unit_test(load__each_mistake__file_line_message),
		cmocka_unit_test(load__several_mistakes__one_line_each),
		cmocka_unit_test(load__empty_and_comments__zero_rules),
		cmocka_unit_test(entry_at__each_rule__in_file_order),
		cmocka_unit_test(load__bad_arguments__einval),
		cmocka_unit_test(load__caller_buffer_changed_after__rules_keep_copy),
		cmocka_unit_test(classify__same_reply_again__remembered_per_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
