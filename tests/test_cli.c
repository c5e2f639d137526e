/*
 * test_cli.c - the smtpdiag command as a script sees it: exit codes, JSON
 * fields, client profiles, output safety. Runs the built binary
 * ($SMTPDIAG, default build/smtpdiag) through the shell.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* realpath */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bin;
static const char *wrapper = ""; /* $SMTPDIAG_WRAPPER: "valgrind ..." */
static char out[1 << 16];
static char tmp[] = "/tmp/smtpdiag-cli-XXXXXX";

/* Run "BIN ARGS" through sh (stderr joined to stdout unless ARGS redirects
 * it); fills out and returns the exit status. */
static int run(const char *fmt, ...)
{
	char args[4096], cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "%s %s %s", wrapper, bin, args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* run(), and the peak memory of that one command in *kib (its own, not the
 * largest of every command run so far). */
static int run_measured(long *kib, const char *fmt, ...)
{
	char args[4096], cmd[8192], path[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof path, "%s/measured.out", tmp);
	snprintf(cmd, sizeof cmd, "exec %s %s %s > %s 2>&1", wrapper, bin, args, path);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int st;
	struct rusage ru;
	assert_int_equal(wait4(pid, &st, 0, &ru), pid);
	*kib = ru.ru_maxrss;
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct exit_case {
	const char *args;
	int status;
};

static const struct exit_case exits[] = {
	{ "explain '250 2.0.0 OK: queued as 4VZk1x2Y3z'", 0 },
	{ "explain '354 Start mail input; end with <CRLF>.<CRLF>'", 0 },
	{ "explain '421 4.7.0 Try again later, closing connection. (EHLO) a1si - gsmtp'", 2 },
	{ "explain '450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted'", 2 },
	{ "explain '550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown'", 3 },
	{ "explain 535 5.7.8 Username and Password not accepted", 3 },
	{ "explain 'nothing that looks like mail' 2>/dev/null", 1 },
	/* log lines that report no failure, though they name a body type or a
	 * client without a name */
	{ "explain 'sendmail[123]: x1: from=<a@example.com>, size=123, nrcpts=1, "
	  "bodytype=8BITMIME, proto=ESMTP' 2>/dev/null", 1 },
	{ "explain 'postfix/smtpd[12]: disconnect from unknown[192.0.2.4] ehlo=1 mail=1 "
	  "rcpt=0/1 data=0/1 commands=2/4' 2>/dev/null", 1 },
	/* words alone: the vocabulary's severity */
	{ "explain 'Mailbox full'", 2 },
	{ "explain 'No such domain'", 3 },
	{ "explain 'dial tcp 192.0.2.1:587: i/o timeout'", 2 },
	{ "explain '' 2>/dev/null", 1 },
	{ "explain < /dev/null 2>/dev/null", 1 },
	{ "explain --no-such-option 2>/dev/null", 64 },
	{ "frobnicate 2>/dev/null", 64 },
	{ "2>/dev/null", 64 },
	{ "explain --file /nonexistent/reply.txt 2>/dev/null", 66 },
	{ "explain --file /dev/null 2>/dev/null", 1 },
	{ "explain --client no-such-program 550 x 2>/dev/null", 64 },
	{ "explain --color=sometimes 550 x 2>/dev/null", 64 },
	{ "explain --file - 550 x 2>/dev/null", 64 },
	{ "explain '550 5.1.1 User unknown' > /dev/full 2>/dev/null", 74 },
	{ "--version", 0 },
	{ "--help", 0 },
	{ "explain --help", 0 },
};

static void explain__each_case__documented_exit_code(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof exits / sizeof *exits; i++) {
		print_message("smtpdiag %s\n", exits[i].args);
		assert_int_equal(run("%s", exits[i].args), exits[i].status);
	}
}

/* A failure in words alone: no code, no status, decided by the text. */
static void explain__words_alone__json_nulls_and_text(void **state)
{
	(void)state;
	assert_int_equal(run("explain --json 'Recipient address rejected: Access denied'"), 3);
	assert_non_null(strstr(out, "\"code\":null,\"status\":null,"));
	assert_non_null(strstr(out, "\"category\":\"recipient\""));
	assert_non_null(strstr(out, "\"matched_by\":\"text\""));
	/* Cyrillic in upper case, with 550: the code's class */
	assert_int_equal(run("explain --json '550 ЯЩИК ПОЛУЧАТЕЛЯ ПЕРЕПОЛНЕН'"), 3);
	assert_non_null(strstr(out, "\"category\":\"mailbox\""));
	assert_non_null(strstr(out, "\"rule\":\"words.mailbox-full\""));
}

static void explain__no_reply__says_so_on_stderr(void **state)
{
	(void)state;
	assert_int_equal(run("explain 'hello there' 2>&1 >/dev/null"), 1);
	assert_non_null(strstr(out, "no SMTP reply or mail failure recognised"));
	/* a program's report of a working connection ("SSL_connect" folds
	 * to "ssl connect", which "SSL connection" holds) */
	assert_int_equal(run("explain 'SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384' "
			     "2>/dev/null"), 1);
}

/* The keys of the top-level object, in order, comma separated. */
static void top_keys(const char *json, char *keys, size_t cap)
{
	int depth = 0, in_str = 0, key = 0;
	size_t n = 0;
	keys[0] = '\0';
	for (const char *p = json; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1]) {
				p++;
			} else if (*p == '"') {
				in_str = 0;
				if (key && n + 1 < cap)
					keys[n++] = ',';
			} else if (key && n + 1 < cap) {
				keys[n++] = *p;
			}
			continue;
		}
		if (*p == '"') {
			in_str = 1;
			key = depth == 1 && (p[-1] == '{' || p[-1] == ',');
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		}
	}
	if (n)
		n--; /* the last comma */
	keys[n] = '\0';
}

