/* Unit tests for tl_lakeread: locations, names, partition folders, tables of a listing, and the
 * walker (sorted, hidden names, symbolic link loops and links out of the lake, stop signals). */
#include "t.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_lake.h"
#include "tl_lakeread.h"
#include "tl_log.h"
#include "tl_sig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;

static void mk(const char *rel, const char *content)
{
	char *p = xasprintf("%s/%s", tmp, rel);
	for (char *s = strchr(p + strlen(tmp) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	if (content) {
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			if (write(fd, content, strlen(content)) < 0)
				T_CHECK(0);
			close(fd);
		}
	} else {
		mkdir(p, 0755);
	}
	free(p);
}

static void ln(const char *target, const char *rel)
{
	char *p = xasprintf("%s/%s", tmp, rel);
	T_CHECK(symlink(target, p) == 0);
	free(p);
}

static void test_loc(void)
{
	struct tl_lake_loc l;
	char *err = NULL;
	T_CHECK(tl_lake_loc_parse("s3://my-lake/raw/tweets/", &l, &err) == 0);
	T_CHECK(l.s3);
	T_EQ_STR(l.bucket, "my-lake");
	T_EQ_STR(l.prefix, "raw/tweets");
	tl_lake_loc_free(&l);
	T_CHECK(tl_lake_loc_parse("s3://my-lake", &l, &err) == 0);
	T_EQ_STR(l.prefix, "");
	tl_lake_loc_free(&l);
	T_CHECK(tl_lake_loc_parse("file:///data/lake//", &l, &err) == 0);
	T_CHECK(!l.s3);
	T_EQ_STR(l.dir, "/data/lake");
	tl_lake_loc_free(&l);
	T_CHECK(tl_lake_loc_parse("lake/", &l, &err) == 0);
	T_EQ_STR(l.dir, "lake");
	tl_lake_loc_free(&l);
	T_CHECK(tl_lake_loc_parse("/", &l, &err) == 0);
	T_EQ_STR(l.dir, "/");
	tl_lake_loc_free(&l);
	static const char *const bad[] = { "", "file://lake", "http://x/y", "s3://A_B/x", "s3://" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err = NULL;
		T_CHECK(tl_lake_loc_parse(bad[i], &l, &err) == -1);
		T_CHECK(err != NULL);
		free(err);
	}
}

static void test_names(void)
{
	T_CHECK(tl_lake_hidden("_SUCCESS") && tl_lake_hidden(".spool") && !tl_lake_hidden("a_b"));
	T_CHECK(tl_lake_rel_hidden("dt=1/_tmp/x.json") && tl_lake_rel_hidden(".x"));
	T_CHECK(!tl_lake_rel_hidden("dt=1/hour=2/t+0+00.json.gz"));
	T_EQ_INT(tl_lake_kv_key("dt=2026", 7), 2);
	T_EQ_INT(tl_lake_kv_key("=x", 2), 0);
	T_EQ_INT(tl_lake_kv_key("plain", 5), 0);
	T_EQ_INT(tl_lake_kv_key("k=", 2), 1);
	char *v = tl_lake_value_unescape("x%2Fy%3Dz%25", 12);
	T_EQ_STR(v, "x/y=z%");
	free(v);
	char *c = tl_lake_key_column("Src-Name=x", 8);
	T_EQ_STR(c, "src_name");
	free(c);
}

/* What the write side escapes, the read side gives back. */
static void test_escape_round_trip(void)
{
	static const char *const vals[] = { "x/y", "a=b:c", "100%", "q?#*[]^{}\\'\"", "tab\there",
					    "ünï", "plain" };
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		struct tl_buf b = TL_BUF_INIT;
		tl_lake_escape_value(&b, vals[i], strlen(vals[i]));
		tl_buf_adds(&b, "");
		T_CHECK(!strchr(b.data, '/') && !strchr(b.data, '='));
		char *back = tl_lake_value_unescape(b.data, b.len);
		T_EQ_STR(back, vals[i]);
		free(back);
		tl_buf_release(&b);
	}
}

