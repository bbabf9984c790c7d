/* glue-crawl: catalogs a lake of NDJSON objects (gzip or plain) in S3 or a local folder.
 *
 * It lists the objects, finds Hive-style partitions (key=value folders; partition_0... for
 * other folders), reads each object (a sample from its start by default, all of it with
 * --full), infers one schema for the table and writes the table and its partitions to the Glue
 * Data Catalog, to a local catalog (--catalog DIR), or prints Athena DDL (--ddl). --manifest
 * reads kafka-to-s3's manifest lines on stdin and registers partitions as objects land;
 * --crawler runs an AWS Glue crawler instead. One JSON summary line goes to stdout.
 */
#include "tl_alloc.h"
#include "tl_aws.h"
#include "tl_buf.h"
#include "tl_catalog.h"
#include "tl_cli.h"
#include "tl_gunzip.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_lakeread.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_s3.h"
#include "tl_schema.h"
#include "tl_sig.h"
#include "tl_str.h"
#include "tl_time.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: glue-crawl [-v | -q] [--database DB] [--table NAME] [--full | --sample SIZE]\n"
	"                  [--timestamps] [--jobs N] [--catalog DIR | --ddl] [--dry-run]\n"
	"                  [--replace] [--projection] [--manifest] [--location URL]\n"
	"                  [--profile NAME] [--region REGION] [--endpoint-url URL]\n"
	"                  [--no-verify-ssl] SOURCE\n"
	"       glue-crawl --crawler NAME [--create --role ROLE --database DB [SOURCE]]\n"
	"                  [--table-prefix PREFIX] [--timeout DURATION] [AWS options]\n"
	"\n"
	"Catalogs the NDJSON objects (.json.gz or plain) under SOURCE, s3://BUCKET/PREFIX or a\n"
	"local folder: infers the table's schema, finds key=value partitions and writes the table\n"
	"and its partitions to the AWS Glue Data Catalog. Prints one JSON summary line. A lake\n"
	"root (SOURCE/TOPIC/key=value/...) gives a table per TOPIC folder, a summary line each.\n"
	"\n"
	"  --database DB      Glue database (created if missing); default \"default\"\n"
	"  --table NAME       table name; default: the last folder of SOURCE\n"
	"  --full             read every record (default: the first 1 MiB of each object)\n"
	"  --sample SIZE      read this much of each object (e.g. 64k, 4M)\n"
	"  --timestamps       type ISO 8601 date-time strings as timestamp\n"
	"  --jobs N           objects read at once (default 4)\n"
	"  --catalog DIR      write a local catalog (DIR/DB/TABLE.json) instead of Glue\n"
	"  --ddl              print Athena's CREATE EXTERNAL TABLE instead of writing\n"
	"  --dry-run          print what would change, change nothing\n"
	"  --replace          redefine the table from this crawl (columns may narrow or go)\n"
	"  --projection       set Athena partition projection instead of registering partitions\n"
	"  --manifest         read kafka-to-s3 manifest lines on stdin; register what lands\n"
	"  --location URL     the table location to record (default: SOURCE)\n"
	"  --crawler NAME     run this AWS Glue crawler and wait for it\n"
	"  --create           with --crawler: create it if missing (needs --role, --database)\n"
	"  --role ROLE        IAM role of a crawler created with --create\n"
	"  --table-prefix P   table prefix of a crawler created with --create\n"
	"  --timeout DURATION how long to wait for the crawler (default 30m)\n";

enum {
	OPT_DATABASE = 256, OPT_TABLE, OPT_FULL, OPT_SAMPLE, OPT_TIMESTAMPS, OPT_JOBS,
	OPT_CATALOG, OPT_DDL, OPT_DRY_RUN, OPT_REPLACE, OPT_PROJECTION, OPT_MANIFEST,
	OPT_LOCATION, OPT_CRAWLER, OPT_CREATE, OPT_ROLE, OPT_TABLE_PREFIX, OPT_TIMEOUT,
};

static const struct option longopts[] = {
	{ "database", required_argument, NULL, OPT_DATABASE },
	{ "table", required_argument, NULL, OPT_TABLE },
	{ "full", no_argument, NULL, OPT_FULL },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "timestamps", no_argument, NULL, OPT_TIMESTAMPS },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "catalog", required_argument, NULL, OPT_CATALOG },
	{ "ddl", no_argument, NULL, OPT_DDL },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "projection", no_argument, NULL, OPT_PROJECTION },
	{ "manifest", no_argument, NULL, OPT_MANIFEST },
	{ "location", required_argument, NULL, OPT_LOCATION },
	{ "crawler", required_argument, NULL, OPT_CRAWLER },
	{ "create", no_argument, NULL, OPT_CREATE },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "table-prefix", required_argument, NULL, OPT_TABLE_PREFIX },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

static const struct tl_cli_spec cli_spec = {
	.usage = usage,
	.verbose_help = "more messages (twice: HTTP traces)",
	.longopts = longopts,
	.max_args = 1,
};

struct opts {
	const char *database, *table, *catalog_dir, *location, *source;
	const char *crawler, *role, *table_prefix;
	bool full, timestamps, ddl, dry_run, replace, projection, manifest, create;
	bool table_given;  /* --table (else the name comes from SOURCE or its topic folders) */
	uint64_t sample;
	int jobs;
	int64_t timeout_ms;
	struct tl_aws_opts aws;
};

/* ---- the lake ---- */

struct object {
	char *rel;        /* key relative to the table folder: "dt=2026-11-25/hour=03/t+0+00.json.gz" */
	int64_t size;
	int part;         /* index into the table's partitions, -1 when unpartitioned */
	/* what reading it gave */
	uint64_t records, bad, out_bytes, in_bytes;
	uint64_t in_used;  /* compressed bytes decoded (for the ratio) */
	uint64_t consumed; /* uncompressed bytes of the lines read */
	bool is_bad, empty, sampled, gzip;
};

/* One table of the lake: SOURCE itself, or a topic folder of it (tl_lakeread.h). */
struct lake {
	bool s3;
	char *root;             /* local: absolute folder; s3: the prefix ("" or "a/b") */
	char *bucket;
	char *location;         /* table location URL, ending in '/' */
	char *table_location;   /* the Location recorded: --location as given, or location */
	char *name;             /* the table's name */
	struct object *obj;
	size_t nobj, aobj;
	size_t skipped;         /* names left out: hidden, links out of the lake */
	struct tl_lake_table tab; /* partition keys and partitions */
	size_t nregistered;     /* --manifest: tab.parts[0, nregistered) are in the catalog */
	bool any_gz;
};

static void add_object(struct lake *lk, const char *rel, int64_t size)
{
	if (lk->nobj == lk->aobj) {
		lk->aobj = lk->aobj ? lk->aobj * 2 : 256;
		lk->obj = xrealloc(lk->obj, lk->aobj * sizeof(*lk->obj));
	}
	struct object *o = &lk->obj[lk->nobj++];
	memset(o, 0, sizeof(*o));
	o->rel = xstrdup(rel);
	o->size = size;
	o->part = -1;
}

/* Lists the lake under SOURCE (base) into l. */
static int list_lake(const struct lake *base, struct tl_s3 *s3, struct tl_lake_listing *l)
{
	if (!base->s3)
		return tl_lake_list_dir(base->root, base->root, l);
	struct tl_aws_error err = { 0 };
	int rc = tl_lake_list_s3(s3, base->bucket, base->root, l, &err);
	if (rc < 0) {
		char *t = tl_aws_error_text(&err);
		tl_err("listing s3://%s/%s%s: %s", base->bucket, base->root, *base->root ? "/" : "", t);
		free(t);
		tl_aws_error_free(&err);
	}
	return rc;
}

/* Gives object o its partition. False when its folders do not fit the layout of the first
 * object (a Glue crawler would make another table of them): it is then left out. */
static bool place_object(struct lake *lk, struct object *o)
{
	return tl_lake_table_place(&lk->tab, o->rel, &o->part) == 0;
}

static void find_partitions(struct lake *lk)
{
	size_t kept = 0;
	for (size_t i = 0; i < lk->nobj; i++) {
		if (place_object(lk, &lk->obj[i]))
			lk->obj[kept++] = lk->obj[i];
		else
			free(lk->obj[i].rel);
	}
	lk->nobj = kept;
}

