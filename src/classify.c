/*
 * classify.c - from a reply to a diagnosis.
 *
 * One pass of the generated Aho-Corasick automaton over the folded reply text
 * finds every rule phrase and provider marker at once, however many rules
 * there are. A rule matches when each of its match lines has a phrase in the
 * text and its code and status constraints agree with the reply; the most
 * specific match wins (more matched characters, agreeing constraints, its
 * provider recognised). Without a matching rule the enhanced status code's
 * entry decides, then the basic code's. A user's rules (rules.c), when given,
 * are chosen among in the same way and win over the built-in ones.
 */
#include <string.h>

#include "internal.h"
#include "kb.h"
#include "rules.h"

/* Score weights: a matched character is worth 4, so that an agreeing code or
 * status (40) outweighs ten characters and a recognised provider five. */
enum { PER_CHAR = 4, CODE_AGREES = 40, STATUS_AGREES = 40, PROVIDER_AGREES = 20 };
enum { TIE_STEPS = 64 }; /* below one score step: how compositions break ties */

enum { PHRASE_WORDS = (SMTPDIAG__NPHRASES + 63) / 64 };

/* A rule that a phrase seen is used by: its match lines satisfied, the
 * characters each matched. */
struct touched {
	uint16_t rule;
	uint8_t slots, nslots;
	uint16_t chars[SMTPDIAG__MAX_SLOTS];
};

struct matches {
	/* the phrases seen; a word of it counts only once written, as said by
	 * written[], so that a reply clears a few words rather than all */
	uint64_t phrase[PHRASE_WORDS];
	uint64_t written[(PHRASE_WORDS + 63) / 64];
	/* the rules touched, noted as each phrase is first seen: a bit in
	 * used[] and their place in touched[] (so that a reply clears the bits
	 * rather than every rule's slots) */
	uint64_t used[(SMTPDIAG__NRULES + 63) / 64];
	uint16_t place[SMTPDIAG__NRULES];
	struct touched touched[SMTPDIAG__NRULES];
	size_t ntouched;
	uint64_t providers[(SMTPDIAG__NPROVIDERS + 64) / 64]; /* markers seen */
	int provider; /* the provider whose marker came first in the text, + 1 */
	char *folded; /* the folded text, for a user's rules; or NULL */
	size_t nfolded;
};

static int has_bit(const uint64_t *set, size_t i)
{
	return (set[i / 64] >> (i % 64)) & 1;
}

static void set_bit(uint64_t *set, size_t i)
{
	set[i / 64] |= (uint64_t)1 << (i % 64);
}

static int seen_phrase(const struct matches *m, size_t p)
{
	return has_bit(m->written, p / 64) && has_bit(m->phrase, p);
}

/* Note phrase p, of len bytes, its uses as the automaton's list of phrases
 * gives them (kb_format.h): the providers it is a marker of, the slots of
 * the rules it is used by (where a line has alternatives, the longest found
 * counts). A word found as a label of a host's name (names_host) counts for
 * the rules and markers that name hosts and block lists ("surbl" in
 * multi.surbl.org, "brevo" in smtp-relay.brevo.com), not for the
 * vocabulary, and stays unseen for its other places. */
static void saw_phrase(struct matches *m, uint32_t p, uint16_t len, uint32_t uses, int host)
{
	if (!host) {
		if (!has_bit(m->written, p / 64)) {
			set_bit(m->written, p / 64);
			m->phrase[p / 64] = 0;
		}
		set_bit(m->phrase, p);
	}
	size_t first = uses & ((1u << SMTPDIAG__AC_USES_BITS) - 1);
	for (size_t u = first; u < first + (uses >> SMTPDIAG__AC_USES_BITS); u++) {
		const struct smtpdiag__use *use = &smtpdiag__uses[u];
		size_t k = use->rule;
		if (k >= SMTPDIAG__NRULES) {
			set_bit(m->providers, k - SMTPDIAG__NRULES);
			if (!m->provider)
				m->provider = (int)(k - SMTPDIAG__NRULES) + 1;
			continue;
		}
		if (host && smtpdiag__rules[k].layer != SMTPDIAG__LAYER_RULES)
			continue;
		if (!has_bit(m->used, k)) {
			set_bit(m->used, k);
			m->place[k] = (uint16_t)m->ntouched;
			m->touched[m->ntouched++] = (struct touched){ .rule = (uint16_t)k,
								    .nslots = use->nslots };
		}
		struct touched *t = &m->touched[m->place[k]];
		t->slots |= (uint8_t)(1u << use->slot);
		if (len > t->chars[use->slot])
			t->chars[use->slot] = len;
	}
}

/* The record of state s (kb.h). */
static inline const uint32_t *record(uint32_t s)
{
	return &smtpdiag__ac_states[SMTPDIAG__AC_LEAD +
				    (size_t)(s & ((1u << SMTPDIAG__AC_REC_BITS) - 1)) *
					    SMTPDIAG__AC_REC_UNIT];
}

/* The automaton's next state from s on byte class k (kb.h), without a
 * branch: the row's, unless one of the exceptions names k. The row and the
 * record are both found from s, so their loads overlap. */
static inline uint32_t step(uint32_t s, uint32_t k)
{
	const uint32_t *r = record(s);
	/* every word read whether it counts or not, so that the compiler
	 * selects (cmov) rather than branches, half the steps taking an
	 * exception */
	uint32_t pre = r[-1], head = r[0], x0 = r[1], x1 = r[2], x2 = r[3], x3 = r[4];
	uint32_t x4 = r[5], x5 = r[6], x6 = r[7];
	uint32_t next = smtpdiag__ac_rows[(size_t)(s >> SMTPDIAG__AC_REC_BITS) *
					  SMTPDIAG__AC_CLASSES + k];
	_Static_assert(SMTPDIAG__AC_EXCEPTIONS == 7 && SMTPDIAG__AC_HEAD == 4,
		       "one select per exception");
	next = (head & 0xff) == k ? x0 : next;
	next = (head >> 8 & 0xff) == k ? x1 : next;
	next = (head >> 16 & 0xff) == k ? x2 : next;
	next = head >> 24 == k ? x3 : next;
	/* the word before the head holds three more classes only when marked
	 * so (else it is the last of the record before, or padding): each
	 * compared with its mark, not tested first, which would branch */
	next = (pre & (SMTPDIAG__AC_MORE | 0xff)) == (SMTPDIAG__AC_MORE | k) ? x4 : next;
	next = (pre & (SMTPDIAG__AC_MORE | 0xff00)) == (SMTPDIAG__AC_MORE | k << 8) ? x5 : next;
	next = (pre & (SMTPDIAG__AC_MORE | 0xff0000)) == (SMTPDIAG__AC_MORE | k << 16) ? x6 : next;
	return next;
}

/* Does the short ASCII word of n bytes that ends at in[end] start a word:
 * no letter or digit before it? Walks back n characters, as an accented one
 * folds to one letter ("refusé"). */
static size_t word_start(const unsigned char *in, size_t end, size_t n)
{
	size_t j = end + 1;
	while (n-- && j > 0)
		do
			j--;
		while (j > 0 && (in[j] & 0xc0) == 0x80);
	return j;
}

