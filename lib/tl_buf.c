#include "tl_buf.h"
#include "tl_alloc.h"
#include "tl_str.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tl_buf_init(struct tl_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max ? max : TL_BUF_DEFAULT_MAX;
}

void tl_buf_release(struct tl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void tl_buf_release_secret(struct tl_buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);
	tl_buf_release(b);
}

void tl_buf_reset(struct tl_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *tl_buf_detach(struct tl_buf *b, size_t *len)
{
	char *p = b->data ? b->data : xstrdup("");
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int tl_buf_grow(struct tl_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n) {
		errno = E2BIG;
		return -1;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

int tl_buf_add(struct tl_buf *b, const void *p, size_t n)
{
	if (tl_buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int tl_buf_adds(struct tl_buf *b, const char *s)
{
	return tl_buf_add(b, s, strlen(s));
}

int tl_buf_addc(struct tl_buf *b, char c)
{
	return tl_buf_add(b, &c, 1);
}

int tl_buf_vaddf(struct tl_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof small)
		return tl_buf_add(b, small, (size_t)n);
	if (tl_buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int tl_buf_addf(struct tl_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = tl_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int tl_buf_add_printable(struct tl_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = b->len, i = 0, run = 0;
	while (i < n) {
		size_t l = p[i] >= 0x20 && p[i] < 0x7f ? 1 : tl_utf8_seq(p + i, n - i);
		if (l > 1 && !(p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			i += l;
			continue;
		}
		if (l == 1 && p[i] >= 0x20 && p[i] < 0x7f) {
			i++;
			continue;
		}
		if (tl_buf_add(b, s + run, i - run) < 0)
			goto fail;
		/* one escape per byte: a C1 character is two */
		for (size_t k = 0; k < (l ? l : 1); k++, i++) {
			int r = p[i] == '\n' ? tl_buf_add(b, "\\n", 2)
				: p[i] == '\t' ? tl_buf_add(b, "\\t", 2)
				: p[i] == '\r' ? tl_buf_add(b, "\\r", 2)
				: tl_buf_addf(b, "\\x%02X", p[i]);
			if (r < 0)
				goto fail;
		}
		run = i;
	}
	if (tl_buf_add(b, s + run, n - run) < 0)
		goto fail;
	return 0;
fail:
	tl_buf_truncate(b, start);
	return -1;
}

int tl_buf_add_json_str(struct tl_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = b->len;
	if (tl_buf_addc(b, '"') < 0)
		return -1;
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (tl_buf_add(b, s + run, i - run) < 0)
			goto fail;
		char esc[7] = { '\\', 0 };
		size_t el = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			el = 6;
		}
		if (tl_buf_add(b, esc, el) < 0)
			goto fail;
		run = i + 1;
	}
	if (tl_buf_add(b, s + run, n - run) < 0 || tl_buf_addc(b, '"') < 0)
		goto fail;
	return 0;
fail:
	tl_buf_truncate(b, start);
	return -1;
}

const char *tl_buf_str(const struct tl_buf *b)
{
	return b->data ? b->data : "";
}

void tl_buf_consume(struct tl_buf *b, size_t n)
{
	if (n >= b->len) {
		tl_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void tl_buf_truncate(struct tl_buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->data[n] = '\0';
	}
}

int tl_buf_add_base64(struct tl_buf *b, const void *s, size_t n)
{
	size_t need = 4 * ((n + 2) / 3);
	if (tl_buf_grow(b, need) < 0)
		return -1;
	b->len = (size_t)(tl_base64_put(b->data + b->len, s, n) - b->data);
	b->data[b->len] = '\0';
	return 0;
}
