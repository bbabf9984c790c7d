/* tl_sigv4.h: AWS Signature Version 4, pure functions over OpenSSL (no I/O, no globals except a
 * small thread-safe cache of derived signing keys per secret/date/region/service).
 *
 * Three visible stages, as aws-c-auth does (in tl_sigv4.c: put_canonical_request,
 * put_string_to_sign, then the signature and put_authorization, or put_presigned_query): an
 * Authorization header (tl_sigv4_sign) or a presigned query (tl_sigv4_presign).
 * Checked against every case of aws-c-auth's and botocore's suites (tests/unit/test_sigv4_suite.c)
 * and against botocore's signers on generated requests (tests/t0100-sigv4-botocore.sh).
 *
 * Rules by flag:
 *   generic services (Glue, Athena, STS, the test suites): TL_SIGV4_NORMALIZE_PATH |
 *     TL_SIGV4_DOUBLE_ENCODE — the path is normalized (RFC 3986 remove_dot_segments, repeated
 *     slashes collapsed) and each segment is URI-encoded again;
 *   S3: neither flag — the path is used exactly as it will be sent; add TL_SIGV4_CONTENT_SHA256
 *     so the x-amz-content-sha256 header is added and signed, with the body's hash or, with
 *     TL_SIGV4_UNSIGNED_PAYLOAD, the literal "UNSIGNED-PAYLOAD".
 * Headers that proxies and libcurl add or change are never signed: botocore's list, User-Agent,
 * Expect, Transfer-Encoding, Connection, Keep-Alive, TE, Trailer, Upgrade, Proxy-Authenticate,
 * Proxy-Authorization and X-Amzn-Trace-Id (Content-Length is kept). A non-default port stays in
 * the Host header, which the caller gives.
 *
 * Canonical form, as both suites and botocore expect:
 *   - header names lowercased; values trimmed, inner runs of spaces/tabs made one space; a header
 *     given several times is one line, its values joined with "," in the order given;
 *   - query: split on "&" (empty segments skipped), each key and value percent-decoded then
 *     encoded again (so "%7e", "~" and a raw UTF-8 byte sign alike), "k" without "=" as "k=",
 *     sorted by encoded key, then by encoded value;
 *   - the caller's X-Amz-Date and Authorization headers are ignored (a retried request carries
 *     stale ones), and so is its X-Amz-Security-Token when a session token is given and its
 *     x-amz-content-sha256 when TL_SIGV4_CONTENT_SHA256 or TL_SIGV4_UNSIGNED_PAYLOAD is set.
 *     Otherwise a caller's x-amz-content-sha256 is the payload hash, as in botocore.
 */
#ifndef TL_SIGV4_H
#define TL_SIGV4_H
#include <stddef.h>
#include <stdint.h>

enum tl_sigv4_flags {
	TL_SIGV4_NORMALIZE_PATH = 1 << 0,
	TL_SIGV4_DOUBLE_ENCODE = 1 << 1,
	TL_SIGV4_CONTENT_SHA256 = 1 << 2,    /* add and sign x-amz-content-sha256 */
	TL_SIGV4_UNSIGNED_PAYLOAD = 1 << 3,  /* payload hash "UNSIGNED-PAYLOAD" (header added too) */
	TL_SIGV4_OMIT_SESSION_TOKEN = 1 << 4, /* the token is sent but not signed (IoT style) */
};

#define TL_SIGV4_GENERIC (TL_SIGV4_NORMALIZE_PATH | TL_SIGV4_DOUBLE_ENCODE)
#define TL_SIGV4_S3 (TL_SIGV4_CONTENT_SHA256)

struct tl_sigv4_header {
	const char *name;
	const char *value;
};

