/* libFuzzer target: the term extractor (lib/tl_terms) on arbitrary text and on tweets.
 * Properties: never crashes; every term is non-empty, at most TL_TERM_MAX bytes, valid UTF-8,
 * holds no control character, and appears once; hashtags start with "#", mentions with "@". */
#include "tl_str.h"
#include "tl_terms.h"
#include "tl_tweet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct tl_terms *x)
{
	for (size_t i = 0; i < x->n; i++) {
		const struct tl_term *t = &x->v[i];
		const unsigned char *p = (const unsigned char *)x->text + t->off;
		if (t->len == 0 || t->len > TL_TERM_MAX || t->kind >= TL_TERM_NKINDS)
			abort();
		for (size_t k = 0; k < t->len;) {
			size_t n = tl_utf8_seq(p + k, t->len - k);
			if (!n || p[k] < 0x20)
				abort();
			k += n;
		}
		if ((t->kind == TL_TERM_HASHTAG && p[0] != '#') || (t->kind == TL_TERM_MENTION && p[0] != '@') ||
		    (t->kind == TL_TERM_CASHTAG && p[0] != '$'))
			abort();
		for (size_t j = 0; j < i; j++)
			if (x->v[j].kind == t->kind && x->v[j].len == t->len &&
			    memcmp(x->text + x->v[j].off, p, t->len) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tl_terms *x;
	static struct tl_tweet tw;
	if (!x && !(x = tl_terms_new(TL_TERM_ALL)))
		abort();
	const char *s = (const char *)data;
	size_t ll = size > 2 ? 2 : size;
	tl_terms_reset(x);
	tl_terms_add_text(x, s + ll, size - ll, s, ll, true);
	check(x);
	int kind = tl_tweet_parse(&tw, s, size);
	if (kind == TL_TWEET_DATA || kind == TL_TWEET_FLAT) {
		tl_terms_tweet(x, &tw.doc, (size_t)tw.data);
		check(x);
	}
	return 0;
}
