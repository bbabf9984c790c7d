#!/bin/bash
# bench/to-s3.sh: kafka-to-s3 into a local lake against `kcat -C -e | gzip -6 > file`, on the
# same records from the mock Kafka cluster, with plain `gzip -6` on the same bytes as the ceiling;
# then the memory of kafka-to-s3 with 64 partitions x 24 hours of records (1536 open objects).
#
#   make && make build/tests/mock-kafka && [HOURS=24] [PASSES=3] bench/to-s3.sh [MB_PER_PARTITION] [PARTITIONS]
#
# Records are the real tweets of tests/data/tweets (v1.1, ~6 KB each), cycled with a new id and a
# created_at rising over HOURS hours (a backlog of a live stream: 64 x HOURS objects); the memory run uses the same
# records with the 24 hours interleaved in every partition. The mock keeps about 5 MiB per partition, so volume comes from
# partitions (default 3 MB x 64). Each side is run three times and its best pass counts (the
# machine is shared). kafka-to-s3's time is from its first partition assignment to its exit (the
# group join, ~3 s in the mock, is left out; kcat -C assigns partitions without a group); both
# times include reading every record from the cluster. Build without SANITIZE for real figures.
set -eu
cd "$(dirname "$0")/.."
MB=${1:-3}
PARTS=${2:-64}
HOURS=${HOURS:-24}
export PATH="$PWD/bin:$PWD/${BUILD:-build}/tests:$PATH"
for x in kafka-to-s3 mock-kafka kcat gzip python3; do
	command -v $x >/dev/null || { echo "bench/to-s3.sh: $x missing (make; make build/tests/mock-kafka)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/to-s3-bench.XXXXXX")
MK=""
trap '[ -n "$MK" ] && kill $MK 2>/dev/null; rm -rf "$W"' EXIT
export TWEETS=$PWD/tests/data/tweets
mkfifo "$W/ctl"
mock-kafka -b 1 -t bench:"$PARTS" -t mem:"$PARTS" <"$W/ctl" >"$W/boot" 2>"$W/mock.log" &
MK=$!
exec 9>"$W/ctl"
for i in $(seq 1 100); do [ -s "$W/boot" ] && break; sleep 0.1; done
B=$(head -n 1 "$W/boot")

