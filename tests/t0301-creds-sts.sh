#!/bin/bash
# Credentials through STS against moto: web identity (unsigned AssumeRoleWithWebIdentity), and
# assume role (AssumeRole signed with the source credentials; moto checks the signature) from a
# source profile, a chain of roles, or a credential_source.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-moto.sh"

CFG=$TRASH/config CRED=$TRASH/credentials
export AWS_CONFIG_FILE=$CFG AWS_SHARED_CREDENTIALS_FILE=$CRED
: >"$CFG"
: >"$CRED"
ROLE=arn:aws:iam::123456789012:role/tl-role

# Each run calls STS: the sessions the AWS CLI's cache would share between runs are dropped
# (t0304 tests that cache).
show() {
	rm -rf "$HOME/.aws/cli/cache"
	creds-show -vv "$@" 2>err
	local rc=$?
	cat err >>"$TRASH/all-err"
	return $rc
}

# Configuration errors need no server.
test_expect_success 'role_arn needs source_profile or credential_source, not both' '
	printf "[profile r]\nrole_arn = %s\n" $ROLE >"$CFG" &&
	! show -p r >out && grep -q "neither source_profile nor credential_source" err &&
	printf "[profile r]\nrole_arn = %s\nsource_profile = r\ncredential_source = Environment\n" $ROLE >"$CFG" &&
	! show -p r >out && grep -q "both source_profile and credential_source" err
'
test_expect_success 'source_profile problems: missing, loops, no credentials, bad credential_source' '
	printf "[profile r]\nrole_arn = %s\nsource_profile = gone\n" $ROLE >"$CFG" &&
	! show -p r >out && grep -q "source_profile \"gone\" of profile r does not exist" err &&
	printf "[profile a]\nrole_arn = %s\nsource_profile = b\n[profile b]\nrole_arn = %s\nsource_profile = a\n" $ROLE $ROLE >"$CFG" &&
	! show -p a >out && grep -q "source_profile loop" err &&
	printf "[profile r]\nrole_arn = %s\nsource_profile = empty\n[profile empty]\nregion = x\n" $ROLE >"$CFG" &&
	! show -p r >out && grep -q "source profile \"empty\" must have credentials" err &&
	printf "[profile r]\nrole_arn = %s\ncredential_source = Vault\n" $ROLE >"$CFG" &&
	! show -p r >out && grep -q "credential_source \"Vault\" is not one of" err &&
	printf "[profile r]\nrole_arn = %s\nsource_profile = s\nmfa_serial = arn:aws:iam::1:mfa/x\n[profile s]\naws_access_key_id = A\naws_secret_access_key = B\n" $ROLE >"$CFG" &&
	! setsid -w creds-show -p r >out 2>err </dev/null && grep -q "needs an MFA code" err
'
test_expect_success 'web identity token file without a role ARN is an error' '
	: >"$CFG" &&
	echo tok >"$TRASH/tok" &&
	! AWS_WEB_IDENTITY_TOKEN_FILE=$TRASH/tok show >out &&
	grep -q "no role ARN" err
'

moto_start
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
echo "eyJhbGciOiJSUzI1NiJ9.webidSECRETpayload.signature" >"$TRASH/token"

test_expect_success 'web identity from the environment (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)' '
	: >"$CFG" &&
	AWS_WEB_IDENTITY_TOKEN_FILE=$TRASH/token AWS_ROLE_ARN=$ROLE AWS_ROLE_SESSION_NAME=tl-web \
		show >out &&
	grep -q "^source=web-identity key=ASIA[A-Z0-9]* secret=yes token=yes expires=yes$" out &&
	grep -q "> Content-Type: application/x-www-form-urlencoded" err &&
	! grep -q "> Authorization" err
'
test_expect_success 'web identity from the profile' '
	printf "[profile web]\nrole_arn = %s\nweb_identity_token_file = %s\n" $ROLE "$TRASH/token" >"$CFG" &&
	show -p web >out &&
	grep -q "^source=web-identity " out
'

IMDS_PORT_FILE=$TRASH/imds.port
python3 "$TOP/tests/stubs/imds-stub.py" --port-file "$IMDS_PORT_FILE" &
test_cleanup "kill $!"
IMDS_URL=http://127.0.0.1:$(standin_port "$IMDS_PORT_FILE") || exit 1

test_expect_success 'assume role with credential_source = Ec2InstanceMetadata' '
	printf "[profile r]\nrole_arn = %s\ncredential_source = Ec2InstanceMetadata\n" $ROLE >"$CFG" &&
	AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$IMDS_URL show -p r >out &&
	grep -q "^source=assume-role key=ASIA" out &&
	grep -q "with credentials from imds" err
