/* tl_awsreq.c: one signed request, AWS errors, the retry policy. */
#include "tl_awsreq.h"

#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_sig.h"
#include "tl_sigv4.h"
#include "tl_time.h"
#include "tl_xml.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

/* ---- credentials ---- */

void tl_creds_free(struct tl_creds *c)
{
	if (!c)
		return;
	free(c->access_key);
	tl_secret_free(c->secret_key);
	tl_secret_free(c->session_token);
	memset(c, 0, sizeof *c);
}

/* ---- errors ---- */

void tl_aws_error_free(struct tl_aws_error *e)
{
	if (!e)
		return;
	free(e->code);
	free(e->message);
	free(e->request_id);
	memset(e, 0, sizeof *e);
}

char *tl_aws_error_text(const struct tl_aws_error *e)
{
	struct tl_buf b = TL_BUF_INIT;
	if (e->code && *e->code)
		tl_buf_addf(&b, "%s", e->code);
	if (e->message && *e->message)
		tl_buf_addf(&b, "%s%s", b.len ? ": " : "", e->message);
	if (!b.len)
		tl_buf_adds(&b, e->status ? "request failed" : "no response");
	if (e->status || e->request_id) {
		tl_buf_adds(&b, " (");
		if (e->status)
			tl_buf_addf(&b, "HTTP %ld", e->status);
		if (e->request_id && *e->request_id)
			tl_buf_addf(&b, "%srequest id %s", e->status ? ", " : "", e->request_id);
		tl_buf_adds(&b, ")");
	}
	if (e->attempts > 1)
		tl_buf_addf(&b, " after %d attempts", e->attempts);
	return tl_buf_detach(&b, NULL);
}

static const char *const throttling_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
	"LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException",
};
static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError",
};
static const char *const skew_codes[] = {
	"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
	"InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
	if (!code)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}
#define IN_LIST(code, list) in_list(code, list, sizeof list / sizeof *list)

bool tl_aws_code_retryable(const char *code)
{
	return IN_LIST(code, throttling_codes) || IN_LIST(code, transient_codes);
}

bool tl_aws_code_clock_skew(const char *code)
{
	return IN_LIST(code, skew_codes);
}

static const char *reason_phrase(long status)
{
	switch (status) {
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 416: return "Requested Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "HTTP error";
	}
}

/* "com.amazonaws.glue#EntityNotFoundException" and the header form
 * "ValidationException:http://internal.amazon.com/..." both give the bare name. */
static char *clean_type(const char *t)
{
	const char *hash = strrchr(t, '#');
	size_t n;
	if (hash)
		t = hash + 1;
	n = strcspn(t, ":");
	return n ? xstrndup(t, n) : NULL;
}

