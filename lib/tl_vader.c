/* tl_vader.c: the VADER model (Hutto and Gilbert, ICWSM 2014).
 *
 * A text goes through four stages, each a function below:
 *   1. emoji_translate: every emoji of the emoji table becomes its description ("😁" ->
 *      "beaming face with smiling eyes"), as the reference does before anything else;
 *   2. tokenize: split at white space (Python's str.split set), strip ASCII punctuation from both
 *      ends of a word unless that leaves two characters or fewer (so ":)" and ":-(" survive);
 *      each word is looked up once, lowercased, in one hash table holding the lexicon and the
 *      rule words (boosters, negations, "but", "least", idiom words, ...);
 *   3. valences: the lexicon valence of each word adjusted by its three predecessors (boosters
 *      and dampeners, negation, "never so", "without doubt", idioms), ALL-CAPS emphasis,
 *      "least", then the "but" shift;
 *   4. summarize: "!" and "?" emphasis, the compound normalization x / sqrt(x^2 + 15), and the
 *      pos/neu/neg proportions.
 * The constants are the paper's empirically derived ones.
 */
#include "tl_vader.h"
#include "tl_alloc.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_str.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* The authors' data files, compiled in (lib/vader/embed.sh, generated at build time). */
extern const unsigned char tl_vader_lexicon_txt[];
extern const size_t tl_vader_lexicon_txt_len;
extern const unsigned char tl_vader_emoji_txt[];
extern const size_t tl_vader_emoji_txt_len;

/* Empirically derived intensity changes (the paper, section "Heuristics"). */
#define B_INCR 0.293     /* a booster word ("extremely") */
#define B_DECR (-0.293)  /* a dampener ("marginally") */
#define C_INCR 0.733     /* a word in ALL CAPS among words that are not */
#define N_SCALAR (-0.74) /* a negation within three words */
#define EP_INCR 0.292    /* each "!", up to four */
#define QM_INCR 0.18     /* each "?" when two or three */
#define QM_MAX 0.96      /* four "?" or more */
#define ALPHA 15.0       /* compound = x / sqrt(x^2 + ALPHA) */

/* Words the rules look at. */
enum {
	W_NONE = 0, W_NO, W_BUT, W_KIND, W_OF, W_LEAST, W_AT, W_VERY, W_NEVER, W_SO, W_THIS,
	W_WITHOUT, W_DOUBT, W_OR, W_NOR,
};
static const char *const RULE_WORDS[] = {
	[W_NO] = "no", [W_BUT] = "but", [W_KIND] = "kind", [W_OF] = "of", [W_LEAST] = "least",
	[W_AT] = "at", [W_VERY] = "very", [W_NEVER] = "never", [W_SO] = "so", [W_THIS] = "this",
	[W_WITHOUT] = "without", [W_DOUBT] = "doubt", [W_OR] = "or", [W_NOR] = "nor",
};

/* Negations (a word containing "n't" is one too). */
static const char *const NEGATIONS[] = {
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't",
	"can't", "couldn't", "daren't", "didn't", "doesn't", "dont", "hadnt", "hasnt", "havent",
	"isnt", "mightnt", "mustnt", "neither", "don't", "hadn't", "hasn't", "haven't", "isn't",
	"mightn't", "mustn't", "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing",
	"nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent", "oughtn't", "shan't",
	"shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont", "wouldnt", "won't", "wouldn't",
	"rarely", "seldom", "despite",
};

/* Degree adverbs: boosters raise the intensity of what follows, dampeners lower it. */
static const char *const BOOSTERS[] = {
	"absolutely", "amazingly", "awfully", "completely", "considerable", "considerably",
	"decidedly", "deeply", "effing", "enormous", "enormously", "entirely", "especially",
	"exceptional", "exceptionally", "extreme", "extremely", "fabulously", "flipping", "flippin",
	"frackin", "fracking", "fricking", "frickin", "frigging", "friggin", "fully", "fuckin",
	"fucking", "fuggin", "fugging", "greatly", "hella", "highly", "hugely", "incredible",
	"incredibly", "intensely", "major", "majorly", "more", "most", "particularly", "purely",
	"quite", "really", "remarkably", "so", "substantially", "thoroughly", "total", "totally",
	"tremendous", "tremendously", "uber", "unbelievably", "unusually", "utter", "utterly", "very",
};
static const char *const DAMPENERS[] = {
	"almost", "barely", "hardly", "kinda", "kindof", "kind-of", "less", "little", "marginal",
	"marginally", "occasional", "occasionally", "partly", "scarce", "scarcely", "slight",
	"slightly", "somewhat", "sorta", "sortof", "sort-of",
};

