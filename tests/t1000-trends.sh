#!/bin/bash
# tw-trends on simulated and real streams with planted bursts: each burst gets a trend-start
# within 2 minutes (event time) of its onset, the heavy flat hashtags never trend, few other
# terms do; the same input gives the same lines at any replay speed; a live run agrees with the
# replay of what it read.
. "$(dirname "$0")/lib.sh"

# the first created_at of a tag in a stream, and the time of its trend-start, in epoch seconds
first_seen() { grep -m1 -- "$1" "$2" | jq -r '(.data // .).created_at'; }
epoch() { date -u -d "$1" +%s; }
start_of() { jq -r --arg t "$1" 'select(.event=="trend-start" and .term==$t) | .time' "$2" | head -1; }
within() { # TAG STREAM OUT SECONDS: the trend-start comes at most SECONDS after the tag's onset
	local on st
	on=$(first_seen "#$1" "$2"); st=$(start_of "#$(echo "$1" | tr A-Z a-z)" "$3")
	[ -n "$on" ] && [ -n "$st" ] || { echo "no onset ($on) or no trend-start ($st) for #$1"; return 1; }
	echo "#$1: onset $on, trend-start $st"
	[ $(( $(epoch "$st") - $(epoch "$on") )) -le "$4" ] && [ "$(epoch "$st")" -ge "$(epoch "$on")" ]
}

test_expect_success 'simulated stream: two planted bursts found within 2 minutes, nothing else trends' '
	tw-stream -q --simulate --seed 7 --max-tweets 150000 --backdate 30m \
		--burst WorldCupFinal@15+6*2% --burst "#Eclipse@22+4*1%" >sim.jsonl &&
	tw-trends <sim.jsonl >out.jsonl 2>err && cat err &&
	within WorldCupFinal sim.jsonl out.jsonl 120 && within Eclipse sim.jsonl out.jsonl 120 &&
	jq -r "select(.event==\"trend-start\") | .term" out.jsonl | sort >starts &&
	printf "#eclipse\n#worldcupfinal\n" >want && test_cmp want starts
'

test_expect_success 'the heavy flat hashtags are counted (top terms) but never trend' '
	tw-trends --kinds hashtag <sim.jsonl >tags.jsonl 2>/dev/null &&
	test "$(jq -r "select(.event==\"window\") | .top[].kind" tags.jsonl | sort -u)" = hashtag &&
	for tag in "#ai" "#bitcoin" "#bts" "#worldcup"; do
		jq -c --arg t "$tag" "select(.event==\"window\") | .top[] | select(.term==\$t)" tags.jsonl | grep -q . ||
			{ echo "$tag never in the top terms"; exit 1; }
		! jq -c --arg t "$tag" "select(.event==\"trend-start\" and .term==\$t)" tags.jsonl | grep -q . || exit 1
		! jq -c --arg t "$tag" "select(.event==\"trend-start\" and .term==\$t)" out.jsonl | grep -q . || exit 1
	done
'

test_expect_success 'every trend ends, with its start, duration and peak; output is the documented contract' '
	test "$(jq -r "select(.event==\"trend-end\") | .term" out.jsonl | sort | tr "\n" " ")" = "#eclipse #worldcupfinal " &&
	! jq -c "select(.event==\"trend-end\") | (.started and .duration_s > 60 and .peak_rate > 30 and .peak_time)" out.jsonl | grep -q false &&
	! jq -c "select(.event==\"trend-start\") | (.kind==\"hashtag\" and .count>=10 and .rate>0 and .baseline>0 and .ratio>=3 and .score>=6 and (.forecast|length)==3 and (.time|test(\"Z$\")))" out.jsonl | grep -q false &&
	! jq -c "select(.event==\"window\") | (.tweets>=0 and .window_tweets>=0 and (.top|length)<=10 and (.forecast|length)==3)" out.jsonl | grep -q false &&
	test "$(jq -c "select(.event==\"window\") | .top | length" out.jsonl | sort -un | tail -1)" = 10 &&
	test "$(jq -r .event out.jsonl | sort -u | tr "\n" " ")" = "trend-end trend-start trend-update window "
'

test_expect_success 'real captured tweets (v2 stream lines and v1.1 tweets) with planted bursts' '
	python3 "$TOP/tests/helpers/trends-stream.py" --minutes 20 --rate 10 --burst Eclipse@8+5*5% \
		--burst Solstice@13+4*4% >real.jsonl &&
	tw-trends <real.jsonl >rout.jsonl &&
	within Eclipse real.jsonl rout.jsonl 120 && within Solstice real.jsonl rout.jsonl 120 &&
	jq -r "select(.event==\"trend-start\") | .term" rout.jsonl | sort >starts &&
	printf "#eclipse\n#solstice\n" >want && test_cmp want starts &&
	tw-trends --kinds hashtag <real.jsonl >rtags.jsonl 2>/dev/null &&
	for tag in "#dogsoftwitter" "#quotetweet" "#hashtags"; do
		jq -c --arg t "$tag" "select(.event==\"window\") | .top[] | select(.term==\$t)" rtags.jsonl | grep -q . &&
		! jq -c --arg t "$tag" "select(.event==\"trend-start\" and .term==\$t)" rout.jsonl | grep -q . || exit 1
	done
'

test_expect_success 'the same input gives the same lines (run twice, and through a pipe at any speed)' '
	tw-trends <sim.jsonl >again.jsonl 2>/dev/null && test_cmp out.jsonl again.jsonl &&
	tw-stream -q --replay sim.jsonl --speed 0 | tw-trends --early 0 >piped.jsonl 2>/dev/null &&
	test_cmp out.jsonl piped.jsonl &&
	cat sim.jsonl | tw-trends >cat.jsonl 2>/dev/null &&
	jq -c "select(.event!=\"partial\")" cat.jsonl >cat-final.jsonl && test_cmp out.jsonl cat-final.jsonl
'

test_expect_success 'live and replay agree: what a live run saw, replayed, gives the same lines' '
	opts="--window 5s --warmup 20s --hold 5s --update-every 5s --min-count 8" &&
	tw-stream -q --simulate --seed 11 --rate 400 --duration 40 --burst Flash@0.5+0.2*10% |
		tee live-in.jsonl | tw-trends $opts --early 200ms >live.jsonl 2>live.err; cat live.err &&
	jq -c "select(.event==\"trend-start\" and .term==\"#flash\")" live.jsonl | grep -q . &&
	jq -c "select(.event==\"partial\")" live.jsonl | grep -q . &&
	jq -c "select(.event!=\"partial\")" live.jsonl >live-final.jsonl &&
	tw-trends $opts <live-in.jsonl >replay.jsonl 2>/dev/null && test_cmp live-final.jsonl replay.jsonl &&
	tw-stream -q --replay live-in.jsonl --speed 3 | tw-trends $opts --early 0 >replay3.jsonl 2>/dev/null &&
	test_cmp live-final.jsonl replay3.jsonl
'

test_expect_success '--by-lang: a term language is part of its identity' '
	tw-trends --by-lang --kinds word,hashtag --top 100 <sim.jsonl >lang.jsonl 2>/dev/null &&
	jq -c "select(.event==\"window\") | .top[] | select(.lang==\"ja\" and .kind==\"word\")" lang.jsonl | grep -q . &&
	test "$(jq -r "select(.event==\"trend-start\" and .term==\"#worldcupfinal\") | .lang" lang.jsonl | sort | head -2 | tr "\n" " ")" = "ar en "
'
test_done
