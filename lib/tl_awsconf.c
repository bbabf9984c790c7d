/* tl_awsconf.c: the shared config and credentials files, parsed as botocore parses them
 * (configloader.py over Python's configparser), and the profile, region and endpoint choices.
 */
#include "tl_awsconf.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_MAX ((size_t)16 << 20) /* no sane AWS config file comes near this */

struct kv {
	char *key;
	char *value;
	struct kv *sub; /* the nested "k = v" pairs of a value that starts with "\n" */
	size_t nsub;
};

enum sect_kind { SECT_OTHER, SECT_PROFILE, SECT_SERVICES, SECT_SSO };

struct section {
	char *name;
	enum sect_kind kind;
	char *pname; /* the profile or services name it stands for */
	struct kv *kv;
	size_t nkv, cap;
};

struct ini {
	char *path;      /* NULL: switched off */
	bool present;    /* a regular file was there and read */
	struct section *sec;
	size_t nsec, cap;
	struct section defaults; /* "[DEFAULT]" */
};

struct tl_awsconf {
	struct ini config, creds;
	char *profile;
	bool explicit_profile;
};

/* ---- small string helpers ---- */

/* Python's str.isspace() over ASCII, which strip() and the regexes of configparser use. */
static bool is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Trims s[0..*n) in place (returns the new start). */
static const char *trim(const char *s, size_t *n)
{
	size_t a = 0, b = *n;
	while (a < b && is_space((unsigned char)s[a]))
		a++;
	while (b > a && is_space((unsigned char)s[b - 1]))
		b--;
	*n = b - a;
	return s + a;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* ---- shlex.split ---- */

void tl_shlex_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

char **tl_shlex_split(const char *s, size_t *n, const char **err)
{
	char **v = NULL;
	size_t nv = 0;
	struct tl_buf w = TL_BUF_INIT;
	bool in_word = false;
	const char *p = s;

	*err = NULL;
	for (;;) {
		char c = *p;
		if (c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (in_word) {
				v = xrealloc(v, (nv + 2) * sizeof *v);
				v[nv++] = xstrdup(tl_buf_str(&w));
				tl_buf_reset(&w);
				in_word = false;
			}
			if (c == '\0')
				break;
			p++;
			continue;
		}
		in_word = true;
		if (c == '\\') {
			if (p[1] == '\0') {
				*err = "no escaped character";
				goto fail;
			}
			tl_buf_addc(&w, p[1]);
			p += 2;
		} else if (c == '\'') {
			const char *e = strchr(p + 1, '\'');
			if (!e) {
				*err = "no closing quotation";
				goto fail;
			}
			tl_buf_add(&w, p + 1, (size_t)(e - p - 1));
			p = e + 1;
		} else if (c == '"') {
			p++;
			for (;;) {
				if (*p == '\0') {
					*err = "no closing quotation";
					goto fail;
				}
				if (*p == '"')
					break;
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
					tl_buf_addc(&w, p[1]);
					p += 2;
					continue;
				}
				tl_buf_addc(&w, *p++);
			}
			p++;
		} else {
			tl_buf_addc(&w, c);
			p++;
		}
	}
	tl_buf_release(&w);
	if (!v)
		v = xcalloc(1, sizeof *v);
	else
		v[nv] = NULL;
	*n = nv;
	return v;
fail:
	tl_buf_release(&w);
	if (v) {
		v[nv] = NULL;
		tl_shlex_free(v);
	}
	return NULL;
}

/* ---- the INI parser ---- */

static void section_free(struct section *s)
{
	for (size_t i = 0; i < s->nkv; i++) {
		free(s->kv[i].key);
		tl_secret_free(s->kv[i].value); /* aws_secret_access_key, aws_session_token */
		for (size_t j = 0; j < s->kv[i].nsub; j++) {
			free(s->kv[i].sub[j].key);
			tl_secret_free(s->kv[i].sub[j].value);
		}
		free(s->kv[i].sub);
	}
	free(s->kv);
	free(s->name);
	free(s->pname);
	memset(s, 0, sizeof *s);
}

