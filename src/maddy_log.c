/*
 * maddy_log.c - a log record of maddy, read as the reply it holds:
 *
 *   smtp: RCPT error\t{"effective_rcpt":"bob@example.org", ...,
 *    "reason":"reject directive used","smtp_code":501,
 *    "smtp_enchcode":"5.1.8","smtp_msg":"Non-local sender domain"}
 *
 * maddy writes a message, a tab and the error's context as JSON; the reply it
 * sent or got is the context's "smtp_code", "smtp_enchcode" and "smtp_msg"
 * (maddy's exterrors fields, framework/exterrors). Its own message is often
 * generic ("Network I/O error") where "reason" (the Go error below it) says
 * what went wrong ("dial tcp ...: connect: connection refused"), so the
 * reason is read after the message when it adds to it.
 */
#include <string.h>

#include "internal.h"

/* The JSON string at key's value in [s, end) into out: its length, or 0. */
static size_t string_of(const char *s, const char *end, const char *key, char *out,
			size_t cap)
{
	const char *v = smtpdiag__json_value(s, (size_t)(end - s), key);
	if (!v || v >= end || *v != '"')
		return 0;
	return smtpdiag__json_string(v, end, out, cap);
}

int smtpdiag__maddy_response(const char *line, size_t len, struct smtpdiag_reply *r)
{
	const char *end = line + len, *v = smtpdiag__find_plain(line, len, "\"smtp_code\":");
	if (!v)
		return 0;
	int code = 0, digits = 0;
	for (v += 12; v < end && smtpdiag__is_digit((unsigned char)*v) && digits < 4; v++, digits++)
		code = code * 10 + (*v - '0');
	char text[SMTPDIAG_TEXT_MAX], reason[SMTPDIAG_TEXT_MAX / 2], status[16];
	size_t n = string_of(line, end, "smtp_msg", text, sizeof text);
	if (digits != 3 || code < 200 || code > 599 || !n)
		return 0;
	size_t k = string_of(line, end, "reason", reason, sizeof reason);
	if (k && !strstr(text, reason) && n + k + 3 < sizeof text) {
		memcpy(text + n, " (", 2);
		memcpy(text + n + 2, reason, k);
		memcpy(text + n + 2 + k, ")", 2);
		n += k + 3;
	}
	smtpdiag_reply_from_text(text, n, r);
	r->code = code;
	struct smtpdiag_status st;
	k = string_of(line, end, "smtp_enchcode", status, sizeof status);
	if (k && smtpdiag__status_scan(status, k, &st) == k && st.cls == (unsigned)code / 100)
		r->status = st; /* "0.0.0" when maddy set none */
	return 1;
}
