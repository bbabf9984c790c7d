/* The SigV4 conformance suites, data-driven: every case of aws-c-auth's v4 suite (the signed-header
 * and the presigned variant) and of botocore's aws4_testsuite, one line per case and variant.
 * Canonical request, string to sign and signature (or Authorization) are compared byte for byte.
 *
 * The data lives in tests/data/sigv4 (see its SOURCES.md); a missing folder is a failure.
 */
#include "t.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_json.h"
#include "tl_sigv4.h"
#include "tl_time.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whole file, NUL-terminated; NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct tl_buf b = TL_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tl_buf_add(&b, chunk, n);
	fclose(f);
	return tl_buf_detach(&b, len);
}

struct req {
	char *method, *path, *query;
	struct tl_sigv4_header h[32];
	char *names[32], *values[32];
	size_t nh;
	const char *body;
	size_t body_len;
	char *text;
};

static void req_free(struct req *r)
{
	free(r->method);
	free(r->path);
	free(r->query);
	for (size_t i = 0; i < r->nh; i++) {
		free(r->names[i]);
		free(r->values[i]);
	}
	free(r->text);
}

/* Parses the suites' request format: "METHOD target HTTP/1.1", "Name:value" lines (a line that
 * starts with white space continues the previous value: obs-fold, read as one space), a blank
 * line, the body. The target may hold raw spaces, so it ends at the last " HTTP/". */
static int req_parse(struct req *r, char *text, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->text = text;
	char *end = text + len, *p = text;
	char *nl = memchr(p, '\n', (size_t)(end - p));
	char *line_end = nl ? nl : end;
	char *sp = memchr(p, ' ', (size_t)(line_end - p));
	char *http = NULL;
	for (char *q = p; q && q < line_end; q = memmem(q + 1, (size_t)(line_end - q - 1), " HTTP/", 6))
		if (q != p && memcmp(q, " HTTP/", 6) == 0)
			http = q;
	if (!sp || !http || http <= sp)
		return -1;
	r->method = xstrndup(p, (size_t)(sp - p));
	char *target = sp + 1, *qm = memchr(target, '?', (size_t)(http - target));
	r->path = xstrndup(target, (size_t)((qm ? qm : http) - target));
	if (qm)
		r->query = xstrndup(qm + 1, (size_t)(http - qm - 1));
	p = nl ? nl + 1 : end;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line_end = nl ? nl : end;
		size_t n = (size_t)(line_end - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			p = nl ? nl + 1 : end;
			r->body = p;
			r->body_len = (size_t)(end - p);
			break;
		}
		if ((*p == ' ' || *p == '\t') && r->nh) {
			char *v = xasprintf("%s %.*s", r->values[r->nh - 1], (int)n, p);
			free(r->values[r->nh - 1]);
			r->values[r->nh - 1] = v;
		} else {
			char *colon = memchr(p, ':', n);
			if (!colon || r->nh == 32)
				return -1;
			r->names[r->nh] = xstrndup(p, (size_t)(colon - p));
			r->values[r->nh] = xstrndup(colon + 1, (size_t)(p + n - colon - 1));
			r->nh++;
		}
		p = nl ? nl + 1 : end;
	}
	for (size_t i = 0; i < r->nh; i++) {
		r->h[i].name = r->names[i];
		r->h[i].value = r->values[i];
	}
	return 0;
}

/* Removes header name (any case) and returns its last value, or NULL. */
static char *req_take_header(struct req *r, const char *name)
{
	char *v = NULL;
	for (size_t i = 0; i < r->nh;) {
		if (strcasecmp(r->names[i], name) == 0) {
			free(v);
			free(r->names[i]);
			v = r->values[i];
			memmove(&r->names[i], &r->names[i + 1], (r->nh - i - 1) * sizeof(char *));
			memmove(&r->values[i], &r->values[i + 1], (r->nh - i - 1) * sizeof(char *));
			r->nh--;
		} else {
			i++;
		}
	}
	for (size_t i = 0; i < r->nh; i++) {
		r->h[i].name = r->names[i];
		r->h[i].value = r->values[i];
	}
	return v;
}

