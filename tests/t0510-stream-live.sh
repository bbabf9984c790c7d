#!/bin/bash
# tw-stream against the loopback X API stand-in: faults, X's reconnect schedule, exit statuses.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/x-api-stub.sh"

# The schedule is checked twice: the delays tw-stream announces must be exactly X's, and the
# stand-in must see each reconnect no sooner than its delay (and not absurdly later: a busy machine
# may add a second or two, so the upper bound is loose and proves only that it did not hang).
# schedule_is "0.25 0.50 0.75": the "reconnecting in N s" values of err, in order.
schedule_is() {
	local got
	got=$(sed -n "s/.*reconnecting in \([0-9.]*\) s.*/\1/p" err | tr "\n" " " | sed "s/ $//")
	[ "$got" = "$1" ] || { echo "schedule: got \"$got\", want \"$1\""; return 1; }
}
# gaps_at_least "250 500 750": each gap between the stand-in's connections (ms) is at least the
# given one (less 10 ms for clock granularity) and at most 2.5 s more.
gaps_at_least() {
	stub_gaps >gaps && cat gaps &&
	[ "$(wc -l <gaps)" -eq "$(echo $1 | wc -w)" ] || { echo "want $(echo $1 | wc -w) gaps"; return 1; }
	local i=1 want
	for want in $1; do
		in_range "$(sed -n "${i}p" gaps)" $((want - 10)) $((want + 2500)) || return 1
		i=$((i + 1))
	done
}
export X_BEARER_TOKEN=tok-$$-s3cr3t-b3ar3r X_STUB_TOKEN=tok-$$-s3cr3t-b3ar3r
sed -n '1,4p;6,8p' "$CAPTURE" >"$TRASH/expect-raw"
tw-stream --replay "$CAPTURE" --speed 0 >"$TRASH/expect-merged" 2>/dev/null

test_expect_success 'an operational disconnect, a dropped connection and duplicates around the reconnect' '
	stub_start --data "$CAPTURE" --conn "lines:1-5 hold" --conn drop --conn "lines:3-4,6-9 hold" &&
	tw-stream --api-url "$STUB_URL" --max-tweets 7 >out 2>err &&
	test_cmp "$TRASH/expect-merged" out &&
	grep -q "operational-disconnect" err &&
	grep -q "back after .* s down: last tweet before 1377650387579248643, first after 1377650459033280516, 2 duplicates dropped" err &&
	test $(stub_times | wc -l) -eq 3
'
test_expect_success '--raw writes the API lines as received' '
	stub_start --data "$CAPTURE" --conn "lines:1-5 hold" --conn "lines:3-4,6-9 hold" &&
	tw-stream --api-url "$STUB_URL" --raw --max-tweets 7 >out 2>err &&
	test_cmp "$TRASH/expect-raw" out
'
test_expect_success 'lines split across many small chunks are put together' '
	stub_start --data "$CAPTURE" --conn "tiny:1-4 ka:2 tiny:6-8 hold" &&
	tw-stream --api-url "$STUB_URL" --raw --max-tweets 7 >out 2>err &&
	test_cmp "$TRASH/expect-raw" out
'
test_expect_success 'a line cut by a disconnect is dropped and counted, never written' '
	stub_start --data "$CAPTURE" --conn "lines:1-2 cut:3" --conn "lines:3-4,6-8 hold" &&
	tw-stream --api-url "$STUB_URL" --max-tweets 7 >out 2>err &&
	test_cmp "$TRASH/expect-merged" out &&
	grep -q "dropped a line cut off by the disconnect" err && grep -q "1 cut line dropped" err
'
test_expect_success 'keep-alives count as life; silence past --stall-timeout means reconnect' '
	stub_start --data "$CAPTURE" --conn "lines:1 ka:3 sleep:0.6 ka:2 sleep:0.6 lines:2 stall" --conn "lines:3-4 hold" &&
	start=$(date +%s%N) &&
	tw-stream --api-url "$STUB_URL" --stall-timeout 1 --max-tweets 4 >out 2>err &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) &&
	test $(wc -l <out) -eq 4 && grep -q "stalled" err &&
	test $(grep -c "reconnecting" err) -eq 1 && in_range $ms 2000 9000
'
test_expect_success 'network errors back off linearly: 250, 500, 750 ms' '
	stub_start --data "$CAPTURE" --conn drop --conn drop --conn drop --conn "lines:1 hold" &&
	tw-stream --api-url "$STUB_URL" --max-tweets 1 >out 2>err &&
	schedule_is "0.25 0.50 0.75" && gaps_at_least "250 500 750"
