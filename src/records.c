/*
 * records.c - read and check the record format of data/README.md.
 *
 * Used by the table generator at build time and by smtpdiag_rules_load at
 * run time. No I/O: problems go to the caller's report function.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

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
	{ "rule", "wrapper", 0, 1 },
	{ "rule", "general", 0, 1 },
	{ "rule", "who", 1, 1 },
	{ "rule", "cause", 1, 1 },
	{ "rule", "fix", 1, SMTPDIAG_MAX_STEPS },
	{ "rule", "settings", 0, 1 },
	{ "rule", "ref", 1, SMTPDIAG_MAX_REFS },
	{ "code", "meaning", 1, 1 },
	{ "code", "category", 1, 1 },
	{ "code", "who", 0, 1 },
	{ "code", "decides", 0, 1 },
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
	{ "status", "yields", 0, 1 },
	{ "family", "category", 1, 1 },
	{ "family", "who", 1, 1 },
	{ "family", "alone", 1, 1 },
	{ "family", "severity", 0, 1 },
	{ "family", "after-data", 0, 1 },
	{ "family", "cause", 1, 1 },
	{ "family", "fix", 1, SMTPDIAG_MAX_STEPS },
	{ "family", "settings", 0, 1 },
	{ "family", "ref", 1, SMTPDIAG_MAX_REFS },
	{ "words", "phrase", 1, SMTPDIAG__MAX_PHRASE_LINES },
	{ "words", "wrapper", 0, 1 },
	{ "words", "ref", 1, SMTPDIAG_MAX_REFS },
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
				     "provider", "client", "family", "words" };

void smtpdiag__record_error(struct smtpdiag__records *set, const char *file,
			    int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	set->nerrors++;
	if (set->report)
		set->report(set->ctx, file, line, msg);
}

static int setting_index(const char *s, size_t n)
{
	for (int i = 0; i < SMTPDIAG_SETTING_COUNT; i++) {
		const char *name = smtpdiag_setting_name((enum smtpdiag_setting)i);
		if (strlen(name) == n && !memcmp(s, name, n))
			return i;
	}
	return -1;
}

/* The spec's spelling of a field valid in a record of this kind, or NULL. */
static const char *field_name(const char *kind, const char *name)
{
	for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
		if (!strcmp(specs[i].kind, kind) && !strcmp(specs[i].field, name))
			return specs[i].field;
	if (!strcmp(kind, "client")) {
		int k = setting_index(name, strlen(name));
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

static int grow(void **arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t want = *cap ? 2 * *cap : 16;
	void *p = realloc(*arr, want * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = want;
	return 0;
}

int smtpdiag__read_records(struct smtpdiag__records *set, const char *file,
			   char *buf, size_t len)
{
	struct smtpdiag__record *cur = NULL;
	size_t w = 0; /* where the next id or value is written; never past pos */
	int line = 0;

	for (size_t pos = 0; pos < len;) {
		size_t eol = pos, end, ind;
		while (eol < len && buf[eol] != '\n')
			eol++;
		size_t next = eol < len ? eol + 1 : len;
		line++;
		for (end = eol; end > pos && smtpdiag__is_space((unsigned char)buf[end - 1]);)
			end--;
		for (ind = pos; ind < end && (buf[ind] == ' ' || buf[ind] == '\t');)
			ind++;
		if (memchr(buf + pos, '\0', end - pos)) {
			smtpdiag__record_error(set, file, line, "a NUL byte in the line");
			pos = next;
			continue;
		}
		if (ind == end || buf[ind] == '#') {
			pos = next;
			continue;
		}
		for (size_t i = ind; i < end; i++)
			if (buf[i] == '\t')
				buf[i] = ' ';
		if (ind > pos) {
			/* a continuation: the last value written is that field's, so
			 * its NUL becomes the joining space */
			if (!cur || !cur->nfields) {
				smtpdiag__record_error(set, file, line,
						       "a continuation line, but no field above it");
			} else {
				buf[w - 1] = ' ';
				memmove(buf + w, buf + ind, end - ind);
				w += end - ind;
				buf[w++] = '\0';
			}
			pos = next;
			continue;
		}
		size_t sp = ind, v;
		while (sp < end && buf[sp] != ' ')
			sp++;
		for (v = sp; v < end && buf[v] == ' ';)
			v++;
		char word[32]; /* kinds and field names are short */
		snprintf(word, sizeof word, "%.*s", (int)(sp - ind), buf + ind);
		const char *fname = cur ? field_name(cur->kind, word) : NULL;
		const char *kind = fname ? NULL : kind_name(word);

		if (!fname && !kind) {
			if (cur)
				smtpdiag__record_error(set, file, line,
						       "unknown field '%s' in a %s record",
						       word, cur->kind);
			else
				smtpdiag__record_error(set, file, line,
						       "'%s' is not a record kind (rule, code, "
						       "status, category, provider, client, "
						       "family, words)", word);
			pos = next;
			continue;
		}
		if (v == end)
			smtpdiag__record_error(set, file, line, fname ? "field '%s' has no value"
						: "'%s' needs an id", word);
		char *value = buf + w;
		memmove(value, buf + v, end - v);
		w += end - v;
		buf[w++] = '\0';
		if (fname) {
			if (grow((void **)&set->field, set->nfield, &set->field_cap,
				 sizeof *set->field) < 0)
				return SMTPDIAG_ENOMEM;
			set->field[set->nfield++] = (struct smtpdiag__field){ fname, value, line };
			cur->nfields++;
		} else {
			if (grow((void **)&set->rec, set->nrec, &set->rec_cap,
				 sizeof *set->rec) < 0)
				return SMTPDIAG_ENOMEM;
			cur = &set->rec[set->nrec++];
			*cur = (struct smtpdiag__record){ .file = file, .line = line,
							  .kind = kind, .id = value,
							  .first = set->nfield };
		}
		pos = next;
	}
	for (size_t i = 0; i < set->nrec; i++) /* now that the fields stay put */
		set->rec[i].fields = set->field ? set->field + set->rec[i].first : NULL;
	return 0;
}

void smtpdiag__records_free(struct smtpdiag__records *set)
{
	free(set->rec);
	free(set->field);
	set->rec = NULL;
	set->field = NULL;
	set->nrec = set->rec_cap = set->nfield = set->field_cap = 0;
}

struct smtpdiag__field *smtpdiag__get(const struct smtpdiag__record *r,
				      const char *name, size_t *count)
{
	struct smtpdiag__field *first = NULL;
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
static int nth_line(const struct smtpdiag__record *r, const char *name, int n)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].name, name) && n-- == 0)
			return r->fields[i].line;
	return r->line;
}

