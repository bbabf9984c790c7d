/* tl_sso.c: IAM Identity Center role credentials from the CLI's token cache (see tl_sso.h). */
#include "tl_sso.h"
#include "tl_alloc.h"
#include "tl_awscache.h"
#include "tl_awsconf.h"
#include "tl_awsreq.h"
#include "tl_buf.h"
#include "tl_http.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_time.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REFRESH_WINDOW_MS (15 * 60 * 1000) /* botocore's SSOTokenProvider._REFRESH_WINDOW */
#define ATTEMPTS 3

/* What the configuration says. Strings borrowed from the tl_awsconf. */
struct sso_conf {
	const char *profile;
	const char *session;   /* NULL: the legacy form */
	const char *start_url;
	const char *region;
	const char *account;
	const char *role;
};

struct call {
	const struct tl_awsconf *cfg;
	const struct sso_conf *sc;
	struct tl_http *http;
	char **err;
};

__attribute__((format(printf, 2, 3))) static int fail(struct call *c, const char *fmt, ...)
{
	va_list ap;
	struct tl_buf b = TL_BUF_INIT;
	va_start(ap, fmt);
	tl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(*c->err);
	*c->err = tl_buf_detach(&b, NULL);
	return -1;
}

void tl_sso_creds_free(struct tl_sso_creds *c)
{
	if (!c)
		return;
	free(c->access_key);
	tl_secret_free(c->secret_key);
	tl_secret_free(c->session_token);
	memset(c, 0, sizeof *c);
}

bool tl_sso_configured(const struct tl_awsconf *cfg, const char *profile)
{
	return tl_awsconf_get_profile(cfg, profile, "sso_account_id") ||
	       tl_awsconf_get_profile(cfg, profile, "sso_role_name");
}

/* botocore's _load_sso_config and _resolve_sso_session_reference. */
static int conf_load(struct call *c, const char *profile, struct sso_conf *sc)
{
	const struct tl_awsconf *cfg = c->cfg;
	memset(sc, 0, sizeof *sc);
	sc->profile = profile;
	sc->account = tl_awsconf_get_profile(cfg, profile, "sso_account_id");
	sc->role = tl_awsconf_get_profile(cfg, profile, "sso_role_name");
	sc->session = tl_awsconf_get_profile(cfg, profile, "sso_session");
	sc->start_url = tl_awsconf_get_profile(cfg, profile, "sso_start_url");
	sc->region = tl_awsconf_get_profile(cfg, profile, "sso_region");
	if (sc->session) {
		if (!tl_awsconf_has_sso_session(cfg, sc->session))
			return fail(c, "profile %s: the sso-session \"%s\" does not exist in %s",
				    profile, sc->session,
				    tl_awsconf_path(cfg, TL_AWSCONF_CONFIG)
					    ? tl_awsconf_path(cfg, TL_AWSCONF_CONFIG)
					    : "the config file");
		static const char *const keys[] = { "sso_start_url", "sso_region" };
		for (size_t i = 0; i < 2; i++) {
			const char *in_session = tl_awsconf_get_sso_session(cfg, sc->session, keys[i]);
			const char *in_profile = i == 0 ? sc->start_url : sc->region;
			if (in_session && in_profile && strcmp(in_session, in_profile) != 0)
				return fail(c, "profile %s: %s is \"%s\" in the profile but \"%s\" in "
					       "sso-session %s", profile, keys[i], in_profile,
					    in_session, sc->session);
			if (in_session && i == 0)
				sc->start_url = in_session;
			else if (in_session)
				sc->region = in_session;
		}
	}
	struct tl_buf missing = TL_BUF_INIT;
	const char *names[] = { "sso_role_name", "sso_account_id", "sso_start_url", "sso_region" };
	const char *vals[] = { sc->role, sc->account, sc->start_url, sc->region };
	for (size_t i = 0; i < 4; i++) {
		if (vals[i] && *vals[i])
			continue;
		if (missing.len)
			tl_buf_adds(&missing, ", ");
		tl_buf_adds(&missing, names[i]);
	}
	if (missing.len) {
		fail(c, "profile %s is configured to use IAM Identity Center (SSO) but is missing "
			"%s%s", profile, tl_buf_str(&missing),
		     sc->session ? " (in the profile or its sso-session)" : "");
		tl_buf_release(&missing);
		return -1;
	}
	return 0;
}

/* ---- HTTP ---- */

