#!/bin/bash
# glue-crawl against moto's S3 and Glue: create, re-run, widening, partitions in batches,
# --manifest, --ddl from S3, and --crawler with moto's state manager.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-moto.sh"
# Hive-style keys (dt=...) trip moto's signature check (%3D), so this file runs without it;
# t0711 crawls with signature checking on.
moto_start

D=$TOP/tests/data/crawl
TW=$TWEETS
export AWS_DEFAULT_REGION=us-east-1

# put BUCKET KEY=FILE...: uploads with boto3 (one process for many objects)
put() {
	python3 - "$@" <<-'EOF'
	import os, sys, boto3
	s3 = boto3.client("s3", endpoint_url=os.environ["MOTO_URL"], region_name="us-east-1")
	b = sys.argv[1]
	try:
	    s3.create_bucket(Bucket=b)
	except s3.exceptions.BucketAlreadyOwnedByYou:
	    pass
	for kv in sys.argv[2:]:
	    k, f = kv.rsplit("=", 1)
	    s3.put_object(Bucket=b, Key=k, Body=open(f, "rb").read())
	EOF
}
glue() { aws --endpoint-url "$MOTO_URL" glue "$@"; }
norm() { jq -S 'del(.Table.CreateTime, .Table.UpdateTime, .Table.VersionId, .Table.CatalogId, .Table.CreatedBy, .Table.IsRegisteredWithLakeFormation, .Table.DatabaseName, .Table.LastAccessTime, .Table.IsMultiDialectView)' "$@"; }

test_expect_success 'setup: a lake of real captures in S3' '
	gzip -c "$TW/v2_stream_twarc-csv_streaming_output.jsonl" >v2.gz &&
	gzip -c "$TW/v2_stream_twarc-csv_streaming_output_truncated.jsonl" >v2t.gz &&
	echo junk >junk.gz &&
	put lake raw/tweets/dt=2021-04-01/hour=15/tweets+0+00000000000000000000.json.gz=v2.gz \
		raw/tweets/dt=2021-04-01/hour=16/tweets+0+00000000000000000009.json.gz=v2t.gz \
		raw/tweets/dt=2021-04-01/hour=16/_SUCCESS=junk.gz
'

test_expect_success 'create: database, table and partitions in Glue' '
	test_expect_failure_status 1 glue-crawl --database lake s3://lake/raw/tweets >sum 2>err &&
	jq -e ".created and .partitions_added == 2 and .records == 16 and .records_bad == 1 and .objects == 2 and .objects_skipped == 1" sum &&
	grep -q "created database lake" err &&
	glue get-table --database-name lake --name tweets >t.json &&
	test "$(jq -r .Table.StorageDescriptor.Location t.json)" = s3://lake/raw/tweets/ &&
	test "$(jq -r .Table.StorageDescriptor.SerdeInfo.SerializationLibrary t.json)" = org.openx.data.jsonserde.JsonSerDe &&
	test "$(jq -r .Table.Parameters.classification t.json)" = json &&
	glue get-partitions --database-name lake --table-name tweets >p.json &&
	test "$(jq -c "[.Partitions[].Values] | sort" p.json)" = "[[\"2021-04-01\",\"15\"],[\"2021-04-01\",\"16\"]]" &&
	test "$(jq -r ".Partitions[] | select(.Values[1] == \"16\") | .StorageDescriptor.Location" p.json)" = s3://lake/raw/tweets/dt=2021-04-01/hour=16/
'

test_expect_success 'the Glue table is the Table JSON the local catalog holds' '
	mkdir -p local && aws --endpoint-url "$MOTO_URL" s3 cp --quiet --recursive s3://lake/raw/tweets local/tweets &&
	glue-crawl -q --catalog cat --database lake --location s3://lake/raw/tweets/ local/tweets >/dev/null;
	norm t.json >a && norm cat/lake/tweets.json >b && test_cmp a b
'

test_expect_success 're-run is a no-op' '
	v=$(jq -r .Table.VersionId t.json) &&
	glue-crawl -q --database lake s3://lake/raw/tweets >sum;
	jq -e ".created == false and .changed == false and .partitions_added == 0 and .partitions_existing == 2" sum &&
	test "$(glue get-table --database-name lake --name tweets --query Table.VersionId --output text)" = "$v"
'

