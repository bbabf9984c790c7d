/* tl_trino.h: a parser of the SQL that Athena runs (Trino, Athena engine version 3), for the
 * local engine: one statement of text becomes a tree.
 *
 * The subset is what queries over a lake need: SELECT with WITH [RECURSIVE], UNION, INTERSECT,
 * EXCEPT, VALUES, TABLE, joins (CROSS, INNER, LEFT, RIGHT, FULL, ON, USING), UNNEST [WITH
 * ORDINALITY], LATERAL, subqueries, GROUP BY, HAVING, WINDOW, ORDER BY, OFFSET, LIMIT, FETCH
 * FIRST; every expression of Trino's grammar that a SELECT uses: operators with Trino's
 * precedence, CASE, CAST, TRY_CAST, lambdas (x -> e, (a, b) -> e), ARRAY[...], ROW(...),
 * subscripts, field references with dots, typed literals (DATE '...', TIMESTAMP '...', INTERVAL
 * '1' HOUR), EXTRACT, POSITION, SUBSTRING ... FROM ... FOR, TRIM(... FROM ...), AT TIME ZONE,
 * aggregates with DISTINCT, FILTER and ORDER BY, window functions with frames; plus EXPLAIN,
 * SHOW TABLES/SCHEMAS/COLUMNS and DESCRIBE. The lexer is Trino's: '' inside strings, "" inside
 * quoted names, -- and block comments, U&'' strings, keywords in any case; reserved words are not
 * names unless quoted.
 *
 * What the grammar holds but this parser leaves out is an error naming it ("GROUPING SETS are not
 * supported offline"); a statement that writes or changes something is refused ("INSERT is not
 * allowed: ..."); bad syntax names what was expected and what was found. Every error starts with
 * "line L, column C: " (1-based; columns count characters). Nothing here knows types or
 * tables: tl_dialect gives the tree its meaning.
 */
#ifndef TL_TRINO_H
#define TL_TRINO_H
#include <stddef.h>

struct tl_buf;

/* Node kinds. kid[] positions are listed per kind; a missing optional part is NULL. */
enum tl_trino_kind {
	/* statements */
	TL_TN_QUERY = 1,  /* kid: WITH (LIST of CTE, flag RECURSIVE) | body | ORDER BY (LIST of
			   * SORT) | OFFSET expr | LIMIT expr */
	TL_TN_CTE,        /* text: name; kid: column names (LIST of IDENT) | QUERY */
	TL_TN_SETOP,      /* text: UNION, INTERSECT, EXCEPT; flag DISTINCT (default) or ALL;
			   * kid: left | right */
	TL_TN_SELECT,     /* flag DISTINCT; kid: items (LIST) | FROM relation | WHERE | GROUP BY
			   * (LIST) | HAVING | WINDOW (LIST of WINDEF) */
	TL_TN_VALUES,     /* kid: rows (each an expression, a ROW for several values) */
	TL_TN_TABLE,      /* TABLE name as a query: kid: NAME */
	TL_TN_EXPLAIN,    /* kid: the statement */
	TL_TN_SHOW,       /* text: TABLES, SCHEMAS, COLUMNS; kid: NAME (db or table) | LIKE pattern */
	TL_TN_DESCRIBE,   /* kid: NAME */
	/* select list */
	TL_TN_ITEM,       /* text: alias or NULL; kid: expr */
	TL_TN_STAR,       /* kid: NULL (*) or the expression before .* (a name or a row) */
	/* relations */
	TL_TN_NAME,       /* a qualified name: kid: IDENT parts */
	TL_TN_ALIASED,    /* text: alias; kid: relation | column aliases (LIST of IDENT) */
	TL_TN_JOIN,       /* text: CROSS, INNER, LEFT, RIGHT, FULL; flag IMPLICIT for a comma;
			   * kid: left | right | ON expr | USING (LIST of IDENT) */
	TL_TN_UNNEST,     /* flag ORDINALITY; kid: the arrays (or maps) */
	TL_TN_LATERAL,    /* kid: QUERY */
	TL_TN_SUBQUERY,   /* a query in FROM: kid: QUERY */
	/* expressions */
	TL_TN_IDENT,      /* text: the name as written (quoted or not); flag QUOTED */
	TL_TN_DEREF,      /* base.field: text: field as written; flag QUOTED; kid: base */
	TL_TN_INT,        /* text: digits */
	TL_TN_DECIMAL,    /* text: 1.5, .5, 2. */
	TL_TN_DOUBLE,     /* text: 1e3, 1.5E-2 */
	TL_TN_STRING,     /* text: the value (quotes undone) */
	TL_TN_BOOL,       /* flag TRUE */
	TL_TN_NULL,
	TL_TN_TYPED,      /* DATE '...', TIMESTAMP '...', other types: text: value; kid: TYPE */
	TL_TN_INTERVAL,   /* text: value; flag NEGATIVE; kid: from unit IDENT | to unit IDENT */
	TL_TN_PARAM,      /* ?: text: its number, from 1 in order of appearance */
	TL_TN_BINARY,     /* text: + - * / % || = <> < <= > >= AND OR; kid: left | right */
	TL_TN_UNARY,      /* text: - + NOT; kid: operand */
	TL_TN_ISNULL,     /* flag NOT; kid: operand */
	TL_TN_BETWEEN,    /* flag NOT; kid: value | low | high */
	TL_TN_IN,         /* flag NOT; kid: value | LIST of expressions, or QUERY */
	TL_TN_LIKE,       /* flag NOT; kid: value | pattern | escape */
	TL_TN_DISTINCT,   /* IS [NOT] DISTINCT FROM: flag NOT; kid: left | right */
	TL_TN_QUANTIFIED, /* x op ANY|SOME|ALL (query): text: op; flag ALL; kid: value | QUERY */
	TL_TN_EXISTS,     /* kid: QUERY */
	TL_TN_SCALAR,     /* (query) as a value: kid: QUERY */
	TL_TN_CASE,       /* kid: operand (simple CASE) | ELSE | WHEN... */
	TL_TN_WHEN,       /* kid: condition (or value) | result */
	TL_TN_CAST,       /* flag TRY; kid: expr | TYPE */
	TL_TN_TYPE,       /* text: base name lower-cased (varchar, decimal, timestamp, array, map,
			   * row, interval day to second, timestamp with time zone...); kid: for
			   * decimal(p,s), varchar(n), timestamp(p): INT parameters; array: TYPE; map:
			   * TYPE TYPE; row: FIELD... */
	TL_TN_FIELD,      /* a row type's field: text: name or NULL; kid: TYPE */
	TL_TN_CALL,       /* text: function name lower-cased; flag DISTINCT, STAR (count(*)),
			   * IGNORE_NULLS; kid: args (LIST) | FILTER expr | OVER (WINDOW) |
			   * ORDER BY (LIST of SORT) */
	TL_TN_WINDOW,     /* text: the named window it refines, or NULL; kid: PARTITION BY (LIST)
			   * | ORDER BY (LIST) | FRAME */
	TL_TN_WINDEF,     /* WINDOW name AS (...): text: name; kid: WINDOW */
	TL_TN_FRAME,      /* text: ROWS, RANGE, GROUPS; kid: start BOUND | end BOUND */
	TL_TN_BOUND,      /* text: UNBOUNDED PRECEDING, UNBOUNDED FOLLOWING, CURRENT ROW, PRECEDING,
			   * FOLLOWING; kid: offset */
	TL_TN_LAMBDA,     /* kid: parameters (LIST of IDENT) | body */
	TL_TN_ARRAY,      /* ARRAY[...]: kid: elements */
	TL_TN_ROW,        /* ROW(...) or (a, b): kid: values */
	TL_TN_SUBSCRIPT,  /* kid: base | index */
	TL_TN_ATTZ,       /* value AT TIME ZONE zone: kid: value | zone */
	TL_TN_EXTRACT,    /* text: field lower-cased; kid: value */
	TL_TN_CURRENT,    /* text: current_timestamp, current_date, current_time, localtimestamp,
			   * localtime; kid: precision INT or NULL */
	TL_TN_SORT,       /* flag DESC, NULLS_FIRST, NULLS_LAST; kid: expr */
	TL_TN_LIST,       /* kid: items */
};

