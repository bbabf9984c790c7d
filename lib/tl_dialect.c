/* tl_dialect.c: Trino's SQL as SQLite SQL (see tl_dialect.h). One pass over the tree resolves
 * names, types each expression and writes its SQL. Everything allocated during a
 * translation is kept in an arena freed at the end, so an error can jump straight out. */
#include "tl_dialect.h"

#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_schema.h"
#include "tl_sql.h"
#include "tl_trino.h"

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the arena and errors ---- */

struct rw;

enum tk {
	TY_UNKNOWN, TY_BOOLEAN, TY_TINYINT, TY_SMALLINT, TY_INTEGER, TY_BIGINT, TY_REAL, TY_DOUBLE,
	TY_DECIMAL, TY_VARCHAR, TY_VARBINARY, TY_DATE, TY_TIMESTAMP, TY_TSTZ, TY_IDS, TY_IYM,
	TY_JSON, TY_ARRAY, TY_MAP, TY_ROW,
};

struct ty {
	enum tk k;
	int p, s;                 /* decimal */
	const struct ty *e, *v;   /* array element; map key (e) and value (v) */
	size_t nf;                /* row fields */
	const char **fn;          /* their names (NULL for an anonymous field) */
	const struct ty **ft;
};

static const struct ty T_UNKNOWN = { TY_UNKNOWN, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_BOOLEAN = { TY_BOOLEAN, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_TINYINT = { TY_TINYINT, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_SMALLINT = { TY_SMALLINT, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_INTEGER = { TY_INTEGER, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_BIGINT = { TY_BIGINT, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_REAL = { TY_REAL, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_DOUBLE = { TY_DOUBLE, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_VARCHAR = { TY_VARCHAR, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_VARBINARY = { TY_VARBINARY, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_DATE = { TY_DATE, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_TIMESTAMP = { TY_TIMESTAMP, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_TSTZ = { TY_TSTZ, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_IDS = { TY_IDS, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_IYM = { TY_IYM, 0, 0, NULL, NULL, 0, NULL, NULL };
static const struct ty T_JSON = { TY_JSON, 0, 0, NULL, NULL, 0, NULL, NULL };

struct col {
	const char *name;         /* visible name, lower case; NULL when it has none */
	const char *label;        /* the name as written, for the result's header */
	const char *sql;          /* how the SQL reads it */
	const struct ty *ty;
	bool hidden;              /* the right side's column of a USING join */
};

struct rel {
	const char *alias;        /* lower case: the alias, else the table's name */
	const char *db, *table;   /* a catalog table not aliased: db.table.col works */
	struct col *cols;
	size_t ncols;
};

struct scope {
	struct scope *outer;
	struct rel **rels;
	size_t nrels;
	struct col *vars;         /* lambda parameters, or USING columns */
	size_t nvars;
	bool lambda;
};

struct cte {
	const char *name;         /* lower case */
	const char *sqlname;
	struct col *cols;
	size_t ncols;
	struct cte *next;
};

/* A query's result: columns with visible names and types. */
struct qres {
	struct col *cols;
	size_t ncols;
};

struct rw {
	jmp_buf jb;
	char *err;
	void **mem;
	size_t nmem, amem;
	struct tl_buf **bufs;
	size_t nbufs, abufs;
	const struct tl_dialect_catalog *cat;
	const struct ty **params;  /* the type of each ?, from its value */
	size_t nparams;
	struct cte *ctes;
	int nalias;
	int try_depth;
	int depth;
	const char *no_agg;       /* the clause being written, when aggregates may not appear */
	bool in_agg;              /* inside an aggregate's arguments */
	/* Trino's grouping rule (a column outside aggregates is a grouping key or inside one):
	 * the references to grp's columns outside aggregates, each with the SQL of the
	 * expressions around it, checked once the SELECT's keys are known. */
	struct scope *grp;
	struct bare *bares;
	size_t nbares, abares;
	bool saw_agg;             /* an aggregate (not a window) in the SELECT being written */
};

struct bare {
	const struct tl_trino_node *at;
	const char *name;
	const char **around;      /* its own SQL, then each enclosing expression's */
	size_t naround, aaround;
};

static void track(struct rw *w, void *p)
{
	if (w->nmem == w->amem) {
		w->amem = w->amem ? w->amem * 2 : 256;
		w->mem = xrealloc(w->mem, w->amem * sizeof *w->mem);
	}
	w->mem[w->nmem++] = p;
}

static void *ar(struct rw *w, size_t n)
{
	void *p = xcalloc(1, n ? n : 1);
	track(w, p);
	return p;
}

/* A bigger copy of old (oldn bytes) of n bytes; the old one stays in the arena. */
static void *ar_grow(struct rw *w, void *old, size_t oldn, size_t n)
{
	void *p = ar(w, n);
	if (old && oldn)
		memcpy(p, old, oldn < n ? oldn : n);
	return p;
}

static char *ar_str(struct rw *w, const char *s)
{
	char *p = xstrdup(s);
	track(w, p);
	return p;
}

static char *ar_lower(struct rw *w, const char *s)
{
	char *p = ar_str(w, s);
	for (char *c = p; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return p;
}

static char *ar_printf(struct rw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *ar_printf(struct rw *w, const char *fmt, ...)
{
	va_list ap;
	struct tl_buf b = TL_BUF_INIT;
	va_start(ap, fmt);
	tl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	char *p = tl_buf_detach(&b, NULL);
	track(w, p);
	return p;
}

static struct tl_buf *nb(struct rw *w)
{
	struct tl_buf *b = xcalloc(1, sizeof *b);
	tl_buf_init(b, 0);
	tl_buf_adds(b, "");
	if (w->nbufs == w->abufs) {
		w->abufs = w->abufs ? w->abufs * 2 : 64;
		w->bufs = xrealloc(w->bufs, w->abufs * sizeof *w->bufs);
	}
	w->bufs[w->nbufs++] = b;
	return b;
}

static void rw_free(struct rw *w)
{
	for (size_t i = 0; i < w->nmem; i++)
		free(w->mem[i]);
	free(w->mem);
	for (size_t i = 0; i < w->nbufs; i++) {
		tl_buf_release(w->bufs[i]);
		free(w->bufs[i]);
	}
	free(w->bufs);
}

__attribute__((format(printf, 3, 4), noreturn))
static void fail(struct rw *w, const struct tl_trino_node *at, const char *fmt, ...)
{
	va_list ap;
	struct tl_buf b = TL_BUF_INIT;
	if (at)
		tl_buf_addf(&b, "line %d, column %d: ", at->line, at->col);
	va_start(ap, fmt);
	tl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	w->err = tl_buf_detach(&b, NULL);
	longjmp(w->jb, 1);
}

/* A small number from the parser's digits (a type parameter). */
static int atoi_safe(const char *s)
{
	long v = strtol(s ? s : "0", NULL, 10);
	return v > 1000 ? 1000 : v < 0 ? 0 : (int)v;
}

/* ---- types ---- */

static bool is_int(const struct ty *t)
{
	return t->k >= TY_TINYINT && t->k <= TY_BIGINT;
}

static bool is_num(const struct ty *t)
{
	return t->k >= TY_TINYINT && t->k <= TY_DECIMAL;
}

static bool is_time(const struct ty *t)
{
	return t->k == TY_DATE || t->k == TY_TIMESTAMP || t->k == TY_TSTZ;
}

static bool is_composite(const struct ty *t)
{
	return t->k == TY_ARRAY || t->k == TY_MAP || t->k == TY_ROW;
}

static bool is_text(const struct ty *t)
{
	return t->k == TY_VARCHAR || t->k == TY_VARBINARY;
}

static struct ty *ty_new(struct rw *w, enum tk k)
{
	struct ty *t = ar(w, sizeof *t);
	t->k = k;
	return t;
}

static const struct ty *ty_decimal(struct rw *w, int p, int s)
{
	struct ty *t = ty_new(w, TY_DECIMAL);
	t->p = p > 38 ? 38 : p;
	t->s = s > t->p ? t->p : s;
	return t;
}

static const struct ty *ty_array(struct rw *w, const struct ty *e)
{
	struct ty *t = ty_new(w, TY_ARRAY);
	t->e = e;
	return t;
}

static const struct ty *ty_map(struct rw *w, const struct ty *k, const struct ty *v)
{
	struct ty *t = ty_new(w, TY_MAP);
	t->e = k;
	t->v = v;
	return t;
}

static bool ty_equal(const struct ty *a, const struct ty *b)
{
	if (a->k != b->k)
		return false;
	switch (a->k) {
	case TY_DECIMAL:
		return a->s == b->s;
	case TY_ARRAY:
		return ty_equal(a->e, b->e);
	case TY_MAP:
		return ty_equal(a->e, b->e) && ty_equal(a->v, b->v);
	case TY_ROW:
		if (a->nf != b->nf)
			return false;
		for (size_t i = 0; i < a->nf; i++)
			if (!ty_equal(a->ft[i], b->ft[i]))
				return false;
		return true;
	default:
		return true;
	}
}

static int int_rank(const struct ty *t)
{
	return t->k - TY_TINYINT;
}

/* The type both can be coerced to, or NULL (Trino's implicit coercions). */
static const struct ty *ty_super(struct rw *w, const struct ty *a, const struct ty *b)
{
	if (a->k == TY_UNKNOWN)
		return b;
	if (b->k == TY_UNKNOWN)
		return a;
	if (ty_equal(a, b))
		return a;
	if (is_int(a) && is_int(b))
		return int_rank(a) >= int_rank(b) ? a : b;
	if (is_num(a) && is_num(b)) {
		if (a->k == TY_DOUBLE || b->k == TY_DOUBLE)
			return &T_DOUBLE;
		if (a->k == TY_REAL || b->k == TY_REAL)
			return (a->k == TY_DECIMAL || b->k == TY_DECIMAL) ? &T_DOUBLE : &T_REAL;
		int sa = a->k == TY_DECIMAL ? a->s : 0, sb = b->k == TY_DECIMAL ? b->s : 0;
		int ia = a->k == TY_DECIMAL ? a->p - a->s : 19, ib = b->k == TY_DECIMAL ? b->p - b->s : 19;
		int s = sa > sb ? sa : sb, i = ia > ib ? ia : ib;
		return ty_decimal(w, i + s, s);
	}
	if (is_text(a) && is_text(b))
		return &T_VARCHAR;
	if (is_time(a) && is_time(b))
		return (a->k == TY_TSTZ || b->k == TY_TSTZ) ? &T_TSTZ : &T_TIMESTAMP;
	if (a->k == TY_ARRAY && b->k == TY_ARRAY) {
		const struct ty *e = ty_super(w, a->e, b->e);
		return e ? ty_array(w, e) : NULL;
	}
	if (a->k == TY_MAP && b->k == TY_MAP) {
		const struct ty *k = ty_super(w, a->e, b->e), *v = ty_super(w, a->v, b->v);
		return k && v ? ty_map(w, k, v) : NULL;
	}
	if (a->k == TY_ROW && b->k == TY_ROW && a->nf == b->nf) {
		struct ty *t = ty_new(w, TY_ROW);
		t->nf = a->nf;
		t->fn = ar(w, (a->nf + 1) * sizeof *t->fn);
		t->ft = ar(w, (a->nf + 1) * sizeof *t->ft);
		for (size_t i = 0; i < a->nf; i++) {
			t->fn[i] = a->fn[i];
			if (!(t->ft[i] = ty_super(w, a->ft[i], b->ft[i])))
				return NULL;
		}
		return t;
	}
	return NULL;
}

static void ty_code(const struct ty *t, struct tl_buf *b)
{
	switch (t->k) {
	case TY_BOOLEAN: tl_buf_addc(b, 'b'); break;
	case TY_TINYINT: case TY_SMALLINT: case TY_INTEGER: case TY_BIGINT: tl_buf_addc(b, 'i'); break;
	case TY_REAL: case TY_DOUBLE: tl_buf_addc(b, 'd'); break;
	case TY_DECIMAL: tl_buf_addf(b, "n%d", t->s); break;
	case TY_VARCHAR: case TY_VARBINARY: tl_buf_addc(b, 's'); break;
	case TY_DATE: tl_buf_addc(b, 'D'); break;
	case TY_TIMESTAMP: tl_buf_addc(b, 't'); break;
	case TY_TSTZ: tl_buf_addc(b, 'z'); break;
	case TY_IDS: tl_buf_addc(b, 'I'); break;
	case TY_IYM: tl_buf_addc(b, 'M'); break;
	case TY_JSON: tl_buf_addc(b, 'j'); break;
	case TY_ARRAY:
		tl_buf_addc(b, '[');
		ty_code(t->e, b);
		break;
	case TY_MAP:
		tl_buf_addc(b, '{');
		ty_code(t->e, b);
		ty_code(t->v, b);
		break;
	case TY_ROW:
		tl_buf_addc(b, '(');
		for (size_t i = 0; i < t->nf; i++) {
			if (i)
				tl_buf_addc(b, ',');
			char anon[32];
			const char *n = t->fn[i];
			if (!n) {
				snprintf(anon, sizeof anon, "field%zu", i);
				n = anon;
			}
			for (const char *c = n; *c; c++) {
				if (strchr("\\:,)", *c))
					tl_buf_addc(b, '\\');
				tl_buf_addc(b, *c);
			}
			tl_buf_addc(b, ':');
			ty_code(t->ft[i], b);
		}
		tl_buf_addc(b, ')');
		break;
	default:
		tl_buf_addc(b, '?');
		break;
	}
}

/* The code as an SQL string literal. */
static const char *code_lit(struct rw *w, const struct ty *t)
{
	struct tl_buf *b = nb(w), *q = nb(w);
	ty_code(t, b);
	tl_buf_addc(q, '\'');
	for (const char *c = tl_buf_str(b); *c; c++) {
		if (*c == '\'')
			tl_buf_addc(q, '\'');
		tl_buf_addc(q, *c);
	}
	tl_buf_addc(q, '\'');
	return tl_buf_str(q);
}

static void ty_name(const struct ty *t, struct tl_buf *b)
{
	static const char *const names[] = {
		[TY_UNKNOWN] = "unknown", [TY_BOOLEAN] = "boolean", [TY_TINYINT] = "tinyint",
		[TY_SMALLINT] = "smallint", [TY_INTEGER] = "integer", [TY_BIGINT] = "bigint",
		[TY_REAL] = "real", [TY_DOUBLE] = "double", [TY_VARCHAR] = "varchar",
		[TY_VARBINARY] = "varbinary", [TY_DATE] = "date", [TY_TIMESTAMP] = "timestamp(3)",
		[TY_TSTZ] = "timestamp(3) with time zone", [TY_IDS] = "interval day to second",
		[TY_IYM] = "interval year to month", [TY_JSON] = "json",
	};
	switch (t->k) {
	case TY_DECIMAL:
		tl_buf_addf(b, "decimal(%d,%d)", t->p, t->s);
		break;
	case TY_ARRAY:
		tl_buf_adds(b, "array(");
		ty_name(t->e, b);
		tl_buf_addc(b, ')');
		break;
	case TY_MAP:
		tl_buf_adds(b, "map(");
		ty_name(t->e, b);
		tl_buf_addc(b, ',');
		ty_name(t->v, b);
		tl_buf_addc(b, ')');
		break;
	case TY_ROW:
		tl_buf_adds(b, "row(");
		for (size_t i = 0; i < t->nf; i++) {
			if (i)
				tl_buf_adds(b, ", ");
			if (t->fn[i])
				tl_buf_addf(b, "%s ", t->fn[i]);
			ty_name(t->ft[i], b);
		}
		tl_buf_addc(b, ')');
		break;
	default:
		tl_buf_adds(b, names[t->k]);
		break;
	}
}

static const char *tyn(struct rw *w, const struct ty *t)
{
	struct tl_buf *b = nb(w);
	ty_name(t, b);
	return tl_buf_str(b);
}

static const struct ty *ty_from_schema(struct rw *w, const struct tl_schema *s)
{
	if (!s)
		return &T_VARCHAR;
	switch (s->kind) {
	case TL_SK_BOOLEAN: return &T_BOOLEAN;
	case TL_SK_INT: return &T_INTEGER;
	case TL_SK_BIGINT: return &T_BIGINT;
	case TL_SK_DOUBLE: return &T_DOUBLE;
	case TL_SK_TIMESTAMP: return &T_TIMESTAMP;
	case TL_SK_ARRAY: return ty_array(w, s->elem ? ty_from_schema(w, s->elem) : &T_VARCHAR);
	case TL_SK_STRUCT: {
		struct ty *t = ty_new(w, TY_ROW);
		t->fn = ar(w, (s->nfields + 1) * sizeof *t->fn);
		t->ft = ar(w, (s->nfields + 1) * sizeof *t->ft);
		for (size_t i = 0; i < s->nfields; i++) {
			if (s->fields[i].alias_of >= 0 || !s->fields[i].type)
				continue;
			t->fn[t->nf] = ar_lower(w, s->fields[i].col);
			t->ft[t->nf++] = ty_from_schema(w, s->fields[i].type);
		}
		return t;
	}
	case TL_SK_MAP: {
		char *err = NULL;
		struct tl_schema *k = s->other ? tl_schema_parse_type(s->other, &err) : NULL;
		free(err);
		const struct ty *kt = k ? ty_from_schema(w, k) : &T_VARCHAR;
		tl_schema_free(k);
		return ty_map(w, kt, s->elem ? ty_from_schema(w, s->elem) : &T_VARCHAR);
	}
	case TL_SK_OTHER: {
		const char *o = s->other ? s->other : "";
		if (!strcasecmp(o, "tinyint"))
			return &T_TINYINT;
		if (!strcasecmp(o, "smallint"))
			return &T_SMALLINT;
		if (!strcasecmp(o, "float") || !strcasecmp(o, "real"))
			return &T_REAL;
		if (!strcasecmp(o, "date"))
			return &T_DATE;
		if (!strcasecmp(o, "binary"))
			return &T_VARBINARY;
		if (!strncasecmp(o, "decimal", 7)) {
			int p = 10, sc = 0;
			sscanf(o + 7, " ( %d , %d", &p, &sc);
			return ty_decimal(w, p, sc);
		}
		return &T_VARCHAR;
	}
	default:
		return &T_VARCHAR;
	}
}

static const struct ty *ty_from_glue(struct rw *w, const char *type)
{
	char *err = NULL;
	struct tl_schema *s = type ? tl_schema_parse_type(type, &err) : NULL;
	free(err);
	const struct ty *t = ty_from_schema(w, s);
	tl_schema_free(s);
	return t;
}

static const struct ty *ty_from_node(struct rw *w, const struct tl_trino_node *n)
{
	const char *b = n->text;
	if (!strcmp(b, "varchar") || !strcmp(b, "char") || !strcmp(b, "string"))
		return &T_VARCHAR;
	if (!strcmp(b, "bigint"))
		return &T_BIGINT;
	if (!strcmp(b, "integer") || !strcmp(b, "int"))
		return &T_INTEGER;
	if (!strcmp(b, "smallint"))
		return &T_SMALLINT;
	if (!strcmp(b, "tinyint"))
		return &T_TINYINT;
	if (!strcmp(b, "double") || !strcmp(b, "float"))
		return &T_DOUBLE;
	if (!strcmp(b, "real"))
		return &T_REAL;
	if (!strcmp(b, "boolean"))
		return &T_BOOLEAN;
	if (!strcmp(b, "date"))
		return &T_DATE;
	if (!strcmp(b, "timestamp"))
		return &T_TIMESTAMP;
	if (!strcmp(b, "timestamp with time zone"))
		return &T_TSTZ;
	if (!strcmp(b, "interval day to second"))
		return &T_IDS;
	if (!strcmp(b, "interval year to month"))
		return &T_IYM;
	if (!strcmp(b, "json"))
		return &T_JSON;
	if (!strcmp(b, "varbinary"))
		return &T_VARBINARY;
	if (!strcmp(b, "decimal") || !strcmp(b, "numeric")) {
		int p = n->nkid > 0 ? atoi_safe(n->kid[0]->text) : 38;
		int s = n->nkid > 1 ? atoi_safe(n->kid[1]->text) : 0;
		if (p < 1 || p > 38 || s < 0 || s > p)
			fail(w, n, "DECIMAL precision must be in range [1, 38] and scale in [0, precision]");
		return ty_decimal(w, p, s);
	}
	if (!strcmp(b, "array"))
		return ty_array(w, ty_from_node(w, n->kid[0]));
	if (!strcmp(b, "map"))
		return ty_map(w, ty_from_node(w, n->kid[0]), ty_from_node(w, n->kid[1]));
	if (!strcmp(b, "row")) {
		struct ty *t = ty_new(w, TY_ROW);
		t->fn = ar(w, (n->nkid + 1) * sizeof *t->fn);
		t->ft = ar(w, (n->nkid + 1) * sizeof *t->ft);
		for (size_t i = 0; i < n->nkid; i++) {
			t->fn[i] = n->kid[i]->text ? ar_lower(w, n->kid[i]->text) : NULL;
			t->ft[i] = ty_from_node(w, n->kid[i]->kid[0]);
		}
		t->nf = n->nkid;
		return t;
	}
	if (!strcmp(b, "time") || !strcmp(b, "time with time zone"))
		fail(w, n, "the time type is not supported offline (use timestamp)");
	fail(w, n, "Unknown type: %s", b);
}

/* ---- expressions ---- */

/* An expression written out: its SQL and its type. */
struct ex {
	const char *sql;
	const struct ty *ty;
	const char *flat;   /* a chain a op b op c without its outer parentheses, */
	char cls;           /* and the class of op: + for + -, * for * /, | for ||, A, O */
};

static struct ex ex_of(struct rw *w, struct scope *sc, const struct tl_trino_node *n);
static void t_query(struct rw *w, const struct tl_trino_node *q, struct scope *outer,
		    struct tl_buf *o, struct qres *res, bool top);

static struct ex mk(const char *sql, const struct ty *ty)
{
	struct ex e = { sql, ty, NULL, 0 };
	return e;
}

/* (a op b), where a left operand of the same class joins the chain without parentheses of
 * its own: SQLite's parser has room for only about 30 levels of nesting. */
static struct ex chain(struct rw *w, struct ex a, const char *op, const char *b, char cls,
		       const struct ty *ty)
{
	const char *left = a.cls == cls && a.flat ? a.flat : a.sql;
	struct ex e = mk(NULL, ty);
	e.flat = ar_printf(w, "%s %s %s", left, op, b);
	e.sql = ar_printf(w, "(%s)", e.flat);
	e.cls = cls;
	return e;
}

static char *quote_ident(struct rw *w, const char *s)
{
	struct tl_buf *b = nb(w);
	tl_buf_addc(b, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			tl_buf_addc(b, '"');
		tl_buf_addc(b, *p);
	}
	tl_buf_addc(b, '"');
	return (char *)tl_buf_str(b);
}

static char *quote_str(struct rw *w, const char *s)
{
	struct tl_buf *b = nb(w);
	tl_buf_addc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			tl_buf_addc(b, '\'');
		tl_buf_addc(b, *p);
	}
	tl_buf_addc(b, '\'');
	return (char *)tl_buf_str(b);
}

/* A runtime function's name: its _try twin inside try(). */
static const char *fname(struct rw *w, const char *name)
{
	if (w->try_depth && !strncmp(name, "tl_", 3))
		return ar_printf(w, "%s_try", name);
	return name;
}

static bool name_eq(const char *a, const char *b)
{
	return a && b && !strcasecmp(a, b);
}

static void enter(struct rw *w, const struct tl_trino_node *at)
{
	if (++w->depth > 400)
		fail(w, at, "the statement is nested too deeply");
}

/* ---- names ---- */

/* Fields of a row read one after another: tl_field(base, code, f1, f2...). what names the
 * base in messages. */
static struct ex deref(struct rw *w, struct ex base, const char *what,
		       const struct tl_trino_node *const *parts, size_t nparts,
		       const struct tl_trino_node *at)
{
	if (!nparts)
		return base;
	struct tl_buf *names = nb(w), *path = nb(w);
	tl_buf_adds(path, what);
	const struct ty *t = base.ty;
	for (size_t i = 0; i < nparts; i++) {
		if (t->k != TY_ROW)
			fail(w, at, "Expression %s is not of type ROW (it is %s)", tl_buf_str(path),
			     tyn(w, t));
		size_t k;
		for (k = 0; k < t->nf; k++)
			if (name_eq(t->fn[k], parts[i]->text))
				break;
		if (k == t->nf) {
			struct tl_buf *have = nb(w);
			for (size_t f = 0; f < t->nf && f < 12; f++)
				tl_buf_addf(have, "%s%s", f ? ", " : "", t->fn[f] ? t->fn[f] : "(unnamed)");
			fail(w, at, "Column '%s.%s' cannot be resolved (the fields of %s are: %s%s)",
			     tl_buf_str(path), parts[i]->text, tl_buf_str(path), tl_buf_str(have),
			     t->nf > 12 ? ", ..." : "");
		}
		tl_buf_addf(names, ", %s", quote_str(w, t->fn[k]));
		tl_buf_addf(path, ".%s", parts[i]->text);
		t = t->ft[k];
	}
	return mk(ar_printf(w, "%s(%s, %s%s)", fname(w, "tl_field"), base.sql, code_lit(w, t),
			    tl_buf_str(names)), t);
}

static const struct col *find_col(const struct rel *r, const char *name)
{
	for (size_t i = 0; i < r->ncols; i++)
		if (r->cols[i].name && name_eq(r->cols[i].name, name))
			return &r->cols[i];
	return NULL;
}

static void bare_around(struct rw *w, size_t mark, const char *sql);

/* A reference to a column of the SELECT being checked for grouping, outside aggregates. */
static void bare_add(struct rw *w, const struct tl_trino_node *at,
		     const struct tl_trino_node *const *p, size_t n, const char *col_sql)
{
	if (w->nbares == w->abares) {
		size_t na = w->abares ? w->abares * 2 : 16;
		w->bares = ar_grow(w, w->bares, w->abares * sizeof *w->bares, na * sizeof *w->bares);
		w->abares = na;
	}
	struct tl_buf *name = nb(w);
	for (size_t i = 0; i < n; i++)
		tl_buf_addf(name, "%s%s", i ? "." : "", p[i]->text);
	w->bares[w->nbares++] = (struct bare){ .at = at, .name = tl_buf_str(name) };
	bare_around(w, w->nbares - 1, col_sql); /* a whole struct column grouped covers its fields */
}

/* The expression sql encloses the references recorded since mark. */
static void bare_around(struct rw *w, size_t mark, const char *sql)
{
	for (size_t i = mark; i < w->nbares; i++) {
		struct bare *b = &w->bares[i];
		if (b->naround == b->aaround) {
			size_t na = b->aaround ? b->aaround * 2 : 8;
			b->around = ar_grow(w, b->around, b->aaround * sizeof *b->around,
					    na * sizeof *b->around);
			b->aaround = na;
		}
		b->around[b->naround++] = sql;
	}
}

/* An identifier chain a.b.c: a column (qualified by catalog.table, a relation or not) and
 * then fields, resolved from the innermost scope out, as Trino does. */
static struct ex resolve(struct rw *w, struct scope *sc, const struct tl_trino_node *const *p,
			 size_t n, const struct tl_trino_node *at)
{
	for (struct scope *s = sc; s; s = s->outer) {
		for (size_t i = 0; i < s->nvars; i++)
			if (name_eq(s->vars[i].name, p[0]->text))
				return deref(w, mk(s->vars[i].sql, s->vars[i].ty), p[0]->text, p + 1, n - 1, at);
		if (s->lambda)
			continue;
		const struct col *hit = NULL;
		size_t used = 0;
		if (n >= 3) {
			for (size_t r = 0; r < s->nrels && !hit; r++) {
				const struct rel *rl = s->rels[r];
				if (rl->db && name_eq(rl->db, p[0]->text) && name_eq(rl->table, p[1]->text) &&
				    (hit = find_col(rl, p[2]->text)))
					used = 3;
			}
		}
		if (!hit && n >= 2) {
			for (size_t r = 0; r < s->nrels; r++) {
				const struct rel *rl = s->rels[r];
				if (!rl->alias || !name_eq(rl->alias, p[0]->text))
					continue;
				const struct col *c = find_col(rl, p[1]->text);
				if (c && hit)
					fail(w, at, "Column '%s.%s' is ambiguous", p[0]->text, p[1]->text);
				if (c) {
					hit = c;
					used = 2;
				}
			}
		}
		if (!hit) {
			for (size_t r = 0; r < s->nrels; r++) {
				const struct col *c = find_col(s->rels[r], p[0]->text);
				if (!c || c->hidden)
					continue;
				if (hit)
					fail(w, at, "Column '%s' is ambiguous", p[0]->text);
				hit = c;
				used = 1;
			}
		}
		if (hit) {
			struct tl_buf *what = nb(w);
			for (size_t i = 0; i < used; i++)
				tl_buf_addf(what, "%s%s", i ? "." : "", p[i]->text);
			if (s == w->grp && !w->in_agg)
				bare_add(w, at, p, n, hit->sql);
			return deref(w, mk(hit->sql, hit->ty), tl_buf_str(what), p + used, n - used, at);
		}
	}
	if (n >= 2) {
		for (struct scope *s = sc; s; s = s->outer)
			for (size_t r = 0; r < s->nrels; r++)
				if (s->rels[r]->alias && name_eq(s->rels[r]->alias, p[0]->text))
					fail(w, at, "Column '%s' cannot be resolved in %s", p[1]->text,
					     p[0]->text);
	}
	fail(w, at, "Column '%s' cannot be resolved", p[0]->text);
}

/* IDENT or DEREF over an identifier chain; other bases are expressions with fields. */
static struct ex name_ref(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	const struct tl_trino_node *parts[64];
	size_t k = 0;
	const struct tl_trino_node *c = n;
	while (c->kind == TL_TN_DEREF && k < 63) {
		parts[k++] = c;
		c = c->kid[0];
	}
	if (c->kind == TL_TN_DEREF)
		fail(w, n, "too many fields in a row");
	const struct tl_trino_node *chain[64];
	size_t m = 0;
	if (c->kind == TL_TN_IDENT)
		chain[m++] = c;
	for (size_t i = k; i-- > 0;)
		chain[m++] = parts[i];
	if (c->kind == TL_TN_IDENT)
		return resolve(w, sc, chain, m, n);
	return deref(w, ex_of(w, sc, c), "the expression", chain, m, n);
}

/* ---- coercions ---- */

/* v of type from as a value of type to (no-op where SQLite holds both alike). */
static const char *coerce(struct rw *w, struct ex v, const struct ty *to)
{
	const struct ty *f = v.ty;
	if (f->k == TY_UNKNOWN || ty_equal(f, to))
		return v.sql;
	if (f->k == TY_DATE && to->k == TY_TIMESTAMP)
		return ar_printf(w, "(%s || ' 00:00:00.000')", v.sql);
	if (is_time(f) && to->k == TY_TSTZ)
		return ar_printf(w, "%s(%s, %s, 'z')", fname(w, "tl_time_cast"), v.sql, code_lit(w, f));
	if (is_int(f) && (to->k == TY_DOUBLE || to->k == TY_REAL))
		return ar_printf(w, "CAST(%s AS REAL)", v.sql);
	if (is_composite(f) && is_composite(to) && f->k == to->k) {
		struct tl_buf *a = nb(w), *b = nb(w);
		ty_code(f, a);
		ty_code(to, b);
		if (!strcmp(tl_buf_str(a), tl_buf_str(b)))
			return v.sql;
		return ar_printf(w, "%s(%s, %s, %s)", fname(w, "tl_cast"), v.sql, code_lit(w, f),
				 code_lit(w, to));
	}
	return v.sql;
}

static void need(struct rw *w, const struct tl_trino_node *at, struct ex e, bool ok,
		 const char *fn, int argi, const char *what)
{
	if (!ok && e.ty->k != TY_UNKNOWN)
		fail(w, at, "%s: argument %d must be %s, not %s", fn, argi, what, tyn(w, e.ty));
}

static void need_bool(struct rw *w, const struct tl_trino_node *at, struct ex e, const char *where)
{
	if (e.ty->k != TY_BOOLEAN && e.ty->k != TY_UNKNOWN)
		fail(w, at, "%s must evaluate to a boolean: actual type %s", where, tyn(w, e.ty));
}

/* ---- operators ---- */

__attribute__((noreturn))
static void bad_op(struct rw *w, const struct tl_trino_node *at, const char *op, struct ex a,
		   struct ex b)
{
	fail(w, at, "Cannot apply operator: %s %s %s", tyn(w, a.ty), op, tyn(w, b.ty));
}

static bool orderable(const struct ty *t)
{
	return t->k != TY_MAP && t->k != TY_JSON;
}

static const char *time_code(struct rw *w, const struct ty *t)
{
	return code_lit(w, t->k == TY_UNKNOWN ? &T_TIMESTAMP : t);
}

/* A comparison (op is = <> < <= > >=) of a and b, coerced to a common type. */
static struct ex compare(struct rw *w, const struct tl_trino_node *at, const char *op, struct ex a,
			 struct ex b)
{
	const struct ty *t = ty_super(w, a.ty, b.ty);
	if (!t || (strcmp(op, "=") && strcmp(op, "<>") && !orderable(t)))
		bad_op(w, at, op, a, b);
	if (is_composite(t))
		return mk(ar_printf(w, "(%s(%s, %s, %s) %s 0)", fname(w, "tl_cmp"), coerce(w, a, t),
				    coerce(w, b, t), code_lit(w, t), op), &T_BOOLEAN);
	if (t->k == TY_TSTZ)
		return mk(ar_printf(w, "(%s(%s, %s) %s %s(%s, %s))", fname(w, "tl_instant"), a.sql,
				    time_code(w, a.ty), op, fname(w, "tl_instant"), b.sql,
				    time_code(w, b.ty)), &T_BOOLEAN);
	return mk(ar_printf(w, "(%s %s %s)", coerce(w, a, t), op, coerce(w, b, t)), &T_BOOLEAN);
}

static bool nonzero_literal(const struct tl_trino_node *n)
{
	if (n->kind != TL_TN_INT && n->kind != TL_TN_DOUBLE)
		return false;
	for (const char *c = n->text; *c; c++)
		if (*c >= '1' && *c <= '9')
			return true;
	return false;
}

static const struct ty *decimal_of(struct rw *w, const struct ty *t)
{
	if (t->k == TY_DECIMAL)
		return t;
	return ty_decimal(w, t->k == TY_BIGINT ? 19 : t->k == TY_INTEGER ? 10 : t->k == TY_SMALLINT ? 5 : 3, 0);
}

static struct ex arith(struct rw *w, const struct tl_trino_node *at, const char *op, struct ex a,
		       struct ex b, const struct tl_trino_node *bn)
{
	char o = op[0];
	/* unknown (NULL, ?): as the other side */
	if (a.ty->k == TY_UNKNOWN && b.ty->k == TY_UNKNOWN)
		return mk(ar_printf(w, "(%s %s %s)", a.sql, op, b.sql), &T_UNKNOWN);
	if (a.ty->k == TY_UNKNOWN)
		a.ty = is_time(b.ty) ? b.ty : b.ty;
	if (b.ty->k == TY_UNKNOWN)
		b.ty = a.ty;
	if (is_num(a.ty) && is_num(b.ty)) {
		const struct ty *t;
		if (a.ty->k == TY_DOUBLE || b.ty->k == TY_DOUBLE || a.ty->k == TY_REAL || b.ty->k == TY_REAL)
			t = (a.ty->k == TY_REAL || b.ty->k == TY_REAL) &&
					    a.ty->k != TY_DOUBLE && b.ty->k != TY_DOUBLE && a.ty->k != TY_DECIMAL &&
					    b.ty->k != TY_DECIMAL ? &T_REAL : &T_DOUBLE;
		else if (a.ty->k == TY_DECIMAL || b.ty->k == TY_DECIMAL) {
			const struct ty *x = decimal_of(w, a.ty), *y = decimal_of(w, b.ty);
			int s = x->s > y->s ? x->s : y->s;
			if (o == '*')
				t = ty_decimal(w, x->p + y->p, x->s + y->s);
			else if (o == '/')
				t = ty_decimal(w, x->p - x->s + y->s + s, s);
			else if (o == '%')
				t = ty_decimal(w, (x->p - x->s > y->p - y->s ? x->p - x->s : y->p - y->s) + s, s);
			else
				t = ty_decimal(w, (x->p - x->s > y->p - y->s ? x->p - x->s : y->p - y->s) + s + 1, s);
			if (o == '/')
				return mk(ar_printf(w, "%s(%s, %s, %d)", fname(w, "tl_decdiv"), a.sql, b.sql,
						    t->s), t);
		} else {
			t = int_rank(a.ty) >= int_rank(b.ty) ? a.ty : b.ty;
		}
		if (o == '/' && !nonzero_literal(bn))
			return mk(ar_printf(w, "%s(%s, %s)", fname(w, "tl_div"), a.sql, b.sql), t);
		if (o == '%')
			return mk(ar_printf(w, "%s(%s, %s)", fname(w, "tl_mod"), a.sql, b.sql), t);
		if (o == '/' && t->k == TY_DOUBLE && is_int(a.ty) && is_int(b.ty))
			return mk(ar_printf(w, "(CAST(%s AS REAL) / %s)", a.sql, b.sql), t);
		char op1[2] = { o, '\0' };
		return chain(w, a, op1, b.sql, o == '+' || o == '-' ? '+' : '*', t);
	}
	bool ia = a.ty->k == TY_IDS || a.ty->k == TY_IYM, ib = b.ty->k == TY_IDS || b.ty->k == TY_IYM;
	/* time +- interval */
	if ((o == '+' || o == '-') && is_time(a.ty) && ib) {
		bool months = b.ty->k == TY_IYM;
		const char *amount = o == '-' ? ar_printf(w, "(-%s)", b.sql) : b.sql;
		if (a.ty->k == TY_DATE && !months && bn->kind == TL_TN_INTERVAL && bn->kid[0] &&
		    strcmp(bn->kid[0]->text, "day") && strcmp(bn->kid[0]->text, "year") &&
		    strcmp(bn->kid[0]->text, "month"))
			fail(w, at, "Cannot add hour, minutes or seconds to a date");
		return mk(ar_printf(w, "%s(%s, %s, %s, %s)", fname(w, "tl_ts_add"), a.sql,
				    months ? "0" : amount, months ? amount : "0", time_code(w, a.ty)),
			  a.ty);
	}
	if (o == '+' && ia && is_time(b.ty))
		return arith(w, at, op, b, a, NULL);
	if (o == '-' && is_time(a.ty) && is_time(b.ty) && a.ty->k != TY_DATE && b.ty->k != TY_DATE)
		return mk(ar_printf(w, "%s(%s, %s, %s, %s)", fname(w, "tl_ts_diff"), a.sql, b.sql,
				    time_code(w, a.ty), time_code(w, b.ty)), &T_IDS);
	if ((o == '+' || o == '-') && ia && ib && a.ty->k == b.ty->k)
		return mk(ar_printf(w, "(%s %c %s)", a.sql, o, b.sql), a.ty);
	if ((o == '*' || o == '/') && ia && is_num(b.ty))
		return mk(ar_printf(w, "CAST(round(%s %c %s) AS INTEGER)", a.sql, o, b.sql), a.ty);
	if (o == '*' && ib && is_num(a.ty))
		return mk(ar_printf(w, "CAST(round(%s * %s) AS INTEGER)", a.sql, b.sql), b.ty);
	bad_op(w, at, op, a, b);
}

static const struct ty *array_of_elem(struct rw *w, const struct tl_trino_node *at, struct ex a)
{
	(void)w;
	(void)at;
	return a.ty->k == TY_ARRAY ? a.ty->e : NULL;
}

static struct ex concat_op(struct rw *w, const struct tl_trino_node *at, struct ex a, struct ex b)
{
	if (a.ty->k == TY_ARRAY || b.ty->k == TY_ARRAY) {
		const struct ty *ea = array_of_elem(w, at, a), *eb = array_of_elem(w, at, b);
		const struct ty *e = ty_super(w, ea ? ea : a.ty, eb ? eb : b.ty);
		if (!e)
			bad_op(w, at, "||", a, b);
		const struct ty *t = ty_array(w, e);
		const char *x = ea ? coerce(w, a, t)
				   : ar_printf(w, "%s(%s, %s)", fname(w, "tl_array"), code_lit(w, t), a.sql);
		const char *y = eb ? coerce(w, b, t)
				   : ar_printf(w, "%s(%s, %s)", fname(w, "tl_array"), code_lit(w, t), b.sql);
		return mk(ar_printf(w, "%s(%s, %s)", fname(w, "tl_array_concat"), x, y), t);
	}
	if ((!is_text(a.ty) && a.ty->k != TY_UNKNOWN) || (!is_text(b.ty) && b.ty->k != TY_UNKNOWN))
		bad_op(w, at, "||", a, b);
	return chain(w, a, "||", b.sql, '|', &T_VARCHAR);
}

static struct ex binary(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	const char *op = n->text;
	struct ex a = ex_of(w, sc, n->kid[0]), b = ex_of(w, sc, n->kid[1]);
	if (!strcmp(op, "AND") || !strcmp(op, "OR")) {
		need_bool(w, n->kid[0], a, op);
		need_bool(w, n->kid[1], b, op);
		return chain(w, a, op, b.sql, op[0], &T_BOOLEAN);
	}
	if (!strcmp(op, "||"))
		return concat_op(w, n, a, b);
	if (strchr("+-*/%", op[0]))
		return arith(w, n, op, a, b, n->kid[1]);
	return compare(w, n, op, a, b);
}

/* ---- literals ---- */

static struct ex int_literal(struct rw *w, const struct tl_trino_node *n)
{
	errno = 0;
	char *end;
	long long v = strtoll(n->text, &end, 10);
	if (errno || *end)
		fail(w, n, "Invalid numeric literal: %s", n->text);
	return mk(n->text, v > 2147483647LL ? &T_BIGINT : &T_INTEGER);
}

static struct ex decimal_literal(struct rw *w, const struct tl_trino_node *n, const char *text)
{
	int digits = 0, scale = 0;
	bool frac = false;
	for (const char *c = text; *c; c++) {
		if (*c == '.')
			frac = true;
		else if (isdigit((unsigned char)*c)) {
			digits++;
			scale += frac;
		} else if (*c != '+' && *c != '-')
			fail(w, n, "Invalid decimal literal: %s", text);
	}
	if (digits > 38)
		fail(w, n, "Decimal overflow: more than 38 digits in %s", text);
	const char *sql = text;
	if (text[0] == '.')
		sql = ar_printf(w, "0%s", text);
	if (text[strlen(text) - 1] == '.')
		sql = ar_printf(w, "%s0", sql);
	if (!frac)
		sql = ar_printf(w, "%s.0", sql);
	return mk(sql, ty_decimal(w, digits > scale ? digits : scale + 1, scale));
}

/* Milliseconds or months of an interval literal. */
static struct ex interval_literal(struct rw *w, const struct tl_trino_node *n)
{
	const char *from = n->kid[0]->text, *to = n->kid[1] ? n->kid[1]->text : NULL;
	const char *v = n->text;
	bool neg = (n->flags & TL_TF_NEGATIVE) != 0;
	while (*v == ' ')
		v++;
	if (*v == '-' || *v == '+') {
		neg ^= *v == '-';
		v++;
	}
	bool ym = !strcmp(from, "year") || !strcmp(from, "month");
	long long total = 0;
	if (ym) {
		long long y = 0, m = 0;
		int got;
		if (to && !strcmp(to, "month") && !strcmp(from, "year")) {
			if (sscanf(v, "%lld-%lld%n", &y, &m, &got) != 2 || v[got] || m > 11)
				fail(w, n, "Invalid INTERVAL YEAR TO MONTH value: %s", n->text);
			total = y * 12 + m;
		} else if (!to) {
			char *end;
			errno = 0;
			long long x = strtoll(v, &end, 10);
			if (errno || *end || end == v)
				fail(w, n, "Invalid INTERVAL %s value: %s", from, n->text);
			total = !strcmp(from, "year") ? x * 12 : x;
		} else {
			fail(w, n, "Invalid interval qualifier %s TO %s", from, to);
		}
		return mk(ar_printf(w, "%lld", neg ? -total : total), &T_IYM);
	}
	static const char *const units[] = { "day", "hour", "minute", "second" };
	static const long long ms[] = { 86400000LL, 3600000LL, 60000LL, 1000LL };
	int fi = -1, ti = -1;
	for (int i = 0; i < 4; i++) {
		if (!strcmp(from, units[i]))
			fi = i;
		if (to && !strcmp(to, units[i]))
			ti = i;
	}
	if (fi < 0 || (to && ti < fi))
		fail(w, n, "Invalid interval qualifier %s%s%s", from, to ? " TO " : "", to ? to : "");
	if (ti < 0)
		ti = fi;
	/* fields from fi to ti: the first separated by ' ' (day) or ':' */
	const char *p = v;
	for (int i = fi; i <= ti; i++) {
		char *end;
		errno = 0;
		if (i == 3) {
			double sec = strtod(p, &end);
			if (errno || end == p || sec < 0)
				fail(w, n, "Invalid INTERVAL value: %s", n->text);
			total += (long long)(sec * 1000.0 + 0.5);
		} else {
			long long x = strtoll(p, &end, 10);
			if (errno || end == p || x < 0 || (i > fi && x >= (i == 1 ? 24 : 60)))
				fail(w, n, "Invalid INTERVAL value: %s", n->text);
			total += x * ms[i];
		}
		p = end;
		if (i < ti) {
			if (*p != (i == 0 ? ' ' : ':'))
				fail(w, n, "Invalid INTERVAL value: %s", n->text);
			p++;
		}
	}
	if (*p)
		fail(w, n, "Invalid INTERVAL value: %s", n->text);
	return mk(ar_printf(w, "%lld", neg ? -total : total), &T_IDS);
}

static bool valid_date(const char *s)
{
	int y, m, d, got = 0;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &got) != 3 || got != 10)
		return false;
	static const int dm[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m >= 1 && m <= 12 && d >= 1 && d <= dm[m - 1] &&
	       !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

static struct ex typed_literal(struct rw *w, const struct tl_trino_node *n)
{
	const char *t = n->kid[0]->text, *v = n->text;
	if (!strcmp(t, "date")) {
		if (!valid_date(v))
			fail(w, n, "'%s' is not a valid date literal", v);
		return mk(quote_str(w, v), &T_DATE);
	}
	if (!strcmp(t, "timestamp")) {
		/* a zone after the time makes it a timestamp with time zone */
		size_t l = strlen(v);
		const char *zone = NULL;
		if (l > 19) {
			const char *sp = strchr(v + 11, ' ');
			const char *sign = strpbrk(v + 11, "+-Z");
			zone = sp ? sp : sign;
		}
		if (zone)
			return mk(ar_printf(w, "%s(%s, 's', 'z')", fname(w, "tl_time_cast"), quote_str(w, v)),
				  &T_TSTZ);
		return mk(ar_printf(w, "%s(%s, 's', 't')", fname(w, "tl_time_cast"), quote_str(w, v)),
			  &T_TIMESTAMP);
	}
	if (!strcmp(t, "decimal"))
		return decimal_literal(w, n, v);
	if (!strcmp(t, "double") || !strcmp(t, "real"))
		return mk(ar_printf(w, "%s(%s, 's', 'd')", fname(w, "tl_cast"), quote_str(w, v)),
			  &T_DOUBLE);
	if (!strcmp(t, "bigint") || !strcmp(t, "integer") || !strcmp(t, "int") ||
	    !strcmp(t, "smallint") || !strcmp(t, "tinyint"))
		return mk(ar_printf(w, "%s(%s, 's', 'i')", fname(w, "tl_cast"), quote_str(w, v)),
			  !strcmp(t, "bigint") ? &T_BIGINT : &T_INTEGER);
	if (!strcmp(t, "varchar") || !strcmp(t, "char"))
		return mk(quote_str(w, v), &T_VARCHAR);
	if (!strcmp(t, "boolean"))
		return mk(ar_printf(w, "%s(%s, 's', 'b')", fname(w, "tl_cast"), quote_str(w, v)),
			  &T_BOOLEAN);
	if (!strcmp(t, "json"))
		return mk(ar_printf(w, "%s(%s)", fname(w, "tl_json_parse"), quote_str(w, v)), &T_JSON);
	if (!strcmp(t, "time"))
		fail(w, n, "the time type is not supported offline (use timestamp)");
	fail(w, n, "%s literals are not supported offline", t);
}

/* ---- calls ---- */

static struct ex t_call(struct rw *w, struct scope *sc, const struct tl_trino_node *n);

static size_t nargs(const struct tl_trino_node *call)
{
	return call->kid[0] ? call->kid[0]->nkid : 0;
}

static const struct tl_trino_node *arg(const struct tl_trino_node *call, size_t i)
{
	return call->kid[0]->kid[i];
}

static void arity(struct rw *w, const struct tl_trino_node *n, size_t min, size_t max)
{
	size_t k = nargs(n);
	if (k < min || k > max)
		fail(w, n, "Function %s expects %zu%s%s argument%s, got %zu", n->text, min,
		     max > min ? (max == (size_t)-1 ? " or more" : " to ") : "",
		     max > min && max != (size_t)-1 ? ar_printf(w, "%zu", max) : "",
		     max == 1 && min == 1 ? "" : "s", k);
}

/* Plain functions: the SQL name, arity, argument kinds and result. Argument kinds: v varchar,
 * i integral, d number, b boolean, J json or varchar, a anything. Results: v varchar, i
 * bigint, I integer, d double, b boolean, j json, [ array(varchar). */
static const struct fdef {
	const char *name, *sql;
	signed char min, max;
	const char *args, *ret;
} plain[] = {
	{ "lower", "tl_lower", 1, 1, "v", "v" },
	{ "upper", "tl_upper", 1, 1, "v", "v" },
	{ "length", "length", 1, 1, "v", "i" },
	{ "trim", "tl_trim", 1, 2, "vv", "v" },
	{ "ltrim", "tl_ltrim", 1, 2, "vv", "v" },
	{ "rtrim", "tl_rtrim", 1, 2, "vv", "v" },
	{ "replace", "tl_replace", 2, 3, "vvv", "v" },
	{ "substr", "tl_substr", 2, 3, "vii", "v" },
	{ "substring", "tl_substr", 2, 3, "vii", "v" },
	{ "strpos", "tl_strpos", 2, 3, "vvi", "i" },
	{ "starts_with", "tl_starts_with", 2, 2, "vv", "b" },
	{ "lpad", "tl_lpad", 3, 3, "viv", "v" },
	{ "rpad", "tl_rpad", 3, 3, "viv", "v" },
	{ "split_part", "tl_split_part", 3, 3, "vvi", "v" },
	{ "chr", "tl_chr", 1, 1, "i", "v" },
	{ "codepoint", "tl_codepoint", 1, 1, "v", "I" },
	{ "levenshtein_distance", "tl_levenshtein_distance", 2, 2, "vv", "i" },
	{ "hamming_distance", "tl_hamming_distance", 2, 2, "vv", "i" },
	{ "url_extract_host", "tl_url_extract_host", 1, 1, "v", "v" },
	{ "url_extract_path", "tl_url_extract_path", 1, 1, "v", "v" },
	{ "url_extract_query", "tl_url_extract_query", 1, 1, "v", "v" },
	{ "url_extract_fragment", "tl_url_extract_fragment", 1, 1, "v", "v" },
	{ "url_extract_protocol", "tl_url_extract_protocol", 1, 1, "v", "v" },
	{ "url_extract_port", "tl_url_extract_port", 1, 1, "v", "i" },
	{ "url_extract_parameter", "tl_url_extract_parameter", 2, 2, "vv", "v" },
	{ "split", "tl_split", 2, 3, "vvi", "[" },
	{ "regexp_like", "tl_regexp_like", 2, 2, "vv", "b" },
	{ "regexp_extract", "tl_regexp_extract", 2, 3, "vvi", "v" },
	{ "regexp_extract_all", "tl_regexp_extract_all", 2, 3, "vvi", "[" },
	{ "regexp_replace", "tl_regexp_replace", 2, 3, "vvv", "v" },
	{ "regexp_count", "tl_regexp_count", 2, 2, "vv", "i" },
	{ "regexp_position", "tl_regexp_position", 2, 4, "vvii", "i" },
	{ "regexp_split", "tl_regexp_split", 2, 2, "vv", "[" },
	{ "json_extract", "tl_json_extract", 2, 2, "Jv", "j" },
	{ "json_extract_scalar", "tl_json_extract_scalar", 2, 2, "Jv", "v" },
	{ "json_parse", "tl_json_parse", 1, 1, "v", "j" },
	{ "json_size", "tl_json_size", 2, 2, "Jv", "i" },
	{ "json_array_length", "tl_json_array_length", 1, 1, "J", "i" },
	{ "json_array_get", "tl_json_array_get", 2, 2, "Ji", "j" },
	{ "json_array_contains", "tl_json_array_contains", 2, 2, "Ja", "b" },
	{ "sqrt", "tl_sqrt", 1, 1, "d", "d" },
	{ "cbrt", "tl_cbrt", 1, 1, "d", "d" },
	{ "exp", "tl_exp", 1, 1, "d", "d" },
	{ "ln", "tl_ln", 1, 1, "d", "d" },
	{ "log2", "tl_log2", 1, 1, "d", "d" },
	{ "log10", "tl_log10", 1, 1, "d", "d" },
	{ "log", "tl_log", 2, 2, "dd", "d" },
	{ "sin", "tl_sin", 1, 1, "d", "d" },
	{ "cos", "tl_cos", 1, 1, "d", "d" },
	{ "tan", "tl_tan", 1, 1, "d", "d" },
	{ "asin", "tl_asin", 1, 1, "d", "d" },
	{ "acos", "tl_acos", 1, 1, "d", "d" },
	{ "atan", "tl_atan", 1, 1, "d", "d" },
	{ "atan2", "tl_atan2", 2, 2, "dd", "d" },
	{ "sinh", "tl_sinh", 1, 1, "d", "d" },
	{ "cosh", "tl_cosh", 1, 1, "d", "d" },
	{ "tanh", "tl_tanh", 1, 1, "d", "d" },
	{ "degrees", "tl_degrees", 1, 1, "d", "d" },
	{ "radians", "tl_radians", 1, 1, "d", "d" },
	{ "power", "tl_power", 2, 2, "dd", "d" },
	{ "pow", "tl_power", 2, 2, "dd", "d" },
	{ "truncate", "tl_truncate", 1, 2, "di", "d" },
	{ "is_nan", "tl_is_nan", 1, 1, "d", "b" },
	{ "is_finite", "tl_is_finite", 1, 1, "d", "b" },
	{ "is_infinite", "tl_is_infinite", 1, 1, "d", "b" },
	{ "nan", "tl_nan", 0, 0, "", "d" },
	{ "infinity", "tl_infinity", 0, 0, "", "d" },
	{ "from_iso8601_timestamp", "tl_from_iso8601_timestamp", 1, 1, "v", "z" },
	{ "from_iso8601_date", "tl_from_iso8601_date", 1, 1, "v", "D" },
	{ "from_unixtime", "tl_from_unixtime", 1, 2, "dv", "z" },
	{ "date_parse", "tl_date_parse", 2, 2, "vv", "t" },
	{ "parse_datetime", "tl_parse_datetime", 2, 2, "vv", "z" },
};

static bool kind_ok(char k, const struct ty *t)
{
	switch (k) {
	case 'v': return is_text(t) || t->k == TY_UNKNOWN;
	case 'i': return is_int(t) || t->k == TY_UNKNOWN;
	case 'd': return is_num(t) || t->k == TY_UNKNOWN;
	case 'b': return t->k == TY_BOOLEAN || t->k == TY_UNKNOWN;
	case 'J': return t->k == TY_JSON || is_text(t) || t->k == TY_UNKNOWN;
	default: return true;
	}
}

static const char *kind_name(char k)
{
	switch (k) {
	case 'v': return "varchar";
	case 'i': return "an integer";
	case 'd': return "a number";
	case 'b': return "boolean";
	case 'J': return "json or varchar";
	default: return "a value";
	}
}

static const struct ty *ret_type(struct rw *w, const char *r)
{
	switch (r[0]) {
	case 'v': return &T_VARCHAR;
	case 'i': return &T_BIGINT;
	case 'I': return &T_INTEGER;
	case 'd': return &T_DOUBLE;
	case 'b': return &T_BOOLEAN;
	case 'j': return &T_JSON;
	case 'z': return &T_TSTZ;
	case 't': return &T_TIMESTAMP;
	case 'D': return &T_DATE;
	default: return ty_array(w, &T_VARCHAR);
	}
}

/* Arguments written out, checked against kinds (NULL: any). */
static struct ex *args_of(struct rw *w, struct scope *sc, const struct tl_trino_node *n,
			  const char *kinds)
{
	size_t k = nargs(n);
	struct ex *a = ar(w, (k + 1) * sizeof *a);
	for (size_t i = 0; i < k; i++) {
		if (arg(n, i)->kind == TL_TN_LAMBDA)
			fail(w, arg(n, i), "%s does not take a lambda expression", n->text);
		a[i] = ex_of(w, sc, arg(n, i));
		char kind = kinds && i < strlen(kinds) ? kinds[i] : 'a';
		if (!kind_ok(kind, a[i].ty))
			fail(w, arg(n, i), "%s: argument %zu must be %s, not %s", n->text, i + 1,
			     kind_name(kind), tyn(w, a[i].ty));
	}
	return a;
}

static const char *join_args(struct rw *w, const struct ex *a, size_t k)
{
	struct tl_buf *b = nb(w);
	for (size_t i = 0; i < k; i++)
		tl_buf_addf(b, "%s%s", i ? ", " : "", a[i].sql);
	return tl_buf_str(b);
}

static const struct ty *elem_type(struct rw *w, const struct tl_trino_node *at, struct ex a,
				  const char *fn)
{
	if (a.ty->k != TY_ARRAY)
		fail(w, at, "%s: argument 1 must be an array, not %s", fn, tyn(w, a.ty));
	return a.ty->e;
}

/* ---- lambdas ---- */

static const struct tl_trino_node *lambda_arg(struct rw *w, const struct tl_trino_node *n,
					      size_t i, size_t params)
{
	const struct tl_trino_node *l = arg(n, i);
	if (l->kind != TL_TN_LAMBDA)
		fail(w, l, "%s: argument %zu must be a lambda expression (x -> ...)", n->text, i + 1);
	if (l->kid[0]->nkid != params)
		fail(w, l, "%s: the lambda expression must take %zu argument%s", n->text, params,
		     params == 1 ? "" : "s");
	return l;
}

/* The body of a lambda in a scope where its parameters are the given columns. */
static struct ex lambda_body(struct rw *w, struct scope *sc, const struct tl_trino_node *l,
			     const char *const *sqls, const struct ty *const *tys)
{
	struct scope ls = { .outer = sc, .lambda = true };
	ls.nvars = l->kid[0]->nkid;
	ls.vars = ar(w, (ls.nvars + 1) * sizeof *ls.vars);
	for (size_t i = 0; i < ls.nvars; i++) {
		ls.vars[i].name = ar_lower(w, l->kid[0]->kid[i]->text);
		ls.vars[i].sql = sqls[i];
		ls.vars[i].ty = tys[i];
	}
	const char *saved = w->no_agg;
	w->no_agg = "a lambda expression";
	struct ex e = ex_of(w, &ls, l->kid[1]);
	w->no_agg = saved;
	return e;
}

static struct ex t_lambda_fn(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	const char *fn = n->text;
	bool reduce = !strcmp(fn, "reduce");
	arity(w, n, reduce ? 4 : 2, reduce ? 4 : 2);
	struct ex a = ex_of(w, sc, arg(n, 0));
	const struct ty *et = elem_type(w, arg(n, 0), a, fn);
	int id = ++w->nalias;
	const char *alias = ar_printf(w, "\"_l%d\"", id);
	const char *src = ar_printf(w, "%s(%s, %s) AS %s", "tl_unnest",
				    ar_printf(w, "'ne|' || %s", code_lit(w, a.ty)), a.sql, alias);
	const char *x = ar_printf(w, "%s.\"v0\"", alias), *marker = ar_printf(w, "%s.\"ord\" IS NULL", alias);
	if (!strcmp(fn, "transform")) {
		const struct tl_trino_node *l = lambda_arg(w, n, 1, 1);
		struct ex body = lambda_body(w, sc, l, &x, &et);
		const struct ty *t = ty_array(w, body.ty);
		return mk(ar_printf(w, "(SELECT tl_collect(%s, %s, %s) FROM %s)", body.sql,
				    code_lit(w, body.ty), marker, src), t);
	}
	if (!strcmp(fn, "filter")) {
		const struct tl_trino_node *l = lambda_arg(w, n, 1, 1);
		struct ex body = lambda_body(w, sc, l, &x, &et);
		need_bool(w, l->kid[1], body, "filter's lambda expression");
		return mk(ar_printf(w, "(SELECT tl_collect(%s, %s, %s) FROM %s WHERE %s OR (%s))", x,
				    code_lit(w, et), marker, src, marker, body.sql), a.ty);
	}
	if (!strcmp(fn, "any_match") || !strcmp(fn, "all_match") || !strcmp(fn, "none_match")) {
		const struct tl_trino_node *l = lambda_arg(w, n, 1, 1);
		struct ex body = lambda_body(w, sc, l, &x, &et);
		need_bool(w, l->kid[1], body, ar_printf(w, "%s's lambda expression", fn));
		const char *p = body.sql;
		const char *decide = !strcmp(fn, "all_match")
					     ? ar_printf(w, "WHEN min(%s) = 0 THEN 0", p)
					     : ar_printf(w, "WHEN max(%s) = 1 THEN %d", p,
							 !strcmp(fn, "any_match"));
		return mk(ar_printf(w, "(SELECT CASE WHEN count(%s.\"ord\") < count(*) THEN NULL %s "
				       "WHEN count(%s) < count(*) THEN NULL ELSE %d END FROM %s)",
				    alias, decide, p, strcmp(fn, "any_match") != 0, src),
			  &T_BOOLEAN);
	}
	/* reduce(array, initial, (s, x) -> combine, s -> output) */
	struct ex init = ex_of(w, sc, arg(n, 1));
	const char *cte = ar_printf(w, "\"_r%d\"", id);
	const char *e_alias = ar_printf(w, "\"_e%d\"", id);
	const char *state = ar_printf(w, "%s.\"s\"", cte);
	const char *elem = ar_printf(w, "%s.\"v0\"", e_alias);
	const struct tl_trino_node *comb = lambda_arg(w, n, 2, 2), *out = lambda_arg(w, n, 3, 1);
	const char *csql[2] = { state, elem };
	const struct ty *cty[2] = { init.ty, et };
	struct ex c = lambda_body(w, sc, comb, csql, cty);
	const struct ty *st = ty_super(w, init.ty, c.ty);
	if (!st)
		fail(w, comb, "reduce: the combine function returns %s for a state of %s",
		     tyn(w, c.ty), tyn(w, init.ty));
	cty[0] = st;
	c = lambda_body(w, sc, comb, csql, cty);
	struct ex o = lambda_body(w, sc, out, &state, &st);
	return mk(ar_printf(w, "(WITH RECURSIVE %s(\"i\", \"s\") AS (SELECT 0, %s UNION ALL SELECT "
			       "%s.\"i\" + 1, %s FROM %s JOIN tl_unnest('e|' || %s, %s) AS %s ON "
			       "%s.\"ord\" = %s.\"i\" + 1) SELECT CASE WHEN %s IS NULL THEN NULL ELSE "
			       "%s END FROM %s ORDER BY %s.\"i\" DESC LIMIT 1)",
			    cte, init.sql, cte, c.sql, cte, code_lit(w, a.ty), a.sql, e_alias, e_alias,
			    cte, a.sql, o.sql, cte, cte),
		  o.ty);
}

/* ---- aggregates and windows ---- */

static const char *const aggregate_names[] = {
	"count", "count_if", "sum", "avg", "min", "max", "approx_distinct", "approx_percentile",
	"max_by", "min_by", "arbitrary", "any_value", "bool_and", "bool_or", "every", "array_agg",
	"set_agg", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop",
	"histogram", "map_agg", "geometric_mean",
};

static const char *const unsupported_aggregates[] = {
	"checksum", "approx_most_frequent", "approx_set", "corr", "covar_pop", "covar_samp",
	"regr_intercept", "regr_slope", "kurtosis", "skewness", "entropy", "multimap_agg",
	"numeric_histogram", "reduce_agg", "merge", "qdigest_agg", "tdigest_agg", "bitwise_and_agg",
	"bitwise_or_agg", "bitwise_xor_agg", "listagg", "set_union", "map_union",
};

static const char *const window_names[] = {
	"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
	"first_value", "last_value", "nth_value",
};

static bool in_names(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

#define IN_LIST(s, list) in_names((s), (list), sizeof(list) / sizeof *(list))

static const char *sort_items(struct rw *w, struct scope *sc, const struct tl_trino_node *list);

static void frame_bound(struct rw *w, struct scope *sc, const struct tl_trino_node *b,
			struct tl_buf *o, bool range)
{
	if (b->nkid && b->kid[0]) {
		struct ex off = ex_of(w, sc, b->kid[0]);
		if (!is_num(off.ty))
			fail(w, b, range ? "RANGE frames with interval offsets are not supported offline"
					 : "a window frame offset must be a number, not %s",
			     tyn(w, off.ty));
		tl_buf_addf(o, "%s %s", off.sql, b->text);
	} else {
		tl_buf_adds(o, b->text);
	}
}

/* The inside of OVER (...) or a WINDOW definition. */
static const char *window_spec(struct rw *w, struct scope *sc, const struct tl_trino_node *win)
{
	struct tl_buf *o = nb(w);
	if (win->text)
		tl_buf_addf(o, "%s ", quote_ident(w, ar_lower(w, win->text)));
	if (win->kid[0]) {
		tl_buf_adds(o, "PARTITION BY ");
		for (size_t i = 0; i < win->kid[0]->nkid; i++)
			tl_buf_addf(o, "%s%s", i ? ", " : "", ex_of(w, sc, win->kid[0]->kid[i]).sql);
		tl_buf_addc(o, ' ');
	}
	if (win->kid[1])
		tl_buf_addf(o, "ORDER BY %s ", sort_items(w, sc, win->kid[1]));
	if (win->kid[2]) {
		const struct tl_trino_node *f = win->kid[2];
		bool range = !strcmp(f->text, "RANGE");
		tl_buf_addf(o, "%s ", f->text);
		if (f->kid[1]) {
			tl_buf_adds(o, "BETWEEN ");
			frame_bound(w, sc, f->kid[0], o, range);
			tl_buf_adds(o, " AND ");
			frame_bound(w, sc, f->kid[1], o, range);
		} else {
			frame_bound(w, sc, f->kid[0], o, range);
		}
	}
	while (o->len && o->data[o->len - 1] == ' ')
		tl_buf_truncate(o, o->len - 1);
	return tl_buf_str(o);
}

static const struct ty *sum_type(struct rw *w, const struct ty *t)
{
	if (is_int(t))
		return &T_BIGINT;
	if (t->k == TY_DECIMAL)
		return ty_decimal(w, 38, t->s);
	if (t->k == TY_IDS || t->k == TY_IYM)
		return t;
	return &T_DOUBLE;
}

/* An aggregate call (with FILTER, DISTINCT, ORDER BY); over is the window or NULL. */
static struct ex t_aggregate(struct rw *w, struct scope *sc, const struct tl_trino_node *n,
			     const char *over)
{
	const char *fn = n->text;
	bool distinct = (n->flags & TL_TF_DISTINCT) != 0, star = (n->flags & TL_TF_STAR) != 0;
	if (w->no_agg)
		fail(w, n, "%s cannot contain aggregations or window functions (%s)", w->no_agg, fn);
	if (w->in_agg && !over)
		fail(w, n, "Cannot nest aggregations inside aggregation '%s'", fn);
	bool saved_in = w->in_agg;
	if (!over) {
		w->in_agg = true;
		w->saw_agg = true;
	}
	struct ex *a = args_of(w, sc, n, NULL);
	size_t k = nargs(n);
	const char *filter = "";
	if (n->kid[1]) {
		struct ex f = ex_of(w, sc, n->kid[1]);
		need_bool(w, n->kid[1], f, "FILTER");
		filter = ar_printf(w, " FILTER (WHERE %s)", f.sql);
	}
	w->in_agg = saved_in;
	if (n->kid[3] && strcmp(fn, "array_agg"))
		fail(w, n, "ORDER BY inside an aggregate is supported offline in array_agg only");
	if (star && strcmp(fn, "count"))
		fail(w, n, "%s(*) is not valid", fn);
	const char *dist = distinct ? "DISTINCT " : "";
	struct ex r;
	if (!strcmp(fn, "count")) {
		arity(w, n, star ? 0 : 1, star ? 0 : 1);
		r = mk(star ? "count(*)" : ar_printf(w, "count(%s%s)", dist, a[0].sql), &T_BIGINT);
	} else if (!strcmp(fn, "count_if")) {
		arity(w, n, 1, 1);
		need_bool(w, arg(n, 0), a[0], "count_if's argument");
		r = mk(ar_printf(w, "count(CASE WHEN %s THEN 1 END)", a[0].sql), &T_BIGINT);
	} else if (!strcmp(fn, "sum") || !strcmp(fn, "avg")) {
		arity(w, n, 1, 1);
		const struct ty *t = a[0].ty;
		if (!is_num(t) && t->k != TY_UNKNOWN && t->k != TY_IDS && t->k != TY_IYM)
			fail(w, arg(n, 0), "%s: argument must be a number, not %s", fn, tyn(w, t));
		if (!strcmp(fn, "sum")) {
			r = mk(ar_printf(w, "sum(%s%s)", dist, a[0].sql), sum_type(w, t));
		} else if (t->k == TY_DECIMAL) {
			r = mk(ar_printf(w, "%s(avg(%s%s), %d, 'n')", fname(w, "tl_round"), dist, a[0].sql, t->s), t);
		} else {
			r = mk(ar_printf(w, "avg(%s%s)", dist, a[0].sql),
			       t->k == TY_IDS || t->k == TY_IYM ? t : &T_DOUBLE);
			if (t->k == TY_IDS || t->k == TY_IYM)
				r.sql = ar_printf(w, "CAST(round(%s) AS INTEGER)", r.sql);
		}
	} else if (!strcmp(fn, "min") || !strcmp(fn, "max")) {
		arity(w, n, 1, 1);
		if (!orderable(a[0].ty))
			fail(w, arg(n, 0), "%s: %s values cannot be ordered", fn, tyn(w, a[0].ty));
		r = mk(ar_printf(w, "%s(%s%s)", fn, dist, a[0].sql), a[0].ty);
	} else if (!strcmp(fn, "approx_distinct")) {
		arity(w, n, 1, 2);
		r = mk(ar_printf(w, "count(DISTINCT %s)", a[0].sql), &T_BIGINT);
	} else if (!strcmp(fn, "approx_percentile")) {
		arity(w, n, 2, 3);
		struct ex p = a[k - 1];
		const struct ty *vt = is_int(a[0].ty) ? &T_BIGINT : &T_DOUBLE;
		if (!is_num(a[0].ty) && a[0].ty->k != TY_UNKNOWN)
			fail(w, arg(n, 0), "approx_percentile: argument 1 must be a number, not %s", tyn(w, a[0].ty));
		if (k == 3 && !is_int(a[1].ty))
			fail(w, arg(n, 1), "approx_percentile: the weight must be an integer");
		bool many = p.ty->k == TY_ARRAY;
		if (!many && !is_num(p.ty))
			fail(w, arg(n, k - 1), "approx_percentile: the percentage must be a number or an array of numbers");
		const char *pv = many ? ar_printf(w, "%s(%s, %s, %s)", fname(w, "tl_cast"), p.sql,
						  code_lit(w, p.ty), code_lit(w, ty_array(w, &T_DOUBLE)))
				      : p.sql;
		r = mk(ar_printf(w, "%s(%s%s%s, %s)", fname(w, "tl_percentile"), a[0].sql,
				 k == 3 ? ", " : "", k == 3 ? a[1].sql : "", pv),
		       many ? ty_array(w, vt) : vt);
	} else if (!strcmp(fn, "max_by") || !strcmp(fn, "min_by")) {
		arity(w, n, 2, 2);
		r = mk(ar_printf(w, "%s(%s, %s)", fname(w, !strcmp(fn, "max_by") ? "tl_max_by" : "tl_min_by"),
				 a[0].sql, a[1].sql), a[0].ty);
	} else if (!strcmp(fn, "arbitrary") || !strcmp(fn, "any_value")) {
		arity(w, n, 1, 1);
		r = mk(ar_printf(w, "%s(%s)", fname(w, "tl_arbitrary"), a[0].sql), a[0].ty);
	} else if (!strcmp(fn, "bool_and") || !strcmp(fn, "every") || !strcmp(fn, "bool_or")) {
		arity(w, n, 1, 1);
		need_bool(w, arg(n, 0), a[0], ar_printf(w, "%s's argument", fn));
		r = mk(ar_printf(w, "%s(%s)", strcmp(fn, "bool_or") ? "min" : "max", a[0].sql), &T_BOOLEAN);
	} else if (!strcmp(fn, "array_agg") || !strcmp(fn, "set_agg")) {
		arity(w, n, 1, 1);
		const struct ty *t = ty_array(w, a[0].ty);
		const char *code = code_lit(w, t);
		if (n->kid[3]) {
			if (over)
				fail(w, n, "array_agg with ORDER BY over a window is not supported offline");
			struct tl_buf *spec = nb(w), *keys = nb(w);
			for (size_t i = 0; i < n->kid[3]->nkid; i++) {
				const struct tl_trino_node *s = n->kid[3]->kid[i];
				struct ex key = ex_of(w, sc, s->kid[0]);
				bool desc = (s->flags & TL_TF_DESC) != 0;
				bool nfirst = (s->flags & TL_TF_NULLS_FIRST) != 0;
				tl_buf_addf(spec, "%c%c", desc ? 'd' : 'a', nfirst ? '+' : '-');
				tl_buf_addf(keys, ", %s", key.sql);
			}
			r = mk(ar_printf(w, "%s(%s, %s, '%s'%s)", fname(w, "tl_array_agg_sorted"), a[0].sql,
					 code, tl_buf_str(spec), tl_buf_str(keys)), t);
		} else {
			r = mk(ar_printf(w, "%s(%s, %s)", fname(w, "tl_array_agg"), a[0].sql, code), t);
		}
		if (distinct || !strcmp(fn, "set_agg")) {
			if (over)
				fail(w, n, "%s with DISTINCT over a window is not supported offline", fn);
			r.sql = ar_printf(w, "%s(%s, %s)", fname(w, "tl_array_distinct"), r.sql, code);
		}
		distinct = false;
	} else if (!strncmp(fn, "stddev", 6) || !strncmp(fn, "var", 3)) {
		arity(w, n, 1, 1);
		const char *kind = !strcmp(fn, "stddev") ? "stddev_samp" : !strcmp(fn, "variance") ? "var_samp" : fn;
		r = mk(ar_printf(w, "%s(%s, '%s')", fname(w, "tl_stat"), a[0].sql, kind), &T_DOUBLE);
	} else if (!strcmp(fn, "histogram")) {
		arity(w, n, 1, 1);
		r = mk(ar_printf(w, "%s(%s)", fname(w, "tl_histogram"), a[0].sql),
		       ty_map(w, a[0].ty, &T_BIGINT));
	} else if (!strcmp(fn, "map_agg")) {
		arity(w, n, 2, 2);
		const struct ty *t = ty_map(w, a[0].ty, a[1].ty);
		r = mk(ar_printf(w, "%s(%s, %s, %s)", fname(w, "tl_map_agg"), a[0].sql, a[1].sql,
				 code_lit(w, t)), t);
	} else { /* geometric_mean */
		arity(w, n, 1, 1);
		r = mk(ar_printf(w, "%s(avg(%s(%s)))", fname(w, "tl_exp"), fname(w, "tl_ln"), a[0].sql),
		       &T_DOUBLE);
	}
	if (distinct && strncmp(r.sql, "count(", 6) && strncmp(r.sql, "sum(", 4) &&
	    strncmp(r.sql, "avg(", 4) && strncmp(r.sql, "min(", 4) && strncmp(r.sql, "max(", 4))
		fail(w, n, "DISTINCT in %s is not supported offline", fn);
	if (distinct && over)
		fail(w, n, "DISTINCT in a window function is not supported");
	r.sql = ar_printf(w, "%s%s%s%s", r.sql, filter, over ? " OVER " : "", over ? over : "");
	return r;
}

static struct ex t_window(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	const struct tl_trino_node *win = n->kid[2];
	const char *fn = n->text;
	if (w->no_agg)
		fail(w, n, "%s cannot contain aggregations or window functions (%s)", w->no_agg, fn);
	const char *over;
	if (!win->kid[0] && !win->kid[1] && !win->kid[2] && win->text)
		over = quote_ident(w, ar_lower(w, win->text));
	else
		over = ar_printf(w, "(%s)", window_spec(w, sc, win));
	if (IN_LIST(fn, aggregate_names))
		return t_aggregate(w, sc, n, over);
	if (!IN_LIST(fn, window_names))
		fail(w, n, "%s is not a window function", fn);
	if (n->flags & TL_TF_IGNORE_NULLS)
		fail(w, n, "IGNORE NULLS is not supported offline");
	if (n->kid[1])
		fail(w, n, "FILTER is only for aggregate functions");
	struct ex *a = args_of(w, sc, n, NULL);
	size_t k = nargs(n);
	const struct ty *t = &T_BIGINT;
	if (!strcmp(fn, "percent_rank") || !strcmp(fn, "cume_dist"))
		t = &T_DOUBLE;
	else if (!strcmp(fn, "lag") || !strcmp(fn, "lead") || !strcmp(fn, "first_value") ||
		 !strcmp(fn, "last_value") || !strcmp(fn, "nth_value")) {
		arity(w, n, 1, !strcmp(fn, "lag") || !strcmp(fn, "lead") ? 3 : !strcmp(fn, "nth_value") ? 2 : 1);
		t = a[0].ty;
		if (k == 3) {
			const struct ty *s = ty_super(w, a[0].ty, a[2].ty);
			if (!s)
				fail(w, arg(n, 2), "%s: the default must be of the value's type", fn);
			t = s;
		}
	} else if (!strcmp(fn, "ntile")) {
		arity(w, n, 1, 1);
	} else {
		arity(w, n, 0, 0);
	}
	return mk(ar_printf(w, "%s(%s) OVER %s", fn, join_args(w, a, k), over), t);
}

/* ---- scalar functions with their own rules ---- */

static struct ex one_call(struct rw *w, const char *fn, struct ex *a, size_t k, const struct ty *t)
{
	return mk(ar_printf(w, "%s(%s)", fname(w, fn), join_args(w, a, k)), t);
}

static struct ex time_arg_call(struct rw *w, const struct tl_trino_node *n, const char *fn,
			       struct ex *a, size_t ti, const struct ty *t)
{
	if (!is_time(a[ti].ty) && a[ti].ty->k != TY_UNKNOWN)
		fail(w, arg(n, ti), "%s: argument %zu must be a date or timestamp, not %s", n->text,
		     ti + 1, tyn(w, a[ti].ty));
	return mk(ar_printf(w, "%s(%s, %s)", fname(w, fn), join_args(w, a, nargs(n)),
			    time_code(w, a[ti].ty)), t ? t : a[ti].ty);
}

static const char *const extract_fields[] = {
	"year", "quarter", "month", "week", "week_of_year", "day", "day_of_month", "day_of_week",
	"dow", "day_of_year", "doy", "year_of_week", "yow", "hour", "minute", "second",
	"millisecond", "timezone_hour", "timezone_minute",
};

static struct ex cast_to(struct rw *w, const struct tl_trino_node *at, struct ex v,
			 const struct ty *to, bool try_)
{
	const struct ty *f = v.ty;
	(void)at;
	if (ty_equal(f, to) && to->k != TY_DECIMAL)
		return mk(v.sql, to);
	if (!strcmp(v.sql, "NULL"))
		return mk("NULL", to);
	if (is_int(f) && is_int(to))
		return mk(v.sql, to);
	if (is_int(f) && to->k == TY_DECIMAL)
		return mk(v.sql, to);
	if ((is_int(f) || f->k == TY_DECIMAL) && (to->k == TY_DOUBLE || to->k == TY_REAL))
		return mk(ar_printf(w, "CAST(%s AS REAL)", v.sql), to);
	if (f->k == TY_UNKNOWN)
		f = &T_VARCHAR; /* a ? parameter: its text */
	const char *fn = try_ || w->try_depth ? "tl_cast_try" : "tl_cast";
	if (is_time(to) && (is_time(f) || is_text(f)))
		fn = try_ || w->try_depth ? "tl_time_cast_try" : "tl_time_cast";
	return mk(ar_printf(w, "%s(%s, %s, %s)", fn, v.sql, code_lit(w, f), code_lit(w, to)), to);
}

static struct ex t_scalar(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	const char *fn = n->text;
	size_t k = nargs(n);
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
		if (strcmp(plain[i].name, fn))
			continue;
		arity(w, n, (size_t)plain[i].min, (size_t)plain[i].max);
		struct ex *a = args_of(w, sc, n, plain[i].args);
		return one_call(w, plain[i].sql, a, k, ret_type(w, plain[i].ret));
	}
	if (!strcmp(fn, "transform") || !strcmp(fn, "filter") || !strcmp(fn, "any_match") ||
	    !strcmp(fn, "all_match") || !strcmp(fn, "none_match") || !strcmp(fn, "reduce"))
		return t_lambda_fn(w, sc, n);
	if (!strcmp(fn, "try")) {
		arity(w, n, 1, 1);
		w->try_depth++;
		struct ex e = ex_of(w, sc, arg(n, 0));
		w->try_depth--;
		return e;
	}
	struct ex *a = args_of(w, sc, n, NULL);
	if (!strcmp(fn, "if")) {
		arity(w, n, 2, 3);
		need_bool(w, arg(n, 0), a[0], "if's condition");
		const struct ty *t = k == 3 ? ty_super(w, a[1].ty, a[2].ty) : a[1].ty;
		if (!t)
			fail(w, n, "if: %s and %s have no common type", tyn(w, a[1].ty), tyn(w, a[2].ty));
		return mk(ar_printf(w, "CASE WHEN %s THEN %s%s%s END", a[0].sql, coerce(w, a[1], t),
				    k == 3 ? " ELSE " : "", k == 3 ? coerce(w, a[2], t) : ""), t);
	}
	if (!strcmp(fn, "coalesce") || !strcmp(fn, "greatest") || !strcmp(fn, "least")) {
		arity(w, n, 1, (size_t)-1);
		const struct ty *t = a[0].ty;
		for (size_t i = 1; i < k; i++)
			if (!(t = ty_super(w, t, a[i].ty)))
				fail(w, arg(n, i), "%s: all arguments must have a common type", fn);
		if (k == 1)
			return mk(a[0].sql, t);
		if (strcmp(fn, "coalesce") && (!orderable(t) || is_composite(t)))
			fail(w, n, "%s: %s values cannot be ordered", fn, tyn(w, t));
		struct tl_buf *b = nb(w);
		for (size_t i = 0; i < k; i++)
			tl_buf_addf(b, "%s%s", i ? ", " : "", coerce(w, a[i], t));
		return mk(ar_printf(w, "%s(%s)", !strcmp(fn, "coalesce") ? "coalesce" : !strcmp(fn, "greatest") ? "max" : "min",
				    tl_buf_str(b)), t);
	}
	if (!strcmp(fn, "nullif")) {
		arity(w, n, 2, 2);
		if (!ty_super(w, a[0].ty, a[1].ty))
			fail(w, n, "nullif: %s and %s cannot be compared", tyn(w, a[0].ty), tyn(w, a[1].ty));
		return mk(ar_printf(w, "nullif(%s, %s)", a[0].sql, a[1].sql), a[0].ty);
	}
	if (!strcmp(fn, "typeof")) {
		arity(w, n, 1, 1);
		return mk(quote_str(w, tyn(w, a[0].ty)), &T_VARCHAR);
	}
	if (!strcmp(fn, "concat")) {
		arity(w, n, 1, (size_t)-1);
		bool arrays = false;
		for (size_t i = 0; i < k; i++)
			arrays |= a[i].ty->k == TY_ARRAY;
		if (arrays) {
			struct ex r = a[0];
			for (size_t i = 1; i < k; i++)
				r = concat_op(w, n, r, a[i]);
			return r;
		}
		for (size_t i = 0; i < k; i++)
			if (!is_text(a[i].ty) && a[i].ty->k != TY_UNKNOWN)
				fail(w, arg(n, i), "concat: argument %zu must be varchar or an array, not %s",
				     i + 1, tyn(w, a[i].ty));
		return one_call(w, "tl_concat", a, k, &T_VARCHAR);
	}
	if (!strcmp(fn, "reverse")) {
		arity(w, n, 1, 1);
		if (a[0].ty->k == TY_ARRAY)
			return one_call(w, "tl_array_reverse", a, 1, a[0].ty);
		need(w, arg(n, 0), a[0], is_text(a[0].ty), fn, 1, "varchar or an array");
		return one_call(w, "tl_reverse", a, 1, &T_VARCHAR);
	}
	if (!strcmp(fn, "cardinality")) {
		arity(w, n, 1, 1);
		need(w, arg(n, 0), a[0], a[0].ty->k == TY_ARRAY || a[0].ty->k == TY_MAP, fn, 1, "an array or map");
		return one_call(w, "tl_cardinality", a, 1, &T_BIGINT);
	}
	if (!strcmp(fn, "contains") || !strcmp(fn, "array_position") || !strcmp(fn, "array_remove")) {
		arity(w, n, 2, 2);
		const struct ty *e = elem_type(w, arg(n, 0), a[0], fn);
		const struct ty *s = ty_super(w, e, a[1].ty);
		if (!s)
			fail(w, arg(n, 1), "%s: %s is not an element of %s", fn, tyn(w, a[1].ty), tyn(w, a[0].ty));
		const struct ty *t = !strcmp(fn, "contains") ? &T_BOOLEAN : !strcmp(fn, "array_position") ? &T_BIGINT : a[0].ty;
		return mk(ar_printf(w, "%s(%s, %s, %s)", fname(w, !strcmp(fn, "contains") ? "tl_contains" : !strcmp(fn, "array_position") ? "tl_array_position" : "tl_array_remove"),
				    a[0].sql, coerce(w, a[1], e), code_lit(w, a[0].ty)), t);
	}
	if (!strcmp(fn, "element_at")) {
		arity(w, n, 2, 2);
		if (a[0].ty->k == TY_MAP)
			return mk(ar_printf(w, "%s(%s, %s, %s, 0)", fname(w, "tl_element_at"), a[0].sql,
					    a[1].sql, code_lit(w, a[0].ty)), a[0].ty->v);
		const struct ty *e = elem_type(w, arg(n, 0), a[0], fn);
		need(w, arg(n, 1), a[1], is_int(a[1].ty), fn, 2, "an integer");
		return mk(ar_printf(w, "%s(%s, %s, %s, 0)", fname(w, "tl_element_at"), a[0].sql,
				    a[1].sql, code_lit(w, a[0].ty)), e);
	}
	if (!strcmp(fn, "array_join")) {
		arity(w, n, 2, 3);
		const struct ty *e = elem_type(w, arg(n, 0), a[0], fn);
		if (is_composite(e) || e->k == TY_JSON)
			fail(w, arg(n, 0), "array_join: %s elements cannot be joined into text", tyn(w, e));
		need(w, arg(n, 1), a[1], is_text(a[1].ty), fn, 2, "varchar");
		return mk(ar_printf(w, "%s(%s, %s)", fname(w, "tl_array_join"), join_args(w, a, k),
				    code_lit(w, a[0].ty)), &T_VARCHAR);
	}
	if (!strcmp(fn, "slice")) {
		arity(w, n, 3, 3);
		elem_type(w, arg(n, 0), a[0], fn);
		return one_call(w, "tl_slice", a, 3, a[0].ty);
	}
	if (!strcmp(fn, "array_distinct") || !strcmp(fn, "array_sort") || !strcmp(fn, "array_max") ||
	    !strcmp(fn, "array_min")) {
		if (!strcmp(fn, "array_sort") && k == 2)
			fail(w, arg(n, 1), "array_sort with a comparator is not supported offline");
		arity(w, n, 1, 1);
		const struct ty *e = elem_type(w, arg(n, 0), a[0], fn);
		const char *f = ar_printf(w, "tl_%s", fn);
		return mk(ar_printf(w, "%s(%s, %s)", fname(w, f), a[0].sql, code_lit(w, a[0].ty)),
			  !strcmp(fn, "array_max") || !strcmp(fn, "array_min") ? e : a[0].ty);
	}
	if (!strcmp(fn, "flatten")) {
		arity(w, n, 1, 1);
		const struct ty *e = elem_type(w, arg(n, 0), a[0], fn);
		if (e->k != TY_ARRAY)
			fail(w, arg(n, 0), "flatten: argument must be an array of arrays, not %s", tyn(w, a[0].ty));
		return one_call(w, "tl_flatten", a, 1, e);
	}
	if (!strcmp(fn, "sequence")) {
		arity(w, n, 2, 3);
		for (size_t i = 0; i < k; i++)
			if (!is_int(a[i].ty) && a[i].ty->k != TY_UNKNOWN)
				fail(w, arg(n, i), "sequence over %s is not supported offline (bigint only)",
				     tyn(w, a[i].ty));
		return one_call(w, "tl_sequence", a, k, ty_array(w, &T_BIGINT));
	}
	if (!strcmp(fn, "repeat")) {
		arity(w, n, 2, 2);
		return mk(ar_printf(w, "%s(%s, %s, %s)", fname(w, "tl_repeat"), a[0].sql, a[1].sql,
				    code_lit(w, a[0].ty)), ty_array(w, a[0].ty));
	}
	if (!strcmp(fn, "arrays_overlap") || !strcmp(fn, "array_union") ||
	    !strcmp(fn, "array_intersect") || !strcmp(fn, "array_except")) {
		arity(w, n, 2, 2);
		elem_type(w, arg(n, 0), a[0], fn);
		elem_type(w, arg(n, 1), a[1], fn);
		const struct ty *t = ty_super(w, a[0].ty, a[1].ty);
		if (!t)
			fail(w, n, "%s: %s and %s have no common type", fn, tyn(w, a[0].ty), tyn(w, a[1].ty));
		return mk(ar_printf(w, "%s(%s, %s, %s)", fname(w, ar_printf(w, "tl_%s", fn)),
				    coerce(w, a[0], t), coerce(w, a[1], t), code_lit(w, t)),
			  !strcmp(fn, "arrays_overlap") ? &T_BOOLEAN : t);
	}
	if (!strcmp(fn, "map")) {
		if (k == 0)
			return mk("'{}'", ty_map(w, &T_UNKNOWN, &T_UNKNOWN));
		arity(w, n, 2, 2);
		const struct ty *kt = elem_type(w, arg(n, 0), a[0], fn), *vt = elem_type(w, arg(n, 1), a[1], fn);
		const struct ty *t = ty_map(w, kt, vt);
		return mk(ar_printf(w, "%s(%s, %s, %s)", fname(w, "tl_map_from"), a[0].sql, a[1].sql,
				    code_lit(w, t)), t);
	}
	if (!strcmp(fn, "map_keys") || !strcmp(fn, "map_values")) {
		arity(w, n, 1, 1);
		if (a[0].ty->k != TY_MAP)
			fail(w, arg(n, 0), "%s: argument must be a map, not %s", fn, tyn(w, a[0].ty));
		if (!strcmp(fn, "map_values"))
			return one_call(w, "tl_map_values", a, 1, ty_array(w, a[0].ty->v));
		return mk(ar_printf(w, "%s(%s, %s)", fname(w, "tl_map_keys"), a[0].sql, code_lit(w, a[0].ty)),
			  ty_array(w, a[0].ty->e));
	}
	if (!strcmp(fn, "round")) {
		arity(w, n, 1, 2);
		need(w, arg(n, 0), a[0], is_num(a[0].ty), fn, 1, "a number");
		const char *d = k == 2 ? a[1].sql : "0";
		const struct ty *t = a[0].ty->k == TY_REAL ? &T_DOUBLE : a[0].ty;
		char kind = is_int(t) ? 'i' : t->k == TY_DECIMAL ? 'n' : 'd';
		if (t->k == TY_UNKNOWN)
			t = &T_DOUBLE, kind = 'd';
		if (kind == 'n' && k == 1)
			t = ty_decimal(w, t->p - t->s + 1, 0);
		return mk(ar_printf(w, "%s(%s, %s, '%c')", fname(w, "tl_round"), a[0].sql, d, kind), t);
	}
	if (!strcmp(fn, "ceil") || !strcmp(fn, "ceiling") || !strcmp(fn, "floor")) {
		arity(w, n, 1, 1);
		need(w, arg(n, 0), a[0], is_num(a[0].ty), fn, 1, "a number");
		if (is_int(a[0].ty))
			return a[0];
		const struct ty *t = a[0].ty->k == TY_DECIMAL ? ty_decimal(w, a[0].ty->p - a[0].ty->s + 1, 0) : &T_DOUBLE;
		return one_call(w, !strcmp(fn, "floor") ? "tl_floor" : "tl_ceil", a, 1, t);
	}
	if (!strcmp(fn, "abs") || !strcmp(fn, "sign")) {
		arity(w, n, 1, 1);
		need(w, arg(n, 0), a[0], is_num(a[0].ty), fn, 1, "a number");
		return !strcmp(fn, "abs") ? mk(ar_printf(w, "abs(%s)", a[0].sql), a[0].ty)
					  : one_call(w, "tl_sign", a, 1, a[0].ty);
	}
	if (!strcmp(fn, "mod")) {
		arity(w, n, 2, 2);
		return arith(w, n, "%", a[0], a[1], arg(n, 1));
	}
	if (!strcmp(fn, "rand") || !strcmp(fn, "random")) {
		arity(w, n, 0, 1);
		return k ? one_call(w, "tl_random", a, 1, a[0].ty) : mk("tl_random()", &T_DOUBLE);
	}
	if (!strcmp(fn, "pi") || !strcmp(fn, "e")) {
		arity(w, n, 0, 0);
		return mk(!strcmp(fn, "pi") ? "3.141592653589793" : "2.718281828459045", &T_DOUBLE);
	}
	if (!strcmp(fn, "json_format")) {
		arity(w, n, 1, 1);
		need(w, arg(n, 0), a[0], a[0].ty->k == TY_JSON, fn, 1, "json");
		return mk(a[0].sql, &T_VARCHAR);
	}
	/* dates and times */
	if (!strcmp(fn, "date")) {
		arity(w, n, 1, 1);
		return cast_to(w, n, a[0], &T_DATE, false);
	}
	if (!strcmp(fn, "now")) {
		arity(w, n, 0, 0);
		return mk("tl_now('z')", &T_TSTZ);
	}
	if (!strcmp(fn, "current_timezone")) {
		arity(w, n, 0, 0);
		return mk("'UTC'", &T_VARCHAR);
	}
	if (!strcmp(fn, "to_unixtime")) {
		arity(w, n, 1, 1);
		return time_arg_call(w, n, "tl_to_unixtime", a, 0, &T_DOUBLE);
	}
	if (!strcmp(fn, "to_iso8601")) {
		arity(w, n, 1, 1);
		return time_arg_call(w, n, "tl_to_iso8601", a, 0, &T_VARCHAR);
	}
	if (!strcmp(fn, "last_day_of_month")) {
		arity(w, n, 1, 1);
		return time_arg_call(w, n, "tl_last_day_of_month", a, 0, &T_DATE);
	}
	if (!strcmp(fn, "date_trunc")) {
		arity(w, n, 2, 2);
		need(w, arg(n, 0), a[0], is_text(a[0].ty), fn, 1, "varchar");
		return time_arg_call(w, n, "tl_date_trunc", a, 1, NULL);
	}
	if (!strcmp(fn, "date_add")) {
		arity(w, n, 3, 3);
		need(w, arg(n, 1), a[1], is_int(a[1].ty), fn, 2, "an integer");
		return time_arg_call(w, n, "tl_date_add", a, 2, NULL);
	}
	if (!strcmp(fn, "date_diff")) {
		arity(w, n, 3, 3);
		for (size_t i = 1; i < 3; i++)
			if (!is_time(a[i].ty) && a[i].ty->k != TY_UNKNOWN)
				fail(w, arg(n, i), "date_diff: argument %zu must be a date or timestamp, not %s",
				     i + 1, tyn(w, a[i].ty));
		return mk(ar_printf(w, "%s(%s, %s, %s)", fname(w, "tl_date_diff"), join_args(w, a, 3),
				    time_code(w, a[1].ty), time_code(w, a[2].ty)), &T_BIGINT);
	}
	if (!strcmp(fn, "date_format") || !strcmp(fn, "format_datetime")) {
		arity(w, n, 2, 2);
		return time_arg_call(w, n, !strcmp(fn, "date_format") ? "tl_date_format" : "tl_format_datetime",
				     a, 0, &T_VARCHAR);
	}
	if (!strcmp(fn, "at_timezone")) {
		arity(w, n, 2, 2);
		return time_arg_call(w, n, "tl_at_timezone", a, 0, &T_TSTZ);
	}
	if (!strcmp(fn, "with_timezone")) {
		arity(w, n, 2, 2);
		if (a[0].ty->k != TY_TIMESTAMP && a[0].ty->k != TY_UNKNOWN)
			fail(w, arg(n, 0), "with_timezone: argument 1 must be a timestamp, not %s", tyn(w, a[0].ty));
		return one_call(w, "tl_with_timezone", a, 2, &T_TSTZ);
	}
	if (IN_LIST(fn, extract_fields)) {
		arity(w, n, 1, 1);
		return mk(ar_printf(w, "%s('%s', %s, %s)", fname(w, "tl_extract"), fn, a[0].sql,
				    time_code(w, a[0].ty)), &T_BIGINT);
	}
	if (!strcmp(fn, "to_milliseconds")) {
		arity(w, n, 1, 1);
		if (a[0].ty->k != TY_IDS)
			fail(w, arg(n, 0), "to_milliseconds: argument must be an interval day to second");
		return mk(a[0].sql, &T_BIGINT);
	}
	if (IN_LIST(fn, window_names))
		fail(w, n, "%s is a window function: it needs OVER (...)", fn);
	if (IN_LIST(fn, unsupported_aggregates))
		fail(w, n, "the aggregate %s is not supported offline", fn);
	fail(w, n, "Function '%s' is not supported offline", fn);
}

static struct ex t_call(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	if (n->kid[2])
		return t_window(w, sc, n);
	if (IN_LIST(n->text, aggregate_names))
		return t_aggregate(w, sc, n, NULL);
	if (n->flags & (TL_TF_DISTINCT | TL_TF_STAR))
		fail(w, n, "%s is not an aggregate function", n->text);
	if (n->kid[1] || n->kid[3])
		fail(w, n, "FILTER and ORDER BY are only for aggregate functions (%s)", n->text);
	return t_scalar(w, sc, n);
}

/* ---- the other expressions ---- */

static struct ex in_list(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	struct ex v = ex_of(w, sc, n->kid[0]);
	const char *neg = n->flags & TL_TF_NOT ? "NOT " : "";
	const struct tl_trino_node *l = n->kid[1];
	if (l->kind == TL_TN_QUERY) {
		struct tl_buf *q = nb(w);
		struct qres r = { 0 };
		t_query(w, l, sc, q, &r, false);
		if (r.ncols != 1)
			fail(w, l, "Multiple columns returned by subquery are not yet supported. Found %zu",
			     r.ncols);
		if (!ty_super(w, v.ty, r.cols[0].ty))
			fail(w, n, "IN: %s and %s cannot be compared", tyn(w, v.ty), tyn(w, r.cols[0].ty));
		return mk(ar_printf(w, "(%s %sIN (%s))", v.sql, neg, tl_buf_str(q)), &T_BOOLEAN);
	}
	struct ex *items = ar(w, (l->nkid + 1) * sizeof *items);
	const struct ty *t = v.ty;
	for (size_t i = 0; i < l->nkid; i++) {
		items[i] = ex_of(w, sc, l->kid[i]);
		if (!(t = ty_super(w, t, items[i].ty)))
			fail(w, l->kid[i], "IN value and list items must be the same type: %s",
			     tyn(w, items[i].ty));
	}
	struct tl_buf *b = nb(w);
	bool instants = t->k == TY_TSTZ;
	for (size_t i = 0; i < l->nkid; i++) {
		const char *x = instants ? ar_printf(w, "%s(%s, %s)", fname(w, "tl_instant"), items[i].sql,
						     time_code(w, items[i].ty))
					 : coerce(w, items[i], t);
		tl_buf_addf(b, "%s%s", i ? ", " : "", x);
	}
	if (is_composite(t))
		fail(w, n, "IN over %s values is not supported offline", tyn(w, t));
	const char *lhs = instants ? ar_printf(w, "%s(%s, %s)", fname(w, "tl_instant"), v.sql, time_code(w, v.ty))
				   : coerce(w, v, t);
	return mk(ar_printf(w, "(%s %sIN (%s))", lhs, neg, tl_buf_str(b)), &T_BOOLEAN);
}

static struct ex t_case(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	struct ex op = mk(NULL, NULL);
	if (n->kid[0])
		op = ex_of(w, sc, n->kid[0]);
	size_t nw = n->nkid - 2;
	struct ex *c = ar(w, (nw + 1) * sizeof *c), *r = ar(w, (nw + 1) * sizeof *r), e = mk(NULL, NULL);
	const struct ty *t = &T_UNKNOWN;
	for (size_t i = 0; i < nw; i++) {
		const struct tl_trino_node *wh = n->kid[2 + i];
		c[i] = ex_of(w, sc, wh->kid[0]);
		if (op.sql) {
			if (!ty_super(w, op.ty, c[i].ty))
				fail(w, wh->kid[0], "CASE operand type does not match WHEN value type: %s vs %s",
				     tyn(w, op.ty), tyn(w, c[i].ty));
		} else {
			need_bool(w, wh->kid[0], c[i], "WHEN clause");
		}
		r[i] = ex_of(w, sc, wh->kid[1]);
		if (!(t = ty_super(w, t, r[i].ty)))
			fail(w, wh->kid[1], "All CASE results must be the same type: %s", tyn(w, r[i].ty));
	}
	if (n->kid[1]) {
		e = ex_of(w, sc, n->kid[1]);
		if (!(t = ty_super(w, t, e.ty)))
			fail(w, n->kid[1], "All CASE results must be the same type: %s", tyn(w, e.ty));
	}
	struct tl_buf *b = nb(w);
	tl_buf_adds(b, "CASE");
	if (op.sql)
		tl_buf_addf(b, " %s", op.sql);
	for (size_t i = 0; i < nw; i++)
		tl_buf_addf(b, " WHEN %s THEN %s", c[i].sql, coerce(w, r[i], t));
	if (e.sql)
		tl_buf_addf(b, " ELSE %s", coerce(w, e, t));
	tl_buf_adds(b, " END");
	return mk(tl_buf_str(b), t);
}

static struct ex t_array_ctor(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	struct ex *a = ar(w, (n->nkid + 1) * sizeof *a);
	const struct ty *e = &T_UNKNOWN;
	for (size_t i = 0; i < n->nkid; i++) {
		a[i] = ex_of(w, sc, n->kid[i]);
		if (!(e = ty_super(w, e, a[i].ty)))
			fail(w, n->kid[i], "All ARRAY elements must be the same type: %s", tyn(w, a[i].ty));
	}
	const struct ty *t = ty_array(w, e);
	struct tl_buf *b = nb(w);
	for (size_t i = 0; i < n->nkid; i++)
		tl_buf_addf(b, ", %s", coerce(w, a[i], e));
	return mk(ar_printf(w, "%s(%s%s)", fname(w, "tl_array"), code_lit(w, t), tl_buf_str(b)), t);
}

static struct ex t_row_ctor(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	struct ty *t = ty_new(w, TY_ROW);
	t->nf = n->nkid;
	t->fn = ar(w, (n->nkid + 1) * sizeof *t->fn);
	t->ft = ar(w, (n->nkid + 1) * sizeof *t->ft);
	struct tl_buf *b = nb(w);
	for (size_t i = 0; i < n->nkid; i++) {
		struct ex a = ex_of(w, sc, n->kid[i]);
		t->ft[i] = a.ty;
		tl_buf_addf(b, ", %s", a.sql);
	}
	return mk(ar_printf(w, "%s(%s%s)", fname(w, "tl_row"), code_lit(w, t), tl_buf_str(b)), t);
}

static struct ex t_subscript(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	struct ex b = ex_of(w, sc, n->kid[0]), i = ex_of(w, sc, n->kid[1]);
	if (b.ty->k == TY_ARRAY) {
		if (!is_int(i.ty) && i.ty->k != TY_UNKNOWN)
			fail(w, n->kid[1], "an array subscript must be an integer, not %s", tyn(w, i.ty));
		return mk(ar_printf(w, "%s(%s, %s, %s, 1)", fname(w, "tl_element_at"), b.sql, i.sql,
				    code_lit(w, b.ty)), b.ty->e);
	}
	if (b.ty->k == TY_MAP)
		return mk(ar_printf(w, "%s(%s, %s, %s, 1)", fname(w, "tl_element_at"), b.sql, i.sql,
				    code_lit(w, b.ty)), b.ty->v);
	if (b.ty->k == TY_ROW && n->kid[1]->kind == TL_TN_INT) {
		long idx = strtol(n->kid[1]->text, NULL, 10);
		if (idx < 1 || (size_t)idx > b.ty->nf)
			fail(w, n->kid[1], "Invalid subscript index: %ld, ROW field index must be between 1 and %zu",
			     idx, b.ty->nf);
		const struct ty *ft = b.ty->ft[idx - 1];
		char anon[32];
		snprintf(anon, sizeof anon, "field%ld", idx - 1);
		const char *fnm = b.ty->fn[idx - 1] ? b.ty->fn[idx - 1] : anon;
		return mk(ar_printf(w, "%s(%s, %s, %s)", fname(w, "tl_field"), b.sql, code_lit(w, ft),
				    quote_str(w, fnm)), ft);
	}
	fail(w, n, "Cannot use %s for subscript", tyn(w, b.ty));
}

static struct ex ex_of(struct rw *w, struct scope *sc, const struct tl_trino_node *n)
{
	struct ex r;
	size_t mark = w->nbares;
	enter(w, n);
	switch (n->kind) {
	case TL_TN_IDENT:
	case TL_TN_DEREF:
		r = name_ref(w, sc, n);
		break;
	case TL_TN_INT:
		r = int_literal(w, n);
		break;
	case TL_TN_DECIMAL:
		r = decimal_literal(w, n, n->text);
		break;
	case TL_TN_DOUBLE:
		r = mk(n->text, &T_DOUBLE);
		break;
	case TL_TN_STRING:
		r = mk(quote_str(w, n->text), &T_VARCHAR);
		break;
	case TL_TN_BOOL:
		r = mk(n->flags & TL_TF_TRUE ? "1" : "0", &T_BOOLEAN);
		break;
	case TL_TN_NULL:
		r = mk("NULL", &T_UNKNOWN);
		break;
	case TL_TN_PARAM: {
		size_t i = (size_t)strtoul(n->text, NULL, 10);
		r = mk(ar_printf(w, "?%s", n->text), i >= 1 && i <= w->nparams ? w->params[i - 1] : &T_UNKNOWN);
		break;
	}
	case TL_TN_TYPED:
		r = typed_literal(w, n);
		break;
	case TL_TN_INTERVAL:
		r = interval_literal(w, n);
		break;
	case TL_TN_BINARY:
		r = binary(w, sc, n);
		break;
	case TL_TN_UNARY: {
		struct ex a = ex_of(w, sc, n->kid[0]);
		if (!strcmp(n->text, "+") && (is_num(a.ty) || a.ty->k == TY_UNKNOWN)) {
			r = a; /* +x is x */
			break;
		}
		if (!strcmp(n->text, "NOT")) {
			need_bool(w, n->kid[0], a, "NOT's operand");
			r = mk(ar_printf(w, "(NOT %s)", a.sql), &T_BOOLEAN);
		} else {
			if (!is_num(a.ty) && a.ty->k != TY_UNKNOWN && a.ty->k != TY_IDS && a.ty->k != TY_IYM)
				fail(w, n, "Cannot negate %s", tyn(w, a.ty));
			r = mk(ar_printf(w, "(%s%s)", n->text, a.sql), a.ty);
		}
		break;
	}
	case TL_TN_ISNULL: {
		struct ex a = ex_of(w, sc, n->kid[0]);
		r = mk(ar_printf(w, "(%s IS %sNULL)", a.sql, n->flags & TL_TF_NOT ? "NOT " : ""), &T_BOOLEAN);
		break;
	}
	case TL_TN_BETWEEN: {
		struct ex v = ex_of(w, sc, n->kid[0]), lo = ex_of(w, sc, n->kid[1]), hi = ex_of(w, sc, n->kid[2]);
		const struct ty *t = ty_super(w, v.ty, lo.ty);
		if (t)
			t = ty_super(w, t, hi.ty);
		if (!t || !orderable(t) || is_composite(t))
			fail(w, n, "Cannot check if %s is BETWEEN %s and %s", tyn(w, v.ty), tyn(w, lo.ty),
			     tyn(w, hi.ty));
		const char *neg = n->flags & TL_TF_NOT ? "NOT " : "";
		if (t->k == TY_TSTZ) {
			const char *in = fname(w, "tl_instant");
			r = mk(ar_printf(w, "(%s(%s, %s) %sBETWEEN %s(%s, %s) AND %s(%s, %s))", in, v.sql,
					 time_code(w, v.ty), neg, in, lo.sql, time_code(w, lo.ty), in, hi.sql,
					 time_code(w, hi.ty)), &T_BOOLEAN);
		} else {
			r = mk(ar_printf(w, "(%s %sBETWEEN %s AND %s)", coerce(w, v, t), neg, coerce(w, lo, t),
					 coerce(w, hi, t)), &T_BOOLEAN);
		}
		break;
	}
	case TL_TN_IN:
		r = in_list(w, sc, n);
		break;
	case TL_TN_LIKE: {
		struct ex v = ex_of(w, sc, n->kid[0]), p = ex_of(w, sc, n->kid[1]);
		need(w, n->kid[0], v, is_text(v.ty), "LIKE", 1, "varchar");
		need(w, n->kid[1], p, is_text(p.ty), "LIKE", 2, "varchar");
		const char *esc = "";
		if (n->kid[2]) {
			struct ex e = ex_of(w, sc, n->kid[2]);
			need(w, n->kid[2], e, is_text(e.ty), "ESCAPE", 1, "varchar");
			esc = ar_printf(w, " ESCAPE %s", e.sql);
		}
		r = mk(ar_printf(w, "(%s %sLIKE %s%s)", v.sql, n->flags & TL_TF_NOT ? "NOT " : "", p.sql, esc),
		       &T_BOOLEAN);
		break;
	}
	case TL_TN_DISTINCT: {
		struct ex a = ex_of(w, sc, n->kid[0]), b = ex_of(w, sc, n->kid[1]);
		const struct ty *t = ty_super(w, a.ty, b.ty);
		if (!t)
			bad_op(w, n, "IS DISTINCT FROM", a, b);
		bool inst = t->k == TY_TSTZ;
		const char *x = inst ? ar_printf(w, "%s(%s, %s)", fname(w, "tl_instant"), a.sql, time_code(w, a.ty)) : coerce(w, a, t);
		const char *y = inst ? ar_printf(w, "%s(%s, %s)", fname(w, "tl_instant"), b.sql, time_code(w, b.ty)) : coerce(w, b, t);
		r = mk(ar_printf(w, "(%s IS %s%s)", x, n->flags & TL_TF_NOT ? "" : "NOT ", y), &T_BOOLEAN);
		break;
	}
	case TL_TN_QUANTIFIED: {
		struct ex v = ex_of(w, sc, n->kid[0]);
		struct tl_buf *q = nb(w);
		struct qres res = { 0 };
		t_query(w, n->kid[1], sc, q, &res, false);
		if (res.ncols != 1)
			fail(w, n->kid[1], "a quantified comparison needs a subquery of one column");
		if (!ty_super(w, v.ty, res.cols[0].ty))
			fail(w, n, "%s and %s cannot be compared", tyn(w, v.ty), tyn(w, res.cols[0].ty));
		bool all = (n->flags & TL_TF_ALL) != 0;
		if (!strcmp(n->text, "=") && !all)
			r = mk(ar_printf(w, "(%s IN (%s))", v.sql, tl_buf_str(q)), &T_BOOLEAN);
		else if (!strcmp(n->text, "<>") && all)
			r = mk(ar_printf(w, "(%s NOT IN (%s))", v.sql, tl_buf_str(q)), &T_BOOLEAN);
		else {
			int id = ++w->nalias;
			r = mk(ar_printf(w, "(%sEXISTS (SELECT 1 FROM (%s) AS \"_q%d\" WHERE %s(%s %s \"_q%d\".\"c1\")))",
					 all ? "NOT " : "", tl_buf_str(q), id, all ? "NOT " : "", v.sql,
					 n->text, id), &T_BOOLEAN);
		}
		break;
	}
	case TL_TN_EXISTS: {
		struct tl_buf *q = nb(w);
		struct qres res = { 0 };
		t_query(w, n->kid[0], sc, q, &res, false);
		r = mk(ar_printf(w, "EXISTS (%s)", tl_buf_str(q)), &T_BOOLEAN);
		break;
	}
	case TL_TN_SCALAR: {
		struct tl_buf *q = nb(w);
		struct qres res = { 0 };
		const char *saved = w->no_agg;
		bool saved_in = w->in_agg;
		w->no_agg = NULL;
		w->in_agg = false;
		t_query(w, n->kid[0], sc, q, &res, false);
		w->no_agg = saved;
		w->in_agg = saved_in;
		if (res.ncols != 1)
			fail(w, n, "Multiple columns returned by subquery are not yet supported. Found %zu",
			     res.ncols);
		r = mk(ar_printf(w, "(%s)", tl_buf_str(q)), res.cols[0].ty);
		break;
	}
	case TL_TN_CASE:
		r = t_case(w, sc, n);
		break;
	case TL_TN_CAST:
		r = cast_to(w, n, ex_of(w, sc, n->kid[0]), ty_from_node(w, n->kid[1]),
			    (n->flags & TL_TF_TRY) != 0);
		break;
	case TL_TN_CALL:
		r = t_call(w, sc, n);
		break;
	case TL_TN_LAMBDA:
		fail(w, n, "Lambda expression can only be used as a function argument");
	case TL_TN_ARRAY:
		r = t_array_ctor(w, sc, n);
		break;
	case TL_TN_ROW:
		r = t_row_ctor(w, sc, n);
		break;
	case TL_TN_SUBSCRIPT:
		r = t_subscript(w, sc, n);
		break;
	case TL_TN_ATTZ: {
		struct ex v = ex_of(w, sc, n->kid[0]);
		if (!is_time(v.ty) || v.ty->k == TY_DATE)
			fail(w, n, "AT TIME ZONE needs a timestamp, not %s", tyn(w, v.ty));
		const char *zone;
		if (n->kid[1]->kind == TL_TN_INTERVAL) {
			struct ex iv = interval_literal(w, n->kid[1]);
			long long ms = strtoll(iv.sql, NULL, 10), a = ms < 0 ? -ms : ms;
			if (iv.ty->k != TY_IDS || ms % 60000)
				fail(w, n->kid[1], "Invalid time zone offset interval");
			zone = ar_printf(w, "'%c%02lld:%02lld'", ms < 0 ? '-' : '+', a / 3600000, a / 60000 % 60);
		} else {
			struct ex z = ex_of(w, sc, n->kid[1]);
			need(w, n->kid[1], z, is_text(z.ty), "AT TIME ZONE", 1, "varchar");
			zone = z.sql;
		}
		r = mk(ar_printf(w, "%s(%s, %s, %s)", fname(w, "tl_at_timezone"), v.sql, zone,
				 time_code(w, v.ty)), &T_TSTZ);
		break;
	}
	case TL_TN_EXTRACT: {
		struct ex v = ex_of(w, sc, n->kid[0]);
		if (!IN_LIST(n->text, extract_fields))
			fail(w, n, "Invalid EXTRACT field: %s", n->text);
		if (!is_time(v.ty) && v.ty->k != TY_UNKNOWN)
			fail(w, n->kid[0], "Cannot extract %s from %s", n->text, tyn(w, v.ty));
		r = mk(ar_printf(w, "%s('%s', %s, %s)", fname(w, "tl_extract"), n->text, v.sql,
				 time_code(w, v.ty)), &T_BIGINT);
		break;
	}
	case TL_TN_CURRENT:
		if (!strcmp(n->text, "current_timestamp"))
			r = mk("tl_now('z')", &T_TSTZ);
		else if (!strcmp(n->text, "current_date"))
			r = mk("tl_now('D')", &T_DATE);
		else if (!strcmp(n->text, "localtimestamp"))
			r = mk("tl_now('t')", &T_TIMESTAMP);
		else
			fail(w, n, "%s: the time type is not supported offline (use current_timestamp)", n->text);
		break;
	default:
		fail(w, n, "this expression is not supported offline");
	}
	if (w->nbares > mark)
		bare_around(w, mark, r.sql);
	w->depth--;
	return r;
}

/* ---- relations ---- */

static struct rel *add_rel(struct rw *w, struct scope *sc)
{
	sc->rels = ar_grow(w, sc->rels, sc->nrels * sizeof *sc->rels, (sc->nrels + 1) * sizeof *sc->rels);
	struct rel *r = ar(w, sizeof *r);
	sc->rels[sc->nrels++] = r;
	return r;
}

static const char *new_alias(struct rw *w)
{
	return ar_printf(w, "\"_r%d\"", ++w->nalias);
}

static struct cte *find_cte(struct rw *w, const char *name)
{
	for (struct cte *c = w->ctes; c; c = c->next)
		if (name_eq(c->name, name))
			return c;
	return NULL;
}

static const struct tl_dialect_table *find_table(struct rw *w, const struct tl_trino_node *name)
{
	size_t np = name->nkid;
	const char *db = NULL, *tb = name->kid[np - 1]->text;
	if (np > 3)
		fail(w, name, "too many parts in the table name");
	if (np == 3 && !name_eq(name->kid[0]->text, "awsdatacatalog"))
		fail(w, name, "Catalog '%s' does not exist (offline there is awsdatacatalog)",
		     name->kid[0]->text);
	if (np >= 2)
		db = name->kid[np - 2]->text;
	else if (w->cat->database)
		db = w->cat->database;
	for (size_t i = 0; i < w->cat->ntables; i++) {
		const struct tl_dialect_table *t = &w->cat->tables[i];
		if (name_eq(t->name, tb) && (!db || name_eq(t->db, db)))
			return t;
	}
	if (db)
		fail(w, name, "Table '%s.%s' does not exist", db, tb);
	fail(w, name, "Table '%s' does not exist", tb);
}

static struct ex ex_in(struct rw *w, struct scope *sc, const struct tl_trino_node *n,
		       const char *clause)
{
	const char *saved = w->no_agg;
	w->no_agg = clause;
	struct ex e = ex_of(w, sc, n);
	w->no_agg = saved;
	return e;
}

static struct rel *t_unnest(struct rw *w, const struct tl_trino_node *n, struct scope *sc,
			    struct tl_buf *o)
{
	const char *alias = new_alias(w);
	struct tl_buf *spec = nb(w), *args = nb(w);
	struct rel *r = ar(w, sizeof *r);
	size_t cap = 8;
	r->cols = ar(w, cap * sizeof *r->cols);
	if (n->nkid > 8)
		fail(w, n, "UNNEST of more than 8 arrays is not supported offline");
	tl_buf_adds(spec, "|");
	/* UNNEST(transform(a, x -> f(x))): the elements of a, and f over each as the column,
	 * rather than an array built and taken apart again */
	const struct tl_trino_node *tr = n->nkid == 1 ? n->kid[0] : NULL;
	if (tr && tr->kind == TL_TN_CALL && !strcmp(tr->text, "transform") && !tr->kid[1] &&
	    !tr->kid[2] && !tr->kid[3] && !tr->flags && nargs(tr) == 2 &&
	    arg(tr, 1)->kind == TL_TN_LAMBDA && arg(tr, 1)->kid[0]->nkid == 1 && !w->try_depth) {
		struct ex a = ex_in(w, sc, arg(tr, 0), "UNNEST");
		if (a.ty->k == TY_ARRAY) {
			const char *x = ar_printf(w, "%s.\"v0\"", alias);
			const struct ty *et = a.ty->e;
			const char *saved = w->no_agg;
			w->no_agg = "UNNEST";
			struct ex body = lambda_body(w, sc, arg(tr, 1), &x, &et);
			w->no_agg = saved;
			if (body.ty->k != TY_ROW) {
				r->cols[0].sql = ar_printf(w, "(%s)", body.sql);
				r->cols[0].ty = body.ty;
				r->ncols = 1;
				if (n->flags & TL_TF_ORDINALITY) {
					r->cols[1].sql = ar_printf(w, "%s.\"ord\"", alias);
					r->cols[1].ty = &T_BIGINT;
					r->ncols = 2;
				}
				tl_buf_reset(spec);
				tl_buf_adds(spec, "e|");
				ty_code(a.ty, spec);
				tl_buf_addf(o, "tl_unnest(%s, %s) AS %s", quote_str(w, tl_buf_str(spec)), a.sql,
					    alias);
				return r;
			}
		}
	}
	for (size_t i = 0; i < n->nkid; i++) {
		struct ex a = ex_in(w, sc, n->kid[i], "UNNEST");
		if (a.ty->k != TY_ARRAY && a.ty->k != TY_MAP)
			fail(w, n->kid[i], "Cannot unnest type: %s", tyn(w, a.ty));
		if (i)
			tl_buf_addc(spec, ';');
		ty_code(a.ty, spec);
		tl_buf_addf(args, ", %s", a.sql);
		const struct ty *e = a.ty->e;
		size_t want = a.ty->k == TY_MAP ? 2 : e->k == TY_ROW ? e->nf : 1;
		for (size_t f = 0; f < want; f++) {
			if (r->ncols >= 64)
				fail(w, n, "UNNEST into more than 64 columns is not supported offline");
			if (r->ncols + 2 > cap) {
				r->cols = ar_grow(w, r->cols, cap * sizeof *r->cols, cap * 2 * sizeof *r->cols);
				cap *= 2;
			}
			struct col *c = &r->cols[r->ncols];
			c->sql = ar_printf(w, "%s.\"v%zu\"", alias, r->ncols);
			if (a.ty->k == TY_MAP)
				c->ty = f ? a.ty->v : a.ty->e;
			else if (e->k == TY_ROW) {
				c->ty = e->ft[f];
				c->name = e->fn[f] ? e->fn[f] : NULL;
				c->label = c->name;
			} else
				c->ty = e;
			r->ncols++;
		}
	}
	if (n->flags & TL_TF_ORDINALITY) {
		struct col *c = &r->cols[r->ncols++];
		c->sql = ar_printf(w, "%s.\"ord\"", alias);
		c->ty = &T_BIGINT;
	}
	tl_buf_addf(o, "tl_unnest(%s%s) AS %s", quote_str(w, tl_buf_str(spec)), tl_buf_str(args), alias);
	return r;
}

static void t_relation(struct rw *w, const struct tl_trino_node *n, struct scope *sc,
		       struct tl_buf *o);

/* A relation in FROM; its columns are added to sc. Returns it (NULL for a parenthesized join). */
static struct rel *t_primary(struct rw *w, const struct tl_trino_node *n, struct scope *sc,
			     struct tl_buf *o)
{
	switch (n->kind) {
	case TL_TN_NAME: {
		const char *alias = new_alias(w);
		struct cte *c = n->nkid == 1 ? find_cte(w, n->kid[0]->text) : NULL;
		struct rel *r = add_rel(w, sc);
		if (c) {
			r->alias = c->name;
			r->ncols = c->ncols;
			r->cols = ar(w, (c->ncols + 1) * sizeof *r->cols);
			for (size_t i = 0; i < c->ncols; i++) {
				r->cols[i] = c->cols[i];
				r->cols[i].sql = ar_printf(w, "%s.\"c%zu\"", alias, i + 1);
			}
			tl_buf_addf(o, "%s AS %s", c->sqlname, alias);
			return r;
		}
		const struct tl_dialect_table *t = find_table(w, n);
		r->alias = t->name;
		r->db = t->db;
		r->table = t->name;
		r->ncols = t->ncols;
		r->cols = ar(w, (t->ncols + 1) * sizeof *r->cols);
		for (size_t i = 0; i < t->ncols; i++) {
			r->cols[i].name = t->cols[i].name;
			r->cols[i].label = t->cols[i].name;
			r->cols[i].sql = ar_printf(w, "%s.%s", alias, quote_ident(w, t->cols[i].name));
			r->cols[i].ty = ty_from_glue(w, t->cols[i].type);
		}
		tl_buf_addf(o, "%s AS %s", t->sqlname, alias);
		return r;
	}
	case TL_TN_SUBQUERY: {
		const char *alias = new_alias(w);
		struct tl_buf *q = nb(w);
		struct qres res = { 0 };
		t_query(w, n->kid[0], sc->outer, q, &res, false);
		struct rel *r = add_rel(w, sc);
		r->ncols = res.ncols;
		r->cols = ar(w, (res.ncols + 1) * sizeof *r->cols);
		for (size_t i = 0; i < res.ncols; i++) {
			r->cols[i] = res.cols[i];
			r->cols[i].sql = ar_printf(w, "%s.\"c%zu\"", alias, i + 1);
		}
		tl_buf_addf(o, "(%s) AS %s", tl_buf_str(q), alias);
		return r;
	}
	case TL_TN_UNNEST: {
		struct rel *r = t_unnest(w, n, sc, o);
		struct rel *slot = add_rel(w, sc);
		*slot = *r;
		return slot;
	}
	case TL_TN_LATERAL:
		fail(w, n, "LATERAL is not supported offline (CROSS JOIN UNNEST is)");
	case TL_TN_JOIN:
		tl_buf_addc(o, '(');
		t_relation(w, n, sc, o);
		tl_buf_addc(o, ')');
		return NULL;
	case TL_TN_ALIASED: {
		struct rel *r = t_primary(w, n->kid[0], sc, o);
		if (!r)
			fail(w, n, "an alias on a parenthesized join is not supported offline");
		r->alias = ar_lower(w, n->text);
		r->db = r->table = NULL;
		const struct tl_trino_node *cols = n->kid[1];
		if (cols) {
			if (cols->nkid != r->ncols)
				fail(w, cols, "Column alias list has %zu entries but '%s' has %zu columns available",
				     cols->nkid, n->text, r->ncols);
			for (size_t i = 0; i < cols->nkid; i++) {
				r->cols[i].name = ar_lower(w, cols->kid[i]->text);
				r->cols[i].label = cols->kid[i]->text;
			}
		}
		return r;
	}
	default:
		fail(w, n, "this relation is not supported offline");
	}
}

static void t_relation(struct rw *w, const struct tl_trino_node *n, struct scope *sc,
		       struct tl_buf *o)
{
	enter(w, n);
	if (n->kind != TL_TN_JOIN) {
		t_primary(w, n, sc, o);
		w->depth--;
		return;
	}
	t_relation(w, n->kid[0], sc, o);
	const char *kind = n->text;
	tl_buf_addf(o, " %s ", !strcmp(kind, "CROSS") ? "CROSS JOIN" : !strcmp(kind, "INNER") ? "JOIN"
			       : !strcmp(kind, "LEFT") ? "LEFT JOIN" : !strcmp(kind, "RIGHT") ? "RIGHT JOIN"
			       : "FULL JOIN");
	size_t before = sc->nrels;
	t_primary(w, n->kid[1], sc, o);
	if (n->kid[2]) {
		struct ex c = ex_in(w, sc, n->kid[2], "JOIN criteria");
		need_bool(w, n->kid[2], c, "JOIN ON clause");
		tl_buf_addf(o, " ON %s", c.sql);
	} else if (n->kid[3]) {
		tl_buf_adds(o, " ON ");
		for (size_t u = 0; u < n->kid[3]->nkid; u++) {
			const char *name = n->kid[3]->kid[u]->text;
			struct col *l = NULL, *r = NULL;
			for (size_t i = 0; i < sc->nrels; i++) {
				for (size_t k = 0; k < sc->rels[i]->ncols; k++) {
					struct col *c = &sc->rels[i]->cols[k];
					if (!c->name || c->hidden || !name_eq(c->name, name))
						continue;
					if (i < before) {
						if (l)
							fail(w, n->kid[3]->kid[u], "Column '%s' is ambiguous", name);
						l = c;
					} else {
						r = c;
					}
				}
			}
			if (!l || !r)
				fail(w, n->kid[3]->kid[u], "Column '%s' is missing from the %s side of USING",
				     name, l ? "right" : "left");
			if (!ty_super(w, l->ty, r->ty))
				fail(w, n->kid[3]->kid[u], "USING column '%s': %s and %s cannot be compared",
				     name, tyn(w, l->ty), tyn(w, r->ty));
			tl_buf_addf(o, "%s%s = %s", u ? " AND " : "", l->sql, r->sql);
			if (!strcmp(kind, "RIGHT") || !strcmp(kind, "FULL")) {
				sc->vars = ar_grow(w, sc->vars, sc->nvars * sizeof *sc->vars,
						   (sc->nvars + 1) * sizeof *sc->vars);
				struct col *v = &sc->vars[sc->nvars++];
				*v = *l;
				v->sql = !strcmp(kind, "FULL") ? ar_printf(w, "coalesce(%s, %s)", l->sql, r->sql)
							       : r->sql;
				l->hidden = true;
			}
			r->hidden = true;
		}
	}
	w->depth--;
}

/* ---- queries ---- */

static const char *out_name(struct rw *w, bool top, size_t i, const char *label)
{
	if (top)
		return quote_ident(w, label ? label : ar_printf(w, "_col%zu", i));
	return ar_printf(w, "\"c%zu\"", i + 1);
}

static void add_out(struct rw *w, struct qres *res, size_t *cap, const char *label,
		    const char *sql, const struct ty *ty)
{
	if (res->ncols == *cap) {
		size_t old = *cap;
		*cap = *cap ? *cap * 2 : 16;
		res->cols = ar_grow(w, res->cols, old * sizeof *res->cols, *cap * sizeof *res->cols);
	}
	struct col *c = &res->cols[res->ncols++];
	c->label = label;
	c->name = label ? ar_lower(w, label) : NULL;
	c->sql = sql;
	c->ty = ty;
}

/* The select list: items with their SQL, labels and types. */
static void select_items(struct rw *w, const struct tl_trino_node *items, struct scope *sc,
			 bool has_from, struct qres *res)
{
	size_t cap = 0;
	for (size_t i = 0; i < items->nkid; i++) {
		const struct tl_trino_node *it = items->kid[i];
		if (it->kind == TL_TN_ITEM) {
			struct ex e = ex_of(w, sc, it->kid[0]);
			const char *label = it->text;
			if (!label && it->kid[0]->kind == TL_TN_IDENT)
				label = ar_lower(w, it->kid[0]->text);
			else if (!label && it->kid[0]->kind == TL_TN_DEREF)
				label = it->kid[0]->text;
			add_out(w, res, &cap, label, e.sql, e.ty);
			continue;
		}
		const struct tl_trino_node *q = it->kid[0];
		if (!q) {
			if (!has_from)
				fail(w, it, "SELECT * not allowed in queries without FROM clause");
			for (size_t r = 0; r < sc->nrels; r++)
				for (size_t k = 0; k < sc->rels[r]->ncols; k++) {
					const struct col *c = &sc->rels[r]->cols[k];
					if (!c->hidden)
						add_out(w, res, &cap, c->label, c->sql, c->ty);
				}
			for (size_t v = 0; v < sc->nvars; v++) /* FULL/RIGHT USING columns */
				add_out(w, res, &cap, sc->vars[v].label, sc->vars[v].sql, sc->vars[v].ty);
			continue;
		}
		/* t.* for a relation, or row.* for a row value */
		const struct rel *rel = NULL;
		if (q->kind == TL_TN_IDENT)
			for (size_t r = 0; r < sc->nrels; r++)
				if (sc->rels[r]->alias && name_eq(sc->rels[r]->alias, q->text))
					rel = sc->rels[r];
		if (rel) {
			for (size_t k = 0; k < rel->ncols; k++)
				add_out(w, res, &cap, rel->cols[k].label, rel->cols[k].sql, rel->cols[k].ty);
			continue;
		}
		struct ex e = ex_of(w, sc, q);
		if (e.ty->k != TY_ROW)
			fail(w, it, "%s.* needs a relation or a row, not %s", q->text ? q->text : "",
			     tyn(w, e.ty));
		for (size_t f = 0; f < e.ty->nf; f++) {
			const char *fnm = e.ty->fn[f] ? e.ty->fn[f] : ar_printf(w, "field%zu", f);
			add_out(w, res, &cap, e.ty->fn[f],
				ar_printf(w, "%s(%s, %s, %s)", fname(w, "tl_field"), e.sql,
					  code_lit(w, e.ty->ft[f]), quote_str(w, fnm)),
				e.ty->ft[f]);
		}
	}
}

static const char *nulls_of(const struct tl_trino_node *s)
{
	if (s->flags & TL_TF_NULLS_FIRST)
		return " NULLS FIRST";
	return " NULLS LAST"; /* Trino's default, for ASC and DESC alike */
}

static const char *sort_items(struct rw *w, struct scope *sc, const struct tl_trino_node *list)
{
	struct tl_buf *b = nb(w);
	for (size_t i = 0; i < list->nkid; i++) {
		const struct tl_trino_node *s = list->kid[i];
		struct ex e = ex_of(w, sc, s->kid[0]);
		if (!orderable(e.ty))
			fail(w, s, "%s values cannot be ordered", tyn(w, e.ty));
		tl_buf_addf(b, "%s%s%s%s", i ? ", " : "", e.sql, s->flags & TL_TF_DESC ? " DESC" : "",
			    nulls_of(s));
	}
	return tl_buf_str(b);
}

/* ORDER BY of a SELECT: positions, output names, then expressions (output names first). */
static const char *order_by(struct rw *w, const struct tl_trino_node *list, struct scope *sc,
			    const struct qres *res)
{
	struct tl_buf *b = nb(w);
	struct scope os = { .outer = sc };
	os.vars = ar(w, (res->ncols + 1) * sizeof *os.vars);
	for (size_t i = 0; i < res->ncols; i++)
		if (res->cols[i].name) {
			os.vars[os.nvars] = res->cols[i];
			os.vars[os.nvars++].sql = ar_printf(w, "(%s)", res->cols[i].sql);
		}
	for (size_t i = 0; i < list->nkid; i++) {
		const struct tl_trino_node *s = list->kid[i], *e = s->kid[0];
		const char *item = NULL;
		if (e->kind == TL_TN_INT) {
			long pos = strtol(e->text, NULL, 10);
			if (pos < 1 || (size_t)pos > res->ncols)
				fail(w, e, "ORDER BY position %s is not in select list", e->text);
			item = e->text;
		} else if (e->kind == TL_TN_IDENT) {
			size_t hits = 0, at = 0;
			for (size_t k = 0; k < res->ncols; k++)
				if (res->cols[k].name && name_eq(res->cols[k].name, e->text))
					hits++, at = k;
			if (hits > 1)
				fail(w, e, "Column '%s' is ambiguous", e->text);
			if (hits == 1)
				item = ar_printf(w, "%zu", at + 1);
		}
		if (!item) {
			struct ex x = ex_of(w, &os, e);
			if (!orderable(x.ty))
				fail(w, s, "%s values cannot be ordered", tyn(w, x.ty));
			item = x.sql;
		}
		tl_buf_addf(b, "%s%s%s%s", i ? ", " : "", item, s->flags & TL_TF_DESC ? " DESC" : "",
			    nulls_of(s));
	}
	return tl_buf_str(b);
}

static void write_items(struct rw *w, struct tl_buf *o, const struct qres *res, bool top)
{
	for (size_t i = 0; i < res->ncols; i++)
		tl_buf_addf(o, "%s%s AS %s", i ? ", " : "", res->cols[i].sql,
			    out_name(w, top, i, res->cols[i].label));
}

/* Trino's rule for a query with GROUP BY or aggregates: every column reference outside an
 * aggregate is a grouping key or inside an expression that is one (keys compared as written
 * for SQLite). */
static void check_grouping(struct rw *w, size_t mark, const char *const *keys, size_t nkeys)
{
	for (size_t i = mark; i < w->nbares; i++) {
		const struct bare *b = &w->bares[i];
		bool keyed = false;
		for (size_t a = 0; a < b->naround && !keyed; a++)
			for (size_t k = 0; k < nkeys && !keyed; k++)
				keyed = !strcmp(b->around[a], keys[k]);
		if (!keyed)
			fail(w, b->at, "'%s' must be an aggregate expression or appear in GROUP BY clause",
			     b->name);
	}
}

static void t_select(struct rw *w, const struct tl_trino_node *sel, struct scope *outer,
		     struct tl_buf *o, struct qres *res, bool top, const struct tl_trino_node *order)
{
	struct scope *sc = ar(w, sizeof *sc);
	sc->outer = outer;
	struct tl_buf *from = nb(w);
	const char *saved = w->no_agg;
	bool saved_in = w->in_agg, saved_saw = w->saw_agg;
	struct scope *saved_grp = w->grp;
	size_t mark = w->nbares;
	w->no_agg = NULL;
	w->in_agg = false;
	w->grp = NULL;
	if (sel->kid[1]) {
		w->no_agg = "FROM clause";
		t_relation(w, sel->kid[1], sc, from);
		w->no_agg = NULL;
	}
	/* the select list, HAVING and ORDER BY are checked for Trino's grouping rule */
	w->grp = sc;
	w->saw_agg = false;
	select_items(w, sel->kid[0], sc, sel->kid[1] != NULL, res);
	w->grp = NULL;
	tl_buf_addf(o, "SELECT %s", sel->flags & TL_TF_DISTINCT ? "DISTINCT " : "");
	write_items(w, o, res, top);
	if (sel->kid[1])
		tl_buf_addf(o, " FROM %s", tl_buf_str(from));
	if (sel->kid[2]) {
		struct ex c = ex_in(w, sc, sel->kid[2], "WHERE clause");
		need_bool(w, sel->kid[2], c, "WHERE clause");
		tl_buf_addf(o, " WHERE %s", c.sql);
	}
	const char **keys = NULL;
	size_t nkeys = 0;
	if (sel->kid[3]) {
		tl_buf_adds(o, " GROUP BY ");
		keys = ar(w, sel->kid[3]->nkid * sizeof *keys);
		for (size_t i = 0; i < sel->kid[3]->nkid; i++) {
			const struct tl_trino_node *g = sel->kid[3]->kid[i];
			const char *sql;
			if (g->kind == TL_TN_INT) {
				long pos = strtol(g->text, NULL, 10);
				if (pos < 1 || (size_t)pos > res->ncols)
					fail(w, g, "GROUP BY position %s is not in select list", g->text);
				sql = g->text;
				keys[nkeys++] = res->cols[pos - 1].sql;
			} else {
				sql = ex_in(w, sc, g, "GROUP BY clause").sql;
				keys[nkeys++] = sql;
			}
			tl_buf_addf(o, "%s%s", i ? ", " : "", sql);
		}
	}
	w->grp = sc;
	if (sel->kid[4]) {
		struct ex c = ex_of(w, sc, sel->kid[4]);
		need_bool(w, sel->kid[4], c, "HAVING clause");
		tl_buf_addf(o, " HAVING %s", c.sql);
	}
	w->grp = NULL;
	if (sel->kid[5]) {
		tl_buf_adds(o, " WINDOW ");
		for (size_t i = 0; i < sel->kid[5]->nkid; i++) {
			const struct tl_trino_node *d = sel->kid[5]->kid[i];
			tl_buf_addf(o, "%s%s AS (%s)", i ? ", " : "", quote_ident(w, ar_lower(w, d->text)),
				    window_spec(w, sc, d->kid[0]));
		}
	}
	w->grp = sc;
	if (order)
		tl_buf_addf(o, " ORDER BY %s", order_by(w, order, sc, res));
	if (sel->kid[3] || sel->kid[4] || w->saw_agg)
		check_grouping(w, mark, keys, nkeys);
	w->nbares = mark;
	w->grp = saved_grp;
	w->saw_agg = saved_saw;
	w->no_agg = saved;
	w->in_agg = saved_in;
}

static void t_values(struct rw *w, const struct tl_trino_node *v, struct scope *outer,
		     struct tl_buf *o, struct qres *res, bool top)
{
	size_t ncols = 0, cap = 0;
	struct tl_buf *rows = nb(w);
	const struct ty **types = NULL;
	for (size_t r = 0; r < v->nkid; r++) {
		const struct tl_trino_node *row = v->kid[r];
		size_t n = row->kind == TL_TN_ROW ? row->nkid : 1;
		if (r == 0) {
			ncols = n;
			types = ar(w, (n + 1) * sizeof *types);
			for (size_t i = 0; i < n; i++)
				types[i] = &T_UNKNOWN;
		} else if (n != ncols) {
			fail(w, row, "Values rows have mismatched sizes: %zu vs %zu", ncols, n);
		}
		tl_buf_addf(rows, "%s(", r ? ", " : "");
		for (size_t i = 0; i < n; i++) {
			struct ex e = ex_of(w, outer, row->kind == TL_TN_ROW ? row->kid[i] : row);
			if (!(types[i] = ty_super(w, types[i], e.ty)))
				fail(w, row, "Values rows have mismatched types in column %zu", i + 1);
			tl_buf_addf(rows, "%s%s", i ? ", " : "", e.sql);
		}
		tl_buf_addc(rows, ')');
	}
	for (size_t i = 0; i < ncols; i++)
		add_out(w, res, &cap, NULL, ar_printf(w, "\"column%zu\"", i + 1), types[i]);
	tl_buf_adds(o, "SELECT ");
	write_items(w, o, res, top);
	tl_buf_addf(o, " FROM (VALUES %s)", tl_buf_str(rows));
}

static void t_setop(struct rw *w, const struct tl_trino_node *n, struct scope *outer,
		    struct tl_buf *o, struct qres *res, bool top);

/* One side of a set operation, or a query body that is not a SELECT. */
static void t_branch(struct rw *w, const struct tl_trino_node *n, struct scope *outer,
		     struct tl_buf *o, struct qres *res, bool top, bool may_be_setop)
{
	switch (n->kind) {
	case TL_TN_SELECT:
		t_select(w, n, outer, o, res, top, NULL);
		return;
	case TL_TN_VALUES:
		t_values(w, n, outer, o, res, top);
		return;
	case TL_TN_TABLE: {
		struct scope *sc = ar(w, sizeof *sc);
		sc->outer = outer;
		struct tl_buf *from = nb(w);
		struct rel *r = t_primary(w, n->kid[0], sc, from);
		size_t cap = 0;
		for (size_t k = 0; k < r->ncols; k++)
			add_out(w, res, &cap, r->cols[k].label, r->cols[k].sql, r->cols[k].ty);
		tl_buf_adds(o, "SELECT ");
		write_items(w, o, res, top);
		tl_buf_addf(o, " FROM %s", tl_buf_str(from));
		return;
	}
	case TL_TN_SETOP:
		if (may_be_setop) {
			t_setop(w, n, outer, o, res, top);
			return;
		}
		/* a set operation on the right: wrapped as a subquery */
		/* fall through */
	default: {
		struct tl_buf *q = nb(w);
		struct qres inner = { 0 };
		int id = ++w->nalias;
		if (n->kind == TL_TN_QUERY)
			t_query(w, n, outer, q, &inner, false);
		else
			t_setop(w, n, outer, q, &inner, false);
		size_t cap = 0;
		for (size_t i = 0; i < inner.ncols; i++)
			add_out(w, res, &cap, inner.cols[i].label, ar_printf(w, "\"_q%d\".\"c%zu\"", id, i + 1),
				inner.cols[i].ty);
		tl_buf_adds(o, "SELECT ");
		write_items(w, o, res, top);
		tl_buf_addf(o, " FROM (%s) AS \"_q%d\"", tl_buf_str(q), id);
		return;
	}
	}
}

static void t_setop(struct rw *w, const struct tl_trino_node *n, struct scope *outer,
		    struct tl_buf *o, struct qres *res, bool top)
{
	struct qres right = { 0 };
	struct tl_buf *ro = nb(w);
	enter(w, n);
	t_branch(w, n->kid[0], outer, o, res, top, true);
	t_branch(w, n->kid[1], outer, ro, &right, false, false);
	if (res->ncols != right.ncols)
		fail(w, n, "%s query has different number of fields: %zu, %zu", n->text, res->ncols,
		     right.ncols);
	for (size_t i = 0; i < res->ncols; i++) {
		const struct ty *t = ty_super(w, res->cols[i].ty, right.cols[i].ty);
		if (!t)
			fail(w, n, "column %zu in %s query has incompatible types: %s, %s", i + 1, n->text,
			     tyn(w, res->cols[i].ty), tyn(w, right.cols[i].ty));
		res->cols[i].ty = t;
	}
	bool all = (n->flags & TL_TF_ALL) != 0;
	if (all && strcmp(n->text, "UNION"))
		fail(w, n, "%s ALL is not supported offline", n->text);
	tl_buf_addf(o, " %s%s %s", n->text, all ? " ALL" : "", tl_buf_str(ro));
	w->depth--;
}

static const char *limit_value(struct rw *w, const struct tl_trino_node *n)
{
	struct ex e = ex_of(w, NULL, n);
	if (!is_int(e.ty) && e.ty->k != TY_UNKNOWN)
		fail(w, n, "a row count must be an integer");
	return e.sql;
}

static void t_with(struct rw *w, const struct tl_trino_node *with, struct scope *outer,
		   struct tl_buf *o)
{
	bool recursive = (with->flags & TL_TF_RECURSIVE) != 0;
	tl_buf_addf(o, "WITH %s", recursive ? "RECURSIVE " : "");
	for (size_t i = 0; i < with->nkid; i++) {
		const struct tl_trino_node *c = with->kid[i], *names = c->kid[0], *q = c->kid[1];
		struct cte *e = ar(w, sizeof *e);
		e->name = ar_lower(w, c->text);
		e->sqlname = ar_printf(w, "\"_c%d\"", ++w->nalias);
		struct tl_buf *b = nb(w);
		struct qres res = { 0 };
		const struct tl_trino_node *body = q->kid[1];
		if (recursive && body->kind == TL_TN_SETOP) {
			if (!names)
				fail(w, c, "missing column aliases in recursive WITH query");
			/* the anchor first: its types are the CTE's while the rest is written */
			struct qres anchor = { 0 };
			t_branch(w, body->kid[0], outer, nb(w), &anchor, false, true);
			e->ncols = anchor.ncols;
			e->cols = anchor.cols;
			if (names->nkid != e->ncols)
				fail(w, names, "WITH column alias list has %zu entries but WITH query '%s' has %zu columns",
				     names->nkid, c->text, e->ncols);
			for (size_t k = 0; k < e->ncols; k++) {
				e->cols[k].name = ar_lower(w, names->kid[k]->text);
				e->cols[k].label = names->kid[k]->text;
			}
			e->next = w->ctes;
			w->ctes = e;
		}
		t_query(w, q, outer, b, &res, false);
		if (names && names->nkid != res.ncols)
			fail(w, names, "WITH column alias list has %zu entries but WITH query '%s' has %zu columns",
			     names->nkid, c->text, res.ncols);
		e->ncols = res.ncols;
		e->cols = res.cols;
		for (size_t k = 0; names && k < names->nkid; k++) {
			e->cols[k].name = ar_lower(w, names->kid[k]->text);
			e->cols[k].label = names->kid[k]->text;
		}
		if (!(recursive && body->kind == TL_TN_SETOP)) {
			e->next = w->ctes;
			w->ctes = e;
		}
		tl_buf_addf(o, "%s%s(", i ? ", " : "", e->sqlname);
		for (size_t k = 0; k < e->ncols; k++)
			tl_buf_addf(o, "%s\"c%zu\"", k ? ", " : "", k + 1);
		tl_buf_addf(o, ") AS (%s)", tl_buf_str(b));
	}
	tl_buf_addc(o, ' ');
}

static void t_query(struct rw *w, const struct tl_trino_node *q, struct scope *outer,
		    struct tl_buf *o, struct qres *res, bool top)
{
	enter(w, q);
	struct cte *saved = w->ctes;
	if (q->kind != TL_TN_QUERY) {
		t_branch(w, q, outer, o, res, top, true);
		w->depth--;
		return;
	}
	if (q->kid[0])
		t_with(w, q->kid[0], outer, o);
	const struct tl_trino_node *body = q->kid[1], *order = q->kid[2];
	if (body->kind == TL_TN_SELECT) {
		t_select(w, body, outer, o, res, top, order);
	} else {
		t_branch(w, body, outer, o, res, top, true);
		if (order) {
			tl_buf_adds(o, " ORDER BY ");
			for (size_t i = 0; i < order->nkid; i++) {
				const struct tl_trino_node *s = order->kid[i], *e = s->kid[0];
				size_t pos = 0;
				if (e->kind == TL_TN_INT)
					pos = (size_t)strtol(e->text, NULL, 10);
				else if (e->kind == TL_TN_IDENT)
					for (size_t k = 0; k < res->ncols && !pos; k++)
						if (res->cols[k].name && name_eq(res->cols[k].name, e->text))
							pos = k + 1;
				if (pos < 1 || pos > res->ncols)
					fail(w, e, "ORDER BY of a UNION, INTERSECT, EXCEPT or VALUES must name an "
						   "output column or its position offline");
				tl_buf_addf(o, "%s%zu%s%s", i ? ", " : "", pos,
					    s->flags & TL_TF_DESC ? " DESC" : "", nulls_of(s));
			}
		}
	}
	if (q->kid[4] || q->kid[3])
		tl_buf_addf(o, " LIMIT %s", q->kid[4] ? limit_value(w, q->kid[4]) : "-1");
	if (q->kid[3])
		tl_buf_addf(o, " OFFSET %s", limit_value(w, q->kid[3]));
	w->ctes = saved;
	w->depth--;
}

/* ---- statements ---- */

static void out_set(struct tl_dialect_out *out, size_t i, const char *name, const char *type,
		    const char *fmt)
{
	out->names[i] = xstrdup(name);
	out->types[i] = xstrdup(type);
	out->formats[i] = xstrdup(fmt);
}

static void out_cols(struct rw *w, struct tl_dialect_out *out, const struct qres *res)
{
	out->ncols = res->ncols;
	out->names = xcalloc(res->ncols + 1, sizeof *out->names);
	out->types = xcalloc(res->ncols + 1, sizeof *out->types);
	out->formats = xcalloc(res->ncols + 1, sizeof *out->formats);
	for (size_t i = 0; i < res->ncols; i++) {
		const struct ty *t = res->cols[i].ty;
		const char *label = res->cols[i].label ? res->cols[i].label : ar_printf(w, "_col%zu", i);
		const char *fmt = "";
		if (t->k == TY_BOOLEAN)
			fmt = "b";
		else if (t->k == TY_DOUBLE || t->k == TY_REAL)
			fmt = "d";
		else if (t->k == TY_DECIMAL)
			fmt = ar_printf(w, "n%d", t->s);
		else if (t->k == TY_IDS)
			fmt = "I";
		else if (t->k == TY_IYM)
			fmt = "M";
		out_set(out, i, label, is_composite(t) || t->k == TY_JSON ? "json" : tyn(w, t), fmt);
	}
}

/* A result of one varchar column per name, from rows of text. */
static void listing(struct rw *w, struct tl_dialect_out *out, const char *const *names,
		    size_t ncols, const char *const *cells, size_t nrows)
{
	struct tl_buf *b = nb(w);
	tl_buf_adds(b, "SELECT ");
	for (size_t c = 0; c < ncols; c++)
		tl_buf_addf(b, "%s%s AS %s", c ? ", " : "", nrows ? ar_printf(w, "\"column%zu\"", c + 1) : "NULL",
			    quote_ident(w, names[c]));
	if (nrows) {
		tl_buf_adds(b, " FROM (VALUES ");
		for (size_t r = 0; r < nrows; r++) {
			tl_buf_addf(b, "%s(", r ? ", " : "");
			for (size_t c = 0; c < ncols; c++)
				tl_buf_addf(b, "%s%s", c ? ", " : "", quote_str(w, cells[r * ncols + c]));
			tl_buf_addc(b, ')');
		}
		tl_buf_adds(b, ")");
	} else {
		tl_buf_adds(b, " WHERE 0");
	}
	out->sql = xstrdup(tl_buf_str(b));
	out->ncols = ncols;
	out->names = xcalloc(ncols + 1, sizeof *out->names);
	out->types = xcalloc(ncols + 1, sizeof *out->types);
	out->formats = xcalloc(ncols + 1, sizeof *out->formats);
	for (size_t c = 0; c < ncols; c++)
		out_set(out, c, names[c], "varchar", "");
}

/* Hive's SHOW ... LIKE pattern: * for any text, | between alternatives, case-insensitive. */
static bool like_hive(const char *pat, const char *s)
{
	const char *alt = pat;
	for (;;) {
		const char *bar = strchr(alt, '|');
		size_t l = bar ? (size_t)(bar - alt) : strlen(alt);
		/* glob with * over [alt, alt + l) */
		const char *p = alt, *pe = alt + l, *t = s, *star = NULL, *mark = NULL;
		bool ok;
		for (;;) {
			if (p < pe && *p == '*') {
				star = p++;
				mark = t;
			} else if (*t && p < pe && tolower((unsigned char)*p) == tolower((unsigned char)*t)) {
				p++;
				t++;
			} else if (!*t && p == pe) {
				ok = true;
				break;
			} else if (star && *mark) {
				p = star + 1;
				t = ++mark;
			} else {
				ok = false;
				break;
			}
		}
		if (ok)
			return true;
		if (!bar)
			return false;
		alt = bar + 1;
	}
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void t_show(struct rw *w, const struct tl_trino_node *n, struct tl_dialect_out *out)
{
	const struct tl_dialect_catalog *cat = w->cat;
	const char *like = n->nkid > 1 && n->kid[1] ? n->kid[1]->text : NULL;
	const char **cells = ar(w, (cat->ntables * 3 + 64) * sizeof *cells);
	size_t nrows = 0;
	if (!strcmp(n->text, "TABLES")) {
		const char *db = n->kid[0] ? n->kid[0]->kid[n->kid[0]->nkid - 1]->text : cat->database;
		for (size_t i = 0; i < cat->ntables; i++)
			if ((!db || name_eq(cat->tables[i].db, db)) && (!like || like_hive(like, cat->tables[i].name)))
				cells[nrows++] = cat->tables[i].name;
		qsort(cells, nrows, sizeof *cells, cmp_strp);
		const char *names[] = { "tab_name" };
		listing(w, out, names, 1, cells, nrows);
	} else if (!strcmp(n->text, "SCHEMAS")) {
		for (size_t i = 0; i < cat->ntables; i++) {
			bool seen = false;
			for (size_t k = 0; k < nrows; k++)
				seen |= !strcmp(cells[k], cat->tables[i].db);
			if (!seen && (!like || like_hive(like, cat->tables[i].db)))
				cells[nrows++] = cat->tables[i].db;
		}
		qsort(cells, nrows, sizeof *cells, cmp_strp);
		const char *names[] = { "database_name" };
		listing(w, out, names, 1, cells, nrows);
	} else {
		const struct tl_dialect_table *t = find_table(w, n->kid[0]);
		cells = ar(w, (t->ncols * 3 + 1) * sizeof *cells);
		for (size_t i = 0; i < t->ncols; i++)
			cells[nrows++] = t->cols[i].name;
		const char *names[] = { "field" };
		listing(w, out, names, 1, cells, nrows);
	}
}

static void t_describe(struct rw *w, const struct tl_trino_node *n, struct tl_dialect_out *out)
{
	const struct tl_dialect_table *t = find_table(w, n->kid[0]);
	const char **cells = ar(w, (t->ncols * 3 + 1) * sizeof *cells);
	for (size_t i = 0; i < t->ncols; i++) {
		cells[3 * i] = t->cols[i].name;
		cells[3 * i + 1] = t->cols[i].type ? t->cols[i].type : "string";
		cells[3 * i + 2] = "";
	}
	const char *names[] = { "col_name", "data_type", "comment" };
	listing(w, out, names, 3, cells, t->ncols);
}

/* The type Trino gives a parameter's literal. */
static const struct ty *param_type(struct rw *w, const char *value)
{
	struct tl_sql_literal lit;
	char *why = NULL;
	const struct ty *t = &T_UNKNOWN;
	if (tl_sql_literal_parse(value, &lit, &why) < 0) {
		free(why);
		return t;
	}
	switch (lit.kind) {
	case TL_SQL_LIT_STRING: t = &T_VARCHAR; break;
	case TL_SQL_LIT_INTEGER: t = lit.i > 2147483647LL || lit.i < -2147483648LL ? &T_BIGINT : &T_INTEGER; break;
	case TL_SQL_LIT_NUMBER:
		t = strpbrk(lit.text, "eE") ? &T_DOUBLE : decimal_literal(w, NULL, lit.text[0] == '-' ? lit.text + 1 : lit.text).ty;
		break;
	case TL_SQL_LIT_BOOLEAN: t = &T_BOOLEAN; break;
	case TL_SQL_LIT_DATE: t = &T_DATE; break;
	case TL_SQL_LIT_TIMESTAMP: t = &T_TIMESTAMP; break;
	default: break;
	}
	tl_sql_literal_free(&lit);
	return t;
}

int tl_dialect_translate(const char *sql, const struct tl_dialect_catalog *cat,
			 const char *const *params, size_t nparams, struct tl_dialect_out *out,
			 char **err)
{
	memset(out, 0, sizeof *out);
	*err = NULL;
	struct tl_trino_tree *tree = tl_trino_parse(sql, err);
	if (!tree)
		return -1;
	/* on the heap: nothing the translation changes is an automatic variable here */
	struct rw *const w = xcalloc(1, sizeof *w);
	w->cat = cat;
	int rc = 0;
	if (setjmp(w->jb)) {
		*err = w->err;
		tl_dialect_out_free(out);
		rc = -1;
	} else {
		const struct tl_trino_node *root = tree->root;
		w->nparams = nparams;
		w->params = ar(w, (nparams + 1) * sizeof *w->params);
		for (size_t i = 0; i < nparams; i++)
			w->params[i] = param_type(w, params[i]);
		bool explain = root->kind == TL_TN_EXPLAIN;
		if (explain)
			root = root->kid[0];
		if (root->kind == TL_TN_SHOW) {
			t_show(w, root, out);
		} else if (root->kind == TL_TN_DESCRIBE) {
			t_describe(w, root, out);
		} else if (root->kind == TL_TN_EXPLAIN) {
			fail(w, root, "EXPLAIN of an EXPLAIN");
		} else {
			struct tl_buf *o = nb(w);
			struct qres res = { 0 };
			t_query(w, root, NULL, o, &res, true);
			out_cols(w, out, &res);
			out->sql = xstrdup(tl_buf_str(o));
		}
		if (explain) {
			char *e = xasprintf("EXPLAIN QUERY PLAN %s", out->sql);
			tl_dialect_out_free(out);
			out->sql = e;
		}
		out->nparams = tree->nparams;
	}
	rw_free(w);
	free(w);
	tl_trino_free(tree);
	return rc;
}

void tl_dialect_out_free(struct tl_dialect_out *out)
{
	for (size_t i = 0; i < out->ncols; i++) {
		if (out->names)
			free(out->names[i]);
		if (out->types)
			free(out->types[i]);
		if (out->formats)
			free(out->formats[i]);
	}
	free(out->names);
	free(out->types);
	free(out->formats);
	free(out->sql);
	memset(out, 0, sizeof *out);
}
