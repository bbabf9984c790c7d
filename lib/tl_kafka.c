#include "tl_kafka.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_log.h"
#include "tl_mskiam.h"
#include "tl_str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROPS_FILE_MAX ((size_t)1 << 20)

static const char *const producer_defaults[][2] = {
	{ "acks", "all" },
	{ "enable.idempotence", "true" },
	{ "compression.type", "lz4" },
	{ "linger.ms", "20" },
	{ "batch.size", "1000000" },
	{ "batch.num.messages", "10000" },
	{ "queue.buffering.max.kbytes", "65536" },
	{ "message.timeout.ms", "300000" },
	{ "partitioner", "murmur2_random" },
};

bool tl_kafka_prop_secret(const char *name)
{
	/* sasl.oauthbearer.config carries the unsecured JWT's principal and extensions; a
	 * private key's PEM or passphrase signs JWT assertions or TLS */
	static const char *const exact[] = {
		"ssl.key.pem", "ssl_key", "sasl.oauthbearer.config",
		"sasl.oauthbearer.assertion.private.key.pem",
	};
	if (strstr(name, "password") || strstr(name, "secret") || strstr(name, "jaas") ||
	    strstr(name, "passphrase"))
		return true;
	for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
		if (strcmp(name, exact[i]) == 0)
			return true;
	return false;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	/* Errors also reach error_cb, which reports them once; "FAIL" lines repeat them. */
	if (level <= 4 && strcmp(fac, "FAIL") != 0 && strcmp(fac, "ERROR") != 0)
		tl_warn("librdkafka: %s: %s", fac, buf);
	else
		tl_debug("librdkafka: %s: %s", fac, buf);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)opaque;
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char why[512];
		rd_kafka_resp_err_t ferr = rd_kafka_fatal_error(rk, why, sizeof why);
		tl_err("kafka: fatal error: %s: %s", rd_kafka_err2str(ferr), why);
	} else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		tl_warn("kafka: all brokers are down (%s); still retrying", reason);
	} else {
		tl_warn("kafka: %s", reason);
	}
}

void tl_kafka_conf_init(struct tl_kafka_conf *kc, enum tl_kafka_role role)
{
	char errstr[512];
	memset(kc, 0, sizeof *kc);
	kc->role = role;
	kc->conf = rd_kafka_conf_new();
	kc->tconf = rd_kafka_topic_conf_new();
	if (!kc->conf || !kc->tconf)
		tl_die(1, "out of memory (librdkafka configuration)");
	if (rd_kafka_conf_set(kc->conf, "client.id", tl_log_tool(), errstr, sizeof errstr))
		tl_warn("client.id: %s", errstr);
	if (role == TL_KAFKA_PRODUCER) {
		for (size_t i = 0; i < sizeof producer_defaults / sizeof producer_defaults[0]; i++)
			tl_kafka_conf_set(kc, producer_defaults[i][0], producer_defaults[i][1],
					  TL_KAFKA_SRC_DEFAULT);
	}
}

void tl_kafka_conf_release(struct tl_kafka_conf *kc)
{
	if (kc->conf)
		rd_kafka_conf_destroy(kc->conf);
	if (kc->tconf)
		rd_kafka_topic_conf_destroy(kc->tconf);
	kc->conf = NULL;
	kc->tconf = NULL;
	tl_mskiam_free(kc->mskiam);
	kc->mskiam = NULL;
	free(kc->msk_profile);
	kc->msk_profile = NULL;
}

/* The Java client's MSK IAM classes, which a properties file for it names. */
static bool msk_java_class(const char *v)
{
	return strstr(v, "software.amazon.msk.auth.iam.") != NULL;
}

static const char *src_name(enum tl_kafka_src src)
{
	switch (src) {
	case TL_KAFKA_SRC_ARGV:
		return "-X ";
	case TL_KAFKA_SRC_ENV:
		return "environment: ";
	default:
		return "";
	}
}

int tl_kafka_conf_set(struct tl_kafka_conf *kc, const char *name, const char *value,
		      enum tl_kafka_src src)
{
	char errstr[512];
	rd_kafka_conf_res_t res;

