/* tl_gzip.c: streaming gzip over zlib (see tl_gzip.h). */
#include "tl_gzip.h"

#include "tl_alloc.h"
#include "tl_io.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define OUT_BLOCK (16 * 1024)

struct tl_gzip {
	z_stream zs;
	tl_gzip_sink_fn sink;
	void *ctx;
	uint64_t in, out;
	bool failed, finished;
	unsigned char buf[OUT_BLOCK];
};

struct tl_gzip *tl_gzip_new(int level, tl_gzip_sink_fn sink, void *ctx)
{
	struct tl_gzip *z = xcalloc(1, sizeof(*z));
	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
	if (deflateInit2(&z->zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(z);
		return NULL;
	}
	z->sink = sink;
	z->ctx = ctx;
	return z;
}

static int pump(struct tl_gzip *z, int flush)
{
	for (;;) {
		z->zs.next_out = z->buf;
		z->zs.avail_out = sizeof(z->buf);
		int rc = deflate(&z->zs, flush);
		if (rc == Z_STREAM_ERROR) {
			z->failed = true;
			return -1;
		}
		size_t have = sizeof(z->buf) - z->zs.avail_out;
		if (have > 0) {
			if (z->sink(z->buf, have, z->ctx) != 0) {
				z->failed = true;
				return -1;
			}
			z->out += have;
		}
		if (flush == Z_FINISH) {
			if (rc == Z_STREAM_END)
				return 0;
		} else if (z->zs.avail_in == 0 && z->zs.avail_out != 0) {
			return 0;
		}
	}
}

int tl_gzip_write(struct tl_gzip *z, const void *p, size_t n)
{
	if (z->failed || z->finished) {
		errno = EINVAL;
		return -1;
	}
	const unsigned char *s = p;
	while (n > 0) {
		uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
		z->zs.next_in = (unsigned char *)s;
		z->zs.avail_in = chunk;
		if (pump(z, Z_NO_FLUSH) != 0)
			return -1;
		z->in += chunk;
		s += chunk;
		n -= chunk;
	}
	return 0;
}

int tl_gzip_finish(struct tl_gzip *z)
{
	if (z->failed || z->finished) {
		errno = EINVAL;
		return -1;
	}
	z->zs.next_in = NULL;
	z->zs.avail_in = 0;
	if (pump(z, Z_FINISH) != 0)
		return -1;
	z->finished = true;
	return 0;
}

void tl_gzip_reset(struct tl_gzip *z, tl_gzip_sink_fn sink, void *ctx)
{
	deflateReset(&z->zs);
	z->sink = sink;
	z->ctx = ctx;
	z->in = z->out = 0;
	z->failed = z->finished = false;
}

void tl_gzip_free(struct tl_gzip *z)
{
	if (!z)
		return;
	deflateEnd(&z->zs);
	free(z);
}

uint64_t tl_gzip_in(const struct tl_gzip *z)
{
	return z->in;
}

uint64_t tl_gzip_out(const struct tl_gzip *z)
{
	return z->out;
}

int tl_gzip_sink_fd(const void *p, size_t n, void *ctx)
{
	return tl_write_all(*(int *)ctx, p, n);
}

int tl_gunzip_mem(const void *p, size_t n, size_t max, char **out, size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return -1;
	size_t cap = n * 4 + 64, len = 0;
	if (cap > max + 1)
		cap = max + 1;
	char *buf = xmalloc(cap);
	zs.next_in = (unsigned char *)p;
	zs.avail_in = (uInt)n;
	int rc = Z_OK;
	for (;;) {
		if (len == cap - 1) {
			if (cap > max) {
				rc = Z_BUF_ERROR;
				break;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		zs.next_out = (unsigned char *)buf + len;
		zs.avail_out = (uInt)(cap - 1 - len);
		rc = inflate(&zs, Z_NO_FLUSH);
		len = cap - 1 - zs.avail_out;
		if (rc == Z_STREAM_END) {
			if (zs.avail_in == 0)
				break;
			/* another member follows */
			if (inflateReset(&zs) != Z_OK) {
				rc = Z_DATA_ERROR;
				break;
			}
			continue;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			break;
		if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
			rc = Z_DATA_ERROR; /* truncated */
			break;
		}
	}
	inflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}
