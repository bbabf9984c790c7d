#!/usr/bin/env python3
"""A proxy in front of moto that makes chosen Glue calls fail, for glue-crawl's tests.

   glue-fault-proxy.py PORT UPSTREAM_URL [--port-file FILE] TARGET=CODE[xN] ...

e.g. AWSGlue.UpdateTable=ConcurrentModificationException AWSGlue.BatchCreatePartition=ThrottlingExceptionx2
Requests whose X-Amz-Target is TARGET get a JSON 1.1 error answer with __type CODE (HTTP 400) the
first N times (default 1); everything else is forwarded as it came. GET /__stats answers the
faults served as JSON. Listens on 127.0.0.1 only.
"""
import http.client
import http.server
import json
import sys
import threading
import urllib.parse

from standin import announce

port, upstream = int(sys.argv[1]), urllib.parse.urlsplit(sys.argv[2])
faults, served, lock = {}, {}, threading.Lock()
specs, port_file = sys.argv[3:], None
if specs[:1] == ["--port-file"]:
    port_file, specs = specs[1], specs[2:]
for spec in specs:
    target, code = spec.split("=", 1)
    n = 1
    if "x" in code and code.rsplit("x", 1)[1].isdigit():
        code, n = code.rsplit("x", 1)[0], int(code.rsplit("x", 1)[1])
    faults[target] = [code, n]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target", "")
        with lock:
            f = faults.get(target)
            hit = f is not None and f[1] > 0
            if hit:
                f[1] -= 1
                served[target] = served.get(target, 0) + 1
        if hit:
            msg = json.dumps({"__type": f[0], "message": "injected by the test proxy"}).encode()
            return self.answer(400, msg, [("Content-Type", "application/x-amz-json-1.1"),
                                          ("x-amzn-RequestId", "fault-proxy")])
        if self.path == "/__stats":
            return self.answer(200, json.dumps(served).encode(), [("Content-Type", "application/json")])
        c = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
        c.request(self.command, self.path, body, dict(self.headers))
        r = c.getresponse()
        data = r.read()
        hdrs = [(k, v) for k, v in r.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        self.answer(r.status, data, hdrs)
        c.close()

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = forward


srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
announce(srv, port_file)
srv.serve_forever()