/* Phrases of two or three words: idioms that set the valence of a word they contain or follow
 * (first table), and two-word dampeners (second). The reference also lists "badass", a single
 * word its phrase matching can never reach; it is left out here to the same effect. */
struct phrase {
	const char *words;
	double value;
};
static const struct phrase IDIOMS[] = {
	{ "the shit", 3 }, { "the bomb", 3 }, { "bad ass", 1.5 }, { "bus stop", 0.0 },
	{ "yeah right", -2 }, { "kiss of death", -1.5 }, { "to die for", 3 },
	{ "beating heart", 3.1 }, { "broken heart", -2.9 },
};
static const struct phrase DAMPENER_PHRASES[] = {
	{ "just enough", B_DECR }, { "kind of", B_DECR }, { "sort of", B_DECR },
};
#define N_IDIOMS (sizeof IDIOMS / sizeof IDIOMS[0])
#define N_DPHRASES (sizeof DAMPENER_PHRASES / sizeof DAMPENER_PHRASES[0])

enum {
	WF_LEX = 1,   /* in the lexicon: valence holds its rating */
	WF_BOOST = 2, /* a booster or dampener: boost holds its increment */
	WF_NEG = 4,   /* a negation */
	TF_UPPER = 8, /* (tokens) ALL CAPS by Python's str.isupper() */
};

struct word {
	uint32_t off, len; /* the key in words_pool */
	uint32_t hash;
	uint8_t flags, id;
	double valence, boost;
};

struct phrase_ix {
	int32_t w[3]; /* word indices */
	int n;
	double value;
};

struct wtable {
	struct word *w;
	size_t n, cap;
	uint32_t *slot; /* word index + 1; 0 is empty */
	size_t mask;
	struct tl_buf pool;
	size_t nlex;
	struct phrase_ix idioms[N_IDIOMS], dphrases[N_DPHRASES];
};

struct emoji {
	uint32_t cp; /* 0: empty slot */
	uint32_t off, len;
};

struct etable {
	struct emoji *e;
	size_t mask, n;
	uint32_t min_cp;
	struct tl_buf pool;
};

struct tok {
	uint32_t off, len; /* in the translated text */
	int32_t word;      /* word index, -1 when not in the table */
	uint8_t flags, id;
	double valence, boost;
	double s;          /* its sentiment valence */
};

struct tl_vader {
	struct wtable words;
	struct etable emoji;
	struct tl_buf text;  /* the text with emoji translated */
	struct tl_buf lower; /* one lowercased word */
	struct tok *tok;
	size_t ntok, tokcap;
};

/* Unicode case for non-ASCII letters, from the C library's C.UTF-8 tables (the locale the
 * process runs in is not consulted: a score must not depend on LANG). Without them, only ASCII
 * letters have case. */
static locale_t utf8_locale(void)
{
	static locale_t loc;
	static int tried;
	if (!tried) {
		tried = 1;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
		if (!loc)
			tl_debug("no C.UTF-8 locale: only ASCII letters have case in sentiment scoring");
	}
	return loc;
}

/* ---- UTF-8 ---- */

/* Decodes one character at s[0..n) (n > 0): its code point, or -1 for an invalid byte (then
 * *len is 1). The sequence rules are tl_str's. */
static int32_t utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	size_t k = tl_utf8_seq(s, n);
	if (k == 0) {
		*len = 1;
		return -1;
	}
	*len = k;
	static const unsigned char mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
	uint32_t cp = s[0] & mask[k];
	for (size_t i = 1; i < k; i++)
		cp = (cp << 6) | (s[i] & 0x3F);
	return (int32_t)cp;
}

static int utf8_put(struct tl_buf *b, uint32_t cp)
{
	char u[4];
	return tl_buf_add(b, u, tl_utf8_put(u, cp));
}

/* Python's str.isspace() set, which str.split() splits at. */
static bool is_space_cp(int32_t c)
{
	if (c < 0x80)
		return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20);
	return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* string.punctuation: the ASCII punctuation stripped from word ends. */
static bool is_punct(unsigned char c)
{
	return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
	       (c >= 0x7B && c <= 0x7E);
}

static uint32_t hash_bytes(const char *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

/* ---- the word table ---- */

static void wtable_init(struct wtable *t, size_t expect)
{
	memset(t, 0, sizeof *t);
	size_t cap = 64;
	while (cap < expect * 2)
		cap <<= 1;
	t->slot = xcalloc(cap, sizeof *t->slot);
	t->mask = cap - 1;
	tl_buf_init(&t->pool, 0);
}

static void wtable_free(struct wtable *t)
{
	free(t->w);
	free(t->slot);
	tl_buf_release(&t->pool);
	memset(t, 0, sizeof *t);
}

static int32_t wtable_find(const struct wtable *t, const char *p, size_t n, uint32_t h)
{
	for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
		uint32_t s = t->slot[i];
		if (!s)
			return -1;
		const struct word *w = &t->w[s - 1];
		if (w->hash == h && w->len == n && memcmp(t->pool.data + w->off, p, n) == 0)
			return (int32_t)(s - 1);
	}
}

