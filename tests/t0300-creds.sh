#!/bin/bash
# The credential chain without STS: environment, files, credential_process, container and
# EC2 instance metadata (IMDSv2) against a loopback stand-in, their order, refresh, and that no
# secret reaches stderr even at trace level.
. "$(dirname "$0")/lib.sh"

STUB="$TOP/tests/stubs/imds-stub.py"
# stub_start NAME [ARGS...]: starts a stand-in, sets NAME_URL and NAME_LOG
stub_start() {
	local name=$1; shift
	rm -f "$TRASH/$name.port"
	python3 "$STUB" --port-file "$TRASH/$name.port" --log "$TRASH/$name.log" "$@" &
	local pid=$!
	test_cleanup "kill $pid"
	eval "${name}_PID=$pid"
	local port
	port=$(standin_port "$TRASH/$name.port") || exit 1
	eval "${name}_URL=http://127.0.0.1:$port"
	eval "${name}_LOG=$TRASH/$name.log"
	touch "$TRASH/$name.log"
}
stub_start IMDS
stub_start SHORT --ttl 120           # credentials that need refreshing at once
stub_start V1 --v1-only              # an IMDSv1-only instance
ECS_TOKEN=ECSAUTH-SECRET-abcdef

CFG=$TRASH/config CRED=$TRASH/credentials
export AWS_CONFIG_FILE=$CFG AWS_SHARED_CREDENTIALS_FILE=$CRED
: >"$CFG"
: >"$CRED"

# Runs creds-show with IMDS on the stand-in; stderr goes to err (appended to all-err).
show() {
	AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=${IMDS_EP:-$IMDS_URL} \
		creds-show -vv "$@" 2>err
	local rc=$?
	cat err >>"$TRASH/all-err"
	return $rc
}
# expect_source SOURCE KEY [ARGS...]
expect_source() {
	local src=$1 key=$2; shift 2
	show "$@" >out || { cat err; return 1; }
	echo "source=$src key=$key secret=yes" >want
	cut -d" " -f1-3 out >got
	test_cmp want got
}

cat >"$TRASH/proc.sh" <<'SH'
#!/bin/sh
# A credential_process: prints the key it is given as $1, with an expiry when $2 says so.
case "${2:-}" in
stdin) read -r line; printf '{"Version":1,"AccessKeyId":"AKID%s","SecretAccessKey":"procSECRETkey"}\n' "$line"; exit 0 ;;
fail) echo "proc: cannot reach the vault" >&2; exit 3 ;;
v2) echo '{"Version": 2, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "procSECRETkey"}'; exit 0 ;;
nokey) echo '{"Version": 1, "SecretAccessKey": "procSECRETkey"}'; exit 0 ;;
exp) printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"procSECRETkey","SessionToken":"procSECRETtok","Expiration":"2099-01-01T00:00:00Z"}\n' "$1"; exit 0 ;;
esac
printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"procSECRETkey"}\n' "$1"
SH
chmod +x "$TRASH/proc.sh"

test_expect_success 'environment keys, with a session token' '
	AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=envSECRETkey AWS_SESSION_TOKEN=envSECRETtok \
		show >out &&
	echo "source=environment key=AKIDENV secret=yes token=yes expires=no" >want &&
	test_cmp want out
'

test_expect_success 'environment key without secret is an error, not a fall-through' '
	cat >"$CRED" <<-INI &&
	[default]
	aws_access_key_id = AKIDFILE
	aws_secret_access_key = fileSECRETkey
	INI
	! AWS_ACCESS_KEY_ID=AKIDENV show >out &&
	grep -q "AWS_ACCESS_KEY_ID is set but not AWS_SECRET_ACCESS_KEY$" err
'

test_expect_success 'static keys: credentials file, then config file' '
	expect_source shared-credentials-file AKIDFILE &&
	: >"$CRED" &&
	printf "[default]\naws_access_key_id = AKIDCONF\naws_secret_access_key = confSECRETkey\n" >"$CFG" &&
	expect_source config-file AKIDCONF
'

test_expect_success 'environment beats the profile; --profile beats the environment' '
	printf "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = devSECRETkey\n" >"$CRED" &&
	AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=envSECRETkey AWS_PROFILE=dev \
		expect_source environment AKIDENV &&
	AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=envSECRETkey \
		expect_source shared-credentials-file AKIDDEV -p dev
'

