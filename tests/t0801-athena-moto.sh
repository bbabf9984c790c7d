#!/bin/bash
# athena-query against moto's Athena and S3 with signature checking on: results queued through
# /moto-api/static/athena/query-results (every format, NULL vs "", unicode, embedded newlines and
# quotes), the result CSV moto writes to S3, states through the state manager, Ctrl-C.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-moto.sh"
moto_start --auth
export AWS_DEFAULT_REGION=us-east-1 # the AWS CLI v1 reads only this one

AQ="athena-query --poll-max 20"
BUCKET=tl-athena-results
Q="'" # a single quote, for SQL literals inside the single-quoted test bodies

# queue FILE.json: queue one result in moto (consumed by the next StartQueryExecution)
queue() {
	python3 - "$MOTO_URL" "$1" <<-'EOF'
	import sys, urllib.request
	req = urllib.request.Request(sys.argv[1] + "/moto-api/static/athena/query-results",
	                             data=open(sys.argv[2], "rb").read(), method="POST",
	                             headers={"Content-Type": "application/json"})
	assert urllib.request.urlopen(req).status == 201
	EOF
}

# transition ARGS...: moto's state manager for athena::execution ("manual N" or "reset")
transition() {
	python3 - "$MOTO_URL" "$@" <<-'EOF'
	import json, sys, urllib.request
	url, what = sys.argv[1], sys.argv[2:]
	if what[0] == "reset":
	    path, body = "/moto-api/state-manager/unset-transition", {"model_name": "athena::execution"}
	else:
	    path, body = "/moto-api/state-manager/set-transition", {
	        "model_name": "athena::execution",
	        "transition": {"progression": "manual", "times": int(what[1])}}
	req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
	                             headers={"Content-Type": "application/json"})
	urllib.request.urlopen(req).read()
	EOF
}

# aws_py 'PYTHON': runs PYTHON with s3 and athena boto3 clients (quicker than the AWS CLI)
aws_py() {
	python3 -c "import boto3, sys
s3 = boto3.client('s3', endpoint_url='$MOTO_URL', region_name='us-east-1')
athena = boto3.client('athena', endpoint_url='$MOTO_URL', region_name='us-east-1')
$1" "${@:2}"
}

# make_result NAME ROWS_PY: writes NAME.json (a moto results payload) from a Python list of rows
# (None for NULL), given as text or as @FILE; the columns are id bigint, lang varchar, text varchar, ok boolean, score double.
make_result() {
	python3 - "$1" "$2" <<-'EOF'
	import json, sys
	src = sys.argv[2]
	rows = eval(open(src[1:]).read() if src.startswith("@") else src)
	cols = [("id", "bigint"), ("lang", "varchar"), ("text", "varchar"), ("ok", "boolean"), ("score", "double")]
	def row(vals):
	    return {"Data": [{} if v is None else {"VarCharValue": v} for v in vals]}
	out = {"results": [{
	    "rows": [row([c for c, _ in cols])] + [row(r) for r in rows],
	    "column_info": [{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": c,
	                     "Label": c, "Type": t, "Precision": 0, "Scale": 0,
	                     "Nullable": "UNKNOWN", "CaseSensitive": False} for c, t in cols]}]}
	json.dump(out, open(sys.argv[1] + ".json", "w"))
	EOF
}

TRICKY='[["1", "en", "hello, world", "true", "0.5"],
 ["2", "ja", "日本語のツイート 🎉", "false", "1.25"],
 ["3", "", "", None, None],
 ["4", None, None, "true", "NaN"],
 ["5", "en", "line one\nline two", "true", "2.0"],
 ["6", "en", "she said \"hi\"", "false", "-3.5E-4"]]'
# moto writes its result CSV without doubling quotes, so the S3 data has none
NOQUOTES='[["1", "en", "hello, world", "true", "0.5"],
 ["2", "ja", "日本語のツイート 🎉", "false", "1.25"],
 ["3", "", "", None, None],
 ["4", None, None, "true", "NaN"],
 ["5", "en", "line one\nline two", "true", "2.0"]]'

