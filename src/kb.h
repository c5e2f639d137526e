/*
 * kb.h - the shape of the knowledge-base tables that src/mktables.c generates
 * from data/ into build/kb.c (with their sizes in build/kb_size.h).
 *
 * Every string lives once in one read-only pool and is named by its byte
 * offset; offset 0 is the empty string, which means "none". Lists (fix steps,
 * references, settings, codes, statuses) are runs in shared arrays, named by
 * their first index and length.
 */
#ifndef SMTPDIAG_KB_H
#define SMTPDIAG_KB_H

#include <stdint.h>

#include "smtpdiag.h"
#include "kb_format.h"
#include "kb_size.h"

/* The tables are the library's own (the shared library exports only the
 * smtpdiag_* functions): said so, code built with -fPIC reaches them
 * directly rather than through the global offset table, once a byte in
 * the matcher's loop. */
#if defined(__GNUC__)
#define SMTPDIAG__TABLE extern __attribute__((visibility("hidden")))
#else
#define SMTPDIAG__TABLE extern
#endif

/* Advice: what rules, codes, statuses and categories all carry. */
struct smtpdiag__advice {
	uint32_t cause;               /* pool offset; 0: none */
	uint16_t fix, nfix;           /* smtpdiag__texts[fix ..] */
	uint16_t refs, nrefs;         /* smtpdiag__texts[refs ..] */
	uint16_t settings, nsettings; /* smtpdiag__settings[settings ..] */
};

struct smtpdiag__rule {
	uint32_t id;          /* pool offset */
	uint16_t provider;    /* index into smtpdiag__providers + 1; 0: none */
	uint8_t category;     /* enum smtpdiag_category */
	uint8_t who;          /* enum smtpdiag_who */
	uint8_t severity;     /* enum smtpdiag_severity or SEVERITY_FROM_CODE */
	uint8_t nslots;       /* its match lines: all must be satisfied */
	uint8_t layer;        /* SMTPDIAG__LAYER_RULES, _WORDS or _WRAPPERS */
	uint8_t alone;        /* severity of its words alone, or SEVERITY_FROM_CODE */
	uint8_t composed;     /* a family's phrase of braced parts: counts as its longest part */
	uint8_t general;      /* `general yes`: longer words of the vocabulary decide over it */
	uint16_t after_data;  /* a family's `after-data`: that family's rule + 1, or 0 */
	uint16_t codes, ncodes;       /* smtpdiag__codes[codes ..] */
	uint16_t statuses, nstatuses; /* smtpdiag__statuses[statuses ..] */
	struct smtpdiag__advice advice;
};

/* A basic code's entry (code 2..5 is the class entry 2xx..5xx), or an
 * enhanced status code's (status.cls 0 is the registry's "X"). */
struct smtpdiag__entry {
	uint16_t code;
	struct smtpdiag_status status;
	uint8_t category;
	uint8_t who;          /* enum smtpdiag_who, or WHO_COUNT: the category's */
	uint8_t decides;      /* a code's: it decides over a status that yields to its category's words */
	uint32_t meaning;     /* pool offset */
	uint32_t yields;      /* a status's: bit c, words of category c decide */
	struct smtpdiag__advice advice;
};

struct smtpdiag__category {
	uint32_t title;
	uint8_t who;
	struct smtpdiag__advice advice;
};

struct smtpdiag__provider {
	uint32_t id, name;
};

struct smtpdiag__client {
	uint32_t id, name;
	uint32_t where[SMTPDIAG_SETTING_COUNT]; /* 0: see the generic profile */
};

/* Where a phrase is used: in slot `slot` of rule `rule`, or, when rule is
 * SMTPDIAG__NRULES + p, as a marker of provider p. */
struct smtpdiag__use {
	uint16_t rule;
	uint8_t slot;
	uint8_t nslots; /* the rule's, so that a match need not read the rule; 0 for a marker */
};

struct smtpdiag__phrase {
	uint16_t len;          /* folded length: a longer phrase is more specific */
	uint16_t uses, nuses;  /* smtpdiag__uses[uses ..] */
};

SMTPDIAG__TABLE const char *const smtpdiag__pool;
SMTPDIAG__TABLE const uint32_t smtpdiag__texts[];
SMTPDIAG__TABLE const uint8_t smtpdiag__settings[];
SMTPDIAG__TABLE const uint16_t smtpdiag__codes[];
SMTPDIAG__TABLE const struct smtpdiag_status smtpdiag__statuses[];

