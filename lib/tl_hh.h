/* tl_hh.h: counting an unbounded vocabulary in bounded memory: a count-min sketch for every
 * key, and a space-saving table of the heaviest keys.
 *
 * Keys are opaque byte strings (at most TL_HH_KEY_MAX bytes) that the caller hashes (64 bits,
 * well mixed). Weights are doubles so that callers can count with forward decay (Cormode,
 * Shkapenyuk, Srivastava, Xu 2009): an event at time t weighs 2^((t - L) / half-life) for a
 * landmark L, so that decayed counts of different keys stay comparable without touching every
 * counter as time passes; tl_cms_scale()/tl_ss_scale() move the landmark before the weights
 * grow too large.
 *
 * Error bounds (documented for users in tw-trends(1)):
 * - count-min sketch (Cormode and Muthukrishnan 2005) of depth d and width w: an estimate is
 *   never below the true (decayed) count, and exceeds it by more than e/w of the total weight
 *   added with probability at most e^-d. Conservative update (Estan and Varghese 2002) only
 *   lowers the estimates, keeping them above the true counts.
 * - space-saving (Metwally, Agrawal and El Abbadi 2005) with capacity k: the table holds every
 *   key whose count exceeds 1/k of the total, each with an over-estimate of at most its err.
 *   The caller decides when a key enters (tl_ss_insert evicts the smallest), so a count-min
 *   admission filter (a key enters when its sketch estimate passes the smallest count, as in
 *   TinyLFU, Einziger, Friedman and Manes 2017) keeps the long tail from churning the table.
 *
 * Neither structure allocates after its init; all operations are O(d) or O(log k).
 */
#ifndef TL_HH_H
#define TL_HH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_HH_KEY_MAX 96

/* ---- count-min sketch ---- */

/* A sketch with TL_CMS_LANES counters in each cell, updated together (one memory access per
 * row for both): e.g. the same counts under two decays. Each lane is a count-min sketch of its
 * own with the bounds above. */
#define TL_CMS_LANES 2

struct tl_cms {
	float *cell;   /* depth rows of width cells of TL_CMS_LANES counters */
	size_t width;  /* a power of two */
	size_t depth;
	double total[TL_CMS_LANES]; /* all weight added to each lane */
};

/* width is rounded up to a power of two (at least 64), depth is 1 to 8. Allocates with x*. */
void tl_cms_init(struct tl_cms *c, size_t width, size_t depth);
void tl_cms_free(struct tl_cms *c);
/* Adds w[lane] (>= 0) to key hash in each lane with conservative update; returns the new
 * estimate of lane 0. */
double tl_cms_add(struct tl_cms *c, uint64_t hash, const double w[TL_CMS_LANES]);
/* The estimate of key hash in a lane (never below its true count). */
double tl_cms_get(const struct tl_cms *c, uint64_t hash, int lane);
/* Raises the estimate of key hash in a lane to at least v (writes back a count kept elsewhere). */
void tl_cms_raise(struct tl_cms *c, uint64_t hash, int lane, double v);
/* Multiplies every counter of a lane and its total by f (moving the forward-decay landmark). */
void tl_cms_scale(struct tl_cms *c, int lane, double f);
/* The bound e/width of the additive error, as a share of the total. */
double tl_cms_epsilon(const struct tl_cms *c);

/* ---- space-saving ---- */

struct tl_ss_slot {
	uint64_t hash;
	double count;   /* the key's count since it entered, plus its err (while pinned; else the
			 * heap entry holds it: read it with tl_ss_count) */
	double err;     /* what count may over-state */
	uint32_t heap;  /* position in the heap, or UINT32_MAX when pinned */
	uint8_t keylen;
	char key[TL_HH_KEY_MAX];
};

struct tl_ss_heap {
	double count;
	uint32_t slot;
};

struct tl_ss {
	struct tl_ss_slot *slot; /* cap slots; the first n are in use */
	size_t cap, n;
	struct tl_ss_heap *heap; /* a min-heap by count of the slots not pinned, counts inline so
				  * that sifting touches the heap only */
	size_t nheap;
	struct tl_ss_index {     /* open addressing by hash: slot number + 1, 0 when free */
		uint64_t hash;
		uint32_t slot1;
	} *index;
	size_t mask;
};

/* A table for cap keys (at least 1). Allocates with x*. */
void tl_ss_init(struct tl_ss *s, size_t cap);
void tl_ss_free(struct tl_ss *s);
/* Hints that hash will be looked up soon (a prefetch of its index entry; nothing else). */
void tl_ss_prefetch(const struct tl_ss *s, uint64_t hash);
/* Hints that slot will be counted soon (prefetches the slot and its heap entry). */
void tl_ss_prefetch_slot(const struct tl_ss *s, size_t slot);
/* The same for a key's cells in the sketch. */
void tl_cms_prefetch(const struct tl_cms *c, uint64_t hash);
/* The slot of key[0..n) with hash, or -1. */
long tl_ss_find(const struct tl_ss *s, uint64_t hash, const char *key, size_t n);
/* Puts a key that is not in the table into a free slot, or, when the table is full, into the
 * slot of the key with the smallest count (not pinned) after copying that key's slot to
 * *evicted (when not NULL; *was_evicted tells). count and err as described above. Returns the
 * slot, or -1 when every slot is pinned. n is at most TL_HH_KEY_MAX. */
long tl_ss_insert(struct tl_ss *s, uint64_t hash, const char *key, size_t n, double count, double err,
		  struct tl_ss_slot *evicted, bool *was_evicted);
/* Adds w to the count of a slot. */
void tl_ss_add(struct tl_ss *s, size_t slot, double w);
/* The count of a slot. */
double tl_ss_count(const struct tl_ss *s, size_t slot);
/* The smallest count of an evictable key when the table is full, else 0. */
double tl_ss_min(const struct tl_ss *s);
/* A pinned slot is never evicted (e.g. while its term is trending). */
void tl_ss_pin(struct tl_ss *s, size_t slot, bool pin);
bool tl_ss_pinned(const struct tl_ss *s, size_t slot);
/* Multiplies every count and err by f (> 0; the order is unchanged). */
void tl_ss_scale(struct tl_ss *s, double f);

#endif
