#!/bin/bash
# tw-sentiment as a filter: what it adds and where, which tweets it scores, what it keeps byte
# for byte, and how it treats bad input (not JSON, invalid UTF-8, NUL, huge lines and texts, no
# final newline), with the suite's exit statuses.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null 2>&1 || test_skip "jq not installed"

s() { jq -c '.sentiment' "$@"; }

test_expect_success 'adds "sentiment" before the final } and keeps every other byte' '
	printf "%s\n" "{\"id\":\"1\",\"lang\":\"en\",\"text\":\"VADER is smart, handsome, and funny!\"}" >in &&
	tw-sentiment <in >out &&
	echo "{\"id\":\"1\",\"lang\":\"en\",\"text\":\"VADER is smart, handsome, and funny!\",\"sentiment\":{\"compound\":0.8439,\"pos\":0.752,\"neu\":0.248,\"neg\":0.0}}" >want &&
	test_cmp want out
'

test_expect_success 'white space and member order of the input are kept; the member goes inside the tweet object' '
	printf "%s\n" "{ \"text\" : \"I love it\",  \"lang\":\"en\" , \"x\" : [1, 2] }  " >in &&
	tw-sentiment <in >out &&
	printf "%s\n" "{ \"text\" : \"I love it\",  \"lang\":\"en\" , \"x\" : [1, 2] ,\"sentiment\":{\"compound\":0.6369,\"pos\":0.677,\"neu\":0.323,\"neg\":0.0}}  " >want &&
	test_cmp want out
'

test_expect_success 'numbers always read as doubles: 0.0 and 1.0, never 0 or 1 or -0.0' '
	printf "%s\n" "{\"text\":\"the table is brown\",\"lang\":\"en\"}" \
		"{\"text\":\"\",\"lang\":\"en\"}" >in &&
	tw-sentiment <in >out &&
	grep -c "\"sentiment\":{\"compound\":0.0,\"pos\":0.0,\"neu\":1.0,\"neg\":0.0}" out | grep -qx 1 &&
	grep -c "\"sentiment\":{\"compound\":0.0,\"pos\":0.0,\"neu\":0.0,\"neg\":0.0}" out | grep -qx 1
'

test_expect_success 'lang: en and en-GB are scored; es, und, zxx and a missing lang get null' '
	for l in "\"en\"" "\"en-GB\"" "\"EN\"" "\"es\"" "\"und\"" "\"zxx\"" "null" "\"eng\""; do
		printf "{\"text\":\"great\",\"lang\":%s}\n" "$l"; done >in &&
	echo "{\"text\":\"great\"}" >>in &&
	tw-sentiment <in >out &&
	s out | sed "s/\"pos\".*//" >got &&
	printf "%s\n" "{\"compound\":0.6249," "{\"compound\":0.6249," "{\"compound\":0.6249," \
		null null null null null null >want &&
	test_cmp want got
'

test_expect_success '--lang LIST picks the languages; * scores every tweet, lang or not' '
	printf "%s\n" "{\"text\":\"great\",\"lang\":\"es\"}" "{\"text\":\"great\",\"lang\":\"und\"}" "{\"text\":\"great\"}" >in &&
	tw-sentiment --lang es,und <in | sed "s/.*\"sentiment\"://" >got &&
	printf "%s\n" "{\"compound\":0.6249,\"pos\":1.0,\"neu\":0.0,\"neg\":0.0}}" "{\"compound\":0.6249,\"pos\":1.0,\"neu\":0.0,\"neg\":0.0}}" "null}" >want &&
	test_cmp want got &&
	tw-sentiment --lang "*" <in | s | grep -c null | grep -qx 0 &&
	{ tw-sentiment --lang ",en" </dev/null; test $? -eq 2; }
'

test_expect_success 'an existing sentiment member is replaced in place: a second pass changes nothing' '
	printf "%s\n" "{\"text\":\"bad\",\"sentiment\":\"old\",\"lang\":\"en\"}" >in &&
	tw-sentiment <in >once && tw-sentiment <once >twice &&
	test_cmp once twice &&
	jq -r "keys_unsorted|join(\",\")" once | grep -qx "text,sentiment,lang" &&
	jq -e ".sentiment.compound == -0.5423" once
