#!/usr/bin/env python3
"""A stream of real captured tweets with planted bursts, for tw-trends' tests and bench.

Cycles over the real tweets in tests/data/tweets (X API v2 stream lines and v1.1 tweets),
re-timed evenly at RATE tweets a second of event time from START, each with a fresh id. A planted
burst (TAG@START+LENGTH*SHARE, minutes; the shape tw-stream --burst uses: rising over the first
fifth, holding until three fifths, falling to nothing at the end) appends " #TAG" to the text of
that share of the tweets (to extended_tweet.full_text too, and to the hashtag entities), so
everything else in the stream repeats itself: the real tweets' own hashtags are heavy and flat.

  tests/helpers/trends-stream.py --minutes 20 --rate 10 --burst Eclipse@8+5*0.05 > stream.jsonl
"""
import argparse
import datetime
import json
import os
import random
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = ["v2_stream_twarc-csv_streaming_output.jsonl", "v1.1_stream_original_format_tweet_parser_examples.jsonl"]


def load():
    out = []
    for name in FILES:
        with open(os.path.join(TOP, "tests", "data", "tweets", name), encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                t = d.get("data", d)
                if "text" in t and "created_at" in t:
                    out.append(d)
    return out


def parse_burst(spec):
    tag, rest = spec.lstrip("#").rsplit("@", 1)
    start, rest = rest.split("+", 1)
    length, share = rest.split("*", 1)
    share = float(share[:-1]) / 100 if share.endswith("%") else float(share)
    return tag, float(start) * 60, float(length) * 60, share


def shape(b, t):
    _, start, length, share = b
    x = (t - start) / length
    if x < 0 or x >= 1:
        return 0.0
    if x < 0.2:
        return share * x / 0.2
    if x < 0.6:
        return share
    return share * (1 - x) / 0.4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--rate", type=float, default=10)
    ap.add_argument("--start", default="2021-04-01T12:00:00Z")
    ap.add_argument("--burst", action="append", default=[])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    bursts = [parse_burst(b) for b in args.burst]
    tweets = load()
    t0 = datetime.datetime.strptime(args.start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    n = int(args.minutes * 60 * args.rate)
    out = sys.stdout
    for i in range(n):
        secs = i / args.rate
        d = json.loads(json.dumps(tweets[i % len(tweets)]))
        t = d.get("data", d)
        when = t0 + datetime.timedelta(seconds=secs)
        v11 = "data" not in d
        if v11:
            t["created_at"] = when.strftime("%a %b %d %H:%M:%S +0000 %Y")
            t["id"] = 10**18 + i
            t["id_str"] = str(10**18 + i)
        else:
            t["created_at"] = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            t["id"] = str(10**18 + i)
        for b in bursts:
            if rng.random() < shape(b, secs):
                for holder in (t, t.get("extended_tweet")):
                    if not holder:
                        continue
                    key = "full_text" if "full_text" in holder else "text"
                    holder[key] = holder[key] + " #" + b[0]
                    ents = holder.setdefault("entities", {})
                    ents.setdefault("hashtags", []).append({"tag" if not v11 else "text": b[0]})
        out.write(json.dumps(d, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
