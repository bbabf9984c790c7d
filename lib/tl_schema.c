/* tl_schema.c: schema trees, the merge lattice, Hive type text both ways, and inference
 * straight from JSON text (one pass, no DOM, with an undo log so a bad record leaves no trace).
 */
#include "tl_schema.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_jlex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TYPE_DEPTH 100
#define HASH_MIN 16 /* structs with more fields than this get a hash index */

/* The hash index of a struct, kept beside the node so the public struct stays plain. */
struct tl_schema_index {
	size_t cap;          /* power of two */
	size_t *slot;        /* field index + 1, 0 = empty */
};

/* ---- nodes ---- */

struct tl_schema *tl_schema_new(enum tl_schema_kind kind)
{
	struct tl_schema *s = xcalloc(1, sizeof(*s));
	s->kind = kind;
	return s;
}

static void free_children(struct tl_schema *s);

void tl_schema_free(struct tl_schema *s)
{
	if (!s)
		return;
	free_children(s);
	free(s->other);
	free(s);
}

static void field_free(struct tl_schema_field *f)
{
	free(f->name);
	free(f->col);
	tl_schema_free(f->type);
}

static void index_free(struct tl_schema *s)
{
	struct tl_schema_index *ix = (struct tl_schema_index *)s->index;
	if (ix) {
		free(ix->slot);
		free(ix);
		s->index = NULL;
	}
}

static void free_children(struct tl_schema *s)
{
	for (size_t i = 0; i < s->nfields; i++)
		field_free(&s->fields[i]);
	free(s->fields);
	s->fields = NULL;
	s->nfields = s->afields = 0;
	s->hint = 0;
	index_free(s);
	tl_schema_free(s->elem);
	s->elem = NULL;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void index_put(struct tl_schema_index *ix, const struct tl_schema_field *fields, size_t i)
{
	size_t m = ix->cap - 1, h = (size_t)hash_bytes(fields[i].name, fields[i].namelen) & m;
	while (ix->slot[h])
		h = (h + 1) & m;
	ix->slot[h] = i + 1;
}

static void index_rebuild(struct tl_schema *s)
{
	struct tl_schema_index *ix = (struct tl_schema_index *)s->index;
	if (!ix) {
		ix = xcalloc(1, sizeof(*ix));
		s->index = ix;
	}
	size_t cap = 64;
	while (cap < s->nfields * 2)
		cap *= 2;
	free(ix->slot);
	ix->cap = cap;
	ix->slot = xcalloc(cap, sizeof(*ix->slot));
	for (size_t i = 0; i < s->nfields; i++)
		index_put(ix, s->fields, i);
}

/* Keeps the index in step after fields were appended or truncated. */
static void index_update(struct tl_schema *s, size_t before)
{
	struct tl_schema_index *ix = (struct tl_schema_index *)s->index;
	if (s->nfields <= HASH_MIN) {
		index_free(s);
		return;
	}
	if (!ix || s->nfields < before || s->nfields * 2 > ix->cap) {
		index_rebuild(s);
		return;
	}
	for (size_t i = before; i < s->nfields; i++)
		index_put(ix, s->fields, i);
}

static struct tl_schema_field *field_lookup(struct tl_schema *s, const char *key, size_t n)
{
	struct tl_schema_index *ix = (struct tl_schema_index *)s->index;
	if (ix) {
		size_t m = ix->cap - 1, h = (size_t)hash_bytes(key, n) & m;
		for (; ix->slot[h]; h = (h + 1) & m) {
			struct tl_schema_field *f = &s->fields[ix->slot[h] - 1];
			if (f->namelen == n && memcmp(f->name, key, n) == 0)
				return f;
		}
		return NULL;
	}
	size_t nf = s->nfields, i = s->hint < nf ? s->hint : 0;
	for (size_t k = 0; k < nf; k++) {
		struct tl_schema_field *f = &s->fields[i];
		if (f->namelen == n && memcmp(f->name, key, n) == 0) {
			s->hint = i + 1;
			return f;
		}
		if (++i == nf)
			i = 0;
	}
	return NULL;
}

char *tl_schema_col_name(const char *key, size_t n)
{
	if (n == 0)
		return xstrdup("_");
	char *c = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)key[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
			ch = '_';
		c[i] = (char)ch;
	}
	c[n] = '\0';
	return c;
}

struct tl_schema_field *tl_schema_field_find(const struct tl_schema *st, const char *col)
{
	for (size_t i = 0; i < st->nfields; i++)
		if (st->fields[i].alias_of < 0 && strcmp(st->fields[i].col, col) == 0)
			return &st->fields[i];
	return NULL;
}

