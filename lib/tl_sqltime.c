/* tl_sqltime.c: date and time functions (see tl_sqltime.h). Times are worked on as a wall
 * clock (epoch ms as if in UTC) plus a zone; the instant is the wall clock less the zone's
 * offset then. */
#include "tl_sqltime.h"

#include "tl_alloc.h"
#include "tl_sqlval.h"
#include "tl_time.h"
#include "tl_tz.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAY_MS 86400000LL

struct zone_entry {
	char *key;
	struct tl_tz *tz;
};

struct tl_sqltime {
	struct tl_sqlctx ctx[2];
	int64_t now_ms;
	struct zone_entry *zones;
	size_t nzones;
};

/* A time value taken apart: the wall clock and the zone (NULL: UTC). */
struct tval {
	int64_t local;
	const struct tl_tz *zone;
};

static struct tl_sqltime *state_of(sqlite3_context *ctx)
{
	return ((struct tl_sqlctx *)sqlite3_user_data(ctx))->state;
}

static const struct tl_tz *zone_get(struct tl_sqltime *t, const char *name, char **err)
{
	for (size_t i = 0; i < t->nzones; i++)
		if (!strcmp(t->zones[i].key, name))
			return t->zones[i].tz;
	struct tl_tz *tz = tl_tz_load(name, err);
	if (!tz)
		return NULL;
	if (t->nzones < 256) {
		t->zones = xrealloc(t->zones, (t->nzones + 1) * sizeof *t->zones);
		t->zones[t->nzones].key = xstrdup(name);
		t->zones[t->nzones++].tz = tz;
		return tz;
	}
	/* more zones than anyone uses: keep the first ones, replace the last */
	tl_tz_free(t->zones[t->nzones - 1].tz);
	free(t->zones[t->nzones - 1].key);
	t->zones[t->nzones - 1].key = xstrdup(name);
	t->zones[t->nzones - 1].tz = tz;
	return tz;
}

static bool is_utc(const struct tl_tz *z)
{
	return !z || !strcmp(tl_tz_name(z), "UTC");
}

static int64_t instant_of(const struct tval *v)
{
	return is_utc(v->zone) ? v->local : tl_tz_to_utc(v->zone, v->local);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Reads a value's text by its code. -1 when it is not one. */
static int read_time(struct tl_sqltime *t, const char *s, size_t n, char code, struct tval *v,
		     char **err)
{
	v->zone = NULL;
	if (code == 'z') {
		const char *sp = n ? memchr(s, ' ', n) : NULL;
		sp = sp ? memchr(sp + 1, ' ', n - (size_t)(sp + 1 - s)) : NULL;
		if (!sp)
			return -1;
		char zname[160];
		size_t zl = n - (size_t)(sp + 1 - s);
		if (zl == 0 || zl >= sizeof zname)
			return -1;
		memcpy(zname, sp + 1, zl);
		zname[zl] = '\0';
		if (strcmp(zname, "UTC") != 0) {
			v->zone = zone_get(t, zname, err);
			if (!v->zone)
				return -1;
		}
		n = (size_t)(sp - s);
	}
	if (code == 'D' && n != 10)
		return -1;
	return tl_time_parse(s, n, &v->local);
}

static void tz_text(int64_t local, const struct tl_tz *zone, struct tl_buf *out)
{
	char ts[32];
	tl_sqlval_ts_text(local, ts);
	tl_buf_addf(out, "%s %s", ts, zone ? tl_tz_name(zone) : "UTC");
}

/* Sets the result to v as a value of type code. */
static void result_time(sqlite3_context *ctx, const struct tval *v, char code)
{
	char ts[32];
	struct tl_buf b = TL_BUF_INIT;
	switch (code) {
	case 'D':
		tl_sqlval_ts_text(v->local, ts);
		sqlite3_result_text(ctx, ts, 10, SQLITE_TRANSIENT);
		break;
	case 't':
		tl_sqlval_ts_text(v->local, ts);
		sqlite3_result_text(ctx, ts, -1, SQLITE_TRANSIENT);
		break;
	default:
		tz_text(v->local, is_utc(v->zone) ? NULL : v->zone, &b);
		sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
		tl_buf_release(&b);
		break;
	}
}

/* The instant ms seen in zone. */
static struct tval in_zone(int64_t utc, const struct tl_tz *zone)
{
	struct tval v = { utc, zone };
	if (!is_utc(zone))
		v.local = utc + (int64_t)tl_tz_offset(zone, utc) * 1000;
	return v;
}

/* Reads argument i as a time of type code (argument ci); false (result set) when NULL or bad. */
static bool arg_time(sqlite3_context *ctx, sqlite3_value **argv, int i, char code, struct tval *v)
{
	if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return false;
	}
	const char *s = (const char *)sqlite3_value_text(argv[i]);
	char *err = NULL;
	if (read_time(state_of(ctx), s, (size_t)sqlite3_value_bytes(argv[i]), code, v, &err) < 0) {
		tl_sqlval_fail(ctx, "%s", err ? err : "not a valid date or time");
		free(err);
		return false;
	}
	return true;
}

static char code_arg(sqlite3_value *v)
{
	const char *c = (const char *)sqlite3_value_text(v);
	return c && *c ? c[0] : 't';
}

