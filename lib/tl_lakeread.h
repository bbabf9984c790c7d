/* tl_lakeread.h: the read side of the lake (tl_lake.h is the write side): where a lake is, which
 * names are data, the key=value folders of partitions, walking a local lake, listing one in S3,
 * and the tables a lake holds. glue-crawl, the local SQL engine and kafka-to-s3 read the lake only
 * through these, so they agree on every name.
 *
 * The layout, as kafka-to-s3 writes it and as Athena and the Glue crawler read it:
 *
 *   ROOT/TOPIC/k1=v1/k2=v2/OBJECT   a lake of topics: each TOPIC folder is a table of its own
 *   TABLE/k1=v1/k2=v2/OBJECT        one table, partitioned by k1, k2 (values Hive-unescaped)
 *   TABLE/a/b/OBJECT                one table, partitioned by partition_0, partition_1
 *
 * Names starting with "_" or "." are not data (Athena skips them): _errors/, .spool/, _SUCCESS.
 * A partition value is Hive-escaped in its folder name (%XX, see tl_lake_escape_value); every
 * reader gives and compares it unescaped ("src=x%2Fy" is the value "x/y").
 *
 * Symbolic links in a local lake: a link whose target is outside the lake root (the folder the
 * user named) is never followed, file or folder: it is counted, and the first one is warned about.
 * A link to a folder inside the root is followed, but each folder is walked once (known by device
 * and inode), so a link loop ("ln -s . x") ends. Walks stop early on a stop signal (tl_sig).
 */
#ifndef TL_LAKEREAD_H
#define TL_LAKEREAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_s3;
struct tl_aws_error;

/* ---- where a lake is ---------------------------------------------------------------------- */

struct tl_lake_loc {
	bool s3;
	char *bucket; /* s3: the bucket */
	char *prefix; /* s3: "" or the key prefix, without leading or trailing "/" */
	char *dir;    /* local: the folder as written ("file://" removed, no trailing "/") */
};

/* Parses "s3://BUCKET[/PREFIX]", "file:///DIR" or a folder path. Returns 0, or -1 with *err
 * (caller frees) for "", another scheme, a file:// URL without an absolute path, or a bad bucket
 * name. Does not look at the file system. Free with tl_lake_loc_free. */
int tl_lake_loc_parse(const char *s, struct tl_lake_loc *loc, char **err);
void tl_lake_loc_free(struct tl_lake_loc *loc);

/* ---- names -------------------------------------------------------------------------------- */

/* True for a name that is not data ("_x", ".x"). */
bool tl_lake_hidden(const char *name);
/* True when any "/"-separated segment of rel is hidden. */
bool tl_lake_rel_hidden(const char *rel);
/* The key length of a partition folder name seg[0..n) of the form "key=value" (key not empty),
 * else 0. The value is seg + key length + 1. */
size_t tl_lake_kv_key(const char *seg, size_t n);
/* The column name of a partition folder's key (seg[0..keylen)), as the catalog has it
 * (tl_schema_col_name). Caller frees. */
char *tl_lake_key_column(const char *seg, size_t keylen);
/* The unescaped value of a partition folder ("x%2Fy" -> "x/y"). Caller frees. */
char *tl_lake_value_unescape(const char *v, size_t n);

/* ---- walking a local lake ----------------------------------------------------------------- */

/* Why a name was left out of a walk or a listing. */
enum tl_lake_skip {
	TL_LAKE_HIDDEN,   /* "_x", ".x": not data */
	TL_LAKE_LINK_OUT, /* a symbolic link whose target is outside the lake root */
	TL_LAKE_LOOP,     /* a link to a folder walked already */
};

struct tl_lake_walk {
	/* set by the caller */
	const char *root;  /* the lake root; links leaving it are not followed (NULL: the top) */
	/* Before a folder is entered (depth 0: a folder directly in top): < 0 skips it. */
	int (*dir)(void *ctx, size_t depth, const char *name);
	/* After an entered folder was walked. */
	void (*dir_end)(void *ctx, size_t depth);
	/* A data object: path to open, rel below top. Non-zero stops the walk. */
	int (*object)(void *ctx, const char *path, const char *rel, int64_t size);
	/* A name left out (optional); rel below top. */
	void (*skip)(void *ctx, const char *rel, enum tl_lake_skip why);
	void *ctx;
	/* what the walk met */
	size_t hidden;     /* names skipped as not data */
	size_t links_out;  /* symbolic links out of the root, not followed */
	size_t loops;      /* folders reached a second time (a link loop), not walked again */
	size_t errors;     /* entries that could not be read (each warned about) */
	bool interrupted;  /* a stop signal ended the walk */
};

