/*
 * mktables.c - compile the knowledge base in data/ into C tables.
 *
 *   mktables OUT.c OUT.h FILE...
 *
 * Reads every FILE (the record format of data/README.md), validates all of
 * it, and only then writes OUT.c (the tables) and OUT.h (their sizes). Every
 * problem is reported as "file:line: message" and makes the exit status 1
 * with nothing written. The output depends only on the input, byte for byte:
 * rules are sorted by id, codes by number, statuses by subject and detail.
 *
 * A build-time tool for the host: it may allocate freely and exit on
 * out-of-memory; it shares the name lists (names.c) and the byte folding
 * (fold.c) with the library, so the two cannot disagree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kb_format.h"

#define MIN_PHRASE_LEN 4
#define MAX_TEXT_LEN 4000 /* keeps each string literal portable */

/* ---- small helpers ----------------------------------------------------- */

static int nerrors;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("mktables: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

#define GROW(arr, n, cap)                                                  \
	do {                                                               \
		if ((n) == (cap)) {                                        \
			(cap) = (cap) ? 2 * (cap) : 16;                    \
			(arr) = xrealloc((arr), (cap) * sizeof *(arr));    \
		}                                                          \
	} while (0)

static void error_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	nerrors++;
}

/* Split s at runs of spaces; returns the number of words stored in w. */
static size_t split_words(char *s, char **w, size_t max)
{
	size_t n = 0;
	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return n;
		if (n < max)
			w[n] = s;
		n++;
		while (*s && *s != ' ')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || smtpdiag__is_digit((unsigned char)*s) ||
		      *s == '-' || *s == '.' || *s == '_'))
			return 0;
	return 1;
}

/* ---- records ----------------------------------------------------------- */

struct field {
	const char *name;
	char *value;
	int line;
};

struct record {
	const char *file;
	int line;
	const char *kind;
	char *id;
	struct field *fields;
	size_t nfields, cap;
};

/* How often a field may appear in a record of a kind. */
struct spec {
	const char *kind, *field;
	int min, max;
};

static const struct spec specs[] = {
	{ "rule", "match", 1, SMTPDIAG__MAX_SLOTS },
	{ "rule", "code", 0, 1 },
	{ "rule", "status", 0, 1 },
	{ "rule", "provider", 0, 1 },
	{ "rule", "category", 1, 1 },
	{ "rule", "severity", 0, 1 },
	{ "rule", "who", 1, 1 },
	{ "rule", "cause", 1, 1 },
	{ "rule", "fix", 1, SMTPDIAG_MAX_STEPS },
	{ "rule", "settings", 0, 1 },
	{ "rule", "ref", 1, SMTPDIAG_MAX_REFS },
	{ "code", "meaning", 1, 1 },
	{ "code", "category", 1, 1 },
	{ "code", "who", 0, 1 },
	{ "code", "cause", 0, 1 },
	{ "code", "fix", 0, SMTPDIAG_MAX_STEPS },
	{ "code", "settings", 0, 1 },
	{ "code", "ref", 1, SMTPDIAG_MAX_REFS },
	{ "status", "meaning", 1, 1 },
	{ "status", "category", 1, 1 },
	{ "status", "who", 0, 1 },
	{ "status", "cause", 0, 1 },
	{ "status", "fix", 0, SMTPDIAG_MAX_STEPS },
	{ "status", "settings", 0, 1 },
	{ "status", "ref", 1, SMTPDIAG_MAX_REFS },
	{ "category", "title", 1, 1 },
	{ "category", "who", 1, 1 },
	{ "category", "cause", 1, 1 },
	{ "category", "fix", 1, SMTPDIAG_MAX_STEPS },
	{ "category", "settings", 0, 1 },
	{ "category", "ref", 0, SMTPDIAG_MAX_REFS },
	{ "provider", "name", 1, 1 },
	{ "provider", "marker", 0, SMTPDIAG__MAX_SLOTS },
	{ "provider", "ref", 0, SMTPDIAG_MAX_REFS },
	{ "client", "name", 1, 1 },
};

static const char *const kinds[] = { "rule", "code", "status", "category",
				     "provider", "client" };

static int setting_from_name(const char *s)
{
	for (int i = 0; i < SMTPDIAG_SETTING_COUNT; i++)
		if (!strcmp(s, smtpdiag_setting_name((enum smtpdiag_setting)i)))
			return i;
	return -1;
}

/* The interned name of a field valid in a record of this kind, or NULL. */
static const char *field_name(const char *kind, const char *name)
{
	for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
		if (!strcmp(specs[i].kind, kind) && !strcmp(specs[i].field, name))
			return specs[i].field;
	if (!strcmp(kind, "client")) {
		int k = setting_from_name(name);
		if (k >= 0)
			return smtpdiag_setting_name((enum smtpdiag_setting)k);
	}
	return NULL;
}

static const char *kind_name(const char *word)
{
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (!strcmp(kinds[i], word))
			return kinds[i];
	return NULL;
}

static struct record *records;
static size_t nrecords, records_cap;

static void add_field(struct record *r, const char *name, char *value, int line)
{
	GROW(r->fields, r->nfields, r->cap);
	r->fields[r->nfields++] = (struct field){ name, value, line };
}

