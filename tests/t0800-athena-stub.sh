#!/bin/bash
# athena-query against tests/stubs/athena-stub.py, a stand-in for what moto cannot do: a recorded
# multi-page GetQueryResults conversation, FAILED queries with AthenaError, throttling, queries
# that run until stopped.
. "$(dirname "$0")/lib.sh"

python3 "$TOP/tests/stubs/athena-stub.py" --port-file "$TRASH/stub.port" --page-size 3 --log "$TRASH/calls.log" \
	--throttle AmazonAthena.StartQueryExecution=1 \
	--throttle AmazonAthena.GetQueryExecution=4 >"$TRASH/stub.out" 2>&1 &
test_cleanup "kill $!"
PORT=$(standin_port "$TRASH/stub.port") || { cat "$TRASH/stub.out"; exit 1; }
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDSTUBSTUBSTUB AWS_SECRET_ACCESS_KEY=stubsecretstubsecret
# Throttling is retried by athena-query's own jittered backoff, not only by tl_aws's.
export AWS_MAX_ATTEMPTS=1
AQ="athena-query --poll-max 20"
# Q: a single quote, for SQL literals inside the single-quoted test bodies
Q="'"

# calls TARGET: how many requests of that kind the stand-in has seen
calls() { grep -c "\"AmazonAthena.$1\"" "$TRASH/calls.log"; }

cat >"$TRASH/pages.csv" <<'EOF'
id,lang,text,ok,score
1,en,hello world,true,0.5
2,ja,日本語のツイート 🎉,false,1.25
3,"","",,
4,,,true,NaN
5,en,"line one
line two",true,2.0
6,en,"she said ""hi"", then left",false,-3.5E-4
7,de,tab	here,true,7
8,fr,"id,lang,text",false,8.0
9,es,¿qué?,,9.5
10,und,last,true,10.0
EOF

test_expect_success 'throttled start and polls are retried; multi-page result as CSV, header once' '
	$AQ "SELECT * FROM pages" >out 2>err &&
	test_cmp "$TRASH/pages.csv" out &&
	grep -q "10 rows" err
'

test_expect_success 'the retried start reused its ClientRequestToken (no second query)' '
	grep "StartQueryExecution" "$TRASH/calls.log" | head -n 2 >starts &&
	test $(wc -l <starts) -eq 2 &&
	python3 -c "import json,sys; t=[json.loads(l)[\"body\"][\"ClientRequestToken\"] for l in open(\"starts\")]; sys.exit(not (t[0]==t[1] and len(t[0])>=32))"
'

test_expect_success 'pages are followed by NextToken, 3 rows a page (4 GetQueryResults calls)' '
	test $(calls GetQueryResults) -eq 4 &&
	grep GetQueryResults "$TRASH/calls.log" | grep -c NextToken >n &&
	test $(cat n) -eq 3
'

test_expect_success 'a NextToken given again (the same, or going round) stops with an error' '
	n0=$(calls GetQueryResults) &&
	test_expect_failure_status 1 timeout -s KILL 60 $AQ "SELECT token_loop" >out 2>err &&
	grep -q "gave a NextToken it had given before" err &&
	test $(( $(calls GetQueryResults) - n0 )) -eq 2 &&
	n0=$(calls GetQueryResults) &&
	test_expect_failure_status 1 timeout -s KILL 60 $AQ "SELECT token_cycle" >out 2>err &&
	grep -q "would never end" err &&
	test $(( $(calls GetQueryResults) - n0 )) -eq 3
'

test_expect_success 'ndjson: typed values, NULL as null, "" as ""' '
	$AQ -F ndjson "SELECT pages" >out 2>err &&
	test $(wc -l <out) -eq 10 &&
	sed -n 3p out >l3 && echo "{\"id\":3,\"lang\":\"\",\"text\":\"\",\"ok\":null,\"score\":null}" >want &&
	test_cmp want l3 &&
	sed -n 4p out | grep -q "\"score\":\"NaN\"" &&
	sed -n 5p out | grep -qF "\"text\":\"line one\\nline two\"" &&
	sed -n 2p out | grep -q "\"ok\":false,\"score\":1.25"
