/* kafka-to-s3: a consumer-group member that lands Kafka topics in S3 (or a local folder) as
 * gzip NDJSON objects, partitioned by a time field, exactly once across crashes.
 *
 * Each Kafka partition keeps one open object per partition path (dt=.../hour=...) it has
 * records for; an object is a gzip stream into a spool file (bounded memory: zlib's state per
 * open object), closed on --max-records, --max-bytes, --max-age or at the end, then stored
 * (PutObject or multipart from the spool; rename into place for a local lake).
 *
 * Exactly once: the name of an object is topic+partition+first offset, and offsets are committed
 * synchronously only after the object is stored. The committed offset of a partition is the
 * lowest first offset of its open objects; its commit metadata lists, per partition path, the last
 * offset already stored above it. A restart re-reads from the committed offset, skips what the
 * metadata says is stored, and rebuilds the objects that were open under the same names.
 *
 * Fencing (the rules that keep this true when the group rebalances; any change to when objects
 * are closed or stored must keep them):
 *  1. Per Kafka partition and partition path, at most ONE stored object lies beyond the last
 *     ACCEPTED commit. Whoever owns the partition next starts from that commit and rebuilds
 *     that object under the same name (its first offset is the first record of the path not
 *     covered by the metadata), so the rebuild replaces it whatever its own boundaries. A
 *     second such object would not be replaced: an orphan copy of records stored again.
 *     obj_close() stores the waiting object of a path before it closes another one.
 *  2. A commit refused (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID) fences
 *     the partitions in it: their stored objects stay uncommitted, so nothing more is closed or
 *     stored for them (records are still read into their open objects). A fence lifts only
 *     when a later commit of the partition is accepted (retried every second: the group still
 *     gives it to us, and the commit covers what was stored) or when the partition is taken
 *     away (its work is dropped and redone from the commit by the next owner).
 *  3. Nothing is stored while the assignment is lost (evicted from the group: another member
 *     may own the partitions already), nor, after a stall longer than half the session timeout
 *     (stopped, starved: the group may have moved on unseen), before a commit of the current
 *     state is accepted again.
 *  4. A revocation first commits the revoked partitions' current state; only if that is
 *     accepted are their open objects stored (within half the session timeout; what is left
 *     stays uncommitted and is redone by the next owner) and committed. A lost assignment
 *     stores and commits nothing.
 * The one case left open is a store already under way when the group gives the partition
 * away (a network partition from the coordinator, or a stop, in the middle of an upload).
 */
#include "tl_alloc.h"
#include "tl_cli.h"
#include "tl_gzip.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_kafka.h"
#include "tl_lake.h"
#include "tl_lakeread.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_s3.h"
#include "tl_sig.h"
#include "tl_time.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: kafka-to-s3 -b BROKERS -G GROUP -t TOPIC[,TOPIC...] --dest URL\n"
	"                   [-X KEY=VALUE]... [-F FILE] [--time-field PATH] [--partition TEMPLATE]\n"
	"                   [--max-records N] [--max-bytes SIZE] [--max-age DURATION] [--max-open N]\n"
	"                   [--level N] [--part-size SIZE] [--spool-dir DIR] [--endpoint-url URL]\n"
	"                   [--region REGION] [--profile NAME] [--no-verify-ssl] [--path-style]\n"
	"                   [--sse AES256|aws:kms|aws:kms:dsse] [--sse-kms-key-id KEY]\n"
	"                   [--bucket-key] [--expected-bucket-owner ACCOUNT] [--msk-iam]\n"
	"                   [--exit-at-end] [--progress] [-v] [-q]\n"
	"Consumes Kafka topics as a consumer group and stores the records as gzip NDJSON objects:\n"
	"  URL/TOPIC/dt=YYYY-MM-DD/hour=HH/TOPIC+PARTITION+FIRSTOFFSET.json.gz\n"
	"committing offsets only after the objects holding them are stored. Prints one JSON\n"
	"manifest line per stored object on stdout.\n"
	"  -b, --brokers LIST       bootstrap brokers (default $KAFKA_BROKERS)\n"
	"  -G, --group GROUP        consumer group id\n"
	"  -t, --topic LIST         topics, comma-separated\n"
	"  -d, --dest URL           s3://bucket/prefix, file:///dir or a directory\n"
	"  -X KEY=VALUE             a librdkafka property (repeatable)\n"
	"  -F FILE                  librdkafka properties from a file (KEY=VALUE lines)\n"
	"      --time-field PATH    record field holding the time (RFC 3339 or epoch s/ms/us);\n"
	"                           default: the Kafka timestamp\n"
	"      --partition TEMPLATE partition path (default dt=%Y-%m-%d/hour=%H; %Y %m %d %H %M %j\n"
	"                           of the time in UTC, {field} for a record field)\n"
	"      --max-records N      close an object after N records (default 1000000)\n"
	"      --max-bytes SIZE     close an object after SIZE uncompressed bytes (default 128M)\n"
	"      --max-age DURATION   close an object DURATION after it was opened (default 10m;\n"
	"                           0 = never)\n"
	"      --max-open N         open objects at most; the least recently written closes\n"
	"                           first (default 1024)\n"
	"      --level N            gzip level 1-9 (default 6)\n"
	"      --part-size SIZE     multipart part size and single-PUT limit (default 8M)\n"
	"      --spool-dir DIR      where objects for S3 are spooled (default $TMPDIR or /tmp)\n"
	"      --path-style         path-style addressing also on AWS (always with --endpoint-url)\n"
	"      --sse MODE           server-side encryption of the objects: AES256 (SSE-S3),\n"
	"                           aws:kms (SSE-KMS) or aws:kms:dsse (default: the bucket's)\n"
	"      --sse-kms-key-id KEY the KMS key (id, ARN or alias/NAME) for aws:kms\n"
	"                           (default: the account's aws/s3 key)\n"
	"      --bucket-key         use an S3 Bucket Key for aws:kms (fewer KMS calls)\n"
	"      --expected-bucket-owner ACCOUNT\n"
	"                           refuse to touch the bucket unless this account owns it\n"
	"      --msk-iam            Amazon MSK with IAM: SASL/OAUTHBEARER with a token signed\n"
	"                           with the AWS credentials (also -X sasl.mechanism=AWS_MSK_IAM)\n"
	"      --exit-at-end        store what the topics hold now, commit, and exit\n"
	"      --progress           a progress line on stderr every second\n";

enum {
	OPT_TIME_FIELD = 256, OPT_PARTITION, OPT_MAX_RECORDS, OPT_MAX_BYTES, OPT_MAX_AGE,
	OPT_MAX_OPEN, OPT_LEVEL, OPT_PART_SIZE, OPT_SPOOL_DIR, OPT_PATH_STYLE, OPT_EXIT_AT_END,
	OPT_PROGRESS, OPT_SSE, OPT_SSE_KMS_KEY_ID, OPT_BUCKET_KEY, OPT_EXPECTED_OWNER, OPT_MSK_IAM,
};

static const struct option long_opts[] = {
	{ "brokers", required_argument, NULL, 'b' },
	{ "group", required_argument, NULL, 'G' },
	{ "topic", required_argument, NULL, 't' },
	{ "dest", required_argument, NULL, 'd' },
	{ "time-field", required_argument, NULL, OPT_TIME_FIELD },
	{ "partition", required_argument, NULL, OPT_PARTITION },
	{ "max-records", required_argument, NULL, OPT_MAX_RECORDS },
	{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "max-open", required_argument, NULL, OPT_MAX_OPEN },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "part-size", required_argument, NULL, OPT_PART_SIZE },
	{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
	{ "path-style", no_argument, NULL, OPT_PATH_STYLE },
	{ "exit-at-end", no_argument, NULL, OPT_EXIT_AT_END },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "sse", required_argument, NULL, OPT_SSE },
	{ "sse-kms-key-id", required_argument, NULL, OPT_SSE_KMS_KEY_ID },
	{ "bucket-key", no_argument, NULL, OPT_BUCKET_KEY },
	{ "expected-bucket-owner", required_argument, NULL, OPT_EXPECTED_OWNER },
	{ "msk-iam", no_argument, NULL, OPT_MSK_IAM },
	{ NULL, 0, NULL, 0 },
};

