/* tl_mskiam.c: MSK IAM tokens and librdkafka's OAUTHBEARER refresh callback (see tl_mskiam.h). */
#include "tl_mskiam.h"
#include "tl_alloc.h"
#include "tl_awsconf.h"
#include "tl_buf.h"
#include "tl_creds.h"
#include "tl_log.h"
#include "tl_sigv4.h"
#include "tl_str.h"
#include "tl_time.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_TTL_S 900 /* X-Amz-Expires of every reference signer */
#define MAX_CLIENTS 16

struct tl_mskiam {
	struct tl_awsconf *cfg;
	struct tl_creds_provider *prov;
	char *region;
	char *user_agent;
	atomic_uint tokens;
};

/* librdkafka hands the callback its rk and the client's opaque (the tool's own): which tl_mskiam
 * serves which client is kept here. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	rd_kafka_t *rk;
	struct tl_mskiam *m;
} reg[MAX_CLIENTS];

/* ---- region ---- */

static bool region_ok(const char *r, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)r[i]) && !isdigit((unsigned char)r[i]) && r[i] != '-')
			return false;
	return true;
}

char *tl_mskiam_region_of(const char *brokers)
{
	if (!brokers)
		return NULL;
	size_t n = strcspn(brokers, ",");
	char *host = xstrndup(brokers, n);
	char *s = host;
	while (*s == ' ')
		s++;
	/* drop ":port" (a host name has no other colon) and a final dot */
	char *colon = strrchr(s, ':');
	if (colon && strchr(s, ':') == colon)
		*colon = '\0';
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == '.' || s[len - 1] == ' '))
		s[--len] = '\0';
	for (char *q = s; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	char *region = NULL;
	static const char *const marks[] = { ".kafka.", ".kafka-serverless." };
	for (size_t i = 0; i < 2 && !region; i++) {
		/* the last occurrence: the labels after it are REGION.amazonaws.com[.cn] */
		const char *at = NULL;
		for (const char *p = strstr(s, marks[i]); p; p = strstr(p + 1, marks[i]))
			at = p;
		if (!at)
			continue;
		const char *r = at + strlen(marks[i]);
		const char *dot = strchr(r, '.');
		if (!dot || !region_ok(r, (size_t)(dot - r)))
			continue;
		if (strcmp(dot, ".amazonaws.com") == 0 || strcmp(dot, ".amazonaws.com.cn") == 0)
			region = xstrndup(r, (size_t)(dot - r));
	}
	free(host);
	return region;
}

/* ---- the token ---- */

static int cmp_params(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t xn = strcspn(x, "="), yn = strcspn(y, "=");
	int c = memcmp(x, y, xn < yn ? xn : yn);
	return c ? c : (xn > yn) - (xn < yn);
}

/* base64url without padding, as Buffer.toString("base64url") and the Python signer give. */
static char *base64url(const char *s, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	int len = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (int i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	return out;
}

char *tl_mskiam_token(const struct tl_creds *c, const char *region, int64_t now_ms,
		      const char *user_agent, int64_t *expires_ms, const char **err)
{
	if (!region || !region_ok(region, strlen(region))) {
		*err = "not an AWS region";
		return NULL;
	}
	char *host = xasprintf("kafka.%s.amazonaws.com", region);
	struct tl_sigv4_header h[1] = { { "host", host } };
	struct tl_sigv4_request req = { 0 };
	req.method = "GET";
	req.path = "/";
	req.query = "Action=kafka-cluster%3AConnect";
	req.headers = h;
	req.nheaders = 1;
	struct tl_sigv4_params p = { 0 };
	p.access_key = c->access_key;
	p.secret_key = c->secret_key;
	p.session_token = c->session_token;
	p.region = region;
	p.service = "kafka-cluster";
	p.time = now_ms / 1000;
	p.flags = TL_SIGV4_GENERIC;
	p.expires = TOKEN_TTL_S;
	struct tl_sigv4_result r;
	if (tl_sigv4_presign(&p, &req, &r, err) < 0) {
		free(host);
		return NULL;
	}
	/* The query's parameters and the User-Agent, in name order (the JavaScript signer's
	 * formatUrl sorts them; MSK takes any order). */
	struct tl_buf ua = TL_BUF_INIT;
	char *ua_enc = tl_sigv4_uri_encode(user_agent, strlen(user_agent), 1);
	tl_buf_addf(&ua, "User-Agent=%s", ua_enc);
	free(ua_enc);
	size_t np = 1;
	for (const char *q = r.query; *q; q++)
		np += *q == '&';
	char **params = xcalloc(np + 1, sizeof *params);
	char *query = xstrdup(r.query);
	size_t k = 0;
	for (char *save = NULL, *t = strtok_r(query, "&", &save); t; t = strtok_r(NULL, "&", &save))
		params[k++] = t;
	params[k++] = ua.data;
	qsort(params, k, sizeof *params, cmp_params);
	struct tl_buf url = TL_BUF_INIT;
	tl_buf_addf(&url, "https://%s/?", host);
	for (size_t i = 0; i < k; i++)
		tl_buf_addf(&url, "%s%s", i ? "&" : "", params[i]);
	char *token = base64url(url.data, url.len);
	*expires_ms = (now_ms / 1000 + TOKEN_TTL_S) * 1000;
	if (c->expires_ms > 0 && c->expires_ms < *expires_ms)
		*expires_ms = c->expires_ms;
	tl_buf_release_secret(&url);
	tl_buf_release(&ua);
	tl_secret_free(query);
	free(params);
	free(host);
	/* the session token is in the query and the canonical request */
	char *held[] = { r.canonical_request, r.query };
	for (size_t i = 0; i < 2; i++)
		if (held[i])
			explicit_bzero(held[i], strlen(held[i]));
	tl_sigv4_result_free(&r);
	return token;
}

/* ---- the client side ---- */

struct tl_mskiam *tl_mskiam_new(const char *profile, const char *region, const char *brokers,
				char **err)
{
	struct tl_mskiam *m = xcalloc(1, sizeof *m);
	*err = NULL;
	m->cfg = tl_awsconf_load(profile, err);
	if (!m->cfg) {
		free(m);
		return NULL;
	}
	m->region = tl_mskiam_region_of(brokers);
	if (!m->region && tl_awsconf_region(m->cfg, region))
		m->region = xstrdup(tl_awsconf_region(m->cfg, region));
	if (!m->region) {
		*err = xasprintf("MSK IAM: no AWS region: the brokers' names do not tell it (not "
				 "b-N....kafka.REGION.amazonaws.com); give --region or set AWS_REGION");
		tl_mskiam_free(m);
		return NULL;
	}
	if (!region_ok(m->region, strlen(m->region))) {
		*err = xasprintf("MSK IAM: \"%s\" is not an AWS region", m->region);
		tl_mskiam_free(m);
		return NULL;
	}
	m->user_agent = xstrdup("tweetlake/" TL_VERSION);
	m->prov = tl_creds_provider_new(m->cfg, m->region);
	struct tl_creds c;
	char *why = NULL;
	if (tl_creds_get(m->prov, &c, &why) < 0) {
		*err = xasprintf("MSK IAM: %s", why);
		free(why);
		tl_mskiam_free(m);
		return NULL;
	}
	tl_debug("MSK IAM: region %s, credentials from %s (access key %s)", m->region, c.source,
		 c.access_key);
	tl_creds_free(&c);
	return m;
}

void tl_mskiam_free(struct tl_mskiam *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (reg[i].m == m)
			reg[i].rk = NULL, reg[i].m = NULL;
	pthread_mutex_unlock(&reg_lock);
	tl_creds_provider_free(m->prov);
	tl_awsconf_free(m->cfg);
	free(m->region);
	free(m->user_agent);
	free(m);
}

const char *tl_mskiam_region(const struct tl_mskiam *m)
{
	return m->region;
}

unsigned tl_mskiam_tokens(const struct tl_mskiam *m)
{
	return atomic_load(&m->tokens);
}

static struct tl_mskiam *served_by(rd_kafka_t *rk)
{
	struct tl_mskiam *m = NULL;
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < MAX_CLIENTS && !m; i++)
		if (reg[i].rk == rk)
			m = reg[i].m;
	pthread_mutex_unlock(&reg_lock);
	return m;
}

