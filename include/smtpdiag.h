/*
 * smtpdiag.h - explain why an e-mail would not send.
 *
 * libsmtpdiag finds SMTP replies in whatever a person pasted or a program
 * logged, and classifies each one against a knowledge base compiled into the
 * library: a category, a severity, who must act, the cause, the fix as steps
 * and the settings to change.
 *
 * Contract for every function here:
 *  - no I/O, no printing, no exit, no global mutable state: every function
 *    is reentrant and thread-safe; none allocates but smtpdiag_rules_load
 *    (smtpdiag_rules_free gives it back);
 *  - input is (buf, len): any bytes, NUL included, need not be terminated;
 *  - strings handed back point into the library's read-only tables and live
 *    as long as the program (or into a user's rules, and live as long as
 *    they are loaded); the caller never frees them;
 *  - functions that can fail return 0 or a negative SMTPDIAG_E* value
 *    (smtpdiag_strerror() names it).
 */
#ifndef SMTPDIAG_H
#define SMTPDIAG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SMTPDIAG_VERSION "0.1.0"

/* Error values: negative, so that 0 can mean success. */
enum {
	SMTPDIAG_ENOREPLY = -1, /* no SMTP reply in the input */
	SMTPDIAG_ENOMATCH = -2, /* nothing in the knowledge base applies */
	SMTPDIAG_EINVAL = -3,   /* an argument is out of range or unknown */
	SMTPDIAG_EMORE = -4,    /* scan: more input is needed (see smtpdiag_scan) */
	SMTPDIAG_ENOMEM = -5,   /* out of memory (loading rules, reading a message) */
	SMTPDIAG_ESYNTAX = -6   /* a rules file has mistakes */
};

/* What went wrong. The names (smtpdiag_category_name) are stable ids used in
 * JSON, TSV and filters; the numbers are not part of the contract. */
enum smtpdiag_category {
	SMTPDIAG_CAT_OK,
	SMTPDIAG_CAT_AUTH,
	SMTPDIAG_CAT_SENDER,
	SMTPDIAG_CAT_RELAY,
	SMTPDIAG_CAT_RECIPIENT,
	SMTPDIAG_CAT_MAILBOX,
	SMTPDIAG_CAT_RATE_LIMIT,
	SMTPDIAG_CAT_GREYLIST,
	SMTPDIAG_CAT_REPUTATION,
	SMTPDIAG_CAT_SPAM,
	SMTPDIAG_CAT_VIRUS,
	SMTPDIAG_CAT_EMAIL_AUTH,
	SMTPDIAG_CAT_TLS,
	SMTPDIAG_CAT_SIZE,
	SMTPDIAG_CAT_MESSAGE,
	SMTPDIAG_CAT_POLICY,
	SMTPDIAG_CAT_PROTOCOL,
	SMTPDIAG_CAT_NETWORK,
	SMTPDIAG_CAT_SERVER,
	SMTPDIAG_CAT_UNKNOWN,
	SMTPDIAG_CAT_COUNT
};

/* Will a retry succeed? success: 2xx/3xx; transient: yes, without a change
 * (4xx, or a 5xx its provider documents as clearing by itself); permanent: not
 * until something is changed. */
enum smtpdiag_severity {
	SMTPDIAG_SUCCESS,
	SMTPDIAG_TRANSIENT,
	SMTPDIAG_PERMANENT,
	SMTPDIAG_SEVERITY_COUNT
};

/* Who can fix it. */
enum smtpdiag_who {
	SMTPDIAG_WHO_YOU,        /* your settings or your message */
	SMTPDIAG_WHO_POSTMASTER, /* your domain's DNS, your IP's reputation */
	SMTPDIAG_WHO_PROVIDER,   /* the sending or receiving provider */
	SMTPDIAG_WHO_RECIPIENT,  /* the recipient's address or mailbox */
	SMTPDIAG_WHO_NOBODY,     /* wait and retry */
	SMTPDIAG_WHO_COUNT
};

/* What decided the diagnosis: a text rule, the enhanced status code's entry
 * or the basic code's entry. */