static int starts_word(const unsigned char *in, size_t end, size_t n)
{
	size_t j = word_start(in, end, n);
	return j == 0 || !smtpdiag__is_alnum(in[j - 1]);
}

/* Is the word that ends at in[end] the local part of an address
 * ("user@example.com")? Such a word names a mailbox; it is not the
 * server's. */
static int names_mailbox(const unsigned char *in, size_t end, size_t n)
{
	return end + 1 < n && in[end + 1] == '@';
}

/* Is the phrase of `len` bytes that ends at in[end] a word alone, the name
 * of a setting or of a log line's field ("timeout=300" in PHPMailer's
 * "Connection: opening to host:587, timeout=300", "relay=dovecot" and
 * "delay=3277" in Postfix's)? It names a field, not a failure. (A word
 * inside a name, as in "IN_SBL_SPAMHAUS=4", still counts.) */
static int names_setting(const unsigned char *in, size_t end, size_t len, size_t n)
{
	if (end + 2 >= n || in[end + 1] != '=' || len > end + 1 ||
	    !(smtpdiag__is_alnum(in[end + 2]) || in[end + 2] == '<' || in[end + 2] == '['))
		return 0;
	size_t j = end + 1 - len;
	for (size_t k = j; k <= end; k++)
		if (!((in[k] | 0x20) >= 'a' && (in[k] | 0x20) <= 'z'))
			return 0;
	return j == 0 || in[j - 1] == ' ' || in[j - 1] == ',' || in[j - 1] == '\t';
}

/* Is the word of `len` bytes that ends at in[end] a label of a host name:
 * between two labels ("domain" in "mail.domain.com"), or the first of three
 * ("relay" in "relay.example.net"), the last being letters only, as a
 * top-level domain is? Such a word names a machine, not what went wrong.
 * A file's name ("eicar.com") or a virus's ("Win.Trojan.Agent-1") is not
 * one. */
static int names_host(const unsigned char *in, size_t end, size_t len, size_t n)
{
	size_t j = word_start(in, end, len), k = end + 1, labels = 0, last = 0;
	int between = j >= 2 && in[j - 1] == '.' && smtpdiag__is_alnum(in[j - 2]), letters = 0;
	while (k + 1 < n && in[k] == '.' && smtpdiag__is_alnum(in[k + 1])) {
		size_t from = ++k;
		for (letters = 1; k < n && (smtpdiag__is_alnum(in[k]) || in[k] == '-'); k++)
			letters &= smtpdiag__is_alnum(in[k]) && !smtpdiag__is_digit(in[k]);
		last = k - from;
		labels++;
	}
	return labels >= (between ? 1u : 2u) && letters && last >= 2;
}

/* Note the phrases that end at state s, the text's byte `end` of n. */
static void saw_outputs(struct matches *m, uint32_t s, const unsigned char *in, size_t end,
			size_t n)
{
	for (const uint32_t *o = &smtpdiag__ac_out_list[record(s)[-2]];; o += 2) {
		uint32_t p = o[0] & ((1u << SMTPDIAG__AC_PHRASE_BITS) - 1);
		uint16_t len = o[0] >> SMTPDIAG__AC_PHRASE_BITS & ((1u << SMTPDIAG__AC_LEN_BITS) - 1);
		if (seen_phrase(m, p) || names_setting(in, end, len, n))
			;
		else if (!(o[0] & SMTPDIAG__AC_WORD))
			saw_phrase(m, p, len, o[1], 0);
		else if (starts_word(in, end, len) && !names_mailbox(in, end, n))
			saw_phrase(m, p, len, o[1], names_host(in, end, len, n));
		if (o[0] & SMTPDIAG__AC_LAST)
			break;
	}
}

/* The same, if any phrase ends there: the test inline, as most states end
 * none. */
static inline void saw_output(struct matches *m, uint32_t s, const unsigned char *in,
			      size_t end, size_t n)
{
	if (__builtin_expect((record(s)[0] & 0xff000000u) == SMTPDIAG__AC_ENDS, 0))
		saw_outputs(m, s, in, end, n);
}

/* The text folded as the generator folded the phrases, for a user's rules:
 * case and accents folded, runs of white space, '-', '_' and apostrophes as
 * one space, leading ones skipped. */
static size_t fold_for_rules(const char *text, size_t len, char *out)
{
	const unsigned char *in = (const unsigned char *)text;
	unsigned char folded[4];
	size_t w = 0;
	int space = 1;
	for (size_t i = 0, used; i < len; i += used) {
		size_t n = smtpdiag__fold_char(in + i, len - i, folded, &used);
		for (size_t j = 0; j < n; j++) {
			unsigned char c = folded[j];
			if (c == ' ') {
				if (space)
					continue;
				space = 1;
			} else {
				space = 0;
			}
			out[w++] = (char)c;
		}
	}
	return w;
}

/* Walk the automaton over the folded text. Folding a byte and reading its
 * class is one look-up for ASCII; runs of white space need no skipping
 * (kb.h), nor does white space at the start, where no phrase begins. */
static void find_phrases(const char *text, size_t len, struct matches *m,
			 char *folded_out)
{
	const unsigned char *in = (const unsigned char *)text;
	unsigned char folded[4];
	uint32_t s = 0;
	/* all but phrase[], place[] and touched[], of which written[], used[]
	 * and ntouched tell */
	memset(m->written, 0, sizeof m->written);
	memset(m->used, 0, sizeof m->used);
	m->ntouched = 0;
	memset(m->providers, 0, sizeof m->providers);
	m->provider = 0;
	m->folded = NULL;
	m->nfolded = 0;
	if (folded_out) {
		m->folded = folded_out;
		m->nfolded = fold_for_rules(text, len, folded_out);
	}
	for (size_t i = 0; i < len;) {
		/* a run of ASCII (most of most texts) in a loop of its own, with
		 * nothing of the rest to keep in registers */
		for (; i < len && in[i] < 0x80; i++) {
			s = step(s, smtpdiag__ac_ascii_class[in[i]]);
			saw_output(m, s, in, i, len);
		}
		if (i == len)
			break;
		size_t used, n = smtpdiag__fold_char(in + i, len - i, folded, &used);
		for (size_t j = 0; j < n; j++) {
			s = step(s, smtpdiag__ac_class[folded[j]]);
			saw_output(m, s, in, i + used - 1, len);
		}
		i += used;
	}
}

static enum smtpdiag_severity class_severity(int cls)
{
	return cls == 2 || cls == 3 ? SMTPDIAG_SUCCESS
	       : cls == 4           ? SMTPDIAG_TRANSIENT
				    : SMTPDIAG_PERMANENT;
}

/* 1 when a rule's codes allow the reply's code (or, without one, its
 * status's class); *agrees when they name it. */
static int codes_allow(const uint16_t *c, size_t n, int code,
		       struct smtpdiag_status st, int *agrees)
{
	*agrees = 0;
	if (n == 0)
		return 1;
	if (c[0] == SMTPDIAG__CODE_NONE)
		return code == 0;
	if (code == 0) {
		/* no code, but a status: its class must be one of the codes' */
		for (size_t i = 0; st.cls && i < n; i++)
			if ((c[i] < 10 ? c[i] : c[i] / 100) == st.cls)
				return 1;
		return !st.cls;
	}
	for (size_t i = 0; i < n; i++)
		if (c[i] == code || c[i] == code / 100)
			return *agrees = 1;
	return 0;
}

