#!/usr/bin/env python3
"""JSON keys chosen to break SQL, terminals and catalogs, and checks that they did not.

   hostile-keys.py records             NDJSON records, each hostile key once (first seen first)
   hostile-keys.py check DDL TABLE     DDL: glue-crawl --ddl; TABLE: the Glue Table JSON that
                                       glue-crawl --catalog wrote for the same records

Whoever can put JSON into the topic chooses the keys. check passes when the DDL parses as Hive
DDL that Trino's lexer cuts at the same places (hive-ddl-check.py) and holds no raw control
character; what Hive would store from the DDL (every SerDe property, unescaped as Hive does)
is exactly what the Glue JSON holds; every column name is [a-z0-9_], at most 247 bytes; every
key that is not its column name lower-cased is mapped to its column exactly, byte for byte; and
the keys no catalog can name (too long, or holding NUL) are nowhere.
"""
import importlib.util
import json
import os
import re
import sys

KEY_MAX = 247
KEYS = [
    "id",
    "Ev'=1); DROP TABLE tweets; CREATE TABLE x (a int) --",
    "it''s",
    "back\\slash",
    "ends\\",
    "\\'",
    "\\\\'; DROP TABLE t; --",
    "semi;colon",
    "--comment",
    "/*block*/",
    "back`tick`",
    'dq"uote',
    "esc\x1b[2J\x1b]0;owned\x07",
    "esc_[2J_]0;owned_",  # the same column: a collision warning that quotes the key above
    "nl\nline",
    "cr\rret",
    "tab\tkey",
    "del\x7f",
    "c1\u009b31m",
    "comma,key",
    "${HOME}$(id)",
    "ключ",
    "\U0001F389emoji",
    "l" * KEY_MAX,
    # left out: no catalog can name them
    "L" * (KEY_MAX + 1),
    "'" * 300,
    "nul\u0000key",
]
DROPPED = {k for k in KEYS if len(k.encode()) > KEY_MAX or "\0" in k}


def col_name(key):
    return "".join(c if re.match(r"[a-z0-9_]", c) else "_"
                   for c in key.encode().decode("latin-1").lower()) or "_"


def records():
    for i, k in enumerate(KEYS):
        print(json.dumps({"id": str(i), k: i}))


def load_checker():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hive-ddl-check.py")
    spec = importlib.util.spec_from_file_location("hive_ddl_check", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


HDC = load_checker()


def check(ddl_path, table_path):
    ddl = open(ddl_path, encoding="utf-8").read()
    p = HDC.Parser(ddl)
    p.statements()  # raises on bad grammar, lexer disagreement, raw control characters
    assert len(p.tables) == 1, "one statement expected, got %d" % len(p.tables)
    hive = p.tables[0]
    table = json.load(open(table_path, encoding="utf-8"))["Table"]
    sd = table["StorageDescriptor"]
    glue = sd["SerdeInfo"]["Parameters"]
    assert hive["serde"] == glue, "DDL and Glue JSON differ:\n%r\n%r" % (hive["serde"], glue)
    cols = [c["Name"] for c in sd["Columns"]] + [c["Name"] for c in table["PartitionKeys"]]
    assert [c[0] for c in hive["columns"]] == cols, (hive["columns"], cols)
    for c in cols:
        assert re.fullmatch(r"[a-z0-9_]{1,%d}" % KEY_MAX, c), "column name %r" % c
    # the first key seen for a column owns it; it is mapped unless it is the column lower-cased
    owner = {}
    for k in KEYS:
        if k not in DROPPED:
            owner.setdefault(col_name(k), k)
    for col, k in owner.items():
        assert col in cols, "no column %s for key %r" % (col, k)
        if k.lower() != col:
            assert glue.get("mapping." + col) == k, "mapping.%s is %r, not %r" % (
                col, glue.get("mapping." + col), k)
    everything = json.dumps(table, ensure_ascii=False) + ddl
    for k in DROPPED:
        assert col_name(k) not in cols, "column of a dropped key: %s" % col_name(k)[:20]
    assert "L" * (KEY_MAX + 1) not in everything and "'" * 300 not in everything
    assert glue["paths"] == ",".join(sorted(owner[c] for c in owner)), glue["paths"]


def main(argv):
    if argv[1:] == ["records"]:
        records()
        return 0
    if len(argv) == 4 and argv[1] == "check":
        try:
            check(argv[2], argv[3])
        except (AssertionError, HDC.DDLError) as e:
            print("hostile-keys: %s" % e, file=sys.stderr)
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
