#!/bin/bash
# Amazon MSK with IAM authentication (--msk-iam, -X sasl.mechanism=AWS_MSK_IAM, a Java client's
# MSK properties file): the tokens are those of the reference signer (npm
# aws-msk-iam-sasl-signer-js) and of botocore's presigner; librdkafka 2.0.2's mock cluster knows
# no SASL (its ApiVersions lists no SaslHandshake, so a SASL client gives up on it, and it would
# close a connection that sent one), so an MSK stand-in in front of it
# (tests/stubs/msk-iam-proxy.py) takes the SASL/OAUTHBEARER exchange, checks each token's
# signature with botocore, and relays to the mock; kafka-produce and kafka-to-s3 work through it,
# and tokens made from refreshed credentials replace the old ones.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"

[ -d "$TOP/tests/peers/node_modules/aws-msk-iam-sasl-signer-js" ] ||
	echo "tests/peers/node_modules is missing: run make deps" >&2
kafka_start -b 1 -t m1:1 -t m2:1 -t m3:1 -t m4:1 -t m5:1

export AWS_REGION=us-east-1
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
GOOD="AWS_ACCESS_KEY_ID=AKIAMSKTEST1 AWS_SECRET_ACCESS_KEY=SECRETforAKIAMSKTEST1"
# Two stand-ins in front of the same mock: one whose sessions last, and one that ends each
# session after 3 s (as MSK ends expired ones) for the refresh test. Consumer groups go through
# the first only: a member cut off during its JoinGroup, which the mock holds ~3 s, and joining
# again trips an assertion of the 2.0.2 mock (rd_kafka_mock_cgrp_member_add: !member->resp).
python3 "$TOP/tests/stubs/msk-iam-proxy.py" --upstream "$KAFKA_BROKERS" --region us-east-1 \
	--log "$TRASH/auth.log" --port-file "$TRASH/proxy.port" 2>"$TRASH/proxy.err" &
test_cleanup "kill $!"
python3 "$TOP/tests/stubs/msk-iam-proxy.py" --upstream "$KAFKA_BROKERS" --region us-east-1 \
	--session-lifetime 3 --log "$TRASH/auth.log" --port-file "$TRASH/proxy-short.port" \
	2>"$TRASH/proxy-short.err" &
test_cleanup "kill $!"
MSK=127.0.0.1:$(standin_port "$TRASH/proxy.port") || { cat "$TRASH/proxy.err"; exit 1; }
MSK_SHORT=127.0.0.1:$(standin_port "$TRASH/proxy-short.port") || exit 1
SASL="-X security.protocol=SASL_PLAINTEXT"
lines() { seq "$1" "$2" | sed 's/.*/{"n":&}/'; }
count() { kcat -C -b "$KAFKA_BROKERS" -t "$1" -e -q | wc -l; }
auths() { jq -c "select(.ok)" "$TRASH/auth.log" 2>/dev/null; }

test_expect_success 'tokens are those of the npm reference signer, and botocore verifies them' '
	python3 "$TOP/tests/helpers/msk-token-check.py" --helper "$(command -v msk-token)" \
		--count 300 >out &&
	cat out && grep -q "checked 300 tokens (.* against the npm signer), 0 bad" out
'
test_expect_success 'the region: from the broker names, else --region or AWS_REGION; none is an error' '
	env $GOOD kafka-produce -v --msk-iam -b b-1.demo.abc123.c2.kafka.eu-west-3.amazonaws.com:9098 \
		-t x </dev/null 2>err &&
	grep -q "MSK IAM: region eu-west-3, credentials from environment" err &&
	env $GOOD kafka-produce -v --msk-iam --region ap-south-1 -b 10.0.0.1:9098 -t x </dev/null 2>err &&
	grep -q "MSK IAM: region ap-south-1" err &&
	test_expect_failure_status 2 env $GOOD AWS_REGION= kafka-produce --msk-iam -b 10.0.0.1:9098 \
		-t x </dev/null 2>err &&
	grep -q "MSK IAM: no AWS region: the brokers. names do not tell it" err
