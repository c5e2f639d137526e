/*
 * internal.h - what the library's files share and nobody else sees.
 *
 * Prototypes are grouped by the file that defines them. Internal names start
 * with smtpdiag__ (two underscores); they are not part of the API.
 */
#ifndef SMTPDIAG_INTERNAL_H
#define SMTPDIAG_INTERNAL_H

#include "smtpdiag.h"

/* fold.c */
extern const unsigned char smtpdiag__fold[256];
/* smtpdiag__fold for phrase matching: '-', '_' and the apostrophe also fold
 * to a space, so "Invalid-Recipient", "mailbox_full" and "d'envoi" meet
 * "invalid recipient", "mailbox full" and "d’envoi". */
static inline unsigned char smtpdiag__fold_word(unsigned char c)
{
	return c == '-' || c == '_' || c == '\'' ? ' ' : smtpdiag__fold[c];
}

/* Fold the character that starts s[0, n), n > 0, for phrase matching:
 * writes 0 to 3 bytes to out and returns how many, never more than it took;
 * *used is the number of bytes it took. An ASCII byte, or one not in valid
 * UTF-8, folds by smtpdiag__fold_word alone. */
size_t smtpdiag__fold_char(const unsigned char *s, size_t n, unsigned char *out,
			   size_t *used);

/* Fold s[0, n) into out (room for n bytes; out may be s): every character
 * folded, white-space runs as one space, none at either end. Returns the
 * folded length. */
size_t smtpdiag__fold_text(const char *s, size_t n, char *out);

/* Write code point c (below 0x110000) as UTF-8 at out; the bytes written (1-4). */
size_t smtpdiag__put_utf8(unsigned long c, char *out);

/* The value of a hexadecimal digit, or -1. */
int smtpdiag__hex_value(unsigned char c);

static inline int smtpdiag__is_space(unsigned char c)
{
	return smtpdiag__fold[c] == ' ';
}

static inline int smtpdiag__is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int smtpdiag__is_alnum(unsigned char c)
{
	unsigned char f = smtpdiag__fold[c];
	return smtpdiag__is_digit(c) || (f >= 'a' && f <= 'z');
}

/* Is the reply a failure (4xx/5xx, or a 4.x.x/5.x.x status without code)? */
static inline int smtpdiag__is_failure(const struct smtpdiag_reply *r)
{
	int cls = r->code ? r->code / 100 : r->status.cls;
	return cls == 4 || cls == 5;
}

/* parse.c: the status of a pasted delivery report's "Status:" field, when
 * a line starts with one; returns 1 and sets *st, or 0. */
int smtpdiag__status_field(const char *buf, size_t len, struct smtpdiag_status *st);
/* A log line's "dsn=4.3.0" field (Postfix, Sendmail): the status of the
 * delivery the line reports. */
int smtpdiag__dsn_field(const char *buf, size_t len, struct smtpdiag_status *st);
/* A reply code a program printed by the names of its digits, as Rust's
 * lettre does ("Code { severity: PermanentNegativeCompletion, category:
 * MailSystem, detail: Four }" is 554); 0 when there is none. */
int smtpdiag__named_code(const char *buf, size_t len);

/* command.c: the SMTP command a failure answered, as named around its reply,
 * into dst (unchanged when none is named). A finder returns the first
 * occurrence of key (a string literal) in line[0, len), or NULL. */
typedef const char *(*smtpdiag__finder)(const char *line, size_t len, const char *key);
const char *smtpdiag__find_plain(const char *s, size_t n, const char *key);
/* The command s[0, n) starts with ("RCPT TO:<a@b>", "end of data"): 1. */
int smtpdiag__command_at(const char *s, size_t n, char *dst, size_t cap);
/* Exim's "... after RCPT TO:<a@b>: 550 ...". */
void smtpdiag__exim_command(const char *line, size_t len, char *dst, size_t cap,
			    smtpdiag__finder find);
/* Postfix's "(in reply to RCPT TO command)". */
void smtpdiag__postfix_command(const char *line, size_t len, char *dst, size_t cap,
			       smtpdiag__finder find);
/* A program's or MTA's words: "Mail command failed", "SMTPSenderRefused". */
void smtpdiag__program_command(const char *line, size_t len, char *dst, size_t cap,
			       smtpdiag__finder find);
/* classify.c: a recipient's failure given in answer to MAIL FROM is the
 * sender's (d becomes category sender, with its advice); one that the code
 * or status gave at the greeting or HELO, before any recipient, names no
 * cause (unknown, or the client's reputation when the text names its IP). */
void smtpdiag__before_recipient(const struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d);
/* A failure that carries nothing but its code stands for the same reply
 * given in full after it, starting before buf + before: then 1, with *r
 * that reply. */
