/*
 * genlog.c - write a large, realistic, mostly successful mail log for the
 * benchmark: Postfix and Exim lines interleaved as a busy relay logs them,
 * about 3% failures with replies from real providers.
 *
 *   genlog MEGABYTES [SEED [PERCENT]] > log
 *
 * PERCENT sets the share of failures (default: about 3).
 * Deterministic for a seed. Prints to stderr how many failures it wrote, so
 * a test can check that scan finds every one.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long rng = 88172645463325252ULL;

static unsigned next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static const char *const users[] = { "bob", "ann", "li.wei", "maria", "j.smith", "noreply",
				      "sales", "it-support" };
static const char *const domains[] = { "example.org", "example.net", "mail.example.com",
					"example.co.uk", "sub.example.org" };
static const char *const mx[] = { "mx1.example.org", "gmail-smtp-in.l.google.com",
				   "example-org.mail.protection.outlook.com",
				   "mta7.am0.yahoodns.net", "mx.example.net" };

/* Failures as Postfix logs them: dsn, status, and the remote text. */
static const struct {
	const char *dsn, *status, *reply;
} postfix_fail[] = {
	{ "5.1.1", "bounced", "host %s[192.0.2.27] said: 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp (in reply to RCPT TO command)" },
	{ "4.7.0", "deferred", "host %s[192.0.2.27] said: 421 4.7.0 [TSS04] Messages from 192.0.2.9 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM command)" },
	{ "5.7.1", "bounced", "host %s[192.0.2.27] said: 550 5.7.1 Service unavailable, Client host [192.0.2.9] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.9 AS(1450) (in reply to RCPT TO command)" },
	{ "4.4.1", "deferred", "connect to %s[192.0.2.40]:25: Connection timed out" },
	{ "5.2.2", "bounced", "host %s[192.0.2.27] said: 552-5.2.2 The email account that you tried to reach is over quota. 552 5.2.2 https://support.google.com/mail/?p=OverQuotaPerm a1si - gsmtp (in reply to RCPT TO command)" },
	{ "4.2.0", "deferred", "host %s[192.0.2.27] said: 450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html (in reply to RCPT TO command)" },
};

static void stamp(char *buf, size_t n, unsigned t)
{
	snprintf(buf, n, "May  3 %02u:%02u:%02u", (t / 3600) % 24, (t / 60) % 60, t % 60);
}

int main(int argc, char **argv)
{
	long long want = (argc > 1 ? atoll(argv[1]) : 128) * 1000000LL, written = 0;
	unsigned long failures = 0;
	unsigned t = 36000;
	char ts[32];
	double percent = argc > 3 ? atof(argv[3]) : -1;
	if (argc > 2)
		rng ^= strtoull(argv[2], NULL, 10) * 0x9e3779b97f4a7c15ULL;
	while (written < want) {
		unsigned r = next(), q = next() & 0xfffff;
		const char *u = users[r % 8], *d = domains[(r >> 3) % 5], *m = mx[(r >> 6) % 5];
		int n;
		t += (r >> 9) % 3;
		stamp(ts, sizeof ts, t);
		unsigned kind = (r >> 12) % 100;
		if (percent >= 0) /* failures (kinds 0-2) at the share asked for */
			kind = next() % 10000 < (unsigned)(percent * 100) ? (r >> 12) % 3
									 : 3 + (r >> 12) % 97;
		switch (kind) {
		case 0: case 1: { /* a Postfix failure */
			unsigned k = (r >> 20) % (sizeof postfix_fail / sizeof *postfix_fail);
			n = printf("%s mx1 postfix/smtp[%u]: 4V%05XZk: to=<%s@%s>, relay=%s[192.0.2.27]:25, "
				   "delay=%u.%u, delays=0.1/0/0.6/0.7, dsn=%s, status=%s (",
				   ts, 2000 + r % 5000, q, u, d, m, r % 90, r % 10,
				   postfix_fail[k].dsn, postfix_fail[k].status);
			n += printf(postfix_fail[k].reply, m);
			n += printf(")\n");
			failures++;
			break;
		}
		case 2: /* an Exim failure */
			n = printf("2024-05-03 %s 1s%05X-000123-AB ** %s@%s R=dnslookup T=remote_smtp "
				   "H=%s [192.0.2.10] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes: SMTP "
				   "error from remote mail server after RCPT TO:<%s@%s>: 550 5.1.1 "
				   "<%s@%s>: Recipient address rejected: User unknown in virtual "
				   "mailbox table\n",
				   ts + 7, q, u, d, m, u, d, u, d);
			failures++;
			break;
		case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11: case 12:
			n = printf("2024-05-03 %s 1s%05X-000123-AB => %s@%s R=dnslookup T=remote_smtp "
				   "H=%s [192.0.2.10] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes "
				   "C=\"250 2.0.0 OK 1714731309 a640si%uqkb.7 - gsmtp\"\n",
				   ts + 7, q, u, d, m, r % 1000);
			break;
		case 13: case 14: case 15: case 16: case 17: case 18: case 19: case 20:
			n = printf("%s mx1 postfix/qmgr[1201]: 4V%05XZk: from=<%s@%s>, size=%u, nrcpt=1 "
				   "(queue active)\n", ts, q, u, d, 1000 + r % 90000);
			break;
		case 21: case 22: case 23: case 24: case 25: case 26:
			n = printf("%s mx1 postfix/smtpd[%u]: connect from unknown[192.0.2.%u]\n",
				   ts, 3000 + r % 900, r % 250);
			break;
		case 27: case 28: case 29: case 30:
			n = printf("%s mx1 postfix/cleanup[1877]: 4V%05XZk: message-id=<%08x.%u@%s>\n",
				   ts, q, r, q, d);
			break;
		default: /* delivered */
			n = printf("%s mx1 postfix/smtp[%u]: 4V%05XZk: to=<%s@%s>, relay=%s[192.0.2.27]:25, "
				   "delay=%u.%u, delays=0.1/0/0.6/0.7, dsn=2.0.0, status=sent (250 2.0.0 OK  "
				   "1714731309 a640si%uqkb.45 - gsmtp)\n",
				   ts, 2000 + r % 5000, q, u, d, m, r % 9, r % 10, r % 1000);
		}
		if (n < 0)
			return 1;
		written += n;
	}
	fprintf(stderr, "%lu failures\n", failures);
	return fflush(stdout) ? 1 : 0;
}
