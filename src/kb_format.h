/*
 * kb_format.h - values that the generator writes into the tables and the
 * library reads back, so both take them from here.
 */
#ifndef SMTPDIAG_KB_FORMAT_H
#define SMTPDIAG_KB_FORMAT_H

/* A rule's severity when it has none of its own. */
#define SMTPDIAG__SEVERITY_FROM_CODE 0xff

/* In a rule's code list: the rule is for failures without a reply. A class
 * ("5xx") is stored as its digit, 2..5. */
#define SMTPDIAG__CODE_NONE 0

/* The most match lines a rule may have (all must be satisfied). */
#define SMTPDIAG__MAX_SLOTS 8

/* A rule's layer: a provider's or MTA's own reply, or the vocabulary of
 * data/words/ (which decides only where no rule of the first layer does). */
#define SMTPDIAG__LAYER_RULES 0
#define SMTPDIAG__LAYER_WORDS 1
#define SMTPDIAG__LAYER_WRAPPERS 2 /* rules with `wrapper yes` */
#define SMTPDIAG__NLAYERS 3

/* The automaton's tables (kb.h): the most exceptions a state's record has,
 * the most its head word holds; in a record's head word, a phrase ends at
 * the state (its top byte, in place of a fourth exception), and the class
 * of an unused exception; the mark of the word before a head that holds
 * the classes of three more exceptions (its low bytes); the words before
 * the first record; in the list of phrases found at a state, its last,
 * and a short word that must not be read inside a longer one ("ssl" in
 * "misslyckades", "locked" in "blocked"). */
#define SMTPDIAG__AC_EXCEPTIONS 7 /* the matcher reads this many */
#define SMTPDIAG__AC_HEAD 4
#define SMTPDIAG__AC_ENDS 0xfe000000u
#define SMTPDIAG__AC_NO_CLASS 0xffu
#define SMTPDIAG__AC_MORE 0xff000000u
#define SMTPDIAG__AC_LEAD 1
#define SMTPDIAG__AC_LAST 0x80000000u
#define SMTPDIAG__AC_WORD 0x40000000u /* the phrase counts only where a word starts */
/* An entry of the list of phrases found at a state is two words: the
 * phrase's index | its length << AC_PHRASE_BITS | the marks above; then
 * where its uses start | how many << AC_USES_BITS (so that a match need
 * not read the phrase). */
#define SMTPDIAG__AC_PHRASE_BITS 18
#define SMTPDIAG__AC_LEN_BITS 12
#define SMTPDIAG__AC_USES_BITS 20
#define SMTPDIAG__WORD_MAX 6          /* ... if it is a word this short or shorter */

#endif
