/*
 * summary.c - counts of scan's findings: by category and severity, by the
 * rule (or code) that decided, and by provider. A summary written as JSON can be read back
 * and added to another, so a log scanned in pieces (on several cores or
 * machines) sums to exactly what one pass gives.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A count of a strmap found by the address of its key, as long as the map
 * has taken no new key: a finding's rule and provider ids are the tables'
 * strings, the same few at every finding, hashed and compared anew
 * otherwise. */
enum { RECENT = 32 };
struct recent {
	const char *key;
	size_t size;     /* the map's size when value was looked up */
	uint64_t *value; /* NULL: not looked up */
};

struct summary {
	uint64_t lines, bytes, findings;
	uint64_t by[SMTPDIAG_CAT_COUNT][SMTPDIAG_SEVERITY_COUNT];
	struct strmap *rules;     /* a rule id, "code 550" or "status 5.1.1": a count */
	struct strmap *providers; /* a provider id: a count */
	struct recent recent_rules[RECENT], recent_providers[RECENT];
};

struct summary *summary_new(void)
{
	struct summary *s = calloc(1, sizeof *s);
	if (s && (!(s->rules = strmap_new()) || !(s->providers = strmap_new()))) {
		summary_free(s);
		s = NULL;
	}
	return s;
}

void summary_free(struct summary *s)
{
	if (s) {
		strmap_free(s->rules);
		strmap_free(s->providers);
		free(s);
	}
}

static struct strmap_entry *sorted(const struct strmap *m, size_t *n);

/* Add n to key's count in m; -1 when out of memory. */
static int bump(struct strmap *m, const char *key, uint64_t n)
{
	uint64_t *v = strmap_value(m, key);
	if (!v)
		return -1;
	*v += n;
	return 0;
}

/* Add one to the count of key, a string that stays unchanged all the run,
 * in m; recent is m's. */
static void bump_id(struct strmap *m, struct recent *recent, const char *key)
{
	struct recent *c = &recent[(uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15u >> 59];
	_Static_assert(RECENT == 32, ">> 59 picks one of 32");
	if (c->key != key || c->size != strmap_size(m) || !c->value) {
		c->key = key;
		c->value = strmap_value(m, key);
		c->size = strmap_size(m);
	}
	if (c->value)
		++*c->value;
}

void summary_add(struct summary *s, const struct smtpdiag_finding *f)
{
	const struct smtpdiag_diagnosis *d = &f->diagnosis;
	const struct smtpdiag_reply *r = &f->reply;
	s->findings++;
	s->by[d->category][d->severity]++;
	if (d->rule) { /* most findings: the rule's id is the key */
		bump_id(s->rules, s->recent_rules, d->rule);
	} else {
		char key[64];
		if (d->matched_by == SMTPDIAG_BY_STATUS && r->status.cls)
			snprintf(key, sizeof key, "status %u.%u.%u", r->status.cls,
				 r->status.subject, r->status.detail);
		else
			snprintf(key, sizeof key, "code %d", r->code);
		bump(s->rules, key, 1);
	}
	if (d->provider)
		bump_id(s->providers, s->recent_providers, d->provider);
}

void summary_add_summary(struct summary *s, const struct summary *other)
{
	const struct strmap *maps[2] = { other->rules, other->providers };
	struct strmap *into[2] = { s->rules, s->providers };
	s->lines += other->lines;
	s->bytes += other->bytes;
	s->findings += other->findings;
	for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++)
		for (int v = 0; v < SMTPDIAG_SEVERITY_COUNT; v++)
			s->by[c][v] += other->by[c][v];
	for (int m = 0; m < 2; m++) {
		size_t n;
		struct strmap_entry *e = sorted(maps[m], &n);
		for (size_t i = 0; i < n; i++)
			bump(into[m], e[i].key, e[i].value);
		free(e);
	}
}

void summary_lines(struct summary *s, uint64_t lines, uint64_t bytes)
{
	s->lines += lines;
	s->bytes += bytes;
}

int summary_exit(const struct summary *s)
{
	uint64_t transient = 0, permanent = 0;
	for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++) {
		transient += s->by[c][SMTPDIAG_TRANSIENT];
		permanent += s->by[c][SMTPDIAG_PERMANENT];
	}
	return permanent ? EXIT_PERMANENT : transient ? EXIT_TRANSIENT : 0;
}

/* The counts, most first (then by key): a stable order, so that equal
 * summaries print equal bytes. */
static int by_count(const void *a, const void *b)
{
	const struct strmap_entry *x = a, *y = b;
	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return strcmp(x->key, y->key);
}

