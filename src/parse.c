/*
 * parse.c - find SMTP replies in whatever a person pasted or a program logged.
 *
 * A reply starts with a three-digit code (first digit 2-5, second 0-5) that
 * stands apart from the text around it, or, when a program dropped the code,
 * with a bare enhanced status code. Its text runs to the end of the line, or
 * to the closing quote when the reply is quoted. A code followed by '-'
 * announces another line of the same reply: "535-5.7.8 ... at\n535 5.7.8 ...".
 * Logs and some programs glue those lines together ("Learn more at535 5.7.1"),
 * so the continuation is also looked for inside the line.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* What a reply's first line holds before its text. */
struct head {
	int code;                      /* 0: a bare enhanced status */
	struct smtpdiag_status status;
	char sep;                      /* '-': more lines follow; '+': IIS's form */
	char quote;                    /* the reply ends at this quote; or 0 */
	size_t text;                   /* where the text starts */
};

/* ---- the text being assembled ------------------------------------------ */

struct text {
	struct smtpdiag_reply *r;
	int space; /* a space is due before the next visible byte */
	int wrap;  /* ... for blanks that held a line break */
};

/* Is c the lead byte of a Chinese or Japanese character: U+3000-U+9FFF (kana,
 * ideographs, their punctuation) or U+FF00-U+FFEF (full-width forms)? */
static int cjk_lead(unsigned char c)
{
	return (c >= 0xe3 && c <= 0xe9) || c == 0xef;
}

/* The space due before s[i], unless it stands for a line break inside
 * Chinese or Japanese text ("システムエラーが\nあった"), whose words no space
 * parts. */
static int space_due(const struct text *t, const char *s, size_t i)
{
	const struct smtpdiag_reply *r = t->r;
	size_t lead = r->text_len;
	if (!t->wrap || !cjk_lead((unsigned char)s[i]))
		return 1;
	while (lead > 0 && ((unsigned char)r->text[lead - 1] & 0xc0) == 0x80)
		lead--;
	return !(lead > 0 && cjk_lead((unsigned char)r->text[lead - 1]));
}

/* How many bytes from s[i] text_put may copy as they are, sixteen at a
 * time (SSE2): as long as no white space but a single ' ' between visible
 * bytes comes, and no byte must wait for what follows (a trailing space). 0
 * without SSE2, or when a space is due first. */
static size_t plain_run(const struct text *t, const char *s, size_t n, size_t i)
{
	size_t from = i;
#ifdef __SSE2__
	if (t->space || (i < n && s[i] == ' '))
		return 0;
	const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t' - 1),
		      cr = _mm_set1_epi8('\r' + 1), nul = _mm_setzero_si128();
	while (i + 17 <= n && t->r->text_len + (i - from) + 16 < SMTPDIAG_TEXT_MAX - 1) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
		/* the other blanks (\t to \r, NUL), and a space before a space or one of them */
		__m128i other = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(x, tab), _mm_cmplt_epi8(x, cr)),
					     _mm_cmpeq_epi8(x, nul));
		__m128i y_blank = _mm_or_si128(
			_mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(y, tab), _mm_cmplt_epi8(y, cr)),
				     _mm_cmpeq_epi8(y, nul)),
			_mm_cmpeq_epi8(y, sp));
		__m128i stop = _mm_or_si128(other, _mm_and_si128(_mm_cmpeq_epi8(x, sp), y_blank));
		if (_mm_movemask_epi8(stop))
			break;
		i += 16;
	}
#else
	(void)t;
	(void)s;
	(void)n;
#endif
	return i - from;
}

/* Append bytes, folding runs of white space (and NULs) into one space; a
 * run of visible bytes is copied whole. */
static void text_put(struct text *t, const char *s, size_t n)
{
	struct smtpdiag_reply *r = t->r;
	for (size_t i = 0; i < n;) {
		size_t run = plain_run(t, s, n, i);
		if (run) {
			memcpy(r->text + r->text_len, s + i, run);
			r->text_len += run;
			i += run;
			continue;
		}
		if (smtpdiag__is_space((unsigned char)s[i])) {
			t->space = r->text_len > 0;
			t->wrap |= s[i] == '\n';
			i++;
			continue;
		}
		if (t->space && r->text_len + 2 < SMTPDIAG_TEXT_MAX) {
			/* the space due, then what follows as plain_run copies
			 * it, sixteen bytes at a time, not a word at a time */
			if (space_due(t, s, i))
				r->text[r->text_len++] = ' ';
			t->space = t->wrap = 0;
			continue;
		}
		t->wrap = 0;
		size_t j = i + 1;
		while (j < n && !smtpdiag__is_space((unsigned char)s[j]))
			j++;
		if (t->space) {
			if (r->text_len + 2 >= SMTPDIAG_TEXT_MAX) {
				r->truncated = 1;
				return;
			}
			r->text[r->text_len++] = ' ';
			t->space = 0;
		}
		size_t room = SMTPDIAG_TEXT_MAX - 1 - r->text_len;
		size_t k = j - i < room ? j - i : room;
		memcpy(r->text + r->text_len, s + i, k);
		r->text_len += k;
		if (k < j - i) {
			r->truncated = 1;
			return;
		}
		i = j;
	}
}

/* ---- recognising a reply's first line ------------------------------------ */

static int is_code_at(const char *b, size_t len, size_t i)
{
	return i + 3 <= len && b[i] >= '2' && b[i] <= '5' && b[i + 1] >= '0' &&
	       b[i + 1] <= '5' && smtpdiag__is_digit((unsigned char)b[i + 2]) &&
	       (i + 3 == len || !smtpdiag__is_digit((unsigned char)b[i + 3]));
}