static int statuses_allow(const struct smtpdiag_status *s, size_t n,
			  struct smtpdiag_status st, int *agrees)
{
	*agrees = 0;
	if (n == 0 || st.cls == 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if ((s[i].cls == st.cls || s[i].cls == 0) && s[i].subject == st.subject &&
		    s[i].detail == st.detail)
			return *agrees = 1;
	return 0;
}

/* A matching rule's score, or -1 when its constraints exclude the reply. */
static long score(const struct smtpdiag_reply *r, long matched, const uint16_t *codes,
		  size_t ncodes, const struct smtpdiag_status *statuses,
		  size_t nstatuses, int provider_seen)
{
	int code_agrees, status_agrees;
	if (!codes_allow(codes, ncodes, r->code, r->status, &code_agrees) ||
	    !statuses_allow(statuses, nstatuses, r->status, &status_agrees))
		return -1;
	return matched * PER_CHAR + code_agrees * CODE_AGREES +
	       status_agrees * STATUS_AGREES + provider_seen * PROVIDER_AGREES;
}

/* The categories whose words decide over the reply's status, as bits: all
 * but where the status is a telling one of another category that does not
 * yield to them (data/enhanced-status.txt, `yields`): 5.1.1 stands against
 * words of spam, 5.7.1 says too little to stand against anything. */
static uint32_t status_yields(const struct smtpdiag_reply *r)
{
	const struct smtpdiag__entry *e;
	if (!r->status.cls || !(e = smtpdiag__status_entry(r->status)) ||
	    e->category == SMTPDIAG_CAT_UNKNOWN)
		return ~(uint32_t)0;
	return e->yields | (uint32_t)1 << e->category;
}

/* The best matching rule of each layer (SMTPDIAG__LAYER_RULES, _WORDS,
 * _WRAPPERS): its index in best[layer], or -1, and the characters of the
 * text it read in chars_of_best[layer]. */
static void best_rules(const struct smtpdiag_reply *r, const struct matches *m,
		       int best[SMTPDIAG__NLAYERS], long chars_of_best[SMTPDIAG__NLAYERS])
{
	long best_score[SMTPDIAG__NLAYERS];
	uint32_t yields = status_yields(r); /* looked up once, not per rule */

	for (size_t l = 0; l < SMTPDIAG__NLAYERS; l++) {
		best[l] = -1;
		best_score[l] = -1;
		chars_of_best[l] = 0;
	}
	for (size_t i = 0; i < m->ntouched; i++) {
		const struct touched *t = &m->touched[i];
		if (t->slots != (1u << t->nslots) - 1)
			continue;
		size_t k = t->rule;
		const struct smtpdiag__rule *rule = &smtpdiag__rules[k];
		long matched = 0, longest = 0;
		for (size_t j = 0; j < rule->nslots; j++) {
			matched += t->chars[j];
			if (t->chars[j] > longest)
				longest = t->chars[j];
		}
		/* a composition of braced parts ("{mailbox|user} ... {not found|
		 * unknown}") is only as telling as its longest part: a phrase seen
		 * whole, or a rule, outweighs two general words. Between two
		 * compositions as telling, the one that matched more wins. */
		long sc = score(r, rule->composed ? longest : matched,
				smtpdiag__codes + rule->codes, rule->ncodes,
				smtpdiag__statuses + rule->statuses, rule->nstatuses,
				rule->provider && has_bit(m->providers, rule->provider - 1u));
		long more = rule->composed ? matched - longest : 0;
		sc = sc * TIE_STEPS + (more < TIE_STEPS - 1 ? more : TIE_STEPS - 1);
		int l = rule->layer;
		if (l == SMTPDIAG__LAYER_WORDS && !((yields >> rule->category) & 1))
			continue; /* the reply's status stands against these words */
		if (l == SMTPDIAG__LAYER_WRAPPERS && !r->code && !r->status.cls &&
		    (rule->nstatuses || (rule->ncodes && smtpdiag__codes[rule->codes] != SMTPDIAG__CODE_NONE)))
			continue; /* a frame told by its code, and none was given */
		if (sc > best_score[l] || (sc == best_score[l] && (int)k < best[l])) {
			best[l] = (int)k;
			best_score[l] = sc;
			chars_of_best[l] = rule->composed ? longest : matched;
		}
	}
}


/* Does a frame fit the reply's status: none, one that says nothing (X.0.0,
 * or one without an entry), one of the frame's category, or one the frame's
 * rule names ("451 4.7.1 Try again later" is rspamd's greylisting)? */
static int frame_fits(const struct smtpdiag_reply *r, const struct smtpdiag__rule *frame)
{
	const struct smtpdiag__entry *e;
	int named;
	statuses_allow(smtpdiag__statuses + frame->statuses, frame->nstatuses, r->status, &named);
	return !r->status.cls || named || !(e = smtpdiag__status_entry(r->status)) ||
	       e->category == frame->category || e->category == SMTPDIAG_CAT_UNKNOWN;
}

/* A frame that says only that something failed for now ("421 Temporary
 * failure") tells less than a reply code whose entry names a cause (421: the
 * service is not available). Frames that say a message failed for good
 * ("550 Action not taken") tell that the code's usual cause is not it. */
static int code_says_more(const struct smtpdiag_reply *r, const struct smtpdiag__rule *frame)
{
	const struct smtpdiag__entry *e;
	return frame->category == SMTPDIAG_CAT_UNKNOWN && frame->alone == SMTPDIAG_TRANSIENT &&
	       r->code &&
	       (e = smtpdiag__code_entry(r->code)) && e->category != SMTPDIAG_CAT_UNKNOWN;
}

static int markers_seen(const struct smtpdiag__user_provider *p,
			const struct matches *m)
{
	for (size_t j = 0; j < p->markers.n; j++)
		if (smtpdiag__line_match(&p->markers, j, m->folded, m->nfolded))
			return 1;
	return 0;
}

/* The first of the user's providers whose marker is in the text, or NULL. */
static const struct smtpdiag__user_provider *
user_provider_seen(const struct smtpdiag_rules *u, const struct matches *m)
{
	for (size_t i = 0; i < u->nproviders; i++)
		if (markers_seen(&u->provider[i], m))
			return &u->provider[i];
	return NULL;
}

/* The best matching user rule, as best_rule chooses; NULL when none. */
static const struct smtpdiag__user_rule *best_user_rule(const struct smtpdiag_rules *u,
							const struct smtpdiag_reply *r,
							const struct matches *m)
{
	const struct smtpdiag__user_rule *best = NULL;
	long best_score = -1;
	for (size_t k = 0; k < u->nrules; k++) {
		const struct smtpdiag__user_rule *rule = &u->rule[k];
		long matched = 0;
		size_t j, n;
		for (j = 0; j < rule->match.n; j++, matched += (long)n)
			if (!(n = smtpdiag__line_match(&rule->match, j, m->folded, m->nfolded)))
				break;
		if (j < rule->match.n)
			continue;
		int seen = rule->builtin_provider
				   ? has_bit(m->providers, (size_t)rule->builtin_provider - 1)
			   : rule->user_provider ? markers_seen(rule->user_provider, m)
						 : 0;
		long sc = score(r, matched, rule->def.codes, rule->def.ncodes,
				rule->def.statuses, rule->def.nstatuses, seen);
		if (sc > best_score) {
			best = rule;
			best_score = sc;
		}
	}
	return best;
}

/* Fill the advice fields of d: the entry's own, else the category's. */
static void put_advice(struct smtpdiag_diagnosis *d, const struct smtpdiag__advice *a)
{
	const struct smtpdiag__advice *cat = &smtpdiag__categories[d->category].advice;
	d->cause = smtpdiag__str(a->cause ? a->cause : cat->cause);
	const struct smtpdiag__advice *fix = a->nfix ? a : cat;
	d->nfix = fix->nfix;
	for (size_t i = 0; i < fix->nfix; i++)
		d->fix[i] = smtpdiag__str(smtpdiag__texts[fix->fix + i]);
	const struct smtpdiag__advice *set = a->nsettings || a->nfix ? a : cat;
	d->nsettings = set->nsettings;
	for (size_t i = 0; i < set->nsettings; i++)
		d->settings[i] = (enum smtpdiag_setting)smtpdiag__settings[set->settings + i];
	d->nrefs = a->nrefs;
	for (size_t i = 0; i < a->nrefs; i++)
		d->refs[i] = smtpdiag__str(smtpdiag__texts[a->refs + i]);
}

static void put_entry(struct smtpdiag_diagnosis *d, const struct smtpdiag__entry *e,
		      enum smtpdiag_matched_by by)
{
	d->category = (enum smtpdiag_category)e->category;
	d->who = (enum smtpdiag_who)(e->who < SMTPDIAG_WHO_COUNT
					     ? e->who
					     : smtpdiag__categories[e->category].who);
	d->matched_by = by;
	put_advice(d, &e->advice);
}

static void put_provider(struct smtpdiag_diagnosis *d, int provider)
{
	if (provider) {
		d->provider = smtpdiag__str(smtpdiag__providers[provider - 1].id);
		d->provider_name = smtpdiag__str(smtpdiag__providers[provider - 1].name);
	}
}

/* The provider for d: one of the user's when its marker is in the text (a
 * site knows its own servers best), else the built-in one seen first. */
static void put_provider_seen(struct smtpdiag_diagnosis *d, const struct smtpdiag_rules *u,
			      const struct matches *m)
{
	const struct smtpdiag__user_provider *p = u ? user_provider_seen(u, m) : NULL;
	if (p) {
		d->provider = p->id;
		d->provider_name = p->name;
	} else {
		put_provider(d, m->provider);
	}
}

/* What a rule decides, whether built in or the user's. `alone` is the
 * severity of a failure given by words alone, or SEVERITY_FROM_CODE. */
static void put_rule(struct smtpdiag_diagnosis *d, int cls, const char *id, int category,
		     int who, int severity, int alone, const uint16_t *codes,
		     size_t ncodes)
{
	d->category = (enum smtpdiag_category)category;
	d->who = (enum smtpdiag_who)who;
	d->matched_by = SMTPDIAG_BY_TEXT;
	d->rule = id;
	/* A paste without code or status: the rule's own code tells, or the
	 * severity its words carry alone. */
	if (!cls && ncodes && codes[0])
		d->severity = class_severity(codes[0] < 10 ? codes[0] : codes[0] / 100);
	else if (!cls && alone != SMTPDIAG__SEVERITY_FROM_CODE)
		d->severity = (enum smtpdiag_severity)alone;
	if (severity != SMTPDIAG__SEVERITY_FROM_CODE) {
		d->severity_overridden = cls && severity != (int)d->severity;
		d->severity = (enum smtpdiag_severity)severity;
	}
}

static void put_user_rule(struct smtpdiag_diagnosis *d, int cls,
			  const struct smtpdiag__user_rule *u)
{
	const struct smtpdiag__advice_def *a = &u->def.advice;
	static const struct smtpdiag__advice none;
	put_rule(d, cls, u->id, u->def.category, u->def.who, u->def.severity,
		 SMTPDIAG__SEVERITY_FROM_CODE, u->def.codes, u->def.ncodes);
	put_advice(d, &none); /* the category's, then the rule's own over it */
	if (a->cause)
		d->cause = a->cause;
	if (a->nfix || a->nsettings) {
		d->nfix = a->nfix;
		memcpy(d->fix, a->fix, a->nfix * sizeof *a->fix);
		d->nsettings = a->nsettings;
		for (size_t i = 0; i < a->nsettings; i++)
			d->settings[i] = (enum smtpdiag_setting)a->settings[i];
	}
	d->nrefs = a->nrefs;
	memcpy(d->refs, a->refs, a->nrefs * sizeof *a->refs);
}

/* Does the text name an IP address: a dotted quad, "IP=" or the word "IP"? */
static int names_ip(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (i && smtpdiag__is_alnum((unsigned char)s[i - 1]))
			continue;
		if ((s[i] == 'I' || s[i] == 'i') && (s[i + 1] == 'P' || s[i + 1] == 'p') &&
		    (i + 2 == n || !smtpdiag__is_alnum((unsigned char)s[i + 2])))
			return 1;
		size_t j = i, dots = 0;
		for (size_t digits = 0; j < n && dots < 4; j++) {
			if (smtpdiag__is_digit((unsigned char)s[j]) && digits < 3)
				digits++;
			else if (s[j] == '.' && digits && dots < 3)
				digits = 0, dots++;
			else
				break;
		}
		if (dots == 3 && smtpdiag__is_digit((unsigned char)s[j - 1]))
			return 1;
	}
	return 0;
}

