/*
 * bounce_text.c - the recipients of a report read from its human-readable
 * text, for the formats that send no delivery-status part (qmail, Exim,
 * older Exchange, Domino, many providers) and for a delivery-status part
 * that gives no Diagnostic-Code.
 *
 * Every format names a failed recipient at the start of a line, alone or
 * followed by its reason, and writes the reason on that line or the lines
 * under it:
 *
 *   <bob@example.org>: host mx.example.org[192.0.2.1] said: 550 ...   Postfix
 *   <bob@example.org>:\n192.0.2.1 does not like recipient.\n...       qmail
 *     bob@example.org\n    host mx.example.org [192.0.2.1]\n    ...   Exim
 *   bob@example.org\nRemote Server returned '550 5.1.1 ...'          Exchange
 *
 * So the text is cut into blocks at lines that start with an address, up to
 * the line where the returned message begins; each block is its address's
 * reason. The same address named twice (Exchange names it for the user and
 * again for the administrator) gets both blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

static int contains_fold(const char *s, size_t n, const char *const *words, size_t nwords);

struct block {
	size_t addr, addr_len; /* the address, in the text */
	size_t start, end;     /* its reason: the rest of its line and the lines below */
};

static int local_char(unsigned char c)
{
	return smtpdiag__is_alnum(c) || (c && strchr(".!#$%&'*+/=?^_`{|}~-", c)) || c >= 0x80;
}

static int domain_char(unsigned char c)
{
	return smtpdiag__is_alnum(c) || c == '.' || c == '-' || c >= 0x80;
}

/* Does s start with a CJK mark (U+3000 to U+303F: "、。「」") or a full-width
 * one (U+FF00 to U+FF3F), which end a word as a blank does? */
static int cjk_mark(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	return n >= 3 && ((u[0] == 0xe3 && u[1] == 0x80) || (u[0] == 0xef && u[1] == 0xbc));
}

/* An address (local@domain.tld) at s: its length, or 0. */
static size_t address_at(const char *s, size_t n)
{
	size_t i = 0, at, dot = 0;
	while (i < n && local_char((unsigned char)s[i]) && s[i] != '\'' && !cjk_mark(s + i, n - i))
		i++;
	if (i == 0 || i >= n || s[i] != '@')
		return 0;
	at = i++;
	while (i < n && domain_char((unsigned char)s[i]) && !cjk_mark(s + i, n - i)) {
		if (s[i] == '.' && i > at + 1 && i + 1 < n && domain_char((unsigned char)s[i + 1]))
			dot = i;
		i++;
	}
	while (i > at + 1 && (s[i - 1] == '.' || s[i - 1] == '-'))
		i--;
	return dot && dot < i ? i : 0;
}

/* Addresses that are not a recipient whose mail failed. */
static int not_a_recipient(const char *a, size_t n)
{
	static const char *const locals[] = { "mailer-daemon@", "postmaster@", "mailer_daemon@" };
	for (size_t i = 0; i < sizeof locals / sizeof *locals; i++)
		if (n > strlen(locals[i]) && smtpdiag__equal_fold(a, locals[i], strlen(locals[i])))
			return 1;
	return 0;
}

/* Does the line announce the returned message, in words of its own: "A
 * summary of the undelivered message you sent follows:", "A copy of the
 * original message follows." (not "A transcript of the attempts ... follows.",
 * which comes before the reasons). */
static int follows_original(const char *s, size_t n)
{
	static const char *const ends[] = { "follows:", "follows.", "follows" };
	static const char *const what[] = { "original", "copy of", "summary of",
					    "undelivered message", "returned message" };
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n > 160)
		return 0;
	for (size_t e = 0; e < sizeof ends / sizeof *ends; e++) {
		size_t k = strlen(ends[e]);
		if (n >= k && smtpdiag__equal_fold(s + n - k, ends[e], k))
			return contains_fold(s, n, what, sizeof what / sizeof *what);
	}
	return 0;
}

/* Does the line s[0, n) start the returned message, or a part of the report
 * that no longer speaks of recipients? A rule of dashes, equal signs or
 * stars with one of `rules` in it, or a line that begins with one of
 * `starts` or (after blanks) one of `phrases`. */
