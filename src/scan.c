/*
 * scan.c - find and classify every failed reply in a log.
 *
 * trigger.c finds the candidate lines; here each one is read the way its
 * program wrote it: Postfix's "dsn=5.1.1, status=bounced (host H said: ...)",
 * Sendmail's "dsn=5.1.1, stat=...", Exim's "** addr ... SMTP error ...: 550
 * ..." and "== addr ... defer (110): text", and, for everything else, the
 * reply parser over the line. The reply is then classified exactly as
 * `explain` classifies it: by smtpdiag_classify_with.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "internal.h"

void smtpdiag_scanner_init(struct smtpdiag_scanner *s)
{
	*s = (struct smtpdiag_scanner){ .line = 1 };
}

/* ---- fields of a log line ------------------------------------------------ */

/* A key's length and the place of its rarest byte (the first of the
 * rarest), remembered on each thread: they are the same hundred-odd
 * strings, looked for some fifty times a failure. id is its number in
 * line_keys[set], or -1 before it was looked for in a whole line. */
struct anchor {
	const char *key;
	uint16_t n, k; /* scan.c's keys are short */
	int16_t id;
	uint8_t set;
};

static inline struct anchor *anchor_of(const char *key)
{
	enum { SLOTS = 256 }; /* more than scan.c has keys: none is forgotten */
	static _Thread_local struct anchor seen[SLOTS];
	size_t h = (size_t)((uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15u >> 56), i = 0;
	while (seen[h].key && seen[h].key != key && ++i < SLOTS)
		h = (h + 1) % SLOTS;
	struct anchor *a = &seen[h];
	if (a->key == key)
		return a;
	size_t n = strlen(key), k = 0;
	unsigned best = smtpdiag__rarity((unsigned char)key[0]);
	for (size_t j = 1; j < n && best; j++) {
		unsigned r = smtpdiag__rarity((unsigned char)key[j]);
		if (r < best) {
			best = r;
			k = j;
		}
	}
	*a = (struct anchor){ key, (uint16_t)n, (uint16_t)k, -1, 0 };
	return a;
}

/* The keys looked for in the line being read, learned as they are asked
 * for, and where each of them first stands in that line: found all at once
 * (keys.c), in two sets. Set 0, the keys read for every failure, when the
 * line is taken up; set 1, the thirty-odd that name a program's command
 * (find_late), only when one of them is asked for: most failures say their
 * command otherwise, and fewer keys let fewer places through keys.c's
 * vector test. known[i]: the keys of set i that its pass found, 0 for set 1
 * before its pass. */
static _Thread_local struct smtpdiag__keys line_keys[2];
static _Thread_local struct {
	const char *line;
	size_t len, known[2];
	const char *at[2][SMTPDIAG_KEYS_MAX];
} here;

static void take_up(const char *line, size_t len)
{
	here.line = line;
	here.len = len;
	here.known[0] = line_keys[0].n;
	here.known[1] = 0;
	smtpdiag__keys_find(&line_keys[0], line, len, here.at[0]);
}

/* The first occurrence of key (a: its anchor) in line[0, len), or NULL;
 * key is a string that never changes (a literal, a table's), as anchor_of
 * remembers it by its address, and goes into `set` of the line's keys when
 * it is first asked for. Inside the line taken up, what its pass found; else (or
 * when the key's first occurrence is before line) a search: first for the
 * key's rarest byte, then a compare of its first byte, then of the rest.
 * The candidates come in the order of their starts, so the first that
 * matches is the first occurrence, whichever byte is looked for. */
static __attribute__((noinline)) const char *find_at(struct anchor *a, const char *line,
						    size_t len, const char *key, uint8_t set)
{
	size_t n = a->n, k = a->k;
	if (here.line && line >= here.line && line + len <= here.line + here.len) {
		if (a->id < 0 && line == here.line) { /* from the next line on */
			a->id = (int16_t)smtpdiag__keys_add(&line_keys[set], key);
			a->set = set;
		}
		if (a->id >= 0 && a->set && !here.known[1]) {
			here.known[1] = line_keys[1].n;
			smtpdiag__keys_find(&line_keys[1], here.line, here.len, here.at[1]);
		}
		if (a->id >= 0 && (size_t)a->id < here.known[a->set]) {
			const char *at = here.at[a->set][a->id];
			if (!at)
				return NULL;
			if (at >= line)
				return at + n <= line + len ? at : NULL;
		}
	}
	if (n > len)
		return NULL;
	const char *p = line + k, *last = line + len - n + k;
	while (p <= last && (p = memchr(p, key[k], (size_t)(last - p) + 1))) {
		if (p[-(ptrdiff_t)k] == key[0] && !memcmp(p - k, key, n))
			return p - k;
		p++;
	}
	return NULL;
}

/* find_at, with the answer for the most asked first: the whole line taken
 * up, and a key its pass looked for (found inside it, or not at all). */
static inline const char *find_in(const char *line, size_t len, const char *key, uint8_t set)
{
	struct anchor *a = anchor_of(key);
	if (line == here.line && len == here.len && a->id >= 0 &&
	    (size_t)a->id < here.known[a->set])
		return here.at[a->set][a->id];
	return find_at(a, line, len, key, set);
}

static const char *find(const char *line, size_t len, const char *key)
{
	return find_in(line, len, key, 0);
}

/* find, for the keys of a program's command (smtpdiag__program_command) */
static const char *find_late(const char *line, size_t len, const char *key)
{
	return find_in(line, len, key, 1);
}

/* Where the value at p ends: its length up to the first NUL or byte of
 * `stops` (four at most, else any), or room. Sixteen bytes at a time where
 * there is SSE2: values are short, but some fifty a failure are read. */
static size_t value_end(const char *p, size_t room, const char *stops)
{
	char s[4] = { 0 }; /* unused places stop at a NUL, as the value does */
	size_t k = strlen(stops), i = 0;
	if (k > 4) {
		while (i < room && p[i] && !strchr(stops, p[i]))
			i++;
		return i;
	}
	memcpy(s, stops, k);
#ifdef __SSE2__
	__m128i s0 = _mm_set1_epi8(s[0]), s1 = _mm_set1_epi8(s[1]);
	__m128i s2 = _mm_set1_epi8(s[2]), s3 = _mm_set1_epi8(s[3]);
	for (; i + 16 <= room; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, s0), _mm_cmpeq_epi8(v, s1)),
					 _mm_or_si128(_mm_cmpeq_epi8(v, s2), _mm_cmpeq_epi8(v, s3)));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask)
			return i + (unsigned)__builtin_ctz(mask);
	}
#endif
	for (; i < room; i++) {
		char c = p[i];
		if (c == s[0] || c == s[1] || c == s[2] || c == s[3])
			break;
	}
	return i;
}

/* Copy what follows key, up to a byte of `stops` (or a NUL), into dst.
 * Returns 1 when key was found and the value is not empty. */
static int field(const char *line, size_t len, const char *key, const char *stops,
		 char *dst, size_t cap)
{
	const char *p = find(line, len, key);
	if (!p)
		return 0;
	p += strlen(key);
	size_t room = (size_t)(line + len - p);
	size_t n = value_end(p, room < cap - 1 ? room : cap - 1, stops), i = 0;
#ifdef __SSE2__
	if (n >= 16) { /* controls as spaces, sixteen bytes at a time; the last
			* sixteen overlap the ones before */
		const __m128i low = _mm_set1_epi8(0x1f), space = _mm_set1_epi8(' ');
		for (;; i += 16) {
			if (i + 16 > n)
				i = n - 16;
			__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
			__m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low); /* v <= 0x1f */
			v = _mm_or_si128(_mm_andnot_si128(ctl, v), _mm_and_si128(ctl, space));
			_mm_storeu_si128((__m128i *)(dst + i), v);
			if (i + 16 == n)
				break;
		}
		i = n;
	}
