/* tl_num.h: checked number parsing (no atoi). Each returns 0, or -1 with errno = EINVAL (not a
 * number, trailing junk, empty) or ERANGE (out of [min, max]). Leading/trailing space is refused.
 */
#ifndef TL_NUM_H
#define TL_NUM_H
#include <stdint.h>

int tl_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int tl_parse_u64(const char *s, uint64_t max, uint64_t *out);
int tl_parse_int(const char *s, int min, int max, int *out);
/* Finite doubles only; "C" locale rules regardless of LC_NUMERIC. */
int tl_parse_double(const char *s, double *out);
/* A byte size with optional suffix: 10, 10k, 10KiB, 5M, 5MB, 1G (binary multiples). */
int tl_parse_size(const char *s, uint64_t *out);
/* A duration in milliseconds: 500ms, 30s, 30 (seconds), 5m, 2h, 1.5s. */
int tl_parse_duration_ms(const char *s, int64_t *out);

#endif