test_expect_success 'setup: result bucket, queued results' '
	aws_py "s3.create_bucket(Bucket=\"$BUCKET\")" &&
	make_result "$TRASH/tricky" "$TRICKY" &&
	make_result "$TRASH/noquotes" "$NOQUOTES"
'

cat >"$TRASH/tricky.csv" <<'EOF'
id,lang,text,ok,score
1,en,"hello, world",true,0.5
2,ja,日本語のツイート 🎉,false,1.25
3,"","",,
4,,,true,NaN
5,en,"line one
line two",true,2.0
6,en,"she said ""hi""",false,-3.5E-4
EOF

test_expect_success 'csv through GetQueryResults (signed, checked by moto): NULL vs "", quotes, newlines' '
	queue "$TRASH/tricky.json" &&
	$AQ -d default "SELECT * FROM tweets" >out 2>err &&
	test_cmp "$TRASH/tricky.csv" out &&
	grep -q "SUCCEEDED" err && grep -q "6 rows" err
'

test_expect_success 'ndjson: typed, null vs ""' '
	queue "$TRASH/tricky.json" &&
	$AQ -F ndjson "SELECT * FROM tweets" >out 2>err &&
	cat >want <<-\EOF &&
	{"id":1,"lang":"en","text":"hello, world","ok":true,"score":0.5}
	{"id":2,"lang":"ja","text":"日本語のツイート 🎉","ok":false,"score":1.25}
	{"id":3,"lang":"","text":"","ok":null,"score":null}
	{"id":4,"lang":null,"text":null,"ok":true,"score":"NaN"}
	{"id":5,"lang":"en","text":"line one\nline two","ok":true,"score":2.0}
	{"id":6,"lang":"en","text":"she said \"hi\"","ok":false,"score":-3.5E-4}
	EOF
	test_cmp want out
'

test_expect_success 'tsv and table' '
	queue "$TRASH/tricky.json" && queue "$TRASH/tricky.json" &&
	$AQ -F tsv "SELECT * FROM tweets" >out 2>err &&
	sed -n 4,5p out >l && printf "3\t\t\t\\\\N\t\\\\N\n4\t\\\\N\t\\\\N\ttrue\tNaN\n" >want && test_cmp want l &&
	$AQ -F table "SELECT * FROM tweets" >out 2>err &&
	grep -q "^  2 | ja   | 日本語のツイート 🎉 | false |    1.25$" out &&
	grep -q "^  5 | en   | line one\\\\nline two  *| true  |     2.0$" out
'

test_expect_success 'S3 result CSV written by moto, fetched and parsed: same as the API path' '
	queue "$TRASH/noquotes.json" &&
	$AQ -v -o s3://$BUCKET/results/ --fetch s3 "SELECT * FROM tweets" >s3.out 2>err &&
	grep -q "fetching s3://$BUCKET/results/" err &&
	queue "$TRASH/noquotes.json" &&
	$AQ --fetch api "SELECT * FROM tweets" >api.out 2>err &&
	test_cmp api.out s3.out && test $(wc -l <s3.out) -eq 7
'

test_expect_success 'S3 path with an Athena-style CSV (every value quoted, quotes doubled)' '
	queue "$TRASH/tricky.json" &&
	$AQ -o s3://$BUCKET/results/ --fetch api "SELECT * FROM tweets" >/dev/null 2>err &&
	id=$(sed -n "s/.*query \([0-9a-f-]\{36\}\);.*/\1/p" err) && test -n "$id" &&
	printf "\"id\",\"lang\",\"text\",\"ok\",\"score\"\n\"6\",\"en\",\"she said \"\"hi\"\"\",\"false\",\n\"7\",,\"\",\"true\",\"1\"\n" >athena.csv &&
	aws_py "s3.upload_file(\"athena.csv\", \"$BUCKET\", \"results/$id.csv\")" &&
	$AQ --query-id "$id" --fetch s3 -F ndjson >out 2>err &&
	printf "{\"id\":6,\"lang\":\"en\",\"text\":\"she said \\\\\"hi\\\\\"\",\"ok\":false,\"score\":null}\n{\"id\":7,\"lang\":null,\"text\":\"\",\"ok\":true,\"score\":1}\n" >want &&
	test_cmp want out
