/* tl_alloc.h: checked allocation (git's wrapper.c style) and fatal errors.
 *
 * The x* functions never return NULL: on failure they print "tool: error: out of memory (N bytes)"
 * and exit(1). They are the only lib/ functions besides tl_die() that may exit. Both report
 * without allocating or locking (a stack buffer and write(2)); this module depends on nothing
 * else in lib/.
 */
#ifndef TL_ALLOC_H
#define TL_ALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copies n bytes of s and NUL-terminates; s need not be terminated. */
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
/* Zeroes the string s (explicit_bzero: the compiler may not drop it) and frees it; NULL is
 * fine. For keys, tokens and passwords: a secret is wiped before its memory is freed. */
void tl_secret_free(char *s);
/* printf into a new string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "tool: error: message" to stderr and exits with status. Allocates nothing and takes no
 * lock (safe when memory is exhausted); the message is not redacted, so it never holds a secret. */
_Noreturn void tl_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