/* Append a continuation line to the last field's value. */
static void continue_field(struct field *f, const char *more)
{
	size_t a = strlen(f->value), b = strlen(more);
	f->value = xrealloc(f->value, a + b + 2);
	f->value[a] = ' ';
	memcpy(f->value + a + 1, more, b + 1);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	if (!fp)
		return NULL;
	for (;;) {
		GROW(buf, n, cap);
		size_t got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static void parse_file(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);
	struct record *cur = NULL;
	int line = 0;

	if (!buf) {
		error_at(path, 0, "cannot read the file");
		return;
	}
	for (size_t pos = 0; pos < len;) {
		size_t eol = pos;
		while (eol < len && buf[eol] != '\n')
			eol++;
		size_t end = eol;
		line++;
		while (end > pos && smtpdiag__is_space((unsigned char)buf[end - 1]))
			end--;
		if (memchr(buf + pos, '\0', end - pos)) {
			error_at(path, line, "a NUL byte in the line");
			pos = eol + 1;
			continue;
		}
		char *s = xstrndup(buf + pos, end - pos);
		size_t ind = 0;
		pos = eol + 1;

		while (s[ind] == ' ' || s[ind] == '\t')
			ind++;
		if (!s[ind] || s[ind] == '#') {
			free(s);
			continue;
		}
		for (char *p = s; *p; p++)
			if (*p == '\t')
				*p = ' ';
		if (ind > 0) {
			if (!cur || !cur->nfields)
				error_at(path, line, "a continuation line, but no field above it");
			else
				continue_field(&cur->fields[cur->nfields - 1], s + ind);
			free(s);
			continue;
		}
		char *sp = strchr(s, ' ');
		char *value = sp ? sp + 1 : s + strlen(s);
		if (sp)
			*sp = '\0';
		while (*value == ' ')
			value++;

		const char *fname = cur ? field_name(cur->kind, s) : NULL;
		if (fname) {
			if (!*value)
				error_at(path, line, "field '%s' has no value", s);
			add_field(cur, fname, xstrndup(value, strlen(value)), line);
		} else if (kind_name(s)) {
			GROW(records, nrecords, records_cap);
			cur = &records[nrecords++];
			*cur = (struct record){ .file = path, .line = line,
						.kind = kind_name(s) };
			cur->id = xstrndup(value, strlen(value));
			if (!*value)
				error_at(path, line, "'%s' needs an id", s);
		} else if (cur) {
			error_at(path, line, "unknown field '%s' in a %s record", s,
				 cur->kind);
		} else {
			error_at(path, line, "'%s' is not a record kind (rule, code, "
				 "status, category, provider, client)", s);
		}
		free(s);
	}
	free(buf);
}

/* The fields named `name`, counted; returns the first or NULL. */
static struct field *get(struct record *r, const char *name, size_t *count)
{
	struct field *first = NULL;
	size_t n = 0;
	for (size_t i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].name, name)) {
			if (!first)
				first = &r->fields[i];
			n++;
		}
	if (count)
		*count = n;
	return first;
}

/* The line of the field's occurrence after the first n (0-based n). */
static int nth_line(struct record *r, const char *name, int n)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].name, name) && n-- == 0)
			return r->fields[i].line;
	return r->line;
}

static void check_counts(struct record *r)
{
	for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
		size_t n;
		if (strcmp(specs[i].kind, r->kind))
			continue;
		get(r, specs[i].field, &n);
		if ((int)n < specs[i].min)
			error_at(r->file, r->line, "%s %s: missing field '%s'",
				 r->kind, r->id, specs[i].field);
		else if ((int)n > specs[i].max)
			error_at(r->file, nth_line(r, specs[i].field, specs[i].max),
				 "%s %s: field '%s' may appear at most %d time%s",
				 r->kind, r->id, specs[i].field, specs[i].max,
				 specs[i].max == 1 ? "" : "s");
	}
	if (!strcmp(r->kind, "client"))
		for (size_t i = 0; i < r->nfields; i++)
			for (size_t j = i + 1; j < r->nfields; j++)
				if (!strcmp(r->fields[i].name, r->fields[j].name))
					error_at(r->file, r->fields[j].line,
						 "client %s: '%s' given twice",
						 r->id, r->fields[j].name);
	for (size_t i = 0; i < r->nfields; i++)
		if (strlen(r->fields[i].value) > MAX_TEXT_LEN)
			error_at(r->file, r->fields[i].line,
				 "value longer than %d bytes", MAX_TEXT_LEN);
}

/* ---- the string pool --------------------------------------------------- */

/* Strings in pool order; offset of each; a hash table for de-duplication. */
static char **pool;
static uint32_t *pool_off;
static size_t npool, pool_cap;
static uint32_t pool_size;
static size_t *pool_hash; /* index + 1; 0: empty slot */
static size_t pool_hash_cap;

