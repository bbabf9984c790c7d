#include "tl_tweet.h"
#include "tl_alloc.h"
#include "tl_str.h"
#include "tl_time.h"

#include <errno.h>
#include <string.h>

/* ---- lines ---- */

static bool tok_is_str(const struct tl_jdoc *d, long tok, const char *s)
{
	if (tok < 0 || d->t[tok].type != TL_J_STRING)
		return false;
	return tl_jdoc_key_is(d, (size_t)tok, s, strlen(s));
}

int tl_tweet_parse(struct tl_tweet *t, const char *line, size_t n)
{
	struct tl_jdoc *d = &t->doc;
	t->line = line;
	t->len = n;
	t->data = -1;
	t->id = NULL;
	t->id_len = 0;
	t->disconnect = false;
	t->why = NULL;
	t->errpos = 0;
	while (n && tl_jlex_is_ws((unsigned char)line[n - 1]))
		n--;
	size_t i = 0;
	while (i < n && tl_jlex_is_ws((unsigned char)line[i]))
		i++;
	if (i == n) {
		d->n = 0;
		return t->kind = TL_TWEET_KEEPALIVE;
	}
	if (tl_jdoc_parse(d, line, n, &t->why, &t->errpos) < 0)
		return t->kind = TL_TWEET_BAD;
	if (d->t[0].type != TL_J_OBJECT)
		return t->kind = TL_TWEET_OTHER;
	long data = tl_jdoc_get(d, 0, "data");
	if (data >= 0 && d->t[data].type == TL_J_OBJECT) {
		t->data = data;
		tl_jdoc_idtext(d, tl_jdoc_get(d, (size_t)data, "id"), &t->id, &t->id_len);
		return t->kind = TL_TWEET_DATA;
	}
	long errs = tl_jdoc_get(d, 0, "errors");
	if (data < 0 && errs >= 0 && d->t[errs].type == TL_J_ARRAY) {
		for (size_t k = (size_t)errs + 1; k < d->t[errs].next; k = d->t[k].next) {
			if (tok_is_str(d, tl_jdoc_get(d, k, "title"), "operational-disconnect") ||
			    tok_is_str(d, tl_jdoc_get(d, k, "disconnect_type"), "OperationalDisconnect"))
				t->disconnect = true;
		}
		return t->kind = TL_TWEET_ERRORS;
	}
	long id = tl_jdoc_get(d, 0, "id_str");
	if (id < 0 && (tl_jdoc_get(d, 0, "text") >= 0 || tl_jdoc_get(d, 0, "full_text") >= 0 ||
		       tl_jdoc_get(d, 0, "created_at") >= 0))
		id = tl_jdoc_get(d, 0, "id");
	if (data < 0 && tl_jdoc_idtext(d, id, &t->id, &t->id_len)) {
		t->data = 0;
		return t->kind = TL_TWEET_FLAT;
	}
	return t->kind = TL_TWEET_OTHER;
}

struct merge {
	const struct tl_jdoc *d;
	struct tl_buf *out;
	long users, tweets, media, places, polls;
	int err;
};

static void madd(struct merge *m, const char *p, size_t n)
{
	if (!m->err && tl_buf_add(m->out, p, n) < 0)
		m->err = -1;
}

static void madds(struct merge *m, const char *s)
{
	madd(m, s, strlen(s));
}

static void mcompact(struct merge *m, size_t tok)
{
	if (!m->err && tl_jdoc_add_compact(m->d, tok, m->out) < 0)
		m->err = -1;
}

static void mtok(struct merge *m, size_t tok) /* a token's text as it is (keys) */
{
	madd(m, m->d->s + m->d->t[tok].start, m->d->t[tok].end - m->d->t[tok].start);
}

/* The element of array arr whose member field has the id text of tok, or -1. */
static long find_by(const struct tl_jdoc *d, long arr, const char *field, long tok)
{
	const char *id, *p;
	size_t idn, n;
	if (arr < 0 || d->t[arr].type != TL_J_ARRAY || !tl_jdoc_idtext(d, tok, &id, &idn))
		return -1;
	for (size_t k = (size_t)arr + 1; k < d->t[arr].next; k = d->t[k].next) {
		if (tl_jdoc_idtext(d, tl_jdoc_get(d, k, field), &p, &n) && n == idn &&
		    memcmp(p, id, n) == 0)
			return (long)k;
	}
	return -1;
}

