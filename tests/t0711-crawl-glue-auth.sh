#!/bin/bash
# glue-crawl against moto with signature checking on: every S3 and Glue call is signed right.
# (The lake is a whole bucket and its keys have no "=": moto wrongly refuses signed keys
# and prefixes that encode to %3D or %2F.)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-moto.sh"
moto_start --auth

test_expect_success 'crawl with checked signatures: plain folders, partition_0' '
	printf "{\"a\":1,\"b\":\"x\"}\n" | gzip >o1.gz && printf "{\"a\":2.5}\n" | gzip >o2.gz &&
	aws --endpoint-url "$MOTO_URL" --region us-east-1 s3 mb s3://signed >/dev/null &&
	aws --endpoint-url "$MOTO_URL" --region us-east-1 s3 cp --quiet o1.gz s3://signed/2026/a.json.gz &&
	aws --endpoint-url "$MOTO_URL" --region us-east-1 s3 cp --quiet o2.gz s3://signed/2027/b.json.gz &&
	glue-crawl -q --database signed --table t s3://signed >sum &&
	jq -e ".created and .partitions_added == 2 and .records == 2" sum &&
	aws --endpoint-url "$MOTO_URL" --region us-east-1 glue get-table --database-name signed --name t >t.json &&
	test "$(jq -c "[.Table.StorageDescriptor.Columns[] | [.Name, .Type]]" t.json)" = "[[\"a\",\"double\"],[\"b\",\"string\"]]" &&
	test "$(jq -c "[.Table.PartitionKeys[].Name]" t.json)" = "[\"partition_0\"]"
'

test_expect_success 'a wrong secret is refused, reported, exit 1' '
	AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrong test_expect_failure_status 1 glue-crawl -q --database signed --table t s3://signed >sum 2>err &&
	grep -qE "SignatureDoesNotMatch|InvalidAccessKeyId|403" err
'

test_done