/* A literal backslash escape of a line break, as msmtp, Exim and Nodemailer
 * write multi-line replies on one line. */
static int is_escaped_break(const char *b, size_t len, size_t i)
{
	return i + 1 < len && b[i] == '\\' && (b[i + 1] == 'n' || b[i + 1] == 'r');
}

static int is_break(const char *b, size_t len, size_t i)
{
	return b[i] == '\n' || b[i] == '\r' || is_escaped_break(b, len, i);
}

#ifdef __SSE2__
/* The first place from i of a byte that `marks` sets in a block of sixteen
 * (a comparison's 0 or -1 per byte); i itself when fewer than sixteen are
 * left. */
static inline size_t first_marked(const char *b, size_t len, size_t i,
				  __m128i (*marks)(__m128i))
{
	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		unsigned mask = (unsigned)_mm_movemask_epi8(marks(x));
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
	}
	return i;
}

static inline __m128i ends_part(__m128i x)
{
	return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')),
					 _mm_cmpeq_epi8(x, _mm_set1_epi8('\r'))),
			    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\\')),
						      _mm_cmpeq_epi8(x, _mm_set1_epi8('"'))),
					 _mm_cmpeq_epi8(x, _mm_set1_epi8('\''))));
}

static inline __m128i two_to_five(__m128i x)
{
	return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('1')),
			     _mm_cmplt_epi8(x, _mm_set1_epi8('6')));
}
#endif

/* The first place from i of a byte that may end a line part ('\n', '\r',
 * '\\', '"', '\''), sixteen bytes at a time (SSE2); i itself when fewer
 * than sixteen are left, or without SSE2. */
static size_t skip_plain(const char *b, size_t len, size_t i)
{
#ifdef __SSE2__
	return first_marked(b, len, i, ends_part);
#else
	(void)b;
	(void)len;
	return i;
#endif
}

/* The end of the line part that starts at i: a line break (escaped or not),
 * the closing quote, or len. */
static size_t line_end(const char *b, size_t len, size_t i, char quote)
{
	for (; i < len; i++) {
		i = skip_plain(b, len, i);
		if (i >= len)
			break;
		unsigned char c = (unsigned char)b[i];
		/* most bytes are none of these: one compare rejects them */
		if (c > '\\' || (c != '\n' && c != '\r' && c != '\\' && c != '"' && c != '\''))
			continue;
		if (is_break(b, len, i))
			return i;
		/* an apostrophe inside a word ("recipient's") does not close '...' */
		if (quote && c == (unsigned char)quote &&
		    !(c == '\'' && i > 0 && i + 1 < len && smtpdiag__is_alnum((unsigned char)b[i - 1]) &&
		      smtpdiag__is_alnum((unsigned char)b[i + 1])))
			return i;
	}
	return len;
}

/* Does a line start at i, possibly behind an escaped break? */
static int at_line_start(const char *b, size_t i)
{
	return i == 0 || b[i - 1] == '\n' || b[i - 1] == '\r' ||
	       (i >= 2 && b[i - 2] == '\\' && (b[i - 1] == 'n' || b[i - 1] == 'r'));
}

/* strchr(set, c) != NULL without a call (the sets are a few bytes, tested
 * at every candidate code): c is in set, or is the NUL that ends it. */
static inline int in_set(const char *set, char c)
{
	if (!c)
		return 1;
	for (; *set; set++)
		if (*set == c)
			return 1;
	return 0;
}

/* A status code at i, followed by something that ends it. Returns its length
 * and sets *st, or returns 0 and leaves *st alone: "(192.0.2.2)" holds
 * none. */
static size_t status_at(const char *b, size_t len, size_t i,
			struct smtpdiag_status *st)
{
	struct smtpdiag_status found;
	size_t n = smtpdiag__status_scan(b + i, len - i, &found);
	if (!n)
		return 0;
	if (i + n < len) {
		unsigned char c = (unsigned char)b[i + n];
		if (smtpdiag__is_alnum(c) || c == '.' || c == '-' || c == '_')
			if (!(c == '.' && (i + n + 1 == len ||
					   !smtpdiag__is_alnum((unsigned char)b[i + n + 1]))))
				return 0;
	}
	*st = found;
	return n;
}

/* Does the word before the number at i, past any of the bytes in skip,
 * end with `word`? A number after it is no reply code: a program's exit
 * status ("Diagnostic-Code: X-Unix; 255"), a limit's count ("rate limit
 * exceeded: 334 from host"). Inline: the word is a literal, its length
 * then known. */
static inline int after_word(const char *b, size_t i, const char *skip, const char *word)
{
	size_t k = i, n = strlen(word);
	while (k > 0 && b[k - 1] && in_set(skip, b[k - 1]))
		k--;
	return k >= n && smtpdiag__equal_fold(b + k - n, word, n);
}

/* Does a word that names a reply end at k: "SMTP 550", "Negative SMTP
 * reply:550"? Or one that names a failure, before a code that only SMTP
 * uses (421, 45x, 53x, 55x; HTTP shares 500 to 504): "Hard Fail 550"? */
static int reply_word_before(const char *b, size_t k, size_t i)
{
	static const char *const reply[] = { "smtp", "reply", "response" };
	static const char *const failure[] = { "fail", "failed", "failure", "error" };
	for (size_t w = 0; w < sizeof reply / sizeof *reply; w++)
		if (after_word(b, k, "", reply[w]))
			return 1;
	int smtp_only = (b[i] == '4' && (b[i + 1] == '5' || (b[i + 1] == '2' && b[i + 2] == '1'))) ||
			(b[i] == '5' && (b[i + 1] == '3' || b[i + 1] == '5'));
	for (size_t w = 0; smtp_only && w < sizeof failure / sizeof *failure; w++)
		if (after_word(b, k, "", failure[w]))
			return 1;
	return 0;
}

