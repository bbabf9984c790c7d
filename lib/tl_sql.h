/* tl_sql.h: SQL text helpers shared by the query front ends (Athena, the local engine).
 */
#ifndef TL_SQL_H
#define TL_SQL_H
#include <stddef.h>
#include <stdint.h>

/* Splits a script into statements at each ';' that is outside quotes ('...', "...", `...`) and
 * comments (-- to end of line, block comments), reading quotes as the engine that will run the
 * statement does. Athena runs DDL on Hive, whose lexer takes backslash escapes in '...' and
 * "..." strings ('it\'s', "a\"b", 'a\\'), and the rest on Trino, where a quote inside quotes
 * is only ever doubled ('it''s'). Hive's are the statements starting with CREATE [EXTERNAL]
 * TABLE name ( (not CREATE TABLE name AS or WITH: that is Trino's CTAS), CREATE DATABASE or
 * SCHEMA, ALTER, MSCK, DROP, SHOW and DESCRIBE/DESC (not DROP VIEW, SHOW VIEWS, SHOW CREATE
 * VIEW or DESCRIBE VIEW); CREATE VIEW and everything else are Trino's. A doubled quote reads
 * the same under both; backquoted names double their backquote under both.
 * Each statement is trimmed of surrounding white space and of its ';'; statements holding only
 * white space and comments are dropped. Comments inside a statement are kept (Athena accepts
 * them). Returns the number of statements and sets *out to a new array of new strings (caller
 * frees each and the array; *out is NULL when there are none). An unterminated quote or comment
 * runs to the end of the text, which becomes the last statement. The text must hold no NUL
 * byte (a statement would end there). Never fails (allocation failure exits). */
size_t tl_sql_split(const char *sql, size_t len, char ***out);

/* Frees what tl_sql_split returned. */
void tl_sql_free(char **stmts, size_t n);

/* The first keyword of a statement (after white space and comments), upper-cased, into buf
 * (at most cap - 1 letters); "" when there is none. */
void tl_sql_first_word(const char *stmt, char *buf, size_t cap);

/* What a parameter value is: one SQL literal, as Athena's ExecutionParameters take them. */
enum tl_sql_lit_kind {
	TL_SQL_LIT_STRING,     /* 'text', a quote inside doubled: 'it''s' */
	TL_SQL_LIT_INTEGER,    /* 42, -7 (must fit a bigint) */
	TL_SQL_LIT_NUMBER,     /* 1.5, -2e3, .5 (decimal or double in Trino) */
	TL_SQL_LIT_BOOLEAN,    /* TRUE, FALSE (any case) */
	TL_SQL_LIT_NULL,       /* NULL */
	TL_SQL_LIT_DATE,       /* DATE 'YYYY-MM-DD' */
	TL_SQL_LIT_TIMESTAMP,  /* TIMESTAMP 'YYYY-MM-DD[ HH:MM[:SS[.fff]]]' */
};

struct tl_sql_literal {
	enum tl_sql_lit_kind kind;
	char *text;   /* STRING: the value, quotes undone; DATE, TIMESTAMP: what is inside the
		       * quotes; INTEGER, NUMBER: the number as written. NULL otherwise. Owned. */
	int64_t i;    /* INTEGER; BOOLEAN as 0 or 1 */
	double d;     /* NUMBER */
};

/* Reads s as exactly one SQL literal (white space around it allowed): the only form a
 * parameter value takes, on Athena (sent as written in ExecutionParameters, where Trino reads
 * it) and on the local engine (bound by its type), so one -p means the same on both. Anything
 * else (an expression, two literals, a bare word or date) is refused: a value never becomes
 * SQL. Dates and timestamps are checked against the calendar. Returns 0 and fills *lit (free
 * it with tl_sql_literal_free), or -1 with *err (a message for people; caller frees). */
int tl_sql_literal_parse(const char *s, struct tl_sql_literal *lit, char **err);
void tl_sql_literal_free(struct tl_sql_literal *lit);

#endif
