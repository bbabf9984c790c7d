#!/bin/bash
# athena-query with encrypted results and an expected bucket owner: what it asks Athena for
# (ResultConfiguration.EncryptionConfiguration and ExpectedBucketOwner, as moto stores and
# GetQueryExecution returns it), the owner on its own reads of the result file, and client-side
# encrypted results read through GetQueryResults only. moto checks signatures.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-moto.sh"
moto_start --auth

AQ="athena-query --poll-max 20"
BUCKET=tl-athena-results
OWNER=123456789012
KEY=arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab

queue() { # one result for the next StartQueryExecution (moto also writes its CSV to S3)
	python3 - "$MOTO_URL" <<-'EOF'
	import json, sys, urllib.request
	col = lambda n, t: {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": n,
	                    "Label": n, "Type": t, "Precision": 0, "Scale": 0,
	                    "Nullable": "UNKNOWN", "CaseSensitive": False}
	row = lambda *v: {"Data": [{"VarCharValue": x} for x in v]}
	body = {"results": [{"rows": [row("id", "lang"), row("1", "en"), row("2", "ja")],
	                     "column_info": [col("id", "bigint"), col("lang", "varchar")]}]}
	req = urllib.request.Request(sys.argv[1] + "/moto-api/static/athena/query-results",
	                             data=json.dumps(body).encode(), method="POST",
	                             headers={"Content-Type": "application/json"})
	assert urllib.request.urlopen(req).status == 201
	EOF
}
# The ResultConfiguration of the last query moto ran, as GetQueryExecution returns it.
last_config() {
	python3 - "$MOTO_URL" <<-'EOF'
	import json, sys, boto3
	a = boto3.client("athena", endpoint_url=sys.argv[1], region_name="us-east-1")
	ids = a.list_query_executions()["QueryExecutionIds"]
	execs = [a.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]
	last = max(execs, key=lambda e: e["Status"]["SubmissionDateTime"])
	print(json.dumps(last["ResultConfiguration"], sort_keys=True))
	EOF
}
sent() { jq -c "select(.headers[\"user-agent\"] | startswith(\"tweetlake/\"))" "$MOTO_LOG"; }

test_expect_success 'setup: the results bucket' '
	python3 -c "import boto3; boto3.client(\"s3\", endpoint_url=\"$MOTO_URL\", region_name=\"us-east-1\").create_bucket(Bucket=\"$BUCKET\")"
'
test_expect_success 'bad encryption options are usage errors' '
	test_expect_failure_status 2 $AQ --result-encryption SSE-KMS "SELECT 1" 2>err &&
	grep -q "result-encryption: SSE_S3, SSE_KMS or CSE_KMS, not .SSE-KMS." err &&
	test_expect_failure_status 2 $AQ --result-encryption SSE_KMS "SELECT 1" 2>err &&
	grep -q "result-encryption SSE_KMS needs --result-kms-key" err &&
	test_expect_failure_status 2 $AQ --result-encryption SSE_S3 --result-kms-key k "SELECT 1" 2>err &&
	grep -q "result-kms-key goes with --result-encryption SSE_KMS or CSE_KMS" err &&
	test_expect_failure_status 2 $AQ --expected-bucket-owner 1234 "SELECT 1" 2>err &&
	grep -q "a 12-digit account id" err &&
	test_expect_failure_status 2 athena-query --local lake --result-encryption SSE_S3 "SELECT 1" 2>err &&
	grep -q "are for Athena" err
'
test_expect_success 'SSE_KMS with a key and the expected owner reach Athena; the result file is read with the owner' '
	queue && : >"$MOTO_LOG" &&
	$AQ -o s3://$BUCKET/q/ --result-encryption SSE_KMS --result-kms-key $KEY \
		--expected-bucket-owner $OWNER --fetch s3 "SELECT id, lang FROM t" >out 2>err &&
	printf "id,lang\n1,en\n2,ja\n" >want && test_cmp want out &&
	last_config >cfg &&
	jq -e --arg key $KEY ".EncryptionConfiguration == {\"EncryptionOption\": \"SSE_KMS\", \"KmsKey\": \$key}
		and .ExpectedBucketOwner == \"$OWNER\" and (.OutputLocation | startswith(\"s3://$BUCKET/q/\"))" cfg &&
	sent | jq -c "select(.method == \"GET\" and (.path | endswith(\".csv\")))" >gets &&
	test $(wc -l <gets) -eq 1 &&
	jq -e ".headers[\"x-amz-expected-bucket-owner\"] == \"$OWNER\" and
		(.headers.authorization | contains(\"x-amz-expected-bucket-owner\"))" gets
'
test_expect_success 'SSE_S3 without an output location (the workgroup'"'"'s)' '
	queue &&
	$AQ --result-encryption SSE_S3 "SELECT id, lang FROM t" >out 2>err &&
	last_config >cfg &&
	jq -e ".EncryptionConfiguration == {\"EncryptionOption\": \"SSE_S3\"}" cfg
'
test_expect_success 'CSE_KMS results are ciphertext in S3: read through GetQueryResults even with --fetch s3' '
	queue && : >"$MOTO_LOG" &&
	$AQ -o s3://$BUCKET/cse/ --result-encryption CSE_KMS --result-kms-key $KEY --fetch s3 \
		"SELECT id, lang FROM t" >out 2>err &&
	printf "id,lang\n1,en\n2,ja\n" >want && test_cmp want out &&
	grep -q "encrypted client-side (CSE_KMS): using GetQueryResults" err &&
	sent >all && grep -q "AmazonAthena.GetQueryResults" all &&
	! jq -e "select(.method == \"GET\" and (.path | endswith(\".csv\")))" all >/dev/null
'
test_done
