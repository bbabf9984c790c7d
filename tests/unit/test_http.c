/* Unit tests for tl_http against a loopback stub server (tests/stubs/http-stub.py). */
#include "http_stub.h"
#include "t.h"
#include "tl_log.h"
#include "tl_sig.h"
#include "tl_time.h"

#include <fcntl.h>
#include <stdint.h>

static struct tl_http *H;

/* The stub's echo of the last request made with H (parsed body of resp). */
static cJSON *do_echo(const struct tl_http_req *req, struct tl_http_resp *resp)
{
	if (tl_http_do(H, req, resp) != 0 || resp->status != 200)
		return NULL;
	return tl_json_parse(resp->body.data, resp->body.len, NULL);
}

static void test_url_parse(void)
{
	struct tl_url u;
	T_CHECK(tl_url_parse("HTTPS://s3.us-east-1.amazonaws.com/b/k%20x?list-type=2&a=b#frag", &u) == 0);
	T_EQ_STR(u.scheme, "https");
	T_EQ_STR(u.host, "s3.us-east-1.amazonaws.com");
	T_EQ_STR(u.path, "/b/k%20x");
	T_EQ_STR(u.query, "list-type=2&a=b");
	T_EQ_INT(u.port, 0);
	T_EQ_INT(tl_url_port(&u), 443);
	tl_url_free(&u);

	T_CHECK(tl_url_parse("http://127.0.0.1:5000", &u) == 0);
	T_EQ_STR(u.host, "127.0.0.1");
	T_EQ_STR(u.path, "/");
	T_CHECK(u.query == NULL);
	T_EQ_INT(u.port, 5000);
	tl_url_free(&u);

	T_CHECK(tl_url_parse("http://[::1]:8080/x?", &u) == 0);
	T_EQ_STR(u.host, "[::1]");
	T_EQ_STR(u.path, "/x");
	T_EQ_STR(u.query, "");
	T_EQ_INT(u.port, 8080);
	T_EQ_INT(tl_url_port(&u), 8080);
	tl_url_free(&u);

	T_CHECK(tl_url_parse("http://h?q=1", &u) == 0);
	T_EQ_STR(u.path, "/");
	T_EQ_STR(u.query, "q=1");
	T_EQ_INT(tl_url_port(&u), 80);
	tl_url_free(&u);

	static const char *bad[] = { "", "h/x", "://h/", "http//h", "http://", "http://:80/",
				     "http://h:/", "http://h:0/", "http://h:65536/", "http://h:8x/",
				     "http://u:p@h/", "http://h/a b", "http://[::1/", "http://[::1]x/",
				     "1http://h/" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = tl_url_parse(bad[i], &u);
		if (rc == 0)
			printf("#   accepted bad URL \"%s\"\n", bad[i]);
		T_CHECK(rc == -1);
		T_CHECK(u.host == NULL);
	}
	T_CHECK(tl_url_parse(NULL, &u) == -1);
}

static void test_url_encode(void)
{
	char *s = tl_url_encode("a b/c=d&e~f_g.h-i+\xc3\xa9%", 21);
	T_EQ_STR(s, "a%20b%2Fc%3Dd%26e~f_g.h-i%2B%C3%A9%25");
	free(s);
	s = tl_url_encode("x\0y", 3);
	T_EQ_STR(s, "x%00y");
	free(s);
	s = tl_url_encode("", 0);
	T_EQ_STR(s, "");
	free(s);
}

static void test_headers(void)
{
	struct tl_http_headers h = { 0 };
	for (int i = 0; i < 20; i++)
		tl_http_headers_add(&h, "X-N", "v");
	tl_http_headers_add(&h, "Content-Type", "text/plain");
	tl_http_headers_add(&h, "x-amz-meta-a", NULL);
	T_EQ_INT(h.n, 22);
	T_EQ_STR(tl_http_headers_get(&h, "content-type"), "text/plain");
	T_EQ_STR(tl_http_headers_get(&h, "X-AMZ-META-A"), "");
	T_CHECK(tl_http_headers_get(&h, "nope") == NULL);
	tl_http_headers_set(&h, "x-n", "only");
	T_EQ_INT(h.n, 3);
	T_EQ_STR(tl_http_headers_get(&h, "X-N"), "only");
	T_EQ_STR(h.v[0].name, "Content-Type"); /* order of the others kept */
	tl_http_headers_free(&h);
	T_EQ_INT(h.n, 0);
	tl_http_headers_free(&h); /* twice is harmless */
}