'

test_expect_success 'tsv: NULL as \N, escapes' '
	$AQ -F tsv --no-header "SELECT pages" >out 2>err &&
	sed -n 4p out >l4 && printf "4\t\\\\N\t\\\\N\ttrue\tNaN\n" >want && test_cmp want l4 &&
	sed -n 5p out | grep -qF "line one\\nline two" &&
	test $(wc -l <out) -eq 10
'

test_expect_success 'table: aligned, unicode width, NULL shown' '
	$AQ -F table "SELECT pages" >out 2>err &&
	head -n 2 out >hd &&
	grep -q "^ id | lang |  *text  *|  ok   |  score$" hd &&
	grep -q "^ *2 | ja   | 日本語のツイート 🎉  *| false |" out &&
	grep -q "^ *4 | NULL | NULL" out &&
	test $(wc -l <out) -eq 12 &&
	$AQ -F table --null "(null)" --no-header "SELECT pages" >out 2>err &&
	grep -q "^ *4 | (null) | (null)" out
'

test_expect_success 'header row: skipped only at the very start; equal rows later are data' '
	$AQ -F csv "SELECT labels" >out 2>err &&
	printf "a,b\na,b\nx,y\na,b\na,b\nz,\n" >want &&
	test_cmp want out
'

test_expect_success 'SHOW has no header row: its first row is data' '
	$AQ -F csv --no-header "SHOW TABLES" >out 2>err &&
	printf "tab_name\ntweets\n" >want &&
	test_cmp want out
'

test_expect_success '--max-rows stops early and asks only for the rows it needs' '
	before=$(calls GetQueryResults) &&
	$AQ --max-rows 4 --no-header "SELECT pages" >out 2>err &&
	test $(wc -l <out) -eq 4 && head -n 1 out | grep -q "^1,en," &&
	test $(( $(calls GetQueryResults) - before )) -eq 2
'

test_expect_success 'FAILED: reason and AthenaError on stderr, exit 1, nothing on stdout' '
	test_expect_failure_status 1 $AQ "SELECT fail_me" >out 2>err &&
	test ! -s out &&
	grep -q "FAILED: COLUMN_NOT_FOUND: line 1:8" err &&
	grep -q "AthenaError: category 2 (USER), type 1006, not retryable" err
'

test_expect_success 'statements run in order; a failure stops the rest' '
	test_expect_failure_status 1 $AQ -F csv --no-header "SELECT 1; SELECT fail_me; SELECT labels AS never_started" >out 2>err &&
	printf "1\n" >want && test_cmp want out &&
	! grep -q never_started "$TRASH/calls.log"
'

test_expect_success 'stats line: scanned, billed, approximate cost, times, id, location' '
	$AQ -o s3://my-results/q/ "SELECT 1" >out 2>err &&
	grep -E "SUCCEEDED in 1.80s \(queue 0.20s, engine 1.50s\): 1 row, 117.74 MB scanned, 118.00 MB billed, ~\\\$0.0006 \(approximate, at \\\$5.00/TB\); query [0-9a-f-]{36}; results s3://my-results/q/[0-9a-f-]{36}\.csv" err &&
	$AQ --no-stats "SELECT 1" >out 2>err && test ! -s err
'

test_expect_success 'request: database, catalog, workgroup, output, params, result reuse' '
	$AQ -d lake --catalog AwsDataCatalog -w analysts -o s3://r/x/ -p "${Q}en${Q}" -p 5 --result-reuse 60 \
		"SELECT * FROM t WHERE lang = ? LIMIT ?" >out 2>err &&
	grep StartQueryExecution "$TRASH/calls.log" | tail -n 1 >last &&
	python3 - <<-EOF
	import json
	b = json.loads(open("last").read())["body"]
	assert b["QueryExecutionContext"] == {"Database": "lake", "Catalog": "AwsDataCatalog"}, b
	assert b["WorkGroup"] == "analysts", b
	assert b["ResultConfiguration"] == {"OutputLocation": "s3://r/x/"}, b
	assert b["ExecutionParameters"] == ["${Q}en${Q}", "5"], b
	assert b["ResultReuseConfiguration"] == {"ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": 60}}, b
	EOF
