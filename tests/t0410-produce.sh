#!/bin/bash
# kafka-produce: options, counts and content, keys, partitions, headers, timestamps, reports.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
kafka_start -b 3 -t many:8 -t keys:4 -t java:50 -t ts:1 -t misc:4 -t one:1

test_expect_success 'usage errors exit 2 with a hint' '
	test_expect_failure_status 2 kafka-produce </dev/null 2>err &&
	grep -q "a topic is required" err && grep -q -- "--help" err &&
	test_expect_failure_status 2 kafka-produce -t x -k a -K : </dev/null 2>err &&
	grep -q "exclude each other" err &&
	test_expect_failure_status 2 kafka-produce -t x -X no.such.property=1 </dev/null 2>err &&
	grep -q "no.such.property" err &&
	test_expect_failure_status 2 kafka-produce -t x --bogus </dev/null 2>err &&
	test_expect_failure_status 2 kafka-produce -t x -p minus1 </dev/null 2>err
'
test_expect_success 'no brokers anywhere is a configuration error' '
	(unset KAFKA_BROKERS; test_expect_failure_status 2 kafka-produce -t x </dev/null 2>err) &&
	grep -q "no Kafka brokers" err
'
test_expect_success 'a secret on the command line is refused and not echoed' '
	test_expect_failure_status 2 kafka-produce -t x -X sasl.password=hunter2secret </dev/null 2>err &&
	grep -q "properties file" err && ! grep -q hunter2secret err
'

test_expect_success 'sasl.oauthbearer.config is a secret too: refused on the command line by both tools' '
	cfg="sasl.oauthbearer.config=principal=alice extension_traceToken=Tok3nS3cr3tValue" &&
	test_expect_failure_status 2 kafka-produce -t x -X "$cfg" </dev/null 2>err &&
	grep -q "sasl.oauthbearer.config: secrets are not taken from the command line" err &&
	! grep -q Tok3nS3cr3tValue err &&
	test_expect_failure_status 2 kafka-to-s3 -b 127.0.0.1:1 -G g -t x --dest lake -X "$cfg" 2>err &&
	grep -q "secrets are not taken from the command line" err && ! grep -q Tok3nS3cr3tValue err
'
test_expect_success '--help matches the man page synopsis flags' '
	kafka-produce --help >help &&
	grep -q "^usage: kafka-produce" help &&
	for f in -b -t -F -X -k -K --key -p -H --timestamp-field --no-validate --strict \
		--dead-letter --flush-timeout --progress --no-progress --report; do
		grep -q -- "$f" help || { echo "missing $f"; exit 1; }
	done
'

