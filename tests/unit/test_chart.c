/* tl_chart (bars and lines as text and SVG), tl_prompt_sql_end (when a statement typed at the
 * prompt is complete), tl_term_size (the size when the output is not a terminal). */
#include "t.h"

#include "tl_buf.h"
#include "tl_chart.h"
#include "tl_prompt.h"
#include "tl_term.h"

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

static struct tl_chart *bars(const char *const *labels, const double *v, size_t n)
{
	static const char *const one[] = { "tweets" };
	struct tl_chart *c = tl_chart_new(TL_CHART_BAR, "lang", 1, one);
	for (size_t i = 0; i < n; i++) {
		bool has = true;
		tl_chart_add(c, labels[i], &v[i], &has);
	}
	return c;
}

static char *text_of(const struct tl_chart *c, int width, int height)
{
	struct tl_chart_style st = { width, height, false };
	struct tl_buf b = TL_BUF_INIT;
	T_CHECK(tl_chart_text(c, &st, &b) == 0);
	return tl_buf_detach(&b, NULL);
}

/* Bars are drawn to an eighth of a cell: 31 cells for 100, so 50 is 15 cells and a half block,
 * 12.5 three cells and seven eighths. The axis ends on a round number with ticks under it. */
static void test_bar_eighths(void)
{
	static const char *const l[] = { "en", "ja", "es" };
	static const double v[] = { 100, 50, 12.5 };
	struct tl_chart *c = bars(l, v, 3);
	char *t = text_of(c, 40, 0);
	T_EQ_STR(t, "tweets by lang\n"
		    "en │███████████████████████████████ 100\n"
		    "ja │███████████████▌ 50\n"
		    "es │███▉ 12.5\n"
		    "   └───────────────┬──────────────┬\n"
		    "   0               50            100\n");
	free(t);
	tl_chart_free(c);
}

/* Every line fits the width asked for, long labels are cut with an ellipsis, control
 * characters and invalid UTF-8 in labels are escaped, a tiny value still shows, NULL says so. */
static void test_bar_fits_and_escapes(void)
{
	static const char *const one[] = { "n" };
	struct tl_chart *c = tl_chart_new(TL_CHART_BAR, "label", 1, one);
	double v[] = { 1000000, 1, 0, 250000 };
	bool has[] = { true, true, false, true };
	tl_chart_add(c, "a label that is much longer than a third of the width", &v[0], &has[0]);
	tl_chart_add(c, "tab\there\x1b[31m", &v[1], &has[1]);
	tl_chart_add(c, "bad \xff byte", &v[2], &has[2]);
	tl_chart_add(c, NULL, &v[3], &has[3]);
	char *t = text_of(c, 60, 0);
	T_CHECK(strstr(t, "tab\\there\\x1B[31m") != NULL);
	T_CHECK(strchr(t, '\x1b') == NULL && strchr(t, '\t') == NULL);
	T_CHECK(strstr(t, "\xE2\x80\xA6") != NULL);          /* … */
	T_CHECK(strstr(t, "\xE2\x94\x82\xE2\x96\x8F 1\n") != NULL); /* │▏ 1: one eighth at least */
	T_CHECK(strstr(t, " NULL\n") != NULL);
	T_CHECK(strstr(t, "\nNULL") != NULL);                 /* a NULL label */
	T_CHECK(strstr(t, "0.5M") != NULL && strstr(t, "1.0M\n") != NULL); /* in millions */
	/* no line wider than 60 columns: count characters, not bytes (all are 1 column here) */
	for (char *line = t, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		size_t cols = 0;
		for (char *p = line; p < nl; p++)
			cols += ((unsigned char)*p & 0xC0) != 0x80;
		T_CHECK(cols <= 60);
	}
	free(t);
	tl_chart_free(c);
}

/* Several series: a series column, a legend; negative values go left of zero. */
static void test_bar_series_negative(void)
{
	static const char *const two[] = { "likes", "change" };
	struct tl_chart *c = tl_chart_new(TL_CHART_BAR, "lang", 2, two);
	double a[] = { 80, -40 }, b[] = { 40, 20 };
	bool h[] = { true, true };
	tl_chart_add(c, "en", a, h);
	tl_chart_add(c, "ja", b, h);
	char *t = text_of(c, 50, 0);
	T_CHECK(strstr(t, "likes, change by lang\n") == t);
	T_CHECK(strstr(t, "en likes  │") != NULL);
	T_CHECK(strstr(t, "   change │") != NULL);
	T_CHECK(strstr(t, " -40\n") != NULL);
	T_CHECK(strstr(t, "█ likes  █ change\n") != NULL);
	T_CHECK(strstr(t, "-50") != NULL || strstr(t, "-40") != NULL);
	free(t);
	tl_chart_free(c);
}

