/* tl_s3.h: the S3 calls the suite needs, over the signed-request layer (tl_aws.h).
 *
 * Addressing: virtual-hosted ("https://BUCKET.s3.REGION.amazonaws.com/KEY") for the AWS default
 * endpoint; path-style ("ENDPOINT/BUCKET/KEY") for a custom endpoint (--endpoint-url,
 * AWS_ENDPOINT_URL[_S3]: MinIO, moto, Ceph...) and for bucket names with a dot (TLS wildcard
 * certificates do not cover them). Keys are encoded one path segment at a time (RFC 3986
 * unreserved kept, "/" kept), so "dt=2026-11-25/hour=03/a b.json.gz" is sent as
 * "dt%3D2026-11-25/hour%3D03/a%20b.json.gz" and signed the same way.
 *
 * Every call blocks, retries as tl_aws_send does (standard retry mode), and returns 0, or -1 with
 * *err filled (caller frees it with tl_aws_error_free; err may be NULL when the caller does not
 * care). A missing object or bucket gives err->status 404 and err->code "NoSuchKey",
 * "NoSuchBucket" or "NotFound" (HEAD answers have no body). Bodies are checked in flight:
 * PutObject and UploadPart send Content-MD5, so S3 refuses a corrupted body (BadDigest).
 * Nothing here exits or prints to stdout.
 */
#ifndef TL_S3_H
#define TL_S3_H
#include <sys/types.h> /* ssize_t, for tl_http.h */

#include "tl_aws.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- s3:// URLs -------------------------------------------------------------------------- */

struct tl_s3_url {
	char *bucket;
	char *prefix; /* "" or the key prefix without leading or trailing "/" */
};

/* Parses "s3://bucket", "s3://bucket/", "s3://bucket/a/b/" (prefix "a/b"). Checks the bucket
 * name (3-63 of a-z 0-9 . -, starting and ending with a letter or digit). Returns 0, or -1 with
 * *err (caller frees) saying what is wrong. u is filled only on success. */
int tl_s3_url_parse(const char *s, struct tl_s3_url *u, char **err);
void tl_s3_url_free(struct tl_s3_url *u);

/* "s3://bucket/key" for messages and manifests. Caller frees. */
char *tl_s3_url_str(const char *bucket, const char *key);

/* Joins a prefix and a relative key with exactly one "/" ("" prefix: rel alone). Caller frees. */
char *tl_s3_key_join(const char *prefix, const char *rel);

/* Percent-encodes a key for the URL path: each segment URI-encoded (unreserved kept), "/" kept.
 * Caller frees. */
char *tl_s3_key_encode(const char *key);

/* ---- the client ---------------------------------------------------------------------------- */

struct tl_s3;

/* A client over aws (not owned; must outlive the client). The endpoint and addressing style come
 * from tl_aws_endpoint(aws, "s3"). Never fails except by exiting on allocation failure. */
struct tl_s3 *tl_s3_new(struct tl_aws *aws);
void tl_s3_free(struct tl_s3 *s);
/* Forces path-style addressing (also on for custom endpoints and dotted bucket names). */
void tl_s3_set_path_style(struct tl_s3 *s, bool on);
/* Sends x-amz-expected-bucket-owner: ACCOUNT (a 12-digit account id, copied; NULL: none) on every
 * request of this client from now on, so that S3 answers 403 AccessDenied rather than read or
 * write a bucket another account owns (a deleted bucket's name taken over, a typo). */
void tl_s3_set_expected_owner(struct tl_s3 *s, const char *account);
/* True when s is a 12-digit AWS account id, what tl_s3_set_expected_owner takes. */
bool tl_s3_account_ok(const char *s);

/* Asks ListObjectsV2 for pages of at most max_keys keys (0: S3's default, 1000); for tests of
 * pagination. */
void tl_s3_set_list_page(struct tl_s3 *s, int max_keys);

/* The request URL for bucket and key (key may be NULL or "" for the bucket itself) with an
 * optional query string (already encoded, without "?"). Caller frees. */
char *tl_s3_request_url(struct tl_s3 *s, const char *bucket, const char *key, const char *query);

/* ---- objects ------------------------------------------------------------------------------- */

/* What a listing or HeadObject tells about an object. Strings are owned by whoever filled it
 * (callbacks get borrowed ones; tl_s3_head_object's caller frees with tl_s3_object_free). */