static void lake_free(struct lake *lk)
{
	for (size_t i = 0; i < lk->nobj; i++)
		free(lk->obj[i].rel);
	free(lk->obj);
	tl_lake_table_release(&lk->tab);
	free(lk->root);
	free(lk->bucket);
	free(lk->location);
	free(lk->table_location);
	free(lk->name);
	memset(lk, 0, sizeof(*lk));
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* ---- reading objects ---- */

#define MAX_BAD_MESSAGES 20

static atomic_int bad_messages;

struct reader {
	struct tl_schema_infer in;
	struct tl_buf part;       /* a line cut by a chunk boundary */
	bool skipping;            /* inside a line over the cap */
	uint64_t lineno;
	uint64_t consumed;        /* bytes of lines handled in this object */
	uint64_t limit;           /* stop after this many (0: read all) */
	struct object *obj;
	const char *name;         /* for messages */
	/* one worker's connections */
	struct tl_aws *aws;
	struct tl_s3 *s3;
	struct tl_gunzip *gz;
	bool gzname;              /* the object's name ends in .gz */
};

#define LINE_MAX_BYTES ((size_t)16 << 20)

static void bad_record(struct reader *r, const char *why, size_t pos)
{
	r->obj->bad++;
	if (atomic_fetch_add(&bad_messages, 1) < MAX_BAD_MESSAGES)
		tl_warn("%s:%llu: skipping a bad record: %s (at byte %zu)", r->name,
			(unsigned long long)r->lineno, why, pos);
}

static int line(struct reader *r, const char *p, size_t n)
{
	const char *why;
	size_t pos;
	r->lineno++;
	if (n && p[n - 1] == '\r')
		n--;
	int rc = tl_schema_infer_record(&r->in, p, n, &why, &pos);
	if (rc == 0)
		r->obj->records++;
	else if (rc < 0)
		bad_record(r, why, pos);
	return 0;
}

/* The gunzip sink: splits lines and infers; non-zero stops the object early (sample). */
static int sink(void *ctx, const char *p, size_t n)
{
	struct reader *r = ctx;
	const char *end = p + n;
	if (r->gz->gzip && !r->gzname) /* Athena would read this as text: not the table's data */
		return 1;
	if (tl_sig_caught()) /* Ctrl-C: stop inside a big object too */
		return 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			if (r->skipping)
				return 0;
			if (r->part.len + (size_t)(end - p) > LINE_MAX_BYTES) {
				r->lineno++;
				r->obj->bad++;
				tl_warn("%s:%llu: skipping a line over %zu MiB", r->name,
					(unsigned long long)r->lineno, LINE_MAX_BYTES >> 20);
				r->lineno--;
				r->skipping = true;
				tl_buf_reset(&r->part);
				return 0;
			}
			tl_buf_add(&r->part, p, (size_t)(end - p));
			return 0;
		}
		size_t len = (size_t)(nl - p);
		if (r->skipping) {
			r->skipping = false;
			r->lineno++;
		} else if (r->part.len) {
			r->consumed += r->part.len;
			if (r->part.len + len > LINE_MAX_BYTES) {
				r->lineno++;
				r->obj->bad++;
				tl_warn("%s:%llu: skipping a line over %zu MiB", r->name,
					(unsigned long long)r->lineno, LINE_MAX_BYTES >> 20);
			} else {
				tl_buf_add(&r->part, p, len);
				line(r, r->part.data, r->part.len);
			}
			tl_buf_reset(&r->part);
		} else {
			line(r, p, len);
		}
		r->consumed += len + 1;
		p = nl + 1;
		if (r->limit && r->consumed >= r->limit) {
			r->obj->sampled = true;
			return 1;
		}
	}
	return 0;
}

static int s3_body(const char *p, size_t n, void *ctx)
{
	struct reader *r = ctx;
	int rc = tl_gunzip_feed(r->gz, p, n);
	return rc == 0 ? 0 : -1; /* stop on a sink stop or a gzip error */
}

/* Reads one object into r->in. Failures are counted on the object, never fatal. */
static void read_object(struct reader *r, const struct lake *lk, struct object *o)
{
	struct tl_gunzip gz;
	bool gzname = ends_with(o->rel, ".gz");
	char *name = lk->s3 ? xasprintf("s3://%s/%s%s%s", lk->bucket, lk->root, *lk->root ? "/" : "",
					o->rel)
			    : xasprintf("%s/%s", lk->root, o->rel);
	r->obj = o;
	r->name = name;
	r->lineno = 0;
	r->consumed = 0;
	r->skipping = false;
	tl_buf_reset(&r->part);
	tl_gunzip_init(&gz, gzname ? TL_GUNZIP_REQUIRE : TL_GUNZIP_AUTO, sink, r);
	r->gz = &gz;
	r->gzname = gzname;
	int rc;
	const char *failure = NULL;
	if (lk->s3) {
		struct tl_aws_error err = { 0 };
		char *key = *lk->root ? xasprintf("%s/%s", lk->root, o->rel) : xstrdup(o->rel);
		/* a sample needs at most its own size of the object (compressed data only grows
		 * when inflated): a Range keeps the connection reusable, unlike an aborted GET */
		bool partial = r->limit && o->size > 0 && (uint64_t)o->size > r->limit;
		rc = tl_s3_get_object(r->s3, lk->bucket, key, partial ? 0 : -1,
				      partial ? (int64_t)r->limit - 1 : -1, s3_body, r, &err);
		free(key);
		if (rc < 0 && (gz.stopped || gz.failed)) {
			rc = gz.failed ? -1 : 1;
		} else if (rc == 0 && partial) {
			rc = 1; /* the sample ends with the range: the rest of the object is not read */
			o->sampled = true;
		} else if (rc < 0) {
			char *t = tl_aws_error_text(&err);
			tl_warn("%s: %s", name, t);
			free(t);
			failure = "read";
		} else {
			rc = tl_gunzip_finish(&gz);
		}
		tl_aws_error_free(&err);
	} else {
		int fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			tl_warn("%s: %s", name, strerror(errno));
			failure = "open";
			rc = -1;
		} else {
			rc = tl_gunzip_fd(&gz, fd);
			if (rc < 0 && strcmp(gz.error, "read error") == 0)
				tl_warn("%s: %s", name, strerror(errno));
			close(fd);
		}
	}
	if (!failure && rc < 0) {
		tl_warn("%s: %s", name, gz.error ? gz.error : "read failed");
		failure = gz.error ? gz.error : "read failed";
	}
	if (!failure && rc == 0 && !r->skipping && r->part.len) /* a last line without "\n" */
		line(r, r->part.data, r->part.len);
	if (!failure && gz.gzip && !gzname) {
		tl_warn("%s: gzip data without a .gz suffix: Athena would not decompress it", name);
		failure = "gzip without .gz";
	}
	o->in_bytes = gz.in_bytes;
	o->out_bytes = gz.out_bytes;
	o->in_used = gz.in_used;
	o->consumed = r->consumed + (o->sampled ? 0 : r->part.len);
	o->is_bad = failure != NULL;
	o->empty = !failure && gz.out_bytes == 0;
	if (o->empty)
		tl_info("%s: empty object", name);
	o->gzip = gzname || gz.gzip;
	tl_gunzip_release(&gz);
	r->gz = NULL;
	free(name);
}

struct work {
	struct lake *lk;
	const struct opts *op;
	size_t from, to;
	struct reader r;
	int failed;
};

static void *worker(void *arg)
{
	struct work *w = arg;
	for (size_t i = w->from; i < w->to && !tl_sig_caught(); i++)
		read_object(&w->r, w->lk, &w->lk->obj[i]);
	return NULL;
}

static void reader_init(struct reader *r, const struct opts *op)
{
	memset(r, 0, sizeof(*r));
	tl_schema_infer_init(&r->in, op->timestamps ? TL_SCHEMA_TIMESTAMPS : 0);
	tl_buf_init(&r->part, LINE_MAX_BYTES + 1);
	r->limit = op->full ? 0 : op->sample;
}

static void reader_release(struct reader *r)
{
	tl_schema_infer_release(&r->in);
	tl_buf_release(&r->part);
	tl_s3_free(r->s3);
	tl_aws_free(r->aws);
}

/* Merges what worker r inferred into the total (workers take contiguous runs of objects and
 * are merged in order, so the columns come out in the order a single reader would see them). */
static void merge_into(struct tl_schema_infer *tot, struct reader *r)
{
	tl_schema_merge(&tot->root, r->in.root);
}

/* Leaves out of the table the keys no catalog can name (tl_schema_drop_unmappable), warning
 * once for each: *seen holds the messages given so far (a --manifest run drops again at every
 * flush, as later records bring the key back). */
static void drop_unmappable(struct tl_schema *root, char ***seen, size_t *nseen)
{
	size_t n;
	char **msg = tl_schema_drop_unmappable(root, &n);
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t k = 0; k < *nseen && !dup; k++)
			dup = !strcmp((*seen)[k], msg[i]);
		if (dup) {
			free(msg[i]);
			continue;
		}
		tl_warn("%s: left out of the table (the SerDe skips it)", msg[i]);
		*seen = xrealloc(*seen, (*nseen + 1) * sizeof(char *));
		(*seen)[(*nseen)++] = msg[i];
	}
	free(msg);
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void report_collisions(const struct tl_schema *root)
{
	size_t n;
	char **c = tl_schema_collisions(root, &n);
	for (size_t i = 0; i < n; i++) {
		tl_warn("%s (the SerDe reads them into one column)", c[i]);
		free(c[i]);
	}
	free(c);
}

