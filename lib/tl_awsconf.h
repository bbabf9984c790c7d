/* tl_awsconf.h: AWS configuration as the AWS CLI reads it: the shared config and credentials
 * files (INI; AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE; "[profile NAME]" in config,
 * "[NAME]" in credentials; nested "services" sections), the profile (flag, AWS_PROFILE,
 * AWS_DEFAULT_PROFILE, "default"), the region and the endpoint of a service.
 *
 * The files are parsed as botocore does with Python's configparser (RawConfigParser, strict):
 * "=" or ":" separates a key from its value (the first of them on the line); keys are lower-cased,
 * section names are not; whole-line comments start with "#" or ";" (no inline comments: in
 * "region = x # y" the value is "x # y"); a line indented deeper than its key's line continues
 * the value (joined with "\n"); a value that starts on the next line ("s3 =\n  k = v") is a
 * nested block of "k = v" pairs; a "[DEFAULT]" section supplies defaults to every section; a
 * duplicate section or key in one file, a line before any section, or a line with no "=" or ":"
 * makes the file malformed. In the config file "[default]" and "[profile NAME]" are profiles
 * (NAME split as by shlex, so "[profile 'a b']" is "a b"), "[services NAME]" a services section;
 * in the credentials file every section is a profile. For a key of a profile the credentials
 * file wins over the config file. A byte order mark at the start is skipped (the CLI refuses it).
 */
#ifndef TL_AWSCONF_H
#define TL_AWSCONF_H
#include <stdbool.h>
#include <stddef.h>

struct tl_awsconf; /* parsed files and the chosen profile */

/* Loads both files for profile (NULL: from the environment, else "default"). Missing files are
 * fine; a malformed one is an error, and so is a profile chosen by flag or environment that
 * exists in neither file (except "default"), or a profile whose "services" names a missing
 * section: NULL with *err set (caller frees). Reads files; does not block otherwise. */
struct tl_awsconf *tl_awsconf_load(const char *profile, char **err);
void tl_awsconf_free(struct tl_awsconf *c);
const char *tl_awsconf_profile(const struct tl_awsconf *c);
/* True when the profile came from the caller's flag (then, as in the CLI, credentials in the
 * environment are not used). */
bool tl_awsconf_profile_explicit(const struct tl_awsconf *c);

/* A key of the chosen profile: the credentials file first, else config. NULL when unset.
 * Strings are owned by c. */
const char *tl_awsconf_get(const struct tl_awsconf *c, const char *key);
/* A key of another profile (for source_profile chains). */
const char *tl_awsconf_get_profile(const struct tl_awsconf *c, const char *profile,
				   const char *key);
bool tl_awsconf_has_profile(const struct tl_awsconf *c, const char *profile);

/* A key of the "[sso-session NAME]" section of the config file (IAM Identity Center), or NULL.
 * Strings are owned by c. */
const char *tl_awsconf_get_sso_session(const struct tl_awsconf *c, const char *name,
				       const char *key);
bool tl_awsconf_has_sso_session(const struct tl_awsconf *c, const char *name);

/* Which file a profile key comes from, for the credential providers that look at one only. */
enum tl_awsconf_file {
	TL_AWSCONF_CONFIG = 1 << 0,
	TL_AWSCONF_CREDENTIALS = 1 << 1,
};
/* A key of profile looked up in the files given (credentials first when both). */
const char *tl_awsconf_get_in(const struct tl_awsconf *c, const char *profile, const char *key,
			      unsigned files);
/* The paths in use (after ~ and $VAR expansion), or NULL when that file is switched off
 * (an empty AWS_CONFIG_FILE). */
const char *tl_awsconf_path(const struct tl_awsconf *c, enum tl_awsconf_file which);

/* Region: flag, AWS_REGION, AWS_DEFAULT_REGION, the profile's region. NULL when none. */
const char *tl_awsconf_region(const struct tl_awsconf *c, const char *flag);

/* Endpoint base URL ("https://host[:port][/path]", no trailing slash) for a service id ("s3",
 * "glue", "athena", "sts", "sso", "sso oidc"): flag --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>
 * (upper case, spaces and hyphens as underscores: AWS_ENDPOINT_URL_SSO_OIDC), AWS_ENDPOINT_URL,
 * the "endpoint_url" of the service's block in the profile's services section, the profile's
 * endpoint_url, else the AWS default for the region: https://PREFIX.REGION.amazonaws.com
 * (".amazonaws.com.cn" in cn- regions) where PREFIX is the service id, except "portal.sso" for
 * "sso" and "oidc" for "sso oidc". AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or
 * ignore_configured_endpoint_urls = true in the profile) skips all but the flag. *custom is set
 * when the endpoint did not come from the AWS default (then S3 uses path-style addressing).
 * Empty values count as unset. Caller frees. NULL only when nothing is configured and region is
 * NULL (STS then gets the global https://sts.amazonaws.com). */
char *tl_awsconf_endpoint(const struct tl_awsconf *c, const char *service, const char *region,
			  const char *flag, bool *custom);

/* The CA bundle TLS is verified with, as botocore finds it: AWS_CA_BUNDLE, else ca_bundle in
 * the profile (c may be NULL); NULL for the system's. Empty values count as unset. Borrowed. */
const char *tl_awsconf_ca_bundle(const struct tl_awsconf *c);

/* A path as botocore expands it (os.path.expandvars, then expanduser: "~" is $HOME, else the
 * passwd entry). Caller frees. */
char *tl_awsconf_expand_path(const char *p);

/* Splits s into words as Python's shlex.split does (POSIX mode: blanks separate, '...' literal,
 * "..." with \" and \\ escapes, \ escapes any character outside quotes). The CLI uses it for
 * section names and to run credential_process without a shell. Returns a NULL-terminated array
 * (free with tl_shlex_free) and *n, or NULL with *err (static text) for an unclosed quote or a
 * trailing backslash. */
char **tl_shlex_split(const char *s, size_t *n, const char **err);
void tl_shlex_free(char **v);

#endif
