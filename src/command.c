/*
 * command.c - the SMTP command a failure answered, as MTAs and programs name
 * it around the reply: Exim's "after RCPT TO:<...>", Postfix's "(in reply to
 * end of DATA command)", Sendmail's "ruleset=check_rcpt", Python's and Java's
 * exception classes, Nodemailer's "Mail command failed", PHPMailer's "RCPT TO
 * command failed", msmtp's messages. The caller says how a string is found: scan.c remembers where
 * the keys of the line it reads stand; a single paste is searched plainly.
 */
#include <string.h>

#include "internal.h"

const char *smtpdiag__find_plain(const char *s, size_t n, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = s; k && k <= (size_t)(s + n - p) &&
				(p = memchr(p, key[0], (size_t)(s + n - p) - k + 1));
	     p++)
		if (!memcmp(p, key, k))
			return p;
	return NULL;
}

int smtpdiag__command_at(const char *s, size_t n, char *dst, size_t cap)
{
	static const char *const commands[][2] = {
		{ "RCPT TO", "RCPT TO" },     { "MAIL FROM", "MAIL FROM" },
		{ "end of data", "DATA" },    { "end of DATA", "DATA" },
		{ "DATA", "DATA" },
		{ "BDAT", "BDAT" },           { "AUTH", "AUTH" },
		{ "EHLO", "EHLO" },           { "HELO", "HELO" },
		{ "STARTTLS", "STARTTLS" },   { "RSET", "RSET" },
		{ "QUIT", "QUIT" },           { "initial connection", "CONNECT" },
		{ ".", "DATA" },
	};
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		size_t k = strlen(commands[i][0]);
		if (k > n || memcmp(s, commands[i][0], k) || (k == 1 && n > 1) ||
		    strlen(commands[i][1]) >= cap)
			continue;
		strcpy(dst, commands[i][1]);
		return 1;
	}
	return 0;
}

void smtpdiag__postfix_command(const char *line, size_t len, char *dst, size_t cap,
			       smtpdiag__finder find)
{
	const char *in = find(line, len, "(in reply to ");
	if (in)
		smtpdiag__command_at(in + 13, (size_t)(line + len - in - 13), dst, cap);
}

void smtpdiag__exim_command(const char *line, size_t len, char *dst, size_t cap,
			    smtpdiag__finder find)
{
	/* a sender callout's failure names the RCPT TO it sent for the
	 * sender: "sender verify fail for <a>: ... after RCPT TO:<a>" */
	if (find(line, len, "sender verify fail") && cap > 9) {
		strcpy(dst, "MAIL FROM");
		return;
	}
	const char *after = find(line, len, " after ");
	if (!after)
		return;
	after += 7;
	if ((size_t)(line + len - after) > 10 && !memcmp(after, "pipelined ", 10))
		after += 10;
	smtpdiag__command_at(after, (size_t)(line + len - after), dst, cap);
}

void smtpdiag__program_command(const char *line, size_t len, char *dst, size_t cap,
			       smtpdiag__finder find)
{
	static const char *const says[][2] = {
		{ "rejected RCPT", "RCPT TO" },        { "ruleset=check_rcpt", "RCPT TO" },
		{ "reject: RCPT from", "RCPT TO" },     { "SmtpFailedRecipient", "RCPT TO" },
		{ "SMTPAddressFailedException", "RCPT TO" },
		{ "SMTPSenderFailedException", "MAIL FROM" },
		{ "SASL authentication failed", "AUTH" }, { "AuthenticationFailedException", "AUTH" },
		{ "SMTPRecipientsRefused", "RCPT TO" }, { "errormsg='recipient address", "RCPT TO" },
		{ "SMTPSenderRefused", "MAIL FROM" },  { "errormsg='envelope from address", "MAIL FROM" },
		{ "ruleset=check_mail", "MAIL FROM" },  { "SMTPAuthenticationError", "AUTH" },
		{ "errormsg='authentication failed", "AUTH" }, { "SMTPDataError", "DATA" },
		{ "errormsg='the server did not accept the mail", "DATA" },
		{ "errormsg='the server does not support TLS", "STARTTLS" },
		{ "Could not convert socket to TLS", "STARTTLS" }, /* JavaMail */
		{ "Error: Invalid login:", "AUTH" },    { "Mail command failed:", "MAIL FROM" },
		{ "Error: Message failed:", "DATA" },   { "Data command failed:", "DATA" },
		{ "After sending MAIL FROM", "MAIL FROM" }, /* Dart's mailer */
		{ "all recipients were rejected:", "RCPT TO" },
		{ "refused to talk to me:", "CONNECT" }, /* Postfix, at the greeting */
		/* Exim's sender callout in its reply (the log's words are
		 * smtpdiag__exim_command's) */
		{ "Sender verify failed", "MAIL FROM" },
		/* Thunderbird: its alert for a refused MAIL FROM, and for RCPT TO */
		{ "verify that your email address is correct", "MAIL FROM" },
		{ "check the message recipient", "RCPT TO" },
		/* Outlook (0x800CCC78): "Verify the e-mail address in your account
		 * properties. The server responded: 550 ..." */
		{ "address in your account properties", "MAIL FROM" },
		/* msmtp on standard error, the line above its "server message:" */
		{ "msmtp: recipient address", "RCPT TO" },
		{ "msmtp: envelope from address", "MAIL FROM" },
		{ "msmtp: authentication failed", "AUTH" },
		{ "msmtp: the server did not accept the mail", "DATA" },
		{ "msmtp: cannot get initial OK message", "CONNECT" },
		/* qmail-remote's report of the step that failed */
		{ " does not like recipient.", "RCPT TO" },
		{ " but sender was rejected.", "MAIL FROM" },
		{ " but my name was rejected.", "HELO" },
		{ " but greeting failed.", "CONNECT" },
		{ " failed on DATA command.", "DATA" },
		{ " failed after I sent the message.", "DATA" },
	};
	for (size_t i = 0; i < sizeof says / sizeof *says; i++)
		if (find(line, len, says[i][0]) && strlen(says[i][1]) < cap) {
			strcpy(dst, says[i][1]);
			return;
		}
	/* PHPMailer: "SMTP ERROR: RCPT TO command failed: 550 ..." */
	const char *p = find(line, len, "SMTP ERROR: ");
	const char *c = p ? find(p, (size_t)(line + len - p), " command failed") : NULL;
	if (c && (size_t)(c - p - 12) < cap) {
		size_t n = (size_t)(c - p - 12);
		memcpy(dst, p + 12, n);
		dst[n] = '\0';
		if (!strcmp(dst, "Password") || !strcmp(dst, "Username"))
			strcpy(dst, "AUTH");
	}
}
