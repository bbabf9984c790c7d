/* tl_gunzip.c: gzip (RFC 1952) decoding in pushed chunks, members concatenated. */
#include "tl_gunzip.h"
#include "tl_alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define OUT_CHUNK (256 * 1024)

void tl_gunzip_init(struct tl_gunzip *g, enum tl_gunzip_mode mode, tl_gunzip_sink sink,
		    void *ctx)
{
	memset(g, 0, sizeof(*g));
	g->mode = mode;
	g->sink = sink;
	g->ctx = ctx;
}

void tl_gunzip_release(struct tl_gunzip *g)
{
	if (g->z) {
		inflateEnd(g->z);
		free(g->z);
		g->z = NULL;
	}
	free(g->out);
	g->out = NULL;
}

static int fail(struct tl_gunzip *g, const char *why)
{
	g->failed = true;
	g->error = why;
	return -1;
}

static int emit(struct tl_gunzip *g, const char *p, size_t n)
{
	if (!n)
		return 0;
	g->out_bytes += n;
	if (g->sink(g->ctx, p, n)) {
		g->stopped = true;
		return 1;
	}
	return 0;
}

/* Inflates n bytes of gzip data, starting new members as old ones end. */
static int inflate_some(struct tl_gunzip *g, const unsigned char *p, size_t n)
{
	z_stream *z = g->z;
	while (n > 0) {
		if (!g->in_member) {
			/* between members: zero padding is tolerated (as gzip -d does), else a
			 * new member must start with the magic */
			if (*p == 0) {
				p++;
				n--;
				continue;
			}
			if (inflateReset2(z, 16 + 15) != Z_OK)
				return fail(g, "zlib reset failed");
			g->in_member = true;
			g->members++;
		}
		uInt take = n > (1u << 30) ? (1u << 30) : (uInt)n;
		z->next_in = (unsigned char *)p;
		z->avail_in = take;
		int rc;
		do {
			z->next_out = (unsigned char *)g->out;
			z->avail_out = OUT_CHUNK;
			uInt before = z->avail_in;
			rc = inflate(z, Z_NO_FLUSH);
			g->in_used += before - z->avail_in;
			if (rc == Z_DATA_ERROR)
				return fail(g, g->members > 1 ? "corrupt gzip data (or trailing garbage)"
							      : "corrupt gzip data");
			if (rc == Z_MEM_ERROR)
				return fail(g, "zlib out of memory");
			if (rc == Z_NEED_DICT)
				return fail(g, "corrupt gzip data");
			if (emit(g, g->out, OUT_CHUNK - z->avail_out))
				return 1;
			if (rc == Z_STREAM_END) {
				g->in_member = false;
				break;
			}
		} while (z->avail_out == 0 || z->avail_in > 0);
		size_t used = take - z->avail_in;
		p += used;
		n -= used;
		if (rc != Z_STREAM_END && used == 0 && z->avail_in)
			return fail(g, "corrupt gzip data");
	}
	return 0;
}

int tl_gunzip_feed(struct tl_gunzip *g, const void *data, size_t n)
{
	const unsigned char *p = data;
	if (g->failed)
		return -1;
	if (g->stopped)
		return 1;
	g->in_bytes += n;
	if (!g->decided) {
		/* hold back up to two bytes until the magic can be seen */
		while (g->nhead < 2 && n > 0) {
			g->head[g->nhead++] = *p++;
			n--;
		}
		if (g->nhead < 2)
			return 0;
		g->decided = true;
		g->gzip = g->head[0] == 0x1f && g->head[1] == 0x8b;
		if (!g->gzip && g->mode == TL_GUNZIP_REQUIRE)
			return fail(g, "not in gzip format");
		if (g->gzip) {
			g->z = xcalloc(1, sizeof(z_stream));
			if (inflateInit2(g->z, 16 + 15) != Z_OK) {
				free(g->z);
				g->z = NULL;
				return fail(g, "zlib init failed");
			}
			g->out = xmalloc(OUT_CHUNK);
			g->in_member = true;
			g->members = 1;
			int rc = inflate_some(g, g->head, 2);
			if (rc)
				return rc;
		} else {
			g->in_used += 2;
			if (emit(g, (const char *)g->head, 2))
				return 1;
		}
	}
	if (!g->gzip) {
		g->in_used += n;
		return emit(g, (const char *)p, n);
	}
	return inflate_some(g, p, n);
}

int tl_gunzip_finish(struct tl_gunzip *g)
{
	if (g->failed)
		return -1;
	if (g->stopped)
		return 0;
	if (!g->decided && g->nhead) {
		/* a one-byte input */
		g->decided = true;
		if (g->mode == TL_GUNZIP_REQUIRE || g->head[0] == 0x1f)
			return fail(g, g->head[0] == 0x1f ? "truncated gzip stream" : "not in gzip format");
		return emit(g, (const char *)g->head, 1) ? 0 : 0;
	}
	if (g->gzip && g->in_member)
		return fail(g, "truncated gzip stream");
	return 0;
}

int tl_gunzip_fd(struct tl_gunzip *g, int fd)
{
	size_t cap = 256 * 1024;
	char *buf = xmalloc(cap);
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, buf, cap);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = fail(g, "read error");
			break;
		}
		if (r == 0) {
			rc = tl_gunzip_finish(g);
			break;
		}
		rc = tl_gunzip_feed(g, buf, (size_t)r);
		if (rc)
			break;
	}
	free(buf);
	return rc;
}
