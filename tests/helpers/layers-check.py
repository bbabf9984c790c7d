#!/usr/bin/env python3
"""Checks the layering of lib/ against the layer table in lib/README.md.

    tests/helpers/layers-check.py TOPDIR

Reads the rows "| N | name | `tl_a` `tl_b` ... | ... |" of the table in TOPDIR/lib/README.md, then
every lib/*.c and lib/*.h: a file may include "tl_X.h" only when tl_X's layer is at or below its
own. Also fails when a module in lib/ is not in the table, or a table entry has no file. Prints
one line per violation ("lib/tl_a.c:12: tl_a (base) includes tl_http.h (transport)") and exits 1
when there is any, 0 otherwise.
"""
import os
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else "."
readme = os.path.join(top, "lib", "README.md")
layer_of, name_of = {}, {}
row = re.compile(r"^\|\s*(\d+)\s*\|\s*([a-z]+)\s*\|(.*?)\|")
with open(readme, encoding="utf-8") as f:
    for line in f:
        m = row.match(line)
        if not m:
            continue
        level, name, mods = int(m.group(1)), m.group(2), m.group(3)
        for mod in re.findall(r"`(tl_[a-z0-9_]+)`", mods):
            if mod in layer_of:
                print(f"lib/README.md: {mod} is in two layers")
                sys.exit(1)
            layer_of[mod], name_of[level] = level, name
            name_of[level] = name
if not layer_of:
    print("lib/README.md: no layer table found")
    sys.exit(1)

bad = 0
libdir = os.path.join(top, "lib")
files = sorted(f for f in os.listdir(libdir) if re.fullmatch(r"tl_[a-z0-9_]+\.[ch]", f))
modules = {f[:-2] for f in files}
for mod in sorted(modules - set(layer_of)):
    print(f"lib/{mod}: not in the layer table of lib/README.md")
    bad += 1
for mod in sorted(set(layer_of) - modules):
    print(f"lib/README.md: {mod} has no lib/{mod}.c or .h")
    bad += 1
inc = re.compile(r'^\s*#\s*include\s+"(tl_[a-z0-9_]+)\.h"')
for f in files:
    mod = f[:-2]
    if mod not in layer_of:
        continue
    with open(os.path.join(libdir, f), encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            m = inc.match(line)
            if not m:
                continue
            dep = m.group(1)
            if dep not in layer_of:
                print(f"lib/{f}:{n}: includes {dep}.h, which is not in the layer table")
                bad += 1
            elif layer_of[dep] > layer_of[mod]:
                print(f"lib/{f}:{n}: {mod} ({name_of[layer_of[mod]]}) includes {dep}.h "
                      f"({name_of[layer_of[dep]]}), a higher layer")
                bad += 1
sys.exit(1 if bad else 0)
