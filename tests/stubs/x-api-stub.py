#!/usr/bin/env python3
"""A loopback stand-in for the X API v2 filtered/sample stream and its rules endpoint.

Streams recorded lines over chunked HTTP/1.1, "\\r\\n"-terminated, with blank keep-alive lines,
and injects faults by a script: one --conn per stream connection, in order, each a list of
space-separated actions; when the script is used up, --then (default "hold") applies.

  lines:1-4,6     send these lines of --data (1-based), one chunk each
  tiny:1-4        the same, each line in 7-byte chunks (lines across chunk boundaries)
  ka:N            N keep-alive lines
  sleep:S         wait S seconds
  cut:N           send the first half of line N, then close the socket (no final chunk)
  opdis           send an operational-disconnect message line
  hold            keep-alives every 0.2 s until the client closes (at most 120 s)
  stall           send nothing until the client closes (at most 120 s)
  end             finish the response (last chunk) and close
  drop            close the socket without any response (a network error)
  status:N        answer N with an X-style problem body; with reset:+S (x-rate-limit-reset =
                  now + S seconds) and body:toomany|usagecap|noRules
  bench:N         N distinct tweets (--data lines with fresh ids) as fast as possible, then end

Only one stream connection may be open at a time: a second gets 429 TooManyConnections, as X
does. With $X_STUB_TOKEN set, requests must carry it as their bearer token. Every request is logged to --log as "EPOCH_SECONDS METHOD PATH?QUERY".
Rules: GET/POST /2/tweets/search/stream/rules (add, delete, dry_run), ids as strings or, with
--numeric-ids, as JSON numbers; --initial-rules FILE (a JSON array); a value containing
"INVALID" is refused in a 200 body as X does; rules without a tag are listed with "tag": null
when --null-tags, else without the key.
"""
import argparse
import json
import os
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standin import announce

A = None
LOCK = threading.Lock()
STATE = {"conn": 0, "open": 0, "rules": [], "next_id": 1377649934414049282}
DATA = []
LOGF = None

