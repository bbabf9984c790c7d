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
		T_CHECK(strstr(ddl, "'note'='it\\'s a \\\\ test'"));
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

int main(void)
{
	TEST(test_table_input);
	TEST(test_merge);
	TEST(test_ddl);
	return t_done();
}