static const struct tl_cli_spec cli_spec = {
	.usage = usage,
	.verbose_help = "more messages (twice: librdkafka debug)",
	.shortopts = "b:G:t:d:X:F:",
	.longopts = long_opts,
};

/* Closed objects are stored together (one directory sync, one commit) when this many wait, or
 * READY_MS after the first of them was closed. */
#define READY_MAX 64
#define READY_MS 500
#define GZPOOL 64

/* The commit metadata format: "tl1" then one "\n<last offset> <partition path>" per entry. */
#define META_TAG "tl1"
/* Kafka's default offset.metadata.max.bytes is 4096. */
#define META_MAX 4000

struct part;

struct obj {
	struct part *p;
	char *dir;          /* partition path, "_errors/..." for the error tree */
	char *ppath;        /* partition path without "_errors/" */
	bool errors;
	int64_t first, last;
	uint64_t records, raw;
	int64_t opened, touched; /* monotonic ms */
	int fd;
	char *tmp;          /* local lake: the temp file's path; NULL for an unlinked spool */
	struct tl_gzip *gz;
	bool closed;        /* finished, waiting in G.ready to be stored */
};

struct stored {
	char *dir;
	int64_t last;
};

struct part {
	char *topic;
	int32_t partition;
	struct obj **open;
	size_t nopen;
	struct stored *st;
	size_t nst;
	int64_t next;       /* offset after the last one consumed; -1 before any */
	int64_t committed;  /* what we last committed (or found committed); -1 none */
	bool eof;
	bool stale;         /* something stored or consumed that the committed state lacks */
	bool fenced;        /* a commit of it was refused: nothing is closed or stored (rule 2) */
};

struct cfg {
	const char *brokers, *group, *dest, *time_field;
	const char *partition_tmpl; /* --partition */
	char **topics;
	size_t ntopics;
	uint64_t max_records, max_bytes, part_size;
	int64_t max_age;
	size_t max_open;
	int level;
	const char *spool_dir;
	bool exit_at_end, progress, path_style;
	struct tl_aws_opts aws;
	struct tl_s3_put_opts put;     /* encryption of the objects */
	const char *expected_owner;
};

static struct {
	struct cfg c;
	rd_kafka_t *rk;
	struct tl_lake_layout *layout;
	/* destination */
	char *local_dir;    /* a local lake, or NULL */
	size_t prefix_len, name_max, total_max; /* the limits of object names there */
	struct tl_s3_url s3url;
	struct tl_aws *aws;
	struct tl_s3 *s3;
	/* state */
	struct part **parts;
	size_t nparts;
	struct part *last_part;
	size_t nopen;       /* open objects not yet closed */
	struct obj **ready; /* closed objects to store with the next flush */
	size_t nready;
	int64_t ready_since;
	struct tl_gzip *gzpool[GZPOOL]; /* zlib states kept for the next objects */
	size_t ngzpool;
	char *lastdir;      /* the last directory made in the local lake */
	bool assigned_once;
	bool assigned_now;  /* between an assignment and the next revocation */
	bool meta_big;      /* a commit carried much metadata: see close_holding_back() */
	bool failed;        /* a store or commit failed: stop, commit nothing more */
	bool cooperative;   /* the incremental rebalance protocol */
	bool cooperative_conf; /* the cooperative-sticky assignor is configured */
	int64_t alive_at;   /* monotonic ms of the last poll or accepted commit */
	bool stalled;       /* a stall was seen and no commit accepted since */
	int64_t stall_ms;   /* half the session timeout: see may_store() */
	int64_t close_until; /* in a revocation: no object is closed after this (0: no limit) */
	struct tl_out out;
	struct tl_buf dirbuf, recbuf;
	/* counters */
	uint64_t n_records, n_errors, n_badtime, n_skipped, n_objects, n_bytes_in, n_bytes_out;
	uint64_t n_toolong;
	int64_t started, first_assign;
} G = {
	.c = { .partition_tmpl = TL_LAKE_DEFAULT_TEMPLATE, .max_records = 1000000,
	       .max_bytes = 128ull << 20, .max_age = 10 * 60 * 1000, .max_open = 1024, .level = 6,
	       .part_size = 8ull << 20 },
	.dirbuf = TL_BUF_INIT,
	.recbuf = TL_BUF_INIT,
};

/* ---- small helpers ---------------------------------------------------------------------- */

static void split_list(const char *s, char ***v, size_t *n)
{
	const char *p = s;
	while (*p) {
		size_t l = strcspn(p, ",");
		if (l > 0) {
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = xstrndup(p, l);
		}
		p += l;
		if (*p == ',')
			p++;
	}
}

/* ---- partitions ------------------------------------------------------------------------- */

static struct part *part_find(const char *topic, int32_t partition)
{
	if (G.last_part && G.last_part->partition == partition &&
	    strcmp(G.last_part->topic, topic) == 0)
		return G.last_part;
	for (size_t i = 0; i < G.nparts; i++)
		if (G.parts[i]->partition == partition && strcmp(G.parts[i]->topic, topic) == 0)
			return G.last_part = G.parts[i];
	return NULL;
}

static void stored_set(struct part *p, const char *dir, int64_t last)
{
	for (size_t i = 0; i < p->nst; i++)
		if (strcmp(p->st[i].dir, dir) == 0) {
			if (last > p->st[i].last)
				p->st[i].last = last;
			return;
		}
	p->st = xrealloc(p->st, (p->nst + 1) * sizeof(*p->st));
	p->st[p->nst].dir = xstrdup(dir);
	p->st[p->nst].last = last;
	p->nst++;
}