/* Reads the objects [0, lk->nobj) with op->jobs workers into *tot. */
static int read_all(struct lake *lk, const struct opts *op, struct tl_schema_infer *tot)
{
	size_t jobs = (size_t)op->jobs;
	if (jobs > lk->nobj)
		jobs = lk->nobj ? lk->nobj : 1;
	struct work *w = xcalloc(jobs, sizeof(*w));
	int rc = 0;
	for (size_t j = 0; j < jobs; j++) {
		w[j].lk = lk;
		w[j].op = op;
		w[j].from = lk->nobj * j / jobs;
		w[j].to = lk->nobj * (j + 1) / jobs;
		reader_init(&w[j].r, op);
		if (lk->s3) {
			char *err = NULL;
			w[j].r.aws = tl_aws_new(&op->aws, &err);
			if (!w[j].r.aws) {
				tl_err("%s", err);
				free(err);
				rc = -1;
				break;
			}
			w[j].r.s3 = tl_s3_new(w[j].r.aws);
		}
	}
	pthread_t *th = xcalloc(jobs, sizeof(*th));
	size_t started = 0;
	if (rc == 0) {
		for (size_t j = 1; j < jobs; j++) {
			if (pthread_create(&th[j], NULL, worker, &w[j]) != 0) {
				tl_err("cannot start a thread: %s", strerror(errno));
				rc = -1;
				break;
			}
			started = j;
		}
		worker(&w[0]);
		for (size_t j = 1; j <= started; j++)
			pthread_join(th[j], NULL);
	}
	for (size_t j = 0; j < jobs; j++) {
		if (rc == 0)
			merge_into(tot, &w[j].r);
		reader_release(&w[j].r);
	}
	free(th);
	free(w);
	return rc;
}

/* ---- the crawl ---- */

struct result;
struct totals;
static void summary_common(cJSON *s, const struct opts *op, const struct lake *lk,
			   const struct result *res, bool ok, size_t ncols);
static void summary_totals(cJSON *s, const struct totals *t, const struct lake *lk, int64_t t0);
static size_t count_columns(const struct tl_schema *root);

struct totals {
	uint64_t objects, objects_bad, objects_empty, bytes, ubytes, records, bad;
	bool compressed;
};

static void sum_objects(const struct lake *lk, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < lk->nobj; i++) {
		const struct object *o = &lk->obj[i];
		t->objects++;
		t->objects_bad += o->is_bad;
		t->objects_empty += o->empty;
		t->bytes += o->in_bytes;
		t->ubytes += o->consumed;
		t->records += o->records;
		t->bad += o->bad;
	}
	t->compressed = lk->any_gz;
}

/* Table statistics: counted exactly for objects read whole; for sampled ones the uncompressed
 * size is estimated from the compression ratio seen so far and the records from the share of
 * it that was read. */
static void table_stats(const struct lake *lk, uint64_t *records, uint64_t *size, uint64_t *ubytes)
{
	double rec = 0, ub = 0;
	uint64_t sz = 0;
	for (size_t i = 0; i < lk->nobj; i++) {
		const struct object *o = &lk->obj[i];
		sz += (uint64_t)(o->size > 0 ? o->size : 0);
		if (!o->sampled || !o->consumed || !o->in_used || o->size <= 0) {
			rec += (double)o->records;
			ub += (double)o->consumed;
			continue;
		}
		double total = (double)o->size * (double)o->out_bytes / (double)o->in_used;
		if (total < (double)o->consumed)
			total = (double)o->consumed;
		rec += (double)o->records * total / (double)o->consumed;
		ub += total;
	}
	*records = (uint64_t)(rec + 0.5);
	*size = sz;
	*ubytes = (uint64_t)(ub + 0.5);
}

static bool all_match(const struct lake *lk, size_t k, bool (*fn)(const char *))
{
	if (!lk->tab.nparts)
		return false;
	for (size_t i = 0; i < lk->tab.nparts; i++)
		if (!fn(lk->tab.parts[i].values[k]))
			return false;
	return true;
}

static bool is_date(const char *s)
{
	int64_t ms;
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-' && tl_time_parse(s, 10, &ms) == 0;
}

