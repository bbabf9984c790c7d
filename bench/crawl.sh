#!/bin/bash
# bench/crawl.sh: glue-crawl throughput.
#
#   bench/crawl.sh [MB] [OBJECTS_IN_MOTO]     (defaults: 1024 MB of tweets, 10000 objects)
#
# 1. Generates a local lake of MB megabytes of uncompressed tweets in gzip objects (~8 MB each,
#    dt=/hour= partitions): the real captures' tweet lines with fresh ids, counts and words,
#    so that gzip compresses them as it would real traffic, not 100x.
# 2. Crawls it with --full (every record; --jobs 1 and the default 4) and in sample mode, into
#    --ddl (no catalog writes): MB/s of uncompressed JSON and objects/s.
# 3. Baseline: `zcat | jq -c paths` over a share of the same objects (jq is far slower, so it
#    runs over ~10% and the rate is reported).
# 4. Starts moto, uploads OBJECTS_IN_MOTO small objects and times a sample crawl that writes the
#    table and its partitions to moto's Glue (the issue's target: under a minute for 10,000).
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
MB=${1:-1024}
NOBJ=${2:-10000}
TW=$TOP/tests/data/tweets
BIN=$TOP/bin/glue-crawl
[ -x "$BIN" ] || make -s bin/glue-crawl
tmp=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/crawl-bench.XXXXXX")}
moto=
cleanup() { [ -n "$moto" ] && kill "$moto" 2>/dev/null; [ -z "${BENCH_DIR:-}" ] && rm -rf "$tmp"; }
trap cleanup EXIT
echo "# $(nproc) CPUs; lake in $tmp"

