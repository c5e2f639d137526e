/*
 * replay.c - run a fuzz target without libFuzzer: calls
 * LLVMFuzzerTestOneInput once on every regular file in the directories (or
 * on the files) named on the command line, so that `make check` replays the
 * corpus with any C compiler. Link it with one fuzz_*.c and the library.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run the target on one file: 1 when run, 0 when it is no regular file, -1
 * on a read error. */
static int replay_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		return -1;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	uint8_t *data = malloc(cap);
	if (!data) {
		fclose(fp);
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	for (;;) {
		n += fread(data + n, 1, cap - n, fp);
		if (n < cap || ferror(fp))
			break;
		uint8_t *more = realloc(data, cap *= 2);
		if (!more) {
			free(data);
			fclose(fp);
			fprintf(stderr, "%s: out of memory\n", path);
			return -1;
		}
		data = more;
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(data);
		fprintf(stderr, "%s: read error\n", path);
		return -1;
	}
	/* an exact-size copy, so that a read past the end is caught by ASan */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(data);
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	memcpy(exact, data, n);
	free(data);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 1;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of a directory, in name order; adds to *count. */
static int replay_dir(const char *dir, unsigned long *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int status = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
			if (!more) {
				status = -1;
				break;
			}
			names = more;
		}
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		if (!(names[n] = malloc(len))) {
			status = -1;
			break;
		}
		snprintf(names[n++], len, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		int rc = status ? 0 : replay_file(names[i]);
		if (rc < 0)
			status = -1;
		else
			*count += (unsigned long)rc;
		free(names[i]);
	}
	free(names);
	if (status)
		fprintf(stderr, "%s: cannot list it\n", dir);
	return status;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 64;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			status = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				status = 1;
		} else {
			int rc = replay_file(argv[i]);
			if (rc < 0)
				status = 1;
			else
				count += (unsigned long)rc;
		}
	}
	printf("replayed %lu inputs\n", count);
	return status;
}
