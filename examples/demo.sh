#!/bin/bash
# The whole pipeline on local defaults, as `make demo` runs it: no AWS account, no X account, no
# Kafka cluster. A simulated stream goes through librdkafka's mock Kafka cluster into a local lake,
# is catalogued, and answered with SQL:
#
#   tw-stream --simulate | kafka-produce  ->  [mock Kafka]  ->  kafka-to-s3 --dest LAKE
#   glue-crawl LAKE/tweets --catalog LAKE/_catalog
#   athena-query --local LAKE 'SELECT ...'
#   tw-trends < the same stream  ->  trend events and a picture (trends.svg)
#
# With AWS=1 the lake is an S3 bucket and the catalog the Glue Data Catalog of a moto server on
# 127.0.0.1, so every AWS call is real, signed HTTP (moto's signature checking stays off: it
# wrongly refuses keys with "=", which Hive-style partitions have); the queries then run on a
# local copy of the bucket.
#
# Environment: TWEETS (default 50000), DEMO_DIR (default: a new folder under /tmp, kept so you
# can go on querying it), AWS=1.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$top/bin:$top/build/tests:$PATH"
tweets=${TWEETS:-50000}
dir=${DEMO_DIR:-$(mktemp -d /tmp/tweetlake-demo.XXXXXX)}
mkdir -p "$dir"
lake=$dir/lake
pids=()
cleanup() {
	local p
	for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

step "a Kafka cluster: librdkafka's mock cluster, 3 brokers, topic tweets with 8 partitions"
mock-kafka -b 3 -t tweets:8 </dev/null >"$dir/brokers" 2>"$dir/kafka.log" &
pids+=($!)
for _ in $(seq 600); do [ -s "$dir/brokers" ] && break; sleep 0.1; done
export KAFKA_BROKERS; KAFKA_BROKERS=$(head -n 1 "$dir/brokers")
echo "KAFKA_BROKERS=$KAFKA_BROKERS" >&2

dest=$lake
if [ "${AWS:-0}" = 1 ]; then
	step "AWS on loopback: moto server (S3, Glue)"
	python3 "$top/tests/stubs/moto-serve.py" --port-file "$dir/moto.port" >"$dir/moto.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 600); do grep -qE '^[0-9]+$' "$dir/moto.port" 2>/dev/null && break; sleep 0.1; done
	port=$(cat "$dir/moto.port")
	eval "$(python3 "$top/tests/stubs/moto-setup.py" "http://127.0.0.1:$port")"
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION=us-east-1
	export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
	aws-call s3 PUT /tweetlake-demo >/dev/null
	dest=s3://tweetlake-demo/lake
fi

step "stream $tweets simulated tweets into Kafka (#DemoDay bursts from 2h in, for 20 minutes)"
run tw-stream --simulate --seed 42 --max-tweets "$tweets" --backdate 3h --burst DemoDay@120+20*10% |
	tee "$dir/tweets.ndjson" | kafka-produce -t tweets -k author_id --no-progress

step "land the topic in the lake as gzip NDJSON, partitioned by the tweets' created_at"
run kafka-to-s3 -G demo -t tweets --dest "$dest" --time-field created_at --exit-at-end \
	>"$dir/manifest.ndjson"
echo "$(wc -l <"$dir/manifest.ndjson") objects stored; the first manifest line:" >&2
head -n 1 "$dir/manifest.ndjson" >&2

step "catalog the lake: infer the schema and partitions"
if [ "${AWS:-0}" = 1 ]; then
	run glue-crawl "$dest/tweets" --database demo --table tweets
	echo "Glue now has:" >&2
	aws-call json glue AWSGlue.GetTable '{"DatabaseName":"demo","Name":"tweets"}' |
		jq -r '.Table | "  demo.tweets: \(.StorageDescriptor.Columns | length) columns, partitioned by \([.PartitionKeys[].Name] | join(", ")), at \(.StorageDescriptor.Location)"' >&2
	# The queries run offline on a copy of the bucket (fetched with the project's own signed
	# S3 GETs, object by object as the manifest lists them), catalogued locally.
	jq -r '.key' "$dir/manifest.ndjson" | while read -r key; do
		rel=${key#lake/}
		mkdir -p "$lake/$(dirname "$rel")"
		aws-call s3 GET "/tweetlake-demo/$key" >"$lake/$rel"
	done
fi
run glue-crawl "$lake/tweets" --database demo --table tweets --catalog "$lake/_catalog"

q() {
	step "$1"
	shift
	run athena-query --local "$lake" --format table "$@"
}
q "top hashtags" -f "$top/examples/sql/top-hashtags.sql"
q "tweets per minute, last 10 minutes of the stream" -f "$top/examples/sql/tweets-per-minute.sql"
q "languages" -f "$top/examples/sql/languages.sql"
step "tweets per minute over the whole stream, drawn (and as a picture: $dir/tweets-per-minute.svg)"
(cd "$dir" && run "$top/examples/tweets-per-minute.sh" "$lake" "$dir/tweets-per-minute.svg")

step "what was trending: tw-trends on the same stream (event time, so the 3 hours replay in seconds)"
run tw-trends --svg "$dir/trends.svg" <"$dir/tweets.ndjson" >"$dir/trends.ndjson"
jq -r 'select(.event == "trend-start" or .event == "trend-end") |
	"  \(.time)  \(.event)  \(.term) (\(.kind))  \(.rate) a minute, \(.ratio)x its baseline"' \
	"$dir/trends.ndjson" >&2
echo "the picture: $dir/trends.svg (open it in a browser); every line: $dir/trends.ndjson" >&2

step "done"
cat >&2 <<MSG
The lake is in $lake (catalog in $lake/_catalog). Go on querying it:
  athena-query --local $lake 'SELECT lang, count(*) FROM tweets GROUP BY lang'
  athena-query --local $lake      # a prompt: history, Tab completion, \d, \chart
MSG
