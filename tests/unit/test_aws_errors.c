/* Unit tests for tl_aws: error parsing (XML and JSON), retry classification, and the retry
 * schedule against the loopback stub (tests/stubs/http-stub.py), attempts counted by the server. */
#include "http_stub.h"
#include "t.h"
#include "tl_aws.h"
#include "tl_log.h"
#include "tl_sig.h"
#include "tl_time.h"

#include <math.h>
#include <signal.h>

static struct tl_aws *new_aws(void)
{
	char *err = NULL;
	struct tl_aws *a = tl_aws_new(NULL, &err);
	if (!a) {
		printf("#   tl_aws_new: %s\n", err);
		free(err);
		return NULL;
	}
	tl_aws_set_retry_scale(a, 0); /* the schedule is checked, not slept */
	return a;
}

static void parse(long status, const char *hname, const char *hvalue, const char *body,
		  struct tl_aws_error *e)
{
	struct tl_http_headers h = { 0 };
	if (hname)
		tl_http_headers_add(&h, hname, hvalue);
	tl_aws_parse_error(status, &h, body, body ? strlen(body) : 0, e);
	tl_http_headers_free(&h);
}

static void test_parse_xml(void)
{
	struct tl_aws_error e;
	char *t;
	parse(404, "x-amz-request-id", "HDRID",
	      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
	      "<Message>The specified key does not exist.</Message><Key>a/b</Key>"
	      "<RequestId>4442587FB7D0A2F9</RequestId><HostId>x</HostId></Error>", &e);
	T_EQ_INT(e.status, 404);
	T_EQ_STR(e.code, "NoSuchKey");
	T_EQ_STR(e.message, "The specified key does not exist.");
	T_EQ_STR(e.request_id, "4442587FB7D0A2F9"); /* the body's, before the header's */
	T_CHECK(!e.retryable);
	t = tl_aws_error_text(&e);
	T_EQ_STR(t, "NoSuchKey: The specified key does not exist. (HTTP 404, request id "
		    "4442587FB7D0A2F9)");
	free(t);
	tl_aws_error_free(&e);
	T_CHECK(e.code == NULL);

	parse(503, NULL, NULL, "<Error><Code>SlowDown</Code><Message>Please reduce your request "
	      "rate.</Message></Error>", &e);
	T_EQ_STR(e.code, "SlowDown");
	T_CHECK(e.retryable);
	tl_aws_error_free(&e);

	/* query protocol (STS) */
	parse(403, NULL, NULL, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	      "<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized"
	      "</Message></Error><RequestId>c6104cbe</RequestId></ErrorResponse>", &e);
	T_EQ_STR(e.code, "AccessDenied");
	T_EQ_STR(e.message, "not authorized");
	T_EQ_STR(e.request_id, "c6104cbe");
	T_CHECK(!e.retryable);
	tl_aws_error_free(&e);

	/* moto's refusal of a signature, whatever the protocol */
	parse(403, "x-amzn-requestid", "moto-rid", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	      "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request "
	      "signature we calculated does not match</Message><Type>Sender</Type></Error></Errors>"
	      "</ErrorResponse>", &e);
	T_EQ_STR(e.code, "SignatureDoesNotMatch");
	T_EQ_STR(e.request_id, "moto-rid");
	T_CHECK(!e.retryable);
	tl_aws_error_free(&e);

	/* HEAD: no body at all */
	parse(404, "x-amz-request-id", "R404", NULL, &e);
	T_EQ_STR(e.code, "404");
	T_EQ_STR(e.message, "Not Found");
	T_EQ_STR(e.request_id, "R404");
	tl_aws_error_free(&e);

	/* a proxy's HTML page on a 502: retryable by status */
	parse(502, NULL, NULL, "<html><body>Bad gateway</body></html>", &e);
	T_EQ_STR(e.code, "502");
	T_CHECK(e.retryable);
	tl_aws_error_free(&e);

	/* broken XML is not trusted */
	parse(400, NULL, NULL, "<Error><Code>X</Code>", &e);
	T_EQ_STR(e.code, "400");
	T_CHECK(!e.retryable);
	tl_aws_error_free(&e);
}

