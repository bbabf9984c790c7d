/* tl_sqlfn.c: Athena's functions in C for SQLite (see tl_sqlfn.h). Composite values are JSON
 * text walked with tl_sqlval_next and tl_jscan (no tree is built unless a value is rebuilt). */
#include "tl_sqlfn.h"

#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_jscan.h"
#include "tl_json.h"
#include "tl_sqlre.h"
#include "tl_sqltime.h"
#include "tl_sqlval.h"
#include "tl_str.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/uchar.h>

struct tl_sqlfn {
	struct tl_sqlctx ctx[2];
	struct tl_sqltime *time;
	struct tl_sqlre *re;
};

static struct tl_sqlfn *fn_state(sqlite3_context *ctx)
{
	return ((struct tl_sqlctx *)sqlite3_user_data(ctx))->state;
}

static bool any_null(int argc, sqlite3_value **argv, int upto)
{
	for (int i = 0; i < argc && i < upto; i++)
		if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
			return true;
	return false;
}

#define NULL_IF_NULL(k)                                   \
	do {                                              \
		if (any_null(argc, argv, (k))) {          \
			sqlite3_result_null(ctx);         \
			return;                           \
		}                                         \
	} while (0)

static const char *txt(sqlite3_value *v, size_t *n)
{
	const char *s = (const char *)sqlite3_value_text(v);
	*n = s ? (size_t)sqlite3_value_bytes(v) : 0;
	return s;
}

static struct tl_jslice whole(const char *s, size_t n)
{
	size_t i = tl_jlex_ws(s, n, 0);
	struct tl_jslice v = { TL_J_NONE, s + i, n - i };
	if (i >= n)
		return v;
	v.type = tl_jlex_type(s[i]);
	size_t l = tl_jlex_skip(s + i, n - i);
	if (l)
		v.len = l;
	return v;
}

static void result_json_buf(sqlite3_context *ctx, struct tl_buf *b)
{
	sqlite3_result_text(ctx, tl_buf_str(b), (int)b->len, SQLITE_TRANSIENT);
	sqlite3_result_subtype(ctx, 'J');
}

/* The elements of a JSON array (or the members of an object, keys in keys[] when asked). */
struct elems {
	struct tl_jslice *v, *k;
	size_t n;
};

static int elems_of(const char *s, size_t n, struct elems *e, bool want_keys)
{
	size_t pos = 0, cap = 0;
	struct tl_jslice key, val;
	int r;
	memset(e, 0, sizeof *e);
	while ((r = tl_sqlval_next(s, n, &pos, &key, &val)) == 1) {
		if (e->n == cap) {
			cap = cap ? cap * 2 : 8;
			e->v = xrealloc(e->v, cap * sizeof *e->v);
			if (want_keys)
				e->k = xrealloc(e->k, cap * sizeof *e->k);
		}
		if (want_keys)
			e->k[e->n] = key;
		e->v[e->n++] = val;
	}
	return r;
}

static void elems_free(struct elems *e)
{
	free(e->v);
	free(e->k);
}

/* Argument i as an array (or map); false (result set: NULL, or an error) otherwise. */
static bool arg_elems(sqlite3_context *ctx, sqlite3_value *v, struct elems *e, bool keys)
{
	size_t n;
	const char *s = txt(v, &n);
	if (!s) {
		sqlite3_result_null(ctx);
		return false;
	}
	if (elems_of(s, n, e, keys) < 0) {
		elems_free(e);
		tl_sqlval_fail(ctx, "not a valid array or map value: %.60s", s);
		return false;
	}
	return true;
}

/* The text of a value as Trino casts it to varchar. */
static void sqlv_text(const struct tl_sqlv *v, char k, int scale, struct tl_buf *out)
{
	char b[400];
	switch (v->t) {
	case TL_SQLV_INT:
		if (k == 'b')
			tl_buf_adds(out, v->i ? "true" : "false");
		else
			tl_buf_addf(out, "%lld", (long long)v->i);
		break;
	case TL_SQLV_DBL:
		if (k == 'n')
			tl_sqlval_decimal_text(v->d, scale, b);
		else
			tl_sqlval_double_text(v->d, b);
		tl_buf_adds(out, b);
		break;
	case TL_SQLV_TEXT:
	case TL_SQLV_JSON:
		tl_buf_add(out, v->s, v->n);
		break;
	default:
		break;
	}
}

/* ---- rows ---- */

static void fn_field(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	size_t n;
	const char *s = txt(argv[0], &n);
	if (!s || argc < 3) {
		sqlite3_result_null(ctx);
		return;
	}
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 1);
	if (!t)
		return;
	struct tl_jslice cur = whole(s, n);
	for (int i = 2; i < argc; i++) {
		const char *name = (const char *)sqlite3_value_text(argv[i]);
		if (cur.type != TL_J_OBJECT || !name ||
		    tl_sqlval_member(cur.p, cur.len, name, &cur) < 0) {
			sqlite3_result_null(ctx);
			return;
		}
	}
	struct tl_buf tmp = TL_BUF_INIT;
	tl_sqlval_result_json(ctx, &cur, t, &tmp);
	tl_buf_release(&tmp);
}

static int add_sqlv(struct tl_buf *b, const struct tl_sqlv *v, const struct tl_sqltype *t)
{
	return tl_sqlval_add_sqlv_json(b, v, t);
}

static void fn_array(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 0);
	if (!t)
		return;
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			tl_buf_addc(&b, ',');
		tl_sqlval_add_json(&b, argv[i], t->e);
	}
	tl_buf_addc(&b, ']');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
}

static void fn_row(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 0);
	if (!t)
		return;
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '{');
	for (int i = 1; i < argc && (size_t)(i - 1) < t->nf; i++) {
		if (i > 1)
			tl_buf_addc(&b, ',');
		tl_buf_add_json_str(&b, t->names[i - 1], strlen(t->names[i - 1]));
		tl_buf_addc(&b, ':');
		tl_sqlval_add_json(&b, argv[i], t->f[i - 1]);
	}
	tl_buf_addc(&b, '}');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
}

/* ---- casts ---- */

static const char *type_name(char k)
{
	switch (k) {
	case 'b': return "BOOLEAN";
	case 'i': return "BIGINT";
	case 'd': return "DOUBLE";
	case 'n': return "DECIMAL";
	case 's': return "VARCHAR";
	case 'D': return "DATE";
	case 't': return "TIMESTAMP";
	case 'z': return "TIMESTAMP WITH TIME ZONE";
	case 'j': return "JSON";
	case '[': return "ARRAY";
	case '{': return "MAP";
	case '(': return "ROW";
	default: return "UNKNOWN";
	}
}

struct castctx {
	struct tl_sqlfn *st;
	struct tl_buf err;
	struct tl_buf scratch;   /* text the converted value may point into */
};

static void trim_span(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int cast_fail(struct castctx *c, const struct tl_sqlv *in, char from, char to)
{
	tl_buf_reset(&c->err);
	struct tl_buf t = TL_BUF_INIT;
	sqlv_text(in, from, 0, &t);
	tl_buf_addf(&c->err, "Cannot cast %s '%.80s' to %s", type_name(from), tl_buf_str(&t),
		    type_name(to));
	tl_buf_release(&t);
	return -1;
}

/* A scalar cast (the JSON type, dates and times included). */
static int cast_scalar(struct castctx *c, const struct tl_sqlv *in, char from,
		       const struct tl_sqltype *to, struct tl_sqlv *out)
{
	char k = to->k;
	*out = *in;
	if (in->t == TL_SQLV_NULL)
		return 0;
	if (from == k && k != 'n')
		return 0;
	if (from == '?') /* unknown: by what it holds */
		from = in->t == TL_SQLV_INT ? 'i' : in->t == TL_SQLV_DBL ? 'd' : 's';
	switch (k) {
	case 's': {
		if (from == 'D' || from == 't' || from == 'z' || from == 's' || from == 'j') {
			if (from == 'j') {
				struct tl_jslice j = whole(in->s, in->n);
				if (j.type == TL_J_OBJECT || j.type == TL_J_ARRAY)
					return cast_fail(c, in, from, k);
				struct tl_sqlv v;
				tl_buf_reset(&c->scratch);
				if (j.type == TL_J_TRUE || j.type == TL_J_FALSE) {
					out->t = TL_SQLV_TEXT;
					out->s = j.type == TL_J_TRUE ? "true" : "false";
					out->n = strlen(out->s);
					return 0;
				}
				struct tl_sqltype st = { .k = 's' };
				tl_sqlval_decode(&j, &st, &v, &c->scratch);
				*out = v;
			}
			return 0;
		}
		tl_buf_reset(&c->scratch);
		sqlv_text(in, from, from == 'n' ? to->scale : 0, &c->scratch);
		if (from == 'n' && in->t == TL_SQLV_DBL) {
			/* the decimal's own scale is not known here: its shortest digits */
			char d[400];
			tl_sqlval_double_text(in->d, d);
			tl_buf_reset(&c->scratch);
			tl_buf_adds(&c->scratch, d);
		}
		out->t = TL_SQLV_TEXT;
		out->s = tl_buf_str(&c->scratch);
		out->n = c->scratch.len;
		return 0;
	}
	case 'b':
		if (from == 'i' || from == 'd' || from == 'n') {
			out->t = TL_SQLV_INT;
			out->i = in->t == TL_SQLV_INT ? in->i != 0 : in->d != 0;
			return 0;
		}
		if (from == 's' || from == 'j') {
			const char *s = in->s;
			size_t n = in->n;
			if (from == 'j') {
				struct tl_jslice j = whole(s, n);
				if (j.type == TL_J_TRUE || j.type == TL_J_FALSE) {
					out->t = TL_SQLV_INT;
					out->i = j.type == TL_J_TRUE;
					return 0;
				}
				if (j.type == TL_J_NUMBER) {
					out->t = TL_SQLV_INT;
					out->i = strtod(j.p, NULL) != 0;
					return 0;
				}
				if (j.type == TL_J_NULL) {
					out->t = TL_SQLV_NULL;
					return 0;
				}
				if (j.type != TL_J_STRING)
					return cast_fail(c, in, from, k);
				s = j.p + 1;
				n = j.len - 2;
			}
			trim_span(&s, &n);
			if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 1 && (*s == 't' || *s == 'T' || *s == '1'))) {
				out->t = TL_SQLV_INT;
				out->i = 1;
				return 0;
			}
			if ((n == 5 && !strncasecmp(s, "false", 5)) || (n == 1 && (*s == 'f' || *s == 'F' || *s == '0'))) {
				out->t = TL_SQLV_INT;
				out->i = 0;
				return 0;
			}
		}
		return cast_fail(c, in, from, k);
	case 'i':
	case 'd':
	case 'n': {
		double d;
		if (from == 'b' || from == 'i') {
			d = (double)in->i;
			if (k == 'i') {
				out->t = TL_SQLV_INT;
				out->i = in->i;
				return 0;
			}
		} else if (from == 'd' || from == 'n') {
			d = in->t == TL_SQLV_INT ? (double)in->i : in->d;
		} else if (from == 's' || from == 'j') {
			const char *s = in->s;
			size_t n = in->n;
			if (from == 'j') {
				struct tl_jslice j = whole(s, n);
				if (j.type == TL_J_NULL) {
					out->t = TL_SQLV_NULL;
					return 0;
				}
				if (j.type == TL_J_TRUE || j.type == TL_J_FALSE) {
					d = j.type == TL_J_TRUE;
					goto have;
				}
				if (j.type == TL_J_STRING) {
					s = j.p + 1;
					n = j.len - 2;
				} else if (j.type != TL_J_NUMBER) {
					return cast_fail(c, in, from, k);
				}
			}
			trim_span(&s, &n);
			char tmp[80];
			if (n == 0 || n >= sizeof tmp)
				return cast_fail(c, in, from, k);
			memcpy(tmp, s, n);
			tmp[n] = '\0';
			char *end;
			if (k == 'i') {
				errno = 0;
				long long v = strtoll(tmp, &end, 10);
				if (*end || errno)
					return cast_fail(c, in, from, k);
				out->t = TL_SQLV_INT;
				out->i = v;
				return 0;
			}
			if (!strcmp(tmp, "NaN"))
				d = NAN;
			else if (!strcmp(tmp, "Infinity") || !strcmp(tmp, "+Infinity"))
				d = INFINITY;
			else if (!strcmp(tmp, "-Infinity"))
				d = -INFINITY;
			else {
				if (strpbrk(tmp, "xXiInN"))
					return cast_fail(c, in, from, k);
				d = strtod(tmp, &end);
				if (*end == 'd' || *end == 'D' || *end == 'f' || *end == 'F')
					end++;
				if (*end || end == tmp)
					return cast_fail(c, in, from, k);
			}
		} else {
			return cast_fail(c, in, from, k);
		}
have:
		if (k == 'i') {
			if (isnan(d) || d >= 9.223372036854775807e18 || d < -9.223372036854775808e18) {
				tl_buf_reset(&c->err);
				tl_buf_addf(&c->err, "Out of range for bigint: %g", d);
				return -1;
			}
			out->t = TL_SQLV_INT;
			out->i = d < 0 ? -(int64_t)floor(-d + 0.5) : (int64_t)floor(d + 0.5);
			return 0;
		}
		out->t = TL_SQLV_DBL;
		out->d = k == 'n' ? tl_sqlval_round_decimal(d, to->scale) : d;
		return 0;
	}
	case 'D':
	case 't':
	case 'z': {
		if (from != 's' && from != 'D' && from != 't' && from != 'z')
			return cast_fail(c, in, from, k);
		struct tl_buf b = TL_BUF_INIT;
		if (tl_sqltime_cast(c->st->time, in->s, in->n, from, k, &b) < 0) {
			tl_buf_reset(&c->err);
			tl_buf_adds(&c->err, tl_buf_str(&b));
			tl_buf_release(&b);
			return -1;
		}
		tl_buf_reset(&c->scratch);
		tl_buf_add(&c->scratch, tl_buf_str(&b), b.len);
		tl_buf_release(&b);
		out->t = TL_SQLV_TEXT;
		out->s = tl_buf_str(&c->scratch);
		out->n = c->scratch.len;
		return 0;
	}
	case 'j': {
		/* a scalar as a JSON value */
		struct tl_sqltype ft = { .k = from };
		tl_buf_reset(&c->scratch);
		if (from == 'D' || from == 't' || from == 'z')
			ft.k = 's';
		tl_sqlval_add_sqlv_json(&c->scratch, in, &ft);
		out->t = TL_SQLV_TEXT;
		out->s = tl_buf_str(&c->scratch);
		out->n = c->scratch.len;
		return 0;
	}
	default:
		return cast_fail(c, in, from, k);
	}
}

