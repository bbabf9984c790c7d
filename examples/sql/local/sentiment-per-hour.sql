-- Sentiment per hour (tw-sentiment's "sentiment" column; athena-query --local reads a field of
-- the struct with ->>). Tweets, how many were scored (English; others carry null), the mean
-- compound, and the tweets VADER calls positive (compound >= 0.05) and negative (<= -0.05).
-- The Athena form is in ../athena/sentiment-per-hour.sql.
SELECT date_trunc('hour', from_iso8601_timestamp(created_at)) AS hour,
       count(*) AS tweets,
       count(sentiment->>'compound') AS scored,
       round(avg(sentiment->>'compound'), 4) AS mean_compound,
       sum(CASE WHEN sentiment->>'compound' >= 0.05 THEN 1 ELSE 0 END) AS positive,
       sum(CASE WHEN sentiment->>'compound' <= -0.05 THEN 1 ELSE 0 END) AS negative
FROM tweets
GROUP BY 1
ORDER BY 1;
