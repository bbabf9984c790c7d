/* libFuzzer target: tw-stream's --burst TAG@START+LENGTH*SHARE parser (lib/tl_tweetsim).
 * Properties: never crashes; an accepted spec has a tag of 1 to 63 bytes of valid UTF-8, a
 * length above 0 and a share in (0, 1], and a simulator planting it makes valid tweets. */
#include "tl_buf.h"
#include "tl_json.h"
#include "tl_str.h"
#include "tl_tweetsim.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[256];
	if (size >= sizeof spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = 0;
	struct tl_tweetsim_burst b;
	const char *why;
	if (tl_tweetsim_burst_parse(spec, &b, &why) < 0)
		return why ? 0 : (abort(), 0);
	size_t n = strlen(b.tag);
	if (n == 0 || n > 63 || !(b.share > 0 && b.share <= 1) || b.len_ms <= 0 || b.start_ms < 0)
		abort();
	for (size_t k = 0; k < n;) {
		size_t m = tl_utf8_seq((const unsigned char *)b.tag + k, n - k);
		if (!m)
			abort();
		k += m;
	}
	static struct tl_tweetsim *sim;
	if (!sim)
		sim = tl_tweetsim_new(1);
	struct tl_tweetsim *s = tl_tweetsim_new(2);
	b.start_ms = 0;
	b.share = 1;
	tl_tweetsim_add_burst(s, &b, 0);
	struct tl_buf line = TL_BUF_INIT;
	for (int i = 0; i < 3; i++) {
		tl_buf_reset(&line);
		tl_tweetsim_next(s, b.len_ms / 2, &line);
		const char *w;
		size_t pos;
		if (tl_json_validate(line.data, line.len, &w, &pos) != 0)
			abort();
	}
	tl_buf_release(&line);
	tl_tweetsim_free(s);
	return 0;
}
