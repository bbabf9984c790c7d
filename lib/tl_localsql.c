#include "tl_localsql.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_gunzip.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_jscan.h"
#include "tl_lakeread.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_schema.h"
#include "tl_sig.h"
#include "tl_sql.h"
#include "tl_dialect.h"
#include "tl_sqlfn.h"
#include "tl_sqlval.h"
#include "tl_time.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum coltype { CT_STRING, CT_INT, CT_DOUBLE, CT_BOOL, CT_JSON, CT_TIMESTAMP };

struct column {
	char *name;     /* lower case, as the catalog has it */
	char *glue;     /* its Glue type text */
	enum coltype type;
	struct tl_sqltype *vtype; /* how its JSON values are read (tl_sqlval) */
	bool partition;
};

/* A number for each object path, the same in every scan of a table: a row's rowid is its
 * object's number and its line's, so that SQLite's OR optimization (one scan per OR branch,
 * rows merged by rowid) neither merges different rows nor counts one twice. */
struct fileids {
	char **keys;
	uint32_t *vals;
	size_t cap, n;
};

struct table {
	char *db, *name;
	char *dir;      /* the folder holding the table's objects */
	char *root;     /* the lake root for its links: the lake, or dir when not under it */
	struct column *cols;
	size_t ncols;
	size_t ndata;   /* data columns come first, then partition columns */
	struct fileids ids;
};

static uint64_t path_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void fileids_put(struct fileids *f, char *key, uint32_t val)
{
	size_t i = path_hash(key) & (f->cap - 1);
	while (f->keys[i])
		i = (i + 1) & (f->cap - 1);
	f->keys[i] = key;
	f->vals[i] = val;
}

static uint32_t fileid_of(struct fileids *f, const char *path)
{
	if (f->cap) {
		for (size_t i = path_hash(path) & (f->cap - 1); f->keys[i]; i = (i + 1) & (f->cap - 1))
			if (!strcmp(f->keys[i], path))
				return f->vals[i];
	}
	if ((f->n + 1) * 2 > f->cap) {
		struct fileids g = { NULL, NULL, f->cap ? f->cap * 2 : 64, f->n };
		g.keys = xcalloc(g.cap, sizeof *g.keys);
		g.vals = xcalloc(g.cap, sizeof *g.vals);
		for (size_t i = 0; i < f->cap; i++)
			if (f->keys[i])
				fileids_put(&g, f->keys[i], f->vals[i]);
		free(f->keys);
		free(f->vals);
		*f = g;
	}
	uint32_t id = (uint32_t)f->n++;
	fileids_put(f, xstrdup(path), id);
	return id;
}

static void fileids_free(struct fileids *f)
{
	for (size_t i = 0; i < f->cap; i++)
		free(f->keys[i]);
	free(f->keys);
	free(f->vals);
}

struct tl_localsql {
	sqlite3 *db;
	struct tl_sqlfn *fn;
	char *lake;
	char *database;
	struct table *tables;
	size_t ntables;
	char **names;   /* "db.table", NULL-terminated */
	/* the catalog as tl_dialect reads it */
	struct tl_dialect_table *dtables;
	size_t ndtables;
	struct tl_dialect_column **dcols;
	char **sqlnames;
	struct tl_localsql_stats stats;
	char denied[96]; /* what the authorizer refused last, for the message */
};

/* ---- catalog ---- */

static enum coltype hive_type(const char *t)
{
	if (!t)
		return CT_STRING;
	if (!strncasecmp(t, "struct", 6) || !strncasecmp(t, "array", 5) || !strncasecmp(t, "map", 3))
		return CT_JSON;
	if (!strcasecmp(t, "bigint") || !strcasecmp(t, "int") || !strcasecmp(t, "integer") ||
	    !strcasecmp(t, "smallint") || !strcasecmp(t, "tinyint"))
		return CT_INT;
	if (!strcasecmp(t, "double") || !strcasecmp(t, "float") || !strncasecmp(t, "decimal", 7))
		return CT_DOUBLE;
	if (!strcasecmp(t, "boolean"))
		return CT_BOOL;
	if (!strcasecmp(t, "timestamp"))
		return CT_TIMESTAMP;
	return CT_STRING;
}

static const char *decl_type(enum coltype t)
{
	switch (t) {
	case CT_INT: return "BIGINT";
	case CT_DOUBLE: return "DOUBLE";
	case CT_BOOL: return "BOOLEAN";
	case CT_JSON: return "JSON";
	case CT_TIMESTAMP: return "TIMESTAMP";
	default: return "VARCHAR";
	}
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *lower_dup(const char *s)
{
	char *d = xstrdup(s);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* Where the table's objects are on this machine: its location when that is a folder here, else
 * its path below the bucket under the lake, else the lake's folder of its name. */
static char *resolve_dir(const char *lake, const char *location, const char *name)
{
	struct tl_lake_loc loc;
	char *err = NULL, *p = NULL;
	if (location && tl_lake_loc_parse(location, &loc, &err) == 0) {
		if (!loc.s3 && loc.dir[0] == '/' && is_dir(loc.dir))
			p = xstrdup(loc.dir);
		else if (loc.s3)
			p = *loc.prefix ? xasprintf("%s/%s", lake, loc.prefix) : xstrdup(lake);
		tl_lake_loc_free(&loc);
		if (p && is_dir(p))
			return p;
		free(p);
	}
	free(err);
	p = xasprintf("%s/%s", lake, name);
	if (is_dir(p))
		return p;
	free(p);
	return NULL;
}

/* The lake when dir is in it, else dir: symbolic links that leave it are not followed. */
static char *lake_root(const char *lake, const char *dir)
{
	char *l = realpath(lake, NULL), *d = realpath(dir, NULL);
	size_t n = l ? strlen(l) : 0;
	bool in = l && d && (strcmp(l, "/") == 0 ||
			     (strncmp(d, l, n) == 0 && (d[n] == '/' || d[n] == '\0')));
	free(l);
	free(d);
	return xstrdup(in ? lake : dir);
}

/* How a column's JSON values are read: the kind of its Glue type (tl_sqlval.h). */
static struct tl_sqltype *value_type(const char *glue)
{
	char *err = NULL;
	struct tl_schema *sc = glue ? tl_schema_parse_type(glue, &err) : NULL;
	free(err);
	struct tl_sqltype *t = xcalloc(1, sizeof *t);
	t->k = 's';
	if (sc) {
		switch (sc->kind) {
		case TL_SK_BOOLEAN: t->k = 'b'; break;
		case TL_SK_INT: case TL_SK_BIGINT: t->k = 'i'; break;
		case TL_SK_DOUBLE: t->k = 'd'; break;
		case TL_SK_TIMESTAMP: t->k = 't'; break;
		case TL_SK_STRUCT: t->k = '('; break;
		case TL_SK_ARRAY: t->k = '['; break;
		case TL_SK_MAP: t->k = '{'; break;
		case TL_SK_OTHER: {
			const char *o = sc->other ? sc->other : "";
			if (!strcasecmp(o, "tinyint") || !strcasecmp(o, "smallint"))
				t->k = 'i';
			else if (!strcasecmp(o, "float") || !strcasecmp(o, "real") || !strncasecmp(o, "decimal", 7))
				t->k = 'd';
			else if (!strcasecmp(o, "date"))
				t->k = 'D';
			break;
		}
		default: break;
		}
		if (t->k == '[' || t->k == '{') {
			t->e = xcalloc(1, sizeof *t->e);
			t->e->k = '?';
		}
		if (t->k == '{') {
			t->v = xcalloc(1, sizeof *t->v);
			t->v->k = '?';
		}
	}
	tl_schema_free(sc);
	return t;
}

static void add_columns(struct table *t, const cJSON *arr, bool partition)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, arr) {
		const char *n = tl_json_get_str(c, "Name");
		if (!n)
			continue;
		const char *type = tl_json_get_str(c, "Type");
		t->cols = xrealloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
		struct column *col = &t->cols[t->ncols++];
		col->name = lower_dup(n);
		col->glue = xstrdup(type ? type : "string");
		col->type = hive_type(type);
		col->vtype = value_type(type);
		col->partition = partition;
		if (partition && col->type != CT_INT && col->type != CT_DOUBLE) {
			/* a folder name is text unless the catalog says it is a number */
			free(col->glue);
			col->glue = xstrdup("string");
			col->type = CT_STRING;
			tl_sqltype_free(col->vtype);
			col->vtype = value_type("string");
		}
	}
}

