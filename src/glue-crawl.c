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
	"and its partitions to the AWS Glue Data Catalog. Prints one JSON summary line.\n"
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
	uint64_t sample;
	int jobs;
	int64_t timeout_ms;
	struct tl_aws_opts aws;
};

/* ---- the lake ---- */

struct object {
	char *rel;        /* key relative to the lake root: "dt=2026-11-25/hour=03/t+0+00.json.gz" */
	int64_t size;
	int part;         /* index into the partition list, -1 when unpartitioned */
	/* what reading it gave */
	uint64_t records, bad, out_bytes, in_bytes;
	uint64_t in_used;  /* compressed bytes decoded (for the ratio) */
	uint64_t consumed; /* uncompressed bytes of the lines read */
	bool is_bad, empty, sampled, gzip;
};

struct partition {
	char **values;
	char *dir;        /* relative folder, "dt=2026-11-25/hour=03" */
	bool registered;  /* --manifest: known to be in the catalog */
};

struct lake {
	bool s3;
	char *root;             /* local: absolute folder; s3: the prefix ("" or "a/b") */
	char *bucket;
	char *location;         /* table location URL, ending in '/' */
	struct object *obj;
	size_t nobj, aobj;
	size_t skipped_hidden, skipped_layout;
	char **keys;            /* partition keys */
	size_t nkeys;
	bool hive;              /* key=value folders */
	bool layout_known;
	struct partition *parts;
	size_t nparts;
	bool any_gz;
};

static bool hidden(const char *name)
{
	return name[0] == '_' || name[0] == '.';
}

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

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks a local folder in sorted order, skipping names Athena skips. */
static int walk(struct lake *lk, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	if (!d) {
		tl_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(char *));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(char *), cmp_name);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		char *r = *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		struct stat st;
		if (hidden(names[i])) {
			tl_debug("skipping %s (Athena ignores names starting with _ or .)", r);
			lk->skipped_hidden++;
		} else if (stat(path, &st) < 0) {
			tl_warn("%s: %s", path, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			if (walk(lk, path, r) < 0)
				rc = -1;
		} else if (S_ISREG(st.st_mode)) {
			add_object(lk, r, (int64_t)st.st_size);
		}
		free(path);
		free(r);
		free(names[i]);
	}
	free(names);
	return rc;
}

struct list_ctx {
	struct lake *lk;
	size_t plen;
};

static int list_one(const struct tl_s3_object *o, void *ctx)
{
	struct list_ctx *lc = ctx;
	const char *rel = o->key + lc->plen;
	if (o->is_prefix || !*rel || rel[strlen(rel) - 1] == '/')
		return 0;
	/* any hidden segment hides the object from Athena */
	for (const char *s = rel; s; s = strchr(s, '/')) {
		if (*s == '/')
			s++;
		if (hidden(s)) {
			lc->lk->skipped_hidden++;
			return 0;
		}
	}
	add_object(lc->lk, rel, o->size);
	return 0;
}

static int list_s3(struct lake *lk, struct tl_s3 *s3)
{
	struct tl_aws_error err = { 0 };
	char *prefix = *lk->root ? xasprintf("%s/", lk->root) : xstrdup("");
	struct list_ctx lc = { lk, strlen(prefix) };
	int rc = tl_s3_list(s3, lk->bucket, prefix, NULL, list_one, &lc, &err);
	if (rc < 0) {
		char *t = tl_aws_error_text(&err);
		tl_err("listing s3://%s/%s: %s", lk->bucket, prefix, t);
		free(t);
		tl_aws_error_free(&err);
	}
	free(prefix);
	return rc;
}