/* Zero draws nothing, whatever cell the zero of the scale falls in; a value next to it shows. */
static void test_bar_zero(void)
{
	static const char *const l[] = { "neg", "zero", "tiny" };
	static const double v[] = { -3, 0, 0.001 };
	struct tl_chart *c = bars(l, v, 3);
	char *t = text_of(c, 40, 0);
	const char *z = strstr(t, "zero │");
	T_CHECK(z != NULL);
	if (z) {
		const char *nl = strchr(z, '\n');
		T_CHECK(nl && !memmem(z, (size_t)(nl - z), "\xE2\x96", 3)); /* no block element */
		T_CHECK(nl && nl[-1] == '0' && nl[-2] == ' ');
	}
	T_CHECK(strstr(t, "\xE2\x96\x8F 0.001\n") != NULL); /* ▏ */
	free(t);
	tl_chart_free(c);
}

/* A line over time: braille dots, the value axis from zero, times on the x axis and the range
 * under it; a NULL value breaks the line. */
static void test_line_time(void)
{
	static const char *const one[] = { "tweets" };
	struct tl_chart *c = tl_chart_new(TL_CHART_LINE, "minute", 1, one);
	for (int i = 0; i < 60; i++) {
		char x[40];
		double v = 10 + i;
		bool has = i != 30;
		snprintf(x, sizeof x, "2026-11-25 03:%02d:00.000", i);
		tl_chart_add(c, x, &v, &has);
	}
	char *t = text_of(c, 80, 10);
	T_CHECK(strstr(t, "tweets by minute\n") == t);
	T_CHECK(strstr(t, "\xE2\xA0") != NULL || strstr(t, "\xE2\xA1") != NULL ||
		strstr(t, "\xE2\xA2") != NULL || strstr(t, "\xE2\xA3") != NULL);
	T_CHECK(strstr(t, "03:00") != NULL && strstr(t, "03:30") != NULL);
	T_CHECK(strstr(t, "minute, 2026-11-25T03:00:00Z to 2026-11-25T03:59:00Z\n") != NULL);
	T_CHECK(strstr(t, " 0 \xE2\x94\xA4") != NULL); /* " 0 ┤": the scale starts at zero */
	int lines = 0;
	for (char *p = t; *p; p++)
		lines += *p == '\n';
	T_EQ_INT(lines, 1 + 10 + 2 + 1); /* title, plot, axis and labels, range */
	free(t);
	tl_chart_free(c);
}

/* Numbers on the x axis are placed by value; labels that are neither numbers nor times are
 * spaced evenly and shown as they are. */
static void test_line_numeric_and_labels(void)
{
	static const char *const one[] = { "y" };
	struct tl_chart *c = tl_chart_new(TL_CHART_LINE, "x", 1, one);
	double xs[] = { 0, 1, 2, 10 };
	for (int i = 0; i < 4; i++) {
		char x[16];
		double v = xs[i] * 2;
		bool has = true;
		snprintf(x, sizeof x, "%g", xs[i]);
		tl_chart_add(c, x, &v, &has);
	}
	char *t = text_of(c, 60, 8);
	T_CHECK(strstr(t, "10") != NULL && strstr(t, "20 ") != NULL);
	free(t);
	tl_chart_free(c);
	c = tl_chart_new(TL_CHART_LINE, "lang", 1, one);
	static const char *const l[] = { "en", "ja", "es" };
	for (int i = 0; i < 3; i++) {
		double v = i;
		bool has = true;
		tl_chart_add(c, l[i], &v, &has);
	}
	t = text_of(c, 60, 8);
	T_CHECK(strstr(t, "en") != NULL && strstr(t, "es") != NULL);
	free(t);
	tl_chart_free(c);
}

static void test_no_values(void)
{
	static const char *const one[] = { "n" };
	struct tl_chart *c = tl_chart_new(TL_CHART_LINE, "x", 1, one);
	double v = 0;
	bool has = false;
	tl_chart_add(c, "a", &v, &has);
	char *t = text_of(c, 40, 5);
	T_EQ_STR(t, "n by x\n(no values to draw)\n");
	free(t);
	struct tl_buf b = TL_BUF_INIT;
	T_CHECK(tl_chart_svg(c, 0, 0, &b) == 0);
	T_CHECK(strstr(b.data, "(no values to draw)") != NULL);
	tl_buf_release(&b);
	tl_chart_free(c);
}

/* The SVG: one document, markup in labels escaped, control bytes and bytes that are not UTF-8
 * escaped as on a terminal, bar widths
 * in proportion to the values. */
