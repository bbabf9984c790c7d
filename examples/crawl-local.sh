#!/bin/sh
# A local lake catalogued without AWS: builds a small lake from the real captures in
# tests/data/tweets (or any .jsonl you pass), crawls it into a local catalog, prints the Athena
# DDL, and shows the table's columns. Nothing leaves the machine.
#
#   examples/crawl-local.sh [CAPTURE.jsonl] [WORKDIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
capture=${1:-$top/tests/data/tweets/v2_stream_twarc-csv_streaming_output.jsonl}
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/crawl-local.XXXXXX")}
PATH=$top/bin:$PATH
lake=$work/lake/tweets
mkdir -p "$lake/dt=2021-04-01/hour=15"
gzip -c "$capture" >"$lake/dt=2021-04-01/hour=15/tweets+0+00000000000000000000.json.gz"

# the summary line (JSON) on stdout; exit 1 when bad lines were skipped (a cut capture has one)
glue-crawl --full --catalog "$work/catalog" --database lake "$lake" || echo "(some records were skipped)" >&2
echo "--- $work/catalog/lake/tweets.json, columns:"
jq -r '.Table.StorageDescriptor.Columns[] | "\(.Name)\t\(.Type[0:100])"' "$work/catalog/lake/tweets.json"
echo "--- DDL for Athena, if this lake were at s3://my-lake/raw/tweets/:"
glue-crawl -q --full --ddl --database lake --location s3://my-lake/raw/tweets/ "$lake"