static void explain_json__google_credentials__design_fields(void **state)
{
	char keys[1024];
	(void)state;
	assert_int_equal(run("explain --json '535-5.7.8 Username and Password not accepted. "
			     "For more information, go to\n535 5.7.8  "
			     "https://support.google.com/mail/?p=BadCredentials x1sm - gsmtp'"),
			 3);
	top_keys(out, keys, sizeof keys);
	assert_string_equal(keys, "code,status,text,provider,category,severity,who,rule,"
				  "matched_by,cause,fix,settings,code_meaning,status_meaning,"
				  "references");
	assert_non_null(strstr(out, "\"code\":535,"));
	assert_non_null(strstr(out, "\"status\":\"5.7.8\","));
	assert_non_null(strstr(out, "\"provider\":\"google\","));
	assert_non_null(strstr(out, "\"category\":\"auth\","));
	assert_non_null(strstr(out, "\"severity\":\"permanent\","));
	assert_non_null(strstr(out, "\"who\":\"you\","));
	assert_non_null(strstr(out, "\"rule\":\"google.bad-credentials\","));
	assert_non_null(strstr(out, "\"matched_by\":\"text\","));
	assert_non_null(strstr(out, "\"fix\":[\""));
	assert_non_null(strstr(out, "\"settings\":[{\"key\":\"auth."));
	assert_non_null(strstr(out, "\"references\":[\""));
	/* one object on one line */
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

static void explain_json__network_failure__nulls_where_unknown(void **state)
{
	(void)state;
	assert_int_equal(run("explain --json 'Connecting to: first.hosted.in:25\n"
			     "Socket Error #10060\nConnection timed out.'"), 2);
	assert_non_null(strstr(out, "\"code\":null,"));
	assert_non_null(strstr(out, "\"status\":null,"));
	assert_non_null(strstr(out, "\"category\":\"network\","));
	assert_non_null(strstr(out, "\"code_meaning\":null,"));
	assert_non_null(strstr(out, "\"status_meaning\":null,"));
}

static void explain_json__code_alone__matched_by_code(void **state)
{
	(void)state;
	assert_int_equal(run("explain --json '554 qqqq zzzz'"), 3);
	assert_non_null(strstr(out, "\"rule\":null,"));
	assert_non_null(strstr(out, "\"matched_by\":\"code\","));
	/* a bare 450 says the action was not taken for now, not whose fault:
	 * a busy mailbox, greylisting or a policy hold */
	assert_int_equal(run("explain --json '450 try again later'"), 2);
	assert_non_null(strstr(out, "\"category\":\"unknown\",\"severity\":\"transient\""));
	/* after STARTTLS, the encryption was refused */
	assert_int_equal(run("explain --json 'SMTP error from remote mail server after STARTTLS: "
			     "450 temp problem'"), 2);
	assert_non_null(strstr(out, "\"category\":\"tls\""));
}

static void explain__stdin_transcript__first_failure_decides_others_listed(void **state)
{
	(void)state;
	assert_int_equal(run("explain < tests/fixture/transcript.txt"), 3);
	assert_non_null(strstr(out, "sender ("));
	assert_non_null(strstr(out, "Also seen:"));
	assert_non_null(strstr(out, "503 sender not yet given"));
}

/* A bounce quoted in a mail reply ("> ") or indented as a forum's code
 * block reads as the bounce itself. */
static void explain__quoted_or_indented_paste__read_as_it_was(void **state)
{
	(void)state;
	assert_int_equal(run("explain --json < tests/fixture/bounce-postfix.eml"), 3);
	char plain[sizeof out];
	memcpy(plain, out, sizeof plain);
	assert_non_null(strstr(plain, "\"recipient\":\"bob@example.org\""));
	assert_int_equal(run("explain --json --file - <<EOF\n"
			     "$(sed 's/^/> /' tests/fixture/bounce-postfix.eml)\nEOF"), 3);
	assert_string_equal(out, plain);
	assert_int_equal(run("explain --json --file - <<EOF\n"
			     "$(sed 's/^/> > /' tests/fixture/bounce-postfix.eml)\nEOF"), 3);
	assert_string_equal(out, plain);
	assert_int_equal(run("explain --json --file - <<EOF\n"
			     "$(sed 's/^/    /' tests/fixture/bounce-postfix.eml)\nEOF"), 3);
	assert_string_equal(out, plain);
	/* a transcript indented, its blank lines left with their spaces */
	assert_int_equal(run("explain --file - <<EOF\n"
			     "$(sed 's/^/\t/' tests/fixture/transcript.txt)\nEOF"), 3);
	assert_non_null(strstr(out, "503 sender not yet given"));
	/* no-break spaces copied from a web page, and tabs, are spaces */
	assert_int_equal(run("explain --json '550\xc2\xa0" "5.2.2\xe2\x80\xaf" "Mailbox\tfull'"), 3);
	assert_non_null(strstr(out, "\"status\":\"5.2.2\",\"text\":\"Mailbox full\""));
}

static void explain__paste_wrapped_at_a_width__one_reply(void **state)
{
	(void)state;
	/* a whole message keeps its lines: a quoted-printable "=" at a line's
	 * end joins the next line without a space */
	assert_int_equal(run("explain --json --file tests/fixture/bounce-qp-delay.eml"), 2);
	assert_non_null(strstr(out, "failed: Connection timeout)\""));
	assert_non_null(strstr(out, "\"category\":\"network\""));
	/* wrapped by a mail program: the words after the break are the reply's */
	assert_int_equal(run("explain --json '550 5.7.708 Service unavailable. Access denied, traffic not\n"
			     "accepted from this IP. For more information please go to\n"
			     "https://go.microsoft.com/fwlink/?LinkId=526653'"), 3);
	assert_non_null(strstr(out, "\"text\":\"Service unavailable. Access denied, traffic not "
				    "accepted from this IP. For more"));
	assert_non_null(strstr(out, "\"category\":\"reputation\""));
	/* a break where the next word would not have fitted either */
	assert_int_equal(run("explain --json 'The server said: 450 4.7.1 <user@example.com>: Recipient\n"
			     "Greylisted for 60 seconds, please try again in a few minutes\n"
			     "(in reply to RCPT TO command)'"), 2);
	assert_non_null(strstr(out, "\"text\":\"<user@example.com>: Recipient Greylisted for 60 seconds"));
	/* a code that ends a line, its words on the next */
	assert_int_equal(run("explain --json 'host mx.example.com[192.0.2.1] said: 421\n"
			     "Connection went away (in reply to MAIL FROM command)'"), 2);
	assert_non_null(strstr(out, "\"code\":421,\"status\":null,\"text\":\"Connection went away\""));
	/* lines of their own are not joined: a program's, a log's, a sentence's end */
	assert_int_equal(run("explain --json 'msmtp: recipient address user@example.com not accepted by the server\n"
			     "msmtp: server message: 550 5.1.1 <user@example.com>: Recipient address rejected\n"
			     "msmtp: could not send mail (account default from /etc/msmtprc)'"), 3);
	assert_non_null(strstr(out, "\"text\":\"<user@example.com>: Recipient address rejected\""));
	/* inside a log's open bracket every line goes on, a capital or a
	 * host's name starting the next */
	assert_int_equal(run("explain --json 'Oct 5 07:29:12 alsa0 postfix/smtp[23459]: AFEC9839:\n"
			     "to=<user@example.com>, relay=mx.example.com[192.0.2.131]:25, delay=51,\n"
			     "delays=50/0.19/0.48/0.33, dsn=5.7.0, status=bounced (host\n"
			     "mx.example.com[192.0.2.131] said: 550 5.7.0 Local Policy\n"
			     "Violation - DMARC Reject (in reply to end of DATA command))'"), 3);
	assert_non_null(strstr(out, "\"text\":\"Local Policy Violation - DMARC Reject\""));
	assert_non_null(strstr(out, "\"category\":\"email-auth\""));
}

static void explain__expired_with_last_failure__that_failure_decides(void **state)
{
	(void)state;
	/* the failure quoted decides the category, the expiry the severity */
	assert_int_equal(run("explain --json '554 5.4.7 [internal] message timeout (last transfail: "
			     "454 4.4.4 [internal] no MX or A for domain)'"), 3);
	assert_non_null(strstr(out, "\"category\":\"recipient\",\"severity\":\"permanent\""));
	assert_non_null(strstr(out, "\"rule\":\"words.unknown-domain\""));
	/* without it, the expiry is all there is */
	assert_int_equal(run("explain --json '554 5.4.7 [internal] message timeout'"), 3);
	assert_non_null(strstr(out, "\"category\":\"network\""));
}

static void explain__delay_then_last_reply__that_reply_decides(void **state)
{
	(void)state;
	/* Exchange's delay notice gives the attempt's reply on a line of its
	 * own, and that reply (4.4.0) quotes the next hop's: the quoted reply's
	 * words decide, the delay keeps the severity */
	assert_int_equal(run("explain --json \"Remote Server at mx.example.net (192.0.2.7) returned "
			     "'400 4.4.7 Message delayed'\n12/03/2026 10:10:34 - Remote Server at "
			     "mx.example.net (192.0.2.7) returned '451 4.4.0 Primary target IP address "
			     "responded with: \\\"554 Bad DNS PTR resource record.\\\" Attempted "
			     "failover to alternate host, but that did not succeed.'\""), 2);
	assert_non_null(strstr(out, "\"category\":\"reputation\",\"severity\":\"transient\""));
	/* the 4.4.0 reply alone: the quoted reply is the server's */
	assert_int_equal(run("explain --json '451 4.4.0 Primary target IP address responded with: "
			     "\"554 Bad DNS PTR resource record.\" Attempted failover to alternate "
			     "host, but that did not succeed.'"), 3);
	assert_non_null(strstr(out, "\"code\":554"));
	assert_non_null(strstr(out, "\"category\":\"reputation\""));
}

static void explain__gmail_unusual_rate__its_own_words_decide(void **state)
{
	(void)state;
	/* the deferral that says the IP is rate limited is a limit on speed */
	assert_int_equal(run("explain --json '421-4.7.28 Our system has detected an unusual rate of "
			     "unsolicited mail originating from your IP address. To protect our users "
			     "from spam, mail sent from your IP address has been temporarily rate "
			     "limited.'"), 2);
	assert_non_null(strstr(out, "\"category\":\"rate-limit\""));
	assert_non_null(strstr(out, "\"rule\":\"google.unusual-rate-limited\""));
	/* the one that says it is blocked is about the IP's standing */
	assert_int_equal(run("explain --json '421-4.7.0 Our system has detected an unusual rate of "
			     "unsolicited mail originating from your IP address. To protect our users "
			     "from spam, mail sent from your IP address has been temporarily "
			     "blocked.'"), 2);
	assert_non_null(strstr(out, "\"category\":\"reputation\""));
}

static void explain__accepted_then_discarded__not_ok(void **state)
{
	(void)state;
	/* a content filter's 250 for a message it dropped: no bounce follows,
	 * so the reply is the only word of the failure */
	assert_int_equal(run("explain --json '250 2.7.0 Ok, discarded, id=00675-01 - INFECTED: "
			     "Win.Test.EICAR_HDB-1'"), 3);
	assert_non_null(strstr(out, "\"category\":\"virus\""));
	assert_non_null(strstr(out, "\"severity\":\"permanent\""));
	assert_int_equal(run("explain --json 'status=sent (250 2.7.0 Ok, discarded, "
			     "id=15400-01-20 - SPAM)'"), 3);
	assert_non_null(strstr(out, "\"category\":\"spam\""));
	/* a plain 250 stays a success, whatever words it has */
	assert_int_equal(run("explain --json '250 2.0.0 Ok: queued as 4C09D1AADB (spam check passed)'"), 0);
	assert_non_null(strstr(out, "\"category\":\"ok\""));
}

static void explain__report_status_failed__success_reply_not_ok(void **state)
{
	(void)state;
	/* the last thing the server said was a success; the report's Status
	 * says the delivery failed, and that verdict stands */
	assert_int_equal(run("explain --json --file - <<EOF\n"
			     "Action: delayed\nStatus: 4.0.0\nDiagnostic-Code: smtp; 221 2.0.0 "
			     "mx.example.net closing connection\nEOF"), 2);
	assert_non_null(strstr(out, "\"category\":\"network\""));
	assert_non_null(strstr(out, "\"status\":\"4.0.0\""));
	assert_non_null(strstr(out, "\"code\":null"));
}

static void explain__mail_quoting_a_bounce__its_text_tells(void **state)
{
	(void)state;
	/* a person's reply that quotes a bounce, pasted whole: the header
	 * (long enough to fill a reply's text) says nothing, the quoted notice
	 * does */
	assert_int_equal(run("explain --json --file - <<EOF\n"
			     "$(for i in $(seq 30); do echo \"Received: from relay$i.example.org "
			     "(relay$i.example.org [192.0.2.$i]) by mx.example.org with ESMTP id "
			     "4TpQ2x1Z3Kz$i\"; done)\n"
			     "From: Ann <ann@example.com>\nTo: list@example.org\n"
			     "Subject: Re: [PATCH] drop the old board\n"
			     "Content-Type: text/plain; charset=utf-8\n"
			     "Content-Transfer-Encoding: quoted-printable\n\n"
			     "On Tue, Mail Delivery Subsystem wrote:\n> Recipient inbox full\n>\n"
			     "> Your message couldn't be delivered to bob@example.net. Their inbox =\n"
			     "is full.\n\nThat address is stale too.\nEOF"), 2);
	assert_non_null(strstr(out, "\"category\":\"mailbox\""));
	assert_non_null(strstr(out, "\"text\":\"On Tue, Mail Delivery Subsystem wrote:"));
}

static void explain__log_line__field_names_are_no_words(void **state)
{
	(void)state;
	/* "relay=" and "refused to talk to me" do not make relaying refused */
	assert_int_equal(run("explain --json 'Jun 29 03:14:52 mx postfix/smtp[27899]: 824067C5082: "
			     "to=<user@example.com>, relay=mail.example.com[192.0.2.43]:25, dsn=4.7.1, "
			     "status=deferred (host mail.example.com[192.0.2.43] refused to talk to me: "
			     "421 4.7.1 Intrusion prevention active for [192.0.2.42][P])'"), 2);
	assert_non_null(strstr(out, "\"category\":\"policy\""));
}

static void explain__bounce_message__first_recipient_others_listed(void **state)
{
	(void)state;
	assert_int_equal(run("explain < tests/fixture/bounce-postfix.eml"), 3);
	assert_non_null(strstr(out, "Recipient:  bob@example.org (failed)"));
	assert_non_null(strstr(out, "recipient ("));
	assert_non_null(strstr(out, "Also failed: carol@example.net  mailbox 552 5.2.2"));
	assert_int_equal(run("explain --json < tests/fixture/bounce-postfix.eml"), 3);
	assert_non_null(strstr(out, "\"category\":\"recipient\""));
	assert_non_null(strstr(out, "\"recipient\":\"bob@example.org\""));
	assert_non_null(strstr(out, "\"host\":\"mx.example.org\",\"action\":\"failed\","
				    "\"message_id\":\"<20241202100000.3F2A1@mail.example.com>\","
				    "\"original_message_id\":\"<orig-1@example.com>\","
				    "\"original_from\":\"Alice <alice@example.com>\","
				    "\"original_subject\":\"R\xc3\xa9union tomorrow\"}"));
	assert_int_equal(run("explain < tests/fixture/autoreply.eml"), 0);
	assert_non_null(strstr(out, "an automatic reply, not a delivery failure"));
}

/* Check the counters in out against the text format's grammar (OpenMetrics
 * when om): every sample belongs to the family its HELP and TYPE lines
 * declared just before, as a counter; names and labels are well formed;
 * OpenMetrics ends with "# EOF". Returns the sum of smtpdiag_failures_total. */
static unsigned long long check_metrics(const char *text, int om)
{
	char family[128] = "";
	unsigned long long failures = 0;
	int eof = 0, help = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		char line[1024];
		size_t n = (size_t)(nl - p);
		assert_true(n < sizeof line);
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		assert_false(eof); /* nothing after # EOF */
		char name[128], type[32];
		if (!strcmp(line, "# EOF")) {
			eof = 1;
		} else if (sscanf(line, "# HELP %127s", name) == 1) {
			snprintf(family, sizeof family, "%s", name);
			help = 1;
		} else if (sscanf(line, "# TYPE %127s %31s", name, type) == 2) {
			assert_true(help);
			assert_string_equal(name, family);
			assert_string_equal(type, "counter");
			assert_int_equal(strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total"),
					 !om);
			help = 0;
		} else {
			/* name{label="value",...} number */
			size_t k = strspn(line, "abcdefghijklmnopqrstuvwxyz_");
			char sample[128];
			memcpy(sample, line, k);
			sample[k] = '\0';
			char want[140];
			snprintf(want, sizeof want, om ? "%s_total" : "%s", family);
			assert_string_equal(sample, want);
			const char *q = line + k;
			if (*q == '{') {
				for (q++; *q != '}';) {
					q += strspn(q, "abcdefghijklmnopqrstuvwxyz_");
					assert_true(q[0] == '=' && q[1] == '"');
					for (q += 2; *q != '"'; q++) {
						assert_true(*q != '\0');
						if (*q == '\\')
							q++;
					}
					q++;
					if (*q == ',')
						q++;
					else
						assert_int_equal(*q, '}');
				}
				q++;
			}
			assert_int_equal(*q, ' ');
			char *end;
			unsigned long long v = strtoull(q + 1, &end, 10);
			assert_int_equal(*end, '\0');
			if (!strcmp(sample, "smtpdiag_failures_total"))
				failures += v;
		}
	}
	assert_int_equal(eof, om);
	return failures;
}

