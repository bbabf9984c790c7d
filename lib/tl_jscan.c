#include "tl_jscan.h"
#include "tl_str.h"

#include <string.h>
#include <strings.h>

/* Does the raw key text k[0..kl) (between its quotes) equal want? A key written with escapes
 * ("e\u0061sy") is decoded first; that is rare, so the plain comparison stays the fast path. */
static bool key_eq(const char *k, size_t kl, const char *want, size_t wl, bool nocase)
{
	if (kl == wl && (nocase ? strncasecmp(k, want, kl) == 0 : memcmp(k, want, kl) == 0))
		return true;
	if (kl <= wl || !memchr(k, '\\', kl))
		return false;
	struct tl_buf t;
	tl_buf_init(&t, kl + 1);
	struct tl_jslice raw = { TL_J_STRING, k - 1, kl + 2 };
	bool eq = tl_jscan_unescape(&raw, &t) == 0 && t.len == wl &&
		  (nocase ? strncasecmp(t.data, want, wl) == 0 : memcmp(t.data, want, wl) == 0);
	tl_buf_release(&t);
	return eq;
}

int tl_jscan_fields(const char *s, size_t n, const char *const *keys, const size_t *keylens,
		    size_t nkeys, bool nocase, struct tl_jslice *out)
{
	for (size_t k = 0; k < nkeys; k++)
		out[k].type = TL_J_NONE;
	size_t i = tl_jlex_ws(s, n, 0);
	if (i >= n || s[i] != '{')
		return -1;
	i = tl_jlex_ws(s, n, i + 1);
	int found = 0;
	if (i < n && s[i] == '}')
		return 0;
	while (i < n) {
		if (s[i] != '"')
			return -1;
		size_t ke = tl_jlex_string_end(s, n, i);
		if (!ke)
			return -1;
		const char *key = s + i + 1;
		size_t kl = ke - i - 2;
		i = tl_jlex_ws(s, n, ke);
		if (i >= n || s[i] != ':')
			return -1;
		i = tl_jlex_ws(s, n, i + 1);
		size_t vl = tl_jlex_skip(s + i, n - i);
		if (!vl)
			return -1;
		for (size_t k = 0; k < nkeys; k++) {
			if (out[k].type == TL_J_NONE && key_eq(key, kl, keys[k], keylens[k], nocase)) {
				out[k].type = tl_jlex_type(s[i]);
				out[k].p = s + i;
				out[k].len = vl;
				found++;
				break;
			}
		}
		if ((size_t)found == nkeys)
			return found;
		i = tl_jlex_ws(s, n, i + vl);
		if (i < n && s[i] == ',') {
			i = tl_jlex_ws(s, n, i + 1);
			continue;
		}
		if (i < n && s[i] == '}')
			return found;
		return -1;
	}
	return -1;
}

/* The idx-th element of the array at s. */
static int array_elem(const char *s, size_t n, size_t idx, struct tl_jslice *out)
{
	size_t i = tl_jlex_ws(s, n, 1);
	size_t at = 0;
	while (i < n && s[i] != ']') {
		size_t vl = tl_jlex_skip(s + i, n - i);
		if (!vl)
			return -1;
		if (at == idx) {
			out->type = tl_jlex_type(s[i]);
			out->p = s + i;
			out->len = vl;
			return 0;
		}
		at++;
		i = tl_jlex_ws(s, n, i + vl);
		if (i < n && s[i] == ',')
			i = tl_jlex_ws(s, n, i + 1);
	}
	return -1;
}

int tl_jscan_path(const char *s, size_t n, const char *path, struct tl_jslice *out)
{
	struct tl_jslice cur = { TL_J_NONE, s, n };
	size_t i = tl_jlex_ws(s, n, 0);
	if (i >= n)
		goto missing;
	cur.p = s + i;
	cur.len = tl_jlex_skip(s + i, n - i);
	cur.type = tl_jlex_type(s[i]);
	if (!cur.len)
		goto missing;
	const char *p = path;
	while (*p) {
		/* "users.0.name" and "users[0].name" alike */
		bool bracket = *p == '[';
		if (bracket)
			p++;
		size_t seg = strcspn(p, bracket ? "]" : ".[");
		if (cur.type == TL_J_OBJECT) {
			const char *k[1] = { p };
			size_t kl[1] = { seg };
			struct tl_jslice r;
			if (tl_jscan_fields(cur.p, cur.len, k, kl, 1, false, &r) != 1)
				goto missing;
			cur = r;
		} else if (cur.type == TL_J_ARRAY) {
			size_t idx = 0;
			if (seg == 0 || seg > 9)
				goto missing;
			for (size_t j = 0; j < seg; j++) {
				if (p[j] < '0' || p[j] > '9')
					goto missing;
				idx = idx * 10 + (size_t)(p[j] - '0');
			}
			if (array_elem(cur.p, cur.len, idx, &cur) < 0)
				goto missing;
		} else {
			goto missing;
		}
		p += seg;
		if (bracket) {
			if (*p != ']')
				goto missing;
			p++;
		}
		if (*p == '.')
			p++;
	}
	*out = cur;
	return 0;
missing:
	out->type = TL_J_NONE;
	out->p = NULL;
	out->len = 0;
	return -1;
}

int tl_jscan_unescape(const struct tl_jslice *str, struct tl_buf *b)
{
	if (str->type != TL_J_STRING || str->len < 2)
		return -1;
	return tl_jlex_unescape(str->p + 1, str->len - 2, b);
}
