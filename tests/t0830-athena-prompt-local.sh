#!/bin/bash
# athena-query's prompt on a real terminal (tmux), over the local engine: statements over
# several lines, completion from the catalog, \d, \chart, the pager, Ctrl-C (a line, a running
# statement), the history file, Ctrl-D and SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-tmux.sh"
command -v jq >/dev/null 2>&1 || test_skip "jq not installed"

lake=$TRASH/lake
mkdir -p "$lake/tweets/dt=2026-11-24/hour=23"
tw-stream --simulate --seed 11 --max-tweets 3000 --backdate 1h -q | gzip \
	>"$lake/tweets/dt=2026-11-24/hour=23/tweets+0+00000000000000000000.json.gz"
glue-crawl "$lake/tweets" --database demo --table tweets --catalog "$lake/_catalog" -q >/dev/null
zcat "$lake"/tweets/*/*/*.gz >"$TRASH/all.json"
export HOME=$TRASH XDG_STATE_HOME=$TRASH/state
unset PAGER ATHENA_QUERY_HISTORY NO_COLOR

# count LANG: tweets in that language, by jq
count() { jq -r "select(.lang == \"$1\") | .id" "$TRASH/all.json" | wc -l; }
# the pid of the program in the terminal (the pane runs "sh -c 'athena-query ...; echo $?'")
aq_pid() { pgrep -P "$(term display-message -p '#{pane_pid}')" -x athena-query; }
cpu_ticks() { awk '{ print $14 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

test_expect_success 'a statement over two lines runs at ";" and prints a table' '
	term_start "athena-query --local lake" &&
	term_idle "local>" &&
	term_type "SELECT lang, count(*) AS n" && term_key Enter &&
	term_idle "    ->" &&
	term_type "FROM tweets WHERE lang IN ('\''en'\'', '\''ja'\'') GROUP BY 1 ORDER BY 1;" && term_key Enter &&
	term_wait "^ ja +\| +$(count ja)\$" &&
	term_wait "^ en +\| +$(count en)\$" &&
	term_wait "local: 2 rows" &&
	term_idle "local>"
'

test_expect_success 'Tab completes keywords, tables, columns and struct fields from the catalog' '
	term_type "sel" && term_key Tab &&
	term_wait "^local> select$" &&
	term_type "* from tw" && term_key Tab &&
	term_wait "^local> select \* from tweets\$" &&
	term_type "where public_metrics.lik" && term_key Tab &&
	term_wait "^local> select \* from tweets where public_metrics\.like_count\$" &&
	term_type "and auth" && term_key Tab &&
	term_wait "public_metrics\.like_count and author\$" &&
	term_key Tab &&
	term_wait "^author +author_id" &&
	term_key C-c &&
	term_idle "local>"
'

test_expect_success '\d lists the tables, \d TABLE shows columns and partition keys' '
	term_type "\\d" && term_key Enter &&
	n=$(jq ".Table.StorageDescriptor.Columns | length" "$lake/_catalog/demo/tweets.json") &&
	term_wait "^ demo +\| tweets +\| $n +\| dt, hour +\| file://" &&
	term_idle "local>" &&
	term_type "\\d tweets" && term_key Enter &&
	term_wait "^ author +\| struct<id:string,name:string,username:string" &&
	term_wait "^ hour +\| string +\| yes" &&
	term_wait "demo\.tweets at file://" &&
	term_idle "local>" &&
	term_type "\\d nosuch" && term_key Enter &&
	term_wait "no table nosuch" &&
	term_idle "local>"
'

test_expect_success '\chart bar draws the last result within the terminal, \chart line FILE writes SVG' '
	term_type "SELECT lang, count(*) AS n FROM tweets GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5;" && term_key Enter &&
	term_wait "local: 5 rows" && term_idle "local>" &&
	term_type "\\chart bar" && term_key Enter &&
	term_wait "^n by lang\$" &&
	term_wait "^en +│█+[▏▎▍▌▋▊▉]? $(count en)\$" &&
	term_wait "^ +└─+┬" &&
	term_idle "local>" &&
	term_screen | sed -n "/^n by lang\$/,/^ *0 /p" >chart &&
	test_line_count = 8 chart &&
	python3 -c "import sys; w=max(len(l.rstrip(\"\\n\")) for l in open(\"chart\", encoding=\"utf-8\")); sys.exit(not 100 < w <= 120)" &&
	term_type "\\chart line $TRASH/lang.svg" && term_key Enter &&
	term_wait "chart written to" &&
	grep -q "<polyline" "$TRASH/lang.svg" &&
	term_type "\\chart pie" && term_key Enter &&
	term_wait "chart bar or .chart line" &&
	term_idle "local>"
'

test_expect_success 'Ctrl-C at the prompt drops the line and the statement begun' '
	term_type "SELECT 1," && term_key Enter &&
	term_idle "    ->" &&
	term_type "2" && term_key C-c &&
	term_idle "local>" &&
	term_type "SELECT 3 AS x;" && term_key Enter &&
	term_wait "^ x\$" && term_wait "^ 3\$" &&
	term_idle "local>"
'

test_expect_success 'a result taller than the terminal goes through the pager (less -S), a short one does not' '
	term_type "SELECT id FROM tweets ORDER BY id LIMIT 100;" && term_key Enter &&
	term_wait "^:\$|\(END\)" &&
	! term_screen | grep -q "local: 100 rows" &&
	term_key q &&
	term_wait "local: 100 rows" &&
	term_idle "local>" &&
	term_type "SELECT 42 AS answer;" && term_key Enter &&
	term_wait "^ +42\$" &&
	term_idle "local>"
'

test_expect_success 'Ctrl-C cancels a running statement and the prompt comes back' '
	term_type "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;" &&
	term_key Enter &&
	pid=$(aq_pid) && test -n "$pid" &&
	wait_for 60 "[ \$(cpu_ticks $pid) -ge 30 ]" &&
	term_key C-c &&
	term_wait "athena-query: cancelled" &&
	term_idle "local>" &&
	term_type "SELECT 7 AS seven;" && term_key Enter &&
	term_wait "^ +7\$" && term_idle "local>"
'

test_expect_success 'Ctrl-D leaves with status 0; the history file is private' '
	term_key C-d &&
	test "$(term_status)" = 0 &&
	test -f state/athena-query/history &&
	test "$(stat -c %a state/athena-query/history)" = 600 &&
	grep -qF "SELECT\\040lang,\\040count(*)\\040AS\\040n\\012FROM" state/athena-query/history &&
	grep -qxF "\\134d\\040tweets" state/athena-query/history
'

test_expect_success 'statements come back with Up after a restart; \q leaves with 0' '
	term_start "athena-query --local lake -d demo" &&
	term_idle "demo>" &&
	term_key Up &&
	term_wait "^demo> SELECT 7 AS seven;\$" &&
	term_key Up Up &&
	term_wait "^demo> SELECT 42 AS answer;\$" &&
	term_key C-c && term_idle "demo>" &&
	term_type "\\q" && term_key Enter &&
	test "$(term_status)" = 0
'

test_expect_success 'a pager that writes elsewhere gets the whole result; an unfinished statement at Ctrl-D is said' '
	term_start "PAGER='\''cat >paged.txt'\'' athena-query --local lake --no-stats" &&
	term_idle "local>" &&
	term_type "SELECT id FROM tweets ORDER BY id LIMIT 60;" && term_key Enter &&
	wait_file paged.txt && term_idle "local>" &&
	test_line_count = 62 paged.txt &&
	jq -r .id "$TRASH/all.json" | sort | head -n 60 >want &&
	tail -n 60 paged.txt | tr -d " " >got && test_cmp want got &&
	term_type "SELECT" && term_key Enter && term_idle "    ->" &&
	term_key C-d &&
	term_wait "the unfinished statement was not run" &&
	test "$(term_status)" = 0
'

test_expect_success 'SIGTERM at the prompt leaves with 143' '
	term_start "athena-query --local lake" &&
	term_idle "local>" &&
	pid=$(aq_pid) && kill -TERM "$pid" &&
	test "$(term_status)" = 143
'

test_expect_success 'without a terminal on stdin there is no prompt: the SQL is read from stdin' '
	echo "SELECT 5 AS five;" | athena-query --local "$lake" -F csv --no-stats >out &&
	printf "five\n5\n" >want && test_cmp want out
'
test_done
