/*
 * test_scan.c - the log scanner: its fast trigger search against the
 * byte-by-byte reference, its search for a line's keys against a naive one,
 * and every sample log of tests/logs/ against its
 * .expect file (each failure's line, category, severity and fields; nothing
 * else reported), whole and in CRLF form.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LOG_DIR "tests/logs"

/* ---- the trigger search ---------------------------------------------------- */

static unsigned long long seed = 0x2545F4914F6CDD1DULL;

static unsigned rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed >> 20);
}

static void trigger__vector_and_scalar__same_positions_and_lines(void **state)
{
	/* bytes that make and break triggers, dense enough to hit every lane,
	 * and whole trigger words now and then, in any case */
	static const char alphabet[] = "45450123.*=~-:, \n\rrRofFusUmMedDcCpPaZ9#jJiIeEszbBtTOxX\x80\xff";
	static const char *const words[] = { "rro", "fus", "fai", "Feb", "fas", "med", "cep",
					     "jec", "Disc", "Bloc", "Blo", "Bis", "drop", "Drop",
					     "dro", "tro", "expi", "exp", "eas", "xpi", "fata", "fat", "Fatb",
					     "disc", "450 ", "5.7.", "**", "==", "~*", ".*" };
	char buf[4096];
	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = rnd() % sizeof buf;
		for (size_t i = 0; i < len; i++) {
			const char *w = words[rnd() % (sizeof words / sizeof *words)];
			if (rnd() % 8 || i + strlen(w) > len) {
				buf[i] = alphabet[rnd() % (sizeof alphabet - 1)];
				continue;
			}
			for (; *w; w++, i++) /* the word, its letters' case at random */
				buf[i] = (char)(*w >= 'a' && *w <= 'z' && rnd() % 2 ? *w - 32 : *w);
			i--;
		}
		size_t from = len ? rnd() % (len + 1) : 0;
		while (from < len) {
			uint64_t nv = 0, ns = 0;
			size_t v = smtpdiag__next_trigger(buf, from, len, &nv);
			size_t s = smtpdiag__trigger_scalar(buf, from, len, &ns);
			assert_int_equal(v, s);
			assert_int_equal(nv, ns);
			from = v + 1;
		}
	}
}

static void trigger__plain_success_lines__none(void **state)
{
	static const char ok[] =
		"May  3 10:00:01 mx1 postfix/smtp[2994]: 4V5C598Zk: to=<li.wei@example.org>, "
		"relay=mx.example.net[192.0.2.27]:25, delay=8.4, delays=0.1/0/0.6/0.7, dsn=2.0.0, "
		"status=sent (250 2.0.0 OK  1714731309 a640si994qkb.45 - gsmtp)\n"
		"2024-05-03 10:15:09 1s2AbC-000123-AB => bob@example.org R=dnslookup "
		"T=remote_smtp H=mx.example.org [192.0.2.10] C=\"250 2.0.0 OK id=1s2AbC\"\n";
	uint64_t lines = 0;
	(void)state;
	assert_int_equal(smtpdiag__next_trigger(ok, 0, sizeof ok - 1, &lines), sizeof ok - 1);
	assert_int_equal(lines, 2);
}

/* ---- the keys of a line ----------------------------------------------------- */

static void keys__random_lines__first_occurrence_of_each(void **state)
{
	/* keys whose anchors share bytes and nibbles, a non-ASCII one, and
	 * lines made of their pieces, long enough for the vector test */
	static const char *const keys[] = { "to=<", "from=<", " said: ", "dsn=", "(host ",
					    "status=", ", stat=", "\xc3\xa9t\xc3\xa9", "Co",
					    "Diagnostic-Code:", "{'", "P ", "\x80\xff", "zz" };
	static const char alphabet[] = "tofrm=<>:s aid()hn,Co{'P\xc3\xa9\x80\xffzZ0";
	struct smtpdiag__keys ks;
	const char *at[SMTPDIAG_KEYS_MAX];
	char line[300];
	(void)state;
	memset(&ks, 0, sizeof ks);
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
		assert_int_equal(smtpdiag__keys_add(&ks, keys[k]), (int)k);
	for (int round = 0; round < 20000; round++) {
		size_t len = rnd() % sizeof line;
		for (size_t i = 0; i < len; i++) {
			const char *w = keys[rnd() % (sizeof keys / sizeof *keys)];
			if (rnd() % 6 || i + strlen(w) > len) {
				line[i] = alphabet[rnd() % (sizeof alphabet - 1)];
				continue;
			}
			size_t n = strlen(w) - rnd() % 2; /* now and then cut short */
			memcpy(line + i, w, n);
			i += n - 1;
		}
		smtpdiag__keys_find(&ks, line, len, at);
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
			size_t n = strlen(keys[k]), i = 0;
			while (i + n <= len && memcmp(line + i, keys[k], n))
				i++;
			assert_ptr_equal(at[k], i + n <= len ? line + i : NULL);
		}
	}
}

