SELECT count(*), count(m.username), count(DISTINCT t.id) FROM t LEFT JOIN UNNEST(entities.mentions) AS m ON true