static void set_str(char **dst, const char *s)
{
	if (*dst || !s || !*s)
		return;
	*dst = xstrdup(s);
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static void parse_xml_error(const char *body, size_t n, struct tl_aws_error *e)
{
	char *xerr = NULL;
	struct tl_xml_node *r = tl_xml_parse(body, n, &xerr);
	const struct tl_xml_node *er = NULL;
	if (!r) {
		free(xerr);
		return;
	}
	if (strcmp(r->name, "Error") == 0)
		er = r; /* S3 */
	else if (strcmp(r->name, "ErrorResponse") == 0) /* query protocols: STS, IAM */
		er = tl_xml_child(r, "Error") ? tl_xml_child(r, "Error")
					      : tl_xml_child(tl_xml_child(r, "Errors"), "Error");
	else if (strcmp(r->name, "Response") == 0)
		er = tl_xml_child(tl_xml_child(r, "Errors"), "Error"); /* EC2 */
	if (er) {
		set_str(&e->code, tl_xml_child_text(er, "Code"));
		set_str(&e->message, tl_xml_child_text(er, "Message"));
		set_str(&e->request_id, tl_xml_child_text(er, "RequestId"));
		set_str(&e->request_id, tl_xml_child_text(r, "RequestId"));
		set_str(&e->request_id, tl_xml_child_text(r, "RequestID"));
	}
	tl_xml_free(r);
}

static void parse_json_error(const char *body, size_t n, struct tl_aws_error *e)
{
	cJSON *j = tl_json_parse(body, n, NULL);
	const char *t;
	if (!j)
		return;
	t = tl_json_get_str(j, "__type");
	if (!t)
		t = tl_json_get_str(j, "code");
	if (!t)
		t = tl_json_get_str(j, "Code");
	if (t && !e->code)
		e->code = clean_type(t);
	set_str(&e->message, tl_json_get_str(j, "message"));
	set_str(&e->message, tl_json_get_str(j, "Message"));
	set_str(&e->message, tl_json_get_str(j, "errorMessage"));
	set_str(&e->message, tl_json_get_str(j, "error_description")); /* OAuth: SSO OIDC */
	cJSON_Delete(j);
}

void tl_aws_parse_error(long status, const struct tl_http_headers *headers, const char *body,
			size_t body_len, struct tl_aws_error *err)
{
	const char *p = body ? skip_ws(body, body + body_len) : NULL, *end = body + body_len;
	const char *h;

	memset(err, 0, sizeof *err);
	err->status = status;
	if (p && p < end && *p == '<')
		parse_xml_error(body, body_len, err);
	else if (p && p < end && *p == '{')
		parse_json_error(body, body_len, err);
	if (!err->code && headers && (h = tl_http_headers_get(headers, "x-amzn-ErrorType")))
		err->code = clean_type(h);
	if (headers) {
		set_str(&err->request_id, tl_http_headers_get(headers, "x-amzn-RequestId"));
		set_str(&err->request_id, tl_http_headers_get(headers, "x-amz-request-id"));
	}
	if (!err->code && !err->message) {
		/* HEAD answers and proxies' pages: the status is all there is */
		err->code = xasprintf("%ld", status);
		err->message = xstrdup(reason_phrase(status));
	}
	err->retryable = status == 500 || status == 502 || status == 503 || status == 504 ||
			 status == 429 || tl_aws_code_retryable(err->code);
}

void tl_aws_transport_error(const struct tl_http_resp *resp, struct tl_aws_error *err)
{
	memset(err, 0, sizeof *err);
	err->timed_out = resp->timed_out;
	err->message = xstrdup(resp->error[0] ? resp->error : "transport error");
	/* Interrupted or refused by our own callbacks, or a setup that will fail again the same
	 * way (bad URL, certificate not trusted): not the network's passing fault. */
	switch (resp->curl_code) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_READ_ERROR:
	case CURLE_WRITE_ERROR:
		err->retryable = false;
		break;
	default:
		err->retryable = strcmp(resp->error, "interrupted") != 0 &&
				 strcmp(resp->error, "reading the request body failed") != 0 &&
				 strcmp(resp->error, "response body refused by its consumer") != 0;
	}
}


/* ---- the retry policy ---- */

static double rand01(void)
{
	uint64_t r = 0;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
		/* no entropy source: any spread will do for jitter */
		r = (uint64_t)tl_mono_ms() * 6364136223846793005ULL + 1442695040888963407ULL;
	}
	return (double)(r >> 11) / (double)(1ULL << 53);
}

void tl_retry_start(struct tl_retry *r, const struct tl_retry_policy *p, int *quota)
{
	r->policy = p;
	r->quota = quota;
	r->attempts = 1;
	r->held = 0;
	r->last_delay_ms = 0;
	r->scale = 1.0;
}

long tl_retry_next(struct tl_retry *r, bool timed_out)
{
	const struct tl_retry_policy *p = r->policy;
	if (r->attempts >= p->max_attempts)
		return -1;
	if (r->quota) {
		int cost = timed_out ? TL_RETRY_TIMEOUT_COST : TL_RETRY_COST;
		if (*r->quota < cost) {
			tl_debug("retry quota used up; not retrying");
			return -1;
		}
		*r->quota -= cost;
		r->held = cost;
	}
	double cap = (double)p->base_ms;
	for (int k = 1; k < r->attempts && cap < (double)p->max_ms; k++)
		cap *= p->growth;
	if (cap > (double)p->max_ms)
		cap = (double)p->max_ms;
	double j = p->jitter < 0 ? 0 : p->jitter > 1 ? 1 : p->jitter;
	r->last_delay_ms = (long)(cap * (1.0 - j + (j > 0 ? j * rand01() : 0)));
	r->attempts++;
	return (long)((double)r->last_delay_ms * r->scale);
}

