/* tl_sqlfn.h: Athena's functions for the local engine's SQLite, in C.
 *
 * The SQL that tl_dialect writes from Athena's calls these by names with a tl_ prefix (each
 * also as NAME_try, which returns NULL where NAME fails: Trino's try()). Values are as
 * tl_sqlval.h holds them; functions that need to know a type take its code as a constant
 * argument. Besides the date/time (tl_sqltime) and regex (tl_sqlre) functions, registered here
 * too:
 *
 *   rows and casts   tl_field(row, code, name...) a field, case-insensitively as the SerDe;
 *                    tl_cast(x, from, to) Trino's CAST; tl_array(code, v...), tl_row(code,
 *                    v...), tl_map_from(keys, values, code) constructors
 *   UNNEST           the table tl_unnest(spec, a0, ..., a7): spec is "FLAGS|CODE;CODE..." with
 *                    one array or map code per argument; columns ord (1, 2... or NULL for the
 *                    row standing for a NULL array under flag n) and v0..v63: the elements, a
 *                    row's fields as columns of their own (unless flag e), a map's keys and
 *                    values; arrays of different lengths are zipped, the short ones padded
 *                    with NULL
 *   arrays, maps     tl_cardinality, tl_element_at(a, i, code, strict), tl_contains,
 *                    tl_array_position, tl_array_join, tl_split, tl_slice, tl_array_concat,
 *                    tl_array_distinct, tl_array_sort, tl_array_max, tl_array_min,
 *                    tl_array_remove, tl_array_reverse, tl_flatten, tl_sequence, tl_repeat,
 *                    tl_arrays_overlap, tl_array_union, tl_array_intersect, tl_array_except,
 *                    tl_map_keys, tl_map_values, tl_cmp (composites compared)
 *   strings          tl_lower, tl_upper (Unicode), tl_substr, tl_strpos, tl_concat, tl_trim,
 *                    tl_ltrim, tl_rtrim, tl_replace, tl_starts_with, tl_reverse, tl_lpad,
 *                    tl_rpad, tl_split_part, tl_chr, tl_codepoint, tl_levenshtein_distance,
 *                    tl_hamming_distance, tl_url_extract_{host,path,query,fragment,protocol,
 *                    port,parameter}
 *   numbers          tl_div, tl_decdiv, tl_mod (Trino's errors: division by zero), tl_round,
 *                    tl_truncate, tl_ceil, tl_floor, tl_sqrt and the other libm functions,
 *                    tl_power, tl_log, tl_atan2, tl_random, tl_sign, tl_is_nan, tl_is_finite,
 *                    tl_is_infinite, tl_nan, tl_infinity
 *   JSON             tl_json_extract, tl_json_extract_scalar, tl_json_parse, tl_json_format,
 *                    tl_json_array_length, tl_json_array_get, tl_json_array_contains,
 *                    tl_json_size
 *   aggregates       tl_collect (lambdas), tl_array_agg, tl_array_agg_sorted, tl_max_by,
 *                    tl_min_by, tl_arbitrary, tl_percentile, tl_percentile_array, tl_stat
 *                    (stddev and variance), tl_histogram, tl_map_agg; those usable over a
 *                    window take frames that start at UNBOUNDED PRECEDING
 */
#ifndef TL_SQLFN_H
#define TL_SQLFN_H
#include <sqlite3.h>
#include <stdint.h>

struct tl_sqlfn;

/* Registers every function and the tl_unnest table on db. NULL if SQLite refused one. Free
 * with tl_sqlfn_free after sqlite3_close. */
struct tl_sqlfn *tl_sqlfn_register(sqlite3 *db);
void tl_sqlfn_free(struct tl_sqlfn *f);
/* A statement starts at now_ms (current_timestamp until the next). */
void tl_sqlfn_begin(struct tl_sqlfn *f, int64_t now_ms);

#endif