/* Splits a relative key into its folders; returns how many (the last segment is the name). */
static size_t split_dirs(const char *rel, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = rel, *slash;
	while ((slash = strchr(p, '/'))) {
		v = xrealloc(v, (n + 1) * sizeof(char *));
		v[n++] = xstrndup(p, (size_t)(slash - p));
		p = slash + 1;
	}
	*out = v;
	return n;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int find_partition(struct lake *lk, const char *dir)
{
	/* objects come sorted, so a partition's objects are adjacent: check the last one first */
	if (lk->nparts && strcmp(lk->parts[lk->nparts - 1].dir, dir) == 0)
		return (int)lk->nparts - 1;
	for (size_t i = 0; i < lk->nparts; i++)
		if (strcmp(lk->parts[i].dir, dir) == 0)
			return (int)i;
	return -1;
}

/* A partition value from its folder name: Hive escapes "/", "=", ":", "%"... as %XX. */
static char *hive_unescape(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 1);
	out[tl_pct_decode(s, n, out)] = '\0';
	return out;
}

/* Gives object o its partition. False when its folders do not fit the layout of the first
 * object (a Glue crawler would make another table of them): it is then left out. */
static bool place_object(struct lake *lk, struct object *o)
{
	char **dirs;
	size_t nd = split_dirs(o->rel, &dirs);
	bool hive = nd > 0;
	for (size_t k = 0; k < nd; k++)
		if (!strchr(dirs[k], '=') || dirs[k][0] == '=')
			hive = false;
	if (!lk->layout_known) {
		lk->layout_known = true;
		lk->hive = hive;
		lk->nkeys = nd;
		lk->keys = xcalloc(nd + 1, sizeof(char *));
		for (size_t k = 0; k < nd; k++) {
			if (hive)
				lk->keys[k] = tl_schema_col_name(dirs[k],
								 (size_t)(strchr(dirs[k], '=') - dirs[k]));
			else
				lk->keys[k] = xasprintf("partition_%zu", k);
		}
	}
	bool fits = nd == lk->nkeys && hive == lk->hive;
	for (size_t k = 0; fits && hive && k < nd; k++) {
		char *key = tl_schema_col_name(dirs[k], (size_t)(strchr(dirs[k], '=') - dirs[k]));
		fits = strcmp(key, lk->keys[k]) == 0;
		free(key);
	}
	if (!fits) {
		tl_warn("skipping %s: its folders do not follow the layout %s%s", o->rel,
			lk->nkeys ? lk->keys[0] : "(no partitions)", lk->nkeys > 1 ? "/..." : "");
		lk->skipped_layout++;
		free_strv(dirs, nd);
		return false;
	}
	if (nd) {
		size_t dl = (size_t)(strrchr(o->rel, '/') - o->rel);
		char *dir = xstrndup(o->rel, dl);
		int p = find_partition(lk, dir);
		if (p < 0) {
			lk->parts = xrealloc(lk->parts, (lk->nparts + 1) * sizeof(*lk->parts));
			struct partition *pt = &lk->parts[lk->nparts];
			pt->dir = dir;
			pt->registered = false;
			pt->values = xcalloc(nd + 1, sizeof(char *));
			for (size_t k = 0; k < nd; k++)
				pt->values[k] = hive ? hive_unescape(strchr(dirs[k], '=') + 1)
						     : xstrdup(dirs[k]);
			p = (int)lk->nparts++;
		} else {
			free(dir);
		}
		o->part = p;
	}
	free_strv(dirs, nd);
	return true;
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
	for (size_t i = 0; i < lk->nparts; i++) {
		free_strv(lk->parts[i].values, lk->nkeys);
		free(lk->parts[i].dir);
	}
	free(lk->parts);
	free_strv(lk->keys, lk->nkeys);
	free(lk->root);
	free(lk->bucket);
	free(lk->location);
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
	if (!lk->nparts)
		return false;
	for (size_t i = 0; i < lk->nparts; i++)
		if (!fn(lk->parts[i].values[k]))
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
	for (size_t k = 0; k < lk->nkeys; k++) {
		const char *key = lk->keys[k];
		char *pk = NULL;
		if (all_match(lk, k, is_date)) {
			const char *min = lk->parts[0].values[k];
			for (size_t i = 1; i < lk->nparts; i++)
				if (strcmp(lk->parts[i].values[k], min) < 0)
					min = lk->parts[i].values[k];
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
			for (size_t i = 0; i < lk->nparts; i++) {
				const char *v = lk->parts[i].values[k];
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
			for (size_t i = 0; i < lk->nparts; i++) {
				bool seen = false;
				for (size_t j = 0; j < i && !seen; j++)
					seen = strcmp(lk->parts[j].values[k], lk->parts[i].values[k]) == 0;
				if (!seen)
					tl_buf_addf(&vals, "%s%s", vals.len ? "," : "", lk->parts[i].values[k]);
			}
			pk = xasprintf("projection.%s.type", key);
			tl_json_add_str(p, pk, "enum");
			free(pk);
			pk = xasprintf("projection.%s.values", key);
			tl_json_add_str(p, pk, tl_buf_str(&vals));
			tl_buf_release(&vals);
		}
		free(pk);
		if (lk->hive)
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
	for (size_t i = 0; i < lk->nparts; i++) {
		const struct partition *pt = &lk->parts[i];
		bool exists = false;
		if (pt->registered)
			continue;
		const cJSON *p;
		cJSON_ArrayForEach(p, have) {
			const cJSON *vals = cJSON_GetObjectItemCaseSensitive(p, "Values");
			if (cJSON_GetArraySize(vals) != (int)lk->nkeys)
				continue;
			size_t k = 0;
			for (const cJSON *v = vals->child; v; v = v->next, k++)
				if (!cJSON_IsString(v) || strcmp(v->valuestring, pt->values[k]) != 0)
					break;
			if (k == lk->nkeys) {
				exists = true;
				break;
			}
		}
		if (exists)
			continue;
		char *loc = xasprintf("%s%s/", lk->location, pt->dir);
		cJSON_AddItemToArray(list, tl_catalog_partition_input(input, (const char *const *)pt->values,
								     lk->nkeys, loc));
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
		if (tl_catalog_get_table(cat, op->database, op->table, &existing, &err) < 0)
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
			op->database, op->table, res->ch.nadded);
	else if (!res->changed)
		tl_debug("table %s.%s unchanged", op->database, op->table);

	if (register_parts && lk->nparts) {
		cJSON *have = NULL;
		bool list = list_parts || res->ch.nadded || res->ch.nwidened;
		if (!res->created && list &&
		    tl_catalog_get_partitions(cat, op->database, op->table, &have, &err) < 0) {
			cJSON_Delete(out);
			goto fail;
		}
		size_t unregistered = 0;
		for (size_t i = 0; i < lk->nparts; i++)
			unregistered += !lk->parts[i].registered;
		cJSON *add = new_partitions(lk, out, have);
		res->added.existing += unregistered - (size_t)cJSON_GetArraySize(add);
		cJSON *stale = (res->ch.nadded || res->ch.nwidened) && have ? stale_partitions(have, out)
									   : cJSON_CreateArray();
		int rc = 0;
		if (op->dry_run) {
			res->added.created = (size_t)cJSON_GetArraySize(add);
			res->updated.created = (size_t)cJSON_GetArraySize(stale);
		} else {
			rc = tl_catalog_add_partitions(cat, op->database, op->table, add, &res->added, &err);
			for (size_t i = 0; rc == 0 && i < lk->nparts; i++)
				lk->parts[i].registered = true;
			if (rc == 0 && cJSON_GetArraySize(stale))
				rc = tl_catalog_update_partitions(cat, op->database, op->table, stale,
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

static int open_lake(struct lake *lk, const struct opts *op, struct tl_aws **aws, char **err)
{
	memset(lk, 0, sizeof(*lk));
	if (strncmp(op->source, "s3://", 5) == 0) {
		struct tl_s3_url u;
		if (tl_s3_url_parse(op->source, &u, err) < 0)
			return -1;
		lk->s3 = true;
		lk->bucket = u.bucket;
		lk->root = u.prefix;
		lk->location = *u.prefix ? xasprintf("s3://%s/%s/", u.bucket, u.prefix)
					 : xasprintf("s3://%s/", u.bucket);
		if (!*aws && !(*aws = tl_aws_new(&op->aws, err)))
			return -1;
		return 0;
	}
	char *abs = realpath(op->source, NULL);
	struct stat st;
	if (!abs || stat(abs, &st) < 0 || !S_ISDIR(st.st_mode)) {
		*err = xasprintf("%s: %s", op->source, abs ? "not a folder" : strerror(errno));
		free(abs);
		return -1;
	}
	lk->root = abs;
	lk->location = strcmp(abs, "/") == 0 ? xstrdup("file:///") : xasprintf("file://%s/", abs);
	return 0;
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
		.name = op->table,
		.location = op->location ? op->location : lk->location,
		.columns = tot->root,
		.partition_keys = (const char *const *)lk->keys,
		.npartition_keys = lk->nkeys,
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

static int crawl(const struct opts *op)
{
	int64_t t0 = tl_mono_ms();
	struct lake lk;
	struct tl_aws *aws = NULL;
	char *err = NULL;
	int status = TL_EXIT_OK;
	struct tl_catalog *cat = NULL;
	struct tl_schema_infer tot;
	struct result res;
	memset(&res, 0, sizeof(res));
	tl_schema_infer_init(&tot, 0);

	if (open_lake(&lk, op, &aws, &err) < 0) {
		tl_err("%s", err);
		free(err);
		tl_schema_infer_release(&tot);
		lake_free(&lk);
		return TL_EXIT_USAGE;
	}
	if (op->location) {
		free(lk.location);
		lk.location = ends_with(op->location, "/") ? xstrdup(op->location)
							   : xasprintf("%s/", op->location);
	}
	struct tl_s3 *s3 = lk.s3 ? tl_s3_new(aws) : NULL;
	if ((lk.s3 ? list_s3(&lk, s3) : walk(&lk, lk.root, "")) < 0) {
		status = TL_EXIT_FAIL;
		goto out;
	}
	find_partitions(&lk);
	tl_info("%zu object%s in %zu partition%s", lk.nobj, lk.nobj == 1 ? "" : "s", lk.nparts,
		lk.nparts == 1 ? "" : "s");
	if (read_all(&lk, op, &tot) < 0) {
		status = TL_EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < lk.nobj; i++)
		lk.any_gz |= lk.obj[i].gzip;
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
	sum_objects(&lk, &t);
	if (t.bad)
		tl_warn("%llu bad record%s skipped", (unsigned long long)t.bad, t.bad == 1 ? "" : "s");
	size_t ncols = 0;
	for (size_t i = 0; i < tot.root->nfields; i++)
		ncols += tot.root->fields[i].alias_of < 0;
	if (ncols == 0) {
		tl_err("no records found under %s: nothing to catalog", op->source);
		status = TL_EXIT_FAIL;
		goto out;
	}
	cJSON *input = build_input(op, &lk, &tot, true);
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
	cat = op->catalog_dir ? tl_catalog_local(op->catalog_dir) : NULL;
	if (!cat) {
		if (!aws && !(aws = tl_aws_new(&op->aws, &err))) {
			tl_err("%s", err);
			free(err);
			cJSON_Delete(input);
			status = TL_EXIT_USAGE;
			goto out;
		}
		cat = tl_catalog_glue(aws, NULL);
	}
	int wrc = write_catalog(cat, op, &lk, input, !op->projection, true, &res);
	cJSON_Delete(input);
	if (wrc < 0)
		status = TL_EXIT_FAIL;

	cJSON *s = tl_json_obj();
	summary_common(s, op, &lk, &res, wrc == 0, ncols);
	summary_totals(s, &t, &lk, t0);
	if (print_summary(s) < 0)
		status = TL_EXIT_FAIL;
	cJSON_Delete(s);
	if (status == TL_EXIT_OK && (t.bad || t.objects_bad || res.added.failed || res.updated.failed))
		status = TL_EXIT_FAIL;
out:
	tl_catalog_changes_free(&res.ch);
	tl_catalog_free(cat);
	tl_schema_infer_release(&tot);
	tl_s3_free(s3);
	tl_aws_free(aws);
	lake_free(&lk);
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
	char *full = xasprintf("%s.%s", op->database, op->table);
	tl_json_add_str(s, "table", full);
	free(full);
	tl_json_add_str(s, "catalog", op->catalog_dir ? "local" : "glue");
	tl_json_add_str(s, "location", op->location ? op->location : lk->location);
	if (op->dry_run)
		tl_json_add_bool(s, "dry_run", true);
	tl_json_add_bool(s, "ok", ok);
	tl_json_add_bool(s, "created", ok && res->created);
	tl_json_add_bool(s, "changed", ok && res->changed);
	tl_json_add_num(s, "columns", (double)ncols);
	tl_json_add(s, "columns_added", str_array(res->ch.added, res->ch.nadded));
	tl_json_add(s, "columns_widened", str_array(res->ch.widened, res->ch.nwidened));
	tl_json_add_num(s, "partitions", (double)lk->nparts);
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
	tl_json_add_num(s, "objects_skipped", (double)(lk->skipped_hidden + lk->skipped_layout));
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

struct manifest {
	const struct opts *op;
	struct lake lk;               /* partitions seen; objects of the current batch */
	struct tl_catalog *cat;
	struct reader r;              /* r.in: the columns inferred so far */
	struct totals t;
	struct result res;
	bool pending;
	bool failed;
	uint64_t lines_bad;
	char **dropped;               /* keys left out of the table, warned about */
	size_t ndropped;
};

/* Registers what landed since the last flush: the widened table, the new partitions. */
static void manifest_flush(struct manifest *m)
{
	if (!m->pending)
		return;
	m->pending = false;
	drop_unmappable(m->r.in.root, &m->dropped, &m->ndropped);
	if (!count_columns(m->r.in.root))
		return;
	cJSON *input = build_input(m->op, &m->lk, &m->r.in, false);
	struct result res;
	memset(&res, 0, sizeof(res));
	int rc = write_catalog(m->cat, m->op, &m->lk, input, !m->op->projection, false, &res);
	cJSON_Delete(input);
	if (rc < 0) {
		m->failed = true;
	} else {
		m->res.created |= res.created;
		m->res.changed |= res.changed;
		for (size_t i = 0; i < res.ch.nadded; i++)
			push_unique(&m->res.ch.added, &m->res.ch.nadded, res.ch.added[i]);
		for (size_t i = 0; i < res.ch.nwidened; i++)
			push_unique(&m->res.ch.widened, &m->res.ch.nwidened, res.ch.widened[i]);
	}
	m->res.added.created += res.added.created;
	m->res.added.existing += res.added.existing;
	m->res.added.failed += res.added.failed;
	m->res.updated.created += res.updated.created;
	m->res.updated.failed += res.updated.failed;
	tl_catalog_changes_free(&res.ch);
}

/* The object a manifest line names, relative to the lake root, or NULL (reported). */
static char *manifest_rel(struct manifest *m, const cJSON *j, uint64_t lineno)
{
	const struct lake *lk = &m->lk;
	const char *url = tl_json_get_str(j, "url");
	const char *bucket = tl_json_get_str(j, "bucket"), *key = tl_json_get_str(j, "key");
	char *path = NULL;
	const char *root;
	if (lk->s3) {
		char *b = NULL;
		if ((!bucket || !key) && url && strncmp(url, "s3://", 5) == 0) {
			const char *slash = strchr(url + 5, '/');
			if (slash) {
				b = xstrndup(url + 5, (size_t)(slash - url - 5));
				path = xstrdup(slash + 1);
			}
		} else if (bucket && key) {
			b = xstrdup(bucket);
			path = xstrdup(key);
		}
		bool same = b && strcmp(b, lk->bucket) == 0;
		free(b);
		if (!same) {
			tl_warn("manifest line %llu: not an object of s3://%s/; ignored",
				(unsigned long long)lineno, lk->bucket);
			free(path);
			return NULL;
		}
		root = lk->root;
	} else {
		if (url && strncmp(url, "file://", 7) == 0)
			path = xstrdup(url + 7);
		else if (url && url[0] == '/')
			path = xstrdup(url);
		else if (key && key[0] == '/')
			path = xstrdup(key);
		root = lk->root;
	}
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
	cJSON_Delete(j);
	if (!rel) {
		m->lines_bad++;
		return;
	}
	for (const char *s = rel; s; s = strchr(s, '/')) {
		if (*s == '/')
			s++;
		if (hidden(s)) {
			m->lk.skipped_hidden++;
			free(rel);
			return;
		}
	}
	add_object(&m->lk, rel, (int64_t)size);
	free(rel);
	struct object *o = &m->lk.obj[m->lk.nobj - 1];
	if (place_object(&m->lk, o)) {
		read_object(&m->r, &m->lk, o);
		m->lk.any_gz |= o->gzip;
		struct totals t;
		sum_objects(&m->lk, &t);
		m->t.objects += t.objects;
		m->t.objects_bad += t.objects_bad;
		m->t.objects_empty += t.objects_empty;
		m->t.bytes += t.bytes;
		m->t.ubytes += t.ubytes;
		m->t.records += t.records;
		m->t.bad += t.bad;
		m->pending = true;
	}
	free(o->rel);
	m->lk.nobj = 0;
}

static int manifest(const struct opts *op)
{
	int64_t t0 = tl_mono_ms();
	struct manifest m;
	struct tl_aws *aws = NULL;
	char *err = NULL;
	memset(&m, 0, sizeof(m));
	m.op = op;
	if (open_lake(&m.lk, op, &aws, &err) < 0) {
		tl_err("%s", err);
		free(err);
		lake_free(&m.lk);
		return TL_EXIT_USAGE;
	}
	if (op->location) {
		free(m.lk.location);
		m.lk.location = ends_with(op->location, "/") ? xstrdup(op->location)
							     : xasprintf("%s/", op->location);
	}
	reader_init(&m.r, op);
	m.r.aws = aws;
	if (m.lk.s3)
		m.r.s3 = tl_s3_new(aws);
	if (op->catalog_dir) {
		m.cat = tl_catalog_local(op->catalog_dir);
	} else {
		if (!aws && !(aws = m.r.aws = tl_aws_new(&op->aws, &err))) {
			tl_err("%s", err);
			free(err);
			reader_release(&m.r);
			lake_free(&m.lk);
			return TL_EXIT_USAGE;
		}
		m.cat = tl_catalog_glue(aws, NULL);
	}
	struct tl_lines in;
	struct tl_line ln;
	tl_lines_init(&in, STDIN_FILENO, 0);
	int status = TL_EXIT_OK;
	for (;;) {
		if (!tl_lines_ready(&in))
			manifest_flush(&m); /* nothing more at hand: register before waiting */
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
	manifest_flush(&m);
	tl_lines_release(&in);
	report_collisions(m.r.in.root);

	cJSON *s = tl_json_obj();
	summary_common(s, op, &m.lk, &m.res, !m.failed, count_columns(m.r.in.root));
	tl_json_add_num(s, "manifest_lines_bad", (double)m.lines_bad);
	summary_totals(s, &m.t, &m.lk, t0);
	if (print_summary(s) < 0)
		status = TL_EXIT_FAIL;
	cJSON_Delete(s);
	if (status == TL_EXIT_OK && (m.failed || m.t.bad || m.t.objects_bad || m.lines_bad ||
				     m.res.added.failed || m.res.updated.failed))
		status = TL_EXIT_FAIL;
	if (tl_sig_caught())
		status = tl_sig_exit_status();
	tl_catalog_changes_free(&m.res.ch);
	free_strings(m.dropped, m.ndropped);
	tl_catalog_free(m.cat);
	reader_release(&m.r); /* frees aws and s3 too */
	lake_free(&m.lk);
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
