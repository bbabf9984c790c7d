#!/usr/bin/env python3
"""Checks a lake written by kafka-to-s3 against what the topic holds (for the t06*-tos3 tests).

   tos3-check.py LAKE_DIR DUMP [--time-field NAME] [--no-time-check]

DUMP is `kcat -C -e -f '%t\\t%p\\t%o\\t%T\\t%s\\n'` of the topic(s): topic, partition, offset,
timestamp (ms) and value, one record a line (values must be unique and one line each).
LAKE_DIR holds TOPIC/dt=YYYY-MM-DD/hour=HH/TOPIC+PARTITION+FIRST.json.gz objects and
_errors/TOPIC/... objects whose lines carry topic, partition, offset and value.

Checks: every record of DUMP is in exactly one object (no gap, no duplicate); an object holds
records of its own topic and partition only, the lowest offset in it is FIRST (zero-padded to 20
digits), its records are in offset order; a record is in the hour of its time field (RFC 3339 or
epoch s/ms/us) or, when that is missing or unreadable, of its Kafka timestamp; no temp file is
left. Prints a summary line; exits 1 with the problems otherwise.
"""
import datetime
import gzip
import json
import os
import re
import sys

args = sys.argv[1:]
time_field = None
time_check = True
if "--time-field" in args:
    i = args.index("--time-field")
    time_field = args[i + 1]
    del args[i:i + 2]
if "--no-time-check" in args:
    args.remove("--no-time-check")
    time_check = False
lake, dump = args[0], args[1]

by_value = {}
records = {}
with open(dump, "rb") as f:
    for line in f:
        topic, part, off, ts, value = line.rstrip(b"\n").split(b"\t", 4)
        key = (topic.decode(), int(part), int(off))
        records[key] = (int(ts), value)
        by_value[value] = key

problems = []
seen = {}
NAME = re.compile(r"^(?P<topic>[^+]+)\+(?P<part>\d+)\+(?P<first>\d{20})\.json\.gz$")


def hour_of(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc)
    return "dt=%04d-%02d-%02d/hour=%02d" % (t.year, t.month, t.day, t.hour)


def record_time(value, ts):
    if not time_field:
        return ts
    try:
        v = json.loads(value).get(time_field)
    except Exception:
        return ts
    try:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return int(v * 1000) if v < 1e11 else int(v) if v < 1e14 else int(v / 1000)
        if isinstance(v, str):
            s = v.replace("Z", "+00:00")
            m = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", s)
            if m:  # Python < 3.11 takes at most 6 fraction digits
                s = m.group(1) + (m.group(2) or "")[:7] + m.group(3)
            d = datetime.datetime.fromisoformat(s)
            if d.tzinfo is None:
                d = d.replace(tzinfo=datetime.timezone.utc)
            return int(d.timestamp() * 1000)
    except Exception:
        pass
    return ts


objects = 0
for root, dirs, files in os.walk(lake):
    for fn in files:
        path = os.path.join(root, fn)
        rel = os.path.relpath(path, lake)
        if fn.startswith("."):
            problems.append("temp file left: %s" % rel)
            continue
        m = NAME.match(fn)
        if not m:
            problems.append("unexpected file: %s" % rel)
            continue
        objects += 1
        topic, part, first = m.group("topic"), int(m.group("part")), int(m.group("first"))
        parts = rel.split("/")
        errors = parts[0] == "_errors"
        if errors:
            parts = parts[1:]
        ppath = "/".join(parts[1:-1])
        if parts[0] != topic:
            problems.append("%s: under topic %s" % (rel, parts[0]))
        with gzip.open(path, "rb") as g:
            lines = g.read().split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        offs = []
        for ln in lines:
            if errors:
                e = json.loads(ln)
                key = (e["topic"], e["partition"], e["offset"])
                if "error" not in e:
                    problems.append("%s: error line without a reason" % rel)
            else:
                key = by_value.get(ln)
                if key is None:
                    problems.append("%s: a line not in the topic: %r" % (rel, ln[:80]))
                    continue
            if key[0] != topic or key[1] != part:
                problems.append("%s: holds %s" % (rel, key))
            offs.append(key[2])
            seen[key] = seen.get(key, 0) + 1
            if key in records and time_check:
                ts, value = records[key]
                want = hour_of(ts if errors else record_time(value, ts))
                if ppath != want:
                    problems.append("%s: offset %d belongs in %s" % (rel, key[2], want))
        if offs and min(offs) != first:
            problems.append("%s: lowest offset %d, name says %d" % (rel, min(offs), first))
        if offs != sorted(offs):
            problems.append("%s: records out of order" % rel)

missing = [k for k in records if k not in seen]
dups = [k for k, n in seen.items() if n > 1]
if missing:
    problems.append("%d records missing, e.g. %s" % (len(missing), sorted(missing)[:5]))
if dups:
    problems.append("%d records more than once, e.g. %s" % (len(dups), sorted(dups)[:5]))
for p in problems[:30]:
    print("tos3-check: " + p)
print("tos3-check: %d records, %d objects, %d missing, %d duplicated" %
      (len(records), objects, len(missing), len(dups)))
sys.exit(1 if problems else 0)