lake=$tmp/lake/tweets
if [ ! -d "$lake" ]; then
	python3 - "$lake" "$MB" "$TW" <<-'EOF'
	import gzip, json, os, random, re, sys
	out, mb, tw = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	lines = []
	for f in ("v2_stream_twarc-csv_streaming_output.jsonl",
	          "v1.1_stream_original_format_tweet_parser_examples.jsonl"):
	    for l in open(os.path.join(tw, f), encoding="utf-8"):
	        if l.startswith('{"data"') or l.startswith('{"retweet_count"'):
	            lines.append(l.rstrip("\n"))
	rnd = random.Random(42)
	words = re.findall(r"[A-Za-z]{3,}", " ".join(lines))
	num = re.compile(r'(?<=": )(\d{1,6})(?=[,}])|(?<=":)(\d{1,6})(?=[,}])')
	ids = re.compile(r'\d{15,19}')
	text = re.compile(r'("(?:text|full_text|description)": ?")([^"\\]{10,})')
	def mutate(l):
	    l = ids.sub(lambda m: str(rnd.randrange(10**17, 10**19)), l)
	    l = num.sub(lambda m: str(rnd.randrange(0, 100000)), l)
	    return text.sub(lambda m: m.group(1) + " ".join(rnd.choice(words) for _ in range(len(m.group(2)) // 6 + 1)), l)
	target, total, n = mb * 1000000, 0, 0
	per_obj = 8 * 1000000
	while total < target:
	    d = os.path.join(out, "dt=2026-11-%02d" % (1 + n // 24), "hour=%02d" % (n % 24))
	    os.makedirs(d, exist_ok=True)
	    buf, size = [], 0
	    while size < per_obj and total + size < target:
	        l = mutate(rnd.choice(lines)) + "\n"
	        buf.append(l)
	        size += len(l.encode())
	    data = "".join(buf).encode()
	    with open(os.path.join(d, "tweets+0+%020d.json.gz" % n), "wb") as f:
	        f.write(gzip.compress(data, 6))
	    total += size
	    n += 1
	print("# generated %d objects, %.0f MB uncompressed" % (n, total / 1e6), file=sys.stderr)
	EOF
fi
objs=$(find "$lake" -name '*.json.gz' | wc -l)
zbytes=$(du -sb "$lake" | cut -f1)

TIMEFORMAT='%R %U %S'
# run NAME CMD...: wall and CPU seconds of CMD; the summary line (if any) is kept in $tmp/sum
run() {
	local name=$1
	shift
	{ time "$@" >"$tmp/out" 2>/dev/null; } 2>"$tmp/time" || true
	read -r real user sys <"$tmp/time"
	local ub=$ubytes
	printf '%-22s %6.2f s wall %7.1f MB/s %8.1f objects/s | %6.2f s cpu\n' "$name" "$real" \
		"$(echo "$ub / 1000000 / $real" | bc -l)" "$(echo "$objs / $real" | bc -l)" \
		"$(echo "$user + $sys" | bc -l)"
}
"$BIN" -q --full --catalog "$tmp/cat" --database bench "$lake" >"$tmp/sum" 2>/dev/null || true
ubytes=$(jq -r .bytes_uncompressed "$tmp/sum")
records=$(jq -r .records "$tmp/sum")
echo "# lake: $objs objects, $(echo "$zbytes / 1000000" | bc) MB gzip, $(echo "$ubytes / 1000000" | bc) MB JSON, $records records"
cat "$tmp/lake/tweets/"*/*/*.json.gz >/dev/null # warm the page cache
run "zcat (I/O + inflate)" sh -c "cat '$lake'/*/*/*.json.gz | zcat >/dev/null"
run "--full --jobs 1" "$BIN" -q --full --jobs 1 --ddl "$lake"
run "--full (4 jobs)" "$BIN" -q --full --ddl "$lake"
run "sample (1 MiB/object)" "$BIN" -q --ddl "$lake"

# baseline over ~10% of the objects, reported as a rate over those bytes
share=$(( objs / 10 > 0 ? objs / 10 : 1 ))
find "$lake" -name '*.json.gz' | sort | head -n "$share" >"$tmp/share"
sbytes=$(xargs cat <"$tmp/share" | zcat | wc -c)
{ time sh -c "xargs cat <'$tmp/share' | zcat | jq -c paths >/dev/null"; } 2>"$tmp/time"
read -r real user sys <"$tmp/time"
printf '%-22s %6.2f s wall %7.1f MB/s (over %d objects, %.0f MB) | %6.2f s cpu\n' \
	"zcat | jq -c paths" "$real" "$(echo "$sbytes / 1000000 / $real" | bc -l)" "$share" \
	"$(echo "$sbytes / 1000000" | bc -l)" "$(echo "$user + $sys" | bc -l)"

# moto: many small objects, a sample crawl writing Glue
python3 -c 'import moto.server' 2>/dev/null || { echo "# moto not installed: skipping the moto run"; exit 0; }
python3 "$TOP/tests/stubs/moto-serve.py" --port-file "$tmp/moto.port" >"$tmp/moto.log" 2>&1 &
moto=$!
for i in $(seq 600); do grep -qE '^[0-9]+$' "$tmp/moto.port" 2>/dev/null && break; sleep 0.1; done
port=$(cat "$tmp/moto.port")
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDBENCHBENCH \
	AWS_SECRET_ACCESS_KEY=benchsecretbenchsecret AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
python3 - "$NOBJ" "$lake" <<-'EOF'
	import glob, gzip, os, sys, time, boto3
	n, lake = int(sys.argv[1]), sys.argv[2]
	s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
	s3.create_bucket(Bucket="bench")
	src = gzip.decompress(open(sorted(glob.glob(lake + "/*/*/*.json.gz"))[0], "rb").read()).split(b"\n")
	t = time.time()
	for i in range(n):
	    body = gzip.compress(b"\n".join(src[(i * 5) % 1000:(i * 5) % 1000 + 5]) + b"\n", 6)
	    s3.put_object(Bucket="bench", Key="raw/tweets/dt=2026-11-%02d/hour=%02d/tweets+%d+%020d.json.gz"
	                  % (1 + (i // 400) % 28, (i // 17) % 24, i % 8, i), Body=body)
	print("# uploaded %d objects to moto in %.1f s" % (n, time.time() - t), file=sys.stderr)
	EOF
{ time "$BIN" -q --database bench s3://bench/raw/tweets >"$tmp/msum" 2>"$tmp/merr"; } 2>"$tmp/time" || true
read -r real user sys <"$tmp/time"
printf '%-22s %6.2f s wall %8.1f objects/s: %s\n' "moto sample crawl" "$real" \
	"$(echo "$NOBJ / $real" | bc -l)" "$(jq -c '{objects,partitions_added,records,columns}' "$tmp/msum")"
{ time "$BIN" -q --database bench s3://bench/raw/tweets >"$tmp/msum" 2>"$tmp/merr"; } 2>"$tmp/time" || true
read -r real user sys <"$tmp/time"
printf '%-22s %6.2f s wall %8.1f objects/s: %s\n' "moto re-run (no-op)" "$real" \
	"$(echo "$NOBJ / $real" | bc -l)" "$(jq -c '{changed,partitions_existing}' "$tmp/msum")"
