#!/bin/bash
# glue-crawl over a local lake into a local catalog: inference on real captures and on every
# type conflict (golden Glue Table JSON), re-runs, widening, bad files, DDL, projection, manifest.
. "$(dirname "$0")/lib.sh"

D=$TOP/tests/data/crawl
TW=$TWEETS
DDLCHECK="python3 $TOP/tests/helpers/hive-ddl-check.py"
# the Table without the times a write sets; sorted keys so a diff names the field
norm() { jq -S 'del(.Table.CreateTime, .Table.UpdateTime)' "$1"; }
normp() { jq -S 'del(.Partitions[].CreationTime)' "$1"; }
field() { jq -r "$2" "$1"; }

test_expect_success 'real v2 capture: Table JSON as golden, field by field' '
	mkdir -p v2 && cp "$TW/v2_stream_twarc-csv_streaming_output.jsonl" v2/ &&
	glue-crawl -q --catalog cat --database golden --table tweets_v2 \
		--location s3://golden/tweets_v2/ v2 >sum &&
	norm cat/golden/tweets_v2.json >got && test_cmp "$D/tweets-v2.table.json" got &&
	jq -e ".records == 9 and .records_bad == 0 and .objects == 1 and .created" sum
'

test_expect_success 'real v1.1 capture (gzip): golden' '
	mkdir -p v1 && gzip -c "$TW/v1.1_stream_original_format_tweet_parser_examples.jsonl" >v1/c.json.gz &&
	glue-crawl -q --catalog cat --database golden --table tweets_v1 \
		--location s3://golden/tweets_v1/ v1 >sum &&
	norm cat/golden/tweets_v1.json >got && test_cmp "$D/tweets-v1.table.json" got &&
	jq -e ".records == 25" sum
'

test_expect_success 'every type conflict, across objects and partitions: golden' '
	mkdir -p cl/conflicts/part=1 cl/conflicts/part=2 &&
	gzip -c "$D/conflicts-1.jsonl" >cl/conflicts/part=1/a.json.gz &&
	gzip -c "$D/conflicts-2.jsonl" >cl/conflicts/part=2/b.json.gz &&
	glue-crawl --catalog cat --database golden --location s3://golden/conflicts/ \
		cl/conflicts >sum 2>err &&
	norm cat/golden/conflicts.json >got && test_cmp "$D/conflicts.table.json" got &&
	normp cat/golden/conflicts/partitions.json >gotp && test_cmp "$D/conflicts.partitions.json" gotp &&
	grep -q "keys \"Name\" and \"name\" both map to column \"name\"" err &&
	grep -q "keys \"User-Name\" and \"user_name\"" err
'

test_expect_success 'the conflicts table has the lattice types a user expects' '
	t=cat/golden/conflicts.json &&
	col() { jq -r --arg c "$1" ".Table.StorageDescriptor.Columns[] | select(.Name == \$c) | .Type" $t; } &&
	test "$(col big)" = bigint && test "$(col ratio)" = double && test "$(col bigdbl)" = double &&
	test "$(col label)" = string && test "$(col flag)" = string && test "$(col obj)" = string &&
	test "$(col nothing)" = string && test "$(col later)" = int && test "$(col tags)" = "array<string>" &&
	test "$(col deep)" = "struct<l1:struct<l2:struct<l3:struct<l4:array<struct<v:bigint,w:string>>,extra:boolean>>>>" &&
	test "$(jq -r ".Table.PartitionKeys[].Type" $t | sort -u)" = string &&
	jq -r ".Table.StorageDescriptor.Columns[].Type" $t | $DDLCHECK --types
'

test_expect_success 'column order and types do not depend on --jobs' '
	for j in 1 3; do
		glue-crawl -q --jobs $j --catalog cat$j --database g --location s3://x/y/ cl/conflicts >/dev/null &&
		norm cat$j/g/conflicts.json >j$j || return 1
	done &&
	test_cmp j1 j3
'

test_expect_success 're-run is a no-op: the table file is untouched' '
	cp cat/golden/conflicts.json before &&
	glue-crawl -q --catalog cat --database golden --location s3://golden/conflicts/ cl/conflicts >sum &&
	cmp before cat/golden/conflicts.json &&
	jq -e ".changed == false and .created == false and .partitions_added == 0 and .partitions_existing == 2" sum
'

