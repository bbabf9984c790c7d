/* Unit tests for tl_csv: the streaming CSV parser of Athena's result files. Each case is parsed
 * whole and again fed one byte at a time, which must give the same records. */
#include "t.h"
#include "tl_buf.h"
#include "tl_csv.h"

#include <stdlib.h>
#include <string.h>

/* Records rendered as text: fields as [text] or NULL, separated by '|', one record a line. */
struct dump {
	struct tl_buf b;
	int stop_after;
};

static int on_row(const struct tl_csv_field *f, size_t n, void *ctx)
{
	struct dump *d = ctx;
	size_t i;
	for (i = 0; i < n; i++) {
		if (i)
			tl_buf_addc(&d->b, '|');
		if (f[i].null) {
			tl_buf_adds(&d->b, "NULL");
		} else {
			tl_buf_addc(&d->b, '[');
			tl_buf_add(&d->b, f[i].p, f[i].len);
			tl_buf_addc(&d->b, ']');
		}
		if (f[i].p[f[i].len] != '\0')
			tl_buf_adds(&d->b, "<unterminated>");
	}
	tl_buf_addc(&d->b, '\n');
	if (d->stop_after && --d->stop_after == 0)
		return 1;
	return 0;
}

/* Parses s with chunk size step (0: all at once); returns the dump (caller frees) and *rc. */
static char *parse(const char *s, size_t step, int *rc, unsigned long long *bad)
{
	struct dump d = { TL_BUF_INIT, 0 };
	struct tl_csv c;
	size_t n = strlen(s), i;
	int r = 0;
	tl_csv_init(&c, ',', 0, on_row, &d);
	if (!step)
		step = n ? n : 1;
	for (i = 0; i < n && r == 0; i += step)
		r = tl_csv_feed(&c, s + i, n - i < step ? n - i : step);
	if (r == 0)
		r = tl_csv_finish(&c);
	*rc = r;
	if (bad)
		*bad = c.bad;
	tl_csv_release(&c);
	return tl_buf_detach(&d.b, NULL);
}

static void check(const char *in, const char *want)
{
	size_t steps[] = { 0, 1, 2, 3, 7 };
	size_t i;
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		int rc;
		char *got = parse(in, steps[i], &rc, NULL);
		T_EQ_INT(rc, 0);
		T_EQ_STR(got, want);
		free(got);
	}
}

static void test_simple(void)
{
	check("a,b,c\n1,2,3\n", "[a]|[b]|[c]\n[1]|[2]|[3]\n");
	check("a,b\n1,2", "[a]|[b]\n[1]|[2]\n");
	check("", "");
	check("x\r\ny\r\n", "[x]\n[y]\n");
}

static void test_null_vs_empty(void)
{
	/* Athena: NULL is an empty unquoted field, "" the empty string */
	check("\"a\",,\"\"\n", "[a]|NULL|[]\n");
	check(",\n", "NULL|NULL\n");
	check("\"\",\"\"\n", "[]|[]\n");
	check("\n\n", "NULL\nNULL\n");
	check("a,\n", "[a]|NULL\n");
	check("a,", "[a]|NULL\n");
}

static void test_quotes(void)
{
	check("\"say \"\"hi\"\"\",2\n", "[say \"hi\"]|[2]\n");
	check("\"a,b\",\"c\nd\"\n", "[a,b]|[c\nd]\n");
	check("\"line1\r\nline2\"\r\n", "[line1\r\nline2]\n");
	check("\"\"\"\"\n", "[\"]\n");
	check("\"a\"\"\"", "[a\"]\n");
}

static void test_unicode(void)
{
	check("\"日本語\",\"😀 emoji\",naïve\n", "[日本語]|[😀 emoji]|[naïve]\n");
}

static void test_lenient(void)
{
	int rc;
	unsigned long long bad;
	char *got = parse("ab\"c,\"x\"y\n", 1, &rc, &bad);
	T_EQ_INT(rc, 0);
	T_EQ_STR(got, "[ab\"c]|[xy]\n");
	T_EQ_INT(bad, 2);
	free(got);
	got = parse("a\rb,c\n", 0, &rc, NULL);
	T_EQ_STR(got, "[a\rb]|[c]\n");
	free(got);
}

static void test_unterminated(void)
{
	int rc;
	char *got = parse("a,b\n\"open,\n", 0, &rc, NULL);
	T_EQ_INT(rc, -1);
	T_EQ_STR(got, "[a]|[b]\n");
	free(got);
}

static void test_stop(void)
{
	struct dump d = { TL_BUF_INIT, 2 };
	struct tl_csv c;
	const char *in = "1\n2\n3\n4\n";
	tl_csv_init(&c, ',', 0, on_row, &d);
	T_EQ_INT(tl_csv_feed(&c, in, strlen(in)), 1);
	T_EQ_STR(tl_buf_str(&d.b), "[1]\n[2]\n");
	T_EQ_INT(c.records, 2);
	tl_csv_release(&c);
	tl_buf_release(&d.b);
}

static void test_cap(void)
{
	struct dump d = { TL_BUF_INIT, 0 };
	struct tl_csv c;
	const char *in = "short\n\"this one is much too long\"\nok\n";
	tl_csv_init(&c, ',', 10, on_row, &d);
	T_EQ_INT(tl_csv_feed(&c, in, strlen(in)), -1);
	T_CHECK(strstr(c.err, "line 2") != NULL);
	T_EQ_STR(tl_buf_str(&d.b), "[short]\n");
	tl_csv_release(&c);
	tl_buf_release(&d.b);
}

static void test_tab_and_nul(void)
{
	struct dump d = { TL_BUF_INIT, 0 };
	struct tl_csv c;
	static const char in[] = "a\tb\"c\t\"d\te\"\n\"x\0y\"\t\n";
	tl_csv_init(&c, '\t', 0, on_row, &d);
	T_EQ_INT(tl_csv_feed(&c, in, sizeof in - 1), 0);
	T_EQ_INT(tl_csv_finish(&c), 0);
	T_EQ_INT(c.records, 2);
	static const char want[] = "[a]|[b\"c]|[d\te]\n[x\0y]|NULL\n";
	T_EQ_INT(d.b.len, sizeof want - 1);
	T_CHECK(d.b.len == sizeof want - 1 && memcmp(d.b.data, want, d.b.len) == 0);
	tl_csv_release(&c);
	tl_buf_release(&d.b);
}

static void test_lines(void)
{
	struct dump d = { TL_BUF_INIT, 0 };
	struct tl_csv c;
	const char *in = "a\n\"b\nc\"\n\"unterminated\nx";
	tl_csv_init(&c, ',', 0, on_row, &d);
	T_EQ_INT(tl_csv_feed(&c, in, strlen(in)), 0);
	T_EQ_INT(tl_csv_finish(&c), -1);
	T_CHECK(strstr(c.err, "line 5") != NULL);
	tl_csv_release(&c);
	tl_buf_release(&d.b);
}

int main(void)
{
	TEST(test_simple);
	TEST(test_null_vs_empty);
	TEST(test_quotes);
	TEST(test_unicode);
	TEST(test_lenient);
	TEST(test_unterminated);
	TEST(test_stop);
	TEST(test_cap);
	TEST(test_tab_and_nul);
	TEST(test_lines);
	return t_done();
}