enum {
	TL_TF_DISTINCT = 1 << 0,
	TL_TF_ALL = 1 << 1,
	TL_TF_RECURSIVE = 1 << 2,
	TL_TF_QUOTED = 1 << 3,
	TL_TF_TRUE = 1 << 4,
	TL_TF_NEGATIVE = 1 << 5,
	TL_TF_NOT = 1 << 6,
	TL_TF_TRY = 1 << 7,
	TL_TF_STAR = 1 << 8,
	TL_TF_IGNORE_NULLS = 1 << 9,
	TL_TF_DESC = 1 << 10,
	TL_TF_NULLS_FIRST = 1 << 11,
	TL_TF_NULLS_LAST = 1 << 12,
	TL_TF_ORDINALITY = 1 << 13,
	TL_TF_IMPLICIT = 1 << 14,
};

struct tl_trino_node {
	enum tl_trino_kind kind;
	int line, col;              /* where it starts: 1-based line and character column */
	unsigned flags;             /* TL_TF_* */
	char *text;                 /* per kind (see above); NULL when none */
	struct tl_trino_node **kid; /* per kind; entries may be NULL */
	size_t nkid;
};

struct tl_trino_tree {
	struct tl_trino_node *root; /* QUERY, EXPLAIN, SHOW or DESCRIBE */
	int nparams;                /* the number of ? in the statement */
	/* private: every node, for freeing */
	struct tl_trino_node **all;
	size_t nall, aall;
};

/* Parses one statement (a trailing ';' allowed). Returns a tree (free with tl_trino_free), or
 * NULL with *err, a message for people that the caller frees: "line 1, column 8: ...". Text
 * nested more than 200 levels deep is refused. The text must hold no NUL. Never exits except on
 * allocation failure; does not block. */
struct tl_trino_tree *tl_trino_parse(const char *sql, char **err);
void tl_trino_free(struct tl_trino_tree *t);

/* The tree in one line of S-expressions, for tests and debugging: (select (list (item (ident
 * a))) ...). Appends to b. */
void tl_trino_dump(const struct tl_trino_node *n, struct tl_buf *b);

/* True for the words Trino reserves (SELECT, FROM, ...): they are names only when quoted. */
int tl_trino_reserved(const char *word);

#endif
