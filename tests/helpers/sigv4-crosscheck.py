#!/usr/bin/env python3
"""Cross-check lib/tl_sigv4 against botocore's signers on generated requests.

    sigv4-crosscheck.py --helper build/tests/sigv4-sign [--count 1200] [--seed 42]
    sigv4-crosscheck.py --helper build/tests/sigv4-sign --bench 20000

Check mode generates requests (seeded, so a failure can be replayed), signs each with botocore
(SigV4Auth for the JSON protocol and generic paths, S3SigV4Auth for S3, S3SigV4QueryAuth for
presigned S3 URLs) with its clock frozen at the request's time, and with one sigv4-sign process
for the whole batch; then compares canonical request, string to sign and Authorization (or the
presigned signature) byte for byte, and the X-Amz-* headers both add. Prints one
"category NAME MATCHED TOTAL" line per category and the first mismatches; exits 1 on any.

Bench mode times botocore's add_auth and the C signer on the same mixed S3 and JSON requests.
"""
import argparse
import base64
import datetime
import hashlib
import json
import random
import subprocess
import sys
import time
import types
from urllib.parse import parse_qsl, quote, urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# botocore reads the clock through this one function; freeze it at each request's time.
_NOW = [datetime.datetime(2015, 8, 30, 12, 36)]
botocore.auth.get_current_datetime = lambda *a, **k: _NOW[0]

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"]
KEY_PIECES = ["a", "b c", "x=y", "p+q", "t~u", "100%", "50%25", "é", "日本語", "😀", "dir/", "sub//",
              "..", ".", "-_.", "!", "'", "(1)", "*", "&", "$", "@", ":", ",", ";", "?q", "#h",
              "[x]", "{y}", "^", "`", "|", "\\", "\"", "<>", "tab\t", "Ä", "ß", "ü/ö"]
WORDS = ["alpha", "beta", "gamma", "delta", "tweets", "2026", "part-0001", "json", "gz"]


class Capture:
    """Keeps the canonical request and string to sign botocore computed."""

    def string_to_sign(self, request, canonical_request):
        self.creq = canonical_request
        self.sts = super().string_to_sign(request, canonical_request)
        return self.sts


def capture(cls):
    return type("Capture" + cls.__name__, (Capture, cls), {})


SIGNERS = {name: capture(getattr(botocore.auth, name))
           for name in ("SigV4Auth", "S3SigV4Auth", "S3SigV4QueryAuth")}


def enc(s):
    return quote(s, safe="-_.~")


def rand_key(r):
    parts = [r.choice(KEY_PIECES + WORDS) for _ in range(r.randint(1, 6))]
    key = "/".join(parts) if r.random() < 0.5 else "".join(parts)
    return key or "k"


def rand_query(r, unique=False):
    pairs, keys = [], set()
    for _ in range(r.choice([0, 0, 1, 2, 3, 5])):
        k = r.choice(["prefix", "delimiter", "marker", "max-keys", "list-type", "uploadId",
                      "partNumber", "versionId", "a b", "x=y", "é", "k+", "~t", "50%", ""])
        if not k or (unique and k in keys):
            continue
        keys.add(k)
        form = r.random()
        if form < 0.15:
            pairs.append(enc(k))  # no "=" at all: signs as "k="
        elif form < 0.3:
            pairs.append(enc(k) + "=")
        else:
            pairs.append(enc(k) + "=" + enc(r.choice(WORDS + KEY_PIECES)))
        if not unique and r.random() < 0.15:  # the same key again
            pairs.append(enc(k) + "=" + enc(r.choice(WORDS)))
    if r.random() < 0.15 and not unique:
        pairs.append(r.choice(["uploads", "acl", "tagging", "versions"]))
    r.shuffle(pairs)
    return "&".join(pairs)


def rand_value(r):
    v = r.choice(WORDS + ["x  y", "  padded  ", "\ttabbed\tvalue ", "", "a,b", "é ü", "=;:/"])
    return v