/* d becomes category c, with c's advice. */
static void recategorize(struct smtpdiag_diagnosis *d, enum smtpdiag_category c)
{
	d->category = c;
	d->who = (enum smtpdiag_who)smtpdiag__categories[c].who;
	put_advice(d, &smtpdiag__categories[c].advice);
}

/* A bare refusal ("553 Mail from 192.0.2.1 not allowed", "554 IP=192.0.2.1
 * - A problem occurred") that the reply's frame or code reads as a policy
 * block, or as no more than a refusal, refuses the client's address: its
 * reputation. */
static void refused_ip(const struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d)
{
	int bare = d->category == SMTPDIAG_CAT_UNKNOWN && d->matched_by == SMTPDIAG_BY_CODE;
	if ((d->category == SMTPDIAG_CAT_POLICY || bare) && names_ip(r->text, r->text_len))
		recategorize(d, SMTPDIAG_CAT_REPUTATION);
}

/* smtpdiag_classify_with; *framed (when not NULL) tells whether a frame
 * (a wrapper rule or words) decided. */
/* The diagnosis of a rule that decided. */
static void put_found_rule(struct smtpdiag_diagnosis *d, int cls, const struct smtpdiag_rules *rules,
			   const struct matches *m, const struct smtpdiag__rule *rule)
{
	put_rule(d, cls, smtpdiag__str(rule->id), rule->category, rule->who, rule->severity,
		 rule->alone, smtpdiag__codes + rule->codes, rule->ncodes);
	put_advice(d, &rule->advice);
	if (rule->provider)
		put_provider(d, rule->provider);
	else
		put_provider_seen(d, rules, m);
}

