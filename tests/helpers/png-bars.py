#!/usr/bin/env python3
"""Bars of one colour in a PNG screenshot (read by tests/png-stats.py's reader): for each band
of rows holding that colour, top to bottom, prints its widest run of such pixels and the column
where that run starts, one band a line ("WIDTH X").

  tests/helpers/png-bars.py shot.png 4e79a7
"""
import importlib.util
import os
import sys

spec = importlib.util.spec_from_file_location(
    "png_stats", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "png-stats.py"))
png_stats = importlib.util.module_from_spec(spec)
spec.loader.exec_module(png_stats)


def main():
    w, h, bpp, rows = png_stats.read_png(sys.argv[1])
    want = tuple(int(sys.argv[2][i:i + 2], 16) for i in (0, 2, 4))
    bands, cur = [], None
    for line in rows:
        best, start, run, run_start = 0, 0, 0, 0
        for x in range(w):
            r, g, b = line[x * bpp], line[x * bpp + 1], line[x * bpp + 2]
            if abs(r - want[0]) <= 12 and abs(g - want[1]) <= 12 and abs(b - want[2]) <= 12:
                if run == 0:
                    run_start = x
                run += 1
                if run > best:
                    best, start = run, run_start
            else:
                run = 0
        if best >= 2:
            if cur is None:
                cur = [best, start]
                bands.append(cur)
            elif best > cur[0]:
                cur[0], cur[1] = best, start
        else:
            cur = None
    for width, x in bands:
        print(width, x)


if __name__ == "__main__":
    main()
