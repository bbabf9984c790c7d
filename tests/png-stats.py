#!/usr/bin/env python3
"""Reads a PNG (8-bit RGB or RGBA, as Chromium writes screenshots) with the standard library
only, and prints how many pixels are not near-white and how many are near each colour given.

  tests/png-stats.py shot.png e15759 4e79a7   ->  "size 960x540 nonwhite 123456 e15759 789 4e79a7 4567"
"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "only 8-bit RGB/RGBA"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    w, h, bpp, rows = read_png(sys.argv[1])
    want = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in sys.argv[2:]]
    nonwhite, hits = 0, [0] * len(want)
    for line in rows:
        for x in range(w):
            r, g, b = line[x * bpp], line[x * bpp + 1], line[x * bpp + 2]
            if r < 235 or g < 235 or b < 235:
                nonwhite += 1
            for k, (wr, wg, wb) in enumerate(want):
                if abs(r - wr) <= 12 and abs(g - wg) <= 12 and abs(b - wb) <= 12:
                    hits[k] += 1
    print("size %dx%d nonwhite %d %s" % (w, h, nonwhite, " ".join("%s %d" % (c, n) for c, n in zip(sys.argv[2:], hits))))


if __name__ == "__main__":
    main()