'

test_expect_success '--fetch auto: a large result file (>= 1 MiB) streams from S3, a small one pages' '
	python3 -c "
import json
rows=[[str(i), \"en\", \"x\" * 100, \"true\", \"1.5\"] for i in range(12000)]
print(repr(rows))" >big.py &&
	make_result big @big.py && queue big.json &&
	$AQ -v -o s3://$BUCKET/results/ -F csv --no-header "SELECT * FROM big" >out 2>err &&
	grep -q "fetching s3://" err && test $(wc -l <out) -eq 12000 &&
	queue "$TRASH/noquotes.json" &&
	$AQ -v -o s3://$BUCKET/results/ "SELECT * FROM small" >out 2>err &&
	! grep -q "fetching s3://" err && test $(wc -l <out) -eq 7
'

test_expect_success '--max-rows on the S3 path stops the download early' '
	queue big.json &&
	$AQ -o s3://$BUCKET/results/ --fetch s3 -n 5 --no-header "SELECT * FROM big" >out 2>err &&
	test $(wc -l <out) -eq 5 && head -n 1 out | grep -q "^0,en,"
'

test_expect_success 'states QUEUED -> RUNNING -> SUCCEEDED (state manager) shown as progress' '
	transition manual 2 &&
	queue "$TRASH/noquotes.json" &&
	$AQ --progress "SELECT * FROM tweets" >out 2>err; rc=$?
	transition reset
	test $rc -eq 0 &&
	grep -q " QUEUED " err && grep -q " RUNNING " err && test $(wc -l <out) -eq 7
'

test_expect_success 'Ctrl-C: StopQueryExecution reaches moto (the query is CANCELLED there), exit 130' '
	transition manual 100000
	rm -f err
	$AQ --progress "SELECT 1" >out 2>err &
	pid=$!
	( sleep 120; kill -KILL $pid ) >/dev/null 2>&1 &
	wd=$!
	wait_for 60 "grep -q QUEUED err 2>/dev/null"
	kill -INT $pid; wait $pid; rc=$?
	kill $wd
	transition reset
	test $rc -eq 130 &&
	id=$(sed -n "s/.*stopping query \([0-9a-f-]\{36\}\).*/\1/p" err) && test -n "$id" &&
	aws_py "print(athena.get_query_execution(QueryExecutionId=\"$id\")[\"QueryExecution\"][\"Status\"][\"State\"])" >state &&
	echo CANCELLED >want && test_cmp want state
'

test_expect_success '--param: each value one SQL literal, as moto records it; a bare date exits 2, unsent' '
	queue "$TRASH/noquotes.json" &&
	$AQ -p "${Q}2026-11-25${Q}" -p 10 "SELECT * FROM tweets WHERE dt = ? LIMIT ?" >out 2>err &&
	id=$(sed -n "s/.*query \([0-9a-f-]\{36\}\);.*/\1/p" err) && test -n "$id" &&
	aws_py "import json; print(json.dumps(athena.get_query_execution(QueryExecutionId=\"$id\")[\"QueryExecution\"][\"ExecutionParameters\"]))" >got &&
	echo "[\"${Q}2026-11-25${Q}\", \"10\"]" >want && test_cmp want got &&
	aws_py "print(len(athena.list_query_executions()[\"QueryExecutionIds\"]))" >before &&
	test_expect_failure_status 2 $AQ -p 2026-11-25 "SELECT * FROM tweets WHERE dt = ?" 2>err &&
	grep -q "error: --param 2026-11-25: not one SQL literal" err &&
	aws_py "print(len(athena.list_query_executions()[\"QueryExecutionIds\"]))" >after &&
	test_cmp before after
'

test_expect_success 'a wrong secret is refused by moto: exit 1 with the AWS error' '
	test_expect_failure_status 1 env AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrong $AQ "SELECT 1" >out 2>err &&
	grep -qE "SignatureDoesNotMatch|InvalidSignature|403" err
'

test_done
