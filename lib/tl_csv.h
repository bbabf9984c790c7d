/* tl_csv.h: a streaming (push) CSV parser for Athena's result files and other RFC 4180 text.
 *
 * Bytes are fed in chunks of any size (as they arrive from S3); each complete record is handed
 * to a callback as an array of fields. What it understands:
 *   - quoted fields with the delimiter, CR, LF and doubled quotes ("") inside;
 *   - records ending in LF or CRLF (a CR not followed by LF is data);
 *   - NULL versus empty: an empty unquoted field is NULL (Athena writes NULL that way), an
 *     empty quoted one ("") is the empty string;
 *   - an empty line is a record of one NULL field (a one-column result whose value is NULL);
 *   - the last record may lack its newline.
 * Malformed input is read leniently and counted in c->bad: a quote inside an unquoted field is
 * data; text after a closing quote is appended to the field. Only two things are errors: a
 * record over the size cap, and end of input inside a quoted field.
 */
#ifndef TL_CSV_H
#define TL_CSV_H
#include "tl_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_csv_field {
	const char *p;  /* the field's bytes, NUL-terminated (may contain NUL bytes too) */
	size_t len;
	bool null;      /* an empty unquoted field */
};

/* Called once per record; f[0..n) are valid only during the call. Return 0 to go on, anything
 * else to stop: tl_csv_feed then returns 1 and the parser must not be fed again. */
typedef int (*tl_csv_row_fn)(const struct tl_csv_field *f, size_t n, void *ctx);

struct tl_csv_fspan {
	size_t off, len;
	bool null;
};

struct tl_csv {
	char delim;
	int state;
	bool quoted;            /* the current field began with a quote */
	bool in_record;         /* a field of the current record has begun */
	struct tl_buf rec;      /* the current record's field bytes, each followed by NUL */
	size_t fstart;          /* where the current field starts in rec */
	struct tl_csv_fspan *spans;
	struct tl_csv_field *fields;
	size_t nspans, capspans;
	tl_csv_row_fn fn;
	void *ctx;
	uint64_t records;       /* records handed out */
	uint64_t line;          /* 1-based physical line of the current position */
	uint64_t bad;           /* malformed spots read leniently */
	char err[128];          /* why the last call failed */
};

#define TL_CSV_RECORD_MAX_DEFAULT ((size_t)64 << 20) /* 64 MiB */

/* Prepares c. delim is ',' (or '\t'...); max_record caps one record's bytes (0: 64 MiB).
 * fn and ctx receive the records. Nothing is allocated until the first feed. */
void tl_csv_init(struct tl_csv *c, char delim, size_t max_record, tl_csv_row_fn fn, void *ctx);

/* Parses n more bytes, calling fn for each record completed. Returns 0, 1 when fn asked to stop,
 * or -1 on an error (record too long; c->err says why). Never blocks; allocation failure exits. */
int tl_csv_feed(struct tl_csv *c, const char *p, size_t n);

/* Ends the input: hands out a last record that had no newline. Returns 0, 1 (fn stopped), or -1
 * when the input ended inside a quoted field (the partial record is dropped; c->err says so). */
int tl_csv_finish(struct tl_csv *c);

/* Frees what c holds; c may be initialised again. */
void tl_csv_release(struct tl_csv *c);

#endif
