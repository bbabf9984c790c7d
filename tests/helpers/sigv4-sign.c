/* sigv4-sign: signs request descriptions with lib/tl_sigv4, for the botocore cross-check
 * (tests/helpers/sigv4-crosscheck.py) and the benchmark (bench/sigv4.sh).
 *
 *   sigv4-sign < requests.jsonl            one JSON result per input line
 *   sigv4-sign --bench N < requests.jsonl  makes N signatures of the requests (each N/count times
 *                                          in a row), prints the rate as JSON
 *
 * Input, one JSON object per line:
 *   {"method": "PUT", "path": "/bucket/a%20b", "query": "x=1&y", (or "url": "https://h:9000/p?q")
 *    "headers": [["Host", "h"], ["X-A", "1"], ...]   (a list keeps duplicates; an object is fine)
 *    "body": "text" | "body_b64": "...", "payload_hash": "hex",
 *    "region": "us-east-1", "service": "s3", "time": 1440938160,
 *    "s3": true, "unsigned": true, "presign": false, "expires": 3600, "omit_session_token": false,
 *    "access_key": "...", "secret_key": "...", "session_token": "..."}
 * Output: {"canonical_request", "string_to_sign", "signature", "authorization" | "query",
 *          "headers": ["X-Amz-Date: ...", ...]} or {"error": "..."}.
 * With "url", a missing Host header is taken from the URL's authority.
 */
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_sigv4.h"
#include "tl_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct job {
	struct tl_sigv4_params p;
	struct tl_sigv4_request r;
	struct tl_sigv4_header *h;
	char **strs; /* everything the job owns */
	size_t nstrs;
	unsigned char *body;
	int presign;
	const char *error;
};

static char *own(struct job *j, char *s)
{
	j->strs = xrealloc(j->strs, (j->nstrs + 1) * sizeof(*j->strs));
	j->strs[j->nstrs++] = s;
	return s;
}

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->nstrs; i++)
		free(j->strs[i]);
	free(j->strs);
	free(j->h);
	free(j->body);
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

static unsigned char *b64decode(const char *s, size_t *len)
{
	size_t n = strlen(s), o = 0;
	unsigned char *out = xmalloc(n / 4 * 3 + 3);
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			continue; /* padding, white space */
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	*len = o;
	return out;
}

static const char *str_field(struct job *j, const cJSON *o, const char *k)
{
	const char *v = tl_json_get_str(o, k);
	return v ? own(j, xstrdup(v)) : NULL;
}

static void add_header(struct job *j, size_t *cap, const char *name, const char *value)
{
	if (j->r.nheaders == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		j->h = xrealloc(j->h, *cap * sizeof(*j->h));
	}
	j->h[j->r.nheaders].name = own(j, xstrdup(name));
	j->h[j->r.nheaders].value = own(j, xstrdup(value));
	j->r.nheaders++;
}

static void job_parse(struct job *j, const char *line, size_t n)
{
	memset(j, 0, sizeof(*j));
	cJSON *o = tl_json_parse(line, n, NULL);
	if (!o || !cJSON_IsObject(o)) {
		j->error = "input is not a JSON object";
		cJSON_Delete(o);
		return;
	}
	j->r.method = str_field(j, o, "method");
	j->r.path = str_field(j, o, "path");
	j->r.query = str_field(j, o, "query");
	const char *url = tl_json_get_str(o, "url");
	const char *authority = NULL;
	if (url) {
		const char *p = strstr(url, "://");
		p = p ? p + 3 : url;
		size_t alen = strcspn(p, "/?#");
		authority = own(j, xstrndup(p, alen));
		p += alen;
		size_t plen = strcspn(p, "?#");
		j->r.path = own(j, xstrndup(p, plen));
		if (p[plen] == '?')
			j->r.query = own(j, xstrndup(p + plen + 1, strcspn(p + plen + 1, "#")));
	}
	size_t cap = 0;
	int host = 0;
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(o, "headers"), *h;
	cJSON_ArrayForEach(h, hs) {
		const char *name = NULL, *value = NULL;
		if (cJSON_IsArray(h) && cJSON_GetArraySize(h) == 2) {
			name = cJSON_GetStringValue(cJSON_GetArrayItem(h, 0));
			value = cJSON_GetStringValue(cJSON_GetArrayItem(h, 1));
		} else if (cJSON_IsString(h)) {
			name = h->string;
			value = h->valuestring;
		}
		if (!name || !value) {
			j->error = "bad header";
			continue;
		}
		host |= strcasecmp(name, "host") == 0;
		add_header(j, &cap, name, value);
	}
	if (!host && authority)
		add_header(j, &cap, "Host", authority);
	j->r.headers = j->h;

	const char *b64 = tl_json_get_str(o, "body_b64"), *body = tl_json_get_str(o, "body");
	if (b64) {
		j->body = b64decode(b64, &j->r.body_len);
		j->r.body = j->body;
	} else if (body) {
		j->r.body_len = strlen(body);
		j->body = xmemdup(body, j->r.body_len);
		j->r.body = j->body;
	}
	j->r.payload_hash = str_field(j, o, "payload_hash");

	j->p.access_key = str_field(j, o, "access_key");
	j->p.secret_key = str_field(j, o, "secret_key");
	j->p.session_token = str_field(j, o, "session_token");
	j->p.region = str_field(j, o, "region");
	j->p.service = str_field(j, o, "service");
	const char *ts = tl_json_get_str(o, "time");
	int64_t ms;
	if (ts && tl_time_parse(ts, strlen(ts), &ms) == 0)
		j->p.time = ms / 1000;
	else if (tl_json_get_i64(o, "time", &j->p.time) < 0)
		j->error = "no time";
	j->p.flags = tl_json_get_bool(o, "s3") ? TL_SIGV4_S3 : TL_SIGV4_GENERIC;
	if (tl_json_get_bool(o, "unsigned"))
		j->p.flags |= TL_SIGV4_UNSIGNED_PAYLOAD;
	if (tl_json_get_bool(o, "omit_session_token"))
		j->p.flags |= TL_SIGV4_OMIT_SESSION_TOKEN;
	j->presign = tl_json_get_bool(o, "presign");
	if (tl_json_get_i64(o, "expires", &j->p.expires) < 0)
		j->p.expires = 3600;
	cJSON_Delete(o);
}