static void test_parse_json(void)
{
	struct tl_aws_error e;
	char *t;
	parse(400, "x-amzn-RequestId", "b5d1-RID",
	      "{\"__type\":\"com.amazonaws.glue#EntityNotFoundException\","
	      "\"message\":\"Database db not found.\"}", &e);
	T_EQ_STR(e.code, "EntityNotFoundException");
	T_EQ_STR(e.message, "Database db not found.");
	T_EQ_STR(e.request_id, "b5d1-RID");
	T_CHECK(!e.retryable);
	t = tl_aws_error_text(&e);
	T_EQ_STR(t, "EntityNotFoundException: Database db not found. (HTTP 400, request id b5d1-RID)");
	free(t);
	tl_aws_error_free(&e);

	parse(400, NULL, NULL, "{\"__type\":\"ThrottlingException\",\"Message\":\"Rate exceeded\"}",
	      &e);
	T_EQ_STR(e.code, "ThrottlingException");
	T_EQ_STR(e.message, "Rate exceeded");
	T_CHECK(e.retryable);
	tl_aws_error_free(&e);

	parse(400, "x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/coral/x/",
	      "{\"message\":\"1 validation error\"}", &e);
	T_EQ_STR(e.code, "ValidationException");
	T_EQ_STR(e.message, "1 validation error");
	T_CHECK(!e.retryable);
	tl_aws_error_free(&e);

	parse(400, NULL, NULL, "{\"__type\":\"InvalidRequestException\",\"Message\":\"m\","
	      "\"AthenaErrorCode\":\"INVALID_INPUT\"}", &e);
	T_EQ_STR(e.code, "InvalidRequestException");
	tl_aws_error_free(&e);

	/* IAM Identity Center OIDC: OAuth's error body, the code in the header */
	parse(400, "x-amzn-ErrorType", "InvalidGrantException:http://internal.amazon.com/",
	      "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid refresh token\"}", &e);
	T_EQ_STR(e.code, "InvalidGrantException");
	T_EQ_STR(e.message, "Invalid refresh token");
	T_CHECK(!e.retryable);
	tl_aws_error_free(&e);
}

static void test_classification(void)
{
	static const char *yes[] = { "Throttling", "ThrottlingException", "SlowDown",
				     "TooManyRequestsException", "RequestLimitExceeded",
				     "ProvisionedThroughputExceededException", "RequestTimeout",
				     "RequestTimeoutException", "PriorRequestNotComplete",
				     "InternalError", "BandwidthLimitExceeded",
				     "LimitExceededException", "EC2ThrottledException" };
	static const char *no[] = { "ValidationException", "AccessDenied", "AccessDeniedException",
				    "NoSuchKey", "SignatureDoesNotMatch", "InvalidAccessKeyId",
				    "EntityNotFoundException", "throttling", "", "404" };
	struct tl_aws_error e;
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		T_CHECK(tl_aws_code_retryable(yes[i]));
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		T_CHECK(!tl_aws_code_retryable(no[i]));
	T_CHECK(!tl_aws_code_retryable(NULL));
	for (long st = 400; st < 600; st++) {
		bool want = st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
		parse(st, NULL, NULL, NULL, &e);
		if (e.retryable != want)
			printf("#   status %ld: retryable %d\n", st, e.retryable);
		T_CHECK(e.retryable == want);
		tl_aws_error_free(&e);
	}
	memset(&e, 0, sizeof e);
	e.message = xstrdup("Failed to connect to 127.0.0.1 port 9: Connection refused");
	e.attempts = 3;
	{
		char *t = tl_aws_error_text(&e);
		T_EQ_STR(t, "Failed to connect to 127.0.0.1 port 9: Connection refused after 3 attempts");
		free(t);
	}
	tl_aws_error_free(&e);
}

/* One GET on the stub through tl_aws_send; returns its result. */
static int send_get(struct tl_aws *a, const char *path, struct tl_aws_error *e,
		    struct tl_http_resp *resp)
{
	struct tl_aws_req req = { 0 };
	char *url = stub_url(path);
	int rc;
	req.service = "s3";
	req.method = "GET";
	req.url = url;
	req.s3 = true;
	rc = tl_aws_send(a, &req, resp, e);
	free(url);
	return rc;
}

#define SLOWDOWN "{\"status\":503,\"body\":\"<Error><Code>SlowDown</Code><Message>Please " \
	"reduce your request rate.</Message><RequestId>RID503</RequestId></Error>\"}"

