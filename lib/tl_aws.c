/* tl_aws.c: sign, send, retry (AWS standard mode) and parse AWS errors. */
#include "tl_aws.h"

#include "tl_alloc.h"
#include "tl_awsconf.h"
#include "tl_creds.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_sig.h"
#include "tl_sigv4.h"
#include "tl_time.h"
#include "tl_xml.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define MAX_BACKOFF_MS 20000
#define QUOTA_MAX 500
#define QUOTA_RETRY_COST 5
#define QUOTA_TIMEOUT_COST 10
#define QUOTA_SUCCESS 1
#define SKEW_MS (4 * 60 * 1000) /* AWS refuses signatures more than 5 minutes off */
#define MAX_DELAYS 32

struct endpoint {
	char *service;
	char *url;
	bool custom;
};

struct tl_aws {
	struct tl_awsconf *conf;
	struct tl_creds_provider *creds;
	struct tl_http *http;
	char *region;
	char *endpoint_flag;
	struct endpoint *eps;
	size_t neps;
	int max_attempts;
	double retry_scale;
	int quota;
	int64_t clock_offset_ms; /* server time - our time, learnt from clock-skew errors */
	long delays[MAX_DELAYS];
	size_t ndelays;
};

/* ---- set up ---- */

static int parse_max_attempts(const char *s, const char *where, int *out, char **err)
{
	if (tl_parse_int(s, 1, 100, out) != 0) {
		*err = xasprintf("%s: \"%s\" is not a number of attempts (1 to 100)", where, s);
		return -1;
	}
	return 0;
}

/* A number of seconds from the profile (the AWS CLI's cli_read_timeout, cli_connect_timeout; 0
 * means no limit): 1 with *ms, 0 when unset, -1 with *err when not a number of seconds. */
static int conf_secs(struct tl_awsconf *conf, const char *key, long *ms, char **err)
{
	const char *s = tl_awsconf_get(conf, key);
	double d;
	if (!s || !*s)
		return 0;
	if (tl_parse_double(s, &d) != 0 || !(d >= 0 && d <= 86400)) {
		*err = xasprintf("%s in the profile: \"%s\" is not a number of seconds", key, s);
		return -1;
	}
	*ms = (long)(d * 1000 + 0.5);
	return 1;
}

struct tl_aws *tl_aws_new(const struct tl_aws_opts *opts, char **err)
{
	static const struct tl_aws_opts defaults;
	struct tl_aws *a;
	struct tl_awsconf *conf;
	struct tl_http_opts ho = { 0 };
	const char *region, *s, *ca;
	char *cerr = NULL;
	int attempts = 3;

	*err = NULL;
	if (!opts)
		opts = &defaults;
	conf = tl_awsconf_load(opts->profile, &cerr);
	if (!conf) {
		*err = cerr ? cerr : xstrdup("cannot load the AWS configuration");
		return NULL;
	}
	region = tl_awsconf_region(conf, opts->region);
	if (!region || !*region) {
		*err = xstrdup("no AWS region: use --region, AWS_REGION, or region in the profile");
		tl_awsconf_free(conf);
		return NULL;
	}
	long read_ms = 60000, connect_ms = 10000;
	if (conf_secs(conf, "cli_read_timeout", &read_ms, err) < 0 ||
	    conf_secs(conf, "cli_connect_timeout", &connect_ms, err) < 0) {
		tl_awsconf_free(conf);
		return NULL;
	}
	if (opts->timeout_ms > 0)
		read_ms = opts->timeout_ms;
	if (opts->connect_timeout_ms > 0)
		connect_ms = opts->connect_timeout_ms;
	else if (connect_ms == 0)
		connect_ms = 300000; /* "no limit": libcurl's own */
	s = getenv("AWS_MAX_ATTEMPTS");
	if (s && *s) {
		if (parse_max_attempts(s, "AWS_MAX_ATTEMPTS", &attempts, err) != 0) {
			tl_awsconf_free(conf);
			return NULL;
		}
	} else if ((s = tl_awsconf_get(conf, "max_attempts")) && *s) {
		if (parse_max_attempts(s, "max_attempts in the profile", &attempts, err) != 0) {
			tl_awsconf_free(conf);
			return NULL;
		}
	}
	ca = getenv("AWS_CA_BUNDLE");
	if (!ca || !*ca)
		ca = tl_awsconf_get(conf, "ca_bundle");