int smtpdiag__said_later(const char *buf, size_t len, size_t before,
			 struct smtpdiag_reply *r);
/* smtpdiag_classify_with, for a reply whose smtpdiag__reply_hash the caller
 * has (scan.c keys its echoes by it too); *framed (if not NULL) tells that
 * only a frame such as "Service unavailable" decided. */
int smtpdiag__classify_hashed(const struct smtpdiag_rules *rules, const struct smtpdiag_reply *r,
			      uint64_t hash, struct smtpdiag_diagnosis *d, int *framed);
/* When r's own words told nothing (d decided by code or status, or framed),
 * the words of buf[0, len) around it, with r's code and status, decide if a
 * rule knows them. */
void smtpdiag__read_around(const struct smtpdiag_rules *rules, const char *buf, size_t len,
			   const struct smtpdiag_reply *r, struct smtpdiag_diagnosis *d,
			   int framed);

/* status.c */

/* Read an enhanced status code at the start of s[0, len): the number of bytes
 * it takes (then *st is set), or 0 when s does not start with one. Does not
 * look at what follows it. */
size_t smtpdiag__status_scan(const char *s, size_t len, struct smtpdiag_status *st);

/* trigger.c */

/* The first position in buf[from, len) where a failure may start (see
 * trigger.c), or len; adds the newlines in buf[from, that position) to
 * *newlines. The _scalar variant is the byte-by-byte reference. */
size_t smtpdiag__next_trigger(const char *buf, size_t from, size_t len,
			      uint64_t *newlines);
size_t smtpdiag__trigger_scalar(const char *buf, size_t from, size_t len,
				uint64_t *newlines);

/* keys.c */

/* How common a byte is in mail logs: 0 for the rarest, 255 for the space. */
unsigned smtpdiag__rarity(unsigned char c);

/* A set of fixed strings to find in a line, each anchored at its rarest
 * pair of bytes; zero it before the first smtpdiag__keys_add. */
enum { SMTPDIAG_KEYS_MAX = 128 };
struct smtpdiag__keys {
	size_t n;
	struct smtpdiag__key {
		const char *s;
		uint16_t len, k, pair; /* the anchor: the pair at s[k] */
		uint8_t next;          /* the next key of head[]'s chain, from 1 */
	} key[SMTPDIAG_KEYS_MAX];
	uint8_t head[256];     /* the keys by a hash of their anchor, from 1 */
	uint64_t seen[64];     /* a bit for each anchor's hash */
	uint8_t first[256];    /* 1 for a byte an anchor starts with */
	/* the anchors' first and second bytes by their nibbles, for the
	 * vector test of keys.c, in two groups (a small letter second, or
	 * not): low[g][b][l] has bit h % 8 for each byte b of an anchor of
	 * group g, h its high nibble and l its low one; high[b][h] that bit,
	 * for an anchor of either group */
	uint8_t low[2][2][16], high[2][16];
};

/* Add key (a string that never changes, known by its address) to the set:
 * its number, also when it was added before, or -1 when it is shorter than
 * two bytes or the set is full. */
int smtpdiag__keys_add(struct smtpdiag__keys *ks, const char *key);

/* Where each key of the set first occurs in line[0, len): at[i] for key i,
 * or NULL. */
void smtpdiag__keys_find(const struct smtpdiag__keys *ks, const char *line, size_t len,
			 const char **at);

/* json.c */
/* The JSON string at s (its opening quote), before end, unescaped into out
 * (cut to cap - 1 bytes and ended by NUL): its length. A surrogate pair is
 * one character. */
size_t smtpdiag__json_string(const char *s, const char *end, char *out, size_t cap);
/* The value of "key": in line[0, n): where it starts, after the colon and
 * its blanks; NULL when the key is not there. */
const char *smtpdiag__json_value(const char *line, size_t n, const char *key);

/* journal.c */

/* A line of `journalctl -o json`: its MESSAGE (string or byte array) into
 * out (cap > 0 bytes, NUL-terminated, cut when full), and its
 * __REALTIME_TIMESTAMP as ISO 8601 UTC into when ("" when absent). Returns
 * the message's length, or 0 when the line is no journal entry. */
size_t smtpdiag__journal_line(const char *line, size_t n, char *out, size_t cap, char *when,
			      size_t when_cap);

/* qmail_log.c: qmail-send's "delivery N: failure: ..." or "deferral: ..."
 * line into out (cap > 0 bytes, NUL-terminated), its report written back
 * from qmail's safe form ('_' for blanks, '/' for line breaks), and the
 * outcome's class (5 or 4) in *cls. Returns the length, or 0 when the line
 * is no such line. */
size_t smtpdiag__qmail_line(const char *line, size_t n, char *out, size_t cap, int *cls);
/* The address of "starting delivery N: msg M to remote ADDR" in the lines
 * above the delivery's line (back to block), into dst when found. */
