/*
 * keys.c - where each of a set of fixed strings first occurs in a line, all
 * found in one pass over it.
 *
 * The scanner asks of a failed line where "to=<", "status=", "(host ",
 * "dsn=" and some fifty more stand, most of them absent: a memchr each went
 * over the line fifty times. Here each key has an anchor, its rarest pair of
 * adjacent bytes; one pass tests the pair at each position against a bitmap
 * of the anchors' hashes and, on a hit, compares the keys of that anchor. A key's
 * anchor is at a fixed place in it, so the first match is its first
 * occurrence. Where the processor has AVX2, thirty-two positions at a time
 * are first tested for a pair of bytes that may be an anchor, by their
 * nibbles (as trigger.c tests bytes), and only those positions further; the
 * anchors whose second byte is a small letter are tested apart from the
 * others, as the pairs of two letters of every word would pass otherwise.
 */
#include <string.h>

#include "internal.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86_VECTORS 1
#endif

/* How common a byte is in mail logs, 0 for the rarest: brackets, quotes,
 * '*', controls and non-ASCII; ';' (a delivery report's "dns;", "rfc822;"),
 * then the capitals (and "May", "Mar" start every syslog line); ',', '-',
 * '.', '/'; ':', '=', '<' and the like; digits; small letters, the rarer in
 * English first; the space. */
unsigned smtpdiag__rarity(unsigned char c)
{
	static const char rank[] = /* by ASCII code, 32 a row */
		"00000000000000000000000000000000"
		"50000000000022224444444444313300" /* ' ' to '?' */
		"01111111111111111111111111100002" /* '@' to '_' */
		"06666666666666666666666666600000"; /* '`' to DEL */
	static const char rarer_first[] = "zqjxkvbywgpfmucdlhrsnioate";
	if (c >= 0x80)
		return 0;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return (unsigned)(rank[c] - '0') * 32 +
		       (unsigned)(strchr(rarer_first, c | 0x20) - rarer_first);
	return c == ' ' ? 255 : (unsigned)(rank[c] - '0') * 32;
}

static unsigned pair_at(const char *s)
{
	return (unsigned char)s[0] | (unsigned)(unsigned char)s[1] << 8;
}

/* A pair's hash: its bit in seen[]; its top eight bits, its chain in head[]. */
static unsigned hash(unsigned pair)
{
	return (pair * 0x9e37u) >> 4 & 0xfff;
}

int smtpdiag__keys_add(struct smtpdiag__keys *ks, const char *key)
{
	size_t n = strlen(key), k = 0;
	for (size_t i = 0; i < ks->n; i++)
		if (ks->key[i].s == key)
			return (int)i;
	if (n < 2 || n > UINT16_MAX || ks->n == SMTPDIAG_KEYS_MAX)
		return -1;
	/* the pair whose bytes are together the rarest, then whose first
	 * byte is: the vector test passes a position when each of its two
	 * bytes is some anchor's in that place, in one of two groups (a
	 * small letter second, or not), so that pairs of common letters
	 * ("st", "co") are let through only when such an anchor starts
	 * with the first ("s=" of "status=", not "us") */
	unsigned best = ~0u;
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned r0 = smtpdiag__rarity((unsigned char)key[i]);
		unsigned r1 = smtpdiag__rarity((unsigned char)key[i + 1]);
		unsigned r = (r0 + r1) * 256 + r0;
		if (r < best) {
			best = r;
			k = i;
		}
	}
	unsigned pair = pair_at(key + k), h = hash(pair);
	size_t id = ks->n++;
	ks->key[id] = (struct smtpdiag__key){ key, (uint16_t)n, (uint16_t)k, (uint16_t)pair,
					      ks->head[h >> 4] };
	ks->head[h >> 4] = (uint8_t)(id + 1);
	ks->seen[h >> 6] |= (uint64_t)1 << (h & 63);
	ks->first[(unsigned char)key[k]] = 1;
	int g = key[k + 1] >= 'a' && key[k + 1] <= 'z';
	for (int b = 0; b < 2; b++) {
		unsigned char c = (unsigned char)key[k + (size_t)b];
		ks->low[g][b][c & 15] |= (uint8_t)(1u << (c >> 4 & 7));
		ks->high[b][c >> 4] = (uint8_t)(1u << (c >> 4 & 7));
	}
	return (int)id;
}

