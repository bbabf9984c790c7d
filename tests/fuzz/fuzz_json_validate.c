/* libFuzzer target: the allocation-free JSON validator against cJSON as a second opinion.
 * Where cJSON (which is laxer about UTF-8 and control characters) refuses a document, ours must
 * refuse it too. */
#include "tl_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	size_t pos = 0;
	int ours = tl_json_validate((const char *)data, size, &why, &pos);
	if (ours == 0 && pos != 0)
		abort();
	if (ours < 0 && (!why || pos > size))
		abort();
	cJSON *j = tl_json_parse((const char *)data, size, NULL);
	if (ours == 0 && !j) {
		/* Two legitimate disagreements in this direction: cJSON refuses a \u escape of a
		 * lone surrogate (RFC 8259's grammar allows it, and so do we), and nesting deeper
		 * than CJSON_NESTING_LIMIT. */
		for (size_t i = 0; i + 3 < size; i++)
			if (data[i] == '\\' && data[i + 1] == 'u' && (data[i + 2] | 0x20) == 'd' &&
			    data[i + 3] && strchr("89abcdefABCDEF", data[i + 3]))
				goto out;
		size_t depth = 0, max = 0;
		for (size_t i = 0; i < size; i++) {
			if (data[i] == '[' || data[i] == '{')
				depth++;
			if (depth > max)
				max = depth;
		}
		if (max < 1000)
			abort();
	}
out:
	cJSON_Delete(j);
	return 0;
}