static struct tl_schema_field *field_append(struct tl_schema *st, const char *name, size_t n,
					    char *col)
{
	if (st->nfields == st->afields) {
		st->afields = st->afields ? st->afields * 2 : 8;
		st->fields = xrealloc(st->fields, st->afields * sizeof(*st->fields));
	}
	struct tl_schema_field *f = &st->fields[st->nfields++];
	f->name = xstrndup(name, n);
	f->namelen = n;
	f->col = col ? col : tl_schema_col_name(name, n);
	f->type = NULL;
	f->alias_of = -1;
	index_update(st, st->nfields - 1);
	return f;
}

struct tl_schema_field *tl_schema_field_add(struct tl_schema *st, const char *name,
					    const char *col)
{
	struct tl_schema_field *f = field_append(st, name, strlen(name), col ? xstrdup(col) : NULL);
	f->type = tl_schema_new(TL_SK_NULL);
	return f;
}

struct tl_schema *tl_schema_dup(const struct tl_schema *s)
{
	if (!s)
		return NULL;
	struct tl_schema *d = tl_schema_new(s->kind);
	if (s->other)
		d->other = xstrdup(s->other);
	if (s->kind == TL_SK_STRUCT) {
		for (size_t i = 0; i < s->nfields; i++) {
			const struct tl_schema_field *f = &s->fields[i];
			struct tl_schema_field *g = field_append(d, f->name, f->namelen, xstrdup(f->col));
			g->alias_of = f->alias_of;
			g->type = tl_schema_dup(f->type);
		}
	}
	if (s->kind == TL_SK_ARRAY || s->kind == TL_SK_MAP)
		d->elem = tl_schema_dup(s->elem);
	return d;
}

static void collisions(const struct tl_schema *s, char ***out, size_t *n)
{
	if (!s)
		return;
	if (s->kind == TL_SK_ARRAY || s->kind == TL_SK_MAP) {
		collisions(s->elem, out, n);
		return;
	}
	if (s->kind != TL_SK_STRUCT)
		return;
	for (size_t i = 0; i < s->nfields; i++) {
		const struct tl_schema_field *f = &s->fields[i];
		if (f->alias_of < 0) {
			collisions(f->type, out, n);
			continue;
		}
		const struct tl_schema_field *c = &s->fields[f->alias_of];
		*out = xrealloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = xasprintf("keys \"%s\" and \"%s\" both map to column \"%s\"", c->name,
					   f->name, c->col);
	}
}

char **tl_schema_collisions(const struct tl_schema *s, size_t *n)
{
	char **out = NULL;
	*n = 0;
	collisions(s, &out, n);
	return out;
}

/* A key no catalog can name: too long for Glue, or holding a NUL byte (the name would be cut
 * there, and the SerDe told to read another key). */
static bool unmappable(const struct tl_schema_field *f)
{
	return f->namelen > TL_SCHEMA_KEY_MAX || strlen(f->name) != f->namelen;
}

static void note_dropped(const struct tl_schema_field *f, char ***out, size_t *n)
{
	*out = xrealloc(*out, (*n + 1) * sizeof(char *));
	if (f->namelen > TL_SCHEMA_KEY_MAX)
		(*out)[(*n)++] = xasprintf("key \"%.40s...\" (%zu bytes) is longer than the %d "
					   "bytes a Glue column name can take", f->name,
					   f->namelen, TL_SCHEMA_KEY_MAX);
	else
		(*out)[(*n)++] = xasprintf("key \"%s\\u0000...\" holds a NUL character",
					   f->name);
}

static void drop_unmappable(struct tl_schema *s, char ***out, size_t *n)
{
	if (!s)
		return;
	if (s->kind == TL_SK_ARRAY || s->kind == TL_SK_MAP) {
		drop_unmappable(s->elem, out, n);
		return;
	}
	if (s->kind != TL_SK_STRUCT)
		return;
	size_t nf = s->nfields, k = 0;
	size_t *moved = xcalloc(nf ? nf : 1, sizeof(*moved)); /* old index -> new index + 1 */
	for (size_t i = 0; i < nf; i++) {
		struct tl_schema_field *f = &s->fields[i];
		if (!unmappable(f))
			continue;
		note_dropped(f, out, n);
		if (f->alias_of >= 0)
			continue;
		/* its first mappable alias takes over the column */
		for (size_t j = i + 1; j < nf; j++) {
			struct tl_schema_field *a = &s->fields[j];
			if (a->alias_of == (int)i && !unmappable(a)) {
				a->type = f->type;
				f->type = NULL;
				a->alias_of = -1;
				for (size_t m = j + 1; m < nf; m++)
					if (s->fields[m].alias_of == (int)i)
						s->fields[m].alias_of = (int)j;
				break;
			}
		}
	}
	for (size_t i = 0; i < nf; i++) {
		struct tl_schema_field *f = &s->fields[i];
		if (unmappable(f)) { /* its mappable aliases were moved to another canonical */
			field_free(f);
			continue;
		}
		moved[i] = ++k;
		s->fields[k - 1] = *f;
	}
	s->nfields = k;
	s->hint = 0;
	for (size_t i = 0; i < k; i++) {
		struct tl_schema_field *f = &s->fields[i];
		if (f->alias_of >= 0)
			f->alias_of = (int)moved[f->alias_of] - 1;
		else
			drop_unmappable(f->type, out, n);
	}
	free(moved);
	if (k < nf)
		index_update(s, nf);
}