enum smtpdiag_matched_by {
	SMTPDIAG_BY_TEXT,
	SMTPDIAG_BY_STATUS,
	SMTPDIAG_BY_CODE,
	SMTPDIAG_MATCHED_BY_COUNT
};

/* Abstract settings that advice points at; a client profile says where each
 * one is changed in a given program. */
enum smtpdiag_setting {
	SMTPDIAG_SET_SERVER_HOST,
	SMTPDIAG_SET_SERVER_PORT,
	SMTPDIAG_SET_SERVER_SECURITY,
	SMTPDIAG_SET_AUTH_REQUIRED,
	SMTPDIAG_SET_AUTH_USERNAME,
	SMTPDIAG_SET_AUTH_PASSWORD,
	SMTPDIAG_SET_AUTH_METHOD,
	SMTPDIAG_SET_SENDER_ADDRESS,
	SMTPDIAG_SET_SENDING_THREADS,
	SMTPDIAG_SET_SENDING_RATE,
	SMTPDIAG_SET_SENDING_DAILY_LIMIT,
	SMTPDIAG_SET_MESSAGE_SIZE,
	SMTPDIAG_SET_MESSAGE_CONTENT,
	SMTPDIAG_SET_RECIPIENTS_LIST,
	SMTPDIAG_SET_DNS_SPF,
	SMTPDIAG_SET_DNS_DKIM,
	SMTPDIAG_SET_DNS_DMARC,
	SMTPDIAG_SET_DNS_PTR,
	SMTPDIAG_SET_NETWORK_PROXY,
	SMTPDIAG_SET_NETWORK_FIREWALL,
	SMTPDIAG_SET_ACCOUNT_WEB,
	SMTPDIAG_SETTING_COUNT
};

/* An enhanced status code (RFC 3463) class.subject.detail; each part may have
 * up to three digits (X.1.10 exists). cls == 0 means "none". */
struct smtpdiag_status {
	uint16_t cls;
	uint16_t subject;
	uint16_t detail;
};

/* The longest reply text kept, terminating NUL included. A longer text is cut
 * at this size and the reply's `truncated` flag is set. */
#define SMTPDIAG_TEXT_MAX 2048

/* One reply found in the input. Owned by the caller (it is plain data: copy
 * it, keep it on the stack); filled by smtpdiag_parse(). */
struct smtpdiag_reply {
	int code;                      /* 200..599; 0 when the input gave none */
	struct smtpdiag_status status; /* cls 0 when the reply carries none */
	size_t start, end;             /* the reply's bytes in the input */
	int truncated;                 /* text was cut to SMTPDIAG_TEXT_MAX - 1 */
	size_t text_len;
	/* The reply's text without its code and status, the lines of a multi-line
	 * reply joined by one space, runs of white space folded to one space,
	 * client chatter (a trailing "Disconnected.") and the Postfix wrapper
	 * "(in reply to ... command)" removed. NUL-terminated; NUL bytes of the
	 * input became spaces. */
	char text[SMTPDIAG_TEXT_MAX];
	char command[16];              /* "RCPT TO" when the input says; or "" */
	char host[256];                /* the server the input names; or "" */
	int port;                      /* its port when given; or 0 */
};

/*
 * Find the next SMTP reply in buf[*pos, len). Recognised shapes: "550 5.1.1
 * text", "550-5.1.1 text" continued by "550 5.1.1 text" lines (also when glued
 * into one line, as logs and some programs print them), "550 text", "550:
 * text", `550, "5.1.1". text`, a reply inside quotes ('…' or "…", with
 * literal \n escapes as line breaks), Python's `(550, b'5.1.1 text')`, and a
 * bare enhanced status ("The server response was: 5.7.0 text") when no basic
 * code is given. An enhanced code in the text such as "(#5.7.1)" is taken when
 * the reply has none of its own.
 *
 * On success fills *r, moves *pos past the reply and returns 0; returns
 * SMTPDIAG_ENOREPLY when no reply is left (r is then untouched).
 */
int smtpdiag_parse(const char *buf, size_t len, size_t *pos,
		   struct smtpdiag_reply *r);

