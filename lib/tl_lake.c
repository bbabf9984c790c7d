/* tl_lake.c: lake layout, partition values and record fields (see tl_lake.h). */
#include "tl_lake.h"
#include "tl_jscan.h"
#include "tl_str.h"

#include "tl_alloc.h"
#include "tl_json.h"
#include "tl_num.h"
#include "tl_time.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int value_text(struct tl_buf *out, const char *v, size_t vn);

enum seg_kind { SEG_TEXT, SEG_TIME, SEG_FIELD };

struct seg {
	enum seg_kind kind;
	char *text;  /* SEG_TEXT: literal; SEG_FIELD: dotted path */
	char conv;   /* SEG_TIME: Y m d H M j */
};

struct tl_lake_layout {
	struct seg *v;
	size_t n;
};

static void add_seg(struct tl_lake_layout *l, enum seg_kind k, const char *t, size_t tn, char c)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].kind = k;
	l->v[l->n].text = t ? xstrndup(t, tn) : NULL;
	l->v[l->n].conv = c;
	l->n++;
}

struct tl_lake_layout *tl_lake_layout_new(const char *tmpl, char **err)
{
	size_t len = strlen(tmpl);
	if (len == 0) {
		*err = xstrdup("the partition template is empty");
		return NULL;
	}
	if (tmpl[0] == '/' || tmpl[len - 1] == '/' || strstr(tmpl, "//")) {
		*err = xasprintf("partition template '%s': leading, trailing or doubled '/'", tmpl);
		return NULL;
	}
	struct tl_lake_layout *l = xcalloc(1, sizeof(*l));
	const char *p = tmpl, *lit = tmpl;
	while (*p) {
		if (*p == '%') {
			if (p > lit)
				add_seg(l, SEG_TEXT, lit, (size_t)(p - lit), 0);
			char c = p[1];
			if (c == '%') {
				add_seg(l, SEG_TEXT, "%", 1, 0);
			} else if (c && strchr("YmdHMj", c)) {
				add_seg(l, SEG_TIME, NULL, 0, c);
			} else {
				*err = xasprintf("partition template '%s': unknown conversion '%%%c' "
						 "(use %%Y %%m %%d %%H %%M %%j %%%%)", tmpl, c ? c : ' ');
				tl_lake_layout_free(l);
				return NULL;
			}
			p += 2;
			lit = p;
		} else if (*p == '{') {
			const char *e = strchr(p, '}');
			if (!e || e == p + 1) {
				*err = xasprintf("partition template '%s': '{' without a field name and '}'",
						 tmpl);
				tl_lake_layout_free(l);
				return NULL;
			}
			if (p > lit)
				add_seg(l, SEG_TEXT, lit, (size_t)(p - lit), 0);
			add_seg(l, SEG_FIELD, p + 1, (size_t)(e - p - 1), 0);
			p = e + 1;
			lit = p;
		} else {
			p++;
		}
	}
	if (p > lit)
		add_seg(l, SEG_TEXT, lit, (size_t)(p - lit), 0);
	return l;
}

void tl_lake_layout_free(struct tl_lake_layout *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	free(l);
}

static const char hexd[] = "0123456789ABCDEF";

int tl_lake_escape_value(struct tl_buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || strchr("\"#%'*/:=?\\{[]^", c)) {
			char e[3] = { '%', hexd[c >> 4], hexd[c & 15] };
			if (tl_buf_add(out, e, 3) != 0)
				return -1;
		} else if (tl_buf_addc(out, (char)c) != 0) {
			return -1;
		}
	}
	return 0;
}

/* A value at the start of a path segment: a leading '.' is escaped too, so that no record makes
 * a segment "." or ".." (a path out of the table) or a name that Athena skips as hidden. */
static int escape_value_at(struct tl_buf *out, const char *s, size_t n, bool seg_start)
{
	if (seg_start && n > 0 && s[0] == '.') {
		if (tl_buf_adds(out, "%2E") != 0)
			return -1;
		s++;
		n--;
	}
	return tl_lake_escape_value(out, s, n);
}

