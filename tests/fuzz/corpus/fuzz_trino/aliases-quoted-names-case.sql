SELECT sum(t.author.public_metrics.followers_count), max("T".public_metrics.like_count), count(T.LANG), count(DISTINCT "t"."Lang"), max(x.one) FROM demo.t AS "T" CROSS JOIN (SELECT 1 AS one) AS x