static size_t hash_str(const char *s)
{
	size_t h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void pool_rehash(void)
{
	free(pool_hash);
	pool_hash_cap = pool_hash_cap ? 2 * pool_hash_cap : 1024;
	pool_hash = xrealloc(NULL, pool_hash_cap * sizeof *pool_hash);
	memset(pool_hash, 0, pool_hash_cap * sizeof *pool_hash);
	for (size_t i = 0; i < npool; i++) {
		size_t h = hash_str(pool[i]) & (pool_hash_cap - 1);
		while (pool_hash[h])
			h = (h + 1) & (pool_hash_cap - 1);
		pool_hash[h] = i + 1;
	}
}

/* The pool offset of s, adding it when new. "" is offset 0. */
static uint32_t intern(const char *s)
{
	if (2 * (npool + 1) > pool_hash_cap)
		pool_rehash();
	size_t h = hash_str(s) & (pool_hash_cap - 1);
	for (; pool_hash[h]; h = (h + 1) & (pool_hash_cap - 1))
		if (!strcmp(pool[pool_hash[h] - 1], s))
			return pool_off[pool_hash[h] - 1];
	GROW(pool, npool, pool_cap);
	pool_off = xrealloc(pool_off, pool_cap * sizeof *pool_off);
	pool[npool] = xstrndup(s, strlen(s));
	pool_off[npool] = pool_size;
	pool_size += (uint32_t)strlen(s) + 1;
	pool_hash[h] = ++npool;
	return pool_off[npool - 1];
}

/* ---- lists ------------------------------------------------------------- */

static uint32_t *texts;
static size_t ntexts, texts_cap;
static uint8_t *settings;
static size_t nsettings, settings_cap;
static uint16_t *codes;
static size_t ncodes, codes_cap;
static struct smtpdiag_status *statuses;
static size_t nstatuses, statuses_cap;

/* Parse "5.7.1"; with allow_x, "X.7.1" gives cls 0. */
static int parse_status(const char *s, int allow_x, struct smtpdiag_status *st)
{
	unsigned part[3] = { 0, 0, 0 };
	const char *p = s;
	if (allow_x && (*p == 'X' || *p == 'x')) {
		p++;
		part[0] = 0;
		if (*p++ != '.')
			return -1;
		for (int i = 1; i < 3; i++) {
			int nd = 0;
			while (smtpdiag__is_digit((unsigned char)*p) && nd < 4)
				part[i] = part[i] * 10 + (unsigned)(*p++ - '0'), nd++;
			if (nd == 0 || nd > 3 || (i < 2 && *p++ != '.'))
				return -1;
		}
		if (*p)
			return -1;
		*st = (struct smtpdiag_status){ 0, (uint16_t)part[1], (uint16_t)part[2] };
		return 0;
	}
	if (smtpdiag_status_parse(s, strlen(s), st) < 0)
		return -1;
	return 0;
}

static int parse_code(const char *s)
{
	if (strlen(s) != 3 || s[0] < '2' || s[0] > '5')
		return -1;
	if (s[1] == 'x' && s[2] == 'x')
		return s[0] - '0';
	if (!smtpdiag__is_digit((unsigned char)s[1]) ||
	    !smtpdiag__is_digit((unsigned char)s[2]))
		return -1;
	return atoi(s);
}

static int enum_from_name(const char *s, const char *(*name)(int), int count)
{
	for (int i = 0; i < count; i++)
		if (!strcmp(s, name(i)))
			return i;
	return -1;
}

static const char *cat_name(int i) { return smtpdiag_category_name((enum smtpdiag_category)i); }
static const char *who_name(int i) { return smtpdiag_who_name((enum smtpdiag_who)i); }
static const char *sev_name(int i) { return smtpdiag_severity_name((enum smtpdiag_severity)i); }

static int field_enum(struct record *r, const char *field,
		      const char *(*name)(int), int count, const char *what)
{
	struct field *f = get(r, field, NULL);
	if (!f)
		return -1;
	int v = enum_from_name(f->value, name, count);
	if (v < 0)
		error_at(r->file, f->line, "unknown %s '%s'", what, f->value);
	return v;
}

static struct smtpdiag__advice_gen {
	uint32_t cause;
	size_t fix, nfix, refs, nrefs, settings, nsettings;
} advice_of(struct record *r)
{
	struct smtpdiag__advice_gen a = { 0 };
	struct field *f = get(r, "cause", NULL);
	a.cause = f ? intern(f->value) : 0;
	a.fix = ntexts;
	for (size_t i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].name, "fix")) {
			GROW(texts, ntexts, texts_cap);
			texts[ntexts++] = intern(r->fields[i].value);
		}
	a.nfix = ntexts - a.fix;
	a.refs = ntexts;
	for (size_t i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].name, "ref")) {
			GROW(texts, ntexts, texts_cap);
			texts[ntexts++] = intern(r->fields[i].value);
		}
	a.nrefs = ntexts - a.refs;
	a.settings = nsettings;
	if ((f = get(r, "settings", NULL))) {
		char *w[SMTPDIAG_MAX_SETTINGS + 1];
		char *copy = xstrndup(f->value, strlen(f->value));
		size_t n = split_words(copy, w, SMTPDIAG_MAX_SETTINGS + 1);
		if (n > SMTPDIAG_MAX_SETTINGS)
			error_at(r->file, f->line, "at most %d settings keys",
				 SMTPDIAG_MAX_SETTINGS);
		for (size_t i = 0; i < n && i < SMTPDIAG_MAX_SETTINGS; i++) {
			int k = setting_from_name(w[i]);
			if (k < 0) {
				error_at(r->file, f->line, "unknown settings key '%s'", w[i]);
				continue;
			}
			GROW(settings, nsettings, settings_cap);
			settings[nsettings++] = (uint8_t)k;
		}
		free(copy);
	}
	a.nsettings = nsettings - a.settings;
	return a;
}

/* ---- phrases and the automaton ----------------------------------------- */

