#!/bin/sh
# A company setup end to end: tweets into Amazon MSK (IAM authentication), landed in a bucket that
# requires SSE-KMS, queried with encrypted results; every AWS call signed with the role of an
# IAM Identity Center profile (made by "aws configure sso").
#
#   examples/msk-to-encrypted-lake.sh PROFILE BROKERS s3://BUCKET/PREFIX KMS_KEY_ARN ACCOUNT
#
# BROKERS: the cluster's IAM bootstrap list (b-1.NAME.ID.c2.kafka.REGION.amazonaws.com:9098,...);
# the region is read from it. Stop with Ctrl-C: each tool finishes what it holds, then exits.
set -eu
[ $# -eq 5 ] || { sed -n '6p' "$0" >&2; exit 2; }
profile=$1 brokers=$2 dest=$3 key=$4 account=$5
# Log in once if the cached login is missing or expired (the tools say so otherwise).
aws sts get-caller-identity --profile "$profile" >/dev/null 2>&1 || aws sso login --profile "$profile"

tw-stream --simulate --seed 7 --rate 20 --max-tweets 2000 |
	kafka-produce --msk-iam --profile "$profile" -b "$brokers" -t tweets -k id

kafka-to-s3 --msk-iam --profile "$profile" -b "$brokers" -G lake -t tweets \
	--time-field created_at --dest "$dest" --exit-at-end \
	--sse aws:kms --sse-kms-key-id "$key" --bucket-key --expected-bucket-owner "$account" |
	glue-crawl --profile "$profile" --manifest --database tweetlake --table tweets "$dest/tweets"

athena-query --profile "$profile" -d tweetlake \
	--result-encryption SSE_KMS --result-kms-key "$key" --expected-bucket-owner "$account" \
	"SELECT lang, count(*) AS tweets FROM tweets GROUP BY 1 ORDER BY 2 DESC LIMIT 10"