'

test_expect_success '--explain runs EXPLAIN of each statement' '
	$AQ --explain "SELECT 1; SELECT 2" >out 2>err &&
	grep StartQueryExecution "$TRASH/calls.log" | tail -n 2 | grep -c "\"QueryString\": \"EXPLAIN SELECT" >n &&
	test $(cat n) -eq 2
'

test_expect_success '--parallel starts every statement before waiting; output in order' '
	: >"$TRASH/calls.log" &&
	$AQ --parallel -F csv --no-header "SELECT labels; SELECT 1" >out 2>err &&
	printf "a,b\nx,y\na,b\na,b\nz,\n1\n" >want && test_cmp want out &&
	sed -n "1,2p" "$TRASH/calls.log" | grep -c StartQueryExecution >n && test $(cat n) -eq 2
'

test_expect_success '--query-id: results of an earlier query, without running it again' '
	$AQ -o s3://r/ "SELECT pages" >/dev/null 2>err &&
	id=$(sed -n "s/.*query \([0-9a-f-]\{36\}\);.*/\1/p" err) && test -n "$id" &&
	starts=$(calls StartQueryExecution) &&
	$AQ --query-id "$id" >out 2>err2 &&
	test_cmp "$TRASH/pages.csv" out &&
	test $(calls StartQueryExecution) -eq $starts &&
	grep -q "query $id" err2
'

test_expect_success '--progress shows the states on stderr' '
	$AQ --progress "SELECT 1" >out 2>err &&
	grep -q "QUEUED" err && grep -q "RUNNING" err
'

# run_until_polled SIGNAL: starts a query that never ends, sends SIGNAL once it is RUNNING.
run_until_polled() {
	: >"$TRASH/calls.log"
	$AQ --progress "SELECT never_ends" >out 2>err &
	pid=$!
	( sleep 120; kill -KILL $pid ) >/dev/null 2>&1 &
	wd=$!
	wait_for 60 "[ \$(calls GetQueryExecution) -ge 2 ]"
	kill -"$1" "$pid"
	wait "$pid"
	local rc=$?
	kill $wd
	return $rc
}

test_expect_success 'SIGINT: StopQueryExecution, waits for CANCELLED, exit 130' '
	test_expect_failure_status 130 run_until_polled INT &&
	grep -q StopQueryExecution "$TRASH/calls.log" &&
	grep -q "CANCELLED" err
'

test_expect_success 'SIGTERM: the same, exit 143' '
	test_expect_failure_status 143 run_until_polled TERM &&
	grep -q StopQueryExecution "$TRASH/calls.log"
'

test_expect_success 'SIGINT with --parallel stops every query not seen finished' '
	: >"$TRASH/calls.log"
	$AQ --parallel "SELECT never_ends; SELECT 1; SELECT never_ends AS b" >out 2>err &
	pid=$!
	( sleep 120; kill -KILL $pid ) >/dev/null 2>&1 &
	wd=$!
	wait_for 60 "[ \$(calls GetQueryExecution) -ge 2 ]"
	kill -INT $pid; wait $pid; rc=$?
	kill $wd
	test $rc -eq 130 &&
	test $(calls StartQueryExecution) -eq 3 &&
	test $(calls StopQueryExecution) -eq 3 &&
	test $(grep -c "CANCELLED" err) -eq 3
'

test_expect_success 'usage errors exit 2' '
	test_expect_failure_status 2 athena-query -F xml "SELECT 1" 2>err &&
	test_expect_failure_status 2 athena-query "SELECT 1" "SELECT 2" 2>err &&
	test_expect_failure_status 2 athena-query " ; -- nothing" 2>err &&
	test_expect_failure_status 2 athena-query -o /tmp/x "SELECT 1" 2>err
'

