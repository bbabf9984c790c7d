/* tl_jlex.h: the JSON lexical core (RFC 8259): white space, strings, numbers and literals, the
 * skipping of a whole value, and the decoding of a string's escapes. Every JSON reader of lib/
 * is built on it: the document tokenizer and validator (tl_jdoc, tl_json_validate), schema
 * inference (tl_schema) and the field scanner (tl_jscan). Only the grammar above the tokens
 * (what a reader does with objects and arrays) is theirs.
 *
 * One fast path, tl_jlex_plain(): a run of plain string bytes is crossed 16 bytes at a time with
 * SSE2 (8 at a time with SWAR where SSE2 is missing), checking strings and skipping them alike.
 *
 * The scanners are static inline (they are the hot loop of every reader; out-of-line calls
 * measured slower). They work on s[0..n) with an index: *pos is at the token's first byte on
 * entry, after the token on success; on failure they return -1 with *why (static text) and
 * *pos at the byte that is wrong (at the token's first byte for a number or a literal). None
 * allocates or reads past s + n.
 */
#ifndef TL_JLEX_H
#define TL_JLEX_H
#include "tl_buf.h"
#include "tl_str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The kinds of JSON value (the order is relied on: scalars below TL_J_STRING < containers). */
enum tl_jtype {
	TL_J_NONE = 0, /* not found */
	TL_J_NULL,
	TL_J_FALSE,
	TL_J_TRUE,
	TL_J_NUMBER,
	TL_J_STRING,
	TL_J_OBJECT,
	TL_J_ARRAY,
};

static inline bool tl_jlex_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The index of the first byte at or after i that is not JSON white space (n when none). */
static inline size_t tl_jlex_ws(const char *s, size_t n, size_t i)
{
	while (i < n && tl_jlex_is_ws((unsigned char)s[i]))
		i++;
	return i;
}

/* The fast path: the index of the first byte at or after i that a string scanner must look at,
 * '"' or '\\', and when check is set also a control character or a byte >= 0x80 (UTF-8 to
 * check); n when there is none. */
static inline __attribute__((always_inline)) size_t tl_jlex_plain(const char *s, size_t n,
								   size_t i, bool check)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(0x20);
	while (i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs));
		if (check) /* a signed compare: bytes >= 0x80 are "below space" too */
			m = _mm_or_si128(m, _mm_cmplt_epi8(x, sp));
		int mask = _mm_movemask_epi8(m);
		if (mask)
			return i + (size_t)__builtin_ctz((unsigned)mask);
		i += 16;
	}
#else
	/* SWAR: mark the bytes that are '"', '\\' (and controls or >= 0x80); the lowest mark is
	 * exact (false marks only appear above a true one), so on little-endian machines it says
	 * where the run ends; elsewhere the byte loop below finds it. */
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	while (i + 8 <= n) {
		uint64_t w, qv, bv, m;
		memcpy(&w, s + i, 8);
		qv = w ^ (ones * '"');
		bv = w ^ (ones * '\\');
		m = ((qv - ones) & ~qv) | ((bv - ones) & ~bv);
		if (check)
			m |= w | ((w - ones * 0x20) & ~w);
		m &= highs;
		if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			i += (size_t)__builtin_ctzll(m) / 8;
#endif
			break;
		}
		i += 8;
	}
#endif
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || (check && (c < 0x20 || c >= 0x80)))
			break;
		i++;
	}
	return i;
}

/* Scans and checks the string whose opening quote is at s[*pos]: its escapes, that it holds no
 * control character (nor NUL), that it is valid UTF-8. *esc (when not NULL) is set when the
 * string holds an escape. */
static inline __attribute__((always_inline)) int tl_jlex_string(const char *s, size_t n,
								size_t *pos, bool *esc,
								const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = *pos + 1;
	for (;;) {
		i = tl_jlex_plain(s, n, i, true);
		if (i >= n) {
			*why = "unterminated string";
			break;
		}
		unsigned c = u[i];
		if (c == '"') {
			*pos = i + 1;
			return 0;
		}
		if (c == '\\') {
			if (esc)
				*esc = true;
			if (i + 1 >= n) {
				*why = "unterminated string";
				break;
			}
			unsigned e = u[i + 1];
			if (e == 'u') {
				if (i + 6 > n || tl_hex4(s + i + 2) < 0) {
					*why = "bad \\u escape";
					break;
				}
				i += 6;
			} else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
				   e == 'r' || e == 't') {
				i += 2;
			} else {
				*why = "bad escape in string";
				break;
			}
			continue;
		}
		if (c < 0x20) {
			*why = c == 0 ? "NUL byte in string" : "control character in string";
			break;
		}
		size_t k = tl_utf8_seq(u + i, n - i);
		if (!k) {
			*why = "invalid UTF-8";
			break;
		}
		i += k;
	}
	*pos = i;
	return -1;
}

