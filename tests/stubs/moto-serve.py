#!/usr/bin/env python3
"""moto's server (S3, Glue, Athena, STS, IAM on one port), as `moto_server` runs it, on a free
loopback port that it reports once it listens.

    moto-serve.py --port-file FILE

Serves until SIGTERM or SIGINT.
"""
import argparse
import signal
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from standin import announce

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--port", type=int, default=0)
args = ap.parse_args()
srv = make_server("127.0.0.1", args.port, DomainDispatcherApplication(create_backend_app), threaded=True)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
announce(srv, args.port_file)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    pass