static void scan__summary_as_counters__well_formed_and_exact(void **state)
{
	(void)state;
	assert_int_equal(run("scan tests/logs/postfix.log | wc -l"), 0);
	unsigned long long findings = strtoull(out, NULL, 10);
	assert_true(findings > 5);
	assert_int_equal(run("scan --summary --format=openmetrics tests/logs/postfix.log"), 3);
	assert_int_equal(check_metrics(out, 1), findings);
	assert_non_null(strstr(out, "smtpdiag_failures_total{category=\"recipient\","
				    "severity=\"permanent\"} "));
	assert_non_null(strstr(out, "smtpdiag_provider_failures_total{provider=\"google\"} "));
	assert_int_equal(run("scan --summary --format=prometheus tests/logs/postfix.log"), 3);
	assert_int_equal(check_metrics(out, 0), findings);
	/* the counters of a merge are those of one pass */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "for l in tests/logs/postfix.log tests/logs/exim.log; do %s scan "
		 "--summary --json $l; done > %s/parts.json; true", bin, tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(run("merge --format=openmetrics %s/parts.json", tmp), 3);
	static char merged[1 << 16];
	strcpy(merged, out);
	assert_int_equal(run("scan --summary --format=openmetrics tests/logs/postfix.log "
			     "tests/logs/exim.log"), 3);
	assert_string_equal(merged, out);
	assert_int_equal(run("scan --format=openmetrics tests/logs/postfix.log 2>/dev/null"), 64);
	assert_int_equal(run("scan --summary --format=xml tests/logs/postfix.log 2>/dev/null"), 64);
}

