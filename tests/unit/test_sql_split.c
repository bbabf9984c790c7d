/* Unit tests for tl_sql_split: ';' splits only outside quotes and comments. */
#include "t.h"
#include "tl_sql.h"

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
	TEST(test_first_word);
	tl_sql_free(st, nst);
	return t_done();
}
