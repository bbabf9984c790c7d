/* tl_jdoc.h: the JSON document tokenizer: a "tape" of value spans over a text, no copies, no
 * tree (X stream lines, the rules API, anything read whole but walked little), and the same
 * grammar as a check that allocates nothing (tl_json_validate).
 *
 * Why not cJSON: X sends matching_rules ids as JSON numbers beyond 2^53 in some captures (cJSON
 * would round them), and the tweet merger (tl_tweet) must keep up with far more than a firehose
 * by copying spans of the input. The tokens come from the lexical core, tl_jlex.
 */
#ifndef TL_JDOC_H
#define TL_JDOC_H
#include "tl_buf.h"
#include "tl_jlex.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One value (or object key) of the document. Offsets are bytes into the text; a string's span
 * includes its quotes. next is the index of the first token after this value and everything
 * inside it, so siblings are found without walking children. type is an enum tl_jtype. */
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
/* The nesting tl_jdoc_check() takes (tl_json_validate: lines of any producer). */
#define TL_JDOC_CHECK_MAX_DEPTH 512

/* Tokenizes s[0..n) as exactly one JSON value (RFC 8259, valid UTF-8, nesting up to
 * TL_JDOC_MAX_DEPTH, texts under 4 GiB). Reuses d's token array (allocates with x*, may exit).
 * Returns 0, or -1 with *why (static text) and *errpos set (either may be NULL). */
int tl_jdoc_parse(struct tl_jdoc *d, const char *s, size_t n, const char **why, size_t *errpos);
/* tl_jdoc_parse with nesting up to max_depth (at most TL_JDOC_CHECK_MAX_DEPTH): with that
 * maximum it accepts and refuses exactly what tl_jdoc_check() does, with the same reasons, so
 * a reader can check and tokenize a line in one pass. */
int tl_jdoc_parse_depth(struct tl_jdoc *d, const char *s, size_t n, int max_depth, const char **why,
			size_t *errpos);
/* The same grammar without a tape (nesting up to TL_JDOC_CHECK_MAX_DEPTH): allocates nothing.
 * White space only is refused ("empty line"). */
int tl_jdoc_check(const char *s, size_t n, const char **why, size_t *errpos);
void tl_jdoc_free(struct tl_jdoc *d);

/* True when the string token k (an object key) is exactly key[0..kn) as written. */
static inline bool tl_jdoc_key_is(const struct tl_jdoc *d, size_t k, const char *key, size_t kn)
{
	const struct tl_jtok *t = &d->t[k];
	return t->end - t->start - 2 == kn && memcmp(d->s + t->start + 1, key, kn) == 0;
}

/* Member lookup in the object at token index obj: the value's token index, or -1. Keys are
 * compared as raw text (a key written with escapes does not match). (Inline: the tweet merger
 * calls these for every member it looks at.) */
static inline long tl_jdoc_get(const struct tl_jdoc *d, size_t obj, const char *key)
{
	if (obj >= d->n || d->t[obj].type != TL_J_OBJECT)
		return -1;
	size_t kn = strlen(key), end = d->t[obj].next;
	for (size_t k = obj + 1; k < end; k = d->t[k + 1].next)
		if (tl_jdoc_key_is(d, k, key, kn))
			return (long)(k + 1);
	return -1;
}

/* One pass over the members of the object at token index obj, as tl_jscan_fields does over a
 * text: for each of nkeys keys (key[i][0..keylens[i]), compared with the decoded key, so a key
 * written with escapes matches too), out[i] is the value's token index or -1 when absent (the
 * first occurrence wins). Returns the number found, or -1 when obj is not an object. */
int tl_jdoc_fields(const struct tl_jdoc *d, size_t obj, const char *const *keys, const size_t *keylens,
		   size_t nkeys, long *out);

/* Index of element i of the array at token index arr, or -1. */
static inline long tl_jdoc_at(const struct tl_jdoc *d, size_t arr, size_t i)
{
	if (arr >= d->n || d->t[arr].type != TL_J_ARRAY)
		return -1;
	size_t end = d->t[arr].next;
	for (size_t k = arr + 1; k < end; k = d->t[k].next)
		if (i-- == 0)
			return (long)k;
	return -1;
}

/* The raw text of a string without quotes (escapes left as written), or of a number; false
 * for other types. Used for ids, which X sends as strings and sometimes as numbers. */
static inline bool tl_jdoc_idtext(const struct tl_jdoc *d, long tok, const char **p, size_t *n)
{
	if (tok < 0 || (size_t)tok >= d->n)
		return false;
	const struct tl_jtok *t = &d->t[tok];
	if (t->type == TL_J_STRING) {
		*p = d->s + t->start + 1;
		*n = t->end - t->start - 2;
		return true;
	}
	if (t->type == TL_J_NUMBER) {
		*p = d->s + t->start;
		*n = t->end - t->start;
		return true;
	}
	return false;
}

/* The value of number token tok as a finite double (C locale rules); false when tok is missing,
 * not a number, or out of a double's range. */
bool tl_jdoc_num(const struct tl_jdoc *d, long tok, double *v);

/* Appends token tok's value as compact JSON (white space outside strings removed). */
int tl_jdoc_add_compact(const struct tl_jdoc *d, size_t tok, struct tl_buf *out);
/* Appends the decoded value of string token tok (escapes resolved, \u surrogate pairs joined, a
 * lone surrogate as U+FFFD) to b. -1 when tok is not a string or b's cap is reached. */
int tl_jdoc_str(const struct tl_jdoc *d, long tok, struct tl_buf *b);
/* The decoded value of a string token (escapes resolved) as a new string, or NULL when tok is
 * not a string. Caller frees. */
char *tl_jdoc_strdup(const struct tl_jdoc *d, long tok);

#endif
