SELECT id, t.s, t.e, t.tag, t.n FROM t CROSS JOIN UNNEST(entities.hashtags) WITH ORDINALITY AS t (s, e, tag, n) WHERE dt = '2026-11-25' ORDER BY id, n