static bool is_digits(const char *s)
{
	if (!*s || strlen(s) > 9)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Athena partition projection properties for the layout found. */
static cJSON *projection_params(const struct lake *lk)
{
	cJSON *p = tl_json_obj();
	tl_json_add_str(p, "projection.enabled", "true");
	struct tl_buf tmpl = TL_BUF_INIT;
	tl_buf_adds(&tmpl, lk->location);
	for (size_t k = 0; k < lk->tab.nkeys; k++) {
		const char *key = lk->tab.keys[k];
		char *pk = NULL;
		if (all_match(lk, k, is_date)) {
			const char *min = lk->tab.parts[0].values[k];
			for (size_t i = 1; i < lk->tab.nparts; i++)
				if (strcmp(lk->tab.parts[i].values[k], min) < 0)
					min = lk->tab.parts[i].values[k];
			pk = xasprintf("projection.%s.type", key);
			tl_json_add_str(p, pk, "date");
			free(pk);
			pk = xasprintf("projection.%s.range", key);
			char *range = xasprintf("%s,NOW", min);
			tl_json_add_str(p, pk, range);
			free(range);
			free(pk);
			pk = xasprintf("projection.%s.format", key);
			tl_json_add_str(p, pk, "yyyy-MM-dd");
			free(pk);
			pk = xasprintf("projection.%s.interval", key);
			tl_json_add_str(p, pk, "1");
			free(pk);
			pk = xasprintf("projection.%s.interval.unit", key);
			tl_json_add_str(p, pk, "DAYS");
		} else if (all_match(lk, k, is_digits)) {
			long min = LONG_MAX, max = 0;
			size_t width = 0;
			for (size_t i = 0; i < lk->tab.nparts; i++) {
				const char *v = lk->tab.parts[i].values[k];
				long x = strtol(v, NULL, 10);
				min = x < min ? x : min;
				max = x > max ? x : max;
				if (v[0] == '0' && strlen(v) > 1 && strlen(v) > width)
					width = strlen(v);
			}
			if (strcmp(key, "hour") == 0) {
				min = 0;
				max = 23;
				width = 2;
			}
			pk = xasprintf("projection.%s.type", key);
			tl_json_add_str(p, pk, "integer");
			free(pk);
			pk = xasprintf("projection.%s.range", key);
			char *range = xasprintf("%ld,%ld", min, max);
			tl_json_add_str(p, pk, range);
			free(range);
			if (width) {
				free(pk);
				pk = xasprintf("projection.%s.digits", key);
				char *dg = xasprintf("%zu", width);
				tl_json_add_str(p, pk, dg);
				free(dg);
			}
		} else {
			struct tl_buf vals = TL_BUF_INIT;
			tl_buf_adds(&vals, "");
			for (size_t i = 0; i < lk->tab.nparts; i++) {
				bool seen = false;
				for (size_t j = 0; j < i && !seen; j++)
					seen = strcmp(lk->tab.parts[j].values[k], lk->tab.parts[i].values[k]) == 0;
				if (!seen)
					tl_buf_addf(&vals, "%s%s", vals.len ? "," : "", lk->tab.parts[i].values[k]);
			}
			pk = xasprintf("projection.%s.type", key);
			tl_json_add_str(p, pk, "enum");
			free(pk);
			pk = xasprintf("projection.%s.values", key);
			tl_json_add_str(p, pk, tl_buf_str(&vals));
			tl_buf_release(&vals);
		}
		free(pk);
		if (lk->tab.hive)
			tl_buf_addf(&tmpl, "%s=${%s}/", key, key);
		else
			tl_buf_addf(&tmpl, "${%s}/", key);
	}
	tl_json_add_str(p, "storage.location.template", tl_buf_str(&tmpl));
	tl_buf_release(&tmpl);
	return p;
}

static cJSON *str_array(char **v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static int print_summary(cJSON *s)
{
	char *text = tl_json_print(s);
	int rc = 0;
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		rc = -1;
	free(text);
	return rc;
}

/* The partition inputs of the lake's partitions that are not in have (an array of Partition,
 * or NULL). */
static cJSON *new_partitions(const struct lake *lk, const cJSON *input, const cJSON *have)
{
	cJSON *list = cJSON_CreateArray();
	for (size_t i = lk->nregistered; i < lk->tab.nparts; i++) {
		const struct tl_lake_part *pt = &lk->tab.parts[i];
		bool exists = false;
		const cJSON *p;
		cJSON_ArrayForEach(p, have) {
			const cJSON *vals = cJSON_GetObjectItemCaseSensitive(p, "Values");
			if (cJSON_GetArraySize(vals) != (int)lk->tab.nkeys)
				continue;
			size_t k = 0;
			for (const cJSON *v = vals->child; v; v = v->next, k++)
				if (!cJSON_IsString(v) || strcmp(v->valuestring, pt->values[k]) != 0)
					break;
			if (k == lk->tab.nkeys) {
				exists = true;
				break;
			}
		}
		if (exists)
			continue;
		char *loc = xasprintf("%s%s/", lk->location, pt->dir);
		cJSON_AddItemToArray(list, tl_catalog_partition_input(input, (const char *const *)pt->values,
								     lk->tab.nkeys, loc));
		free(loc);
	}
	return list;
}

/* Partition inputs that give existing partitions the table's (widened) columns. */
static cJSON *stale_partitions(const cJSON *have, const cJSON *input)
{
	cJSON *list = cJSON_CreateArray();
	const cJSON *cols = tl_json_get(input, "StorageDescriptor.Columns");
	const cJSON *p;
	cJSON_ArrayForEach(p, have) {
		const cJSON *pc = tl_json_get(p, "StorageDescriptor.Columns");
		if (cJSON_Compare(pc, cols, 1))
			continue;
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(p, "Values");
		const char *loc = tl_json_get_str(p, "StorageDescriptor.Location");
		size_t n = (size_t)cJSON_GetArraySize(vals);
		const char **v = xcalloc(n + 1, sizeof(char *));
		size_t k = 0;
		for (const cJSON *x = vals ? vals->child : NULL; x; x = x->next)
			v[k++] = cJSON_IsString(x) ? x->valuestring : "";
		cJSON_AddItemToArray(list, tl_catalog_partition_input(input, v, n, loc ? loc : ""));
		free(v);
	}
	return list;
}

struct result {
	bool created, changed;
	struct tl_catalog_changes ch;
	struct tl_catalog_batch added, updated;
	size_t partitions_found;
};

/* Reads what exists, merges, writes (unless dry_run). Retries when the table changed under
 * us (ConcurrentModificationException and friends). */
static int write_catalog(struct tl_catalog *cat, const struct opts *op, struct lake *lk,
			 const cJSON *input, bool register_parts, bool list_parts, struct result *res)
{
	char *err = NULL;
	bool dbc = false;
	if (!op->dry_run && tl_catalog_ensure_database(cat, op->database, &dbc, &err) < 0)
		goto fail;
	if (dbc)
		tl_info("created database %s", op->database);
	cJSON *out = NULL;
	for (int attempt = 1;; attempt++) {
		cJSON *existing = NULL;
		if (tl_catalog_get_table(cat, op->database, lk->name, &existing, &err) < 0)
			goto fail;
		tl_catalog_changes_free(&res->ch);
		out = tl_catalog_merge(existing, input, op->replace ? TL_CATALOG_REPLACE : 0, &res->ch,
				       &err);
		res->created = existing == NULL;
		cJSON_Delete(existing);
		if (!out)
			goto fail;
		res->changed = res->ch.changed;
		if (!res->ch.changed || op->dry_run)
			break;
		bool conflict = false;
		if (tl_catalog_put_table(cat, op->database, out, res->created, &conflict, &err) == 0)
			break;
		if (!conflict || attempt >= 5)
			goto fail;
		tl_info("%s; reading the table again", err);
		free(err);
		err = NULL;
		cJSON_Delete(out);
		out = NULL;
		tl_sleep_ms(100 * attempt);
	}
	for (size_t i = 0; !res->created && i < res->ch.nadded; i++)
		tl_info("%scolumn %s added", op->dry_run ? "would be: " : "", res->ch.added[i]);
	for (size_t i = 0; i < res->ch.nwidened; i++)
		tl_info("%scolumn %s widened", op->dry_run ? "would be: " : "", res->ch.widened[i]);
	if (res->created)
		tl_info("%stable %s.%s created with %zu columns", op->dry_run ? "would be: " : "",
			op->database, lk->name, res->ch.nadded);
	else if (!res->changed)
		tl_debug("table %s.%s unchanged", op->database, lk->name);

	if (register_parts && lk->tab.nparts) {
		cJSON *have = NULL;
		bool list = list_parts || res->ch.nadded || res->ch.nwidened;
		if (!res->created && list &&
		    tl_catalog_get_partitions(cat, op->database, lk->name, &have, &err) < 0) {
			cJSON_Delete(out);
			goto fail;
		}
		size_t unregistered = lk->tab.nparts - lk->nregistered;
		cJSON *add = new_partitions(lk, out, have);
		res->added.existing += unregistered - (size_t)cJSON_GetArraySize(add);
		cJSON *stale = (res->ch.nadded || res->ch.nwidened) && have ? stale_partitions(have, out)
									   : cJSON_CreateArray();
		int rc = 0;
		if (op->dry_run) {
			res->added.created = (size_t)cJSON_GetArraySize(add);
			res->updated.created = (size_t)cJSON_GetArraySize(stale);
		} else {
			rc = tl_catalog_add_partitions(cat, op->database, lk->name, add, &res->added, &err);
			if (rc == 0)
				lk->nregistered = lk->tab.nparts;
			if (rc == 0 && cJSON_GetArraySize(stale))
				rc = tl_catalog_update_partitions(cat, op->database, lk->name, stale,
								  &res->updated, &err);
		}
		if (res->added.created)
			tl_info("%s%zu partition%s added", op->dry_run ? "would be: " : "",
				res->added.created, res->added.created == 1 ? "" : "s");
		if (res->updated.created)
			tl_info("%s%zu partition%s given the new columns", op->dry_run ? "would be: " : "",
				res->updated.created, res->updated.created == 1 ? "" : "s");
		cJSON_Delete(add);
		cJSON_Delete(stale);
		cJSON_Delete(have);
		if (rc < 0) {
			cJSON_Delete(out);
			goto fail;
		}
	}
	cJSON_Delete(out);
	return 0;
fail:
	tl_err("%s", err ? err : "catalog write failed");
	free(err);
	return -1;
}

static char *location_of(const struct opts *op, const char *dflt)
{
	if (!op->location)
		return xstrdup(dflt);
	return ends_with(op->location, "/") ? xstrdup(op->location) : xasprintf("%s/", op->location);
}

/* The lake at SOURCE, as one table named by the options. */
static int open_lake(struct lake *lk, const struct opts *op, struct tl_aws **aws, char **err)
{
	struct tl_lake_loc loc;
	memset(lk, 0, sizeof(*lk));
	if (tl_lake_loc_parse(op->source, &loc, err) < 0)
		return -1;
	char *url;
	if (loc.s3) {
		lk->s3 = true;
		lk->bucket = loc.bucket;
		lk->root = loc.prefix;
		loc.bucket = loc.prefix = NULL;
		url = *lk->root ? xasprintf("s3://%s/%s/", lk->bucket, lk->root)
				: xasprintf("s3://%s/", lk->bucket);
	} else {
		char *abs = realpath(loc.dir, NULL);
		struct stat st;
		if (!abs || stat(abs, &st) < 0 || !S_ISDIR(st.st_mode)) {
			*err = xasprintf("%s: %s", op->source, abs ? "not a folder" : strerror(errno));
			free(abs);
			tl_lake_loc_free(&loc);
			return -1;
		}
		lk->root = abs;
		url = strcmp(abs, "/") == 0 ? xstrdup("file:///") : xasprintf("file://%s/", abs);
	}
	tl_lake_loc_free(&loc);
	lk->location = location_of(op, url);
	lk->table_location = xstrdup(op->location ? op->location : url);
	lk->name = xstrdup(op->table);
	free(url);
	if (lk->s3 && !*aws && !(*aws = tl_aws_new(&op->aws, err)))
		return -1;
	return 0;
}

/* The table of topic folder topic of the lake base ("": base itself). */
static void topic_lake(struct lake *t, const struct lake *base, const char *topic,
		       const struct opts *op)
{
	memset(t, 0, sizeof(*t));
	t->s3 = base->s3;
	t->bucket = base->bucket ? xstrdup(base->bucket) : NULL;
	if (!*topic) {
		t->root = xstrdup(base->root);
		t->location = xstrdup(base->location);
		t->table_location = xstrdup(base->table_location);
		t->name = xstrdup(base->name);
		return;
	}
	if (!*base->root || strcmp(base->root, "/") == 0)
		t->root = xasprintf("%s%s", base->s3 ? "" : "/", topic);
	else
		t->root = xasprintf("%s/%s", base->root, topic);
	t->location = xasprintf("%s%s/", base->location, topic);
	t->table_location = xstrdup(t->location);
	t->name = op->table_given ? xstrdup(op->table) : tl_schema_col_name(topic, strlen(topic));
}

/* How messages name the table's folder. */
static char *lake_where(const struct lake *lk)
{
	return lk->s3 ? xasprintf("s3://%s/%s", lk->bucket, lk->root) : xstrdup(lk->root);
}

static char *default_table(const char *source)
{
	const char *s = source;
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		n--;
	const char *b = s + n;
	while (b > s && b[-1] != '/')
		b--;
	if (strncmp(source, "s3://", 5) == 0 && b == s + 5)
		return NULL; /* a bare bucket */
	return tl_schema_col_name(b, (size_t)(s + n - b));
}

static cJSON *build_input(const struct opts *op, const struct lake *lk,
			  const struct tl_schema_infer *tot, bool stats)
{
	uint64_t recs, size, ub;
	table_stats(lk, &recs, &size, &ub);
	cJSON *extra = op->projection ? projection_params(lk) : NULL;
	struct tl_catalog_spec sp = {
		.name = lk->name,
		.location = lk->table_location,
		.columns = tot->root,
		.partition_keys = (const char *const *)lk->tab.keys,
		.npartition_keys = lk->tab.nkeys,
		.compressed = lk->any_gz,
		.stats = stats,
		.records = recs,
		.objects = lk->nobj,
		.bytes = size,
		.uncompressed_bytes = ub,
		.updated_by = "glue-crawl",
		.extra_params = extra,
	};
	cJSON *in = tl_catalog_table_input(&sp);
	cJSON_Delete(extra);
	return in;
}

/* Crawls one table whose objects are listed in lk: reads them, infers, writes the catalog (cat
 * and aws are made when first needed), prints its summary. Returns an exit status. */
static int crawl_table(const struct opts *op, struct lake *lk, struct tl_aws **aws,
		       struct tl_catalog **cat, int64_t t0)
{
	char *err = NULL;
	int status = TL_EXIT_OK;
	struct tl_schema_infer tot;
	struct result res;
	memset(&res, 0, sizeof(res));
	tl_schema_infer_init(&tot, 0);

	find_partitions(lk);
	tl_info("%s%s%zu object%s in %zu partition%s", *lk->name ? lk->name : "",
		*lk->name ? ": " : "", lk->nobj, lk->nobj == 1 ? "" : "s", lk->tab.nparts,
		lk->tab.nparts == 1 ? "" : "s");
	if (read_all(lk, op, &tot) < 0) {
		status = TL_EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < lk->nobj; i++)
		lk->any_gz |= lk->obj[i].gzip;
	if (tl_sig_caught()) {
		status = tl_sig_exit_status();
		goto out;
	}
	char **dropped = NULL;
	size_t ndropped = 0;
	drop_unmappable(tot.root, &dropped, &ndropped);
	free_strings(dropped, ndropped);
	report_collisions(tot.root);
	struct totals t;
	sum_objects(lk, &t);
	if (t.bad)
		tl_warn("%llu bad record%s skipped", (unsigned long long)t.bad, t.bad == 1 ? "" : "s");
	size_t ncols = count_columns(tot.root);
	if (ncols == 0) {
		char *where = lake_where(lk);
		tl_err("no records found under %s: nothing to catalog", where);
		free(where);
		status = TL_EXIT_FAIL;
		goto out;
	}
	cJSON *input = build_input(op, lk, &tot, true);
	if (op->ddl) {
		char *ddl = tl_catalog_ddl(op->database, input, &err);
		if (!ddl) {
			tl_err("%s", err);
			free(err);
			status = TL_EXIT_FAIL;
		} else if (fputs(ddl, stdout) == EOF) {
			status = TL_EXIT_FAIL;
		}
		free(ddl);
		cJSON_Delete(input);
		goto out;
	}
	if (!*cat && op->catalog_dir)
		*cat = tl_catalog_local(op->catalog_dir);
	if (!*cat) {
		if (!*aws && !(*aws = tl_aws_new(&op->aws, &err))) {
			tl_err("%s", err);
			free(err);
			cJSON_Delete(input);
			status = TL_EXIT_USAGE;
			goto out;
		}
		*cat = tl_catalog_glue(*aws, NULL);
	}
	int wrc = write_catalog(*cat, op, lk, input, !op->projection, true, &res);
	cJSON_Delete(input);
	if (wrc < 0)
		status = TL_EXIT_FAIL;

	cJSON *s = tl_json_obj();
	summary_common(s, op, lk, &res, wrc == 0, ncols);
	summary_totals(s, &t, lk, t0);
	if (print_summary(s) < 0)
		status = TL_EXIT_FAIL;
	cJSON_Delete(s);
	if (status == TL_EXIT_OK && (t.bad || t.objects_bad || res.added.failed || res.updated.failed))
		status = TL_EXIT_FAIL;
out:
	tl_catalog_changes_free(&res.ch);
	tl_schema_infer_release(&tot);
	return status;
}

/* Lists SOURCE, finds its tables (one, or one per topic folder) and crawls each. */
static int crawl(const struct opts *op)
{
	int64_t t0 = tl_mono_ms();
	struct lake base;
	struct tl_aws *aws = NULL;
	struct tl_catalog *cat = NULL;
	struct tl_s3 *s3 = NULL;
	struct tl_lake_listing ls;
	struct tl_lake_split *sp = NULL;
	size_t nsp = 0;
	char *err = NULL;
	int status = TL_EXIT_OK;
	memset(&ls, 0, sizeof(ls));

	if (open_lake(&base, op, &aws, &err) < 0) {
		tl_err("%s", err);
		free(err);
		lake_free(&base);
		tl_aws_free(aws);
		return TL_EXIT_USAGE;
	}
	s3 = base.s3 ? tl_s3_new(aws) : NULL;
	if (list_lake(&base, s3, &ls) < 0 || ls.interrupted) {
		status = ls.interrupted ? tl_sig_exit_status() : TL_EXIT_FAIL;
		goto out;
	}
	if (ls.links_out)
		tl_warn("%zu symbolic link%s out of %s not followed", ls.links_out,
			ls.links_out == 1 ? "" : "s", op->source);
	nsp = tl_lake_tables(&ls, &sp);
	if (nsp > 1 || *sp[0].topic) {
		struct tl_buf names = TL_BUF_INIT;
		for (size_t i = 0; i < nsp; i++)
			tl_buf_addf(&names, "%s%s", i ? ", " : "", sp[i].topic);
		tl_info("%s is a lake of %zu topic folder%s (%s): a table each", op->source, nsp,
			nsp == 1 ? "" : "s", tl_buf_str(&names));
		tl_buf_release(&names);
		if (nsp > 1 && op->table_given) {
			tl_err("--table names one table, but %s holds %zu topic folders; crawl one of "
			       "them (%s/%s) or leave --table out", op->source, nsp, op->source,
			       sp[0].topic);
			status = TL_EXIT_USAGE;
			goto out;
		}
	}
	for (size_t i = 0; i < nsp && !tl_sig_caught(); i++) {
		struct lake lk;
		size_t tn = strlen(sp[i].topic);
		topic_lake(&lk, &base, sp[i].topic, op);
		for (size_t j = sp[i].from; j < sp[i].to; j++)
			add_object(&lk, ls.v[j].rel + (tn ? tn + 1 : 0), ls.v[j].size);
		lk.skipped = tl_lake_listing_skipped(&ls, sp[i].topic);
		int rc = crawl_table(op, &lk, &aws, &cat, t0);
		if (rc > status)
			status = rc;
		lake_free(&lk);
	}
	if (ls.errors && status == TL_EXIT_OK)
		status = TL_EXIT_FAIL; /* some of the lake could not be read */
out:
	if (tl_sig_caught())
		status = tl_sig_exit_status();
	tl_lake_splits_free(sp, nsp);
	tl_lake_listing_free(&ls);
	tl_catalog_free(cat);
	tl_s3_free(s3);
	tl_aws_free(aws);
	lake_free(&base);
	return status;
}


static void push_unique(char ***list, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], s) == 0)
			return;
	*list = xrealloc(*list, (*n + 1) * sizeof(char *));
	(*list)[(*n)++] = xstrdup(s);
}