/* A data column named as a partition column (a catalog written by another crawler may have
 * both): the partition's value stands for it, as the folder was named after the field. */
static void drop_shadowed(struct table *t)
{
	size_t kept = 0, nd = t->ndata;
	for (size_t i = 0; i < t->ncols; i++) {
		bool shadowed = false;
		for (size_t k = nd; k < t->ncols && i < nd && !shadowed; k++)
			shadowed = strcmp(t->cols[i].name, t->cols[k].name) == 0;
		if (shadowed) {
			free(t->cols[i].name);
			free(t->cols[i].glue);
			tl_sqltype_free(t->cols[i].vtype);
			t->ndata--;
			continue;
		}
		t->cols[kept++] = t->cols[i];
	}
	t->ncols = kept;
}

static int load_table(struct tl_localsql *q, const char *path, const char *dbname)
{
	size_t len;
	char *text = tl_read_file(path, 64u << 20, &len);
	if (!text)
		return -1;
	cJSON *j = tl_json_parse(text, len, NULL);
	free(text);
	if (!j)
		return -1;
	/* A GetTable response ({"Table": {...}}) or the bare Table. */
	const cJSON *tj = tl_json_get(j, "Table");
	if (!tj)
		tj = j;
	const char *name = tl_json_get_str(tj, "Name");
	const cJSON *cols = tl_json_get(tj, "StorageDescriptor.Columns");
	if (!name || !cJSON_IsArray(cols)) {
		cJSON_Delete(j);
		return -1;
	}
	const char *db = tl_json_get_str(tj, "DatabaseName");
	char *dir = resolve_dir(q->lake, tl_json_get_str(tj, "StorageDescriptor.Location"), name);
	if (!dir) {
		tl_warn("table %s: its data is not under %s; skipped", name, q->lake);
		cJSON_Delete(j);
		return 0;
	}
	q->tables = xrealloc(q->tables, (q->ntables + 1) * sizeof *q->tables);
	struct table *t = &q->tables[q->ntables++];
	memset(t, 0, sizeof *t);
	t->name = lower_dup(name);
	t->db = lower_dup(db ? db : dbname);
	t->dir = dir;
	t->root = lake_root(q->lake, dir);
	add_columns(t, cols, false);
	t->ndata = t->ncols;
	add_columns(t, tl_json_get(tj, "PartitionKeys"), true);
	drop_shadowed(t);
	cJSON_Delete(j);
	return 0;
}

static int load_catalog(struct tl_localsql *q, const char *catalog)
{
	DIR *d = opendir(catalog);
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = xasprintf("%s/%s", catalog, e->d_name);
		if (is_dir(sub)) {
			DIR *d2 = opendir(sub);
			struct dirent *f;
			while (d2 && (f = readdir(d2))) {
				size_t l = strlen(f->d_name);
				/* TABLE.json; not _database.json nor TABLE.partitions.json (tl_catalog.h). */
				if (f->d_name[0] == '.' || f->d_name[0] == '_' || l < 6 ||
				    strcmp(f->d_name + l - 5, ".json") ||
				    (l > 16 && !strcmp(f->d_name + l - 16, ".partitions.json")))
					continue;
				char *p = xasprintf("%s/%s", sub, f->d_name);
				if (load_table(q, p, e->d_name) < 0)
					tl_warn("%s: not a Glue table description; skipped", p);
				free(p);
			}
			if (d2)
				closedir(d2);
		}
		free(sub);
	}
	closedir(d);
	return 0;
}

/* ---- reading objects ---- */

/* An object is decompressed by a thread of its own, a few chunks ahead of the thread that scans
 * the records, so that inflating and scanning use both cores. */
#define CHUNK_SIZE ((size_t)1 << 20)
#define CHUNKS_AHEAD 4

struct chunk {
	char *data;
	size_t len;
};

struct reader {
	int fd;
	/* the decoding thread's side: tl_gunzip feeding chunks of CHUNK_SIZE */
	struct tl_gunzip gz;
	char *cur;
	size_t cur_len;
	/* the queue between them */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk q[CHUNKS_AHEAD];
	size_t head, count;
	int done;            /* 0 running, 1 at the end, -1 a corrupt or unreadable object */
	bool stop;           /* the scanner closed early */
	/* the scanning side */
	struct tl_buf buf;   /* decompressed bytes not yet consumed */
	size_t pos;          /* start of the next line in buf */
	bool eof;
	uint64_t *bytes;
};

/* Hands the chunk being filled to the scanner, waiting while CHUNKS_AHEAD are queued.
 * Returns 1 when the scanner has gone (the chunk is dropped). */