static void meta_parse(struct part *p, const char *meta, size_t n)
{
	if (!meta || n < strlen(META_TAG) || memcmp(meta, META_TAG, strlen(META_TAG)) != 0)
		return;
	char *s = xstrndup(meta, n);
	char *save = NULL;
	for (char *line = strtok_r(s + strlen(META_TAG), "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		int64_t last;
		if (!sp)
			continue;
		*sp = '\0';
		if (tl_parse_i64(line, 0, INT64_MAX, &last) == 0 && sp[1])
			stored_set(p, sp + 1, last);
	}
	free(s);
}

static struct part *part_new(const char *topic, int32_t partition)
{
	struct part *p = xcalloc(1, sizeof(*p));
	p->topic = xstrdup(topic);
	p->partition = partition;
	p->next = -1;
	p->committed = -1;
	G.parts = xrealloc(G.parts, (G.nparts + 1) * sizeof(*G.parts));
	G.parts[G.nparts++] = p;
	return p;
}

static void obj_discard(struct obj *o);

static void part_free(struct part *p)
{
	for (size_t i = 0; i < p->nopen; i++)
		obj_discard(p->open[i]);
	free(p->open);
	for (size_t i = 0; i < p->nst; i++)
		free(p->st[i].dir);
	free(p->st);
	free(p->topic);
	free(p);
}

static void part_remove(struct part *p)
{
	for (size_t i = 0; i < G.nparts; i++)
		if (G.parts[i] == p) {
			G.parts[i] = G.parts[--G.nparts];
			break;
		}
	if (G.last_part == p)
		G.last_part = NULL;
	part_free(p);
}

/* The offset to commit: the lowest first offset of the open objects, else the next one. */
static int64_t part_commit_offset(const struct part *p)
{
	int64_t o = p->next;
	for (size_t i = 0; i < p->nopen; i++)
		if (o < 0 || p->open[i]->first < o)
			o = p->open[i]->first;
	return o;
}


/* Whether p is in l (NULL: a list of all). */
static bool part_in(const struct part *p, const rd_kafka_topic_partition_list_t *l)
{
	if (!l)
		return true;
	for (int i = 0; i < l->cnt; i++)
		if (l->elems[i].partition == p->partition && strcmp(l->elems[i].topic, p->topic) == 0)
			return true;
	return false;
}

static bool any_fenced(void)
{
	for (size_t i = 0; i < G.nparts; i++)
		if (G.parts[i]->fenced)
			return true;
	return false;
}

/* ---- committing ------------------------------------------------------------------------- */

/* A commit the group refuses while it changes hands. (Not FENCED_INSTANCE_ID: another process
 * took our static membership for good, so that one is a failure.) */
static bool commit_refused(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
	       err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
	       err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
	       err == RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST;
}

/* Commits every stale or fenced partition (synchronously), lifting the fence of those accepted
 * and fencing those refused (rule 2). Returns 0 (also when refused) or -1 (G.failed set). */
static int commit_stale(void)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
	struct tl_buf meta = TL_BUF_INIT;
	for (size_t i = 0; i < G.nparts; i++) {
		struct part *p = G.parts[i];
		if (!p->stale && !p->fenced)
			continue;
		int64_t off = part_commit_offset(p);
		if (off < 0)
			continue;
		/* keep only what lies at or above the commit offset */
		size_t k = 0;
		for (size_t j = 0; j < p->nst; j++) {
			if (p->st[j].last >= off)
				p->st[k++] = p->st[j];
			else
				free(p->st[j].dir);
		}
		p->nst = k;
		tl_buf_reset(&meta);
		tl_buf_adds(&meta, META_TAG);
		for (size_t j = 0; j < p->nst; j++)
			tl_buf_addf(&meta, "\n%" PRId64 " %s", p->st[j].last, p->st[j].dir);
		if (meta.len > META_MAX / 2)
			G.meta_big = true;
		if (meta.len > META_MAX)
			tl_warn("%s [%" PRId32 "]: commit metadata of %zu bytes may pass the broker's "
				"offset.metadata.max.bytes (lower --max-age)", p->topic, p->partition,
				meta.len);
		rd_kafka_topic_partition_t *tp =
			rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
		tp->offset = off;
		tp->metadata = xmemdup(meta.data, meta.len);
		tp->metadata_size = meta.len;
	}
	tl_buf_release(&meta);
	int rc = 0;
	if (l->cnt > 0) {
		rd_kafka_resp_err_t err = rd_kafka_commit(G.rk, l, 0);
		for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < l->cnt; i++)
			if (l->elems[i].err)
				err = l->elems[i].err;
		if (commit_refused(err)) {
			/* Rule 2: what these partitions stored since their last accepted commit is
			 * stored once per path; storing more could leave orphan copies. */
			size_t newly = 0;
			for (int i = 0; i < l->cnt; i++) {
				struct part *p = part_find(l->elems[i].topic, l->elems[i].partition);
				if (p && !p->fenced) {
					p->fenced = true;
					newly++;
				}
			}
			if (newly > 0)
				tl_warn("commit refused (%s): storing nothing more for %zu partition%s "
					"until a commit is accepted or the group gives %s to another "
					"member", rd_kafka_err2str(err), newly, newly == 1 ? "" : "s",
					newly == 1 ? "it" : "them");
			else
				tl_debug("commit refused again (%s)", rd_kafka_err2str(err));
		} else if (err) {
			tl_err("committing offsets: %s", rd_kafka_err2str(err));
			G.failed = true;
			rc = -1;
		} else {
			G.alive_at = tl_mono_ms();
			for (int i = 0; i < l->cnt; i++) {
				struct part *p = part_find(l->elems[i].topic, l->elems[i].partition);
				if (p) {
					if (p->fenced)
						tl_debug("%s [%" PRId32 "]: commit accepted, fence lifted",
							 p->topic, p->partition);
					p->committed = l->elems[i].offset;
					p->stale = false;
					p->fenced = false;
				}
				tl_debug("committed %s [%" PRId32 "] at %" PRId64, l->elems[i].topic,
					 l->elems[i].partition, l->elems[i].offset);
			}
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

/* Commits the current state of every partition in l (all when NULL): a probe of whether the
 * group still accepts our commits. Refused ones are fenced. 0, or -1 (G.failed). */
static int commit_probe(const rd_kafka_topic_partition_list_t *l)
{
	for (size_t i = 0; i < G.nparts; i++)
		if (part_in(G.parts[i], l))
			G.parts[i]->stale = true;
	return commit_stale();
}

/* Notes a stall: called before each poll, it finds the time since the previous one. */
static void stall_check(void)
{
	int64_t now = tl_mono_ms();
	if (G.alive_at > 0 && now - G.alive_at > G.stall_ms && !G.stalled) {
		tl_debug("no poll for %" PRId64 " ms", now - G.alive_at);
		G.stalled = true;
	}
	G.alive_at = now;
}

/* Rule 3: whether objects may be stored now. Fences every partition when the assignment is lost;
 * after a stall (seen between two polls, or now), probes with a commit first. */
static bool may_store(void)
{
	if (rd_kafka_assignment_lost(G.rk)) {
		for (size_t i = 0; i < G.nparts; i++)
			G.parts[i]->fenced = true;
		tl_debug("assignment lost: nothing is stored");
		return false;
	}
	if (G.stalled || tl_mono_ms() - G.alive_at > G.stall_ms) {
		tl_debug("stalled: probing the group with a commit before storing");
		if (commit_probe(NULL) != 0)
			return false;
		G.stalled = false;
		G.alive_at = tl_mono_ms();
	}
	return !G.failed;
}

/* ---- objects ------------------------------------------------------------------------------ */

static int mkdirs(const char *path)
{
	char *s = xstrdup(path);
	for (char *p = s + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0777) != 0 && errno != EEXIST) {
			free(s);
			return -1;
		}
		*p = '/';
	}
	int rc = mkdir(s, 0777) != 0 && errno != EEXIST ? -1 : 0;
	free(s);
	return rc;
}

static char *obj_name(const struct obj *o)
{
	return tl_lake_object_name(o->p->topic, o->p->partition, o->first, o->ppath, o->errors);
}

static struct obj *obj_open(struct part *p, const char *dir, int64_t offset)
{
	struct obj *o = xcalloc(1, sizeof(*o));
	o->p = p;
	o->dir = xstrdup(dir);
	o->errors = strncmp(dir, "_errors/", 8) == 0;
	o->ppath = xstrdup(o->errors ? dir + 8 : dir);
	o->first = o->last = offset;
	o->opened = o->touched = tl_mono_ms();
	o->fd = -1;
	if (G.local_dir) {
		/* in the lake's spool, so a crashed run's leftovers are found by partition */
		o->tmp = xasprintf("%s/.spool/%s+%" PRId32 "+%0*" PRId64 ".tmp", G.local_dir, p->topic,
				   p->partition, TL_LAKE_OFFSET_DIGITS, offset);
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (o->fd < 0)
			tl_err("%s: %s", o->tmp, strerror(errno));
	} else {
		o->fd = open(G.c.spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (o->fd < 0) {
			char *t = xasprintf("%s/kafka-to-s3.XXXXXX", G.c.spool_dir);
			o->fd = mkostemp(t, O_CLOEXEC);
			if (o->fd >= 0)
				unlink(t);
			free(t);
		}
		if (o->fd < 0)
			tl_err("spool file in %s: %s", G.c.spool_dir, strerror(errno));
	}
	if (o->fd < 0) {
		free(o->tmp);
		free(o->dir);
		free(o->ppath);
		free(o);
		G.failed = true;
		return NULL;
	}
	if (G.ngzpool > 0) {
		o->gz = G.gzpool[--G.ngzpool];
		tl_gzip_reset(o->gz, tl_gzip_sink_fd, &o->fd);
	} else {
		o->gz = tl_gzip_new(G.c.level, tl_gzip_sink_fd, &o->fd);
	}
	p->open = xrealloc(p->open, (p->nopen + 1) * sizeof(*p->open));
	p->open[p->nopen++] = o;
	G.nopen++;
	return o;
}

/* Frees an object, unlinking its temp file; detaches it from its partition. */
static void obj_drop(struct obj *o)
{
	struct part *p = o->p;
	for (size_t i = 0; i < p->nopen; i++)
		if (p->open[i] == o) {
			p->open[i] = p->open[--p->nopen];
			break;
		}
	if (!o->closed)
		G.nopen--;
	if (G.ngzpool < GZPOOL)
		G.gzpool[G.ngzpool++] = o->gz;
	else
		tl_gzip_free(o->gz);
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->dir);
	free(o->ppath);
	free(o);
}

static void obj_discard(struct obj *o)
{
	tl_gzip_free(o->gz);
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->dir);
	if (!o->closed)
		G.nopen--;
	free(o->ppath);
	free(o);
}

