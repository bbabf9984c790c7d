#!/usr/bin/env python3
"""A stand-in for IAM Identity Center's portal and OIDC endpoints (the two calls a client makes
after "aws sso login"), on 127.0.0.1, for the credential tests.

    sso-stub.py --port-file FILE

Point both services at it: AWS_ENDPOINT_URL_SSO=http://127.0.0.1:PORT and
AWS_ENDPOINT_URL_SSO_OIDC=http://127.0.0.1:PORT (botocore honours the same variables).

  GET  /federation/credentials?role_name=R&account_id=A   (portal GetRoleCredentials)
       header x-amz-sso_bearer_token: a known access token -> 200 {"roleCredentials": {...}};
       an unknown one -> 401 UnauthorizedException. The credentials are derived from the token,
       role and account (the same inputs give the same credentials, whoever asks), and expire
       at a time fixed when the stand-in starts (one hour later, whole seconds).
  POST /token   (OIDC CreateToken, grantType refresh_token) with a registered clientId and
       clientSecret and a known refreshToken -> 200 {"accessToken", "tokenType": "Bearer",
       "expiresIn", "refreshToken"}: the new tokens are derived from the refresh token (so two
       clients refreshing the same cached login get the same answer) and become known.
       Errors as the service gives them: 401 InvalidClientException, 400 InvalidGrantException
       ({"error": "...", "error_description": "..."}, x-amzn-ErrorType header).

Control (not logged):
  POST /__sso/setup  {"tokens": [...], "refresh_tokens": [...], "clients": {"ID": "SECRET"},
                      "expires_in": 28800, "faults": [{"path": "/token", "status": 500,
                      "count": 1}]}   adds to what is known, replaces the faults, clears the log
  GET  /__sso/log    {"requests": [{"method", "path", "query", "token", "body"}...]}
"""
import argparse
import hashlib
import http.server
import json
import threading
import time
import urllib.parse

from standin import announce

LOCK = threading.Lock()
STATE = {"tokens": set(), "refresh": set(), "clients": {}, "expires_in": 28800, "faults": [],
         "log": []}
EXPIRATION_MS = (int(time.time()) + 3600) * 1000


def derive(prefix, *parts):
    return prefix + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, doc, error_type=None):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "sso-stub-%d" % len(STATE["log"]))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type + ":http://internal.amazon.com/")
        self.end_headers()
        self.wfile.write(body)

    def fault(self, path):
        with LOCK:
            for f in STATE["faults"]:
                if f.get("path", path) == path and f.get("count", 1) > 0:
                    f["count"] = f.get("count", 1) - 1
                    return f.get("status", 500)
        return None

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/__sso/log":
            with LOCK:
                self.answer(200, {"requests": STATE["log"]})
            return
        q = dict(urllib.parse.parse_qsl(u.query))
        token = self.headers.get("x-amz-sso_bearer_token")
        with LOCK:
            STATE["log"].append({"method": "GET", "path": u.path, "query": q, "token": token,
                                 "body": ""})
        if u.path != "/federation/credentials":
            self.answer(404, {"message": "no such path"}, "ResourceNotFoundException")
            return
        st = self.fault(u.path)
        if st:
            self.answer(st, {"message": "injected"}, "InternalServerException")
            return
        if "role_name" not in q or "account_id" not in q:
            self.answer(400, {"message": "role_name and account_id are required"},
                        "InvalidRequestException")
            return
        with LOCK:
            known = token in STATE["tokens"]
        if not known:
            self.answer(401, {"message": "Session token not found or invalid"},
                        "UnauthorizedException")
            return
        parts = (token, q["role_name"], q["account_id"])
        self.answer(200, {"roleCredentials": {
            "accessKeyId": derive("ASIA", *parts)[:20].upper(),
            "secretAccessKey": derive("ssoSECRET", *parts),
            "sessionToken": derive("ssoSESSION", *parts),
            "expiration": EXPIRATION_MS}})

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        raw = self.read_body()
        if u.path == "/__sso/setup":
            d = json.loads(raw or b"{}")
            with LOCK:
                STATE["tokens"].update(d.get("tokens", []))
                STATE["refresh"].update(d.get("refresh_tokens", []))
                STATE["clients"].update(d.get("clients", {}))
                STATE["expires_in"] = d.get("expires_in", STATE["expires_in"])
                STATE["faults"] = d.get("faults", [])
                STATE["log"] = []
            self.answer(200, {})
            return
        try:
            d = json.loads(raw)
        except ValueError:
            d = None
        with LOCK:
            STATE["log"].append({"method": "POST", "path": u.path, "query": {},
                                 "token": None, "body": d,
                                 "content_type": self.headers.get("Content-Type")})
        if u.path != "/token":
            self.answer(404, {"message": "no such path"}, "ResourceNotFoundException")
            return
        st = self.fault(u.path)
        if st:
            self.answer(st, {"error": "server_error", "error_description": "injected"},
                        "InternalServerException")
            return
        if not isinstance(d, dict):
            self.answer(400, {"error": "invalid_request", "error_description": "not JSON"},
                        "InvalidRequestException")
            return
        with LOCK:
            client_ok = STATE["clients"].get(d.get("clientId")) == d.get("clientSecret")
            grant_ok = d.get("refreshToken") in STATE["refresh"]
        if not client_ok:
            self.answer(401, {"error": "invalid_client",
                              "error_description": "Invalid client credentials"},
                        "InvalidClientException")
            return
        if d.get("grantType") != "refresh_token" or not grant_ok:
            self.answer(400, {"error": "invalid_grant",
                              "error_description": "Invalid refresh token provided"},
                        "InvalidGrantException")
            return
        rt = d["refreshToken"]
        access, refresh = derive("aoa-", rt), derive("aor-", rt)
        with LOCK:
            STATE["tokens"].add(access)
            STATE["refresh"].add(refresh)
            expires_in = STATE["expires_in"]
        self.answer(200, {"accessToken": access, "tokenType": "Bearer",
                          "expiresIn": expires_in, "refreshToken": refresh})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file")
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    announce(srv, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
