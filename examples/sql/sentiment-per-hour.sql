-- Sentiment per hour (tw-sentiment's "sentiment" column, a struct<compound:double,pos:double,
-- neu:double,neg:double> to glue-crawl). Tweets, how many were scored (English; others carry
-- null), the mean compound, and the tweets VADER calls positive (compound >= 0.05) and
-- negative (<= -0.05). Add "WHERE dt = '2026-11-25'" (or a range, or IN) to read only the
-- partitions you need: Athena scans and bills less, the local engine opens fewer files.
-- Athena SQL: runs unchanged in Athena and with athena-query --local.
SELECT date_trunc('hour', from_iso8601_timestamp(created_at)) AS hour,
       count(*) AS tweets,
       count(sentiment.compound) AS scored,
       round(avg(sentiment.compound), 4) AS mean_compound,
       count_if(sentiment.compound >= 0.05) AS positive,
       count_if(sentiment.compound <= -0.05) AS negative
FROM tweets
GROUP BY 1
ORDER BY 1;
