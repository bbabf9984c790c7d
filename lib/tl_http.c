/* tl_http.c: the HTTP transport over one reused libcurl easy handle per struct tl_http. */
#include "tl_http.h"

#include "tl_alloc.h"
#include "tl_log.h"
#include "tl_sig.h"
#include "tl_str.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RESP_BODY_MAX ((size_t)256 << 20)

struct tl_http {
	CURL *curl;
	long connect_timeout_ms;
	long timeout_ms;
	long low_speed_secs;
	long low_speed_bytes;
	char *ca_bundle;
	bool insecure;
	char *user_agent;
	char errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks of one transfer share. */
struct xfer {
	const struct tl_http_req *req;
	struct tl_http_resp *resp;
	CURL *curl;
	const char *mem;  /* in-memory body */
	size_t mem_len, mem_off;
	bool body_err;    /* resp->body over its cap */
	bool reader_err;  /* read_fn failed */
	bool writer_err;  /* write_fn refused */
	bool interrupted;
	int status_known; /* -1 unknown, 0 non-2xx, 1 2xx (decides where body bytes go) */
};

/* ---- headers ---- */

void tl_http_headers_add(struct tl_http_headers *h, const char *name, const char *value)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 8;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	h->v[h->n].name = xstrdup(name);
	h->v[h->n].value = xstrdup(value ? value : "");
	h->n++;
}

void tl_http_headers_set(struct tl_http_headers *h, const char *name, const char *value)
{
	size_t j = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (strcasecmp(h->v[i].name, name) == 0) {
			free(h->v[i].name);
			tl_secret_free(h->v[i].value);
			continue;
		}
		h->v[j++] = h->v[i];
	}
	h->n = j;
	tl_http_headers_add(h, name, value);
}

const char *tl_http_headers_get(const struct tl_http_headers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].name, name) == 0)
			return h->v[i].value;
	return NULL;
}

void tl_http_headers_free(struct tl_http_headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].name);
		tl_secret_free(h->v[i].value); /* Authorization, X-Amz-Security-Token... */
	}
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

/* ---- responses ---- */

void tl_http_resp_init(struct tl_http_resp *r)
{
	memset(r, 0, sizeof *r);
	tl_buf_init(&r->body, RESP_BODY_MAX);
}

void tl_http_resp_free(struct tl_http_resp *r)
{
	tl_http_headers_free(&r->headers);
	tl_buf_release(&r->body);
}

static void resp_reset(struct tl_http_resp *r)
{
	tl_http_headers_free(&r->headers);
	tl_buf_reset(&r->body);
	r->status = 0;
	r->curl_code = 0;
	r->error[0] = '\0';
	r->timed_out = false;
}

/* ---- the handle ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct tl_http *tl_http_new(const struct tl_http_opts *opts)
{
	static const struct tl_http_opts defaults;
	struct tl_http *h;

	if (!opts)
		opts = &defaults;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		tl_die(1, "libcurl initialisation failed: %s", curl_easy_strerror(curl_init_rc));
	h = xcalloc(1, sizeof *h);
	h->curl = curl_easy_init();
	if (!h->curl)
		tl_die(1, "out of memory (curl_easy_init)");
	h->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
	h->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 0;
	h->low_speed_secs = opts->low_speed_secs > 0 ? opts->low_speed_secs : 0;
	h->low_speed_bytes = opts->low_speed_bytes > 0 ? opts->low_speed_bytes : 1;
	h->ca_bundle = opts->ca_bundle && *opts->ca_bundle ? xstrdup(opts->ca_bundle) : NULL;
	h->insecure = opts->insecure;
	h->user_agent = xstrdup(opts->user_agent && *opts->user_agent ? opts->user_agent
								  : "tweetlake/" TL_VERSION);
	return h;
}

void tl_http_free(struct tl_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h->ca_bundle);
	free(h->user_agent);
	free(h);
}

/* ---- callbacks ---- */

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nitems;

	if (x->req->read_fn) {
		ssize_t got = x->req->read_fn(buf, n, x->req->read_ctx);
		if (got < 0 || (size_t)got > n) {
			x->reader_err = true;
			return CURL_READFUNC_ABORT;
		}
		return (size_t)got;
	}
	if (n > x->mem_len - x->mem_off)
		n = x->mem_len - x->mem_off;
	if (n)
		memcpy(buf, x->mem + x->mem_off, n);
	x->mem_off += n;
	return n;
}

/* libcurl rewinds when it resends a request on a reused connection that had died. An in-memory
 * body can go back; a streamed one cannot (the caller retries with its own rewind). */
