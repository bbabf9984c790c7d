#!/bin/bash
# kafka-produce against a failing cluster: outages shorter than message.timeout.ms are ridden out
# without loss or duplicates; longer ones end in exit 1 with exactly the undelivered lines in the
# dead-letter file; a signal during the flush is told truthfully.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
kafka_start -b 3 -t outage:6 -t errors:6 -t alldown:3 -t dead:2 -t flush:2 -t stop:2 -t ftimeout:1 -t partial:1

# seq_lines FIRST LAST: {"seq":N} lines.
seq_lines() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) printf "{\"seq\":%d}\n", i }'; }

# Every line of file $1 was consumed from topic $2 exactly once.
exactly_once() {
	kafka_consume "$2" >consumed &&
	sort "$1" >want.sorted && sort consumed >got.sorted &&
	if ! cmp -s want.sorted got.sorted; then
		echo "lines: want $(wc -l <want.sorted), got $(wc -l <got.sorted), distinct $(sort -u got.sorted | wc -l)"
		diff want.sorted got.sorted | head -5
		return 1
	fi
}

# A caveat of librdkafka's mock cluster: it checks idempotent-producer sequence numbers only for
# transactional producers, so a request that was stored but whose answer was cut off by a
# disconnect is stored twice when retried (a real broker drops the duplicate). The faults below
# are therefore injected where they cannot cut off an answer: the broker goes down while nothing
# is in flight, and request errors are answered instead of being stored. Any duplicate seen here
# is then the producer's fault.

# read_all PID FILE: waits until process PID has read its stdin (FILE) to the end.
read_all() {
	wait_for 60 "[ \$(awk '/^pos:/ { print \$2 }' /proc/$1/fdinfo/0 2>/dev/null || echo 0) -ge $(stat -c %s "$2") ]"
}

# bursts FILE: the lines of FILE, 750 at a time, 0.1 s apart.
bursts() {
	local n=$(wc -l <"$1") b=0
	while [ $((b * 750)) -lt "$n" ]; do
		sed -n "$((b * 750 + 1)),$(((b + 1) * 750))p" "$1"
		sleep 0.1
		b=$((b + 1))
	done
}

test_expect_success 'a broker down for 3 s mid-run: nothing lost, no duplicates, exit 0' '
	seq_lines 1 7500 >in1 && seq_lines 7501 30000 >in2 && cat in1 in2 >in &&
	{ bursts in1; sleep 0.5; kafka_cmd "broker-down 1" "sleep 3000" "broker-up 1"; bursts in2; } |
		kafka-produce -t outage -X reconnect.backoff.max.ms=500 2>err &&
	kafka_sync &&
	grep -q "30000 lines read, 30000 delivered, 0 invalid, 0 failed" err &&
	exactly_once in outage
'
test_expect_success 'injected NOT_LEADER and REQUEST_TIMED_OUT errors: nothing lost, no duplicates' '
	seq_lines 1 10000 >in &&
	kafka_cmd "push-errors Produce NOT_LEADER_FOR_PARTITION 3" \
		"push-errors Produce REQUEST_TIMED_OUT 3" &&
	kafka_sync &&
	kafka-produce -t errors <in 2>err &&
	grep -q "10000 lines read, 10000 delivered, 0 invalid, 0 failed" err &&
	exactly_once in errors
'
test_expect_success 'all brokers down for 2 s: the queue is kept and delivered when they return' '
	seq_lines 1 200 >in &&
	kafka_cmd "broker-down -1" && kafka_sync &&
	{ cat in; sleep 1; kafka_cmd "sleep 1000" "broker-up -1"; } |
		kafka-produce -t alldown -X reconnect.backoff.max.ms=500 2>err &&
	grep -q "all brokers are down" err &&
	grep -q "200 lines read, 200 delivered, 0 invalid, 0 failed" err &&
	exactly_once in alldown
