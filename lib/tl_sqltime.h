/* tl_sqltime.h: Athena's date and time functions for the local engine's SQLite.
 *
 * Values are held as tl_sqlval.h says (date, timestamp and timestamp with time zone as text,
 * intervals as integers); the session time zone is UTC, as in Athena. Functions take the type
 * code of their time arguments ('D', 't', 'z') from the SQL tl_dialect writes:
 *
 *   tl_now(code)                         current_timestamp ('z'), current_date ('D'),
 *                                        localtimestamp ('t'): fixed per statement
 *   tl_from_iso8601_timestamp(s)         'z'; tl_from_iso8601_date(s) 'D'
 *   tl_from_unixtime(x[, zone])          'z'; tl_to_unixtime(x, code) double seconds
 *   tl_instant(x, code)                  epoch milliseconds (comparisons across zones)
 *   tl_date_trunc(unit, x, code)         the same type as x
 *   tl_date_add(unit, n, x, code)        the same type as x
 *   tl_date_diff(unit, a, b, ca, cb)     bigint
 *   tl_ts_add(x, ms, months, code)       x + an interval
 *   tl_ts_diff(a, b, ca, cb)             a - b as milliseconds (interval day to second)
 *   tl_extract(field, x, code)           year, quarter, month, week, day, day_of_week, dow,
 *                                        day_of_year, doy, year_of_week, yow, hour, minute,
 *                                        second, millisecond, timezone_hour, timezone_minute
 *   tl_date_format(x, fmt, code)         MySQL specifiers; tl_date_parse(s, fmt) 't'
 *   tl_format_datetime(x, fmt, code)     Joda patterns; tl_parse_datetime(s, fmt) 'z'
 *   tl_at_timezone(x, zone, code)        'z'; tl_with_timezone(t, zone) 'z'
 *   tl_to_iso8601(x, code)               varchar; tl_last_day_of_month(x, code) 'D'
 *   tl_time_cast(x, from, to)            between varchar, date, timestamp and with time zone
 */
#ifndef TL_SQLTIME_H
#define TL_SQLTIME_H
#include "tl_buf.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct tl_sqltime;

/* Registers the functions on db (each also as NAME_try). NULL if SQLite refused one. The
 * state is freed with tl_sqltime_free after the database is closed. */
struct tl_sqltime *tl_sqltime_register(sqlite3 *db);
void tl_sqltime_free(struct tl_sqltime *t);
/* A statement starts: current_timestamp is now_ms (epoch ms) until the next one. */
void tl_sqltime_begin(struct tl_sqltime *t, int64_t now_ms);

/* Converts the text s of a value of type from ('s' varchar, 'D', 't', 'z') to type to ('s',
 * 'D', 't', 'z'), as Trino's CAST does, into out. 0, or -1 with a message for people in out
 * (the value cannot be cast). */
int tl_sqltime_cast(struct tl_sqltime *t, const char *s, size_t n, char from, char to,
		    struct tl_buf *out);

#endif