#endif
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		dst[i] = c < 0x20 ? ' ' : (char)c;
	}
	dst[n] = '\0';
	return n > 0;
}

static int digits_at(const char *p, const char *s)
{
	for (; *s; s++, p++)
		if (*s == 'd' ? !smtpdiag__is_digit((unsigned char)*p) : *p != *s)
			return 0;
	return 1;
}

/* A time stamp at the start of the line: syslog's "May  3 10:12:01", ctime's, or
 * ISO 8601's "2024-05-03 10:15:09" / "2024-05-03T10:15:09.123+02:00". */
static void time_stamp(const char *line, size_t len, char *dst, size_t cap)
{
	size_t n = 0;
	if (len >= 24 && line[0] >= 'A' && line[0] <= 'Z' && line[3] == ' ' && line[7] == ' ' &&
	    digits_at(line + 11, "dd:dd:dd") && line[19] == ' ' && digits_at(line + 20, "dddd"))
		n = 24; /* ctime's "Tue Mar  3 10:12:01 2026" (Cisco AsyncOS) */
	else if (len >= 15 && line[0] >= 'A' && line[0] <= 'Z' && line[3] == ' ' &&
		 digits_at(line + 7, "dd:dd:dd"))
		n = 15;
	else if (len >= 19 && digits_at(line, "dddd-dd-dd") &&
		 (line[10] == ' ' || line[10] == 'T') && digits_at(line + 11, "dd:dd:dd"))
		for (n = 19; n < len && n + 1 < cap && line[n] != ' ' && line[n] != '\t'; n++)
			;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, line, n);
	dst[n] = '\0';
}

/* A client's command line of a transcript, into the finding (with the
 * recipient of "RCPT TO:<...>"); 0 when it is no command. */
static int client_command(const char *s, const char *end, struct smtpdiag_finding *f)
{
	size_t n = (size_t)(end - s);
	if (!smtpdiag__command_at(s, n, f->reply.command, sizeof f->reply.command))
		return 0;
	if (!strcmp(f->reply.command, "RCPT TO") && !f->recipient[0])
		field(s, n, "<", ">", f->recipient, sizeof f->recipient);
	return 1;
}

/* The line that ends just before p, as [*start, return). */
static const char *previous_line(const char *limit, const char *p, const char **start)
{
	const char *end = p - 1, *q = end;
	while (q > limit && q[-1] != '\n')
		q--;
	*start = q;
	return end > q && end[-1] == '\r' ? end - 1 : end;
}

/* Where the client's command starts on a transcript's line [text, end),
 * its leading blanks skipped: after swaks's "-> " or "~> " or curl's "> " at
 * its start, or after PHPMailer's "CLIENT -> SERVER: " anywhere (a time
 * comes first). NULL on a line the client did not write. */
static const char *client_wrote(const char *text, const char *end)
{
	static const char *const client[] = { "-> ", "~> ", "> ", "CLIENT -> SERVER: " };
	for (size_t i = 0; i < sizeof client / sizeof *client; i++) {
		const char *m = find(text, (size_t)(end - text), client[i]);
		if (m && (m == text || i == 3)) {
			for (m += strlen(client[i]); m < end && *m == ' '; m++)
				;
			return m;
		}
	}
	return NULL;
}

/* A failure without a reply a few lines after the client asked for STARTTLS
 * ("CLIENT -> SERVER: STARTTLS", "-> STARTTLS"): the rules read it together
 * with that line, and decide when they see a TLS failure in the two (to
 * PHPMailer, "Could not connect to SMTP host" there means that the
 * encryption failed, not the connection). */
static void after_starttls(const struct smtpdiag_rules *rules, const char *block,
			   const char *line, size_t len, struct smtpdiag_diagnosis *d)
{
	const char *p = line, *start;
	for (int k = 0; k < 4 && p > block; k++, p = start) {
		const char *end = previous_line(block, p, &start), *text = start, *m;
		while (text < end && (*text == ' ' || *text == '\t'))
			text++;
		if (!(m = client_wrote(text, end)) || end - m < 8 || memcmp(m, "STARTTLS", 8))
			continue;
		char joined[SMTPDIAG_TEXT_MAX];
		size_t a = (size_t)(end - start), b = len;
		if (a > sizeof joined / 2)
			a = sizeof joined / 2;
		if (b > sizeof joined - a - 1)
			b = sizeof joined - a - 1;
		memcpy(joined, start, a);
		joined[a] = ' ';
		memcpy(joined + a + 1, line, b);
		struct smtpdiag_reply r;
		struct smtpdiag_diagnosis tls;
		smtpdiag_reply_from_text(joined, a + 1 + b, &r);
		if (smtpdiag_classify_with(rules, &r, &tls) == 0 &&
		    tls.category == SMTPDIAG_CAT_TLS)
			*d = tls;
		return;
	}
}

/* A transcript (swaks, curl -v, PHPMailer's debug output) says the command a
 * reply answers, and the server, on earlier lines: look back for the last
 * client command ("-> RCPT TO:<...>", "> MAIL FROM:", "CLIENT -> SERVER:")
 * and the connection line ("=== Trying host:25", "* Connected to host"). */
static void transcript(const char *block, const char *line, int client_side,
		       struct smtpdiag_finding *f)
{
	static const char *const connect[] = { "=== Trying ", "* Connected to ",
					       "Connection: opening to ", "Connecting to: " };
	size_t back = SMTPDIAG_SCAN_LOOKBACK;
	const char *limit = (size_t)(line - block) > back ? line - back : block;
	int have_command = !client_side || f->reply.command[0] != 0;
	for (const char *p = line, *q; p > limit && !(have_command && f->reply.host[0]); p = q) {
		const char *end = previous_line(limit, p, &q), *text = q;
		while (text < end && (*text == ' ' || *text == '\t'))
			text++;
		const char *m = client_side && !have_command ? client_wrote(text, end) : NULL;
		if (m)
			have_command = client_command(m, end, f);
		for (size_t i = 0; !f->reply.host[0] && i < sizeof connect / sizeof *connect; i++)
			field(text, (size_t)(end - text), connect[i], ":( \t", f->reply.host,
			      sizeof f->reply.host);
	}
}

/* The first <address> in s, when it has an '@'. */
static void address_in(const char *s, size_t len, char *dst, size_t cap)
{
	const char *lt = memchr(s, '<', len);
	const char *gt = lt ? memchr(lt, '>', (size_t)(s + len - lt)) : NULL;
	size_t n = gt ? (size_t)(gt - lt - 1) : 0;
	if (n && n < cap && memchr(lt, '@', n + 1)) {
		memcpy(dst, lt + 1, n);
		dst[n] = '\0';
	}
}

static void lstrip(char *v)
{
	size_t k = strspn(v, " ");
	memmove(v, v + k, strlen(v + k) + 1);
}

/* A delivery report (RFC 3464) names the recipient and the remote server on
 * the lines above its Diagnostic-Code; a bounce's text says "after RCPT
 * TO:<...>" on the line before the reply. */
