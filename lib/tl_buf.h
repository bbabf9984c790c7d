/* tl_buf.h: a growable byte buffer with a hard cap (curl's dynbuf, git's strbuf).
 *
 * The buffer owns data; data is always NUL-terminated after any successful add (so it can be used
 * as a C string when the content has no NUL), and is NULL only before the first add.
 * Every add fails with -1 and errno = E2BIG, leaving the buffer unchanged, when the result would
 * exceed max bytes. Allocation failure exits (xrealloc).
 */
#ifndef TL_BUF_H
#define TL_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct tl_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define TL_BUF_DEFAULT_MAX ((size_t)1 << 30)
#define TL_BUF_INIT { NULL, 0, 0, TL_BUF_DEFAULT_MAX }

/* max 0 means TL_BUF_DEFAULT_MAX (1 GiB). */
void tl_buf_init(struct tl_buf *b, size_t max);
/* Frees data and returns the buffer to its initial (empty) state; the cap stays. */
void tl_buf_release(struct tl_buf *b);
/* tl_buf_release() that first zeroes all the memory the buffer holds (its capacity): for a buffer
 * that held a key, a token or a password. Copies left behind by an earlier growth are not
 * reached; size such a buffer up front when that matters. */
void tl_buf_release_secret(struct tl_buf *b);
/* Empties the buffer, keeping its memory. */
void tl_buf_reset(struct tl_buf *b);
/* Hands data to the caller (who frees it) and empties the buffer; never NULL. */
char *tl_buf_detach(struct tl_buf *b, size_t *len);
/* Makes room for n more bytes (0/-1). */
int tl_buf_grow(struct tl_buf *b, size_t n);
int tl_buf_add(struct tl_buf *b, const void *p, size_t n);
int tl_buf_adds(struct tl_buf *b, const char *s);
int tl_buf_addc(struct tl_buf *b, char c);
int tl_buf_addf(struct tl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tl_buf_vaddf(struct tl_buf *b, const char *fmt, va_list ap);
/* Appends the base64 of s[0..n) (tl_base64_put). -1 (errno E2BIG) if the cap would be passed. */
int tl_buf_add_base64(struct tl_buf *b, const void *s, size_t n);
/* Appends s as a JSON string literal, quotes included (escapes control chars, " and \). */
int tl_buf_add_json_str(struct tl_buf *b, const char *s, size_t n);
/* Appends s[0..n) for a person to read on a terminal: control characters escaped (\n, \t,
 * \r, and \xNN for the other C0 ones, DEL and each byte of a C1 one, U+0080..U+009F), and
 * every byte that is not part of valid UTF-8 as \xNN; all else as it is. Text from a server or
 * from data then cannot move the cursor, retitle the window or forge a line. */
int tl_buf_add_printable(struct tl_buf *b, const char *s, size_t n);
/* The content as a C string ("" when empty). */
const char *tl_buf_str(const struct tl_buf *b);
/* Drops the first n bytes. */
void tl_buf_consume(struct tl_buf *b, size_t n);
/* Shortens to n bytes (n <= len). */
void tl_buf_truncate(struct tl_buf *b, size_t n);

#endif
