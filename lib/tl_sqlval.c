/* tl_sqlval.c: Athena's values in SQLite (see tl_sqlval.h). */
#include "tl_sqlval.h"

#include "tl_alloc.h"
#include "tl_time.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- type codes ---- */

static struct tl_sqltype *parse_code(const char **p, int depth)
{
	if (depth > 100)
		return NULL;
	char c = **p;
	if (!c)
		return NULL;
	(*p)++;
	struct tl_sqltype *t = xcalloc(1, sizeof *t);
	t->k = c;
	switch (c) {
	case 'b': case 'i': case 'd': case 's': case 'D': case 't': case 'z': case 'I': case 'M':
	case 'j': case '?':
		return t;
	case 'n':
		while (isdigit((unsigned char)**p) && t->scale < 1000)
			t->scale = t->scale * 10 + (*(*p)++ - '0');
		return t;
	case '[':
		if (!(t->e = parse_code(p, depth + 1)))
			break;
		return t;
	case '{':
		if (!(t->e = parse_code(p, depth + 1)) || !(t->v = parse_code(p, depth + 1)))
			break;
		return t;
	case '(':
		if (**p == ')') {
			(*p)++;
			return t;
		}
		for (;;) {
			struct tl_buf name = TL_BUF_INIT;
			while (**p && **p != ':') {
				if (**p == '\\' && (*p)[1])
					(*p)++;
				tl_buf_addc(&name, *(*p)++);
			}
			if (**p != ':') {
				tl_buf_release(&name);
				goto bad;
			}
			(*p)++;
			struct tl_sqltype *f = parse_code(p, depth + 1);
			if (!f) {
				tl_buf_release(&name);
				goto bad;
			}
			t->names = xrealloc(t->names, (t->nf + 1) * sizeof *t->names);
			t->f = xrealloc(t->f, (t->nf + 1) * sizeof *t->f);
			t->names[t->nf] = name.data ? tl_buf_detach(&name, NULL) : xstrdup("");
			t->f[t->nf++] = f;
			if (**p == ')') {
				(*p)++;
				return t;
			}
			if (*(*p)++ != ',')
				goto bad;
		}
	default:
		break;
	}
bad:
	tl_sqltype_free(t);
	return NULL;
}

struct tl_sqltype *tl_sqltype_parse(const char *code)
{
	const char *p = code;
	struct tl_sqltype *t = parse_code(&p, 0);
	if (t && *p) {
		tl_sqltype_free(t);
		return NULL;
	}
	return t;
}

void tl_sqltype_free(struct tl_sqltype *t)
{
	if (!t)
		return;
	tl_sqltype_free(t->e);
	tl_sqltype_free(t->v);
	for (size_t i = 0; i < t->nf; i++) {
		free(t->names[i]);
		tl_sqltype_free(t->f[i]);
	}
	free(t->names);
	free(t->f);
	free(t);
}

void tl_sqltype_code(const struct tl_sqltype *t, struct tl_buf *b)
{
	tl_buf_addc(b, t->k);
	if (t->k == 'n')
		tl_buf_addf(b, "%d", t->scale);
	if (t->e)
		tl_sqltype_code(t->e, b);
	if (t->v)
		tl_sqltype_code(t->v, b);
	if (t->k == '(') {
		for (size_t i = 0; i < t->nf; i++) {
			if (i)
				tl_buf_addc(b, ',');
			for (const char *c = t->names[i]; *c; c++) {
				if (strchr("\\:,)", *c))
					tl_buf_addc(b, '\\');
				tl_buf_addc(b, *c);
			}
			tl_buf_addc(b, ':');
			tl_sqltype_code(t->f[i], b);
		}
		tl_buf_addc(b, ')');
	}
}

