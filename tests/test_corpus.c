/*
 * test_corpus.c - real reply texts against the knowledge base.
 *
 * Every file in tests/corpus/ holds lines "category | rule-id | reply", where
 * rule-id may be "-" (only the category is asserted) and "\n" in the reply
 * separates its lines. Any change to data/ that moves an expectation fails
 * here, with every moved line listed.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpdiag.h"

#define CORPUS_DIR "tests/corpus"

static size_t ncases;

/* Trim spaces at both ends, in place. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
			 s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* "\n" in the corpus is a line break of the reply. */
static size_t unescape(char *s)
{
	char *w = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			*w++ = '\n';
			p++;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Check one file; returns the number of mismatches (each printed). */
static int check_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	int lineno = 0, bad = 0;
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *bar1 = strstr(s, " | "), *bar2 = bar1 ? strstr(bar1 + 3, " | ") : NULL;
		if (!bar2) {
			print_error("%s:%d: not 'category | rule | reply'\n", path, lineno);
			bad++;
			continue;
		}
		*bar1 = *bar2 = '\0';
		const char *category = trim(s), *rule = trim(bar1 + 3);
		char *reply = trim(bar2 + 3);
		size_t len = unescape(reply);
		struct smtpdiag_reply r;
		struct smtpdiag_diagnosis d;
		ncases++;
		if (smtpdiag_diagnose(reply, len, &r, &d) != 0) {
			print_error("%s:%d: no diagnosis\n", path, lineno);
			bad++;
			continue;
		}
		const char *got = smtpdiag_category_name(d.category);
		if (strcmp(got, category) || (strcmp(rule, "-") && (!d.rule || strcmp(rule, d.rule)))) {
			print_error("%s:%d: want %s %s, got %s %s\n", path, lineno, category,
				    rule, got, d.rule ? d.rule : "(no rule)");
			bad++;
		}
	}
	fclose(f);
	return bad;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void corpus__every_reply__expected_category_and_rule(void **state)
{
	DIR *dir = opendir(CORPUS_DIR);
	char *names[256];
	size_t n = 0;
	int bad = 0;
	(void)state;
	assert_non_null(dir);
	for (struct dirent *e; (e = readdir(dir)) && n < 256;) {
		size_t k = strlen(e->d_name);
		if (k > 4 && !strcmp(e->d_name + k - 4, ".txt"))
			names[n++] = strdup(e->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, names[i]);
		bad += check_file(path);
		free(names[i]);
	}
	print_message("corpus: %zu replies in %zu files, %d mismatched\n", ncases, n, bad);
	assert_int_equal(bad, 0);
	assert_true(ncases > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus__every_reply__expected_category_and_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
