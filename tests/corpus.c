/*
 * corpus.c - read tests/corpus/ (the format is in corpus.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

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

/* "\n" in the corpus is a line break of the text. */
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

static int read_file(const char *dir, const char *name,
		     void (*fn)(const struct corpus_case *, void *), void *ctx)
{
	char path[1024], line[16384];
	int bad = 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		return 1;
	}
	for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *bar1 = strstr(s, " | "), *bar2 = bar1 ? strstr(bar1 + 3, " | ") : NULL;
		if (!bar2) {
			fprintf(stderr, "%s:%d: not 'category | rule | text'\n", path, lineno);
			bad++;
			continue;
		}
		*bar1 = *bar2 = '\0';
		struct corpus_case c = { name, lineno, trim(s), trim(bar1 + 3), trim(bar2 + 3), 0 };
		c.len = unescape((char *)c.text);
		fn(&c, ctx);
	}
	fclose(f);
	return bad;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int corpus_each(const char *dir, void (*fn)(const struct corpus_case *, void *), void *ctx)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int bad = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));) {
		size_t k = strlen(e->d_name);
		if (k <= 4 || strcmp(e->d_name + k - 4, ".txt"))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char **p = realloc(names, cap * sizeof *names);
			if (!p)
				abort();
			names = p;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		bad += read_file(dir, names[i], fn, ctx);
		free(names[i]);
	}
	free(names);
	return bad;
}
