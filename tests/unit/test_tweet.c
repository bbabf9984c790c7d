/* Unit tests for lib/tl_tweet: the tokenizer, the expansion merger, the recent-id set. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_tweet.h"
#include "tl_tweetsim.h"
#include "tl_xstream.h"

#include <stdlib.h>

static int parses(const char *s)
{
	struct tl_jdoc d = { 0 };
	int r = tl_jdoc_parse(&d, s, strlen(s), NULL, NULL);
	tl_jdoc_free(&d);
	return r == 0;
}

static void test_tokenizer_accepts_and_refuses(void)
{
	static const char *good[] = {
		"{}", "[]", "0", "-0.5e+10", "\"\"", "true", " null ", "{\"a\":[1,{\"b\":\"\\u00e9\\n\"}]}",
		"\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "[ 1 , 2 ]", "{\"a\" : {} }",
	};
	static const char *bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\\x\"", "\"a",
		"\"\x01\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "[1] x", "{a:1}", "\"\\u12\"", "[}",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		if (!parses(good[i]))
			printf("#   refused good: %s\n", good[i]);
		T_CHECK(parses(good[i]));
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (parses(bad[i]))
			printf("#   accepted bad: %s\n", bad[i]);
		T_CHECK(!parses(bad[i]));
	}
	/* depth limit */
	char deep[600];
	memset(deep, '[', 300);
	memset(deep + 300, ']', 300);
	struct tl_jdoc d = { 0 };
	T_CHECK(tl_jdoc_parse(&d, deep, 600, NULL, NULL) < 0);
	T_CHECK(tl_jdoc_parse(&d, deep + 100, 400, NULL, NULL) == 0);
	tl_jdoc_free(&d);
}

static void test_compact_and_lookup(void)
{
	const char *s = " { \"a\" : [ 1 , \"x y\" , { } ] , \"id\" : 123456789012345678901 , \"s\":\"7\" } ";
	struct tl_jdoc d = { 0 };
	T_EQ_INT(tl_jdoc_parse(&d, s, strlen(s), NULL, NULL), 0);
	struct tl_buf b = TL_BUF_INIT;
	T_EQ_INT(tl_jdoc_add_compact(&d, 0, &b), 0);
	T_EQ_STR(tl_buf_str(&b), "{\"a\":[1,\"x y\",{}],\"id\":123456789012345678901,\"s\":\"7\"}");
	const char *p;
	size_t n;
	T_CHECK(tl_jdoc_idtext(&d, tl_jdoc_get(&d, 0, "id"), &p, &n));
	T_CHECK(n == 21 && memcmp(p, "123456789012345678901", 21) == 0);
	T_CHECK(tl_jdoc_idtext(&d, tl_jdoc_get(&d, 0, "s"), &p, &n) && n == 1 && *p == '7');
	T_CHECK(tl_jdoc_get(&d, 0, "nope") < 0);
	long a = tl_jdoc_get(&d, 0, "a");
	T_CHECK(a > 0 && tl_jdoc_at(&d, (size_t)a, 2) > 0 && tl_jdoc_at(&d, (size_t)a, 3) < 0);
	tl_buf_release(&b);
	const char *e = "\"a\\\"b\\u00e9\\ud83d\\ude00\\n\"";
	T_EQ_INT(tl_jdoc_parse(&d, e, strlen(e), NULL, NULL), 0);
	char *v = tl_jdoc_strdup(&d, 0);
	T_EQ_STR(v, "a\"b\xc3\xa9\xf0\x9f\x98\x80\n");
	free(v);
	tl_jdoc_free(&d);
}

static const char *merge_line(struct tl_tweet *t, const char *line, struct tl_buf *b)
{
	tl_buf_reset(b);
	tl_tweet_parse(t, line, strlen(line));
	if (tl_tweet_merge(t, b) < 0)
		return "(merge failed)";
	return tl_buf_str(b);
}