static void test_get_echo_and_response_headers(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	char *url = stub_url("/path/a%20b?x=1&y=%2F");
	cJSON *e;

	stub_script("{\"actions\":[{\"echo\":true,\"headers\":{\"x-amz-request-id\":\"RID1\","
		    "\"X-Multi\":\"  spaced value  \"}}]}");
	req.method = "GET";
	req.url = url;
	tl_http_resp_init(&resp);
	e = do_echo(&req, &resp);
	T_CHECK(e != NULL);
	T_EQ_STR(tl_json_get_str(e, "method"), "GET");
	T_EQ_STR(tl_json_get_str(e, "target"), "/path/a%20b?x=1&y=%2F");
	T_EQ_STR(stub_req_header(e, "User-Agent"), "tweetlake/" TL_VERSION);
	T_CHECK(stub_req_header(e, "Content-Type") == NULL);
	T_CHECK(stub_req_header(e, "Expect") == NULL);
	T_EQ_STR(tl_http_headers_get(&resp.headers, "X-Amz-Request-Id"), "RID1");
	T_EQ_STR(tl_http_headers_get(&resp.headers, "x-multi"), "spaced value");
	T_EQ_STR(tl_http_headers_get(&resp.headers, "content-type"), "application/json");
	T_EQ_INT(resp.curl_code, 0);
	T_EQ_STR(resp.error, "");
	cJSON_Delete(e);
	tl_http_resp_free(&resp);
	free(url);
}

/* libcurl would add Content-Type: application/x-www-form-urlencoded to a POST, and
 * Expect: 100-continue to large or chunked uploads; neither may reach the server. */
static void test_post_content_type_and_expect(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	struct tl_http_headers hd = { 0 };
	char *url = stub_url("/");
	cJSON *e;

	stub_script("{}");
	req.method = "POST";
	req.url = url;
	req.body = "{\"a\":1}";
	req.body_len = 7;
	tl_http_resp_init(&resp);
	e = do_echo(&req, &resp);
	T_CHECK(e != NULL);
	T_CHECK(stub_req_header(e, "Content-Type") == NULL);
	T_EQ_STR(stub_req_header(e, "Content-Length"), "7");
	T_EQ_STR(tl_json_get_str(e, "body"), "{\"a\":1}");
	cJSON_Delete(e);

	tl_http_headers_add(&hd, "Content-Type", "application/x-amz-json-1.1");
	tl_http_headers_add(&hd, "X-Amz-Target", "AWSGlue.GetDatabase");
	tl_http_headers_add(&hd, "X-Empty", "");
	req.headers = &hd;
	e = do_echo(&req, &resp);
	T_CHECK(e != NULL);
	T_EQ_STR(stub_req_header(e, "Content-Type"), "application/x-amz-json-1.1");
	T_EQ_STR(stub_req_header(e, "X-Amz-Target"), "AWSGlue.GetDatabase");
	T_EQ_STR(stub_req_header(e, "X-Empty"), "");
	cJSON_Delete(e);

	/* An empty POST (S3 CreateMultipartUpload) */
	req.body = NULL;
	req.body_len = 0;
	e = do_echo(&req, &resp);
	T_CHECK(e != NULL);
	T_EQ_STR(stub_req_header(e, "Content-Length"), "0");
	T_EQ_INT(tl_json_get_i64(e, "body_len", &(int64_t){ 0 }), 0);
	cJSON_Delete(e);

	tl_http_resp_free(&resp);
	tl_http_headers_free(&hd);
	free(url);
}

