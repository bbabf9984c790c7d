/* tl_schema.h: JSON schema inference for the Glue Data Catalog and Athena.
 *
 * A schema is a tree of struct tl_schema nodes. Inference reads one JSON record (a line) at a
 * time straight from its text, without building a DOM, and merges what it sees into the tree:
 *
 *   null                 -> NULL (rendered "string" when nothing else is ever seen)
 *   true/false           -> boolean
 *   integers             -> int (32-bit), bigint (64-bit), double beyond
 *   numbers with . or e  -> double
 *   strings              -> string (timestamp with TL_SCHEMA_TIMESTAMPS and an ISO 8601 shape)
 *   objects              -> struct<...>, fields merged by name across records
 *   arrays               -> array<T>, T merged over the elements (array<string> if always empty)
 *
 * Merging is a lattice: int + bigint -> bigint, int/bigint + double -> double, timestamp +
 * string -> string, struct + struct -> field-wise merge, array + array -> element merge, and any
 * other disagreement (string + anything, struct + int, array + struct...) -> string: the openx
 * JsonSerDe hands a string column the JSON text of whatever value it finds.
 *
 * Column names are the keys lower-cased, with any byte outside [a-z0-9_] replaced by '_'; the
 * original keys are kept (field->name) for the SerDe's "paths" and "mapping.*" properties. Keys
 * that collide after this (e.g. "Text" and "text") share one column and are reported once each
 * through tl_schema_infer's collision list.
 *
 * Types that inference never produces but an existing Glue table may hold (tinyint, smallint,
 * float, decimal(p,s), date, char(n), varchar(n), binary, map<k,v>, ...) are kept verbatim as
 * TL_SK_OTHER when parsed; merging never changes them (a person chose them).
 */
#ifndef TL_SCHEMA_H
#define TL_SCHEMA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_buf;

enum tl_schema_kind {
	TL_SK_NULL = 0,   /* only nulls seen */
	TL_SK_BOOLEAN,
	TL_SK_INT,
	TL_SK_BIGINT,
	TL_SK_DOUBLE,
	TL_SK_TIMESTAMP,
	TL_SK_STRING,
	TL_SK_STRUCT,
	TL_SK_ARRAY,
	TL_SK_OTHER,      /* a type we do not infer, kept as its text (other) */
	TL_SK_MAP,        /* map<other,elem>: only parsed from an existing table, never inferred */
};

struct tl_schema;

struct tl_schema_field {
	char *name;              /* the original JSON key (NUL-terminated; may hold any UTF-8) */
	size_t namelen;
	char *col;               /* the column / struct field name: lower-cased, [a-z0-9_] */
	struct tl_schema *type;  /* never NULL for a canonical field; NULL for an alias */
	int alias_of;            /* -1, or the index of the canonical field sharing col */
};

struct tl_schema {
	enum tl_schema_kind kind;
	/* TL_SK_STRUCT: fields in first-seen order (aliases included, see alias_of). The
	 * children survive a conflict that turns the node into a string so that a bad record can
	 * be rolled back; they are ignored when kind is not TL_SK_STRUCT. */
	struct tl_schema_field *fields;
	size_t nfields, afields;
	size_t hint;             /* where the next key lookup starts (keys come in order) */
	struct tl_schema *elem;  /* TL_SK_ARRAY: element type, NULL while only [] was seen */
	char *other;             /* TL_SK_OTHER: the type text; TL_SK_MAP: the key type */
	void *index;             /* private: a hash index over fields when there are many */
};

/* A new node of the given kind (a struct has no fields yet). Exits on allocation failure. */
struct tl_schema *tl_schema_new(enum tl_schema_kind kind);
/* Frees a tree (NULL is fine). */
void tl_schema_free(struct tl_schema *s);
/* A deep copy. */
struct tl_schema *tl_schema_dup(const struct tl_schema *s);
/* True when both trees render to the same type. */
bool tl_schema_equal(const struct tl_schema *a, const struct tl_schema *b);

/* The canonical field of a struct whose column name is col, or NULL. */
struct tl_schema_field *tl_schema_field_find(const struct tl_schema *st, const char *col);
/* Adds a field (name and col copied; col computed from name when NULL) with a NULL-kind type;
 * returns it. Does not check for duplicates. */
struct tl_schema_field *tl_schema_field_add(struct tl_schema *st, const char *name,
					    const char *col);