static void test_merge_small(void)
{
	struct tl_tweet t = { 0 };
	struct tl_buf b = TL_BUF_INIT;
	const char *line =
		"{\"data\": {\"id\": \"20\", \"text\": \"hi\", \"author_id\": \"1\", \"in_reply_to_user_id\": \"2\","
		" \"attachments\": {\"media_keys\": [\"3_9\", \"3_404\"]}, \"geo\": {\"place_id\": \"p1\"},"
		" \"referenced_tweets\": [{\"type\": \"quoted\", \"id\": \"10\"}, {\"type\": \"replied_to\", \"id\": \"11\"}]},"
		" \"includes\": {\"users\": [{\"id\": \"1\", \"username\": \"a\"}, {\"id\": \"2\", \"username\": \"b\"}],"
		" \"tweets\": [{\"id\": \"10\", \"text\": \"q\", \"author_id\": \"2\"}],"
		" \"media\": [{\"media_key\": \"3_9\", \"type\": \"photo\"}],"
		" \"places\": [{\"id\": \"p1\", \"full_name\": \"X\"}]},"
		" \"matching_rules\": [{\"id\": 1377649934414049281, \"tag\": null}, {\"id\": \"5\"}],"
		" \"__twarc\": {\"retrieved_at\": \"2021-04-01T15:52:42+00:00\"}}\r";
	T_EQ_STR(merge_line(&t, line, &b),
		 "{\"id\":\"20\",\"text\":\"hi\",\"author_id\":\"1\",\"in_reply_to_user_id\":\"2\","
		 "\"attachments\":{\"media_keys\":[\"3_9\",\"3_404\"],\"media\":[{\"media_key\":\"3_9\",\"type\":\"photo\"}]},"
		 "\"geo\":{\"place_id\":\"p1\",\"place\":{\"id\":\"p1\",\"full_name\":\"X\"}},"
		 "\"referenced_tweets\":[{\"type\":\"quoted\",\"id\":\"10\",\"text\":\"q\",\"author_id\":\"2\","
		 "\"author\":{\"id\":\"2\",\"username\":\"b\"}},{\"type\":\"replied_to\",\"id\":\"11\"}],"
		 "\"author\":{\"id\":\"1\",\"username\":\"a\"},\"in_reply_to_user\":{\"id\":\"2\",\"username\":\"b\"},"
		 "\"matching_rules\":[{\"id\":\"1377649934414049281\",\"tag\":null},{\"id\":\"5\"}]}");
	T_EQ_INT(t.kind, TL_TWEET_DATA);
	T_CHECK(t.id_len == 2 && memcmp(t.id, "20", 2) == 0);
	T_EQ_INT(tl_tweet_time(&t), 1617292362000LL);

	/* no includes at all: data as it is; empty attachments stay valid */
	T_EQ_STR(merge_line(&t, "{\"data\":{\"id\":\"1\",\"attachments\":{}},\"includes\":{\"media\":[]}}", &b),
		 "{\"id\":\"1\",\"attachments\":{}}");
	T_EQ_STR(merge_line(&t, "{\"data\":{},\"includes\":{\"media\":[]}}", &b), "{}");

	/* operational disconnect, matched on the title */
	const char *od = "{\"errors\":[{\"title\":\"operational-disconnect\",\"detail\":\"bye \\\"now\\\"\"}]}";
	tl_tweet_parse(&t, od, strlen(od));
	T_EQ_INT(t.kind, TL_TWEET_ERRORS);
	T_CHECK(t.disconnect);
	char *txt = tl_tweet_errors_text(&t);
	T_EQ_STR(txt, "operational-disconnect: bye \"now\"");
	free(txt);
	tl_tweet_parse(&t, "{\"errors\":[{\"title\":\"other\"}]}", 30);
	T_CHECK(t.kind == TL_TWEET_ERRORS && !t.disconnect);

	/* a flat (already merged or v1.1) tweet */
	T_EQ_STR(merge_line(&t, "{ \"id\": 5, \"id_str\": \"5\", \"text\": \"x\" }", &b), "{\"id\":5,\"id_str\":\"5\",\"text\":\"x\"}");
	T_EQ_INT(t.kind, TL_TWEET_FLAT);
	T_CHECK(t.id_len == 1 && t.id[0] == '5');

	T_EQ_INT(tl_tweet_parse(&t, "  \r", 3), TL_TWEET_KEEPALIVE);
	T_EQ_INT(tl_tweet_parse(&t, "{\"data\":{\"id\":", 14), TL_TWEET_BAD);
	T_EQ_INT(tl_tweet_parse(&t, "[1]", 3), TL_TWEET_OTHER);
	tl_tweet_free(&t);
	tl_buf_release(&b);
}