/* A success that a rule names by its code, or -1: a content filter's "250
 * 2.7.0 Ok, discarded ... INFECTED" for a message it dropped, of which no
 * bounce will tell. Only a rule that names the code may turn a success into
 * a failure. */
static int success_named(const struct smtpdiag_reply *r, const struct matches *m)
{
	int best[SMTPDIAG__NLAYERS];
	long chars[SMTPDIAG__NLAYERS];
	best_rules(r, m, best, chars);
	int k = best[SMTPDIAG__LAYER_RULES];
	if (k < 0 || !r->code)
		return -1;
	const struct smtpdiag__rule *rule = &smtpdiag__rules[k];
	for (size_t i = 0; i < rule->ncodes; i++)
		if (smtpdiag__codes[rule->codes + i] == r->code)
			return k;
	return -1;
}

/* The entry of a status; for a detail the registry does not hold (a
 * provider's own, "5.7.650"), its subject's, X.S.0: "the subject sub-code
 * classifies the status" (RFC 3463, 2). */
static const struct smtpdiag__entry *status_or_subject(struct smtpdiag_status st)
{
	const struct smtpdiag__entry *e = smtpdiag__status_entry(st);
	if (!e && st.detail) {
		st.detail = 0;
		e = smtpdiag__status_entry(st);
	}
	return e;
}

static int classify_new(const struct smtpdiag_rules *rules, const struct smtpdiag_reply *r,
			struct smtpdiag_diagnosis *d, int *framed)
{
	struct matches m;
	const struct smtpdiag__entry *e;
	const struct smtpdiag__user_rule *user;
	int k;

	if (!r || !d)
		return SMTPDIAG_EINVAL;
	int cls = r->code ? r->code / 100 : r->status.cls;
	memset(d, 0, sizeof *d);
	d->code_meaning = smtpdiag_code_meaning(r->code);
	d->status_meaning = smtpdiag_status_meaning(r->status);
	d->severity = class_severity(cls);

	char folded[SMTPDIAG_TEXT_MAX]; /* for a user's rules */
	find_phrases(r->text, r->text_len, &m, rules ? folded : NULL); /* the provider, even of a success */

	if (cls && d->severity == SMTPDIAG_SUCCESS && (k = success_named(r, &m)) >= 0) {
		put_found_rule(d, cls, rules, &m, &smtpdiag__rules[k]);
		return 0;
	}
	if (cls && d->severity == SMTPDIAG_SUCCESS) {
		d->category = SMTPDIAG_CAT_OK;
		d->who = (enum smtpdiag_who)smtpdiag__categories[SMTPDIAG_CAT_OK].who;
		d->matched_by = r->code ? SMTPDIAG_BY_CODE : SMTPDIAG_BY_STATUS;
		e = r->code ? smtpdiag__code_entry(r->code) : NULL;
		put_advice(d, e ? &e->advice : &smtpdiag__categories[SMTPDIAG_CAT_OK].advice);
		put_provider_seen(d, rules, &m);
		return 0;
	}
	if (rules && (user = best_user_rule(rules, r, &m))) {
		put_user_rule(d, cls, user);
		if (user->user_provider) {
			d->provider = user->user_provider->id;
			d->provider_name = user->user_provider->name;
		} else if (user->builtin_provider) {
			put_provider(d, user->builtin_provider);
		} else {
			put_provider_seen(d, rules, &m);
		}
		return 0;
	}
	/* A provider's or MTA's rule decides; else the words, where the
	 * status yields to them; else a program's wrapper rule; else the
	 * status, then the code. */
	int best[SMTPDIAG__NLAYERS];
	long chars[SMTPDIAG__NLAYERS];
	best_rules(r, &m, best, chars);
	k = best[SMTPDIAG__LAYER_RULES];
	int w = best[SMTPDIAG__LAYER_WORDS];
	/* a rule of a wording that servers use in several senses ("sender
	 * rejected", "blacklisted") gives way to longer words that say which,
	 * when they name another category; its code agreeing does not weigh */
	if (k >= 0 && smtpdiag__rules[k].general && w >= 0 &&
	    smtpdiag__rules[w].category != smtpdiag__rules[k].category &&
	    chars[SMTPDIAG__LAYER_WORDS] > chars[SMTPDIAG__LAYER_RULES])
		k = -1;
	if (k < 0 && w >= 0)
		k = w;
	/* a frame around the server's words decides when the words inside it
	 * do not, and the server gave no status, one that says nothing (X.0.0)
	 * or one that agrees with it; a catch-all one (X.7.1) says more */
	if (k < 0 && best[SMTPDIAG__LAYER_WRAPPERS] >= 0 &&
	    frame_fits(r, &smtpdiag__rules[best[SMTPDIAG__LAYER_WRAPPERS]]) &&
	    !code_says_more(r, &smtpdiag__rules[best[SMTPDIAG__LAYER_WRAPPERS]])) {
		k = best[SMTPDIAG__LAYER_WRAPPERS];
		if (framed)
			*framed = 1;
	}
	if (k >= 0) {
		const struct smtpdiag__rule *rule = &smtpdiag__rules[k];
		put_found_rule(d, cls, rules, &m, rule);
		/* without code or status, a rule that says nothing of how lasting
		 * its failure is ("inbox is full") takes the severity of the
		 * family of words that read the same cause */
		if (!cls && !rule->ncodes && rule->severity == SMTPDIAG__SEVERITY_FROM_CODE &&
		    rule->alone == SMTPDIAG__SEVERITY_FROM_CODE && w >= 0 && w != k &&
		    smtpdiag__rules[w].category == rule->category &&
		    smtpdiag__rules[w].alone != SMTPDIAG__SEVERITY_FROM_CODE)
			d->severity = (enum smtpdiag_severity)smtpdiag__rules[w].alone;
		if (rule->layer == SMTPDIAG__LAYER_WRAPPERS)
			refused_ip(r, d);
		return 0;
	}
	put_provider_seen(d, rules, &m);
	/* a code that names its cause ("535": the credentials) says more than
	 * a status that yields to words of that cause: "534 5.7.14" is a
	 * login refused, not the trust between servers 5.7.14 names */
	const struct smtpdiag__entry *c = r->code ? smtpdiag__code_entry(r->code) : NULL;
	if (r->status.cls && (e = status_or_subject(r->status)) &&
	    e->category != SMTPDIAG_CAT_UNKNOWN &&
	    !(c && c->decides && (e->yields >> c->category & 1))) {
		put_entry(d, e, SMTPDIAG_BY_STATUS);
		return 0;
	}
	if (r->code && (e = smtpdiag__code_entry(r->code))) {
		put_entry(d, e, SMTPDIAG_BY_CODE);
		refused_ip(r, d);
		return 0;
	}
	if (r->status.cls && (e = status_or_subject(r->status))) {
		put_entry(d, e, SMTPDIAG_BY_STATUS);
		return 0;
	}
	recategorize(d, SMTPDIAG_CAT_UNKNOWN);
	d->matched_by = r->code ? SMTPDIAG_BY_CODE : SMTPDIAG_BY_STATUS;
	if (!cls) {
		d->severity = SMTPDIAG_PERMANENT;
		return SMTPDIAG_ENOMATCH;
	}
	return 0;
}