static void test_svg(void)
{
	static const char *const l[] = { "<en> & \"co\"", "ja\x01", "bad\xc3" };
	static const double v[] = { 100, 50, 25 };
	struct tl_chart *c = bars(l, v, 3);
	struct tl_buf b = TL_BUF_INIT;
	T_CHECK(tl_chart_svg(c, 800, 0, &b) == 0);
	T_CHECK(strncmp(b.data, "<?xml", 5) == 0);
	T_CHECK(strstr(b.data, "</svg>\n") != NULL);
	T_CHECK(strstr(b.data, "&lt;en&gt; &amp; &quot;co&quot;") != NULL);
	T_CHECK(strstr(b.data, "ja\\x01") != NULL);
	T_CHECK(strstr(b.data, "bad\\xC3") != NULL);
	for (size_t i = 0; i < b.len; i++)
		T_CHECK((unsigned char)b.data[i] >= 0x20 || b.data[i] == '\n');
	double w[3];
	int n = 0;
	for (const char *p = b.data; n < 3 && (p = strstr(p, "<rect x=")); p++) {
		const char *f = strstr(p, "fill=\"#4e79a7\"");
		const char *end = strchr(p, '>');
		if (!f || f > end)
			continue;
		const char *wp = strstr(p, "width=\"");
		w[n++] = strtod(wp + 7, NULL);
	}
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_CHECK(w[0] > 100);
		T_CHECK(w[1] > w[0] / 2 - 0.1 && w[1] < w[0] / 2 + 0.1);
		T_CHECK(w[2] > w[0] / 4 - 0.1 && w[2] < w[0] / 4 + 0.1);
	}
	tl_buf_release(&b);
	tl_chart_free(c);
}

/* A buffer whose cap is reached: -1 with E2BIG, and nothing half-drawn left in it. */
static void test_cap(void)
{
	static const char *const l[] = { "en", "ja" };
	static const double v[] = { 1, 2 };
	struct tl_chart *c = bars(l, v, 2);
	struct tl_buf b;
	tl_buf_init(&b, 100);
	tl_buf_adds(&b, "before");
	struct tl_chart_style st = { 80, 0, false };
	errno = 0;
	T_CHECK(tl_chart_text(c, &st, &b) == -1 && errno == E2BIG);
	T_EQ_STR(tl_buf_str(&b), "before");
	T_CHECK(tl_chart_svg(c, 0, 0, &b) == -1);
	T_EQ_STR(tl_buf_str(&b), "before");
	tl_buf_release(&b);
	tl_chart_free(c);
	enum tl_chart_kind k;
	T_CHECK(tl_chart_kind_parse("bar", &k) == 0 && k == TL_CHART_BAR);
	T_CHECK(tl_chart_kind_parse("line", &k) == 0 && k == TL_CHART_LINE);
	T_CHECK(tl_chart_kind_parse("pie", &k) == -1);
}

static size_t end_of(const char *s)
{
	return tl_prompt_sql_end(s, strlen(s));
}

/* A statement typed at the prompt is complete at a ';' outside quotes and comments. */
static void test_prompt_sql_end(void)
{
	T_EQ_INT(end_of(""), 0);
	T_EQ_INT(end_of("SELECT 1"), 0);
	T_EQ_INT(end_of("SELECT 1;"), 9);
	T_EQ_INT(end_of("SELECT 1;\n"), 9);
	T_EQ_INT(end_of("SELECT 1; SELECT"), 9);
	T_EQ_INT(end_of("SELECT 1; SELECT 2;"), 19);
	T_EQ_INT(end_of("SELECT ';"), 0);
	T_EQ_INT(end_of("SELECT ';\n'"), 0);
	T_EQ_INT(end_of("SELECT ';\n';"), 12);
	T_EQ_INT(end_of("SELECT 'it''s;'"), 0);
	T_EQ_INT(end_of("SELECT 1 -- not yet;"), 0);
	T_EQ_INT(end_of("SELECT 1 -- not yet;\n;"), 22);
	T_EQ_INT(end_of("SELECT 1 /* ; */"), 0);
	T_EQ_INT(end_of("SELECT 1 /* ; "), 0);
	T_EQ_INT(end_of("SELECT \"a;b\""), 0);
	T_EQ_INT(end_of("SELECT `a;b`;"), 13);
	T_EQ_INT(end_of("SELECT 1; -- done"), 9);
}

static void test_term_size(void)
{
	int rows, cols;
	if (isatty(STDOUT_FILENO)) {
		t_cur_skip = "stdout is a terminal";
		return;
	}
	setenv("COLUMNS", "132", 1);
	setenv("LINES", "50", 1);
	T_CHECK(!tl_term_size(STDOUT_FILENO, &rows, &cols));
	T_EQ_INT(cols, 132);
	T_EQ_INT(rows, 50);
	setenv("COLUMNS", "wide", 1);
	unsetenv("LINES");
	tl_term_size(STDOUT_FILENO, &rows, &cols);
	T_EQ_INT(cols, 80);
	T_EQ_INT(rows, 24);
	T_CHECK(!tl_term_color(STDOUT_FILENO));
}

int main(void)
{
	TEST(test_bar_eighths);
	TEST(test_bar_fits_and_escapes);
	TEST(test_bar_series_negative);
	TEST(test_bar_zero);
	TEST(test_line_time);
	TEST(test_line_numeric_and_labels);
	TEST(test_no_values);
	TEST(test_svg);
	TEST(test_cap);
	TEST(test_prompt_sql_end);
	TEST(test_term_size);
	return t_done();
}