/* Every tweet line of the real capture merges to valid JSON carrying its expansions. */
static void test_merge_capture(void)
{
	char *path = t_data_path("tweets/v2_stream_twarc-csv_streaming_output.jsonl");
	size_t len;
	char *text = path ? tl_read_file(path, 1 << 24, &len) : NULL;
	free(path);
	T_CHECK(text != NULL);
	if (!text)
		return;
	struct tl_tweet t = { 0 };
	struct tl_buf b = TL_BUF_INIT;
	int tweets = 0, errors = 0;
	for (char *p = text, *nl; p < text + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		int kind = tl_tweet_parse(&t, p, (size_t)(nl - p));
		if (kind == TL_TWEET_ERRORS) {
			errors++;
			T_CHECK(t.disconnect);
			continue;
		}
		T_EQ_INT(kind, TL_TWEET_DATA);
		tweets++;
		tl_buf_reset(&b);
		T_EQ_INT(tl_tweet_merge(&t, &b), 0);
		cJSON *in = tl_json_parse(p, (size_t)(nl - p), NULL);
		cJSON *out = tl_json_parse(b.data, b.len, NULL);
		T_CHECK(in && out);
		if (!in || !out)
			break;
		T_EQ_STR(tl_json_get_str(out, "id"), tl_json_get_str(in, "data.id"));
		T_EQ_STR(tl_json_get_str(out, "author.id"), tl_json_get_str(in, "data.author_id"));
		T_EQ_STR(tl_json_get_str(out, "matching_rules.0.id"), "1377649934414049282");
		T_CHECK(cJSON_IsNull(tl_json_get(out, "matching_rules.0.tag")));
		T_CHECK(tl_json_get(out, "__twarc") == NULL);
		T_EQ_STR(tl_json_get_str(out, "geo.place.id"), tl_json_get_str(in, "data.geo.place_id"));
		if (tl_json_get(in, "data.referenced_tweets")) {
			T_CHECK(tl_json_get_str(out, "referenced_tweets.0.text") != NULL);
			T_CHECK(tl_json_get_str(out, "referenced_tweets.0.author.username") != NULL);
		}
		if (tl_json_get(in, "data.attachments.media_keys"))
			T_EQ_STR(tl_json_get_str(out, "attachments.media.0.media_key"),
				 tl_json_get_str(in, "data.attachments.media_keys.0"));
		/* the merged text is compact: no ": " outside strings, so re-printing keeps length */
		char *re = tl_json_print(out);
		cJSON *back = tl_json_parse(re, strlen(re), NULL);
		T_CHECK(cJSON_Compare(back, out, 1));
		cJSON_Delete(back);
		free(re);
		cJSON_Delete(in);
		cJSON_Delete(out);
	}
	T_EQ_INT(tweets, 8);
	T_EQ_INT(errors, 1);
	tl_tweet_free(&t);
	tl_buf_release(&b);
	free(text);
}

static void test_idset(void)
{
	struct tl_idset s;
	tl_idset_init(&s, 16);
	T_CHECK(tl_idset_add(&s, "1377650529766154240", 19));
	T_CHECK(!tl_idset_add(&s, "1377650529766154240", 19));
	T_CHECK(tl_idset_add(&s, "1377650529766154241", 19));
	T_CHECK(tl_idset_add(&s, "abc", 3));
	T_CHECK(!tl_idset_add(&s, "abc", 3));
	T_CHECK(tl_idset_add(&s, "99999999999999999999", 20));
	/* fill past capacity: the oldest are forgotten, the newest kept */
	char id[32];
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(id, sizeof id, "%d", 100000 + i);
		T_CHECK(tl_idset_add(&s, id, (size_t)n));
	}
	T_CHECK(!tl_idset_has(&s, "1377650529766154240", 19));
	for (int i = 1000 - 16; i < 1000; i++) {
		int n = snprintf(id, sizeof id, "%d", 100000 + i);
		T_CHECK(tl_idset_has(&s, id, (size_t)n));
	}
	T_CHECK(!tl_idset_has(&s, "100983", 6));
	T_EQ_INT(s.n, 16);
	tl_idset_free(&s);
}

