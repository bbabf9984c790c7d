#!/usr/bin/env python3
"""Loopback stand-in for the EC2 instance metadata service (IMDSv2) and the ECS/EKS container
credentials endpoint, for the credential chain tests.

    imds-stub.py --port-file FILE [--log FILE] [--ttl SECONDS] [--ecs-token TOKEN] [--v1-only]
                 [--role NAME]

Listens on a free port of 127.0.0.1, writes it into the port file, serves until killed.

IMDS (as EC2 does with IMDSv2 required):
    PUT /latest/api/token          needs X-aws-ec2-metadata-token-ttl-seconds (1..21600);
                                   answers a session token (403 with --v1-only)
    GET /latest/meta-data/iam/security-credentials/        the role name
    GET /latest/meta-data/iam/security-credentials/ROLE    the role's credentials (JSON)
    every GET needs a valid X-aws-ec2-metadata-token (401 otherwise) unless --v1-only
Container:
    GET /ecs/creds                 needs "Authorization: TOKEN" (401 otherwise)

Each credentials answer hands out a new key: ASIAIMDS0001, ASIAIMDS0002... (ASIAECS... for the
container), expiring --ttl seconds from now (default 3600). Secrets and tokens contain the word
SECRET so a test can check that none of them reaches a log. --log appends "METHOD PATH STATUS"
per request.
"""
import argparse
import datetime
import http.server
import json
import secrets
import socketserver
import threading

from standin import announce

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log")
ap.add_argument("--ttl", type=int, default=3600)
ap.add_argument("--ecs-token", default="ECSAUTH-SECRET-abcdef")
ap.add_argument("--v1-only", action="store_true")
ap.add_argument("--role", default="tl-stub-role")
args = ap.parse_args()

lock = threading.Lock()
tokens = set()
counters = {"imds": 0, "ecs": 0}


def creds(kind):
    with lock:
        counters[kind] += 1
        n = counters[kind]
    exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=args.ttl)
    return {
        "Code": "Success",
        "Type": "AWS-HMAC",
        "LastUpdated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "AccessKeyId": "ASIA%s%04d" % (kind.upper(), n),
        "SecretAccessKey": "%sSECRETkey%04d%s" % (kind, n, secrets.token_hex(8)),
        "Token": "%sSECRETsession%04d%s" % (kind, n, secrets.token_hex(16)),
        "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, body, ctype="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if args.log:
            with lock, open(args.log, "a") as f:
                f.write("%s %s %d\n" % (self.command, self.path, status))

    def do_PUT(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if self.path != "/latest/api/token":
            return self.answer(404, "not found")
        if args.v1_only:
            return self.answer(403, "forbidden")
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        if not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.answer(400, "missing or invalid X-aws-ec2-metadata-token-ttl-seconds")
        tok = "IMDSSECRETtoken" + secrets.token_hex(16)
        with lock:
            tokens.add(tok)
        self.answer(200, tok)

    def do_GET(self):
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == "/ecs/creds":
            if self.headers.get("Authorization") != args.ecs_token:
                return self.answer(401, "unauthorized")
            return self.answer(200, json.dumps(creds("ecs")), "application/json")
        if not self.path.startswith("/latest/"):
            return self.answer(404, "not found")
        if not args.v1_only:
            tok = self.headers.get("X-aws-ec2-metadata-token")
            with lock:
                ok = tok in tokens
            if not ok:
                return self.answer(401, "unauthorized")
        if self.path == base:
            return self.answer(200, args.role)
        if self.path == base + args.role:
            return self.answer(200, json.dumps(creds("imds")), "application/json")
        return self.answer(404, "not found")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
announce(srv, args.port_file)
srv.serve_forever()