static void wtable_grow(struct wtable *t)
{
	size_t cap = (t->mask + 1) * 2;
	uint32_t *slot = xcalloc(cap, sizeof *slot);
	for (size_t k = 0; k < t->n; k++) {
		size_t i = t->w[k].hash & (cap - 1);
		while (slot[i])
			i = (i + 1) & (cap - 1);
		slot[i] = (uint32_t)k + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->mask = cap - 1;
}

/* The index of word p[0..n), added (with no flags) when new; -1 if the pool is full. */
static int32_t wtable_add(struct wtable *t, const char *p, size_t n)
{
	uint32_t h = hash_bytes(p, n);
	int32_t k = wtable_find(t, p, n, h);
	if (k >= 0)
		return k;
	if ((t->n + 1) * 2 > t->mask + 1)
		wtable_grow(t);
	if (t->n >= UINT32_MAX / 2 || t->pool.len + n >= UINT32_MAX)
		return -1;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->w = xrealloc(t->w, t->cap * sizeof *t->w);
	}
	struct word *w = &t->w[t->n];
	memset(w, 0, sizeof *w);
	w->off = (uint32_t)t->pool.len;
	w->len = (uint32_t)n;
	w->hash = h;
	if (n && tl_buf_add(&t->pool, p, n) < 0)
		return -1;
	size_t i = h & t->mask;
	while (t->slot[i])
		i = (i + 1) & t->mask;
	t->slot[i] = (uint32_t)t->n + 1;
	return (int32_t)t->n++;
}

/* The entry of a rule word, added when new (the table grows: take no pointer before). */
static struct word *wtable_rule_word(struct wtable *t, const char *s)
{
	int32_t k = wtable_add(t, s, strlen(s));
	if (k < 0)
		tl_die(1, "the VADER rule words do not fit");
	return &t->w[k];
}

/* Splits a phrase at its spaces into word indices (added to the table as needed). */
static void phrase_index(struct wtable *t, const struct phrase *ph, struct phrase_ix *ix)
{
	const char *s = ph->words;
	ix->n = 0;
	ix->value = ph->value;
	while (*s && ix->n < 3) {
		const char *e = strchr(s, ' ');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		ix->w[ix->n++] = wtable_add(t, s, n);
		s += n + (e != NULL);
	}
}

/* The rule words, boosters, negations and phrase words, before any lexicon line. */
static void wtable_add_rules(struct wtable *t)
{
	for (size_t i = 1; i < sizeof RULE_WORDS / sizeof RULE_WORDS[0]; i++)
		wtable_rule_word(t, RULE_WORDS[i])->id = (uint8_t)i;
	for (size_t i = 0; i < sizeof NEGATIONS / sizeof NEGATIONS[0]; i++)
		wtable_rule_word(t, NEGATIONS[i])->flags |= WF_NEG;
	for (size_t i = 0; i < sizeof BOOSTERS / sizeof BOOSTERS[0]; i++) {
		struct word *w = wtable_rule_word(t, BOOSTERS[i]);
		w->flags |= WF_BOOST;
		w->boost = B_INCR;
	}
	for (size_t i = 0; i < sizeof DAMPENERS / sizeof DAMPENERS[0]; i++) {
		struct word *w = wtable_rule_word(t, DAMPENERS[i]);
		w->flags |= WF_BOOST;
		w->boost = B_DECR;
	}
	for (size_t i = 0; i < N_IDIOMS; i++)
		phrase_index(t, &IDIOMS[i], &t->idioms[i]);
	for (size_t i = 0; i < N_DPHRASES; i++)
		phrase_index(t, &DAMPENER_PHRASES[i], &t->dphrases[i]);
}

/* One line of the file: its fields split at tabs after trimming white space, as the reference
 * reads them. Returns the number of fields found (up to 2). */
static int split_line(const char *s, size_t n, const char **f, size_t *fl)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	int k = 0;
	while (k < 2) {
		const char *tab = memchr(s, '\t', n);
		f[k] = s;
		fl[k] = tab ? (size_t)(tab - s) : n;
		k++;
		if (!tab)
			break;
		n -= (size_t)(tab - s) + 1;
		s = tab + 1;
	}
	return k;
}