/* The end of the string whose opening quote is at s[i] without checking it (for documents
 * known valid): the index after its closing quote, or 0 when it runs past n. */
static inline __attribute__((always_inline)) size_t tl_jlex_string_end(const char *s, size_t n,
								       size_t i)
{
	i++;
	for (;;) {
		i = tl_jlex_plain(s, n, i, false);
		if (i >= n)
			return 0;
		if (s[i] == '"')
			return i + 1;
		i += 2; /* a backslash and the byte it escapes */
	}
}

/* What a number is, for readers that type it (schema inference). */
struct tl_jnum {
	uint64_t mag; /* the integer's magnitude when neither frac nor big */
	bool neg;     /* a leading '-' */
	bool frac;    /* a fraction or an exponent */
	bool big;     /* an integer beyond 2^64 - 1 */
};

static inline bool tl_jlex_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Scans and checks the number at s[*pos] ('-' or a digit); fills *num when it is not NULL. */
static inline __attribute__((always_inline)) int tl_jlex_number(const char *s, size_t n,
								size_t *pos, struct tl_jnum *num,
								const char **why)
{
	size_t i = *pos;
	uint64_t v = 0;
	bool neg = false, frac = false, big = false;
	if (i < n && s[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= n)
		goto bad;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && tl_jlex_digit(s[i])) {
			if (num) {
				unsigned d = (unsigned)(s[i] - '0');
				if (v > (UINT64_MAX - d) / 10)
					big = true;
				else
					v = v * 10 + d;
			}
			i++;
		}
	} else {
		goto bad;
	}
	if (i < n && s[i] == '.') {
		frac = true;
		i++;
		if (i >= n || !tl_jlex_digit(s[i]))
			goto bad;
		while (i < n && tl_jlex_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		frac = true;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !tl_jlex_digit(s[i]))
			goto bad;
		while (i < n && tl_jlex_digit(s[i]))
			i++;
	}
	if (num) {
		num->mag = v;
		num->neg = neg;
		num->frac = frac;
		num->big = big;
	}
	*pos = i;
	return 0;
bad:
	*why = "bad number";
	return -1;
}

/* Scans the literal (true, false or null) at s[*pos]; *type says which. */
static inline __attribute__((always_inline)) int tl_jlex_literal(const char *s, size_t n,
								 size_t *pos, enum tl_jtype *type,
								 const char **why)
{
	size_t i = *pos;
	/* constant lengths: each memcmp is a compare or two */
	switch (s[i]) {
	case 't':
		if (n - i < 4 || memcmp(s + i, "true", 4) != 0)
			goto bad;
		*type = TL_J_TRUE;
		*pos = i + 4;
		return 0;
	case 'f':
		if (n - i < 5 || memcmp(s + i, "false", 5) != 0)
			goto bad;
		*type = TL_J_FALSE;
		*pos = i + 5;
		return 0;
	case 'n':
		if (n - i < 4 || memcmp(s + i, "null", 4) != 0)
			goto bad;
		*type = TL_J_NULL;
		*pos = i + 4;
		return 0;
	}
bad:
	*why = s[i] == 0 ? "NUL byte" : "unexpected character";
	return -1;
}

/* The kind of value that starts with byte c (numbers for anything unknown). */
static inline enum tl_jtype tl_jlex_type(char c)
{
	switch (c) {
	case '"': return TL_J_STRING;
	case '{': return TL_J_OBJECT;
	case '[': return TL_J_ARRAY;
	case 't': return TL_J_TRUE;
	case 'f': return TL_J_FALSE;
	case 'n': return TL_J_NULL;
	default: return TL_J_NUMBER;
	}
}

/* The byte length of the value at s[0..n) (no white space before it) without checking it, for
 * documents known valid: 0 when it is malformed enough to run past n. */
size_t tl_jlex_skip(const char *s, size_t n);

/* Appends the decoded text of a string body (what is between its quotes) to b: escapes
 * resolved, \u surrogate pairs joined, a lone surrogate as U+FFFD. -1 on a malformed escape or
 * when b's cap is reached. */
int tl_jlex_unescape(const char *body, size_t n, struct tl_buf *b);

#endif