test_expect_success 'SQL from -f FILE and from stdin' '
	printf "SELECT 1;\n-- done\n" >q.sql &&
	$AQ --no-header -f q.sql >out 2>err && printf "1\n" >want && test_cmp want out &&
	echo "SELECT labels" | $AQ --max-rows 2 --no-header >out 2>err && printf "a,b\nx,y\n" >want && test_cmp want out
'

test_expect_success 'the reader going away ends the tool quietly, exit 141 as for SIGPIPE' '
	( $AQ "SELECT rows_2000" 2>err; echo $? >rc ) | head -n 1 >out &&
	test $(wc -l <out) -eq 1 && ! grep -q "error" err &&
	echo 141 >want && test_cmp want rc
'

test_expect_success 'examples/athena-query.sql: three statements, the day as their parameter' '
	: >"$TRASH/calls.log" &&
	$AQ --parallel -p "${Q}2026-11-25${Q}" -f "$TOP/examples/athena-query.sql" >out 2>err &&
	grep StartQueryExecution "$TRASH/calls.log" >starts &&
	test $(wc -l <starts) -eq 3 &&
	test $(grep -c "\"ExecutionParameters\": \[\"${Q}2026-11-25${Q}\"\]" starts) -eq 3 &&
	grep -q "UNNEST(transform(entities.hashtags" starts &&
	grep -q "from_iso8601_timestamp(created_at)" starts
'

test_expect_success '--param is one SQL literal, sent as written; anything else exits 2, unsent' '
	: >"$TRASH/calls.log" &&
	$AQ -p "${Q}it${Q}${Q}s${Q}" -p "DATE ${Q}2026-11-25${Q}" -p -1.5e3 -p NULL \
		"SELECT 1 WHERE ? <> ? AND ? < 0 AND ? IS NULL" >out 2>err &&
	grep StartQueryExecution "$TRASH/calls.log" | tail -n 1 >last &&
	python3 - <<-EOF &&
	import json
	b = json.loads(open("last").read())["body"]
	assert b["ExecutionParameters"] == ["${Q}it${Q}${Q}s${Q}", "DATE ${Q}2026-11-25${Q}", "-1.5e3", "NULL"], b
	EOF
	: >"$TRASH/calls.log" &&
	for p in 2026-11-25 en "1 OR 1=1" "${Q}a${Q} OR ${Q}1${Q}=${Q}1${Q}" "${Q}open" \
		"DATE ${Q}2026-02-30${Q}" ""; do
		test_expect_failure_status 2 $AQ -p "$p" "SELECT 1 WHERE dt = ?" 2>err || return 1
		grep -q "error: --param" err || return 1
	done &&
	$AQ -p 2026-11-25 "SELECT 1" 2>err; grep -qF "for the text, -p \"${Q}2026-11-25${Q}\"" err &&
	test ! -s "$TRASH/calls.log" &&
	long=$(printf "%01030d" 0) &&
	test_expect_failure_status 2 $AQ -p "${Q}$long${Q}" "SELECT ?" 2>err &&
	grep -q "longer than the 1024 characters" err && test ! -s "$TRASH/calls.log"
'

test_expect_success 'hostile JSON keys: glue-crawl --ddl | athena-query -f - starts one query, the whole DDL' '
	mkdir -p hk/t && python3 "$TOP/tests/helpers/hostile-keys.py" records >hk/t/a.json &&
	glue-crawl -q --ddl --database hostile hk/t >hk.sql &&
	: >"$TRASH/calls.log" &&
	glue-crawl -q --ddl --database hostile hk/t | $AQ -f - >out 2>err &&
	grep StartQueryExecution "$TRASH/calls.log" >starts &&
	test $(wc -l <starts) -eq 1 &&
	python3 - <<-EOF
	import json
	q = json.loads(open("starts").read())["body"]["QueryString"]
	want = open("hk.sql", encoding="utf-8").read()
	assert want.endswith(";\n") and q == want[:-2], (q[-80:], want[-80:])
	assert "DROP TABLE tweets" in q and q.startswith("CREATE EXTERNAL TABLE")
	EOF
