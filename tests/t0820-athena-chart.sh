#!/bin/bash
# athena-query --chart bar|line and --svg: charts of a result drawn as text (eighth blocks,
# braille) within the width of the output, and as SVG checked with an XML parser and rendered
# by headless Chromium (bars as wide as the data says). The local engine for the data, the
# Athena stand-in for a typed result from the API.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null 2>&1 || test_skip "jq not installed"
CHROMIUM=/usr/bin/chromium

lake=$TRASH/lake
mkdir -p "$lake/tweets/dt=2026-11-25/hour=00"
tw-stream --simulate --seed 5 --max-tweets 4000 --backdate 2h -q | gzip \
	>"$lake/tweets/dt=2026-11-25/hour=00/tweets+0+00000000000000000000.json.gz"
glue-crawl "$lake/tweets" --database demo --table tweets --catalog "$lake/_catalog" -q >/dev/null
zcat "$lake"/tweets/*/*/*.gz >"$TRASH/all.json"
unset COLUMNS LINES NO_COLOR
AQ="athena-query --local $lake --no-stats"
LANGS="SELECT lang, count(*) AS tweets FROM tweets GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 6"
PER_MINUTE="SELECT date_trunc('minute', from_iso8601_timestamp(created_at)) AS minute, count(*) AS tweets FROM tweets GROUP BY 1 ORDER BY 1"

# the six most common languages and their counts, by jq: "lang count" lines
jq -r .lang "$TRASH/all.json" | sort | uniq -c | sort -k1,1nr -k2 | head -n 6 |
	awk '{ print $2, $1 }' >"$TRASH/langs"

# widths FILE: the widest line of FILE in characters (terminal columns: no wide ones here)
widest() { python3 -c "import sys; print(max(len(l.rstrip('\n')) for l in open(sys.argv[1], encoding='utf-8')))" "$1"; }

shoot() { # SVG PNG W H: a screenshot by headless Chromium (a fresh profile, nothing from the network)
	rm -rf "$TRASH/profile"
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TRASH/profile" --screenshot="$2" --window-size="$3,$4" "file://$1" \
		>chromium.log 2>&1
	test -s "$2" || { tail -5 chromium.log; return 1; }
}

test_expect_success '--chart bar: one bar per language, to an eighth of a cell, within COLUMNS' '
	COLUMNS=72 $AQ --chart bar "$LANGS" >chart &&
	head -n 1 chart >title && echo "tweets by lang" >want && test_cmp want title &&
	test_line_count = 9 chart &&
	test "$(widest chart)" -le 72 && test "$(widest chart)" -ge 66 &&
	python3 - "$TRASH/langs" chart <<-\EOF
	import sys
	want = [l.split() for l in open(sys.argv[1])]
	lines = open(sys.argv[2], encoding="utf-8").read().splitlines()[1:7]
	part = {"": 0, "▏": 1, "▎": 2, "▍": 3, "▌": 4, "▋": 5, "▊": 6, "▉": 7}
	eighths = []
	for (lang, n), line in zip(want, lines):
	    label, bar = line.split("│")
	    blocks, value = bar.rsplit(" ", 1)
	    assert label.strip() == lang and value == n, (line, lang, n)
	    full = blocks.count("█")
	    rest = blocks.replace("█", "")
	    eighths.append(full * 8 + part[rest])
	# every bar in proportion to the first, give or take the rounding of an eighth
	top = int(want[0][1])
	scale = eighths[0] / top
	for (lang, n), e in zip(want, eighths):
	    assert abs(e - int(n) * scale) <= 1, (lang, n, e, int(n) * scale)
	EOF
'

test_expect_success 'not a terminal and no COLUMNS: 80 columns; a tick label under the axis starts at 0' '
	$AQ --chart bar "$LANGS" >chart &&
	test "$(widest chart)" -le 80 && test "$(widest chart)" -ge 74 &&
	sed -n 8p chart | grep -q "^ *└─*┬" &&
	sed -n 9p chart | grep -qE "^ +0 +[0-9]+"
'

test_expect_success '--chart line: tweets per minute in braille, a time axis and its range' '
	COLUMNS=100 $AQ --chart line "$PER_MINUTE" >chart &&
	head -n 1 chart >title && echo "tweets by minute" >want && test_cmp want title &&
	python3 -c "import sys; t=open(sys.argv[1], encoding=\"utf-8\").read(); sys.exit(sum(0x2801 <= ord(c) <= 0x28ff for c in t) < 50)" chart &&
	grep -qE "^ +0 ┤" chart &&
	grep -qE "^ +minute, 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z to 20[0-9-]+T[0-9:]{8}Z\$" chart &&
	grep -qE "^ +[0-9]{2}:[0-9]{2} +[0-9]{2}:[0-9]{2}" chart &&
	test "$(widest chart)" -le 100
'

test_expect_success 'several numeric columns: a series each, and a legend' '
	COLUMNS=80 $AQ --chart bar "SELECT lang, count(*) AS tweets, sum(length(text)) / 100 AS hundred_chars FROM tweets GROUP BY 1 ORDER BY 2 DESC LIMIT 3" >chart &&
	grep -q "^tweets, hundred_chars by lang\$" chart &&
	grep -q "^█ tweets  █ hundred_chars\$" chart &&
	test $(grep -c "│" chart) -eq 6
'

