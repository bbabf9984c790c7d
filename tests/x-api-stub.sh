# tests/x-api-stub.sh: starting the loopback X API stand-in (tests/stubs/x-api-stub.py) from a test.
#
#   stub_start [--data FILE] [--conn 'ACTIONS']... [--then 'ACTIONS'] [...]
#       starts it on a free port; sets STUB_URL, STUB_LOG, STUB_PID; kills it when the calling
#       (sub)shell exits. Call it inside a test body: each test gets its own script of faults.
#   stub_times [PATH]   the times (ms, relative to the first) of the stub's requests for PATH
#                       (default the filtered stream), one a line
#   stub_gaps [PATH]    the gaps (ms) between consecutive such requests, one a line
# Captures: $TWEETS (tests/data/tweets, set by tests/lib.sh).

CAPTURE="$TWEETS/v2_stream_twarc-csv_streaming_output.jsonl"
CAPTURE_CUT="$TWEETS/v2_stream_twarc-csv_streaming_output_truncated.jsonl"
CAPTURE_V1="$TWEETS/v1.1_stream_original_format_tweet_parser_examples.jsonl"
export CAPTURE CAPTURE_CUT CAPTURE_V1

stub_start() {
	local tag=$RANDOM$RANDOM
	STUB_LOG="$TRASH/stub-$tag.log"
	: >"$STUB_LOG"
	python3 "$TOP/tests/stubs/x-api-stub.py" --port-file "$TRASH/stub-$tag.port" --log "$STUB_LOG" "$@" \
		>"$TRASH/stub-$tag.out" 2>&1 &
	STUB_PID=$!
	trap 'kill $STUB_PID 2>/dev/null' EXIT
	STUB_PORT=$(standin_port "$TRASH/stub-$tag.port") || { cat "$TRASH/stub-$tag.out" >&2; return 1; }
	STUB_URL="http://127.0.0.1:$STUB_PORT"
	export STUB_URL STUB_LOG STUB_PID STUB_PORT
}

stub_times() {
	awk -v p="${1:-/2/tweets/search/stream?}" 'index($3, p) == 1 { if (t0 == "") t0 = $1; printf "%d\n", ($1 - t0) * 1000 }' "$STUB_LOG"
}

stub_gaps() {
	stub_times "$@" | awk 'NR > 1 { print $1 - prev } { prev = $1 }'
}

# in_range VALUE LOW HIGH: true when LOW <= VALUE <= HIGH (integers); says why not.
in_range() {
	if [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; then return 0; fi
	echo "$1 not in [$2, $3]"
	return 1
}
