/* tl_creds.c: the AWS CLI's credential chain (botocore credentials.py) over tl_awsconf, tl_http
 * and tl_awsreq (STS calls, error parsing, the retry policy).
 *
 * Each source answers FOUND (out filled), NONE (not configured: try the next) or FAIL (configured
 * but broken: the chain stops there, as botocore raises). Instance metadata is the exception: any
 * failure there means "no credentials", since every machine off EC2 would fail it.
 */
#include "tl_creds.h"
#include "tl_alloc.h"
#include "tl_awscache.h"
#include "tl_awsconf.h"
#include "tl_buf.h"
#include "tl_http.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_sso.h"
#include "tl_time.h"
#include "tl_tty.h"
#include "tl_xml.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define REFRESH_MS (5 * 60 * 1000)  /* refresh when less than this remains */
#define MAX_CHAIN 16                /* source_profile hops */
#define PROCESS_OUT_MAX (1 << 20)
#define TOKEN_FILE_MAX (1 << 20)

enum { NONE = 0, FOUND = 1, FAIL = -1 };

struct tl_creds_provider {
	const struct tl_awsconf *cfg;
	char *region;
	pthread_mutex_t lock;
	bool have;
	struct tl_creds cur;
};

/* One resolution: what was tried, for the "none found" message. */
struct ctx {
	struct tl_creds_provider *p;
	char **err;
	struct tl_buf tried;
};

static void tried(struct ctx *x, const char *what)
{
	if (x->tried.len)
		tl_buf_adds(&x->tried, ", ");
	tl_buf_adds(&x->tried, what);
}

__attribute__((format(printf, 2, 3))) static int fail(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	struct tl_buf b = TL_BUF_INIT;
	va_start(ap, fmt);
	tl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(*x->err);
	*x->err = tl_buf_detach(&b, NULL);
	return FAIL;
}

static void creds_set(struct tl_creds *out, const char *ak, const char *sk, const char *tok,
		      int64_t expires_ms, const char *source)
{
	tl_creds_free(out);
	tl_log_add_secret(sk);
	if (tok && *tok)
		tl_log_add_secret(tok);
	out->access_key = xstrdup(ak);
	out->secret_key = xstrdup(sk);
	out->session_token = tok && *tok ? xstrdup(tok) : NULL;
	out->expires_ms = expires_ms;
	out->source = source;
}

