#!/bin/bash
# kafka-to-s3 into moto S3 (Hive-style keys: moto runs without signature checking, because with
# it on moto wrongly refuses keys whose encoding holds %3D, i.e. every "dt=..." key), through a
# fault-injecting proxy; and the tl_s3 calls (multipart, ranges, listing) through s3-util.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
. "$TOP/tests/lib-moto.sh"
. "$TOP/tests/lib-tos3.sh"
moto_start
kafka_start -b 1 -t s1:3 -t s2:2 -t s3:2 -t s4:2

python3 "$TOP/tests/stubs/s3-fault-proxy.py" 0 "$MOTO_URL" "$TRASH/proxy.port" 2>"$TRASH/proxy.log" &
test_cleanup "kill $!"
PROXY_PORT=$(standin_port "$TRASH/proxy.port") || { cat "$TRASH/proxy.log"; exit 1; }
PROXY_URL="http://127.0.0.1:$PROXY_PORT"

K2S() { kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 --time-field created_at "$@"; }
fault() { printf '%s\n' "$@" | curl -sf -X POST --data-binary @- "$PROXY_URL/__fault" >/dev/null; }
stats() { curl -sf "$PROXY_URL/__stats"; }
download() { # PREFIX DIR
	download_from lake "$@"
}
download_from() { # BUCKET PREFIX DIR
	aws --endpoint-url "$MOTO_URL" s3 cp --quiet --recursive "s3://$1/$2" "$3"
}

test_expect_success 'setup: a bucket (CreateBucket, HeadBucket) and records' '
	s3-util mb lake && s3-util hb lake &&
	test_expect_failure_status 1 s3-util hb nosuchbucket 2>e && grep -q NoSuchBucket e &&
	wait_port $PROXY_PORT 10 &&
	tos3_gen 1500 >in1 && tos3_produce s1 in1 && tos3_dump s1 >"$TRASH/dump1"