static int stop_line(const char *s, size_t n)
{
	static const char *const rules[] = { "original", "copy of", "returned message",
					     "below this line", "message follows",
					     "header of the original", "undelivered message",
					     "unsent message" };
	static const char *const starts[] = { "Return-Path:", "Received: ", "Original message headers:",
					      "Content-Type: message/rfc822" };
	/* IMail, DragonFly, OpenSMTPD, FML, MXLogic, X6, GroupWise, LLNL; the
	 * paragraph after the addresses of Exim's delay warning */
	static const char *const phrases[] = { "original message follows",
					       "message headers follow",
					       "below is a copy of the original message",
					       "original mail as follows",
					       "included is a copy of the message header",
					       "the attachment contains the original mail headers",
					       "original message as received",
					       "+++++++++++++++++++++++++++++++++++",
					       "no action is required on your part" };
	for (size_t i = 0; i < sizeof starts / sizeof *starts; i++)
		if (n >= strlen(starts[i]) && smtpdiag__equal_fold(s, starts[i], strlen(starts[i])))
			return 1;
	size_t j = 0;
	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	for (size_t i = 0; i < sizeof phrases / sizeof *phrases; i++)
		if (n - j >= strlen(phrases[i]) &&
		    smtpdiag__equal_fold(s + j, phrases[i], strlen(phrases[i])))
			return 1;
	if (follows_original(s + j, n - j))
		return 1;
	if (n - j < 3 || !strchr("-=_*", s[j]) || s[j + 1] != s[j] || s[j + 2] != s[j])
		return 0;
	char f[160];
	size_t k = n - j < sizeof f - 1 ? n - j : sizeof f - 1;
	for (size_t i = 0; i < k; i++)
		f[i] = (char)smtpdiag__fold[(unsigned char)s[j + i]];
	f[k] = '\0';
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
		if (strstr(f, rules[i]))
			return 1;
	return 0;
}

/* A short label before an address that names a recipient: "Recipient:",
 * "Original recipient:", "Recipient address:", "Addressed To:", "To:", "RCPT
 * TO:", "Final-Recipient: rfc822;". Its length with the blanks after it, or 0. */
static size_t recipient_label(const char *s, size_t n)
{
	static const char *const words[] = { "recipient", "addressed to", "delivered to",
					     "message to", "to", "rcpt to", "address",
					     "destinataire", "empfanger", "empfaenger" };
	size_t colon = 0;
	while (colon < n && colon < 40 && s[colon] != ':' && s[colon] != '<')
		colon++;
	if (colon >= n || s[colon] != ':')
		return 0;
	char f[48];
	size_t k = 0;
	for (size_t i = 0; i < colon; i++) /* folded, ASCII: "Empfänger" has its ä */
		if (smtpdiag__is_alnum((unsigned char)s[i]) || s[i] == ' ')
			f[k++] = (char)smtpdiag__fold[(unsigned char)s[i]];
	f[k] = '\0';
	int named = 0;
	for (size_t w = 0; w < sizeof words / sizeof *words && !named; w++)
		named = strstr(f, words[w]) && (strcmp(words[w], "to") || !strcmp(f, "to") ||
						!strcmp(f, "sent to") || !strcmp(f, "rcpt to"));
	if (!named || strstr(f, "reply") || strstr(f, "sender") || strstr(f, "from"))
		return 0;
	size_t j = colon + 1;
	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (n - j > 7 && smtpdiag__equal_fold(s + j, "rfc822;", 7)) /* a report's field */
		for (j += 7; j < n && s[j] == ' '; j++)
			;
	return j;
}

/* A longer lead-in before a recipient, the way formats without a label of
 * their own write one: "Unknown user: a@b" (IMail), "undeliverable to a@b",
 * "Failed to deliver to '<a@b>'", "There was an error delivering your mail to
 * <a@b>." (DragonFly), "The following recipients returned permanent errors:
 * a@b" (X6), "550 <a@b>... User unknown" (sendmail's transcript), "* a@b"
 * (a list). Words, blanks and a few signs up to a ':' or a final "to"; its
 * length with the blanks and the opening quote after it, or 0. */
