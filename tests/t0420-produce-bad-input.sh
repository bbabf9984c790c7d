#!/bin/bash
# kafka-produce: bad input lines are reported with their line number and kept in the dead-letter
# file; the valid lines are all delivered; the exit status says something was skipped.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
kafka_start -b 1 -t bad:1 -t strict:1 -t raw:1 -t blank:1 -t crlf:1

# Lines: 1 valid, 2 invalid JSON, 3 valid, 4 invalid UTF-8, 5 empty, 6 NUL byte, 7 too long,
# 8 valid with CRLF, 9 whitespace only, 10 valid without a final newline.
make_input() {
	{
		printf '{"n":1}\n'
		printf '{"n":2,}\n'
		printf '{"n":3}\n'
		printf '{"n":"\xff\xfe"}\n'
		printf '\n'
		printf '{"n":6}\0x\n'
		printf '{"n":"%s"}\n' "$(head -c 3000 /dev/zero | tr '\0' a)"
		printf '{"n":8}\r\n'
		printf '  \t \n'
		printf '{"n":10}'
	} >"$1"
}

test_expect_success 'each bad line is reported with its line number, the valid ones delivered' '
	make_input in &&
	test_expect_failure_status 1 kafka-produce -t bad -X message.max.bytes=2000 \
		--dead-letter dead.ndjson <in 2>err &&
	grep -q "stdin:2: invalid JSON" err &&
	grep -q "stdin:4: invalid UTF-8 at byte 7" err &&
	grep -q "stdin:6: NUL byte at byte 8" err &&
	grep -q "stdin:7: line longer than 2000 bytes" err &&
	! grep -q "stdin:5:" err && ! grep -q "stdin:8:" err && ! grep -q "stdin:10:" err &&
	grep -q "10 lines read, 4 delivered, 4 invalid, 0 failed, 2 blank" err &&
	kafka_consume bad >got &&
	printf "{\"n\":1}\n{\"n\":3}\n{\"n\":8}\n{\"n\":10}\n" >want && test_cmp want got
'
test_expect_success 'the dead-letter file keeps each invalid line with its reason' '
	test $(wc -l <dead.ndjson) -eq 4 &&
	jq -e -s "map(.line) == [2,4,6,7]" dead.ndjson &&
	jq -e -s "all(.reason | length > 0)" dead.ndjson &&
	jq -r "select(.line == 2) | .data" dead.ndjson >got2 && echo "{\"n\":2,}" >want2 && test_cmp want2 got2 &&
	# Not UTF-8: kept exactly, base64-encoded.
	jq -r "select(.line == 4) | .data_base64" dead.ndjson | base64 -d >got4 &&
	printf "{\"n\":\"\xff\xfe\"}" >want4 && test_cmp want4 got4 &&
	jq -j "select(.line == 6) | .data" dead.ndjson >got6 && printf "{\"n\":6}\0x" >want6 &&
	test_cmp want6 got6 &&
	jq -e "select(.line == 7) | .bytes == 3009" dead.ndjson
'
test_expect_success 'the dead-letter file is appended to, never truncated' '
	echo "oops" | test_expect_failure_status 1 kafka-produce -t bad --dead-letter dead.ndjson 2>err &&
	test $(wc -l <dead.ndjson) -eq 5
'
test_expect_success '--strict stops at the first invalid line, after delivering the ones before' '
	printf "{\"s\":1}\n{\"s\":2}\nbad\n{\"s\":4}\n" |
		test_expect_failure_status 1 kafka-produce -t strict --strict 2>err &&
	grep -q "stdin:3: invalid JSON" err &&
	grep -q "3 lines read, 2 delivered, 1 invalid" err &&
	kafka_consume strict >got && printf "{\"s\":1}\n{\"s\":2}\n" >want && test_cmp want got
'
test_expect_success '--no-validate produces every non-blank line as it is' '
	make_input in &&
	kafka-produce -t raw --no-validate -X message.max.bytes=2000 <in 2>err;
	test $? -eq 1 && grep -q "stdin:7: line longer" err &&
	grep -q "10 lines read, 7 delivered, 1 invalid, 0 failed, 2 blank" err &&
	kafka_consume raw -f "%S\n" >sizes && printf "7\n8\n7\n10\n9\n7\n8\n" >want && test_cmp want sizes
'
test_expect_success 'blank lines alone are no error' '
	printf "\n\n{\"b\":1}\n\n" | kafka-produce -t blank 2>err &&
	grep -q "4 lines read, 1 delivered, 0 invalid, 0 failed, 3 blank" err
'
test_expect_success 'CRLF line ends are taken off' '
	printf "{\"c\":1}\r\n{\"c\":2}\r\n" | kafka-produce -t crlf &&
	kafka_consume crlf -f "%S\n" >got && printf "7\n7\n" >want && test_cmp want got
'
test_done
