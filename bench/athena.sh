#!/bin/bash
# bench/athena.sh: a 100,000-row Athena result fetched as CSV by athena-query (GetQueryResults
# paging, and the result CSV streamed from S3) and by the AWS CLI (`aws athena
# get-query-results`, its own paging, converted to CSV), side by side: wall time and peak memory.
#
#   bench/athena.sh            ROWS=100000 by default; ROWS=N bench/athena.sh for another size
#
# Two servers on 127.0.0.1: moto (the result queued through /moto-api/static/athena/query-results;
# moto answers GetQueryResults with every row in one page and writes the result CSV to S3), and
# tests/stubs/athena-stub.py, which pages like Athena (1,000 rows a page, NextToken), so the paging
# costs of both clients show. Each figure is the best of 3 runs. The outputs are compared: all
# three CSVs must be identical. Memory flatness: the same fetches at ROWS/10 rows.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
ROWS=${ROWS:-100000}
make -s bin/athena-query >/dev/null
W=$(mktemp -d "${TMPDIR:-/tmp}/tl-bench-athena.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$W"' EXIT

# standin_port FILE: the port a stand-in writes into FILE once it listens (up to 60 s).
standin_port() { for _ in $(seq 600); do grep -qE '^[0-9]+$' "$1" 2>/dev/null && { cat "$1"; return 0; }; sleep 0.1; done; return 1; }

export AWS_ACCESS_KEY_ID=AKIDBENCHBENCH AWS_SECRET_ACCESS_KEY=benchsecretbenchsecret
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ENDPOINT_URL

python3 tests/stubs/moto-serve.py --port-file "$W/moto.port" >"$W/moto.log" 2>&1 &
pids+=($!)
python3 tests/stubs/athena-stub.py --port-file "$W/stub.port" >"$W/stub.log" 2>&1 &
pids+=($!)
MOTO_PORT=$(standin_port "$W/moto.port") && STUB_PORT=$(standin_port "$W/stub.port")
MOTO=http://127.0.0.1:$MOTO_PORT
STUB=http://127.0.0.1:$STUB_PORT

# The CLI's JSON to CSV, as a script would do it (header row skipped, NULL as empty).
cat >"$W/cli2csv.py" <<'EOF'
import csv, json, sys
r = json.load(sys.stdin)
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow([c["Label"] for c in r["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]])
for row in r["ResultSet"]["Rows"][1:]:
    w.writerow([d.get("VarCharValue") for d in row["Data"]])
EOF

# prepare N: queues N rows in moto, runs the query once, prints its id
prepare() {
	python3 - "$MOTO" "$1" <<-'EOF'
	import json, sys, urllib.request
	sys.path.insert(0, "tests")
	import importlib.util
	spec = importlib.util.spec_from_file_location("stub", "tests/stubs/athena-stub.py")
	stub = importlib.util.module_from_spec(spec); spec.loader.exec_module(stub)
	n = int(sys.argv[2])
	cols = stub.COLS_GEN
	rows = [stub.to_row([c for c, _ in cols])] + [stub.to_row(stub.gen_row(i)) for i in range(n)]
	body = {"results": [{"rows": rows, "column_info": stub.column_info(cols)}]}
	req = urllib.request.Request(sys.argv[1] + "/moto-api/static/athena/query-results",
	                             data=json.dumps(body).encode(), method="POST",
	                             headers={"Content-Type": "application/json"})
	assert urllib.request.urlopen(req).status == 201
	EOF
	athena-query --endpoint-url "$MOTO" -o s3://bench-results/ --fetch api --no-stats -q \
		"SELECT * FROM tweets" >/dev/null
	python3 -c "import boto3; a=boto3.client('athena', endpoint_url='$MOTO'); print(a.list_query_executions()['QueryExecutionIds'][-1])"
}

# measure NAME OUT CMD...: best wall time of 3 runs and the peak RSS, as "secs MiB"
measure() {
	local name=$1 out=$2 best="" rss=0 i t m
	shift 2
	for i in 1 2 3; do
		/usr/bin/time -f "%e %M" -o "$W/time" bash -c "$*" >"$out" 2>"$W/err" || {
			echo "$name failed:" >&2; cat "$W/err" >&2; exit 1; }
		read -r t m <"$W/time"
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
		[ "$m" -gt "$rss" ] && rss=$m
	done
	printf '%s %s\n' "$best" "$((rss / 1024))"
}

export PATH="$TOP/bin:$PATH"
python3 -c "import boto3; boto3.client('s3', endpoint_url='$MOTO').create_bucket(Bucket='bench-results')"

declare -A T M
for n in $((ROWS / 10)) "$ROWS"; do
	id=$(prepare "$n")
	read -r T[api$n] M[api$n] < <(measure "athena-query --fetch api (moto)" "$W/api.csv" \
		athena-query --endpoint-url "$MOTO" --query-id "$id" --fetch api -F csv --no-stats)
	read -r T[s3$n] M[s3$n] < <(measure "athena-query --fetch s3 (moto)" "$W/s3.csv" \
		athena-query --endpoint-url "$MOTO" --query-id "$id" --fetch s3 -F csv --no-stats)
	read -r T[cli$n] M[cli$n] < <(measure "aws athena get-query-results (moto)" "$W/cli.csv" \
		"aws --endpoint-url $MOTO athena get-query-results --query-execution-id $id --output json | python3 $W/cli2csv.py")
	cmp "$W/api.csv" "$W/s3.csv" && cmp "$W/api.csv" "$W/cli.csv" || { echo "outputs differ" >&2; exit 1; }
	test "$(wc -l <"$W/api.csv")" -eq $((n + 1)) || { echo "row count" >&2; exit 1; }

	sid=$(athena-query --endpoint-url "$STUB" --poll-max 50 -F csv --no-stats -v \
		"SELECT rows_$n" 2>&1 >/dev/null | sed -n 's/.*query \([0-9a-f-]\{36\}\) started.*/\1/p')
	read -r T[sapi$n] M[sapi$n] < <(measure "athena-query --fetch api (stub)" "$W/sapi.csv" \
		athena-query --endpoint-url "$STUB" --query-id "$sid" --fetch api -F csv --no-stats)
	read -r T[scli$n] M[scli$n] < <(measure "aws athena get-query-results (stub)" "$W/scli.csv" \
		"aws --endpoint-url $STUB athena get-query-results --query-execution-id $sid --output json | python3 $W/cli2csv.py")
	cmp "$W/sapi.csv" "$W/scli.csv" || { echo "stub outputs differ" >&2; exit 1; }
	cmp "$W/sapi.csv" "$W/api.csv" || { echo "stub and moto outputs differ" >&2; exit 1; }
done

n=$ROWS
s=$((ROWS / 10))
ratio() { awk "BEGIN{printf \"%.1f\", $1 / ($2 > 0.005 ? $2 : 0.005)}"; }
printf '\n%s rows as CSV (%s bytes), best of 3; peak RSS at %s and at %s rows\n\n' \
	"$n" "$(wc -c <"$W/api.csv")" "$s" "$n"
printf '%-64s %8s %9s %9s %8s\n' "" "seconds" "RSS MiB" "RSS MiB" "vs CLI"
printf '%-64s %8s %9s %9s %8s\n' "" "" "($s)" "($n)" ""
line() { printf '%-64s %8s %9s %9s %8s\n' "$1" "${T[$2$n]}" "${M[$2$s]}" "${M[$2$n]}" "$3"; }
line "moto, one page: aws athena get-query-results | to CSV" cli "1.0x"
line "moto, one page: athena-query --fetch api" api "$(ratio "${T[cli$n]}" "${T[api$n]}")x"
line "moto, result CSV in S3: athena-query --fetch s3" s3 "$(ratio "${T[cli$n]}" "${T[s3$n]}")x"
line "stand-in, 1000-row pages: aws athena get-query-results | to CSV" scli "1.0x"
line "stand-in, 1000-row pages: athena-query --fetch api" sapi "$(ratio "${T[scli$n]}" "${T[sapi$n]}")x"
