/* tl_sigv4.c: AWS Signature Version 4 over OpenSSL's EVP digests.
 *
 * The three stages of aws-c-auth's signer, each built into one buffer: canonical request, string
 * to sign, then the Authorization header or the presigned query. Inputs are validated first so a
 * hostile path, query or header can never make an ambiguous canonical request (a "\n" in a header
 * value would let one request be signed as another).
 */
#include "tl_sigv4.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_time.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define EXPIRES_MAX 604800 /* seven days: the longest any AWS service accepts */
#define TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z: the date stays 8 digits */

/* Hop-by-hop headers and the ones clients, proxies and tracers add or rewrite after signing:
 * botocore's SIGNED_HEADERS_BLACKLIST, so both sign the same set. Sorted for bsearch. */
static const char *const unsigned_headers[] = {
	"connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
	"trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
};

/* ---- digests ---------------------------------------------------------------------------- */

/* OpenSSL 3 looks an algorithm up on every EVP_DigestInit_ex(EVP_sha256()); fetching it once
 * saves that per hash (a third of the time of a small signature). */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *md_sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md ? sha256_md : EVP_sha256();
}

static EVP_MD_CTX *md_ctx_new(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		tl_die(1, "out of memory (EVP_MD_CTX)");
	return c;
}

/* Hashes n parts into out. A digest of memory cannot fail short of memory exhaustion, which
 * like xmalloc we treat as fatal. */
static void sha256_parts(EVP_MD_CTX *c, const void *const *p, const size_t *n, size_t parts,
			 unsigned char out[32])
{
	unsigned int len = 0;
	int ok = EVP_DigestInit_ex(c, md_sha256(), NULL);
	for (size_t i = 0; ok && i < parts; i++)
		ok = EVP_DigestUpdate(c, p[i], n[i]);
	if (!ok || !EVP_DigestFinal_ex(c, out, &len) || len != 32)
		tl_die(1, "sha256 failed");
}

static void sha256_raw(EVP_MD_CTX *c, const void *data, size_t n, unsigned char out[32])
{
	const void *p[1] = { data };
	size_t l[1] = { n };
	sha256_parts(c, p, l, 1, out);
}

static void to_hex(const unsigned char *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

/* HMAC (RFC 2104) over the EVP digest: OpenSSL 3's HMAC() fetches the algorithm and allocates
 * a MAC context on every call, which costs more than the hashing itself here. */
static void hmac_raw(EVP_MD_CTX *c, const void *key, size_t keylen, const void *msg, size_t n,
		     unsigned char out[32])
{
	unsigned char k[64], pad[64], inner[32];
	memset(k, 0, sizeof(k));
	if (keylen > sizeof(k))
		sha256_raw(c, key, keylen, k);
	else if (keylen)
		memcpy(k, key, keylen);
	for (size_t i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	const void *p[2] = { pad, msg };
	size_t l[2] = { 64, n };
	sha256_parts(c, p, l, 2, inner);
	for (size_t i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	p[1] = inner;
	l[1] = 32;
	sha256_parts(c, p, l, 2, out);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
}

void tl_sha256_hex(const void *data, size_t n, char hex[65])
{
	unsigned char d[32];
	EVP_MD_CTX *c = md_ctx_new();
	sha256_raw(c, data, n, d);
	EVP_MD_CTX_free(c);
	to_hex(d, 32, hex);
}

void tl_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, unsigned char out[32])
{
	EVP_MD_CTX *c = md_ctx_new();
	hmac_raw(c, key, keylen, msg, n, out);
	EVP_MD_CTX_free(c);
}

/* ---- signing key cache ------------------------------------------------------------------ */

/* Deriving the key takes four HMACs, as much as the rest of a small signature. Entries are
 * found by a hash of (secret, date, region, service) so no secret is copied into the cache. */
#define KEYCACHE_N 8
struct keycache_ent {
	unsigned char id[32];
	unsigned char key[32];
	int used;
};
static struct keycache_ent keycache[KEYCACHE_N];
static unsigned keycache_next;
static pthread_mutex_t keycache_mu = PTHREAD_MUTEX_INITIALIZER;

static void signing_key(EVP_MD_CTX *c, const char *secret, const char *date, const char *region,
			const char *service, unsigned char key[32])
{
	static const unsigned char zero = 0;
	const void *p[7] = { secret, &zero, date, &zero, region, &zero, service };
	size_t l[7] = { strlen(secret), 1, strlen(date), 1, strlen(region), 1, strlen(service) };
	unsigned char id[32];
	sha256_parts(c, p, l, 7, id);

	pthread_mutex_lock(&keycache_mu);
	for (size_t i = 0; i < KEYCACHE_N; i++) {
		if (keycache[i].used && memcmp(keycache[i].id, id, 32) == 0) {
			memcpy(key, keycache[i].key, 32);
			pthread_mutex_unlock(&keycache_mu);
			return;
		}
	}
	pthread_mutex_unlock(&keycache_mu);

	size_t slen = l[0];
	char *k0 = xmalloc(slen + 5);
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, slen + 1);
	unsigned char a[32], b[32];
	hmac_raw(c, k0, slen + 4, date, l[2], a);
	hmac_raw(c, a, 32, region, l[4], b);
	hmac_raw(c, b, 32, service, l[6], a);
	hmac_raw(c, a, 32, "aws4_request", 12, key);
	OPENSSL_cleanse(k0, slen + 4);
	free(k0);
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));

	pthread_mutex_lock(&keycache_mu);
	struct keycache_ent *e = &keycache[keycache_next++ % KEYCACHE_N];
	memcpy(e->id, id, 32);
	memcpy(e->key, key, 32);
	e->used = 1;
	pthread_mutex_unlock(&keycache_mu);
}

