#include "tl_jdoc.h"
#include "tl_alloc.h"
#include "tl_num.h"

#include <string.h>

static __attribute__((noinline)) void tape_grow(struct tl_jdoc *d)
{
	d->cap = d->cap ? d->cap * 2 : 256;
	d->t = xrealloc(d->t, d->cap * sizeof *d->t);
}

/* (Inline: a tweet line is some hundreds of tokens; the call was a tenth of the parse.) */
static inline __attribute__((always_inline)) size_t push_tok(struct tl_jdoc *d, int type, size_t start)
{
	if (__builtin_expect(d->n == d->cap, 0))
		tape_grow(d);
	struct tl_jtok *t = &d->t[d->n];
	t->type = (uint8_t)type;
	t->start = (uint32_t)start;
	t->end = (uint32_t)start;
	t->next = (uint32_t)(d->n + 1);
	return d->n++;
}

/* White space between tokens: the tape notes that there was some (spans need minifying). */
static inline __attribute__((always_inline)) size_t gap(struct tl_jdoc *d, bool tape,
							const char *s, size_t n, size_t i)
{
	size_t j = tl_jlex_ws(s, n, i);
	if (tape && j != i)
		d->has_ws = true;
	return j;
}

/* A container closed by the byte at i: its span and where its next sibling starts. */
static inline __attribute__((always_inline)) void close_tok(struct tl_jdoc *d, bool tape,
							    size_t k, size_t i)
{
	if (tape) {
		d->t[k].end = (uint32_t)(i + 1);
		d->t[k].next = (uint32_t)d->n;
	}
}

/* The grammar of one JSON text over the lexical core, with a tape (tl_jdoc_parse) or without
 * (tl_jdoc_check: nothing allocated). Iterative over an explicit stack: deep nesting cannot
 * overflow. The stack holds a container's token index (tape) or 1 for an object, 0 for an
 * array. */
static inline __attribute__((always_inline)) int walk(struct tl_jdoc *d, bool tape,
						       const char *s, size_t n, int max_depth,
						       const char **why, size_t *errpos)
{
	uint32_t stack[TL_JDOC_CHECK_MAX_DEPTH];
	int depth = 0;
	size_t i = 0, k;
	const char *w = NULL;
	if (tape) {
		d->s = s;
		d->len = n;
		d->n = 0;
		d->has_ws = false;
		if (n >= UINT32_MAX) {
			w = "text too long";
			goto fail;
		}
	}
	i = tl_jlex_ws(s, n, 0);
	if (i >= n) {
		w = "empty line";
		goto fail;
	}

value:
	if (i >= n) {
		w = "unexpected end of input";
		goto fail;
	}
	switch (s[i]) {
	case '{':
	case '[': {
		if (depth == max_depth) {
			w = "nested too deep";
			goto fail;
		}
		bool obj = s[i] == '{';
		k = tape ? push_tok(d, obj ? TL_J_OBJECT : TL_J_ARRAY, i) : 0;
		stack[depth++] = tape ? (uint32_t)k : obj;
		i = gap(d, tape, s, n, i + 1);
		if (i < n && s[i] == (obj ? '}' : ']')) {
			close_tok(d, tape, k, i);
			depth--;
			i++;
			goto after;
		}
		if (obj)
			goto key;
		goto value;
	}
	case '"':
		k = tape ? push_tok(d, TL_J_STRING, i) : 0;
		if (tl_jlex_string(s, n, &i, NULL, &w) < 0)
			goto fail;
		if (tape)
			d->t[k].end = (uint32_t)i;
		goto after;
	case 't':
	case 'f':
	case 'n': {
		enum tl_jtype lt;
		size_t start = i;
		if (tl_jlex_literal(s, n, &i, &lt, &w) < 0)
			goto fail;
		if (tape) {
			k = push_tok(d, lt, start); /* (it may move d->t) */
			d->t[k].end = (uint32_t)i;
		}
		goto after;
	}
	default:
		if (s[i] == '-' || tl_jlex_digit(s[i])) {
			size_t start = i;
			if (tl_jlex_number(s, n, &i, NULL, &w) < 0)
				goto fail;
			if (tape) {
				k = push_tok(d, TL_J_NUMBER, start);
				d->t[k].end = (uint32_t)i;
			}
			goto after;
		}
		w = s[i] == 0 ? "NUL byte" : "unexpected character";
		goto fail;
	}

key:
	if (i >= n || s[i] != '"') {
		w = "expected object key";
		goto fail;
	}
	k = tape ? push_tok(d, TL_J_STRING, i) : 0;
	if (tl_jlex_string(s, n, &i, NULL, &w) < 0)
		goto fail;
	if (tape)
		d->t[k].end = (uint32_t)i;
	i = gap(d, tape, s, n, i);
	if (i >= n || s[i] != ':') {
		w = "expected ':'";
		goto fail;
	}
	i = gap(d, tape, s, n, i + 1);
	goto value;

after:
	if (depth == 0) {
		i = tl_jlex_ws(s, n, i);
		if (i != n) {
			w = "trailing data after JSON value";
			goto fail;
		}
		return 0;
	}
	i = gap(d, tape, s, n, i);
	if (i >= n) {
		w = "unexpected end of input";
		goto fail;
	} else {
		uint32_t top = stack[depth - 1];
		bool obj = tape ? d->t[top].type == TL_J_OBJECT : top == 1;
		if (s[i] == ',') {
			i = gap(d, tape, s, n, i + 1);
			if (obj)
				goto key;
			goto value;
		}
		if (s[i] == (obj ? '}' : ']')) {
			close_tok(d, tape, top, i);
			depth--;
			i++;
			goto after;
		}
		w = obj ? "expected ',' or '}'" : "expected ',' or ']'";
		goto fail;
	}

fail:
	if (why)
		*why = w;
	if (errpos)
		*errpos = i;
	if (tape)
		d->n = 0;
	return -1;
}

