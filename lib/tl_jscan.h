/* tl_jscan.h: pulling a few fields out of a JSON document without building a tree.
 *
 * For hot paths that need two or three values of a large record (a partition key, a timestamp, the
 * columns a query uses): the document is scanned once, values not asked for are skipped, nothing
 * is allocated. The input must be valid JSON (check with tl_json_validate first, or accept that a
 * malformed document yields -1 or partial results); scanning never reads past s + n. Tokens are
 * crossed with the lexical core (tl_jlex) without checking them.
 */
#ifndef TL_JSCAN_H
#define TL_JSCAN_H
#include "tl_buf.h"
#include "tl_jlex.h"

#include <stdbool.h>
#include <stddef.h>

/* A value found: its kind (enum tl_jtype of tl_jlex.h; TL_J_NONE when missing) and its text. */
struct tl_jslice {
	enum tl_jtype type;
	const char *p; /* into the document */
	size_t len;
};

/* The value at a dotted path ("data.author_id", "entities.hashtags.0.tag" or
 * "entities.hashtags[0].tag"; keys written with escapes match their decoded text). Returns 0 and fills
 * *out, or -1 (out->type = TL_J_NONE) when missing or on malformed input. */
int tl_jscan_path(const char *s, size_t n, const char *path, struct tl_jslice *out);

/* One pass over the top-level object: for each of nkeys keys (compared case-insensitively when
 * nocase, as Hive's JSON SerDe does), fills out[i] (TL_J_NONE when absent; the first occurrence
 * wins). Returns the number found, or -1 if s is not an object. */
int tl_jscan_fields(const char *s, size_t n, const char *const *keys, const size_t *keylens,
		    size_t nkeys, bool nocase, struct tl_jslice *out);

/* Appends the decoded text of a TL_J_STRING slice (escapes resolved, \u surrogate pairs joined,
 * lone surrogates as U+FFFD) to b. -1 on malformed escapes or if b's cap is reached. */
int tl_jscan_unescape(const struct tl_jslice *str, struct tl_buf *b);

#endif
