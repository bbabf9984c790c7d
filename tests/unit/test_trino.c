/* Unit tests of the Trino SQL parser (tl_trino): trees for the constructs a lake's queries use,
 * Trino's precedence, and errors that say where and what. */
#include "t.h"
#include "tl_buf.h"
#include "tl_trino.h"

#include <stdlib.h>
#include <string.h>

static char *dump(const char *sql)
{
	char *err = NULL;
	struct tl_trino_tree *t = tl_trino_parse(sql, &err);
	if (!t)
		return err;
	struct tl_buf b = TL_BUF_INIT;
	tl_trino_dump(t->root, &b);
	tl_trino_free(t);
	return tl_buf_detach(&b, NULL);
}

#define P(sql, want) do { char *got_ = dump(sql); T_EQ_STR(got_, want); free(got_); } while (0)

static void precedence(void)
{
	/* || binds looser than +, which binds looser than *; AND before OR; NOT above comparisons */
	P("SELECT 1 + 2 * 3 || 'x', NOT a = b OR c AND d",
	  "(query - (select (list (item (binary \"||\" (binary \"+\" (int \"1\") (binary \"*\" (int \"2\") "
	  "(int \"3\"))) (string \"x\"))) (item (binary \"OR\" (unary \"NOT\" (binary \"=\" (ident \"a\") "
	  "(ident \"b\"))) (binary \"AND\" (ident \"c\") (ident \"d\"))))) - - - - -) - - -)");
	P("SELECT -x[1].f AT TIME ZONE 'UTC'",
	  "(query - (select (list (item (unary \"-\" (attz (deref \"f\" (subscript (ident \"x\") (int \"1\"))) "
	  "(string \"UTC\"))))) - - - - -) - - -)");
}

static void relations(void)
{
	P("SELECT t.tag FROM tweets CROSS JOIN UNNEST(entities.hashtags) WITH ORDINALITY AS t (s, e, tag, n)",
	  "(query - (select (list (item (deref \"tag\" (ident \"t\")))) (join \"CROSS\" (name (ident \"tweets\")) "
	  "(aliased \"t\" (unnest :ordinality (deref \"hashtags\" (ident \"entities\"))) (list (ident \"s\") "
	  "(ident \"e\") (ident \"tag\") (ident \"n\"))) - -) - - - -) - - -)");
	P("SELECT 1 FROM a LEFT JOIN b USING (k), c",
	  "(query - (select (list (item (int \"1\"))) (join \"CROSS\" :implicit (join \"LEFT\" (name (ident \"a\")) "
	  "(name (ident \"b\")) - (list (ident \"k\"))) (name (ident \"c\")) - -) - - - -) - - -)");
}

static void lambdas_and_literals(void)
{
	P("SELECT transform(a, x -> x + 1), reduce(a, 0, (s, x) -> s + x, s -> s)",
	  "(query - (select (list (item (call \"transform\" (list (ident \"a\") (lambda (list (ident \"x\")) "
	  "(binary \"+\" (ident \"x\") (int \"1\")))) - - -)) (item (call \"reduce\" (list (ident \"a\") "
	  "(int \"0\") (lambda (list (ident \"s\") (ident \"x\")) (binary \"+\" (ident \"s\") (ident \"x\"))) "
	  "(lambda (list (ident \"s\")) (ident \"s\"))) - - -))) - - - - -) - - -)");
	P("SELECT DATE '2026-11-25', INTERVAL '1' HOUR, 1.50, 2e3, 'it''s', U&'\\00e9', \"Q\"\"x\"",
	  "(query - (select (list (item (typed \"2026-11-25\" (type \"date\"))) (item (interval \"1\" "
	  "(ident \"hour\") -)) (item (decimal \"1.50\")) (item (double \"2e3\")) (item (string \"it's\")) "
	  "(item (string \"\xc3\xa9\")) (item (ident \"Q\\\"x\" :quoted))) - - - - -) - - -)");
	P("SELECT CAST(x AS array(row(a bigint, b varchar))), count(*) FILTER (WHERE y) OVER (PARTITION BY z)",
	  "(query - (select (list (item (cast (ident \"x\") (type \"array\" (type \"row\" (field \"a\" "
	  "(type \"bigint\")) (field \"b\" (type \"varchar\")))))) (item (call \"count\" :star (list) "
	  "(ident \"y\") (window (list (ident \"z\")) - -) -))) - - - - -) - - -)");
}

static void statements(void)
{
	P("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT * FROM c ORDER BY 1 "
	  "OFFSET 1 LIMIT 2;",
	  "(query (list :recursive (cte \"c\" (list (ident \"x\")) (query - (setop \"UNION\" :all (select "
	  "(list (item (int \"1\"))) - - - - -) (select (list (item (binary \"+\" (ident \"x\") (int \"1\")))) "
	  "(name (ident \"c\")) - - - -)) - - -))) (select (list (star -)) (name (ident \"c\")) - - - -) "
	  "(list (sort (int \"1\"))) (int \"1\") (int \"2\"))");
	P("EXPLAIN SHOW TABLES", "(explain (show \"TABLES\" - -))");
	P("DESCRIBE d.t", "(describe (name (ident \"d\") (ident \"t\")))");
	/* a ? numbered in order, the same after SUBSTRING backtracks */
	P("SELECT substring(?, 1), ?",
	  "(query - (select (list (item (call \"substring\" (list (param \"1\") (int \"1\")) - - -)) "
	  "(item (param \"2\"))) - - - - -) - - -)");
}

static void errors(void)
{
	P("SELECT 1 +", "line 1, column 11: expected an expression, found the end of the statement");
	P("SELECT a\n  FROM t WHERE x ==", "line 2, column 19: expected an expression, found '='");
	P("SELECT h.end FROM t", "line 1, column 10: expected a field name after '.' ('end' is a reserved "
	  "word: quote it, \"end\"), found 'end'");
	P("SELECT 'abc", "line 1, column 8: unterminated string");
	P("SELECT /* x", "line 1, column 8: unterminated comment");
	P("SELECT `a`", "line 1, column 8: backquoted names are not Trino's: quote names with double quotes (\"name\")");
	P("DELETE FROM t", "line 1, column 1: DELETE is not allowed: the local engine reads the lake and "
	  "nothing else (SELECT, WITH, VALUES, EXPLAIN, SHOW, DESCRIBE)");
	P("SELECT 1 FROM t TABLESAMPLE SYSTEM (1)", "line 1, column 17: TABLESAMPLE is not supported offline");
	P("SELECT é", "line 1, column 8: unexpected character '\xc3\xa9'");
	P("SELECT 1; SELECT 2", "line 1, column 11: expected the end of the statement, found 'SELECT'");
	/* deep nesting is refused, not a crashed stack */
	char *deep = malloc(20000);
	strcpy(deep, "SELECT ");
	for (int i = 0; i < 5000; i++)
		strcat(deep, "(");
	char *got = dump(deep);
	T_CHECK(strstr(got, "nested too deeply") != NULL);
	free(got);
	free(deep);
}

int main(void)
{
	TEST(precedence);
	TEST(relations);
	TEST(lambdas_and_literals);
	TEST(statements);
	TEST(errors);
	return t_done();
}
