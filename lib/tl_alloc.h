/* tl_alloc.h: checked allocation (git's wrapper.c style) and fatal errors.
 *
 * The x* functions never return NULL: on failure they print "tool: out of memory (N bytes)"
 * and exit(1). They are the only lib/ functions besides tl_die() that may exit.
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
/* Zeroes a secret (a key, token, password, MFA code) and frees it, so that it does not linger
 * in freed memory; s may be NULL. */
void tl_secret_free(char *s);
/* printf into a new string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "tool: message" to stderr and exit(status). */
_Noreturn void tl_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
