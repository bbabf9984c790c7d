/* tl_lakeread.c: the read side of the lake (see tl_lakeread.h). */
#include "tl_lakeread.h"

#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_log.h"
#include "tl_s3.h"
#include "tl_schema.h"
#include "tl_sig.h"
#include "tl_str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- where a lake is ---------------------------------------------------------------------- */

int tl_lake_loc_parse(const char *s, struct tl_lake_loc *loc, char **err)
{
	memset(loc, 0, sizeof *loc);
	if (!s || !*s) {
		*err = xstrdup("an empty lake location");
		return -1;
	}
	if (strncmp(s, "s3://", 5) == 0) {
		struct tl_s3_url u;
		if (tl_s3_url_parse(s, &u, err) < 0)
			return -1;
		loc->s3 = true;
		loc->bucket = u.bucket;
		loc->prefix = u.prefix;
		return 0;
	}
	const char *p = s;
	if (strncmp(s, "file://", 7) == 0) {
		p = s + 7;
		if (*p != '/') {
			*err = xasprintf("%s: a file:// URL needs an absolute path (file:///dir)", s);
			return -1;
		}
	} else if (strstr(s, "://")) {
		*err = xasprintf("%s: expected s3://bucket/prefix, file:///dir or a folder", s);
		return -1;
	}
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	loc->dir = xstrndup(p, n);
	return 0;
}

void tl_lake_loc_free(struct tl_lake_loc *loc)
{
	free(loc->bucket);
	free(loc->prefix);
	free(loc->dir);
	memset(loc, 0, sizeof *loc);
}

/* ---- names -------------------------------------------------------------------------------- */

bool tl_lake_hidden(const char *name)
{
	return name[0] == '_' || name[0] == '.';
}

bool tl_lake_rel_hidden(const char *rel)
{
	for (const char *s = rel; s; s = strchr(s, '/')) {
		if (*s == '/')
			s++;
		if (tl_lake_hidden(s))
			return true;
	}
	return false;
}

size_t tl_lake_kv_key(const char *seg, size_t n)
{
	const char *eq = memchr(seg, '=', n);
	return eq && eq > seg ? (size_t)(eq - seg) : 0;
}

char *tl_lake_key_column(const char *seg, size_t keylen)
{
	return tl_schema_col_name(seg, keylen);
}

char *tl_lake_value_unescape(const char *v, size_t n)
{
	char *out = xmalloc(n + 1);
	out[tl_pct_decode(v, n, out)] = '\0';
	return out;
}

/* ---- walking ------------------------------------------------------------------------------ */

/* Folders already walked, by device and inode: an open-addressing set. */
struct dirset {
	struct dev_ino { dev_t dev; ino_t ino; } *v;
	size_t n, cap;
};

static size_t di_hash(dev_t dev, ino_t ino, size_t cap)
{
	uint64_t h = ((uint64_t)ino * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)dev * 0xC2B2AE3D27D4EB4Full);
	return (size_t)(h >> 17) & (cap - 1);
}

/* False when (dev, ino) was in the set already. */
static bool dirset_add(struct dirset *s, dev_t dev, ino_t ino)
{
	if ((s->n + 1) * 2 > s->cap) {
		struct dirset g = { xcalloc(s->cap ? s->cap * 2 : 64, sizeof *g.v), 0,
				    s->cap ? s->cap * 2 : 64 };
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i].ino || s->v[i].dev)
				dirset_add(&g, s->v[i].dev, s->v[i].ino);
		free(s->v);
		*s = g;
	}
	size_t i = di_hash(dev, ino, s->cap);
	while (s->v[i].ino || s->v[i].dev) {
		if (s->v[i].dev == dev && s->v[i].ino == ino)
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->v[i].dev = dev;
	s->v[i].ino = ino;
	s->n++;
	return true;
}

struct walker {
	struct tl_lake_walk *w;
	char *root;        /* realpath of the root */
	size_t rootlen;
	struct dirset seen;
	struct tl_buf path, rel;
	bool warned_out, warned_loop;
};

struct dent {
	char *name;
	struct stat st;
	bool link;
};

static int dent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

static bool under_root(const struct walker *k, const char *real)
{
	if (strcmp(k->root, "/") == 0)
		return true;
	return strncmp(real, k->root, k->rootlen) == 0 &&
	       (real[k->rootlen] == '/' || real[k->rootlen] == '\0');
}

static void skipped(struct walker *k, const char *name, enum tl_lake_skip why)
{
	if (!k->w->skip)
		return;
	size_t rl = k->rel.len;
	if (name) {
		if (rl)
			tl_buf_addc(&k->rel, '/');
		tl_buf_adds(&k->rel, name);
	}
	k->w->skip(k->w->ctx, tl_buf_str(&k->rel), why);
	tl_buf_truncate(&k->rel, rl);
}

