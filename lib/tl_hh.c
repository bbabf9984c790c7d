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
	c->cell = xcalloc(c->width * c->depth * TL_CMS_LANES, sizeof *c->cell);
	for (int l = 0; l < TL_CMS_LANES; l++)
		c->total[l] = 0;
}

void tl_cms_free(struct tl_cms *c)
{
	free(c->cell);
	c->cell = NULL;
}

/* Row r's cell for hash: independent-enough columns from one 64-bit hash (Kirsch and
 * Mitzenmacher 2006: h1 + r * h2). */
static float *cell(const struct tl_cms *c, uint64_t hash, size_t r)
{
	uint64_t h2 = (hash >> 32 | hash << 32) * 0x9E3779B97F4A7C15ULL | 1;
	size_t col = (size_t)((hash + r * h2) >> 7) & (c->width - 1);
	return c->cell + (r * c->width + col) * TL_CMS_LANES;
}

void tl_cms_prefetch(const struct tl_cms *c, uint64_t hash)
{
	for (size_t r = 0; r < c->depth; r++)
		__builtin_prefetch(cell(c, hash, r), 1);
}

double tl_cms_get(const struct tl_cms *c, uint64_t hash, int lane)
{
	float m = INFINITY;
	for (size_t r = 0; r < c->depth; r++) {
		float v = cell(c, hash, r)[lane];
		if (v < m)
			m = v;
	}
	return m;
}

double tl_cms_add(struct tl_cms *c, uint64_t hash, const double w[TL_CMS_LANES])
{
	float *at[8], m[TL_CMS_LANES];
	for (int l = 0; l < TL_CMS_LANES; l++)
		m[l] = INFINITY;
	for (size_t r = 0; r < c->depth; r++) {
		at[r] = cell(c, hash, r);
		for (int l = 0; l < TL_CMS_LANES; l++)
			if (at[r][l] < m[l])
				m[l] = at[r][l];
	}
	for (int l = 0; l < TL_CMS_LANES; l++) {
		float v = (float)(m[l] + w[l]);
		for (size_t r = 0; r < c->depth; r++)
			if (at[r][l] < v)
				at[r][l] = v;
		m[l] = v;
		c->total[l] += w[l];
	}
	return m[0];
}

void tl_cms_raise(struct tl_cms *c, uint64_t hash, int lane, double v)
{
	for (size_t r = 0; r < c->depth; r++) {
		float *p = &cell(c, hash, r)[lane];
		if (*p < (float)v)
			*p = (float)v;
	}
}

void tl_cms_scale(struct tl_cms *c, int lane, double f)
{
	float ff = (float)f;
	for (size_t i = lane; i < c->width * c->depth * TL_CMS_LANES; i += TL_CMS_LANES)
		c->cell[i] *= ff;
	c->total[lane] *= f;
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

void tl_ss_prefetch(const struct tl_ss *s, uint64_t hash)
{
	__builtin_prefetch(&s->index[(size_t)hash & s->mask]);
}

void tl_ss_prefetch_slot(const struct tl_ss *s, size_t slot)
{
	const struct tl_ss_slot *e = &s->slot[slot];
	__builtin_prefetch(e, 1);
	if (e->heap != UINT32_MAX)
		__builtin_prefetch(&s->heap[e->heap], 1);
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

static void heap_set(struct tl_ss *s, size_t pos, struct tl_ss_heap e)
{
	s->heap[pos] = e;
	s->slot[e.slot].heap = (uint32_t)pos;
}

static void sift_up(struct tl_ss *s, size_t pos)
{
	struct tl_ss_heap e = s->heap[pos];
	while (pos > 0) {
		size_t parent = (pos - 1) / 2;
		if (s->heap[parent].count <= e.count)
			break;
		heap_set(s, pos, s->heap[parent]);
		pos = parent;
	}
	heap_set(s, pos, e);
}

static void sift_down(struct tl_ss *s, size_t pos)
{
	struct tl_ss_heap e = s->heap[pos];
	size_t start = pos;
	for (;;) {
		size_t l = 2 * pos + 1, m = pos;
		double mc = e.count;
		if (l < s->nheap && s->heap[l].count < mc) {
			m = l;
			mc = s->heap[l].count;
		}
		if (l + 1 < s->nheap && s->heap[l + 1].count < mc)
			m = l + 1;
		if (m == pos)
			break;
		heap_set(s, pos, s->heap[m]);
		pos = m;
	}
	if (pos != start)
		heap_set(s, pos, e);
}

static void heap_remove(struct tl_ss *s, size_t pos)
{
	s->nheap--;
	if (pos < s->nheap) {
		struct tl_ss_heap e = s->heap[s->nheap];
		heap_set(s, pos, e);
		sift_down(s, pos);
		sift_up(s, s->slot[e.slot].heap);
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
		slot = s->heap[0].slot;
		if (evicted) {
			*evicted = s->slot[slot];
			evicted->count = s->heap[0].count;
		}
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
	heap_set(s, s->nheap++, (struct tl_ss_heap){ count, (uint32_t)slot });
	sift_up(s, s->nheap - 1);
	return (long)slot;
}

void tl_ss_add(struct tl_ss *s, size_t slot, double w)
{
	struct tl_ss_slot *e = &s->slot[slot];
	if (e->heap == UINT32_MAX) {
		e->count += w;
	} else {
		s->heap[e->heap].count += w;
		sift_down(s, e->heap);
	}
}

double tl_ss_count(const struct tl_ss *s, size_t slot)
{
	const struct tl_ss_slot *e = &s->slot[slot];
	return e->heap == UINT32_MAX ? e->count : s->heap[e->heap].count;
}

double tl_ss_min(const struct tl_ss *s)
{
	if (s->n < s->cap || !s->nheap)
		return 0;
	return s->heap[0].count;
}

void tl_ss_pin(struct tl_ss *s, size_t slot, bool pin)
{
	struct tl_ss_slot *e = &s->slot[slot];
	if (pin && e->heap != UINT32_MAX) {
		e->count = s->heap[e->heap].count;
		heap_remove(s, e->heap);
		e->heap = UINT32_MAX;
	} else if (!pin && e->heap == UINT32_MAX) {
		heap_set(s, s->nheap++, (struct tl_ss_heap){ e->count, (uint32_t)slot });
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
	for (size_t i = 0; i < s->nheap; i++)
		s->heap[i].count *= f;
}
