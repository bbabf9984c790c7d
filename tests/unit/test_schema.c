/* Unit tests for lib/tl_schema.c: inference from JSON text, the merge lattice, Hive type text. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_schema.h"

#include <stdlib.h>
#include <string.h>

/* Infers from the given NUL-separated records and returns the root's type text. */
static char *infer(int flags, const char *const *recs, size_t n, uint64_t *bad)
{
	struct tl_schema_infer in;
	tl_schema_infer_init(&in, flags);
	for (size_t i = 0; i < n; i++)
		tl_schema_infer_record(&in, recs[i], strlen(recs[i]), NULL, NULL);
	char *t = tl_schema_type_text(in.root, 0);
	if (bad)
		*bad = in.bad;
	tl_schema_infer_release(&in);
	return t;
}

#define INFER(flags, ...) ({ const char *r_[] = { __VA_ARGS__ }; \
	infer(flags, r_, sizeof(r_) / sizeof(r_[0]), NULL); })

static void check_infer(const char *want, char *got)
{
	T_EQ_STR(got, want);
	free(got);
}

static void test_scalars(void)
{
	check_infer("struct<s:string,b:boolean,i:int,d:double,n:string>",
		    INFER(0, "{\"s\":\"x\",\"b\":true,\"i\":1,\"d\":1.5,\"n\":null}"));
	/* int range: 2^31-1 is int, 2^31 is bigint, -2^31 int, beyond int64 double */
	check_infer("struct<a:int,b:bigint,c:int,d:bigint,e:double,f:double>",
		    INFER(0, "{\"a\":2147483647,\"b\":2147483648,\"c\":-2147483648,"
			     "\"d\":-9223372036854775808,\"e\":9223372036854775808,\"f\":1e3}"));
}

static void test_conflicts(void)
{
	/* every conflict of the issue, across records */
	check_infer("struct<ib:bigint,id:double,bd:double,is:string,ss:string,bo:string,"
		    "os:string,ao:string,nn:string,ni:int>",
		    INFER(0,
			  "{\"ib\":1,\"id\":1,\"bd\":5000000000,\"is\":1,\"ss\":\"a\",\"bo\":true,"
			  "\"os\":{\"x\":1},\"ao\":[1],\"nn\":null,\"ni\":null}",
			  "{\"ib\":5000000000,\"id\":2.5,\"bd\":0.5,\"is\":\"x\",\"ss\":7,\"bo\":3,"
			  "\"os\":\"s\",\"ao\":{\"y\":2},\"nn\":null,\"ni\":3}"));
	/* the order of the conflicting records does not matter */
	check_infer("struct<a:string,b:double>", INFER(0, "{\"a\":\"x\",\"b\":2.5}", "{\"a\":1,\"b\":1}"));
}

static void test_structs_and_arrays(void)
{
	/* structs merge by field, in first-seen order, at any depth */
	check_infer("struct<u:struct<a:int,b:struct<c:bigint,d:string>,e:boolean>>",
		    INFER(0, "{\"u\":{\"a\":1,\"b\":{\"c\":1}}}",
			  "{\"u\":{\"b\":{\"d\":\"x\",\"c\":9999999999},\"e\":false}}"));
	/* arrays merge their elements; empty and null-only arrays are array<string> */
	check_infer("struct<a:array<double>,e:array<string>,n:array<string>,o:array<struct<x:int,y:string>>>",
		    INFER(0, "{\"a\":[1,2.5],\"e\":[],\"n\":[null],\"o\":[{\"x\":1},{\"y\":\"z\"}]}"));
	check_infer("struct<aa:array<array<bigint>>>",
		    INFER(0, "{\"aa\":[[1],[]]}", "{\"aa\":[[4294967296]]}"));
	/* an empty object alone has no Hive type: string (the SerDe gives its JSON text) */
	check_infer("struct<p:string,q:struct<r:int>>", INFER(0, "{\"p\":{},\"q\":{}}", "{\"q\":{\"r\":1}}"));
}

static void test_names(void)
{
	struct tl_schema_infer in;
	tl_schema_infer_init(&in, 0);
	const char *r1 = "{\"Text\":\"a\",\"user-name\":1,\"caf\\u00e9\":true,\"o\":{\"A\":1,\"a\":2.5}}";
	const char *r2 = "{\"text\":5}";
	T_EQ_INT(tl_schema_infer_record(&in, r1, strlen(r1), NULL, NULL), 0);
	T_EQ_INT(tl_schema_infer_record(&in, r2, strlen(r2), NULL, NULL), 0);
	char *t = tl_schema_type_text(in.root, 0);
	/* colliding keys share a column whose type merges both */
	T_EQ_STR(t, "struct<text:string,user_name:int,caf__:boolean,o:struct<a:double>>");
	free(t);
	T_EQ_INT(in.ncollisions, 2);
	if (in.ncollisions == 2) {
		T_EQ_STR(in.collisions[0], "keys \"A\" and \"a\" both map to column \"a\"");
		T_EQ_STR(in.collisions[1], "keys \"Text\" and \"text\" both map to column \"text\"");
	}
	/* the original keys are kept for the SerDe's paths and mappings */
	T_EQ_STR(in.root->fields[0].name, "Text");
	T_EQ_STR(in.root->fields[1].name, "user-name");
	T_EQ_STR(in.root->fields[2].name, "caf\xc3\xa9");
	t = tl_schema_type_text(in.root, TL_SCHEMA_DDL);
	T_EQ_STR(t, "struct<`text`:string,`user_name`:int,`caf__`:boolean,`o`:struct<`a`:double>>");
	free(t);
	tl_schema_infer_release(&in);
}

