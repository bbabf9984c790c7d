/* libFuzzer target for Athena's SQL on the local engine (outside input: any statement a person
 * or a script hands athena-query --local). The parser (tl_trino) and the rewriting (tl_dialect)
 * run against a catalog with struct, array and map columns; whatever they accept is prepared
 * by SQLite under the engine's authorizer. Properties checked: no crash, leak or hang; a
 * statement is either refused with "line L, column C: ..." (or as nesting deeper than SQLite's
 * parser reads) or rewritten into SQL that SQLite takes (never a syntax error, an unknown name
 * or function, or a refusal by the authorizer: those would be the rewriting's bugs); the tree
 * dumps. */
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_localsql.h"
#include "tl_log.h"
#include "tl_trino.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tl_localsql *engine;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static struct tl_localsql *open_engine(void)
{
	char dir[] = "/tmp/fuzz-trino-XXXXXX";
	if (!mkdtemp(dir))
		abort();
	char *p = xasprintf("%s/t/dt=2026-11-25", dir);
	char *t = xasprintf("%s/t", dir);
	mkdir(t, 0700);
	mkdir(p, 0700);
	char *obj = xasprintf("%s/o.json", p);
	write_file(obj, "{\"id\":\"1\",\"n\":2,\"x\":1.5,\"b\":true,\"s\":{\"a\":1,\"r\":[{\"k\":\"v\",\"w\":2}]},"
			"\"arr\":[\"p\",\"q\"],\"m\":{\"k\":3},\"ts\":\"2026-11-25T01:02:03Z\"}\n");
	char *cat = xasprintf("%s/_catalog", dir), *db = xasprintf("%s/_catalog/d", dir);
	mkdir(cat, 0700);
	mkdir(db, 0700);
	char *tj = xasprintf("%s/t.json", db);
	write_file(tj, "{\"Table\":{\"Name\":\"t\",\"DatabaseName\":\"d\",\"StorageDescriptor\":{\"Columns\":["
		       "{\"Name\":\"id\",\"Type\":\"string\"},{\"Name\":\"n\",\"Type\":\"bigint\"},"
		       "{\"Name\":\"x\",\"Type\":\"double\"},{\"Name\":\"b\",\"Type\":\"boolean\"},"
		       "{\"Name\":\"s\",\"Type\":\"struct<a:int,r:array<struct<k:string,w:int>>>\"},"
		       "{\"Name\":\"arr\",\"Type\":\"array<string>\"},{\"Name\":\"m\",\"Type\":\"map<string,int>\"},"
		       "{\"Name\":\"ts\",\"Type\":\"timestamp\"},{\"Name\":\"dec\",\"Type\":\"decimal(10,2)\"}],"
		       "\"Location\":\"s3://b/t/\"},\"PartitionKeys\":[{\"Name\":\"dt\",\"Type\":\"string\"}]}}");
	char *err = NULL;
	tl_log_set_level(TL_LOG_ERROR - 1);
	struct tl_localsql *q = tl_localsql_open(dir, NULL, NULL, &err);
	if (!q)
		abort();
	free(p);
	free(t);
	free(obj);
	free(cat);
	free(db);
	free(tj);
	return q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!engine)
		engine = open_engine();
	char *s = xmalloc(size + 1);
	for (size_t i = 0; i < size; i++)
		s[i] = data[i] ? (char)data[i] : ' ';
	s[size] = '\0';
	char *err = NULL;
	struct tl_trino_tree *tree = tl_trino_parse(s, &err);
	if (tree) {
		struct tl_buf b = TL_BUF_INIT;
		tl_trino_dump(tree->root, &b);
		tl_buf_release(&b);
		tl_trino_free(tree);
	} else if (!err || strncmp(err, "line ", 5)) {
		abort();
	}
	free(err);
	err = NULL;
	if (tl_localsql_prepare(engine, s, false, &err) < 0) {
		if (!err || (strncmp(err, "line ", 5) && !strstr(err, "nests too deeply"))) {
			fprintf(stderr, "rewriting refused: %s\n", err ? err : "(no message)");
			abort();
		}
	}
	free(err);
	free(s);
	return 0;
}
