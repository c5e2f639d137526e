/*
 * memo.c - the diagnoses of the replies classified last, on each thread.
 *
 * Logs repeat their replies: the same code, status and text, over and over.
 * A reply's diagnosis depends on those and on the rules alone, so a repeated
 * reply takes the diagnosis it had before, without a walk of the automaton
 * over its text. The table is small (some 400 KiB a thread), two slots for
 * each hash, the texts compared exactly; a long text is not remembered.
 */
#include <string.h>

#include "internal.h"

enum { MEMO_SETS = 256, MEMO_TEXT = 512 };

struct memo {
	unsigned long rules; /* the rules' serial number, 0 for none */
	int code, ret, framed;
	struct smtpdiag_status status;
	size_t len; /* of text */
	unsigned long age; /* when last used; 0 for a slot never filled */
	struct smtpdiag_diagnosis d;
	char text[MEMO_TEXT];
};

static _Thread_local struct memo memo[MEMO_SETS][2];
static _Thread_local unsigned long memo_clock;

static uint64_t mix8(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15u;
	return h ^ h >> 29;
}

/* A long text 32 bytes at a time, in four products that do not wait for
 * each other (every finding's text is hashed, most of them some 200
 * bytes); the last bytes in one load of eight (or two of four) that
 * overlaps the bytes before, not copied byte by byte after a branch on
 * their number. */
uint64_t smtpdiag__hash(uint64_t h, const char *s, size_t n)
{
	uint64_t v;
	size_t all = n;
	h = mix8(h, n);
	if (n > 32) {
		uint64_t lane[4] = { h, h ^ 1, h ^ 2, h ^ 3 };
		for (; n > 32; s += 32, n -= 32)
			for (int i = 0; i < 4; i++) {
				memcpy(&v, s + 8 * i, 8);
				lane[i] = mix8(lane[i], v);
			}
		h = lane[0] ^ lane[1] * 3 ^ lane[2] * 5 ^ lane[3] * 7;
	}
	if (all >= 8) { /* n is 1 to 32 here */
		for (; n > 8; s += 8, n -= 8) {
			memcpy(&v, s, 8);
			h = mix8(h, v);
		}
		memcpy(&v, s + n - 8, 8);
		return mix8(h, v);
	}
	uint32_t a = 0, b = 0;
	if (n >= 4) {
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
	} else if (n) {
		a = (unsigned char)s[0] | (unsigned)(unsigned char)s[n / 2] << 8 |
		    (unsigned)(unsigned char)s[n - 1] << 16;
	}
	return mix8(h, (uint64_t)a << 32 | b);
}

uint64_t smtpdiag__reply_hash(const struct smtpdiag_reply *r)
{
	uint64_t h = (uint64_t)r->code << 48 ^ (uint64_t)r->status.cls << 32 ^
		     (uint64_t)r->status.subject << 16 ^ r->status.detail;
	return smtpdiag__hash(h, r->text, r->text_len);
}

/* The set of a reply's two slots: by a hash of its code, status and text. */
unsigned smtpdiag__memo_set(unsigned long rules, uint64_t reply_hash)
{
	return (unsigned)((reply_hash ^ rules * 0x9e3779b97f4a7c15u) >> 56);
}

static int same(const struct memo *m, unsigned long rules, const struct smtpdiag_reply *r)
{
	return m->age && m->len == r->text_len && m->code == r->code && m->rules == rules &&
	       m->status.cls == r->status.cls && m->status.subject == r->status.subject &&
	       m->status.detail == r->status.detail && !memcmp(m->text, r->text, r->text_len);
}

int smtpdiag__memo_get(unsigned set_index, unsigned long rules, const struct smtpdiag_reply *r,
		       struct smtpdiag_diagnosis *d, int *framed, int *ret)
{
	struct memo *set = memo[set_index], *m;
	if (same(&set[0], rules, r))
		m = &set[0];
	else if (same(&set[1], rules, r))
		m = &set[1];
	else
		return 0;
	m->age = ++memo_clock;
	*d = m->d;
	*framed = m->framed;
	*ret = m->ret;
	return 1;
}

void smtpdiag__memo_put(unsigned set_index, unsigned long rules, const struct smtpdiag_reply *r,
			const struct smtpdiag_diagnosis *d, int framed, int ret)
{
	if (r->text_len > MEMO_TEXT)
		return;
	struct memo *set = memo[set_index];
	struct memo *m = set[0].age <= set[1].age ? &set[0] : &set[1]; /* the older */
	m->rules = rules;
	m->code = r->code;
	m->status = r->status;
	m->len = r->text_len;
	m->age = ++memo_clock;
	m->d = *d;
	m->framed = framed;
	m->ret = ret;
	memcpy(m->text, r->text, r->text_len);
}
