#include "tl_str.h"

size_t tl_pct_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n && (h = tl_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = tl_hexval((unsigned char)s[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}
