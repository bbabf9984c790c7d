#!/usr/bin/env python3
"""A syntax check for the Hive DDL that Athena runs for CREATE EXTERNAL TABLE.

   hive-ddl-check.py FILE...      (or stdin)  -> exit 0 when every statement parses
   hive-ddl-check.py --types      lines of Glue column types (no backquotes needed) on stdin

This is a recursive-descent parser for the subset of Hive's grammar (HiveParser.g, the
createTableStatement rule, and its colType rules) that Athena documents for CREATE EXTERNAL TABLE
on JSON data:

  CREATE EXTERNAL TABLE [IF NOT EXISTS] [db.]name ( col type [COMMENT 'c'], ... )
  [COMMENT 'c'] [PARTITIONED BY ( col type [COMMENT 'c'], ... )]
  [ROW FORMAT SERDE 'class' [WITH SERDEPROPERTIES ( 'k'='v', ... )]]
  [STORED AS INPUTFORMAT 'class' OUTPUTFORMAT 'class' | STORED AS format]
  [LOCATION 'url'] [TBLPROPERTIES ( 'k'='v', ... )] [;]

  type := primitive | decimal [(p[,s])] | char(n) | varchar(n)
        | array<type> | map<primitive, type> | struct<name:type [COMMENT 'c'], ...>

Identifiers follow Hive: letters, digits and '_', not starting with '_' unless `backquoted`
(Athena's rule: names starting with an underscore need backquotes), reserved words only
backquoted; `` inside backquotes is one backquote. String literals are '...' or "..." with
backslash escapes. Struct field names must be unique within a struct, column names within the
table and partition columns. It reports the first error with its line and column.
"""
import re
import sys

PRIMITIVE = {"tinyint", "smallint", "int", "integer", "bigint", "boolean", "float", "double",
             "string", "binary", "timestamp", "date", "decimal", "char", "varchar"}
RESERVED = {"all", "alter", "and", "array", "as", "between", "both", "by", "case", "cast",
            "column", "create", "cross", "current", "date", "delete", "describe", "distinct",
            "drop", "else", "end", "exists", "external", "false", "fetch", "for", "from",
            "full", "grant", "group", "having", "if", "in", "inner", "insert", "interval",
            "into", "is", "join", "left", "like", "local", "map", "not", "null", "of", "on",
            "or", "order", "out", "outer", "partition", "percent", "range", "reads", "revoke",
            "right", "rollup", "row", "rows", "select", "set", "table", "then", "timestamp",
            "to", "true", "union", "update", "user", "using", "values", "when", "where",
            "with", "struct"}


class DDLError(Exception):
    pass


TOKEN = re.compile(r"""
    (?P<ws>\s+|--[^\n]*)
  | (?P<bq>`(?:[^`]|``)*`)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<num>\d+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[(),;<>:.=])
""", re.X | re.S)


def tokenize(text):
    pos, out = 0, []
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise DDLError("unexpected character %r at %s" % (text[pos], where(text, pos)))
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group(), pos))
        pos = m.end()
    out.append(("eof", "", len(text)))
    return out


def where(text, pos):
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return "line %d, column %d" % (line, col)