static void summary_common(cJSON *s, const struct opts *op, const struct lake *lk,
			   const struct result *res, bool ok, size_t ncols)
{
	char *full = xasprintf("%s.%s", op->database, lk->name);
	tl_json_add_str(s, "table", full);
	free(full);
	tl_json_add_str(s, "catalog", op->catalog_dir ? "local" : "glue");
	tl_json_add_str(s, "location", lk->table_location);
	if (op->dry_run)
		tl_json_add_bool(s, "dry_run", true);
	tl_json_add_bool(s, "ok", ok);
	tl_json_add_bool(s, "created", ok && res->created);
	tl_json_add_bool(s, "changed", ok && res->changed);
	tl_json_add_num(s, "columns", (double)ncols);
	tl_json_add(s, "columns_added", str_array(res->ch.added, res->ch.nadded));
	tl_json_add(s, "columns_widened", str_array(res->ch.widened, res->ch.nwidened));
	tl_json_add_num(s, "partitions", (double)lk->tab.nparts);
	tl_json_add_num(s, "partitions_added", (double)res->added.created);
	tl_json_add_num(s, "partitions_existing", (double)res->added.existing);
	tl_json_add_num(s, "partitions_updated", (double)res->updated.created);
	tl_json_add_num(s, "partitions_failed", (double)(res->added.failed + res->updated.failed));
}