static void dsn_block(const char *block, const char *line, struct smtpdiag_finding *f)
{
	const char *limit = line - block > 2048 ? line - 2048 : block, *q;
	/* most logs hold no report: then only the line above can say more */
	int report = find(limit, (size_t)(line - limit), "Final-Recipient: ") ||
		     find(limit, (size_t)(line - limit), "Remote-MTA: dns;");
	for (const char *p = line; p > limit && (report || p == line); p = q) {
		const char *end = previous_line(limit, p, &q);
		size_t n = (size_t)(end - q);
		if (!n) /* a blank line ends the block */
			break;
		if (report && !f->recipient[0] &&
		    !field(q, n, "Final-Recipient: rfc822;", "", f->recipient, sizeof f->recipient))
			field(q, n, "Final-Recipient: RFC822;", "", f->recipient, sizeof f->recipient);
		if (report && !f->reply.host[0])
			field(q, n, "Remote-MTA: dns;", "", f->reply.host, sizeof f->reply.host);
		if (p == line && !f->reply.command[0] && find(q, n, "after RCPT TO:<")) {
			strcpy(f->reply.command, "RCPT TO");
			if (!f->recipient[0])
				field(q, n, "after RCPT TO:<", ">", f->recipient, sizeof f->recipient);
		}
	}
	/* values are written "rfc822; bob@example.org": drop the space */
	lstrip(f->recipient);
	lstrip(f->reply.host);
}

/* A JavaScript error printed by console.log (Nodemailer) lists its
 * properties after the stack: "  command: 'RCPT TO'", "  rejected: [ 'bob@...' ]". */
static void js_properties(const char *p, const char *end, struct smtpdiag_finding *f)
{
	/* no quote in [p, q): the lines below most failures hold none, so
	 * quotes are looked for 4 KiB at a time rather than line by line */
	const char *q = p;
	for (int lines = 0; p < end && lines < 24; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);
		if (n && (*p == '}' || (*p != ' ' && *p != '\t')))
			return; /* the object's end, or a line of the log again */
		if (q < p)
			q = p;
		while (q < e && *q != '\'') {
			size_t k = (size_t)(end - q) < 4096 ? (size_t)(end - q) : 4096;
			const char *quote = memchr(q, '\'', k);
			q = quote ? quote : q + k;
		}
		if (q < e) { /* a quote, as every property below has */
			if (!f->reply.command[0])
				field(p, n, "  command: '", "'", f->reply.command,
				      sizeof f->reply.command);
			if (!f->recipient[0])
				field(p, n, "  rejected: [ '", "'", f->recipient, sizeof f->recipient);
			if (!f->reply.host[0])
				field(p, n, "  address: '", "'", f->reply.host, sizeof f->reply.host);
		}
		p = nl ? nl + 1 : end;
	}
}

/* Does the line hold a server's reply in a transcript? */
static int transcript_line(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && line[i] == ' ')
		i++;
	return (i < len && line[i] == '<') || find(line, len, "SERVER -> CLIENT:");
}

/* msmtp on standard error says the step that failed, and the recipient, on
 * the line above "msmtp: server message: 550 ...":
 * "msmtp: recipient address bob@example.org not accepted by the server". */
static void msmtp_step(const char *block, const char *buf, size_t len,
		       struct smtpdiag_finding *f)
{
	static const char lead[] = "msmtp: server message: ";
	if (len < sizeof lead - 1 || memcmp(buf, lead, sizeof lead - 1) || buf == block)
		return;
	const char *end = buf - 1, *start = end; /* end: the newline above */
	while (start > block && start[-1] != '\n')
		start--;
	size_t n = (size_t)(end - start);
	smtpdiag__program_command(start, n, f->reply.command, sizeof f->reply.command, find);
	if (!f->recipient[0])
		field(start, n, "msmtp: recipient address ", " \r", f->recipient,
		      sizeof f->recipient);
}

/* Python prints a refused recipient as {'bob@example.org': (550, b'...')}
 * and a refused sender as (553, b'...', 'ann@example.org'): with the
 * exception's class name before it, or alone, as print(e) leaves it. */
static void python_refusal(const char *line, size_t len, struct smtpdiag_finding *f)
{
	struct smtpdiag_reply *r = &f->reply;
	const char *p = find(line, len, "{'");
	const char *q = p ? find(p, (size_t)(line + len - p), "': (") : NULL;
	if (q && memchr(p, '@', (size_t)(q - p))) {
		if (!r->command[0])
			strcpy(r->command, "RCPT TO");
		if (!f->recipient[0] && (size_t)(q - p - 2) < sizeof f->recipient) {
			memcpy(f->recipient, p + 2, (size_t)(q - p - 2));
			f->recipient[q - p - 2] = '\0';
		}
		return;
	}
	while (len > 0 && smtpdiag__is_space((unsigned char)line[len - 1]))
		len--;
	if (len < 8 || memcmp(line + len - 2, "')", 2) || !find(line, len, ", b'"))
		return;
	const char *end = line + len - 2, *open = end;
	while (open > line && open[-1] != '\'')
		open--;
	if (open - line < 4 || memcmp(open - 4, "', '", 4) || !memchr(open, '@', (size_t)(end - open)))
		return;
	if (!r->command[0])
		strcpy(r->command, "MAIL FROM");
	if (!f->sender[0] && (size_t)(end - open) < sizeof f->sender) {
		memcpy(f->sender, open, (size_t)(end - open));
		f->sender[end - open] = '\0';
	}
}

/* Where log lines name a field: the text before the value, the bytes that
 * end it, and whether only an ESP's JSON event writes it so. First match
 * wins. */
struct pattern {
	const char *key, *stops;
	int json;
};

static const struct pattern recipient_at[] = {
	{ "to=<", ">", 0 },                  /* Postfix, Sendmail */
	{ "RCPT TO:<", ">", 0 },             /* Exim's "after RCPT TO:<...>" */
	{ "rejected RCPT <", ">", 0 },       /* Exim's rejections */
	{ "arg1=<", ">", 0 },                /* Sendmail's rulesets */
	{ "recipient address ", " '\t", 0 }, /* msmtp's errormsg */
	{ " ** ", ": \t", 0 },               /* Exim's failures */
	{ " == ", ": \t", 0 },               /* Exim's deferrals */
	{ "\"emailAddress\":\"", "\"", 1 },    /* Amazon SES */
	{ "\"recipient\":\"", "\"", 1 },       /* Mailgun */
	{ "\"rcpt_to\":\"", "\"", 1 },         /* SparkPost */
	{ "\"rcpt\":\"", "\"", 1 },            /* maddy */
	{ "\"email\":\"", "\"", 1 },           /* SendGrid, Mandrill */
	{ "\"Email\":\"", "\"", 1 },           /* Postmark */
	{ "recipients=", " \t", 0 },         /* msmtp */
	{ "Refused: {'", "'", 0 },           /* Python's SMTPRecipientsRefused */
};

static const struct pattern sender_at[] = {
	{ "from=<", ">", 0 },      /* Postfix, Sendmail */
	{ " F=<", ">", 0 },        /* Exim */
	{ "MAIL FROM:<", ">", 0 }, /* Exim's "after MAIL FROM:<...>" */
	{ " from=", " \t", 0 },    /* msmtp */
};