/* The keys whose anchor is the pair at line[i]: where each first occurs,
 * when it is there and was not found before. */
static inline void keys_at(const struct smtpdiag__keys *ks, const char *line, size_t len,
			   size_t i, const char **at)
{
	unsigned pair = pair_at(line + i), h = hash(pair);
	if (!(ks->seen[h >> 6] >> (h & 63) & 1))
		return;
	for (unsigned j = ks->head[h >> 4]; j; j = ks->key[j - 1].next) {
		const struct smtpdiag__key *k = &ks->key[j - 1];
		const char *p = line + i - k->k;
		size_t m = 0;
		if (k->pair != pair || at[j - 1] || i < k->k || i - k->k + k->len > len)
			continue;
		while (m < k->len && p[m] == k->s[m]) /* short: no call */
			m++;
		if (m == k->len)
			at[j - 1] = p;
	}
}

#ifdef HAVE_X86_VECTORS
/* The positions of line from 0, thirty-two at a time while the byte after
 * each is in the line: those whose two bytes are each an anchor's byte in
 * that place, for anchors of one group (exactly so for ASCII: a byte's bit
 * is its high nibble), go in order to keys_at. Returns the first position
 * not tested. */
__attribute__((target("avx2"))) static size_t keys_avx2(const struct smtpdiag__keys *ks,
							 const char *line, size_t len,
							 const char **at)
{
	const __m256i nibble = _mm256_set1_epi8(0x0f);
	__m256i low[2][2], high[2]; /* in both 16-byte lanes: vpshufb looks up within one */
	for (int b = 0; b < 2; b++) {
		for (int g = 0; g < 2; g++)
			low[g][b] = _mm256_broadcastsi128_si256(
				_mm_loadu_si128((const __m128i *)ks->low[g][b]));
		high[b] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)ks->high[b]));
	}
	size_t i = 0;
	for (; i + 33 <= len; i += 32) {
		__m256i lo[2], hi[2];
		for (int b = 0; b < 2; b++) {
			__m256i v = _mm256_loadu_si256((const __m256i *)(line + i + b));
			lo[b] = _mm256_and_si256(v, nibble);
			hi[b] = _mm256_shuffle_epi8(high[b],
						    _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
		}
		uint32_t may = 0;
		for (int g = 0; g < 2; g++) {
			__m256i out = _mm256_setzero_si256(); /* -1 where byte b is no anchor's */
			for (int b = 0; b < 2; b++)
				out = _mm256_or_si256(
					out, _mm256_cmpeq_epi8(
						     _mm256_and_si256(_mm256_shuffle_epi8(low[g][b], lo[b]), hi[b]),
						     _mm256_setzero_si256()));
			may |= ~(uint32_t)_mm256_movemask_epi8(out);
		}
		for (; may; may &= may - 1)
			keys_at(ks, line, len, i + (unsigned)__builtin_ctz(may), at);
	}
	return i;
}
#endif

void smtpdiag__keys_find(const struct smtpdiag__keys *ks, const char *line, size_t len,
			 const char **at)
{
	size_t i = 0;
	memset(at, 0, ks->n * sizeof *at);
#ifdef HAVE_X86_VECTORS
	if (__builtin_cpu_supports("avx2"))
		i = keys_avx2(ks, line, len, at);
#endif
	for (; i + 1 < len; i++)
		if (ks->first[(unsigned char)line[i]]) /* most bytes: one look-up */
			keys_at(ks, line, len, i, at);
}