test_expect_success '--svg: the rows print as usual, the picture is written whole (XML, no outside reference)' '
	$AQ -F csv "$LANGS" >plain &&
	$AQ --chart bar --svg "$TRASH/langs.svg" -F csv "$LANGS" >rows 2>err &&
	test_cmp plain rows &&
	python3 - "$TRASH/langs.svg" "$TRASH/langs" <<-\EOF &&
	import sys, xml.etree.ElementTree as E
	ns = "{http://www.w3.org/2000/svg}"
	root = E.parse(sys.argv[1]).getroot()
	assert root.tag == ns + "svg"
	bars = [r for r in root.iter(ns + "rect") if r.get("fill") == "#4e79a7"]
	want = [int(l.split()[1]) for l in open(sys.argv[2])]
	assert len(bars) == len(want), (len(bars), want)
	w = [float(b.get("width")) for b in bars]
	for n, x in zip(want, w):
	    assert abs(x / w[0] - n / want[0]) < 0.01, (w, want)
	titles = [b.find(ns + "title").text for b in bars]
	assert titles[0].endswith(": %d" % want[0]), titles
	EOF
	! grep -qiE "<script|href|url\(|@import" langs.svg &&
	test "$(stat -c %a langs.svg)" = "$(printf %o $((0666 & ~$(umask))))" &&
	test -z "$(ls -a | grep "langs.svg.tmp")"
'

test_expect_success 'Chromium renders the bar chart: not blank, and each bar as long as its count says' '
	[ -x "$CHROMIUM" ] || { echo "# skip: no chromium"; exit 0; } &&
	shoot "$TRASH/langs.svg" "$TRASH/langs.png" 960 300 &&
	python3 "$TOP/tests/png-stats.py" langs.png 4e79a7 >stats && cat stats &&
	read -r _ size _ nonwhite _ blue <stats &&
	test "$size" = 960x300 && test "$nonwhite" -gt 5000 && test "$blue" -gt 3000 &&
	python3 "$TOP/tests/helpers/png-bars.py" langs.png 4e79a7 >bars && cat bars &&
	test_line_count = 6 bars &&
	python3 - bars "$TRASH/langs" <<-\EOF
	import sys
	bars = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
	want = [int(l.split()[1]) for l in open(sys.argv[2])]
	x0 = bars[0][1]
	for (w, x), n in zip(bars, want):
	    assert x == x0, bars                        # every bar starts at the axis
	    assert abs(w - bars[0][0] * n / want[0]) <= 2, (bars, want)
	EOF
'

test_expect_success 'Chromium renders the line chart: the line is there, across the plot' '
	[ -x "$CHROMIUM" ] || { echo "# skip: no chromium"; exit 0; } &&
	$AQ --chart line --svg "$TRASH/minutes.svg" -F csv "$PER_MINUTE" >rows &&
	python3 -c "import xml.etree.ElementTree as E; E.parse(\"$TRASH/minutes.svg\")" &&
	shoot "$TRASH/minutes.svg" "$TRASH/minutes.png" 960 480 &&
	python3 "$TOP/tests/png-stats.py" minutes.png 4e79a7 >stats && cat stats &&
	read -r _ size _ nonwhite _ blue <stats &&
	test "$size" = 960x480 && test "$blue" -gt 2000 &&
	python3 "$TOP/tests/helpers/png-bars.py" minutes.png 4e79a7 >runs &&
	test -s runs
'

test_expect_success 'the example: tweets per minute on the terminal and as a picture' '
	COLUMNS=90 "$TOP/examples/tweets-per-minute.sh" "$lake" "$TRASH/tpm.svg" >chart 2>err &&
	grep -q "^tweets by minute\$" chart &&
	python3 -c "import xml.etree.ElementTree as E; E.parse(\"$TRASH/tpm.svg\")" &&
	jq -r .created_at "$TRASH/all.json" | cut -c1-16 | sort -u | wc -l >want &&
	echo $(($(wc -l <tweets-per-minute.csv) - 1)) >got && test_cmp want got
'

test_expect_success 'errors: no numeric column exits 1; usage errors exit 2; an unwritable file exits 1' '
	{ $AQ --chart bar "SELECT lang, text FROM tweets LIMIT 3" >out 2>err; test $? -eq 1; } &&
	grep -q "chart: no numeric column to draw" err &&
	test_expect_failure_status 2 $AQ --svg x.svg "SELECT 1" &&
	test_expect_failure_status 2 $AQ --chart pie "SELECT 1" &&
	test_expect_failure_status 2 $AQ --chart bar --svg x.svg "SELECT 1; SELECT 2" &&
	! test -e x.svg &&
	{ $AQ --chart bar --svg /nonexistent/dir/x.svg "$LANGS" >out 2>err; test $? -eq 1; } &&
	grep -q "/nonexistent/dir/x.svg" err
'

test_expect_success 'Athena (stand-in): the API typed result, NULL and NaN values left out' '
	python3 "$TOP/tests/stubs/athena-stub.py" --port-file stub.port >stub.out 2>&1 &
	echo $! >stub.pid &&
	port=$(standin_port stub.port) &&
	AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDSTUBSTUBSTUB \
		AWS_SECRET_ACCESS_KEY=stubsecretstubsecret COLUMNS=60 \
		athena-query --poll-max 20 --no-stats --chart bar "SELECT * FROM pages" >chart 2>err;
	rc=$?; kill $(cat stub.pid); test $rc -eq 0 &&
	grep -q "^score by id\$" chart &&
	grep -qE "^10 +│ +█+ 10$" chart &&
	grep -qE "^4 +│ +NULL$" chart && grep -qE "^3 +│ +NULL$" chart &&
	grep -qE "^6 +│ *▕ -0.00035$" chart
'
test_done
