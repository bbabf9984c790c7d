#!/bin/bash
# athena-query's prompt on a real terminal (tmux) against Athena: the stand-in
# (tests/stubs/athena-stub.py) for results, failures and a query that runs until Ctrl-C stops it
# with StopQueryExecution; moto's Glue (signatures checked) for completion and \d.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-tmux.sh"
. "$TOP/tests/lib-moto.sh"
moto_start --auth

python3 "$TOP/tests/stubs/athena-stub.py" --port-file "$TRASH/stub.port" --log "$TRASH/calls.log" \
	>"$TRASH/stub.out" 2>&1 &
test_cleanup "kill $!"
STUB_URL=http://127.0.0.1:$(standin_port "$TRASH/stub.port") || { cat "$TRASH/stub.out"; exit 1; }
export HOME=$TRASH XDG_STATE_HOME=$TRASH/state AWS_MAX_ATTEMPTS=2
unset PAGER ATHENA_QUERY_HISTORY

python3 - "$MOTO_URL" <<'EOF' || exit 1
import boto3, sys
glue = boto3.client("glue", endpoint_url=sys.argv[1], region_name="us-east-1")
glue.create_database(DatabaseInput={"Name": "social"})
cols = [{"Name": "id", "Type": "string"}, {"Name": "lang", "Type": "string"},
        {"Name": "author", "Type": "struct<id:string,username:string,name:string>"},
        {"Name": "public_metrics", "Type": "struct<like_count:int,retweet_count:int>"}]
for name in ("tweets", "tweets_sentiment"):
    glue.create_table(DatabaseName="social", TableInput={
        "Name": name, "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        "StorageDescriptor": {"Columns": cols, "Location": "s3://lake/%s/" % name}})
EOF

# on_stub / on_moto: the endpoint the next term_start talks to
on_stub() { export AWS_ENDPOINT_URL=$STUB_URL; }
on_moto() { export AWS_ENDPOINT_URL=$MOTO_URL; }
calls() { grep -c "\"AmazonAthena.$1\"" "$TRASH/calls.log"; }

test_expect_success 'a SELECT at the Athena prompt prints its rows, then the stats line' '
	on_stub &&
	term_start "athena-query --poll-max 50" &&
	term_idle "athena>" &&
	term_type "SELECT * FROM pages;" && term_key Enter &&
	term_wait "^ +10 \| und +\| last" &&
	term_wait "SUCCEEDED in .*: 10 rows" &&
	term_idle "athena>" &&
	term_screen >screen &&
	test $(grep -n "^ +10 | und" -E screen | cut -d: -f1) -lt $(grep -n "SUCCEEDED in" screen | cut -d: -f1)
'

test_expect_success 'Ctrl-C stops the running query in Athena (StopQueryExecution); the prompt goes on' '
	term_type "SELECT never_ends;" && term_key Enter &&
	wait_for 60 "[ \$(calls GetQueryExecution) -ge 5 ]" &&
	term_key C-c &&
	term_wait "query [0-9a-f-]+ CANCELLED" &&
	term_wait "athena-query: cancelled" &&
	term_idle "athena>" &&
	test $(calls StopQueryExecution) -eq 1 &&
	id=$(grep StopQueryExecution "$TRASH/calls.log" | jq -r .body.QueryExecutionId) &&
	grep StartQueryExecution "$TRASH/calls.log" | tail -n 1 >start &&
	grep -q never_ends start &&
	term_type "SELECT 1;" && term_key Enter &&
	term_wait "^ _col0\$" && term_idle "athena>"
'

test_expect_success 'a failed query shows its reason and the prompt goes on; Ctrl-D leaves with 0' '
	term_type "SELECT fail_me;" && term_key Enter &&
	term_wait "COLUMN_NOT_FOUND" &&
	term_idle "athena>" &&
	term_key C-d &&
	test "$(term_status)" = 0
'

test_expect_success 'Tab completes Glue tables, columns and struct fields (GetTables, signed)' '
	on_moto &&
	term_start "athena-query -d social" &&
	term_idle "social>" &&
	term_type "SELECT author.us" && term_key Tab &&
	term_wait "^social> SELECT author\.username\$" &&
	term_type ", public_metrics.r" && term_key Tab &&
	term_wait "author\.username , public_metrics\.retweet_count\$" &&
	term_type "FROM tw" && term_key Tab &&
	term_wait "retweet_count FROM tweets\$" &&
	term_key Tab &&
	term_wait "^tweets +tweets_sentiment" &&
	term_key C-c && term_idle "social>"
'

test_expect_success '\d lists the Glue tables, \d TABLE shows one' '
	term_type "\\d" && term_key Enter &&
	term_wait "^ social +\| tweets +\| 4 +\| dt +\| s3://lake/tweets/" &&
	term_wait "^ social +\| tweets_sentiment " &&
	term_idle "social>" &&
	term_type "\\d tweets" && term_key Enter &&
	term_wait "^ author +\| struct<id:string,username:string,name:string> +\|" &&
	term_wait "^ dt +\| string +\| yes" &&
	term_idle "social>" &&
	term_type "\\q" && term_key Enter &&
	test "$(term_status)" = 0
'

test_expect_success 'a catalog that cannot be read: completion says so once and offers keywords' '
	export AWS_ENDPOINT_URL=http://127.0.0.1:$(free_port) AWS_MAX_ATTEMPTS=1 &&
	term_start "athena-query -d social" &&
	term_idle "social>" &&
	term_type "SEL" && term_key Tab &&
	term_wait "completing keywords only" &&
	term_wait "^social> SELECT\$" &&
	term_key C-c && term_idle "social>" &&
	term_key C-d && test "$(term_status)" = 0
'
test_done