/* ---- encoding --------------------------------------------------------------------------- */

static int is_unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

/* Appends s URI-encoded; the buffer has room (3 bytes per input byte reserved by the caller). */
static void encode_into(struct tl_buf *b, const char *s, size_t n, int encode_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	char *o = b->data + b->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (is_unreserved(ch) || (ch == '/' && !encode_slash)) {
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = digits[ch >> 4];
			*o++ = digits[ch & 15];
		}
	}
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
}

static int add_encoded(struct tl_buf *b, const char *s, size_t n, int encode_slash)
{
	if (n > (SIZE_MAX - 1) / 3 || tl_buf_grow(b, 3 * n) < 0)
		return -1;
	encode_into(b, s, n, encode_slash);
	return 0;
}

char *tl_sigv4_uri_encode(const char *s, size_t n, int encode_slash)
{
	struct tl_buf b = TL_BUF_INIT;
	b.max = SIZE_MAX - 1;
	if (add_encoded(&b, s, n, encode_slash) < 0)
		tl_die(1, "out of memory (uri encode of %zu bytes)", n);
	return tl_buf_detach(&b, NULL);
}

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decodes %XX in place-out (out has n bytes); a "%" not followed by two hex digits stays. */
static size_t uri_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n &&
		    (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* ---- input checks ----------------------------------------------------------------------- */

static int is_tchar(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int is_token(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* No control character (tab allowed when tab_ok): keeps the canonical request's lines intact. */
static int no_ctl(const char *s, int tab_ok)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch < 0x20 && !(tab_ok && ch == '\t')) || ch == 0x7f)
			return 0;
	}
	return 1;
}

/* Region and service become part of the credential scope, split on "/" by the server. */
static int is_scope_part(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_' || ch == '.'))
			return 0;
	}
	return 1;
}

static int is_access_key(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= 0x20 || ch >= 0x7f || ch == '/' || ch == ',' || ch == '=')
			return 0;
	}
	return 1;
}

static int is_payload_hash(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= 0x20 || ch >= 0x7f)
			return 0;
	}
	return 1;
}

/* ---- canonical headers ------------------------------------------------------------------ */

struct hdr {
	const char *name;  /* lowercase, NUL-terminated, in the arena */
	const char *value; /* trimmed, inner whitespace runs collapsed */
	size_t order;      /* position in the request: keeps duplicates in their order */
};

static int hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_unsigned_header(const char *lname)
{
	return bsearch(&lname, unsigned_headers, sizeof(unsigned_headers) / sizeof(*unsigned_headers),
		       sizeof(*unsigned_headers), str_cmp) != NULL;
}

/* Copies s lowercased into o; returns the end. */
static char *put_lower(char *o, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		*o++ = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	*o++ = '\0';
	return o;
}

/* Copies s with leading/trailing blanks dropped and inner runs of blanks made one space. */
static char *put_trimmed(char *o, const char *s)
{
	int pending = 0, any = 0;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t') {
			pending = any;
			continue;
		}
		if (pending)
			*o++ = ' ';
		pending = 0;
		any = 1;
		*o++ = *s;
	}
	*o++ = '\0';
	return o;
}

