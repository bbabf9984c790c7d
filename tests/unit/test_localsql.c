/* Unit tests for the local SQL engine: a small lake written here (gzip and plain objects, Hive
 * partitions, a bad line, a hidden file), a Glue-style table description, and queries whose answers
 * are known. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_localsql.h"
#include "tl_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char lake[256];

static void write_file(const char *rel, const char *data, int gz)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", lake, rel);
	char *dir = xstrdup(path);
	for (char *p = dir + strlen(lake) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0755);
			*p = '/';
		}
	}
	free(dir);
	if (gz) {
		gzFile f = gzopen(path, "wb");
		gzwrite(f, data, (unsigned)strlen(data));
		gzclose(f);
	} else {
		FILE *f = fopen(path, "w");
		fputs(data, f);
		fclose(f);
	}
}

struct collect {
	struct tl_buf out;
	int stop_after;
	int rows;
};

static int on_cols(void *ctx, size_t n, const char *const *names, const char *const *types)
{
	struct collect *c = ctx;
	for (size_t i = 0; i < n; i++)
		tl_buf_addf(&c->out, "%s%s:%s", i ? "," : "", names[i], types[i]);
	tl_buf_addc(&c->out, '\n');
	return 0;
}

static int on_row(void *ctx, size_t n, const char *const *v)
{
	struct collect *c = ctx;
	for (size_t i = 0; i < n; i++)
		tl_buf_addf(&c->out, "%s%s", i ? "," : "", v[i] ? v[i] : "NULL");
	tl_buf_addc(&c->out, '\n');
	return c->stop_after && ++c->rows >= c->stop_after;
}

static char *query(struct tl_localsql *q, const char *sql)
{
	struct collect c = { TL_BUF_INIT, 0, 0 };
	struct tl_sql_sink sink = { on_cols, on_row, &c };
	char *err = NULL;
	if (tl_localsql_exec(q, sql, NULL, 0, &sink, &err) < 0) {
		tl_buf_addf(&c.out, "ERROR: %s", err);
		free(err);
	}
	return tl_buf_detach(&c.out, NULL);
}

#define Q(sql, want) do { char *got_ = query(q, sql); T_EQ_STR(got_, want); free(got_); } while (0)

static struct tl_localsql *q;

static void setup(void)
{
	snprintf(lake, sizeof lake, "%s/tl-localsql-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	T_CHECK(mkdtemp(lake) != NULL);
	write_file("tweets/dt=2026-11-24/hour=23/tweets+0+00000000000000000000.json.gz",
		   "{\"id\":\"1\",\"Lang\":\"en\",\"text\":\"hi #a\",\"n\":3,\"sens\":false,"
		   "\"created_at\":\"2026-11-24T23:59:58.000Z\","
		   "\"entities\":{\"hashtags\":[{\"tag\":\"a\"}]},\"author\":{\"username\":\"ann\"}}\n"
		   "{\"id\":\"2\",\"Lang\":\"fr\",\"text\":\"caf\\u00e9 \\\"q\\\"\",\"n\":null,"
		   "\"sens\":true,\"created_at\":\"2026-11-24T23:30:00.000Z\","
		   "\"entities\":{\"hashtags\":[{\"tag\":\"a\"},{\"tag\":\"B\"}]}}\n", 1);
	write_file("tweets/dt=2026-11-25/hour=00/tweets+0+00000000000000000002.json.gz",
		   "{\"id\":\"3\",\"Lang\":\"en\",\"text\":\"\",\"n\":7.5,\"created_at\":"
		   "\"2026-11-25T00:00:01.000Z\",\"entities\":{\"hashtags\":[]}}\r\n"
		   "not json at all\n"
		   "\n", 1);
	write_file("tweets/dt=2026-11-25/hour=01/tweets+1+00000000000000000000.json",
		   "{\"id\":\"4\",\"Lang\":\"ja\",\"text\":\"x\",\"created_at\":\"2026-11-25T01:02:03Z\"}", 0);
	write_file("tweets/dt=2026-11-25/hour=01/_errors.json", "{\"id\":\"99\"}\n", 0);
	write_file("tweets/dt=2026-11-25/hour=01/.hidden", "{\"id\":\"98\"}\n", 0);
	write_file("_catalog/lakedb/tweets.json",
		   "{\"Name\":\"tweets\",\"DatabaseName\":\"lakedb\",\"StorageDescriptor\":{"
		   "\"Location\":\"s3://bucket/tweets/\",\"Columns\":["
		   "{\"Name\":\"id\",\"Type\":\"string\"},{\"Name\":\"lang\",\"Type\":\"string\"},"
		   "{\"Name\":\"text\",\"Type\":\"string\"},{\"Name\":\"n\",\"Type\":\"double\"},"
		   "{\"Name\":\"sens\",\"Type\":\"boolean\"},{\"Name\":\"created_at\",\"Type\":\"string\"},"
		   "{\"Name\":\"entities\",\"Type\":\"struct<hashtags:array<struct<tag:string>>>\"},"
		   "{\"Name\":\"author\",\"Type\":\"struct<username:string>\"}]},"
		   "\"PartitionKeys\":[{\"Name\":\"dt\",\"Type\":\"string\"},{\"Name\":\"hour\",\"Type\":\"string\"}]}", 0);
	char *err = NULL;
	q = tl_localsql_open(lake, NULL, NULL, &err);
	if (!q)
		printf("# open: %s\n", err);
	T_CHECK(q != NULL);
	free(err);
}

static void basic_select(void)
{
	Q("SELECT id, lang, text, n, sens FROM tweets ORDER BY id",
	  "id:varchar,lang:varchar,text:varchar,n:double,sens:boolean\n"
	  "1,en,hi #a,3.0,false\n"
	  "2,fr,caf\xc3\xa9 \"q\",NULL,true\n"
	  "3,en,,7.5,NULL\n"
	  "4,ja,x,NULL,NULL\n");
	Q("SELECT count(*) AS c FROM lakedb.tweets", "c:bigint\n4\n");
	const struct tl_localsql_stats *st = tl_localsql_stats(q);
	T_CHECK(st->bad_records >= 1);
}

static void group_and_partitions(void)
{
	Q("SELECT lang, count(*) AS n FROM tweets GROUP BY lang ORDER BY n DESC, lang",
	  "lang:varchar,n:bigint\nen,2\nfr,1\nja,1\n");
	Q("SELECT dt, hour, count(*) FROM tweets GROUP BY 1, 2 ORDER BY 1, 2",
	  "dt:varchar,hour:varchar,_col2:bigint\n2026-11-24,23,2\n2026-11-25,00,1\n2026-11-25,01,1\n");
}

static void pruning(void)
{
	uint64_t before = tl_localsql_stats(q)->files_read;
	uint64_t pruned = tl_localsql_stats(q)->files_pruned;
	Q("SELECT id FROM tweets WHERE dt = '2026-11-25' AND hour >= '01'", "id:varchar\n4\n");
	T_EQ_INT(tl_localsql_stats(q)->files_read - before, 1);
	T_CHECK(tl_localsql_stats(q)->files_pruned > pruned);
}

static void pruning_in_between(void)
{
	uint64_t before = tl_localsql_stats(q)->files_read;
	Q("SELECT id FROM tweets WHERE dt IN ('2026-11-24', '2026-11-26') ORDER BY id",
	  "id:varchar\n1\n2\n");
	T_EQ_INT(tl_localsql_stats(q)->files_read - before, 1);
	before = tl_localsql_stats(q)->files_read;
	Q("SELECT id FROM tweets WHERE hour BETWEEN '00' AND '00'", "id:varchar\n3\n");
	T_EQ_INT(tl_localsql_stats(q)->files_read - before, 1);
	/* OR over partition columns: SQLite scans once per branch and merges rows by rowid, so
	 * a rowid must name the same row in every scan (it once restarted at 1 each time) */
	Q("SELECT id FROM tweets WHERE dt = '2026-11-24' OR hour = '01' ORDER BY id",
	  "id:varchar\n1\n2\n4\n");
	Q("SELECT count(*) FROM tweets WHERE hour = '00' OR hour = '01' OR dt = '2026-11-24'",
	  "_col0:bigint\n4\n");
}

