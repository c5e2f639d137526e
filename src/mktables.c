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
 * out-of-memory; it shares the record reader (records.c), the name lists
 * (names.c) and the byte folding (fold.c) with the library, so the two
 * cannot disagree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "records.h"

/* ---- small helpers ----------------------------------------------------- */

static void out_of_memory(void)
{
	fputs("mktables: out of memory\n", stderr);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

#define GROW(arr, n, cap)                                                  \
	do {                                                               \
		if ((n) == (cap)) {                                        \
			(cap) = (cap) ? 2 * (cap) : 16;                    \
			(arr) = xrealloc((arr), (cap) * sizeof *(arr));    \
		}                                                          \
	} while (0)

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void print_error(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

/* Every record of every file; each file's text stays for the records. */
static struct smtpdiag__records set = { .report = print_error };

#define error_at(...) smtpdiag__record_error(&set, __VA_ARGS__)

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
	if (!buf)
		error_at(path, 0, "cannot read the file");
	else if (smtpdiag__read_records(&set, path, buf, len) < 0)
		out_of_memory();
}

/* ---- the string pool --------------------------------------------------- */

/* An open-addressing index of strings kept elsewhere, for de-duplication:
 * a slot holds the string's index + 1, 0 when empty; key(i) gives string i. */
struct str_index {
	size_t *slot, cap;
	const char *(*key)(size_t i);
};

static size_t hash_str(const char *s)
{
	size_t h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* The slot of s among the n strings indexed: its index + 1, or 0 where it
 * is to be stored. The table grows first, so that slot stays valid until
 * the next call. */
static size_t *index_find(struct str_index *x, const char *s, size_t n)
{
	if (2 * (n + 1) > x->cap) {
		free(x->slot);
		x->cap = x->cap ? 2 * x->cap : 1024;
		x->slot = xrealloc(NULL, x->cap * sizeof *x->slot);
		memset(x->slot, 0, x->cap * sizeof *x->slot);
		for (size_t i = 0; i < n; i++) {
			size_t h = hash_str(x->key(i)) & (x->cap - 1);
			while (x->slot[h])
				h = (h + 1) & (x->cap - 1);
			x->slot[h] = i + 1;
		}
	}
	size_t h = hash_str(s) & (x->cap - 1);
	while (x->slot[h] && strcmp(x->key(x->slot[h] - 1), s))
		h = (h + 1) & (x->cap - 1);
	return &x->slot[h];
}

/* Strings in pool order and the offset of each. */
static char **pool;
static uint32_t *pool_off;
static size_t npool, pool_cap;
static uint32_t pool_size;

static const char *pool_key(size_t i)
{
	return pool[i];
}

static struct str_index pool_index = { .key = pool_key };

/* The pool offset of s, adding it when new. "" is offset 0. */
static uint32_t intern(const char *s)
{
	size_t *slot = index_find(&pool_index, s, npool);
	if (*slot)
		return pool_off[*slot - 1];
	GROW(pool, npool, pool_cap);
	pool_off = xrealloc(pool_off, pool_cap * sizeof *pool_off);
	pool[npool] = xstrndup(s, strlen(s));
	pool_off[npool] = pool_size;
	pool_size += (uint32_t)strlen(s) + 1;
	*slot = ++npool;
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

struct smtpdiag__advice_gen {
	uint32_t cause;
	size_t fix, nfix, refs, nrefs, settings, nsettings;
};

static size_t add_text(const char *s)
{
	GROW(texts, ntexts, texts_cap);
	texts[ntexts++] = intern(s);
	return ntexts - 1;
}

/* A record's advice, interned into the pool and the lists. */
static struct smtpdiag__advice_gen advice_of(struct smtpdiag__record *r)
{
	struct smtpdiag__advice_def d;
	struct smtpdiag__advice_gen a = { 0 };
	smtpdiag__decode_advice(&set, r, &d);
	a.cause = d.cause ? intern(d.cause) : 0;
	a.fix = ntexts;
	for (size_t i = 0; i < d.nfix; i++)
		add_text(d.fix[i]);
	a.nfix = d.nfix;
	a.refs = ntexts;
	for (size_t i = 0; i < d.nrefs; i++)
		add_text(d.refs[i]);
	a.nrefs = d.nrefs;
	a.settings = nsettings;
	for (size_t i = 0; i < d.nsettings; i++) {
		GROW(settings, nsettings, settings_cap);
		settings[nsettings++] = d.settings[i];
	}
	a.nsettings = d.nsettings;
	return a;
}

/* ---- phrases and the automaton ----------------------------------------- */

struct use {
	size_t rule; /* rule index, or nrules + provider index for a marker */
	int slot;
	const char *file; /* the file that first gave it */
};

struct phrase {
	char *text; /* folded */
	struct use *uses;
	size_t nuses, cap;
	int usual; /* a rule's, a marker's or English: the words of most replies */
};

static struct phrase *phrases;
static size_t nphrases, phrases_cap;

static const char *phrase_key(size_t i)
{
	return phrases[i].text;
}

static struct str_index phrase_index = { .key = phrase_key };

/* Note that the folded phrase `text` is used in a slot of a rule; `usual`
 * when most replies are in its language (struct phrase). The file that first
 * gave that use, or NULL when the first one was given by another file. */
static const char *add_phrase_from(const char *text, size_t rule, int slot, int usual,
				   const char *file)
{
	size_t *at = index_find(&phrase_index, text, nphrases);
	if (!*at) {
		GROW(phrases, nphrases, phrases_cap);
		phrases[nphrases] = (struct phrase){ .text = xstrndup(text, strlen(text)) };
		*at = ++nphrases;
	}
	struct phrase *p = &phrases[*at - 1];
	p->usual |= usual;
	for (size_t u = 0; u < p->nuses; u++)
		if (p->uses[u].rule == rule && p->uses[u].slot == slot)
			return p->uses[u].file;
	GROW(p->uses, p->nuses, p->cap);
	p->uses[p->nuses++] = (struct use){ rule, slot, file };
	return NULL;
}

/* English writes "did not" and "didn't" alike, and a phrase written with
 * one form is read in the other too. Folded, the apostrophe is a space
 * ("didn t"). Each pair: the long form, the short one; a short form is
 * spelled out as the first pair that has it ("can t": "can not"). */
static const char *const negations[][2] = {
	{ "do not", "don t" },       { "does not", "doesn t" },   { "did not", "didn t" },
	{ "could not", "couldn t" }, { "would not", "wouldn t" }, { "should not", "shouldn t" },
	{ "was not", "wasn t" },     { "were not", "weren t" },   { "is not", "isn t" },
	{ "are not", "aren t" },     { "has not", "hasn t" },     { "have not", "haven t" },
	{ "had not", "hadn t" },     { "must not", "mustn t" },   { "need not", "needn t" },
	{ "can not", "can t" },      { "will not", "won t" },     { "cannot", "can t" },
};

/* The other form of text into out (cap bytes): each negation that starts a
 * word and ends one, in its other form. 0 when text has none. */
static int other_form(const char *text, char *out, size_t cap)
{
	size_t w = 0;
	int changed = 0;
	for (const char *p = text; *p;) {
		const char *to = NULL;
		size_t len = 1;
		for (size_t i = 0; !to && (p == text || p[-1] == ' ') &&
				   i < sizeof negations / sizeof *negations; i++)
			for (int d = 0; d < 2 && !to; d++) {
				len = strlen(negations[i][d]);
				if (!strncmp(p, negations[i][d], len) && (!p[len] || p[len] == ' '))
					to = negations[i][!d];
			}
		if (!to)
			len = 1;
		size_t k = to ? strlen(to) : 1;
		if (w + k >= cap)
			return 0;
		memcpy(out + w, to ? to : p, k);
		w += k;
		p += len;
		changed |= to != NULL;
	}
	out[w] = '\0';
	return changed;
}

static void add_phrase(const char *text, size_t rule, int slot, int usual)
{
	add_phrase_from(text, rule, slot, usual, NULL);
}

/* A phrase of the vocabulary, in its other form too. (A rule's words are
 * the provider's own, as written.) */
static void add_word_phrase(const char *text, size_t rule, int slot, int usual)
{
	char other[256];
	add_phrase(text, rule, slot, usual);
	if (other_form(text, other, sizeof other))
		add_phrase(other, rule, slot, usual);
}

/* Is the phrase a short word that must start a word of the text: ASCII
 * letters only, at most SMTPDIAG__WORD_MAX of them? (Codes such as "S3150"
 * are read inside "AS3150".) */
static int is_short_word(const char *text)
{
	size_t n = strlen(text);
	if (n > SMTPDIAG__WORD_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (text[i] < 'a' || text[i] > 'z')
			return 0;
	return 1;
}

/* Add each " | " alternative of a match or marker line to a slot. */
static void add_alternatives(struct smtpdiag__record *r, struct smtpdiag__field *f,
			     size_t rule, int slot)
{
	size_t n = smtpdiag__fold_alternatives(&set, r, f);
	for (const char *alt = f->value; n--; alt += strlen(alt) + 1)
		if (strlen(alt) >= SMTPDIAG__MIN_PHRASE_LEN)
			add_phrase(alt, rule, slot, 1);
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

/*
 * The automaton as the matcher walks it (kb.h): every transition resolved
 * in advance, so that a step follows no failure links and takes no branch.
 * Bytes are read as classes (the bytes the phrases use; class 0 for all
 * others). Each state is a record: a dense row of next states by class
 * (its own, or the nearest on its failure chain that has one), and the few
 * classes on which it goes elsewhere than that row says: its own edges and
 * those of the states between. A state with more than AC_EXCEPTIONS of
 * them (AC_EXCEPTIONS - 1 where a phrase ends, as the head's last byte says
 * so; the classes past the head's are in the word before it), or as
 * shallow as DENSE_DEPTH, gets a row of its own (a state as deep as
 * DENSE_DEPTH + 1 then inherits fewer exceptions); so does one whose
 * exceptions would make two or more of the states that fail to it need
 * rows (most deep rows were those: 4,963 rows in all became 1,894). Rows
 * are few so that a name's row takes few bits: with seven exceptions
 * rather than six and rows only for the root's children, not their
 * children too, 2,676 rows became 1,487, a row takes 11 bits rather than
 * 12, and a record's place the other 21, so records start at every other
 * word rather than every fourth (tables of about 16 MB rather than 18,
 * read faster for it). A state is named by its row and its
 * record's place in one array together, so that a step's two loads both
 * depend on the name alone; the records are the shallow states' first,
 * then the others in depth-first order (a phrase's states lie together),
 * those of the usual phrases before the others (SHALLOW_DEPTH).
 *
 * White space is one space in the folded text: the state after a space
 * goes to itself on another, so that the matcher need not skip runs.
 */
#define DENSE_DEPTH 1

static unsigned char byte_class[256];
static size_t nclasses, ndense;
static unsigned rec_bits, rec_unit;    /* a state's name: row << rec_bits | place / rec_unit */
static uint32_t *dense_row;            /* ndense * nclasses next states */
static uint32_t *recs;                 /* the states' records */
static size_t nrecs;
static uint32_t *out_list;             /* phrase indexes */
static size_t nout_list, out_list_cap;

/* A state's classes that go elsewhere than its row: class << 24 | state
 * (still the old names while they are built). */
struct exceptions {
	uint32_t x[256];
	unsigned n;
};

static void except(struct exceptions *e, uint32_t c, uint32_t to, int replace)
{
	unsigned i;
	for (i = 0; i < e->n && e->x[i] >> 24 != c; i++)
		;
	if (i < e->n) {
		if (replace)
			e->x[i] = c << 24 | to;
		return; /* a state before on the chain has it */
	}
	for (i = e->n++; i > 0 && e->x[i - 1] >> 24 > c; i--) /* in class order */
		e->x[i] = e->x[i - 1];
	e->x[i] = c << 24 | to;
}

static int has_output_state(uint32_t s)
{
	return states[s].term || states[s].dict;
}

/* The word of a record, counted from its head, that holds the next state
 * of exception j: the head's classes first (AC_HEAD, one fewer where a
 * phrase ends), then the two of the word before the head, after the
 * fourth's place. */
static unsigned ex_slot(unsigned j, int out)
{
	unsigned in_head = SMTPDIAG__AC_HEAD - (out ? 1 : 0);
	return j < in_head ? 1 + j : 1 + SMTPDIAG__AC_HEAD + (j - in_head);
}

/* The words a record has before its head: where a phrase ends, where its
 * phrases are and the word of more classes; that word alone where the
 * head cannot hold all the classes. */
static unsigned pre_words(uint32_t u, const unsigned char *nex)
{
	int out = has_output_state(u);
	return out ? 2 : nex[u] > SMTPDIAG__AC_HEAD ? 1 : 0;
}

/* Place state u's record at nr, at a multiple of unit words. */
static void place(uint32_t u, size_t *nr, size_t unit, uint32_t *name,
		  const uint32_t *row_of, const unsigned char *nex)
{
	int out = has_output_state(u);
	*nr = (*nr + pre_words(u, nex) + unit - 1) / unit * unit;
	name[u] = (uint32_t)((row_of[u] >> 1) << rec_bits | *nr / unit);
	*nr += nex[u] ? ex_slot(nex[u] - 1u, out) + 1u : 1u;
}

/* The records of states this shallow, which every walk reads, come first
 * and together: a run over a few distinct replies then touches fewer of
 * the table's pages (the process's memory counts every page mapped). */
#define SHALLOW_DEPTH 4

/* Past those, the records of the states on the way to a usual phrase
 * (struct phrase) come first, then those of the others that ASCII text
 * reaches, then the rest; the rows too. Most states are the vocabulary of
 * other languages: so the ones a run over English replies reads lie in a
 * fifth of the tables, not all over them, and the kernel maps fewer pages
 * around them (peak memory 7.3 MiB to 4.8 on the benchmark's logs). A
 * state's tier is never below its parent's. */
enum { TIER_USUAL, TIER_ASCII, TIER_OTHER };

/* How many of the states that fail to s (kids[kid_at[s]] on) would have
 * more exceptions than fit, were e, the exceptions of s, theirs too. */
static unsigned overflowing_kids(uint32_t s, const struct exceptions *e, const uint32_t *kid_at,
				 const uint32_t *kids)
{
	unsigned char in_e[256] = { 0 };
	unsigned over = 0;
	for (unsigned j = 0; j < e->n; j++)
		in_e[e->x[j] >> 24] = 1;
	for (uint32_t q = kid_at[s]; q < kid_at[s + 1]; q++) {
		uint32_t k = kids[q];
		unsigned n = e->n;
		for (size_t j = 0; j < states[k].nedges; j++)
			n += !in_e[byte_class[states[k].bytes[j]]];
		if (n > SMTPDIAG__AC_EXCEPTIONS - (has_output_state(k) ? 1u : 0u))
			over++;
	}
	return over;
}

static void resolve_automaton(void)
{
	/* where each phrase's uses start in smtpdiag__uses */
	uint32_t *uses_at = xrealloc(NULL, (nphrases + 1) * sizeof *uses_at);
	for (size_t p = 0, n = 0; p < nphrases; n += phrases[p].nuses, p++)
		uses_at[p] = (uint32_t)n;
	uint32_t *depth = xrealloc(NULL, nstates * sizeof *depth);
	uint32_t *bfs = xrealloc(NULL, nstates * sizeof *bfs);
	uint32_t *row_of = xrealloc(NULL, nstates * sizeof *row_of); /* its row, + 1 when its own */
	uint32_t *name = xrealloc(NULL, nstates * sizeof *name);
	uint32_t *stack = xrealloc(NULL, nstates * sizeof *stack);
	uint32_t *by_tier = xrealloc(NULL, nstates * sizeof *by_tier); /* breadth first in each */
	uint32_t *order = xrealloc(NULL, nstates * sizeof *order);     /* of the records */
	unsigned char *last = xrealloc(NULL, nstates); /* the byte it is reached by */
	unsigned char *tier = xrealloc(NULL, nstates);
	struct exceptions e;
	uint32_t *ex = xrealloc(NULL, nstates * SMTPDIAG__AC_EXCEPTIONS * sizeof *ex);
	unsigned char *nex = xrealloc(NULL, nstates);
	/* the states that fail to s: kids[kid_at[s], kid_at[s + 1]) */
	uint32_t *kid_at = xrealloc(NULL, (nstates + 2) * sizeof *kid_at);
	uint32_t *kids = xrealloc(NULL, nstates * sizeof *kids);
	size_t rows_cap = 0;
	int used[256] = { 0 };
	size_t head = 0, tail = 0;

	for (size_t s = 0; s < nstates; s++)
		for (size_t i = 0; i < states[s].nedges; i++)
			used[states[s].bytes[i]] = 1;
	if (used[' '] && goto_state(0, ' '))
		error_at("data", 0, "a phrase starts with a space");
	used[' '] = 1; /* a space's state goes to itself on another */
	/* the bytes of most texts first, so that a row's entries a walk reads
	 * lie in a few of its cache lines */
	static const char common[] = " etaoinsrhldcumfpgwybvkxjqz0123456789.:,<>@-/=()[];'\"";
	nclasses = 1;
	memset(byte_class, 0, sizeof byte_class);
	for (const char *c = common; *c; c++)
		if (used[(unsigned char)*c])
			byte_class[(unsigned char)*c] = (unsigned char)nclasses++;
	for (int c = 0; c < 256; c++)
		if (used[c] && !byte_class[c])
			byte_class[c] = (unsigned char)nclasses++;
	/* no class may read as a record head's marker of an unused exception
	 * (AC_NO_CLASS) or of a phrase's end (AC_ENDS, in place of the fourth) */
	if (nclasses > SMTPDIAG__AC_ENDS >> 24)
		error_at("data", 0, "the phrases use too many bytes: no class is left for the others");
	uint32_t space = byte_class[' '];

	/* breadth first: a state's failure chain comes before it */
	depth[0] = 0;
	last[0] = 0;
	tier[0] = TIER_USUAL;
	bfs[tail++] = 0;
	while (head < tail) {
		uint32_t u = bfs[head++];
		for (size_t i = 0; i < states[u].nedges; i++) {
			uint32_t v = states[u].next[i];
			depth[v] = depth[u] + 1;
			last[v] = states[u].bytes[i];
			tier[v] = tier[u] == TIER_OTHER || last[v] >= 0x80 ? TIER_OTHER : TIER_ASCII;
			bfs[tail++] = v;
		}
	}
	for (size_t p = 0; p < nphrases; p++) {
		uint32_t u = 0;
		for (const unsigned char *c = (const unsigned char *)phrases[p].text;
		     phrases[p].usual && *c; c++)
			tier[u = goto_state(u, *c)] = TIER_USUAL;
	}
	size_t at[TIER_OTHER + 2] = { 0 };
	for (size_t s = 0; s < nstates; s++)
		at[tier[s] + 1]++;
	for (unsigned t = 0; t <= TIER_OTHER; t++)
		at[t + 1] += at[t];
	for (size_t i = 0; i < nstates; i++)
		by_tier[at[tier[bfs[i]]]++] = bfs[i];
	/* counted two places on, so that filling moves each start to the next's */
	memset(kid_at, 0, (nstates + 2) * sizeof *kid_at);
	for (size_t s = 1; s < nstates; s++)
		kid_at[states[s].fail + 2]++;
	for (size_t s = 2; s < nstates + 2; s++)
		kid_at[s] += kid_at[s - 1];
	for (size_t s = 1; s < nstates; s++)
		kids[kid_at[states[s].fail + 1]++] = (uint32_t)s;
	ndense = 0;
	for (size_t i = 0; i < nstates; i++) {
		uint32_t s = bfs[i], u = s;
		e.n = 0;
		/* its edges and those of its chain down to a state with a row */
		if (s != 0) {
			for (; u == s || !(row_of[u] & 1); u = states[u].fail)
				for (size_t j = 0; j < states[u].nedges; j++)
					except(&e, byte_class[states[u].bytes[j]],
					       states[u].next[j], 0);
			if (last[s] == ' ')
				except(&e, space, s, 1);
		}
		nex[s] = 0;
		/* where a phrase ends, the head's last byte says so */
		unsigned fit = SMTPDIAG__AC_EXCEPTIONS - (has_output_state(s) ? 1 : 0);
		if (s == 0 || depth[s] <= DENSE_DEPTH || e.n > fit ||
		    overflowing_kids(s, &e, kid_at, kids) >= 2) {
			if ((ndense + 1) * nclasses > rows_cap) {
				rows_cap = 2 * (ndense + 1) * nclasses;
				dense_row = xrealloc(dense_row, rows_cap * sizeof *dense_row);
			}
			uint32_t *row = dense_row + ndense * nclasses;
			if (s == 0)
				memset(row, 0, nclasses * sizeof *row);
			else
				memcpy(row, dense_row + (row_of[u] >> 1) * nclasses,
				       nclasses * sizeof *row);
			for (unsigned j = 0; j < e.n; j++)
				row[e.x[j] >> 24] = e.x[j] & 0xffffff;
			if (s == 0)
				for (size_t j = 0; j < states[0].nedges; j++)
					row[byte_class[states[0].bytes[j]]] = states[0].next[j];
			row_of[s] = (uint32_t)ndense++ << 1 | 1;
		} else {
			row_of[s] = row_of[u] & ~1u;
			nex[s] = (unsigned char)e.n;
			memcpy(ex + (size_t)s * SMTPDIAG__AC_EXCEPTIONS, e.x, e.n * sizeof *e.x);
		}
	}

	/* the records: the shallow states' by tier, then the others' of each
	 * tier depth first (children by byte), so that a phrase's lie together */
	size_t norder = 0;
	for (size_t i = 0; i < nstates; i++)
		if (depth[by_tier[i]] <= SHALLOW_DEPTH)
			order[norder++] = by_tier[i];
	for (unsigned char t = 0; t <= TIER_OTHER; t++) {
		size_t top = 0;
		stack[top++] = 0;
		while (top) {
			uint32_t u = stack[--top];
			if (depth[u] > SHALLOW_DEPTH && tier[u] == t)
				order[norder++] = u;
			for (size_t i = states[u].nedges; i-- > 0;)
				if (tier[states[u].next[i]] <= t)
					stack[top++] = states[u].next[i];
		}
	}
	/* the rows renumbered by tier (the root's stays first): they were
	 * made breadth first, each from its failure chain's */
	uint32_t *row_at = xrealloc(NULL, ndense * sizeof *row_at);
	uint32_t *rows = xrealloc(NULL, ndense * nclasses * sizeof *rows);
	for (size_t i = 0, n = 0; i < nstates; i++) {
		uint32_t s = by_tier[i];
		if (row_of[s] & 1) {
			row_at[row_of[s] >> 1] = (uint32_t)n;
			memcpy(rows + n++ * nclasses, dense_row + (row_of[s] >> 1) * nclasses,
			       nclasses * sizeof *rows);
		}
	}
	for (size_t s = 0; s < nstates; s++)
		row_of[s] = row_at[row_of[s] >> 1] << 1 | (row_of[s] & 1);
	free(dense_row);
	dense_row = rows;
	free(row_at);
	/* each at a multiple of rec_unit words: the fewest that lets every
	 * place fit in the bits of a name that its row leaves (a unit of 3 is
	 * one lea to undo, as 2 and 4 are one shift, and wastes less than 4) */
	unsigned row_bits = 8;
	/* the rows whose name's top byte would be all ones left unused: no
	 * name then reads as a word of more classes (AC_MORE) in the word
	 * before a head */
	while (((size_t)0xff << (row_bits - 8)) < ndense)
		row_bits++;
	rec_bits = 32 - row_bits;
	size_t nr;
	for (rec_unit = 1;; rec_unit++) {
		nr = 0;
		for (size_t i = 0; i < nstates; i++)
			place(order[i], &nr, rec_unit, name, row_of, nex);
		if (nr / rec_unit < ((size_t)1 << rec_bits))
			break;
		if (rec_unit == 8) { /* a state's name holds its row and its record */
			error_at("data", 0,
				 "too many automaton states for the tables: %zu states, %zu rows, "
				 "records for %zu places of %zu",
				 nstates, ndense, nr / rec_unit, (size_t)1 << rec_bits);
			break;
		}
	}
	for (size_t s = 0; s < nstates; s++)
		if ((name[s] & SMTPDIAG__AC_MORE) == SMTPDIAG__AC_MORE)
			error_at("data", 0, "a state's name reads as a word of more classes");
	/* a step may read the word before the first record and
	 * AC_EXCEPTIONS words past the last */
	nrecs = SMTPDIAG__AC_LEAD + nr + SMTPDIAG__AC_EXCEPTIONS;
	recs = xrealloc(NULL, nrecs * sizeof *recs);
	memset(recs, 0, nrecs * sizeof *recs);
	for (size_t i = 0; i < nstates; i++) { /* the phrases' lists in the records' order */
		size_t s = order[i];
		uint32_t *r = recs + SMTPDIAG__AC_LEAD +
			      (size_t)(name[s] & ((1u << rec_bits) - 1)) * rec_unit;
		int out = has_output_state((uint32_t)s);
		unsigned in_head = SMTPDIAG__AC_HEAD - (out ? 1 : 0);
		const uint32_t *x = ex + s * SMTPDIAG__AC_EXCEPTIONS;
		r[0] = out ? SMTPDIAG__AC_ENDS : 0;
		for (unsigned j = 0; j < in_head; j++)
			r[0] |= (j < nex[s] ? x[j] >> 24 : SMTPDIAG__AC_NO_CLASS) << 8 * j;
		if (pre_words((uint32_t)s, nex)) {
			r[-1] = SMTPDIAG__AC_MORE;
			for (unsigned j = 0; j < SMTPDIAG__AC_EXCEPTIONS - SMTPDIAG__AC_HEAD; j++)
				r[-1] |= (in_head + j < nex[s] ? x[in_head + j] >> 24
							       : SMTPDIAG__AC_NO_CLASS) << 8 * j;
		}
		for (unsigned j = 0; j < nex[s]; j++)
			r[ex_slot(j, out)] = name[x[j] & 0xffffff];
		if (out)
			r[-2] = (uint32_t)nout_list;
		for (uint32_t t = states[s].term ? (uint32_t)s : states[s].dict; out && t;) {
			uint32_t p = states[t].term - 1;
			size_t n = strlen(phrases[p].text);
			if (p >> SMTPDIAG__AC_PHRASE_BITS || n >> SMTPDIAG__AC_LEN_BITS ||
			    uses_at[p] >> SMTPDIAG__AC_USES_BITS ||
			    phrases[p].nuses >> (32 - SMTPDIAG__AC_USES_BITS))
				error_at("data", 0, "too many phrases, uses or too long a phrase for the tables");
			GROW(out_list, nout_list, out_list_cap);
			out_list[nout_list++] = p | (uint32_t)n << SMTPDIAG__AC_PHRASE_BITS |
						(is_short_word(phrases[p].text) ? SMTPDIAG__AC_WORD : 0);
			GROW(out_list, nout_list, out_list_cap);
			out_list[nout_list++] = uses_at[p] | (uint32_t)phrases[p].nuses << SMTPDIAG__AC_USES_BITS;
			uint32_t f = states[t].fail;
			t = states[f].term ? f : states[f].dict;
		}
		if (out)
			out_list[nout_list - 2] |= SMTPDIAG__AC_LAST;
	}
	for (size_t d = 0; d < ndense * nclasses; d++)
		dense_row[d] = name[dense_row[d]];
	free(depth);
	free(bfs);
	free(row_of);
	free(name);
	free(stack);
	free(by_tier);
	free(order);
	free(last);
	free(tier);
	free(ex);
	free(nex);
	free(kid_at);
	free(kids);
	free(uses_at);
}

/* ---- from records to tables -------------------------------------------- */

struct rule_out {
	struct smtpdiag__record *rec;
	const char *id; /* the rule's id; a family's is "words." and its own */
	int provider, category, who, severity, alone, layer, nslots, composed, general;
	int after_data; /* a family's: the family its words are at DATA, index + 1 */
	struct smtpdiag__field *match[SMTPDIAG__MAX_SLOTS]; /* a rule's */
	size_t codes, ncodes, statuses, nstatuses;
	struct smtpdiag__advice_gen advice;
};

struct entry_out {
	struct smtpdiag__record *rec;
	int code;
	struct smtpdiag_status st;
	int category, who, decides;
	uint32_t meaning, yields;
	struct smtpdiag__advice_gen advice;
};

static struct rule_out *rules;
static size_t nrules, nlisted, rules_cap; /* [0, nlisted): rules and families */
static struct entry_out *code_entries, *status_entries;
static size_t ncode_entries, nstatus_entries;
static struct smtpdiag__record **providers, **clients;
static size_t nproviders, nclients;
static struct smtpdiag__record *category_recs[SMTPDIAG_CAT_COUNT];
static uint32_t category_title[SMTPDIAG_CAT_COUNT];
static int category_who[SMTPDIAG_CAT_COUNT];
static struct smtpdiag__advice_gen category_advice[SMTPDIAG_CAT_COUNT];
static uint32_t (*client_where)[SMTPDIAG_SETTING_COUNT];

static int cmp_record_id(const void *a, const void *b)
{
	const struct smtpdiag__record *x = *(struct smtpdiag__record *const *)a;
	const struct smtpdiag__record *y = *(struct smtpdiag__record *const *)b;
	return strcmp(x->id, y->id);
}

/* Sort records of one kind by id and report duplicates. */
static struct smtpdiag__record **collect(const char *kind, size_t *n)
{
	struct smtpdiag__record **v = xrealloc(NULL, (set.nrec + 1) * sizeof *v);
	*n = 0;
	for (size_t i = 0; i < set.nrec; i++)
		if (!strcmp(set.rec[i].kind, kind))
			v[(*n)++] = &set.rec[i];
	qsort(v, *n, sizeof *v, cmp_record_id);
	for (size_t i = 1; i < *n; i++)
		if (!strcmp(v[i]->id, v[i - 1]->id))
			error_at(v[i]->file, v[i]->line, "%s '%s' is already defined at %s:%d",
				 kind, v[i]->id, v[i - 1]->file, v[i - 1]->line);
	return v;
}

/* Every record of one kind, in the order read (ids may repeat). */
static struct smtpdiag__record **collect_all(const char *kind, size_t *n)
{
	struct smtpdiag__record **v = xrealloc(NULL, (set.nrec + 1) * sizeof *v);
	*n = 0;
	for (size_t i = 0; i < set.nrec; i++)
		if (!strcmp(set.rec[i].kind, kind))
			v[(*n)++] = &set.rec[i];
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

static void build_rule(struct smtpdiag__record *r, size_t index)
{
	struct rule_out *o = &rules[index];
	struct smtpdiag__rule_def def;

	if (!smtpdiag__valid_id(r->id) || !id_matches_file(r->id, r->file))
		error_at(r->file, r->line, "rule id '%s' must be the file's name, "
			 "a dot, and lower-case letters, digits, '-' or '.'", r->id);
	smtpdiag__decode_rule(&set, r, &def);
	*o = (struct rule_out){ .rec = r, .id = r->id, .category = def.category,
				.who = def.who, .severity = def.severity,
				.alone = SMTPDIAG__SEVERITY_FROM_CODE, .general = def.general,
				.layer = def.wrapper ? SMTPDIAG__LAYER_WRAPPERS
						     : SMTPDIAG__LAYER_RULES };
	if (def.provider && (o->provider = find_provider(def.provider) + 1) == 0)
		error_at(r->file, smtpdiag__get(r, "provider", NULL)->line,
			 "unknown provider '%s'", def.provider);
	o->codes = ncodes;
	for (size_t i = 0; i < def.ncodes; i++) {
		GROW(codes, ncodes, codes_cap);
		codes[ncodes++] = def.codes[i];
	}
	o->ncodes = def.ncodes;
	o->statuses = nstatuses;
	for (size_t i = 0; i < def.nstatuses; i++) {
		GROW(statuses, nstatuses, statuses_cap);
		statuses[nstatuses++] = def.statuses[i];
	}
	o->nstatuses = def.nstatuses;
	o->nslots = (int)def.nslots;
	memcpy(o->match, def.match, sizeof o->match);
	o->advice = advice_of(r);
}

/* ---- the vocabulary: word families ------------------------------------ */

static void build_family(struct smtpdiag__record *r, size_t index)
{
	struct rule_out *o = &rules[index];
	char id[256];

	if (!smtpdiag__valid_id(r->id) || snprintf(id, sizeof id, "words.%s", r->id) >= (int)sizeof id)
		error_at(r->file, r->line, "family id '%s': lower-case letters, digits, "
			 "'-', '.'", r->id);
	*o = (struct rule_out){
		.rec = r, .id = xstrndup(id, strlen(id)),
		.category = smtpdiag__field_enum(&set, r, "category", smtpdiag__category_id,
						 SMTPDIAG_CAT_COUNT, "category"),
		.who = smtpdiag__field_enum(&set, r, "who", smtpdiag__who_id,
					    SMTPDIAG_WHO_COUNT, "who"),
		.severity = smtpdiag__field_severity(&set, r, "severity"),
		.alone = smtpdiag__field_severity(&set, r, "alone"),
		.layer = SMTPDIAG__LAYER_WORDS, .nslots = 1,
	};
	o->advice = advice_of(r);
}

/* Is a words file English (data/words/en.txt, en-mta.txt ...), the
 * language of nearly every server's replies? */
static int is_english(const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	return !strncmp(base, "en", 2) && (base[2] == '.' || base[2] == '-');
}

/* A further rule of family `listed` for a phrase with parts. */
static size_t add_variant(size_t listed)
{
	GROW(rules, nrules, rules_cap);
	rules[nrules] = rules[listed];
	rules[nrules].nslots = 0;
	rules[nrules].composed = 0;
	return nrules++;
}

/* Add a part of a phrase to the next slot of rule v: a text, or a set of
 * texts in braces, any one of which stands for the part ("{user|mailbox}").
 * 0 when a text is too short or a brace out of place. */
static int add_part(char *part, size_t v, int usual)
{
	size_t len = strlen(part);
	if (!strpbrk(part, "{}")) {
		add_word_phrase(part, v, rules[v].nslots, usual);
		return len >= SMTPDIAG__MIN_PART_LEN;
	}
	if (len < 2 || part[0] != '{' || part[len - 1] != '}' || strpbrk(part + 1, "{}") != part + len - 1)
		return 0;
	part[len - 1] = '\0';
	rules[v].composed = 1;
	for (char *t = part + 1, *bar; t; t = bar ? bar + 1 : NULL) {
		if ((bar = strchr(t, '|')))
			*bar = '\0';
		while (*t == ' ')
			t++;
		for (size_t n = strlen(t); n && t[n - 1] == ' ';)
			t[--n] = '\0';
		if (strlen(t) < SMTPDIAG__MIN_PART_LEN)
			return 0;
		add_word_phrase(t, v, rules[v].nslots, usual);
	}
	return 1;
}

/* Add the phrases of a words record to its family, the rule at `listed`: a
 * plain phrase to its one slot, a phrase with parts ("relay ... denied",
 * "{user|mailbox} ... {unknown|not found}") as a variant rule with a slot for
 * each part. The phrases of a record with
 * `wrapper yes` (a program's frame around the server's words) go to variants
 * of the wrappers' layer. */
static void add_words(struct smtpdiag__record *r, size_t listed)
{
	struct smtpdiag__field *w = smtpdiag__get(r, "wrapper", NULL);
	size_t plain = listed;
	int usual = is_english(r->file);
	if (w && strcmp(w->value, "yes"))
		error_at(r->file, w->line, "'wrapper' is yes or absent");
	if (w) {
		plain = add_variant(listed);
		rules[plain].layer = SMTPDIAG__LAYER_WRAPPERS;
		rules[plain].nslots = 1;
	}
	for (size_t i = 0; i < r->nfields; i++) {
		struct smtpdiag__field *f = &r->fields[i];
		if (strcmp(f->name, "phrase"))
			continue;
		size_t n = smtpdiag__fold_alternatives(&set, r, f);
		for (char *alt = f->value; n--; alt += strlen(alt) + 1) {
			if (!strstr(alt, " ... ") && !strchr(alt, '{')) {
				/* a language's file says each of its family's words once
				 * (another language may share one) */
				const char *first = add_phrase_from(alt, plain, 0, usual, r->file);
				if (first && !strcmp(first, r->file))
					error_at(r->file, f->line, "'%s' is already a phrase of family %s in this file",
						 alt, rules[listed].id);
				char other[256];
				if (other_form(alt, other, sizeof other))
					add_phrase(other, plain, 0, usual);
				continue;
			}
			size_t v = add_variant(listed);
			if (w)
				rules[v].layer = SMTPDIAG__LAYER_WRAPPERS;
			for (char *part = alt, *end; part; part = end ? end + 5 : NULL) {
				char buf[SMTPDIAG__MAX_TEXT_LEN + 1];
				end = strstr(part, " ... ");
				size_t len = end ? (size_t)(end - part) : strlen(part);
				snprintf(buf, sizeof buf, "%.*s", (int)len, part);
				if (rules[v].nslots == SMTPDIAG__MAX_SLOTS || !add_part(buf, v, usual))
					error_at(r->file, f->line, "'%s': each part of a phrase (and each "
						 "text in its braces) has %d characters or more, and "
						 "there are at most %d",
						 alt, SMTPDIAG__MIN_PART_LEN, SMTPDIAG__MAX_SLOTS);
				rules[v].nslots++;
			}
		}
	}
}

/* A family's `after-data`: the family its words are read as when they
 * answer the message's data, found among the first nlisted rules. */
static void resolve_after_data(size_t i)
{
	struct smtpdiag__field *f = smtpdiag__get(rules[i].rec, "after-data", NULL);
	char id[256];
	if (!f)
		return;
	snprintf(id, sizeof id, "words.%s", f->value);
	for (size_t k = 0; k < nlisted; k++)
		if (rules[k].layer == SMTPDIAG__LAYER_WORDS && !strcmp(rules[k].id, id) && k != i) {
			rules[i].after_data = (int)k + 1;
			return;
		}
	error_at(rules[i].rec->file, f->line, "'after-data %s' names no other family", f->value);
}

static int cmp_rule_id(const void *a, const void *b)
{
	return strcmp(((const struct rule_out *)a)->id, ((const struct rule_out *)b)->id);
}

/* A status's `yields`: "any", or the categories whose words decide over it. */
static uint32_t yields_of(struct smtpdiag__record *r, struct smtpdiag__field *f)
{
	uint32_t bits = 0;
	for (const char *s = f->value; *s;) {
		size_t n = strcspn(s, " ");
		int c = -1;
		for (int k = 0; k < SMTPDIAG_CAT_COUNT; k++)
			if (strlen(smtpdiag__category_id(k)) == n &&
			    !memcmp(s, smtpdiag__category_id(k), n))
				c = k;
		if (n == 3 && !memcmp(s, "any", 3))
			bits = ((uint32_t)1 << SMTPDIAG_CAT_COUNT) - 1;
		else if (c < 0)
			error_at(r->file, f->line, "yields: '%.*s' is not a category or 'any'",
				 (int)n, s);
		else
			bits |= (uint32_t)1 << c;
		s += n;
		while (*s == ' ')
			s++;
	}
	return bits;
}

static void build_entry(struct smtpdiag__record *r, struct entry_out *o, int is_code)
{
	struct smtpdiag__field *f;
	*o = (struct entry_out){ .rec = r, .who = SMTPDIAG_WHO_COUNT };
	if (is_code) {
		if ((o->code = smtpdiag__parse_code(r->id)) < 0)
			error_at(r->file, r->line, "'%s' is not a reply code (NNN or Nxx)", r->id);
	} else if (smtpdiag__parse_status(r->id, 1, &o->st) < 0) {
		error_at(r->file, r->line, "'%s' is not an enhanced status code (X.S.D)", r->id);
	}
	o->category = smtpdiag__field_enum(&set, r, "category", smtpdiag__category_id, SMTPDIAG_CAT_COUNT, "category");
	if ((f = smtpdiag__get(r, "who", NULL)))
		o->who = smtpdiag__field_enum(&set, r, "who", smtpdiag__who_id, SMTPDIAG_WHO_COUNT, "who");
	f = smtpdiag__get(r, "meaning", NULL);
	o->meaning = f ? intern(f->value) : 0;
	if ((f = smtpdiag__get(r, "yields", NULL)))
		o->yields = yields_of(r, f);
	if ((f = smtpdiag__get(r, "decides", NULL)) && !(o->decides = !strcmp(f->value, "yes")))
		error_at(r->file, f->line, "'decides' is yes or absent");
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
	struct smtpdiag__record **v;

	for (size_t i = 0; i < set.nrec; i++)
		smtpdiag__check_counts(&set, &set.rec[i]);

	providers = collect("provider", &nproviders);
	for (size_t i = 0; i < nproviders; i++) {
		if (!smtpdiag__valid_id(providers[i]->id))
			error_at(providers[i]->file, providers[i]->line,
				 "provider id '%s': lower-case letters, digits, '-', '.'",
				 providers[i]->id);
		intern(providers[i]->id);
		intern(smtpdiag__get(providers[i], "name", NULL) ? smtpdiag__get(providers[i], "name", NULL)->value : "");
	}

	size_t nrule_recs, nfamilies;
	v = collect("rule", &nrule_recs);
	struct smtpdiag__record **fam = collect("family", &nfamilies);
	nlisted = nrules = nrule_recs + nfamilies;
	rules_cap = nrules + 1;
	rules = xrealloc(NULL, rules_cap * sizeof *rules);
	for (size_t i = 0; i < nrule_recs; i++)
		build_rule(v[i], i);
	for (size_t i = 0; i < nfamilies; i++)
		build_family(fam[i], nrule_recs + i);
	free(v);
	free(fam);
	/* rules and families by id; then each takes its phrases by index */
	qsort(rules, nlisted, sizeof *rules, cmp_rule_id);
	for (size_t i = 0; i < nlisted; i++) {
		intern(rules[i].id);
		for (int j = 0; rules[i].layer != SMTPDIAG__LAYER_WORDS && j < rules[i].nslots; j++)
			add_alternatives(rules[i].rec, rules[i].match[j], i, j);
		if (rules[i].layer == SMTPDIAG__LAYER_WORDS)
			resolve_after_data(i);
	}
	v = collect_all("words", &n);
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < nlisted; k++)
			if (rules[k].layer == SMTPDIAG__LAYER_WORDS &&
			    !strcmp(rules[k].rec->id, v[i]->id))
				break;
		if (k == nlisted)
			error_at(v[i]->file, v[i]->line, "words for '%s', which no family "
				 "record defines", v[i]->id);
		else
			add_words(v[i], k);
	}
	free(v);
	if (nrules + nproviders >= 65535)
		error_at("data", 0, "too many rules and providers for the tables");
	for (size_t i = 0; i < nproviders; i++)
		for (size_t j = 0; j < providers[i]->nfields; j++)
			if (!strcmp(providers[i]->fields[j].name, "marker"))
				add_alternatives(providers[i], &providers[i]->fields[j],
						 nrules + i, 0);

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
		int c = -1;
		for (int k = 0; k < SMTPDIAG_CAT_COUNT; k++)
			if (!strcmp(v[i]->id, smtpdiag__category_id(k)))
				c = k;
		if (c < 0)
			error_at(v[i]->file, v[i]->line, "unknown category '%s'", v[i]->id);
		else
			category_recs[c] = v[i];
	}
	for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++) {
		struct smtpdiag__record *r = category_recs[c];
		if (!r) {
			error_at("data/categories.txt", 0, "category '%s' has no record",
				 smtpdiag__category_id(c));
			continue;
		}
		category_title[c] = intern(smtpdiag__get(r, "title", NULL) ? smtpdiag__get(r, "title", NULL)->value : "");
		category_who[c] = smtpdiag__field_enum(&set, r, "who", smtpdiag__who_id, SMTPDIAG_WHO_COUNT, "who");
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
		struct smtpdiag__record *g = clients[generic];
		memmove(clients + 1, clients, (size_t)generic * sizeof *clients);
		clients[0] = g;
		for (int k = 0; k < SMTPDIAG_SETTING_COUNT; k++)
			if (!smtpdiag__get(g, smtpdiag_setting_name((enum smtpdiag_setting)k), NULL))
				error_at(g->file, g->line, "client generic: missing '%s'",
					 smtpdiag_setting_name((enum smtpdiag_setting)k));
	}
	client_where = xrealloc(NULL, (nclients + 1) * sizeof *client_where);
	for (size_t i = 0; i < nclients; i++) {
		struct smtpdiag__record *c = clients[i];
		if (!smtpdiag__valid_id(c->id))
			error_at(c->file, c->line, "client id '%s': lower-case letters, "
				 "digits, '-', '.'", c->id);
		intern(c->id);
		intern(smtpdiag__get(c, "name", NULL) ? smtpdiag__get(c, "name", NULL)->value : "");
		for (int k = 0; k < SMTPDIAG_SETTING_COUNT; k++) {
			struct smtpdiag__field *f = smtpdiag__get(c, smtpdiag_setting_name((enum smtpdiag_setting)k), NULL);
			client_where[i][k] = f ? intern(f->value) : 0;
		}
	}
	if (!nphrases && !set.nerrors)
		error_at("data", 0, "no rules");
	if (!set.nerrors) {
		build_automaton();
		if (nstates >= (size_t)1 << 24)
			error_at("data", 0, "too many automaton states for 24-bit edges");
		resolve_automaton();
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

/* The words as one string literal, their bytes in this machine's order,
 * for a union of the bytes and the words (kb.h): a compiler reads a string
 * of megabytes in a fraction of the time it takes for as many numbers, and
 * the fewer characters the faster. So octal escapes are as short as their
 * value allows ("\0"), and a digit right after a short one is escaped
 * too, since it would extend it; '?' is escaped against trigraphs. */
static void put_words_string(const char *decl, size_t n, unsigned long (*at)(size_t))
{
	char esc[256][5];
	for (int b = 0; b < 256; b++)
		snprintf(esc[b], sizeof esc[b], "\\%o", (unsigned)b);
	fprintf(out, "%s = { \"", decl);
	int open = 0; /* the last escape was short: a digit would extend it */
	for (size_t i = 0; i < n; i++) {
		uint32_t w = (uint32_t)at(i);
		unsigned char b[4];
		memcpy(b, &w, 4);
		for (int k = 0; k < 4; k++) {
			int digit = b[k] >= '0' && b[k] <= '7';
			if (b[k] >= 0x20 && b[k] < 0x7f && !strchr("\"\\?", b[k]) &&
			    !(open && digit)) {
				fputc(b[k], out);
				open = 0;
			} else {
				fputs(esc[b[k]], out);
				open = b[k] < 0100;
			}
		}
		if (i % 16 == 15) {
			fputs("\"\n\"", out);
			open = 0;
		}
	}
	fputs("\" };\n\n", out);
}

static unsigned long at_text(size_t i) { return texts[i]; }
static unsigned long at_setting(size_t i) { return settings[i]; }
static unsigned long at_code(size_t i) { return codes[i]; }
static unsigned long at_class(size_t i) { return byte_class[i]; }
static unsigned long at_ascii_class(size_t i) { return byte_class[smtpdiag__fold_word((unsigned char)i)]; }
static unsigned long at_dense(size_t i) { return dense_row[i]; }
static unsigned long at_state(size_t i) { return recs[i]; }
static unsigned long at_out_list(size_t i) { return out_list[i]; }

static void put_entries(const char *name, const struct entry_out *e, size_t n)
{
	fprintf(out, "const struct smtpdiag__entry %s[%s] = {\n", name,
		e == code_entries ? "SMTPDIAG__NCODES" : "SMTPDIAG__NSTATUSES");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "\t{ %d, { %u, %u, %u }, %d, %d, %d, %u, %#x, ", e[i].code,
			e[i].st.cls, e[i].st.subject, e[i].st.detail, e[i].category,
			e[i].who, e[i].decides, e[i].meaning, e[i].yields);
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
		fprintf(out, "\t{ %u, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %zu, %zu, %zu, %zu, ",
			intern(r->id), r->provider, r->category, r->who,
			r->severity, r->nslots, r->layer, r->alone, r->composed, r->general,
			r->after_data, r->codes, r->ncodes, r->statuses, r->nstatuses);
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
		fprintf(out, " }, /* %s */\n", smtpdiag__category_id(c));
	}
	fputs("};\n\n", out);

	fputs("const struct smtpdiag__provider smtpdiag__providers[] = {\n", out);
	for (size_t i = 0; i < nproviders; i++) {
		struct smtpdiag__field *f = smtpdiag__get(providers[i], "name", NULL);
		fprintf(out, "\t{ %u, %u },\n", intern(providers[i]->id),
			intern(f ? f->value : ""));
	}
	fputs(nproviders ? "};\n\n" : "\t{ 0, 0 }\n};\n\n", out);

	fputs("const struct smtpdiag__client smtpdiag__clients[SMTPDIAG__NCLIENTS] = {\n", out);
	for (size_t i = 0; i < nclients; i++) {
		struct smtpdiag__field *f = smtpdiag__get(clients[i], "name", NULL);
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
		for (size_t u = 0; u < phrases[p].nuses; u++) {
			size_t k = phrases[p].uses[u].rule;
			fprintf(out, "\t{ %zu, %d, %d },\n", k, phrases[p].uses[u].slot,
				k < nrules ? rules[k].nslots : 0);
		}
	fputs("};\n\n", out);

	put_numbers("const uint8_t smtpdiag__ac_class[256]", 256, at_class);
	put_numbers("const uint8_t smtpdiag__ac_ascii_class[128]", 128, at_ascii_class);
	put_numbers("const uint32_t smtpdiag__ac_rows[SMTPDIAG__AC_ROWS * SMTPDIAG__AC_CLASSES]",
		    ndense * nclasses, at_dense);
	fputs("#if defined(__GNUC__)\n#pragma GCC diagnostic ignored \"-Woverlength-strings\"\n#endif\n",
	      out);
	put_words_string("const union smtpdiag__ac_words smtpdiag__ac_records", nrecs, at_state);
	put_numbers("const uint32_t smtpdiag__ac_out_list[]", nout_list, at_out_list);
}

static void emit_sizes(const char *sources)
{
	fprintf(out, "/* generated from %s by src/mktables.c, do not edit */\n"
		"#define SMTPDIAG__NRULES %zu\n#define SMTPDIAG__NLISTED %zu\n"
		"#define SMTPDIAG__NCODES %zu\n"
		"#define SMTPDIAG__NSTATUSES %zu\n#define SMTPDIAG__NPROVIDERS %zu\n"
		"#define SMTPDIAG__NCLIENTS %zu\n#define SMTPDIAG__NPHRASES %zu\n"
		"#define SMTPDIAG__NSTATES %zu\n#define SMTPDIAG__AC_CLASSES %zu\n"
		"#define SMTPDIAG__AC_ROWS %zu\n#define SMTPDIAG__AC_REC_BITS %u\n"
		"#define SMTPDIAG__AC_REC_UNIT %u\n"
		"/* record places used, of the %zu a name can hold */\n"
		"#define SMTPDIAG__AC_PLACES %zu\n#define SMTPDIAG__AC_WORDS %zu\n",
		sources, nrules, nlisted, ncode_entries ? ncode_entries : 1,
		nstatus_entries ? nstatus_entries : 1, nproviders, nclients, nphrases,
		nstates, nclasses, ndense, rec_bits, rec_unit, (size_t)1 << rec_bits,
		(nrecs - SMTPDIAG__AC_LEAD - SMTPDIAG__AC_EXCEPTIONS) / rec_unit, nrecs);
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
	if (set.nerrors) {
		fprintf(stderr, "mktables: %d error%s, nothing written\n", set.nerrors,
			set.nerrors == 1 ? "" : "s");
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
