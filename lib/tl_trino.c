/* tl_trino.c: Trino's SQL (the SELECT side) into a tree (see tl_trino.h). A lexer makes the whole
 * token list first; a recursive-descent parser follows Trino's grammar (SqlBase.g4) rule by rule
 * with its precedence. Errors jump back to tl_trino_parse, which frees what was made. */
#include "tl_trino.h"

#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_str.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 200

enum tk { K_EOF, K_WORD, K_QNAME, K_STRING, K_INT, K_DECIMAL, K_DOUBLE, K_PARAM, K_OP };

struct tok {
	enum tk t;
	char *s;        /* word as written, decoded string or name, number, operator */
	int line, col;
};

struct parser {
	const char *src;
	struct tok *t;
	size_t n, i;
	struct tl_trino_tree *tree;
	jmp_buf jb;
	char *err;
	int depth;
};

/* ---- errors ---- */

__attribute__((format(printf, 4, 5), noreturn))
static void fail_at(struct parser *p, int line, int col, const char *fmt, ...)
{
	va_list ap;
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addf(&b, "line %d, column %d: ", line, col);
	va_start(ap, fmt);
	tl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	p->err = tl_buf_detach(&b, NULL);
	longjmp(p->jb, 1);
}

/* How a token reads in a message. */
static char *tok_desc(const struct tok *t)
{
	switch (t->t) {
	case K_EOF: return xstrdup("the end of the statement");
	case K_STRING: return xasprintf("the string '%.40s'", t->s);
	case K_QNAME: return xasprintf("\"%.40s\"", t->s);
	case K_PARAM: return xstrdup("'?'");
	default: return xasprintf("'%.40s'", t->s);
	}
}

__attribute__((noreturn))
static void expected(struct parser *p, const char *what)
{
	const struct tok *t = &p->t[p->i];
	char *d = tok_desc(t);
	char msg[256];
	snprintf(msg, sizeof msg, "expected %s, found %s", what, d);
	free(d);
	fail_at(p, t->line, t->col, "%s", msg);
}

/* ---- lexer ---- */

struct lexer {
	const char *s;
	size_t i;
	int line, col;
	struct tok *t;
	size_t n, cap;
};

static void lx_advance(struct lexer *l, size_t k)
{
	while (k--) {
		unsigned char c = (unsigned char)l->s[l->i++];
		if (c == '\n') {
			l->line++;
			l->col = 1;
		} else if ((c & 0xC0) != 0x80) {
			l->col++;
		}
	}
}

static void lx_push(struct lexer *l, enum tk t, char *s, int line, int col)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->t = xrealloc(l->t, l->cap * sizeof *l->t);
	}
	l->t[l->n++] = (struct tok){ t, s, line, col };
}

/* A quoted run from the quote at l->s[l->i]; the doubled quote stands for itself. */
static char *lx_quoted(struct parser *p, struct lexer *l, char q, const char *what)
{
	int line = l->line, col = l->col;
	struct tl_buf b = TL_BUF_INIT;
	lx_advance(l, 1);
	for (;;) {
		char c = l->s[l->i];
		if (!c) {
			tl_buf_release(&b);
			fail_at(p, line, col, "unterminated %s", what);
		}
		if (c == q) {
			if (l->s[l->i + 1] == q) {
				tl_buf_addc(&b, q);
				lx_advance(l, 2);
				continue;
			}
			lx_advance(l, 1);
			break;
		}
		tl_buf_addc(&b, c);
		lx_advance(l, 1);
	}
	if (!b.data)
		tl_buf_adds(&b, "");
	return tl_buf_detach(&b, NULL);
}

/* U&'...' [UESCAPE 'c']: escape \XXXX or \+XXXXXX (hex code points), \\ for itself. */
static char *lx_unicode(struct parser *p, struct lexer *l, int line, int col)
{
	char *raw = lx_quoted(p, l, '\'', "string");
	char esc = '\\';
	size_t save = l->i;
	int sl = l->line, sc = l->col;
	while (l->s[l->i] == ' ' || l->s[l->i] == '\t' || l->s[l->i] == '\n' || l->s[l->i] == '\r')
		lx_advance(l, 1);
	if (!strncasecmp(l->s + l->i, "UESCAPE", 7) && !isalnum((unsigned char)l->s[l->i + 7])) {
		lx_advance(l, 7);
		while (l->s[l->i] == ' ' || l->s[l->i] == '\t' || l->s[l->i] == '\n')
			lx_advance(l, 1);
		if (l->s[l->i] != '\'') {
			free(raw);
			fail_at(p, l->line, l->col, "expected a string after UESCAPE");
		}
		char *e = lx_quoted(p, l, '\'', "string");
		if (strlen(e) != 1 || strchr("+'\" \t\n\r0123456789abcdefABCDEF", e[0])) {
			free(e);
			free(raw);
			fail_at(p, line, col, "invalid Unicode escape character");
		}
		esc = e[0];
		free(e);
	} else {
		l->i = save;
		l->line = sl;
		l->col = sc;
	}
	struct tl_buf b = TL_BUF_INIT;
	for (const char *q = raw; *q; q++) {
		if (*q != esc) {
			tl_buf_addc(&b, *q);
			continue;
		}
		if (q[1] == esc) {
			tl_buf_addc(&b, esc);
			q++;
			continue;
		}
		int nd = q[1] == '+' ? 6 : 4;
		const char *h = q + 1 + (q[1] == '+');
		unsigned long cp = 0;
		for (int k = 0; k < nd; k++) {
			int v = tl_hexval((unsigned char)h[k]);
			if (v < 0) {
				free(raw);
				tl_buf_release(&b);
				fail_at(p, line, col, "invalid Unicode escape in a U& string");
			}
			cp = cp * 16 + (unsigned long)v;
		}
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0) {
			free(raw);
			tl_buf_release(&b);
			fail_at(p, line, col, "invalid Unicode code point in a U& string");
		}
		char u[4];
		tl_buf_add(&b, u, tl_utf8_put(u, cp));
		q = h + nd - 1;
	}
	free(raw);
	if (!b.data)
		tl_buf_adds(&b, "");
	return tl_buf_detach(&b, NULL);
}

static void lex(struct parser *p, struct lexer *l)
{
	static const char *const ops2[] = { "<>", "!=", "<=", ">=", "||", "->", "=>" };
	for (;;) {
		const char *s = l->s;
		char c = s[l->i];
		int line = l->line, col = l->col;
		if (!c)
			break;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			lx_advance(l, 1);
		} else if (c == '-' && s[l->i + 1] == '-') {
			while (s[l->i] && s[l->i] != '\n')
				lx_advance(l, 1);
		} else if (c == '/' && s[l->i + 1] == '*') {
			lx_advance(l, 2);
			while (s[l->i] && !(s[l->i] == '*' && s[l->i + 1] == '/'))
				lx_advance(l, 1);
			if (!s[l->i])
				fail_at(p, line, col, "unterminated comment");
			lx_advance(l, 2);
		} else if (c == '\'') {
			lx_push(l, K_STRING, lx_quoted(p, l, '\'', "string"), line, col);
		} else if ((c == 'U' || c == 'u') && s[l->i + 1] == '&' && s[l->i + 2] == '\'') {
			lx_advance(l, 2);
			lx_push(l, K_STRING, lx_unicode(p, l, line, col), line, col);
		} else if ((c == 'X' || c == 'x') && s[l->i + 1] == '\'') {
			fail_at(p, line, col, "binary literals (X'...') are not supported offline");
		} else if (c == '"') {
			char *name = lx_quoted(p, l, '"', "quoted name");
			if (!*name) {
				free(name);
				fail_at(p, line, col, "a quoted name may not be empty");
			}
			lx_push(l, K_QNAME, name, line, col);
		} else if (c == '`') {
			fail_at(p, line, col, "backquoted names are not Trino's: quote names with double "
					      "quotes (\"name\")");
		} else if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)s[l->i + 1]))) {
			size_t j = l->i;
			enum tk kind = K_INT;
			while (isdigit((unsigned char)s[j]))
				j++;
			if (s[j] == '.') {
				kind = K_DECIMAL;
				j++;
				while (isdigit((unsigned char)s[j]))
					j++;
			}
			if ((s[j] == 'e' || s[j] == 'E') &&
			    (isdigit((unsigned char)s[j + 1]) ||
			     ((s[j + 1] == '+' || s[j + 1] == '-') && isdigit((unsigned char)s[j + 2])))) {
				kind = K_DOUBLE;
				j += 2;
				while (isdigit((unsigned char)s[j]))
					j++;
			}
			if (isalpha((unsigned char)s[j]) || s[j] == '_')
				fail_at(p, line, col, "names must not start with a digit; quote the name "
						      "with double quotes");
			lx_push(l, kind, xstrndup(s + l->i, j - l->i), line, col);
			lx_advance(l, j - l->i);
		} else if (isalpha((unsigned char)c) || c == '_') {
			size_t j = l->i;
			while (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '@' || s[j] == ':')
				j++;
			lx_push(l, K_WORD, xstrndup(s + l->i, j - l->i), line, col);
			lx_advance(l, j - l->i);
		} else if (c == '?') {
			lx_push(l, K_PARAM, xstrdup("?"), line, col);
			lx_advance(l, 1);
		} else {
			size_t k;
			for (k = 0; k < sizeof ops2 / sizeof *ops2; k++)
				if (c == ops2[k][0] && s[l->i + 1] == ops2[k][1])
					break;
			if (k < sizeof ops2 / sizeof *ops2) {
				lx_push(l, K_OP, xstrdup(ops2[k]), line, col);
				lx_advance(l, 2);
			} else if (strchr("=<>+-*/%(),.[];", c)) {
				lx_push(l, K_OP, xstrndup(&c, 1), line, col);
				lx_advance(l, 1);
			} else {
				size_t n = tl_utf8_seq((const unsigned char *)s + l->i, strlen(s + l->i));
				fail_at(p, line, col, "unexpected character '%.*s'", (int)(n ? n : 1),
					s + l->i);
			}
		}
	}
	lx_push(l, K_EOF, xstrdup(""), l->line, l->col);
}