static void test_put_large_memory_body(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	size_t n = 3u << 20;
	char *body = xmalloc(n);
	char *url = stub_url("/bucket/key");
	int64_t len = 0;
	int64_t t0;
	cJSON *e;

	for (size_t i = 0; i < n; i++)
		body[i] = (char)('a' + i % 26);
	stub_script("{}");
	req.method = "PUT";
	req.url = url;
	req.body = body;
	req.body_len = n;
	tl_http_resp_init(&resp);
	t0 = tl_mono_ms();
	e = do_echo(&req, &resp);
	T_CHECK(e != NULL);
	if (tl_mono_ms() - t0 >= 1000) /* a 100 Continue wait would take 1 s; load may too */
		printf("#   large PUT took %lld ms\n", (long long)(tl_mono_ms() - t0));
	T_CHECK(stub_req_header(e, "Expect") == NULL);
	T_CHECK(stub_req_header(e, "Content-Type") == NULL);
	T_CHECK(tl_json_get_i64(e, "body_len", &len) == 0);
	T_EQ_INT(len, (int64_t)n);
	T_EQ_STR(tl_json_get_str(e, "method"), "PUT");
	cJSON_Delete(e);
	tl_http_resp_free(&resp);
	free(body);
	free(url);
}

struct gen {
	size_t left, pos;
	int fail_at; /* fail on this call (1-based), 0 never */
	int calls;
};

static ssize_t gen_read(char *buf, size_t n, void *ctx)
{
	struct gen *g = ctx;
	if (++g->calls == g->fail_at)
		return -1;
	if (n > g->left)
		n = g->left;
	if (n > 1000)
		n = 1000; /* many small pieces */
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)('0' + (g->pos + i) % 10);
	g->pos += n;
	g->left -= n;
	return (ssize_t)n;
}

static void test_streamed_upload(void)
{
	static const char *methods[] = { "PUT", "POST" };
	char *url = stub_url("/up");
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	stub_script("{}");
	for (int m = 0; m < 2; m++) {
		for (int chunked = 0; chunked < 2; chunked++) {
			struct gen g = { 123456, 0, 0, 0 };
			struct tl_http_req req = { 0 };
			struct tl_http_headers hd = { 0 };
			int64_t len = 0;
			const char *body;
			cJSON *e;

			tl_http_headers_add(&hd, "Content-Type", "application/octet-stream");
			req.method = methods[m];
			req.url = url;
			req.headers = &hd;
			req.read_fn = gen_read;
			req.read_ctx = &g;
			req.body_size = chunked ? -1 : 123456;
			e = do_echo(&req, &resp);
			T_CHECK(e != NULL);
			T_EQ_STR(tl_json_get_str(e, "method"), methods[m]);
			T_CHECK(tl_json_get_i64(e, "body_len", &len) == 0);
			T_EQ_INT(len, 123456);
			T_CHECK(tl_json_get_bool(e, "chunked") == (chunked == 1));
			T_CHECK(stub_req_header(e, "Expect") == NULL);
			T_EQ_STR(stub_req_header(e, "Content-Type"), "application/octet-stream");
			body = tl_json_get_str(e, "body");
			T_CHECK(body && strncmp(body, "0123456789012", 13) == 0);
			T_CHECK(body && body[123455] == '5');
			cJSON_Delete(e);
			tl_http_headers_free(&hd);
		}
	}
	/* A body supplier that fails aborts the request as a transport error. */
	{
		struct gen g = { 50000, 0, 3, 0 };
		struct tl_http_req req = { 0 };
		req.method = "PUT";
		req.url = url;
		req.read_fn = gen_read;
		req.read_ctx = &g;
		req.body_size = 50000;
		T_EQ_INT(tl_http_do(H, &req, &resp), -1);
		T_CHECK(strstr(resp.error, "request body") != NULL);
	}
	tl_http_resp_free(&resp);
	free(url);
}

struct sink {
	struct tl_buf got;
	size_t calls;
	size_t refuse_after; /* 0 never */
};

static int sink_write(const char *p, size_t n, void *ctx)
{
	struct sink *s = ctx;
	s->calls++;
	if (s->refuse_after && s->got.len >= s->refuse_after)
		return -1;
	return tl_buf_add(&s->got, p, n);
}

