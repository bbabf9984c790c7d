/* tl_sigv4.c: AWS Signature Version 4 over OpenSSL's EVP digests.
 *
 * The three stages of aws-c-auth's signer, each built into one buffer: canonical request, string
 * to sign, then the Authorization header or the presigned query. Inputs are validated first so a
 * hostile path, query or header can never make an ambiguous canonical request (a "\n" in a header
 * value would let one request be signed as another).
 */
#include "tl_sigv4.h"
#include "tl_alloc.h"
#include "tl_str.h"
#include "tl_time.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define EXPIRES_MAX 604800 /* seven days: the longest any AWS service accepts */
#define TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z: the date stays 8 digits */
#define SCOPE_PART_MAX 63 /* region and service names: the longest real one has 30 characters */
#define SCOPE_MAX (8 + 1 + SCOPE_PART_MAX + 1 + SCOPE_PART_MAX + 1 + 12)

/* Hop-by-hop headers and the ones clients, proxies and tracers add or rewrite after signing:
 * botocore's SIGNED_HEADERS_BLACKLIST, so both sign the same set. */
static const char *const unsigned_headers[] = {
	"connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
	"trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
};

/* ---- digests ---------------------------------------------------------------------------- */

/* OpenSSL 3 looks the algorithm up on every EVP_DigestInit_ex(EVP_sha256()); fetching it once
 * saves that lookup on each of the three or four hashes of a signature. */
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

/* A few pairs of digest contexts kept for reuse (a signature needs two at once for its HMAC): a
 * context allocates twice on first use, which costs more than hashing a small request. A global
 * pool, not thread-local, so that leak checkers see what is kept. */
struct ctx2 {
	EVP_MD_CTX *a, *b;
};
#define CTX_POOL_N 4
static struct ctx2 ctx_pool[CTX_POOL_N];
static size_t ctx_pool_n;
static pthread_mutex_t ctx_pool_mu = PTHREAD_MUTEX_INITIALIZER;

static struct ctx2 md_ctx_get(void)
{
	struct ctx2 c = { NULL, NULL };
	pthread_mutex_lock(&ctx_pool_mu);
	if (ctx_pool_n)
		c = ctx_pool[--ctx_pool_n];
	pthread_mutex_unlock(&ctx_pool_mu);
	if (!c.a) {
		c.a = md_ctx_new();
		c.b = md_ctx_new();
	}
	return c;
}

static void md_ctx_put(struct ctx2 c)
{
	pthread_mutex_lock(&ctx_pool_mu);
	if (ctx_pool_n < CTX_POOL_N) {
		ctx_pool[ctx_pool_n++] = c;
		c.a = c.b = NULL;
	}
	pthread_mutex_unlock(&ctx_pool_mu);
	EVP_MD_CTX_free(c.a);
	EVP_MD_CTX_free(c.b);
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
	static const char pairs[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
		"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
		"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
	for (size_t i = 0; i < n; i++)
		memcpy(hex + 2 * i, pairs + 2 * d[i], 2);
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
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(inner, sizeof(inner));
}

void tl_sha256_hex(const void *data, size_t n, char hex[65])
{
	unsigned char d[32];
	struct ctx2 c = md_ctx_get();
	sha256_raw(c.a, data, n, d);
	md_ctx_put(c);
	to_hex(d, 32, hex);
}

void tl_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, unsigned char out[32])
{
	struct ctx2 c = md_ctx_get();
	hmac_raw(c.a, key, keylen, msg, n, out);
	md_ctx_put(c);
}

/* ---- signing key cache ------------------------------------------------------------------ */

/* Deriving the key takes four HMACs, as much as the rest of a small signature; and an HMAC
 * under a known key can start from its two pad blocks already hashed, saving a third of its
 * cost. So each entry keeps those two digest states. The lookup compares the inputs themselves:
 * hashing them to find the entry would cost one more digest per signature. The secret is copied
 * here (the process holds it anyway); a secret longer than KEYCACHE_SECRET_MAX is not cached.
 * Entries are wiped when replaced. */
#define KEYCACHE_N 8
#define KEYCACHE_SECRET_MAX 128
struct keycache_ent {
	char secret[KEYCACHE_SECRET_MAX];
	char date[8];
	char region[SCOPE_PART_MAX];
	char service[SCOPE_PART_MAX];
	size_t slen, rlen, svlen;
	EVP_MD_CTX *ipad, *opad; /* SHA-256 after (key ^ ipad) and after (key ^ opad) */
};
static struct keycache_ent keycache[KEYCACHE_N];
static unsigned keycache_next;
static pthread_mutex_t keycache_mu = PTHREAD_MUTEX_INITIALIZER;