static void summary_totals(cJSON *s, const struct totals *t, const struct lake *lk, int64_t t0)
{
	tl_json_add_num(s, "objects", (double)t->objects);
	tl_json_add_num(s, "objects_bad", (double)t->objects_bad);
	tl_json_add_num(s, "objects_empty", (double)t->objects_empty);
	tl_json_add_num(s, "objects_skipped", (double)(lk->skipped + lk->tab.skipped));
	tl_json_add_num(s, "bytes", (double)t->bytes);
	tl_json_add_num(s, "bytes_uncompressed", (double)t->ubytes);
	tl_json_add_num(s, "records", (double)t->records);
	tl_json_add_num(s, "records_bad", (double)t->bad);
	tl_json_add_num(s, "seconds", (double)(tl_mono_ms() - t0) / 1000.0);
}

static size_t count_columns(const struct tl_schema *root)
{
	size_t n = 0;
	for (size_t i = 0; i < root->nfields; i++)
		n += root->fields[i].alias_of < 0;
	return n;
}

/* ---- --manifest ---- */

/* One table the manifest lines fill. */
struct mtable {
	struct lake lk;               /* partitions seen; objects of the current batch */
	struct reader r;              /* r.in: the columns inferred so far */
	struct totals t;
	struct result res;
	char *topic;                  /* "" for SOURCE itself */
	bool pending;
	bool failed;
};

struct manifest {
	const struct opts *op;
	struct lake base;             /* SOURCE */
	struct tl_catalog *cat;
	struct tl_aws *aws;
	struct tl_s3 *s3;
	struct mtable **tabs;
	size_t ntabs;
	uint64_t lines_bad;
	char **dropped;               /* keys left out of the table, warned about */
	size_t ndropped;
};

/* Registers what landed in table mt since the last flush: the widened table, new partitions. */
static void manifest_flush(struct manifest *m, struct mtable *mt)
{
	if (!mt->pending)
		return;
	mt->pending = false;
	drop_unmappable(mt->r.in.root, &m->dropped, &m->ndropped);
	if (!count_columns(mt->r.in.root))
		return;
	cJSON *input = build_input(m->op, &mt->lk, &mt->r.in, false);
	struct result res;
	memset(&res, 0, sizeof(res));
	int rc = write_catalog(m->cat, m->op, &mt->lk, input, !m->op->projection, false, &res);
	cJSON_Delete(input);
	if (rc < 0) {
		mt->failed = true;
	} else {
		mt->res.created |= res.created;
		mt->res.changed |= res.changed;
		for (size_t i = 0; i < res.ch.nadded; i++)
			push_unique(&mt->res.ch.added, &mt->res.ch.nadded, res.ch.added[i]);
		for (size_t i = 0; i < res.ch.nwidened; i++)
			push_unique(&mt->res.ch.widened, &mt->res.ch.nwidened, res.ch.widened[i]);
	}
	mt->res.added.created += res.added.created;
	mt->res.added.existing += res.added.existing;
	mt->res.added.failed += res.added.failed;
	mt->res.updated.created += res.updated.created;
	mt->res.updated.failed += res.updated.failed;
	tl_catalog_changes_free(&res.ch);
}

static void manifest_flush_all(struct manifest *m)
{
	for (size_t i = 0; i < m->ntabs; i++)
		manifest_flush(m, m->tabs[i]);
}

/* The object a manifest line names, relative to SOURCE, or NULL (reported). */
static char *manifest_rel(struct manifest *m, const cJSON *j, uint64_t lineno)
{
	const struct lake *lk = &m->base;
	const char *url = tl_json_get_str(j, "url");
	const char *bucket = tl_json_get_str(j, "bucket"), *key = tl_json_get_str(j, "key");
	struct tl_lake_loc loc = { 0 };
	char *path = NULL, *e = NULL;
	if (url && tl_lake_loc_parse(url, &loc, &e) < 0) {
		free(e);
		memset(&loc, 0, sizeof(loc));
	}
	if (lk->s3) {
		const char *b = NULL;
		if ((!bucket || !key) && loc.s3) {
			b = loc.bucket;
			path = xstrdup(loc.prefix);
		} else if (bucket && key) {
			b = bucket;
			path = xstrdup(key);
		}
		if (!b || strcmp(b, lk->bucket) != 0) {
			tl_warn("manifest line %llu: not an object of s3://%s/; ignored",
				(unsigned long long)lineno, lk->bucket);
			free(path);
			tl_lake_loc_free(&loc);
			return NULL;
		}
	} else if (loc.dir && loc.dir[0] == '/') {
		path = xstrdup(loc.dir);
	} else if (key && key[0] == '/') {
		path = xstrdup(key);
	}
	tl_lake_loc_free(&loc);
	const char *root = lk->root;
	size_t rl = strlen(root);
	char *rel = NULL;
	if (path && rl == 0)
		rel = xstrdup(path);
	else if (path && strncmp(path, root, rl) == 0 && path[rl] == '/')
		rel = xstrdup(path + rl + 1);
	else if (path && strcmp(root, "/") == 0 && path[0] == '/')
		rel = xstrdup(path + 1);
	if (!rel)
		tl_warn("manifest line %llu: %s is not under %s; ignored", (unsigned long long)lineno,
			path ? path : "(no url or key)", m->op->source);
	free(path);
	return rel;
}

/* The table of topic ("" for SOURCE itself); NULL when --table names another one already. */
static struct mtable *manifest_table(struct manifest *m, const char *topic, bool create,
				     uint64_t lineno)
{
	for (size_t i = 0; i < m->ntabs; i++)
		if (strcmp(m->tabs[i]->topic, topic) == 0)
			return m->tabs[i];
	if (!create)
		return NULL;
	if (m->ntabs && m->op->table_given) {
		tl_warn("manifest line %llu: an object of another table (%s%s) under %s, but --table "
			"names one table; ignored", (unsigned long long)lineno,
			*topic ? "topic folder " : "", *topic ? topic : "the folder itself",
			m->op->source);
		return NULL;
	}
	struct mtable *mt = xcalloc(1, sizeof(*mt));
	topic_lake(&mt->lk, &m->base, topic, m->op);
	mt->topic = xstrdup(topic);
	reader_init(&mt->r, m->op);
	mt->r.s3 = m->s3; /* shared: not the reader's to free */
	m->tabs = xrealloc(m->tabs, (m->ntabs + 1) * sizeof(*m->tabs));
	m->tabs[m->ntabs++] = mt;
	return mt;
}

static void manifest_line(struct manifest *m, const char *p, size_t n, uint64_t lineno)
{
	size_t pos = 0;
	cJSON *j = tl_json_parse(p, n, &pos);
	if (!cJSON_IsObject(j)) {
		m->lines_bad++;
		tl_warn("manifest line %llu: not a JSON object (at byte %zu); skipped",
			(unsigned long long)lineno, pos);
		cJSON_Delete(j);
		return;
	}
	if (tl_json_get_bool(j, "errors")) { /* kafka-to-s3's _errors/ tree: not the table's */
		cJSON_Delete(j);
		return;
	}
	char *rel = manifest_rel(m, j, lineno);
	double size = 0;
	tl_json_get_num(j, "bytes", &size);
	/* SOURCE/TOPIC/k=v/.../OBJECT: the topic's own table, as a crawl of SOURCE would make */
	const char *topic = tl_json_get_str(j, "topic");
	char *tname = NULL;
	if (rel && topic && *topic) {
		size_t tn = tl_lake_topic_len(rel);
		if (tn && tn == strlen(topic) && strncmp(rel, topic, tn) == 0)
			tname = xstrdup(topic);
	}
	cJSON_Delete(j);
	if (!rel) {
		m->lines_bad++;
		free(tname);
		return;
	}
	const char *trel = tname ? rel + strlen(tname) + 1 : rel;
	if (tl_lake_rel_hidden(rel)) {
		struct mtable *mt = manifest_table(m, tname ? tname : "", false, lineno);
		if (mt)
			mt->lk.skipped++;
		tl_debug("manifest line %llu: %s is not data (a name starts with _ or .)",
			 (unsigned long long)lineno, rel);
		free(tname);
		free(rel);
		return;
	}
	struct mtable *mt = manifest_table(m, tname ? tname : "", true, lineno);
	free(tname);
	if (!mt) {
		m->lines_bad++;
		free(rel);
		return;
	}
	struct lake *lk = &mt->lk;
	add_object(lk, trel, (int64_t)size);
	free(rel);
	struct object *o = &lk->obj[lk->nobj - 1];
	if (place_object(lk, o)) {
		read_object(&mt->r, lk, o);
		lk->any_gz |= o->gzip;
		struct totals t;
		sum_objects(lk, &t);
		mt->t.objects += t.objects;
		mt->t.objects_bad += t.objects_bad;
		mt->t.objects_empty += t.objects_empty;
		mt->t.bytes += t.bytes;
		mt->t.ubytes += t.ubytes;
		mt->t.records += t.records;
		mt->t.bad += t.bad;
		mt->pending = true;
	}
	free(o->rel);
	lk->nobj = 0;
}

