/* tl_tz.c: time zones from TZif files and POSIX TZ rules (see tl_tz.h). */
#include "tl_tz.h"

#include "tl_alloc.h"
#include "tl_io.h"
#include "tl_time.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A POSIX TZ rule ("EST5EDT,M3.2.0,M11.1.0"): standard offset, and when there is summer time,
 * its offset and the two changes (day rule and time of day in seconds, local). */
struct rule_day {
	char kind;      /* 'M' month.week.weekday, 'J' Julian 1..365 without Feb 29, 'n' 0..365 */
	int m, w, d;
	int32_t secs;
};

struct posix_rule {
	bool valid, dst;
	int32_t std_off, dst_off;
	struct rule_day start, end;
};

struct tl_tz {
	char *name;
	int64_t *trans;     /* transition instants, seconds, ascending */
	uint8_t *idx;       /* type of each transition */
	size_t ntrans;
	int32_t *offs;      /* per type */
	size_t ntypes;
	int32_t first_off;  /* before the first transition */
	struct posix_rule rule;
};

static struct tl_tz *fixed(const char *name, int32_t off)
{
	struct tl_tz *tz = xcalloc(1, sizeof *tz);
	tz->name = xstrdup(name);
	tz->first_off = off;
	return tz;
}

void tl_tz_free(struct tl_tz *tz)
{
	if (!tz)
		return;
	free(tz->name);
	free(tz->trans);
	free(tz->idx);
	free(tz->offs);
	free(tz);
}

const char *tl_tz_name(const struct tl_tz *tz)
{
	return tz->name;
}

/* ---- POSIX rules ---- */

/* [+-]hh[:mm[:ss]] into seconds; returns the rest of s or NULL. */
static const char *posix_time(const char *s, int32_t *out, bool allow_sign, int max_h)
{
	int sign = 1;
	if (allow_sign && (*s == '+' || *s == '-'))
		sign = *s++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)*s))
		return NULL;
	int h = 0, m = 0, sec = 0, nd = 0;
	while (isdigit((unsigned char)*s) && nd < 3) {
		h = h * 10 + (*s++ - '0');
		nd++;
	}
	if (h > max_h)
		return NULL;
	if (*s == ':') {
		s++;
		if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
			return NULL;
		m = (s[0] - '0') * 10 + (s[1] - '0');
		s += 2;
		if (*s == ':') {
			s++;
			if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
				return NULL;
			sec = (s[0] - '0') * 10 + (s[1] - '0');
			s += 2;
		}
	}
	if (m > 59 || sec > 59)
		return NULL;
	*out = sign * (h * 3600 + m * 60 + sec);
	return s;
}

static const char *posix_name(const char *s)
{
	if (*s == '<') {
		const char *e = strchr(s, '>');
		return e && e - s >= 4 ? e + 1 : NULL;
	}
	const char *b = s;
	while (isalpha((unsigned char)*s))
		s++;
	return s - b >= 3 ? s : NULL;
}

static const char *posix_day(const char *s, struct rule_day *r)
{
	int v[3] = { 0, 0, 0 };
	if (*s == 'M') {
		s++;
		for (int k = 0; k < 3; k++) {
			if (!isdigit((unsigned char)*s))
				return NULL;
			while (isdigit((unsigned char)*s) && v[k] < 1000)
				v[k] = v[k] * 10 + (*s++ - '0');
			if (k < 2 && *s++ != '.')
				return NULL;
		}
		if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 5 || v[2] > 6)
			return NULL;
		r->kind = 'M';
	} else {
		r->kind = 'n';
		if (*s == 'J') {
			r->kind = 'J';
			s++;
		}
		if (!isdigit((unsigned char)*s))
			return NULL;
		while (isdigit((unsigned char)*s) && v[0] < 1000)
			v[0] = v[0] * 10 + (*s++ - '0');
		if (v[0] > 365 || (r->kind == 'J' && v[0] < 1))
			return NULL;
	}
	r->m = v[0];
	r->w = v[1];
	r->d = v[2];
	r->secs = 7200;
	if (*s == '/') {
		s = posix_time(s + 1, &r->secs, true, 167);
		if (!s)
			return NULL;
	}
	return s;
}