static struct strmap_entry *sorted(const struct strmap *m, size_t *n)
{
	struct strmap_entry *v = malloc((strmap_size(m) + 1) * sizeof *v);
	*n = v ? strmap_entries(m, v) : 0;
	if (v)
		qsort(v, *n, sizeof *v, by_count);
	return v;
}

/* A JSON object of a map's counts, most first. */
static void json_counts(FILE *f, const struct strmap *m)
{
	size_t nv;
	struct strmap_entry *v = sorted(m, &nv);
	fputc('{', f);
	for (size_t i = 0; i < nv; i++) {
		fputs(i ? "," : "", f);
		put_json_string(f, v[i].key);
		fprintf(f, ":%llu", (unsigned long long)v[i].value);
	}
	fputc('}', f);
	free(v);
}

void summary_json(FILE *f, const struct summary *s)
{
	int first = 1;
	fprintf(f, "{\"smtpdiag_summary\":1,\"lines\":%llu,\"bytes\":%llu,\"findings\":%llu,"
		"\"categories\":{", (unsigned long long)s->lines, (unsigned long long)s->bytes,
		(unsigned long long)s->findings);
	for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++) {
		const uint64_t *n = s->by[c];
		if (!n[SMTPDIAG_TRANSIENT] && !n[SMTPDIAG_PERMANENT])
			continue;
		fprintf(f, "%s\"%s\":[%llu,%llu]", first ? "" : ",",
			smtpdiag_category_name((enum smtpdiag_category)c),
			(unsigned long long)n[SMTPDIAG_TRANSIENT],
			(unsigned long long)n[SMTPDIAG_PERMANENT]);
		first = 0;
	}
	fputs("},\"rules\":", f);
	json_counts(f, s->rules);
	fputs(",\"providers\":", f);
	json_counts(f, s->providers);
	fputs("}\n", f);
}

/* A label value of the text exposition: \\, \" and \n escaped. */
static void label_value(FILE *f, const char *v)
{
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

/* One counter family: OpenMetrics names the family without "_total" and ends
 * the exposition with "# EOF"; Prometheus's text format (node_exporter's
 * textfile collector) names it as its samples. */
static void family(FILE *f, const char *name, const char *help, int openmetrics)
{
	const char *suffix = openmetrics ? "" : "_total";
	fprintf(f, "# HELP smtpdiag_%s%s %s\n# TYPE smtpdiag_%s%s counter\n", name, suffix, help,
		name, suffix);
}

static void counts(FILE *f, const char *name, const char *label, const struct strmap *m)
{
	size_t nv;
	struct strmap_entry *v = sorted(m, &nv);
	for (size_t i = 0; i < nv; i++) {
		fprintf(f, "smtpdiag_%s_total{%s=", name, label);
		label_value(f, v[i].key);
		fprintf(f, "} %llu\n", (unsigned long long)v[i].value);
	}
	free(v);
}

void summary_metrics(FILE *f, const struct summary *s, int openmetrics)
{
	family(f, "failures", "Failed replies found, by category and severity.", openmetrics);
	for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++)
		for (int v = SMTPDIAG_TRANSIENT; c != SMTPDIAG_CAT_OK && v <= SMTPDIAG_PERMANENT; v++)
			fprintf(f, "smtpdiag_failures_total{category=\"%s\",severity=\"%s\"} %llu\n",
				smtpdiag_category_name((enum smtpdiag_category)c),
				smtpdiag_severity_name((enum smtpdiag_severity)v),
				(unsigned long long)s->by[c][v]);
	family(f, "provider_failures", "Failed replies found, by the provider that sent them.",
	       openmetrics);
	counts(f, "provider_failures", "provider", s->providers);
	family(f, "rule_failures", "Failed replies found, by the rule (or code) that decided.",
	       openmetrics);
	counts(f, "rule_failures", "rule", s->rules);
	family(f, "lines", "Lines scanned.", openmetrics);
	fprintf(f, "smtpdiag_lines_total %llu\n", (unsigned long long)s->lines);
	family(f, "bytes", "Bytes scanned.", openmetrics);
	fprintf(f, "smtpdiag_bytes_total %llu\n", (unsigned long long)s->bytes);
	if (openmetrics)
		fputs("# EOF\n", f);
}