/* Is the code at i set apart from its left? Not inside a word or a number
 * ("0x800CCC79", "#10060", "host:465"), and either first on its line or after
 * something that introduces a reply ("said:", "response: \"", "=", "<**"). */
static int code_boundary(const char *b, size_t i, int has_status)
{
	if (at_line_start(b, i))
		return 1;
	unsigned char p = (unsigned char)b[i - 1];
	if (p == '#' && has_status)
		return 1; /* Exchange's "#550 5.1.1 RESOLVER.ADR.RecipNotFound ##" */
	if (smtpdiag__is_alnum(p) || in_set(".#-_/+%&?@$\\", (char)p))
		return 0;
	/* "host:465" is a port; "RCPT TO:552 5.2.2" (qmail glues the reply
	 * to the command it answered) is a reply, as its status shows */
	if (p == ':' && i >= 2 && smtpdiag__is_alnum((unsigned char)b[i - 2]) &&
	    (!has_status || smtpdiag__is_digit((unsigned char)b[i - 2])))
		return reply_word_before(b, i - 1, i);
	if (p == ':' && i >= 2 && b[i - 2] == ':')
		return 0; /* an IPv6 address's "::222" */
	if (has_status)
		return 1;
	size_t k = i;
	while (k > 0 && (b[k - 1] == ' ' || b[k - 1] == '\t'))
		k--;
	if (at_line_start(b, k))
		return 1;
	/* "Expected smtp code 250, got 552": what a program got */
	if (k >= 4 && smtpdiag__equal_fold(b + k - 4, " got", 4))
		return 1;
	if (reply_word_before(b, k, i))
		return 1;
	/* "[SMTP Error Code 550]"; not "Expected response code 250" */
	if (b[i] >= '4' && k >= 5 && k < i && !smtpdiag__is_alnum((unsigned char)b[k - 5]) &&
	    smtpdiag__fold[(unsigned char)b[k - 4]] == 'c' &&
	    smtpdiag__fold[(unsigned char)b[k - 3]] == 'o' &&
	    smtpdiag__fold[(unsigned char)b[k - 2]] == 'd' &&
	    smtpdiag__fold[(unsigned char)b[k - 1]] == 'e')
		return 1;
	/* curl's progress meter: a speed after an unknown time ("--:--:--
	 * 435") */
	if (k >= 8 && !memcmp(b + k - 8, "--:--:--", 8))
		return 0;
	return in_set(":;=(\"'<>*[-", b[k - 1]);
}

/* Skip spaces and tabs. */
static size_t skip_blanks(const char *b, size_t len, size_t i)
{
	while (i < len && (b[i] == ' ' || b[i] == '\t'))
		i++;
	return i;
}

/* Does a "key=" log field start at i? */
static int is_log_field(const char *b, size_t len, size_t i)
{
	size_t j = i;
	while (j < len && (smtpdiag__is_alnum((unsigned char)b[j]) || b[j] == '_' || b[j] == '-'))
		j++;
	return j > i && j < len && b[j] == '=';
}

/* Is the code at i what a program expected, not what it got: "Expected
 * response code \"220\" but got empty code", "Expected response code(s)
 * [250] but got response [530 ...]"? */
static int expected_code(const char *b, size_t i)
{
	size_t k = i;
	while (k > 0 && in_set("\"'[ ", b[k - 1]))
		k--;
	if (k >= 3 && smtpdiag__equal_fold(b + k - 3, "(s)", 3))
		k -= 3;
	else if (k >= 1 && (b[k - 1] == 's' || b[k - 1] == 'S'))
		k--;
	if (k < 4 || !smtpdiag__equal_fold(b + k - 4, "code", 4))
		return 0;
	for (size_t back = 4; back <= k && back < 48; back++) {
		if (back + 4 <= k && smtpdiag__equal_fold(b + k - back - 4, "got ", 4))
			return 0; /* "Expected ... but got code \"503\"": what it got */
		if (back + 8 <= k && smtpdiag__equal_fold(b + k - back - 8, "expected", 8))
			return 1;
	}
	return 0;
}

/* Does a quote opened at b[i - 1] close on a later line, near (within four
 * lines and 600 bytes), and not on its own line? A reply's quoted text that
 * runs over lines ("550: \"JunkMail rejected - host\n[192.0.2.84] is in an
 * RBL ...\"") goes on to it; a quote that never closes (a log's stray
 * one) does not take the lines after it. */
static int quote_runs_on(const char *b, size_t len, size_t i)
{
	int lines = 0;
	for (size_t k = i; k < len && k < i + 600; k++) {
		if (b[k] == '"')
			return lines > 0;
		if (b[k] == '\n' && ++lines > 4)
			return 0;
	}
	return 0;
}

/* Is the number that ends at j one of a unit, a time or a size ("(300
 * sec)", "450 seconds", "552 KB")? Then it is no reply's code. */
static int unit_after(const char *b, size_t len, size_t j)
{
	static const char *const units[] = { "s",     "sec",  "secs",    "second", "seconds",
					     "ms",    "min",  "mins",    "minute", "minutes",
					     "hour",  "hours", "day",    "days",   "byte",
					     "bytes", "kb",   "mb",      "gb",     "kib",
					     "mib" };
	size_t k = j, n;
	while (k < len && b[k] == ' ')
		k++;
	if (k == j)
		return 0;
	for (n = 0; k + n < len && smtpdiag__is_alnum((unsigned char)b[k + n]); n++)
		;
	if (n == 0 || n > 7) /* no unit's name, as most replies' words are not */
		return 0;
	for (size_t u = 0; u < sizeof units / sizeof *units; u++)
		if (strlen(units[u]) == n && smtpdiag__equal_fold(b + k, units[u], n))
			return 1;
	return 0;
}

