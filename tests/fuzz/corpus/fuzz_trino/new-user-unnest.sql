SELECT tag, count(*) FROM t CROSS JOIN UNNEST(transform(entities.hashtags, h -> h.tag)) AS t (tag) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 25
