/*
 * strmap.c - a map from strings to numbers (open addressing, FNV-1a), for the
 * command's counts by rule and the redactor's placeholders.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct strmap {
	struct strmap_entry *slots; /* key NULL: empty */
	size_t used, cap;
};

struct strmap *strmap_new(void)
{
	struct strmap *m = calloc(1, sizeof *m);
	if (m && !(m->slots = calloc(m->cap = 64, sizeof *m->slots))) {
		free(m);
		m = NULL;
	}
	return m;
}

void strmap_free(struct strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	free(m);
}

static size_t hash(const char *k)
{
	size_t h = 2166136261u;
	while (*k)
		h = (h ^ (unsigned char)*k++) * 16777619u;
	return h;
}

static struct strmap_entry *slot(struct strmap_entry *t, size_t cap, const char *key)
{
	size_t i = hash(key) & (cap - 1);
	while (t[i].key && strcmp(t[i].key, key))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

uint64_t *strmap_value(struct strmap *m, const char *key)
{
	if (2 * (m->used + 1) > m->cap) {
		size_t cap = 2 * m->cap;
		struct strmap_entry *t = calloc(cap, sizeof *t);
		if (!t)
			return NULL;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].key)
				*slot(t, cap, m->slots[i].key) = m->slots[i];
		free(m->slots);
		m->slots = t;
		m->cap = cap;
	}
	struct strmap_entry *e = slot(m->slots, m->cap, key);
	if (!e->key) {
		if (!(e->key = malloc(strlen(key) + 1)))
			return NULL;
		strcpy(e->key, key);
		m->used++;
	}
	return &e->value;
}

size_t strmap_size(const struct strmap *m)
{
	return m->used;
}

size_t strmap_entries(const struct strmap *m, struct strmap_entry *out)
{
	size_t n = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			out[n++] = m->slots[i];
	return n;
}
