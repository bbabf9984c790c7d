#!/bin/bash
# The pipeline glue-crawl sits in: real captured tweets through the mock Kafka cluster and
# kafka-to-s3 into a local lake, its manifest lines into glue-crawl --manifest, and a full crawl
# of the same lake agreeing with what the manifest registered (struct fields may come in another
# order: the objects were read in another order; the SerDe maps them by name).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
command -v kcat >/dev/null 2>&1 || test_skip "kcat not installed"
TW=$TWEETS
[ -n "$test_skip_all" ] || kafka_start -b 1 -t tweets:2

test_expect_success 'kafka-to-s3 | glue-crawl --manifest catalogs what lands' '
	grep "^{\"data\"" "$TW/v2_stream_twarc-csv_streaming_output.jsonl" >tweets &&
	cat "$TW/v1.1_stream_original_format_tweet_parser_examples.jsonl" >>tweets &&
	n=$(wc -l <tweets) &&
	kcat -P -b "$KAFKA_BROKERS" -t tweets -l tweets &&
	kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 -G crawl -t tweets \
		--dest "$TRASH/lake" --time-field created_at --exit-at-end -q >manifest &&
	test -s manifest &&
	glue-crawl --manifest --full --catalog cat --database lake "$TRASH/lake/tweets" <manifest >sum 2>err &&
	jq -e ".created and .records == $n and .records_bad == 0 and .objects == $(wc -l <manifest)" sum &&
	test "$(jq ".partitions_added" sum)" = "$(jq -r ".partition_values | [.dt, .hour] | join(\"/\")" manifest | sort -u | wc -l)" &&
	test -s cat/lake/tweets.json
'

test_expect_success 'a full crawl of the same lake agrees with the manifest-built table' '
	glue-crawl -q --full --catalog cat2 --database lake "$TRASH/lake/tweets" >sum2 &&
	jq -e ".records == $(wc -l <tweets) and .partitions_added == $(jq .partitions_added sum)" sum2 &&
	jq -r ".Table.StorageDescriptor.Columns[].Name" cat/lake/tweets.json | sort >c1 &&
	jq -r ".Table.StorageDescriptor.Columns[].Name" cat2/lake/tweets.json | sort >c2 &&
	test_cmp c1 c2 &&
	jq -S "[.Partitions[] | {Values, Location: .StorageDescriptor.Location}]" cat/lake/tweets/partitions.json >p1 &&
	jq -S "[.Partitions[] | {Values, Location: .StorageDescriptor.Location}]" cat2/lake/tweets/partitions.json >p2 &&
	test_cmp p1 p2 &&
	glue-crawl -q --full --catalog cat --database lake "$TRASH/lake/tweets" >sum3 &&
	jq -e ".columns_added == [] and .columns_widened == [] and .partitions_added == 0" sum3 &&
	glue-crawl -q --full --catalog cat2 --database lake "$TRASH/lake/tweets" >sum4 &&
	jq -e ".changed == false" sum4
'

test_done