struct use {
	size_t rule; /* rule index, or nrules + provider index for a marker */
	int slot;
};

struct phrase {
	char *text; /* folded */
	struct use *uses;
	size_t nuses, cap;
};

static struct phrase *phrases;
static size_t nphrases, phrases_cap;

/* Fold a phrase as the matcher folds input: case, and white space runs. */
static char *fold_phrase(const char *s)
{
	char *out = xrealloc(NULL, strlen(s) + 1);
	size_t n = 0;
	for (; *s; s++) {
		unsigned char c = smtpdiag__fold[(unsigned char)*s];
		if (c == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = (char)c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

static void add_phrase(const char *file, int line, const char *raw,
		       size_t rule, int slot)
{
	char *text = fold_phrase(raw);
	size_t i;
	if (strlen(text) < MIN_PHRASE_LEN) {
		error_at(file, line, "phrase '%s' is shorter than %d characters",
			 raw, MIN_PHRASE_LEN);
		free(text);
		return;
	}
	for (i = 0; i < nphrases; i++)
		if (!strcmp(phrases[i].text, text))
			break;
	if (i == nphrases) {
		GROW(phrases, nphrases, phrases_cap);
		phrases[nphrases++] = (struct phrase){ .text = text };
	} else {
		free(text);
	}
	struct phrase *p = &phrases[i];
	for (size_t u = 0; u < p->nuses; u++)
		if (p->uses[u].rule == rule && p->uses[u].slot == slot)
			return;
	GROW(p->uses, p->nuses, p->cap);
	p->uses[p->nuses++] = (struct use){ rule, slot };
}

/* Add each " | " alternative of a match line as a phrase of this slot. */
static void add_alternatives(struct field *f, const char *file, size_t rule,
			     int slot)
{
	const char *s = f->value;
	for (;;) {
		const char *bar = strstr(s, " | ");
		size_t n = bar ? (size_t)(bar - s) : strlen(s);
		char *alt = xstrndup(s, n);
		add_phrase(file, f->line, alt, rule, slot);
		free(alt);
		if (!bar)
			return;
		s = bar + 3;
	}
}

struct state {
	unsigned char *bytes;
	uint32_t *next;
	size_t nedges, cap;
	uint32_t fail, term, dict;
};

static struct state *states;
static size_t nstates, states_cap;

static uint32_t goto_state(uint32_t s, unsigned char c)
{
	for (size_t i = 0; i < states[s].nedges; i++)
		if (states[s].bytes[i] == c)
			return states[s].next[i];
	return 0;
}

static uint32_t new_state(void)
{
	GROW(states, nstates, states_cap);
	states[nstates] = (struct state){ 0 };
	return (uint32_t)nstates++;
}

/* Insert an edge keeping the edges sorted by byte. */
static void add_edge(uint32_t s, unsigned char c, uint32_t to)
{
	struct state *st = &states[s];
	if (st->nedges == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 2;
		st->bytes = xrealloc(st->bytes, st->cap);
		st->next = xrealloc(st->next, st->cap * sizeof *st->next);
	}
	size_t i = st->nedges++;
	while (i > 0 && st->bytes[i - 1] > c) {
		st->bytes[i] = st->bytes[i - 1];
		st->next[i] = st->next[i - 1];
		i--;
	}
	st->bytes[i] = c;
	st->next[i] = to;
}

static void build_automaton(void)
{
	new_state();
	for (size_t p = 0; p < nphrases; p++) {
		uint32_t s = 0;
		for (const unsigned char *c = (const unsigned char *)phrases[p].text; *c; c++) {
			uint32_t t = goto_state(s, *c);
			if (!t) {
				t = new_state();
				add_edge(s, *c, t);
			}
			s = t;
		}
		states[s].term = (uint32_t)p + 1;
	}
	/* Breadth first, so a state's failure target is done before it. */
	uint32_t *queue = xrealloc(NULL, nstates * sizeof *queue);
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < states[0].nedges; i++)
		queue[tail++] = states[0].next[i];
	while (head < tail) {
		uint32_t u = queue[head++];
		for (size_t i = 0; i < states[u].nedges; i++) {
			unsigned char c = states[u].bytes[i];
			uint32_t v = states[u].next[i], f = states[u].fail;
			while (f && !goto_state(f, c))
				f = states[f].fail;
			uint32_t g = goto_state(f, c);
			states[v].fail = g != v ? g : 0;
			uint32_t fv = states[v].fail;
			states[v].dict = states[fv].term ? fv : states[fv].dict;
			queue[tail++] = v;
		}
	}
	free(queue);
}

/* The automaton's edges, flattened: state s > 0 owns [first[s], first[s+1]). */
static unsigned long *edge_first, *edge_byte, *edge_next;
static size_t nedges;

static void flatten_edges(void)
{
	edge_first = xrealloc(NULL, (nstates + 1) * sizeof *edge_first);
	for (size_t s = 1; s < nstates; s++)
		nedges += states[s].nedges;
	edge_byte = xrealloc(NULL, (nedges + 1) * sizeof *edge_byte);
	edge_next = xrealloc(NULL, (nedges + 1) * sizeof *edge_next);
	size_t e = 0;
	edge_first[0] = 0;
	for (size_t s = 1; s <= nstates; s++) {
		edge_first[s] = e;
		if (s == nstates)
			break;
		for (size_t i = 0; i < states[s].nedges; i++, e++) {
			edge_byte[e] = states[s].bytes[i];
			edge_next[e] = states[s].next[i];
		}
	}
}

/* ---- from records to tables -------------------------------------------- */

struct rule_out {
	struct record *rec;
	int provider, category, who, severity, nslots;
	size_t codes, ncodes, statuses, nstatuses;
	struct smtpdiag__advice_gen advice;
};

struct entry_out {
	struct record *rec;
	int code;
	struct smtpdiag_status st;
	int category, who;
	uint32_t meaning;
	struct smtpdiag__advice_gen advice;
};

static struct rule_out *rules;
static size_t nrules;
static struct entry_out *code_entries, *status_entries;
static size_t ncode_entries, nstatus_entries;
static struct record **providers, **clients;
static size_t nproviders, nclients;
static struct record *category_recs[SMTPDIAG_CAT_COUNT];
static uint32_t category_title[SMTPDIAG_CAT_COUNT];
static int category_who[SMTPDIAG_CAT_COUNT];
static struct smtpdiag__advice_gen category_advice[SMTPDIAG_CAT_COUNT];
static uint32_t (*client_where)[SMTPDIAG_SETTING_COUNT];

static int cmp_record_id(const void *a, const void *b)
{
	const struct record *x = *(struct record *const *)a;
	const struct record *y = *(struct record *const *)b;
	return strcmp(x->id, y->id);
}

/* Sort records of one kind by id and report duplicates. */
static struct record **collect(const char *kind, size_t *n)
{
	struct record **v = xrealloc(NULL, (nrecords + 1) * sizeof *v);
	*n = 0;
	for (size_t i = 0; i < nrecords; i++)
		if (records[i].kind == kind_name(kind))
			v[(*n)++] = &records[i];
	qsort(v, *n, sizeof *v, cmp_record_id);
	for (size_t i = 1; i < *n; i++)
		if (!strcmp(v[i]->id, v[i - 1]->id))
			error_at(v[i]->file, v[i]->line, "%s '%s' is already defined at %s:%d",
				 kind, v[i]->id, v[i - 1]->file, v[i - 1]->line);
	return v;
}

static int find_provider(const char *id)
{
	for (size_t i = 0; i < nproviders; i++)
		if (!strcmp(providers[i]->id, id))
			return (int)i;
	return -1;
}

/* The file's name without directory and ".txt": a rule id's required prefix. */
static int id_matches_file(const char *id, const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	size_t n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".txt"))
		n -= 4;
	return !strncmp(id, base, n) && id[n] == '.' && id[n + 1];
}

