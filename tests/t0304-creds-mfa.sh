#!/bin/bash
# Assume-role profiles with mfa_serial: the code is asked on the terminal (typed through tmux, as
# a person would), never taken from argv, and the session is cached in ~/.aws/cli/cache under the
# name botocore gives it, so that the AWS CLI and the tools share it; without a terminal, a clear
# error. STS is moto's, checking signatures.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-moto.sh"

command -v tmux >/dev/null || test_skip "tmux not installed (make deps)"
moto_start --auth
GOOD_AK=$AWS_ACCESS_KEY_ID GOOD_SK=$AWS_SECRET_ACCESS_KEY
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL
export AWS_ENDPOINT_URL_STS=$MOTO_URL AWS_ENDPOINT_URL_ATHENA=$MOTO_URL
CFG=$TRASH/config CRED=$TRASH/credentials
export AWS_CONFIG_FILE=$CFG AWS_SHARED_CREDENTIALS_FILE=$CRED
ROLE=arn:aws:iam::123456789012:role/tl-mfa-role
SERIAL=arn:aws:iam::123456789012:mfa/tl-user
cat >"$CFG" <<INI
[profile mfa]
role_arn = $ROLE
source_profile = base
mfa_serial = $SERIAL
region = us-east-1
INI
printf "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n" "$GOOD_AK" "$GOOD_SK" >"$CRED"
CLI_CACHE=$HOME/.aws/cli/cache

# With signature checking on, moto takes the role's credentials only for a role that exists.
AWS_ACCESS_KEY_ID=$GOOD_AK AWS_SECRET_ACCESS_KEY=$GOOD_SK python3 - "$MOTO_URL" <<'PY' || exit 1
import sys
import boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1")
trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},'
         '"Action":"sts:AssumeRole"}]}')
allow = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
iam.create_role(RoleName="tl-mfa-role", AssumeRolePolicyDocument=trust)
iam.put_role_policy(RoleName="tl-mfa-role", PolicyName="all", PolicyDocument=allow)
PY

# The name botocore's own AssumeRoleCredentialFetcher gives the cache file of this profile.
KEY=$(python3 - "$ROLE" "$SERIAL" <<'PY'
import sys
from botocore.credentials import AssumeRoleCredentialFetcher
f = AssumeRoleCredentialFetcher(client_creator=None, source_credentials=None, role_arn=sys.argv[1],
                                extra_args={"SerialNumber": sys.argv[2]})
print(f._cache_key)
PY
) || exit 1

# A terminal of our own: a tmux server on a private socket, one window per command.
export TERM=${TERM:-xterm}
TMUX_SOCK=$TRASH/tmux.sock
test_cleanup "tmux -S '$TMUX_SOCK' kill-server"
# on_tty NAME 'COMMAND': runs COMMAND in a new tmux window; "$TRASH/NAME.status" gets its status.
on_tty() {
	rm -f "$TRASH/$1.status"
	tmux -S "$TMUX_SOCK" new-session -d -s "$1" -x 200 -y 20 \
		"cd '$TRASH'; $2; echo \$? >'$TRASH/$1.status'; sleep 600"
}
screen() { tmux -S "$TMUX_SOCK" capture-pane -p -t "$1"; }
# type NAME TEXT: types TEXT and Enter into the window, once it shows the MFA prompt.
type_code() {
	wait_for 60 "screen '$1' | grep -q 'Enter MFA code for $SERIAL:'" &&
	tmux -S "$TMUX_SOCK" send-keys -t "$1" "$2" Enter
}
assume_calls() { grep -c "Action=AssumeRole&" "$MOTO_LOG" || true; }

test_expect_success 'without a terminal: a clear error, and STS is not called' '
	before=$(assume_calls) &&
	test_expect_failure_status 1 setsid -w creds-show -p mfa >out 2>err </dev/null &&
	grep -q "profile mfa needs an MFA code (mfa_serial $SERIAL): no terminal to ask on; run the tool from a terminal, or first start the session from one with \"aws sts get-caller-identity --profile mfa\"" err &&
	test "$(assume_calls)" = "$before"