static bool composite(char k)
{
	return k == '[' || k == '{' || k == '(';
}

/* Converts the JSON value v of type from into JSON of type to, appended to out. */
static int conv_json(struct castctx *c, const struct tl_jslice *v, const struct tl_sqltype *from,
		     const struct tl_sqltype *to, struct tl_buf *out, int depth)
{
	static const struct tl_sqltype jt = { .k = 'j' };
	if (depth > 100) {
		tl_buf_reset(&c->err);
		tl_buf_adds(&c->err, "value nested too deeply");
		return -1;
	}
	if (v->type == TL_J_NONE || v->type == TL_J_NULL)
		return tl_buf_adds(out, "null"), 0;
	bool fj = from->k == 'j' || from->k == '?';
	if (to->k == 'j' && composite(from->k))
		return tl_buf_add(out, v->p, v->len), 0;
	if (composite(to->k)) {
		if (!fj && from->k != to->k)
			goto bad;
		if (to->k == '[') {
			if (v->type != TL_J_ARRAY)
				goto bad;
			struct elems e;
			elems_of(v->p, v->len, &e, false);
			tl_buf_addc(out, '[');
			for (size_t i = 0; i < e.n; i++) {
				if (i)
					tl_buf_addc(out, ',');
				if (conv_json(c, &e.v[i], fj ? &jt : from->e, to->e, out, depth + 1) < 0) {
					elems_free(&e);
					return -1;
				}
			}
			elems_free(&e);
			tl_buf_addc(out, ']');
			return 0;
		}
		if (to->k == '{') {
			if (v->type != TL_J_OBJECT)
				goto bad;
			struct elems e;
			elems_of(v->p, v->len, &e, true);
			tl_buf_addc(out, '{');
			struct tl_sqltype kt = { .k = 's' };
			for (size_t i = 0; i < e.n; i++) {
				/* keys are text in JSON: read as the source's key type, cast, written as text */
				struct tl_buf key = TL_BUF_INIT, kt2 = TL_BUF_INIT;
				struct tl_sqlv kv, ko;
				const struct tl_sqltype *ks = fj ? &kt : from->e;
				tl_sqlval_decode(&e.k[i], ks, &kv, &key);
				if (cast_scalar(c, &kv, ks->k, to->e, &ko) < 0) {
					tl_buf_release(&key);
					elems_free(&e);
					return -1;
				}
				sqlv_text(&ko, to->e->k, to->e->scale, &kt2);
				if (i)
					tl_buf_addc(out, ',');
				tl_buf_add_json_str(out, tl_buf_str(&kt2), kt2.len);
				tl_buf_addc(out, ':');
				tl_buf_release(&kt2);
				tl_buf_release(&key);
				if (conv_json(c, &e.v[i], fj ? &jt : from->v, to->v, out, depth + 1) < 0) {
					elems_free(&e);
					return -1;
				}
			}
			elems_free(&e);
			tl_buf_addc(out, '}');
			return 0;
		}
		/* rows: by position from a row or a JSON array, by name from a JSON object */
		tl_buf_addc(out, '{');
		struct elems e = { 0 };
		if (v->type == TL_J_ARRAY)
			elems_of(v->p, v->len, &e, false);
		else if (v->type != TL_J_OBJECT) {
			tl_buf_truncate(out, out->len - 1);
			goto bad;
		}
		for (size_t i = 0; i < to->nf; i++) {
			struct tl_jslice fv = { TL_J_NONE, NULL, 0 };
			const struct tl_sqltype *ft = &jt;
			if (v->type == TL_J_ARRAY) {
				if (i < e.n)
					fv = e.v[i];
			} else if (!fj) {
				if (i < from->nf) {
					tl_sqlval_member(v->p, v->len, from->names[i], &fv);
					ft = from->f[i];
				}
			} else {
				tl_sqlval_member(v->p, v->len, to->names[i], &fv);
			}
			if (i)
				tl_buf_addc(out, ',');
			tl_buf_add_json_str(out, to->names[i], strlen(to->names[i]));
			tl_buf_addc(out, ':');
			if (conv_json(c, &fv, ft, to->f[i], out, depth + 1) < 0) {
				elems_free(&e);
				return -1;
			}
		}
		elems_free(&e);
		tl_buf_addc(out, '}');
		return 0;
	}
	if (composite(from->k))
		goto bad;
	/* scalar to scalar, inside JSON */
	struct tl_buf tmp = TL_BUF_INIT;
	struct tl_sqlv in, o;
	const struct tl_sqltype *dt = fj ? NULL : from;
	char fk = from->k;
	if (fj) {
		if (v->type == TL_J_STRING)
			fk = 's';
		else if (v->type == TL_J_TRUE || v->type == TL_J_FALSE)
			fk = 'b';
		else if (v->type == TL_J_NUMBER)
			fk = memchr(v->p, '.', v->len) || memchr(v->p, 'e', v->len) ||
					     memchr(v->p, 'E', v->len) ? 'd' : 'i';
		else
			goto badtmp;
		static const struct tl_sqltype ss = { .k = 's' }, bb = { .k = 'b' }, ii = { .k = 'i' },
					       dd = { .k = 'd' };
		dt = fk == 's' ? &ss : fk == 'b' ? &bb : fk == 'i' ? &ii : &dd;
	}
	tl_sqlval_decode(v, dt, &in, &tmp);
	if (cast_scalar(c, &in, fk, to, &o) < 0) {
		tl_buf_release(&tmp);
		return -1;
	}
	add_sqlv(out, &o, to);
	tl_buf_release(&tmp);
	return 0;
badtmp:
	(void)0;
bad:
	tl_buf_reset(&c->err);
	tl_buf_addf(&c->err, "Cannot cast %s to %s", type_name(from->k), type_name(to->k));
	return -1;
}

static void fn_cast(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const struct tl_sqltype *from = tl_sqltype_arg(ctx, argv, 1), *to;
	if (!from || !(to = tl_sqltype_arg(ctx, argv, 2)))
		return;
	struct castctx c = { fn_state(ctx), TL_BUF_INIT, TL_BUF_INIT };
	struct tl_sqlv in, out;
	tl_sqlval_from_value(argv[0], &in);
	if (composite(to->k) || composite(from->k) || (to->k == 'j' && from->k == 'j')) {
		size_t n;
		const char *s = txt(argv[0], &n);
		struct tl_jslice v = whole(s, n);
		struct tl_buf b = TL_BUF_INIT;
		if (from->k == 'j' && !composite(to->k) && to->k != 'j')
			goto scalar;
		if (conv_json(&c, &v, from, to, &b, 0) < 0) {
			tl_sqlval_fail(ctx, "%s", tl_buf_str(&c.err));
		} else if (to->k == 'j') {
			sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
		} else {
			result_json_buf(ctx, &b);
		}
		tl_buf_release(&b);
		goto done;
	}
scalar:
	if (cast_scalar(&c, &in, from->k, to, &out) < 0)
		tl_sqlval_fail(ctx, "%s", tl_buf_str(&c.err));
	else
		tl_sqlval_result(ctx, &out);
done:
	tl_buf_release(&c.err);
	tl_buf_release(&c.scratch);
}

/* ---- UNNEST ---- */

#define UN_VALUES 64
#define UN_ARRAYS 8
#define UN_SPEC (1 + UN_VALUES)
#define UN_ARG0 (UN_SPEC + 1)

struct un_arr {
	char *text;
	struct tl_sqltype *t;
	bool expand, map;
	struct elems e;
	struct tl_jslice *fields; /* e.n * t->nf when expanded */
};

struct un_col {
	int arr, field; /* field -1: the element; map: 0 key, 1 value */
	const struct tl_sqltype *t;
};

struct un_cursor {
	sqlite3_vtab_cursor base;
	struct un_arr arr[UN_ARRAYS];
	int narr;
	struct un_col col[UN_VALUES];
	int ncol;
	size_t nrows, row;
	bool marker;
	struct tl_buf tmp;
};

static int un_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **err)
{
	(void)aux;
	(void)argc;
	(void)argv;
	(void)err;
	struct tl_buf ddl = TL_BUF_INIT;
	tl_buf_adds(&ddl, "CREATE TABLE x(ord INTEGER");
	for (int i = 0; i < UN_VALUES; i++)
		tl_buf_addf(&ddl, ", v%d", i);
	tl_buf_adds(&ddl, ", spec HIDDEN");
	for (int i = 0; i < UN_ARRAYS; i++)
		tl_buf_addf(&ddl, ", a%d HIDDEN", i);
	tl_buf_adds(&ddl, ")");
	int rc = sqlite3_declare_vtab(db, ddl.data);
	tl_buf_release(&ddl);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_vtab *v = sqlite3_malloc(sizeof *v);
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof *v);
	*out = v;
	return SQLITE_OK;
}

static int un_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int un_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	(void)v;
	int slot[1 + UN_ARRAYS];
	for (int i = 0; i <= UN_ARRAYS; i++)
		slot[i] = -1;
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		if (c->iColumn < UN_SPEC || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
			continue;
		if (!c->usable)
			return SQLITE_CONSTRAINT;
		slot[c->iColumn - UN_SPEC] = i;
	}
	if (slot[0] < 0)
		return SQLITE_CONSTRAINT;
	int argi = 0, mask = 0;
	for (int k = 0; k <= UN_ARRAYS; k++) {
		if (slot[k] < 0)
			continue;
		info->aConstraintUsage[slot[k]].argvIndex = ++argi;
		info->aConstraintUsage[slot[k]].omit = 1;
		mask |= 1 << k;
	}
	info->idxNum = mask;
	info->estimatedCost = 10;
	info->estimatedRows = 10;
	return SQLITE_OK;
}

static int un_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	(void)v;
	struct un_cursor *c = sqlite3_malloc(sizeof *c);
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	tl_buf_init(&c->tmp, 0);
	*out = &c->base;
	return SQLITE_OK;
}

static void un_reset(struct un_cursor *c)
{
	for (int i = 0; i < c->narr; i++) {
		free(c->arr[i].text);
		tl_sqltype_free(c->arr[i].t);
		elems_free(&c->arr[i].e);
		free(c->arr[i].fields);
	}
	memset(c->arr, 0, sizeof c->arr);
	c->narr = c->ncol = 0;
	c->nrows = c->row = 0;
	c->marker = false;
}

static int un_close(sqlite3_vtab_cursor *cur)
{
	struct un_cursor *c = (struct un_cursor *)cur;
	un_reset(c);
	tl_buf_release(&c->tmp);
	sqlite3_free(c);
	return SQLITE_OK;
}

static int un_error(struct un_cursor *c, const char *msg)
{
	sqlite3_free(c->base.pVtab->zErrMsg);
	c->base.pVtab->zErrMsg = sqlite3_mprintf("%s", msg);
	return SQLITE_ERROR;
}

