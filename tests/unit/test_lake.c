/* Unit tests for tl_lake: templates, partition values, names, the JSON field scanner, times. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_json.h"
#include "tl_lake.h"

#include <stdlib.h>

/* 2026-11-25T03:04:05.678Z */
#define T0 1795575845678LL

static char *render(const char *tmpl, int64_t ms, const char *rec)
{
	char *err = NULL;
	struct tl_lake_layout *l = tl_lake_layout_new(tmpl, &err);
	if (!l) {
		free(err);
		return NULL;
	}
	struct tl_buf b = TL_BUF_INIT;
	tl_lake_layout_render(l, ms, rec, rec ? strlen(rec) : 0, &b);
	tl_buf_adds(&b, "");
	tl_lake_layout_free(l);
	return tl_buf_detach(&b, NULL);
}

static void test_default_template(void)
{
	char *s = render(TL_LAKE_DEFAULT_TEMPLATE, T0, NULL);
	T_EQ_STR(s, "dt=2026-11-25/hour=03");
	free(s);
	s = render("year=%Y/month=%m/day=%d/hour=%H/minute=%M/doy=%j/100%%", T0, NULL);
	T_EQ_STR(s, "year=2026/month=11/day=25/hour=03/minute=04/doy=329/100%");
	free(s);
}

static void test_field_template(void)
{
	char *s = render("dt=%Y-%m-%d/lang={lang}", T0, "{\"id\":1,\"lang\":\"en\"}");
	T_EQ_STR(s, "dt=2026-11-25/lang=en");
	free(s);
	s = render("lang={lang}", T0, "{\"id\":1}");
	T_EQ_STR(s, "lang=__HIVE_DEFAULT_PARTITION__");
	free(s);
	s = render("src={a.b}", T0, "{\"a\":{\"b\":\"x/y=z:\\u00e9\"}}");
	T_EQ_STR(s, "src=x%2Fy%3Dz%3A\xc3\xa9");
	free(s);
	s = render("n={n}", T0, "{\"n\":42}");
	T_EQ_STR(s, "n=42");
	free(s);
}

/* No record makes a path segment "." or ".." (nor hidden): a leading "." of a value that starts
 * a segment is escaped, and decodes back to the value. */
static void test_dot_values(void)
{
	static const struct {
		const char *tmpl, *rec, *want;
	} c[] = {
		{ "{v}/{v}", "{\"v\":\"..\"}", "%2E./%2E." },
		{ "{v}", "{\"v\":\".\"}", "%2E" },
		{ "{v}", "{\"v\":\".hidden\"}", "%2Ehidden" },
		{ "{v}", "{\"v\":\"../../etc\"}", "%2E.%2F..%2Fetc" },
		{ "dt=%Y/{v}", "{\"v\":\"..\"}", "dt=2026/%2E." },
		{ "{v}{v}", "{\"v\":\".\"}", "%2E." },
		{ "v={v}", "{\"v\":\"..\"}", "v=.." },
		{ "x{v}", "{\"v\":\"..\"}", "x.." },
		{ "{v}", "{\"v\":\"a.b\"}", "a.b" },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *s = render(c[i].tmpl, T0, c[i].rec);
		T_EQ_STR(s, c[i].want);
		free(s);
	}
	cJSON *v = tl_lake_partition_values("a=%2E./%2E.");
	char *s = tl_json_print(v);
	T_EQ_STR(s, "{\"a\":\"..\"}");
	free(s);
	cJSON_Delete(v);
}

static void test_name_check(void)
{
	char long_seg[300];
	memset(long_seg, 'x', sizeof(long_seg) - 1);
	long_seg[sizeof(long_seg) - 1] = '\0';
	char *why = NULL;
	T_EQ_INT(tl_lake_name_check("t/dt=1/t+0+00000000000000000000.json.gz", 10, 255, 1024, &why),
		 0);
	char *name = tl_lake_object_name("t", 0, 0, long_seg, false);
	T_EQ_INT(tl_lake_name_check(name, 0, 255, 1024, &why), -1);
	T_CHECK(why && strstr(why, "component of 299 bytes (at most 255)"));
	free(why);
	why = NULL;
	T_EQ_INT(tl_lake_name_check(name, 0, 300, 1024, &why), 0);
	T_EQ_INT(tl_lake_name_check(name, 800, 300, 1024, &why), -1);
	T_CHECK(why && strstr(why, "an object name of 1135 bytes (at most 1024)"));
	free(why);
	free(name);
}

