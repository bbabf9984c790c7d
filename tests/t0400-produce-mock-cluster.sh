#!/bin/bash
# The mock Kafka cluster fixture itself (tests/helpers/mock-kafka.c, tests/lib-kafka.sh).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
kafka_start -b 2 -t fixture:3

test_expect_success 'the cluster lists its brokers and the topic with its partitions' '
	kcat -L -b "$KAFKA_BROKERS" -t fixture >meta &&
	grep -q "2 brokers" meta &&
	grep -q "topic \"fixture\" with 3 partitions" meta
'
test_expect_success 'messages produced with kcat come back' '
	printf "a\nb\nc\n" | kcat -P -b "$KAFKA_BROKERS" -t fixture -p 1 &&
	kafka_consume fixture -p 1 >got &&
	printf "a\nb\nc\n" >want &&
	test_cmp want got
'
test_expect_success 'a broker taken down refuses connections until it is up again' '
	kafka_cmd "broker-down -1" && kafka_sync &&
	! kcat -L -b "$KAFKA_BROKERS" -m 1 >meta 2>err &&
	kafka_cmd "broker-up -1" && kafka_sync &&
	kcat -L -b "$KAFKA_BROKERS" -m 5 >meta
'
test_expect_success 'bad commands are reported and the cluster goes on' '
	kafka_cmd "no-such-command 1" "push-errors Produce NO_SUCH_ERROR 1" && kafka_sync &&
	grep -q "bad command: no-such-command 1" "$TRASH/kafka.log" &&
	grep -q "bad command: push-errors Produce NO_SUCH_ERROR 1" "$TRASH/kafka.log" &&
	kcat -L -b "$KAFKA_BROKERS" -m 5 >meta
'
test_expect_success 'the cluster stops when its command pipe closes' '
	{ echo "echo up"; sleep 1; } | timeout 60 mock-kafka -b 1 >out &&
	test $(wc -l <out) -eq 2 && grep -qx up out
'
test_expect_success 'kafka_stop stops the cluster' '
	kafka_stop
'
test_expect_success 'with stdin at /dev/null it stays up until SIGTERM' '
	mock-kafka -b 1 </dev/null >boot &
	pid=$! &&
	wait_file boot && sleep 1 && kill -0 $pid &&
	kill -TERM $pid && wait $pid
'
test_done