/* X's schedule: network +250 ms to 16 s; HTTP 5 s doubling to 320 s; 429 60 s doubling or reset. */
static void test_backoff(void)
{
	struct tl_backoff b;
	tl_backoff_reset(&b);
	int64_t now = 1700000000000LL;
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_NET, -1, now), 250);
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_NET, -1, now), 500);
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_NET, -1, now), 750);
	for (int i = 0; i < 100; i++)
		tl_backoff_next(&b, TL_BACKOFF_NET, -1, now);
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_NET, -1, now), 16000);
	static const int64_t http[] = { 5000, 10000, 20000, 40000, 80000, 160000, 320000, 320000, 320000 };
	for (size_t i = 0; i < sizeof http / sizeof *http; i++)
		T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_HTTP, -1, now), http[i]);
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_RATE, -1, now), 60000);
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_RATE, -1, now), 120000);
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_RATE, now + 7000, now), 7000);   /* the reset wins */
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_RATE, now - 1000, now), 480000); /* a past reset: schedule */
	for (int i = 0; i < 100; i++)
		tl_backoff_next(&b, TL_BACKOFF_RATE, -1, now);
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_RATE, -1, now), 960000);
	tl_backoff_reset(&b);
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_HTTP, -1, now), 5000);
	T_EQ_INT(tl_backoff_next(&b, TL_BACKOFF_NET, -1, now), 250);
}

/* Same seed, same clock: the same lines; every line a DATA line whose merge is valid JSON. */
static void test_simulator(void)
{
	struct tl_tweetsim *a = tl_tweetsim_new(99), *b = tl_tweetsim_new(99), *c = tl_tweetsim_new(100);
	struct tl_buf la = TL_BUF_INIT, lb = TL_BUF_INIT, lc = TL_BUF_INIT, m = TL_BUF_INIT;
	struct tl_tweet t = { 0 };
	int64_t now = 1795000000000LL;
	int differ = 0;
	for (int i = 0; i < 500; i++) {
		tl_buf_reset(&la);
		tl_buf_reset(&lb);
		tl_buf_reset(&lc);
		T_EQ_INT(tl_tweetsim_next(a, now + i, &la), 0);
		tl_tweetsim_next(b, now + i, &lb);
		tl_tweetsim_next(c, now + i, &lc);
		T_CHECK(la.len == lb.len && memcmp(la.data, lb.data, la.len) == 0);
		differ += la.len != lc.len || memcmp(la.data, lc.data, la.len) != 0;
		T_EQ_INT(tl_tweet_parse(&t, la.data, la.len), TL_TWEET_DATA);
		tl_buf_reset(&m);
		T_EQ_INT(tl_tweet_merge(&t, &m), 0);
		const char *why;
		size_t pos;
		T_EQ_INT(tl_json_validate(m.data, m.len, &why, &pos), 0);
		T_CHECK(tl_tweet_time(&t) <= now + i && tl_tweet_time(&t) > now + i - 3000);
	}
	T_CHECK(differ > 490);
	tl_tweetsim_free(a);
	tl_tweetsim_free(b);
	tl_tweetsim_free(c);
	tl_tweet_free(&t);
	tl_buf_release(&la);
	tl_buf_release(&lb);
	tl_buf_release(&lc);
	tl_buf_release(&m);
}

int main(void)
{
	TEST(test_tokenizer_accepts_and_refuses);
	TEST(test_compact_and_lookup);
	TEST(test_merge_small);
	TEST(test_merge_capture);
	TEST(test_idset);
	TEST(test_backoff);
	TEST(test_simulator);
	return t_done();
}
