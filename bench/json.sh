#!/bin/bash
# bench/json.sh: the JSON lexing of lib/ (validator, document tokenizer, schema inference, field
# scanner, unescaping) over tweets, side by side with cJSON.
#
#   bench/json.sh [ROUNDS]      (default 7; needs `make` first)
#
# Two corpora: the real captures in tests/data/tweets (v1.1 with white space, v2 lines), and
# 20,000 compact merged tweets from tw-stream --simulate. Prints MB/s by CPU time (the best of
# ROUNDS) and the ratio to cJSON_ParseWithLength. Not a test: numbers depend on the machine.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
ROUNDS=${1:-7}
make -s lib/libtl.a bin/tw-stream
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tl-json-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
PKGS="rdkafka libcurl libcjson libcrypto zlib expat sqlite3"
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -g -Ilib $(pkg-config --cflags $PKGS) -o "$tmp/json-micro" \
	bench/json-micro.c lib/libtl.a $(pkg-config --libs $PKGS) -lpthread -lm
TW=$TOP/tests/data/tweets
{ cat "$TW"/v1.1_stream_original_format_tweet_parser_examples.jsonl \
      "$TW"/v2_stream_twarc-csv_streaming_output.jsonl; zcat "$TW"/v1.1_btc_section_*.jsonl.gz; } >"$tmp/real.jsonl"
bin/tw-stream --simulate --seed 7 --max-tweets 20000 -q >"$tmp/sim.jsonl"
echo "== real captures (v1.1 and v2, as recorded)"
"$tmp/json-micro" "$tmp/real.jsonl" "$ROUNDS"
echo "== simulated merged tweets (compact)"
"$tmp/json-micro" "$tmp/sim.jsonl" "$ROUNDS"