/* A reply that begins with a basic code at i. */
static int code_head(const char *b, size_t len, size_t i, struct head *h)
{
	size_t j = i + 3, n;
	if (!is_code_at(b, len, i) || unit_after(b, len, j))
		return 0;
	*h = (struct head){ .code = (b[i] - '0') * 100 + (b[i + 1] - '0') * 10 +
				    (b[i + 2] - '0'), .sep = ' ' };
	if (i > 0 && (b[i - 1] == '"' || b[i - 1] == '\''))
		h->quote = b[i - 1];
	if (i > 1 && j < len && b[i - 1] == '[' && smtpdiag__is_alnum((unsigned char)b[i - 2]) &&
	    b[j] == ']')
		return 0; /* a syslog tag's process id: "postfix/smtp[229]:" */
	/* lettre's "permanent error (550): 5.7.1 Text", or its code alone at
	 * the end ("Error: permanent error (535)"; another number there is a
	 * line's, "AbstractSmtpTransport.php (445)"); a bracketed success code
	 * before a space is a count ("per hour (200) allowed") */
	if (i > 0 && b[i - 1] == '(' && j < len && b[j] == ')') {
		int last = j + 1 == len || is_break(b, len, j + 1);
		if (last ? after_word(b, i - 1, " ", "error")
			 : b[j + 1] == ':' || (b[j + 1] == ' ' && b[i] >= '4'))
			j++;
	}

	if (h->quote && j + 5 < len && b[j] == h->quote && !memcmp(b + j + 1, ", [", 3) &&
	    (b[j + 4] == '\'' || b[j + 4] == '"')) {
		/* Cisco AsyncOS: ('550', ['5.1.1 Text']), Python's form of the
		 * code and the reply's lines; the first line is read */
		h->quote = b[j + 4];
		j += 5;
		if ((n = status_at(b, len, j, &h->status)))
			j = skip_blanks(b, len, j + n);
		h->text = j;
	} else if (j == len || is_break(b, len, j) || b[j] == h->quote || b[j] == ']') {
		h->text = j + (j < len && b[j] == ']');
	} else if (b[j] == '+' && j + 1 < len && smtpdiag__is_alnum((unsigned char)b[j + 1])) {
		/* IIS's SMTP log, its fields split by spaces, writes the reply's
		 * own spaces as '+': "550+5.7.1+Unable+to+relay" */
		h->sep = '+';
		if ((n = status_at(b, len, j + 1, &h->status)) && j + 1 + n < len &&
		    b[j + 1 + n] == '+')
			j += n + 1;
		h->text = j + 1;
	} else if (b[j] == ' ' || b[j] == '\t' || b[j] == '-' || b[j] == ':') {
		h->sep = b[j] == '-' ? '-' : ' ';
		j = skip_blanks(b, len, j + 1);
		/* Ruby's "(550: 550 5.7.1 Text)": the code said twice */
		if (is_code_at(b, len, j) && !memcmp(b + j, b + i, 3) && j + 3 < len &&
		    (b[j + 3] == ' ' || b[j + 3] == '-'))
			j = skip_blanks(b, len, j + 4);
		if (j + 2 < len && b[j] == '-' && b[j + 1] == ' ' &&
		    status_at(b, len, j + 2, &h->status)) /* "554 - 5.2.1 Text" */
			j += 2;
		if (j + 1 < len && (b[j] == '\'' || b[j] == '"') && !h->quote &&
		    status_at(b, len, j + 1, &h->status)) /* Mimecast: 550-'5.1.1 Text' */
			h->quote = b[j++];
		if ((n = status_at(b, len, j, &h->status)))
			j = skip_blanks(b, len, j + n);
		if (!h->quote && j < len && b[j] == '"' && quote_runs_on(b, len, j + 1))
			h->quote = b[j++];
		h->text = j;
	} else if (b[j] == '.' && (n = status_at(b, len, j + 1, &h->status)) &&
		   h->status.cls == (unsigned)(b[i] - '0') && j + 1 + n < len && b[j + 1 + n] == ' ') {
		/* a dot for the blank: "550.5.1.0 sender rejected" */
		h->text = skip_blanks(b, len, j + 1 + n);
	} else if (b[j] == ',') {
		/* Google's table: 550, "5.1.1". Text   Python: (550, b'5.1.1 Text') */
		j = skip_blanks(b, len, j + 1);
		if (j + 9 < len && smtpdiag__equal_fold(b + j, "response:", 9)) {
			/* PEAR's Net_SMTP: "(code: 550, response: Text)" */
			h->text = skip_blanks(b, len, j + 9);
			if ((n = status_at(b, len, h->text, &h->status)))
				h->text = skip_blanks(b, len, h->text + n);
			return code_boundary(b, i, h->status.cls != 0);
		}
		if (j < len && b[j] == 'b')
			j++;
		if (j >= len || (b[j] != '"' && b[j] != '\''))
			return 0;
		char q = b[j++];
		if ((n = status_at(b, len, j, &h->status)) && j + n < len &&
		    b[j + n] == q) {
			j += n + 1;
			while (j < len && (b[j] == '.' || b[j] == ','))
				j++;
			h->quote = 0;
		} else if (i > 0 && b[i - 1] == '(') { /* a Python tuple */
			if (n)
				j += n;
			h->quote = q;
		} else {
			return 0; /* "code":550,"enhanced-code": is JSON, not a reply */
		}
		h->text = skip_blanks(b, len, j);
	} else {
		return 0;
	}
	if (i > 0 && b[i - 1] == '=' && is_log_field(b, len, h->text))
		return 0; /* "smtpstatus=535 smtpmsg=...": a code, not the reply */
	/* a status says the class its code must have (RFC 3463, 2): a code of
	 * success before a failed status ("353-5.7.8 Username and Password
	 * not accepted") is garbled, and the status tells */
	if (h->code < 400 && h->status.cls >= 4)
		h->code = 0;
	/* the words before it last: they cost the most to test */
	if (expected_code(b, i) || after_word(b, i, " ", "x-unix;") ||
	    after_word(b, i, " :", "exceeded"))
		return 0;
	return code_boundary(b, i, h->status.cls != 0);
}

