#!/bin/bash
# athena-query --local: SQL on the embedded engine over a local lake and the catalog glue-crawl
# writes; answers checked against jq over the same records.
. "$(dirname "$0")/lib.sh"
CAP=$TWEETS/v2_stream_twarc-csv_streaming_output.jsonl
Q="'" # a single quote, for SQL literals inside the single-quoted test bodies

lake=$TRASH/lake
mkdir -p "$lake/tweets/dt=2026-11-24/hour=23" "$lake/tweets/dt=2026-11-25/hour=00"
tw-stream --simulate --seed 11 --max-tweets 3000 -q | gzip >"$lake/tweets/dt=2026-11-24/hour=23/tweets+0+00000000000000000000.json.gz"
tw-stream --simulate --seed 12 --max-tweets 2000 -q >"$lake/tweets/dt=2026-11-25/hour=00/tweets+1+00000000000000000000.json"
if [ -f "$CAP" ]; then
	tw-stream --replay "$CAP" --speed 0 -q | gzip >"$lake/tweets/dt=2026-11-25/hour=00/tweets+2+00000000000000000000.json.gz"
fi
printf '{"id":"x1","lang":"zz","text":""}\n{"id":"x2","lang":"zz"}\nnot json\n' >"$lake/tweets/dt=2026-11-25/hour=00/tweets+3+00000000000000000000.json"
printf '{"id":"hidden"}\n' >"$lake/tweets/dt=2026-11-25/hour=00/_errors.json"
glue-crawl "$lake/tweets" --database demo --table tweets --catalog "$lake/_catalog" -q >/dev/null
zcat -f "$lake"/tweets/*/*/tweets+* 2>/dev/null | grep '^{' >"$TRASH/all.json"

test_expect_success 'a GROUP BY equals jq over the same records' '
	athena-query --local "$lake" -F csv --no-header \
		"SELECT lang, count(*) FROM tweets GROUP BY lang ORDER BY 2 DESC, 1" >got &&
	jq -r ".lang // empty" "$TRASH/all.json" | sort | uniq -c | sort -k1,1nr -k2 |
		awk "{print \$2\",\"\$1}" >want &&
	test_cmp want got
'

test_expect_success 'top hashtags (UNNEST of a struct field of arrays, Athena SQL) equal jq' '
	athena-query --local "$lake" -F csv --no-header -f "$TOP/examples/sql/top-hashtags.sql" >got &&
	jq -r ".entities.hashtags[]?.tag | ascii_downcase" "$TRASH/all.json" | sort | uniq -c |
		sort -k1,1nr -k2 | head -n 10 | awk "{print \$2\",\"\$1}" >want &&
	test_cmp want got
'

test_expect_success 'partition pruning: a fixed dt reads only its objects' '
	athena-query --local "$lake" -F csv --no-header "SELECT count(*) FROM tweets WHERE dt = '\''2026-11-24'\''" >got 2>err &&
	echo 3000 >want && test_cmp want got &&
	grep -q "from 1 objects" err && grep -q "1 pruned" err
'

test_expect_success 'NULL and empty string stay apart in csv, tsv and ndjson' '
	q="SELECT id, text FROM tweets WHERE lang = '\''zz'\'' ORDER BY id" &&
	athena-query --local "$lake" -F csv "$q" >csv &&
	printf "id,text\nx1,\"\"\nx2,\n" >want && test_cmp want csv &&
	athena-query --local "$lake" -F tsv --no-header "$q" >tsv &&
	printf "x1\t\nx2\t\\\\N\n" >want && test_cmp want tsv &&
	athena-query --local "$lake" -F ndjson "$q" >nd &&
	printf "{\"id\":\"x1\",\"text\":\"\"}\n{\"id\":\"x2\",\"text\":null}\n" >want && test_cmp want nd
'

test_expect_success 'ndjson embeds struct columns as JSON and types numbers and booleans' '
	athena-query --local "$lake" -F ndjson "SELECT author, possibly_sensitive, count(*) OVER () AS n FROM tweets WHERE dt = '\''2026-11-24'\'' LIMIT 1" >nd &&
	jq -e "(.author | type) == \"object\" and (.possibly_sensitive | type) == \"boolean\" and .n == 3000" nd
'

test_expect_success 'several statements, parameters, --database and --max-rows' '
	athena-query --local "$lake" -d demo -F csv --no-header -n 2 -p "'\''zz'\''" \
		"SELECT id FROM tweets WHERE lang = ? ORDER BY id; SELECT count(*) FROM demo.tweets WHERE lang = ?" >got &&
	printf "x1\nx2\n2\n" >want && test_cmp want got
'