/* A symbolic link: true with *st its target's when it may be followed. */
static bool follow_link(struct walker *k, const char *path, struct stat *st)
{
	struct tl_lake_walk *w = k->w;
	char *real = realpath(path, NULL);
	if (!real) {
		tl_warn("%s: %s", path, strerror(errno));
		w->errors++;
		return false;
	}
	bool in = under_root(k, real);
	if (!in) {
		w->links_out++;
		skipped(k, NULL, TL_LAKE_LINK_OUT);
		if (!k->warned_out)
			tl_warn("%s: a symbolic link out of the lake (to %s); links that leave %s are "
				"not followed", path, real, k->root);
		else
			tl_debug("%s: a symbolic link out of the lake (to %s); not followed", path, real);
		k->warned_out = true;
	} else if (stat(real, st) < 0) {
		tl_warn("%s: %s", path, strerror(errno));
		w->errors++;
		in = false;
	}
	free(real);
	return in;
}

/* Reads the names of the folder at k->path with their (lstat) status, sorted. */
static struct dent *read_dir(struct walker *k, size_t *n)
{
	struct tl_lake_walk *w = k->w;
	const char *dir = k->path.len ? k->path.data : "/";
	DIR *d = opendir(dir);
	*n = 0;
	if (!d) {
		tl_warn("%s: %s", dir, strerror(errno));
		w->errors++;
		return NULL;
	}
	int fd = dirfd(d);
	struct dent *v = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *nm = e->d_name;
		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			continue;
		if (tl_lake_hidden(nm)) {
			w->hidden++;
			skipped(k, nm, TL_LAKE_HIDDEN);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		struct dent *de = &v[*n];
		if (fstatat(fd, nm, &de->st, AT_SYMLINK_NOFOLLOW) < 0) {
			tl_warn("%s/%s: %s", tl_buf_str(&k->path), nm, strerror(errno));
			w->errors++;
			continue;
		}
		de->name = xstrdup(nm);
		de->link = S_ISLNK(de->st.st_mode);
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof *v, dent_cmp);
	return v;
}

static int walk_dir(struct walker *k, size_t depth)
{
	struct tl_lake_walk *w = k->w;
	size_t n;
	struct dent *v = read_dir(k, &n);
	size_t plen = k->path.len, rlen = k->rel.len;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct dent *de = &v[i];
		if (rc == 0 && tl_sig_caught()) {
			w->interrupted = true;
			rc = -1;
		}
		if (rc != 0)
			goto next;
		tl_buf_addc(&k->path, '/');
		tl_buf_adds(&k->path, de->name);
		if (rlen)
			tl_buf_addc(&k->rel, '/');
		tl_buf_adds(&k->rel, de->name);
		if (de->link && !follow_link(k, k->path.data, &de->st))
			goto next;
		if (S_ISDIR(de->st.st_mode)) {
			if (!dirset_add(&k->seen, de->st.st_dev, de->st.st_ino)) {
				w->loops++;
				skipped(k, NULL, TL_LAKE_LOOP);
				if (!k->warned_loop)
					tl_warn("%s: a link to a folder walked already (a loop); not "
						"walked again", k->path.data);
				k->warned_loop = true;
			} else if (!w->dir || w->dir(w->ctx, depth, de->name) >= 0) {
				rc = walk_dir(k, depth + 1);
				if (w->dir_end)
					w->dir_end(w->ctx, depth);
			}
		} else if (S_ISREG(de->st.st_mode) && w->object) {
			if (w->object(w->ctx, k->path.data, k->rel.data, (int64_t)de->st.st_size) != 0)
				rc = -1;
		}
	next:
		tl_buf_truncate(&k->path, plen);
		tl_buf_truncate(&k->rel, rlen);
		free(de->name);
	}
	free(v);
	return rc;
}

