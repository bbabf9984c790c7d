#!/usr/bin/env python3
"""A small stand-in for the Athena API, for what moto cannot do.

   athena-stub.py --port PORT [--log FILE] [--page-size N] [--throttle TARGET=N]...

Speaks the JSON 1.1 protocol on 127.0.0.1 (POST /, X-Amz-Target: AmazonAthena.*) for
StartQueryExecution, GetQueryExecution, GetQueryResults, StopQueryExecution, ListQueryExecutions
and BatchGetQueryExecution. It does not check
signatures (moto does that in the other tests). Every request is appended to the log as one JSON
line {"target": ..., "body": ...} so tests can look at what the client sent.

What a query does depends on its text:
  contains "fail_me"     RUNNING once, then FAILED with StateChangeReason and AthenaError
  contains "never_ends"  RUNNING (data scanned growing) until StopQueryExecution: then CANCELLED
  contains "pages"       the recorded multi-page SELECT below (header row first, as Athena sends)
  contains "labels"      a SELECT whose data rows repeat the column labels
  contains "hostile_me"  FAILED, its StateChangeReason and AthenaError full of terminal escapes
                         and a newline that would forge a line of athena-query's own
  contains "hostile_lab" a SELECT whose column label and value hold terminal escapes
  contains "rows_N"      a SELECT of N generated tweet-like rows (for bench/athena.sh)
  starts with SHOW       a DDL result: rows without a header row
  contains "token_loop"  SELECT 1, but every GetQueryResults page names the same NextToken
  contains "token_cycle" SELECT 1, with NextTokens that go round: A, B, A, B...
  anything else          SELECT 1 (one column _col0, one row)
Queries go QUEUED -> RUNNING -> SUCCEEDED over three GetQueryExecution calls. Results come in
pages of min(MaxResults, --page-size) rows; the header row counts toward the first page, as on
Athena. NextToken is opaque. --throttle AmazonAthena.GetQueryExecution=4 makes the first 4 such
calls fail with ThrottlingException (TooManyRequestsException for StartQueryExecution).
Anything that is not an Athena call (an S3 HeadObject...) gets 404.

ListQueryExecutions gives the ids of the workgroup's queries (WorkGroup, default primary), newest
first, MaxResults (at most 50) a page with an opaque NextToken. BatchGetQueryExecution takes 1 to
50 ids and answers the known ones in QueryExecutions and the others in
UnprocessedQueryExecutionIds; it does not move a query on, GetQueryExecution does. Query n (the
n-th started, from 1) was submitted at 1764000000.123 + n seconds.
"""
import argparse
import base64
import json
import re
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standin import announce

COLS_PAGES = [("id", "bigint"), ("lang", "varchar"), ("text", "varchar"), ("ok", "boolean"),
              ("score", "double")]
# The recorded result: None is NULL (no VarCharValue), "" the empty string.
ROWS_PAGES = [
    ["1", "en", "hello world", "true", "0.5"],
    ["2", "ja", "日本語のツイート 🎉", "false", "1.25"],
    ["3", "", "", None, None],
    ["4", None, None, "true", "NaN"],
    ["5", "en", "line one\nline two", "true", "2.0"],
    ["6", "en", 'she said "hi", then left', "false", "-3.5E-4"],
    ["7", "de", "tab\there", "true", "7"],
    ["8", "fr", "id,lang,text", "false", "8.0"],
    ["9", "es", "¿qué?", None, "9.5"],
    ["10", "und", "last", "true", "10.0"],
]
COLS_GEN = [("id", "bigint"), ("lang", "varchar"), ("text", "varchar"),
            ("created_at", "varchar"), ("hashtags", "bigint")]
LANGS = ["en", "ja", "es", "pt", "und", "fr"]