static void test_streamed_download(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	struct sink s = { TL_BUF_INIT, 0, 0 };
	char *url = stub_url("/obj");

	stub_script("{\"actions\":["
		    "{\"body\":\"0123456789\",\"body_repeat\":100000},"
		    "{\"body\":\"abcdef\",\"body_repeat\":1000,\"chunked\":true},"
		    "{\"status\":404,\"body\":\"<Error><Code>NoSuchKey</Code></Error>\"},"
		    "{\"body\":\"x\",\"body_repeat\":1000000}]}");
	req.method = "GET";
	req.url = url;
	req.write_fn = sink_write;
	req.write_ctx = &s;
	tl_http_resp_init(&resp);
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	T_EQ_INT(resp.status, 200);
	T_EQ_INT(s.got.len, 1000000);
	T_EQ_INT(resp.body.len, 0);
	T_CHECK(s.got.len == 1000000 && memcmp(s.got.data + 999990, "0123456789", 10) == 0);

	tl_buf_reset(&s.got);
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	T_EQ_INT(s.got.len, 6000);
	T_CHECK(s.got.len == 6000 && memcmp(s.got.data + 5994, "abcdef", 6) == 0);

	/* An error body goes to resp.body, never to the consumer of the data. */
	tl_buf_reset(&s.got);
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	T_EQ_INT(resp.status, 404);
	T_EQ_INT(s.got.len, 0);
	T_EQ_STR(tl_buf_str(&resp.body), "<Error><Code>NoSuchKey</Code></Error>");

	/* A consumer that refuses aborts the transfer. */
	tl_buf_reset(&s.got);
	s.refuse_after = 10000;
	T_EQ_INT(tl_http_do(H, &req, &resp), -1);
	T_EQ_INT(resp.status, 200);
	T_CHECK(strstr(resp.error, "refused") != NULL);
	T_CHECK(s.got.len < 1000000);

	tl_buf_release(&s.got);
	tl_http_resp_free(&resp);
	free(url);
}

static void test_head_and_methods(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	char *url = stub_url("/bucket/key");
	cJSON *e;

	stub_script("{\"actions\":[{\"body\":\"twelve bytes\",\"headers\":{\"ETag\":\"\\\"abc\\\"\"}},"
		    "{\"status\":404}]}");
	req.method = "HEAD";
	req.url = url;
	tl_http_resp_init(&resp);
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	T_EQ_INT(resp.status, 200);
	T_EQ_STR(tl_http_headers_get(&resp.headers, "Content-Length"), "12");
	T_EQ_STR(tl_http_headers_get(&resp.headers, "ETag"), "\"abc\"");
	T_EQ_INT(resp.body.len, 0);
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	T_EQ_INT(resp.status, 404);

	req.method = "DELETE";
	e = do_echo(&req, &resp);
	T_CHECK(e != NULL);
	T_EQ_STR(tl_json_get_str(e, "method"), "DELETE");
	cJSON_Delete(e);

	req.method = "PATCH";
	req.body = "p";
	req.body_len = 1;
	e = do_echo(&req, &resp);
	T_CHECK(e != NULL);
	T_EQ_STR(tl_json_get_str(e, "method"), "PATCH");
	T_EQ_STR(tl_json_get_str(e, "body"), "p");
	cJSON_Delete(e);
	tl_http_resp_free(&resp);
	free(url);
}

static void test_connection_reuse(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	char *url = stub_url("/");
	cJSON *log;
	const cJSON *r;
	double c0 = -1, c;
	int same = 1, n = 0;

	stub_script("{}");
	req.method = "GET";
	req.url = url;
	tl_http_resp_init(&resp);
	for (int i = 0; i < 5; i++) {
		req.method = i % 2 ? "POST" : "GET";
		T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	}
	log = stub_log();
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(log, "requests")) {
		T_CHECK(tl_json_get_num(r, "conn", &c) == 0);
		if (c0 < 0)
			c0 = c;
		same &= c == c0;
		n++;
	}
	T_EQ_INT(n, 5);
	T_CHECK(same);
	cJSON_Delete(log);
	tl_http_resp_free(&resp);
	free(url);
}

