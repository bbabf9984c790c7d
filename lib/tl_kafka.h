/* tl_kafka.h: librdkafka configuration the way kcat takes it, for kafka-produce and kafka-to-s3.
 *
 * Order of application (later wins): the suite's defaults for the role, then -F files and -X
 * properties in command-line order, then -b; KAFKA_BROKERS is used only when no broker list was
 * given any other way.
 *
 * Property routing follows kcat: a name starting with "topic." is tried on the topic
 * configuration without the prefix, any other name on the topic configuration first; whatever
 * the topic configuration does not know goes to the global configuration. The topic
 * configuration becomes the default topic configuration of the client.
 *
 * Amazon MSK with IAM authentication: "sasl.mechanism=AWS_MSK_IAM" (the Java client's name; also
 * "sasl.mechanisms") turns on SASL/OAUTHBEARER with tokens signed with AWS credentials
 * (tl_mskiam), and security.protocol=SASL_SSL unless the user sets another SASL protocol. A Java
 * client's MSK properties file works as it is: sasl.jaas.config with
 * software.amazon.msk.auth.iam.IAMLoginModule (its awsProfileName="NAME" is the AWS profile)
 * and sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler.
 *
 * Secrets (sasl.password, ssl.key.password, sasl.jaas.config, ... : any property whose name
 * contains "password", "secret", "jaas" or "passphrase", and ssl.key.pem, sasl.oauthbearer.config,
 * sasl.oauthbearer.assertion.private.key.pem) are refused from -X, because argv is
 * visible to every user of the machine; they are accepted from -F files and are registered with
 * tl_log_add_secret() so that no log line shows them.
 */
#ifndef TL_KAFKA_H
#define TL_KAFKA_H
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_kafka_role {
	TL_KAFKA_PRODUCER,
	TL_KAFKA_CONSUMER,
};

/* Where a property comes from: argv refuses secrets; defaults are not "set by the user". */
enum tl_kafka_src {
	TL_KAFKA_SRC_DEFAULT,
	TL_KAFKA_SRC_FILE,
	TL_KAFKA_SRC_ARGV,
	TL_KAFKA_SRC_ENV,
};

struct tl_mskiam;

struct tl_kafka_conf {
	rd_kafka_conf_t *conf;        /* global properties; owned until tl_kafka_conf_take() */
	rd_kafka_topic_conf_t *tconf; /* topic properties; owned likewise */
	enum tl_kafka_role role;
	bool user_idempotence;        /* enable.idempotence was set by the user */
	bool user_acks;               /* acks / request.required.acks was set by the user */
	bool user_protocol;           /* security.protocol was set by the user */
	bool msk_iam;                 /* sasl.mechanism=AWS_MSK_IAM (or the IAM JAAS module) */
	char *msk_profile;            /* awsProfileName of the IAM JAAS module, or NULL */
	struct tl_mskiam *mskiam;     /* owned; kept until tl_kafka_conf_release() */
};

/* Starts a configuration with the suite's defaults for role and client.id = the tool's name.
 * Producer defaults (a data pipeline's, each overridable): acks=all, enable.idempotence=true,
 * compression.type=lz4, linger.ms=20, batch.size=1000000, batch.num.messages=10000,
 * queue.buffering.max.kbytes=65536 (bounds memory), message.timeout.ms=300000, and
 * partitioner=murmur2_random (keys land where a Java producer puts them).
 * Consumer defaults: none besides client.id (the consumer tool sets its own). Never fails;
 * allocation failure exits. Release with tl_kafka_conf_release(). */
void tl_kafka_conf_init(struct tl_kafka_conf *kc, enum tl_kafka_role role);

/* Sets one property, routed as described above. Returns 0, or -1 with the reason logged
 * (unknown property, invalid value, a secret from argv). Does not block. */
int tl_kafka_conf_set(struct tl_kafka_conf *kc, const char *name, const char *value,
		      enum tl_kafka_src src);