def gen_row(i):
    # no double quote: moto writes its result CSV without doubling them
    return ["%d" % (1790000000000000000 + i), LANGS[i % len(LANGS)],
            "tweet number %d with some text, a comma and café ☕" % i,
            "2026-11-25T%02d:%02d:%02d.000Z" % (i // 3600 % 24, i // 60 % 60, i % 60), str(i % 4)]


class Generated:
    """The rows of a generated result, header first, made on demand."""
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n + 1

    def __getitem__(self, sl):
        out = []
        for k in range(sl.start, min(sl.stop, self.n + 1)):
            out.append(to_row([c for c, _ in COLS_GEN]) if k == 0 else to_row(gen_row(k - 1)))
        return out


COLS_HOSTILE = [("\x1b[31mred\x1b[0m", "varchar")]
ROWS_HOSTILE = [["\x1b[31mred\x1b[0m"], ["\x1b]0;owned\x07\x1b[2J"]]
HOSTILE_REASON = ("SYNTAX_ERROR: \x1b[2J\x1b[H\x1b]0;owned\x07\rline 1\u009b31m\n"
                  "athena-query: query SUCCEEDED")
COLS_LABELS = [("a", "varchar"), ("b", "varchar")]
ROWS_LABELS = [["a", "b"], ["x", "y"], ["a", "b"], ["a", "b"], ["z", None]]


def column_info(cols):
    return [{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": n, "Label": n,
             "Type": t, "Precision": 19 if t == "bigint" else 2147483647, "Scale": 0,
             "Nullable": "UNKNOWN", "CaseSensitive": t == "varchar"} for n, t in cols]


def to_row(values):
    return {"Data": [{} if v is None else {"VarCharValue": v} for v in values]}


class Query:
    def __init__(self, qid, text, body):
        self.id = qid
        self.text = text
        self.body = body
        self.polls = 0
        self.state = "QUEUED"
        self.scanned = 0
        low = text.lower()
        m = re.search(r"rows_(\d+)", low)
        self.gen = int(m.group(1)) if m else 0
        self.loop = "cycle" if "token_cycle" in low else "same" if "token_loop" in low else None
        self.kind = ("gen" if self.gen else "fail" if "fail_me" in low or "hostile_me" in low else
                     "forever" if "never_ends" in low else "hostile" if "hostile_lab" in low else
                     "pages" if "pages" in low else "labels" if "labels" in low else
                     "ddl" if low.lstrip().startswith("show") else "one")

    def advance(self):
        self.polls += 1
        if self.state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return
        if self.kind == "forever":
            self.state = "RUNNING"
            self.scanned += 1 << 30
        elif self.kind == "fail":
            self.state = "RUNNING" if self.polls < 2 else "FAILED"
        else:
            self.state = ["QUEUED", "RUNNING", "SUCCEEDED"][min(self.polls, 3) - 1]
            self.scanned = 123456789 if self.state == "SUCCEEDED" else 50000000

    def result(self):
        """(columns, all rows as the API sends them, header included)."""
        if self.kind == "gen":
            return COLS_GEN, Generated(self.gen)
        if self.kind == "pages":
            cols, rows, header = COLS_PAGES, ROWS_PAGES, True
        elif self.kind == "labels":
            cols, rows, header = COLS_LABELS, ROWS_LABELS, True
        elif self.kind == "hostile":
            cols, rows, header = COLS_HOSTILE, ROWS_HOSTILE, True
        elif self.kind == "ddl":
            cols, rows, header = [("tab_name", "string")], [["tab_name"], ["tweets"]], False
        else:
            cols, rows, header = [("_col0", "integer")], [["1"]], True
        out = ([to_row([c for c, _ in cols])] if header else []) + [to_row(r) for r in rows]
        return cols, out

    def execution(self):
        st = {"State": self.state, "SubmissionDateTime": 1764000000.123}
        if self.state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            st["CompletionDateTime"] = 1764000002.5
        if self.state == "FAILED" and "hostile_me" in self.text.lower():
            st["StateChangeReason"] = HOSTILE_REASON
            st["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1006, "Retryable": False,
                                 "ErrorMessage": HOSTILE_REASON}
        elif self.state == "FAILED":
            st["StateChangeReason"] = "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved"
            st["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1006, "Retryable": False,
                                 "ErrorMessage": "COLUMN_NOT_FOUND: line 1:8: Column 'nope' "
                                                 "cannot be resolved or requester is not "
                                                 "authorized to access requested resources"}
        if self.state == "CANCELLED":
            st["StateChangeReason"] = "Query cancelled by user"
        out = self.body.get("ResultConfiguration", {}).get("OutputLocation", "s3://stub-results/")
        if not out.endswith("/"):
            out += "/"
        ext = "txt" if self.kind == "ddl" else "csv"
        return {
            "QueryExecutionId": self.id,
            "Query": self.text,
            "StatementType": "DDL" if self.kind == "ddl" else "DML",
            "ResultConfiguration": {"OutputLocation": "%s%s.%s" % (out, self.id, ext)},
            "QueryExecutionContext": self.body.get("QueryExecutionContext", {}),
            "Status": st,
            "Statistics": {
                "EngineExecutionTimeInMillis": 1500 if self.state == "SUCCEEDED" else 0,
                "DataScannedInBytes": self.scanned,
                "TotalExecutionTimeInMillis": 1800,
                "QueryQueueTimeInMillis": 200,
                "ServicePreProcessingTimeInMillis": 20,
                "QueryPlanningTimeInMillis": 80,
                "ServiceProcessingTimeInMillis": 30,
                "ResultReuseInformation": {"ReusedPreviousResult": False},
            },
            "WorkGroup": self.body.get("WorkGroup", "primary"),
        }


def listed(q):
    """q's QueryExecution with its own submission time."""
    ex = q.execution()
    ex["Status"]["SubmissionDateTime"] = q.submitted
    return ex


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.queries = {}
        self.tokens = {}
        self.calls = {}
        self.throttle = {}
        for t in args.throttle:
            k, v = t.split("=")
            self.throttle[k] = int(v)
        self.page_size = args.page_size
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, msg, status=400):
        self.reply(status, {"__type": code, "Message": msg})

    def not_athena(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_PUT = do_DELETE = not_athena

    def do_POST(self):
        target = self.headers.get("X-Amz-Target", "")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not target.startswith("AmazonAthena."):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self.error("SerializationException", "bad JSON")
        st = self.server.st
        with st.lock:
            if st.log:
                st.log.write(json.dumps({"target": target, "body": body}) + "\n")
                st.log.flush()
            n = st.calls.get(target, 0) + 1
            st.calls[target] = n
            if n <= st.throttle.get(target, 0):
                if target.endswith("StartQueryExecution"):
                    return self.error("TooManyRequestsException", "Rate exceeded")
                return self.error("ThrottlingException", "Rate exceeded")
            op = target.split(".", 1)[1]
            fn = getattr(self, "op_" + op, None)
            if not fn:
                return self.error("UnknownOperationException", op)
            return fn(st, body)

    def op_StartQueryExecution(self, st, body):
        tok = body.get("ClientRequestToken")
        if not body.get("QueryString"):
            return self.error("InvalidRequestException", "QueryString is required")
        if tok is not None and not 32 <= len(tok) <= 128:
            return self.error("InvalidRequestException", "ClientRequestToken length")
        if tok in st.tokens:
            return self.reply(200, {"QueryExecutionId": st.tokens[tok]})
        q = Query(str(uuid.uuid4()), body["QueryString"], body)
        q.submitted = 1764000000.123 + len(st.queries) + 1
        st.queries[q.id] = q
        if tok:
            st.tokens[tok] = q.id
        self.reply(200, {"QueryExecutionId": q.id})

    def query(self, st, body):
        q = st.queries.get(body.get("QueryExecutionId", ""))
        if not q:
            self.error("InvalidRequestException", "QueryExecution %s was not found"
                       % body.get("QueryExecutionId"))
        return q

    def op_GetQueryExecution(self, st, body):
        q = self.query(st, body)
        if q:
            q.advance()
            self.reply(200, {"QueryExecution": listed(q)})

    def op_ListQueryExecutions(self, st, body):
        limit = body.get("MaxResults", 50)
        if not isinstance(limit, int) or not 0 <= limit <= 50:
            return self.error("InvalidRequestException", "MaxResults must be 0..50")
        wg = body.get("WorkGroup", "primary")
        ids = [q.id for q in reversed(list(st.queries.values()))
               if q.body.get("WorkGroup", "primary") == wg]
        start = 0
        if body.get("NextToken"):
            try:
                start = int(base64.b64decode(body["NextToken"]).decode().split(":")[1])
            except (ValueError, IndexError):
                return self.error("InvalidRequestException", "Invalid NextToken")
        out = {"QueryExecutionIds": ids[start:start + limit]}
        if start + limit < len(ids):
            out["NextToken"] = base64.b64encode(("list:%d" % (start + limit)).encode()).decode()
        self.reply(200, out)

    def op_BatchGetQueryExecution(self, st, body):
        ids = body.get("QueryExecutionIds")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 50:
            return self.error("InvalidRequestException", "QueryExecutionIds: 1 to 50 ids")
        got = [listed(st.queries[i]) for i in ids if i in st.queries]
        bad = [{"QueryExecutionId": i, "ErrorCode": "INVALID_INPUT",
                "ErrorMessage": "QueryExecution %s was not found" % i}
               for i in ids if i not in st.queries]
        self.reply(200, {"QueryExecutions": got, "UnprocessedQueryExecutionIds": bad})

    def op_StopQueryExecution(self, st, body):
        q = self.query(st, body)
        if q:
            if q.state in ("QUEUED", "RUNNING"):
                q.state = "CANCELLED"
            self.reply(200, {})

    def op_GetQueryResults(self, st, body):
        q = self.query(st, body)
        if not q:
            return
        if q.state != "SUCCEEDED":
            return self.error("InvalidRequestException",
                              "Query has not yet finished. Current status: %s" % q.state)
        limit = body.get("MaxResults", 1000)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            return self.error("InvalidRequestException", "MaxResults must be 1..1000")
        limit = min(limit, st.page_size)
        if q.loop:  # a broken or hostile server: the pages never end
            tok = body.get("NextToken", "")
            cols, rows = q.result()
            nxt = {"": "A", "A": "B", "B": "A"}.get(tok, "A") if q.loop == "cycle" else "SAME"
            return self.reply(200, {"UpdateCount": 0, "NextToken": nxt, "ResultSet": {
                "Rows": rows if not tok else rows[1:],
                "ResultSetMetadata": {"ColumnInfo": column_info(cols)}}})
        start = 0
        if body.get("NextToken"):
            try:
                qid, off = base64.b64decode(body["NextToken"]).decode().split(":")
                if qid != q.id:
                    raise ValueError
                start = int(off)
            except ValueError:
                return self.error("InvalidRequestException", "Invalid NextToken")
        cols, rows = q.result()
        page = rows[start:start + limit]
        out = {"UpdateCount": 0,
               "ResultSet": {"Rows": page,
                             "ResultSetMetadata": {"ColumnInfo": column_info(cols)}}}
        if start + limit < len(rows):
            out["NextToken"] = base64.b64encode(("%s:%d" % (q.id, start + limit)).encode()).decode()
        self.reply(200, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--log")
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--throttle", action="append", default=[])
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.st = State(args)
    announce(srv, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