static bool posix_parse(const char *s, struct posix_rule *r)
{
	memset(r, 0, sizeof *r);
	int32_t off;
	if (!(s = posix_name(s)) || !(s = posix_time(s, &off, true, 24)))
		return false;
	r->std_off = -off; /* POSIX offsets are west of UTC */
	if (!*s) {
		r->valid = true;
		return true;
	}
	if (!(s = posix_name(s)))
		return false;
	r->dst_off = r->std_off + 3600;
	if (*s && *s != ',') {
		if (!(s = posix_time(s, &off, true, 24)))
			return false;
		r->dst_off = -off;
	}
	if (*s++ != ',' || !(s = posix_day(s, &r->start)) || *s++ != ',' ||
	    !(s = posix_day(s, &r->end)) || *s)
		return false;
	r->dst = r->valid = true;
	return true;
}

/* The day (days since epoch) a rule gives in year y. */
static int64_t rule_day_of(const struct rule_day *d, int y)
{
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	int64_t jan1 = tl_days_from_civil(y, 1, 1);
	if (d->kind == 'J')
		return jan1 + d->m - 1 + (leap && d->m >= 60);
	if (d->kind == 'n')
		return jan1 + d->m;
	int64_t first = tl_days_from_civil(y, d->m, 1);
	int dow = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday (4); Sunday 0 */
	int64_t day = first + ((d->d - dow) + 7) % 7 + (int64_t)(d->w - 1) * 7;
	int y2, m2, dd;
	if (d->w == 5) {
		tl_civil_from_days(day, &y2, &m2, &dd);
		while (m2 != d->m) {
			day -= 7;
			tl_civil_from_days(day, &y2, &m2, &dd);
		}
	}
	return day;
}

static int32_t rule_offset(const struct posix_rule *r, int64_t utc_s)
{
	if (!r->dst)
		return r->std_off;
	int y, m, d;
	int64_t days = utc_s >= 0 ? utc_s / 86400 : -((-utc_s + 86399) / 86400);
	tl_civil_from_days(days, &y, &m, &d);
	/* the changes happen at local times: start in standard time, end in summer time */
	int64_t start = rule_day_of(&r->start, y) * 86400 + r->start.secs - r->std_off;
	int64_t end = rule_day_of(&r->end, y) * 86400 + r->end.secs - r->dst_off;
	bool in = start < end ? (utc_s >= start && utc_s < end) : !(utc_s >= end && utc_s < start);
	return in ? r->dst_off : r->std_off;
}

/* ---- TZif ---- */

static int64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

struct tzhead {
	int version;
	uint32_t isut, isstd, leap, timecnt, typecnt, charcnt;
};

static bool read_head(const unsigned char *p, size_t n, struct tzhead *h)
{
	if (n < 44 || memcmp(p, "TZif", 4))
		return false;
	h->version = p[4] ? p[4] - '0' : 1;
	h->isut = (uint32_t)be(p + 20, 4);
	h->isstd = (uint32_t)be(p + 24, 4);
	h->leap = (uint32_t)be(p + 28, 4);
	h->timecnt = (uint32_t)be(p + 32, 4);
	h->typecnt = (uint32_t)be(p + 36, 4);
	h->charcnt = (uint32_t)be(p + 40, 4);
	return h->typecnt > 0 && h->typecnt <= 256 && h->timecnt <= 100000 && h->leap <= 100000 &&
	       h->charcnt <= 100000 && (h->isut == 0 || h->isut == h->typecnt) &&
	       (h->isstd == 0 || h->isstd == h->typecnt);
}

static size_t block_len(const struct tzhead *h, int tsize)
{
	return (size_t)h->timecnt * (size_t)tsize + h->timecnt + (size_t)h->typecnt * 6 + h->charcnt +
	       (size_t)h->leap * (size_t)(tsize + 4) + h->isstd + h->isut;
}