	if (!*name) {
		tl_err("%sempty property name", src_name(src));
		return -1;
	}
	if (strcmp(name, "sasl.mechanism") == 0 || strcmp(name, "sasl.mechanisms") == 0) {
		kc->msk_iam = strcasecmp(value, "AWS_MSK_IAM") == 0;
		if (kc->msk_iam)
			value = "OAUTHBEARER";
	}
	if (strcmp(name, "sasl.client.callback.handler.class") == 0 && msk_java_class(value))
		return 0; /* the Java client's IAM handler: tl_mskiam is ours */
	if (tl_kafka_prop_secret(name)) {
		if (src == TL_KAFKA_SRC_ARGV) {
			tl_err("-X %s: secrets are not taken from the command line (other users can "
			       "see it); put it in a properties file given with -F", name);
			return -1;
		}
		tl_log_add_secret(value);
	}
	errstr[0] = '\0';
	if (strncmp(name, "topic.", 6) == 0)
		res = rd_kafka_topic_conf_set(kc->tconf, name + 6, value, errstr, sizeof errstr);
	else
		res = rd_kafka_topic_conf_set(kc->tconf, name, value, errstr, sizeof errstr);
	if (res == RD_KAFKA_CONF_UNKNOWN) {
		errstr[0] = '\0';
		res = rd_kafka_conf_set(kc->conf, name, value, errstr, sizeof errstr);
	}
	if (res != RD_KAFKA_CONF_OK) {
		tl_err("%s%s: %s", src_name(src), name, errstr[0] ? errstr : "not accepted");
		return -1;
	}
	if (src != TL_KAFKA_SRC_DEFAULT) {
		if (strcmp(name, "enable.idempotence") == 0)
			kc->user_idempotence = true;
		if (strcmp(name, "acks") == 0 || strcmp(name, "request.required.acks") == 0 ||
		    strcmp(name, "topic.acks") == 0 || strcmp(name, "topic.request.required.acks") == 0)
			kc->user_acks = true;
		if (strcmp(name, "security.protocol") == 0)
			kc->user_protocol = true;
	}
	return 0;
}

int tl_kafka_conf_arg(struct tl_kafka_conf *kc, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		tl_err("-X %s: expected property=value", arg);
		return -1;
	}
	char *name = xstrndup(arg, (size_t)(eq - arg));
	int r = tl_kafka_conf_set(kc, name, eq + 1, TL_KAFKA_SRC_ARGV);
	free(name);
	return r;
}