void smtpdiag__qmail_recipient(const char *block, const char *line, size_t n, char *dst,
			       size_t cap);
/* The host a written-back report names ("Connected to H but ...", "H does
 * not like recipient."), into dst when it names one. */
void smtpdiag__qmail_host(const char *line, size_t n, char *dst, size_t cap);

/* kumo_log.c: the reply of a KumoMTA log record (its "response": "code",
 * "enhanced_code" and "content") into r: 1, or 0 when the line holds none. */
int smtpdiag__kumo_response(const char *line, size_t len, struct smtpdiag_reply *r);

/* maddy_log.c: the reply of a maddy log record (its context's "smtp_code",
 * "smtp_enchcode" and "smtp_msg", with the "reason" that adds to them) into
 * r: 1, or 0 when the line holds none. */
int smtpdiag__maddy_response(const char *line, size_t len, struct smtpdiag_reply *r);

/* java_chain.c: a JavaMail exception whose cause follows on the next lines
 * ("...; nested exception is:" and the cause, indented), the line at line
 * (len bytes, avail left) and those joined into joined (cap bytes): 1, with
 * its length in *njoined and the bytes taken from line in *used; else 0. */
int smtpdiag__java_chain(const char *line, size_t len, size_t avail, char *joined, size_t cap,
			 size_t *njoined, size_t *used);

/* mime.c */

/* memo.c: a diagnosis remembered for a reply of the same code, status and
 * text under the same rules (a serial number, 0 for none), on this thread.
 * memo_set is where such a reply is remembered (by reply_hash, a hash of
 * its code, status and text), for get and put alike. memo_get returns 1 and
 * fills *d, *framed and *ret as classifying did, or returns 0. */
uint64_t smtpdiag__reply_hash(const struct smtpdiag_reply *r);
unsigned smtpdiag__memo_set(unsigned long rules, uint64_t reply_hash);
/* h with n bytes of s (and n) mixed in: a hash for memo.c and for scan.c's
 * echoes. */
uint64_t smtpdiag__hash(uint64_t h, const char *s, size_t n);
int smtpdiag__memo_get(unsigned set, unsigned long rules, const struct smtpdiag_reply *r,
		       struct smtpdiag_diagnosis *d, int *framed, int *ret);
void smtpdiag__memo_put(unsigned set, unsigned long rules, const struct smtpdiag_reply *r,
			const struct smtpdiag_diagnosis *d, int framed, int ret);

/* Where the body starts: after the first empty line (LF or CRLF), or len. */
size_t smtpdiag__header_end(const char *buf, size_t len);
/* Where a message's header starts: after blank lines and an mbox's "From "
 * line. */
size_t smtpdiag__message_start(const char *buf, size_t len);
/* Is buf a header block (see smtpdiag_message_detect)? */
int smtpdiag__is_header_block(const char *buf, size_t len);
/* Do a[0, n) and b[0, n) match, ASCII case folded? */
int smtpdiag__equal_fold(const char *a, const char *b, size_t n);
/* The raw value of the header field `name` in hdr[0, len) (folded lines
 * included): its length, with *value pointing at it, or 0 and NULL. */
size_t smtpdiag__header_field(const char *hdr, size_t len, const char *name,
			      const char **value);
/* s[0, n) into out (cap > 0 bytes, NUL-terminated), line breaks and tabs as
 * spaces, runs of blanks as one, none at either end; its length. */
size_t smtpdiag__unfold(const char *s, size_t n, char *out, size_t cap);
/* The same value unfolded into out (cap > 0 bytes, NUL-terminated); its length. */
size_t smtpdiag__header_copy(const char *hdr, size_t len, const char *name, char *out,
			     size_t cap);
/* The parameter `name` of a structured value ("multipart/report;
 * boundary=\"x\""), unquoted, into out; its length, 0 when absent. */
size_t smtpdiag__param(const char *value, const char *name, char *out, size_t cap);
/* Decode quoted-printable (header: "_" is a space, RFC 2047) and base64 into
 * out (room for n bytes); the decoded length. Garbage is skipped. */
size_t smtpdiag__decode_qp(const char *in, size_t n, char *out, int header);
size_t smtpdiag__decode_base64(const char *in, size_t n, char *out);
/* A header value with RFC 2047 encoded words decoded to UTF-8, into out. */
size_t smtpdiag__decode_words(const char *in, size_t n, char *out, size_t cap);

/* charset.c */

/* in[0, n) of `charset` as UTF-8 in out (cap > 0 bytes, NUL-terminated; cut
 * when full); the length written. Unknown charsets are copied as they are. */
size_t smtpdiag__to_utf8(const char *charset, const char *in, size_t n, char *out,
			 size_t cap);

#endif