static int load_words(struct wtable *t, const char *text, size_t len, const char *name)
{
	wtable_init(t, 8192);
	wtable_add_rules(t);
	size_t lineno = 0, nlex = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - (text + i)) : len - i;
		const char *line = text + i;
		i += ll + 1;
		lineno++;
		const char *f[2];
		size_t fl[2];
		int nf = split_line(line, ll, f, fl);
		if (nf == 1 && fl[0] == 0)
			continue;
		char num[64];
		double val;
		if (nf < 2 || fl[0] == 0 || fl[1] == 0 || fl[1] >= sizeof num) {
			tl_err("%s: line %zu: expected WORD<TAB>VALENCE", name, lineno);
			return -1;
		}
		memcpy(num, f[1], fl[1]);
		num[fl[1]] = 0;
		if (tl_parse_double(num, &val) < 0) {
			tl_err("%s: line %zu: not a valence: '%s'", name, lineno, num);
			return -1;
		}
		int32_t k = wtable_add(t, f[0], fl[0]);
		if (k < 0) {
			tl_err("%s: too large", name);
			return -1;
		}
		if (!(t->w[k].flags & WF_LEX))
			nlex++;
		t->w[k].flags |= WF_LEX;
		t->w[k].valence = val;
	}
	if (nlex == 0) {
		tl_err("%s: no words", name);
		return -1;
	}
	t->nlex = nlex;
	return 0;
}

/* ---- the emoji table ---- */

static int load_emoji(struct etable *t, const char *text, size_t len, const char *name)
{
	memset(t, 0, sizeof *t);
	tl_buf_init(&t->pool, 0);
	size_t cap = 64;
	for (size_t i = 0; i < len; i++)
		cap += text[i] == '\n';
	size_t slots = 64;
	while (slots < cap * 2)
		slots <<= 1;
	t->e = xcalloc(slots, sizeof *t->e);
	t->mask = slots - 1;
	t->min_cp = UINT32_MAX;
	size_t lineno = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - (text + i)) : len - i;
		const char *line = text + i;
		i += ll + 1;
		lineno++;
		const char *f[2];
		size_t fl[2];
		int nf = split_line(line, ll, f, fl);
		if (nf == 1 && fl[0] == 0)
			continue;
		if (nf < 2 || fl[0] == 0) {
			tl_err("%s: line %zu: expected EMOJI<TAB>DESCRIPTION", name, lineno);
			return -1;
		}
		size_t k;
		int32_t cp = utf8_next((const unsigned char *)f[0], fl[0], &k);
		if (cp <= 0 || k != fl[0])
			continue; /* a sequence of several code points: the reference never matches it */
		if (t->pool.len + fl[1] >= UINT32_MAX) {
			tl_err("%s: too large", name);
			return -1;
		}
		size_t s = ((uint32_t)cp * 2654435761u) & t->mask;
		while (t->e[s].cp && t->e[s].cp != (uint32_t)cp)
			s = (s + 1) & t->mask;
		if (!t->e[s].cp)
			t->n++;
		t->e[s].cp = (uint32_t)cp;
		t->e[s].off = (uint32_t)t->pool.len;
		t->e[s].len = (uint32_t)fl[1];
		if (fl[1] && tl_buf_add(&t->pool, f[1], fl[1]) < 0)
			return -1;
		if ((uint32_t)cp < t->min_cp)
			t->min_cp = (uint32_t)cp;
	}
	return 0;
}

static const struct emoji *emoji_find(const struct etable *t, uint32_t cp)
{
	if (cp < t->min_cp)
		return NULL;
	for (size_t s = (cp * 2654435761u) & t->mask;; s = (s + 1) & t->mask) {
		if (t->e[s].cp == cp)
			return &t->e[s];
		if (!t->e[s].cp)
			return NULL;
	}
}

static void etable_free(struct etable *t)
{
	free(t->e);
	tl_buf_release(&t->pool);
	memset(t, 0, sizeof *t);
}

/* ---- public set-up ---- */

struct tl_vader *tl_vader_new(void)
{
	struct tl_vader *v = xcalloc(1, sizeof *v);
	if (load_words(&v->words, (const char *)tl_vader_lexicon_txt, tl_vader_lexicon_txt_len,
		       "built-in lexicon") < 0 ||
	    load_emoji(&v->emoji, (const char *)tl_vader_emoji_txt, tl_vader_emoji_txt_len,
		       "built-in emoji lexicon") < 0)
		tl_die(1, "the built-in VADER data does not load (a build error)");
	tl_buf_init(&v->text, TL_VADER_TEXT_MAX * 16); /* emoji descriptions are longer */
	tl_buf_init(&v->lower, 0);
	(void)utf8_locale();
	return v;
}