static void test_transport_failures(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	char *url = stub_url("/");
	int64_t t0, dt;

	tl_http_resp_init(&resp);
	req.method = "GET";
	req.url = url;

	/* libcurl itself resends once when a reused connection dies before any answer (a
	 * server's idle close), so two resets in a row. */
	stub_script("{\"actions\":[{\"reset\":true},{\"reset\":true}]}");
	T_EQ_INT(tl_http_do(H, &req, &resp), -1);
	T_EQ_INT(stub_count(), 2);
	T_EQ_INT(resp.status, 0);
	T_CHECK(resp.curl_code != 0);
	T_CHECK(resp.error[0] != '\0');
	T_CHECK(!resp.timed_out);
	/* the handle still works afterwards */
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	T_EQ_INT(resp.status, 200);
	T_EQ_STR(resp.error, "");

	stub_script("{\"actions\":[{\"delay\":3}]}");
	req.timeout_ms = 400;
	t0 = tl_mono_ms();
	T_EQ_INT(tl_http_do(H, &req, &resp), -1);
	dt = tl_mono_ms() - t0;
	T_CHECK(resp.timed_out);
	T_CHECK(dt >= 350 && dt < 2000);
	req.timeout_ms = 0;

	/* A body that stops flowing: the low-speed limit ends it. */
	stub_script("{\"actions\":[{\"stall\":4}]}");
	req.low_speed_secs = 1;
	t0 = tl_mono_ms();
	T_EQ_INT(tl_http_do(H, &req, &resp), -1);
	dt = tl_mono_ms() - t0;
	T_CHECK(resp.timed_out);
	if (!(dt >= 900 && dt < 3900))
		printf("#   low speed abort after %lld ms: %s\n", (long long)dt, resp.error);
	T_CHECK(dt >= 900 && dt < 3900);
	T_EQ_INT(resp.status, 200);

	/* A server trickling a few bytes a second: under the floor for low_speed_secs, cut. */
	stub_script("{\"actions\":[{\"trickle\":4,\"body\":\"x\",\"body_repeat\":400}]}");
	req.low_speed_secs = 2;
	req.low_speed_bytes = 1024;
	t0 = tl_mono_ms();
	T_EQ_INT(tl_http_do(H, &req, &resp), -1);
	dt = tl_mono_ms() - t0;
	T_CHECK(resp.timed_out);
	if (!(dt >= 1900 && dt < 8000))
		printf("#   trickle abort after %lld ms: %s\n", (long long)dt, resp.error);
	T_CHECK(dt >= 1900 && dt < 8000);

	/* A long download well over the floor is never cut, however long it takes. */
	stub_script("{\"actions\":[{\"trickle\":1000000,\"body\":\"0123456789abcdef\","
		    "\"body_repeat\":200000}]}");
	req.low_speed_secs = 1;
	t0 = tl_mono_ms();
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	dt = tl_mono_ms() - t0;
	T_EQ_INT(resp.body.len, 3200000);
	T_CHECK(dt >= 2500);
	req.low_speed_secs = 0;
	req.low_speed_bytes = 0;

	/* Nothing listening. */
	{
		char *dead = NULL;
		int port;
		struct tl_http_resp r2;
		/* The stub's port + 1 may be taken; find one that refuses. */
		for (port = 1; port < 10; port++) {
			free(dead);
			dead = xasprintf("http://127.0.0.1:%d/", stub_port + port);
			req.url = dead;
			tl_http_resp_init(&r2);
			if (tl_http_do(H, &req, &r2) == -1) {
				tl_http_resp_free(&r2);
				break;
			}
			tl_http_resp_free(&r2);
		}
		T_CHECK(port < 10);
		T_EQ_INT(tl_http_do(H, &req, &resp), -1);
		T_EQ_INT(resp.status, 0);
		T_CHECK(strstr(resp.error, "onnect") != NULL);
		free(dead);
		req.url = url;
	}

	/* A header with a line break is refused before anything is sent. */
	{
		struct tl_http_headers hd = { 0 };
		tl_http_headers_add(&hd, "X-Bad", "a\r\nInjected: 1");
		req.headers = &hd;
		T_EQ_INT(tl_http_do(H, &req, &resp), -1);
		req.headers = NULL;
		tl_http_headers_free(&hd);
	}

	/* A stop signal interrupts a request that asked for it. */
	stub_script("{\"actions\":[{\"delay\":3}]}");
	tl_sig_raise_flag(SIGINT);
	req.stop_on_signal = true;
	t0 = tl_mono_ms();
	T_EQ_INT(tl_http_do(H, &req, &resp), -1);
	T_CHECK(tl_mono_ms() - t0 < 2000);
	T_EQ_STR(resp.error, "interrupted");
	tl_sig_clear();
	req.stop_on_signal = false;

	/* https on a plain-HTTP port fails (TLS), it does not fall back. */
	{
		char *s = xasprintf("https://127.0.0.1:%d/", stub_port);
		req.url = s;
		T_EQ_INT(tl_http_do(H, &req, &resp), -1);
		req.url = url;
		free(s);
	}
	tl_http_resp_free(&resp);
	free(url);
}

