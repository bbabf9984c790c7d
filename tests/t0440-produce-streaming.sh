#!/bin/bash
# kafka-produce on a live pipe: a line is sent when it is written, not when a block fills, and
# delivery reports and progress keep flowing while the writer is idle.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
kafka_start -b 1 -t slow:2 -t progress:1

now_ms() { echo $(($(date +%s%N) / 1000000)); }

test_expect_success 'a slow writer (a line a second) is delivered line by line' '
	start=$(now_ms) &&
	{ for i in 1 2 3; do echo "{\"n\":$i}"; sleep 1; done; } |
		kafka-produce -t slow --report |
		while IFS= read -r l; do echo "$(($(now_ms) - start)) $l"; done >times &&
	cat times &&
	test $(wc -l <times) -eq 3 &&
	t1=$(sed -n 1p times | cut -d" " -f1) && t2=$(sed -n 2p times | cut -d" " -f1) &&
	t3=$(sed -n 3p times | cut -d" " -f1) &&
	# Written at 0, 1 and 2 s, end of input at 3 s: each report comes before the next line.
	test "$t1" -lt 1000 && test $((t2 - t1)) -ge 500 && test "$t2" -lt 2000 &&
	test $((t3 - t2)) -ge 500 && test "$t3" -lt 3000 &&
	kafka_consume slow | sort >got && printf "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n" >want &&
	test_cmp want got
'
test_expect_success '--progress writes status lines while the writer is idle' '
	{ echo "{\"p\":1}"; sleep 2.5; echo "{\"p\":2}"; } |
		kafka-produce -t progress --progress 2>err &&
	cat err &&
	test $(grep -c "delivered (.* msg/s" err) -ge 2 &&
	grep -q "1 delivered" err
'
test_expect_success '-q keeps stderr quiet when all goes well' '
	echo "{\"q\":1}" | kafka-produce -q -t progress --progress 2>err &&
	test ! -s err
'
test_done
