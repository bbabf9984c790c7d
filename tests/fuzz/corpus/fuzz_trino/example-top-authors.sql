-- Most active authors and their reach: the fields of the author struct read with dots.
-- Athena SQL: runs unchanged in Athena and with athena-query --local.
SELECT author.username AS username,
       count(*) AS t,
       max(author.public_metrics.followers_count) AS followers
FROM t
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 10;

