/* Unit tests for lib/tl_catalog.c: TableInput building, merging with an existing table, DDL. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_catalog.h"
#include "tl_json.h"
#include "tl_schema.h"

#include <stdlib.h>
#include <string.h>

static cJSON *input_for(const char *const *recs, size_t n, const char *const *keys, size_t nkeys)
{
	struct tl_schema_infer in;
	tl_schema_infer_init(&in, 0);
	for (size_t i = 0; i < n; i++)
		tl_schema_infer_record(&in, recs[i], strlen(recs[i]), NULL, NULL);
	struct tl_catalog_spec sp = {
		.name = "t", .location = "s3://b/p/t/", .columns = in.root, .partition_keys = keys,
		.npartition_keys = nkeys, .compressed = true, .stats = true, .records = n,
		.objects = 1, .bytes = 100, .uncompressed_bytes = 1000, .updated_by = "glue-crawl",
	};
	cJSON *ti = tl_catalog_table_input(&sp);
	tl_schema_infer_release(&in);
	return ti;
}

static const char *col_type(const cJSON *ti, const char *name)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, tl_json_get(ti, "StorageDescriptor.Columns"))
		if (strcmp(tl_json_get_str(c, "Name"), name) == 0)
			return tl_json_get_str(c, "Type");
	return NULL;
}

static void test_table_input(void)
{
	const char *recs[] = { "{\"B\":1,\"a-b\":\"x\",\"o\":{\"Q r\":true}}" };
	const char *keys[] = { "dt", "hour" };
	cJSON *ti = input_for(recs, 1, keys, 2);
	T_EQ_STR(tl_json_get_str(ti, "TableType"), "EXTERNAL_TABLE");
	T_EQ_STR(tl_json_get_str(ti, "StorageDescriptor.SerdeInfo.SerializationLibrary"), TL_JSONSERDE);
	T_EQ_STR(tl_json_get_str(ti, "StorageDescriptor.SerdeInfo.Parameters.paths"), "B,a-b,o");
	const cJSON *sp = tl_json_get(ti, "StorageDescriptor.SerdeInfo.Parameters");
	T_EQ_STR(cJSON_GetObjectItemCaseSensitive(sp, "mapping.a_b")->valuestring, "a-b");
	T_EQ_STR(cJSON_GetObjectItemCaseSensitive(sp, "mapping.q_r")->valuestring, "Q r");
	T_CHECK(cJSON_GetObjectItemCaseSensitive(sp, "mapping.b") == NULL); /* case alone is fine */
	T_EQ_STR(col_type(ti, "o"), "struct<q_r:boolean>");
	T_EQ_STR(tl_json_get_str(ti, "Parameters.compressionType"), "gzip");
	T_EQ_STR(tl_json_get_str(ti, "Parameters.averageRecordSize"), "1000");
	T_EQ_STR(tl_json_get_str(ti, "PartitionKeys.1.Name"), "hour");
	T_EQ_STR(tl_json_get_str(ti, "PartitionKeys.1.Type"), "string");
	const char *vals[] = { "2026-11-25", "03" };
	cJSON *pi = tl_catalog_partition_input(ti, vals, 2, "s3://b/p/t/dt=2026-11-25/hour=03/");
	T_EQ_STR(tl_json_get_str(pi, "Values.1"), "03");
	T_EQ_STR(tl_json_get_str(pi, "StorageDescriptor.Location"), "s3://b/p/t/dt=2026-11-25/hour=03/");
	T_EQ_STR(tl_json_get_str(pi, "StorageDescriptor.Columns.0.Name"), "b");
	T_CHECK(tl_json_get(pi, "StorageDescriptor.Parameters.recordCount") == NULL);
	cJSON_Delete(pi);
	cJSON_Delete(ti);
}

/* An existing table as GetTable returns it, with a person's additions. */
static cJSON *existing_table(void)
{
	const char *text =
		"{\"Name\":\"t\",\"DatabaseName\":\"d\",\"CreateTime\":1.7e9,\"VersionId\":\"3\","
		"\"TableType\":\"EXTERNAL_TABLE\",\"Description\":\"mine\","
		"\"PartitionKeys\":[{\"Name\":\"dt\",\"Type\":\"string\"},{\"Name\":\"hour\",\"Type\":\"string\"}],"
		"\"Parameters\":{\"classification\":\"json\",\"owner_team\":\"data\"},"
		"\"StorageDescriptor\":{\"Columns\":[{\"Name\":\"a\",\"Type\":\"int\",\"Comment\":\"count\"},"
		"{\"Name\":\"when\",\"Type\":\"date\"},{\"Name\":\"s\",\"Type\":\"struct<x:int>\"}],"
		"\"Location\":\"s3://b/p/t/\",\"SerdeInfo\":{\"SerializationLibrary\":\"" TL_JSONSERDE "\","
		"\"Parameters\":{\"paths\":\"a,s,when\",\"ignore.malformed.json\":\"true\"}}}}";
	return tl_json_parse(text, strlen(text), NULL);
}

