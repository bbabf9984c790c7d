/* libFuzzer target for the SQL text helpers (outside input: SQL scripts, --param values, JSON
 * keys that end up in DDL, server text written for people).
 * Properties checked: no crash or leak;
 *  - tl_sql_split: every statement is non-empty, trimmed, and a piece of the input;
 *  - tl_sql_literal_parse: a string it accepts, quoted again, parses back to the same value;
 *  - tl_catalog_ddl with the input as a SerDe property value and a column comment: one
 *    statement for the splitter, no raw control byte, and no quote escaped by a backslash (so
 *    Hive's and Trino's lexers end each literal at the same place);
 *  - tl_buf_add_printable: no control byte and no C1 character left. */
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_catalog.h"
#include "tl_json.h"
#include "tl_sql.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_split(const char *s, size_t n)
{
	char **st;
	size_t k = tl_sql_split(s, n, &st);
	for (size_t i = 0; i < k; i++) {
		size_t l = strlen(st[i]);
		if (!l || st[i][0] == ' ' || st[i][l - 1] == ' ' || !memmem(s, n, st[i], l))
			abort();
	}
	tl_sql_free(st, k);
}

static void check_literal(const char *s)
{
	struct tl_sql_literal lit;
	char *err = NULL;
	if (tl_sql_literal_parse(s, &lit, &err) < 0) {
		if (!err)
			abort();
		free(err);
		return;
	}
	if (lit.kind == TL_SQL_LIT_STRING) {
		struct tl_buf q = TL_BUF_INIT;
		struct tl_sql_literal again;
		tl_buf_addc(&q, '\'');
		for (const char *p = lit.text; *p; p++) {
			if (*p == '\'')
				tl_buf_addc(&q, '\'');
			tl_buf_addc(&q, *p);
		}
		tl_buf_addc(&q, '\'');
		if (tl_sql_literal_parse(tl_buf_str(&q), &again, &err) < 0 ||
		    strcmp(again.text, lit.text) != 0)
			abort();
		tl_sql_literal_free(&again);
		tl_buf_release(&q);
	}
	tl_sql_literal_free(&lit);
}

static void check_ddl(const char *s)
{
	cJSON *ti = tl_json_obj(), *sd = tl_json_obj(), *cols = cJSON_CreateArray();
	cJSON *col = tl_json_obj(), *serde = tl_json_obj(), *params = tl_json_obj();
	tl_json_add_str(ti, "Name", "t");
	tl_json_add_str(col, "Name", "a");
	tl_json_add_str(col, "Type", "int");
	tl_json_add_str(col, "Comment", s);
	cJSON_AddItemToArray(cols, col);
	tl_json_add(sd, "Columns", cols);
	tl_json_add_str(params, "mapping.a", s);
	tl_json_add(serde, "Parameters", params);
	tl_json_add(sd, "SerdeInfo", serde);
	tl_json_add(ti, "StorageDescriptor", sd);
	char *err = NULL, *ddl = tl_catalog_ddl("d", ti, &err);
	if (!ddl)
		abort();
	char **st;
	size_t n = tl_sql_split(ddl, strlen(ddl), &st), slashes = 0;
	if (n != 1)
		abort();
	tl_sql_free(st, n);
	for (const unsigned char *p = (const unsigned char *)ddl; *p; p++) {
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f || (*p == '\'' && slashes % 2))
			abort();
		slashes = *p == '\\' ? slashes + 1 : 0;
	}
	free(ddl);
	cJSON_Delete(ti);
}

static void check_printable(const char *s, size_t n)
{
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_add_printable(&b, s, n);
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < b.len && (unsigned char)b.data[i + 1] < 0xa0))
			abort();
	}
	tl_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* SQL and keys hold no NUL (refused before they get here) */
	char *s = xmalloc(size + 1);
	for (size_t i = 0; i < size; i++)
		s[i] = data[i] ? (char)data[i] : ' ';
	s[size] = '\0';
	check_split(s, size);
	check_literal(s);
	check_ddl(s);
	check_printable((const char *)data, size);
	free(s);
	return 0;
}