'

test_expect_success 'Athena error text on stderr: control characters escaped, no forged line' '
	test_expect_failure_status 1 $AQ "SELECT hostile_me" >out 2>err &&
	! grep -q "$(printf "\033")" err && ! grep -q "$(printf "\007")" err &&
	! grep -q "$(printf "\r")" err && ! grep -q "$(printf "\302\233")" err &&
	! grep -q "^athena-query: query SUCCEEDED" err &&
	grep -qF "FAILED: SYNTAX_ERROR: \x1B[2J\x1B[H\x1B]0;owned\x07\rline 1\xC2\x9B31m\nathena-query: query SUCCEEDED" err &&
	grep -qF "AthenaError: category 2 (USER), type 1006, not retryable: SYNTAX_ERROR: \x1B[2J" err &&
	test $(grep -c "^athena-query: " err) -eq $(wc -l <err)
'

test_expect_success 'table format: column names and values from the server shown escaped' '
	$AQ -F table "SELECT hostile_lab" >out 2>err &&
	! grep -q "$(printf "\033")" out &&
	head -n 1 out | grep -qF "\x1B[31mred\x1B[0m" &&
	grep -qF "\x1B]0;owned\x07\x1B[2J" out &&
	$AQ -F csv --no-header "SELECT hostile_lab" >raw 2>err && grep -q "$(printf "\033")" raw
'

test_expect_success 'SQL holding a NUL byte is refused (exit 2), nothing started' '
	: >"$TRASH/calls.log" &&
	printf "SELECT 1;\0 DROP TABLE tweets" >nul.sql &&
	test_expect_failure_status 2 $AQ -f nul.sql 2>err &&
	grep -q "nul.sql: a NUL byte at offset 9" err &&
	printf "SELECT 1\0" | test_expect_failure_status 2 $AQ 2>err &&
	grep -q "stdin: a NUL byte" err &&
	test ! -s "$TRASH/calls.log"
'

test_expect_success 'a query over Athena'"'"'s 262144 characters exits 2 saying so; a larger script runs' '
	: >"$TRASH/calls.log" &&
	{ echo "SELECT 1;"; printf "SELECT ${Q}%0262140d${Q}\n" 0; } >big.sql &&
	test_expect_failure_status 2 $AQ -f big.sql 2>err &&
	grep -q "statement 2 has 262149 characters; Athena takes at most 262144 in one query (QueryString)" err &&
	! grep -q "Argument list too long" err &&
	test ! -s "$TRASH/calls.log" &&
	python3 -c "print((\"SELECT ${Q}\" + \"\u00e9\" * 262134 + \"${Q};\n\") * 2)" >two.sql &&
	test $(wc -c <two.sql) -gt 1000000 &&
	$AQ -F csv --no-header -f two.sql >out 2>err &&
	test $(grep -c StartQueryExecution "$TRASH/calls.log") -eq 2 &&
	head -c 70000000 /dev/zero | tr "\0" " " | test_expect_failure_status 2 $AQ 2>err &&
	grep -q "stdin: more than 64 MiB of SQL" err
'

test_expect_success 'the man page SYNOPSIS lists the options of --help, and lints clean' '
	athena-query --help | sed "/^\$/q" | grep -oE "(^| |\[)--?[a-zA-Z][-a-zA-Z]*" |
		sed "s/^[[ ]*//; s/^-\([a-zA-Z]\)\([a-zA-Z]\)\$/-\1\n-\2/" | sort -u >help-opts &&
	sed -n "/^\.Sh SYNOPSIS/,/^\.Sh/p" "$TOP/man/athena-query.1" | grep -oE "Fl -?[a-zA-Z][-a-zA-Z]*" |
		sed "s/^Fl /-/; s/^-\([a-zA-Z]\)\([a-zA-Z]\)\$/-\1\n-\2/" | sort -u >man-opts &&
	test_cmp help-opts man-opts &&
	if command -v mandoc >/dev/null; then mandoc -Tlint -W warning "$TOP/man/athena-query.1"; fi
'

test_done
