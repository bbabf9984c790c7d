/* tl_str.h: small text codecs that several layers share: hex digits, the UTF-8 sequence at a
 * byte, the UTF-8 encoding of a code point, %XX encoding and decoding, base64.
 *
 * All static inline: they sit on the JSON scanners' and the SigV4 signer's hot paths, where out
 * of line calls measured slower. None allocates, blocks or fails other than as said.
 */
#ifndef TL_STR_H
#define TL_STR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~ (never a byte >= 0x80, whatever the locale). */
static inline bool tl_is_unreserved(unsigned char c)
{
	static const uint64_t mask[2] = { 0x03ff600000000000ULL, 0x47fffffe87fffffeULL };
	return c < 128 && (mask[c >> 6] >> (c & 63) & 1);
}

/* Writes s[0..n) URI-encoded at o (room for 3 bytes per byte of s; not NUL-terminated) and
 * returns the end: unreserved bytes as they are, "/" too unless encode_slash, every other
 * byte as %XX in upper case hex (what SigV4 and AWS query strings want). */
static inline char *tl_pct_encode(char *o, const char *s, size_t n, bool encode_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (tl_is_unreserved(ch) || (ch == '/' && !encode_slash)) {
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = digits[ch >> 4];
			*o++ = digits[ch & 15];
		}
	}
	return o;
}

/* Decodes the %XX escapes of s[0..n) into out (room for n bytes; may not overlap s) and returns
 * the decoded length. A "%" not followed by two hex digits is kept as it is. Never fails. */
static inline size_t tl_pct_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n && (h = tl_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = tl_hexval((unsigned char)s[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* Writes the base64 (RFC 4648: the standard alphabet, '=' padding) of s[0..n) at o, room for
 * 4 * ((n + 2) / 3) bytes (not NUL-terminated), and returns the end. */
static inline char *tl_base64_put(char *o, const void *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)u[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)u[i + 1] << 8;
		if (i + 2 < n)
			v |= u[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	return o;
}

#endif
