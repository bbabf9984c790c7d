#!/usr/bin/env python3
"""A stand-in for an Amazon MSK broker with IAM authentication, in front of librdkafka's mock
cluster (which, in librdkafka 2.0.2, knows no SASL at all: its ApiVersions answer lists neither
SaslHandshake nor SaslAuthenticate, so a SASL client gives up on it, and it closes a connection
that sends either). For the MSK IAM tests.

    msk-iam-proxy.py --upstream HOST:PORT --port-file FILE --region REGION
                     [--secret-prefix P] [--session-lifetime SECS] [--log FILE]

Each client connection is authenticated as MSK does it, then relayed to the upstream broker:

  ApiVersions    answered here: the upstream broker's APIs plus SaslHandshake (17, v0-1) and
                 SaslAuthenticate (36, v0-1); a version above 2 gets UNSUPPORTED_VERSION, as the
                 mock answers it, so the client falls back to v2
  SaslHandshake  OAUTHBEARER only (UNSUPPORTED_SASL_MECHANISM otherwise)
  SaslAuthenticate  the OAUTHBEARER client message "n,,\\x01auth=Bearer TOKEN\\x01\\x01"; TOKEN must
                 be the base64url (no padding) of https://kafka.REGION.amazonaws.com/?Action=
                 kafka-cluster%3AConnect&... presigned with SigV4 (service kafka-cluster,
                 X-Amz-Expires at most 900, host signed, signed within 5 minutes of now and not
                 expired), with a User-Agent; the signature is checked with botocore's presigner
                 for the secret key P + ACCESS_KEY_ID (the tests' credentials follow that rule).
                 SASL_AUTHENTICATION_FAILED (58) with the reason otherwise.
  anything else before authentication: the connection is closed, as a broker does.

After authentication the bytes are relayed both ways, except that Metadata (v0-2) and
FindCoordinator (v0-2) answers name this proxy instead of the upstream broker (the mock cluster
must have one broker). With --session-lifetime the connection is closed that many seconds after
authenticating, as MSK closes a connection whose session has expired: the client connects again
with its current token. With --log, one JSON line per authentication: {"ok", "reason",
"access_key", "date", "user_agent", "region", "expires", "token_sha256"}.
"""
import argparse
import base64
import datetime
import hashlib
import json
import select
import socket
import socketserver
import struct
import sys
import threading
import time
from urllib.parse import parse_qsl, urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from standin import announce

ARGS = None
UPSTREAM_APIS = []     # (key, min, max) of the upstream broker
LOG_LOCK = threading.Lock()
SIGN_LOCK = threading.Lock()
_SIGN_TIME = [None]
botocore.auth.get_current_datetime = lambda *a, **k: _SIGN_TIME[0]


# ---- the Kafka protocol, the little of it needed here ----

def read_exact(sock, n):
    b = b""
    while len(b) < n:
        chunk = sock.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return b


def read_frame(sock):
    size = struct.unpack(">i", read_exact(sock, 4))[0]
    return read_exact(sock, size)


def frame(payload):
    return struct.pack(">i", len(payload)) + payload


