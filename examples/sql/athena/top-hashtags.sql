-- Top hashtags (Athena: UNNEST of the entities.hashtags array of structs).
-- The local form is in ../local/top-hashtags.sql.
SELECT lower(h.tag) AS hashtag,
       count(*) AS tweets
FROM tweets
CROSS JOIN UNNEST(entities.hashtags) AS t (h)
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 10;