test_expect_success 'one meaning for --param on both engines: a literal; a bare date exits 2' '
	athena-query --local "$lake" -F csv --no-header -p "${Q}2026-11-24${Q}" \
		"SELECT count(*) FROM tweets WHERE dt = ?" >got &&
	echo 3000 >want && test_cmp want got &&
	athena-query --local "$lake" -F csv --no-header -p 2 -p TRUE -p NULL -p "DATE ${Q}2026-11-25${Q}" \
		-p "TIMESTAMP ${Q}2026-11-25 03:04:05${Q}" "SELECT ? + 1, ?, ? IS NULL, ?, ?" >got &&
	echo "3,true,true,2026-11-25,2026-11-25 03:04:05.000" >want && test_cmp want got &&
	for p in 2026-11-24 zz "${Q}zz${Q} OR 1=1" "${Q}a${Q}${Q}"; do
		test_expect_failure_status 2 athena-query --local "$lake" -p "$p" "SELECT ?" >out 2>err || return 1
		grep -q "error: --param" err || return 1
	done
'

test_expect_success 'the local engine reads the lake and nothing else: no file opened, made or written' '
	for sql in "ATTACH DATABASE ${Q}$TRASH/attached.db${Q} AS x" \
		"VACUUM INTO ${Q}$TRASH/vacuum.db${Q}" \
		"PRAGMA temp_store_directory = ${Q}$TRASH${Q}" \
		"PRAGMA writable_schema = ON" \
		"CREATE TEMP TABLE t AS SELECT 1" \
		"CREATE TEMP VIEW v AS SELECT 1" \
		"INSERT INTO tweets(id) VALUES (${Q}x${Q})" \
		"DETACH demo" "BEGIN" \
		"CREATE VIRTUAL TABLE temp.y USING tl_lake(0)"; do
		test_expect_failure_status 1 athena-query --local "$lake" "$sql" >out 2>err || return 1
		grep -q "not allowed: the local engine reads the lake and nothing else" err || { cat err; return 1; }
	done &&
	test_expect_failure_status 1 athena-query --local "$lake" "SELECT load_extension(${Q}$TRASH/x.so${Q})" 2>err &&
	grep -q "Function ${Q}load_extension${Q} is not supported offline" err &&
	test ! -e attached.db && test ! -e "$TRASH/attached.db" && test ! -e "$TRASH/vacuum.db" &&
	athena-query --local "$lake" -F csv --no-header "SHOW COLUMNS FROM tweets" >got &&
	grep -qx lang got &&
	athena-query --local "$lake" -F csv --no-header \
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT sum(x) FROM c" >got &&
	echo 6 >want && test_cmp want got &&
	athena-query --local "$lake" --explain "SELECT count(*) FROM tweets" >out 2>err
'

test_expect_success 'bad records are counted, not fatal; hidden objects are not data' '
	athena-query --local "$lake" -F csv --no-header "SELECT count(*) FROM tweets WHERE id = '\''hidden'\''" >got 2>err &&
	echo 0 >want && test_cmp want got && grep -q "1 bad records" err
'

test_expect_success 'errors: SQL error exits 1, missing catalog and Athena-only options exit 2' '
	{ athena-query --local "$lake" "SELECT nope FROM tweets" 2>err; test $? -eq 1; } &&
	grep -q "line 1, column 8: Column ${Q}nope${Q} cannot be resolved" err &&
	{ athena-query --local "$TRASH" "SELECT 1" 2>err; test $? -eq 2; } &&
	grep -q "_catalog" err &&
	{ athena-query --local "$lake" --parallel "SELECT 1" 2>err; test $? -eq 2; } &&
	{ athena-query --local "$lake" -d nosuch "SELECT 1" 2>err; test $? -eq 2; } &&
	grep -q "nosuch" err
'

test_expect_success 'a cut gzip object: its records before the cut count, a warning, exit 1' '
	mkdir -p cut/tweets/dt=2026-11-24 &&
	f=cut/tweets/dt=2026-11-24/tweets+0+00000000000000000000.json.gz &&
	tw-stream --simulate --seed 11 --max-tweets 3000 -q | gzip >"$f" &&
	glue-crawl cut/tweets --database demo --table tweets --catalog cut/_catalog -q >/dev/null &&
	head -c 20000 "$f" >f.part && mv f.part "$f" &&
	{ athena-query --local cut -F csv --no-header "SELECT count(*) FROM tweets" >got 2>err; test $? -eq 1; } &&
	grep -q "corrupt or unreadable object" err && grep -q "result is incomplete" err &&
	test "$(cat got)" -gt 0 && test "$(cat got)" -lt 3000
'

# cpu_ticks PID: the user CPU time the process has had, in clock ticks.
cpu_ticks() { awk '{ print $14 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
test_expect_success 'Ctrl-C stops a long local statement with exit 130' '
	athena-query --local "$lake" -F csv "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c" >out 2>err &
	pid=$! &&
	# once it is well into the statement (0.3 s of CPU), not merely started
	wait_for 60 "[ \$(cpu_ticks $pid) -ge 30 ]" &&
	kill -INT $pid && wait $pid; test $? -eq 130
'

test_expect_success 'output closed early: exit 141, no error message' '
	athena-query --local "$lake" -F csv "SELECT id FROM tweets" 2>err | head -n 1 >/dev/null;
	test "${PIPESTATUS[0]}" -eq 141 && ! grep -q "error" err
'
test_done
