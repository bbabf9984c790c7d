/* libFuzzer target: the lake's read side over object keys as an S3 listing gives them
 * (lib/tl_lakeread.c): hidden names, tables of a lake root, key=value folders and their values,
 * locations. The input is one key a line; the first line is also parsed as a location. */
#include "tl_alloc.h"
#include "tl_lakeread.h"
#include "tl_log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tl_lake_listing l;
	struct tl_lake_split *sp;
	struct tl_lake_loc loc;
	char *err = NULL;
	tl_log_set_level(-1);
	memset(&l, 0, sizeof l);
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *key = xstrndup(p, n);
		if (l.n == 0) {
			if (tl_lake_loc_parse(key, &loc, &err) == 0)
				tl_lake_loc_free(&loc);
			free(err);
			err = NULL;
		}
		if (*key && !tl_lake_rel_hidden(key) && key[strlen(key) - 1] != '/') {
			if (l.n == l.cap) {
				l.cap = l.cap ? l.cap * 2 : 8;
				l.v = xrealloc(l.v, l.cap * sizeof *l.v);
			}
			l.v[l.n].rel = key;
			l.v[l.n].size = (int64_t)n;
			l.n++;
			key = NULL;
		}
		free(key);
		p += n + 1;
	}
	size_t nt = tl_lake_tables(&l, &sp);
	for (size_t i = 0; i < nt; i++) {
		struct tl_lake_table t;
		size_t tn = strlen(sp[i].topic);
		tl_lake_table_init(&t);
		for (size_t j = sp[i].from; j < sp[i].to; j++) {
			int part;
			const char *rel = l.v[j].rel + (tn ? tn + 1 : 0);
			if (tl_lake_table_place(&t, rel, &part) == 0 && part >= 0 &&
			    (size_t)part >= t.nparts)
				abort();
		}
		tl_lake_table_release(&t);
	}
	tl_lake_splits_free(sp, nt);
	tl_lake_listing_free(&l);
	tl_log_cleanup();
	return 0;
}
