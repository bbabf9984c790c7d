/* Unit tests for tl_gzip: round trips through zlib, bounded sink blocks, failures. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_gzip.h"

#include <stdlib.h>

static size_t max_block;

static int sink_buf(const void *p, size_t n, void *ctx)
{
	if (n > max_block)
		max_block = n;
	return tl_buf_add(ctx, p, n);
}

static int sink_fail(const void *p, size_t n, void *ctx)
{
	(void)p;
	(void)n;
	(void)ctx;
	return -1;
}

static void test_round_trip(void)
{
	struct tl_buf out = TL_BUF_INIT;
	struct tl_gzip *z = tl_gzip_new(6, sink_buf, &out);
	T_CHECK(z != NULL);
	struct tl_buf in = TL_BUF_INIT;
	unsigned x = 1;
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		tl_buf_addf(&in, "{\"id\":%d,\"r\":%u}\n", i, (x >> 16) % 1000);
	}
	/* odd-sized writes */
	for (size_t off = 0; off < in.len;) {
		size_t n = (off % 7919) + 1;
		if (n > in.len - off)
			n = in.len - off;
		T_CHECK(tl_gzip_write(z, in.data + off, n) == 0);
		off += n;
	}
	T_CHECK(tl_gzip_finish(z) == 0);
	T_EQ_INT(tl_gzip_in(z), in.len);
	T_EQ_INT(tl_gzip_out(z), out.len);
	T_CHECK(out.len < in.len / 3);
	T_CHECK(max_block <= 16 * 1024);
	T_CHECK(tl_gzip_write(z, "x", 1) == -1);
	tl_gzip_free(z);
	char *back;
	size_t bn;
	T_CHECK(tl_gunzip_mem(out.data, out.len, in.len, &back, &bn) == 0);
	T_EQ_INT(bn, in.len);
	T_CHECK(memcmp(back, in.data, in.len) == 0);
	free(back);
	/* over the cap, and truncated input */
	T_CHECK(tl_gunzip_mem(out.data, out.len, in.len - 1, &back, &bn) == -1);
	T_CHECK(tl_gunzip_mem(out.data, out.len - 9, in.len, &back, &bn) == -1);
	tl_buf_release(&in);
	tl_buf_release(&out);
}

static void test_empty_and_members(void)
{
	struct tl_buf out = TL_BUF_INIT;
	for (int m = 0; m < 2; m++) {
		struct tl_gzip *z = tl_gzip_new(-1, sink_buf, &out);
		if (m == 1)
			tl_gzip_write(z, "hello\n", 6);
		T_CHECK(tl_gzip_finish(z) == 0);
		tl_gzip_free(z);
	}
	char *back;
	size_t bn;
	T_CHECK(tl_gunzip_mem(out.data, out.len, 100, &back, &bn) == 0);
	T_EQ_STR(back, "hello\n");
	free(back);
	tl_buf_release(&out);
}

static void test_reset(void)
{
	struct tl_buf a = TL_BUF_INIT, b = TL_BUF_INIT;
	struct tl_gzip *z = tl_gzip_new(6, sink_buf, &a);
	tl_gzip_write(z, "first\n", 6);
	tl_gzip_reset(z, sink_buf, &b); /* an unfinished stream is dropped */
	T_CHECK(tl_gzip_write(z, "second\n", 7) == 0);
	T_CHECK(tl_gzip_finish(z) == 0);
	T_EQ_INT(tl_gzip_in(z), 7);
	tl_gzip_free(z);
	char *back;
	size_t bn;
	T_CHECK(tl_gunzip_mem(b.data, b.len, 100, &back, &bn) == 0);
	T_EQ_STR(back, "second\n");
	free(back);
	tl_buf_release(&a);
	tl_buf_release(&b);
}

static void test_sink_failure(void)
{
	struct tl_gzip *z = tl_gzip_new(1, sink_fail, NULL);
	char big[70000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7919 >> 3);
	int rc = tl_gzip_write(z, big, sizeof(big));
	if (rc == 0)
		rc = tl_gzip_finish(z);
	T_EQ_INT(rc, -1);
	T_CHECK(tl_gzip_finish(z) == -1);
	tl_gzip_free(z);
	T_CHECK(tl_gzip_new(42, sink_fail, NULL) == NULL);
}

int main(void)
{
	TEST(test_round_trip);
	TEST(test_empty_and_members);
	TEST(test_reset);
	TEST(test_sink_failure);
	return t_done();
}