/* ---- sample logs ------------------------------------------------------------ */

struct expected {
	int gap; /* "~ LINE | ...": the right answer, which scan does not give yet */
	unsigned long line;
	char category[32], severity[16], recipient[256], command[32], host[256];
};

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static size_t read_expect(const char *path, struct expected *e, size_t max)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n = 0;
	assert_non_null(f);
	while (fgets(line, sizeof line, f) && n < max) {
		char *s = trim(line), *field[6];
		int k = 0;
		if (!*s || *s == '#')
			continue;
		e[n].gap = *s == '~';
		if (e[n].gap)
			s = trim(s + 1);
		for (char *p = s; k < 6; k++) {
			char *bar = strstr(p, " | ");
			field[k] = p;
			if (!bar) {
				k++;
				break;
			}
			*bar = '\0';
			p = bar + 3;
		}
		assert_int_equal(k, 6);
		e[n].line = strtoul(trim(field[0]), NULL, 10);
		snprintf(e[n].category, sizeof e[n].category, "%s", trim(field[1]));
		snprintf(e[n].severity, sizeof e[n].severity, "%s", trim(field[2]));
		snprintf(e[n].recipient, sizeof e[n].recipient, "%s", trim(field[3]));
		snprintf(e[n].command, sizeof e[n].command, "%s", trim(field[4]));
		snprintf(e[n].host, sizeof e[n].host, "%s", trim(field[5]));
		n++;
	}
	fclose(f);
	return n;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static int field_ok(const char *want, const char *got)
{
	return !strcmp(want, "-") || !strcmp(want, got);
}

/* Scan buf whole; report every difference from e[0, n). */
static int check_log(const char *name, const char *buf, size_t len,
		     const struct expected *e, size_t n)
{
	struct smtpdiag_scanner s;
	struct smtpdiag_finding f;
	size_t pos = 0, i = 0;
	int bad = 0;
	smtpdiag_scanner_init(&s);
	while (smtpdiag_scan(&s, buf, len, &pos, 1, &f) == 0) {
		const char *cat = smtpdiag_category_name(f.diagnosis.category);
		const char *sev = smtpdiag_severity_name(f.diagnosis.severity);
		while (i < n && e[i].line < f.line) {
			if (!e[i].gap) {
				print_error("%s:%lu: missed %s %s\n", name, e[i].line,
					    e[i].category, e[i].severity);
				bad++;
			}
			i++;
		}
		if (i >= n || e[i].line != f.line) {
			print_error("%s:%llu: unexpected finding %s %s: %.80s\n", name,
				    (unsigned long long)f.line, cat, sev, f.reply.text);
			bad++;
			continue;
		}
		if (!e[i].gap &&
		    (strcmp(cat, e[i].category) || strcmp(sev, e[i].severity) ||
		     !field_ok(e[i].recipient, f.recipient) ||
		     !field_ok(e[i].command, f.reply.command) || !field_ok(e[i].host, f.reply.host))) {
			print_error("%s:%lu: want %s %s %s %s %s, got %s %s %s %s %s [%s]\n", name,
				    e[i].line, e[i].category, e[i].severity, e[i].recipient,
				    e[i].command, e[i].host, cat, sev, f.recipient, f.reply.command,
				    f.reply.host, f.diagnosis.rule ? f.diagnosis.rule : "-");
			bad++;
		}
		i++;
	}
	for (; i < n; i++)
		if (!e[i].gap) {
			print_error("%s:%lu: missed %s %s\n", name, e[i].line, e[i].category,
				    e[i].severity);
			bad++;
		}
	assert_int_equal(pos, len);
	return bad;
}

/* The same log with CRLF line ends. */
static char *to_crlf(const char *buf, size_t len, size_t *out)
{
	char *c = malloc(2 * len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			c[n++] = '\r';
		c[n++] = buf[i];
	}
	*out = n;
	return c;
}

