-- Top hashtags (Athena: UNNEST of the tags taken out of the entities.hashtags array of rows;
-- transform() keeps it one column on both engine versions). The local form is in
-- ../local/top-hashtags.sql.
SELECT lower(tag) AS hashtag,
       count(*) AS tweets
FROM tweets
CROSS JOIN UNNEST(transform(entities.hashtags, h -> h.tag)) AS t (tag)
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 10;
