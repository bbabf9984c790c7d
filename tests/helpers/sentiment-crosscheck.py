#!/usr/bin/env python3
"""Checks tw-sentiment's output against its input and against two reference implementations.

    sentiment-crosscheck.py IN.jsonl OUT.jsonl [--min-npm F] [--min-npm-ref F] [--truth TSV]

IN is what tw-sentiment read, OUT what it wrote (line for line). Checked, independently of the
tool's code:
  - every output line is the input line with exactly `,"sentiment":V` added before the tweet
    object's final `}` (or V in place of an existing sentiment value), and nothing else changed;
    lines that are not tweets are unchanged; V's numbers are written with a decimal point;
  - which tweets are scored (lang en or en-*; others null) and which text is scored (the
    retweeted tweet's full text, note_tweet.text, extended_tweet.full_text, full_text, text;
    &amp; &lt; &gt; decoded), implemented here from the documentation;
  - the scores equal the authors' Python VADER (tests/peers/vaderSentiment) to the digits both
    print, once its "but" rule keeps each word's position (the paper's rule; the reference
    looks positions up by value); the texts where the unchanged reference differs are listed;
  - the npm port (tests/helpers/sentiment-peer.js): the share of English tweets whose compound is
    within 0.01 (at least --min-npm), the same with the reference's input handling (at least
    --min-npm-ref); every disagreement must be one where the Python reference agrees with us
    (so the port is the one that differs), and each is printed with both scores;
  - with --truth (the paper's human ratings, ID<TAB>RATING<TAB>TEXT in the order of IN): the
    Pearson correlation of the compound with the mean human rating, printed.
Prints a summary; exits 1 on any failed check.
"""
import argparse
import gzip
import json
import math
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "peers", "vaderSentiment"))
import vaderSentiment as ref  # noqa: E402  (the authors' module, vendored as a test peer)

NUM = r"-?(?:0|[1-9][0-9]*)\.[0-9]+"
VALUE = re.compile(r'\{"compound":(%s),"pos":(%s),"neu":(%s),"neg":(%s)\}|null' % (NUM, NUM, NUM, NUM))

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [l[:-1] if l.endswith(b"\r") else l for l in lines]


def tweet_object(doc):
    """The tweet in a parsed line (the line, or its "data"), or None."""
    if not isinstance(doc, dict):
        return None
    if not isinstance(doc.get("text"), str) and not isinstance(doc.get("full_text"), str):
        if isinstance(doc.get("data"), dict):
            doc = doc["data"]
    if isinstance(doc.get("text"), str) or isinstance(doc.get("full_text"), str):
        return doc
    return None


def own_text(t):
    for outer, inner in (("note_tweet", "text"), ("extended_tweet", "full_text")):
        o = t.get(outer)
        if isinstance(o, dict) and isinstance(o.get(inner), str):
            return o[inner]
    for k in ("full_text", "text"):
        if isinstance(t.get(k), str):
            return t[k]
    return None


def scored_text(t):
    s = None
    rt = t.get("retweeted_status")
    if isinstance(rt, dict):
        s = own_text(rt)
    elif isinstance(t.get("referenced_tweets"), list):
        for r in t["referenced_tweets"][:16]:
            if isinstance(r, dict) and r.get("type") == "retweeted":
                s = own_text(r)
                break
    if s is None:
        s = own_text(t)
    return re.sub(r"&(amp|lt|gt);", lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], s)


def is_english(t):
    lang = t.get("lang")
    return isinstance(lang, str) and (lang.lower() == "en" or lang.lower().startswith("en-"))


def paper_but(words, sentiments):
    lower = [str(w).lower() for w in words]
    if "but" not in lower:
        return sentiments
    bi = lower.index("but")
    return [s * 0.5 if i < bi else s * 1.5 if i > bi else s for i, s in enumerate(sentiments)]


def same(a, b):
    return all(abs(a[k] - b[k]) < 5e-5 for k in ("compound", "pos", "neu", "neg"))


