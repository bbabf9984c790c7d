#!/bin/bash
# athena-query --history (ListQueryExecutions, then BatchGetQueryExecution 50 ids at a time) and
# --no-wait (start, print the ids, leave the queries running; --query-id comes back to them),
# against the Athena stand-in and against moto (which has no BatchGetQueryExecution).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-moto.sh"
moto_start
MOTO_ENDPOINT=$AWS_ENDPOINT_URL

python3 "$TOP/tests/stubs/athena-stub.py" --port-file "$TRASH/stub.port" --log "$TRASH/calls.log" \
	>"$TRASH/stub.out" 2>&1 &
test_cleanup "kill $!"
STUB_ENDPOINT=http://127.0.0.1:$(standin_port "$TRASH/stub.port") || { cat "$TRASH/stub.out"; exit 1; }
export AWS_ENDPOINT_URL=$STUB_ENDPOINT AWS_MAX_ATTEMPTS=1
AQ="athena-query --poll-max 20"

# calls TARGET: requests of that kind since the log was last emptied
calls() { grep "\"AmazonAthena.$1\"" "$TRASH/calls.log"; }

test_expect_success '--no-wait starts each statement, prints its id, and polls nothing' '
	printf "SELECT 1;\nSELECT\n  2 -- the second\n\tFROM pages;\nSELECT '\''a\033[31mred'\''\n" >three.sql &&
	$AQ --no-wait -f three.sql >ids 2>err &&
	test_line_count = 3 ids &&
	! grep -v -E "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\$" ids &&
	test $(calls StartQueryExecution | wc -l) -eq 3 &&
	! calls GetQueryExecution
'

test_expect_success '--history lists them newest first: id, state, submitted, scanned, engine time, SQL on one line' '
	: >"$TRASH/calls.log" &&
	$AQ --history -F csv >got 2>err &&
	{
		echo "query_id,state,submitted,scanned_bytes,engine_ms,query" &&
		echo "$(sed -n 3p ids),QUEUED,2025-11-24T16:00:03.123Z,0,0,SELECT '\''a\\x1B[31mred'\''" &&
		echo "$(sed -n 2p ids),QUEUED,2025-11-24T16:00:02.123Z,0,0,SELECT\\n2 -- the second\\nFROM pages" &&
		echo "$(sed -n 1p ids),QUEUED,2025-11-24T16:00:01.123Z,0,0,SELECT 1"
	} >want &&
	test_cmp want got &&
	test $(calls ListQueryExecutions | wc -l) -eq 1 &&
	calls ListQueryExecutions | jq -e ".body.MaxResults == 20 and (.body | has(\"WorkGroup\") | not)" &&
	calls BatchGetQueryExecution | jq -e ".body.QueryExecutionIds | length == 3" &&
	! calls GetQueryExecution
'

test_expect_success '--query-id comes back to a query started with --no-wait' '
	$AQ --query-id "$(sed -n 2p ids)" -F csv >got 2>err &&
	grep -q "^1,en,hello world,true,0.5\$" got && test_line_count = 12 got &&
	grep -q "SUCCEEDED" err
'

test_expect_success 'a finished query: its state, data scanned and engine time' '
	$AQ -F csv "SELECT 1 AS one" >/dev/null 2>err &&
	$AQ --history 1 -F ndjson >got &&
	jq -e ".state == \"SUCCEEDED\" and .scanned_bytes == 123456789 and .engine_ms == 1500 and .query == \"SELECT 1 AS one\"" got &&
	$AQ --history=2 -F tsv --no-header >got &&
	test_line_count = 2 got &&
	sed -n 2p got | cut -f1 >id && sed -n 3p ids >want && test_cmp want id
'

test_expect_success 'pages of ListQueryExecutions (NextToken), BatchGetQueryExecution 50 ids a call' '
	for i in $(seq 1 60); do echo "SELECT $i;"; done >sixty.sql &&
	$AQ --no-wait -f sixty.sql >more &&
	test_line_count = 60 more &&
	: >"$TRASH/calls.log" &&
	$AQ --history 62 -F csv --no-header >got &&
	test_line_count = 62 got &&
	calls ListQueryExecutions | jq -c ".body.MaxResults" | tr "\n" " " >max && printf "50 12 " >want && test_cmp want max &&
	calls ListQueryExecutions | sed -n 2p | jq -e ".body.NextToken | length > 0" &&
	calls BatchGetQueryExecution | jq -c ".body.QueryExecutionIds | length" | tr "\n" " " >batches &&
	printf "50 12 " >want && test_cmp want batches &&
	head -n 1 got | cut -d, -f6 >first && echo "SELECT 60" >want && test_cmp want first &&
	tail -n 1 got | cut -d, -f1 >last && sed -n 3p ids >want && test_cmp want last
'

test_expect_success 'the workgroup asked for is the one listed' '
	$AQ --no-wait -w analysts "SELECT 99" >wg &&
	: >"$TRASH/calls.log" &&
	$AQ --history -w analysts -F csv --no-header >got &&
	test_line_count = 1 got && cut -d, -f1 got >id && test_cmp wg id &&
	calls ListQueryExecutions | jq -e ".body.WorkGroup == \"analysts\""
'

test_expect_success 'a long query: the first 100 characters, then an ellipsis' '
	long="SELECT '\''$(printf "x%.0s" $(seq 1 200))'\''" &&
	$AQ --no-wait -w long "$long" >/dev/null &&
	$AQ --history -w long -F ndjson >got &&
	jq -e ".query | length == 101 and endswith(\"xxx…\") and startswith(\"SELECT '\''xx\")" got
'

test_expect_success 'usage: --history takes a count and no SQL; --no-wait is for Athena and new queries' '
	test_expect_failure_status 2 athena-query --history 0 &&
	test_expect_failure_status 2 athena-query --history=abc &&
	test_expect_failure_status 2 athena-query --history "SELECT 1" 2>err &&
	grep -q "takes a number of queries" err &&
	test_expect_failure_status 2 athena-query --history --local lake &&
	test_expect_failure_status 2 athena-query --no-wait --local lake "SELECT 1" &&
	test_expect_failure_status 2 athena-query --no-wait --query-id x &&
	test_expect_failure_status 2 athena-query --no-wait --chart bar "SELECT 1"
'

test_expect_success 'moto: --no-wait, --query-id, and --history without BatchGetQueryExecution' '
	export AWS_ENDPOINT_URL=$MOTO_ENDPOINT &&
	[ -n "$AWS_ENDPOINT_URL" ] &&
	$AQ --no-wait "SELECT 1; SELECT 2" >mids 2>err &&
	test_line_count = 2 mids &&
	$AQ --query-id "$(head -n 1 mids)" -F csv >got 2>err &&
	grep -q "SUCCEEDED" err &&
	$AQ --history -F csv >got 2>err &&
	grep -q "BatchGetQueryExecution.*asking for each query alone" err &&
	! grep -q "athena-query: error" err &&
	grep -q "^$(head -n 1 mids),SUCCEEDED,20[0-9-]*T[0-9:.]*Z,0,0,SELECT 1\$" got &&
	grep -q "^$(tail -n 1 mids),SUCCEEDED,.*,SELECT 2\$" got
'
test_done