int tl_jdoc_parse(struct tl_jdoc *d, const char *s, size_t n, const char **why, size_t *errpos)
{
	return walk(d, true, s, n, TL_JDOC_MAX_DEPTH, why, errpos);
}

int tl_jdoc_parse_depth(struct tl_jdoc *d, const char *s, size_t n, int max_depth, const char **why,
			size_t *errpos)
{
	if (max_depth > TL_JDOC_CHECK_MAX_DEPTH)
		max_depth = TL_JDOC_CHECK_MAX_DEPTH;
	return walk(d, true, s, n, max_depth, why, errpos);
}

int tl_jdoc_check(const char *s, size_t n, const char **why, size_t *errpos)
{
	return walk(NULL, false, s, n, TL_JDOC_CHECK_MAX_DEPTH, why, errpos);
}

/* Does key token k equal want? A key written with escapes is decoded first (rare: the plain
 * comparison is the fast path). */
static bool key_eq(const struct tl_jdoc *d, size_t k, const char *want, size_t wl)
{
	const char *p = d->s + d->t[k].start + 1;
	size_t kl = d->t[k].end - d->t[k].start - 2;
	if (kl == wl && memcmp(p, want, wl) == 0)
		return true;
	if (kl <= wl || !memchr(p, '\\', kl))
		return false;
	struct tl_buf t;
	tl_buf_init(&t, kl + 1);
	bool eq = tl_jlex_unescape(p, kl, &t) == 0 && t.len == wl && memcmp(t.data, want, wl) == 0;
	tl_buf_release(&t);
	return eq;
}

int tl_jdoc_fields(const struct tl_jdoc *d, size_t obj, const char *const *keys, const size_t *keylens,
		   size_t nkeys, long *out)
{
	for (size_t i = 0; i < nkeys; i++)
		out[i] = -1;
	if (obj >= d->n || d->t[obj].type != TL_J_OBJECT)
		return -1;
	size_t end = d->t[obj].next;
	int found = 0;
	for (size_t k = obj + 1; k < end && (size_t)found < nkeys; k = d->t[k + 1].next) {
		for (size_t i = 0; i < nkeys; i++) {
			if (out[i] < 0 && key_eq(d, k, keys[i], keylens[i])) {
				out[i] = (long)(k + 1);
				found++;
				break;
			}
		}
	}
	return found;
}

void tl_jdoc_free(struct tl_jdoc *d)
{
	free(d->t);
	d->t = NULL;
	d->n = d->cap = 0;
}

static char *copy_gap(char *w, const char *p, const char *e)
{
	for (; p < e; p++)
		if (!tl_jlex_is_ws((unsigned char)*p))
			*w++ = *p;
	return w;
}

int tl_jdoc_add_compact(const struct tl_jdoc *d, size_t tok, struct tl_buf *out)
{
	const struct tl_jtok *t = &d->t[tok];
	size_t span = t->end - t->start;
	/* the compact text is never longer than the span: reserve once, write directly */
	if (tl_buf_grow(out, span) < 0)
		return -1;
	char *w = out->data + out->len;
	const char *s = d->s;
	if (!d->has_ws || t->type < TL_J_OBJECT) {
		memcpy(w, s + t->start, span);
		w += span;
	} else {
		/* between tokens there is only punctuation and white space: copy tokens, squeeze gaps */
		size_t pos = t->start;
		for (size_t k = tok; k < t->next; k++) {
			const struct tl_jtok *c = &d->t[k];
			w = copy_gap(w, s + pos, s + c->start);
			if (c->type >= TL_J_OBJECT) {
				*w++ = s[c->start];
				pos = c->start + 1;
			} else {
				size_t n = c->end - c->start;
				if (n <= 16) {
					for (size_t i = 0; i < n; i++)
						w[i] = s[c->start + i];
				} else {
					memcpy(w, s + c->start, n);
				}
				w += n;
				pos = c->end;
			}
		}
		w = copy_gap(w, s + pos, s + t->end);
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
}

int tl_jdoc_str(const struct tl_jdoc *d, long tok, struct tl_buf *b)
{
	if (tok < 0 || (size_t)tok >= d->n || d->t[tok].type != TL_J_STRING)
		return -1;
	const struct tl_jtok *t = &d->t[tok];
	return tl_jlex_unescape(d->s + t->start + 1, t->end - t->start - 2, b);
}

char *tl_jdoc_strdup(const struct tl_jdoc *d, long tok)
{
	struct tl_buf b = TL_BUF_INIT;
	/* the tape's strings are checked: decoding cannot fail but on memory */
	if (tl_jdoc_str(d, tok, &b) < 0) {
		tl_buf_release(&b);
		return NULL;
	}
	return tl_buf_detach(&b, NULL);
}

bool tl_jdoc_num(const struct tl_jdoc *d, long tok, double *v)
{
	if (tok < 0 || (size_t)tok >= d->n || d->t[tok].type != TL_J_NUMBER)
		return false;
	char s[64];
	size_t n = d->t[tok].end - d->t[tok].start;
	if (n >= sizeof s)
		return false;
	memcpy(s, d->s + d->t[tok].start, n);
	s[n] = 0;
	return tl_parse_double(s, v) == 0;
}
