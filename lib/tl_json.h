/* tl_json.h: helpers over cJSON.
 *
 * Paths are dotted: "data.author_id", "includes.users.0.username" (a number selects an array
 * element; "users[0]" is accepted too). Lookups never allocate and return NULL when any step is
 * missing or of the wrong kind.
 */
#ifndef TL_JSON_H
#define TL_JSON_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

const cJSON *tl_json_get(const cJSON *root, const char *path);
/* The string at path, or NULL if missing or not a string. */
const char *tl_json_get_str(const cJSON *root, const char *path);
/* The number at path into *out (0), or -1 if missing / not a number. */
int tl_json_get_num(const cJSON *root, const char *path, double *out);
/* The integer at path (a JSON number or a string of digits, as X sends ids): 0 or -1. */
int tl_json_get_i64(const cJSON *root, const char *path, int64_t *out);
/* True if path holds JSON true. */
bool tl_json_get_bool(const cJSON *root, const char *path);

/* Parses exactly n bytes (no NUL needed). NULL on a syntax error, with *errpos (if given) set to
 * the byte offset where parsing failed. The caller frees with cJSON_Delete. */
cJSON *tl_json_parse(const char *s, size_t n, size_t *errpos);
/* cJSON_Delete() that first zeroes every string of the tree (keys and values): for a document
 * that carried credentials. NULL is fine. */
void tl_json_delete_secret(cJSON *v);
/* Compact text (caller frees with free()); exits on allocation failure. */
char *tl_json_print(const cJSON *v);

/* A value's scalar rendered as text for keys and partition values: strings as they are,
 * numbers without exponent when integral, true/false, "null". Caller frees. NULL for objects
 * and arrays unless allow_compound, in which case their compact JSON is returned. */
char *tl_json_scalar_text(const cJSON *v, bool allow_compound);

/* Checked builders: exit on allocation failure like the x* wrappers. */
cJSON *tl_json_obj(void);
void tl_json_add_str(cJSON *obj, const char *key, const char *s);
void tl_json_add_num(cJSON *obj, const char *key, double v);
void tl_json_add_bool(cJSON *obj, const char *key, bool v);
void tl_json_add(cJSON *obj, const char *key, cJSON *item);

/* Checks that s[0..n) is exactly one valid JSON value (RFC 8259) in valid UTF-8, surrounding
 * white space allowed, nesting up to 512: tl_jdoc's grammar without its tape. Does not allocate;
 * fast enough for every line of a stream. Returns 0, or -1 with *why (static text) and *errpos
 * (byte offset) set. */
int tl_json_validate(const char *s, size_t n, const char **why, size_t *errpos);
/* True if s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool tl_utf8_valid(const char *s, size_t n, size_t *errpos);

#endif
