#!/bin/bash
# tw-stream's rule management against the loopback X API stand-in.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/x-api-stub.sh"
export X_BEARER_TOKEN=tok-$$-rules-b3ar3r X_STUB_TOKEN=tok-$$-rules-b3ar3r

test_expect_success 'no rules: --list-rules prints nothing and exits 0' '
	stub_start &&
	tw-stream --api-url "$STUB_URL" --list-rules >out 2>err &&
	test ! -s out && grep -q "0 rules" err
'
test_expect_success 'add rules (with and without a tag), then list them' '
	stub_start &&
	tw-stream --api-url "$STUB_URL" --add-rule "cat has:media" --tag cats --add-rule "\"quoted dog\" lang:en" >out 2>err &&
	cat >expect <<-\JSON &&
	{"id":"1377649934414049282","value":"cat has:media","tag":"cats"}
	{"id":"1377649934414049283","value":"\"quoted dog\" lang:en"}
	JSON
	test_cmp expect out && grep -q "2 rules created" err &&
	tw-stream --api-url "$STUB_URL" --list-rules >out 2>err && test_cmp expect out &&
	grep "POST" "$STUB_LOG" | grep -qv dry_run
'
test_expect_success 'rule ids sent as JSON numbers keep every digit; a null tag is no tag' '
	echo "[{\"id\": \"1377649934414049282\", \"value\": \"a\"}, {\"id\": \"1377649934414049299\", \"value\": \"b\", \"tag\": \"t\"}]" >rules.json &&
	stub_start --numeric-ids --null-tags --initial-rules rules.json &&
	grep -q "\"id\": 1377649934414049282, \"value\": \"a\", \"tag\": null" <(curl -s -H "Authorization: Bearer $X_BEARER_TOKEN" "$STUB_URL/2/tweets/search/stream/rules") &&
	tw-stream --api-url "$STUB_URL" --list-rules >out &&
	printf "%s\n" "{\"id\":\"1377649934414049282\",\"value\":\"a\"}" "{\"id\":\"1377649934414049299\",\"value\":\"b\",\"tag\":\"t\"}" >expect &&
	test_cmp expect out &&
	tw-stream --api-url "$STUB_URL" --delete-rule 1377649934414049299 2>err && grep -q "1 rule deleted" err &&
	tw-stream --api-url "$STUB_URL" --list-rules >out && test $(wc -l <out) -eq 1
'
test_expect_success 'errors in a 2xx body are reported and exit 1 (invalid rule, duplicate)' '
	echo "[{\"id\": \"5\", \"value\": \"dup\"}]" >rules.json &&
	stub_start --initial-rules rules.json &&
	test_expect_failure_status 1 tw-stream --api-url "$STUB_URL" --add-rule "INVALID -x" --add-rule good --add-rule dup >out 2>err &&
	cat err &&
	grep -q "rule \"INVALID -x\": Invalid Rule: Rules must contain a non-negation term" err &&
	grep -q "rule \"dup\" (id 5): DuplicateRule" err &&
	grep -q "1 rule created, 2 not created" err &&
	grep -q "\"value\":\"good\"" out
'
test_expect_success 'delete a missing rule: reported, exit 1; --delete-all-rules empties' '
	echo "[{\"id\": \"5\", \"value\": \"a\"}, {\"id\": \"6\", \"value\": \"b\"}]" >rules.json &&
	stub_start --initial-rules rules.json &&
	test_expect_failure_status 1 tw-stream --api-url "$STUB_URL" --delete-rule 7 2>err &&
	grep -q "(id 7): Rule does not exist" err &&
	tw-stream --api-url "$STUB_URL" --delete-all-rules 2>err && grep -q "2 rules deleted" err &&
	tw-stream --api-url "$STUB_URL" --list-rules >out && test ! -s out
'
test_expect_success '--rules-file makes the server equal the file: adds the missing, deletes the rest' '
	echo "[{\"id\": \"5\", \"value\": \"old\"}, {\"id\": \"6\", \"value\": \"keep\", \"tag\": \"k\"}, {\"id\": \"7\", \"value\": \"retag\", \"tag\": \"x\"}]" >rules.json &&
	stub_start --initial-rules rules.json &&
	printf "# rules for the demo\n\nkeep\tk\n#AI lang:en\nretag\ty\n{\"value\": \"json \\\\\"rule\\\\\"\", \"tag\": null}\n" >rules.txt &&
	cat rules.txt &&
	tw-stream --api-url "$STUB_URL" --rules-file rules.txt >out 2>err &&
	cat err &&
	tw-stream --api-url "$STUB_URL" --list-rules | jq -c "[.value, .tag]" | sort >have &&
	printf "%s\n" "[\"#AI lang:en\",null]" "[\"json \\\"rule\\\"\",null]" "[\"keep\",\"k\"]" "[\"retag\",\"y\"]" | sort >want &&
	test_cmp want have &&
	grep -q "delete rule 5 \"old\"" err && grep -q "delete rule 7 \"retag\"" err &&
	tw-stream --api-url "$STUB_URL" --rules-file rules.txt 2>err && grep -q "already match" err
'
test_expect_success '--rules-file --dry-run changes nothing and asks X with dry_run=true' '
	echo "[{\"id\": \"5\", \"value\": \"old\"}]" >rules.json &&
	stub_start --initial-rules rules.json &&
	echo new >rules.txt &&
	tw-stream --api-url "$STUB_URL" --rules-file rules.txt --dry-run >out 2>err &&
	grep -q "would delete rule 5" err && grep -q "would add rule \"new\"" err &&
	grep -q "dry run: 1 rule created" err &&
	test $(grep -c "POST /2/tweets/search/stream/rules?dry_run=true" "$STUB_LOG") -eq 2 &&
	tw-stream --api-url "$STUB_URL" --list-rules >out && grep -q "\"old\"" out && ! grep -q "\"new\"" out
'
test_expect_success 'a refused token: exit 1 with the reason; no token: exit 2' '
	stub_start &&
	test_expect_failure_status 1 env X_BEARER_TOKEN=nope-nope-nope tw-stream --api-url "$STUB_URL" --list-rules 2>err &&
	grep -q "HTTP 401: Unauthorized" err &&
	test_expect_failure_status 2 env -u X_BEARER_TOKEN tw-stream --api-url "$STUB_URL" --list-rules 2>err
'
test_expect_success 'examples/stream-rules-from-file.sh: dry run, sync, list, then stream' '
	stub_start --data "$CAPTURE" --then "lines:1-3 hold" &&
	X_API_URL=$STUB_URL "$TOP/examples/stream-rules-from-file.sh" "" --max-tweets 3 >out 2>err &&
	test $(wc -l <out) -eq 3 &&
	grep -q "would add rule \"cat has:images -is:retweet\" tag cats" err &&
	grep -q "\"value\":\"#DataEngineering OR #dataengineering lang:en\",\"tag\":\"data\"" err
'
test_done
