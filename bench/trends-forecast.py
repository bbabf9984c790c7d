#!/usr/bin/env python3
"""Forecast error of tw-trends against the naive forecast (the rate stays what it is).

  trends-forecast.py retime IN OUT MINUTES   re-time a stream (created_at) to a volume that
                                             swings (two waves, 20 and 7 minutes)
  trends-forecast.py score OUT.ndjson        read tw-trends' lines and compare, one window ahead:
        volume: each window line's forecast[0] with the rate of the line one window later;
        terms:  each trend-update's forecast[0] with the term's rate one window later.
Prints mean absolute errors (tweets a minute) and the ratio Holt / naive (below 1: Holt wins).
"""
import datetime
import json
import math
import re
import sys


def retime(src, dst, minutes):
    lines = open(src, encoding="utf-8").read().splitlines()
    n, span = len(lines), minutes * 60.0
    rate = lambda t: 1 + 0.6 * math.sin(2 * math.pi * t / 1200) + 0.3 * math.sin(2 * math.pi * t / 420 + 1)
    # cumulative volume on a fine grid, then invert it: tweet i at the time the volume reaches i
    grid, cum = [0.0], [0.0]
    steps = int(span * 10)
    for k in range(1, steps + 1):
        grid.append(k / 10)
        cum.append(cum[-1] + rate(k / 10) / 10)
    total, t0 = cum[-1], datetime.datetime(2026, 6, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    pat = re.compile(r'"created_at":"[^"]*"')
    j = 0
    with open(dst, "w", encoding="utf-8") as out:
        for i, line in enumerate(lines):
            target = i / n * total
            while j < steps and cum[j + 1] < target:
                j += 1
            when = t0 + datetime.timedelta(seconds=grid[j])
            stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000)
            out.write(pat.sub('"created_at":"%s"' % stamp, line, count=1) + "\n")


def score(path):
    vol, terms = {}, {}
    window = 60
    for line in open(path, encoding="utf-8"):
        d = json.loads(line)
        t = datetime.datetime.strptime(d["time"][:19], "%Y-%m-%dT%H:%M:%S").timestamp()
        if d["event"] == "window":
            vol[t] = (d["rate"], d["forecast"][0])
        elif d["event"] in ("trend-update", "trend-start"):
            window = d.get("window_s", window)
            terms[(d["term"], t)] = (d["rate"], d["forecast"][0])
    def mae(series, key_later):
        h = n = 0.0
        for k, (now, fc) in series.items():
            later = series.get(key_later(k))
            if later is None:
                continue
            h += abs(fc - later[0])
            n += abs(now - later[0])
        return h, n
    hv, nv = mae(vol, lambda k: k + window)
    cnt_v = sum(1 for k in vol if k + window in vol)
    ht, nt = mae(terms, lambda k: (k[0], k[1] + window))
    cnt_t = sum(1 for k in terms if (k[0], k[1] + window) in terms)
    print("volume: %d forecasts, MAE Holt %.2f naive %.2f tweets/min, ratio %.3f" %
          (cnt_v, hv / max(cnt_v, 1), nv / max(cnt_v, 1), hv / nv if nv else 0))
    print("trending terms: %d forecasts, MAE Holt %.2f naive %.2f tweets/min, ratio %.3f" %
          (cnt_t, ht / max(cnt_t, 1), nt / max(cnt_t, 1), ht / nt if nt else 0))


if __name__ == "__main__":
    if sys.argv[1] == "retime":
        retime(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        score(sys.argv[2])
