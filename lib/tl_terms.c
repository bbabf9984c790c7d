#include "tl_terms.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_log.h"
#include "tl_str.h"
#include "tl_terms_stop.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define SEEN_SLOTS 512      /* > 2 * TL_TERMS_PER_TWEET */
#define STOP_SLOTS 4096     /* > 2 * the words of all lists */
#define RUN_U16_MAX 4096    /* a run of a spaceless script is segmented up to this many UTF-16 units */
#define LANG_MEMO 16        /* language codes whose stop-list mask is remembered */
#define TOKEN_MAX 256       /* longer tokens (no term can be that long) are skipped */

struct stop_slot {
	uint64_t hash;
	const char *word;   /* into the static lists (not NUL-terminated there) */
	uint32_t len;
	uint32_t mask;      /* bit i: list i names it */
};

struct tl_terms_impl {
	unsigned kinds;
	size_t cap;
	struct tl_buf text;
	/* this tweet's term hashes, for counting each term once */
	uint64_t seen_hash[SEEN_SLOTS];
	uint32_t seen_gen[SEEN_SLOTS];
	uint32_t gen;
	struct stop_slot *stop;
	uint32_t lang_mask;  /* stop lists that apply to the text at hand */
	/* the masks of the languages seen last (a stream has a handful of lang codes) */
	struct {
		char code[16];
		uint8_t len;
		uint32_t mask;
	} langs[LANG_MEMO];
	unsigned nlangs, next_lang;
	/* the phrase being built: the previous kept word */
	bool chain, prev_spaceless;
	char prev[TL_TERM_MAX];
	size_t prev_len;
	/* ICU */
	UBreakIterator *brk;
	const UNormalizer2 *nfkc_cf;
	UChar u16[RUN_U16_MAX];
	UChar fold16[2 * TOKEN_MAX + 8];
	char fold8[TL_TERM_MAX * 3 + 8];
	struct tl_buf unesc;
};

/* ---- hashing ---- */

static inline uint64_t mix64(uint64_t z)
{
	z ^= z >> 33;
	z *= 0xff51afd7ed558ccdULL;
	z ^= z >> 33;
	z *= 0xc4ceb9fe1a85ec53ULL;
	z ^= z >> 33;
	return z;
}

uint64_t tl_terms_hash(unsigned kind, const char *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL * (kind + 1) ^ (uint64_t)n;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ (w * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
		h = h << 31 | h >> 33;
		p += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, p, n);
	h ^= w * 0x87c37b91114253d5ULL;
	return mix64(h);
}

/* ---- kinds ---- */

static const char *const KIND_NAMES[TL_TERM_NKINDS] = { "hashtag", "cashtag", "mention",
							 "domain",  "word",    "phrase" };

const char *tl_term_kind_name(unsigned kind)
{
	return kind < TL_TERM_NKINDS ? KIND_NAMES[kind] : NULL;
}

int tl_term_kind_parse(const char *name, size_t n)
{
	for (int k = 0; k < TL_TERM_NKINDS; k++)
		if (strlen(KIND_NAMES[k]) == n && memcmp(KIND_NAMES[k], name, n) == 0)
			return k;
	/* plurals read naturally on a command line: --kinds hashtags,words */
	if (n > 1 && name[n - 1] == 's')
		for (int k = 0; k < TL_TERM_NKINDS; k++)
			if (strlen(KIND_NAMES[k]) == n - 1 && memcmp(KIND_NAMES[k], name, n - 1) == 0)
				return k;
	return -1;
}