struct tl_s3_object {
	char *key;
	int64_t size;
	char *etag;              /* with its quotes, as S3 sends it */
	int64_t last_modified_ms;/* epoch ms, 0 if unknown */
	bool is_prefix;          /* a CommonPrefixes entry of a delimited listing (size 0, no etag) */
};
void tl_s3_object_free(struct tl_s3_object *o);

/* Options of a write; all optional (NULL: none). The encryption ones go on PutObject and
 * CreateMultipartUpload (S3 refuses them on UploadPart), as the SDKs send them. */
struct tl_s3_put_opts {
	const char *content_type;     /* default "application/octet-stream" */
	const char *content_encoding; /* e.g. "gzip" only when clients should decode it */
	const char *storage_class;    /* x-amz-storage-class */
	const char *sse;              /* x-amz-server-side-encryption: "AES256", "aws:kms",
					 "aws:kms:dsse" (tl_s3_sse_check) */
	const char *sse_kms_key_id;   /* x-amz-server-side-encryption-aws-kms-key-id: a key id,
					 ARN or alias (with aws:kms; else the account's default) */
	bool bucket_key;              /* x-amz-server-side-encryption-bucket-key-enabled: true */
};

/* Checks an encryption choice as S3 would take it: sse one of AES256, aws:kms, aws:kms:dsse (or
 * NULL); a KMS key id and a bucket key only with a KMS one. Returns 0, or -1 with *why (static
 * text) for the user. */
int tl_s3_sse_check(const char *sse, const char *kms_key_id, bool bucket_key, const char **why);

/* PutObject of an in-memory body (Content-MD5 sent). *etag_out (if given) receives the ETag
 * (caller frees). */
int tl_s3_put_object(struct tl_s3 *s, const char *bucket, const char *key, const void *body,
		     size_t len, const struct tl_s3_put_opts *opts, char **etag_out,
		     struct tl_aws_error *err);

/* Uploads the whole regular file open at fd (read with pread; the offset is not moved): one
 * PutObject when it is at most part_size bytes, else a multipart upload of part_size parts
 * (part_size < 5 MiB is raised to 5 MiB; 0 means 8 MiB), aborted on failure. Memory: one part. */
int tl_s3_upload_fd(struct tl_s3 *s, const char *bucket, const char *key, int fd,
		    size_t part_size, const struct tl_s3_put_opts *opts, struct tl_aws_error *err);

/* GetObject streamed to fn (which returns 0 to go on, -1 to stop: then -1 is returned with
 * err->code "Aborted"). range_first >= 0 asks for bytes range_first..range_last (range_last < 0:
 * to the end). A retry after some bytes were delivered resumes with a Range from where it
 * stopped, so fn never sees a byte twice. */
int tl_s3_get_object(struct tl_s3 *s, const char *bucket, const char *key, int64_t range_first,
		     int64_t range_last, tl_http_write_fn fn, void *ctx, struct tl_aws_error *err);

/* HeadObject: fills *out (caller frees with tl_s3_object_free). 404 -> code "NotFound". */
int tl_s3_head_object(struct tl_s3 *s, const char *bucket, const char *key,
		      struct tl_s3_object *out, struct tl_aws_error *err);

/* DeleteObject (success also when the key did not exist, as S3 answers). */
int tl_s3_delete_object(struct tl_s3 *s, const char *bucket, const char *key,
			struct tl_aws_error *err);

/* Called once per listed object (or common prefix); return 0 to go on, non-zero to stop the
 * listing early (tl_s3_list then returns 0). */
typedef int (*tl_s3_list_fn)(const struct tl_s3_object *o, void *ctx);

/* ListObjectsV2 of prefix (NULL or "" for all), following continuation tokens until the end.
 * delimiter (NULL for none, usually "/") groups keys into common prefixes, reported with
 * is_prefix set. Objects come in S3's order (UTF-8 binary order of keys). */
int tl_s3_list(struct tl_s3 *s, const char *bucket, const char *prefix, const char *delimiter,
	       tl_s3_list_fn fn, void *ctx, struct tl_aws_error *err);

/* ---- buckets ------------------------------------------------------------------------------- */

/* HeadBucket: 0 when it exists and is reachable; 404 -> code "NoSuchBucket", 403 ->
 * "AccessDenied". */
int tl_s3_head_bucket(struct tl_s3 *s, const char *bucket, struct tl_aws_error *err);
/* CreateBucket in the client's region (a LocationConstraint unless us-east-1). */
int tl_s3_create_bucket(struct tl_s3 *s, const char *bucket, struct tl_aws_error *err);

#endif
