/* lib/tl_sigv4: building blocks and edge cases the conformance suites do not reach (URI encoding,
 * hashes, S3 rules, presign limits and the session token's place, bad input, concurrency). */
#include "t.h"
#include "tl_alloc.h"
#include "tl_sigv4.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define AK "AKIDEXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T0 1440938160 /* 2015-08-30T12:36:00Z */

static struct tl_sigv4_params params(unsigned flags)
{
	struct tl_sigv4_params p = {
		.access_key = AK, .secret_key = SK, .region = "us-east-1", .service = "service",
		.time = T0, .flags = flags, .expires = 3600,
	};
	return p;
}

static const struct tl_sigv4_header host_only[] = { { "Host", "example.amazonaws.com" } };

static struct tl_sigv4_request get(const char *path, const char *query)
{
	struct tl_sigv4_request r = {
		.method = "GET", .path = path, .query = query, .headers = host_only, .nheaders = 1,
	};
	return r;
}

/* The line of the canonical request: 0 method, 1 URI, 2 query, then headers... */
static char *creq_line(const char *creq, int n)
{
	const char *p = creq;
	while (n-- > 0 && p)
		p = strchr(p, '\n'), p = p ? p + 1 : NULL;
	if (!p)
		return xstrdup("(none)");
	return xstrndup(p, strcspn(p, "\n"));
}

static void test_uri_encode(void)
{
	char *s = tl_sigv4_uri_encode("AZaz09-_.~", 10, 1);
	T_EQ_STR(s, "AZaz09-_.~");
	free(s);
	s = tl_sigv4_uri_encode("a b+c=d%e/f", 11, 1);
	T_EQ_STR(s, "a%20b%2Bc%3Dd%25e%2Ff");
	free(s);
	s = tl_sigv4_uri_encode("a b+c=d%e/f", 11, 0);
	T_EQ_STR(s, "a%20b%2Bc%3Dd%25e/f");
	free(s);
	s = tl_sigv4_uri_encode("\xc3\xa9\xe6\x97\xa5", 5, 1); /* é日: UTF-8 bytes, uppercase hex */
	T_EQ_STR(s, "%C3%A9%E6%97%A5");
	free(s);
	s = tl_sigv4_uri_encode("", 0, 1);
	T_EQ_STR(s, "");
	free(s);
	s = tl_sigv4_uri_encode("a\0b", 3, 1); /* n counts, not the NUL */
	T_EQ_STR(s, "a%00b");
	free(s);
	/* every byte: unreserved ones kept, all others as %XX */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	s = tl_sigv4_uri_encode(all, 256, 1);
	T_EQ_INT(strlen(s), 66 + 3 * (256 - 66));
	T_CHECK(strstr(s, "%2F%30") == NULL); /* '0' (0x30) is not encoded */
	T_CHECK(strstr(s, "%2E") == NULL && strstr(s, "%7E") == NULL && strstr(s, "%FF") != NULL);
	free(s);
}