static int push_chunk(struct reader *r)
{
	pthread_mutex_lock(&r->mu);
	while (r->count == CHUNKS_AHEAD && !r->stop)
		pthread_cond_wait(&r->cv, &r->mu);
	bool stop = r->stop;
	if (!stop) {
		r->q[(r->head + r->count) % CHUNKS_AHEAD] = (struct chunk){ r->cur, r->cur_len };
		r->count++;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	if (stop)
		free(r->cur);
	r->cur = NULL;
	r->cur_len = 0;
	return stop;
}

/* tl_gunzip's sink: fills whole chunks (fewer, larger hand-overs). */
static int on_decoded(void *ctx, const char *p, size_t n)
{
	struct reader *r = ctx;
	while (n > 0) {
		if (!r->cur)
			r->cur = xmalloc(CHUNK_SIZE);
		size_t take = CHUNK_SIZE - r->cur_len < n ? CHUNK_SIZE - r->cur_len : n;
		memcpy(r->cur + r->cur_len, p, take);
		r->cur_len += take;
		p += take;
		n -= take;
		if (r->cur_len == CHUNK_SIZE && push_chunk(r))
			return 1;
	}
	return 0;
}

static void *decoder(void *arg)
{
	struct reader *r = arg;
	tl_gunzip_init(&r->gz, TL_GUNZIP_AUTO, on_decoded, r);
	int rc = tl_gunzip_fd(&r->gz, r->fd);
	/* What was decoded before the end, or before a corrupt part, still goes to the scanner. */
	if (rc != 1 && r->cur_len > 0 && push_chunk(r))
		rc = 1;
	free(r->cur);
	r->cur = NULL;
	tl_gunzip_release(&r->gz);
	pthread_mutex_lock(&r->mu);
	r->done = rc < 0 ? -1 : 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static int reader_open(struct reader *r, const char *path, uint64_t *bytes)
{
	r->cur = NULL;
	r->cur_len = 0;
	r->head = r->count = 0;
	r->done = 0;
	r->stop = false;
	r->started = false;
	tl_buf_init(&r->buf, 0);
	r->pos = 0;
	r->eof = false;
	r->bytes = bytes;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, decoder, r) != 0) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	r->started = true;
	return 0;
}

static void reader_close(struct reader *r)
{
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
		for (size_t i = 0; i < r->count; i++)
			free(r->q[(r->head + i) % CHUNKS_AHEAD].data);
		r->count = 0;
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		r->started = false;
	}
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	tl_buf_release(&r->buf);
}

/* Appends the next decoded chunk to r->buf; 0 at end, -1 on a corrupt object. */
static int reader_fill(struct reader *r)
{
	if (r->pos > 0) {
		tl_buf_consume(&r->buf, r->pos);
		r->pos = 0;
	}
	pthread_mutex_lock(&r->mu);
	while (r->count == 0 && r->done == 0)
		pthread_cond_wait(&r->cv, &r->mu);
	if (r->count == 0) {
		int d = r->done;
		pthread_mutex_unlock(&r->mu);
		return d > 0 ? 0 : -1;
	}
	struct chunk c = r->q[r->head];
	r->head = (r->head + 1) % CHUNKS_AHEAD;
	r->count--;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	int rc = tl_buf_add(&r->buf, c.data, c.len);
	*r->bytes += c.len;
	free(c.data);
	return rc < 0 ? -1 : 1;
}

/* The next line (without "\n"/"\r\n"); 0 at end, -1 on a corrupt object. */
static int reader_line(struct reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *start = r->buf.data ? r->buf.data + r->pos : NULL;
		size_t avail = r->buf.len - r->pos;
		char *nl = avail ? memchr(start, '\n', avail) : NULL;
		if (nl || (r->eof && avail)) {
			size_t l = nl ? (size_t)(nl - start) : avail;
			r->pos += nl ? l + 1 : l;
			if (l && start[l - 1] == '\r')
				l--;
			*line = start;
			*len = l;
			return 1;
		}
		if (r->eof)
			return 0;
		int f = reader_fill(r);
		if (f < 0)
			return -1;
		if (f == 0)
			r->eof = true;
	}
}

/* ---- the virtual table ---- */

struct cons {
	int col;
	unsigned char op;
	char *value;
	char **in;      /* an IN list's values (op EQ, all of them at once) */
	size_t nin;
};

struct file {
	char *path;
	char **pvals; /* per partition column, or NULL */
	uint32_t id;  /* its number (struct fileids) */
};

struct lake_vtab {
	sqlite3_vtab base;
	struct tl_localsql *q;
	struct table *t;
};

struct lake_cursor {
	sqlite3_vtab_cursor base;
	struct lake_vtab *vt;
	struct file *files;
	size_t nfiles, fi;
	bool open;
	struct reader rd;
	const char *line;
	size_t len;
	struct tl_jslice *vals;    /* per data column */
	const char **keys;         /* the used data columns' names */
	size_t *keylens;
	int *keycol;               /* column index of each key */
	size_t nkeys;
	int *slot;                 /* column -> index into vals, or -1 */
	sqlite3_int64 rowid;
	uint64_t line_no;          /* in the open object */
	bool eof;
	struct tl_buf tmp;
};