/* ---- civil arithmetic ---- */

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int64_t add_months(int64_t local, int64_t months)
{
	struct tl_tm t;
	tl_time_split(local, &t);
	int64_t total = (int64_t)t.year * 12 + (t.month - 1) + months;
	int y = (int)floor_div(total, 12), m = (int)(total - (int64_t)y * 12) + 1;
	int d = t.day > days_in_month(y, m) ? days_in_month(y, m) : t.day;
	int64_t tod = local - floor_div(local, DAY_MS) * DAY_MS;
	return tl_days_from_civil(y, m, d) * DAY_MS + tod;
}

/* Monday = 1 .. Sunday = 7 */
static int iso_dow(int64_t day)
{
	return (int)(((day % 7) + 7 + 3) % 7) + 1;
}

static void iso_week(int64_t day, int *week, int *wyear)
{
	int y, m, d;
	tl_civil_from_days(day, &y, &m, &d);
	int64_t thursday = day - iso_dow(day) + 4;
	int ty, tm, td;
	tl_civil_from_days(thursday, &ty, &tm, &td);
	*wyear = ty;
	*week = (int)((thursday - tl_days_from_civil(ty, 1, 1)) / 7) + 1;
}

enum unit { U_MS, U_SECOND, U_MINUTE, U_HOUR, U_DAY, U_WEEK, U_MONTH, U_QUARTER, U_YEAR, U_BAD };

static enum unit unit_of(const char *s)
{
	static const char *const names[] = { "millisecond", "second", "minute", "hour", "day",
					     "week", "month", "quarter", "year" };
	for (int i = 0; s && i < U_BAD; i++)
		if (!strcasecmp(s, names[i]))
			return (enum unit)i;
	return U_BAD;
}

static const int64_t unit_ms[] = { 1, 1000, 60000, 3600000, DAY_MS, 7 * DAY_MS };

/* ---- functions ---- */

static void fn_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tval v = { state_of(ctx)->now_ms, NULL };
	result_time(ctx, &v, code_arg(argv[0]));
}

/* ISO 8601 with the zone it names: "Z" or an offset ("+01:00"), else UTC. */
static void fn_from_iso8601_timestamp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int64_t ms;
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n < 4 || !isdigit((unsigned char)s[0]) || tl_time_parse(s, n, &ms) < 0) {
		tl_sqlval_fail(ctx, "Invalid format: \"%s\" (from_iso8601_timestamp)", s);
		return;
	}
	const struct tl_tz *zone = NULL;
	const char *tpart = memchr(s, 'T', n);
	if (!tpart)
		tpart = memchr(s, 't', n);
	if (tpart) {
		const char *z = NULL;
		for (const char *p = tpart; p < s + n; p++)
			if (*p == '+' || *p == '-')
				z = p;
		if (z) {
			char off[16];
			size_t l = (size_t)(s + n - z);
			if (l < sizeof off) {
				memcpy(off, z, l);
				off[l] = '\0';
				char *err = NULL;
				zone = zone_get(state_of(ctx), off, &err);
				free(err);
			}
		}
	}
	struct tval v = in_zone(ms, zone);
	result_time(ctx, &v, 'z');
}

static void fn_from_iso8601_date(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int64_t ms;
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	if (strlen(s) != 10 || tl_time_parse(s, 10, &ms) < 0) {
		tl_sqlval_fail(ctx, "Invalid format: \"%s\" (from_iso8601_date)", s);
		return;
	}
	sqlite3_result_text(ctx, s, 10, SQLITE_TRANSIENT);
}

static void fn_from_unixtime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    (argc > 1 && sqlite3_value_type(argv[1]) == SQLITE_NULL)) {
		sqlite3_result_null(ctx);
		return;
	}
	double x = sqlite3_value_double(argv[0]);
	if (!isfinite(x) || fabs(x) > 1e14) {
		tl_sqlval_fail(ctx, "from_unixtime: %g is out of range", x);
		return;
	}
	const struct tl_tz *zone = NULL;
	if (argc > 1) {
		char *err = NULL;
		zone = zone_get(state_of(ctx), (const char *)sqlite3_value_text(argv[1]), &err);
		if (!zone) {
			tl_sqlval_fail(ctx, "%s", err);
			free(err);
			return;
		}
	}
	struct tval v = in_zone((int64_t)llround(x * 1000.0), zone);
	result_time(ctx, &v, 'z');
}

static void fn_to_unixtime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tval v;
	if (arg_time(ctx, argv, 0, code_arg(argv[1]), &v))
		sqlite3_result_double(ctx, (double)instant_of(&v) / 1000.0);
}

static void fn_instant(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tval v;
	if (arg_time(ctx, argv, 0, code_arg(argv[1]), &v))
		sqlite3_result_int64(ctx, instant_of(&v));
}

static int64_t trunc_local(int64_t local, enum unit u)
{
	struct tl_tm t;
	int64_t day = floor_div(local, DAY_MS);
	tl_time_split(local, &t);
	switch (u) {
	case U_MS: return local;
	case U_SECOND: case U_MINUTE: case U_HOUR: return floor_div(local, unit_ms[u]) * unit_ms[u];
	case U_DAY: return day * DAY_MS;
	case U_WEEK: return (day - iso_dow(day) + 1) * DAY_MS;
	case U_MONTH: return tl_days_from_civil(t.year, t.month, 1) * DAY_MS;
	case U_QUARTER: return tl_days_from_civil(t.year, (t.month - 1) / 3 * 3 + 1, 1) * DAY_MS;
	default: return tl_days_from_civil(t.year, 1, 1) * DAY_MS;
	}
}

