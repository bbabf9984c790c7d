/* Unit tests for tl_awsconf: the INI dialect of the AWS CLI, profile, region and endpoint
 * precedence, services sections. Every file is a temporary one; the environment is set per test.
 */
#include "t.h"
#include "tl_alloc.h"
#include "tl_awsconf.h"
#include "tl_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tl-awsconf.XXXXXX";
static char *config_path, *creds_path;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static const char *env_vars[] = {
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_GLUE",
	"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ATHENA", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_ENDPOINT_URL_ELASTIC_BEANSTALK",
};

/* Fresh environment with both files given (NULL: no such file). */
static void setup(const char *config, const char *creds)
{
	for (size_t i = 0; i < sizeof env_vars / sizeof *env_vars; i++)
		unsetenv(env_vars[i]);
	unlink(config_path);
	unlink(creds_path);
	if (config)
		write_file(config_path, config);
	if (creds)
		write_file(creds_path, creds);
	setenv("AWS_CONFIG_FILE", config_path, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", creds_path, 1);
}

static struct tl_awsconf *load_ok(const char *profile)
{
	char *err = NULL;
	struct tl_awsconf *c = tl_awsconf_load(profile, &err);
	if (!c) {
		printf("#   load failed: %s\n", err);
		free(err);
	}
	return c;
}

/* Loads and expects failure; returns the message (caller frees) or NULL if it loaded. */
static char *load_err(const char *profile)
{
	char *err = NULL;
	struct tl_awsconf *c = tl_awsconf_load(profile, &err);
	if (c) {
		tl_awsconf_free(c);
		return NULL;
	}
	return err;
}

static void test_missing_files(void)
{
	setup(NULL, NULL);
	struct tl_awsconf *c = load_ok(NULL);
	T_CHECK(c != NULL);
	if (!c)
		return;
	T_EQ_STR(tl_awsconf_profile(c), "default");
	T_CHECK(tl_awsconf_get(c, "region") == NULL);
	T_CHECK(!tl_awsconf_has_profile(c, "default"));
	T_CHECK(!tl_awsconf_profile_explicit(c));
	tl_awsconf_free(c);
	/* /dev/null is no regular file: an empty configuration, as the test suite uses. */
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	c = load_ok(NULL);
	T_CHECK(c != NULL);
	tl_awsconf_free(c);
}

static void test_basic_profiles(void)
{
	setup("[default]\nregion = us-west-2\n"
	      "[profile dev]\nregion=eu-west-1\noutput = json\n"
	      "[dev]\nregion = never-used\n" /* not a profile in the config file */
	      "[preview]\ncloudfront = true\n",
	      "[default]\naws_access_key_id = AKIDDEFAULT\n"
	      "[dev]\naws_access_key_id = AKIDDEV\nregion = from-creds\n"
	      "[profile odd]\naws_access_key_id = AKIDODD\n");
	struct tl_awsconf *c = load_ok(NULL);
	T_CHECK(c != NULL);
	if (!c)
		return;
	T_EQ_STR(tl_awsconf_get(c, "region"), "us-west-2");
	T_EQ_STR(tl_awsconf_get(c, "aws_access_key_id"), "AKIDDEFAULT");
	/* the credentials file wins over config for any key of a profile */
	T_EQ_STR(tl_awsconf_get_profile(c, "dev", "region"), "from-creds");
	T_EQ_STR(tl_awsconf_get_in(c, "dev", "region", TL_AWSCONF_CONFIG), "eu-west-1");
	T_EQ_STR(tl_awsconf_get_profile(c, "dev", "output"), "json");
	T_EQ_STR(tl_awsconf_get_profile(c, "dev", "aws_access_key_id"), "AKIDDEV");
	/* "[profile odd]" in the credentials file is a profile named "profile odd" */
	T_CHECK(tl_awsconf_has_profile(c, "profile odd"));
	T_CHECK(!tl_awsconf_has_profile(c, "odd"));
	T_CHECK(!tl_awsconf_has_profile(c, "preview"));
	tl_awsconf_free(c);
}

static void test_ini_syntax(void)
{
	setup("# a comment\n"
	      "; another\n"
	      "\n"
	      "[profile syn]\n"
	      "Region : ap-south-1\n"              /* ":" delimiter, key lower-cased */
	      "role_arn = arn:aws:iam::123456789012:role/x\n" /* first delimiter splits */
	      "inline = value # not a comment\n"
	      "  # indented comment line\n"
	      "empty =\n"
	      "multi = first\n"
	      "  second\n"
	      "\n"
	      "\tthird\n"                         /* blank line kept, tab indent continues */
	      "after = x\r\n"                      /* CRLF */
	      "spaced   =    padded value   \n"
	      "[ default ]\n"                      /* not the default profile */
	      "region = nope\n"
	      "[profile  'quoted name' ]\n"        /* shlex-split name */
	      "region = q\n"
	      "[profile a b]\n"                    /* three words: ignored */
	      "region = ab\n"
	      "[profile last]  trailing text\n"    /* text after "]" ignored */
	      "region = l\n",
	      NULL);
	struct tl_awsconf *c = load_ok("syn");
	T_CHECK(c != NULL);
	if (!c)
		return;
	T_CHECK(tl_awsconf_profile_explicit(c));
	T_EQ_STR(tl_awsconf_get(c, "region"), "ap-south-1");
	T_EQ_STR(tl_awsconf_get(c, "role_arn"), "arn:aws:iam::123456789012:role/x");
	T_EQ_STR(tl_awsconf_get(c, "inline"), "value # not a comment");
	T_EQ_STR(tl_awsconf_get(c, "empty"), "");
	T_EQ_STR(tl_awsconf_get(c, "multi"), "first\nsecond\n\nthird");
	T_EQ_STR(tl_awsconf_get(c, "after"), "x");
	T_EQ_STR(tl_awsconf_get(c, "spaced"), "padded value");
	T_CHECK(tl_awsconf_get(c, "Region") == NULL);
	T_CHECK(!tl_awsconf_has_profile(c, "default"));
	T_EQ_STR(tl_awsconf_get_profile(c, "quoted name", "region"), "q");
	T_CHECK(!tl_awsconf_has_profile(c, "a"));
	T_EQ_STR(tl_awsconf_get_profile(c, "last", "region"), "l");
	tl_awsconf_free(c);
}

static void test_default_section_and_bom(void)
{
	setup("\xef\xbb\xbf[DEFAULT]\nregion = from-defaults\n"
	      "[profile p]\noutput = text\n"
	      "[profile q]\nregion = own\n"
	      "[default]\n[profile default]\nregion = later-wins\n",
	      NULL);
	struct tl_awsconf *c = load_ok(NULL);
	T_CHECK(c != NULL);
	if (!c)
		return;
	T_EQ_STR(tl_awsconf_get_profile(c, "p", "region"), "from-defaults");
	T_EQ_STR(tl_awsconf_get_profile(c, "q", "region"), "own");
	T_EQ_STR(tl_awsconf_get(c, "region"), "later-wins");
	T_CHECK(!tl_awsconf_has_profile(c, "DEFAULT"));
	tl_awsconf_free(c);
}

static void test_malformed(void)
{
	char *e;
	setup("region = x\n[default]\n", NULL);
	e = load_err(NULL);
	T_CHECK(e && strstr(e, "line 1") && strstr(e, "no section headers"));
	free(e);
	setup("[default]\nregion = x\njust some words\n", NULL);
	e = load_err(NULL);
	T_CHECK(e && strstr(e, "line 3"));
	free(e);
	setup("[default]\nregion = x\n[default]\n", NULL);
	e = load_err(NULL);
	T_CHECK(e && strstr(e, "already exists"));
	free(e);
	setup("[default]\nregion = x\nREGION = y\n", NULL);
	e = load_err(NULL);
	T_CHECK(e && strstr(e, "already set"));
	free(e);
	setup("[default]\n= value\n", NULL);
	e = load_err(NULL);
	T_CHECK(e != NULL);
	free(e);
	setup("[default]\ns3 =\n  addressing_style path\n", NULL);
	e = load_err(NULL);
	T_CHECK(e && strstr(e, "nested"));
	free(e);
	/* the credentials file is checked the same way */
	setup(NULL, "[x]\naws_access_key_id\n");
	e = load_err(NULL);
	T_CHECK(e && strstr(e, creds_path));
	free(e);
	/* "[]" is no header, and then no option either */
	setup("[default]\n[]\n", NULL);
	e = load_err(NULL);
	T_CHECK(e != NULL);
	free(e);
}

static void test_profile_selection(void)
{
	setup("[profile envp]\nregion = r-envp\n[profile defp]\nregion = r-defp\n"
	      "[profile flagp]\nregion = r-flagp\n",
	      NULL);
	struct tl_awsconf *c;
	setenv("AWS_PROFILE", "envp", 1);
	setenv("AWS_DEFAULT_PROFILE", "defp", 1);
	c = load_ok("flagp");
	T_EQ_STR(c ? tl_awsconf_profile(c) : NULL, "flagp");
	T_CHECK(c && tl_awsconf_profile_explicit(c));
	tl_awsconf_free(c);
	c = load_ok(NULL);
	T_EQ_STR(c ? tl_awsconf_profile(c) : NULL, "envp");
	T_CHECK(c && !tl_awsconf_profile_explicit(c));
	tl_awsconf_free(c);
	unsetenv("AWS_PROFILE");
	c = load_ok(NULL);
	T_EQ_STR(c ? tl_awsconf_profile(c) : NULL, "defp");
	tl_awsconf_free(c);
	setenv("AWS_PROFILE", "", 1); /* empty counts as unset */
	c = load_ok(NULL);
	T_EQ_STR(c ? tl_awsconf_profile(c) : NULL, "defp");
	tl_awsconf_free(c);
	unsetenv("AWS_DEFAULT_PROFILE");
	unsetenv("AWS_PROFILE");
	c = load_ok(NULL);
	T_EQ_STR(c ? tl_awsconf_profile(c) : NULL, "default");
	tl_awsconf_free(c);
	/* a named profile that exists nowhere is an error; a missing "default" is not */
	char *e = load_err("nosuch");
	T_CHECK(e && strstr(e, "nosuch") && strstr(e, "--profile"));
	free(e);
	setenv("AWS_PROFILE", "nosuch2", 1);
	e = load_err(NULL);
	T_CHECK(e && strstr(e, "AWS_PROFILE"));
	free(e);
	unsetenv("AWS_PROFILE");
	c = load_ok("default");
	T_CHECK(c != NULL);
	tl_awsconf_free(c);
}

static void test_region(void)
{
	setup("[default]\nregion = r-profile\n[profile none]\noutput = json\n", NULL);
	struct tl_awsconf *c = load_ok(NULL);
	T_CHECK(c != NULL);
	if (!c)
		return;
	setenv("AWS_REGION", "r-env", 1);
	setenv("AWS_DEFAULT_REGION", "r-default-env", 1);
	T_EQ_STR(tl_awsconf_region(c, "r-flag"), "r-flag");
	T_EQ_STR(tl_awsconf_region(c, NULL), "r-env");
	unsetenv("AWS_REGION");
	T_EQ_STR(tl_awsconf_region(c, NULL), "r-default-env");
	setenv("AWS_DEFAULT_REGION", "", 1);
	T_EQ_STR(tl_awsconf_region(c, NULL), "r-profile");
	unsetenv("AWS_DEFAULT_REGION");
	T_EQ_STR(tl_awsconf_region(c, ""), "r-profile");
	tl_awsconf_free(c);
	c = load_ok("none");
	T_CHECK(c && tl_awsconf_region(c, NULL) == NULL);
	tl_awsconf_free(c);
}

static void check_endpoint(struct tl_awsconf *c, const char *svc, const char *region,
			   const char *flag, const char *want, bool want_custom)
{
	bool custom = !want_custom;
	char *u = tl_awsconf_endpoint(c, svc, region, flag, &custom);
	T_EQ_STR(u, want);
	T_EQ_INT(custom, want_custom);
	free(u);
}

static void test_endpoint_defaults(void)
{
	setup(NULL, NULL);
	struct tl_awsconf *c = load_ok(NULL);
	T_CHECK(c != NULL);
	if (!c)
		return;
	check_endpoint(c, "s3", "eu-central-1", NULL, "https://s3.eu-central-1.amazonaws.com", false);
	check_endpoint(c, "glue", "us-east-1", NULL, "https://glue.us-east-1.amazonaws.com", false);
	check_endpoint(c, "athena", "ap-southeast-2", NULL,
		       "https://athena.ap-southeast-2.amazonaws.com", false);
	check_endpoint(c, "sts", "us-west-2", NULL, "https://sts.us-west-2.amazonaws.com", false);
	check_endpoint(c, "sts", "cn-north-1", NULL, "https://sts.cn-north-1.amazonaws.com.cn",
		       false);
	check_endpoint(c, "sts", NULL, NULL, "https://sts.amazonaws.com", false);
	bool custom = true;
	char *u = tl_awsconf_endpoint(c, "glue", NULL, NULL, &custom);
	T_CHECK(u == NULL);
	free(u);
	check_endpoint(c, "s3", "us-east-1", "http://127.0.0.1:9000/", "http://127.0.0.1:9000", true);
	tl_awsconf_free(c);
}

static void test_endpoint_precedence(void)
{
	setup("[default]\n"
	      "endpoint_url = https://profile-global.example\n"
	      "services = local\n"
	      "[services local]\n"
	      "s3 =\n"
	      "  endpoint_url = http://localhost:4566/\n"
	      "  addressing_style = path\n"
	      "glue =\n"
	      "\n"
	      "  endpoint_url = https://glue.local:8443\n"
	      "elastic_beanstalk =\n"
	      "  endpoint_url = https://eb.local\n"
	      "[profile sonly]\n"
	      "services = local\n"
	      "[profile ignoring]\n"
	      "endpoint_url = https://ignored.example\n"
	      "ignore_configured_endpoint_urls = true\n"
	      "[profile badsvc]\n"
	      "services = missing\n",
	      NULL);
	struct tl_awsconf *c = load_ok(NULL);
	T_CHECK(c != NULL);
	if (!c)
		return;
	/* services section beats the profile's endpoint_url */
	check_endpoint(c, "s3", "us-east-1", NULL, "http://localhost:4566", true);
	check_endpoint(c, "glue", "us-east-1", NULL, "https://glue.local:8443", true);
	check_endpoint(c, "Elastic Beanstalk", "us-east-1", NULL, "https://eb.local", true);
	check_endpoint(c, "athena", "us-east-1", NULL, "https://profile-global.example", true);
	/* AWS_ENDPOINT_URL beats the file, AWS_ENDPOINT_URL_<SERVICE> beats that */
	setenv("AWS_ENDPOINT_URL", "http://env-global:1", 1);
	check_endpoint(c, "s3", "us-east-1", NULL, "http://env-global:1", true);
	setenv("AWS_ENDPOINT_URL_S3", "http://env-s3:2", 1);
	check_endpoint(c, "s3", "us-east-1", NULL, "http://env-s3:2", true);
	check_endpoint(c, "glue", "us-east-1", NULL, "http://env-global:1", true);
	setenv("AWS_ENDPOINT_URL_ELASTIC_BEANSTALK", "http://env-eb:3", 1);
	check_endpoint(c, "elastic-beanstalk", "us-east-1", NULL, "http://env-eb:3", true);
	/* the flag beats everything, even the ignore switch */
	check_endpoint(c, "s3", "us-east-1", "http://flag:4", "http://flag:4", true);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
	check_endpoint(c, "s3", "us-east-1", NULL, "https://s3.us-east-1.amazonaws.com", false);
	check_endpoint(c, "s3", "us-east-1", "http://flag:4", "http://flag:4", true);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
	check_endpoint(c, "s3", "us-east-1", NULL, "http://env-s3:2", true);
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	setenv("AWS_ENDPOINT_URL_S3", "", 1); /* empty: unset */
	check_endpoint(c, "s3", "us-east-1", NULL, "http://env-global:1", true);
	tl_awsconf_free(c);
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("AWS_ENDPOINT_URL_ELASTIC_BEANSTALK");

	c = load_ok("sonly");
	T_CHECK(c != NULL);
	check_endpoint(c, "s3", "us-east-1", NULL, "http://localhost:4566", true);
	check_endpoint(c, "athena", "eu-west-1", NULL, "https://athena.eu-west-1.amazonaws.com",
		       false);
	tl_awsconf_free(c);

	c = load_ok("ignoring");
	T_CHECK(c != NULL);
	check_endpoint(c, "glue", "us-east-1", NULL, "https://glue.us-east-1.amazonaws.com", false);
	/* the environment's "false" overrides the profile's "true" */
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
	check_endpoint(c, "glue", "us-east-1", NULL, "https://ignored.example", true);
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	tl_awsconf_free(c);

	char *e = load_err("badsvc");
	T_CHECK(e && strstr(e, "missing"));
	free(e);
}

static void test_path_expansion(void)
{
	setup(NULL, NULL);
	char *home = xasprintf("%s/home", tmpdir);
	char *dir = xasprintf("%s/.aws", home);
	char *cfg = xasprintf("%s/config", dir);
	T_CHECK(mkdir(home, 0700) == 0 && mkdir(dir, 0700) == 0);
	write_file(cfg, "[profile homep]\nregion = from-home\n");
	char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", home, 1);
	unsetenv("AWS_CONFIG_FILE");
	struct tl_awsconf *c = load_ok("homep");
	T_EQ_STR(c ? tl_awsconf_get(c, "region") : NULL, "from-home");
	T_EQ_STR(c ? tl_awsconf_path(c, TL_AWSCONF_CONFIG) : NULL, cfg);
	tl_awsconf_free(c);
	setenv("TL_TEST_DIR", dir, 1);
	setenv("AWS_CONFIG_FILE", "${TL_TEST_DIR}/config", 1);
	c = load_ok("homep");
	T_EQ_STR(c ? tl_awsconf_get(c, "region") : NULL, "from-home");
	tl_awsconf_free(c);
	setenv("AWS_CONFIG_FILE", "~/.aws/config", 1);
	c = load_ok("homep");
	T_EQ_STR(c ? tl_awsconf_get(c, "region") : NULL, "from-home");
	tl_awsconf_free(c);
	/* set but empty: no config file at all */
	setenv("AWS_CONFIG_FILE", "", 1);
	char *e = load_err("homep");
	T_CHECK(e != NULL);
	free(e);
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	unlink(cfg);
	rmdir(dir);
	rmdir(home);
	free(cfg);
	free(dir);
	free(home);
}

static void test_shlex(void)
{
	size_t n;
	const char *err;
	char **v = tl_shlex_split("  a 'b c'  \"d \\\" e\" f\\ g h''i '' ", &n, &err);
	T_CHECK(v != NULL);
	if (v) {
		T_EQ_INT(n, 6);
		T_EQ_STR(v[0], "a");
		T_EQ_STR(v[1], "b c");
		T_EQ_STR(v[2], "d \" e");
		T_EQ_STR(v[3], "f g");
		T_EQ_STR(v[4], "hi");
		T_EQ_STR(v[5], "");
		T_CHECK(v[6] == NULL);
	}
	tl_shlex_free(v);
	v = tl_shlex_split("\"a\\nb\"", &n, &err); /* only \" and \\ are escapes inside "..." */
	T_EQ_STR(v ? v[0] : NULL, "a\\nb");
	tl_shlex_free(v);
	T_CHECK(tl_shlex_split("'open", &n, &err) == NULL && err);
	T_CHECK(tl_shlex_split("trail\\", &n, &err) == NULL && err);
	v = tl_shlex_split("   ", &n, &err);
	T_CHECK(v && n == 0 && v[0] == NULL);
	tl_shlex_free(v);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	config_path = xasprintf("%s/config", tmpdir);
	creds_path = xasprintf("%s/credentials", tmpdir);
	tl_log_init("test_awsconf");
	TEST(test_missing_files);
	TEST(test_basic_profiles);
	TEST(test_ini_syntax);
	TEST(test_default_section_and_bom);
	TEST(test_malformed);
	TEST(test_profile_selection);
	TEST(test_region);
	TEST(test_endpoint_defaults);
	TEST(test_endpoint_precedence);
	TEST(test_path_expansion);
	TEST(test_shlex);
	unlink(config_path);
	unlink(creds_path);
	rmdir(tmpdir);
	free(config_path);
	free(creds_path);
	return t_done();
}
