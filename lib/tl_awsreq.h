/* tl_awsreq.h: the signed request, below the credential chain (tl_creds calls STS with it) and
 * below the client context (tl_aws adds endpoints, refreshed credentials and the standard retry
 * mode on top):
 *   - the credentials a request is signed with (struct tl_creds; tl_creds finds them);
 *   - tl_awsreq_send(): signs one request with given credentials and sends it once: the Host
 *     header from the URL, the caller's headers, SigV4's name/value pairs;
 *   - AWS errors: parsed from any protocol's error body, classified as retryable or not, for
 *     people in one line;
 *   - the one retry policy (struct tl_retry_policy) that every loop trying again uses: the
 *     standard mode, STS, container and instance credentials, Athena's throttling.
 */
#ifndef TL_AWSREQ_H
#define TL_AWSREQ_H
#include "tl_http.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- credentials ---- */

struct tl_creds {
	char *access_key;
	char *secret_key;
	char *session_token; /* NULL if none */
	int64_t expires_ms;  /* epoch ms; 0 = does not expire */
	const char *source;  /* static text: "environment", "assume-role", "web-identity", "sso",
				"shared-credentials-file", "process", "config-file", "container",
				"imds" */
};
/* Frees the strings (the secret and the token zeroed first) and zeroes c. */
void tl_creds_free(struct tl_creds *c);

/* ---- errors ---- */

/* An error from AWS or the transport, for messages: "Glue GetTable: EntityNotFoundException:
 * Table x not found (HTTP 400, request id ...)". */
struct tl_aws_error {
	long status;       /* HTTP status, 0 for transport errors */
	char *code;        /* "NoSuchBucket", "ThrottlingException"... or NULL */
	char *message;
	char *request_id;
	bool retryable;
	bool timed_out;    /* a transport error that was a timeout (costs more retry quota) */
	int attempts;      /* how many attempts were made */
};
void tl_aws_error_free(struct tl_aws_error *e);
/* One line for people, without secrets. Caller frees. */
char *tl_aws_error_text(const struct tl_aws_error *e);

/* Fills *err from an HTTP error response (status, headers, body): the XML <Error> (S3) or
 * <ErrorResponse><Error> (query protocols: STS) document, or the JSON {"__type", "message"} one
 * ("prefix#" stripped from __type; x-amzn-ErrorType as a fallback), the request id, and
 * whether it is retryable: HTTP 500, 502, 503, 504, 429 and the codes of
 * tl_aws_code_retryable(). For a body-less answer (HEAD) the code is the status ("404") and the
 * message its reason ("Not Found"). */
void tl_aws_parse_error(long status, const struct tl_http_headers *headers, const char *body,
			size_t body_len, struct tl_aws_error *err);
/* Fills *err from a transport failure (resp->error, resp->curl_code): retryable unless it will
 * fail the same way again (a bad URL, an untrusted certificate) or was our own doing (a stop
 * signal, a callback's refusal). */
void tl_aws_transport_error(const struct tl_http_resp *resp, struct tl_aws_error *err);
/* True for AWS's throttling codes (Throttling, ThrottlingException, ThrottledException,
 * RequestThrottledException, TooManyRequestsException, ProvisionedThroughputExceededException,
 * TransactionInProgressException, RequestLimitExceeded, BandwidthLimitExceeded,
 * LimitExceededException, RequestThrottled, SlowDown, PriorRequestNotComplete,
 * EC2ThrottledException) and transient ones (RequestTimeout, RequestTimeoutException,
 * InternalError). */
bool tl_aws_code_retryable(const char *code);
/* True for the codes of a refused clock (RequestTimeTooSkewed, RequestExpired,
 * RequestInTheFuture, InvalidSignatureException, SignatureDoesNotMatch, AuthFailure). */
bool tl_aws_code_clock_skew(const char *code);

/* ---- the retry policy ---- */

/* How a loop tries again. The delay before retry k (k = 1, 2, ...) is
 *   cap = min(max_ms, base_ms * growth^(k - 1)),  delay = cap * (1 - jitter + jitter * r)
 * with r uniform in [0, 1): jitter 1 is botocore's full jitter, 0 a fixed schedule. */
