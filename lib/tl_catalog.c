/* tl_catalog.c: Glue TableInput building and merging, Athena DDL, and the two catalogs (Glue
 * through JSON 1.1 calls, or the local folder format described in tl_catalog.h). */
#include "tl_catalog.h"
#include "tl_alloc.h"
#include "tl_aws.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_pages.h"
#include "tl_log.h"
#include "tl_time.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH 100

/* ---- building ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_u64(cJSON *o, const char *k, uint64_t v)
{
	char num[32];
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	tl_json_add_str(o, k, num);
}

/* Sets o[k] = a copy of v, replacing any value there. */
static void put(cJSON *o, const char *k, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
	else
		tl_json_add(o, k, v);
}

static void put_str(cJSON *o, const char *k, const char *s)
{
	cJSON *v = cJSON_CreateString(s);
	if (!v)
		tl_die(1, "out of memory");
	put(o, k, v);
}

static cJSON *dup_json(const cJSON *v)
{
	cJSON *d = cJSON_Duplicate(v, 1);
	if (!d)
		tl_die(1, "out of memory");
	return d;
}

static cJSON *new_array(void)
{
	cJSON *a = cJSON_CreateArray();
	if (!a)
		tl_die(1, "out of memory");
	return a;
}

/* The data columns; a field named as a partition key is left out (Athena refuses a table that
 * has a column twice; the partition's value stands for the field, which a {field} partition
 * template of kafka-to-s3 took it from). */
static cJSON *columns_json(const struct tl_schema *root, const char *const *pkeys, size_t npkeys)
{
	cJSON *cols = new_array();
	for (size_t i = 0; root && i < root->nfields; i++) {
		const struct tl_schema_field *f = &root->fields[i];
		bool is_key = false;
		for (size_t k = 0; k < npkeys && !is_key; k++)
			is_key = strcmp(pkeys[k], f->col) == 0;
		if (f->alias_of >= 0 || is_key)
			continue;
		cJSON *c = tl_json_obj();
		char *t = tl_schema_type_text(f->type, 0);
		tl_json_add_str(c, "Name", f->col);
		tl_json_add_str(c, "Type", t);
		free(t);
		cJSON_AddItemToArray(cols, c);
	}
	return cols;
}

/* mapping.COL for fields whose column is not their key lower-cased, at every level (the openx
 * SerDe applies its mappings to nested structs too). */
static void add_mappings(cJSON *params, const struct tl_schema *s)
{
	if (!s)
		return;
	if (s->kind == TL_SK_ARRAY || s->kind == TL_SK_MAP) {
		add_mappings(params, s->elem);
		return;
	}
	if (s->kind != TL_SK_STRUCT)
		return;
	for (size_t i = 0; i < s->nfields; i++) {
		const struct tl_schema_field *f = &s->fields[i];
		if (f->alias_of >= 0)
			continue;
		bool plain = strlen(f->col) == f->namelen;
		for (size_t j = 0; plain && j < f->namelen; j++) {
			char c = f->name[j];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			plain = c == f->col[j];
		}
		if (!plain) {
			char *k = xasprintf("mapping.%s", f->col);
			if (!cJSON_GetObjectItemCaseSensitive(params, k))
				tl_json_add_str(params, k, f->name);
			free(k);
		}
		add_mappings(params, f->type);
	}
}

cJSON *tl_catalog_table_input(const struct tl_catalog_spec *sp)
{
	cJSON *ti = tl_json_obj();
	tl_json_add_str(ti, "Name", sp->name);
	tl_json_add_str(ti, "TableType", "EXTERNAL_TABLE");
	tl_json_add_num(ti, "Retention", 0);

	cJSON *pk = new_array();
	for (size_t i = 0; i < sp->npartition_keys; i++) {
		cJSON *k = tl_json_obj();
		tl_json_add_str(k, "Name", sp->partition_keys[i]);
		tl_json_add_str(k, "Type", "string");
		cJSON_AddItemToArray(pk, k);
	}
	tl_json_add(ti, "PartitionKeys", pk);

	cJSON *params = tl_json_obj();
	tl_json_add_str(params, "classification", "json");
	tl_json_add_str(params, "compressionType", sp->compressed ? "gzip" : "none");
	tl_json_add_str(params, "typeOfData", "file");
	if (sp->stats) {
		add_u64(params, "recordCount", sp->records);
		add_u64(params, "objectCount", sp->objects);
		add_u64(params, "averageRecordSize",
			sp->records ? sp->uncompressed_bytes / sp->records : 0);
		add_u64(params, "sizeKey", sp->bytes);
	}
	if (sp->updated_by)
		tl_json_add_str(params, "UPDATED_BY_CRAWLER", sp->updated_by);
	for (const cJSON *e = sp->extra_params ? sp->extra_params->child : NULL; e; e = e->next)
		if (cJSON_IsString(e))
			put_str(params, e->string, e->valuestring);

	cJSON *sd = tl_json_obj();
	tl_json_add(sd, "Columns", columns_json(sp->columns, sp->partition_keys, sp->npartition_keys));
	tl_json_add_str(sd, "Location", sp->location);
	tl_json_add_str(sd, "InputFormat", TL_TEXT_INPUT);
	tl_json_add_str(sd, "OutputFormat", TL_TEXT_OUTPUT);
	tl_json_add_bool(sd, "Compressed", sp->compressed);
	tl_json_add_num(sd, "NumberOfBuckets", -1);
	cJSON *serde = tl_json_obj();
	tl_json_add_str(serde, "SerializationLibrary", TL_JSONSERDE);
	cJSON *sparams = tl_json_obj();
	/* paths: the top-level keys, sorted, as a Glue crawler writes them */
	size_t n = 0;
	const struct tl_schema *root = sp->columns;
	char **keys = xcalloc(root ? root->nfields + 1 : 1, sizeof(char *));
	for (size_t i = 0; root && i < root->nfields; i++)
		if (root->fields[i].alias_of < 0)
			keys[n++] = root->fields[i].name;
	qsort(keys, n, sizeof(char *), cmp_str);
	struct tl_buf paths = TL_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			tl_buf_addc(&paths, ',');
		tl_buf_adds(&paths, keys[i]);
	}
	free(keys);
	tl_json_add_str(sparams, "paths", tl_buf_str(&paths));
	tl_buf_release(&paths);
	add_mappings(sparams, root);
	tl_json_add(serde, "Parameters", sparams);
	tl_json_add(sd, "SerdeInfo", serde);
	tl_json_add(sd, "BucketColumns", new_array());
	tl_json_add(sd, "SortColumns", new_array());
	tl_json_add(sd, "Parameters", dup_json(params));
	tl_json_add_bool(sd, "StoredAsSubDirectories", false);
	tl_json_add(ti, "StorageDescriptor", sd);
	tl_json_add(ti, "Parameters", params);
	return ti;
}

