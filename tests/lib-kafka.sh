# tests/lib-kafka.sh: a mock Kafka cluster (librdkafka's, via build/tests/mock-kafka) for a test file.
#
#   . "$TOP/tests/lib-kafka.sh"
#   kafka_start [-b BROKERS] [-p PARTITIONS] [-t TOPIC[:PARTITIONS]]...
#   kafka_cmd 'broker-down 1' 'sleep 3000' 'broker-up 1'   # fault injection, see mock-kafka.c
#   kafka_sync                                            # wait until the commands above ran
#
# kafka_start exports KAFKA_BROKERS (the bootstrap list) and KAFKA_PID. The cluster reads its
# commands from a FIFO held open by this shell (fd $KAFKA_CTL); it stops when the test file exits.
# Keep in mind the mock's limits: ~5 MiB per partition (older data silently dropped: spread
# volume tests over many partitions), and a consumer group's first join takes ~3 s.

kafka_start() {
	local fifo="$TRASH/.kafka-ctl" out="$TRASH/.kafka-out"
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	mock-kafka "$@" <"$fifo" >"$out" 2>"$TRASH/kafka.log" &
	KAFKA_PID=$!
	test_cleanup "kill $KAFKA_PID"
	# Opening the write end waits for the reader: the cluster has started reading the FIFO.
	exec {KAFKA_CTL}>"$fifo"
	# It prints the bootstrap list once its brokers listen.
	wait_for 60 "[ -s '$out' ] || ! kill -0 $KAFKA_PID 2>/dev/null" || return 1
	if [ ! -s "$out" ]; then
		cat "$TRASH/kafka.log" >&2
		echo "mock-kafka exited" >&2
		return 1
	fi
	KAFKA_BROKERS=$(head -n 1 "$out")
	[ -n "$KAFKA_BROKERS" ] || { echo "mock-kafka printed no bootstrap list" >&2; return 1; }
	export KAFKA_BROKERS KAFKA_PID KAFKA_CTL
	_kafka_sync_n=0
}

# Sends each argument as one command line to the cluster.
kafka_cmd() {
	local c
	for c in "$@"; do printf '%s\n' "$c" >&"$KAFKA_CTL"; done
}

# Waits (up to 60 s after the commands' own sleeps) until every command sent so far has run.
kafka_sync() {
	local token
	_kafka_sync_n=$((_kafka_sync_n + 1))
	token="sync-$$-$_kafka_sync_n-$RANDOM"
	kafka_cmd "echo $token"
	wait_for 90 "grep -qx '$token' '$TRASH/.kafka-out'"
}

# Stops the cluster (waits up to 60 s for it to exit).
kafka_stop() {
	[ -n "${KAFKA_CTL:-}" ] && exec {KAFKA_CTL}>&-
	KAFKA_CTL=""
	kill "$KAFKA_PID" 2>/dev/null
	wait_for 60 "! kill -0 $KAFKA_PID 2>/dev/null"
}

# Consumes TOPIC from the beginning to its current end (kcat -C -e); prints each value on a line
# unless extra arguments (passed to kcat) say otherwise, e.g. -f '%p\t%k\t%s\n'.
kafka_consume() {
	local topic=$1; shift
	kcat -C -b "$KAFKA_BROKERS" -t "$topic" -e -q -o beginning "$@"
}
