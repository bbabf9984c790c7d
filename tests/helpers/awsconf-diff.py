#!/usr/bin/env python3
"""Compares tl_awsconf with botocore on many generated config and credentials files.

    awsconf-diff.py QUERY-PROGRAM [CASES] [SEED]

Each case is a pair of files made of tricky lines (headers with odd spacing and quoting,
":" and "=" delimiters, comments, indented continuations, nested blocks, duplicates, junk).
botocore's configloader (as the AWS CLI calls it) parses them; QUERY-PROGRAM (awsconf-query)
answers for every candidate profile and key whether it exists and what it holds. Any
difference, including one file refused by one side only, is printed and fails the run.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import botocore.configloader as cl
import botocore.exceptions as bx

prog = sys.argv[1]
cases = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20261125)

NAMES = ["default", "dev", "prod", "a b", "x"]
KEYS = ["region", "output", "aws_access_key_id", "role_arn", "s3", "Region", "endpoint_url",
        "services", "source_profile", "credential_process", "k1", "K2", "with space"]
VALUES = ["us-east-1", "json", "arn:aws:iam::1:role/r", "http://h:1/p", "a = b", "x ; y # z",
          "", "  padded  ", "v:w", "'quoted'", "\x1fodd space\x1c", "\x0bvt"]


def pick(weighted):
    """One of [(weight, choice)...]."""
    total = sum(w for w, _ in weighted)
    r = rng.random() * total
    for w, c in weighted:
        r -= w
        if r < 0:
            return c
    return weighted[-1][1]


def header():
    n = rng.choice(NAMES)
    return pick([
        (10, "[default]"), (10, "[%s]" % n), (20, "[profile %s]" % n),
        (3, "[profile  %s ]" % n), (3, "[profile '%s']" % n), (3, '[profile "%s"]' % n),
        (5, "[services %s]" % n), (3, "[DEFAULT]"), (2, "[profile%s]" % n), (2, "[ default ]"),
        (0.5, "[]"), (2, "[profile a b c]"), (1, "[profile 'open]"), (3, "  [profile %s]" % n),
        (2, "[profile %s] trailing" % n), (1, "[sso-session %s]" % n), (1, "[a]]"),
    ])


def body_line(key_indent):
    k, v = rng.choice(KEYS), rng.choice(VALUES)
    ind = " " * key_indent
    return pick([
        (20, "%s%s = %s" % (ind, k, v)), (5, "%s%s=%s" % (ind, k, v)),
        (5, "%s%s : %s" % (ind, k, v)), (3, "%s%s =" % (ind, k)),
        (4, "  %s = %s" % (k, v)), (4, "\t%s" % v), (4, "    cont %s" % v), (2, " cont1 %s" % v),
        (3, "# comment %s" % v), (2, "; comment"), (2, "   # indented comment"), (4, ""),
        (2, "   "), (0.3, "= %s" % v), (0.3, "novalue"),
        (5, "%s%s =\n  endpoint_url = %s\n  Addressing_Style = path" % (ind, k, v)),
        (3, "%s%s =\n\n  endpoint_url = %s\n  # c\n\n" % (ind, k, v)),
        (0.3, "%s =\n  bad nested line" % k), (3, "%s%s: %s:%s" % (ind, k, v, v)),
    ])


def gen_file():
    lines = []
    if rng.random() < 0.03:
        lines.append(body_line(0))
    for _ in range(rng.randint(0, 4)):
        lines.append(header())
        ind = rng.choice([0, 0, 0, 1, 2])
        for _ in range(rng.randint(0, 4)):
            lines.append(body_line(ind))
    eol = "\r\n" if rng.random() < 0.2 else "\n"
    return eol.join(lines) + (eol if rng.random() < 0.8 else "")


def botocore_view(cfg_path, cred_path):
    """The profiles as botocore's session sees them (full_config), or an error string."""
    try:
        try:
            conf = cl.load_config(cfg_path)
        except bx.ConfigNotFound:
            conf = {"profiles": {}}
        try:
            creds = cl.raw_config_parse(cred_path)
        except bx.ConfigNotFound:
            creds = {}
    except Exception as e:  # ConfigParseError and friends
        return "error: %s" % e
    profiles = {k: dict(v) for k, v in conf["profiles"].items()}
    for name, values in creds.items():
        profiles.setdefault(name, {}).update(values)
    # botocore refuses a profile whose "services" names a missing section when it resolves an
    # endpoint (every client does); tl_awsconf refuses it when loading the chosen profile.
    svc = profiles.get("default", {}).get("services")
    if svc is not None and (not isinstance(svc, str) or svc not in conf.get("services", {})):
        return "error: services section %r does not exist" % (svc,)
    return profiles


def main():
    failures = parsed = compared = 0
    with tempfile.TemporaryDirectory() as d:
        cfg, cred = os.path.join(d, "config"), os.path.join(d, "credentials")
        env = dict(os.environ, AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=cred)
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            env.pop(key, None)
        for i in range(cases):
            texts = (gen_file(), gen_file())
            for path, text in zip((cfg, cred), texts):
                with open(path, "w", newline="") as f:
                    f.write(text)
            want = botocore_view(cfg, cred)
            names = set(NAMES) | {"profile %s" % n for n in NAMES} | {"a", "b", "open"}
            keys = {k.lower() for k in KEYS} | set(KEYS)
            if isinstance(want, dict):
                names |= set(want)
                for p in want.values():
                    keys |= set(p)
            queries = []
            for n in sorted(names):
                queries.append(("has", n))
                for k in sorted(keys):
                    queries.append(("get", n, k))
            q = "".join("\t".join(x) + "\n" for x in queries)
            r = subprocess.run([prog], input=q, capture_output=True, text=True, env=env)
            out = r.stdout.splitlines()
            problems = []
            if isinstance(want, str) or r.returncode == 2:
                if not (isinstance(want, str) and r.returncode == 2):
                    problems.append("botocore: %s; tl_awsconf: %s" % (
                        want if isinstance(want, str) else "parsed",
                        out[0] if out else "rc %d" % r.returncode))
            elif len(out) != len(queries):
                problems.append("tl_awsconf answered %d of %d queries (rc %d, %s)" % (
                    len(out), len(queries), r.returncode, r.stderr.strip()))
            else:
                parsed += 1
                compared += len(queries)
                for qq, a in zip(queries, out):
                    got = json.loads(a)
                    if qq[0] == "has":
                        exp = qq[1] in want
                    else:
                        exp = want.get(qq[1], {}).get(qq[2])
                        if isinstance(exp, dict):  # nested block: tl_awsconf keeps the raw text
                            if isinstance(got, str) and got.startswith("\n"):
                                got = exp
                    if got != exp:
                        problems.append("%s: botocore %r, tl_awsconf %r" % (" ".join(qq), exp, got))
            if problems:
                failures += 1
                if failures <= 5:
                    print("case %d differs:" % i)
                    for p in problems[:5]:
                        print("  " + p)
                    for name, text in zip(("config", "credentials"), texts):
                        print("  --- %s\n%s" % (name, "\n".join("  | " + l for l in text.split("\n"))))
    print("%d cases (%d parsed by both, %d answers compared; the rest refused by both), "
          "%d differ" % (cases, parsed, compared, failures))
    return 1 if failures else 0


sys.exit(main())
