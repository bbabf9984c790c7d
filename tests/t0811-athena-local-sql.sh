#!/bin/bash
# athena-query --local speaks Athena's SQL (Trino), and every example in examples/sql/ (and
# examples/athena-query.sql) runs on it unchanged: struct fields with dots, UNNEST (rows become
# columns, WITH ORDINALITY, LEFT JOIN ... ON true), lambdas, arrays, dates and time zones, Java
# regexes, Athena's aggregates, casts and try, decimals, Trino's NULL order; each case's answer
# is checked against Python computing it from the same records (tests/helpers/athena-sql-oracle.py).
# Partition pruning with IN and BETWEEN, and clear errors for what is not supported offline.
. "$(dirname "$0")/lib.sh"
CAP=$TWEETS/v2_stream_twarc-csv_streaming_output.jsonl
ORACLE="python3 $TOP/tests/helpers/athena-sql-oracle.py"
Q="'"

lake=$TRASH/lake
for p in "2026-11-24 23 11" "2026-11-25 00 12" "2026-11-25 01 13" "2026-11-26 00 14"; do
	set -- $p
	mkdir -p "$lake/tweets/dt=$1/hour=$2"
	tw-stream --simulate --seed "$3" --max-tweets 700 --backdate 2d -q | tw-sentiment -q |
		gzip >"$lake/tweets/dt=$1/hour=$2/tweets+0+00000000000000000000.json.gz"
done
[ -f "$CAP" ] || { echo "missing $CAP" >&2; exit 1; }
tw-stream --replay "$CAP" --speed 0 -q >"$lake/tweets/dt=2026-11-25/hour=01/tweets+1+00000000000000000000.json"
glue-crawl "$lake/tweets" --database demo --table tweets --catalog "$lake/_catalog" -q >/dev/null

for name in $($ORACLE --list); do
	test_expect_success "Athena SQL offline: $name equals Python over the records" '
		$ORACLE --sql '"$name"' >q.sql &&
		args=() && while read -r p; do args+=(-p "$p"); done < <($ORACLE --params '"$name"') &&
		athena-query --local "$lake" -F csv --no-header "${args[@]}" -f q.sql >got &&
		$ORACLE --want '"$name"' "$lake" >want &&
		test_cmp want got &&
		test -s got
	'
done

