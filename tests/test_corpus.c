/*
 * test_corpus.c - real failure texts against the knowledge base.
 *
 * tests/corpus/ holds lines "category | rule-id | text" (corpus.h). A line
 * that names its rule is asserted exactly: any change to data/ that moves it
 * fails here, with every moved line listed. A line with rule "-" is a
 * development case read by its words: together they must agree with their
 * expected categories at least as often as ACCURACY_FLOOR; `make accuracy`
 * prints the figures in detail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "corpus.h"
#include "smtpdiag.h"

#define CORPUS_DIR "tests/corpus"

/* Raise it as the vocabulary grows; never lower it to let a change pass. */
#define ACCURACY_FLOOR 0.99

/* tests/independent/ holds real texts labelled by someone who saw neither
 * data/ nor the tool's answers: the honest measure, with its own floor. */
#define INDEPENDENT_DIR "tests/independent"
#define INDEPENDENT_FLOOR 0.90

struct tally {
	size_t exact, exact_bad, open, open_right;
};

static void check_case(const struct corpus_case *c, void *ctx)
{
	struct tally *t = ctx;
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	int ok = smtpdiag_diagnose(c->text, c->len, &r, &d) == 0;
	const char *got = ok ? smtpdiag_category_name(d.category) : "(none)";

	if (!strcmp(c->rule, "-")) {
		t->open++;
		t->open_right += !strcmp(got, c->category);
		return;
	}
	t->exact++;
	if (strcmp(got, c->category) || !d.rule || strcmp(c->rule, d.rule)) {
		print_error("tests/corpus/%s:%d: want %s %s, got %s %s\n", c->file, c->line,
			    c->category, c->rule, got, ok && d.rule ? d.rule : "(no rule)");
		t->exact_bad++;
	}
}

static void corpus__every_reply__expected_category_and_rule(void **state)
{
	struct tally t = { 0 };
	(void)state;
	assert_int_equal(corpus_each(CORPUS_DIR, check_case, &t), 0);
	print_message("corpus: %zu replies with their rule, %zu mismatched; %zu read by "
		      "their words, %.1f%% agree (floor %.1f%%)\n", t.exact, t.exact_bad,
		      t.open, t.open ? 100.0 * (double)t.open_right / (double)t.open : 0.0,
		      100.0 * ACCURACY_FLOOR);
	assert_int_equal(t.exact_bad, 0);
	assert_true(t.exact > 0);
	assert_true((double)t.open_right >= ACCURACY_FLOOR * (double)t.open);
}

static void corpus__independent_texts__agree_above_floor(void **state)
{
	struct tally t = { 0 };
	(void)state;
	assert_int_equal(corpus_each(INDEPENDENT_DIR, check_case, &t), 0);
	print_message("independent: %zu texts, %.1f%% agree (floor %.1f%%)\n", t.open,
		      t.open ? 100.0 * (double)t.open_right / (double)t.open : 0.0,
		      100.0 * INDEPENDENT_FLOOR);
	assert_int_equal(t.exact, 0); /* category only: no rule is named there */
	assert_true(t.open > 0);
	assert_true((double)t.open_right >= INDEPENDENT_FLOOR * (double)t.open);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus__every_reply__expected_category_and_rule),
		cmocka_unit_test(corpus__independent_texts__agree_above_floor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