static void athena_functions(void)
{
	Q("SELECT lower(h.tag) AS tag, count(*) AS n "
	  "FROM tweets CROSS JOIN UNNEST(entities.hashtags) AS h GROUP BY 1 ORDER BY n DESC, tag",
	  "tag:varchar,n:bigint\na,2\nb,1\n");
	Q("SELECT author.username, json_extract_scalar('{\"a\":{\"b\":\"c\"}}', '$.a.b'), "
	  "cardinality(entities.hashtags) FROM tweets WHERE id = '1'",
	  "username:varchar,_col1:varchar,_col2:bigint\nann,c,1\n");
	Q("SELECT date_trunc('minute', from_iso8601_timestamp(created_at)) AS m, count(*) "
	  "FROM tweets GROUP BY 1 ORDER BY m",
	  "m:timestamp(3) with time zone,_col1:bigint\n2026-11-24 23:30:00.000 UTC,1\n"
	  "2026-11-24 23:59:00.000 UTC,1\n2026-11-25 00:00:00.000 UTC,1\n2026-11-25 01:02:00.000 UTC,1\n");
	Q("SELECT date_format(from_iso8601_timestamp(created_at), '%Y-%m-%d %H:%i %W') FROM tweets WHERE id='4'",
	  "_col0:varchar\n2026-11-25 01:02 Wednesday\n");
	Q("SELECT count(*) FROM tweets WHERE regexp_like(text, '^hi #[a-z]+$')", "_col0:bigint\n1\n");
	Q("SELECT approx_distinct(lang) FROM tweets", "_col0:bigint\n3\n");
	Q("SELECT split_part('a,b,c', ',', 2), element_at(ARRAY[1,2,3], -1), contains(ARRAY['x','y'], 'y')",
	  "_col0:varchar,_col1:integer,_col2:boolean\nb,3,true\n");
	Q("SELECT to_unixtime(from_iso8601_timestamp('1970-01-02T00:00:00Z'))", "_col0:double\n86400.0\n");
	/* Trino's NULL order: last, ascending or descending */
	Q("SELECT n FROM tweets ORDER BY n", "n:double\n3.0\n7.5\nNULL\nNULL\n");
	Q("SELECT n FROM tweets ORDER BY n DESC", "n:double\n7.5\n3.0\nNULL\nNULL\n");
}