/* ,"name":[found elements of includes array inc by keys in array keys] */
static void add_lookup_list(struct merge *m, const char *name, long inc, const char *field, long keys,
			    bool *first)
{
	const struct tl_jdoc *d = m->d;
	bool any = false;
	if (keys < 0 || d->t[keys].type != TL_J_ARRAY || inc < 0)
		return;
	for (size_t k = (size_t)keys + 1; k < d->t[keys].next; k = d->t[k].next) {
		long f = find_by(d, inc, field, (long)k);
		if (f < 0)
			continue;
		if (!any) {
			madds(m, *first ? "\"" : ",\"");
			*first = false;
			madds(m, name);
			madds(m, "\":[");
			any = true;
		} else {
			madds(m, ",");
		}
		mcompact(m, (size_t)f);
	}
	if (any)
		madds(m, "]");
}

/* Writes "{" and the members of object obj as they are; returns whether there were none. */
static bool open_copy(struct merge *m, size_t obj)
{
	const struct tl_jdoc *d = m->d;
	madds(m, "{");
	for (size_t k = obj + 1; k < d->t[obj].next; k = d->t[k + 1].next) {
		if (k != obj + 1)
			madds(m, ",");
		mtok(m, k);
		madds(m, ":");
		mcompact(m, k + 1);
	}
	return d->t[obj].next == obj + 1;
}

/* Writes the member key (",\"name\":") without its comma when it comes first. */
static void mkey(struct merge *m, bool *first, const char *key)
{
	madds(m, *first ? key + 1 : key);
	*first = false;
}

static void emit_attachments(struct merge *m, size_t obj)
{
	const struct tl_jdoc *d = m->d;
	bool first = open_copy(m, obj);
	if (tl_jdoc_get(d, obj, "media") < 0)
		add_lookup_list(m, "media", m->media, "media_key", tl_jdoc_get(d, obj, "media_keys"), &first);
	if (tl_jdoc_get(d, obj, "polls") < 0)
		add_lookup_list(m, "polls", m->polls, "id", tl_jdoc_get(d, obj, "poll_ids"), &first);
	madds(m, "}");
}

static void emit_geo(struct merge *m, size_t obj)
{
	const struct tl_jdoc *d = m->d;
	bool first = open_copy(m, obj);
	long pl = tl_jdoc_get(d, obj, "place") < 0 ? find_by(d, m->places, "id", tl_jdoc_get(d, obj, "place_id")) : -1;
	if (pl >= 0) {
		mkey(m, &first, ",\"place\":");
		mcompact(m, (size_t)pl);
	}
	madds(m, "}");
}

static void emit_members(struct merge *m, size_t tw, bool top, long rules, bool first);

static void emit_refs(struct merge *m, size_t arr)
{
	const struct tl_jdoc *d = m->d;
	madds(m, "[");
	for (size_t k = arr + 1; k < d->t[arr].next; k = d->t[k].next) {
		if (k != arr + 1)
			madds(m, ",");
		long inc = d->t[k].type == TL_J_OBJECT ? find_by(d, m->tweets, "id", tl_jdoc_get(d, k, "id")) : -1;
		if (inc < 0 || d->t[inc].type != TL_J_OBJECT) {
			mcompact(m, k);
			continue;
		}
		long type = tl_jdoc_get(d, k, "type");
		madds(m, "{");
		if (type >= 0 && tl_jdoc_get(d, (size_t)inc, "type") < 0) {
			madds(m, "\"type\":");
			mcompact(m, (size_t)type);
		}
		emit_members(m, (size_t)inc, false, -1, type < 0 || tl_jdoc_get(d, (size_t)inc, "type") >= 0);
		madds(m, "}");
	}
	madds(m, "]");
}

static void emit_rules(struct merge *m, size_t arr)
{
	const struct tl_jdoc *d = m->d;
	if (d->t[arr].type != TL_J_ARRAY) {
		mcompact(m, arr);
		return;
	}
	madds(m, "[");
	for (size_t k = arr + 1; k < d->t[arr].next; k = d->t[k].next) {
		if (k != arr + 1)
			madds(m, ",");
		if (d->t[k].type != TL_J_OBJECT) {
			mcompact(m, k);
			continue;
		}
		madds(m, "{");
		for (size_t j = k + 1; j < d->t[k].next; j = d->t[j + 1].next) {
			if (j != k + 1)
				madds(m, ",");
			mtok(m, j);
			madds(m, ":");
			if (tl_jdoc_key_is(d, j, "id", 2) && d->t[j + 1].type == TL_J_NUMBER) {
				madds(m, "\"");
				mtok(m, j + 1);
				madds(m, "\"");
			} else {
				mcompact(m, j + 1);
			}
		}
		madds(m, "}");
	}
	madds(m, "]");
}