static void build_rule(struct record *r, size_t index)
{
	struct rule_out *o = &rules[index];
	struct field *f;
	*o = (struct rule_out){ .rec = r, .severity = SMTPDIAG__SEVERITY_FROM_CODE };

	if (!valid_id(r->id) || !id_matches_file(r->id, r->file))
		error_at(r->file, r->line, "rule id '%s' must be the file's name, "
			 "a dot, and lower-case letters, digits, '-' or '.'", r->id);
	o->category = field_enum(r, "category", cat_name, SMTPDIAG_CAT_COUNT, "category");
	o->who = field_enum(r, "who", who_name, SMTPDIAG_WHO_COUNT, "who");
	if ((f = get(r, "severity", NULL))) {
		o->severity = field_enum(r, "severity", sev_name, SMTPDIAG_SEVERITY_COUNT, "severity");
		if (o->severity == SMTPDIAG_SUCCESS)
			error_at(r->file, f->line, "a rule's severity is transient or permanent");
	}
	if ((f = get(r, "provider", NULL)) && (o->provider = find_provider(f->value) + 1) == 0)
		error_at(r->file, f->line, "unknown provider '%s'", f->value);

	o->codes = ncodes;
	if ((f = get(r, "code", NULL))) {
		char *w[32], *copy = xstrndup(f->value, strlen(f->value));
		size_t n = split_words(copy, w, 32);
		for (size_t i = 0; i < n && i < 32; i++) {
			int c = strcmp(w[i], "none") ? parse_code(w[i]) : SMTPDIAG__CODE_NONE;
			if (c < 0 || (c > 0 && c < 10))
				error_at(r->file, f->line, "'%s' is not a reply code", w[i]);
			else if (c == SMTPDIAG__CODE_NONE && n > 1)
				error_at(r->file, f->line, "'none' stands alone");
			GROW(codes, ncodes, codes_cap);
			codes[ncodes++] = (uint16_t)(c < 0 ? 0 : c);
		}
		free(copy);
		if (n == 1 && codes[o->codes] == SMTPDIAG__CODE_NONE &&
		    o->severity == SMTPDIAG__SEVERITY_FROM_CODE)
			error_at(r->file, f->line, "a rule with 'code none' needs a severity");
	}
	o->ncodes = ncodes - o->codes;

	o->statuses = nstatuses;
	if ((f = get(r, "status", NULL))) {
		char *w[32], *copy = xstrndup(f->value, strlen(f->value));
		size_t n = split_words(copy, w, 32);
		for (size_t i = 0; i < n && i < 32; i++) {
			struct smtpdiag_status st;
			if (parse_status(w[i], 0, &st) < 0) {
				error_at(r->file, f->line, "'%s' is not an enhanced status code", w[i]);
				continue;
			}
			GROW(statuses, nstatuses, statuses_cap);
			statuses[nstatuses++] = st;
		}
		free(copy);
	}
	o->nstatuses = nstatuses - o->statuses;

	for (size_t i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].name, "match"))
			add_alternatives(&r->fields[i], r->file, index, o->nslots++);
	o->advice = advice_of(r);
}

