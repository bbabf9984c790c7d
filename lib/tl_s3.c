/* tl_s3.c: S3 over the signed-request layer (see tl_s3.h). */
#include "tl_s3.h"

#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_http.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_pages.h"
#include "tl_str.h"
#include "tl_time.h"
#include "tl_xml.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MIN_PART ((size_t)5 << 20)
#define DEFAULT_PART ((size_t)8 << 20)

struct tl_s3 {
	struct tl_aws *aws;
	char *scheme;   /* "https" */
	char *hostport; /* "s3.us-east-1.amazonaws.com" or "127.0.0.1:5000" */
	char *base;     /* the endpoint's path without trailing "/" ("" usually) */
	bool custom;
	bool path_style;
	int list_page; /* max-keys, 0: S3's default (1000) */
	char *expected_owner; /* x-amz-expected-bucket-owner on every request, or NULL */
};

/* ---- URLs and keys ----------------------------------------------------------------------- */

static bool bucket_ok(const char *b, size_t n)
{
	if (n < 3 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return false;
	}
	return isalnum((unsigned char)b[0]) && isalnum((unsigned char)b[n - 1]);
}

int tl_s3_url_parse(const char *s, struct tl_s3_url *u, char **err)
{
	if (strncmp(s, "s3://", 5) != 0) {
		*err = xasprintf("'%s' is not an s3:// URL", s);
		return -1;
	}
	const char *b = s + 5;
	size_t bn = strcspn(b, "/");
	if (!bucket_ok(b, bn)) {
		*err = xasprintf("'%.*s' is not a valid bucket name (3 to 63 of a-z 0-9 . -)", (int)bn,
				 b);
		return -1;
	}
	const char *p = b + bn;
	while (*p == '/')
		p++;
	size_t pn = strlen(p);
	while (pn > 0 && p[pn - 1] == '/')
		pn--;
	u->bucket = xstrndup(b, bn);
	u->prefix = xstrndup(p, pn);
	return 0;
}

void tl_s3_url_free(struct tl_s3_url *u)
{
	free(u->bucket);
	free(u->prefix);
	u->bucket = u->prefix = NULL;
}

char *tl_s3_url_str(const char *bucket, const char *key)
{
	return xasprintf("s3://%s/%s", bucket, key ? key : "");
}

char *tl_s3_key_join(const char *prefix, const char *rel)
{
	if (!prefix || !*prefix)
		return xstrdup(rel);
	size_t pn = strlen(prefix);
	while (pn > 0 && prefix[pn - 1] == '/')
		pn--;
	while (*rel == '/')
		rel++;
	return xasprintf("%.*s/%s", (int)pn, prefix, rel);
}

static void encode_into(struct tl_buf *b, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
			tl_buf_addc(b, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			tl_buf_add(b, e, 3);
		}
	}
}

char *tl_s3_key_encode(const char *key)
{
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_adds(&b, "");
	encode_into(&b, key, strlen(key), true);
	return tl_buf_detach(&b, NULL);
}

/* ---- the client --------------------------------------------------------------------------- */

struct tl_s3 *tl_s3_new(struct tl_aws *aws)
{
	struct tl_s3 *s = xcalloc(1, sizeof(*s));
	s->aws = aws;
	bool custom = false;
	const char *ep = tl_aws_endpoint(aws, "s3", &custom);
	s->custom = custom;
	s->path_style = custom;
	struct tl_url u;
	if (ep && tl_url_parse(ep, &u) == 0) {
		s->scheme = xstrdup(u.scheme ? u.scheme : "https");
		s->hostport = u.port ? xasprintf("%s:%d", u.host, u.port) : xstrdup(u.host);
		size_t pn = u.path ? strlen(u.path) : 0;
		while (pn > 0 && u.path[pn - 1] == '/')
			pn--;
		s->base = xstrndup(u.path ? u.path : "", pn);
		tl_url_free(&u);
	} else {
		const char *region = tl_aws_region(aws);
		s->scheme = xstrdup("https");
		s->hostport = xasprintf("s3.%s.amazonaws.com", region ? region : "us-east-1");
		s->base = xstrdup("");
	}
	return s;
}

void tl_s3_free(struct tl_s3 *s)
{
	if (!s)
		return;
	free(s->scheme);
	free(s->hostport);
	free(s->base);
	free(s->expected_owner);
	free(s);
}