/* ---- reserved words ---- */

static const char *const reserved[] = {
	"ALTER", "AND", "AS", "BETWEEN", "BY", "CASE", "CAST", "CONSTRAINT", "CREATE", "CROSS",
	"CUBE", "CURRENT_CATALOG", "CURRENT_DATE", "CURRENT_PATH", "CURRENT_ROLE",
	"CURRENT_SCHEMA", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER", "DEALLOCATE",
	"DELETE", "DESCRIBE", "DISTINCT", "DROP", "ELSE", "END", "ESCAPE", "EXCEPT", "EXECUTE",
	"EXISTS", "EXTRACT", "FALSE", "FOR", "FROM", "FULL", "GROUP", "GROUPING", "HAVING", "IN",
	"INNER", "INSERT", "INTERSECT", "INTO", "IS", "JOIN", "JSON_ARRAY", "JSON_EXISTS",
	"JSON_OBJECT", "JSON_QUERY", "JSON_TABLE", "JSON_VALUE", "LEFT", "LIKE", "LISTAGG",
	"LOCALTIME", "LOCALTIMESTAMP", "NATURAL", "NORMALIZE", "NOT", "NULL", "ON", "OR", "ORDER",
	"OUTER", "PREPARE", "RECURSIVE", "RIGHT", "ROLLUP", "SELECT", "SKIP", "TABLE", "THEN",
	"TRIM", "TRUE", "UESCAPE", "UNION", "UNNEST", "USING", "VALUES", "WHEN", "WHERE", "WITH",
};

static int cmp_word(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

int tl_trino_reserved(const char *word)
{
	return bsearch(&word, reserved, sizeof reserved / sizeof *reserved, sizeof *reserved,
		       cmp_word) != NULL;
}

/* ---- parser helpers ---- */

static struct tok *peek(struct parser *p, size_t k)
{
	size_t j = p->i + k;
	return &p->t[j < p->n ? j : p->n - 1];
}

static bool tok_kw(const struct tok *t, const char *kw)
{
	return t->t == K_WORD && !strcasecmp(t->s, kw);
}

static bool tok_op(const struct tok *t, const char *op)
{
	return t->t == K_OP && !strcmp(t->s, op);
}

static bool is_kw(struct parser *p, const char *kw)
{
	return tok_kw(peek(p, 0), kw);
}

static bool is_op(struct parser *p, const char *op)
{
	return tok_op(peek(p, 0), op);
}

static bool accept_kw(struct parser *p, const char *kw)
{
	if (!is_kw(p, kw))
		return false;
	p->i++;
	return true;
}

static bool accept_op(struct parser *p, const char *op)
{
	if (!is_op(p, op))
		return false;
	p->i++;
	return true;
}

static void expect_kw(struct parser *p, const char *kw)
{
	if (!accept_kw(p, kw)) {
		char what[64];
		snprintf(what, sizeof what, "%s", kw);
		expected(p, what);
	}
}

static void expect_op(struct parser *p, const char *op)
{
	if (!accept_op(p, op)) {
		char what[16];
		snprintf(what, sizeof what, "'%s'", op);
		expected(p, what);
	}
}

__attribute__((noreturn))
static void unsupported(struct parser *p, const struct tok *t, const char *what)
{
	fail_at(p, t->line, t->col, "%s not supported offline", what);
}

static struct tl_trino_node *node(struct parser *p, enum tl_trino_kind kind, const struct tok *at)
{
	struct tl_trino_tree *tr = p->tree;
	struct tl_trino_node *n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->line = at->line;
	n->col = at->col;
	if (tr->nall == tr->aall) {
		tr->aall = tr->aall ? tr->aall * 2 : 64;
		tr->all = xrealloc(tr->all, tr->aall * sizeof *tr->all);
	}
	tr->all[tr->nall++] = n;
	return n;
}

static void add(struct tl_trino_node *n, struct tl_trino_node *k)
{
	n->kid = xrealloc(n->kid, (n->nkid + 1) * sizeof *n->kid);
	n->kid[n->nkid++] = k;
}

static struct tl_trino_node *node_text(struct parser *p, enum tl_trino_kind kind,
				       const struct tok *at, const char *text)
{
	struct tl_trino_node *n = node(p, kind, at);
	n->text = text ? xstrdup(text) : NULL;
	return n;
}

static void enter(struct parser *p)
{
	if (++p->depth > MAX_DEPTH) {
		const struct tok *t = peek(p, 0);
		fail_at(p, t->line, t->col, "the statement is nested too deeply (more than %d levels)",
			MAX_DEPTH);
	}
}

static void leave(struct parser *p)
{
	p->depth--;
}

/* A name: an unquoted word that is not reserved, or a quoted name. */
static bool is_name(const struct tok *t)
{
	return t->t == K_QNAME || (t->t == K_WORD && !tl_trino_reserved(t->s));
}

static struct tl_trino_node *ident(struct parser *p, const char *what)
{
	struct tok *t = peek(p, 0);
	if (t->t == K_WORD && tl_trino_reserved(t->s)) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s ('%s' is a reserved word: quote it, \"%s\")", what,
			 t->s, t->s);
		expected(p, msg);
	}
	if (!is_name(t))
		expected(p, what);
	p->i++;
	struct tl_trino_node *n = node_text(p, TL_TN_IDENT, t, t->s);
	if (t->t == K_QNAME)
		n->flags |= TL_TF_QUOTED;
	return n;
}

static struct tl_trino_node *qualified_name(struct parser *p, const char *what)
{
	struct tl_trino_node *n = node(p, TL_TN_NAME, peek(p, 0));
	add(n, ident(p, what));
	while (is_op(p, ".") && peek(p, 1)->t != K_OP) {
		p->i++;
		add(n, ident(p, "a name after '.'"));
	}
	return n;
}

/* ---- types ---- */

static struct tl_trino_node *parse_type(struct parser *p);

static struct tl_trino_node *int_param(struct parser *p)
{
	struct tok *t = peek(p, 0);
	if (t->t != K_INT)
		expected(p, "a number");
	p->i++;
	return node_text(p, TL_TN_INT, t, t->s);
}