static void test_retry_counts(void)
{
	struct tl_aws *a = new_aws();
	struct tl_aws_error e = { 0 };
	struct tl_http_resp resp;
	long d[8];
	char *t;
	if (!a) {
		T_CHECK(0);
		return;
	}
	tl_http_resp_init(&resp);
	T_EQ_INT(tl_aws_max_attempts(a), 3);

	/* 503 SlowDown every time: 3 attempts, then the error */
	stub_script("{\"default\":" SLOWDOWN "}");
	T_EQ_INT(send_get(a, "/b/k", &e, &resp), -1);
	T_EQ_INT(stub_count(), 3);
	T_EQ_INT(e.attempts, 3);
	T_EQ_INT(e.status, 503);
	T_EQ_STR(e.code, "SlowDown");
	T_EQ_INT(tl_aws_last_delays(a, d, 8), 2);
	t = tl_aws_error_text(&e);
	T_EQ_STR(t, "SlowDown: Please reduce your request rate. (HTTP 503, request id RID503) "
		    "after 3 attempts");
	free(t);
	tl_aws_error_free(&e);

	/* 500, 500, 200 */
	stub_script("{\"actions\":[{\"status\":500},{\"status\":500},{\"body\":\"ok\"}]}");
	T_EQ_INT(send_get(a, "/b/k", &e, &resp), 0);
	T_EQ_INT(resp.status, 200);
	T_EQ_STR(tl_buf_str(&resp.body), "ok");
	T_EQ_INT(stub_count(), 3);

	/* throttling in a JSON 400 */
	stub_script("{\"actions\":[{\"status\":400,\"body\":\"{\\\"__type\\\":\\\"ThrottlingException"
		    "\\\",\\\"message\\\":\\\"Rate exceeded\\\"}\"},{\"body\":\"ok\"}]}");
	T_EQ_INT(send_get(a, "/", &e, &resp), 0);
	T_EQ_INT(stub_count(), 2);

	/* 502, 504, 429 are retried too */
	stub_script("{\"actions\":[{\"status\":502},{\"status\":504},{\"body\":\"ok\"}]}");
	T_EQ_INT(send_get(a, "/", &e, &resp), 0);
	T_EQ_INT(stub_count(), 3);

	/* a plain 400 is not */
	stub_script("{\"default\":{\"status\":400,\"body\":\"{\\\"__type\\\":\\\"ValidationException"
		    "\\\",\\\"message\\\":\\\"bad\\\"}\"}}");
	T_EQ_INT(send_get(a, "/", &e, &resp), -1);
	T_EQ_INT(stub_count(), 1);
	T_EQ_INT(e.attempts, 1);
	T_EQ_STR(e.code, "ValidationException");
	T_CHECK(!e.retryable);
	tl_aws_error_free(&e);

	/* nor 403 SignatureDoesNotMatch when the clocks agree */
	stub_script("{\"default\":{\"status\":403,\"body\":\"<Error><Code>SignatureDoesNotMatch"
		    "</Code><Message>no</Message></Error>\"}}");
	T_EQ_INT(send_get(a, "/", &e, &resp), -1);
	T_EQ_INT(stub_count(), 1);
	tl_aws_error_free(&e);

	/* S3 answering 200 with an error document inside */
	stub_script("{\"actions\":[{\"body\":\"<?xml version=\\\"1.0\\\"?>\\n<Error><Code>"
		    "InternalError</Code><Message>We encountered an internal error.</Message>"
		    "</Error>\"},{\"body\":\"<CompleteMultipartUploadResult/>\"}]}");
	T_EQ_INT(send_get(a, "/", &e, &resp), 0);
	T_EQ_INT(stub_count(), 2);
	T_EQ_STR(tl_buf_str(&resp.body), "<CompleteMultipartUploadResult/>");

	tl_http_resp_free(&resp);
	tl_aws_free(a);
}

static void test_connection_reset(void)
{
	struct tl_aws *a = new_aws(); /* a new transport: no connection to reuse */
	struct tl_aws_error e = { 0 };
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	stub_script("{\"default\":{\"reset\":true}}");
	T_EQ_INT(send_get(a, "/", &e, &resp), -1);
	T_EQ_INT(stub_count(), 3);
	T_EQ_INT(e.status, 0);
	T_EQ_INT(e.attempts, 3);
	T_CHECK(e.retryable);
	T_CHECK(e.message && *e.message);
	tl_aws_error_free(&e);

	stub_script("{\"actions\":[{\"reset\":true},{\"body\":\"fine\"}]}");
	T_EQ_INT(send_get(a, "/", &e, &resp), 0);
	T_EQ_STR(tl_buf_str(&resp.body), "fine");
	tl_http_resp_free(&resp);
	tl_aws_free(a);
}

static void test_max_attempts_env(void)
{
	struct tl_aws *a;
	struct tl_aws_error e = { 0 };
	struct tl_http_resp resp;
	char *err = NULL;
	tl_http_resp_init(&resp);
	setenv("AWS_MAX_ATTEMPTS", "5", 1);
	a = new_aws();
	T_CHECK(a != NULL);
	T_EQ_INT(tl_aws_max_attempts(a), 5);
	stub_script("{\"default\":" SLOWDOWN "}");
	T_EQ_INT(send_get(a, "/", &e, &resp), -1);
	T_EQ_INT(stub_count(), 5);
	T_EQ_INT(e.attempts, 5);
	tl_aws_error_free(&e);
	tl_aws_free(a);

	setenv("AWS_MAX_ATTEMPTS", "1", 1);
	a = new_aws();
	stub_script("{\"default\":" SLOWDOWN "}");
	T_EQ_INT(send_get(a, "/", &e, &resp), -1);
	T_EQ_INT(stub_count(), 1);
	tl_aws_error_free(&e);
	tl_aws_free(a);

	setenv("AWS_MAX_ATTEMPTS", "three", 1);
	a = tl_aws_new(NULL, &err);
	T_CHECK(a == NULL);
	T_CHECK(err && strstr(err, "AWS_MAX_ATTEMPTS"));
	free(err);
	unsetenv("AWS_MAX_ATTEMPTS");
	tl_http_resp_free(&resp);
}