static void errors_and_stop(void)
{
	char *got = query(q, "SELECT nope FROM tweets");
	T_EQ_STR(got, "ERROR: line 1, column 8: Column 'nope' cannot be resolved");
	free(got);
	got = query(q, "SELECT date_trunc('fortnight', DATE '2026-01-01')");
	T_CHECK(strstr(got, "ERROR: 'fortnight' is not a valid DATE field for date_trunc") != NULL);
	free(got);
	got = query(q, "SELECT count(*) FROM tweets CROSS JOIN (SELECT 1) LATERAL_X WHERE");
	T_CHECK(strstr(got, "ERROR: line 1, column ") == got);
	free(got);
	struct collect c = { TL_BUF_INIT, 1, 0 };
	struct tl_sql_sink sink = { on_cols, on_row, &c };
	char *err = NULL;
	T_EQ_INT(tl_localsql_exec(q, "SELECT id FROM tweets", NULL, 0, &sink, &err), 1);
	tl_buf_release(&c.out);
}

static void parameters(void)
{
	const char *p[] = { "'fr'", "1", "'it''s'" };
	struct collect c = { TL_BUF_INIT, 0, 0 };
	struct tl_sql_sink sink = { on_cols, on_row, &c };
	char *err = NULL;
	T_EQ_INT(tl_localsql_exec(q, "SELECT id, ? AS s FROM tweets WHERE lang = ? AND ? = 1 ORDER BY id",
				  (const char *const[]){ p[2], p[0], p[1] }, 3, &sink, &err), 0);
	T_EQ_STR(tl_buf_str(&c.out), "id:varchar,s:varchar\n2,it's\n");
	tl_buf_reset(&c.out);
	/* a ? takes its value's type: a number compares with numbers, text with text */
	const char *num[] = { "2" }, *txt[] = { "'2'" };
	T_EQ_INT(tl_localsql_exec(q, "SELECT count(*) FROM tweets WHERE n > ?", num, 1, &sink, &err), 0);
	T_EQ_STR(tl_buf_str(&c.out), "_col0:bigint\n2\n");
	T_EQ_INT(tl_localsql_exec(q, "SELECT count(*) FROM tweets WHERE n > ?", txt, 1, &sink, &err), -1);
	T_CHECK(err && strstr(err, "Cannot apply operator: double > varchar"));
	free(err);
	T_EQ_INT(tl_localsql_exec(q, "SELECT ?", p, 2, &sink, &err), -1);
	T_CHECK(err && strstr(err, "1 parameters, 2 values"));
	free(err);
	/* a value is one literal, never SQL and never a bare word */
	const char *bad[] = { "fr", "'fr' OR 1=1", "2026-11-25" };
	for (size_t i = 0; i < 3; i++) {
		err = NULL;
		T_EQ_INT(tl_localsql_exec(q, "SELECT ?", &bad[i], 1, &sink, &err), -1);
		T_CHECK(err && strstr(err, "parameter 1: not one"));
		free(err);
	}
	tl_buf_release(&c.out);
}

