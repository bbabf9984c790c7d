#!/bin/bash
# kafka-to-s3 into a local lake, from the mock Kafka cluster: layout, contents, bad records,
# restarts, SIGTERM, usage errors.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
. "$TOP/tests/lib-tos3.sh"
kafka_start -b 1 -t tw:4 -t more:2 -t langs:2 -t meta:1 -t hostile:2

K2S() { kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 "$@"; }

test_expect_success 'setup: 2000 records with times in several forms, some bad' '
	tos3_gen 2000 >in &&
	tos3_produce tw in &&
	tos3_dump tw >"$TRASH/dump" &&
	test $(wc -l <"$TRASH/dump") -eq 2000
'
test_expect_success 'round trip: every record in exactly one object, named and partitioned as specified' '
	K2S -G g1 -t tw --dest "$TRASH/lake" --time-field created_at --exit-at-end \
		>"$TRASH/manifest" 2>err &&
	cat err &&
	tos3_check "$TRASH/lake" "$TRASH/dump" --time-field created_at &&
	find "$TRASH/lake" -name "*.json.gz" >objs &&
	test $(wc -l <objs) -eq $(wc -l <"$TRASH/manifest") &&
	grep -q "^$TRASH/lake/tw/dt=2026-11-2[45]/hour=[0-2][0-9]/tw+[0-3]+[0-9]\{20\}\.json\.gz$" objs &&
	grep -q "^$TRASH/lake/_errors/tw/dt=.*/hour=[0-9][0-9]/tw+[0-3]+[0-9]\{20\}\.json\.gz$" objs
'
test_expect_success 'the summary counts records that are not JSON and times that cannot be read' '
	grep -q "2000 records in .* objects" err &&
	grep -q " 23 not JSON" err &&
	grep -q " 20 without a readable time" err
'
test_expect_success 'records that are not JSON keep their bytes and the reason under _errors/' '
	zcat "$TRASH"/lake/_errors/tw/*/*/*.json.gz >errs &&
	test $(wc -l <errs) -eq 23 &&
	jq -e -s "any(.[]; .value == \"{\\\"id\\\":89, broken\" and (.error | test(\"at byte\")))" errs