void smtpdiag__check_counts(struct smtpdiag__records *set,
			    const struct smtpdiag__record *r)
{
	for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
		size_t n;
		if (strcmp(specs[i].kind, r->kind))
			continue;
		smtpdiag__get(r, specs[i].field, &n);
		if ((int)n < specs[i].min)
			smtpdiag__record_error(set, r->file, r->line,
					       "%s %s: missing field '%s'", r->kind,
					       r->id, specs[i].field);
		else if ((int)n > specs[i].max)
			smtpdiag__record_error(set, r->file,
					       nth_line(r, specs[i].field, specs[i].max),
					       "%s %s: field '%s' may appear at most %d time%s",
					       r->kind, r->id, specs[i].field, specs[i].max,
					       specs[i].max == 1 ? "" : "s");
	}
	if (!strcmp(r->kind, "client"))
		for (size_t i = 0; i < r->nfields; i++)
			for (size_t j = i + 1; j < r->nfields; j++)
				if (!strcmp(r->fields[i].name, r->fields[j].name))
					smtpdiag__record_error(set, r->file, r->fields[j].line,
							       "client %s: '%s' given twice",
							       r->id, r->fields[j].name);
	for (size_t i = 0; i < r->nfields; i++)
		if (strlen(r->fields[i].value) > SMTPDIAG__MAX_TEXT_LEN)
			smtpdiag__record_error(set, r->file, r->fields[i].line,
					       "value longer than %d bytes",
					       SMTPDIAG__MAX_TEXT_LEN);
}

int smtpdiag__valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || smtpdiag__is_digit((unsigned char)*s) ||
		      *s == '-' || *s == '.' || *s == '_'))
			return 0;
	return 1;
}