static void test_chunked_and_status_body(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	char *url = stub_url("/");

	stub_script("{\"actions\":[{\"status\":503,\"reason\":\"Slow Down\",\"chunked\":true,"
		    "\"body\":\"<Error><Code>SlowDown</Code></Error>\"}]}");
	req.method = "GET";
	req.url = url;
	tl_http_resp_init(&resp);
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	T_EQ_INT(resp.status, 503);
	T_EQ_STR(tl_buf_str(&resp.body), "<Error><Code>SlowDown</Code></Error>");
	/* a following request does not see the previous body */
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	T_EQ_INT(resp.status, 200);
	T_CHECK(strstr(tl_buf_str(&resp.body), "SlowDown") == NULL);
	tl_http_resp_free(&resp);
	free(url);
}

/* -vv shows request and response headers, with secrets masked. */
static void test_trace_redacts(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	struct tl_http_headers hd = { 0 };
	char path[] = "/tmp/tl-http-trace.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char *url = stub_url("/traced");
	char buf[65536];
	ssize_t n;

	T_CHECK(fd >= 0);
	stub_script("{\"actions\":[{\"headers\":{\"x-amz-request-id\":\"TRACEDRID\"}}]}");
	tl_http_headers_add(&hd, "Authorization",
			    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, Signature=deadbeefcafe");
	tl_http_headers_add(&hd, "X-Amz-Security-Token", "SESSIONTOKENVALUE");
	req.method = "GET";
	req.url = url;
	req.headers = &hd;
	tl_http_resp_init(&resp);
	fflush(stderr);
	dup2(fd, 2);
	tl_log_set_level(TL_LOG_TRACE);
	T_EQ_INT(tl_http_do(H, &req, &resp), 0);
	tl_log_set_level(TL_LOG_INFO);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof buf - 1, 0);
	T_CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	T_CHECK(strstr(buf, "> GET /traced HTTP/1.1") != NULL);
	T_CHECK(strstr(buf, "< HTTP/1.1 200") != NULL);
	T_CHECK(strstr(buf, "TRACEDRID") != NULL);
	T_CHECK(strstr(buf, "deadbeefcafe") == NULL);
	T_CHECK(strstr(buf, "SESSIONTOKENVALUE") == NULL);
	close(fd);
	unlink(path);
	tl_http_headers_free(&hd);
	tl_http_resp_free(&resp);
	free(url);
}

static void test_ca_bundle_missing(void)
{
	struct tl_http_opts o = { 0 };
	struct tl_http *h;
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	/* Only https uses the bundle: a missing one fails TLS setup, never silently skips checks. */
	o.ca_bundle = "/nonexistent/ca.pem";
	o.connect_timeout_ms = 2000;
	h = tl_http_new(&o);
	req.method = "GET";
	req.url = "https://127.0.0.1:1/";
	tl_http_resp_init(&resp);
	T_EQ_INT(tl_http_do(h, &req, &resp), -1);
	tl_http_resp_free(&resp);
	tl_http_free(h);
}

/* http_proxy from the environment is used (the stub plays the proxy: it sees the absolute URL),
 * and no_proxy is honoured. */
