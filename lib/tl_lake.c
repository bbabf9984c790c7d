/* tl_lake.c: lake layout, partition values and record fields (see tl_lake.h). */
#include "tl_lake.h"

#include "tl_alloc.h"
#include "tl_json.h"
#include "tl_num.h"
#include "tl_time.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum seg_kind { SEG_TEXT, SEG_TIME, SEG_FIELD };

struct seg {
	enum seg_kind kind;
	char *text;  /* SEG_TEXT: literal; SEG_FIELD: dotted path */
	char conv;   /* SEG_TIME: Y m d H M j */
};

struct tl_lake_layout {
	struct seg *v;
	size_t n;
	bool has_fields;
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
			l->has_fields = true;
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

bool tl_lake_layout_has_fields(const struct tl_lake_layout *l)
{
	return l->has_fields;
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

int tl_lake_layout_render(const struct tl_lake_layout *l, int64_t ms, const char *rec, size_t n,
			  struct tl_buf *out)
{
	struct tl_tm tm;
	tl_time_split(ms, &tm);
	for (size_t i = 0; i < l->n; i++) {
		const struct seg *s = &l->v[i];
		int rc = 0;
		switch (s->kind) {
		case SEG_TEXT:
			rc = tl_buf_adds(out, s->text);
			break;
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
			    tl_lake_value_text(&val, v, vn) == 0 && val.len > 0)
				rc = tl_lake_escape_value(out, val.data, val.len);
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

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
			struct tl_buf v = TL_BUF_INIT;
			tl_buf_adds(&v, "");
			for (const char *q = eq + 1; q < p + sn; q++) {
				int h1, h2;
				if (*q == '%' && q + 2 < p + sn &&
				    (h1 = hexval(q[1])) >= 0 && (h2 = hexval(q[2])) >= 0) {
					tl_buf_addc(&v, (char)(h1 * 16 + h2));
					q += 2;
				} else {
					tl_buf_addc(&v, *q);
				}
			}
			tl_json_add_str(o, k, tl_buf_str(&v));
			tl_buf_release(&v);
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

/* ---- a small scanner over valid JSON text ---- */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at the opening quote; returns the byte after the closing quote. */
static const char *skip_string(const char *p, const char *end)
{
	p++;
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return end;
		/* count the backslashes before the quote */
		const char *b = q;
		while (b > p && b[-1] == '\\')
			b--;
		if (((q - b) & 1) == 0)
			return q + 1;
		p = q + 1;
	}
}

static const char *skip_value(const char *p, const char *end)
{
	if (p >= end)
		return end;
	if (*p == '"')
		return skip_string(p, end);
	if (*p == '{' || *p == '[') {
		int depth = 0;
		while (p < end) {
			char c = *p;
			if (c == '"') {
				p = skip_string(p, end);
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if (c == '}' || c == ']') {
				if (--depth == 0)
					return p + 1;
			}
			p++;
		}
		return end;
	}
	while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
	       *p != '\n' && *p != '\r')
		p++;
	return p;
}

/* Does the JSON string token k[0..kn) (quotes included) equal name[0..nn)? */
static bool key_eq(const char *k, size_t kn, const char *name, size_t nn)
{
	if (kn < 2)
		return false;
	if (!memchr(k, '\\', kn))
		return kn - 2 == nn && memcmp(k + 1, name, nn) == 0;
	struct tl_buf t = TL_BUF_INIT;
	bool eq = tl_lake_value_text(&t, k, kn) == 0 && t.len == nn && memcmp(t.data, name, nn) == 0;
	tl_buf_release(&t);
	return eq;
}

int tl_lake_json_find(const char *s, size_t n, const char *path, const char **v, size_t *vn)
{
	const char *p = s, *end = s + n;
	const char *seg = path;
	for (;;) {
		const char *dot = strchr(seg, '.');
		size_t sl = dot ? (size_t)(dot - seg) : strlen(seg);
		const char *br = memchr(seg, '[', sl);
		if (br)
			sl = (size_t)(br - seg);
		p = skip_ws(p, end);
		if (p >= end)
			return -1;
		const char *found = NULL;
		if (*p == '{' && sl > 0) {
			p++;
			for (;;) {
				p = skip_ws(p, end);
				if (p >= end || *p != '"')
					return -1;
				const char *k = p;
				p = skip_string(p, end);
				size_t kn = (size_t)(p - k);
				p = skip_ws(p, end);
				if (p >= end || *p != ':')
					return -1;
				p = skip_ws(p + 1, end);
				if (key_eq(k, kn, seg, sl)) {
					found = p;
					break;
				}
				p = skip_value(p, end);
				p = skip_ws(p, end);
				if (p >= end || *p != ',')
					return -1;
				p++;
			}
		} else if (*p == '[') {
			/* "users.0" or "users[0]" */
			const char *ns = br ? seg + sl + 1 : seg;
			int idx;
			char tmp[16];
			size_t il = strcspn(ns, ".]");
			if (il == 0 || il >= sizeof(tmp))
				return -1;
			memcpy(tmp, ns, il);
			tmp[il] = '\0';
			if (tl_parse_int(tmp, 0, 1 << 30, &idx) != 0)
				return -1;
			p++;
			for (int i = 0;; i++) {
				p = skip_ws(p, end);
				if (p >= end || *p == ']')
					return -1;
				if (i == idx) {
					found = p;
					break;
				}
				p = skip_value(p, end);
				p = skip_ws(p, end);
				if (p >= end || *p != ',')
					return -1;
				p++;
			}
			br = NULL; /* the index was this segment */
		} else {
			return -1;
		}
		p = found;
		if (br) {
			/* "users[0]": go on with the index as its own segment */
			seg = br + 1;
			continue;
		}
		const char *next = seg + sl;
		while (*next == ']')
			next++;
		if (*next == '\0') {
			*v = p;
			*vn = (size_t)(skip_value(p, end) - p);
			return *vn > 0 ? 0 : -1;
		}
		seg = *next == '.' ? next + 1 : next;
		if (*seg == '[')
			seg++;
	}
}

static int add_utf8(struct tl_buf *out, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return tl_buf_add(out, b, n);
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	if (end - p < 4)
		return -1;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + (unsigned)h;
	}
	*out = v;
	return 0;
}

int tl_lake_value_text(struct tl_buf *out, const char *v, size_t vn)
{
	if (vn == 0)
		return -1;
	if (v[0] != '"')
		return tl_buf_add(out, v, vn);
	const char *p = v + 1, *end = v + vn - 1;
	if (vn < 2 || *end != '"')
		return -1;
	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		if (!bs)
			return tl_buf_add(out, p, (size_t)(end - p));
		if (tl_buf_add(out, p, (size_t)(bs - p)) != 0 || bs + 1 >= end)
			return -1;
		char c = bs[1];
		p = bs + 2;
		int rc = 0;
		switch (c) {
		case 'n': rc = tl_buf_addc(out, '\n'); break;
		case 't': rc = tl_buf_addc(out, '\t'); break;
		case 'r': rc = tl_buf_addc(out, '\r'); break;
		case 'b': rc = tl_buf_addc(out, '\b'); break;
		case 'f': rc = tl_buf_addc(out, '\f'); break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(p, end, &cp) != 0)
				return -1;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
			    hex4(p + 2, end, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			rc = add_utf8(out, cp);
			break;
		}
		default: rc = tl_buf_addc(out, c); break;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
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
