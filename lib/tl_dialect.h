/* tl_dialect.h: Athena's SQL (Trino) rewritten as SQLite SQL for the local engine.
 *
 * A statement is parsed (tl_trino), its names are resolved against the catalog's tables with
 * their Glue types and against the query's own relations (aliases, WITH queries, subqueries,
 * UNNEST), every expression is typed, and the tree is written out as SQLite SQL over the
 * functions of tl_sqlfn:
 *
 *   author.username              tl_field("_r1"."author", 's', 'username'): dots read the
 *                                fields of struct columns (row types), after table aliases
 *                                and catalog.table qualifiers, as Trino resolves them
 *   CROSS JOIN UNNEST(a) AS t(x) CROSS JOIN tl_unnest('|[s', a) AS "_r2"; rows of an array
 *                                of rows become columns; WITH ORDINALITY; LEFT JOIN ... ON
 *   x -> e (lambdas)             correlated subqueries over tl_unnest (transform, filter,
 *                                any_match, all_match, none_match) and a recursive WITH
 *                                (reduce)
 *   CAST, TRY_CAST, try()        tl_cast / the functions' _try twins
 *   ORDER BY                     with Trino's NULLS LAST made explicit
 *   a / b                        tl_div (division by zero is an error, as in Trino); decimal
 *                                literals keep their scale through + - * / and round()
 *   dt IN (...), BETWEEN, <, >   left as SQLite comparisons on the column, so that the lake
 *                                table can prune partition folders
 *
 * Anything outside the subset is refused with "line L, column C: ..." naming the construct.
 * SHOW TABLES, SHOW SCHEMAS, SHOW COLUMNS and DESCRIBE are answered from the catalog; EXPLAIN
 * becomes SQLite's EXPLAIN QUERY PLAN of the rewritten statement.
 */
#ifndef TL_DIALECT_H
#define TL_DIALECT_H
#include <stdbool.h>
#include <stddef.h>

struct tl_dialect_column {
	const char *name;       /* lower case, as the catalog has it */
	const char *type;       /* the Glue type text ("string", "struct<a:int>", ...) */
};

struct tl_dialect_table {
	const char *db, *name;  /* lower case */
	const char *sqlname;    /* how SQLite names it: "db"."name" */
	const struct tl_dialect_column *cols; /* data columns, then partition columns */
	size_t ncols;
};

struct tl_dialect_catalog {
	const struct tl_dialect_table *tables;
	size_t ntables;
	const char *database;   /* unqualified names mean this database's tables; NULL: any */
};

struct tl_dialect_out {
	char *sql;              /* the SQLite statement */
	size_t ncols;           /* 0: take the columns SQLite names (EXPLAIN) */
	char **names;           /* result column names */
	char **types;           /* Athena's names of their types: varchar, bigint, double,
				 * decimal(4,1), boolean, date, timestamp, ..., json for arrays,
				 * maps, rows and JSON */
	char **formats;         /* how to print each: "b" boolean, "d" double (as Java), "n<s>"
				 * decimal of scale s, "I"/"M" intervals, "" as SQLite's text */
	int nparams;            /* the ? in the statement (bound to ?1, ?2...) */
};

/* Rewrites one statement. params (nparams of them, or NULL) are the values that will be bound
 * to its ?, each one SQL literal (tl_sql_literal_parse): a ? takes its literal's type, as
 * Athena types ExecutionParameters; without them a ? is of unknown type. Returns 0 and fills
 * *out (free with tl_dialect_out_free), or -1 with *err, a message for people naming the line
 * and column (caller frees). Never exits except on allocation failure; does not block. */
int tl_dialect_translate(const char *sql, const struct tl_dialect_catalog *cat,
			 const char *const *params, size_t nparams, struct tl_dialect_out *out,
			 char **err);
void tl_dialect_out_free(struct tl_dialect_out *out);

#endif
