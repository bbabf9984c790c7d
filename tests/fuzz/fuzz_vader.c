/* libFuzzer target: tweet text through the VADER scorer (lib/tl_vader: emoji step, tokenizer,
 * rules), and the same bytes as a lexicon or emoji file for a second scorer. Properties: scoring
 * never fails under the size cap; compound is in [-1, 1], the proportions in [0, 1] summing to
 * 1 (or all 0 for a text with no words), nothing is NaN; the JSON written is valid and has
 * a decimal point in every number. */
#include "tl_buf.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_vader.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(struct tl_vader *v, const char *s, size_t n)
{
	struct tl_vader_scores sc;
	if (tl_vader_score(v, s, n, &sc) != 0)
		abort();
	if (!(sc.compound >= -1 && sc.compound <= 1) || !(sc.pos >= 0 && sc.pos <= 1) ||
	    !(sc.neu >= 0 && sc.neu <= 1) || !(sc.neg >= 0 && sc.neg <= 1))
		abort();
	double sum = sc.pos + sc.neu + sc.neg;
	if (!(fabs(sum - 1) < 1e-9 || (sum == 0 && sc.compound == 0)))
		abort();
	struct tl_buf b = TL_BUF_INIT;
	const char *why;
	size_t pos;
	if (tl_vader_scores_json(&sc, &b) < 0 || tl_json_validate(b.data, b.len, &why, &pos) != 0)
		abort();
	for (const char *p = b.data; (p = strchr(p, ':')); p++)
		if (!strchr(p, '.') || (strchr(p, ',') && strchr(p, '.') > strchr(p, ',')))
			abort();
	tl_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tl_vader *v, *w;
	if (!v) {
		tl_log_set_level(-1); /* loader messages for bad lexicons are expected */
		v = tl_vader_new();
		w = tl_vader_new();
	}
	const char *s = (const char *)data;
	check(v, s, size);
	if (size > 0 && tl_vader_load(w, s + 1, size - 1, "fuzz", data[0] & 1) == 0)
		check(w, s, size);
	return 0;
}
