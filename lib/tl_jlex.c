#include "tl_jlex.h"

size_t tl_jlex_skip(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	char c = s[0];
	if (c == '"')
		return tl_jlex_string_end(s, n, 0);
	if (c == '{' || c == '[') {
		size_t depth = 0, i = 0;
		while (i < n) {
			char d = s[i];
			if (d == '"') {
				i = tl_jlex_string_end(s, n, i);
				if (!i)
					return 0;
				continue;
			}
			if (d == '{' || d == '[') {
				depth++;
			} else if (d == '}' || d == ']') {
				if (--depth == 0)
					return i + 1;
			}
			i++;
		}
		return 0;
	}
	/* number, true, false, null */
	size_t i = 0;
	while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && !tl_jlex_is_ws((unsigned char)s[i]))
		i++;
	return i;
}

int tl_jlex_unescape(const char *s, size_t n, struct tl_buf *b)
{
	size_t i = 0;
	while (i < n) {
		const char *bs = memchr(s + i, '\\', n - i);
		size_t run = bs ? (size_t)(bs - (s + i)) : n - i;
		if (run && tl_buf_add(b, s + i, run) < 0)
			return -1;
		i += run;
		if (i >= n)
			break;
		if (i + 1 >= n)
			return -1;
		char c;
		switch (s[i + 1]) {
		case '"': c = '"'; break;
		case '\\': c = '\\'; break;
		case '/': c = '/'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u': {
			int cp;
			if (i + 6 > n || (cp = tl_hex4(s + i + 2)) < 0)
				return -1;
			i += 6;
			if (cp >= 0xD800 && cp < 0xDC00) {
				int lo;
				if (i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u' &&
				    (lo = tl_hex4(s + i + 2)) >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				} else {
					cp = 0xFFFD;
				}
			} else if (cp >= 0xDC00 && cp < 0xE000) {
				cp = 0xFFFD;
			}
			char u[4];
			if (tl_buf_add(b, u, tl_utf8_put(u, (unsigned long)cp)) < 0)
				return -1;
			continue;
		}
		default:
			return -1;
		}
		if (tl_buf_addc(b, c) < 0)
			return -1;
		i += 2;
	}
	if (!b->data && tl_buf_add(b, "", 0) < 0)
		return -1;
	return 0;
}