static int un_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
		     sqlite3_value **argv)
{
	(void)idxStr;
	struct un_cursor *c = (struct un_cursor *)cur;
	un_reset(c);
	if (!(idxNum & 1) || argc < 1)
		return un_error(c, "UNNEST: internal: no spec");
	const char *spec = (const char *)sqlite3_value_text(argv[0]);
	const char *bar = spec ? strchr(spec, '|') : NULL;
	if (!bar)
		return un_error(c, "UNNEST: internal: bad spec");
	bool nullrow = memchr(spec, 'n', (size_t)(bar - spec)) != NULL;
	bool whole_rows = memchr(spec, 'e', (size_t)(bar - spec)) != NULL;
	const char *p = bar + 1;
	int ai = 1;
	bool any_null = false;
	for (int k = 1; k <= UN_ARRAYS && p && *p; k++) {
		const char *semi = strchr(p, ';');
		char *code = semi ? xstrndup(p, (size_t)(semi - p)) : xstrdup(p);
		p = semi ? semi + 1 : NULL;
		struct un_arr *a = &c->arr[c->narr++];
		a->t = tl_sqltype_parse(code);
		free(code);
		if (!a->t || (a->t->k != '[' && a->t->k != '{'))
			return un_error(c, "UNNEST: internal: bad type code");
		a->map = a->t->k == '{';
		a->expand = !a->map && !whole_rows && a->t->e->k == '(';
		sqlite3_value *v = (idxNum & (1 << k)) && ai < argc ? argv[ai++] : NULL;
		const char *s = v ? (const char *)sqlite3_value_text(v) : NULL;
		if (!s) {
			any_null = true;
		} else {
			size_t n = (size_t)sqlite3_value_bytes(v);
			a->text = xmemdup(s, n + 1);
			if (elems_of(a->text, n, &a->e, a->map) < 0)
				return un_error(c, a->map ? "UNNEST: not a valid map value"
							  : "UNNEST: not a valid array value");
		}
		/* columns */
		int want = a->map ? 2 : a->expand ? (int)a->t->e->nf : 1;
		if (c->ncol + want > UN_VALUES)
			return un_error(c, "UNNEST: more than 64 columns");
		for (int f = 0; f < want; f++) {
			struct un_col *col = &c->col[c->ncol++];
			col->arr = c->narr - 1;
			col->field = a->map ? f : a->expand ? f : -1;
			col->t = a->map ? (f ? a->t->v : a->t->e) : a->expand ? a->t->e->f[f] : a->t->e;
		}
		if (a->expand && a->e.n) {
			size_t nf = a->t->e->nf;
			a->fields = xcalloc(a->e.n * nf + 1, sizeof *a->fields);
			const char **keys = xcalloc(nf + 1, sizeof *keys);
			size_t *lens = xcalloc(nf + 1, sizeof *lens);
			for (size_t f = 0; f < nf; f++) {
				keys[f] = a->t->e->names[f];
				lens[f] = strlen(keys[f]);
			}
			for (size_t r = 0; r < a->e.n; r++)
				if (a->e.v[r].type == TL_J_OBJECT)
					tl_jscan_fields(a->e.v[r].p, a->e.v[r].len, keys, lens, nf, true,
							a->fields + r * nf);
			free(keys);
			free(lens);
		}
		if (a->e.n > c->nrows)
			c->nrows = a->e.n;
	}
	if (nullrow && any_null && c->nrows == 0) {
		c->marker = true;
		c->nrows = 1;
	}
	return SQLITE_OK;
}

static int un_next(sqlite3_vtab_cursor *cur)
{
	((struct un_cursor *)cur)->row++;
	return SQLITE_OK;
}

static int un_eof(sqlite3_vtab_cursor *cur)
{
	struct un_cursor *c = (struct un_cursor *)cur;
	return c->row >= c->nrows;
}

static int un_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
	struct un_cursor *c = (struct un_cursor *)cur;
	if (i == 0) {
		if (c->marker)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_int64(ctx, (sqlite3_int64)c->row + 1);
		return SQLITE_OK;
	}
	int k = i - 1;
	if (c->marker || k >= c->ncol) {
		sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	const struct un_col *col = &c->col[k];
	const struct un_arr *a = &c->arr[col->arr];
	if (c->row >= a->e.n) {
		sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	struct tl_jslice v;
	if (a->map)
		v = col->field == 0 ? a->e.k[c->row] : a->e.v[c->row];
	else if (a->expand)
		v = a->fields[c->row * a->t->e->nf + (size_t)col->field];
	else
		v = a->e.v[c->row];
	tl_sqlval_result_json(ctx, &v, col->t, &c->tmp);
	return SQLITE_OK;
}

static int un_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct un_cursor *)cur)->row;
	return SQLITE_OK;
}

static const sqlite3_module unnest_module = {
	.iVersion = 1,
	.xConnect = un_connect,
	.xBestIndex = un_best_index,
	.xDisconnect = un_disconnect,
	.xOpen = un_open,
	.xClose = un_close,
	.xFilter = un_filter,
	.xNext = un_next,
	.xEof = un_eof,
	.xColumn = un_column,
	.xRowid = un_rowid,
};

/* ---- arrays and maps ---- */

static void fn_cardinality(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct elems e;
	if (!arg_elems(ctx, argv[0], &e, false))
		return;
	sqlite3_result_int64(ctx, (sqlite3_int64)e.n);
	elems_free(&e);
}

/* The key text a map lookup compares with. */
static void key_text(sqlite3_value *v, struct tl_buf *b)
{
	struct tl_sqlv x;
	tl_sqlval_from_value(v, &x);
	sqlv_text(&x, 's', 0, b);
}

static void fn_element_at(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 2);
	bool strict = sqlite3_value_int(argv[3]) != 0;
	struct tl_buf tmp = TL_BUF_INIT;
	struct elems e;
	if (!t)
		return;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL || !arg_elems(ctx, argv[0], &e, t->k == '{')) {
		if (sqlite3_value_type(argv[1]) == SQLITE_NULL)
			sqlite3_result_null(ctx);
		return;
	}
	if (t->k == '{') {
		tl_buf_reset(&tmp);
		key_text(argv[1], &tmp);
		struct tl_buf k = TL_BUF_INIT;
		for (size_t i = 0; i < e.n; i++) {
			tl_buf_reset(&k);
			if (tl_jscan_unescape(&e.k[i], &k) == 0 && k.len == tmp.len &&
			    !memcmp(tl_buf_str(&k), tl_buf_str(&tmp), k.len)) {
				tl_sqlval_result_json(ctx, &e.v[i], t->v, &k);
				tl_buf_release(&k);
				goto out;
			}
		}
		tl_buf_release(&k);
		if (strict)
			tl_sqlval_fail(ctx, "Key not present in map: %s", tl_buf_str(&tmp));
		else
			sqlite3_result_null(ctx);
		goto out;
	}
	int64_t i = sqlite3_value_int64(argv[1]), n = (int64_t)e.n;
	if (i == 0) {
		tl_sqlval_fail(ctx, "SQL array indices start at 1");
		goto out;
	}
	if (strict && i < 0) {
		tl_sqlval_fail(ctx, "Array subscript is negative: %lld", (long long)i);
		goto out;
	}
	if (i < 0)
		i = n + i + 1;
	if (i < 1 || i > n) {
		if (strict)
			tl_sqlval_fail(ctx, "Array subscript must be less than or equal to array length: "
					    "%lld > %lld", (long long)i, (long long)n);
		else
			sqlite3_result_null(ctx);
		goto out;
	}
	tl_sqlval_result_json(ctx, &e.v[i - 1], t->e, &tmp);
out:
	elems_free(&e);
	tl_buf_release(&tmp);
}

/* The JSON of a SQL value as an element of type t, as a slice into b. */
static struct tl_jslice value_slice(sqlite3_value *v, const struct tl_sqltype *t, struct tl_buf *b)
{
	tl_buf_reset(b);
	tl_sqlval_add_json(b, v, t);
	return whole(tl_buf_str(b), b->len);
}

static void fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 2);
	struct elems e;
	if (!t)
		return;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!arg_elems(ctx, argv[0], &e, false))
		return;
	struct tl_buf b = TL_BUF_INIT;
	struct tl_jslice want = value_slice(argv[1], t->e, &b);
	bool found = false, nulls = false;
	for (size_t i = 0; i < e.n && !found; i++) {
		if (e.v[i].type == TL_J_NULL)
			nulls = true;
		else if (!tl_sqlval_cmp_json(&e.v[i], &want, t->e))
			found = true;
	}
	if (!found && nulls)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int(ctx, found);
	elems_free(&e);
	tl_buf_release(&b);
}

static void fn_array_position(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 2);
	struct elems e;
	if (!t)
		return;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!arg_elems(ctx, argv[0], &e, false))
		return;
	struct tl_buf b = TL_BUF_INIT;
	struct tl_jslice want = value_slice(argv[1], t->e, &b);
	int64_t pos = 0;
	for (size_t i = 0; i < e.n && !pos; i++)
		if (e.v[i].type != TL_J_NULL && !tl_sqlval_cmp_json(&e.v[i], &want, t->e))
			pos = (int64_t)i + 1;
	sqlite3_result_int64(ctx, pos);
	elems_free(&e);
	tl_buf_release(&b);
}

static void fn_array_join(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, argc - 1);
	struct elems e;
	size_t sl;
	const char *sep = txt(argv[1], &sl);
	const char *nullrep = argc > 3 ? (const char *)sqlite3_value_text(argv[2]) : NULL;
	if (!t)
		return;
	if (!sep || (argc > 3 && !nullrep)) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!arg_elems(ctx, argv[0], &e, false))
		return;
	struct tl_buf b = TL_BUF_INIT, tmp = TL_BUF_INIT;
	bool first = true;
	for (size_t i = 0; i < e.n; i++) {
		struct tl_sqlv v;
		tl_sqlval_decode(&e.v[i], t->e, &v, &tmp);
		if (v.t == TL_SQLV_NULL && !nullrep)
			continue;
		if (!first)
			tl_buf_add(&b, sep, sl);
		first = false;
		if (v.t == TL_SQLV_NULL)
			tl_buf_adds(&b, nullrep);
		else
			sqlv_text(&v, t->e->k, t->e->scale, &b);
	}
	sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
	tl_buf_release(&tmp);
	elems_free(&e);
}

static void fn_split(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, dl;
	const char *s = txt(argv[0], &n), *d = txt(argv[1], &dl);
	int64_t limit = argc > 2 ? sqlite3_value_int64(argv[2]) : INT64_MAX;
	if (!dl) {
		tl_sqlval_fail(ctx, "The delimiter may not be the empty string");
		return;
	}
	if (limit <= 0) {
		tl_sqlval_fail(ctx, "Limit must be positive");
		return;
	}
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	const char *p = s, *end = s + n;
	int64_t parts = 1;
	for (;;) {
		const char *m = parts < limit ? memmem(p, (size_t)(end - p), d, dl) : NULL;
		if (parts > 1)
			tl_buf_addc(&b, ',');
		tl_buf_add_json_str(&b, p, m ? (size_t)(m - p) : (size_t)(end - p));
		if (!m)
			break;
		p = m + dl;
		parts++;
	}
	tl_buf_addc(&b, ']');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
}

static void result_elems(sqlite3_context *ctx, const struct tl_jslice *v, size_t n)
{
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			tl_buf_addc(&b, ',');
		tl_buf_add(&b, v[i].p, v[i].len);
	}
	tl_buf_addc(&b, ']');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
}

static void fn_slice(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	struct elems e;
	int64_t start = sqlite3_value_int64(argv[1]), len = sqlite3_value_int64(argv[2]);
	if (start == 0) {
		tl_sqlval_fail(ctx, "SQL array indices start at 1");
		return;
	}
	if (len < 0) {
		tl_sqlval_fail(ctx, "length must be greater than or equal to 0");
		return;
	}
	if (!arg_elems(ctx, argv[0], &e, false))
		return;
	int64_t n = (int64_t)e.n;
	if (start < 0)
		start = n + start + 1;
	if (start < 1 || start > n) {
		result_elems(ctx, NULL, 0);
	} else {
		int64_t take = n - start + 1 < len ? n - start + 1 : len;
		result_elems(ctx, e.v + start - 1, (size_t)take);
	}
	elems_free(&e);
}

static void fn_array_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	size_t k = 0;
	for (int i = 0; i < argc; i++) {
		struct elems e;
		if (!arg_elems(ctx, argv[i], &e, false)) {
			tl_buf_release(&b);
			return;
		}
		for (size_t j = 0; j < e.n; j++) {
			if (k++)
				tl_buf_addc(&b, ',');
			tl_buf_add(&b, e.v[j].p, e.v[j].len);
		}
		elems_free(&e);
	}
	tl_buf_addc(&b, ']');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
}

static const struct tl_sqltype *sort_type;

static int cmp_sort(const void *a, const void *b)
{
	const struct tl_jslice *x = a, *y = b;
	bool nx = x->type == TL_J_NULL, ny = y->type == TL_J_NULL;
	if (nx || ny)
		return nx - ny; /* nulls last */
	int r = tl_sqlval_cmp_json(x, y, sort_type);
	return r ? r : (x->p > y->p) - (x->p < y->p); /* stable: by position in the text */
}

static void fn_array_sort(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 1);
	struct elems e;
	if (!t || !arg_elems(ctx, argv[0], &e, false))
		return;
	sort_type = t->e;
	qsort(e.v, e.n, sizeof *e.v, cmp_sort);
	result_elems(ctx, e.v, e.n);
	elems_free(&e);
}

