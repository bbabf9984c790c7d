#!/usr/bin/env python3
"""Cross-checks lib/tl_mskiam's MSK IAM tokens with the reference signers.

    msk-token-check.py --helper build/tests/msk-token [--count 300] [--seed 7]

Generates cases (seeded: a failure can be replayed): regions, long-term and temporary
credentials (secrets and session tokens full of "/", "+" and "="), signing times from 2000 to
2037. For each, the token of msk-token (tl_mskiam_token) must be byte for byte the token of the
npm signer aws-msk-iam-sasl-signer-js (tests/helpers/msk-token-peer.js, clock and credentials
fixed), and its expiry the same; decoded, it must be the URL the MSK IAM protocol defines
(https://kafka.REGION.amazonaws.com/?Action=kafka-cluster%3AConnect, X-Amz-Expires=900,
X-Amz-SignedHeaders=host, a User-Agent) whose X-Amz-Signature is the one botocore's own presigner
(SigV4QueryAuth, clock frozen) computes for that request. Cases whose credentials expire sooner
than 15 minutes must give that expiry. Prints "checked N tokens" or the first mismatches; exits 1
on any.
"""
import argparse
import base64
import datetime
import json
import os
import random
import string
import subprocess
import sys
from urllib.parse import parse_qsl, urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_NOW = [datetime.datetime(2015, 8, 30, 12, 36)]
botocore.auth.get_current_datetime = lambda *a, **k: _NOW[0]

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2",
           "ap-northeast-1", "sa-east-1", "ca-central-1", "me-south-1", "af-south-1",
           "us-gov-west-1", "il-central-1"]
B64 = string.ascii_letters + string.digits + "+/"


def gen(rng, n):
    cases = []
    for i in range(n):
        temp = rng.random() < 0.6
        ak = ("ASIA" if temp else "AKIA") + "".join(rng.choice(string.ascii_uppercase + string.digits)
                                                    for _ in range(16))
        sk = "".join(rng.choice(B64) for _ in range(40))
        token = None
        if temp:
            token = "".join(rng.choice(B64) for _ in range(rng.randint(100, 900)))
            token += "=" * rng.randint(0, 2)
        now = rng.randint(946684800000, 2145916800000)
        c = {"region": rng.choice(REGIONS), "ak": ak, "sk": sk, "token": token, "now_ms": now}
        if temp and i % 10 == 9:
            c["expires_ms"] = now + rng.randint(2000, 899000)  # sooner than the token's 900 s
        cases.append(c)
    return cases


def run(cmd, cases):
    text = "".join(json.dumps(c) + "\n" for c in cases)
    r = subprocess.run(cmd, input=text, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("%s failed: %s" % (cmd[0], r.stderr))
    return [json.loads(l) for l in r.stdout.splitlines()]


def decode(token):
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()


def botocore_signature(c):
    _NOW[0] = datetime.datetime.fromtimestamp(c["now_ms"] // 1000, datetime.timezone.utc).replace(tzinfo=None)
    req = AWSRequest(method="GET", url="https://kafka.%s.amazonaws.com/" % c["region"],
                     params={"Action": "kafka-cluster:Connect"})
    creds = Credentials(c["ak"], c["sk"], c["token"])
    botocore.auth.SigV4QueryAuth(creds, "kafka-cluster", c["region"], expires=900).add_auth(req)
    return dict(parse_qsl(urlsplit(req.url).query))["X-Amz-Signature"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helper", required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    cases = gen(random.Random(args.seed), args.count)
    ours = run([args.helper], cases)
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "msk-token-peer.js")
    ref_cases = [c for c in cases if "expires_ms" not in c]
    theirs = iter(run(["node", peer], ref_cases))
    bad = []
    for c, o in zip(cases, ours):
        if "error" in o:
            bad.append("%s: refused: %s" % (json.dumps(c)[:80], o["error"]))
            continue
        url = decode(o["token"])
        u = urlsplit(url)
        q = dict(parse_qsl(u.query))
        names = [k for k, _ in parse_qsl(u.query)]
        want_expiry = (c["now_ms"] // 1000 + 900) * 1000
        if "expires_ms" in c:
            want_expiry = min(want_expiry, c["expires_ms"])
        problems = []
        if u.scheme != "https" or u.netloc != "kafka.%s.amazonaws.com" % c["region"] or u.path != "/":
            problems.append("URL %s" % url[:60])
        if q.get("Action") != "kafka-cluster:Connect" or q.get("X-Amz-Expires") != "900":
            problems.append("Action/Expires %s %s" % (q.get("Action"), q.get("X-Amz-Expires")))
        if q.get("X-Amz-SignedHeaders") != "host" or not q.get("User-Agent"):
            problems.append("SignedHeaders/User-Agent")
        if q.get("X-Amz-Security-Token") != c["token"]:
            problems.append("session token")
        if names != sorted(names):
            problems.append("parameters not in name order")
        if "=" in o["token"] or "+" in o["token"] or "/" in o["token"]:
            problems.append("not base64url without padding")
        if o["expiry_ms"] != want_expiry:
            problems.append("expiry %s, want %s" % (o["expiry_ms"], want_expiry))
        if q.get("X-Amz-Signature") != botocore_signature(c):
            problems.append("signature differs from botocore's")
        if "expires_ms" not in c:
            t = next(theirs)
            if t["token"] != o["token"]:
                problems.append("token differs from the npm signer's:\n  ours   %s\n  theirs %s"
                                % (url, decode(t["token"])))
            if t["expiry_ms"] != o["expiry_ms"]:
                problems.append("expiry differs from the npm signer's")
        if problems:
            bad.append("%s: %s" % (json.dumps(c)[:100], "; ".join(problems)))
    if len(ours) != len(cases):
        bad.append("msk-token answered %d of %d cases" % (len(ours), len(cases)))
    for b in bad[:5]:
        print(b)
    print("checked %d tokens (%d against the npm signer), %d bad" % (len(cases), len(ref_cases), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