'
test_expect_success 'nobody listening is a network error too; --duration still ends it' '
	port=$(free_port) &&
	start=$(date +%s%N) &&
	tw-stream --api-url "http://127.0.0.1:$port" --duration 1 >out 2>err &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) &&
	in_range $ms 900 5000 && grep -q "reconnecting in 0.25 s" err && grep -q "reconnecting in 0.50 s" err
'
test_expect_success 'HTTP errors back off exponentially from 5 s (time scale 0.02: 100, 200, 400 ms)' '
	stub_start --data "$CAPTURE" --conn status:503 --conn status:503 --conn status:500 --conn "lines:1 hold" &&
	TW_STREAM_TIME_SCALE=0.02 tw-stream --api-url "$STUB_URL" --max-tweets 1 >out 2>err &&
	schedule_is "0.10 0.20 0.40" && gaps_at_least "100 200 400" &&
	grep -q "HTTP 503 (Service Unavailable" err
'
test_expect_success '429 backs off from 60 s doubling (time scale 0.005: 300, 600 ms)' '
	stub_start --data "$CAPTURE" --conn status:429 --conn status:429 --conn "lines:1 hold" &&
	TW_STREAM_TIME_SCALE=0.005 tw-stream --api-url "$STUB_URL" --max-tweets 1 >out 2>err &&
	schedule_is "0.30 0.60" && gaps_at_least "300 600"
'
test_expect_success '429 with x-rate-limit-reset waits until the reset instead' '
	stub_start --data "$CAPTURE" --conn "status:429 reset:+2" --conn "lines:1 hold" &&
	TW_STREAM_TIME_SCALE=0.25 tw-stream --api-url "$STUB_URL" --max-tweets 1 >out 2>err &&
	stub_gaps >gaps && cat gaps &&
	in_range $(sed -n 1p gaps) 200 3000 && ! grep -q "reconnecting in 15" err
'
test_expect_success '429 TooManyConnections is named and waited out' '
	stub_start --data "$CAPTURE" --conn "status:429 body:toomany" --conn "lines:1 hold" &&
	TW_STREAM_TIME_SCALE=0.005 tw-stream --api-url "$STUB_URL" --max-tweets 1 >out 2>err &&
	grep -q "TooManyConnections: another connection of this app is still open" err &&
	test $(wc -l <out) -eq 1
'
test_expect_success 'a successful connection resets the schedule' '
	stub_start --data "$CAPTURE" --conn status:503 --conn status:503 --conn "lines:1 end" --conn status:503 --conn "lines:2 hold" &&
	TW_STREAM_TIME_SCALE=0.04 tw-stream --api-url "$STUB_URL" --max-tweets 2 >out 2>err &&
	schedule_is "0.20 0.40 0.01 0.20" && gaps_at_least "200 400 10 200"
'
for case in "401 Unauthorized" "403 Forbidden" "409 a filtered stream needs rules" "429 usagecap the monthly usage cap"; do
	set -- $case
	code=$1; shift
	body=""; [ "$1" = usagecap ] && { body=" body:usagecap"; shift; }
	test_expect_success "HTTP $code$body is fatal: exit 1, a clear message, no retry" "
		stub_start --data \"\$CAPTURE\" --conn \"status:$code$body\" --then \"lines:1 hold\" &&
		test_expect_failure_status 1 tw-stream --api-url \"\$STUB_URL\" --max-tweets 1 >out 2>err &&
		cat err && grep -q \"$*\" err && test \$(stub_times | wc -l) -eq 1 && test ! -s out
	"
done
test_expect_success 'a wrong token is refused (401) and the token never shows, even at trace level' '
	stub_start --data "$CAPTURE" --then "lines:1 hold" &&
	test_expect_failure_status 1 env X_BEARER_TOKEN=wrong-token-123456 tw-stream -vv --api-url "$STUB_URL" >out 2>err &&
	grep -q "401" err && ! grep -q "wrong-token-123456" err &&
	tw-stream -vv --api-url "$STUB_URL" --max-tweets 1 >out 2>err &&
	! grep -q "$X_BEARER_TOKEN" err && ! grep -q "$X_BEARER_TOKEN" out