/* Column name for a JSON key: lower-case ASCII, other bytes outside [a-z0-9_] become '_';
 * "_" for an empty key. Caller frees. */
char *tl_schema_col_name(const char *key, size_t n);

/* Messages for every pair of keys that share a column ("keys \"Text\" and \"text\" both map
 * to column \"text\""), depth first. Returns an array of *n strings (caller frees each and the
 * array; NULL when none). */
char **tl_schema_collisions(const struct tl_schema *s, size_t *n);

/* The longest JSON key that can be a column: Glue takes column names, and SerDe property
 * names ("mapping." and the column), of at most 255 bytes, and a column name is as long as its
 * key. */
#define TL_SCHEMA_KEY_MAX 247

/* Removes, at every level, the fields that no catalog can name: keys longer than
 * TL_SCHEMA_KEY_MAX bytes, and keys holding a NUL character (whose name would be cut short
 * there, pointing the SerDe at another key). A column that such a key shared with a mappable
 * one stays, under the mappable key. The SerDe ignores the keys left out; the records stay.
 * Returns a message for each key removed (caller frees each and the array; NULL when none). */
char **tl_schema_drop_unmappable(struct tl_schema *s, size_t *n);

/* What a merge changed, as bits (for messages and the summary). */
enum {
	TL_SCHEMA_ADDED = 1,    /* a field or column was added somewhere */
	TL_SCHEMA_WIDENED = 2,  /* a type became wider (int -> bigint, x -> string, null -> x...) */
};

/* Merges src into *dst (which may point to NULL: a copy of src is stored). Returns the
 * TL_SCHEMA_* bits of what changed in *dst. src is not modified. */
int tl_schema_merge(struct tl_schema **dst, const struct tl_schema *src);

/* Rendering flags. */
enum {
	TL_SCHEMA_DDL = 1,      /* backquote struct field names (Athena DDL); Glue's Type has none */
};
/* The Hive type text ("struct<id:string,n:bigint>", "array<string>"...), NULL-kind as string.
 * Caller frees. */
char *tl_schema_type_text(const struct tl_schema *s, int flags);

/* Parses a Hive/Glue type string (the Type of a Glue column): primitive names (any case),
 * decimal(p,s), char(n), varchar(n), array<T>, map<K,V>, struct<name:T,...> with names plain
 * or `backquoted`, white space allowed between tokens. Returns a new tree, or NULL with *err
 * (caller frees) saying where it failed. Nesting deeper than 100 levels is refused. */
struct tl_schema *tl_schema_parse_type(const char *s, char **err);

/* ---- inference over JSON text ---- */

enum {
	TL_SCHEMA_TIMESTAMPS = 1, /* infer timestamp for ISO 8601 date-time strings */
};

struct tl_schema_undo;

struct tl_schema_infer {
	struct tl_schema *root;  /* TL_SK_STRUCT: the table's columns */
	int flags;
	int max_depth;           /* records nested deeper are refused (default 100) */
	uint64_t records;        /* records merged */
	uint64_t bad;            /* records refused */
	char **collisions;       /* "a.Text and a.text" messages, each reported once */
	size_t ncollisions;
	/* private */
	struct tl_schema_undo *undo;
	size_t nundo, aundo;
	int depth;
	struct tl_buf *key;      /* scratch for keys with escapes */
};

/* Sets up inference with an empty root struct; flags are TL_SCHEMA_TIMESTAMPS or 0. One
 * struct per thread: nothing in it is shared or locked. */
void tl_schema_infer_init(struct tl_schema_infer *in, int flags);
/* Frees the tree and scratch space; in->root is gone afterwards (dup or merge it first). */
void tl_schema_infer_release(struct tl_schema_infer *in);
/* Merges one record, the JSON text s[0..n) (white space around it allowed), into in->root.
 * Returns 0 when merged; 1 for a blank line (nothing done, not counted); -1 when the text is
 * not one valid JSON object or nests too deep, in which case nothing of it is merged, in->bad
 * is counted and *why (static text) and *errpos (byte offset) say what and where. Never exits
 * except on allocation failure. */
int tl_schema_infer_record(struct tl_schema_infer *in, const char *s, size_t n,
			   const char **why, size_t *errpos);

/* True when s[0..n) looks like an ISO 8601 / RFC 3339 date-time that Athena's JSON SerDes read
 * as a timestamp: "YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|+hh:mm]". */
bool tl_schema_is_timestamp(const char *s, size_t n);

#endif