/* Full jitter: each delay uniform in [0, min(2^(n-1) s, 20 s)). */
static void test_backoff_schedule(void)
{
	enum { RUNS = 60 };
	double sum[4] = { 0 };
	long max[4] = { 0 };
	int bad = 0;
	struct tl_aws_error e = { 0 };
	struct tl_http_resp resp;
	struct tl_aws *a;

	tl_http_resp_init(&resp);
	setenv("AWS_MAX_ATTEMPTS", "5", 1);
	stub_script("{\"default\":{\"status\":503}}");
	for (int r = 0; r < RUNS; r++) {
		long d[8];
		size_t n;
		a = new_aws(); /* a fresh retry quota each run */
		T_EQ_INT(send_get(a, "/", &e, &resp), -1);
		tl_aws_error_free(&e);
		n = tl_aws_last_delays(a, d, 8);
		bad |= n != 4;
		for (size_t i = 0; i < 4 && i < n; i++) {
			long cap = 1000L << i;
			bad |= d[i] < 0 || d[i] >= cap;
			sum[i] += (double)d[i] / (double)cap;
			if (d[i] > max[i])
				max[i] = d[i];
		}
		tl_aws_free(a);
	}
	T_CHECK(!bad);
	T_EQ_INT(stub_count(), RUNS * 5);
	for (int i = 0; i < 4; i++) {
		double mean = sum[i] / RUNS; /* uniform [0,1): mean 0.5, sd of the mean ~0.037 */
		if (!(mean > 0.3 && mean < 0.7))
			printf("#   retry %d: mean delay %.2f of its cap\n", i + 1, mean);
		T_CHECK(mean > 0.3 && mean < 0.7);
		T_CHECK(max[i] > (500L << i)); /* spread over the whole range */
	}
	unsetenv("AWS_MAX_ATTEMPTS");

	/* Real sleeping, scaled: 2 retries at scale 0.05 sleep under 0.05 * (1 + 2) s. */
	a = new_aws();
	tl_aws_set_retry_scale(a, 0.05);
	{
		int64_t t0 = tl_mono_ms(), dt;
		long d[4];
		T_EQ_INT(send_get(a, "/", &e, &resp), -1);
		dt = tl_mono_ms() - t0;
		tl_aws_last_delays(a, d, 4);
		T_CHECK(dt >= (d[0] + d[1]) / 20 && dt < 1500);
		tl_aws_error_free(&e);
	}
	tl_aws_free(a);
	tl_http_resp_free(&resp);
}

/* The retry quota (500, 5 per retry) ends retries once used up, as botocore's does. */
static void test_retry_quota(void)
{
	struct tl_aws *a = new_aws();
	struct tl_aws_error e = { 0 };
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	stub_script("{\"default\":{\"status\":503}}");
	for (int i = 0; i < 51; i++) {
		T_EQ_INT(send_get(a, "/", &e, &resp), -1);
		if (i == 50)
			T_EQ_INT(e.attempts, 1);
		tl_aws_error_free(&e);
	}
	T_EQ_INT(stub_count(), 50 * 3 + 1);
	/* successes give tokens back */
	stub_script("{\"default\":{\"body\":\"ok\"}}");
	for (int i = 0; i < 5; i++)
		T_EQ_INT(send_get(a, "/", &e, &resp), 0);
	stub_script("{\"default\":{\"status\":503}}");
	T_EQ_INT(send_get(a, "/", &e, &resp), -1);
	T_EQ_INT(e.attempts, 2);
	tl_aws_error_free(&e);
	tl_http_resp_free(&resp);
	tl_aws_free(a);
}

