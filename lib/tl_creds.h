/* tl_creds.h: AWS credentials resolved in the AWS CLI's order:
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
 *   2. the profile (tl_awsconf): assume role (role_arn + source_profile or credential_source,
 *      STS AssumeRole signed with the source credentials; role_session_name, external_id,
 *      duration_seconds), web identity (web_identity_token_file + role_arn, and
 *      AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN from the environment), static keys
 *      (aws_access_key_id/aws_secret_access_key/aws_session_token), credential_process
 *      (its JSON on stdout, Version 1);
 *   3. ECS container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on 169.254.170.2, or
 *      AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]);
 *   4. EC2 instance metadata, IMDSv2 (PUT a token, then the role's credentials);
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address, AWS_EC2_METADATA_DISABLED=true
 *      turns it off.
 * Temporary credentials are refreshed when less than 5 minutes remain. Every secret obtained is
 * registered with tl_log_add_secret() so no log line can show it.
 */
#ifndef TL_CREDS_H
#define TL_CREDS_H
#include <stdint.h>

struct tl_awsconf;

struct tl_creds {
	char *access_key;
	char *secret_key;
	char *session_token; /* NULL if none */
	int64_t expires_ms;  /* epoch ms; 0 = does not expire */
	const char *source;  /* static text: "environment", "shared-credentials-file",
				"assume-role", "web-identity", "process", "container", "imds" */
};

struct tl_creds_provider;

/* A provider over cfg (borrowed; must outlive it) for the given region (for STS). */
struct tl_creds_provider *tl_creds_provider_new(const struct tl_awsconf *cfg, const char *region);
void tl_creds_provider_free(struct tl_creds_provider *p);
/* Current credentials, resolving or refreshing as needed (blocks on network for IMDS, ECS, STS,
 * process). Copies into *out (caller frees with tl_creds_free). Thread-safe. Returns 0, or -1
 * with *err (caller frees) saying which source failed and why — or that none was found. */
int tl_creds_get(struct tl_creds_provider *p, struct tl_creds *out, char **err);
void tl_creds_free(struct tl_creds *c);

#endif