/* A wall clock in a zone after arithmetic: its instant again, then back to the wall clock. */
static struct tval rezone(int64_t local, const struct tl_tz *zone)
{
	if (is_utc(zone))
		return (struct tval){ local, zone };
	return in_zone(tl_tz_to_utc(zone, local), zone);
}

static void fn_date_trunc(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	char code = code_arg(argv[2]);
	enum unit u = unit_of((const char *)sqlite3_value_text(argv[0]));
	struct tval v;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (u == U_BAD || (code == 'D' && u < U_DAY)) {
		tl_sqlval_fail(ctx, "'%s' is not a valid %s field for date_trunc",
			       (const char *)sqlite3_value_text(argv[0]),
			       code == 'D' ? "DATE" : "TIMESTAMP");
		return;
	}
	if (!arg_time(ctx, argv, 1, code, &v))
		return;
	struct tval r = rezone(trunc_local(v.local, u), v.zone);
	result_time(ctx, &r, code);
}

static bool add_unit(struct tval *v, enum unit u, int64_t n)
{
	if (u <= U_HOUR) {
		if (is_utc(v->zone))
			v->local += n * unit_ms[u];
		else
			*v = in_zone(instant_of(v) + n * unit_ms[u], v->zone);
		return true;
	}
	int64_t local;
	if (u == U_DAY || u == U_WEEK)
		local = v->local + n * unit_ms[u];
	else
		local = add_months(v->local, n * (u == U_MONTH ? 1 : u == U_QUARTER ? 3 : 12));
	*v = rezone(local, v->zone);
	return true;
}

static void fn_date_add(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	char code = code_arg(argv[3]);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	enum unit u = unit_of((const char *)sqlite3_value_text(argv[0]));
	if (u == U_BAD || (code == 'D' && u < U_DAY)) {
		tl_sqlval_fail(ctx, "'%s' is not a valid %s field for date_add",
			       (const char *)sqlite3_value_text(argv[0]),
			       code == 'D' ? "DATE" : "TIMESTAMP");
		return;
	}
	struct tval v;
	if (!arg_time(ctx, argv, 2, code, &v))
		return;
	add_unit(&v, u, sqlite3_value_int64(argv[1]));
	result_time(ctx, &v, code);
}

/* Whole months from a to b, as Joda-Time counts them (Trino's date_diff): the day of month
 * and time of b must reach a's, a's day being cut to the end of a shorter month. */
static int64_t month_diff(int64_t a, int64_t b)
{
	if (b < a)
		return -month_diff(b, a);
	struct tl_tm ta, tb;
	tl_time_split(a, &ta);
	tl_time_split(b, &tb);
	int64_t months = ((int64_t)tb.year - ta.year) * 12 + (tb.month - ta.month);
	if (tb.day == days_in_month(tb.year, tb.month) && ta.day > tb.day)
		a -= (int64_t)(ta.day - tb.day) * DAY_MS;
	int64_t ra = a - tl_days_from_civil(ta.year, ta.month, 1) * DAY_MS;
	int64_t rb = b - tl_days_from_civil(tb.year, tb.month, 1) * DAY_MS;
	return rb < ra ? months - 1 : months;
}

static void fn_date_diff(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	char ca = code_arg(argv[3]), cb = code_arg(argv[4]);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	enum unit u = unit_of((const char *)sqlite3_value_text(argv[0]));
	if (u == U_BAD || (ca == 'D' && u < U_DAY)) {
		tl_sqlval_fail(ctx, "'%s' is not a valid %s field for date_diff",
			       (const char *)sqlite3_value_text(argv[0]), ca == 'D' ? "DATE" : "TIMESTAMP");
		return;
	}
	struct tval a, b;
	if (!arg_time(ctx, argv, 1, ca, &a) || !arg_time(ctx, argv, 2, cb, &b))
		return;
	if (u <= U_WEEK) {
		int64_t d = (u >= U_DAY ? b.local - a.local : instant_of(&b) - instant_of(&a));
		sqlite3_result_int64(ctx, d / unit_ms[u]);
		return;
	}
	int64_t m = month_diff(a.local, b.local);
	sqlite3_result_int64(ctx, u == U_MONTH ? m : u == U_QUARTER ? m / 3 : m / 12);
}

static void fn_ts_add(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	char code = code_arg(argv[3]);
	struct tval v;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL || sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!arg_time(ctx, argv, 0, code, &v))
		return;
	int64_t ms = sqlite3_value_int64(argv[1]), months = sqlite3_value_int64(argv[2]);
	if (months)
		v = rezone(add_months(v.local, months), v.zone);
	if (ms) {
		if (code == 'D') {
			if (ms % DAY_MS) {
				tl_sqlval_fail(ctx, "Cannot add hour, minutes or seconds to a date");
				return;
			}
			v.local += ms;
		} else {
			add_unit(&v, U_MS, ms);
		}
	}
	result_time(ctx, &v, code);
}

static void fn_ts_diff(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tval a, b;
	if (!arg_time(ctx, argv, 0, code_arg(argv[2]), &a) ||
	    !arg_time(ctx, argv, 1, code_arg(argv[3]), &b))
		return;
	sqlite3_result_int64(ctx, instant_of(&a) - instant_of(&b));
}