static int fsync_dir_of(const char *path)
{
	char *d = xstrdup(path);
	char *slash = strrchr(d, '/');
	if (slash)
		*slash = '\0';
	int fd = open(slash ? d : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	free(d);
	return rc;
}

static void manifest(const struct obj *o, const char *url, const char *bucket, const char *key,
		     uint64_t bytes)
{
	cJSON *m = tl_json_obj();
	tl_json_add_str(m, "url", url);
	if (bucket)
		tl_json_add_str(m, "bucket", bucket);
	else
		tl_json_add(m, "bucket", cJSON_CreateNull());
	tl_json_add_str(m, "key", key);
	tl_json_add_num(m, "records", (double)o->records);
	tl_json_add_num(m, "bytes", (double)bytes);
	tl_json_add_num(m, "uncompressed_bytes", (double)o->raw);
	tl_json_add_str(m, "topic", o->p->topic);
	tl_json_add_num(m, "partition", o->p->partition);
	tl_json_add_num(m, "first_offset", (double)o->first);
	tl_json_add_num(m, "last_offset", (double)o->last);
	tl_json_add(m, "partition_values", tl_lake_partition_values(o->ppath));
	if (o->errors)
		tl_json_add_bool(m, "errors", true);
	char *s = tl_json_print(m);
	if (tl_out_record(&G.out, s, strlen(s)) != 0 && G.out.err == EPIPE)
		tl_debug("stdout closed; manifest lines are no longer written");
	free(s);
	cJSON_Delete(m);
}

/* Stores a closed object (local: fsync and rename, the directory is synced by the caller; S3:
 * upload). 0; 1 when it may no longer be stored (rule 3, checked again before the rename); -1
 * with the error reported. */
static int obj_put(struct obj *o, const char *name)
{
	if (G.local_dir) {
		char *path = xasprintf("%s/%s", G.local_dir, name);
		char *dir = xstrdup(path);
		*strrchr(dir, '/') = '\0';
		int rc = 0;
		if (!G.lastdir || strcmp(G.lastdir, dir) != 0) {
			rc = mkdirs(dir);
			free(G.lastdir);
			G.lastdir = rc == 0 ? dir : NULL;
			if (rc != 0)
				free(dir);
		} else {
			free(dir);
		}
		if (rc != 0 || fsync(o->fd) != 0) {
			tl_err("%s: %s", path, strerror(errno));
			free(path);
			return -1;
		}
		/* the rename stores it: rule 3 again, time has passed in the fsync */
		if (!may_store() || o->p->fenced) {
			free(path);
			return 1;
		}
		if (rename(o->tmp, path) != 0) {
			tl_err("%s: %s", path, strerror(errno));
			free(path);
			return -1;
		}
		free(o->tmp);
		o->tmp = NULL;
		free(path);
		return 0;
	}
	char *key = tl_s3_key_join(G.s3url.prefix, name);
	struct tl_s3_put_opts po = G.c.put;
	po.content_type = "application/x-ndjson";
	struct tl_aws_error err;
	memset(&err, 0, sizeof(err));
	int rc = tl_s3_upload_fd(G.s3, G.s3url.bucket, key, o->fd, (size_t)G.c.part_size, &po, &err);
	if (rc != 0) {
		char *t = tl_aws_error_text(&err);
		tl_err("storing s3://%s/%s: %s", G.s3url.bucket, key, t);
		free(t);
		tl_aws_error_free(&err);
	}
	free(key);
	return rc;
}

/* Stores the closed objects (those of fenced partitions wait), syncs their directories, then
 * commits once. Between two accepted commits at most one stored object per partition path is
 * not yet committed (rule 1), so a crash or a rebalance in between leaves nothing that the
 * next run would not overwrite under the same name. */
static int ready_flush(void)
{
	if (G.failed)
		return -1; /* what waits is dropped with its partition, uncommitted */
	if (G.nready == 0)
		return 0;
	struct obj **done = xcalloc(G.nready, sizeof(*done));
	char **names = xcalloc(G.nready, sizeof(*names));
	size_t n = 0, k = 0;
	for (size_t i = 0; i < G.nready; i++) {
		struct obj *o = G.ready[i];
		if (G.failed || o->p->fenced || !may_store() || o->p->fenced) {
			G.ready[k++] = o; /* waits for the fence to lift, or goes with its partition */
			continue;
		}
		names[n] = obj_name(o);
		int put = obj_put(o, names[n]);
		if (put > 0) {
			free(names[n]);
			G.ready[k++] = o;
			continue;
		}
		if (put < 0)
			G.failed = true;
		done[n++] = o;
	}
	G.nready = k;
	if (k > 0)
		G.ready_since = tl_mono_ms();
	if (G.local_dir && !G.failed) {
		/* one fsync per directory, for the renames */
		for (size_t i = 0; i < n && !G.failed; i++) {
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = strcmp(done[j]->dir, done[i]->dir) == 0 &&
				       done[j]->errors == done[i]->errors &&
				       strcmp(done[j]->p->topic, done[i]->p->topic) == 0;
			if (seen)
				continue;
			char *path = xasprintf("%s/%s", G.local_dir, names[i]);
			if (fsync_dir_of(path) != 0) {
				tl_err("syncing the directory of %s: %s", path, strerror(errno));
				G.failed = true;
			}
			free(path);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct obj *o = done[i];
		if (!G.failed) {
			uint64_t bytes = tl_gzip_out(o->gz);
			if (G.local_dir) {
				char *url = xasprintf("file://%s/%s", G.local_dir, names[i]);
				manifest(o, url, NULL, names[i], bytes);
				free(url);
			} else {
				char *key = tl_s3_key_join(G.s3url.prefix, names[i]);
				char *url = tl_s3_url_str(G.s3url.bucket, key);
				manifest(o, url, G.s3url.bucket, key, bytes);
				free(url);
				free(key);
			}
			tl_debug("stored %s: %" PRIu64 " records, %" PRIu64 " bytes", names[i],
				 o->records, bytes);
			G.n_objects++;
			G.n_bytes_out += bytes;
			stored_set(o->p, o->dir, o->last);
			o->p->stale = true;
		}
		free(names[i]);
		obj_drop(o);
	}
	free(names);
	free(done);
	if (G.failed)
		return -1;
	return n > 0 ? commit_stale() : 0;
}

/* Closes o (the gzip trailer is written) and queues it to be stored with the next flush; not
 * for a fenced partition (rule 2). */
static int obj_close(struct obj *o)
{
	if (o->p->fenced)
		return 0;
	/* rule 1: the object of this path that waits is stored (and committed) first */
	for (size_t i = 0; i < G.nready; i++)
		if (G.ready[i]->p == o->p && strcmp(G.ready[i]->dir, o->dir) == 0) {
			if (ready_flush() != 0)
				return -1;
			break;
		}
	/* that commit may have been refused, or that object kept waiting */
	if (o->p->fenced)
		return 0;
	for (size_t i = 0; i < G.nready; i++)
		if (G.ready[i]->p == o->p && strcmp(G.ready[i]->dir, o->dir) == 0)
			return 0;
	if (tl_gzip_finish(o->gz) != 0) {
		tl_err("writing the spool: %s", strerror(errno));
		G.failed = true;
		return -1;
	}
	o->closed = true;
	G.nopen--;
	/* start the write-back now, so the fsync of the batch finds little left to do */
	if (G.local_dir)
		sync_file_range(o->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (G.nready == 0)
		G.ready_since = tl_mono_ms();
	G.ready = xrealloc(G.ready, (G.nready + 1) * sizeof(*G.ready));
	G.ready[G.nready++] = o;
	if (G.nready >= READY_MAX)
		return ready_flush();
	return 0;
}

/* Closes the objects of list (n of them; a flush inside obj_close may reorder the partitions'
 * arrays, so the caller passes a copy), until G.close_until when set. */
static void close_list(struct obj **list, size_t n)
{
	for (size_t i = 0; i < n && !G.failed; i++) {
		if (G.close_until > 0 && tl_mono_ms() >= G.close_until) {
			tl_warn("leaving %zu open object%s to the partitions' next owner: the "
				"revocation took half the session timeout", n - i, n - i == 1 ? "" : "s");
			break;
		}
		obj_close(list[i]);
	}
	free(list);
}

/* The open (not closed) objects of partitions not fenced, in l (all when NULL), and older than
 * older_than ms (any when < 0); a new array (caller frees). */
static struct obj **open_objects(const rd_kafka_topic_partition_list_t *l, int64_t older_than,
				 size_t *n)
{
	struct obj **v = xcalloc(G.nopen + 1, sizeof(*v));
	int64_t now = tl_mono_ms();
	*n = 0;
	for (size_t i = 0; i < G.nparts; i++) {
		struct part *p = G.parts[i];
		if (p->fenced || !part_in(p, l))
			continue;
		for (size_t j = 0; j < p->nopen; j++) {
			struct obj *o = p->open[j];
			if (!o->closed && *n < G.nopen &&
			    (older_than < 0 || now - o->opened >= older_than))
				v[(*n)++] = o;
		}
	}
	return v;
}

/* Closes every open object of the partitions in l (all when NULL) but fenced ones, stores them
 * with what waits, then commits. */
static int flush_parts(const rd_kafka_topic_partition_list_t *l)
{
	if (G.failed)
		return -1;
	size_t n;
	struct obj **v = open_objects(l, -1, &n);
	close_list(v, n);
	if (G.failed)
		return -1;
	if (ready_flush() != 0)
		return -1;
	return commit_stale();
}

/* The same for every partition, after a retry of the fenced ones' commit. */
static int flush_all(void)
{
	if (!G.failed && any_fenced() && commit_stale() != 0)
		return -1;
	return flush_parts(NULL);
}

static void close_oldest(void)
{
	struct obj *best = NULL;
	for (size_t i = 0; i < G.nparts; i++)
		for (size_t j = 0; j < G.parts[i]->nopen; j++) {
			struct obj *o = G.parts[i]->open[j];
			if (!o->closed && !o->p->fenced && (!best || o->touched < best->touched))
				best = o;
		}
	if (best)
		obj_close(best);
}

/* Keeps the commit metadata under the broker's cap: when a partition has stored many paths above
 * its committed offset (an old open object holds the offset back), that oldest object closes. */
static void close_holding_back(void)
{
	for (size_t i = 0; i < G.nparts && !G.failed; i++) {
		struct part *p = G.parts[i];
		size_t len = strlen(META_TAG);
		for (size_t j = 0; j < p->nst; j++)
			len += strlen(p->st[j].dir) + 22;
		if (len <= META_MAX / 2 || p->fenced)
			continue;
		struct obj *oldest = NULL;
		for (size_t j = 0; j < p->nopen; j++)
			if (!p->open[j]->closed && (!oldest || p->open[j]->first < oldest->first))
				oldest = p->open[j];
		if (oldest) {
			tl_debug("%s [%" PRId32 "]: closing the object from offset %" PRId64
				 " to keep the commit metadata small", p->topic, p->partition,
				 oldest->first);
			obj_close(oldest);
		}
	}
}

static void close_aged(void)
{
	if (G.c.max_age <= 0 || G.failed)
		return;
	size_t n;
	struct obj **v = open_objects(NULL, G.c.max_age, &n);
	close_list(v, n);
}

/* ---- records ------------------------------------------------------------------------------ */

/* The line stored under _errors/ for record m: where it came from, why (the error) and its
 * bytes. */
static void add_error_line(const rd_kafka_message_t *m, const char *why, int64_t ts)
{
	struct tl_buf *b = &G.recbuf;
	char tsb[40];
	tl_buf_reset(b);
	tl_time_format(ts, 1, tsb, sizeof(tsb));
	tl_buf_addf(b, "{\"topic\":");
	const char *topic = rd_kafka_topic_name(m->rkt);
	tl_buf_add_json_str(b, topic, strlen(topic));
	tl_buf_addf(b, ",\"partition\":%" PRId32 ",\"offset\":%" PRId64 ",\"timestamp\":\"%s\","
		    "\"error\":", m->partition, m->offset, tsb);
	tl_buf_add_json_str(b, why, strlen(why));
	if (m->key) {
		tl_buf_adds(b, ",\"key\":");
		if (tl_utf8_valid(m->key, m->key_len, NULL))
			tl_buf_add_json_str(b, m->key, m->key_len);
		else
			tl_buf_adds(b, "null");
	}
	const char *v = m->payload ? m->payload : "";
	size_t vn = m->payload ? m->len : 0;
	if (tl_utf8_valid(v, vn, NULL)) {
		tl_buf_adds(b, ",\"value\":");
		tl_buf_add_json_str(b, v, vn);
	} else {
		/* not text: keep the bytes exactly, as base64 */
		tl_buf_adds(b, ",\"value_base64\":\"");
		tl_buf_add_base64(b, v, vn);
		tl_buf_addc(b, '"');
	}
	tl_buf_adds(b, "}\n");
}

/* The partition path of a record (rec NULL: under _errors/) into d, NUL-terminated. */
static void render_dir(struct tl_buf *d, int64_t t, const char *rec, size_t n)
{
	tl_buf_reset(d);
	if (!rec)
		tl_buf_adds(d, "_errors/");
	tl_lake_layout_render(G.layout, t, rec, n, d);
	tl_buf_adds(d, "");
}

static struct obj *find_open(const struct part *p, const char *dir)
{
	for (size_t i = 0; i < p->nopen; i++)
		if (!p->open[i]->closed && strcmp(p->open[i]->dir, dir) == 0)
			return p->open[i];
	return NULL;
}

/* Whether an object of p in dir, from offset, has a name the destination takes (*why, to free,
 * says what is too long when not). */
static bool name_fits(const struct part *p, const char *dir, int64_t offset, char **why)
{
	bool errors = strncmp(dir, "_errors/", 8) == 0;
	char *name = tl_lake_object_name(p->topic, p->partition, offset, errors ? dir + 8 : dir,
					 errors);
	int rc = tl_lake_name_check(name, G.prefix_len, G.name_max, G.total_max, why);
	free(name);
	return rc == 0;
}

static int handle_message(const rd_kafka_message_t *m)
{
	const char *topic = rd_kafka_topic_name(m->rkt);
	struct part *p = part_find(topic, m->partition);
	if (!p) {
		tl_debug("message of unassigned %s [%" PRId32 "] ignored", topic, m->partition);
		return 0;
	}
	p->eof = false;
	if (p->next >= 0 && m->offset < p->next)
		return 0; /* seen already (a refetch) */
	rd_kafka_timestamp_type_t tstype;
	int64_t ts = rd_kafka_message_timestamp(m, &tstype);
	if (ts < 0)
		ts = tl_now_ms();
	const char *v = m->payload ? m->payload : "";
	size_t vn = m->payload ? m->len : 0;
	const char *why = NULL;
	size_t errpos = 0;
	bool bad = vn == 0 ? (why = "empty record", true)
			   : tl_json_validate(v, vn, &why, &errpos) != 0;
	int64_t t = ts;
	if (!bad && G.c.time_field && tl_lake_record_time(v, vn, G.c.time_field, &t) != 0) {
		t = ts;
		G.n_badtime++;
		if (G.n_badtime <= 10 || tl_log_enabled(TL_LOG_DEBUG))
			tl_warn("%s [%" PRId32 "] offset %" PRId64 ": no readable time in '%s'; "
				"using the Kafka timestamp", topic, m->partition, m->offset,
				G.c.time_field);
	}
	struct tl_buf *d = &G.dirbuf;
	char *toolong = NULL;
	render_dir(d, t, bad ? NULL : v, bad ? 0 : vn);
	struct obj *o = find_open(p, d->data);
	if (!o && !bad && !name_fits(p, d->data, m->offset, &toolong)) {
		/* one record must not block the pipeline: its path cannot be made */
		bad = true;
		render_dir(d, ts, NULL, 0);
		o = find_open(p, d->data);
	}

	p->next = m->offset + 1;
	p->stale = true;
	for (size_t i = 0; i < p->nst; i++)
		if (m->offset <= p->st[i].last && strcmp(p->st[i].dir, d->data) == 0) {
			G.n_skipped++;
			free(toolong);
			return 0;
		}
	if (!o) {
		if (G.c.max_open > 0 && G.nopen >= G.c.max_open)
			close_oldest();
		if (!G.failed)
			o = obj_open(p, d->data, m->offset);
		if (!o) {
			free(toolong);
			return -1;
		}
	}
	int rc;
	if (toolong) {
		G.n_toolong++;
		if (G.n_toolong <= 10 || tl_log_enabled(TL_LOG_DEBUG))
			tl_warn("%s [%" PRId32 "] offset %" PRId64 ": %s; stored under _errors/",
				topic, m->partition, m->offset, toolong);
		add_error_line(m, toolong, ts);
		free(toolong);
		rc = tl_gzip_write(o->gz, G.recbuf.data, G.recbuf.len);
	} else if (bad) {
		G.n_errors++;
		if (G.n_errors <= 10 || tl_log_enabled(TL_LOG_DEBUG))
			tl_warn("%s [%" PRId32 "] offset %" PRId64 ": not JSON (%s at byte %zu); "
				"stored under _errors/", topic, m->partition, m->offset, why, errpos);
		char *e = xasprintf("%s at byte %zu", why, errpos);
		add_error_line(m, e, ts);
		free(e);
		rc = tl_gzip_write(o->gz, G.recbuf.data, G.recbuf.len);
	} else if (memchr(v, '\n', vn) || memchr(v, '\r', vn)) {
		/* valid JSON with line breaks between tokens: one line per record */
		tl_buf_reset(&G.recbuf);
		tl_buf_add(&G.recbuf, v, vn);
		for (size_t i = 0; i < vn; i++)
			if (G.recbuf.data[i] == '\n' || G.recbuf.data[i] == '\r')
				G.recbuf.data[i] = ' ';
		tl_buf_addc(&G.recbuf, '\n');
		rc = tl_gzip_write(o->gz, G.recbuf.data, G.recbuf.len);
	} else {
		rc = tl_gzip_write(o->gz, v, vn);
		if (rc == 0)
			rc = tl_gzip_write(o->gz, "\n", 1);
	}
	if (rc != 0) {
		tl_err("writing the spool: %s", strerror(errno));
		G.failed = true;
		return -1;
	}
	o->last = m->offset;
	o->records++;
	o->raw += vn + 1;
	o->touched = tl_mono_ms();
	G.n_records++;
	G.n_bytes_in += vn + 1;
	if ((G.c.max_records && o->records >= G.c.max_records) ||
	    (G.c.max_bytes && o->raw >= G.c.max_bytes))
		return obj_close(o);
	return 0;
}

/* ---- rebalancing -------------------------------------------------------------------------- */

/* Removes what a crashed run left in the local lake's spool for a partition now ours. */
static void spool_clean(const char *topic, int32_t partition)
{
	char *dir = xasprintf("%s/.spool", G.local_dir);
	char *pre = xasprintf("%s+%" PRId32 "+", topic, partition);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, pre, strlen(pre)) != 0)
			continue;
		const char *rest = e->d_name + strlen(pre);
		if (strspn(rest, "0123456789") != TL_LAKE_OFFSET_DIGITS || strcmp(rest + TL_LAKE_OFFSET_DIGITS, ".tmp") != 0)
			continue;
		char *f = xasprintf("%s/%s", dir, e->d_name);
		if (unlink(f) == 0)
			tl_debug("removed %s, left by an earlier run", f);
		free(f);
	}
	if (d)
		closedir(d);
	free(pre);
	free(dir);
}