void summary_text(FILE *f, const struct summary *s, const struct style *st)
{
	uint64_t total[SMTPDIAG_CAT_COUNT], most = 0, transient = 0, permanent = 0;
	for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++) {
		transient += s->by[c][SMTPDIAG_TRANSIENT];
		permanent += s->by[c][SMTPDIAG_PERMANENT];
		total[c] = s->by[c][SMTPDIAG_TRANSIENT] + s->by[c][SMTPDIAG_PERMANENT];
		if (total[c] > most)
			most = total[c];
	}
	fprintf(f, "%llu failures (%llu permanent, %llu transient) in %llu lines\n",
		(unsigned long long)s->findings, (unsigned long long)permanent,
		(unsigned long long)transient, (unsigned long long)s->lines);
	if (!s->findings)
		return;
	fprintf(f, "\n%-12s %10s %10s %10s\n", "category", "transient", "permanent", "total");
	/* categories by total, most first */
	for (uint64_t shown = 0; shown < s->findings;) {
		int best = -1;
		for (int c = 0; c < SMTPDIAG_CAT_COUNT; c++)
			if (total[c] && (best < 0 || total[c] > total[best]))
				best = c;
		if (best < 0)
			break;
		int bar = (int)((total[best] * 30 + most - 1) / most);
		fprintf(f, "%-12s %10llu %10llu %10llu  %s", smtpdiag_category_name((enum smtpdiag_category)best),
			(unsigned long long)s->by[best][SMTPDIAG_TRANSIENT],
			(unsigned long long)s->by[best][SMTPDIAG_PERMANENT],
			(unsigned long long)total[best], st->color ? "\033[1m" : "");
		for (int i = 0; i < bar; i++)
			fputc('#', f);
		fputs(st->color ? "\033[0m\n" : "\n", f);
		shown += total[best];
		total[best] = 0;
	}
	size_t nv;
	struct strmap_entry *v = sorted(s->rules, &nv);
	fprintf(f, "\n%10s  %s\n", "count", "top rules (or codes)");
	for (size_t i = 0; i < nv && i < 10; i++) {
		fprintf(f, "%10llu  ", (unsigned long long)v[i].value);
		put_text_str(f, v[i].key);
		fputc('\n', f);
	}
	free(v);
}

/* ---- reading a summary back: only the shape summary_json writes ---------- */

struct reader {
	const char *p, *end;
};

static void ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

static int expect(struct reader *r, char c)
{
	ws(r);
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return 1;
	}
	return 0;
}

static int number(struct reader *r, uint64_t *v)
{
	ws(r);
	const char *start = r->p;
	*v = 0;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		*v = *v * 10 + (uint64_t)(*r->p++ - '0');
	return r->p > start;
}

/* A string without escapes other than \" and \\, into buf. */
static int string(struct reader *r, char *buf, size_t cap)
{
	size_t n = 0;
	if (!expect(r, '"'))
		return 0;
	while (r->p < r->end && *r->p != '"') {
		if (*r->p == '\\' && r->p + 1 < r->end)
			r->p++;
		if (n + 1 >= cap)
			return 0;
		buf[n++] = *r->p++;
	}
	buf[n] = '\0';
	return expect(r, '"');
}

int summary_merge(struct summary *s, const char *json, size_t len)
{
	struct reader r = { json, json + len };
	char key[256];
	uint64_t v, a, b;
	if (!expect(&r, '{'))
		return -1;
	do {
		if (!string(&r, key, sizeof key) || !expect(&r, ':'))
			return -1;
		if (!strcmp(key, "categories") || !strcmp(key, "rules") || !strcmp(key, "providers")) {
			int cats = key[0] == 'c';
			struct strmap *m = key[0] == 'r' ? s->rules : s->providers;
			if (!expect(&r, '{'))
				return -1;
			if (expect(&r, '}'))
				continue;
			do {
				if (!string(&r, key, sizeof key) || !expect(&r, ':'))
					return -1;
				if (cats) {
					int c = 0;
					while (c < SMTPDIAG_CAT_COUNT &&
					       strcmp(key, smtpdiag_category_name((enum smtpdiag_category)c)))
						c++;
					if (c == SMTPDIAG_CAT_COUNT || !expect(&r, '[') || !number(&r, &a) ||
					    !expect(&r, ',') || !number(&r, &b) || !expect(&r, ']'))
						return -1;
					s->by[c][SMTPDIAG_TRANSIENT] += a;
					s->by[c][SMTPDIAG_PERMANENT] += b;
				} else if (!number(&r, &v) || bump(m, key, v) < 0) {
					return -1;
				}
			} while (expect(&r, ','));
			if (!expect(&r, '}'))
				return -1;
		} else if (number(&r, &v)) {
			if (!strcmp(key, "lines"))
				s->lines += v;
			else if (!strcmp(key, "bytes"))
				s->bytes += v;
			else if (!strcmp(key, "findings"))
				s->findings += v;
			else if (strcmp(key, "smtpdiag_summary") || v != 1)
				return -1;
		} else {
			return -1;
		}
	} while (expect(&r, ','));
	return expect(&r, '}') ? 0 : -1;
}
