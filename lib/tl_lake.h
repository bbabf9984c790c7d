/* tl_lake.h: the layout of the lake: object names, the partition template, time partition
 * values, and the record fields they come from.
 *
 *   <prefix>/<topic>/<partition path>/<topic>+<kafka partition>+<first offset, 20 digits>.json.gz
 *   <prefix>/_errors/<topic>/<partition path>/...   (records that are not valid JSON)
 *
 * The partition path comes from a template (default "dt=%Y-%m-%d/hour=%H"): literal text,
 * time conversions of the record time in UTC (%Y %m %d %H %M, %j day of year, %% a percent
 * sign), and {field} for a value of the record itself (a dotted path, e.g. {lang} or
 * {data.lang}); a value is escaped the way Hive escapes partition values (%XX for "/", "=", ":",
 * "%"... and control characters), and a "." that would begin a path segment is escaped too (%2E:
 * no record makes a segment "." or ".."); a missing value is "__HIVE_DEFAULT_PARTITION__".
 */
#ifndef TL_LAKE_H
#define TL_LAKE_H
#include "tl_buf.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_LAKE_DEFAULT_TEMPLATE "dt=%Y-%m-%d/hour=%H"
#define TL_LAKE_OFFSET_DIGITS 20
/* The longest path component of the lake, whatever the destination: what file systems (and
 * HDFS) allow. S3 keys are at most TL_LAKE_S3_KEY_MAX bytes. */
#define TL_LAKE_NAME_MAX 255
#define TL_LAKE_S3_KEY_MAX 1024

struct tl_lake_layout;

/* Compiles a template. NULL with *err (caller frees) for an unknown conversion, an unclosed
 * "{", an empty template, a leading or trailing "/" or an empty segment. */
struct tl_lake_layout *tl_lake_layout_new(const char *tmpl, char **err);
void tl_lake_layout_free(struct tl_lake_layout *l);

/* Appends the partition path of a record with time ms (epoch milliseconds) and JSON text
 * rec[0..n) (used only for {field}s; may be NULL when there are none) to out. Never fails except
 * when out's cap is reached (-1). */
int tl_lake_layout_render(const struct tl_lake_layout *l, int64_t ms, const char *rec, size_t n,
			  struct tl_buf *out);

/* The partition values of a path: each "k=v" segment as a string member (v unescaped), in
 * order; segments without "=" are skipped. Caller deletes. */
cJSON *tl_lake_partition_values(const char *path);

/* Hive's escaping of a partition value, appended to out. */
int tl_lake_escape_value(struct tl_buf *out, const char *s, size_t n);

/* The relative object name (below the prefix) of the object of topic/partition that starts at
 * first_offset, in partition path ppath; errors selects the _errors/ tree. Caller frees. */
char *tl_lake_object_name(const char *topic, int32_t partition, int64_t first_offset,
			  const char *ppath, bool errors);

/* Whether the object name rel (from tl_lake_object_name) can be stored: no '/'-separated
 * component longer than name_max bytes, and at most total_max bytes once joined to a prefix of
 * prefix_len bytes (0: none) with a '/'. 0, or -1 with *why (caller frees) saying what is too
 * long. */
int tl_lake_name_check(const char *rel, size_t prefix_len, size_t name_max, size_t total_max,
		       char **why);

/* The value at dotted path in the JSON text s[0..n), which must be valid JSON (check it first;
 * on invalid text the answer is unspecified but memory-safe). Does not allocate. Returns 0 with
 * *v and *vn spanning the value's text (a string with its quotes), or -1 when absent. */
int tl_lake_json_find(const char *s, size_t n, const char *path, const char **v, size_t *vn);

/* The time of a record from the value at path: a string in RFC 3339 (fractions, offsets), X's
 * v1.1 format, or epoch digits; or a number of epoch seconds, ms or us. 0 with epoch ms, or -1
 * when absent or unreadable. rec must be valid JSON. */
int tl_lake_record_time(const char *rec, size_t n, const char *path, int64_t *ms);

#endif