static void creds_copy(struct tl_creds *dst, const struct tl_creds *src)
{
	creds_set(dst, src->access_key, src->secret_key, src->session_token, src->expires_ms,
		  src->source);
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static bool is_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

/* Reads a small file whole (tokens). NULL with errno (EFBIG: over max) on failure. */
static char *read_small_file(const char *path, size_t max)
{
	char *s = tl_read_path(path, max, NULL);
	if (!s && errno == E2BIG)
		errno = EFBIG;
	return s;
}

static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* An RFC 3339 expiration into epoch ms; 0 when absent. -1 when unparsable. */
static int parse_expiration(const char *s, int64_t *ms)
{
	*ms = 0;
	if (!s || !*s)
		return 0;
	return tl_time_parse(s, strlen(s), ms) == 0 ? 0 : -1;
}

static struct tl_http *http_new(const struct tl_awsconf *cfg, long connect_ms)
{
	struct tl_http_opts o = { 0 };
	o.connect_timeout_ms = connect_ms;
	o.ca_bundle = tl_awsconf_ca_bundle(cfg);
	return tl_http_new(&o);
}

/* ---- 1. environment ---- */

static int from_env(struct ctx *x, struct tl_creds *out)
{
	const char *ak = env_nonempty("AWS_ACCESS_KEY_ID");
	tried(x, "environment");
	if (!ak)
		return NONE;
	const char *sk = env_nonempty("AWS_SECRET_ACCESS_KEY");
	if (!sk)
		return fail(x, "environment: AWS_ACCESS_KEY_ID is set but not AWS_SECRET_ACCESS_KEY");
	const char *tok = env_nonempty("AWS_SECURITY_TOKEN"); /* botocore looks here first */
	if (!tok)
		tok = env_nonempty("AWS_SESSION_TOKEN");
	int64_t exp;
	if (parse_expiration(env_nonempty("AWS_CREDENTIAL_EXPIRATION"), &exp) < 0)
		return fail(x, "environment: AWS_CREDENTIAL_EXPIRATION is not an RFC 3339 time");
	creds_set(out, ak, sk, tok, exp, "environment");
	return FOUND;
}

/* ---- static keys in a file ---- */

static int from_file_keys(struct ctx *x, const char *profile, unsigned file, struct tl_creds *out)
{
	const struct tl_awsconf *cfg = x->p->cfg;
	const char *path = tl_awsconf_path(cfg, file);
	const char *source = file == TL_AWSCONF_CREDENTIALS ? "shared-credentials-file"
							    : "config-file";
	const char *ak = tl_awsconf_get_in(cfg, profile, "aws_access_key_id", file);
	if (!ak)
		return NONE;
	const char *sk = tl_awsconf_get_in(cfg, profile, "aws_secret_access_key", file);
	if (!sk)
		return fail(x, "%s: profile %s has aws_access_key_id but no aws_secret_access_key",
			    path ? path : source, profile);
	const char *tok = tl_awsconf_get_in(cfg, profile, "aws_security_token", file);
	if (!tok)
		tok = tl_awsconf_get_in(cfg, profile, "aws_session_token", file);
	creds_set(out, ak, sk, tok, 0, source);
	return FOUND;
}

/* ---- credential_process ---- */

static int from_process(struct ctx *x, const char *profile, struct tl_creds *out)
{
	const char *cmd = tl_awsconf_get_profile(x->p->cfg, profile, "credential_process");
	if (!cmd)
		return NONE;
	size_t argc;
	const char *why;
	char **argv = tl_shlex_split(cmd, &argc, &why);
	if (!argv)
		return fail(x, "credential_process of profile %s: %s", profile, why);
	if (argc == 0) {
		tl_shlex_free(argv);
		return fail(x, "credential_process of profile %s is empty", profile);
	}
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		int e = errno;
		close(op[0]);
		close(op[1]);
		tl_shlex_free(argv);
		return fail(x, "credential_process: pipe: %s", strerror(e));
	}
	/* stdin is /dev/null, not ours: the tools read data on stdin, which a credential_process
	 * must not eat (the CLI lets it inherit stdin; prompts should use /dev/tty). */
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	/* Default dispositions (the tools ignore SIGPIPE) and no blocked signals (worker threads
	 * may block them). */
	posix_spawnattr_t sa;
	posix_spawnattr_init(&sa);
	sigset_t def, none;
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&sa, &def);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	pid_t pid;
	tl_debug("credentials: running credential_process of profile %s: %s", profile, argv[0]);
	int rc = posix_spawnp(&pid, argv[0], &fa, &sa, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	close(op[1]);
	close(ep[1]);
	if (rc != 0) {
		close(op[0]);
		close(ep[0]);
		int r = fail(x, "credential_process of profile %s: cannot run %s: %s", profile,
			     argv[0], strerror(rc));
		tl_shlex_free(argv);
		return r;
	}
	struct tl_buf ob, eb;
	tl_buf_init(&ob, PROCESS_OUT_MAX);
	tl_buf_init(&eb, 64 * 1024);
	struct pollfd pf[2] = { { op[0], POLLIN, 0 }, { ep[0], POLLIN, 0 } };
	int open_fds = 2;
	bool too_big = false;
	while (open_fds > 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			char chunk[4096];
			ssize_t r = read(pf[i].fd, chunk, sizeof chunk);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			struct tl_buf *b = i == 0 ? &ob : &eb;
			if (tl_buf_add(b, chunk, (size_t)r) < 0 && i == 0)
				too_big = true; /* keep draining so the child can finish */
		}
	}
	for (int i = 0; i < 2; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	int r = FAIL;
	cJSON *j = NULL;
	char *errtext = xstrndup(eb.data ? eb.data : "", eb.len > 1024 ? 1024 : eb.len);
	rtrim(errtext);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (WIFSIGNALED(st))
			fail(x, "credential_process of profile %s: %s killed by signal %d%s%s", profile,
			     argv[0], WTERMSIG(st), *errtext ? ": " : "", errtext);
		else
			fail(x, "credential_process of profile %s: %s exited with %d%s%s", profile,
			     argv[0], WEXITSTATUS(st), *errtext ? ": " : "", errtext);
		goto out;
	}
	if (too_big) {
		fail(x, "credential_process of profile %s: output over %d bytes", profile,
		     PROCESS_OUT_MAX);
		goto out;
	}
	/* Never quote stdout in messages: it holds the secret. */
	j = tl_json_parse(ob.data ? ob.data : "", ob.len, NULL);
	double ver = 0;
	if (!j || !cJSON_IsObject(j)) {
		fail(x, "credential_process of profile %s: output is not a JSON object", profile);
		goto out;
	}
	if (tl_json_get_num(j, "Version", &ver) < 0 || ver != 1) {
		fail(x, "credential_process of profile %s: unsupported Version (want 1)", profile);
		goto out;
	}
	const char *ak = tl_json_get_str(j, "AccessKeyId");
	const char *sk = tl_json_get_str(j, "SecretAccessKey");
	const char *tok = tl_json_get_str(j, "SessionToken");
	const char *exps = tl_json_get_str(j, "Expiration");
	int64_t exp;
	if (!ak || !sk) {
		fail(x, "credential_process of profile %s: missing %s in its output", profile,
		     !ak ? "AccessKeyId" : "SecretAccessKey");
		goto out;
	}
	if (parse_expiration(exps, &exp) < 0) {
		fail(x, "credential_process of profile %s: Expiration is not an RFC 3339 time",
		     profile);
		goto out;
	}
	creds_set(out, ak, sk, tok, exp, "process");
	r = FOUND;
out:
	tl_json_delete_secret(j);
	free(errtext);
	tl_buf_release_secret(&ob);
	tl_buf_release(&eb);
	tl_shlex_free(argv);
	return r;
}

/* ---- STS (Query protocol, XML answers) ---- */

/* What an STS answer says: credentials. (An error answer is tl_aws_parse_error's.) */
struct sts_answer {
	const char *ak, *sk, *tok, *exp;
	const char *role_id, *role_arn; /* AssumedRoleUser */
};

/* What the CLI's cache keeps of an AssumeRole answer besides the credentials. */
struct sts_user {
	char *role_id, *role_arn;
};

/* Reads "<ActionResponse><ActionResult><Credentials>..." and its AssumedRoleUser. */
static void sts_read(const struct tl_xml_node *root, const char *action, struct sts_answer *a)
{
	char *result = xasprintf("%sResult", action);
	const struct tl_xml_node *c = tl_xml_child(tl_xml_child(root, result), "Credentials");
	free(result);
	memset(a, 0, sizeof *a);
	if (c) {
		a->ak = tl_xml_child_text(c, "AccessKeyId");
		a->sk = tl_xml_child_text(c, "SecretAccessKey");
		a->tok = tl_xml_child_text(c, "SessionToken");
		a->exp = tl_xml_child_text(c, "Expiration");
		tl_log_add_secret(a->sk);
		tl_log_add_secret(a->tok);
	}
	result = xasprintf("%sResult", action);
	const struct tl_xml_node *u = tl_xml_child(tl_xml_child(root, result), "AssumedRoleUser");
	free(result);
	a->role_id = tl_xml_child_text(u, "AssumedRoleId");
	a->role_arn = tl_xml_child_text(u, "Arn");
}

