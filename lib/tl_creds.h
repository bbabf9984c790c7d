/* tl_creds.h: AWS credentials resolved in the AWS CLI's order (botocore's credential chain):
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (or the older
 *      AWS_SECURITY_TOKEN), AWS_CREDENTIAL_EXPIRATION; skipped when the profile was given by
 *      flag (--profile), as the CLI does; a key without its secret is an error;
 *   2. the profile (tl_awsconf), in this order:
 *      a. assume role: role_arn (without web_identity_token_file) + source_profile (a chain of
 *         profiles, each hop signed with the credentials of the one before; a profile may name
 *         itself to use its own static keys) or credential_source (Environment,
 *         Ec2InstanceMetadata, EcsContainer); STS AssumeRole, a SigV4-signed Query POST to the
 *         "sts" endpoint of tl_awsconf_endpoint (regional https://sts.REGION.amazonaws.com);
 *         role_session_name, external_id, duration_seconds; with mfa_serial the code is asked
 *         on the terminal (/dev/tty, "Enter MFA code for SERIAL: ", not echoed; without a
 *         terminal in the foreground, an error). Sessions are shared with the AWS CLI through
 *         its cache, ~/.aws/cli/cache/KEY.json (tl_awscache; KEY as botocore's AssumeRole
 *         fetcher makes it): a cached session with more than 15 minutes left is used without
 *         calling STS (or asking for a code), and every new one is written there;
 *      b. web identity: web_identity_token_file + role_arn [+ role_session_name], each taken
 *         from AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN / AWS_ROLE_SESSION_NAME first (not
 *         with --profile); unsigned STS AssumeRoleWithWebIdentity; the token file is re-read
 *         on every refresh;
 *      c. IAM Identity Center: a profile with sso_account_id / sso_role_name (tl_sso: the
 *         token cache of "aws sso login", refreshed when due, then GetRoleCredentials), source
 *         "sso";
 *      d. static keys of the credentials file (aws_access_key_id, aws_secret_access_key,
 *         aws_session_token), source "shared-credentials-file";
 *      e. credential_process: split as shlex does and run without a shell; its stdout is
 *         Version 1 JSON (AccessKeyId, SecretAccessKey, SessionToken, Expiration); a non-zero
 *         exit is an error quoting its stderr;
 *      f. static keys of the config file, source "config-file";
 *   3. ECS/EKS container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on
 *      http://169.254.170.2, or AWS_CONTAINER_CREDENTIALS_FULL_URI (https, a loopback address,
 *      or an ECS/EKS agent address) with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read each
 *      time) or AWS_CONTAINER_AUTHORIZATION_TOKEN; 2 s timeout, 3 attempts on transport errors
 *      and 5xx;
 *   4. EC2 instance metadata, IMDSv2: PUT /latest/api/token (TTL 21600 s), then the role
 *      under /latest/meta-data/iam/security-credentials/ and its credentials; IMDSv1 when the
 *      PUT is refused unless AWS_EC2_METADATA_V1_DISABLED=true; AWS_EC2_METADATA_SERVICE_ENDPOINT
 *      (or ec2_metadata_service_endpoint) overrides the address, AWS_EC2_METADATA_DISABLED=true
 *      turns it off; timeout AWS_METADATA_SERVICE_TIMEOUT (1 s) and AWS_METADATA_SERVICE_NUM_
 *      ATTEMPTS (2) so that a machine off EC2 gives up within about 2 s. Any failure here means
 *      "no credentials", never an error of its own.
 * A source that is configured but fails stops the chain with its error (as botocore raises).
 * Temporary credentials are refreshed when less than 5 minutes remain (an MFA session asks for a
 * new code then, when there is a terminal); if a refresh fails while the current ones have not
 * expired, they are used (with a warning). Every secret obtained
 * (secret keys, session tokens, the web identity, container, IMDS and SSO tokens, MFA codes) is
 * registered with tl_log_add_secret() before any request that carries it, so no log line can
 * show it, and wiped before it is freed.
 */
#ifndef TL_CREDS_H
#define TL_CREDS_H
#include "tl_awsreq.h" /* struct tl_creds, tl_creds_free(): the signed request's own */

#include <stdint.h>

struct tl_awsconf;

struct tl_creds_provider;

/* A provider over cfg (borrowed; must outlive it) for the given region (for STS; NULL: the
 * global STS endpoint, signed for us-east-1). Resolves nothing yet. Never NULL. */
struct tl_creds_provider *tl_creds_provider_new(const struct tl_awsconf *cfg, const char *region);
void tl_creds_provider_free(struct tl_creds_provider *p);
/* Current credentials, resolving or refreshing as needed (blocks on network for IMDS, ECS, STS,
 * process; network requests give up when a stop signal arrives, see tl_sig). Copies into *out
 * (caller frees with tl_creds_free). Thread-safe: one resolution at a time, the others wait for
 * its result. Returns 0, or -1 with *err (caller frees) saying which source failed and why, or
 * that none was found and where it looked. */
int tl_creds_get(struct tl_creds_provider *p, struct tl_creds *out, char **err);

#endif
