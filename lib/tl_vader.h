/* tl_vader.h: VADER sentiment scores for short social-media texts.
 *
 * VADER (Hutto and Gilbert, ICWSM 2014) is a valence lexicon plus rules: a negation window of
 * three words, boosters and dampeners ("very", "kind of"), ALL-CAPS emphasis, "!" and "?",
 * the contrastive "but", a few idioms and special cases ("the bomb", "kiss of death"), emoticons
 * (in the lexicon) and emoji (through their descriptions), and a normalization of the sum to the
 * compound score in [-1, 1]. This implementation follows the authors' Python reference
 * (vaderSentiment 3.3.x) rule for rule; where that reference disagrees with the paper the paper
 * wins, and the difference is listed in man/tw-sentiment.1 (CONFORMANCE).
 *
 * The lexicon and the emoji descriptions are the authors' files (lib/vader/, MIT), compiled into
 * the library; another lexicon in the same format can be loaded instead (the rules stay English).
 */
#ifndef TL_VADER_H
#define TL_VADER_H
#include "tl_buf.h"

#include <stddef.h>

/* Texts longer than this are not scored (tl_vader_score() fails with E2BIG): the scorer's memory
 * stays bounded (about 40 bytes per word) whatever a line holds. */
#define TL_VADER_TEXT_MAX ((size_t)1 << 20)

struct tl_vader_scores {
	double compound; /* normalized sum, [-1, 1] */
	double pos, neu, neg; /* proportions of the text, summing to about 1 */
};

struct tl_vader;

/* A scorer over the built-in English lexicon and emoji descriptions. Allocates with x* (may exit);
 * never NULL. Not thread-safe: it holds scratch space reused by every call. */
struct tl_vader *tl_vader_new(void);

/* Replaces the word lexicon (format of vader_lexicon.txt: WORD<TAB>VALENCE[<TAB>...] per line;
 * blank lines ignored; a later line for the same word wins) or, with emoji true, the emoji table
 * (EMOJI<TAB>DESCRIPTION per line; only single code points can match, as in the reference).
 * text is not kept. Returns 0, or -1 with the reason logged (name and line number). */
int tl_vader_load(struct tl_vader *v, const char *text, size_t len, const char *name, int emoji);

/* Scores text[0..n) (UTF-8; invalid bytes are taken as single non-space characters). The scores
 * are not rounded (see tl_vader_scores_json). Returns 0, or -1 with errno E2BIG when n is over
 * TL_VADER_TEXT_MAX. Never blocks. */
int tl_vader_score(struct tl_vader *v, const char *text, size_t n, struct tl_vader_scores *out);

/* Appends {"compound":C,"pos":P,"neu":U,"neg":N}: compound rounded to 4 decimals, the others to 3
 * (as the reference rounds), each written so that it reads as a floating-point number (0.0, 1.0,
 * never 0 or 1 or -0.0). -1 if b's cap is reached. */
int tl_vader_scores_json(const struct tl_vader_scores *s, struct tl_buf *b);

/* Number of words in the lexicon and emoji in the emoji table (for messages). */
size_t tl_vader_lexicon_size(const struct tl_vader *v, int emoji);

void tl_vader_free(struct tl_vader *v);

#endif