static void build_entry(struct record *r, struct entry_out *o, int is_code)
{
	struct field *f;
	*o = (struct entry_out){ .rec = r, .who = SMTPDIAG_WHO_COUNT };
	if (is_code) {
		if ((o->code = parse_code(r->id)) < 0)
			error_at(r->file, r->line, "'%s' is not a reply code (NNN or Nxx)", r->id);
	} else if (parse_status(r->id, 1, &o->st) < 0) {
		error_at(r->file, r->line, "'%s' is not an enhanced status code (X.S.D)", r->id);
	}
	o->category = field_enum(r, "category", cat_name, SMTPDIAG_CAT_COUNT, "category");
	if ((f = get(r, "who", NULL)))
		o->who = field_enum(r, "who", who_name, SMTPDIAG_WHO_COUNT, "who");
	f = get(r, "meaning", NULL);
	o->meaning = f ? intern(f->value) : 0;
	o->advice = advice_of(r);
}

static int cmp_code(const void *a, const void *b)
{
	const struct entry_out *x = a, *y = b;
	return x->code - y->code;
}

static int cmp_status(const void *a, const void *b)
{
	const struct entry_out *x = a, *y = b;
	if (x->st.subject != y->st.subject)
		return x->st.subject - y->st.subject;
	if (x->st.detail != y->st.detail)
		return x->st.detail - y->st.detail;
	return x->st.cls - y->st.cls;
}

static void build(void)
{
	size_t n;
	struct record **v;

	for (size_t i = 0; i < nrecords; i++)
		check_counts(&records[i]);

	providers = collect("provider", &nproviders);
	for (size_t i = 0; i < nproviders; i++) {
		if (!valid_id(providers[i]->id))
			error_at(providers[i]->file, providers[i]->line,
				 "provider id '%s': lower-case letters, digits, '-', '.'",
				 providers[i]->id);
		intern(providers[i]->id);
		intern(get(providers[i], "name", NULL) ? get(providers[i], "name", NULL)->value : "");
	}

	v = collect("rule", &nrules);
	if (nrules + nproviders >= 65535)
		error_at(v[0]->file, 0, "too many rules and providers for the tables");
	rules = xrealloc(NULL, (nrules + 1) * sizeof *rules);
	for (size_t i = 0; i < nrules; i++) {
		intern(v[i]->id);
		build_rule(v[i], i);
	}
	free(v);
	for (size_t i = 0; i < nproviders; i++)
		for (size_t j = 0; j < providers[i]->nfields; j++)
			if (!strcmp(providers[i]->fields[j].name, "marker"))
				add_alternatives(&providers[i]->fields[j],
						 providers[i]->file, nrules + i, 0);

	v = collect("code", &ncode_entries);
	code_entries = xrealloc(NULL, (ncode_entries + 1) * sizeof *code_entries);
	for (size_t i = 0; i < ncode_entries; i++)
		build_entry(v[i], &code_entries[i], 1);
	qsort(code_entries, ncode_entries, sizeof *code_entries, cmp_code);
	free(v);

	v = collect("status", &nstatus_entries);
	status_entries = xrealloc(NULL, (nstatus_entries + 1) * sizeof *status_entries);
	for (size_t i = 0; i < nstatus_entries; i++)
		build_entry(v[i], &status_entries[i], 0);
	qsort(status_entries, nstatus_entries, sizeof *status_entries, cmp_status);
	for (size_t i = 1; i < nstatus_entries; i++)
		if (!cmp_status(&status_entries[i], &status_entries[i - 1]))
			error_at(status_entries[i].rec->file, status_entries[i].rec->line,
				 "status %s is defined twice", status_entries[i].rec->id);
	free(v);

	v = collect("category", &n);
	for (size_t i = 0; i < n; i++) {
		int c = enum_from_name(v[i]->id, cat_name, SMTPDIAG_CAT_COUNT);
		if (c < 0)
			error_at(v[i]->file, v[i]->line, "unknown category '%s'", v[i]->id);
		else
			category_recs[c] = v[i];
	}
	for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++) {
		struct record *r = category_recs[c];
		if (!r) {
			error_at("data/categories.txt", 0, "category '%s' has no record",
				 cat_name(c));
			continue;
		}
		category_title[c] = intern(get(r, "title", NULL) ? get(r, "title", NULL)->value : "");
		category_who[c] = field_enum(r, "who", who_name, SMTPDIAG_WHO_COUNT, "who");
		category_advice[c] = advice_of(r);
	}
	free(v);

	clients = collect("client", &nclients);
	int generic = -1;
	for (size_t i = 0; i < nclients; i++)
		if (!strcmp(clients[i]->id, "generic"))
			generic = (int)i;
	if (generic < 0) {
		error_at("data/clients.txt", 0, "there is no 'generic' client profile");
	} else {
		/* generic goes first: index 0 is the fallback for every key */
		struct record *g = clients[generic];
		memmove(clients + 1, clients, (size_t)generic * sizeof *clients);
		clients[0] = g;
		for (int k = 0; k < SMTPDIAG_SETTING_COUNT; k++)
			if (!get(g, smtpdiag_setting_name((enum smtpdiag_setting)k), NULL))
				error_at(g->file, g->line, "client generic: missing '%s'",
					 smtpdiag_setting_name((enum smtpdiag_setting)k));
	}
	client_where = xrealloc(NULL, (nclients + 1) * sizeof *client_where);
	for (size_t i = 0; i < nclients; i++) {
		struct record *c = clients[i];
		if (!valid_id(c->id))
			error_at(c->file, c->line, "client id '%s': lower-case letters, "
				 "digits, '-', '.'", c->id);
		intern(c->id);
		intern(get(c, "name", NULL) ? get(c, "name", NULL)->value : "");
		for (int k = 0; k < SMTPDIAG_SETTING_COUNT; k++) {
			struct field *f = get(c, smtpdiag_setting_name((enum smtpdiag_setting)k), NULL);
			client_where[i][k] = f ? intern(f->value) : 0;
		}
	}
	if (!nphrases && !nerrors)
		error_at("data", 0, "no rules");
	if (!nerrors) {
		build_automaton();
		flatten_edges();
	}
}