test_expect_success 'a profile named on the command line must exist' '
	! show -p nosuch >out &&
	grep -q "nosuch" err
'

test_expect_success 'credential_process runs without a shell and gets its quoted arguments' '
	cat >"$CFG" <<-INI &&
	[profile proc]
	credential_process = "$TRASH/proc.sh" "AKID PROC;X" plain
	INI
	: >"$CRED" &&
	show -p proc >out &&
	echo "source=process key=AKID PROC;X secret=yes token=no expires=no" >want &&
	test_cmp want out
'

test_expect_success 'credential_process with a session token and an Expiration' '
	printf "[profile proc]\ncredential_process = %s AKIDEXP exp\n" "$TRASH/proc.sh" >"$CFG" &&
	show -p proc >out &&
	echo "source=process key=AKIDEXP secret=yes token=yes expires=yes" >want &&
	test_cmp want out
'

test_expect_success 'credential_process does not read the data on our stdin' '
	printf "[profile proc]\ncredential_process = %s K stdin\n" "$TRASH/proc.sh" >"$CFG" &&
	echo DATA | show -p proc >out &&
	grep -q "^source=process key=AKID secret=yes" out
'

test_expect_success 'credential_process failures are reported with its stderr' '
	printf "[profile proc]\ncredential_process = %s K fail\n" "$TRASH/proc.sh" >"$CFG" &&
	! show -p proc >out &&
	grep -q "exited with 3: proc: cannot reach the vault" err &&
	printf "[profile proc]\ncredential_process = %s K v2\n" "$TRASH/proc.sh" >"$CFG" &&
	! show -p proc >out && grep -q "unsupported Version" err &&
	printf "[profile proc]\ncredential_process = %s K nokey\n" "$TRASH/proc.sh" >"$CFG" &&
	! show -p proc >out && grep -q "missing AccessKeyId" err &&
	printf "[profile proc]\ncredential_process = %s/no-such-program\n" "$TRASH" >"$CFG" &&
	! show -p proc >out && grep -q "cannot run" err
'

test_expect_success 'order: credentials file, process, config file' '
	cat >"$CFG" <<-INI &&
	[profile mix]
	credential_process = $TRASH/proc.sh AKIDPROC
	aws_access_key_id = AKIDCONF
	aws_secret_access_key = confSECRETkey
	INI
	printf "[mix]\naws_access_key_id = AKIDCRED\naws_secret_access_key = credSECRETkey\n" >"$CRED" &&
	expect_source shared-credentials-file AKIDCRED -p mix &&
	: >"$CRED" &&
	expect_source process AKIDPROC -p mix
'

# IAM Identity Center itself is tested in t0303.
test_expect_success 'an SSO profile stops the chain with what it lacks (no fall-through to keys)' '
	printf "[profile sso]\nsso_session = corp\nsso_account_id = 1\naws_access_key_id = AKIDX\naws_secret_access_key = x\n[sso-session corp]\nsso_start_url = https://x\n" >"$CFG" &&
	! show -p sso >out &&
	grep -q "profile sso is configured to use IAM Identity Center (SSO) but is missing sso_role_name, sso_region" err
'

test_expect_success 'container credentials with an authorization token' '
	: >"$CFG" &&
	AWS_CONTAINER_CREDENTIALS_FULL_URI=$IMDS_URL/ecs/creds AWS_CONTAINER_AUTHORIZATION_TOKEN=$ECS_TOKEN \
		show >out &&
	grep -q "^source=container key=ASIAECS[0-9]* secret=yes token=yes expires=yes$" out
'

test_expect_success 'container token file (a final newline is fine) beats the token variable' '
	echo "$ECS_TOKEN" >"$TRASH/ecs-token" &&
	AWS_CONTAINER_CREDENTIALS_FULL_URI=$IMDS_URL/ecs/creds \
	AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$TRASH/ecs-token AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong \
		show >out &&
	grep -q "^source=container " out
'

test_expect_success 'container endpoint refusing the token is an error (no fall-through to IMDS)' '
	! AWS_CONTAINER_CREDENTIALS_FULL_URI=$IMDS_URL/ecs/creds AWS_CONTAINER_AUTHORIZATION_TOKEN=wrongtoken \
		show >out &&
	grep -q "container credentials: .*HTTP 401" err
'

test_expect_success 'container full URI over plain http must be a loopback or ECS address' '
	! AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/creds show >out &&
	grep -q "unsupported host example.com" err