/* "name", a quote inside doubled. Caller frees. */
static char *quote_ident(const char *s)
{
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_addc(&b, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			tl_buf_addc(&b, '"');
		tl_buf_addc(&b, *p);
	}
	tl_buf_addc(&b, '"');
	return tl_buf_detach(&b, NULL);
}

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **err)
{
	struct tl_localsql *q = aux;
	if (argc < 4) {
		*err = sqlite3_mprintf("tl_lake: missing table index");
		return SQLITE_ERROR;
	}
	size_t idx = (size_t)strtoul(argv[3], NULL, 10);
	if (idx >= q->ntables) {
		*err = sqlite3_mprintf("tl_lake: bad table index");
		return SQLITE_ERROR;
	}
	struct table *t = &q->tables[idx];
	struct tl_buf ddl = TL_BUF_INIT;
	tl_buf_adds(&ddl, "CREATE TABLE x(");
	for (size_t i = 0; i < t->ncols; i++) {
		char *qn = quote_ident(t->cols[i].name); /* a name from the catalog file is data */
		tl_buf_addf(&ddl, "%s%s %s", i ? ", " : "", qn, decl_type(t->cols[i].type));
		free(qn);
	}
	tl_buf_adds(&ddl, ")");
	int rc = sqlite3_declare_vtab(db, ddl.data);
	tl_buf_release(&ddl);
	if (rc != SQLITE_OK)
		return rc;
	struct lake_vtab *vt = sqlite3_malloc(sizeof *vt);
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof *vt);
	vt->q = q;
	vt->t = t;
	*out = &vt->base;
	return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int vt_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	struct lake_vtab *vt = (struct lake_vtab *)v;
	struct tl_buf plan = TL_BUF_INIT;
	int argi = 0;
	tl_buf_addf(&plan, "%llx", (unsigned long long)info->colUsed);
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		if (!c->usable || c->iColumn < 0 || !vt->t->cols[c->iColumn].partition)
			continue;
		switch (c->op) {
		case SQLITE_INDEX_CONSTRAINT_EQ:
		case SQLITE_INDEX_CONSTRAINT_GT:
		case SQLITE_INDEX_CONSTRAINT_GE:
		case SQLITE_INDEX_CONSTRAINT_LT:
		case SQLITE_INDEX_CONSTRAINT_LE: {
			/* col IN (...): the whole list in one call, so one walk prunes for all */
			bool in = c->op == SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(info, i, -1);
			if (in)
				sqlite3_vtab_in(info, i, 1);
			info->aConstraintUsage[i].argvIndex = ++argi;
			info->aConstraintUsage[i].omit = 0; /* SQLite checks again: pruning is a hint */
			tl_buf_addf(&plan, ",%d:%d:%d", c->iColumn, c->op, in);
			break;
		}
		default:
			break;
		}
	}
	info->idxStr = sqlite3_mprintf("%s", tl_buf_str(&plan));
	info->needToFreeIdxStr = 1;
	info->estimatedCost = 1e6 / (1 + argi * 10);
	tl_buf_release(&plan);
	return SQLITE_OK;
}

static int vt_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	struct lake_cursor *c = sqlite3_malloc(sizeof *c);
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	c->vt = (struct lake_vtab *)v;
	c->rd.fd = -1;
	tl_buf_init(&c->tmp, 0);
	*out = &c->base;
	return SQLITE_OK;
}

static void free_files(struct lake_cursor *c)
{
	size_t np = c->vt->t->ncols - c->vt->t->ndata;
	for (size_t i = 0; i < c->nfiles; i++) {
		for (size_t k = 0; k < np; k++)
			free(c->files[i].pvals[k]);
		free(c->files[i].pvals);
		free(c->files[i].path);
	}
	free(c->files);
	c->files = NULL;
	c->nfiles = c->fi = 0;
}

static void reset_cursor(struct lake_cursor *c)
{
	if (c->open)
		reader_close(&c->rd);
	c->open = false;
	free_files(c);
	free(c->vals);
	free(c->keys);
	free(c->keylens);
	free(c->keycol);
	free(c->slot);
	c->vals = NULL;
	c->keys = NULL;
	c->keylens = NULL;
	c->keycol = NULL;
	c->slot = NULL;
	c->nkeys = 0;
}

static int vt_close(sqlite3_vtab_cursor *cur)
{
	struct lake_cursor *c = (struct lake_cursor *)cur;
	reset_cursor(c);
	tl_buf_release(&c->tmp);
	sqlite3_free(c);
	return SQLITE_OK;
}

/* Folder values against constraints: as numbers for a numeric partition column, else as text
 * (SQLite's order of TEXT with the BINARY collation, which is Trino's for varchar). */
static int cmp_value(const char *a, const char *b, bool numeric)
{
	if (numeric) {
		char *ea, *eb;
		double x = strtod(a, &ea), y = strtod(b, &eb);
		if (!*ea && !*eb && ea != a && eb != b)
			return (x > y) - (x < y);
	}
	return strcmp(a, b);
}

static bool passes(const struct cons *cs, size_t n, int col, const char *v, bool numeric)
{
	for (size_t i = 0; i < n; i++) {
		if (cs[i].col != col)
			continue;
		if (cs[i].in) {
			bool any = false;
			for (size_t k = 0; k < cs[i].nin && !any; k++)
				any = cs[i].in[k] && !cmp_value(v, cs[i].in[k], numeric);
			if (!any)
				return false;
			continue;
		}
		if (!cs[i].value)
			continue;
		int cmp = cmp_value(v, cs[i].value, numeric);
		switch (cs[i].op) {
		case SQLITE_INDEX_CONSTRAINT_EQ: if (cmp != 0) return false; break;
		case SQLITE_INDEX_CONSTRAINT_GT: if (cmp <= 0) return false; break;
		case SQLITE_INDEX_CONSTRAINT_GE: if (cmp < 0) return false; break;
		case SQLITE_INDEX_CONSTRAINT_LT: if (cmp >= 0) return false; break;
		case SQLITE_INDEX_CONSTRAINT_LE: if (cmp > 0) return false; break;
		default: break;
		}
	}
	return true;
}

/* Walking the table's folders: partition values from key=value folders (unescaped), folders
 * whose value fails a constraint pruned before anything under them is opened. */
struct walk_ctx {
	struct lake_cursor *c;
	const struct cons *cs;
	size_t ncons;
	char **pvals;                          /* per partition column, the value in force */
	struct level { int col; char *saved; } *lv; /* per depth, what a folder set */
	size_t nlv;
};

static int walk_dir(void *ctx, size_t depth, const char *name)
{
	struct walk_ctx *w = ctx;
	struct table *t = w->c->vt->t;
	if (depth >= w->nlv) {
		w->lv = xrealloc(w->lv, (depth + 8) * sizeof *w->lv);
		w->nlv = depth + 8;
	}
	w->lv[depth].col = -1;
	size_t n = strlen(name), kl = tl_lake_kv_key(name, n);
	if (!kl || t->ncols == t->ndata)
		return 0;
	char *key = tl_lake_key_column(name, kl);
	int col = -1;
	for (size_t k = t->ndata; k < t->ncols && col < 0; k++)
		if (!strcmp(t->cols[k].name, key))
			col = (int)k;
	free(key);
	if (col < 0)
		return 0;
	char *v = tl_lake_value_unescape(name + kl + 1, n - kl - 1);
	bool numeric = t->cols[col].type == CT_INT || t->cols[col].type == CT_DOUBLE;
	if (!passes(w->cs, w->ncons, col, v, numeric)) {
		free(v);
		w->c->vt->q->stats.files_pruned++;
		return -1;
	}
	size_t pi = (size_t)col - t->ndata;
	w->lv[depth].col = (int)pi;
	w->lv[depth].saved = w->pvals[pi];
	w->pvals[pi] = v;
	return 0;
}

