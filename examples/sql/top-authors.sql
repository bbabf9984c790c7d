-- Most active authors and their reach (Athena: struct fields with dots).
-- Local form: ../local/top-authors.sql.
SELECT author.username AS username,
       count(*) AS tweets,
       max(author.public_metrics.followers_count) AS followers
FROM tweets
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 10;