static void ini_free(struct ini *f)
{
	for (size_t i = 0; i < f->nsec; i++)
		section_free(&f->sec[i]);
	free(f->sec);
	section_free(&f->defaults);
	free(f->path);
	memset(f, 0, sizeof *f);
}

static struct kv *section_find(const struct section *s, const char *key)
{
	for (size_t i = 0; i < s->nkv; i++)
		if (strcmp(s->kv[i].key, key) == 0)
			return &s->kv[i];
	return NULL;
}

/* The value of key in section s, falling back to [DEFAULT] as configparser does. */
static const struct kv *ini_lookup(const struct ini *f, const struct section *s, const char *key)
{
	const struct kv *kv = section_find(s, key);
	if (!kv)
		kv = section_find(&f->defaults, key);
	return kv;
}

/* Builds the nested pairs of a value that starts with "\n" (botocore's _parse_nested). */
static int parse_nested(struct kv *kv)
{
	const char *p = kv->value;
	while (*p) {
		/* Python's splitlines() also breaks at \v, \f and \x1c-\x1e. */
		size_t n = strcspn(p, "\n\r\v\f\x1c\x1d\x1e");
		const char *e = p[n] ? p + n : NULL;
		const char *line = trim(p, &n);
		p = e ? e + 1 : p + strlen(p);
		if (n == 0)
			continue;
		const char *eq = memchr(line, '=', n);
		if (!eq)
			return -1;
		size_t kn = (size_t)(eq - line), vn = n - kn - 1;
		const char *k = trim(line, &kn), *v = trim(eq + 1, &vn);
		kv->sub = xrealloc(kv->sub, (kv->nsub + 1) * sizeof *kv->sub);
		kv->sub[kv->nsub].key = xstrndup(k, kn);
		kv->sub[kv->nsub].value = xstrndup(v, vn);
		kv->sub[kv->nsub].sub = NULL;
		kv->sub[kv->nsub].nsub = 0;
		kv->nsub++;
	}
	return 0;
}

/* Stores the value being built in *val (trailing white space trimmed, as configparser's
 * rstrip() after joining the lines) into *kv, and ends it. */
static void store_value(struct kv **kv, struct tl_buf **val)
{
	if (*kv && *val) {
		size_t vl = (*val)->len;
		while (vl > 0 && is_space((unsigned char)(*val)->data[vl - 1]))
			vl--;
		(*kv)->value = xstrndup((*val)->data ? (*val)->data : "", vl);
		tl_buf_reset(*val);
	}
	*kv = NULL;
	*val = NULL;
}

/* Parses text as configparser's RawConfigParser(strict=True) reads a file. Returns 0, or -1
 * with *err naming the path and line. */