static void walk_dir_end(void *ctx, size_t depth)
{
	struct walk_ctx *w = ctx;
	int pi = w->lv[depth].col;
	if (pi >= 0) {
		free(w->pvals[pi]);
		w->pvals[pi] = w->lv[depth].saved;
	}
}

static int walk_object(void *ctx, const char *path, const char *rel, int64_t size)
{
	struct walk_ctx *w = ctx;
	struct lake_cursor *c = w->c;
	struct table *t = c->vt->t;
	size_t np = t->ncols - t->ndata;
	(void)rel;
	if (size <= 0)
		return 0;
	c->files = xrealloc(c->files, (c->nfiles + 1) * sizeof *c->files);
	struct file *f = &c->files[c->nfiles++];
	f->path = xstrdup(path);
	f->id = fileid_of(&t->ids, path);
	f->pvals = xcalloc(np ? np : 1, sizeof *f->pvals);
	for (size_t k = 0; k < np; k++)
		f->pvals[k] = w->pvals[k] ? xstrdup(w->pvals[k]) : NULL;
	return 0;
}

/* Lists the table's objects into c->files. False when a stop signal cut the walk short. */
static bool walk(struct lake_cursor *c, const struct cons *cs, size_t ncons)
{
	struct table *t = c->vt->t;
	size_t np = t->ncols - t->ndata;
	struct walk_ctx w = { c, cs, ncons, xcalloc(np ? np : 1, sizeof(char *)), NULL, 0 };
	struct tl_lake_walk lw = {
		.root = t->root, .dir = walk_dir, .dir_end = walk_dir_end, .object = walk_object,
		.ctx = &w,
	};
	tl_lake_walk(&lw, t->dir);
	c->vt->q->stats.links_skipped += lw.links_out;
	free(w.pvals);
	free(w.lv);
	return !lw.interrupted;
}

static int next_record(struct lake_cursor *c)
{
	struct tl_localsql *q = c->vt->q;
	for (;;) {
		if (!c->open) {
			if (c->fi >= c->nfiles) {
				c->eof = true;
				return SQLITE_OK;
			}
			if (reader_open(&c->rd, c->files[c->fi].path, &q->stats.bytes_read) < 0) {
				tl_warn("%s: %s; skipped", c->files[c->fi].path, strerror(errno));
				q->stats.bad_files++;
				c->fi++;
				continue;
			}
			q->stats.files_read++;
			c->open = true;
			c->line_no = 0;
		}
		int r = reader_line(&c->rd, &c->line, &c->len);
		c->line_no++;
		if (r <= 0) {
			if (r < 0) {
				tl_warn("%s: corrupt or unreadable object; rest skipped",
					c->files[c->fi].path);
				q->stats.bad_files++;
			}
			reader_close(&c->rd);
			c->open = false;
			c->fi++;
			continue;
		}
		size_t i = 0;
		while (i < c->len && isspace((unsigned char)c->line[i]))
			i++;
		if (i == c->len)
			continue;
		if (c->nkeys == 0) {
			if (c->line[i] != '{') {
				q->stats.bad_records++;
				continue;
			}
		} else if (tl_jscan_fields(c->line, c->len, c->keys, c->keylens, c->nkeys, true,
					   c->vals) < 0) {
			q->stats.bad_records++;
			continue;
		}
		q->stats.records++;
		c->rowid = (sqlite3_int64)((uint64_t)c->files[c->fi].id << 32 | (c->line_no & 0xFFFFFFFFu));
		return SQLITE_OK;
	}
}

static int vt_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
		     sqlite3_value **argv)
{
	(void)idxNum;
	struct lake_cursor *c = (struct lake_cursor *)cur;
	struct table *t = c->vt->t;
	reset_cursor(c);
	c->eof = false;
	c->rowid = 0;
	unsigned long long used = strtoull(idxStr ? idxStr : "ffffffffffffffff", NULL, 16);
	/* Constraints on partition columns. */
	struct cons *cs = xcalloc((size_t)argc + 1, sizeof *cs);
	size_t ncons = 0;
	const char *p = idxStr ? strchr(idxStr, ',') : NULL;
	while (p && (int)ncons < argc) {
		int col = 0, op = 0, in = 0;
		if (sscanf(p + 1, "%d:%d:%d", &col, &op, &in) != 3)
			break;
		cs[ncons].col = col;
		cs[ncons].op = (unsigned char)op;
		if (in) {
			sqlite3_value *v = NULL;
			size_t cap = 0;
			for (int rc = sqlite3_vtab_in_first(argv[ncons], &v); rc == SQLITE_OK && v;
			     rc = sqlite3_vtab_in_next(argv[ncons], &v)) {
				const unsigned char *x = sqlite3_value_text(v);
				if (cs[ncons].nin == cap) {
					cap = cap ? cap * 2 : 8;
					cs[ncons].in = xrealloc(cs[ncons].in, cap * sizeof *cs[ncons].in);
				}
				cs[ncons].in[cs[ncons].nin++] = x ? xstrdup((const char *)x) : NULL;
			}
			if (!cs[ncons].in) /* an empty list: nothing can match */
				cs[ncons].in = xcalloc(1, sizeof *cs[ncons].in);
		} else {
			const unsigned char *v = sqlite3_value_text(argv[ncons]);
			cs[ncons].value = v ? xstrdup((const char *)v) : NULL;
		}
		ncons++;
		p = strchr(p + 1, ',');
	}
	/* The data columns this statement reads. */
	c->slot = xmalloc(t->ncols * sizeof *c->slot);
	c->keys = xcalloc(t->ndata + 1, sizeof *c->keys);
	c->keylens = xcalloc(t->ndata + 1, sizeof *c->keylens);
	c->keycol = xcalloc(t->ndata + 1, sizeof *c->keycol);
	c->vals = xcalloc(t->ndata + 1, sizeof *c->vals);
	for (size_t i = 0; i < t->ncols; i++) {
		c->slot[i] = -1;
		bool u = i >= 63 ? (used >> 63) & 1 : (used >> i) & 1;
		if (u && !t->cols[i].partition) {
			c->slot[i] = (int)c->nkeys;
			c->keys[c->nkeys] = t->cols[i].name;
			c->keylens[c->nkeys] = strlen(t->cols[i].name);
			c->keycol[c->nkeys] = (int)i;
			c->nkeys++;
		}
	}
	bool done = walk(c, cs, ncons);
	for (size_t i = 0; i < ncons; i++) {
		free(cs[i].value);
		for (size_t k = 0; k < cs[i].nin; k++)
			free(cs[i].in[k]);
		free(cs[i].in);
	}
	free(cs);
	if (!done)
		return SQLITE_INTERRUPT;
	return next_record(c);
}

