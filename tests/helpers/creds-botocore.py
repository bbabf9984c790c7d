#!/usr/bin/env python3
"""Resolves credentials with botocore's own chain, printing what creds-show -H prints, so a test
can check that both come to the same credentials from the same files and stand-ins.

    creds-botocore.py [PROFILE]

Prints "source=METHOD key=ACCESS_KEY_ID secret_sha256=HEX token_sha256=HEX expiration=TIME"
(the first 16 hex digits of SHA-256 of the secret and the token; never the secrets). Exits 1
with botocore's error on stderr when it finds none or fails.
"""
import datetime
import hashlib
import sys

import botocore.session


def h(s):
    return hashlib.sha256(s.encode()).hexdigest()[:16] if s else "none"


def main():
    profile = sys.argv[1] if len(sys.argv) > 1 else None
    try:
        sess = botocore.session.Session(profile=profile)
        creds = sess.get_credentials()
        if creds is None:
            print("creds-botocore: no credentials", file=sys.stderr)
            return 1
        f = creds.get_frozen_credentials()
    except Exception as e:  # botocore's own errors, reported as they are
        print("creds-botocore: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    exp = getattr(creds, "_expiry_time", None)
    when = "never"
    if exp is not None:
        when = exp.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    print("source=%s key=%s secret_sha256=%s token_sha256=%s expiration=%s"
          % (creds.method, f.access_key, h(f.secret_key), h(f.token), when))
    return 0


if __name__ == "__main__":
    sys.exit(main())
