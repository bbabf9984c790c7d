/* Unit tests for tl_sql_split (';' splits only outside quotes and comments, quotes read as
 * Hive or Trino reads them) and tl_sql_literal_parse (parameter values). */
#include "t.h"
#include "tl_sql.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char **st;
static size_t nst;

static void split(const char *s)
{
	tl_sql_free(st, nst);
	nst = tl_sql_split(s, strlen(s), &st);
}

static void test_basic(void)
{
	split("SELECT 1; SELECT 2;\n");
	T_EQ_INT(nst, 2);
	T_EQ_STR(st[0], "SELECT 1");
	T_EQ_STR(st[1], "SELECT 2");
	split("  SELECT 1  ");
	T_EQ_INT(nst, 1);
	T_EQ_STR(st[0], "SELECT 1");
	split(" ;; \n -- nothing\n; /* none */ ");
	T_EQ_INT(nst, 0);
	T_CHECK(st == NULL);
}

static void test_quotes(void)
{
	split("SELECT 'a;b', 'it''s;' FROM \"t;x\" WHERE `c;` = 1; SELECT 2");
	T_EQ_INT(nst, 2);
	T_EQ_STR(st[0], "SELECT 'a;b', 'it''s;' FROM \"t;x\" WHERE `c;` = 1");
	T_EQ_STR(st[1], "SELECT 2");
}

static void test_comments(void)
{
	split("SELECT 1 -- not here; nor here\n, 2; /* a; b */ SELECT 3");
	T_EQ_INT(nst, 2);
	T_EQ_STR(st[0], "SELECT 1 -- not here; nor here\n, 2");
	T_EQ_STR(st[1], "/* a; b */ SELECT 3");
	split("SELECT '--;' ; SELECT '/*'; SELECT 4");
	T_EQ_INT(nst, 3);
	T_EQ_STR(st[0], "SELECT '--;'");
	T_EQ_STR(st[2], "SELECT 4");
}

static void test_unterminated(void)
{
	split("SELECT 1; SELECT 'open; still");
	T_EQ_INT(nst, 2);
	T_EQ_STR(st[1], "SELECT 'open; still");
}

/* What glue-crawl --ddl wrote for a hostile key before it escaped quotes as \047: Hive reads
 * one statement (the key is in a string), so the splitter must too. */
static void test_hive_ddl(void)
{
	split("CREATE EXTERNAL TABLE `d`.`t` (`a` int)\n"
	      "WITH SERDEPROPERTIES ('mapping.a'='Ev\\'=1); DROP TABLE tweets; CREATE TABLE x (a int) --')\n"
	      "LOCATION 's3://b/t/';\nSELECT 1");
	T_EQ_INT(nst, 2);
	T_CHECK(strstr(st[0], "DROP TABLE tweets") != NULL);
	T_CHECK(strstr(st[0], "LOCATION 's3://b/t/'") != NULL);
	T_EQ_STR(st[1], "SELECT 1");
	/* Hive's other forms: "..." strings, an escaped backslash before the closing quote */
	split("ALTER TABLE t SET TBLPROPERTIES (\"k\"=\"a\\\";b\", 'c'='d\\\\'); SELECT 2");
	T_EQ_INT(nst, 2);
	T_EQ_STR(st[1], "SELECT 2");
	split("  -- lead\n create table `x` (a string comment 'it\\'s; fine'); show tables");
	T_EQ_INT(nst, 2);
	split("DROP TABLE `t` /* ' */; MSCK REPAIR TABLE t; DESCRIBE t; CREATE DATABASE d COMMENT 'a\\';b'");
	T_EQ_INT(nst, 4);
	T_EQ_STR(st[3], "CREATE DATABASE d COMMENT 'a\\';b'");
}

/* Trino's statements take no backslash escapes: 'a\' is a whole string, and 'x\''; ... is
 * one string holding a quote (a value quoted the Trino way must never split there). */
static void test_trino(void)
{
	split("SELECT 'C:\\'; SELECT 2");
	T_EQ_INT(nst, 2);
	T_EQ_STR(st[0], "SELECT 'C:\\'");
	split("SELECT 'x\\''; DROP TABLE t; --' AS v");
	T_EQ_INT(nst, 1);
	/* CTAS and views are Trino's, though they start with CREATE */
	split("CREATE TABLE t2 WITH (format = 'JSON') AS SELECT 'x\\''; DROP TABLE t; --' AS v");
	T_EQ_INT(nst, 1);
	split("CREATE TABLE \"d\".\"t2\" AS SELECT 'x\\''; DROP TABLE t; --' AS v");
	T_EQ_INT(nst, 1);
	split("create or replace view v as select 'x\\''; drop table t; --' as v");
	T_EQ_INT(nst, 1);
	split("DROP VIEW v; SHOW CREATE VIEW v; DESCRIBE VIEW v; SELECT 'a\\'; SELECT 3");
	T_EQ_INT(nst, 5);
	/* ...while CREATE TABLE name ( is Hive DDL, whatever the name's quotes */
	split("CREATE TABLE IF NOT EXISTS `d`.`t` (a string COMMENT 'x\\''; SELECT 9");
	T_EQ_INT(nst, 2);
	T_EQ_STR(st[1], "SELECT 9");
}