test_expect_success 'every query in examples/sql/ is one of the cases checked above' '
	$ORACLE --list >cases &&
	missing=$(for f in "$TOP"/examples/sql/*.sql; do
		grep -qx "example-$(basename "$f" .sql)" cases || echo "$f"
	done) &&
	test "$(ls "$TOP"/examples/sql/*.sql | wc -l)" -ge 6 &&
	{ test -z "$missing" || { echo "no check for: $missing"; false; }; }
'

test_expect_success 'the new user'\''s two queries: dots and UNNEST answer instead of failing' '
	athena-query --local "$lake" -F csv "SELECT author.username, count(*) FROM tweets GROUP BY 1" >got &&
	head -n 1 got >h && echo "username,_col1" >want && test_cmp want h &&
	test "$(wc -l <got)" -gt 100 &&
	athena-query --local "$lake" -F csv --no-header \
		"SELECT count(*) FROM tweets CROSS JOIN UNNEST(entities.hashtags) AS t (s, e, tag)" >got &&
	zcat -f "$lake"/tweets/*/*/tweets+* | jq -s "map(.entities.hashtags // [] | length) | add" >want &&
	test_cmp want got
'

# objects LAKE SQL: the number of objects the statement opened (its summary on stderr)
objects() {
	athena-query --local "$1" -F csv --no-header "$2" 2>err >out || { cat err; return 1; }
	sed -n "s/.* from \([0-9]*\) objects.*/\1/p" err
}
test_expect_success 'IN lists and ranges on partition columns prune folders before opening objects' '
	test "$(objects "$lake" "SELECT count(*) FROM tweets WHERE dt IN (${Q}2026-11-24${Q}, ${Q}2026-11-26${Q})")" = 2 &&
	echo 1400 >want && test_cmp want out &&
	test "$(objects "$lake" "SELECT count(*) FROM tweets WHERE dt BETWEEN ${Q}2026-11-25${Q} AND ${Q}2026-11-26${Q}")" = 4 &&
	test "$(objects "$lake" "SELECT count(*) FROM tweets WHERE dt >= ${Q}2026-11-25${Q} AND dt < ${Q}2026-11-26${Q} AND hour IN (${Q}00${Q})")" = 1 &&
	echo 700 >want && test_cmp want out &&
	test "$(objects "$lake" "SELECT count(*) FROM tweets WHERE dt IN (${Q}2026-12-01${Q})")" = 0 &&
	echo 0 >want && test_cmp want out &&
	test "$(objects "$lake" "SELECT count(*) FROM tweets")" = 5
'

test_expect_success 'IN on a partition column walks the folders once, whatever the list length' '
	athena-query --local "$lake" -F csv --no-header \
		"SELECT count(*) FROM tweets WHERE dt IN (${Q}2026-11-24${Q}, ${Q}2026-11-25${Q}, ${Q}2026-11-26${Q}, ${Q}2026-11-27${Q})" 2>err &&
	grep -q "from 5 objects (.*), 0 pruned" err
'

# Each: SQL, then the words the error must hold (after "line L, column C: ").
while IFS="|" read -r sql words; do
	[ -n "$sql" ] || continue
	test_expect_success "not supported offline, said clearly: $words" '
		test_expect_failure_status 1 athena-query --local "$lake" "$sql" 2>err &&
		grep -q "error: statement 1: line [0-9]*, column [0-9]*: .*$words" err &&
		! grep -q "near \"" err && ! grep -qi "syntax error" err
	'
done <<-'EOF'
	SELECT lang, count(*) FROM tweets GROUP BY GROUPING SETS ((lang), ())|GROUPING SETS are not supported offline
	SELECT * FROM tweets TABLESAMPLE BERNOULLI (10)|TABLESAMPLE is not supported offline
	SELECT * FROM tweets, LATERAL (SELECT 1)|LATERAL is not supported offline
	SELECT lag(lang) IGNORE NULLS OVER (ORDER BY id) FROM tweets|IGNORE NULLS is not supported offline
	SELECT CAST(created_at AS time) FROM tweets|the time type is not supported offline
	SELECT `lang` FROM tweets|backquoted names are not Trino's
	INSERT INTO tweets SELECT * FROM tweets|INSERT is not allowed: the local engine reads the lake and nothing else
	SELECT sum(x ORDER BY x) FROM (VALUES 1) AS t (x)|ORDER BY inside an aggregate is supported offline in array_agg only
	SELECT no_such_function(lang) FROM tweets|Function 'no_such_function' is not supported offline
	SELECT lang FROM tweets WHERE hour = 3|Cannot apply operator: varchar = integer
	SELECT author.nosuch FROM tweets|Column 'author.nosuch' cannot be resolved
	SELECT h.end FROM tweets CROSS JOIN UNNEST(entities.hashtags) AS h|'end' is a reserved word: quote it
	SELECT count(*) FROM tweets WHERE|expected an expression, found the end of the statement
	SELECT lang FROM tweets GROUP BY CUBE (lang)|CUBE is not supported offline
	SELECT corr(1, 2)|the aggregate corr is not supported offline
	SELECT lang, text FROM tweets GROUP BY lang|'text' must be an aggregate expression or appear in GROUP BY clause
	SELECT lang, count(*) FROM tweets|'lang' must be an aggregate expression or appear in GROUP BY clause
	SELECT lang FROM tweets GROUP BY lang ORDER BY id|'id' must be an aggregate expression or appear in GROUP BY clause
EOF

test_expect_success 'long chains of operators run; nesting deeper than SQLite reads is said so' '
	sum=$(for i in $(seq 300); do printf "1 + "; done) &&
	ors=$(for i in $(seq 300); do printf "OR lang = ${Q}x$i${Q} "; done) &&
	athena-query --local "$lake" -F csv --no-header "SELECT ${sum}1, count_if(1 = 0 $ors) FROM tweets" >got &&
	echo "301,0" >want && test_cmp want got &&
	deep=$(for i in $(seq 60); do printf "abs("; done) && close=$(for i in $(seq 60); do printf ")"; done) &&
	test_expect_failure_status 1 athena-query --local "$lake" "SELECT ${deep}1$close" 2>err &&
	grep -q "nests too deeply for the local engine" err && ! grep -q "stack overflow" err
'

test_expect_success 'errors at run time are Trino'\''s: division by zero, a bad cast, a bad regex, bad JSON; try() and TRY_CAST make them NULL' '
	test_expect_failure_status 1 athena-query --local "$lake" "SELECT 1 / (count(*) - count(*)) FROM tweets" 2>err &&
	grep -q "Division by zero" err &&
	test_expect_failure_status 1 athena-query --local "$lake" "SELECT CAST(lang AS bigint) FROM tweets" 2>err &&
	grep -q "Cannot cast VARCHAR ${Q}[a-z-]*${Q} to BIGINT" err &&
	test_expect_failure_status 1 athena-query --local "$lake" "SELECT regexp_extract(lang, ${Q}(${Q}) FROM tweets" 2>err &&
	grep -q "invalid regular expression ${Q}(${Q}: missing closing parenthesis (at character 1)" err &&
	test_expect_failure_status 1 athena-query --local "$lake" "SELECT json_parse(${Q}{\"a\": tru}${Q})" 2>err &&
	grep -q "Cannot convert value to JSON: ${Q}{\"a\": tru}${Q} (unexpected character at byte 7)" err &&
	athena-query --local "$lake" -F csv --no-header "SELECT try(1 / 0), TRY_CAST(${Q}x${Q} AS bigint), try(CAST(${Q}x${Q} AS double))" >got &&
	echo ",," >want && test_cmp want got
'

test_expect_success 'EXPLAIN shows the plan of the rewriting; -v shows the SQLite statement' '
	athena-query --local "$lake" --explain "SELECT count(*) FROM tweets WHERE dt = ${Q}2026-11-25${Q}" >out 2>err &&
	grep -q "SCAN" out &&
	athena-query --local "$lake" -v -F csv "SELECT author.username FROM tweets LIMIT 1" >out 2>err &&
	grep -q "local engine: SELECT tl_field(" err
'

test_expect_success 'SHOW TABLES, SHOW COLUMNS and DESCRIBE answer from the catalog' '
	athena-query --local "$lake" -F csv --no-header "SHOW TABLES" >got &&
	echo tweets >want && test_cmp want got &&
	athena-query --local "$lake" -F csv --no-header "DESCRIBE tweets" >got &&
	grep -q "^sentiment,\"struct<compound:double,pos:double,neu:double,neg:double>\",\"\"$" got &&
	grep -q "^dt,string," got
'
test_done