/* A request that carries its own x-amz-content-sha256 states its payload hash: the server checks
 * the canonical request against that header, so it must be the one signed. */
static char *content_sha256_header(const struct tl_sigv4_request *req)
{
	for (size_t i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, "x-amz-content-sha256") == 0) {
			char *v = xmalloc(strlen(req->headers[i].value) + 1);
			put_trimmed(v, req->headers[i].value);
			return v;
		}
	}
	return NULL;
}

/* ---- query ------------------------------------------------------------------------------ */

struct qparam {
	size_t koff, voff;  /* offsets of NUL-terminated encoded strings in the arena, while it grows */
	const char *k, *v;  /* the same as pointers, once it is complete */
};

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

/* ---- signing ---------------------------------------------------------------------------- */

struct signer {
	const struct tl_sigv4_params *p;
	const struct tl_sigv4_request *req;
	int presign;
	const char *token; /* NULL when none */
	char amz_date[17];
	char date[9];
	char payload[65];
	const char *payload_str; /* payload, the caller's hash or UNSIGNED-PAYLOAD */
	struct hdr *h;
	size_t nh;
	char *harena;
	char *signed_headers;
	char *scope;
	char *payload_hdr; /* the caller's x-amz-content-sha256 value, trimmed */
};

static void signer_release(struct signer *s)
{
	free(s->h);
	free(s->harena);
	free(s->signed_headers);
	free(s->scope);
	free(s->payload_hdr);
}

static int check_input(const struct tl_sigv4_params *p, const struct tl_sigv4_request *req,
		       int presign, const char **err)
{
#define FAIL(msg) do { *err = (msg); return -1; } while (0)
	if (!p || !req)
		FAIL("sigv4: no request");
	if (!is_token(req->method))
		FAIL("sigv4: bad method");
	if (!req->path || !no_ctl(req->path, 0))
		FAIL("sigv4: bad path");
	if (req->query && !no_ctl(req->query, 0))
		FAIL("sigv4: bad query");
	if (req->nheaders && !req->headers)
		FAIL("sigv4: no headers");
	if (!req->body && req->body_len)
		FAIL("sigv4: body length without body");
	if (req->payload_hash && !is_payload_hash(req->payload_hash))
		FAIL("sigv4: bad payload hash");
	if (!is_access_key(p->access_key))
		FAIL("sigv4: bad access key id");
	if (!p->secret_key || !*p->secret_key)
		FAIL("sigv4: no secret key");
	if (p->session_token && !no_ctl(p->session_token, 0))
		FAIL("sigv4: bad session token");
	if (!is_scope_part(p->region))
		FAIL("sigv4: bad region");
	if (!is_scope_part(p->service))
		FAIL("sigv4: bad service");
	if (p->time < 0 || p->time > TIME_MAX)
		FAIL("sigv4: time out of range");
	if (presign && (p->expires < 1 || p->expires > EXPIRES_MAX))
		FAIL("sigv4: expires out of range (1..604800 seconds)");
	int host = 0;
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct tl_sigv4_header *h = &req->headers[i];
		if (!is_token(h->name))
			FAIL("sigv4: bad header name");
		if (!h->value || !no_ctl(h->value, 1))
			FAIL("sigv4: bad header value");
		if (strcasecmp(h->name, "host") == 0)
			host = 1;
	}
	if (!host)
		FAIL("sigv4: no Host header");
	return 0;
#undef FAIL
}

/* Our own headers replace the caller's: a stale date or token from a retried request must not
 * be signed twice. */
static int is_replaced(const struct signer *s, const char *lname)
{
	if (strcmp(lname, "authorization") == 0 || strcmp(lname, "x-amz-date") == 0)
		return 1;
	if (s->token && strcmp(lname, "x-amz-security-token") == 0)
		return 1;
	if (!s->presign && (s->p->flags & (TL_SIGV4_CONTENT_SHA256 | TL_SIGV4_UNSIGNED_PAYLOAD)) &&
	    strcmp(lname, "x-amz-content-sha256") == 0)
		return 1;
	return 0;
}

