/* tl_aws.c: the client context: configuration, endpoints, refreshed credentials, and sending
 * over tl_awsreq with the AWS standard retry mode. */
#include "tl_aws.h"

#include "tl_alloc.h"
#include "tl_awsconf.h"
#include "tl_creds.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_time.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct tl_retry_policy retry; /* the standard mode */
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
	ca = tl_awsconf_ca_bundle(conf);

	a = xcalloc(1, sizeof *a);
	a->conf = conf;
	a->region = xstrdup(region);
	a->endpoint_flag = opts->endpoint_url && *opts->endpoint_url ? xstrdup(opts->endpoint_url)
								      : NULL;
	a->max_attempts = attempts;
	/* botocore's standard mode: rand(0, 1) * min(2^(attempt - 1), 20) seconds */
	a->retry = (struct tl_retry_policy){ .max_attempts = attempts, .base_ms = 1000,
					     .max_ms = 20000, .growth = 2, .jitter = 1 };
	a->retry_scale = 1.0;
	a->quota = TL_RETRY_QUOTA_MAX;
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
	if (!tl_aws_code_clock_skew(e->code))
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

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
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

int tl_aws_send(struct tl_aws *a, const struct tl_aws_req *req, struct tl_http_resp *resp,
		struct tl_aws_error *err)
{
	struct stream_wrap w = { .req = req };
	struct tl_awsreq rq = {
		.service = req->service,
		.region = a->region,
		.method = req->method ? req->method : "GET",
		.url = req->url,
		.headers = req->headers,
		.body = req->body,
		.body_len = req->body_len,
		.payload_hash = req->payload_hash,
		.s3 = req->s3,
	};
	struct tl_retry r;
	bool skew_retried = false;

	memset(err, 0, sizeof *err);
	a->ndelays = 0;
	if (req->read_fn) {
		rq.read_fn = wrap_read;
		rq.read_ctx = &w;
		rq.body_size = req->body_size;
	}
	if (req->write_fn) {
		rq.write_fn = wrap_write;
		rq.write_ctx = &w;
	}
	tl_retry_start(&r, &a->retry, &a->quota);
	r.scale = a->retry_scale;
	for (;;) {
		struct tl_creds cr = { 0 };
		char *why = NULL;

		w.read_called = false;
		w.written = 0;
		tl_aws_error_free(err);
		err->attempts = r.attempts;
		if (tl_creds_get(a->creds, &cr, &why) != 0) {
			err->message = why ? why : xstrdup("no AWS credentials");
			return -1;
		}
		rq.clock_offset_ms = a->clock_offset_ms;
		int rc = tl_awsreq_send(a->http, &rq, &cr, resp, &why);
		tl_creds_free(&cr);
		if (rc != 0 && why) {
			err->message = why;
			return -1;
		}
		if (rc != 0) {
			tl_aws_transport_error(resp, err);
		} else if (resp->status >= 200 && resp->status < 300 &&
			   !(req->s3 && !req->write_fn && s3_error_in_200(resp))) {
			tl_retry_done(&r);
			return 0;
		} else {
			tl_aws_parse_error(resp->status, &resp->headers, resp->body.data,
					   resp->body.len, err);
			if (resp->status >= 200 && resp->status < 300)
				err->retryable = true; /* S3's 200 with an error inside */
		}
		err->attempts = r.attempts;

		/* A body already read and not rewindable, or a download begun: no second try. */
		if ((req->read_fn && w.read_called && !req->rewind_fn) || w.written > 0)
			break;
		/* A clock-skew refusal is retried once, at once, with the server's time: not the
		 * service's fault, it does not use up an attempt. */
		if (err->status && !skew_retried && adjust_clock(a, resp, err)) {
			skew_retried = true;
			if (req->read_fn && w.read_called && req->rewind_fn(req->read_ctx) != 0)
				break;
			continue;
		}
		if (!err->retryable)
			break;
		long delay = tl_retry_next(&r, err->timed_out);
		if (delay < 0)
			break;
		if (a->ndelays < MAX_DELAYS)
			a->delays[a->ndelays++] = r.last_delay_ms;
		if (req->read_fn && w.read_called && req->rewind_fn(req->read_ctx) != 0) {
			tl_debug("aws: the request body cannot be rewound; not retrying");
			break;
		}
		if (tl_log_enabled(TL_LOG_DEBUG)) {
			char *t = tl_aws_error_text(err);
			tl_debug("aws: %s %s: %s; retry %d of %d in %ld ms", req->service, rq.method, t,
				 r.attempts - 1, a->max_attempts - 1, delay);
			free(t);
		}
		if (!tl_retry_wait(&r, delay))
			break; /* a stop signal */
	}
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
			const char *rid = tl_http_headers_get(&resp.headers, "x-amzn-RequestId");
			err->request_id = rid ? xstrdup(rid) : NULL;
			rc = -1;
		}
	}
	tl_http_resp_free(&resp);
	tl_http_headers_free(&hd);
	free(text);
	free(url);
	return rc;
}
