#!/usr/bin/env python3
"""A fault-injecting HTTP proxy between a tool and moto (or any S3 endpoint), for tests.

   s3-fault-proxy.py LISTEN_PORT UPSTREAM_URL [PORT_FILE]

LISTEN_PORT 0 takes a free port; PORT_FILE receives it once the proxy listens.

Forwards every request as it came (Host header included, so SigV4 signatures stay valid) to
UPSTREAM_URL and relays the answer, except when a queued fault matches. Faults are queued with
a request to the proxy itself:

   POST /__fault   body: one JSON object per line, each
       {"fault": "500" | "503" | "slowdown" | "reset" | "slow" | "cut",
        "method": "PUT",            # optional: only requests of this method
        "path": "substring",        # optional: only paths containing this
        "count": 1,                 # how many matching requests get it
        "delay": 2.0}               # for "slow": seconds before answering (then forwarded)
   GET /__stats    {"requests": N, "faults": {"500": n, ...}, "queued": n}
   POST /__clear   drops the queued faults

"500" answers 500 InternalError, "503" and "slowdown" answer 503 SlowDown (S3's throttling),
"reset" closes the connection without an answer (after reading the request), "slow" waits then
forwards, "cut" forwards and sends only half of the answer's body before closing.
Listens on 127.0.0.1 only. Stops on SIGTERM.
"""
import http.client
import http.server
import json
import signal
import socket
import sys
import threading
import time
import urllib.parse

from standin import announce

LOCK = threading.Lock()
QUEUE = []
STATS = {"requests": 0, "faults": {}}

ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "SlowDown", "Please reduce your request rate."),
    "slowdown": (503, "SlowDown", "Please reduce your request rate."),
}


def take_fault(method, path):
    with LOCK:
        for f in QUEUE:
            if f.get("method") and f["method"] != method:
                continue
            if f.get("path") and f["path"] not in path:
                continue
            f["count"] = f.get("count", 1) - 1
            if f["count"] <= 0:
                QUEUE.remove(f)
            name = f["fault"]
            STATS["faults"][name] = STATS["faults"].get(name, 0) + 1
            return f
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("proxy: " + (fmt % args) + "\n")

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            return self.rfile.read(n)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return b""

    def _reply(self, status, body, ctype="application/xml"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _control(self, body):
        if self.path == "/__clear":
            with LOCK:
                QUEUE.clear()
            self._reply(200, b"{}", "application/json")
        elif self.path == "/__fault":
            with LOCK:
                for line in body.decode().splitlines():
                    if line.strip():
                        QUEUE.append(json.loads(line))
            self._reply(200, b"{}", "application/json")
        else:
            with LOCK:
                s = dict(STATS, queued=len(QUEUE))
            self._reply(200, json.dumps(s).encode(), "application/json")

    def _handle(self):
        body = self._body()
        if self.path in ("/__fault", "/__stats", "/__clear"):
            return self._control(body)
        with LOCK:
            STATS["requests"] += 1
        f = take_fault(self.command, self.path)
        kind = f["fault"] if f else None
        if kind in ERRORS:
            status, code, msg = ERRORS[kind]
            xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                   "<Message>%s</Message><RequestId>proxy</RequestId></Error>" % (code, msg))
            return self._reply(status, xml.encode())
        if kind == "reset":
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
            self.connection.close()
            return
        if kind == "slow":
            time.sleep(float(f.get("delay", 2.0)))
        u = urllib.parse.urlsplit(UPSTREAM)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("transfer-encoding", "connection")}
        if body or self.command in ("PUT", "POST"):
            headers["Content-Length"] = str(len(body))
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "date",
                                 "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            if kind == "cut" and len(data) > 1:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.close()
                return
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1])
    UPSTREAM = sys.argv[2]
    srv = Server(("127.0.0.1", port), Handler)
    announce(srv, sys.argv[3] if len(sys.argv) > 3 else None)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    srv.serve_forever()
