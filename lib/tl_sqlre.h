/* tl_sqlre.h: Athena's regular expression functions for the local engine's SQLite, through
 * PCRE2 (Debian's libpcre2-8), which reads Java's pattern syntax as Trino's library does:
 * flags such as (?i) (Unicode-aware) and (?m), \b, \w, \d and \s over Unicode (PCRE2_UCP),
 * \p{L} and script classes, named groups, lookaround, possessive quantifiers. Subjects that
 * are not valid UTF-8 are matched as far as they are.
 *
 *   tl_regexp_like(s, p)                  boolean
 *   tl_regexp_extract(s, p[, group])      varchar (NULL when no match)
 *   tl_regexp_extract_all(s, p[, group])  array(varchar), as JSON
 *   tl_regexp_replace(s, p[, r])          varchar; r as Java: $1, ${name}, \$ for a dollar
 *   tl_regexp_count(s, p)                 bigint
 *   tl_regexp_position(s, p[, start[, n]]) bigint, characters from 1; -1 when none
 *   tl_regexp_split(s, p)                 array(varchar), as JSON
 *
 * A match that is empty moves the next search one character on, as java.util.regex does.
 * Compiled patterns are kept (64 at most, the least recently used go first).
 */
#ifndef TL_SQLRE_H
#define TL_SQLRE_H
#include <sqlite3.h>

struct tl_sqlre;

/* Registers the functions on db (each also as NAME_try). NULL if SQLite refused one. The
 * state (the pattern cache) is freed with tl_sqlre_free after the database is closed. */
struct tl_sqlre *tl_sqlre_register(sqlite3 *db);
void tl_sqlre_free(struct tl_sqlre *r);

#endif
