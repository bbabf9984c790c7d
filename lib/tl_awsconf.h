/* tl_awsconf.h: AWS configuration as the AWS CLI reads it: the shared config and credentials
 * files (INI; AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE; "[profile NAME]" in config,
 * "[NAME]" in credentials; nested "services" sections), the profile (flag, AWS_PROFILE,
 * AWS_DEFAULT_PROFILE, "default"), the region and the endpoint of a service.
 */
#ifndef TL_AWSCONF_H
#define TL_AWSCONF_H
#include <stdbool.h>

struct tl_awsconf; /* parsed files and the chosen profile */

/* Loads both files for profile (NULL: from the environment, else "default"). Missing files are
 * fine; a malformed one is reported and is an error (-1 via NULL with *err set, caller frees). */
struct tl_awsconf *tl_awsconf_load(const char *profile, char **err);
void tl_awsconf_free(struct tl_awsconf *c);
const char *tl_awsconf_profile(const struct tl_awsconf *c);

/* A key of the chosen profile: the credentials file first for credential keys, else config.
 * NULL when unset. */
const char *tl_awsconf_get(const struct tl_awsconf *c, const char *key);
/* A key of another profile (for source_profile chains). */
const char *tl_awsconf_get_profile(const struct tl_awsconf *c, const char *profile,
				   const char *key);
bool tl_awsconf_has_profile(const struct tl_awsconf *c, const char *profile);

/* Region: flag, AWS_REGION, AWS_DEFAULT_REGION, the profile's region. NULL when none. */
const char *tl_awsconf_region(const struct tl_awsconf *c, const char *flag);

/* Endpoint base URL ("https://host[:port]", no trailing slash) for a service id ("s3", "glue",
 * "athena", "sts"): flag --endpoint-url, AWS_ENDPOINT_URL_<SERVICE> (upper case, spaces as
 * underscores), AWS_ENDPOINT_URL, the profile's services section, the profile's endpoint_url,
 * else the AWS default for the region (https://glue.REGION.amazonaws.com,
 * https://s3.REGION.amazonaws.com, ...). AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips all but
 * the flag. *custom is set when the endpoint did not come from the AWS default (then S3 uses
 * path-style addressing). Caller frees. */
char *tl_awsconf_endpoint(const struct tl_awsconf *c, const char *service, const char *region,
			  const char *flag, bool *custom);

#endif
