/* tl_tweet.h: X API v2 stream lines over the document tokenizer (tl_jdoc): classification of a
 * line (tweet, stream error message, other), the expansion merger that turns
 * {"data","includes","matching_rules"} into one tweet object, and a bounded set of recently seen
 * tweet ids for duplicate suppression.
 *
 * The merger must keep up with far more than a firehose: the output is built by copying spans
 * of the input, minified when the input has white space.
 */
#ifndef TL_TWEET_H
#define TL_TWEET_H
#include "tl_buf.h"
#include "tl_jdoc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
