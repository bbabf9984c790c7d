#!/bin/bash
# tw-stream without a network: replaying the real captures, simulating, the merged output format.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/x-api-stub.sh"

# An independent statement of the merge (see tw-stream(1), OUTPUT): data's members in order with
# attachments.media, geo.place and referenced tweets (with their authors) filled in from includes,
# then author, in_reply_to_user and matching_rules (ids as strings). jq 1.6 rounds big numbers,
# so the rule ids are quoted before jq sees them.
cat >"$TRASH/merge.jq" <<'JQ'
def find($arr; $f; $v): first(($arr // [])[] | select(type == "object" and .[$f] == $v)) // null;
def lst($arr; $f; $keys): [ $keys[] as $k | first(($arr // [])[] | select(.[$f] == $k)) ];
def expand($inc; $top):
  (if (.attachments | type) == "object" and ($inc.media or $inc.polls) then
     .attachments |= (
       (if has("media") | not then lst($inc.media; "media_key"; .media_keys // []) as $m
          | if ($m | length) > 0 then . + {media: $m} else . end else . end)
       | (if has("polls") | not then lst($inc.polls; "id"; .poll_ids // []) as $p
          | if ($p | length) > 0 then . + {polls: $p} else . end else . end))
   else . end)
  | (if (.geo | type) == "object" and $inc.places and (.geo | has("place") | not) then
       find($inc.places; "id"; .geo.place_id) as $pl | if $pl then .geo += {place: $pl} else . end
     else . end)
  | (if $top and (.referenced_tweets | type) == "array" and $inc.tweets then
       .referenced_tweets |= map(. as $r | (if type == "object" then find($inc.tweets; "id"; .id) else null end) as $t
         | if $t then {type: $r.type} + ($t | expand($inc; false)) else $r end)
     else . end)
  | (if has("author") | not then find($inc.users; "id"; .author_id) as $u | if $u then . + {author: $u} else . end else . end)
  | (if has("in_reply_to_user") | not then find($inc.users; "id"; .in_reply_to_user_id) as $u
       | if $u then . + {in_reply_to_user: $u} else . end else . end);
select(.data) | .includes as $inc | .matching_rules as $mr
| .data | expand($inc // {}; true)
| if $mr then . + {matching_rules: ($mr | map(if type == "object" and (.id | type) == "number" then .id |= tostring else . end))} else . end
JQ
quote_ids() { sed -E 's/"id": ([0-9]{16,})/"id": "\1"/g' "$@"; }
# The capture's tweets in order, the duplicate (line 9) and the disconnect message (line 5) left out.
sed -n '1,4p;6,8p' "$CAPTURE" >"$TRASH/expect-raw"
quote_ids "$TRASH/expect-raw" | jq -c -f "$TRASH/merge.jq" >"$TRASH/expect-merged"

test_expect_success 'replay --raw reproduces the capture tweets byte for byte, without the duplicate' '
	tw-stream --replay "$CAPTURE" --speed 0 --raw >out 2>err &&
	test_cmp "$TRASH/expect-raw" out &&
	grep -q "line 5: stream message: operational-disconnect" err &&
	grep -q "1 duplicate dropped" err
'
test_expect_success 'replay merges expansions as documented (checked against a jq statement of it)' '
	tw-stream --replay "$CAPTURE" --speed 0 >out 2>err &&
	test $(wc -l <out) -eq 7 &&
	jq -c . out >norm &&
	test_cmp "$TRASH/expect-merged" norm
'
test_expect_success 'merged lines are compact, keep big rule ids exactly, and carry no capture metadata' '
	tw-stream --replay "$CAPTURE" --speed 0 >out &&
	! grep -q "\": " out && ! grep -q "__twarc" out &&
	test $(grep -c "\"matching_rules\":\[{\"id\":\"1377649934414049282\",\"tag\":null}\]" out) -eq 7 &&
	jq -e -s "map(select(.referenced_tweets[0].author.username and .referenced_tweets[0].text)) | length == 4" out &&
	jq -e -s "map(.author.id == .author_id and (.geo.place.id == .geo.place_id)) | all" out &&
	jq -e -s ".[0].attachments.media[0].media_key == \"3_1377650087799754753\"" out
'
test_expect_success 'a capture cut off mid-line: the cut line is dropped and counted, the rest kept' '
	tw-stream --replay "$CAPTURE_CUT" --speed 0 --raw >out 2>err; rc=$? &&
	test $rc -eq 0 &&
	test_cmp "$TRASH/expect-raw" out &&
	grep -q "line 8: cut off" err && grep -q "1 cut line dropped" err
'
test_expect_success 'a bad line in the middle is reported with its number, skipped, and exits 1' '
	{ sed -n 1,2p "$CAPTURE"; echo "{\"data\": nope}"; sed -n 3p "$CAPTURE"; } >bad.jsonl &&
	test_expect_failure_status 1 tw-stream --replay bad.jsonl --speed 0 --raw >out 2>err &&
	test $(wc -l <out) -eq 3 && grep -q "line 3: not JSON" err
'
test_expect_success 'replaying merged output gives the same lines (tweets pass through)' '
	tw-stream --replay "$CAPTURE" --speed 0 >merged &&
	tw-stream --replay merged --speed 0 >again &&
	test_cmp merged again
'
test_expect_success 'v1.1 tweets replay as they are, compact, duplicates by id_str dropped' '
	tw-stream --replay "$CAPTURE_V1" --speed 0 >out 2>err &&
	n=$(jq -s "map(.id_str) | unique | length" "$CAPTURE_V1") &&
	test $(wc -l <out) -eq "$n" &&
	jq -c . "$CAPTURE_V1" | awk "!seen[\$0]++" | head -n 1 >a && head -n 1 out | jq -c . >b && test_cmp a b
'
test_expect_success 'replay keeps the recorded pace, scaled by --speed (104 s of capture at 100x)' '
	start=$(date +%s%N) &&
	tw-stream --replay "$CAPTURE" --speed 100 --raw >out 2>err &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) &&
	in_range $ms 950 6000
'
test_expect_success '--rate paces by tweets per second instead' '
	start=$(date +%s%N) &&
	tw-stream --replay "$CAPTURE" --rate 20 >out &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) &&
	test $(wc -l <out) -eq 7 && in_range $ms 280 5000
'
test_expect_success '--max-tweets and --duration stop a replay' '
	tw-stream --replay "$CAPTURE" --speed 0 --max-tweets 3 >out && test $(wc -l <out) -eq 3 &&
	start=$(date +%s%N) &&
	tw-stream --replay "$CAPTURE" --duration 0.5s >out 2>err &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) &&
	in_range $ms 400 5000 && test $(wc -l <out) -lt 7
'
test_expect_success 'replay from stdin' '
	tw-stream --replay - --speed 0 --raw <"$CAPTURE" >out && test_cmp "$TRASH/expect-raw" out
'

strip_times() { sed -E 's/"created_at":"[^"]*"//g' "$@"; }
test_expect_success '--simulate with a seed is deterministic except for the times' '
	tw-stream --simulate --seed 42 --max-tweets 300 >a 2>/dev/null &&
	tw-stream --simulate --seed 42 --max-tweets 300 >b 2>/dev/null &&
	tw-stream --simulate --seed 43 --max-tweets 300 >c 2>/dev/null &&
	test $(wc -l <a) -eq 300 &&
	strip_times a >a2 && strip_times b >b2 && strip_times c >c2 &&
	test_cmp a2 b2 && ! cmp -s a2 c2
'
test_expect_success '--simulate looks like a merged real stream and is valid for the pipeline' '
	tw-stream --simulate --seed 7 --max-tweets 2000 >sim 2>/dev/null &&
	now=$(date +%s) &&
	jq -e -s --argjson now "$now" "
	  (map(select((.id | test(\"^[0-9]{18,19}$\")) and (.text | type == \"string\") and (.author.id == .author_id)
	     and (.author.username | length > 0) and (.author.public_metrics.followers_count | type == \"number\")
	     and ((.created_at | sub(\"\\\\.000Z$\"; \"Z\") | fromdateiso8601) - \$now | fabs < 120)
	     and (.lang | type == \"string\") and (.public_metrics.like_count == 0)
	     and (.matching_rules[0].id | type == \"string\") and (.matching_rules[0].tag | type == \"string\")))
	   | length) == length
	  and (map(select(.referenced_tweets[0].type == \"retweeted\")) | length) > 600
	  and (map(select(.referenced_tweets[0].type == \"replied_to\")) | length) > 200
	  and (map(select(.referenced_tweets[0].type == \"quoted\")) | length) > 50
	  and (map(select(.referenced_tweets[0].author.username and .referenced_tweets[0].text)) | length) ==
	      (map(select(.referenced_tweets)) | length)
	  and (map(select(.in_reply_to_user_id)) | map(.in_reply_to_user.id == .in_reply_to_user_id) | all)
	  and (map(select(.attachments.media_keys)) | map(.attachments.media[0].type == \"photo\") | all)
	  and (map(select(.geo)) | map(.geo.place.country_code | length == 2) | all)
	  and (map(.id) | unique | length) == length
	" sim
'
test_expect_success '--simulate: a realistic language mix and Zipf-like hashtags and mentions' '
	tw-stream --simulate --seed 9 --max-tweets 3000 >sim 2>/dev/null &&
	jq -r .lang sim | sort | uniq -c | sort -rn >langs &&
	test $(wc -l <langs) -ge 10 && head -n 1 langs | grep -q " en$" &&
	jq -r ".entities.hashtags[]?.tag" sim | sort | uniq -c | sort -rn >tags &&
	top=$(awk "NR == 1 { print \$1 }" tags) && tenth=$(awk "NR == 10 { print \$1 }" tags) &&
	test "$top" -ge $((tenth * 4)) &&
	jq -r ".entities.mentions[]?.username" sim | sort | uniq -c | sort -rn | head -n 1 | awk "{ exit !(\$1 >= 20) }"
'
test_expect_success 'entity offsets are code points of the text (as X counts them)' '
	tw-stream --simulate --seed 5 --max-tweets 500 >sim 2>/dev/null &&
	jq -e -s "[.[] | .text as \$t | (.entities.hashtags // [])[] | (\$t[.start:.end] == (\"#\" + .tag))] | all" sim &&
	jq -e -s "[.[] | .text as \$t | (.entities.mentions // [])[] | (\$t[.start:.end] == (\"@\" + .username))] | all" sim
'
test_expect_success '--simulate --raw gives API lines that merge to the same tweets' '
	tw-stream --simulate --raw --seed 11 --max-tweets 200 >raw 2>/dev/null &&
	jq -e -s "map(has(\"data\") and has(\"includes\") and has(\"matching_rules\")) | all" raw &&
	tw-stream --simulate --seed 11 --max-tweets 200 >merged 2>/dev/null &&
	tw-stream --replay raw --speed 0 >replayed 2>/dev/null &&
	strip_times merged >m2 && strip_times replayed >r2 && test_cmp m2 r2
'
test_expect_success '--simulate --rate paces, --duration stops' '
	start=$(date +%s%N) &&
	tw-stream --simulate --rate 50 --duration 1 >sim 2>/dev/null &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) &&
	n=$(wc -l <sim) && in_range $n 35 60 && in_range $ms 900 5000
'
test_expect_success 'examples/capture.jsonl (made by --simulate --raw --rate 10) replays its 100 tweets in 10 s of pace' '
	tw-stream --replay "$TOP/examples/capture.jsonl" --speed 0 >out 2>err &&
	test $(wc -l <out) -eq 100 && jq -e -s "map(.author.username) | all" out &&
	start=$(date +%s%N) &&
	tw-stream --replay "$TOP/examples/capture.jsonl" --speed 10 --max-tweets 50 >out 2>err &&
	ms=$(( ($(date +%s%N) - start) / 1000000 )) && in_range $ms 300 5000
'
test_expect_success 'usage errors exit 2 and a token is never taken from argv' '
	test_expect_failure_status 2 tw-stream --bogus 2>err &&
	test_expect_failure_status 2 tw-stream --token abcdefgh 2>err &&
	test_expect_failure_status 2 tw-stream --replay x --simulate 2>err &&
	test_expect_failure_status 2 tw-stream --speed 2 2>err &&
	test_expect_failure_status 2 tw-stream --tag x 2>err &&
	test_expect_failure_status 2 tw-stream --backfill 9 2>err &&
	test_expect_failure_status 2 tw-stream --replay /nonexistent 2>err &&
	test_expect_failure_status 2 env -u X_BEARER_TOKEN -u TWITTER_BEARER_TOKEN tw-stream --api-url http://127.0.0.1:9 2>err &&
	grep -q "no bearer token" err
'
test_expect_success '--help matches the man page synopsis, --version works' '
	tw-stream --help >help && grep -q "^usage: tw-stream" help &&
	tw-stream --version | grep -q "^tw-stream (tweetlake)" &&
	mandoc -Tlint -W warning "$TOP/man/tw-stream.1" &&
	for o in $(grep -o -- "--[a-z-]*" help | sort -u); do
		grep -q -- "Fl -${o#--}" "$TOP/man/tw-stream.1" || { echo "not in the man page: $o"; exit 1; }
	done
'
test_expect_success 'output to a closed pipe ends quietly' '
	tw-stream --simulate --seed 1 2>err | head -n 5 >out;
	test $(wc -l <out) -eq 5 && ! grep -q "error" err
'
test_expect_success '--simulate --backdate spreads created_at evenly over the span before now' '
	now=$(date +%s) &&
	tw-stream --simulate --seed 3 --max-tweets 7 --backdate 3h >bd.out 2>bd.err &&
	jq -r ".created_at" bd.out >times &&
	test $(wc -l <times) -eq 7 &&
	test "$(sort times)" = "$(cat times)" &&
	first=$(date -d "$(head -n 1 times)" +%s) && last=$(date -d "$(tail -n 1 times)" +%s) &&
	test $((now - first)) -ge $((3 * 3600 - 5)) && test $((now - first)) -le $((3 * 3600 + 5)) &&
	test $((last - first)) -ge $((3 * 3600 * 6 / 7 - 5)) && test $((last - first)) -le $((3 * 3600 * 6 / 7 + 5)) &&
	{ tw-stream --simulate --backdate 3h >/dev/null 2>err; test $? -eq 2; } &&
	grep -q "backdate is for --simulate with --max-tweets" err
'

test_done