cJSON *tl_catalog_table_to_input(const cJSON *table)
{
	static const char *const keys[] = {
		"Name", "Description", "Owner", "LastAccessTime", "LastAnalyzedTime", "Retention",
		"StorageDescriptor", "PartitionKeys", "ViewOriginalText", "ViewExpandedText",
		"TableType", "Parameters", "TargetTable",
	};
	cJSON *ti = tl_json_obj();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(table, keys[i]);
		if (v)
			tl_json_add(ti, keys[i], dup_json(v));
	}
	return ti;
}

cJSON *tl_catalog_partition_input(const cJSON *table_input, const char *const *values,
				  size_t nvalues, const char *location)
{
	cJSON *pi = tl_json_obj();
	cJSON *vals = new_array();
	for (size_t i = 0; i < nvalues; i++)
		cJSON_AddItemToArray(vals, cJSON_CreateString(values[i]));
	tl_json_add(pi, "Values", vals);
	const cJSON *sd = cJSON_GetObjectItemCaseSensitive(table_input, "StorageDescriptor");
	cJSON *psd = sd ? dup_json(sd) : tl_json_obj();
	put_str(psd, "Location", location);
	/* a partition's own storage carries no table statistics */
	cJSON_DeleteItemFromObjectCaseSensitive(psd, "Parameters");
	tl_json_add(psd, "Parameters", tl_json_obj());
	tl_json_add(pi, "StorageDescriptor", psd);
	tl_json_add(pi, "Parameters", tl_json_obj());
	return pi;
}

/* ---- merging ---- */

void tl_catalog_changes_free(struct tl_catalog_changes *ch)
{
	for (size_t i = 0; i < ch->nadded; i++)
		free(ch->added[i]);
	for (size_t i = 0; i < ch->nwidened; i++)
		free(ch->widened[i]);
	free(ch->added);
	free(ch->widened);
	memset(ch, 0, sizeof(*ch));
}

static void push_name(char ***list, size_t *n, const char *s)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(char *));
	(*list)[(*n)++] = xstrdup(s);
}

/* Columns JSON to a struct schema; NULL with *err for a type that does not parse. */
static struct tl_schema *columns_schema(const cJSON *cols, char **err)
{
	struct tl_schema *st = tl_schema_new(TL_SK_STRUCT);
	const cJSON *c;
	cJSON_ArrayForEach(c, cols) {
		const char *name = tl_json_get_str(c, "Name"), *type = tl_json_get_str(c, "Type");
		if (!name || !type) {
			*err = xstrdup("a column without Name or Type");
			tl_schema_free(st);
			return NULL;
		}
		char *perr = NULL;
		struct tl_schema *t = tl_schema_parse_type(type, &perr);
		if (!t) {
			*err = xasprintf("column %s: %s", name, perr);
			free(perr);
			tl_schema_free(st);
			return NULL;
		}
		struct tl_schema_field *f = tl_schema_field_add(st, name, name);
		tl_schema_free(f->type);
		f->type = t;
	}
	return st;
}

static void merge_string_map(cJSON *dst, const cJSON *src)
{
	for (const cJSON *e = src ? src->child : NULL; e; e = e->next)
		put(dst, e->string, dup_json(e));
}

/* paths: the union of both comma lists, sorted */
static char *merge_paths(const char *a, const char *b)
{
	char **keys = NULL;
	size_t n = 0;
	const char *lists[2] = { a, b };
	for (int l = 0; l < 2; l++) {
		const char *p = lists[l];
		while (p && *p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char *k = xstrndup(p, len);
			bool dup = len == 0;
			for (size_t i = 0; i < n && !dup; i++)
				dup = strcmp(keys[i], k) == 0;
			if (dup) {
				free(k);
			} else {
				keys = xrealloc(keys, (n + 1) * sizeof(char *));
				keys[n++] = k;
			}
			p = comma ? comma + 1 : NULL;
		}
	}
	qsort(keys, n, sizeof(char *), cmp_str);
	struct tl_buf out = TL_BUF_INIT;
	tl_buf_adds(&out, "");
	for (size_t i = 0; i < n; i++) {
		if (i)
			tl_buf_addc(&out, ',');
		tl_buf_adds(&out, keys[i]);
		free(keys[i]);
	}
	free(keys);
	return tl_buf_detach(&out, NULL);
}

static bool same_keys(const cJSON *a, const cJSON *b)
{
	int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
	if (na != nb)
		return false;
	for (int i = 0; i < na; i++) {
		const char *x = tl_json_get_str(cJSON_GetArrayItem(a, i), "Name");
		const char *y = tl_json_get_str(cJSON_GetArrayItem(b, i), "Name");
		if (!x || !y || strcmp(x, y) != 0)
			return false;
	}
	return true;
}