/* Read from fd what arrives within 10 seconds, up to a newline. */
static size_t read_within(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10000) != 1)
			break;
		ssize_t got = read(fd, buf + n, cap - 1 - n);
		if (got <= 0)
			break;
		n += (size_t)got;
		if (buf[n - 1] == '\n')
			break;
	}
	buf[n] = '\0';
	return n;
}

/* Fed through a pipe, scan reports each failure as soon as its line has
 * arrived, while the writer waits before the next one. */
static void scan__live_pipe__each_finding_before_next_line(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"May  3 10:12:01 mx postfix/smtp[1]: A1: to=<bob@example.org>, dsn=5.1.1, "
		"status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown "
		"(in reply to RCPT TO command))\n",
		"May  3 10:12:02 mx postfix/smtp[1]: A2: to=<ann@example.net>, dsn=2.0.0, status=sent\n",
		"May  3 10:12:03 mx postfix/smtp[1]: A3: to=<cy@example.net>, dsn=4.2.0, "
		"status=deferred (host mx.example.net[192.0.2.2] said: 450 4.2.0 Greylisted)\n",
	};
	int in[2], out_[2];
	char cmd[1024], got[4096];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out_), 0);
	snprintf(cmd, sizeof cmd, "%s %s scan", wrapper, bin);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out_[1], 1);
		close(in[0]), close(in[1]), close(out_[0]), close(out_[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out_[1]);
	assert_int_equal(write(in[1], lines[0], strlen(lines[0])), (ssize_t)strlen(lines[0]));
	assert_true(read_within(out_[0], got, sizeof got) > 0);
	assert_non_null(strstr(got, "-:1: recipient permanent 550 5.1.1 <bob@example.org>"));
	assert_int_equal(write(in[1], lines[1], strlen(lines[1])), (ssize_t)strlen(lines[1]));
	assert_int_equal(write(in[1], lines[2], strlen(lines[2])), (ssize_t)strlen(lines[2]));
	assert_true(read_within(out_[0], got, sizeof got) > 0);
	assert_non_null(strstr(got, "-:3: greylist transient 450 4.2.0 <cy@example.net>"));
	close(in[1]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	close(out_[0]);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
}

/* Does the file hold needle within 10 seconds? */
static int appears(const char *path, const char *needle)
{
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			size_t n = fread(out, 1, sizeof out - 1, f);
			out[n] = '\0';
			fclose(f);
			if (strstr(out, needle))
				return 1;
		}
		usleep(50000);
	}
	return 0;
}

/* Is descriptor k of process pid open at path, its offset at the file's
 * end? */
static int open_at_end(pid_t pid, int k, const char *path)
{
	char name[64], target[512];
	snprintf(name, sizeof name, "/proc/%d/fd/%d", (int)pid, k);
	ssize_t n = readlink(name, target, sizeof target - 1);
	if (n <= 0 || (target[n] = '\0', strcmp(target, path)))
		return 0;
	snprintf(name, sizeof name, "/proc/%d/fdinfo/%d", (int)pid, k);
	FILE *f = fopen(name, "r");
	long long pos = -1;
	struct stat st;
	if (f) {
		if (fscanf(f, "pos: %lld", &pos) != 1)
			pos = -1;
		fclose(f);
	}
	return stat(path, &st) == 0 && pos == (long long)st.st_size;
}