/* Decodes one escape at s[0..n) (s[0] follows the backslash); returns bytes used. */
static size_t unescape_one(struct tl_buf *b, const char *s, size_t n)
{
	switch (s[0]) {
	case 't':
		tl_buf_addc(b, '\t');
		return 1;
	case 'n':
		tl_buf_addc(b, '\n');
		return 1;
	case 'r':
		tl_buf_addc(b, '\r');
		return 1;
	case 'f':
		tl_buf_addc(b, '\f');
		return 1;
	case 'u':
		if (n >= 5) {
			int cp = tl_hex4(s + 1);
			if (cp >= 0) {
				char u[4];
				tl_buf_add(b, u, tl_utf8_put(u, (unsigned long)cp));
				return 5;
			}
		}
		tl_buf_addc(b, 'u');
		return 1;
	default:
		tl_buf_addc(b, s[0]);
		return 1;
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

/* Splits one logical properties line (continuations already joined, escapes still in) into
 * an unescaped name and value. */
static void split_prop(const char *s, size_t n, struct tl_buf *name, struct tl_buf *value)
{
	size_t i = 0;
	while (i < n && !is_space(s[i]) && s[i] != '=' && s[i] != ':') {
		if (s[i] == '\\' && i + 1 < n)
			i += 1 + unescape_one(name, s + i + 1, n - i - 1);
		else
			tl_buf_addc(name, s[i++]);
	}
	while (i < n && is_space(s[i]))
		i++;
	if (i < n && (s[i] == '=' || s[i] == ':'))
		i++;
	while (i < n && is_space(s[i]))
		i++;
	while (i < n) {
		if (s[i] == '\\' && i + 1 < n)
			i += 1 + unescape_one(value, s + i + 1, n - i - 1);
		else
			tl_buf_addc(value, s[i++]);
	}
	tl_buf_adds(name, "");
	tl_buf_adds(value, "");
}

/* Pulls a quoted word="..." out of a JAAS line; NULL if missing. Caller frees. */
static char *jaas_field(const char *jaas, const char *field)
{
	size_t fl = strlen(field);
	for (const char *p = strstr(jaas, field); p; p = strstr(p + 1, field)) {
		if (p > jaas && !is_space(p[-1]))
			continue;
		const char *q = p + fl;
		while (is_space(*q))
			q++;
		if (*q++ != '=')
			continue;
		while (is_space(*q))
			q++;
		if (*q++ != '"')
			continue;
		const char *end = strchr(q, '"');
		if (!end)
			return NULL;
		return xstrndup(q, (size_t)(end - q));
	}
	return NULL;
}

static int set_jaas(struct tl_kafka_conf *kc, const char *value, const char *where)
{
	if (strstr(value, "IAMLoginModule") && msk_java_class(value)) {
		/* MSK IAM as the Java client configures it; awsRoleArn and the like are the AWS
		 * configuration's business here (a profile with role_arn). */
		char *profile = jaas_field(value, "awsProfileName");
		if (strstr(value, "awsRoleArn"))
			tl_warn("%s: sasl.jaas.config: awsRoleArn is not read; give the role to a "
				"profile of ~/.aws/config (role_arn) and use it", where);
		free(kc->msk_profile);
		kc->msk_profile = profile;
		return tl_kafka_conf_set(kc, "sasl.mechanism", "AWS_MSK_IAM", TL_KAFKA_SRC_FILE);
	}
	if (!strstr(value, "PlainLoginModule") && !strstr(value, "ScramLoginModule")) {
		tl_err("%s: sasl.jaas.config: only PlainLoginModule, ScramLoginModule and MSK's "
		       "IAMLoginModule are understood; set sasl.username and sasl.password instead",
		       where);
		return -1;
	}
	char *user = jaas_field(value, "username");
	char *pass = jaas_field(value, "password");
	int r = -1;
	if (!user || !pass)
		tl_err("%s: sasl.jaas.config: username=\"...\" and password=\"...\" expected",
		       where);
	else if (tl_kafka_conf_set(kc, "sasl.password", pass, TL_KAFKA_SRC_FILE) == 0 &&
		 tl_kafka_conf_set(kc, "sasl.username", user, TL_KAFKA_SRC_FILE) == 0)
		r = 0;
	free(user);
	tl_secret_free(pass);
	return r;
}

int tl_kafka_conf_file(struct tl_kafka_conf *kc, const char *path)
{
	size_t len;
	char *text = tl_read_file(path, PROPS_FILE_MAX, &len);
	if (!text) {
		tl_err("%s: %s", path, errno == E2BIG ? "too large for a properties file"
						      : strerror(errno));
		return -1;
	}
	int r = tl_kafka_conf_text(kc, text, len, path);
	explicit_bzero(text, len); /* passwords */
	free(text);
	return r;
}

int tl_kafka_conf_text(struct tl_kafka_conf *kc, const char *text, size_t len, const char *path)
{
	struct tl_buf logical = TL_BUF_INIT, name = TL_BUF_INIT, value = TL_BUF_INIT;
	size_t pos = 0;
	unsigned lineno = 0, start_line = 0;
	int status = 0;
	bool continuing = false;
	while (pos < len && status == 0) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		size_t i = 0;
		while (i < n && is_space(line[i]))
			i++;
		if (!continuing) {
			if (i == n || line[i] == '#' || line[i] == '!')
				continue;
			tl_buf_reset(&logical);
			start_line = lineno;
		}
		/* An odd number of trailing backslashes continues the line. */
		size_t bs = 0;
		while (bs < n - i && line[n - 1 - bs] == '\\')
			bs++;
		continuing = bs % 2 == 1;
		tl_buf_add(&logical, line + i, n - i - (continuing ? 1 : 0));
		if (continuing && pos < len)
			continue;
		continuing = false;

		tl_buf_reset(&name);
		tl_buf_reset(&value);
		split_prop(logical.data ? logical.data : "", logical.len, &name, &value);
		char *where = xasprintf("%s:%u", path, start_line);
		if (name.len != strlen(name.data)) {
			tl_err("%s: NUL in property name", where);
			status = -1;
		} else if (strcmp(name.data, "sasl.jaas.config") == 0) {
			tl_log_add_secret(value.data);
			status = set_jaas(kc, value.data, where);
		} else if (tl_kafka_prop_secret(name.data)) {
			/* Register first so an error message quoting the value is masked too. */
			tl_log_add_secret(value.data);
			if (tl_kafka_conf_set(kc, name.data, value.data, TL_KAFKA_SRC_FILE) < 0) {
				tl_err("%s: property not set", where);
				status = -1;
			}
		} else if (tl_kafka_conf_set(kc, name.data, value.data, TL_KAFKA_SRC_FILE) < 0) {
			tl_err("%s: property not set", where);
			status = -1;
		}
		free(where);
	}
	tl_buf_release_secret(&logical);
	tl_buf_release(&name);
	tl_buf_release_secret(&value);
	return status;
}

char *tl_kafka_conf_get(const struct tl_kafka_conf *kc, const char *name)
{
	size_t n = 0;
	const char *key = strncmp(name, "topic.", 6) == 0 ? name + 6 : name;
	if (kc->tconf && rd_kafka_topic_conf_get(kc->tconf, key, NULL, &n) == RD_KAFKA_CONF_OK) {
		char *v = xmalloc(n ? n : 1);
		v[0] = '\0';
		if (n)
			rd_kafka_topic_conf_get(kc->tconf, key, v, &n);
		return v;
	}
	n = 0;
	if (kc->conf && rd_kafka_conf_get(kc->conf, name, NULL, &n) == RD_KAFKA_CONF_OK) {
		char *v = xmalloc(n ? n : 1);
		v[0] = '\0';
		if (n)
			rd_kafka_conf_get(kc->conf, name, v, &n);
		return v;
	}
	return NULL;
}

int tl_kafka_conf_brokers(struct tl_kafka_conf *kc, const char *brokers)
{
	if (brokers) {
		if (!*brokers) {
			tl_err("-b: empty broker list");
			return -1;
		}
		return tl_kafka_conf_set(kc, "bootstrap.servers", brokers, TL_KAFKA_SRC_ARGV);
	}
	char *have = tl_kafka_conf_get(kc, "bootstrap.servers");
	bool set = have && *have;
	free(have);
	if (set)
		return 0;
	const char *env = getenv("KAFKA_BROKERS");
	if (env && *env)
		return tl_kafka_conf_set(kc, "bootstrap.servers", env, TL_KAFKA_SRC_ENV);
	tl_err("no Kafka brokers: give -b BROKERS, -X bootstrap.servers=... or set KAFKA_BROKERS");
	return -1;
}

int tl_kafka_conf_auth(struct tl_kafka_conf *kc, const char *profile, const char *region)
{
	if (!kc->msk_iam)
		return 0;
	char *proto = tl_kafka_conf_get(kc, "security.protocol");
	bool sasl = proto && strncasecmp(proto, "sasl_", 5) == 0;
	if (kc->user_protocol && !sasl) {
		tl_err("MSK IAM is SASL: security.protocol=%s does not go with it (SASL_SSL, the "
		       "default with MSK IAM, or SASL_PLAINTEXT)", proto ? proto : "");
		free(proto);
		return -1;
	}
	free(proto);
	if (!kc->user_protocol)
		tl_kafka_conf_set(kc, "security.protocol", "SASL_SSL", TL_KAFKA_SRC_DEFAULT);
	char *brokers = tl_kafka_conf_get(kc, "bootstrap.servers");
	char *err = NULL;
	struct tl_mskiam *m = tl_mskiam_new(profile ? profile : kc->msk_profile, region, brokers,
					    &err);
	free(brokers);
	if (!m) {
		tl_err("%s", err);
		free(err);
		return -1;
	}
	tl_mskiam_conf(m, kc->conf);
	tl_mskiam_free(kc->mskiam);
	kc->mskiam = m;
	return 0;
}

int tl_kafka_conf_start(struct tl_kafka_conf *kc, rd_kafka_t *rk)
{
	if (!kc->mskiam)
		return 0;
	char *err = NULL;
	if (tl_mskiam_start(kc->mskiam, rk, &err) < 0) {
		tl_err("%s", err);
		free(err);
		return -1;
	}
	return 0;
}

rd_kafka_conf_t *tl_kafka_conf_take(struct tl_kafka_conf *kc)
{
	if (kc->role == TL_KAFKA_PRODUCER && kc->user_acks && !kc->user_idempotence) {
		char *acks = tl_kafka_conf_get(kc, "acks");
		if (acks && strcmp(acks, "-1") != 0 && strcmp(acks, "all") != 0) {
			tl_info("acks=%s: idempotence turned off (it needs acks=all)", acks);
			tl_kafka_conf_set(kc, "enable.idempotence", "false", TL_KAFKA_SRC_DEFAULT);
		}
		free(acks);
	}
	rd_kafka_conf_t *conf = kc->conf;
	rd_kafka_conf_set_log_cb(conf, log_cb);
	rd_kafka_conf_set_error_cb(conf, error_cb);
	rd_kafka_conf_set_default_topic_conf(conf, kc->tconf);
	kc->conf = NULL;
	kc->tconf = NULL;
	return conf;
}

uint32_t tl_kafka_murmur2(const void *key, size_t len)
{
	const uint32_t seed = 0x9747b28c, m = 0x5bd1e995;
	const int r = 24;
	const unsigned char *data = key;
	uint32_t h = seed ^ (uint32_t)len;
	size_t n4 = len / 4;

	for (size_t i = 0; i < n4; i++) {
		const unsigned char *p = data + i * 4;
		uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			     (uint32_t)p[3] << 24;
		k *= m;
		k ^= k >> r;
		k *= m;
		h *= m;
		h ^= k;
	}
	const unsigned char *tail = data + n4 * 4;
	switch (len % 4) {
	case 3:
		h ^= (uint32_t)tail[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)tail[1] << 8;
		/* fall through */
	case 1:
		h ^= (uint32_t)tail[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

int32_t tl_kafka_murmur2_partition(const void *key, size_t len, int32_t partition_cnt)
{
	return (int32_t)((tl_kafka_murmur2(key, len) & 0x7fffffff) % (uint32_t)partition_cnt);
}
