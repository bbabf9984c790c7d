-- Sentiment per hashtag: the hashtags of the most scored tweets (English; see tw-sentiment(1)),
-- with the mean compound and the share of positive and negative tweets (compound >= 0.05,
-- <= -0.05). athena-query --local: json_each unnests the hashtags, ->> reads the struct.
-- The Athena form is in ../athena/sentiment-per-hashtag.sql.
SELECT lower(json_extract_scalar(h.value, '$.tag')) AS hashtag,
       count(*) AS tweets,
       round(avg(tweets.sentiment->>'compound'), 4) AS mean_compound,
       round(100.0 * sum(CASE WHEN tweets.sentiment->>'compound' >= 0.05 THEN 1 ELSE 0 END) / count(*), 1) AS pct_positive,
       round(100.0 * sum(CASE WHEN tweets.sentiment->>'compound' <= -0.05 THEN 1 ELSE 0 END) / count(*), 1) AS pct_negative
FROM tweets, json_each(tweets.entities, '$.hashtags') AS h
WHERE tweets.sentiment->>'compound' IS NOT NULL
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 10;