/* How many threads process pid runs, or 0. */
static int threads_of(pid_t pid)
{
	char name[64], line[256];
	int n = 0;
	snprintf(name, sizeof name, "/proc/%d/status", (int)pid);
	FILE *f = fopen(name, "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* Wait (up to ten seconds) until process pid follows all its files: path
 * held open at its end, and a thread started for each of the files (it
 * starts one after opening each). A loaded machine starts it late, or
 * stops it between opening a file and seeking its end: a line written
 * before then, or a file created before the follower first looked for it,
 * would be taken as what was there before. */
static void wait_following(pid_t pid, const char *path, int files)
{
	for (int i = 0; i < 200; i++) {
		for (int k = 0; k < 16; k++)
			if (open_at_end(pid, k, path) && threads_of(pid) > files)
				return;
		usleep(50000);
	}
}

static void append(const char *path, const char *mode, const char *line)
{
	FILE *f = fopen(path, mode);
	assert_non_null(f);
	fputs(line, f);
	fclose(f);
}

/* --follow: lines appended are reported; a file renamed and replaced, one
 * truncated and written again, one created later are followed; SIGTERM ends
 * it once it has read what the files hold, with the summary and the exit
 * status of the worst failure. */
static void scan__follow__growth_rotation_truncation_new_file(void **state)
{
	(void)state;
	char log[512], later[512], rotated[512], output[512], cmd[2048], line[512];
	snprintf(log, sizeof log, "%s/follow.log", tmp);
	snprintf(later, sizeof later, "%s/later.log", tmp);
	snprintf(rotated, sizeof rotated, "%s/follow.log.1", tmp);
	snprintf(output, sizeof output, "%s/follow.out", tmp);
	append(log, "w", "May  3 10:12:00 mx postfix/smtp[1]: A0: to=<old@example.org>, dsn=5.1.1, "
			  "status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown)\n");
	for (int summary = 0; summary < 2; summary++) {
		unlink(later);
		snprintf(cmd, sizeof cmd, "exec %s %s scan --follow %s %s %s > %s 2>&1", wrapper, bin,
			 summary ? "--summary" : "", log, later, output);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		/* started at the end: the old line is not reported */
		wait_following(pid, log, 2);
		const char *who[] = { "grow", "rot", "trunc", "new" };
		for (int k = 0; k < 4; k++) {
			/* the summary's round: lines written just before the signal */
			if (summary && (k == 1 || k == 2))
				continue;
			snprintf(line, sizeof line,
				 "May  3 10:12:0%d mx postfix/smtp[1]: A%d: to=<%s@example.org>, dsn=5.1.1, "
				 "status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User "
				 "unknown (in reply to RCPT TO command))\n", k + 1, k + 1, who[k]);
			if (k == 1)
				assert_int_equal(rename(log, rotated), 0);
			if (k == 2) /* truncated in place, and a longer line written */
				append(log, "w", "");
			append(k == 3 ? later : log, k == 1 ? "w" : "a", line);
			if (summary)
				continue;
			char want[64];
			snprintf(want, sizeof want, "<%s@example.org>", who[k]);
			if (!appears(output, want))
				fail_msg("%s not reported; the output: %s", want, out);
		}
		kill(pid, SIGTERM);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 3);
		assert_true(appears(output, summary ? "2 failures (2 permanent" : "<new@example.org>"));
		assert_null(strstr(out, "old@example.org"));
		rename(rotated, log);
	}
	assert_int_equal(run("scan --from-start %s 2>/dev/null", log), 64);
	assert_int_equal(run("scan --follow 2>/dev/null"), 64);
}

/* The findings of every sample bounce, as "recipient category" rows, the
 * same read one file at a time, from an mbox and from a Maildir. */
static void scan__bounces_as_files_mbox_and_maildir__same_findings(void **state)
{
	(void)state;
	static char folder[1 << 16], mbox[1 << 16];
	const char *rows = "| cut -f4,10 | sort";
	assert_true(run("scan --tsv tests/bounces/*.eml %s", rows) <= 3);
	strcpy(folder, out);
	assert_non_null(strchr(folder, '\n'));

	char cmd[2048];
	/* one awk for all the messages: a process for each costs a second */
	snprintf(cmd, sizeof cmd,
		 "awk 'FNR == 1 { if (NR > 1) print \"\"; "
		 "print \"From MAILER-DAEMON Mon Dec  2 10:00:00 2024\" } "
		 "{ sub(/^From /, \">From \"); print } END { print \"\" }' "
		 "tests/bounces/*.eml > %s/all.mbox", tmp);
	assert_int_equal(system(cmd), 0);
	assert_true(run("scan --tsv %s/all.mbox %s", tmp, rows) <= 3);
	strcpy(mbox, out);
	assert_string_equal(mbox, folder);

	snprintf(cmd, sizeof cmd,
		 "mkdir -p %s/Maildir/cur %s/Maildir/new %s/Maildir/tmp && "
		 "awk -v dir=%s/Maildir 'FNR == 1 { if (out) close(out); i++; "
		 "out = dir \"/\" (i %% 2 ? \"new\" : \"cur\") \"/\" i \".host:2,S\" } "
		 "{ print > out }' tests/bounces/*.eml && "
		 "cp tests/fixture/bounce-postfix.eml %s/Maildir/tmp/partial", tmp, tmp, tmp, tmp, tmp);
	assert_int_equal(system(cmd), 0);
	assert_true(run("scan --tsv %s/Maildir %s", tmp, rows) <= 3);
	assert_string_equal(out, folder);

	/* a message on standard input; line numbers point into the mbox */
	assert_int_equal(run("scan < tests/fixture/bounce-postfix.eml"), 3);
	assert_non_null(strstr(out, "-:37: recipient permanent 550 5.1.1 <bob@example.org>"));
	snprintf(cmd, sizeof cmd, "(printf 'From x\n'; cat tests/fixture/autoreply.eml; echo; "
		 "printf 'From y\n'; cat tests/fixture/bounce-postfix.eml) > %s/two.mbox", tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(run("scan %s/two.mbox", tmp), 3);
	assert_non_null(strstr(out, "two.mbox:50: recipient permanent 550 5.1.1 <bob@example.org>"));
	assert_null(strstr(out, "out of the office"));
	/* a message saved with blank lines before its header is still one */
	snprintf(cmd, sizeof cmd, "(printf ' \n\n'; cat tests/fixture/bounce-postfix.eml) > %s/lead.eml",
		 tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(run("scan --json %s/lead.eml", tmp), 3);
	assert_non_null(strstr(out, "\"action\":\"failed\""));
	/* and so is a report's body pasted without its header */
	assert_int_equal(run("scan --json < tests/bounces/postfix-body-without-header.eml"), 3);
	assert_non_null(strstr(out, "\"action\":\"failed\""));
	assert_non_null(strstr(out, "\"recipient\":\"bob@example.org\""));
}

static void explain__client_profile__its_settings_path(void **state)
{
	(void)state;
	assert_int_equal(run("explain --client bulk-mailer '535 5.7.0 Failed. Incorrect "
			     "username/password'"), 3);
	assert_non_null(strstr(out, "General settings"));
	assert_int_equal(run("explain --json --client bulk-mailer '535 5.7.0 Failed. Incorrect "
			     "username/password'"), 3);
	assert_non_null(strstr(out, "General settings"));
	setenv("SMTPDIAG_CLIENT", "postfix", 1);
	assert_int_equal(run("explain '535 5.7.0 Failed. Incorrect username/password'"), 3);
	unsetenv("SMTPDIAG_CLIENT");
	assert_non_null(strstr(out, "smtp_sasl_password_maps"));
	assert_int_equal(run("clients"), 0);
	assert_non_null(strstr(out, "thunderbird"));
}

/* Write text to tmp/name; returns the path. */
static const char *tmp_file(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", tmp, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char site_rules[] =
	"rule site.quota\n"
	"match     tenant quota\n"
	"code      452\n"
	"category  rate-limit\n"
	"who       you\n"
	"cause     The tenant used its hourly allowance.\n"
	"fix       Wait an hour.\n"
	"ref       https://wiki.site.example/quota\n";

static void rules__option_env_and_config__user_rule_decides(void **state)
{
	static const char reply[] = "'452 4.5.3 tenant quota reached'";
	char dir[512], path[512];
	(void)state;
	snprintf(path, sizeof path, "%s", tmp_file("site.rules", site_rules));

	/* built in: 452 is a storage problem; the site's rule knows better */
	assert_int_equal(run("explain --json %s", reply), 2);
	assert_null(strstr(out, "site.quota"));
	assert_int_equal(run("explain --json --rules %s %s", path, reply), 2);
	assert_non_null(strstr(out, "\"category\":\"rate-limit\""));
	assert_non_null(strstr(out, "\"rule\":\"site.quota\""));
	assert_int_equal(run("explain --rules=%s %s", path, reply), 2);
	assert_non_null(strstr(out, "Decided by: text rule site.quota"));
	/* codes lists them, first */
	assert_int_equal(run("codes --rules %s 452", path), 0);
	assert_true(!strncmp(strstr(out, "rule "), "rule    site.quota ", 19));
	assert_int_equal(run("codes --json --rules %s site.quota", path), 0);
	assert_string_equal(out, "{\"kind\":\"rule\",\"code\":null,\"status\":null,"
			    "\"rule\":\"site.quota\",\"provider\":null,\"category\":\"rate-limit\","
			    "\"meaning\":null,\"cause\":\"The tenant used its hourly allowance.\","
			    "\"codes\":[452],\"statuses\":[]}\n");

	setenv("SMTPDIAG_RULES", path, 1);
	assert_int_equal(run("explain --json %s", reply), 2);
	assert_non_null(strstr(out, "\"rule\":\"site.quota\""));
	/* --rules goes before the environment: /dev/null is no rules at all */
	assert_int_equal(run("explain --json --rules /dev/null %s", reply), 2);
	assert_null(strstr(out, "site.quota"));
	assert_int_equal(run("scan --json --rules %s <<'EOF'\n"
			     "Nov  1 10:00:00 mx postfix/smtp[7]: A1: to=<a@b.example>, "
			     "relay=r.example[192.0.2.1]:25, dsn=4.5.3, status=deferred (host "
			     "r.example[192.0.2.1] said: 452 4.5.3 tenant quota reached (in reply "
			     "to RCPT TO command))\nEOF", path), 2);
	assert_non_null(strstr(out, "\"rule\":\"site.quota\""));
	unsetenv("SMTPDIAG_RULES");

	/* the configuration directory: XDG_CONFIG_HOME, else ~/.config */
	char cmd[2048], *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	snprintf(cmd, sizeof cmd, "mkdir -p %s/xdg/smtpdiag %s/home/.config/smtpdiag && "
		 "cp %s %s/xdg/smtpdiag/rules && cp %s %s/home/.config/smtpdiag/rules",
		 tmp, tmp, path, tmp, path, tmp);
	assert_int_equal(system(cmd), 0);
	snprintf(dir, sizeof dir, "%s/xdg", tmp);
	setenv("XDG_CONFIG_HOME", dir, 1);
	assert_int_equal(run("explain --json %s", reply), 2);
	assert_non_null(strstr(out, "\"rule\":\"site.quota\""));
	unsetenv("XDG_CONFIG_HOME");
	snprintf(dir, sizeof dir, "%s/home", tmp);
	setenv("HOME", dir, 1);
	assert_int_equal(run("explain --json %s", reply), 2);
	assert_non_null(strstr(out, "\"rule\":\"site.quota\""));
	/* no file in the directory: no rules, and no complaint */
	snprintf(dir, sizeof dir, "%s/empty", tmp);
	setenv("XDG_CONFIG_HOME", dir, 1);
	assert_int_equal(run("explain --json %s 2>&1", reply), 2);
	assert_null(strstr(out, "site.quota"));
	assert_int_equal(out[0], '{');
	if (home)
		setenv("HOME", home, 1);
	free(home);
}

static void rules__mistakes_or_missing_file__64_and_66(void **state)
{
	(void)state;
	const char *bad = tmp_file("bad.rules", "rule site.x\nmatch ab\ncategory spa\n"
						"who you\ncause c\nfix f\nref r\n");
	assert_int_equal(run("explain --rules %s 550 x 2>&1 >/dev/null", bad), 64);
	char want[1024];
	snprintf(want, sizeof want, "%s:3: unknown category 'spa'\n%s:2: phrase 'ab' is "
		 "shorter than 4 characters\n", bad, bad);
	assert_string_equal(out, want);
	assert_int_equal(run("scan --rules %s /dev/null 2>/dev/null", bad), 64);
	assert_int_equal(run("explain --rules %s/none.rules 550 x 2>&1 >/dev/null", tmp), 66);
	assert_non_null(strstr(out, "none.rules: No such file or directory"));
	setenv("SMTPDIAG_RULES", "/nonexistent/rules", 1);
	assert_int_equal(run("scan /dev/null 2>/dev/null"), 66);
	unsetenv("SMTPDIAG_RULES");
	assert_int_equal(run("explain --rules 2>/dev/null"), 64);
}

static void explain__escape_sequences_in_input__shown_escaped(void **state)
{
	(void)state;
	assert_int_equal(run("explain \"$(printf '550 5.1.1 evil \\033[2J\\033]0;x\\007 user')\""), 3);
	assert_null(strchr(out, '\033'));
	assert_null(strchr(out, '\007'));
	assert_non_null(strstr(out, "\\x1b[2J"));
	assert_int_equal(run("explain --json \"$(printf '550 5.1.1 bad \\033 \\377 user')\""), 3);
	assert_null(strchr(out, '\033'));
	assert_non_null(strstr(out, "\\u001b"));
	assert_non_null(strstr(out, "\\ufffd"));
}

static void explain__color__only_when_asked_or_terminal(void **state)
{
	(void)state;
	assert_int_equal(run("explain --color=always '550 5.1.1 User unknown'"), 3);
	assert_non_null(strchr(out, '\033'));
	assert_int_equal(run("explain --color=never '550 5.1.1 User unknown'"), 3);
	assert_null(strchr(out, '\033'));
	assert_int_equal(run("explain '550 5.1.1 User unknown'"), 3); /* a pipe */
	assert_null(strchr(out, '\033'));
	/* on a terminal (script(1) gives it one): colour, unless NO_COLOR says no;
	 * run() puts the binary first, so a no-op --version leads the command */
	assert_int_equal(run("--version >/dev/null; script -qec \"%s explain '550 5.1.1 User "
			     "unknown'\" /dev/null < /dev/null | grep -c \"$(printf '\\033')\"", bin), 0);
	assert_true(strtoul(out, NULL, 10) > 0);
	assert_int_equal(run("--version >/dev/null; NO_COLOR=1 script -qec \"%s explain '550 5.1.1 "
			     "User unknown'\" /dev/null < /dev/null | grep -c \"$(printf '\\033')\"", bin), 1);
	assert_string_equal(out, "0\n");
}

/* ---- scan and merge ---------------------------------------------------------- */

static const char *genlog;

static const struct exit_case scan_exits[] = {
	{ "scan < /dev/null", 0 },
	{ "scan tests/fixture/success.log", 0 },
	{ "scan tests/fixture/transcript.txt", 3 },
	{ "scan - < tests/fixture/transcript.txt", 3 },
	{ "scan /nonexistent.log tests/fixture/transcript.txt 2>/dev/null", 66 },
	{ "scan tests/fixture/transcript.txt > /dev/full 2>/dev/null", 74 },
	{ "scan --tsv --json x 2>/dev/null", 64 },
	{ "scan --bogus 2>/dev/null", 64 },
	{ "scan --help", 0 },
	{ "merge < /dev/null", 0 },
	{ "merge tests/fixture/transcript.txt 2>/dev/null", 65 },
};

static void scan__each_case__documented_exit_code(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof scan_exits / sizeof *scan_exits; i++) {
		print_message("smtpdiag %s\n", scan_exits[i].args);
		assert_int_equal(run("%s", scan_exits[i].args), scan_exits[i].status);
	}
	assert_int_equal(run("scan /nonexistent.log tests/fixture/transcript.txt 2>&1"), 66);
	assert_non_null(strstr(out, "/nonexistent.log"));
	assert_non_null(strstr(out, "tests/fixture/transcript.txt:3: sender permanent 501"));
}

static void scan_formats__transient_only__exit_2_and_fields(void **state)
{
	(void)state;
	assert_int_equal(run("scan --tsv tests/fixture/deferred.log"), 2);
	assert_non_null(strstr(out, "source\tline\ttime\tcategory\tseverity\twho\tcode\t"
				    "status\trule\trecipient\tsender\tcommand\thost\ttext\taction\t"
				    "message_id\toriginal_message_id\toriginal_from\toriginal_subject\n"));
	assert_non_null(strstr(out, "tests/fixture/deferred.log\t2\tMay  3 10:13:44\tgreylist\t"
				    "transient\t"));
	assert_int_equal(run("scan --json tests/fixture/deferred.log"), 2);
	assert_non_null(strstr(out, "\"source\":\"tests/fixture/deferred.log\",\"line\":2,"
				    "\"time\":\"May  3 10:13:44\",\"recipient\":\"ann@example.net\","));
	assert_non_null(strstr(out, "\"command\":\"RCPT TO\",\"host\":\"mx.example.net\","
				    "\"action\":null,\"message_id\":null,"));
	/* journalctl -o json: the time is __REALTIME_TIMESTAMP's */
	assert_int_equal(run("scan --tsv tests/logs/journal.log"), 3);
	assert_non_null(strstr(out, "tests/logs/journal.log\t2\t2024-05-03T08:12:01.123456Z\t"
				    "recipient\tpermanent\t"));
}

/* A generated log of N megabytes in the temporary directory; its failure
 * count (genlog says it on stderr) in *failures. */
static void make_log(const char *name, int mb, unsigned long *failures)
{
	char cmd[1024], path[512];
	snprintf(cmd, sizeof cmd, "%s %d > %s/%s 2> %s/%s.count", genlog, mb, tmp, name, tmp, name);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof path, "%s/%s.count", tmp, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu", failures), 1);
	fclose(f);
}

static void scan__large_mixed_log__every_failure_no_success(void **state)
{
	unsigned long failures;
	(void)state;
	make_log("mixed.log", 16, &failures);
	assert_int_equal(run("scan --tsv %s/mixed.log | tail -n +2 | wc -l", tmp), 0);
	assert_int_equal(strtoul(out, NULL, 10), failures);
	assert_int_equal(run("scan %s/mixed.log | grep -c -e ' ok ' -e ' 250 ' -e 'status=sent'", tmp), 1);
	assert_int_equal(strtoul(out, NULL, 10), 0);
	assert_int_equal(run("scan %s/mixed.log > /dev/null", tmp), 3);
	/* the same bytes through a pipe, in whatever pieces it delivers */
	assert_int_equal(run("scan --summary --json < %s/mixed.log > %s/a.json; "
			     "cat %s/mixed.log | %s scan --summary --json > %s/b.json; "
			     "cmp %s/a.json %s/b.json && echo same", tmp, tmp, tmp, bin, tmp, tmp, tmp), 0);
	assert_non_null(strstr(out, "same"));
}

/* --jobs: the same bytes as one thread, on the sample logs (each giving
 * the findings its .expect file counts) and on generated logs of 3% and
 * 30% failures, in every output format. */
/* The logs scanned together, in each format, with each of the --jobs
 * counts (each file cut into at least that many chunks) give the bytes one
 * thread gives. */
static void jobs_as_one(const char *logs, const char *counts, const char *const *formats,
			size_t nformats)
{
	char cmd[4096];
	for (size_t f = 0; f < nformats; f++) {
		snprintf(cmd, sizeof cmd,
			 "%s scan %s %s > %s/one 2>&1; for n in %s; do "
			 "%s scan %s --jobs $n %s > %s/many 2>&1; cmp -s %s/one %s/many || "
			 "echo \"differs: --jobs $n\"; done; echo done",
			 bin, formats[f], logs, tmp, counts, bin, formats[f], logs, tmp, tmp, tmp);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		size_t n = fread(out, 1, sizeof out - 1, p);
		out[n] = '\0';
		pclose(p);
		print_message("scan %s: %s", formats[f], out);
		assert_string_equal(out, "done\n");
	}
}

static void scan__jobs__same_output_as_one_thread(void **state)
{
	(void)state;
	static const char *const formats[] = { "", "--json", "--tsv", "--summary --json",
					       "--summary --format=openmetrics" };
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "%s 8 3 30 > %s/heavy.log 2>/dev/null && cp %s/mixed.log %s/light.log 2>/dev/null || "
		 "%s 8 > %s/light.log 2>/dev/null", genlog, tmp, tmp, tmp, genlog, tmp);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "tests/logs/*.log %s/heavy.log %s/light.log", tmp, tmp);
	jobs_as_one(cmd, "2 3 8 0", formats, sizeof formats / sizeof *formats);
	/* each sample log, through the command, gives what its .expect counts */
	assert_int_equal(run("-h >/dev/null; for l in tests/logs/*.log; do "
			     "a=$(%s scan --tsv $l | tail -n +2 | wc -l); "
			     "b=$(grep -c '^[0-9]' ${l%%.log}.expect); "
			     "[ $a = $b ] || echo \"$l: $a findings, $b expected\"; done; echo done", bin),
			 0);
	assert_string_equal(out, "done\n");
	assert_int_equal(run("scan --jobs x tests/logs/postfix.log 2>/dev/null"), 64);
}

/* --jobs on a log of failures only, whose last line has no newline: the
 * output of a chunk outgrows what it may hold before its turn, and in one
 * megabyte on 64 threads the chunks are smaller than the context read around
 * them; the same bytes as one thread either way, and memory flat. */
static void scan__jobs__full_buffers_and_small_chunks__same_output(void **state)
{
	(void)state;
	static const char *const formats[] = { "--json", "", "--summary --json" };
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "%s 10 5 100 > %s/dense.log 2>/dev/null && "
		 "printf '550 5.1.1 <z@example.org> no newline' >> %s/dense.log && "
		 "head -c 1000001 %s/dense.log > %s/small.log",
		 genlog, tmp, tmp, tmp, tmp);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "%s/dense.log", tmp);
	jobs_as_one(cmd, "2 3", formats, sizeof formats / sizeof *formats);
	snprintf(cmd, sizeof cmd, "%s/small.log", tmp);
	jobs_as_one(cmd, "64", formats, sizeof formats / sizeof *formats);
	long kib;
	assert_int_equal(run_measured(&kib, "scan --json --jobs 2 %s/dense.log", tmp), 3);
	print_message("peak memory: %ld KiB\n", kib);