static void test_proxy_from_env(void)
{
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	struct tl_http *h;
	char *proxy = stub_url("");
	cJSON *e;

	stub_script("{}");
	setenv("http_proxy", proxy, 1);
	h = tl_http_new(NULL);
	tl_http_resp_init(&resp);
	req.method = "GET";
	req.url = "http://bucket.s3.example.invalid/key?x=1";
	T_EQ_INT(tl_http_do(h, &req, &resp), 0);
	e = tl_json_parse(resp.body.data, resp.body.len, NULL);
	T_EQ_STR(tl_json_get_str(e, "target"), "http://bucket.s3.example.invalid/key?x=1");
	T_EQ_STR(stub_req_header(e, "Host"), "bucket.s3.example.invalid");
	cJSON_Delete(e);
	tl_http_free(h);

	/* no_proxy: the loopback stub is then reached directly */
	setenv("no_proxy", "127.0.0.1", 1);
	setenv("http_proxy", "http://127.0.0.1:1", 1);
	h = tl_http_new(NULL);
	req.url = proxy;
	T_EQ_INT(tl_http_do(h, &req, &resp), 0);
	T_EQ_INT(resp.status, 200);
	tl_http_free(h);
	unsetenv("http_proxy");
	unsetenv("no_proxy");
	tl_http_resp_free(&resp);
	free(proxy);
}

/* Verification is on: a self-signed server is refused, unless its certificate is the CA bundle
 * given; the name is checked too; insecure skips both. */
static void test_tls_verification(void)
{
	char dir[] = "/tmp/tl-http-tls.XXXXXX";
	char *cert, *url, *url_name;
	pid_t pid = 0;
	int port;
	struct tl_http_opts o = { 0 };
	struct tl_http *h;
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;

	if (!mkdtemp(dir)) {
		T_CHECK(0);
		return;
	}
	port = stub_spawn(&pid, "--tls", dir);
	if (!port) {
		t_cur_skip = "TLS stub did not start (python3-cryptography missing?)";
		if (pid > 0) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
		}
		rmdir(dir);
		return;
	}
	cert = xasprintf("%s/cert.pem", dir);
	url = xasprintf("https://127.0.0.1:%d/tls", port);
	url_name = xasprintf("https://localhost:%d/tls", port);
	tl_http_resp_init(&resp);
	req.method = "GET";
	req.url = url;

	h = tl_http_new(NULL);
	T_EQ_INT(tl_http_do(h, &req, &resp), -1);
	T_CHECK(strstr(resp.error, "certificate") != NULL);
	tl_http_free(h);

	o.ca_bundle = cert;
	h = tl_http_new(&o);
	T_EQ_INT(tl_http_do(h, &req, &resp), 0);
	T_EQ_INT(resp.status, 200);
	req.url = url_name; /* the certificate names 127.0.0.1 only */
	T_EQ_INT(tl_http_do(h, &req, &resp), -1);
	tl_http_free(h);

	o.ca_bundle = NULL;
	o.insecure = true;
	h = tl_http_new(&o);
	T_EQ_INT(tl_http_do(h, &req, &resp), 0);
	T_EQ_INT(resp.status, 200);
	tl_http_free(h);

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(cert);
	free(cert);
	cert = xasprintf("%s/key.pem", dir);
	unlink(cert);
	rmdir(dir);
	free(cert);
	free(url);
	free(url_name);
	tl_http_resp_free(&resp);
}

int main(int argc, char **argv)
{
	(void)argc;
	tl_log_init(argv[0]);
	tl_sig_init();
	/* a developer's proxy must not catch the loopback requests */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	TEST(test_url_parse);
	TEST(test_url_encode);
	TEST(test_headers);
	if (!stub_start()) {
		t_ok(0, "http-stub.py did not start");
		return t_done();
	}
	H = tl_http_new(NULL);
	TEST(test_get_echo_and_response_headers);
	TEST(test_post_content_type_and_expect);
	TEST(test_put_large_memory_body);
	TEST(test_streamed_upload);
	TEST(test_streamed_download);
	TEST(test_head_and_methods);
	TEST(test_connection_reuse);
	TEST(test_transport_failures);
	TEST(test_chunked_and_status_body);
	TEST(test_trace_redacts);
	TEST(test_ca_bundle_missing);
	TEST(test_tls_verification);
	TEST(test_proxy_from_env);
	tl_http_free(H);
	stub_stop();
	tl_log_cleanup();
	return t_done();
}