static void test_hashes(void)
{
	char hex[65];
	tl_sha256_hex("", 0, hex);
	T_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	tl_sha256_hex("abc", 3, hex);
	T_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* RFC 4231 test cases 2 and 6 (a key longer than the block) */
	unsigned char mac[32];
	char mhex[65];
	tl_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
	for (int i = 0; i < 32; i++)
		snprintf(mhex + 2 * i, 3, "%02x", mac[i]);
	T_EQ_STR(mhex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	unsigned char key[131];
	memset(key, 0xaa, sizeof(key));
	const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
	tl_hmac_sha256(key, sizeof(key), msg, strlen(msg), mac);
	for (int i = 0; i < 32; i++)
		snprintf(mhex + 2 * i, 3, "%02x", mac[i]);
	T_EQ_STR(mhex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_s3_rules(void)
{
	const struct tl_sigv4_header h[] = {
		{ "Host", "localhost:9000" }, /* a non-default port stays */
		{ "User-Agent", "tweetlake/0.1" },
		{ "Expect", "100-continue" },
		{ "Transfer-Encoding", "chunked" },
		{ "X-Amz-Date", "20000101T000000Z" }, /* stale, from a retry: replaced */
		{ "x-amz-meta-note", "  a   b\t c  " },
		{ "X-Amz-Meta-Note", "second" },
	};
	struct tl_sigv4_request r = {
		.method = "PUT", .path = "/bucket//a%20b/./c", .headers = h, .nheaders = 7,
		.body = "hello", .body_len = 5,
	};
	struct tl_sigv4_params p = params(TL_SIGV4_S3);
	p.service = "s3";
	struct tl_sigv4_result res;
	const char *err = NULL;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), 0);
	char *l = creq_line(res.canonical_request, 1);
	T_EQ_STR(l, "/bucket//a%20b/./c"); /* S3: neither normalized nor encoded again */
	free(l);
	const char *body_hash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
	T_CHECK(strstr(res.canonical_request, "\nhost:localhost:9000\n") != NULL);
	T_CHECK(strstr(res.canonical_request, "\nx-amz-meta-note:a b c,second\n") != NULL);
	T_CHECK(strstr(res.canonical_request, "\nx-amz-date:20150830T123600Z\n") != NULL);
	T_CHECK(strstr(res.canonical_request, "20000101") == NULL);
	T_CHECK(strstr(res.canonical_request,
		       "\nhost;x-amz-content-sha256;x-amz-date;x-amz-meta-note\n") != NULL);
	T_EQ_STR(res.content_sha256, body_hash);
	T_EQ_INT(res.nadd, 3);
	T_EQ_STR(res.add_headers[0].name, "X-Amz-Date");
	T_EQ_STR(res.add_headers[0].value, "20150830T123600Z");
	T_EQ_STR(res.add_headers[1].name, "x-amz-content-sha256");
	T_EQ_STR(res.add_headers[1].value, body_hash);
	const char *auth = "AWS4-HMAC-SHA256 Credential=" AK
			   "/20150830/us-east-1/s3/aws4_request, "
			   "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-meta-note, Signature=";
	T_EQ_STR(res.add_headers[2].name, "Authorization");
	T_CHECK(strncmp(res.add_headers[2].value, auth, strlen(auth)) == 0);
	T_EQ_INT(strlen(res.add_headers[2].value), strlen(auth) + 64);
	T_CHECK(res.add_headers[2].value == res.authorization);
	tl_sigv4_result_free(&res);

	/* UNSIGNED-PAYLOAD, a session token, and the order of the headers to add */
	p.flags |= TL_SIGV4_UNSIGNED_PAYLOAD;
	p.session_token = "TOKEN";
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), 0);
	T_EQ_STR(res.content_sha256, "UNSIGNED-PAYLOAD");
	T_CHECK(strstr(res.canonical_request, "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n") != NULL);
	T_CHECK(strstr(res.canonical_request, "\nx-amz-security-token:TOKEN\n") != NULL);
	size_t n = strlen(res.canonical_request);
	T_CHECK(n > 16 && strcmp(res.canonical_request + n - 17, "\nUNSIGNED-PAYLOAD") == 0);
	T_EQ_INT(res.nadd, 4);
	T_EQ_STR(res.add_headers[1].name, "X-Amz-Security-Token");
	T_EQ_STR(res.add_headers[1].value, "TOKEN");
	T_EQ_STR(res.add_headers[2].name, "x-amz-content-sha256");
	T_EQ_STR(res.add_headers[2].value, "UNSIGNED-PAYLOAD");
	T_EQ_STR(res.add_headers[3].name, "Authorization");
	T_CHECK(strncmp(res.add_headers[3].value, "AWS4-HMAC-SHA256 Credential=", 28) == 0);
	tl_sigv4_result_free(&res);

	/* a precomputed payload hash is used as given */
	p.flags = TL_SIGV4_S3;
	r.payload_hash = body_hash;
	r.body = NULL;
	r.body_len = 0;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), 0);
	T_EQ_STR(res.content_sha256, body_hash);
	tl_sigv4_result_free(&res);
}

static void test_generic_path_and_query(void)
{
	struct tl_sigv4_params p = params(TL_SIGV4_GENERIC);
	struct tl_sigv4_result res;
	const char *err;
	struct tl_sigv4_request r = get("//a/./b/../c%20d//", "b=2&a=1&&a&%7e=%41");
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), 0);
	char *l = creq_line(res.canonical_request, 1);
	T_EQ_STR(l, "/a/c%2520d/"); /* normalized, then encoded a second time */
	free(l);
	l = creq_line(res.canonical_request, 2);
	T_EQ_STR(l, "a=&a=1&b=2&~=A"); /* decoded and encoded again, sorted, "&&" dropped */
	free(l);
	tl_sigv4_result_free(&res);

	r = get("", NULL);
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), 0);
	l = creq_line(res.canonical_request, 1);
	T_EQ_STR(l, "/");
	free(l);
	tl_sigv4_result_free(&res);

	/* sorted by key, then value; "=" inside a value is encoded */
	r = get("/", "k=b%3Dc&k=a&k-=z&K=1");
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), 0);
	l = creq_line(res.canonical_request, 2);
	T_EQ_STR(l, "K=1&k=a&k=b%3Dc&k-=z");
	free(l);
	tl_sigv4_result_free(&res);
}

