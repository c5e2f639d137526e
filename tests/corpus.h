/*
 * corpus.h - the reader of tests/corpus/, shared by test_corpus (which
 * asserts it) and accuracy (which measures it).
 *
 * Each file holds lines "category | rule-id | text", '#' comments and blank
 * lines; rule-id "-" asserts only the category, and "\n" in the text is one
 * of its line breaks.
 */
#ifndef SMTPDIAG_TESTS_CORPUS_H
#define SMTPDIAG_TESTS_CORPUS_H

#include <stddef.h>

struct corpus_case {
	const char *file; /* the file's name within the directory */
	int line;
	const char *category, *rule; /* rule: "-" when only the category counts */
	const char *text;
	size_t len;
};

/* Call fn for every case in the .txt files of dir, files in name order.
 * Returns the number of malformed lines (each printed on stderr), or -1 when
 * dir cannot be read. */
int corpus_each(const char *dir, void (*fn)(const struct corpus_case *c, void *ctx),
		void *ctx);

#endif
