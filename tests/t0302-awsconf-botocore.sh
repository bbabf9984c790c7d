#!/bin/bash
# tl_awsconf reads generated config and credentials files exactly as botocore (the AWS CLI)
# does: same profiles, same values, same files refused.
. "$(dirname "$0")/lib.sh"

if ! python3 -c 'import botocore.configloader' >/dev/null 2>&1; then
	test_skip "botocore not installed"
fi

test_expect_success 'tl_awsconf and botocore agree on 400 generated file pairs' '
	python3 "$TOP/tests/helpers/awsconf-diff.py" awsconf-query 400 >out 2>&1 ||
	{ cat out; false; } &&
	cat out &&
	grep -q "400 cases .* 0 differ" out
'
test_expect_success 'awsconf-query shows a continued value joined as botocore joins it' '
	printf "[default]\nregion = x\n  cont\n" >cfg2 &&
	AWS_CONFIG_FILE=cfg2 AWS_SHARED_CREDENTIALS_FILE=/dev/null awsconf-query >got <<-Q &&
	get	default	region
	Q
	echo "\"x\ncont\"" >want &&
	test_cmp want got
'
test_done
