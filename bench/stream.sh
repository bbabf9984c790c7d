#!/bin/bash
# bench/stream.sh: tw-stream throughput.
#
#   bench/stream.sh [TWEETS]      (default 100000)
#
# Serves TWEETS distinct tweets (the real capture's tweet lines, ~3.8 KB each, with fresh ids)
# from the loopback X API stand-in as fast as it can, and measures lines per second to /dev/null:
#   curl      curl from the stand-in (the transport ceiling: the stand-in is Python)
#   cat       cat of the same bytes from a file (the I/O ceiling)
#   raw       tw-stream --raw from the stand-in
#   merged    tw-stream (expansions merged) from the stand-in
#   replay    tw-stream --replay FILE --speed 0 (merged, no network: the merger's own rate)
#   simulate  tw-stream --simulate --max-tweets TWEETS (generation + merge)
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
N=${1:-100000}
CAPTURE=$TOP/tests/data/tweets/v2_stream_twarc-csv_streaming_output.jsonl
BIN=$TOP/bin/tw-stream
[ -x "$BIN" ] || make -s bin/tw-stream
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tw-bench.XXXXXX")
# X sends compact JSON; the capture was re-serialized with spaces by twarc (BENCH_SPACED=1 keeps them)
compact=--compact
[ -n "${BENCH_SPACED:-}" ] && compact=
python3 "$TOP/tests/stubs/x-api-stub.py" --port-file "$tmp/port" --data "$CAPTURE" $compact --then "bench:$N" >/dev/null 2>&1 &
stub=$!
trap 'kill $stub 2>/dev/null; rm -rf "$tmp"' EXIT
for i in $(seq 600); do grep -qE '^[0-9]+$' "$tmp/port" 2>/dev/null && break; sleep 0.1; done
port=$(cat "$tmp/port")
url=http://127.0.0.1:$port
export X_BEARER_TOKEN=bench-token-not-secret

# run NAME LINES BYTES CMD...: runs CMD with stdout to /dev/null (unless redirected inside) and
# reports lines/s by wall clock and by CPU time (user+sys): the machine may be shared.
TIMEFORMAT='%R %U %S'
run() {
	local name=$1 lines=$2 bytes=$3
	shift 3
	{ time "$@" >/dev/null 2>/dev/null; } 2>"$tmp/time"
	read -r real user sys <"$tmp/time"
	awk -v n="$name" -v l="$lines" -v b="$bytes" -v r="$real" -v u="$user" -v s="$sys" 'BEGIN {
		c = u + s; if (r <= 0) r = 0.001; if (c <= 0) c = 0.001
		printf "%-11s %8d lines %7.1f MB  %6.2f s wall %9.0f lines/s %7.1f MB/s | %5.2f s cpu %9.0f lines/s\n",
		       n, l, b / 1e6, r, l / r, b / 1e6 / r, c, l / c }'
}

curl -s "$url/2/tweets/search/stream" >"$tmp/body"
bytes=$(wc -c <"$tmp/body")
lines=$(grep -c . "$tmp/body" || true)
tr -d '\r' <"$tmp/body" >"$tmp/capture.jsonl"
echo "tw-stream bench: $lines distinct tweets, $((bytes / lines)) bytes a line on average; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
run curl "$lines" "$bytes" curl -s "$url/2/tweets/search/stream"
run cat "$lines" "$bytes" cat "$tmp/capture.jsonl"
run raw "$N" "$bytes" "$BIN" -q --api-url "$url" --raw --max-tweets "$N"
run merged "$N" "$bytes" "$BIN" -q --api-url "$url" --max-tweets "$N"
run replay-raw "$N" "$bytes" "$BIN" -q --replay "$tmp/capture.jsonl" --speed 0 --raw
run replay "$N" "$bytes" "$BIN" -q --replay "$tmp/capture.jsonl" --speed 0
"$BIN" -q --simulate --max-tweets 1000 >"$tmp/sim"
run simulate "$N" "$(( $(wc -c <"$tmp/sim") * N / 1000 ))" "$BIN" -q --simulate --max-tweets "$N"
