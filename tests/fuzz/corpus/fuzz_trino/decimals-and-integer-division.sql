SELECT lang, count(*) / 3, round(100.0 * count(*) / sum(count(*)) OVER (), 1), 100.0 * count(*) / sum(count(*)) OVER (), count(*) * 1.5 FROM t GROUP BY lang ORDER BY 2 DESC, 1 LIMIT 10