test_expect_success 'new fields widen the table and the old partitions; new partitions once' '
	echo "{\"data\":{\"id\":\"9\",\"edit_history_tweet_ids\":[\"9\"]},\"matching_rules\":[{\"id\":1.5,\"tag\":\"t\"}],\"extra\":1}" | gzip >new.gz &&
	put lake raw/tweets/dt=2021-04-02/hour=00/tweets+0+00000000000000000020.json.gz=new.gz &&
	glue-crawl -q --database lake s3://lake/raw/tweets >sum;
	jq -e ".columns_added == [\"extra\"] and (.columns_widened | sort) == [\"data\",\"matching_rules\"] and .partitions_added == 1 and .partitions_existing == 2 and .partitions_updated == 2" sum &&
	glue get-table --database-name lake --name tweets >t2.json &&
	jq -r ".Table.StorageDescriptor.Columns[] | select(.Name == \"matching_rules\") | .Type" t2.json | grep -qx "array<struct<id:double,tag:string>>" &&
	jq -r ".Table.StorageDescriptor.Columns[0].Type" t2.json | grep -q "edit_history_tweet_ids:array<string>" &&
	glue get-partitions --database-name lake --table-name tweets >p2.json &&
	test "$(jq "[.Partitions[].StorageDescriptor.Columns | length] | unique" -c p2.json)" = "[$(jq ".Table.StorageDescriptor.Columns | length" t2.json)]" &&
	glue-crawl -q --database lake s3://lake/raw/tweets >sum;
	jq -e ".changed == false and .partitions_added == 0 and .partitions_existing == 3" sum
'

