/*
 * status.c - enhanced status codes (RFC 3463): class.subject.detail.
 */
#include "internal.h"

/* Read 1 to 3 digits at s[*i]; -1 when there are none or too many. */
static int read_part(const char *s, size_t len, size_t *i)
{
	int v = 0, n = 0;
	while (*i < len && smtpdiag__is_digit((unsigned char)s[*i])) {
		if (++n > 3)
			return -1;
		v = v * 10 + (s[(*i)++] - '0');
	}
	return n ? v : -1;
}

size_t smtpdiag__status_scan(const char *s, size_t len, struct smtpdiag_status *st)
{
	size_t i = 0;
	int part[3];
	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	part[0] = s[0] - '0';
	i = 2;
	if ((part[1] = read_part(s, len, &i)) < 0 || i >= len || s[i++] != '.')
		return 0;
	if ((part[2] = read_part(s, len, &i)) < 0)
		return 0;
	*st = (struct smtpdiag_status){ (uint16_t)part[0], (uint16_t)part[1],
					(uint16_t)part[2] };
	return i;
}

int smtpdiag_status_parse(const char *s, size_t len, struct smtpdiag_status *st)
{
	struct smtpdiag_status tmp;
	if (!s || !st || smtpdiag__status_scan(s, len, &tmp) != len)
		return SMTPDIAG_EINVAL;
	*st = tmp;
	return 0;
}