static int seek_cb(void *ctx, curl_off_t off, int origin)
{
	struct xfer *x = ctx;
	if (x->req->read_fn)
		return CURL_SEEKFUNC_CANTSEEK;
	if (origin != SEEK_SET || off < 0 || (curl_off_t)x->mem_len < off)
		return CURL_SEEKFUNC_FAIL;
	x->mem_off = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static bool is_2xx(long st)
{
	return st >= 200 && st < 300;
}

static size_t write_cb(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nmemb;

	if (x->status_known < 0) {
		long st = 0;
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &st);
		x->status_known = is_2xx(st) ? 1 : 0;
	}
	if (x->req->write_fn && x->status_known == 1) {
		if (x->req->write_fn(p, n, x->req->write_ctx) != 0) {
			x->writer_err = true;
			return 0;
		}
		return n;
	}
	if (tl_buf_add(&x->resp->body, p, n) != 0) {
		x->body_err = true;
		return 0;
	}
	return n;
}

static size_t header_cb(char *p, size_t size, size_t nitems, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nitems, end = n;
	const char *colon;

	while (end > 0 && (p[end - 1] == '\n' || p[end - 1] == '\r'))
		end--;
	if (end >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue, a proxy's CONNECT...): keep only the last. */
		tl_http_headers_free(&x->resp->headers);
		x->status_known = -1;
		return n;
	}
	colon = memchr(p, ':', end);
	if (colon && colon > p) {
		char *name = xstrndup(p, (size_t)(colon - p));
		const char *v = colon + 1, *ve = p + end;
		char *value;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		value = xstrndup(v, (size_t)(ve - v));
		tl_http_headers_add(&x->resp->headers, name, value);
		free(name);
		free(value);
	}
	return n;
}

/* Trace: the request and response lines and headers as they went over the wire. */
static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *ctx)
{
	const char *mark;
	size_t i = 0;
	(void)c;
	(void)ctx;
	switch (type) {
	case CURLINFO_HEADER_OUT: mark = "> "; break;
	case CURLINFO_HEADER_IN: mark = "< "; break;
	case CURLINFO_TEXT: mark = "* "; break;
	default: return 0;
	}
	while (i < size) {
		size_t j = i;
		while (j < size && data[j] != '\n' && data[j] != '\r')
			j++;
		if (j > i)
			tl_trace("http: %s%.*s", mark, (int)(j - i), data + i);
		while (j < size && (data[j] == '\n' || data[j] == '\r'))
			j++;
		i = j;
	}
	return 0;
}

static int progress_cb(void *ctx, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	struct xfer *x = ctx;
	(void)dlt;
	(void)dln;
	(void)ult;
	(void)uln;
	if (x->req->stop_on_signal && tl_sig_caught()) {
		x->interrupted = true;
		return 1;
	}
	return 0;
}

/* ---- one request ---- */

/* Frees a header list, zeroing its lines first (they carry tokens and signatures). */
static void slist_free(struct curl_slist *l)
{
	for (struct curl_slist *i = l; i; i = i->next)
		explicit_bzero(i->data, strlen(i->data));
	curl_slist_free_all(l);
}

static struct curl_slist *slist_add(struct curl_slist *l, const char *line)
{
	struct curl_slist *n = curl_slist_append(l, line);
	if (!n)
		tl_die(1, "out of memory (curl_slist_append)");
	return n;
}

