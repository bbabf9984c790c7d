/* Unit tests for lib/tl_mskiam.c and its tl_kafka plumbing: the region in MSK broker names, a
 * token against a vector of the reference signer, the expiry, and the OAUTHBEARER refresh
 * through librdkafka (a token near its end is replaced). The tokens' conformance over many
 * cases is tests/t0450 (tests/helpers/msk-token-check.py). */
#include "t.h"
#include "tl_alloc.h"
#include "tl_creds.h"
#include "tl_kafka.h"
#include "tl_log.h"
#include "tl_mskiam.h"
#include "tl_time.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void region_of(void)
{
	static const char *const cases[][2] = {
		{ "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098", "us-east-1" },
		{ "b-2.demo.abc123.c2.kafka.eu-west-3.amazonaws.com:9098,b-1.demo.abc123.c2.kafka."
		  "eu-west-3.amazonaws.com:9098", "eu-west-3" },
		{ "boot-abc123.c1.kafka-serverless.ap-southeast-2.amazonaws.com:9098",
		  "ap-southeast-2" },
		{ "B-1.DEMO.ABC.C3.KAFKA.US-WEST-2.AMAZONAWS.COM:9098", "us-west-2" },
		{ "b-1.demo.abc.c1.kafka.cn-north-1.amazonaws.com.cn:9098", "cn-north-1" },
		{ " b-1.x.y.c2.kafka.us-east-2.amazonaws.com.", "us-east-2" },
		{ "b-1.x.y.c2.kafka.us-east-1.amazonaws.com.evil.example:9098", NULL },
		{ "kafka.internal.example.com:9092", NULL },
		{ "127.0.0.1:9092", NULL },
		{ "b-1.x.kafka.US_EAST.amazonaws.com:1", NULL },
		{ "", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *r = tl_mskiam_region_of(cases[i][0]);
		if (cases[i][1])
			T_EQ_STR(r, cases[i][1]);
		else
			T_CHECK(r == NULL);
		free(r);
	}
	T_CHECK(tl_mskiam_region_of(NULL) == NULL);
}

static char *decode(const char *tok)
{
	size_t n = strlen(tok);
	char *b = xmalloc(n + 4);
	memcpy(b, tok, n);
	for (size_t i = 0; i < n; i++)
		b[i] = b[i] == '-' ? '+' : b[i] == '_' ? '/' : b[i];
	while (n % 4)
		b[n++] = '=';
	char *out = xmalloc(n);
	int len = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)b, (int)n);
	free(b);
	if (len < 0)
		len = 0;
	while (len > 0 && out[len - 1] == '\0')
		len--;
	out[len] = '\0';
	return out;
}

/* The npm signer aws-msk-iam-sasl-signer-js 1.0.3 gives this URL (base64url) for these
 * credentials at 2015-08-30T12:36:00Z (the SigV4 suite's time). */
static void token_vector(void)
{
	struct tl_creds c = { 0 };
	c.access_key = (char *)"AKIDEXAMPLE";
	c.secret_key = (char *)"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	int64_t exp = 0;
	const char *err = NULL;
	char *t = tl_mskiam_token(&c, "us-east-1", 1440938160123, "aws-msk-iam-sasl-signer-js/1.0.3",
				  &exp, &err);
	T_CHECK(t != NULL);
	T_CHECK(t && !strpbrk(t, "+/="));
	char *url = t ? decode(t) : NULL;
	T_EQ_STR(url, "https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect&"
		      "User-Agent=aws-msk-iam-sasl-signer-js%2F1.0.3&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
		      "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fkafka-cluster%2F"
		      "aws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-Signature="
		      "c413a83bc64a339e31a5e5e9ed99d778ff843206b427540cafa5122c01e3e993&"
		      "X-Amz-SignedHeaders=host");
	T_EQ_INT(exp, 1440939060000);
	free(url);
	tl_secret_free(t);
	/* temporary credentials that end sooner bound the token; a bad region is refused */
	c.session_token = (char *)"FwoGZXIvYXdzE+token/with=chars";
	c.expires_ms = 1440938400000;
	t = tl_mskiam_token(&c, "eu-west-1", 1440938160000, "tweetlake/test", &exp, &err);
	url = t ? decode(t) : NULL;
	T_CHECK(url && strstr(url, "&X-Amz-Security-Token=FwoGZXIvYXdzE%2Btoken%2Fwith%3Dchars&"));
	T_EQ_INT(exp, 1440938400000);
	free(url);
	tl_secret_free(t);
	T_CHECK(tl_mskiam_token(&c, "Not A Region", 1440938160000, "x", &exp, &err) == NULL);
	T_CHECK(err != NULL);
}

static char tmpdir[] = "/tmp/tl-mskiam-test.XXXXXX";

/* A client whose credentials last 4 s at a time (a credential_process that hands out a new key
 * each call): librdkafka asks for a new token at 80% of the last one's life, and gets one made
 * from new credentials. No broker is needed for that. */