/* Rules [0, SMTPDIAG__NLISTED) are the knowledge base's rules and word
 * families, sorted by id; the rest are further phrase combinations of a
 * family (phrases with parts), under the same id. */
SMTPDIAG__TABLE const struct smtpdiag__rule smtpdiag__rules[SMTPDIAG__NRULES];
SMTPDIAG__TABLE const struct smtpdiag__entry smtpdiag__code_entries[SMTPDIAG__NCODES];
SMTPDIAG__TABLE const struct smtpdiag__entry smtpdiag__status_entries[SMTPDIAG__NSTATUSES];
SMTPDIAG__TABLE const struct smtpdiag__category smtpdiag__categories[SMTPDIAG_CAT_COUNT];
SMTPDIAG__TABLE const struct smtpdiag__provider smtpdiag__providers[];
SMTPDIAG__TABLE const struct smtpdiag__client smtpdiag__clients[SMTPDIAG__NCLIENTS];

SMTPDIAG__TABLE const struct smtpdiag__phrase smtpdiag__phrases[SMTPDIAG__NPHRASES];
SMTPDIAG__TABLE const struct smtpdiag__use smtpdiag__uses[];

/*
 * The Aho-Corasick automaton over all folded phrases, every transition
 * resolved in advance, so that a step follows no failure links and takes
 * no branch. The matcher reads a byte b as its class ac_class[b] (0: a byte
 * no phrase uses), an ASCII byte as ac_ascii_class[b], the class of the
 * byte it folds to; a run of white space may be read whole, as the state
 * after a space goes to itself on another.
 *
 * A state's name is the place of its row in ac_rows (counted in rows) <<
 * SMTPDIAG__AC_REC_BITS | the place of its record in ac_states, after its
 * SMTPDIAG__AC_LEAD first words, / SMTPDIAG__AC_REC_UNIT (records start at
 * multiples of it); the root's is 0. Both places come from the name, so
 * that a step's loads do not wait for each other. The record: a head word,
 * the class of exception i << 8 i (SMTPDIAG__AC_NO_CLASS where there is
 * none), then the next state of each exception (at most
 * SMTPDIAG__AC_EXCEPTIONS): the head's SMTPDIAG__AC_HEAD first, then three
 * more, 5, 6 and 7 words after the head, whose classes are the low bytes
 * of the word before the head when its top byte is SMTPDIAG__AC_MORE's
 * (else it is padding or the last word of the record before, which never
 * reads so: no row is numbered so high that a name's top byte is all
 * ones). Where a phrase ends,
 * the head's top byte is SMTPDIAG__AC_ENDS >> 24 (so the head holds one
 * class fewer and the word 4 after it is unused), the word before the head
 * is marked SMTPDIAG__AC_MORE, and the one before that is the place in
 * ac_out_list of the phrases that end there, longest first, two words each
 * (kb_format.h), the first word of the last one marked SMTPDIAG__AC_LAST.
 * On a class without an exception the next state is the row's at the
 * class. The shallow states, and those that would need more exceptions,
 * have a row of their own; the records are the shallow states' first,
 * then the others in depth-first order, those that English replies reach
 * before the others (src/mktables.c), and a step may read
 * SMTPDIAG__AC_EXCEPTIONS words past the last.
 */
SMTPDIAG__TABLE const uint8_t smtpdiag__ac_class[256];
SMTPDIAG__TABLE const uint8_t smtpdiag__ac_ascii_class[128]; /* of the folded byte */
SMTPDIAG__TABLE const uint32_t smtpdiag__ac_rows[SMTPDIAG__AC_ROWS * SMTPDIAG__AC_CLASSES];
/* The records are written as one string (the bytes of the words, in the
 * build machine's order), which a compiler reads many times faster than as
 * many numbers; they are read as words. */
union smtpdiag__ac_words {
	char bytes[SMTPDIAG__AC_WORDS * 4];
	uint32_t word[SMTPDIAG__AC_WORDS];
};
SMTPDIAG__TABLE const union smtpdiag__ac_words smtpdiag__ac_records;
#define smtpdiag__ac_states (smtpdiag__ac_records.word)
SMTPDIAG__TABLE const uint32_t smtpdiag__ac_out_list[];

/* lookup.c: the entry of a code (its class's when it has none), of a status
 * (class-specific first, then the registry's X.S.D); NULL when none. */
const struct smtpdiag__entry *smtpdiag__code_entry(int code);
const struct smtpdiag__entry *smtpdiag__status_entry(struct smtpdiag_status st);

static inline const char *smtpdiag__str(uint32_t off)
{
	return off ? smtpdiag__pool + off : NULL;
}

#endif