void tl_s3_set_list_page(struct tl_s3 *s, int max_keys)
{
	s->list_page = max_keys > 0 ? max_keys : 0;
}

void tl_s3_set_path_style(struct tl_s3 *s, bool on)
{
	s->path_style = on || s->custom;
}

char *tl_s3_request_url(struct tl_s3 *s, const char *bucket, const char *key, const char *query)
{
	struct tl_buf b = TL_BUF_INIT;
	bool path = s->path_style || strchr(bucket, '.');
	if (path)
		tl_buf_addf(&b, "%s://%s%s/%s", s->scheme, s->hostport, s->base, bucket);
	else
		tl_buf_addf(&b, "%s://%s.%s%s", s->scheme, bucket, s->hostport, s->base);
	if (key && *key) {
		tl_buf_addc(&b, '/');
		encode_into(&b, key, strlen(key), true);
	} else if (!path) {
		tl_buf_addc(&b, '/');
	}
	if (query && *query)
		tl_buf_addf(&b, "?%s", query);
	return tl_buf_detach(&b, NULL);
}

/* ---- the request -------------------------------------------------------------------------- */

static void err_set(struct tl_aws_error *err, long status, const char *code, const char *msg)
{
	if (!err)
		return;
	tl_aws_error_free(err);
	memset(err, 0, sizeof(*err));
	err->status = status;
	err->code = code ? xstrdup(code) : NULL;
	err->message = msg ? xstrdup(msg) : NULL;
}

/* One call. When err is NULL a local one is used and dropped. A 404 without a code (HEAD) gets
 * notfound_code. */
static int send(struct tl_s3 *s, const char *method, const char *url,
		struct tl_http_headers *hdrs, const void *body, size_t len,
		tl_http_write_fn wfn, void *wctx, struct tl_http_resp *resp,
		const char *notfound_code, struct tl_aws_error *err)
{
	struct tl_aws_error local;
	memset(&local, 0, sizeof(local));
	struct tl_aws_error *e = err ? err : &local;
	struct tl_aws_req req;
	memset(&req, 0, sizeof(req));
	struct tl_http_headers owner = { 0 };
	if (s->expected_owner) {
		if (!hdrs)
			hdrs = &owner;
		tl_http_headers_set(hdrs, "x-amz-expected-bucket-owner", s->expected_owner);
	}
	req.service = "s3";
	req.method = method;
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = len;
	req.write_fn = wfn;
	req.write_ctx = wctx;
	req.s3 = true;
	int rc = tl_aws_send(s->aws, &req, resp, e);
	/* HEAD answers carry no body: name the error as S3's SDKs do */
	bool bare = !e->code || (e->code[0] >= '0' && e->code[0] <= '9');
	if (rc != 0 && e->status == 404 && bare && notfound_code) {
		free(e->code);
		e->code = xstrdup(notfound_code);
		if (strcmp(notfound_code, "NoSuchBucket") == 0) {
			free(e->message);
			e->message = xstrdup("The specified bucket does not exist");
		}
	}
	if (rc != 0 && e->status == 403 && bare) {
		free(e->code);
		e->code = xstrdup("AccessDenied");
	}
	if (!err)
		tl_aws_error_free(&local);
	tl_http_headers_free(&owner);
	return rc;
}

static char *content_md5(const void *p, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(p, n, md, &mdlen, EVP_md5(), NULL);
	char *out = xmalloc(4 * ((mdlen + 2) / 3) + 1);
	*tl_base64_put(out, md, mdlen) = '\0';
	return out;
}

static void put_headers(struct tl_http_headers *h, const struct tl_s3_put_opts *opts)
{
	tl_http_headers_set(h, "Content-Type", opts && opts->content_type ? opts->content_type
								 : "application/octet-stream");
	if (opts && opts->content_encoding)
		tl_http_headers_set(h, "Content-Encoding", opts->content_encoding);
	if (opts && opts->storage_class)
		tl_http_headers_set(h, "x-amz-storage-class", opts->storage_class);
	if (opts && opts->sse)
		tl_http_headers_set(h, "x-amz-server-side-encryption", opts->sse);
	if (opts && opts->sse_kms_key_id)
		tl_http_headers_set(h, "x-amz-server-side-encryption-aws-kms-key-id",
				    opts->sse_kms_key_id);
	if (opts && opts->bucket_key)
		tl_http_headers_set(h, "x-amz-server-side-encryption-bucket-key-enabled", "true");
}

