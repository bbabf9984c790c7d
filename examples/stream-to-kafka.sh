#!/bin/sh
# A filtered stream into Kafka: tweets about the topics of the current rules, keyed by tweet id,
# one message per tweet (the merged tweet JSON). Stops on Ctrl-C; tw-stream closes its connection
# and kafka-produce flushes what it has before exiting.
#
#   X_BEARER_TOKEN=... examples/stream-to-kafka.sh [BROKERS] [TOPIC]
#
# Without an X account, SIMULATE=1 streams simulated tweets instead (100 a second).
set -eu
brokers=${1:-localhost:9092}
topic=${2:-tweets}
if [ -n "${SIMULATE:-}" ]; then
	source="tw-stream --simulate --seed 7 --rate 100"
else
	: "${X_BEARER_TOKEN:?set X_BEARER_TOKEN to the app's bearer token}"
	tw-stream --list-rules | grep -q . || {
		echo "no stream rules yet: add some, e.g. tw-stream --add-rule 'cat has:images' --tag cats" >&2
		exit 2
	}
	source="tw-stream --progress --backfill 2"
fi
# pipefail is not POSIX: report each side's status instead
{ $source; echo "tw-stream exited $?" >&2; } | kafka-produce -b "$brokers" -t "$topic" -k id