static void to_request(const struct req *r, struct tl_sigv4_request *q, int with_body)
{
	memset(q, 0, sizeof(*q));
	q->method = r->method;
	q->path = r->path;
	q->query = r->query;
	q->headers = r->h;
	q->nheaders = r->nh;
	if (with_body) {
		q->body = r->body;
		q->body_len = r->body_len;
	}
}

/* Compares got with the file's content; prints both on a difference. */
static int same(const char *what, const char *got, const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file);
	char *want = slurp(path, NULL);
	int ok = want && got && strcmp(want, got) == 0;
	if (!ok)
		printf("#   %s differs (%s)\n#   got:\n%s\n#   want:\n%s\n", what, path,
		       got ? got : "(null)", want ? want : "(missing file)");
	free(want);
	free(path);
	return ok;
}

/* The value of "Name:" in a signed-request file (first line that starts with it). */
static char *signed_request_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, prefix, n) == 0) {
			const char *e = strchr(p, '\n');
			return xstrndup(p + n, e ? (size_t)(e - p - n) : strlen(p + n));
		}
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a=1&b=2" -> sorted "&"-joined list, so two queries with the same parameters compare equal.
 * aws-c-auth sends raw UTF-8 as given where we send it encoded: encode such bytes first. */
static char *sorted_params(const char *q)
{
	struct tl_buf e = TL_BUF_INIT;
	tl_buf_adds(&e, "");
	for (const unsigned char *c = (const unsigned char *)q; *c; c++) {
		if (*c >= 0x80)
			tl_buf_addf(&e, "%%%02X", *c);
		else
			tl_buf_addc(&e, (char)*c);
	}
	char *copy = tl_buf_detach(&e, NULL), *v[64], *save = NULL;
	size_t n = 0;
	for (char *t = strtok_r(copy, "&", &save); t && n < 64; t = strtok_r(NULL, "&", &save))
		v[n++] = t;
	qsort(v, n, sizeof(*v), cmp_str);
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_adds(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (i)
			tl_buf_addc(&b, '&');
		tl_buf_adds(&b, v[i]);
	}
	free(copy);
	return tl_buf_detach(&b, NULL);
}