char **tl_schema_drop_unmappable(struct tl_schema *s, size_t *n)
{
	char **out = NULL;
	*n = 0;
	drop_unmappable(s, &out, n);
	return out;
}

bool tl_schema_equal(const struct tl_schema *a, const struct tl_schema *b)
{
	char *ta = tl_schema_type_text(a, 0), *tb = tl_schema_type_text(b, 0);
	bool eq = strcmp(ta, tb) == 0;
	free(ta);
	free(tb);
	return eq;
}

/* ---- the lattice ---- */

static bool numeric(enum tl_schema_kind k)
{
	return k == TL_SK_INT || k == TL_SK_BIGINT || k == TL_SK_DOUBLE;
}

static enum tl_schema_kind join(enum tl_schema_kind a, enum tl_schema_kind b)
{
	if (a == b || b == TL_SK_NULL)
		return a;
	if (a == TL_SK_NULL)
		return b;
	if (a == TL_SK_OTHER || a == TL_SK_MAP)
		return a;
	if (numeric(a) && numeric(b))
		return a > b ? a : b; /* INT < BIGINT < DOUBLE in the enum */
	return TL_SK_STRING;
}

int tl_schema_merge(struct tl_schema **dstp, const struct tl_schema *src)
{
	if (!src)
		return 0;
	struct tl_schema *dst = *dstp;
	if (!dst) {
		*dstp = tl_schema_dup(src);
		return TL_SCHEMA_ADDED;
	}
	if (src->kind == TL_SK_NULL || dst->kind == TL_SK_OTHER || dst->kind == TL_SK_MAP)
		return 0;
	if (dst->kind == TL_SK_NULL) {
		struct tl_schema *d = tl_schema_dup(src);
		free_children(dst);
		free(dst->other);
		*dst = *d;
		free(d);
		return TL_SCHEMA_WIDENED;
	}
	if (dst->kind == TL_SK_STRUCT && src->kind == TL_SK_STRUCT) {
		int ch = 0;
		for (size_t i = 0; i < src->nfields; i++) {
			const struct tl_schema_field *f = &src->fields[i];
			if (f->alias_of >= 0)
				continue;
			struct tl_schema_field *g = tl_schema_field_find(dst, f->col);
			if (!g) {
				g = field_append(dst, f->name, f->namelen, xstrdup(f->col));
				g->type = tl_schema_dup(f->type);
				ch |= TL_SCHEMA_ADDED;
			} else {
				ch |= tl_schema_merge(&g->type, f->type);
			}
		}
		/* keys that meet under one column only here (seen apart) become aliases */
		for (size_t i = 0; i < src->nfields; i++) {
			const struct tl_schema_field *f = &src->fields[i];
			if (field_lookup(dst, f->name, f->namelen))
				continue;
			struct tl_schema_field *g = tl_schema_field_find(dst, f->col);
			if (g) {
				int gi = (int)(g - dst->fields);
				struct tl_schema_field *a = field_append(dst, f->name, f->namelen,
									 xstrdup(f->col));
				a->alias_of = gi;
			}
		}
		return ch;
	}
	if (dst->kind == TL_SK_ARRAY && src->kind == TL_SK_ARRAY) {
		if (!src->elem)
			return 0;
		return tl_schema_merge(&dst->elem, src->elem);
	}
	enum tl_schema_kind k = join(dst->kind, src->kind);
	if (k == dst->kind)
		return 0;
	free_children(dst);
	dst->kind = k;
	return TL_SCHEMA_WIDENED;
}

/* ---- rendering ---- */