struct tl_retry_policy {
	int max_attempts;     /* attempts in all, the first included (1: never retry) */
	long base_ms;
	long max_ms;
	double growth;        /* 2: exponential; 1: the same delay each time */
	double jitter;        /* 0..1 */
	bool through_signals; /* wait out the delays after a stop signal too (clean-up calls) */
};

/* A shared budget of retries (botocore's retry quota), so that a service that is down is not
 * hammered by every call: a retry costs TL_RETRY_COST tokens (TL_RETRY_TIMEOUT_COST after a
 * timeout); a success gives back what its retries took, or TL_RETRY_SUCCESS. */
#define TL_RETRY_QUOTA_MAX 500
#define TL_RETRY_COST 5
#define TL_RETRY_TIMEOUT_COST 10
#define TL_RETRY_SUCCESS 1

/* One operation's retries. */
struct tl_retry {
	const struct tl_retry_policy *policy;
	int *quota;           /* tokens shared between operations, or NULL for no quota */
	int attempts;         /* attempts made or begun (1 after tl_retry_start) */
	int held;             /* tokens taken by this operation's last retry */
	long last_delay_ms;   /* the policy's delay before the last retry (before scale) */
	double scale;         /* the delays waited are multiplied by this (1; tests set 0) */
};

/* Starts an operation under policy p (borrowed), its first attempt counted. */
void tl_retry_start(struct tl_retry *r, const struct tl_retry_policy *p, int *quota);
/* After a failed attempt that may be retried (timed_out: it was a timeout): the delay to wait
 * (ms, scaled) before the next attempt, which it counts; or -1 when the attempts or the quota
 * are spent. Does not sleep (the caller may log first; then tl_retry_wait). */
long tl_retry_next(struct tl_retry *r, bool timed_out);
/* Sleeps ms (interruptible by a stop signal, unless the policy waits through signals); false
 * when a stop signal cut the wait. */
bool tl_retry_wait(const struct tl_retry *r, long ms);
/* tl_retry_next then tl_retry_wait: true when the next attempt is to be made. */
bool tl_retry_again(struct tl_retry *r, bool timed_out);
/* After a successful attempt: gives the quota back. */
void tl_retry_done(struct tl_retry *r);

/* ---- one signed request ---- */

struct tl_awsreq {
	const char *service;      /* signing name: "s3", "glue", "athena", "sts" */
	const char *region;       /* of the signature */
	const char *method;       /* NULL: GET */
	const char *url;          /* full URL; path and query as sent (already encoded) */
	const struct tl_http_headers *headers; /* the caller's (Content-Type...); may be NULL */
	const void *body;
	size_t body_len;
	tl_http_read_fn read_fn;  /* a streamed body of body_size bytes */
	void *read_ctx;
	int64_t body_size;
	tl_http_write_fn write_fn; /* stream a 2xx response body here */
	void *write_ctx;
	const char *payload_hash; /* precomputed, or NULL to hash body, or UNSIGNED-PAYLOAD */
	bool s3;                  /* S3 signing rules (x-amz-content-sha256, the path as sent) */
	int64_t clock_offset_ms;  /* server time - ours, learnt from clock-skew errors */
	long timeout_ms;          /* 0: the transport's */
	bool stop_on_signal;      /* a stop signal aborts the transfer (a transport error) */
};

/* Signs req with cr (NULL: sent unsigned, as AssumeRoleWithWebIdentity is) and sends it once over
 * h. The headers sent: Host from the URL (with a non-default port, as libcurl writes it), the
 * caller's (any Host, Authorization, X-Amz-Date, X-Amz-Security-Token and x-amz-content-sha256
 * among them replaced), then X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256 and
 * Authorization from SigV4. S3: the payload hash is sent as x-amz-content-sha256; a streamed body
 * without a payload_hash is signed UNSIGNED-PAYLOAD. Other services need the body in memory or a
 * payload_hash.
 * Returns 0 when an HTTP answer arrived, whatever its status (resp holds it); -1 after a
 * transport error (resp->error) or when the request cannot be signed (*why, caller frees; NULL
 * for a transport error). Blocks; never retries. */
int tl_awsreq_send(struct tl_http *h, const struct tl_awsreq *req, const struct tl_creds *cr,
		   struct tl_http_resp *resp, char **why);

#endif
