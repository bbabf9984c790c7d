/* Unit tests for tl_pages, and for every listing that follows continuation tokens (S3
 * ListObjectsV2, Glue GetPartitions) against stand-ins that give a token again: each stops with an
 * error after a bounded number of calls instead of looping forever. */
#include "http_stub.h"
#include "t.h"
#include "tl_aws.h"
#include "tl_catalog.h"
#include "tl_log.h"
#include "tl_pages.h"
#include "tl_s3.h"

static void test_pages(void)
{
	struct tl_pages p = TL_PAGES_INIT;
	T_EQ_INT(tl_pages_next(&p, "A"), 0);
	T_EQ_INT(tl_pages_next(&p, "A"), -1); /* the same as the previous one */
	T_EQ_INT(tl_pages_next(&p, "B"), 0);
	T_EQ_INT(tl_pages_next(&p, "A"), -1); /* going round */
	tl_pages_release(&p);
	/* many distinct tokens: never a false repeat */
	char tok[64];
	int repeats = 0;
	for (int i = 0; i < 100000; i++) {
		snprintf(tok, sizeof tok, "eyJvZmZzZXQiOi%08dIn0=", i);
		repeats += tl_pages_next(&p, tok) != 0;
	}
	T_EQ_INT(repeats, 0);
	T_EQ_INT(tl_pages_count(&p), 100000);
	T_EQ_INT(tl_pages_next(&p, "eyJvZmZzZXQiOi00004242In0="), -1);
	tl_pages_release(&p);
}

static struct tl_aws *new_aws(void)
{
	char *err = NULL;
	struct tl_aws *a = tl_aws_new(NULL, &err);
	if (!a) {
		printf("#   tl_aws_new: %s\n", err);
		free(err);
		return NULL;
	}
	tl_aws_set_retry_scale(a, 0);
	return a;
}

static int count_keys(const struct tl_s3_object *o, void *ctx)
{
	(void)o;
	(*(int *)ctx)++;
	return 0;
}

#define LIST_PAGE(tok) \
	"{\"status\":200,\"headers\":{\"Content-Type\":\"application/xml\"},\"body\":" \
	"\"<ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated><Contents><Key>k</Key>" \
	"<Size>1</Size></Contents><NextContinuationToken>" tok "</NextContinuationToken>" \
	"</ListBucketResult>\"}"

static void test_s3_list(void)
{
	struct tl_aws *a = new_aws();
	if (!a) {
		T_CHECK(0);
		return;
	}
	struct tl_s3 *s3 = tl_s3_new(a);
	struct tl_aws_error e = { 0 };
	int n = 0;
	/* the same token, page after page */
	stub_script("{\"actions\":[],\"default\":" LIST_PAGE("T1") "}");
	T_EQ_INT(tl_s3_list(s3, "bucket", "raw/", NULL, count_keys, &n, &e), -1);
	T_EQ_STR(e.code, "RepeatedToken");
	T_CHECK(e.message && strstr(e.message, "would never end"));
	T_EQ_INT(stub_count(), 2);
	T_EQ_INT(n, 2);
	tl_aws_error_free(&e);
	/* tokens going round: A, B, A */
	n = 0;
	stub_script("{\"actions\":[" LIST_PAGE("A") "," LIST_PAGE("B") "," LIST_PAGE("A") "],"
		    "\"default\":" LIST_PAGE("C") "}");
	T_EQ_INT(tl_s3_list(s3, "bucket", "", NULL, count_keys, &n, &e), -1);
	T_EQ_STR(e.code, "RepeatedToken");
	T_EQ_INT(stub_count(), 3);
	tl_aws_error_free(&e);
	/* truncated, but no token to go on with: an error, not a short listing */
	stub_script("{\"actions\":[{\"status\":200,\"body\":\"<ListBucketResult><IsTruncated>true"
		    "</IsTruncated></ListBucketResult>\"}]}");
	T_EQ_INT(tl_s3_list(s3, "bucket", "", NULL, count_keys, &n, &e), -1);
	T_EQ_STR(e.code, "InvalidResponse");
	tl_aws_error_free(&e);
	tl_s3_free(s3);
	tl_aws_free(a);
}

static void test_glue_partitions(void)
{
	struct tl_aws *a = new_aws();
	if (!a) {
		T_CHECK(0);
		return;
	}
	struct tl_catalog *c = tl_catalog_glue(a, NULL);
	cJSON *parts = NULL;
	char *err = NULL;
	stub_script("{\"actions\":[],\"default\":{\"status\":200,\"headers\":{\"Content-Type\":"
		    "\"application/x-amz-json-1.1\"},\"body\":\"{\\\"Partitions\\\":[{\\\"Values\\\":"
		    "[\\\"1\\\"]}],\\\"NextToken\\\":\\\"same\\\"}\"}}");
	T_EQ_INT(tl_catalog_get_partitions(c, "db", "t", &parts, &err), -1);
	T_CHECK(parts == NULL);
	T_CHECK(err && strstr(err, "would never end"));
	T_EQ_INT(stub_count(), 2);
	free(err);
	tl_catalog_free(c);
	tl_aws_free(a);
}

int main(int argc, char **argv)
{
	(void)argc;
	tl_log_init(argv[0]);
	alarm(120); /* a listing or walk that never ends fails the test instead of hanging it */
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_MAX_ATTEMPTS");
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDSTUBTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "stubsecretstubsecretstubsecret", 1);
	setenv("AWS_REGION", "us-east-1", 1);
	TEST(test_pages);
	if (!stub_start()) {
		t_ok(0, "http-stub.py did not start");
		return t_done();
	}
	setenv("AWS_ENDPOINT_URL", stub_base, 1);
	TEST(test_s3_list);
	TEST(test_glue_partitions);
	stub_stop();
	tl_log_cleanup();
	return t_done();
}
