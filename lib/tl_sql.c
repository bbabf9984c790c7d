/* tl_sql.c: splitting SQL scripts into statements, and parameter literals (see tl_sql.h). */
#include "tl_sql.h"

#include "tl_alloc.h"
#include "tl_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Skips white space and comments from i; returns the new position. */
static size_t skip_blank(const char *s, size_t n, size_t i)
{
	for (;;) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
			i += 2;
			while (i < n && !(i + 1 < n && s[i] == '*' && s[i + 1] == '/'))
				i++;
			i = i < n ? i + 2 : n;
		} else {
			return i;
		}
	}
}

/* From the quote at s[i], the position after the quoted text: a doubled quote stands for
 * itself, and with backslash (Hive's strings) a backslash escapes the byte after it. */
static size_t skip_quoted(const char *s, size_t n, size_t i, bool backslash)
{
	char q = s[i++];
	while (i < n) {
		if (backslash && s[i] == '\\') {
			i += 2;
			continue;
		}
		if (s[i] == q) {
			if (i + 1 < n && s[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return n;
}

/* A small reader of a statement's first tokens: words, names and punctuation. */
struct head {
	const char *s;
	size_t n, i;
};

/* The next word (letters, digits, '_') upper-cased into w, or "" when the next token is not a
 * word (then nothing is consumed). */
static void head_word(struct head *h, char *w, size_t cap)
{
	size_t k = 0;
	h->i = skip_blank(h->s, h->n, h->i);
	while (h->i < h->n && (isalnum((unsigned char)h->s[h->i]) || h->s[h->i] == '_')) {
		if (k + 1 < cap)
			w[k++] = (char)toupper((unsigned char)h->s[h->i]);
		h->i++;
	}
	w[k] = '\0';
}

/* Skips a possibly qualified name (words, "quoted" or `quoted` parts joined by '.'). */
static void head_name(struct head *h)
{
	char w[8];
	for (;;) {
		h->i = skip_blank(h->s, h->n, h->i);
		if (h->i < h->n && (h->s[h->i] == '"' || h->s[h->i] == '`'))
			h->i = skip_quoted(h->s, h->n, h->i, false);
		else
			head_word(h, w, sizeof w);
		h->i = skip_blank(h->s, h->n, h->i);
		if (h->i >= h->n || h->s[h->i] != '.')
			return;
		h->i++;
	}
}

static bool word_is(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w, list[i]))
			return true;
	return false;
}

/* Whether Athena runs the statement s[0..n) on Hive (its DDL) rather than on Trino: decided
 * by its first words (and, after CREATE TABLE, by what follows the name). */
static bool hive_statement(const char *s, size_t n)
{
	static const char *const hive_first[] = { "ALTER", "MSCK", "DROP", "SHOW", "DESCRIBE", "DESC" };
	struct head h = { s, n, 0 };
	char w[16];
	head_word(&h, w, sizeof w);
	if (!strcmp(w, "CREATE")) {
		bool external = false;
		for (;;) {
			head_word(&h, w, sizeof w);
			if (!strcmp(w, "EXTERNAL"))
				external = true;
			else if (!strcmp(w, "DATABASE") || !strcmp(w, "SCHEMA"))
				return true;
			else if (!strcmp(w, "TABLE"))
				break;
			else if (!*w || !strcmp(w, "VIEW"))
				return false;
		}
		if (external)
			return true;
		struct head save = h;
		head_word(&h, w, sizeof w);
		if (!strcmp(w, "IF")) {
			head_word(&h, w, sizeof w); /* NOT */
			head_word(&h, w, sizeof w); /* EXISTS */
		} else {
			h = save;
		}
		head_name(&h);
		/* CREATE TABLE name (columns ...) is DDL; name AS / WITH (...) AS is Trino's CTAS */
		return h.i < h.n && h.s[h.i] == '(';
	}
	if (!word_is(w, hive_first, sizeof hive_first / sizeof hive_first[0]))
		return false;
	if (!strcmp(w, "SHOW")) {
		head_word(&h, w, sizeof w);
		if (!strcmp(w, "CREATE"))
			head_word(&h, w, sizeof w);
		return strcmp(w, "VIEW") != 0 && strcmp(w, "VIEWS") != 0;
	}
	if (!strcmp(w, "DROP") || !strcmp(w, "DESCRIBE") || !strcmp(w, "DESC")) {
		head_word(&h, w, sizeof w);
		return strcmp(w, "VIEW") != 0;
	}
	return true;
}

static void push(const char *s, size_t start, size_t end, char ***out, size_t *n, size_t *cap)
{
	size_t first = skip_blank(s, end, start);
	if (first >= end)
		return; /* only blanks and comments */
	while (start < end && isspace((unsigned char)s[start]))
		start++;
	while (end > start && isspace((unsigned char)s[end - 1]))
		end--;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 4;
		*out = xrealloc(*out, *cap * sizeof **out);
	}
	(*out)[(*n)++] = xstrndup(s + start, end - start);
}

size_t tl_sql_split(const char *s, size_t len, char ***out)
{
	size_t i = 0, start = 0, n = 0, cap = 0;
	int hive = -1; /* the statement's dialect, decided at its first quote */
	*out = NULL;
	while (i < len) {
		char c = s[i];
		if (c == '\'' || c == '"' || c == '`') {
			if (hive < 0)
				hive = hive_statement(s + start, len - start);
			i = skip_quoted(s, len, i, hive && c != '`');
		} else if (c == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			i += 2;
			while (i < len && !(i + 1 < len && s[i] == '*' && s[i + 1] == '/'))
				i++;
			i = i < len ? i + 2 : len;
		} else if (c == ';') {
			push(s, start, i, out, &n, &cap);
			start = ++i;
			hive = -1;
		} else {
			i++;
		}
	}
	push(s, start, len, out, &n, &cap);
	return n;
}

void tl_sql_free(char **stmts, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free(stmts[i]);
	free(stmts);
}

void tl_sql_first_word(const char *stmt, char *buf, size_t cap)
{
	size_t n = strlen(stmt), i = skip_blank(stmt, n, 0), k = 0;
	while (i < n && k + 1 < cap && isalpha((unsigned char)stmt[i]))
		buf[k++] = (char)toupper((unsigned char)stmt[i++]);
	if (cap)
		buf[k] = '\0';
}

/* ---- parameter literals ---- */

static bool digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return n > 0;
}