static size_t lead_in(const char *s, size_t n)
{
	static const char *const not_recipient[] = { "from", "sender", "reply", "subject", "cc",
						     "return", "errors", "date", "envelope",
						     "message-id", "by", "owner", "list" };
	size_t i = 0;
	if (n > 2 && strchr("*-+", s[0]) && s[1] == ' ') /* a list's bullet */
		return 2;
	if (n > 12 && s[0] == '[') /* "[Status: Error, Address: <a@b>, ..." (Zoho) */
		for (size_t j = 1; j + 9 < n && j < 40; j++)
			if (smtpdiag__equal_fold(s + j, "address: ", 9))
				return j + 9;
	if (n > 4 && !memcmp(s, ">>> ", 4)) { /* sendmail's ">>> RCPT To:<a@b>", Activehunter */
		size_t k = recipient_label(s + 4, n - 4);
		return 4 + k;
	}
	/* "Sent <<< RCPT TO:<a@b>" (InterScan MSS) */
	for (size_t j = 0; j + 8 < n && j < 24; j++)
		if (smtpdiag__equal_fold(s + j, "rcpt to:", 8)) {
			j += 8;
			while (j < n && s[j] == ' ')
				j++;
			return j;
		}
	if (n > 4 && smtpdiag__is_digit((unsigned char)s[0]) && smtpdiag__is_digit((unsigned char)s[1]) &&
	    smtpdiag__is_digit((unsigned char)s[2]) && s[3] == ' ') { /* a reply: 550 [5.1.1] <a@b>... */
		if (s[0] != '4' && s[0] != '5')
			return 0;
		i = 4;
		while (i < n && (smtpdiag__is_digit((unsigned char)s[i]) || s[i] == '.'))
			i++;
		while (i < n && s[i] == ' ')
			i++;
		return i < n && s[i] == '<' ? i : 0;
	}
	size_t words = 0, end = 0;
	for (; i < n && i < 64; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ':') {
			end = i + 1;
			break;
		}
		if (c == ' ' && i + 4 <= n && i >= 2 && smtpdiag__fold[(unsigned char)s[i - 2]] == 't' &&
		    smtpdiag__fold[(unsigned char)s[i - 1]] == 'o' && (i == 2 || s[i - 3] == ' ') &&
		    (s[i + 1] == '<' || s[i + 1] == '\'' || s[i + 1] == '"' ||
		     address_at(s + i + 1, n - i - 1))) {
			end = i;
			break;
		}
		if (!smtpdiag__is_alnum(c) && !strchr(" -_()'.,/", c))
			return 0;
		words += c == ' ';
	}
	if (!end || words > 9)
		return 0;
	for (size_t w = 0; w < sizeof not_recipient / sizeof *not_recipient; w++) {
		size_t k = strlen(not_recipient[w]);
		for (size_t j = 0; j + k <= end; j++)
			if ((j == 0 || !smtpdiag__is_alnum((unsigned char)s[j - 1])) &&
			    smtpdiag__equal_fold(s + j, not_recipient[w], k) &&
			    (j + k == end || !smtpdiag__is_alnum((unsigned char)s[j + k])))
				return 0;
	}
	while (end < n && (s[end] == ' ' || s[end] == '\t'))
		end++;
	return end;
}

/* A line that names a recipient first: "  <a@b>: ...", "a@b", "'a@b' on ...",
 * "Recipient: a@b", or after a lead-in (above). Returns the address's length
 * with *addr its offset in the line, *label where the words before it begin
 * (the address itself when there are none). */
static size_t address_line(const char *s, size_t n, size_t *addr, size_t *label)
{
	size_t i = 0, k;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	*label = i;
	if (i < n && !smtpdiag__is_digit((unsigned char)s[i]) && s[i] != '<' && s[i] != '\'' &&
	    s[i] != '"' && !address_at(s + i, n - i)) {
		k = recipient_label(s + i, n - i);
		i += k ? k : lead_in(s + i, n - i);
	} else if (i < n && smtpdiag__is_digit((unsigned char)s[i])) {
		i += lead_in(s + i, n - i);
	}
	if (i < n && (s[i] == '<' || s[i] == '\'' || s[i] == '"'))
		i++;
	if (i < n && s[i] == '<') /* '<a@b>' */
		i++;
	k = address_at(s + i, n - i);
	if (!k || not_a_recipient(s + i, k))
		return 0;
	*addr = i;
	return k;
}

/* The host a block names: "host mx.example.org[192.0.2.1]", "host
 * mx.example.org [192.0.2.1]", "Remote-MTA: dns; mx...", "while talking to
 * mx.example.org.", "Connected to 192.0.2.1 but". */
