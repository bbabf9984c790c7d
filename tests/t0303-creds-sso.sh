#!/bin/bash
# IAM Identity Center (SSO) profiles, as "aws configure sso" writes them and "aws sso login" logs
# in: the token cache is read (and refreshed when due) as botocore reads it, the portal gives the
# role credentials, and botocore's own SSO provider, pointed at the same stand-in and files, comes
# to the same credentials and writes the same cache file.
. "$(dirname "$0")/lib.sh"

CFG=$TRASH/config
export AWS_CONFIG_FILE=$CFG AWS_SHARED_CREDENTIALS_FILE=$TRASH/credentials
: >"$AWS_SHARED_CREDENTIALS_FILE"
ROLE=arn:aws:iam::123456789012:role/tl-role
cat >"$CFG" <<'INI'
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-2
sso_account_id = 111122223333
sso_role_name = Admin

[profile norole]
sso_session = corp
sso_account_id = 111122223333

[profile nosession]
sso_session = gone
sso_account_id = 111122223333
sso_role_name = ReadOnly

[profile clash]
sso_session = corp
sso_region = us-west-2
sso_account_id = 111122223333
sso_role_name = ReadOnly
INI
SSO_CACHE=$HOME/.aws/sso/cache
CORP_KEY=$(printf %s corp | sha1sum | cut -c1-40)
LEGACY_KEY=$(printf %s https://legacy.awsapps.com/start | sha1sum | cut -c1-40)

# token FILE ACCESS_TOKEN MINUTES_LEFT [REFRESH_TOKEN [REGISTRATION_DAYS_LEFT]]: a cache file as
# "aws sso login" writes it (json.dumps, members in the CLI's order).
cat >"$TRASH/token.py" <<'PY'
import datetime, json, sys
path, access, minutes = sys.argv[1], sys.argv[2], float(sys.argv[3])
now = datetime.datetime.now(datetime.timezone.utc)
at = lambda d: (now + d).strftime("%Y-%m-%dT%H:%M:%SZ")
legacy = "legacy" in path
tok = {"startUrl": "https://%s.awsapps.com/start" % ("legacy" if legacy else "corp"),
       "region": "us-east-2" if legacy else "eu-west-1", "accessToken": access,
       "expiresAt": at(datetime.timedelta(minutes=minutes))}
if len(sys.argv) > 4:
    tok.update({"clientId": "tl-client-id", "clientSecret": "clientSECRET-abc123",
                "registrationExpiresAt": at(datetime.timedelta(days=float(sys.argv[5]) if len(sys.argv) > 5 else 80)),
                "refreshToken": sys.argv[4]})
with open(path.replace("@", ""), "w") as f:
    json.dump(tok, f)
PY
token() {
	mkdir -p "$SSO_CACHE" &&
	python3 "$TRASH/token.py" "$@"
}

show() {
	creds-show -vv -H "$@" 2>err
	local rc=$?
	cat err >>"$TRASH/all-err"
	return $rc
}

test_expect_success 'an SSO profile without its role name says what is missing' '
	! show -p norole >out &&
	grep -q "profile norole is configured to use IAM Identity Center (SSO) but is missing sso_role_name" err
'
test_expect_success 'an sso_session naming no section, or disagreeing with it, is an error' '
	! show -p nosession >out &&
	grep -q "the sso-session \"gone\" does not exist" err &&
	! show -p clash >out &&
	grep -q "sso_region is \"us-west-2\" in the profile but \"eu-west-1\" in sso-session corp" err
'
test_expect_success 'before any login the message says how to log in' '
	! show -p dev >out &&
	grep -q "no IAM Identity Center login for sso-session corp .*run: aws sso login --profile dev" err &&
	! show -p legacy >out &&
	grep -q "run: aws sso login --profile legacy" err
'

python3 "$TOP/tests/stubs/sso-stub.py" --port-file "$TRASH/sso.port" 2>"$TRASH/sso.log" &
test_cleanup "kill $!"
SSO_URL=http://127.0.0.1:$(standin_port "$TRASH/sso.port") || exit 1
export AWS_ENDPOINT_URL_SSO=$SSO_URL AWS_ENDPOINT_URL_SSO_OIDC=$SSO_URL
setup() { curl -sf -X POST "$SSO_URL/__sso/setup" -d "$1" >/dev/null; }
ssolog() { curl -sf "$SSO_URL/__sso/log"; }
# The credentials creds-show and creds-botocore agree on (creds-show says more).
same_as_botocore() {
	sed -n "s/.* \(key=[^ ]*\) .*\(secret_sha256=.*\)/\1 \2/p" out >ours &&
	python3 "$TOP/tests/helpers/creds-botocore.py" "$1" >theirs.full 2>theirs.err &&
	sed -n "s/.* \(key=[^ ]*\) \(secret_sha256=.*\)/\1 \2/p" theirs.full >theirs &&
	test -s ours && test_cmp theirs ours
}
setup '{"tokens": ["accessTOKEN-corp-valid", "accessTOKEN-legacy-valid"],
	"refresh_tokens": ["refreshTOKEN-corp-1"], "clients": {"tl-client-id": "clientSECRET-abc123"}}'