/* The number of n digits at p (n <= 4). */
static int num(const char *p, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

/* YYYY-MM-DD at p (exactly 10 bytes), a real calendar day. */
static bool is_date(const char *p)
{
	if (!digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) || p[7] != '-' || !digits(p + 8, 2))
		return false;
	int y = num(p, 4), m = num(p + 5, 2), d = num(p + 8, 2), y2, m2, d2;
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	tl_civil_from_days(tl_days_from_civil(y, m, d), &y2, &m2, &d2);
	return y2 == y && m2 == m && d2 == d;
}

/* YYYY-MM-DD[ HH:MM[:SS[.fraction]]], as Trino's TIMESTAMP literals without a zone. */
static bool is_timestamp(const char *p, size_t n)
{
	if (n < 10 || !is_date(p))
		return false;
	if (n == 10)
		return true;
	if (n < 16 || p[10] != ' ' || !digits(p + 11, 2) || p[13] != ':' || !digits(p + 14, 2) ||
	    num(p + 11, 2) > 23 || num(p + 14, 2) > 59)
		return false;
	if (n == 16)
		return true;
	if (n < 19 || p[16] != ':' || !digits(p + 17, 2) || num(p + 17, 2) > 59)
		return false;
	return n == 19 || (p[19] == '.' && digits(p + 20, n - 20) && n - 20 <= 12);
}