int tl_lake_layout_render(const struct tl_lake_layout *l, int64_t ms, const char *rec, size_t n,
			  struct tl_buf *out)
{
	struct tl_tm tm;
	tl_time_split(ms, &tm);
	size_t seg = out->len; /* where the current path segment starts */
	for (size_t i = 0; i < l->n; i++) {
		const struct seg *s = &l->v[i];
		int rc = 0;
		switch (s->kind) {
		case SEG_TEXT: {
			const char *slash = strrchr(s->text, '/');
			rc = tl_buf_adds(out, s->text);
			if (slash)
				seg = out->len - strlen(slash + 1);
			break;
		}
		case SEG_TIME:
			switch (s->conv) {
			case 'Y': rc = tl_buf_addf(out, "%04d", tm.year); break;
			case 'm': rc = tl_buf_addf(out, "%02d", tm.month); break;
			case 'd': rc = tl_buf_addf(out, "%02d", tm.day); break;
			case 'H': rc = tl_buf_addf(out, "%02d", tm.hour); break;
			case 'M': rc = tl_buf_addf(out, "%02d", tm.min); break;
			case 'j': {
				int64_t doy = tl_days_from_civil(tm.year, tm.month, tm.day) -
					      tl_days_from_civil(tm.year, 1, 1) + 1;
				rc = tl_buf_addf(out, "%03d", (int)doy);
				break;
			}
			}
			break;
		case SEG_FIELD: {
			const char *v;
			size_t vn;
			struct tl_buf val = TL_BUF_INIT;
			if (rec && tl_lake_json_find(rec, n, s->text, &v, &vn) == 0 &&
			    !(vn == 4 && memcmp(v, "null", 4) == 0) && v[0] != '{' && v[0] != '[' &&
			    value_text(&val, v, vn) == 0 && val.len > 0)
				rc = escape_value_at(out, val.data, val.len, out->len == seg);
			else
				rc = tl_buf_adds(out, "__HIVE_DEFAULT_PARTITION__");
			tl_buf_release(&val);
			break;
		}
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

cJSON *tl_lake_partition_values(const char *path)
{
	cJSON *o = tl_json_obj();
	const char *p = path;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t sn = e ? (size_t)(e - p) : strlen(p);
		const char *eq = memchr(p, '=', sn);
		if (eq && eq > p) {
			char *k = xstrndup(p, (size_t)(eq - p));
			size_t vn = (size_t)(p + sn - (eq + 1));
			char *v = xmalloc(vn + 1);
			v[tl_pct_decode(eq + 1, vn, v)] = '\0';
			tl_json_add_str(o, k, v);
			free(v);
			free(k);
		}
		p += sn;
		if (*p == '/')
			p++;
	}
	return o;
}

char *tl_lake_object_name(const char *topic, int32_t partition, int64_t first_offset,
			  const char *ppath, bool errors)
{
	return xasprintf("%s%s/%s/%s+%" PRId32 "+%0*" PRId64 ".json.gz", errors ? "_errors/" : "",
			 topic, ppath, topic, partition, TL_LAKE_OFFSET_DIGITS, first_offset);
}

int tl_lake_name_check(const char *rel, size_t prefix_len, size_t name_max, size_t total_max,
		       char **why)
{
	const char *p = rel;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n > name_max) {
			*why = xasprintf("partition path too long: a path component of %zu bytes "
					 "(at most %zu)", n, name_max);
			return -1;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	size_t total = prefix_len + (prefix_len > 0) + strlen(rel);
	if (total > total_max) {
		*why = xasprintf("partition path too long: an object name of %zu bytes (at most %zu)",
				 total, total_max);
		return -1;
	}
	return 0;
}

/* ---- values of records (valid JSON text), through tl_jscan ---- */

int tl_lake_json_find(const char *s, size_t n, const char *path, const char **v, size_t *vn)
{
	struct tl_jslice sl;
	if (tl_jscan_path(s, n, path, &sl) < 0)
		return -1;
	*v = sl.p;
	*vn = sl.len;
	return 0;
}

/* The text of a JSON value found by tl_lake_json_find, for partition values: strings
 * unescaped (\uXXXX included), other scalars as written. Appends to out. */
static int value_text(struct tl_buf *out, const char *v, size_t vn)
{
	if (vn == 0)
		return -1;
	if (v[0] != '"')
		return tl_buf_add(out, v, vn);
	struct tl_jslice sl = { TL_J_STRING, v, vn };
	return tl_jscan_unescape(&sl, out);
}

int tl_lake_record_time(const char *rec, size_t n, const char *path, int64_t *ms)
{
	const char *v;
	size_t vn;
	if (tl_lake_json_find(rec, n, path, &v, &vn) != 0)
		return -1;
	if (v[0] == '"') {
		if (vn < 3 || memchr(v, '\\', vn))
			return -1;
		const char *s = v + 1;
		size_t sn = vn - 2;
		size_t i = 0;
		while (i < sn && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
			i++;
		if (i == sn && sn <= 32) {
			char tmp[40];
			double d;
			memcpy(tmp, s, sn);
			tmp[sn] = '\0';
			return tl_parse_double(tmp, &d) == 0 ? tl_time_from_epoch(d, ms) : -1;
		}
		return tl_time_parse(s, sn, ms);
	}
	if ((v[0] >= '0' && v[0] <= '9') || v[0] == '-') {
		char tmp[40];
		double d;
		if (vn >= sizeof(tmp))
			return -1;
		memcpy(tmp, v, vn);
		tmp[vn] = '\0';
		return tl_parse_double(tmp, &d) == 0 ? tl_time_from_epoch(d, ms) : -1;
	}
	return -1;
}