/* "-X name=value" from the command line (TL_KAFKA_SRC_ARGV). Returns 0 or -1 (logged). */
int tl_kafka_conf_arg(struct tl_kafka_conf *kc, const char *arg);

/* Reads a Java-style properties file: "name=value", "name: value" or "name value" per line,
 * "#" and "!" comments, "\" line continuations and escapes (\=, \:, \\, \t, \n, \uXXXX). A
 * Java client's sasl.jaas.config with PlainLoginModule is turned into sasl.username and
 * sasl.password, as kcat does. Returns 0, or -1 with "path:line: reason" logged. Blocks on
 * file I/O only. */
int tl_kafka_conf_file(struct tl_kafka_conf *kc, const char *path);
/* The same for properties text already in memory (text[0..len), no NUL needed); path names it
 * in messages. */
int tl_kafka_conf_text(struct tl_kafka_conf *kc, const char *text, size_t len, const char *path);

/* Settles the broker list: brokers (from -b) if not NULL, else what -X/-F set as
 * bootstrap.servers (or metadata.broker.list), else the environment variable KAFKA_BROKERS.
 * Returns 0, or -1 (logged) when there is none anywhere. */
int tl_kafka_conf_brokers(struct tl_kafka_conf *kc, const char *brokers);

/* Settles authentication after the brokers (tl_kafka_conf_brokers): with MSK IAM, loads the AWS
 * configuration of profile (NULL: the IAM JAAS module's awsProfileName, else as the CLI picks it),
 * finds the region (the brokers' host names, else region, else the AWS configuration), resolves
 * credentials once (so a missing login stops the tool now, with its reason) and installs the
 * OAUTHBEARER refresh callback (tl_mskiam). Does nothing without MSK IAM. Returns 0, or -1 with
 * the reason logged. Blocks on what the credentials need (network, an MFA prompt). */
int tl_kafka_conf_auth(struct tl_kafka_conf *kc, const char *profile, const char *region);

/* After rd_kafka_new() of the configuration tl_kafka_conf_take() handed over: starts what the
 * client needs beside librdkafka (the MSK IAM token refresh, served on librdkafka's background
 * thread, so the tool need not poll for it). Returns 0, or -1 with the reason logged. */
int tl_kafka_conf_start(struct tl_kafka_conf *kc, rd_kafka_t *rk);

/* The current value of a property (topic configuration first, then global), as a new string
 * the caller frees, or NULL if unknown. */
char *tl_kafka_conf_get(const struct tl_kafka_conf *kc, const char *name);

/* Finishes the configuration and hands it over for rd_kafka_new() (which takes ownership on
 * success; on failure the caller must rd_kafka_conf_destroy() it). Installs logging (librdkafka's
 * log lines and errors go to tl_log at suitable levels) and the default topic configuration.
 * For a producer whose user chose acks other than all without mentioning enable.idempotence,
 * idempotence is turned off (it requires acks=all) and a note is logged. kc is left empty. */
rd_kafka_conf_t *tl_kafka_conf_take(struct tl_kafka_conf *kc);

/* Frees what kc still owns (safe after take and on an empty kc). With MSK IAM, call it after
 * rd_kafka_destroy() of the client: the token refresh lives until then. */
void tl_kafka_conf_release(struct tl_kafka_conf *kc);

/* True if name is a property whose value is a secret (see the top of this file). */
bool tl_kafka_prop_secret(const char *name);

/* Java's murmur2 partitioner (org.apache.kafka.common.utils.Utils.murmur2, seed 0x9747b28c):
 * the partition a Java producer picks for key out of partition_cnt ((hash & 0x7fffffff) %
 * partition_cnt). librdkafka's "murmur2_random" partitioner agrees; this is for tests and for
 * tools that must predict placement. partition_cnt must be > 0. */
uint32_t tl_kafka_murmur2(const void *key, size_t len);
int32_t tl_kafka_murmur2_partition(const void *key, size_t len, int32_t partition_cnt);

#endif
