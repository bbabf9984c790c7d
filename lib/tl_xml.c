/* tl_xml.c: expat events into a tree of struct tl_xml_node. */
#include "tl_xml.h"

#include "tl_alloc.h"

#include <expat.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NS_SEP '\x01'
#define MAX_DEPTH 256

struct builder {
	XML_Parser p;
	struct tl_xml_node *root, *cur;
	struct tl_xml_node *prev; /* the element closed last */
	struct tl_buf text; /* character data of cur */
	int depth;
	const char *fail;   /* our own reason to stop */
};

static char *local_name(const char *name)
{
	const char *sep = strrchr(name, NS_SEP);
	return xstrdup(sep ? sep + 1 : name);
}

static void flush_text(struct builder *b)
{
	if (!b->cur)
		return;
	if (b->text.len) {
		size_t old = b->cur->text_len;
		b->cur->text = xrealloc(b->cur->text, old + b->text.len + 1);
		memcpy(b->cur->text + old, b->text.data, b->text.len);
		b->cur->text_len = old + b->text.len;
		b->cur->text[b->cur->text_len] = '\0';
	}
	tl_buf_reset(&b->text);
}

static void stop(struct builder *b, const char *why)
{
	if (!b->fail)
		b->fail = why;
	XML_StopParser(b->p, XML_FALSE);
}

static void XMLCALL on_start(void *ctx, const XML_Char *name, const XML_Char **atts)
{
	struct builder *b = ctx;
	struct tl_xml_node *n;
	size_t na = 0;

	if (++b->depth > MAX_DEPTH) {
		stop(b, "nesting too deep");
		return;
	}
	flush_text(b);
	n = xcalloc(1, sizeof *n);
	n->name = local_name(name);
	n->text = xstrdup("");
	while (atts[na])
		na++;
	n->attrs = xcalloc(na + 1, sizeof *n->attrs);
	for (size_t i = 0; i + 1 < na; i += 2) {
		n->attrs[i] = local_name(atts[i]);
		n->attrs[i + 1] = xstrdup(atts[i + 1]);
	}
	n->parent = b->cur;
	if (!b->cur)
		b->root = n;
	else if (b->prev && b->prev->parent == b->cur)
		b->prev->next = n; /* the element closed last is the parent's last child */
	else
		b->cur->child = n;
	b->cur = n;
}

static void XMLCALL on_end(void *ctx, const XML_Char *name)
{
	struct builder *b = ctx;
	(void)name;
	flush_text(b);
	b->depth--;
	if (b->cur) {
		b->prev = b->cur;
		b->cur = b->cur->parent;
	}
}

static void XMLCALL on_text(void *ctx, const XML_Char *s, int len)
{
	struct builder *b = ctx;
	if (b->cur && len > 0 && tl_buf_add(&b->text, s, (size_t)len) != 0)
		stop(b, "text too long");
}

static void XMLCALL on_doctype(void *ctx, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	stop(ctx, "DOCTYPE not allowed");
}

static void str_free(char *s, bool wipe)
{
	if (wipe)
		tl_secret_free(s);
	else
		free(s);
}

static void node_free(struct tl_xml_node *n, bool wipe)
{
	/* Iterative over siblings, recursive only in depth (bounded by MAX_DEPTH). */
	while (n) {
		struct tl_xml_node *next = n->next;
		node_free(n->child, wipe);
		for (size_t i = 0; n->attrs && n->attrs[i]; i++)
			str_free(n->attrs[i], wipe);
		free(n->attrs);
		str_free(n->name, wipe);
		str_free(n->text, wipe);
		free(n);
		n = next;
	}
}

void tl_xml_free(struct tl_xml_node *root)
{
	node_free(root, false);
}

void tl_xml_free_secret(struct tl_xml_node *root)
{
	node_free(root, true);
}

/* expat's memory for a secret document: each block carries its size, zeroed when freed. */
#define MM_HEAD 16 /* keeps malloc's alignment */
static void *mm_malloc(size_t n)
{
	char *p = malloc(n + MM_HEAD);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof n);
	return p + MM_HEAD;
}

static void mm_free(void *q)
{
	if (!q)
		return;
	char *p = (char *)q - MM_HEAD;
	size_t n;
	memcpy(&n, p, sizeof n);
	explicit_bzero(q, n);
	free(p);
}

static void *mm_realloc(void *q, size_t n)
{
	if (!q)
		return mm_malloc(n);
	size_t old;
	memcpy(&old, (char *)q - MM_HEAD, sizeof old);
	void *r = mm_malloc(n);
	if (!r)
		return NULL;
	memcpy(r, q, old < n ? old : n);
	mm_free(q);
	return r;
}