static void test_bad_records_leave_no_trace(void)
{
	struct tl_schema_infer in;
	tl_schema_infer_init(&in, 0);
	const char *good = "{\"a\":1,\"s\":{\"x\":1}}";
	const char *bad[] = {
		"{\"a\":5000000000,\"new\":1,\"s\":{\"x\":\"str\",\"y\":[1,2]},\"z\":tru}",
		"{\"a\":1.5,\"b\":[1,{\"c\":",          /* cut off, as a stream leaves it */
		"[1,2]",                               /* not an object */
		"{\"a\":1} x",                         /* trailing junk */
		"{\"a\":\"\x01\"}",                    /* control character */
		"{\"a\":\"\xc3\x28\"}",                /* invalid UTF-8 */
		"{\"a\":01}",                          /* leading zero */
		"{\"a\":\"\\q\"}",                     /* bad escape */
		"{'a':1}",
		"{\"a\" 1}",
		"{\"a\":1,}",
	};
	T_EQ_INT(tl_schema_infer_record(&in, good, strlen(good), NULL, NULL), 0);
	char *before = tl_schema_type_text(in.root, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		size_t pos = 0;
		int rc = tl_schema_infer_record(&in, bad[i], strlen(bad[i]), &why, &pos);
		if (!t_ok(rc == -1 && why != NULL, "bad record %zu refused (%s at %zu)", i,
			  why ? why : "-", pos))
			continue;
		char *after = tl_schema_type_text(in.root, 0);
		T_EQ_STR(after, before);
		free(after);
	}
	T_EQ_INT(in.records, 1);
	T_EQ_INT(in.bad, sizeof(bad) / sizeof(bad[0]));
	T_EQ_INT(tl_schema_infer_record(&in, "  \r", 3, NULL, NULL), 1);
	free(before);
	tl_schema_infer_release(&in);
}