static void scan__sample_logs__exactly_the_expected_failures(void **state)
{
	static struct expected e[512];
	DIR *dir = opendir(LOG_DIR);
	int bad = 0, files = 0;
	(void)state;
	assert_non_null(dir);
	for (struct dirent *d; (d = readdir(dir));) {
		size_t k = strlen(d->d_name), len, clen;
		char path[512];
		if (k < 5 || strcmp(d->d_name + k - 4, ".log"))
			continue;
		snprintf(path, sizeof path, "%s/%.*s.expect", LOG_DIR, (int)(k - 4), d->d_name);
		size_t n = read_expect(path, e, sizeof e / sizeof *e);
		snprintf(path, sizeof path, "%s/%s", LOG_DIR, d->d_name);
		char *buf = read_file(path, &len);
		bad += check_log(path, buf, len, e, n);
		char *crlf = to_crlf(buf, len, &clen);
		bad += check_log(path, crlf, clen, e, n);
		free(crlf);
		free(buf);
		files++;
	}
	closedir(dir);
	print_message("%d sample logs, %d differences\n", files, bad);
	assert_true(files > 0);
	assert_int_equal(bad, 0);
}

/* A block that ends near a finding of several lines (tail, after padding up
 * to SMTPDIAG_SCAN_MARGIN): the scanner asks for more from the finding's
 * first line rather than split it, then finds it there and counts every line
 * once. */
static void near_block_end(const char *tail, struct smtpdiag_finding *f)
{
	size_t pad = SMTPDIAG_SCAN_MARGIN, n = 0, tail_lines = 0;
	char *buf = malloc(pad + strlen(tail) + 1);
	struct smtpdiag_scanner s;
	struct smtpdiag_finding rest;
	size_t pos = 0;
	assert_non_null(buf);
	while (n + 40 < pad) /* lines of padding */
		n += (size_t)sprintf(buf + n, "%039zu\n", n);
	size_t lines = n / 40;
	for (const char *p = tail; *p; p++)
		tail_lines += *p == '\n';
	n += (size_t)sprintf(buf + n, "%s", tail);
	smtpdiag_scanner_init(&s);
	assert_int_equal(smtpdiag_scan(&s, buf, n, &pos, 0, f), SMTPDIAG_EMORE);
	assert_int_equal(pos, lines * 40);
	assert_int_equal(s.line, lines + 1);
	assert_int_equal(smtpdiag_scan(&s, buf, n, &pos, 1, f), 0);
	assert_int_equal(f->line, lines + 1);
	assert_int_equal(smtpdiag_scan(&s, buf, n, &pos, 1, &rest), SMTPDIAG_ENOREPLY);
	assert_int_equal(s.line, lines + 1 + tail_lines);
	free(buf);
}

static void scan__reply_near_block_end__more_then_one_finding(void **state)
{
	struct smtpdiag_finding f;
	(void)state;
	near_block_end("550-5.1.1 first line\n550 5.1.1 second line\n", &f);
	assert_string_equal(f.reply.text, "first line second line");
}

/* A bounce's paragraph whose words go on below the recipient's line: the
 * finding starts at the paragraph's first line. */
static void scan__paragraph_near_block_end__from_its_first_line(void **state)
{
	struct smtpdiag_finding f;
	(void)state;
	near_block_end("<erin@example.com>: Host or domain\n    name not found. Name service error "
		       "for name=example.com type=A: Host not\n    found\n", &f);
	assert_string_equal(f.recipient, "erin@example.com");
	assert_int_equal(f.diagnosis.category, SMTPDIAG_CAT_RECIPIENT);
}

/* The one finding of a line. */
static void scan_one(const char *line, struct smtpdiag_finding *f)
{
	struct smtpdiag_scanner s;
	size_t pos = 0;
	smtpdiag_scanner_init(&s);
	assert_int_equal(smtpdiag_scan(&s, line, strlen(line), &pos, 1, f), 0);
}

/* The envelope sender that Python's SMTPSenderRefused names last among its
 * arguments. */
