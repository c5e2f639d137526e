/*
 * lookup.c - the knowledge base by key: codes, statuses, categories, client
 * profiles; and the library's names for its own errors and version.
 */
#include <string.h>

#include "internal.h"
#include "kb.h"

static const struct smtpdiag__entry *find_code(int code)
{
	size_t lo = 0, hi = SMTPDIAG__NCODES;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = smtpdiag__code_entries[mid].code;
		if (c == code)
			return &smtpdiag__code_entries[mid];
		if (c < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct smtpdiag__entry *smtpdiag__code_entry(int code)
{
	const struct smtpdiag__entry *e;
	if (code < 200 || code > 599)
		return NULL;
	e = find_code(code);
	return e ? e : find_code(code / 100);
}

static int cmp_status(struct smtpdiag_status a, struct smtpdiag_status b)
{
	if (a.subject != b.subject)
		return a.subject < b.subject ? -1 : 1;
	if (a.detail != b.detail)
		return a.detail < b.detail ? -1 : 1;
	return a.cls == b.cls ? 0 : a.cls < b.cls ? -1 : 1;
}

static const struct smtpdiag__entry *find_status(struct smtpdiag_status st)
{
	size_t lo = 0, hi = SMTPDIAG__NSTATUSES;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_status(smtpdiag__status_entries[mid].status, st);
		if (c == 0)
			return &smtpdiag__status_entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct smtpdiag__entry *smtpdiag__status_entry(struct smtpdiag_status st)
{
	const struct smtpdiag__entry *e;
	if (st.cls != 2 && st.cls != 4 && st.cls != 5)
		return NULL;
	if ((e = find_status(st)) && e->meaning)
		return e;
	st.cls = 0;
	e = find_status(st);
	return e && e->meaning ? e : NULL;
}

const char *smtpdiag_code_meaning(int code)
{
	const struct smtpdiag__entry *e = smtpdiag__code_entry(code);
	return e ? smtpdiag__str(e->meaning) : NULL;
}

const char *smtpdiag_status_meaning(struct smtpdiag_status st)
{
	const struct smtpdiag__entry *e = smtpdiag__status_entry(st);
	return e ? smtpdiag__str(e->meaning) : NULL;
}

const char *smtpdiag_category_title(enum smtpdiag_category c)
{
	return (unsigned)c < SMTPDIAG_CAT_COUNT
		       ? smtpdiag__str(smtpdiag__categories[c].title)
		       : NULL;
}

size_t smtpdiag_client_count(void)
{
	return SMTPDIAG__NCLIENTS;
}

const char *smtpdiag_client_id(size_t i)
{
	return i < SMTPDIAG__NCLIENTS ? smtpdiag__str(smtpdiag__clients[i].id) : NULL;
}

const char *smtpdiag_client_name(size_t i)
{
	return i < SMTPDIAG__NCLIENTS ? smtpdiag__str(smtpdiag__clients[i].name) : NULL;
}

int smtpdiag_client_find(const char *id)
{
	for (size_t i = 0; id && i < SMTPDIAG__NCLIENTS; i++)
		if (!strcmp(id, smtpdiag__str(smtpdiag__clients[i].id)))
			return (int)i;
	return SMTPDIAG_EINVAL;
}

const char *smtpdiag_setting_where(size_t i, enum smtpdiag_setting key)
{
	if (i >= SMTPDIAG__NCLIENTS || (unsigned)key >= SMTPDIAG_SETTING_COUNT)
		return NULL;
	uint32_t off = smtpdiag__clients[i].where[key];
	return smtpdiag__str(off ? off : smtpdiag__clients[0].where[key]);
}

const char *smtpdiag_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case SMTPDIAG_ENOREPLY: return "no SMTP reply in the input";
	case SMTPDIAG_ENOMATCH: return "nothing in the knowledge base applies";
	case SMTPDIAG_EINVAL: return "invalid argument";
	case SMTPDIAG_EMORE: return "more input needed";
	case SMTPDIAG_ENOMEM: return "out of memory";
	case SMTPDIAG_ESYNTAX: return "mistakes in the rules";
	}
	return "unknown error";
}

const char *smtpdiag_version(void)
{
	return SMTPDIAG_VERSION;
}

size_t smtpdiag_entry_count(enum smtpdiag_kind kind)
{
	switch (kind) {
	case SMTPDIAG_KIND_CODE: return SMTPDIAG__NCODES;
	case SMTPDIAG_KIND_STATUS: return SMTPDIAG__NSTATUSES;
	case SMTPDIAG_KIND_RULE: return SMTPDIAG__NLISTED;
	}
	return 0;
}

int smtpdiag_entry_at(enum smtpdiag_kind kind, size_t i, struct smtpdiag_entry *e)
{
	if (!e || i >= smtpdiag_entry_count(kind))
		return SMTPDIAG_EINVAL;
	memset(e, 0, sizeof *e);
	if (kind == SMTPDIAG_KIND_RULE) {
		const struct smtpdiag__rule *r = &smtpdiag__rules[i];
		e->rule = smtpdiag__str(r->id);
		e->provider = r->provider ? smtpdiag__str(smtpdiag__providers[r->provider - 1].id) : NULL;
		e->category = (enum smtpdiag_category)r->category;
		e->cause = smtpdiag__str(r->advice.cause);
		for (size_t k = 0; k < r->ncodes && e->ncodes < 4; k++)
			e->codes[e->ncodes++] = smtpdiag__codes[r->codes + k];
		for (size_t k = 0; k < r->nstatuses && e->nstatuses < 4; k++)
			e->statuses[e->nstatuses++] = smtpdiag__statuses[r->statuses + k];
		return 0;
	}
	const struct smtpdiag__entry *x = kind == SMTPDIAG_KIND_CODE ? &smtpdiag__code_entries[i]
								   : &smtpdiag__status_entries[i];
	e->code = x->code;
	e->status = x->status;
	e->meaning = smtpdiag__str(x->meaning);
	e->category = (enum smtpdiag_category)x->category;
	e->cause = smtpdiag__str(x->advice.cause);
	return 0;
}