gen() { # MODE: "stream" (times rising over 24 hours, as a backlog of a live stream) or
	 # "interleaved" (every partition has records of all 24 hours all along)
	python3 - "$MB" "$PARTS" "$1" "$HOURS" <<'PY'
import json, os, sys, datetime
mb, parts, mode, hours = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
src = [json.loads(l) for l in open(os.environ["TWEETS"] + "/v1.1_stream_original_format_tweet_parser_examples.jsonl")]
base = datetime.datetime(2026, 11, 24, tzinfo=datetime.timezone.utc)
total = mb * parts * 1e6
avg = sum(len(json.dumps(t, separators=(",", ":"))) + 40 for t in src) / len(src)
n = int(total / avg)
for i in range(n):
    t = dict(src[i % len(src)])
    t["id"] = 1860000000000000000 + i
    t["id_str"] = str(t["id"])
    secs = (i * 3600 * hours // n) if mode == "stream" else (i * 3607) % 86400
    t["created_at"] = (base + datetime.timedelta(seconds=secs)).strftime("%a %b %d %H:%M:%S +0000 %Y")
    sys.stdout.write("%d\t%s\n" % (i, json.dumps(t, separators=(",", ":"))))
PY
}
gen stream >"$W/records"
gen interleaved >"$W/records.mem"
kcat -P -b "$B" -t mem -K "$(printf '\t')" -l "$W/records.mem" -X linger.ms=50 -X batch.num.messages=10000
N=$(wc -l <"$W/records")
kcat -P -b "$B" -t bench -K "$(printf '\t')" -l "$W/records" -X linger.ms=50 -X batch.num.messages=10000
kcat -C -b "$B" -t bench -e -q -o beginning >"$W/raw"
BYTES=$(wc -c <"$W/raw")
echo "records: $N in $PARTS partitions, $(awk "BEGIN{printf \"%.1f\", $BYTES/1e6}") MB of NDJSON"
[ "$(wc -l <"$W/raw")" -eq "$N" ] || { echo "the mock dropped records (over ~5 MiB per partition): use fewer MB per partition" >&2; exit 1; }

now() { date +%s.%N; }
best() { sort -g | head -n 1; }

PASSES=${PASSES:-3}
ceiling=$(for r in $(seq 1 "$PASSES"); do s=$(now); gzip -6 <"$W/raw" >"$W/raw.gz"; e=$(now); echo "$e - $s" | bc -l; done | best)
pipe=$(for r in $(seq 1 "$PASSES"); do
	s=$(now); kcat -C -b "$B" -t bench -e -q -o beginning | gzip -6 >"$W/kcat.gz"; e=$(now)
	echo "$e - $s" | bc -l; done | best)
ours=$(for r in $(seq 1 "$PASSES"); do
	rm -rf "$W/lake"
	kafka-to-s3 -b "$B" -G "bench$r" -t bench --dest "$W/lake" --time-field created_at \
		--exit-at-end >"$W/manifest" 2>"$W/k2s.log"
	sed -n 's/.* \([0-9.]*\) s from the first assignment.*/\1/p' "$W/k2s.log"; done | best)
stored=$(python3 -c 'import json,sys; print(sum(json.loads(l)["records"] for l in open(sys.argv[1])))' "$W/manifest")
[ "$stored" -eq "$N" ] || { echo "kafka-to-s3 stored $stored of $N records" >&2; cat "$W/k2s.log" >&2; exit 1; }
zsize=$(du -cb $(find "$W/lake" -name '*.json.gz') | tail -n 1 | cut -f1)
objs=$(wc -l <"$W/manifest")
mbps() { awk "BEGIN{printf \"%.1f\", $BYTES/1e6/$1}"; }
printf '%-34s %8s %9s %10s\n' "" "seconds" "MB/s in" "gzip MB"
printf '%-34s %8.2f %9s %10.1f\n' "gzip -6 (ceiling, file to file)" "$ceiling" "$(mbps "$ceiling")" "$(awk "BEGIN{print $(wc -c <"$W/raw.gz")/1e6}")"
printf '%-34s %8.2f %9s %10.1f\n' "kcat -C -e | gzip -6" "$pipe" "$(mbps "$pipe")" "$(awk "BEGIN{print $(wc -c <"$W/kcat.gz")/1e6}")"
printf '%-34s %8.2f %9s %10.1f\n' "kafka-to-s3 (local lake, $objs objects)" "$ours" "$(mbps "$ours")" "$(awk "BEGIN{print $zsize/1e6}")"
echo "kafka-to-s3 vs kcat|gzip: $(awk "BEGIN{printf \"%.2f\", $pipe/$ours}")x as fast; vs the gzip ceiling: $(awk "BEGIN{printf \"%.0f\", 100*$ceiling/$ours}")%"

# Memory: every partition has records of all 24 hours, so 64 x 24 objects are open at once.
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1; }
rm -rf "$W/lake"
kb=$(/usr/bin/time -f 'maxrss %M' kafka-to-s3 -b "$B" -G mem -t mem --dest "$W/lake" --time-field created_at \
	--max-open 2000 --exit-at-end 2>&1 >/dev/null | sed -n 's/^maxrss //p')
open=$(find "$W/lake" -name '*.json.gz' | wc -l)
echo "memory: peak RSS $(awk "BEGIN{printf \"%.0f\", $kb/1024}") MiB with $open objects open at once ($PARTS partitions x 24 hours), $(awk "BEGIN{printf \"%.0f\", $kb/$open}") KiB per open object"
kb2=$(/usr/bin/time -f 'maxrss %M' kafka-to-s3 -b "$B" -G mem2 -t mem --dest "$W/lake2" --time-field created_at \
	--max-open 2000 --exit-at-end -X queued.max.messages.kbytes=16384 2>&1 >/dev/null | sed -n 's/^maxrss //p')
echo "memory: peak RSS $(awk "BEGIN{printf \"%.0f\", $kb2/1024}") MiB with -X queued.max.messages.kbytes=16384 (prefetch 16 MiB instead of 128 MiB)"