static void fn_extract(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *f = (const char *)sqlite3_value_text(argv[0]);
	struct tval v;
	if (!f || !arg_time(ctx, argv, 1, code_arg(argv[2]), &v))
		return;
	struct tl_tm t;
	tl_time_split(v.local, &t);
	int64_t day = floor_div(v.local, DAY_MS), r;
	int week, wyear;
	iso_week(day, &week, &wyear);
	int32_t off = is_utc(v.zone) ? 0 : tl_tz_offset(v.zone, instant_of(&v));
	if (!strcasecmp(f, "year")) r = t.year;
	else if (!strcasecmp(f, "quarter")) r = (t.month - 1) / 3 + 1;
	else if (!strcasecmp(f, "month")) r = t.month;
	else if (!strcasecmp(f, "week") || !strcasecmp(f, "week_of_year")) r = week;
	else if (!strcasecmp(f, "day") || !strcasecmp(f, "day_of_month")) r = t.day;
	else if (!strcasecmp(f, "day_of_week") || !strcasecmp(f, "dow")) r = iso_dow(day);
	else if (!strcasecmp(f, "day_of_year") || !strcasecmp(f, "doy"))
		r = day - tl_days_from_civil(t.year, 1, 1) + 1;
	else if (!strcasecmp(f, "year_of_week") || !strcasecmp(f, "yow")) r = wyear;
	else if (!strcasecmp(f, "hour")) r = t.hour;
	else if (!strcasecmp(f, "minute")) r = t.min;
	else if (!strcasecmp(f, "second")) r = t.sec;
	else if (!strcasecmp(f, "millisecond")) r = t.ms;
	else if (!strcasecmp(f, "timezone_hour")) r = off / 3600;
	else if (!strcasecmp(f, "timezone_minute")) r = off / 60 % 60;
	else {
		tl_sqlval_fail(ctx, "'%s' is not a valid field to extract", f);
		return;
	}
	sqlite3_result_int64(ctx, r);
}

static const char *const day_names[] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
					  "Saturday", "Sunday" };
static const char *const month_names[] = { "January", "February", "March", "April", "May", "June",
					    "July", "August", "September", "October", "November",
					    "December" };

/* MySQL's specifiers, as Athena's date_format takes them. */
static int mysql_format(const struct tval *v, const char *f, struct tl_buf *b, char *bad)
{
	struct tl_tm t;
	tl_time_split(v->local, &t);
	int64_t day = floor_div(v->local, DAY_MS);
	int dow = iso_dow(day) - 1, doy = (int)(day - tl_days_from_civil(t.year, 1, 1)) + 1;
	int week, wyear;
	iso_week(day, &week, &wyear);
	for (const char *p = f; *p; p++) {
		if (*p != '%' || !p[1]) {
			tl_buf_addc(b, *p);
			continue;
		}
		p++;
		int h12 = t.hour % 12 ? t.hour % 12 : 12;
		switch (*p) {
		case 'Y': tl_buf_addf(b, "%04d", t.year); break;
		case 'y': tl_buf_addf(b, "%02d", t.year % 100); break;
		case 'm': tl_buf_addf(b, "%02d", t.month); break;
		case 'c': tl_buf_addf(b, "%d", t.month); break;
		case 'd': tl_buf_addf(b, "%02d", t.day); break;
		case 'e': tl_buf_addf(b, "%d", t.day); break;
		case 'H': tl_buf_addf(b, "%02d", t.hour); break;
		case 'k': tl_buf_addf(b, "%d", t.hour); break;
		case 'h': case 'I': tl_buf_addf(b, "%02d", h12); break;
		case 'l': tl_buf_addf(b, "%d", h12); break;
		case 'i': tl_buf_addf(b, "%02d", t.min); break;
		case 's': case 'S': tl_buf_addf(b, "%02d", t.sec); break;
		case 'f': tl_buf_addf(b, "%03d000", t.ms); break;
		case 'p': tl_buf_adds(b, t.hour < 12 ? "AM" : "PM"); break;
		case 'T': tl_buf_addf(b, "%02d:%02d:%02d", t.hour, t.min, t.sec); break;
		case 'r': tl_buf_addf(b, "%02d:%02d:%02d %s", h12, t.min, t.sec, t.hour < 12 ? "AM" : "PM"); break;
		case 'j': tl_buf_addf(b, "%03d", doy); break;
		case 'W': tl_buf_adds(b, day_names[dow]); break;
		case 'a': tl_buf_add(b, day_names[dow], 3); break;
		case 'M': tl_buf_adds(b, month_names[t.month - 1]); break;
		case 'b': tl_buf_add(b, month_names[t.month - 1], 3); break;
		case 'v': tl_buf_addf(b, "%02d", week); break;
		case 'x': tl_buf_addf(b, "%04d", wyear); break;
		case '%': tl_buf_addc(b, '%'); break;
		case 'D': case 'U': case 'u': case 'V': case 'w': case 'X':
			*bad = *p;
			return -1;
		default: tl_buf_addc(b, *p); break;
		}
	}
	return 0;
}

static void fn_date_format(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *f = (const char *)sqlite3_value_text(argv[1]);
	struct tval v;
	if (!f) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!arg_time(ctx, argv, 0, code_arg(argv[2]), &v))
		return;
	struct tl_buf b = TL_BUF_INIT;
	char bad = 0;
	if (mysql_format(&v, f, &b, &bad) < 0)
		tl_sqlval_fail(ctx, "date_format: %%%c not supported", bad);
	else
		sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
}