/* Both calls: three attempts, 500 ms then 1 s apart, on what tl_aws_parse_error and
 * tl_aws_transport_error call retryable (transport errors, 5xx, 429, throttling). */
static const struct tl_retry_policy sso_retry = { .max_attempts = 3, .base_ms = 500,
						  .max_ms = 1000, .growth = 2 };

/* Sends rq unsigned (the bearer token or the client secret is the authentication) through
 * tl_awsreq, under sso_retry. Returns 0 with a 200 answer in *resp; else -1 with *err set
 * ("IAM Identity Center WHAT at URL: ...") and, when the service answered, its error in *e (the
 * caller frees it; zeroed otherwise). */
static int send_req(struct call *c, const char *what, const struct tl_awsreq *rq,
		    struct tl_http_resp *resp, struct tl_aws_error *e)
{
	struct tl_retry retry;
	tl_retry_start(&retry, &sso_retry, NULL);
	memset(e, 0, sizeof *e);
	for (;;) {
		char *why = NULL;
		tl_aws_error_free(e);
		tl_debug("credentials: IAM Identity Center %s: %s %s", what, rq->method, rq->url);
		if (tl_awsreq_send(c->http, rq, NULL, resp, &why) < 0) {
			if (why) {
				fail(c, "IAM Identity Center %s at %s: %s", what, rq->url, why);
				free(why);
				return -1;
			}
			tl_aws_transport_error(resp, e);
			fail(c, "IAM Identity Center %s at %s: %s", what, rq->url, resp->error);
			bool again = e->retryable && tl_retry_again(&retry, e->timed_out);
			tl_aws_error_free(e);
			if (!again)
				return -1;
			continue;
		}
		if (resp->status == 200) {
			free(*c->err); /* an earlier attempt's */
			*c->err = NULL;
			return 0;
		}
		tl_aws_parse_error(resp->status, &resp->headers, resp->body.data, resp->body.len, e);
		e->attempts = retry.attempts;
		char *text = tl_aws_error_text(e);
		fail(c, "IAM Identity Center %s at %s: %s", what, rq->url, text);
		free(text);
		if (!e->retryable || !tl_retry_again(&retry, e->timed_out))
			return -1;
	}
}

/* ---- the token ---- */

/* A string member of a cached token, registered as a secret. */
static const char *secret_member(const cJSON *tok, const char *name)
{
	const char *v = tl_json_get_str(tok, name);
	if (v)
		tl_log_add_secret(v);
	return v;
}

/* botocore's _attempt_create_token: OIDC CreateToken with the refresh token; the new token as
 * the CLI caches it, or NULL (why in *c->err). */
static cJSON *create_token(struct call *c, const cJSON *tok)
{
	const struct sso_conf *sc = c->sc;
	char *ep = tl_awsconf_endpoint(c->cfg, "sso oidc", sc->region, NULL, NULL);
	char *url = xasprintf("%s/token", ep);
	cJSON *req = tl_json_obj();
	tl_json_add_str(req, "clientId", tl_json_get_str(tok, "clientId"));
	tl_json_add_str(req, "clientSecret", tl_json_get_str(tok, "clientSecret"));
	tl_json_add_str(req, "grantType", "refresh_token");
	tl_json_add_str(req, "refreshToken", tl_json_get_str(tok, "refreshToken"));
	char *body = tl_json_print(req);
	tl_json_delete_secret(req);
	struct tl_http_headers hd = { 0 };
	tl_http_headers_add(&hd, "Content-Type", "application/json");
	struct tl_awsreq rq = {
		.service = "sso-oauth",
		.region = sc->region,
		.method = "POST",
		.url = url,
		.headers = &hd,
		.body = body,
		.body_len = strlen(body),
		.timeout_ms = 30000,
		.stop_on_signal = true,
	};
	struct tl_http_resp resp;
	struct tl_aws_error e;
	tl_http_resp_init(&resp);
	cJSON *out = NULL, *ans = NULL;
	int64_t now = tl_now_ms();
	if (send_req(c, "CreateToken", &rq, &resp, &e) < 0)
		goto done;
	ans = tl_json_parse(resp.body.data ? resp.body.data : "", resp.body.len, NULL);
	const char *at = ans ? secret_member(ans, "accessToken") : NULL;
	const char *rt = ans ? secret_member(ans, "refreshToken") : NULL;
	int64_t expires_in;
	if (!at || tl_json_get_i64(ans, "expiresIn", &expires_in) < 0 || expires_in <= 0) {
		fail(c, "IAM Identity Center CreateToken at %s: no accessToken or expiresIn in the "
			"answer", ep);
		goto done;
	}
	char when[40];
	tl_time_format((now / 1000 + expires_in) * 1000, 0, when, sizeof when);
	/* The members and their order of botocore's new_token, which it writes with json.dumps. */
	out = tl_json_obj();
	tl_json_add_str(out, "startUrl", sc->start_url);
	tl_json_add_str(out, "region", sc->region);
	tl_json_add_str(out, "accessToken", at);
	tl_json_add_str(out, "expiresAt", when);
	tl_json_add(out, "clientId", cJSON_Duplicate(tl_json_get(tok, "clientId"), 1));
	tl_json_add(out, "clientSecret", cJSON_Duplicate(tl_json_get(tok, "clientSecret"), 1));
	tl_json_add(out, "registrationExpiresAt",
		    cJSON_Duplicate(tl_json_get(tok, "registrationExpiresAt"), 1));
	if (rt)
		tl_json_add_str(out, "refreshToken", rt);
done:
	tl_aws_error_free(&e);
	tl_json_delete_secret(ans);
	tl_buf_release_secret(&resp.body);
	tl_http_resp_free(&resp);
	tl_http_headers_free(&hd);
	tl_secret_free(body);
	free(url);
	free(ep);
	return out;
}

