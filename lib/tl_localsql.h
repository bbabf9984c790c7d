/* tl_localsql.h: SQL over a local lake, offline, with SQLite as the engine (athena-query --local).
 *
 * Every table of a local catalog (the Glue Table JSON files that glue-crawl --catalog writes,
 * CATALOG/DATABASE/TABLE.json) becomes a read-only virtual table over the table's folder: each
 * gzip (or plain) NDJSON object under it is read line by line, the columns a query uses are pulled
 * out of each record without building a tree (tl_jscan), and Hive-style partition folders
 * (key=value) give the partition columns. A WHERE clause that fixes a partition column (=, <, <=,
 * >, >=) prunes folders before any file is opened.
 *
 * Types: string -> TEXT; tinyint/smallint/int/bigint -> INTEGER; float/double/decimal -> REAL;
 * boolean -> INTEGER 0/1 (declared BOOLEAN, printed true/false); struct/array/map -> the JSON text
 * (so json_extract, ->> and json_each work on it); timestamp -> TEXT "YYYY-MM-DD HH:MM:SS.mmm".
 * Tables are reachable as TABLE and as DATABASE.TABLE.
 *
 * Athena (Trino) functions added under their names: json_extract_scalar, json_format, regexp_like,
 * regexp_extract, date_trunc, from_iso8601_timestamp, from_unixtime, to_unixtime, date_format,
 * cardinality, approx_distinct (exact here), split_part, contains (JSON arrays), element_at.
 *
 * The engine reads the lake and nothing else: statements run under an SQLite authorizer that
 * allows what queries need (SELECT, WITH and recursive WITH, VALUES, EXPLAIN, functions, the
 * json_each/json_tree and pragma_table_info tables, PRAGMA table_info) and refuses everything
 * that could open, create or write a file or change the engine (ATTACH, DETACH, VACUUM,
 * INSERT/UPDATE/DELETE, CREATE/DROP/ALTER, transactions, other PRAGMAs); only read-only
 * statements run, and no extension can be loaded.
 */
#ifndef TL_LOCALSQL_H
#define TL_LOCALSQL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_localsql;

/* Receives a result: columns once (names and SQL type names as Athena would call them:
 * varchar, bigint, double, boolean, json...), then rows (values as text; NULL for SQL NULL).
 * A callback returning non-zero stops the query (the output went away). */
struct tl_sql_sink {
	int (*columns)(void *ctx, size_t n, const char *const *names, const char *const *types);
	int (*row)(void *ctx, size_t n, const char *const *values);
	void *ctx;
};

struct tl_localsql_stats {
	uint64_t files_read, files_pruned, bytes_read, records, bad_records;
	uint64_t bad_files; /* objects that could not be opened or were corrupt part way */
	uint64_t links_skipped; /* symbolic links out of the lake, not followed */
};

/* Opens the engine over the lake and catalog folders (catalog NULL: LAKE/_catalog). Tables whose
 * location is an s3:// URL are looked for under LAKE by their path below the bucket, then by
 * table name. Unqualified table names mean database's tables when database is given, else the
 * first table of that name in any database. NULL with *err (caller frees) when the catalog can't
 * be read or database is not in it. */
struct tl_localsql *tl_localsql_open(const char *lake, const char *catalog, const char *database,
				     char **err);
void tl_localsql_close(struct tl_localsql *q);

/* Runs one statement, streaming its rows to sink. params (nparams of them) are bound to the
 * statement's "?" in order; each is one SQL literal, as Athena's ExecutionParameters are
 * written (tl_sql_literal_parse): 'text' (quotes doubled inside) and DATE '...' bind as text,
 * TIMESTAMP '...' as the engine's timestamp text, numbers as numbers, TRUE/FALSE as 1/0, NULL
 * as NULL; anything else is an error. A statement the engine does not allow (see above) is an
 * error saying so. Returns 0, 1 if the sink stopped it, 2 if a stop signal (tl_sig)
 * interrupted it, or -1 with *err (caller frees). Blocks. */
int tl_localsql_exec(struct tl_localsql *q, const char *sql, const char *const *params,
		     size_t nparams, const struct tl_sql_sink *sink, char **err);
/* Rewrites the statement and has SQLite prepare it under the engine's authorizer, without
 * running it: 0 when it would run, -1 with *err (caller frees) saying why not. With raw, sql
 * is SQLite's own SQL, prepared as it is: for tests of the authorizer, which stands behind the
 * rewriting as a second guard. */
int tl_localsql_prepare(struct tl_localsql *q, const char *sql, bool raw, char **err);
const struct tl_localsql_stats *tl_localsql_stats(const struct tl_localsql *q);
/* Names of the tables found ("db.table"), for --help-like listings; NULL-terminated, owned by q. */
const char *const *tl_localsql_tables(const struct tl_localsql *q);

#endif
