/*
 * trigger.c - the scanner's fast path: find the few byte patterns that every
 * failed reply in a log shows, at memory speed.
 *
 * A byte position "triggers" when it starts
 *   - a code 4xx/5xx: [45] digit digit, then ' ', '-', ':', ',' or the line's
 *     end (a bounce folds "said: 550" before the server's words)
 *   - an enhanced status 4.x.x/5.x.x: [45] '.' digit '.'
 *     (for these two, the byte before is neither a letter, a digit nor a '.',
 *     so that "a1si575 - gsmtp" and "192.0.2.45" are passed over)
 *   - Exim's "**" (failed) or "==" (deferred), swaks's "<~*"
 *   - a word of a failure without a reply: "err(or)", "fai(led)", "fata(l)"
 *     (Postfix's "fatal:", a program that stopped), "(re)fus(ed)",
 *     "(defe)rral" (qmail's "deferral:"),
 *     "(ti)med (out)", "(ex)cep(tion)", "(re)jec(ted)", "drop(ped)" (an ESP's
 *     event for mail it would not send), "expi(red)" (Postfix's message
 *     given up: "status=expired, returned to sender"), in any case, "Disc(onnected)"
 *     (Python's SMTPServerDisconnected; lower-case "disconnect" is Postfix's
 *     routine) and "Bloc(ked)" (amavis's "Blocked INFECTED", "Blocked SPAM").
 * Success lines rarely hold any of these, so the scanner parses only the
 * lines around a trigger. On x86-64 thirty-two positions are tested at once
 * (AVX2 when the processor has it, SSE2 otherwise); elsewhere the same test
 * runs byte by byte. All give the same answer; tests/test_scan.c compares
 * them.
 */
#include <string.h>

#include "internal.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86_VECTORS 1
#endif

static int is_4or5(unsigned char c)
{
	return c == '4' || c == '5';
}

/* The test at one position; bytes past the end read as a newline, the byte
 * before the buffer as one too. */
static int triggers(const unsigned char *b, size_t i, size_t len)
{
	unsigned char c[4], prev = i > 0 ? b[i - 1] : '\n';
	for (int k = 0; k < 4; k++)
		c[k] = i + (size_t)k < len ? b[i + (size_t)k] : '\n';
	if (is_4or5(c[0]) && !smtpdiag__is_alnum(prev) && prev != '.') {
		if (c[1] == '.' && smtpdiag__is_digit(c[2]) && c[3] == '.')
			return 1;
		if (smtpdiag__is_digit(c[1]) && smtpdiag__is_digit(c[2]) &&
		    (c[3] == ' ' || c[3] == '-' || c[3] == ':' || c[3] == ',' || c[3] == '\n' ||
		     c[3] == '\r'))
			return 1;
	}
	if (c[0] == c[1] && (c[0] == '*' || c[0] == '='))
		return 1;
	if (c[0] == '~' && c[1] == '*')
		return 1;
	unsigned char l0 = c[0] | 0x20, l1 = c[1] | 0x20, l2 = c[2] | 0x20;
	return (l0 == 'r' && l1 == 'r' && l2 == 'o') ||
	       (l0 == 'r' && l1 == 'r' && l2 == 'a' && (c[3] | 0x20) == 'l') ||
	       (l0 == 'f' && l1 == 'u' && l2 == 's') ||
	       (l0 == 'f' && l1 == 'a' && l2 == 'i') ||
	       (l0 == 'f' && l1 == 'a' && l2 == 't' && (c[3] | 0x20) == 'a') ||
	       (l0 == 'd' && l1 == 'r' && l2 == 'o' && (c[3] | 0x20) == 'p') ||
	       (l0 == 'm' && l1 == 'e' && l2 == 'd') || (l0 == 'c' && l1 == 'e' && l2 == 'p') ||
	       (l0 == 'j' && l1 == 'e' && l2 == 'c') ||
	       (l0 == 'e' && l1 == 'x' && l2 == 'p' && (c[3] | 0x20) == 'i') ||
	       (c[0] == 'D' && c[1] == 'i' && c[2] == 's' && c[3] == 'c') ||
	       (c[0] == 'B' && c[1] == 'l' && c[2] == 'o' && c[3] == 'c');
}

