#include "tl_tweet.h"
#include "tl_alloc.h"
#include "tl_str.h"
#include "tl_time.h"

#include <errno.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- tokenizer ---- */

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t push_tok(struct tl_jdoc *d, int type, size_t start)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		d->t = xrealloc(d->t, d->cap * sizeof *d->t);
	}
	struct tl_jtok *t = &d->t[d->n];
	t->type = (uint8_t)type;
	t->start = (uint32_t)start;
	t->end = (uint32_t)start;
	t->next = (uint32_t)(d->n + 1);
	return d->n++;
}

/* i is at the opening quote; returns the index after the closing quote, or 0 with *why. */
static size_t scan_string(const char *s, size_t n, size_t i, const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	i++;
	for (;;) {
#ifdef __SSE2__
		const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(0x20);
		while (i + 16 <= n) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			/* signed compare: bytes >= 0x80 also count as "below space" (slow path) */
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
						 _mm_cmplt_epi8(x, sp));
			int mask = _mm_movemask_epi8(m);
			if (mask) {
				i += (size_t)__builtin_ctz((unsigned)mask);
				break;
			}
			i += 16;
		}
#endif
		if (i >= n) {
			*why = "unterminated string";
			return 0;
		}
		unsigned c = u[i];
		if (c == '"')
			return i + 1;
		if (c == '\\') {
			if (i + 1 >= n) {
				*why = "unterminated string";
				return 0;
			}
			unsigned e = u[i + 1];
			if (e == 'u') {
				if (i + 6 > n || tl_hex4(s + i + 2) < 0) {
					*why = "bad \\u escape";
					return 0;
				}
				i += 6;
			} else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
				   e == 'r' || e == 't') {
				i += 2;
			} else {
				*why = "bad escape";
				return 0;
			}
			continue;
		}
		if (c < 0x20) {
			*why = "control character in string";
			return 0;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k = tl_utf8_seq(u + i, n - i);
		if (!k) {
			*why = "invalid UTF-8";
			return 0;
		}
		i += k;
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t scan_number(const char *s, size_t n, size_t i, const char **why)
{
	if (s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && s[i] >= '1' && s[i] <= '9') {
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		*why = "bad number";
		return 0;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i])) {
			*why = "bad number";
			return 0;
		}
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i])) {
			*why = "bad number";
			return 0;
		}
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i;
}

