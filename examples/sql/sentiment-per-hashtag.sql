-- Sentiment per hashtag: the hashtags of the most scored tweets (English; see tw-sentiment(1)),
-- with the mean compound and the share of positive and negative tweets (compound >= 0.05,
-- <= -0.05). Athena SQL: runs unchanged in Athena and with athena-query --local.
SELECT lower(tag) AS hashtag,
       count(*) AS tweets,
       round(avg(sentiment.compound), 4) AS mean_compound,
       round(100.0 * count_if(sentiment.compound >= 0.05) / count(*), 1) AS pct_positive,
       round(100.0 * count_if(sentiment.compound <= -0.05) / count(*), 1) AS pct_negative
FROM tweets
CROSS JOIN UNNEST(transform(entities.hashtags, h -> h.tag)) AS t (tag)
WHERE sentiment IS NOT NULL
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 10;
