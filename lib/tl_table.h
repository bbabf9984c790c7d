/* tl_table.h: query results out to a stream, as an aligned table, CSV, TSV or NDJSON.
 *
 * Any engine can feed it the same way: tl_table_begin() with the column names and their SQL
 * types, then tl_table_row() once per row with nullable strings (NULL is SQL NULL, "" is the
 * empty string), then tl_table_end(). One struct tl_table can print several result sets in turn
 * (one per statement; the table format puts an empty line between them, CSV and TSV repeat
 * their header). Rows stream out as they come, except in the table format, which holds a
 * bounded window (the first window_rows rows, at most window_bytes of cell text) to measure the
 * column widths, prints it, and then prints each later row at once with those widths (a later
 * cell that is wider overflows its column on that line only). So memory stays bounded
 * whatever the number of rows.
 *
 * NULL versus "" in each format:
 *   table   NULL as opts.null_text (default "NULL"), "" as nothing
 *   csv     NULL as an empty unquoted field, "" as "" (as Athena writes its result files)
 *   tsv     NULL as \N, "" as nothing; tab, newline, CR and backslash escaped as \t \n \r \\
 *   ndjson  null versus ""
 * NDJSON values are typed from the column types: integer and decimal types and double/real as
 * JSON numbers (NaN and Infinity stay strings), boolean as true/false, json as the JSON value
 * itself when it is valid, everything else (varchar, date, timestamp, array, map, row...) as a
 * string in the text Athena gives. Repeated column names get "_2", "_3"... as keys.
 * The table format shows control characters escaped (\n, \t, \r, \xHH) and measures width in
 * terminal columns (East Asian wide characters count 2, combining marks 0); numeric columns are
 * right-aligned.
 */
#ifndef TL_TABLE_H
#define TL_TABLE_H
#include "tl_io.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_table_format {
	TL_TABLE_TABLE,
	TL_TABLE_CSV,
	TL_TABLE_TSV,
	TL_TABLE_NDJSON,
};

/* What a column's SQL type means for output. */
enum tl_col_kind {
	TL_COL_STRING,  /* varchar, char, date, timestamp, array, map, row... */
	TL_COL_INT,     /* tinyint, smallint, integer, int, bigint */
	TL_COL_FLOAT,   /* double, real, float */
	TL_COL_DECIMAL, /* decimal(p,s) */
	TL_COL_BOOL,
	TL_COL_JSON,
};

/* The kind of an Athena/Presto/Trino or SQLite type name ("bigint", "decimal(10,2)",
 * "array(varchar)", "INTEGER"...), case-insensitively; NULL or unknown is TL_COL_STRING. */
enum tl_col_kind tl_col_kind_of(const char *type);

/* "table", "csv", "tsv", "ndjson" (also "json") to a format: 0, or -1 if unknown. */
int tl_table_format_parse(const char *s, enum tl_table_format *out);

struct tl_table_opts {
	enum tl_table_format format;
	bool no_header;           /* table, csv, tsv: leave out the header line */
	const char *null_text;    /* table only; NULL means "NULL" */
	size_t window_rows;       /* table only; 0 means 1000 */
	size_t window_bytes;      /* table only; 0 means 8 MiB */
};

struct tl_table;

/* A printer writing to out (not owned; must outlive the table). Never fails. */
struct tl_table *tl_table_new(struct tl_out *out, const struct tl_table_opts *opts);

/* Starts a result set of ncols columns. names[i] is required; types may be NULL (all
 * strings) and types[i] may be NULL. The strings are copied. Returns 0, or -1 when the
 * output is broken (see out->err). */
int tl_table_begin(struct tl_table *t, size_t ncols, const char *const *names,
		   const char *const *types);

/* One row: vals[i] NULL for SQL NULL, else lens[i] bytes (lens may be NULL when every value is
 * NUL-terminated). Exactly ncols values. Returns 0, or -1 when the output is broken (EPIPE...).
 * Does not flush on its own except when tl_out decides to. */
int tl_table_row(struct tl_table *t, const char *const *vals, const size_t *lens);

/* Ends the result set (the table format prints what it held). 0 or -1 (output broken). */
int tl_table_end(struct tl_table *t);

/* Rows given to tl_table_row in the current (or last) result set. */
uint64_t tl_table_rows(const struct tl_table *t);

void tl_table_free(struct tl_table *t);

/* Terminal columns taken by the UTF-8 text s[0..n) (invalid bytes count 1, control
 * characters 0). */
size_t tl_text_width(const char *s, size_t n);

#endif