'
test_expect_success 'round trip through S3: objects listed and decompressed equal the input' '
	K2S -G g1 -t s1 --dest s3://lake/pre/ --exit-at-end >"$TRASH/m1" &&
	download pre/ dl1 &&
	tos3_check dl1 "$TRASH/dump1" --time-field created_at &&
	s3-util ls lake pre/ >ls1 &&
	test $(wc -l <ls1) -eq $(wc -l <"$TRASH/m1") &&
	jq -e -s "all(.[]; .bucket == \"lake\" and .url == \"s3://lake/\" + .key and
		(.key | test(\"^pre/(_errors/)?s1/dt=\")))" "$TRASH/m1"
'
test_expect_success 'objects are stored as NDJSON with sizes as the manifest says' '
	key=$(head -n 1 "$TRASH/m1" | jq -r .key) &&
	aws --endpoint-url "$MOTO_URL" s3api head-object --bucket lake --key "$key" >h &&
	jq -e ".ContentType == \"application/x-ndjson\"" h &&
	test "$(jq .ContentLength h)" = "$(head -n 1 "$TRASH/m1" | jq .bytes)"
'
test_expect_success 'S3 faults (500, 503 SlowDown, reset, slow) are retried: nothing lost, nothing doubled' '
	tos3_gen 600 100000 >in2 && tos3_produce s2 in2 && tos3_dump s2 >dump2 &&
	fault "{\"fault\":\"500\",\"method\":\"PUT\"}" "{\"fault\":\"slowdown\",\"method\":\"PUT\"}" \
	      "{\"fault\":\"reset\",\"method\":\"PUT\"}" "{\"fault\":\"slow\",\"method\":\"PUT\",\"delay\":1.5}" \
	      "{\"fault\":\"503\",\"method\":\"HEAD\"}" &&
	AWS_ENDPOINT_URL=$PROXY_URL K2S -G g2 -t s2 --dest s3://lake/faults --max-records 40 \
		--exit-at-end >m2 2>err2 &&
	stats >st && cat st &&
	jq -e ".queued == 0 and .faults[\"500\"] == 1 and .faults.slowdown == 1 and
		.faults.reset == 1 and .faults.slow == 1 and .faults[\"503\"] == 1" st &&
	download faults/ dl2 && tos3_check dl2 dump2 --time-field created_at
'
test_expect_success 'a missing bucket: a clear error, exit 1, nothing committed' '
	tos3_gen 300 200000 >in3 && tos3_produce s3 in3 && tos3_dump s3 >dump3 &&
	test_expect_failure_status 1 K2S -G g3 -t s3 --dest s3://missing-bucket/x --exit-at-end \
		>m3 2>err3 &&
	cat err3 && grep -q "missing-bucket.*NoSuchBucket" err3 && test ! -s m3 &&
	K2S -G g3 -t s3 --dest s3://lake/later --exit-at-end >m3b &&
	jq -s "map(.records) | add" m3b >n && test "$(cat n)" -eq 300
'
test_expect_success 'S3 failing for good while storing: exit 1, nothing committed, a rerun stores all once' '
	fault "{\"fault\":\"500\",\"method\":\"PUT\",\"count\":1000}" &&
	test_expect_failure_status 1 env AWS_ENDPOINT_URL=$PROXY_URL AWS_MAX_ATTEMPTS=2 \
		kafka-to-s3 -b "$KAFKA_BROKERS" -X session.timeout.ms=6000 -G g4 -t s3 \
		--dest s3://lake/fail --exit-at-end >m4 2>err4 &&
	grep -q "InternalError" err4 &&
	curl -sf -X POST "$PROXY_URL/__clear" >/dev/null &&
	K2S -G g4 -t s3 --dest s3://lake/fail --exit-at-end >m4b &&
	download fail/ dl4 && tos3_check dl4 dump3 --time-field created_at
'
test_expect_success 'partition values ".." and "." stay under the prefix: every key is the one the manifest names' '
	tos3_gen_hostile >in5 && tos3_produce s4 in5 && tos3_dump s4 >dump5 &&
	s3-util mb lake2 &&
	K2S -G g5 -t s4 --dest s3://lake2/hostile --partition "v={v}/{v}/{v}/{v}/{v}" \
		--exit-at-end >m5 2>err5 &&
	s3-util ls lake2 | cut -f 1 | sort >keys5 &&
	jq -r .key m5 | sort >named5 && test_cmp named5 keys5 &&
	! grep -v "^hostile/" keys5 &&
	grep -q "^hostile/s4/v=../%2E./%2E./%2E./%2E./s4+" keys5 &&
	grep -q "^hostile/s4/v=.hidden/%2Ehidden/%2Ehidden/" keys5 &&
	download_from lake2 hostile/ dl5 && tos3_check dl5 dump5 --no-time-check
'
test_expect_success 'a key longer than 1024 bytes or a component over 255 goes to _errors/; the rest flow' '
	grep -q " 2 with a partition path too long" err5 &&
	grep -q "an object name of 1[0-9]* bytes (at most 1024)" err5 &&
	find dl5/_errors/s4 -name "*.json.gz" -exec zcat {} + |
		jq -s -e "map(.value | fromjson | .id) | sort == [5, 6]"
'
test_expect_success 'tl_s3: a key with "/../" is stored under that key, as signed (not folded by libcurl)' '
	echo x >dots && s3-util put lake2 "dots/a/../b" dots &&
	s3-util ls lake2 dots/ | cut -f 1 >l && echo "dots/a/../b" >want && test_cmp want l &&
	s3-util get lake2 "dots/a/../b" >back && test_cmp dots back
'
test_expect_success 'tl_s3: a multipart upload of 12 MiB in 5 MiB parts comes back whole' '
	head -c $((12 * 1024 * 1024 + 17)) /dev/urandom >big &&
	s3-util upload lake "multi/a b+c.bin" big 5M &&
	s3-util get lake "multi/a b+c.bin" >back && cmp big back &&
	s3-util head lake "multi/a b+c.bin" >hd &&
	cat hd && jq -e ".size == $((12 * 1024 * 1024 + 17)) and (.etag | test(\"-3\"))" hd
'
test_expect_success 'tl_s3: a failing part aborts the multipart upload' '
	fault "{\"fault\":\"500\",\"method\":\"PUT\",\"path\":\"partNumber=2\",\"count\":10}" &&
	test_expect_failure_status 1 env AWS_ENDPOINT_URL=$PROXY_URL AWS_MAX_ATTEMPTS=2 \
		s3-util upload lake multi/failed.bin big 5M 2>e &&
	grep -q InternalError e &&
	test_expect_failure_status 1 s3-util head lake multi/failed.bin 2>e2 && grep -q NotFound e2 &&
	aws --endpoint-url "$MOTO_URL" s3api list-multipart-uploads --bucket lake >mpu &&
	! grep -q failed.bin mpu
'
test_expect_success 'tl_s3: a download cut off midway resumes with a Range' '
	fault "{\"fault\":\"cut\",\"method\":\"GET\",\"path\":\"multi/\"}" &&
	AWS_ENDPOINT_URL=$PROXY_URL s3-util get lake "multi/a b+c.bin" >back2 && cmp big back2 &&
	s3-util get lake "multi/a b+c.bin" 10 19 >part && test $(wc -c <part) -eq 10 &&
	cmp part <(tail -c +11 big | head -c 10)
'
test_expect_success 'tl_s3: listings follow continuation tokens and group common prefixes' '
	for i in 1 2 3 4 5 6 7; do echo $i >f && s3-util put lake "list/d$((i % 2))/k$i" f >/dev/null || return 1; done &&
	s3-util ls lake list/ "" 3 >l1 && test $(wc -l <l1) -eq 7 &&
	s3-util ls lake list/ / 1 >l2 && printf "list/d0/\tPRE\nlist/d1/\tPRE\n" >want && test_cmp want l2 &&
	s3-util rm lake list/d1/k1 && s3-util ls lake list/ >l3 && test $(wc -l <l3) -eq 6
'
test_done
