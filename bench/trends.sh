#!/bin/bash
# bench/trends.sh: tw-trends' throughput, latency, memory and forecast error.
#
#   bench/trends.sh [TWEETS]      (default 300000)
#
# throughput  TWEETS simulated tweets (~2 KB each, 5,000 a second of event time, a planted burst)
#             from a file, per CPU second (user + sys: the 2-CPU machine is shared), beside what a
#             user would otherwise run on the same file: cat (the I/O ceiling) and jq pulling the
#             hashtags out (counting only, no detection), with the ratio
# memory      the peak resident size of that run
# latency     tw-stream --simulate --rate 5000 live for 30 s: from a tweet's arrival to the first
#             output line that includes it (bench/trends-latency.py), p50/p90/p99/max
# forecast    a 40-minute replay whose volume swings, with three planted bursts: the error of the
#             forecast one window ahead, Holt against the naive forecast (bench/trends-forecast.py)
set -eu
cd "$(dirname "$0")/.."
N=${1:-300000}
BIN=bin/tw-trends
[ -x "$BIN" ] && [ -x bin/tw-stream ] || make -s bin/tw-trends bin/tw-stream
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trends-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "tw-trends bench: $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"

secs=$((N / 5000))
bin/tw-stream -q --simulate --seed 3 --max-tweets "$N" --backdate "${secs}s" --burst "Bench@$((secs / 120))+1*5%" >"$tmp/in.jsonl"
bytes=$(wc -c <"$tmp/in.jsonl")
TIMEFORMAT='%R %U %S'
run() { # NAME CMD...: lines per wall and per CPU second
	local name=$1; shift
	{ time "$@" <"$tmp/in.jsonl" >/dev/null 2>/dev/null; } 2>"$tmp/time"
	read -r real user sys <"$tmp/time"
	awk -v n="$name" -v l="$N" -v b="$bytes" -v r="$real" -v u="$user" -v s="$sys" 'BEGIN {
		c = u + s; if (r <= 0) r = 0.001; if (c <= 0) c = 0.001
		printf "%-22s %8d tweets %7.1f MB  %6.2f s wall %9.0f tweets/s | %5.2f s cpu %9.0f tweets/s\n",
		       n, l, b / 1e6, r, l / r, c, l / c }'
	echo "$(echo "$name" | tr ' ' _) $(awk -v l="$N" -v u="$user" -v s="$sys" 'BEGIN { print l / (u + s) }')" >>"$tmp/rates"
}
echo "== throughput from a file ($N tweets, $((bytes / N)) bytes a line)"
run cat cat
if command -v jq >/dev/null; then run "jq (hashtags only)" jq -r '.entities.hashtags[]?.tag'; fi
run tw-trends "$BIN" -q
run "tw-trends --kinds tags" "$BIN" -q --kinds hashtag,cashtag,mention,domain
awk '$1 == "tw-trends" { t = $2 } $1 ~ /^jq/ { j = $2 } END { if (j) printf "tw-trends / jq, per CPU second: %.1fx (and jq only counts)\n", t / j }' "$tmp/rates"
/usr/bin/time -f "%M" "$BIN" -q <"$tmp/in.jsonl" >/dev/null 2>"$tmp/mem" || true
echo "== peak memory: $(( $(tail -1 "$tmp/mem") / 1024 )) MB resident (capacity 20000 terms, 65536-wide sketches)"

echo "== latency, tw-stream --simulate --rate 5000 live for 30 s"
bin/tw-stream -q --simulate --seed 5 --rate 5000 --duration 30 | python3 bench/trends-latency.py "$BIN" -q

echo "== forecast one window ahead, 40 min replay with a swinging volume and three bursts"
bin/tw-stream -q --simulate --seed 21 --max-tweets 200000 --backdate 40m --burst Alpha@10+8*2% \
	--burst Beta@22+5*1.5% --burst Gamma@31+6*2% >"$tmp/fc.jsonl"
python3 bench/trends-forecast.py retime "$tmp/fc.jsonl" "$tmp/fc2.jsonl" 40
"$BIN" -q --update-every 1s <"$tmp/fc2.jsonl" >"$tmp/fc.out"
python3 bench/trends-forecast.py score "$tmp/fc.out"
