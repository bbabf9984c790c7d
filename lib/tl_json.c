#include "tl_json.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_str.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cJSON *step(const cJSON *cur, const char *name, size_t n)
{
	if (!cur || n == 0)
		return NULL;
	if (cJSON_IsArray(cur)) {
		size_t idx = 0;
		for (size_t i = 0; i < n; i++) {
			if (!isdigit((unsigned char)name[i]) || idx > 100000000)
				return NULL;
			idx = idx * 10 + (size_t)(name[i] - '0');
		}
		return cJSON_GetArrayItem(cur, (int)idx);
	}
	if (!cJSON_IsObject(cur))
		return NULL;
	for (const cJSON *c = cur->child; c; c = c->next)
		if (c->string && strlen(c->string) == n && memcmp(c->string, name, n) == 0)
			return c;
	return NULL;
}

const cJSON *tl_json_get(const cJSON *root, const char *path)
{
	const cJSON *cur = root;
	const char *p = path;
	if (!path || !*path)
		return root;
	while (cur && *p) {
		size_t n = strcspn(p, ".[");
		if (n > 0)
			cur = step(cur, p, n);
		p += n;
		if (*p == '[') {
			const char *close = strchr(p, ']');
			if (!close)
				return NULL;
			cur = step(cur, p + 1, (size_t)(close - p - 1));
			p = close + 1;
		}
		if (*p == '.')
			p++;
	}
	return cur;
}

const char *tl_json_get_str(const cJSON *root, const char *path)
{
	const cJSON *v = tl_json_get(root, path);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int tl_json_get_num(const cJSON *root, const char *path, double *out)
{
	const cJSON *v = tl_json_get(root, path);
	if (!cJSON_IsNumber(v))
		return -1;
	*out = v->valuedouble;
	return 0;
}

int tl_json_get_i64(const cJSON *root, const char *path, int64_t *out)
{
	const cJSON *v = tl_json_get(root, path);
	if (cJSON_IsNumber(v)) {
		if (!isfinite(v->valuedouble) || fabs(v->valuedouble) > 9.2e18)
			return -1;
		*out = (int64_t)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v) && v->valuestring[0]) {
		char *end;
		long long x = strtoll(v->valuestring, &end, 10);
		if (*end)
			return -1;
		*out = x;
		return 0;
	}
	return -1;
}

bool tl_json_get_bool(const cJSON *root, const char *path)
{
	return cJSON_IsTrue(tl_json_get(root, path));
}

cJSON *tl_json_parse(const char *s, size_t n, size_t *errpos)
{
	const char *end = NULL;
	cJSON *v = cJSON_ParseWithLengthOpts(s, n, &end, 0);
	if (!v) {
		if (errpos)
			*errpos = end && end >= s ? (size_t)(end - s) : 0;
		return NULL;
	}
	/* cJSON stops after the first value; anything but white space after it is an error. */
	size_t off = (size_t)(end - s);
	while (off < n && (s[off] == ' ' || s[off] == '\t' || s[off] == '\r' || s[off] == '\n'))
		off++;
	if (off < n) {
		cJSON_Delete(v);
		if (errpos)
			*errpos = off;
		return NULL;
	}
	return v;
}

static void wipe_tree(cJSON *v)
{
	for (; v; v = v->next) {
		if (v->valuestring)
			explicit_bzero(v->valuestring, strlen(v->valuestring));
		if (v->string)
			explicit_bzero(v->string, strlen(v->string));
		wipe_tree(v->child);
	}
}

void tl_json_delete_secret(cJSON *v)
{
	wipe_tree(v);
	cJSON_Delete(v);
}

char *tl_json_print(const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		tl_die(1, "out of memory printing JSON");
	return s;
}

char *tl_json_scalar_text(const cJSON *v, bool allow_compound)
{
	if (!v)
		return NULL;
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 9.007199254740992e15)
			return xasprintf("%lld", (long long)d);
		return xasprintf("%.17g", d);
	}
	if (cJSON_IsTrue(v))
		return xstrdup("true");
	if (cJSON_IsFalse(v))
		return xstrdup("false");
	if (cJSON_IsNull(v))
		return xstrdup("null");
	return allow_compound ? tl_json_print(v) : NULL;
}