/* ---- parsing by a format ---- */

struct parsed {
	int year, month, day, hour, min, sec, ms, pm, doy;
	bool has_off, h12;
	int32_t off;
	const struct tl_tz *zone;
};

static bool num(const char **s, int maxd, int *out)
{
	int v = 0, n = 0;
	bool neg = false;
	if (**s == '-' && maxd > 4) {
		neg = true;
		(*s)++;
	}
	while (n < maxd && isdigit((unsigned char)**s)) {
		v = v * 10 + (*(*s)++ - '0');
		n++;
	}
	*out = neg ? -v : v;
	return n > 0;
}

static bool name_of(const char **s, const char *const *names, int count, bool short_ok, int *out)
{
	for (int i = 0; i < count; i++) {
		size_t l = strlen(names[i]);
		if (!strncasecmp(*s, names[i], l)) {
			*s += l;
			*out = i;
			return true;
		}
	}
	for (int i = 0; short_ok && i < count; i++) {
		if (!strncasecmp(*s, names[i], 3)) {
			*s += 3;
			*out = i;
			return true;
		}
	}
	return false;
}

static bool offset_text(const char **s, int32_t *off)
{
	const char *p = *s;
	if (*p == 'Z') {
		*s = p + 1;
		*off = 0;
		return true;
	}
	if (*p != '+' && *p != '-')
		return false;
	int sign = *p++ == '-' ? -1 : 1, h, m = 0;
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
		return false;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	p += 2;
	if (*p == ':')
		p++;
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])) {
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
	}
	*off = sign * (h * 3600 + m * 60);
	*s = p;
	return true;
}

static bool parsed_ms(const struct parsed *p, int64_t *local)
{
	int hour = p->hour;
	if (p->h12) {
		if (hour < 0 || hour > 12)
			return false;
		hour = hour % 12 + (p->pm ? 12 : 0);
	}
	if (p->month < 1 || p->month > 12 || p->day < 1 || p->day > days_in_month(p->year, p->month) ||
	    hour > 23 || p->min > 59 || p->sec > 59)
		return false;
	int64_t day = tl_days_from_civil(p->year, p->month, p->day);
	if (p->doy)
		day = tl_days_from_civil(p->year, 1, 1) + p->doy - 1;
	*local = day * DAY_MS + (int64_t)hour * 3600000 + (int64_t)p->min * 60000 + p->sec * 1000 + p->ms;
	return true;
}

static int mysql_parse(const char *s, const char *f, struct parsed *p)
{
	const char *q = s;
	for (const char *c = f; *c; c++) {
		if (*c != '%' || !c[1]) {
			if (*q != *c)
				return -1;
			q++;
			continue;
		}
		c++;
		bool ok = true;
		int v;
		switch (*c) {
		case 'Y': ok = num(&q, 4, &p->year); break;
		case 'y': ok = num(&q, 2, &v); p->year = v < 70 ? 2000 + v : 1900 + v; break;
		case 'm': case 'c': ok = num(&q, 2, &p->month); break;
		case 'd': case 'e': ok = num(&q, 2, &p->day); break;
		case 'H': case 'k': ok = num(&q, 2, &p->hour); break;
		case 'h': case 'I': case 'l': ok = num(&q, 2, &p->hour); p->h12 = true; break;
		case 'i': ok = num(&q, 2, &p->min); break;
		case 's': case 'S': ok = num(&q, 2, &p->sec); break;
		case 'f': {
			int nd = 0;
			p->ms = 0;
			while (isdigit((unsigned char)*q)) {
				if (nd < 3)
					p->ms = p->ms * 10 + (*q - '0');
				nd++;
				q++;
			}
			for (int k = nd; k < 3; k++)
				p->ms *= 10;
			ok = nd > 0;
			break;
		}
		case 'p':
			if (!strncasecmp(q, "AM", 2) || !strncasecmp(q, "PM", 2)) {
				p->pm = toupper((unsigned char)q[0]) == 'P';
				q += 2;
			} else {
				ok = false;
			}
			break;
		case 'T':
			ok = num(&q, 2, &p->hour) && *q++ == ':' && num(&q, 2, &p->min) && *q++ == ':' &&
			     num(&q, 2, &p->sec);
			break;
		case 'j': ok = num(&q, 3, &p->doy); break;
		case 'M': ok = name_of(&q, month_names, 12, false, &v); p->month = v + 1; break;
		case 'b': ok = name_of(&q, month_names, 12, true, &v); p->month = v + 1; break;
		case 'W': case 'a': ok = name_of(&q, day_names, 7, true, &v); break;
		case '%': ok = *q++ == '%'; break;
		default: return -2;
		}
		if (!ok)
			return -1;
	}
	return *q ? -1 : 0;
}

static void fn_date_parse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = (const char *)sqlite3_value_text(argv[0]), *f = (const char *)sqlite3_value_text(argv[1]);
	if (!s || !f) {
		sqlite3_result_null(ctx);
		return;
	}
	struct parsed p = { .year = 1970, .month = 1, .day = 1 };
	int64_t local;
	int r = mysql_parse(s, f, &p);
	if (r == -2 || r < 0 || !parsed_ms(&p, &local)) {
		tl_sqlval_fail(ctx, "Invalid format: \"%s\" for \"%s\" (date_parse)", s, f);
		return;
	}
	struct tval v = { local, NULL };
	result_time(ctx, &v, 't');
}

