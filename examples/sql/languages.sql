-- Languages: tweets per language and their share. Athena SQL: runs unchanged in Athena and on
-- the local lake (athena-query --local LAKE -f examples/sql/languages.sql).
SELECT lang,
       count(*) AS tweets,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
FROM tweets
GROUP BY lang
ORDER BY tweets DESC, lang
LIMIT 10;
