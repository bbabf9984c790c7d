/* tl_sqlre.c: regular expressions through PCRE2 (see tl_sqlre.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tl_sqlre.h"

#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_sqlval.h"

#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_MAX 64

struct entry {
	char *pat;
	size_t len;
	pcre2_code *re;
	pcre2_match_data *md;
	uint32_t groups;
	uint64_t used;
};

struct tl_sqlre {
	struct tl_sqlctx ctx[2];
	struct entry cache[CACHE_MAX];
	size_t n;
	uint64_t clock;
};

static void entry_free(struct entry *e)
{
	free(e->pat);
	pcre2_match_data_free(e->md);
	pcre2_code_free(e->re);
	memset(e, 0, sizeof *e);
}

/* The compiled pattern of argument i; NULL after setting the result (NULL or an error). */
static struct entry *pattern(sqlite3_context *ctx, sqlite3_value *v)
{
	struct tl_sqlre *r = ((struct tl_sqlctx *)sqlite3_user_data(ctx))->state;
	const char *p = (const char *)sqlite3_value_text(v);
	if (!p) {
		sqlite3_result_null(ctx);
		return NULL;
	}
	size_t len = (size_t)sqlite3_value_bytes(v);
	for (size_t i = 0; i < r->n; i++) {
		struct entry *e = &r->cache[i];
		if (e->len == len && !memcmp(e->pat, p, len)) {
			e->used = ++r->clock;
			return e;
		}
	}
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)p, len,
				       PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off,
				       NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof msg);
		tl_sqlval_fail(ctx, "invalid regular expression '%s': %s (at character %zu)", p,
			       (const char *)msg, (size_t)off);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* faster when the JIT is there; fine without */
	struct entry *e;
	if (r->n < CACHE_MAX) {
		e = &r->cache[r->n++];
	} else {
		e = &r->cache[0];
		for (size_t i = 1; i < r->n; i++)
			if (r->cache[i].used < e->used)
				e = &r->cache[i];
		entry_free(e);
	}
	e->pat = xmemdup(p, len + 1);
	e->len = len;
	e->re = re;
	e->md = pcre2_match_data_create_from_pattern(re, NULL);
	if (!e->md)
		tl_die(1, "out of memory (PCRE2 match data)");
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &e->groups);
	e->used = ++r->clock;
	return e;
}

/* One match at or after byte start: 1 (ovector set), 0 none, -1 (error set). */
static int find(sqlite3_context *ctx, struct entry *e, const char *s, size_t n, size_t start)
{
	if (start > n)
		return 0;
	int rc = pcre2_match(e->re, (PCRE2_SPTR)s, n, start, 0, e->md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(rc, msg, sizeof msg);
		tl_sqlval_fail(ctx, "regular expression: %s", (const char *)msg);
		return -1;
	}
	return 1;
}

static size_t char_len(const char *s, size_t n, size_t i)
{
	size_t k = 1;
	while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
		k++;
	return k;
}

/* Where the search goes on after a match [ms, me): an empty match moves one character on. */
static size_t next_start(const char *s, size_t n, size_t ms, size_t me)
{
	return me > ms ? me : ms < n ? ms + char_len(s, n, ms) : n + 1;
}

static bool group_arg(sqlite3_context *ctx, int argc, sqlite3_value **argv, int i,
		      const struct entry *e, int64_t *g)
{
	*g = 0;
	if (argc <= i)
		return true;
	if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return false;
	}
	*g = sqlite3_value_int64(argv[i]);
	if (*g < 0 || *g > (int64_t)e->groups) {
		tl_sqlval_fail(ctx, "Pattern has %u groups. Cannot access group %lld", e->groups,
			       (long long)*g);
		return false;
	}
	return true;
}

static void fn_like(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	struct entry *e = pattern(ctx, argv[1]);
	if (!e)
		return;
	int r = find(ctx, e, s, (size_t)sqlite3_value_bytes(argv[0]), 0);
	if (r >= 0)
		sqlite3_result_int(ctx, r);
}

static void fn_extract(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int64_t g;
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	struct entry *e = pattern(ctx, argv[1]);
	if (!e || !group_arg(ctx, argc, argv, 2, e, &g))
		return;
	int r = find(ctx, e, s, (size_t)sqlite3_value_bytes(argv[0]), 0);
	if (r <= 0) {
		if (r == 0)
			sqlite3_result_null(ctx);
		return;
	}
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
	if (ov[2 * g] == PCRE2_UNSET)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_text(ctx, s + ov[2 * g], (int)(ov[2 * g + 1] - ov[2 * g]), SQLITE_TRANSIENT);
}

