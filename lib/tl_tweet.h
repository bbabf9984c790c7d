/* tl_tweet.h: X API v2 stream lines: a fast JSON tokenizer (a "tape" of value spans over the
 * line, no copies, no cJSON), classification of a line (tweet, stream error message, other),
 * the expansion merger that turns {"data","includes","matching_rules"} into one tweet object,
 * and a bounded set of recently seen tweet ids for duplicate suppression.
 *
 * Why not cJSON: X sends matching_rules ids as JSON numbers beyond 2^53 in some captures (cJSON
 * would round them), and the merger must keep up with far more than a firehose (the output
 * is built by copying spans of the input, minified when the input has white space).
 */
#ifndef TL_TWEET_H
#define TL_TWEET_H
#include "tl_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_jtype {
	TL_JT_OBJ = 1,
	TL_JT_ARR,
	TL_JT_STR,
	TL_JT_NUM,
	TL_JT_TRUE,
	TL_JT_FALSE,
	TL_JT_NULL,
};

/* One value (or object key) of the document. Offsets are bytes into the text; a string's span
 * includes its quotes. next is the index of the first token after this value and everything
 * inside it, so siblings are found without walking children. */
struct tl_jtok {
	uint32_t start, end;
	uint32_t next;
	uint8_t type;
};

/* A tokenized JSON text. The text is not copied: it must outlive the doc's use. */
struct tl_jdoc {
	const char *s;
	size_t len;
	struct tl_jtok *t;
	size_t n, cap;
	bool has_ws;   /* white space between tokens somewhere (so spans need minifying) */
};

#define TL_JDOC_MAX_DEPTH 256

/* Tokenizes s[0..n) as exactly one JSON value (RFC 8259, valid UTF-8, nesting up to
 * TL_JDOC_MAX_DEPTH, texts under 4 GiB). Reuses d's token array (allocates with x*, may exit).
 * Returns 0, or -1 with *why (static text) and *errpos set (either may be NULL). */
int tl_jdoc_parse(struct tl_jdoc *d, const char *s, size_t n, const char **why, size_t *errpos);
void tl_jdoc_free(struct tl_jdoc *d);

/* Member lookup in the object at token index obj: the value's token index, or -1. Keys are
 * compared as raw text (a key written with escapes does not match). */
long tl_jdoc_get(const struct tl_jdoc *d, size_t obj, const char *key);
/* Index of element i of the array at token index arr, or -1. */
long tl_jdoc_at(const struct tl_jdoc *d, size_t arr, size_t i);
/* The raw text of a string without quotes (escapes left as written), or of a number; false
 * for other types. Used for ids, which X sends as strings and sometimes as numbers. */
bool tl_jdoc_idtext(const struct tl_jdoc *d, long tok, const char **p, size_t *n);
/* Appends token tok's value as compact JSON (white space outside strings removed). */
int tl_jdoc_add_compact(const struct tl_jdoc *d, size_t tok, struct tl_buf *out);
/* Appends the decoded value of string token tok (escapes resolved, \u surrogate pairs joined, a
 * lone surrogate as U+FFFD) to b. -1 when tok is not a string or b's cap is reached. */
int tl_jdoc_str(const struct tl_jdoc *d, long tok, struct tl_buf *b);
/* The decoded value of a string token (escapes resolved) as a new string, or NULL when tok is
 * not a string. Caller frees. */
char *tl_jdoc_strdup(const struct tl_jdoc *d, long tok);

/* What a stream line is. */
enum tl_tweet_kind {
	TL_TWEET_KEEPALIVE = 0, /* blank line */
	TL_TWEET_DATA,          /* {"data":{...},"includes":...,"matching_rules":...} */
	TL_TWEET_FLAT,          /* a tweet object already (a merged tweet, or a v1.1 tweet) */
	TL_TWEET_ERRORS,        /* {"errors":[...]} with no data: a stream message */
	TL_TWEET_OTHER,         /* valid JSON, none of the above */
	TL_TWEET_BAD,           /* not valid JSON */
};

/* A parsed line. Holds the token tape; reuse one for every line. */
struct tl_tweet {
	struct tl_jdoc doc;
	const char *line;
	size_t len;
	int kind;
	long data;             /* token of the tweet object ("data", or the root when FLAT) */
	const char *id;        /* the tweet id text (not NUL-terminated), or NULL */
	size_t id_len;
	bool disconnect;       /* an operational-disconnect message (match on the title) */
	const char *why;       /* BAD: what is wrong */
	size_t errpos;         /* BAD: byte offset */
};

/* Parses and classifies one line (without its "\n"; a trailing "\r" and surrounding white
 * space are allowed). The line must stay valid while t is used. Returns t->kind. */
int tl_tweet_parse(struct tl_tweet *t, const char *line, size_t n);

/* Appends the merged tweet (DATA or FLAT lines) as one compact JSON object, no newline:
 * the members of "data" in their order, with
 *   attachments.media (includes.media by attachments.media_keys, in order) and
 *   attachments.polls (includes.polls by attachments.poll_ids),
 *   geo.place (includes.places by geo.place_id),
 *   each referenced_tweets[] element {"type","id"} extended with the members of the included
 *   tweet of that id (itself with author, media and place merged),
 * then "author" (includes.users by author_id), "in_reply_to_user" (by in_reply_to_user_id)
 * and "matching_rules" (ids as strings; a null or missing tag as it came). Expansions that are
 * not in includes are left out; keys already present in data are not added again.
 * FLAT lines are written compact as they are. Returns 0, -1 if t is not a tweet or out is
 * full (E2BIG). */
int tl_tweet_merge(const struct tl_tweet *t, struct tl_buf *out);

/* The line's time for paced replay, in epoch ms: __twarc.retrieved_at when present, else the
 * tweet's created_at. -1 when neither parses. */
int64_t tl_tweet_time(const struct tl_tweet *t);

/* For ERRORS lines: a one-line summary "title: detail[; title: detail...]" (caller frees). */
char *tl_tweet_errors_text(const struct tl_tweet *t);

void tl_tweet_free(struct tl_tweet *t);

/* A bounded set of recently seen ids: once full, each new id evicts the oldest. Numeric ids
 * below 2^63 (all tweet ids) are kept exactly; others by a 64-bit hash. */
struct tl_idset {
	uint64_t *ring;      /* insertion order */
	uint64_t *slot;      /* open addressing table, TL_IDSET_EMPTY when free */
	size_t cap, n, head, mask;
};

/* cap ids (at least 16). Allocates with x*. */
void tl_idset_init(struct tl_idset *s, size_t cap);
/* Adds id; returns true when it was new, false when it is still remembered. */
bool tl_idset_add(struct tl_idset *s, const char *id, size_t n);
bool tl_idset_has(const struct tl_idset *s, const char *id, size_t n);
void tl_idset_free(struct tl_idset *s);

#endif
