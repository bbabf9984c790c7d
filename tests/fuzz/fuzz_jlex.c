/* libFuzzer target: the readers over the JSON lexical core agree. The validator and the document
 * tokenizer give the same verdict, reason and offset on any input (within the tokenizer's
 * nesting limit); on a valid document the unchecked skip spans exactly the value, the field
 * scanner finds every top-level key the tape has, and every string token decodes. */
#include "tl_buf.h"
#include "tl_jdoc.h"
#include "tl_jlex.h"
#include "tl_jscan.h"
#include "tl_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tl_jdoc doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *w1 = NULL, *w2 = NULL;
	size_t p1 = 0, p2 = 0;
	int a = tl_json_validate(s, size, &w1, &p1);
	int b = tl_jdoc_parse(&doc, s, size, &w2, &p2);
	if (b < 0 && w2 && strcmp(w2, "nested too deep") == 0)
		return 0; /* the tape's limit (256) is below the validator's (512) */
	if (a != b || (a < 0 && (strcmp(w1, w2) != 0 || p1 != p2)))
		abort();
	if (a < 0)
		return 0;
	size_t i = tl_jlex_ws(s, size, 0), end = size;
	while (end > i && tl_jlex_is_ws((unsigned char)s[end - 1]))
		end--;
	if (tl_jlex_skip(s + i, size - i) != end - i)
		abort();
	struct tl_buf b2 = TL_BUF_INIT;
	for (size_t k = 0; k < doc.n; k++) {
		if (doc.t[k].type != TL_J_STRING)
			continue;
		tl_buf_reset(&b2);
		if (tl_jlex_unescape(s + doc.t[k].start + 1, doc.t[k].end - doc.t[k].start - 2, &b2) < 0)
			abort();
	}
	if (doc.t[0].type == TL_J_OBJECT) {
		/* each key of the top-level object, by its raw text, is found where the tape has it */
		for (size_t k = 1; k < doc.t[0].next; k = doc.t[k + 1].next) {
			const char *key = s + doc.t[k].start + 1;
			size_t kl = doc.t[k].end - doc.t[k].start - 2;
			if (memchr(key, '\\', kl))
				continue;
			struct tl_jslice out;
			if (tl_jscan_fields(s, size, &key, &kl, 1, false, &out) != 1)
				abort();
		}
	}
	tl_buf_release(&b2);
	return 0;
}
