#!/bin/bash
# examples/produce-tweets.sh: recorded tweets into a topic, keyed by author, timed by created_at,
# with a delivery report, then read back with kcat.
#
#   examples/produce-tweets.sh [CAPTURE.jsonl]
#
# Uses $KAFKA_BROKERS when set; otherwise starts librdkafka's mock cluster (build/tests/mock-kafka,
# built by `make check`) for the length of the example. The truncated capture's last line is cut
# off mid-object, as a stream leaves it at a disconnect: kafka-produce reports it and keeps it in
# the dead-letter file, and exits 1.
set -u
cd "$(dirname "$0")/.."
capture=${1:-tests/data/tweets/v2_stream_twarc-csv_streaming_output_truncated.jsonl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${mock:-}" ] && kill "$mock"' EXIT

if [ -z "${KAFKA_BROKERS:-}" ]; then
	make -s bin/kafka-produce build/tests/mock-kafka || exit 2
	build/tests/mock-kafka -b 3 -t tweets:6 </dev/null >"$tmp/boot" 2>/dev/null &
	mock=$!
	while [ ! -s "$tmp/boot" ]; do sleep 0.1; done
	export KAFKA_BROKERS=$(head -n 1 "$tmp/boot")
fi

bin/kafka-produce -t tweets -k data.author_id --timestamp-field data.created_at \
	--dead-letter "$tmp/dead.ndjson" --report <"$capture" >"$tmp/report.ndjson"
echo "kafka-produce exited $?"

echo "== where each line went (--report):"
cat "$tmp/report.ndjson"
echo "== dead letters:"
jq -c '{line, reason}' "$tmp/dead.ndjson" 2>/dev/null
echo "== read back: partition, key (author), timestamp, tweet id:"
kcat -C -b "$KAFKA_BROKERS" -t tweets -e -q -f '%p\t%k\t%T\t%s\n' | cut -c1-60