def kstr(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def parse_request_header(f):
    """api_key, api_version, correlation_id and the offset of the body (non-flexible header)."""
    key, ver, corr = struct.unpack(">hhi", f[:8])
    n = struct.unpack(">h", f[8:10])[0]
    off = 10 + max(n, 0)
    return key, ver, corr, off


def upstream_apis(host, port):
    s = socket.create_connection((host, port), timeout=30)
    req = struct.pack(">hhi", 18, 0, 1) + kstr("msk-iam-proxy")
    s.sendall(frame(req))
    f = read_frame(s)
    s.close()
    err, n = struct.unpack(">hi", f[4:10])
    apis, off = [], 10
    for _ in range(n):
        apis.append(struct.unpack(">hhh", f[off:off + 6]))
        off += 6
    return apis


def api_versions_response(corr, ver):
    if ver > 2:  # as the mock does: unsupported, here is what we speak (v0 layout)
        return frame(struct.pack(">ihi", corr, 35, 1) + struct.pack(">hhh", 18, 0, 2))
    apis = [a for a in UPSTREAM_APIS if a[0] not in (17, 36)] + [(17, 0, 1), (36, 0, 1)]
    body = struct.pack(">hi", 0, len(apis)) + b"".join(struct.pack(">hhh", *a) for a in apis)
    if ver >= 1:
        body += struct.pack(">i", 0)
    return frame(struct.pack(">i", corr) + body)


# ---- the token ----

def check_token(token):
    """(ok, reason, fields) for an MSK IAM token."""
    fields = {"token_sha256": hashlib.sha256(token.encode()).hexdigest()[:16]}
    try:
        url = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except Exception:
        return False, "not base64url", fields
    if "=" in token or "+" in token or "/" in token:
        return False, "not base64url without padding", fields
    u = urlsplit(url)
    q = dict(parse_qsl(u.query))
    fields.update(access_key=q.get("X-Amz-Credential", "").split("/")[0],
                  date=q.get("X-Amz-Date"), user_agent=q.get("User-Agent"))
    host = "kafka.%s.amazonaws.com" % ARGS.region
    if u.scheme != "https" or u.netloc != host or u.path != "/":
        return False, "not a request to https://%s/: %s" % (host, url[:60]), fields
    if q.get("Action") != "kafka-cluster:Connect":
        return False, "Action is not kafka-cluster:Connect", fields
    if q.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or q.get("X-Amz-SignedHeaders") != "host":
        return False, "not SigV4 with the host signed", fields
    if not q.get("User-Agent"):
        return False, "no User-Agent", fields
    scope = q.get("X-Amz-Credential", "").split("/")
    if len(scope) != 5 or scope[2] != ARGS.region or scope[3] != "kafka-cluster":
        return False, "credential scope %s" % "/".join(scope[1:]), fields
    try:
        signed = datetime.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
        expires = int(q["X-Amz-Expires"])
    except (KeyError, ValueError):
        return False, "no X-Amz-Date or X-Amz-Expires", fields
    now = datetime.datetime.utcnow()
    fields["expires"] = expires
    if not 0 < expires <= 900:
        return False, "X-Amz-Expires %d" % expires, fields
    if abs((now - signed).total_seconds()) > 300 and now < signed:
        return False, "signed in the future", fields
    if (now - signed).total_seconds() > expires:
        return False, "expired", fields
    creds = Credentials(fields["access_key"], ARGS.secret_prefix + fields["access_key"],
                        q.get("X-Amz-Security-Token"))
    req = AWSRequest(method="GET", url="https://%s/" % host,
                     params={"Action": "kafka-cluster:Connect"})
    with SIGN_LOCK:
        _SIGN_TIME[0] = signed
        botocore.auth.SigV4QueryAuth(creds, "kafka-cluster", ARGS.region,
                                     expires=expires).add_auth(req)
    want = dict(parse_qsl(urlsplit(req.url).query))["X-Amz-Signature"]
    if q.get("X-Amz-Signature") != want:
        return False, "signature does not match", fields
    return True, "", fields


def log(rec):
    if ARGS.log:
        with LOG_LOCK, open(ARGS.log, "a") as f:
            f.write(json.dumps(rec) + "\n")


# ---- rewriting answers that name brokers ----

def rewrite_metadata(f, ver, port):
    # response: corr, [throttle v3+ (never: v0-2 only)], brokers [id, host, port, rack v1+], rest
    out = bytearray(f[:4])
    off = 4
    n = struct.unpack(">i", f[off:off + 4])[0]
    out += f[off:off + 4]
    off += 4
    for _ in range(n):
        node = f[off:off + 4]
        off += 4
        hl = struct.unpack(">h", f[off:off + 2])[0]
        off += 2 + hl
        off += 4  # port
        out += node + kstr("127.0.0.1") + struct.pack(">i", port)
        if ver >= 1:
            rl = struct.unpack(">h", f[off:off + 2])[0]
            out += f[off:off + 2 + max(rl, 0)]
            off += 2 + max(rl, 0)
    out += f[off:]
    return bytes(out)


def rewrite_coordinator(f, ver, port):
    # response: corr, [throttle v1+], error, [error_message v1+], node_id, host, port
    off = 4 + (4 if ver >= 1 else 0) + 2
    if ver >= 1:
        ml = struct.unpack(">h", f[off:off + 2])[0]
        off += 2 + max(ml, 0)
    off += 4
    hl = struct.unpack(">h", f[off:off + 2])[0]
    return f[:off] + kstr("127.0.0.1") + struct.pack(">i", port) + f[off + 2 + hl + 4:]


# ---- one client connection ----

class Conn(socketserver.BaseRequestHandler):
    def handle(self):
        c = self.request
        try:
            deadline = self.authenticate(c)
            if deadline is not None:
                self.relay(c, deadline)
        except (EOFError, OSError, struct.error):
            pass

    def authenticate(self, c):
        while True:
            f = read_frame(c)
            key, ver, corr, off = parse_request_header(f)
            if key == 18:
                c.sendall(api_versions_response(corr, ver))
            elif key == 17:
                ml = struct.unpack(">h", f[off:off + 2])[0]
                mech = f[off + 2:off + 2 + ml].decode()
                err = 0 if mech == "OAUTHBEARER" else 33
                c.sendall(frame(struct.pack(">ihi", corr, err, 1) + kstr("OAUTHBEARER")))
            elif key == 36:
                n = struct.unpack(">i", f[off:off + 4])[0]
                msg = f[off + 4:off + 4 + n].decode("latin-1")
                token = ""
                for part in msg.split("\x01"):
                    if part.startswith("auth=Bearer "):
                        token = part[len("auth=Bearer "):]
                ok, why, fields = check_token(token) if token else (False, "no bearer token", {})
                log(dict(fields, ok=ok, reason=why, region=ARGS.region))
                life = ARGS.session_lifetime
                body = struct.pack(">h", 0 if ok else 58)
                body += struct.pack(">h", -1) if ok else kstr("MSK IAM: " + why)
                body += struct.pack(">i", 0)
                if ver >= 1:
                    body += struct.pack(">q", int(life * 1000) if ok and life else 0)
                c.sendall(frame(struct.pack(">i", corr) + body))
                if not ok:
                    return None
                return time.monotonic() + life if life else float("inf")
            else:
                return None  # a broker closes a connection that skips authentication

    def relay(self, c, deadline):
        host, port = ARGS.upstream.rsplit(":", 1)
        u = socket.create_connection((host, int(port)), timeout=30)
        me = c.getsockname()[1]
        pending = {}  # correlation id -> (api key, version) of requests on the way
        cbuf, ubuf = b"", b""
        try:
            while time.monotonic() < deadline:
                r, _, _ = select.select([c, u], [], [], 0.2)
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    if s is c:
                        cbuf += data
                        while len(cbuf) >= 4 and len(cbuf) >= 4 + struct.unpack(">i", cbuf[:4])[0]:
                            n = struct.unpack(">i", cbuf[:4])[0]
                            f = cbuf[4:4 + n]
                            key, ver, corr, _ = parse_request_header(f)
                            pending[corr] = (key, ver)
                            u.sendall(cbuf[:4 + n])
                            cbuf = cbuf[4 + n:]
                    else:
                        ubuf += data
                        while len(ubuf) >= 4 and len(ubuf) >= 4 + struct.unpack(">i", ubuf[:4])[0]:
                            n = struct.unpack(">i", ubuf[:4])[0]
                            f = ubuf[4:4 + n]
                            ubuf = ubuf[4 + n:]
                            corr = struct.unpack(">i", f[:4])[0]
                            key, ver = pending.pop(corr, (None, None))
                            if key == 3:
                                f = rewrite_metadata(f, ver, me)
                            elif key == 10:
                                f = rewrite_coordinator(f, ver, me)
                            c.sendall(frame(f))
        finally:
            u.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--region", required=True)
    ap.add_argument("--secret-prefix", default="SECRETfor")
    ap.add_argument("--session-lifetime", type=float, default=0)
    ap.add_argument("--log")
    ARGS = ap.parse_args()
    host, port = ARGS.upstream.rsplit(":", 1)
    UPSTREAM_APIS.extend(upstream_apis(host, int(port)))
    srv = Server(("127.0.0.1", 0), Conn)
    announce(srv, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
