#!/bin/sh
# Keep the Glue catalog in step with the lake as kafka-to-s3 writes it: each object kafka-to-s3
# stores is announced by a manifest line; glue-crawl --manifest reads the object, widens the table
# if new fields appear and registers new partitions, in one batch whenever the stream is idle.
# A full crawl first makes sure the table exists and holds everything already there.
#
#   examples/crawl-s3-manifest.sh BROKERS TOPIC s3://BUCKET/PREFIX [DATABASE]
set -eu
brokers=$1 topic=$2 dest=$3 db=${4:-lake}
glue-crawl --database "$db" "$dest/$topic" || true
kafka-to-s3 -b "$brokers" -t "$topic" -d "$dest" |
	glue-crawl --manifest --database "$db" "$dest/$topic"