int tl_jdoc_parse(struct tl_jdoc *d, const char *s, size_t n, const char **why, size_t *errpos)
{
	uint32_t stack[TL_JDOC_MAX_DEPTH];
	int depth = 0;
	size_t i = 0, e;
	const char *w = NULL;
	d->s = s;
	d->len = n;
	d->n = 0;
	d->has_ws = false;
	if (n >= UINT32_MAX) {
		w = "text too long";
		goto fail;
	}
	while (i < n && is_ws((unsigned char)s[i]))
		i++;

value:
	if (i >= n) {
		w = "unexpected end";
		goto fail;
	}
	switch (s[i]) {
	case '{':
	case '[': {
		if (depth == TL_JDOC_MAX_DEPTH) {
			w = "nested too deeply";
			goto fail;
		}
		bool obj = s[i] == '{';
		size_t k = push_tok(d, obj ? TL_JT_OBJ : TL_JT_ARR, i);
		stack[depth++] = (uint32_t)k;
		i++;
		while (i < n && is_ws((unsigned char)s[i])) {
			i++;
			d->has_ws = true;
		}
		if (i < n && s[i] == (obj ? '}' : ']')) {
			d->t[k].end = (uint32_t)(i + 1);
			d->t[k].next = (uint32_t)d->n;
			depth--;
			i++;
			goto after;
		}
		if (obj)
			goto key;
		goto value;
	}
	case '"': {
		size_t k = push_tok(d, TL_JT_STR, i);
		if (!(e = scan_string(s, n, i, &w)))
			goto fail;
		d->t[k].end = (uint32_t)e;
		i = e;
		goto after;
	}
	case 't':
	case 'f':
	case 'n': {
		const char *lit = s[i] == 't' ? "true" : s[i] == 'f' ? "false" : "null";
		size_t ln = strlen(lit);
		if (n - i < ln || memcmp(s + i, lit, ln) != 0) {
			w = "bad literal";
			goto fail;
		}
		size_t k = push_tok(d, s[i] == 't' ? TL_JT_TRUE : s[i] == 'f' ? TL_JT_FALSE : TL_JT_NULL, i);
		i += ln;
		d->t[k].end = (uint32_t)i;
		goto after;
	}
	default:
		if (s[i] == '-' || is_digit(s[i])) {
			size_t k = push_tok(d, TL_JT_NUM, i);
			if (!(e = scan_number(s, n, i, &w)))
				goto fail;
			d->t[k].end = (uint32_t)e;
			i = e;
			goto after;
		}
		w = "unexpected character";
		goto fail;
	}

key:
	if (i >= n || s[i] != '"') {
		w = "expected a key";
		goto fail;
	} else {
		size_t k = push_tok(d, TL_JT_STR, i);
		if (!(e = scan_string(s, n, i, &w)))
			goto fail;
		d->t[k].end = (uint32_t)e;
		i = e;
	}
	while (i < n && is_ws((unsigned char)s[i])) {
		i++;
		d->has_ws = true;
	}
	if (i >= n || s[i] != ':') {
		w = "expected ':'";
		goto fail;
	}
	i++;
	while (i < n && is_ws((unsigned char)s[i])) {
		i++;
		d->has_ws = true;
	}
	goto value;

after:
	if (depth == 0) {
		while (i < n && is_ws((unsigned char)s[i]))
			i++;
		if (i != n) {
			w = "text after the value";
			goto fail;
		}
		return 0;
	}
	while (i < n && is_ws((unsigned char)s[i])) {
		i++;
		d->has_ws = true;
	}
	if (i >= n) {
		w = "unexpected end";
		goto fail;
	} else {
		struct tl_jtok *top = &d->t[stack[depth - 1]];
		bool obj = top->type == TL_JT_OBJ;
		if (s[i] == ',') {
			i++;
			while (i < n && is_ws((unsigned char)s[i])) {
				i++;
				d->has_ws = true;
			}
			if (obj)
				goto key;
			goto value;
		}
		if (s[i] == (obj ? '}' : ']')) {
			top->end = (uint32_t)(i + 1);
			top->next = (uint32_t)d->n;
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
	d->n = 0;
	return -1;
}

void tl_jdoc_free(struct tl_jdoc *d)
{
	free(d->t);
	d->t = NULL;
	d->n = d->cap = 0;
}

static bool key_is(const struct tl_jdoc *d, size_t k, const char *key, size_t kn)
{
	const struct tl_jtok *t = &d->t[k];
	return t->end - t->start - 2 == kn && memcmp(d->s + t->start + 1, key, kn) == 0;
}

long tl_jdoc_get(const struct tl_jdoc *d, size_t obj, const char *key)
{
	if (obj >= d->n || d->t[obj].type != TL_JT_OBJ)
		return -1;
	size_t kn = strlen(key), end = d->t[obj].next;
	for (size_t k = obj + 1; k < end; k = d->t[k + 1].next)
		if (key_is(d, k, key, kn))
			return (long)(k + 1);
	return -1;
}

long tl_jdoc_at(const struct tl_jdoc *d, size_t arr, size_t i)
{
	if (arr >= d->n || d->t[arr].type != TL_JT_ARR)
		return -1;
	size_t end = d->t[arr].next;
	for (size_t k = arr + 1; k < end; k = d->t[k].next)
		if (i-- == 0)
			return (long)k;
	return -1;
}

bool tl_jdoc_idtext(const struct tl_jdoc *d, long tok, const char **p, size_t *n)
{
	if (tok < 0 || (size_t)tok >= d->n)
		return false;
	const struct tl_jtok *t = &d->t[tok];
	if (t->type == TL_JT_STR) {
		*p = d->s + t->start + 1;
		*n = t->end - t->start - 2;
		return true;
	}
	if (t->type == TL_JT_NUM) {
		*p = d->s + t->start;
		*n = t->end - t->start;
		return true;
	}
	return false;
}

static char *copy_gap(char *w, const char *p, const char *e)
{
	for (; p < e; p++)
		if (!is_ws((unsigned char)*p))
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
	if (!d->has_ws || t->type > TL_JT_ARR) {
		memcpy(w, s + t->start, span);
		w += span;
	} else {
		/* between tokens there is only punctuation and white space: copy tokens, squeeze gaps */
		size_t pos = t->start;
		for (size_t k = tok; k < t->next; k++) {
			const struct tl_jtok *c = &d->t[k];
			w = copy_gap(w, s + pos, s + c->start);
			if (c->type <= TL_JT_ARR) {
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
	if (tok < 0 || (size_t)tok >= d->n || d->t[tok].type != TL_JT_STR)
		return -1;
	const char *p = d->s + d->t[tok].start + 1, *e = d->s + d->t[tok].end - 1;
	if (tl_buf_add(b, "", 0) < 0)
		return -1;
	while (p < e) {
		const char *q = memchr(p, '\\', (size_t)(e - p));
		if (!q)
			return tl_buf_add(b, p, (size_t)(e - p));
		if (tl_buf_add(b, p, (size_t)(q - p)) < 0)
			return -1;
		char c = q[1];
		p = q + 2;
		int rc;
		switch (c) {
		case 'b': rc = tl_buf_addc(b, '\b'); break;
		case 'f': rc = tl_buf_addc(b, '\f'); break;
		case 'n': rc = tl_buf_addc(b, '\n'); break;
		case 'r': rc = tl_buf_addc(b, '\r'); break;
		case 't': rc = tl_buf_addc(b, '\t'); break;
		case 'u': {
			/* the tape's strings are checked: four hex digits follow */
			unsigned cp = (unsigned)tl_hex4(p);
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				unsigned lo = (unsigned)tl_hex4(p + 2);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD; /* a lone surrogate */
			char u[4];
			rc = tl_buf_add(b, u, tl_utf8_put(u, cp));
			break;
		}
		default: rc = tl_buf_addc(b, c); break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

char *tl_jdoc_strdup(const struct tl_jdoc *d, long tok)
{
	if (tok < 0 || (size_t)tok >= d->n || d->t[tok].type != TL_JT_STR)
		return NULL;
	struct tl_buf b;
	tl_buf_init(&b, 0);
	tl_jdoc_str(d, tok, &b);
	return tl_buf_detach(&b, NULL);
}

/* ---- lines ---- */

static bool tok_is_str(const struct tl_jdoc *d, long tok, const char *s)
{
	if (tok < 0 || d->t[tok].type != TL_JT_STR)
		return false;
	return key_is(d, (size_t)tok, s, strlen(s));
}

int tl_tweet_parse(struct tl_tweet *t, const char *line, size_t n)
{
	struct tl_jdoc *d = &t->doc;
	t->line = line;
	t->len = n;
	t->data = -1;
	t->id = NULL;
	t->id_len = 0;
	t->disconnect = false;
	t->why = NULL;
	t->errpos = 0;
	while (n && is_ws((unsigned char)line[n - 1]))
		n--;
	size_t i = 0;
	while (i < n && is_ws((unsigned char)line[i]))
		i++;
	if (i == n) {
		d->n = 0;
		return t->kind = TL_TWEET_KEEPALIVE;
	}
	if (tl_jdoc_parse(d, line, n, &t->why, &t->errpos) < 0)
		return t->kind = TL_TWEET_BAD;
	if (d->t[0].type != TL_JT_OBJ)
		return t->kind = TL_TWEET_OTHER;
	long data = tl_jdoc_get(d, 0, "data");
	if (data >= 0 && d->t[data].type == TL_JT_OBJ) {
		t->data = data;
		tl_jdoc_idtext(d, tl_jdoc_get(d, (size_t)data, "id"), &t->id, &t->id_len);
		return t->kind = TL_TWEET_DATA;
	}
	long errs = tl_jdoc_get(d, 0, "errors");
	if (data < 0 && errs >= 0 && d->t[errs].type == TL_JT_ARR) {
		for (size_t k = (size_t)errs + 1; k < d->t[errs].next; k = d->t[k].next) {
			if (tok_is_str(d, tl_jdoc_get(d, k, "title"), "operational-disconnect") ||
			    tok_is_str(d, tl_jdoc_get(d, k, "disconnect_type"), "OperationalDisconnect"))
				t->disconnect = true;
		}
		return t->kind = TL_TWEET_ERRORS;
	}
	long id = tl_jdoc_get(d, 0, "id_str");
	if (id < 0 && (tl_jdoc_get(d, 0, "text") >= 0 || tl_jdoc_get(d, 0, "full_text") >= 0 ||
		       tl_jdoc_get(d, 0, "created_at") >= 0))
		id = tl_jdoc_get(d, 0, "id");
	if (data < 0 && tl_jdoc_idtext(d, id, &t->id, &t->id_len)) {
		t->data = 0;
		return t->kind = TL_TWEET_FLAT;
	}
	return t->kind = TL_TWEET_OTHER;
}

struct merge {
	const struct tl_jdoc *d;
	struct tl_buf *out;
	long users, tweets, media, places, polls;
	int err;
};

static void madd(struct merge *m, const char *p, size_t n)
{
	if (!m->err && tl_buf_add(m->out, p, n) < 0)
		m->err = -1;
}

static void madds(struct merge *m, const char *s)
{
	madd(m, s, strlen(s));
}

static void mcompact(struct merge *m, size_t tok)
{
	if (!m->err && tl_jdoc_add_compact(m->d, tok, m->out) < 0)
		m->err = -1;
}

static void mtok(struct merge *m, size_t tok) /* a token's text as it is (keys) */
{
	madd(m, m->d->s + m->d->t[tok].start, m->d->t[tok].end - m->d->t[tok].start);
}

/* The element of array arr whose member field has the id text of tok, or -1. */
static long find_by(const struct tl_jdoc *d, long arr, const char *field, long tok)
{
	const char *id, *p;
	size_t idn, n;
	if (arr < 0 || d->t[arr].type != TL_JT_ARR || !tl_jdoc_idtext(d, tok, &id, &idn))
		return -1;
	for (size_t k = (size_t)arr + 1; k < d->t[arr].next; k = d->t[k].next) {
		if (tl_jdoc_idtext(d, tl_jdoc_get(d, k, field), &p, &n) && n == idn &&
		    memcmp(p, id, n) == 0)
			return (long)k;
	}
	return -1;
}

/* ,"name":[found elements of includes array inc by keys in array keys] */
static void add_lookup_list(struct merge *m, const char *name, long inc, const char *field, long keys,
			    bool *first)
{
	const struct tl_jdoc *d = m->d;
	bool any = false;
	if (keys < 0 || d->t[keys].type != TL_JT_ARR || inc < 0)
		return;
	for (size_t k = (size_t)keys + 1; k < d->t[keys].next; k = d->t[k].next) {
		long f = find_by(d, inc, field, (long)k);
		if (f < 0)
			continue;
		if (!any) {
			madds(m, *first ? "\"" : ",\"");
			*first = false;
			madds(m, name);
			madds(m, "\":[");
			any = true;
		} else {
			madds(m, ",");
		}
		mcompact(m, (size_t)f);
	}
	if (any)
		madds(m, "]");
}

/* Writes "{" and the members of object obj as they are; returns whether there were none. */
static bool open_copy(struct merge *m, size_t obj)
{
	const struct tl_jdoc *d = m->d;
	madds(m, "{");
	for (size_t k = obj + 1; k < d->t[obj].next; k = d->t[k + 1].next) {
		if (k != obj + 1)
			madds(m, ",");
		mtok(m, k);
		madds(m, ":");
		mcompact(m, k + 1);
	}
	return d->t[obj].next == obj + 1;
}

/* Writes the member key (",\"name\":") without its comma when it comes first. */
static void mkey(struct merge *m, bool *first, const char *key)
{
	madds(m, *first ? key + 1 : key);
	*first = false;
}

static void emit_attachments(struct merge *m, size_t obj)
{
	const struct tl_jdoc *d = m->d;
	bool first = open_copy(m, obj);
	if (tl_jdoc_get(d, obj, "media") < 0)
		add_lookup_list(m, "media", m->media, "media_key", tl_jdoc_get(d, obj, "media_keys"), &first);
	if (tl_jdoc_get(d, obj, "polls") < 0)
		add_lookup_list(m, "polls", m->polls, "id", tl_jdoc_get(d, obj, "poll_ids"), &first);
	madds(m, "}");
}

static void emit_geo(struct merge *m, size_t obj)
{
	const struct tl_jdoc *d = m->d;
	bool first = open_copy(m, obj);
	long pl = tl_jdoc_get(d, obj, "place") < 0 ? find_by(d, m->places, "id", tl_jdoc_get(d, obj, "place_id")) : -1;
	if (pl >= 0) {
		mkey(m, &first, ",\"place\":");
		mcompact(m, (size_t)pl);
	}
	madds(m, "}");
}

static void emit_members(struct merge *m, size_t tw, bool top, long rules, bool first);

static void emit_refs(struct merge *m, size_t arr)
{
	const struct tl_jdoc *d = m->d;
	madds(m, "[");
	for (size_t k = arr + 1; k < d->t[arr].next; k = d->t[k].next) {
		if (k != arr + 1)
			madds(m, ",");
		long inc = d->t[k].type == TL_JT_OBJ ? find_by(d, m->tweets, "id", tl_jdoc_get(d, k, "id")) : -1;
		if (inc < 0 || d->t[inc].type != TL_JT_OBJ) {
			mcompact(m, k);
			continue;
		}
		long type = tl_jdoc_get(d, k, "type");
		madds(m, "{");
		if (type >= 0 && tl_jdoc_get(d, (size_t)inc, "type") < 0) {
			madds(m, "\"type\":");
			mcompact(m, (size_t)type);
		}
		emit_members(m, (size_t)inc, false, -1, type < 0 || tl_jdoc_get(d, (size_t)inc, "type") >= 0);
		madds(m, "}");
	}
	madds(m, "]");
}

static void emit_rules(struct merge *m, size_t arr)
{
	const struct tl_jdoc *d = m->d;
	if (d->t[arr].type != TL_JT_ARR) {
		mcompact(m, arr);
		return;
	}
	madds(m, "[");
	for (size_t k = arr + 1; k < d->t[arr].next; k = d->t[k].next) {
		if (k != arr + 1)
			madds(m, ",");
		if (d->t[k].type != TL_JT_OBJ) {
			mcompact(m, k);
			continue;
		}
		madds(m, "{");
		for (size_t j = k + 1; j < d->t[k].next; j = d->t[j + 1].next) {
			if (j != k + 1)
				madds(m, ",");
			mtok(m, j);
			madds(m, ":");
			if (key_is(d, j, "id", 2) && d->t[j + 1].type == TL_JT_NUM) {
				madds(m, "\"");
				mtok(m, j + 1);
				madds(m, "\"");
			} else {
				mcompact(m, j + 1);
			}
		}
		madds(m, "}");
	}
	madds(m, "]");
}

/* The members of tweet object tw (without braces), expansions merged. */
static void emit_members(struct merge *m, size_t tw, bool top, long rules, bool first)
{
	const struct tl_jdoc *d = m->d;
	long author_id = -1, reply_id = -1;
	bool has_author = false, has_reply = false, has_rules = false;
	for (size_t k = tw + 1; k < d->t[tw].next; k = d->t[k + 1].next) {
		if (!first)
			madds(m, ",");
		first = false;
		mtok(m, k);
		madds(m, ":");
		size_t v = k + 1;
		int vt = d->t[v].type;
		if (key_is(d, k, "author_id", 9))
			author_id = (long)v;
		else if (key_is(d, k, "in_reply_to_user_id", 19))
			reply_id = (long)v;
		else if (key_is(d, k, "author", 6))
			has_author = true;
		else if (key_is(d, k, "in_reply_to_user", 16))
			has_reply = true;
		else if (key_is(d, k, "matching_rules", 14))
			has_rules = true;
		if (vt == TL_JT_OBJ && key_is(d, k, "attachments", 11) && (m->media >= 0 || m->polls >= 0))
			emit_attachments(m, v);
		else if (vt == TL_JT_OBJ && key_is(d, k, "geo", 3) && m->places >= 0)
			emit_geo(m, v);
		else if (vt == TL_JT_ARR && top && key_is(d, k, "referenced_tweets", 17) && m->tweets >= 0)
			emit_refs(m, v);
		else
			mcompact(m, v);
	}
	long u;
	if (!has_author && (u = find_by(d, m->users, "id", author_id)) >= 0) {
		mkey(m, &first, ",\"author\":");
		mcompact(m, (size_t)u);
	}
	if (!has_reply && (u = find_by(d, m->users, "id", reply_id)) >= 0) {
		mkey(m, &first, ",\"in_reply_to_user\":");
		mcompact(m, (size_t)u);
	}
	if (top && rules >= 0 && !has_rules) {
		mkey(m, &first, ",\"matching_rules\":");
		emit_rules(m, (size_t)rules);
	}
}

int tl_tweet_merge(const struct tl_tweet *t, struct tl_buf *out)
{
	const struct tl_jdoc *d = &t->doc;
	if (t->kind == TL_TWEET_FLAT)
		return tl_jdoc_add_compact(d, 0, out);
	if (t->kind != TL_TWEET_DATA)
		return -1;
	size_t mark = out->len;
	struct merge m = { d, out, -1, -1, -1, -1, -1, 0 };
	long inc = tl_jdoc_get(d, 0, "includes");
	if (inc >= 0) {
		m.users = tl_jdoc_get(d, (size_t)inc, "users");
		m.tweets = tl_jdoc_get(d, (size_t)inc, "tweets");
		m.media = tl_jdoc_get(d, (size_t)inc, "media");
		m.places = tl_jdoc_get(d, (size_t)inc, "places");
		m.polls = tl_jdoc_get(d, (size_t)inc, "polls");
	}
	/* hint the final size: one allocation for most lines */
	if (tl_buf_grow(out, t->len + 64) < 0)
		return -1;
	madds(&m, "{");
	emit_members(&m, (size_t)t->data, true, tl_jdoc_get(d, 0, "matching_rules"), true);
	madds(&m, "}");
	if (m.err) {
		tl_buf_truncate(out, mark);
		return -1;
	}
	return 0;
}

static int64_t str_time(const struct tl_jdoc *d, long tok)
{
	int64_t ms;
	if (tok < 0 || d->t[tok].type != TL_JT_STR)
		return -1;
	if (tl_time_parse(d->s + d->t[tok].start + 1, d->t[tok].end - d->t[tok].start - 2, &ms) < 0)
		return -1;
	return ms;
}

int64_t tl_tweet_time(const struct tl_tweet *t)
{
	const struct tl_jdoc *d = &t->doc;
	if (t->kind != TL_TWEET_DATA && t->kind != TL_TWEET_FLAT)
		return -1;
	long tw = tl_jdoc_get(d, 0, "__twarc");
	int64_t ms = tw >= 0 ? str_time(d, tl_jdoc_get(d, (size_t)tw, "retrieved_at")) : -1;
	if (ms < 0)
		ms = str_time(d, tl_jdoc_get(d, (size_t)t->data, "created_at"));
	return ms;
}

char *tl_tweet_errors_text(const struct tl_tweet *t)
{
	const struct tl_jdoc *d = &t->doc;
	struct tl_buf b;
	tl_buf_init(&b, 1 << 16);
	tl_buf_add(&b, "", 0);
	long errs = t->kind == TL_TWEET_ERRORS ? tl_jdoc_get(d, 0, "errors") : -1;
	if (errs >= 0) {
		for (size_t k = (size_t)errs + 1; k < d->t[errs].next; k = d->t[k].next) {
			char *title = tl_jdoc_strdup(d, tl_jdoc_get(d, k, "title"));
			char *detail = tl_jdoc_strdup(d, tl_jdoc_get(d, k, "detail"));
			tl_buf_addf(&b, "%s%s%s%s", b.len ? "; " : "", title ? title : "error",
				    detail ? ": " : "", detail ? detail : "");
			free(title);
			free(detail);
		}
	}
	return tl_buf_detach(&b, NULL);
}

void tl_tweet_free(struct tl_tweet *t)
{
	tl_jdoc_free(&t->doc);
}

/* ---- recently seen ids ---- */

#define TL_IDSET_EMPTY UINT64_MAX

static uint64_t id_key(const char *id, size_t n)
{
	if (n > 0 && n <= 19) {
		uint64_t v = 0; /* 19 digits cannot overflow 64 bits */
		size_t i;
		for (i = 0; i < n && is_digit(id[i]); i++)
			v = v * 10 + (uint64_t)(id[i] - '0');
		if (i == n && v < 1ULL << 63)
			return v;
	}
	/* FNV-1a with the top bit set, so it never equals an exact key */
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
	h |= 1ULL << 63;
	return h == TL_IDSET_EMPTY ? h - 1 : h;
}

static size_t home(const struct tl_idset *s, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 32 ^ h) & s->mask;
}

void tl_idset_init(struct tl_idset *s, size_t cap)
{
	if (cap < 16)
		cap = 16;
	size_t tsz = 32;
	while (tsz < cap * 2)
		tsz *= 2;
	s->cap = cap;
	s->n = s->head = 0;
	s->mask = tsz - 1;
	s->ring = xmalloc(cap * sizeof *s->ring);
	s->slot = xmalloc(tsz * sizeof *s->slot);
	memset(s->slot, 0xFF, tsz * sizeof *s->slot);
}

static long find_slot(const struct tl_idset *s, uint64_t key)
{
	for (size_t i = home(s, key);; i = (i + 1) & s->mask) {
		if (s->slot[i] == key)
			return (long)i;
		if (s->slot[i] == TL_IDSET_EMPTY)
			return -1;
	}
}

static void remove_key(struct tl_idset *s, uint64_t key)
{
	long at = find_slot(s, key);
	if (at < 0)
		return;
	size_t i = (size_t)at, j = i;
	for (;;) {
		j = (j + 1) & s->mask;
		if (s->slot[j] == TL_IDSET_EMPTY)
			break;
		size_t k = home(s, s->slot[j]);
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		s->slot[i] = s->slot[j];
		i = j;
	}
	s->slot[i] = TL_IDSET_EMPTY;
}

bool tl_idset_has(const struct tl_idset *s, const char *id, size_t n)
{
	return find_slot(s, id_key(id, n)) >= 0;
}

bool tl_idset_add(struct tl_idset *s, const char *id, size_t n)
{
	uint64_t key = id_key(id, n);
	if (find_slot(s, key) >= 0)
		return false;
	if (s->n == s->cap) {
		remove_key(s, s->ring[s->head]);
		s->n--;
	}
	size_t i = home(s, key);
	while (s->slot[i] != TL_IDSET_EMPTY)
		i = (i + 1) & s->mask;
	s->slot[i] = key;
	s->ring[s->head] = key;
	s->head = (s->head + 1) % s->cap;
	s->n++;
	return true;
}

void tl_idset_free(struct tl_idset *s)
{
	free(s->ring);
	free(s->slot);
	s->ring = s->slot = NULL;
}