static int keycache_match(const struct keycache_ent *e, const char *secret, size_t slen,
			  const char *date, const char *region, size_t rlen, const char *service,
			  size_t svlen)
{
	return e->ipad && e->slen == slen && e->rlen == rlen && e->svlen == svlen &&
	       memcmp(e->date, date, 8) == 0 && memcmp(e->region, region, rlen) == 0 &&
	       memcmp(e->service, service, svlen) == 0 && memcmp(e->secret, secret, slen) == 0;
}

/* The SigV4 signing key: HMAC chain over date, region, service and "aws4_request". */
static void derive_key(EVP_MD_CTX *c, const char *secret, size_t slen, const char *date,
		       const char *region, size_t rlen, const char *service, size_t svlen,
		       unsigned char key[32])
{
	char *k0 = xmalloc(slen + 5);
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, slen + 1);
	unsigned char a[32], b[32];
	hmac_raw(c, k0, slen + 4, date, 8, a);
	hmac_raw(c, a, 32, region, rlen, b);
	hmac_raw(c, b, 32, service, svlen, a);
	hmac_raw(c, a, 32, "aws4_request", 12, key);
	explicit_bzero(k0, slen + 4);
	free(k0);
	explicit_bzero(a, sizeof(a));
	explicit_bzero(b, sizeof(b));
}

/* A new context holding SHA-256 of the 64-byte block key ^ x (key is 32 bytes). */
static EVP_MD_CTX *pad_state(const unsigned char key[32], unsigned char x)
{
	unsigned char pad[64];
	for (size_t i = 0; i < 64; i++)
		pad[i] = (unsigned char)((i < 32 ? key[i] : 0) ^ x);
	EVP_MD_CTX *m = md_ctx_new();
	if (!EVP_DigestInit_ex(m, md_sha256(), NULL) || !EVP_DigestUpdate(m, pad, 64))
		tl_die(1, "sha256 failed");
	explicit_bzero(pad, sizeof(pad));
	return m;
}

static void copy_state(EVP_MD_CTX *dst, const EVP_MD_CTX *src)
{
	if (!EVP_MD_CTX_copy_ex(dst, src))
		tl_die(1, "sha256 context copy failed");
}

/* The signature: HMAC-SHA256 of sts under the signing key of (secret, date, region, service),
 * into out. date: the 8 digits YYYYMMDD (not terminated); region and service are checked. */
static void sign_sts(struct ctx2 c, const char *secret, const char *date, const char *region,
		     size_t rlen, const char *service, size_t svlen, const char *sts, size_t n,
		     unsigned char out[32])
{
	size_t slen = strlen(secret);
	int hit = 0;
	if (slen <= KEYCACHE_SECRET_MAX) {
		pthread_mutex_lock(&keycache_mu);
		for (size_t i = 0; i < KEYCACHE_N && !hit; i++) {
			struct keycache_ent *e = &keycache[i];
			if (keycache_match(e, secret, slen, date, region, rlen, service, svlen)) {
				copy_state(c.a, e->ipad);
				copy_state(c.b, e->opad);
				hit = 1;
			}
		}
		pthread_mutex_unlock(&keycache_mu);
	}
	if (!hit) {
		unsigned char key[32];
		derive_key(c.a, secret, slen, date, region, rlen, service, svlen, key);
		if (slen > KEYCACHE_SECRET_MAX) {
			hmac_raw(c.a, key, 32, sts, n, out);
			explicit_bzero(key, sizeof(key));
			return;
		}
		EVP_MD_CTX *ipad = pad_state(key, 0x36), *opad = pad_state(key, 0x5c);
		explicit_bzero(key, sizeof(key));
		pthread_mutex_lock(&keycache_mu);
		struct keycache_ent *e = &keycache[keycache_next++ % KEYCACHE_N];
		EVP_MD_CTX_free(e->ipad);
		EVP_MD_CTX_free(e->opad);
		explicit_bzero(e, sizeof(*e));
		memcpy(e->secret, secret, slen);
		e->slen = slen;
		memcpy(e->date, date, 8);
		memcpy(e->region, region, rlen);
		e->rlen = rlen;
		memcpy(e->service, service, svlen);
		e->svlen = svlen;
		e->ipad = ipad;
		e->opad = opad;
		copy_state(c.a, ipad);
		copy_state(c.b, opad);
		pthread_mutex_unlock(&keycache_mu);
	}
	unsigned char inner[32];
	unsigned int len = 0;
	if (!EVP_DigestUpdate(c.a, sts, n) || !EVP_DigestFinal_ex(c.a, inner, &len) ||
	    !EVP_DigestUpdate(c.b, inner, 32) || !EVP_DigestFinal_ex(c.b, out, &len))
		tl_die(1, "sha256 failed");
	explicit_bzero(inner, sizeof(inner));
}

