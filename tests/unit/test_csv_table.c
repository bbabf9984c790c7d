/* Unit tests for tl_table: result sets as table, CSV, TSV and NDJSON, NULL versus "", types,
 * unicode width, the bounded window of the table format; and CSV written by tl_table read back
 * by tl_csv unchanged. */
#include "t.h"
#include "tl_buf.h"
#include "tl_csv.h"
#include "tl_io.h"
#include "tl_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const names[] = { "id", "name", "score", "ok", "tags", "doc" };
static const char *const types[] = { "bigint", "varchar", "double", "boolean", "array(varchar)",
				     "json" };

/* Runs fn over a tl_table writing into a temporary file; returns what was written. */
static char *render(enum tl_table_format fmt, bool no_header, size_t window,
		    void (*fn)(struct tl_table *))
{
	struct tl_table_opts o = { 0 };
	struct tl_out out;
	struct tl_table *t;
	FILE *f = tmpfile();
	char *buf;
	long n;
	o.format = fmt;
	o.no_header = no_header;
	o.window_rows = window;
	tl_out_init(&out, fileno(f));
	t = tl_table_new(&out, &o);
	fn(t);
	tl_table_free(t);
	tl_out_close(&out);
	n = lseek(fileno(f), 0, SEEK_END);
	buf = calloc(1, (size_t)n + 1);
	if (pread(fileno(f), buf, (size_t)n, 0) != n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

static void rows_basic(struct tl_table *t)
{
	const char *r1[] = { "1", "Ann", "2.5", "true", "[a, b]", "{\"k\": [1, 2]}" };
	const char *r2[] = { "2", "", NULL, "false", NULL, "not json" };
	const char *r3[] = { "3", "say \"hi\",\nbye", "NaN", NULL, "[]", NULL };
	tl_table_begin(t, 6, names, types);
	tl_table_row(t, r1, NULL);
	tl_table_row(t, r2, NULL);
	tl_table_row(t, r3, NULL);
	tl_table_end(t);
}

static void test_csv(void)
{
	char *s = render(TL_TABLE_CSV, false, 0, rows_basic);
	T_EQ_STR(s, "id,name,score,ok,tags,doc\n"
		    "1,Ann,2.5,true,\"[a, b]\",\"{\"\"k\"\": [1, 2]}\"\n"
		    "2,\"\",,false,,not json\n"
		    "3,\"say \"\"hi\"\",\nbye\",NaN,,[],\n");
	free(s);
	s = render(TL_TABLE_CSV, true, 0, rows_basic);
	T_CHECK(strncmp(s, "1,Ann", 5) == 0);
	free(s);
}

static void test_tsv(void)
{
	char *s = render(TL_TABLE_TSV, false, 0, rows_basic);
	T_EQ_STR(s, "id\tname\tscore\tok\ttags\tdoc\n"
		    "1\tAnn\t2.5\ttrue\t[a, b]\t{\"k\": [1, 2]}\n"
		    "2\t\t\\N\tfalse\t\\N\tnot json\n"
		    "3\tsay \"hi\",\\nbye\tNaN\t\\N\t[]\t\\N\n");
	free(s);
}

static void test_ndjson(void)
{
	char *s = render(TL_TABLE_NDJSON, false, 0, rows_basic);
	T_EQ_STR(s, "{\"id\":1,\"name\":\"Ann\",\"score\":2.5,\"ok\":true,\"tags\":\"[a, b]\","
		    "\"doc\":{\"k\": [1, 2]}}\n"
		    "{\"id\":2,\"name\":\"\",\"score\":null,\"ok\":false,\"tags\":null,"
		    "\"doc\":\"not json\"}\n"
		    "{\"id\":3,\"name\":\"say \\\"hi\\\",\\nbye\",\"score\":\"NaN\",\"ok\":null,"
		    "\"tags\":\"[]\",\"doc\":null}\n");
	free(s);
}

static void rows_dup(struct tl_table *t)
{
	const char *const n[] = { "a", "a", "a_2" };
	const char *r[] = { "1", "x", "1e3" };
	const char *const ty[] = { "integer", "integer", "decimal(10,2)" };
	tl_table_begin(t, 3, n, ty);
	tl_table_row(t, r, NULL);
	tl_table_end(t);
}

static void test_ndjson_keys_and_numbers(void)
{
	char *s = render(TL_TABLE_NDJSON, false, 0, rows_dup);
	/* "x" is not an integer: kept as a string, never as broken JSON */
	T_EQ_STR(s, "{\"a\":1,\"a_2\":\"x\",\"a_2_2\":1e3}\n");
	free(s);
}

static void rows_unicode(struct tl_table *t)
{
	const char *const n[] = { "lang", "n", "text" };
	const char *const ty[] = { "varchar", "bigint", "varchar" };
	const char *r1[] = { "ja", "12", "日本語" };
	const char *r2[] = { "en", "7", "a\tb" };
	const char *r3[] = { NULL, "1234", "" };
	tl_table_begin(t, 3, n, ty);
	tl_table_row(t, r1, NULL);
	tl_table_row(t, r2, NULL);
	tl_table_row(t, r3, NULL);
	tl_table_end(t);
}

static void test_table(void)
{
	char *s = render(TL_TABLE_TABLE, false, 0, rows_unicode);
	T_EQ_STR(s, " lang |  n   |  text\n"
		    "------+------+--------\n"
		    " ja   |   12 | 日本語\n"
		    " en   |    7 | a\\tb\n"
		    " NULL | 1234 | \n");
	free(s);
}

static void test_table_window(void)
{
	/* a window of 2 rows: the third row, wider, overflows on its own line only */
	char *s = render(TL_TABLE_TABLE, true, 2, rows_unicode);
	T_EQ_STR(s, " ja | 12 | 日本語\n"
		    " en |  7 | a\\tb\n"
		    " NULL | 1234 | \n");
	free(s);
}

static void two_sets(struct tl_table *t)
{
	const char *const n1[] = { "x" };
	const char *const n2[] = { "y" };
	const char *r[] = { "1" };
	tl_table_begin(t, 1, n1, NULL);
	tl_table_row(t, r, NULL);
	tl_table_end(t);
	tl_table_begin(t, 1, n2, NULL);
	tl_table_end(t);
}

static void test_sets(void)
{
	char *s = render(TL_TABLE_TABLE, false, 0, two_sets);
	T_EQ_STR(s, " x\n---\n 1\n\n y\n---\n");
	free(s);
	s = render(TL_TABLE_CSV, false, 0, two_sets);
	T_EQ_STR(s, "x\n1\ny\n");
	free(s);
}

static void test_width(void)
{
	T_EQ_INT(tl_text_width("abc", 3), 3);
	T_EQ_INT(tl_text_width("日本", 6), 4);
	T_EQ_INT(tl_text_width("e\xcc\x81", 3), 1);     /* e + combining acute */
	T_EQ_INT(tl_text_width("\xf0\x9f\x98\x80", 4), 2); /* 😀 */
	T_EQ_INT(tl_text_width("\xff" "a", 2), 2);
}

static void test_kinds(void)
{
	T_EQ_INT(tl_col_kind_of("bigint"), TL_COL_INT);
	T_EQ_INT(tl_col_kind_of("INTEGER"), TL_COL_INT);
	T_EQ_INT(tl_col_kind_of("decimal(10,2)"), TL_COL_DECIMAL);
	T_EQ_INT(tl_col_kind_of("double"), TL_COL_FLOAT);
	T_EQ_INT(tl_col_kind_of("boolean"), TL_COL_BOOL);
	T_EQ_INT(tl_col_kind_of("json"), TL_COL_JSON);
	T_EQ_INT(tl_col_kind_of("array(row(tag varchar))"), TL_COL_STRING);
	T_EQ_INT(tl_col_kind_of("interval day to second"), TL_COL_STRING);
	T_EQ_INT(tl_col_kind_of(NULL), TL_COL_STRING);
}

/* CSV written by tl_table and read by tl_csv: the same values, NULL and "" apart. */
struct back {
	struct tl_buf b;
};

static int on_back(const struct tl_csv_field *f, size_t n, void *ctx)
{
	struct back *bk = ctx;
	size_t i;
	for (i = 0; i < n; i++) {
		tl_buf_adds(&bk->b, i ? "|" : "");
		if (f[i].null)
			tl_buf_adds(&bk->b, "NULL");
		else
			tl_buf_add(&bk->b, f[i].p, f[i].len);
	}
	tl_buf_addc(&bk->b, ';');
	return 0;
}

static void test_round_trip(void)
{
	char *s = render(TL_TABLE_CSV, true, 0, rows_basic);
	struct back bk = { TL_BUF_INIT };
	struct tl_csv c;
	tl_csv_init(&c, ',', 0, on_back, &bk);
	T_EQ_INT(tl_csv_feed(&c, s, strlen(s)), 0);
	T_EQ_INT(tl_csv_finish(&c), 0);
	T_EQ_STR(tl_buf_str(&bk.b), "1|Ann|2.5|true|[a, b]|{\"k\": [1, 2]};"
				    "2||NULL|false|NULL|not json;"
				    "3|say \"hi\",\nbye|NaN|NULL|[]|NULL;");
	T_EQ_INT(c.bad, 0);
	tl_csv_release(&c);
	tl_buf_release(&bk.b);
	free(s);
}

static void rows_odd(struct tl_table *t)
{
	const char *const n[] = { "s", "j" };
	const char *const ty[] = { "varchar", "json" };
	const char *r[] = { "bad \xff byte", "{\n  \"a\": [1,\n 2]\n}" };
	tl_table_begin(t, 2, n, ty);
	tl_table_row(t, r, NULL);
	tl_table_end(t);
}

static void test_ndjson_stays_json(void)
{
	/* invalid UTF-8 becomes U+FFFD; a multi-line json value is compacted to one line */
	char *s = render(TL_TABLE_NDJSON, false, 0, rows_odd);
	T_EQ_STR(s, "{\"s\":\"bad \xef\xbf\xbd byte\",\"j\":{\"a\":[1,2]}}\n");
	free(s);
}

static void rows_many(struct tl_table *t)
{
	const char *const n[] = { "v", "w" };
	static char big[3001], huge[5001];
	const char *r[] = { big, "a" };
	memset(big, 'x', sizeof big - 1);
	memset(huge, 'y', sizeof huge - 1);
	tl_table_begin(t, 2, n, NULL);
	tl_table_row(t, r, NULL);
	tl_table_row(t, r, NULL);
	r[0] = huge;
	tl_table_row(t, r, NULL);
	tl_table_end(t);
}

static void test_table_window_bytes(void)
{
	/* window_bytes of 4 KiB: the window closes after the two 3000-byte rows, so their column
	 * stays 3000 wide and the 5000-byte row after them overflows on its own line */
	struct tl_table_opts o = { 0 };
	struct tl_out out;
	struct tl_table *t;
	FILE *f = tmpfile();
	static char line[8192];
	size_t lens[8] = { 0 };
	int n = 0;
	o.format = TL_TABLE_TABLE;
	o.window_bytes = 4096;
	tl_out_init(&out, fileno(f));
	t = tl_table_new(&out, &o);
	rows_many(t);
	tl_table_free(t);
	tl_out_close(&out);
	rewind(f);
	while (n < 8 && fgets(line, sizeof line, f))
		lens[n++] = strlen(line);
	T_EQ_INT(n, 5);
	T_EQ_INT(lens[2], 1 + 3000 + 3 + 1 + 1);
	T_EQ_INT(lens[4], 1 + 5000 + 3 + 1 + 1);
	fclose(f);
}

static void test_formats(void)
{
	enum tl_table_format f;
	T_EQ_INT(tl_table_format_parse("tsv", &f), 0);
	T_EQ_INT(f, TL_TABLE_TSV);
	T_EQ_INT(tl_table_format_parse("json", &f), 0);
	T_EQ_INT(f, TL_TABLE_NDJSON);
	T_EQ_INT(tl_table_format_parse("xml", &f), -1);
}

int main(void)
{
	TEST(test_csv);
	TEST(test_tsv);
	TEST(test_ndjson);
	TEST(test_ndjson_keys_and_numbers);
	TEST(test_table);
	TEST(test_table_window);
	TEST(test_sets);
	TEST(test_width);
	TEST(test_kinds);
	TEST(test_round_trip);
	TEST(test_formats);
	TEST(test_ndjson_stays_json);
	TEST(test_table_window_bytes);
	return t_done();
}
