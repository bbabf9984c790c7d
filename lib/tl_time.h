/* tl_time.h: time without gmtime/localtime: RFC 3339 parsing and formatting in UTC, epoch
 * numbers in s/ms/us, monotonic clocks.
 */
#ifndef TL_TIME_H
#define TL_TIME_H
#include <stddef.h>
#include <stdint.h>

struct tl_tm {
	int year, month, day;   /* month 1..12, day 1..31 */
	int hour, min, sec;
	int ms;
};

/* Days since 1970-01-01 of a civil date (proleptic Gregorian), and back. */
int64_t tl_days_from_civil(int y, int m, int d);
void tl_civil_from_days(int64_t z, int *y, int *m, int *d);

/* Parses RFC 3339 / ISO 8601 date-times: "2026-11-25T03:04:05Z", with fractions of any length,
 * "+01:00"/"-0530" offsets, a space instead of "T", or a bare date. Also X's v1.1 format
 * "Wed Oct 10 20:19:24 +0000 2018". Returns 0 and epoch milliseconds, or -1. */
int tl_time_parse(const char *s, size_t n, int64_t *ms_out);
/* An epoch number in seconds, milliseconds or microseconds (told apart by magnitude) to ms. */
int tl_time_from_epoch(double v, int64_t *ms_out);
void tl_time_split(int64_t ms, struct tl_tm *tm);
/* "2026-11-25T03:04:05.123Z" (with ms) or without ms when with_ms is 0; buf >= 32 bytes. */
void tl_time_format(int64_t ms, int with_ms, char *buf, size_t len);
/* Wall clock in epoch ms, and a monotonic clock in ms. */
int64_t tl_now_ms(void);
int64_t tl_mono_ms(void);
/* Sleeps ms milliseconds, returning early (1) if a stop signal arrived (see tl_sig). */
int tl_sleep_ms(int64_t ms);

#endif