int tl_vader_load(struct tl_vader *v, const char *text, size_t len, const char *name, int emoji)
{
	if (emoji) {
		struct etable t;
		if (load_emoji(&t, text, len, name) < 0) {
			etable_free(&t);
			return -1;
		}
		etable_free(&v->emoji);
		v->emoji = t;
	} else {
		struct wtable t;
		if (load_words(&t, text, len, name) < 0) {
			wtable_free(&t);
			return -1;
		}
		wtable_free(&v->words);
		v->words = t;
	}
	return 0;
}

size_t tl_vader_lexicon_size(const struct tl_vader *v, int emoji)
{
	return emoji ? v->emoji.n : v->words.nlex;
}

void tl_vader_free(struct tl_vader *v)
{
	if (!v)
		return;
	wtable_free(&v->words);
	etable_free(&v->emoji);
	tl_buf_release(&v->text);
	tl_buf_release(&v->lower);
	free(v->tok);
	free(v);
}

/* ---- 1. emoji ---- */

/* Writes text with each emoji replaced by its description into v->text, the way the reference
 * does it: a space before a description unless a space came just before, none after (so
 * "😁abc" reads "beaming face with smiling eyesabc"). Returns the text to score. */
static int emoji_translate(struct tl_vader *v, const char *text, size_t n, const char **out,
			   size_t *outn)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	/* Fast path: no character as high as the lowest emoji. */
	if (v->emoji.min_cp >= 0x80) {
		while (i < n && s[i] < 0xC2)
			i++;
	}
	if (i == n || v->emoji.n == 0) {
		*out = text;
		*outn = n;
		return 0;
	}
	tl_buf_reset(&v->text);
	i = 0;
	size_t run = 0; /* start of bytes copied as they are */
	bool prev_space = true;
	while (i < n) {
		size_t k;
		int32_t c = utf8_next(s + i, n - i, &k);
		const struct emoji *e = c >= 0 ? emoji_find(&v->emoji, (uint32_t)c) : NULL;
		if (!e) {
			prev_space = c == ' ';
			i += k;
			continue;
		}
		if (tl_buf_add(&v->text, text + run, i - run) < 0 ||
		    (!prev_space && tl_buf_addc(&v->text, ' ') < 0) ||
		    tl_buf_add(&v->text, v->emoji.pool.data + e->off, e->len) < 0)
			return -1;
		prev_space = false;
		i += k;
		run = i;
	}
	if (tl_buf_add(&v->text, text + run, n - run) < 0)
		return -1;
	*out = v->text.data ? v->text.data : "";
	*outn = v->text.len;
	return 0;
}

/* ---- 2. words ---- */

static bool is_cased(int32_t c, locale_t loc)
{
	if (c <= 0)
		return false;
	if (c < 0x80)
		return (c | 32) >= 'a' && (c | 32) <= 'z';
	return iswlower_l((wint_t)c, loc) || iswupper_l((wint_t)c, loc);
}

/* Lowercases p[0..n) into v->lower as Python's str.lower() does, and tells whether the word is
 * ALL CAPS by str.isupper(): some cased letter, none lowercase. */
static bool lower_word(struct tl_vader *v, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	bool upper = false, lower = false;
	tl_buf_reset(&v->lower);
	if (tl_buf_grow(&v->lower, n + 8) < 0)
		return false;
	char *o = v->lower.data;
	size_t i = 0;
	for (; i < n && s[i] < 0x80; i++) {
		unsigned c = s[i];
		if (c >= 'A' && c <= 'Z') {
			upper = true;
			c += 32;
		} else if (c >= 'a' && c <= 'z') {
			lower = true;
		}
		o[i] = (char)c;
	}
	v->lower.len = i;
	if (i == n) {
		v->lower.data[i] = 0;
		return upper && !lower;
	}
	locale_t loc = utf8_locale();
	int32_t prev = 0;
	while (i < n) {
		size_t k;
		int32_t c = utf8_next(s + i, n - i, &k);
		if (c < 0x80) {
			unsigned b = s[i];
			if (b >= 'A' && b <= 'Z') {
				upper = true;
				b += 32;
			} else if (b >= 'a' && b <= 'z') {
				lower = true;
			}
			(void)tl_buf_addc(&v->lower, (char)b);
		} else if (!loc) {
			(void)tl_buf_add(&v->lower, p + i, k);
		} else {
			wint_t wc = (wint_t)c, lc;
			if (iswlower_l(wc, loc))
				lower = true;
			else if (iswupper_l(wc, loc))
				upper = true;
			if (c == 0x130) { /* İ lowercases to i + combining dot above */
				(void)tl_buf_add(&v->lower, "i\xcc\x87", 3);
			} else if (c == 0x3A3) { /* Σ: final sigma after a letter, at the end of a word */
				size_t k2 = 0;
				int32_t next = i + k < n ? utf8_next(s + i + k, n - i - k, &k2) : -1;
				bool final = is_cased(prev, loc) && !is_cased(next, loc);
				(void)utf8_put(&v->lower, final ? 0x3C2 : 0x3C3);
			} else {
				lc = towlower_l(wc, loc);
				(void)utf8_put(&v->lower, (uint32_t)lc);
			}
		}
		prev = c;
		i += k;
	}
	return upper && !lower;
}