static void fn_array_distinct(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 1);
	struct elems e;
	if (!t || !arg_elems(ctx, argv[0], &e, false))
		return;
	size_t k = 0;
	for (size_t i = 0; i < e.n; i++) {
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = !tl_sqlval_cmp_json(&e.v[i], &e.v[j], t->e);
		if (!dup)
			e.v[k++] = e.v[i];
	}
	result_elems(ctx, e.v, k);
	elems_free(&e);
}

static void array_extreme(sqlite3_context *ctx, sqlite3_value **argv, int sign)
{
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 1);
	struct elems e;
	if (!t || !arg_elems(ctx, argv[0], &e, false))
		return;
	const struct tl_jslice *best = NULL;
	for (size_t i = 0; i < e.n; i++) {
		if (e.v[i].type == TL_J_NULL) {
			best = NULL;
			break;
		}
		if (!best || sign * tl_sqlval_cmp_json(&e.v[i], best, t->e) > 0)
			best = &e.v[i];
	}
	struct tl_buf tmp = TL_BUF_INIT;
	if (best)
		tl_sqlval_result_json(ctx, best, t->e, &tmp);
	else
		sqlite3_result_null(ctx);
	tl_buf_release(&tmp);
	elems_free(&e);
}

static void fn_array_max(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	array_extreme(ctx, argv, 1);
}

static void fn_array_min(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	array_extreme(ctx, argv, -1);
}

static void fn_array_remove(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 2);
	struct elems e;
	if (!t)
		return;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!arg_elems(ctx, argv[0], &e, false))
		return;
	struct tl_buf b = TL_BUF_INIT;
	struct tl_jslice want = value_slice(argv[1], t->e, &b);
	size_t k = 0;
	for (size_t i = 0; i < e.n; i++)
		if (e.v[i].type == TL_J_NULL || tl_sqlval_cmp_json(&e.v[i], &want, t->e))
			e.v[k++] = e.v[i];
	result_elems(ctx, e.v, k);
	elems_free(&e);
	tl_buf_release(&b);
}

static void fn_array_reverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct elems e;
	if (!arg_elems(ctx, argv[0], &e, false))
		return;
	for (size_t i = 0; i < e.n / 2; i++) {
		struct tl_jslice x = e.v[i];
		e.v[i] = e.v[e.n - 1 - i];
		e.v[e.n - 1 - i] = x;
	}
	result_elems(ctx, e.v, e.n);
	elems_free(&e);
}

static void fn_flatten(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct elems e;
	if (!arg_elems(ctx, argv[0], &e, false))
		return;
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	size_t k = 0;
	for (size_t i = 0; i < e.n; i++) {
		struct elems in;
		if (e.v[i].type != TL_J_ARRAY || elems_of(e.v[i].p, e.v[i].len, &in, false) < 0) {
			if (e.v[i].type != TL_J_NULL) {
				elems_free(&in);
				continue;
			}
			continue;
		}
		for (size_t j = 0; j < in.n; j++) {
			if (k++)
				tl_buf_addc(&b, ',');
			tl_buf_add(&b, in.v[j].p, in.v[j].len);
		}
		elems_free(&in);
	}
	tl_buf_addc(&b, ']');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
	elems_free(&e);
}

static void fn_sequence(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	int64_t a = sqlite3_value_int64(argv[0]), z = sqlite3_value_int64(argv[1]);
	int64_t step = argc > 2 ? sqlite3_value_int64(argv[2]) : (a <= z ? 1 : -1);
	if (step == 0) {
		tl_sqlval_fail(ctx, "step must not be zero");
		return;
	}
	if ((step > 0 && a > z) || (step < 0 && a < z)) {
		tl_sqlval_fail(ctx, "sequence stop value should be %s start value",
			       step > 0 ? "greater than or equal to" : "less than or equal to");
		return;
	}
	double count = floor(((double)z - (double)a) / (double)step) + 1;
	if (count > 10000) {
		tl_sqlval_fail(ctx, "result of sequence function must not have more than 10000 entries");
		return;
	}
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	for (int64_t i = 0; i < (int64_t)count; i++)
		tl_buf_addf(&b, "%s%lld", i ? "," : "", (long long)(a + i * step));
	tl_buf_addc(&b, ']');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
}

static void fn_repeat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 2);
	if (!t)
		return;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	int64_t n = sqlite3_value_int64(argv[1]);
	if (n < 0 || n > 10000) {
		tl_sqlval_fail(ctx, n < 0 ? "count argument of repeat function must be greater than or equal to 0"
				 : "count argument of repeat function must be less than or equal to 10000");
		return;
	}
	struct tl_buf b = TL_BUF_INIT, one = TL_BUF_INIT;
	tl_sqlval_add_json(&one, argv[0], t);
	tl_buf_addc(&b, '[');
	for (int64_t i = 0; i < n; i++) {
		if (i)
			tl_buf_addc(&b, ',');
		tl_buf_add(&b, tl_buf_str(&one), one.len);
	}
	tl_buf_addc(&b, ']');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
	tl_buf_release(&one);
}

static bool in_elems(const struct elems *e, const struct tl_jslice *v, const struct tl_sqltype *t)
{
	for (size_t i = 0; i < e->n; i++)
		if (!tl_sqlval_cmp_json(&e->v[i], v, t))
			return true;
	return false;
}

/* op: 'o' overlap, 'u' union, 'i' intersect, 'x' except */
static void set_op(sqlite3_context *ctx, sqlite3_value **argv, char op)
{
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 2);
	struct elems a, b;
	if (!t)
		return;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!arg_elems(ctx, argv[0], &a, false))
		return;
	if (!arg_elems(ctx, argv[1], &b, false)) {
		elems_free(&a);
		return;
	}
	if (op == 'o') {
		bool found = false, nulls = false;
		for (size_t i = 0; i < a.n && !found; i++) {
			if (a.v[i].type == TL_J_NULL) {
				nulls = true;
				continue;
			}
			for (size_t j = 0; j < b.n && !found; j++) {
				if (b.v[j].type == TL_J_NULL)
					nulls = true;
				else if (!tl_sqlval_cmp_json(&a.v[i], &b.v[j], t->e))
					found = true;
			}
		}
		if (!found && nulls)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_int(ctx, found);
	} else {
		struct elems out = { xcalloc(a.n + b.n + 1, sizeof(struct tl_jslice)), NULL, 0 };
		for (size_t i = 0; i < a.n; i++) {
			bool keep = op == 'u' || (op == 'i') == in_elems(&b, &a.v[i], t->e);
			if (keep && !in_elems(&out, &a.v[i], t->e))
				out.v[out.n++] = a.v[i];
		}
		for (size_t j = 0; op == 'u' && j < b.n; j++)
			if (!in_elems(&out, &b.v[j], t->e))
				out.v[out.n++] = b.v[j];
		result_elems(ctx, out.v, out.n);
		free(out.v);
	}
	elems_free(&a);
	elems_free(&b);
}

static void fn_arrays_overlap(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	set_op(ctx, argv, 'o');
}

static void fn_array_union(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	set_op(ctx, argv, 'u');
}

static void fn_array_intersect(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	set_op(ctx, argv, 'i');
}

static void fn_array_except(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	set_op(ctx, argv, 'x');
}

static void fn_map_from(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 2);
	struct elems k, v;
	if (!t)
		return;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!arg_elems(ctx, argv[0], &k, false))
		return;
	if (!arg_elems(ctx, argv[1], &v, false)) {
		elems_free(&k);
		return;
	}
	struct tl_buf b = TL_BUF_INIT, tmp = TL_BUF_INIT, kt = TL_BUF_INIT;
	char **seen = xcalloc(k.n + 1, sizeof *seen);
	if (k.n != v.n) {
		tl_sqlval_fail(ctx, "Key and value arrays must be the same length");
		goto out;
	}
	tl_buf_addc(&b, '{');
	for (size_t i = 0; i < k.n; i++) {
		struct tl_sqlv kv;
		tl_sqlval_decode(&k.v[i], t->e, &kv, &tmp);
		if (kv.t == TL_SQLV_NULL) {
			tl_sqlval_fail(ctx, "map key cannot be null");
			goto out;
		}
		tl_buf_reset(&kt);
		sqlv_text(&kv, t->e->k, t->e->scale, &kt);
		seen[i] = xstrdup(tl_buf_str(&kt));
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(seen[j], seen[i])) {
				tl_sqlval_fail(ctx, "Duplicate map keys (%s) are not allowed", seen[i]);
				goto out;
			}
		}
		if (i)
			tl_buf_addc(&b, ',');
		tl_buf_add_json_str(&b, kt.data, kt.len);
		tl_buf_addc(&b, ':');
		tl_buf_add(&b, v.v[i].p, v.v[i].len);
	}
	tl_buf_addc(&b, '}');
	result_json_buf(ctx, &b);
out:
	for (size_t i = 0; i < k.n; i++)
		free(seen[i]);
	free(seen);
	tl_buf_release(&b);
	tl_buf_release(&tmp);
	tl_buf_release(&kt);
	elems_free(&k);
	elems_free(&v);
}

static void fn_map_keys(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 1);
	struct elems e;
	if (!t || !arg_elems(ctx, argv[0], &e, true))
		return;
	struct tl_buf b = TL_BUF_INIT, tmp = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	for (size_t i = 0; i < e.n; i++) {
		struct tl_sqlv kv;
		tl_sqlval_decode(&e.k[i], t->e, &kv, &tmp);
		if (i)
			tl_buf_addc(&b, ',');
		tl_sqlval_add_sqlv_json(&b, &kv, t->e);
	}
	tl_buf_addc(&b, ']');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
	tl_buf_release(&tmp);
	elems_free(&e);
}

static void fn_map_values(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct elems e;
	if (!arg_elems(ctx, argv[0], &e, true))
		return;
	result_elems(ctx, e.v, e.n);
	elems_free(&e);
}

static void fn_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 2);
	if (!t)
		return;
	NULL_IF_NULL(2);
	size_t na, nb;
	const char *a = txt(argv[0], &na), *b = txt(argv[1], &nb);
	struct tl_jslice x = whole(a, na), y = whole(b, nb);
	int r = tl_sqlval_cmp_json(&x, &y, t);
	sqlite3_result_int(ctx, (r > 0) - (r < 0));
}

/* ---- strings ---- */

static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
	size_t l = tl_utf8_seq(s + *i, n - *i);
	if (!l) {
		return 0xFFFFFFFFu - s[(*i)++]; /* a stray byte: kept as itself */
	}
	uint32_t c;
	if (l == 1)
		c = s[*i];
	else if (l == 2)
		c = (uint32_t)(s[*i] & 0x1F) << 6 | (s[*i + 1] & 0x3F);
	else if (l == 3)
		c = (uint32_t)(s[*i] & 0x0F) << 12 | (uint32_t)(s[*i + 1] & 0x3F) << 6 | (s[*i + 2] & 0x3F);
	else
		c = (uint32_t)(s[*i] & 0x07) << 18 | (uint32_t)(s[*i + 1] & 0x3F) << 12 |
		    (uint32_t)(s[*i + 2] & 0x3F) << 6 | (s[*i + 3] & 0x3F);
	*i += l;
	return c;
}

static void put_cp(struct tl_buf *b, uint32_t c)
{
	if (c > 0xFFFFFF00u) {
		tl_buf_addc(b, (char)(0xFFFFFFFFu - c));
		return;
	}
	char u[4];
	tl_buf_add(b, u, tl_utf8_put(u, c));
}

static void change_case(sqlite3_context *ctx, sqlite3_value *v, bool upper)
{
	size_t n;
	const unsigned char *s = (const unsigned char *)txt(v, &n);
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_grow(&b, n + 1);
	for (size_t i = 0; i < n;) {
		if (s[i] < 0x80) {
			char c = (char)s[i++];
			tl_buf_addc(&b, upper ? (char)toupper((unsigned char)c) : (char)tolower((unsigned char)c));
			continue;
		}
		uint32_t c = next_cp(s, n, &i);
		if (c <= 0x10FFFF)
			c = (uint32_t)(upper ? u_toupper((UChar32)c) : u_tolower((UChar32)c));
		put_cp(&b, c);
	}
	sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
}

static void fn_lower(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	change_case(ctx, argv[0], false);
}

static void fn_upper(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	change_case(ctx, argv[0], true);
}

/* Byte offsets of each character (n + 1 entries; the last is the length). */
static size_t *char_offsets(const char *s, size_t n, size_t *count)
{
	size_t *off = xmalloc((n + 1) * sizeof *off), k = 0;
	for (size_t i = 0; i < n;) {
		off[k++] = i;
		next_cp((const unsigned char *)s, n, &i);
	}
	off[k] = n;
	*count = k;
	return off;
}

static void fn_substr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, count;
	const char *s = txt(argv[0], &n);
	int64_t start = sqlite3_value_int64(argv[1]);
	size_t *off = char_offsets(s, n, &count);
	int64_t len = argc > 2 ? sqlite3_value_int64(argv[2]) : (int64_t)count;
	if (start == 0 || len <= 0 || (start < 0 && -start > (int64_t)count) || start > (int64_t)count) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		free(off);
		return;
	}
	int64_t from = start > 0 ? start - 1 : (int64_t)count + start;
	int64_t to = len > (int64_t)count - from ? (int64_t)count : from + len;
	sqlite3_result_text(ctx, s + off[from], (int)(off[to] - off[from]), SQLITE_TRANSIENT);
	free(off);
}

