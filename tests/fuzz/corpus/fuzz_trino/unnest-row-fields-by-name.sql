SELECT m.username, count(*) FROM t CROSS JOIN UNNEST(entities.mentions) AS m GROUP BY m.username ORDER BY 2 DESC, 1 LIMIT 20