/* ---- output ------------------------------------------------------------ */

static FILE *out;

/* A C string literal: quotes, backslashes, '?' (trigraphs) and bytes
 * outside printable ASCII escaped as three-digit octal. */
static void put_literal(const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == '?')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\%03o", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void put_advice(const struct smtpdiag__advice_gen *a)
{
	fprintf(out, "{ %u, %zu, %zu, %zu, %zu, %zu, %zu }", a->cause, a->fix,
		a->nfix, a->refs, a->nrefs, a->settings, a->nsettings);
}

/* Print `n` numbers as rows of an array body; at least one element, since C
 * has no empty arrays. */
static void put_numbers(const char *decl, size_t n, unsigned long (*at)(size_t))
{
	fprintf(out, "%s = {", decl);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%lu,", i % 12 ? " " : "\n\t", at(i));
	if (!n)
		fputs(" 0", out);
	fputs("\n};\n\n", out);
}

static unsigned long at_text(size_t i) { return texts[i]; }
static unsigned long at_setting(size_t i) { return settings[i]; }
static unsigned long at_code(size_t i) { return codes[i]; }
static unsigned long at_first(size_t i) { return edge_first[i]; }
static unsigned long at_byte(size_t i) { return edge_byte[i]; }
static unsigned long at_next(size_t i) { return edge_next[i]; }
static unsigned long at_fail(size_t i) { return states[i].fail; }
static unsigned long at_term(size_t i) { return states[i].term; }
static unsigned long at_dict(size_t i) { return states[i].dict; }
static unsigned long at_root(size_t i) { return goto_state(0, (unsigned char)i); }

static void put_entries(const char *name, const struct entry_out *e, size_t n)
{
	fprintf(out, "const struct smtpdiag__entry %s[%s] = {\n", name,
		e == code_entries ? "SMTPDIAG__NCODES" : "SMTPDIAG__NSTATUSES");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "\t{ %d, { %u, %u, %u }, %d, %d, %u, ", e[i].code,
			e[i].st.cls, e[i].st.subject, e[i].st.detail, e[i].category,
			e[i].who, e[i].meaning);
		put_advice(&e[i].advice);
		fprintf(out, " }, /* %s */\n", e[i].rec->id);
	}
	if (!n)
		fputs("\t{ 0 }\n", out);
	fputs("};\n\n", out);
}

