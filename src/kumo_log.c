/*
 * kumo_log.c - a log record of KumoMTA, read as the reply it holds:
 *
 *   {"type":"Bounce", ..., "recipient":"bob@example.org", ...,
 *    "response":{"code":550,"enhanced_code":{"class":5,"subject":1,"detail":1},
 *                "content":"5.1.1 The email account that you tried to reach does not exist",
 *                "command":"RCPT TO:<bob@example.org>\r\n"}, ...}
 *
 * The reply's code, enhanced status, text and the command it answered are
 * fields of "response", the server's name is "peer_address"'s "name"
 * (KumoMTA's log record: docs.kumomta.com, "Log Record"); KumoMTA's own
 * failures ("KumoMTA internal: ...") come the same way.
 */
#include <string.h>

#include "internal.h"

/* The number at the value of "key" within [s, end), or -1. */
static int number(const char *s, const char *end, const char *key)
{
	const char *v = smtpdiag__json_value(s, (size_t)(end - s), key);
	int n = 0, digits = 0;
	for (; v && v < end && smtpdiag__is_digit((unsigned char)*v) && digits < 4; v++, digits++)
		n = n * 10 + (*v - '0');
	return digits ? n : -1;
}

int smtpdiag__kumo_response(const char *line, size_t len, struct smtpdiag_reply *r)
{
	if (!memchr(line, '{', len)) /* most lines: no JSON at all */
		return 0;
	const char *end = line + len, *resp = smtpdiag__json_value(line, len, "response");
	if (!resp || resp >= end || *resp != '{')
		return 0;
	int code = number(resp, end, "code");
	const char *content = smtpdiag__json_value(resp, (size_t)(end - resp), "content");
	if (code < 200 || code > 599 || !content || content >= end || *content != '"')
		return 0;
	char text[SMTPDIAG_TEXT_MAX];
	size_t n = smtpdiag__json_string(content, end, text, sizeof text);
	smtpdiag_reply_from_text(text, n, r);
	r->code = code;
	const char *enh = smtpdiag__json_value(resp, (size_t)(end - resp), "enhanced_code");
	const char *close = enh && enh < end ? memchr(enh, '}', (size_t)(end - enh)) : NULL;
	if (close && *enh == '{' && !r->status.cls) {
		int cls = number(enh, close, "class"), subject = number(enh, close, "subject"),
		    detail = number(enh, close, "detail");
		if (cls >= 2 && cls <= 5 && subject >= 0 && detail >= 0)
			r->status = (struct smtpdiag_status){ (uint16_t)cls, (uint16_t)subject,
							      (uint16_t)detail };
	}
	/* the command it answered, "RCPT TO:<bob@example.org>\r\n"; the peer's
	 * name, "mx.example.org." */
	const char *cmd = smtpdiag__json_value(resp, (size_t)(end - resp), "command");
	if (cmd && cmd < end && *cmd == '"') {
		n = smtpdiag__json_string(cmd, end, text, sizeof text);
		smtpdiag__command_at(text, n, r->command, sizeof r->command);
	}
	const char *peer = smtpdiag__json_value(line, len, "peer_address");
	close = peer && peer < end && *peer == '{' ? memchr(peer, '}', (size_t)(end - peer)) : NULL;
	const char *name = close ? smtpdiag__json_value(peer, (size_t)(close - peer), "name") : NULL;
	if (name && *name == '"' && !r->host[0])
		smtpdiag__json_string(name, close, r->host, sizeof r->host);
	return 1;
}