/* Prints table mt's summary; returns its exit status. */
static int manifest_summary(struct manifest *m, struct mtable *mt, int64_t t0)
{
	int status = TL_EXIT_OK;
	report_collisions(mt->r.in.root);
	cJSON *s = tl_json_obj();
	summary_common(s, m->op, &mt->lk, &mt->res, !mt->failed, count_columns(mt->r.in.root));
	tl_json_add_num(s, "manifest_lines_bad", (double)m->lines_bad);
	summary_totals(s, &mt->t, &mt->lk, t0);
	if (print_summary(s) < 0)
		status = TL_EXIT_FAIL;
	cJSON_Delete(s);
	if (status == TL_EXIT_OK && (mt->failed || mt->t.bad || mt->t.objects_bad || m->lines_bad ||
				     mt->res.added.failed || mt->res.updated.failed))
		status = TL_EXIT_FAIL;
	return status;
}

static void mtable_free(struct mtable *mt)
{
	mt->r.s3 = NULL;
	reader_release(&mt->r);
	tl_catalog_changes_free(&mt->res.ch);
	lake_free(&mt->lk);
	free(mt->topic);
	free(mt);
}

static int manifest(const struct opts *op)
{
	int64_t t0 = tl_mono_ms();
	struct manifest m;
	char *err = NULL;
	memset(&m, 0, sizeof(m));
	m.op = op;
	if (open_lake(&m.base, op, &m.aws, &err) < 0) {
		tl_err("%s", err);
		free(err);
		lake_free(&m.base);
		tl_aws_free(m.aws);
		return TL_EXIT_USAGE;
	}
	if (m.base.s3)
		m.s3 = tl_s3_new(m.aws);
	if (op->catalog_dir) {
		m.cat = tl_catalog_local(op->catalog_dir);
	} else {
		if (!m.aws && !(m.aws = tl_aws_new(&op->aws, &err))) {
			tl_err("%s", err);
			free(err);
			lake_free(&m.base);
			return TL_EXIT_USAGE;
		}
		m.cat = tl_catalog_glue(m.aws, NULL);
	}
	struct tl_lines in;
	struct tl_line ln;
	tl_lines_init(&in, STDIN_FILENO, 0);
	int status = TL_EXIT_OK;
	for (;;) {
		if (!tl_lines_ready(&in))
			manifest_flush_all(&m); /* nothing more at hand: register before waiting */
		if (tl_sig_caught())
			break;
		int rc = tl_lines_next(&in, &ln);
		if (rc == TL_LINE_EOF)
			break;
		if (rc == TL_LINE_AGAIN)
			continue;
		if (rc == TL_LINE_ERROR) {
			tl_err("reading stdin: %s", strerror(errno));
			status = TL_EXIT_FAIL;
			break;
		}
		if (rc == TL_LINE_TOOLONG) {
			m.lines_bad++;
			tl_warn("manifest line %llu: too long; skipped", (unsigned long long)ln.lineno);
			continue;
		}
		if (ln.len)
			manifest_line(&m, ln.data, ln.len, ln.lineno);
	}
	manifest_flush_all(&m);
	tl_lines_release(&in);
	if (!m.ntabs) /* nothing came: say so about the table SOURCE names */
		manifest_table(&m, "", true, 0);
	for (size_t i = 0; i < m.ntabs; i++) {
		int rc = manifest_summary(&m, m.tabs[i], t0);
		if (rc > status)
			status = rc;
		mtable_free(m.tabs[i]);
	}
	free(m.tabs);
	if (tl_sig_caught())
		status = tl_sig_exit_status();
	free_strings(m.dropped, m.ndropped);
	tl_catalog_free(m.cat);
	tl_s3_free(m.s3);
	tl_aws_free(m.aws);
	lake_free(&m.base);
	return status;
}

/* ---- --crawler ---- */

static int glue_call(struct tl_aws *aws, const char *op, cJSON *body, cJSON **out, char **code)
{
	struct tl_aws_error e = { 0 };
	char *target = xasprintf("AWSGlue.%s", op);
	cJSON *resp = NULL;
	int rc = tl_aws_json_call(aws, "glue", target, body, &resp, &e);
	free(target);
	cJSON_Delete(body);
	if (out)
		*out = resp;
	else
		cJSON_Delete(resp);
	if (code)
		*code = NULL;
	if (rc < 0) {
		char *t = tl_aws_error_text(&e);
		if (code && e.code)
			*code = xstrdup(e.code);
		if (!code)
			tl_err("Glue %s: %s", op, t);
		else if (!e.code || (strcmp(e.code, "EntityNotFoundException") != 0 &&
				     strcmp(e.code, "CrawlerRunningException") != 0))
			tl_warn("Glue %s: %s", op, t);
		free(t);
		tl_aws_error_free(&e);
	}
	return rc;
}

static cJSON *name_body(const char *name)
{
	cJSON *b = tl_json_obj();
	tl_json_add_str(b, "Name", name);
	return b;
}