static int tok_push(struct tl_vader *v, uint32_t off, uint32_t len)
{
	if (v->ntok == v->tokcap) {
		v->tokcap = v->tokcap ? v->tokcap * 2 : 64;
		v->tok = xrealloc(v->tok, v->tokcap * sizeof *v->tok);
	}
	struct tok *t = &v->tok[v->ntok++];
	memset(t, 0, sizeof *t);
	t->off = off;
	t->len = len;
	t->word = -1;
	return 0;
}

/* Fills in what the rules need to know of token t: its table entry, negation, ALL CAPS. */
static void tok_classify(struct tl_vader *v, const char *text, struct tok *t)
{
	bool upper = lower_word(v, text + t->off, t->len);
	const char *lw = v->lower.data;
	size_t ln = v->lower.len;
	int32_t k = wtable_find(&v->words, lw, ln, hash_bytes(lw, ln));
	t->word = k;
	if (k >= 0) {
		const struct word *w = &v->words.w[k];
		t->flags = w->flags;
		t->id = w->id;
		t->valence = w->valence;
		t->boost = w->boost;
	}
	if (upper)
		t->flags |= TF_UPPER;
	if (ln >= 3 && memmem(lw, ln, "n't", 3))
		t->flags |= WF_NEG;
}

/* Splits at white space and strips punctuation from word ends (unless two characters or fewer
 * would be left: ":)" stays ":)", "(hi)" stays "(hi)", "good!!" becomes "good"). */
static void tokenize(struct tl_vader *v, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	v->ntok = 0;
	size_t i = 0;
	while (i < n) {
		size_t k;
		int32_t c;
		/* skip white space */
		while (i < n) {
			if (s[i] < 0x80) {
				if (!is_space_cp(s[i]))
					break;
				i++;
				continue;
			}
			c = utf8_next(s + i, n - i, &k);
			if (!is_space_cp(c))
				break;
			i += k;
		}
		if (i >= n)
			break;
		size_t start = i;
		while (i < n) {
			if (s[i] < 0x80) {
				if (is_space_cp(s[i]))
					break;
				i++;
				continue;
			}
			c = utf8_next(s + i, n - i, &k);
			if (is_space_cp(c))
				break;
			i += k;
		}
		size_t a = start, b = i;
		while (a < b && is_punct(s[a]))
			a++;
		while (b > a && is_punct(s[b - 1]))
			b--;
		size_t chars = 0;
		for (size_t j = a; j < b && chars <= 2; j += k) {
			(void)utf8_next(s + j, b - j, &k);
			chars++;
		}
		if (chars <= 2) {
			a = start;
			b = i;
		}
		tok_push(v, (uint32_t)a, (uint32_t)(b - a));
	}
	for (size_t t = 0; t < v->ntok; t++)
		tok_classify(v, text, &v->tok[t]);
}

/* ---- 3. valences ---- */

#define IS(t, wid) ((t)->id == (wid))
#define LEX(t) (((t)->flags & WF_LEX) != 0)

static bool phrase_at(const struct tok *tok, size_t i, const struct phrase_ix *ph)
{
	for (int k = 0; k < ph->n; k++)
		if (ph->w[k] < 0 || tok[i + (size_t)k].word != ph->w[k])
			return false;
	return true;
}

/* The idiom of exactly the n tokens from i, or NULL. */
static const struct phrase_ix *idiom_of(const struct tl_vader *v, size_t i, int n)
{
	for (size_t k = 0; k < N_IDIOMS; k++)
		if (v->words.idioms[k].n == n && phrase_at(v->tok, i, &v->words.idioms[k]))
			return &v->words.idioms[k];
	return NULL;
}