static const struct pattern host_at[] = {
	{ "(host ", "[ \t", 0 },                   /* Postfix's "(host H[ip] said:" */
	{ "connect to host, port: ", ", ", 0 },    /* JavaMail */
	{ "connect to SMTP host: ", ", ", 0 },     /* JavaMail */
	{ "connect to ", "[:", 0 },                /* Postfix */
	{ "authentication failed; server ", "[ ", 0 }, /* Postfix's SASL */
	{ "ECONNREFUSED ", ": ", 0 },              /* Node.js */
	{ "\"mx-host\":\"", "\"", 1 },              /* Mailgun */
	{ " H=", " \t", 0 },                       /* Exim */
	{ " host=", ": \t", 0 },                   /* msmtp */
	{ "relay=", "[, ", 0 },                    /* Postfix, Sendmail */
	{ " host ", "[ \t", 0 },
};

static void first_field(const char *line, size_t len, const struct pattern *p, size_t n,
			int json, char *dst, size_t cap)
{
	for (size_t i = 0; i < n; i++)
		if ((!p[i].json || json) && field(line, len, p[i].key, p[i].stops, dst, cap))
			return;
}

#define FIRST_FIELD(table, dst) \
	first_field(line, len, table, sizeof table / sizeof *table, json, dst, sizeof dst)

/* A Postfix bounce's "<bob@example.org>: host ..." or "<bob@example.org>
 * (expanded from <list@example.org>): ...": the line starts with the
 * recipient. */
static void bounce_recipient(const char *line, size_t len, char *dst, size_t cap)
{
	const char *end = len > 1 && line[0] == '<' ? memchr(line, '>', len) : NULL;
	size_t n = end ? (size_t)(end - line - 1) : 0;
	if (!n || n >= cap || !memchr(line + 1, '@', n) || memchr(line + 1, ' ', n) ||
	    (size_t)(end - line) + 2 > len || (end[1] != ':' && end[1] != ' '))
		return;
	memcpy(dst, line + 1, n);
	dst[n] = '\0';
}

static void metadata(const char *line, size_t len, struct smtpdiag_finding *f)
{
	struct smtpdiag_reply *r = &f->reply;
	int json = memchr(line, '{', len) != NULL; /* an ESP's event */

	time_stamp(line, len, f->time, sizeof f->time);
	FIRST_FIELD(recipient_at, f->recipient);
	if (!f->recipient[0])
		bounce_recipient(line, len, f->recipient, sizeof f->recipient);
	FIRST_FIELD(sender_at, f->sender);
	if (!r->host[0])
		FIRST_FIELD(host_at, r->host);
	size_t h = strlen(r->host);
	if (h && r->host[h - 1] == '.') /* Sendmail's "relay=mx.example.org." */
		r->host[h - 1] = '\0';
	if (!strcmp(r->host, "none") || (h && r->host[h - 1] == ':') || /* "Remote host said:" */
	    strchr(r->host, ' ')) /* "Could not connect to SMTP host." names none */
		r->host[0] = '\0';
	if (!r->command[0])
		smtpdiag__exim_command(line, len, r->command, sizeof r->command, find);
	if (!r->command[0])
		smtpdiag__program_command(line, len, r->command, sizeof r->command, find_late);
	/* msmtp's recipients= are the message's; a refusal at MAIL FROM is
	 * about the sender, not about them */
	if (!strcmp(r->command, "MAIL FROM") && find(line, len, "recipients="))
		f->recipient[0] = '\0';
}

/* ---- the reply of a line --------------------------------------------------- */

/* The first failed reply that starts on the line (it may go on over the next
 * lines, up to buf + avail), or the line's full giving of it when it is a
 * bare code. Returns 1 with *r. */
static int failed_reply(const char *line, size_t len, size_t avail,
			struct smtpdiag_reply *r)
{
	size_t pos = 0;
	while (smtpdiag_parse(line, avail, &pos, r) == 0 && r->start < len)
		if (smtpdiag__is_failure(r)) {
			smtpdiag__said_later(line, avail, len, r);
			return 1;
		}
	return 0;
}

/* Is the line's "dsn=" (Postfix, Sendmail) a failure (4.x.x or 5.x.x)?
 * Then 1, with that status in *st. */
static int failed_dsn(const char *line, size_t len, struct smtpdiag_status *st)
{
	return smtpdiag__dsn_field(line, len, st) && (st->cls == 4 || st->cls == 5);
}

/* The replies of Postfix's "status=... (...)" read last, on each thread:
 * a log gives the same words in parentheses over and over, and the reply
 * read from them depends on those bytes and the dsn alone. Two slots for
 * each hash, the bytes compared exactly; long ones are not remembered. */
enum { PAREN_SETS = 64, PAREN_MAX = 512 };

struct paren {
	size_t n;           /* of key; 0 for a slot never filled */
	unsigned long age;  /* when last used */
	struct smtpdiag_status st;
	char key[PAREN_MAX];
	struct smtpdiag_reply r; /* its text up to its NUL */
	uint64_t hash;           /* r's smtpdiag__reply_hash */
};

static _Thread_local struct paren parens[PAREN_SETS][2];
static _Thread_local unsigned long paren_clock;

/* The reply's fields, its text up to its NUL (what follows is never
 * read). */
static void reply_copy(struct smtpdiag_reply *dst, const struct smtpdiag_reply *src)
{
	dst->code = src->code;
	dst->status = src->status;
	dst->start = src->start;
	dst->end = src->end;
	dst->truncated = src->truncated;
	dst->text_len = src->text_len;
	memcpy(dst->text, src->text, src->text_len + 1);
	memcpy(dst->command, src->command, sizeof dst->command);
	memcpy(dst->host, src->host, sizeof dst->host);
	dst->port = src->port;
}

static int same_paren(const struct paren *m, const char *text, size_t n,
		      const struct smtpdiag_status *st)
{
	return m->n == n && m->st.cls == st->cls && m->st.subject == st->subject &&
	       m->st.detail == st->detail && !memcmp(m->key, text, n);
}

/* The two slots where the reply of text under st is remembered. */
static struct paren *paren_set(const char *text, size_t n, const struct smtpdiag_status *st)
{
	uint64_t h = smtpdiag__hash((uint64_t)st->cls << 32 ^ (uint64_t)st->subject << 16 ^
					    st->detail,
				    text, n);
	return parens[h >> 58];
}

/* The text between the first '(' from p and the last ')' before end (or
 * end, in a line cut before its ')'), its length in *n; NULL without a '('. */
static const char *in_parens(const char *p, const char *end, size_t *n)
{
	const char *open = memchr(p, '(', (size_t)(end - p));
	if (!open)
		return NULL;
	const char *text = open + 1, *close = end;
	while (close > text && close[-1] != ')')
		close--;
	*n = (size_t)((close > text ? close - 1 : end) - text);
	return text;
}

/* The reply of a Postfix "status=bounced (...)" or "status=deferred (...)"
 * (p: where "status=" stands): the server's words inside the parentheses
 * when it gave a reply, else the parenthesised text itself (a time-out, a
 * DNS failure) under the dsn. With the reply's smtpdiag__reply_hash in
 * *hash. */
