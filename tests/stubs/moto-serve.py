#!/usr/bin/env python3
"""moto's server (S3, Glue, Athena, STS, IAM on one port), as `moto_server` runs it, on a free
loopback port that it reports once it listens.

    moto-serve.py --port-file FILE [--log FILE]

With --log, every request is appended to FILE as one JSON line: {"method", "path", "query",
"headers" (names in lower case), "body" (the first 64 KiB, as Latin-1 text)}, so that a test can
check what a tool sent and signed (the test credentials are not secrets). Serves until SIGTERM
or SIGINT.
"""
import argparse
import io
import json
import signal
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from standin import announce

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--log")
args = ap.parse_args()
app = DomainDispatcherApplication(create_backend_app)
LOG_LOCK = threading.Lock()


def logged(environ, start_response):
    """Records the request, then hands it to moto with its body intact."""
    n = environ.get("CONTENT_LENGTH")
    if n:
        body = environ["wsgi.input"].read(int(n))
    elif environ.get("wsgi.input_terminated"):
        body = environ["wsgi.input"].read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
               if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    rec = {"method": environ["REQUEST_METHOD"], "path": environ.get("PATH_INFO", ""),
           "query": environ.get("QUERY_STRING", ""), "headers": headers,
           "body": body[:65536].decode("latin-1")}
    with LOG_LOCK, open(args.log, "a") as f:
        f.write(json.dumps(rec) + "\n")
    return app(environ, start_response)


srv = make_server("127.0.0.1", args.port, logged if args.log else app, threaded=True)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
announce(srv, args.port_file)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    pass
