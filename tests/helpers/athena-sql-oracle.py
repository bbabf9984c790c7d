#!/usr/bin/env python3
"""Athena SQL cases for athena-query --local, each beside an independent computation in Python.

    athena-sql-oracle.py --list                  the case names, one a line
    athena-sql-oracle.py --sql NAME              the case's SQL (Athena's dialect, as is)
    athena-sql-oracle.py --params NAME           its --param values, one a line (most have none)
    athena-sql-oracle.py --want NAME LAKE        what it must print (CSV, no header), computed here
                                                 from the lake's JSON records

The records are read straight from LAKE/tweets/KEY=VALUE/.../objects (gzip or plain NDJSON,
names starting with _ or . skipped, lines that are not JSON objects skipped), with the folders'
partition values added. Values print as athena-query's CSV does: NULL empty, "" quoted, doubles
as Java writes them, booleans true/false, arrays as JSON.
"""
import datetime
import decimal
import gzip
import json
import math
import os
import re
import sys
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

UTC = datetime.timezone.utc


def records(lake):
    out = []
    top = os.path.join(lake, "tweets")
    for d, dirs, files in os.walk(top):
        dirs[:] = sorted(x for x in dirs if x[0] not in "_.")
        parts = {}
        rel = os.path.relpath(d, top)
        for p in ([] if rel == "." else rel.split(os.sep)):
            if "=" in p:
                k, v = p.split("=", 1)
                parts[k] = v
        for f in sorted(files):
            if f[0] in "_.":
                continue
            path = os.path.join(d, f)
            op = gzip.open if f.endswith(".gz") else open
            with op(path, "rt", encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(r, dict):
                        r.update(parts)
                        out.append(r)
    return out


# ---- values as athena-query prints them ----

def jdouble(x):
    """Java's Double.toString (shortest digits)."""
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "-Infinity" if x < 0 else "Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    d = decimal.Decimal(repr(x))
    sign, digits, exp = d.as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exp += 1
    e10 = len(digits) + exp          # value = 0.D1D2... * 10^e10
    ds = "".join(map(str, digits))
    s = "-" if sign else ""
    if 1e-3 <= abs(x) < 1e7:
        if e10 <= 0:
            return s + "0." + "0" * (-e10) + ds
        ip = ds[:e10].ljust(e10, "0")
        fp = ds[e10:] or "0"
        return s + ip + "." + fp
    return s + ds[0] + "." + (ds[1:] or "0") + "E" + str(e10 - 1)


def cell(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float):
        v = jdouble(v)
    elif isinstance(v, (list, dict)):
        v = json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    else:
        v = str(v)
    if v == "" or any(c in v for c in ',"\n\r'):
        return '"' + v.replace('"', '""') + '"'
    return v


def csv(rows):
    return "".join(",".join(cell(v) for v in r) + "\n" for r in rows)


def nl(v):
    """A sort key with Trino's NULLS LAST."""
    return (v is None, v if v is not None else 0)


def get(r, *path):
    for p in path:
        if not isinstance(r, dict):
            return None
        r = r.get(p)
    return r


def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def tstz(dt, zone="UTC"):
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (dt.microsecond // 1000) + " " + zone


def tags(r):
    return [h.get("tag") for h in (get(r, "entities", "hashtags") or [])]


def round_half_up(x, d):
    q = decimal.Decimal(1).scaleb(-d)
    return float(decimal.Decimal(repr(x)).quantize(q, rounding=decimal.ROUND_HALF_UP))


def simple_lower(s):
    """Code point by code point, as Trino (and ICU's u_tolower) map case."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in s)


# ---- the cases ----

CASES = {}


def case(name, sql):
    def reg(fn):
        CASES[name] = (sql, fn)
        return fn
    return reg


@case("new-user-dots", "SELECT author.username, count(*) FROM tweets GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 25")
def _(rs):
    c = Counter(get(r, "author", "username") for r in rs)
    return sorted(c.items(), key=lambda kv: (-kv[1], nl(kv[0])))[:25]


@case("new-user-unnest",
      "SELECT tag, count(*) FROM tweets CROSS JOIN UNNEST(transform(entities.hashtags, h -> h.tag)) "
      "AS t (tag) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 25")
def _(rs):
    c = Counter(t for r in rs for t in tags(r))
    return sorted(c.items(), key=lambda kv: (-kv[1], nl(kv[0])))[:25]


@case("unnest-rows-ordinality",
      "SELECT id, t.s, t.e, t.tag, t.n FROM tweets CROSS JOIN UNNEST(entities.hashtags) "
      "WITH ORDINALITY AS t (s, e, tag, n) WHERE dt = '2026-11-25' ORDER BY id, n")
def _(rs):
    out = []
    for r in rs:
        if r.get("dt") != "2026-11-25":
            continue
        for i, h in enumerate(get(r, "entities", "hashtags") or [], 1):
            out.append((r["id"], h.get("start"), h.get("end"), h.get("tag"), i))
    return sorted(out, key=lambda x: (x[0], x[4]))


@case("unnest-row-fields-by-name",
      "SELECT m.username, count(*) FROM tweets CROSS JOIN UNNEST(entities.mentions) AS m "
      "GROUP BY m.username ORDER BY 2 DESC, 1 LIMIT 20")
def _(rs):
    c = Counter(m.get("username") for r in rs for m in (get(r, "entities", "mentions") or []))
    return sorted(c.items(), key=lambda kv: (-kv[1], nl(kv[0])))[:20]


@case("left-join-unnest",
      "SELECT count(*), count(m.username), count(DISTINCT tweets.id) FROM tweets "
      "LEFT JOIN UNNEST(entities.mentions) AS m ON true")
def _(rs):
    n = sum(max(1, len(get(r, "entities", "mentions") or [])) for r in rs)
    k = sum(1 for r in rs for m in (get(r, "entities", "mentions") or []) if m.get("username") is not None)
    return [(n, k, len({r.get("id") for r in rs if r.get("id") is not None}))]


@case("aliases-quoted-names-case",
      'SELECT sum(t.author.public_metrics.followers_count), max("T".public_metrics.like_count), '
      'count(T.LANG), count(DISTINCT "t"."Lang"), max(x.one) FROM demo.tweets AS "T" '
      'CROSS JOIN (SELECT 1 AS one) AS x')
def _(rs):
    return [(sum(get(r, "author", "public_metrics", "followers_count") or 0 for r in rs
                 if get(r, "author", "public_metrics", "followers_count") is not None) or None,
             max((get(r, "public_metrics", "like_count") for r in rs
                  if get(r, "public_metrics", "like_count") is not None), default=None),
             sum(1 for r in rs if r.get("lang") is not None),
             len({r.get("lang") for r in rs if r.get("lang") is not None}), 1)]


@case("lambdas",
      "SELECT id, transform(entities.hashtags, h -> lower(h.tag)), "
      "filter(transform(entities.hashtags, h -> h.tag), x -> length(x) > 4), "
      "any_match(entities.hashtags, h -> h.tag = 'AI'), all_match(entities.hashtags, h -> h.start > 0), "
      "none_match(entities.hashtags, h -> h.tag LIKE 'A%'), "
      "reduce(entities.hashtags, 0, (s, h) -> s + (h.\"end\" - h.start), s -> s * 10) "
      "FROM tweets WHERE cardinality(entities.hashtags) > 0 ORDER BY id LIMIT 300")
def _(rs):
    out = []
    for r in sorted((r for r in rs if get(r, "entities", "hashtags")), key=lambda r: r["id"])[:300]:
        hs = r["entities"]["hashtags"]
        out.append((r["id"], [simple_lower(h["tag"]) for h in hs],
                    [h["tag"] for h in hs if len(h["tag"]) > 4],
                    any(h["tag"] == "AI" for h in hs), all(h["start"] > 0 for h in hs),
                    not any(h["tag"].startswith("A") for h in hs),
                    10 * sum(h["end"] - h["start"] for h in hs)))
    return out


@case("arrays",
      "SELECT id, cardinality(edit_history_tweet_ids), element_at(entities.hashtags, 1).tag, "
      "element_at(entities.hashtags, -1).tag, element_at(entities.hashtags, 10).tag, "
      "array_join(transform(entities.hashtags, h -> h.tag), ';'), "
      "contains(transform(entities.hashtags, h -> lower(h.tag)), 'ai'), "
      "slice(transform(entities.hashtags, h -> h.tag), 2, 2), split(source, ' ')[1], "
      "entities.hashtags[1].start FROM tweets WHERE cardinality(entities.hashtags) > 0 ORDER BY id LIMIT 300")
def _(rs):
    out = []
    for r in sorted((r for r in rs if get(r, "entities", "hashtags")), key=lambda r: r["id"])[:300]:
        t = tags(r)
        ids = r.get("edit_history_tweet_ids")
        src = r.get("source")
        out.append((r["id"], len(ids) if ids is not None else None, t[0], t[-1],
                    t[9] if len(t) >= 10 else None, ";".join(t), "ai" in [simple_lower(x) for x in t],
                    t[1:3], src.split(" ")[0] if src is not None else None,
                    r["entities"]["hashtags"][0]["start"]))
    return out


@case("strings",
      "SELECT id, lower(author.name), upper(lang), length(text), substr(text, 2, 5), strpos(text, 'a'), "
      "concat(lang, '-', coalesce(author.username, '?')), lang || '/' || source, trim('  ' || lang || '  '), "
      "replace(text, ' ', '_'), starts_with(text, '@'), reverse(lang), lpad(lang, 4, '*'), "
      "split_part(author.created_at, '-', 1) FROM tweets ORDER BY id LIMIT 400")
def _(rs):
    out = []
    for r in sorted(rs, key=lambda r: r["id"])[:400]:
        text, lang, src = r.get("text"), r.get("lang"), r.get("source")
        name, user = get(r, "author", "name"), get(r, "author", "username")
        ca = get(r, "author", "created_at")
        out.append((r["id"], simple_lower(name) if name is not None else None,
                    lang.upper() if lang is not None else None,
                    len(text) if text is not None else None, text[1:6] if text is not None else None,
                    (text.find("a") + 1) if text is not None else None,
                    None if lang is None else lang + "-" + (user if user is not None else "?"),
                    None if lang is None or src is None else lang + "/" + src,
                    lang, None if text is None else text.replace(" ", "_"),
                    None if text is None else text.startswith("@"),
                    None if lang is None else lang[::-1],
                    None if lang is None else (lang.rjust(4, "*") if len(lang) < 4 else lang[:4]),
                    None if ca is None else ca.split("-")[0]))
    return out


@case("regex",
      "SELECT id, regexp_extract(text, '#(\\w+)', 1), regexp_like(text, '(?i)^rt\\b'), "
      "regexp_replace(text, '\\s+', ' '), regexp_extract_all(text, '@\\w+'), "
      "regexp_replace(lang, '(\\w)(\\w)', '$2$1'), regexp_like(text, '(?i)\\bthe\\b') "
      "FROM tweets ORDER BY id LIMIT 400")
def _(rs):
    out = []
    for r in sorted(rs, key=lambda r: r["id"])[:400]:
        t, lang = r.get("text"), r.get("lang")
        if t is None:
            out.append((r["id"], None, None, None, None,
                        None if lang is None else re.sub(r"(\w)(\w)", r"\2\1", lang), None))
            continue
        m = re.search(r"#(\w+)", t)
        out.append((r["id"], m.group(1) if m else None, bool(re.search(r"(?i)^rt\b", t)),
                    re.sub(r"\s+", " ", t), re.findall(r"@\w+", t),
                    None if lang is None else re.sub(r"(\w)(\w)", r"\2\1", lang),
                    bool(re.search(r"(?i)\bthe\b", t))))
    return out


@case("dates-and-intervals",
      "SELECT date_trunc('hour', from_iso8601_timestamp(created_at)) AS h, "
      "date_format(date_trunc('hour', from_iso8601_timestamp(created_at)), '%Y-%m-%d %H:%i %a'), "
      "count(*), min(date_diff('second', date_trunc('hour', from_iso8601_timestamp(created_at)), "
      "from_iso8601_timestamp(created_at))), "
      "max(from_iso8601_timestamp(created_at) + INTERVAL '90' MINUTE), "
      "count_if(from_iso8601_timestamp(created_at) - INTERVAL '1' DAY < TIMESTAMP '2026-01-01 00:00:00 UTC') "
      "FROM tweets GROUP BY 1, 2 ORDER BY h")
def _(rs):
    g = defaultdict(list)
    for r in rs:
        t = ts(r["created_at"]).astimezone(UTC)
        g[t.replace(minute=0, second=0, microsecond=0)].append(t)
    out = []
    cut = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    for h in sorted(g):
        v = g[h]
        out.append((tstz(h), h.strftime("%Y-%m-%d %H:%M %a"), len(v),
                    min(int((t - h).total_seconds()) for t in v),
                    tstz(max(v) + datetime.timedelta(minutes=90)),
                    sum(1 for t in v if t - datetime.timedelta(days=1) < cut)))
    return out


@case("time-zones-and-formats",
      "SELECT id, at_timezone(from_iso8601_timestamp(created_at), 'America/New_York'), "
      "format_datetime(from_iso8601_timestamp(created_at), 'yyyy-MM-dd''T''HH:mm:ss'), "
      "to_unixtime(from_iso8601_timestamp(created_at)), year(from_iso8601_timestamp(created_at)), "
      "day_of_week(from_iso8601_timestamp(created_at)), hour(from_iso8601_timestamp(created_at) AT TIME ZONE 'Asia/Tokyo'), "
      "date(from_iso8601_timestamp(created_at)), "
      "date_add('month', 1, from_iso8601_timestamp(created_at)) "
      "FROM tweets ORDER BY id LIMIT 200")
def _(rs):
    out = []
    ny, tk = ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
    for r in sorted(rs, key=lambda r: r["id"])[:200]:
        t = ts(r["created_at"]).astimezone(UTC)
        m = t.month % 12 + 1
        y = t.year + (t.month == 12)
        import calendar
        d = min(t.day, calendar.monthrange(y, m)[1])
        plus = t.replace(year=y, month=m, day=d)
        out.append((r["id"], tstz(t.astimezone(ny), "America/New_York"), t.strftime("%Y-%m-%dT%H:%M:%S"),
                    t.timestamp(), t.year, t.isoweekday(), t.astimezone(tk).hour, t.strftime("%Y-%m-%d"),
                    tstz(plus)))
    return out


@case("aggregates",
      "SELECT lang, count(*), approx_distinct(author.username), "
      "approx_percentile(public_metrics.like_count, 0.5), approx_percentile(public_metrics.like_count, 0.9), "
      "max_by(id, id), min_by(text, id), count_if(possibly_sensitive), bool_or(possibly_sensitive), "
      "arbitrary(lang) = lang, sum(public_metrics.retweet_count), "
      "round(avg(public_metrics.like_count), 3) FROM tweets GROUP BY lang ORDER BY 2 DESC, 1 LIMIT 12")
def _(rs):
    g = defaultdict(list)
    for r in rs:
        g[r.get("lang")].append(r)
    out = []
    for lang, v in g.items():
        likes = sorted(get(r, "public_metrics", "like_count") for r in v
                       if get(r, "public_metrics", "like_count") is not None)

        def pct(p):
            return likes[min(int(p * len(likes)), len(likes) - 1)] if likes else None
        ids = [r for r in v if r.get("id") is not None]
        top = max(ids, key=lambda r: r["id"])["id"] if ids else None
        low = min(ids, key=lambda r: r["id"]).get("text") if ids else None
        sens = [r.get("possibly_sensitive") for r in v if r.get("possibly_sensitive") is not None]
        rts = [get(r, "public_metrics", "retweet_count") for r in v
               if get(r, "public_metrics", "retweet_count") is not None]
        out.append((lang, len(v), len({get(r, "author", "username") for r in v} - {None}),
                    pct(0.5), pct(0.9), top, low, sum(1 for s in sens if s),
                    any(sens) if sens else None, None if lang is None else True,
                    sum(rts) if rts else None,
                    math.floor(sum(likes) / len(likes) * 1000 + 0.5) / 1000 if likes else None))
    return sorted(out, key=lambda x: (-x[1], nl(x[0])))[:12]


@case("casts-and-try",
      "SELECT id, CAST(public_metrics.like_count AS varchar), CAST('42' AS bigint) + 1, "
      "TRY_CAST(lang AS integer), CAST(1.5e0 AS bigint), CAST(-2.5e0 AS integer), "
      "try(10 / (public_metrics.like_count - public_metrics.like_count)), CAST(possibly_sensitive AS varchar), "
      "CAST(author.public_metrics.followers_count AS double) / 2, CAST(created_at AS varchar) = created_at "
      "FROM tweets ORDER BY id LIMIT 200")
def _(rs):
    out = []
    for r in sorted(rs, key=lambda r: r["id"])[:200]:
        like = get(r, "public_metrics", "like_count")
        f = get(r, "author", "public_metrics", "followers_count")
        ps = r.get("possibly_sensitive")
        out.append((r["id"], None if like is None else str(like), 43, None, 2, -3, None,
                    None if ps is None else ("true" if ps else "false"),
                    None if f is None else f / 2, None if r.get("created_at") is None else True))
    return out


@case("decimals-and-integer-division",
      "SELECT lang, count(*) / 3, round(100.0 * count(*) / sum(count(*)) OVER (), 1), "
      "100.0 * count(*) / sum(count(*)) OVER (), count(*) * 1.5 FROM tweets GROUP BY lang "
      "ORDER BY 2 DESC, 1 LIMIT 10")
def _(rs):
    c = Counter(r.get("lang") for r in rs)
    n = len(rs)
    out = []
    for lang, k in c.items():
        share = decimal.Decimal(100 * k) / decimal.Decimal(n)
        q = share.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP)
        out.append((lang, k // 3, str(q), str(q), str(decimal.Decimal(k) * decimal.Decimal("1.5"))))
    return sorted(out, key=lambda x: (-int(x[1]), nl(x[0])))[:10]


@case("conditionals-and-nulls-last",
      "SELECT author.location, count(*), if(count(*) > 5, 'many', 'few'), "
      "CASE WHEN count(*) > 10 THEN 'lots' WHEN count(*) > 1 THEN 'some' ELSE 'one' END, "
      "nullif(count(*), 1), coalesce(author.location, 'nowhere') "
      "FROM tweets GROUP BY author.location ORDER BY 1 LIMIT 40")
def _(rs):
    c = Counter(get(r, "author", "location") for r in rs)
    out = []
    for loc, k in c.items():
        out.append((loc, k, "many" if k > 5 else "few", "lots" if k > 10 else "some" if k > 1 else "one",
                    None if k == 1 else k, loc if loc is not None else "nowhere"))
    return sorted(out, key=lambda x: nl(x[0]))[:40]


@case("nulls-last-descending",
      "SELECT author.location FROM tweets GROUP BY 1 ORDER BY 1 DESC")
def _(rs):
    locs = {get(r, "author", "location") for r in rs}
    return [(x,) for x in sorted(locs - {None}, reverse=True)] + ([(None,)] if None in locs else [])


@case("windows",
      "SELECT lang, n, rank() OVER (ORDER BY n DESC), row_number() OVER (ORDER BY n DESC, lang), "
      "sum(n) OVER (ORDER BY n DESC, lang ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), "
      "lag(lang) OVER (ORDER BY n DESC, lang) "
      "FROM (SELECT lang, count(*) AS n FROM tweets GROUP BY lang) ORDER BY 4")
def _(rs):
    c = sorted(Counter(r.get("lang") for r in rs).items(), key=lambda kv: (-kv[1], nl(kv[0])))
    out, run = [], 0
    for i, (lang, n) in enumerate(c):
        rank = 1 + sum(1 for _, m in c if m > n)
        run += n
        out.append((lang, n, rank, i + 1, run, c[i - 1][0] if i else None))
    return out


@case("with-subqueries-setops",
      "WITH per AS (SELECT lang, count(*) AS n FROM tweets GROUP BY lang), "
      "big AS (SELECT lang FROM per WHERE n >= 100) "
      "SELECT lang FROM big WHERE lang IN (SELECT lang FROM tweets WHERE possibly_sensitive) "
      "UNION SELECT lang FROM per WHERE n = (SELECT max(n) FROM per) "
      "EXCEPT SELECT 'und' ORDER BY 1")
def _(rs):
    c = Counter(r.get("lang") for r in rs)
    big = {l for l, n in c.items() if n >= 100}
    sens = {r.get("lang") for r in rs if r.get("possibly_sensitive")}
    top = {l for l, n in c.items() if n == max(c.values())}
    res = ({l for l in big if l in sens and l is not None} | top) - {"und"}
    return [(x,) for x in sorted(res, key=nl)]


@case("values-and-exists",
      "SELECT v.code, v.label, EXISTS (SELECT 1 FROM tweets WHERE lang = v.code) "
      "FROM (VALUES ('en', 'English'), ('zz', 'none'), ('ja', 'Japanese')) AS v (code, label) ORDER BY 1")
def _(rs):
    langs = {r.get("lang") for r in rs}
    return [(c, l, c in langs) for c, l in sorted([("en", "English"), ("zz", "none"), ("ja", "Japanese")])]


@case("json-functions",
      "SELECT id, json_extract_scalar(CAST(author AS json), '$.username') = author.username, "
      "json_array_length(json_parse('[1,2,3]')), json_extract_scalar('{\"a\":{\"b\":7}}', '$.a.b'), "
      "json_format(json_extract(CAST(public_metrics AS json), '$.like_count')) "
      "FROM tweets WHERE author IS NOT NULL ORDER BY id LIMIT 50")
def _(rs):
    out = []
    for r in sorted((r for r in rs if r.get("author") is not None), key=lambda r: r["id"])[:50]:
        like = get(r, "public_metrics", "like_count")
        out.append((r["id"], None if get(r, "author", "username") is None else True, 3, "7",
                    None if like is None else str(like)))
    return out


@case("partition-columns-in-between",
      "SELECT dt, hour, count(*) FROM tweets WHERE dt IN ('2026-11-24', '2026-11-26') "
      "OR hour BETWEEN '01' AND '01' GROUP BY 1, 2 ORDER BY 1, 2")
def _(rs):
    c = Counter((r.get("dt"), r.get("hour")) for r in rs
                if r.get("dt") in ("2026-11-24", "2026-11-26") or r.get("hour") == "01")
    return [(d, h, n) for (d, h), n in sorted(c.items())]


# ---- the example queries (examples/sql/*.sql), read from their files ----

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "sql")


def example(name):
    def reg(fn):
        with open(os.path.join(EXAMPLES, name + ".sql"), encoding="utf-8") as f:
            CASES["example-" + name] = (f.read(), fn)
        return fn
    return reg


def top(counter, n):
    return sorted(counter.items(), key=lambda kv: (-kv[1], nl(kv[0])))[:n]


@example("top-hashtags")
def _(rs):
    return top(Counter(simple_lower(t) for r in rs for t in tags(r)), 10)


@example("top-authors")
def _(rs):
    c = Counter(get(r, "author", "username") for r in rs)
    fol = defaultdict(lambda: None)
    for r in rs:
        f = get(r, "author", "public_metrics", "followers_count")
        u = get(r, "author", "username")
        if f is not None and (fol[u] is None or f > fol[u]):
            fol[u] = f
    return [(u, n, fol[u]) for u, n in top(c, 10)]


@example("languages")
def _(rs):
    c = Counter(r.get("lang") for r in rs)
    n = len(rs)
    return [(l, k, str((decimal.Decimal(100 * k) / n).quantize(decimal.Decimal("0.1"),
                                                             rounding=decimal.ROUND_HALF_UP)))
            for l, k in top(c, 10)]


def minute_of(r, unit):
    t = ts(r["created_at"]).astimezone(UTC).replace(second=0, microsecond=0)
    return t.replace(minute=0) if unit == "hour" else t


@example("tweets-per-minute")
def _(rs):
    c = Counter(minute_of(r, "minute") for r in rs)
    return [(tstz(m), c[m]) for m in sorted(c, reverse=True)[:10]]


@example("sentiment-per-hour")
def _(rs):
    g = defaultdict(list)
    for r in rs:
        g[minute_of(r, "hour")].append(get(r, "sentiment", "compound"))
    out = []
    for h in sorted(g):
        cs = [c for c in g[h] if c is not None]
        mean = math.floor(sum(cs) / len(cs) * 10000 + 0.5) / 10000 if cs else None
        out.append((tstz(h), len(g[h]), len(cs), mean, sum(1 for c in cs if c >= 0.05),
                    sum(1 for c in cs if c <= -0.05)))
    return out


@example("sentiment-per-hashtag")
def _(rs):
    g = defaultdict(list)
    for r in rs:
        if r.get("sentiment") is None:
            continue
        for t in tags(r):
            g[simple_lower(t)].append(get(r, "sentiment", "compound"))
    out = []
    for tag, cs in sorted(g.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:10]:
        n = len(cs)
        known = [c for c in cs if c is not None]
        mean = sum(known) / len(known) if known else None

        def pct(k):
            return str((decimal.Decimal(100 * k) / n).quantize(decimal.Decimal("0.1"),
                                                                rounding=decimal.ROUND_HALF_UP))
        out.append((tag, n, None if mean is None else math.floor(mean * 10000 + 0.5) / 10000
                    if mean >= 0 else -math.floor(-mean * 10000 + 0.5) / 10000,
                    pct(sum(1 for c in known if c >= 0.05)), pct(sum(1 for c in known if c <= -0.05))))
    return out


PARAMS = {}


def athena_query_sql():
    with open(os.path.join(EXAMPLES, "..", "athena-query.sql"), encoding="utf-8") as f:
        return f.read()


CASES["example-athena-query"] = (athena_query_sql(), None)
PARAMS["example-athena-query"] = ["'2026-11-25'"]


def _athena_query(rs):
    rs = [r for r in rs if r.get("dt") == "2026-11-25"]
    out = top(Counter(simple_lower(t) for r in rs for t in tags(r)), 20)
    c = Counter(minute_of(r, "minute") for r in rs)
    out += [(tstz(m), c[m]) for m in sorted(c)]
    c = Counter(r.get("lang") for r in rs)
    out += [(l, k, str((decimal.Decimal(100 * k) / len(rs)).quantize(decimal.Decimal("0.1"),
                                                                    rounding=decimal.ROUND_HALF_UP)))
            for l, k in top(c, len(c))]
    return out


CASES["example-athena-query"] = (athena_query_sql(), _athena_query)


def main():
    a = sys.argv[1:]
    if a == ["--list"]:
        print("\n".join(CASES))
    elif len(a) == 2 and a[0] == "--sql":
        print(CASES[a[1]][0])
    elif len(a) == 2 and a[0] == "--params":
        for p in PARAMS.get(a[1], []):
            print(p)
    elif len(a) == 3 and a[0] == "--want":
        sys.stdout.write(csv(CASES[a[1]][1](records(a[2]))))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
