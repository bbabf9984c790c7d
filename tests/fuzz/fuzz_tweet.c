/* libFuzzer target: X stream lines through the tokenizer, the classifier and the expansion
 * merger (lib/tl_tweet). Properties: the tokenizer agrees with the JSON validator; whatever the
 * merger writes is one valid JSON object; compacting is idempotent. */
#include "tl_buf.h"
#include "tl_json.h"
#include "tl_tweet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tl_tweet t;
	static struct tl_idset seen;
	static int init;
	if (!init) {
		tl_idset_init(&seen, 64);
		init = 1;
	}
	const char *s = (const char *)data;
	const char *why;
	size_t pos;
	struct tl_jdoc d = { 0 };
	int ours = tl_jdoc_parse(&d, s, size, &why, &pos);
	int ref = tl_json_validate(s, size, &why, &pos);
	/* the tokenizer refuses nesting deeper than TL_JDOC_MAX_DEPTH; otherwise they agree */
	if (ours == 0 && ref != 0)
		abort();
	if (ours != 0 && ref == 0) {
		size_t depth = 0, max = 0;
		for (size_t i = 0; i < size; i++) {
			depth += data[i] == '[' || data[i] == '{';
			max = depth > max ? depth : max;
		}
		if (max <= TL_JDOC_MAX_DEPTH)
			abort();
	}
	if (ours == 0) {
		struct tl_buf b = TL_BUF_INIT, b2 = TL_BUF_INIT;
		if (tl_jdoc_add_compact(&d, 0, &b) < 0 || tl_json_validate(b.data, b.len, &why, &pos) != 0)
			abort();
		struct tl_jdoc d2 = { 0 };
		if (tl_jdoc_parse(&d2, b.data, b.len, NULL, NULL) < 0 || d2.has_ws ||
		    tl_jdoc_add_compact(&d2, 0, &b2) < 0 || b2.len != b.len || memcmp(b.data, b2.data, b.len) != 0)
			abort();
		tl_jdoc_free(&d2);
		tl_buf_release(&b);
		tl_buf_release(&b2);
	}
	tl_jdoc_free(&d);

	int kind = tl_tweet_parse(&t, s, size);
	if (kind == TL_TWEET_DATA || kind == TL_TWEET_FLAT) {
		struct tl_buf out = TL_BUF_INIT;
		if (tl_tweet_merge(&t, &out) < 0)
			abort();
		if (tl_json_validate(out.data, out.len, &why, &pos) != 0 || out.data[0] != '{')
			abort();
		tl_buf_release(&out);
		(void)tl_tweet_time(&t);
		if (t.id)
			(void)tl_idset_add(&seen, t.id, t.id_len);
	} else if (kind == TL_TWEET_ERRORS) {
		free(tl_tweet_errors_text(&t));
	}
	return 0;
}