/* botocore's _refresh_access_token: only with everything a refresh needs and a registration
 * that has not expired. Returns the new token or NULL (a warning says why when it was tried). */
static cJSON *refresh_token(struct call *c, const cJSON *tok, int64_t now)
{
	static const char *const need[] = { "refreshToken", "clientId", "clientSecret",
					    "registrationExpiresAt" };
	for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
		if (!tl_json_get_str(tok, need[i])) {
			tl_debug("credentials: cannot refresh the IAM Identity Center token of "
				 "sso-session %s: no %s in the cache", c->sc->session, need[i]);
			return NULL;
		}
	}
	int64_t reg;
	if (tl_awscache_time(tl_json_get_str(tok, "registrationExpiresAt"), &reg) < 0 ||
	    reg <= now) {
		tl_debug("credentials: the client registration of sso-session %s has expired",
			 c->sc->session);
		return NULL;
	}
	char *why = NULL;
	struct call rc = { c->cfg, c->sc, c->http, &why };
	cJSON *fresh = create_token(&rc, tok);
	if (!fresh) {
		tl_warn("credentials: refreshing the IAM Identity Center token failed: %s", why);
		free(why);
	}
	return fresh;
}

/* The access token of the login (refreshed when due), as a new string; NULL with *c->err. */
static char *load_token(struct call *c)
{
	const struct sso_conf *sc = c->sc;
	const char *name = sc->session ? sc->session : sc->start_url;
	char key[41];
	tl_awscache_sha1_hex(name, strlen(name), key);
	char *dir = tl_awscache_dir(TL_AWSCACHE_SSO);
	char *why = NULL, *token = NULL;
	cJSON *tok = tl_awscache_load(dir, key, &why);
	if (!tok) {
		if (why)
			fail(c, "profile %s: cannot read the IAM Identity Center login: %s; run: "
				"aws sso login --profile %s", sc->profile, why, sc->profile);
		else
			fail(c, "profile %s: no IAM Identity Center login for %s %s (no %s/%s.json); "
				"run: aws sso login --profile %s", sc->profile,
			     sc->session ? "sso-session" : "start URL", name, dir, key, sc->profile);
		goto out;
	}
	const char *at = secret_member(tok, "accessToken");
	secret_member(tok, "refreshToken");
	secret_member(tok, "clientSecret");
	int64_t exp, now = tl_now_ms();
	if (!at || tl_awscache_time(tl_json_get_str(tok, "expiresAt"), &exp) < 0) {
		fail(c, "profile %s: the IAM Identity Center login in %s/%s.json is invalid (no "
			"accessToken or expiresAt); run: aws sso login --profile %s", sc->profile, dir,
		     key, sc->profile);
		goto out;
	}
	if (sc->session && exp - now < REFRESH_WINDOW_MS) {
		cJSON *fresh = refresh_token(c, tok, now);
		if (fresh) {
			struct tl_buf text = TL_BUF_INIT;
			tl_awscache_pydumps(&text, fresh, false, false);
			if (tl_awscache_store(dir, key, text.data, text.len, &why) < 0) {
				tl_warn("credentials: could not save the refreshed IAM Identity Center "
					"token: %s", why);
				free(why);
				why = NULL;
			}
			tl_buf_release_secret(&text);
			tl_json_delete_secret(tok);
			tok = fresh;
			at = tl_json_get_str(tok, "accessToken");
			tl_awscache_time(tl_json_get_str(tok, "expiresAt"), &exp);
			tl_debug("credentials: refreshed the IAM Identity Center token of sso-session %s",
				 sc->session);
		}
	}
	if (exp <= now) {
		fail(c, "profile %s: the IAM Identity Center login has expired; run: aws sso login "
			"--profile %s", sc->profile, sc->profile);
		goto out;
	}
	token = xstrdup(at);
out:
	tl_json_delete_secret(tok);
	free(why);
	free(dir);
	return token;
}