/* Takes objects of p out of the queue to be stored (p is going away). */
static void ready_forget(const struct part *p)
{
	size_t k = 0;
	for (size_t i = 0; i < G.nready; i++)
		if (G.ready[i]->p != p)
			G.ready[k++] = G.ready[i];
	G.nready = k;
}

/* New partitions (all of them in the eager protocol, the added ones in the cooperative one):
 * their state comes from the committed offsets and metadata. */
static void on_assign(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *l)
{
	rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(l);
	rd_kafka_resp_err_t err = c->cnt > 0 ? rd_kafka_committed(rk, c, 30000) : 0;
	if (err) {
		tl_err("reading committed offsets: %s", rd_kafka_err2str(err));
		G.failed = true;
	}
	for (int i = 0; i < c->cnt && !G.failed; i++) {
		rd_kafka_topic_partition_t *tp = &c->elems[i];
		struct part *p = part_find(tp->topic, tp->partition);
		if (p) {
			ready_forget(p);
			part_remove(p);
		}
		p = part_new(tp->topic, tp->partition);
		if (tp->offset >= 0) {
			p->committed = tp->offset;
			meta_parse(p, tp->metadata, tp->metadata_size);
		}
		if (G.local_dir)
			spool_clean(tp->topic, tp->partition);
		tl_debug("assigned %s [%" PRId32 "] from %" PRId64 " (%zu stored path%s above)",
			 tp->topic, tp->partition, tp->offset, p->nst, p->nst == 1 ? "" : "s");
	}
	rd_kafka_topic_partition_list_destroy(c);
	if (!G.assigned_once)
		G.first_assign = tl_mono_ms();
	G.assigned_once = true;
	G.assigned_now = true;
	if (G.cooperative) {
		rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, l);
		if (e) {
			tl_err("assigning partitions: %s", rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
			G.failed = true;
		}
	} else {
		rd_kafka_assign(rk, l);
	}
}

