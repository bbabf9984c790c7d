-- Most active authors and their reach (local form: ->> reads a field of the author struct,
-- stored as JSON text). Athena form: ../athena/top-authors.sql.
SELECT author->>'username' AS username,
       count(*) AS tweets,
       max(CAST(author->>'$.public_metrics.followers_count' AS BIGINT)) AS followers
FROM tweets
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 10;
