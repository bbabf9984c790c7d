#!/bin/sh
# Trends in a live stream, seconds after they are tweeted: the X filtered stream (or, without a
# bearer token, a simulated one with a planted burst) into tw-trends, with the full-screen view
# on this terminal, the NDJSON lines in trends.ndjson and a picture in trends.svg.
#
#   examples/trends-live.sh            # q or Ctrl-C to stop
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
if [ -n "${X_BEARER_TOKEN:-}${TWITTER_BEARER_TOKEN:-}" ]; then
	src="tw-stream --sample"
else
	echo "no X bearer token: a simulated stream, #Eclipse bursting from minute 6" >&2
	src="tw-stream --simulate --rate 300 --burst Eclipse@6+5*3%"
fi
$src | tw-trends --watch --svg trends.svg -o trends.ndjson
echo "trends in trends.ndjson; the picture is $(pwd)/trends.svg" >&2
jq -c 'select(.event == "trend-start") | {time, term, kind, rate, ratio, score}' trends.ndjson >&2