size_t smtpdiag__trigger_scalar(const char *buf, size_t from, size_t len, uint64_t *newlines)
{
	const unsigned char *b = (const unsigned char *)buf;
	for (size_t i = from; i < len; i++) {
		if (triggers(b, i, len))
			return i;
		*newlines += b[i] == '\n';
	}
	return len;
}

#ifdef HAVE_X86_VECTORS
/* 32 positions at a time, written once with the compiler's vector
 * extensions; compiled for AVX2 where the processor has it, else as pairs of
 * SSE2 operations. A comparison gives 0 or -1 in each byte. */
typedef uint8_t u8x32 __attribute__((vector_size(32)));
typedef int8_t m8x32 __attribute__((vector_size(32)));

#define INLINE static inline __attribute__((always_inline))

/* Byte classes as masks. Macros, not functions: GCC notes an ABI change for
 * any function taking 32-byte vectors by value, inlined or not. */
#define DIGIT(v) ((u8x32)((v) - '0') <= 9)
#define LETTER(v) ((u8x32)(((v) | 0x20) - 'a') <= 25)
#define WORD3(a, b, c, w) (((a) == (w)[0]) & ((b) == (w)[1]) & ((c) == (w)[2]))

/* 32 bytes from p, unaligned. */
#define LOAD(v, p) memcpy(&(v), (p), sizeof(v))

/* The trigger test (see the top of this file) at each of the 32 positions
 * from p, into *hit; reads p[-1] to p[34]. */
INLINE void trigger_vec(const char *p, m8x32 *hit)
{
	u8x32 vp, v0, v1, v2, v3;
	LOAD(vp, p - 1);
	LOAD(v0, p);
	LOAD(v1, p + 1);
	LOAD(v2, p + 2);
	LOAD(v3, p + 3);
	m8x32 apart = ~(DIGIT(vp) | LETTER(vp) | (vp == '.'));
	m8x32 first = apart & ((v0 == '4') | (v0 == '5'));
	m8x32 status = (v1 == '.') & DIGIT(v2) & (v3 == '.');
	m8x32 code = DIGIT(v1) & DIGIT(v2) &
		     ((v3 == ' ') | (v3 == '-') | (v3 == ':') | (v3 == ',') | (v3 == '\n') | (v3 == '\r'));
	m8x32 pair = (v0 == v1) & ((v0 == '*') | (v0 == '='));
	m8x32 swaks = (v0 == '~') & (v1 == '*');
	u8x32 l0 = v0 | 0x20, l1 = v1 | 0x20, l2 = v2 | 0x20;
	m8x32 words = WORD3(l0, l1, l2, "rro") | (WORD3(l0, l1, l2, "rra") & ((v3 | 0x20) == 'l')) |
		      WORD3(l0, l1, l2, "fus") | WORD3(l0, l1, l2, "fai") |
		      (WORD3(l0, l1, l2, "fat") & ((v3 | 0x20) == 'a')) |
		      WORD3(l0, l1, l2, "med") | WORD3(l0, l1, l2, "cep") |
		      WORD3(l0, l1, l2, "jec") | (WORD3(l0, l1, l2, "exp") & ((v3 | 0x20) == 'i')) |
		      (WORD3(v0, v1, v2, "Dis") & (v3 == 'c')) |
		      (WORD3(v0, v1, v2, "Blo") & (v3 == 'c')) |
		      (WORD3(l0, l1, l2, "dro") & ((v3 | 0x20) == 'p'));
	*hit = (first & (status | code)) | pair | swaks | words;
}

static uint32_t movemask_sse2(const m8x32 *m)
{
	__m128i half[2];
	memcpy(half, m, sizeof half);
	return (uint32_t)_mm_movemask_epi8(half[0]) | (uint32_t)_mm_movemask_epi8(half[1]) << 16;
}