test_expect_success 'new fields widen the table; new partitions are added once' '
	mkdir -p cl/conflicts/part=3 &&
	echo "{\"id\":5000000000,\"fresh\":{\"a\":true},\"deep\":{\"l1\":{\"z\":1}}}" >cl/conflicts/part=3/c.json &&
	glue-crawl -q --catalog cat --database golden --location s3://golden/conflicts/ cl/conflicts >sum &&
	jq -e ".columns_added == [\"fresh\"] and (.columns_widened | sort) == [\"deep\",\"id\"] and .partitions_added == 1 and .partitions_existing == 2 and .partitions_updated == 2" sum &&
	test "$(field cat/golden/conflicts.json ".Table.StorageDescriptor.Columns[0].Type")" = bigint &&
	test "$(field cat/golden/conflicts.json ".Table.VersionId")" = 1 &&
	field cat/golden/conflicts.json ".Table.StorageDescriptor.Columns[-1].Name" | grep -qx fresh &&
	test "$(jq ".Partitions | length" cat/golden/conflicts/partitions.json)" = 3 &&
	test "$(jq "[.Partitions[].StorageDescriptor.Columns[0].Type] | unique" -c cat/golden/conflicts/partitions.json)" = "[\"bigint\"]" &&
	glue-crawl -q --catalog cat --database golden --location s3://golden/conflicts/ cl/conflicts >sum &&
	jq -e ".partitions_added == 0 and .changed == false" sum
'

test_expect_success 'columns never narrow without --replace; --replace redefines' '
	rm -rf cl/conflicts/part=3 &&
	glue-crawl -q --catalog cat --database golden --location s3://golden/conflicts/ cl/conflicts >sum &&
	jq -e ".columns_added == [] and .columns_widened == []" sum &&
	field cat/golden/conflicts.json ".Table.StorageDescriptor.Columns[].Name" | grep -qx fresh &&
	test "$(field cat/golden/conflicts.json ".Table.StorageDescriptor.Columns[0].Type")" = bigint &&
	glue-crawl -q --replace --catalog cat --database golden --location s3://golden/conflicts/ cl/conflicts >sum &&
	jq -e ".changed == true and .columns_widened == [\"id\",\"deep\"]" sum &&
	! field cat/golden/conflicts.json ".Table.StorageDescriptor.Columns[].Name" | grep -qx fresh &&
	test "$(field cat/golden/conflicts.json ".Table.StorageDescriptor.Columns[0].Type")" = int
'

test_expect_success 'bad files are counted, never fatal; exit 1 says something was skipped' '
	L=bad/t/dt=2026-11-25/hour=03 && mkdir -p $L bad/t/dt=2026-11-25/.hidden &&
	printf "{\"a\":1}\n{\"a\":\nnot json\n[1]\n{\"a\":2}" | gzip >$L/good.json.gz &&
	echo "{\"a\":1}" >$L/notgzip.json.gz &&
	printf "{\"b\":1}\n" | gzip | head -c 20 >$L/cut.json.gz &&
	: >$L/empty.json && echo "{\"c\":1}" >$L/_SUCCESS && echo "{\"c\":1}" >$L/.tmp.json &&
	echo "{\"d\":1}" | gzip >$L/gz-without-suffix.json &&
	echo "{\"e\":1}" >bad/t/dt=2026-11-25/.hidden/x.json &&
	test_expect_failure_status 1 glue-crawl --catalog cat --database d bad/t >sum 2>err &&
	jq -e ".ok and .records == 3 and .records_bad == 3 and .objects == 5 and .objects_bad == 3 and .objects_empty == 1 and .objects_skipped == 3 and .columns == 2" sum &&
	grep -q "good.json.gz:2: skipping a bad record" err &&
	grep -q "notgzip.json.gz: not in gzip format" err &&
	grep -q "cut.json.gz: truncated gzip stream" err &&
	grep -q "without a .gz suffix" err &&
	test "$(jq -c "[.Table.StorageDescriptor.Columns[].Name]" cat/d/t.json)" = "[\"b\",\"a\"]"
'

test_expect_success 'a lake with no records is an error, nothing written' '
	mkdir -p nothing/t/x=1 && : >nothing/t/x=1/e.json &&
	test_expect_failure_status 1 glue-crawl -q --catalog cat2 nothing/t >sum &&
	test ! -e cat2/default/t.json
'

