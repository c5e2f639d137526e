/*
 * test_mktables.c - the generator refuses broken data with "file:line:
 * message" and writes nothing; on good data its output is repeatable byte
 * for byte. Runs the built generator ($MKTABLES, default build/mktables).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/smtpdiag-mktables-XXXXXX";
static const char *mktables;

struct broken {
	const char *data;    /* the file t.txt */
	const char *message; /* must appear in the generator's errors */
};

#define RULE_HEAD "rule t.x\nmatch some words\nwho you\ncause C.\nfix F.\nref R\n"

static const struct broken cases[] = {
	{ RULE_HEAD "category nonsense\n", "t.txt:7: unknown category 'nonsense'" },
	{ RULE_HEAD "category auth\nsettings auth.password auth.bogus\n",
	  "t.txt:8: unknown settings key 'auth.bogus'" },
	{ RULE_HEAD "category auth\n" RULE_HEAD "category auth\n",
	  "t.txt:8: rule 't.x' is already defined at t.txt:1" },
	{ "rule t.x\nmatch some words\nwho you\nfix F.\nref R\ncategory auth\n",
	  "t.txt:1: rule t.x: missing field 'cause'" },
	{ "rule t.x\nmatch some words\nwho you\ncause C.\nref R\ncategory auth\n",
	  "t.txt:1: rule t.x: missing field 'fix'" },
	{ RULE_HEAD "category auth\ncolour blue\n", "t.txt:8: unknown field 'colour' in a rule record" },
	{ RULE_HEAD "category auth\nwrapper no\n", "t.txt:8: 'wrapper' is yes or absent" },
	{ "  leading continuation\n", "t.txt:1: a continuation line, but no field above it" },
	{ "words nope\nphrase some words\nref R\n",
	  "t.txt:1: words for 'nope', which no family record defines" },
	{ "family f\ncategory auth\nwho you\ncause C.\nfix F.\nref R\n",
	  "t.txt:1: family f: missing field 'alone'" },
	{ "family f\ncategory auth\nwho you\nalone success\ncause C.\nfix F.\nref R\n",
	  "t.txt:4: 'alone' is transient or permanent" },
	{ "family f\ncategory auth\nwho you\nalone permanent\ncause C.\nfix F.\nref R\n"
	  "words f\nphrase relay ... ab\nref R\n",
	  "t.txt:9: 'relay ... ab': each part of a phrase (and each text in its braces) has 3 "
	  "characters or more" },
	{ "family f\ncategory auth\nwho you\nalone permanent\ncause C.\nfix F.\nref R\n"
	  "words f\nphrase relay ... {denied|no}\nref R\n",
	  "t.txt:9: 'relay ... {denied|no}': each part of a phrase (and each text in its braces) "
	  "has 3 characters or more" },
	{ "family f\ncategory auth\nwho you\nalone permanent\ncause C.\nfix F.\nref R\n"
	  "words f\nphrase relay ... {denied|refused\nref R\n",
	  "t.txt:9: 'relay ... {denied|refused': each part" },
	{ "family f\ncategory auth\nwho you\nalone permanent\nafter-data g\ncause C.\nfix F.\nref R\n",
	  "t.txt:5: 'after-data g' names no other family" },
	/* a family's word said twice in one file (in any case or accents) */
	{ "family f\ncategory auth\nwho you\nalone permanent\ncause C.\nfix F.\nref R\n"
	  "words f\nphrase login refusé\nref R\n\nwords f\nphrase Login Refuse\nref R\n",
	  "t.txt:13: 'login refuse' is already a phrase of family words.f in this file" },
	{ "status X.7.1\nmeaning M\ncategory policy\nyields spam bogus\nref R\n",
	  "t.txt:4: yields: 'bogus' is not a category or 'any'" },
	{ RULE_HEAD "category auth\ncode 650\n", "t.txt:8: '650' is not a reply code" },
	{ RULE_HEAD "category auth\nstatus 5.7\n", "t.txt:8: '5.7' is not an enhanced status code" },
	{ RULE_HEAD "category auth\ncode none\n", "t.txt:8: a rule with 'code none' needs a severity" },
	{ RULE_HEAD "category auth\nprovider nobody-knows\n", "t.txt:8: unknown provider 'nobody-knows'" },
	{ "rule other.x\nmatch some words\nwho you\ncause C.\nfix F.\nref R\ncategory auth\n",
	  "t.txt:1: rule id 'other.x' must be the file's name" },
	{ "rule t.x\nmatch ab\nwho you\ncause C.\nfix F.\nref R\ncategory auth\n",
	  "t.txt:2: phrase 'ab' is shorter than 4 characters" },
	{ RULE_HEAD "category auth\ncause Again.\n", "t.txt:8: rule t.x: field 'cause' may appear at most 1 time" },
	{ "rule t.x\nmatch some words\nwho everybody\ncause C.\nfix F.\nref R\ncategory auth\n",
	  "t.txt:3: unknown who 'everybody'" },
	{ "widget t.x\n", "t.txt:1: 'widget' is not a record kind" },
	{ "code 550\nmeaning M\nref R\n", "t.txt:1: code 550: missing field 'category'" },
	{ "status 5.1.1.1\nmeaning M\ncategory auth\nref R\n",
	  "t.txt:1: '5.1.1.1' is not an enhanced status code" },
	{ "client generic\nname G\nserver.host H\n", "client generic: missing 'server.port'" },
	{ "category auth\ntitle T\nwho you\ncause C.\nfix F.\n",
	  "category 'sender' has no record" },
};

