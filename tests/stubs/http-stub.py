#!/usr/bin/env python3
"""A scriptable HTTP/1.1 server on 127.0.0.1 for the transport and AWS-layer tests.

    http-stub.py [--port-file FILE] [--tls DIR]

Listens on a free loopback port and prints it on stdout (one line; also into FILE when given),
then serves until killed. With --tls it speaks HTTPS with a new self-signed certificate for
127.0.0.1 that it writes to DIR/cert.pem (needs python3-cryptography, as moto does). Connections are kept alive (HTTP/1.1), request bodies may be chunked.

Each request takes the next action of a queue; when the queue is empty the default action
answers (echo, unless set). Control endpoints (not logged, never scripted):

    POST /__stub/script   {"actions": [ACTION...], "default": ACTION}   replaces the queue and
                          the default, clears the log
    GET  /__stub/log      {"requests": [{"conn", "method", "target", "headers": [[n, v]...],
                           "body", "body_len", "chunked"}...]}   (body decoded as Latin-1)

ACTION (all keys optional):
    status, reason        status line (200 OK)
    headers               {"Name": "value"} added to the response
    body                  response text; body_repeat N repeats it N times
    echo                  the body is JSON describing the request (as in the log)
    chunked               send the body with chunked transfer encoding
    delay                 seconds to wait before answering
    stall                 send the headers and half the body, then wait this many seconds and
                          close (for timeouts and low-speed aborts)
    trickle               send the headers, then the body at this many bytes a second (a slow or
                          hostile server; with a big body_repeat, a long healthy download)
    reset                 read the request, then close the connection with a TCP RST
    close                 close the connection after the answer ("Connection: close")
"""
import json
import socket
import socketserver
import struct
import sys
import threading
import time

from standin import announce

lock = threading.Lock()
state = {"actions": [], "default": {"echo": True}, "log": []}
conn_ids = [0]


def read_line(f, limit=65536):
    line = f.readline(limit)
    if not line:
        raise EOFError
    return line


def read_request(f):
    line = read_line(f)
    while line in (b"\r\n", b"\n"):
        line = read_line(f)
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3:
        raise ValueError("bad request line")
    method, target, _version = parts
    headers = []
    while True:
        h = read_line(f).decode("latin-1").rstrip("\r\n")
        if h == "":
            break
        name, _, value = h.partition(":")
        headers.append([name, value.strip()])
    hmap = {n.lower(): v for n, v in headers}
    body = b""
    chunked = "chunked" in hmap.get("transfer-encoding", "").lower()
    if chunked:
        while True:
            size = int(read_line(f).split(b";")[0].strip(), 16)
            if size == 0:
                while read_line(f) not in (b"\r\n", b"\n"):
                    pass
                break
            body += f.read(size)
            read_line(f)
    elif "content-length" in hmap:
        n = int(hmap["content-length"])
        body = f.read(n)
        if len(body) != n:
            raise EOFError
    return {"method": method, "target": target, "headers": headers,
            "body": body.decode("latin-1"), "body_len": len(body), "chunked": chunked}


class Handler(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        with lock:
            conn_ids[0] += 1
            self.conn = conn_ids[0]

    def send(self, status, reason, headers, body, chunked=False, close=False):
        out = ["HTTP/1.1 %d %s" % (status, reason)]
        names = {k.lower() for k in headers}
        for k, v in headers.items():
            out.append("%s: %s" % (k, v))
        if chunked:
            out.append("Transfer-Encoding: chunked")
        elif "content-length" not in names:
            out.append("Content-Length: %d" % len(body))
        if close:
            out.append("Connection: close")
        data = ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")
        if chunked:
            step = max(1, len(body) // 3)
            for i in range(0, len(body), step):
                piece = body[i:i + step]
                data += b"%x\r\n" % len(piece) + piece + b"\r\n"
            data += b"0\r\n\r\n"
        else:
            data += body
        self.wfile.write(data)
        self.wfile.flush()

    def handle(self):
        while True:
            try:
                req = read_request(self.rfile)
            except (EOFError, ValueError, ConnectionError, OSError):
                return
            req["conn"] = self.conn
            if req["target"].startswith("/__stub/"):
                self.control(req)
                continue
            with lock:
                state["log"].append(req)
                act = state["actions"].pop(0) if state["actions"] else state["default"]
            if not self.act(act, req):
                return

    def control(self, req):
        if req["target"] == "/__stub/script" and req["method"] == "POST":
            spec = json.loads(req["body"] or "{}")
            with lock:
                state["actions"] = list(spec.get("actions", []))
                state["default"] = spec.get("default", {"echo": True})
                state["log"] = []
            self.send(200, "OK", {"Content-Type": "application/json"}, b"{}")
        elif req["target"] == "/__stub/log":
            with lock:
                body = json.dumps({"requests": state["log"]}).encode()
            self.send(200, "OK", {"Content-Type": "application/json"}, body)
        else:
            self.send(404, "Not Found", {}, b"")

    def act(self, act, req):
        """Answers req; returns False when the connection is to be closed."""
        if act.get("delay"):
            time.sleep(float(act["delay"]))
        if act.get("reset"):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            return False
        headers = dict(act.get("headers", {}))
        if act.get("echo"):
            body = json.dumps({k: req[k] for k in
                               ("method", "target", "headers", "body", "body_len", "chunked",
                                "conn")}).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            body = act.get("body", "").encode("utf-8") * int(act.get("body_repeat", 1))
        status = int(act.get("status", 200))
        reason = act.get("reason", "OK" if status < 400 else "Error")
        if req["method"] == "HEAD":
            headers.setdefault("Content-Length", str(len(body)))
            body = b""
        if act.get("stall"):
            head = ["HTTP/1.1 %d %s" % (status, reason)]
            head += ["%s: %s" % kv for kv in headers.items()]
            head.append("Content-Length: %d" % (len(body) + 1000))
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body[:len(body) // 2])
            self.wfile.flush()
            time.sleep(float(act["stall"]))
            return False
        if act.get("trickle"):
            rate = float(act["trickle"])
            head = ["HTTP/1.1 %d %s" % (status, reason)]
            head += ["%s: %s" % kv for kv in headers.items()]
            head.append("Content-Length: %d" % len(body))
            step = max(1, int(rate / 10))
            try:
                self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode())
                self.wfile.flush()
                t0 = time.monotonic()
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    pause = t0 + (i + step) / rate - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
            except OSError:
                return False
            return True
        close = bool(act.get("close"))
        self.send(status, reason, headers, body, bool(act.get("chunked")), close)
        return not close


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_cert(d):
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "http-stub test CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    with open(d + "/cert.pem", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(d + "/key.pem", "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    port = srv.server_address[1]
    if "--tls" in sys.argv:
        import ssl
        d = sys.argv[sys.argv.index("--tls") + 1]
        make_cert(d)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(d + "/cert.pem", d + "/key.pem")
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if "--port-file" in sys.argv:
        announce(srv, sys.argv[sys.argv.index("--port-file") + 1])
    print(port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
