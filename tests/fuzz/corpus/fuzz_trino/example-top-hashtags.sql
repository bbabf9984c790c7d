-- Top hashtags: UNNEST of the tags taken out of the entities.hashtags array of rows
-- (transform() keeps it one column; UNNEST(entities.hashtags) AS t (s, e, tag) gives the
-- row's three fields as columns). Athena SQL: runs unchanged in Athena and with
-- athena-query --local.
SELECT lower(tag) AS hashtag,
       count(*) AS t
FROM t
CROSS JOIN UNNEST(transform(entities.hashtags, h -> h.tag)) AS t (tag)
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 10;

