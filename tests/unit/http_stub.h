/* tests/unit/http_stub.h: runs tests/stubs/http-stub.py (a scriptable loopback HTTP server) for a C
 * unit test, and talks to its control endpoints.
 *
 *   int port = stub_start();                 0 when python3 or the stub is unavailable
 *   stub_script("{\"actions\":[{\"status\":503}]}");   queue answers, clear the log
 *   cJSON *log = stub_log();                 {"requests":[...]} (caller deletes)
 *   stub_stop();
 */
#ifndef TL_TEST_HTTP_STUB_H
#define TL_TEST_HTTP_STUB_H
#include "tl_alloc.h"
#include "tl_http.h"
#include "tl_json.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t stub_pid;
static int stub_port;
static char stub_base[64];

/* Starts the stub with one extra option pair (e.g. "--tls", DIR) or none (NULLs); returns its
 * port, or 0. Sets stub_pid to the child. */
static int stub_spawn(pid_t *pid, const char *opt, const char *arg)
{
	int fds[2];
	char line[32];
	FILE *f;
	const char *top = getenv("TOP");
	char *script = xasprintf("%s/tests/stubs/http-stub.py", top && *top ? top : ".");

	if (pipe(fds) != 0) {
		free(script);
		return 0;
	}
	*pid = fork();
	if (*pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp("python3", "python3", script, opt, arg, (char *)NULL);
		_exit(127);
	}
	free(script);
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f || !fgets(line, sizeof line, f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	return (int)strtol(line, NULL, 10);
}

__attribute__((unused)) static int stub_start(void)
{
	stub_port = stub_spawn(&stub_pid, NULL, NULL);
	snprintf(stub_base, sizeof stub_base, "http://127.0.0.1:%d", stub_port);
	return stub_port;
}

__attribute__((unused)) static void stub_stop(void)
{
	if (stub_pid > 0) {
		kill(stub_pid, SIGTERM);
		waitpid(stub_pid, NULL, 0);
		stub_pid = 0;
	}
}

/* A URL on the stub for path (caller frees). */
__attribute__((unused)) static char *stub_url(const char *path)
{
	return xasprintf("%s%s", stub_base, path);
}

/* Each control call uses a transport of its own, so it never disturbs the one under test. */
__attribute__((unused)) static int stub_script(const char *json)
{
	struct tl_http *h = tl_http_new(NULL);
	struct tl_http_headers hd = { 0 };
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	char *url = stub_url("/__stub/script");
	int rc;

	tl_http_headers_add(&hd, "Content-Type", "application/json");
	req.method = "POST";
	req.url = url;
	req.headers = &hd;
	req.body = json;
	req.body_len = strlen(json);
	tl_http_resp_init(&resp);
	rc = tl_http_do(h, &req, &resp) == 0 && resp.status == 200 ? 0 : -1;
	if (rc)
		fprintf(stderr, "stub_script failed: %ld %s\n", resp.status, resp.error);
	tl_http_resp_free(&resp);
	tl_http_headers_free(&hd);
	tl_http_free(h);
	free(url);
	return rc;
}

__attribute__((unused)) static cJSON *stub_log(void)
{
	struct tl_http *h = tl_http_new(NULL);
	struct tl_http_req req = { 0 };
	struct tl_http_resp resp;
	char *url = stub_url("/__stub/log");
	cJSON *j = NULL;

	req.method = "GET";
	req.url = url;
	tl_http_resp_init(&resp);
	if (tl_http_do(h, &req, &resp) == 0 && resp.status == 200)
		j = tl_json_parse(resp.body.data, resp.body.len, NULL);
	tl_http_resp_free(&resp);
	tl_http_free(h);
	free(url);
	return j;
}

/* How many requests the stub has answered (or refused) since the last stub_script. */
__attribute__((unused)) static int stub_count(void)
{
	cJSON *j = stub_log();
	int n = j ? cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "requests")) : -1;
	cJSON_Delete(j);
	return n;
}

/* The value of header name (case-insensitive) in a logged request, or NULL. */
__attribute__((unused)) static const char *stub_req_header(const cJSON *req, const char *name)
{
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(req, "headers"), *h;
	cJSON_ArrayForEach(h, hs) {
		const cJSON *n = cJSON_GetArrayItem(h, 0), *v = cJSON_GetArrayItem(h, 1);
		if (cJSON_IsString(n) && cJSON_IsString(v) && strcasecmp(n->valuestring, name) == 0)
			return v->valuestring;
	}
	return NULL;
}
#endif