'
test_expect_success 'manifest lines name each object with its records, offsets and partition values' '
	jq -e -s "length > 0 and all(.[]; (.url | startswith(\"file://\")) and .records > 0 and
		.first_offset <= .last_offset and .partition_values.dt != null and
		(.key | endswith(\".json.gz\")))" "$TRASH/manifest" &&
	jq -s "map(.records) | add" "$TRASH/manifest" >n && test "$(cat n)" -eq 2000 &&
	head -n 1 "$TRASH/manifest" | jq -e ".url == \"file://$TRASH/lake/\" + .key"
'
test_expect_success 'a second run of the group finds everything stored: nothing is written twice' '
	K2S -G g1 -t tw --dest "file://$TRASH/lake" --time-field created_at --exit-at-end \
		>m2 2>err2 &&
	test ! -s m2 &&
	tos3_check "$TRASH/lake" "$TRASH/dump" --time-field created_at
'
test_expect_success 'records produced later land in new objects; the lake still holds each once' '
	tos3_gen 300 2000 >in2 &&
	tos3_produce tw in2 &&
	tos3_dump tw >"$TRASH/dump" &&
	K2S -G g1 -t tw --dest "$TRASH/lake" --time-field created_at --exit-at-end >m3 &&
	jq -s "map(.records) | add" m3 >n && test "$(cat n)" -eq 300 &&
	tos3_check "$TRASH/lake" "$TRASH/dump" --time-field created_at
'
test_expect_success '--max-records and --max-bytes close objects; the Kafka timestamp partitions by default' '
	tos3_gen 1000 5000 >in3 && tos3_produce more in3 && tos3_dump more >dump3 &&
	K2S -G g2 -t more --dest lake3 --max-records 50 --exit-at-end >m4 &&
	jq -e -s "all(.[]; .records <= 50) and length >= 20" m4 &&
	tos3_check lake3 dump3 &&
	K2S -G g3 -t more --dest lake4 --max-bytes 4k --exit-at-end >m5 &&
	jq -e -s "all(.[]; .uncompressed_bytes < 4096 + 200) and length >= 20" m5 &&
	tos3_check lake4 dump3
'
test_expect_success 'a partition template with a record field' '
	tos3_gen 300 9000 | grep -v broken >in4 && tos3_produce langs in4 && tos3_dump langs >dump4 &&
	K2S -G g4 -t langs --dest lake5 --partition "lang={lang}/d=%Y%m%d" --exit-at-end >m6 &&
	ls lake5/langs >dirs && printf "lang=en\nlang=fr\nlang=ja\n" >want && test_cmp want dirs &&
	n=$(grep -c "\"lang\":\"fr\"" in4) &&
	zcat lake5/langs/lang=fr/*/*.gz | jq -e -s "all(.[]; .lang == \"fr\") and length == $n" &&
	jq -e -s "any(.[]; .partition_values == {\"lang\":\"ja\",\"d\":\"$(date -u +%Y%m%d)\"})" m6
'
test_expect_success 'SIGTERM stores the open objects, commits and exits 0; a rerun completes the lake' '
	tos3_gen 500 20000 >in5 && tos3_produce more in5 && tos3_dump more >dump5 || return 1
	kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 -G g5 -t more --dest lake6 -v >m7 2>err7 &
	pid=$!

	wait_for 60 "grep -q assigned err7" &&
	sleep 1 && kill -TERM $pid &&
	wait $pid &&
	test -s m7 &&
	K2S -G g5 -t more --dest lake6 --exit-at-end >m8 &&
	tos3_check lake6 dump5
'
test_expect_success 'an old open object that holds the commit back is closed before the commit metadata grows too big' '
	tos3_gen_straggler 400 >in7 &&
	tos3_produce meta in7 && tos3_dump meta >dump7 &&
	K2S -G g7 -t meta --dest lake7 --time-field created_at --max-records 2 --max-age 0 \
		--exit-at-end -v >m9 2>err9 &&
	grep -q "closing the object from offset 0 to keep the commit metadata small" err9 &&
	! grep -q "may pass the broker" err9 &&
	tos3_check lake7 dump7 --time-field created_at
'
test_expect_success 'partition values ".." and "." stay inside the table, escaped, and decode back' '
	tos3_gen_hostile >in8 && tos3_produce hostile in8 && tos3_dump hostile >dump8 &&
	mkdir -p h8/deep/er &&
	K2S -G g8 -t hostile --dest h8/deep/er/lake8 --partition "{v}/{v}/v={v}" --exit-at-end \
		>m8 2>err8 &&
	find h8 -name "*.json.gz" | grep -v "^h8/deep/er/lake8/\(_errors/\)\?hostile/" >outside;
	test ! -s outside &&
	test -d "h8/deep/er/lake8/hostile/%2E./%2E./v=.." &&
	test -d "h8/deep/er/lake8/hostile/%2E/%2E/v=." &&
	test -d "h8/deep/er/lake8/hostile/%2Ehidden/%2Ehidden/v=.hidden" &&
	jq -e -s "any(.[]; .partition_values == {\"v\":\"..\"} and
		(.key | startswith(\"hostile/%2E./%2E./v=../\")))" m8 &&
	tos3_check h8/deep/er/lake8 dump8 --no-time-check
'
test_expect_success 'a partition value too long for a file name goes to _errors/ with the reason; the rest flow' '
	test $(grep -c "offset .*: partition path too long" err8) -eq 1 &&
	grep -q " 1 with a partition path too long" err8 &&
	find h8/deep/er/lake8/_errors/hostile -name "*.json.gz" -exec zcat {} + >errs8 &&
	jq -e -s "map(select(.error | test(\"partition path too long: a path component of 300 bytes\"))) |
		length == 1 and (.[0].value | fromjson | .id) == 5" errs8 &&
	K2S -G g8 -t hostile --dest h8/deep/er/lake8 --partition "{v}/{v}/v={v}" --exit-at-end \
		>m8b &&
	test ! -s m8b
'
test_expect_success 'usage errors exit 2' '
	test_expect_failure_status 2 kafka-to-s3 -b 127.0.0.1:1 -G g -t tw 2>e1 &&
	grep -q "dest" e1 &&
	test_expect_failure_status 2 kafka-to-s3 -b 127.0.0.1:1 -G g -t tw --dest x --partition "dt=%Q" 2>e2 &&
	grep -q "unknown conversion" e2 &&
	test_expect_failure_status 2 kafka-to-s3 -b 127.0.0.1:1 -G g -t tw --dest http://x/ 2>e3 &&
	test_expect_failure_status 2 kafka-to-s3 -b 127.0.0.1:1 -t tw --dest x 2>e4 &&
	test_expect_failure_status 2 kafka-to-s3 -b 127.0.0.1:1 -G g -t tw --dest x --level 12 2>e5 &&
	test_expect_failure_status 2 kafka-to-s3 -b 127.0.0.1:1 -G g -t tw --dest x -X sasl.password=x 2>e6 &&
	test_expect_failure_status 2 timeout 60 kafka-to-s3 -b 127.0.0.1:1 -G g -t tw --dest x \
		--partition "$(printf "%0300d" 0)" 2>e7 &&
	grep -q "component of 300 bytes (at most 255)" e7
'
test_expect_success '--help shows the synopsis of the man page' '
	kafka-to-s3 --help >h && grep -q "^usage: kafka-to-s3 -b BROKERS -G GROUP -t TOPIC" h &&
	sed -n "1,/^Consumes/p" h | grep -o -- "-[-a-zA-Z]*" | sort -u >from-help &&
	mandoc -Tascii "$TOP/man/kafka-to-s3.1" | col -b | sed -n "/^SYNOPSIS/,/^DESCRIPTION/p" |
		grep -o -- "-[-a-zA-Z]*" | sort -u >from-man &&
	test_cmp from-man from-help &&
	mandoc -Tlint -W warning "$TOP/man/kafka-to-s3.1"
'
test_done
