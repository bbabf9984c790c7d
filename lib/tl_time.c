#include "tl_time.h"
#include "tl_sig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t tl_days_from_civil(int y, int m, int d)
{
	/* H. Hinnant's algorithm. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tl_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int digits(const char *s, size_t n, size_t *i, int count, int *out)
{
	int v = 0;
	for (int k = 0; k < count; k++) {
		if (*i >= n || !isdigit((unsigned char)s[*i]))
			return -1;
		v = v * 10 + (s[(*i)++] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int parse_v11(const char *s, size_t n, int64_t *ms_out)
{
	/* "Wed Oct 10 20:19:24 +0000 2018" */
	static const char *mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	if (n != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ')
		return -1;
	int mon = 0;
	for (int k = 0; k < 12; k++)
		if (memcmp(s + 4, mons[k], 3) == 0)
			mon = k + 1;
	size_t i = 8;
	int d, hh, mm, ss, oh, om, y;
	if (!mon || digits(s, n, &i, 2, &d) || s[i++] != ' ' || digits(s, n, &i, 2, &hh) ||
	    s[i++] != ':' || digits(s, n, &i, 2, &mm) || s[i++] != ':' ||
	    digits(s, n, &i, 2, &ss) || s[i++] != ' ')
		return -1;
	char sign = s[i++];
	if ((sign != '+' && sign != '-') || digits(s, n, &i, 2, &oh) || digits(s, n, &i, 2, &om) ||
	    s[i++] != ' ' || digits(s, n, &i, 4, &y) || i != n)
		return -1;
	if (d < 1 || d > days_in_month(y, mon) || hh > 23 || mm > 59 || ss > 60)
		return -1;
	int64_t off = (int64_t)(oh * 60 + om) * 60 * (sign == '-' ? -1 : 1);
	int64_t secs = tl_days_from_civil(y, mon, d) * 86400 + hh * 3600 + mm * 60 + ss - off;
	*ms_out = secs * 1000;
	return 0;
}

int tl_time_parse(const char *s, size_t n, int64_t *ms_out)
{
	size_t i = 0;
	int y, mo, d, hh = 0, mi = 0, ss = 0, ms = 0;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= 4 && isalpha((unsigned char)s[0]))
		return parse_v11(s, n, ms_out);
	if (digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' || digits(s, n, &i, 2, &mo) ||
	    i >= n || s[i++] != '-' || digits(s, n, &i, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	int64_t off = 0;
	if (i < n) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return -1;
		i++;
		if (digits(s, n, &i, 2, &hh) || i >= n || s[i++] != ':' || digits(s, n, &i, 2, &mi))
			return -1;
		if (i < n && s[i] == ':') {
			i++;
			if (digits(s, n, &i, 2, &ss))
				return -1;
			if (i < n && (s[i] == '.' || s[i] == ',')) {
				i++;
				int nd = 0;
				ms = 0;
				while (i < n && isdigit((unsigned char)s[i])) {
					if (nd < 3)
						ms = ms * 10 + (s[i] - '0');
					nd++;
					i++;
				}
				if (nd == 0)
					return -1;
				for (; nd < 3; nd++)
					ms *= 10;
			}
		}
		if (hh > 23 || mi > 59 || ss > 60)
			return -1;
		if (i < n) {
			if (s[i] == 'Z' || s[i] == 'z') {
				i++;
			} else if (s[i] == '+' || s[i] == '-') {
				int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
				if (digits(s, n, &i, 2, &oh))
					return -1;
				if (i < n && s[i] == ':')
					i++;
				if (i < n && digits(s, n, &i, 2, &om))
					return -1;
				if (oh > 23 || om > 59)
					return -1;
				off = sign * (int64_t)(oh * 60 + om) * 60;
			} else {
				return -1;
			}
		}
		if (i != n)
			return -1;
	}
	int64_t secs = tl_days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - off;
	*ms_out = secs * 1000 + ms;
	return 0;
}

int tl_time_from_epoch(double v, int64_t *ms_out)
{
	if (!(v == v) || v < 0)
		return -1;
	/* Up to year ~5138 in seconds; then milliseconds; then microseconds; nanoseconds. */
	if (v < 1e11)
		*ms_out = (int64_t)(v * 1000.0);
	else if (v < 1e14)
		*ms_out = (int64_t)v;
	else if (v < 1e17)
		*ms_out = (int64_t)(v / 1000.0);
	else if (v < 1e20)
		*ms_out = (int64_t)(v / 1e6);
	else
		return -1;
	return 0;
}

void tl_time_split(int64_t ms, struct tl_tm *tm)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t rem = secs - days * 86400;
	tl_civil_from_days(days, &tm->year, &tm->month, &tm->day);
	tm->hour = (int)(rem / 3600);
	tm->min = (int)(rem % 3600 / 60);
	tm->sec = (int)(rem % 60);
	tm->ms = (int)(ms - secs * 1000);
}

void tl_time_format(int64_t ms, int with_ms, char *buf, size_t len)
{
	struct tl_tm t;
	tl_time_split(ms, &t);
	if (with_ms)
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.year, t.month, t.day,
			 t.hour, t.min, t.sec, t.ms);
	else
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day, t.hour,
			 t.min, t.sec);
}

int64_t tl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tl_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tl_sleep_ms(int64_t ms)
{
	int64_t end = tl_mono_ms() + ms;
	for (;;) {
		if (tl_sig_caught())
			return 1;
		int64_t left = end - tl_mono_ms();
		if (left <= 0)
			return 0;
		if (left > 100)
			left = 100; /* wake to look at the signal flag */
		struct timespec ts = { (time_t)(left / 1000), (long)(left % 1000) * 1000000 };
		nanosleep(&ts, NULL);
	}
}