'
test_expect_success 'usage: --profile and --region need MSK IAM; MSK IAM needs a SASL protocol' '
	test_expect_failure_status 2 kafka-produce --region us-east-1 -b "$MSK" -t m1 </dev/null 2>err &&
	grep -q "are for MSK IAM (--msk-iam)" err &&
	test_expect_failure_status 2 env $GOOD kafka-produce --msk-iam -X security.protocol=SSL -b "$MSK" -t m1 \
		</dev/null 2>err &&
	grep -q "MSK IAM is SASL: security.protocol=ssl does not go with it" err
'
test_expect_success 'no credentials anywhere: exit 2 with where it looked' '
	test_expect_failure_status 2 kafka-produce --msk-iam -b "$MSK" -t m1 </dev/null 2>err &&
	grep -q "MSK IAM: no AWS credentials found (tried environment" err
'
test_expect_success 'the mock cluster alone knows no SASL: the token is made, the client finds no SASL there' '
	lines 1 3 >in &&
	test_expect_failure_status 1 env $GOOD kafka-produce -v --msk-iam $SASL \
		-X message.timeout.ms=4000 -b "$KAFKA_BROKERS" -t m1 <in 2>err &&
	grep -q "MSK IAM: new token for region us-east-1 (access key AKIAMSKTEST1)" err &&
	grep -q "SASL Handshake not supported by broker (required by mechanism OAUTHBEARER)" err &&
	test "$(count m1)" -eq 0