static double idioms_check(const struct tl_vader *v, double val, size_t i)
{
	static const struct { int back, n; } before[] = {
		{ 1, 2 }, /* w[i-1] w[i] */
		{ 2, 3 }, /* w[i-2] w[i-1] w[i] */
		{ 2, 2 }, /* w[i-2] w[i-1] */
		{ 3, 3 }, /* w[i-3] w[i-2] w[i-1] */
		{ 3, 2 }, /* w[i-3] w[i-2] */
	};
	const struct phrase_ix *ph;
	size_t n = v->ntok;
	for (size_t k = 0; k < sizeof before / sizeof before[0]; k++) {
		if ((ph = idiom_of(v, i - (size_t)before[k].back, before[k].n))) {
			val = ph->value;
			break;
		}
	}
	if (n - 1 > i && (ph = idiom_of(v, i, 2)))
		val = ph->value;
	if (n - 1 > i + 1 && (ph = idiom_of(v, i, 3)))
		val = ph->value;
	/* two-word dampeners just before: w[i-3] w[i-2], then w[i-2] w[i-1] */
	for (size_t back = 3; back >= 2; back--)
		for (size_t k = 0; k < N_DPHRASES; k++)
			if (phrase_at(v->tok, i - back, &v->words.dphrases[k]))
				val += v->words.dphrases[k].value;
	return val;
}

static bool negated(const struct tok *t)
{
	return (t->flags & WF_NEG) != 0;
}

static bool so_or_this(const struct tok *t)
{
	return IS(t, W_SO) || IS(t, W_THIS);
}

/* Negation of the word start_i + 1 places before i, with "never so/this" as emphasis and
 * "without doubt" as no negation. */
static double negation_check(const struct tok *w, double val, size_t i, int start_i)
{
	if (start_i == 0) {
		if (negated(&w[i - 1]))
			val *= N_SCALAR;
	} else if (start_i == 1) {
		if (IS(&w[i - 2], W_NEVER) && so_or_this(&w[i - 1]))
			val *= 1.25;
		else if (IS(&w[i - 2], W_WITHOUT) && IS(&w[i - 1], W_DOUBT))
			;
		else if (negated(&w[i - 2]))
			val *= N_SCALAR;
	} else {
		if ((IS(&w[i - 3], W_NEVER) && so_or_this(&w[i - 2])) || so_or_this(&w[i - 1]))
			val *= 1.25;
		else if (IS(&w[i - 3], W_WITHOUT) && (IS(&w[i - 2], W_DOUBT) || IS(&w[i - 1], W_DOUBT)))
			;
		else if (negated(&w[i - 3]))
			val *= N_SCALAR;
	}
	return val;
}

/* A booster or dampener before a word moves its valence away from or towards zero; more so
 * in ALL CAPS among words that are not. */
static double scalar_inc_dec(const struct tok *w, double val, bool cap_diff)
{
	if (!(w->flags & WF_BOOST))
		return 0.0;
	double scalar = w->boost;
	if (val < 0)
		scalar *= -1;
	if ((w->flags & TF_UPPER) && cap_diff)
		scalar += val > 0 ? C_INCR : -C_INCR;
	return scalar;
}

static double least_check(const struct tok *w, double val, size_t i)
{
	if (i > 1 && !LEX(&w[i - 1]) && IS(&w[i - 1], W_LEAST)) {
		if (!IS(&w[i - 2], W_AT) && !IS(&w[i - 2], W_VERY))
			val *= N_SCALAR;
	} else if (i > 0 && !LEX(&w[i - 1]) && IS(&w[i - 1], W_LEAST)) {
		val *= N_SCALAR;
	}
	return val;
}

static double word_valence(const struct tl_vader *v, size_t i, bool cap_diff)
{
	const struct tok *w = v->tok;
	size_t n = v->ntok;
	if (!LEX(&w[i]))
		return 0.0;
	double val = w[i].valence;
	/* "no" before a lexicon word negates it rather than counting itself */
	if (IS(&w[i], W_NO) && i != n - 1 && LEX(&w[i + 1]))
		val = 0.0;
	if ((i > 0 && IS(&w[i - 1], W_NO)) || (i > 1 && IS(&w[i - 2], W_NO)) ||
	    (i > 2 && IS(&w[i - 3], W_NO) && (IS(&w[i - 1], W_OR) || IS(&w[i - 1], W_NOR))))
		val = w[i].valence * N_SCALAR;
	if ((w[i].flags & TF_UPPER) && cap_diff)
		val += val > 0 ? C_INCR : -C_INCR;
	for (int start_i = 0; start_i < 3; start_i++) {
		size_t j = i - (size_t)start_i - 1;
		if (i > (size_t)start_i && !LEX(&w[j])) {
			double s = scalar_inc_dec(&w[j], val, cap_diff);
			if (start_i == 1 && s != 0)
				s *= 0.95;
			if (start_i == 2 && s != 0)
				s *= 0.9;
			val += s;
			val = negation_check(w, val, i, start_i);
			if (start_i == 2)
				val = idioms_check(v, val, i);
		}
	}
	return least_check(w, val, i);
}

