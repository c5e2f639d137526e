/*
 * test_kb.c - the knowledge base as built from data/: complete against the
 * registries (tests/registry/ holds their lists, kept apart from data/ so
 * the two cannot drift together), every name and profile in place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "kb.h"

/* Call f on every non-comment line of a registry list. */
static size_t each_line(const char *path, void (*f)(const char *line))
{
	FILE *fp = fopen(path, "r");
	char line[256];
	size_t n = 0;
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp)) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		f(line);
		n++;
	}
	fclose(fp);
	return n;
}

static void has_code(const char *line)
{
	int code = 0;
	const struct smtpdiag__entry *e;
	assert_int_equal(sscanf(line, "%d", &code), 1);
	print_message("code %s\n", line);
	if (!strcmp(line + 1, "xx")) {
		/* a class: what a code without an entry of its own falls back to */
		e = smtpdiag__code_entry(code * 100 + 99);
		assert_non_null(e);
		assert_int_equal(e->code, code);
		return;
	}
	e = smtpdiag__code_entry(code);
	assert_non_null(e);
	assert_int_equal(e->code, code); /* its own entry, not its class's */
	assert_non_null(smtpdiag__str(e->meaning));
}

static void has_status(const char *line)
{
	struct smtpdiag_status st;
	char buf[300];
	print_message("status %s\n", line);
	/* the registry writes X.S.D: try it in each class */
	snprintf(buf, sizeof buf, "5%s", line + 1);
	assert_int_equal(smtpdiag_status_parse(buf, strlen(buf), &st), 0);
	int found = 0;
	for (uint16_t cls = 2; cls <= 5; cls++) {
		st.cls = cls;
		if (smtpdiag_status_meaning(st))
			found = 1;
	}
	assert_true(found);
}

static void registry__every_reply_code__own_meaning(void **state)
{
	(void)state;
	assert_true(each_line("tests/registry/reply-codes.txt", has_code) >= 30);
}

static void registry__every_enhanced_status__own_meaning(void **state)
{
	(void)state;
	assert_true(each_line("tests/registry/enhanced-status.txt", has_status) >= 80);
}

static void names__every_enum_value__named_once(void **state)
{
	(void)state;
	for (int i = 0; i < SMTPDIAG_CAT_COUNT; i++) {
		const char *a = smtpdiag_category_name((enum smtpdiag_category)i);
		assert_non_null(a);
		assert_non_null(smtpdiag_category_title((enum smtpdiag_category)i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, smtpdiag_category_name((enum smtpdiag_category)j));
	}
	for (int i = 0; i < SMTPDIAG_SETTING_COUNT; i++) {
		const char *a = smtpdiag_setting_name((enum smtpdiag_setting)i);
		assert_non_null(a);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, smtpdiag_setting_name((enum smtpdiag_setting)j));
	}
	for (int i = 0; i < SMTPDIAG_SEVERITY_COUNT; i++)
		assert_non_null(smtpdiag_severity_name((enum smtpdiag_severity)i));
	for (int i = 0; i < SMTPDIAG_WHO_COUNT; i++)
		assert_non_null(smtpdiag_who_name((enum smtpdiag_who)i));
	for (int i = 0; i < SMTPDIAG_MATCHED_BY_COUNT; i++)
		assert_non_null(smtpdiag_matched_by_name((enum smtpdiag_matched_by)i));
	assert_null(smtpdiag_category_name(SMTPDIAG_CAT_COUNT));
	assert_null(smtpdiag_setting_name(SMTPDIAG_SETTING_COUNT));
	assert_string_equal(smtpdiag_version(), SMTPDIAG_VERSION);
	assert_string_equal(smtpdiag_strerror(0), "success");
	assert_string_equal(smtpdiag_strerror(SMTPDIAG_ENOREPLY), "no SMTP reply in the input");
}