long tl_term_kinds_parse(const char *list, const char **bad)
{
	long mask = 0;
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (n == 3 && memcmp(p, "all", 3) == 0) {
			mask |= TL_TERM_ALL;
		} else {
			int k = tl_term_kind_parse(p, n);
			if (k < 0) {
				if (bad)
					*bad = p;
				return -1;
			}
			mask |= 1L << k;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	return mask;
}

/* ---- stop words ---- */

static void stop_build(struct tl_terms_impl *m)
{
	m->stop = xcalloc(STOP_SLOTS, sizeof *m->stop);
	for (size_t li = 0; li < N_STOP_LISTS; li++) {
		const char *w = STOP_LISTS[li].words;
		while (*w) {
			size_t n = strcspn(w, " ");
			if (n) {
				uint64_t h = tl_terms_hash(TL_TERM_WORD, w, n);
				size_t i = h & (STOP_SLOTS - 1);
				while (m->stop[i].word &&
				       !(m->stop[i].len == n && memcmp(m->stop[i].word, w, n) == 0))
					i = (i + 1) & (STOP_SLOTS - 1);
				m->stop[i].hash = h;
				m->stop[i].word = w;
				m->stop[i].len = (uint32_t)n;
				m->stop[i].mask |= 1u << li;
			}
			w += n;
			while (*w == ' ')
				w++;
		}
	}
}

static bool is_stop(const struct tl_terms_impl *m, const char *w, size_t n, uint64_t h)
{
	size_t i = h & (STOP_SLOTS - 1);
	while (m->stop[i].word) {
		const struct stop_slot *s = &m->stop[i];
		if (s->hash == h && s->len == n && memcmp(s->word, w, n) == 0)
			return (s->mask & m->lang_mask) != 0;
		i = (i + 1) & (STOP_SLOTS - 1);
	}
	return false;
}

/* The stop lists for language lang: "*", English, and the language's own (all when unknown). */
static uint32_t lang_mask(const char *lang, size_t n)
{
	uint32_t base = 1u << 0 | 1u << 1;
	if (!lang || !n)
		return ~0u;
	size_t cut = 0;
	while (cut < n && lang[cut] != '-' && lang[cut] != '_')
		cut++;
	for (size_t li = 2; li < N_STOP_LISTS; li++) {
		const char *c = STOP_LISTS[li].langs;
		while (*c) {
			size_t k = strcspn(c, " ");
			if (k == cut && strncasecmp(c, lang, k) == 0)
				return base | 1u << li;
			c += k;
			while (*c == ' ')
				c++;
		}
	}
	if (cut == 2 && strncasecmp(lang, "en", 2) == 0)
		return base;
	/* "und", "qme", "zxx" and languages without a list: English and "*" only, unless unknown */
	if (cut == 3 && (strncasecmp(lang, "und", 3) == 0 || lang[0] == 'q' || lang[0] == 'z'))
		return ~0u;
	return base;
}

/* lang_mask, remembered for the last LANG_MEMO codes (it compares with every list's codes). */
static uint32_t lang_mask_memo(struct tl_terms_impl *m, const char *lang, size_t n)
{
	if (!lang || !n || n > sizeof m->langs[0].code)
		return lang_mask(lang, n);
	for (unsigned i = 0; i < m->nlangs; i++)
		if (m->langs[i].len == n && memcmp(m->langs[i].code, lang, n) == 0)
			return m->langs[i].mask;
	unsigned i = m->nlangs < LANG_MEMO ? m->nlangs++ : m->next_lang++ % LANG_MEMO;
	memcpy(m->langs[i].code, lang, n);
	m->langs[i].len = (uint8_t)n;
	return m->langs[i].mask = lang_mask(lang, n);
}

/* ---- characters ---- */

enum cls {
	C_PUNCT,  /* everything else: ends a phrase */
	C_SPACE,  /* spaces: a phrase goes on across them */
	C_WORD,   /* letters, marks, digits, connector punctuation */
	C_JOIN,   /* ' ’ - ‐: part of a word between two word characters */
};

static const uint8_t ASCII_CLS[128] = {
	['\t'] = C_SPACE, [' '] = C_SPACE,
	['0'] = C_WORD, ['1'] = C_WORD, ['2'] = C_WORD, ['3'] = C_WORD, ['4'] = C_WORD,
	['5'] = C_WORD, ['6'] = C_WORD, ['7'] = C_WORD, ['8'] = C_WORD, ['9'] = C_WORD,
	['A'] = C_WORD, ['B'] = C_WORD, ['C'] = C_WORD, ['D'] = C_WORD, ['E'] = C_WORD,
	['F'] = C_WORD, ['G'] = C_WORD, ['H'] = C_WORD, ['I'] = C_WORD, ['J'] = C_WORD,
	['K'] = C_WORD, ['L'] = C_WORD, ['M'] = C_WORD, ['N'] = C_WORD, ['O'] = C_WORD,
	['P'] = C_WORD, ['Q'] = C_WORD, ['R'] = C_WORD, ['S'] = C_WORD, ['T'] = C_WORD,
	['U'] = C_WORD, ['V'] = C_WORD, ['W'] = C_WORD, ['X'] = C_WORD, ['Y'] = C_WORD,
	['Z'] = C_WORD, ['_'] = C_WORD,
	['a'] = C_WORD, ['b'] = C_WORD, ['c'] = C_WORD, ['d'] = C_WORD, ['e'] = C_WORD,
	['f'] = C_WORD, ['g'] = C_WORD, ['h'] = C_WORD, ['i'] = C_WORD, ['j'] = C_WORD,
	['k'] = C_WORD, ['l'] = C_WORD, ['m'] = C_WORD, ['n'] = C_WORD, ['o'] = C_WORD,
	['p'] = C_WORD, ['q'] = C_WORD, ['r'] = C_WORD, ['s'] = C_WORD, ['t'] = C_WORD,
	['u'] = C_WORD, ['v'] = C_WORD, ['w'] = C_WORD, ['x'] = C_WORD, ['y'] = C_WORD,
	['z'] = C_WORD,
	['\''] = C_JOIN, ['-'] = C_JOIN,
	/* the rest (controls, "\n", punctuation, symbols) is C_PUNCT */
};

static enum cls classify_slow(uint32_t c)
{
	if (c == 0x2019 || c == 0x2010 || c == 0x2011)
		return C_JOIN;
	if (c == 0x200C || c == 0x200D)
		return C_WORD; /* ZWNJ, ZWJ inside Indic and Persian words */
	switch (u_charType((UChar32)c)) {
	case U_UPPERCASE_LETTER:
	case U_LOWERCASE_LETTER:
	case U_TITLECASE_LETTER:
	case U_MODIFIER_LETTER:
	case U_OTHER_LETTER:
	case U_NON_SPACING_MARK:
	case U_ENCLOSING_MARK:
	case U_COMBINING_SPACING_MARK:
	case U_DECIMAL_DIGIT_NUMBER:
	case U_LETTER_NUMBER:
	case U_OTHER_NUMBER:
	case U_CONNECTOR_PUNCTUATION:
		return C_WORD;
	case U_SPACE_SEPARATOR:
		return C_SPACE;
	default:
		return C_PUNCT;
	}
}

/* (The character tests are inline for ASCII, which most text is, and call out for the rest.) */
static inline __attribute__((always_inline)) enum cls classify(uint32_t c)
{
	if (c < 128)
		return (enum cls)ASCII_CLS[c];
	return classify_slow(c);
}

static bool is_letter_slow(uint32_t c)
{
	int t = u_charType((UChar32)c);
	return (t >= U_UPPERCASE_LETTER && t <= U_OTHER_LETTER) ||
	       (t >= U_NON_SPACING_MARK && t <= U_COMBINING_SPACING_MARK);
}

static inline __attribute__((always_inline)) bool is_letter(uint32_t c)
{
	if (c < 128)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	return is_letter_slow(c);
}

static bool spaceless_slow(uint32_t c)
{
	return (c >= 0x0E00 && c <= 0x0EFF) || (c >= 0x1000 && c <= 0x109F) ||
	       (c >= 0x1780 && c <= 0x17FF) || (c >= 0x3040 && c <= 0x30FF) ||
	       (c >= 0x31F0 && c <= 0x31FF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0xFF66 && c <= 0xFF9F) || (c >= 0x20000 && c <= 0x3134F);
}

/* Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, Han. */
static inline __attribute__((always_inline)) bool spaceless(uint32_t c)
{
	return c >= 0x0E00 && spaceless_slow(c);
}

static bool hiragana(uint32_t c)
{
	return c >= 0x3040 && c <= 0x309F;
}

static uint32_t decode_slow(const char *s, size_t n, size_t i, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s + i;
	size_t k = tl_utf8_seq(u, n - i);
	if (!k) {
		*len = 1;
		return 0xFFFD;
	}
	*len = k;
	if (k == 2)
		return (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
	if (k == 3)
		return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
	return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 | (uint32_t)(u[2] & 0x3F) << 6 |
	       (u[3] & 0x3F);
}

/* The code point at s[i] (i < n) and its length; an invalid byte is U+FFFD of length 1. */
static inline __attribute__((always_inline)) uint32_t decode(const char *s, size_t n, size_t i, size_t *len)
{
	unsigned char c = (unsigned char)s[i];
	if (c < 0x80) {
		*len = 1;
		return c;
	}
	return decode_slow(s, n, i, len);
}

/* ---- emitting ---- */

/* hash: of the term when the caller has it (a word's, from the stop-word check), else 0 */
static void emit_h(struct tl_terms *x, unsigned kind, const char *sigil, const char *p, size_t n, uint64_t h)
{
	struct tl_terms_impl *m = x->impl;
	if (!(m->kinds & 1u << kind) || x->n >= TL_TERMS_PER_TWEET)
		return;
	size_t sl = sigil ? 1 : 0;
	if (n + sl > TL_TERM_MAX || n == 0)
		return;
	size_t off = m->text.len;
	if (sl)
		tl_buf_add(&m->text, sigil, 1);
	tl_buf_add(&m->text, p, n);
	x->text = m->text.data;
	if (!h)
		h = tl_terms_hash(kind, x->text + off, n + sl);
	size_t i = h & (SEEN_SLOTS - 1);
	while (m->seen_gen[i] == m->gen) {
		if (m->seen_hash[i] == h) {
			tl_buf_truncate(&m->text, off);
			return;
		}
		i = (i + 1) & (SEEN_SLOTS - 1);
	}
	m->seen_gen[i] = m->gen;
	m->seen_hash[i] = h;
	struct tl_term *t = &x->v[x->n++];
	t->hash = h;
	t->off = (uint32_t)off;
	t->len = (uint8_t)(n + sl);
	t->kind = (uint8_t)kind;
}

static void emit(struct tl_terms *x, unsigned kind, const char *sigil, const char *p, size_t n)
{
	emit_h(x, kind, sigil, p, n, 0);
}

/* Cuts p[0..n) to at most max bytes at a character boundary. */
static size_t utf8_cut(const char *p, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)p[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* NFKC_Casefold of UTF-16 s[0..n) into m->fold8; returns its length, or -1 (skip the token). */
static long fold_u16(struct tl_terms_impl *m, UChar *s, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		if (s[i] == 0x2019)
			s[i] = '\''; /* can’t is can't */
	UErrorCode e = U_ZERO_ERROR;
	/* most words of spaceless scripts (kana, Han) are already NFKC_Casefold: then they are
	 * their own folding (ICU's quick check says so without normalizing) */
	const UChar *f = s;
	int32_t fl = n;
	if (unorm2_spanQuickCheckYes(m->nfkc_cf, s, n, &e) != n || U_FAILURE(e)) {
		e = U_ZERO_ERROR;
		fl = unorm2_normalize(m->nfkc_cf, s, n, m->fold16, (int32_t)(sizeof m->fold16 / sizeof *m->fold16), &e);
		if (U_FAILURE(e))
			return -1;
		f = m->fold16;
	}
	int32_t ol;
	e = U_ZERO_ERROR;
	u_strToUTF8(m->fold8, (int32_t)sizeof m->fold8, &ol, f, fl, &e);
	if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING)
		return -1;
	return ol;
}

/* NFKC_Casefold of UTF-8 p[0..n) into m->fold8 (plain lower case for ASCII). */
static long fold_utf8(struct tl_terms_impl *m, const char *p, size_t n)
{
	bool ascii = true;
	for (size_t i = 0; i < n; i++)
		ascii &= (unsigned char)p[i] < 0x80;
	if (ascii) {
		if (n > sizeof m->fold8)
			return -1;
		for (size_t i = 0; i < n; i++) {
			char c = p[i];
			m->fold8[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
		}
		return (long)n;
	}
	if (n > TOKEN_MAX)
		return -1;
	int32_t ul;
	UErrorCode e = U_ZERO_ERROR;
	u_strFromUTF8WithSub(m->u16, RUN_U16_MAX, &ul, p, (int32_t)n, 0xFFFD, NULL, &e);
	if (U_FAILURE(e))
		return -1;
	return fold_u16(m, m->u16, ul);
}

/* A folded word: keep it (and the phrase it ends) or drop it, ending the phrase. */
static void word(struct tl_terms *x, const char *w, long n)
{
	struct tl_terms_impl *m = x->impl;
	if (n <= 0 || n > TL_TERM_MAX) {
		m->chain = false;
		return;
	}
	size_t cps = 0, len;
	bool letter = false, kana = true;
	uint32_t first = 0;
	for (size_t i = 0; i < (size_t)n; i += len) {
		uint32_t c = decode(w, (size_t)n, i, &len);
		if (!cps)
			first = c;
		cps++;
		letter |= is_letter(c);
		kana &= hiragana(c);
	}
	uint64_t h = 0;
	if (cps < 2 || !letter || (kana && cps < 3) ||
	    is_stop(m, w, (size_t)n, h = tl_terms_hash(TL_TERM_WORD, w, (size_t)n))) {
		m->chain = false;
		return;
	}
	emit_h(x, TL_TERM_WORD, NULL, w, (size_t)n, h);
	bool sl = spaceless(first);
	if (m->chain && (m->kinds & 1u << TL_TERM_PHRASE)) {
		bool join = !(sl && m->prev_spaceless);
		size_t pl = m->prev_len + join + (size_t)n;
		if (pl <= TL_TERM_MAX) {
			char ph[TL_TERM_MAX];
			memcpy(ph, m->prev, m->prev_len);
			if (join)
				ph[m->prev_len] = ' ';
			memcpy(ph + m->prev_len + join, w, (size_t)n);
			emit(x, TL_TERM_PHRASE, NULL, ph, pl);
		}
	}
	memcpy(m->prev, w, (size_t)n);
	m->prev_len = (size_t)n;
	m->prev_spaceless = sl;
	m->chain = true;
}

/* A run of a script written without spaces: ICU's dictionary-based word break. */
static void segment(struct tl_terms *x, const char *p, size_t n)
{
	struct tl_terms_impl *m = x->impl;
	int32_t ul;
	UErrorCode e = U_ZERO_ERROR;
	/* a longer run is cut: u_strFromUTF8 reports the overflow and converts what fits */
	u_strFromUTF8WithSub(m->u16, RUN_U16_MAX, &ul, p, (int32_t)(n > RUN_U16_MAX ? RUN_U16_MAX : n), 0xFFFD,
			     NULL, &e);
	if (U_FAILURE(e) && e != U_BUFFER_OVERFLOW_ERROR) {
		m->chain = false;
		return;
	}
	if (ul > RUN_U16_MAX)
		ul = RUN_U16_MAX;
	e = U_ZERO_ERROR;
	ubrk_setText(m->brk, m->u16, ul, &e);
	if (U_FAILURE(e)) {
		m->chain = false;
		return;
	}
	int32_t a = ubrk_first(m->brk), b;
	while ((b = ubrk_next(m->brk)) != UBRK_DONE) {
		int st = ubrk_getRuleStatus(m->brk);
		if (st < UBRK_WORD_LETTER || b - a > TOKEN_MAX) {
			m->chain = false; /* numbers, punctuation */
		} else {
			UChar tmp[TOKEN_MAX];
			memcpy(tmp, m->u16 + a, (size_t)(b - a) * sizeof *tmp);
			word(x, m->fold8, fold_u16(m, tmp, b - a));
		}
		a = b;
	}
}

static void run(struct tl_terms *x, const char *p, size_t n, bool has_spaceless)
{
	struct tl_terms_impl *m = x->impl;
	if (!(m->kinds & (1u << TL_TERM_WORD | 1u << TL_TERM_PHRASE)))
		return; /* words are not wanted: no need to find them */
	if (has_spaceless) {
		segment(x, p, n);
		return;
	}
	if (n > TOKEN_MAX) {
		m->chain = false;
		return;
	}
	word(x, m->fold8, fold_utf8(m, p, n));
}

/* ---- domains ---- */

static bool x_host(const char *h, size_t n)
{
	static const char *const own[] = { "t.co", "twitter.com", "x.com" };
	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(own[i]);
		if (n == k && memcmp(h, own[i], k) == 0)
			return true;
		if (n > k && h[n - k - 1] == '.' && memcmp(h + n - k, own[i], k) == 0)
			return true;
	}
	return false;
}

static void domain(struct tl_terms *x, const char *h, size_t n)
{
	struct tl_terms_impl *m = x->impl;
	while (n && h[n - 1] == '.')
		n--;
	if (!n || n > TOKEN_MAX)
		return;
	long fl = fold_utf8(m, h, n);
	if (fl <= 0)
		return;
	const char *d = m->fold8;
	size_t dl = (size_t)fl;
	if (dl > 4 && memcmp(d, "www.", 4) == 0) {
		d += 4;
		dl -= 4;
	}
	bool dot = false;
	for (size_t i = 0; i < dl; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.')
			dot = true;
		else if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return;
	}
	if (!dot || d[0] == '.' || x_host(d, dl))
		return;
	emit(x, TL_TERM_DOMAIN, NULL, d, dl);
}

/* Length of "http://" or "https://" at s[0..n) (any case), or 0. */
static size_t scheme_len(const char *s, size_t n)
{
	if (n >= 7 && strncasecmp(s, "http://", 7) == 0)
		return 7;
	if (n >= 8 && strncasecmp(s, "https://", 8) == 0)
		return 8;
	return 0;
}

/* The host of the URL whose authority starts at s: up to / ? # or the end; user info and the
 * port are dropped. */
static void url_host(const char *s, size_t n, const char **h, size_t *hl)
{
	size_t e = 0;
	while (e < n && s[e] != '/' && s[e] != '?' && s[e] != '#' && s[e] != ' ')
		e++;
	const char *at = memchr(s, '@', e);
	const char *b = at ? at + 1 : s;
	size_t bl = (size_t)(s + e - b), k = 0;
	while (k < bl && b[k] != ':')
		k++;
	*h = b;
	*hl = k;
}

/* Adds the domain of url[0..n) as a term (nothing for X's own hosts or what is not a URL). */
static size_t add_url(struct tl_terms *x, const char *url, size_t n)
{
	size_t k = scheme_len(url, n);
	if (k) {
		const char *h;
		size_t hl;
		url_host(url + k, n - k, &h, &hl);
		domain(x, h, hl);
	}
	return x->n;
}

/* ---- the text ---- */

/* Hashtag after the sigil at s[i..): twitter-text's rule: word characters with one letter at
 * least. Returns the end, or 0. */
static size_t hashtag_end(const char *s, size_t n, size_t i)
{
	size_t k = i, len;
	bool letter = false;
	if (i < n) {
		uint32_t c = decode(s, n, i, &len);
		if (c == 0xFE0F || c == 0x20E3)
			return 0; /* the keycap emoji #️⃣ */
	}
	while (k < n) {
		uint32_t c = decode(s, n, k, &len);
		if (classify(c) != C_WORD || c == 0x200C || c == 0x200D)
			break;
		letter |= is_letter(c);
		k += len;
	}
	return letter ? k : 0;
}

static bool ascii_word(unsigned char c)
{
	return c < 128 && ASCII_CLS[c] == C_WORD;
}

static size_t mention_end(const char *s, size_t n, size_t i)
{
	size_t k = i;
	while (k < n && ascii_word((unsigned char)s[k]))
		k++;
	if (k == i || k - i > 15)
		return 0;
	if (k < n && (s[k] == '@' || (unsigned char)s[k] >= 0x80 || (n - k >= 3 && memcmp(s + k, "://", 3) == 0)))
		return 0;
	return k;
}

static size_t cashtag_end(const char *s, size_t n, size_t i)
{
	size_t k = i;
	while (k < n && k - i < 7 && ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z'))
		k++;
	if (k == i || k - i > 6)
		return 0;
	if (k + 1 < n && (s[k] == '.' || s[k] == '_') && ((s[k + 1] | 0x20) >= 'a' && (s[k + 1] | 0x20) <= 'z')) {
		size_t j = k + 1;
		while (j < n && j - k <= 3 && ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z'))
			j++;
		if (j - k - 1 <= 2)
			k = j;
	}
	if (k < n) {
		size_t len;
		if (classify(decode(s, n, k, &len)) == C_WORD)
			return 0;
	}
	return k;
}

/* "&amp;", "&lt;", "&#39;" ... as X escapes its text: the length, or 0. */
static size_t entity_len(const char *s, size_t n)
{
	size_t k = 1;
	if (k < n && s[k] == '#')
		k++;
	size_t b = k;
	while (k < n && k < 10 && (((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z') || (s[k] >= '0' && s[k] <= '9')))
		k++;
	return k > b && k < n && s[k] == ';' ? k + 1 : 0;
}

size_t tl_terms_add_text(struct tl_terms *x, const char *s, size_t n, const char *lang, size_t langlen,
			 bool text_urls)
{
	struct tl_terms_impl *m = x->impl;
	m->lang_mask = lang_mask_memo(m, lang, langlen);
	m->chain = false;
	uint32_t prev = 0; /* the code point before i (0 at the start) */
	size_t i = 0, len;
	while (i < n && x->n < TL_TERMS_PER_TWEET) {
		uint32_t c = decode(s, n, i, &len);
		enum cls k = classify(c);
		size_t e;
		bool prev_word = prev && (classify(prev) == C_WORD);
		if ((c == '#' || c == 0xFF03) && !prev_word && prev != '&' &&
		    (e = hashtag_end(s, n, i + len)) != 0) {
			long fl = fold_utf8(m, s + i + len, utf8_cut(s + i + len, e - i - len, TL_TERM_MAX + 32));
			if (fl > 0)
				emit(x, TL_TERM_HASHTAG, "#", m->fold8, utf8_cut(m->fold8, (size_t)fl, TL_TERM_MAX - 1));
		} else if ((c == '@' || c == 0xFF20) && !(prev < 128 && (ascii_word((unsigned char)prev) ||
								     strchr("!#$%&*@", (int)prev))) &&
			   prev != 0xFF20 && (e = mention_end(s, n, i + len)) != 0) {
			long fl = fold_utf8(m, s + i + len, e - i - len);
			emit(x, TL_TERM_MENTION, "@", m->fold8, (size_t)fl);
		} else if (c == '$' && (!prev || classify(prev) == C_SPACE || prev == '\n') &&
			   (e = cashtag_end(s, n, i + 1)) != 0) {
			long fl = fold_utf8(m, s + i + 1, e - i - 1);
			emit(x, TL_TERM_CASHTAG, "$", m->fold8, (size_t)fl);
		} else if ((c == 'h' || c == 'H') && !prev_word && (e = scheme_len(s + i, n - i)) != 0) {
			size_t a = i + e;
			e = a;
			while (e < n && s[e] != ' ' && s[e] != '\n' && s[e] != '\t' && s[e] != '\r')
				e++;
			if (text_urls) {
				const char *h;
				size_t hl;
				url_host(s + a, e - a, &h, &hl);
				domain(x, h, hl);
			}
		} else if (c == '&' && (e = entity_len(s + i, n - i)) != 0) {
			e += i;
		} else if (k == C_WORD) {
			/* a word: word characters, with ' ’ - between two of them */
			bool sl = false;
			e = i;
			size_t l2;
			while (e < n) {
				uint32_t d = decode(s, n, e, &l2);
				enum cls dk = classify(d);
				if (dk == C_WORD) {
					sl |= spaceless(d);
					e += l2;
					continue;
				}
				if (dk == C_JOIN && e + l2 < n) {
					size_t l3;
					if (classify(decode(s, n, e + l2, &l3)) == C_WORD) {
						e += l2;
						continue;
					}
				}
				break;
			}
			run(x, s + i, e - i, sl);
			prev = 'a';
			i = e;
			continue;
		} else {
			if (k != C_SPACE)
				m->chain = false;
			prev = c;
			i += len;
			continue;
		}
		/* a hashtag, mention, cashtag, link or entity: a phrase does not go across it */
		m->chain = false;
		prev = 'a';
		i = e;
	}
	return x->n;
}

/* ---- tweets ---- */

/* The decoded text of string token tok: a span of the document when it has no escape, else
 * a copy in m->unesc. */
static bool str_of(struct tl_terms_impl *m, const struct tl_jdoc *d, long tok, const char **p, size_t *n)
{
	if (tok < 0 || d->t[tok].type != TL_J_STRING)
		return false;
	const char *s = d->s + d->t[tok].start;
	size_t len = d->t[tok].end - d->t[tok].start;
	if (!memchr(s, '\\', len)) {
		*p = s + 1;
		*n = len - 2;
		return true;
	}
	tl_buf_reset(&m->unesc);
	if (tl_jdoc_str(d, tok, &m->unesc) < 0)
		return false;
	*p = m->unesc.data;
	*n = m->unesc.len;
	return true;
}

size_t tl_terms_tweet(struct tl_terms *x, const struct tl_jdoc *d, size_t obj)
{
	struct tl_terms_impl *m = x->impl;
	tl_terms_reset(x);
	if (obj >= d->n || d->t[obj].type != TL_J_OBJECT)
		return 0;
	long text = -1, ent = -1, sub;
	if ((sub = tl_jdoc_get(d, obj, "note_tweet")) >= 0 && (text = tl_jdoc_get(d, (size_t)sub, "text")) >= 0)
		ent = tl_jdoc_get(d, (size_t)sub, "entities");
	if (text < 0 && (sub = tl_jdoc_get(d, obj, "extended_tweet")) >= 0 &&
	    (text = tl_jdoc_get(d, (size_t)sub, "full_text")) >= 0)
		ent = tl_jdoc_get(d, (size_t)sub, "entities");
	if (text < 0)
		text = tl_jdoc_get(d, obj, "full_text");
	if (text < 0)
		text = tl_jdoc_get(d, obj, "text");
	if (ent < 0)
		ent = tl_jdoc_get(d, obj, "entities");
	const char *lang = NULL;
	size_t langlen = 0;
	long lt = tl_jdoc_get(d, obj, "lang");
	if (lt >= 0 && d->t[lt].type == TL_J_STRING) {
		lang = d->s + d->t[lt].start + 1;
		langlen = d->t[lt].end - d->t[lt].start - 2;
	}
	const char *p;
	size_t n;
	if (str_of(m, d, text, &p, &n))
		tl_terms_add_text(x, p, n, lang, langlen, ent < 0);
	long urls = ent >= 0 ? tl_jdoc_get(d, (size_t)ent, "urls") : -1;
	if (urls >= 0 && d->t[urls].type == TL_J_ARRAY && (m->kinds & 1u << TL_TERM_DOMAIN)) {
		for (size_t k = (size_t)urls + 1; k < d->t[urls].next; k = d->t[k].next) {
			if (d->t[k].type != TL_J_OBJECT)
				continue;
			long u = tl_jdoc_get(d, k, "expanded_url");
			if (u < 0)
				u = tl_jdoc_get(d, k, "unwound_url");
			if (u < 0)
				u = tl_jdoc_get(d, k, "url");
			if (str_of(m, d, u, &p, &n))
				add_url(x, p, n);
		}
	}
	return x->n;
}

/* ---- life ---- */

struct tl_terms *tl_terms_new(unsigned kinds)
{
	UErrorCode e = U_ZERO_ERROR;
	const UNormalizer2 *nf = unorm2_getNFKCCasefoldInstance(&e);
	if (U_FAILURE(e)) {
		tl_err("ICU: no NFKC_Casefold data: %s", u_errorName(e));
		return NULL;
	}
	e = U_ZERO_ERROR;
	UBreakIterator *brk = ubrk_open(UBRK_WORD, "", NULL, 0, &e);
	if (U_FAILURE(e)) {
		tl_err("ICU: no word break iterator: %s", u_errorName(e));
		return NULL;
	}
	struct tl_terms *x = xcalloc(1, sizeof *x);
	struct tl_terms_impl *m = xcalloc(1, sizeof *m);
	x->impl = m;
	x->v = xcalloc(TL_TERMS_PER_TWEET, sizeof *x->v);
	m->kinds = kinds & TL_TERM_ALL;
	m->nfkc_cf = nf;
	m->brk = brk;
	m->gen = 1;
	tl_buf_init(&m->text, 0);
	tl_buf_init(&m->unesc, 0);
	stop_build(m);
	return x;
}

void tl_terms_reset(struct tl_terms *x)
{
	struct tl_terms_impl *m = x->impl;
	x->n = 0;
	tl_buf_reset(&m->text);
	if (++m->gen == 0) {
		memset(m->seen_gen, 0, sizeof m->seen_gen);
		m->gen = 1;
	}
}

void tl_terms_free(struct tl_terms *x)
{
	if (!x)
		return;
	struct tl_terms_impl *m = x->impl;
	ubrk_close(m->brk);
	tl_buf_release(&m->text);
	tl_buf_release(&m->unesc);
	free(m->stop);
	free(m);
	free(x->v);
	free(x);
}