struct tl_sigv4_request {
	const char *method;                    /* "GET" */
	const char *path;                      /* as on the wire: "/bucket/a%20b.json.gz" */
	const char *query;                     /* raw query without "?", or NULL */
	const struct tl_sigv4_header *headers; /* including Host; duplicates allowed; no CR/LF */
	size_t nheaders;
	const void *body;                      /* hashed unless payload_hash is given */
	size_t body_len;
	const char *payload_hash;              /* precomputed lowercase hex SHA-256, or NULL */
};

struct tl_sigv4_params {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL or "" for none */
	const char *region;        /* [A-Za-z0-9._-], at most 63 characters; so is service */
	const char *service;
	int64_t time;              /* epoch seconds of the signature (1970..9999) */
	unsigned flags;            /* enum tl_sigv4_flags */
	int64_t expires;           /* presign: X-Amz-Expires seconds (1..604800) */
};

/* What signing produced. All strings are owned by the result and share one allocation: free
 * them with tl_sigv4_result_free only, never one by one (copy one to keep it longer). */
struct tl_sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *signature;        /* lowercase hex */
	char *authorization;    /* header value (tl_sigv4_sign only) */
	char *amz_date;         /* "20150830T123600Z": send as X-Amz-Date */
	char *content_sha256;   /* x-amz-content-sha256 (sign with CONTENT_SHA256/UNSIGNED_PAYLOAD) */
	char *query;            /* tl_sigv4_presign: the full signed query string (no "?") */
	/* Headers the caller must add to the request it sends, in order (X-Amz-Date,
	 * X-Amz-Security-Token, x-amz-content-sha256, Authorization): names are static text, values
	 * point into the result. */
	struct tl_sigv4_header add_headers[4];
	size_t nadd;
	size_t mem_len;         /* private: the size of the one allocation (wiped when freed) */
};

/* Signs req with an Authorization header. Returns 0, or -1 with *err (static text; err may be
 * NULL) for bad input: missing Host, a method or header name that is not an HTTP token, a control
 * character (tab aside, in values) in the path, query, a header or the token, a bad region or
 * service, time or (presign) expires out of range. On failure *out is zeroed (freeing it is
 * harmless). Neither blocks nor retries; exits only when memory runs out (x* allocation).
 * Thread-safe; the signing key of the last few secret/date/region/service is cached. */
int tl_sigv4_sign(const struct tl_sigv4_params *p, const struct tl_sigv4_request *req,
		  struct tl_sigv4_result *out, const char **err);
/* Presigns req (query-string authentication, X-Amz-Expires = p->expires, 1..604800). Same
 * contract. out->query is the whole query to send: the caller's parameters in canonical form, the
 * X-Amz-* ones, X-Amz-Signature (and X-Amz-Security-Token after it with
 * TL_SIGV4_OMIT_SESSION_TOKEN). The payload hash is the body's unless TL_SIGV4_UNSIGNED_PAYLOAD
 * (what S3 expects) or payload_hash; TL_SIGV4_CONTENT_SHA256 adds no header here. No headers
 * to add (nadd is 0). */
int tl_sigv4_presign(const struct tl_sigv4_params *p, const struct tl_sigv4_request *req,
		     struct tl_sigv4_result *out, const char **err);
/* Zeroes and frees the strings of r (they may hold the session token) and zeroes r; r may be
 * NULL, failed or already freed. */
void tl_sigv4_result_free(struct tl_sigv4_result *r);

/* Building blocks, exposed for tests and for the S3 layer. */
/* URI-encodes n bytes of s per SigV4 (unreserved A-Z a-z 0-9 - _ . ~ kept, every other byte
 * as %XX in uppercase hex; encode_slash decides "/"). Never NULL; the caller frees. */
char *tl_sigv4_uri_encode(const char *s, size_t n, int encode_slash);
/* Lowercase hex SHA-256 of data into hex[65]. */
void tl_sha256_hex(const void *data, size_t n, char hex[65]);
/* HMAC-SHA256 (RFC 2104) of msg under key, into out. */
void tl_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, unsigned char out[32]);

#endif
