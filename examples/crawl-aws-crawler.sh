#!/bin/sh
# Compare with the AWS Glue crawler on the same data: run it (creating it the first time) and
# wait, then crawl with glue-crawl into another database, and show both tables' columns.
#
#   examples/crawl-aws-crawler.sh s3://BUCKET/PREFIX/TOPIC ROLE_ARN
set -eu
src=$1 role=$2
glue-crawl --crawler tweetlake-compare --create --role "$role" --database crawler_db "$src"
glue-crawl --database tweetlake_db "$src"
for db in crawler_db tweetlake_db; do
	echo "--- $db"
	aws glue get-tables --database-name "$db" \
		--query 'TableList[].[Name, StorageDescriptor.Columns[].Name]' --output text
done