static void test_topic_len(void)
{
	T_EQ_INT(tl_lake_topic_len("tweets/dt=1/hour=2/x.gz"), 6);
	T_EQ_INT(tl_lake_topic_len("tweets/x.gz"), 0);
	T_EQ_INT(tl_lake_topic_len("dt=1/hour=2/x.gz"), 0);
	T_EQ_INT(tl_lake_topic_len("tweets/2026/x.gz"), 0);
	T_EQ_INT(tl_lake_topic_len("x.gz"), 0);
}

static void listing_of(struct tl_lake_listing *l, const char *const *rels, size_t n)
{
	memset(l, 0, sizeof *l);
	l->v = xcalloc(n + 1, sizeof *l->v);
	for (size_t i = 0; i < n; i++)
		l->v[i].rel = xstrdup(rels[i]);
	l->n = l->cap = n;
}

static void test_tables(void)
{
	struct tl_lake_listing l;
	struct tl_lake_split *sp;
	static const char *const topics[] = { "trends/dt=1/lang=ar/a.json", "trends/dt=2/lang=en/b.json",
					      "tweets/dt=1/hour=03/c.json.gz", "tweets/x.json" };
	listing_of(&l, topics, 4);
	size_t n = tl_lake_tables(&l, &sp);
	T_EQ_INT(n, 2);
	T_EQ_STR(sp[0].topic, "trends");
	T_EQ_INT(sp[0].from, 0);
	T_EQ_INT(sp[0].to, 2);
	T_EQ_STR(sp[1].topic, "tweets");
	T_EQ_INT(sp[1].to, 4);
	tl_lake_splits_free(sp, n);
	tl_lake_listing_free(&l);
	/* plain folders below a table are partitions (partition_0...), not topics */
	static const char *const plain[] = { "2026/11/a.json", "2026/12/b.json", "odd/c.json" };
	listing_of(&l, plain, 3);
	n = tl_lake_tables(&l, &sp);
	T_EQ_INT(n, 1);
	T_EQ_STR(sp[0].topic, "");
	T_EQ_INT(sp[0].to, 3);
	tl_lake_splits_free(sp, n);
	tl_lake_listing_free(&l);
	/* an object at the root makes the root the table */
	static const char *const mixed[] = { "a.json", "tweets/dt=1/b.json" };
	listing_of(&l, mixed, 2);
	n = tl_lake_tables(&l, &sp);
	T_EQ_INT(n, 1);
	tl_lake_splits_free(sp, n);
	tl_lake_listing_free(&l);
}

static void test_place(void)
{
	struct tl_lake_table t;
	int p = 9;
	tl_lake_table_init(&t);
	T_CHECK(tl_lake_table_place(&t, "dt=2026-11-25/Src=x%2Fy/a.json", &p) == 0);
	T_EQ_INT(p, 0);
	T_CHECK(t.hive);
	T_EQ_INT(t.nkeys, 2);
	T_EQ_STR(t.keys[1], "src");
	T_EQ_STR(t.parts[0].values[1], "x/y");
	T_EQ_STR(t.parts[0].dir, "dt=2026-11-25/Src=x%2Fy");
	T_CHECK(tl_lake_table_place(&t, "dt=2026-11-25/Src=x%2Fy/b.json", &p) == 0);
	T_EQ_INT(p, 0);
	T_CHECK(tl_lake_table_place(&t, "dt=2026-11-26/src=z/c.json", &p) == 0);
	T_EQ_INT(p, 1);
	T_CHECK(tl_lake_table_place(&t, "dt=2026-11-26/d.json", &p) == -1);
	T_CHECK(tl_lake_table_place(&t, "dt=2026-11-26/other=1/d.json", &p) == -1);
	T_EQ_INT(t.skipped, 2);
	tl_lake_table_release(&t);
	tl_lake_table_init(&t);
	T_CHECK(tl_lake_table_place(&t, "x.json", &p) == 0);
	T_EQ_INT(p, -1);
	T_EQ_INT(t.nkeys, 0);
	tl_lake_table_release(&t);
}