static void render(struct tl_buf *b, const struct tl_schema *s, int flags)
{
	switch (s ? s->kind : TL_SK_NULL) {
	case TL_SK_NULL:
	case TL_SK_STRING:
		tl_buf_adds(b, "string");
		break;
	case TL_SK_BOOLEAN:
		tl_buf_adds(b, "boolean");
		break;
	case TL_SK_INT:
		tl_buf_adds(b, "int");
		break;
	case TL_SK_BIGINT:
		tl_buf_adds(b, "bigint");
		break;
	case TL_SK_DOUBLE:
		tl_buf_adds(b, "double");
		break;
	case TL_SK_TIMESTAMP:
		tl_buf_adds(b, "timestamp");
		break;
	case TL_SK_OTHER:
		tl_buf_adds(b, s->other);
		break;
	case TL_SK_ARRAY:
		tl_buf_adds(b, "array<");
		render(b, s->elem, flags);
		tl_buf_addc(b, '>');
		break;
	case TL_SK_MAP:
		tl_buf_addf(b, "map<%s,", s->other);
		render(b, s->elem, flags);
		tl_buf_addc(b, '>');
		break;
	case TL_SK_STRUCT: {
		size_t n = 0;
		for (size_t i = 0; i < s->nfields; i++)
			n += s->fields[i].alias_of < 0;
		if (n == 0) { /* Hive has no struct<>: the SerDe gives a string column the JSON text */
			tl_buf_adds(b, "string");
			break;
		}
		tl_buf_adds(b, "struct<");
		n = 0;
		for (size_t i = 0; i < s->nfields; i++) {
			const struct tl_schema_field *f = &s->fields[i];
			if (f->alias_of >= 0)
				continue;
			if (n++)
				tl_buf_addc(b, ',');
			if (flags & TL_SCHEMA_DDL)
				tl_buf_addf(b, "`%s`:", f->col);
			else
				tl_buf_addf(b, "%s:", f->col);
			render(b, f->type, flags);
		}
		tl_buf_addc(b, '>');
		break;
	}
	}
}

char *tl_schema_type_text(const struct tl_schema *s, int flags)
{
	struct tl_buf b = TL_BUF_INIT;
	render(&b, s, flags);
	return tl_buf_detach(&b, NULL);
}

/* ---- parsing Hive type text ---- */

struct tparse {
	const char *s, *p;
	char *err;
	int depth;
};