/* Selects, normalizes and sorts the headers to sign; builds the SignedHeaders list. */
static void collect_headers(struct signer *s)
{
	const struct tl_sigv4_request *req = s->req;
	const struct tl_sigv4_params *p = s->p;
	int add_token = !s->presign && s->token && !(p->flags & TL_SIGV4_OMIT_SESSION_TOKEN);
	int add_sha = !s->presign && (p->flags & (TL_SIGV4_CONTENT_SHA256 | TL_SIGV4_UNSIGNED_PAYLOAD));
	size_t size = 0;
	for (size_t i = 0; i < req->nheaders; i++)
		size += strlen(req->headers[i].name) + strlen(req->headers[i].value) + 2;
	size += 64;
	if (add_token)
		size += strlen(s->token) + 32;
	if (add_sha)
		size += strlen(s->payload_str) + 32;
	s->harena = xmalloc(size);
	s->h = xmalloc((req->nheaders + 3) * sizeof(*s->h));

	char *o = s->harena;
	size_t n = 0;
	for (size_t i = 0; i < req->nheaders; i++) {
		char *name = o;
		o = put_lower(o, req->headers[i].name);
		if (is_unsigned_header(name) || is_replaced(s, name)) {
			o = name;
			continue;
		}
		s->h[n].name = name;
		s->h[n].value = o;
		o = put_trimmed(o, req->headers[i].value);
		s->h[n].order = n;
		n++;
	}
	if (!s->presign) {
		const char *add[3][2] = {
			{ "x-amz-date", s->amz_date },
			{ add_token ? "x-amz-security-token" : NULL, s->token },
			{ add_sha ? "x-amz-content-sha256" : NULL, s->payload_str },
		};
		for (size_t i = 0; i < 3; i++) {
			if (!add[i][0])
				continue;
			s->h[n].name = o;
			o = put_lower(o, add[i][0]);
			s->h[n].value = o;
			o = put_trimmed(o, add[i][1]);
			s->h[n].order = n;
			n++;
		}
	}
	qsort(s->h, n, sizeof(*s->h), hdr_cmp);
	s->nh = n;

	struct tl_buf b = TL_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(s->h[i].name, s->h[i - 1].name) == 0)
			continue;
		if (b.len)
			tl_buf_addc(&b, ';');
		tl_buf_adds(&b, s->h[i].name);
	}
	s->signed_headers = tl_buf_detach(&b, NULL);
}

static void add_canonical_uri(struct tl_buf *b, const struct signer *s)
{
	const char *path = s->req->path;
	size_t n = strlen(path);
	int dbl = (s->p->flags & TL_SIGV4_DOUBLE_ENCODE) != 0;
	if (n == 0) {
		tl_buf_addc(b, '/');
		return;
	}
	if (!(s->p->flags & TL_SIGV4_NORMALIZE_PATH)) {
		if (dbl)
			add_encoded(b, path, n, 0);
		else
			tl_buf_add(b, path, n);
		return;
	}
	/* RFC 3986 remove_dot_segments, with empty segments dropped as every AWS SDK does. */
	size_t *seg = xmalloc((n / 2 + 2) * sizeof(*seg) * 2), nseg = 0;
	for (size_t i = 0; i <= n;) {
		size_t j = i;
		while (j < n && path[j] != '/')
			j++;
		size_t len = j - i;
		if (len == 0 || (len == 1 && path[i] == '.')) {
			/* skip */
		} else if (len == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (nseg)
				nseg--;
		} else {
			seg[2 * nseg] = i;
			seg[2 * nseg + 1] = len;
			nseg++;
		}
		i = j + 1;
	}
	if (path[0] == '/')
		tl_buf_addc(b, '/');
	for (size_t i = 0; i < nseg; i++) {
		if (i)
			tl_buf_addc(b, '/');
		if (dbl)
			add_encoded(b, path + seg[2 * i], seg[2 * i + 1], 1);
		else
			tl_buf_add(b, path + seg[2 * i], seg[2 * i + 1]);
	}
	if (nseg && path[n - 1] == '/')
		tl_buf_addc(b, '/');
	if (b->len == 0 || b->data[b->len - 1] == '\n')
		tl_buf_addc(b, '/'); /* a relative path that normalized to nothing */
	free(seg);
}

/* Appends the canonical query: each parameter decoded then encoded again (so the raw and the
 * percent-encoded spelling of a name sign alike), sorted by key then value. With presign, the
 * X-Amz-* authentication parameters join the sort. Empty "&&" segments are skipped. */