/*
 * Make a reply with code 0 from free text (a program's error message with no
 * SMTP reply: "Socket Error #10060", "Connection refused"), so that
 * smtpdiag_classify() can match the rules written for such failures. Takes
 * the host and port from "Connecting to: host:port" or "connect to
 * host[ip]:port" when the text says them. Always returns 0.
 */
int smtpdiag_reply_from_text(const char *buf, size_t len,
			     struct smtpdiag_reply *r);

/* Parse "5.7.1" (exactly: digits, no surrounding text) into *st. Returns 0, or
 * SMTPDIAG_EINVAL when s is not an enhanced status code. */
int smtpdiag_status_parse(const char *s, size_t len, struct smtpdiag_status *st);

#define SMTPDIAG_MAX_STEPS 8
#define SMTPDIAG_MAX_SETTINGS 8
#define SMTPDIAG_MAX_REFS 4

/* A diagnosis. All strings point into the library's tables; a field is NULL
 * where nothing is known. */
struct smtpdiag_diagnosis {
	enum smtpdiag_category category;
	enum smtpdiag_severity severity;
	enum smtpdiag_who who;
	enum smtpdiag_matched_by matched_by;
	int severity_overridden;   /* the provider documents a severity unlike
				      the code's class (a 5xx that clears) */
	const char *rule;          /* the winning rule's id, with BY_TEXT */
	const char *provider;      /* provider id ("google") */
	const char *provider_name; /* "Google (Gmail, Google Workspace)" */
	const char *cause;
	const char *code_meaning;   /* the basic code's meaning (RFC) */
	const char *status_meaning; /* the enhanced code's (IANA registry) */
	size_t nfix;
	const char *fix[SMTPDIAG_MAX_STEPS]; /* ordered steps */
	size_t nsettings;
	enum smtpdiag_setting settings[SMTPDIAG_MAX_SETTINGS];
	size_t nrefs;
	const char *refs[SMTPDIAG_MAX_REFS];
};

/*
 * Classify a reply. The most specific knowledge wins: a matching text rule
 * (all of its phrases found, its code and status constraints agreeing), then
 * the enhanced status code's entry, then the basic code's. A 2xx or 3xx reply
 * is category ok, severity success, unless a rule names its code: a content
 * filter's "250 2.7.0 Ok, discarded" for a message it dropped is a failure.
 *
 * Returns 0 with *d filled; SMTPDIAG_ENOMATCH when the reply has neither code
 * nor status and no rule matched its text (*d then says category unknown).
 */
int smtpdiag_classify(const struct smtpdiag_reply *r,
		      struct smtpdiag_diagnosis *d);

/*
 * Parse and classify in one call, as `smtpdiag explain` does: the first
 * failed reply (4xx/5xx) in buf decides; without one, the first reply; without
 * any reply, the whole text is matched as a failure without a reply
 * (smtpdiag_reply_from_text). *r receives the reply that decided.
 *
 * Returns 0, or SMTPDIAG_ENOREPLY when the input holds no reply and no rule
 * for reply-less failures matched it.
 */
int smtpdiag_diagnose(const char *buf, size_t len, struct smtpdiag_reply *r,
		      struct smtpdiag_diagnosis *d);

/* ---- a user's rules ------------------------------------------------------- */

/* Rules read at run time, in the format of the knowledge base's data/
 * files: a site's own replies, without rebuilding the library. */
struct smtpdiag_rules;

/*
 * Read a rules file's text buf[0, len), named `name` in messages. It may hold
 * `rule` records and `provider` records (with the fields data/README.md
 * gives; a rule id need not start with the file's name); a rule may name a
 * built-in provider or one of the file's own. On success *rules is the
 * loaded rules (zero rules for an empty file) and the result is 0. On
 * SMTPDIAG_ESYNTAX, err (errlen bytes, NUL-terminated, when not NULL) holds
 * the mistakes, one "name:line: message" per line; SMTPDIAG_ENOMEM when
 * memory ran out. *rules is NULL after a failure. The rules keep their own
 * copy of buf.
 */
int smtpdiag_rules_load(struct smtpdiag_rules **rules, const char *name,
			const char *buf, size_t len, char *err, size_t errlen);