/* The members of tweet object tw (without braces), expansions merged. */
static void emit_members(struct merge *m, size_t tw, bool top, long rules, bool first)
{
	const struct tl_jdoc *d = m->d;
	long author_id = -1, reply_id = -1;
	bool has_author = false, has_reply = false, has_rules = false;
	for (size_t k = tw + 1; k < d->t[tw].next; k = d->t[k + 1].next) {
		if (!first)
			madds(m, ",");
		first = false;
		mtok(m, k);
		madds(m, ":");
		size_t v = k + 1;
		int vt = d->t[v].type;
		if (tl_jdoc_key_is(d, k, "author_id", 9))
			author_id = (long)v;
		else if (tl_jdoc_key_is(d, k, "in_reply_to_user_id", 19))
			reply_id = (long)v;
		else if (tl_jdoc_key_is(d, k, "author", 6))
			has_author = true;
		else if (tl_jdoc_key_is(d, k, "in_reply_to_user", 16))
			has_reply = true;
		else if (tl_jdoc_key_is(d, k, "matching_rules", 14))
			has_rules = true;
		if (vt == TL_J_OBJECT && tl_jdoc_key_is(d, k, "attachments", 11) && (m->media >= 0 || m->polls >= 0))
			emit_attachments(m, v);
		else if (vt == TL_J_OBJECT && tl_jdoc_key_is(d, k, "geo", 3) && m->places >= 0)
			emit_geo(m, v);
		else if (vt == TL_J_ARRAY && top && tl_jdoc_key_is(d, k, "referenced_tweets", 17) && m->tweets >= 0)
			emit_refs(m, v);
		else
			mcompact(m, v);
	}
	long u;
	if (!has_author && (u = find_by(d, m->users, "id", author_id)) >= 0) {
		mkey(m, &first, ",\"author\":");
		mcompact(m, (size_t)u);
	}
	if (!has_reply && (u = find_by(d, m->users, "id", reply_id)) >= 0) {
		mkey(m, &first, ",\"in_reply_to_user\":");
		mcompact(m, (size_t)u);
	}
	if (top && rules >= 0 && !has_rules) {
		mkey(m, &first, ",\"matching_rules\":");
		emit_rules(m, (size_t)rules);
	}
}

int tl_tweet_merge(const struct tl_tweet *t, struct tl_buf *out)
{
	const struct tl_jdoc *d = &t->doc;
	if (t->kind == TL_TWEET_FLAT)
		return tl_jdoc_add_compact(d, 0, out);
	if (t->kind != TL_TWEET_DATA)
		return -1;
	size_t mark = out->len;
	struct merge m = { d, out, -1, -1, -1, -1, -1, 0 };
	long inc = tl_jdoc_get(d, 0, "includes");
	if (inc >= 0) {
		m.users = tl_jdoc_get(d, (size_t)inc, "users");
		m.tweets = tl_jdoc_get(d, (size_t)inc, "tweets");
		m.media = tl_jdoc_get(d, (size_t)inc, "media");
		m.places = tl_jdoc_get(d, (size_t)inc, "places");
		m.polls = tl_jdoc_get(d, (size_t)inc, "polls");
	}
	/* hint the final size: one allocation for most lines */
	if (tl_buf_grow(out, t->len + 64) < 0)
		return -1;
	madds(&m, "{");
	emit_members(&m, (size_t)t->data, true, tl_jdoc_get(d, 0, "matching_rules"), true);
	madds(&m, "}");
	if (m.err) {
		tl_buf_truncate(out, mark);
		return -1;
	}
	return 0;
}

static int64_t str_time(const struct tl_jdoc *d, long tok)
{
	int64_t ms;
	if (tok < 0 || d->t[tok].type != TL_J_STRING)
		return -1;
	if (tl_time_parse(d->s + d->t[tok].start + 1, d->t[tok].end - d->t[tok].start - 2, &ms) < 0)
		return -1;
	return ms;
}