/* librdkafka's OAUTHBEARER token refresh callback, on its background thread. */
static void refresh_cb(rd_kafka_t *rk, const char *oauthbearer_config, void *opaque)
{
	(void)oauthbearer_config;
	(void)opaque;
	struct tl_mskiam *m = served_by(rk);
	if (!m) {
		rd_kafka_oauthbearer_set_token_failure(rk, "MSK IAM: no credentials for this client");
		return;
	}
	struct tl_creds c;
	char *why = NULL;
	if (tl_creds_get(m->prov, &c, &why) < 0) {
		tl_err("MSK IAM: no token: %s", why);
		rd_kafka_oauthbearer_set_token_failure(rk, why);
		free(why);
		return;
	}
	int64_t now = tl_now_ms(), expires;
	const char *serr;
	char *token = tl_mskiam_token(&c, m->region, now, m->user_agent, &expires, &serr);
	if (!token || expires <= now + 1000) {
		const char *msg = token ? "the credentials expire now" : serr;
		tl_err("MSK IAM: no token: %s", msg);
		rd_kafka_oauthbearer_set_token_failure(rk, msg);
		tl_secret_free(token);
		tl_creds_free(&c);
		return;
	}
	tl_log_add_secret(token);
	char errstr[512];
	if (rd_kafka_oauthbearer_set_token(rk, token, expires, c.access_key, NULL, 0, errstr,
					   sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		tl_err("MSK IAM: librdkafka refused the token: %s", errstr);
		rd_kafka_oauthbearer_set_token_failure(rk, errstr);
	} else {
		char when[40];
		tl_time_format(expires, 0, when, sizeof when);
		atomic_fetch_add(&m->tokens, 1);
		tl_debug("MSK IAM: new token for region %s (access key %s), valid until %s",
			 m->region, c.access_key, when);
	}
	tl_secret_free(token);
	tl_creds_free(&c);
}

void tl_mskiam_conf(struct tl_mskiam *m, rd_kafka_conf_t *conf)
{
	(void)m;
	rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, refresh_cb);
	rd_kafka_conf_enable_sasl_queue(conf, 1);
}

int tl_mskiam_start(struct tl_mskiam *m, rd_kafka_t *rk, char **err)
{
	*err = NULL;
	pthread_mutex_lock(&reg_lock);
	size_t i = 0;
	while (i < MAX_CLIENTS && reg[i].rk)
		i++;
	if (i < MAX_CLIENTS)
		reg[i].rk = rk, reg[i].m = m;
	pthread_mutex_unlock(&reg_lock);
	if (i == MAX_CLIENTS) {
		*err = xasprintf("MSK IAM: more than %d Kafka clients at once", MAX_CLIENTS);
		return -1;
	}
	rd_kafka_error_t *e = rd_kafka_sasl_background_callbacks_enable(rk);
	if (e) {
		*err = xasprintf("MSK IAM: %s", rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		return -1;
	}
	return 0;
}