void smtpdiag_rules_free(struct smtpdiag_rules *rules);
/* How many rules were loaded; 0 for NULL. */
size_t smtpdiag_rules_count(const struct smtpdiag_rules *rules);
/* Rule i of the loaded rules, in the file's order, as smtpdiag_entry_at gives
 * a built-in rule (see below); 0, or SMTPDIAG_EINVAL past the end. */
struct smtpdiag_entry;
int smtpdiag_rules_entry_at(const struct smtpdiag_rules *rules, size_t i,
			    struct smtpdiag_entry *e);

/*
 * smtpdiag_classify and smtpdiag_diagnose with a user's rules (NULL: none).
 * The user's rules are chosen among as the built-in ones are, and a matching
 * user rule wins over every built-in rule. A user provider whose marker is in
 * the text is the diagnosis's provider.
 */
int smtpdiag_classify_with(const struct smtpdiag_rules *rules,
			   const struct smtpdiag_reply *r,
			   struct smtpdiag_diagnosis *d);
int smtpdiag_diagnose_with(const struct smtpdiag_rules *rules, const char *buf,
			   size_t len, struct smtpdiag_reply *r,
			   struct smtpdiag_diagnosis *d);

/* ---- scanning logs -------------------------------------------------------- */

/* A failed reply found in a log, classified. Plain data owned by the caller. */
struct smtpdiag_finding {
	struct smtpdiag_reply reply;
	struct smtpdiag_diagnosis diagnosis;
	uint64_t line;       /* the line the reply starts on, from 1 */
	char time[40];       /* the log line's time stamp as written; or "" */
	char recipient[256]; /* the address the failure is about; or "" */
	char sender[256];    /* the envelope sender when the line says; or "" */
	/* from a bounce message (smtpdiag_message_finding); else "" */
	char action[16];               /* "failed", "delayed" or "complaint" */
	char message_id[256];          /* the bounce's own Message-ID */
	char original_message_id[256]; /* the returned message's */
	char original_from[256];
	char original_subject[256];
};

/* A scan's position in its stream: the number of the line at *pos; and the
 * user's rules it classifies with. Call smtpdiag_scanner_init (or zero it all
 * and set line = 1) before the first block, then set rules if there are any. */
struct smtpdiag_scanner {
	uint64_t line;
	const struct smtpdiag_rules *rules; /* a user's rules, or NULL */
	/* private: the last finding, to drop a program's echo of it */
	uint64_t last_line, last_end; /* its first line, and the line after it */
	uint32_t last_key;
	int last_textual;
	int last_code; /* its code; after a 421 the server closes the connection */
};

void smtpdiag_scanner_init(struct smtpdiag_scanner *s);

/*
 * Find the next failed reply (4xx/5xx, or a failure with no reply such as a
 * time-out) in buf[*pos, len). buf[*pos] must start a line. Logs of Postfix,
 * Exim, Sendmail, msmtp, swaks, curl, program errors (Python, PHPMailer,
 * Nodemailer, JavaMail, .NET), RFC 3464 reports and ESP event JSON are
 * understood; successful replies are never reported; a multi-line reply is
 * one finding. A program's echo of the failure just reported is not reported
 * again: PHPMailer's "SMTP ERROR: RCPT TO command failed: 550 ..." after its
 * "SERVER -> CLIENT: 550 ...", a nested exception repeating the reply, a
 * bounce's Diagnostic-Code repeating the reply its text quoted, PHPMailer's
 * summary ("SMTP Error: Could not authenticate.") after the reply, and a
 * failure without reply, time stamp or recipient within two lines of another
 * such failure (a desktop mailer's "Socket Error #10060" / "Connection timed
 * out.").
 *
 * Unless `final`, buf must end with a newline, and a reply that starts near
 * the end (it may continue in the next block) is not taken: the function then
 * returns SMTPDIAG_EMORE with *pos at the start of its line, and the caller
 * passes the bytes from *pos again, followed by more input. With `final`,
 * the block is the end of the input.
 *
 * Returns 0 with *f filled and *pos past the finding's last line, or
 * SMTPDIAG_ENOREPLY when the block holds no more (then *pos == len). Lines are
 * counted in s either way. Reads each byte of a mostly successful log once,
 * looking for the few byte patterns every failure shows (a 4xx/5xx code, a
 * 4.x.x/5.x.x status, "**", "error", "refused", "timed out" ...), and parses
 * only the lines around them.
 */