cJSON *tl_catalog_merge(const cJSON *existing, const cJSON *input, int flags,
			struct tl_catalog_changes *ch, char **err)
{
	memset(ch, 0, sizeof(*ch));
	const cJSON *icols = tl_json_get(input, "StorageDescriptor.Columns");
	if (!existing || (flags & TL_CATALOG_REPLACE)) {
		cJSON *out = dup_json(input);
		const cJSON *ecols = existing ? tl_json_get(existing, "StorageDescriptor.Columns") : NULL;
		const cJSON *c;
		cJSON_ArrayForEach(c, icols) {
			const char *name = tl_json_get_str(c, "Name");
			bool found = false;
			const cJSON *e;
			cJSON_ArrayForEach(e, ecols) {
				const char *en = tl_json_get_str(e, "Name");
				if (en && name && strcmp(en, name) == 0) {
					found = true;
					if (!cJSON_Compare(e, c, 1))
						push_name(&ch->widened, &ch->nwidened, name);
				}
			}
			if (!found && name)
				push_name(&ch->added, &ch->nadded, name);
		}
		if (existing) {
			cJSON *old = tl_catalog_table_to_input(existing);
			ch->changed = !cJSON_Compare(old, out, 1);
			cJSON_Delete(old);
		} else {
			ch->changed = true;
		}
		return out;
	}

	const cJSON *epk = cJSON_GetObjectItemCaseSensitive(existing, "PartitionKeys");
	const cJSON *ipk = cJSON_GetObjectItemCaseSensitive(input, "PartitionKeys");
	if (cJSON_GetArraySize(epk) > 0 || cJSON_GetArraySize(ipk) > 0) {
		if (!same_keys(epk, ipk)) {
			char *a = epk ? tl_json_print(epk) : xstrdup("[]");
			char *b = ipk ? tl_json_print(ipk) : xstrdup("[]");
			*err = xasprintf("the table is partitioned by %s but the lake by %s "
					 "(use --replace to redefine the table)", a, b);
			free(a);
			free(b);
			return NULL;
		}
	}

	cJSON *out = tl_catalog_table_to_input(existing);
	cJSON *sd = cJSON_GetObjectItemCaseSensitive(out, "StorageDescriptor");
	if (!sd) {
		sd = tl_json_obj();
		tl_json_add(out, "StorageDescriptor", sd);
	}
	struct tl_schema *have = columns_schema(cJSON_GetObjectItemCaseSensitive(sd, "Columns"), err);
	if (!have) {
		cJSON_Delete(out);
		return NULL;
	}
	struct tl_schema *want = columns_schema(icols, err);
	if (!want) {
		tl_schema_free(have);
		cJSON_Delete(out);
		return NULL;
	}
	for (size_t i = 0; i < want->nfields; i++) {
		struct tl_schema_field *w = &want->fields[i];
		struct tl_schema_field *h = tl_schema_field_find(have, w->col);
		if (!h) {
			h = tl_schema_field_add(have, w->name, w->col);
			tl_schema_merge(&h->type, w->type);
			push_name(&ch->added, &ch->nadded, w->col);
		} else if (tl_schema_merge(&h->type, w->type)) {
			push_name(&ch->widened, &ch->nwidened, w->col);
		}
	}
	/* columns keep their original Name spelling; only types change */
	cJSON *cols = new_array();
	const cJSON *oldcols = cJSON_GetObjectItemCaseSensitive(sd, "Columns");
	for (size_t i = 0; i < have->nfields; i++) {
		const cJSON *old = cJSON_GetArrayItem(oldcols, (int)i);
		cJSON *c = old ? dup_json(old) : tl_json_obj();
		char *t = tl_schema_type_text(have->fields[i].type, 0);
		put_str(c, "Name", have->fields[i].name);
		if (!old || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(old, "Type")) ||
		    strcmp(tl_json_get_str(old, "Type"), t) != 0)
			put_str(c, "Type", t);
		free(t);
		cJSON_AddItemToArray(cols, c);
	}
	tl_schema_free(have);
	tl_schema_free(want);
	put(sd, "Columns", cols);

	const cJSON *isd = cJSON_GetObjectItemCaseSensitive(input, "StorageDescriptor");
	static const char *const sd_keys[] = { "Location", "InputFormat", "OutputFormat",
					       "Compressed" };
	for (size_t i = 0; i < sizeof(sd_keys) / sizeof(sd_keys[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(isd, sd_keys[i]);
		if (v)
			put(sd, sd_keys[i], dup_json(v));
	}
	if (!cJSON_GetObjectItemCaseSensitive(sd, "NumberOfBuckets"))
		tl_json_add_num(sd, "NumberOfBuckets", -1);
	const cJSON *iserde = cJSON_GetObjectItemCaseSensitive(isd, "SerdeInfo");
	cJSON *serde = cJSON_GetObjectItemCaseSensitive(sd, "SerdeInfo");
	if (!serde) {
		serde = tl_json_obj();
		tl_json_add(sd, "SerdeInfo", serde);
	}
	put_str(serde, "SerializationLibrary", TL_JSONSERDE);
	cJSON *sparams = cJSON_GetObjectItemCaseSensitive(serde, "Parameters");
	if (!sparams) {
		sparams = tl_json_obj();
		tl_json_add(serde, "Parameters", sparams);
	}
	const cJSON *isparams = cJSON_GetObjectItemCaseSensitive(iserde, "Parameters");
	char *paths = merge_paths(tl_json_get_str(sparams, "paths"), tl_json_get_str(isparams, "paths"));
	merge_string_map(sparams, isparams);
	put_str(sparams, "paths", paths);
	free(paths);

	cJSON *params = cJSON_GetObjectItemCaseSensitive(out, "Parameters");
	if (!params) {
		params = tl_json_obj();
		tl_json_add(out, "Parameters", params);
	}
	merge_string_map(params, cJSON_GetObjectItemCaseSensitive(input, "Parameters"));
	cJSON *sdparams = cJSON_GetObjectItemCaseSensitive(sd, "Parameters");
	if (!sdparams) {
		sdparams = tl_json_obj();
		tl_json_add(sd, "Parameters", sdparams);
	}
	merge_string_map(sdparams, tl_json_get(input, "StorageDescriptor.Parameters"));
	if (!cJSON_GetObjectItemCaseSensitive(out, "TableType"))
		tl_json_add_str(out, "TableType", "EXTERNAL_TABLE");
	if (!cJSON_GetObjectItemCaseSensitive(out, "PartitionKeys"))
		tl_json_add(out, "PartitionKeys", ipk ? dup_json(ipk) : new_array());

	cJSON *old = tl_catalog_table_to_input(existing);
	ch->changed = !cJSON_Compare(old, out, 1);
	cJSON_Delete(old);
	return out;
}

/* ---- DDL ---- */

/* A `name`, a backquote inside doubled (as Hive and Trino read one). A name holding a control
 * character is refused: Glue allows none but tab, and no escape exists inside backquotes. */
static int add_ident(struct tl_buf *b, const char *s, char **err)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			*err = xasprintf("name \"%s\" holds a control character", s);
			return -1;
		}
	}
	tl_buf_addc(b, '`');
	for (; *s; s++) {
		if (*s == '`')
			tl_buf_addc(b, '`');
		tl_buf_addc(b, *s);
	}
	tl_buf_addc(b, '`');
	return 0;
}