'
test_expect_success 'assume role with credential_source = EcsContainer' '
	printf "[profile r]\nrole_arn = %s\ncredential_source = EcsContainer\n" $ROLE >"$CFG" &&
	AWS_CONTAINER_CREDENTIALS_FULL_URI=$IMDS_URL/ecs/creds AWS_CONTAINER_AUTHORIZATION_TOKEN=ECSAUTH-SECRET-abcdef \
		show -p r >out &&
	grep -q "^source=assume-role key=ASIA" out &&
	grep -q "with credentials from container" err
'

# From here on moto checks every signature.
eval "$(python3 "$TOP/tests/stubs/moto-setup.py" "$MOTO_URL" --auth)"
GOOD_AK=$AWS_ACCESS_KEY_ID GOOD_SK=$AWS_SECRET_ACCESS_KEY
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

test_expect_success 'assume role from a source profile (signed AssumeRole accepted by moto)' '
	cat >"$CFG" <<-INI &&
	[profile role]
	role_arn = $ROLE
	source_profile = base
	role_session_name = tl-session
	external_id = tl-external
	duration_seconds = 900
	INI
	printf "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n" $GOOD_AK $GOOD_SK >"$CRED" &&
	show -p role >out &&
	grep -q "^source=assume-role key=ASIA[A-Z0-9]* secret=yes token=yes expires=yes$" out &&
	grep -q "with credentials from shared-credentials-file" err
'
test_expect_success 'a wrong source secret is refused by STS and reported' '
	printf "[base]\naws_access_key_id = %s\naws_secret_access_key = wrongSECRETkey\n" $GOOD_AK >"$CRED" &&
	! show -p role >out &&
	grep -q "AssumeRole: .*HTTP 403: SignatureDoesNotMatch" err
'
test_expect_success 'a profile may be its own source_profile for its static keys' '
	: >"$CRED" &&
	printf "[profile self]\nrole_arn = %s\nsource_profile = self\naws_access_key_id = %s\naws_secret_access_key = %s\n" \
		$ROLE $GOOD_AK $GOOD_SK >"$CFG" &&
	show -p self >out &&
	grep -q "^source=assume-role " out
'
test_expect_success 'assume role with credential_source = Environment' '
	printf "[profile r]\nrole_arn = %s\ncredential_source = Environment\n" $ROLE >"$CFG" &&
	AWS_ACCESS_KEY_ID=$GOOD_AK AWS_SECRET_ACCESS_KEY=$GOOD_SK show -p r >out &&
	grep -q "^source=assume-role " out &&
	grep -q "with credentials from environment" err
'
test_expect_success 'AWS_PROFILE with a role: the role wins only when no keys are in the environment' '
	AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=envSECRETkey AWS_PROFILE=r show >out &&
	grep -q "^source=environment key=AKIDENV " out
'

cat >"$TRASH/roles.py" <<'PY'
import sys
import boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1")
trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},'
         '"Action":"sts:AssumeRole"}]}')
allow = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
for r in ("tl-role", "second"):
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=r, PolicyName="all", PolicyDocument=allow)
PY
# With signature checking on, moto accepts role credentials only for a role that exists in IAM
# with a policy that allows the next AssumeRole.
test_expect_success 'a chain of roles: each hop signed with the credentials of the one before' '
	AWS_ACCESS_KEY_ID=$GOOD_AK AWS_SECRET_ACCESS_KEY=$GOOD_SK python3 "$TRASH/roles.py" "$MOTO_URL" &&
	cat >"$CFG" <<-INI &&
	[profile role2]
	role_arn = arn:aws:iam::123456789012:role/second
	source_profile = role1
	[profile role1]
	role_arn = $ROLE
	source_profile = base
	INI
	printf "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n" $GOOD_AK $GOOD_SK >"$CRED" &&
	show -p role2 >out &&
	grep -q "^source=assume-role " out &&
	test $(grep -c "credentials: AssumeRole at" err) -eq 2 &&
	grep -q "with credentials from assume-role" err
'

test_expect_success 'no secret or web identity token reached stderr at trace level' '
	test -s "$TRASH/all-err" &&
	grep -q "Authorization: \*\*\*" "$TRASH/all-err" &&
	! grep -E "SECRET[a-z-]|$GOOD_SK" "$TRASH/all-err" | head -n 5 | grep .
'
test_done
