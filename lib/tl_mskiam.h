/* tl_mskiam.h: Amazon MSK IAM authentication for librdkafka clients, as the AWS MSK IAM SASL
 * signers define it (aws-msk-iam-sasl-signer-js, -python, -go; the Java client's AWS_MSK_IAM
 * mechanism over OAUTHBEARER): librdkafka speaks SASL/OAUTHBEARER, and the bearer token is a
 * presigned request that MSK checks against IAM.
 *
 * The token: GET https://kafka.REGION.amazonaws.com/?Action=kafka-cluster%3AConnect presigned
 * with SigV4 (service "kafka-cluster", X-Amz-Expires=900, the host header signed, the session
 * token as X-Amz-Security-Token), a User-Agent parameter added after signing, the parameters in
 * name order, the whole URL base64url-encoded without padding. It is valid 15 minutes from its
 * signing, or until the credentials that signed it expire, whichever comes first.
 *
 * The client side: librdkafka asks for a token through its OAUTHBEARER refresh callback when it
 * starts and again at 80% of the token's lifetime; the callback takes credentials from the
 * credential chain (tl_creds: environment, profiles with roles, SSO and MFA, containers, instance
 * metadata) and signs a new token. The callback is served on librdkafka's background thread, so
 * a tool need not poll for it. Tokens are registered with tl_log_add_secret() and wiped.
 */
#ifndef TL_MSKIAM_H
#define TL_MSKIAM_H
#include <librdkafka/rdkafka.h>
#include <stdint.h>

struct tl_creds;

/* The region in the host name of the first broker of a bootstrap list ("host:port,..."), as MSK
 * names them: b-1.CLUSTER.ID.c2.kafka.REGION.amazonaws.com (provisioned) or
 * boot-ID.c1.kafka-serverless.REGION.amazonaws.com (serverless), ".amazonaws.com.cn" in China.
 * Returns a new string, or NULL when the host is not named so (an IP, a private DNS name). */
char *tl_mskiam_region_of(const char *brokers);

/* The token for credentials c (borrowed) in region, signed at now_ms (epoch ms) with user_agent
 * as its User-Agent parameter. Returns a new string (free with tl_secret_free) and *expires_ms
 * (signing time + 900 s, or c->expires_ms when sooner), or NULL with *err (static text) for a bad
 * region or credentials SigV4 cannot use. Pure: no I/O, no clock, thread-safe. */
char *tl_mskiam_token(const struct tl_creds *c, const char *region, int64_t now_ms,
		      const char *user_agent, int64_t *expires_ms, const char **err);

struct tl_mskiam; /* the AWS configuration, credentials and region tokens are made from */

/* Loads the AWS configuration for profile (NULL: as the CLI picks it) and settles the region:
 * the one in the brokers' host names (where the cluster is, so the one its tokens must be signed
 * for), else region (the --region flag), else the AWS configuration's (AWS_REGION, the
 * profile's). Then resolves credentials once, so that a missing
 * or broken login stops the caller here, with its reason, rather than fail every connection.
 * NULL with *err (caller frees) when there is no region or no credentials. Blocks on what
 * resolving credentials needs (network, an MFA prompt on the terminal). */
struct tl_mskiam *tl_mskiam_new(const char *profile, const char *region, const char *brokers,
				char **err);
/* Frees m; call after rd_kafka_destroy() of every client it served. m may be NULL. */
void tl_mskiam_free(struct tl_mskiam *m);
const char *tl_mskiam_region(const struct tl_mskiam *m);

/* Makes conf use m: the OAUTHBEARER refresh callback and a SASL queue of its own (served once
 * tl_mskiam_start is called). Does not set the mechanism or protocol (tl_kafka does). */
void tl_mskiam_conf(struct tl_mskiam *m, rd_kafka_conf_t *conf);
/* After rd_kafka_new() with such a conf: serves the refresh callback on librdkafka's background
 * thread. 0, or -1 with *err (caller frees). */
int tl_mskiam_start(struct tl_mskiam *m, rd_kafka_t *rk, char **err);

/* For tests: how many tokens m has handed to librdkafka. */
unsigned tl_mskiam_tokens(const struct tl_mskiam *m);

#endif