int tl_s3_sse_check(const char *sse, const char *kms_key_id, bool bucket_key, const char **why)
{
	bool kms = sse && (strcmp(sse, "aws:kms") == 0 || strcmp(sse, "aws:kms:dsse") == 0);
	if (sse && !kms && strcmp(sse, "AES256") != 0) {
		*why = "the encryption is AES256, aws:kms or aws:kms:dsse";
		return -1;
	}
	if (kms_key_id && !kms) {
		*why = "a KMS key goes with aws:kms or aws:kms:dsse encryption";
		return -1;
	}
	if (kms_key_id && (!*kms_key_id || strpbrk(kms_key_id, " \t\r\n"))) {
		*why = "a KMS key id, ARN or alias has no blanks";
		return -1;
	}
	if (bucket_key && (!sse || strcmp(sse, "aws:kms") != 0)) {
		*why = "an S3 Bucket Key goes with aws:kms encryption";
		return -1;
	}
	return 0;
}

bool tl_s3_account_ok(const char *s)
{
	return s && strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

void tl_s3_set_expected_owner(struct tl_s3 *s, const char *account)
{
	free(s->expected_owner);
	s->expected_owner = account ? xstrdup(account) : NULL;
}

int tl_s3_put_object(struct tl_s3 *s, const char *bucket, const char *key, const void *body,
		     size_t len, const struct tl_s3_put_opts *opts, char **etag_out,
		     struct tl_aws_error *err)
{
	struct tl_http_headers h = { 0 };
	put_headers(&h, opts);
	char *md5 = content_md5(body, len);
	tl_http_headers_set(&h, "Content-MD5", md5);
	free(md5);
	char *url = tl_s3_request_url(s, bucket, key, NULL);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	int rc = send(s, "PUT", url, &h, body ? body : "", len, NULL, NULL, &resp, "NoSuchBucket", err);
	if (rc == 0 && etag_out) {
		const char *et = tl_http_headers_get(&resp.headers, "ETag");
		*etag_out = et ? xstrdup(et) : NULL;
	}
	tl_http_resp_free(&resp);
	tl_http_headers_free(&h);
	free(url);
	return rc;
}

/* ---- multipart ---------------------------------------------------------------------------- */

/* A multipart upload, step by step: parts are numbered 1, 2, ... in the order of mpu_part()
 * calls; every part but the last must be >= 5 MiB (S3 refuses the completion otherwise). */
struct mpu {
	struct tl_s3 *s;
	char *bucket, *key, *id;
	char **etags;
	size_t n;
};

static struct mpu *mpu_create(struct tl_s3 *s, const char *bucket, const char *key,
			       const struct tl_s3_put_opts *opts, struct tl_aws_error *err)
{
	struct tl_http_headers h = { 0 };
	put_headers(&h, opts);
	char *url = tl_s3_request_url(s, bucket, key, "uploads=");
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	struct mpu *u = NULL;
	if (send(s, "POST", url, &h, "", 0, NULL, NULL, &resp, "NoSuchBucket", err) == 0) {
		char *xerr = NULL;
		struct tl_xml_node *x = tl_xml_parse(resp.body.data ? resp.body.data : "",
						     resp.body.len, &xerr);
		const char *id = x ? tl_xml_text(x, "InitiateMultipartUploadResult/UploadId") : NULL;
		if (id && *id) {
			u = xcalloc(1, sizeof(*u));
			u->s = s;
			u->bucket = xstrdup(bucket);
			u->key = xstrdup(key);
			u->id = xstrdup(id);
		} else {
			err_set(err, resp.status, "InvalidResponse",
				xerr ? xerr : "CreateMultipartUpload: no UploadId in the answer");
		}
		free(xerr);
		tl_xml_free(x);
	}
	tl_http_resp_free(&resp);
	tl_http_headers_free(&h);
	free(url);
	return u;
}

static const char *mpu_id(const struct mpu *u)
{
	return u->id;
}

static char *mpu_query(const struct mpu *u, size_t part)
{
	char *id = tl_url_encode(u->id, strlen(u->id));
	char *q = part ? xasprintf("partNumber=%zu&uploadId=%s", part, id)
		       : xasprintf("uploadId=%s", id);
	free(id);
	return q;
}

static int mpu_part(struct mpu *u, const void *p, size_t n, struct tl_aws_error *err)
{
	if (u->n >= 10000) {
		err_set(err, 0, "TooManyParts", "a multipart upload has at most 10000 parts");
		return -1;
	}
	struct tl_http_headers h = { 0 };
	char *md5 = content_md5(p, n);
	tl_http_headers_set(&h, "Content-MD5", md5);
	tl_http_headers_set(&h, "Content-Type", "application/octet-stream");
	free(md5);
	char *q = mpu_query(u, u->n + 1);
	char *url = tl_s3_request_url(u->s, u->bucket, u->key, q);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	int rc = send(u->s, "PUT", url, &h, p, n, NULL, NULL, &resp, "NoSuchUpload", err);
	if (rc == 0) {
		const char *et = tl_http_headers_get(&resp.headers, "ETag");
		if (!et) {
			err_set(err, resp.status, "InvalidResponse", "UploadPart: no ETag in the answer");
			rc = -1;
		} else {
			u->etags = xrealloc(u->etags, (u->n + 1) * sizeof(*u->etags));
			u->etags[u->n++] = xstrdup(et);
		}
	}
	tl_http_resp_free(&resp);
	tl_http_headers_free(&h);
	free(url);
	free(q);
	return rc;
}

static int mpu_complete(struct mpu *u, struct tl_aws_error *err)
{
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_adds(&b, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
	for (size_t i = 0; i < u->n; i++) {
		tl_buf_addf(&b, "<Part><PartNumber>%zu</PartNumber><ETag>", i + 1);
		tl_xml_escape(&b, u->etags[i], strlen(u->etags[i]));
		tl_buf_adds(&b, "</ETag></Part>");
	}
	tl_buf_adds(&b, "</CompleteMultipartUpload>");
	struct tl_http_headers h = { 0 };
	tl_http_headers_set(&h, "Content-Type", "application/xml");
	char *md5 = content_md5(b.data, b.len);
	tl_http_headers_set(&h, "Content-MD5", md5);
	free(md5);
	char *q = mpu_query(u, 0);
	char *url = tl_s3_request_url(u->s, u->bucket, u->key, q);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	int rc = send(u->s, "POST", url, &h, b.data, b.len, NULL, NULL, &resp, "NoSuchUpload", err);
	if (rc == 0) {
		/* a 200 may still carry an <Error>; the result's root name varies (moto says
		 * CompleteMultipartUploadResponse) */
		char *xerr = NULL;
		struct tl_xml_node *x = tl_xml_parse(resp.body.data ? resp.body.data : "",
						     resp.body.len, &xerr);
		if (x && strcmp(x->name, "Error") == 0) {
			err_set(err, resp.status, tl_xml_text(x, "Error/Code"),
				tl_xml_text(x, "Error/Message"));
			rc = -1;
		} else if (!x) {
			char *m = xasprintf("CompleteMultipartUpload: unexpected answer: %s: %.200s",
					    xerr ? xerr : "?", resp.body.data ? resp.body.data : "(empty)");
			err_set(err, resp.status, "InvalidResponse", m);
			free(m);
			rc = -1;
		}
		free(xerr);
		tl_xml_free(x);
	}
	tl_http_resp_free(&resp);
	tl_http_headers_free(&h);
	tl_buf_release(&b);
	free(url);
	free(q);
	return rc;
}

static int mpu_abort(struct mpu *u, struct tl_aws_error *err)
{
	char *q = mpu_query(u, 0);
	char *url = tl_s3_request_url(u->s, u->bucket, u->key, q);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	int rc = send(u->s, "DELETE", url, NULL, NULL, 0, NULL, NULL, &resp, "NoSuchUpload", err);
	tl_http_resp_free(&resp);
	free(url);
	free(q);
	return rc;
}

static void mpu_free(struct mpu *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++)
		free(u->etags[i]);
	free(u->etags);
	free(u->bucket);
	free(u->key);
	free(u->id);
	free(u);
}

/* Reads exactly n bytes at off (short only at end of file). */
static ssize_t pread_full(int fd, char *buf, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, off + (off_t)got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int tl_s3_upload_fd(struct tl_s3 *s, const char *bucket, const char *key, int fd,
		    size_t part_size, const struct tl_s3_put_opts *opts, struct tl_aws_error *err)
{
	if (part_size == 0)
		part_size = DEFAULT_PART;
	if (part_size < MIN_PART)
		part_size = MIN_PART;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0) {
		err_set(err, 0, "LocalError", strerror(errno));
		return -1;
	}
	size_t first = (size_t)size < part_size ? (size_t)size : part_size;
	char *buf = xmalloc(first ? first : 1);
	int rc = -1;
	ssize_t r = pread_full(fd, buf, first, 0);
	if (r < 0 || (size_t)r != first) {
		err_set(err, 0, "LocalError", r < 0 ? strerror(errno) : "spool file shrank");
		goto out;
	}
	if ((size_t)size <= part_size) {
		rc = tl_s3_put_object(s, bucket, key, buf, first, opts, NULL, err);
		goto out;
	}
	struct mpu *u = mpu_create(s, bucket, key, opts, err);
	if (!u)
		goto out;
	off_t off = 0;
	rc = 0;
	while (off < size) {
		size_t n = (size_t)(size - off) < part_size ? (size_t)(size - off) : part_size;
		if (off > 0) {
			r = pread_full(fd, buf, n, off);
			if (r < 0 || (size_t)r != n) {
				err_set(err, 0, "LocalError", r < 0 ? strerror(errno) : "spool file shrank");
				rc = -1;
				break;
			}
		}
		if (mpu_part(u, buf, n, err) != 0) {
			rc = -1;
			break;
		}
		off += (off_t)n;
	}
	if (rc == 0)
		rc = mpu_complete(u, err);
	if (rc != 0) {
		if (mpu_abort(u, NULL) != 0)
			tl_warn("could not abort the multipart upload of s3://%s/%s (upload id %s): "
				"a lifecycle rule for incomplete uploads will clean it", bucket, key,
				mpu_id(u));
	}
	mpu_free(u);
out:
	free(buf);
	return rc;
}

/* ---- reading ------------------------------------------------------------------------------ */

struct get_ctx {
	tl_http_write_fn fn;
	void *ctx;
	int64_t delivered; /* bytes given to fn in all attempts */
	int64_t pos;       /* bytes seen in this attempt */
	bool aborted;
};

static int get_write(const char *p, size_t n, void *vctx)
{
	struct get_ctx *g = vctx;
	/* on a retry the body starts again: skip what fn already has */
	int64_t end = g->pos + (int64_t)n;
	if (end <= g->delivered) {
		g->pos = end;
		return 0;
	}
	size_t skip = g->pos < g->delivered ? (size_t)(g->delivered - g->pos) : 0;
	g->pos = end;
	if (g->fn(p + skip, n - skip, g->ctx) != 0) {
		g->aborted = true;
		return -1;
	}
	g->delivered = end;
	return 0;
}

int tl_s3_get_object(struct tl_s3 *s, const char *bucket, const char *key, int64_t range_first,
		     int64_t range_last, tl_http_write_fn fn, void *ctx, struct tl_aws_error *err)
{
	struct tl_http_headers h = { 0 };
	char *url = tl_s3_request_url(s, bucket, key, NULL);
	struct get_ctx g = { fn, ctx, 0, 0, false };
	int rc = -1;
	for (int attempt = 0; attempt < 4; attempt++) {
		int64_t from = (range_first >= 0 ? range_first : 0) + g.delivered;
		tl_http_headers_free(&h);
		memset(&h, 0, sizeof(h));
		if (range_first >= 0 || g.delivered > 0) {
			char *r = range_last >= 0 ? xasprintf("bytes=%" PRId64 "-%" PRId64, from, range_last)
						  : xasprintf("bytes=%" PRId64 "-", from);
			tl_http_headers_set(&h, "Range", r);
			free(r);
		}
		int64_t before = g.delivered;
		g.pos = g.delivered; /* the Range starts where we stopped */
		struct tl_http_resp resp;
		tl_http_resp_init(&resp);
		if (err) {
			tl_aws_error_free(err);
			memset(err, 0, sizeof(*err));
		}
		rc = send(s, "GET", url, &h, NULL, 0, get_write, &g, &resp, "NoSuchKey", err);
		tl_http_resp_free(&resp);
		if (rc == 0 || g.aborted || g.delivered == before)
			break;
		/* cut off after some bytes: ask for the rest */
		tl_debug("GetObject s3://%s/%s cut at byte %" PRId64 "; resuming", bucket, key,
			 g.delivered);
	}
	if (g.aborted) {
		err_set(err, 0, "Aborted", "stopped by the reader");
		rc = -1;
	}
	tl_http_headers_free(&h);
	free(url);
	return rc;
}

/* "Wed, 25 Nov 2026 03:04:05 GMT" */
static int64_t http_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int d, y, hh, mm, ss;
	char mon[4];
	if (!s || sscanf(s, "%*3s, %d %3s %d %d:%d:%d", &d, mon, &y, &hh, &mm, &ss) != 6)
		return 0;
	const char *m = strstr(months, mon);
	if (!m || (m - months) % 3 != 0)
		return 0;
	int month = (int)(m - months) / 3 + 1;
	return (tl_days_from_civil(y, month, d) * 86400 + hh * 3600 + mm * 60 + ss) * 1000;
}

