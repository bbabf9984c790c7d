/* Secrets are wiped before their memory is freed. This binary interposes free(): while watching,
 * every block freed is searched for the secret's bytes (malloc_usable_size of it), and each hit
 * is counted. A plain free of the same data is the control that shows the check can fail.
 * (Not under ASan, whose allocator owns free().) */
#include "t.h"
#include "tl_alloc.h"
#include "tl_awsconf.h"
#include "tl_buf.h"
#include "tl_creds.h"
#include "tl_http.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_xml.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET "wJalrXUtnFEMIK7MDENGbPxRfiCYzzSECRET"

static bool watching;
static int hits;

#ifndef __SANITIZE_ADDRESS__
void __libc_free(void *p);
void free(void *p)
{
	if (watching && p) {
		size_t n = malloc_usable_size(p);
		if (memmem(p, n, SECRET, 16)) /* half the secret: a partial wipe counts too */
			hits++;
	}
	__libc_free(p);
}
#endif

static void watch(void)
{
	hits = 0;
	watching = true;
}

static int unwatch(void)
{
	watching = false;
	return hits;
}

static bool skip_under_asan(void)
{
#ifdef __SANITIZE_ADDRESS__
	t_cur_skip = "free() belongs to ASan in this build";
	return true;
#else
	return false;
#endif
}

static void strings_and_buffers(void)
{
	if (skip_under_asan())
		return;
	watch();
	free(xstrdup(SECRET));
	T_EQ_INT(unwatch(), 1); /* the control: a plain free leaves it */
	watch();
	tl_secret_free(xstrdup(SECRET));
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_adds(&b, "x-amz-security-token: " SECRET);
	tl_buf_release_secret(&b);
	T_EQ_INT(unwatch(), 0);
}

static void documents(void)
{
	if (skip_under_asan())
		return;
	const char *json = "{\"AccessKeyId\":\"AKIDEXAMPLE\",\"SecretAccessKey\":\"" SECRET "\"}";
	const char *xml = "<R><Credentials><SecretAccessKey>" SECRET "</SecretAccessKey>"
			  "</Credentials></R>";
	watch();
	cJSON_Delete(tl_json_parse(json, strlen(json), NULL));
	T_CHECK(unwatch() >= 1);
	watch();
	tl_xml_free(tl_xml_parse(xml, strlen(xml), NULL));
	T_CHECK(unwatch() >= 1);
	watch();
	tl_json_delete_secret(tl_json_parse(json, strlen(json), NULL));
	T_EQ_INT(unwatch(), 0);
	watch();
	tl_xml_free_secret(tl_xml_parse_secret(xml, strlen(xml), NULL));
	T_EQ_INT(unwatch(), 0);
}

static void http_headers(void)
{
	if (skip_under_asan())
		return;
	struct tl_http_headers h = { 0 };
	watch();
	tl_http_headers_add(&h, "X-Amz-Security-Token", SECRET);
	tl_http_headers_set(&h, "X-Amz-Security-Token", SECRET "2");
	tl_http_headers_free(&h);
	T_EQ_INT(unwatch(), 0);
}

/* The credential chain end to end: keys from the environment and from a credentials file,
 * resolved, copied, and everything freed. */
static void credential_chain(void)
{
	if (skip_under_asan())
		return;
	char dir[] = "/tmp/tl-secret.XXXXXX";
	T_CHECK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/credentials", dir);
	FILE *f = fopen(path, "w");
	T_CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "[p]\naws_access_key_id = AKIDFILE\naws_secret_access_key = %s\n"
		   "aws_session_token = %sTOKEN\n", SECRET, SECRET);
	fclose(f);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	for (int round = 0; round < 2; round++) {
		if (round == 0) { /* the environment first */
			setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
			setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
		} else {
			unsetenv("AWS_ACCESS_KEY_ID");
			unsetenv("AWS_SECRET_ACCESS_KEY");
		}
		watch();
		char *err = NULL;
		struct tl_awsconf *cfg = tl_awsconf_load(round ? "p" : NULL, &err);
		T_CHECK(cfg != NULL);
		if (!cfg) {
			unwatch();
			free(err);
			break;
		}
		struct tl_creds_provider *p = tl_creds_provider_new(cfg, "us-east-1");
		struct tl_creds c;
		T_EQ_INT(tl_creds_get(p, &c, &err), 0);
		T_EQ_STR(c.secret_key, SECRET);
		T_EQ_STR(c.source, round ? "shared-credentials-file" : "environment");
		tl_creds_free(&c);
		tl_creds_provider_free(p);
		tl_awsconf_free(cfg);
		tl_log_cleanup(); /* the copies registered for masking */
		T_EQ_INT(unwatch(), 0);
	}
	unlink(path);
	rmdir(dir);
	free(path);
}

int main(void)
{
	tl_log_init("test_secret");
	TEST(strings_and_buffers);
	TEST(documents);
	TEST(http_headers);
	TEST(credential_chain);
	return t_done();
}