int smtpdiag_scan(struct smtpdiag_scanner *s, const char *buf, size_t len,
		  size_t *pos, int final, struct smtpdiag_finding *f);

/* How close to a block's end (in bytes) a reply must not start for
 * smtpdiag_scan to take it before the next block arrives. */
#define SMTPDIAG_SCAN_MARGIN 16384

/* How far before a reply's line (in bytes) smtpdiag_scan looks for its
 * context: a transcript's command and server, a delivery report's recipient.
 * A caller that moves its buffer keeps this much before *pos. */
#define SMTPDIAG_SCAN_LOOKBACK 8192

/* ---- bounce messages ------------------------------------------------------ */

enum smtpdiag_message_kind {
	SMTPDIAG_MESSAGE_OTHER,     /* a message, but no report about delivery */
	SMTPDIAG_MESSAGE_BOUNCE,    /* a delivery status notification, in any format */
	SMTPDIAG_MESSAGE_AUTOREPLY, /* an automatic reply (RFC 3834): no failure */
	SMTPDIAG_MESSAGE_COMPLAINT  /* an abuse report (RFC 5965, ARF) */
};

/* One recipient that a delivery report speaks of. */
struct smtpdiag_bounced {
	char recipient[256];           /* the final recipient; or "" when not said */
	char action[16];               /* "failed", "delayed", "delivered", "relayed",
					  "expanded"; "complaint" for an abuse report */
	struct smtpdiag_status status; /* the report's Status; cls 0 when none */
	char host[256];                /* the remote MTA that answered; or "" */
	const char *diagnostic;        /* the server's reply or the report's words for
					  this recipient: UTF-8, NUL-terminated, in the
					  message's memory; "" when none */
	size_t diagnostic_len;         /* 0 when the report gives no reason */
	size_t offset;                 /* where in the input the diagnostic (or, when
					  it was encoded, its MIME part) starts */
};

/* A message read by smtpdiag_message_read. The strings are UTF-8 (decoded
 * from RFC 2047 words and the parts' charsets), "" when the message does not
 * say them. Owned by the caller; smtpdiag_message_free releases what the
 * reader allocated. */
struct smtpdiag_message {
	enum smtpdiag_message_kind kind;
	char message_id[256];          /* the report's own */
	char subject[256];
	char original_message_id[256]; /* of the returned message, when included */
	char original_from[256];
	char original_to[256];
	char original_subject[256];
	char feedback_type[32];        /* an abuse report's Feedback-Type */
	size_t count;                  /* recipients */
	struct smtpdiag_bounced *recipients;
	const char *text;              /* the human-readable parts, decoded */
	size_t text_len;
	void *memory_;                 /* private */
};

/*
 * Does buf[0, len) start with an RFC 5322 header block ("Name: value" lines
 * with at least two of the usual fields, up to a blank line), or with a
 * delivery report's body pasted without its header ("This is the mail
 * system at host ... could not be delivered to one or more recipients",
 * then the recipients in paragraphs of their own)? Returns 1 or 0. A log
 * does not: its lines carry time stamps, not field names.
 */
int smtpdiag_message_detect(const char *buf, size_t len);

/*
 * Read the message buf[0, len): its header, its MIME structure (nested
 * multipart, quoted-printable and base64 bodies, charsets), and, when it is a
 * bounce, every recipient it reports: from a message/delivery-status part
 * (RFC 3464), else from the human-readable text of the formats of qmail,
 * Exim, Postfix, Sendmail, Exchange, Domino and others. A recipient named
 * without a reason is kept, with diagnostic_len 0. Linear in len whatever the
 * input; MIME nesting deeper than 32 levels is read as text.
 *
 * Returns 0 with *m filled, SMTPDIAG_ENOMEM, or SMTPDIAG_EINVAL for NULL
 * arguments. Call smtpdiag_message_free(m) after a return of 0.
 */