__attribute__((target("avx2"))) static uint32_t movemask_avx2(const m8x32 *m)
{
	__m256i v;
	memcpy(&v, m, sizeof v);
	return (uint32_t)_mm256_movemask_epi8(v);
}

/* The number of bits set in a mask that has few: newlines are one byte in
 * dozens. */
static unsigned bits(uint32_t m)
{
	unsigned n = 0;
	for (; m; m &= m - 1)
		n++;
	return n;
}

/* The vector loop from i (> 0); returns where it stopped: at a trigger, or
 * where fewer than 35 bytes are left. */
INLINE size_t vector_scan(const char *buf, size_t i, size_t len, uint64_t *newlines,
			  int *hit, uint32_t (*movemask)(const m8x32 *))
{
	*hit = 0;
	for (; i + 35 <= len; i += 32) {
		const char *p = buf + i;
		u8x32 v0;
		m8x32 trig;
		LOAD(v0, p);
		m8x32 nl = v0 == '\n';
		trigger_vec(p, &trig);
		uint32_t lines = movemask(&nl), hits = movemask(&trig);
		if (hits) {
			unsigned at = (unsigned)__builtin_ctz(hits);
			*newlines += bits(lines & ((1u << at) - 1));
			*hit = 1;
			return i + at;
		}
		*newlines += bits(lines);
	}
	return i;
}

static size_t scan_sse2(const char *buf, size_t i, size_t len, uint64_t *newlines, int *hit)
{
	return vector_scan(buf, i, len, newlines, hit, movemask_sse2);
}

/*
 * With AVX2, a cheaper test comes first: may the three bytes at a position
 * start a trigger? Each byte is looked up by its low and its high nibble in
 * two 16-byte tables (vpshufb) whose AND gives a bit per class below; a
 * class is the product of its nibbles, so it may hold a few more sequences
 * (".*", "z*") but never fewer. Only a block where some position passes
 * runs the full test: most blocks of a log that mostly succeeds do not
 * (a time stamp's "10:45:01" fails on its third byte).
 *
 *   bit  first byte   second byte   third byte   for
 *   0    4 5          0-9           0-9          a code
 *   1    4 5          .             0-9          an enhanced status
 *   2    * ~          *             any          Exim's "**", swaks's "<~*"
 *   3    =            =             any          Exim's "=="
 *   4    c j m C J M  e E           any          "cep", "jec", "med"
 *   5    r R d D      r R           o O a A      "rro", "drop", "rral"
 *   6    f F e E      u U a A x X   s S i I p P  "fus", "fai", "fata", "expi"
 *                                   t T
 *   7    D B          i l           s o          "Disc", "Bloc"
 *
 * and a fourth byte, for the two classes that need one: after a code one of
 * " -:,\n\r" (bit 0), after a status's digit a '.' (bit 1), 'c' (bit 7);
 * any for the others. (Numbers such as "5904" or the "5.4," of "delay=5.4," pass the
 * first three.)
 */