def rand_body(r, large_ok=True):
    x = r.random()
    if x < 0.3:
        return b""
    if x < 0.6:
        return " ".join(r.choice(WORDS) for _ in range(r.randint(1, 40))).encode()
    if x < 0.97 or not large_ok:
        return r.randbytes(r.randint(1, 4096))
    return r.randbytes(r.randint(256 << 10, 2 << 20))  # large


def creds(r):
    ak = "AKIA" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    sk = base64.b64encode(r.randbytes(30)).decode()
    tok = base64.b64encode(r.randbytes(r.randint(60, 300))).decode() if r.random() < 0.4 else None
    return ak, sk, tok


def extra_headers(r, s3):
    h = []
    if r.random() < 0.5:
        h.append(("User-Agent", "tweetlake/0.1 botocore-crosscheck"))  # never signed
    if r.random() < 0.2:
        h.append(("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"))
    if r.random() < 0.1:
        h.append(("Connection", "keep-alive"))
    if r.random() < 0.1:
        h.append(("X-Amz-Date", "20000101T000000Z"))  # a stale one from a retry: replaced
    if r.random() < 0.1:
        h.append(("Authorization", "AWS4-HMAC-SHA256 stale"))
    for _ in range(r.choice([0, 1, 2, 3])):
        name = r.choice(["x-amz-meta-a", "X-Amz-Meta-Case", "x-amz-meta-dup", "X-Custom",
                         "x-amz-acl", "Cache-Control"]) if s3 else r.choice(["X-Custom", "Accept"])
        h.append((name, rand_value(r)))
    return h