/* A Hive string literal whose end every SQL lexer finds at the same place: its body holds no
 * quote (a quote is \047, which Hive's unescapeSQLString reads in every version) and each
 * backslash starts an escape, so Hive's lexer, Trino's (no backslash escapes) and a plain
 * splitter agree. Control characters are escaped too (\n \t \r, octal for the other C0 ones and
 * DEL, \u00XX for C1), so the DDL on a terminal moves no cursor. Keys are data: a hostile one
 * stays inside its literal. */
static void add_literal(struct tl_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	tl_buf_addc(b, '\'');
	for (; *p; p++) {
		if (*p == '\\')
			tl_buf_adds(b, "\\\\");
		else if (*p == '\n')
			tl_buf_adds(b, "\\n");
		else if (*p == '\t')
			tl_buf_adds(b, "\\t");
		else if (*p == '\r')
			tl_buf_adds(b, "\\r");
		else if (*p == '\'' || *p < 0x20 || *p == 0x7f)
			tl_buf_addf(b, "\\%03o", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
			tl_buf_addf(b, "\\u%04x", *++p);
		else
			tl_buf_addc(b, (char)*p);
	}
	tl_buf_addc(b, '\'');
}

static int add_columns(struct tl_buf *b, const cJSON *cols, char **err)
{
	const cJSON *c;
	int i = 0;
	cJSON_ArrayForEach(c, cols) {
		const char *name = tl_json_get_str(c, "Name"), *type = tl_json_get_str(c, "Type");
		char *perr = NULL;
		struct tl_schema *t = type ? tl_schema_parse_type(type, &perr) : NULL;
		if (!name || !t) {
			*err = xasprintf("column %s: %s", name ? name : "?", perr ? perr : "no type");
			free(perr);
			return -1;
		}
		char *tt = tl_schema_type_text(t, TL_SCHEMA_DDL);
		tl_buf_adds(b, i++ ? ",\n  " : "  ");
		if (add_ident(b, name, err) < 0) {
			free(tt);
			tl_schema_free(t);
			return -1;
		}
		tl_buf_addc(b, ' ');
		tl_buf_adds(b, tt);
		const char *comment = tl_json_get_str(c, "Comment");
		if (comment) {
			tl_buf_adds(b, " COMMENT ");
			add_literal(b, comment);
		}
		free(tt);
		tl_schema_free(t);
	}
	return 0;
}

static void add_props(struct tl_buf *b, const cJSON *obj)
{
	int i = 0;
	for (const cJSON *e = obj ? obj->child : NULL; e; e = e->next) {
		if (!cJSON_IsString(e))
			continue;
		tl_buf_adds(b, i++ ? ",\n  " : "  ");
		add_literal(b, e->string);
		tl_buf_addc(b, '=');
		add_literal(b, e->valuestring);
	}
}

char *tl_catalog_ddl(const char *db, const cJSON *ti, char **err)
{
	struct tl_buf b = TL_BUF_INIT;
	const cJSON *sd = cJSON_GetObjectItemCaseSensitive(ti, "StorageDescriptor");
	const char *name = tl_json_get_str(ti, "Name");
	if (!name || !sd) {
		*err = xstrdup("not a TableInput");
		return NULL;
	}
	tl_buf_adds(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS ");
	if (add_ident(&b, db, err) < 0)
		goto fail;
	tl_buf_addc(&b, '.');
	if (add_ident(&b, name, err) < 0)
		goto fail;
	tl_buf_adds(&b, " (\n");
	if (add_columns(&b, cJSON_GetObjectItemCaseSensitive(sd, "Columns"), err) < 0)
		goto fail;
	tl_buf_adds(&b, "\n)\n");
	const cJSON *pk = cJSON_GetObjectItemCaseSensitive(ti, "PartitionKeys");
	if (cJSON_GetArraySize(pk) > 0) {
		tl_buf_adds(&b, "PARTITIONED BY (\n");
		if (add_columns(&b, pk, err) < 0)
			goto fail;
		tl_buf_adds(&b, "\n)\n");
	}
	const char *lib = tl_json_get_str(sd, "SerdeInfo.SerializationLibrary");
	tl_buf_adds(&b, "ROW FORMAT SERDE ");
	add_literal(&b, lib ? lib : TL_JSONSERDE);
	const cJSON *sp = tl_json_get(sd, "SerdeInfo.Parameters");
	if (sp && sp->child) {
		tl_buf_adds(&b, "\nWITH SERDEPROPERTIES (\n");
		add_props(&b, sp);
		tl_buf_adds(&b, "\n)");
	}
	const char *inf = tl_json_get_str(sd, "InputFormat"), *outf = tl_json_get_str(sd, "OutputFormat");
	tl_buf_adds(&b, "\nSTORED AS INPUTFORMAT ");
	add_literal(&b, inf ? inf : TL_TEXT_INPUT);
	tl_buf_adds(&b, "\n  OUTPUTFORMAT ");
	add_literal(&b, outf ? outf : TL_TEXT_OUTPUT);
	const char *loc = tl_json_get_str(sd, "Location");
	if (loc) {
		tl_buf_adds(&b, "\nLOCATION ");
		add_literal(&b, loc);
	}
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(ti, "Parameters");
	if (params && params->child) {
		tl_buf_adds(&b, "\nTBLPROPERTIES (\n");
		add_props(&b, params);
		tl_buf_adds(&b, "\n)");
	}
	tl_buf_adds(&b, ";\n");
	return tl_buf_detach(&b, NULL);
fail:
	tl_buf_release(&b);
	return NULL;
}

/* ---- catalogs ---- */

struct tl_catalog {
	char *dir;              /* local */
	struct tl_aws *aws;     /* glue */
	char *catalog_id;
};

struct tl_catalog *tl_catalog_local(const char *dir)
{
	struct tl_catalog *c = xcalloc(1, sizeof(*c));
	c->dir = xstrdup(dir);
	return c;
}

struct tl_catalog *tl_catalog_glue(struct tl_aws *aws, const char *catalog_id)
{
	struct tl_catalog *c = xcalloc(1, sizeof(*c));
	c->aws = aws;
	c->catalog_id = catalog_id ? xstrdup(catalog_id) : NULL;
	return c;
}

void tl_catalog_free(struct tl_catalog *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c->catalog_id);
	free(c);
}

/* -- local files -- */

/* Glue names never hold '/', but a name from a command line might. */
static int check_name(const char *what, const char *name, char **err)
{
	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		*err = xasprintf("bad %s name \"%s\" for a local catalog", what, name);
		return -1;
	}
	return 0;
}

