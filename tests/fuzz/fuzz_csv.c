/* libFuzzer target for tl_csv (outside input: Athena result files from S3).
 * Properties checked: no crash or leak; feeding the input whole or in chunks (sizes taken from
 * the first byte) gives the same records; fields are NUL-terminated. */
#include "tl_buf.h"
#include "tl_csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_row(const struct tl_csv_field *f, size_t n, void *ctx)
{
	struct tl_buf *b = ctx;
	size_t i;
	for (i = 0; i < n; i++) {
		if (f[i].p[f[i].len] != '\0')
			abort();
		tl_buf_addc(b, f[i].null ? 'N' : 'S');
		tl_buf_add(b, &f[i].len, sizeof f[i].len);
		tl_buf_add(b, f[i].p, f[i].len);
	}
	tl_buf_addc(b, '\n');
	return 0;
}

static int run(const char *p, size_t n, size_t step, char delim, struct tl_buf *out)
{
	struct tl_csv c;
	size_t i;
	int r = 0;
	tl_csv_init(&c, delim, 1 << 16, on_row, out);
	for (i = 0; i < n && r == 0; i += step)
		r = tl_csv_feed(&c, p + i, n - i < step ? n - i : step);
	if (r == 0)
		r = tl_csv_finish(&c);
	tl_csv_release(&c);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tl_buf a = TL_BUF_INIT, b = TL_BUF_INIT;
	size_t step;
	char delim;
	int ra, rb;
	if (size < 1)
		return 0;
	step = (size_t)(data[0] & 0x0f) + 1;
	delim = (data[0] & 0x10) ? '\t' : ',';
	data++;
	size--;
	ra = run((const char *)data, size, size ? size : 1, delim, &a);
	rb = run((const char *)data, size, step, delim, &b);
	if (ra != rb || a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
		abort();
	tl_buf_release(&a);
	tl_buf_release(&b);
	return 0;
}