/* ---- encoding --------------------------------------------------------------------------- */

char *tl_sigv4_uri_encode(const char *s, size_t n, int encode_slash)
{
	if (n > (SIZE_MAX - 1) / 3)
		tl_die(1, "out of memory (uri encode of %zu bytes)", n);
	char *r = xmalloc(3 * n + 1);
	*tl_pct_encode(r, s, n, encode_slash) = '\0';
	return r;
}

/* ---- input checks ----------------------------------------------------------------------- */

/* RFC 9110 tchar: ALPHA DIGIT and !#$%&'*+-.^_`|~, as a bit mask over ASCII. */
static int is_tchar(unsigned char ch)
{
	static const uint64_t mask[2] = { 0x03ff6cfa00000000ULL, 0x57ffffffc7fffffeULL };
	return ch < 128 && (mask[ch >> 6] >> (ch & 63) & 1);
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
	for (;;) {
		while ((unsigned char)*s >= 0x20 && *s != 0x7f)
			s++;
		if (!*s)
			return 1;
		if (!(tab_ok && *s == '\t'))
			return 0;
		s++;
	}
}

/* Region and service become part of the credential scope, split on "/" by the server. */
/* Its length, or 0 when s is not [A-Za-z0-9._-]{1,63}. */
static size_t scope_part_len(const char *s)
{
	const char *b = s;
	if (!s)
		return 0;
	while (tl_is_unreserved((unsigned char)*s) && *s != '~')
		s++;
	return *s || s == b || s - b > SCOPE_PART_MAX ? 0 : (size_t)(s - b);
}

/* Its length, or 0 when s is empty or holds anything but printable ASCII other than space and
 * the separators of the Credential field (/ , =). */
static size_t access_key_len(const char *s)
{
	const char *b = s;
	if (!s)
		return 0;
	while ((unsigned char)(*s - 0x21) < 0x5e && *s != '/' && *s != ',' && *s != '=')
		s++;
	return *s ? 0 : (size_t)(s - b);
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
	const char *value; /* trimmed, inner runs of blanks made one space, in the arena */
	size_t nlen, vlen;
	size_t order;      /* position in the request: duplicates keep their order */
	int dup;           /* same name as the previous one, once sorted */
};

static int hdr_less(const struct hdr *x, const struct hdr *y)
{
	int c = strcmp(x->name, y->name);
	return c < 0 || (c == 0 && x->order < y->order);
}

/* Insertion sort: a request has a handful of headers, often nearly sorted, and qsort's
 * indirect calls and merge buffer cost more than the sorting. Stable. */
static void sort_headers(struct hdr *h, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct hdr x = h[i];
		size_t j = i;
		for (; j > 0 && hdr_less(&x, &h[j - 1]); j--)
			h[j] = h[j - 1];
		h[j] = x;
	}
}

static int is_unsigned_header(const char *lname, size_t n)
{
	for (size_t i = 0; i < sizeof(unsigned_headers) / sizeof(*unsigned_headers); i++)
		if (lname[0] == unsigned_headers[i][0] && strlen(unsigned_headers[i]) == n &&
		    memcmp(lname, unsigned_headers[i], n) == 0)
			return 1;
	return 0;
}

/* Copies the header name s lowercased and NUL-terminated into o; returns the end (at the NUL),
 * or NULL when s is not an HTTP token. */
static char *put_lower(char *o, const char *s)
{
	/* tchar lowercased; 0 for bytes that are not tchar (and for 128..255) */
	static const unsigned char lower[128] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 33, 0, 35, 36, 37, 38, 39, 0, 0, 42, 43, 0, 45, 46, 0,
		48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 0, 0, 0, 0, 0, 0,
		0, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
		112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 0, 0, 0, 94, 95,
		96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
		112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 0, 124, 0, 126, 0,
	};
	if (!*s)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 128 || !lower[ch])
			return NULL;
		*o++ = (char)lower[ch];
	}
	*o = '\0';
	return o;
}

/* Copies the header value s with leading and trailing blanks dropped and inner runs of blanks
 * made one space, NUL-terminated; returns the end (at the NUL), or NULL when s holds a control
 * character other than tab (a CR or LF would let a value forge canonical lines). */
static char *put_trimmed(char *o, const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	for (;;) {
		const char *run = s;
		while ((unsigned char)*s > 0x20 && *s != 0x7f)
			s++;
		memcpy(o, run, (size_t)(s - run));
		o += s - run;
		if (!*s)
			break;
		if (*s != ' ' && *s != '\t')
			return NULL;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		*o++ = ' ';
	}
	*o = '\0';
	return o;
}

static char *put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

/* A request that carries its own x-amz-content-sha256 states its payload hash: the server checks
 * the canonical request against that header, so it must be the one signed (botocore does so). */
