/* tl_sql.c: splitting SQL scripts into statements (see tl_sql.h). */
#include "tl_sql.h"

#include "tl_alloc.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
	*out = NULL;
	while (i < len) {
		char c = s[i];
		if (c == '\'' || c == '"' || c == '`') {
			i++;
			while (i < len) {
				if (s[i] == c) {
					if (i + 1 < len && s[i + 1] == c) {
						i += 2; /* doubled: the quote itself */
						continue;
					}
					break;
				}
				i++;
			}
			i = i < len ? i + 1 : len;
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
