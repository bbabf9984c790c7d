/* tl_sql.h: SQL text helpers shared by the query front ends (Athena, the local engine).
 */
#ifndef TL_SQL_H
#define TL_SQL_H
#include <stddef.h>

/* Splits a script into statements at each ';' that is outside quotes ('...' with '' inside,
 * "...", `...`) and comments (-- to end of line, block comments). Each statement is trimmed
 * of surrounding white space and of its ';'; statements holding only white space and comments
 * are dropped. Comments inside a statement are kept (Athena accepts them). Returns the number
 * of statements and sets *out to a new array of new strings (caller frees each and the array;
 * *out is NULL when there are none). An unterminated quote or comment runs to the end of the
 * text, which becomes the last statement. Never fails (allocation failure exits). */
size_t tl_sql_split(const char *sql, size_t len, char ***out);

/* Frees what tl_sql_split returned. */
void tl_sql_free(char **stmts, size_t n);

/* The first keyword of a statement (after white space and comments), upper-cased, into buf
 * (at most cap - 1 letters); "" when there is none. */
void tl_sql_first_word(const char *stmt, char *buf, size_t cap);

#endif