def fmt(s):
    return "%.4f/%.3f/%.3f/%.3f" % (s["compound"], s["pos"], s["neu"], s["neg"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--min-npm", type=float, default=0.0)
    ap.add_argument("--min-npm-ref", type=float, default=0.0)
    ap.add_argument("--truth")
    ap.add_argument("--quiet-npm", action="store_true", help="count npm disagreements, list 20")
    a = ap.parse_args()

    ins, outs = read_lines(a.inp), read_lines(a.out)
    if len(ins) != len(outs):
        fail("%d lines in, %d out" % (len(ins), len(outs)))
        return 1
    english, nulls, others = [], 0, 0
    for n, (i, o) in enumerate(zip(ins, outs), 1):
        try:
            doc = json.loads(i)
        except ValueError:
            doc = None
        t = tweet_object(doc)
        if t is None:
            if i != o:
                fail("line %d: not a tweet, but changed" % n)
            others += 1
            continue
        m = re.search(rb',"sentiment":(null|\{[^{}]*\})', o)
        if "sentiment" in t:
            m = None  # replaced in place: compare the parsed values below
            od = tweet_object(json.loads(o))
            if set(od) != set(t):
                fail("line %d: members changed" % n)
        elif not m or o[: m.start()] + o[m.end():] != i:
            fail("line %d: not the input plus one member" % n)
            continue
        else:
            if not VALUE.fullmatch(m.group(1).decode()):
                fail("line %d: sentiment written as %s" % (n, m.group(1)[:80]))
            after = o[m.end():]
            obj_end = len(i) - len(after)
            if i[obj_end:obj_end + 1] != b"}":
                fail("line %d: the member is not before the tweet's final }" % n)
        val = tweet_object(json.loads(o))["sentiment"]
        if not is_english(t):
            if val is not None:
                fail("line %d: lang %r scored" % (n, t.get("lang")))
            nulls += 1
            continue
        if val is None:
            fail("line %d: English tweet not scored" % n)
            continue
        english.append((n, scored_text(t), val))

    texts = [t for _, t, _ in english]
    an = ref.SentimentIntensityAnalyzer(
        lexicon_file=os.path.join(TOP, "lib/vader/vader_lexicon.txt"),
        emoji_lexicon=os.path.join(TOP, "lib/vader/emoji_utf8_lexicon.txt"))
    py_raw = [an.polarity_scores(t) for t in texts]
    ref.SentimentIntensityAnalyzer._but_check = staticmethod(paper_but)
    py = [an.polarity_scores(t) for t in texts]
    exact = sum(1 for (_, _, v), p in zip(english, py) if same(v, p))
    raw_exact = sum(1 for (_, _, v), p in zip(english, py_raw) if same(v, p))
    for (n, t, v), p, r in zip(english, py, py_raw):
        if not same(v, p):
            fail("line %d: ours %s, Python reference %s: %r" % (n, fmt(v), fmt(p), t))
        elif not same(v, r):
            print("  reference's but-rule (list.index) differs on line %d: ours %s, unchanged reference %s: %r"
                  % (n, fmt(v), fmt(r), t))
    print("%d lines: %d English tweets scored, %d other tweets null, %d not tweets" %
          (len(ins), len(english), nulls, others))
    if english:
        print("Python reference (paper's but rule): %d/%d identical (%.2f%%); unchanged reference: %d/%d (%.2f%%)"
              % (exact, len(english), 100.0 * exact / len(english), raw_exact, len(english),
                 100.0 * raw_exact / len(english)))

    if english:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(texts, f)
        try:
            peer = os.path.join(TOP, "tests", "helpers", "sentiment-peer.js")
            js = json.loads(subprocess.run(["node", peer, f.name], check=True,
                                           capture_output=True).stdout)
            jsr = json.loads(subprocess.run(["node", peer, f.name, "--reference-input"], check=True,
                                            capture_output=True).stdout)
        finally:
            os.unlink(f.name)
        agree = agree_ref = 0
        shown = 0
        for (n, t, v), j, jr, p in zip(english, js, jsr, py):
            agree_ref += abs(v["compound"] - jr["compound"]) <= 0.01
            if abs(v["compound"] - j["compound"]) <= 0.01:
                agree += 1
                continue
            explained = same(v, p)
            if not explained:
                fail("line %d: npm port %.4f, ours %.4f, and the Python reference does not agree with us"
                     % (n, j["compound"], v["compound"]))
            if not a.quiet_npm or shown < 20:
                shown += 1
                print("  npm port differs on line %d: ours (= Python reference) %.4f, port %.4f, port with reference input %.4f: %r"
                      % (n, v["compound"], j["compound"], jr["compound"], t))
        share, share_ref = agree / len(english), agree_ref / len(english)
        print("npm vader-sentiment: compound within 0.01 on %d/%d (%.2f%%); with the reference's input handling %d/%d (%.2f%%); every disagreement is one where the Python reference agrees with us"
              % (agree, len(english), 100 * share, agree_ref, len(english), 100 * share_ref))
        if share < a.min_npm:
            fail("npm agreement %.4f under %.4f" % (share, a.min_npm))
        if share_ref < a.min_npm_ref:
            fail("npm agreement with reference input %.4f under %.4f" % (share_ref, a.min_npm_ref))

    if a.truth:
        rows = [l.split("\t") for l in open(a.truth, encoding="utf-8").read().splitlines() if l]
        if len(rows) != len(english):
            fail("truth has %d rows for %d tweets" % (len(rows), len(english)))
        else:
            xs = [v["compound"] for _, _, v in english]
            ys = [float(r[1]) for r in rows]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
            r = cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))
            print("correlation of compound with the mean human rating: r = %.3f (the paper: 0.881)" % r)
            if r < 0.85:
                fail("correlation %.3f under 0.85" % r)
    print("%d checks failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
