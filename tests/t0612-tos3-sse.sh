#!/bin/bash
# Encrypted lakes: kafka-to-s3 asks S3 for SSE-S3 or SSE-KMS (a key, an S3 Bucket Key) on every
# object, PutObject and multipart alike, and names the expected bucket owner on every request;
# moto stores what was asked and HeadObject returns it; the headers are signed. glue-crawl then
# reads the KMS-encrypted objects. (moto runs without signature checking: "dt=" keys, see
# tests/README.md; the signatures' SignedHeaders are read from what moto received.)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
. "$TOP/tests/lib-moto.sh"
. "$TOP/tests/lib-tos3.sh"
moto_start
kafka_start -b 1 -t e1:2 -t e2:2 -t e3:1

OWNER=123456789012
K2S() { kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 --time-field created_at "$@"; }
# heads MANIFEST: HeadObject of every object of a kafka-to-s3 manifest, one JSON line each
# (ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled as S3 answers them).
heads() {
	python3 - "$MOTO_URL" "$1" <<-'EOF'
	import json, sys, boto3
	s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
	for line in open(sys.argv[2]):
	    m = json.loads(line)
	    h = s3.head_object(Bucket=m["bucket"], Key=m["key"])
	    print(json.dumps({k: h.get(k) for k in ("ServerSideEncryption", "SSEKMSKeyId",
	                                            "BucketKeyEnabled")}))
	EOF
}
head_object() { aws --endpoint-url "$MOTO_URL" s3api head-object --bucket lake --key "$1"; }
# The requests kafka-to-s3 (user agent tweetlake) sent to S3, one JSON line each.
ours() { jq -c 'select(.headers["user-agent"] | startswith("tweetlake/")) | select(.headers.authorization | contains("/s3/aws4_request"))' "$MOTO_LOG"; }

test_expect_success 'setup: a bucket, a KMS key, records' '
	s3-util mb lake &&
	aws --endpoint-url "$MOTO_URL" --region us-east-1 kms create-key --query KeyMetadata.Arn --output text >"$TRASH/key" &&
	grep -q "^arn:aws:kms:us-east-1:" "$TRASH/key" &&
	tos3_gen 400 >in1 && tos3_produce e1 in1 &&
	tos3_gen 300 1000 >in2 && tos3_produce e2 in2 &&
	tos3_gen 200 2000 >in3 && tos3_produce e3 in3
'
test_expect_success 'bad encryption options are usage errors' '
	test_expect_failure_status 2 K2S -G u -t e1 --dest s3://lake/x --sse aws:kmx 2>err &&
	grep -q "the encryption is AES256, aws:kms or aws:kms:dsse" err &&
	test_expect_failure_status 2 K2S -G u -t e1 --dest s3://lake/x --sse AES256 --sse-kms-key-id k 2>err &&
	grep -q "a KMS key goes with aws:kms" err &&
	test_expect_failure_status 2 K2S -G u -t e1 --dest s3://lake/x --bucket-key 2>err &&
	grep -q "an S3 Bucket Key goes with aws:kms encryption" err &&
	test_expect_failure_status 2 K2S -G u -t e1 --dest s3://lake/x --expected-bucket-owner 12345 2>err &&
	grep -q "expected-bucket-owner: a 12-digit account id, not .12345." err &&
	test_expect_failure_status 2 K2S -G u -t e1 --dest "$TRASH/local" --sse AES256 2>err &&
	grep -q "are for an s3:// destination" err
'
test_expect_success 'SSE-S3: every object is stored AES256, and the header is signed' '
	: >"$MOTO_LOG" &&
	K2S -G g1 -t e1 --dest s3://lake/aes/ --sse AES256 --exit-at-end >m1 &&
	test -s m1 &&
	heads m1 >h && test $(wc -l <h) -eq $(wc -l <m1) &&
	jq -e -s "all(.[]; .ServerSideEncryption == \"AES256\")" h &&
	ours | jq -c "select(.method == \"PUT\")" >puts &&
	test $(wc -l <puts) -eq $(wc -l <m1) &&
	jq -e -s "all(.[]; .headers[\"x-amz-server-side-encryption\"] == \"AES256\" and
		(.headers.authorization | test(\"SignedHeaders=[^,]*x-amz-server-side-encryption[;,]\")))" puts
'
test_expect_success 'SSE-KMS with a key and an S3 Bucket Key; the expected owner on every request' '
	: >"$MOTO_LOG" &&
	key=$(cat "$TRASH/key") &&
	K2S -G g2 -t e2 --dest s3://lake/kms/ --sse aws:kms --sse-kms-key-id "$key" --bucket-key \
		--expected-bucket-owner $OWNER --exit-at-end >m2 &&
	test -s m2 &&
	heads m2 >h && test $(wc -l <h) -eq $(wc -l <m2) &&
	jq -e -s --arg key "$key" "all(.[]; .ServerSideEncryption == \"aws:kms\" and
		.SSEKMSKeyId == \$key and .BucketKeyEnabled == true)" h &&
	ours >sent &&
	jq -e -s "length > 0 and all(.[]; .headers[\"x-amz-expected-bucket-owner\"] == \"$OWNER\" and
		(.headers.authorization | contains(\"x-amz-expected-bucket-owner\")))" sent &&
	jq -e -s "[.[] | .method] | index(\"HEAD\") != null" sent &&
	jq -c "select(.method == \"PUT\")" sent >puts &&
	jq -e -s --arg key "$key" "all(.[]; .headers[\"x-amz-server-side-encryption\"] == \"aws:kms\" and
		.headers[\"x-amz-server-side-encryption-aws-kms-key-id\"] == \$key and
		.headers[\"x-amz-server-side-encryption-bucket-key-enabled\"] == \"true\" and
		(.headers.authorization | test(\"x-amz-server-side-encryption-aws-kms-key-id;x-amz-server-side-encryption-bucket-key-enabled\")))" puts
'
test_expect_success 'a multipart upload asks for encryption on CreateMultipartUpload only' '
	: >"$MOTO_LOG" &&
	head -c 6000000 /dev/urandom >big &&
	key=$(cat "$TRASH/key") &&
	s3-util --sse aws:kms --kms-key "$key" --owner $OWNER upload lake big.bin big 5M &&
	head_object big.bin >h &&
	jq -e --arg key "$key" ".ServerSideEncryption == \"aws:kms\" and .SSEKMSKeyId == \$key" h &&
	ours >sent &&
	jq -e -s "[.[] | select(.method == \"POST\" and .query == \"uploads=\")] | length == 1 and
		all(.[]; .headers[\"x-amz-server-side-encryption\"] == \"aws:kms\")" sent &&
	jq -e -s "[.[] | select(.method == \"PUT\")] | length == 2 and
		all(.[]; .headers[\"x-amz-server-side-encryption\"] == null)" sent &&
	jq -e -s "all(.[]; .headers[\"x-amz-expected-bucket-owner\"] == \"$OWNER\")" sent &&
	s3-util get lake big.bin >back && cmp big back
'
test_expect_success 'glue-crawl reads the KMS-encrypted objects' '
	K2S -G g3 -t e3 --dest s3://lake/kms3/ --sse aws:kms --exit-at-end >m3 &&
	glue-crawl --catalog cat --database db --table e3 s3://lake/kms3/e3/ >summary &&
	jq -e ".partitions > 0" summary &&
	jq -e "[.Table.StorageDescriptor.Columns[].Name] | index(\"id\") != null" cat/db/e3.json
'
test_done