def gen_s3(r, t):
    ak, sk, tok = creds(r)
    region = r.choice(REGIONS)
    bucket = r.choice(["tl-lake", "tl.dotted.bucket", "b-1"])
    key = rand_key(r)
    style = r.random()
    if style < 0.4:
        host, path = f"{bucket}.s3.{region}.amazonaws.com", "/" + quote(key, safe="/~")
    elif style < 0.7:
        host, path = f"s3.{region}.amazonaws.com", f"/{bucket}/" + quote(key, safe="/~")
    else:
        host, path = "127.0.0.1:9000", f"/{bucket}/" + quote(key, safe="/~")
    method = r.choice(["GET", "PUT", "PUT", "HEAD", "DELETE", "POST"])
    body = rand_body(r) if method in ("PUT", "POST") else b""
    headers = [("Host", host)]
    if body:
        headers.append(("Content-Type", r.choice(["application/json", "application/gzip",
                                                  "text/plain; charset=utf-8"])))
        if r.random() < 0.3:
            headers.append(("Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode()))
        if r.random() < 0.3:
            headers.append(("Expect", "100-continue"))  # never signed
    headers += extra_headers(r, True)
    r.shuffle(headers)
    return dict(category="s3", method=method, host=host, path=path, query=rand_query(r),
                headers=headers, body=body, region=region, service="s3", time=t, s3=True,
                unsigned=r.random() < 0.25, access_key=ak, secret_key=sk, session_token=tok)


def gen_json(r, t):
    ak, sk, tok = creds(r)
    region = r.choice(REGIONS)
    service, target = r.choice([("glue", "AWSGlue.GetTable"), ("glue", "AWSGlue.CreateTable"),
                                ("glue", "AWSGlue.BatchCreatePartition"),
                                ("athena", "AmazonAthena.StartQueryExecution"),
                                ("athena", "AmazonAthena.GetQueryResults")])
    doc = {"DatabaseName": r.choice(WORDS), "Name": rand_key(r),
           "QueryString": "SELECT * FROM tweets WHERE text LIKE '%" + r.choice(KEY_PIECES) + "%'"}
    if r.random() < 0.02:
        doc["Blob"] = "x" * r.randint(100 << 10, 1 << 20)
    body = json.dumps(doc, ensure_ascii=r.random() < 0.5).encode()
    host = f"{service}.{region}.amazonaws.com" if r.random() < 0.9 else "localhost:5000"
    headers = [("Host", host), ("Content-Type", "application/x-amz-json-1.1"),
               ("X-Amz-Target", target)]
    if r.random() < 0.3:
        headers.append(("Content-Length", str(len(body))))
    headers += extra_headers(r, False)
    r.shuffle(headers)
    return dict(category="json", method="POST", host=host, path="/", query="", headers=headers,
                body=body, region=region, service=service, time=t, s3=False, unsigned=False,
                access_key=ak, secret_key=sk, session_token=tok)


def gen_generic_path(r, t):
    """Generic services: the path is normalized and encoded a second time."""
    ak, sk, tok = creds(r)
    region = r.choice(REGIONS)
    segs = [r.choice(["a", "b%20c", ".", "..", "", "é", "x y", "%2F", "~u", "v=w", "50%"])
            for _ in range(r.randint(0, 6))]
    path = "/" + "/".join(segs)
    if r.random() < 0.3:
        path += "/"
    host = f"example.execute-api.{region}.amazonaws.com"
    return dict(category="generic-path", method=r.choice(["GET", "DELETE"]), host=host, path=path,
                query=rand_query(r), headers=[("Host", host)] + extra_headers(r, False), body=b"",
                region=region, service=r.choice(["execute-api", "es", "service"]), time=t,
                s3=False, unsigned=False, access_key=ak, secret_key=sk, session_token=tok)


def gen_presign(r, t):
    c = gen_s3(r, t)
    c.update(category="s3-presign", method=r.choice(["GET", "PUT"]), body=b"",
             query=rand_query(r, unique=True), unsigned=True, presign=True,
             expires=r.choice([1, 60, 3600, 86400, 604800, r.randint(1, 604800)]))
    # a presigned URL carries no headers but Host (and what the caller chooses to sign)
    c["headers"] = [("Host", c["host"])] + ([("x-amz-meta-a", "v")] if r.random() < 0.2 else [])
    return c


def generate(count, seed, large_ok=True):
    r = random.Random(seed)
    gens = [(gen_s3, 0.45), (gen_json, 0.3), (gen_generic_path, 0.1), (gen_presign, 0.15)]
    out = []
    for _ in range(count):
        t = r.randint(1420070400, 1924991999)  # 2015 .. 2030
        x, acc = r.random(), 0.0
        for g, w in gens:
            acc += w
            if x < acc:
                break
        c = g(r, t)
        if not large_ok and len(c["body"]) > 8192:
            c["body"] = c["body"][:8192]
        out.append(c)
    return out


def to_helper(c):
    d = {k: c[k] for k in ("method", "path", "query", "region", "service", "time", "s3", "unsigned",
                           "access_key", "secret_key")}
    d["headers"] = [list(h) for h in c["headers"]]
    if c.get("session_token"):
        d["session_token"] = c["session_token"]
    if c.get("presign"):
        d["presign"] = True
        d["expires"] = c["expires"]
    body = c["body"]
    if body and all(32 <= b < 127 for b in body):
        d["body"] = body.decode()
    elif body:
        d["body_b64"] = base64.b64encode(body).decode()
    return json.dumps(d)


def botocore_request(c):
    url = f"https://{c['host']}{c['path']}" + (f"?{c['query']}" if c["query"] else "")
    req = AWSRequest(method=c["method"], url=url, data=c["body"])
    for k, v in c["headers"]:
        req.headers[k] = v  # HTTPHeaders appends: duplicates stay, in order
    if c["s3"] and c["unsigned"] and not c.get("presign"):
        req.context["client_config"] = types.SimpleNamespace(s3={"payload_signing_enabled": False})
    cr = Credentials(c["access_key"], c["secret_key"], c.get("session_token"))
    if c.get("presign"):
        auth = SIGNERS["S3SigV4QueryAuth"](cr, c["service"], c["region"], expires=c["expires"])
    elif c["s3"]:
        auth = SIGNERS["S3SigV4Auth"](cr, c["service"], c["region"])
    else:
        auth = SIGNERS["SigV4Auth"](cr, c["service"], c["region"])
    return req, auth


def freeze(t):
    _NOW[0] = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).replace(tzinfo=None)


def botocore_sign(c):
    req, auth = botocore_request(c)
    freeze(c["time"])
    auth.add_auth(req)
    res = {"canonical_request": auth.creq, "string_to_sign": auth.sts}
    if c.get("presign"):
        res["signature"] = dict(parse_qsl(urlsplit(req.url).query))["X-Amz-Signature"]
    else:
        res["authorization"] = req.headers["Authorization"]
        res["headers"] = {k.lower(): req.headers[k] for k in
                          ("X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256")
                          if k in req.headers}
    return res


def run_helper(helper, cases, extra=()):
    data = "".join(to_helper(c) + "\n" for c in cases).encode()
    p = subprocess.run([helper, *extra], input=data, stdout=subprocess.PIPE, check=False)
    if p.returncode != 0:
        sys.exit(f"sigv4-crosscheck: {helper} exited {p.returncode}")
    return [json.loads(line) for line in p.stdout.decode().splitlines()]


def compare(c, ours, theirs):
    """Returns a list of differences (empty when they agree)."""
    if "error" in ours:
        return [f"our signer refused it: {ours['error']}"]
    diffs = []
    for k in ("canonical_request", "string_to_sign", "authorization", "signature"):
        if k in theirs and ours.get(k) != theirs[k]:
            diffs.append(f"{k}:\n  ours:     {ours.get(k)!r}\n  botocore: {theirs[k]!r}")
    if "headers" in theirs:
        added = {}
        for h in ours.get("headers", []):
            name, _, value = h.partition(": ")
            added[name.lower()] = value
        for k, v in theirs["headers"].items():
            if added.get(k) != v:
                diffs.append(f"header {k}: ours {added.get(k)!r}, botocore {v!r}")
    return diffs


def check(args):
    cases = generate(args.count, args.seed)
    ours = run_helper(args.helper, cases)
    if len(ours) != len(cases):
        sys.exit(f"sigv4-crosscheck: {len(ours)} results for {len(cases)} requests")
    stats, shown, bad = {}, 0, 0
    for i, (c, o) in enumerate(zip(cases, ours)):
        diffs = compare(c, o, botocore_sign(c))
        st = stats.setdefault(c["category"], [0, 0])
        st[1] += 1
        if not diffs:
            st[0] += 1
            continue
        bad += 1
        if shown < args.show:
            shown += 1
            req = {k: v for k, v in c.items() if k not in ("body", "secret_key")}
            print(f"# mismatch in request {i} (seed {args.seed}): {json.dumps(req)}")
            for d in diffs:
                print("#   " + d.replace("\n", "\n#   "))
    for name in sorted(stats):
        print(f"category {name} {stats[name][0]} {stats[name][1]}")
    names = lambda c: [h[0].lower() for h in c["headers"]]
    cov = {
        "session token": sum(1 for c in cases if c.get("session_token")),
        "UNSIGNED-PAYLOAD": sum(1 for c in cases if c["unsigned"]),
        "empty body": sum(1 for c in cases if not c["body"]),
        "body > 256 KiB": sum(1 for c in cases if len(c["body"]) > 256 << 10),
        "repeated header": sum(1 for c in cases if len(names(c)) != len(set(names(c)))),
        "repeated query key": sum(1 for c in cases if c["query"] and len(
            [p.split("=")[0] for p in c["query"].split("&")]) != len(
            {p.split("=")[0] for p in c["query"].split("&")})),
        "empty query value": sum(1 for c in cases if any(
            p.endswith("=") or "=" not in p for p in c["query"].split("&") if c["query"])),
        "non-ASCII key/path": sum(1 for c in cases if "%C3" in c["path"] or "%E" in c["path"]
                                  or "%F0" in c["path"] or any(ord(ch) > 127 for ch in c["path"])),
        "unsigned headers (User-Agent, Expect...)": sum(1 for c in cases if {
            "user-agent", "expect", "x-amzn-trace-id", "connection"} & set(names(c))),
    }
    print("# coverage: " + ", ".join(f"{k} {v}" for k, v in cov.items()))
    total = sum(s[1] for s in stats.values())
    print(f"# {total - bad} of {total} requests signed identically by botocore and tl_sigv4")
    return 1 if bad else 0


def bench(args):
    """Header signing of mixed S3 and JSON requests, as a running tool signs them: one credential,
    one region and one day (so our signing-key cache hits; botocore derives the key every time),
    payloads up to 1 KiB (hashing a large body costs the same OpenSSL SHA-256 in both)."""
    cases = generate(args.bench, args.seed, large_ok=False)
    ak, sk, tok = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None
    for i, c in enumerate(cases):
        if c.get("presign"):
            c.pop("presign")
            c["category"] = "s3"
        c.update(access_key=ak, secret_key=sk, session_token=tok, region="us-east-1",
                 time=cases[0]["time"], body=c["body"][:1024])
        if c["s3"]:
            c["headers"] = [(k, v.replace(c["host"], "tl-lake.s3.us-east-1.amazonaws.com"))
                            if k == "Host" else (k, v) for k, v in c["headers"]]
    reqs = [botocore_request(c) for c in cases]
    freeze(cases[0]["time"])
    # best of three passes on each side: the machine is shared, and the best pass is the one
    # least disturbed (signing a request again does the same work: add_auth replaces its headers)
    # Like the C side below, each request is signed several times in a row (hot in the cache).
    boto_s, k = None, max(1, args.boto_rounds)
    for _ in range(args.passes):
        t0 = time.perf_counter()
        for req, auth in reqs:
            for _ in range(k):
                auth.add_auth(req)
        dt = time.perf_counter() - t0
        boto_s = dt if boto_s is None else min(boto_s, dt)
    boto_rate = len(reqs) * k / boto_s
    # the same work on both sides: every Authorization must be identical
    ours = run_helper(args.helper, cases)
    same = sum(1 for (req, _), o in zip(reqs, ours)
               if o.get("authorization") == req.headers["Authorization"])
    rounds = max(1, args.rounds)
    res = max((run_helper(args.helper, cases, ["--bench", str(len(cases) * rounds)])[0]
               for _ in range(args.passes)), key=lambda r: r["per_second"])
    rate = res["per_second"]
    s3n = sum(1 for c in cases if c["s3"])
    print(f"requests: {len(cases)} ({s3n} S3, {len(cases) - s3n} Glue/Athena JSON and generic), "
          f"bodies up to 1 KiB, one credential and day, seed {args.seed}; best of {args.passes}")
    print(f"botocore {botocore.__version__} add_auth:   {boto_rate:12,.0f} signatures/s "
          f"({boto_s:.2f} s for {len(reqs) * k})")
    print(f"tl_sigv4_sign (C):       {rate:12,.0f} signatures/s "
          f"({res['seconds']:.2f} s for {res['signatures']})")
    print(f"ratio: {rate / boto_rate:.1f}x (identical Authorization headers: {same} of {len(cases)})")
    return 0 if same == len(cases) else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--helper", required=True, help="path of the sigv4-sign program")
    ap.add_argument("--count", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--show", type=int, default=5, help="mismatches to print in full")
    ap.add_argument("--bench", type=int, default=0, help="benchmark on this many requests")
    ap.add_argument("--rounds", type=int, default=10, help="bench: C signs each request this often")
    ap.add_argument("--passes", type=int, default=3, help="bench: timed passes per side (best)")
    ap.add_argument("--boto-rounds", type=int, default=2,
                    help="bench: botocore signs each request this often in a row")
    args = ap.parse_args()
    return bench(args) if args.bench else check(args)


if __name__ == "__main__":
    sys.exit(main())
