/* tl_sqlval.h: how the local engine holds Athena's values in SQLite, and prints them.
 *
 * Each Athena (Trino) type has one representation in SQLite:
 *
 *   boolean                   INTEGER 0/1              code b
 *   tinyint..bigint           INTEGER                  code i
 *   real, double              REAL                     code d
 *   decimal(p,s)              REAL, s kept by the SQL  code n<s> ("n2")
 *   varchar, char, varbinary  TEXT                     code s
 *   date                      TEXT 2026-11-25          code D
 *   timestamp(3)              TEXT 2026-11-25 03:04:05.000            code t
 *   timestamp(3) with time zone TEXT 2026-11-25 03:04:05.000 UTC      code z
 *   interval day to second    INTEGER milliseconds     code I
 *   interval year to month    INTEGER months           code M
 *   json                      TEXT, one JSON value     code j
 *   array(T)                  TEXT, a JSON array       code [T
 *   map(K,V)                  TEXT, a JSON object      code {KV
 *   row(a T, b U)             TEXT, a JSON object      code (a:T,b:U)
 *   unknown (NULL, ?)         any                      code ?
 *
 * Composite values are the lake's own JSON text (so a struct read from a record is passed on
 * as it is) or JSON that these functions build. Inside them, values are JSON as the lake holds
 * them: numbers, strings, true/false, timestamps as text. Field names in a row code are
 * escaped with '\' before '\', ':', ',' and ')'.
 *
 * tl_dialect writes these codes into the SQL it makes; the functions of tl_sqlfn read them.
 */
#ifndef TL_SQLVAL_H
#define TL_SQLVAL_H
#include "tl_buf.h"
#include "tl_jscan.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_sqltype {
	char k;                   /* the code letter: b i d n s D t z I M j ? [ { ( */
	int scale;                /* n: decimal digits */
	struct tl_sqltype *e;     /* [: element; {: key */
	struct tl_sqltype *v;     /* {: value */
	size_t nf;                /* (: fields, with their names */
	char **names;
	struct tl_sqltype **f;
};

/* Reads a type code (whole string). NULL when it is not one. Caller frees with
 * tl_sqltype_free. */
struct tl_sqltype *tl_sqltype_parse(const char *code);
void tl_sqltype_free(struct tl_sqltype *t);
/* Appends the code of t to b. */
void tl_sqltype_code(const struct tl_sqltype *t, struct tl_buf *b);

/* The user data of every function tl_sqlfn registers. A function registered under its name
 * ends the statement with an error; its twin with "_try" appended (what Trino's try() calls)
 * returns NULL instead. */
struct tl_sqlctx {
	void *state;
	bool try_mode;
};

/* Ends a function call with an error message (or NULL in try mode). */
void tl_sqlval_fail(sqlite3_context *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The type code given as argument i, parsed once per statement (sqlite3 auxdata). NULL after
 * setting an error when it is not a code. */
const struct tl_sqltype *tl_sqltype_arg(sqlite3_context *ctx, sqlite3_value **argv, int i);

/* Registers a function (scalar: fn; aggregate: step and final; window aggregate: also value
 * and inverse) under name with ctx[0] as user data, and under name_try with ctx[1] (ctx points
 * to two; both must outlive db). */
int tl_sqlval_register(sqlite3 *db, const char *name, int nargs, bool deterministic,
		       struct tl_sqlctx *ctx,
		       void (*fn)(sqlite3_context *, int, sqlite3_value **),
		       void (*step)(sqlite3_context *, int, sqlite3_value **),
		       void (*final)(sqlite3_context *),
		       void (*value)(sqlite3_context *),
		       void (*inverse)(sqlite3_context *, int, sqlite3_value **));

/* One value on its way between JSON, SQLite and a cast. Text points into the JSON, a SQLite
 * value or a scratch buffer: it lives as long as they do. */
enum tl_sqlv_kind { TL_SQLV_NULL, TL_SQLV_INT, TL_SQLV_DBL, TL_SQLV_TEXT, TL_SQLV_JSON };
struct tl_sqlv {
	enum tl_sqlv_kind t;
	int64_t i;
	double d;
	const char *s;     /* TEXT; JSON: a composite's JSON text */
	size_t n;
};

/* Reads the JSON value v (a slice of a record or of a composite value) as type t, the way
 * the lake's JSON SerDe reads it: a string in a number column is parsed, a number in a string
 * column becomes its text, a struct or array in a string column its JSON text, a mismatch or
 * null is NULL; timestamps are made canonical; booleans are 0/1. tmp is scratch space the
 * text may point into. */
void tl_sqlval_decode(const struct tl_jslice *v, const struct tl_sqltype *t, struct tl_sqlv *out,
		      struct tl_buf *tmp);
/* The SQLite value as a variant (text kept in the value). */
void tl_sqlval_from_value(sqlite3_value *v, struct tl_sqlv *out);
/* Sets the result (text copied; JSON text marked with the JSON subtype). */
void tl_sqlval_result(sqlite3_context *ctx, const struct tl_sqlv *v);
/* tl_sqlval_decode, then tl_sqlval_result. */
void tl_sqlval_result_json(sqlite3_context *ctx, const struct tl_jslice *v,
			   const struct tl_sqltype *t, struct tl_buf *tmp);

/* Appends a value of type t as JSON (NULL as null; a composite's text as the JSON it is).
 * -1 when b's cap is reached. */
int tl_sqlval_add_sqlv_json(struct tl_buf *b, const struct tl_sqlv *v, const struct tl_sqltype *t);
/* The same for a SQLite value. */
int tl_sqlval_add_json(struct tl_buf *b, sqlite3_value *v, const struct tl_sqltype *t);

/* Compares two JSON values of type t as Trino orders them (numbers by value, strings by
 * code point, false before true, timestamps by instant, composites by their text). null
 * values compare equal to each other and before the rest. */
int tl_sqlval_cmp_json(const struct tl_jslice *a, const struct tl_jslice *b,
		       const struct tl_sqltype *t);

/* Iterates a JSON array or object given as text: first call with *pos = 0; returns 1 and the
 * next element (and, for an object, its key) or 0 at the end, -1 when s is not an array or
 * object of valid shape. */
int tl_sqlval_next(const char *s, size_t n, size_t *pos, struct tl_jslice *key,
		   struct tl_jslice *val);

/* Finds a member of a JSON object by name, case-insensitively as the lake's SerDe does (an
 * exact match first). Returns 0 and the value, or -1. */
int tl_sqlval_member(const char *s, size_t n, const char *name, struct tl_jslice *val);

/* ---- text as Athena prints it ---- */

/* A double as Java's Double.toString writes it (Athena's results): the shortest digits that
 * read back the same; 1.0E7 and 1.0E-4 outside [0.001, 10^7); NaN, Infinity, -Infinity. */
void tl_sqlval_double_text(double d, char out[40]);
/* A decimal of the given scale: fixed digits after the point. */
void tl_sqlval_decimal_text(double d, int scale, char out[400]);
/* An interval: "1 02:03:04.567" (day to second, from ms) or "1-2" (year to month, months). */
void tl_sqlval_interval_text(int64_t v, bool year_month, char out[48]);
/* d rounded to scale digits after the point, half away from zero, on its shortest decimal
 * form (so 2.675 is 2.68, as a decimal would be). */
double tl_sqlval_round_decimal(double d, int scale);

/* "YYYY-MM-DD HH:MM:SS.mmm" for epoch ms (out >= 32 bytes). */
void tl_sqlval_ts_text(int64_t ms, char *out);

#endif