PROBLEMS = {
    401: {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
    403: {"title": "Client Forbidden", "detail": "This request must be made using an approved developer account.",
          "reason": "client-not-enrolled", "type": "https://api.twitter.com/2/problems/client-forbidden"},
    409: {"title": "ConnectionException", "detail": "Filtered stream has no rules.",
          "type": "https://api.twitter.com/2/problems/streaming-connection"},
    429: {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
    503: {"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank", "status": 503},
}
TOOMANY = {"title": "ConnectionException", "detail": "This stream is currently at the maximum allowed connection limit.",
           "connection_issue": "TooManyConnections", "type": "https://api.twitter.com/2/problems/streaming-connection"}
USAGECAP = {"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap", "period": "Monthly",
            "scope": "Product", "type": "https://api.twitter.com/2/problems/usage-capped"}
OPDIS = (b'{"errors":[{"title":"operational-disconnect","disconnect_type":"OperationalDisconnect",'
         b'"detail":"This stream has been disconnected for operational reasons.",'
         b'"type":"https://api.twitter.com/2/problems/operational-disconnect"}]}')


def log(method, path):
    with LOCK:
        LOGF.write("%.4f %s %s\n" % (time.time(), method, path))
        LOGF.flush()


BENCH = {}


def bench_frames(n):
    """n distinct tweets (the --data lines with fresh ids), as ready chunk frames of ~1 MiB,
    built once, so that serving them runs at the speed of the socket, not of Python."""
    if n in BENCH:
        return BENCH[n]
    parts = []
    for line in DATA:
        try:
            tid = json.loads(line)["data"]["id"].encode()
        except (ValueError, KeyError, TypeError):
            continue
        for pat in (b'"id": "' + tid + b'"', b'"id":"' + tid + b'"'):
            if pat in line:
                j = line.index(tid, line.index(pat))
                parts.append((line[:j], line[j + len(tid):] + b"\r\n"))
                break
    frames, batch, size = [], [], 0
    base = 1500000000000000000
    for k in range(n):
        pre, post = parts[k % len(parts)]
        piece = b"".join((pre, str(base + k).encode(), post))
        batch.append(piece)
        size += len(piece)
        if size >= 1 << 20:
            data = b"".join(batch)
            frames.append(b"%x\r\n%s\r\n" % (len(data), data))
            batch, size = [], 0
    if batch:
        data = b"".join(batch)
        frames.append(b"%x\r\n%s\r\n" % (len(data), data))
    BENCH[n] = frames
    return frames


def parse_lines(spec):
    out = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def authorized(self):
        token = os.environ.get("X_STUB_TOKEN")
        if not token:
            return True
        return self.headers.get("Authorization") == "Bearer " + token

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def client_gone(self, timeout):
        r, _, _ = select.select([self.connection], [], [], timeout)
        if r:
            try:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True
        return False

    # ---- stream ----
    def do_stream(self):
        with LOCK:
            idx = STATE["conn"]
            STATE["conn"] += 1
        script = A.conn[idx] if idx < len(A.conn) else A.then
        acts = script.split()
        if acts and acts[0] == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if not self.authorized():
            self.send_json(401, PROBLEMS[401])
            return
        st = [a for a in acts if a.startswith("status:")]
        if st:
            code = int(st[0][7:])
            hdrs = {}
            body = PROBLEMS.get(code, {"title": "Error", "detail": "error %d" % code})
            for a in acts:
                if a.startswith("reset:+"):
                    hdrs["x-rate-limit-reset"] = str(int(time.time() + float(a[7:])))
                if a == "body:toomany":
                    body = TOOMANY
                if a == "body:usagecap":
                    body = USAGECAP
            self.close_connection = True
            self.send_json(code, body, hdrs)
            return
        with LOCK:
            busy = STATE["open"] > 0
            if not busy:
                STATE["open"] += 1
        if busy:
            self.close_connection = True
            self.send_json(429, TOOMANY)
            return
        try:
            self.stream(acts)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            with LOCK:
                STATE["open"] -= 1
            self.close_connection = True

    def stream(self, acts):
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for a in acts:
            if a.startswith("lines:"):
                for n in parse_lines(a[6:]):
                    self.chunk(DATA[n - 1] + b"\r\n")
            elif a.startswith("tiny:"):
                for n in parse_lines(a[5:]):
                    line = DATA[n - 1] + b"\r\n"
                    for i in range(0, len(line), 7):
                        self.chunk(line[i:i + 7])
            elif a.startswith("ka:"):
                for _ in range(int(a[3:])):
                    self.chunk(b"\r\n")
            elif a.startswith("sleep:"):
                if self.client_gone(float(a[6:])):
                    return
            elif a.startswith("cut:"):
                line = DATA[int(a[4:]) - 1]
                self.chunk(line[: len(line) // 2])
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            elif a == "opdis":
                self.chunk(OPDIS + b"\r\n")
            elif a == "hold":
                end = time.time() + 120
                while time.time() < end and not self.client_gone(0.2):
                    self.chunk(b"\r\n")
                return
            elif a == "stall":
                end = time.time() + 120
                while time.time() < end and not self.client_gone(0.2):
                    pass
                return
            elif a == "end":
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return
            elif a.startswith("bench:"):
                self.bench(int(a[6:]))
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def bench(self, n):
        for frame in bench_frames(n):
            self.wfile.write(frame)
        self.wfile.flush()

    # ---- rules ----
    def rule_out(self, r):
        o = {"id": int(r["id"]) if A.numeric_ids else r["id"], "value": r["value"]}
        if r.get("tag") is not None:
            o["tag"] = r["tag"]
        elif A.null_tags:
            o["tag"] = None
        return o

    def do_rules_get(self):
        rules = STATE["rules"]
        meta = {"sent": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "result_count": len(rules)}
        if rules:
            self.send_json(200, {"data": [self.rule_out(r) for r in rules], "meta": meta})
        else:
            self.send_json(200, {"meta": meta})

    def do_rules_post(self, dry):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if "json" not in (self.headers.get("Content-Type") or ""):
            self.send_json(400, {"title": "Invalid Request", "detail": "Content-Type must be application/json"})
            return
        try:
            req = json.loads(raw)
        except ValueError:
            self.send_json(400, {"title": "Invalid Request", "detail": "body is not JSON"})
            return
        sent = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        errors = []
        if "add" in req:
            created = []
            values = [r["value"] for r in STATE["rules"]]
            for r in req["add"]:
                v = r.get("value", "")
                if not v or "INVALID" in v:
                    errors.append({"value": v, "details": ["Rules must contain a non-negation term"],
                                   "title": "Invalid Rule", "type": "https://api.twitter.com/2/problems/invalid-rules"})
                    continue
                if v in values:
                    old = [x for x in STATE["rules"] if x["value"] == v][0]
                    errors.append({"value": v, "id": old["id"], "title": "DuplicateRule",
                                   "type": "https://api.twitter.com/2/problems/duplicate-rules"})
                    continue
                with LOCK:
                    rid = str(STATE["next_id"])
                    STATE["next_id"] += 1
                nr = {"id": rid, "value": v, "tag": r.get("tag")}
                values.append(v)
                created.append(nr)
            if not dry:
                STATE["rules"].extend(created)
            body = {"meta": {"sent": sent, "summary": {"created": len(created), "not_created": len(errors),
                                                       "valid": len(created), "invalid": len(errors)}}}
            if created:
                body["data"] = [self.rule_out(r) for r in created]
            if errors:
                body["errors"] = errors
            self.send_json(201 if created else 200, body)
            return
        if "delete" in req:
            ids = [str(i) for i in req["delete"].get("ids", [])]
            have = {r["id"] for r in STATE["rules"]}
            ok = [i for i in ids if i in have]
            for i in ids:
                if i not in have:
                    errors.append({"value": i, "id": i, "title": "Rule does not exist",
                                   "type": "https://api.twitter.com/2/problems/resource-not-found"})
            if not dry:
                STATE["rules"] = [r for r in STATE["rules"] if r["id"] not in ok]
            body = {"meta": {"sent": sent, "summary": {"deleted": len(ok), "not_deleted": len(errors)}}}
            if errors:
                body["errors"] = errors
            self.send_json(200, body)
            return
        self.send_json(400, {"title": "Invalid Request", "detail": "One or more parameters to your request was invalid."})

    def route(self, method):
        log(method, self.path)
        path, _, query = self.path.partition("?")
        if path in ("/2/tweets/search/stream", "/2/tweets/sample/stream") and method == "GET":
            return self.do_stream()
        if path == "/2/tweets/search/stream/rules":
            if not self.authorized():
                return self.send_json(401, PROBLEMS[401])
            if method == "GET":
                return self.do_rules_get()
            if method == "POST":
                return self.do_rules_post("dry_run=true" in query)
        self.send_json(404, {"title": "Not Found Error", "detail": "no such endpoint"})

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")


def main():
    global A, LOGF
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--data", help="lines to stream (a capture)")
    p.add_argument("--conn", action="append", default=[])
    p.add_argument("--then", default="hold")
    p.add_argument("--log", default=os.devnull)
    p.add_argument("--numeric-ids", action="store_true")
    p.add_argument("--null-tags", action="store_true")
    p.add_argument("--initial-rules")
    p.add_argument("--compact", action="store_true", help="re-serialize --data lines compactly, as X sends them")
    A = p.parse_args()
    if A.data:
        with open(A.data, "rb") as f:
            DATA.extend(line.rstrip(b"\r\n") for line in f.read().split(b"\n") if line.strip())
        if A.compact:
            for i, line in enumerate(DATA):
                try:
                    DATA[i] = json.dumps(json.loads(line), separators=(",", ":"), ensure_ascii=False).encode()
                except ValueError:
                    pass
    if A.initial_rules:
        with open(A.initial_rules) as f:
            for r in json.load(f):
                STATE["rules"].append({"id": str(r["id"]), "value": r["value"], "tag": r.get("tag")})
    LOGF = open(A.log, "a")
    for script in A.conn + [A.then]:
        for a in script.split():
            if a.startswith("bench:"):
                bench_frames(int(a[6:]))
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", A.port), Handler)
    announce(srv, A.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