static void scan__sender_named__sender_field(void **state)
{
	static const struct {
		const char *line, *sender;
	} cases[] = {
		{ "Failed to send email: (553, b'5.7.1 <a@example.net>: Sender address "
		  "rejected: not owned by user b@example.com', 'a@example.net')\n", "a@example.net" },
		{ "smtplib.SMTPSenderRefused: (550, b'5.7.1 Sender refused', 'c@example.org')\n",
		  "c@example.org" },
		/* a 3-tuple whose last item is no address names no sender */
		{ "Failed: (550, b'5.7.1 Refused', 'later')\n", "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct smtpdiag_finding f;
		scan_one(cases[i].line, &f);
		assert_string_equal(f.sender, cases[i].sender);
	}
}

/* A line and the category of its one finding. */
struct line_case {
	const char *line;
	enum smtpdiag_category category;
};

static void each_line_category(const struct line_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct smtpdiag_finding f;
		print_message("line: %s", cases[i].line);
		scan_one(cases[i].line, &f);
		assert_int_equal(f.diagnosis.category, cases[i].category);
	}
}

/* A recipient's words in answer to MAIL FROM are about the sender. */
static void scan__refused_at_mail_from__the_senders(void **state)
{
	static const struct line_case cases[] = {
		{ "Jun 1 10:00:00 mx postfix/smtp[1]: 1A2B: to=<b@example.org>, dsn=5.1.1, "
		  "status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown "
		  "(in reply to MAIL FROM command))\n", SMTPDIAG_CAT_SENDER },
		{ "Error: Mail command failed: 550 Requested action not taken: mailbox "
		  "unavailable\n", SMTPDIAG_CAT_SENDER },
		/* Exim's sender callout: the RCPT TO it names asked for the sender */
		{ "2024-03-02 09:44:33 H=(test) [192.0.2.1] sender verify fail for <a@example.org>: "
		  "192.0.2.2 [192.0.2.2] : SMTP error from remote mail server after RCPT "
		  "TO:<a@example.org>: 550 Unknown user\n", SMTPDIAG_CAT_SENDER },
		{ "Jun 1 10:00:00 mx postfix/smtp[1]: 1A2B: to=<b@example.org>, dsn=5.1.1, "
		  "status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown "
		  "(in reply to RCPT TO command))\n", SMTPDIAG_CAT_RECIPIENT },
	};
	(void)state;
	each_line_category(cases, sizeof cases / sizeof *cases);
}

/* A failure that a program or a server logs in words, without a reply:
 * "failed", "fatal" and "Blocked" are among the words scan looks for. */
static void scan__failed_in_words__found(void **state)
{
	static const struct line_case cases[] = {
		{ "2020/12/03 15:55:24 delivery failed: x509: certificate signed by unknown "
		  "authority\n", SMTPDIAG_CAT_TLS },
		{ "Apr 26 10:55:19 mx postfix/smtpd[21126]: warning: laptop.local[192.0.2.2]: "
		  "SASL PLAIN authentication failed: generic failure\n", SMTPDIAG_CAT_AUTH },
		/* a Postfix program that stopped on its settings */
		{ "Mar  3 10:00:01 mx postfix/sendmail[4242]: fatal: parameter inet_interfaces: "
		  "no local interface found for ::1\n", SMTPDIAG_CAT_SERVER },
		{ "Warning: mail(): Failed to connect to mailserver at \"localhost\" port 25, "
		  "verify your \"SMTP\" and \"smtp_port\" setting in php.ini\n", SMTPDIAG_CAT_NETWORK },
		/* amavis's refusals of what it scanned */
		{ "Sep 30 05:42:49 mail amavis[7831]: (07831-02) Blocked INFECTED (Eicar-Test-Signature), "
		  "[192.0.2.5] [192.0.2.5] <a@example.com> -> <b@example.org>\n", SMTPDIAG_CAT_VIRUS },
		{ "Feb 26 09:43:26 mail amavis[9360]: (09360-09) Blocked SPAM, [192.0.2.152] "
		  "[192.0.2.152] <a@example.com> -> <b@example.org>\n", SMTPDIAG_CAT_SPAM },
	};
	(void)state;
	each_line_category(cases, sizeof cases / sizeof *cases);
}

/* A filter that took the message only to drop it: the log says "sent",
 * yet nobody received it. */
static void scan__sent_but_discarded__found(void **state)
{
	static const struct line_case cases[] = {
		{ "Dec 26 16:07:54 mail postfix/smtp[2693]: 09D5B33E2434: to=<a@example.org>, "
		  "relay=127.0.0.1[127.0.0.1]:10026, delay=1.3, delays=1.3/0/0.04/0.01, dsn=2.0.0, "
		  "status=sent (250 Virus Detected; Discarded Email)\n", SMTPDIAG_CAT_VIRUS },
	};
	struct smtpdiag_scanner s;
	struct smtpdiag_finding f;
	static const char sent[] = "Dec 26 16:07:54 mail postfix/smtp[2693]: 09D5B33E2434: "
				   "to=<a@example.org>, dsn=2.0.0, status=sent (250 Disc space "
				   "fine, queued as 4Z)\n";
	size_t pos = 0;
	(void)state;
	each_line_category(cases, sizeof cases / sizeof *cases);
	smtpdiag_scanner_init(&s);
	assert_int_equal(smtpdiag_scan(&s, sent, strlen(sent), &pos, 1, &f), SMTPDIAG_ENOREPLY);
}