'

test_expect_success 'raw API lines: the member goes into data; a v2 retweet is scored by the text it retweets' '
	printf "%s\n" "{\"data\":{\"id\":\"1\",\"text\":\"so happy\",\"lang\":\"en\"},\"includes\":{}}" >in &&
	printf "%s\n" "{\"id\":\"2\",\"lang\":\"en\",\"text\":\"RT @a: I hate this, it is …\",\"referenced_tweets\":[{\"type\":\"quoted\",\"id\":\"8\",\"text\":\"x\"},{\"type\":\"retweeted\",\"id\":\"9\",\"text\":\"I hate this, it is horrible\"}]}" >>in &&
	printf "%s\n" "{\"id\":\"3\",\"lang\":\"en\",\"text\":\"RT @a: great\",\"retweeted_status\":{\"text\":\"trunc\",\"extended_tweet\":{\"full_text\":\"awful, awful\"}}}" >>in &&
	printf "%s\n" "{\"id\":\"4\",\"lang\":\"en\",\"text\":\"cut…\",\"note_tweet\":{\"text\":\"I love long posts\"}}" >>in &&
	tw-sentiment <in >out &&
	head -n 1 out | jq -e ".data.sentiment.compound > 0 and (.includes == {})" &&
	sed -n 2p out | jq -e ".sentiment.compound == -0.802" &&
	sed -n 3p out | jq -e ".sentiment.compound == -0.7184" &&
	sed -n 4p out | jq -e ".sentiment.compound == 0.6369"
'

test_expect_success 'X escapes in text are decoded: &lt;3 is the heart emoticon' '
	echo "{\"text\":\"I &lt;3 you\",\"lang\":\"en\"}" | tw-sentiment | jq -e ".sentiment.compound == 0.4404"
'

test_expect_success 'lines that are not tweets pass through unchanged, exit 0' '
	printf "%s\n" "{\"errors\":[{\"title\":\"operational-disconnect\"}]}" "[1,2]" "\"text\"" "" "   " \
		"{\"url\":\"s3://b/k\",\"records\":3}" "{\"text\":7}" >in &&
	tw-sentiment <in >out 2>err &&
	test_cmp in out && grep -q "7 not tweets" err
'

test_expect_success 'lines that are not JSON pass through unchanged, each reported with its line number; exit 1' '
	printf "%s\n" "{\"text\":\"good\",\"lang\":\"en\"}" "{\"text\":\"good\"" "not json" >in &&
	printf "{\"text\":\"\\377bad\",\"lang\":\"en\"}\n" >>in &&
	printf "{\"text\":\"a\000b\",\"lang\":\"en\"}\n" >>in &&
	echo "{\"text\":\"fine\",\"lang\":\"en\"}" >>in &&
	{ tw-sentiment <in >out 2>err; test $? -eq 1; } &&
	cat err &&
	test $(wc -l <out) -eq 6 &&
	sed -n 2,5p in >bad.in && sed -n 2,5p out >bad.out && cmp bad.in bad.out &&
	grep -q "stdin:2: not JSON" err && grep -q "stdin:3: not JSON" err &&
	grep -q "stdin:4: not JSON (invalid UTF-8 at byte 10)" err &&
	grep -q "stdin:5: not JSON (a NUL byte at byte 11)" err &&
	grep -q "4 not JSON" err &&
	sed -n 6p out | jq -e ".sentiment.compound > 0"
'

test_expect_success '--strict stops at the first line that is not JSON (exit 1), writing nothing of it' '
	printf "%s\n" "{\"text\":\"good\",\"lang\":\"en\"}" "oops" "{\"text\":\"good\",\"lang\":\"en\"}" >in &&
	{ tw-sentiment --strict <in >out 2>err; test $? -eq 1; } &&
	test $(wc -l <out) -eq 1 && grep -q "stdin:2: not JSON" err
'

test_expect_success 'a last line without newline is scored; the output ends with a newline; CRLF input gives LF' '
	printf "{\"text\":\"nice\",\"lang\":\"en\"}\r\n{\"text\":\"nice\",\"lang\":\"en\"}" >in &&
	tw-sentiment <in >out &&
	test $(wc -l <out) -eq 2 && ! grep -q "$(printf "\r")" out && test "$(tail -c1 out | od -An -c | tr -d " ")" = "\n"