bool tl_retry_wait(const struct tl_retry *r, long ms)
{
	if (ms <= 0)
		return !tl_sig_caught() || r->policy->through_signals;
	if (!r->policy->through_signals)
		return tl_sleep_ms(ms) == 0;
	struct timespec ts = { (time_t)(ms / 1000), (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		; /* a signal: sleep the rest */
	return true;
}

bool tl_retry_again(struct tl_retry *r, bool timed_out)
{
	long ms = tl_retry_next(r, timed_out);
	return ms >= 0 && tl_retry_wait(r, ms);
}

void tl_retry_done(struct tl_retry *r)
{
	if (!r->quota)
		return;
	*r->quota += r->held ? r->held : TL_RETRY_SUCCESS;
	if (*r->quota > TL_RETRY_QUOTA_MAX)
		*r->quota = TL_RETRY_QUOTA_MAX;
	r->held = 0;
}

/* ---- one signed request ---- */

static bool replaced_header(const char *name)
{
	return strcasecmp(name, "Authorization") == 0 || strcasecmp(name, "X-Amz-Date") == 0 ||
	       strcasecmp(name, "X-Amz-Security-Token") == 0 ||
	       strcasecmp(name, "x-amz-content-sha256") == 0 || strcasecmp(name, "Host") == 0;
}

/* Builds the headers of one attempt (Host, the caller's, the signature's) into *out. */
static int sign_headers(const struct tl_awsreq *req, const struct tl_url *u,
			const struct tl_creds *cr, struct tl_http_headers *out, char **why)
{
	struct tl_sigv4_params p = { 0 };
	struct tl_sigv4_request sr = { 0 };
	struct tl_sigv4_result res = { 0 };
	struct tl_sigv4_header *sh;
	const char *serr = NULL;
	char *host;
	size_t n = 0, nin = req->headers ? req->headers->n : 0;
	int rc = 0;

	/* as libcurl writes Host: the port only when it is not the scheme's default */
	if (u->port && !((u->port == 443 && strcmp(u->scheme, "https") == 0) ||
			 (u->port == 80 && strcmp(u->scheme, "http") == 0)))
		host = xasprintf("%s:%d", u->host, u->port);
	else
		host = xstrdup(u->host);
	sh = xcalloc(nin + 1, sizeof *sh);
	sh[n].name = "Host";
	sh[n++].value = host;
	tl_http_headers_add(out, "Host", host);
	for (size_t i = 0; i < nin; i++) {
		const struct tl_http_hdr *h = &req->headers->v[i];
		if (replaced_header(h->name))
			continue;
		sh[n].name = h->name;
		sh[n++].value = h->value;
		tl_http_headers_add(out, h->name, h->value);
	}
	if (!cr)
		goto out;
	sr.method = req->method ? req->method : "GET";
	sr.path = u->path;
	sr.query = u->query;
	sr.headers = sh;
	sr.nheaders = n;
	sr.body = req->body;
	sr.body_len = req->body_len;
	p.access_key = cr->access_key;
	p.secret_key = cr->secret_key;
	p.session_token = cr->session_token;
	p.region = req->region;
	p.service = req->service;
	p.time = (tl_now_ms() + req->clock_offset_ms) / 1000;
	if (req->s3) {
		p.flags = TL_SIGV4_S3;
		if (req->payload_hash && strcmp(req->payload_hash, "UNSIGNED-PAYLOAD") == 0)
			p.flags |= TL_SIGV4_UNSIGNED_PAYLOAD;
		else if (req->payload_hash)
			sr.payload_hash = req->payload_hash;
		else if (req->read_fn)
			p.flags |= TL_SIGV4_UNSIGNED_PAYLOAD;
	} else {
		p.flags = TL_SIGV4_GENERIC;
		if (req->payload_hash)
			sr.payload_hash = req->payload_hash;
		else if (req->read_fn) {
			*why = xstrdup("a streamed body needs a payload hash for this service");
			rc = -1;
		}
	}
	if (rc == 0 && tl_sigv4_sign(&p, &sr, &res, &serr) != 0) {
		*why = xasprintf("cannot sign the request: %s", serr ? serr : "bad input");
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < res.nadd; i++)
		tl_http_headers_add(out, res.add_headers[i].name, res.add_headers[i].value);
	tl_sigv4_result_free(&res);
out:
	free(sh);
	free(host);
	return rc;
}

int tl_awsreq_send(struct tl_http *h, const struct tl_awsreq *req, const struct tl_creds *cr,
		   struct tl_http_resp *resp, char **why)
{
	struct tl_url u;
	struct tl_http_headers hd = { 0 };
	*why = NULL;
	if (!req->url || tl_url_parse(req->url, &u) != 0) {
		*why = xasprintf("invalid URL \"%s\"", req->url ? req->url : "");
		return -1;
	}
	int rc = sign_headers(req, &u, cr, &hd, why);
	tl_url_free(&u);
	if (rc == 0) {
		struct tl_http_req hr = {
			.method = req->method ? req->method : "GET",
			.url = req->url,
			.headers = &hd,
			.body = req->body,
			.body_len = req->body_len,
			.read_fn = req->read_fn,
			.read_ctx = req->read_ctx,
			.body_size = req->body_size,
			.write_fn = req->write_fn,
			.write_ctx = req->write_ctx,
			.timeout_ms = req->timeout_ms,
			.stop_on_signal = req->stop_on_signal,
		};
		rc = tl_http_do(h, &hr, resp);
	}
	tl_http_headers_free(&hd);
	return rc;
}