static int postfix_status(const char *line, size_t len, const char *p,
			  struct smtpdiag_reply *r, uint64_t *hash)
{
	struct smtpdiag_status st;
	if (!failed_dsn(line, len, &st))
		return 0;
	size_t n;
	const char *text = in_parens(p, line + len, &n);
	if (!text)
		return 0;
	struct paren *set = n && n <= PAREN_MAX ? paren_set(text, n, &st) : NULL;
	for (int i = 0; set && i < 2; i++)
		if (same_paren(&set[i], text, n, &st)) {
			set[i].age = ++paren_clock;
			reply_copy(r, &set[i].r);
			*hash = set[i].hash;
			return 1;
		}
	if (failed_reply(text, n, n, r)) {
		if (!r->status.cls)
			r->status = st;
	} else {
		smtpdiag_reply_from_text(text, n, r);
		r->status = st;
	}
	*hash = smtpdiag__reply_hash(r);
	if (set) {
		struct paren *m = set[0].age <= set[1].age ? &set[0] : &set[1]; /* the older */
		m->n = 0; /* filled last: a scan cut short inside leaves no half */
		memcpy(m->key, text, n);
		m->age = ++paren_clock;
		m->st = st;
		reply_copy(&m->r, r);
		m->hash = *hash;
		atomic_signal_fence(memory_order_release);
		m->n = n;
	}
	return 1;
}

/* Sendmail: "dsn=5.1.1, stat=User unknown" (p: where ", stat=" stands; the
 * server's reply, when there is one, is in "reply=" or on a line of its
 * own). */
static int sendmail_status(const char *line, size_t len, const char *p,
			   struct smtpdiag_reply *r)
{
	struct smtpdiag_status st;
	if (!failed_dsn(line, len, &st))
		return 0;
	p += 7;
	smtpdiag_reply_from_text(p, (size_t)(line + len - p), r);
	r->status = st;
	return 1;
}

/* Exim's deferral or failure without an SMTP reply: "== addr ... defer (110):
 * Connection timed out", "** addr ...: Unrouteable address". */
static int exim_without_reply(const char *line, size_t len, struct smtpdiag_reply *r)
{
	const char *p = find(line, len, " == ");
	int cls = 4;
	if (!p) {
		p = find(line, len, " ** ");
		cls = 5;
	}
	if (!p)
		return 0;
	const char *text = find(p, (size_t)(line + len - p), ": ");
	if (!text)
		return 0;
	text += 2;
	smtpdiag_reply_from_text(text, (size_t)(line + len - text), r);
	r->status = (struct smtpdiag_status){ (uint16_t)cls, 0, 0 };
	return 1;
}

/* Lines that only repeat a failure shown above them: a Python traceback's
 * source line ("raise SMTPServerDisconnected(...)"), the properties of a
 * printed JavaScript error ("response: '550 ...'", "'550 5.1.1 ...' +"). */
static int echo_only(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	line += i;
	len -= i;
	static const char *const props[] = { "response: ", "code: '", "command: '", "responseCode: " };
	if (len >= 6 && !memcmp(line, "raise ", 6))
		return 1;
	for (size_t k = 0; i && k < sizeof props / sizeof *props; k++)
		if (len >= strlen(props[k]) && !memcmp(line, props[k], strlen(props[k])))
			return 1;
	return i && len && *line == '\'';
}

/* An ESP event without a reply code: Amazon SES's "status":"5.1.1" with its
 * "diagnosticCode", for an address it suppressed. */
static int esp_status(const char *line, size_t len, struct smtpdiag_reply *r)
{
	struct smtpdiag_status st;
	const char *p = find(line, len, "\"status\":\"");
	if (!p || !smtpdiag__status_scan(p + 10, (size_t)(line + len - p - 10), &st) ||
	    (st.cls != 4 && st.cls != 5))
		return 0;
	char text[SMTPDIAG_TEXT_MAX];
	if (!field(line, len, "\"diagnosticCode\":\"", "\"", text, sizeof text))
		text[0] = '\0';
	smtpdiag_reply_from_text(text, strlen(text), r);
	r->status = st;
	return 1;
}

/* Mailgun gives the code apart from the message: "code":550. */
static void esp_code(const char *line, size_t len, struct smtpdiag_reply *r)
{
	const char *p = find(line, len, "\"code\":");
	if (p && (size_t)(line + len - p) > 10 && p[7] >= '2' && p[7] <= '5' &&
	    smtpdiag__is_digit((unsigned char)p[8]) && smtpdiag__is_digit((unsigned char)p[9]))
		r->code = (p[7] - '0') * 100 + (p[8] - '0') * 10 + (p[9] - '0');
}

/* Does the line end with a server's code (and status) and no words after
 * " said: ", as a bounce wraps "said: 550\n    5.7.1 Service unavailable"? */
static int bare_code_said(const char *line, size_t len)
{
	const char *p = find(line, len, " said: ");
	size_t digits = 0;
	if (!p)
		return 0;
	for (p += 7; p < line + len && (smtpdiag__is_digit((unsigned char)*p) || *p == '.' ||
					 *p == ' ' || *p == '-' || *p == '\r');
	     p++)
		digits += smtpdiag__is_digit((unsigned char)*p) != 0;
	return p == line + len && digits >= 3;
}

/* Does the reply after " said: " or "Diagnostic-Code: smtp;" start with a
 * code that says more lines follow ("550-5.7.1 ...")? */
static int more_lines_said(const char *line, size_t len)
{
	const char *p = find(line, len, " said: "), *end = line + len;
	if (p) {
		p += 7;
	} else if ((p = find(line, len, "Diagnostic-Code:"))) {
		p += 16;
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (semi && semi - p < 16)
			p = semi + 1;
	} else {
		return 0;
	}
	while (p < end && *p == ' ')
		p++;
	return end - p > 4 && smtpdiag__is_digit((unsigned char)p[0]) &&
	       smtpdiag__is_digit((unsigned char)p[1]) && smtpdiag__is_digit((unsigned char)p[2]) &&
	       p[3] == '-';
}

/* Does an unindented line below such a reply go on with it: neither blank,
 * nor a log's next record (it starts with a time, or holds a reply or a
 * delivery's status of its own), nor the next recipient's
 * paragraph ("<bob@...>: host ...", "<bob@...> (expanded from ...)"), which
 * a reply's own "<bob@...>: Recipient address rejected" is not? */
static int goes_on(const char *next, size_t k)
{
	char when[40];
	if (!k || (k == 1 && next[0] == '\r'))
		return 0;
	time_stamp(next, k, when, sizeof when);
	if (when[0] || find(next, k, " said: ") || find(next, k, "status="))
		return 0;
	return next[0] != '<' || (!find(next, k, ">: host ") && !find(next, k, "> (expanded from"));
}

/* The line after the one that ends at line[at] (a newline, or the end of
 * what is available), and its length without the newline. */
static const char *line_after(const char *line, size_t at, size_t avail, size_t *k)
{
	const char *next = line + at + 1;
	const char *nl = memchr(next, '\n', avail - at - 1);
	*k = nl ? (size_t)(nl - next) : avail - at - 1;
	return next;
}

/* A reply whose text stops at a colon ("550 5.7.1 <bob@...>: Recipient
 * address rejected:") goes on over the lines below it that carry no code
 * of their own, as a bounce pasted without its indentation shows it: up to
 * three, appended to its text. Returns where the last one taken ends, or 0
 * when none is. */