'
test_expect_success 'on a terminal the code is asked, not echoed, and sent to STS with the serial' '
	on_tty first "creds-show -p mfa >first.out 2>first.err" &&
	type_code first 918273 &&
	wait_file "$TRASH/first.status" &&
	test "$(cat "$TRASH/first.status")" = 0 &&
	grep -q "^source=assume-role key=ASIA" "$TRASH/first.out" &&
	screen first >pane &&
	! grep -q 918273 pane &&
	grep "Action=AssumeRole&" "$MOTO_LOG" | tail -n 1 >sent &&
	grep -q "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Ftl-user&TokenCode=918273" sent &&
	! grep -q 918273 "$TRASH/first.err"
'
test_expect_success 'the session is cached under the name the AWS CLI gives it' '
	test -f "$CLI_CACHE/$KEY.json" &&
	test "$(stat -c %a "$CLI_CACHE/$KEY.json")" = 600 &&
	python3 - "$CLI_CACHE/$KEY.json" <<-\PY
	import json, sys
	from botocore.utils import parse_timestamp
	d = json.load(open(sys.argv[1]))
	c = d["Credentials"]
	assert c["AccessKeyId"].startswith("ASIA") and c["SecretAccessKey"] and c["SessionToken"], d
	assert c["Expiration"].endswith("UTC"), c["Expiration"]
	parse_timestamp(c["Expiration"])
	assert d["AssumedRoleUser"]["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/tl-mfa-role/"), d
	assert c["AccountId"] == "123456789012", c
	PY
'
test_expect_success 'the next run takes the cached session: no terminal, no STS call' '
	before=$(assume_calls) &&
	setsid -w creds-show -p mfa -v >out 2>err </dev/null &&
	grep -q "^source=assume-role " out &&
	grep -q "the assumed role.s session from .*/$KEY.json" err &&
	test "$(assume_calls)" = "$before" &&
	test "$(sed -n "s/.* key=\([^ ]*\) .*/\1/p" out)" = "$(sed -n "s/.* key=\([^ ]*\) .*/\1/p" "$TRASH/first.out")"
'
test_expect_success 'the AWS CLI uses the session the tools cached (it asks nothing)' '
	setsid -w aws sts get-caller-identity --profile mfa --output text </dev/null >out 2>err &&
	grep -q "assumed-role/tl-mfa-role" out
'
test_expect_success 'the tools use a session the AWS CLI cached after asking for the code' '
	rm -rf "$CLI_CACHE" &&
	on_tty cli "aws sts get-caller-identity --profile mfa --output text >cli.out 2>cli.err" &&
	type_code cli 654321 &&
	wait_file "$TRASH/cli.status" &&
	test "$(cat "$TRASH/cli.status")" = 0 &&
	test -f "$CLI_CACHE/$KEY.json" &&
	before=$(assume_calls) &&
	setsid -w creds-show -p mfa >out 2>err </dev/null &&
	grep -q "^source=assume-role " out &&
	test "$(assume_calls)" = "$before"
'
test_expect_success 'a tool asks on its terminal too (athena-query --profile mfa)' '
	rm -rf "$CLI_CACHE" &&
	on_tty tool "athena-query --profile mfa -o s3://tl-results/ \"SELECT 1\" >tool.out 2>tool.err" &&
	type_code tool 112233 &&
	wait_file "$TRASH/tool.status" &&
	test "$(cat "$TRASH/tool.status")" = 0 &&
	grep "AmazonAthena.StartQueryExecution" "$MOTO_LOG" | grep -q "Credential=ASIA" &&
	test -f "$CLI_CACHE/$KEY.json"
'
test_expect_success 'an empty answer is refused' '
	rm -rf "$CLI_CACHE" &&
	on_tty empty "creds-show -p mfa >empty.out 2>empty.err" &&
	type_code empty "" &&
	wait_file "$TRASH/empty.status" &&
	test "$(cat "$TRASH/empty.status")" = 1 &&
	grep -q "profile mfa: no MFA code given" "$TRASH/empty.err"
'
test_done