/* A reply with no basic code: "The server response was: 5.7.0 Text". */
static int status_head(const char *b, size_t len, size_t i, struct head *h)
{
	size_t n;
	if (i > 0 && (smtpdiag__is_alnum((unsigned char)b[i - 1]) ||
		      in_set(".#-_/=(", b[i - 1])))
		return 0;
	*h = (struct head){ .sep = ' ' };
	if (!(n = status_at(b, len, i, &h->status)) || i + n >= len ||
	    b[i + n] != ' ')
		return 0;
	size_t k = i;
	while (k > 0 && b[k - 1] == ' ')
		k--;
	if (!at_line_start(b, k) && b[k - 1] != ':' && b[k - 1] != '"' &&
	    b[k - 1] != '\'')
		return 0;
	if (i > 0 && (b[i - 1] == '"' || b[i - 1] == '\''))
		h->quote = b[i - 1];
	h->text = skip_blanks(b, len, i + n);
	return 1;
}

/* ---- continuation lines -------------------------------------------------- */

static int same_status(struct smtpdiag_status a, struct smtpdiag_status b)
{
	return a.cls == b.cls && a.subject == b.subject && a.detail == b.detail;
}

/* Is there, at k, the same reply's next line: its code (or, for a reply
 * without one, its status) followed by '-' or a blank? Sets *next to the text
 * after it and *sep to the separator. */
static int continuation_at(const char *b, size_t len, size_t k,
			   const struct smtpdiag_reply *r, size_t *next, char *sep)
{
	struct smtpdiag_status st;
	size_t j = k, n;
	if (r->code) {
		if (!is_code_at(b, len, k) ||
		    (b[k] - '0') * 100 + (b[k + 1] - '0') * 10 + (b[k + 2] - '0') != r->code)
			return 0;
		j = k + 3;
		if (j < len && b[j] != '-' && b[j] != ' ')
			return 0;
		*sep = j < len ? b[j] : ' ';
		j = skip_blanks(b, len, j + (j < len));
	} else {
		*sep = ' ';
	}
	if ((n = status_at(b, len, j, &st))) {
		if (!same_status(st, r->status))
			return 0;
		j = skip_blanks(b, len, j + n);
	} else if (!r->code || r->status.cls) {
		return 0; /* a line with the code must repeat the status too */
	}
	*next = j;
	return 1;
}

/* Can a continuation start with c? Its code or status does, with 2 to 5. */
static inline int may_continue(char c)
{
	return c >= '2' && c <= '5';
}

/* The next line of a multi-line reply: its code within the first bytes of the
 * line, behind a time stamp or a transcript marker ("<~* ", "S: "). */
static int next_line(const char *b, size_t len, size_t line,
		     const struct smtpdiag_reply *r, size_t *code, size_t *next, char *sep)
{
	for (size_t k = line; k < len && k < line + 64 && !is_break(b, len, k); k++)
		if ((k == line || !smtpdiag__is_digit((unsigned char)b[k - 1])) &&
		    may_continue(b[k]) && continuation_at(b, len, k, r, next, sep)) {
			*code = k;
			return 1;
		}
	return 0;
}

/* ---- tidying the text ---------------------------------------------------- */

static int ends_with(const struct smtpdiag_reply *r, const char *s)
{
	size_t n = strlen(s);
	return r->text_len >= n && !memcmp(r->text + r->text_len - n, s, n);
}

static void cut(struct smtpdiag_reply *r, size_t at)
{
	while (at > 0 && r->text[at - 1] == ' ')
		at--;
	r->text_len = at;
	r->text[at] = '\0';
}

/* v in decimal at p; returns where it ends. */
static char *put_decimal(char *p, unsigned v)
{
	char d[10];
	int k = 0;
	do
		d[k++] = (char)('0' + v % 10);
	while (v /= 10);
	while (k)
		*p++ = d[--k];
	return p;
}

/* A multi-line reply flattened into one line of a pasted paragraph keeps its
 * continuations' marks inside the words ("its content presents a potential
 * 552-5.7.0 security issue"): take out each " 552-5.7.0 ", so that the words
 * meet again. */
static void drop_continuation_marks(struct smtpdiag_reply *r)
{
	char *t = r->text;
	size_t w = 0, i = 0, n = r->text_len, k;
	struct smtpdiag_status st;
	const char *dash = memchr(t, '-', n);
	if (!dash) /* most texts */
		return;
	for (i = w = (size_t)(dash - t) >= 4 ? (size_t)(dash - t) - 4 : 0; i < n;) {
		if (t[i] == ' ' && i + 5 < n && (t[i + 1] == '4' || t[i + 1] == '5') &&
		    smtpdiag__is_digit((unsigned char)t[i + 2]) &&
		    smtpdiag__is_digit((unsigned char)t[i + 3]) && t[i + 4] == '-' &&
		    (k = status_at(t, n, i + 5, &st)) && st.cls == t[i + 1] - '0' &&
		    (i + 5 + k == n || t[i + 5 + k] == ' ')) {
			i += 5 + k; /* the space after the mark stays */
			continue;
		}
		t[w++] = t[i++];
	}
	r->text_len = w;
	t[w] = '\0';
}

