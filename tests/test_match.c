/*
 * test_match.c - how the matcher chooses, on the small knowledge base of
 * tests/fixture/t.txt (linked in instead of data/, so that these rules of
 * choosing are tested apart from what data/ happens to say).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "smtpdiag.h"

struct choice {
	const char *input;
	int ret;              /* of smtpdiag_diagnose */
	const char *rule;     /* NULL: no rule decided */
	enum smtpdiag_matched_by by;
	const char *category, *severity;
	int overridden;
};

static const struct choice choices[] = {
	/* every match line must be found; case and white space do not matter */
	{ "550 5.9.9 alpha beta and more", 0, NULL, SMTPDIAG_BY_CODE, "recipient", "permanent", 0 },
	{ "550 5.9.9 alpha beta, then gamma", 0, "t.two-phrases", SMTPDIAG_BY_TEXT, "spam", "permanent", 0 },
	{ "550-5.9.9 ALPHA\t\n550 5.9.9   Beta GAMMA", 0, "t.two-phrases", SMTPDIAG_BY_TEXT, "spam", "permanent", 0 },
	/* any alternative of a line will do */
	{ "552 delta", 0, "t.alt", SMTPDIAG_BY_TEXT, "size", "permanent", 0 },
	{ "552 epsilon   zeta", 0, "t.alt", SMTPDIAG_BY_TEXT, "size", "permanent", 0 },
	/* a code constraint excludes other codes */
	{ "550 user unknown", 0, "t.coded", SMTPDIAG_BY_TEXT, "recipient", "permanent", 0 },
	{ "552 user unknown", 0, NULL, SMTPDIAG_BY_CODE, "unknown", "permanent", 0 },
	/* without a code, the rule's own code gives the severity */
	{ "user unknown", 0, "t.coded", SMTPDIAG_BY_TEXT, "recipient", "permanent", 0 },
	/* without a code, a rule that says no severity takes that of the
	 * words of its cause, or the permanent default */
	{ "box brimming, mailbox full", 0, "t.uncoded", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "box brimming", 0, "t.uncoded", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	/* more matched characters win */
	{ "550 user unknown in virtual table", 0, "t.longer", SMTPDIAG_BY_TEXT, "recipient", "permanent", 0 },
	/* a status constraint excludes other statuses, allows none */
	{ "552 5.2.2 quota", 0, "t.status", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "552 quota", 0, "t.status", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "552 5.3.4 quota", 0, NULL, SMTPDIAG_BY_CODE, "unknown", "permanent", 0 },
	/* an address's local part names a mailbox: not the server's word */
	{ "552 for quota@example.org", 0, NULL, SMTPDIAG_BY_CODE, "unknown", "permanent", 0 },
	/* so does a label of a host's name, for the vocabulary; a file's name
	 * does not, and a rule reads the label (a block list's zone) */
	{ "552 packed", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "552 from mx.packed.example.org", 0, NULL, SMTPDIAG_BY_CODE, "unknown", "permanent", 0 },
	{ "552 from packed.example.org", 0, NULL, SMTPDIAG_BY_CODE, "unknown", "permanent", 0 },
	{ "552 see packed.html", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "552 Win.Packed.Agent-1", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "552 from mx.packed.example.org, then packed", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "552 from mx.quota.example.org", 0, "t.status", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	/* without a rule: the status's entry, then the code's; X.0.0 says nothing */
	{ "550 5.2.2 zzz", 0, NULL, SMTPDIAG_BY_STATUS, "mailbox", "permanent", 0 },
	{ "452 4.2.2 zzz", 0, NULL, SMTPDIAG_BY_STATUS, "mailbox", "transient", 0 },
	{ "550 5.0.0 zzz", 0, NULL, SMTPDIAG_BY_CODE, "recipient", "permanent", 0 },
	/* a detail the registry does not hold: its subject's X.S.0 */
	{ "550 5.7.650 zzz", 0, NULL, SMTPDIAG_BY_STATUS, "policy", "permanent", 0 },
	{ "550 zzz", 0, NULL, SMTPDIAG_BY_CODE, "recipient", "permanent", 0 },
	{ "513 zzz", 0, NULL, SMTPDIAG_BY_CODE, "unknown", "permanent", 0 },
	/* a code that names no cause, refusing an IP address: its reputation */
	{ "513 zzz from 192.0.2.1", 0, NULL, SMTPDIAG_BY_CODE, "reputation", "permanent", 0 },
	/* a code that names its cause decides over a catch-all status, not over
	 * a telling one */
	{ "535 5.7.1 zzz", 0, NULL, SMTPDIAG_BY_CODE, "auth", "permanent", 0 },
	{ "535 5.2.2 zzz", 0, NULL, SMTPDIAG_BY_STATUS, "mailbox", "permanent", 0 },
	{ "451 zzz", 0, NULL, SMTPDIAG_BY_CODE, "server", "transient", 0 },
	/* a success is a success whatever its text */
	{ "250 alpha beta gamma", 0, NULL, SMTPDIAG_BY_CODE, "ok", "success", 0 },
	/* rules for failures without a reply */
	{ "the socket exploded", 0, "t.none", SMTPDIAG_BY_TEXT, "network", "transient", 0 },
	{ "550 the socket exploded", 0, NULL, SMTPDIAG_BY_CODE, "recipient", "permanent", 0 },
	{ "nothing known here", SMTPDIAG_ENOREPLY, NULL, SMTPDIAG_BY_STATUS, "unknown", "permanent", 0 },
	/* a reason written as one CamelCase word, as ESPs name bounce classes */
	{ "SoftBounceMailboxFull", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "McAfee", SMTPDIAG_ENOREPLY, NULL, SMTPDIAG_BY_STATUS, "unknown", "permanent", 0 },
	/* a provider's documented severity overrides the code's class */
	{ "550 daily limit reached", 0, "t.override", SMTPDIAG_BY_TEXT, "rate-limit", "transient", 1 },
	{ "daily limit reached", 0, "t.override", SMTPDIAG_BY_TEXT, "rate-limit", "transient", 0 },
	/* a recognised provider breaks a tie in favour of its own rule */
	{ "550 the server says no", 0, "t.a-no", SMTPDIAG_BY_TEXT, "policy", "permanent", 0 },
	{ "550 the server says no - acme.example", 0, "t.b-acme-no", SMTPDIAG_BY_TEXT, "policy", "permanent", 0 },
	/* words: whatever the case and accents, in Latin, Cyrillic and Greek */
	{ "Boîte PLEINE", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "boite pleine", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "boi\xcc\x82te pleine", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "ПОЧТОВЫЙ ЯЩИК ПЕРЕПОЛНЕН", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "ΓΡΑΜΜΑΤΟΚΙΒΏΤΙΟ ΓΕΜΆΤΟ", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	/* the capitals of Cyrillic beyond Russian's (Kazakh Ә, Қ, Ө) and of Armenian */
	{ "ПОШТА ЖӘШІГІ ТОЛЫ", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "ՓՈՍՏԱՐԿՂԸ ԼԻՔՆ Է", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	/* Vietnamese, in capitals and typed without its marks */
	{ "HỘP THƯ ĐẦY", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "hop thu day", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "\xef\xbc\xad\xef\xbc\xa1ILBOX\xe3\x80\x80" "FULL", 0, "words.full", SMTPDIAG_BY_TEXT,
	  "mailbox", "transient", 0 },
	/* words decide over a code, and over a status that yields to them */
	{ "550 mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "452 mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "550 5.7.1 mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "550 5.2.1 mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "550 5.2.2 mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	/* a telling status of another category stands */
	{ "550 5.1.3 mailbox full", 0, NULL, SMTPDIAG_BY_STATUS, "recipient", "permanent", 0 },
	/* against the longer words; shorter ones it yields to decide */
	{ "550 5.2.1 sending allowance used up, mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT,
	  "mailbox", "permanent", 0 },
	/* a phrase in parts needs every part, in any order */
	{ "554 relay from here denied", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay", "permanent", 0 },
	{ "denied: no relay", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay", "permanent", 0 },
	{ "554 5.7.1 relay", 0, NULL, SMTPDIAG_BY_STATUS, "policy", "permanent", 0 },
	/* a word that names a log line's field ("relay=", "to=") is no word of
	 * the text; a word inside a value ("(relay denied)") still is */
	{ "450 to=<a@b>, relay=mx, status=deferred (file: denied)", 0, NULL, SMTPDIAG_BY_CODE,
	  "server", "transient", 0 },
	{ "450 to=<a@b>, relay=[192.0.2.1], status=deferred (denied)", 0, NULL, SMTPDIAG_BY_CODE,
	  "server", "transient", 0 },
	{ "450 relay=mx, status=deferred (relay denied)", 0, "words.relay", SMTPDIAG_BY_TEXT,
	  "relay", "transient", 0 },
	/* a part in braces is any one of its texts */
	{ "550 forwarding refused", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay", "permanent", 0 },
	{ "550 not allowed: passing on", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay", "permanent", 0 },
	{ "550 5.7.1 forwarding", 0, NULL, SMTPDIAG_BY_STATUS, "policy", "permanent", 0 },
	/* between two as telling, the one that matched more wins */
	{ "550 resend: forwarding not allowed", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay",
	  "permanent", 0 },
	{ "550 send onward: passing on not allowed", 0, "words.daily", SMTPDIAG_BY_TEXT,
	  "rate-limit", "transient", 1 },
	/* a braced part alone is a phrase of one part */
	{ "550 relay: not for the likes of you", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay",
	  "permanent", 0 },
	/* and counts as its longest part: a phrase seen whole outweighs it */
	{ "550 mailbox full, forwarding refused", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox",
	  "permanent", 0 },
	/* '-' and '_' match a space */
	{ "550 mailbox_full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "550 Mailbox - Full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "permanent", 0 },
	{ "550 passing-on not-allowed", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay", "permanent", 0 },
	/* "did not" and "didn't" are the same words, either way */
	{ "550 the place didn't answer", 0, "words.gone", SMTPDIAG_BY_TEXT, "recipient",
	  "permanent", 0 },
	{ "550 the place didn\xe2\x80\x99t answer", 0, "words.gone", SMTPDIAG_BY_TEXT,
	  "recipient", "permanent", 0 },
	{ "550 the room is not there", 0, "words.gone", SMTPDIAG_BY_TEXT, "recipient",
	  "permanent", 0 },
	/* and so do the typeset hyphens and dashes of text copied from a page
	 * (U+2011, the non-breaking one, in "passing‑on") */
	{ "550 passing\xe2\x80\x91on not\xe2\x80\x90" "allowed", 0, "words.relay", SMTPDIAG_BY_TEXT,
	  "relay", "permanent", 0 },
	/* so do apostrophes, typed or typeset */
	{ "550 allocation d\xe2\x80\x99" "envoi", 0, "words.daily", SMTPDIAG_BY_TEXT, "rate-limit", "transient", 1 },
	{ "550 allocation d envoi", 0, "words.daily", SMTPDIAG_BY_TEXT, "rate-limit", "transient", 1 },
	/* a part may be a three-letter word */
	{ "550 SPF: allowance gone", 0, "words.daily", SMTPDIAG_BY_TEXT, "rate-limit", "transient", 1 },
	/* but a short word counts only where a word starts: not "spf" in "xspf" */
	{ "550 xspf: allowance gone", 0, NULL, SMTPDIAG_BY_CODE, "recipient", "permanent", 0 },
	{ "550 (Spf) allowance gone", 0, "words.daily", SMTPDIAG_BY_TEXT, "rate-limit", "transient",
	  1 },
	/* a family's severity overrides the class, as a rule's does */
	{ "550 sending allowance used up", 0, "words.daily", SMTPDIAG_BY_TEXT, "rate-limit",
	  "transient", 1 },
	/* a program's wrapper gives way to the words inside it, and to a telling
	 * status; it decides alone */
	{ "wrapped failure: mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox",
	  "transient", 0 },
	{ "wrapped failure: zzz", 0, "t.wrap", SMTPDIAG_BY_TEXT, "policy", "permanent", 0 },
	{ "550 5.2.2 wrapped failure", 0, NULL, SMTPDIAG_BY_STATUS, "mailbox", "permanent", 0 },
	/* a frame that says a failure is for now gives way to a code that
	 * names a cause, and says the severity when there is none */
	{ "451 failed for now", 0, NULL, SMTPDIAG_BY_CODE, "server", "transient", 0 },
	{ "failed for now", 0, "words.later", SMTPDIAG_BY_TEXT, "unknown", "transient", 0 },
	/* a refusal that a frame reads as a policy block, naming an IP
	 * address, refuses the client's address */
	{ "550 wrapped failure for 192.0.2.1", 0, "t.wrap", SMTPDIAG_BY_TEXT, "reputation",
	  "permanent", 0 },
	{ "550 wrapped failure: no access for this IP", 0, "t.wrap", SMTPDIAG_BY_TEXT,
	  "reputation", "permanent", 0 },
	{ "550 wrapped failure for zip 1.2.3", 0, "t.wrap", SMTPDIAG_BY_TEXT, "policy",
	  "permanent", 0 },
	/* a frame decides with a status its rule names */
	{ "550 5.7.1 framed by name", 0, "t.named", SMTPDIAG_BY_TEXT, "greylist", "permanent", 0 },
	/* and not at all without a code or status, when its rule is told by one */
	{ "framed by name", SMTPDIAG_ENOREPLY, NULL, SMTPDIAG_BY_STATUS, "unknown", "permanent", 0 },
	/* and with a status that says nothing */
	{ "550 5.0.0 wrapped failure", 0, "t.wrap", SMTPDIAG_BY_TEXT, "policy", "permanent", 0 },
	/* but a status of its own category leaves it the frame's advice */
	{ "550 5.7.1 wrapped failure", 0, "t.wrap", SMTPDIAG_BY_TEXT, "policy", "permanent", 0 },
	/* so do a family's wrapper words */
	{ "could not relay for bob: mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox",
	  "transient", 0 },
	{ "could not relay for bob: zzz", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay",
	  "permanent", 0 },
	/* a family's words answering the message's data are its after-data
	 * family's */
	{ "550 zone vanished (in reply to end of DATA command)", 0, "words.daily", SMTPDIAG_BY_TEXT,
	  "rate-limit", "transient", 1 },
	{ "550 zone vanished (in reply to RCPT TO command)", 0, "words.gone", SMTPDIAG_BY_TEXT,
	  "recipient", "permanent", 0 },
	{ "550 zone vanished", 0, "words.gone", SMTPDIAG_BY_TEXT, "recipient", "permanent", 0 },
	/* a rule of the first layer beats every family */
	{ "552 mailbox full over the brim", 0, "t.brim", SMTPDIAG_BY_TEXT, "size", "permanent", 0 },
	/* unless the rule's wording is a general one and longer words name
	 * another category */
	{ "452 heaped", 0, "t.general", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	{ "452 heaped high", 0, "t.general", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	/* (its agreeing code does not weigh against them) */
	{ "452 heaped: relay denied", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay", "transient", 0 },
	{ "550 heaped: relay denied", 0, "words.relay", SMTPDIAG_BY_TEXT, "relay", "permanent", 0 },
	/* a success stays a success */
	{ "250 mailbox full", 0, NULL, SMTPDIAG_BY_CODE, "ok", "success", 0 },
	/* unless a program's error wraps it and its words tell the failure */
	{ "Send failed: 250 ok, mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox",
	  "transient", 0 },
	{ "Send failed: 250 ok", 0, NULL, SMTPDIAG_BY_CODE, "ok", "success", 0 },
	/* in any language, when it prints the last reply's code in brackets
	 * before its own message (Roundcube's "SMTP Error (250): ...") */
	{ "Fehler (250): mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient",
	  0 },
	{ "Erreur (250) : mailbox full", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient",
	  0 },
	{ "Fehler (250): ok", 0, NULL, SMTPDIAG_BY_CODE, "ok", "success", 0 },
	/* the first failure of a transcript decides */
	{ "250 ok\n550 delta\n552 5.2.2 quota", 0, "t.alt", SMTPDIAG_BY_TEXT, "size", "permanent", 0 },
	{ "250 ok\n250 also ok", 0, NULL, SMTPDIAG_BY_CODE, "ok", "success", 0 },
	/* but a permanent failure after a transient one ended the delivery; a
	 * 503 only follows from a refusal */
	{ "452 zzz\n552 delta", 0, "t.alt", SMTPDIAG_BY_TEXT, "size", "permanent", 0 },
	{ "452 mailbox full\n503 zzz", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox", "transient", 0 },
	/* even when it follows a success on the same line */
	{ ">> MAIL FROM:<a@b> << 250 2.1.0 Ok >> RCPT TO:<c@d> << 552 delta", 0, "t.alt",
	  SMTPDIAG_BY_TEXT, "size", "permanent", 0 },
	/* a bare code stands for the same reply given in full later */
	{ "Expected response code 250 but got code \"552\", with message \"552 delta\"", 0,
	  "t.alt", SMTPDIAG_BY_TEXT, "size", "permanent", 0 },
	/* a report's bare status stands for the server's coded reply after it */
	{ "Action: failed Status: 5.0.0 Diagnostic-Code: smtp; 552 delta", 0, "t.alt",
	  SMTPDIAG_BY_TEXT, "size", "permanent", 0 },
	/* and a report's Status field gives its status to the Diagnostic-Code
	 * pasted with it */
	{ "Status: 5.2.2\nDiagnostic-Code: smtp; 552 zzz", 0, NULL, SMTPDIAG_BY_STATUS, "mailbox",
	  "permanent", 0 },
	/* so does a gateway's "5.1.0 - ..." summary */
	{ "5.1.0 - Unknown address error 552-'5.2.2 delta'", 0, "t.alt", SMTPDIAG_BY_TEXT, "size",
	  "permanent", 0 },
	/* a reply's status given by a later line of the same code */
	{ "<<< 550 zzz\n550 5.2.2 <a@b.example>... zzz", 0, NULL, SMTPDIAG_BY_STATUS, "mailbox",
	  "permanent", 0 },
	/* words around a reply that says nothing decide for it */
	{ "Your mailbox full, it said:\n452 zzz", 0, "words.full", SMTPDIAG_BY_TEXT, "mailbox",
	  "transient", 0 },
	{ "Your mailbox full, it said:\n550 5.1.3 zzz", 0, NULL, SMTPDIAG_BY_STATUS, "recipient",
	  "permanent", 0 },
	/* nor does a frame alone */
	{ "Your mailbox full, it said:\n452 wrapped failure", 0, "words.full", SMTPDIAG_BY_TEXT,
	  "mailbox", "transient", 0 },
	/* but never over the reply's own words */
	{ "mailbox full\n552 delta", 0, "t.alt", SMTPDIAG_BY_TEXT, "size", "permanent", 0 },
};

static void smtpdiag_diagnose__fixture_cases__chosen_as_specified(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof choices / sizeof *choices; i++) {
		const struct choice *c = &choices[i];
		struct smtpdiag_reply r;
		struct smtpdiag_diagnosis d;
		print_message("case: %s\n", c->input);
		assert_int_equal(smtpdiag_diagnose(c->input, strlen(c->input), &r, &d), c->ret);
		if (c->rule) {
			assert_non_null(d.rule);
			assert_string_equal(d.rule, c->rule);
		} else {
			assert_null(d.rule);
		}
		assert_int_equal(d.matched_by, c->by);
		assert_string_equal(smtpdiag_category_name(d.category), c->category);
		assert_string_equal(smtpdiag_severity_name(d.severity), c->severity);
		assert_int_equal(d.severity_overridden, c->overridden);
	}
}

static void smtpdiag_classify__no_rule__category_advice_fills_in(void **state)
{
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;
	assert_int_equal(smtpdiag_diagnose("550 5.2.2 zzz", 13, &r, &d), 0);
	assert_string_equal(d.cause, "Cause of mailbox.");
	assert_int_equal(d.nfix, 1);
	assert_string_equal(d.fix[0], "Fix of mailbox.");
	assert_string_equal(d.status_meaning, "Mailbox full");
	assert_string_equal(d.code_meaning, "Five-fifty");
	assert_int_equal(d.nrefs, 1);
	assert_string_equal(d.refs[0], "test");
}

static void smtpdiag_classify__code_entry__own_advice_in_order(void **state)
{
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	(void)state;
	assert_int_equal(smtpdiag_diagnose("550 zzz", 7, &r, &d), 0);
	assert_string_equal(d.cause, "Code cause.");
	assert_int_equal(d.nfix, 2);
	assert_string_equal(d.fix[0], "Code fix one.");
	assert_string_equal(d.fix[1], "Code fix two.");
	assert_int_equal(d.nsettings, 1);
	assert_int_equal(d.settings[0], SMTPDIAG_SET_RECIPIENTS_LIST);
}

static void smtpdiag_classify__class_specific_status__wins_over_x(void **state)
{
	struct smtpdiag_status four = { 4, 2, 2 }, five = { 5, 2, 2 }, none = { 5, 9, 9 };
	(void)state;
	assert_string_equal(smtpdiag_status_meaning(four), "Mailbox full, class 4");
	assert_string_equal(smtpdiag_status_meaning(five), "Mailbox full");
	assert_null(smtpdiag_status_meaning(none));
	assert_string_equal(smtpdiag_code_meaning(550), "Five-fifty");
	assert_string_equal(smtpdiag_code_meaning(554), "Class 5");
	assert_null(smtpdiag_code_meaning(600));
	assert_null(smtpdiag_code_meaning(199));
}

static void smtpdiag_classify__provider_marker__reported(void **state)
{
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	static const char in[] = "550 5.2.2 zzz acme.example";
	(void)state;
	assert_int_equal(smtpdiag_diagnose(in, sizeof in - 1, &r, &d), 0);
	assert_string_equal(d.provider, "acme");
	assert_string_equal(d.provider_name, "Acme Mail");
}

static void smtpdiag_setting_where__profile_without_key__generic_text(void **state)
{
	int other = smtpdiag_client_find("other");
	(void)state;
	assert_int_equal(smtpdiag_client_find("generic"), 0);
	assert_true(other > 0);
	assert_string_equal(smtpdiag_setting_where((size_t)other, SMTPDIAG_SET_AUTH_USERNAME),
			    "other's user name field");
	assert_string_equal(smtpdiag_setting_where((size_t)other, SMTPDIAG_SET_SERVER_HOST),
			    "where server.host");
	assert_null(smtpdiag_setting_where(99, SMTPDIAG_SET_SERVER_HOST));
	assert_int_equal(smtpdiag_client_find("nope"), SMTPDIAG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smtpdiag_diagnose__fixture_cases__chosen_as_specified),
		cmocka_unit_test(smtpdiag_classify__no_rule__category_advice_fills_in),
		cmocka_unit_test(smtpdiag_classify__code_entry__own_advice_in_order),
		cmocka_unit_test(smtpdiag_classify__class_specific_status__wins_over_x),
		cmocka_unit_test(smtpdiag_classify__provider_marker__reported),
		cmocka_unit_test(smtpdiag_setting_where__profile_without_key__generic_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
