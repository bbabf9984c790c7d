/* Unit tests for lib/tl_kafka.c: property routing, properties files, secrets, brokers, murmur2. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_kafka.h"
#include "tl_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tl-kafka-test.XXXXXX";

static char *write_tmp(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

/* The value in the topic configuration (tconf only), or NULL. */
static char *topic_get(struct tl_kafka_conf *kc, const char *name)
{
	char buf[256];
	size_t n = sizeof buf;
	if (rd_kafka_topic_conf_get(kc->tconf, name, buf, &n) != RD_KAFKA_CONF_OK)
		return NULL;
	return xstrdup(buf);
}

static char *global_get(struct tl_kafka_conf *kc, const char *name)
{
	char buf[1024];
	size_t n = sizeof buf;
	if (rd_kafka_conf_get(kc->conf, name, buf, &n) != RD_KAFKA_CONF_OK)
		return NULL;
	return xstrdup(buf);
}

#define T_PROP(getter, kc, name, want) do { char *v_ = getter(kc, name); \
	T_EQ_STR(v_, want); free(v_); } while (0)

static void murmur2_matches_java(void)
{
	/* org.apache.kafka.common.utils.UtilsTest.testMurmur2 */
	static const struct { const char *in; int32_t want; } v[] = {
		{ "21", -973932308 },
		{ "foobar", -790332482 },
		{ "a-little-bit-long-string", -985981536 },
		{ "a-little-bit-longer-string", -1486304829 },
		{ "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971 },
		{ "abc", 479470107 },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		T_EQ_INT((int32_t)tl_kafka_murmur2(v[i].in, strlen(v[i].in)), v[i].want);
	T_EQ_INT(tl_kafka_murmur2_partition("foobar", 6, 50), 16);
	T_EQ_INT(tl_kafka_murmur2_partition("21", 2, 50), 40);
	T_EQ_INT(tl_kafka_murmur2_partition("abc", 3, 50), 7);
}

static void producer_defaults_are_safe(void)
{
	struct tl_kafka_conf kc;
	tl_kafka_conf_init(&kc, TL_KAFKA_PRODUCER);
	T_PROP(topic_get, &kc, "acks", "-1");
	T_PROP(global_get, &kc, "enable.idempotence", "true");
	T_PROP(topic_get, &kc, "compression.codec", "lz4");
	T_PROP(topic_get, &kc, "partitioner", "murmur2_random");
	T_PROP(global_get, &kc, "queue.buffering.max.kbytes", "65536");
	tl_kafka_conf_release(&kc);
}

static void properties_are_routed_like_kcat(void)
{
	struct tl_kafka_conf kc;
	tl_kafka_conf_init(&kc, TL_KAFKA_CONSUMER);
	T_EQ_INT(tl_kafka_conf_arg(&kc, "auto.offset.reset=earliest"), 0);
	T_PROP(topic_get, &kc, "auto.offset.reset", "smallest");
	T_EQ_INT(tl_kafka_conf_arg(&kc, "topic.message.timeout.ms=1234"), 0);
	T_PROP(topic_get, &kc, "message.timeout.ms", "1234");
	/* A global property with the "topic." prefix falls through to the global config. */
	T_EQ_INT(tl_kafka_conf_arg(&kc, "topic.metadata.refresh.interval.ms=5000"), 0);
	T_PROP(global_get, &kc, "topic.metadata.refresh.interval.ms", "5000");
	T_EQ_INT(tl_kafka_conf_arg(&kc, "fetch.wait.max.ms=7"), 0);
	T_PROP(global_get, &kc, "fetch.wait.max.ms", "7");
	T_EQ_INT(tl_kafka_conf_arg(&kc, "no.such.property=1"), -1);
	T_EQ_INT(tl_kafka_conf_arg(&kc, "fetch.wait.max.ms=banana"), -1);
	T_EQ_INT(tl_kafka_conf_arg(&kc, "novalue"), -1);
	T_EQ_INT(tl_kafka_conf_arg(&kc, "=x"), -1);
	char *v = tl_kafka_conf_get(&kc, "auto.offset.reset");
	T_EQ_STR(v, "smallest");
	free(v);
	T_CHECK(tl_kafka_conf_get(&kc, "no.such.property") == NULL);
	tl_kafka_conf_release(&kc);
}

static void secrets_only_from_files(void)
{
	struct tl_kafka_conf kc;
	tl_kafka_conf_init(&kc, TL_KAFKA_PRODUCER);
	T_CHECK(tl_kafka_prop_secret("sasl.password"));
	T_CHECK(tl_kafka_prop_secret("ssl.key.password"));
	T_CHECK(tl_kafka_prop_secret("sasl.oauthbearer.client.secret"));
	T_CHECK(!tl_kafka_prop_secret("sasl.username"));
	T_CHECK(tl_kafka_prop_secret("sasl.oauthbearer.config"));
	T_CHECK(tl_kafka_prop_secret("sasl.oauthbearer.assertion.private.key.passphrase"));
	T_CHECK(tl_kafka_prop_secret("sasl.oauthbearer.assertion.private.key.pem"));
	T_CHECK(!tl_kafka_prop_secret("sasl.oauthbearer.token.endpoint.url"));
	T_EQ_INT(tl_kafka_conf_arg(&kc, "sasl.password=hunter2hunter2"), -1);
	T_EQ_INT(tl_kafka_conf_arg(&kc, "sasl.oauthbearer.config=principal=alice"), -1);
	char *path = write_tmp("secret.properties",
			       "# a client.properties file\n"
			       "sasl.username=alice\n"
			       "sasl.password = s3cr3t-pa55word\n");
	T_EQ_INT(tl_kafka_conf_file(&kc, path), 0);
	T_PROP(global_get, &kc, "sasl.username", "alice");
	char *red = tl_redact("pw is s3cr3t-pa55word!", 22);
	T_EQ_STR(red, "pw is ***!");
	free(red);
	free(path);
	tl_kafka_conf_release(&kc);
}

static void properties_file_syntax(void)
{
	struct tl_kafka_conf kc;
	tl_kafka_conf_init(&kc, TL_KAFKA_PRODUCER);
	char *path = write_tmp("syntax.properties",
			       "! Java comment\n"
			       "   # indented comment\n"
			       "\n"
			       "client.id: my\\:client\\u00e9\r\n"
			       "linger.ms   42\n"
			       "bootstrap.servers=host1:9092,\\\n"
			       "    host2:9092\n"
			       "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
			       "required username=\"bob\" password=\"jaas-pa55word\";\n"
			       "topic.acks=1");
	T_EQ_INT(tl_kafka_conf_file(&kc, path), 0);
	T_PROP(global_get, &kc, "client.id", "my:client\xc3\xa9");
	T_PROP(global_get, &kc, "linger.ms", "42");
	T_PROP(global_get, &kc, "bootstrap.servers", "host1:9092,host2:9092");
	T_PROP(global_get, &kc, "sasl.username", "bob");
	T_PROP(topic_get, &kc, "acks", "1");
	char *red = tl_redact("jaas-pa55word", 13);
	T_EQ_STR(red, "***");
	free(red);
	free(path);

	path = write_tmp("bad.properties", "linger.ms=5\nno.such.thing=1\n");
	T_EQ_INT(tl_kafka_conf_file(&kc, path), -1);
	free(path);
	path = xasprintf("%s/missing.properties", tmpdir);
	T_EQ_INT(tl_kafka_conf_file(&kc, path), -1);
	free(path);
	tl_kafka_conf_release(&kc);
}

static void brokers_precedence(void)
{
	struct tl_kafka_conf kc;
	unsetenv("KAFKA_BROKERS");
	tl_kafka_conf_init(&kc, TL_KAFKA_PRODUCER);
	T_EQ_INT(tl_kafka_conf_brokers(&kc, NULL), -1);
	setenv("KAFKA_BROKERS", "envhost:9092", 1);
	T_EQ_INT(tl_kafka_conf_brokers(&kc, NULL), 0);
	T_PROP(global_get, &kc, "bootstrap.servers", "envhost:9092");
	tl_kafka_conf_release(&kc);

	tl_kafka_conf_init(&kc, TL_KAFKA_PRODUCER);
	T_EQ_INT(tl_kafka_conf_arg(&kc, "bootstrap.servers=xhost:1"), 0);
	T_EQ_INT(tl_kafka_conf_brokers(&kc, NULL), 0);
	T_PROP(global_get, &kc, "bootstrap.servers", "xhost:1");
	T_EQ_INT(tl_kafka_conf_brokers(&kc, "bhost:2"), 0);
	T_PROP(global_get, &kc, "bootstrap.servers", "bhost:2");
	T_EQ_INT(tl_kafka_conf_brokers(&kc, ""), -1);
	tl_kafka_conf_release(&kc);
	unsetenv("KAFKA_BROKERS");
}

static void acks_without_idempotence(void)
{
	char errstr[256];
	struct tl_kafka_conf kc;
	tl_kafka_conf_init(&kc, TL_KAFKA_PRODUCER);
	T_EQ_INT(tl_kafka_conf_arg(&kc, "acks=1"), 0);
	T_EQ_INT(tl_kafka_conf_brokers(&kc, "127.0.0.1:1"), 0);
	rd_kafka_conf_t *conf = tl_kafka_conf_take(&kc);
	T_CHECK(kc.conf == NULL && kc.tconf == NULL);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	T_CHECK(rk != NULL);
	if (!rk) {
		printf("# %s\n", errstr);
		rd_kafka_conf_destroy(conf);
	} else {
		rd_kafka_destroy(rk);
	}
	tl_kafka_conf_release(&kc);

	/* Asking for both is the user's contradiction: librdkafka refuses it. */
	tl_kafka_conf_init(&kc, TL_KAFKA_PRODUCER);
	T_EQ_INT(tl_kafka_conf_arg(&kc, "acks=1"), 0);
	T_EQ_INT(tl_kafka_conf_arg(&kc, "enable.idempotence=true"), 0);
	conf = tl_kafka_conf_take(&kc);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	T_CHECK(rk == NULL);
	if (rk)
		rd_kafka_destroy(rk);
	else
		rd_kafka_conf_destroy(conf);
}

int main(void)
{
	tl_log_init("test_kafka");
	tl_log_set_level(-1);
	if (!mkdtemp(tmpdir))
		return 1;
	TEST(murmur2_matches_java);
	TEST(producer_defaults_are_safe);
	TEST(properties_are_routed_like_kcat);
	TEST(secrets_only_from_files);
	TEST(properties_file_syntax);
	TEST(brokers_precedence);
	TEST(acks_without_idempotence);
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	free(cmd);
	tl_log_cleanup();
	return t_done();
}