/* Is d an expiry's or a delay's report (X.4.7, "delivery time expired")? */
static int expired(const struct smtpdiag_reply *r, const struct smtpdiag_diagnosis *d)
{
	return r->status.subject == 4 && r->status.detail == 7 && d->severity != SMTPDIAG_SUCCESS;
}

/* A reply of X.4.0 ("other or undefined network or routing status") that
 * quotes the reply the next hop gave (Exchange's "451 4.4.0 Primary target
 * IP address responded with: \"554 ...\""): the quoted reply is the
 * server's own. */
static void quoted_reply(const char *buf, size_t len, struct smtpdiag_reply *r)
{
	struct smtpdiag_reply inner;
	size_t pos = r->start + 3, end = r->end < len ? r->end : len;
	if (r->status.subject != 4 || r->status.detail != 0)
		return;
	while (smtpdiag_parse(buf, end, &pos, &inner) == 0)
		if (inner.code && smtpdiag__is_failure(&inner) && inner.start > 0 &&
		    (buf[inner.start - 1] == '"' || buf[inner.start - 1] == '\'')) {
			*r = inner;
			return;
		}
}

/* The failure an expiry's report quotes: if its words tell a cause, d
 * becomes it with d's severity kept. */
static void take_cause(const struct smtpdiag_rules *rules, const struct smtpdiag_reply *inner,
		       struct smtpdiag_diagnosis *d)
{
	struct smtpdiag_diagnosis last;
	int framed = 0;
	if (classify_new(rules, inner, &last, &framed) != 0 ||
	    last.matched_by != SMTPDIAG_BY_TEXT || last.category == SMTPDIAG_CAT_UNKNOWN)
		return;
	enum smtpdiag_severity severity = d->severity;
	*d = last;
	d->severity = severity;
}

/* The same, for the first failed reply in text[pos, len). */
static void cause_in(const struct smtpdiag_rules *rules, const char *text, size_t len,
		     size_t pos, struct smtpdiag_diagnosis *d)
{
	struct smtpdiag_reply inner;
	while (smtpdiag_parse(text, len, &pos, &inner) == 0)
		if (inner.code && smtpdiag__is_failure(&inner)) {
			quoted_reply(text, len, &inner);
			take_cause(rules, &inner, d);
			return;
		}
}

/* The report of a message that expired, quoting the failure it last met
 * (Momentum's "554 5.4.7 [internal] message timeout (last transfail: 454
 * 4.4.4 [internal] no MX or A for domain)", Amazon SES's "554 4.4.7 Message
 * expired: unable to deliver in 840 minutes.<451 4.7.651 ... rate limited
 * due to IP reputation ...>"): that failure is the cause, and its words
 * decide; the expiry keeps the severity. Only an expiry's report (X.4.7,
 * "delivery time expired") is read so. */
static void last_failure(const struct smtpdiag_rules *rules, const struct smtpdiag_reply *r,
			 struct smtpdiag_diagnosis *d)
{
	static const char mark[] = "last transfail: ";
	struct smtpdiag_reply inner;
	if (!expired(r, d))
		return;
	const char *at = strstr(r->text, mark);
	if (!at) {
		cause_in(rules, r->text, r->text_len, 1, d);
		return;
	}
	at += sizeof mark - 1; /* its reply, which may have no code of its own */
	if (smtpdiag_reply_from_text(at, r->text_len - (size_t)(at - r->text), &inner) == 0)
		take_cause(rules, &inner, d);
}

/* classify_new, or the diagnosis of the same reply remembered (memo.c);
 * hash: smtpdiag__reply_hash(r). */
static int classify_hashed(const struct smtpdiag_rules *rules, const struct smtpdiag_reply *r,
			   uint64_t hash, struct smtpdiag_diagnosis *d, int *framed)
{
	int k, was_framed = 0;
	unsigned long serial = rules ? rules->serial : 0;
	if (!r || !d)
		return SMTPDIAG_EINVAL;
	unsigned set = smtpdiag__memo_set(serial, hash); /* the text hashed once */
	if (!smtpdiag__memo_get(set, serial, r, d, &was_framed, &k)) {
		k = classify_new(rules, r, d, &was_framed);
		if (k == 0)
			last_failure(rules, r, d);
		smtpdiag__memo_put(set, serial, r, d, was_framed, k);
	}
	if (framed)
		*framed = was_framed;
	return k;
}

static int classify(const struct smtpdiag_rules *rules, const struct smtpdiag_reply *r,
		    struct smtpdiag_diagnosis *d, int *framed)
{
	return classify_hashed(rules, r, r ? smtpdiag__reply_hash(r) : 0, d, framed);
}

int smtpdiag__classify_hashed(const struct smtpdiag_rules *rules, const struct smtpdiag_reply *r,
			      uint64_t hash, struct smtpdiag_diagnosis *d, int *framed)
{
	return classify_hashed(rules, r, hash, d, framed);
}

int smtpdiag_classify_with(const struct smtpdiag_rules *rules,
			   const struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d)
{
	return classify(rules, r, d, NULL);
}

int smtpdiag_classify(const struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d)
{
	return smtpdiag_classify_with(NULL, r, d);
}

/* As Swift Mailer's "got code \"550\", with message \"550 5.7.60 ...\"". */
int smtpdiag__said_later(const char *buf, size_t len, size_t before,
			 struct smtpdiag_reply *r)
{
	struct smtpdiag_reply later;
	size_t pos = r->end;
	if (r->text_len || r->status.cls)
		return 0;
	while (smtpdiag_parse(buf, len, &pos, &later) == 0 && later.start < before)
		if (later.code == r->code && (later.text_len || later.status.cls)) {
			*r = later;
			return 1;
		}
	return 0;
}

/* A log line's field names ("relay=", "status=", "delays=") are no words of
 * the failure: written as blanks, "relay=mx.example.org ... refused to
 * talk to me" does not read as relaying refused. */
static void blank_field_names(struct smtpdiag_reply *r)
{
	for (size_t i = 0; i < r->text_len; i++) {
		if (r->text[i] != '=')
			continue;
		size_t k = i;
		while (k > 0 && ((r->text[k - 1] >= 'a' && r->text[k - 1] <= 'z') || r->text[k - 1] == '_'))
			k--;
		if (k < i && (k == 0 || r->text[k - 1] == ' ' || r->text[k - 1] == ','))
			memset(r->text + k, ' ', i + 1 - k);
	}
}

/* The reply's own words told nothing (its code, its status or a frame such as
 * "Service unavailable" decided): the words around it may, as a bounce's
 * "... because it's too large" around a bare "552". The reply keeps its
 * code, status and text. */
void smtpdiag__read_around(const struct smtpdiag_rules *rules, const char *buf, size_t len,
			   const struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d,
			   int framed)
{
	struct smtpdiag_reply all;
	struct smtpdiag_diagnosis around;
	int around_framed = 0;
	if ((d->matched_by == SMTPDIAG_BY_TEXT && !framed) || (r->start == 0 && r->end >= len))
		return;
	smtpdiag_reply_from_text(buf, len, &all);
	blank_field_names(&all);
	all.code = r->code;
	all.status = r->status;
	memcpy(all.command, r->command, sizeof all.command);
	if (classify(rules, &all, &around, &around_framed) == 0 &&
	    around.matched_by == SMTPDIAG_BY_TEXT && !around_framed)
		*d = around;
}

