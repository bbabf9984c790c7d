#include "tl_hh.h"
#include "tl_alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- count-min sketch ---- */

static size_t pow2_at_least(size_t n, size_t min)
{
	size_t p = min;
	while (p < n && p < ((size_t)1 << 40))
		p <<= 1;
	return p;
}

void tl_cms_init(struct tl_cms *c, size_t width, size_t depth)
{
	c->width = pow2_at_least(width, 64);
	c->depth = depth < 1 ? 1 : depth > 8 ? 8 : depth;
	c->cell = xcalloc(c->width * c->depth, sizeof *c->cell);
	c->total = 0;
}

void tl_cms_free(struct tl_cms *c)
{
	free(c->cell);
	c->cell = NULL;
}

/* Row r's column for hash: independent-enough columns from one 64-bit hash (Kirsch and
 * Mitzenmacher 2006: h1 + r * h2). */
static size_t col(const struct tl_cms *c, uint64_t hash, size_t r)
{
	uint64_t h1 = hash, h2 = (hash >> 32 | hash << 32) * 0x9E3779B97F4A7C15ULL | 1;
	return (size_t)((h1 + r * h2) >> 7) & (c->width - 1);
}

double tl_cms_get(const struct tl_cms *c, uint64_t hash)
{
	float m = INFINITY;
	for (size_t r = 0; r < c->depth; r++) {
		float v = c->cell[r * c->width + col(c, hash, r)];
		if (v < m)
			m = v;
	}
	return m;
}

double tl_cms_add(struct tl_cms *c, uint64_t hash, double w)
{
	size_t at[8];
	float m = INFINITY;
	for (size_t r = 0; r < c->depth; r++) {
		at[r] = r * c->width + col(c, hash, r);
		if (c->cell[at[r]] < m)
			m = c->cell[at[r]];
	}
	float v = (float)(m + w);
	for (size_t r = 0; r < c->depth; r++)
		if (c->cell[at[r]] < v)
			c->cell[at[r]] = v;
	c->total += w;
	return v;
}

void tl_cms_raise(struct tl_cms *c, uint64_t hash, double v)
{
	for (size_t r = 0; r < c->depth; r++) {
		float *p = &c->cell[r * c->width + col(c, hash, r)];
		if (*p < (float)v)
			*p = (float)v;
	}
}

void tl_cms_scale(struct tl_cms *c, double f)
{
	float ff = (float)f;
	for (size_t i = 0; i < c->width * c->depth; i++)
		c->cell[i] *= ff;
	c->total *= f;
}

double tl_cms_epsilon(const struct tl_cms *c)
{
	return exp(1.0) / (double)c->width;
}

/* ---- space-saving ---- */

void tl_ss_init(struct tl_ss *s, size_t cap)
{
	if (cap < 1)
		cap = 1;
	s->cap = cap;
	s->n = 0;
	s->slot = xcalloc(cap, sizeof *s->slot);
	s->heap = xcalloc(cap, sizeof *s->heap);
	s->nheap = 0;
	size_t isz = pow2_at_least(cap * 2, 16);
	s->index = xcalloc(isz, sizeof *s->index);
	s->mask = isz - 1;
}

void tl_ss_free(struct tl_ss *s)
{
	free(s->slot);
	free(s->heap);
	free(s->index);
	s->slot = NULL;
	s->heap = NULL;
	s->index = NULL;
}

long tl_ss_find(const struct tl_ss *s, uint64_t hash, const char *key, size_t n)
{
	size_t i = (size_t)hash & s->mask;
	for (uint32_t v; (v = s->index[i].slot1) != 0; i = (i + 1) & s->mask) {
		if (s->index[i].hash != hash)
			continue;
		const struct tl_ss_slot *e = &s->slot[v - 1];
		if (e->keylen == n && memcmp(e->key, key, n) == 0)
			return (long)(v - 1);
	}
	return -1;
}

static void index_put(struct tl_ss *s, uint64_t hash, size_t slot)
{
	size_t i = (size_t)hash & s->mask;
	while (s->index[i].slot1)
		i = (i + 1) & s->mask;
	s->index[i].hash = hash;
	s->index[i].slot1 = (uint32_t)(slot + 1);
}