static void setup_tree(void)
{
	mk("lake/t/dt=2/b.json", "{\"b\":1}\n");
	mk("lake/t/dt=1/a.json", "{\"a\":1}\n");
	mk("lake/t/dt=1/_SUCCESS", "");
	mk("lake/t/.spool/x.json", "{}\n");
	mk("lake/other/dt=9/o.json", "{\"o\":1}\n");
	mk("outside/secret.json", "{\"secret\":1}\n");
	mk("outside/dir/s.json", "{\"s\":1}\n");
	ln(".", "lake/t/dt=1/x");                   /* loops */
	ln(".", "lake/t/dt=1/y");
	ln("..", "lake/t/dt=2/up");
	char *out = xasprintf("%s/outside/secret.json", tmp);
	ln(out, "lake/t/dt=2/secret.json");          /* out of the lake, absolute */
	free(out);
	ln("../../../outside/dir", "lake/t/dt=2/od"); /* out of the lake, relative */
	ln("../other/dt=9", "lake/t/dt=3");          /* a folder inside the lake */
	ln("a.json", "lake/t/dt=1/same.json");        /* a file inside */
}

static void test_walk_links(void)
{
	struct tl_lake_listing l = { 0 };
	char *t = xasprintf("%s/lake/t", tmp), *root = xasprintf("%s/lake", tmp);
	T_CHECK(tl_lake_list_dir(t, root, &l) == 0);
	T_EQ_INT(l.n, 4);
	if (l.n == 4) {
		T_EQ_STR(l.v[0].rel, "dt=1/a.json");
		T_EQ_STR(l.v[1].rel, "dt=1/same.json");
		T_EQ_STR(l.v[2].rel, "dt=2/b.json");
		T_EQ_STR(l.v[3].rel, "dt=3/o.json");
		T_EQ_INT(l.v[0].size, 8);
	}
	T_EQ_INT(l.hidden, 2);
	T_EQ_INT(l.links_out, 2);
	T_EQ_INT(l.loops, 3);
	T_EQ_INT(l.errors, 0);
	T_EQ_INT(tl_lake_listing_skipped(&l, ""), 4);
	T_CHECK(!l.interrupted);
	tl_lake_listing_free(&l);
	/* with the table as the root, the link into the other table leaves it too */
	memset(&l, 0, sizeof l);
	T_CHECK(tl_lake_list_dir(t, NULL, &l) == 0);
	T_EQ_INT(l.n, 3);
	T_EQ_INT(l.links_out, 3);
	tl_lake_listing_free(&l);
	free(t);
	free(root);
}

static int stop_after_first(void *ctx, const char *path, const char *rel, int64_t size)
{
	(void)path;
	(void)rel;
	(void)size;
	(*(int *)ctx)++;
	tl_sig_raise_flag(SIGINT);
	return 0;
}

static void test_walk_signal(void)
{
	int seen = 0;
	char *root = xasprintf("%s/lake", tmp);
	struct tl_lake_walk w = { .object = stop_after_first, .ctx = &seen };
	T_CHECK(tl_lake_walk(&w, root) == -1);
	T_CHECK(w.interrupted);
	T_EQ_INT(seen, 1);
	tl_sig_clear();
	seen = 0;
	tl_sig_raise_flag(SIGTERM);
	struct tl_lake_walk w2 = { .object = stop_after_first, .ctx = &seen };
	T_CHECK(tl_lake_walk(&w2, root) == -1);
	T_CHECK(w2.interrupted);
	T_EQ_INT(seen, 0);
	tl_sig_clear();
	free(root);
}

static void test_walk_missing(void)
{
	struct tl_lake_listing l = { 0 };
	char *p = xasprintf("%s/nope", tmp);
	T_CHECK(tl_lake_list_dir(p, NULL, &l) == -1);
	T_EQ_INT(l.n, 0);
	free(p);
}

int main(void)
{
	char tmpl[] = "/tmp/test_lakeread.XXXXXX";
	alarm(120); /* a listing or walk that never ends fails the test instead of hanging it */
	tmp = mkdtemp(tmpl);
	if (!tmp)
		return 1;
	tl_log_set_level(TL_LOG_ERROR);
	TEST(test_loc);
	TEST(test_names);
	TEST(test_escape_round_trip);
	TEST(test_topic_len);
	TEST(test_tables);
	TEST(test_place);
	setup_tree();
	TEST(test_walk_links);
	TEST(test_walk_signal);
	TEST(test_walk_missing);
	char *rm = xasprintf("rm -rf '%s'", tmp);
	if (system(rm) != 0)
		t_ok(0, "cleanup");
	free(rm);
	return t_done();
}
