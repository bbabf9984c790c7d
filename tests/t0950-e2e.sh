#!/bin/bash
# The whole pipeline end to end, each hop over its real protocol on loopback:
#   X API stand-in -> tw-stream -> kafka-produce -> mock Kafka -> kafka-to-s3 -> moto S3
#   -> glue-crawl -> moto Glue;  and  mock Kafka -> kafka-to-s3 -> local lake -> glue-crawl
#   --catalog -> athena-query --local.
# The counts and the top hashtags the suite computes must equal those computed with jq from the
# input the stand-in served, through a reconnect that repeats and cuts tweets.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-kafka.sh"
. "$TOP/tests/lib-moto.sh"
. "$TOP/tests/x-api-stub.sh"
export X_BEARER_TOKEN=e2e-$$-b3ar3r-t0k3n X_STUB_TOKEN=e2e-$$-b3ar3r-t0k3n TW_STREAM_TIME_SCALE=0.01
N=3000

moto_start
kafka_start -b 3 -t tweets:6
[ -n "$test_skip_all" ] || aws-call s3 PUT /e2e >/dev/null

# The input: raw API lines of a simulated stream over the last 3 hours.
tw-stream --simulate --raw --seed 5 --max-tweets $N --backdate 3h -q >"$TRASH/raw.jsonl"
jq -r '.data.id' "$TRASH/raw.jsonl" | sort >"$TRASH/want-ids"

test_expect_success 'the stand-in streams through a cut and a reconnect with repeats; tw-stream | kafka-produce delivers each tweet once' '
	stub_start --data "$TRASH/raw.jsonl" --conn "lines:1-1500 cut:1501" --conn "lines:1490-'$N' hold" &&
	tw-stream --api-url "$STUB_URL" --max-tweets '$N' 2>stream.err |
		kafka-produce -t tweets -k author_id --no-progress 2>produce.err &&
	{ grep -q "'$N' lines read, '$N' delivered" produce.err &&
	  grep -q "11 duplicates dropped, 1 cut line dropped" stream.err ||
	  { cat stream.err produce.err; false; }; }
'

test_expect_success 'kafka-to-s3 lands the topic in S3 (moto) and in a local lake, exactly once' '
	kafka-to-s3 -G e2e-s3 -t tweets --dest s3://e2e/lake --time-field created_at --exit-at-end \
		>"$TRASH/manifest" 2>s3.err &&
	kafka-to-s3 -G e2e-local -t tweets --dest "$TRASH/lake" --time-field created_at --exit-at-end \
		>"$TRASH/manifest-local" 2>local.err &&
	: >ids &&
	jq -r .key "$TRASH/manifest" | while read -r key; do
		aws-call s3 GET "/e2e/$key" | gzip -dc | jq -r .id >>ids || exit 1
	done &&
	sort ids >got && test_cmp "$TRASH/want-ids" got &&
	zcat "$TRASH"/lake/tweets/*/*/*.json.gz | jq -r .id | sort >got-local &&
	test_cmp "$TRASH/want-ids" got-local
'

test_expect_success 'objects are partitioned by created_at hour, as the input says' '
	jq -r ".data.created_at[0:13]" "$TRASH/raw.jsonl" | sort -u | sed "s/T/ /" >want &&
	jq -r "\"\(.partition_values.dt) \(.partition_values.hour)\"" "$TRASH/manifest" | sort -u >got &&
	test_cmp want got &&
	test "$(jq -s "map(.records) | add" "$TRASH/manifest")" -eq '$N'
'

test_expect_success 'glue-crawl --manifest registers the table and every partition in Glue (moto)' '
	glue-crawl --manifest --database e2e --table tweets s3://e2e/lake/tweets <"$TRASH/manifest" >sum 2>err &&
	jq -e ".ok" sum >/dev/null &&
	aws-call json glue AWSGlue.GetPartitions "{\"DatabaseName\":\"e2e\",\"TableName\":\"tweets\"}" >parts &&
	jq -r ".Partitions[].Values | join(\" \")" parts | sort >got &&
	jq -r "\"\(.partition_values.dt) \(.partition_values.hour)\"" "$TRASH/manifest" | sort -u >want &&
	test_cmp want got &&
	aws-call json glue AWSGlue.GetTable "{\"DatabaseName\":\"e2e\",\"Name\":\"tweets\"}" >table &&
	jq -e ".Table.StorageDescriptor.SerdeInfo.SerializationLibrary == \"org.openx.data.jsonserde.JsonSerDe\" and ([.Table.StorageDescriptor.Columns[].Name] | index(\"entities\") != null)" table >/dev/null
'

test_expect_success 'athena-query --local on the local lake: count and top hashtags equal jq on the input' '
	glue-crawl "$TRASH/lake/tweets" --database e2e --table tweets --catalog "$TRASH/lake/_catalog" -q >/dev/null &&
	athena-query --local "$TRASH/lake" -F csv --no-header "SELECT count(*), count(DISTINCT id) FROM tweets" >got &&
	echo "'$N','$N'" >want && test_cmp want got &&
	athena-query --local "$TRASH/lake" -F csv --no-header -f "$TOP/examples/sql/top-hashtags.sql" >got &&
	jq -r ".data.entities.hashtags[]?.tag | ascii_downcase" "$TRASH/raw.jsonl" | sort | uniq -c |
		sort -k1,1nr -k2 | head -n 10 | awk "{print \$2\",\"\$1}" >want &&
	test_cmp want got &&
	athena-query --local "$TRASH/lake" -F csv --no-header -f "$TOP/examples/sql/languages.sql" | cut -d, -f1,2 >got &&
	jq -r ".data.lang" "$TRASH/raw.jsonl" | sort | uniq -c | sort -k1,1nr -k2 | head -n 10 |
		awk "{print \$2\",\"\$1}" >want &&
	test_cmp want got
'
test_done