static int64_t chars_before(const char *s, size_t bytes)
{
	int64_t c = 0;
	for (size_t i = 0; i < bytes; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static void fn_strpos(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, m;
	const char *s = txt(argv[0], &n), *sub = txt(argv[1], &m);
	int64_t inst = argc > 2 ? sqlite3_value_int64(argv[2]) : 1;
	if (inst == 0) {
		tl_sqlval_fail(ctx, "'instance' must be a positive or negative number.");
		return;
	}
	if (m == 0) {
		sqlite3_result_int64(ctx, 1);
		return;
	}
	const char *found = NULL;
	if (inst > 0) {
		const char *p = s;
		while (inst-- > 0) {
			found = memmem(p, (size_t)(s + n - p), sub, m);
			if (!found)
				break;
			p = found + 1;
		}
	} else {
		for (const char *p = s + n - m + 1; p-- > s;) {
			if (!memcmp(p, sub, m) && ++inst == 0) {
				found = p;
				break;
			}
			if (p == s)
				break;
		}
	}
	sqlite3_result_int64(ctx, found ? chars_before(s, (size_t)(found - s)) + 1 : 0);
}

static void fn_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	struct tl_buf b = TL_BUF_INIT;
	for (int i = 0; i < argc; i++) {
		size_t n;
		const char *s = txt(argv[i], &n);
		tl_buf_add(&b, s, n);
	}
	sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
}

/* Java's Character.isWhitespace, which Trino's trim uses. */
static bool java_space(uint32_t c)
{
	if (c == 0x00A0 || c == 0x2007 || c == 0x202F)
		return false;
	if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20))
		return true;
	return c <= 0x10FFFF && c > 0x7F && (u_charType((UChar32)c) == U_SPACE_SEPARATOR ||
					     u_charType((UChar32)c) == U_LINE_SEPARATOR ||
					     u_charType((UChar32)c) == U_PARAGRAPH_SEPARATOR);
}

static bool in_set(uint32_t c, const uint32_t *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == c)
			return true;
	return false;
}

static void trim(sqlite3_context *ctx, int argc, sqlite3_value **argv, bool left, bool right)
{
	NULL_IF_NULL(argc);
	size_t n, cn = 0;
	const char *s = txt(argv[0], &n);
	uint32_t *set = NULL;
	size_t nset = 0;
	if (argc > 1) {
		const char *cs = txt(argv[1], &cn);
		set = xcalloc(cn + 1, sizeof *set);
		for (size_t i = 0; i < cn;)
			set[nset++] = next_cp((const unsigned char *)cs, cn, &i);
	}
	size_t count, *off = char_offsets(s, n, &count), a = 0, z = count;
	while (left && a < z) {
		size_t i = off[a];
		uint32_t c = next_cp((const unsigned char *)s, n, &i);
		if (set ? !in_set(c, set, nset) : !java_space(c))
			break;
		a++;
	}
	while (right && z > a) {
		size_t i = off[z - 1];
		uint32_t c = next_cp((const unsigned char *)s, n, &i);
		if (set ? !in_set(c, set, nset) : !java_space(c))
			break;
		z--;
	}
	sqlite3_result_text(ctx, s + off[a], (int)(off[z] - off[a]), SQLITE_TRANSIENT);
	free(off);
	free(set);
}

static void fn_trim(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	trim(ctx, argc, argv, true, true);
}

static void fn_ltrim(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	trim(ctx, argc, argv, true, false);
}

static void fn_rtrim(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	trim(ctx, argc, argv, false, true);
}

static void fn_replace(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, fl, rl = 0;
	const char *s = txt(argv[0], &n), *f = txt(argv[1], &fl);
	const char *r = argc > 2 ? txt(argv[2], &rl) : "";
	struct tl_buf b = TL_BUF_INIT;
	if (fl == 0) { /* Trino: the replacement between every character and at both ends */
		tl_buf_add(&b, r, rl);
		for (size_t i = 0; i < n;) {
			size_t j = i;
			next_cp((const unsigned char *)s, n, &j);
			tl_buf_add(&b, s + i, j - i);
			tl_buf_add(&b, r, rl);
			i = j;
		}
	} else {
		const char *p = s, *end = s + n, *m;
		while ((m = memmem(p, (size_t)(end - p), f, fl))) {
			tl_buf_add(&b, p, (size_t)(m - p));
			tl_buf_add(&b, r, rl);
			p = m + fl;
		}
		tl_buf_add(&b, p, (size_t)(end - p));
	}
	sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
}

static void fn_starts_with(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, m;
	const char *s = txt(argv[0], &n), *p = txt(argv[1], &m);
	sqlite3_result_int(ctx, m <= n && !memcmp(s, p, m));
}

static void fn_reverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, count;
	const char *s = txt(argv[0], &n);
	size_t *off = char_offsets(s, n, &count);
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_grow(&b, n + 1);
	for (size_t k = count; k-- > 0;)
		tl_buf_add(&b, s + off[k], off[k + 1] - off[k]);
	sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
	free(off);
}

static void pad(sqlite3_context *ctx, int argc, sqlite3_value **argv, bool left)
{
	NULL_IF_NULL(argc);
	size_t n, pn, count, pcount;
	const char *s = txt(argv[0], &n), *p = txt(argv[2], &pn);
	int64_t size = sqlite3_value_int64(argv[1]);
	if (size < 0 || size > 1 << 20) {
		tl_sqlval_fail(ctx, "Target length must be in the range [0..%d]", 1 << 20);
		return;
	}
	if (pn == 0) {
		tl_sqlval_fail(ctx, "Padding string must not be empty");
		return;
	}
	size_t *off = char_offsets(s, n, &count), *poff = char_offsets(p, pn, &pcount);
	struct tl_buf b = TL_BUF_INIT;
	if ((int64_t)count >= size) {
		tl_buf_add(&b, s, off[size]);
	} else {
		size_t need = (size_t)size - count;
		if (!left)
			tl_buf_add(&b, s, n);
		for (size_t k = 0; k < need; k++) {
			size_t pi = k % pcount;
			tl_buf_add(&b, p + poff[pi], poff[pi + 1] - poff[pi]);
		}
		if (left)
			tl_buf_add(&b, s, n);
	}
	sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
	free(off);
	free(poff);
}

static void fn_lpad(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	pad(ctx, argc, argv, true);
}

static void fn_rpad(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	pad(ctx, argc, argv, false);
}

static void fn_split_part(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, dl;
	const char *s = txt(argv[0], &n), *d = txt(argv[1], &dl);
	int64_t idx = sqlite3_value_int64(argv[2]);
	if (idx < 1) {
		tl_sqlval_fail(ctx, "Index must be greater than zero");
		return;
	}
	if (dl == 0) { /* Trino: the characters one by one */
		size_t count, *off = char_offsets(s, n, &count);
		if ((size_t)idx <= count)
			sqlite3_result_text(ctx, s + off[idx - 1], (int)(off[idx] - off[idx - 1]), SQLITE_TRANSIENT);
		else
			sqlite3_result_null(ctx);
		free(off);
		return;
	}
	const char *p = s, *end = s + n;
	for (int64_t i = 1; i < idx; i++) {
		const char *m = memmem(p, (size_t)(end - p), d, dl);
		if (!m) {
			sqlite3_result_null(ctx);
			return;
		}
		p = m + dl;
	}
	const char *e = memmem(p, (size_t)(end - p), d, dl);
	sqlite3_result_text(ctx, p, e ? (int)(e - p) : (int)(end - p), SQLITE_TRANSIENT);
}

static void fn_chr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	int64_t c = sqlite3_value_int64(argv[0]);
	if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		tl_sqlval_fail(ctx, "Not a valid Unicode code point: %lld", (long long)c);
		return;
	}
	char u[4];
	sqlite3_result_text(ctx, u, (int)tl_utf8_put(u, (unsigned long)c), SQLITE_TRANSIENT);
}

static void fn_codepoint(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, i = 0;
	const char *s = txt(argv[0], &n);
	uint32_t c = n ? next_cp((const unsigned char *)s, n, &i) : 0;
	if (!n || i != n || c > 0x10FFFF) {
		tl_sqlval_fail(ctx, "Input string must be a single character string");
		return;
	}
	sqlite3_result_int64(ctx, c);
}

static uint32_t *cps(const char *s, size_t n, size_t *k)
{
	uint32_t *v = xcalloc(n + 1, sizeof *v);
	*k = 0;
	for (size_t i = 0; i < n;)
		v[(*k)++] = next_cp((const unsigned char *)s, n, &i);
	return v;
}