test_expect_success 'partitions go in batches of 100: 250 new partitions' '
	python3 - <<-EOF &&
	import os, gzip, boto3
	s3 = boto3.client("s3", endpoint_url=os.environ["MOTO_URL"], region_name="us-east-1")
	s3.create_bucket(Bucket="many")
	body = gzip.compress(b"{\"a\":1}\n")
	for i in range(250):
	    s3.put_object(Bucket="many", Key="t/dt=2026-%02d-%02d/hour=%02d/o.json.gz" % (1 + i // 168, 1 + (i // 24) % 7, i % 24), Body=body)
	EOF
	glue-crawl -q --database many --table t s3://many/t >sum &&
	jq -e ".partitions_added == 250 and .objects == 250" sum &&
	test "$(glue get-partitions --database-name many --table-name t --query "length(Partitions)")" = 250 &&
	glue-crawl -q --database many --table t s3://many/t >sum &&
	jq -e ".partitions_added == 0 and .partitions_existing == 250" sum
'

test_expect_success '--manifest: kafka-to-s3 lines register new partitions; existing ones skipped' '
	echo "{\"data\":{\"id\":\"10\"},\"late\":true}" | gzip >m.gz &&
	put lake raw/tweets/dt=2021-04-03/hour=07/tweets+2+00000000000000000000.json.gz=m.gz &&
	line() { printf "{\"url\":\"s3://lake/%s\",\"bucket\":\"lake\",\"key\":\"%s\",\"records\":1,\"bytes\":50,\"topic\":\"tweets\",\"partition\":2,\"first_offset\":0,\"last_offset\":0,\"partition_values\":{\"dt\":\"%s\",\"hour\":\"%s\"}}\n" "$1" "$1" "$2" "$3"; } &&
	{ line raw/tweets/dt=2021-04-03/hour=07/tweets+2+00000000000000000000.json.gz 2021-04-03 07
	  line raw/tweets/dt=2021-04-02/hour=00/tweets+0+00000000000000000020.json.gz 2021-04-02 00; } |
		glue-crawl --manifest --database lake s3://lake/raw/tweets >sum 2>err &&
	jq -e ".partitions_added == 1 and .partitions_existing == 1 and .columns_added == [\"late\"] and .objects == 2" sum &&
	glue get-partitions --database-name lake --table-name tweets --query "Partitions[].Values[0]" --output text | grep -q 2021-04-03 &&
	test "$(glue get-table --database-name lake --name tweets --query Table.Parameters.recordCount --output text)" = "$(jq -r .Table.Parameters.recordCount t2.json)"
'

test_expect_success 'ConcurrentModification: read again and merge again; throttled calls retried' '
	{ python3 "$TOP/tests/stubs/glue-fault-proxy.py" 0 "$MOTO_URL" --port-file pp \
		AWSGlue.UpdateTable=ConcurrentModificationException \
		AWSGlue.BatchCreatePartition=ThrottlingException >/dev/null 2>&1 & echo $! >proxy.pid; } &&
	pp=$(standin_port pp) &&
	echo "{\"conc\":1}" | gzip >c.gz && put lake raw/tweets/dt=2021-04-04/hour=01/x.json.gz=c.gz &&
	AWS_ENDPOINT_URL_GLUE=http://127.0.0.1:$pp glue-crawl --database lake s3://lake/raw/tweets >sum 2>err;
	curl -s http://127.0.0.1:$pp/__stats >stats; kill $(cat proxy.pid); cat err stats &&
	jq -e ".ok and .columns_added == [\"conc\"] and .partitions_added == 1" sum &&
	grep -q "ConcurrentModificationException.*reading the table again" err &&
	jq -e ".\"AWSGlue.UpdateTable\" == 1 and .\"AWSGlue.BatchCreatePartition\" == 1" stats &&
	glue get-table --database-name lake --name tweets --query "Table.StorageDescriptor.Columns[].Name" --output text | grep -qw conc
'

test_expect_success 'a small --sample reads ranges of the objects: fewer records, nothing bad' '
	glue-crawl --dry-run --sample 3k --database lake s3://lake/raw/tweets >sum 2>err &&
	jq -e ".objects_bad == 0 and .records_bad == 0 and .records > 0 and .records < 16 and .dry_run" sum &&
	glue-crawl -q --dry-run --full --database lake s3://lake/raw/tweets >full;
	jq -e ".records > 16" full
'

test_expect_success '--ddl reads S3 and prints DDL a Hive grammar accepts' '
	glue-crawl -q --ddl --database lake s3://lake/raw/tweets >ddl.sql &&
	python3 "$TOP/tests/helpers/hive-ddl-check.py" ddl.sql &&
	grep -q "^LOCATION .s3://lake/raw/tweets/.$" ddl.sql
'

test_expect_success 'hostile JSON keys through the Glue API: every key stored byte for byte' '
	python3 "$TOP/tests/helpers/hostile-keys.py" records >hk.json &&
	put hostile t/a.json=hk.json &&
	glue-crawl -q --ddl --database hostile s3://hostile/t >hk.sql &&
	glue-crawl --database hostile s3://hostile/t >sum 2>err &&
	jq -e ".created" sum &&
	glue get-table --database-name hostile --name t >hk-table.json &&
	python3 "$TOP/tests/helpers/hostile-keys.py" check hk.sql hk-table.json &&
	test $(grep -c "left out of the table" err) -eq 3
'

test_expect_success '--projection on Glue: properties, no partitions' '
	glue-crawl -q --projection --database proj --table t s3://many/t >sum &&
	jq -e ".partitions_added == 0" sum &&
	glue get-table --database-name proj --name t --query Table.Parameters >pp.json &&
	test "$(jq -r ".\"projection.dt.range\"" pp.json)" = "2026-01-01,NOW" &&
	test "$(jq -r ".\"storage.location.template\"" pp.json)" = "s3://many/t/dt=\${dt}/hour=\${hour}/" &&
	test "$(glue get-partitions --database-name proj --table-name t --query "length(Partitions)")" = 0
'

# moto answers GetCrawlerMetrics with 500; one attempt is enough to see it handled
test_expect_success '--crawler: creates, starts, waits (moto state manager), reports' '
	export AWS_MAX_ATTEMPTS=1 &&
	curl -s -X POST "$MOTO_URL/moto-api/state-manager/set-transition" \
		-d "{\"model_name\":\"glue::crawl\",\"transition\":{\"progression\":\"manual\",\"times\":2}}" >/dev/null &&
	test_expect_failure_status 1 glue-crawl --crawler nightly 2>err &&
	grep -q "no crawler named nightly" err &&
	glue-crawl --crawler nightly --create --role arn:aws:iam::123456789012:role/Glue \
		--database lake s3://lake/raw/tweets >sum 2>err &&
	jq -e ".crawler == \"nightly\" and .state == \"READY\" and (.status == \"COMPLETED\" or .status == \"SUCCEEDED\")" sum &&
	grep -q "created crawler nightly" err && grep -q "crawler nightly: RUNNING" err &&
	grep -q "crawler metrics unavailable" err && jq -e ".dpu_hours == 100" sum &&
	glue get-crawler --name nightly --query Crawler.Targets.S3Targets[0].Path --output text | grep -qx s3://lake/raw/tweets &&
	glue-crawl -q --crawler nightly >sum2 && jq -e ".state == \"READY\"" sum2
'

test_done
