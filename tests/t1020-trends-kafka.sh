#!/bin/bash
# tw-trends from Kafka (librdkafka's mock cluster) as a consumer group of its own, beside
# kafka-to-s3 on the same topic without disturbing it; its lines back into a topic with
# kafka-produce.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
kafka_start -b 1 -t tweets:1 -t tweets4:4 -t trends:1

test_expect_success 'setup: a simulated stream with a planted burst, into the topics' '
	tw-stream -q --simulate --seed 9 --max-tweets 40000 --backdate 12m --burst KafkaBurst@7+3*3% >sim.jsonl &&
	tw-stream -q --simulate --seed 9 --max-tweets 2000 --backdate 6m --burst Small@4+1.5*10% >small.jsonl &&
	kafka-produce -b "$KAFKA_BROKERS" -t tweets --no-progress <small.jsonl 2>err &&
	kafka-produce -b "$KAFKA_BROKERS" -t tweets4 -k id --no-progress <sim.jsonl 2>>err || { cat err; false; }
'

# (one partition only: the mock cluster keeps about 5 MiB of it)
test_expect_success 'from Kafka: the same lines as from stdin (one partition keeps the order)' '
	opts="--warmup 2m --min-count 5" &&
	tw-trends $opts <small.jsonl >stdin.jsonl 2>/dev/null &&
	tw-trends -b "$KAFKA_BROKERS" -G trends-a -t tweets -X auto.offset.reset=earliest \
		-X session.timeout.ms=6000 --exit-at-end --early 0 $opts >kafka.jsonl 2>err && cat err &&
	grep -q "2000 tweets" err && test_cmp stdin.jsonl kafka.jsonl &&
	jq -c "select(.event==\"trend-start\" and .term==\"#small\")" kafka.jsonl | grep -q .
'

test_expect_success 'beside kafka-to-s3 on a four-partition topic: each group gets every record' '
	kafka-to-s3 -b "$KAFKA_BROKERS" -G lake -t tweets4 --dest "$TRASH/lake" --time-field created_at \
		-X session.timeout.ms=6000 --exit-at-end >manifest 2>k2s.err &
	k2s=$! &&
	tw-trends -b "$KAFKA_BROKERS" -G trends-b -t tweets4 -X auto.offset.reset=earliest \
		-X session.timeout.ms=6000 --exit-at-end --warmup 2m >k4.jsonl 2>err &&
	wait $k2s && cat err k2s.err &&
	grep -q "40000 tweets" err &&
	test "$(jq -s "map(.records) | add" manifest)" = 40000 &&
	jq -c "select(.event==\"trend-start\" and .term==\"#kafkaburst\")" k4.jsonl | grep -q .
'

test_expect_success 'trends back into Kafka: tw-trends | kafka-produce -t trends' '
	tw-trends --warmup 2m <sim.jsonl 2>/dev/null | jq -c "select(.event|startswith(\"trend-\"))" |
		kafka-produce -b "$KAFKA_BROKERS" -t trends -k term --no-progress 2>err &&
	kafka_consume trends >back.jsonl &&
	jq -r "select(.event==\"trend-start\") | .term" back.jsonl | grep -qx "#kafkaburst"
'

test_expect_success 'an unknown topic stops it with exit 1' '
	test_expect_failure_status 1 tw-trends -b "$KAFKA_BROKERS" -G g -t no-such-topic \
		-X allow.auto.create.topics=false -X session.timeout.ms=6000 --exit-at-end >/dev/null 2>err; cat err
'
test_done
