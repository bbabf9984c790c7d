SELECT author.username, count(*) FROM t GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 25