static void fn_levenshtein(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, m, a, b;
	const char *x = txt(argv[0], &n), *y = txt(argv[1], &m);
	uint32_t *p = cps(x, n, &a), *q = cps(y, m, &b);
	if ((double)a * (double)b > 1e6) {
		tl_sqlval_fail(ctx, "The combined inputs for Levenshtein distance are too large");
		free(p);
		free(q);
		return;
	}
	size_t *row = xcalloc(b + 1, sizeof *row);
	for (size_t j = 0; j <= b; j++)
		row[j] = j;
	for (size_t i = 1; i <= a; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= b; j++) {
			size_t cur = row[j];
			size_t best = prev + (p[i - 1] != q[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	sqlite3_result_int64(ctx, (sqlite3_int64)row[b]);
	free(row);
	free(p);
	free(q);
}

static void fn_hamming(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, m, a, b, d = 0;
	const char *x = txt(argv[0], &n), *y = txt(argv[1], &m);
	uint32_t *p = cps(x, n, &a), *q = cps(y, m, &b);
	if (a != b) {
		tl_sqlval_fail(ctx, "The input strings to hamming_distance function must have the same length");
	} else {
		for (size_t i = 0; i < a; i++)
			d += p[i] != q[i];
		sqlite3_result_int64(ctx, (sqlite3_int64)d);
	}
	free(p);
	free(q);
}

/* A URL in parts (RFC 3986): scheme://authority/path?query#fragment. */
struct url {
	const char *scheme, *host, *port, *path, *query, *frag;
	size_t nscheme, nhost, nport, npath, nquery, nfrag;
};

static bool url_parse(const char *s, size_t n, struct url *u)
{
	memset(u, 0, sizeof *u);
	size_t i = 0;
	while (i < n && (isalnum((unsigned char)s[i]) || strchr("+-.", s[i])))
		i++;
	if (i == 0 || i >= n || s[i] != ':' || !isalpha((unsigned char)s[0]))
		return false;
	u->scheme = s;
	u->nscheme = i++;
	for (size_t k = i; k < n; k++)
		if (s[k] == ' ' || (unsigned char)s[k] < 0x20)
			return false;
	if (i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
		i += 2;
		size_t a = i;
		while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
			i++;
		const char *auth = s + a;
		size_t al = i - a;
		const char *at = memrchr(auth, '@', al);
		if (at) {
			al -= (size_t)(at + 1 - auth);
			auth = at + 1;
		}
		const char *colon = memrchr(auth, ':', al);
		if (colon && !memchr(colon, ']', al - (size_t)(colon - auth))) {
			u->port = colon + 1;
			u->nport = al - (size_t)(colon + 1 - auth);
			al = (size_t)(colon - auth);
		}
		u->host = auth;
		u->nhost = al;
	}
	size_t p = i;
	while (i < n && s[i] != '?' && s[i] != '#')
		i++;
	u->path = s + p;
	u->npath = i - p;
	if (i < n && s[i] == '?') {
		size_t q = ++i;
		while (i < n && s[i] != '#')
			i++;
		u->query = s + q;
		u->nquery = i - q;
	}
	if (i < n && s[i] == '#') {
		u->frag = s + i + 1;
		u->nfrag = n - i - 1;
	}
	return true;
}

static void url_part(sqlite3_context *ctx, sqlite3_value **argv, char part)
{
	size_t n;
	const char *s = txt(argv[0], &n);
	struct url u;
	if (!s || !url_parse(s, n, &u)) {
		sqlite3_result_null(ctx);
		return;
	}
	const char *p = NULL;
	size_t l = 0;
	switch (part) {
	case 'h': p = u.host; l = u.nhost; break;
	case 'p': p = u.path; l = u.npath; break;
	case 'q': p = u.query; l = u.nquery; break;
	case 'f': p = u.frag; l = u.nfrag; break;
	case 's': p = u.scheme; l = u.nscheme; break;
	case 'o':
		if (u.port && u.nport) {
			char tmp[16];
			snprintf(tmp, sizeof tmp, "%.*s", (int)(u.nport < 15 ? u.nport : 15), u.port);
			sqlite3_result_int64(ctx, strtoll(tmp, NULL, 10));
		} else {
			sqlite3_result_null(ctx);
		}
		return;
	default: break;
	}
	if (p)
		sqlite3_result_text(ctx, p, (int)l, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

#define URL_FN(name, part) \
	static void name(sqlite3_context *ctx, int argc, sqlite3_value **argv) \
	{ (void)argc; url_part(ctx, argv, part); }
URL_FN(fn_url_host, 'h')
URL_FN(fn_url_path, 'p')
URL_FN(fn_url_query, 'q')
URL_FN(fn_url_fragment, 'f')
URL_FN(fn_url_protocol, 's')
URL_FN(fn_url_port, 'o')

static void fn_url_parameter(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n, nl;
	const char *s = txt(argv[0], &n), *name = txt(argv[1], &nl);
	struct url u;
	if (!url_parse(s, n, &u) || !u.query) {
		sqlite3_result_null(ctx);
		return;
	}
	const char *p = u.query, *end = u.query + u.nquery;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		const char *ke = eq ? eq : pe;
		if ((size_t)(ke - p) == nl && !memcmp(p, name, nl)) {
			if (eq)
				sqlite3_result_text(ctx, eq + 1, (int)(pe - eq - 1), SQLITE_TRANSIENT);
			else
				sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
			return;
		}
		p = pe + 1;
	}
	sqlite3_result_null(ctx);
}

/* ---- numbers ---- */

static void fn_div(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER && sqlite3_value_type(argv[1]) == SQLITE_INTEGER) {
		int64_t a = sqlite3_value_int64(argv[0]), b = sqlite3_value_int64(argv[1]);
		if (b == 0) {
			tl_sqlval_fail(ctx, "Division by zero");
			return;
		}
		if (a == INT64_MIN && b == -1) {
			tl_sqlval_fail(ctx, "bigint overflow: %lld / -1", (long long)a);
			return;
		}
		sqlite3_result_int64(ctx, a / b);
		return;
	}
	sqlite3_result_double(ctx, sqlite3_value_double(argv[0]) / sqlite3_value_double(argv[1]));
}

static void fn_decdiv(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(2);
	(void)argc;
	double b = sqlite3_value_double(argv[1]);
	if (b == 0) {
		tl_sqlval_fail(ctx, "Division by zero");
		return;
	}
	sqlite3_result_double(ctx, tl_sqlval_round_decimal(sqlite3_value_double(argv[0]) / b,
							   sqlite3_value_int(argv[2])));
}

static void fn_mod(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER && sqlite3_value_type(argv[1]) == SQLITE_INTEGER) {
		int64_t a = sqlite3_value_int64(argv[0]), b = sqlite3_value_int64(argv[1]);
		if (b == 0) {
			tl_sqlval_fail(ctx, "Division by zero");
			return;
		}
		sqlite3_result_int64(ctx, b == -1 ? 0 : a % b);
		return;
	}
	double b = sqlite3_value_double(argv[1]);
	sqlite3_result_double(ctx, fmod(sqlite3_value_double(argv[0]), b));
}

/* round(x, d, kind): kind 'i' integer, 'd' double (Trino's formula), 'n' decimal. */
static void fn_round(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(2);
	(void)argc;
	int64_t d = sqlite3_value_int64(argv[1]);
	const char *k = (const char *)sqlite3_value_text(argv[2]);
	char kind = k ? k[0] : 'd';
	if (kind == 'i') {
		int64_t x = sqlite3_value_int64(argv[0]);
		if (d >= 0) {
			sqlite3_result_int64(ctx, x);
			return;
		}
		if (d < -18) {
			sqlite3_result_int64(ctx, 0);
			return;
		}
		int64_t f = 1;
		for (int64_t i = 0; i < -d; i++)
			f *= 10;
		int64_t q = (x < 0 ? -x : x) / f, r = (x < 0 ? -x : x) % f;
		if (r * 2 >= f)
			q++;
		sqlite3_result_int64(ctx, (x < 0 ? -q : q) * f);
		return;
	}
	double x = sqlite3_value_double(argv[0]);
	if (!isfinite(x)) {
		sqlite3_result_double(ctx, x);
		return;
	}
	if (kind == 'n') {
		sqlite3_result_double(ctx, tl_sqlval_round_decimal(x, (int)(d > 38 ? 38 : d < -38 ? -38 : d)));
		return;
	}
	double f = pow(10, (double)d);
	double r = x < 0 ? -(floor(-x * f + 0.5) / f) : floor(x * f + 0.5) / f;
	if (!isfinite(r))
		r = x;
	sqlite3_result_double(ctx, r);
}

static void fn_truncate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	double x = sqlite3_value_double(argv[0]);
	double d = argc > 1 ? (double)sqlite3_value_int64(argv[1]) : 0;
	double f = pow(10, d);
	sqlite3_result_double(ctx, d == 0 ? trunc(x) : trunc(x * f) / f);
}

#define MATH1(name, expr) \
	static void name(sqlite3_context *ctx, int argc, sqlite3_value **argv) \
	{ \
		NULL_IF_NULL(argc); \
		double x = sqlite3_value_double(argv[0]); \
		sqlite3_result_double(ctx, (expr)); \
	}
MATH1(fn_ceil, ceil(x))
MATH1(fn_floor, floor(x))
MATH1(fn_sqrt, sqrt(x))
MATH1(fn_cbrt, cbrt(x))
MATH1(fn_exp, exp(x))
MATH1(fn_ln, log(x))
MATH1(fn_log2, log2(x))
MATH1(fn_log10, log10(x))
MATH1(fn_sin, sin(x))
MATH1(fn_cos, cos(x))
MATH1(fn_tan, tan(x))
MATH1(fn_asin, asin(x))
MATH1(fn_acos, acos(x))
MATH1(fn_atan, atan(x))
MATH1(fn_sinh, sinh(x))
MATH1(fn_cosh, cosh(x))
MATH1(fn_tanh, tanh(x))
MATH1(fn_degrees, x * 180.0 / M_PI)
MATH1(fn_radians, x * M_PI / 180.0)

static void fn_power(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	sqlite3_result_double(ctx, pow(sqlite3_value_double(argv[0]), sqlite3_value_double(argv[1])));
}

static void fn_log(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	sqlite3_result_double(ctx, log(sqlite3_value_double(argv[1])) / log(sqlite3_value_double(argv[0])));
}

static void fn_atan2(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	sqlite3_result_double(ctx, atan2(sqlite3_value_double(argv[0]), sqlite3_value_double(argv[1])));
}

static void fn_random(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	uint64_t r;
	sqlite3_randomness(sizeof r, &r);
	if (argc == 0) {
		sqlite3_result_double(ctx, (double)(r >> 11) / 9007199254740992.0);
		return;
	}
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	int64_t n = sqlite3_value_int64(argv[0]);
	if (n <= 0) {
		tl_sqlval_fail(ctx, "bound must be positive");
		return;
	}
	sqlite3_result_int64(ctx, (int64_t)(r % (uint64_t)n));
}

static void fn_sign(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER) {
		int64_t x = sqlite3_value_int64(argv[0]);
		sqlite3_result_int64(ctx, (x > 0) - (x < 0));
		return;
	}
	double x = sqlite3_value_double(argv[0]);
	sqlite3_result_double(ctx, isnan(x) ? x : (double)((x > 0) - (x < 0)));
}

static void fn_is_nan(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	sqlite3_result_int(ctx, isnan(sqlite3_value_double(argv[0])) != 0);
}

static void fn_is_finite(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	sqlite3_result_int(ctx, isfinite(sqlite3_value_double(argv[0])) != 0);
}

static void fn_is_infinite(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	sqlite3_result_int(ctx, isinf(sqlite3_value_double(argv[0])) != 0);
}

static void fn_nan(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_double(ctx, NAN);
}

static void fn_infinity(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_double(ctx, INFINITY);
}

/* ---- JSON ---- */

/* Athena's JSONPath ("$.a.b[0]", "$['a']", "$[\"a\"]") to tl_jscan's dotted path. */
static char *jsonpath_to_dotted(const char *jp)
{
	if (!jp || jp[0] != '$')
		return NULL;
	struct tl_buf b = TL_BUF_INIT;
	const char *p = jp + 1;
	tl_buf_adds(&b, "");
	while (*p) {
		if (*p == '.') {
			p++;
			size_t n = strcspn(p, ".[");
			if (!n || memchr(p, '*', n))
				goto bad;
			if (b.len)
				tl_buf_addc(&b, '.');
			tl_buf_add(&b, p, n);
			p += n;
		} else if (*p == '[') {
			p++;
			if (*p == '"' || *p == '\'') {
				char qc = *p++;
				const char *e = strchr(p, qc);
				if (!e || e[1] != ']' || memchr(p, '.', (size_t)(e - p)))
					goto bad;
				if (b.len)
					tl_buf_addc(&b, '.');
				tl_buf_add(&b, p, (size_t)(e - p));
				p = e + 2;
			} else {
				size_t n = strspn(p, "0123456789");
				if (!n || p[n] != ']')
					goto bad;
				if (b.len)
					tl_buf_addc(&b, '.');
				tl_buf_add(&b, p, n);
				p += n + 1;
			}
		} else {
			goto bad;
		}
	}
	return tl_buf_detach(&b, NULL);
bad:
	tl_buf_release(&b);
	return NULL;
}

/* The value at the JSONPath argv[1] in the JSON text argv[0]; false (result set) otherwise. */
static bool json_at(sqlite3_context *ctx, sqlite3_value **argv, struct tl_jslice *v)
{
	size_t n;
	const char *doc = txt(argv[0], &n);
	const char *jp = (const char *)sqlite3_value_text(argv[1]);
	if (!doc || !jp) {
		sqlite3_result_null(ctx);
		return false;
	}
	char *path = jsonpath_to_dotted(jp);
	if (!path) {
		tl_sqlval_fail(ctx, "Invalid JSON path: '%s' (offline: $.a.b, $.a[0], $['a'])", jp);
		return false;
	}
	bool root = !*path;
	int r = root ? 0 : tl_jscan_path(doc, n, path, v);
	if (root)
		*v = whole(doc, n);
	free(path);
	if (r < 0 || v->type == TL_J_NONE) {
		sqlite3_result_null(ctx);
		return false;
	}
	return true;
}

static void fn_json_extract_scalar(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tl_jslice v;
	if (!json_at(ctx, argv, &v))
		return;
	if (v.type == TL_J_NULL || v.type == TL_J_OBJECT || v.type == TL_J_ARRAY) {
		sqlite3_result_null(ctx);
		return;
	}
	static const struct tl_sqltype st = { .k = 's' };
	struct tl_buf tmp = TL_BUF_INIT;
	tl_sqlval_result_json(ctx, &v, &st, &tmp);
	tl_buf_release(&tmp);
}

static void fn_json_extract(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tl_jslice v;
	if (json_at(ctx, argv, &v))
		sqlite3_result_text(ctx, v.p, (int)v.len, SQLITE_TRANSIENT);
}

static void fn_json_size(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tl_jslice v;
	if (!json_at(ctx, argv, &v))
		return;
	struct elems e;
	if ((v.type == TL_J_OBJECT || v.type == TL_J_ARRAY) && elems_of(v.p, v.len, &e, false) >= 0)
		sqlite3_result_int64(ctx, (sqlite3_int64)e.n);
	else
		sqlite3_result_int64(ctx, 0);
	if (v.type == TL_J_OBJECT || v.type == TL_J_ARRAY)
		elems_free(&e);
}

static void fn_json_parse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	size_t n;
	const char *s = txt(argv[0], &n);
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	const char *why;
	size_t at;
	if (tl_json_validate(s, n, &why, &at) < 0) { /* the whole text, checked (not skipped) */
		tl_sqlval_fail(ctx, "Cannot convert value to JSON: '%.60s' (%s at byte %zu)", s, why,
			       at + 1);
		return;
	}
	struct tl_jslice v = whole(s, n);
	sqlite3_result_text(ctx, v.p, (int)v.len, SQLITE_TRANSIENT);
}

static void fn_json_array_length(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	size_t n;
	const char *s = txt(argv[0], &n);
	struct elems e;
	if (!s || whole(s, n).type != TL_J_ARRAY || elems_of(s, n, &e, false) < 0) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int64(ctx, (sqlite3_int64)e.n);
	elems_free(&e);
}

static void fn_json_array_get(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n;
	const char *s = txt(argv[0], &n);
	struct elems e;
	if (whole(s, n).type != TL_J_ARRAY || elems_of(s, n, &e, false) < 0) {
		sqlite3_result_null(ctx);
		return;
	}
	int64_t i = sqlite3_value_int64(argv[1]);
	if (i < 0)
		i += (int64_t)e.n;
	if (i >= 0 && i < (int64_t)e.n)
		sqlite3_result_text(ctx, e.v[i].p, (int)e.v[i].len, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
	elems_free(&e);
}

static void fn_json_array_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	NULL_IF_NULL(argc);
	size_t n;
	const char *s = txt(argv[0], &n);
	struct elems e;
	if (whole(s, n).type != TL_J_ARRAY || elems_of(s, n, &e, false) < 0) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tl_buf b = TL_BUF_INIT;
	struct tl_jslice want = value_slice(argv[1], NULL, &b);
	bool found = false;
	for (size_t i = 0; i < e.n && !found; i++)
		found = e.v[i].type == want.type && !tl_sqlval_cmp_json(&e.v[i], &want, NULL);
	sqlite3_result_int(ctx, found);
	tl_buf_release(&b);
	elems_free(&e);
}