cJSON *tl_json_obj(void)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		tl_die(1, "out of memory building JSON");
	return o;
}

void tl_json_add(cJSON *obj, const char *key, cJSON *item)
{
	if (!item || !cJSON_AddItemToObject(obj, key, item))
		tl_die(1, "out of memory building JSON");
}

void tl_json_add_str(cJSON *obj, const char *key, const char *s)
{
	tl_json_add(obj, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

void tl_json_add_num(cJSON *obj, const char *key, double v)
{
	tl_json_add(obj, key, cJSON_CreateNumber(v));
}

void tl_json_add_bool(cJSON *obj, const char *key, bool v)
{
	tl_json_add(obj, key, cJSON_CreateBool(v));
}

/* ---- validation without allocation ---- */

bool tl_utf8_valid(const char *str, size_t n, size_t *errpos)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		/* ASCII fast path, 8 bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		size_t l = tl_utf8_seq(s + i, n - i);
		if (!l) {
			if (errpos)
				*errpos = i;
			return false;
		}
		i += l;
	}
	return true;
}

struct vstate {
	const unsigned char *s;
	size_t n, i;
	const char *why;
};

#define MAX_DEPTH 512

static inline __attribute__((always_inline)) void ws(struct vstate *v)
{
	while (v->i < v->n) {
		unsigned char c = v->s[v->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		v->i++;
	}
}

static inline __attribute__((always_inline)) int fail(struct vstate *v, const char *why)
{
	if (!v->why)
		v->why = why;
	return -1;
}

static inline __attribute__((always_inline)) int v_string(struct vstate *v)
{
	v->i++; /* opening quote */
	for (;;) {
		/* Fast scan over plain ASCII, 8 bytes at a time: a SWAR test marks the bytes that are
		 * '"', '\\', control characters or non-ASCII; the lowest mark is always exact (false
		 * marks only appear above a true one), so it says where the plain run ends. */
		{
			const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
			size_t i = v->i;
			for (;;) {
				if (i + 8 > v->n)
					break;
				uint64_t w, q, b, m;
				memcpy(&w, v->s + i, 8);
				q = w ^ (ones * '"');
				b = w ^ (ones * '\\');
				m = (w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) &
				    highs;
				if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
					i += (size_t)__builtin_ctzll(m) / 8;
#endif
					break;
				}
				i += 8;
			}
			/* Byte by byte to the mark (a no-op on little-endian machines). */
			while (i < v->n) {
				unsigned char c = v->s[i];
				if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
					break;
				i++;
			}
			v->i = i;
		}
		if (v->i >= v->n)
			return fail(v, "unterminated string");
		unsigned char c = v->s[v->i];
		if (c == '"') {
			v->i++;
			return 0;
		}
		if (c < 0x20)
			return fail(v, c == 0 ? "NUL byte in string" : "control character in string");
		if (c >= 0x80) {
			size_t l = tl_utf8_seq(v->s + v->i, v->n - v->i);
			if (!l)
				return fail(v, "invalid UTF-8");
			v->i += l;
			continue;
		}
		/* backslash */
		if (v->i + 1 >= v->n)
			return fail(v, "unterminated string");
		unsigned char e = v->s[v->i + 1];
		if (e == 'u') {
			if (v->i + 6 > v->n)
				return fail(v, "bad \\u escape");
			for (int k = 2; k < 6; k++) /* measured faster here than tl_hex4() */
				if (tl_hexval(v->s[v->i + k]) < 0)
					return fail(v, "bad \\u escape");
			v->i += 6;
		} else if (strchr("\"\\/bfnrt", e) && e) {
			v->i += 2;
		} else {
			return fail(v, "bad escape in string");
		}
	}
}

static inline __attribute__((always_inline)) int v_number(struct vstate *v)
{
	size_t i = v->i;
	if (i < v->n && v->s[i] == '-')
		i++;
	if (i >= v->n)
		return fail(v, "bad number");
	if (v->s[i] == '0') {
		i++;
	} else if (v->s[i] >= '1' && v->s[i] <= '9') {
		while (i < v->n && v->s[i] >= '0' && v->s[i] <= '9')
			i++;
	} else {
		return fail(v, "bad number");
	}
	if (i < v->n && v->s[i] == '.') {
		i++;
		if (i >= v->n || v->s[i] < '0' || v->s[i] > '9')
			return fail(v, "bad number");
		while (i < v->n && v->s[i] >= '0' && v->s[i] <= '9')
			i++;
	}
	if (i < v->n && (v->s[i] == 'e' || v->s[i] == 'E')) {
		i++;
		if (i < v->n && (v->s[i] == '+' || v->s[i] == '-'))
			i++;
		if (i >= v->n || v->s[i] < '0' || v->s[i] > '9')
			return fail(v, "bad number");
		while (i < v->n && v->s[i] >= '0' && v->s[i] <= '9')
			i++;
	}
	v->i = i;
	return 0;
}