/* A report's "Status: 5.0.0", or a gateway's "5.1.0 - Unknown address
 * error", followed by a reply with its code ("Diagnostic-Code: smtp; 550
 * ...", "550-'5.1.1 ...'") is the reporter's summary of that reply: the reply
 * is the server's own. */
static void coded_later(const char *buf, size_t len, struct smtpdiag_reply *r)
{
	struct smtpdiag_reply later;
	size_t pos = r->start + 1, k = r->start; /* the reply may be in the status's text */
	while (k > 0 && (buf[k - 1] == ' ' || buf[k - 1] == '\t'))
		k--;
	if (r->code || ((k < 7 || !smtpdiag__equal_fold(buf + k - 7, "status:", 7)) &&
			(r->text_len < 2 || r->text[0] != '-' || r->text[1] != ' ')))
		return;
	while (smtpdiag_parse(buf, len, &pos, &later) == 0)
		if (later.code && smtpdiag__is_failure(&later)) {
			*r = later;
			return;
		}
}

/* A reply without a status followed by the same code with one ("550 Unknown
 * user" ... "550 5.1.1 <a@b>... User unknown", a transcript and the MTA's
 * own line for it): the status is that reply's. */
static void status_later(const char *buf, size_t len, struct smtpdiag_reply *r)
{
	struct smtpdiag_reply later;
	size_t pos = r->end;
	if (!r->code || r->status.cls)
		return;
	while (smtpdiag_parse(buf, len, &pos, &later) == 0)
		if (later.code == r->code && later.status.cls) {
			r->status = later.status;
			return;
		}
}

/* A code a program puts before its own words, with the server's reply
 * inside them ("(550) Email sending error: Expected response code \"250\"
 * but got code \"550\", with message \"550 5.6.0 Email must contain a
 * body\""): the reply inside, with its status, is the server's. */
static void reply_inside(const char *buf, size_t len, struct smtpdiag_reply *r)
{
	struct smtpdiag_reply inner;
	size_t pos = r->start + 3, end = r->end < len ? r->end : len;
	if (!r->code || r->status.cls)
		return;
	while (smtpdiag_parse(buf, end, &pos, &inner) == 0)
		if (inner.code == r->code && inner.status.cls) {
			*r = inner;
			return;
		}
}

static int diagnose_reply(const struct smtpdiag_rules *rules, const char *buf,
			  size_t len, struct smtpdiag_reply *r,
			  struct smtpdiag_diagnosis *d)
{
	coded_later(buf, len, r);
	smtpdiag__said_later(buf, len, len, r);
	status_later(buf, len, r);
	reply_inside(buf, len, r);
	quoted_reply(buf, len, r);
	int framed = 0;
	int k = classify(rules, r, d, &framed);
	if (k == 0)
		smtpdiag__read_around(rules, buf, len, r, d, framed);
	/* an expiry or delay whose report gives the last reply met after it
	 * (Exchange: "returned '400 4.4.7 Message delayed'", then the attempt's
	 * "451 4.4.0 Primary target IP address responded with: ...") */
	if (k == 0 && expired(r, d) && d->category == SMTPDIAG_CAT_NETWORK)
		cause_in(rules, buf, len, r->end, d);
	return k;
}

/* Does buf[0, n) say that something failed: "error", "failed", "exception",
 * "expected"; or, in any language, print the last reply's code in brackets
 * before its own message, as Roundcube's "SMTP Fehler (250): Die
 * Authentisierung ist fehlgeschlagen" does? */
static int says_failed(const char *buf, size_t n)
{
	static const char *const words[] = { "error", "fail", "exception", "expected" };
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '(' && i > 0 && buf[i - 1] == ' ' && i + 6 <= n && buf[i + 1] == '2' &&
		    smtpdiag__is_digit((unsigned char)buf[i + 2]) &&
		    smtpdiag__is_digit((unsigned char)buf[i + 3]) && buf[i + 4] == ')' &&
		    (buf[i + 5] == ':' || (i + 7 <= n && buf[i + 5] == ' ' && buf[i + 6] == ':')))
			return 1;
		for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
			size_t k = strlen(words[w]);
			if (i + k <= n && smtpdiag__equal_fold(buf + i, words[w], k))
				return 1;
		}
	}
	return 0;
}

/* An event's reason written as one CamelCase word ("SoftBounceMailboxFull",
 * "SPFProblem", as email service providers name their bounce classes),
 * into out as words ("Soft Bounce Mailbox Full"): its length, or 0 when s
 * is no such word. */
static size_t camel_words(const char *s, size_t n, char *out, size_t cap)
{
	size_t w = 0, humps = 0;
	while (n && (*s == ' ' || *s == '"'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '"' || s[n - 1] == '\n'))
		n--;
	if (n < 4 || 2 * n > cap)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
		if (!upper && !lower)
			return 0;
		if (i && upper && ((s[i - 1] >= 'a' && s[i - 1] <= 'z') ||
				   (i + 1 < n && s[i + 1] >= 'a' && s[i + 1] <= 'z' &&
				    s[i - 1] >= 'A' && s[i - 1] <= 'Z'))) {
			out[w++] = ' ';
			humps++;
		}
		out[w++] = (char)c;
	}
	return humps ? w : 0;
}

static int reply_class(const struct smtpdiag_reply *r)
{
	return r->code ? r->code / 100 : r->status.cls;
}

/* A transient failure that a permanent one follows, as a bounce's
 * transcript shows each server tried ("<<< 450 busy" ... "<<< 550 5.1.1 User
 * unknown"): the permanent one ended the delivery, so it decides. Not a 503
 * ("need RCPT command"), which only follows from an earlier refusal. */
static void permanent_later(const char *buf, size_t len, struct smtpdiag_reply *r)
{
	struct smtpdiag_reply later;
	size_t pos = r->end;
	if (reply_class(r) != 4)
		return;
	while (smtpdiag_parse(buf, len, &pos, &later) == 0)
		if (reply_class(&later) == 5 && later.code != 503) {
			*r = later;
			return;
		}
}

/* The family that the words of the family d was read by are when they
 * answer the message's data (its `after-data`), or NULL. */
static const struct smtpdiag__rule *after_data(const struct smtpdiag_diagnosis *d)
{
	for (size_t k = 0; d->rule && k < SMTPDIAG__NRULES; k++)
		if (smtpdiag__str(smtpdiag__rules[k].id) == d->rule)
			return smtpdiag__rules[k].after_data
				       ? &smtpdiag__rules[smtpdiag__rules[k].after_data - 1]
				       : NULL;
	return NULL;
}