/* Joda-Time patterns (format_datetime, parse_datetime): runs of one letter, 'quoted' text. */
static int joda(const struct tval *v, const char *f, struct tl_buf *b, const char **q,
		struct parsed *p, char *bad)
{
	struct tl_tm t;
	tl_time_split(v ? v->local : 0, &t);
	int64_t day = floor_div(v ? v->local : 0, DAY_MS);
	int dow = iso_dow(day), week, wyear;
	iso_week(day, &week, &wyear);
	int32_t off = v && !is_utc(v->zone) ? tl_tz_offset(v->zone, instant_of(v)) : 0;
	for (const char *c = f; *c;) {
		if (*c == '\'') {
			c++;
			if (*c == '\'') {
				if (b)
					tl_buf_addc(b, '\'');
				else if (*(*q)++ != '\'')
					return -1;
				c++;
				continue;
			}
			while (*c && !(*c == '\'' && c[1] != '\'')) {
				if (*c == '\'')
					c++;
				if (b)
					tl_buf_addc(b, *c);
				else if (*(*q)++ != *c)
					return -1;
				c++;
			}
			if (*c)
				c++;
			continue;
		}
		if (!isalpha((unsigned char)*c)) {
			if (b)
				tl_buf_addc(b, *c);
			else if (*(*q)++ != *c)
				return -1;
			c++;
			continue;
		}
		char l = *c;
		int n = 0;
		while (*c == l) {
			c++;
			n++;
		}
		int val = -1, ok = 1, x;
		switch (l) {
		case 'y': case 'Y': case 'u':
			if (b) {
				if (n == 2)
					tl_buf_addf(b, "%02d", t.year % 100);
				else
					tl_buf_addf(b, "%0*d", n, t.year);
			} else {
				ok = num(q, n == 2 ? 2 : 9, &x);
				p->year = n == 2 ? 2000 + x : x;
			}
			continue;
		case 'x': val = wyear; break;
		case 'w': val = week; break;
		case 'e': val = dow; break;
		case 'E':
			if (b)
				tl_buf_add(b, day_names[dow - 1], n >= 4 ? strlen(day_names[dow - 1]) : 3);
			else
				ok = name_of(q, day_names, 7, true, &x);
			if (!ok)
				return -1;
			continue;
		case 'D': val = (int)(day - tl_days_from_civil(t.year, 1, 1)) + 1; break;
		case 'M':
			if (n >= 3) {
				if (b)
					tl_buf_add(b, month_names[t.month - 1],
						   n >= 4 ? strlen(month_names[t.month - 1]) : 3);
				else if (name_of(q, month_names, 12, true, &x))
					p->month = x + 1;
				else
					return -1;
				continue;
			}
			val = t.month;
			break;
		case 'd': val = t.day; break;
		case 'a':
			if (b) {
				tl_buf_adds(b, t.hour < 12 ? "AM" : "PM");
			} else if (!strncasecmp(*q, "AM", 2) || !strncasecmp(*q, "PM", 2)) {
				p->pm = toupper((unsigned char)**q) == 'P';
				*q += 2;
			} else {
				return -1;
			}
			continue;
		case 'K': val = t.hour % 12; break;
		case 'h': val = t.hour % 12 ? t.hour % 12 : 12; break;
		case 'H': val = t.hour; break;
		case 'k': val = t.hour ? t.hour : 24; break;
		case 'm': val = t.min; break;
		case 's': val = t.sec; break;
		case 'S':
			if (b) {
				char ms[4];
				snprintf(ms, sizeof ms, "%03d", t.ms);
				for (int k = 0; k < n; k++)
					tl_buf_addc(b, k < 3 ? ms[k] : '0');
			} else {
				int nd = 0;
				p->ms = 0;
				while (nd < n && isdigit((unsigned char)**q)) {
					if (nd < 3)
						p->ms = p->ms * 10 + (**q - '0');
					nd++;
					(*q)++;
				}
				for (int k = nd; k < 3; k++)
					p->ms *= 10;
				if (!nd)
					return -1;
			}
			continue;
		case 'Z':
			if (b) {
				int a = off < 0 ? -off : off;
				if (n >= 3)
					tl_buf_adds(b, v && v->zone ? tl_tz_name(v->zone) : "UTC");
				else
					tl_buf_addf(b, n == 2 ? "%c%02d:%02d" : "%c%02d%02d",
						    off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
			} else if (offset_text(q, &p->off)) {
				p->has_off = true;
			} else {
				return -1;
			}
			continue;
		case 'z':
			if (b) {
				tl_buf_adds(b, v && v->zone ? tl_tz_name(v->zone) : "UTC");
				continue;
			}
			*bad = l;
			return -2;
		default:
			*bad = l;
			return -2;
		}
		if (b) {
			tl_buf_addf(b, "%0*d", n, val);
			continue;
		}
		if (!num(q, n > 2 ? n : 2, &x))
			return -1;
		switch (l) {
		case 'M': p->month = x; break;
		case 'd': p->day = x; break;
		case 'D': p->doy = x; break;
		case 'K': case 'h': p->hour = x; p->h12 = true; break;
		case 'H': p->hour = x; break;
		case 'k': p->hour = x == 24 ? 0 : x; break;
		case 'm': p->min = x; break;
		case 's': p->sec = x; break;
		default: break; /* week fields: read, not used */
		}
		(void)ok;
	}
	if (!b && **q)
		return -1;
	return 0;
}

static void fn_format_datetime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *f = (const char *)sqlite3_value_text(argv[1]);
	struct tval v;
	if (!f) {
		sqlite3_result_null(ctx);
		return;
	}
	if (!arg_time(ctx, argv, 0, code_arg(argv[2]), &v))
		return;
	struct tl_buf b = TL_BUF_INIT;
	char bad = 0;
	if (joda(&v, f, &b, NULL, NULL, &bad) < 0)
		tl_sqlval_fail(ctx, "format_datetime: the pattern letter '%c' is not supported", bad);
	else
		sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
}

