/* tl_awscache.c: botocore's JSONFileCache (utils.py) and the json.dumps text its keys hash. */
#include "tl_awscache.h"
#include "tl_alloc.h"
#include "tl_awsconf.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_str.h"
#include "tl_time.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_FILE_MAX ((size_t)1 << 20)

char *tl_awscache_dir(enum tl_awscache_dir which)
{
	return tl_awsconf_expand_path(which == TL_AWSCACHE_SSO ? "~/.aws/sso/cache"
							       : "~/.aws/cli/cache");
}

void tl_awscache_sha1_hex(const void *s, size_t n, char hex[41])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(s, n, md, &mdlen, EVP_sha1(), NULL);
	for (unsigned int i = 0; i < 20; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[40] = '\0';
}

cJSON *tl_awscache_load(const char *dir, const char *key, char **err)
{
	*err = NULL;
	char *path = xasprintf("%s/%s.json", dir, key);
	size_t len;
	char *text = tl_read_path(path, CACHE_FILE_MAX, &len);
	if (!text) {
		if (errno != ENOENT && errno != ENOTDIR)
			*err = xasprintf("%s: %s", path, errno == E2BIG ? "too large" : strerror(errno));
		free(path);
		return NULL;
	}
	/* strict JSON in UTF-8, as Python's json.load takes it (cJSON alone is lenient) */
	const char *why;
	size_t at;
	cJSON *j = tl_json_validate(text, len, &why, &at) == 0 ? tl_json_parse(text, len, NULL) : NULL;
	explicit_bzero(text, len);
	free(text);
	if (!j || !cJSON_IsObject(j)) {
		tl_json_delete_secret(j);
		*err = xasprintf("%s: not a JSON object", path);
		j = NULL;
	}
	free(path);
	return j;
}

/* mkdir -p, the folders made here private. */
static int make_dirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

int tl_awscache_store(const char *dir, const char *key, const char *text, size_t len,
		      char **err)
{
	struct stat st;
	*err = NULL;
	if ((stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) && make_dirs(dir) < 0) {
		*err = xasprintf("cannot make the folder %s: %s", dir, strerror(errno));
		return -1;
	}
	char *tmp = xasprintf("%s/.%s.XXXXXX.tmp", dir, key);
	char *path = xasprintf("%s/%s.json", dir, key);
	int fd = mkostemps(tmp, 4, O_CLOEXEC); /* 0600 */
	int rc = -1;
	if (fd < 0) {
		*err = xasprintf("cannot write in %s: %s", dir, strerror(errno));
		goto out;
	}
	if (tl_write_all(fd, text, len) < 0 || fsync(fd) < 0) {
		*err = xasprintf("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}

/* A string as json.dumps(ensure_ascii=True) writes it (py_encode_basestring_ascii). Invalid
 * UTF-8 cannot come from a parsed document; a stray byte is written as its own code point. */
static int add_pystr(struct tl_buf *b, const char *s)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	int rc = tl_buf_addc(b, '"');
	for (size_t i = 0; i < n && rc == 0;) {
		unsigned char c = p[i];
		unsigned long cp = c;
		size_t len = 1;
		if (c >= 0x80) {
			len = tl_utf8_seq(p + i, n - i);
			if (len == 0) {
				len = 1;
			} else if (len == 2) {
				cp = ((c & 0x1fUL) << 6) | (p[i + 1] & 0x3f);
			} else if (len == 3) {
				cp = ((c & 0x0fUL) << 12) | ((p[i + 1] & 0x3fUL) << 6) | (p[i + 2] & 0x3f);
			} else {
				cp = ((c & 0x07UL) << 18) | ((p[i + 1] & 0x3fUL) << 12) |
				     ((p[i + 2] & 0x3fUL) << 6) | (p[i + 3] & 0x3f);
			}
		}
		i += len;
		const char *esc = NULL;
		switch (cp) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		}
		if (esc) {
			rc = tl_buf_adds(b, esc);
			continue;
		}
		if (cp >= 0x20 && cp <= 0x7e) {
			rc = tl_buf_addc(b, (char)cp);
			continue;
		}
		unsigned long units[2] = { cp, 0 };
		int nu = 1;
		if (cp > 0xffff) {
			cp -= 0x10000;
			units[0] = 0xd800 | (cp >> 10);
			units[1] = 0xdc00 | (cp & 0x3ff);
			nu = 2;
		}
		for (int u = 0; u < nu && rc == 0; u++) {
			char e[7] = { '\\', 'u', digits[(units[u] >> 12) & 15],
				      digits[(units[u] >> 8) & 15], digits[(units[u] >> 4) & 15],
				      digits[units[u] & 15], '\0' };
			rc = tl_buf_adds(b, e);
		}
	}
	return rc ? rc : tl_buf_addc(b, '"');
}

static int cmp_members(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string); /* UTF-8 byte order is code point order */
}