struct tl_tz *tl_tz_parse(const char *name, const unsigned char *data, size_t n, char **err)
{
	struct tzhead h;
	int tsize = 4;
	const unsigned char *p = data;
	*err = NULL;
	if (!read_head(p, n, &h))
		goto bad;
	size_t len = block_len(&h, 4);
	if (44 + len > n)
		goto bad;
	if (h.version >= 2) {
		p += 44 + len;
		n -= 44 + len;
		if (!read_head(p, n, &h))
			goto bad;
		tsize = 8;
		len = block_len(&h, 8);
		if (44 + len > n)
			goto bad;
	}
	struct tl_tz *tz = xcalloc(1, sizeof *tz);
	tz->name = xstrdup(name);
	const unsigned char *q = p + 44;
	tz->ntrans = h.timecnt;
	tz->trans = xcalloc(h.timecnt + 1, sizeof *tz->trans);
	tz->idx = xcalloc(h.timecnt + 1, 1);
	for (uint32_t i = 0; i < h.timecnt; i++, q += tsize) {
		tz->trans[i] = be(q, tsize);
		if (i && tz->trans[i] <= tz->trans[i - 1]) {
			tl_tz_free(tz);
			goto bad;
		}
	}
	for (uint32_t i = 0; i < h.timecnt; i++, q++) {
		if (*q >= h.typecnt) {
			tl_tz_free(tz);
			goto bad;
		}
		tz->idx[i] = *q;
	}
	tz->ntypes = h.typecnt;
	tz->offs = xcalloc(h.typecnt, sizeof *tz->offs);
	for (uint32_t i = 0; i < h.typecnt; i++, q += 6) {
		int64_t off = be(q, 4);
		if (off < -25 * 3600 || off > 26 * 3600) {
			tl_tz_free(tz);
			goto bad;
		}
		tz->offs[i] = (int32_t)off;
	}
	/* before the first transition: time type 0 (RFC 8536, 3.2) */
	tz->first_off = tz->offs[0];
	if (tsize == 8) {
		const unsigned char *f = p + 44 + len, *end = p + n;
		if (f < end && *f == '\n') {
			const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
			if (nl && nl - f - 1 < 256) {
				char rule[256];
				memcpy(rule, f + 1, (size_t)(nl - f - 1));
				rule[nl - f - 1] = '\0';
				if (rule[0])
					posix_parse(rule, &tz->rule);
			}
		}
	}
	return tz;
bad:
	*err = xasprintf("time zone %s: not a valid TZif file", name);
	return NULL;
}

int32_t tl_tz_offset(const struct tl_tz *tz, int64_t utc_ms)
{
	int64_t s = utc_ms >= 0 ? utc_ms / 1000 : -((-utc_ms + 999) / 1000);
	if (!tz->ntrans)
		return tz->rule.valid ? rule_offset(&tz->rule, s) : tz->first_off;
	if (s < tz->trans[0])
		return tz->first_off;
	if (s >= tz->trans[tz->ntrans - 1] && tz->rule.valid)
		return rule_offset(&tz->rule, s);
	size_t lo = 0, hi = tz->ntrans; /* last transition <= s */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (tz->trans[mid] <= s)
			lo = mid;
		else
			hi = mid;
	}
	return tz->offs[tz->idx[lo]];
}

int64_t tl_tz_to_utc(const struct tl_tz *tz, int64_t local_ms)
{
	/* the offsets in force a day either side bound the answer */
	int32_t a = tl_tz_offset(tz, local_ms - 86400000), b = tl_tz_offset(tz, local_ms + 86400000);
	int32_t lo = a < b ? a : b, hi = a < b ? b : a;
	int64_t best = 0;
	bool found = false;
	/* the earlier instant whose offset maps it back to local_ms */
	int32_t cands[2] = { hi, lo };
	for (int k = 0; k < 2; k++) {
		int64_t u = local_ms - (int64_t)cands[k] * 1000;
		if (tl_tz_offset(tz, u) == cands[k] && (!found || u < best)) {
			best = u;
			found = true;
		}
	}
	if (found)
		return best;
	/* in a gap: shift forward by the change */
	return local_ms - (int64_t)lo * 1000;
}

