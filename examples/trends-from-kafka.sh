#!/bin/sh
# tw-trends from Kafka as a consumer group of its own, beside kafka-to-s3 on the same topic (each
# group gets every record), keeping its baselines across restarts, and sending the trend events
# back into a Kafka topic for other consumers (and, through kafka-to-s3, for the lake).
#
#   KAFKA_BROKERS=kafka:9092 examples/trends-from-kafka.sh
#
# The topic "tweets" is what tw-stream | kafka-produce -t tweets writes (examples/stream-to-kafka.sh).
# For a topic read from its start rather than live, give tw-trends a --delay that covers how far
# the partitions are apart in event time, so windows close when all of them got there.
set -eu
: "${KAFKA_BROKERS:?set KAFKA_BROKERS}"
state=${STATE:-/var/lib/tw-trends/state}
mkdir -p "$(dirname "$state")"

# the lake, as usual (its own group)
kafka-to-s3 -G lake -t tweets --dest "${LAKE:-s3://my-bucket/lake}" --time-field created_at &

# trends, live: window lines to the terminal log, trend events into the topic "trends"
tw-trends -G trends -t tweets --state "$state" --svg "${SVG:-/var/www/trends.svg}" |
	jq -c --unbuffered 'select(.event | startswith("trend-"))' |
	kafka-produce -t trends -k term