test_expect_success '--ddl prints CREATE EXTERNAL TABLE that a Hive grammar accepts' '
	glue-crawl -q --ddl --database golden --location s3://golden/conflicts/ cl/conflicts >ddl.sql &&
	$DDLCHECK ddl.sql &&
	grep -q "^CREATE EXTERNAL TABLE IF NOT EXISTS \`golden\`.\`conflicts\` ($" ddl.sql &&
	grep -q "^ROW FORMAT SERDE .org.openx.data.jsonserde.JsonSerDe.$" ddl.sql &&
	grep -q "^  .paths.=.Name,User-Name,arr," ddl.sql &&
	grep -q "^  .mapping.user_name.=.User-Name.,*$" ddl.sql &&
	grep -q "^PARTITIONED BY ($" ddl.sql && grep -q "^  \`part\` string$" ddl.sql &&
	grep -q "^LOCATION .s3://golden/conflicts/.$" ddl.sql &&
	grep -q "^  .compressionType.=.gzip.,$" ddl.sql &&
	glue-crawl -q --ddl "$TW/../tweets" >ddl2.sql 2>/dev/null; $DDLCHECK ddl2.sql
'

test_expect_success 'the DDL checker itself refuses broken DDL' '
	sed "s/array<string>/array<string/" ddl.sql >b1.sql && ! $DDLCHECK b1.sql 2>/dev/null &&
	sed "s/\`later\`/_later/" ddl.sql >b2.sql && ! $DDLCHECK b2.sql 2>/dev/null &&
	sed "s/\`user_name\` string/\`user_name\` strung/" ddl.sql >b3.sql && ! $DDLCHECK b3.sql 2>/dev/null &&
	sed "0,/string/s//struct<>/" ddl.sql >b4.sql && ! $DDLCHECK b4.sql 2>/dev/null &&
	sed "s/^LOCATION .*/LOCATION s3:x/" ddl.sql >b5.sql && ! $DDLCHECK b5.sql 2>/dev/null
'

test_expect_success '--dry-run reports and changes nothing' '
	cp cat/golden/conflicts.json before && cp cat/golden/conflicts/partitions.json beforep &&
	mkdir -p cl/conflicts/part=9 && echo "{\"zz\":1}" >cl/conflicts/part=9/z.json &&
	glue-crawl --dry-run --catalog cat --database golden --location s3://golden/conflicts/ cl/conflicts >sum 2>err &&
	jq -e ".dry_run and .columns_added == [\"zz\"] and .partitions_added == 1" sum &&
	grep -q "would be: column zz added" err &&
	glue-crawl -q --dry-run --catalog cat --database golden --location s3://golden/conflicts/ cl/conflicts >/dev/null &&
	cmp before cat/golden/conflicts.json && cmp beforep cat/golden/conflicts/partitions.json &&
	rm -rf cl/conflicts/part=9
'

test_expect_success '--projection writes Athena partition projection, registers nothing' '
	mkdir -p pl/t/dt=2026-11-24/hour=23 pl/t/dt=2026-11-25/hour=03 &&
	echo "{\"a\":1}" | gzip >pl/t/dt=2026-11-24/hour=23/x.json.gz &&
	echo "{\"a\":2}" | gzip >pl/t/dt=2026-11-25/hour=03/y.json.gz &&
	glue-crawl -q --projection --catalog cat --database p --location s3://b/p/t pl/t >sum &&
	jq -e ".partitions == 2 and .partitions_added == 0" sum && test ! -e cat/p/t/partitions.json &&
	P=".Table.Parameters" &&
	test "$(field cat/p/t.json "$P[\"projection.enabled\"]")" = true &&
	test "$(field cat/p/t.json "$P[\"projection.dt.type\"]")" = date &&
	test "$(field cat/p/t.json "$P[\"projection.dt.range\"]")" = "2026-11-24,NOW" &&
	test "$(field cat/p/t.json "$P[\"projection.dt.format\"]")" = yyyy-MM-dd &&
	test "$(field cat/p/t.json "$P[\"projection.hour.type\"]")" = integer &&
	test "$(field cat/p/t.json "$P[\"projection.hour.range\"]")" = "0,23" &&
	test "$(field cat/p/t.json "$P[\"projection.hour.digits\"]")" = 2 &&
	test "$(field cat/p/t.json "$P[\"storage.location.template\"]")" = "s3://b/p/t/dt=\${dt}/hour=\${hour}/" &&
	glue-crawl -q --projection --ddl --location s3://b/p/t pl/t | $DDLCHECK
