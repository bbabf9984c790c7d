#include "tl_xstream.h"
#include "tl_alloc.h"
#include "tl_io.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_sig.h"
#include "tl_time.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERR_BODY_MAX (64 * 1024)

struct conn {
	const struct tl_xstream_opts *o;
	struct tl_xstream_result *r;
	struct tl_buf pending;    /* the unfinished line */
	bool skipping;            /* inside a line over the cap */
	int stop;                 /* what on_line asked, or -1 for a signal/deadline */
	int64_t last_byte;        /* tl_mono_ms() of the last byte (or of the start) */
};

void tl_xstream_result_init(struct tl_xstream_result *r)
{
	memset(r, 0, sizeof *r);
	tl_buf_init(&r->body, ERR_BODY_MAX);
	r->rate_reset_ms = -1;
}

void tl_xstream_result_free(struct tl_xstream_result *r)
{
	tl_buf_release(&r->body);
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct conn *c = ud;
	size_t n = size * nmemb;
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', n);
		long st = 0;
		for (const char *q = sp ? sp + 1 : p + n; q < p + n && *q >= '0' && *q <= '9'; q++)
			st = st * 10 + (*q - '0');
		c->r->status = st;
		c->r->rate_reset_ms = -1;
		return n;
	}
	static const char rr[] = "x-rate-limit-reset:";
	if (n > sizeof rr - 1 && strncasecmp(p, rr, sizeof rr - 1) == 0) {
		char v[32];
		size_t k = 0;
		for (size_t i = sizeof rr - 1; i < n && k < sizeof v - 1; i++)
			if (p[i] >= '0' && p[i] <= '9')
				v[k++] = p[i];
		v[k] = 0;
		int64_t secs;
		if (k && tl_parse_i64(v, 0, INT64_MAX / 1000, &secs) == 0)
			c->r->rate_reset_ms = secs * 1000;
	}
	if (tl_log_enabled(TL_LOG_TRACE) && n > 2)
		tl_trace("< %.*s", (int)(n - 2), p);
	return n;
}

/* Hands one complete line to the caller; returns false to abort the transfer. */
static bool deliver(struct conn *c, const char *p, size_t n)
{
	if (n && p[n - 1] == '\r')
		n--;
	c->r->lines++;
	int what = c->o->on_line(p, n, c->o->ctx);
	if (what != TL_XS_GO_ON) {
		c->stop = what;
		return false;
	}
	return true;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct conn *c = ud;
	size_t n = size * nmemb, total = n;
	c->last_byte = tl_mono_ms();
	c->r->bytes += n;
	if (c->r->status != 200) {
		size_t room = ERR_BODY_MAX - 1 - c->r->body.len;
		tl_buf_add(&c->r->body, p, n < room ? n : room);
		return total;
	}
	c->r->got_bytes = true;
	size_t max = c->o->line_max ? c->o->line_max : TL_LINE_MAX_DEFAULT;
	while (n) {
		char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		if (c->skipping) {
			if (nl)
				c->skipping = false;
		} else if (!nl) {
			if (c->pending.len + k > max) {
				c->r->too_long++;
				tl_buf_reset(&c->pending);
				c->skipping = true;
			} else {
				tl_buf_add(&c->pending, p, k);
			}
		} else if (c->pending.len) {
			if (c->pending.len + k > max) {
				c->r->too_long++;
				tl_buf_reset(&c->pending);
			} else {
				tl_buf_add(&c->pending, p, k);
				bool go = deliver(c, c->pending.data, c->pending.len);
				tl_buf_reset(&c->pending);
				if (!go)
					return 0;
			}
		} else if (k > max) {
			c->r->too_long++;
		} else if (!deliver(c, p, k)) {
			return 0;
		}
		if (!nl)
			break;
		p = nl + 1;
		n -= k + 1;
	}
	return total;
}

static int on_progress(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	(void)dlt, (void)dln, (void)ult, (void)uln;
	struct conn *c = ud;
	int64_t now = tl_mono_ms();
	if (tl_sig_caught() || (c->o->deadline_mono && now >= c->o->deadline_mono)) {
		c->stop = -1;
		return 1;
	}
	if (c->o->stall_ms && now - c->last_byte >= c->o->stall_ms) {
		c->r->stalled = true;
		return 1;
	}
	return 0;
}

int tl_xstream_run(const struct tl_xstream_opts *o, struct tl_xstream_result *r)
{
	tl_buf_reset(&r->body);
	struct tl_buf keep = r->body;
	memset(r, 0, sizeof *r);
	r->body = keep;
	r->rate_reset_ms = -1;

	struct conn c = { .o = o, .r = r, .stop = 0, .last_byte = tl_mono_ms() };
	tl_buf_init(&c.pending, 0);
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(r->error, sizeof r->error, "cannot start libcurl");
		return r->end = TL_XS_END_NET;
	}
	char *auth = xasprintf("Authorization: Bearer %s", o->token ? o->token : "");
	char *ua = xasprintf("User-Agent: tw-stream/%s (tweetlake)", TL_VERSION);
	struct curl_slist *hdrs = NULL;
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, ua);
	curl_easy_setopt(h, CURLOPT_URL, o->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &c);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* one connection, closed when this returns: no stale connection may linger at X */
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	tl_debug("connecting to %s", o->url);

	CURLcode cc = curl_easy_perform(h);
	const char *cerr = curl_easy_strerror(cc);
	curl_easy_cleanup(h);
	for (struct curl_slist *l = hdrs; l; l = l->next) /* libcurl's copy of the token too */
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(hdrs);
	tl_secret_free(auth);
	free(ua);
	r->cut_bytes = c.pending.len;
	tl_buf_release(&c.pending);

	if (c.stop == TL_XS_STOP || c.stop == -1)
		return r->end = TL_XS_END_STOP;
	if (c.stop == TL_XS_RECONNECT)
		return r->end = TL_XS_END_RECONNECT;
	if (r->status && r->status != 200) {
		snprintf(r->error, sizeof r->error, "HTTP %ld", r->status);
		return r->end = TL_XS_END_HTTP;
	}
	if (r->stalled)
		snprintf(r->error, sizeof r->error, "no data for %.1f s (stalled)", (double)o->stall_ms / 1000);
	else if (cc != CURLE_OK)
		snprintf(r->error, sizeof r->error, "%s", cerr);
	else
		snprintf(r->error, sizeof r->error, "the server ended the stream");
	return r->end = TL_XS_END_NET;
}

void tl_backoff_reset(struct tl_backoff *b)
{
	memset(b, 0, sizeof *b);
}

int64_t tl_backoff_next(struct tl_backoff *b, int cls, int64_t reset_ms, int64_t now_ms)
{
	if (cls < 0 || cls > 2)
		cls = TL_BACKOFF_HTTP;
	int k = ++b->n[cls];
	if (k > 100) /* past every cap; keeps the shifts below small */
		k = b->n[cls] = 100;
	switch (cls) {
	case TL_BACKOFF_NET: {
		int64_t d = 250LL * k;
		return d > 16000 ? 16000 : d;
	}
	case TL_BACKOFF_HTTP: {
		int64_t d = 5000LL << (k - 1 < 7 ? k - 1 : 7);
		return d > 320000 ? 320000 : d;
	}
	default:
		if (reset_ms > now_ms)
			return reset_ms - now_ms;
		int64_t d = 60000LL << (k - 1 < 5 ? k - 1 : 5);
		return d > 960000 ? 960000 : d;
	}
}
