/*
 * rules.c - a site's own rules, read at run time.
 *
 * A rules file has the format of data/ (records.c reads both) and holds rule
 * and provider records. A site has a few rules, not hundreds, so they are
 * matched by a folded substring search instead of an automaton. The
 * classifier tries them before the built-in rules (classify.c).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "rules.h"

/* Problems as "name:line: message" lines in the caller's buffer. */
struct report {
	char *buf;
	size_t cap, used;
};

static void report(void *ctx, const char *file, int line, const char *msg)
{
	struct report *rep = ctx;
	if (!rep->buf || rep->used + 1 >= rep->cap)
		return;
	int n = snprintf(rep->buf + rep->used, rep->cap - rep->used, "%s%s:%d: %s",
			 rep->used ? "\n" : "", file, line, msg);
	if (n > 0)
		rep->used += (size_t)n < rep->cap - rep->used ? (size_t)n
							      : rep->cap - rep->used - 1;
}

static int builtin_provider(const char *id)
{
	for (size_t i = 0; i < SMTPDIAG__NPROVIDERS; i++)
		if (!strcmp(smtpdiag__str(smtpdiag__providers[i].id), id))
			return (int)i + 1;
	return 0;
}

static const struct smtpdiag__user_provider *user_provider(const struct smtpdiag_rules *u,
							   const char *id)
{
	for (size_t i = 0; i < u->nproviders; i++)
		if (!strcmp(u->provider[i].id, id))
			return &u->provider[i];
	return NULL;
}

/* Fold the phrases of every field called `name` into lines. */
static void fold_lines(struct smtpdiag__records *set, const struct smtpdiag__record *r,
		       const char *name, struct smtpdiag__phrase_lines *l)
{
	l->n = 0;
	for (size_t i = 0; i < r->nfields && l->n < SMTPDIAG__MAX_SLOTS; i++)
		if (!strcmp(r->fields[i].name, name)) {
			l->nalts[l->n] = smtpdiag__fold_alternatives(set, r, &r->fields[i]);
			l->line[l->n++] = &r->fields[i];
		}
}

/* The record defined earlier with the same kind and id, or NULL. */
static const struct smtpdiag__record *earlier(const struct smtpdiag__records *set,
					      const struct smtpdiag__record *r)
{
	for (const struct smtpdiag__record *q = set->rec; q < r; q++)
		if (q->kind == r->kind && !strcmp(q->id, r->id))
			return q;
	return NULL;
}

static void check_record(struct smtpdiag_rules *u, const struct smtpdiag__record *r)
{
	struct smtpdiag__records *set = &u->set;
	const struct smtpdiag__record *q;
	smtpdiag__check_counts(set, r);
	if (!smtpdiag__valid_id(r->id))
		smtpdiag__record_error(set, r->file, r->line, "%s id '%s': lower-case "
				       "letters, digits, '-', '.', '_'", r->kind, r->id);
	if ((q = earlier(set, r)))
		smtpdiag__record_error(set, r->file, r->line,
				       "%s '%s' is already defined at line %d", r->kind,
				       r->id, q->line);
}

static void add_provider(struct smtpdiag_rules *u, const struct smtpdiag__record *r)
{
	struct smtpdiag__user_provider *p = &u->provider[u->nproviders++];
	struct smtpdiag__field *name = smtpdiag__get(r, "name", NULL);
	check_record(u, r);
	if (builtin_provider(r->id))
		smtpdiag__record_error(&u->set, r->file, r->line, "provider '%s' is built "
				       "in: name it in a rule without defining it", r->id);
	p->id = r->id;
	p->name = name ? name->value : r->id;
	fold_lines(&u->set, r, "marker", &p->markers);
}

static void add_rule(struct smtpdiag_rules *u, const struct smtpdiag__record *r)
{
	struct smtpdiag__user_rule *o = &u->rule[u->nrules++];
	check_record(u, r);
	o->id = r->id;
	smtpdiag__decode_rule(&u->set, r, &o->def);
	fold_lines(&u->set, r, "match", &o->match);
	if (o->def.provider &&
	    !(o->user_provider = user_provider(u, o->def.provider)) &&
	    !(o->builtin_provider = builtin_provider(o->def.provider)))
		smtpdiag__record_error(&u->set, r->file, smtpdiag__get(r, "provider", NULL)->line,
				       "unknown provider '%s'", o->def.provider);
}