static size_t after_colon(const char *line, size_t avail, struct smtpdiag_reply *r)
{
	size_t n = r->text_len, at = r->end, taken = 0;
	while (n && (r->text[n - 1] == ' ' || r->text[n - 1] == '\r'))
		n--;
	if (!n || r->text[n - 1] != ':')
		return 0;
	while (at < avail && line[at] != '\n')
		at++;
	for (int lines = 0; lines < 3 && at + 2 < avail; lines++) {
		size_t k;
		const char *next = line_after(line, at, avail, &k);
		while (k && (*next == ' ' || *next == '\t'))
			next++, k--;
		while (k && (next[k - 1] == '\r' || next[k - 1] == ' ' || next[k - 1] == '\t'))
			k--;
		if (!k || smtpdiag__is_digit((unsigned char)*next) || !goes_on(next, k) ||
		    n + 1 + k >= sizeof r->text)
			break;
		/* as the parser writes a text: white space (and a NUL) as one
		 * space */
		r->text[n++] = ' ';
		for (size_t i = 0; i < k; i++) {
			char c = next[i] == '\0' || next[i] == '\t' || next[i] == '\r' ? ' ' : next[i];
			if (c != ' ' || r->text[n - 1] != ' ')
				r->text[n++] = c;
		}
		at = (size_t)(next - line) + k;
		while (at < avail && line[at] != '\n')
			at++;
		taken = at;
	}
	if (taken) {
		r->text[n] = '\0';
		r->text_len = n;
	}
	return taken;
}

/* A reply folded over indented lines, as bounce messages and delivery
 * reports wrap it: the line and its continuations joined, then parsed. A
 * reply whose code ends its line, or says more lines follow ("550-"), goes
 * on over unindented lines too (a bounce pasted where its indentation was
 * lost), up to the line that says which command it answered. */
static int folded_reply(const char *line, size_t len, size_t avail, struct smtpdiag_reply *r,
			size_t *used)
{
	char joined[SMTPDIAG_TEXT_MAX];
	size_t n = len < sizeof joined ? len : sizeof joined - 1, end = len;
	if (!find(line, len, "Diagnostic-Code:") && !find(line, len, " said: "))
		return 0;
	memcpy(joined, line, n);
	/* how many unindented lines: up to the one that closes the reply, or
	 * (after a bare code) up to a blank line or the next paragraph */
	size_t take = 0, at = len;
	if (!find(line, len, "(in reply to")) {
		int bare = bare_code_said(line, len), more = !bare && more_lines_said(line, len);
		for (size_t lines = 0; at + 2 < avail && lines < 6; lines++) {
			size_t k;
			const char *next = line_after(line, at, avail, &k);
			if (next[0] == ' ' || next[0] == '\t' || !goes_on(next, k) ||
			    (more && smtpdiag__is_digit((unsigned char)next[0])))
				break; /* (a line with its code is the parser's) */
			at += 1 + k;
			if (find(next, k, "(in reply to") || find(next, k, "command)")) {
				take = lines + 1;
				break;
			}
			if (bare || more)
				take = lines + 1;
		}
	}
	/* then the unindented lines taken, and the indented ones after them */
	while (end + 2 < avail && (take || line[end + 1] == ' ' || line[end + 1] == '\t')) {
		size_t k;
		const char *next = line_after(line, end, avail, &k);
		if (n + 1 + k >= sizeof joined)
			break;
		joined[n++] = ' ';
		memcpy(joined + n, next, k);
		n += k;
		end += 1 + k;
		take -= take > 0;
	}
	for (size_t i = 0; i < n; i++) /* CRLF files: one reply, not several lines */
		if (joined[i] == '\r')
			joined[i] = ' ';
	if (end == len)
		return 0;
	*used = end;
	return failed_reply(joined, n, n, r);
}

/* A JavaMail exception with its cause on the lines below (java_chain.c),
 * read as one text. Where the cause quotes the server's reply, the reply is
 * found on its own line instead, where it starts. */
static int java_chain(const char *line, size_t len, size_t avail, struct smtpdiag_reply *r,
		      size_t *used)
{
	char joined[SMTPDIAG_TEXT_MAX];
	struct smtpdiag_reply quoted;
	size_t n, end;
	if (!smtpdiag__java_chain(line, len, avail, joined, sizeof joined, &n, &end) ||
	    failed_reply(joined, n, n, &quoted))
		return 0;
	smtpdiag_reply_from_text(joined, n, r);
	*used = end;
	return 1;
}

/* msmtp without a failed reply: "errormsg='cannot locate host ...'". */
static int msmtp_error(const char *line, size_t len, struct smtpdiag_reply *r)
{
	const char *p = find(line, len, "errormsg='");
	if (!p)
		return 0;
	p += 10;
	const char *end = memchr(p, '\'', (size_t)(line + len - p));
	smtpdiag_reply_from_text(p, (size_t)((end ? end : line + len) - p), r);
	return 1;
}

/* Does the log's field (Postfix's "status=", Sendmail's ", stat=", both
 * 7 bytes) start with the word? */
static int delivered(const char *line, size_t len, const char *field, const char *word)
{
	return field && (size_t)(line + len - field) >= 11 && !memcmp(field + 7, word, 4);
}

/* A delivery whose reply says the server dropped the message ("status=sent
 * (250 Virus Detected; Discarded Email)"): that reply into r, and 1. */
static int discarded(const char *p, size_t n, struct smtpdiag_reply *r)
{
	size_t k;
	const char *text = in_parens(p, p + n, &k);
	if (!text || !find(text, k, "iscard"))
		return 0;
	smtpdiag_reply_from_text(text, k, r);
	return 1;
}

/* The failure on the line at buf (avail bytes left in the block), read and
 * classified into f, with the reply's smtpdiag__reply_hash in *hash. Returns
 * the bytes its reply takes (past the end of its last line's text), or 0
 * when the line reports no failure. */
static size_t failure_of(const struct smtpdiag_rules *rules, const char *buf, size_t len,
			 size_t avail, int outcome, struct smtpdiag_finding *f, uint64_t *hash)
{
	struct smtpdiag_reply *r = &f->reply;
	size_t used = len;
	int found = 1, hashed = 0; /* *hash is r's */
	int parsed = 0, framed = 0; /* parsed: r is the first failed reply of the line */

	if (echo_only(buf, len))
		return 0;
	const char *status = find(buf, len, "status=");
	const char *stat = find(buf, len, ", stat=");
	const char *sent = delivered(buf, len, status, "sent") ? status /* by Postfix */
			   : delivered(buf, len, stat, "Sent") ? stat /* by Sendmail */
			   : NULL;
	if (sent) {
		if (!discarded(sent, (size_t)(buf + len - sent), r))
			return 0;
	} else if (status && postfix_status(buf, len, status, r, hash))
		hashed = 1;
	else if (stat && sendmail_status(buf, len, stat, r))
		;
	else if (folded_reply(buf, len, avail, r, &used) || java_chain(buf, len, avail, r, &used))
		;
	else if (smtpdiag__kumo_response(buf, len, r) || smtpdiag__maddy_response(buf, len, r))
		;
	else if (failed_reply(buf, len, avail, r)) {
		size_t more = after_colon(buf, avail, r);
		used = more ? more : r->end;
		parsed = 1;
	}
	else if (!msmtp_error(buf, len, r) && !esp_status(buf, len, r))
		found = exim_without_reply(buf, len, r);
	if (found && !r->code && memchr(buf, '{', len)) {
		esp_code(buf, len, r);
		hashed = 0;
	}

	if (!found) /* the whole line then */
		smtpdiag_reply_from_text(buf, len, r);
	if (outcome && !r->code && !r->status.cls) { /* the log said which */
		r->status = (struct smtpdiag_status){ (uint16_t)outcome, 0, 0 };
		found = 1;
	}
	int coded = found && (r->code || r->status.cls);
	if (!hashed)
		*hash = smtpdiag__reply_hash(r);
	if (smtpdiag__classify_hashed(rules, r, *hash, &f->diagnosis, &framed) != 0)
		return 0;
	if (parsed) /* its words told nothing: the line's may, as explain reads them */
		smtpdiag__read_around(rules, buf, len, r, &f->diagnosis, framed);
	/* a failure without a reply, if a rule knows its words and they say
	 * more than that something failed ("Subject: Undelivered Mail
	 * Returned to Sender") */
	if (!coded && (f->diagnosis.matched_by != SMTPDIAG_BY_TEXT ||
		       f->diagnosis.category == SMTPDIAG_CAT_UNKNOWN))
		return 0;
	return f->diagnosis.severity == SMTPDIAG_SUCCESS ? 0 : used;
}