/* Walks the folder top (which should be at or under w->root), entries in byte order of their
 * names, calling w's callbacks. Returns 0; or -1 when top cannot be read (reported), when a stop
 * signal came (w->interrupted) or when w->object stopped it. Blocks on the file system. */
int tl_lake_walk(struct tl_lake_walk *w, const char *top);

/* ---- listing a lake ------------------------------------------------------------------------ */

struct tl_lake_entry {
	char *rel;     /* relative to the listed folder or prefix: "dt=2026-11-25/hour=03/x.json.gz" */
	int64_t size;
};

struct tl_lake_listing {
	struct tl_lake_entry *v; /* in walk order (local) or key order (S3) */
	size_t n, cap;
	struct tl_lake_entry *skipped; /* hidden names and links out of the lake (size 0) */
	size_t nskipped, askipped;
	size_t hidden, links_out, loops, errors;
	bool interrupted;
};

/* Lists the data objects under the local folder dir (root: the lake root for links, NULL: dir)
 * into l (which starts zeroed). Returns as tl_lake_walk. */
int tl_lake_list_dir(const char *dir, const char *root, struct tl_lake_listing *l);
/* Lists the data objects under s3://bucket/prefix/ ("" prefix: the bucket) into l: keys ending
 * in "/" and keys with a hidden segment are left out (counted in l->hidden). Returns 0, or -1
 * with *err (tl_s3_list's). Stops early, with l->interrupted, on a stop signal. */
int tl_lake_list_s3(struct tl_s3 *s3, const char *bucket, const char *prefix,
		    struct tl_lake_listing *l, struct tl_aws_error *err);
void tl_lake_listing_free(struct tl_lake_listing *l);
/* How many names under topic ("" for all) were left out as hidden or as links out of the lake. */
size_t tl_lake_listing_skipped(const struct tl_lake_listing *l, const char *topic);

/* ---- tables ------------------------------------------------------------------------------- */

/* The entries [from, to) of a listing that make one table; topic is its folder below the listed
 * one ("" when the listed folder is itself the table). */
struct tl_lake_split {
	char *topic;
	size_t from, to;
};

/* Length of the first segment of rel when rel has the shape TOPIC/k=v[/k=v...]/OBJECT with a
 * plain (not key=value) TOPIC; else 0. */
size_t tl_lake_topic_len(const char *rel);

/* The tables of a listing. The listed folder is a lake of topics, one table per TOPIC folder,
 * when no object lies in it directly or under a key=value folder of its own, and some object
 * has the shape TOPIC/k=v/.../OBJECT; it is one table otherwise. Entries must be grouped by
 * their first segment (walk and key order are). Returns how many (at least 1), *out (caller frees
 * with tl_lake_splits_free). */
size_t tl_lake_tables(const struct tl_lake_listing *l, struct tl_lake_split **out);
void tl_lake_splits_free(struct tl_lake_split *s, size_t n);

struct tl_lake_part {
	char *dir;     /* the folders below the table: "dt=2026-11-25/hour=03" */
	char **values; /* one per key: unescaped for key=value folders, else the folder name */
};

/* The partitions of one table, found object by object. The first object placed sets the layout
 * (key=value folders or plain ones, and how deep); an object that does not fit is left out. */
struct tl_lake_table {
	char **keys;   /* partition columns: the keys as column names, or partition_0... */
	size_t nkeys;
	bool hive;     /* key=value folders */
	bool layout_known;
	struct tl_lake_part *parts;
	size_t nparts;
	size_t skipped; /* objects that did not fit the layout */
};

void tl_lake_table_init(struct tl_lake_table *t);
void tl_lake_table_release(struct tl_lake_table *t);
/* Gives the object rel (relative to the table folder) its partition: 0 with *part its index in
 * t->parts (-1 for a table without partitions; objects of one folder get the same index), or -1
 * (warned about, t->skipped counted) when its folders do not follow the layout. */
int tl_lake_table_place(struct tl_lake_table *t, const char *rel, int *part);

#endif