void smtpdiag__before_recipient(const struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d)
{
	int by_words = d->matched_by == SMTPDIAG_BY_TEXT;
	int greeting = !strcmp(r->command, "CONNECT") || !strcmp(r->command, "EHLO") ||
		       !strcmp(r->command, "HELO");
	int data = !strcmp(r->command, "DATA") || !strcmp(r->command, "BDAT");
	int addressed = d->category == SMTPDIAG_CAT_RECIPIENT || d->category == SMTPDIAG_CAT_MAILBOX;
	const struct smtpdiag__rule *f;
	if (!strcmp(r->command, "STARTTLS") && !by_words &&
	    (addressed || d->category == SMTPDIAG_CAT_UNKNOWN)) {
		/* a bare refusal of STARTTLS ("after STARTTLS: 450 ..."),
		 * whatever its code reads as: the encryption was refused */
		recategorize(d, SMTPDIAG_CAT_TLS);
		return;
	}
	if (!addressed)
		return;
	if (data && by_words && (f = after_data(d))) {
		/* every recipient was accepted: a domain said not to exist is
		 * the one the message is from ("550 Domain may not exist or DNS
		 * check failed (in reply to end of DATA command)") */
		int cls = r->code ? r->code / 100 : r->status.cls;
		put_rule(d, cls, smtpdiag__str(f->id), f->category, f->who, f->severity, f->alone,
			 smtpdiag__codes + f->codes, f->ncodes);
		put_advice(d, &f->advice);
	} else if (!strcmp(r->command, "MAIL FROM") &&
		   (d->category == SMTPDIAG_CAT_RECIPIENT || by_words)) {
		/* the address refused is the sender's; a mailbox's words there
		 * are a sender check's ("550 Sender verify failed" over the
		 * callout's "receiving mail at a rate ...") */
		recategorize(d, SMTPDIAG_CAT_SENDER);
	} else if (((greeting || !strcmp(r->command, "MAIL FROM")) && !by_words) ||
		   (data && d->matched_by == SMTPDIAG_BY_CODE)) {
		/* no recipient was named yet, or all were accepted before the
		 * data: the code's reading ("550 mailbox unavailable", "450
		 * mailbox busy") does not apply */
		recategorize(d, SMTPDIAG_CAT_UNKNOWN);
		d->matched_by = SMTPDIAG_BY_CODE;
		refused_ip(r, d);
	}
}

static int diagnose_text(const struct smtpdiag_rules *rules, const char *buf, size_t len,
			 struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d);

/* The diagnosis of the first failure in buf; a recipient's failure that
 * the paste says answered MAIL FROM ("Mail command failed: 550 ...", "(in
 * reply to MAIL FROM command)", Exim's "after MAIL FROM:<...>") is the
 * sender's: the server refused the address the mail is from; a bare
 * refusal after STARTTLS is the encryption's. */
int smtpdiag_diagnose_with(const struct smtpdiag_rules *rules, const char *buf,
			   size_t len, struct smtpdiag_reply *r,
			   struct smtpdiag_diagnosis *d)
{
	int k = diagnose_text(rules, buf, len, r, d);
	if (k == 0 && (d->category == SMTPDIAG_CAT_RECIPIENT || d->category == SMTPDIAG_CAT_MAILBOX ||
		       d->category == SMTPDIAG_CAT_UNKNOWN)) {
		size_t n = r->end < len ? r->end : len;
		if (!r->command[0])
			smtpdiag__exim_command(buf, n, r->command, sizeof r->command,
					       smtpdiag__find_plain);
		if (!r->command[0])
			smtpdiag__program_command(buf, n, r->command, sizeof r->command,
						  smtpdiag__find_plain);
		if (!r->command[0] && r->end < len) {
			/* the reply's paragraph goes on where the reading of a
			 * bounce pasted without its indent stopped */
			const char *rest = buf + r->end;
			const char *gap = smtpdiag__find_plain(rest, len - r->end, "\n\n");
			smtpdiag__postfix_command(rest, gap ? (size_t)(gap - rest) : len - r->end,
						  r->command, sizeof r->command, smtpdiag__find_plain);
		}
		smtpdiag__before_recipient(r, d);
	}
	return k;
}

static int diagnose_text(const struct smtpdiag_rules *rules, const char *buf, size_t len,
			 struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d)
{
	size_t pos = 0, first = 0;
	int found = 0;

	if (!r || !d || (!buf && len))
		return SMTPDIAG_EINVAL;
	while (smtpdiag_parse(buf, len, &pos, r) == 0) {
		if (smtpdiag__is_failure(r)) {
			permanent_later(buf, len, r);
			struct smtpdiag_status st;
			if (!r->status.cls && smtpdiag__status_field(buf, len, &st) &&
			    st.cls == r->code / 100)
				r->status = st;
			return diagnose_reply(rules, buf, len, r, d);
		}
		if (!found++)
			first = r->start;
		/* a success's text may run on into the failure that followed it
		 * on one line (">> MAIL FROM:<a> << 250 Ok >> RCPT TO:<b> << 553
		 * ..."): look for it there */
		pos = r->start + 1;
	}
	/* a KumoMTA or maddy log record: its reply is in its fields */
	if ((smtpdiag__kumo_response(buf, len, r) || smtpdiag__maddy_response(buf, len, r)) &&
	    smtpdiag__is_failure(r))
		return smtpdiag_classify_with(rules, r, d);
	struct smtpdiag_status verdict;
	if (found && smtpdiag__status_field(buf, len, &verdict) && verdict.cls >= 4) {
		/* only successes, but a delivery report's Status says it failed
		 * ("Status: 4.0.0" ... "Diagnostic-Code: smtp; 221 2.0.0 closing
		 * connection", the last thing the server said): the report's
		 * verdict stands, read with the words of the whole */
		smtpdiag_reply_from_text(buf, len, r);
		if (r->code / 100 < 4)
			r->code = 0;
		return smtpdiag_classify_with(rules, r, d);
	}
	if (found) {
		/* only successes, but inside a program's error ("STARTTLS failed:
		 * 2.0.0 Ready to start TLS (Code: 220)", a transcript that ends
		 * "SMTP Error: Could not connect"): its words may tell */
		if (says_failed(buf, len)) {
			smtpdiag_reply_from_text(buf, len, r);
			if (r->status.cls == 2) /* a log's "dsn=2.6.0": the success */
				r->status = (struct smtpdiag_status){ 0 };
			if (smtpdiag_classify_with(rules, r, d) == 0 &&
			    d->matched_by == SMTPDIAG_BY_TEXT && d->category != SMTPDIAG_CAT_OK)
				return 0;
		}
		pos = first;
		smtpdiag_parse(buf, len, &pos, r);
		return smtpdiag_classify_with(rules, r, d);
	}
	smtpdiag_reply_from_text(buf, len, r);
	if (smtpdiag_classify_with(rules, r, d) != SMTPDIAG_ENOMATCH)
		return 0;
	char words[160];
	size_t n = camel_words(buf, len, words, sizeof words);
	if (!n)
		return SMTPDIAG_ENOREPLY;
	smtpdiag_reply_from_text(words, n, r);
	return smtpdiag_classify_with(rules, r, d) == SMTPDIAG_ENOMATCH ? SMTPDIAG_ENOREPLY : 0;
}

int smtpdiag_diagnose(const char *buf, size_t len, struct smtpdiag_reply *r,
		      struct smtpdiag_diagnosis *d)
{
	return smtpdiag_diagnose_with(NULL, buf, len, r, d);
}
