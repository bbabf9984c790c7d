/* tl_terms.h: the terms of a tweet, for trend detection: hashtags, cashtags, mentions, the
 * domains of links, and the words and two-word phrases of the text.
 *
 * What it does with text (the man page of tw-trends says the same for users):
 * - hashtags (#tag or ＃tag), cashtags ($TAG) and mentions (@user) are found in the text by the
 *   rules of X's twitter-text (what may precede them, which characters they hold: a hashtag
 *   needs a letter, a cashtag is 1 to 6 Latin letters, a mention 1 to 15 of [A-Za-z0-9_]), so
 *   they agree with the entities X sends, and input without entities works the same;
 * - domains come from the entities' expanded URLs (v2 and v1.1), else from http(s) URLs in the
 *   text; "www." is dropped; X's own hosts (t.co, twitter.com, x.com) are not counted;
 * - words are runs of letters, marks, digits and "_" (with ' ’ - inside), found with Unicode
 *   character properties (ICU); HTML entities as X escapes them (&amp;) are skipped;
 * - scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) are cut into
 *   words by ICU's dictionary-based word break iterator (UAX #29 with dictionaries);
 * - every term is case-folded and normalized (Unicode NFKC_Casefold: "ＡＩ", "Ai" and "AI" are
 *   one term, "Straße" is "strasse");
 * - a word is dropped when it is a stop word of the tweet's language (lists for about fifteen
 *   languages built in; all lists when the language is unknown) or of English, when it is a
 *   number, when it is one character long, or when it is kana only and shorter than three
 *   characters (Japanese particles and endings);
 * - a phrase is two adjacent kept words with nothing but spaces between them (no stop word,
 *   punctuation, emoji, hashtag or link), joined by a space (no space between two words of a
 *   script written without spaces);
 * - each term counts once per tweet; a term's text is at most TL_TERM_MAX bytes (hashtags are
 *   cut there at a character boundary, longer words and phrases are dropped).
 *
 * A term's kind is part of its identity: the hashtag "#ai" and the word "ai" are two terms.
 * Term texts carry their sigil (#, $, @) so that they read as a person writes them.
 */
#ifndef TL_TERMS_H
#define TL_TERMS_H
#include "tl_tweet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_term_kind {
	TL_TERM_HASHTAG = 0,
	TL_TERM_CASHTAG,
	TL_TERM_MENTION,
	TL_TERM_DOMAIN,
	TL_TERM_WORD,
	TL_TERM_PHRASE,
	TL_TERM_NKINDS,
};
#define TL_TERM_ALL ((1u << TL_TERM_NKINDS) - 1)
#define TL_TERM_MAX 64
/* At most this many terms are taken from one tweet (the rest of a very long text is ignored). */
#define TL_TERMS_PER_TWEET 256

struct tl_term {
	uint64_t hash; /* of kind and text (tl_terms_hash) */
	uint32_t off;  /* of the text in tl_terms.text */
	uint8_t len;
	uint8_t kind;
};

struct tl_terms_impl;

struct tl_terms {
	struct tl_term *v; /* this tweet's terms, each once, in order of appearance */
	size_t n;
	char *text;        /* their texts, back to back (not NUL-terminated) */
	struct tl_terms_impl *impl;
};

/* A term extractor for the kinds in the bit mask kinds (1 << TL_TERM_...). Opens ICU's break
 * iterator and normalizer; NULL (logged) if ICU's data is missing. Not thread-safe: one per
 * thread. Allocates with x* (may exit). */
struct tl_terms *tl_terms_new(unsigned kinds);
void tl_terms_free(struct tl_terms *x);
/* Forgets the terms found so far (start of a tweet). */
void tl_terms_reset(struct tl_terms *x);

/* Adds the terms of text[0..n) (UTF-8; invalid sequences are treated as punctuation), written in
 * language lang[0..langlen) (X's codes: "en", "ja", "in", "und"; NULL when unknown). With
 * text_urls, http(s) URLs in the text give domain terms. Returns the number of terms now held. */
size_t tl_terms_add_text(struct tl_terms *x, const char *text, size_t n, const char *lang,
			 size_t langlen, bool text_urls);

/* The terms of the tweet at token obj of d: a merged v2 tweet or the "data" of a stream line
 * (note_tweet.text when present, else text; entities.urls), or a v1.1 tweet
 * (extended_tweet.full_text, full_text or text; extended_tweet.entities or entities). Resets
 * first. Returns the number of terms; 0 also for a tweet without text. */
size_t tl_terms_tweet(struct tl_terms *x, const struct tl_jdoc *d, size_t obj);

/* "hashtag", "cashtag", "mention", "domain", "word", "phrase"; NULL for another number. */
const char *tl_term_kind_name(unsigned kind);
/* The kind named name[0..n), or -1. */
int tl_term_kind_parse(const char *name, size_t n);
/* A comma-separated list of kind names ("hashtag,word", "all") as a bit mask; -1 on an unknown
 * name (*bad, if not NULL, points at it). */
long tl_term_kinds_parse(const char *list, const char **bad);

/* The 64-bit hash the extractor gives a term of this kind and text. */
uint64_t tl_terms_hash(unsigned kind, const char *text, size_t n);

#endif