static void host_in(const char *s, size_t n, char *out, size_t cap)
{
	static const char *const keys[] = { "host ", "host: ", "Remote-MTA: dns; ",
					    "while talking to ", "Connected to ", "Giving up on ",
					    "Remote host ", "Remote Server at ",
					    "SMTP connection to [", "Remote system: dns;",
					    "SMTP Server <", "Server " };
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		size_t kl = strlen(keys[k]);
		unsigned char k0 = smtpdiag__fold[(unsigned char)keys[k][0]];
		for (size_t i = 0; i + kl < n; i++) {
			if (smtpdiag__fold[(unsigned char)s[i]] != k0 ||
			    !smtpdiag__equal_fold(s + i, keys[k], kl) ||
			    (i > 0 && smtpdiag__is_alnum((unsigned char)s[i - 1])))
				continue;
			size_t j = i + kl, w = 0;
			int dot = 0;
			while (j < n && w + 1 < cap && domain_char((unsigned char)s[j]))
				dot |= s[j] == '.', out[w++] = s[j++];
			while (w > 0 && out[w - 1] == '.')
				w--;
			out[w] = '\0';
			if (dot && w > 3 && !memchr(out, '@', w))
				return;
		}
	}
	/* Gmail's "rejected by the server for the recipient domain example.org by
	 * mx.example.org. [192.0.2.1]." */
	for (size_t i = 0; i + 4 < n; i++) {
		if (s[i] != ' ' || !smtpdiag__equal_fold(s + i + 1, "by ", 3))
			continue;
		size_t j = i + 4, w = 0;
		while (j < n && w + 1 < cap && domain_char((unsigned char)s[j]))
			out[w++] = s[j++];
		while (w > 0 && out[w - 1] == '.')
			w--;
		out[w] = '\0';
		if (j + 1 < n && s[j] == ' ' && s[j + 1] == '[' && w > 3 && memchr(out, '.', w) &&
		    s[j - 1] == '.')
			return;
	}
	/* Gmail's "[mx.example.org. 192.0.2.1: timed out]" */
	for (const char *p = memchr(s, '[', n); p; p = memchr(p + 1, '[', (size_t)(s + n - p - 1))) {
		size_t j = (size_t)(p - s) + 1, w = 0;
		int letter = 0;
		while (j < n && w + 1 < cap && domain_char((unsigned char)s[j]))
			letter |= smtpdiag__is_alnum((unsigned char)s[j]) &&
				  !smtpdiag__is_digit((unsigned char)s[j]),
			out[w++] = s[j++];
		if (letter && w > 4 && out[w - 1] == '.' && j < n && s[j] == ' ' &&
		    memchr(out, '.', w - 1)) {
			out[w - 1] = '\0';
			return;
		}
	}
	out[0] = '\0';
}

static int contains_fold(const char *s, size_t n, const char *const *words, size_t nwords)
{
	for (size_t w = 0; w < nwords; w++) {
		size_t k = strlen(words[w]);
		unsigned char w0 = smtpdiag__fold[(unsigned char)words[w][0]];
		for (size_t i = 0; i + k <= n; i++)
			if (smtpdiag__fold[(unsigned char)s[i]] == w0 &&
			    smtpdiag__equal_fold(s + i, words[w], k))
				return 1;
	}
	return 0;
}

/* Does the report say the message is delayed, not failed? The MTAs' delay
 * warnings without a delivery-status part (Exim's "has not yet been
 * delivered", its "Warning: message ... delayed" subject; sendmail's
 * "transient non-fatal errors" and "Will keep trying"; MailEnable's
 * "Message Delivery Delay"). */
static int delayed(const struct smtpdiag_message *m, const char *t, size_t n)
{
	static const char *const subjects[] = { "delayed", "delay)", "still being retried",
						"warning: message", "delivery delay" };
	static const char *const texts[] = { "has not yet been delivered", "will continue trying",
					     "not yet been able to deliver", "delay reason",
					     "will retry", "still trying", "will keep trying",
					     "transient non-fatal errors", "has been delayed" };
	return contains_fold(m->subject, strlen(m->subject), subjects,
			     sizeof subjects / sizeof *subjects) ||
	       contains_fold(t, n, texts, sizeof texts / sizeof *texts);
}

static int same_address(const char *a, const char *b, size_t n)
{
	return strlen(a) == n && smtpdiag__equal_fold(a, b, n);
}

/* Is s[0, n) Exim's line under an address that an alias or a forward
 * made, "(generated from sales@example.org)"? The length of its address
 * (the one the message was sent to, which the delivery-status part names),
 * with the address at *addr; or 0. */