void tl_sqlval_fail(sqlite3_context *ctx, const char *fmt, ...)
{
	const struct tl_sqlctx *c = sqlite3_user_data(ctx);
	if (c && c->try_mode) {
		sqlite3_result_null(ctx);
		return;
	}
	/* C's printf, not sqlite3_vmprintf: the format attribute checks C's conversions, and
	 * SQLite reads some of them otherwise (its %z takes a string to free). */
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *m = n < 0 ? NULL : xmalloc((size_t)n + 1);
	if (m)
		vsnprintf(m, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	sqlite3_result_error(ctx, m ? m : "error", -1);
	free(m);
}

static void type_free(void *p)
{
	tl_sqltype_free(p);
}

const struct tl_sqltype *tl_sqltype_arg(sqlite3_context *ctx, sqlite3_value **argv, int i)
{
	struct tl_sqltype *t = sqlite3_get_auxdata(ctx, i);
	if (t)
		return t;
	const char *code = (const char *)sqlite3_value_text(argv[i]);
	if (!code || !(t = tl_sqltype_parse(code))) {
		sqlite3_result_error(ctx, "internal: not a type code", -1);
		return NULL;
	}
	sqlite3_set_auxdata(ctx, i, t, type_free);
	/* auxdata may have been freed at once (not a constant): parse per call then */
	struct tl_sqltype *kept = sqlite3_get_auxdata(ctx, i);
	if (kept)
		return kept;
	sqlite3_result_error(ctx, "internal: a type code must be a constant", -1);
	return NULL;
}

/* ---- JSON to SQL ---- */

/* Tokens are tl_jlex's (white space, kinds, skipping a value). */
static size_t skip_ws(const char *s, size_t n, size_t i)
{
	return tl_jlex_ws(s, n, i);
}

int tl_sqlval_next(const char *s, size_t n, size_t *pos, struct tl_jslice *key,
		   struct tl_jslice *val)
{
	size_t i = *pos;
	bool first = i == 0;
	if (first) {
		i = skip_ws(s, n, 0);
		if (i >= n || (s[i] != '[' && s[i] != '{'))
			return -1;
		i++;
	}
	/* the container's kind: find its opening bracket again (pos points inside it) */
	size_t o = skip_ws(s, n, 0);
	bool obj = s[o] == '{';
	i = skip_ws(s, n, i);
	if (i >= n)
		return -1;
	if (s[i] == (obj ? '}' : ']')) {
		*pos = n;
		return 0;
	}
	if (!first) {
		if (s[i] != ',')
			return -1;
		i = skip_ws(s, n, i + 1);
	}
	if (obj) {
		size_t kl = i < n && s[i] == '"' ? tl_jlex_skip(s + i, n - i) : 0;
		if (!kl)
			return -1;
		if (key)
			*key = (struct tl_jslice){ TL_J_STRING, s + i, kl };
		i = skip_ws(s, n, i + kl);
		if (i >= n || s[i] != ':')
			return -1;
		i = skip_ws(s, n, i + 1);
	}
	size_t vl = i < n ? tl_jlex_skip(s + i, n - i) : 0;
	if (!vl)
		return -1;
	*val = (struct tl_jslice){ tl_jlex_type(s[i]), s + i, vl };
	*pos = i + vl;
	return 1;
}

/* The unescaped text of a JSON string slice compared with name; 0 when equal. */
static int key_cmp(const struct tl_jslice *k, const char *name, bool nocase)
{
	size_t nl = strlen(name);
	if (!memchr(k->p, '\\', k->len)) {
		if (k->len - 2 != nl)
			return 1;
		return nocase ? strncasecmp(k->p + 1, name, nl) : memcmp(k->p + 1, name, nl);
	}
	struct tl_buf b = TL_BUF_INIT;
	int r = 1;
	if (tl_jscan_unescape(k, &b) == 0 && b.len == nl)
		r = nocase ? strncasecmp(b.data, name, nl) : memcmp(b.data, name, nl);
	tl_buf_release(&b);
	return r;
}

int tl_sqlval_member(const char *s, size_t n, const char *name, struct tl_jslice *val)
{
	size_t pos = 0;
	struct tl_jslice k, v, found = { TL_J_NONE, NULL, 0 };
	int r;
	while ((r = tl_sqlval_next(s, n, &pos, &k, &v)) == 1) {
		if (s[skip_ws(s, n, 0)] != '{')
			return -1;
		if (key_cmp(&k, name, false) == 0) {
			*val = v;
			return 0;
		}
		if (found.type == TL_J_NONE && key_cmp(&k, name, true) == 0)
			found = v;
	}
	if (found.type != TL_J_NONE) {
		*val = found;
		return 0;
	}
	return -1;
}

void tl_sqlval_ts_text(int64_t ms, char *out)
{
	struct tl_tm t;
	tl_time_split(ms, &t);
	snprintf(out, 32, "%04d-%02d-%02d %02d:%02d:%02d.%03d", t.year, t.month, t.day, t.hour,
		 t.min, t.sec, t.ms);
}

/* A number's text as an integer or a double. */
static void read_number(const char *p, size_t n, bool integer, struct tl_sqlv *out)
{
	char tmp[64];
	out->t = TL_SQLV_NULL;
	if (n == 0 || n >= sizeof tmp)
		return;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	char *end;
	if (integer) {
		errno = 0;
		long long v = strtoll(tmp, &end, 10);
		if (*end == '\0' && errno == 0) {
			out->t = TL_SQLV_INT;
			out->i = v;
			return;
		}
	}
	errno = 0;
	double d = strtod(tmp, &end);
	if (*end != '\0' || end == tmp || tmp[0] == 'i' || tmp[0] == 'I' || tmp[0] == 'n' ||
	    tmp[0] == 'N' || strchr(tmp, 'x') || strchr(tmp, 'X'))
		return;
	if (integer && d == floor(d) && fabs(d) < 9.2e18) {
		out->t = TL_SQLV_INT;
		out->i = (int64_t)d;
	} else {
		out->t = TL_SQLV_DBL;
		out->d = d;
	}
}

static bool date_shape(const char *s, size_t n)
{
	if (n < 10)
		return false;
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return false;
	int64_t ms;
	return tl_time_parse(s, 10, &ms) == 0;
}

static void set_text(struct tl_sqlv *o, const char *s, size_t n)
{
	o->t = TL_SQLV_TEXT;
	o->s = s;
	o->n = n;
}

void tl_sqlval_decode(const struct tl_jslice *v, const struct tl_sqltype *t, struct tl_sqlv *out,
		      struct tl_buf *tmp)
{
	char k = t ? t->k : '?';
	out->t = TL_SQLV_NULL;
	if (v->type == TL_J_NONE || v->type == TL_J_NULL)
		return;
	if (k == 'j') {
		set_text(out, v->p, v->len);
		return;
	}
	if (k == '[' || k == '{' || k == '(') {
		if ((k == '[') == (v->type == TL_J_ARRAY) &&
		    (v->type == TL_J_ARRAY || v->type == TL_J_OBJECT)) {
			set_text(out, v->p, v->len);
			out->t = TL_SQLV_JSON;
		}
		return;
	}
	const char *text = v->p;
	size_t len = v->len;
	if (v->type == TL_J_STRING) {
		tl_buf_reset(tmp);
		if (tl_jscan_unescape(v, tmp) < 0)
			return;
		text = tmp->data ? tmp->data : "";
		len = tmp->len;
	}
	switch (v->type) {
	case TL_J_TRUE:
	case TL_J_FALSE:
		if (k == 'b' || k == '?' || k == 'i') {
			out->t = TL_SQLV_INT;
			out->i = v->type == TL_J_TRUE;
		} else if (k == 's') {
			set_text(out, v->type == TL_J_TRUE ? "true" : "false",
				 v->type == TL_J_TRUE ? 4 : 5);
		}
		return;
	case TL_J_OBJECT:
	case TL_J_ARRAY:
		if (k == 's')
			set_text(out, v->p, v->len);
		else if (k == '?') {
			set_text(out, v->p, v->len);
			out->t = TL_SQLV_JSON;
		}
		return;
	default:
		break;
	}
	/* a number (its text) or a string (unescaped) */
	switch (k) {
	case 'i':
	case 'I':
	case 'M':
		read_number(text, len, true, out);
		return;
	case 'd':
	case 'n':
		read_number(text, len, false, out);
		if (out->t == TL_SQLV_INT) {
			out->t = TL_SQLV_DBL;
			out->d = (double)out->i;
		}
		return;
	case 'b':
		if (len == 4 && !strncasecmp(text, "true", 4)) {
			out->t = TL_SQLV_INT;
			out->i = 1;
		} else if (len == 5 && !strncasecmp(text, "false", 5)) {
			out->t = TL_SQLV_INT;
			out->i = 0;
		}
		return;
	case 'D':
		if (date_shape(text, len))
			set_text(out, text, 10);
		return;
	case 't': {
		int64_t ms;
		char ts[32];
		if (v->type == TL_J_NUMBER) {
			if (tl_time_from_epoch(strtod(text, NULL), &ms) < 0)
				return;
		} else if (tl_time_parse(text, len, &ms) < 0) {
			return;
		}
		tl_sqlval_ts_text(ms, ts);
		tl_buf_reset(tmp);
		tl_buf_adds(tmp, ts);
		set_text(out, tmp->data, tmp->len);
		return;
	}
	case '?':
		if (v->type == TL_J_NUMBER) {
			read_number(text, len, true, out);
			return;
		}
		set_text(out, text, len);
		return;
	default:
		set_text(out, text, len);
		return;
	}
}

void tl_sqlval_from_value(sqlite3_value *v, struct tl_sqlv *out)
{
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		out->t = TL_SQLV_INT;
		out->i = sqlite3_value_int64(v);
		break;
	case SQLITE_FLOAT:
		out->t = TL_SQLV_DBL;
		out->d = sqlite3_value_double(v);
		break;
	case SQLITE_NULL:
		out->t = TL_SQLV_NULL;
		break;
	default:
		out->s = (const char *)sqlite3_value_text(v);
		out->n = (size_t)sqlite3_value_bytes(v);
		out->t = sqlite3_value_subtype(v) == 'J' ? TL_SQLV_JSON : TL_SQLV_TEXT;
		if (!out->s)
			out->t = TL_SQLV_NULL;
		break;
	}
}