static void lit(const char *s, enum tl_sql_lit_kind kind, const char *text)
{
	struct tl_sql_literal l;
	char *err = NULL;
	if (!t_ok(tl_sql_literal_parse(s, &l, &err) == 0, "literal %s", s)) {
		printf("#   %s\n", err);
		free(err);
		return;
	}
	T_EQ_INT(l.kind, kind);
	if (text)
		T_EQ_STR(l.text, text);
	else
		T_CHECK(l.text == NULL);
	tl_sql_literal_free(&l);
}

static void notlit(const char *s, const char *why)
{
	struct tl_sql_literal l;
	char *err = NULL;
	int r = tl_sql_literal_parse(s, &l, &err);
	t_ok(r == -1 && err && strstr(err, why), "not a literal: %s (%s)", s, err ? err : "accepted");
	free(err);
}

static void test_literals(void)
{
	struct tl_sql_literal l;
	char *err = NULL;
	lit("'2026-11-25'", TL_SQL_LIT_STRING, "2026-11-25");
	lit(" 'it''s' ", TL_SQL_LIT_STRING, "it's");
	lit("''", TL_SQL_LIT_STRING, "");
	lit("'a;b -- c'", TL_SQL_LIT_STRING, "a;b -- c");
	lit("42", TL_SQL_LIT_INTEGER, "42");
	lit("-7", TL_SQL_LIT_INTEGER, "-7");
	lit("1.5", TL_SQL_LIT_NUMBER, "1.5");
	lit(".5", TL_SQL_LIT_NUMBER, ".5");
	lit("-2E3", TL_SQL_LIT_NUMBER, "-2E3");
	lit("true", TL_SQL_LIT_BOOLEAN, NULL);
	lit("NULL", TL_SQL_LIT_NULL, NULL);
	lit("DATE '2024-02-29'", TL_SQL_LIT_DATE, "2024-02-29");
	lit("timestamp  '2026-11-25 03:04:05.123'", TL_SQL_LIT_TIMESTAMP, "2026-11-25 03:04:05.123");
	lit("TIMESTAMP '2026-11-25 03:04'", TL_SQL_LIT_TIMESTAMP, "2026-11-25 03:04");
	T_EQ_INT(tl_sql_literal_parse("FALSE", &l, &err), 0);
	T_EQ_INT(l.i, 0);
	T_EQ_INT(tl_sql_literal_parse("9223372036854775807", &l, &err), 0);
	T_EQ_INT(l.i, INT64_MAX);
	tl_sql_literal_free(&l);
	T_EQ_INT(tl_sql_literal_parse("2.5e-1", &l, &err), 0);
	T_CHECK(l.d == 0.25);
	tl_sql_literal_free(&l);
	notlit("2026-11-25", "not one SQL literal");
	notlit("en", "not one SQL literal");
	notlit("", "not one SQL literal");
	notlit("1 OR 1=1", "not one SQL literal");
	notlit("'a' OR 'b'='b'", "not one 'string'");
	notlit("'a'||'b'", "not one 'string'");
	notlit("'it's'", "not one 'string'");
	notlit("'open", "not one 'string'");
	notlit("\"a\"", "not one SQL literal");
	notlit("1e", "not one SQL literal");
	notlit("0x10", "not one SQL literal");
	notlit("9223372036854775808", "bigint range");
	notlit("DATE '2026-02-30'", "DATE 'YYYY-MM-DD'");
	notlit("DATE 2026-02-03", "DATE 'YYYY-MM-DD'");
	notlit("TIMESTAMP '2026-11-25T03:04:05Z'", "TIMESTAMP 'YYYY-MM-DD HH:MM:SS");
	notlit("TIMESTAMP '2026-11-25 24:00:00'", "TIMESTAMP");
	notlit("NULL NULL", "not one SQL literal");
}

static void test_first_word(void)
{
	char w[16];
	tl_sql_first_word("  -- c\n /* x */ show tables", w, sizeof w);
	T_EQ_STR(w, "SHOW");
	tl_sql_first_word("(select 1)", w, sizeof w);
	T_EQ_STR(w, "");
	tl_sql_first_word("DESCRIBE t", w, 4);
	T_EQ_STR(w, "DES");
}

int main(void)
{
	TEST(test_basic);
	TEST(test_quotes);
	TEST(test_comments);
	TEST(test_unterminated);
	TEST(test_hive_ddl);
	TEST(test_trino);
	TEST(test_literals);
	TEST(test_first_word);
	tl_sql_free(st, nst);
	return t_done();
}