static char *content_sha256_header(const struct tl_sigv4_request *req)
{
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct tl_sigv4_header *h = &req->headers[i];
		if (h->name && h->value && strcasecmp(h->name, "x-amz-content-sha256") == 0) {
			char *v = xmalloc(strlen(h->value) + 1);
			if (!put_trimmed(v, h->value)) {
				free(v);
				return NULL; /* refused later, with the other headers */
			}
			return v;
		}
	}
	return NULL;
}

/* ---- signing ---------------------------------------------------------------------------- */

/* Most requests have a few short headers: these stay on the stack. */
#define STACK_HDRS 16
#define STACK_ARENA 2048

struct signer {
	const struct tl_sigv4_params *p;
	const struct tl_sigv4_request *req;
	int presign;
	const char *token; /* NULL when none */
	size_t token_len;
	size_t plen, qn, aklen, rlen, svlen; /* lengths of path, query, access key, region, service */
	size_t qroom;      /* room the canonical query needs */
	char amz_date[17];
	char scope[SCOPE_MAX + 1];
	size_t scope_len;
	char payload[65];
	const char *payload_str; /* payload, the caller's hash, or UNSIGNED-PAYLOAD */
	size_t payload_len;
	char *payload_hdr;
	struct hdr *h;     /* sorted signed headers */
	size_t nh;
	char *arena;       /* names, values and the SignedHeaders list */
	const char *signed_headers;
	size_t sh_len;
	size_t hdr_bytes;  /* length of the canonical headers block */
	struct hdr hstack[STACK_HDRS];
	char astack[STACK_ARENA];
};

static void signer_release(struct signer *s)
{
	if (s->h != s->hstack)
		free(s->h);
	if (s->arena != s->astack)
		free(s->arena);
	free(s->payload_hdr);
}

/* Everything but the headers, which collect_headers checks as it copies them. */
static int check_input(struct signer *s, const struct tl_sigv4_params *p,
		       const struct tl_sigv4_request *req, int presign, const char **err)
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
	if (!(s->aklen = access_key_len(p->access_key)))
		FAIL("sigv4: bad access key id");
	if (!p->secret_key || !*p->secret_key)
		FAIL("sigv4: no secret key");
	if (p->session_token && !no_ctl(p->session_token, 0))
		FAIL("sigv4: bad session token");
	if (!(s->rlen = scope_part_len(p->region)))
		FAIL("sigv4: bad region");
	if (!(s->svlen = scope_part_len(p->service)))
		FAIL("sigv4: bad service");
	if (p->time < 0 || p->time > TIME_MAX)
		FAIL("sigv4: time out of range");
	if (presign && (p->expires < 1 || p->expires > EXPIRES_MAX))
		FAIL("sigv4: expires out of range (1..604800 seconds)");
	return 0;
#undef FAIL
}

/* Our own headers replace the caller's: a stale date, token or signature from a retried
 * request must not be signed. */
static int is_replaced(const struct signer *s, const char *lname, size_t n)
{
	switch (n) {
	case 10:
		return memcmp(lname, "x-amz-date", 10) == 0;
	case 13:
		return memcmp(lname, "authorization", 13) == 0;
	case 20:
		if (s->token && memcmp(lname, "x-amz-security-token", 20) == 0)
			return 1;
		return !s->presign &&
		       (s->p->flags & (TL_SIGV4_CONTENT_SHA256 | TL_SIGV4_UNSIGNED_PAYLOAD)) &&
		       memcmp(lname, "x-amz-content-sha256", 20) == 0;
	default:
		return 0;
	}
}

