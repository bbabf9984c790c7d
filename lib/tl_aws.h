/* tl_aws.h: one AWS client context (config, credentials refreshed as needed, region, endpoints,
 * an HTTP transport) and calls over tl_awsreq's signed request that retry and parse errors.
 *
 * Retries follow the AWS "standard" retry mode: up to AWS_MAX_ATTEMPTS attempts (default 3;
 * also max_attempts in the profile), exponential backoff with full jitter as botocore's
 * retries/standard.py does (delay = random(0, 1) * min(20 s, 2^attempt s)), retrying throttling error codes (Throttling,
 * ThrottlingException, ThrottledException, RequestThrottledException, TooManyRequestsException,
 * ProvisionedThroughputExceededException, TransactionInProgressException,
 * RequestLimitExceeded, BandwidthLimitExceeded, LimitExceededException, RequestThrottled,
 * SlowDown, PriorRequestNotComplete, EC2ThrottledException), transient codes
 * (RequestTimeout, RequestTimeoutException, InternalError), HTTP 500/502/503/504 and 429, and
 * transport errors (not an untrusted certificate, a bad URL, or our own callbacks' refusals); clock-skew errors (RequestTimeTooSkewed, InvalidSignatureException with skew,
 * SignatureDoesNotMatch with a Date far off) retried once after adjusting the clock offset from
 * the Date header. Never other 4xx. A retry quota as botocore's (500 tokens, 5 a retry, 10 after
 * a timeout, given back on success) stops retry storms when a service is down. The policy is a
 * struct tl_retry_policy, the one every retry loop uses (tl_awsreq.h).
 *
 * One struct tl_aws per thread (it owns one tl_http, whose connections it keeps alive); the
 * credentials provider inside is thread-safe, the rest is not.
 */
#ifndef TL_AWS_H
#define TL_AWS_H
#include "tl_awsreq.h"
#include "tl_http.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

struct tl_aws_opts {
	const char *profile;      /* --profile, or NULL */
	const char *region;       /* --region, or NULL */
	const char *endpoint_url; /* --endpoint-url, or NULL */
	bool no_verify_ssl;       /* --no-verify-ssl (explicit only) */
	long connect_timeout_ms;  /* 0: the profile's cli_connect_timeout, else 10 s */
	long timeout_ms;          /* per attempt, a read timeout: the attempt is aborted (and
				     retried) when under TL_AWS_MIN_RATE bytes a second moved for
				     this long; 0: the profile's cli_read_timeout (0 there: no
				     limit), else 60 s */
};

/* The slowest transfer an attempt may keep up for a whole read timeout, in bytes a second. */
#define TL_AWS_MIN_RATE 1024

struct tl_aws;

/* Loads config and sets up credentials (lazily resolved on the first call). NULL with *err
 * (caller frees) on a configuration error (a malformed config file, no region anywhere, a bad
 * AWS_MAX_ATTEMPTS, a bad cli_read_timeout). Honours AWS_MAX_ATTEMPTS / max_attempts,
 * AWS_CA_BUNDLE / ca_bundle, cli_read_timeout and cli_connect_timeout (seconds) as the AWS CLI. */
struct tl_aws *tl_aws_new(const struct tl_aws_opts *opts, char **err);
void tl_aws_free(struct tl_aws *a);
const char *tl_aws_region(const struct tl_aws *a);
/* Base URL for a service, as tl_awsconf_endpoint resolves it. Owned by a. */
const char *tl_aws_endpoint(struct tl_aws *a, const char *service, bool *custom);

/* A request. Nothing here is freed by tl_aws_send. */
struct tl_aws_req {
	const char *service;      /* signing name: "s3", "glue", "athena", "sts" */
	const char *method;
	const char *url;          /* full URL; path and query as sent (already encoded) */
	struct tl_http_headers *headers; /* extra headers (Content-Type...); may be NULL */
	const void *body;
	size_t body_len;
	tl_http_read_fn read_fn;  /* streamed body (S3 parts); rewind_fn makes it retryable */
	void *read_ctx;
	int64_t body_size;
	int (*rewind_fn)(void *ctx);
	const char *payload_hash; /* precomputed, or NULL to hash body, or UNSIGNED-PAYLOAD */
	tl_http_write_fn write_fn;
	void *write_ctx;
	bool s3;                  /* S3 signing rules */
};

/* Signs, sends and retries. Returns 0 when a 2xx arrived (resp holds it), -1 otherwise with *err
 * filled (code and message parsed from an XML <Error> or a JSON {"__type","message"} body; the
 * request id from the body or the x-amzn-RequestId / x-amz-request-id header); resp then holds
 * the last response (its body is the error body). err is overwritten (initialise it to zeroes
 * or free it before reuse); free it with tl_aws_error_free.
 * Each attempt is signed anew (fresh date, refreshed credentials). The Host header is set from
 * the URL (with a non-default port), and any Authorization, X-Amz-Date, X-Amz-Security-Token,
 * x-amz-content-sha256 the caller gives are replaced.
 * Streams: a streamed request body is retried only when rewind_fn is given (it is called before
 * every retry; -1 stops) or when the failed attempt never read from it; a streamed response is
 * retried only while nothing was handed to write_fn (a cut download is the caller's to resume).
 * S3 (s3 = true): the payload hash is sent as x-amz-content-sha256; a streamed body without a
 * payload_hash is signed UNSIGNED-PAYLOAD; a 200 answer whose body is an <Error> document (S3's
 * CompleteMultipartUpload, CopyObject) counts as that error. Other services need the body in
 * memory or a payload_hash.
 * Blocks, sleeping between attempts (tl_sleep_ms: a stop signal ends the retries). */
int tl_aws_send(struct tl_aws *a, const struct tl_aws_req *req, struct tl_http_resp *resp,
		struct tl_aws_error *err);

/* The JSON 1.1 protocol call (Glue, Athena): POST / with X-Amz-Target: target and
 * Content-Type: application/x-amz-json-1.1. service is the endpoint/signing name ("glue",
 * "athena"). *out receives the parsed response (caller deletes) on success. */
int tl_aws_json_call(struct tl_aws *a, const char *service, const char *target,
		     const cJSON *body, cJSON **out, struct tl_aws_error *err);

/* For tests: scale every retry delay by factor (0 = no sleeping). */
void tl_aws_set_retry_scale(struct tl_aws *a, double factor);
/* For tests: the backoff delays (ms, before tl_aws_set_retry_scale) chosen before each retry of
 * the last tl_aws_send, in order; returns how many (at most max are copied). */
size_t tl_aws_last_delays(const struct tl_aws *a, long *out, size_t max);
/* The attempt limit in force (AWS_MAX_ATTEMPTS, max_attempts, default 3). */
int tl_aws_max_attempts(const struct tl_aws *a);

#endif
