/*
 * cli_paste.c - a paste saved to a file and given to `scan`: a bounce's text
 * without its header ("Address not found\n\nYour message wasn't delivered
 * to ..."), a program's error dialog. Scanned line by line it may show
 * nothing a log line would (no code, no word the scanner looks for); read as
 * a whole, as `explain` reads it, it tells its failure.
 */
#include <string.h>

#include "scanjob.h"

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Does some line start with a time stamp or a syslog date ("2024-05-03",
 * "[2024", "May  3 10:12:01")? Then the text is a log, and the scan of its
 * lines has said all there is. */
static int has_log_lines(const char *buf, size_t len)
{
	for (size_t i = 0; i < len;) {
		const char *s = buf + i;
		size_t n = len - i;
		if (*s == '[')
			s++, n--;
		if (n >= 5 && digit(s[0]) && digit(s[1]) &&
		    (s[2] == ':' || s[2] == '/' || s[4] == '-' || s[4] == '/'))
			return 1;
		if (n >= 15 && s[0] >= 'A' && s[0] <= 'Z' && s[3] == ' ' && s[9] == ':' &&
		    s[12] == ':')
			return 1;
		const char *nl = memchr(buf + i, '\n', len - i);
		i = nl ? (size_t)(nl - buf) + 1 : len;
	}
	return 0;
}

int scan_paste(struct job *j, const char *buf, size_t len)
{
	struct smtpdiag_finding f;
	memset(&f, 0, sizeof f);
	if (has_log_lines(buf, len) ||
	    smtpdiag_diagnose_with(j->rules, buf, len, &f.reply, &f.diagnosis) != 0 ||
	    f.diagnosis.severity == SMTPDIAG_SUCCESS || f.diagnosis.category == SMTPDIAG_CAT_OK)
		return 0;
	f.line = 1;
	for (size_t i = 0; i < f.reply.start && i < len; i++)
		f.line += buf[i] == '\n';
	emit(j, j->source, &f);
	return 1;
}
