#!/bin/bash
# SigV4 cross-check: lib/tl_sigv4 (through build/tests/sigv4-sign) and botocore's signers must sign
# 1,200 generated requests identically: S3 objects with odd keys, query strings, bodies from empty
# to 2 MiB, session tokens and UNSIGNED-PAYLOAD; Glue/Athena JSON calls; generic paths that are
# normalized and double-encoded; presigned S3 URLs. See tests/helpers/sigv4-crosscheck.py.
. "$(dirname "$0")/lib.sh"

python3 -c 'import botocore' 2>/dev/null || test_skip 'python3 botocore not importable'

COUNT=${SIGV4_CROSSCHECK_COUNT:-1200}
if [ -z "$test_skip_all" ]; then
	python3 "$TOP/tests/helpers/sigv4-crosscheck.py" --helper "$(command -v sigv4-sign)" \
		--count "$COUNT" >"$TRASH/crosscheck.out" 2>&1
	echo "crosscheck exit $?" >>"$TRASH/crosscheck.out"
	grep '^#' "$TRASH/crosscheck.out"
fi

test_expect_success "botocore cross-check ran on $COUNT requests and all matched" '
	cat crosscheck.out &&
	grep -q "^crosscheck exit 0$" crosscheck.out &&
	grep -q "^# $COUNT of $COUNT requests signed identically" crosscheck.out
'
for cat in s3 s3-presign json generic-path; do
	# shellcheck disable=SC2046
	set -- $(grep "^category $cat " "$TRASH/crosscheck.out" 2>/dev/null) x x 0 0
	matched=$3 total=$4
	test_expect_success "botocore cross-check, $cat: $matched of $total requests match" '
		[ "$total" -gt 0 ] && [ "$matched" -eq "$total" ]
	'
done
test_done