static void test_bad_templates(void)
{
	const char *bad[] = { "", "/dt=%Y", "dt=%Y/", "a//b", "dt=%Q", "x={", "x={}", "x=%" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		struct tl_lake_layout *l = tl_lake_layout_new(bad[i], &err);
		T_CHECK(l == NULL);
		T_CHECK(err != NULL);
		tl_lake_layout_free(l);
		free(err);
	}
}

static void test_partition_values(void)
{
	cJSON *v = tl_lake_partition_values("dt=2026-11-25/hour=03/plain/src=x%2Fy");
	char *s = tl_json_print(v);
	T_EQ_STR(s, "{\"dt\":\"2026-11-25\",\"hour\":\"03\",\"src\":\"x/y\"}");
	free(s);
	cJSON_Delete(v);
}

static void test_object_name(void)
{
	char *s = tl_lake_object_name("tweets", 3, 1234, "dt=2026-11-25/hour=03", false);
	T_EQ_STR(s, "tweets/dt=2026-11-25/hour=03/tweets+3+00000000000000001234.json.gz");
	free(s);
	s = tl_lake_object_name("t", 0, 0, "dt=2026-11-25/hour=03", true);
	T_EQ_STR(s, "_errors/t/dt=2026-11-25/hour=03/t+0+00000000000000000000.json.gz");
	free(s);
}

static char *find(const char *json, const char *path)
{
	const char *v;
	size_t vn;
	if (tl_lake_json_find(json, strlen(json), path, &v, &vn) != 0)
		return NULL;
	return xstrndup(v, vn);
}

static void test_json_find(void)
{
	const char *j = " { \"text\" : \"a \\\"created_at\\\": 1\", \"nested\": {\"x\": [1, {\"y\": 2}], "
			"\"created_at\": \"no\"}, \"data\": {\"created_at\":\"2026-11-25T03:04:05Z\"},"
			" \"created_at\" : 17 , \"list\": [\"a\", {\"k\": true}], \"e\\u0061sy\": null } ";
	char *s;
	s = find(j, "created_at");
	T_EQ_STR(s, "17");
	free(s);
	s = find(j, "data.created_at");
	T_EQ_STR(s, "\"2026-11-25T03:04:05Z\"");
	free(s);
	s = find(j, "nested.x.1.y");
	T_EQ_STR(s, "2");
	free(s);
	s = find(j, "list[1].k");
	T_EQ_STR(s, "true");
	free(s);
	s = find(j, "easy");
	T_EQ_STR(s, "null");
	free(s);
	T_CHECK(find(j, "missing") == NULL);
	T_CHECK(find(j, "text.x") == NULL);
	T_CHECK(find(j, "list.5") == NULL);
	T_CHECK(find("[1,2]", "a") == NULL);
	T_CHECK(find("\"str\"", "a") == NULL);
}

static void test_record_time(void)
{
	struct { const char *json; int ok; int64_t ms; } c[] = {
		{ "{\"t\":\"2026-11-25T03:04:05.678Z\"}", 1, T0 },
		{ "{\"t\":\"2026-11-25T04:04:05.678123+01:00\"}", 1, T0 },
		{ "{\"t\":\"Wed Nov 25 03:04:05 +0000 2026\"}", 1, T0 - 678 },
		{ "{\"t\":1795575845}", 1, T0 - 678 },
		{ "{\"t\":1795575845678}", 1, T0 },
		{ "{\"t\":1795575845678000}", 1, T0 },
		{ "{\"t\":\"1795575845678\"}", 1, T0 },
		{ "{\"t\":\"yesterday\"}", 0, 0 },
		{ "{\"t\":null}", 0, 0 },
		{ "{\"t\":{}}", 0, 0 },
		{ "{\"u\":1}", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int64_t ms = -1;
		int rc = tl_lake_record_time(c[i].json, strlen(c[i].json), "t", &ms);
		if (c[i].ok) {
			T_EQ_INT(rc, 0);
			T_EQ_INT(ms, c[i].ms);
		} else {
			T_EQ_INT(rc, -1);
		}
	}
}

int main(void)
{
	TEST(test_default_template);
	TEST(test_field_template);
	TEST(test_dot_values);
	TEST(test_name_check);
	TEST(test_bad_templates);
	TEST(test_partition_values);
	TEST(test_object_name);
	TEST(test_json_find);
	TEST(test_record_time);
	return t_done();
}
