/* libFuzzer target: the --state reader of tw-trends (lib/tl_trends: tl_trends_load).
 * Properties: never crashes or leaks; a refused state says why; an accepted one can be used,
 * saved, and the saved text loads again. */
#include "tl_buf.h"
#include "tl_terms.h"
#include "tl_trends.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int discard(void *ctx, const char *line, size_t n)
{
	(void)ctx;
	(void)line;
	(void)n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tl_terms *x;
	if (!x && !(x = tl_terms_new(TL_TERM_ALL)))
		abort();
	struct tl_trends_opts o;
	tl_trends_opts_default(&o);
	o.capacity = 64;
	o.sketch_width = 1024;
	o.history_ms = 60000;
	struct tl_trends *tr = tl_trends_new(&o, discard, NULL);
	const char *note;
	char *err = NULL;
	int rc = tl_trends_load(tr, (const char *)data, size, &note, &err);
	if (rc < 0 && !err)
		abort();
	free(err);
	if (rc < 0) {
		tl_trends_free(tr);
		return 0;
	}
	tl_terms_reset(x);
	tl_terms_add_text(x, "a #fuzz state test", 18, "en", 2, false);
	for (int i = 0; i < 5; i++)
		tl_trends_add(tr, 1780000000000 + i * 700, x, "en", 2, NAN, 0);
	struct tl_buf b = TL_BUF_INIT;
	if (tl_trends_save(tr, &b) < 0)
		abort();
	struct tl_trends *again = tl_trends_new(&o, discard, NULL);
	err = NULL;
	if (tl_trends_load(again, b.data, b.len, &note, &err) < 0)
		abort();
	tl_trends_free(again);
	tl_buf_release(&b);
	tl_trends_free(tr);
	return 0;
}
