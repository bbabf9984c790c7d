/* Unit tests for the parts of tw-trends in lib/: term extraction (tl_terms), the sketches
 * (tl_hh), the statistics (tl_stat), the engine (tl_trends) and the burst specs (tl_tweetsim). */
#include "t.h"
#include "tl_buf.h"
#include "tl_hh.h"
#include "tl_stat.h"
#include "tl_terms.h"
#include "tl_trends.h"
#include "tl_tweet.h"
#include "tl_tweetsim.h"

#include <math.h>
#include <stdint.h>

static struct tl_terms *X;

/* The terms of text as "kind:term|kind:term|..." */
static const char *terms_of(const char *text, const char *lang)
{
	static char out[4096];
	tl_terms_reset(X);
	tl_terms_add_text(X, text, strlen(text), lang, lang ? strlen(lang) : 0, true);
	size_t n = 0;
	out[0] = 0;
	for (size_t i = 0; i < X->n && n < sizeof out - 200; i++)
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%s:%.*s", i ? "|" : "", tl_term_kind_name(X->v[i].kind),
				      X->v[i].len, X->text + X->v[i].off);
	return out;
}

static void test_terms_tags_mentions_links(void)
{
	T_EQ_STR(terms_of("RT @ElonMusk: the #WorldCup is on! $TSLA $btc.x https://www.BBC.co.uk/news x", "en"),
		 "mention:@elonmusk|hashtag:#worldcup|cashtag:$tsla|cashtag:$btc.x|domain:bbc.co.uk");
	/* twitter-text: no hashtag after a word character or "&", none of digits only; no mention
	 * inside an address or longer than 15; links to X itself are not domains */
	T_EQ_STR(terms_of("a#b c&#d #123 #a1 mail@example.com https://t.co/x https://pic.twitter.com/y", "en"),
		 "hashtag:#a1|word:mail|word:example");
	T_EQ_STR(terms_of("＃ＡＩ #Straße @a_b_c_d_e_f_g_h_i", "en"), "hashtag:#ai|hashtag:#strasse|word:a_b_c_d_e_f_g_h_i");
	/* "&amp;" is X's escape, not a word */
	T_EQ_STR(terms_of("rock &amp; roll", "en"), "word:rock|word:roll");
}

static void test_terms_words_phrases_scripts(void)
{
	T_EQ_STR(terms_of("New York City can't wait", "en"),
		 "word:new|word:york|phrase:new york|word:city|phrase:york city|word:wait");
	/* a stop word or punctuation ends a phrase; numbers and one-letter words are not words */
	T_EQ_STR(terms_of("cup of tea. Green 2024 x tea", "en"), "word:cup|word:tea|word:green");
	/* a script without spaces: ICU's dictionary cuts words; kana particles go */
	T_EQ_STR(terms_of("本当にありがとう", "ja"), "word:本当に|word:ありがとう|phrase:本当にありがとう");
	T_EQ_STR(terms_of("我们今天去北京", "zh"), "word:北京");
	T_EQ_STR(terms_of("วันนี้มากดี", "th"), "word:วัน|word:มาก|word:ดี|phrase:มากดี");
	/* each term once per text; the kind is part of the identity */
	T_EQ_STR(terms_of("ai ai #ai #AI", "en"), "word:ai|phrase:ai ai|hashtag:#ai");
	/* invalid UTF-8 is punctuation, never a crash */
	T_EQ_STR(terms_of("good\xff\xfe" "day", "en"), "word:good|word:day");
}