static int ini_parse(struct ini *f, const char *text, size_t len, char **err)
{
	struct section *cur = NULL;
	struct tl_buf *val = NULL; /* the value being built: &vbuf while it may be continued */
	struct tl_buf vbuf = TL_BUF_INIT;
	struct kv *curkv = NULL;
	size_t indent_level = 0;
	size_t lineno = 0, bad_line = 0;
	const char *bad_why = NULL;
	size_t i = 0;
	int rc = -1;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	if (memchr(text, '\0', len)) {
		*err = xasprintf("%s: contains a NUL byte", f->path);
		return -1;
	}
	while (i < len) {
		size_t s = i;
		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		size_t n = i - s;
		if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			i += 2;
		else if (i < len)
			i++;
		lineno++;
		const char *line = text + s;
		size_t vn = n;
		const char *value = trim(line, &vn);
		bool comment = vn > 0 && (value[0] == '#' || value[0] == ';');
		if (vn == 0 || comment) {
			/* A blank line inside a value is kept (and trimmed off at its end). */
			if (!comment && curkv && val)
				tl_buf_addc(val, '\n');
			continue;
		}
		size_t cur_indent = (size_t)(value - line);
		if (cur && curkv && val && cur_indent > indent_level) {
			tl_buf_addc(val, '\n');
			tl_buf_add(val, value, vn);
			continue;
		}
		indent_level = cur_indent;
		/* a section header? "\[(?P<header>.+)\]" matched at the start */
		const char *rb = vn >= 3 && value[0] == '[' ? memrchr(value + 2, ']', vn - 2) : NULL;
		if (rb) {
			store_value(&curkv, &val);
			char *name = xstrndup(value + 1, (size_t)(rb - value - 1));
			if (strcmp(name, "DEFAULT") == 0) {
				cur = &f->defaults;
				free(name);
				continue;
			}
			for (size_t k = 0; k < f->nsec; k++) {
				if (strcmp(f->sec[k].name, name) == 0) {
					*err = xasprintf("%s: line %zu: section [%s] already exists",
							 f->path, lineno, name);
					free(name);
					goto out;
				}
			}
			if (f->nsec == f->cap) {
				f->cap = f->cap ? 2 * f->cap : 8;
				f->sec = xrealloc(f->sec, f->cap * sizeof *f->sec);
			}
			cur = &f->sec[f->nsec++];
			memset(cur, 0, sizeof *cur);
			cur->name = name;
			continue;
		}
		if (!cur) {
			*err = xasprintf("%s: line %zu: file contains no section headers", f->path,
					 lineno);
			goto out;
		}
		store_value(&curkv, &val);
		const char *d = NULL;
		for (size_t k = 0; k < vn; k++) {
			if (value[k] == '=' || value[k] == ':') {
				d = value + k;
				break;
			}
		}
		size_t kn = d ? (size_t)(d - value) : 0;
		const char *key = d ? trim(value, &kn) : NULL;
		if (!d || kn == 0) {
			if (!bad_line) {
				bad_line = lineno;
				bad_why = d ? "no key before the delimiter" : "no \"=\" or \":\"";
			}
			continue;
		}
		char *lkey = xstrndup(key, kn);
		for (char *q = lkey; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		if (section_find(cur, lkey)) {
			*err = xasprintf("%s: line %zu: key \"%s\" already set in [%s]", f->path,
					 lineno, lkey, cur->name ? cur->name : "DEFAULT");
			free(lkey);
			goto out;
		}
		if (cur->nkv == cur->cap) {
			cur->cap = cur->cap ? 2 * cur->cap : 8;
			cur->kv = xrealloc(cur->kv, cur->cap * sizeof *cur->kv);
		}
		curkv = &cur->kv[cur->nkv++];
		memset(curkv, 0, sizeof *curkv);
		curkv->key = lkey;
		size_t rn = vn - (size_t)(d + 1 - value);
		const char *rest = trim(d + 1, &rn);
		val = &vbuf;
		tl_buf_reset(val);
		tl_buf_add(val, rest, rn);
	}
	store_value(&curkv, &val);
	if (bad_line) {
		*err = xasprintf("%s: line %zu: cannot parse: %s", f->path, bad_line, bad_why);
		goto out;
	}
	/* Nested blocks, as botocore's raw_config_parse does for every value of every section
	 * (the [DEFAULT] values only reach it through a section). */
	for (size_t k = 0; k <= f->nsec && f->nsec > 0; k++) {
		struct section *sec = k < f->nsec ? &f->sec[k] : &f->defaults;
		for (size_t j = 0; j < sec->nkv; j++) {
			if (sec->kv[j].value[0] == '\n' && parse_nested(&sec->kv[j]) < 0) {
				*err = xasprintf("%s: [%s] %s: a nested line has no \"=\"", f->path,
						 sec->name ? sec->name : "DEFAULT", sec->kv[j].key);
				goto out;
			}
		}
	}
	rc = 0;
out:
	/* A key whose value never got stored (error paths) gets an empty one for the free. */
	for (size_t k = 0; k <= f->nsec; k++) {
		struct section *sec = k < f->nsec ? &f->sec[k] : &f->defaults;
		for (size_t j = 0; j < sec->nkv; j++)
			if (!sec->kv[j].value)
				sec->kv[j].value = xstrdup("");
	}
	tl_buf_release_secret(&vbuf);
	return rc;
}

/* Names the sections of a file: profiles and services in the config file (build_profile_map),
 * every section a profile in the credentials file. */
static void ini_classify(struct ini *f, bool config)
{
	for (size_t k = 0; k < f->nsec; k++) {
		struct section *s = &f->sec[k];
		if (!config) {
			s->kind = SECT_PROFILE;
			s->pname = xstrdup(s->name);
			continue;
		}
		enum sect_kind kind = SECT_OTHER;
		if (strncmp(s->name, "profile", 7) == 0)
			kind = SECT_PROFILE;
		else if (strncmp(s->name, "sso-session", 11) == 0)
			kind = SECT_SSO;
		else if (strncmp(s->name, "services", 8) == 0)
			kind = SECT_SERVICES;
		else if (strcmp(s->name, "default") == 0) {
			s->kind = SECT_PROFILE;
			s->pname = xstrdup("default");
			continue;
		}
		if (kind == SECT_OTHER)
			continue;
		size_t n;
		const char *why;
		char **parts = tl_shlex_split(s->name, &n, &why);
		if (parts && n == 2) {
			s->kind = kind;
			s->pname = xstrdup(parts[1]);
		}
		tl_shlex_free(parts);
	}
}

const char *tl_awsconf_ca_bundle(const struct tl_awsconf *c)
{
	const char *ca = getenv("AWS_CA_BUNDLE");
	if (ca && *ca)
		return ca;
	ca = c ? tl_awsconf_get(c, "ca_bundle") : NULL;
	return ca && *ca ? ca : NULL;
}

/* os.path.expandvars then os.path.expanduser. */
char *tl_awsconf_expand_path(const char *p)
{
	struct tl_buf b = TL_BUF_INIT;
	for (size_t i = 0; p[i];) {
		if (p[i] == '$') {
			size_t s = i + 1, e;
			bool brace = p[s] == '{';
			if (brace) {
				const char *c = strchr(p + s + 1, '}');
				e = c ? (size_t)(c - p) : 0;
				s++;
			} else {
				e = s;
				while (isalnum((unsigned char)p[e]) || p[e] == '_')
					e++;
			}
			if (e > s) {
				char *name = xstrndup(p + s, e - s);
				const char *v = getenv(name);
				free(name);
				if (v) {
					tl_buf_adds(&b, v);
					i = e + (brace ? 1 : 0);
					continue;
				}
			}
		}
		tl_buf_addc(&b, p[i++]);
	}
	char *s = tl_buf_detach(&b, NULL);
	if (s[0] != '~')
		return s;
	size_t ul = strcspn(s + 1, "/");
	const char *home = NULL;
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	if (ul == 0) {
		home = getenv("HOME");
		if (!home && getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &res) == 0 && res)
			home = res->pw_dir;
	} else {
		char *user = xstrndup(s + 1, ul);
		if (getpwnam_r(user, &pw, pwbuf, sizeof pwbuf, &res) == 0 && res)
			home = res->pw_dir;
		free(user);
	}
	if (!home)
		return s;
	size_t hl = strlen(home);
	while (hl > 1 && home[hl - 1] == '/')
		hl--;
	char *r = xasprintf("%.*s%s", (int)hl, home, s + 1 + ul);
	free(s);
	return r;
}