#ifndef __SANITIZE_ADDRESS__
	if (!*wrapper)
		assert_true(kib < 16 * 1024); /* 8 MiB a thread */
#endif
}

static void merge__summaries_of_8_pieces__equal_one_pass(void **state)
{
	unsigned long failures;
	(void)state;
	make_log("split.log", 8, &failures);
	assert_int_equal(run("scan --summary --json %s/split.log > %s/whole.json; "
			     "cd %s && split -n l/8 split.log piece. && "
			     "for p in piece.*; do %s scan --summary --json < $p; done > pieces.json; "
			     "ls piece.* | wc -l && %s merge --json pieces.json > merged.json; "
			     "cmp whole.json merged.json && echo equal", tmp, tmp, tmp, bin, bin), 0);
	assert_non_null(strstr(out, "8\n"));
	assert_non_null(strstr(out, "equal"));
	assert_int_equal(run("merge %s/pieces.json", tmp), 3);
	assert_non_null(strstr(out, "failures ("));
	assert_non_null(strstr(out, "top rules"));
}

static void scan__100mb_line__lines_after_it_found_memory_flat(void **state)
{
	(void)state;
	char path[512], chunk[65536];
	snprintf(path, sizeof path, "%s/long.log", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("550 5.1.1 before\n", f);
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 100000000 / (int)sizeof chunk + 1; i++)
		fwrite(chunk, 1, sizeof chunk, f);
	fputs("\n550 5.1.1 <c@example.org> after\n", f);
	assert_int_equal(fclose(f), 0);
	long kib;
	assert_int_equal(run_measured(&kib, "scan --tsv %s/long.log", tmp), 3);
	assert_non_null(strstr(out, "long.log\t1\t"));
	assert_non_null(strstr(out, "long.log\t3\t"));
	assert_non_null(strstr(out, "after"));
	print_message("peak memory: %ld KiB\n", kib);
#ifndef __SANITIZE_ADDRESS__ /* AddressSanitizer's shadow memory is not ours */
	if (!*wrapper) /* nor is a wrapper's, such as valgrind */
		assert_true(kib < 16 * 1024);
#endif
}