/* The profiles DESIGN.md promises, each able to place every key. */
static void clients__every_profile__every_key_placed(void **state)
{
	static const char *const promised[] = {
		"generic", "bulk-mailer", "outlook", "outlook-mac", "thunderbird",
		"apple-mail", "postfix", "msmtp", "phpmailer", "nodemailer", "python",
		"laravel",
	};
	(void)state;
	assert_string_equal(smtpdiag_client_id(0), "generic");
	for (size_t i = 0; i < sizeof promised / sizeof *promised; i++)
		assert_true(smtpdiag_client_find(promised[i]) >= 0);
	for (size_t i = 0; i < smtpdiag_client_count(); i++) {
		assert_non_null(smtpdiag_client_name(i));
		for (int k = 0; k < SMTPDIAG_SETTING_COUNT; k++) {
			const char *w = smtpdiag_setting_where(i, (enum smtpdiag_setting)k);
			assert_non_null(w);
			assert_true(strlen(w) > 3);
		}
	}
}

/* Each category has advice to fall back on, and so does every rule. */
static void advice__every_rule_and_category__cause_and_fix(void **state)
{
	(void)state;
	for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++) {
		assert_true(smtpdiag__categories[c].advice.cause != 0);
		assert_true(smtpdiag__categories[c].advice.nfix >= 1);
	}
	for (size_t i = 0; i < SMTPDIAG__NRULES; i++) {
		const struct smtpdiag__rule *r = &smtpdiag__rules[i];
		assert_true(r->advice.cause != 0);
		assert_true(r->advice.nfix >= 1);
		assert_true(r->advice.nrefs >= 1);
		assert_true(r->nslots >= 1);
	}
}

/* A phrase of the vocabulary, met whole, means one category: two families
 * of different categories with the same phrase would decide by their order.
 * (Parts of compositions are shared by design.) */
static void words__every_phrase__one_category(void **state)
{
	(void)state;
	for (size_t p = 0; p < SMTPDIAG__NPHRASES; p++) {
		const struct smtpdiag__phrase *ph = &smtpdiag__phrases[p];
		int category = -1;
		for (size_t u = ph->uses; u < (size_t)ph->uses + ph->nuses; u++) {
			size_t k = smtpdiag__uses[u].rule;
			if (k >= SMTPDIAG__NRULES)
				continue; /* a provider marker */
			const struct smtpdiag__rule *r = &smtpdiag__rules[k];
			if (r->layer != SMTPDIAG__LAYER_WORDS || r->nslots != 1)
				continue;
			const char *id = smtpdiag__str(r->id);
			if (category >= 0 && r->category != category)
				print_message("phrase %zu of %s is also in another category\n", p,
					      id ? id : "?");
			assert_true(category < 0 || r->category == category);
			category = r->category;
		}
	}
}

/* The automaton stays compact. A state's name holds the place of its
 * record in SMTPDIAG__AC_REC_BITS bits; as the phrases' bytes (a state each)
 * near that many, the generator pads every record to a larger unit, which
 * makes the tables larger, and then fails. Whole sentences taken as phrases
 * once did that (data/README.md: a phrase is a sentence's distinctive
 * clause). Records start at every other word; every third still makes
 * smaller tables than the every fourth of before src/mktables.c's rows
 * became fewer. */
static void automaton__tables__compact_with_room(void **state)
{
	(void)state;
	assert_true(SMTPDIAG__AC_REC_UNIT <= 3);
	assert_true(SMTPDIAG__NSTATES <= ((size_t)1 << SMTPDIAG__AC_REC_BITS) / 10 * 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry__every_reply_code__own_meaning),
		cmocka_unit_test(registry__every_enhanced_status__own_meaning),
		cmocka_unit_test(names__every_enum_value__named_once),
		cmocka_unit_test(clients__every_profile__every_key_placed),
		cmocka_unit_test(advice__every_rule_and_category__cause_and_fix),
		cmocka_unit_test(words__every_phrase__one_category),
		cmocka_unit_test(automaton__tables__compact_with_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