int smtpdiag__parse_code(const char *s)
{
	if (strlen(s) != 3 || s[0] < '2' || s[0] > '5')
		return -1;
	if (s[1] == 'x' && s[2] == 'x')
		return s[0] - '0';
	if (!smtpdiag__is_digit((unsigned char)s[1]) ||
	    !smtpdiag__is_digit((unsigned char)s[2]))
		return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

int smtpdiag__parse_status(const char *s, int allow_x, struct smtpdiag_status *st)
{
	if (allow_x && (*s == 'X' || *s == 'x')) {
		/* the registry's class-less form: check "2.S.D" in its place */
		char tmp[16];
		size_t n = strlen(s);
		if (n >= sizeof tmp)
			return -1;
		memcpy(tmp, s, n + 1);
		tmp[0] = '2';
		if (smtpdiag_status_parse(tmp, n, st) < 0)
			return -1;
		st->cls = 0;
		return 0;
	}
	return smtpdiag_status_parse(s, strlen(s), st) < 0 ? -1 : 0;
}

static int name_index(const char *s, const char *(*name)(int), int count)
{
	for (int i = 0; i < count; i++)
		if (!strcmp(s, name(i)))
			return i;
	return -1;
}

const char *smtpdiag__category_id(int i)
{
	return smtpdiag_category_name((enum smtpdiag_category)i);
}

const char *smtpdiag__who_id(int i)
{
	return smtpdiag_who_name((enum smtpdiag_who)i);
}

const char *smtpdiag__severity_id(int i)
{
	return smtpdiag_severity_name((enum smtpdiag_severity)i);
}

int smtpdiag__field_enum(struct smtpdiag__records *set, const struct smtpdiag__record *r,
			 const char *field, const char *(*name)(int), int count,
			 const char *what)
{
	struct smtpdiag__field *f = smtpdiag__get(r, field, NULL);
	if (!f)
		return -1;
	int v = name_index(f->value, name, count);
	if (v < 0)
		smtpdiag__record_error(set, r->file, f->line, "unknown %s '%s'", what,
				       f->value);
	return v;
}

size_t smtpdiag__fold_alternatives(struct smtpdiag__records *set,
				   const struct smtpdiag__record *r,
				   struct smtpdiag__field *f)
{
	char *s = f->value, *w = f->value;
	size_t n = 0;
	for (;;) {
		char *bar = strstr(s, " | ");
		size_t len = bar ? (size_t)(bar - s) : strlen(s);
		/* folding never lengthens, so w stays at or behind s */
		size_t k = smtpdiag__fold_text(s, len, w);
		w[k] = '\0';
		if (k < SMTPDIAG__MIN_PHRASE_LEN)
			smtpdiag__record_error(set, r->file, f->line,
					       "phrase '%s' is shorter than %d characters",
					       w, SMTPDIAG__MIN_PHRASE_LEN);
		w += k + 1;
		n++;
		if (!bar)
			return n;
		s = bar + 3;
	}
}

int smtpdiag__field_severity(struct smtpdiag__records *set, const struct smtpdiag__record *r,
			     const char *field)
{
	struct smtpdiag__field *f = smtpdiag__get(r, field, NULL);
	if (!f)
		return SMTPDIAG__SEVERITY_FROM_CODE;
	int v = smtpdiag__field_enum(set, r, field, smtpdiag__severity_id,
				     SMTPDIAG_SEVERITY_COUNT, "severity");
	if (v == SMTPDIAG_SUCCESS)
		smtpdiag__record_error(set, r->file, f->line,
				       "'%s' is transient or permanent", field);
	return v;
}

void smtpdiag__decode_advice(struct smtpdiag__records *set,
			     const struct smtpdiag__record *r,
			     struct smtpdiag__advice_def *a)
{
	struct smtpdiag__field *f = smtpdiag__get(r, "cause", NULL);
	memset(a, 0, sizeof *a);
	a->cause = f ? f->value : NULL;
	for (size_t i = 0; i < r->nfields; i++) {
		const struct smtpdiag__field *g = &r->fields[i];
		if (!strcmp(g->name, "fix") && a->nfix < SMTPDIAG_MAX_STEPS)
			a->fix[a->nfix++] = g->value;
		else if (!strcmp(g->name, "ref") && a->nrefs < SMTPDIAG_MAX_REFS)
			a->refs[a->nrefs++] = g->value;
	}
	if (!(f = smtpdiag__get(r, "settings", NULL)))
		return;
	for (const char *s = f->value;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return;
		size_t n = strcspn(s, " ");
		int k = setting_index(s, n);
		if (k < 0)
			smtpdiag__record_error(set, r->file, f->line,
					       "unknown settings key '%.*s'", (int)n, s);
		else if (a->nsettings == SMTPDIAG_MAX_SETTINGS)
			smtpdiag__record_error(set, r->file, f->line,
					       "at most %d settings keys",
					       SMTPDIAG_MAX_SETTINGS);
		else
			a->settings[a->nsettings++] = (uint8_t)k;
		s += n;
	}
}

/* Each space-separated word of a field, NUL-terminated in turn in word. */
static const char *next_word(const char **s, char *word, size_t cap)
{
	while (**s == ' ')
		(*s)++;
	if (!**s)
		return NULL;
	size_t n = strcspn(*s, " ");
	snprintf(word, cap, "%.*s", (int)n, *s);
	*s += n;
	return word;
}

void smtpdiag__decode_rule(struct smtpdiag__records *set,
			   const struct smtpdiag__record *r,
			   struct smtpdiag__rule_def *def)
{
	struct smtpdiag__field *f;
	char word[24];

	memset(def, 0, sizeof *def);
	def->severity = SMTPDIAG__SEVERITY_FROM_CODE;
	def->category = smtpdiag__field_enum(set, r, "category", smtpdiag__category_id,
					     SMTPDIAG_CAT_COUNT, "category");
	def->who = smtpdiag__field_enum(set, r, "who", smtpdiag__who_id,
					SMTPDIAG_WHO_COUNT, "who");
	def->severity = smtpdiag__field_severity(set, r, "severity");
	if ((f = smtpdiag__get(r, "provider", NULL)))
		def->provider = f->value;
	if ((f = smtpdiag__get(r, "wrapper", NULL))) {
		def->wrapper = !strcmp(f->value, "yes");
		if (!def->wrapper)
			smtpdiag__record_error(set, r->file, f->line, "'wrapper' is yes or absent");
	}
	if ((f = smtpdiag__get(r, "general", NULL))) {
		def->general = !strcmp(f->value, "yes");
		if (!def->general)
			smtpdiag__record_error(set, r->file, f->line, "'general' is yes or absent");
	}

	if ((f = smtpdiag__get(r, "code", NULL))) {
		size_t n = 0;
		for (const char *s = f->value; next_word(&s, word, sizeof word); n++) {
			int c = strcmp(word, "none") ? smtpdiag__parse_code(word)
						     : SMTPDIAG__CODE_NONE;
			if (c < 0 || (c > 0 && c < 10))
				smtpdiag__record_error(set, r->file, f->line,
						       "'%s' is not a reply code", word);
			else if (c == SMTPDIAG__CODE_NONE && (n > 0 || *s))
				smtpdiag__record_error(set, r->file, f->line,
						       "'none' stands alone");
			else if (def->ncodes < SMTPDIAG__MAX_CODES)
				def->codes[def->ncodes++] = (uint16_t)c;
		}
		if (n > SMTPDIAG__MAX_CODES)
			smtpdiag__record_error(set, r->file, f->line, "at most %d codes",
					       SMTPDIAG__MAX_CODES);
		if (def->ncodes == 1 && def->codes[0] == SMTPDIAG__CODE_NONE &&
		    def->severity == SMTPDIAG__SEVERITY_FROM_CODE)
			smtpdiag__record_error(set, r->file, f->line,
					       "a rule with 'code none' needs a severity");
	}
	if ((f = smtpdiag__get(r, "status", NULL))) {
		for (const char *s = f->value; next_word(&s, word, sizeof word);) {
			struct smtpdiag_status st;
			if (smtpdiag__parse_status(word, 0, &st) < 0)
				smtpdiag__record_error(set, r->file, f->line,
						       "'%s' is not an enhanced status code", word);
			else if (def->nstatuses == SMTPDIAG__MAX_CODES)
				smtpdiag__record_error(set, r->file, f->line,
						       "at most %d statuses", SMTPDIAG__MAX_CODES);
			else
				def->statuses[def->nstatuses++] = st;
		}
	}
	for (size_t i = 0; i < r->nfields && def->nslots < SMTPDIAG__MAX_SLOTS; i++)
		if (!strcmp(r->fields[i].name, "match"))
			def->match[def->nslots++] = &r->fields[i];
	smtpdiag__decode_advice(set, r, &def->advice);
}