static void result_json(sqlite3_context *ctx, struct tl_buf *b)
{
	sqlite3_result_text(ctx, tl_buf_str(b), (int)b->len, SQLITE_TRANSIENT);
	sqlite3_result_subtype(ctx, 'J');
	tl_buf_release(b);
}

static void fn_extract_all(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int64_t g;
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	size_t n = (size_t)sqlite3_value_bytes(argv[0]), start = 0;
	struct entry *e = pattern(ctx, argv[1]);
	if (!e || !group_arg(ctx, argc, argv, 2, e, &g))
		return;
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	int r, k = 0;
	while ((r = find(ctx, e, s, n, start)) == 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
		if (k++)
			tl_buf_addc(&b, ',');
		if (ov[2 * g] == PCRE2_UNSET)
			tl_buf_adds(&b, "null");
		else
			tl_buf_add_json_str(&b, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
		start = next_start(s, n, ov[0], ov[1]);
	}
	if (r < 0) {
		tl_buf_release(&b);
		return;
	}
	tl_buf_addc(&b, ']');
	result_json(ctx, &b);
}

/* Appends the replacement for the current match, Java's way: $n (the longest group number
 * that exists), ${name}, and \c for c itself. -1 (error set) on a bad reference. */
static int expand(sqlite3_context *ctx, struct entry *e, const char *s, const char *rep,
		  size_t rl, struct tl_buf *b)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
	for (size_t i = 0; i < rl; i++) {
		char c = rep[i];
		if (c == '\\') {
			if (i + 1 >= rl) {
				tl_sqlval_fail(ctx, "character to be escaped is missing");
				return -1;
			}
			tl_buf_addc(b, rep[++i]);
			continue;
		}
		if (c != '$') {
			tl_buf_addc(b, c);
			continue;
		}
		int64_t g = -1;
		if (i + 1 < rl && rep[i + 1] == '{') {
			const char *end = memchr(rep + i + 2, '}', rl - i - 2);
			if (!end) {
				tl_sqlval_fail(ctx, "named capturing group is missing trailing '}'");
				return -1;
			}
			char *name = xstrndup(rep + i + 2, (size_t)(end - rep - i - 2));
			int num = pcre2_substring_number_from_name(e->re, (PCRE2_SPTR)name);
			if (num < 0) {
				tl_sqlval_fail(ctx, "No group with name {%s}", name);
				free(name);
				return -1;
			}
			free(name);
			g = num;
			i = (size_t)(end - rep);
		} else if (i + 1 < rl && rep[i + 1] >= '0' && rep[i + 1] <= '9') {
			g = rep[++i] - '0';
			while (i + 1 < rl && rep[i + 1] >= '0' && rep[i + 1] <= '9' &&
			       g * 10 + (rep[i + 1] - '0') <= (int64_t)e->groups)
				g = g * 10 + (rep[++i] - '0');
			if (g > (int64_t)e->groups) {
				tl_sqlval_fail(ctx, "No group %lld", (long long)g);
				return -1;
			}
		} else {
			tl_sqlval_fail(ctx, "Illegal group reference");
			return -1;
		}
		if (ov[2 * g] != PCRE2_UNSET)
			tl_buf_add(b, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
	}
	return 0;
}

static void fn_replace(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	const char *rep = argc > 2 ? (const char *)sqlite3_value_text(argv[2]) : "";
	if (!s || !rep) {
		sqlite3_result_null(ctx);
		return;
	}
	size_t n = (size_t)sqlite3_value_bytes(argv[0]), rl = argc > 2 ? (size_t)sqlite3_value_bytes(argv[2]) : 0;
	size_t start = 0, copied = 0;
	struct entry *e = pattern(ctx, argv[1]);
	if (!e)
		return;
	struct tl_buf b = TL_BUF_INIT;
	int r;
	while ((r = find(ctx, e, s, n, start)) == 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
		tl_buf_add(&b, s + copied, ov[0] - copied);
		if (expand(ctx, e, s, rep, rl, &b) < 0) {
			tl_buf_release(&b);
			return;
		}
		copied = ov[1];
		start = next_start(s, n, ov[0], ov[1]);
	}
	if (r < 0) {
		tl_buf_release(&b);
		return;
	}
	tl_buf_add(&b, s + copied, n - copied);
	sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
}

static void fn_count(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	size_t n = (size_t)sqlite3_value_bytes(argv[0]), start = 0;
	struct entry *e = pattern(ctx, argv[1]);
	if (!e)
		return;
	int64_t count = 0;
	int r;
	while ((r = find(ctx, e, s, n, start)) == 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
		count++;
		start = next_start(s, n, ov[0], ov[1]);
	}
	if (r == 0)
		sqlite3_result_int64(ctx, count);
}

static void fn_position(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	if (!s || (argc > 2 && sqlite3_value_type(argv[2]) == SQLITE_NULL) ||
	    (argc > 3 && sqlite3_value_type(argv[3]) == SQLITE_NULL)) {
		sqlite3_result_null(ctx);
		return;
	}
	size_t n = (size_t)sqlite3_value_bytes(argv[0]);
	int64_t from = argc > 2 ? sqlite3_value_int64(argv[2]) : 1;
	int64_t occ = argc > 3 ? sqlite3_value_int64(argv[3]) : 1;
	if (from < 1 || occ < 1) {
		tl_sqlval_fail(ctx, from < 1 ? "start must be positive" : "occurrence must be positive");
		return;
	}
	struct entry *e = pattern(ctx, argv[1]);
	if (!e)
		return;
	size_t start = 0;
	for (int64_t c = 1; c < from && start < n; c++)
		start += char_len(s, n, start);
	if (from > 1 && start >= n) {
		sqlite3_result_int64(ctx, -1);
		return;
	}
	int r;
	while ((r = find(ctx, e, s, n, start)) == 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
		if (--occ == 0) {
			int64_t chars = 1;
			for (size_t i = 0; i < ov[0]; i++)
				chars += ((unsigned char)s[i] & 0xC0) != 0x80;
			sqlite3_result_int64(ctx, chars);
			return;
		}
		start = next_start(s, n, ov[0], ov[1]);
	}
	if (r == 0)
		sqlite3_result_int64(ctx, -1);
}

static void fn_split(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	size_t n = (size_t)sqlite3_value_bytes(argv[0]), start = 0, piece = 0;
	struct entry *e = pattern(ctx, argv[1]);
	if (!e)
		return;
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	int r;
	while ((r = find(ctx, e, s, n, start)) == 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
		tl_buf_add_json_str(&b, s + piece, ov[0] - piece);
		tl_buf_addc(&b, ',');
		piece = ov[1];
		start = next_start(s, n, ov[0], ov[1]);
	}
	if (r < 0) {
		tl_buf_release(&b);
		return;
	}
	tl_buf_add_json_str(&b, s + piece, n - piece);
	tl_buf_addc(&b, ']');
	result_json(ctx, &b);
}

struct tl_sqlre *tl_sqlre_register(sqlite3 *db)
{
	static const struct {
		const char *name;
		int nargs;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		{ "tl_regexp_like", 2, fn_like },
		{ "tl_regexp_extract", 2, fn_extract },
		{ "tl_regexp_extract", 3, fn_extract },
		{ "tl_regexp_extract_all", 2, fn_extract_all },
		{ "tl_regexp_extract_all", 3, fn_extract_all },
		{ "tl_regexp_replace", 2, fn_replace },
		{ "tl_regexp_replace", 3, fn_replace },
		{ "tl_regexp_count", 2, fn_count },
		{ "tl_regexp_position", 2, fn_position },
		{ "tl_regexp_position", 3, fn_position },
		{ "tl_regexp_position", 4, fn_position },
		{ "tl_regexp_split", 2, fn_split },
	};
	struct tl_sqlre *r = xcalloc(1, sizeof *r);
	r->ctx[0] = (struct tl_sqlctx){ r, false };
	r->ctx[1] = (struct tl_sqlctx){ r, true };
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
		if (tl_sqlval_register(db, fns[i].name, fns[i].nargs, true, r->ctx, fns[i].fn, NULL,
				       NULL, NULL, NULL) < 0) {
			tl_sqlre_free(r);
			return NULL;
		}
	}
	return r;
}

void tl_sqlre_free(struct tl_sqlre *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		entry_free(&r->cache[i]);
	free(r);
}