struct form {
	struct tl_buf b;
};

static void form_add(struct form *f, const char *k, const char *v)
{
	char *e = tl_url_encode(v, strlen(v));
	if (f->b.len)
		tl_buf_addc(&f->b, '&');
	tl_buf_addf(&f->b, "%s=%s", k, e);
	free(e);
}

/* STS: three attempts, 200 ms then 400 ms apart. */
static const struct tl_retry_policy sts_retry = { .max_attempts = 3, .base_ms = 200,
						  .max_ms = 400, .growth = 2 };

/* Posts an STS Query action; signed with src unless it is NULL (AssumeRoleWithWebIdentity).
 * Retries transport errors, 5xx and throttling (and IDPCommunicationError) under sts_retry. */
static int sts_call(struct ctx *x, const char *what, struct form *f, const struct tl_creds *src,
		    struct tl_creds *out, const char *source, struct sts_user *user)
{
	const struct tl_awsconf *cfg = x->p->cfg;
	const char *region = x->p->region;
	bool custom;
	char *ep = tl_awsconf_endpoint(cfg, "sts", region, NULL, &custom);
	char *url = xasprintf("%s/", ep);
	struct tl_http_headers hd = { 0 };
	tl_http_headers_add(&hd, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
	struct tl_awsreq rq = {
		.service = "sts",
		.region = region && *region ? region : "us-east-1",
		.method = "POST",
		.url = url,
		.headers = &hd,
		.body = f->b.data ? f->b.data : "",
		.body_len = f->b.len,
		.timeout_ms = 30000,
		.stop_on_signal = true,
	};
	struct tl_http *h = http_new(cfg, 10000);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	struct tl_retry retry;
	tl_retry_start(&retry, &sts_retry, NULL);
	int r = FAIL;
	for (;;) {
		char *why = NULL;
		struct tl_aws_error e = { 0 };
		tl_debug("credentials: %s at %s", what, ep);
		if (tl_awsreq_send(h, &rq, src, &resp, &why) < 0) {
			if (why) {
				fail(x, "%s: %s", what, why);
				free(why);
				break;
			}
			tl_aws_transport_error(&resp, &e);
			fail(x, "%s: %s: %s", what, ep, resp.error);
		} else if (resp.status == 200) {
			char *xerr = NULL;
			struct tl_xml_node *root = tl_xml_parse_secret(resp.body.data ? resp.body.data : "",
								       resp.body.len, &xerr);
			struct sts_answer s = { 0 };
			int64_t exp = 0;
			if (root)
				sts_read(root, what, &s);
			if (!root)
				fail(x, "%s: unparsable answer from %s: %s", what, ep, xerr);
			else if (!s.ak || !s.sk || !s.tok)
				fail(x, "%s: the answer of %s has no credentials", what, ep);
			else if (parse_expiration(s.exp, &exp) < 0)
				fail(x, "%s: bad Expiration in the answer of %s", what, ep);
			else {
				creds_set(out, s.ak, s.sk, s.tok, exp, source);
				if (user && s.role_id && s.role_arn) {
					user->role_id = xstrdup(s.role_id);
					user->role_arn = xstrdup(s.role_arn);
				}
				r = FOUND;
			}
			tl_xml_free_secret(root);
			free(xerr);
			break;
		} else {
			tl_aws_parse_error(resp.status, &resp.headers, resp.body.data, resp.body.len, &e);
			if (e.code && strcmp(e.code, "IDPCommunicationError") == 0)
				e.retryable = true;
			fail(x, "%s: %s: HTTP %ld%s%s%s%s%s%s", what, ep, resp.status, e.code ? ": " : "",
			     e.code ? e.code : "", e.message ? ": " : "", e.message ? e.message : "",
			     e.request_id ? ", request id " : "", e.request_id ? e.request_id : "");
		}
		bool again = e.retryable && tl_retry_again(&retry, e.timed_out);
		tl_aws_error_free(&e);
		if (!again)
			break;
	}
	tl_buf_release_secret(&resp.body);
	tl_http_resp_free(&resp);
	tl_http_free(h);
	tl_http_headers_free(&hd);
	free(ep);
	free(url);
	return r;
}

/* ---- 2b. web identity ---- */

/* The key from the environment (unless disabled) else the profile, as botocore's _get_config. */
static const char *webid_conf(struct ctx *x, const char *profile, bool env, const char *key,
			      const char *envname)
{
	if (env) {
		const char *v = getenv(envname);
		if (v)
			return v;
	}
	return tl_awsconf_get_profile(x->p->cfg, profile, key);
}

static int from_web_identity(struct ctx *x, const char *profile, bool env, struct tl_creds *out)
{
	const char *file = webid_conf(x, profile, env, "web_identity_token_file",
				      "AWS_WEB_IDENTITY_TOKEN_FILE");
	if (!file || !*file)
		return NONE;
	const char *arn = webid_conf(x, profile, env, "role_arn", "AWS_ROLE_ARN");
	if (!arn || !*arn)
		return fail(x, "web identity: a token file is configured (%s) but no role ARN "
			       "(role_arn in the profile or AWS_ROLE_ARN)", file);
	const char *name = webid_conf(x, profile, env, "role_session_name", "AWS_ROLE_SESSION_NAME");
	char *token = read_small_file(file, TOKEN_FILE_MAX);
	if (!token)
		return fail(x, "web identity: cannot read the token file %s: %s", file,
			    strerror(errno));
	rtrim(token);
	tl_log_add_secret(token);
	char *dflt = xasprintf("tweetlake-session-%lld", (long long)(tl_now_ms() / 1000));
	struct form f = { TL_BUF_INIT };
	form_add(&f, "Action", "AssumeRoleWithWebIdentity");
	form_add(&f, "Version", "2011-06-15");
	form_add(&f, "RoleArn", arn);
	form_add(&f, "RoleSessionName", name && *name ? name : dflt);
	form_add(&f, "WebIdentityToken", token);
	int r = sts_call(x, "AssumeRoleWithWebIdentity", &f, NULL, out, "web-identity", NULL);
	tl_buf_release_secret(&f.b);
	free(dflt);
	tl_secret_free(token);
	return r;
}

/* ---- 3. container ---- */

static bool container_host_ok(const struct tl_url *u)
{
	static const char *const allowed[] = { "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
					       "localhost", "[::1]" };
	if (strcmp(u->scheme, "https") == 0)
		return true;
	if (strcmp(u->scheme, "http") != 0)
		return false;
	if (strncmp(u->host, "127.", 4) == 0 && strspn(u->host, "0123456789.") == strlen(u->host))
		return true;
	for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
		if (strcasecmp(u->host, allowed[i]) == 0)
			return true;
	return false;
}

/* GETs JSON credentials with fields AccessKeyId/SecretAccessKey/Token/Expiration (the container
 * and IMDS shapes) from a body. */
static int creds_from_json(struct ctx *x, const char *what, const struct tl_buf *body,
			   struct tl_creds *out, const char *source)
{
	cJSON *j = tl_json_parse(body->data ? body->data : "", body->len, NULL);
	if (!j || !cJSON_IsObject(j)) {
		tl_json_delete_secret(j);
		return fail(x, "%s: the answer is not a JSON object", what);
	}
	const char *ak = tl_json_get_str(j, "AccessKeyId");
	const char *sk = tl_json_get_str(j, "SecretAccessKey");
	const char *tok = tl_json_get_str(j, "Token");
	const char *exps = tl_json_get_str(j, "Expiration");
	int64_t exp;
	int r;
	if (!ak || !sk)
		r = fail(x, "%s: the answer has no AccessKeyId or SecretAccessKey", what);
	else if (parse_expiration(exps, &exp) < 0)
		r = fail(x, "%s: bad Expiration in the answer", what);
	else {
		creds_set(out, ak, sk, tok, exp, source);
		r = FOUND;
	}
	tl_json_delete_secret(j);
	return r;
}

static int from_container(struct ctx *x, struct tl_creds *out)
{
	const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	tried(x, "container");
	if (!rel && !full)
		return NONE;
	char *url = rel ? xasprintf("http://169.254.170.2%s", rel) : xstrdup(full);
	struct tl_url u;
	if (tl_url_parse(url, &u) < 0) {
		int r = fail(x, "container credentials: bad URL %s", url);
		free(url);
		return r;
	}
	if (!container_host_ok(&u)) {
		int r = fail(x, "container credentials: unsupported host %s: only https, a loopback "
				"address, or 169.254.170.2, 169.254.170.23, fd00:ec2::23", u.host);
		tl_url_free(&u);
		free(url);
		return r;
	}
	tl_url_free(&u);
	char *token = NULL;
	const char *tf = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	if (tf) {
		token = read_small_file(tf, TOKEN_FILE_MAX);
		if (!token) {
			int r = fail(x, "container credentials: cannot read %s: %s", tf,
				     strerror(errno));
			free(url);
			return r;
		}
		rtrim(token); /* botocore refuses a final newline; files often have one */
	} else if (getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
		token = xstrdup(getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	}
	if (token && strpbrk(token, "\r\n")) {
		tl_secret_free(token);
		free(url);
		return fail(x, "container credentials: the authorization token is not a legal "
			       "header value");
	}
	if (token)
		tl_log_add_secret(token);
	/* three attempts a second apart, as botocore's ContainerMetadataFetcher */
	static const struct tl_retry_policy container_retry = { .max_attempts = 3, .base_ms = 1000,
								.max_ms = 1000, .growth = 1 };
	struct tl_http *h = http_new(NULL, 2000);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	struct tl_retry retry;
	tl_retry_start(&retry, &container_retry, NULL);
	int r = FAIL;
	for (;;) {
		struct tl_http_headers hd = { 0 };
		tl_http_headers_add(&hd, "Accept", "application/json");
		if (token)
			tl_http_headers_add(&hd, "Authorization", token);
		struct tl_http_req rq = { 0 };
		rq.method = "GET";
		rq.url = url;
		rq.headers = &hd;
		rq.timeout_ms = 2000;
		rq.stop_on_signal = true;
		tl_debug("credentials: container endpoint %s", url);
		int rc = tl_http_do(h, &rq, &resp);
		tl_http_headers_free(&hd);
		if (rc == 0 && resp.status == 200) {
			r = creds_from_json(x, "container credentials", &resp.body, out, "container");
			break;
		}
		if (rc < 0)
			fail(x, "container credentials: %s: %s", url, resp.error);
		else
			fail(x, "container credentials: %s: HTTP %ld", url, resp.status);
		if ((rc == 0 && resp.status < 500) || !tl_retry_again(&retry, resp.timed_out))
			break;
	}
	tl_buf_release_secret(&resp.body);
	tl_http_resp_free(&resp);
	tl_http_free(h);
	tl_secret_free(token);
	free(url);
	return r;
}

/* ---- 4. EC2 instance metadata ---- */

struct imds {
	struct tl_http *h;
	char *base; /* no trailing slash */
	char *token;
	long timeout_ms;
	struct tl_retry_policy retry; /* attempts at once, no delay */
	struct tl_buf why;
};

/* One IMDS request with retries on transport errors and non-200/empty answers. */
static int imds_get(struct imds *m, const char *path, struct tl_http_resp *resp)
{
	char *url = xasprintf("%s%s", m->base, path);
	int rc = -1;
	struct tl_retry retry;
	for (tl_retry_start(&retry, &m->retry, NULL);; ) {
		struct tl_http_headers hd = { 0 };
		if (m->token)
			tl_http_headers_add(&hd, "X-aws-ec2-metadata-token", m->token);
		struct tl_http_req rq = { 0 };
		rq.method = "GET";
		rq.url = url;
		rq.headers = &hd;
		rq.timeout_ms = m->timeout_ms;
		rq.stop_on_signal = true;
		int r = tl_http_do(m->h, &rq, resp);
		tl_http_headers_free(&hd);
		tl_buf_reset(&m->why);
		if (r < 0)
			tl_buf_addf(&m->why, "GET %s: %s", path, resp->error);
		else if (resp->status != 200)
			tl_buf_addf(&m->why, "GET %s: HTTP %ld", path, resp->status);
		else if (resp->body.len == 0)
			tl_buf_addf(&m->why, "GET %s: empty answer", path);
		else {
			rc = 0;
			break;
		}
		if (!tl_retry_again(&retry, resp->timed_out))
			break;
	}
	free(url);
	return rc;
}

static int from_imds(struct ctx *x, struct tl_creds *out, bool required)
{
	const struct tl_awsconf *cfg = x->p->cfg;
	tried(x, "instance metadata");
	if (is_true(getenv("AWS_EC2_METADATA_DISABLED"))) {
		tl_buf_adds(&x->tried, " (disabled by AWS_EC2_METADATA_DISABLED)");
		return NONE;
	}
	struct imds m = { 0 };
	tl_buf_init(&m.why, 4096);
	const char *base = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if (!base)
		base = tl_awsconf_get(cfg, "ec2_metadata_service_endpoint");
	const char *mode = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	if (!mode)
		mode = tl_awsconf_get(cfg, "ec2_metadata_service_endpoint_mode");
	if (!base || !*base)
		base = mode && strcasecmp(mode, "ipv6") == 0 ? "http://[fd00:ec2::254]"
							     : "http://169.254.169.254";
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	m.base = xstrndup(base, bl);
	double secs = 1;
	const char *t = env_nonempty("AWS_METADATA_SERVICE_TIMEOUT");
	if (!t)
		t = tl_awsconf_get(cfg, "metadata_service_timeout");
	if (t && (tl_parse_double(t, &secs) < 0 || secs <= 0 || secs > 60))
		secs = 1;
	m.timeout_ms = (long)(secs * 1000);
	int att = 2; /* one retry */
	const char *a = env_nonempty("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	if (!a)
		a = tl_awsconf_get(cfg, "metadata_service_num_attempts");
	if (a && tl_parse_int(a, 1, 10, &att) < 0)
		att = 2;
	m.retry = (struct tl_retry_policy){ .max_attempts = att, .growth = 1 };
	const char *v1off = env_nonempty("AWS_EC2_METADATA_V1_DISABLED");
	if (!v1off)
		v1off = tl_awsconf_get(cfg, "ec2_metadata_v1_disabled");
	bool v1_disabled = is_true(v1off);
	m.h = http_new(NULL, m.timeout_ms);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	int r = NONE;
	char *role = NULL, *path = NULL;

	/* IMDSv2: a session token first. */
	bool transport_down = false;
	struct tl_retry retry;
	for (tl_retry_start(&retry, &m.retry, NULL);; ) {
		struct tl_http_headers hd = { 0 };
		tl_http_headers_add(&hd, "X-aws-ec2-metadata-token-ttl-seconds", "21600");
		char *url = xasprintf("%s/latest/api/token", m.base);
		struct tl_http_req rq = { 0 };
		rq.method = "PUT";
		rq.url = url;
		rq.headers = &hd;
		rq.timeout_ms = m.timeout_ms;
		rq.stop_on_signal = true;
		int rc = tl_http_do(m.h, &rq, &resp);
		tl_http_headers_free(&hd);
		free(url);
		tl_buf_reset(&m.why);
		if (rc < 0) {
			tl_buf_addf(&m.why, "PUT /latest/api/token: %s", resp.error);
			transport_down = true;
			if (tl_retry_again(&retry, resp.timed_out))
				continue;
			break;
		}
		transport_down = false;
		if (resp.status == 200 && resp.body.len > 0) {
			m.token = xstrndup(resp.body.data, resp.body.len);
			rtrim(m.token);
			tl_log_add_secret(m.token);
		} else {
			tl_buf_addf(&m.why, "PUT /latest/api/token: HTTP %ld", resp.status);
		}
		break;
	}
	if (transport_down)
		goto out; /* nobody there: off EC2 */
	if (!m.token && v1_disabled) {
		tl_buf_adds(&m.why, "; IMDSv1 is disabled");
		goto out;
	}
	if (imds_get(&m, "/latest/meta-data/iam/security-credentials/", &resp) < 0)
		goto out;
	role = xstrndup(resp.body.data, strcspn(resp.body.data, "\r\n"));
	if (!*role) {
		tl_buf_adds(&m.why, "no IAM role attached");
		goto out;
	}
	path = xasprintf("/latest/meta-data/iam/security-credentials/%s", role);
	if (imds_get(&m, path, &resp) < 0)
		goto out;
	cJSON *j = tl_json_parse(resp.body.data, resp.body.len, NULL);
	const char *code = j ? tl_json_get_str(j, "Code") : NULL;
	if (code && strcmp(code, "Success") != 0) {
		tl_buf_addf(&m.why, "role %s: Code %s", role, code);
		tl_json_delete_secret(j);
		goto out;
	}
	tl_json_delete_secret(j);
	r = creds_from_json(x, "instance metadata", &resp.body, out, "imds");
	if (r == FAIL && !required) {
		tl_buf_reset(&m.why);
		tl_buf_adds(&m.why, *x->err);
		free(*x->err);
		*x->err = NULL;
		r = NONE;
	}
out:
	if (r == NONE) {
		tl_debug("credentials: instance metadata at %s: %s", m.base, tl_buf_str(&m.why));
		tl_buf_addf(&x->tried, " (%s: %s)", m.base, tl_buf_str(&m.why));
		if (required)
			r = fail(x, "instance metadata at %s: %s", m.base, tl_buf_str(&m.why));
	}
	tl_buf_release_secret(&resp.body);
	tl_http_resp_free(&resp);
	tl_http_free(m.h);
	tl_buf_release(&m.why);
	tl_secret_free(m.token);
	free(m.base);
	free(role);
	free(path);
	return r;
}

/* ---- 2c. IAM Identity Center ---- */

static int from_sso(struct ctx *x, const char *profile, struct tl_creds *out)
{
	if (!tl_sso_configured(x->p->cfg, profile))
		return NONE;
	struct tl_sso_creds sc;
	char *why = NULL;
	if (tl_sso_get(x->p->cfg, profile, &sc, &why) < 0) {
		int r = fail(x, "%s", why);
		free(why);
		return r;
	}
	creds_set(out, sc.access_key, sc.secret_key, sc.session_token, sc.expires_ms, "sso");
	tl_sso_creds_free(&sc);
	return FOUND;
}

/* ---- 2a. assume role ---- */

static int assume_role(struct ctx *x, const char *profile, const char **visited, int nvisited,
		       struct tl_creds *out);

static bool has_static(const struct tl_awsconf *cfg, const char *profile)
{
	return tl_awsconf_get_profile(cfg, profile, "aws_access_key_id") ||
	       tl_awsconf_get_profile(cfg, profile, "aws_secret_access_key");
}

static bool has_assume_role(const struct tl_awsconf *cfg, const char *profile)
{
	return tl_awsconf_get_profile(cfg, profile, "role_arn") &&
	       !tl_awsconf_get_profile(cfg, profile, "web_identity_token_file");
}

/* The profile providers (botocore's ProfileProviderBuilder) for a source profile. */
static int profile_chain(struct ctx *x, const char *profile, bool env, struct tl_creds *out)
{
	int r;
	if ((r = from_web_identity(x, profile, env, out)) != NONE)
		return r;
	if ((r = from_sso(x, profile, out)) != NONE)
		return r;
	if ((r = from_file_keys(x, profile, TL_AWSCONF_CREDENTIALS, out)) != NONE)
		return r;
	if ((r = from_process(x, profile, out)) != NONE)
		return r;
	return from_file_keys(x, profile, TL_AWSCONF_CONFIG, out);
}

static int source_credentials(struct ctx *x, const char *profile, const char **visited,
			      int nvisited, struct tl_creds *src)
{
	const struct tl_awsconf *cfg = x->p->cfg;
	const char *sp = tl_awsconf_get_profile(cfg, profile, "source_profile");
	const char *cs = tl_awsconf_get_profile(cfg, profile, "credential_source");
	if (sp && cs)
		return fail(x, "profile %s has both source_profile and credential_source", profile);
	if (!sp && !cs)
		return fail(x, "profile %s has role_arn but neither source_profile nor "
			       "credential_source", profile);
	if (cs) {
		int r;
		if (strcasecmp(cs, "Environment") == 0)
			r = from_env(x, src);
		else if (strcasecmp(cs, "EcsContainer") == 0)
			r = from_container(x, src);
		else if (strcasecmp(cs, "Ec2InstanceMetadata") == 0)
			r = from_imds(x, src, true);
		else
			return fail(x, "profile %s: credential_source \"%s\" is not one of "
				       "Environment, Ec2InstanceMetadata, EcsContainer", profile, cs);
		if (r == NONE)
			return fail(x, "profile %s: no credentials in credential_source %s", profile,
				    cs);
		return r;
	}
	if (!tl_awsconf_has_profile(cfg, sp))
		return fail(x, "the source_profile \"%s\" of profile %s does not exist", sp, profile);
	bool seen = false;
	for (int i = 0; i < nvisited; i++)
		if (strcmp(visited[i], sp) == 0)
			seen = true;
	/* A profile may name itself to take its own static keys; any other cycle is an error. */
	if (seen && (strcmp(sp, profile) != 0 || !has_static(cfg, sp)))
		return fail(x, "source_profile loop through profile %s", sp);
	if (nvisited >= MAX_CHAIN)
		return fail(x, "source_profile chain longer than %d profiles", MAX_CHAIN);
	visited[nvisited++] = sp;
	if (has_static(cfg, sp) || !has_assume_role(cfg, sp)) {
		int r = profile_chain(x, sp, false, src);
		if (r == NONE)
			return fail(x, "the source profile \"%s\" must have credentials", sp);
		return r;
	}
	return assume_role(x, sp, visited, nvisited, src);
}

/* The AssumeRole arguments of a profile, as botocore's AssumeRoleProvider gathers them (its
 * _assume_kwargs): RoleArn, then RoleSessionName, ExternalId, SerialNumber, DurationSeconds
 * when configured. */
static cJSON *assume_args(const struct tl_awsconf *cfg, const char *profile)
{
	cJSON *a = tl_json_obj();
	const char *v;
	tl_json_add_str(a, "RoleArn", tl_awsconf_get_profile(cfg, profile, "role_arn"));
	/* An empty session name is generated, and then not part of the key, as in botocore. */
	if ((v = tl_awsconf_get_profile(cfg, profile, "role_session_name")) && *v)
		tl_json_add_str(a, "RoleSessionName", v);
	if ((v = tl_awsconf_get_profile(cfg, profile, "external_id")))
		tl_json_add_str(a, "ExternalId", v);
	if ((v = tl_awsconf_get_profile(cfg, profile, "mfa_serial")) && *v)
		tl_json_add_str(a, "SerialNumber", v);
	int64_t d;
	v = tl_awsconf_get_profile(cfg, profile, "duration_seconds");
	if (v && tl_parse_i64(v, 1, 43200, &d) == 0) /* botocore drops a non-integer */
		tl_json_add_num(a, "DurationSeconds", (double)d);
	return a;
}

/* The CLI's cache key of an AssumeRole (botocore's BaseAssumeRoleCredentialFetcher.
 * _create_cache_key): SHA-1 of json.dumps(args, sort_keys=True), where a generated session name
 * is not among the args. */
static void assume_cache_key(const cJSON *args, char key[41])
{
	struct tl_buf b = TL_BUF_INIT;
	tl_awscache_pydumps(&b, args, true, false);
	tl_awscache_sha1_hex(b.data, b.len, key);
	tl_buf_release(&b);
}

/* Credentials of the CLI's cache (~/.aws/cli/cache) with more than 15 minutes left, as the CLI
 * takes them (CachedCredentialFetcher's expiry window), so that the CLI and the tools share an
 * MFA session. */
static int assume_from_cache(const char *key, struct tl_creds *out)
{
	char *dir = tl_awscache_dir(TL_AWSCACHE_CLI), *why = NULL;
	cJSON *j = tl_awscache_load(dir, key, &why);
	int r = NONE;
	if (why)
		tl_warn("credentials: ignoring the cached session: %s", why);
	const cJSON *c = j ? tl_json_get(j, "Credentials") : NULL;
	const char *ak = tl_json_get_str(c, "AccessKeyId");
	const char *sk = tl_json_get_str(c, "SecretAccessKey");
	const char *tok = tl_json_get_str(c, "SessionToken");
	int64_t exp;
	if (ak && sk && tok && tl_awscache_time(tl_json_get_str(c, "Expiration"), &exp) == 0 &&
	    exp - tl_now_ms() >= 15 * 60 * 1000) {
		tl_debug("credentials: the assumed role's session from %s/%s.json", dir, key);
		creds_set(out, ak, sk, tok, exp, "assume-role");
		r = FOUND;
	}
	tl_json_delete_secret(j);
	free(why);
	free(dir);
	return r;
}

/* Writes a session into the CLI's cache in the CLI's form (the AssumeRole response as botocore
 * parsed it; Expiration as "%Y-%m-%dT%H:%M:%S%Z"). A failure is only a warning. */
static void assume_to_cache(const char *key, const struct tl_creds *c, const struct sts_user *u)
{
	char when[40];
	tl_time_format(c->expires_ms, 0, when, sizeof when);
	size_t wl = strlen(when);
	if (wl > 0 && when[wl - 1] == 'Z')
		snprintf(when + wl - 1, sizeof when - (wl - 1), "UTC");
	cJSON *doc = tl_json_obj(), *cr = tl_json_obj();
	tl_json_add_str(cr, "AccessKeyId", c->access_key);
	tl_json_add_str(cr, "SecretAccessKey", c->secret_key);
	tl_json_add_str(cr, "SessionToken", c->session_token ? c->session_token : "");
	tl_json_add_str(cr, "Expiration", when);
	/* botocore adds the account of the role's ARN ("arn:aws:sts::ACCOUNT:assumed-role/..."). */
	const char *arn = u->role_arn;
	for (int i = 0; arn && i < 4; i++)
		arn = strchr(arn, ':') ? strchr(arn, ':') + 1 : NULL;
	if (arn && strchr(arn, ':') && strchr(arn, ':') > arn) {
		char *acct = xstrndup(arn, (size_t)(strchr(arn, ':') - arn));
		tl_json_add_str(cr, "AccountId", acct);
		free(acct);
	}
	tl_json_add(doc, "Credentials", cr);
	if (u->role_id && u->role_arn) {
		cJSON *ru = tl_json_obj();
		tl_json_add_str(ru, "AssumedRoleId", u->role_id);
		tl_json_add_str(ru, "Arn", u->role_arn);
		tl_json_add(doc, "AssumedRoleUser", ru);
	}
	struct tl_buf text = TL_BUF_INIT;
	tl_awscache_pydumps(&text, doc, false, false);
	char *dir = tl_awscache_dir(TL_AWSCACHE_CLI), *why = NULL;
	if (tl_awscache_store(dir, key, text.data, text.len, &why) < 0)
		tl_warn("credentials: could not cache the session: %s", why);
	free(why);
	free(dir);
	tl_buf_release_secret(&text);
	tl_json_delete_secret(doc);
}

/* The MFA code for serial, asked on the terminal as the CLI asks it. FAIL without a terminal. */
static int mfa_code(struct ctx *x, const char *profile, const char *serial, char **code)
{
	const char *why;
	char *prompt = xasprintf("Enter MFA code for %s: ", serial);
	*code = tl_tty_ask(prompt, true, 64, &why);
	free(prompt);
	if (!*code)
		return fail(x, "profile %s needs an MFA code (mfa_serial %s): %s; run the tool from "
			       "a terminal, or first start the session from one with \"aws sts "
			       "get-caller-identity --profile %s\" (it is cached in ~/.aws/cli/cache "
			       "and used from there)", profile, serial, why, profile);
	size_t n = strlen(*code);
	while (n > 0 && (*code)[n - 1] == ' ')
		(*code)[--n] = '\0';
	if (n == 0) {
		tl_secret_free(*code);
		*code = NULL;
		return fail(x, "profile %s: no MFA code given", profile);
	}
	tl_log_add_secret(*code);
	return FOUND;
}

static int assume_role(struct ctx *x, const char *profile, const char **visited, int nvisited,
		       struct tl_creds *out)
{
	const struct tl_awsconf *cfg = x->p->cfg;
	cJSON *args = assume_args(cfg, profile);
	const char *arn = tl_json_get_str(args, "RoleArn");
	const char *name = tl_json_get_str(args, "RoleSessionName");
	const char *ext = tl_json_get_str(args, "ExternalId");
	const char *serial = tl_json_get_str(args, "SerialNumber");
	double dur = 0;
	char key[41];
	assume_cache_key(args, key);
	int r = assume_from_cache(key, out);
	if (r == FOUND) {
		cJSON_Delete(args);
		return r;
	}
	struct tl_creds src = { 0 };
	r = source_credentials(x, profile, visited, nvisited, &src);
	char *code = NULL;
	if (r == FOUND && serial)
		r = mfa_code(x, profile, serial, &code);
	if (r != FOUND) {
		tl_creds_free(&src);
		cJSON_Delete(args);
		return r;
	}
	tl_debug("credentials: assuming %s with credentials from %s%s", arn, src.source,
		 serial ? " and an MFA code" : "");
	char *dflt = xasprintf("tweetlake-session-%lld", (long long)(tl_now_ms() / 1000));
	struct form f = { TL_BUF_INIT };
	form_add(&f, "Action", "AssumeRole");
	form_add(&f, "Version", "2011-06-15");
	form_add(&f, "RoleArn", arn);
	form_add(&f, "RoleSessionName", name ? name : dflt);
	if (ext)
		form_add(&f, "ExternalId", ext);
	if (tl_json_get_num(args, "DurationSeconds", &dur) == 0) {
		char ds[24];
		snprintf(ds, sizeof ds, "%lld", (long long)dur);
		form_add(&f, "DurationSeconds", ds);
	}
	if (serial) {
		form_add(&f, "SerialNumber", serial);
		form_add(&f, "TokenCode", code);
	}
	struct sts_user user = { 0 };
	r = sts_call(x, "AssumeRole", &f, &src, out, "assume-role", &user);
	if (r == FOUND)
		assume_to_cache(key, out, &user);
	free(user.role_id);
	free(user.role_arn);
	tl_buf_release_secret(&f.b);
	tl_secret_free(code);
	free(dflt);
	tl_creds_free(&src);
	cJSON_Delete(args);
	return r;
}

/* ---- the chain ---- */

static int resolve(struct ctx *x, struct tl_creds *out)
{
	const struct tl_awsconf *cfg = x->p->cfg;
	const char *profile = tl_awsconf_profile(cfg);
	bool env = !tl_awsconf_profile_explicit(cfg); /* --profile beats the environment */
	int r;
	if (env && (r = from_env(x, out)) != NONE)
		return r;
	char *what = xasprintf("profile %s", profile);
	tried(x, what);
	free(what);
	if (has_assume_role(cfg, profile)) {
		const char *visited[MAX_CHAIN + 1] = { profile };
		return assume_role(x, profile, visited, 1, out);
	}
	if ((r = profile_chain(x, profile, env, out)) != NONE)
		return r;
	if ((r = from_container(x, out)) != NONE)
		return r;
	return from_imds(x, out, false);
}

struct tl_creds_provider *tl_creds_provider_new(const struct tl_awsconf *cfg, const char *region)
{
	struct tl_creds_provider *p = xcalloc(1, sizeof *p);
	p->cfg = cfg;
	p->region = region && *region ? xstrdup(region) : NULL;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void tl_creds_provider_free(struct tl_creds_provider *p)
{
	if (!p)
		return;
	tl_creds_free(&p->cur);
	pthread_mutex_destroy(&p->lock);
	free(p->region);
	free(p);
}

int tl_creds_get(struct tl_creds_provider *p, struct tl_creds *out, char **err)
{
	int rc = 0;
	memset(out, 0, sizeof *out);
	*err = NULL;
	pthread_mutex_lock(&p->lock);
	int64_t now = tl_now_ms();
	if (p->have && (p->cur.expires_ms == 0 || p->cur.expires_ms - now >= REFRESH_MS)) {
		creds_copy(out, &p->cur);
		goto out;
	}
	struct ctx x = { p, err, TL_BUF_INIT };
	struct tl_creds fresh = { 0 };
	int r = resolve(&x, &fresh);
	if (r == NONE)
		fail(&x, "no AWS credentials found (tried %s)", tl_buf_str(&x.tried));
	tl_buf_release(&x.tried);
	if (r == FOUND) {
		char when[40] = "never";
		free(*err); /* a failed attempt before the good one */
		*err = NULL;
		if (fresh.expires_ms)
			tl_time_format(fresh.expires_ms, 0, when, sizeof when);
		tl_debug("credentials: from %s (access key %s, expires %s)", fresh.source,
			 fresh.access_key, when);
		tl_creds_free(&p->cur);
		p->cur = fresh;
		p->have = true;
		creds_copy(out, &p->cur);
		goto out;
	}
	tl_creds_free(&fresh);
	if (p->have && p->cur.expires_ms > now) {
		/* Could not refresh, but what we hold is still good for a while. */
		tl_warn("credentials: refresh failed, using the current ones until they expire: %s",
			*err);
		free(*err);
		*err = NULL;
		creds_copy(out, &p->cur);
		goto out;
	}
	rc = -1;
out:
	pthread_mutex_unlock(&p->lock);
	return rc;
}