static void add_canonical_query(struct tl_buf *b, const struct signer *s)
{
	const char *q = s->req->query ? s->req->query : "";
	size_t qn = strlen(q), cap = 8, n = 0;
	struct qparam *v = xmalloc(cap * sizeof(*v));
	struct tl_buf a = TL_BUF_INIT;
	char *tmp = xmalloc(qn + 1);

	for (size_t i = 0; i < qn;) {
		size_t j = i;
		while (j < qn && q[j] != '&')
			j++;
		if (j > i) {
			const char *eq = memchr(q + i, '=', j - i);
			size_t klen = eq ? (size_t)(eq - (q + i)) : j - i;
			if (n == cap) {
				cap *= 2;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n].koff = a.len;
			add_encoded(&a, tmp, uri_decode(q + i, klen, tmp), 1);
			tl_buf_addc(&a, '\0');
			v[n].voff = a.len;
			if (eq)
				add_encoded(&a, tmp, uri_decode(eq + 1, (size_t)(q + j - eq - 1), tmp), 1);
			tl_buf_addc(&a, '\0');
			n++;
		}
		i = j + 1;
	}
	if (s->presign) {
		char expires[24];
		snprintf(expires, sizeof(expires), "%lld", (long long)s->p->expires);
		const char *auth[6][2] = {
			{ "X-Amz-Algorithm", ALGORITHM },
			{ "X-Amz-Credential", s->scope },
			{ "X-Amz-Date", s->amz_date },
			{ "X-Amz-Expires", expires },
			{ "X-Amz-Security-Token", s->token },
			{ "X-Amz-SignedHeaders", s->signed_headers },
		};
		for (size_t i = 0; i < 6; i++) {
			if (!auth[i][1] || (i == 4 && (s->p->flags & TL_SIGV4_OMIT_SESSION_TOKEN)))
				continue;
			if (n == cap) {
				cap *= 2;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n].koff = a.len;
			tl_buf_adds(&a, auth[i][0]);
			tl_buf_addc(&a, '\0');
			v[n].voff = a.len;
			if (i == 1) {
				/* the credential is access key + scope */
				add_encoded(&a, s->p->access_key, strlen(s->p->access_key), 1);
				add_encoded(&a, "/", 1, 1);
			}
			add_encoded(&a, auth[i][1], strlen(auth[i][1]), 1);
			tl_buf_addc(&a, '\0');
			n++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		v[i].k = a.data + v[i].koff;
		v[i].v = a.data + v[i].voff;
	}
	qsort(v, n, sizeof(*v), qparam_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			tl_buf_addc(b, '&');
		tl_buf_adds(b, v[i].k);
		tl_buf_addc(b, '=');
		tl_buf_adds(b, v[i].v);
	}
	free(tmp);
	free(v);
	tl_buf_release(&a);
}

static int sign_common(const struct tl_sigv4_params *p, const struct tl_sigv4_request *req,
		       int presign, struct tl_sigv4_result *out, const char **err)
{
	const char *dummy;
	if (!err)
		err = &dummy;
	if (!out) {
		*err = "sigv4: no result";
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (check_input(p, req, presign, err) < 0)
		return -1;

	struct signer s;
	memset(&s, 0, sizeof(s));
	s.p = p;
	s.req = req;
	s.presign = presign;
	s.token = p->session_token && *p->session_token ? p->session_token : NULL;

	struct tl_tm tm;
	tl_time_split(p->time * 1000, &tm);
	snprintf(s.amz_date, sizeof(s.amz_date), "%04d%02d%02dT%02d%02d%02dZ", tm.year, tm.month,
		 tm.day, tm.hour, tm.min, tm.sec);
	memcpy(s.date, s.amz_date, 8);
	s.date[8] = '\0';
	s.scope = xasprintf("%s/%s/%s/aws4_request", s.date, p->region, p->service);

	EVP_MD_CTX *c = md_ctx_new();
	unsigned char d[32];
	if (p->flags & TL_SIGV4_UNSIGNED_PAYLOAD) {
		s.payload_str = "UNSIGNED-PAYLOAD";
	} else if (req->payload_hash) {
		s.payload_str = req->payload_hash;
	} else if (!(p->flags & TL_SIGV4_CONTENT_SHA256) && (s.payload_hdr = content_sha256_header(req))) {
		s.payload_str = s.payload_hdr; /* the caller's own x-amz-content-sha256, as botocore */
	} else {
		sha256_raw(c, req->body ? req->body : "", req->body_len, d);
		to_hex(d, 32, s.payload);
		s.payload_str = s.payload;
	}

	collect_headers(&s);

	/* canonical request */
	struct tl_buf b = TL_BUF_INIT;
	b.max = SIZE_MAX - 1;
	size_t est = strlen(req->method) + 3 * strlen(req->path) + 3 * (req->query ? strlen(req->query) : 0) + 512;
	for (size_t i = 0; i < s.nh; i++)
		est += strlen(s.h[i].name) + strlen(s.h[i].value) + 2;
	tl_buf_grow(&b, est);
	tl_buf_adds(&b, req->method);
	tl_buf_addc(&b, '\n');
	add_canonical_uri(&b, &s);
	tl_buf_addc(&b, '\n');
	add_canonical_query(&b, &s);
	tl_buf_addc(&b, '\n');
	for (size_t i = 0; i < s.nh; i++) {
		int first = i == 0 || strcmp(s.h[i].name, s.h[i - 1].name) != 0;
		if (first) {
			if (i)
				tl_buf_addc(&b, '\n');
			tl_buf_adds(&b, s.h[i].name);
			tl_buf_addc(&b, ':');
		} else {
			tl_buf_addc(&b, ',');
		}
		tl_buf_adds(&b, s.h[i].value);
	}
	tl_buf_adds(&b, "\n\n");
	tl_buf_adds(&b, s.signed_headers);
	tl_buf_addc(&b, '\n');
	tl_buf_adds(&b, s.payload_str);
	size_t creq_len;
	out->canonical_request = tl_buf_detach(&b, &creq_len);

	/* string to sign */
	char creq_hex[65];
	sha256_raw(c, out->canonical_request, creq_len, d);
	to_hex(d, 32, creq_hex);
	out->string_to_sign = xasprintf(ALGORITHM "\n%s\n%s\n%s", s.amz_date, s.scope, creq_hex);

	/* signature */
	unsigned char key[32];
	signing_key(c, p->secret_key, s.date, p->region, p->service, key);
	hmac_raw(c, key, 32, out->string_to_sign, strlen(out->string_to_sign), d);
	OPENSSL_cleanse(key, sizeof(key));
	EVP_MD_CTX_free(c);
	out->signature = xmalloc(65);
	to_hex(d, 32, out->signature);
	out->amz_date = xstrdup(s.amz_date);

	if (presign) {
		/* the canonical query is a valid encoding of the parameters: send it as is */
		const char *cq = strchr(strchr(out->canonical_request, '\n') + 1, '\n') + 1;
		size_t cqn = (size_t)(strchr(cq, '\n') - cq);
		struct tl_buf q = TL_BUF_INIT;
		tl_buf_add(&q, cq, cqn);
		tl_buf_adds(&q, "&X-Amz-Signature=");
		tl_buf_adds(&q, out->signature);
		if (s.token && (p->flags & TL_SIGV4_OMIT_SESSION_TOKEN)) {
			tl_buf_adds(&q, "&X-Amz-Security-Token=");
			add_encoded(&q, s.token, strlen(s.token), 1);
		}
		out->query = tl_buf_detach(&q, NULL);
	} else {
		out->authorization = xasprintf(ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
					       p->access_key, s.scope, s.signed_headers, out->signature);
		out->add_headers[out->nadd++] = xasprintf("X-Amz-Date: %s", s.amz_date);
		if (s.token)
			out->add_headers[out->nadd++] = xasprintf("X-Amz-Security-Token: %s", s.token);
		if (p->flags & (TL_SIGV4_CONTENT_SHA256 | TL_SIGV4_UNSIGNED_PAYLOAD)) {
			out->content_sha256 = xstrdup(s.payload_str);
			out->add_headers[out->nadd++] = xasprintf("x-amz-content-sha256: %s", s.payload_str);
		}
		out->add_headers[out->nadd++] = xasprintf("Authorization: %s", out->authorization);
	}
	signer_release(&s);
	return 0;
}

int tl_sigv4_sign(const struct tl_sigv4_params *p, const struct tl_sigv4_request *req,
		  struct tl_sigv4_result *out, const char **err)
{
	return sign_common(p, req, 0, out, err);
}

int tl_sigv4_presign(const struct tl_sigv4_params *p, const struct tl_sigv4_request *req,
		     struct tl_sigv4_result *out, const char **err)
{
	return sign_common(p, req, 1, out, err);
}

void tl_sigv4_result_free(struct tl_sigv4_result *r)
{
	if (!r)
		return;
	free(r->canonical_request);
	free(r->string_to_sign);
	free(r->signature);
	if (r->authorization)
		OPENSSL_cleanse(r->authorization, strlen(r->authorization));
	free(r->authorization);
	free(r->amz_date);
	free(r->content_sha256);
	free(r->query);
	for (size_t i = 0; i < r->nadd; i++)
		free(r->add_headers[i]);
	memset(r, 0, sizeof(*r));
}
