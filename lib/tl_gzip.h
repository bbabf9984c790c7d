/* tl_gzip.h: a streaming gzip writer with bounded memory, feeding a sink.
 *
 * The compressed bytes go to a sink callback as they are produced (a file, a spool, multipart
 * parts...), in blocks of at most 16 KiB, so memory per writer is zlib's deflate state (about
 * 256 KiB at the default memLevel) plus that block, whatever the amount of data written.
 * The output is one gzip member (RFC 1952) that gzip -d, zcat and Athena read.
 */
#ifndef TL_GZIP_H
#define TL_GZIP_H
#include <stddef.h>
#include <stdint.h>

/* Receives n compressed bytes; returns 0, or -1 to fail the write (the writer then fails every
 * later call). */
typedef int (*tl_gzip_sink_fn)(const void *p, size_t n, void *ctx);

struct tl_gzip;

/* A writer at level (0-9; -1 for zlib's default, 6) into sink. NULL only when zlib refuses the
 * parameters (bad level). Allocation failure exits. */
struct tl_gzip *tl_gzip_new(int level, tl_gzip_sink_fn sink, void *ctx);
/* Compresses p[0..n). 0, or -1 when the sink failed (or after an earlier failure). */
int tl_gzip_write(struct tl_gzip *z, const void *p, size_t n);
/* Writes the rest and the gzip trailer; the writer then accepts nothing more. 0 or -1. */
int tl_gzip_finish(struct tl_gzip *z);
/* Starts a new gzip stream in z (finished or not) into another sink, keeping zlib's memory: cheaper
 * than free and new when many streams come and go. */
void tl_gzip_reset(struct tl_gzip *z, tl_gzip_sink_fn sink, void *ctx);
/* Frees z (finished or not; unfinished output is simply dropped). NULL is fine. */
void tl_gzip_free(struct tl_gzip *z);
/* Bytes taken in, and bytes handed to the sink so far. */
uint64_t tl_gzip_in(const struct tl_gzip *z);
uint64_t tl_gzip_out(const struct tl_gzip *z);

/* A ready sink that writes to a file descriptor: ctx points to an int fd. Retries short writes
 * and EINTR; -1 with errno on failure. */
int tl_gzip_sink_fd(const void *p, size_t n, void *ctx);

/* Decompresses a whole gzip buffer (any number of members) into a new buffer of at most max
 * bytes (caller frees; NUL-terminated). For tests and small objects. -1 on corrupt input or
 * when the output would pass max. */
int tl_gunzip_mem(const void *p, size_t n, size_t max, char **out, size_t *out_len);

#endif