int tl_lake_walk(struct tl_lake_walk *w, const char *top)
{
	struct walker k;
	struct stat st;
	memset(&k, 0, sizeof k);
	k.w = w;
	w->interrupted = false;
	const char *rootname = w->root ? w->root : top;
	k.root = realpath(rootname, NULL);
	if (!k.root) {
		tl_err("%s: %s", rootname, strerror(errno));
		return -1;
	}
	int serr = stat(top, &st) < 0 ? errno : 0;
	if (serr || !S_ISDIR(st.st_mode)) {
		tl_err("%s: %s", top, serr ? strerror(serr) : "not a folder");
		free(k.root);
		return -1;
	}
	k.rootlen = strlen(k.root);
	tl_buf_init(&k.path, 0);
	tl_buf_init(&k.rel, 0);
	size_t tn = strlen(top);
	while (tn > 1 && top[tn - 1] == '/')
		tn--;
	tl_buf_add(&k.path, top, tn);
	tl_buf_adds(&k.rel, "");
	if (strcmp(k.path.data, "/") == 0)
		tl_buf_truncate(&k.path, 0);
	dirset_add(&k.seen, st.st_dev, st.st_ino);
	int rc = tl_sig_caught() ? (w->interrupted = true, -1) : walk_dir(&k, 0);
	tl_buf_release(&k.path);
	tl_buf_release(&k.rel);
	free(k.seen.v);
	free(k.root);
	return rc;
}

/* ---- listings ----------------------------------------------------------------------------- */

static void listing_add(struct tl_lake_listing *l, const char *rel, int64_t size)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n].rel = xstrdup(rel);
	l->v[l->n].size = size;
	l->n++;
}

static int list_object(void *ctx, const char *path, const char *rel, int64_t size)
{
	(void)path;
	listing_add(ctx, rel, size);
	return 0;
}

static void listing_skip(struct tl_lake_listing *l, const char *rel)
{
	if (l->nskipped == l->askipped) {
		l->askipped = l->askipped ? l->askipped * 2 : 16;
		l->skipped = xrealloc(l->skipped, l->askipped * sizeof *l->skipped);
	}
	l->skipped[l->nskipped].rel = xstrdup(rel);
	l->skipped[l->nskipped].size = 0;
	l->nskipped++;
}

static void list_skip(void *ctx, const char *rel, enum tl_lake_skip why)
{
	if (why != TL_LAKE_LOOP)
		listing_skip(ctx, rel);
}

int tl_lake_list_dir(const char *dir, const char *root, struct tl_lake_listing *l)
{
	struct tl_lake_walk w = { .root = root, .object = list_object, .skip = list_skip, .ctx = l };
	int rc = tl_lake_walk(&w, dir);
	l->hidden += w.hidden;
	l->links_out += w.links_out;
	l->loops += w.loops;
	l->errors += w.errors;
	l->interrupted = w.interrupted;
	return rc;
}

struct s3_list_ctx {
	struct tl_lake_listing *l;
	size_t plen;
};

static int s3_object(const struct tl_s3_object *o, void *ctx)
{
	struct s3_list_ctx *c = ctx;
	if (tl_sig_caught()) {
		c->l->interrupted = true;
		return 1;
	}
	if (o->is_prefix || strlen(o->key) < c->plen)
		return 0;
	const char *rel = o->key + c->plen;
	if (!*rel || rel[strlen(rel) - 1] == '/')
		return 0;
	if (tl_lake_rel_hidden(rel)) {
		c->l->hidden++;
		listing_skip(c->l, rel);
		return 0;
	}
	listing_add(c->l, rel, o->size);
	return 0;
}

int tl_lake_list_s3(struct tl_s3 *s3, const char *bucket, const char *prefix,
		    struct tl_lake_listing *l, struct tl_aws_error *err)
{
	char *p = prefix && *prefix ? xasprintf("%s/", prefix) : xstrdup("");
	struct s3_list_ctx c = { l, strlen(p) };
	int rc = tl_s3_list(s3, bucket, p, NULL, s3_object, &c, err);
	free(p);
	return rc;
}

void tl_lake_listing_free(struct tl_lake_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].rel);
	free(l->v);
	for (size_t i = 0; i < l->nskipped; i++)
		free(l->skipped[i].rel);
	free(l->skipped);
	memset(l, 0, sizeof *l);
}

size_t tl_lake_listing_skipped(const struct tl_lake_listing *l, const char *topic)
{
	size_t tn = strlen(topic), n = 0;
	for (size_t i = 0; i < l->nskipped; i++)
		n += !tn || (strncmp(l->skipped[i].rel, topic, tn) == 0 && l->skipped[i].rel[tn] == '/');
	return n;
}

/* ---- tables ------------------------------------------------------------------------------- */

size_t tl_lake_topic_len(const char *rel)
{
	const char *slash = strchr(rel, '/');
	if (!slash || slash == rel || tl_lake_kv_key(rel, (size_t)(slash - rel)))
		return 0;
	const char *p = slash + 1, *s;
	bool any = false;
	while ((s = strchr(p, '/'))) {
		if (!tl_lake_kv_key(p, (size_t)(s - p)))
			return 0;
		any = true;
		p = s + 1;
	}
	return any ? (size_t)(slash - rel) : 0;
}