static size_t generated_line(const char *s, size_t n, const char **addr)
{
	static const char lead[] = "(generated from ";
	const size_t k = sizeof lead - 1;
	while (n && strchr(" \t", *s))
		s++, n--;
	if (n <= k || !smtpdiag__equal_fold(s, lead, k))
		return 0;
	size_t len = address_at(s + k, n - k);
	*addr = s + k;
	return len && k + len < n && s[k + len] == ')' ? len : 0;
}

/* Does block k of t say, on the line under its address, that it was
 * generated from the address a? (A later line of the block may be another
 * address's, one the block did not recognise.) */
static int generated_from(const char *t, const struct block *k, const char *a)
{
	const char *nl = memchr(t + k->addr, '\n', k->end - k->addr), *g;
	if (!nl)
		return 0;
	size_t i = (size_t)(nl - t) + 1, len;
	const char *end = memchr(t + i, '\n', k->end - i);
	size_t e = end ? (size_t)(end - t) : k->end;
	return (len = generated_line(t + i, e - i, &g)) && same_address(a, g, len);
}

/* Does s[0, n) give no reply and no reason: nothing, or only words that say
 * a delivery failed ("Unable to deliver")? A delivery-status part's
 * Diagnostic-Code that says nothing ("X-Unix; Reason 1 (Unable-To-Transfer);
 * Diagnostic -1 (Unknown)" of X.400 gateways) leaves the reason to the
 * text's words for the recipient; so does a recipient's block. */
static int gives_no_reason(const char *s, size_t n)
{
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	int k = smtpdiag_diagnose(s, n, &r, &d);
	return k == SMTPDIAG_ENOREPLY ||
	       (k == 0 && !r.code && !r.status.cls && d.category == SMTPDIAG_CAT_UNKNOWN);
}

/* Does s[0, n) hold nothing but addresses, the same one given again
 * included ("a@b <a@b>"), and blanks? */
static int only_addresses(const char *s, size_t n)
{
	for (size_t i = 0, a; i < n; i++) {
		if ((a = address_at(s + i, n - i)) > 0)
			i += a - 1;
		else if (!strchr(" \t\r\n<>", s[i]))
			return 0;
	}
	return 1;
}

/* Does the line only lead to the reason: nothing but addresses (the
 * recipient again: "bob@example.org <bob@example.org>"), a ruler or section
 * mark ("----- Non-delivered information -----", "====="), or a short label
 * ("because:", "Reason:", "For the following reason:")? */
static int leads_to_reason(const char *s, size_t n)
{
	while (n && strchr(" \t\r", s[n - 1]))
		n--;
	while (n && strchr(" \t", *s))
		s++, n--;
	if (n >= 2 && ((s[0] == '-' && s[1] == '-') || (s[0] == '=' && s[1] == '=')))
		return 1;
	const char *g;
	if (generated_line(s, n, &g))
		return 1;
	/* the rest of Exchange's recipient line: "a@b on 1/2/2010 10:11 AM" */
	if (n > 3 && n <= 48 && smtpdiag__equal_fold(s, "on ", 3))
		for (size_t i = 3; i < n; i++)
			if (smtpdiag__is_digit((unsigned char)s[i]))
				return 1;
	if (n && n <= 30 && s[n - 1] == ':') {
		size_t i = 0;
		unsigned char c;
		while (i + 1 < n && ((c = (unsigned char)s[i]) == ' ' ||
				     (smtpdiag__is_alnum(c) && !smtpdiag__is_digit(c))))
			i++;
		if (i + 1 == n)
			return 1;
	}
	return only_addresses(s, n);
}

/* The reason for a recipient: its block, from its first line that says more
 * than leads_to_reason; and, when the block says nothing a reply or the words
 * could be read from, the text before the first block. */
static void give_reason(struct smtpdiag__reader *rd, struct smtpdiag__bounced_build *b,
			const char *t, const struct block *k, size_t preamble)
{
	size_t start = k->start;
	for (const char *nl; start < k->end; start = (size_t)(nl - t) + 1) {
		nl = memchr(t + start, '\n', k->end - start);
		if (!nl || !leads_to_reason(t + start, (size_t)(nl - t) - start))
			break;
	}
	if (start >= k->end)
		start = k->start;
	smtpdiag__set_diagnostic(rd, b, t + start, k->end - start,
				 smtpdiag__input_offset(rd, start));
	if (preamble && gives_no_reason(t + k->start, k->end - k->start))
		smtpdiag__set_diagnostic(rd, b, t, preamble, 0);
	if (!b->host[0])
		host_in(t + k->start, k->end - k->start, b->host, sizeof b->host);
	if (!b->host[0] && preamble) /* sendmail's "... while talking to mx...:" above */
		host_in(t, preamble, b->host, sizeof b->host);
}