static void fn_parse_datetime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = (const char *)sqlite3_value_text(argv[0]), *f = (const char *)sqlite3_value_text(argv[1]);
	if (!s || !f) {
		sqlite3_result_null(ctx);
		return;
	}
	struct parsed p = { .year = 1970, .month = 1, .day = 1 };
	const char *q = s;
	char bad = 0;
	int64_t local;
	int r = joda(NULL, f, NULL, &q, &p, &bad);
	if (r == -2) {
		tl_sqlval_fail(ctx, "parse_datetime: the pattern letter '%c' is not supported", bad);
		return;
	}
	if (r < 0 || !parsed_ms(&p, &local)) {
		tl_sqlval_fail(ctx, "Invalid format: \"%s\" is malformed (parse_datetime)", s);
		return;
	}
	struct tval v = { local, NULL };
	if (p.has_off && p.off) {
		char name[16];
		int a = p.off < 0 ? -p.off : p.off;
		snprintf(name, sizeof name, "%c%02d:%02d", p.off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
		char *err = NULL;
		v.zone = zone_get(state_of(ctx), name, &err);
		free(err);
	}
	result_time(ctx, &v, 'z');
}

static bool zone_arg(sqlite3_context *ctx, sqlite3_value *a, const struct tl_tz **zone)
{
	const char *name = (const char *)sqlite3_value_text(a);
	char *err = NULL;
	if (!name) {
		sqlite3_result_null(ctx);
		return false;
	}
	*zone = zone_get(state_of(ctx), name, &err);
	if (!*zone) {
		tl_sqlval_fail(ctx, "%s", err);
		free(err);
		return false;
	}
	return true;
}

static void fn_at_timezone(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tval v;
	const struct tl_tz *zone;
	if (!arg_time(ctx, argv, 0, code_arg(argv[2]), &v) || !zone_arg(ctx, argv[1], &zone))
		return;
	struct tval r = in_zone(instant_of(&v), is_utc(zone) ? NULL : zone);
	result_time(ctx, &r, 'z');
}

static void fn_with_timezone(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tval v;
	const struct tl_tz *zone;
	if (!arg_time(ctx, argv, 0, 't', &v) || !zone_arg(ctx, argv[1], &zone))
		return;
	struct tval r = rezone(v.local, is_utc(zone) ? NULL : zone);
	result_time(ctx, &r, 'z');
}