static void valences(struct tl_vader *v)
{
	struct tok *w = v->tok;
	size_t n = v->ntok, upper = 0;
	for (size_t i = 0; i < n; i++)
		upper += (w[i].flags & TF_UPPER) != 0;
	bool cap_diff = n - upper > 0 && n - upper < n;
	size_t but = n;
	for (size_t i = 0; i < n; i++) {
		if (but == n && IS(&w[i], W_BUT))
			but = i;
		if (w[i].flags & WF_BOOST)
			w[i].s = 0;
		else if (i < n - 1 && IS(&w[i], W_KIND) && IS(&w[i + 1], W_OF))
			w[i].s = 0;
		else
			w[i].s = word_valence(v, i, cap_diff);
	}
	/* "but": what comes before counts half, what follows half again as much. The reference
	 * finds each value's position with list.index(value), which picks the first equal value;
	 * here each word keeps its own position, as the paper describes the rule. */
	if (but < n) {
		for (size_t i = 0; i < n; i++) {
			if (i < but)
				w[i].s *= 0.5;
			else if (i > but)
				w[i].s *= 1.5;
		}
	}
}

/* ---- 4. the scores ---- */

static double punctuation_emphasis(const char *text, size_t n)
{
	size_t ep = 0, qm = 0;
	for (size_t i = 0; i < n; i++) {
		ep += text[i] == '!';
		qm += text[i] == '?';
	}
	if (ep > 4)
		ep = 4;
	double amp = (double)ep * EP_INCR;
	if (qm > 1)
		amp += qm <= 3 ? (double)qm * QM_INCR : QM_MAX;
	return amp;
}

static void summarize(const struct tl_vader *v, const char *text, size_t n,
		      struct tl_vader_scores *out)
{
	memset(out, 0, sizeof *out);
	if (v->ntok == 0)
		return;
	double sum = 0, pos = 0, neg = 0;
	size_t neu = 0;
	for (size_t i = 0; i < v->ntok; i++) {
		double s = v->tok[i].s;
		sum += s;
		if (s > 0)
			pos += s + 1; /* + 1: as neutral words count 1 each */
		else if (s < 0)
			neg += s - 1;
		else
			neu++;
	}
	double amp = punctuation_emphasis(text, n);
	if (sum > 0)
		sum += amp;
	else if (sum < 0)
		sum -= amp;
	double c = sum / sqrt(sum * sum + ALPHA);
	out->compound = c < -1.0 ? -1.0 : c > 1.0 ? 1.0 : c;
	if (pos > fabs(neg))
		pos += amp;
	else if (pos < fabs(neg))
		neg -= amp;
	double total = pos + fabs(neg) + (double)neu;
	out->pos = fabs(pos / total);
	out->neg = fabs(neg / total);
	out->neu = fabs((double)neu / total);
}

int tl_vader_score(struct tl_vader *v, const char *text, size_t n, struct tl_vader_scores *out)
{
	if (n > TL_VADER_TEXT_MAX) {
		errno = E2BIG;
		return -1;
	}
	const char *t;
	size_t tn;
	if (emoji_translate(v, text, n, &t, &tn) < 0) {
		errno = E2BIG;
		return -1;
	}
	tokenize(v, t, tn);
	valences(v);
	summarize(v, t, tn, out);
	return 0;
}

/* x rounded to places decimals, always with a decimal point and never "-0.0". */
static int add_num(struct tl_buf *b, double x, int places)
{
	char s[64];
	int k = snprintf(s, sizeof s, "%.*f", places, x);
	if (k <= 0 || (size_t)k >= sizeof s)
		return -1;
	while (k > 2 && s[k - 1] == '0' && s[k - 2] != '.')
		s[--k] = 0;
	const char *p = s;
	if (strcmp(s, "-0.0") == 0)
		p = s + 1;
	return tl_buf_adds(b, p);
}

int tl_vader_scores_json(const struct tl_vader_scores *s, struct tl_buf *b)
{
	if (tl_buf_adds(b, "{\"compound\":") < 0 || add_num(b, s->compound, 4) < 0 ||
	    tl_buf_adds(b, ",\"pos\":") < 0 || add_num(b, s->pos, 3) < 0 ||
	    tl_buf_adds(b, ",\"neu\":") < 0 || add_num(b, s->neu, 3) < 0 ||
	    tl_buf_adds(b, ",\"neg\":") < 0 || add_num(b, s->neg, 3) < 0 ||
	    tl_buf_addc(b, '}') < 0)
		return -1;
	return 0;
}