/* A bare code that the line gives again in full (Swift Mailer's "got code
 * \"550\", with message \"550 5.7.1 Relaying denied\""): the full reply. */
static void scan__bare_code_given_again__the_full_reply(void **state)
{
	struct smtpdiag_finding f;
	(void)state;
	scan_one("[2024-03-20 23:27:25] production.ERROR: Expected response code \"250/251/252\" "
		 "but got code \"554\", with message \"554 5.7.1 <a@example.org>: Relay access "
		 "denied\".\n", &f);
	assert_int_equal(f.reply.code, 554);
	assert_int_equal(f.reply.status.cls, 5);
	assert_int_equal(f.diagnosis.category, SMTPDIAG_CAT_RELAY);
	/* a Postfix line cut before the ')' that closes the server's reply */
	scan_one("Nov 18 10:59:29 mail postfix/smtp[17]: E09: to=<a@example.com>, dsn=5.7.1, "
		 "status=bounced (host mx.example.com[192.0.2.27] said: 550-5.7.1 Gmail has "
		 "detected that this message is 550-5.7.1 likely unsolicited mail\n", &f);
	assert_int_equal(f.reply.code, 550);
	assert_int_equal(f.diagnosis.category, SMTPDIAG_CAT_SPAM);
}

/* A pasted failure's first words, then the server's reply a line or two
 * below: one finding, the reply's; but not a reply that says less than the
 * words, nor the next record of a log. */
static void scan__words_then_their_reply__the_reply(void **state)
{
	static const char paste[] = "Delivery failed 2 attempts: user@example.com\n"
				    "Body of message generated response:\n"
				    "421-: (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html\n";
	static const char bare[] = "The following From address failed: user@example.com\n"
				   " SMTP code: 550 Additional SMTP info: 5.1.0\n";
	static const char log[] = "2026-11-27 10:20:01 ERROR send failed: Connection unexpectedly closed\n"
				  "2026-11-27 10:25:01 ERROR SMTPDataError: (554, b'5.7.1 Message "
				  "rejected: spam score 12.4 exceeds threshold')\n";
	struct smtpdiag_scanner s;
	struct smtpdiag_finding f;
	size_t pos = 0;
	(void)state;
	scan_one(paste, &f);
	assert_int_equal(f.line, 3);
	assert_int_equal(f.diagnosis.category, SMTPDIAG_CAT_REPUTATION);
	scan_one(bare, &f);
	assert_int_equal(f.line, 1);
	assert_int_equal(f.diagnosis.category, SMTPDIAG_CAT_SENDER);
	smtpdiag_scanner_init(&s);
	assert_int_equal(smtpdiag_scan(&s, log, sizeof log - 1, &pos, 1, &f), 0);
	assert_int_equal(f.line, 1);
	assert_int_equal(f.diagnosis.category, SMTPDIAG_CAT_NETWORK);
	assert_int_equal(smtpdiag_scan(&s, log, sizeof log - 1, &pos, 1, &f), 0);
	assert_int_equal(f.line, 2);
	assert_int_equal(f.diagnosis.category, SMTPDIAG_CAT_SPAM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trigger__vector_and_scalar__same_positions_and_lines),
		cmocka_unit_test(trigger__plain_success_lines__none),
		cmocka_unit_test(keys__random_lines__first_occurrence_of_each),
		cmocka_unit_test(scan__sample_logs__exactly_the_expected_failures),
		cmocka_unit_test(scan__reply_near_block_end__more_then_one_finding),
		cmocka_unit_test(scan__paragraph_near_block_end__from_its_first_line),
		cmocka_unit_test(scan__sender_named__sender_field),
		cmocka_unit_test(scan__refused_at_mail_from__the_senders),
		cmocka_unit_test(scan__failed_in_words__found),
		cmocka_unit_test(scan__sent_but_discarded__found),
		cmocka_unit_test(scan__bare_code_given_again__the_full_reply),
		cmocka_unit_test(scan__words_then_their_reply__the_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