/* Checks, selects, normalizes and sorts the headers to sign; builds the SignedHeaders list. */
static int collect_headers(struct signer *s, const char **err)
{
	const struct tl_sigv4_request *req = s->req;
	const struct tl_sigv4_params *p = s->p;
	int add_token = !s->presign && s->token && !(p->flags & TL_SIGV4_OMIT_SESSION_TOKEN);
	int add_sha = !s->presign && (p->flags & (TL_SIGV4_CONTENT_SHA256 | TL_SIGV4_UNSIGNED_PAYLOAD));
	/* each name twice (itself and in SignedHeaders), each value once, and terminators */
	size_t size = 3 * (2 * 21 + 3) + 16 + s->token_len + s->payload_len;
	for (size_t i = 0; i < req->nheaders; i++) {
		if (!req->headers[i].name || !req->headers[i].value) {
			*err = "sigv4: bad header";
			return -1;
		}
		size += 2 * strlen(req->headers[i].name) + strlen(req->headers[i].value) + 3;
	}
	s->arena = size <= sizeof(s->astack) ? s->astack : xmalloc(size);
	s->h = req->nheaders + 3 <= STACK_HDRS ? s->hstack : xmalloc((req->nheaders + 3) * sizeof(*s->h));

	char *o = s->arena;
	size_t n = 0;
	int host = 0;
	for (size_t i = 0; i < req->nheaders; i++) {
		char *name = o, *end = put_lower(o, req->headers[i].name);
		if (!end) {
			*err = "sigv4: bad header name";
			return -1;
		}
		host |= end - name == 4 && memcmp(name, "host", 4) == 0;
		if (is_unsigned_header(name, (size_t)(end - name)) ||
		    is_replaced(s, name, (size_t)(end - name))) {
			if (!no_ctl(req->headers[i].value, 1)) {
				*err = "sigv4: bad header value";
				return -1;
			}
			continue;
		}
		s->h[n].name = name;
		s->h[n].nlen = (size_t)(end - name);
		s->h[n].value = end + 1;
		o = put_trimmed(end + 1, req->headers[i].value);
		if (!o) {
			*err = "sigv4: bad header value";
			return -1;
		}
		s->h[n].vlen = (size_t)(o - s->h[n].value);
		o++;
		s->h[n].order = n;
		n++;
	}
	if (!host) {
		*err = "sigv4: no Host header";
		return -1;
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
			size_t nl = strlen(add[i][0]);
			s->h[n].name = o;
			o = put(o, add[i][0], nl + 1) - 1;
			s->h[n].nlen = nl;
			s->h[n].value = ++o;
			o = put_trimmed(o, add[i][1]); /* token and payload were checked: never NULL */
			s->h[n].vlen = (size_t)(o - s->h[n].value);
			o++;
			s->h[n].order = n;
			n++;
		}
	}
	sort_headers(s->h, n);
	s->nh = n;

	char *sh = o;
	s->hdr_bytes = 0;
	for (size_t i = 0; i < n; i++) {
		s->h[i].dup = i && s->h[i].nlen == s->h[i - 1].nlen &&
			      memcmp(s->h[i].name, s->h[i - 1].name, s->h[i].nlen) == 0;
		if (s->h[i].dup) {
			s->hdr_bytes += 1 + s->h[i].vlen; /* ",value" */
			continue;
		}
		s->hdr_bytes += s->h[i].nlen + 2 + s->h[i].vlen; /* "name:value\n" */
		if (o != sh)
			*o++ = ';';
		o = put(o, s->h[i].name, s->h[i].nlen);
	}
	*o = '\0';
	s->signed_headers = sh;
	s->sh_len = (size_t)(o - sh);
	return 0;
}

