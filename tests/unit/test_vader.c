/* Unit tests of lib/tl_vader: each rule of the model on a sentence of its own, with the scores
 * the authors' Python VADER gives (tests/peers/vaderSentiment, run once to write this table),
 * the README's published examples, the JSON form, a lexicon of one's own, and the size cap. */
#include "t.h"
#include "tl_buf.h"
#include "tl_vader.h"

#include <errno.h>

struct rule_case {
	const char *rule, *text, *want; /* compound pos neu neg, as %.4f %.3f %.3f %.3f */
};

static const struct rule_case CASES[] = {
	{ "lexicon word", "The book was good.", "0.4404 0.492 0.508 0.000" },
	{ "booster", "The book was very good.", "0.4927 0.444 0.556 0.000" },
	{ "dampener 2 words before", "The book was kind of good.", "0.3832 0.343 0.657 0.000" },
	{ "booster in caps", "The book was VERY good.", "0.6028 0.495 0.505 0.000" },
	{ "all caps emphasis", "The book was GOOD.", "0.5622 0.548 0.452 0.000" },
	{ "everything in caps: no emphasis", "THE BOOK WAS GOOD.", "0.4404 0.492 0.508 0.000" },
	{ "negation", "The book was not good.", "-0.3412 0.000 0.624 0.376" },
	{ "contraction n't", "The book wasn't good.", "-0.3412 0.000 0.555 0.445" },
	{ "negation 3 words back", "Not that the book was good.", "0.4404 0.367 0.633 0.000" },
	{ "never so", "The book was never so good.", "0.6626 0.470 0.530 0.000" },
	{ "without doubt", "Without a doubt, an excellent idea.", "0.7013 0.592 0.408 0.000" },
	{ "no before lexicon word", "no good", "-0.3412 0.000 0.294 0.706" },
	{ "no alone", "no", "-0.2960 0.000 0.000 1.000" },
	{ "no x or y", "no money or fame", "-0.5583 0.000 0.303 0.697" },
	{ "least", "the least good book", "-0.3412 0.000 0.555 0.445" },
	{ "at least", "at least good", "0.4404 0.592 0.408 0.000" },
	{ "but shift", "The food is great, but the service is horrible.", "-0.4939 0.178 0.490 0.332" },
	{ "exclamations (capped at 4)", "Great!!!!!!", "0.7405 1.000 0.000 0.000" },
	{ "questions 2", "Great??", "0.6662 1.000 0.000 0.000" },
	{ "questions 4+", "Great????", "0.7236 1.000 0.000 0.000" },
	{ "emoticon kept by punctuation rule", "Today :) and :(", "0.0258 0.380 0.253 0.367" },
	{ "hashtag stripped", "#happy", "0.5719 1.000 0.000 0.000" },
	{ "idiom the bomb", "Wow this party is the bomb", "0.5106 0.512 0.236 0.252" },
	{ "idiom kiss of death", "It was the kiss of death for them", "-0.6124 0.000 0.545 0.455" },
	{ "kind of as dampener phrase", "it was kind of okay I guess really", "0.1548 0.187 0.813 0.000" },
	{ "emoji described", "I feel \xf0\x9f\x98\x81""", "0.4588 0.333 0.667 0.000" },
	{ "emoji glued to a word", "yes\xf0\x9f\x98\x81""abc", "0.6908 0.588 0.412 0.000" },
	{ "empty", "", "0.0000 0.000 0.000 0.000" },
	{ "only spaces", "  \t ", "0.0000 0.000 0.000 0.000" },
	{ "non-ASCII caps", "\xc3\x89""T\xc3\x89"" GOOD day", "0.5622 0.645 0.355 0.000" },
	{ "unicode space split", "good\xe3\x80\x80""bad", "-0.1531 0.453 0.000 0.547" },
};

static struct tl_vader *v;

static char *scores(const char *text, size_t n)
{
	static char s[128];
	struct tl_vader_scores sc;
	if (tl_vader_score(v, text, n, &sc) != 0)
		return NULL;
	snprintf(s, sizeof s, "%.4f %.3f %.3f %.3f", sc.compound, sc.pos, sc.neu, sc.neg);
	return s;
}

static void test_rules(void)
{
	for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
		const char *got = scores(CASES[i].text, strlen(CASES[i].text));
		if (!got || strcmp(got, CASES[i].want) != 0) {
			t_cur_fail = 1;
			printf("#   %s: \"%s\": got %s, want %s\n", CASES[i].rule, CASES[i].text,
			       got ? got : "(error)", CASES[i].want);
		}
	}
}