/* What the log says around the failure: its time, addresses, command and
 * server, from the line itself, the lines above it (a transcript, a delivery
 * report) or below it (a printed JavaScript error). */
static void context_of(const struct smtpdiag_rules *rules, const char *block, const char *buf,
		       size_t len, size_t avail, struct smtpdiag_finding *f)
{
	struct smtpdiag_reply *r = &f->reply;
	f->time[0] = f->recipient[0] = f->sender[0] = '\0';
	f->action[0] = f->message_id[0] = f->original_message_id[0] = '\0';
	f->original_from[0] = f->original_subject[0] = '\0';
	metadata(buf, len, f);
	int client_side = transcript_line(buf, len);
	if (client_side || !r->host[0])
		transcript(block, buf, client_side, f);
	if (!r->code && !r->status.cls && f->diagnosis.category == SMTPDIAG_CAT_NETWORK)
		after_starttls(rules, block, buf, len, &f->diagnosis);
	for (const char *p = buf, *head; !f->recipient[0] && (*p == ' ' || *p == '\t') &&
	     p > block && buf - p < 512; p = head) {
		previous_line(block, p, &head); /* the paragraph a folded line continues */
		if (*head != ' ' && *head != '\t')
			bounce_recipient(head, (size_t)(p - 1 - head), f->recipient, sizeof f->recipient);
	}
	if (!f->recipient[0] && !strstr(r->text, "ender address") &&
	    (!strcmp(r->command, "RCPT TO") || strstr(r->text, "ecipient") || r->text[0] == '<'))
		address_in(r->text, r->text_len, f->recipient, sizeof f->recipient);
	if (!r->command[0])
		msmtp_step(block, buf, len, f);
	if (!r->command[0] || !f->recipient[0])
		python_refusal(buf, len, f);
	if (!r->command[0] || !f->recipient[0])
		dsn_block(block, buf, f);
	if (!r->command[0])
		js_properties(buf + len, buf + avail, f);
	if (!strncmp(r->command, "AUTH ", 5)) /* Nodemailer's "AUTH PLAIN" */
		r->command[4] = '\0';
	smtpdiag__before_recipient(r, &f->diagnosis);
}

/* ---- echoes ----------------------------------------------------------------- */

/* A reply's identity for spotting echoes: its code, status and text (hash:
 * their smtpdiag__reply_hash, as classifying it took) and recipient. */
static uint32_t reply_key(const struct smtpdiag_finding *f, uint64_t hash)
{
	uint64_t h = smtpdiag__hash(hash, f->recipient, strlen(f->recipient));
	return (uint32_t)(h ^ h >> 32);
}

/* Does the line go on an exception printed above it: ".NET's " ---> ",
 * Java's "Caused by:" or an indented "nested exception"? */
static int nested_exception(const char *line, size_t len)
{
	return (len && (line[0] == ' ' || line[0] == '\t')) ||
	       (len >= 10 && !memcmp(line, "Caused by:", 10));
}

/* Is f (on the line at `line`) a program's echo of the finding before it? */
static int echo(const struct smtpdiag_scanner *s, const struct smtpdiag_finding *f,
		uint64_t hash, const char *line, size_t len)
{
	if (!s->last_line)
		return 0;
	if (!f->reply.code && !f->reply.status.cls) /* PHPMailer's own summary */
		return (f->line - s->last_line <= 8 &&
			(strstr(f->reply.text, "SMTP Error:") || strstr(f->reply.text, "Mailer Error:") ||
			 strstr(f->reply.text, "SMTP connect() failed"))) ||
		       (f->line - s->last_line <= 3 && nested_exception(line, len)) ||
		       /* the connection lost on the line after a 421 closed it (swaks) */
		       (f->line == s->last_end && s->last_code == 421 &&
			f->diagnosis.category == SMTPDIAG_CAT_NETWORK) ||
		       (f->line - s->last_line <= 2 && s->last_textual && !f->recipient[0] &&
			!f->time[0]);
	/* the same reply again, where a program repeats it: its bare code
	 * (curl's "RCPT failed: 550" after the transcript), unless the words of
	 * its line told more */
	uint64_t dist = f->line - s->last_line;
	if (!f->reply.text_len && !f->reply.status.cls && f->reply.code == s->last_code &&
	    dist <= 20 && f->diagnosis.matched_by != SMTPDIAG_BY_TEXT)
		return 1;
	return ((dist <= 3 && find(line, len, "SMTP ERROR:")) ||      /* PHPMailer */
		(dist <= 20 && nested_exception(line, len)) ||         /* Java, .NET */
		(dist <= 60 && find(line, len, "Diagnostic-Code:"))) && /* a bounce */
	       reply_key(f, hash) == s->last_key;
}

/* ---- the block --------------------------------------------------------- */

/* A program's words for a failure whose server reply comes on the next line
 * (msmtp: "recipient address a@b not accepted by the server", then "server
 * message: 550 ..."): the reply is the finding. */
static int announces_reply(const struct smtpdiag_rules *rules, const struct smtpdiag_finding *f,
			   const char *next, size_t avail)
{
	struct smtpdiag_reply r;
	if (f->reply.code || f->reply.status.cls || !avail)
		return 0;
	const char *nl = memchr(next, '\n', avail);
	size_t n = nl ? (size_t)(nl - next) : avail;
	if (find(next, n, "server message: "))
		return failed_reply(next, n, avail, &r);
	/* JavaMail: "SendFailedException: Invalid Addresses;", then "nested
	 * exception is:" and the server's reply on the line after */
	if (nl && find(next, n, "nested exception is:")) {
		next = nl + 1;
		avail -= n + 1;
		nl = memchr(next, '\n', avail);
		n = nl ? (size_t)(nl - next) : avail;
		return failed_reply(next, n, avail, &r);
	}
	/* a pasted failure's first words ("Delivery failed 2 attempts: a@b",
	 * then "Body of message generated response:" and the reply): the lines
	 * just below it are its own, up to a log's next record (a time stamp,
	 * an event's JSON) */
	for (int k = 0; !f->time[0] && k < 3 && avail; k++) {
		char when[40];
		time_stamp(next, n, when, sizeof when);
		if (when[0] || (n && (next[0] == '{' || next[0] == '[')))
			break;
		struct smtpdiag_diagnosis d;
		if (!echo_only(next, n) && failed_reply(next, n, n, &r))
			/* unless the reply says less than the words above it */
			return smtpdiag_classify_with(rules, &r, &d) == 0 &&
			       d.matched_by == SMTPDIAG_BY_TEXT;
		if (!nl)
			break;
		avail -= n + 1;
		next = nl + 1;
		nl = memchr(next, '\n', avail);
		n = nl ? (size_t)(nl - next) : avail;
	}
	return 0;
}

