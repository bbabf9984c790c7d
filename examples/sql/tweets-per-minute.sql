-- Tweets per minute, the last 10 minutes of the stream. In Athena, add "WHERE dt =
-- '2026-11-25'" (or a range) so only the partitions you need are scanned and billed.
-- Athena SQL: runs unchanged in Athena and with athena-query --local.
SELECT date_trunc('minute', from_iso8601_timestamp(created_at)) AS minute,
       count(*) AS tweets
FROM tweets
GROUP BY 1
ORDER BY 1 DESC
LIMIT 10;
