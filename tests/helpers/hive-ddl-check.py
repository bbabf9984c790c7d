#!/usr/bin/env python3
"""A syntax check for the Hive DDL that Athena runs for CREATE EXTERNAL TABLE.

   hive-ddl-check.py FILE...      (or stdin)  -> exit 0 when every statement parses
   hive-ddl-check.py --props FILE  the same, then prints what Hive stores: one JSON object per
                                  statement, {"columns": [[name, type, comment]...],
                                  "serde": {k: v}, "tbl": {k: v}}, strings unescaped as Hive's
                                  unescapeSQLString does
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

Data must not become SQL, whichever engine or splitter reads the text, so the check also
refuses text that Trino's lexer (strings '...' with '' for a quote and no backslash escapes,
"..." names) would cut into statements anywhere else than Hive's lexer does, and any raw
control character (other than the newlines between tokens) that would reach a terminal.
"""
import json
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


TRINO_TOKEN = re.compile(r"""
    (?P<skip>\s+|--[^\n]*|/\*.*?\*/)
  | (?P<quoted>'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`)
  | (?P<semi>;)
  | (?P<other>[^\s'"`;/-]+|.)
""", re.X | re.S)


def trino_semicolons(text):
    """Offsets of the ';' that Trino's lexer sees outside strings, names and comments."""
    pos, out = 0, []
    while pos < len(text):
        m = TRINO_TOKEN.match(text, pos)
        if not m:  # an unterminated quote or comment: the rest is one token
            break
        if m.lastgroup == "semi":
            out.append(pos)
        pos = m.end()
    return out


def check_safe(text, toks):
    """Raw control characters, and statement ends that Hive's and Trino's lexers disagree on."""
    for i, ch in enumerate(text):
        if (ord(ch) < 0x20 and ch != "\n") or 0x7f <= ord(ch) < 0xa0:
            raise DDLError("raw control character %r at %s" % (ch, where(text, i)))
    hive = [pos for kind, val, pos in toks if kind == "punct" and val == ";"]
    trino = trino_semicolons(text)
    if hive != trino:
        extra = sorted(set(trino) - set(hive)) or sorted(set(hive) - set(trino))
        raise DDLError("Hive's and Trino's lexers end statements at different places "
                       "(Hive: %d, Trino: %d), first at %s" % (len(hive), len(trino),
                                                               where(text, extra[0])))


ESCAPES = {"0": "\0", "'": "'", '"': '"', "b": "\b", "n": "\n", "r": "\r", "t": "\t",
           "Z": "\x1a", "\\": "\\", "%": "\\%", "_": "\\_"}


def unescape(tok):
    """A Hive string literal's value, as BaseSemanticAnalyzer.unescapeSQLString reads it."""
    out, enclosure, i = [], None, 0
    while i < len(tok):
        c = tok[i]
        if enclosure is None:
            if c in "'\"":
                enclosure = c
            i += 1
            continue
        if c == enclosure:
            enclosure = None
            i += 1
            continue
        if c == "\\" and i + 6 < len(tok) and tok[i + 1] == "u":
            out.append(chr(int(tok[i + 2:i + 6], 16)))
            i += 6
            continue
        if c == "\\" and i + 4 < len(tok) and tok[i + 1] in "01" and \
                tok[i + 2] in "01234567" and tok[i + 3] in "01234567":
            out.append(chr(int(tok[i + 1:i + 4], 8)))
            i += 4
            continue
        if c == "\\" and i + 2 < len(tok):
            out.append(ESCAPES.get(tok[i + 1], tok[i + 1]))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


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
    check_safe(text, out)
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
        self.tables = []

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
            start = self.i
            self.type_()
            col = [name, "".join(t[1] for t in self.toks[start:self.i]), None]
            self.tables[-1]["columns"].append(col)
            if self.word("comment"):
                self.i += 1
                col[2] = unescape(self.string())
            if self.punct(","):
                self.i += 1
                continue
            self.expect(")")
            break

    def properties(self, into):
        self.expect("(")
        while True:
            k = unescape(self.string())
            if k in into:
                self.fail("duplicate property %s" % k)
            self.expect("=")
            into[k] = unescape(self.string())
            if self.punct(","):
                self.i += 1
                continue
            self.expect(")")
            break

    def create(self):
        self.tables.append({"columns": [], "serde": {}, "tbl": {}})
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
                self.properties(self.tables[-1]["serde"])
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
            self.properties(self.tables[-1]["tbl"])
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
    props = argv[1:2] == ["--props"]
    files = argv[1 + props:] or ["-"]
    rc = 0
    for f in files:
        text = sys.stdin.read() if f == "-" else open(f, encoding="utf-8").read()
        try:
            p = Parser(text)
            p.statements()
            for t in p.tables if props else []:
                print(json.dumps(t, ensure_ascii=False))
        except DDLError as e:
            print("%s: %s" % (f, e), file=sys.stderr)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
