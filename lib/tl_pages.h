/* tl_pages.h: the continuation tokens of one paginated listing (S3 ListObjectsV2, Glue
 * GetPartitions, Athena GetQueryResults). A server that hands out a token it gave before is
 * going round in circles: the listing would never end, so the caller stops it with an error.
 */
#ifndef TL_PAGES_H
#define TL_PAGES_H
#include <stddef.h>
#include <stdint.h>

struct tl_pages {
	uint64_t *seen; /* 64-bit hashes of the tokens so far, an open-addressing set (0: empty) */
	size_t n, cap;
};

#define TL_PAGES_INIT { NULL, 0, 0 }

/* Records token, the one that asks for the next page. Returns 0 when this listing never had it,
 * -1 when it did (same as the previous one or any before). Never fails otherwise (exits when out
 * of memory). */
int tl_pages_next(struct tl_pages *p, const char *token);
/* How many tokens were recorded (the pages fetched after the first). */
size_t tl_pages_count(const struct tl_pages *p);
void tl_pages_release(struct tl_pages *p);

#endif