static void test_depth(void)
{
	struct tl_schema_infer in;
	tl_schema_infer_init(&in, 0);
	char deep[512];
	size_t n = 0;
	memcpy(deep, "{\"a\":", 5);
	n = 5;
	for (int i = 0; i < 150; i++)
		deep[n++] = '[';
	deep[n++] = '1';
	for (int i = 0; i < 150; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	const char *why = NULL;
	T_EQ_INT(tl_schema_infer_record(&in, deep, n, &why, NULL), -1);
	T_EQ_STR(why, "nested too deep");
	tl_schema_infer_release(&in);
}

static void test_many_fields(void)
{
	/* a map-like object with many keys stays fast (hash index) and exact */
	struct tl_schema_infer in;
	tl_schema_infer_init(&in, 0);
	char *rec = NULL;
	for (int round = 0; round < 2; round++) {
		char *s = xstrdup("{");
		for (int i = 0; i < 3000; i++) {
			char *t = xasprintf("%s%s\"k%d\":%d", s, i ? "," : "", i, round ? 1 : i);
			free(s);
			s = t;
		}
		rec = xasprintf("%s,\"k17\":2.5}", s);
		free(s);
		T_EQ_INT(tl_schema_infer_record(&in, rec, strlen(rec), NULL, NULL), 0);
		free(rec);
	}
	T_EQ_INT(in.root->nfields, 3000);
	struct tl_schema_field *f = tl_schema_field_find(in.root, "k17");
	T_CHECK(f && f->type->kind == TL_SK_DOUBLE);
	f = tl_schema_field_find(in.root, "k2999");
	T_CHECK(f && f->type->kind == TL_SK_INT);
	tl_schema_infer_release(&in);
}

static void test_timestamps(void)
{
	T_CHECK(tl_schema_is_timestamp("2021-04-01T15:52:31.000Z", 24));
	T_CHECK(tl_schema_is_timestamp("2021-04-01 15:52:31", 19));
	T_CHECK(tl_schema_is_timestamp("2021-04-01T15:52:31+05:30", 25));
	T_CHECK(!tl_schema_is_timestamp("2021-04-01", 10));
	T_CHECK(!tl_schema_is_timestamp("2021-13-01T15:52:31Z", 20));
	T_CHECK(!tl_schema_is_timestamp("Wed Oct 10 20:19:24 +0000 2018", 30));
	check_infer("struct<t:timestamp,u:string,v:string>",
		    INFER(TL_SCHEMA_TIMESTAMPS, "{\"t\":\"2021-04-01T15:52:31.000Z\",\"u\":\"2021-04-01T15:52:31Z\",\"v\":\"x\"}",
			  "{\"t\":\"2021-04-02 00:00:00\",\"u\":\"soon\",\"v\":\"2021-04-01T15:52:31Z\"}"));
	/* without the option they are strings */
	check_infer("struct<t:string>", INFER(0, "{\"t\":\"2021-04-01T15:52:31.000Z\"}"));
}

static void test_parse_type(void)
{
	const char *ok[][2] = {
		{ "string", "string" },
		{ "BIGINT", "bigint" },
		{ "array<struct<a:int,b:array<string>>>", "array<struct<a:int,b:array<string>>>" },
		{ " struct < `x y` : int , `from` : map<string, array<double>> > ",
		  "struct<x_y:int,from:map<string,array<double>>>" },
		{ "decimal(10, 2)", "decimal(10,2)" },
		{ "decimal", "decimal" },
		{ "varchar(12)", "varchar(12)" },
		{ "struct<@timestamp:string>", "struct<_timestamp:string>" },
		{ "map<int,struct<a:date>>", "map<int,struct<a:date>>" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *err = NULL;
		struct tl_schema *s = tl_schema_parse_type(ok[i][0], &err);
		if (!t_ok(s != NULL, "parse %s (%s)", ok[i][0], err ? err : "ok")) {
			free(err);
			continue;
		}
		char *t = tl_schema_type_text(s, 0);
		T_EQ_STR(t, ok[i][1]);
		free(t);
		tl_schema_free(s);
	}
	const char *bad[] = { "", "strin", "array<int", "array<>", "struct<>", "struct<a int>",
			      "map<struct<a:int>,int>", "int>", "struct<a:int,a:string>", "varchar",
			      "array<int>>", "struct<`a:int>" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		struct tl_schema *s = tl_schema_parse_type(bad[i], &err);
		t_ok(s == NULL && err != NULL, "refuse \"%s\": %s", bad[i], err ? err : "accepted");
		tl_schema_free(s);
		free(err);
	}
	/* nesting is bounded */
	char *deep = xstrdup("int");
	for (int i = 0; i < 150; i++) {
		char *t = xasprintf("array<%s>", deep);
		free(deep);
		deep = t;
	}
	char *err = NULL;
	struct tl_schema *s = tl_schema_parse_type(deep, &err);
	T_CHECK(s == NULL && err && strstr(err, "too deep"));
	free(err);
	free(deep);
}

static void test_merge(void)
{
	struct tl_schema *dst = tl_schema_parse_type("struct<a:int,b:string,c:date,d:struct<x:int>>", NULL);
	struct tl_schema *src = tl_schema_parse_type(
		"struct<a:bigint,b:int,c:string,d:struct<x:int,y:double>,e:boolean>", NULL);
	T_CHECK(dst && src);
	int ch = tl_schema_merge(&dst, src);
	T_EQ_INT(ch, TL_SCHEMA_ADDED | TL_SCHEMA_WIDENED);
	char *t = tl_schema_type_text(dst, 0);
	/* never narrowed, person-chosen types (date) kept, fields appended */
	T_EQ_STR(t, "struct<a:bigint,b:string,c:date,d:struct<x:int,y:double>,e:boolean>");
	free(t);
	/* merging again changes nothing */
	T_EQ_INT(tl_schema_merge(&dst, src), 0);
	struct tl_schema *copy = tl_schema_dup(dst);
	T_CHECK(tl_schema_equal(copy, dst));
	tl_schema_free(copy);
	/* struct + scalar is a conflict: string */
	struct tl_schema *sc = tl_schema_parse_type("struct<d:int>", NULL);
	T_EQ_INT(tl_schema_merge(&dst, sc), TL_SCHEMA_WIDENED);
	t = tl_schema_type_text(dst, 0);
	T_EQ_STR(t, "struct<a:bigint,b:string,c:date,d:string,e:boolean>");
	free(t);
	tl_schema_free(sc);
	tl_schema_free(src);
	tl_schema_free(dst);
	struct tl_schema *none = NULL, *one = tl_schema_new(TL_SK_INT);
	T_EQ_INT(tl_schema_merge(&none, one), TL_SCHEMA_ADDED);
	T_CHECK(none && none->kind == TL_SK_INT);
	tl_schema_free(none);
	tl_schema_free(one);
}

static void test_col_name(void)
{
	char *c = tl_schema_col_name("Hello World-2", 13);
	T_EQ_STR(c, "hello_world_2");
	free(c);
	c = tl_schema_col_name("", 0);
	T_EQ_STR(c, "_");
	free(c);
}

int main(void)
{
	TEST(test_scalars);
	TEST(test_conflicts);
	TEST(test_structs_and_arrays);
	TEST(test_names);
	TEST(test_bad_records_leave_no_trace);
	TEST(test_depth);
	TEST(test_many_fields);
	TEST(test_timestamps);
	TEST(test_parse_type);
	TEST(test_merge);
	TEST(test_col_name);
	return t_done();
}