/* The addresses of a header value: "a@b, Bob <c@d>". */
static void add_listed(struct smtpdiag__reader *rd, const char *v, const char *action,
		       const char *t, size_t n)
{
	for (size_t i = 0; v[i];) {
		size_t k = address_at(v + i, strlen(v + i));
		if (!k || (i > 0 && local_char((unsigned char)v[i - 1]))) {
			i++;
			continue;
		}
		struct smtpdiag__bounced_build *b = smtpdiag__add_recipient(rd);
		if (!b)
			return;
		snprintf(b->recipient, sizeof b->recipient, "%.*s", (int)k, v + i);
		snprintf(b->action, sizeof b->action, "%s", action);
		if (n)
			smtpdiag__set_diagnostic(rd, b, t, n, smtpdiag__input_offset(rd, 0));
		host_in(t, n, b->host, sizeof b->host);
		i += k;
	}
}

/* The address whose '@' is s[at] of s[0, n): its length, its start in
 * *start; or 0. Its local part is read back over ASCII only: the address may
 * stand right after a word of Japanese, with no blank between
 * ("アドレス「bob@...」"). */
static size_t address_around(const char *s, size_t n, size_t at, size_t *start)
{
	size_t b = at;
	while (b > 0 && (unsigned char)s[b - 1] < 0x80 && local_char((unsigned char)s[b - 1]) &&
	       s[b - 1] != '\'')
		b--;
	*start = b;
	return address_at(s + b, n - b);
}

/* Is the address a[0, n) one of the report's own header's (its From, To,
 * Return-Path, Delivered-To): the sender told of the failure, not the
 * recipient? */
static int header_address(const char *header, size_t header_end, const char *a, size_t n)
{
	static const char *const fields[] = { "From", "To", "Return-Path", "Delivered-To" };
	char v[1024];
	for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
		size_t len = smtpdiag__header_copy(header, header_end, fields[f], v, sizeof v), b;
		for (const char *p = v; (p = memchr(p, '@', len - (size_t)(p - v))) != NULL; p++)
			if (address_around(v, len, (size_t)(p - v), &b) == n &&
			    smtpdiag__equal_fold(a, v + b, n))
				return 1;
	}
	return 0;
}

/* The one address a report names only inside its sentences ("You sent mail
 * to bob@example.org. That's not a valid user here.", "アドレス「bob@...」は
 * 登録されていません"), other than its header's and the mail system's own:
 * its length at *at, or 0 when there is none or more than one. */
static size_t only_address(const char *t, size_t n, const char *header, size_t header_end,
			   size_t *at)
{
	size_t found = 0, len = 0;
	for (const char *p = t; (p = memchr(p, '@', n - (size_t)(p - t))) != NULL; p++) {
		size_t s, k = address_around(t, n, (size_t)(p - t), &s);
		if (!k || not_a_recipient(t + s, k) || header_address(header, header_end, t + s, k))
			continue;
		if (len && (k != len || !smtpdiag__equal_fold(t + found, t + s, k)))
			return 0; /* two different addresses: which failed is not said */
		found = s;
		len = k;
	}
	*at = found;
	return len;
}

/* Do the words of t[0, n) read as a failure, by themselves, not by a frame
 * or a code? A report whose text names none of its recipients may still
 * say why they failed. */
static int reads_failure(const char *t, size_t n)
{
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	return n && smtpdiag_diagnose(t, n, &r, &d) == 0 && d.matched_by == SMTPDIAG_BY_TEXT &&
	       d.category != SMTPDIAG_CAT_OK;
}

/* The block whose reason is block i's: its own, or, where the report lists
 * several addresses and then one reason for them all ("kijitora@...\n
 * mikeneko@...\n\n----- Non-delivered information -----\n..."), the first
 * block below it that says more than addresses. */
static const struct block *reason_block(const char *t, const struct block *blocks,
					size_t nblocks, size_t i)
{
	for (size_t j = i; j < nblocks; j++)
		if (!only_addresses(t + blocks[j].start, blocks[j].end - blocks[j].start))
			return &blocks[j];
	return &blocks[i];
}