/* Gmail's continuations pasted without their codes leave the status inside
 * the words ("a potential 5.7.0 security issue"): take it out, so that the
 * words meet again. */
static void drop_repeated_status(struct smtpdiag_reply *r)
{
	const char *t = r->text, *end = t + r->text_len, *p = t;
	char cls = (char)('0' + r->status.cls);
	while ((p = memchr(p, cls, (size_t)(end - p))) && !(p > t && p[-1] == ' ' && p + 1 < end &&
							    p[1] == '.'))
		p++;
	if (!p) /* most texts: no " 5." at all */
		return;
	char s[24], *e = s; /* " 5.1.1 ", written without snprintf's cost */
	*e++ = ' ';
	e = put_decimal(e, r->status.cls);
	*e++ = '.';
	e = put_decimal(e, r->status.subject);
	*e++ = '.';
	e = put_decimal(e, r->status.detail);
	*e++ = ' ';
	size_t n = (size_t)(e - s);
	if (r->text_len < n)
		return;
	/* each " 5.1.1 " from the first " 5." on, found by its class with
	 * memchr, and the words between them moved down whole */
	char *text = r->text;
	size_t len = r->text_len, i = (size_t)(p - t) - 1, w = i;
	for (const char *q = p; (q = memchr(q, cls, (size_t)(text + len - q)));) {
		size_t j = (size_t)(q - text) - 1;
		if (j < i || text[j] != ' ' || j + n > len || memcmp(text + j, s, n)) {
			q++;
			continue;
		}
		memmove(text + w, text + i, j - i);
		w += j - i;
		i = j + n - 1; /* keep one of the two spaces */
		q = text + i + 1;
	}
	memmove(text + w, text + i, len - i);
	w += len - i;
	r->text_len = w;
	text[w] = '\0';
}

/* Drop what is not the server's: Postfix's "(in reply to RCPT TO command)"
 * (kept as the command), a desktop mailer's "Disconnected.", Exchange's
 * closing "##", and take a status written into the text, qmail style:
 * "(#5.7.1)". */
static void tidy(struct smtpdiag_reply *r)
{
	r->text[r->text_len] = '\0';
	const char *in = strstr(r->text, "(in reply to ");
	if (in) {
		const char *cmd = in + 13, *end = strstr(cmd, " command)");
		if (end && (size_t)(end - cmd) < sizeof r->command) {
			memcpy(r->command, cmd, (size_t)(end - cmd));
			r->command[end - cmd] = '\0';
			if (!strcmp(r->command, "end of DATA"))
				strcpy(r->command, "DATA");
			cut(r, (size_t)(in - r->text));
		}
	}
	if (ends_with(r, "Disconnected."))
		cut(r, r->text_len - 13);
	if (ends_with(r, " ##")) /* Exchange closes its "#550 ..." so */
		cut(r, r->text_len - 3);
	drop_continuation_marks(r);
	if (r->status.cls) {
		drop_repeated_status(r);
		return;
	}
	/* a status after '#' or '(': the candidates in order, found with memchr */
	const char *t = r->text, *end = t + r->text_len;
	const char *hash = memchr(t, '#', r->text_len), *paren = memchr(t, '(', r->text_len);
	while (hash || paren) {
		const char *c = !paren || (hash && hash < paren) ? hash : paren;
		size_t i = (size_t)(c - t);
		if (i + 1 < r->text_len && status_at(t, r->text_len, i + 1, &r->status))
			return;
		if (c == hash)
			hash = memchr(c + 1, '#', (size_t)(end - c - 1));
		else
			paren = memchr(c + 1, '(', (size_t)(end - c - 1));
	}
}

/* ---- the reply ----------------------------------------------------------- */

/* The blanks that indent the line holding i. */
/* Where the line holding i starts: back to where at_line_start says a line
 * starts, a byte at a time without a call, as a reply may begin far into a
 * log line. */
static size_t line_start(const char *b, size_t i)
{
	for (; i > 0; i--) {
		unsigned char c = (unsigned char)b[i - 1];
		if (c == '\n' || c == '\r' ||
		    ((c == 'n' || c == 'r') && i >= 2 && b[i - 2] == '\\'))
			break;
	}
	return i;
}

static size_t indent_of(const char *b, size_t i)
{
	i = line_start(b, i);
	size_t n = 0;
	while (b[i + n] == ' ' || b[i + n] == '\t')
		n++;
	return n;
}

/* Is the line at `line` a folded part of the reply above it: indented deeper
 * than the reply's first line, not blank, not a reply of its own? Bounces fold
 * long replies so ("said: 550 5.1.1\n    <a@b>: Recipient address rejected"),
 * as mail headers fold a long Diagnostic-Code. A reply that begins an indented
 * line goes on at the same indent (Exim: "    450 4.7.1 <a@b>: Recipient
 * address rejected:\n    Sorry, ... their mailbox is full"), as does one
 * after Postfix's "said:" that begins it ("    said: 554 5.7.105 Sender
 * denied as sender's email\n    address is on ... list"). */
static int folded_line(const char *b, size_t len, size_t line, size_t indent,
		       int begins_line)
{
	size_t j = skip_blanks(b, len, line);
	struct head h;
	return (j - line > indent || (begins_line && indent > 0 && j - line == indent)) &&
	       j < len && !is_break(b, len, j) && !code_head(b, len, j, &h);
}

