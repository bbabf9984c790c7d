#!/bin/bash
# bench/produce.sh: kafka-produce against kcat -P, side by side, into librdkafka's mock cluster.
#
#   bench/produce.sh [LINES [RUNS [PARTITIONS]]]     (defaults: 1000000 3 128)
#
# Generates LINES tweet-like JSON lines of ~300 bytes, then for each run starts a fresh mock
# cluster (3 brokers, one topic with PARTITIONS partitions: the mock keeps only ~5 MiB per
# partition, so spread the volume) and times, one after the other:
#   kafka-produce (defaults: JSON validation, idempotence, acks=all, lz4), and
#   kcat -P (its defaults),
#   kafka-produce -X compression.type=none (kcat's default; validation and idempotence still on),
# each reading the file on stdin, from start to the last delivery. Prints per run and the median:
# msgs/s, MB/s (input bytes), peak RSS of the producer, and the ratio kafka-produce / kcat.
# Not a test: numbers depend on the machine and on what else runs on it.
set -eu
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
RUNS=${2:-3}
PARTS=${3:-128}
make -s bin/kafka-produce build/tests/mock-kafka >/dev/null
command -v kcat >/dev/null || { echo "bench: kcat not installed (make deps)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not installed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tl-bench.XXXXXX")
mock_pid=""
cleanup() {
	[ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

data=$tmp/tweets.ndjson
awk -v n="$LINES" 'BEGIN {
	srand(42);
	split("the a data lake kafka stream tweet about rain sun city news today just love this " \
	      "game team win lose music new old time people world great best", w, " ");
	for (i = 0; i < n; i++) {
		t = "";
		for (j = 0; j < 14; j++) t = t w[int(rand() * 30) + 1] " ";
		printf "{\"data\":{\"id\":\"%d\",\"text\":\"%s\",\"author_id\":\"%d\",", \
			1598000000000000000 + i, t, int(rand() * 1000000000);
		printf "\"created_at\":\"2026-11-25T%02d:%02d:%02d.000Z\",\"lang\":\"en\",", \
			int(i / 3600) % 24, int(i / 60) % 60, i % 60;
		printf "\"public_metrics\":{\"retweet_count\":%d,\"like_count\":%d}},", \
			int(rand() * 100), int(rand() * 1000);
		printf "\"matching_rules\":[{\"id\":\"%d\",\"tag\":\"bench\"}]}\n", 1000 + i % 7;
	}
}' >"$data"
bytes=$(stat -c %s "$data")
printf 'bench: %d lines, %.1f MB, average %d bytes a line; %d partitions, %d runs\n' \
	"$LINES" "$(awk "BEGIN { print $bytes / 1000000 }")" "$((bytes / LINES))" "$PARTS" "$RUNS"

start_mock() {
	build/tests/mock-kafka -b 3 -t "bench:$PARTS" </dev/null >"$tmp/boot" 2>"$tmp/mock.log" &
	mock_pid=$!
	local i=0
	while [ ! -s "$tmp/boot" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	BROKERS=$(head -n 1 "$tmp/boot")
}
stop_mock() {
	kill "$mock_pid" 2>/dev/null
	wait "$mock_pid" 2>/dev/null || true
	mock_pid=""
	rm -f "$tmp/boot"
}

# run NAME CMD...: prints "seconds peak_kb" of one run reading $data on stdin (BROKERS in an
# argument is replaced by the bootstrap list).
run() {
	local name=$1; shift
	/usr/bin/time -f '%e %M' -o "$tmp/time" "${@//BROKERS/$BROKERS}" <"$data" >/dev/null \
		2>"$tmp/$name.err" || {
		echo "bench: $name failed:" >&2
		tail -n 5 "$tmp/$name.err" >&2
		return 1
	}
	cat "$tmp/time"
}

# calc EXPR: floating-point arithmetic (awk, so no bc is needed).
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# one NAME CMD...: a run against a fresh cluster; prints "msgs/s MB/s RSS-MB".
one() {
	local name=$1 s kb; shift
	start_mock
	read -r s kb < <(run "$name" "$@") || { stop_mock; return 1; }
	stop_mock
	[ "$s" = "0.00" ] && s=0.01
	echo "$(calc "$LINES / $s") $(calc "$bytes / $s / 1000000") $((kb / 1024))"
}
kp=() kn=() kc=()
for r in $(seq 1 "$RUNS"); do
	read -r a1 a2 a3 < <(one kafka-produce bin/kafka-produce -q -b BROKERS -t bench) || exit 1
	read -r b1 b2 b3 < <(one kafka-produce-none bin/kafka-produce -q -b BROKERS -t bench \
		-X compression.type=none) || exit 1
	read -r c1 c2 c3 < <(one kcat kcat -P -b BROKERS -t bench) || exit 1
	kp+=("$a1") kn+=("$b1") kc+=("$c1")
	printf 'run %d: kafka-produce %8.0f msgs/s %6.1f MB/s %3d MB RSS | same, no lz4 %8.0f msgs/s %6.1f MB/s %3d MB RSS | kcat -P %8.0f msgs/s %6.1f MB/s %3d MB RSS | ratios %.2f %.2f\n' \
		"$r" "$a1" "$a2" "$a3" "$b1" "$b2" "$b3" "$c1" "$c2" "$c3" \
		"$(calc "$a1 / $c1")" "$(calc "$b1 / $c1")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
m_kp=$(median "${kp[@]}") m_kn=$(median "${kn[@]}") m_kc=$(median "${kc[@]}")
mb() { calc "$1 * $bytes / $LINES / 1000000"; }
printf 'median: kafka-produce %.0f msgs/s (%.1f MB/s); with compression.type=none %.0f msgs/s (%.1f MB/s); kcat -P %.0f msgs/s (%.1f MB/s)\n' \
	"$m_kp" "$(mb "$m_kp")" "$m_kn" "$(mb "$m_kn")" "$m_kc" "$(mb "$m_kc")"
printf 'ratio kafka-produce / kcat -P: %.2f (defaults), %.2f (compression.type=none)\n' \
	"$(calc "$m_kp / $m_kc")" "$(calc "$m_kn / $m_kc")"
