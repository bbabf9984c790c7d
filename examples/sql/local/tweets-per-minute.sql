-- Tweets per minute, the last 10 minutes of the stream. The same text runs in Athena
-- (../athena/tweets-per-minute.sql): date_trunc and from_iso8601_timestamp exist in both.
SELECT date_trunc('minute', from_iso8601_timestamp(created_at)) AS minute,
       count(*) AS tweets
FROM tweets
GROUP BY 1
ORDER BY 1 DESC
LIMIT 10;
