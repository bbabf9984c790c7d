/* tl_tweetsim.h: a simulated X API v2 filtered stream, for demos, tests and load tests.
 *
 * Each call produces one raw stream line, {"data":{...},"includes":{...},"matching_rules":[...]},
 * shaped like a real one: a pool of users (ids, usernames, names, metrics), a realistic mix of
 * languages, Zipf-distributed hashtags and mentions, retweets, replies and quotes with their
 * referenced tweets and authors in includes, photos, places, entities with code-point offsets,
 * public_metrics. Everything is a function of the seed except the times: created_at is the
 * "now" the caller passes (referenced tweets are older).
 */
#ifndef TL_TWEETSIM_H
#define TL_TWEETSIM_H
#include "tl_buf.h"

#include <stdint.h>

struct tl_tweetsim;

/* A planted burst: from start_ms (after the simulation's origin) for len_ms, a share of the
 * tweets carry #tag: rising linearly over the first fifth of the length to share, holding it until
 * three fifths, then falling linearly to nothing at the end. */
struct tl_tweetsim_burst {
	char tag[64];      /* without "#" */
	int64_t start_ms, len_ms;
	double share;      /* 0 < share <= 1 */
};
#define TL_TWEETSIM_BURSTS 16

/* A simulator with its own user pool and vocabulary. Allocates with x* (may exit). */
struct tl_tweetsim *tl_tweetsim_new(uint64_t seed);
/* Appends one raw stream line (no newline) for a tweet created at now_ms. Never fails
 * unless out is capped too small (-1, E2BIG). */
int tl_tweetsim_next(struct tl_tweetsim *s, int64_t now_ms, struct tl_buf *out);
void tl_tweetsim_free(struct tl_tweetsim *s);

/* Parses "TAG@START+LENGTH*SHARE": TAG with or without "#" (letters, digits, "_", at most 63
 * bytes of UTF-8), START and LENGTH in minutes ("10", "2.5") or with a unit ("90s", "1h"), SHARE
 * a fraction ("0.05") or a percentage ("5%"). Returns 0, or -1 with *why (static text). */
int tl_tweetsim_burst_parse(const char *spec, struct tl_tweetsim_burst *b, const char **why);
/* Plants b, its start counted from origin_ms (the created_at of the simulation's start). The
 * bursts draw from a random sequence of their own, so the stream around them is the same as
 * without them. At most TL_TWEETSIM_BURSTS; -1 beyond. */
int tl_tweetsim_add_burst(struct tl_tweetsim *s, const struct tl_tweetsim_burst *b, int64_t origin_ms);

#endif
