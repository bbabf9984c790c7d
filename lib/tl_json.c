#include "tl_json.h"
#include "tl_jdoc.h"
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

int tl_json_validate(const char *s, size_t n, const char **why, size_t *errpos)
{
	return tl_jdoc_check(s, n, why, errpos);
}