/* The recipients from the blocks: reasons for those of the delivery-status
 * part, else the blocks' own; else the header's list, or the original's To. */
static void recipients_of(struct smtpdiag__reader *rd, const char *t, const struct block *blocks,
			  size_t nblocks, size_t end, const char *header, size_t header_end)
{
	struct smtpdiag_message *m = rd->m;
	size_t preamble = nblocks ? blocks[0].addr : end;

	if (rd->count) { /* a delivery-status part named them: the text adds reasons */
		for (size_t r = 0; r < rd->count; r++) {
			struct smtpdiag__bounced_build *b = &rd->list[r];
			for (size_t i = 0; i < nblocks; i++)
				if (same_address(b->recipient, t + blocks[i].addr, blocks[i].addr_len) ||
				    generated_from(t, &blocks[i], b->recipient)) {
					if (b->diag == (size_t)-1 ||
					    gives_no_reason(rd->notes.buf + b->diag, b->diag_len))
						give_reason(rd, b, t, reason_block(t, blocks, nblocks, i),
							    0);
					else if (!b->host[0])
						host_in(t + blocks[i].start,
							blocks[i].end - blocks[i].start, b->host,
							sizeof b->host);
				}
			if (!b->host[0] && b->diag != (size_t)-1) /* named in its diagnostic */
				host_in(rd->notes.buf + b->diag, b->diag_len, b->host, sizeof b->host);
		}
		if (!nblocks && reads_failure(t, end)) /* "Invalid address - nair_s" */
			for (size_t r = 0; r < rd->count; r++) {
				struct smtpdiag__bounced_build *b = &rd->list[r];
				if (b->diag == (size_t)-1 ||
				    gives_no_reason(rd->notes.buf + b->diag, b->diag_len))
					smtpdiag__set_diagnostic(rd, b, t, end,
								 smtpdiag__input_offset(rd, 0));
			}
		return;
	}

	const char *action = delayed(m, t, end) ? "delayed" : "failed";
	for (size_t i = 0; i < nblocks; i++) {
		struct smtpdiag__bounced_build *b = NULL;
		for (size_t r = 0; r < rd->count && !b; r++)
			if (same_address(rd->list[r].recipient, t + blocks[i].addr, blocks[i].addr_len))
				b = &rd->list[r];
		if (!b) {
			if (!(b = smtpdiag__add_recipient(rd)))
				return;
			snprintf(b->recipient, sizeof b->recipient, "%.*s", (int)blocks[i].addr_len,
				 t + blocks[i].addr);
			snprintf(b->action, sizeof b->action, "%s", action);
		}
		give_reason(rd, b, t, reason_block(t, blocks, nblocks, i), preamble);
	}
	if (rd->count)
		return;

	/* no recipient in the text: the header's list, or the original's To */
	char failed[1024];
	smtpdiag__header_copy(header, header_end, "X-Failed-Recipients", failed, sizeof failed);
	add_listed(rd, failed, action, t, end);
	if (!rd->count)
		add_listed(rd, m->original_to, action, t, end);
	size_t at, k;
	if (!rd->count && reads_failure(t, end) &&
	    (k = only_address(t, end, header, header_end, &at)) != 0) {
		char named[256];
		snprintf(named, sizeof named, "%.*s", (int)k, t + at);
		add_listed(rd, named, action, t, end);
	}
	/* no address anywhere: one recipient unnamed, if the subject is a
	 * report's or the text reads as a failure; a notice from the null
	 * sender that thanks for the mail is none */
	if (!rd->count && end > 0 && (smtpdiag__subject_reports(rd) || reads_failure(t, end))) {
		struct smtpdiag__bounced_build *b = smtpdiag__add_recipient(rd);
		if (!b)
			return;
		snprintf(b->action, sizeof b->action, "%s", action);
		smtpdiag__set_diagnostic(rd, b, t, end, smtpdiag__input_offset(rd, 0));
		host_in(t, end, b->host, sizeof b->host);
	}
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Does the line end with "sent by" (Exim, when the report goes to someone
 * other than the sender: "A message sent by" over the sender's address)? */
static int ends_sent_by(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == ':'))
		n--;
	return n >= 7 && smtpdiag__equal_fold(s + n - 7, "sent by", 7) &&
	       (n == 7 || !smtpdiag__is_alnum((unsigned char)s[n - 8]));
}

/* Is the label before an address the recipient's original address ("Original
 * address:", "Original recipient:"), which names the recipient above again? */