int smtpdiag_message_read(const char *buf, size_t len, struct smtpdiag_message *m);
void smtpdiag_message_free(struct smtpdiag_message *m);

/* Is the recipient's mail failed, delayed or complained of (not delivered,
 * relayed or expanded, which RFC 3464 reports as successes)? 1 or 0. */
int smtpdiag_bounced_failed(const struct smtpdiag_bounced *b);

/*
 * Recipient i of m as a finding, classified exactly as `explain` classifies
 * its diagnostic (with the user's rules when not NULL); the report's Status
 * stands in for a reply that gives none, an action "delayed" makes the failure
 * transient, and a recipient without any reason is category unknown. line is
 * 0 (the caller knows where the message starts); recipient, action,
 * message_id and the original's fields are filled. Returns 0, or
 * SMTPDIAG_EINVAL when i is out of range.
 */
int smtpdiag_message_finding(const struct smtpdiag_rules *rules,
			     const struct smtpdiag_message *m, size_t i,
			     struct smtpdiag_finding *f);

/* The meaning of a basic reply code (a class's meaning for a code the RFCs do
 * not define), or NULL for a code outside 200..599. */
const char *smtpdiag_code_meaning(int code);

/* The registry's title of an enhanced status code, or NULL when the registry
 * does not list it. */
const char *smtpdiag_status_meaning(struct smtpdiag_status st);

/* Stable ids of the enum values, or NULL when out of range. */
const char *smtpdiag_category_name(enum smtpdiag_category c);
const char *smtpdiag_severity_name(enum smtpdiag_severity s);
const char *smtpdiag_who_name(enum smtpdiag_who w);
const char *smtpdiag_matched_by_name(enum smtpdiag_matched_by m);
const char *smtpdiag_setting_name(enum smtpdiag_setting s);

/* A short human title of a category ("Authentication"), or NULL. */
const char *smtpdiag_category_title(enum smtpdiag_category c);

/* Client profiles: index 0 is "generic". */
size_t smtpdiag_client_count(void);
const char *smtpdiag_client_id(size_t i);   /* "thunderbird"; NULL past end */
const char *smtpdiag_client_name(size_t i); /* "Mozilla Thunderbird" */
/* The index of the profile with this id, or SMTPDIAG_EINVAL. */
int smtpdiag_client_find(const char *id);
/* Where a setting is changed in profile i (the generic profile's text when
 * the profile gives none); NULL when i or key is out of range. */
const char *smtpdiag_setting_where(size_t i, enum smtpdiag_setting key);

/* ---- browsing the knowledge base (`smtpdiag codes`) ------------------------ */

/* A basic code's or an enhanced status code's entry, or a text rule. Fields
 * that do not apply are 0 or NULL. */
struct smtpdiag_entry {
	int code;                      /* 200..599; 2..5 for a class ("5xx") */
	struct smtpdiag_status status; /* cls 0 with a subject: the registry's X.S.D */
	const char *rule;              /* a rule's id */
	const char *provider;          /* a rule's provider id */
	const char *meaning;           /* a code's or status's meaning */
	enum smtpdiag_category category;
	const char *cause;             /* the entry's own cause, or NULL */
	size_t ncodes;                 /* a rule's code constraint, the first few */
	int codes[4];
	size_t nstatuses;              /* a rule's status constraint, the first few */
	struct smtpdiag_status statuses[4];
};

enum smtpdiag_kind { SMTPDIAG_KIND_CODE, SMTPDIAG_KIND_STATUS, SMTPDIAG_KIND_RULE };

/* How many entries of a kind the knowledge base holds; and entry i of that
 * kind, in a stable order (codes by number, statuses by subject and detail,
 * rules by id). smtpdiag_entry_at returns 0, or SMTPDIAG_EINVAL past the end. */
size_t smtpdiag_entry_count(enum smtpdiag_kind kind);
int smtpdiag_entry_at(enum smtpdiag_kind kind, size_t i, struct smtpdiag_entry *e);

/* The name of an SMTPDIAG_E* value, "success" for 0. */
const char *smtpdiag_strerror(int err);

/* The library's version, SMTPDIAG_VERSION of the build. */
const char *smtpdiag_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SMTPDIAG_H */