static int aws_c_auth_case(const char *dir, const char *name, int presign)
{
	char *path = xasprintf("%s/request.txt", dir);
	size_t len;
	char *text = slurp(path, &len);
	free(path);
	path = xasprintf("%s/context.json", dir);
	char *ctxt = slurp(path, NULL);
	free(path);
	cJSON *ctx = ctxt ? tl_json_parse(ctxt, strlen(ctxt), NULL) : NULL;
	free(ctxt);
	struct req r;
	int ok = 1;
	if (!text || !ctx || req_parse(&r, text, len) < 0) {
		printf("#   %s: cannot read request.txt/context.json\n", name);
		free(text);
		cJSON_Delete(ctx);
		return 0;
	}
	struct tl_sigv4_params p;
	memset(&p, 0, sizeof(p));
	p.access_key = tl_json_get_str(ctx, "credentials.access_key_id");
	p.secret_key = tl_json_get_str(ctx, "credentials.secret_access_key");
	p.session_token = tl_json_get_str(ctx, "credentials.token");
	p.region = tl_json_get_str(ctx, "region");
	p.service = tl_json_get_str(ctx, "service");
	const char *ts = tl_json_get_str(ctx, "timestamp");
	int64_t ms = 0;
	if (!ts || tl_time_parse(ts, strlen(ts), &ms) < 0)
		ok = 0;
	p.time = ms / 1000;
	int sign_body = tl_json_get_bool(ctx, "sign_body");
	p.flags = TL_SIGV4_DOUBLE_ENCODE;
	if (tl_json_get_bool(ctx, "normalize"))
		p.flags |= TL_SIGV4_NORMALIZE_PATH;
	if (sign_body)
		p.flags |= TL_SIGV4_CONTENT_SHA256;
	if (tl_json_get_bool(ctx, "omit_session_token"))
		p.flags |= TL_SIGV4_OMIT_SESSION_TOKEN;
	if (tl_json_get_i64(ctx, "expiration_in_seconds", &p.expires) < 0)
		ok = 0;

	struct tl_sigv4_request q;
	to_request(&r, &q, sign_body); /* without sign_body the payload hash is the empty one */
	struct tl_sigv4_result res;
	const char *err = NULL;
	int rc = presign ? tl_sigv4_presign(&p, &q, &res, &err) : tl_sigv4_sign(&p, &q, &res, &err);
	if (rc < 0) {
		printf("#   %s: %s\n", name, err);
		ok = 0;
	} else {
		const char *v = presign ? "query" : "header";
		char f1[64], f2[64], f3[64];
		snprintf(f1, sizeof(f1), "%s-canonical-request.txt", v);
		snprintf(f2, sizeof(f2), "%s-string-to-sign.txt", v);
		snprintf(f3, sizeof(f3), "%s-signature.txt", v);
		ok &= same("canonical request", res.canonical_request, dir, f1);
		ok &= same("string to sign", res.string_to_sign, dir, f2);
		ok &= same("signature", res.signature, dir, f3);
		/* and what would be sent: the Authorization header, or the presigned query's parameters */
		char *f4 = xasprintf("%s/%s-signed-request.txt", dir, v);
		char *sreq = slurp(f4, NULL);
		free(f4);
		if (!presign) {
			char *want = sreq ? signed_request_line(sreq, "Authorization:") : NULL;
			if (!want || strcmp(want, res.authorization) != 0) {
				printf("#   Authorization differs: %s\n#   want %s\n", res.authorization,
				       want ? want : "(none)");
				ok = 0;
			}
			free(want);
		} else {
			char *line = sreq ? xstrndup(sreq, strcspn(sreq, "\n")) : xstrdup("");
			char *qs = strchr(line, '?'), *sp = qs ? strchr(qs, ' ') : NULL;
			if (sp)
				*sp = '\0';
			char *want = sorted_params(qs ? qs + 1 : ""), *got = sorted_params(res.query);
			if (strcmp(want, got) != 0) {
				printf("#   presigned query differs:\n#   got  %s\n#   want %s\n", got, want);
				ok = 0;
			}
			free(want);
			free(got);
			free(line);
		}
		free(sreq);
	}
	tl_sigv4_result_free(&res);
	req_free(&r);
	cJSON_Delete(ctx);
	return ok;
}

static int botocore_case(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s.req", dir, name);
	size_t len;
	char *text = slurp(path, &len);
	free(path);
	struct req r;
	if (!text || req_parse(&r, text, len) < 0) {
		printf("#   %s: cannot read the .req file\n", name);
		free(text);
		return 0;
	}
	struct tl_sigv4_params p = {
		.access_key = "AKIDEXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		.region = "us-east-1",
		.service = "service",
		.time = 1440938160, /* 2015-08-30T12:36:00Z, the X-Amz-Date of every case */
		.flags = TL_SIGV4_GENERIC,
	};
	/* The session token is the X-Amz-Security-Token of the signed request (.sreq); its
	 * SignedHeaders tell whether the token was signed or added after signing
	 * (post-sts-header-after). A token header in the .req is replaced by the signer's. */
	free(req_take_header(&r, "X-Amz-Security-Token"));
	path = xasprintf("%s/%s.sreq", dir, name);
	char *sreq = slurp(path, NULL);
	free(path);
	char *token = sreq ? signed_request_line(sreq, "X-Amz-Security-Token:") : NULL;
	char *authz = sreq ? signed_request_line(sreq, "Authorization:") : NULL;
	if (token) {
		p.session_token = token;
		if (!authz || !strstr(authz, "x-amz-security-token"))
			p.flags |= TL_SIGV4_OMIT_SESSION_TOKEN;
	}
	free(authz);
	free(sreq);
	struct tl_sigv4_request q;
	to_request(&r, &q, 1);
	struct tl_sigv4_result res;
	const char *err = NULL;
	int ok = 1;
	if (tl_sigv4_sign(&p, &q, &res, &err) < 0) {
		printf("#   %s: %s\n", name, err);
		ok = 0;
	} else {
		char f[256];
		snprintf(f, sizeof(f), "%s.creq", name);
		ok &= same("canonical request", res.canonical_request, dir, f);
		snprintf(f, sizeof(f), "%s.sts", name);
		ok &= same("string to sign", res.string_to_sign, dir, f);
		snprintf(f, sizeof(f), "%s.authz", name);
		ok &= same("authorization", res.authorization, dir, f);
		if (p.session_token) {
			/* the token is sent either way */
			int found = 0;
			for (size_t i = 0; i < res.nadd; i++)
				found |= strcmp(res.add_headers[i].name, "X-Amz-Security-Token") == 0 &&
					 strcmp(res.add_headers[i].value, p.session_token) == 0;
			if (!found) {
				printf("#   %s: X-Amz-Security-Token not among the headers to add\n", name);
				ok = 0;
			}
		}
	}
	tl_sigv4_result_free(&res);
	free(token);
	req_free(&r);
	return ok;
}