/* ---- aggregates ---- */

static void no_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_error(ctx, "this aggregate over a window frame that does not start at "
				  "UNBOUNDED PRECEDING is not supported offline", -1);
}

/* collect and array_agg: the elements as JSON. */
struct collect {
	struct tl_buf b;
	size_t n;
	bool null;
	bool init;
};

static void collect_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct collect *c = sqlite3_aggregate_context(ctx, sizeof *c);
	if (!c)
		return;
	if (!c->init) {
		tl_buf_init(&c->b, 0);
		c->init = true;
	}
	if (argc > 2 && sqlite3_value_int(argv[2])) {
		c->null = true; /* the row standing for a NULL array */
		return;
	}
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 1);
	if (!t)
		return;
	if (c->n++)
		tl_buf_addc(&c->b, ',');
	if (tl_sqlval_add_json(&c->b, argv[0], t) < 0)
		sqlite3_result_error_toobig(ctx);
}

static void collect_result(sqlite3_context *ctx, bool final, bool agg)
{
	struct collect *c = sqlite3_aggregate_context(ctx, 0);
	if (!c || !c->init) {
		if (agg)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_text(ctx, "[]", 2, SQLITE_STATIC);
		return;
	}
	if (c->null || (agg && c->n == 0)) {
		sqlite3_result_null(ctx);
	} else {
		struct tl_buf out = TL_BUF_INIT;
		tl_buf_addc(&out, '[');
		tl_buf_add(&out, tl_buf_str(&c->b), c->b.len);
		tl_buf_addc(&out, ']');
		result_json_buf(ctx, &out);
		tl_buf_release(&out);
	}
	if (final)
		tl_buf_release(&c->b);
}

static void collect_final(sqlite3_context *ctx)
{
	collect_result(ctx, true, false);
}

static void collect_value(sqlite3_context *ctx)
{
	collect_result(ctx, false, false);
}

static void array_agg_final(sqlite3_context *ctx)
{
	collect_result(ctx, true, true);
}

static void array_agg_value(sqlite3_context *ctx)
{
	collect_result(ctx, false, true);
}

/* SQLite's order of values: NULL, numbers, text, blobs. */
static int cmp_values(sqlite3_value *a, sqlite3_value *b)
{
	int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
	int ra = ta == SQLITE_NULL ? 0 : ta == SQLITE_INTEGER || ta == SQLITE_FLOAT ? 1 : ta == SQLITE_TEXT ? 2 : 3;
	int rb = tb == SQLITE_NULL ? 0 : tb == SQLITE_INTEGER || tb == SQLITE_FLOAT ? 1 : tb == SQLITE_TEXT ? 2 : 3;
	if (ra != rb || ra == 0)
		return (ra > rb) - (ra < rb);
	if (ra == 1) {
		if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
			int64_t x = sqlite3_value_int64(a), y = sqlite3_value_int64(b);
			return (x > y) - (x < y);
		}
		double x = sqlite3_value_double(a), y = sqlite3_value_double(b);
		return (x > y) - (x < y);
	}
	const void *x = ra == 2 ? (const void *)sqlite3_value_text(a) : sqlite3_value_blob(a);
	const void *y = ra == 2 ? (const void *)sqlite3_value_text(b) : sqlite3_value_blob(b);
	int na = sqlite3_value_bytes(a), nb = sqlite3_value_bytes(b);
	int r = memcmp(x, y, (size_t)(na < nb ? na : nb));
	return r ? r : (na > nb) - (na < nb);
}

/* array_agg(x ORDER BY k1 [DESC], ...): value, code, spec ("a-d+": direction, nulls first +),
 * then the keys. */
struct sorted_item {
	char *json;
	sqlite3_value **keys;
};

struct sorted {
	struct sorted_item *items;
	size_t n, cap;
	int nkeys;
	char spec[64];
};

static void sorted_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sorted *s = sqlite3_aggregate_context(ctx, sizeof *s);
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 1);
	const char *spec = (const char *)sqlite3_value_text(argv[2]);
	if (!s || !t || !spec)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->items = xrealloc(s->items, s->cap * sizeof *s->items);
	}
	s->nkeys = argc - 3;
	snprintf(s->spec, sizeof s->spec, "%s", spec);
	struct tl_buf b = TL_BUF_INIT;
	tl_sqlval_add_json(&b, argv[0], t);
	struct sorted_item *it = &s->items[s->n++];
	it->json = tl_buf_detach(&b, NULL);
	it->keys = xcalloc((size_t)s->nkeys + 1, sizeof *it->keys);
	for (int k = 0; k < s->nkeys; k++)
		if (!(it->keys[k] = sqlite3_value_dup(argv[3 + k])))
			tl_die(1, "out of memory (sqlite3_value_dup)");
}

static const struct sorted *sorting;

static int cmp_items(const void *a, const void *b)
{
	const struct sorted_item *x = a, *y = b;
	for (int k = 0; k < sorting->nkeys; k++) {
		bool desc = sorting->spec[2 * k] == 'd', nfirst = sorting->spec[2 * k + 1] == '+';
		bool nx = sqlite3_value_type(x->keys[k]) == SQLITE_NULL;
		bool ny = sqlite3_value_type(y->keys[k]) == SQLITE_NULL;
		if (nx || ny) {
			if (nx && ny)
				continue;
			return (nx ? -1 : 1) * (nfirst ? 1 : -1);
		}
		int r = cmp_values(x->keys[k], y->keys[k]);
		if (r)
			return desc ? -r : r;
	}
	return (x > y) - (x < y);
}

static void sorted_final(sqlite3_context *ctx)
{
	struct sorted *s = sqlite3_aggregate_context(ctx, 0);
	if (!s || !s->n) {
		sqlite3_result_null(ctx);
		return;
	}
	sorting = s;
	qsort(s->items, s->n, sizeof *s->items, cmp_items);
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '[');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			tl_buf_addc(&b, ',');
		tl_buf_adds(&b, s->items[i].json);
		free(s->items[i].json);
		for (int k = 0; k < s->nkeys; k++)
			sqlite3_value_free(s->items[i].keys[k]);
		free(s->items[i].keys);
	}
	tl_buf_addc(&b, ']');
	result_json_buf(ctx, &b);
	tl_buf_release(&b);
	free(s->items);
}

/* max_by, min_by, arbitrary */
struct pick {
	sqlite3_value *x, *y;
};

static void pick_step(sqlite3_context *ctx, sqlite3_value **argv, int sign)
{
	struct pick *p = sqlite3_aggregate_context(ctx, sizeof *p);
	if (!p)
		return;
	if (sign == 0) { /* arbitrary: the first non-null */
		if (!p->x && sqlite3_value_type(argv[0]) != SQLITE_NULL)
			p->x = sqlite3_value_dup(argv[0]);
		return;
	}
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL)
		return;
	if (!p->y || sign * cmp_values(argv[1], p->y) > 0) {
		sqlite3_value_free(p->x);
		sqlite3_value_free(p->y);
		p->x = sqlite3_value_dup(argv[0]);
		p->y = sqlite3_value_dup(argv[1]);
		if (!p->x || !p->y)
			tl_die(1, "out of memory (sqlite3_value_dup)");
	}
}

static void max_by_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	pick_step(ctx, argv, 1);
}

static void min_by_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	pick_step(ctx, argv, -1);
}

static void arbitrary_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	pick_step(ctx, argv, 0);
}

static void pick_value(sqlite3_context *ctx)
{
	struct pick *p = sqlite3_aggregate_context(ctx, 0);
	if (p && p->x)
		sqlite3_result_value(ctx, p->x);
	else
		sqlite3_result_null(ctx);
}

static void pick_final(sqlite3_context *ctx)
{
	pick_value(ctx);
	struct pick *p = sqlite3_aggregate_context(ctx, 0);
	if (p) {
		sqlite3_value_free(p->x);
		sqlite3_value_free(p->y);
	}
}

/* approx_percentile, exact here: the smallest value whose weighted rank exceeds p * total
 * (the value a q-digest returns when it keeps every value). */
struct pct {
	double *v;
	int64_t *w;
	size_t n, cap;
	bool ints;
	bool started;
	char *ps;        /* the percentiles of the array form, as JSON */
	double p;
};

static void pct_add(sqlite3_context *ctx, struct pct *s, sqlite3_value *x, int64_t w)
{
	if (sqlite3_value_type(x) == SQLITE_NULL || w <= 0)
		return;
	if (!s->started) {
		s->ints = true;
		s->started = true;
	}
	if (sqlite3_value_type(x) != SQLITE_INTEGER)
		s->ints = false;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
		s->w = xrealloc(s->w, s->cap * sizeof *s->w);
	}
	s->v[s->n] = sqlite3_value_double(x);
	s->w[s->n++] = w;
	(void)ctx;
}

static bool pct_p(sqlite3_context *ctx, double p)
{
	if (!(p >= 0 && p <= 1)) {
		tl_sqlval_fail(ctx, "Percentile must be between 0 and 1");
		return false;
	}
	return true;
}

static void pct_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct pct *s = sqlite3_aggregate_context(ctx, sizeof *s);
	if (!s)
		return;
	sqlite3_value *pv = argv[argc - 1];
	if (sqlite3_value_type(pv) == SQLITE_NULL)
		return;
	if (sqlite3_value_subtype(pv) == 'J' || (sqlite3_value_type(pv) == SQLITE_TEXT)) {
		if (!s->ps)
			s->ps = xstrdup((const char *)sqlite3_value_text(pv));
	} else {
		s->p = sqlite3_value_double(pv);
		if (!pct_p(ctx, s->p))
			return;
	}
	int64_t w = argc > 2 ? sqlite3_value_int64(argv[1]) : 1;
	pct_add(ctx, s, argv[0], w);
}

static struct pct *pct_sort_data;

static int cmp_pct(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double x = pct_sort_data->v[i], y = pct_sort_data->v[j];
	return (x > y) - (x < y);
}

static double pct_at(const struct pct *s, const size_t *order, int64_t total, double p)
{
	double target = p * (double)total;
	int64_t cum = 0;
	for (size_t k = 0; k < s->n; k++) {
		cum += s->w[order[k]];
		if ((double)cum > target)
			return s->v[order[k]];
	}
	return s->v[order[s->n - 1]];
}

static void pct_result(sqlite3_context *ctx, bool final)
{
	struct pct *s = sqlite3_aggregate_context(ctx, 0);
	if (!s || !s->n) {
		sqlite3_result_null(ctx);
	} else {
		size_t *order = xcalloc(s->n, sizeof *order);
		int64_t total = 0;
		for (size_t i = 0; i < s->n; i++) {
			order[i] = i;
			total += s->w[i];
		}
		pct_sort_data = s;
		qsort(order, s->n, sizeof *order, cmp_pct);
		if (s->ps) {
			struct elems e;
			struct tl_buf b = TL_BUF_INIT;
			tl_buf_addc(&b, '[');
			if (elems_of(s->ps, strlen(s->ps), &e, false) >= 0) {
				for (size_t i = 0; i < e.n; i++) {
					double p = strtod(e.v[i].p, NULL);
					if (i)
						tl_buf_addc(&b, ',');
					double v = pct_at(s, order, total, p);
					if (s->ints)
						tl_buf_addf(&b, "%lld", (long long)v);
					else
						tl_buf_addf(&b, "%.17g", v);
				}
			}
			elems_free(&e);
			tl_buf_addc(&b, ']');
			result_json_buf(ctx, &b);
			tl_buf_release(&b);
		} else {
			double v = pct_at(s, order, total, s->p);
			if (s->ints)
				sqlite3_result_int64(ctx, (sqlite3_int64)v);
			else
				sqlite3_result_double(ctx, v);
		}
		free(order);
	}
	if (final && s) {
		free(s->v);
		free(s->w);
		free(s->ps);
	}
}

static void pct_final(sqlite3_context *ctx)
{
	pct_result(ctx, true);
}

static void pct_value(sqlite3_context *ctx)
{
	pct_result(ctx, false);
}

/* stddev, variance (Welford); the kind is argument 1: samp or pop, of stddev or var. */
struct stat {
	double mean, m2;
	int64_t n;
	char kind[16];
};

static void stat_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct stat *s = sqlite3_aggregate_context(ctx, sizeof *s);
	if (!s)
		return;
	if (!s->kind[0])
		snprintf(s->kind, sizeof s->kind, "%s", (const char *)sqlite3_value_text(argv[1]));
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	double x = sqlite3_value_double(argv[0]);
	s->n++;
	double d = x - s->mean;
	s->mean += d / (double)s->n;
	s->m2 += d * (x - s->mean);
}

static void stat_value(sqlite3_context *ctx)
{
	struct stat *s = sqlite3_aggregate_context(ctx, 0);
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	bool pop = strstr(s->kind, "pop") != NULL, sd = !strncmp(s->kind, "stddev", 6);
	if (s->n == 0 || (!pop && s->n < 2)) {
		sqlite3_result_null(ctx);
		return;
	}
	double var = s->m2 / (double)(pop ? s->n : s->n - 1);
	sqlite3_result_double(ctx, sd ? sqrt(var) : var);
}