'

test_expect_success 'container beats instance metadata' '
	: >"$IMDS_LOG" &&
	AWS_CONTAINER_CREDENTIALS_FULL_URI=$IMDS_URL/ecs/creds AWS_CONTAINER_AUTHORIZATION_TOKEN=$ECS_TOKEN \
		show >out &&
	grep -q "^source=container " out &&
	! grep -q latest "$IMDS_LOG"
'

test_expect_success 'IMDSv2: token PUT, then the role, then its credentials' '
	: >"$IMDS_LOG" &&
	show >out &&
	grep -q "^source=imds key=ASIAIMDS[0-9]* secret=yes token=yes expires=yes$" out &&
	cat >want <<-LOG &&
	PUT /latest/api/token 200
	GET /latest/meta-data/iam/security-credentials/ 200
	GET /latest/meta-data/iam/security-credentials/tl-stub-role 200
	LOG
	test_cmp want "$IMDS_LOG"
'

test_expect_success 'IMDSv1 fallback when the token PUT is refused, unless v1 is disabled' '
	IMDS_EP=$V1_URL show >out &&
	grep -q "^source=imds " out &&
	! IMDS_EP=$V1_URL AWS_EC2_METADATA_V1_DISABLED=true show >out &&
	grep -q "IMDSv1 is disabled" err
'

test_expect_success 'AWS_EC2_METADATA_DISABLED=true: instance metadata is not asked' '
	: >"$IMDS_LOG" &&
	! AWS_EC2_METADATA_SERVICE_ENDPOINT=$IMDS_URL creds-show 2>err >out &&
	grep -q "no AWS credentials found" err &&
	grep -q "disabled by AWS_EC2_METADATA_DISABLED" err &&
	test ! -s "$IMDS_LOG"
'

test_expect_success 'nothing anywhere: a clear error, quickly (no metadata service listening)' '
	port=$(free_port) &&
	start=$(date +%s) &&
	! IMDS_EP=http://127.0.0.1:$port show >out &&
	end=$(date +%s) &&
	test $((end - start)) -le 5 &&
	grep -q "no AWS credentials found (tried environment, profile default, container, instance metadata" err
'

test_expect_success 'long-lived credentials are fetched once, even from 8 threads at once' '
	: >"$IMDS_LOG" &&
	show -t 8 >out &&
	test $(wc -l <out) -eq 8 &&
	test $(cut -d" " -f2 out | sort -u | wc -l) -eq 1 &&
	test $(grep -c "tl-stub-role 200" "$IMDS_LOG") -eq 1
'

test_expect_success 'credentials with under 5 minutes left are refreshed on the next use' '
	: >"$SHORT_LOG" &&
	IMDS_EP=$SHORT_URL show -n 3 >out &&
	test $(cut -d" " -f2 out | sort -u | wc -l) -eq 3 &&
	test $(grep -c "tl-stub-role 200" "$SHORT_LOG") -eq 3 &&
	: >"$IMDS_LOG" &&
	show -n 3 >out &&
	test $(cut -d" " -f2 out | sort -u | wc -l) -eq 1 &&
	test $(grep -c "tl-stub-role 200" "$IMDS_LOG") -eq 1
'

test_expect_success 'a failed refresh keeps credentials that have not expired yet' '
	: >"$SHORT_LOG" &&
	rm -f refresh.out &&
	IMDS_EP=$SHORT_URL show -n 2 -s 4000 >refresh.out &
	showpid=$! &&
	# Stop the stand-in only once creds-show has printed its first credentials (it flushes
	# each line), so the first fetch is complete and only the refresh can fail.
	wait_file refresh.out &&
	kill $SHORT_PID &&
	wait $showpid &&
	{ test $(wc -l <refresh.out) -eq 2 &&
	  test $(cut -d" " -f2 refresh.out | sort -u | wc -l) -eq 1 &&
	  grep -q "refresh failed, using the current ones" err ||
	  { echo "out:"; cat refresh.out; echo "err:"; grep -v "^creds-show: http:" err | tail -n 15; false; }; }
'

test_expect_success 'no secret, token or metadata token ever reached stderr at trace level' '
	test -s "$TRASH/all-err" &&
	grep -q "X-aws-ec2-metadata-token: \*\*\*" "$TRASH/all-err" &&
	! grep -E "SECRET[a-z-]" "$TRASH/all-err" | head -n 5 | grep .
'
test_done