'
test_expect_success 'the token can come from TWITTER_BEARER_TOKEN or --token-file' '
	stub_start --data "$CAPTURE" --then "lines:1 hold" &&
	env -u X_BEARER_TOKEN TWITTER_BEARER_TOKEN=$X_BEARER_TOKEN tw-stream --api-url "$STUB_URL" --max-tweets 1 >out 2>err &&
	test $(wc -l <out) -eq 1 &&
	printf "%s\n" "$X_BEARER_TOKEN" >tok && chmod 600 tok &&
	env -u X_BEARER_TOKEN tw-stream --token-file tok --api-url "$STUB_URL" --max-tweets 1 >out 2>err &&
	test $(wc -l <out) -eq 1
'
test_expect_success 'default fields and expansions are asked for; options override; --sample, --backfill' '
	stub_start --data "$CAPTURE" --then "lines:1 hold" &&
	tw-stream --api-url "$STUB_URL/" --max-tweets 1 >out 2>err &&
	q=$(stub_times >/dev/null; awk "{print \$3}" "$STUB_LOG" | tail -n 1) &&
	case "$q" in *expansions=author_id%2Creferenced_tweets.id%2C*) ;; *) echo "$q"; exit 1;; esac &&
	case "$q" in *tweet.fields=*created_at*lang*public_metrics*) ;; *) echo "$q"; exit 1;; esac &&
	X_API_URL=$STUB_URL tw-stream --sample --tweet-fields id,text --expansions "" --backfill 2 --max-tweets 1 >out 2>err &&
	q=$(awk "{print \$3}" "$STUB_LOG" | tail -n 1) &&
	case "$q" in /2/tweets/sample/stream\?tweet.fields=id%2Ctext\&user.fields=*backfill_minutes=2) ;; *) echo "$q"; exit 1;; esac &&
	case "$q" in *expansions*) echo "$q"; exit 1;; esac
'
test_expect_success 'SIGTERM stops cleanly (exit 143); the connection is closed so the next start is not refused' '
	stub_start --data "$CAPTURE" --then "lines:1-2 hold" &&
	{ tw-stream --api-url "$STUB_URL" >out 2>err & pid=$!; } &&
	for i in $(seq 50); do [ $(wc -l <out) -ge 2 ] && break; sleep 0.1; done &&
	kill -TERM $pid && wait $pid; rc=$? &&
	test $rc -eq 143 && test $(wc -l <out) -eq 2 && grep -q "2 tweets" err &&
	sleep 0.3 &&
	TW_STREAM_TIME_SCALE=0.01 tw-stream --api-url "$STUB_URL" --max-tweets 2 >out2 2>err2 &&
	! grep -q TooManyConnections err2 && test $(stub_times | wc -l) -eq 2
'
test_expect_success 'a second client while the first is connected gets TooManyConnections, then gets in' '
	stub_start --data "$CAPTURE" --then "lines:1 hold" &&
	{ tw-stream --api-url "$STUB_URL" >out1 2>err1 & pid=$!; } &&
	for i in $(seq 50); do [ -s out1 ] && break; sleep 0.1; done &&
	{ TW_STREAM_TIME_SCALE=0.005 tw-stream --api-url "$STUB_URL" --max-tweets 1 >out2 2>err2 & pid2=$!; } &&
	for i in $(seq 50); do grep -q TooManyConnections err2 && break; sleep 0.1; done &&
	kill -INT $pid && wait $pid; rc=$? && test $rc -eq 130 &&
	wait $pid2 && test $(wc -l <out2) -eq 1 &&
	grep -q "HTTP 429 TooManyConnections" err2
'
test_expect_success '--duration ends a quiet stream with exit 0; --progress reports' '
	stub_start --data "$CAPTURE" --then "lines:1 hold" &&
	start=$(date +%s%N) &&
	tw-stream --api-url "$STUB_URL" --duration 1.2 --progress >out 2>err &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) &&
	in_range $ms 1000 3500 && test $(wc -l <out) -eq 1 && grep -q "tweets (.*/s), 0 duplicates, 0 reconnects" err
'
test_expect_success 'the server ending the stream means reconnect; duplicates in one connection dropped' '
	stub_start --data "$CAPTURE" --conn "lines:1-2 end" --conn "lines:8-9,1-3 hold" &&
	tw-stream --api-url "$STUB_URL" --raw --max-tweets 4 >out 2>err &&
	{ sed -n 1,2p "$CAPTURE"; sed -n 8p "$CAPTURE"; sed -n 3p "$CAPTURE"; } >expect &&
	test_cmp expect out && grep -q "the server ended the stream" err
'
test_done