static void fn_to_iso8601(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	char code = code_arg(argv[1]), ts[32];
	struct tval v;
	if (!arg_time(ctx, argv, 0, code, &v))
		return;
	tl_sqlval_ts_text(v.local, ts);
	ts[10] = 'T';
	if (code == 'D') {
		sqlite3_result_text(ctx, ts, 10, SQLITE_TRANSIENT);
		return;
	}
	if (code == 't') {
		sqlite3_result_text(ctx, ts, -1, SQLITE_TRANSIENT);
		return;
	}
	int32_t off = is_utc(v.zone) ? 0 : tl_tz_offset(v.zone, instant_of(&v));
	char out[48];
	if (!off)
		snprintf(out, sizeof out, "%sZ", ts);
	else
		snprintf(out, sizeof out, "%s%c%02d:%02d", ts, off < 0 ? '-' : '+',
			 (off < 0 ? -off : off) / 3600, (off < 0 ? -off : off) / 60 % 60);
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

static void fn_last_day_of_month(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct tval v;
	if (!arg_time(ctx, argv, 0, code_arg(argv[1]), &v))
		return;
	struct tl_tm t;
	tl_time_split(v.local, &t);
	struct tval r = { tl_days_from_civil(t.year, t.month, days_in_month(t.year, t.month)) * DAY_MS,
			  NULL };
	result_time(ctx, &r, 'D');
}

/* ---- casts ---- */

int tl_sqltime_cast(struct tl_sqltime *t, const char *s, size_t n, char from, char to,
		    struct tl_buf *out)
{
	struct tval v = { 0, NULL };
	char *err = NULL, ts[32];
	if (from == 's') {
		while (n && isspace((unsigned char)*s))
			s++, n--;
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		int64_t ms;
		if (to == 'D') {
			if (n != 10 || tl_time_parse(s, n, &ms) < 0)
				goto bad;
			tl_buf_add(out, s, 10);
			return 0;
		}
		if (to == 't') {
			if (n < 10 || tl_time_parse(s, n, &ms) < 0 || memchr(s, 'Z', n) ||
			    (n > 19 && (memchr(s + 10, '+', n - 10) || memchr(s + 11, '-', n - 11))))
				goto bad;
			tl_sqlval_ts_text(ms, ts);
			tl_buf_adds(out, ts);
			return 0;
		}
		if (to == 'z') {
			/* "date time zone" with a named zone or offset, or ISO 8601 */
			const char *sp = n > 11 ? memchr(s + 11, ' ', n - 11) : NULL;
			if (sp) {
				char zn[160];
				size_t zl = n - (size_t)(sp + 1 - s);
				if (zl == 0 || zl >= sizeof zn || tl_time_parse(s, (size_t)(sp - s), &v.local) < 0)
					goto bad;
				memcpy(zn, sp + 1, zl);
				zn[zl] = '\0';
				v.zone = zone_get(t, zn, &err);
				if (!v.zone)
					goto bad;
				struct tval r = rezone(v.local, is_utc(v.zone) ? NULL : v.zone);
				tz_text(r.local, r.zone, out);
				return 0;
			}
			if (n < 10 || tl_time_parse(s, n, &ms) < 0)
				goto bad;
			tz_text(ms, NULL, out);
			return 0;
		}
		goto bad;
	}
	if (read_time(t, s, n, from, &v, &err) < 0)
		goto bad;
	tl_sqlval_ts_text(v.local, ts);
	switch (to) {
	case 'D':
		tl_buf_add(out, ts, 10);
		return 0;
	case 't':
		tl_buf_adds(out, ts);
		return 0;
	case 'z':
		if (from == 'z')
			tl_buf_add(out, s, n);
		else
			tz_text(v.local, NULL, out);
		return 0;
	case 's':
		if (from == 'D')
			tl_buf_add(out, ts, 10);
		else
			tl_buf_add(out, s, n);
		return 0;
	default:
		break;
	}
bad:
	tl_buf_reset(out);
	tl_buf_addf(out, "Value cannot be cast to %s: %.*s%s%s",
		    to == 'D' ? "date" : to == 't' ? "timestamp" : to == 'z' ? "timestamp with time zone"
									: "varchar",
		    (int)(n > 80 ? 80 : n), s, err ? ": " : "", err ? err : "");
	free(err);
	return -1;
}

static void fn_time_cast(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	struct tl_buf b = TL_BUF_INIT;
	if (tl_sqltime_cast(state_of(ctx), s, (size_t)sqlite3_value_bytes(argv[0]), code_arg(argv[1]),
			    code_arg(argv[2]), &b) < 0)
		tl_sqlval_fail(ctx, "%s", tl_buf_str(&b));
	else
		sqlite3_result_text(ctx, tl_buf_str(&b), (int)b.len, SQLITE_TRANSIENT);
	tl_buf_release(&b);
}

/* ---- registration ---- */

struct tl_sqltime *tl_sqltime_register(sqlite3 *db)
{
	static const struct {
		const char *name;
		int nargs;
		bool det;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		{ "tl_now", 1, false, fn_now },
		{ "tl_from_iso8601_timestamp", 1, true, fn_from_iso8601_timestamp },
		{ "tl_from_iso8601_date", 1, true, fn_from_iso8601_date },
		{ "tl_from_unixtime", 1, true, fn_from_unixtime },
		{ "tl_from_unixtime", 2, true, fn_from_unixtime },
		{ "tl_to_unixtime", 2, true, fn_to_unixtime },
		{ "tl_instant", 2, true, fn_instant },
		{ "tl_date_trunc", 3, true, fn_date_trunc },
		{ "tl_date_add", 4, true, fn_date_add },
		{ "tl_date_diff", 5, true, fn_date_diff },
		{ "tl_ts_add", 4, true, fn_ts_add },
		{ "tl_ts_diff", 4, true, fn_ts_diff },
		{ "tl_extract", 3, true, fn_extract },
		{ "tl_date_format", 3, true, fn_date_format },
		{ "tl_date_parse", 2, true, fn_date_parse },
		{ "tl_format_datetime", 3, true, fn_format_datetime },
		{ "tl_parse_datetime", 2, true, fn_parse_datetime },
		{ "tl_at_timezone", 3, true, fn_at_timezone },
		{ "tl_with_timezone", 2, true, fn_with_timezone },
		{ "tl_to_iso8601", 2, true, fn_to_iso8601 },
		{ "tl_last_day_of_month", 2, true, fn_last_day_of_month },
		{ "tl_time_cast", 3, true, fn_time_cast },
	};
	struct tl_sqltime *t = xcalloc(1, sizeof *t);
	t->ctx[0] = (struct tl_sqlctx){ t, false };
	t->ctx[1] = (struct tl_sqlctx){ t, true };
	t->now_ms = tl_now_ms();
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
		if (tl_sqlval_register(db, fns[i].name, fns[i].nargs, fns[i].det, t->ctx, fns[i].fn,
				       NULL, NULL, NULL, NULL) < 0) {
			tl_sqltime_free(t);
			return NULL;
		}
	}
	return t;
}

void tl_sqltime_free(struct tl_sqltime *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nzones; i++) {
		free(t->zones[i].key);
		tl_tz_free(t->zones[i].tz);
	}
	free(t->zones);
	free(t);
}

void tl_sqltime_begin(struct tl_sqltime *t, int64_t now_ms)
{
	t->now_ms = now_ms;
}