/* ---- the role credentials ---- */

static int role_credentials(struct call *c, const char *token, struct tl_sso_creds *out)
{
	const struct sso_conf *sc = c->sc;
	char *ep = tl_awsconf_endpoint(c->cfg, "sso", sc->region, NULL, NULL);
	char *role = tl_url_encode(sc->role, strlen(sc->role));
	char *acct = tl_url_encode(sc->account, strlen(sc->account));
	char *url = xasprintf("%s/federation/credentials?role_name=%s&account_id=%s", ep, role, acct);
	struct tl_http_headers hd = { 0 };
	tl_http_headers_add(&hd, "x-amz-sso_bearer_token", token);
	struct tl_awsreq rq = {
		.service = "awsssoportal",
		.region = sc->region,
		.method = "GET",
		.url = url,
		.headers = &hd,
		.timeout_ms = 30000,
		.stop_on_signal = true,
	};
	struct tl_http_resp resp;
	struct tl_aws_error e;
	tl_http_resp_init(&resp);
	cJSON *ans = NULL;
	int r = -1;
	if (send_req(c, "GetRoleCredentials", &rq, &resp, &e) < 0) {
		if (e.code && strcmp(e.code, "UnauthorizedException") == 0)
			fail(c, "profile %s: the IAM Identity Center login has expired or is not valid; "
				"run: aws sso login --profile %s", sc->profile, sc->profile);
		else if (e.status)
			fail(c, "profile %s: role %s, account %s: %s", sc->profile, sc->role,
			     sc->account, *c->err);
		goto done;
	}
	ans = tl_json_parse(resp.body.data ? resp.body.data : "", resp.body.len, NULL);
	const cJSON *rc = ans ? tl_json_get(ans, "roleCredentials") : NULL;
	const char *ak = rc ? tl_json_get_str(rc, "accessKeyId") : NULL;
	const char *sk = rc ? secret_member(rc, "secretAccessKey") : NULL;
	const char *st = rc ? secret_member(rc, "sessionToken") : NULL;
	double exp;
	if (!ak || !sk || !st || tl_json_get_num(rc, "expiration", &exp) < 0) {
		fail(c, "profile %s: IAM Identity Center GetRoleCredentials at %s: the answer has no "
			"roleCredentials with accessKeyId, secretAccessKey, sessionToken and "
			"expiration", sc->profile, ep);
		goto done;
	}
	out->access_key = xstrdup(ak);
	out->secret_key = xstrdup(sk);
	out->session_token = xstrdup(st);
	out->expires_ms = (int64_t)exp; /* epoch milliseconds */
	r = 0;
done:
	tl_aws_error_free(&e);
	tl_json_delete_secret(ans);
	tl_buf_release_secret(&resp.body);
	tl_http_resp_free(&resp);
	tl_http_headers_free(&hd);
	free(url);
	free(role);
	free(acct);
	free(ep);
	return r;
}

int tl_sso_get(const struct tl_awsconf *cfg, const char *profile, struct tl_sso_creds *out,
	       char **err)
{
	struct sso_conf sc;
	struct call c = { cfg, &sc, NULL, err };
	memset(out, 0, sizeof *out);
	*err = NULL;
	if (conf_load(&c, profile, &sc) < 0)
		return -1;
	struct tl_http_opts o = { 0 };
	o.connect_timeout_ms = 10000;
	o.ca_bundle = tl_awsconf_ca_bundle(cfg);
	c.http = tl_http_new(&o);
	int r = -1;
	char *token = load_token(&c);
	if (token)
		r = role_credentials(&c, token, out);
	tl_secret_free(token);
	tl_http_free(c.http);
	return r;
}