void tl_s3_object_free(struct tl_s3_object *o)
{
	free(o->key);
	free(o->etag);
	memset(o, 0, sizeof(*o));
}

int tl_s3_head_object(struct tl_s3 *s, const char *bucket, const char *key,
		      struct tl_s3_object *out, struct tl_aws_error *err)
{
	char *url = tl_s3_request_url(s, bucket, key, NULL);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	int rc = send(s, "HEAD", url, NULL, NULL, 0, NULL, NULL, &resp, "NotFound", err);
	if (rc == 0) {
		memset(out, 0, sizeof(*out));
		out->key = xstrdup(key);
		const char *cl = tl_http_headers_get(&resp.headers, "Content-Length");
		if (!cl || tl_parse_i64(cl, 0, INT64_MAX, &out->size) != 0)
			out->size = 0;
		const char *et = tl_http_headers_get(&resp.headers, "ETag");
		out->etag = et ? xstrdup(et) : NULL;
		out->last_modified_ms = http_date(tl_http_headers_get(&resp.headers, "Last-Modified"));
	}
	tl_http_resp_free(&resp);
	free(url);
	return rc;
}

int tl_s3_delete_object(struct tl_s3 *s, const char *bucket, const char *key,
			struct tl_aws_error *err)
{
	char *url = tl_s3_request_url(s, bucket, key, NULL);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	int rc = send(s, "DELETE", url, NULL, NULL, 0, NULL, NULL, &resp, "NoSuchBucket", err);
	tl_http_resp_free(&resp);
	free(url);
	return rc;
}