static void test_presign(void)
{
	struct tl_sigv4_params p = params(TL_SIGV4_GENERIC);
	struct tl_sigv4_request r = get("/", "Param1=value1");
	struct tl_sigv4_result res;
	const char *err = NULL;

	/* X-Amz-Expires must be 1..604800 */
	p.expires = 0;
	T_EQ_INT(tl_sigv4_presign(&p, &r, &res, &err), -1);
	T_CHECK(err && strstr(err, "expires"));
	T_CHECK(res.canonical_request == NULL && res.query == NULL);
	tl_sigv4_result_free(&res);
	p.expires = 604801;
	T_EQ_INT(tl_sigv4_presign(&p, &r, &res, &err), -1);
	p.expires = -5;
	T_EQ_INT(tl_sigv4_presign(&p, &r, &res, &err), -1);
	p.expires = 1;
	T_EQ_INT(tl_sigv4_presign(&p, &r, &res, &err), 0);
	T_CHECK(strstr(res.query, "&X-Amz-Expires=1&") != NULL);
	tl_sigv4_result_free(&res);
	p.expires = 604800;
	T_EQ_INT(tl_sigv4_presign(&p, &r, &res, &err), 0);
	T_CHECK(strstr(res.query, "&X-Amz-Expires=604800&") != NULL);
	/* a presigned URL adds no header and has no Authorization */
	T_EQ_INT(res.nadd, 0);
	T_CHECK(res.authorization == NULL);
	T_CHECK(strncmp(res.query, "Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&", 47) == 0);
	char *want = xasprintf("&X-Amz-Signature=%s", res.signature);
	size_t qn = strlen(res.query), wn = strlen(want);
	T_CHECK(qn > wn && strcmp(res.query + qn - wn, want) == 0); /* the signature comes last */
	free(want);
	tl_sigv4_result_free(&res);
	/* expires outside the range is fine for a header signature: it is not used there */
	p.expires = 0;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), 0);
	tl_sigv4_result_free(&res);
	p.expires = 3600;

	/* the session token is a signed query parameter, encoded */
	p.session_token = "tok/en+=";
	T_EQ_INT(tl_sigv4_presign(&p, &r, &res, &err), 0);
	T_CHECK(strstr(res.canonical_request, "&X-Amz-Security-Token=tok%2Fen%2B%3D&") != NULL);
	T_CHECK(strstr(res.query, "&X-Amz-Security-Token=tok%2Fen%2B%3D&") != NULL);
	T_CHECK(strstr(res.canonical_request, "x-amz-security-token:") == NULL);
	char *sig_signed = xstrdup(res.signature);
	tl_sigv4_result_free(&res);

	/* ... or, with OMIT_SESSION_TOKEN, added after the signature and not signed */
	p.flags |= TL_SIGV4_OMIT_SESSION_TOKEN;
	T_EQ_INT(tl_sigv4_presign(&p, &r, &res, &err), 0);
	T_CHECK(strstr(res.canonical_request, "Security-Token") == NULL);
	want = xasprintf("&X-Amz-Signature=%s&X-Amz-Security-Token=tok%%2Fen%%2B%%3D", res.signature);
	T_EQ_STR(strstr(res.query, "&X-Amz-Signature="), want);
	free(want);
	T_CHECK(strcmp(sig_signed, res.signature) != 0);
	free(sig_signed);
	tl_sigv4_result_free(&res);

	/* an empty token is no token */
	p.session_token = "";
	T_EQ_INT(tl_sigv4_presign(&p, &r, &res, &err), 0);
	T_CHECK(strstr(res.query, "Security-Token") == NULL);
	tl_sigv4_result_free(&res);

	/* header signing with OMIT_SESSION_TOKEN: the token is sent but not signed */
	p.session_token = "TOKEN";
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), 0);
	T_CHECK(strstr(res.canonical_request, "security-token") == NULL);
	T_EQ_INT(res.nadd, 3);
	T_EQ_STR(res.add_headers[1].name, "X-Amz-Security-Token");
	T_EQ_STR(res.add_headers[1].value, "TOKEN");
	tl_sigv4_result_free(&res);
}

