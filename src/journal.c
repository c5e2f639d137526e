/*
 * journal.c - a line of `journalctl -o json`: the MESSAGE field (a JSON
 * string, or an array of byte values when the message is not UTF-8) and
 * __REALTIME_TIMESTAMP (microseconds since the epoch) as the time, so that
 * systems without a syslog file are scanned as any log is:
 *
 *   journalctl -u postfix -f -o json | smtpdiag scan --json
 *
 * (`-o short-iso` lines are plain log lines with an ISO 8601 time stamp.)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* A JSON array of byte values at s ('['), as bytes into out. */
static size_t byte_array(const char *s, const char *end, char *out, size_t cap)
{
	size_t w = 0;
	unsigned v = 0;
	int digits = 0;
	for (s++; s < end && *s != ']' && w + 1 < cap; s++) {
		if (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s - '0');
			digits = 1;
		} else if (*s == ',') {
			if (digits)
				out[w++] = (char)(v & 0xff);
			v = 0;
			digits = 0;
		}
	}
	if (digits && w + 1 < cap)
		out[w++] = (char)(v & 0xff);
	out[w] = '\0';
	return w;
}

size_t smtpdiag__journal_line(const char *line, size_t n, char *out, size_t cap, char *when,
			      size_t when_cap)
{
	if (n < 12 || line[0] != '{')
		return 0;
	const char *end = line + n, *v = smtpdiag__json_value(line, n, "MESSAGE");
	if (!v || v >= end || (*v != '"' && *v != '['))
		return 0;
	size_t k = *v == '"' ? smtpdiag__json_string(v, end, out, cap) : byte_array(v, end, out, cap);
	when[0] = '\0';
	const char *t = smtpdiag__json_value(line, n, "__REALTIME_TIMESTAMP");
	if (t && t < end && *t == '"')
		t++;
	unsigned long long us = 0;
	for (; t && t < end && *t >= '0' && *t <= '9' && us < 1ULL << 60; t++)
		us = us * 10 + (unsigned long long)(*t - '0');
	struct tm tm;
	time_t secs = (time_t)(us / 1000000);
	if (us && gmtime_r(&secs, &tm))
		snprintf(when, when_cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06lluZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1000000);
	return k;
}
