#!/bin/bash
# tw-trends --svg: a self-contained picture, rewritten atomically, rendered in a real browser
# (headless Chromium from Debian): the screenshot is not blank and shows the planted trend.
. "$(dirname "$0")/lib.sh"
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] || test_skip "chromium not installed"

shoot() { # SVG PNG: a 960x540 screenshot (a fresh profile each time, nothing from the network)
	rm -rf "$TRASH/profile"
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TRASH/profile" --screenshot="$2" --window-size=960,540 "file://$1" >chromium.log 2>&1
	test -s "$2" || { tail -5 chromium.log; return 1; }
}

test_expect_success 'setup: a stream with a planted burst, cut while the trend is on, with sentiment' '
	tw-stream -q --simulate --seed 7 --max-tweets 60000 --backdate 20m --burst Picture@12+6*3% |
		head -n 48000 | python3 -c "
import json, sys
for l in sys.stdin:
    d = json.loads(l)
    d[\"sentiment\"] = {\"compound\": 0.7 if \"#Picture\" in d[\"text\"] else -0.1, \"pos\": 0, \"neu\": 1, \"neg\": 0}
    print(json.dumps(d, ensure_ascii=False))" >sim.jsonl &&
	tw-trends --svg "$TRASH/pic.svg" <sim.jsonl >out.jsonl 2>err && cat err &&
	jq -c "select(.event==\"trend-start\" and .term==\"#picture\" and .sentiment > 0.5)" out.jsonl | grep -q .
'

test_expect_success 'the SVG is well-formed and self-contained (no script, no external reference)' '
	python3 -c "import xml.etree.ElementTree as E; E.parse(\"$TRASH/pic.svg\")" &&
	! grep -qi "<script\|href\|url(\|@import" pic.svg &&
	grep -q "#picture" pic.svg && grep -q "mood +0.70" pic.svg
'

test_expect_success 'Chromium renders it: not blank, the volume in blue, the trend in red, its name in the page' '
	shoot "$TRASH/pic.svg" "$TRASH/pic.png" &&
	python3 "$TOP/tests/png-stats.py" pic.png e15759 4e79a7 >stats && cat stats &&
	read -r _ size _ nonwhite _ red _ blue <stats &&
	test "$size" = 960x540 && test "$nonwhite" -gt 20000 && test "$red" -gt 300 && test "$blue" -gt 300 &&
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TRASH/profile2" --dump-dom "file://$TRASH/pic.svg" 2>/dev/null >dom &&
	grep -q "#picture" dom && grep -q "What is trending" dom
'

test_expect_success 'before any tweet: still a valid picture that says so' '
	tw-trends --svg "$TRASH/empty.svg" </dev/null >/dev/null 2>&1 &&
	python3 -c "import xml.etree.ElementTree as E; E.parse(\"$TRASH/empty.svg\")" &&
	grep -q "no tweet yet" empty.svg
'

test_expect_success 'the picture is replaced atomically while a live run rewrites it' '
	tw-stream -q --simulate --seed 2 --rate 500 --duration 12 |
		tw-trends --svg "$TRASH/live.svg" --refresh 100ms --window 5s >/dev/null 2>&1 &
	pid=$! &&
	n=0 && while kill -0 $pid 2>/dev/null; do
		if [ -s live.svg ]; then
			python3 -c "import xml.etree.ElementTree as E; E.parse(\"$TRASH/live.svg\")" || exit 1
			n=$((n + 1))
		fi
		sleep 0.05
	done && wait $pid; echo "$n reads" && test "$n" -ge 2 &&
	test -z "$(find . -name ".live.svg.tmp*")"
'
test_done