/* Where the line holding t starts, not before p: after the last '\n' in
 * [p, t), looked for sixteen bytes at a time where there is SSE2, else
 * eight. */
static size_t line_start(const char *buf, size_t p, size_t t)
{
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');
	for (; t >= p + 16; t -= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(buf + t - 16));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
		if (m) /* the last of them */
			return t - 16 + (unsigned)(31 - __builtin_clz(m)) + 1;
	}
#endif
	const uint64_t ones = 0x0101010101010101u;
	for (uint64_t v; t >= p + 8; t -= 8) {
		memcpy(&v, buf + t - 8, 8);
		v ^= ones * '\n';
		if ((v - ones) & ~v & ones << 7) /* a '\n' among them */
			break;
	}
	while (t > p && buf[t - 1] != '\n')
		t--;
	return t;
}

static int is_paragraph_head(const char *line, size_t n)
{
	return line[0] == '<' && (smtpdiag__find_plain(line, n, ">: ") ||
				  smtpdiag__find_plain(line, n, "> (expanded from"));
}

/* The paragraph of a Postfix bounce that the lines before `at` (not before
 * p) end: back over up to three lines, indented ones continuing it, to its
 * recipient's line ("<bob@...>: ..."). Where that line starts, and in
 * *lines how many lines it and those below it are; or SIZE_MAX. */
static size_t head_before(const char *buf, size_t p, size_t at, size_t *lines)
{
	for (size_t k = 1; at > p && k <= 3; k++) {
		size_t head = line_start(buf, p, at - 1);
		if (buf[head] != ' ' && buf[head] != '\t') {
			*lines = k;
			return is_paragraph_head(buf + head, at - 1 - head) ? head : SIZE_MAX;
		}
		at = head;
	}
	return SIZE_MAX;
}

/* Where the paragraph starts when the line at start (up to end) continues
 * it in Postfix's own words ("<bob@...>: Host or domain\n    name not
 * found. ..."): at the recipient's line, the first of the paragraph, not
 * before p. Else start. A continuation that quotes the server (" said: ")
 * is read from where the reply is. */
static size_t paragraph_head(const char *buf, size_t p, size_t start, size_t end)
{
	size_t lines, head;
	if ((buf[start] != ' ' && buf[start] != '\t') ||
	    smtpdiag__find_plain(buf + start, end - start, " said: "))
		return start;
	head = head_before(buf, p, start, &lines);
	return head == SIZE_MAX ? start : head;
}

/* Where the next call goes on when buf[p, len) held no trigger and more
 * follows: at the head of a paragraph that the block ends in, which a
 * trigger on the next lines may go back to (paragraph_head); the lines of
 * *line that it gives back are taken off. Else at len. */
static size_t unread_paragraph(const char *buf, size_t p, size_t len, uint64_t *line)
{
	size_t lines, head = head_before(buf, p, len, &lines);
	if (head == SIZE_MAX || len - head >= SMTPDIAG_SCAN_MARGIN)
		return len;
	*line -= lines;
	return head;
}

static size_t count_lines(const char *b, size_t from, size_t to)
{
	size_t n = 0;
	const char *p = b + from, *end = b + to;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

static int scan_lines(struct smtpdiag_scanner *s, const char *buf, size_t len, size_t *pos,
		      int final, struct smtpdiag_finding *f)
{
	size_t p;
	if (!s || !buf || !pos || !f || *pos > len)
		return SMTPDIAG_EINVAL;
	for (p = *pos; p < len;) {
		uint64_t lines = 0;
		size_t t = smtpdiag__next_trigger(buf, p, len, &lines);
		s->line += lines;
		if (t == len)
			break;
		/* the trigger's line, and the line the finding starts at: the
		 * paragraph's first, where it goes back there */
		size_t first = line_start(buf, p, t), back = 0;
		const char *nl = memchr(buf + t, '\n', len - t);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t start = paragraph_head(buf, p, first, end);
		if (start < first)
			back = count_lines(buf, start, first);
		if (!final && (!nl || len - first < SMTPDIAG_SCAN_MARGIN)) {
			*pos = start; /* its lines counted again from there */
			s->line -= back;
			return SMTPDIAG_EMORE;
		}
		char message[SMTPDIAG_TEXT_MAX * 2], when[40];
		/* a line that is another's form: a journal entry's message, a
		 * qmail delivery's report written back */
		int outcome = 0;
		size_t jn = smtpdiag__journal_line(buf + start, end - start, message, sizeof message,
						   when, sizeof when);
		if (!jn && (jn = smtpdiag__qmail_line(buf + start, end - start, message,
						      sizeof message, &outcome)))
			when[0] = '\0';
		if (jn)
			take_up(message, jn);
		else
			take_up(buf + start, end - start);
		uint64_t hash = 0;
		size_t used = jn ? failure_of(s->rules, message, jn, jn, outcome, f, &hash)
				 : failure_of(s->rules, buf + start, end - start, len - start, 0, f,
					      &hash);
		if (used) {
			if (jn) { /* its message is its line */
				context_of(s->rules, message, message, jn, jn, f);
				if (!f->time[0])
					memcpy(f->time, when, sizeof f->time);
				if (outcome) {
					if (!f->recipient[0])
						smtpdiag__qmail_recipient(buf, buf + start, end - start,
									  f->recipient,
									  sizeof f->recipient);
					smtpdiag__qmail_host(message, jn, f->reply.host,
							     sizeof f->reply.host);
				}
				used = end - start;
			} else {
				context_of(s->rules, buf, buf + start, end - start, len - start, f);
			}
			/* go on after the last line the reply took */
			size_t last = start + used > end ? start + used : end;
			const char *lnl = last < len ? memchr(buf + last, '\n', len - last) : NULL;
			size_t next = lnl ? (size_t)(lnl - buf) + 1 : len;
			f->line = s->line - back;
			/* most replies take their one line: its newline is at end */
			s->line += nl ? 1 + count_lines(buf, end + 1, next) : count_lines(buf, first, next);
			*pos = next;
			if (echo(s, f, hash, buf + start, end - start) ||
			    announces_reply(s->rules, f, buf + next, len - next)) {
				p = next;
				continue;
			}
			s->last_line = f->line;
			s->last_end = s->line;
			s->last_code = f->reply.code;
			s->last_key = reply_key(f, hash);
			s->last_textual = !f->reply.code && !f->reply.status.cls && !f->recipient[0];
			return 0;
		}
		p = nl ? end + 1 : len;
		s->line += nl != NULL;
	}
	/* a block's end read the same as the whole log's: a paragraph's head
	 * stays for the lines that continue it in the next block */
	*pos = final ? len : unread_paragraph(buf, p, len, &s->line);
	return SMTPDIAG_ENOREPLY;
}

int smtpdiag_scan(struct smtpdiag_scanner *s, const char *buf, size_t len,
		  size_t *pos, int final, struct smtpdiag_finding *f)
{
	int ret = scan_lines(s, buf, len, pos, final, f);
	here.line = NULL; /* its bytes are the caller's, and may change */
	return ret;
}