int tl_s3_list(struct tl_s3 *s, const char *bucket, const char *prefix, const char *delimiter,
	       tl_s3_list_fn fn, void *ctx, struct tl_aws_error *err)
{
	char *token = NULL;
	int rc = 0;
	bool stop = false;
	struct tl_pages pages = TL_PAGES_INIT;
	while (!stop) {
		/* parameters in the order SigV4's canonical query wants them */
		struct tl_buf q = TL_BUF_INIT;
		tl_buf_adds(&q, "");
		if (token) {
			char *t = tl_url_encode(token, strlen(token));
			tl_buf_addf(&q, "continuation-token=%s&", t);
			free(t);
		}
		if (delimiter && *delimiter) {
			char *d = tl_url_encode(delimiter, strlen(delimiter));
			tl_buf_addf(&q, "delimiter=%s&", d);
			free(d);
		}
		tl_buf_adds(&q, "list-type=2");
		if (s->list_page > 0)
			tl_buf_addf(&q, "&max-keys=%d", s->list_page);
		if (prefix && *prefix) {
			char *p = tl_url_encode(prefix, strlen(prefix));
			tl_buf_addf(&q, "&prefix=%s", p);
			free(p);
		}
		char *url = tl_s3_request_url(s, bucket, NULL, q.data);
		tl_buf_release(&q);
		struct tl_http_resp resp;
		tl_http_resp_init(&resp);
		rc = send(s, "GET", url, NULL, NULL, 0, NULL, NULL, &resp, "NoSuchBucket", err);
		free(url);
		if (rc != 0) {
			tl_http_resp_free(&resp);
			break;
		}
		char *xerr = NULL;
		struct tl_xml_node *x = tl_xml_parse(resp.body.data ? resp.body.data : "",
						     resp.body.len, &xerr);
		tl_http_resp_free(&resp);
		if (!x || strcmp(x->name, "ListBucketResult") != 0) {
			err_set(err, 200, "InvalidResponse", xerr ? xerr : "ListObjectsV2: unexpected answer");
			free(xerr);
			tl_xml_free(x);
			rc = -1;
			break;
		}
		for (const struct tl_xml_node *c = tl_xml_child(x, "Contents"); c && !stop;
		     c = tl_xml_next(c)) {
			struct tl_s3_object o;
			memset(&o, 0, sizeof(o));
			o.key = (char *)tl_xml_child_text(c, "Key");
			if (!o.key)
				continue;
			const char *sz = tl_xml_child_text(c, "Size");
			if (!sz || tl_parse_i64(sz, 0, INT64_MAX, &o.size) != 0)
				o.size = 0;
			o.etag = (char *)tl_xml_child_text(c, "ETag");
			const char *lm = tl_xml_child_text(c, "LastModified");
			int64_t ms = 0;
			if (lm && tl_time_parse(lm, strlen(lm), &ms) == 0)
				o.last_modified_ms = ms;
			if (fn(&o, ctx) != 0)
				stop = true;
		}
		for (const struct tl_xml_node *c = tl_xml_child(x, "CommonPrefixes"); c && !stop;
		     c = tl_xml_next(c)) {
			struct tl_s3_object o;
			memset(&o, 0, sizeof(o));
			o.key = (char *)tl_xml_child_text(c, "Prefix");
			o.is_prefix = true;
			if (o.key && fn(&o, ctx) != 0)
				stop = true;
		}
		const char *trunc = tl_xml_child_text(x, "IsTruncated");
		const char *next = tl_xml_child_text(x, "NextContinuationToken");
		free(token);
		token = NULL;
		if (stop || !trunc || strcmp(trunc, "true") != 0) {
			stop = true;
		} else if (!next || !*next) {
			err_set(err, 200, "InvalidResponse",
				"ListObjectsV2: a truncated page without NextContinuationToken");
			rc = -1;
			stop = true;
		} else if (tl_pages_next(&pages, next) < 0) {
			err_set(err, 200, "RepeatedToken",
				"ListObjectsV2 gave a continuation token it had given before: the "
				"listing would never end");
			rc = -1;
			stop = true;
		} else {
			token = xstrdup(next);
		}
		tl_xml_free(x);
	}
	free(token);
	tl_pages_release(&pages);
	return rc;
}