size_t tl_lake_tables(const struct tl_lake_listing *l, struct tl_lake_split **out)
{
	bool topics = false;
	for (size_t i = 0; i < l->n; i++) {
		const char *rel = l->v[i].rel;
		const char *slash = strchr(rel, '/');
		if (!slash || tl_lake_kv_key(rel, (size_t)(slash - rel))) {
			topics = false;
			break;
		}
		if (tl_lake_topic_len(rel))
			topics = true;
	}
	if (!topics) {
		*out = xcalloc(1, sizeof **out);
		(*out)[0].topic = xstrdup("");
		(*out)[0].to = l->n;
		return 1;
	}
	struct tl_lake_split *v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < l->n;) {
		const char *rel = l->v[i].rel;
		size_t tn = (size_t)(strchr(rel, '/') - rel);
		size_t j = i + 1;
		while (j < l->n && strncmp(l->v[j].rel, rel, tn) == 0 && l->v[j].rel[tn] == '/')
			j++;
		v = xrealloc(v, (n + 1) * sizeof *v);
		v[n].topic = xstrndup(rel, tn);
		v[n].from = i;
		v[n].to = j;
		n++;
		i = j;
	}
	*out = v;
	return n;
}

void tl_lake_splits_free(struct tl_lake_split *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].topic);
	free(s);
}

void tl_lake_table_init(struct tl_lake_table *t)
{
	memset(t, 0, sizeof *t);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void tl_lake_table_release(struct tl_lake_table *t)
{
	for (size_t i = 0; i < t->nparts; i++) {
		free_strv(t->parts[i].values, t->nkeys);
		free(t->parts[i].dir);
	}
	free(t->parts);
	free_strv(t->keys, t->nkeys);
	memset(t, 0, sizeof *t);
}

/* The folders of a relative key (the last segment, the object's name, is not one). */
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

static int find_part(const struct tl_lake_table *t, const char *dir, size_t dl)
{
	/* objects of a folder come one after another: look at the last partition first */
	for (size_t i = t->nparts; i-- > 0;)
		if (strlen(t->parts[i].dir) == dl && memcmp(t->parts[i].dir, dir, dl) == 0)
			return (int)i;
	return -1;
}

static char *key_col(const char *seg)
{
	return tl_lake_key_column(seg, tl_lake_kv_key(seg, strlen(seg)));
}

int tl_lake_table_place(struct tl_lake_table *t, const char *rel, int *part)
{
	char **dirs;
	size_t nd = split_dirs(rel, &dirs);
	bool hive = nd > 0;
	for (size_t k = 0; k < nd; k++)
		if (!tl_lake_kv_key(dirs[k], strlen(dirs[k])))
			hive = false;
	if (!t->layout_known) {
		t->layout_known = true;
		t->hive = hive;
		t->nkeys = nd;
		t->keys = xcalloc(nd + 1, sizeof(char *));
		for (size_t k = 0; k < nd; k++)
			t->keys[k] = hive ? key_col(dirs[k]) : xasprintf("partition_%zu", k);
	}
	bool fits = nd == t->nkeys && hive == t->hive;
	for (size_t k = 0; fits && hive && k < nd; k++) {
		char *key = key_col(dirs[k]);
		fits = strcmp(key, t->keys[k]) == 0;
		free(key);
	}
	if (!fits) {
		tl_warn("skipping %s: its folders do not follow the layout %s%s", rel,
			t->nkeys ? t->keys[0] : "(no partitions)", t->nkeys > 1 ? "/..." : "");
		t->skipped++;
		free_strv(dirs, nd);
		return -1;
	}
	*part = -1;
	if (nd) {
		size_t dl = (size_t)(strrchr(rel, '/') - rel);
		int p = find_part(t, rel, dl);
		if (p < 0) {
			t->parts = xrealloc(t->parts, (t->nparts + 1) * sizeof *t->parts);
			struct tl_lake_part *pt = &t->parts[t->nparts];
			pt->dir = xstrndup(rel, dl);
			pt->values = xcalloc(nd + 1, sizeof(char *));
			for (size_t k = 0; k < nd; k++) {
				size_t kl = tl_lake_kv_key(dirs[k], strlen(dirs[k]));
				pt->values[k] = hive ? tl_lake_value_unescape(dirs[k] + kl + 1,
									       strlen(dirs[k]) - kl - 1)
						     : xstrdup(dirs[k]);
			}
			p = (int)t->nparts++;
		}
		*part = p;
	}
	free_strv(dirs, nd);
	return 0;
}