	a = xcalloc(1, sizeof *a);
	a->conf = conf;
	a->region = xstrdup(region);
	a->endpoint_flag = opts->endpoint_url && *opts->endpoint_url ? xstrdup(opts->endpoint_url)
								      : NULL;
	a->max_attempts = attempts;
	a->retry_scale = 1.0;
	a->quota = QUOTA_MAX;
	ho.connect_timeout_ms = connect_ms;
	/* No total deadline (large objects take as long as they take): an attempt ends when under
	 * TL_AWS_MIN_RATE bytes a second moved for the read timeout, so a stalled server or one
	 * trickling a few bytes a second costs one read timeout an attempt, then the retries. */
	ho.timeout_ms = 0;
	ho.low_speed_secs = read_ms > 0 ? (read_ms + 999) / 1000 : 0;
	ho.low_speed_bytes = TL_AWS_MIN_RATE;
	ho.ca_bundle = ca && *ca ? ca : NULL;
	ho.insecure = opts->no_verify_ssl;
	a->http = tl_http_new(&ho);
	a->creds = tl_creds_provider_new(conf, a->region);
	return a;
}

void tl_aws_free(struct tl_aws *a)
{
	if (!a)
		return;
	tl_creds_provider_free(a->creds);
	tl_http_free(a->http);
	tl_awsconf_free(a->conf);
	for (size_t i = 0; i < a->neps; i++) {
		free(a->eps[i].service);
		free(a->eps[i].url);
	}
	free(a->eps);
	free(a->region);
	free(a->endpoint_flag);
	free(a);
}

const char *tl_aws_region(const struct tl_aws *a)
{
	return a->region;
}

const char *tl_aws_endpoint(struct tl_aws *a, const char *service, bool *custom)
{
	bool c = false;
	char *url;
	for (size_t i = 0; i < a->neps; i++) {
		if (strcmp(a->eps[i].service, service) == 0) {
			if (custom)
				*custom = a->eps[i].custom;
			return a->eps[i].url;
		}
	}
	url = tl_awsconf_endpoint(a->conf, service, a->region, a->endpoint_flag, &c);
	if (!url)
		url = xasprintf("https://%s.%s.amazonaws.com", service, a->region);
	/* "https://host/" and "https://host" mean the same base */
	while (strlen(url) > 8 && url[strlen(url) - 1] == '/')
		url[strlen(url) - 1] = '\0';
	a->eps = xrealloc(a->eps, (a->neps + 1) * sizeof *a->eps);
	a->eps[a->neps].service = xstrdup(service);
	a->eps[a->neps].url = url;
	a->eps[a->neps].custom = c;
	a->neps++;
	if (custom)
		*custom = c;
	return url;
}

void tl_aws_set_retry_scale(struct tl_aws *a, double factor)
{
	a->retry_scale = factor < 0 ? 0 : factor;
}

size_t tl_aws_last_delays(const struct tl_aws *a, long *out, size_t max)
{
	for (size_t i = 0; i < a->ndelays && i < max; i++)
		out[i] = a->delays[i];
	return a->ndelays;
}

int tl_aws_max_attempts(const struct tl_aws *a)
{
	return a->max_attempts;
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

/* ---- clock ---- */

/* "Wed, 25 Nov 2026 07:50:00 GMT" (RFC 7231 IMF-fixdate) to epoch ms; -1 when not that form. */
static int64_t parse_http_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char wd[4], mon[4];
	int d, y, hh, mm, ss, consumed = 0;
	const char *m;
	if (!s || sscanf(s, "%3s, %d %3s %d %d:%d:%d GMT%n", wd, &d, mon, &y, &hh, &mm, &ss,
			 &consumed) != 7 || consumed == 0)
		return -1;
	m = strstr(months, mon);
	if (!m || strlen(mon) != 3 || (m - months) % 3 || d < 1 || d > 31 || hh > 23 || mm > 59 ||
	    ss > 60 || y < 1970 || y > 9999)
		return -1;
	return (tl_days_from_civil(y, (int)((m - months) / 3) + 1, d) * 86400 + hh * 3600 +
		mm * 60 + ss) * 1000;
}

/* A clock-skew refusal: learn the server's clock from its Date header. True when the offset
 * changed enough that a retry can succeed. */
static bool adjust_clock(struct tl_aws *a, const struct tl_http_resp *resp,
			 const struct tl_aws_error *e)
{
	int64_t server, off;
	if (!IN_LIST(e->code, skew_codes))
		return false;
	server = parse_http_date(tl_http_headers_get(&resp->headers, "Date"));
	if (server < 0)
		return false;
	off = server - tl_now_ms();
	if (llabs((long long)(off - a->clock_offset_ms)) < SKEW_MS)
		return false;
	tl_warn("the local clock is %lld s off the server's; correcting for it",
		(long long)(-off / 1000));
	a->clock_offset_ms = off;
	return true;
}

/* ---- signing ---- */