/* Partitions taken away (rule 4): when they are revoked in order, what is open is stored and
 * committed while the group still accepts our commits; when the assignment is lost, nothing. */
static void on_revoke(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *l)
{
	bool lost = rd_kafka_assignment_lost(rk);
	if (lost)
		tl_info("the group took %d partition%s away (assignment lost): their open work is "
			"left to their next owner", l->cnt, l->cnt == 1 ? "" : "s");
	if (!G.failed && !lost && commit_probe(l) == 0) {
		G.close_until = tl_mono_ms() + (G.stall_ms > 0 ? G.stall_ms : 30000);
		flush_parts(l);
		G.close_until = 0;
	}
	for (int i = 0; i < l->cnt; i++) {
		struct part *p = part_find(l->elems[i].topic, l->elems[i].partition);
		if (p) {
			ready_forget(p);
			part_remove(p);
		}
	}
	G.assigned_now = false; /* --exit-at-end waits for the next assignment */
	if (G.cooperative) {
		rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, l);
		if (e) {
			tl_err("unassigning partitions: %s", rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
			G.failed = true;
		}
	} else {
		rd_kafka_assign(rk, NULL);
	}
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *l, void *opaque)
{
	(void)opaque;
	G.cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
		on_assign(rk, l);
	else
		on_revoke(rk, l);
}

/* ---- main ---------------------------------------------------------------------------------- */

static bool all_at_end(void)
{
	if (!G.assigned_now)
		return false;
	for (size_t i = 0; i < G.nparts; i++)
		if (!G.parts[i]->eof || G.parts[i]->fenced)
			return false;
	return true;
}

static void progress(bool force)
{
	static int64_t last;
	int64_t now = tl_mono_ms();
	if (!force && now - last < 1000)
		return;
	last = now;
	double secs = (double)(now - G.started) / 1000.0;
	tl_log_status(1, "%" PRIu64 " records (%.0f/s), %" PRIu64 " objects, %.1f MB in, %.1f MB "
		      "stored, %zu open, %" PRIu64 " errors", G.n_records,
		      secs > 0 ? (double)G.n_records / secs : 0.0, G.n_objects,
		      (double)G.n_bytes_in / 1e6, (double)G.n_bytes_out / 1e6, G.nopen, G.n_errors);
}

