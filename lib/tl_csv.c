/* tl_csv.c: the streaming CSV parser (see tl_csv.h). A byte-at-a-time state machine that
 * copies runs of ordinary bytes in one go, so a large result file costs little more than memcpy.
 */
#include "tl_csv.h"

#include "tl_alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	S_START,  /* at the start of a field */
	S_UNQ,    /* inside an unquoted field */
	S_QUOTED, /* inside a quoted field */
	S_QQ,     /* a quote inside a quoted field: closing, or the first of "" */
	S_CR,     /* a CR outside quotes: a CRLF ending, or data */
};

void tl_csv_init(struct tl_csv *c, char delim, size_t max_record, tl_csv_row_fn fn, void *ctx)
{
	memset(c, 0, sizeof *c);
	c->delim = delim;
	c->state = S_START;
	tl_buf_init(&c->rec, max_record ? max_record : TL_CSV_RECORD_MAX_DEFAULT);
	c->fn = fn;
	c->ctx = ctx;
	c->line = 1;
}

void tl_csv_release(struct tl_csv *c)
{
	tl_buf_release(&c->rec);
	free(c->spans);
	free(c->fields);
	c->spans = NULL;
	c->fields = NULL;
	c->nspans = c->capspans = 0;
}

static int too_long(struct tl_csv *c)
{
	snprintf(c->err, sizeof c->err, "line %llu: record longer than %zu bytes",
		 (unsigned long long)c->line, c->rec.max);
	return -1;
}

static int add(struct tl_csv *c, const char *p, size_t n)
{
	return tl_buf_add(&c->rec, p, n) < 0 ? too_long(c) : 0;
}

static int end_field(struct tl_csv *c)
{
	size_t len = c->rec.len - c->fstart;
	if (tl_buf_addc(&c->rec, '\0') < 0)
		return too_long(c);
	if (c->nspans == c->capspans) {
		c->capspans = c->capspans ? 2 * c->capspans : 16;
		c->spans = xrealloc(c->spans, c->capspans * sizeof *c->spans);
		c->fields = xrealloc(c->fields, c->capspans * sizeof *c->fields);
	}
	c->spans[c->nspans].off = c->fstart;
	c->spans[c->nspans].len = len;
	c->spans[c->nspans].null = !c->quoted && len == 0;
	c->nspans++;
	c->fstart = c->rec.len;
	c->quoted = false;
	return 0;
}

/* Hands out the record; returns 0 or 1 (stop). */
static int end_record(struct tl_csv *c)
{
	size_t i;
	int r;
	for (i = 0; i < c->nspans; i++) {
		c->fields[i].p = c->rec.data + c->spans[i].off;
		c->fields[i].len = c->spans[i].len;
		c->fields[i].null = c->spans[i].null;
	}
	c->records++;
	r = c->fn(c->fields, c->nspans, c->ctx);
	tl_buf_reset(&c->rec);
	c->fstart = 0;
	c->nspans = 0;
	c->in_record = false;
	c->state = S_START;
	return r ? 1 : 0;
}

int tl_csv_feed(struct tl_csv *c, const char *p, size_t n)
{
	size_t i = 0;
	const char d = c->delim;

	while (i < n) {
		char ch = p[i];
		switch (c->state) {
		case S_START:
			c->in_record = true;
			if (ch == '"') {
				c->quoted = true;
				c->state = S_QUOTED;
				i++;
				break;
			}
			if (ch == d) {
				if (end_field(c) < 0)
					return -1;
				i++;
				break;
			}
			if (ch == '\n') {
				c->line++;
				i++;
				if (end_field(c) < 0)
					return -1;
				if (end_record(c))
					return 1;
				break;
			}
			if (ch == '\r') {
				c->state = S_CR;
				i++;
				break;
			}
			c->state = S_UNQ;
			/* fall through */
		case S_UNQ: {
			size_t j = i;
			while (j < n && p[j] != d && p[j] != '\n' && p[j] != '\r')
				j++;
			if (j > i) {
				if (memchr(p + i, '"', j - i))
					c->bad++;
				if (add(c, p + i, j - i) < 0)
					return -1;
			}
			i = j;
			if (i == n)
				break;
			ch = p[i++];
			if (ch == '\r') {
				c->state = S_CR;
			} else {
				if (end_field(c) < 0)
					return -1;
				if (ch == '\n') {
					c->line++;
					if (end_record(c))
						return 1;
				} else {
					c->state = S_START;
				}
			}
			break;
		}
		case S_QUOTED: {
			const char *q = memchr(p + i, '"', n - i);
			size_t j = q ? (size_t)(q - p) : n;
			if (j > i) {
				const char *nl = memchr(p + i, '\n', j - i);
				while (nl) {
					c->line++;
					nl = memchr(nl + 1, '\n', (size_t)(p + j - (nl + 1)));
				}
				if (add(c, p + i, j - i) < 0)
					return -1;
			}
			i = j;
			if (q) {
				c->state = S_QQ;
				i++;
			}
			break;
		}
		case S_QQ:
			if (ch == '"') {
				if (add(c, "\"", 1) < 0)
					return -1;
				c->state = S_QUOTED;
				i++;
			} else if (ch == d || ch == '\n') {
				i++;
				if (end_field(c) < 0)
					return -1;
				if (ch == '\n') {
					c->line++;
					if (end_record(c))
						return 1;
				} else {
					c->state = S_START;
				}
			} else if (ch == '\r') {
				c->state = S_CR;
				i++;
			} else {
				/* "abc"def: keep the text, as most readers do */
				c->bad++;
				c->state = S_UNQ;
			}
			break;
		case S_CR:
			if (ch == '\n') {
				c->line++;
				i++;
				if (end_field(c) < 0)
					return -1;
				if (end_record(c))
					return 1;
			} else {
				/* a lone CR is data */
				if (add(c, "\r", 1) < 0)
					return -1;
				c->state = S_UNQ;
			}
			break;
		}
	}
	return 0;
}

int tl_csv_finish(struct tl_csv *c)
{
	if (c->state == S_QUOTED) {
		snprintf(c->err, sizeof c->err, "line %llu: input ends inside a quoted field",
			 (unsigned long long)c->line);
		tl_buf_reset(&c->rec);
		c->nspans = 0;
		c->fstart = 0;
		c->in_record = false;
		c->state = S_START;
		return -1;
	}
	if (!c->in_record)
		return 0;
	if (end_field(c) < 0)
		return -1;
	return end_record(c);
}