static bool replaced_header(const char *name)
{
	return strcasecmp(name, "Authorization") == 0 || strcasecmp(name, "X-Amz-Date") == 0 ||
	       strcasecmp(name, "X-Amz-Security-Token") == 0 ||
	       strcasecmp(name, "x-amz-content-sha256") == 0 || strcasecmp(name, "Host") == 0;
}

/* Builds the headers of one attempt (caller's + Host + signature) into *out. */
static int sign_request(struct tl_aws *a, const struct tl_aws_req *req, const struct tl_url *u,
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
	sr.method = req->method;
	sr.path = u->path;
	sr.query = u->query;
	sr.headers = sh;
	sr.nheaders = n;
	sr.body = req->body;
	sr.body_len = req->body_len;
	p.access_key = cr->access_key;
	p.secret_key = cr->secret_key;
	p.session_token = cr->session_token;
	p.region = a->region;
	p.service = req->service;
	p.time = (tl_now_ms() + a->clock_offset_ms) / 1000;
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
	for (size_t i = 0; rc == 0 && i < res.nadd; i++) {
		char *line = res.add_headers[i], *colon = strchr(line, ':');
		char *name = xstrndup(line, (size_t)(colon - line));
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		tl_http_headers_add(out, name, v);
		free(name);
	}
	tl_sigv4_result_free(&res);
	free(sh);
	free(host);
	return rc;
}

/* ---- sending ---- */

struct stream_wrap {
	const struct tl_aws_req *req;
	bool read_called;
	size_t written;
};

static ssize_t wrap_read(char *buf, size_t n, void *ctx)
{
	struct stream_wrap *w = ctx;
	w->read_called = true;
	return w->req->read_fn(buf, n, w->req->read_ctx);
}

static int wrap_write(const char *p, size_t n, void *ctx)
{
	struct stream_wrap *w = ctx;
	w->written += n;
	return w->req->write_fn(p, n, w->req->write_ctx);
}

static uint64_t rand64(void)
{
	uint64_t r = 0;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
		/* no entropy source: any spread will do for jitter */
		r = (uint64_t)tl_mono_ms() * 6364136223846793005ULL + 1442695040888963407ULL;
	}
	return r;
}

/* botocore's standard mode: rand(0, 1) * min(2^(attempt - 1), 20) seconds. */
static long backoff_ms(int attempt)
{
	long cap = attempt >= 16 ? MAX_BACKOFF_MS : 1000L << (attempt - 1);
	if (cap > MAX_BACKOFF_MS)
		cap = MAX_BACKOFF_MS;
	return (long)((double)(rand64() >> 11) / (double)(1ULL << 53) * (double)cap);
}

/* A 200 from S3 whose body is an <Error> document. */
static bool s3_error_in_200(const struct tl_http_resp *resp)
{
	const char *p = resp->body.data, *end = p + resp->body.len;
	if (!p || resp->body.len == 0)
		return false;
	p = skip_ws(p, end);
	if (end - p > 5 && memcmp(p, "<?xml", 5) == 0) {
		const char *q = memchr(p, '>', (size_t)(end - p));
		if (!q)
			return false;
		p = skip_ws(q + 1, end);
	}
	return end - p >= 7 && memcmp(p, "<Error>", 7) == 0;
}