'

test_expect_success 'plain folders become partition_0...; other layouts are skipped' '
	mkdir -p np/t/2026/11 np/t/2026/12 np/t/odd && echo "{\"a\":1}" >np/t/2026/11/a.json &&
	echo "{\"a\":1}" >np/t/2026/12/b.json && echo "{\"a\":1}" >np/t/odd/c.json &&
	glue-crawl --catalog cat --database n np/t >sum 2>err &&
	test "$(jq -c "[.Table.PartitionKeys[].Name]" cat/n/t.json)" = "[\"partition_0\",\"partition_1\"]" &&
	test "$(jq -c "[.Partitions[].Values]" cat/n/t/partitions.json)" = "[[\"2026\",\"11\"],[\"2026\",\"12\"]]" &&
	test "$(field cat/n/t/partitions.json ".Partitions[1].StorageDescriptor.Location")" = "file://$TRASH/np/t/2026/12/" &&
	grep -q "skipping odd/c.json: its folders do not follow the layout" err &&
	jq -e ".objects == 2 and .objects_skipped == 1" sum
'

test_expect_success 'sample mode reads the start of each object; --full reads all' '
	mkdir -p sm/t && { for i in $(seq 1 3000); do echo "{\"n\":$i,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"; done;
		echo "{\"n\":1,\"late\":true}"; } | gzip >sm/t/a.json.gz &&
	glue-crawl -q --sample 64k --ddl sm/t >s.sql && ! grep -q late s.sql &&
	glue-crawl -q --full --ddl sm/t >f.sql && grep -q "\`late\` boolean" f.sql &&
	glue-crawl -q --sample 64k --catalog cat sm/t >sum &&
	jq -e ".records < 3000 and .records > 500" sum &&
	rc=$(field cat/default/t.json ".Table.Parameters.recordCount") &&
	test "$rc" -gt 2500 && test "$rc" -lt 3500
'

test_expect_success '--timestamps types ISO 8601 strings as timestamp' '
	glue-crawl -q --timestamps --ddl v2 >ts.sql &&
	grep -q "\`created_at\`:timestamp" ts.sql && $DDLCHECK ts.sql &&
	glue-crawl -q --ddl v2 | grep -q "\`created_at\`:string"
'

test_expect_success '--manifest registers partitions as kafka-to-s3 reports objects' '
	M=ml/tweets && mkdir -p $M/dt=2026-11-25/hour=03 $M/dt=2026-11-25/hour=04 &&
	echo "{\"id\":\"1\",\"n\":1}" | gzip >$M/dt=2026-11-25/hour=03/tweets+0+00000000000000000000.json.gz &&
	echo "{\"id\":\"2\",\"n\":2}" | gzip >$M/dt=2026-11-25/hour=03/tweets+1+00000000000000000000.json.gz &&
	echo "{\"id\":\"3\",\"n\":3.5,\"new\":\"x\"}" | gzip >$M/dt=2026-11-25/hour=04/tweets+0+00000000000000000001.json.gz &&
	line() { printf "{\"url\":\"file://%s/%s\",\"bucket\":null,\"key\":\"%s\",\"records\":1,\"bytes\":40,\"topic\":\"tweets\",\"partition\":0,\"first_offset\":0,\"last_offset\":0,\"partition_values\":{\"dt\":\"2026-11-25\",\"hour\":\"%s\"}}\n" "$TRASH/$M" "$1" "tweets/$1" "$2"; } &&
	{ line dt=2026-11-25/hour=03/tweets+0+00000000000000000000.json.gz 03
	  line dt=2026-11-25/hour=03/tweets+1+00000000000000000000.json.gz 03; } |
		glue-crawl --manifest --catalog cat --database m $M >sum 2>err &&
	jq -e ".created and .partitions_added == 1 and .objects == 2 and .records == 2" sum &&
	test "$(jq -c "[.Table.StorageDescriptor.Columns[].Type]" cat/m/tweets.json)" = "[\"string\",\"int\"]" &&
	{ line dt=2026-11-25/hour=03/tweets+1+00000000000000000000.json.gz 03
	  line dt=2026-11-25/hour=04/tweets+0+00000000000000000001.json.gz 04
	  echo "{\"url\":\"file:///elsewhere/x.json.gz\"}"; echo "garbage"; } |
		test_expect_failure_status 1 glue-crawl --manifest --catalog cat --database m $M >sum 2>err &&
	jq -e ".created == false and .partitions_added == 1 and .partitions_existing == 1 and .columns_added == [\"new\"] and .columns_widened == [\"n\"] and .manifest_lines_bad == 2" sum &&
	test "$(jq -c "[.Table.StorageDescriptor.Columns[].Type]" cat/m/tweets.json)" = "[\"string\",\"double\",\"string\"]" &&
	test "$(jq -c "[.Partitions[].Values]" cat/m/tweets/partitions.json)" = "[[\"2026-11-25\",\"03\"],[\"2026-11-25\",\"04\"]]" &&
	test "$(jq -r ".Table.Parameters.recordCount // \"none\"" cat/m/tweets.json)" = none &&
	grep -q "is not under" err