static void test_bad_input(void)
{
	struct tl_sigv4_params p = params(TL_SIGV4_GENERIC);
	struct tl_sigv4_request r = get("/", NULL);
	struct tl_sigv4_result res;
	const char *err = NULL;
	const struct tl_sigv4_header no_host[] = { { "X-A", "1" } };
	const struct tl_sigv4_header crlf[] = { { "Host", "h" }, { "X-A", "1\r\nX-B: 2" } };
	const struct tl_sigv4_header badname[] = { { "Host", "h" }, { "X A", "1" } };

	r.headers = no_host;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	T_EQ_STR(err, "sigv4: no Host header");
	r.nheaders = 0;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	r.headers = crlf;
	r.nheaders = 2;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	T_EQ_STR(err, "sigv4: bad header value");
	r.headers = badname;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	r = get("/", NULL);
	r.method = "GET /x";
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	r.method = "";
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	r.method = "GET";
	r.path = "/a\nb";
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	r.path = "/";
	r.body_len = 3; /* without a body */
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	r.body_len = 0;
	p.region = "us-east-1/x";
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	p.region = "us-east-1";
	p.access_key = "";
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	p.access_key = AK;
	p.secret_key = NULL;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	p.secret_key = SK;
	p.time = -1;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	p.time = 253402300800LL; /* year 10000 */
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), -1);
	p.time = T0;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, NULL), 0); /* err may be NULL */
	T_EQ_STR(res.amz_date, "20150830T123600Z");
	tl_sigv4_result_free(&res);
	T_EQ_INT(tl_sigv4_sign(&p, &r, NULL, &err), -1);
	tl_sigv4_result_free(NULL);
}

/* Signatures made concurrently, with more secrets than the key cache holds, equal the ones made
 * one at a time. */
#define NTHREADS 4
#define NSECRETS 12

static char expected[NSECRETS][65];

static void sign_with(int i, char sig[65])
{
	char secret[32];
	snprintf(secret, sizeof(secret), "secret-%d", i);
	struct tl_sigv4_params p = params(TL_SIGV4_GENERIC);
	p.secret_key = secret;
	p.time = T0 + 86400 * (i % 3); /* three dates */
	struct tl_sigv4_request r = get("/", "i=1");
	struct tl_sigv4_result res;
	const char *err;
	if (tl_sigv4_sign(&p, &r, &res, &err) == 0)
		memcpy(sig, res.signature, 65);
	else
		sig[0] = '\0';
	tl_sigv4_result_free(&res);
}

static void *worker(void *arg)
{
	int bad = 0, seed = (int)(size_t)arg;
	for (int k = 0; k < 300; k++) {
		int i = (seed * 7 + k * 5) % NSECRETS;
		char sig[65];
		sign_with(i, sig);
		bad += strcmp(sig, expected[i]) != 0;
	}
	return (void *)(size_t)bad;
}

static void test_key_cache_threads(void)
{
	/* the expected signatures, one at a time (12 keys: the 8-entry cache keeps evicting) */
	for (int i = 0; i < NSECRETS; i++)
		sign_with(i, expected[i]);
	for (int i = 0; i < NSECRETS; i++)
		for (int j = 0; j < i; j++)
			T_CHECK(strcmp(expected[i], expected[j]) != 0);
	pthread_t t[NTHREADS];
	for (size_t i = 0; i < NTHREADS; i++)
		T_CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
	size_t bad = 0;
	for (size_t i = 0; i < NTHREADS; i++) {
		void *rv;
		pthread_join(t[i], &rv);
		bad += (size_t)rv;
	}
	T_EQ_INT(bad, 0);
	/* and the vanilla vector still comes out right after all that cache churn */
	struct tl_sigv4_params p = params(TL_SIGV4_GENERIC);
	struct tl_sigv4_request r = get("/", NULL);
	struct tl_sigv4_result res;
	const char *err;
	T_EQ_INT(tl_sigv4_sign(&p, &r, &res, &err), 0);
	T_EQ_STR(res.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	tl_sigv4_result_free(&res);
}

int main(void)
{
	TEST(test_uri_encode);
	TEST(test_hashes);
	TEST(test_s3_rules);
	TEST(test_generic_path_and_query);
	TEST(test_presign);
	TEST(test_bad_input);
	TEST(test_key_cache_threads);
	return t_done();
}