static int not_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}


int main(void)
{
	(void)t_cur_fail; /* t.h: this file reports with t_ok only */
	char *shared = t_data_path("sigv4");
	if (!shared || !is_dir(shared)) {
		t_ok(0, "%s: not found (run from the checkout's top or set TOP)", shared ? shared : "tests/data/sigv4");
		free(shared);
		return t_done();
	}
	struct dirent **ents;
	int cases = 0;

	char *base = xasprintf("%s/aws-c-auth-v4", shared);
	int n = scandir(base, &ents, not_dot, alphasort);
	for (int i = 0; i < n; i++) {
		char *dir = xasprintf("%s/%s", base, ents[i]->d_name);
		if (is_dir(dir)) {
			cases++;
			t_ok(aws_c_auth_case(dir, ents[i]->d_name, 0), "aws-c-auth header %s", ents[i]->d_name);
			t_ok(aws_c_auth_case(dir, ents[i]->d_name, 1), "aws-c-auth query %s", ents[i]->d_name);
		}
		free(dir);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	t_ok(cases == 38, "aws-c-auth: %d cases found (38 expected)", cases);
	free(base);

	/* botocore: a case is a folder NAME holding NAME.req, at the top or one level down */
	cases = 0;
	base = xasprintf("%s/botocore-aws4-testsuite", shared);
	n = scandir(base, &ents, not_dot, alphasort);
	for (int i = 0; i < n; i++) {
		char *dir = xasprintf("%s/%s", base, ents[i]->d_name);
		char *req = xasprintf("%s/%s.req", dir, ents[i]->d_name);
		struct stat st;
		if (stat(req, &st) == 0) {
			cases++;
			t_ok(botocore_case(dir, ents[i]->d_name), "botocore %s", ents[i]->d_name);
		} else if (is_dir(dir)) {
			struct dirent **sub;
			int m = scandir(dir, &sub, not_dot, alphasort);
			for (int j = 0; j < m; j++) {
				char *sdir = xasprintf("%s/%s", dir, sub[j]->d_name);
				char *sreq = xasprintf("%s/%s.req", sdir, sub[j]->d_name);
				if (stat(sreq, &st) == 0) {
					cases++;
					t_ok(botocore_case(sdir, sub[j]->d_name), "botocore %s/%s",
					     ents[i]->d_name, sub[j]->d_name);
				}
				free(sreq);
				free(sdir);
				free(sub[j]);
			}
			if (m >= 0)
				free(sub);
		}
		free(req);
		free(dir);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	t_ok(cases == 34, "botocore: %d cases found (34 expected)", cases);
	free(base);
	free(shared);
	return t_done();
}
