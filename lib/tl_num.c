#include "tl_num.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tl_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s || isspace((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int tl_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (errno == ERANGE || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int tl_parse_int(const char *s, int min, int max, int *out)
{
	int64_t v;
	if (tl_parse_i64(s, min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* strtod is locale-dependent; parse the decimal part by hand into a C-locale string check. */
int tl_parse_double(const char *s, double *out)
{
	if (!s || !*s || isspace((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	/* Validate JSON-ish number syntax ourselves, then let strtod convert. With LC_NUMERIC
	 * untouched (we never set it) strtod uses ".". */
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	int digits = 0;
	while (isdigit((unsigned char)*p))
		p++, digits++;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++, digits++;
	}
	if (!digits) {
		errno = EINVAL;
		return -1;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p)) {
			errno = EINVAL;
			return -1;
		}
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	double v = strtod(s, NULL);
	if (!isfinite(v)) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

static int split_unit(const char *s, double *num, const char **unit)
{
	char tmp[64];
	size_t i = 0;
	while (s[i] && (isdigit((unsigned char)s[i]) || s[i] == '.'))
		i++;
	if (i == 0 || i >= sizeof tmp) {
		errno = EINVAL;
		return -1;
	}
	memcpy(tmp, s, i);
	tmp[i] = '\0';
	if (tl_parse_double(tmp, num) < 0 || *num < 0)
		return -1;
	*unit = s + i;
	return 0;
}

int tl_parse_size(const char *s, uint64_t *out)
{
	double v;
	const char *u;
	if (!s || split_unit(s, &v, &u) < 0)
		return -1;
	double mult = 1;
	if (!*u || !strcasecmp(u, "b"))
		mult = 1;
	else if (!strcasecmp(u, "k") || !strcasecmp(u, "kb") || !strcasecmp(u, "kib"))
		mult = 1024.0;
	else if (!strcasecmp(u, "m") || !strcasecmp(u, "mb") || !strcasecmp(u, "mib"))
		mult = 1024.0 * 1024;
	else if (!strcasecmp(u, "g") || !strcasecmp(u, "gb") || !strcasecmp(u, "gib"))
		mult = 1024.0 * 1024 * 1024;
	else if (!strcasecmp(u, "t") || !strcasecmp(u, "tb") || !strcasecmp(u, "tib"))
		mult = 1024.0 * 1024 * 1024 * 1024;
	else {
		errno = EINVAL;
		return -1;
	}
	double r = v * mult;
	if (r >= 18446744073709551615.0) {
		errno = ERANGE;
		return -1;
	}
	*out = (uint64_t)r;
	return 0;
}

int tl_parse_duration_ms(const char *s, int64_t *out)
{
	double v;
	const char *u;
	if (!s || split_unit(s, &v, &u) < 0)
		return -1;
	double mult;
	if (!*u || !strcmp(u, "s"))
		mult = 1000;
	else if (!strcmp(u, "ms"))
		mult = 1;
	else if (!strcmp(u, "m") || !strcmp(u, "min"))
		mult = 60000;
	else if (!strcmp(u, "h"))
		mult = 3600000;
	else if (!strcmp(u, "d"))
		mult = 86400000;
	else {
		errno = EINVAL;
		return -1;
	}
	double r = v * mult;
	if (r > 9.2e18) {
		errno = ERANGE;
		return -1;
	}
	*out = (int64_t)llround(r);
	return 0;
}