/* Linear probing deletion by backward shift (Knuth 6.4, algorithm R): no tombstones. */
static void index_del(struct tl_ss *s, size_t slot)
{
	size_t i = (size_t)s->slot[slot].hash & s->mask;
	while (s->index[i].slot1 != slot + 1)
		i = (i + 1) & s->mask;
	s->index[i].slot1 = 0;
	for (size_t j = (i + 1) & s->mask; s->index[j].slot1; j = (j + 1) & s->mask) {
		size_t home = (size_t)s->index[j].hash & s->mask;
		/* move j back to i if its home is not in (i, j] cyclically */
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!between) {
			s->index[i] = s->index[j];
			s->index[j].slot1 = 0;
			i = j;
		}
	}
}

static void heap_set(struct tl_ss *s, size_t pos, uint32_t slot)
{
	s->heap[pos] = slot;
	s->slot[slot].heap = (uint32_t)pos;
}

static void sift_up(struct tl_ss *s, size_t pos)
{
	uint32_t v = s->heap[pos];
	double c = s->slot[v].count;
	while (pos > 0) {
		size_t parent = (pos - 1) / 2;
		if (s->slot[s->heap[parent]].count <= c)
			break;
		heap_set(s, pos, s->heap[parent]);
		pos = parent;
	}
	heap_set(s, pos, v);
}

static void sift_down(struct tl_ss *s, size_t pos)
{
	uint32_t v = s->heap[pos];
	double c = s->slot[v].count;
	for (;;) {
		size_t l = 2 * pos + 1, m = pos;
		double mc = c;
		if (l < s->nheap && s->slot[s->heap[l]].count < mc) {
			m = l;
			mc = s->slot[s->heap[l]].count;
		}
		if (l + 1 < s->nheap && s->slot[s->heap[l + 1]].count < mc)
			m = l + 1;
		if (m == pos)
			break;
		heap_set(s, pos, s->heap[m]);
		pos = m;
	}
	heap_set(s, pos, v);
}

static void heap_remove(struct tl_ss *s, size_t pos)
{
	s->nheap--;
	if (pos < s->nheap) {
		uint32_t v = s->heap[s->nheap];
		heap_set(s, pos, v);
		sift_down(s, pos);
		sift_up(s, s->slot[v].heap);
	}
}

long tl_ss_insert(struct tl_ss *s, uint64_t hash, const char *key, size_t n, double count, double err,
		  struct tl_ss_slot *evicted, bool *was_evicted)
{
	size_t slot;
	if (was_evicted)
		*was_evicted = false;
	if (n > TL_HH_KEY_MAX)
		n = TL_HH_KEY_MAX;
	if (s->n < s->cap) {
		slot = s->n++;
	} else {
		if (!s->nheap)
			return -1;
		slot = s->heap[0];
		if (evicted)
			*evicted = s->slot[slot];
		if (was_evicted)
			*was_evicted = true;
		index_del(s, slot);
		heap_remove(s, 0);
	}
	struct tl_ss_slot *e = &s->slot[slot];
	e->hash = hash;
	e->count = count;
	e->err = err;
	e->keylen = (uint8_t)n;
	memcpy(e->key, key, n);
	index_put(s, hash, slot);
	heap_set(s, s->nheap++, (uint32_t)slot);
	sift_up(s, s->nheap - 1);
	return (long)slot;
}

void tl_ss_add(struct tl_ss *s, size_t slot, double w)
{
	struct tl_ss_slot *e = &s->slot[slot];
	e->count += w;
	if (e->heap != UINT32_MAX)
		sift_down(s, e->heap);
}

double tl_ss_min(const struct tl_ss *s)
{
	if (s->n < s->cap || !s->nheap)
		return 0;
	return s->slot[s->heap[0]].count;
}

void tl_ss_pin(struct tl_ss *s, size_t slot, bool pin)
{
	struct tl_ss_slot *e = &s->slot[slot];
	if (pin && e->heap != UINT32_MAX) {
		heap_remove(s, e->heap);
		e->heap = UINT32_MAX;
	} else if (!pin && e->heap == UINT32_MAX) {
		heap_set(s, s->nheap++, (uint32_t)slot);
		sift_up(s, s->nheap - 1);
	}
}

bool tl_ss_pinned(const struct tl_ss *s, size_t slot)
{
	return s->slot[slot].heap == UINT32_MAX;
}

void tl_ss_scale(struct tl_ss *s, double f)
{
	for (size_t i = 0; i < s->n; i++) {
		s->slot[i].count *= f;
		s->slot[i].err *= f;
	}
}