static void refresh(void)
{
	char *script = xasprintf("%s/creds.sh", tmpdir);
	char *count = xasprintf("%s/count", tmpdir);
	char *cfg = xasprintf("%s/config", tmpdir);
	FILE *f = fopen(script, "w");
	fprintf(f, "#!/bin/sh\nn=$(($(cat %s 2>/dev/null || echo 0) + 1)); echo $n >%s\n"
		   "printf '{\"Version\": 1, \"AccessKeyId\": \"ASIAREFRESH%%d\", \"SecretAccessKey\": "
		   "\"s\", \"SessionToken\": \"t\", \"Expiration\": \"%%s\"}' $n "
		   "$(date -u -d @$(($(date +%%s) + 4)) +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n", count, count);
	fclose(f);
	chmod(script, 0755);
	f = fopen(cfg, "w");
	fprintf(f, "[profile msk]\ncredential_process = %s\n", script);
	fclose(f);
	setenv("AWS_CONFIG_FILE", cfg, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);

	struct tl_kafka_conf kc;
	tl_kafka_conf_init(&kc, TL_KAFKA_PRODUCER);
	T_CHECK(tl_kafka_conf_set(&kc, "sasl.mechanism", "AWS_MSK_IAM", TL_KAFKA_SRC_ARGV) == 0);
	T_CHECK(tl_kafka_conf_set(&kc, "security.protocol", "SASL_PLAINTEXT", TL_KAFKA_SRC_ARGV) ==
		0);
	T_CHECK(tl_kafka_conf_brokers(&kc, "127.0.0.1:1") == 0);
	T_CHECK(tl_kafka_conf_auth(&kc, "msk", "us-east-1") == 0);
	char *mech = tl_kafka_conf_get(&kc, "sasl.mechanisms");
	T_EQ_STR(mech, "OAUTHBEARER");
	free(mech);
	T_CHECK(kc.mskiam != NULL);
	char errstr[512];
	rd_kafka_conf_t *conf = tl_kafka_conf_take(&kc);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	T_CHECK(rk != NULL);
	if (rk) {
		T_CHECK(tl_kafka_conf_start(&kc, rk) == 0);
		int64_t end = tl_mono_ms() + 60000;
		while (tl_mskiam_tokens(kc.mskiam) < 3 && tl_mono_ms() < end)
			tl_sleep_ms(100);
		T_CHECK(tl_mskiam_tokens(kc.mskiam) >= 3);
		rd_kafka_destroy(rk);
	} else {
		rd_kafka_conf_destroy(conf);
	}
	tl_kafka_conf_release(&kc);
	/* one process run for tl_mskiam_new's check, then one per token at least */
	FILE *cf = fopen(count, "r");
	int runs = 0;
	if (cf && fscanf(cf, "%d", &runs) != 1)
		runs = 0;
	if (cf)
		fclose(cf);
	T_CHECK(runs >= 3);
	unlink(script);
	unlink(count);
	unlink(cfg);
	free(script);
	free(count);
	free(cfg);
}

/* MSK IAM is SASL: a plaintext or SSL protocol set by the user is refused. */
static void protocol(void)
{
	struct tl_kafka_conf kc;
	tl_kafka_conf_init(&kc, TL_KAFKA_CONSUMER);
	T_CHECK(tl_kafka_conf_set(&kc, "security.protocol", "SSL", TL_KAFKA_SRC_ARGV) == 0);
	T_CHECK(tl_kafka_conf_set(&kc, "sasl.mechanisms", "aws_msk_iam", TL_KAFKA_SRC_ARGV) == 0);
	T_CHECK(kc.msk_iam);
	T_CHECK(tl_kafka_conf_auth(&kc, NULL, "us-east-1") == -1);
	tl_kafka_conf_release(&kc);
	/* another mechanism after it turns it off again */
	tl_kafka_conf_init(&kc, TL_KAFKA_CONSUMER);
	T_CHECK(tl_kafka_conf_set(&kc, "sasl.mechanism", "AWS_MSK_IAM", TL_KAFKA_SRC_ARGV) == 0);
	T_CHECK(tl_kafka_conf_set(&kc, "sasl.mechanism", "PLAIN", TL_KAFKA_SRC_ARGV) == 0);
	T_CHECK(!kc.msk_iam);
	T_CHECK(tl_kafka_conf_auth(&kc, NULL, NULL) == 0);
	tl_kafka_conf_release(&kc);
}

int main(void)
{
	tl_log_init("test_mskiam");
	tl_log_set_level(TL_LOG_ERROR);
	if (!mkdtemp(tmpdir))
		return 1;
	TEST(region_of);
	TEST(token_vector);
	TEST(protocol);
	TEST(refresh);
	rmdir(tmpdir);
	tl_log_cleanup();
	return t_done();
}