int tl_awscache_pydumps(struct tl_buf *b, const cJSON *v, bool sort_keys, bool compact)
{
	const char *item_sep = compact ? "," : ", ", *key_sep = compact ? ":" : ": ";
	if (cJSON_IsNull(v))
		return tl_buf_adds(b, "null");
	if (cJSON_IsTrue(v))
		return tl_buf_adds(b, "true");
	if (cJSON_IsFalse(v))
		return tl_buf_adds(b, "false");
	if (cJSON_IsString(v))
		return add_pystr(b, v->valuestring);
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (isnan(d))
			return tl_buf_adds(b, "NaN");
		if (isinf(d))
			return tl_buf_adds(b, d > 0 ? "Infinity" : "-Infinity");
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			return tl_buf_addf(b, "%lld", (long long)d);
		/* the shortest text that reads back as d, as Python's repr() */
		char t[40];
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(t, sizeof t, "%.*g", prec, d);
			if (strtod(t, NULL) == d)
				break;
		}
		return tl_buf_adds(b, t);
	}
	if (cJSON_IsArray(v)) {
		int rc = tl_buf_addc(b, '[');
		for (const cJSON *e = v->child; e && rc == 0; e = e->next) {
			if (e != v->child)
				rc = tl_buf_adds(b, item_sep);
			if (rc == 0)
				rc = tl_awscache_pydumps(b, e, sort_keys, compact);
		}
		return rc ? rc : tl_buf_addc(b, ']');
	}
	if (!cJSON_IsObject(v))
		return tl_buf_adds(b, "null");
	size_t n = 0;
	for (const cJSON *e = v->child; e; e = e->next)
		n++;
	const cJSON **m = xcalloc(n ? n : 1, sizeof *m);
	n = 0;
	for (const cJSON *e = v->child; e; e = e->next)
		m[n++] = e;
	if (sort_keys)
		qsort(m, n, sizeof *m, cmp_members);
	int rc = tl_buf_addc(b, '{');
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i)
			rc = tl_buf_adds(b, item_sep);
		if (rc == 0)
			rc = add_pystr(b, m[i]->string ? m[i]->string : "");
		if (rc == 0)
			rc = tl_buf_adds(b, key_sep);
		if (rc == 0)
			rc = tl_awscache_pydumps(b, m[i], sort_keys, compact);
	}
	free(m);
	return rc ? rc : tl_buf_addc(b, '}');
}

int tl_awscache_time(const char *s, int64_t *ms)
{
	if (!s || !*s)
		return -1;
	size_t n = strlen(s);
	if (n > 3 && strcmp(s + n - 3, "UTC") == 0) {
		char *z = xasprintf("%.*sZ", (int)(n - 3), s);
		int rc = tl_time_parse(z, strlen(z), ms);
		free(z);
		return rc;
	}
	return tl_time_parse(s, n, ms);
}
