/* tl_http.h: the HTTP transport over libcurl. Knows nothing of AWS: no signing, no retry policy
 * (the caller decides; tl_http_do reports whether a failure is a transport one).
 *
 * One struct tl_http per thread: it holds a CURL easy handle that is reused, so connections are
 * kept alive between requests to the same host. TLS verification is always on unless the caller
 * passes insecure (never set by default in any tool); AWS_CA_BUNDLE is honoured by the AWS layer
 * through opts.ca_bundle. Proxies come from the environment (http_proxy, https_proxy, no_proxy)
 * as libcurl reads them.
 */
#ifndef TL_HTTP_H
#define TL_HTTP_H
#include "tl_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tl_http_hdr {
	char *name;
	char *value;
};

/* An ordered list of headers; owns its strings. */
struct tl_http_headers {
	struct tl_http_hdr *v;
	size_t n, cap;
};

/* Header lists start zeroed ({0}); strings are copied; NULL value means "". */
void tl_http_headers_add(struct tl_http_headers *h, const char *name, const char *value);
/* Sets (replacing any of the same name, case-insensitively). */
void tl_http_headers_set(struct tl_http_headers *h, const char *name, const char *value);
/* The first value of name (case-insensitive), or NULL. */
const char *tl_http_headers_get(const struct tl_http_headers *h, const char *name);
void tl_http_headers_free(struct tl_http_headers *h);

struct tl_http_opts {
	long connect_timeout_ms; /* default 10 s */
	long timeout_ms;         /* whole request; 0 = none (streams) */
	long low_speed_secs;     /* abort when under low_speed_bytes a second for this long
				    (so a stalled or trickling server cannot hold an exchange
				    for ever, and a fast long download is never cut); 0 = off */
	long low_speed_bytes;    /* the floor of that rule, bytes a second; 0: 1 */
	const char *ca_bundle;   /* PEM file, or NULL for the system store */
	bool insecure;           /* skip TLS verification (tests only; never a default) */
	const char *user_agent;  /* default "tweetlake/VERSION" */
};

/* Body supplier for streaming uploads: fill up to n bytes, return count, 0 at end, -1 error. */
typedef ssize_t (*tl_http_read_fn)(char *buf, size_t n, void *ctx);
/* Body consumer for streaming downloads: return 0 to go on, -1 to abort the transfer. */
typedef int (*tl_http_write_fn)(const char *p, size_t n, void *ctx);

struct tl_http_req {
	const char *method;                     /* "GET", "PUT", "POST", "DELETE", "HEAD" */
	const char *url;
	const struct tl_http_headers *headers;  /* sent as given; Content-Type is the caller's */
	const void *body;                       /* in-memory body, or */
	size_t body_len;
	tl_http_read_fn read_fn;                /* a streamed one of body_size bytes (-1: chunked) */
	void *read_ctx;
	int64_t body_size;
	tl_http_write_fn write_fn;              /* stream a 2xx response body here; else resp->body */
	void *write_ctx;
	long timeout_ms;                        /* overrides opts.timeout_ms when > 0 */
	long low_speed_secs;                    /* overrides opts.low_speed_secs when > 0 */
	long low_speed_bytes;                   /* overrides opts.low_speed_bytes when > 0 */
	bool stop_on_signal;                    /* abort (transport error) once tl_sig_caught() */
};

struct tl_http_resp {
	long status;                    /* 0 when no response arrived */
	struct tl_http_headers headers; /* response headers (of the final response) */
	struct tl_buf body;             /* when req.write_fn is NULL, or the status is not 2xx
					   (error bodies never reach write_fn); capped at 256 MiB */
	int curl_code;                  /* CURLcode; 0 on success */
	char error[256];                /* transport error text, "" when none */
	bool timed_out;
};

/* A transport with opts copied (opts may be NULL for the defaults). Initialises libcurl once per
 * process (thread-safe). Never NULL (exits on allocation failure). Use from one thread at a time. */
struct tl_http *tl_http_new(const struct tl_http_opts *opts);
void tl_http_free(struct tl_http *h);

/* Performs one request. Returns 0 when an HTTP response arrived (whatever its status), -1 on a
 * transport failure (connect refused, reset, timeout, TLS, aborted by read_fn or write_fn,
 * interrupted by a signal with stop_on_signal) with resp->error/curl_code set (resp->status may
 * then hold the status of a response cut short). Blocks. Never retries and never follows
 * redirects. The URL's path is sent as given (no "." or ".." segment folded: it is what was
 * signed). Request headers are sent exactly as given: no Content-Type is added (libcurl's
 * form type is suppressed), no "Expect: 100-continue"; a "Host" header given replaces libcurl's.
 * A streamed body of unknown size (body_size -1) is sent chunked. Logs the request and response
 * lines and headers at trace level (redacted by tl_log). resp must be initialised with
 * tl_http_resp_init and is reset by each call. */
int tl_http_do(struct tl_http *h, const struct tl_http_req *req, struct tl_http_resp *resp);
void tl_http_resp_init(struct tl_http_resp *r);
void tl_http_resp_free(struct tl_http_resp *r);

/* Percent-encodes s for a URL query value (RFC 3986 unreserved kept). Caller frees. */
char *tl_url_encode(const char *s, size_t n);
/* Splits "scheme://host[:port]/path?query#fragment" (no user info). Pieces are new strings:
 * scheme lower-cased; host as written (an IPv6 literal keeps its brackets); path "/" when absent;
 * query NULL when there is no "?"; the fragment is dropped. port is 0 when absent. Returns 0, or
 * -1 for a malformed URL (then u holds nothing to free). */
struct tl_url {
	char *scheme, *host, *path, *query;
	int port;
};
int tl_url_parse(const char *url, struct tl_url *u);
void tl_url_free(struct tl_url *u);
/* The port a URL means: u->port, else 443 for https and 80 for http (0 otherwise). */
int tl_url_port(const struct tl_url *u);

#endif
