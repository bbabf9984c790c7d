#!/bin/bash
# The moto test fixture itself: signature checking, once on, refuses a wrong secret.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-moto.sh"
moto_start --auth

test_expect_success 'moto with auth accepts a correctly signed request (botocore)' '
	AWS_CONFIG_FILE=/dev/null aws --endpoint-url "$MOTO_URL" s3api create-bucket --bucket tl-fixture >out 2>&1 &&
	aws --endpoint-url "$MOTO_URL" s3api list-buckets --query "Buckets[].Name" --output text >out &&
	grep -q tl-fixture out
'
test_expect_success 'moto with auth refuses a wrong secret' '
	! AWS_SECRET_ACCESS_KEY=wrongwrongwrong aws --endpoint-url "$MOTO_URL" s3api list-buckets >out 2>&1 &&
	grep -qE "SignatureDoesNotMatch|InvalidAccessKeyId|403" out
'
test_done
