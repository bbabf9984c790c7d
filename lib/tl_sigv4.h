/* tl_sigv4.h: AWS Signature Version 4, pure functions over OpenSSL (no I/O, no globals except a
 * small thread-safe cache of derived signing keys per secret/date/region/service).
 *
 * Three visible stages, as aws-c-auth does: canonical request -> string to sign -> signature,
 * then either an Authorization header (tl_sigv4_sign) or a presigned query (tl_sigv4_presign).
 *
 * Rules by flag:
 *   generic services (Glue, Athena, STS, the test suites): TL_SIGV4_NORMALIZE_PATH |
 *     TL_SIGV4_DOUBLE_ENCODE — the path is normalized (RFC 3986 remove_dot_segments, repeated
 *     slashes collapsed) and each segment is URI-encoded again;
 *   S3: neither flag — the path is used exactly as it will be sent; add TL_SIGV4_CONTENT_SHA256
 *     so the x-amz-content-sha256 header is added and signed, with the body's hash or, with
 *     TL_SIGV4_UNSIGNED_PAYLOAD, the literal "UNSIGNED-PAYLOAD".
 * Headers that proxies and libcurl add or change (User-Agent, Expect, Transfer-Encoding,
 * Content-Length is kept) are never signed. A non-default port stays in the Host header.
 */
#ifndef TL_SIGV4_H
#define TL_SIGV4_H
#include <stddef.h>
#include <stdint.h>

enum tl_sigv4_flags {
	TL_SIGV4_NORMALIZE_PATH = 1 << 0,
	TL_SIGV4_DOUBLE_ENCODE = 1 << 1,
	TL_SIGV4_CONTENT_SHA256 = 1 << 2,    /* add and sign x-amz-content-sha256 */
	TL_SIGV4_UNSIGNED_PAYLOAD = 1 << 3,  /* payload hash "UNSIGNED-PAYLOAD" */
	TL_SIGV4_OMIT_SESSION_TOKEN = 1 << 4, /* presign: add the token after signing (IoT style) */
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
	const struct tl_sigv4_header *headers; /* including Host; duplicates allowed */
	size_t nheaders;
	const void *body;                      /* hashed unless payload_hash is given */
	size_t body_len;
	const char *payload_hash;              /* precomputed lowercase hex SHA-256, or NULL */
};

struct tl_sigv4_params {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL or "" for none */
	const char *region;
	const char *service;
	int64_t time;              /* epoch seconds of the signature */
	unsigned flags;            /* enum tl_sigv4_flags */
	int64_t expires;           /* presign: X-Amz-Expires seconds (1..604800) */
};

/* What signing produced. All strings are owned by the result; free with tl_sigv4_result_free. */
struct tl_sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *signature;        /* lowercase hex */
	char *authorization;    /* header value (tl_sigv4_sign only) */
	char *amz_date;         /* "20150830T123600Z": send as X-Amz-Date */
	char *content_sha256;   /* send as x-amz-content-sha256 when TL_SIGV4_CONTENT_SHA256 */
	char *query;            /* tl_sigv4_presign: the full signed query string (no "?") */
	/* Headers the caller must add to the request it sends, in order (X-Amz-Date,
	 * X-Amz-Security-Token, x-amz-content-sha256, Authorization), as "Name: value" strings. */
	char *add_headers[4];
	size_t nadd;
};

/* Signs req with an Authorization header. Returns 0, or -1 with *err (static text) for bad input
 * (missing Host, bad method, expires out of range...). */
int tl_sigv4_sign(const struct tl_sigv4_params *p, const struct tl_sigv4_request *req,
		  struct tl_sigv4_result *out, const char **err);
/* Presigns req (query-string authentication, X-Amz-Expires = p->expires). Same contract. */
int tl_sigv4_presign(const struct tl_sigv4_params *p, const struct tl_sigv4_request *req,
		     struct tl_sigv4_result *out, const char **err);
void tl_sigv4_result_free(struct tl_sigv4_result *r);

/* Building blocks, exposed for tests and for the S3 layer. */
/* URI-encodes per SigV4 (unreserved A-Z a-z 0-9 - _ . ~ kept; encode_slash decides "/"). Caller frees. */
char *tl_sigv4_uri_encode(const char *s, size_t n, int encode_slash);
/* Lowercase hex SHA-256 of data into hex[65]. */
void tl_sha256_hex(const void *data, size_t n, char hex[65]);
/* HMAC-SHA256. */
void tl_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n, unsigned char out[32]);

#endif
