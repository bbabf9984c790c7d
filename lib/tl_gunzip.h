/* tl_gunzip.h: a push-style streaming gzip reader over zlib.
 *
 * Bytes are fed as they arrive (from a file read or an HTTP body callback); decompressed data
 * goes to a sink callback in chunks of up to 256 KiB. Concatenated gzip members (what `cat a.gz
 * b.gz` or a multi-part upload of gzip parts makes) are read as one stream, as gzip(1) does.
 *
 * Whether the input is gzip is decided from its first two bytes (1f 8b). In TL_GUNZIP_AUTO mode
 * anything else is passed to the sink unchanged (a plain .json object); in TL_GUNZIP_REQUIRE
 * mode it is an error ("not in gzip format"), as for an object named .gz that is not.
 */
#ifndef TL_GUNZIP_H
#define TL_GUNZIP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_gunzip_mode {
	TL_GUNZIP_AUTO = 0,
	TL_GUNZIP_REQUIRE = 1,
};

/* Receives decompressed bytes. Return 0 to go on, non-zero to stop (tl_gunzip_feed then
 * returns 1 and later feeds are ignored). */
typedef int (*tl_gunzip_sink)(void *ctx, const char *p, size_t n);

struct tl_gunzip {
	enum tl_gunzip_mode mode;
	tl_gunzip_sink sink;
	void *ctx;
	bool decided;         /* the first bytes were seen */
	bool gzip;            /* the input is gzip (valid once decided) */
	bool in_member;       /* inside a gzip member (a stream cut here is truncated) */
	bool stopped;         /* the sink asked to stop */
	bool failed;
	const char *error;    /* static text after a failure */
	uint64_t in_bytes;    /* bytes fed */
	uint64_t out_bytes;   /* bytes given to the sink */
	uint64_t in_used;     /* input bytes decoded into out_bytes (compression ratio) */
	unsigned members;     /* gzip members started */
	/* private */
	void *z;
	unsigned char head[2];
	size_t nhead;
	char *out;
};

/* Sets up a reader; nothing is allocated until the first feed. */
void tl_gunzip_init(struct tl_gunzip *g, enum tl_gunzip_mode mode, tl_gunzip_sink sink,
		    void *ctx);
/* Feeds n bytes. Returns 0 (go on), 1 (the sink asked to stop: feed no more), or -1 on
 * corrupt or non-gzip input (g->error says which). Never blocks; exits only on allocation
 * failure. */
int tl_gunzip_feed(struct tl_gunzip *g, const void *p, size_t n);
/* Ends the input. -1 (g->error "truncated gzip stream") when it stopped inside a member,
 * 0 otherwise (empty input included). */
int tl_gunzip_finish(struct tl_gunzip *g);
/* Frees zlib state and buffers; the struct may be initialised again. */
void tl_gunzip_release(struct tl_gunzip *g);

/* Reads a whole file descriptor through a reader (read(2) in 256 KiB blocks, EINTR retried)
 * and finishes it. Returns 0, 1 (the sink stopped early), or -1 with g->error set (or errno
 * for a read error, g->error "read error"). The fd is not closed. */
int tl_gunzip_fd(struct tl_gunzip *g, int fd);

#endif
