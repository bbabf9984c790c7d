#!/bin/bash
# bench/sentiment.sh: tw-sentiment against the npm port of VADER under node (what a user would
# otherwise run: bench/sentiment-node.js), side by side on the same tweets.
#
#   bench/sentiment.sh [TWEETS [RUNS]]       (defaults: 100000 3)
#
# Two inputs of TWEETS lines each: real v1.1 tweets (the Broad Twitter Corpus in tests/data,
# repeated; 94% English, ~2.6 KB a line with the user object), and tw-stream --simulate's merged
# v2 tweets (a language mix, ~2 KB a line). Each tool reads the file on stdin and writes to
# /dev/null; per run and the median: tweets/s over wall time and over CPU time (user + sys: both
# are single-threaded, so this is the rate on one core), peak RSS, and the ratio. Targets: at
# least 20x the reference's rate and 100,000 tweets/s on one core (marked "ok" or "UNDER").
# Not a test: numbers depend on the machine and on what else runs on it.
set -eu
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${2:-3}
make -s bin/tw-sentiment bin/tw-stream >/dev/null
command -v node >/dev/null || { echo "bench: node not installed (make deps)" >&2; exit 2; }
[ -d tests/peers/node_modules/vader-sentiment ] || { echo "bench: npm peers missing (make deps)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not installed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tl-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
zcat tests/data/tweets/v1.1_btc_section_a.jsonl.gz tests/data/tweets/v1.1_btc_section_b.jsonl.gz \
	tests/data/tweets/v1.1_btc_section_e.jsonl.gz >"$tmp/one"
: >"$tmp/real"
while [ "$(wc -l <"$tmp/real")" -lt "$N" ]; do cat "$tmp/one" >>"$tmp/real"; done
head -n "$N" "$tmp/real" >"$tmp/real.jsonl"
bin/tw-stream -q --simulate --max-tweets "$N" >"$tmp/sim.jsonl"

calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run FILE CMD...: "wall cpu peak_kb" of one run
run() {
	local f=$1; shift
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" <"$f" >/dev/null 2>"$tmp/err" ||
		{ echo "bench: $* failed:" >&2; tail -n 5 "$tmp/err" >&2; exit 1; }
	awk '{ printf "%s %s %s\n", $1, $2 + $3, $4 }' "$tmp/time"
}

status=0
for input in real sim; do
	f=$tmp/$input.jsonl
	printf 'bench: %s: %d tweets, %.1f MB\n' "$input" "$N" "$(calc "$(stat -c %s "$f") / 1e6" 1)"
	: >"$tmp/ours" && : >"$tmp/ref"
	for r in $(seq "$RUNS"); do
		read -r w c m < <(run "$f" bin/tw-sentiment -q)
		echo "$w $c $m" >>"$tmp/ours"
		read -r rw rc rm < <(run "$f" node bench/sentiment-node.js)
		echo "$rw $rc $rm" >>"$tmp/ref"
		printf '  run %d: tw-sentiment %8.0f tweets/s wall, %8.0f on one core (%d MB); node vader-sentiment %7.0f wall, %7.0f on one core (%d MB)\n' \
			"$r" "$(calc "$N / ($w + 0.0001)")" "$(calc "$N / ($c + 0.0001)")" "$((m / 1024))" \
			"$(calc "$N / ($rw + 0.0001)")" "$(calc "$N / ($rc + 0.0001)")" "$((rm / 1024))"
	done
	ow=$(cut -d' ' -f1 "$tmp/ours" | median); oc=$(cut -d' ' -f2 "$tmp/ours" | median)
	rw=$(cut -d' ' -f1 "$tmp/ref" | median); rc=$(cut -d' ' -f2 "$tmp/ref" | median)
	rate=$(calc "$N / ($oc + 0.0001)"); ratio=$(calc "$rc / ($oc + 0.0001)" 1)
	printf '  median: tw-sentiment %s tweets/s on one core (%s wall), node vader-sentiment %s (%s wall): %sx on one core, %sx wall\n' \
		"$rate" "$(calc "$N / ($ow + 0.0001)")" "$(calc "$N / ($rc + 0.0001)")" \
		"$(calc "$N / ($rw + 0.0001)")" "$ratio" "$(calc "$rw / ($ow + 0.0001)" 1)"
	ok1=ok ok2=ok
	[ "$(calc "($rate >= 100000)")" = 1 ] || { ok1=UNDER; status=1; }
	[ "$(calc "($ratio >= 20)")" = 1 ] || { ok2=UNDER; status=1; }
	printf '  targets: >= 100000 tweets/s on one core: %s; >= 20x the reference: %s\n' "$ok1" "$ok2"
done
exit $status