/* Each load's serial number, so that a diagnosis remembered under rules since
 * freed is never taken for one under rules loaded at the same address. */
static atomic_ulong next_serial = 1;

void smtpdiag_rules_free(struct smtpdiag_rules *u)
{
	if (!u)
		return;
	smtpdiag__records_free(&u->set);
	free(u->rule);
	free(u->provider);
	free(u->text);
	free(u);
}

int smtpdiag_rules_load(struct smtpdiag_rules **rules, const char *name,
			const char *buf, size_t len, char *err, size_t errlen)
{
	struct report rep = { err, errlen, 0 };
	struct smtpdiag_rules *u;

	if (!rules || !name || (!buf && len))
		return SMTPDIAG_EINVAL;
	*rules = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!(u = calloc(1, sizeof *u)) || !(u->text = malloc(len + 1)))
		goto nomem;
	if (len)
		memcpy(u->text, buf, len);
	u->set.report = report;
	u->set.ctx = &rep;
	if (smtpdiag__read_records(&u->set, name, u->text, len) < 0 ||
	    !(u->rule = calloc(u->set.nrec + 1, sizeof *u->rule)) ||
	    !(u->provider = calloc(u->set.nrec + 1, sizeof *u->provider)))
		goto nomem;

	/* providers first: a rule may name one defined below it */
	for (size_t i = 0; i < u->set.nrec; i++)
		if (!strcmp(u->set.rec[i].kind, "provider"))
			add_provider(u, &u->set.rec[i]);
	for (size_t i = 0; i < u->set.nrec; i++) {
		const struct smtpdiag__record *r = &u->set.rec[i];
		if (!strcmp(r->kind, "rule"))
			add_rule(u, r);
		else if (strcmp(r->kind, "provider"))
			smtpdiag__record_error(&u->set, r->file, r->line, "a %s record: a "
					       "rules file holds rule and provider records", r->kind);
	}
	u->set.report = NULL; /* rep lives on this stack only */
	if (u->set.nerrors) {
		smtpdiag_rules_free(u);
		return SMTPDIAG_ESYNTAX;
	}
	u->serial = atomic_fetch_add(&next_serial, 1);
	*rules = u;
	return 0;
nomem:
	smtpdiag_rules_free(u);
	return SMTPDIAG_ENOMEM;
}

size_t smtpdiag_rules_count(const struct smtpdiag_rules *rules)
{
	return rules ? rules->nrules : 0;
}

int smtpdiag_rules_entry_at(const struct smtpdiag_rules *rules, size_t i,
			    struct smtpdiag_entry *e)
{
	if (!e || i >= smtpdiag_rules_count(rules))
		return SMTPDIAG_EINVAL;
	const struct smtpdiag__user_rule *r = &rules->rule[i];
	memset(e, 0, sizeof *e);
	e->rule = r->id;
	e->provider = r->def.provider;
	e->category = (enum smtpdiag_category)r->def.category;
	e->cause = r->def.advice.cause;
	for (size_t k = 0; k < r->def.ncodes && e->ncodes < 4; k++)
		e->codes[e->ncodes++] = r->def.codes[k];
	for (size_t k = 0; k < r->def.nstatuses && e->nstatuses < 4; k++)
		e->statuses[e->nstatuses++] = r->def.statuses[k];
	return 0;
}

/* Does p[0, n) occur in s[0, len)? */
static int contains(const char *s, size_t len, const char *p, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (s[i] == p[0] && !memcmp(s + i, p, n))
			return 1;
	return 0;
}

size_t smtpdiag__line_match(const struct smtpdiag__phrase_lines *l, size_t i,
			    const char *folded, size_t len)
{
	size_t best = 0;
	const char *alt = l->line[i]->value;
	for (size_t a = 0; a < l->nalts[i]; a++, alt += strlen(alt) + 1) {
		size_t n = strlen(alt);
		if (n > best && contains(folded, len, alt, n))
			best = n;
	}
	return best;
}
