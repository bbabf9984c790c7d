#!/bin/bash
# bench/local-query.sh: a GROUP BY over N local tweets (gzip NDJSON in a lake), with
# `athena-query --local` and with the same query written for jq over the same files; then the
# Athena SQL the examples use: a struct field with dots, and top hashtags through CROSS JOIN
# UNNEST(transform(...)) (a lambda over the array of rows). Each query also runs on DuckDB
# (bench/peers, `make bench-deps`; read_json over the same objects with hive partitioning),
# once on all cores and once on one, since athena-query scans on one core; answers compared.
#
#   bench/local-query.sh [N]      (default 1000000; needs `make` first; jq from `make deps`)
#
# The lake is made by tw-stream --simulate (8 objects across 8 hour partitions), catalogued by
# glue-crawl --catalog. Prints seconds, records/s and MB/s (uncompressed) for each, and ratios.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$top/bin:$PATH"
n=${1:-1000000}
dir=$(mktemp -d /tmp/tl-bench-local.XXXXXX)
trap 'rm -rf "$dir"' EXIT
lake=$dir/lake
per=$(( (n + 7) / 8 ))
echo "making a lake of $n simulated tweets..." >&2
for h in 0 1 2 3 4 5 6 7; do
	d=$lake/tweets/dt=2026-11-25/hour=0$h
	mkdir -p "$d"
	tw-stream --simulate --seed "$h" --max-tweets "$per" -q | gzip -6 >"$d/tweets+$h+00000000000000000000.json.gz" &
	[ $((h % 2)) -eq 1 ] && wait
done
wait
glue-crawl "$lake/tweets" --database bench --table tweets --catalog "$lake/_catalog" -q >/dev/null
raw=$(cat "$lake"/tweets/*/*/*.gz | gzip -dc | wc -c)
gz=$(cat "$lake"/tweets/*/*/*.gz | wc -c)
printf 'lake: %d tweets, %.1f MB gzip, %.1f MB uncompressed\n' "$n" "$(echo "$gz/1048576" | bc -l)" "$(echo "$raw/1048576" | bc -l)"

time_of() { # prints seconds of the command
	local s e
	s=$(date +%s.%N)
	"$@" >"$dir/out" 2>"$dir/err" || { cat "$dir/err" >&2; return 1; }
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}
report() { # NAME SECONDS
	printf '%-34s %7.2f s  %9.0f records/s  %7.1f MB/s\n' "$1" "$2" "$(echo "$n / $2" | bc -l)" \
		"$(echo "$raw / 1048576 / $2" | bc -l)"
}

sql="SELECT lang, count(*) AS n FROM tweets GROUP BY lang ORDER BY n DESC, lang"
t1=$(time_of athena-query --local "$lake" -F csv --no-header "$sql")
cp "$dir/out" "$dir/ours"
report "athena-query --local (GROUP BY)" "$t1"
t2=$(time_of sh -c "cat '$lake'/tweets/*/*/*.gz | gzip -dc | jq -r '.lang' | sort | uniq -c | sort -k1,1nr -k2 | awk '{print \$2\",\"\$1}'")
report "zcat | jq | sort | uniq -c" "$t2"
if ! cmp -s "$dir/ours" "$dir/out"; then
	echo "the two answers differ:" >&2
	diff "$dir/ours" "$dir/out" | head >&2
	exit 1
fi
printf 'same answer; athena-query --local is %.1fx the speed of the jq pipeline\n' "$(echo "$t2 / $t1" | bc -l)"

sql2="SELECT lower(tag) AS tag, count(*) AS n FROM tweets CROSS JOIN UNNEST(transform(entities.hashtags, h -> h.tag)) AS t (tag) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
t3=$(time_of athena-query --local "$lake" -F csv --no-header "$sql2")
cp "$dir/out" "$dir/ours2"
report "athena-query --local (hashtags)" "$t3"
t4=$(time_of sh -c "cat '$lake'/tweets/*/*/*.gz | gzip -dc | jq -r '.entities.hashtags[]?.tag | ascii_downcase' | sort | uniq -c | sort -k1,1nr -k2 | head -n 10")
report "zcat | jq | sort | uniq -c (hashtags)" "$t4"
sql3="SELECT author.username, count(*) AS n FROM tweets GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
t5=$(time_of athena-query --local "$lake" -F csv --no-header "$sql3")
report "athena-query --local (author.username)" "$t5"
cp "$dir/out" "$dir/ours3"

# DuckDB: the same three queries in its SQL (list_transform and unnest in the select list).
if [ ! -d "$top/bench/peers/node_modules/@duckdb/node-api" ]; then
	echo "DuckDB skipped: bench peers missing (make bench-deps)" >&2
	exit 0
fi
src="read_json('$lake/tweets/*/*/*.json.gz', format = 'newline_delimited', hive_partitioning = true)"
duck() { # NAME OURS-FILE OUR-SECONDS SQL: DuckDB on all cores and on one, answers compared
	local threads t name
	for threads in 0 1; do
		t=$(time_of node "$top/bench/duckdb-query.js" "$threads" "$4")
		name="DuckDB $1"
		[ "$threads" = 1 ] && name="$name, 1 thread"
		report "$name" "$t"
		if ! cmp -s "$2" "$dir/out"; then
			echo "athena-query and DuckDB answer differently ($1):" >&2
			diff "$2" "$dir/out" | head >&2
			exit 1
		fi
		printf '  athena-query --local is %.2fx the speed of %s\n' "$(echo "$t / $3" | bc -l)" "$name"
	done
}
duck "(GROUP BY)" "$dir/ours" "$t1" "SELECT lang, count(*) AS n FROM $src GROUP BY lang ORDER BY n DESC, lang"
duck "(hashtags)" "$dir/ours2" "$t3" "SELECT lower(tag) AS tag, count(*) AS n FROM (SELECT unnest(list_transform(entities.hashtags, h -> h.tag)) AS tag FROM $src) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
duck "(author.username)" "$dir/ours3" "$t5" "SELECT author.username, count(*) AS n FROM $src GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