static struct tl_trino_node *parse_type(struct parser *p)
{
	enter(p);
	struct tok *t = peek(p, 0);
	if (t->t != K_WORD)
		expected(p, "a type");
	p->i++;
	char base[64];
	snprintf(base, sizeof base, "%s", t->s);
	for (char *c = base; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	struct tl_trino_node *n = node_text(p, TL_TN_TYPE, t, base);
	if (!strcmp(base, "array")) {
		const char *close = ">";
		if (!accept_op(p, "<")) {
			expect_op(p, "(");
			close = ")";
		}
		add(n, parse_type(p));
		expect_op(p, close);
	} else if (!strcmp(base, "map")) {
		const char *close = ">";
		if (!accept_op(p, "<")) {
			expect_op(p, "(");
			close = ")";
		}
		add(n, parse_type(p));
		expect_op(p, ",");
		add(n, parse_type(p));
		expect_op(p, close);
	} else if (!strcmp(base, "row") || !strcmp(base, "struct")) {
		free(n->text);
		n->text = xstrdup("row");
		bool angle = accept_op(p, "<");
		if (!angle)
			expect_op(p, "(");
		do {
			struct tok *f = peek(p, 0);
			struct tl_trino_node *fld = node(p, TL_TN_FIELD, f);
			/* "name type" or just "type": a name is followed by a type word */
			if (is_name(f) && (peek(p, 1)->t == K_WORD || (angle && tok_op(peek(p, 1), ":")))) {
				fld->text = xstrdup(f->s);
				p->i++;
				accept_op(p, ":");
			}
			add(fld, parse_type(p));
			add(n, fld);
		} while (accept_op(p, ","));
		expect_op(p, angle ? ">" : ")");
	} else if (!strcmp(base, "double")) {
		accept_kw(p, "precision");
	} else if (!strcmp(base, "interval")) {
		struct tok *from = peek(p, 0);
		if (!tok_kw(from, "day") && !tok_kw(from, "year"))
			expected(p, "DAY TO SECOND or YEAR TO MONTH");
		p->i++;
		expect_kw(p, "to");
		bool day = tok_kw(from, "day");
		expect_kw(p, day ? "second" : "month");
		free(n->text);
		n->text = xstrdup(day ? "interval day to second" : "interval year to month");
	} else {
		if (accept_op(p, "(")) {
			do
				add(n, int_param(p));
			while (accept_op(p, ","));
			expect_op(p, ")");
		}
		if ((!strcmp(base, "timestamp") || !strcmp(base, "time")) &&
		    (is_kw(p, "with") || is_kw(p, "without"))) {
			bool with = accept_kw(p, "with");
			if (!with)
				p->i++;
			expect_kw(p, "time");
			expect_kw(p, "zone");
			if (with) {
				char *nt = xasprintf("%s with time zone", n->text);
				free(n->text);
				n->text = nt;
			}
		}
	}
	leave(p);
	return n;
}

/* ---- expressions ---- */

static struct tl_trino_node *expr(struct parser *p);
static struct tl_trino_node *query(struct parser *p);
static struct tl_trino_node *value_expr(struct parser *p);
static struct tl_trino_node *primary(struct parser *p);

static bool starts_query(struct parser *p, size_t k)
{
	const struct tok *t = peek(p, k);
	return tok_kw(t, "select") || tok_kw(t, "with") || tok_kw(t, "values") ||
	       tok_kw(t, "table");
}

static struct tl_trino_node *sort_items(struct parser *p)
{
	struct tl_trino_node *l = node(p, TL_TN_LIST, peek(p, 0));
	do {
		struct tl_trino_node *s = node(p, TL_TN_SORT, peek(p, 0));
		add(s, expr(p));
		if (accept_kw(p, "desc"))
			s->flags |= TL_TF_DESC;
		else
			accept_kw(p, "asc");
		if (accept_kw(p, "nulls")) {
			if (accept_kw(p, "first"))
				s->flags |= TL_TF_NULLS_FIRST;
			else if (accept_kw(p, "last"))
				s->flags |= TL_TF_NULLS_LAST;
			else
				expected(p, "FIRST or LAST");
		}
		add(l, s);
	} while (accept_op(p, ","));
	return l;
}

static struct tl_trino_node *expr_list(struct parser *p)
{
	struct tl_trino_node *l = node(p, TL_TN_LIST, peek(p, 0));
	do
		add(l, expr(p));
	while (accept_op(p, ","));
	return l;
}

static struct tl_trino_node *frame_bound(struct parser *p)
{
	struct tok *t = peek(p, 0);
	struct tl_trino_node *b = node(p, TL_TN_BOUND, t);
	if (accept_kw(p, "unbounded")) {
		if (accept_kw(p, "preceding"))
			b->text = xstrdup("UNBOUNDED PRECEDING");
		else if (accept_kw(p, "following"))
			b->text = xstrdup("UNBOUNDED FOLLOWING");
		else
			expected(p, "PRECEDING or FOLLOWING");
	} else if (accept_kw(p, "current")) {
		expect_kw(p, "row");
		b->text = xstrdup("CURRENT ROW");
	} else {
		add(b, value_expr(p));
		if (accept_kw(p, "preceding"))
			b->text = xstrdup("PRECEDING");
		else if (accept_kw(p, "following"))
			b->text = xstrdup("FOLLOWING");
		else
			expected(p, "PRECEDING or FOLLOWING");
	}
	return b;
}

/* The inside of OVER ( ... ) or WINDOW w AS ( ... ), from after '('. */
static struct tl_trino_node *window_spec(struct parser *p, const struct tok *at)
{
	struct tl_trino_node *w = node(p, TL_TN_WINDOW, at);
	struct tok *t = peek(p, 0);
	if (is_name(t) && !tok_kw(t, "partition") && !tok_kw(t, "order") && !tok_kw(t, "rows") &&
	    !tok_kw(t, "range") && !tok_kw(t, "groups") && !tok_kw(t, "measures")) {
		w->text = xstrdup(t->s);
		p->i++;
	}
	struct tl_trino_node *part = NULL, *order = NULL, *frame = NULL;
	if (accept_kw(p, "partition")) {
		expect_kw(p, "by");
		part = expr_list(p);
	}
	if (accept_kw(p, "order")) {
		expect_kw(p, "by");
		order = sort_items(p);
	}
	if (is_kw(p, "measures") || is_kw(p, "pattern"))
		unsupported(p, peek(p, 0), "row pattern recognition in windows is");
	struct tok *ft = peek(p, 0);
	if (tok_kw(ft, "rows") || tok_kw(ft, "range") || tok_kw(ft, "groups")) {
		p->i++;
		frame = node(p, TL_TN_FRAME, ft);
		frame->text = xstrdup(tok_kw(ft, "rows") ? "ROWS" : tok_kw(ft, "range") ? "RANGE"
											 : "GROUPS");
		if (accept_kw(p, "between")) {
			add(frame, frame_bound(p));
			expect_kw(p, "and");
			add(frame, frame_bound(p));
		} else {
			add(frame, frame_bound(p));
			add(frame, NULL);
		}
	}
	expect_op(p, ")");
	add(w, part);
	add(w, order);
	add(w, frame);
	return w;
}

/* A function call, from its name (already consumed) and '(' (not yet). */
static struct tl_trino_node *call(struct parser *p, const struct tok *name)
{
	struct tl_trino_node *c = node(p, TL_TN_CALL, name);
	c->text = xstrdup(name->s);
	for (char *q = c->text; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	expect_op(p, "(");
	struct tl_trino_node *args = node(p, TL_TN_LIST, peek(p, 0)), *order = NULL;
	if (is_op(p, "*") && tok_op(peek(p, 1), ")")) {
		p->i++;
		c->flags |= TL_TF_STAR;
	} else if (!is_op(p, ")")) {
		if (accept_kw(p, "distinct"))
			c->flags |= TL_TF_DISTINCT;
		else
			accept_kw(p, "all");
		do {
			if (peek(p, 0)->t == K_WORD && tok_op(peek(p, 1), "=>"))
				unsupported(p, peek(p, 0), "named arguments (=>) are");
			add(args, expr(p));
		} while (accept_op(p, ","));
		if (accept_kw(p, "order")) {
			expect_kw(p, "by");
			order = sort_items(p);
		}
	}
	expect_op(p, ")");
	struct tl_trino_node *filter = NULL, *over = NULL;
	if (is_kw(p, "filter") && tok_op(peek(p, 1), "(")) {
		p->i += 2;
		expect_kw(p, "where");
		filter = expr(p);
		expect_op(p, ")");
	}
	if (is_kw(p, "ignore") || is_kw(p, "respect")) {
		if (accept_kw(p, "ignore"))
			c->flags |= TL_TF_IGNORE_NULLS;
		else
			p->i++;
		expect_kw(p, "nulls");
	}
	if (is_kw(p, "over")) {
		struct tok *ot = peek(p, 0);
		p->i++;
		if (accept_op(p, "(")) {
			over = window_spec(p, ot);
		} else {
			struct tok *wn = peek(p, 0);
			if (!is_name(wn))
				expected(p, "a window name or '('");
			p->i++;
			over = node_text(p, TL_TN_WINDOW, wn, wn->s);
			add(over, NULL);
			add(over, NULL);
			add(over, NULL);
		}
	}
	add(c, args);
	add(c, filter);
	add(c, over);
	add(c, order);
	return c;
}

static struct tl_trino_node *interval_literal(struct parser *p, const struct tok *at)
{
	static const char *const units[] = { "year", "month", "day", "hour", "minute", "second" };
	struct tl_trino_node *n = node(p, TL_TN_INTERVAL, at);
	if (accept_op(p, "-"))
		n->flags |= TL_TF_NEGATIVE;
	else
		accept_op(p, "+");
	struct tok *v = peek(p, 0);
	if (v->t != K_STRING)
		expected(p, "the interval's value as a string ('1')");
	p->i++;
	n->text = xstrdup(v->s);
	for (int k = 0; k < 2; k++) {
		if (k == 1 && !accept_kw(p, "to")) {
			add(n, NULL);
			break;
		}
		struct tok *u = peek(p, 0);
		size_t j;
		for (j = 0; j < sizeof units / sizeof *units; j++)
			if (tok_kw(u, units[j]))
				break;
		if (j == sizeof units / sizeof *units)
			expected(p, "YEAR, MONTH, DAY, HOUR, MINUTE or SECOND");
		p->i++;
		add(n, node_text(p, TL_TN_IDENT, u, units[j]));
	}
	return n;
}

/* Lambda ahead: x -> or (x, y) -> */
static bool lambda_ahead(struct parser *p)
{
	if (is_name(peek(p, 0)) && tok_op(peek(p, 1), "->"))
		return true;
	if (!is_op(p, "("))
		return false;
	size_t k = 1;
	if (tok_op(peek(p, 1), ")"))
		return tok_op(peek(p, 2), "->");
	for (;;) {
		if (!is_name(peek(p, k)))
			return false;
		k++;
		if (tok_op(peek(p, k), ")"))
			return tok_op(peek(p, k + 1), "->");
		if (!tok_op(peek(p, k), ","))
			return false;
		k++;
	}
}

static struct tl_trino_node *lambda(struct parser *p)
{
	struct tok *at = peek(p, 0);
	struct tl_trino_node *l = node(p, TL_TN_LAMBDA, at), *params = node(p, TL_TN_LIST, at);
	if (accept_op(p, "(")) {
		if (!is_op(p, ")"))
			do
				add(params, ident(p, "a lambda parameter"));
			while (accept_op(p, ","));
		expect_op(p, ")");
	} else {
		add(params, ident(p, "a lambda parameter"));
	}
	expect_op(p, "->");
	add(l, params);
	add(l, expr(p));
	return l;
}

static const char *const typed_literal_types[] = {
	"date", "time", "timestamp", "decimal", "real", "double", "bigint", "integer", "int",
	"smallint", "tinyint", "varchar", "char", "json", "boolean",
};

static bool is_typed_literal_type(const struct tok *t)
{
	for (size_t k = 0; k < sizeof typed_literal_types / sizeof *typed_literal_types; k++)
		if (tok_kw(t, typed_literal_types[k]))
			return true;
	return false;
}

static struct tl_trino_node *special_form(struct parser *p, struct tok *t)
{
	/* EXTRACT(field FROM x) */
	if (tok_kw(t, "extract")) {
		p->i++;
		expect_op(p, "(");
		struct tok *f = peek(p, 0);
		if (f->t != K_WORD)
			expected(p, "a field (YEAR, MONTH, DAY, HOUR, ...)");
		p->i++;
		struct tl_trino_node *n = node_text(p, TL_TN_EXTRACT, t, f->s);
		for (char *q = n->text; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		expect_kw(p, "from");
		add(n, value_expr(p));
		expect_op(p, ")");
		return n;
	}
	/* POSITION(needle IN haystack) = strpos(haystack, needle) */
	if (tok_kw(t, "position") && tok_op(peek(p, 1), "(")) {
		p->i += 2;
		struct tl_trino_node *n = node_text(p, TL_TN_CALL, t, "strpos");
		struct tl_trino_node *args = node(p, TL_TN_LIST, t);
		struct tl_trino_node *needle = value_expr(p);
		expect_kw(p, "in");
		add(args, value_expr(p));
		add(args, needle);
		expect_op(p, ")");
		add(n, args);
		add(n, NULL);
		add(n, NULL);
		add(n, NULL);
		return n;
	}
	/* SUBSTRING(x FROM a [FOR b]) or substring(x, a[, b]) */
	if (tok_kw(t, "substring") && tok_op(peek(p, 1), "(")) {
		size_t save = p->i;
		int nparams = p->tree->nparams;
		p->i += 2;
		struct tl_trino_node *s = value_expr(p);
		if (!accept_kw(p, "from")) {
			p->i = save + 1;
			p->tree->nparams = nparams; /* the ? in it are read again */
			return call(p, t);
		}
		struct tl_trino_node *n = node_text(p, TL_TN_CALL, t, "substr");
		struct tl_trino_node *args = node(p, TL_TN_LIST, t);
		add(args, s);
		add(args, value_expr(p));
		if (accept_kw(p, "for"))
			add(args, value_expr(p));
		expect_op(p, ")");
		add(n, args);
		add(n, NULL);
		add(n, NULL);
		add(n, NULL);
		return n;
	}
	/* TRIM([[BOTH|LEADING|TRAILING] [chars] FROM] x) */
	if (tok_kw(t, "trim")) {
		p->i++;
		expect_op(p, "(");
		const char *fn = "trim";
		bool spec = false;
		if (accept_kw(p, "both"))
			spec = true;
		else if (accept_kw(p, "leading"))
			fn = "ltrim", spec = true;
		else if (accept_kw(p, "trailing"))
			fn = "rtrim", spec = true;
		struct tl_trino_node *n = node_text(p, TL_TN_CALL, t, fn);
		struct tl_trino_node *args = node(p, TL_TN_LIST, t);
		struct tl_trino_node *chars = NULL, *src;
		if (spec && accept_kw(p, "from")) {
			src = value_expr(p);
		} else {
			struct tl_trino_node *first = value_expr(p);
			if (accept_kw(p, "from")) {
				chars = first;
				src = value_expr(p);
			} else if (!spec && accept_op(p, ",")) {
				src = first;
				chars = value_expr(p);
				add(args, src);
				add(args, chars);
				expect_op(p, ")");
				add(n, args);
				add(n, NULL);
				add(n, NULL);
				add(n, NULL);
				return n;
			} else {
				if (spec)
					expected(p, "FROM");
				src = first;
			}
		}
		expect_op(p, ")");
		add(args, src);
		if (chars)
			add(args, chars);
		add(n, args);
		add(n, NULL);
		add(n, NULL);
		add(n, NULL);
		return n;
	}
	if (tok_kw(t, "normalize"))
		unsupported(p, t, "normalize() is");
	if (tok_kw(t, "listagg"))
		unsupported(p, t, "listagg() is (use array_join(array_agg(x), ','))");
	if (tok_kw(t, "grouping"))
		unsupported(p, t, "grouping() is");
	if (tok_kw(t, "json_array") || tok_kw(t, "json_object") || tok_kw(t, "json_query") ||
	    tok_kw(t, "json_value") || tok_kw(t, "json_exists") || tok_kw(t, "json_table"))
		unsupported(p, t, "the SQL/JSON functions (json_query, json_value, ...) are");
	return NULL;
}

static struct tl_trino_node *primary(struct parser *p)
{
	struct tok *t = peek(p, 0);
	struct tl_trino_node *n;
	switch (t->t) {
	case K_INT:
		p->i++;
		return node_text(p, TL_TN_INT, t, t->s);
	case K_DECIMAL:
		p->i++;
		return node_text(p, TL_TN_DECIMAL, t, t->s);
	case K_DOUBLE:
		p->i++;
		return node_text(p, TL_TN_DOUBLE, t, t->s);
	case K_STRING:
		p->i++;
		return node_text(p, TL_TN_STRING, t, t->s);
	case K_PARAM:
		p->i++;
		n = node(p, TL_TN_PARAM, t);
		n->text = xasprintf("%d", ++p->tree->nparams);
		return n;
	case K_QNAME:
		if (tok_op(peek(p, 1), "->"))
			return lambda(p);
		p->i++;
		n = node_text(p, TL_TN_IDENT, t, t->s);
		n->flags |= TL_TF_QUOTED;
		return n;
	case K_OP:
		if (tok_op(t, "(")) {
			if (lambda_ahead(p))
				return lambda(p);
			if (starts_query(p, 1)) {
				p->i++;
				n = node(p, TL_TN_SCALAR, t);
				add(n, query(p));
				expect_op(p, ")");
				return n;
			}
			p->i++;
			struct tl_trino_node *first = expr(p);
			if (!accept_op(p, ",")) {
				expect_op(p, ")");
				return first;
			}
			n = node(p, TL_TN_ROW, t);
			add(n, first);
			do
				add(n, expr(p));
			while (accept_op(p, ","));
			expect_op(p, ")");
			return n;
		}
		expected(p, "an expression");
	case K_WORD:
		break;
	default:
		expected(p, "an expression");
	}
	/* words */
	if (tok_kw(t, "null")) {
		p->i++;
		return node(p, TL_TN_NULL, t);
	}
	if (tok_kw(t, "true") || tok_kw(t, "false")) {
		p->i++;
		n = node(p, TL_TN_BOOL, t);
		if (tok_kw(t, "true"))
			n->flags |= TL_TF_TRUE;
		return n;
	}
	if (tok_kw(t, "case")) {
		p->i++;
		n = node(p, TL_TN_CASE, t);
		struct tl_trino_node *operand = is_kw(p, "when") ? NULL : expr(p), *els = NULL;
		add(n, operand);
		add(n, NULL);
		if (!is_kw(p, "when"))
			expected(p, "WHEN");
		while (is_kw(p, "when")) {
			struct tl_trino_node *w = node(p, TL_TN_WHEN, peek(p, 0));
			p->i++;
			add(w, expr(p));
			expect_kw(p, "then");
			add(w, expr(p));
			add(n, w);
		}
		if (accept_kw(p, "else"))
			els = expr(p);
		expect_kw(p, "end");
		n->kid[1] = els;
		return n;
	}
	if (tok_kw(t, "cast") || tok_kw(t, "try_cast")) {
		p->i++;
		n = node(p, TL_TN_CAST, t);
		if (tok_kw(t, "try_cast"))
			n->flags |= TL_TF_TRY;
		expect_op(p, "(");
		add(n, expr(p));
		expect_kw(p, "as");
		add(n, parse_type(p));
		expect_op(p, ")");
		return n;
	}
	if (tok_kw(t, "exists") && tok_op(peek(p, 1), "(")) {
		p->i += 2;
		n = node(p, TL_TN_EXISTS, t);
		add(n, query(p));
		expect_op(p, ")");
		return n;
	}
	if (tok_kw(t, "array") && tok_op(peek(p, 1), "[")) {
		p->i += 2;
		n = node(p, TL_TN_ARRAY, t);
		if (!is_op(p, "]"))
			do
				add(n, expr(p));
			while (accept_op(p, ","));
		expect_op(p, "]");
		return n;
	}
	if (tok_kw(t, "row") && tok_op(peek(p, 1), "(")) {
		p->i += 2;
		n = node(p, TL_TN_ROW, t);
		do
			add(n, expr(p));
		while (accept_op(p, ","));
		expect_op(p, ")");
		return n;
	}
	if (tok_kw(t, "interval") && (peek(p, 1)->t == K_STRING || tok_op(peek(p, 1), "-") ||
				      tok_op(peek(p, 1), "+"))) {
		p->i++;
		return interval_literal(p, t);
	}
	if (is_typed_literal_type(t) && peek(p, 1)->t == K_STRING) {
		p->i++;
		struct tok *v = peek(p, 0);
		p->i++;
		n = node_text(p, TL_TN_TYPED, t, v->s);
		struct tl_trino_node *ty = node_text(p, TL_TN_TYPE, t, t->s);
		for (char *q = ty->text; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		if (!strcmp(ty->text, "double"))
			accept_kw(p, "precision");
		add(n, ty);
		return n;
	}
	if (tok_kw(t, "double") && tok_kw(peek(p, 1), "precision") && peek(p, 2)->t == K_STRING) {
		p->i += 2;
		struct tok *v = peek(p, 0);
		p->i++;
		n = node_text(p, TL_TN_TYPED, t, v->s);
		add(n, node_text(p, TL_TN_TYPE, t, "double"));
		return n;
	}
	static const char *const current[] = { "current_timestamp", "current_date", "current_time",
					       "localtimestamp", "localtime" };
	for (size_t k = 0; k < sizeof current / sizeof *current; k++) {
		if (!tok_kw(t, current[k]))
			continue;
		p->i++;
		n = node_text(p, TL_TN_CURRENT, t, current[k]);
		if (accept_op(p, "(")) {
			add(n, int_param(p));
			expect_op(p, ")");
		} else {
			add(n, NULL);
		}
		return n;
	}
	if (tok_kw(t, "current_user") || tok_kw(t, "current_role") || tok_kw(t, "current_catalog") ||
	    tok_kw(t, "current_schema") || tok_kw(t, "current_path"))
		unsupported(p, t, "session information (current_user, current_schema, ...) is");
	if ((n = special_form(p, t)))
		return n;
	if (is_name(t) && tok_op(peek(p, 1), "->"))
		return lambda(p);
	if (is_name(t) && tok_op(peek(p, 1), "(")) {
		p->i++;
		return call(p, t);
	}
	if (tl_trino_reserved(t->s))
		expected(p, "an expression");
	p->i++;
	return node_text(p, TL_TN_IDENT, t, t->s);
}

/* primary, then [index] and .field */
static struct tl_trino_node *postfix(struct parser *p)
{
	struct tl_trino_node *n = primary(p);
	for (;;) {
		struct tok *t = peek(p, 0);
		if (tok_op(t, "[")) {
			p->i++;
			struct tl_trino_node *s = node(p, TL_TN_SUBSCRIPT, t);
			add(s, n);
			add(s, expr(p));
			expect_op(p, "]");
			n = s;
		} else if (tok_op(t, ".") && !tok_op(peek(p, 1), "*")) {
			p->i++;
			struct tl_trino_node *f = ident(p, "a field name after '.'");
			struct tl_trino_node *d = node_text(p, TL_TN_DEREF, t, f->text);
			d->flags |= f->flags & TL_TF_QUOTED;
			d->line = n->line;
			d->col = n->col;
			add(d, n);
			n = d;
		} else {
			return n;
		}
	}
}

static struct tl_trino_node *at_time_zone(struct parser *p)
{
	struct tl_trino_node *n = postfix(p);
	while (is_kw(p, "at")) {
		struct tok *t = peek(p, 0);
		p->i++;
		if (accept_kw(p, "local"))
			unsupported(p, t, "AT LOCAL is");
		expect_kw(p, "time");
		expect_kw(p, "zone");
		struct tl_trino_node *a = node(p, TL_TN_ATTZ, t);
		add(a, n);
		if (is_kw(p, "interval")) {
			struct tok *it = peek(p, 0);
			p->i++;
			add(a, interval_literal(p, it));
		} else {
			add(a, postfix(p));
		}
		n = a;
	}
	return n;
}

static struct tl_trino_node *unary(struct parser *p)
{
	struct tok *t = peek(p, 0);
	if (tok_op(t, "-") || tok_op(t, "+")) {
		p->i++;
		enter(p);
		struct tl_trino_node *n = node_text(p, TL_TN_UNARY, t, t->s);
		add(n, unary(p));
		leave(p);
		return n;
	}
	return at_time_zone(p);
}

static struct tl_trino_node *binary(struct parser *p, struct tl_trino_node *l, struct tok *op,
				    struct tl_trino_node *r)
{
	struct tl_trino_node *n = node_text(p, TL_TN_BINARY, op, op->s);
	n->line = l->line;
	n->col = l->col;
	add(n, l);
	add(n, r);
	return n;
}

static struct tl_trino_node *multiplicative(struct parser *p)
{
	struct tl_trino_node *n = unary(p);
	while (is_op(p, "*") || is_op(p, "/") || is_op(p, "%")) {
		struct tok *op = peek(p, 0);
		p->i++;
		n = binary(p, n, op, unary(p));
	}
	return n;
}

static struct tl_trino_node *additive(struct parser *p)
{
	struct tl_trino_node *n = multiplicative(p);
	while (is_op(p, "+") || is_op(p, "-")) {
		struct tok *op = peek(p, 0);
		p->i++;
		n = binary(p, n, op, multiplicative(p));
	}
	return n;
}

static struct tl_trino_node *value_expr(struct parser *p)
{
	enter(p);
	struct tl_trino_node *n = additive(p);
	while (is_op(p, "||")) {
		struct tok *op = peek(p, 0);
		p->i++;
		n = binary(p, n, op, additive(p));
	}
	leave(p);
	return n;
}

static const char *comparison(const struct tok *t)
{
	static const char *const ops[] = { "=", "<>", "!=", "<", "<=", ">", ">=" };
	if (t->t != K_OP)
		return NULL;
	for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
		if (!strcmp(t->s, ops[k]))
			return !strcmp(ops[k], "!=") ? "<>" : ops[k];
	return NULL;
}

static struct tl_trino_node *predicate(struct parser *p)
{
	struct tl_trino_node *v = value_expr(p), *n;
	struct tok *t = peek(p, 0);
	const char *cmp = comparison(t);
	if (cmp) {
		p->i++;
		struct tok *q = peek(p, 0);
		if ((tok_kw(q, "any") || tok_kw(q, "some") || tok_kw(q, "all")) &&
		    tok_op(peek(p, 1), "(")) {
			p->i += 2;
			n = node_text(p, TL_TN_QUANTIFIED, t, cmp);
			if (tok_kw(q, "all"))
				n->flags |= TL_TF_ALL;
			add(n, v);
			add(n, query(p));
			expect_op(p, ")");
			return n;
		}
		n = node_text(p, TL_TN_BINARY, t, cmp);
		n->line = v->line;
		n->col = v->col;
		add(n, v);
		add(n, value_expr(p));
		return n;
	}
	bool neg = false;
	if (is_kw(p, "not") && (tok_kw(peek(p, 1), "between") || tok_kw(peek(p, 1), "in") ||
				tok_kw(peek(p, 1), "like"))) {
		neg = true;
		p->i++;
		t = peek(p, 0);
	}
	if (accept_kw(p, "between")) {
		n = node(p, TL_TN_BETWEEN, t);
		add(n, v);
		add(n, value_expr(p));
		expect_kw(p, "and");
		add(n, value_expr(p));
	} else if (accept_kw(p, "in")) {
		n = node(p, TL_TN_IN, t);
		add(n, v);
		expect_op(p, "(");
		add(n, starts_query(p, 0) ? query(p) : expr_list(p));
		expect_op(p, ")");
	} else if (accept_kw(p, "like")) {
		n = node(p, TL_TN_LIKE, t);
		add(n, v);
		add(n, value_expr(p));
		add(n, accept_kw(p, "escape") ? value_expr(p) : NULL);
	} else if (is_kw(p, "is")) {
		p->i++;
		bool isnot = accept_kw(p, "not");
		if (accept_kw(p, "null")) {
			n = node(p, TL_TN_ISNULL, t);
			add(n, v);
		} else if (accept_kw(p, "distinct")) {
			expect_kw(p, "from");
			n = node(p, TL_TN_DISTINCT, t);
			add(n, v);
			add(n, value_expr(p));
		} else if (is_kw(p, "json")) {
			unsupported(p, peek(p, 0), "IS JSON is");
		} else {
			expected(p, "NULL or DISTINCT FROM after IS");
		}
		if (isnot)
			n->flags |= TL_TF_NOT;
		n->line = v->line;
		n->col = v->col;
		return n;
	} else {
		return v;
	}
	if (neg)
		n->flags |= TL_TF_NOT;
	n->line = v->line;
	n->col = v->col;
	return n;
}

static struct tl_trino_node *not_expr(struct parser *p)
{
	struct tok *t = peek(p, 0);
	if (tok_kw(t, "not")) {
		p->i++;
		enter(p);
		struct tl_trino_node *n = node_text(p, TL_TN_UNARY, t, "NOT");
		add(n, not_expr(p));
		leave(p);
		return n;
	}
	return predicate(p);
}

static struct tl_trino_node *and_expr(struct parser *p)
{
	struct tl_trino_node *n = not_expr(p);
	while (is_kw(p, "and")) {
		struct tok *op = peek(p, 0);
		p->i++;
		struct tl_trino_node *b = node_text(p, TL_TN_BINARY, op, "AND");
		b->line = n->line;
		b->col = n->col;
		add(b, n);
		add(b, not_expr(p));
		n = b;
	}
	return n;
}

static struct tl_trino_node *expr(struct parser *p)
{
	enter(p);
	struct tl_trino_node *n = and_expr(p);
	while (is_kw(p, "or")) {
		struct tok *op = peek(p, 0);
		p->i++;
		struct tl_trino_node *b = node_text(p, TL_TN_BINARY, op, "OR");
		b->line = n->line;
		b->col = n->col;
		add(b, n);
		add(b, and_expr(p));
		n = b;
	}
	leave(p);
	return n;
}

/* ---- relations ---- */

static struct tl_trino_node *relation(struct parser *p);

/* Words that end a relation or a select item rather than name it without AS. */
static bool implicit_alias_ok(const struct tok *t)
{
	static const char *const clause[] = { "limit", "offset", "fetch", "window", "tablesample",
					      "match_recognize", "for" };
	if (!is_name(t))
		return false;
	if (t->t == K_QNAME)
		return true;
	for (size_t k = 0; k < sizeof clause / sizeof *clause; k++)
		if (tok_kw(t, clause[k]))
			return false;
	return true;
}

static struct tl_trino_node *alias_of(struct parser *p, struct tl_trino_node *rel)
{
	struct tok *t = peek(p, 0);
	bool as = accept_kw(p, "as");
	if (!as && !implicit_alias_ok(t))
		return rel;
	struct tl_trino_node *a = node(p, TL_TN_ALIASED, t), *name = ident(p, "an alias");
	a->text = xstrdup(name->text);
	a->flags |= name->flags & TL_TF_QUOTED;
	add(a, rel);
	if (accept_op(p, "(")) {
		struct tl_trino_node *cols = node(p, TL_TN_LIST, peek(p, 0));
		do
			add(cols, ident(p, "a column alias"));
		while (accept_op(p, ","));
		expect_op(p, ")");
		add(a, cols);
	} else {
		add(a, NULL);
	}
	return a;
}

static struct tl_trino_node *relation_primary(struct parser *p)
{
	struct tok *t = peek(p, 0);
	struct tl_trino_node *r;
	enter(p);
	if (tok_kw(t, "unnest")) {
		p->i++;
		r = node(p, TL_TN_UNNEST, t);
		expect_op(p, "(");
		do
			add(r, expr(p));
		while (accept_op(p, ","));
		expect_op(p, ")");
		if (accept_kw(p, "with")) {
			expect_kw(p, "ordinality");
			r->flags |= TL_TF_ORDINALITY;
		}
	} else if (tok_kw(t, "lateral") && tok_op(peek(p, 1), "(")) {
		p->i += 2;
		r = node(p, TL_TN_LATERAL, t);
		add(r, query(p));
		expect_op(p, ")");
	} else if (tok_op(t, "(")) {
		p->i++;
		if (starts_query(p, 0) || is_op(p, "(")) {
			r = node(p, TL_TN_SUBQUERY, t);
			add(r, query(p));
		} else {
			r = relation(p);
		}
		expect_op(p, ")");
	} else if (tok_kw(t, "table") && tok_op(peek(p, 1), "(")) {
		unsupported(p, t, "table functions (TABLE(...)) are");
	} else {
		r = qualified_name(p, "a table name");
	}
	if (is_kw(p, "tablesample"))
		unsupported(p, peek(p, 0), "TABLESAMPLE is");
	if (is_kw(p, "match_recognize"))
		unsupported(p, peek(p, 0), "MATCH_RECOGNIZE is");
	if (is_kw(p, "for") && (tok_kw(peek(p, 1), "version") || tok_kw(peek(p, 1), "timestamp")))
		unsupported(p, peek(p, 0), "time travel (FOR VERSION/TIMESTAMP AS OF) is");
	r = alias_of(p, r);
	leave(p);
	return r;
}

static struct tl_trino_node *relation(struct parser *p)
{
	struct tl_trino_node *left = relation_primary(p);
	for (;;) {
		struct tok *t = peek(p, 0);
		const char *kind = NULL;
		if (tok_kw(t, "natural"))
			unsupported(p, t, "NATURAL joins are");
		if (tok_kw(t, "cross") && tok_kw(peek(p, 1), "join")) {
			p->i += 2;
			kind = "CROSS";
		} else if (tok_kw(t, "join")) {
			p->i++;
			kind = "INNER";
		} else if (tok_kw(t, "inner")) {
			p->i++;
			expect_kw(p, "join");
			kind = "INNER";
		} else if (tok_kw(t, "left") || tok_kw(t, "right") || tok_kw(t, "full")) {
			p->i++;
			accept_kw(p, "outer");
			expect_kw(p, "join");
			kind = tok_kw(t, "left") ? "LEFT" : tok_kw(t, "right") ? "RIGHT" : "FULL";
		} else if (tok_kw(t, "asof")) {
			unsupported(p, t, "ASOF joins are");
		} else {
			return left;
		}
		struct tl_trino_node *j = node_text(p, TL_TN_JOIN, t, kind);
		add(j, left);
		add(j, relation_primary(p));
		if (strcmp(kind, "CROSS")) {
			if (accept_kw(p, "on")) {
				add(j, expr(p));
				add(j, NULL);
			} else if (accept_kw(p, "using")) {
				expect_op(p, "(");
				struct tl_trino_node *cols = node(p, TL_TN_LIST, peek(p, 0));
				do
					add(cols, ident(p, "a column name"));
				while (accept_op(p, ","));
				expect_op(p, ")");
				add(j, NULL);
				add(j, cols);
			} else {
				expected(p, "ON or USING");
			}
		} else {
			add(j, NULL);
			add(j, NULL);
		}
		left = j;
	}
}

/* ---- queries ---- */

static struct tl_trino_node *select_item(struct parser *p)
{
	struct tok *t = peek(p, 0);
	if (accept_op(p, "*")) {
		struct tl_trino_node *s = node(p, TL_TN_STAR, t);
		add(s, NULL);
		return s;
	}
	struct tl_trino_node *e = expr(p);
	if (is_op(p, ".") && tok_op(peek(p, 1), "*")) {
		p->i += 2;
		struct tl_trino_node *s = node(p, TL_TN_STAR, t);
		add(s, e);
		if (is_kw(p, "as") && tok_op(peek(p, 1), "("))
			unsupported(p, peek(p, 0), "column aliases after .* are");
		return s;
	}
	struct tl_trino_node *it = node(p, TL_TN_ITEM, t);
	struct tok *a = peek(p, 0);
	if (accept_kw(p, "as") || implicit_alias_ok(a)) {
		struct tl_trino_node *name = ident(p, "an alias");
		it->text = xstrdup(name->text);
		it->flags |= name->flags & TL_TF_QUOTED;
	}
	add(it, e);
	return it;
}

static struct tl_trino_node *query_spec(struct parser *p)
{
	struct tok *t = peek(p, 0);
	expect_kw(p, "select");
	struct tl_trino_node *s = node(p, TL_TN_SELECT, t);
	if (accept_kw(p, "distinct"))
		s->flags |= TL_TF_DISTINCT;
	else
		accept_kw(p, "all");
	struct tl_trino_node *items = node(p, TL_TN_LIST, peek(p, 0));
	do
		add(items, select_item(p));
	while (accept_op(p, ","));
	add(s, items);
	struct tl_trino_node *from = NULL;
	if (accept_kw(p, "from")) {
		from = relation(p);
		while (is_op(p, ",")) {
			struct tok *c = peek(p, 0);
			p->i++;
			struct tl_trino_node *j = node_text(p, TL_TN_JOIN, c, "CROSS");
			j->flags |= TL_TF_IMPLICIT;
			add(j, from);
			add(j, relation(p));
			add(j, NULL);
			add(j, NULL);
			from = j;
		}
	}
	add(s, from);
	add(s, accept_kw(p, "where") ? expr(p) : NULL);
	struct tl_trino_node *group = NULL;
	if (is_kw(p, "group")) {
		p->i++;
		expect_kw(p, "by");
		if (is_kw(p, "distinct"))
			unsupported(p, peek(p, 0), "GROUP BY DISTINCT is");
		accept_kw(p, "all");
		group = node(p, TL_TN_LIST, peek(p, 0));
		do {
			struct tok *g = peek(p, 0);
			if (tok_kw(g, "rollup") || tok_kw(g, "cube") ||
			    (tok_kw(g, "grouping") && tok_kw(peek(p, 1), "sets")))
				unsupported(p, g, tok_kw(g, "rollup") ? "ROLLUP is"
							: tok_kw(g, "cube") ? "CUBE is"
									     : "GROUPING SETS are");
			if (tok_op(g, "(") && tok_op(peek(p, 1), ")"))
				unsupported(p, g, "grouping by () is");
			add(group, expr(p));
		} while (accept_op(p, ","));
	}
	add(s, group);
	add(s, accept_kw(p, "having") ? expr(p) : NULL);
	struct tl_trino_node *windows = NULL;
	if (accept_kw(p, "window")) {
		windows = node(p, TL_TN_LIST, peek(p, 0));
		do {
			struct tok *wt = peek(p, 0);
			struct tl_trino_node *name = ident(p, "a window name");
			struct tl_trino_node *d = node_text(p, TL_TN_WINDEF, wt, name->text);
			expect_kw(p, "as");
			struct tok *ot = peek(p, 0);
			expect_op(p, "(");
			add(d, window_spec(p, ot));
			add(windows, d);
		} while (accept_op(p, ","));
	}
	add(s, windows);
	return s;
}

static struct tl_trino_node *query_no_with(struct parser *p);

static struct tl_trino_node *query_primary(struct parser *p)
{
	struct tok *t = peek(p, 0);
	if (tok_kw(t, "select"))
		return query_spec(p);
	if (tok_kw(t, "values")) {
		p->i++;
		struct tl_trino_node *v = node(p, TL_TN_VALUES, t);
		do
			add(v, expr(p));
		while (accept_op(p, ","));
		return v;
	}
	if (tok_kw(t, "table")) {
		p->i++;
		struct tl_trino_node *v = node(p, TL_TN_TABLE, t);
		add(v, qualified_name(p, "a table name"));
		return v;
	}
	if (tok_op(t, "(")) {
		p->i++;
		struct tl_trino_node *q = query(p);
		expect_op(p, ")");
		return q;
	}
	expected(p, "SELECT, VALUES, TABLE or '('");
}

static struct tl_trino_node *set_term(struct parser *p)
{
	enter(p);
	struct tl_trino_node *l = query_primary(p);
	while (is_kw(p, "intersect")) {
		struct tok *t = peek(p, 0);
		p->i++;
		struct tl_trino_node *s = node_text(p, TL_TN_SETOP, t, "INTERSECT");
		if (accept_kw(p, "all"))
			s->flags |= TL_TF_ALL;
		else
			accept_kw(p, "distinct");
		add(s, l);
		add(s, query_primary(p));
		l = s;
	}
	leave(p);
	return l;
}

static struct tl_trino_node *set_expr(struct parser *p)
{
	struct tl_trino_node *l = set_term(p);
	while (is_kw(p, "union") || is_kw(p, "except")) {
		struct tok *t = peek(p, 0);
		p->i++;
		struct tl_trino_node *s = node_text(p, TL_TN_SETOP, t, tok_kw(t, "union") ? "UNION"
										 : "EXCEPT");
		if (accept_kw(p, "all"))
			s->flags |= TL_TF_ALL;
		else
			accept_kw(p, "distinct");
		add(s, l);
		add(s, set_term(p));
		l = s;
	}
	return l;
}

static struct tl_trino_node *limit_count(struct parser *p)
{
	struct tok *t = peek(p, 0);
	if (t->t == K_INT || t->t == K_PARAM)
		return primary(p);
	expected(p, "a row count");
}

/* body [ORDER BY] [OFFSET n [ROW|ROWS]] [LIMIT n|ALL | FETCH FIRST|NEXT [n] ROW|ROWS ONLY] */
static struct tl_trino_node *query_no_with(struct parser *p)
{
	struct tok *t = peek(p, 0);
	struct tl_trino_node *q = node(p, TL_TN_QUERY, t);
	add(q, NULL);
	add(q, set_expr(p));
	struct tl_trino_node *order = NULL, *offset = NULL, *limit = NULL;
	if (accept_kw(p, "order")) {
		expect_kw(p, "by");
		order = sort_items(p);
	}
	if (accept_kw(p, "offset")) {
		offset = limit_count(p);
		if (!accept_kw(p, "rows"))
			accept_kw(p, "row");
	}
	if (accept_kw(p, "limit")) {
		if (!accept_kw(p, "all"))
			limit = limit_count(p);
	} else if (is_kw(p, "fetch")) {
		struct tok *ft = peek(p, 0);
		p->i++;
		if (!accept_kw(p, "first") && !accept_kw(p, "next"))
			expected(p, "FIRST or NEXT");
		if (is_kw(p, "row") || is_kw(p, "rows")) {
			limit = node_text(p, TL_TN_INT, ft, "1");
		} else {
			limit = limit_count(p);
		}
		if (!accept_kw(p, "rows"))
			expect_kw(p, "row");
		if (is_kw(p, "with"))
			unsupported(p, peek(p, 0), "FETCH ... WITH TIES is");
		expect_kw(p, "only");
	}
	add(q, order);
	add(q, offset);
	add(q, limit);
	return q;
}

static struct tl_trino_node *query(struct parser *p)
{
	struct tok *t = peek(p, 0);
	enter(p);
	struct tl_trino_node *with = NULL;
	if (accept_kw(p, "with")) {
		with = node(p, TL_TN_LIST, t);
		if (accept_kw(p, "recursive"))
			with->flags |= TL_TF_RECURSIVE;
		do {
			struct tok *ct = peek(p, 0);
			struct tl_trino_node *name = ident(p, "a name for the WITH query");
			struct tl_trino_node *cte = node_text(p, TL_TN_CTE, ct, name->text);
			cte->flags |= name->flags & TL_TF_QUOTED;
			struct tl_trino_node *cols = NULL;
			if (accept_op(p, "(")) {
				cols = node(p, TL_TN_LIST, peek(p, 0));
				do
					add(cols, ident(p, "a column name"));
				while (accept_op(p, ","));
				expect_op(p, ")");
			}
			expect_kw(p, "as");
			expect_op(p, "(");
			add(cte, cols);
			add(cte, query(p));
			expect_op(p, ")");
			add(with, cte);
		} while (accept_op(p, ","));
	}
	struct tl_trino_node *q = query_no_with(p);
	q->kid[0] = with;
	if (with) {
		q->line = t->line;
		q->col = t->col;
	}
	leave(p);
	return q;
}

/* ---- statements ---- */

/* Statements Athena runs that the local engine refuses: they write or change something. */
static const char *const writes[] = {
	"insert", "update", "delete", "merge", "create", "drop", "alter", "truncate", "grant",
	"revoke", "call", "set", "reset", "use", "prepare", "execute", "deallocate", "start",
	"commit", "rollback", "begin", "attach", "detach", "vacuum", "pragma", "reindex", "analyze",
	"replace", "savepoint", "release", "msck", "refresh", "comment", "unload", "optimize",
	"load",
};

static struct tl_trino_node *statement(struct parser *p)
{
	struct tok *t = peek(p, 0);
	enter(p);
	struct tl_trino_node *n;
	for (size_t k = 0; k < sizeof writes / sizeof *writes; k++) {
		if (!tok_kw(t, writes[k]))
			continue;
		char up[32];
		snprintf(up, sizeof up, "%s", t->s);
		for (char *c = up; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		fail_at(p, t->line, t->col, "%s is not allowed: the local engine reads the lake and "
			"nothing else (SELECT, WITH, VALUES, EXPLAIN, SHOW, DESCRIBE)", up);
	}
	if (accept_kw(p, "explain")) {
		n = node(p, TL_TN_EXPLAIN, t);
		if (accept_kw(p, "analyze"))
			accept_kw(p, "verbose");
		if (is_op(p, "(") && !starts_query(p, 1)) { /* (TYPE LOGICAL): one plan offline */
			p->i++;
			int depth = 1;
			while (depth && peek(p, 0)->t != K_EOF) {
				if (is_op(p, "("))
					depth++;
				else if (is_op(p, ")"))
					depth--;
				p->i++;
			}
		}
		add(n, statement(p));
	} else if (accept_kw(p, "show")) {
		struct tok *w = peek(p, 0);
		n = node(p, TL_TN_SHOW, t);
		if (accept_kw(p, "tables")) {
			n->text = xstrdup("TABLES");
			add(n, (accept_kw(p, "from") || accept_kw(p, "in")) ? qualified_name(p, "a database")
									 : NULL);
		} else if (accept_kw(p, "schemas") || accept_kw(p, "databases")) {
			n->text = xstrdup("SCHEMAS");
			add(n, NULL);
		} else if (accept_kw(p, "columns")) {
			n->text = xstrdup("COLUMNS");
			if (!accept_kw(p, "from"))
				expect_kw(p, "in");
			add(n, qualified_name(p, "a table name"));
		} else {
			unsupported(p, w, "this SHOW statement is (SHOW TABLES, SHOW SCHEMAS and "
					  "SHOW COLUMNS are)");
		}
		if (accept_kw(p, "like")) {
			struct tok *s = peek(p, 0);
			if (s->t != K_STRING)
				expected(p, "a pattern string");
			p->i++;
			add(n, node_text(p, TL_TN_STRING, s, s->s));
		} else {
			add(n, NULL);
		}
	} else if (accept_kw(p, "describe") || accept_kw(p, "desc")) {
		n = node(p, TL_TN_DESCRIBE, t);
		if (is_kw(p, "input") || is_kw(p, "output"))
			unsupported(p, peek(p, 0), "DESCRIBE INPUT/OUTPUT is");
		add(n, qualified_name(p, "a table name"));
	} else if (starts_query(p, 0) || is_op(p, "(")) {
		n = query(p);
	} else {
		expected(p, "a statement (SELECT, WITH, VALUES, EXPLAIN, SHOW, DESCRIBE)");
	}
	leave(p);
	return n;
}

struct tl_trino_tree *tl_trino_parse(const char *sql, char **err)
{
	/* on the heap: what the parse changes must not be an automatic variable of this frame
	 * when longjmp comes back to it */
	struct parser *const p = xcalloc(1, sizeof *p);
	struct lexer *const l = xcalloc(1, sizeof *l);
	struct tl_trino_tree *tree = xcalloc(1, sizeof *tree);
	p->src = sql;
	p->tree = tree;
	l->s = sql;
	l->line = l->col = 1;
	*err = NULL;
	if (setjmp(p->jb)) {
		tl_trino_free(tree);
		*err = p->err;
		tree = NULL;
	} else {
		lex(p, l);
		p->t = l->t;
		p->n = l->n;
		tree->root = statement(p);
		accept_op(p, ";");
		if (peek(p, 0)->t != K_EOF)
			expected(p, "the end of the statement");
	}
	for (size_t i = 0; i < l->n; i++)
		free(l->t[i].s);
	free(l->t);
	free(l);
	free(p);
	return tree;
}

void tl_trino_free(struct tl_trino_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nall; i++) {
		free(t->all[i]->text);
		free(t->all[i]->kid);
		free(t->all[i]);
	}
	free(t->all);
	free(t);
}

/* ---- dump ---- */

static const char *const kind_names[] = {
	[TL_TN_QUERY] = "query", [TL_TN_CTE] = "cte", [TL_TN_SETOP] = "setop",
	[TL_TN_SELECT] = "select", [TL_TN_VALUES] = "values", [TL_TN_TABLE] = "table",
	[TL_TN_EXPLAIN] = "explain", [TL_TN_SHOW] = "show", [TL_TN_DESCRIBE] = "describe",
	[TL_TN_ITEM] = "item", [TL_TN_STAR] = "star", [TL_TN_NAME] = "name",
	[TL_TN_ALIASED] = "aliased", [TL_TN_JOIN] = "join", [TL_TN_UNNEST] = "unnest",
	[TL_TN_LATERAL] = "lateral", [TL_TN_SUBQUERY] = "subquery", [TL_TN_IDENT] = "ident",
	[TL_TN_DEREF] = "deref", [TL_TN_INT] = "int", [TL_TN_DECIMAL] = "decimal",
	[TL_TN_DOUBLE] = "double", [TL_TN_STRING] = "string", [TL_TN_BOOL] = "bool",
	[TL_TN_NULL] = "null", [TL_TN_TYPED] = "typed", [TL_TN_INTERVAL] = "interval",
	[TL_TN_PARAM] = "param", [TL_TN_BINARY] = "binary", [TL_TN_UNARY] = "unary",
	[TL_TN_ISNULL] = "isnull", [TL_TN_BETWEEN] = "between", [TL_TN_IN] = "in",
	[TL_TN_LIKE] = "like", [TL_TN_DISTINCT] = "distinct", [TL_TN_QUANTIFIED] = "quantified",
	[TL_TN_EXISTS] = "exists", [TL_TN_SCALAR] = "scalar", [TL_TN_CASE] = "case",
	[TL_TN_WHEN] = "when", [TL_TN_CAST] = "cast", [TL_TN_TYPE] = "type",
	[TL_TN_FIELD] = "field", [TL_TN_CALL] = "call", [TL_TN_WINDOW] = "window",
	[TL_TN_WINDEF] = "windef", [TL_TN_FRAME] = "frame", [TL_TN_BOUND] = "bound",
	[TL_TN_LAMBDA] = "lambda", [TL_TN_ARRAY] = "array", [TL_TN_ROW] = "row",
	[TL_TN_SUBSCRIPT] = "subscript", [TL_TN_ATTZ] = "attz", [TL_TN_EXTRACT] = "extract",
	[TL_TN_CURRENT] = "current", [TL_TN_SORT] = "sort", [TL_TN_LIST] = "list",
};

static const char *const flag_names[] = {
	"distinct", "all", "recursive", "quoted", "true", "negative", "not", "try", "star",
	"ignore-nulls", "desc", "nulls-first", "nulls-last", "ordinality", "implicit",
};

void tl_trino_dump(const struct tl_trino_node *n, struct tl_buf *b)
{
	if (!n) {
		tl_buf_adds(b, "-");
		return;
	}
	tl_buf_addf(b, "(%s", kind_names[n->kind]);
	if (n->text) {
		tl_buf_addc(b, ' ');
		tl_buf_add_json_str(b, n->text, strlen(n->text));
	}
	for (size_t k = 0; k < sizeof flag_names / sizeof *flag_names; k++)
		if (n->flags & (1u << k))
			tl_buf_addf(b, " :%s", flag_names[k]);
	for (size_t i = 0; i < n->nkid; i++) {
		tl_buf_addc(b, ' ');
		tl_trino_dump(n->kid[i], b);
	}
	tl_buf_addc(b, ')');
}