static void test_merge(void)
{
	const char *recs[] = { "{\"a\":5000000000,\"s\":{\"y\":\"z\"},\"new\":[1]}" };
	const char *keys[] = { "dt", "hour" };
	cJSON *ti = input_for(recs, 1, keys, 2), *ex = existing_table();
	struct tl_catalog_changes ch;
	char *err = NULL;
	cJSON *out = tl_catalog_merge(ex, ti, 0, &ch, &err);
	T_CHECK(out != NULL);
	if (!out)
		return;
	T_CHECK(ch.changed);
	T_EQ_INT(ch.nadded, 1);
	T_EQ_STR(ch.nadded ? ch.added[0] : NULL, "new");
	T_EQ_INT(ch.nwidened, 2);
	T_EQ_STR(col_type(out, "a"), "bigint");
	T_EQ_STR(col_type(out, "when"), "date");           /* a person's type is kept */
	T_EQ_STR(col_type(out, "s"), "struct<x:int,y:string>");
	T_EQ_STR(tl_json_get_str(out, "StorageDescriptor.Columns.0.Comment"), "count");
	T_EQ_STR(tl_json_get_str(out, "StorageDescriptor.Columns.3.Name"), "new");
	T_EQ_STR(tl_json_get_str(out, "Description"), "mine");
	T_EQ_STR(tl_json_get_str(out, "Parameters.owner_team"), "data");
	T_EQ_STR(tl_json_get_str(out, "Parameters.recordCount"), "1");
	const cJSON *sp = tl_json_get(out, "StorageDescriptor.SerdeInfo.Parameters");
	T_EQ_STR(tl_json_get_str(sp, "paths"), "a,new,s,when");
	T_EQ_STR(cJSON_GetObjectItemCaseSensitive(sp, "ignore.malformed.json")->valuestring, "true");
	T_CHECK(tl_json_get(out, "VersionId") == NULL && tl_json_get(out, "DatabaseName") == NULL);
	tl_catalog_changes_free(&ch);

	/* merging the result again is a no-op */
	cJSON *again_ex = cJSON_Duplicate(out, 1);
	cJSON *again = tl_catalog_merge(again_ex, ti, 0, &ch, &err);
	T_CHECK(again && !ch.changed && ch.nadded == 0 && ch.nwidened == 0);
	tl_catalog_changes_free(&ch);
	cJSON_Delete(again);
	cJSON_Delete(again_ex);
	cJSON_Delete(out);

	/* other partition keys: refused unless --replace */
	const char *k1[] = { "day" };
	cJSON *ti2 = input_for(recs, 1, k1, 1);
	out = tl_catalog_merge(ex, ti2, 0, &ch, &err);
	T_CHECK(out == NULL && err && strstr(err, "partitioned by"));
	free(err);
	err = NULL;
	out = tl_catalog_merge(ex, ti2, TL_CATALOG_REPLACE, &ch, &err);
	T_CHECK(out && ch.changed);
	T_EQ_STR(tl_json_get_str(out, "PartitionKeys.0.Name"), "day");
	T_CHECK(col_type(out, "when") == NULL);
	tl_catalog_changes_free(&ch);
	cJSON_Delete(out);
	cJSON_Delete(ti2);
	cJSON_Delete(ti);
	cJSON_Delete(ex);
}

static void test_ddl(void)
{
	const char *recs[] = { "{\"from\":\"x\",\"_id\":1,\"o\":{\"select\":[true]}}" };
	cJSON *ti = input_for(recs, 1, NULL, 0);
	cJSON *params = cJSON_GetObjectItemCaseSensitive(ti, "Parameters");
	tl_json_add_str(params, "note", "it's a \\ test");
	char *err = NULL, *ddl = tl_catalog_ddl("my db", ti, &err);
	T_CHECK(ddl != NULL);
	if (ddl) {
		T_CHECK(strstr(ddl, "CREATE EXTERNAL TABLE IF NOT EXISTS `my db`.`t` (\n") == ddl);
		T_CHECK(strstr(ddl, "  `from` string,\n  `_id` int,\n  `o` struct<`select`:array<boolean>>\n)\n"));
		T_CHECK(strstr(ddl, "'note'='it\\047s a \\\\ test'"));
		T_CHECK(!strstr(ddl, "PARTITIONED BY"));
		T_CHECK(strstr(ddl, "LOCATION 's3://b/p/t/'\n"));
		size_t n = strlen(ddl);
		T_CHECK(n > 2 && strcmp(ddl + n - 2, ";\n") == 0);
	}
	free(ddl);
	/* a type that does not parse is an error, not bad SQL */
	cJSON *c = (cJSON *)tl_json_get(ti, "StorageDescriptor.Columns.0");
	cJSON_ReplaceItemInObjectCaseSensitive(c, "Type", cJSON_CreateString("struct<"));
	ddl = tl_catalog_ddl("d", ti, &err);
	T_CHECK(ddl == NULL && err != NULL);
	free(err);
	cJSON_Delete(ti);
}