/* Reads and parses one file. A missing or non-regular file is an empty one. */
static int ini_load(struct ini *f, const char *env, const char *dflt, bool config, char **err)
{
	const char *e = getenv(env);
	if (e && !*e)
		return 0; /* set but empty: botocore finds no file there */
	f->path = tl_awsconf_expand_path(e ? e : dflt);
	struct stat st;
	if (stat(f->path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tl_warn("cannot read %s: %s; ignoring it", f->path, strerror(errno));
		return 0;
	}
	size_t len;
	char *text = tl_read_fd(fd, CONF_MAX, &len);
	if (!text) {
		*err = xasprintf("%s: %s", f->path, errno == E2BIG ? "too large" : strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	f->present = true;
	int rc = ini_parse(f, text, len, err);
	explicit_bzero(text, len); /* a credentials file */
	free(text);
	if (rc == 0)
		ini_classify(f, config);
	return rc;
}

/* ---- profiles ---- */

static const struct section *config_profile(const struct ini *f, const char *name)
{
	const struct section *found = NULL;
	for (size_t k = 0; k < f->nsec; k++)
		if (f->sec[k].kind == SECT_PROFILE && strcmp(f->sec[k].pname, name) == 0)
			found = &f->sec[k]; /* the last one wins, as in a Python dict */
	return found;
}

static const struct section *config_services(const struct ini *f, const char *name)
{
	const struct section *found = NULL;
	for (size_t k = 0; k < f->nsec; k++)
		if (f->sec[k].kind == SECT_SERVICES && strcmp(f->sec[k].pname, name) == 0)
			found = &f->sec[k];
	return found;
}

static const struct section *config_sso_session(const struct ini *f, const char *name)
{
	const struct section *found = NULL;
	for (size_t k = 0; k < f->nsec; k++)
		if (f->sec[k].kind == SECT_SSO && strcmp(f->sec[k].pname, name) == 0)
			found = &f->sec[k];
	return found;
}

bool tl_awsconf_has_sso_session(const struct tl_awsconf *c, const char *name)
{
	return config_sso_session(&c->config, name) != NULL;
}

const char *tl_awsconf_get_sso_session(const struct tl_awsconf *c, const char *name,
				       const char *key)
{
	const struct section *s = config_sso_session(&c->config, name);
	const struct kv *kv = s ? ini_lookup(&c->config, s, key) : NULL;
	return kv ? kv->value : NULL;
}

static const struct section *creds_profile(const struct ini *f, const char *name)
{
	for (size_t k = 0; k < f->nsec; k++)
		if (strcmp(f->sec[k].name, name) == 0)
			return &f->sec[k];
	return NULL;
}

bool tl_awsconf_has_profile(const struct tl_awsconf *c, const char *profile)
{
	return config_profile(&c->config, profile) || creds_profile(&c->creds, profile);
}

const char *tl_awsconf_get_in(const struct tl_awsconf *c, const char *profile, const char *key,
			      unsigned files)
{
	const struct section *s;
	const struct kv *kv;
	if ((files & TL_AWSCONF_CREDENTIALS) && (s = creds_profile(&c->creds, profile)) &&
	    (kv = ini_lookup(&c->creds, s, key)))
		return kv->value;
	if ((files & TL_AWSCONF_CONFIG) && (s = config_profile(&c->config, profile)) &&
	    (kv = ini_lookup(&c->config, s, key)))
		return kv->value;
	return NULL;
}

const char *tl_awsconf_get_profile(const struct tl_awsconf *c, const char *profile,
				   const char *key)
{
	return tl_awsconf_get_in(c, profile, key, TL_AWSCONF_CONFIG | TL_AWSCONF_CREDENTIALS);
}

const char *tl_awsconf_get(const struct tl_awsconf *c, const char *key)
{
	return tl_awsconf_get_profile(c, c->profile, key);
}

const char *tl_awsconf_profile(const struct tl_awsconf *c)
{
	return c->profile;
}

bool tl_awsconf_profile_explicit(const struct tl_awsconf *c)
{
	return c->explicit_profile;
}

const char *tl_awsconf_path(const struct tl_awsconf *c, enum tl_awsconf_file which)
{
	return which == TL_AWSCONF_CONFIG ? c->config.path : c->creds.path;
}

struct tl_awsconf *tl_awsconf_load(const char *profile, char **err)
{
	struct tl_awsconf *c = xcalloc(1, sizeof *c);
	*err = NULL;
	if (ini_load(&c->config, "AWS_CONFIG_FILE", "~/.aws/config", true, err) < 0 ||
	    ini_load(&c->creds, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", false, err) <
		    0) {
		tl_awsconf_free(c);
		return NULL;
	}
	const char *from = NULL;
	if (profile && *profile) {
		c->explicit_profile = true;
		from = "--profile";
	} else if ((profile = env_nonempty("AWS_PROFILE"))) {
		from = "AWS_PROFILE";
	} else if ((profile = env_nonempty("AWS_DEFAULT_PROFILE"))) {
		from = "AWS_DEFAULT_PROFILE";
	} else {
		profile = "default";
	}
	c->profile = xstrdup(profile);
	if (from && strcmp(profile, "default") != 0 && !tl_awsconf_has_profile(c, profile)) {
		*err = xasprintf("the config profile (%s) from %s could not be found in %s or %s",
				 profile, from, c->config.path ? c->config.path : "(no config file)",
				 c->creds.path ? c->creds.path : "(no credentials file)");
		tl_awsconf_free(c);
		return NULL;
	}
	const char *svc = tl_awsconf_get(c, "services");
	if (svc && !config_services(&c->config, svc)) {
		*err = xasprintf("profile %s uses the services section \"%s\", which does not "
				 "exist in %s", c->profile, svc,
				 c->config.path ? c->config.path : "(no config file)");
		tl_awsconf_free(c);
		return NULL;
	}
	return c;
}

void tl_awsconf_free(struct tl_awsconf *c)
{
	if (!c)
		return;
	ini_free(&c->config);
	ini_free(&c->creds);
	free(c->profile);
	free(c);
}

/* ---- region and endpoints ---- */

const char *tl_awsconf_region(const struct tl_awsconf *c, const char *flag)
{
	const char *r;
	if (flag && *flag)
		return flag;
	if ((r = env_nonempty("AWS_REGION")) || (r = env_nonempty("AWS_DEFAULT_REGION")))
		return r;
	r = c ? tl_awsconf_get(c, "region") : NULL;
	return r && *r ? r : NULL;
}

static char *clean_url(const char *u)
{
	size_t n = strlen(u);
	while (n > 0 && is_space((unsigned char)u[n - 1]))
		n--;
	while (n > 0 && u[n - 1] == '/')
		n--;
	return xstrndup(u, n);
}

static bool is_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

/* The host prefix of a service's AWS endpoint where it is not the service's name (botocore's
 * endpointPrefix): IAM Identity Center's portal and its OIDC service. */
static const char *endpoint_prefix(const char *snake)
{
	static const char *const map[][2] = { { "sso", "portal.sso" }, { "sso_oidc", "oidc" } };
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (strcmp(snake, map[i][0]) == 0)
			return map[i][1];
	return snake;
}

char *tl_awsconf_endpoint(const struct tl_awsconf *c, const char *service, const char *region,
			  const char *flag, bool *custom)
{
	bool dummy;
	if (!custom)
		custom = &dummy;
	*custom = true;
	if (flag && *flag)
		return clean_url(flag);

	/* "Elastic Beanstalk" -> elastic_beanstalk / AWS_ENDPOINT_URL_ELASTIC_BEANSTALK */
	char *snake = xstrdup(service);
	for (char *q = snake; *q; q++)
		*q = (*q == ' ' || *q == '-') ? '_' : (char)tolower((unsigned char)*q);

	const char *ign = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	bool ignore = ign && *ign ? is_true(ign)
				  : (c && is_true(tl_awsconf_get(c, "ignore_configured_endpoint_urls")));
	const char *u = NULL;
	if (!ignore) {
		struct tl_buf env = TL_BUF_INIT;
		tl_buf_adds(&env, "AWS_ENDPOINT_URL_");
		for (const char *q = snake; *q; q++)
			tl_buf_addc(&env, (char)toupper((unsigned char)*q));
		u = env_nonempty(tl_buf_str(&env));
		tl_buf_release(&env);
		if (!u)
			u = env_nonempty("AWS_ENDPOINT_URL");
		const char *svc = !u && c ? tl_awsconf_get(c, "services") : NULL;
		const struct section *ss = svc ? config_services(&c->config, svc) : NULL;
		const struct kv *blk = ss ? ini_lookup(&c->config, ss, snake) : NULL;
		for (size_t k = 0; blk && k < blk->nsub; k++)
			if (strcmp(blk->sub[k].key, "endpoint_url") == 0 && *blk->sub[k].value)
				u = blk->sub[k].value;
		if (!u && c) {
			u = tl_awsconf_get(c, "endpoint_url");
			if (u && !*u)
				u = NULL;
		}
	}
	char *r;
	if (u) {
		r = clean_url(u);
	} else {
		*custom = false;
		if (!region || !*region) {
			r = strcmp(snake, "sts") == 0 ? xstrdup("https://sts.amazonaws.com") : NULL;
		} else {
			const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn"
									   : "amazonaws.com";
			r = xasprintf("https://%s.%s.%s", endpoint_prefix(snake), region, suffix);
		}
	}
	free(snake);
	return r;
}
