/* libFuzzer target: schema inference from JSON text, with the allocation-free validator as the
 * oracle (a line is merged exactly when it is one valid JSON object nested at most 100 deep),
 * and Hive type text that must survive a round trip through the parser. Leaving out the keys no
 * catalog can name leaves none behind and a consistent tree (aliases point at a canonical field
 * of their column). */
#include "tl_alloc.h"
#include "tl_json.h"
#include "tl_schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t depth_of(const char *s, size_t n)
{
	size_t d = 0, max = 0;
	int in_str = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			max = ++d > max ? d : max;
		else if (c == '}' || c == ']')
			d--;
	}
	return max;
}

static void round_trip(const struct tl_schema *s)
{
	char *t = tl_schema_type_text(s, 0), *err = NULL;
	struct tl_schema *p = tl_schema_parse_type(t, &err);
	if (!p) {
		/* only an empty root struct renders as a type ("string") that parses differently */
		abort();
	}
	char *t2 = tl_schema_type_text(p, 0);
	if (strcmp(t, t2) != 0)
		abort();
	free(t2);
	char *d = tl_schema_type_text(s, TL_SCHEMA_DDL);
	struct tl_schema *q = tl_schema_parse_type(d, &err);
	if (!q)
		abort();
	t2 = tl_schema_type_text(q, 0);
	if (strcmp(t, t2) != 0)
		abort();
	free(t2);
	free(d);
	tl_schema_free(q);
	tl_schema_free(p);
	free(t);
}

static void check_mappable(const struct tl_schema *s)
{
	if (!s)
		return;
	if (s->kind == TL_SK_ARRAY || s->kind == TL_SK_MAP) {
		check_mappable(s->elem);
		return;
	}
	if (s->kind != TL_SK_STRUCT)
		return;
	for (size_t i = 0; i < s->nfields; i++) {
		const struct tl_schema_field *f = &s->fields[i];
		if (f->namelen > TL_SCHEMA_KEY_MAX || strlen(f->name) != f->namelen)
			abort();
		if (f->alias_of >= 0) {
			const struct tl_schema_field *c = &s->fields[f->alias_of];
			if ((size_t)f->alias_of >= s->nfields || c->alias_of >= 0 || !c->type ||
			    f->type || strcmp(c->col, f->col) != 0)
				abort();
		} else {
			if (!f->type)
				abort();
			check_mappable(f->type);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size;
	struct tl_schema_infer in;
	tl_schema_infer_init(&in, size & 1 ? TL_SCHEMA_TIMESTAMPS : 0);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		const char *why = NULL;
		size_t pos = 0;
		int rc = tl_schema_infer_record(&in, s, n, &why, &pos);
		const char *vwhy;
		size_t vpos, i = 0;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i == n) {
			if (rc != 1)
				abort();
		} else {
			int valid = tl_json_validate(s, n, &vwhy, &vpos) == 0 && s[i] == '{' &&
				    depth_of(s, n) <= 100;
			if (valid != (rc == 0))
				abort();
			if (rc < 0 && (!why || pos > n))
				abort();
		}
		s += n + (nl ? 1 : 0);
	}
	if (in.root->nfields)
		round_trip(in.root);
	/* merging a tree into a copy of itself changes nothing */
	struct tl_schema *copy = tl_schema_dup(in.root);
	if (tl_schema_merge(&copy, in.root) != 0 || !tl_schema_equal(copy, in.root))
		abort();
	tl_schema_free(copy);
	size_t nc;
	char **c = tl_schema_collisions(in.root, &nc);
	for (size_t k = 0; k < nc; k++)
		free(c[k]);
	free(c);
	c = tl_schema_drop_unmappable(in.root, &nc);
	for (size_t k = 0; k < nc; k++)
		free(c[k]);
	free(c);
	check_mappable(in.root);
	if (in.root->nfields)
		round_trip(in.root);
	tl_schema_infer_release(&in);

	/* the same bytes as a type string: parse, and when it parses, render stably */
	char *text = xstrndup((const char *)data, size);
	char *err = NULL;
	struct tl_schema *t = tl_schema_parse_type(text, &err);
	if (t) {
		round_trip(t);
		tl_schema_free(t);
	} else if (!err) {
		abort();
	}
	free(err);
	free(text);
	return 0;
}