'

test_expect_success 'hostile keys: DDL that Hive and Trino cut alike, the same keys as in Glue JSON' '
	mkdir -p hk/t && python3 "$TOP/tests/helpers/hostile-keys.py" records >hk/t/a.json &&
	glue-crawl --ddl --database hostile hk/t >hk.sql 2>err1 &&
	glue-crawl --catalog hkcat --database hostile hk/t >sum 2>err2 &&
	python3 "$TOP/tests/helpers/hostile-keys.py" check hk.sql hkcat/hostile/t.json &&
	$DDLCHECK hk.sql &&
	test $(grep -c "left out of the table" err1) -eq 3 &&
	grep -q "(248 bytes) is longer than the 247 bytes" err1 &&
	grep -q "key \"nul\\\\u0000...\" holds a NUL character" err1 &&
	grep -qF "keys \"esc\\x1B[2J\\x1B]0;owned\\x07\" and \"esc_[2J_]0;owned_\"" err1 &&
	! grep -q "$(printf "\\033")" err1 && ! grep -q "$(printf "\\033")" err2 &&
	! grep -q "$(printf "\\033")" hk.sql
'

test_expect_success 'hostile keys through --manifest: left out at each flush, warned once' '
	line() { printf "{\"url\":\"file://%s/hk/t/%s\",\"bucket\":null,\"key\":\"t/%s\",\"records\":1,\"bytes\":9,\"topic\":\"t\",\"partition\":0,\"first_offset\":0,\"last_offset\":0,\"partition_values\":{}}\n" "$TRASH" "$1" "$1"; } &&
	python3 "$TOP/tests/helpers/hostile-keys.py" records >hk/t/b.json &&
	{ line a.json; sleep 1; line b.json; } | glue-crawl --manifest --catalog hkm --database hostile hk/t >sum 2>err &&
	test $(grep -c "left out of the table" err) -eq 3 &&
	test "$(jq "[.Table.StorageDescriptor.Columns[].Name | select(length > 247 or test(\"^nul\"))] | length" hkm/hostile/t.json)" = 0
'

test_expect_success 'usage errors exit 2' '
	test_expect_failure_status 2 glue-crawl 2>/dev/null &&
	test_expect_failure_status 2 glue-crawl --bogus x 2>/dev/null &&
	test_expect_failure_status 2 glue-crawl --ddl --catalog c x 2>/dev/null &&
	test_expect_failure_status 2 glue-crawl --sample nope x 2>/dev/null &&
	test_expect_failure_status 2 glue-crawl --full --sample 1M x 2>err &&
	grep -q -- "--full and --sample do not go together" err &&
	test_expect_failure_status 2 glue-crawl --sample 1M --full x 2>/dev/null &&
	test_expect_failure_status 2 glue-crawl --crawler c --create x 2>/dev/null &&
	test_expect_failure_status 2 glue-crawl --catalog c /nonexistent/lake 2>/dev/null
'

test_expect_success 'the man page SYNOPSIS matches --help, and lints clean' '
	glue-crawl --help >help &&
	sed -n "/^usage: /,/^$/p" help | sed "s/^usage: //; s/^ *//" | tr -s " \t\n" " " >h1 &&
	mandoc -T ascii -O width=200 "$TOP/man/glue-crawl.1" | col -bx |
		sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" | sed "1d;\$d" | sed "s/^ *//" | tr -s " \t\n" " " >h2 &&
	test_cmp h1 h2 &&
	mandoc -Tlint -W warning "$TOP/man/glue-crawl.1"
'

test_done