static int setup_dest(void)
{
	struct tl_lake_loc loc;
	char *err = NULL;
	if (tl_lake_loc_parse(G.c.dest, &loc, &err) != 0) {
		tl_cli_usage_error("--dest %s", err);
		free(err);
		return TL_EXIT_USAGE;
	}
	if (loc.s3) {
		G.s3url.bucket = loc.bucket;
		G.s3url.prefix = loc.prefix;
		loc.bucket = loc.prefix = NULL;
		tl_lake_loc_free(&loc);
		G.aws = tl_aws_new(&G.c.aws, &err);
		if (!G.aws) {
			tl_err("%s", err);
			free(err);
			return TL_EXIT_USAGE;
		}
		G.s3 = tl_s3_new(G.aws);
		G.prefix_len = strlen(G.s3url.prefix);
		G.name_max = TL_LAKE_NAME_MAX;
		G.total_max = TL_LAKE_S3_KEY_MAX;
		if (G.c.path_style)
			tl_s3_set_path_style(G.s3, true);
		tl_s3_set_expected_owner(G.s3, G.c.expected_owner);
		struct tl_aws_error e;
		memset(&e, 0, sizeof(e));
		if (tl_s3_head_bucket(G.s3, G.s3url.bucket, &e) != 0) {
			char *t = tl_aws_error_text(&e);
			tl_err("bucket %s: %s", G.s3url.bucket, t);
			free(t);
			tl_aws_error_free(&e);
			return TL_EXIT_FAIL;
		}
		return 0;
	}
	if (mkdirs(loc.dir) != 0) {
		tl_err("%s: %s", loc.dir, strerror(errno));
		tl_lake_loc_free(&loc);
		return TL_EXIT_FAIL;
	}
	G.local_dir = realpath(loc.dir, NULL);
	if (!G.local_dir)
		tl_err("%s: %s", loc.dir, strerror(errno));
	tl_lake_loc_free(&loc);
	if (!G.local_dir)
		return TL_EXIT_FAIL;
	long nm = pathconf(G.local_dir, _PC_NAME_MAX);
	G.prefix_len = strlen(G.local_dir);
	G.name_max = nm > 0 && nm < TL_LAKE_NAME_MAX ? (size_t)nm : TL_LAKE_NAME_MAX;
	G.total_max = PATH_MAX - 1;
	char *spool = xasprintf("%s/.spool", G.local_dir);
	int mk = mkdirs(spool);
	if (mk != 0)
		tl_err("%s: %s", spool, strerror(errno));
	free(spool);
	if (mk != 0)
		return TL_EXIT_FAIL;
	return 0;
}

/* Records whose partition path is too long go to _errors/, so the names there must fit: the
 * topics and the template are checked with the longest partition number. */
static int check_names(void)
{
	struct tl_buf d = TL_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < G.c.ntopics && rc == 0; i++) {
		struct part p = { .topic = G.c.topics[i], .partition = INT32_MAX };
		char *why = NULL;
		render_dir(&d, 0, NULL, 0);
		if (!name_fits(&p, d.data, 0, &why)) {
			rc = tl_cli_usage_error("topic %s with --partition %s: %s", G.c.topics[i],
						G.c.partition_tmpl, why);
			free(why);
		}
	}
	tl_buf_release(&d);
	return rc;
}

/* Reads the options into G.c and kc (their defaults already set); returns TL_CLI_RUN or an exit
 * status. */
static int parse_args(int argc, char **argv, struct tl_kafka_conf *kc)
{
	struct cfg *c = &G.c;
	struct tl_cli cli = { .spec = &cli_spec, .aws = &c->aws };
	int ch;
	uint64_t u;
	while ((ch = tl_cli_next(&cli, argc, argv)) > 0) {
		switch (ch) {
		case 'b': c->brokers = optarg; break;
		case 'G': c->group = optarg; break;
		case 't': split_list(optarg, &c->topics, &c->ntopics); break;
		case 'd': c->dest = optarg; break;
		case 'X':
			if (tl_kafka_conf_arg(kc, optarg) != 0)
				return TL_EXIT_USAGE;
			break;
		case 'F':
			if (tl_kafka_conf_file(kc, optarg) != 0)
				return TL_EXIT_USAGE;
			break;
		case OPT_TIME_FIELD: c->time_field = optarg; break;
		case OPT_PARTITION: c->partition_tmpl = optarg; break;
		case OPT_MAX_RECORDS:
			if (tl_parse_u64(optarg, UINT64_MAX, &c->max_records) != 0)
				return tl_cli_bad_value(&cli, "a count");
			break;
		case OPT_MAX_BYTES:
			if (tl_parse_size(optarg, &c->max_bytes) != 0)
				return tl_cli_bad_value(&cli, "a size (64M, 1G)");
			break;
		case OPT_MAX_AGE:
			if (tl_parse_duration_ms(optarg, &c->max_age) != 0)
				return tl_cli_bad_value(&cli, "a duration (90s, 10m)");
			break;
		case OPT_MAX_OPEN:
			if (tl_parse_u64(optarg, 1000000, &u) != 0 || u == 0)
				return tl_cli_bad_value(&cli, "a count from 1 to 1000000");
			c->max_open = (size_t)u;
			break;
		case OPT_LEVEL:
			if (tl_parse_int(optarg, 1, 9, &c->level) != 0)
				return tl_cli_bad_value(&cli, "1 to 9");
			break;
		case OPT_PART_SIZE:
			if (tl_parse_size(optarg, &c->part_size) != 0 || c->part_size < (5u << 20) ||
			    c->part_size > (5ull << 30))
				return tl_cli_bad_value(&cli, "5M to 5G");
			break;
		case OPT_SPOOL_DIR: c->spool_dir = optarg; break;
		case OPT_PATH_STYLE: c->path_style = true; break;
		case OPT_EXIT_AT_END: c->exit_at_end = true; break;
		case OPT_PROGRESS: c->progress = true; break;
		case OPT_SSE: c->put.sse = optarg; break;
		case OPT_SSE_KMS_KEY_ID: c->put.sse_kms_key_id = optarg; break;
		case OPT_BUCKET_KEY: c->put.bucket_key = true; break;
		case OPT_EXPECTED_OWNER:
			if (!tl_s3_account_ok(optarg))
				return tl_cli_bad_value(&cli, "a 12-digit account id");
			c->expected_owner = optarg;
			break;
		case OPT_MSK_IAM:
			if (tl_kafka_conf_set(kc, "sasl.mechanism", "AWS_MSK_IAM",
					      TL_KAFKA_SRC_ARGV) < 0)
				return TL_EXIT_USAGE;
			break;
		}
	}
	if (ch == TL_CLI_EXIT)
		return cli.status;
	if (!c->group)
		return tl_cli_usage_error("a consumer group is needed (-G GROUP)");
	if (c->ntopics == 0)
		return tl_cli_usage_error("no topic (-t TOPIC)");
	if (!c->dest)
		return tl_cli_usage_error("no destination (--dest s3://bucket/prefix or DIR)");
	if (strncmp(c->dest, "s3://", 5) != 0 &&
	    (c->put.sse || c->put.sse_kms_key_id || c->put.bucket_key || c->expected_owner))
		return tl_cli_usage_error("--sse, --sse-kms-key-id, --bucket-key and "
					  "--expected-bucket-owner are for an s3:// destination");
	const char *why;
	if (tl_s3_sse_check(c->put.sse, c->put.sse_kms_key_id, c->put.bucket_key, &why) != 0)
		return tl_cli_usage_error("--sse: %s", why);
	if (!c->spool_dir)
		c->spool_dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *err = NULL;
	G.layout = tl_lake_layout_new(c->partition_tmpl, &err);
	if (!G.layout) {
		int rc = tl_cli_usage_error("--partition: %s", err);
		free(err);
		return rc;
	}
	return TL_CLI_RUN;
}

/* The group's session timeout: a member silent for that long loses its partitions. */
static int64_t session_timeout_ms(const rd_kafka_conf_t *conf)
{
	char v[64];
	size_t n = sizeof(v);
	int64_t ms;
	if (rd_kafka_conf_get(conf, "session.timeout.ms", v, &n) != RD_KAFKA_CONF_OK ||
	    tl_parse_i64(v, 1, INT64_MAX, &ms) != 0)
		ms = 45000;
	return ms;
}

/* librdkafka before 2.3 aborts in rd_kafka_destroy() when the cooperative-sticky assignor
 * joined a group but never received an assignment (its state is still NULL, issue #4381), as a
 * member stopped while the group rebalances does. */
static bool destroy_aborts(void)
{
	return rd_kafka_version() < 0x02030000 && G.cooperative_conf && !G.assigned_once;
}