static void test_json(void)
{
	struct tl_buf b = TL_BUF_INIT;
	struct tl_vader_scores sc = { -0.00001, 1.0, 0.0, 0.0 };
	T_CHECK(tl_vader_scores_json(&sc, &b) == 0);
	T_EQ_STR(b.data, "{\"compound\":0.0,\"pos\":1.0,\"neu\":0.0,\"neg\":0.0}");
	tl_buf_reset(&b);
	sc = (struct tl_vader_scores){ -0.84385, 0.12345, 0.5, 0.3765 };
	T_CHECK(tl_vader_scores_json(&sc, &b) == 0);
	T_EQ_STR(b.data, "{\"compound\":-0.8438,\"pos\":0.123,\"neu\":0.5,\"neg\":0.377}");
	tl_buf_release(&b);
}

static void test_own_lexicon(void)
{
	struct tl_vader *w = tl_vader_new();
	const char *lex = "bueno\t2.0\n\nmalo\t-2.0\textra fields\nbueno\t3.0\n";
	T_CHECK(tl_vader_load(w, lex, strlen(lex), "test", 0) == 0);
	T_EQ_INT(tl_vader_lexicon_size(w, 0), 2);
	struct tl_vader_scores sc;
	T_CHECK(tl_vader_score(w, "muy bueno", 9, &sc) == 0);
	T_CHECK(sc.compound > 0.6); /* the later line wins: 3.0 / sqrt(9 + 15) */
	T_CHECK(tl_vader_score(w, "good", 4, &sc) == 0 && sc.compound == 0);
	T_CHECK(tl_vader_load(w, "bueno\n", 6, "test", 0) < 0);
	T_CHECK(tl_vader_load(w, "bueno\tmucho\n", 12, "test", 0) < 0);
	T_EQ_INT(tl_vader_lexicon_size(w, 0), 2); /* a failed load leaves the lexicon as it was */
	const char *emo = "\xf0\x9f\x98\x81\tgood\n\xf0\x9f\x87\xac\xf0\x9f\x87\xa7\tflag\n";
	T_CHECK(tl_vader_load(w, emo, strlen(emo), "test", 1) == 0);
	T_EQ_INT(tl_vader_lexicon_size(w, 1), 1); /* a sequence of code points never matches */
	tl_vader_free(w);
}

static void test_limits(void)
{
	size_t n = TL_VADER_TEXT_MAX + 1;
	char *big = malloc(n);
	memset(big, 'a', n);
	struct tl_vader_scores sc;
	errno = 0;
	T_CHECK(tl_vader_score(v, big, n, &sc) < 0 && errno == E2BIG);
	for (size_t i = 0; i + 1 < TL_VADER_TEXT_MAX; i += 2)
		big[i + 1] = ' ';
	T_CHECK(tl_vader_score(v, big, TL_VADER_TEXT_MAX, &sc) == 0 && sc.neu == 1.0);
	/* invalid UTF-8 and NUL bytes are characters like others */
	T_CHECK(scores("good \xff\xfe\x00 bad \xe2\x82", 14) != NULL);
	free(big);
}

static void test_readme(void)
{
	char *path = t_data_path("vader/readme_examples.tsv");
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0, differ = 0;
	T_CHECK(f != NULL);
	while (f && fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		double c, p, u, g;
		if (sscanf(tab + 1, "%lf\t%lf\t%lf\t%lf", &c, &p, &u, &g) != 4)
			continue;
		char want[128];
		snprintf(want, sizeof want, "%.4f %.3f %.3f %.3f", c, p, u, g);
		const char *got = scores(line, strlen(line));
		n++;
		if (!got || strcmp(got, want) != 0) {
			differ++;
			printf("#   README: \"%s\": %s, published %s\n", line, got ? got : "(error)", want);
		}
	}
	if (f)
		fclose(f);
	free(path);
	T_EQ_INT(n, 16);
	/* two published lines predate vaderSentiment 3.3 (tests/data/vader/SOURCES.md) */
	T_EQ_INT(differ, 2);
}

int main(void)
{
	v = tl_vader_new();
	TEST(test_rules);
	TEST(test_json);
	TEST(test_own_lexicon);
	TEST(test_limits);
	TEST(test_readme);
	tl_vader_free(v);
	return t_done();
}
