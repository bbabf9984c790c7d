-- Example queries for athena-query over the table glue-crawl makes from the lake kafka-to-s3
-- writes (the tweets of tw-stream: id, text, lang, created_at, author struct, entities struct
-- with hashtags array<struct<start,end,tag>>, partitioned by dt and hour).
--
-- Each statement has one '?', the day to read: only that day's partitions are scanned (and
-- billed). dt is a string column, so the value is the SQL literal '2026-11-25' (a bare
-- 2026-11-25 is refused: Trino would read it as 2026 - 11 - 25). Run all three at once, results
-- in order, as NDJSON for jq:
--
--   athena-query -d tweetlake --parallel -p "'2026-11-25'" -F ndjson -f examples/athena-query.sql
--
-- The same file runs offline, unchanged, on a local lake (no --parallel there):
--
--   athena-query --local lake -p "'2026-11-25'" -F ndjson -f examples/athena-query.sql
--
-- Or one of them by copying it into the command line.

-- Top hashtags. transform() takes the tags out of the array of structs, so UNNEST gives one
-- plain column whatever the engine version does with arrays of rows.
SELECT lower(tag) AS hashtag,
       count(*) AS tweets
FROM tweets
CROSS JOIN UNNEST(transform(entities.hashtags, h -> h.tag)) AS t (tag)
WHERE dt = ?
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 20;

-- Tweets per minute. created_at is the API's text ("2026-11-25T03:04:05.000Z"), a string column
-- in the crawled table.
SELECT date_trunc('minute', from_iso8601_timestamp(created_at)) AS minute,
       count(*) AS tweets
FROM tweets
WHERE dt = ?
GROUP BY 1
ORDER BY 1;

-- Languages and their share of the day.
SELECT lang,
       count(*) AS tweets,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
FROM tweets
WHERE dt = ?
GROUP BY lang
ORDER BY tweets DESC, lang;