/* ---- buckets ------------------------------------------------------------------------------- */

int tl_s3_head_bucket(struct tl_s3 *s, const char *bucket, struct tl_aws_error *err)
{
	char *url = tl_s3_request_url(s, bucket, NULL, NULL);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	int rc = send(s, "HEAD", url, NULL, NULL, 0, NULL, NULL, &resp, "NoSuchBucket", err);
	tl_http_resp_free(&resp);
	free(url);
	return rc;
}

int tl_s3_create_bucket(struct tl_s3 *s, const char *bucket, struct tl_aws_error *err)
{
	const char *region = tl_aws_region(s->aws);
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_adds(&b, "");
	struct tl_http_headers h = { 0 };
	if (region && strcmp(region, "us-east-1") != 0) {
		tl_buf_adds(&b, "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
				"<LocationConstraint>");
		tl_xml_escape(&b, region, strlen(region));
		tl_buf_adds(&b, "</LocationConstraint></CreateBucketConfiguration>");
		tl_http_headers_set(&h, "Content-Type", "application/xml");
	}
	char *url = tl_s3_request_url(s, bucket, NULL, NULL);
	struct tl_http_resp resp;
	tl_http_resp_init(&resp);
	int rc = send(s, "PUT", url, &h, b.data, b.len, NULL, NULL, &resp, NULL, err);
	tl_http_resp_free(&resp);
	tl_http_headers_free(&h);
	tl_buf_release(&b);
	free(url);
	return rc;
}