/* Keys are data: in the DDL a string literal never holds a quote or a raw control character,
 * so Hive's lexer, Trino's and a naive splitter all see it end where it ends. */
static void test_ddl_hostile_keys(void)
{
	const char *recs[] = {
		"{\"Ev'=1); DROP TABLE tweets; --\":1,\"a\\\\\":2,\"e\\u001b[2J\\n\\t\\u007f\":3,"
		"\"c\\u009b1\":4,\"q\\\"`;\":5}",
	};
	cJSON *ti = input_for(recs, 1, NULL, 0);
	char *err = NULL, *ddl = tl_catalog_ddl("d", ti, &err);
	T_CHECK(ddl != NULL);
	if (ddl) {
		T_CHECK(strstr(ddl, "'mapping.ev__1___drop_table_tweets____'='Ev\\047=1); DROP TABLE tweets; --'"));
		T_CHECK(strstr(ddl, "'mapping.a_'='a\\\\'"));
		T_CHECK(strstr(ddl, "'e\\033[2J\\n\\t\\177'"));
		T_CHECK(strstr(ddl, "'c\\u009b1'"));
		T_CHECK(strstr(ddl, "'q\"`;'"));
		/* no quote inside a literal: every ' of the text opens or closes one */
		size_t quotes = 0, slashes = 0;
		for (const char *p = ddl; *p; p++) {
			quotes += *p == '\'';
			T_CHECK((unsigned char)*p >= 0x20 || *p == '\n');
			T_CHECK(!(*p == '\'' && slashes % 2)); /* no \' escape */
			slashes = *p == '\\' ? slashes + 1 : 0;
		}
		T_CHECK(quotes % 2 == 0);
	}
	free(ddl);
	/* a name cannot be escaped inside backquotes: a control character in one is refused */
	ddl = tl_catalog_ddl("d\x1b[2J", ti, &err);
	T_CHECK(ddl == NULL && err && strstr(err, "control character"));
	free(err);
	cJSON_Delete(ti);
}

/* Keys no catalog can name are left out: too long for Glue, or holding a NUL. */
static void test_drop_unmappable(void)
{
	struct tl_schema_infer in;
	char rec[1200];
	tl_schema_infer_init(&in, 0);
	snprintf(rec, sizeof rec, "{\"id\":1,\"%0*d\":1,\"%0*d\":2,\"a\\u0000b\":3,\"A_B\":4,"
		 "\"o\":{\"%0*d\":5,\"z\":6},\"a_b\":7}", TL_SCHEMA_KEY_MAX + 1, 0,
		 TL_SCHEMA_KEY_MAX, 0, 300, 0);
	T_EQ_INT(tl_schema_infer_record(&in, rec, strlen(rec), NULL, NULL), 0);
	size_t n;
	char **msg = tl_schema_drop_unmappable(in.root, &n);
	T_EQ_INT(n, 3);
	for (size_t i = 0; i < n; i++)
		free(msg[i]);
	free(msg);
	/* the 247-byte key stays; the NUL key's column goes on under "A_B", its alias "a_b" with it */
	char *t = tl_schema_type_text(in.root, 0);
	char want[600];
	snprintf(want, sizeof want, "struct<id:int,%0*d:int,a_b:int,o:struct<z:int>>", TL_SCHEMA_KEY_MAX, 0);
	T_EQ_STR(t, want);
	free(t);
	size_t nc;
	char **coll = tl_schema_collisions(in.root, &nc);
	T_EQ_INT(nc, 1);
	if (nc)
		T_EQ_STR(coll[0], "keys \"A_B\" and \"a_b\" both map to column \"a_b\"");
	for (size_t i = 0; i < nc; i++)
		free(coll[i]);
	free(coll);
	/* inference goes on over the pruned tree */
	const char *more = "{\"a_b\":\"s\",\"new\":1}";
	T_EQ_INT(tl_schema_infer_record(&in, more, strlen(more), NULL, NULL), 0);
	t = tl_schema_type_text(in.root, 0);
	T_CHECK(strstr(t, "a_b:string,o:struct<z:int>,new:int>") != NULL);
	free(t);
	tl_schema_infer_release(&in);
}

int main(void)
{
	TEST(test_table_input);
	TEST(test_merge);
	TEST(test_ddl);
	TEST(test_ddl_hostile_keys);
	TEST(test_drop_unmappable);
	return t_done();
}
