-- Top hashtags (athena-query --local: SQLite's json_each unnests the array).
-- The Athena form is in ../athena/top-hashtags.sql.
SELECT lower(json_extract_scalar(h.value, '$.tag')) AS hashtag,
       count(*) AS tweets
FROM tweets, json_each(tweets.entities, '$.hashtags') AS h
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 10;