static inline __attribute__((always_inline)) int v_lit(struct vstate *v, const char *lit)
{
	size_t l = strlen(lit);
	if (v->n - v->i < l || memcmp(v->s + v->i, lit, l) != 0)
		return fail(v, "unexpected character");
	v->i += l;
	return 0;
}

/* At an object key, white space skipped: the key, white space and the ':'. */
static inline __attribute__((always_inline)) int v_key(struct vstate *v)
{
	if (v->i >= v->n || v->s[v->i] != '"')
		return fail(v, "expected object key");
	if (v_string(v) < 0)
		return -1;
	ws(v);
	if (v->i >= v->n || v->s[v->i] != ':')
		return fail(v, "expected ':'");
	v->i++;
	return 0;
}

/* After the top-level value: nothing but white space may follow. */
static inline __attribute__((always_inline)) int v_end(struct vstate *v)
{
	ws(v);
	if (v->i != v->n)
		return fail(v, "trailing data after JSON value");
	return 0;
}

/* Iterative over an explicit stack of container kinds so deep nesting cannot overflow. */
int tl_json_validate(const char *str, size_t n, const char **why, size_t *errpos)
{
	struct vstate v = { (const unsigned char *)str, n, 0, NULL };
	char stack[MAX_DEPTH];
	int depth = 0;
	enum { VALUE, AFTER_VALUE } want = VALUE;

	ws(&v);
	if (v.i >= v.n) {
		fail(&v, "empty line");
		goto bad;
	}
	for (;;) {
		ws(&v);
		if (v.i >= v.n) {
			fail(&v, "unexpected end of input");
			goto bad;
		}
		unsigned char c = v.s[v.i];
		if (want == VALUE) {
			switch (c) {
			case '{':
			case '[':
				if (depth >= MAX_DEPTH) {
					fail(&v, "nested too deep");
					goto bad;
				}
				stack[depth++] = (char)c;
				v.i++;
				ws(&v);
				if (v.i < v.n && v.s[v.i] == (c == '{' ? '}' : ']')) {
					v.i++;
					depth--;
					want = AFTER_VALUE;
					break;
				}
				if (c == '{' && v_key(&v) < 0)
					goto bad;
				continue;
			case '"':
				if (v_string(&v) < 0)
					goto bad;
				break;
			case 't':
				if (v_lit(&v, "true") < 0)
					goto bad;
				break;
			case 'f':
				if (v_lit(&v, "false") < 0)
					goto bad;
				break;
			case 'n':
				if (v_lit(&v, "null") < 0)
					goto bad;
				break;
			default:
				if (c == '-' || (c >= '0' && c <= '9')) {
					if (v_number(&v) < 0)
						goto bad;
					break;
				}
				fail(&v, c == 0 ? "NUL byte" : "unexpected character");
				goto bad;
			}
			want = AFTER_VALUE;
			if (depth == 0) {
				if (v_end(&v) < 0)
					goto bad;
				return 0;
			}
			continue;
		}
		/* AFTER_VALUE inside a container */
		char top = stack[depth - 1];
		if (c == ',') {
			v.i++;
			want = VALUE;
			if (top == '{') {
				ws(&v);
				if (v_key(&v) < 0)
					goto bad;
			}
			continue;
		}
		if ((top == '{' && c == '}') || (top == '[' && c == ']')) {
			v.i++;
			depth--;
			if (depth == 0) {
				if (v_end(&v) < 0)
					goto bad;
				return 0;
			}
			continue;
		}
		fail(&v, top == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
		goto bad;
	}
bad:
	if (why)
		*why = v.why;
	if (errpos)
		*errpos = v.i;
	return -1;
}
