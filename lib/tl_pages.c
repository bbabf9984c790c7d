/* tl_pages.c: repeated continuation tokens (see tl_pages.h). */
#include "tl_pages.h"

#include "tl_alloc.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a; a token that collides with an earlier one only makes a listing stop with an error,
 * which a server can make happen anyway. */
static uint64_t token_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ? h : 1;
}

static int insert(struct tl_pages *p, uint64_t h)
{
	size_t i = (size_t)(h ^ (h >> 29)) & (p->cap - 1);
	while (p->seen[i]) {
		if (p->seen[i] == h)
			return -1;
		i = (i + 1) & (p->cap - 1);
	}
	p->seen[i] = h;
	p->n++;
	return 0;
}

int tl_pages_next(struct tl_pages *p, const char *token)
{
	if ((p->n + 1) * 2 > p->cap) {
		struct tl_pages g = { xcalloc(p->cap ? p->cap * 2 : 32, sizeof(uint64_t)), 0,
				      p->cap ? p->cap * 2 : 32 };
		for (size_t i = 0; i < p->cap; i++)
			if (p->seen[i])
				insert(&g, p->seen[i]);
		free(p->seen);
		*p = g;
	}
	return insert(p, token_hash(token));
}

size_t tl_pages_count(const struct tl_pages *p)
{
	return p->n;
}

void tl_pages_release(struct tl_pages *p)
{
	free(p->seen);
	memset(p, 0, sizeof(*p));
}
