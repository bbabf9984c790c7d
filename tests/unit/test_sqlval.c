/* Unit tests of tl_sqlval (how Athena's values are held and printed) and tl_tz (zones). */
#include "t.h"
#include "tl_buf.h"
#include "tl_sqlval.h"
#include "tl_tz.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void doubles_as_java(void)
{
	static const struct { double d; const char *want; } cases[] = {
		{ 0.0, "0.0" }, { -0.0, "-0.0" }, { 1.0, "1.0" }, { 0.1 + 0.2, "0.30000000000000004" },
		{ 100.0, "100.0" }, { 1234567.0, "1234567.0" }, { 1e7, "1.0E7" }, { 12345678.9, "1.23456789E7" },
		{ 0.001, "0.001" }, { 0.0001, "1.0E-4" }, { -2.5e-5, "-2.5E-5" }, { 1.7976931348623157e308,
		"1.7976931348623157E308" }, { 4.9e-324, "4.9E-324" }, { 0.5, "0.5" }, { 86400.0, "86400.0" },
	};
	char out[40];
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		tl_sqlval_double_text(cases[i].d, out);
		T_EQ_STR(out, cases[i].want);
	}
	tl_sqlval_double_text(NAN, out);
	T_EQ_STR(out, "NaN");
	tl_sqlval_double_text(-INFINITY, out);
	T_EQ_STR(out, "-Infinity");
}

static void decimals(void)
{
	char out[400];
	tl_sqlval_decimal_text(33.333333333333336, 1, out);
	T_EQ_STR(out, "33.3");
	tl_sqlval_decimal_text(2.675, 2, out); /* as a decimal would be: half up on 2.675 */
	T_EQ_STR(out, "2.68");
	tl_sqlval_decimal_text(-0.04, 1, out);
	T_EQ_STR(out, "0.0");
	tl_sqlval_decimal_text(99.96, 1, out);
	T_EQ_STR(out, "100.0");
	tl_sqlval_decimal_text(5, 0, out);
	T_EQ_STR(out, "5");
	tl_sqlval_decimal_text(-12.5, 0, out);
	T_EQ_STR(out, "-13");
	T_CHECK(tl_sqlval_round_decimal(0.125, 2) == 0.13);
	T_CHECK(tl_sqlval_round_decimal(1234.5, -2) == 1200.0);
}

static void intervals(void)
{
	char out[48];
	tl_sqlval_interval_text(93784567, false, out);
	T_EQ_STR(out, "1 02:03:04.567");
	tl_sqlval_interval_text(-3600000, false, out);
	T_EQ_STR(out, "-0 01:00:00.000");
	tl_sqlval_interval_text(14, true, out);
	T_EQ_STR(out, "1-2");
}

static void type_codes(void)
{
	static const char *const codes[] = {
		"b", "i", "d", "n2", "s", "D", "t", "z", "I", "M", "j", "?", "[s", "{si", "[(a:i,b:[s)",
		"(we\\:ird\\,name:s)", "()",
	};
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
		struct tl_sqltype *t = tl_sqltype_parse(codes[i]);
		T_CHECK(t != NULL);
		if (!t)
			continue;
		struct tl_buf b = TL_BUF_INIT;
		tl_sqltype_code(t, &b);
		T_EQ_STR(tl_buf_str(&b), codes[i]);
		tl_buf_release(&b);
		tl_sqltype_free(t);
	}
	struct tl_sqltype *t = tl_sqltype_parse("(we\\:ird\\,name:s)");
	T_EQ_STR(t->names[0], "we:ird,name");
	tl_sqltype_free(t);
	static const char *const bad[] = { "", "[", "(a:i", "(a)", "x", "{s", "ss" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		T_CHECK(tl_sqltype_parse(bad[i]) == NULL);
}

static void json_members(void)
{
	const char *doc = "{\"Tag\":1, \"tag\" : [2, {\"x\":3}], \"k\\u00e9y\":\"v\"}";
	struct tl_jslice v;
	T_EQ_INT(tl_sqlval_member(doc, strlen(doc), "tag", &v), 0);
	T_CHECK(v.type == TL_J_ARRAY && v.len == 12);
	T_EQ_INT(tl_sqlval_member(doc, strlen(doc), "TAG", &v), 0); /* case-insensitive second */
	T_CHECK(v.type == TL_J_NUMBER);
	T_EQ_INT(tl_sqlval_member(doc, strlen(doc), "k\xc3\xa9y", &v), 0);
	T_EQ_INT(tl_sqlval_member(doc, strlen(doc), "nope", &v), -1);
	size_t pos = 0, n = 0;
	struct tl_jslice e;
	const char *arr = " [1, \"a\", null, [2]] ";
	while (tl_sqlval_next(arr, strlen(arr), &pos, NULL, &e) == 1)
		n++;
	T_EQ_INT(n, 4);
	pos = 0;
	T_EQ_INT(tl_sqlval_next("[1 2]", 5, &pos, NULL, &e), 1);
	T_EQ_INT(tl_sqlval_next("[1 2]", 5, &pos, NULL, &e), -1);
}

static void zones(void)
{
	char *err = NULL;
	struct tl_tz *ny = tl_tz_load("america/new_york", &err);
	if (!ny) {
		t_cur_skip = "no time zone database";
		free(err);
		return;
	}
	T_EQ_STR(tl_tz_name(ny), "America/New_York");
	/* 2026: summer time from 2026-03-08 07:00 UTC to 2026-11-01 06:00 UTC */
	T_EQ_INT(tl_tz_offset(ny, INT64_C(1772953199000)), -5 * 3600);
	T_EQ_INT(tl_tz_offset(ny, INT64_C(1772953200000)), -4 * 3600);
	T_EQ_INT(tl_tz_offset(ny, INT64_C(1793512800000)), -5 * 3600);
	/* far ahead, past the file's table: its POSIX rule */
	T_EQ_INT(tl_tz_offset(ny, INT64_C(2224800000000)), -4 * 3600); /* 2040-07-03 */
	T_EQ_INT(tl_tz_offset(ny, INT64_C(2240000000000)), -5 * 3600); /* 2040-12-26 */
	/* 02:30 on 2026-03-08 does not exist: 03:30 EDT (java.time moves it on by the gap);
	 * 01:30 on 2026-11-01 comes twice: the first, EDT */
	T_EQ_INT(tl_tz_to_utc(ny, INT64_C(1772937000000)), INT64_C(1772955000000));
	T_EQ_INT(tl_tz_to_utc(ny, INT64_C(1793496600000)), INT64_C(1793511000000));
	tl_tz_free(ny);
	struct tl_tz *off = tl_tz_load("+05:30", &err);
	T_EQ_STR(tl_tz_name(off), "+05:30");
	T_EQ_INT(tl_tz_offset(off, 0), 19800);
	tl_tz_free(off);
	off = tl_tz_load("-00:00", &err);
	T_EQ_STR(tl_tz_name(off), "UTC");
	tl_tz_free(off);
	T_CHECK(tl_tz_load("../../etc/passwd", &err) == NULL && strstr(err, "not a time zone"));
	free(err);
	T_CHECK(tl_tz_load("Mars/Olympus", &err) == NULL);
	free(err);
	static const unsigned char junk[] = "TZif2\0\0\0";
	T_CHECK(tl_tz_parse("x", junk, sizeof junk, &err) == NULL && err);
	free(err);
}

int main(void)
{
	TEST(doubles_as_java);
	TEST(decimals);
	TEST(intervals);
	TEST(type_codes);
	TEST(json_members);
	TEST(zones);
	return t_done();
}
