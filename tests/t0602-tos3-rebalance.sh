#!/bin/bash
# kafka-to-s3 members of one group joining, leaving and being evicted while they drain topics:
# every offset is in the lake exactly once (no duplicate, no gap), every member exits 0.
#
# In the mock cluster a rebalance takes session.timeout.ms - 1 s (5 s here) and commits are
# refused with REBALANCE_IN_PROGRESS all along, so members meet refused commits with objects
# open, closed and being stored: the fencing of kafka-to-s3 is what keeps the lake exact (see
# "Fencing" at the top of src/kafka-to-s3.c). The scenarios of the second test run side by side,
# each on its own topic and group, with random delays.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
. "$TOP/tests/lib-tos3.sh"
kafka_start -b 1 -t refused:2 -t ab:32 -t eager:8 -t coop:8 -t lost:8

# A member that has not exited after 150 s gets SIGTERM (and the test fails on its status).
K2S() { # LOG ARGS...: one member, its messages in LOG
	local log=$1; shift
	exec timeout 150 kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 \
		--time-field created_at -v "$@" >/dev/null 2>"$log"
}
rnd() { # MIN MAX: a random number of seconds (tenths) from MIN to MAX
	local t=$(( $1 * 10 + RANDOM % (($2 - $1) * 10 + 1) ))
	echo "$((t / 10)).$((t % 10))"
}
wait_log() { # LOG REGEX: until a line of LOG matches (up to 60 s)
	wait_for 60 "grep -q '$2' '$1' 2>/dev/null"
}
reap() { # PID NAME: wait for a member, report its exit status
	local rc=0
	wait "$1" || rc=$?
	echo "$2 exited $rc"
	[ $rc -eq 0 ] || { tail -n 5 "$2.log"; return 1; }
}
summary() { # TAG TOPIC [CHECK-ARGS]: the refused commits seen, and the check of the lake
	local tag=$1 topic=$2; shift 2
	echo "$tag: $(cat "$tag".?.log | grep -c "commit refused") refused commits," \
		"$(cat "$tag".?.log | grep -c "^kafka-to-s3: stored ") objects stored, at $SECONDS s"
	tos3_dump "$topic" >"$tag.dump" &&
	tos3_check "lake$tag" "$tag.dump" --time-field created_at "$@" &&
	echo "$tag: checked at $SECONDS s"
}

# Members join and leave (SIGTERM) at random moments while a producer feeds the topic for
# ~10 s; then a last member drains the rest with --exit-at-end. Days, not hours, and small
# objects: each path of a partition closes objects often, also while commits are refused.
churn() { # TAG START [ARGS...]
	local tag=$1 start=$2 a b c d f ok=0; shift 2
	set -- -G "g$tag" -t "$tag" --dest "lake$tag" --partition "dt=%Y-%m-%d" --max-records 8 \
		--max-open 20 "$@"
	tos3_gen 4000 "$start" >"$tag.in" || return 1
	tos3_feed "$tag" "$tag.in" 10 &
	f=$!
	( K2S "$tag.A.log" "$@" ) & a=$!
	wait_log "$tag.A.log" "^kafka-to-s3: stored " || ok=1
	sleep "$(rnd 0 2)"
	( K2S "$tag.B.log" "$@" ) & b=$!
	sleep "$(rnd 3 6)"
	( K2S "$tag.C.log" "$@" ) & c=$!
	sleep "$(rnd 0 3)"
	kill -TERM $a
	sleep "$(rnd 2 5)"
	( K2S "$tag.D.log" --exit-at-end "$@" ) & d=$!
	sleep "$(rnd 0 3)"
	kill -TERM $b
	wait $f || ok=1
	kill -TERM $c
	reap $a "$tag.A" || ok=1
	reap $b "$tag.B" || ok=1
	reap $c "$tag.C" || ok=1
	reap $d "$tag.D" || ok=1
	( K2S "$tag.E.log" --exit-at-end "$@" ) || ok=1
	summary "$tag" "$tag" --no-time-check || ok=1
	return $ok
}

# A member stopped (SIGSTOP) past its session with objects open, while another takes its
# partitions, stores and commits more records: when it resumes, its aged objects must not be
# stored over the other member's (the assignment is lost; the stall calls for a commit first).
stopped() { # TAG START
	local tag=$1 start=$2 a b f k ok=0
	set -- -G "g$tag" -t "$tag" --dest "lake$tag" --max-age 2s
	tos3_gen 3000 "$start" >"$tag.in" || return 1
	tos3_feed "$tag" "$tag.in" 14 &
	f=$!
	( K2S "$tag.A.log" "$@" ) & a=$!
	wait_log "$tag.A.log" "^kafka-to-s3: stored " || ok=1
	sleep "$(rnd 0 1)"
	k=$(pgrep -P $a) # the member itself, below timeout(1)
	kill -STOP $k
	( K2S "$tag.B.log" --exit-at-end "$@" ) & b=$!
	reap $b "$tag.B" || ok=1
	kill -CONT $k
	wait_log "$tag.A.log" "assignment lost\|commit refused" || ok=1
	sleep 2
	kill -TERM $a
	reap $a "$tag.A" || ok=1
	wait $f || ok=1
	( K2S "$tag.C.log" --exit-at-end "$@" ) || ok=1
	summary "$tag" "$tag" || ok=1
	return $ok
}

test_expect_success 'refused commits: no second object of a path is stored, no orphan copy is left' '
	tos3_gen 3000 >refused.in && tos3_produce refused refused.in || return 1
	kafka_cmd "push-errors OffsetCommit REBALANCE_IN_PROGRESS 3" && kafka_sync &&
	set -- -G grefused -t refused --dest lakerefused --partition "dt=%Y-%m-%d" --exit-at-end
	( K2S refused.A.log "$@" --max-records 3 ) &&
	grep "commit refused" refused.A.log &&
	# the next owner closes its objects elsewhere: only what it replaces may be left uncommitted
	( K2S refused.B.log "$@" --max-records 1000 ) &&
	summary refused refused --no-time-check
'
# The report: a 32-partition topic spread over 48 hours, member B joining 3.5 s after member A,
# both to the end, then a third run.
report() { # TAG
	local tag=$1 a b ok=0
	set -- -G "g$tag" -t "$tag" --dest "lake$tag" --max-records 500 --max-open 256 --exit-at-end
	tos3_gen 10000 >"$tag.in" && tos3_produce "$tag" "$tag.in" || return 1
	( K2S "$tag.A.log" "$@" ) & a=$!
	sleep 3.5
	( K2S "$tag.B.log" "$@" ) & b=$!
	reap $a "$tag.A" || ok=1
	reap $b "$tag.B" || ok=1
	( K2S "$tag.C.log" "$@" ) || ok=1
	summary "$tag" "$tag" || ok=1
	return $ok
}

test_expect_success 'members join, leave, are stopped past their session mid-drain: exactly once' '
	report ab >ab.out 2>&1 &
	p1=$!
	churn eager 100000 >eager.out 2>&1 &
	p2=$!
	churn coop 200000 -X partition.assignment.strategy=cooperative-sticky >coop.out 2>&1 &
	p3=$!
	stopped lost 300000 >lost.out 2>&1 &
	p4=$!
	ok=0
	wait $p1 || ok=1; wait $p2 || ok=1; wait $p3 || ok=1; wait $p4 || ok=1
	cat ab.out eager.out coop.out lost.out
	test $ok -eq 0
'
test_done