/* Empty r: every field zero, and its text the empty string (not the whole
 * buffer cleared: what the text ends with is written as it is, and NUL
 * terminated by tidy). */
static void clear_reply(struct smtpdiag_reply *r)
{
	memset(r, 0, offsetof(struct smtpdiag_reply, text));
	r->text[0] = '\0';
	memset(r->command, 0, sizeof *r - offsetof(struct smtpdiag_reply, command));
}

/* The first place from i of a byte '2' to '5', which a code or a status
 * starts with, that does not stand after a byte `low` to '9', sixteen bytes
 * at a time (SSE2); i itself when it is 0 or fewer than sixteen bytes are
 * left, or without SSE2. A head is refused after '.' to '9' (inside a
 * number, an address or a path: most of a log line's digits), a
 * continuation after a digit. */
static size_t skip_to_digit(const char *b, size_t len, size_t i, char low)
{
#ifdef __SSE2__
	if (i == 0)
		return i;
	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		__m128i before = _mm_loadu_si128((const __m128i *)(const void *)(b + i - 1));
		__m128i inside = _mm_and_si128(_mm_cmpgt_epi8(before, _mm_set1_epi8((char)(low - 1))),
					       _mm_cmplt_epi8(before, _mm_set1_epi8('9' + 1)));
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(inside, two_to_five(x)));
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
	}
#else
	(void)b;
	(void)len;
	(void)low;
#endif
	return i;
}

static size_t read_reply(const char *b, size_t len, size_t start,
			 const struct head *h, struct smtpdiag_reply *r)
{
	struct text t = { r, 0, 0 };
	size_t p = h->text, indent = (size_t)-1; /* not yet known */
	int begins_line = 0; /* does the reply begin its (indented) line? */
	char sep = h->sep;

	clear_reply(r);
	r->code = h->code;
	r->status = h->status;
	r->start = start;
	if (sep == '+') { /* one field of an IIS log: its '+' were spaces */
		while (p < len && !smtpdiag__is_space((unsigned char)b[p]))
			p++;
		text_put(&t, b + h->text, p - h->text);
		for (size_t i = 0; i < r->text_len; i++)
			if (r->text[i] == '+')
				r->text[i] = ' ';
	}
	while (sep != '+') { /* the reply's lines */
		size_t e = line_end(b, len, p, h->quote);
		/* A continuation glued into this line ends this part of the text. */
		if (sep == '-') {
			size_t k, next;
			char nsep;
			for (k = p; k < e; k++) {
				k = skip_to_digit(b, e, k, '0');
				if (k < e && (k == 0 || !smtpdiag__is_digit((unsigned char)b[k - 1])) &&
				    may_continue(b[k]) &&
				    continuation_at(b, len, k, r, &next, &nsep) && next <= e)
					break;
			}
			if (k < e) {
				text_put(&t, b + p, k - p);
				t.space = t.wrap = r->text_len > 0; /* a line break */
				p = next;
				sep = nsep;
				continue;
			}
		}
		text_put(&t, b + p, e - p);
		if (e >= len || (h->quote && b[e] == h->quote)) {
			p = e < len ? e + 1 : e;
			break;
		}
		size_t line = e + (b[e] == '\\' ? 2 : 1);
		if (b[e] == '\r' && line < len && b[line] == '\n')
			line++;
		size_t next;
		char nsep;
		if (h->quote) {
			/* Inside quotes every line is the reply's; drop the code or
			 * status that may repeat at its start. */
			struct smtpdiag_status st;
			size_t q = skip_blanks(b, len, line), n;
			if (continuation_at(b, len, q, r, &next, &nsep))
				q = next, sep = nsep;
			else if ((n = status_at(b, len, q, &st)) && same_status(st, r->status))
				q = skip_blanks(b, len, q + n);
			t.space = t.wrap = r->text_len > 0; /* a line break */
			p = q;
			continue;
		}
		size_t code;
		if ((sep == '-' || !r->code) && next_line(b, len, line, r, &code, &next, &nsep)) {
			/* words before the code on an indented line are the reply's,
			 * folded there by a bounce that printed the reply's lines
			 * as one ("... addresses\n    in From: 550 5.7.1 header
			 * are not accepted"); at a line's start they are a log's
			 * time stamp or a transcript's marker */
			size_t q = skip_blanks(b, len, line);
			t.space = t.wrap = r->text_len > 0; /* a line break */
			if (q > line && code > q + 3 && smtpdiag__is_alnum((unsigned char)b[q]) &&
			    !smtpdiag__is_digit((unsigned char)b[q])) {
				text_put(&t, b + q, code - q);
				t.space = 1;
			}
			p = next;
			sep = nsep;
			continue;
		}
		/* a folded line is indented: the reply's own indent is needed
		 * only then (it may begin far into a long line). A bounce that
		 * folds a multi-line reply printed as one may leave a line's
		 * glued code past where next_line looks ("... the proper dns
		 * 550 entries."): the loop finds it inside the folded line. */
		if (line < len && (b[line] == ' ' || b[line] == '\t') && indent == (size_t)-1) {
			indent = indent_of(b, start);
			size_t ls = line_start(b, start) + indent;
			/* Postfix folds a long "host H said: 554 ..." before
			 * "said:", and the reply's lines after at that indent */
			begins_line = start == ls ||
				       (start == ls + 6 && !memcmp(b + ls, "said: ", 6));
		}
		if (indent != (size_t)-1 && folded_line(b, len, line, indent, begins_line)) {
			t.space = t.wrap = r->text_len > 0; /* a line break */
			p = skip_blanks(b, len, line);
			continue;
		}
		p = e;
		break;
	}
	r->end = p;
	tidy(r);
	if (start > 0 && b[start - 1] == '[' && ends_with(r, "]")) /* "[530 5.7.0 Text]" */
		cut(r, r->text_len - 1);
	return p;
}