void tl_sqlval_result(sqlite3_context *ctx, const struct tl_sqlv *v)
{
	switch (v->t) {
	case TL_SQLV_INT:
		sqlite3_result_int64(ctx, v->i);
		break;
	case TL_SQLV_DBL:
		sqlite3_result_double(ctx, v->d);
		break;
	case TL_SQLV_TEXT:
		sqlite3_result_text(ctx, v->s, (int)v->n, SQLITE_TRANSIENT);
		break;
	case TL_SQLV_JSON:
		sqlite3_result_text(ctx, v->s, (int)v->n, SQLITE_TRANSIENT);
		sqlite3_result_subtype(ctx, 'J');
		break;
	default:
		sqlite3_result_null(ctx);
		break;
	}
}

void tl_sqlval_result_json(sqlite3_context *ctx, const struct tl_jslice *v,
			   const struct tl_sqltype *t, struct tl_buf *tmp)
{
	struct tl_sqlv x;
	tl_sqlval_decode(v, t, &x, tmp);
	tl_sqlval_result(ctx, &x);
}

int tl_sqlval_register(sqlite3 *db, const char *name, int nargs, bool deterministic,
		       struct tl_sqlctx *ctx,
		       void (*fn)(sqlite3_context *, int, sqlite3_value **),
		       void (*step)(sqlite3_context *, int, sqlite3_value **),
		       void (*final)(sqlite3_context *),
		       void (*value)(sqlite3_context *),
		       void (*inverse)(sqlite3_context *, int, sqlite3_value **))
{
	int flags = SQLITE_UTF8 | (deterministic ? SQLITE_DETERMINISTIC : 0);
	for (int k = 0; k < 2; k++) {
		char nm[96];
		snprintf(nm, sizeof nm, "%s%s", name, k ? "_try" : "");
		int rc;
		if (value)
			rc = sqlite3_create_window_function(db, nm, nargs, flags, &ctx[k], step, final,
							    value, inverse, NULL);
		else
			rc = sqlite3_create_function(db, nm, nargs, flags, &ctx[k], fn, step, final);
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* ---- SQL to JSON ---- */

static int add_double(struct tl_buf *b, double d)
{
	char out[40];
	if (!isfinite(d))
		return tl_buf_adds(b, "null");
	snprintf(out, sizeof out, "%.17g", d);
	for (int prec = 1; prec <= 17; prec++) { /* the shortest form that reads back the same */
		char tryb[40];
		snprintf(tryb, sizeof tryb, "%.*g", prec, d);
		if (strtod(tryb, NULL) == d) {
			memcpy(out, tryb, sizeof out);
			break;
		}
	}
	return tl_buf_adds(b, out);
}

int tl_sqlval_add_sqlv_json(struct tl_buf *b, const struct tl_sqlv *v, const struct tl_sqltype *t)
{
	char k = t ? t->k : '?';
	if (v->t == TL_SQLV_NULL)
		return tl_buf_adds(b, "null");
	switch (k) {
	case 'b':
		return tl_buf_adds(b, (v->t == TL_SQLV_INT ? v->i : v->t == TL_SQLV_DBL ? v->d != 0 : 1)
					  ? "true" : "false");
	case 'i':
	case 'I':
	case 'M':
		if (v->t == TL_SQLV_DBL)
			return tl_buf_addf(b, "%lld", (long long)llround(v->d));
		if (v->t == TL_SQLV_INT)
			return tl_buf_addf(b, "%lld", (long long)v->i);
		break;
	case 'd':
		return add_double(b, v->t == TL_SQLV_INT ? (double)v->i
				     : v->t == TL_SQLV_DBL ? v->d : strtod(v->s, NULL));
	case 'n': {
		char dec[400];
		double d = v->t == TL_SQLV_INT ? (double)v->i
			   : v->t == TL_SQLV_DBL ? v->d : strtod(v->s, NULL);
		if (!isfinite(d))
			return tl_buf_adds(b, "null");
		tl_sqlval_decimal_text(d, t->scale, dec);
		return tl_buf_adds(b, dec);
	}
	case 'j':
	case '[':
	case '{':
	case '(':
		if (v->t == TL_SQLV_TEXT || v->t == TL_SQLV_JSON)
			return tl_buf_add(b, v->s, v->n);
		break;
	case '?':
		if (v->t == TL_SQLV_JSON)
			return tl_buf_add(b, v->s, v->n);
		if (v->t == TL_SQLV_INT)
			return tl_buf_addf(b, "%lld", (long long)v->i);
		if (v->t == TL_SQLV_DBL)
			return add_double(b, v->d);
		break;
	default:
		break;
	}
	if (v->t == TL_SQLV_INT)
		return tl_buf_addf(b, "\"%lld\"", (long long)v->i);
	if (v->t == TL_SQLV_DBL) {
		char d[40];
		tl_sqlval_double_text(v->d, d);
		return tl_buf_add_json_str(b, d, strlen(d));
	}
	return tl_buf_add_json_str(b, v->s, v->n);
}

int tl_sqlval_add_json(struct tl_buf *b, sqlite3_value *v, const struct tl_sqltype *t)
{
	struct tl_sqlv x;
	tl_sqlval_from_value(v, &x);
	return tl_sqlval_add_sqlv_json(b, &x, t);
}

/* ---- comparing ---- */

static int cmp_num(const struct tl_jslice *a, const struct tl_jslice *b)
{
	char x[64], y[64];
	size_t la = a->len < 63 ? a->len : 63, lb = b->len < 63 ? b->len : 63;
	memcpy(x, a->p, la);
	x[la] = '\0';
	memcpy(y, b->p, lb);
	y[lb] = '\0';
	char *ea, *eb;
	errno = 0;
	long long i = strtoll(x, &ea, 10), j = strtoll(y, &eb, 10);
	if (!*ea && !*eb && !errno)
		return (i > j) - (i < j);
	double d = strtod(x, NULL), e = strtod(y, NULL);
	return (d > e) - (d < e);
}

static int rank_of(enum tl_jtype t)
{
	switch (t) {
	case TL_J_NONE:
	case TL_J_NULL: return 0;
	case TL_J_FALSE:
	case TL_J_TRUE: return 1;
	case TL_J_NUMBER: return 2;
	case TL_J_STRING: return 3;
	default: return 4;
	}
}

int tl_sqlval_cmp_json(const struct tl_jslice *a, const struct tl_jslice *b,
		       const struct tl_sqltype *t)
{
	int ra = rank_of(a->type), rb = rank_of(b->type);
	if (ra != rb || ra == 0)
		return (ra > rb) - (ra < rb);
	if (ra == 1)
		return (a->type == TL_J_TRUE) - (b->type == TL_J_TRUE);
	if (ra == 2)
		return cmp_num(a, b);
	if (ra == 3) {
		struct tl_buf x = TL_BUF_INIT, y = TL_BUF_INIT;
		int r;
		tl_jscan_unescape(a, &x);
		tl_jscan_unescape(b, &y);
		if (t && (t->k == 't' || t->k == 'z')) {
			int64_t ma, mb;
			if (tl_time_parse(tl_buf_str(&x), x.len, &ma) == 0 &&
			    tl_time_parse(tl_buf_str(&y), y.len, &mb) == 0) {
				tl_buf_release(&x);
				tl_buf_release(&y);
				return (ma > mb) - (ma < mb);
			}
		}
		size_t m = x.len < y.len ? x.len : y.len;
		r = m ? memcmp(x.data, y.data, m) : 0;
		if (!r)
			r = (x.len > y.len) - (x.len < y.len);
		tl_buf_release(&x);
		tl_buf_release(&y);
		return r;
	}
	/* composites: element by element for arrays of the same type, else by text */
	if (t && t->k == '[' && a->type == TL_J_ARRAY && b->type == TL_J_ARRAY) {
		size_t pa = 0, pb = 0;
		struct tl_jslice ea, eb;
		for (;;) {
			int na = tl_sqlval_next(a->p, a->len, &pa, NULL, &ea);
			int nb = tl_sqlval_next(b->p, b->len, &pb, NULL, &eb);
			if (na != 1 || nb != 1)
				return (na == 1) - (nb == 1);
			int r = tl_sqlval_cmp_json(&ea, &eb, t->e);
			if (r)
				return r;
		}
	}
	size_t m = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->p, b->p, m);
	return r ? r : (a->len > b->len) - (a->len < b->len);
}

/* ---- numbers as Athena prints them ---- */

/* The shortest decimal digits of d (> 0, finite) that read back as d, and the exponent of
 * the first digit: d = 0.D1D2... * 10^exp. */
static int shortest(double d, char digits[24], int *exp10)
{
	char buf[40];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d || prec == 17)
			break;
	}
	/* Java: when one digit is enough, the two-digit decimal closest to d (4.9E-324) */
	if (prec == 1) {
		char two[40];
		snprintf(two, sizeof two, "%.1e", d);
		if (strtod(two, NULL) == d)
			memcpy(buf, two, sizeof buf);
	}
	/* buf: D[.DDD]e[+-]XX */
	int n = 0;
	const char *p = buf;
	for (; *p && *p != 'e'; p++)
		if (isdigit((unsigned char)*p))
			digits[n++] = *p;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = (int)strtol(p + 1, NULL, 10) + 1;
	return n;
}