'
test_expect_success 'kafka-produce --msk-iam through the MSK stand-in: the token is checked, every line delivered' '
	: >"$TRASH/auth.log" &&
	lines 1 50 | env $GOOD kafka-produce -vv --msk-iam $SASL -b "$MSK" -t m2 2>err &&
	cat err >>"$TRASH/all-err" &&
	test "$(count m2)" -eq 50 &&
	auths >ok && test -s ok &&
	jq -e -s "all(.[]; .access_key == \"AKIAMSKTEST1\" and .region == \"us-east-1\" and
		(.user_agent | startswith(\"tweetlake/\")) and .expires == 900)" ok
'
test_expect_success 'a wrong secret: the broker refuses the token, delivery fails with the reason (exit 1)' '
	: >"$TRASH/auth.log" &&
	lines 1 3 >in &&
	test_expect_failure_status 1 env AWS_ACCESS_KEY_ID=AKIAMSKTEST1 \
		AWS_SECRET_ACCESS_KEY=wrongSECRETvalue kafka-produce --msk-iam $SASL \
		-X message.timeout.ms=5000 -b "$MSK" -t m3 <in 2>err &&
	cat err >>"$TRASH/all-err" &&
	grep -q "signature does not match" err &&
	jq -e -s "length > 0 and all(.[]; .ok == false and .reason == \"signature does not match\")" \
		"$TRASH/auth.log" &&
	test "$(count m3)" -eq 0
'
test_expect_success 'kafka-to-s3 --msk-iam: a consumer group through the stand-in' '
	lines 1 20 | kcat -P -b "$KAFKA_BROKERS" -t m4 &&
	: >"$TRASH/auth.log" &&
	timeout 180 env $GOOD kafka-to-s3 --msk-iam $SASL -b "$MSK" -G g4 -t m4 -X session.timeout.ms=6000 \
		--dest lake --exit-at-end >manifest 2>err &&
	cat err >>"$TRASH/all-err" &&
	test "$(jq -s "map(.records) | add" manifest)" -eq 20 &&
	auths | grep -q "\"access_key\":\"AKIAMSKTEST1\""
'
test_expect_success 'tw-trends reads through MSK IAM too (-X sasl.mechanism=AWS_MSK_IAM)' '
	tw-stream --simulate --seed 3 --rate 0 --max-tweets 50 2>/dev/null |
		kcat -P -b "$KAFKA_BROKERS" -t m7 &&
	: >"$TRASH/auth.log" &&
	timeout 180 env $GOOD tw-trends -b "$MSK" -G tg -t m7 -X sasl.mechanism=AWS_MSK_IAM $SASL \
		-X auto.offset.reset=earliest -X session.timeout.ms=6000 --exit-at-end >trends 2>err &&
	grep -q "50 tweets" err &&
	auths | grep -q "\"access_key\":\"AKIAMSKTEST1\""
'
test_expect_success 'a Java client'"'"'s MSK properties file works as it is (-F), with its awsProfileName' '
	cat >client.properties <<-\EOF &&
	# as the MSK documentation gives it (SASL_SSL there; plain TCP to the stand-in here)
	security.protocol=SASL_PLAINTEXT
	sasl.mechanism=AWS_MSK_IAM
	sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName="mskprof";
	sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler
	EOF
	printf "[profile mskprof]\naws_access_key_id = AKIAPROFILE7\naws_secret_access_key = SECRETforAKIAPROFILE7\n" >config &&
	: >"$TRASH/auth.log" &&
	lines 1 5 | AWS_CONFIG_FILE=$TRASH/config kafka-produce -F client.properties -b "$MSK" -t m5 2>err &&
	test "$(count m5)" -eq 5 &&
	auths | grep -q "\"access_key\":\"AKIAPROFILE7\"" &&
	lines 6 7 | env $GOOD kafka-produce -F "$TOP/examples/msk-iam.properties" $SASL -b "$MSK" -t m5 &&
	test "$(count m5)" -eq 7
'
# This stand-in ends each session after 3 s, as MSK ends expired ones: a produce request cut off
# then is retried, and the mock (which checks idempotent sequence numbers only for transactional
# producers) may store it twice; every line must be there.
test_expect_success 'refresh: tokens from renewed credentials replace those near their end; nothing lost' '
	cat >creds.sh <<-EOF &&
	#!/bin/sh
	# new keys each call, valid 8 s: each token then lives 8 s, and is replaced at ~6 s
	n=\$((\$(cat "$TRASH/n" 2>/dev/null || echo 0) + 1)); echo \$n >"$TRASH/n"
	exp=\$(date -u -d @\$((\$(date +%s) + 8)) +%Y-%m-%dT%H:%M:%SZ)
	printf "{\"Version\": 1, \"AccessKeyId\": \"ASIAROT%d\", \"SecretAccessKey\": \"SECRETforASIAROT%d\", \"SessionToken\": \"rotSESSION%d\", \"Expiration\": \"%s\"}" \$n \$n \$n \$exp
	EOF
	chmod +x creds.sh &&
	printf "[profile rot]\ncredential_process = %s\n" "$TRASH/creds.sh" >rot.config &&
	: >"$TRASH/auth.log" && rm -f fifo && mkfifo fifo &&
	{ AWS_CONFIG_FILE=$TRASH/rot.config kafka-produce -v --msk-iam --profile rot $SASL \
		-b "$MSK_SHORT" -t m6 <fifo >/dev/null 2>rot.err & } &&
	pid=$! &&
	exec 7>fifo &&
	n=0 &&
	until [ "$(auths | jq -r .access_key | sort -u | wc -l)" -ge 3 ]; do
		n=$((n + 1)); echo "{\"n\":$n}" >&7
		[ $n -lt 600 ] || break
		sleep 0.2
	done &&
	exec 7>&- &&
	wait $pid &&
	cat rot.err >>"$TRASH/all-err" &&
	kcat -C -b "$KAFKA_BROKERS" -t m6 -e -q | sort -u >got &&
	lines 1 $n | sort >want && test_cmp want got &&
	test "$(grep -c "MSK IAM: new token" rot.err)" -ge 3 &&
	test "$(auths | jq -r .date | sort -u | wc -l)" -ge 3
'
test_expect_success 'no token or secret reached stderr, even at -vv' '
	test -s "$TRASH/all-err" &&
	! grep -E "aHR0cHM6Ly9rYWZrYS|SECRETfor|rotSESSION|wrongSECRET" "$TRASH/all-err" | head -n 3 | grep .
'
test_done
