/* libFuzzer target for the TZif reader (outside input: files of the system's time zone
 * database, which a person may point elsewhere with TZDIR). Properties checked: no crash or
 * leak; a file read as a zone gives offsets within a day of UTC at any instant, and a wall
 * clock time maps to an instant whose wall clock is within a day of it. */
#include "tl_tz.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t at[] = { INT64_C(-4000000000000), 0, INT64_C(1795000000000),
				      INT64_C(2500000000000), INT64_C(40000000000000) };
	char *err = NULL;
	struct tl_tz *tz = tl_tz_parse("fuzz", data, size, &err);
	if (!tz) {
		if (!err)
			abort();
		free(err);
		return 0;
	}
	for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
		int32_t off = tl_tz_offset(tz, at[i]);
		if (off < -26 * 3600 || off > 26 * 3600)
			abort();
		int64_t u = tl_tz_to_utc(tz, at[i]);
		if (u - at[i] > INT64_C(2) * 86400000 || at[i] - u > INT64_C(2) * 86400000)
			abort();
	}
	tl_tz_free(tz);
	return 0;
}