static const XML_Memory_Handling_Suite wiping_mm = { mm_malloc, mm_realloc, mm_free };

static struct tl_xml_node *parse(const char *s, size_t n, char **err, bool secret)
{
	struct builder b;
	enum XML_Status st = XML_STATUS_OK;
	size_t off = 0;

	memset(&b, 0, sizeof b);
	tl_buf_init(&b.text, (size_t)64 << 20);
	static const XML_Char ns_sep[] = { NS_SEP, 0 };
	b.p = XML_ParserCreate_MM(NULL, secret ? &wiping_mm : NULL, ns_sep);
	if (!b.p)
		tl_die(1, "out of memory (XML_ParserCreateNS)");
	XML_SetUserData(b.p, &b);
	XML_SetElementHandler(b.p, on_start, on_end);
	XML_SetCharacterDataHandler(b.p, on_text);
	XML_SetStartDoctypeDeclHandler(b.p, on_doctype);
	/* XML_Parse takes an int length: feed large documents in pieces. */
	do {
		size_t piece = n - off > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2 : n - off;
		bool last = off + piece == n;
		st = XML_Parse(b.p, s + off, (int)piece, last);
		off += piece;
	} while (st == XML_STATUS_OK && off < n);
	if (st != XML_STATUS_OK || b.fail || !b.root) {
		if (err) {
			unsigned long line = (unsigned long)XML_GetCurrentLineNumber(b.p);
			const char *why = b.fail ? b.fail
				: st != XML_STATUS_OK ? XML_ErrorString(XML_GetErrorCode(b.p))
				: "no element";
			*err = xasprintf("line %lu: %s", line, why);
		}
		node_free(b.root, secret);
		b.root = NULL;
	}
	XML_ParserFree(b.p);
	if (secret)
		tl_buf_release_secret(&b.text);
	else
		tl_buf_release(&b.text);
	return b.root;
}

struct tl_xml_node *tl_xml_parse(const char *s, size_t n, char **err)
{
	return parse(s, n, err, false);
}

struct tl_xml_node *tl_xml_parse_secret(const char *s, size_t n, char **err)
{
	return parse(s, n, err, true);
}

const struct tl_xml_node *tl_xml_child(const struct tl_xml_node *node, const char *name)
{
	if (!node)
		return NULL;
	for (const struct tl_xml_node *c = node->child; c; c = c->next)
		if (!name || strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const char *tl_xml_child_text(const struct tl_xml_node *node, const char *name)
{
	const struct tl_xml_node *c = tl_xml_child(node, name);
	return c ? c->text : NULL;
}

const struct tl_xml_node *tl_xml_next(const struct tl_xml_node *node)
{
	if (!node)
		return NULL;
	for (const struct tl_xml_node *c = node->next; c; c = c->next)
		if (strcmp(c->name, node->name) == 0)
			return c;
	return NULL;
}

const struct tl_xml_node *tl_xml_find(const struct tl_xml_node *root, const char *path)
{
	const struct tl_xml_node *n = NULL;
	const char *p = path;
	bool first = true;

	if (!root || !path)
		return NULL;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (first) {
			if (strlen(root->name) != len || memcmp(root->name, p, len) != 0)
				return NULL;
			n = root;
			first = false;
		} else {
			const struct tl_xml_node *c;
			for (c = n->child; c; c = c->next)
				if (strlen(c->name) == len && memcmp(c->name, p, len) == 0)
					break;
			if (!c)
				return NULL;
			n = c;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return n;
}

const char *tl_xml_text(const struct tl_xml_node *root, const char *path)
{
	const struct tl_xml_node *n = tl_xml_find(root, path);
	return n ? n->text : NULL;
}

const char *tl_xml_attr(const struct tl_xml_node *node, const char *name)
{
	if (!node || !node->attrs)
		return NULL;
	for (size_t i = 0; node->attrs[i] && node->attrs[i + 1]; i += 2)
		if (strcmp(node->attrs[i], name) == 0)
			return node->attrs[i + 1];
	return NULL;
}

int tl_xml_escape(struct tl_buf *b, const char *s, size_t n)
{
	size_t run = 0, len0 = b->len;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\r': rep = "&#13;"; break;
		default: continue;
		}
		if (tl_buf_add(b, s + run, i - run) != 0 || tl_buf_adds(b, rep) != 0)
			goto fail;
		run = i + 1;
	}
	if (tl_buf_add(b, s + run, n - run) == 0)
		return 0;
fail:
	tl_buf_truncate(b, len0);
	return -1;
}