'
test_expect_success 'all brokers down past message.timeout.ms: exit 1, dead letters hold exactly the undelivered lines' '
	seq_lines 1 20 >first && seq_lines 21 50 >second &&
	{ cat first; sleep 2; kafka_cmd "broker-down -1"; kafka_sync; cat second; } |
		kafka-produce -t dead -X message.timeout.ms=2500 -X reconnect.backoff.max.ms=500 --dead-letter dead.ndjson 2>err;
	status=$? &&
	kafka_cmd "broker-up -1" && kafka_sync &&
	test $status -eq 1 &&
	grep -q "50 lines read, 20 delivered, 0 invalid, 30 failed" err &&
	grep -q "stdin:21: not delivered: .*timed out" err &&
	jq -r .data dead.ndjson | sort >dead.lines && sort second >want && test_cmp want dead.lines &&
	jq -e -s "all(.error == \"_MSG_TIMED_OUT\")" dead.ndjson &&
	exactly_once first dead
'
test_expect_success 'SIGTERM during the flush: exit 1, and the summary says what was not delivered' '
	kafka_cmd "broker-down -1" && kafka_sync &&
	seq_lines 1 100 >in || return 1
	kafka-produce -t flush --dead-letter flush.ndjson <in 2>err &
	pid=$!

	read_all $pid in && sleep 0.5 && kill -TERM $pid && wait $pid; status=$?;
	kafka_cmd "broker-up -1" && kafka_sync &&
	test $status -eq 1 &&
	grep -q "interrupted while flushing: 100 messages not confirmed" err &&
	grep -q "100 lines read, 0 delivered, 0 invalid, 100 failed" err &&
	test $(wc -l <flush.ndjson) -eq 100 &&
	jq -r .data flush.ndjson | sort >got && sort in >want && test_cmp want got
'
test_expect_success 'SIGTERM while reading: what was read is delivered, exit 143' '
	seq_lines 1 5 >in && mkfifo writer || return 1
	{ cat in; exec sleep 30; } >writer &
	wpid=$!
	kafka-produce -t stop <writer 2>err &
	pid=$!

	wait_for 60 "[ \$(kafka_consume stop | wc -l) -eq 5 ]" && kill -TERM $pid && wait $pid; status=$?;
	kill $wpid;
	test $status -eq 143 &&
	grep -q "5 lines read, 5 delivered, 0 invalid, 0 failed" err &&
	grep -q "stopped before the end of input" err &&
	exactly_once in stop
'
test_expect_success 'SIGTERM in the middle of a line: the part read is reported and kept, exit 1' '
	seq_lines 1 5 >in && mkfifo writer2 || return 1
	{ cat in; printf "{\"seq\":6"; exec sleep 30; } >writer2 &
	wpid=$!
	kafka-produce -t partial --dead-letter partial.ndjson <writer2 2>err &
	pid=$!
	wait_for 60 "[ \$(kafka_consume partial | wc -l) -eq 5 ]" && sleep 0.5 && kill -TERM $pid && wait $pid; status=$?;
	kill $wpid;
	test $status -eq 1 &&
	grep -q "stdin:6: stopped in the middle of this line (8 bytes read)" err &&
	grep -q "6 lines read, 5 delivered, 0 invalid, 1 failed" err &&
	jq -r .data partial.ndjson >got && echo "{\"seq\":6" >want && test_cmp want got &&
	exactly_once in partial
'
test_expect_success '--flush-timeout: what is not confirmed in time is purged, dead-lettered, exit 1' '
	kafka_cmd "broker-down -1" && kafka_sync &&
	seq_lines 1 10 >in &&
	kafka-produce -t ftimeout --flush-timeout 1s --dead-letter ft.ndjson <in 2>err;
	status=$?;
	kafka_cmd "broker-up -1" && kafka_sync &&
	test $status -eq 1 &&
	grep -q "flush timeout (1000 ms): 10 messages not confirmed" err &&
	grep -q "10 lines read, 0 delivered, 0 invalid, 10 failed" err &&
	jq -e -s "length == 10 and all(.error == \"_PURGE_QUEUE\")" ft.ndjson
'
test_expect_success 'a password from -F never shows in the logs, even with every debug context on' '
	printf "sasl.username=alice\nsasl.password=TopSecretValue123\n" >sasl.properties &&
	# The password is also the topic name here, so that librdkafka debug lines carry it.
	echo "{\"s\":1}" | kafka-produce -t TopSecretValue123 -F sasl.properties -X debug=all -vv 2>err &&
	grep -q "topic.*\*\*\*" err && ! grep -q TopSecretValue123 err
'
test_done
