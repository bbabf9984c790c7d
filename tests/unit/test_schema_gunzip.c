/* Unit tests for lib/tl_gunzip.c: members, byte-at-a-time feeding, non-gzip, truncation. */
#include "t.h"
#include "tl_buf.h"
#include "tl_gunzip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int collect(void *ctx, const char *p, size_t n)
{
	return tl_buf_add(ctx, p, n);
}

static int stop_early(void *ctx, const char *p, size_t n)
{
	tl_buf_add(ctx, p, n);
	return 1;
}

/* gzip-compresses s with zlib into b */
static void gz(struct tl_buf *b, const char *s, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
	size_t cap = deflateBound(&z, (uLong)n) + 64;
	tl_buf_grow(b, cap);
	z.next_in = (unsigned char *)s;
	z.avail_in = (uInt)n;
	z.next_out = (unsigned char *)b->data + b->len;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	b->len += cap - z.avail_out;
	deflateEnd(&z);
}

static int run(enum tl_gunzip_mode mode, const char *in, size_t n, size_t step, struct tl_buf *out,
	       const char **err)
{
	struct tl_gunzip g;
	tl_gunzip_init(&g, mode, collect, out);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i += step)
		rc = tl_gunzip_feed(&g, in + i, n - i < step ? n - i : step);
	if (rc == 0)
		rc = tl_gunzip_finish(&g);
	*err = g.error;
	tl_gunzip_release(&g);
	return rc;
}

static void test_members(void)
{
	struct tl_buf z = TL_BUF_INIT, out = TL_BUF_INIT;
	char big[300000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + (i * 7919) % 26);
	gz(&z, "{\"a\":1}\n", 8);
	gz(&z, big, sizeof(big));
	gz(&z, "", 0);
	gz(&z, "{\"b\":2}\n", 8);
	size_t steps[] = { 1, 7, 4096, z.len };
	for (size_t s = 0; s < 4; s++) {
		const char *err = NULL;
		tl_buf_reset(&out);
		T_EQ_INT(run(TL_GUNZIP_REQUIRE, z.data, z.len, steps[s], &out, &err), 0);
		T_EQ_INT(out.len, 16 + sizeof(big));
		T_CHECK(out.len > 16 && memcmp(out.data, "{\"a\":1}\n", 8) == 0 &&
			memcmp(out.data + 8, big, sizeof(big)) == 0 &&
			memcmp(out.data + out.len - 8, "{\"b\":2}\n", 8) == 0);
	}
	tl_buf_release(&z);
	tl_buf_release(&out);
}

static void test_plain_and_errors(void)
{
	struct tl_buf out = TL_BUF_INIT, z = TL_BUF_INIT;
	const char *err = NULL;
	/* plain text passes through in AUTO mode, is refused in REQUIRE mode */
	T_EQ_INT(run(TL_GUNZIP_AUTO, "{\"a\":1}\n", 8, 1, &out, &err), 0);
	T_EQ_STR(out.data, "{\"a\":1}\n");
	T_EQ_INT(run(TL_GUNZIP_REQUIRE, "{\"a\":1}\n", 8, 3, &out, &err), -1);
	T_EQ_STR(err, "not in gzip format");
	/* one byte and empty inputs */
	tl_buf_reset(&out);
	T_EQ_INT(run(TL_GUNZIP_AUTO, "x", 1, 1, &out, &err), 0);
	T_EQ_STR(out.data, "x");
	T_EQ_INT(run(TL_GUNZIP_AUTO, "", 0, 1, &out, &err), 0);
	/* a cut gzip stream is truncated; corrupt data is corrupt; trailing garbage refused */
	gz(&z, "{\"a\":1}\n{\"a\":2}\n", 16);
	T_EQ_INT(run(TL_GUNZIP_AUTO, z.data, z.len - 5, 2, &out, &err), -1);
	T_EQ_STR(err, "truncated gzip stream");
	char *bad = malloc(z.len);
	memcpy(bad, z.data, z.len);
	bad[12] ^= 0x55;
	bad[13] ^= 0x55;
	T_EQ_INT(run(TL_GUNZIP_AUTO, bad, z.len, z.len, &out, &err), -1);
	T_CHECK(err && strstr(err, "corrupt"));
	free(bad);
	tl_buf_add(&z, "junk", 4);
	T_EQ_INT(run(TL_GUNZIP_AUTO, z.data, z.len, z.len, &out, &err), -1);
	T_CHECK(err && strstr(err, "trailing garbage"));
	/* zero padding after the last member is tolerated */
	z.len -= 4;
	tl_buf_add(&z, "\0\0\0", 3);
	tl_buf_reset(&out);
	T_EQ_INT(run(TL_GUNZIP_AUTO, z.data, z.len, 5, &out, &err), 0);
	T_EQ_STR(out.data, "{\"a\":1}\n{\"a\":2}\n");
	tl_buf_release(&z);
	tl_buf_release(&out);
}

static void test_stop(void)
{
	struct tl_buf z = TL_BUF_INIT, out = TL_BUF_INIT;
	gz(&z, "{\"a\":1}\n{\"a\":2}\n", 16);
	struct tl_gunzip g;
	tl_gunzip_init(&g, TL_GUNZIP_AUTO, stop_early, &out);
	T_EQ_INT(tl_gunzip_feed(&g, z.data, z.len), 1);
	T_EQ_INT(tl_gunzip_feed(&g, "x", 1), 1);
	T_EQ_INT(tl_gunzip_finish(&g), 0);
	T_CHECK(g.gzip && g.stopped);
	tl_gunzip_release(&g);
	tl_buf_release(&z);
	tl_buf_release(&out);
}

int main(void)
{
	TEST(test_members);
	TEST(test_plain_and_errors);
	TEST(test_stop);
	return t_done();
}
