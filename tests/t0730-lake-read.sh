#!/bin/bash
# The lake's read side, the same in every tool (lib/tl_lakeread.c): a lake root holding several
# topics is one table per topic for glue-crawl and for athena-query --local; an escaped partition
# value (src=x%2Fy) is the value "x/y" for kafka-to-s3's manifest, glue-crawl and the local
# engine; symbolic link loops end and links out of the lake are not followed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
command -v kcat >/dev/null 2>&1 || test_skip "kcat not installed"
[ -n "$test_skip_all" ] || kafka_start -b 1 -t esc:2

topics_lake() { # DIR: two topics as kafka-to-s3 lays them out, with what is not data beside
	mkdir -p "$1/tweets/dt=2026-11-25/hour=03" "$1/tweets/dt=2026-11-25/hour=04" \
		"$1/trends/dt=2026-11-25/lang=ar" "$1/trends/dt=2026-11-25/lang=en" \
		"$1/_errors/tweets/dt=2026-11-25/hour=03" "$1/.spool" &&
	echo '{"id":"1","text":"a"}' | gzip >"$1/tweets/dt=2026-11-25/hour=03/tweets+0+00000000000000000000.json.gz" &&
	echo '{"id":"2","text":"b"}' | gzip >"$1/tweets/dt=2026-11-25/hour=04/tweets+0+00000000000000000001.json.gz" &&
	echo '{"term":"x","n":3}' | gzip >"$1/trends/dt=2026-11-25/lang=ar/trends+0+00000000000000000000.json.gz" &&
	echo '{"term":"y","n":4}' | gzip >"$1/trends/dt=2026-11-25/lang=en/trends+0+00000000000000000001.json.gz" &&
	echo '{"value":"broken"}' | gzip >"$1/_errors/tweets/dt=2026-11-25/hour=03/e.json.gz" &&
	echo '{}' >"$1/.spool/x.tmp"
}

test_expect_success 'a lake root with two topics: one table per topic, each with its own partitions' '
	topics_lake lake &&
	glue-crawl --catalog lake/_catalog --database d lake >sum 2>err &&
	test "$(jq -r .table sum | tr "\n" " ")" = "d.trends d.tweets " &&
	test "$(jq -c "[.Table.PartitionKeys[].Name]" lake/_catalog/d/trends.json)" = "[\"dt\",\"lang\"]" &&
	test "$(jq -c "[.Table.PartitionKeys[].Name]" lake/_catalog/d/tweets.json)" = "[\"dt\",\"hour\"]" &&
	test "$(jq -r .Table.StorageDescriptor.Location lake/_catalog/d/tweets.json)" = "file://$TRASH/lake/tweets/" &&
	test "$(jq -c "[.Partitions[].Values]" lake/_catalog/d/trends/partitions.json)" = "[[\"2026-11-25\",\"ar\"],[\"2026-11-25\",\"en\"]]" &&
	jq -e -s "all(.[]; .objects == 2 and .records == 2 and .partitions == 2)" sum &&
	grep -q "2 topic folders (trends, tweets)" err
'

test_expect_success 'athena-query --local sees the same tables, partition values and all' '
	athena-query --local lake -F csv --no-header "SELECT term, lang FROM trends ORDER BY term" >got &&
	printf "x,ar\ny,en\n" >want && test_cmp want got &&
	athena-query --local lake -d d -F csv --no-header "SELECT id, hour FROM tweets WHERE hour = '\''04'\''" >got &&
	echo 2,04 >want && test_cmp want got
'

test_expect_success 'DDL for a lake of topics: a statement per table; --location is the root' '
	glue-crawl -q --ddl --location s3://b/raw lake >ddl.sql &&
	test "$(grep -c "^CREATE EXTERNAL TABLE" ddl.sql)" = 2 &&
	grep -q "^LOCATION .s3://b/raw/trends/.$" ddl.sql && grep -q "^LOCATION .s3://b/raw/tweets/.$" ddl.sql
'

test_expect_success '--table names one table: refused for a root of several topics (exit 2)' '
	test_expect_failure_status 2 glue-crawl --ddl --table t lake >out 2>err &&
	test ! -s out && grep -q "holds 2 topic folders" err &&
	glue-crawl -q --ddl --table t lake/tweets | grep -q "^CREATE EXTERNAL TABLE IF NOT EXISTS .default.\..t. ("
'

test_expect_success 'a table folder with plain sub-folders stays one table (partition_0...)' '
	mkdir -p np/t/2026/11 np/t/2027/01 && echo "{\"a\":1}" >np/t/2026/11/a.json &&
	echo "{\"a\":2}" >np/t/2027/01/b.json &&
	glue-crawl -q --catalog npc np/t >sum &&
	jq -e ".table == \"default.t\" and .partitions == 2" sum &&
	glue-crawl -q --catalog npc2 np >sum2 &&
	jq -e -s "length == 1 and .[0].table == \"default.np\"" sum2
'

test_expect_success '--manifest on a lake root registers each topic in its own table' '
	m() { printf "{\"url\":\"file://%s/lake/%s\",\"bucket\":null,\"key\":\"%s\",\"records\":1,\"bytes\":40,\"topic\":\"%s\",\"partition\":0}\n" "$TRASH" "$1" "$1" "${1%%/*}"; } &&
	{ m tweets/dt=2026-11-25/hour=03/tweets+0+00000000000000000000.json.gz
	  m trends/dt=2026-11-25/lang=ar/trends+0+00000000000000000000.json.gz
	  m tweets/dt=2026-11-25/hour=04/tweets+0+00000000000000000001.json.gz; } |
		glue-crawl --manifest --catalog mc --database d lake >sum 2>err &&
	test "$(jq -r .table sum | sort | tr "\n" " ")" = "d.trends d.tweets " &&
	test "$(jq -c "[.Partitions[].Values]" mc/d/tweets/partitions.json)" = "[[\"2026-11-25\",\"03\"],[\"2026-11-25\",\"04\"]]" &&
	test "$(jq -c "[.Partitions[].Values]" mc/d/trends/partitions.json)" = "[[\"2026-11-25\",\"ar\"]]"