static int mkdirs(const char *path, char **err)
{
	char *p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char save = *s;
			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST) {
				*err = xasprintf("%s: %s", p, strerror(errno));
				free(p);
				return -1;
			}
			*s = save;
			if (!save)
				break;
		}
	}
	free(p);
	return 0;
}

/* Reads a JSON file: 1 when absent, 0 with *out, -1 with *err. */
static int read_json(const char *path, cJSON **out, char **err)
{
	size_t len;
	char *text = tl_read_file(path, (size_t)1 << 30, &len);
	*out = NULL;
	if (!text) {
		if (errno == ENOENT)
			return 1;
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	size_t pos = 0;
	*out = tl_json_parse(text, len, &pos);
	free(text);
	if (!*out) {
		*err = xasprintf("%s: not JSON (at byte %zu)", path, pos);
		return -1;
	}
	return 0;
}

static int write_json(const char *path, const cJSON *v, char **err)
{
	char *text = cJSON_Print(v);
	if (!text)
		tl_die(1, "out of memory printing JSON");
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int rc = -1;
	if (fd < 0) {
		*err = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (tl_write_all(fd, text, strlen(text)) < 0 || tl_write_all(fd, "\n", 1) < 0 ||
	    fsync(fd) < 0) {
		*err = xasprintf("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(text);
	return rc;
}

static double now_s(void)
{
	return (double)(tl_now_ms() / 1000);
}

/* -- Glue -- */

static int glue(struct tl_catalog *c, const char *op, cJSON *body, cJSON **out, char **code,
		char **err)
{
	struct tl_aws_error e = { 0 };
	char *target = xasprintf("AWSGlue.%s", op);
	if (c->catalog_id)
		tl_json_add_str(body, "CatalogId", c->catalog_id);
	cJSON *resp = NULL;
	int rc = tl_aws_json_call(c->aws, "glue", target, body, &resp, &e);
	free(target);
	if (code)
		*code = NULL;
	if (rc < 0) {
		char *t = tl_aws_error_text(&e);
		*err = xasprintf("Glue %s: %s", op, t);
		free(t);
		if (code && e.code)
			*code = xstrdup(e.code);
		tl_aws_error_free(&e);
		cJSON_Delete(resp);
		resp = NULL;
	}
	if (out)
		*out = resp;
	else
		cJSON_Delete(resp);
	return rc;
}

static bool is_code(const char *code, const char *want)
{
	return code && strcmp(code, want) == 0;
}

int tl_catalog_ensure_database(struct tl_catalog *c, const char *db, bool *created, char **err)
{
	*created = false;
	if (c->dir) {
		if (check_name("database", db, err) < 0)
			return -1;
		char *dir = xasprintf("%s/%s", c->dir, db);
		struct stat st;
		*created = stat(dir, &st) < 0;
		int rc = mkdirs(dir, err);
		free(dir);
		if (rc < 0)
			*created = false;
		return rc;
	}
	cJSON *body = tl_json_obj();
	tl_json_add_str(body, "Name", db);
	char *code = NULL;
	int rc = glue(c, "GetDatabase", body, NULL, &code, err);
	cJSON_Delete(body);
	if (rc == 0 || !is_code(code, "EntityNotFoundException")) {
		free(code);
		return rc;
	}
	free(code);
	free(*err);
	*err = NULL;
	body = tl_json_obj();
	cJSON *di = tl_json_obj();
	tl_json_add_str(di, "Name", db);
	tl_json_add(body, "DatabaseInput", di);
	rc = glue(c, "CreateDatabase", body, NULL, &code, err);
	cJSON_Delete(body);
	if (rc < 0 && is_code(code, "AlreadyExistsException")) { /* a race: fine */
		free(*err);
		*err = NULL;
		rc = 0;
	} else if (rc == 0) {
		*created = true;
	}
	free(code);
	return rc;
}

static char *table_path(const struct tl_catalog *c, const char *db, const char *name,
			const char *suffix)
{
	return xasprintf("%s/%s/%s%s", c->dir, db, name, suffix);
}

int tl_catalog_get_table(struct tl_catalog *c, const char *db, const char *name, cJSON **table,
			 char **err)
{
	*table = NULL;
	if (c->dir) {
		if (check_name("database", db, err) < 0 || check_name("table", name, err) < 0)
			return -1;
		char *path = table_path(c, db, name, ".json");
		cJSON *doc = NULL;
		int rc = read_json(path, &doc, err);
		if (rc == 0) {
			cJSON *t = cJSON_DetachItemFromObjectCaseSensitive(doc, "Table");
			if (!cJSON_IsObject(t)) {
				*err = xasprintf("%s: no \"Table\" object", path);
				cJSON_Delete(t);
				rc = -1;
			} else {
				*table = t;
			}
		}
		cJSON_Delete(doc);
		free(path);
		return rc < 0 ? -1 : 0;
	}
	cJSON *body = tl_json_obj(), *resp = NULL;
	tl_json_add_str(body, "DatabaseName", db);
	tl_json_add_str(body, "Name", name);
	char *code = NULL;
	int rc = glue(c, "GetTable", body, &resp, &code, err);
	cJSON_Delete(body);
	if (rc < 0 && is_code(code, "EntityNotFoundException")) {
		free(*err);
		*err = NULL;
		rc = 0;
	} else if (rc == 0) {
		*table = cJSON_DetachItemFromObjectCaseSensitive(resp, "Table");
		if (!cJSON_IsObject(*table)) {
			cJSON_Delete(*table);
			*table = NULL;
			*err = xstrdup("Glue GetTable: no Table in the response");
			rc = -1;
		}
	}
	free(code);
	cJSON_Delete(resp);
	return rc;
}

static int list_local(struct tl_catalog *c, const char *db, cJSON *all, char **err)
{
	if (check_name("database", db, err) < 0)
		return -1;
	char *dir = xasprintf("%s/%s", c->dir, db);
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		if (e == ENOENT || e == ENOTDIR) {
			free(dir);
			return 0;
		}
		*err = xasprintf("%s: %s", dir, strerror(e));
		free(dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrndup(e->d_name, len - 5);
	}
	closedir(d);
	free(dir);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		cJSON *t = NULL;
		char *why = NULL;
		if (tl_catalog_get_table(c, db, names[i], &t, &why) < 0) {
			tl_warn("local catalog: %s", why);
			free(why);
		} else if (t) {
			cJSON_AddItemToArray(all, t);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

int tl_catalog_list_tables(struct tl_catalog *c, const char *db, cJSON **tables, char **err)
{
	cJSON *all = new_array();
	*tables = NULL;
	if (c->dir) {
		if (list_local(c, db, all, err) < 0) {
			cJSON_Delete(all);
			return -1;
		}
		*tables = all;
		return 0;
	}
	char *token = NULL;
	struct tl_pages pages = TL_PAGES_INIT;
	int rc = 0;
	for (;;) {
		cJSON *body = tl_json_obj(), *resp = NULL;
		char *code = NULL;
		tl_json_add_str(body, "DatabaseName", db);
		if (token)
			tl_json_add_str(body, "NextToken", token);
		rc = glue(c, "GetTables", body, &resp, &code, err);
		cJSON_Delete(body);
		free(token);
		token = NULL;
		if (rc < 0 && is_code(code, "EntityNotFoundException")) {
			free(code);
			free(*err);
			*err = NULL;
			rc = 0;
			break;
		}
		free(code);
		if (rc < 0)
			break;
		cJSON *list = cJSON_GetObjectItemCaseSensitive(resp, "TableList");
		while (list && list->child)
			cJSON_AddItemToArray(all, cJSON_DetachItemViaPointer(list, list->child));
		const char *next = tl_json_get_str(resp, "NextToken");
		if (next && *next && tl_pages_next(&pages, next) < 0) {
			*err = xasprintf("Glue GetTables of %s gave a NextToken it had given before: "
					 "the listing would never end", db);
			rc = -1;
		} else if (next && *next) {
			token = xstrdup(next);
		}
		cJSON_Delete(resp);
		if (!token)
			break;
	}
	tl_pages_release(&pages);
	if (rc < 0) {
		cJSON_Delete(all);
		return -1;
	}
	*tables = all;
	return 0;
}

int tl_catalog_put_table(struct tl_catalog *c, const char *db, const cJSON *input, bool create,
			 bool *conflict, char **err)
{
	*conflict = false;
	const char *name = tl_json_get_str(input, "Name");
	if (!name) {
		*err = xstrdup("TableInput without a Name");
		return -1;
	}
	if (c->dir) {
		if (check_name("database", db, err) < 0 || check_name("table", name, err) < 0)
			return -1;
		char *path = table_path(c, db, name, ".json");
		cJSON *doc = NULL, *old = NULL;
		int rc = read_json(path, &doc, err);
		if (rc < 0) {
			free(path);
			return -1;
		}
		old = doc ? cJSON_GetObjectItemCaseSensitive(doc, "Table") : NULL;
		if ((create && old) || (!create && !old)) {
			*conflict = true;
			*err = xasprintf("%s: the table %s", path, create ? "exists already" : "is gone");
			cJSON_Delete(doc);
			free(path);
			return -1;
		}
		cJSON *t = tl_json_obj();
		tl_json_add_str(t, "Name", name);
		tl_json_add_str(t, "DatabaseName", db);
		double now = now_s(), ct = now;
		long version = 0;
		if (old) {
			double v;
			if (tl_json_get_num(old, "CreateTime", &v) == 0)
				ct = v;
			const char *vs = tl_json_get_str(old, "VersionId");
			if (vs)
				version = strtol(vs, NULL, 10) + 1;
		}
		tl_json_add_num(t, "CreateTime", ct);
		tl_json_add_num(t, "UpdateTime", now);
		for (const cJSON *e = input->child; e; e = e->next)
			if (strcmp(e->string, "Name") != 0)
				tl_json_add(t, e->string, dup_json(e));
		tl_json_add_bool(t, "IsRegisteredWithLakeFormation", false);
		char vbuf[32];
		snprintf(vbuf, sizeof(vbuf), "%ld", version);
		tl_json_add_str(t, "VersionId", vbuf);
		cJSON *out = tl_json_obj();
		tl_json_add(out, "Table", t);
		rc = write_json(path, out, err);
		cJSON_Delete(out);
		cJSON_Delete(doc);
		free(path);
		return rc;
	}
	cJSON *body = tl_json_obj();
	tl_json_add_str(body, "DatabaseName", db);
	tl_json_add(body, "TableInput", dup_json(input));
	char *code = NULL;
	int rc = glue(c, create ? "CreateTable" : "UpdateTable", body, NULL, &code, err);
	cJSON_Delete(body);
	if (rc < 0 && (is_code(code, "AlreadyExistsException") ||
		       is_code(code, "ConcurrentModificationException") ||
		       is_code(code, "EntityNotFoundException")))
		*conflict = true;
	free(code);
	return rc;
}

/* -- partitions -- */

static int load_partitions(struct tl_catalog *c, const char *db, const char *table, cJSON **arr,
			   char **err)
{
	char *path = table_path(c, db, table, "/partitions.json");
	cJSON *doc = NULL;
	int rc = read_json(path, &doc, err);
	free(path);
	if (rc < 0)
		return -1;
	*arr = doc ? cJSON_DetachItemFromObjectCaseSensitive(doc, "Partitions") : NULL;
	cJSON_Delete(doc);
	if (!*arr)
		*arr = new_array();
	if (!cJSON_IsArray(*arr)) {
		cJSON_Delete(*arr);
		*err = xasprintf("%s/%s/%s/partitions.json: no \"Partitions\" array", c->dir, db, table);
		return -1;
	}
	return 0;
}

static int cmp_values(const cJSON *a, const cJSON *b)
{
	const cJSON *va = cJSON_GetObjectItemCaseSensitive(a, "Values");
	const cJSON *vb = cJSON_GetObjectItemCaseSensitive(b, "Values");
	const cJSON *x = va ? va->child : NULL, *y = vb ? vb->child : NULL;
	for (; x && y; x = x->next, y = y->next) {
		int d = strcmp(cJSON_IsString(x) ? x->valuestring : "",
			       cJSON_IsString(y) ? y->valuestring : "");
		if (d)
			return d;
	}
	return x ? 1 : y ? -1 : 0;
}

static int cmp_part(const void *a, const void *b)
{
	return cmp_values(*(cJSON *const *)a, *(cJSON *const *)b);
}

static int save_partitions(struct tl_catalog *c, const char *db, const char *table, cJSON *arr,
			   char **err)
{
	int n = cJSON_GetArraySize(arr);
	cJSON **v = xcalloc((size_t)n + 1, sizeof(cJSON *));
	for (int i = 0; i < n; i++)
		v[i] = cJSON_DetachItemFromArray(arr, 0);
	qsort(v, (size_t)n, sizeof(cJSON *), cmp_part);
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, v[i]);
	free(v);
	cJSON *doc = tl_json_obj();
	tl_json_add(doc, "Partitions", dup_json(arr));
	char *dir = table_path(c, db, table, "");
	int rc = mkdirs(dir, err);
	free(dir);
	char *path = table_path(c, db, table, "/partitions.json");
	if (rc == 0)
		rc = write_json(path, doc, err);
	free(path);
	cJSON_Delete(doc);
	return rc;
}

static cJSON *find_part(const cJSON *arr, const cJSON *pi)
{
	cJSON *p;
	cJSON_ArrayForEach(p, arr)
		if (cmp_values(p, pi) == 0)
			return p;
	return NULL;
}

int tl_catalog_get_partitions(struct tl_catalog *c, const char *db, const char *table,
			      cJSON **partitions, char **err)
{
	*partitions = NULL;
	if (c->dir) {
		if (check_name("database", db, err) < 0 || check_name("table", table, err) < 0)
			return -1;
		return load_partitions(c, db, table, partitions, err);
	}
	cJSON *all = new_array();
	char *token = NULL;
	struct tl_pages pages = TL_PAGES_INIT;
	for (;;) {
		cJSON *body = tl_json_obj(), *resp = NULL;
		tl_json_add_str(body, "DatabaseName", db);
		tl_json_add_str(body, "TableName", table);
		if (token)
			tl_json_add_str(body, "NextToken", token);
		int rc = glue(c, "GetPartitions", body, &resp, NULL, err);
		cJSON_Delete(body);
		free(token);
		token = NULL;
		if (rc < 0) {
			cJSON_Delete(all);
			tl_pages_release(&pages);
			return -1;
		}
		cJSON *parts = cJSON_GetObjectItemCaseSensitive(resp, "Partitions");
		while (parts && parts->child)
			cJSON_AddItemToArray(all, cJSON_DetachItemViaPointer(parts, parts->child));
		const char *next = tl_json_get_str(resp, "NextToken");
		bool again = next && *next && tl_pages_next(&pages, next) < 0;
		if (next && *next && !again)
			token = xstrdup(next);
		cJSON_Delete(resp);
		if (again) {
			*err = xasprintf("Glue GetPartitions of %s.%s gave a NextToken it had given "
					 "before: the listing would never end", db, table);
			cJSON_Delete(all);
			tl_pages_release(&pages);
			return -1;
		}
		if (!token)
			break;
	}
	tl_pages_release(&pages);
	*partitions = all;
	return 0;
}

static char *values_text(const cJSON *vals)
{
	char *s = vals ? tl_json_print(vals) : xstrdup("[]");
	return s;
}

static int batch_local(struct tl_catalog *c, const char *db, const char *table, const cJSON *inputs,
		       bool update, struct tl_catalog_batch *res, char **err)
{
	if (check_name("database", db, err) < 0 || check_name("table", table, err) < 0)
		return -1;
	cJSON *arr = NULL;
	if (load_partitions(c, db, table, &arr, err) < 0)
		return -1;
	double now = now_s();
	bool dirty = false;
	const cJSON *pi;
	cJSON_ArrayForEach(pi, inputs) {
		cJSON *have = find_part(arr, pi);
		if (!update && have) {
			res->existing++;
			continue;
		}
		if (update && !have) {
			res->failed++;
			continue;
		}
		cJSON *p = tl_json_obj();
		tl_json_add(p, "Values", dup_json(cJSON_GetObjectItemCaseSensitive(pi, "Values")));
		tl_json_add_str(p, "DatabaseName", db);
		tl_json_add_str(p, "TableName", table);
		double ct = now;
		if (have)
			tl_json_get_num(have, "CreationTime", &ct);
		tl_json_add_num(p, "CreationTime", ct);
		for (const cJSON *e = pi->child; e; e = e->next)
			if (strcmp(e->string, "Values") != 0)
				tl_json_add(p, e->string, dup_json(e));
		if (have)
			cJSON_ReplaceItemViaPointer(arr, have, p);
		else
			cJSON_AddItemToArray(arr, p);
		res->created++;
		dirty = true;
	}
	int rc = 0;
	if (dirty) {
		char *dir = xasprintf("%s/%s", c->dir, db);
		rc = mkdirs(dir, err);
		free(dir);
		if (rc == 0)
			rc = save_partitions(c, db, table, arr, err);
	}
	cJSON_Delete(arr);
	return rc;
}

int tl_catalog_add_partitions(struct tl_catalog *c, const char *db, const char *table,
			      const cJSON *inputs, struct tl_catalog_batch *res, char **err)
{
	if (c->dir)
		return batch_local(c, db, table, inputs, false, res, err);
	int n = cJSON_GetArraySize(inputs);
	for (int i = 0; i < n; i += BATCH) {
		cJSON *body = tl_json_obj(), *list = new_array(), *resp = NULL;
		tl_json_add_str(body, "DatabaseName", db);
		tl_json_add_str(body, "TableName", table);
		int k;
		for (k = i; k < n && k < i + BATCH; k++)
			cJSON_AddItemToArray(list, dup_json(cJSON_GetArrayItem(inputs, k)));
		tl_json_add(body, "PartitionInputList", list);
		int rc = glue(c, "BatchCreatePartition", body, &resp, NULL, err);
		cJSON_Delete(body);
		if (rc < 0)
			return -1;
		size_t existing = 0, failed = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(resp, "Errors")) {
			const char *code = tl_json_get_str(e, "ErrorDetail.ErrorCode");
			if (is_code(code, "AlreadyExistsException")) {
				existing++;
			} else {
				char *v = values_text(cJSON_GetObjectItemCaseSensitive(e, "PartitionValues"));
				const char *msg = tl_json_get_str(e, "ErrorDetail.ErrorMessage");
				tl_warn("partition %s not created: %s: %s", v, code ? code : "error",
					msg ? msg : "");
				free(v);
				failed++;
			}
		}
		cJSON_Delete(resp);
		res->existing += existing;
		res->failed += failed;
		res->created += (size_t)(k - i) - existing - failed;
	}
	return 0;
}

int tl_catalog_update_partitions(struct tl_catalog *c, const char *db, const char *table,
				 const cJSON *inputs, struct tl_catalog_batch *res, char **err)
{
	if (c->dir)
		return batch_local(c, db, table, inputs, true, res, err);
	int n = cJSON_GetArraySize(inputs);
	for (int i = 0; i < n; i += BATCH) {
		cJSON *body = tl_json_obj(), *list = new_array(), *resp = NULL;
		tl_json_add_str(body, "DatabaseName", db);
		tl_json_add_str(body, "TableName", table);
		int k;
		for (k = i; k < n && k < i + BATCH; k++) {
			const cJSON *pi = cJSON_GetArrayItem(inputs, k);
			cJSON *entry = tl_json_obj();
			tl_json_add(entry, "PartitionValueList",
				    dup_json(cJSON_GetObjectItemCaseSensitive(pi, "Values")));
			tl_json_add(entry, "PartitionInput", dup_json(pi));
			cJSON_AddItemToArray(list, entry);
		}
		tl_json_add(body, "Entries", list);
		int rc = glue(c, "BatchUpdatePartition", body, &resp, NULL, err);
		cJSON_Delete(body);
		if (rc < 0)
			return -1;
		size_t failed = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(resp, "Errors")) {
			char *v = values_text(cJSON_GetObjectItemCaseSensitive(e, "PartitionValueList"));
			const char *code = tl_json_get_str(e, "ErrorDetail.ErrorCode");
			const char *msg = tl_json_get_str(e, "ErrorDetail.ErrorMessage");
			tl_warn("partition %s not updated: %s: %s", v, code ? code : "error",
				msg ? msg : "");
			free(v);
			failed++;
		}
		cJSON_Delete(resp);
		res->failed += failed;
		res->created += (size_t)(k - i) - failed;
	}
	return 0;
}