static int crawler(const struct opts *op)
{
	int64_t t0 = tl_mono_ms();
	char *err = NULL, *code = NULL;
	struct tl_aws *aws = tl_aws_new(&op->aws, &err);
	if (!aws) {
		tl_err("%s", err);
		free(err);
		return TL_EXIT_USAGE;
	}
	int status = TL_EXIT_FAIL;
	cJSON *resp = NULL, *s = NULL;
	const char *name = op->crawler;
	if (glue_call(aws, "GetCrawler", name_body(name), &resp, &code) < 0) {
		if (!code || strcmp(code, "EntityNotFoundException") != 0)
			goto out;
		if (!op->create) {
			tl_err("no crawler named %s (--create makes one)", name);
			goto out;
		}
		cJSON *b = name_body(name);
		tl_json_add_str(b, "Role", op->role);
		tl_json_add_str(b, "DatabaseName", op->database);
		if (op->table_prefix)
			tl_json_add_str(b, "TablePrefix", op->table_prefix);
		cJSON *targets = tl_json_obj(), *s3t = cJSON_CreateArray(), *t = tl_json_obj();
		tl_json_add_str(t, "Path", op->source);
		cJSON_AddItemToArray(s3t, t);
		tl_json_add(targets, "S3Targets", s3t);
		tl_json_add(b, "Targets", targets);
		if (glue_call(aws, "CreateCrawler", b, NULL, NULL) < 0)
			goto out;
		tl_info("created crawler %s", name);
	}
	cJSON_Delete(resp);
	resp = NULL;
	free(code);
	code = NULL;
	if (glue_call(aws, "StartCrawler", name_body(name), NULL, &code) < 0) {
		if (!code || strcmp(code, "CrawlerRunningException") != 0)
			goto out;
		tl_info("crawler %s is running already; waiting for it", name);
	} else {
		tl_info("crawler %s started", name);
	}
	/* wait: RUNNING -> STOPPING -> READY. ListCrawls gives the run's own state and DPU hours
	 * (and is what advances moto's crawls through its state manager). */
	char state[32] = "RUNNING", last[32] = "";
	char *final_status = NULL, *message = NULL, *crawl_state = NULL;
	double dpu = -1;
	int64_t deadline = tl_mono_ms() + op->timeout_ms, stop_deadline = 0;
	int interval = 1000;
	for (;;) {
		cJSON *lb = tl_json_obj(), *lr = NULL;
		tl_json_add_str(lb, "CrawlerName", name);
		if (glue_call(aws, "ListCrawls", lb, &lr, &code) == 0) {
			const cJSON *c, *latest = NULL;
			cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(lr, "Crawls")) {
				double t1, t2;
				if (!latest || (tl_json_get_num(c, "StartTime", &t1) == 0 &&
						tl_json_get_num(latest, "StartTime", &t2) == 0 && t1 >= t2))
					latest = c;
			}
			const char *cs = latest ? tl_json_get_str(latest, "State") : NULL;
			free(crawl_state);
			crawl_state = cs ? xstrdup(cs) : NULL;
			if (latest)
				tl_json_get_num(latest, "DPUHour", &dpu);
		}
		free(code);
		code = NULL;
		cJSON_Delete(lr);
		if (glue_call(aws, "GetCrawler", name_body(name), &resp, NULL) < 0)
			goto out;
		const char *st = tl_json_get_str(resp, "Crawler.State");
		snprintf(state, sizeof(state), "%s", st ? st : "?");
		if (strcmp(last, state) != 0)
			tl_info("crawler %s: %s", name, state);
		snprintf(last, sizeof(last), "%s", state);
		tl_log_status(0, "crawler %s: %s, %llds", name, state,
			      (long long)((tl_mono_ms() - t0) / 1000));
		if (strcmp(state, "READY") == 0) {
			const char *ls = tl_json_get_str(resp, "Crawler.LastCrawl.Status");
			const char *msg = tl_json_get_str(resp, "Crawler.LastCrawl.ErrorMessage");
			final_status = xstrdup(ls ? ls : crawl_state ? crawl_state : "UNKNOWN");
			message = msg ? xstrdup(msg) : NULL;
			break;
		}
		cJSON_Delete(resp);
		resp = NULL;
		if (tl_sig_caught() && !stop_deadline) {
			tl_info("stopping crawler %s", name);
			glue_call(aws, "StopCrawler", name_body(name), NULL, NULL);
			stop_deadline = tl_mono_ms() + 60000;
		}
		if (tl_mono_ms() > deadline || (stop_deadline && tl_mono_ms() > stop_deadline)) {
			final_status = xstrdup(stop_deadline ? "STOPPING" : "TIMEOUT");
			break;
		}
		if (tl_sleep_ms(interval) && tl_sig_count() > 1)
			break;
		if (interval < 5000)
			interval += 500;
	}
	tl_log_status_end();
	s = tl_json_obj();
	tl_json_add_str(s, "crawler", name);
	tl_json_add_str(s, "state", state);
	tl_json_add_str(s, "status", final_status ? final_status : "INTERRUPTED");
	if (message)
		tl_json_add_str(s, "error", message);
	if (dpu >= 0)
		tl_json_add_num(s, "dpu_hours", dpu);
	free(crawl_state);
	/* moto answers GetCrawlerMetrics with 500; real Glue may lag: metrics are a bonus */
	cJSON *mb = tl_json_obj(), *names = cJSON_CreateArray(), *mr = NULL;
	cJSON_AddItemToArray(names, cJSON_CreateString(name));
	tl_json_add(mb, "CrawlerNameList", names);
	struct tl_aws_error e = { 0 };
	if (tl_aws_json_call(aws, "glue", "AWSGlue.GetCrawlerMetrics", mb, &mr, &e) == 0) {
		const cJSON *m = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(mr, "CrawlerMetricsList"), 0);
		static const char *const keys[][2] = {
			{ "TablesCreated", "tables_created" }, { "TablesUpdated", "tables_updated" },
			{ "TablesDeleted", "tables_deleted" }, { "LastRuntimeSeconds", "last_runtime_seconds" },
			{ "MedianRuntimeSeconds", "median_runtime_seconds" },
		};
		for (size_t i = 0; m && i < sizeof(keys) / sizeof(keys[0]); i++) {
			double v;
			if (tl_json_get_num(m, keys[i][0], &v) == 0)
				tl_json_add_num(s, keys[i][1], v);
		}
	} else {
		char *t = tl_aws_error_text(&e);
		tl_warn("crawler metrics unavailable: %s", t);
		free(t);
	}
	tl_aws_error_free(&e);
	cJSON_Delete(mb);
	cJSON_Delete(mr);
	tl_json_add_num(s, "seconds", (double)(tl_mono_ms() - t0) / 1000.0);
	int prc = print_summary(s);
	if (final_status && (strcmp(final_status, "SUCCEEDED") == 0 ||
			     strcmp(final_status, "COMPLETED") == 0) && prc == 0)
		status = TL_EXIT_OK;
	else if (final_status && strcmp(final_status, "TIMEOUT") != 0 && !tl_sig_caught())
		tl_err("crawler %s ended %s%s%s", name, final_status, message ? ": " : "",
		       message ? message : "");
	if (tl_sig_caught())
		status = tl_sig_exit_status();
	free(final_status);
	free(message);
out:
	cJSON_Delete(resp);
	cJSON_Delete(s);
	free(code);
	tl_aws_free(aws);
	return status;
}

/* ---- main ---- */

/* Glue and Athena names are lower case (Glue lowers them itself). */
static char *lower_dup(const char *s)
{
	char *d = xstrdup(s);
	for (char *p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

/* Reads the options into op (its defaults already set); returns TL_CLI_RUN or an exit status.
 * op->table and op->database end up lower case, owned by *table and *database. */
static int parse_opts(int argc, char **argv, struct opts *op, char **table, char **database)
{
	struct tl_cli cli = { .spec = &cli_spec, .aws = &op->aws };
	bool sample_set = false;
	int c;
	while ((c = tl_cli_next(&cli, argc, argv)) > 0) {
		switch (c) {
		case OPT_DATABASE: op->database = optarg; break;
		case OPT_TABLE: op->table = optarg; break;
		case OPT_FULL: op->full = true; break;
		case OPT_SAMPLE:
			if (tl_parse_size(optarg, &op->sample) < 0 || op->sample == 0)
				return tl_cli_bad_value(&cli, "a size (64k, 4M)");
			sample_set = true;
			break;
		case OPT_TIMESTAMPS: op->timestamps = true; break;
		case OPT_JOBS:
			if (tl_parse_int(optarg, 1, 64, &op->jobs) < 0)
				return tl_cli_bad_value(&cli, "1 to 64");
			break;
		case OPT_CATALOG: op->catalog_dir = optarg; break;
		case OPT_DDL: op->ddl = true; break;
		case OPT_DRY_RUN: op->dry_run = true; break;
		case OPT_REPLACE: op->replace = true; break;
		case OPT_PROJECTION: op->projection = true; break;
		case OPT_MANIFEST: op->manifest = true; break;
		case OPT_LOCATION: op->location = optarg; break;
		case OPT_CRAWLER: op->crawler = optarg; break;
		case OPT_CREATE: op->create = true; break;
		case OPT_ROLE: op->role = optarg; break;
		case OPT_TABLE_PREFIX: op->table_prefix = optarg; break;
		case OPT_TIMEOUT:
			if (tl_parse_duration_ms(optarg, &op->timeout_ms) < 0 || op->timeout_ms <= 0)
				return tl_cli_bad_value(&cli, "a duration (90s, 30m)");
			break;
		}
	}
	if (c == TL_CLI_EXIT)
		return cli.status;
	op->source = optind < argc ? argv[optind] : NULL;
	if (op->crawler) {
		if (op->create && (!op->role || !op->source))
			return tl_cli_usage_error("--create needs --role and a SOURCE to crawl");
		if (op->ddl || op->catalog_dir || op->manifest || op->projection)
			return tl_cli_usage_error("--crawler runs an AWS crawler: no --ddl, --catalog, "
						  "--manifest or --projection");
		return TL_CLI_RUN;
	}
	if (!op->source)
		return tl_cli_usage_error("a SOURCE (s3://BUCKET/PREFIX or a folder) is needed");
	if (op->ddl && (op->catalog_dir || op->manifest || op->dry_run))
		return tl_cli_usage_error("--ddl prints DDL: no --catalog, --manifest or --dry-run");
	if (op->full && sample_set)
		return tl_cli_usage_error("--full and --sample do not go together");
	op->table_given = op->table != NULL;
	char *t = op->table ? xstrdup(op->table) : default_table(op->source);
	if (!t)
		return tl_cli_usage_error("--table is needed for %s", op->source);
	*table = lower_dup(t);
	free(t);
	if (!**table || !*op->database)
		return tl_cli_usage_error("empty --table or --database");
	op->table = *table;
	op->database = *database = lower_dup(op->database);
	return TL_CLI_RUN;
}

int main(int argc, char **argv)
{
	struct opts op = { .database = "default", .sample = 1 << 20, .jobs = 4,
			   .timeout_ms = 30 * 60 * 1000 };
	char *table = NULL, *database = NULL;

	tl_cli_init(argv[0]);
	int rc = parse_opts(argc, argv, &op, &table, &database);
	if (rc == TL_CLI_RUN) {
		rc = op.crawler ? crawler(&op) : op.manifest ? manifest(&op) : crawl(&op);
		if (tl_cli_close_stdout() < 0 && rc == 0)
			rc = TL_EXIT_FAIL;
	}
	free(table);
	free(database);
	tl_log_cleanup();
	return rc;
}