static int vt_next(sqlite3_vtab_cursor *cur)
{
	return next_record((struct lake_cursor *)cur);
}

static int vt_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct lake_cursor *)cur)->eof;
}

static int vt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct lake_cursor *c = (struct lake_cursor *)cur;
	struct table *t = c->vt->t;
	const struct column *cd = &t->cols[col];
	if (cd->partition) {
		const char *v = c->files[c->fi].pvals[(size_t)col - t->ndata];
		char *end;
		if (!v) {
			sqlite3_result_null(ctx);
		} else if (cd->type == CT_INT && *v && (strtoll(v, &end, 10), !*end)) {
			sqlite3_result_int64(ctx, strtoll(v, NULL, 10));
		} else if (cd->type == CT_DOUBLE && *v && (strtod(v, &end), !*end)) {
			sqlite3_result_double(ctx, strtod(v, NULL));
		} else {
			sqlite3_result_text(ctx, v, -1, SQLITE_TRANSIENT);
		}
		return SQLITE_OK;
	}
	if (c->slot[col] < 0) {
		sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	tl_sqlval_result_json(ctx, &c->vals[c->slot[col]], cd->vtype, &c->tmp);
	return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct lake_cursor *)cur)->rowid;
	return SQLITE_OK;
}

static const sqlite3_module lake_module = {
	.iVersion = 1,
	.xCreate = vt_connect,
	.xConnect = vt_connect,
	.xBestIndex = vt_best_index,
	.xDisconnect = vt_disconnect,
	.xDestroy = vt_disconnect,
	.xOpen = vt_open,
	.xClose = vt_close,
	.xFilter = vt_filter,
	.xNext = vt_next,
	.xEof = vt_eof,
	.xColumn = vt_column,
	.xRowid = vt_rowid,
};

/* ---- the engine ---- */

static int run_sql(sqlite3 *db, const char *sql, char **err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		*err = xasprintf("%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Lets a long statement notice Ctrl-C: SQLite calls this every few thousand steps. */
static int on_progress(void *ctx)
{
	(void)ctx;
	return tl_sig_caught() != 0;
}

/* Read-only introspection PRAGMAs (also as pragma_*() table functions). */
static const char *const safe_pragmas[] = {
	"table_info", "table_xinfo", "table_list", "function_list", "module_list", "pragma_list",
	"collation_list",
};

/* Functions that reach outside the engine (loading code, files), were any registered. */
static const char *const unsafe_functions[] = {
	"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit", "fts5",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcasecmp(s, list[i]))
			return true;
	return false;
}

/* SQLite's authorizer over every statement people give: what a query needs (SELECT, reading
 * tables, functions, recursive WITH, introspection) and nothing else. No ATTACH (a file
 * opened or created), no VACUUM INTO, no writes, no schema changes, no transactions, no PRAGMA
 * that sets anything or touches a file. */
static int authorize(void *ctx, int action, const char *a1, const char *a2, const char *db,
		     const char *trigger)
{
	struct tl_localsql *q = ctx;
	(void)a2;
	(void)db;
	(void)trigger;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_UPDATE:
		/* SQLite asks this while it connects an eponymous virtual table (json_each,
		 * pragma_table_info) on first use; a statement that writes the schema is refused
		 * anyway, as not read-only (tl_localsql_exec). */
		if (a1 && (!strcmp(a1, "sqlite_master") || !strcmp(a1, "sqlite_temp_master")))
			return SQLITE_OK;
		snprintf(q->denied, sizeof q->denied, "writing to %s", a1 ? a1 : "a table");
		return SQLITE_DENY;
	case SQLITE_FUNCTION:
		if (!in_list(a2, unsafe_functions, sizeof unsafe_functions / sizeof *unsafe_functions))
			return SQLITE_OK;
		snprintf(q->denied, sizeof q->denied, "the function %s()", a2);
		return SQLITE_DENY;
	case SQLITE_PRAGMA:
		if (in_list(a1, safe_pragmas, sizeof safe_pragmas / sizeof *safe_pragmas))
			return SQLITE_OK;
		snprintf(q->denied, sizeof q->denied, "PRAGMA %s", a1 ? a1 : "");
		return SQLITE_DENY;
	case SQLITE_ATTACH: snprintf(q->denied, sizeof q->denied, "ATTACH"); break;
	case SQLITE_DETACH: snprintf(q->denied, sizeof q->denied, "DETACH"); break;
	case SQLITE_INSERT: case SQLITE_DELETE:
		snprintf(q->denied, sizeof q->denied, "writing to %s", a1 ? a1 : "a table");
		break;
	case SQLITE_TRANSACTION: case SQLITE_SAVEPOINT:
		snprintf(q->denied, sizeof q->denied, "a transaction");
		break;
	default:
		snprintf(q->denied, sizeof q->denied, "changing the schema (CREATE, DROP, ALTER...)");
		break;
	}
	return SQLITE_DENY;
}

