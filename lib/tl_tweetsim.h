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

/* A simulator with its own user pool and vocabulary. Allocates with x* (may exit). */
struct tl_tweetsim *tl_tweetsim_new(uint64_t seed);
/* Appends one raw stream line (no newline) for a tweet created at now_ms. Never fails
 * unless out is capped too small (-1, E2BIG). */
int tl_tweetsim_next(struct tl_tweetsim *s, int64_t now_ms, struct tl_buf *out);
void tl_tweetsim_free(struct tl_tweetsim *s);

#endif
