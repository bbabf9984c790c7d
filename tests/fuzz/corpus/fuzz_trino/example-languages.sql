-- Languages: t per language and their share. Athena SQL: runs unchanged in Athena and on
-- the local lake (athena-query --local LAKE -f examples/sql/languages.sql).
SELECT lang,
       count(*) AS t,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
FROM t
GROUP BY lang
ORDER BY t DESC, lang
LIMIT 10;