static bool valid_header(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

int tl_http_do(struct tl_http *h, const struct tl_http_req *req, struct tl_http_resp *resp)
{
	CURL *c = h->curl;
	struct curl_slist *hl = NULL;
	struct xfer x;
	const char *m = req->method ? req->method : "GET";
	bool has_body = req->read_fn || req->body_len > 0;
	int64_t size = req->read_fn ? req->body_size : (int64_t)req->body_len;
	bool want_ct_removed = false, have_ct = false, have_expect = false;
	CURLcode rc;
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : h->timeout_ms;
	long lowspeed = req->low_speed_secs > 0 ? req->low_speed_secs : h->low_speed_secs;
	long lowbytes = req->low_speed_bytes > 0 ? req->low_speed_bytes : h->low_speed_bytes;

	resp_reset(resp);
	memset(&x, 0, sizeof x);
	x.req = req;
	x.resp = resp;
	x.curl = c;
	x.mem = req->body;
	x.mem_len = req->body ? req->body_len : 0;
	x.status_known = -1;
	if (!req->url || !*req->url) {
		snprintf(resp->error, sizeof resp->error, "no URL");
		return -1;
	}
	if (req->read_fn && size < -1)
		size = -1;

	curl_easy_reset(c); /* keeps live connections, DNS and TLS session caches */
	h->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	/* the path goes out byte for byte: a signed request is signed over it, and an S3 key may
	 * hold "/../" that libcurl would otherwise fold, sending the PUT to another key or bucket */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	if (lowspeed > 0) {
		/* libcurl averages the speed over the last few seconds, both ways */
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, lowbytes);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, lowspeed);
	}
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->insecure ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->insecure ? 0L : 2L);
	if (h->ca_bundle)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_bundle);
	curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
	/* Proxies: libcurl reads http_proxy, https_proxy, HTTPS_PROXY, no_proxy by itself. */

	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &x);
	curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_cb);
	curl_easy_setopt(c, CURLOPT_SEEKDATA, &x);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (tl_log_enabled(TL_LOG_TRACE)) {
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}

	if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		has_body = false;
	} else if (strcmp(m, "GET") == 0 && !has_body) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(m, "POST") == 0) {
		/* The read callback even for memory bodies: no copy, one code path. */
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(has_body ? size : 0));
		want_ct_removed = true;
	} else if (has_body || strcmp(m, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(has_body ? size : 0));
		if (strcmp(m, "PUT") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
	}

	if (req->headers) {
		for (size_t i = 0; i < req->headers->n; i++) {
			const struct tl_http_hdr *hd = &req->headers->v[i];
			char *line;
			if (!valid_header(hd->name) || !valid_header(hd->value) || !*hd->name ||
			    strchr(hd->name, ':')) {
				snprintf(resp->error, sizeof resp->error, "invalid header name or value");
				slist_free(hl);
				return -1;
			}
			if (strcasecmp(hd->name, "Content-Type") == 0)
				have_ct = true;
			if (strcasecmp(hd->name, "Expect") == 0)
				have_expect = true;
			/* "Name;" is libcurl's way of sending a header with an empty value. */
			line = *hd->value ? xasprintf("%s: %s", hd->name, hd->value)
					  : xasprintf("%s;", hd->name);
			hl = slist_add(hl, line);
			tl_secret_free(line);
		}
	}
	if (want_ct_removed && !have_ct)
		hl = slist_add(hl, "Content-Type:");
	if (!have_expect)
		hl = slist_add(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);

	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	slist_free(hl);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	resp->curl_code = (int)rc;
	if (rc == CURLE_OK) {
		tl_debug("http: %s %s -> %ld", m, req->url, resp->status);
		return 0;
	}
	resp->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
	if (x.interrupted)
		snprintf(resp->error, sizeof resp->error, "interrupted");
	else if (x.reader_err)
		snprintf(resp->error, sizeof resp->error, "reading the request body failed");
	else if (x.writer_err)
		snprintf(resp->error, sizeof resp->error, "response body refused by its consumer");
	else if (x.body_err)
		snprintf(resp->error, sizeof resp->error, "response body over %zu MiB",
			 RESP_BODY_MAX >> 20);
	else if (h->errbuf[0])
		snprintf(resp->error, sizeof resp->error, "%s", h->errbuf);
	else
		snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(rc));
	tl_debug("http: %s %s: %s", m, req->url, resp->error);
	return -1;
}

/* ---- URLs ---- */

char *tl_url_encode(const char *s, size_t n)
{
	char *out = xmalloc(n * 3 + 1);
	*tl_pct_encode(out, s, n, true) = '\0';
	return out;
}

void tl_url_free(struct tl_url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->path);
	free(u->query);
	memset(u, 0, sizeof *u);
}

int tl_url_parse(const char *url, struct tl_url *u)
{
	const char *p = url, *auth, *auth_end, *host_end, *q, *frag;
	memset(u, 0, sizeof *u);
	if (!url)
		return -1;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (p == url || !isalpha((unsigned char)*url) || strncmp(p, "://", 3) != 0)
		return -1;
	auth = p + 3;
	auth_end = auth + strcspn(auth, "/?#");
	if (auth_end == auth || memchr(auth, '@', (size_t)(auth_end - auth)))
		return -1;
	for (const char *s = url; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return -1;
	if (*auth == '[') {
		const char *rb = memchr(auth, ']', (size_t)(auth_end - auth));
		if (!rb || rb == auth + 1)
			return -1;
		host_end = rb + 1;
		if (host_end != auth_end && *host_end != ':')
			return -1;
	} else {
		host_end = memchr(auth, ':', (size_t)(auth_end - auth));
		if (!host_end)
			host_end = auth_end;
		if (host_end == auth)
			return -1;
	}
	if (host_end < auth_end) {
		const char *d = host_end + 1;
		long port = 0;
		if (d == auth_end)
			return -1;
		for (; d < auth_end; d++) {
			if (!isdigit((unsigned char)*d))
				return -1;
			port = port * 10 + (*d - '0');
			if (port > 65535)
				return -1;
		}
		if (port == 0)
			return -1;
		u->port = (int)port;
	}
	u->scheme = xstrndup(url, (size_t)(p - url));
	for (char *s = u->scheme; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	u->host = xstrndup(auth, (size_t)(host_end - auth));
	frag = strchr(auth_end, '#');
	if (!frag)
		frag = auth_end + strlen(auth_end);
	q = memchr(auth_end, '?', (size_t)(frag - auth_end));
	if (!q) {
		u->path = auth_end < frag ? xstrndup(auth_end, (size_t)(frag - auth_end)) : xstrdup("/");
	} else {
		u->path = auth_end < q ? xstrndup(auth_end, (size_t)(q - auth_end)) : xstrdup("/");
		u->query = xstrndup(q + 1, (size_t)(frag - q - 1));
	}
	return 0;
}

int tl_url_port(const struct tl_url *u)
{
	if (u->port)
		return u->port;
	if (u->scheme && strcmp(u->scheme, "https") == 0)
		return 443;
	if (u->scheme && strcmp(u->scheme, "http") == 0)
		return 80;
	return 0;
}