/* The engine reads the lake and nothing else: statements that write are refused by the
 * parser, and behind it SQLite's authorizer refuses them too (raw SQL straight to SQLite). */
static void authorizer(void)
{
	Q("ATTACH ':memory:' AS x", "ERROR: line 1, column 1: ATTACH is not allowed: the local engine "
	  "reads the lake and nothing else (SELECT, WITH, VALUES, EXPLAIN, SHOW, DESCRIBE)");
	static const struct { const char *sql, *why; } raw[] = {
		{ "ATTACH ':memory:' AS x", "ATTACH is not allowed" },
		{ "VACUUM INTO '/nonexistent/v.db'", "a statement that writes is not allowed" },
		{ "SELECT load_extension('x')", "the function load_extension() is not allowed" },
		{ "PRAGMA journal_mode = WAL", "PRAGMA journal_mode is not allowed" },
		{ "CREATE TEMP TABLE t AS SELECT 1", "not allowed" },
		{ "DELETE FROM tweets", "may not be modified" },
	};
	for (size_t i = 0; i < sizeof raw / sizeof *raw; i++) {
		char *err = NULL;
		T_EQ_INT(tl_localsql_prepare(q, raw[i].sql, true, &err), -1);
		if (!err || !strstr(err, raw[i].why))
			printf("#   %s: %s\n", raw[i].sql, err ? err : "(no error)");
		T_CHECK(err && strstr(err, raw[i].why));
		free(err);
	}
	/* what the rewriting makes passes it: UNNEST, lambdas, recursive WITH, window functions */
	char *err = NULL;
	T_EQ_INT(tl_localsql_prepare(q, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
				     "WHERE x < 3) SELECT reduce(ARRAY[1,2], 0, (s, x) -> s + x, s -> s), "
				     "transform(entities.hashtags, h -> h.tag), row_number() OVER (ORDER BY id) "
				     "FROM tweets CROSS JOIN UNNEST(entities.hashtags) AS t CROSS JOIN c",
				     false, &err), 0);
	if (err)
		printf("# %s\n", err);
	free(err);
	Q("SHOW COLUMNS FROM tweets", "field:varchar\nid\nlang\ntext\nn\nsens\ncreated_at\nentities\nauthor\ndt\nhour\n");
}

static void database_option(void)
{
	char *err = NULL;
	struct tl_localsql *q2 = tl_localsql_open(lake, NULL, "nosuchdb", &err);
	T_CHECK(q2 == NULL);
	T_CHECK(err && strstr(err, "nosuchdb"));
	free(err);
	q2 = tl_localsql_open(lake, NULL, "lakedb", &err);
	T_CHECK(q2 != NULL);
	tl_localsql_close(q2);
}

static void teardown(void)
{
	tl_localsql_close(q);
	char *cmd = xasprintf("rm -rf '%s'", lake);
	T_EQ_INT(system(cmd), 0);
	free(cmd);
}

int main(void)
{
	tl_log_init("test_localsql");
	TEST(setup);
	if (!q)
		return t_done();
	TEST(basic_select);
	TEST(group_and_partitions);
	TEST(pruning);
	TEST(pruning_in_between);
	TEST(athena_functions);
	TEST(errors_and_stop);
	TEST(parameters);
	TEST(authorizer);
	TEST(database_option);
	TEST(teardown);
	return t_done();
}