int64_t tl_tweet_time(const struct tl_tweet *t)
{
	const struct tl_jdoc *d = &t->doc;
	if (t->kind != TL_TWEET_DATA && t->kind != TL_TWEET_FLAT)
		return -1;
	long tw = tl_jdoc_get(d, 0, "__twarc");
	int64_t ms = tw >= 0 ? str_time(d, tl_jdoc_get(d, (size_t)tw, "retrieved_at")) : -1;
	if (ms < 0)
		ms = str_time(d, tl_jdoc_get(d, (size_t)t->data, "created_at"));
	return ms;
}

char *tl_tweet_errors_text(const struct tl_tweet *t)
{
	const struct tl_jdoc *d = &t->doc;
	struct tl_buf b;
	tl_buf_init(&b, 1 << 16);
	tl_buf_add(&b, "", 0);
	long errs = t->kind == TL_TWEET_ERRORS ? tl_jdoc_get(d, 0, "errors") : -1;
	if (errs >= 0) {
		for (size_t k = (size_t)errs + 1; k < d->t[errs].next; k = d->t[k].next) {
			char *title = tl_jdoc_strdup(d, tl_jdoc_get(d, k, "title"));
			char *detail = tl_jdoc_strdup(d, tl_jdoc_get(d, k, "detail"));
			tl_buf_addf(&b, "%s%s%s%s", b.len ? "; " : "", title ? title : "error",
				    detail ? ": " : "", detail ? detail : "");
			free(title);
			free(detail);
		}
	}
	return tl_buf_detach(&b, NULL);
}

void tl_tweet_free(struct tl_tweet *t)
{
	tl_jdoc_free(&t->doc);
}

/* ---- recently seen ids ---- */

#define TL_IDSET_EMPTY UINT64_MAX

static uint64_t id_key(const char *id, size_t n)
{
	if (n > 0 && n <= 19) {
		uint64_t v = 0; /* 19 digits cannot overflow 64 bits */
		size_t i;
		for (i = 0; i < n && tl_jlex_digit(id[i]); i++)
			v = v * 10 + (uint64_t)(id[i] - '0');
		if (i == n && v < 1ULL << 63)
			return v;
	}
	/* FNV-1a with the top bit set, so it never equals an exact key */
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
	h |= 1ULL << 63;
	return h == TL_IDSET_EMPTY ? h - 1 : h;
}

static size_t home(const struct tl_idset *s, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 32 ^ h) & s->mask;
}

void tl_idset_init(struct tl_idset *s, size_t cap)
{
	if (cap < 16)
		cap = 16;
	size_t tsz = 32;
	while (tsz < cap * 2)
		tsz *= 2;
	s->cap = cap;
	s->n = s->head = 0;
	s->mask = tsz - 1;
	s->ring = xmalloc(cap * sizeof *s->ring);
	s->slot = xmalloc(tsz * sizeof *s->slot);
	memset(s->slot, 0xFF, tsz * sizeof *s->slot);
}

static long find_slot(const struct tl_idset *s, uint64_t key)
{
	for (size_t i = home(s, key);; i = (i + 1) & s->mask) {
		if (s->slot[i] == key)
			return (long)i;
		if (s->slot[i] == TL_IDSET_EMPTY)
			return -1;
	}
}

static void remove_key(struct tl_idset *s, uint64_t key)
{
	long at = find_slot(s, key);
	if (at < 0)
		return;
	size_t i = (size_t)at, j = i;
	for (;;) {
		j = (j + 1) & s->mask;
		if (s->slot[j] == TL_IDSET_EMPTY)
			break;
		size_t k = home(s, s->slot[j]);
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		s->slot[i] = s->slot[j];
		i = j;
	}
	s->slot[i] = TL_IDSET_EMPTY;
}

bool tl_idset_has(const struct tl_idset *s, const char *id, size_t n)
{
	return find_slot(s, id_key(id, n)) >= 0;
}

bool tl_idset_add(struct tl_idset *s, const char *id, size_t n)
{
	uint64_t key = id_key(id, n);
	if (find_slot(s, key) >= 0)
		return false;
	if (s->n == s->cap) {
		remove_key(s, s->ring[s->head]);
		s->n--;
	}
	size_t i = home(s, key);
	while (s->slot[i] != TL_IDSET_EMPTY)
		i = (i + 1) & s->mask;
	s->slot[i] = key;
	s->ring[s->head] = key;
	s->head = (s->head + 1) % s->cap;
	s->n++;
	return true;
}

void tl_idset_free(struct tl_idset *s)
{
	free(s->ring);
	free(s->slot);
	s->ring = s->slot = NULL;
}