'

test_expect_success 'a line over 16 MiB is dropped and reported (exit 1); the next line is handled' '
	{ printf "{\"text\":\""; head -c 17000000 /dev/zero | tr "\0" "a"; printf "\",\"lang\":\"en\"}\n"; echo "{\"text\":\"good\",\"lang\":\"en\"}"; } >in &&
	{ tw-sentiment <in >out 2>err; test $? -eq 1; } &&
	test $(wc -l <out) -eq 1 && grep -q "stdin:1: line longer than" err && jq -e .sentiment.compound out
'

test_expect_success 'a text over 1 MiB gets null (exit 1, reported); texts just under it are scored quickly' '
	{ printf "{\"text\":\""; head -c 1100000 /dev/zero | tr "\0" "a"; printf "\",\"lang\":\"en\"}\n"; } >huge &&
	{ tw-sentiment <huge >out 2>err; test $? -eq 1; } && s out | grep -qx null && grep -q "not scored" err &&
	python3 -c "import json; print(json.dumps({\"lang\":\"en\",\"text\":\"NOT good but \"*60000 + \"😁 \"*10000}))" >big &&
	timeout 20 tw-sentiment <big >out && jq -e ".sentiment.compound < 0" out
'

test_expect_success 'escaped NUL, lone surrogates and control characters in text are scored without harm' '
	printf "%s\n" "{\"text\":\"good\\u0000 \\ud800 bad\\u0007\",\"lang\":\"en\"}" | tw-sentiment >out &&
	grep -q "\"sentiment\":{\"compound\":0.0,\"pos\":0.0,\"neu\":1.0," out
'

test_expect_success '--lexicon FILE scores with another lexicon; a bad one is a usage error' '
	printf "bueno\t2.0\nmalo\t-2.0\n" >es.txt &&
	echo "{\"text\":\"muy bueno!\",\"lang\":\"es\"}" | tw-sentiment --lang es --lexicon es.txt | jq -e ".sentiment.compound > 0.4" &&
	printf "bueno\n" >bad.txt &&
	{ tw-sentiment --lexicon bad.txt </dev/null 2>err; test $? -eq 2; } && grep -q "bad.txt: line 1" err &&
	{ tw-sentiment --lexicon /nonexistent </dev/null 2>err; test $? -eq 2; } && grep -q nonexistent err
'

test_expect_success 'files as arguments, read in order; a missing one is reported and makes exit 1' '
	echo "{\"text\":\"good\",\"lang\":\"en\"}" >a && echo "{\"text\":\"bad\",\"lang\":\"en\"}" >b &&
	{ tw-sentiment a nope b >out 2>err; test $? -eq 1; } &&
	test $(wc -l <out) -eq 2 && grep -q "nope" err
'

test_expect_success 'a reader that goes away: exit 141 (SIGPIPE), no message' '
	zcat "$TWEETS"/v1.1_btc_section_b.jsonl.gz >in &&
	{ tw-sentiment in 2>err; echo $? >rc; } | head -c 100 >/dev/null &&
	test "$(cat rc)" = 141 && ! grep -q "error" err
'

test_expect_success 'each tweet is written as soon as it is read (a live pipe, no buffering to the end)' '
	mkfifo fin && { tw-sentiment <fin >out 2>/dev/null & } && pid=$! &&
	exec 7>fin && echo "{\"text\":\"good\",\"lang\":\"en\"}" >&7 &&
	i=0; while [ ! -s out ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done &&
	test -s out && exec 7>&- && wait $pid
'

test_expect_success 'SIGTERM: the lines already read are written, then exit 143' '
	mkfifo fin2 && { tw-sentiment <fin2 >out 2>err & } && pid=$! &&
	exec 7>fin2 && echo "{\"text\":\"good\",\"lang\":\"en\"}" >&7 &&
	i=0; while [ ! -s out ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done &&
	kill -TERM $pid; wait $pid; rc=$?; exec 7>&-; test $rc -eq 143 && test $(wc -l <out) -eq 1
'
test_done
