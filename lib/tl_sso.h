/* tl_sso.h: IAM Identity Center (once AWS SSO) sign-in for the credential chain, as botocore
 * does it (credentials.py SSOProvider and SSOCredentialFetcher, tokens.py SSOTokenProvider,
 * utils.py SSOTokenLoader), so that a profile made by "aws configure sso" and a login made by
 * "aws sso login" work in every tool.
 *
 * A profile is an SSO profile when it has sso_account_id or sso_role_name (then both are
 * needed). Its login is named either by "sso_session = NAME", a "[sso-session NAME]" section of
 * the config file with sso_start_url and sso_region (values the profile repeats must agree), or,
 * the legacy form, by sso_start_url and sso_region in the profile itself.
 *
 * The login is the token that "aws sso login" keeps in ~/.aws/sso/cache/KEY.json (tl_awscache;
 * KEY the SHA-1 of the session name, or of the start URL in the legacy form), with at least
 * accessToken and expiresAt. With an sso-session, a token with less than 15 minutes left is
 * refreshed first, as the CLI does: OIDC CreateToken (POST /token of the "sso oidc" endpoint,
 * grantType refresh_token with the cached clientId, clientSecret and refreshToken) unless the
 * client registration (registrationExpiresAt) has expired; the new token is written back to the
 * same file in the CLI's format. A failed refresh is only a warning while the old token is valid.
 * Legacy tokens cannot be refreshed.
 *
 * Then GetRoleCredentials: GET /federation/credentials?role_name=ROLE&account_id=ACCOUNT of the
 * "sso" endpoint (the portal), unsigned, the token in the x-amz-sso_bearer_token header. Both
 * endpoints are resolved by tl_awsconf_endpoint in sso_region, so AWS_ENDPOINT_URL_SSO and
 * AWS_ENDPOINT_URL_SSO_OIDC (or a services section) move them as they move botocore's.
 * Both calls are unsigned requests sent by tl_awsreq (the token, or the client secret, is what
 * authenticates them), their errors parsed by it, retried under one policy of its retry loop
 * (three attempts, 1 s apart at most) on what it calls retryable: transport errors, 5xx, 429,
 * throttling.
 *
 * Every token, refresh token and client secret is registered with tl_log_add_secret() as soon
 * as it is read, and wiped before it is freed.
 */
#ifndef TL_SSO_H
#define TL_SSO_H
#include <stdbool.h>
#include <stdint.h>

struct tl_awsconf;

/* Role credentials from the portal. */
struct tl_sso_creds {
	char *access_key;
	char *secret_key;
	char *session_token;
	int64_t expires_ms; /* epoch ms */
};

/* True when profile is an SSO profile (sso_account_id or sso_role_name set). */
bool tl_sso_configured(const struct tl_awsconf *cfg, const char *profile);

/* The role credentials of an SSO profile: loads (and maybe refreshes) the cached token, then asks
 * the portal. Returns 0 with *out filled (free with tl_sso_creds_free), or -1 with *err (caller
 * frees): incomplete configuration (naming what is missing), no login, an expired or refused
 * login ("... run: aws sso login --profile PROFILE"), or the portal's error. Blocks on the network
 * (a stop signal ends a request, see tl_sig) and on file I/O. Thread-safe (no shared state). */
int tl_sso_get(const struct tl_awsconf *cfg, const char *profile, struct tl_sso_creds *out,
	       char **err);
/* Wipes and frees the strings of c; c may be zeroed or already freed. */
void tl_sso_creds_free(struct tl_sso_creds *c);

#endif