static int run(const char *args, const char *err_file)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "%s %s 2>%s", mktables, args, err_file);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 16];
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void mktables__broken_data__file_line_message_and_nothing_written(void **state)
{
	char path[256], out[256], args[1024], err[256];
	(void)state;
	snprintf(path, sizeof path, "%s/t.txt", dir);
	snprintf(out, sizeof out, "%s/out.c", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		write_file(path, cases[i].data);
		remove(out);
		/* run from dir, so the file is named as a user wrote it */
		snprintf(args, sizeof args, "out.c out.h t.txt");
		char cmd[4096];
		snprintf(cmd, sizeof cmd, "cd %s && %s %s 2>err", dir, mktables, args);
		int st = system(cmd);
		print_message("case %zu: want %s\n", i, cases[i].message);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 1);
		const char *text = slurp(err);
		if (!strstr(text, cases[i].message))
			print_error("stderr was:\n%s", text);
		assert_non_null(strstr(text, cases[i].message));
		assert_int_equal(access(out, F_OK), -1);
	}
}

static void mktables__good_data__same_bytes_every_run(void **state)
{
	char args[1024], err[256], a[256], b[256];
	(void)state;
	snprintf(err, sizeof err, "%s/err", dir);
	snprintf(args, sizeof args, "%s/a.c %s/a.h tests/fixture/t.txt", dir, dir);
	assert_int_equal(run(args, err), 0);
	snprintf(args, sizeof args, "%s/b.c %s/b.h tests/fixture/t.txt", dir, dir);
	assert_int_equal(run(args, err), 0);
	snprintf(a, sizeof a, "%s/a.c", dir);
	snprintf(b, sizeof b, "%s/b.c", dir);
	char *first = strdup(slurp(a));
	assert_true(strlen(first) > 1000);
	assert_non_null(strstr(first, "do not edit"));
	assert_string_equal(first, slurp(b));
	free(first);
}

static int setup(void **state)
{
	(void)state;
	mktables = getenv("MKTABLES");
	if (!mktables)
		mktables = "build/mktables";
	static char abs[1024];
	if (mktables[0] != '/') {
		if (!getcwd(abs, sizeof abs - 64))
			return -1;
		strcat(abs, "/");
		strncat(abs, mktables, sizeof abs - strlen(abs) - 1);
		mktables = abs;
	}
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mktables__broken_data__file_line_message_and_nothing_written),
		cmocka_unit_test(mktables__good_data__same_bytes_every_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