struct tl_localsql *tl_localsql_open(const char *lake, const char *catalog, const char *database,
				     char **err)
{
	*err = NULL;
	struct tl_localsql *q = xcalloc(1, sizeof *q);
	q->lake = xstrdup(lake);
	char *cat = catalog ? xstrdup(catalog) : xasprintf("%s/_catalog", lake);
	if (!is_dir(lake)) {
		*err = xasprintf("%s: not a folder", lake);
		goto fail;
	}
	if (load_catalog(q, cat) < 0) {
		*err = xasprintf("%s: %s (make one with glue-crawl --catalog)", cat, strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(":memory:", &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		*err = xasprintf("sqlite: %s", q->db ? sqlite3_errmsg(q->db) : "out of memory");
		goto fail;
	}
	/* no extension may be loaded, by the C API or by SQL */
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_create_module(q->db, "tl_lake", &lake_module, q);
	if (!(q->fn = tl_sqlfn_register(q->db))) {
		*err = xasprintf("sqlite: could not register the functions: %s", sqlite3_errmsg(q->db));
		goto fail;
	}
	/* LIKE compares case as Trino's does */
	if (run_sql(q->db, "PRAGMA case_sensitive_like = ON", err) < 0)
		goto fail;
	sqlite3_progress_handler(q->db, 10000, on_progress, NULL);
	q->database = database ? lower_dup(database) : NULL;
	if (database) {
		bool found = false;
		for (size_t i = 0; i < q->ntables; i++)
			if (!strcasecmp(q->tables[i].db, database))
				found = true;
		if (!found) {
			*err = xasprintf("database %s: not in the catalog %s", database, cat);
			goto fail;
		}
	}
	q->names = xcalloc(q->ntables + 1, sizeof *q->names);
	q->dtables = xcalloc(q->ntables + 1, sizeof *q->dtables);
	q->dcols = xcalloc(q->ntables + 1, sizeof *q->dcols);
	q->sqlnames = xcalloc(q->ntables + 1, sizeof *q->sqlnames);
	for (size_t i = 0; i < q->ntables; i++) {
		struct table *t = &q->tables[i];
		char *qt = quote_ident(t->name), *qd = quote_ident(t->db);
		char *sql;
		q->names[i] = xasprintf("%s.%s", t->db, t->name);
		/* what tl_dialect knows of it: names, Glue types, where SQLite has it */
		q->dcols[i] = xcalloc(t->ncols + 1, sizeof **q->dcols);
		for (size_t k = 0; k < t->ncols; k++)
			q->dcols[i][k] = (struct tl_dialect_column){ t->cols[k].name, t->cols[k].glue };
		bool own_db = strcmp(t->db, "main") && strcmp(t->db, "temp");
		q->sqlnames[i] = own_db ? xasprintf("%s.%s", qd, qt) : xasprintf("temp.%s", qt);
		if (own_db || !database || !strcasecmp(t->db, database))
			q->dtables[q->ndtables++] = (struct tl_dialect_table){
				t->db, t->name, q->sqlnames[i], q->dcols[i], t->ncols };
		int rc = 0;
		if (own_db) {
			sql = xasprintf("ATTACH ':memory:' AS %s", qd);
			char *e2 = NULL;
			if (run_sql(q->db, sql, &e2) < 0 && !strstr(e2, "already in use"))
				tl_warn("database %s: %s", t->db, e2);
			free(e2);
			free(sql);
			sql = xasprintf("CREATE VIRTUAL TABLE %s.%s USING tl_lake(%zu)", qd, qt, i);
			rc = run_sql(q->db, sql, err);
			free(sql);
		}
		if (rc == 0 && (!database || !strcasecmp(t->db, database))) {
			sql = xasprintf("CREATE VIRTUAL TABLE temp.%s USING tl_lake(%zu)", qt, i);
			char *e2 = NULL;
			if (run_sql(q->db, sql, &e2) < 0) /* same name in two databases: keep the first */
				tl_debug("table %s: %s", t->name, e2);
			free(e2);
			free(sql);
		}
		free(qt);
		free(qd);
		if (rc < 0)
			goto fail;
	}
	/* from here on, the statements people give: they read the lake and nothing else */
	sqlite3_set_authorizer(q->db, authorize, q);
	free(cat);
	return q;
fail:
	free(cat);
	tl_localsql_close(q);
	return NULL;
}

void tl_localsql_close(struct tl_localsql *q)
{
	if (!q)
		return;
	if (q->db)
		sqlite3_close(q->db);
	tl_sqlfn_free(q->fn);
	for (size_t i = 0; i < q->ntables; i++) {
		struct table *t = &q->tables[i];
		for (size_t k = 0; k < t->ncols; k++) {
			free(t->cols[k].name);
			free(t->cols[k].glue);
			tl_sqltype_free(t->cols[k].vtype);
		}
		free(t->cols);
		if (q->dcols)
			free(q->dcols[i]);
		if (q->sqlnames)
			free(q->sqlnames[i]);
		free(t->db);
		free(t->name);
		free(t->dir);
		free(t->root);
		fileids_free(&t->ids);
	}
	free(q->tables);
	if (q->names)
		for (size_t i = 0; q->names[i]; i++)
			free(q->names[i]);
	free(q->names);
	free(q->dtables);
	free(q->dcols);
	free(q->sqlnames);
	free(q->database);
	free(q->lake);
	free(q);
}

const struct tl_localsql_stats *tl_localsql_stats(const struct tl_localsql *q)
{
	return &q->stats;
}

const char *const *tl_localsql_tables(const struct tl_localsql *q)
{
	return (const char *const *)q->names;
}

/* Athena's name for a result column's type. */
static const char *result_type(sqlite3_stmt *st, int i, bool have_row)
{
	const char *d = sqlite3_column_decltype(st, i);
	if (d) {
		if (!strcasecmp(d, "BIGINT"))
			return "bigint";
		if (!strcasecmp(d, "DOUBLE"))
			return "double";
		if (!strcasecmp(d, "BOOLEAN"))
			return "boolean";
		if (!strcasecmp(d, "JSON"))
			return "json";
		if (!strcasecmp(d, "TIMESTAMP"))
			return "timestamp";
		return "varchar";
	}
	if (!have_row)
		return "varchar";
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: return "bigint";
	case SQLITE_FLOAT: return "double";
	default: return "varchar";
	}
}

/* Binds one parameter value: a SQL literal (tl_sql_literal_parse), by its type. Dates and
 * strings bind as text, timestamps as the engine's timestamp text. SQLITE_OK, or
 * SQLITE_MISMATCH with *err when the value is not one literal. */
static int bind_param(sqlite3_stmt *st, int i, const char *p, char **err)
{
	struct tl_sql_literal lit;
	char ts[32];
	int64_t ms;
	int rc;
	if (tl_sql_literal_parse(p, &lit, err) < 0)
		return SQLITE_MISMATCH;
	switch (lit.kind) {
	case TL_SQL_LIT_INTEGER:
	case TL_SQL_LIT_BOOLEAN:
		rc = sqlite3_bind_int64(st, i, lit.i);
		break;
	case TL_SQL_LIT_NUMBER:
		rc = sqlite3_bind_double(st, i, lit.d);
		break;
	case TL_SQL_LIT_NULL:
		rc = sqlite3_bind_null(st, i);
		break;
	case TL_SQL_LIT_TIMESTAMP:
		if (tl_time_parse(lit.text, strlen(lit.text), &ms) == 0) {
			tl_sqlval_ts_text(ms, ts);
			rc = sqlite3_bind_text(st, i, ts, -1, SQLITE_TRANSIENT);
			break;
		}
		/* fall through */
	default:
		rc = sqlite3_bind_text(st, i, lit.text, -1, SQLITE_TRANSIENT);
		break;
	}
	tl_sql_literal_free(&lit);
	return rc;
}

static char *denied_error(const struct tl_localsql *q)
{
	return xasprintf("%s is not allowed: the local engine reads the lake and nothing else "
			 "(SELECT, WITH, VALUES, EXPLAIN)",
			 q->denied[0] ? q->denied : "a statement that writes");
}

/* A value as Athena prints it, by the column's format (tl_dialect_out.formats). */
static const char *cell_text(sqlite3_stmt *st, int i, const char *fmt, struct tl_buf *b)
{
	int ty = sqlite3_column_type(st, i);
	if (ty == SQLITE_NULL)
		return NULL;
	char tmp[400];
	if (fmt && (ty == SQLITE_INTEGER || ty == SQLITE_FLOAT)) {
		switch (fmt[0]) {
		case 'b':
			return sqlite3_column_int64(st, i) ? "true" : "false";
		case 'd':
			tl_sqlval_double_text(sqlite3_column_double(st, i), tmp);
			break;
		case 'n':
			tl_sqlval_decimal_text(sqlite3_column_double(st, i), (int)strtol(fmt + 1, NULL, 10), tmp);
			break;
		case 'I':
		case 'M':
			tl_sqlval_interval_text(sqlite3_column_int64(st, i), fmt[0] == 'M', tmp);
			break;
		default:
			return (const char *)sqlite3_column_text(st, i);
		}
		tl_buf_reset(b);
		tl_buf_adds(b, tmp);
		return tl_buf_str(b);
	}
	return (const char *)sqlite3_column_text(st, i);
}

/* Rewrites sql (Athena's, or SQLite's own when raw) and prepares it under the authorizer.
 * *st and *tr are set on success (tr zeroed when raw); -1 with *err. */
static int prepare(struct tl_localsql *q, const char *sql, bool raw, const char *const *params,
		   size_t nparams, sqlite3_stmt **st, struct tl_dialect_out *tr, char **err)
{
	struct tl_dialect_catalog cat = { q->dtables, q->ndtables, q->database };
	*st = NULL;
	memset(tr, 0, sizeof *tr);
	if (!raw) {
		if (tl_dialect_translate(sql, &cat, params, nparams, tr, err) < 0)
			return -1;
		tl_debug("local engine: %s", tr->sql);
		sql = tr->sql;
	}
	const char *tail = NULL;
	q->denied[0] = '\0';
	int prc = sqlite3_prepare_v2(q->db, sql, -1, st, &tail);
	if (q->denied[0] || (prc == SQLITE_OK && *st && !sqlite3_stmt_readonly(*st))) {
		*err = denied_error(q);
	} else if (!raw && prc != SQLITE_OK && strstr(sqlite3_errmsg(q->db), "parser stack overflow")) {
		*err = xasprintf("the statement nests too deeply for the local engine (its SQLite reads "
				 "about 30 levels of nested expressions, Athena more): split it, for "
				 "example with WITH");
	} else if (prc != SQLITE_OK || !*st) {
		/* the rewriting made SQL that SQLite refuses: a bug of ours, said as such */
		*err = raw ? xasprintf("%s", prc == SQLITE_OK ? "no statement" : sqlite3_errmsg(q->db))
			   : xasprintf("the local engine could not run its rewriting of this statement "
				       "(please report it with the SQL; -v shows the rewriting): %s",
				       sqlite3_errmsg(q->db));
	} else {
		return 0;
	}
	sqlite3_finalize(*st);
	*st = NULL;
	tl_dialect_out_free(tr);
	return -1;
}

int tl_localsql_prepare(struct tl_localsql *q, const char *sql, bool raw, char **err)
{
	sqlite3_stmt *st;
	struct tl_dialect_out tr;
	*err = NULL;
	if (prepare(q, sql, raw, NULL, 0, &st, &tr, err) < 0)
		return -1;
	sqlite3_finalize(st);
	tl_dialect_out_free(&tr);
	return 0;
}

int tl_localsql_exec(struct tl_localsql *q, const char *sql, const char *const *params,
		     size_t nparams, const struct tl_sql_sink *sink, char **err)
{
	*err = NULL;
	struct tl_dialect_out tr;
	sqlite3_stmt *st;
	if (prepare(q, sql, false, params, nparams, &st, &tr, err) < 0)
		return -1;
	if ((size_t)tr.nparams != nparams) {
		*err = xasprintf("the statement has %d parameters, %zu values given", tr.nparams,
				 nparams);
		sqlite3_finalize(st);
		tl_dialect_out_free(&tr);
		return -1;
	}
	for (size_t i = 0; i < nparams; i++) {
		char *why = NULL;
		if (bind_param(st, (int)i + 1, params[i], &why) != SQLITE_OK) {
			*err = xasprintf("parameter %zu: %s", i + 1, why ? why : sqlite3_errmsg(q->db));
			free(why);
			sqlite3_finalize(st);
			tl_dialect_out_free(&tr);
			return -1;
		}
	}
	tl_sqlfn_begin(q->fn, tl_now_ms());
	int ncol = sqlite3_column_count(st);
	bool typed = tr.ncols == (size_t)ncol && ncol > 0;
	const char **names = xcalloc((size_t)ncol + 1, sizeof *names);
	const char **types = xcalloc((size_t)ncol + 1, sizeof *types);
	const char **vals = xcalloc((size_t)ncol + 1, sizeof *vals);
	struct tl_buf *cells = xcalloc((size_t)ncol + 1, sizeof *cells);
	for (int i = 0; i < ncol; i++)
		tl_buf_init(&cells[i], 0);
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto sqlerr;
	for (int i = 0; i < ncol; i++) {
		names[i] = typed ? tr.names[i] : sqlite3_column_name(st, i);
		types[i] = typed ? tr.types[i] : result_type(st, i, rc == SQLITE_ROW);
	}
	if (ncol > 0 && sink->columns && sink->columns(sink->ctx, (size_t)ncol, names, types)) {
		ret = 1;
		goto done;
	}
	while (rc == SQLITE_ROW) {
		for (int i = 0; i < ncol; i++)
			vals[i] = cell_text(st, i, typed ? tr.formats[i] : NULL, &cells[i]);
		if (sink->row && sink->row(sink->ctx, (size_t)ncol, vals)) {
			ret = 1;
			goto done;
		}
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	goto done;
sqlerr:
	if (rc == SQLITE_INTERRUPT && tl_sig_caught()) {
		ret = 2;
		goto done;
	}
	*err = q->denied[0] ? denied_error(q) : xasprintf("%s", sqlite3_errmsg(q->db));
	ret = -1;
done:
	sqlite3_finalize(st);
	for (int i = 0; i < ncol; i++)
		tl_buf_release(&cells[i]);
	free(cells);
	free(names);
	free(types);
	free(vals);
	tl_dialect_out_free(&tr);
	return ret;
}