'

# kafka-to-s3 escapes a partition value Hive's way (x/y -> x%2Fy); every reader unescapes it.
test_expect_success 'setup: kafka-to-s3 writes partition values that need escaping' '
	{ printf "k1\t{\"id\":1,\"src\":\"x/y\",\"created_at\":\"2026-11-25T03:00:00Z\"}\n"
	  printf "k2\t{\"id\":2,\"src\":\"a=b:c\",\"created_at\":\"2026-11-25T03:00:01Z\"}\n"
	  printf "k3\t{\"id\":3,\"src\":\"100%%\",\"created_at\":\"2026-11-25T03:00:02Z\"}\n"
	  printf "k4\t{\"id\":4,\"src\":\"plain\",\"created_at\":\"2026-11-25T03:00:03Z\"}\n"; } >in &&
	kcat -P -b "$KAFKA_BROKERS" -t esc -K "$(printf "\t")" -l in &&
	kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 -G esc -t esc --dest "$TRASH/el" \
		--time-field created_at --partition "src={src}/dt=%Y-%m-%d" --exit-at-end -q >manifest &&
	ls el/esc >dirs && printf "src=100%%25\nsrc=a%%3Db%%3Ac\nsrc=plain\nsrc=x%%2Fy\n" >want &&
	test_cmp want dirs
'

test_expect_success 'escaped values: the manifest, glue-crawl and athena-query --local agree' '
	jq -r ".partition_values.src" manifest | sort >m.vals &&
	printf "100%%\na=b:c\nplain\nx/y\n" >want && test_cmp want m.vals &&
	glue-crawl -q --catalog el/_catalog --database d el >sum &&
	test "$(jq -c "[.Table.StorageDescriptor.Columns[].Name]" el/_catalog/d/esc.json)" = "[\"id\",\"created_at\"]" &&
	jq -r ".Partitions[].Values[0]" el/_catalog/d/esc/partitions.json | sort >g.vals &&
	test_cmp want g.vals &&
	athena-query --local el -F csv --no-header "SELECT src FROM esc ORDER BY src" >q.vals &&
	test_cmp want q.vals &&
	athena-query --local el -F csv --no-header "SELECT id FROM esc WHERE src = '\''x/y'\''" >got 2>err &&
	echo 1 >want1 && test_cmp want1 got && grep -q "from 1 objects" err &&
	athena-query --local el -F csv --no-header "SELECT id FROM esc WHERE src = '\''a=b:c'\''" >got &&
	echo 2 >want2 && test_cmp want2 got &&
	athena-query --local el -F csv --no-header "SELECT count(*) FROM esc WHERE src = '\''x%2Fy'\''" >got &&
	echo 0 >want0 && test_cmp want0 got
'

loop_lake() { # DIR: a table whose partition folder links to itself twice, and out of the lake
	mkdir -p "$1/t/dt=1" outside/dir &&
	echo '{"a":1}' >"$1/t/dt=1/a.json" &&
	echo '{"secret":"do not read"}' >outside/secret.json && echo '{"secret":2}' >outside/dir/s.json &&
	ln -s . "$1/t/dt=1/x" && ln -s . "$1/t/dt=1/y" && ln -s .. "$1/t/dt=1/up" &&
	ln -s "$TRASH/outside/secret.json" "$1/t/dt=1/secret.json" &&
	ln -s "$TRASH/outside/dir" "$1/t/dt=2"
}

test_expect_success 'symbolic link loops: glue-crawl ends, reads each object once' '
	loop_lake sl &&
	timeout -s KILL 60 glue-crawl --catalog sl/_catalog sl/t >sum 2>err &&
	jq -e ".records == 1 and .objects == 1 and .partitions == 1 and .columns == 1 and .objects_skipped == 2" sum &&
	test "$(grep -c "a loop" err)" = 1 &&
	test "$(grep -c "a symbolic link out of the lake" err)" = 1 &&
	grep -q "2 symbolic links out of sl/t not followed" err &&
	! grep -q secret sl/_catalog/default/t.json
'

test_expect_success 'symbolic link loops: athena-query --local ends; links out of the lake are not read' '
	timeout -s KILL 60 athena-query --local sl -F csv --no-header "SELECT count(*) FROM t" >got 2>err &&
	echo 1 >want && test_cmp want got &&
	test "$(grep -c "a loop" err)" = 1 && grep -q "out of the lake" err &&
	timeout -s KILL 60 athena-query --local sl -F csv --no-header "SELECT count(*) FROM t WHERE dt = '\''2'\''" >got &&
	echo 0 >want && test_cmp want got
'

test_expect_success 'a link to a folder inside the lake is followed once' '
	mkdir -p il/t/dt=1 il/t/_store/b && echo "{\"a\":1}" >il/t/dt=1/a.json &&
	echo "{\"a\":2}" >il/t/_store/b/b.json && ln -s _store/b il/t/dt=2 &&
	glue-crawl -q --catalog il/_catalog --database d il/t >sum &&
	jq -e ".records == 2 and .objects == 2 and .partitions == 2" sum
'

test_done