static void test_terms_of_tweets(void)
{
	static const char *v2 = "{\"data\":{\"id\":\"1\",\"text\":\"short https://t.co/a\",\"lang\":\"en\","
				"\"note_tweet\":{\"text\":\"the long #NoteTweet text\"},\"entities\":{\"urls\":[{\"url\":"
				"\"https://t.co/a\",\"expanded_url\":\"https://news.example.org/x\"}]}}}";
	static const char *v11 = "{\"id\":1,\"text\":\"cut…\",\"truncated\":true,\"lang\":\"en\",\"extended_tweet\":"
				 "{\"full_text\":\"the full #Extended text\",\"entities\":{\"urls\":[]}}}";
	struct tl_tweet t = { 0 };
	T_EQ_INT(tl_tweet_parse(&t, v2, strlen(v2)), TL_TWEET_DATA);
	tl_terms_tweet(X, &t.doc, (size_t)t.data);
	T_EQ_INT(X->n, 4); /* long, #notetweet, text: the note's text, not the cut one; the domain */
	T_CHECK(X->n == 4 && X->v[1].kind == TL_TERM_HASHTAG && X->v[3].kind == TL_TERM_DOMAIN &&
		memcmp(X->text + X->v[3].off, "news.example.org", 16) == 0);
	T_EQ_INT(tl_tweet_parse(&t, v11, strlen(v11)), TL_TWEET_FLAT);
	tl_terms_tweet(X, &t.doc, (size_t)t.data);
	T_CHECK(X->n >= 1 && X->v[1].kind == TL_TERM_HASHTAG && memcmp(X->text + X->v[1].off, "#extended", 9) == 0);
	tl_tweet_free(&t);
	T_EQ_INT(tl_term_kinds_parse("hashtags,word", NULL), (1 << TL_TERM_HASHTAG) | (1 << TL_TERM_WORD));
	T_EQ_INT(tl_term_kinds_parse("all", NULL), TL_TERM_ALL);
	T_EQ_INT(tl_term_kinds_parse("hashtag,emoji", NULL), -1);
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void test_count_min_never_under(void)
{
	struct tl_cms c;
	tl_cms_init(&c, 1024, 4);
	static double exact[5000];
	uint64_t r = 1;
	for (int i = 0; i < 200000; i++) {
		r = mix(r + (uint64_t)i);
		int k = (int)(r % 5000) / (1 + (int)(r % 7)); /* skewed */
		double w[TL_CMS_LANES] = { 1, 0.5 };
		tl_cms_add(&c, mix((uint64_t)k + 99), w);
		exact[k] += 1;
	}
	int over = 0;
	for (int k = 0; k < 5000; k++) {
		double e = tl_cms_get(&c, mix((uint64_t)k + 99), 0);
		T_CHECK(e >= exact[k] - 1e-3);
		T_CHECK(fabs(tl_cms_get(&c, mix((uint64_t)k + 99), 1) - 0.5 * tl_cms_get(&c, mix((uint64_t)k + 99), 0)) <
			0.5 * e + 1);
		over += e - exact[k] > tl_cms_epsilon(&c) * c.total[0];
	}
	/* the bound holds for all but a share e^-depth of the keys */
	T_CHECK(over < 5000 * 0.02 + 5);
	tl_cms_free(&c);
}

static void test_space_saving(void)
{
	struct tl_ss s;
	tl_ss_init(&s, 8);
	char key[16];
	/* three heavy keys among a long tail: they stay, the tail churns */
	for (int i = 0; i < 20000; i++) {
		int k = i % 4 == 0 ? 1000 + i : i % 4; /* keys 1, 2, 3 each a quarter, the rest unique */
		int n = snprintf(key, sizeof key, "k%d", k);
		uint64_t h = mix((uint64_t)k);
		long slot = tl_ss_find(&s, h, key, (size_t)n);
		if (slot >= 0)
			tl_ss_add(&s, (size_t)slot, 1);
		else
			tl_ss_insert(&s, h, key, (size_t)n, tl_ss_min(&s) + 1, tl_ss_min(&s), NULL, NULL);
	}
	for (int k = 1; k <= 3; k++) {
		int n = snprintf(key, sizeof key, "k%d", k);
		long slot = tl_ss_find(&s, mix((uint64_t)k), key, (size_t)n);
		T_CHECK(slot >= 0);
		if (slot >= 0)
			T_CHECK(tl_ss_count(&s, (size_t)slot) >= 5000);
	}
	/* the heap's minimum is the smallest count of the keys not pinned */
	tl_ss_pin(&s, 0, true);
	double min = INFINITY;
	for (size_t i = 0; i < s.n; i++)
		if (!tl_ss_pinned(&s, i) && tl_ss_count(&s, i) < min)
			min = tl_ss_count(&s, i);
	T_CHECK(tl_ss_min(&s) == min);
	tl_ss_pin(&s, 0, false);
	T_CHECK(!tl_ss_pinned(&s, 0));
	tl_ss_free(&s);
}

static void test_poisson_and_holt(void)
{
	/* log10 P(X >= k), X ~ Poisson(lambda), against values computed by summing the pmf */
	T_CHECK(fabs(tl_poisson_sf_log10(10, 1) - -6.953015) < 1e-5);
	T_CHECK(fabs(tl_poisson_sf_log10(20, 5) - -6.461912) < 1e-5);
	T_CHECK(fabs(tl_poisson_sf_log10(1000, 900) - -3.259714) < 1e-5);
	T_CHECK(tl_poisson_sf_log10(1, 5) > -0.01 && tl_poisson_sf_log10(0, 5) == 0);
	T_CHECK(tl_poisson_sf_log10(2000, 10) < -300); /* far in the tail, still finite */
	T_CHECK(isinf(tl_poisson_sf_log10(3, 0)));
	/* Holt with beta 1 and no damping follows a line exactly; a flat series forecasts flat */
	struct tl_holt h;
	tl_holt_init(&h, 1, 1, 1);
	for (int i = 0; i < 10; i++)
		tl_holt_update(&h, 3 + 2 * i);
	T_CHECK(fabs(tl_holt_forecast(&h, 5) - (3 + 2 * 14)) < 1e-9);
	tl_holt_init(&h, 0.5, 0.05, 0.98);
	for (int i = 0; i < 100; i++)
		tl_holt_update(&h, 7);
	T_CHECK(fabs(tl_holt_forecast(&h, 60) - 7) < 1e-9);
}

static int collect(void *ctx, const char *line, size_t n)
{
	struct tl_buf *b = ctx;
	tl_buf_add(b, line, n);
	tl_buf_addc(b, '\n');
	return 0;
}

/* Feeds 20 minutes at 20 tweets a second, "#flat" in a tenth of them, "#burst" in a third of
 * those from minute 12 to 14; returns the engine's lines in out. With save_at, the engine is
 * saved and a new one loaded at that tweet. */
static void feed(struct tl_buf *out, long save_at)
{
	struct tl_trends_opts o;
	tl_trends_opts_default(&o);
	struct tl_trends *tr = tl_trends_new(&o, collect, out);
	int64_t t0 = 1780000000000;
	for (long i = 0; i < 20 * 60 * 20; i++) {
		if (i == save_at) {
			struct tl_buf st = TL_BUF_INIT;
			T_CHECK(tl_trends_save(tr, &st) == 0);
			tl_trends_free(tr);
			tr = tl_trends_new(&o, collect, out);
			const char *note;
			char *err;
			T_CHECK(tl_trends_load(tr, st.data, st.len, &note, &err) == 0 && note == NULL);
			tl_buf_release(&st);
		}
		int64_t t = t0 + i * 50;
		char text[128];
		bool burst = t - t0 >= 12 * 60000 && t - t0 < 14 * 60000 && i % 3 == 0;
		snprintf(text, sizeof text, "word%ld other%ld %s %s", i % 50, i % 7, i % 10 == 0 ? "#flat" : "",
			 burst ? "#burst" : "");
		tl_terms_reset(X);
		tl_terms_add_text(X, text, strlen(text), "en", 2, false);
		T_CHECK(tl_trends_add(tr, t, X, "en", 2, NAN, 0) == TL_TRENDS_ON_TIME);
	}
	T_CHECK(tl_trends_finish(tr) == 0);
	tl_trends_free(tr);
}

static void test_engine_finds_the_burst_only(void)
{
	struct tl_buf out = TL_BUF_INIT;
	feed(&out, -1);
	const char *s = strstr(out.data, "\"event\":\"trend-start\"");
	T_CHECK(s && strstr(s, "\"term\":\"#burst\"") && strstr(s, "\"time\":\"2026-05-28T20:38:"));
	/* once, and nothing else starts */
	T_CHECK(s && !strstr(s + 1, "\"event\":\"trend-start\""));
	T_CHECK(strstr(out.data, "\"event\":\"trend-end\",\"time\"") != NULL);
	/* a save and a load half way give the same lines as one run */
	struct tl_buf again = TL_BUF_INIT;
	feed(&again, 12345);
	T_CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
	tl_buf_release(&out);
	tl_buf_release(&again);
}

static void test_state_refuses_garbage(void)
{
	struct tl_trends_opts o;
	tl_trends_opts_default(&o);
	struct tl_buf out = TL_BUF_INIT;
	struct tl_trends *tr = tl_trends_new(&o, collect, &out);
	static const char *bad[] = { "", "{}", "not json\n", "{\"tw_trends_state\":2}\n",
				     "{\"tw_trends_state\":1,\"step_ms\":1000}\n" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *note;
		char *err = NULL;
		T_CHECK(tl_trends_load(tr, bad[i], strlen(bad[i]), &note, &err) == -1 && err);
		free(err);
	}
	tl_trends_free(tr);
	tl_buf_release(&out);
}

static void test_burst_specs(void)
{
	struct tl_tweetsim_burst b;
	const char *why;
	T_CHECK(tl_tweetsim_burst_parse("#WorldCup@10+5*2%", &b, &why) == 0 && strcmp(b.tag, "WorldCup") == 0 &&
		b.start_ms == 600000 && b.len_ms == 300000 && fabs(b.share - 0.02) < 1e-12);
	T_CHECK(tl_tweetsim_burst_parse("Eclipse@90s+1h*0.5", &b, &why) == 0 && b.start_ms == 90000 &&
		b.len_ms == 3600000 && b.share == 0.5);
	static const char *bad[] = { "x", "@1+2*0.1", "a b@1+2*0.1", "x@1+0*0.1", "x@1+2*0", "x@1+2*1.5", "x@-1+2*0.1",
				     "x@1+2", "x@1*2+3", "tag@1+2*50%%" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		T_CHECK(tl_tweetsim_burst_parse(bad[i], &b, &why) == -1);
}

int main(void)
{
	X = tl_terms_new(TL_TERM_ALL);
	if (!X)
		return t_ok(0, "ICU data for the term extractor");
	TEST(test_terms_tags_mentions_links);
	TEST(test_terms_words_phrases_scripts);
	TEST(test_terms_of_tweets);
	TEST(test_count_min_never_under);
	TEST(test_space_saving);
	TEST(test_poisson_and_holt);
	TEST(test_engine_finds_the_burst_only);
	TEST(test_state_refuses_garbage);
	TEST(test_burst_specs);
	tl_terms_free(X);
	return t_done();
}