test_expect_success '100,000 records: every line delivered once, in order per key' '
	awk "BEGIN { for (i = 1; i <= 100000; i++) printf \"{\\\"user\\\":\\\"u%d\\\",\\\"seq\\\":%d}\\n\", i % 97, i }" >in &&
	kafka-produce -k user -t many <in 2>err &&
	grep -q "100000 lines read, 100000 delivered, 0 invalid, 0 failed" err &&
	kafka_consume many -f "%p\t%k\t%s\n" >got &&
	test $(wc -l <got) -eq 100000 &&
	cut -f3 got | sort >got.values && sort in >want && test_cmp want got.values &&
	# The key is the user field, and each key sits in one partition with seq ascending.
	awk -F"\t" "{ split(\$3, a, \"\\\"\"); if (\$2 != a[4]) { print \"bad key \" \$0; exit 1 }
		match(\$3, /seq\":[0-9]+/); s = substr(\$3, RSTART + 5, RLENGTH - 5) + 0;
		if (\$2 in part && part[\$2] != \$1) { print \"key in two partitions \" \$2; exit 1 }
		part[\$2] = \$1;
		if (s <= last[\$2]) { print \"out of order \" \$0; exit 1 } last[\$2] = s }" got
'

test_expect_success '-K splits key and value at the delimiter, like kcat' '
	printf "k1\t{\"v\":1}\nk2\t{\"v\":2}\n{\"v\":3}\n" | kafka-produce -K "\t" -t keys -p 1 &&
	kafka_consume keys -p 1 -f "%k|%s\n" >got &&
	printf "k1|{\"v\":1}\nk2|{\"v\":2}\n|{\"v\":3}\n" >want && test_cmp want got
'
test_expect_success '--key gives every message the same key; -k takes a dotted path' '
	echo "{\"a\":1}" | kafka-produce --key fixed -t keys -p 2 &&
	echo "{\"data\":{\"author_id\":\"12345\",\"n\":7}}" | kafka-produce -k data.author_id -t keys -p 2 &&
	echo "{\"data\":{\"n\":7}}" | kafka-produce -k data.n -t keys -p 2 &&
	# Numbers keep every digit; strings are unescaped.
	echo "{\"id\":1377650090978992134}" | kafka-produce -k id -t keys -p 2 &&
	echo "{\"k\":\"a\\\"b\\u00e9\"}" | kafka-produce -k k -t keys -p 2 &&
	kafka_consume keys -p 2 -f "%k\n" >got &&
	printf "fixed\n12345\n7\n1377650090978992134\na\"b\303\251\n" >want && test_cmp want got
'
test_expect_success 'a missing key field produces without a key and says how many' '
	printf "{\"x\":1}\n{\"x\":2}\n" | kafka-produce -k data.author_id -t keys -p 3 2>err &&
	grep -q "2 messages without a key" err &&
	kafka_consume keys -p 3 -f "%K\n" >got && printf -- "-1\n-1\n" >want && test_cmp want got
'
test_expect_success 'keys are partitioned as the Java client does (murmur2)' '
	printf "foobar\t{}\n21\t{}\nabc\t{}\n" | kafka-produce -K "\t" -t java &&
	kafka_consume java -f "%k %p\n" | sort >got &&
	printf "21 40\nabc 7\nfoobar 16\n" >want && test_cmp want got
'
test_expect_success '-p picks the partition; -H adds headers' '
	echo "{\"h\":1}" | kafka-produce -t misc -p 3 -H source=test -H trace=a=b -H flag &&
	kafka_consume misc -p 3 -f "%h|%s\n" >got &&
	grep -q "source=test" got && grep -q "trace=a=b" got && grep -q "flag" got &&
	grep -q "|{\"h\":1}" got
'
test_expect_success '--timestamp-field sets the message time from RFC 3339 or epoch values' '
	printf "%s\n" "{\"created_at\":\"2026-11-25T03:04:05.123Z\"}" "{\"created_at\":1764039845}" \
		"{\"created_at\":\"not a time\"}" |
		kafka-produce --timestamp-field created_at -t ts 2>err &&
	grep -q "1 messages timestamped now" err &&
	kafka_consume ts -f "%T\n" >got &&
	sed -n 1p got | grep -qx 1795575845123 &&
	sed -n 2p got | grep -qx 1764039845000 &&
	now=$(date +%s) && t=$(sed -n 3p got) && test $((t / 1000 - now)) -lt 60 &&
	test $((now - t / 1000)) -lt 60
'
test_expect_success '--report prints one JSON line per delivered message' '
	printf "{\"r\":1}\n{\"r\":2}\n" | kafka-produce -t one --report >report &&
	test $(wc -l <report) -eq 2 &&
	jq -e -s "length == 2 and all(.topic == \"one\" and .partition == 0 and (.offset | type) == \"number\")" report &&
	jq -s -c "[.[].line]" report | grep -qx "\[1,2\]"
'
test_expect_success 'files and - are read in order' '
	echo "{\"f\":1}" >f1 && echo "{\"f\":3}" >f3 &&
	echo "{\"f\":2}" | kafka-produce -t misc -p 0 f1 - f3 &&
	kafka_consume misc -p 0 >got && printf "{\"f\":1}\n{\"f\":2}\n{\"f\":3}\n" >want && test_cmp want got
'
test_expect_success 'a missing input file is reported, the others are produced, exit 1' '
	echo "{\"g\":1}" >g1 &&
	test_expect_failure_status 1 kafka-produce -t misc -p 1 no-such-file g1 2>err &&
	grep -q "no-such-file" err &&
	kafka_consume misc -p 1 >got && grep -qx "{\"g\":1}" got
'
test_expect_success 'brokers from -F, KAFKA_BROKERS, or -b' '
	printf "# test\nbootstrap.servers = %s\nlinger.ms: 5\n" "$KAFKA_BROKERS" >client.properties &&
	echo "{\"b\":1}" | (unset KAFKA_BROKERS; kafka-produce -F client.properties -t misc -p 2) &&
	echo "{\"b\":2}" | kafka-produce -t misc -p 2 &&
	echo "{\"b\":3}" | (b=$KAFKA_BROKERS; KAFKA_BROKERS=127.0.0.1:1 kafka-produce -b "$b" -t misc -p 2) &&
	kafka_consume misc -p 2 >got &&
	printf "{\"b\":1}\n{\"b\":2}\n{\"b\":3}\n" >want && test_cmp want got
'
test_expect_success 'empty input: nothing to do, exit 0' '
	kafka-produce -t misc </dev/null 2>err &&
	grep -q "0 lines read, 0 delivered" err
'
test_done
