/* libFuzzer target: what the AWS credential caches and MSK broker lists hand us. The input is read
 * as a cache file would be (JSON); when it parses, the json.dumps text that cache keys hash
 * (tl_awscache_pydumps, sorted or not, compact or not) must be valid JSON that parses back to the
 * same document, and every string member goes through the cache's time parser. The raw bytes are
 * also a bootstrap list for the MSK region parser, whose answer must be a plausible region. */
#include "tl_alloc.h"
#include "tl_awscache.h"
#include "tl_buf.h"
#include "tl_json.h"
#include "tl_mskiam.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void times(const cJSON *v)
{
	for (const cJSON *c = v->child; c; c = c->next) {
		int64_t ms;
		if (cJSON_IsString(c))
			(void)tl_awscache_time(c->valuestring, &ms);
		times(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	char *region = tl_mskiam_region_of(s);
	if (region) {
		for (const char *p = region; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
				abort();
		free(region);
	}
	/* as tl_awscache_load reads a file: strict JSON first */
	const char *why;
	size_t at;
	cJSON *j = tl_json_validate((const char *)data, size, &why, &at) == 0
			   ? tl_json_parse((const char *)data, size, NULL)
			   : NULL;
	if (j) {
		times(j);
		for (int mode = 0; mode < 4; mode++) {
			struct tl_buf b = TL_BUF_INIT;
			if (tl_awscache_pydumps(&b, j, mode & 1, mode & 2) < 0)
				abort();
			/* json.dumps writes NaN and Infinity, which are not JSON: only for a number
			 * out of the double range here */
			bool nonfinite = strstr(b.data, "Infinity") || strstr(b.data, "NaN");
			if (tl_json_validate(b.data, b.len, &why, &at) < 0) {
				if (!nonfinite)
					abort();
				tl_buf_release(&b);
				continue;
			}
			cJSON *back = tl_json_parse(b.data, b.len, NULL);
			/* numbers print as integers or %.17g: compare the structure and the strings */
			if (!back || (!(mode & 1) && !cJSON_Compare(j, back, 1) && !strpbrk(b.data, ".eE")))
				abort();
			cJSON_Delete(back);
			tl_buf_release(&b);
		}
		cJSON_Delete(j);
	}
	free(s);
	return 0;
}
