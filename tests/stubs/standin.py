"""What every stand-in in tests/stubs does once it listens: tell the test its port.

    from standin import announce
    announce(server, path)   # path from --port-file; writes the port, then returns

The port is written only after the socket listens, into a temporary file renamed into place, so
a test that polls the file (tests/lib.sh: standin_port) never reads a half-written number and
never connects before the server accepts.
"""
import os


def announce(server, path):
    """Writes server's port into path (atomically) when path is set; returns the port."""
    port = server.server_address[1]
    if path:
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, path)
    return port