static int job_sign(const struct job *j, struct tl_sigv4_result *res, const char **err)
{
	if (j->error) {
		memset(res, 0, sizeof(*res));
		*err = j->error;
		return -1;
	}
	return j->presign ? tl_sigv4_presign(&j->p, &j->r, res, err)
			  : tl_sigv4_sign(&j->p, &j->r, res, err);
}

static void put_field(struct tl_buf *b, const char *k, const char *v, int *first)
{
	if (!v)
		return;
	tl_buf_adds(b, *first ? "{" : ",");
	*first = 0;
	tl_buf_add_json_str(b, k, strlen(k));
	tl_buf_addc(b, ':');
	tl_buf_add_json_str(b, v, strlen(v));
}

static int run_check(void)
{
	struct tl_lines in;
	struct tl_line line;
	struct tl_out out;
	struct tl_buf b = TL_BUF_INIT;
	int st, rc = 0;
	tl_lines_init(&in, 0, 0);
	tl_out_init(&out, 1);
	while ((st = tl_lines_next(&in, &line)) != TL_LINE_EOF) {
		if (st != TL_LINE_OK) {
			if (st == TL_LINE_AGAIN)
				continue;
			fprintf(stderr, "sigv4-sign: cannot read line %llu\n", (unsigned long long)line.lineno);
			rc = 1;
			break;
		}
		struct job j;
		struct tl_sigv4_result res;
		const char *err = NULL;
		int first = 1;
		job_parse(&j, line.data, line.len);
		tl_buf_reset(&b);
		if (job_sign(&j, &res, &err) < 0) {
			put_field(&b, "error", err, &first);
		} else {
			put_field(&b, "canonical_request", res.canonical_request, &first);
			put_field(&b, "string_to_sign", res.string_to_sign, &first);
			put_field(&b, "signature", res.signature, &first);
			put_field(&b, "authorization", res.authorization, &first);
			put_field(&b, "query", res.query, &first);
			tl_buf_adds(&b, ",\"headers\":[");
			for (size_t i = 0; i < res.nadd; i++) {
				if (i)
					tl_buf_addc(&b, ',');
				char *hl = xasprintf("%s: %s", res.add_headers[i].name,
						     res.add_headers[i].value);
				tl_buf_add_json_str(&b, hl, strlen(hl));
				free(hl);
			}
			tl_buf_addc(&b, ']');
		}
		tl_buf_addc(&b, '}');
		tl_sigv4_result_free(&res);
		job_free(&j);
		if (tl_out_record(&out, b.data, b.len) < 0) {
			rc = 1;
			break;
		}
	}
	if (tl_out_close(&out) < 0)
		rc = 1;
	tl_lines_release(&in);
	tl_buf_release(&b);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signs every request once untimed (warm-up, and to count failures), then N signatures timed. */
static int run_bench(long n)
{
	struct tl_lines in;
	struct tl_line line;
	struct job *jobs = NULL;
	size_t njobs = 0, cap = 0;
	int st;
	tl_lines_init(&in, 0, 0);
	while ((st = tl_lines_next(&in, &line)) != TL_LINE_EOF) {
		if (st != TL_LINE_OK)
			continue;
		if (njobs == cap) {
			cap = cap ? cap * 2 : 1024;
			jobs = xrealloc(jobs, cap * sizeof(*jobs));
		}
		job_parse(&jobs[njobs++], line.data, line.len);
	}
	tl_lines_release(&in);
	if (!njobs) {
		fprintf(stderr, "sigv4-sign: no requests on stdin\n");
		free(jobs);
		return 1;
	}
	size_t failed = 0;
	for (size_t i = 0; i < njobs; i++) {
		struct tl_sigv4_result res;
		const char *err;
		failed += job_sign(&jobs[i], &res, &err) < 0;
		tl_sigv4_result_free(&res);
	}
	/* each request signed n / njobs times in a row: its data is in the cache, as for a tool
	 * that signs the request it has just built */
	size_t per = (size_t)n / njobs ? (size_t)n / njobs : 1;
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		struct tl_sigv4_result res;
		const char *err;
		job_sign(&jobs[((size_t)i / per) % njobs], &res, &err);
		tl_sigv4_result_free(&res);
	}
	double dt = now_s() - t0;
	printf("{\"requests\":%zu,\"failed\":%zu,\"signatures\":%ld,\"seconds\":%.6f,\"per_second\":%.0f}\n",
	       njobs, failed, n, dt, dt > 0 ? (double)n / dt : 0.0);
	for (size_t i = 0; i < njobs; i++)
		job_free(&jobs[i]);
	free(jobs);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--bench") == 0) {
		char *end;
		long n = strtol(argv[2], &end, 10);
		if (*end || n <= 0) {
			fprintf(stderr, "usage: sigv4-sign [--bench N] < requests.jsonl\n");
			return 2;
		}
		return run_bench(n);
	}
	if (argc != 1) {
		fprintf(stderr, "usage: sigv4-sign [--bench N] < requests.jsonl\n");
		return 2;
	}
	return run_check();
}
