#!/bin/bash
# kafka-produce on a live pipe: a line is sent when it is written, not when a block fills, and
# delivery reports and progress keep flowing while the writer is idle.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
kafka_start -b 1 -t slow:2 -t progress:1

now_ms() { echo $(($(date +%s%N) / 1000000)); }

test_expect_success 'a slow writer (a line every 2.5 s) is delivered line by line' '
	{ for i in 1 2 3; do echo "{\"n\":$i}"; now_ms >>writes; sleep 2.5; done; now_ms >>writes; } |
		kafka-produce -t slow --report |
		while IFS= read -r l; do echo "$(now_ms) $l"; done >reports &&
	cat writes reports &&
	test $(wc -l <reports) -eq 3 &&
	# Each line is delivered (its report printed) before the next one is even written, and the
	# last before the input ends.
	for i in 1 2 3; do
		r=$(sed -n "${i}p" reports | cut -d" " -f1) && w=$(sed -n "$((i + 1))p" writes) &&
		test "$r" -lt "$w" || { echo "line $i reported at $r, next write at $w"; exit 1; }
	done &&
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
