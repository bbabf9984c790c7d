#!/bin/sh
# Tweets per minute, drawn: a line on the terminal (braille, as wide as the window) and the same
# chart as a picture, from the local lake that examples/demo.sh builds, or from Athena:
#
#   examples/tweets-per-minute.sh LAKE [OUT.svg]        # the local lake LAKE
#   ATHENA=1 examples/tweets-per-minute.sh DATABASE [OUT.svg]
#
# The SQL is the same on both engines (date_trunc and from_iso8601_timestamp exist in both); on
# Athena add a WHERE on dt so that only the partitions you need are scanned and billed. The rows
# also land in tweets-per-minute.csv, for a spreadsheet.
set -eu
where=${1:?usage: tweets-per-minute.sh LAKE|DATABASE [OUT.svg]}
svg=${2:-tweets-per-minute.svg}
sql="SELECT date_trunc('minute', from_iso8601_timestamp(created_at)) AS minute,
       count(*) AS tweets
FROM tweets
GROUP BY 1
ORDER BY 1"
if [ "${ATHENA:-0}" = 1 ]; then
	set -- -d "$where"
else
	set -- --local "$where"
fi
athena-query "$@" --no-stats --chart line "$sql"
athena-query "$@" --no-stats --chart line --svg "$svg" -F csv "$sql" >tweets-per-minute.csv
echo "tweets-per-minute.sh: wrote $svg and tweets-per-minute.csv" >&2