static void stat_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct stat *s = sqlite3_aggregate_context(ctx, sizeof *s);
	if (!s || sqlite3_value_type(argv[0]) == SQLITE_NULL || s->n == 0)
		return;
	double x = sqlite3_value_double(argv[0]);
	if (s->n == 1) {
		s->n = 0;
		s->mean = s->m2 = 0;
		return;
	}
	double mean = (s->mean * (double)s->n - x) / (double)(s->n - 1);
	s->m2 -= (x - s->mean) * (x - mean);
	s->mean = mean;
	s->n--;
}

/* histogram(x) and map_agg(k, v): a JSON object (keys as text). */
struct mapagg {
	char **keys;
	struct tl_buf *vals;
	int64_t *counts;
	size_t n, cap;
};

static size_t mapagg_slot(struct mapagg *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i], key))
			return i;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->keys = xrealloc(m->keys, m->cap * sizeof *m->keys);
		m->vals = xrealloc(m->vals, m->cap * sizeof *m->vals);
		m->counts = xrealloc(m->counts, m->cap * sizeof *m->counts);
	}
	m->keys[m->n] = xstrdup(key);
	tl_buf_init(&m->vals[m->n], 0);
	m->counts[m->n] = 0;
	return m->n++;
}

static void histogram_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct mapagg *m = sqlite3_aggregate_context(ctx, sizeof *m);
	if (!m || sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	struct tl_buf k = TL_BUF_INIT;
	key_text(argv[0], &k);
	m->counts[mapagg_slot(m, tl_buf_str(&k))]++;
	tl_buf_release(&k);
}

static void map_agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct mapagg *m = sqlite3_aggregate_context(ctx, sizeof *m);
	const struct tl_sqltype *t = tl_sqltype_arg(ctx, argv, 2);
	if (!m || !t || sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	struct tl_buf k = TL_BUF_INIT;
	key_text(argv[0], &k);
	size_t i = mapagg_slot(m, tl_buf_str(&k));
	if (!m->counts[i]++) /* the first value of a key stays, as Trino keeps one */
		tl_sqlval_add_json(&m->vals[i], argv[1], t->v);
	tl_buf_release(&k);
}

static void mapagg_result(sqlite3_context *ctx, bool histogram, bool final)
{
	struct mapagg *m = sqlite3_aggregate_context(ctx, 0);
	if (!m || !m->n) {
		sqlite3_result_null(ctx);
	} else {
		struct tl_buf b = TL_BUF_INIT;
		tl_buf_addc(&b, '{');
		for (size_t i = 0; i < m->n; i++) {
			if (i)
				tl_buf_addc(&b, ',');
			tl_buf_add_json_str(&b, m->keys[i], strlen(m->keys[i]));
			tl_buf_addc(&b, ':');
			if (histogram)
				tl_buf_addf(&b, "%lld", (long long)m->counts[i]);
			else
				tl_buf_add(&b, tl_buf_str(&m->vals[i]), m->vals[i].len);
		}
		tl_buf_addc(&b, '}');
		result_json_buf(ctx, &b);
		tl_buf_release(&b);
	}
	if (final && m) {
		for (size_t i = 0; i < m->n; i++) {
			free(m->keys[i]);
			tl_buf_release(&m->vals[i]);
		}
		free(m->keys);
		free(m->vals);
		free(m->counts);
	}
}

static void histogram_final(sqlite3_context *ctx)
{
	mapagg_result(ctx, true, true);
}

static void histogram_value(sqlite3_context *ctx)
{
	mapagg_result(ctx, true, false);
}

static void map_agg_final(sqlite3_context *ctx)
{
	mapagg_result(ctx, false, true);
}

static void map_agg_value(sqlite3_context *ctx)
{
	mapagg_result(ctx, false, false);
}

/* ---- registration ---- */

typedef void (*scalar_fn)(sqlite3_context *, int, sqlite3_value **);

static const struct {
	const char *name;
	int nargs;
	scalar_fn fn;
} scalars[] = {
	{ "tl_field", -1, fn_field },
	{ "tl_cast", 3, fn_cast },
	{ "tl_array", -1, fn_array },
	{ "tl_row", -1, fn_row },
	{ "tl_map_from", 3, fn_map_from },
	{ "tl_cardinality", 1, fn_cardinality },
	{ "tl_element_at", 4, fn_element_at },
	{ "tl_contains", 3, fn_contains },
	{ "tl_array_position", 3, fn_array_position },
	{ "tl_array_join", 3, fn_array_join },
	{ "tl_array_join", 4, fn_array_join },
	{ "tl_split", 2, fn_split },
	{ "tl_split", 3, fn_split },
	{ "tl_slice", 3, fn_slice },
	{ "tl_array_concat", -1, fn_array_concat },
	{ "tl_array_sort", 2, fn_array_sort },
	{ "tl_array_distinct", 2, fn_array_distinct },
	{ "tl_array_max", 2, fn_array_max },
	{ "tl_array_min", 2, fn_array_min },
	{ "tl_array_remove", 3, fn_array_remove },
	{ "tl_array_reverse", 1, fn_array_reverse },
	{ "tl_flatten", 1, fn_flatten },
	{ "tl_sequence", 2, fn_sequence },
	{ "tl_sequence", 3, fn_sequence },
	{ "tl_repeat", 3, fn_repeat },
	{ "tl_arrays_overlap", 3, fn_arrays_overlap },
	{ "tl_array_union", 3, fn_array_union },
	{ "tl_array_intersect", 3, fn_array_intersect },
	{ "tl_array_except", 3, fn_array_except },
	{ "tl_map_keys", 2, fn_map_keys },
	{ "tl_map_values", 1, fn_map_values },
	{ "tl_cmp", 3, fn_cmp },
	{ "tl_lower", 1, fn_lower },
	{ "tl_upper", 1, fn_upper },
	{ "tl_substr", 2, fn_substr },
	{ "tl_substr", 3, fn_substr },
	{ "tl_strpos", 2, fn_strpos },
	{ "tl_strpos", 3, fn_strpos },
	{ "tl_concat", -1, fn_concat },
	{ "tl_trim", 1, fn_trim },
	{ "tl_trim", 2, fn_trim },
	{ "tl_ltrim", 1, fn_ltrim },
	{ "tl_ltrim", 2, fn_ltrim },
	{ "tl_rtrim", 1, fn_rtrim },
	{ "tl_rtrim", 2, fn_rtrim },
	{ "tl_replace", 2, fn_replace },
	{ "tl_replace", 3, fn_replace },
	{ "tl_starts_with", 2, fn_starts_with },
	{ "tl_reverse", 1, fn_reverse },
	{ "tl_lpad", 3, fn_lpad },
	{ "tl_rpad", 3, fn_rpad },
	{ "tl_split_part", 3, fn_split_part },
	{ "tl_chr", 1, fn_chr },
	{ "tl_codepoint", 1, fn_codepoint },
	{ "tl_levenshtein_distance", 2, fn_levenshtein },
	{ "tl_hamming_distance", 2, fn_hamming },
	{ "tl_url_extract_host", 1, fn_url_host },
	{ "tl_url_extract_path", 1, fn_url_path },
	{ "tl_url_extract_query", 1, fn_url_query },
	{ "tl_url_extract_fragment", 1, fn_url_fragment },
	{ "tl_url_extract_protocol", 1, fn_url_protocol },
	{ "tl_url_extract_port", 1, fn_url_port },
	{ "tl_url_extract_parameter", 2, fn_url_parameter },
	{ "tl_div", 2, fn_div },
	{ "tl_decdiv", 3, fn_decdiv },
	{ "tl_mod", 2, fn_mod },
	{ "tl_round", 3, fn_round },
	{ "tl_truncate", 1, fn_truncate },
	{ "tl_truncate", 2, fn_truncate },
	{ "tl_ceil", 1, fn_ceil },
	{ "tl_floor", 1, fn_floor },
	{ "tl_sqrt", 1, fn_sqrt },
	{ "tl_cbrt", 1, fn_cbrt },
	{ "tl_exp", 1, fn_exp },
	{ "tl_ln", 1, fn_ln },
	{ "tl_log2", 1, fn_log2 },
	{ "tl_log10", 1, fn_log10 },
	{ "tl_sin", 1, fn_sin },
	{ "tl_cos", 1, fn_cos },
	{ "tl_tan", 1, fn_tan },
	{ "tl_asin", 1, fn_asin },
	{ "tl_acos", 1, fn_acos },
	{ "tl_atan", 1, fn_atan },
	{ "tl_sinh", 1, fn_sinh },
	{ "tl_cosh", 1, fn_cosh },
	{ "tl_tanh", 1, fn_tanh },
	{ "tl_degrees", 1, fn_degrees },
	{ "tl_radians", 1, fn_radians },
	{ "tl_power", 2, fn_power },
	{ "tl_log", 2, fn_log },
	{ "tl_atan2", 2, fn_atan2 },
	{ "tl_sign", 1, fn_sign },
	{ "tl_is_nan", 1, fn_is_nan },
	{ "tl_is_finite", 1, fn_is_finite },
	{ "tl_is_infinite", 1, fn_is_infinite },
	{ "tl_nan", 0, fn_nan },
	{ "tl_infinity", 0, fn_infinity },
	{ "tl_json_extract", 2, fn_json_extract },
	{ "tl_json_extract_scalar", 2, fn_json_extract_scalar },
	{ "tl_json_size", 2, fn_json_size },
	{ "tl_json_parse", 1, fn_json_parse },
	{ "tl_json_array_length", 1, fn_json_array_length },
	{ "tl_json_array_get", 2, fn_json_array_get },
	{ "tl_json_array_contains", 2, fn_json_array_contains },
};

static const struct {
	const char *name;
	int nargs;
	scalar_fn step;
	void (*final)(sqlite3_context *);
	void (*value)(sqlite3_context *);
	scalar_fn inverse;
} aggregates[] = {
	{ "tl_collect", 2, collect_step, collect_final, collect_value, no_inverse },
	{ "tl_collect", 3, collect_step, collect_final, collect_value, no_inverse },
	{ "tl_array_agg", 2, collect_step, array_agg_final, array_agg_value, no_inverse },
	{ "tl_array_agg_sorted", -1, sorted_step, sorted_final, NULL, NULL },
	{ "tl_max_by", 2, max_by_step, pick_final, pick_value, no_inverse },
	{ "tl_min_by", 2, min_by_step, pick_final, pick_value, no_inverse },
	{ "tl_arbitrary", 1, arbitrary_step, pick_final, pick_value, no_inverse },
	{ "tl_percentile", 2, pct_step, pct_final, pct_value, no_inverse },
	{ "tl_percentile", 3, pct_step, pct_final, pct_value, no_inverse },
	{ "tl_stat", 2, stat_step, stat_value, stat_value, stat_inverse },
	{ "tl_histogram", 1, histogram_step, histogram_final, histogram_value, no_inverse },
	{ "tl_map_agg", 3, map_agg_step, map_agg_final, map_agg_value, no_inverse },
};

struct tl_sqlfn *tl_sqlfn_register(sqlite3 *db)
{
	struct tl_sqlfn *f = xcalloc(1, sizeof *f);
	f->ctx[0] = (struct tl_sqlctx){ f, false };
	f->ctx[1] = (struct tl_sqlctx){ f, true };
	bool ok = true;
	for (size_t i = 0; ok && i < sizeof scalars / sizeof *scalars; i++)
		ok = tl_sqlval_register(db, scalars[i].name, scalars[i].nargs,
					strcmp(scalars[i].name, "tl_random") != 0, f->ctx, scalars[i].fn,
					NULL, NULL, NULL, NULL) == 0;
	for (int k = 0; ok && k < 2; k++)
		ok = tl_sqlval_register(db, "tl_random", k, false, f->ctx, fn_random, NULL, NULL, NULL,
					NULL) == 0;
	for (size_t i = 0; ok && i < sizeof aggregates / sizeof *aggregates; i++)
		ok = tl_sqlval_register(db, aggregates[i].name, aggregates[i].nargs, true, f->ctx, NULL,
					aggregates[i].step, aggregates[i].final, aggregates[i].value,
					aggregates[i].inverse) == 0;
	if (ok)
		ok = sqlite3_create_module(db, "tl_unnest", &unnest_module, NULL) == SQLITE_OK;
	if (ok)
		ok = (f->time = tl_sqltime_register(db)) && (f->re = tl_sqlre_register(db));
	if (!ok) {
		tl_sqlfn_free(f);
		return NULL;
	}
	return f;
}

void tl_sqlfn_free(struct tl_sqlfn *f)
{
	if (!f)
		return;
	tl_sqltime_free(f->time);
	tl_sqlre_free(f->re);
	free(f);
}

void tl_sqlfn_begin(struct tl_sqlfn *f, int64_t now_ms)
{
	tl_sqltime_begin(f->time, now_ms);
}