/* ---- loading ---- */

/* "+05:30", "-8", "+0530", "UTC+01:00"... into seconds; false when not an offset. */
static bool parse_offset(const char *s, int32_t *off)
{
	if (!strncasecmp(s, "UTC", 3) || !strncasecmp(s, "GMT", 3))
		s += 3;
	else if (!strncasecmp(s, "UT", 2))
		s += 2;
	if (*s != '+' && *s != '-')
		return false;
	int sign = *s++ == '-' ? -1 : 1, h = 0, m = 0, nd = 0;
	while (isdigit((unsigned char)*s) && nd < 2) {
		h = h * 10 + (*s++ - '0');
		nd++;
	}
	if (!nd)
		return false;
	if (*s == ':')
		s++;
	if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1])) {
		m = (s[0] - '0') * 10 + (s[1] - '0');
		s += 2;
	}
	if (*s || h > 14 || m > 59)
		return false;
	*off = sign * (h * 3600 + m * 60);
	return true;
}

/* The path of name under dir, matching each part case-insensitively; NULL when none. */
static char *find_zone_file(const char *dir, const char *name)
{
	char *cur = xstrdup(dir);
	const char *p = name;
	while (*p) {
		size_t l = strcspn(p, "/");
		char *part = xstrndup(p, l);
		char *next = NULL;
		DIR *d = opendir(cur);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] != '.' && !strcasecmp(e->d_name, part)) {
				next = xasprintf("%s/%s", cur, e->d_name);
				if (!strcmp(e->d_name, part))
					break;
				/* an exact match may come later */
			}
		}
		if (d)
			closedir(d);
		free(part);
		free(cur);
		if (!next)
			return NULL;
		cur = next;
		p += l;
		while (*p == '/')
			p++;
	}
	return cur;
}

static bool name_ok(const char *s)
{
	if (!*s || *s == '/' || strlen(s) > 128)
		return false;
	for (const char *p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
			return false;
		if (p[0] == '/' && p[1] == '/')
			return false;
	}
	return true;
}

struct tl_tz *tl_tz_load(const char *name, char **err)
{
	int32_t off;
	*err = NULL;
	if (!strcasecmp(name, "UTC") || !strcasecmp(name, "Z") || !strcasecmp(name, "GMT") ||
	    !strcasecmp(name, "UT") || !strcasecmp(name, "Etc/UTC") || !strcasecmp(name, "Etc/GMT") ||
	    !strcasecmp(name, "Zulu") || !strcasecmp(name, "Etc/Zulu") || !strcasecmp(name, "UCT"))
		return fixed("UTC", 0);
	if (parse_offset(name, &off)) {
		if (!off)
			return fixed("UTC", 0);
		char n[16];
		int a = off < 0 ? -off : off;
		snprintf(n, sizeof n, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
		return fixed(n, off);
	}
	if (!name_ok(name)) {
		*err = xasprintf("'%s' is not a time zone", name);
		return NULL;
	}
	const char *env = getenv("TZDIR");
	char *dir = xstrdup(env && *env ? env : "/usr/share/zoneinfo");
	for (size_t l = strlen(dir); l > 1 && dir[l - 1] == '/'; l--)
		dir[l - 1] = '\0';
	char *path = find_zone_file(dir, name);
	if (!path) {
		*err = xasprintf("'%s' is not a time zone (none of that name in %s)", name, dir);
		free(dir);
		return NULL;
	}
	size_t n;
	char *data = tl_read_file(path, 1 << 20, &n);
	if (!data) {
		*err = xasprintf("time zone %s: %s", name, strerror(errno));
		free(path);
		free(dir);
		return NULL;
	}
	/* the name as the database spells it */
	const char *canon = path + strlen(dir) + 1;
	struct tl_tz *tz = tl_tz_parse(canon, (const unsigned char *)data, n, err);
	free(data);
	free(path);
	free(dir);
	return tz;
}