static void tp_ws(struct tparse *t)
{
	while (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r')
		t->p++;
}

static int tp_fail(struct tparse *t, const char *what)
{
	if (!t->err)
		t->err = xasprintf("%s at offset %zu of \"%s\"", what, (size_t)(t->p - t->s), t->s);
	return -1;
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* An identifier into a new lower-case string, or NULL. */
static char *tp_ident(struct tparse *t)
{
	tp_ws(t);
	const char *q = t->p;
	while (is_ident(*t->p))
		t->p++;
	if (t->p == q)
		return NULL;
	char *r = xstrndup(q, (size_t)(t->p - q));
	for (char *c = r; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return r;
}

static int tp_expect(struct tparse *t, char c)
{
	tp_ws(t);
	if (*t->p != c) {
		char what[32];
		snprintf(what, sizeof(what), "expected '%c'", c);
		return tp_fail(t, what);
	}
	t->p++;
	return 0;
}

/* A struct field name: `quoted` (`` for a backquote) or a run of anything but the
 * punctuation of the grammar (Glue's own names are not always identifiers). */
static char *tp_field_name(struct tparse *t)
{
	tp_ws(t);
	struct tl_buf b = TL_BUF_INIT;
	if (*t->p == '`') {
		t->p++;
		for (;;) {
			if (!*t->p) {
				tl_buf_release(&b);
				tp_fail(t, "unterminated `name`");
				return NULL;
			}
			if (*t->p == '`') {
				if (t->p[1] != '`')
					break;
				t->p++;
			}
			tl_buf_addc(&b, *t->p++);
		}
		t->p++;
	} else {
		while (*t->p && !strchr(":,<>()`", *t->p))
			tl_buf_addc(&b, *t->p++);
		while (b.len && strchr(" \t\r\n", b.data[b.len - 1]))
			b.len--;
		if (b.len == 0) {
			tl_buf_release(&b);
			tp_fail(t, "expected a field name");
			return NULL;
		}
	}
	tl_buf_addc(&b, '\0');
	return tl_buf_detach(&b, NULL);
}

static struct tl_schema *tp_type(struct tparse *t);

static int tp_int(struct tparse *t, long *out)
{
	tp_ws(t);
	if (*t->p < '0' || *t->p > '9')
		return tp_fail(t, "expected a number");
	long v = 0;
	while (*t->p >= '0' && *t->p <= '9') {
		v = v * 10 + (*t->p++ - '0');
		if (v > 100000)
			return tp_fail(t, "number too large");
	}
	*out = v;
	return 0;
}

static struct tl_schema *tp_type(struct tparse *t)
{
	static const struct { const char *name; enum tl_schema_kind kind; } prim[] = {
		{ "string", TL_SK_STRING }, { "boolean", TL_SK_BOOLEAN }, { "int", TL_SK_INT },
		{ "integer", TL_SK_INT }, { "bigint", TL_SK_BIGINT }, { "double", TL_SK_DOUBLE },
		{ "timestamp", TL_SK_TIMESTAMP },
		{ "tinyint", TL_SK_OTHER }, { "smallint", TL_SK_OTHER }, { "float", TL_SK_OTHER },
		{ "date", TL_SK_OTHER }, { "binary", TL_SK_OTHER }, { "decimal", TL_SK_OTHER },
		{ "char", TL_SK_OTHER }, { "varchar", TL_SK_OTHER }, { "real", TL_SK_OTHER },
	};
	if (++t->depth > MAX_TYPE_DEPTH) {
		tp_fail(t, "types nested too deep");
		return NULL;
	}
	const char *at = t->p;
	char *name = tp_ident(t);
	struct tl_schema *s = NULL;
	if (!name) {
		tp_fail(t, "expected a type name");
		goto out;
	}
	if (strcmp(name, "array") == 0) {
		s = tl_schema_new(TL_SK_ARRAY);
		if (tp_expect(t, '<') < 0 || !(s->elem = tp_type(t)) || tp_expect(t, '>') < 0)
			goto fail;
	} else if (strcmp(name, "map") == 0) {
		s = tl_schema_new(TL_SK_MAP);
		if (tp_expect(t, '<') < 0)
			goto fail;
		struct tl_schema *k = tp_type(t);
		if (!k)
			goto fail;
		if (k->kind == TL_SK_STRUCT || k->kind == TL_SK_ARRAY || k->kind == TL_SK_MAP) {
			tl_schema_free(k);
			tp_fail(t, "map keys must be primitive");
			goto fail;
		}
		s->other = tl_schema_type_text(k, 0);
		tl_schema_free(k);
		if (tp_expect(t, ',') < 0 || !(s->elem = tp_type(t)) || tp_expect(t, '>') < 0)
			goto fail;
	} else if (strcmp(name, "struct") == 0) {
		s = tl_schema_new(TL_SK_STRUCT);
		if (tp_expect(t, '<') < 0)
			goto fail;
		tp_ws(t);
		if (*t->p == '>') {
			tp_fail(t, "empty struct");
			goto fail;
		}
		for (;;) {
			char *fname = tp_field_name(t);
			if (!fname)
				goto fail;
			char *col = tl_schema_col_name(fname, strlen(fname));
			if (tl_schema_field_find(s, col)) {
				free(fname);
				free(col);
				tp_fail(t, "duplicate struct field");
				goto fail;
			}
			struct tl_schema_field *f = field_append(s, fname, strlen(fname), col);
			free(fname);
			if (tp_expect(t, ':') < 0 || !(f->type = tp_type(t)))
				goto fail;
			tp_ws(t);
			if (*t->p == ',') {
				t->p++;
				continue;
			}
			if (tp_expect(t, '>') < 0)
				goto fail;
			break;
		}
	} else {
		size_t i;
		for (i = 0; i < sizeof(prim) / sizeof(prim[0]); i++)
			if (strcmp(name, prim[i].name) == 0)
				break;
		if (i == sizeof(prim) / sizeof(prim[0])) {
			t->p = at;
			tp_ws(t);
			tp_fail(t, "unknown type");
			goto out;
		}
		s = tl_schema_new(prim[i].kind);
		if (prim[i].kind == TL_SK_OTHER) {
			struct tl_buf b = TL_BUF_INIT;
			tl_buf_adds(&b, name);
			tp_ws(t);
			bool params = strcmp(name, "decimal") == 0 || strcmp(name, "char") == 0 ||
				      strcmp(name, "varchar") == 0;
			if (params && *t->p == '(') {
				long a, c;
				t->p++;
				if (tp_int(t, &a) < 0) {
					tl_buf_release(&b);
					goto fail;
				}
				tl_buf_addf(&b, "(%ld", a);
				tp_ws(t);
				if (strcmp(name, "decimal") == 0 && *t->p == ',') {
					t->p++;
					if (tp_int(t, &c) < 0) {
						tl_buf_release(&b);
						goto fail;
					}
					tl_buf_addf(&b, ",%ld", c);
				}
				if (tp_expect(t, ')') < 0) {
					tl_buf_release(&b);
					goto fail;
				}
				tl_buf_addc(&b, ')');
			} else if (params && strcmp(name, "decimal") != 0) {
				tl_buf_release(&b);
				tp_fail(t, "char and varchar need a length");
				goto fail;
			}
			s->other = tl_buf_detach(&b, NULL);
		}
	}
	goto out;
fail:
	tl_schema_free(s);
	s = NULL;
out:
	free(name);
	t->depth--;
	return s;
}

struct tl_schema *tl_schema_parse_type(const char *s, char **err)
{
	struct tparse t = { s, s, NULL, 0 };
	struct tl_schema *r = tp_type(&t);
	if (r) {
		tp_ws(&t);
		if (*t.p) {
			tp_fail(&t, "trailing characters");
			tl_schema_free(r);
			r = NULL;
		}
	}
	if (!r && err)
		*err = t.err ? t.err : xstrdup("bad type");
	else
		free(t.err);
	return r;
}

/* ---- inference ---- */

enum undo_kind { U_KIND, U_FIELDS, U_ELEM };

struct tl_schema_undo {
	enum undo_kind what;
	struct tl_schema *node;
	enum tl_schema_kind kind; /* U_KIND: the old kind */
	size_t nfields;           /* U_FIELDS: the old count */
};

void tl_schema_infer_init(struct tl_schema_infer *in, int flags)
{
	memset(in, 0, sizeof(*in));
	in->root = tl_schema_new(TL_SK_STRUCT);
	in->flags = flags;
	in->max_depth = 100;
	in->key = xcalloc(1, sizeof(struct tl_buf));
	tl_buf_init(in->key, 0);
}

void tl_schema_infer_release(struct tl_schema_infer *in)
{
	tl_schema_free(in->root);
	for (size_t i = 0; i < in->ncollisions; i++)
		free(in->collisions[i]);
	free(in->collisions);
	free(in->undo);
	if (in->key) {
		tl_buf_release(in->key);
		free(in->key);
	}
	memset(in, 0, sizeof(*in));
}

static void undo_push(struct tl_schema_infer *in, enum undo_kind what, struct tl_schema *node)
{
	if (in->nundo == in->aundo) {
		in->aundo = in->aundo ? in->aundo * 2 : 16;
		in->undo = xrealloc(in->undo, in->aundo * sizeof(*in->undo));
	}
	struct tl_schema_undo *u = &in->undo[in->nundo++];
	u->what = what;
	u->node = node;
	u->kind = node->kind;
	u->nfields = node->nfields;
}

static void rollback(struct tl_schema_infer *in, size_t ncoll)
{
	while (in->nundo) {
		struct tl_schema_undo *u = &in->undo[--in->nundo];
		struct tl_schema *s = u->node;
		switch (u->what) {
		case U_KIND:
			s->kind = u->kind;
			break;
		case U_FIELDS:
			while (s->nfields > u->nfields)
				field_free(&s->fields[--s->nfields]);
			s->hint = 0;
			index_update(s, s->nfields + 1);
			break;
		case U_ELEM:
			tl_schema_free(s->elem);
			s->elem = NULL;
			break;
		}
	}
	while (in->ncollisions > ncoll)
		free(in->collisions[--in->ncollisions]);
}

/* Records that t holds a value of kind k; returns t when its children are to be merged into
 * (kind still k), NULL when the value is only to be checked. */
static inline struct tl_schema *observe(struct tl_schema_infer *in, struct tl_schema *t,
					enum tl_schema_kind k)
{
	if (!t)
		return NULL;
	if (t->kind != k) {
		enum tl_schema_kind j = join(t->kind, k);
		if (j != t->kind) {
			undo_push(in, U_KIND, t);
			t->kind = j;
		}
	}
	return t->kind == k ? t : NULL;
}

struct scan {
	struct tl_schema_infer *in;
	const char *p, *end, *start;
	const char *why;
};

static inline void sws(struct scan *sc)
{
	sc->p = sc->start + tl_jlex_ws(sc->start, (size_t)(sc->end - sc->start), (size_t)(sc->p - sc->start));
}

static int sfail(struct scan *sc, const char *why)
{
	if (!sc->why)
		sc->why = why;
	return -1;
}

/* Scans a string whose opening quote is at sc->p. On return sc->p is past the closing quote;
 * body and len give the raw text between the quotes; *esc says whether it holds escapes. */
static inline int scan_string(struct scan *sc, const char **body, size_t *len, bool *esc)
{
	size_t pos = (size_t)(sc->p - sc->start);
	const char *why = NULL;
	*esc = false;
	if (tl_jlex_string(sc->start, (size_t)(sc->end - sc->start), &pos, esc, &why) < 0) {
		sc->p = sc->start + pos;
		return sfail(sc, why);
	}
	*body = sc->p + 1;
	*len = (size_t)(sc->start + pos - 1 - *body);
	sc->p = sc->start + pos;
	return 0;
}

/* Decodes an already-checked string body with escapes into b. A lone surrogate becomes U+FFFD. */
static void unescape(struct tl_buf *b, const char *s, size_t n)
{
	tl_buf_reset(b);
	tl_jlex_unescape(s, n, b);
}

static int scan_value(struct scan *sc, struct tl_schema *t);

static void note_collision(struct tl_schema_infer *in, const struct tl_schema *st,
			   const struct tl_schema_field *canon, const char *key)
{
	(void)st;
	char *msg = xasprintf("keys \"%s\" and \"%s\" both map to column \"%s\"", canon->name, key,
			      canon->col);
	for (size_t i = 0; i < in->ncollisions; i++)
		if (strcmp(in->collisions[i], msg) == 0) {
			free(msg);
			return;
		}
	in->collisions = xrealloc(in->collisions, (in->ncollisions + 1) * sizeof(char *));
	in->collisions[in->ncollisions++] = msg;
}

/* After a member or an element: 1 when a ',' says another follows, 0 at the closing bracket
 * (consumed), -1 otherwise. */
static inline int scan_next(struct scan *sc, char close)
{
	sws(sc);
	if (sc->p >= sc->end)
		return sfail(sc, close == '}' ? "unterminated object" : "unterminated array");
	if (*sc->p == ',') {
		sc->p++;
		sws(sc);
		return 1;
	}
	if (*sc->p == close) {
		sc->p++;
		return 0;
	}
	return sfail(sc, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

static int scan_object(struct scan *sc, struct tl_schema *t)
{
	struct tl_schema_infer *in = sc->in;
	if (++in->depth > in->max_depth)
		return sfail(sc, "nested too deep");
	struct tl_schema *st = observe(in, t, TL_SK_STRUCT);
	sc->p++;
	sws(sc);
	if (sc->p < sc->end && *sc->p == '}') {
		sc->p++;
		in->depth--;
		return 0;
	}
	for (;;) {
		if (sc->p >= sc->end || *sc->p != '"')
			return sfail(sc, "expected a key");
		const char *key;
		size_t klen;
		bool esc;
		if (scan_string(sc, &key, &klen, &esc) < 0)
			return -1;
		sws(sc);
		if (sc->p >= sc->end || *sc->p != ':')
			return sfail(sc, "expected ':'");
		sc->p++;
		sws(sc);
		struct tl_schema *child = NULL;
		if (st) {
			if (esc) {
				unescape(in->key, key, klen);
				key = in->key->data;
				klen = in->key->len;
			}
			struct tl_schema_field *f = field_lookup(st, key, klen);
			if (!f) {
				char *col = tl_schema_col_name(key, klen);
				struct tl_schema_field *canon = NULL;
				for (size_t i = 0; i < st->nfields; i++)
					if (st->fields[i].alias_of < 0 && strcmp(st->fields[i].col, col) == 0) {
						canon = &st->fields[i];
						break;
					}
				undo_push(in, U_FIELDS, st);
				size_t ci = canon ? (size_t)(canon - st->fields) : 0;
				f = field_append(st, key, klen, col);
				if (canon) {
					f->alias_of = (int)ci;
					note_collision(in, st, &st->fields[ci], f->name);
				} else {
					f->type = tl_schema_new(TL_SK_NULL);
				}
			}
			child = f->alias_of >= 0 ? st->fields[f->alias_of].type : f->type;
		}
		if (scan_value(sc, child) < 0)
			return -1;
		int more = scan_next(sc, '}');
		if (more < 0)
			return -1;
		if (!more)
			break;
	}
	in->depth--;
	return 0;
}

static int scan_array(struct scan *sc, struct tl_schema *t)
{
	struct tl_schema_infer *in = sc->in;
	if (++in->depth > in->max_depth)
		return sfail(sc, "nested too deep");
	struct tl_schema *at = observe(in, t, TL_SK_ARRAY);
	sc->p++;
	sws(sc);
	if (sc->p < sc->end && *sc->p == ']') {
		sc->p++;
		in->depth--;
		return 0;
	}
	if (at && !at->elem) {
		undo_push(in, U_ELEM, at);
		at->elem = tl_schema_new(TL_SK_NULL);
	}
	for (;;) {
		if (scan_value(sc, at ? at->elem : NULL) < 0)
			return -1;
		int more = scan_next(sc, ']');
		if (more < 0)
			return -1;
		if (!more)
			break;
	}
	in->depth--;
	return 0;
}

static int scan_number(struct scan *sc, struct tl_schema *t)
{
	size_t pos = (size_t)(sc->p - sc->start);
	struct tl_jnum num;
	const char *why = NULL;
	if (tl_jlex_number(sc->start, (size_t)(sc->end - sc->start), &pos, &num, &why) < 0)
		return sfail(sc, why);
	sc->p = sc->start + pos;
	enum tl_schema_kind k;
	uint64_t v = num.mag;
	if (num.frac || num.big)
		k = TL_SK_DOUBLE;
	else if (num.neg ? v <= 2147483648ULL : v <= 2147483647ULL)
		k = TL_SK_INT;
	else if (num.neg ? v <= 9223372036854775808ULL : v <= 9223372036854775807ULL)
		k = TL_SK_BIGINT;
	else
		k = TL_SK_DOUBLE;
	observe(sc->in, t, k);
	return 0;
}

/* true, false or null at sc->p: its kind, or -1. */
static int scan_lit(struct scan *sc, enum tl_jtype *type)
{
	size_t pos = (size_t)(sc->p - sc->start);
	const char *why = NULL;
	if (tl_jlex_literal(sc->start, (size_t)(sc->end - sc->start), &pos, type, &why) < 0)
		return sfail(sc, why);
	sc->p = sc->start + pos;
	return 0;
}

static int scan_value(struct scan *sc, struct tl_schema *t)
{
	if (sc->p >= sc->end)
		return sfail(sc, "expected a value");
	switch (*sc->p) {
	case '{':
		return scan_object(sc, t);
	case '[':
		return scan_array(sc, t);
	case '"': {
		const char *body;
		size_t len;
		bool esc;
		if (scan_string(sc, &body, &len, &esc) < 0)
			return -1;
		enum tl_schema_kind k = TL_SK_STRING;
		if ((sc->in->flags & TL_SCHEMA_TIMESTAMPS) && !esc && t && t->kind != TL_SK_STRING &&
		    tl_schema_is_timestamp(body, len))
			k = TL_SK_TIMESTAMP;
		observe(sc->in, t, k);
		return 0;
	}
	case 't':
	case 'f':
	case 'n': {
		enum tl_jtype lt;
		if (scan_lit(sc, &lt) < 0)
			return -1;
		if (lt != TL_J_NULL)
			observe(sc->in, t, TL_SK_BOOLEAN);
		return 0;
	}
	default:
		return scan_number(sc, t);
	}
}

int tl_schema_infer_record(struct tl_schema_infer *in, const char *s, size_t n,
			   const char **why, size_t *errpos)
{
	struct scan sc = { in, s, s + n, s, NULL };
	sws(&sc);
	if (sc.p == sc.end)
		return 1;
	size_t ncoll = in->ncollisions;
	in->nundo = 0;
	in->depth = 0;
	int rc;
	if (*sc.p != '{') {
		rc = sfail(&sc, "not a JSON object");
	} else {
		rc = scan_object(&sc, in->root);
		if (rc == 0) {
			sws(&sc);
			if (sc.p != sc.end)
				rc = sfail(&sc, "trailing characters after the object");
		}
	}
	if (rc < 0) {
		rollback(in, ncoll);
		in->bad++;
		if (why)
			*why = sc.why;
		if (errpos)
			*errpos = (size_t)(sc.p - s);
		return -1;
	}
	in->nundo = 0;
	in->records++;
	return 0;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool tl_schema_is_timestamp(const char *s, size_t n)
{
	/* YYYY-MM-DD[T ]HH:MM:SS */
	if (n < 19 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return false;
	int mo = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	int h = (s[11] - '0') * 10 + (s[12] - '0'), mi = (s[14] - '0') * 10 + (s[15] - '0');
	int sec = (s[17] - '0') * 10 + (s[18] - '0');
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	size_t i = 19;
	if (i < n && s[i] == '.') {
		size_t j = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == j || i - j > 9)
			return false;
	}
	if (i == n)
		return true;
	if (s[i] == 'Z')
		return i + 1 == n;
	if (s[i] == '+' || s[i] == '-') {
		i++;
		if (n - i == 5 && digits(s + i, 2) && s[i + 2] == ':' && digits(s + i + 3, 2))
			return true;
		if (n - i == 4 && digits(s + i, 4))
			return true;
		if (n - i == 2 && digits(s + i, 2))
			return true;
	}
	return false;
}
