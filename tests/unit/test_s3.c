/* Unit tests for tl_s3's pure parts: s3:// URLs, key encoding and joining, addressing. */
#include "t.h"
#include "tl_s3.h"

#include <stdlib.h>

static void test_url_parse(void)
{
	struct tl_s3_url u;
	char *err = NULL;
	T_CHECK(tl_s3_url_parse("s3://my-bucket/a/b/", &u, &err) == 0);
	T_EQ_STR(u.bucket, "my-bucket");
	T_EQ_STR(u.prefix, "a/b");
	tl_s3_url_free(&u);
	T_CHECK(tl_s3_url_parse("s3://b.with.dots", &u, &err) == 0);
	T_EQ_STR(u.bucket, "b.with.dots");
	T_EQ_STR(u.prefix, "");
	tl_s3_url_free(&u);
	const char *bad[] = { "s3://", "s3://ab/x", "s3://Upper/x", "s3://-bad/x", "http://b/x",
			      "s3://bad_name", "/tmp/x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		T_CHECK(tl_s3_url_parse(bad[i], &u, &err) == -1);
		T_CHECK(err != NULL);
		free(err);
	}
}

static void test_keys(void)
{
	char *s = tl_s3_key_encode("pre/t/dt=2026-11-25/hour=03/t+0+001.json.gz");
	T_EQ_STR(s, "pre/t/dt%3D2026-11-25/hour%3D03/t%2B0%2B001.json.gz");
	free(s);
	s = tl_s3_key_encode("a b/\xc3\xa9~_.-");
	T_EQ_STR(s, "a%20b/%C3%A9~_.-");
	free(s);
	s = tl_s3_key_join("pre/", "/x/y");
	T_EQ_STR(s, "pre/x/y");
	free(s);
	s = tl_s3_key_join("", "x");
	T_EQ_STR(s, "x");
	free(s);
	s = tl_s3_url_str("b", "k/1");
	T_EQ_STR(s, "s3://b/k/1");
	free(s);
}

static struct tl_aws *aws_with(const char *endpoint)
{
	struct tl_aws_opts o;
	memset(&o, 0, sizeof(o));
	o.region = "eu-west-1";
	o.endpoint_url = endpoint;
	char *err = NULL;
	struct tl_aws *a = tl_aws_new(&o, &err);
	free(err);
	return a;
}

static void test_addressing(void)
{
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_S3");
	struct tl_aws *a = aws_with(NULL);
	T_CHECK(a != NULL);
	if (!a)
		return;
	struct tl_s3 *s = tl_s3_new(a);
	char *u = tl_s3_request_url(s, "lake", "a b/c=d", NULL);
	T_EQ_STR(u, "https://lake.s3.eu-west-1.amazonaws.com/a%20b/c%3Dd");
	free(u);
	u = tl_s3_request_url(s, "lake", NULL, "list-type=2");
	T_EQ_STR(u, "https://lake.s3.eu-west-1.amazonaws.com/?list-type=2");
	free(u);
	/* dotted names: path-style, as TLS wildcards do not cover them */
	u = tl_s3_request_url(s, "my.lake", "k", NULL);
	T_EQ_STR(u, "https://s3.eu-west-1.amazonaws.com/my.lake/k");
	free(u);
	tl_s3_set_path_style(s, true);
	u = tl_s3_request_url(s, "lake", "k", "uploads=");
	T_EQ_STR(u, "https://s3.eu-west-1.amazonaws.com/lake/k?uploads=");
	free(u);
	tl_s3_free(s);
	tl_aws_free(a);

	a = aws_with("http://127.0.0.1:9000/");
	s = tl_s3_new(a);
	u = tl_s3_request_url(s, "lake", "x/y", NULL);
	T_EQ_STR(u, "http://127.0.0.1:9000/lake/x/y");
	free(u);
	u = tl_s3_request_url(s, "lake", NULL, NULL);
	T_EQ_STR(u, "http://127.0.0.1:9000/lake");
	free(u);
	tl_s3_free(s);
	tl_aws_free(a);
}

int main(void)
{
	TEST(test_url_parse);
	TEST(test_keys);
	TEST(test_addressing);
	return t_done();
}