void tl_sqlval_double_text(double d, char out[40])
{
	if (isnan(d)) {
		snprintf(out, 40, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(out, 40, "%sInfinity", d < 0 ? "-" : "");
		return;
	}
	if (d == 0) {
		snprintf(out, 40, "%s0.0", signbit(d) ? "-" : "");
		return;
	}
	char dg[24];
	int e, n = shortest(fabs(d), dg, &e);
	char *o = out;
	if (d < 0)
		*o++ = '-';
	double a = fabs(d);
	if (a >= 1e-3 && a < 1e7) {
		if (e <= 0) {
			*o++ = '0';
			*o++ = '.';
			for (int i = 0; i < -e; i++)
				*o++ = '0';
			for (int i = 0; i < n; i++)
				*o++ = dg[i];
		} else {
			for (int i = 0; i < e; i++)
				*o++ = i < n ? dg[i] : '0';
			*o++ = '.';
			if (n > e)
				for (int i = e; i < n; i++)
					*o++ = dg[i];
			else
				*o++ = '0';
		}
		*o = '\0';
		return;
	}
	*o++ = dg[0];
	*o++ = '.';
	if (n > 1)
		for (int i = 1; i < n; i++)
			*o++ = dg[i];
	else
		*o++ = '0';
	snprintf(o, (size_t)(out + 40 - o), "E%d", e - 1);
}

/* Rounds the decimal digits dg (value 0.dg * 10^e) at scale places after the point, half
 * away from zero; the result in a fixed-point string (no sign). */
static void round_digits(const char *dg, int n, int e, int scale, char *out, size_t cap)
{
	/* the digits from 10^(intd-1) down to 10^-(scale+1): one more than kept, to round */
	int intd = e > 0 ? e : 0;
	int total = intd + scale;
	char *num = xcalloc((size_t)total + 3, 1);
	for (int k = 0; k <= total; k++) {
		int p = intd - 1 - k, i = e - 1 - p;
		num[k] = i >= 0 && i < n ? dg[i] : '0';
	}
	bool up = num[total] >= '5';
	num[total] = '\0';
	int len = total;
	if (up) {
		int i = len - 1;
		while (i >= 0 && num[i] == '9')
			num[i--] = '0';
		if (i >= 0) {
			num[i]++;
		} else {
			memmove(num + 1, num, (size_t)len + 1);
			num[0] = '1';
			intd++;
			len++;
		}
	}
	size_t o = 0;
	if (intd == 0 && o + 1 < cap)
		out[o++] = '0';
	for (int i = 0; i < len && o + 2 < cap; i++) {
		if (i == intd && o + 1 < cap)
			out[o++] = '.';
		out[o++] = num[i];
	}
	out[o] = '\0';
	free(num);
}

void tl_sqlval_decimal_text(double d, int scale, char out[400])
{
	if (!isfinite(d)) {
		tl_sqlval_double_text(d, out);
		return;
	}
	if (scale < 0)
		scale = 0;
	if (scale > 38)
		scale = 38;
	if (d == 0 || fabs(d) >= 1e38) {
		snprintf(out, 400, "%.*f", scale, d == 0 ? 0.0 : d);
		return;
	}
	char dg[24], body[400];
	int e, n = shortest(fabs(d), dg, &e);
	round_digits(dg, n, e, scale, body, sizeof body);
	bool zero = true;
	for (const char *c = body; *c; c++)
		if (*c != '0' && *c != '.')
			zero = false;
	snprintf(out, 400, "%s%s", d < 0 && !zero ? "-" : "", body);
}

double tl_sqlval_round_decimal(double d, int scale)
{
	char out[400];
	if (!isfinite(d) || scale > 30 || fabs(d) >= 1e30)
		return d;
	if (scale < 0) {
		double f = pow(10, -scale);
		return (d < 0 ? -1 : 1) * floor(fabs(d) / f + 0.5) * f;
	}
	tl_sqlval_decimal_text(d, scale, out);
	return strtod(out, NULL);
}

void tl_sqlval_interval_text(int64_t v, bool year_month, char out[48])
{
	const char *sign = v < 0 ? "-" : "";
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	if (year_month) {
		snprintf(out, 48, "%s%llu-%llu", sign, (unsigned long long)(a / 12),
			 (unsigned long long)(a % 12));
		return;
	}
	snprintf(out, 48, "%s%llu %02llu:%02llu:%02llu.%03llu", sign,
		 (unsigned long long)(a / 86400000), (unsigned long long)(a / 3600000 % 24),
		 (unsigned long long)(a / 60000 % 60), (unsigned long long)(a / 1000 % 60),
		 (unsigned long long)(a % 1000));
}