static void transport_error(struct tl_aws_error *err, const struct tl_http_resp *resp)
{
	memset(err, 0, sizeof *err);
	err->status = 0;
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

int tl_aws_send(struct tl_aws *a, const struct tl_aws_req *req, struct tl_http_resp *resp,
		struct tl_aws_error *err)
{
	struct tl_url u;
	struct tl_http_req hr = { 0 };
	struct stream_wrap w = { 0 };
	int attempt = 0, acquired = 0;
	bool skew_retried = false;

	memset(err, 0, sizeof *err);
	a->ndelays = 0;
	if (!req->url || tl_url_parse(req->url, &u) != 0) {
		err->message = xasprintf("invalid URL \"%s\"", req->url ? req->url : "");
		return -1;
	}
	w.req = req;
	hr.method = req->method ? req->method : "GET";
	hr.url = req->url;
	hr.body = req->body;
	hr.body_len = req->body_len;
	if (req->read_fn) {
		hr.read_fn = wrap_read;
		hr.read_ctx = &w;
		hr.body_size = req->body_size;
	}
	if (req->write_fn) {
		hr.write_fn = wrap_write;
		hr.write_ctx = &w;
	}

	for (;;) {
		struct tl_http_headers hd = { 0 };
		struct tl_creds cr = { 0 };
		char *why = NULL;
		bool quota_ok, stream_ok;
		long delay;
		int cost;

		attempt++;
		w.read_called = false;
		w.written = 0;
		if (tl_creds_get(a->creds, &cr, &why) != 0) {
			tl_aws_error_free(err);
			err->message = why ? why : xstrdup("no AWS credentials");
			err->attempts = attempt;
			tl_url_free(&u);
			return -1;
		}
		if (sign_request(a, req, &u, &cr, &hd, &why) != 0) {
			tl_creds_free(&cr);
			tl_http_headers_free(&hd);
			tl_aws_error_free(err);
			err->message = why;
			err->attempts = attempt;
			tl_url_free(&u);
			return -1;
		}
		tl_creds_free(&cr);
		hr.headers = &hd;
		tl_aws_error_free(err);
		if (tl_http_do(a->http, &hr, resp) != 0) {
			transport_error(err, resp);
			cost = resp->timed_out ? QUOTA_TIMEOUT_COST : QUOTA_RETRY_COST;
		} else if (resp->status >= 200 && resp->status < 300 &&
			   !(req->s3 && !req->write_fn && s3_error_in_200(resp))) {
			tl_http_headers_free(&hd);
			a->quota += acquired ? acquired : QUOTA_SUCCESS;
			if (a->quota > QUOTA_MAX)
				a->quota = QUOTA_MAX;
			tl_url_free(&u);
			return 0;
		} else {
			tl_aws_parse_error(resp->status, &resp->headers, resp->body.data,
					   resp->body.len, err);
			if (resp->status >= 200 && resp->status < 300)
				err->retryable = true; /* S3's 200 with an error inside */
			cost = QUOTA_RETRY_COST;
		}
		tl_http_headers_free(&hd);
		err->attempts = attempt;

		/* A body already read and not rewindable, or a download begun: no second try. */
		stream_ok = (!req->read_fn || !w.read_called || req->rewind_fn) && w.written == 0;
		if (!stream_ok)
			break;
		/* A clock-skew refusal is retried once, at once, with the server's time. */
		if (err->status && !skew_retried && adjust_clock(a, resp, err)) {
			skew_retried = true;
			if (req->read_fn && w.read_called && req->rewind_fn(req->read_ctx) != 0)
				break;
			attempt--; /* not the service's fault; does not use up an attempt */
			continue;
		}
		if (!err->retryable || attempt >= a->max_attempts)
			break;
		quota_ok = a->quota >= cost;
		if (!quota_ok) {
			tl_debug("aws: retry quota used up; not retrying");
			break;
		}
		a->quota -= cost;
		acquired = cost;
		if (req->read_fn && w.read_called && req->rewind_fn(req->read_ctx) != 0) {
			tl_debug("aws: the request body cannot be rewound; not retrying");
			break;
		}
		delay = backoff_ms(attempt);
		if (a->ndelays < MAX_DELAYS)
			a->delays[a->ndelays++] = delay;
		delay = (long)((double)delay * a->retry_scale);
		if (tl_log_enabled(TL_LOG_DEBUG)) {
			char *t = tl_aws_error_text(err);
			tl_debug("aws: %s %s: %s; retry %d of %d in %ld ms", req->service, hr.method, t,
				 attempt, a->max_attempts - 1, delay);
			free(t);
		}
		if (delay > 0 && tl_sleep_ms(delay))
			break; /* a stop signal */
	}
	tl_url_free(&u);
	return -1;
}

/* ---- JSON 1.1 ---- */

int tl_aws_json_call(struct tl_aws *a, const char *service, const char *target,
		     const cJSON *body, cJSON **out, struct tl_aws_error *err)
{
	struct tl_http_headers hd = { 0 };
	struct tl_aws_req req = { 0 };
	struct tl_http_resp resp;
	char *text = body ? tl_json_print(body) : xstrdup("{}");
	char *url = xasprintf("%s/", tl_aws_endpoint(a, service, NULL));
	int rc;

	*out = NULL;
	tl_http_headers_add(&hd, "Content-Type", "application/x-amz-json-1.1");
	tl_http_headers_add(&hd, "X-Amz-Target", target);
	req.service = service;
	req.method = "POST";
	req.url = url;
	req.headers = &hd;
	req.body = text;
	req.body_len = strlen(text);
	tl_http_resp_init(&resp);
	rc = tl_aws_send(a, &req, &resp, err);
	if (rc == 0) {
		size_t pos = 0;
		*out = resp.body.len ? tl_json_parse(resp.body.data, resp.body.len, &pos) : tl_json_obj();
		if (!*out) {
			err->status = resp.status;
			err->message = xasprintf("%s: the response is not JSON (at byte %zu)", target,
						 pos);
			set_str(&err->request_id, tl_http_headers_get(&resp.headers,
								      "x-amzn-RequestId"));
			rc = -1;
		}
	}
	tl_http_resp_free(&resp);
	tl_http_headers_free(&hd);
	free(text);
	free(url);
	return rc;
}
