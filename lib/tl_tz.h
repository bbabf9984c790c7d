/* tl_tz.h: time zones as Trino names them: "UTC", fixed offsets ("+05:30", "-08:00") and the
 * IANA names of the system's time zone database ("America/New_York", read from the TZif file
 * under $TZDIR or /usr/share/zoneinfo, with its POSIX rule for times after the file's last
 * transition). Offsets are in seconds east of UTC; times are epoch milliseconds.
 */
#ifndef TL_TZ_H
#define TL_TZ_H
#include <stddef.h>
#include <stdint.h>

struct tl_tz;

/* Loads a zone by name (IANA names case-insensitively, as Trino takes them; "Z", "GMT", "UT",
 * "Etc/UTC" and zero offsets are UTC). Returns the zone (free with tl_tz_free) or NULL with
 * *err (caller frees) for an unknown name or a damaged file. Reads the file once; blocks on
 * that read. */
struct tl_tz *tl_tz_load(const char *name, char **err);
void tl_tz_free(struct tl_tz *tz);

/* The zone as Trino prints it: "UTC", "+05:30", "America/New_York" (canonical case). */
const char *tl_tz_name(const struct tl_tz *tz);

/* The offset in force at the instant utc_ms. */
int32_t tl_tz_offset(const struct tl_tz *tz, int64_t utc_ms);

/* The instant of a wall-clock time local_ms (epoch ms as if the zone were UTC). A time that
 * occurs twice takes the earlier offset; a time skipped by a change is moved forward by it,
 * as java.time does. */
int64_t tl_tz_to_utc(const struct tl_tz *tz, int64_t local_ms);

/* Parses a TZif file's bytes (RFC 8536, versions 1 to 4) into a zone named name. NULL with
 * *err when it is not one. Exposed for the fuzz target. */
struct tl_tz *tl_tz_parse(const char *name, const unsigned char *data, size_t n, char **err);

#endif
