/*
 * accuracy.c - how often the knowledge base reads the corpus right.
 *
 *   accuracy [--misses] [DIR]      (DIR: tests/corpus)
 *
 * Every case of the corpus (corpus.h) is diagnosed from its bare text, as
 * `smtpdiag explain` would. Prints the share that agrees with the expected
 * category, overall and per file (the files are per source and language),
 * what decided (text, status, code, or nothing recognised), each category's
 * precision and recall, and the confusion matrix. --misses lists every
 * disagreement. Exit 0; the floor is asserted by test_corpus.
 */
#include <stdio.h>
#include <string.h>

#include "corpus.h"
#include "smtpdiag.h"

#define NCAT SMTPDIAG_CAT_COUNT
#define NONE NCAT /* nothing recognised */
#define MAX_FILES 256

struct file_tally {
	const char *name;
	size_t n, right;
};

static size_t confusion[NCAT + 1][NCAT + 1]; /* [wanted][got] */
static size_t by[4];                         /* text, status, code, nothing */
static struct file_tally files[MAX_FILES];
static size_t nfiles, total, right;
static char names[MAX_FILES][256];
static int misses;

static int category_index(const char *s)
{
	for (int i = 0; i < NCAT; i++)
		if (!strcmp(s, smtpdiag_category_name((enum smtpdiag_category)i)))
			return i;
	return -1;
}

static void tally(const struct corpus_case *c, void *ctx)
{
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	int want = category_index(c->category), got = NONE;
	(void)ctx;
	if (want < 0) {
		fprintf(stderr, "%s:%d: unknown category '%s'\n", c->file, c->line, c->category);
		return;
	}
	if (smtpdiag_diagnose(c->text, c->len, &r, &d) == 0) {
		got = (int)d.category;
		by[d.matched_by == SMTPDIAG_BY_TEXT ? 0 : d.matched_by == SMTPDIAG_BY_STATUS ? 1 : 2]++;
	} else {
		by[3]++;
	}
	if (!nfiles || strcmp(files[nfiles - 1].name, c->file)) {
		if (nfiles == MAX_FILES)
			return;
		snprintf(names[nfiles], sizeof names[nfiles], "%s", c->file);
		files[nfiles++] = (struct file_tally){ names[nfiles - 1], 0, 0 };
	}
	files[nfiles - 1].n++;
	files[nfiles - 1].right += got == want;
	confusion[want][got]++;
	total++;
	right += got == want;
	if (misses && got != want)
		printf("%s:%d: want %s, got %s%s%s: %.*s\n", c->file, c->line, c->category,
		       got == NONE ? "nothing" : smtpdiag_category_name((enum smtpdiag_category)got),
		       got != NONE && d.rule ? " " : "", got != NONE && d.rule ? d.rule : "",
		       (int)(c->len > 160 ? 160 : c->len), c->text);
}

static double pct(size_t a, size_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* A category's name cut to a column heading. */
static const char *head(int c)
{
	static char buf[8];
	snprintf(buf, sizeof buf, "%.5s",
		 c == NONE ? "none" : smtpdiag_category_name((enum smtpdiag_category)c));
	return buf;
}

int main(int argc, char **argv)
{
	const char *dir = "tests/corpus";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--misses"))
			misses = 1;
		else
			dir = argv[i];
	}
	if (corpus_each(dir, tally, NULL) < 0) {
		fprintf(stderr, "accuracy: cannot read %s\n", dir);
		return 66;
	}
	printf("%zu cases in %zu files: %.1f%% agree with the expected category\n", total,
	       nfiles, pct(right, total));
	printf("decided by: text %.1f%%, status %.1f%%, code %.1f%%, nothing recognised %.1f%%\n\n",
	       pct(by[0], total), pct(by[1], total), pct(by[2], total), pct(by[3], total));

	printf("%-28s %6s %7s\n", "file", "cases", "agree");
	for (size_t i = 0; i < nfiles; i++)
		printf("%-28s %6zu %6.1f%%\n", files[i].name, files[i].n,
		       pct(files[i].right, files[i].n));

	printf("\n%-12s %6s %9s %7s\n", "category", "cases", "precision", "recall");
	for (int c = 0; c < NCAT; c++) {
		size_t wanted = 0, got = 0;
		for (int k = 0; k <= NCAT; k++) {
			wanted += confusion[c][k];
			got += confusion[k][c];
		}
		if (!wanted && !got)
			continue;
		printf("%-12s %6zu %8.1f%% %6.1f%%\n",
		       smtpdiag_category_name((enum smtpdiag_category)c), wanted,
		       pct(confusion[c][c], got), pct(confusion[c][c], wanted));
	}

	printf("\nconfusion (rows: expected, columns: got)\n%-6s", "");
	for (int k = 0; k <= NCAT; k++)
		printf("%6s", head(k));
	putchar('\n');
	for (int c = 0; c < NCAT; c++) {
		size_t row = 0;
		for (int k = 0; k <= NCAT; k++)
			row += confusion[c][k];
		if (!row)
			continue;
		printf("%-6s", head(c));
		for (int k = 0; k <= NCAT; k++)
			if (confusion[c][k])
				printf("%6zu", confusion[c][k]);
			else
				printf("%6s", ".");
		putchar('\n');
	}
	return 0;
}