/* RFC 7231 date of now + off seconds. */
/* The one retry policy: the schedules of its users, the attempt limit, the quota, signals. */
static void test_retry_policy(void)
{
	/* STS: fixed 200, 400 */
	const struct tl_retry_policy sts = { .max_attempts = 3, .base_ms = 200, .max_ms = 400,
					     .growth = 2 };
	struct tl_retry r;
	tl_retry_start(&r, &sts, NULL);
	T_EQ_INT(r.attempts, 1);
	T_EQ_INT(tl_retry_next(&r, false), 200);
	T_EQ_INT(tl_retry_next(&r, false), 400);
	T_EQ_INT(tl_retry_next(&r, false), -1);
	T_EQ_INT(r.attempts, 3);
	/* the container's: the same delay each time */
	const struct tl_retry_policy flat = { .max_attempts = 4, .base_ms = 1000, .max_ms = 1000,
					      .growth = 1 };
	tl_retry_start(&r, &flat, NULL);
	for (int i = 0; i < 3; i++)
		T_EQ_INT(tl_retry_next(&r, false), 1000);
	T_EQ_INT(tl_retry_next(&r, false), -1);
	/* jitter: the standard mode's full jitter stays under the cap; half jitter above half */
	const struct tl_retry_policy full = { .max_attempts = 100, .base_ms = 1000, .max_ms = 20000,
					      .growth = 2, .jitter = 1 };
	const struct tl_retry_policy half = { .max_attempts = 100, .base_ms = 100, .max_ms = 2000,
					      .growth = 2, .jitter = 0.5 };
	struct tl_retry h;
	tl_retry_start(&r, &full, NULL);
	tl_retry_start(&h, &half, NULL);
	for (long k = 1; k <= 20; k++) {
		long cap = k >= 6 ? 20000 : 1000L << (k - 1), d = tl_retry_next(&r, false);
		T_CHECK(d >= 0 && d <= cap);
		long hcap = k >= 6 ? 2000 : 100L << (k - 1), hd = tl_retry_next(&h, false);
		T_CHECK(hd >= hcap / 2 && hd <= hcap);
	}
	/* the quota: 5 a retry, 10 after a timeout, given back on success */
	int quota = 12;
	tl_retry_start(&r, &full, &quota);
	T_CHECK(tl_retry_next(&r, true) >= 0);
	T_EQ_INT(quota, 2);
	T_EQ_INT(tl_retry_next(&r, false), -1); /* 2 < 5 */
	tl_retry_done(&r);
	T_EQ_INT(quota, 12);
	tl_retry_start(&r, &full, &quota);
	tl_retry_done(&r);
	T_EQ_INT(quota, 13);
	/* a stop signal cuts a wait, unless the policy waits through signals */
	const struct tl_retry_policy through = { .max_attempts = 2, .base_ms = 50, .max_ms = 50,
						 .growth = 1, .through_signals = true };
	tl_sig_raise_flag(SIGTERM);
	tl_retry_start(&r, &sts, NULL);
	T_CHECK(!tl_retry_again(&r, false));
	tl_retry_start(&r, &through, NULL);
	T_CHECK(tl_retry_again(&r, false));
	tl_sig_clear();
	T_CHECK(tl_retry_again(&h, false));
}

static void http_date(int64_t off, char *buf, size_t n)
{
	static const char *wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char *mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
				    "Oct", "Nov", "Dec" };
	struct tl_tm tm;
	int64_t ms = tl_now_ms() + off * 1000;
	tl_time_split(ms, &tm);
	snprintf(buf, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[(ms / 86400000) % 7], tm.day,
		 mo[tm.month - 1], tm.year, tm.hour, tm.min, tm.sec);
}

static void test_clock_skew(void)
{
	struct tl_aws *a = new_aws();
	struct tl_aws_error e = { 0 };
	struct tl_http_resp resp;
	char date[64], *script;
	cJSON *log;
	const char *d1, *d2;
	int64_t t1, t2;

	tl_http_resp_init(&resp);
	http_date(3600, date, sizeof date);
	script = xasprintf("{\"actions\":[{\"status\":403,\"headers\":{\"Date\":\"%s\"},\"body\":"
			   "\"<Error><Code>RequestTimeTooSkewed</Code><Message>The difference "
			   "between the request time and the current time is too large.</Message>"
			   "</Error>\"},{\"body\":\"ok\"}]}", date);
	stub_script(script);
	T_EQ_INT(send_get(a, "/", &e, &resp), 0);
	if (e.code)
		printf("#   %s %s / Date %s\n", e.code, e.message, date);
	log = stub_log();
	d1 = stub_req_header(cJSON_GetArrayItem(cJSON_GetObjectItem(log, "requests"), 0), "X-Amz-Date");
	d2 = stub_req_header(cJSON_GetArrayItem(cJSON_GetObjectItem(log, "requests"), 1), "X-Amz-Date");
	T_CHECK(d1 && d2);
	if (d1 && d2) {
		char b1[32], b2[32];
		/* 20261125T075000Z -> 2026-11-25T07:50:00Z */
		snprintf(b1, sizeof b1, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", d1, d1 + 4, d1 + 6, d1 + 9,
			 d1 + 11, d1 + 13);
		snprintf(b2, sizeof b2, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", d2, d2 + 4, d2 + 6, d2 + 9,
			 d2 + 11, d2 + 13);
		T_CHECK(tl_time_parse(b1, strlen(b1), &t1) == 0);
		T_CHECK(tl_time_parse(b2, strlen(b2), &t2) == 0);
		T_CHECK(llabs((long long)(t2 - t1 - 3600000)) < 5000);
	}
	cJSON_Delete(log);
	free(script);

	/* skew learnt stays: the next request is signed with the server's time at once */
	stub_script("{}");
	T_EQ_INT(send_get(a, "/", &e, &resp), 0);
	T_EQ_INT(stub_count(), 1);

	/* a skew error whose Date agrees with our (corrected) clock is not retried */
	http_date(3600, date, sizeof date);
	script = xasprintf("{\"default\":{\"status\":403,\"headers\":{\"Date\":\"%s\"},\"body\":"
			   "\"<Error><Code>RequestTimeTooSkewed</Code></Error>\"}}", date);
	stub_script(script);
	T_EQ_INT(send_get(a, "/", &e, &resp), -1);
	T_EQ_INT(stub_count(), 1);
	tl_aws_error_free(&e);
	free(script);
	tl_http_resp_free(&resp);
	tl_aws_free(a);
}

