#!/bin/bash
# The tools against a hostile HTTP server on loopback (tests/stubs/http-stub.py): one that trickles a
# few bytes a second is cut after the read timeout and retried as usual, while a long healthy
# download is never cut; a listing whose continuation token comes back ends with an error.
. "$(dirname "$0")/lib.sh"

python3 "$TOP/tests/stubs/http-stub.py" --port-file "$TRASH/port" >/dev/null 2>"$TRASH/stub.err" &
test_cleanup "kill $!"
PORT=$(standin_port "$TRASH/port") || { cat "$TRASH/stub.err"; exit 1; }
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDSTUBSTUBSTUB AWS_SECRET_ACCESS_KEY=stubsecretstubsecret
# The AWS CLI's read timeout, from the profile: 2 s instead of 60 to keep the test short.
printf '[default]\ncli_read_timeout = 2\n' >"$TRASH/config"
export AWS_CONFIG_FILE=$TRASH/config

script() { curl -sf -X POST -H "Content-Type: application/json" --data-binary "$1" \
	"http://127.0.0.1:$PORT/__stub/script" >/dev/null; }
requests() { curl -sf "http://127.0.0.1:$PORT/__stub/log" | jq ".requests | length"; }
targets() { curl -sf "http://127.0.0.1:$PORT/__stub/log" |
	jq -r '.requests[] | [.headers[] | select(.[0] == "X-Amz-Target") | .[1]][0] // "none"'; }
# The stub's scripts, made by python (JSON in JSON in shell quotes is no one's friend).
stub_json() { python3 -c "import json, sys; print(json.dumps(eval(sys.argv[1])))" "$1"; }
TRICKLE_ATHENA=$(stub_json '{"actions": [], "default": {"trickle": 2,
	"headers": {"Content-Type": "application/x-amz-json-1.1"},
	"body": json.dumps({"QueryExecutionId": "0" * 200})}}')
LONG_DOWNLOAD=$(stub_json '{"actions": [
	{"body": "<ListBucketResult><Name>lake</Name><IsTruncated>false</IsTruncated><Contents>"
	         "<Key>t/x.json</Key><Size>3200004</Size></Contents></ListBucketResult>"},
	{"trickle": 1000000, "body": "{\"a\":12345}\n", "body_repeat": 266667}]}')
LIST_LOOP=$(stub_json '{"actions": [], "default": {"body": "<ListBucketResult><Name>lake</Name>"
	"<IsTruncated>true</IsTruncated><Contents><Key>t/a.json</Key><Size>8</Size></Contents>"
	"<NextContinuationToken>again</NextContinuationToken></ListBucketResult>"}}')

test_expect_success 'a server trickling 2 bytes a second: each attempt cut after the read timeout, retried, exit 1' '
	script "$TRICKLE_ATHENA" &&
	start=$(date +%s) &&
	test_expect_failure_status 1 timeout -s KILL 90 athena-query -o s3://results/x/ "SELECT 1" >out 2>err &&
	end=$(date +%s) &&
	grep -q "too slow" err &&
	test "$(targets | grep -c AmazonAthena.StartQueryExecution)" -eq 3 &&
	test $((end - start)) -lt 60
'

test_expect_success 'a bad cli_read_timeout in the profile is a configuration error (exit 2)' '
	printf "[default]\ncli_read_timeout = soon\n" >bad.config &&
	AWS_CONFIG_FILE=$PWD/bad.config test_expect_failure_status 2 timeout -s KILL 60 athena-query -o s3://results/x/ "SELECT 1" 2>err &&
	grep -q "cli_read_timeout" err
'

test_expect_success 'a long download well over the floor is not cut by the read timeout' '
	printf "[default]\ncli_read_timeout = 1\n" >fast.config &&
	script "$LONG_DOWNLOAD" &&
	start=$(date +%s%N) &&
	AWS_CONFIG_FILE=$PWD/fast.config timeout -s KILL 90 glue-crawl --full --catalog cat s3://lake/t >sum 2>err &&
	end=$(date +%s%N) &&
	jq -e ".records == 266667 and .records_bad == 0" sum &&
	test $(( (end - start) / 1000000 )) -gt 2000
'

test_expect_success 'an S3 listing whose continuation token comes back: glue-crawl stops, exit 1' '
	script "$LIST_LOOP" &&
	test_expect_failure_status 1 timeout -s KILL 60 glue-crawl --ddl s3://lake/t >out 2>err &&
	grep -q "continuation token it had given before" err &&
	test "$(requests)" -eq 2
'

test_done
