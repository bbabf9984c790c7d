/* tl_xml.h: a small XML reader over libexpat: a document becomes a light tree of elements, with
 * path lookups ("Error/Code") and iteration over same-named children ("Contents" of a
 * ListBucketResult). Enough for S3's answers (errors, ListObjectsV2, multipart uploads,
 * DeleteObjects results) and for writing the few XML bodies S3 takes.
 *
 * Names are local names: namespaces are resolved by expat and dropped ("s3:Key" and "Key" in
 * the S3 namespace are both "Key"). A DOCTYPE is refused (no AWS answer has one, and it closes
 * the door on entity tricks); expat 2.4+ also guards against entity expansion attacks.
 */
#ifndef TL_XML_H
#define TL_XML_H
#include "tl_buf.h"

#include <stddef.h>

struct tl_xml_node {
	char *name;                /* local name */
	char *text;                /* this element's own character data, untrimmed ("" if none) */
	size_t text_len;
	char **attrs;              /* NULL-terminated name, value pairs (local names) */
	struct tl_xml_node *parent;
	struct tl_xml_node *child; /* first child element */
	struct tl_xml_node *next;  /* next sibling element */
};

/* Parses s[0..n) (a whole document). Returns the root element (caller frees with tl_xml_free),
 * or NULL with *err (caller frees) saying what and where ("line 3: mismatched tag"). Nesting
 * deeper than 256 is refused. Never exits except on allocation failure. */
struct tl_xml_node *tl_xml_parse(const char *s, size_t n, char **err);
void tl_xml_free(struct tl_xml_node *root);
/* The same for an answer that carries credentials (STS): every copy the parser makes, expat's
 * own buffers included, is zeroed before it is freed; free the tree with tl_xml_free_secret(),
 * which zeroes every name, text and attribute. */
struct tl_xml_node *tl_xml_parse_secret(const char *s, size_t n, char **err);
void tl_xml_free_secret(struct tl_xml_node *root);

/* The element at a "/"-separated path of local names whose first step names root itself
 * ("Error/Code", "ListBucketResult/NextContinuationToken"); each step takes the first child of
 * that name. NULL when any step is missing. */
const struct tl_xml_node *tl_xml_find(const struct tl_xml_node *root, const char *path);
/* The text at path (as tl_xml_find), or NULL. Owned by the tree. */
const char *tl_xml_text(const struct tl_xml_node *root, const char *path);
/* The first child of node named name (NULL name: any), or NULL. */
const struct tl_xml_node *tl_xml_child(const struct tl_xml_node *node, const char *name);
/* The text of the first child named name, or NULL. */
const char *tl_xml_child_text(const struct tl_xml_node *node, const char *name);
/* The next sibling after node with the same name as node:
 *   for (c = tl_xml_child(r, "Contents"); c; c = tl_xml_next(c)) ... */
const struct tl_xml_node *tl_xml_next(const struct tl_xml_node *node);
/* An attribute's value, or NULL. */
const char *tl_xml_attr(const struct tl_xml_node *node, const char *name);

/* Appends s[0..n) to b escaped for element text or attribute values (& < > " '). -1 when b's
 * cap would be exceeded. */
int tl_xml_escape(struct tl_buf *b, const char *s, size_t n);

#endif