int smtpdiag_parse(const char *buf, size_t len, size_t *pos,
		   struct smtpdiag_reply *r)
{
	struct head h;
	if (!buf || !pos || !r)
		return SMTPDIAG_EINVAL;
	for (size_t i = *pos; i < len; i++) {
		i = skip_to_digit(buf, len, i, '.');
		if (i >= len)
			break;
		unsigned char c = (unsigned char)buf[i];
		if (c < '2' || c > '5')
			continue;
		if (code_head(buf, len, i, &h) || status_head(buf, len, i, &h)) {
			*pos = read_reply(buf, len, i, &h, r);
			return 0;
		}
	}
	*pos = len;
	return SMTPDIAG_ENOREPLY;
}

/* ---- failures without a reply ------------------------------------------- */

/* Find `key` and read "host:port" or "host[ip]:port" after it. */
static void find_host(const char *b, size_t len, const char *key,
		      struct smtpdiag_reply *r)
{
	size_t n = strlen(key);
	for (size_t i = 0; i + n <= len; i++) {
		const char *k = memchr(b + i, key[0], len - n + 1 - i);
		if (!k)
			break;
		i = (size_t)(k - b);
		if (memcmp(b + i, key, n))
			continue;
		size_t j = skip_blanks(b, len, i + n), h = 0;
		while (j < len && h + 1 < sizeof r->host &&
		       (smtpdiag__is_alnum((unsigned char)b[j]) || b[j] == '.' ||
			b[j] == '-' || b[j] == '_'))
			r->host[h++] = b[j++];
		r->host[h] = '\0';
		if (!memchr(r->host, '.', h)) { /* "connect to host, port: ..." */
			r->host[0] = '\0';
			continue;
		}
		if (j < len && b[j] == '[')
			while (j < len && b[j] != ']' && !is_break(b, len, j))
				j++;
		if (j < len && b[j] == ']')
			j++;
		if (j + 1 < len && b[j] == ':' && smtpdiag__is_digit((unsigned char)b[j + 1])) {
			int port = 0;
			for (j++; j < len && smtpdiag__is_digit((unsigned char)b[j]) && port < 65536; j++)
				port = port * 10 + (b[j] - '0');
			r->port = port < 65536 ? port : 0;
		}
		return;
	}
}

int smtpdiag__dsn_field(const char *b, size_t len, struct smtpdiag_status *st)
{
	for (const char *p = b; (p = memchr(p, '=', (size_t)(b + len - p))); p++) {
		size_t i = (size_t)(p - b);
		if (i >= 3 && (p[-1] | 0x20) == 'n' && /* most '=' end no "dsn": no call */
		    smtpdiag__equal_fold(p - 3, "dsn", 3) &&
		    (i == 3 || p[-4] == ' ' || p[-4] == ',') && status_at(b, len, i + 1, st))
			return 1;
	}
	return 0;
}

/* A delivery report's "Status: 5.1.1" field on a line of a paste (RFC
 * 3464, 2.3.4): the status of the report's Diagnostic-Code, which a person
 * copies with it and which often carries none of its own. Or a log line's
 * "dsn=" field. */
int smtpdiag__status_field(const char *b, size_t len, struct smtpdiag_status *st)
{
	const char *v;
	size_t n = smtpdiag__header_field(b, len, "Status", &v);
	if (!v)
		return smtpdiag__dsn_field(b, len, st);
	size_t k = skip_blanks(v, n, 0);
	return status_at(v, n, k, st) != 0;
}

/* The value after "key: " in b, if it is one of names: its index, else -1. */
static int named_value(const char *b, size_t len, const char *key,
		       const char *const *names, int count)
{
	const char *p = smtpdiag__find_plain(b, len, key);
	if (!p)
		return -1;
	p += strlen(key);
	for (int i = 0; i < count; i++) {
		size_t k = strlen(names[i]);
		if ((size_t)(b + len - p) > k && !memcmp(p, names[i], k) &&
		    !smtpdiag__is_alnum((unsigned char)p[k]))
			return i;
	}
	return -1;
}

int smtpdiag__named_code(const char *b, size_t len)
{
	static const char *const severities[] = { "PositiveCompletion", "PositiveIntermediate",
						  "TransientNegativeCompletion",
						  "PermanentNegativeCompletion" };
	static const char *const categories[] = { "Syntax",       "Information",
						  "Connections",  "Unspecified3",
						  "Unspecified4", "MailSystem" };
	static const char *const details[] = { "Zero", "One", "Two",   "Three", "Four",
					       "Five", "Six", "Seven", "Eight", "Nine" };
	int s, c, d; /* the next looked for only when the one before is there */
	if ((s = named_value(b, len, "severity: ", severities, 4)) < 0 ||
	    (c = named_value(b, len, "category: ", categories, 6)) < 0 ||
	    (d = named_value(b, len, "detail: ", details, 10)) < 0)
		return 0;
	return (s + 2) * 100 + c * 10 + d;
}

int smtpdiag_reply_from_text(const char *buf, size_t len,
			     struct smtpdiag_reply *r)
{
	struct text t = { r, 0, 0 };
	if (!r || (!buf && len))
		return SMTPDIAG_EINVAL;
	clear_reply(r);
	r->end = len;
	text_put(&t, buf, len);
	tidy(r);
	smtpdiag__status_field(buf, len, &r->status);
	r->code = smtpdiag__named_code(buf, len);
	find_host(buf, len, "Connecting to:", r);
	if (!r->host[0])
		find_host(buf, len, "connect to ", r);
	return 0;
}
