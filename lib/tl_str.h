/* tl_str.h: small text codecs that several parsers share: hex digits, the UTF-8 sequence at a
 * byte, the UTF-8 encoding of a code point, %XX decoding.
 *
 * The per-byte helpers are static inline: they sit on the JSON scanners' hot paths. None
 * allocates, blocks or fails other than as said.
 */
#ifndef TL_STR_H
#define TL_STR_H
#include <stddef.h>

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
static inline int tl_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The value of the four hex digits at p (as in JSON's \uXXXX), 0..0xFFFF, or -1 when one of
 * them is not a hex digit. Reads all four bytes at p. */
static inline int tl_hex4(const char *p)
{
	int a = tl_hexval((unsigned char)p[0]), b = tl_hexval((unsigned char)p[1]);
	int c = tl_hexval((unsigned char)p[2]), d = tl_hexval((unsigned char)p[3]);
	if ((a | b | c | d) < 0)
		return -1;
	return a << 12 | b << 8 | c << 4 | d;
}

/* Length (1..4) of the valid UTF-8 sequence at s, of the n >= 1 bytes there, or 0 when it is
 * not one: strict RFC 3629 (no overlong forms, no surrogates, nothing above U+10FFFF). */
static inline size_t tl_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c < 0xF5) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xF4 && s[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

/* Writes the UTF-8 encoding of code point cp (at most 0x10FFFF; whether a surrogate may pass
 * is the caller's business) to u and returns its length, 1 to 4. */
static inline size_t tl_utf8_put(char u[4], unsigned long cp)
{
	if (cp < 0x80) {
		u[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	u[0] = (char)(0xF0 | cp >> 18);
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	u[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decodes the %XX escapes of s[0..n) into out (room for n bytes; may not overlap s) and returns
 * the decoded length. A "%" not followed by two hex digits is kept as it is. Never fails. */
size_t tl_pct_decode(const char *s, size_t n, char *out);

#endif