test_expect_success 'sso-session profile: role credentials from the portal, as botocore gets them' '
	setup "{}" &&
	token "$SSO_CACHE/$CORP_KEY.json" accessTOKEN-corp-valid 480 &&
	show -p dev >out &&
	grep -q "^source=sso key=ASIA[0-9A-F]* secret=yes token=yes expires=yes " out &&
	same_as_botocore dev &&
	ssolog >log &&
	python3 -c "
import json, sys
r = json.load(open(\"log\"))[\"requests\"]
assert len(r) == 2 and all(x[\"path\"] == \"/federation/credentials\" for x in r), r
assert all(x[\"query\"] == {\"role_name\": \"ReadOnly\", \"account_id\": \"111122223333\"} for x in r), r
assert all(x[\"token\"] == \"accessTOKEN-corp-valid\" for x in r), r
"
'
test_expect_success 'legacy profile (sso_start_url in the profile): the same as botocore' '
	token "$SSO_CACHE/$LEGACY_KEY.json" accessTOKEN-legacy-valid 480 &&
	show -p legacy >out &&
	grep -q "^source=sso " out &&
	same_as_botocore legacy
'
test_expect_success 'a token with less than 15 minutes left is refreshed and written back as botocore writes it' '
	setup "{}" &&
	token "$SSO_CACHE/$CORP_KEY.json" accessTOKEN-corp-valid 10 refreshTOKEN-corp-1 &&
	cp "$SSO_CACHE/$CORP_KEY.json" before.json &&
	show -p dev >out &&
	grep -q "refreshed the IAM Identity Center token of sso-session corp" err &&
	cp "$SSO_CACHE/$CORP_KEY.json" ours.json &&
	cp before.json "$SSO_CACHE/$CORP_KEY.json" &&
	same_as_botocore dev &&
	cp "$SSO_CACHE/$CORP_KEY.json" theirs.json &&
	! cmp -s before.json ours.json &&
	sed "s/\"expiresAt\": \"[^\"]*\"/\"expiresAt\": \"T\"/" ours.json >ours.cmp &&
	sed "s/\"expiresAt\": \"[^\"]*\"/\"expiresAt\": \"T\"/" theirs.json >theirs.cmp &&
	test_cmp theirs.cmp ours.cmp &&
	python3 -c "
import datetime, json
o, t = (json.load(open(f)) for f in (\"ours.json\", \"theirs.json\"))
p = lambda s: datetime.datetime.strptime(s, \"%Y-%m-%dT%H:%M:%SZ\")
assert abs((p(o[\"expiresAt\"]) - p(t[\"expiresAt\"])).total_seconds()) < 120, (o, t)
assert o[\"accessToken\"].startswith(\"aoa-\") and o[\"refreshToken\"].startswith(\"aor-\"), o
" &&
	ssolog >log &&
	test $(grep -o "\"path\": \"/token\"" log | wc -l) -eq 2
'
test_expect_success 'the refreshed token is used from the cache next time, without a refresh' '
	setup "{}" &&
	show -p dev >out &&
	! grep -q "refreshed the IAM Identity Center" err &&
	ssolog >log && ! grep -q "/token" log
'
test_expect_success 'a refused refresh while the token is still valid: a warning, and the old token serves' '
	token "$SSO_CACHE/$CORP_KEY.json" accessTOKEN-corp-valid 10 refreshTOKEN-unknown &&
	cp "$SSO_CACHE/$CORP_KEY.json" before.json &&
	show -p dev >out &&
	grep -q "warning: credentials: refreshing the IAM Identity Center token failed: .*InvalidGrantException: Invalid refresh token provided (HTTP 400" err &&
	grep -q "^source=sso " out &&
	test_cmp before.json "$SSO_CACHE/$CORP_KEY.json" &&
	same_as_botocore dev
'
test_expect_success 'an expired login that cannot be refreshed says to log in again (botocore fails too)' '
	token "$SSO_CACHE/$CORP_KEY.json" accessTOKEN-corp-valid -5 refreshTOKEN-corp-1 -1 &&
	test_expect_failure_status 1 show -p dev >out &&
	grep -q "profile dev: the IAM Identity Center login has expired; run: aws sso login --profile dev" err &&
	! python3 "$TOP/tests/helpers/creds-botocore.py" dev >/dev/null 2>&1
'
test_expect_success 'legacy tokens are never refreshed: an expired one says to log in again' '
	setup "{}" &&
	token "$SSO_CACHE/$LEGACY_KEY.json" accessTOKEN-legacy-valid -1 refreshTOKEN-corp-1 &&
	! show -p legacy >out &&
	grep -q "login has expired; run: aws sso login --profile legacy" err &&
	ssolog >log && ! grep -q "/token" log &&
	! python3 "$TOP/tests/helpers/creds-botocore.py" legacy >/dev/null 2>&1
'
test_expect_success 'the portal refusing the token says to log in again' '
	token "$SSO_CACHE/$CORP_KEY.json" accessTOKEN-revoked 480 &&
	! show -p dev >out &&
	grep -q "expired or is not valid; run: aws sso login --profile dev" err
'
test_expect_success 'a cache file that is not JSON, or lacks the token, is reported' '
	echo "{not json" >"$SSO_CACHE/$CORP_KEY.json" &&
	! show -p dev >out && grep -q "$CORP_KEY.json: not a JSON object" err &&
	echo "{\"startUrl\": \"x\"}" >"$SSO_CACHE/$CORP_KEY.json" &&
	! show -p dev >out && grep -q "is invalid (no accessToken or expiresAt); run: aws sso login --profile dev" err
'
test_expect_success 'a 500 from the portal is retried' '
	token "$SSO_CACHE/$CORP_KEY.json" accessTOKEN-corp-valid 480 &&
	setup "{\"faults\": [{\"path\": \"/federation/credentials\", \"status\": 500, \"count\": 1}]}" &&
	show -p dev >out &&
	grep -q "^source=sso " out &&
	ssolog >log && test $(grep -o "/federation/credentials" log | wc -l) -eq 2
'
test_expect_success 'a portal that keeps failing: three attempts, then the error with the role' '
	setup "{\"faults\": [{\"path\": \"/federation/credentials\", \"status\": 503, \"count\": 5}]}" &&
	test_expect_failure_status 1 show -p dev >out &&
	grep -q "profile dev: role ReadOnly, account 111122223333: IAM Identity Center GetRoleCredentials at .*(HTTP 503, request id sso-stub-[0-9]*) after 3 attempts" err &&
	ssolog >log && test $(grep -o "/federation/credentials" log | wc -l) -eq 3
'
test_expect_success 'a 500 from OIDC CreateToken is retried under the same policy; the refresh lands' '
	token "$SSO_CACHE/$CORP_KEY.json" accessTOKEN-corp-valid 10 refreshTOKEN-corp-1 &&
	setup "{\"faults\": [{\"path\": \"/token\", \"status\": 500, \"count\": 1}]}" &&
	show -p dev >out &&
	grep -q "refreshed the IAM Identity Center token of sso-session corp" err &&
	! grep -q "warning" err &&
	ssolog >log && test $(grep -o "\"path\": \"/token\"" log | wc -l) -eq 2 &&
	grep -q "\"accessToken\": \"aoa-" "$SSO_CACHE/$CORP_KEY.json"
'

. "$TOP/tests/lib-moto.sh"
moto_start
test_expect_success 'an SSO profile as the source of an assumed role' '
	cat >>"$CFG" <<-INI &&
	[profile role]
	role_arn = $ROLE
	source_profile = dev
	INI
	show -p role >out &&
	grep -q "^source=assume-role key=ASIA" out &&
	grep -q "assuming $ROLE with credentials from sso" err
'
test_expect_success 'a tool signs with the SSO role credentials (athena-query --profile dev)' '
	ssokey=$(creds-show -p dev | sed -n "s/.* key=\([^ ]*\) .*/\1/p") &&
	test -n "$ssokey" &&
	athena-query -vv --profile dev -o s3://tl-results/ "SELECT 1" >out 2>err &&
	cat err >>"$TRASH/all-err" &&
	grep "AmazonAthena.StartQueryExecution" "$MOTO_LOG" >sent &&
	grep -q "Credential=$ssokey/[0-9]*/us-east-1/athena/aws4_request" sent
'
test_expect_success 'no token, refresh token, client secret or role secret reached stderr' '
	grep -q "> x-amz-sso_bearer_token: \*\*\*" "$TRASH/all-err" &&
	! grep -E "accessTOKEN|refreshTOKEN|clientSECRET|ssoSECRET|ssoSESSION|aoa-|aor-" "$TRASH/all-err" | head -n 5 | grep .
'
test_done