class Parser:
    def __init__(self, text, ddl_names=True):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.ddl_names = ddl_names

    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def fail(self, what):
        kind, val, pos = self.peek()
        raise DDLError("%s, found %r at %s" % (what, val or "end of input", where(self.text, pos)))

    def word(self, *words):
        kind, val, _ = self.peek()
        return kind == "word" and val.lower() in words

    def expect_word(self, *words):
        if not self.word(*words):
            self.fail("expected " + " or ".join(w.upper() for w in words))
        self.i += 1

    def punct(self, p):
        kind, val, _ = self.peek()
        return kind == "punct" and val == p

    def expect(self, p):
        if not self.punct(p):
            self.fail("expected '%s'" % p)
        self.i += 1

    def identifier(self, what="a name"):
        kind, val, _ = self.peek()
        if kind == "bq":
            name = val[1:-1].replace("``", "`")
            if not name:
                self.fail("empty `name`")
            self.i += 1
            return name.lower()
        if kind == "word":
            if val.startswith("_"):
                self.fail("a name starting with '_' must be `backquoted`")
            if val.lower() in RESERVED:
                self.fail("reserved word %s used as a name without backquotes" % val)
            self.i += 1
            return val.lower()
        self.fail("expected " + what)

    def field_name(self):
        # Glue's own type strings (--types) carry plain names, underscores included.
        kind, val, _ = self.peek()
        if not self.ddl_names and kind == "word":
            self.i += 1
            return val.lower()
        return self.identifier("a struct field name")

    def string(self):
        kind, val, _ = self.peek()
        if kind != "str":
            self.fail("expected a 'string literal'")
        self.i += 1
        return val

    def number(self):
        kind, val, _ = self.peek()
        if kind != "num":
            self.fail("expected a number")
        self.i += 1
        return int(val)

    def type_(self, depth=0):
        if depth > 100:
            self.fail("types nested too deep")
        kind, val, _ = self.peek()
        if kind != "word":
            self.fail("expected a type")
        t = val.lower()
        self.i += 1
        if t == "array":
            self.expect("<")
            self.type_(depth + 1)
            self.expect(">")
        elif t == "map":
            self.expect("<")
            k = self.peek()
            if k[0] != "word" or k[1].lower() not in PRIMITIVE:
                self.fail("a map key must be a primitive type")
            self.type_(depth + 1)
            self.expect(",")
            self.type_(depth + 1)
            self.expect(">")
        elif t == "struct":
            self.expect("<")
            seen = set()
            while True:
                name = self.field_name()
                if name in seen:
                    self.fail("duplicate struct field %s" % name)
                seen.add(name)
                self.expect(":")
                self.type_(depth + 1)
                if self.word("comment"):
                    self.i += 1
                    self.string()
                if self.punct(","):
                    self.i += 1
                    continue
                self.expect(">")
                break
        elif t in ("char", "varchar"):
            self.expect("(")
            self.number()
            self.expect(")")
        elif t == "decimal":
            if self.punct("("):
                self.i += 1
                p = self.number()
                if self.punct(","):
                    self.i += 1
                    s = self.number()
                    if s > p:
                        self.fail("decimal scale larger than precision")
                self.expect(")")
        elif t not in PRIMITIVE:
            self.i -= 1
            self.fail("unknown type")

    def columns(self, seen):
        self.expect("(")
        while True:
            name = self.identifier("a column name")
            if name in seen:
                self.fail("duplicate column %s" % name)
            seen.add(name)
            self.type_()
            if self.word("comment"):
                self.i += 1
                self.string()
            if self.punct(","):
                self.i += 1
                continue
            self.expect(")")
            break

    def properties(self):
        self.expect("(")
        keys = set()
        while True:
            k = self.string()
            if k in keys:
                self.fail("duplicate property %s" % k)
            keys.add(k)
            self.expect("=")
            self.string()
            if self.punct(","):
                self.i += 1
                continue
            self.expect(")")
            break

    def create(self):
        self.expect_word("create")
        self.expect_word("external")
        self.expect_word("table")
        if self.word("if"):
            self.i += 1
            self.expect_word("not")
            self.expect_word("exists")
        self.identifier("a table name")
        if self.punct("."):
            self.i += 1
            self.identifier("a table name")
        seen = set()
        self.columns(seen)
        if self.word("comment"):
            self.i += 1
            self.string()
        if self.word("partitioned"):
            self.i += 1
            self.expect_word("by")
            self.columns(seen)
        if self.word("row"):
            self.i += 1
            self.expect_word("format")
            self.expect_word("serde")
            self.string()
            if self.word("with"):
                self.i += 1
                self.expect_word("serdeproperties")
                self.properties()
        if self.word("stored"):
            self.i += 1
            self.expect_word("as")
            if self.word("inputformat"):
                self.i += 1
                self.string()
                self.expect_word("outputformat")
                self.string()
            else:
                self.expect_word("textfile", "parquet", "orc", "avro", "sequencefile", "ion")
        if self.word("location"):
            self.i += 1
            self.string()
        if self.word("tblproperties"):
            self.i += 1
            self.properties()
        if self.punct(";"):
            self.i += 1

    def statements(self):
        n = 0
        while self.peek()[0] != "eof":
            self.create()
            n += 1
        if n == 0:
            self.fail("expected CREATE EXTERNAL TABLE")
        return n


def main(argv):
    if argv[1:2] == ["--types"]:
        bad = 0
        for lineno, line in enumerate(sys.stdin, 1):
            line = line.rstrip("\n")
            try:
                p = Parser(line, ddl_names=False)
                p.type_()
                if p.peek()[0] != "eof":
                    p.fail("trailing text after the type")
            except DDLError as e:
                print("type %d: %s" % (lineno, e), file=sys.stderr)
                bad += 1
        return 1 if bad else 0
    files = argv[1:] or ["-"]
    rc = 0
    for f in files:
        text = sys.stdin.read() if f == "-" else open(f, encoding="utf-8").read()
        try:
            Parser(text).statements()
        except DDLError as e:
            print("%s: %s" % (f, e), file=sys.stderr)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