/* A number as Trino reads one: digits with at most one '.', an optional exponent, a sign. */
static int number(const char *p, size_t n, struct tl_sql_literal *lit)
{
	size_t i = 0, d = 0;
	bool frac = false, exp = false;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		i++;
	while (i < n && isdigit((unsigned char)p[i]))
		i++, d++;
	if (i < n && p[i] == '.') {
		frac = true;
		for (i++; i < n && isdigit((unsigned char)p[i]); i++)
			d++;
	}
	if (d == 0)
		return -1;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		exp = true;
		i++;
		if (i < n && (p[i] == '-' || p[i] == '+'))
			i++;
		if (i >= n || !isdigit((unsigned char)p[i]))
			return -1;
		while (i < n && isdigit((unsigned char)p[i]))
			i++;
	}
	if (i != n)
		return -1;
	lit->text = xstrndup(p, n);
	if (!frac && !exp) {
		char *end;
		errno = 0;
		long long v = strtoll(lit->text, &end, 10);
		if (errno == ERANGE)
			return -2;
		lit->kind = TL_SQL_LIT_INTEGER;
		lit->i = v;
		return 0;
	}
	lit->kind = TL_SQL_LIT_NUMBER;
	lit->d = strtod(lit->text, NULL);
	return 0;
}

/* A 'quoted' string at p[0..n) (whole), quotes doubled inside: its value into *out. */
static bool quoted(const char *p, size_t n, char **out)
{
	if (n < 2 || p[0] != '\'' || p[n - 1] != '\'')
		return false;
	char *v = xmalloc(n);
	size_t k = 0;
	for (size_t i = 1; i + 1 < n; i++) {
		if (p[i] == '\'') {
			if (i + 2 >= n || p[i + 1] != '\'') {
				free(v);
				return false; /* a lone quote: two literals, or more */
			}
			i++;
		}
		v[k++] = p[i];
	}
	v[k] = '\0';
	*out = v;
	return true;
}

int tl_sql_literal_parse(const char *s, struct tl_sql_literal *lit, char **err)
{
	size_t n = strlen(s);
	memset(lit, 0, sizeof *lit);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	while (n && isspace((unsigned char)*s))
		s++, n--;
	if (n && s[0] == '\'') {
		if (quoted(s, n, &lit->text)) {
			lit->kind = TL_SQL_LIT_STRING;
			return 0;
		}
		*err = xstrdup("not one 'string' (a quote inside is written '')");
		return -1;
	}
	size_t w = 0;
	while (w < n && isalpha((unsigned char)s[w]))
		w++;
	if (w && w == n) {
		if (!strncasecmp(s, "true", n) && n == 4) {
			lit->kind = TL_SQL_LIT_BOOLEAN;
			lit->i = 1;
			return 0;
		}
		if (!strncasecmp(s, "false", n) && n == 5) {
			lit->kind = TL_SQL_LIT_BOOLEAN;
			return 0;
		}
		if (!strncasecmp(s, "null", n) && n == 4) {
			lit->kind = TL_SQL_LIT_NULL;
			return 0;
		}
	}
	if (w && w < n && isspace((unsigned char)s[w]) &&
	    ((w == 4 && !strncasecmp(s, "date", 4)) || (w == 9 && !strncasecmp(s, "timestamp", 9)))) {
		bool date = w == 4;
		size_t q = w;
		while (q < n && isspace((unsigned char)s[q]))
			q++;
		char *v = NULL;
		if (quoted(s + q, n - q, &v) &&
		    (date ? strlen(v) == 10 && is_date(v) : is_timestamp(v, strlen(v)))) {
			lit->kind = date ? TL_SQL_LIT_DATE : TL_SQL_LIT_TIMESTAMP;
			lit->text = v;
			return 0;
		}
		free(v);
		*err = xstrdup(date ? "not a DATE 'YYYY-MM-DD' of the calendar"
				    : "not a TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.fff]' of the calendar");
		return -1;
	}
	int r = n ? number(s, n, lit) : -1;
	if (r == 0)
		return 0;
	free(lit->text);
	lit->text = NULL;
	*err = xstrdup(r == -2 ? "an integer out of the bigint range"
			      : "not one SQL literal: a 'string' (with '' for a quote), a number, "
				"TRUE, FALSE, NULL, DATE 'YYYY-MM-DD' or TIMESTAMP 'YYYY-MM-DD HH:MM:SS'");
	return -1;
}

void tl_sql_literal_free(struct tl_sql_literal *lit)
{
	free(lit->text);
	lit->text = NULL;
}