/* An mbox of 200 MB is read one message at a time: every failed recipient
 * counted, memory flat. */
static void scan__large_mbox__every_recipient_memory_flat(void **state)
{
	(void)state;
	char path[512], msg[8192];
	FILE *in = fopen("tests/fixture/bounce-postfix.eml", "rb");
	assert_non_null(in);
	size_t n = fread(msg, 1, sizeof msg, in);
	fclose(in);
	assert_true(n > 0 && n < sizeof msg);
	snprintf(path, sizeof path, "%s/big.mbox", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	/* three times the memory allowed below (valgrind is slow) */
	long messages = 0, bytes = *wrapper ? 20000000 : 3 * 16 << 20;
	for (long size = 0; size < bytes; size += (long)n + 45, messages++) {
		fputs("From MAILER-DAEMON Mon Dec  2 10:00:00 2024\n", f);
		fwrite(msg, 1, n, f);
		fputc('\n', f);
	}
	assert_int_equal(fclose(f), 0);
	long kib;
	assert_int_equal(run_measured(&kib, "scan --summary %s", path), 3);
	char want[64];
	snprintf(want, sizeof want, "%ld failures (%ld permanent", 2 * messages, 2 * messages);
	assert_non_null(strstr(out, want));
	print_message("peak memory: %ld KiB\n", kib);
#ifndef __SANITIZE_ADDRESS__
	if (!*wrapper)
		assert_true(kib < 16 * 1024);
#endif
	unlink(path);
}

static void scan__closed_pipe__ends_quietly(void **state)
{
	(void)state;
	assert_int_equal(run("scan %s/mixed.log 2>&1 | head -1 | wc -l", tmp), 0);
	assert_string_equal(out, "1\n");
	assert_int_equal(run("scan %s/mixed.log 2>%s/err | head -1 >/dev/null; wc -c < %s/err",
			     tmp, tmp, tmp), 0);
	assert_string_equal(out, "0\n");
}

/* A small file is scanned in one final block after the scanner asked for
 * more: the lines above a reply must still be there to explain it. */
static void scan__small_file__transcript_context_kept(void **state)
{
	(void)state;
	assert_int_equal(run("scan --tsv tests/fixture/lookback-small.log | cut -f2,12"), 0);
	assert_non_null(strstr(out, "7\tRCPT TO\n"));
	assert_int_equal(run("scan --tsv tests/fixture/lookback-host.log | cut -f2,13"), 0);
	assert_non_null(strstr(out, "\tfirst.hosted.in\n"));
}

/* A paste saved to a file or piped in (a bounce's text without its header)
 * whose lines show no reply: read whole, as explain reads it. Not a log whose
 * lines said nothing, nor successes. */
static void scan__paste_without_reply__read_whole(void **state)
{
	(void)state;
	assert_int_equal(run("scan tests/fixture/paste-address-not-found.txt"), 3);
	assert_non_null(strstr(out, "paste-address-not-found.txt:1: recipient permanent"));
	assert_int_equal(run("scan -P 2 tests/fixture/paste-address-not-found.txt"), 3);
	assert_non_null(strstr(out, "paste-address-not-found.txt:1: recipient permanent"));
	assert_int_equal(run("scan < tests/fixture/paste-address-not-found.txt"), 3);
	assert_non_null(strstr(out, "-:1: recipient permanent"));
	assert_int_equal(run("scan tests/fixture/paste-log-no-failure.log"), 0);
	assert_string_equal(out, "");
	assert_int_equal(run("scan tests/fixture/paste-success.txt"), 0);
	assert_string_equal(out, "");
}

static void scan__binary_input__no_crash(void **state)
{
	(void)state;
	int st = run("scan %s > /dev/null", bin);
	assert_true(st == 0 || st == 2 || st == 3);
}

/* ---- bad input ------------------------------------------------------------------ */

/* Is s valid UTF-8? */
static int valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : s[i] >= 0xc2 ? 2 : 0;
		if (!k || i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

static void bad_input__nul_bytes_and_invalid_utf8__json_stays_valid(void **state)
{
	(void)state;
	assert_int_equal(run("explain --json < tests/fixture/bad-bytes.txt"), 3);
	assert_true(valid_utf8((const unsigned char *)out, strlen(out)));
	assert_non_null(strstr(out, "\\ufffd"));
	assert_int_equal(run("scan --json tests/fixture/bad-bytes.txt"), 3);
	assert_true(valid_utf8((const unsigned char *)out, strlen(out)));
	assert_int_equal(run("scan tests/fixture/bad-bytes.txt"), 3);
	assert_true(valid_utf8((const unsigned char *)out, strlen(out)));
	assert_null(strchr(out, '\033'));
}

static void bad_input__whitespace_only__no_reply(void **state)
{
	(void)state;
	assert_int_equal(run("explain \"$(printf '   \\n\\t \\r\\n')\" 2>/dev/null"), 1);
	assert_int_equal(run("scan < tests/fixture/success.log"), 0);
	assert_string_equal(out, "");
}

static void bad_input__lone_cr_line_ends__each_reply_found(void **state)
{
	(void)state;
	assert_int_equal(run("explain \"$(printf '250 ok\\r550 5.1.1 User unknown\\r')\""), 3);
	assert_non_null(strstr(out, "User unknown"));
	assert_null(strchr(out, '\r'));
}

static void bad_input__thousand_replies_at_once__first_failure_decides(void **state)
{
	char path[512];
	(void)state;
	snprintf(path, sizeof path, "%s/many.txt", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "%s\n", i == 500 ? "452 4.2.2 Mailbox full" : "250 2.1.5 OK");
	fclose(f);
	assert_int_equal(run("explain --json < %s", path), 2);
	assert_non_null(strstr(out, "\"code\":452,"));
	assert_int_equal(run("explain < %s | grep -c '250 2.1.5 OK'", path), 0);
	assert_string_equal(out, "999\n");
}

/* ---- codes and clients ----------------------------------------------------- */

static void codes__code_status_word__entries_and_rules(void **state)
{
	(void)state;
	assert_int_equal(run("codes 535"), 0);
	assert_non_null(strstr(out, "code    535    auth        Authentication credentials invalid\n"));
	assert_non_null(strstr(out, "rule    google.bad-credentials"));
	assert_null(strstr(out, "5xx")); /* 535 has an entry of its own */
	assert_int_equal(run("codes 513"), 0);
	assert_non_null(strstr(out, "code    5xx"));
	assert_int_equal(run("codes 5.7.139"), 0);
	assert_non_null(strstr(out, "rule    microsoft.basic-auth-disabled"));
	assert_int_equal(run("codes X.1.10"), 0);
	assert_non_null(strstr(out, "status  X.1.10"));
	assert_int_equal(run("codes GREYLIST"), 0);
	assert_non_null(strstr(out, "greylisting.postgrey"));
	assert_int_equal(run("codes --json 5.7.26 | head -1"), 0);
	assert_non_null(strstr(out, "{\"kind\":\"status\",\"code\":null,\"status\":\"X.7.26\","));
	assert_int_equal(run("codes no-such-thing-anywhere"), 1);
	assert_int_equal(run("codes a b 2>/dev/null"), 64);
	assert_int_equal(run("codes | grep -c '^code '"), 0);
	assert_true(strtoul(out, NULL, 10) >= 30);
}

static void clients__list__every_profile(void **state)
{
	(void)state;
	assert_int_equal(run("clients | wc -l"), 0);
	assert_int_equal(strtoul(out, NULL, 10), 12);
	assert_int_equal(run("clients --json | head -1"), 0);
	assert_string_equal(out, "{\"id\":\"generic\",\"name\":\"Any mail program\"}\n");
	assert_int_equal(run("clients --bogus 2>/dev/null"), 64);
}

static void redact__addresses_ips_hosts__stable_placeholders(void **state)
{
	(void)state;
	assert_int_equal(run("explain --redact --json 'host mx1.example.org[192.0.2.11] said: "
			     "550 5.1.1 <bob@example.org>: Recipient address rejected'"), 3);
	assert_null(strstr(out, "bob@"));
	assert_null(strstr(out, "192.0.2.11"));
	assert_null(strstr(out, "mx1.example.org"));
	assert_non_null(strstr(out, "<address-1@redacted.invalid>: Recipient address rejected"));
	assert_int_equal(run("scan --redact --tsv tests/logs/postfix.log"), 3);
	assert_null(strstr(out, "@example."));
	assert_null(strstr(out, "192.0.2."));
	/* one recipient, one placeholder, on every line that names it */
	assert_int_equal(run("scan --redact --tsv tests/logs/postfix.log tests/logs/postfix.log | "
			     "tail -n +2 | cut -f10 | sort | uniq -c | awk '$1 %% 2' | wc -l"), 0);
	assert_string_equal(out, "0\n");
}

static void version__prints_name_and_version(void **state)
{
	(void)state;
	assert_int_equal(run("--version"), 0);
	assert_string_equal(out, "smtpdiag 0.1.0\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(explain__each_case__documented_exit_code),
		cmocka_unit_test(explain__words_alone__json_nulls_and_text),
		cmocka_unit_test(explain__no_reply__says_so_on_stderr),
		cmocka_unit_test(explain_json__google_credentials__design_fields),
		cmocka_unit_test(explain_json__network_failure__nulls_where_unknown),
		cmocka_unit_test(explain_json__code_alone__matched_by_code),
		cmocka_unit_test(explain__accepted_then_discarded__not_ok),
		cmocka_unit_test(explain__report_status_failed__success_reply_not_ok),
		cmocka_unit_test(explain__mail_quoting_a_bounce__its_text_tells),
		cmocka_unit_test(explain__stdin_transcript__first_failure_decides_others_listed),
		cmocka_unit_test(explain__quoted_or_indented_paste__read_as_it_was),
		cmocka_unit_test(explain__paste_wrapped_at_a_width__one_reply),
		cmocka_unit_test(explain__expired_with_last_failure__that_failure_decides),
		cmocka_unit_test(explain__delay_then_last_reply__that_reply_decides),
		cmocka_unit_test(explain__gmail_unusual_rate__its_own_words_decide),
		cmocka_unit_test(explain__log_line__field_names_are_no_words),
		cmocka_unit_test(explain__bounce_message__first_recipient_others_listed),
		cmocka_unit_test(scan__bounces_as_files_mbox_and_maildir__same_findings),
		cmocka_unit_test(scan__live_pipe__each_finding_before_next_line),
		cmocka_unit_test(scan__summary_as_counters__well_formed_and_exact),
		cmocka_unit_test(scan__follow__growth_rotation_truncation_new_file),
		cmocka_unit_test(explain__client_profile__its_settings_path),
		cmocka_unit_test(rules__option_env_and_config__user_rule_decides),
		cmocka_unit_test(rules__mistakes_or_missing_file__64_and_66),
		cmocka_unit_test(explain__escape_sequences_in_input__shown_escaped),
		cmocka_unit_test(explain__color__only_when_asked_or_terminal),
		cmocka_unit_test(version__prints_name_and_version),
		cmocka_unit_test(scan__each_case__documented_exit_code),
		cmocka_unit_test(scan_formats__transient_only__exit_2_and_fields),
		cmocka_unit_test(scan__large_mixed_log__every_failure_no_success),
		cmocka_unit_test(scan__jobs__same_output_as_one_thread),
		cmocka_unit_test(scan__jobs__full_buffers_and_small_chunks__same_output),
		cmocka_unit_test(merge__summaries_of_8_pieces__equal_one_pass),
		cmocka_unit_test(scan__100mb_line__lines_after_it_found_memory_flat),
		cmocka_unit_test(scan__large_mbox__every_recipient_memory_flat),
		cmocka_unit_test(scan__closed_pipe__ends_quietly),
		cmocka_unit_test(scan__paste_without_reply__read_whole),
		cmocka_unit_test(scan__binary_input__no_crash),
		cmocka_unit_test(scan__small_file__transcript_context_kept),
		cmocka_unit_test(codes__code_status_word__entries_and_rules),
		cmocka_unit_test(clients__list__every_profile),
		cmocka_unit_test(redact__addresses_ips_hosts__stable_placeholders),
		cmocka_unit_test(bad_input__nul_bytes_and_invalid_utf8__json_stays_valid),
		cmocka_unit_test(bad_input__whitespace_only__no_reply),
		cmocka_unit_test(bad_input__lone_cr_line_ends__each_reply_found),
		cmocka_unit_test(bad_input__thousand_replies_at_once__first_failure_decides),
	};
	/* absolute, as some tests change directory */
	static char bin_path[4096], genlog_path[4096];
	bin = realpath(getenv("SMTPDIAG") ? getenv("SMTPDIAG") : "build/smtpdiag", bin_path);
	genlog = realpath(getenv("GENLOG") ? getenv("GENLOG") : "build/genlog", genlog_path);
	if (!bin || !genlog)
		return 1;
	if (getenv("SMTPDIAG_WRAPPER"))
		wrapper = getenv("SMTPDIAG_WRAPPER");
	if (!mkdtemp(tmp))
		return 1;
	/* no rules of the machine's user: an empty configuration directory */
	char xdg[512];
	snprintf(xdg, sizeof xdg, "%s/empty", tmp);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	unsetenv("SMTPDIAG_RULES");
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
	if (system(cmd) != 0)
		return 1;
	return failed;
}