static void emit_tables(const char *sources)
{
	fprintf(out, "/* generated from %s by src/mktables.c, do not edit */\n"
		"#include <stddef.h>\n#include \"kb.h\"\n\n", sources);

	/* The pool: one struct member per string, so each string is its own
	 * literal and every offset is a constant. */
	fputs("static const struct {\n", out);
	for (size_t i = 0; i < npool; i++)
		fprintf(out, "\tchar s%zu[%zu];\n", i, strlen(pool[i]) + 1);
	fputs("} pool = {\n", out);
	for (size_t i = 0; i < npool; i++) {
		fputc('\t', out);
		put_literal(pool[i]);
		fputs(",\n", out);
	}
	fprintf(out, "};\n\n_Static_assert(sizeof pool == %u, \"pool layout\");\n"
		"const char *const smtpdiag__pool = (const char *)&pool;\n\n",
		pool_size);

	put_numbers("const uint32_t smtpdiag__texts[]", ntexts, at_text);
	put_numbers("const uint8_t smtpdiag__settings[]", nsettings, at_setting);
	put_numbers("const uint16_t smtpdiag__codes[]", ncodes, at_code);

	fputs("const struct smtpdiag_status smtpdiag__statuses[] = {\n", out);
	for (size_t i = 0; i < nstatuses; i++)
		fprintf(out, "\t{ %u, %u, %u },\n", statuses[i].cls,
			statuses[i].subject, statuses[i].detail);
	fputs(nstatuses ? "};\n\n" : "\t{ 0, 0, 0 }\n};\n\n", out);

	fputs("const struct smtpdiag__rule smtpdiag__rules[SMTPDIAG__NRULES] = {\n", out);
	for (size_t i = 0; i < nrules; i++) {
		const struct rule_out *r = &rules[i];
		fprintf(out, "\t{ %u, %d, %d, %d, %d, %d, %zu, %zu, %zu, %zu, ",
			intern(r->rec->id), r->provider, r->category, r->who,
			r->severity, r->nslots, r->codes, r->ncodes, r->statuses,
			r->nstatuses);
		put_advice(&r->advice);
		fputs(" },\n", out);
	}
	fputs("};\n\n", out);

	put_entries("smtpdiag__code_entries", code_entries, ncode_entries);
	put_entries("smtpdiag__status_entries", status_entries, nstatus_entries);

	fputs("const struct smtpdiag__category smtpdiag__categories[SMTPDIAG_CAT_COUNT] = {\n", out);
	for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++) {
		fprintf(out, "\t{ %u, %d, ", category_title[c], category_who[c]);
		put_advice(&category_advice[c]);
		fprintf(out, " }, /* %s */\n", cat_name(c));
	}
	fputs("};\n\n", out);

	fputs("const struct smtpdiag__provider smtpdiag__providers[] = {\n", out);
	for (size_t i = 0; i < nproviders; i++) {
		struct field *f = get(providers[i], "name", NULL);
		fprintf(out, "\t{ %u, %u },\n", intern(providers[i]->id),
			intern(f ? f->value : ""));
	}
	fputs(nproviders ? "};\n\n" : "\t{ 0, 0 }\n};\n\n", out);

	fputs("const struct smtpdiag__client smtpdiag__clients[SMTPDIAG__NCLIENTS] = {\n", out);
	for (size_t i = 0; i < nclients; i++) {
		struct field *f = get(clients[i], "name", NULL);
		fprintf(out, "\t{ %u, %u, {", intern(clients[i]->id), intern(f ? f->value : ""));
		for (int k = 0; k < SMTPDIAG_SETTING_COUNT; k++)
			fprintf(out, " %u,", client_where[i][k]);
		fputs(" } },\n", out);
	}
	fputs("};\n\n", out);

	fputs("const struct smtpdiag__phrase smtpdiag__phrases[SMTPDIAG__NPHRASES] = {\n", out);
	size_t nuses = 0;
	for (size_t p = 0; p < nphrases; p++) {
		fprintf(out, "\t{ %zu, %zu, %zu }, /* ", strlen(phrases[p].text), nuses,
			phrases[p].nuses);
		/* the folded phrase, made safe for a comment */
		for (const char *c = phrases[p].text; *c; c++)
			fputc((*c == '*' || *c == '/' || (unsigned char)*c < 0x20 ||
			       (unsigned char)*c >= 0x7f) ? '.' : *c, out);
		fputs(" */\n", out);
		nuses += phrases[p].nuses;
	}
	fputs("};\n\nconst struct smtpdiag__use smtpdiag__uses[] = {\n", out);
	for (size_t p = 0; p < nphrases; p++)
		for (size_t u = 0; u < phrases[p].nuses; u++)
			fprintf(out, "\t{ %zu, %d },\n", phrases[p].uses[u].rule,
				phrases[p].uses[u].slot);
	fputs("};\n\n", out);

	put_numbers("const uint32_t smtpdiag__ac_root[256]", 256, at_root);
	put_numbers("const uint32_t smtpdiag__ac_first[SMTPDIAG__NSTATES + 1]",
		    nstates + 1, at_first);
	put_numbers("const uint8_t smtpdiag__ac_byte[]", nedges, at_byte);
	put_numbers("const uint32_t smtpdiag__ac_next[]", nedges, at_next);
	put_numbers("const uint32_t smtpdiag__ac_fail[SMTPDIAG__NSTATES]", nstates, at_fail);
	put_numbers("const uint32_t smtpdiag__ac_term[SMTPDIAG__NSTATES]", nstates, at_term);
	put_numbers("const uint32_t smtpdiag__ac_dict[SMTPDIAG__NSTATES]", nstates, at_dict);
}

static void emit_sizes(const char *sources)
{
	fprintf(out, "/* generated from %s by src/mktables.c, do not edit */\n"
		"#define SMTPDIAG__NRULES %zu\n#define SMTPDIAG__NCODES %zu\n"
		"#define SMTPDIAG__NSTATUSES %zu\n#define SMTPDIAG__NPROVIDERS %zu\n"
		"#define SMTPDIAG__NCLIENTS %zu\n#define SMTPDIAG__NPHRASES %zu\n"
		"#define SMTPDIAG__NSTATES %zu\n", sources, nrules,
		ncode_entries ? ncode_entries : 1, nstatus_entries ? nstatus_entries : 1,
		nproviders, nclients, nphrases, nstates);
}

static int write_file(const char *path, void (*emit)(const char *), const char *sources)
{
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		return -1;
	}
	emit(sources);
	if (fclose(out) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fputs("usage: mktables OUT.c OUT.h DATAFILE...\n", stderr);
		return 2;
	}
	intern("");
	for (int i = 3; i < argc; i++)
		parse_file(argv[i]);
	build();
	if (nerrors) {
		fprintf(stderr, "mktables: %d error%s, nothing written\n", nerrors,
			nerrors == 1 ? "" : "s");
		return 1;
	}
	if (write_file(argv[2], emit_sizes, "data/") < 0 ||
	    write_file(argv[1], emit_tables, "data/") < 0) {
		remove(argv[1]);
		remove(argv[2]);
		return 1;
	}
	return 0;
}
