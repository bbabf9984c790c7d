#!/usr/bin/env python3
"""Latency of tw-trends on a live stream: from a tweet's arrival (written into tw-trends' stdin)
to the first output line that includes it (a line whose "seen" count reaches it).

  tw-stream --simulate --rate 5000 --duration 30 | bench/trends-latency.py bin/tw-trends [ARGS...]

Prints: tweets, lines, p50, p90, p99 and max latency in milliseconds.
"""
import json
import subprocess
import sys
import threading
import time


def main():
    proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    arrivals = []
    seen_at = []  # (time, seen)

    def reader():
        for line in proc.stdout:
            now = time.monotonic()
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if "seen" in d:
                seen_at.append((now, d["seen"]))

    t = threading.Thread(target=reader)
    t.start()
    inp = sys.stdin.buffer
    for line in inp:
        proc.stdin.write(line)
        proc.stdin.flush()
        arrivals.append(time.monotonic())
    proc.stdin.close()
    t.join()
    proc.wait()
    lat = []
    j = 0
    for i, a in enumerate(arrivals):
        while j < len(seen_at) and seen_at[j][1] < i + 1:
            j += 1
        if j == len(seen_at):
            break
        lat.append((seen_at[j][0] - a) * 1000)
    lat.sort()
    if not lat:
        print("no output")
        return 1
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print("%d tweets %d lines p50 %.0f ms p90 %.0f ms p99 %.0f ms max %.0f ms" %
          (len(arrivals), len(seen_at), q(0.5), q(0.9), q(0.99), lat[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
