/*
 * output.c - safe output and input for the command: escaping for terminals
 * and JSON, reading a whole stream, write-error detection, option values
 * shared by the commands.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cli.h"

const char *progname = "smtpdiag";

void warnx(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0. Overlong
 * forms, surrogates and code points past U+10FFFF are invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!len || len > n || s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

/* The length of the run at s of printable ASCII that needs no escaping in
 * text output (and, without '"' and '\\', in JSON). */
static size_t plain_run(const unsigned char *s, size_t n, int json)
{
	size_t i = 0;
	while (i < n && s[i] >= 0x20 && s[i] < 0x7f && !(json && (s[i] == '"' || s[i] == '\\')))
		i++;
	return i;
}

void put_text(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t run = plain_run(p + i, n - i, 0);
		if (run) {
			fwrite(p + i, 1, run, f);
			i += run;
			continue;
		}
		size_t k = utf8_len(p + i, n - i);
		/* C0 and C1 controls and DEL could steer a terminal */
		int control = k == 1 || (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0);
		if (k == 0 || control) {
			size_t bad = k ? k : 1;
			for (size_t j = 0; j < bad; j++)
				fprintf(f, "\\x%02x", p[i + j]);
			i += bad;
		} else {
			fwrite(p + i, 1, k, f);
			i += k;
		}
	}
}

void put_text_str(FILE *f, const char *s)
{
	put_text(f, s, strlen(s));
}

void ob_flush(struct out_buf *o)
{
	if (o->n)
		fwrite(o->b, 1, o->n, o->f);
	o->n = 0;
	o->flushes++;
}

void ob_put_slow(struct out_buf *o, const char *s, size_t n)
{
	ob_flush(o);
	if (n > sizeof o->b) {
		fwrite(s, 1, n, o->f);
		return;
	}
	memcpy(o->b, s, n);
	o->n = n;
}

/* Does any of the eight bytes of v need a look before it goes into a JSON
 * string: a control, '"', '\\', DEL or a byte of a UTF-8 sequence? Exact
 * for the word as a whole (a borrow runs only above a byte that needs one). */
static int json_care(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101u, high = ones << 7;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\'), d = v ^ (ones * 0x7f);
	uint64_t t = ((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b) |
		     ((d - ones) & ~d) | v;
	return (t & high) != 0;
}

#ifdef __SSE2__
/* Bit i set: byte i of the sixteen at s needs care (as in json_care). */
static unsigned json_care16(const unsigned char *s)
{
	/* as signed bytes, those of UTF-8 sequences are below ' ' too */
	const __m128i space = _mm_set1_epi8(' '), quote = _mm_set1_epi8('"'),
		      bslash = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f);
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i c = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, space), _mm_cmpeq_epi8(x, quote)),
				 _mm_or_si128(_mm_cmpeq_epi8(x, bslash), _mm_cmpeq_epi8(x, del)));
	return (unsigned)_mm_movemask_epi8(c);
}
#endif

/* The length of the run at s that goes into a JSON string as it is: a word
 * at a time (sixteen bytes with SSE2, else eight), then byte by byte from
 * the first word that needs care. */
static size_t json_plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	if (n >= 16) {
		for (; i + 16 <= n; i += 16) {
			unsigned mask = json_care16(s + i);
			if (mask)
				return i + (size_t)__builtin_ctz(mask);
		}
		/* the last bytes: the sixteen that end the string, those before
		 * i shifted out */
		unsigned mask = i < n ? json_care16(s + n - 16) >> (16 - (n - i)) : 0;
		return mask ? i + (size_t)__builtin_ctz(mask) : n;
	}
#endif
	for (uint64_t v; i + 8 <= n; i += 8) {
		memcpy(&v, s + i, 8);
		if (json_care(v))
			break;
	}
	return i + plain_run(s + i, n - i, 1);
}

void ob_json_string(struct out_buf *o, const char *s)
{
	if (!s) {
		ob_put(o, "null", 4);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	ob_put(o, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t run = json_plain_run(p + i, n - i);
		if (run) {
			ob_put(o, s + i, run);
			i += run;
			continue;
		}
		size_t k = utf8_len(p + i, n - i);
		if (k == 0) {
			ob_put(o, "\\ufffd", 6);
			i++;
			continue;
		}
		if (k == 1) {
			char u[8];
			switch (p[i]) {
			case '"': ob_put(o, "\\\"", 2); break;
			case '\\': ob_put(o, "\\\\", 2); break;
			case '\n': ob_put(o, "\\n", 2); break;
			case '\t': ob_put(o, "\\t", 2); break;
			case '\r': ob_put(o, "\\r", 2); break;
			default:
				if (p[i] < 0x20 || p[i] == 0x7f) {
					snprintf(u, sizeof u, "\\u%04x", p[i]);
					ob_put(o, u, 6);
				} else {
					ob_put(o, s + i, 1);
				}
			}
		} else {
			ob_put(o, s + i, k);
		}
		i += k;
	}
	ob_put(o, "\"", 1);
}

void put_json_string(FILE *f, const char *s)
{
	struct out_buf o;
	o.f = f;
	o.n = 0;
	o.flushes = 0;
	ob_json_string(&o, s);
	ob_flush(&o);
}

char *read_all(FILE *f, size_t *len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	for (;;) {
		if (cap - n < 65536) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nbuf = realloc(buf, ncap + 1);
			if (!nbuf) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nbuf;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		free(buf);
		errno = e ? e : EIO;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnx("write error: %s", strerror(errno ? errno : EIO));
		return EXIT_IOERR;
	}
	return 0;
}

int color_choice(const char *when, FILE *f)
{
	if (!when || !strcmp(when, "auto")) {
		const char *no = getenv("NO_COLOR");
		return (!no || !*no) && isatty(fileno(f));
	}
	if (!strcmp(when, "always"))
		return 1;
	if (!strcmp(when, "never"))
		return 0;
	warnx("--color takes auto, always or never");
	return -1;
}

int client_choice(const char *name)
{
	if (!name || !*name)
		name = getenv("SMTPDIAG_CLIENT");
	if (!name || !*name)
		return 0;
	int i = smtpdiag_client_find(name);
	if (i >= 0)
		return i;
	warnx("unknown client profile '%s'; known profiles:", name);
	for (size_t k = 0; k < smtpdiag_client_count(); k++)
		fprintf(stderr, "  %s\n", smtpdiag_client_id(k));
	return -1;
}

int style_choice(struct style *st, const char *client, const char *color, int machine)
{
	int k = client_choice(client), c = k < 0 ? 0 : color_choice(color, stdout);
	if (k < 0 || c < 0)
		return EXIT_USAGE;
	st->client = (size_t)k;
	st->color = c && !machine;
	return 0;
}
