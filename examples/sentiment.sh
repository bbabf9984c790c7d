#!/bin/bash
# examples/sentiment.sh: sentiment from the stream to the lake and back out in SQL, offline.
#
#   examples/sentiment.sh [TWEETS]      (default 5000)
#
# Simulates TWEETS tweets spread over the last 6 hours, scores them with tw-sentiment, lands
# them in a local lake folder (the layout kafka-to-s3 writes), catalogs it with glue-crawl (the
# sentiment column becomes a struct of doubles) and runs the sentiment-per-hour and
# sentiment-per-hashtag queries with athena-query --local: the same files (Athena SQL) run
# unchanged in Athena.
set -eu
cd "$(dirname "$0")/.."
n=${1:-5000}
make -s bin/tw-stream bin/tw-sentiment bin/glue-crawl bin/athena-query
lake=$(mktemp -d)
trap 'rm -rf "$lake"' EXIT
part=$lake/tweets/dt=$(date -u +%F)/hour=00
mkdir -p "$part"
bin/tw-stream -q --simulate --max-tweets "$n" --backdate 6h | bin/tw-sentiment |
	gzip >"$part/tweets+0+00000000000000000000.json.gz"
bin/glue-crawl "$lake/tweets" --database demo --table tweets --catalog "$lake/_catalog" -q |
	jq -c '{table, columns, records}'
jq -r '.Table.StorageDescriptor.Columns[]? // empty | select(.Name == "sentiment") | "sentiment: \(.Type)"' \
	"$lake/_catalog/demo/tweets.json" 2>/dev/null || true
echo "== sentiment per hour"
bin/athena-query --local "$lake" -q -f examples/sql/sentiment-per-hour.sql
echo "== sentiment per hashtag"
bin/athena-query --local "$lake" -q -f examples/sql/sentiment-per-hashtag.sql
