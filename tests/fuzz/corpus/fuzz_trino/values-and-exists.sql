SELECT v.code, v.label, EXISTS (SELECT 1 FROM t WHERE lang = v.code) FROM (VALUES ('en', 'English'), ('zz', 'none'), ('ja', 'Japanese')) AS v (code, label) ORDER BY 1