/* Our defaults, set before the user's -X/-F so those win. */
static void conf_defaults(struct tl_kafka_conf *kc)
{
	static const char *const d[][2] = {
		{ "auto.offset.reset", "earliest" },
		/* librdkafka 2.0's defaults stall near 150k msgs/s */
		{ "queued.min.messages", "500000" },
		{ "queued.max.messages.kbytes", "131072" },
		{ "fetch.max.bytes", "104857600" },
		{ "max.partition.fetch.bytes", "4194304" },
	};
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		tl_kafka_conf_set(kc, d[i][0], d[i][1], TL_KAFKA_SRC_DEFAULT);
}

/* Sets what exactly-once needs on the consumer, opens the destination, subscribes; returns
 * TL_CLI_RUN or an exit status (G.rk is set once the consumer exists). */
static int consumer_open(struct tl_kafka_conf *kc)
{
	char errstr[512];
	int rc;
	if (tl_kafka_conf_brokers(kc, G.c.brokers) != 0)
		return TL_EXIT_USAGE;
	/* these make the exactly-once logic hold, whatever -X said */
	if (tl_kafka_conf_set(kc, "group.id", G.c.group, TL_KAFKA_SRC_ARGV) != 0)
		return TL_EXIT_USAGE;
	if (G.c.exit_at_end)
		tl_kafka_conf_set(kc, "enable.partition.eof", "true", TL_KAFKA_SRC_DEFAULT);
	if (tl_log_level() >= TL_LOG_TRACE)
		tl_kafka_conf_set(kc, "debug", "consumer,cgrp,topic,fetch", TL_KAFKA_SRC_DEFAULT);
	if (tl_kafka_conf_auth(kc, G.c.aws.profile, G.c.aws.region) != 0)
		return TL_EXIT_USAGE;
	rd_kafka_conf_t *conf = tl_kafka_conf_take(kc);
	/* on the global configuration (the topic one has legacy properties of these names) */
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", errstr, sizeof(errstr));
	rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
	G.stall_ms = session_timeout_ms(conf) / 2;
	char strat[256];
	size_t strat_n = sizeof(strat);
	G.cooperative_conf = rd_kafka_conf_get(conf, "partition.assignment.strategy", strat,
					       &strat_n) == RD_KAFKA_CONF_OK &&
			     strstr(strat, "cooperative-sticky") != NULL;

	tl_out_init(&G.out, STDOUT_FILENO);
	rc = setup_dest();
	if (rc == 0)
		rc = check_names();
	if (rc != 0) {
		rd_kafka_conf_destroy(conf);
		return rc;
	}
	G.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (!G.rk) {
		tl_err("%s", errstr);
		rd_kafka_conf_destroy(conf);
		return TL_EXIT_USAGE;
	}
	if (tl_kafka_conf_start(kc, G.rk) != 0)
		return TL_EXIT_FAIL;
	rd_kafka_poll_set_consumer(G.rk);
	rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)G.c.ntopics);
	for (size_t i = 0; i < G.c.ntopics; i++)
		rd_kafka_topic_partition_list_add(subs, G.c.topics[i], RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t kerr = rd_kafka_subscribe(G.rk, subs);
	rd_kafka_topic_partition_list_destroy(subs);
	if (kerr) {
		tl_err("subscribing: %s", rd_kafka_err2str(kerr));
		return TL_EXIT_FAIL;
	}
	return TL_CLI_RUN;
}

/* Consumes until a signal, a failure or (--exit-at-end) the end of every partition; stores what
 * is open and reports. Returns the exit status. */
static int consume(void)
{
	int rc = TL_EXIT_OK;
	G.started = tl_mono_ms();
	int64_t last_age_check = G.started, last_retry = G.started;
	while (!tl_sig_caught() && !G.failed) {
		stall_check();
		rd_kafka_message_t *m = rd_kafka_consumer_poll(G.rk, 200);
		if (m) {
			if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				struct part *p = part_find(rd_kafka_topic_name(m->rkt), m->partition);
				if (p) {
					p->eof = true;
					if (p->next < 0 || p->next < m->offset) {
						/* nothing (new) consumed: the committed offset stands */
						p->next = m->offset;
					}
				}
			} else if (m->err) {
				tl_warn("kafka: %s", rd_kafka_message_errstr(m));
				if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
					/* e.g. fenced by a static member of the same instance id */
					char why[512];
					rd_kafka_fatal_error(G.rk, why, sizeof(why));
					tl_err("kafka: %s", why);
					rd_kafka_message_destroy(m);
					G.failed = true;
					break;
				}
				if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
				    m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
				    m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
					rd_kafka_message_destroy(m);
					rc = TL_EXIT_FAIL;
					break;
				}
			} else {
				handle_message(m);
			}
			rd_kafka_message_destroy(m);
		}
		int64_t now = tl_mono_ms();
		if (now - last_age_check >= 1000) {
			close_aged();
			last_age_check = now;
		}
		if (G.meta_big) {
			G.meta_big = false;
			close_holding_back();
		}
		if (G.nready > 0 && now - G.ready_since >= READY_MS)
			ready_flush();
		if (now - last_retry >= 1000) {
			/* rule 2: a fence lifts when a commit is accepted again */
			if (any_fenced())
				commit_stale();
			last_retry = now;
		}
		if (G.c.progress)
			progress(false);
		if (G.c.exit_at_end && all_at_end()) {
			/* done when this is committed; a refused commit means a rebalance to wait for */
			if (flush_all() != 0 || !any_fenced())
				break;
		}
	}
	if (!G.failed)
		flush_all();
	if (G.c.progress) {
		progress(true);
		tl_log_status_end();
	}
	if (G.failed)
		rc = TL_EXIT_FAIL;
	double secs = G.assigned_once ? (double)(tl_mono_ms() - G.first_assign) / 1000.0 : 0.0;
	tl_info("%" PRIu64 " records in %" PRIu64 " objects (%.1f MB gzip), %" PRIu64
		" not JSON, %" PRIu64 " without a readable time, %" PRIu64 " with a partition path "
		"too long, %" PRIu64 " already stored; %.2f s from the first assignment (%.1f MB/s "
		"in)", G.n_records, G.n_objects, (double)G.n_bytes_out / 1e6, G.n_errors,
		G.n_badtime, G.n_toolong, G.n_skipped, secs,
		secs > 0 ? (double)G.n_bytes_in / 1e6 / secs : 0.0);
	return rc;
}

/* Leaves the group (without storing what is open after a failure: nothing more is committed)
 * and closes the manifest output. Returns rc, or TL_EXIT_FAIL when output was lost. */
static int consumer_close(int rc)
{
	G.failed = G.failed || rc != 0;
	rd_kafka_consumer_close(G.rk);
	if (destroy_aborts())
		tl_debug("leaving the Kafka handle to the exit (librdkafka %s would abort)",
			 rd_kafka_version_str());
	else
		rd_kafka_destroy(G.rk);
	if (tl_out_close(&G.out) != 0 && rc == 0 && G.out.err != EPIPE)
		rc = TL_EXIT_FAIL;
	return rc;
}

static void state_free(struct tl_kafka_conf *kc)
{
	tl_kafka_conf_release(kc);
	G.nready = 0; /* their objects are freed with their partitions */
	free(G.ready);
	while (G.ngzpool > 0)
		tl_gzip_free(G.gzpool[--G.ngzpool]);
	while (G.nparts > 0)
		part_remove(G.parts[0]);
	free(G.parts);
	tl_lake_layout_free(G.layout);
	tl_buf_release(&G.dirbuf);
	tl_buf_release(&G.recbuf);
	if (G.s3)
		tl_s3_free(G.s3);
	tl_aws_free(G.aws);
	tl_s3_url_free(&G.s3url);
	free(G.local_dir);
	free(G.lastdir);
	for (size_t i = 0; i < G.c.ntopics; i++)
		free(G.c.topics[i]);
	free(G.c.topics);
	tl_log_cleanup();
}

int main(int argc, char **argv)
{
	struct tl_kafka_conf kc;

	tl_cli_init(argv[0]);
	tl_kafka_conf_init(&kc, TL_KAFKA_CONSUMER);
	conf_defaults(&kc);
	int rc = parse_args(argc, argv, &kc);
	if (rc == TL_CLI_RUN)
		rc = consumer_open(&kc);
	if (rc == TL_CLI_RUN)
		rc = consume();
	if (G.rk)
		rc = consumer_close(rc);
	state_free(&kc);
	return rc;
}
