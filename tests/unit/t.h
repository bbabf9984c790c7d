/* tests/unit/t.h: a minimal TAP-like harness for the C unit tests.
 *
 *   T_CHECK(cond)              one assertion; a failure prints file:line and the expression
 *   T_EQ_STR(a, b), T_EQ_INT(a, b)
 *   t_ok(cond, fmt, ...)       one reported test line ("ok N - ..." or "not ok N - ...")
 *   return t_done();           at the end of main
 *
 * Assertions inside a test function set t_fail; TEST(fn) runs fn and reports it as one line.
 */
#ifndef TL_T_H
#define TL_T_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_n, t_failed, t_cur_fail;
/* Set inside a test function (with a reason) to report it skipped instead of passed. */
__attribute__((unused)) static const char *t_cur_skip;

static void t_vok(int ok, const char *fmt, va_list ap)
{
	t_n++;
	printf("%sok %d - ", ok ? "" : "not ", t_n);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		t_failed++;
}

__attribute__((format(printf, 2, 3), unused)) static int t_ok(int ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	t_vok(ok, fmt, ap);
	va_end(ap);
	return ok;
}

#define T_CHECK(c) do { if (!(c)) { t_cur_fail = 1; \
	printf("#   %s:%d: failed: %s\n", __FILE__, __LINE__, #c); } } while (0)
#define T_EQ_STR(a, b) do { const char *t_a_ = (a), *t_b_ = (b); \
	if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) { t_cur_fail = 1; \
	printf("#   %s:%d: %s == %s\n#     got:  \"%s\"\n#     want: \"%s\"\n", __FILE__, __LINE__, \
	       #a, #b, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); } } while (0)
#define T_EQ_INT(a, b) do { long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
	if (t_a_ != t_b_) { t_cur_fail = 1; \
	printf("#   %s:%d: %s == %s: got %lld, want %lld\n", __FILE__, __LINE__, #a, #b, \
	       t_a_, t_b_); } } while (0)

#define TEST(fn) do { t_cur_fail = 0; t_cur_skip = NULL; fn(); \
	if (t_cur_skip && !t_cur_fail) t_ok(1, "%s # skip %s", #fn, t_cur_skip); \
	else t_ok(!t_cur_fail, "%s", #fn); } while (0)

/* The path of a file under tests/data (malloc'd): relative to $TOP, which tests/run exports,
 * else to the working directory (the checkout's top when run by hand from there). */
__attribute__((unused)) static char *t_data_path(const char *rel)
{
	const char *top = getenv("TOP");
	char *p;
	if (asprintf(&p, "%s/tests/data/%s", top && *top ? top : ".", rel) < 0)
		return NULL;
	return p;
}

__attribute__((unused)) static int t_done(void)
{
	printf("# %d tests, %d failed\n", t_n, t_failed);
	return t_failed ? 1 : 0;
}
#endif