/* Writes the canonical URI at o (room: 3 * strlen(path) + 2); returns the end. */
static char *put_canonical_uri(char *o, const struct signer *s)
{
	const char *path = s->req->path;
	size_t n = s->plen;
	int dbl = (s->p->flags & TL_SIGV4_DOUBLE_ENCODE) != 0;
	if (n == 0) {
		*o++ = '/';
		return o;
	}
	if (!(s->p->flags & TL_SIGV4_NORMALIZE_PATH))
		return dbl ? tl_pct_encode(o, path, n, false) : put(o, path, n);

	/* RFC 3986 remove_dot_segments, with empty segments dropped as every AWS SDK does */
	size_t sstack[2 * 32], *seg = sstack, nseg = 0, maxseg = n / 2 + 1;
	if (maxseg > 32)
		seg = xmalloc(2 * maxseg * sizeof(*seg));
	for (size_t i = 0; i <= n;) {
		size_t j = i;
		while (j < n && path[j] != '/')
			j++;
		size_t len = j - i;
		if (len == 0 || (len == 1 && path[i] == '.')) {
			/* nothing */
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
	char *start = o;
	if (path[0] == '/')
		*o++ = '/';
	for (size_t i = 0; i < nseg; i++) {
		if (i)
			*o++ = '/';
		o = dbl ? tl_pct_encode(o, path + seg[2 * i], seg[2 * i + 1], true)
			: put(o, path + seg[2 * i], seg[2 * i + 1]);
	}
	if (nseg && path[n - 1] == '/')
		*o++ = '/';
	if (o == start)
		*o++ = '/'; /* a relative path that normalized to nothing */
	if (seg != sstack)
		free(seg);
	return o;
}

struct qparam {
	const char *k, *v; /* encoded, NUL-terminated */
	size_t klen, vlen;
};

static int qparam_less(const struct qparam *x, const struct qparam *y)
{
	int c = strcmp(x->k, y->k);
	return c < 0 || (c == 0 && strcmp(x->v, y->v) < 0);
}

static void sort_params(struct qparam *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct qparam x = v[i];
		size_t j = i;
		for (; j > 0 && qparam_less(&x, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

static char *put_u64(char *o, uint64_t v)
{
	char d[24];
	size_t n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*o++ = d[--n];
	return o;
}

/* Room put_canonical_query needs. */
static size_t canonical_query_room(const struct signer *s)
{
	size_t nparam = 1;
	for (size_t i = 0; i < s->qn; i++)
		nparam += s->req->query[i] == '&';
	size_t room = 3 * s->qn + 2 * nparam + 1;
	if (s->presign)
		room += 3 * (s->aklen + 1 + s->scope_len + s->token_len + s->sh_len) + 200;
	return room;
}

/* Writes the canonical query string at o (room: canonical_query_room), returns the end: each
 * parameter decoded then encoded again (so the raw and the percent-encoded spelling of a name
 * sign alike), sorted by key then value; a key without "=" has an empty value; empty "&&"
 * segments are skipped. With presign, the X-Amz-* authentication parameters join the sort. */
static char *put_canonical_query(char *o, const struct signer *s)
{
	const char *q = s->req->query ? s->req->query : "";
	size_t qn = s->qn, nparam = 1, room = s->qroom;
	if (!qn && !s->presign)
		return o;
	for (size_t i = 0; i < qn; i++)
		nparam += q[i] == '&';
	if (s->presign)
		nparam += 6;
	struct qparam vstack[16], *v = nparam <= 16 ? vstack : xmalloc(nparam * sizeof(*v));
	char astack[1024], *arena = room <= sizeof(astack) ? astack : xmalloc(room), *a = arena;
	char tstack[512], *tmp = qn < sizeof(tstack) ? tstack : xmalloc(qn + 1);
	size_t n = 0;

	for (size_t i = 0; i < qn;) {
		size_t j = i;
		while (j < qn && q[j] != '&')
			j++;
		if (j > i) {
			const char *eq = memchr(q + i, '=', j - i);
			size_t klen = eq ? (size_t)(eq - (q + i)) : j - i;
			v[n].k = a;
			a = tl_pct_encode(a, tmp, tl_pct_decode(q + i, klen, tmp), true);
			v[n].klen = (size_t)(a - v[n].k);
			*a++ = '\0';
			v[n].v = a;
			if (eq)
				a = tl_pct_encode(a, tmp, tl_pct_decode(eq + 1, (size_t)(q + j - eq - 1), tmp), true);
			v[n].vlen = (size_t)(a - v[n].v);
			*a++ = '\0';
			n++;
		}
		i = j + 1;
	}
	if (s->presign) {
		static const char *const names[6] = {
			"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
			"X-Amz-Security-Token", "X-Amz-SignedHeaders",
		};
		for (size_t i = 0; i < 6; i++) {
			if (i == 4 && (!s->token || (s->p->flags & TL_SIGV4_OMIT_SESSION_TOKEN)))
				continue;
			v[n].k = a;
			a = put(a, names[i], strlen(names[i]));
			v[n].klen = (size_t)(a - v[n].k);
			*a++ = '\0';
			v[n].v = a;
			switch (i) {
			case 0:
				a = put(a, ALGORITHM, strlen(ALGORITHM));
				break;
			case 1: /* access key and scope */
				a = tl_pct_encode(a, s->p->access_key, s->aklen, true);
				a = tl_pct_encode(a, "/", 1, true);
				a = tl_pct_encode(a, s->scope, s->scope_len, true);
				break;
			case 2:
				a = put(a, s->amz_date, 16);
				break;
			case 3:
				a = put_u64(a, (uint64_t)s->p->expires);
				break;
			case 4:
				a = tl_pct_encode(a, s->token, s->token_len, true);
				break;
			default:
				a = tl_pct_encode(a, s->signed_headers, s->sh_len, true);
				break;
			}
			v[n].vlen = (size_t)(a - v[n].v);
			*a++ = '\0';
			n++;
		}
	}
	if (n <= 16)
		sort_params(v, n);
	else
		qsort(v, n, sizeof(*v), qparam_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			*o++ = '&';
		o = put(o, v[i].k, v[i].klen);
		*o++ = '=';
		o = put(o, v[i].v, v[i].vlen);
	}
	if (arena != astack)
		free(arena);
	if (tmp != tstack)
		free(tmp);
	if (v != vstack)
		free(v);
	return o;
}

static void put_2d(char *o, int v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
}

#define AUTH_PREFIX ALGORITHM " Credential="
#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

/* Checks the input and gathers what every stage needs: the date, the scope, the payload hash,
 * the sorted signed headers. On failure the signer holds nothing to release. */
static int signer_init(struct signer *s, const struct tl_sigv4_params *p,
		       const struct tl_sigv4_request *req, int presign, EVP_MD_CTX *md,
		       const char **err)
{
	if (check_input(s, p, req, presign, err) < 0)
		return -1;
	s->p = p;
	s->req = req;
	s->presign = presign;
	s->token = p->session_token && *p->session_token ? p->session_token : NULL;
	s->token_len = s->token ? strlen(s->token) : 0;
	s->plen = strlen(req->path);
	s->qn = req->query ? strlen(req->query) : 0;
	s->payload_hdr = NULL;
	s->h = s->hstack;
	s->arena = s->astack;

	struct tl_tm tm;
	tl_time_split(p->time * 1000, &tm);
	put_2d(s->amz_date, tm.year / 100);
	put_2d(s->amz_date + 2, tm.year % 100);
	put_2d(s->amz_date + 4, tm.month);
	put_2d(s->amz_date + 6, tm.day);
	s->amz_date[8] = 'T';
	put_2d(s->amz_date + 9, tm.hour);
	put_2d(s->amz_date + 11, tm.min);
	put_2d(s->amz_date + 13, tm.sec);
	s->amz_date[15] = 'Z';
	s->amz_date[16] = '\0';
	char *o = put(s->scope, s->amz_date, 8);
	*o++ = '/';
	o = put(o, p->region, s->rlen);
	*o++ = '/';
	o = put(o, p->service, s->svlen);
	o = put(o, "/aws4_request", 14);
	s->scope_len = (size_t)(o - s->scope) - 1;

	if (p->flags & TL_SIGV4_UNSIGNED_PAYLOAD) {
		s->payload_str = "UNSIGNED-PAYLOAD";
	} else if (req->payload_hash) {
		s->payload_str = req->payload_hash;
	} else if (!(p->flags & TL_SIGV4_CONTENT_SHA256) &&
		   (s->payload_hdr = content_sha256_header(req))) {
		s->payload_str = s->payload_hdr;
	} else if (req->body_len == 0) {
		s->payload_str = EMPTY_SHA256; /* GET, HEAD, DELETE: no need to hash nothing */
	} else {
		unsigned char d[32];
		sha256_raw(md, req->body, req->body_len, d);
		to_hex(d, 32, s->payload);
		s->payload_str = s->payload;
	}
	s->payload_len = strlen(s->payload_str);
	if (collect_headers(s, err) < 0) {
		signer_release(s);
		return -1;
	}
	s->qroom = canonical_query_room(s);
	return 0;
}

/* Room for the canonical request (its NUL included). */
static size_t canonical_request_room(const struct signer *s)
{
	size_t uri_room = (s->p->flags & TL_SIGV4_DOUBLE_ENCODE ? 3 * s->plen : s->plen) + 2;
	return strlen(s->req->method) + 1 + uri_room + 1 + s->qroom + 1 + s->hdr_bytes + 1 +
	       s->sh_len + 1 + s->payload_len + 1;
}

/* Stage 1, the canonical request: method, URI, query, headers, signed headers, payload hash,
 * one a line, NUL-terminated at o. Returns the end (past the NUL); *q and *qlen give the
 * canonical query within it (presigning sends it as it is). */
static char *put_canonical_request(char *o, const struct signer *s, char **q, size_t *qlen)
{
	o = put(o, s->req->method, strlen(s->req->method));
	*o++ = '\n';
	o = put_canonical_uri(o, s);
	*o++ = '\n';
	*q = o;
	o = put_canonical_query(o, s);
	*qlen = (size_t)(o - *q);
	*o++ = '\n';
	for (size_t i = 0; i < s->nh; i++) {
		if (s->h[i].dup) {
			o[-1] = ','; /* a repeated header: values joined with "," */
		} else {
			o = put(o, s->h[i].name, s->h[i].nlen);
			*o++ = ':';
		}
		o = put(o, s->h[i].value, s->h[i].vlen);
		*o++ = '\n';
	}
	*o++ = '\n';
	o = put(o, s->signed_headers, s->sh_len);
	*o++ = '\n';
	o = put(o, s->payload_str, s->payload_len);
	*o++ = '\0';
	return o;
}

/* The length of the string to sign, without its NUL. */
static size_t string_to_sign_len(const struct signer *s)
{
	return sizeof(ALGORITHM) + 17 + s->scope_len + 1 + 64;
}

/* Stage 2, the string to sign: the algorithm, the date, the scope and the canonical request's
 * hash, NUL-terminated at o. Returns the end (past the NUL). */
static char *put_string_to_sign(char *o, const struct signer *s, const unsigned char creq_hash[32])
{
	o = put(o, ALGORITHM "\n", sizeof(ALGORITHM));
	o = put(o, s->amz_date, 16);
	*o++ = '\n';
	o = put(o, s->scope, s->scope_len);
	*o++ = '\n';
	to_hex(creq_hash, 32, o);
	o[64] = '\0';
	return o + 65;
}

/* Room for the Authorization header's value (its NUL included). */
static size_t authorization_room(const struct signer *s)
{
	return sizeof(AUTH_PREFIX) - 1 + s->aklen + 1 + s->scope_len +
	       sizeof(", SignedHeaders=") - 1 + s->sh_len + sizeof(", Signature=") - 1 + 64 + 1;
}

/* Stage 3, the authorization: the Authorization header's value for signature (64 hex digits),
 * NUL-terminated at o. Returns the end (past the NUL). */
static char *put_authorization(char *o, const struct signer *s, const char *signature)
{
	o = PUT_LIT(o, AUTH_PREFIX);
	o = put(o, s->p->access_key, s->aklen);
	*o++ = '/';
	o = put(o, s->scope, s->scope_len);
	o = PUT_LIT(o, ", SignedHeaders=");
	o = put(o, s->signed_headers, s->sh_len);
	o = PUT_LIT(o, ", Signature=");
	o = put(o, signature, 64);
	*o++ = '\0';
	return o;
}

/* Stage 3 of a presigned request: the whole query to send (the canonical query q, which is a
 * valid encoding of the parameters, then the signature and, when it was not signed, the token),
 * NUL-terminated at o. Returns the end (past the NUL). */
static char *put_presigned_query(char *o, const struct signer *s, const char *q, size_t qlen,
				 const char *signature)
{
	o = put(o, q, qlen);
	o = PUT_LIT(o, "&X-Amz-Signature=");
	o = put(o, signature, 64);
	if (s->token && (s->p->flags & TL_SIGV4_OMIT_SESSION_TOKEN)) {
		o = PUT_LIT(o, "&X-Amz-Security-Token=");
		o = tl_pct_encode(o, s->token, s->token_len, true);
	}
	*o++ = '\0';
	return o;
}

/* Adds a header the caller must send; its value is copied to o. Returns the end. */
static char *add_header(struct tl_sigv4_result *out, char *o, const char *name, const char *v,
			size_t n)
{
	out->add_headers[out->nadd].name = name;
	out->add_headers[out->nadd++].value = o;
	o = put(o, v, n);
	*o++ = '\0';
	return o;
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
	struct signer s;
	struct ctx2 c = md_ctx_get();
	if (signer_init(&s, p, req, presign, c.a, err) < 0) {
		md_ctx_put(c);
		return -1;
	}

	/* All results live in one allocation, the canonical request first: one malloc, one free. */
	size_t creq_room = canonical_request_room(&s), sts_len = string_to_sign_len(&s);
	size_t total = creq_room + sts_len + 1 + 65;
	if (presign)
		total += 17 + s.qroom + sizeof("&X-Amz-Signature=") + 64 + 3 * s.token_len + 32;
	else
		total += 17 + s.token_len + 1 + s.payload_len + 1 + authorization_room(&s);
	char *mem = xmalloc(total);
	out->mem_len = total;

	unsigned char d[32];
	char *q;
	size_t qlen;
	out->canonical_request = mem;
	char *o = put_canonical_request(mem, &s, &q, &qlen);
	sha256_raw(c.a, mem, (size_t)(o - mem - 1), d);
	out->string_to_sign = mem + creq_room;
	o = put_string_to_sign(out->string_to_sign, &s, d);
	sign_sts(c, p->secret_key, s.amz_date, p->region, s.rlen, p->service, s.svlen,
		 out->string_to_sign, sts_len, d);
	md_ctx_put(c);
	out->signature = o;
	to_hex(d, 32, o);
	o[64] = '\0';
	o += 65;

	out->amz_date = o;
	o = put(o, s.amz_date, 17);
	if (presign) {
		out->query = o;
		put_presigned_query(o, &s, q, qlen, out->signature);
	} else {
		/* in the order to send: X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256,
		 * Authorization */
		out->add_headers[out->nadd].name = "X-Amz-Date";
		out->add_headers[out->nadd++].value = out->amz_date;
		if (s.token)
			o = add_header(out, o, "X-Amz-Security-Token", s.token, s.token_len);
		if (p->flags & (TL_SIGV4_CONTENT_SHA256 | TL_SIGV4_UNSIGNED_PAYLOAD)) {
			out->content_sha256 = o;
			o = add_header(out, o, "x-amz-content-sha256", s.payload_str, s.payload_len);
		}
		out->authorization = o;
		out->add_headers[out->nadd].name = "Authorization";
		out->add_headers[out->nadd++].value = o;
		put_authorization(o, &s, out->signature);
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
	if (r->canonical_request) {
		/* the one allocation that holds every string, the session token among them */
		explicit_bzero(r->canonical_request, r->mem_len);
		free(r->canonical_request);
	}
	memset(r, 0, sizeof(*r));
}