struct body {
	const char *data;
	size_t len, off;
	int rewinds;
	int read_calls;
};

static ssize_t body_read(char *buf, size_t n, void *ctx)
{
	struct body *b = ctx;
	b->read_calls++;
	if (n > b->len - b->off)
		n = b->len - b->off;
	memcpy(buf, b->data + b->off, n);
	b->off += n;
	return (ssize_t)n;
}

static int body_rewind(void *ctx)
{
	struct body *b = ctx;
	b->off = 0;
	b->rewinds++;
	return 0;
}

static int sink(const char *p, size_t n, void *ctx)
{
	return tl_buf_add(ctx, p, n);
}

static void test_streams(void)
{
	struct tl_aws *a = new_aws();
	struct tl_aws_error e = { 0 };
	struct tl_http_resp resp;
	struct tl_aws_req req = { 0 };
	struct body b = { "streamed part body", 18, 0, 0, 0 };
	char *url = stub_url("/bucket/part?partNumber=1&uploadId=u");
	struct tl_buf got = TL_BUF_INIT;
	cJSON *log;
	const cJSON *r;

	tl_http_resp_init(&resp);
	req.service = "s3";
	req.method = "PUT";
	req.url = url;
	req.s3 = true;
	req.read_fn = body_read;
	req.read_ctx = &b;
	req.body_size = 18;
	req.rewind_fn = body_rewind;

	/* rewound and sent whole again */
	stub_script("{\"actions\":[" SLOWDOWN ",{\"echo\":true}]}");
	T_EQ_INT(tl_aws_send(a, &req, &resp, &e), 0);
	T_EQ_INT(b.rewinds, 1);
	log = stub_log();
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(log, "requests")), 2);
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(log, "requests")) {
		T_EQ_STR(tl_json_get_str(r, "body"), "streamed part body");
		T_EQ_STR(stub_req_header(r, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
		T_CHECK(strstr(stub_req_header(r, "Authorization"), "/us-east-1/s3/aws4_request") != NULL);
	}
	cJSON_Delete(log);

	/* without a rewind, a body that was read is not sent again */
	req.rewind_fn = NULL;
	b.off = 0;
	stub_script("{\"actions\":[" SLOWDOWN ",{\"echo\":true}]}");
	T_EQ_INT(tl_aws_send(a, &req, &resp, &e), -1);
	T_EQ_INT(stub_count(), 1);
	T_EQ_INT(e.attempts, 1);
	tl_aws_error_free(&e);

	/* a precomputed hash is signed as given */
	req.rewind_fn = body_rewind;
	req.payload_hash = "7ee4f0b4c1b5c9bb2b1d4e0de9ca1e3a8f2ab4e8e1bc6a4d6b6b4ec8d8d1b2a3";
	b.off = 0;
	stub_script("{}");
	T_EQ_INT(tl_aws_send(a, &req, &resp, &e), 0);
	log = stub_log();
	T_EQ_STR(stub_req_header(cJSON_GetArrayItem(cJSON_GetObjectItem(log, "requests"), 0),
				 "x-amz-content-sha256"), req.payload_hash);
	cJSON_Delete(log);

	/* a streamed download: only the good answer reaches the consumer */
	memset(&req, 0, sizeof req);
	req.service = "s3";
	req.method = "GET";
	req.url = url;
	req.s3 = true;
	req.write_fn = sink;
	req.write_ctx = &got;
	stub_script("{\"actions\":[" SLOWDOWN ",{\"body\":\"object bytes\"}]}");
	T_EQ_INT(tl_aws_send(a, &req, &resp, &e), 0);
	T_EQ_STR(tl_buf_str(&got), "object bytes");

	/* cut in the middle: not retried (the consumer has half an object) */
	tl_buf_reset(&got);
	stub_script("{\"actions\":[{\"stall\":0.2,\"body\":\"0123456789\"},{\"body\":\"x\"}]}");
	T_EQ_INT(tl_aws_send(a, &req, &resp, &e), -1);
	T_EQ_INT(stub_count(), 1);
	T_EQ_STR(tl_buf_str(&got), "01234");
	tl_aws_error_free(&e);

	tl_buf_release(&got);
	tl_http_resp_free(&resp);
	free(url);
	tl_aws_free(a);
}

static void test_json_call(void)
{
	struct tl_aws *a = new_aws();
	struct tl_aws_error e = { 0 };
	cJSON *in = tl_json_obj(), *out = NULL, *log, *echo;
	const cJSON *r;
	char host[64];

	tl_json_add_str(in, "Name", "tweets");
	stub_script("{\"actions\":[{\"echo\":true,\"headers\":{\"Content-Type\":"
		    "\"application/x-amz-json-1.1\"}}]}");
	T_EQ_INT(tl_aws_json_call(a, "glue", "AWSGlue.GetDatabase", in, &out, &e), 0);
	T_CHECK(out != NULL);
	/* the echo is the request as the server saw it */
	T_EQ_STR(tl_json_get_str(out, "method"), "POST");
	T_EQ_STR(tl_json_get_str(out, "target"), "/");
	T_EQ_STR(tl_json_get_str(out, "body"), "{\"Name\":\"tweets\"}");
	T_EQ_STR(stub_req_header(out, "X-Amz-Target"), "AWSGlue.GetDatabase");
	T_EQ_STR(stub_req_header(out, "Content-Type"), "application/x-amz-json-1.1");
	snprintf(host, sizeof host, "127.0.0.1:%d", stub_port);
	T_EQ_STR(stub_req_header(out, "Host"), host);
	T_CHECK(stub_req_header(out, "X-Amz-Date") != NULL);
	T_CHECK(stub_req_header(out, "x-amz-content-sha256") == NULL);
	T_CHECK(stub_req_header(out, "Expect") == NULL);
	{
		const char *auth = stub_req_header(out, "Authorization");
		T_CHECK(auth && strncmp(auth, "AWS4-HMAC-SHA256 Credential=AKIDSTUBTEST/", 41) == 0);
		T_CHECK(auth && strstr(auth, "/us-east-1/glue/aws4_request, SignedHeaders="
				       "content-type;host;x-amz-date;x-amz-target, Signature=") != NULL);
	}
	cJSON_Delete(out);
	out = NULL;

	/* an Athena error comes back parsed */
	stub_script("{\"actions\":[{\"status\":400,\"headers\":{\"x-amzn-RequestId\":\"ath-1\"},"
		    "\"body\":\"{\\\"__type\\\":\\\"InvalidRequestException\\\",\\\"Message\\\":"
		    "\\\"line 1:8: mismatched input\\\"}\"}]}");
	T_EQ_INT(tl_aws_json_call(a, "athena", "AmazonAthena.StartQueryExecution", in, &out, &e), -1);
	T_CHECK(out == NULL);
	T_EQ_STR(e.code, "InvalidRequestException");
	T_EQ_STR(e.message, "line 1:8: mismatched input");
	T_EQ_STR(e.request_id, "ath-1");
	tl_aws_error_free(&e);
	log = stub_log();
	r = cJSON_GetArrayItem(cJSON_GetObjectItem(log, "requests"), 0);
	T_EQ_STR(stub_req_header(r, "X-Amz-Target"), "AmazonAthena.StartQueryExecution");
	T_CHECK(strstr(stub_req_header(r, "Authorization"), "/athena/aws4_request") != NULL);
	cJSON_Delete(log);

	/* a 200 that is not JSON */
	stub_script("{\"actions\":[{\"body\":\"<html>\"}]}");
	T_EQ_INT(tl_aws_json_call(a, "glue", "AWSGlue.GetDatabases", NULL, &out, &e), -1);
	T_CHECK(e.message && strstr(e.message, "not JSON"));
	tl_aws_error_free(&e);

	/* an empty 200 body is an empty object */
	stub_script("{\"actions\":[{\"body\":\"\"}]}");
	T_EQ_INT(tl_aws_json_call(a, "glue", "AWSGlue.DeleteTable", in, &out, &e), 0);
	T_CHECK(cJSON_IsObject(out));
	cJSON_Delete(out);

	/* a session token is sent (and signed) */
	setenv("AWS_SESSION_TOKEN", "FQoGZXIvYXdzEXAMPLETOKEN", 1);
	tl_aws_free(a);
	a = new_aws();
	stub_script("{}");
	T_EQ_INT(tl_aws_json_call(a, "glue", "AWSGlue.GetDatabases", NULL, &echo, &e), 0);
	T_EQ_STR(stub_req_header(echo, "X-Amz-Security-Token"), "FQoGZXIvYXdzEXAMPLETOKEN");
	T_CHECK(strstr(stub_req_header(echo, "Authorization"), "x-amz-security-token") != NULL);
	cJSON_Delete(echo);
	unsetenv("AWS_SESSION_TOKEN");

	cJSON_Delete(in);
	tl_aws_free(a);
}

static void test_config_errors(void)
{
	char *err = NULL;
	struct tl_aws *a;
	unsetenv("AWS_REGION");
	a = tl_aws_new(NULL, &err);
	T_CHECK(a == NULL);
	T_CHECK(err && strstr(err, "region"));
	free(err);
	setenv("AWS_REGION", "us-east-1", 1);

	/* no credentials anywhere: a clear error, no request sent */
	unsetenv("AWS_ACCESS_KEY_ID");
	a = new_aws();
	{
		struct tl_aws_error e = { 0 };
		struct tl_http_resp resp;
		tl_http_resp_init(&resp);
		stub_script("{}");
		T_EQ_INT(send_get(a, "/", &e, &resp), -1);
		T_EQ_INT(stub_count(), 0);
		T_CHECK(e.message && *e.message);
		printf("#   no credentials: %s\n", e.message);
		tl_aws_error_free(&e);
		tl_http_resp_free(&resp);
	}
	tl_aws_free(a);
	setenv("AWS_ACCESS_KEY_ID", "AKIDSTUBTEST", 1);

	/* endpoints: the environment's for every service, cached */
	a = new_aws();
	{
		bool custom = false;
		const char *g = tl_aws_endpoint(a, "glue", &custom);
		T_EQ_STR(g, stub_base);
		T_CHECK(custom);
		T_CHECK(tl_aws_endpoint(a, "glue", NULL) == g);
		T_EQ_STR(tl_aws_region(a), "us-east-1");
	}
	tl_aws_free(a);
}

/* AWS_CA_BUNDLE is honoured; an untrusted certificate fails at once, without retries. */
static void test_ca_bundle(void)
{
	char dir[] = "/tmp/tl-aws-tls.XXXXXX";
	pid_t pid = 0;
	int port;
	char *cert, *url, *key;
	struct tl_aws *a;
	struct tl_aws_error e = { 0 };
	cJSON *out = NULL;

	if (!mkdtemp(dir)) {
		T_CHECK(0);
		return;
	}
	port = stub_spawn(&pid, "--tls", dir);
	cert = xasprintf("%s/cert.pem", dir);
	key = xasprintf("%s/key.pem", dir);
	url = xasprintf("https://127.0.0.1:%d", port);
	if (port) {
		setenv("AWS_ENDPOINT_URL_GLUE", url, 1);
		a = new_aws();
		T_EQ_INT(tl_aws_json_call(a, "glue", "AWSGlue.GetDatabases", NULL, &out, &e), -1);
		T_EQ_INT(e.status, 0);
		T_EQ_INT(e.attempts, 1);
		T_CHECK(!e.retryable);
		T_CHECK(e.message && strstr(e.message, "certificate"));
		tl_aws_error_free(&e);
		tl_aws_free(a);

		setenv("AWS_CA_BUNDLE", cert, 1);
		a = new_aws();
		T_EQ_INT(tl_aws_json_call(a, "glue", "AWSGlue.GetDatabases", NULL, &out, &e), 0);
		T_EQ_STR(tl_json_get_str(out, "target"), "/");
		cJSON_Delete(out);
		tl_aws_free(a);
		unsetenv("AWS_CA_BUNDLE");
		unsetenv("AWS_ENDPOINT_URL_GLUE");
	} else {
		printf("#   TLS stub did not start (python3-cryptography missing?): not checked\n");
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	unlink(cert);
	unlink(key);
	rmdir(dir);
	free(cert);
	free(key);
	free(url);
}

int main(int argc, char **argv)
{
	(void)argc;
	tl_log_init(argv[0]);
	/* Nothing of the developer's own AWS setup may leak in. */
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_DEFAULT_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_MAX_ATTEMPTS");
	unsetenv("AWS_CA_BUNDLE");
	unsetenv("AWS_DEFAULT_REGION");
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDSTUBTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "stubsecretstubsecretstubsecret", 1);
	setenv("AWS_REGION", "us-east-1", 1);
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");

	TEST(test_parse_xml);
	TEST(test_parse_json);
	TEST(test_classification);
	TEST(test_retry_policy);
	if (!stub_start()) {
		t_ok(0, "http-stub.py did not start");
		return t_done();
	}
	setenv("AWS_ENDPOINT_URL", stub_base, 1);
	TEST(test_retry_counts);
	TEST(test_connection_reset);
	TEST(test_max_attempts_env);
	TEST(test_backoff_schedule);
	TEST(test_retry_quota);
	TEST(test_clock_skew);
	TEST(test_streams);
	TEST(test_json_call);
	TEST(test_config_errors);
	TEST(test_ca_bundle);
	stub_stop();
	tl_log_cleanup();
	return t_done();
}
