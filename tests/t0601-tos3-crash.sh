#!/bin/bash
# kafka-to-s3 killed with SIGKILL at random moments while it drains topics, then let finish:
# every offset is in the lake exactly once (no duplicate, no gap).
#
# After a SIGKILL the mock cluster makes the next member of the group wait for the dead one's
# session to expire (6 s here) and then for the join delay (3 s), so the 12 kills are spread over
# 4 groups killed in parallel (3 kills each) to keep the test near 45 s.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
. "$TOP/tests/lib-tos3.sh"
kafka_start -b 1 -t c1:2 -t c2:2 -t c3:2 -t c4:2 -t r:6

K2S() { # GROUP TOPIC LOG ARGS...
	local g=$1 t=$2 log=$3; shift 3
	exec kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 -G "$g" -t "$t" --dest lake \
		--time-field created_at --max-records 5 -v "$@" >/dev/null 2>"$log"
}

# Runs killed at a random moment after they began storing, until 3 kills landed, then one run
# to the end.
crash_loop() { # N
	local n=$1 i=0 kills=0 pid j
	while [ $kills -lt 3 ] && [ $i -lt 6 ]; do
		i=$((i + 1))
		K2S "g$n" "c$n" "err$n.$i" --exit-at-end &
		pid=$!
		# until it stores (after the dead member's session expires and the group joins: ~10 s,
		# far more on a busy machine), it ends, or 120 s pass
		wait_for 120 "grep -q '^kafka-to-s3: stored ' 'err$n.$i' || ! kill -0 $pid 2>/dev/null"
		sleep "0.$((RANDOM % 6))$((RANDOM % 10))"
		if kill -KILL $pid 2>/dev/null; then
			kills=$((kills + 1))
			echo "c$n: killed run $i after $(grep -c "^kafka-to-s3: stored " "err$n.$i") stores"
		fi
		wait $pid 2>/dev/null
	done
	( K2S "g$n" "c$n" "err$n.end" --exit-at-end ) && echo "c$n: final run done" ||
		{ echo "c$n: final run failed: $?"; grep -v "not JSON\|readable time" "err$n.end" | tail -n 5; }
}

test_expect_success 'setup: four topics of 3000 records' '
	for n in 1 2 3 4; do
		tos3_gen 3000 $((n * 10000)) >in$n && tos3_produce c$n in$n || return 1
	done &&
	for n in 1 2 3 4; do tos3_dump c$n; done >"$TRASH/dump" &&
	test $(wc -l <"$TRASH/dump") -eq 12000
'
test_expect_success '12 SIGKILLs at random moments, then a run to the end: every offset exactly once' '
	for n in 1 2 3 4; do crash_loop $n >loop$n.log 2>&1 & done; wait &&
	cat loop*.log &&
	test $(cat loop*.log | grep -c "killed run") -ge 10 &&
	test $(cat loop*.log | grep -c "final run done") -eq 4 &&
	grep -h "already stored" err*.end &&
	tos3_check lake "$TRASH/dump" --time-field created_at
'
test_expect_success 'the kills hit runs that had stored objects and left some unstored work' '
	cat err*.end | grep -q "[1-9][0-9]* already stored" &&
	cat loop*.log | grep -q "after [1-9][0-9]* stores"
'
test_expect_success 'a second member joining mid-drain: the rebalance stores, commits and hands over' '
	tos3_gen 6000 500000 >inr && tos3_produce r inr && tos3_dump r >dumpr || return 1
	kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 -G gr -t r --dest lakeR \
		--time-field created_at --max-records 5 -v --exit-at-end >mA 2>errA &
	a=$!
	wait_for 120 "grep -q \"^kafka-to-s3: stored \" errA"
	kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 -G gr -t r --dest lakeR \
		--time-field created_at --max-records 5 -v --exit-at-end >mB 2>errB &
	b=$!
	wait $a && wait $b &&
	grep -c "assigned" errA && grep -q "assigned" errB &&
	tos3_check lakeR dumpr --time-field created_at
'
test_done