static int original_label(const char *s, size_t n)
{
	return n > 9 && smtpdiag__equal_fold(s, "original", 8) && memchr(s, ':', n);
}

/* Does the line say that the recipients are listed below it: "did not reach
 * the following recipient(s):" (Exchange 2003, GroupWise), "The following
 * recipients were affected:" (MailMarshal)? The addresses before such a line
 * were the returned message's (its "To:"), not failed recipients. */
static int lists_recipients(const char *s, size_t n)
{
	static const char *const words[] = { "following recipient", "following address",
					     "recipients were affected" };
	return n < 200 && contains_fold(s, n, words, sizeof words / sizeof *words);
}

int smtpdiag__inline_report(const char *t, size_t n)
{
	static const char key[] = "final-recipient:";
	for (size_t i = 0; i + sizeof key - 1 <= n; i++)
		if ((i == 0 || t[i - 1] == '\n') && smtpdiag__equal_fold(t + i, key, sizeof key - 1))
			return 1;
	return 0;
}

void smtpdiag__read_bounce_text(struct smtpdiag__reader *rd, const char *header,
				size_t header_end)
{
	struct block *blocks = NULL;
	const char *t = rd->text.buf ? rd->text.buf : "";
	size_t n = rd->text.len, nblocks = 0, cap = 0, end = n, listed = 0;

	if (!rd->count && smtpdiag__inline_report(t, n))
		smtpdiag__read_dsn(rd, t, n, (size_t)-1, smtpdiag__input_offset(rd, 0));

	int sent_by = 0; /* the line above said "A message sent by" */
	/* where the last non-blank line and the last block's line start */
	size_t prev_line = (size_t)-1, block_line = (size_t)-2, prev_end = (size_t)-2;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(t + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - t) : n, a, k, l;
		if (stop_line(t + i, e - i)) {
			end = i;
			break;
		}
		if (!listed && lists_recipients(t + i, e - i))
			listed = nblocks + 1; /* the first list's: those after it */
		k = address_line(t + i, e - i, &a, &l);
		if (k && sent_by) /* Exim's "A message sent by\n\n  <sender>\n\ncould not be..." */
			k = 0;
		else if (k && nblocks && block_line == prev_line && original_label(t + i + l, a - l))
			k = 0; /* PMDF's "Original address:" right under "Recipient address:" */
		else if (k && nblocks && (t[i] == ' ' || t[i] == '\t') && prev_end + 1 == i &&
			 k == blocks[nblocks - 1].addr_len &&
			 !memcmp(t + i + a, t + blocks[nblocks - 1].addr, k))
			k = 0; /* Postfix's folded reply naming its own recipient again */
		if (!blank(t + i, e - i)) {
			sent_by = ends_sent_by(t + i, e - i);
			prev_line = i;
			prev_end = e;
		}
		if (k) {
			block_line = i;
			if (nblocks == cap) {
				struct block *p = realloc(blocks, (cap = cap ? 2 * cap : 16) * sizeof *p);
				if (!p) {
					free(blocks);
					rd->failed = 1;
					return;
				}
				blocks = p;
			}
			if (nblocks)
				blocks[nblocks - 1].end = i;
			/* the words before the address are part of its reason */
			size_t from = l != a && smtpdiag__is_alnum((unsigned char)t[i + l]) ? l : a + k;
			if (from == a + k) /* "<bob@example.org>:": the reason starts after it */
				while (i + from < e && t[i + from] && strchr(">'\":", t[i + from]))
					from++;
			blocks[nblocks++] = (struct block){ i + a, k, i + from, n };
		}
		i = e + 1;
	}
	if (nblocks)
		blocks[nblocks - 1].end = end;
	if (end < n && !rd->original_seen) /* the returned message, inline */
		for (size_t i = end, lines = 0; i < n && lines < 6; lines++) {
			if (smtpdiag__is_header_block(t + i, n - i)) {
				smtpdiag__original_header(rd, t + i, n - i);
				break;
			}
			const char *nl = memchr(t + i, '\n', n - i);
			i = nl ? (size_t)(nl - t) + 1 : n;
		}
	if (listed > 1 && listed <= nblocks) { /* what came before the list was the original's */
		memmove(blocks, blocks + listed - 1, (nblocks - listed + 1) * sizeof *blocks);
		nblocks -= listed - 1;
	}
	recipients_of(rd, t, blocks, nblocks, end, header, header_end);
	free(blocks);
}
