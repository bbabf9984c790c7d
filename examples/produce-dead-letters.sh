#!/bin/bash
# examples/produce-dead-letters.sh: what happens to lines when the cluster is gone for longer
# than message.timeout.ms, and how to send them again once it is back.
#
# Starts librdkafka's mock cluster (build/tests/mock-kafka, built by `make check`), takes every
# broker down, produces 5 lines with a 2 s message timeout (kafka-produce exits 1, each line is in
# the dead-letter file with its reason), brings the brokers up and replays the dead letters.
set -u
cd "$(dirname "$0")/.."
make -s bin/kafka-produce build/tests/mock-kafka || exit 2
tmp=$(mktemp -d)
mkfifo "$tmp/ctl"
build/tests/mock-kafka -b 1 -t events:1 <"$tmp/ctl" >"$tmp/out" 2>/dev/null &
mock=$!
exec 3>"$tmp/ctl"
trap 'exec 3>&-; kill $mock 2>/dev/null; rm -rf "$tmp"' EXIT
while [ ! -s "$tmp/out" ]; do sleep 0.1; done
export KAFKA_BROKERS=$(head -n 1 "$tmp/out")

echo "broker-down -1" >&3
for i in 1 2 3 4 5; do echo "{\"event\":$i}"; done |
	bin/kafka-produce -q -t events -X message.timeout.ms=2000 --dead-letter "$tmp/dead.ndjson"
echo "kafka-produce exited $? with the brokers down; dead letters:"
cat "$tmp/dead.ndjson"

echo "broker-up -1" >&3
jq -r .data "$tmp/dead.ndjson" | bin/kafka-produce -t events
echo "replay exited $?; the topic now holds:"
kcat -C -b "$KAFKA_BROKERS" -t events -e -q
