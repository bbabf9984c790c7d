#!/bin/bash
# Sentiment in the lake: glue-crawl types tw-sentiment's member as
# struct<compound:double,pos:double,neu:double,neg:double> whatever the first records hold
# (null, 0.0, 1.0), and the example SQL (examples/sql/sentiment-*.sql, Athena SQL) run by
# athena-query --local gives what Python computes from the same records.
. "$(dirname "$0")/lib.sh"

lake=$TRASH/lake
p=$lake/tweets/dt=2026-11-25/hour=00
mkdir -p "$p"
# first the records a naive writer would type as int or leave untyped: null, 0 and 1
printf '%s\n' '{"id":"1","lang":"es","text":"hola","created_at":"2026-11-25T00:00:01.000Z","entities":{"hashtags":[{"tag":"X"}]}}' \
	'{"id":"2","lang":"en","text":"","created_at":"2026-11-25T00:00:02.000Z"}' \
	'{"id":"3","lang":"en","text":"great","created_at":"2026-11-25T00:00:03.000Z","entities":{"hashtags":[{"tag":"X"}]}}' |
	tw-sentiment -q >"$p/tweets+0+00000000000000000000.json"
tw-stream -q --simulate --seed 7 --max-tweets 4000 --backdate 6h | tw-sentiment -q |
	gzip >"$p/tweets+1+00000000000000000000.json.gz"
glue-crawl "$lake/tweets" --database demo --table tweets --catalog "$lake/_catalog" -q >/dev/null
zcat -f "$p"/tweets+* >"$TRASH/all.json"

test_expect_success 'null, 0.0 and 1.0 first: glue-crawl still types the column as a struct of doubles' '
	head -n 3 "$TRASH/all.json" | grep -q "\"sentiment\":null" &&
	grep -q "\"neu\":1.0" "$TRASH/all.json" &&
	jq -r ".. | objects | select(.Name? == \"sentiment\") | .Type" "$lake/_catalog/demo/tweets.json" >got &&
	echo "struct<compound:double,pos:double,neu:double,neg:double>" >want && test_cmp want got
'

test_expect_success 'sentiment per hour (examples/sql/sentiment-per-hour.sql) equals Python over the records' '
	athena-query --local "$lake" -F csv --no-header -f "$TOP/examples/sql/sentiment-per-hour.sql" >got &&
	python3 - "$TRASH/all.json" >want <<-\PY &&
	import json, sys, collections
	rows = collections.OrderedDict()
	for line in open(sys.argv[1]):
	    t = json.loads(line)
	    h = t["created_at"][:13].replace("T", " ") + ":00:00.000 UTC"
	    r = rows.setdefault(h, [0, 0, 0.0, 0, 0])
	    r[0] += 1
	    s = t.get("sentiment")
	    if s is not None:
	        c = s["compound"]
	        r[1] += 1; r[2] += c; r[3] += c >= 0.05; r[4] += c <= -0.05
	from decimal import Decimal, ROUND_HALF_UP
	for h in sorted(rows):
	    n, k, tot, p, q = rows[h]
	    mean = repr(float(Decimal(repr(tot / k)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))) if k else ""
	    print("%s,%d,%d,%s,%d,%d" % (h, n, k, mean, p, q))
	PY
	cat got && test_cmp want got && test $(wc -l <got) -ge 6
'

test_expect_success 'sentiment per hashtag (examples/sql/sentiment-per-hashtag.sql) equals Python over the records' '
	athena-query --local "$lake" -F csv --no-header -f "$TOP/examples/sql/sentiment-per-hashtag.sql" >got &&
	python3 - "$TRASH/all.json" >want <<-\PY &&
	import json, sys, collections
	tags = collections.defaultdict(list)
	for line in open(sys.argv[1]):
	    t = json.loads(line)
	    s = t.get("sentiment")
	    if s is None:
	        continue
	    for h in (t.get("entities") or {}).get("hashtags") or []:
	        tags[h["tag"].lower()].append(s["compound"])
	from decimal import Decimal, ROUND_HALF_UP
	def num(x, d):  # SQL round(): half away from zero; a REAL prints as Python repr does
	    return repr(float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)))
	top = sorted(tags.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:10]
	for tag, cs in top:
	    n = len(cs)
	    pos = num(100.0 * sum(c >= 0.05 for c in cs) / n, 1)
	    neg = num(100.0 * sum(c <= -0.05 for c in cs) / n, 1)
	    print("%s,%d,%s,%s,%s" % (tag, n, num(sum(cs) / n, 4), pos, neg))
	PY
	cat got && test_cmp want got && test $(wc -l <got) -eq 10
'
test_done