static const uint8_t byte_class[8][16] = {
	/* first byte, by low nibble; by high nibble */
	{ 0x00, 0x00, 0xa0, 0x10, 0xa3, 0x43, 0x40, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x18, 0x04, 0x00 },
	{ 0x00, 0x00, 0x04, 0x0b, 0xf0, 0x20, 0x70, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	/* second byte, by low nibble; by high nibble */
	{ 0x01, 0x41, 0x21, 0x01, 0x01, 0x51, 0x01, 0x01, 0x41, 0x81, 0x04, 0x00, 0x80, 0x08, 0x02, 0x00 },
	{ 0x00, 0x00, 0x06, 0x09, 0x50, 0x60, 0xd0, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	/* third byte, by low nibble; by high nibble */
	{ 0x5f, 0x3f, 0x1f, 0xdf, 0x5f, 0x1f, 0x1f, 0x1f, 0x1f, 0x5f, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0xbc },
	{ 0x1c, 0x1c, 0x1c, 0x1f, 0x7c, 0x5c, 0xfc, 0xdc, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c },
	/* fourth byte, by low nibble; by high nibble */
	{ 0x7d, 0x7c, 0x7c, 0xfc, 0x7c, 0x7c, 0x7c, 0x7c, 0x7c, 0x7c, 0x7d, 0x7c, 0x7d, 0x7d, 0x7e, 0x7c },
	{ 0x7d, 0x7c, 0x7f, 0x7d, 0x7c, 0x7c, 0xfc, 0x7c, 0x7c, 0x7c, 0x7c, 0x7c, 0x7c, 0x7c, 0x7c, 0x7c },
};

/* Table k in both 16-byte lanes: vpshufb looks up within a lane. */
#define CLASS_TABLE(k) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)byte_class[k]))

/* The classes of each byte of v: its low nibble's bits AND its high one's. */
#define CLASSES(lo, hi, v)                                                      \
	_mm256_and_si256(_mm256_shuffle_epi8((lo), _mm256_and_si256((v), nibble)), \
			 _mm256_shuffle_epi8((hi), _mm256_and_si256(_mm256_srli_epi16((v), 4), nibble)))

__attribute__((target("avx2,popcnt"))) static size_t scan_avx2(const char *buf, size_t i,
								  size_t len, uint64_t *newlines,
								  int *hit)
{
	const __m256i first_lo = CLASS_TABLE(0), first_hi = CLASS_TABLE(1);
	const __m256i second_lo = CLASS_TABLE(2), second_hi = CLASS_TABLE(3);
	const __m256i third_lo = CLASS_TABLE(4), third_hi = CLASS_TABLE(5);
	const __m256i fourth_lo = CLASS_TABLE(6), fourth_hi = CLASS_TABLE(7);
	const __m256i nibble = _mm256_set1_epi8(0x0f), newline = _mm256_set1_epi8('\n');

	*hit = 0;
	for (; i + 35 <= len; i += 32) {
		const char *p = buf + i;
		/* a file mapped in memory is read here first: ask for its bytes
		 * ahead of need, page after page (a prefetch never faults) */
		_mm_prefetch(p + 4096, _MM_HINT_T0);
		__m256i v0 = _mm256_loadu_si256((const __m256i *)p);
		__m256i v1 = _mm256_loadu_si256((const __m256i *)(p + 1));
		__m256i v2 = _mm256_loadu_si256((const __m256i *)(p + 2));
		__m256i c0 = CLASSES(first_lo, first_hi, v0);
		__m256i c1 = CLASSES(second_lo, second_hi, v1);
		__m256i v3 = _mm256_loadu_si256((const __m256i *)(p + 3));
		__m256i c2 = CLASSES(third_lo, third_hi, v2);
		__m256i c3 = CLASSES(fourth_lo, fourth_hi, v3);
		uint32_t lines = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, newline));
		if (!_mm256_testz_si256(_mm256_and_si256(_mm256_and_si256(c0, c1), c2), c3)) {
			m8x32 trig;
			trigger_vec(p, &trig);
			uint32_t hits = movemask_avx2(&trig);
			if (hits) {
				unsigned at = (unsigned)__builtin_ctz(hits);
				*newlines += (unsigned)__builtin_popcount(lines & ((1u << at) - 1));
				*hit = 1;
				return i + at;
			}
		}
		*newlines += (unsigned)__builtin_popcount(lines);
	}
	return i;
}
#endif

size_t smtpdiag__next_trigger(const char *buf, size_t from, size_t len, uint64_t *newlines)
{
	size_t i = from;
#ifdef HAVE_X86_VECTORS
	if (i == 0 && len > 0) { /* position 0 has no byte before it to load */
		if (triggers((const unsigned char *)buf, 0, len))
			return 0;
		*newlines += buf[0] == '\n';
		i = 1;
	}
	int hit;
	i = __builtin_cpu_supports("avx2") ? scan_avx2(buf, i, len, newlines, &hit)
					   : scan_sse2(buf, i, len, newlines, &hit);
	if (hit)
		return i;
#endif
	return smtpdiag__trigger_scalar(buf, i, len, newlines);
}
