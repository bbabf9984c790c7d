/* athena-query: SQL through Amazon Athena from a terminal or a script. */
#include "tl_alloc.h"
#include "tl_aws.h"
#include "tl_buf.h"
#include "tl_cli.h"
#include "tl_csv.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_localsql.h"
#include "tl_pages.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_s3.h"
#include "tl_sig.h"
#include "tl_sql.h"
#include "tl_table.h"
#include "tl_time.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: athena-query [-d database] [-w workgroup] [-o s3://bucket/prefix/] [-F format]\n"
	"                    [-n rows] [-p value]... [--catalog name] [--explain] [--fetch how]\n"
	"                    [--no-header] [--no-stats] [--null text] [--parallel] [--poll-max ms]\n"
	"                    [--price usd] [--progress] [--result-reuse minutes]\n"
	"                    [--endpoint-url url] [--no-verify-ssl] [--profile name] [--region name]\n"
	"                    [-qv] [sql | -f file | --query-id id]\n"
	"       athena-query --local lake [--local-catalog dir] [-d database] [-F format] [-n rows]\n"
	"                    [-p value]... [--explain] [--no-header] [--no-stats] [--null text]\n"
	"                    [-qv] [sql | -f file]\n"
	"\n"
	"Runs SQL in Amazon Athena and prints the results on stdout. Statements separated by ';'\n"
	"run in order; the SQL comes from the argument, from -f FILE (- for stdin), or from stdin.\n"
	"With --local, runs the same Athena SQL offline over a local lake and the catalog\n"
	"glue-crawl --catalog wrote (rewritten for an embedded SQLite; see the man page).\n"
	"\n"
	"  -d, --database NAME        database the SQL runs in\n"
	"      --catalog NAME         data catalog (Athena's default: AwsDataCatalog)\n"
	"  -w, --workgroup NAME       workgroup (Athena's default: primary)\n"
	"  -o, --output-location URL  where Athena writes results (s3://bucket/prefix/)\n"
	"  -p, --param VALUE          one SQL literal for the next '?' of each statement:\n"
	"                             'text', 42, 1.5, TRUE, NULL, DATE '2026-11-25' (repeatable)\n"
	"      --result-reuse MINUTES reuse the result of an identical query up to MINUTES old\n"
	"      --explain              run EXPLAIN of each statement instead\n"
	"      --parallel             start every statement at once; results print in order\n"
	"      --query-id ID          show the status and results of an earlier query\n"
	"  -f, --file FILE            read the SQL from FILE\n"
	"  -F, --format FORMAT        table, csv, tsv or ndjson (default: table on a terminal,\n"
	"                             else csv)\n"
	"      --fetch HOW            api (GetQueryResults pages), s3 (the result CSV), or auto\n"
	"                             (default: s3 when the result file is 1 MiB or more)\n"
	"  -n, --max-rows N           print at most N rows of each result\n"
	"      --no-header            leave out the header line\n"
	"      --null TEXT            how the table format shows NULL (default: NULL)\n"
	"      --progress             show progress even when stderr is not a terminal\n"
	"      --no-stats             leave out the stats line\n"
	"      --price USD            price per TB scanned for the cost estimate (default: 5)\n"
	"      --poll-max MS          longest wait between status polls (default: 2000)\n"
	"      --local LAKE           query the local lake LAKE instead of Athena\n"
	"      --local-catalog DIR    the local catalog (default: LAKE/_catalog)\n";

enum fetch_how { FETCH_AUTO, FETCH_API, FETCH_S3 };

#define SQL_MAX ((size_t)64 << 20)     /* the most SQL read from a file or stdin */
#define QUERY_MAX 262144               /* Athena's QueryString: at most this many characters */
#define PARAM_MAX 1024                 /* and each of its ExecutionParameters */

#define S3_AUTO_MIN ((int64_t)1 << 20) /* --fetch auto: result files this large come from S3 */
#define PAGE_ROWS 1000                 /* GetQueryResults' largest page */
#define MB ((double)(1 << 20))

struct opts {
	const char *database, *catalog, *workgroup, *output, *file, *query_id, *null_text;
	const char *sql;    /* the SQL operand, or NULL */
	const char *local, *local_catalog; /* --local: the lake folder and its catalog */
	const char **params;
	size_t nparams;
	long result_reuse;  /* minutes, -1 off */
	bool explain, parallel, no_header, progress, no_stats;
	enum tl_table_format format;
	bool format_set;
	enum fetch_how fetch;
	uint64_t max_rows;  /* 0: all */
	double price;       /* USD per TB */
	int64_t poll_max;   /* ms */
	struct tl_aws_opts aws;
};

/* One statement and its execution. */
struct query {
	char *sql;
	char *id;
	cJSON *exec;        /* the last QueryExecution */
	const char *state;  /* in exec */
	bool done;          /* a final state was seen */
	bool stop_sent;
	uint64_t rows;
	int64_t t0;         /* mono ms at start */
};

struct app {
	struct opts o;
	struct tl_aws *aws;
	struct tl_s3 *s3;
	struct tl_out out;
	struct tl_table *tab;
	enum tl_table_format format; /* in effect */
	bool out_broken;
};

/* --- helpers ---------------------------------------------------------------------------------- */

static double rand01(void)
{
	uint32_t r;
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (uint32_t)tl_mono_ms() * 2654435761u;
	return (double)r / 4294967296.0;
}

/* A fresh ClientRequestToken (a UUID v4): a start retried with it never runs twice. */
static char *new_token(void)
{
	unsigned char b[16];
	size_t i;
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		for (i = 0; i < sizeof b; i++)
			b[i] = (unsigned char)(rand01() * 256);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
			 b[12], b[13], b[14], b[15]);
}

static void fmt_bytes(double v, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	int u = 0;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f B", v);
	else
		snprintf(buf, len, "%.2f %s", v, unit[u]);
}

static bool is_throttle(const struct tl_aws_error *e)
{
	static const char *const codes[] = { "ThrottlingException", "TooManyRequestsException",
					     "Throttling", "RequestLimitExceeded",
					     "SlowDown", "ServiceUnavailable" };
	size_t i;
	/* transport errors were retried by tl_aws already; a dead endpoint should fail fast */
	if (e->status >= 500)
		return true;
	for (i = 0; e->code && i < sizeof codes / sizeof codes[0]; i++)
		if (!strcmp(e->code, codes[i]))
			return true;
	return false;
}

/* An Athena call. Over tl_aws's own retries, throttling and transient errors are retried with
 * jittered exponential backoff (Athena throttles GetQueryExecution under load), up to 8 more
 * rounds. A stop signal ends the waiting unless keep_on_signal. Returns 0 or -1 (reported). */
static int athena(struct app *a, const char *op, cJSON *body, cJSON **out, bool keep_on_signal)
{
	char target[96];
	int round;
	snprintf(target, sizeof target, "AmazonAthena.%s", op);
	for (round = 0;; round++) {
		struct tl_aws_error err = { 0 };
		int64_t delay;
		if (tl_aws_json_call(a->aws, "athena", target, body, out, &err) == 0) {
			tl_aws_error_free(&err);
			return 0;
		}
		if (!is_throttle(&err) || round >= 8 || (tl_sig_caught() && !keep_on_signal)) {
			char *txt = tl_aws_error_text(&err);
			tl_err("Athena %s: %s", op, txt);
			free(txt);
			tl_aws_error_free(&err);
			return -1;
		}
		delay = (int64_t)(100.0 * (double)(1 << (round < 6 ? round : 6)));
		if (delay > a->o.poll_max)
			delay = a->o.poll_max;
		delay = (int64_t)((0.5 + 0.5 * rand01()) * (double)delay);
		tl_debug("Athena %s: %s, retrying in %lld ms", op, err.code ? err.code : "error",
			 (long long)delay);
		tl_aws_error_free(&err);
		if (keep_on_signal) {
			struct timespec ts = { (time_t)(delay / 1000), (long)(delay % 1000) * 1000000 };
			nanosleep(&ts, NULL);
		} else if (tl_sleep_ms(delay)) {
			tl_err("Athena %s: interrupted", op);
			return -1;
		}
	}
}

static cJSON *id_body(const char *id)
{
	cJSON *b = tl_json_obj();
	tl_json_add_str(b, "QueryExecutionId", id);
	return b;
}

/* --- starting, polling, stopping ------------------------------------------------------------ */

static int start_query(struct app *a, struct query *q)
{
	cJSON *b = tl_json_obj(), *resp = NULL;
	char *tok = new_token();
	const char *id;
	size_t i;
	int r = -1;

	if (a->o.explain) {
		char *e = xasprintf("EXPLAIN %s", q->sql);
		tl_json_add_str(b, "QueryString", e);
		free(e);
	} else {
		tl_json_add_str(b, "QueryString", q->sql);
	}
	tl_json_add_str(b, "ClientRequestToken", tok);
	if (a->o.database || a->o.catalog) {
		cJSON *ctx = tl_json_obj();
		if (a->o.database)
			tl_json_add_str(ctx, "Database", a->o.database);
		if (a->o.catalog)
			tl_json_add_str(ctx, "Catalog", a->o.catalog);
		tl_json_add(b, "QueryExecutionContext", ctx);
	}
	if (a->o.output) {
		cJSON *rc = tl_json_obj();
		tl_json_add_str(rc, "OutputLocation", a->o.output);
		tl_json_add(b, "ResultConfiguration", rc);
	}
	if (a->o.workgroup)
		tl_json_add_str(b, "WorkGroup", a->o.workgroup);
	if (a->o.nparams) {
		cJSON *arr = cJSON_CreateArray();
		if (!arr)
			tl_die(1, "out of memory");
		for (i = 0; i < a->o.nparams; i++) {
			cJSON *s = cJSON_CreateString(a->o.params[i]);
			if (!s)
				tl_die(1, "out of memory");
			cJSON_AddItemToArray(arr, s);
		}
		tl_json_add(b, "ExecutionParameters", arr);
	}
	if (a->o.result_reuse >= 0) {
		cJSON *rr = tl_json_obj(), *age = tl_json_obj();
		tl_json_add_bool(age, "Enabled", true);
		tl_json_add_num(age, "MaxAgeInMinutes", (double)a->o.result_reuse);
		tl_json_add(rr, "ResultReuseByAgeConfiguration", age);
		tl_json_add(b, "ResultReuseConfiguration", rr);
	}
	q->t0 = tl_mono_ms();
	if (athena(a, "StartQueryExecution", b, &resp, false) == 0) {
		id = tl_json_get_str(resp, "QueryExecutionId");
		if (id) {
			q->id = xstrdup(id);
			tl_debug("query %s started", id);
			r = 0;
		} else {
			tl_err("Athena StartQueryExecution: no QueryExecutionId in the answer");
		}
	}
	cJSON_Delete(resp);
	cJSON_Delete(b);
	free(tok);
	return r;
}

static bool final_state(const char *s)
{
	return s && (!strcmp(s, "SUCCEEDED") || !strcmp(s, "FAILED") || !strcmp(s, "CANCELLED"));
}

/* One GetQueryExecution; updates q. 0 or -1. */
static int refresh(struct app *a, struct query *q, bool keep_on_signal)
{
	cJSON *b = id_body(q->id), *resp = NULL, *ex;
	int r = athena(a, "GetQueryExecution", b, &resp, keep_on_signal);
	cJSON_Delete(b);
	if (r < 0)
		return -1;
	ex = cJSON_DetachItemFromObjectCaseSensitive(resp, "QueryExecution");
	cJSON_Delete(resp);
	if (!ex) {
		tl_err("Athena GetQueryExecution: no QueryExecution in the answer");
		return -1;
	}
	cJSON_Delete(q->exec);
	q->exec = ex;
	q->state = tl_json_get_str(ex, "Status.State");
	q->done = final_state(q->state);
	return 0;
}

static double stat_num(const struct query *q, const char *name)
{
	double v = 0;
	char path[96];
	snprintf(path, sizeof path, "Statistics.%s", name);
	if (q->exec)
		tl_json_get_num(q->exec, path, &v);
	return v;
}

/* Asks Athena to stop every query in qs[] not yet finished, then waits (up to 60 s, or until a
 * second signal) until each is CANCELLED or otherwise final. */
static void stop_queries(struct app *a, struct query *qs, size_t n)
{
	size_t i;
	int sigs = tl_sig_count();
	int64_t until = tl_mono_ms() + 60000;
	bool waiting = false;

	tl_log_status_end();
	for (i = 0; i < n; i++) {
		cJSON *b, *resp = NULL;
		if (!qs[i].id || qs[i].done)
			continue;
		b = id_body(qs[i].id);
		tl_info("stopping query %s", qs[i].id);
		if (athena(a, "StopQueryExecution", b, &resp, true) == 0) {
			qs[i].stop_sent = true;
			waiting = true;
		}
		cJSON_Delete(resp);
		cJSON_Delete(b);
	}
	while (waiting && tl_mono_ms() < until && tl_sig_count() == sigs) {
		struct timespec ts = { 0, 200 * 1000000L };
		waiting = false;
		for (i = 0; i < n; i++) {
			if (!qs[i].stop_sent || qs[i].done)
				continue;
			if (refresh(a, &qs[i], true) < 0 || qs[i].done)
				continue;
			waiting = true;
		}
		if (waiting)
			nanosleep(&ts, NULL);
	}
	for (i = 0; i < n; i++)
		if (qs[i].stop_sent)
			tl_info("query %s %s", qs[i].id,
				qs[i].done ? qs[i].state : "still running (stop requested)");
}

/* Polls until q is final, with jittered backoff and progress. 0, -1 (error), or 1 (signal). */
static int wait_query(struct app *a, struct query *q)
{
	int64_t delay = 100;
	bool show = a->o.progress || isatty(STDERR_FILENO);
	while (!q->done) {
		if (tl_sig_caught())
			return 1;
		if (refresh(a, q, false) < 0) {
			tl_log_status_end();
			return tl_sig_caught() ? 1 : -1;
		}
		if (q->done)
			break;
		if (show) {
			char sc[32];
			fmt_bytes(stat_num(q, "DataScannedInBytes"), sc, sizeof sc);
			tl_log_status(a->o.progress, "%s %s %.1fs, %s scanned", q->id,
				      q->state ? q->state : "?",
				      (double)(tl_mono_ms() - q->t0) / 1000.0, sc);
		}
		{
			int64_t d = delay < a->o.poll_max ? delay : a->o.poll_max;
			d = (int64_t)((0.75 + 0.5 * rand01()) * (double)d);
			if (tl_sleep_ms(d))
				return 1;
		}
		delay = delay * 3 / 2;
	}
	if (show)
		tl_log_status_end();
	return 0;
}

/* --- reports ---------------------------------------------------------------------------------- */

static void report_stats(struct app *a, const struct query *q, bool rows_known)
{
	const char *type = tl_json_get_str(q->exec, "StatementType");
	const char *loc = tl_json_get_str(q->exec, "ResultConfiguration.OutputLocation");
	double scanned = stat_num(q, "DataScannedInBytes");
	double queue = stat_num(q, "QueryQueueTimeInMillis");
	double engine = stat_num(q, "EngineExecutionTimeInMillis");
	double total = stat_num(q, "TotalExecutionTimeInMillis");
	bool reused = tl_json_get_bool(q->exec, "Statistics.ResultReuseInformation.ReusedPreviousResult");
	double billed = 0;
	char sc[32], bi[32], rows[48] = "";

	if (a->o.no_stats)
		return;
	/* Athena bills per query the bytes scanned rounded up to a whole MB, 10 MB at least;
	 * DDL, failed queries and reused results are free. */
	if (!reused && q->state && strcmp(q->state, "FAILED") != 0 &&
	    (!type || strcmp(type, "DDL") != 0) &&
	    (scanned > 0 || (type && !strcmp(type, "DML")))) {
		billed = ceil(scanned / MB) * MB;
		if (billed < 10 * MB)
			billed = 10 * MB;
	}
	fmt_bytes(scanned, sc, sizeof sc);
	fmt_bytes(billed, bi, sizeof bi);
	if (rows_known)
		snprintf(rows, sizeof rows, "%llu row%s, ", (unsigned long long)q->rows,
			 q->rows == 1 ? "" : "s");
	tl_info("%s in %.2fs (queue %.2fs, engine %.2fs): %s%s scanned, %s billed, ~$%.4f "
		"(approximate, at $%.2f/TB)%s; query %s; results %s",
		q->state ? q->state : "?", total / 1000.0, queue / 1000.0, engine / 1000.0, rows, sc,
		bi, billed / (MB * MB) * a->o.price, a->o.price, reused ? "; reused result" : "",
		q->id, loc ? loc : "-");
}

static void report_failure(const struct query *q)
{
	const char *reason = tl_json_get_str(q->exec, "Status.StateChangeReason");
	const cJSON *ae = tl_json_get(q->exec, "Status.AthenaError");
	tl_err("query %s %s: %s", q->id, q->state ? q->state : "?", reason ? reason : "no reason given");
	if (ae) {
		double cat = 0, type = 0;
		const char *msg = tl_json_get_str(ae, "ErrorMessage");
		static const char *const cats[] = { "?", "SYSTEM", "USER", "OTHER" };
		tl_json_get_num(ae, "ErrorCategory", &cat);
		tl_json_get_num(ae, "ErrorType", &type);
		tl_err("AthenaError: category %d (%s), type %d, %s%s%s", (int)cat,
		       cat >= 1 && cat <= 3 ? cats[(int)cat] : cats[0], (int)type,
		       tl_json_get_bool(ae, "Retryable") ? "retryable" : "not retryable",
		       msg ? ": " : "", msg ? msg : "");
	}
}

/* --- results ---------------------------------------------------------------------------------- */

struct rowbuf {
	const char **vals;
	size_t *lens;
	size_t cap;
};

static void rowbuf_fit(struct rowbuf *rb, size_t n)
{
	if (n <= rb->cap)
		return;
	rb->cap = n;
	rb->vals = xrealloc(rb->vals, n * sizeof *rb->vals);
	rb->lens = xrealloc(rb->lens, n * sizeof *rb->lens);
}

static void rowbuf_free(struct rowbuf *rb)
{
	free(rb->vals);
	free(rb->lens);
}

/* Column names and types of a GetQueryResults answer. */
struct columns {
	size_t n;
	const char **names;
	const char **types;
};

static void columns_from(struct columns *c, const cJSON *resp)
{
	const cJSON *ci = tl_json_get(resp, "ResultSet.ResultSetMetadata.ColumnInfo"), *col;
	size_t i = 0;
	c->n = cJSON_IsArray(ci) ? (size_t)cJSON_GetArraySize(ci) : 0;
	c->names = xcalloc(c->n ? c->n : 1, sizeof *c->names);
	c->types = xcalloc(c->n ? c->n : 1, sizeof *c->types);
	cJSON_ArrayForEach(col, ci) {
		const char *label = tl_json_get_str(col, "Label");
		const char *name = tl_json_get_str(col, "Name");
		c->names[i] = label && *label ? label : name ? name : "";
		c->types[i] = tl_json_get_str(col, "Type");
		i++;
	}
}

static void columns_free(struct columns *c)
{
	free(c->names);
	free(c->types);
}

/* Athena puts the column labels as the first row of the first page of a SELECT's results (not
 * of SHOW, DESCRIBE or DDL). It is skipped only there, and only when it matches the labels. */
static bool is_header_row(const cJSON *row, const struct columns *c)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(row, "Data"), *d;
	size_t i = 0;
	if ((size_t)cJSON_GetArraySize(data) != c->n)
		return false;
	cJSON_ArrayForEach(d, data) {
		const char *v = tl_json_get_str(d, "VarCharValue");
		if (!v || strcmp(v, c->names[i]) != 0)
			return false;
		i++;
	}
	return true;
}

static bool has_header(const struct query *q)
{
	const char *type = tl_json_get_str(q->exec, "StatementType");
	char w[16];
	if (type && strcmp(type, "DML") != 0)
		return false;
	tl_sql_first_word(q->sql, w, sizeof w);
	return strcmp(w, "SHOW") != 0 && strcmp(w, "DESCRIBE") != 0;
}

static int out_ok(struct app *a)
{
	if (a->out.broken) {
		a->out_broken = true;
		return -1;
	}
	return 0;
}

/* Results through GetQueryResults pages. 0, -1 (error), 1 (signal or output gone). */
static int fetch_api(struct app *a, struct query *q)
{
	char *token = NULL;
	struct tl_pages pages = TL_PAGES_INIT;
	bool first = true, header = has_header(q);
	struct columns cols = { 0 };
	struct rowbuf rb = { 0 };
	int r = 0;

	for (;;) {
		cJSON *b = id_body(q->id), *resp = NULL;
		const cJSON *rows, *row;
		uint64_t want = PAGE_ROWS;
		const char *next;
		if (a->o.max_rows) {
			want = a->o.max_rows - q->rows + (first && header);
			if (want > PAGE_ROWS)
				want = PAGE_ROWS;
		}
		tl_json_add_num(b, "MaxResults", (double)want);
		if (token)
			tl_json_add_str(b, "NextToken", token);
		r = athena(a, "GetQueryResults", b, &resp, false);
		cJSON_Delete(b);
		if (r < 0) {
			r = tl_sig_caught() ? 1 : -1;
			break;
		}
		if (first) {
			columns_from(&cols, resp);
			rowbuf_fit(&rb, cols.n ? cols.n : 1);
			if (cols.n && tl_table_begin(a->tab, cols.n, cols.names, cols.types) < 0)
				r = 1;
		}
		rows = tl_json_get(resp, "ResultSet.Rows");
		cJSON_ArrayForEach(row, rows) {
			const cJSON *data = cJSON_GetObjectItemCaseSensitive(row, "Data"), *d;
			size_t i = 0;
			if (r)
				break;
			if (first && header && row == rows->child && is_header_row(row, &cols))
				continue;
			if (a->o.max_rows && q->rows >= a->o.max_rows)
				break;
			cJSON_ArrayForEach(d, data) {
				const char *v;
				if (i >= cols.n)
					break;
				v = tl_json_get_str(d, "VarCharValue");
				rb.vals[i] = v;
				rb.lens[i] = v ? strlen(v) : 0;
				i++;
			}
			for (; i < cols.n; i++)
				rb.vals[i] = NULL;
			q->rows++;
			if (tl_table_row(a->tab, rb.vals, rb.lens) < 0)
				r = 1;
		}
		first = false;
		next = tl_json_get_str(resp, "NextToken");
		free(token);
		token = next ? xstrdup(next) : NULL;
		if (token && tl_pages_next(&pages, token) < 0) {
			tl_err("Athena GetQueryResults of %s gave a NextToken it had given before: the "
			       "results would never end", q->id);
			free(token);
			token = NULL;
			if (r == 0)
				r = -1;
		}
		if (!cols.n) {
			double uc = 0;
			if (tl_json_get_num(resp, "UpdateCount", &uc) == 0 && uc > 0)
				tl_info("%.0f rows updated", uc);
		}
		cJSON_Delete(resp);
		if (r == 0 && tl_out_flush(&a->out) < 0)
			r = 1;
		if (r || !token || (a->o.max_rows && q->rows >= a->o.max_rows))
			break;
		if (tl_sig_caught()) {
			r = 1;
			break;
		}
	}
	if (cols.n && tl_table_end(a->tab) < 0 && r == 0)
		r = 1;
	if (out_ok(a) < 0)
		r = 1;
	free(token);
	tl_pages_release(&pages);
	columns_free(&cols);
	rowbuf_free(&rb);
	return r;
}

/* Results from the result CSV in S3, parsed as it streams in. */
struct s3ctx {
	struct app *a;
	struct query *q;
	struct tl_csv csv;
	bool skip_header;
	bool names_from_header; /* CSV/TSV out: the header record names the columns */
	bool begun;
	bool stop;          /* max rows reached, output gone, or a signal */
	struct rowbuf rb;
	size_t ncols;
};

static int on_csv_row(const struct tl_csv_field *f, size_t n, void *ctx)
{
	struct s3ctx *s = ctx;
	size_t i;
	if (s->skip_header) {
		s->skip_header = false;
		if (s->names_from_header) {
			const char **names = xcalloc(n ? n : 1, sizeof *names);
			int r;
			for (i = 0; i < n; i++)
				names[i] = f[i].p;
			s->ncols = n;
			rowbuf_fit(&s->rb, n ? n : 1);
			r = tl_table_begin(s->a->tab, n, names, NULL);
			free(names);
			s->begun = true;
			if (r < 0) {
				s->stop = true;
				return 1;
			}
		}
		return 0;
	}
	if (s->a->o.max_rows && s->q->rows >= s->a->o.max_rows) {
		s->stop = true;
		return 1;
	}
	for (i = 0; i < s->ncols; i++) {
		if (i < n && !f[i].null) {
			s->rb.vals[i] = f[i].p;
			s->rb.lens[i] = f[i].len;
		} else {
			s->rb.vals[i] = NULL;
			s->rb.lens[i] = 0;
		}
	}
	s->q->rows++;
	if (tl_table_row(s->a->tab, s->rb.vals, s->rb.lens) < 0) {
		s->stop = true;
		return 1;
	}
	return 0;
}

static int on_s3_data(const char *p, size_t n, void *ctx)
{
	struct s3ctx *s = ctx;
	int r;
	if (tl_sig_caught()) {
		s->stop = true;
		return -1;
	}
	r = tl_csv_feed(&s->csv, p, n);
	if (r < 0) {
		tl_err("result file: %s", s->csv.err);
		return -1;
	}
	if (r > 0 || tl_out_flush(&s->a->out) < 0) {
		s->stop = true;
		return -1;
	}
	return 0;
}

static int fetch_s3(struct app *a, struct query *q, const char *bucket, const char *key)
{
	struct s3ctx s;
	struct columns cols = { 0 };
	struct tl_aws_error err = { 0 };
	cJSON *resp = NULL;
	int r = 0;

	memset(&s, 0, sizeof s);
	s.a = a;
	s.q = q;
	s.skip_header = true; /* a SELECT's result CSV starts with the labels */
	if (a->format == TL_TABLE_CSV || a->format == TL_TABLE_TSV) {
		/* no types needed: the header record gives the names */
		s.names_from_header = true;
	} else {
		/* one small page for the column names and types */
		cJSON *b = id_body(q->id);
		tl_json_add_num(b, "MaxResults", 1);
		r = athena(a, "GetQueryResults", b, &resp, false);
		cJSON_Delete(b);
		if (r < 0)
			return tl_sig_caught() ? 1 : -1;
		columns_from(&cols, resp);
		s.ncols = cols.n;
		rowbuf_fit(&s.rb, cols.n ? cols.n : 1);
		if (tl_table_begin(a->tab, cols.n, cols.names, cols.types) < 0)
			r = 1;
		s.begun = true;
	}
	tl_csv_init(&s.csv, ',', 0, on_csv_row, &s);
	tl_debug("fetching s3://%s/%s", bucket, key);
	if (r == 0 && tl_s3_get_object(a->s3, bucket, key, -1, -1, on_s3_data, &s, &err) < 0) {
		if (s.stop) {
			r = 1;
		} else {
			char *txt = tl_aws_error_text(&err);
			tl_err("S3 GetObject s3://%s/%s: %s", bucket, key, txt);
			free(txt);
			r = -1;
		}
	}
	if (r == 0) {
		int fr = tl_csv_finish(&s.csv);
		if (fr < 0) {
			tl_err("result file: %s", s.csv.err);
			r = -1;
		}
	}
	if (s.csv.bad)
		tl_warn("result file: %llu malformed quote(s) read leniently",
			(unsigned long long)s.csv.bad);
	if (s.begun && tl_table_end(a->tab) < 0 && r == 0)
		r = 1;
	if (tl_out_flush(&a->out) < 0 || out_ok(a) < 0)
		r = 1;
	if (r == 1 && s.stop && !a->out.broken && !tl_sig_caught())
		r = 0; /* --max-rows reached */
	tl_csv_release(&s.csv);
	rowbuf_free(&s.rb);
	columns_free(&cols);
	cJSON_Delete(resp);
	tl_aws_error_free(&err);
	return r;
}

/* Decides how to fetch q's results and prints them. 0, -1, or 1 (signal / output gone). */
static int print_results(struct app *a, struct query *q)
{
	const char *loc = tl_json_get_str(q->exec, "ResultConfiguration.OutputLocation");
	struct tl_s3_url u = { 0 };
	char *why = NULL;
	int r;
	bool csv = loc && strlen(loc) > 4 && !strcmp(loc + strlen(loc) - 4, ".csv");

	if (a->o.fetch == FETCH_API || !loc || !has_header(q) || !csv) {
		if (a->o.fetch == FETCH_S3)
			tl_info("the result of this statement is not a CSV file: using GetQueryResults");
		return fetch_api(a, q);
	}
	if (tl_s3_url_parse(loc, &u, &why) < 0) {
		tl_warn("result location %s: %s; using GetQueryResults", loc, why);
		free(why);
		return fetch_api(a, q);
	}
	if (!a->s3)
		a->s3 = tl_s3_new(a->aws);
	if (a->o.fetch == FETCH_AUTO) {
		struct tl_s3_object obj = { 0 };
		struct tl_aws_error err = { 0 };
		bool big = false;
		if (tl_s3_head_object(a->s3, u.bucket, u.prefix, &obj, &err) == 0)
			big = obj.size >= S3_AUTO_MIN;
		else
			tl_debug("no HeadObject of %s (%s): using GetQueryResults", loc,
				 err.code ? err.code : "error");
		tl_s3_object_free(&obj);
		tl_aws_error_free(&err);
		if (!big) {
			tl_s3_url_free(&u);
			return fetch_api(a, q);
		}
	}
	r = fetch_s3(a, q, u.bucket, u.prefix);
	tl_s3_url_free(&u);
	return r;
}

/* --- main ------------------------------------------------------------------------------------- */

enum {
	O_CATALOG = 256, O_RESULT_REUSE, O_EXPLAIN, O_PARALLEL, O_QUERY_ID, O_FETCH, O_NO_HEADER,
	O_NULL, O_PROGRESS, O_NO_STATS, O_PRICE, O_POLL_MAX, O_LOCAL, O_LOCAL_CATALOG,
};

static const struct option longopts[] = {
	{ "database", required_argument, NULL, 'd' },
	{ "catalog", required_argument, NULL, O_CATALOG },
	{ "workgroup", required_argument, NULL, 'w' },
	{ "output-location", required_argument, NULL, 'o' },
	{ "param", required_argument, NULL, 'p' },
	{ "result-reuse", required_argument, NULL, O_RESULT_REUSE },
	{ "explain", no_argument, NULL, O_EXPLAIN },
	{ "parallel", no_argument, NULL, O_PARALLEL },
	{ "query-id", required_argument, NULL, O_QUERY_ID },
	{ "file", required_argument, NULL, 'f' },
	{ "format", required_argument, NULL, 'F' },
	{ "fetch", required_argument, NULL, O_FETCH },
	{ "max-rows", required_argument, NULL, 'n' },
	{ "no-header", no_argument, NULL, O_NO_HEADER },
	{ "null", required_argument, NULL, O_NULL },
	{ "progress", no_argument, NULL, O_PROGRESS },
	{ "no-stats", no_argument, NULL, O_NO_STATS },
	{ "price", required_argument, NULL, O_PRICE },
	{ "poll-max", required_argument, NULL, O_POLL_MAX },
	{ "local", required_argument, NULL, O_LOCAL },
	{ "local-catalog", required_argument, NULL, O_LOCAL_CATALOG },
	{ NULL, 0, NULL, 0 },
};

static const struct tl_cli_spec cli_spec = {
	.usage = usage,
	.verbose_help = "more detail on stderr (twice: HTTP traces)",
	.epilog = "Ctrl-C or SIGTERM stops the running query in Athena (exit 130 or 143). A failed query\n"
		  "exits 1; a usage error 2.\n",
	.shortopts = "d:w:o:p:f:F:n:",
	.longopts = longopts,
	.max_args = 1,
};

/* Reads the options into o (its defaults already set); returns TL_CLI_RUN or an exit status. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	struct tl_cli cli = { .spec = &cli_spec, .aws = &o->aws };
	int c;
	int64_t v;
	while ((c = tl_cli_next(&cli, argc, argv)) > 0) {
		switch (c) {
		case 'd': o->database = optarg; break;
		case O_CATALOG: o->catalog = optarg; break;
		case 'w': o->workgroup = optarg; break;
		case 'o':
			if (strncmp(optarg, "s3://", 5) != 0)
				return tl_cli_bad_value(&cli, "an s3:// URL");
			o->output = optarg;
			break;
		case 'p': {
			struct tl_sql_literal lit;
			char *why = NULL;
			if (tl_sql_literal_parse(optarg, &lit, &why) < 0) {
				/* a value is one literal on both engines: never SQL text */
				int r = strchr(optarg, '\'')
						? tl_cli_usage_error("--param %s: %s", optarg, why)
						: tl_cli_usage_error("--param %s: %s; for the text, "
								     "-p \"'%s'\"", optarg, why, optarg);
				free(why);
				return r;
			}
			tl_sql_literal_free(&lit);
			o->params = xrealloc(o->params, (o->nparams + 1) * sizeof *o->params);
			o->params[o->nparams++] = optarg;
			break;
		}
		case O_RESULT_REUSE:
			if (tl_parse_i64(optarg, 1, 10080, &v) < 0)
				return tl_cli_bad_value(&cli, "minutes from 1 to 10080");
			o->result_reuse = (long)v;
			break;
		case O_EXPLAIN: o->explain = true; break;
		case O_PARALLEL: o->parallel = true; break;
		case O_QUERY_ID: o->query_id = optarg; break;
		case 'f': o->file = optarg; break;
		case 'F':
			if (tl_table_format_parse(optarg, &o->format) < 0)
				return tl_cli_bad_value(&cli, "table, csv, tsv or ndjson");
			o->format_set = true;
			break;
		case O_FETCH:
			if (!strcmp(optarg, "api"))
				o->fetch = FETCH_API;
			else if (!strcmp(optarg, "s3"))
				o->fetch = FETCH_S3;
			else if (!strcmp(optarg, "auto"))
				o->fetch = FETCH_AUTO;
			else
				return tl_cli_bad_value(&cli, "api, s3 or auto");
			break;
		case 'n':
			if (tl_parse_i64(optarg, 1, INT64_MAX, &v) < 0)
				return tl_cli_bad_value(&cli, "a positive number");
			o->max_rows = (uint64_t)v;
			break;
		case O_NO_HEADER: o->no_header = true; break;
		case O_NULL: o->null_text = optarg; break;
		case O_PROGRESS: o->progress = true; break;
		case O_NO_STATS: o->no_stats = true; break;
		case O_PRICE:
			if (tl_parse_double(optarg, &o->price) < 0 || o->price < 0)
				return tl_cli_bad_value(&cli, "USD per TB");
			break;
		case O_POLL_MAX:
			if (tl_parse_i64(optarg, 1, 600000, &o->poll_max) < 0)
				return tl_cli_bad_value(&cli, "milliseconds from 1 to 600000");
			break;
		case O_LOCAL: o->local = optarg; break;
		case O_LOCAL_CATALOG: o->local_catalog = optarg; break;
		}
	}
	if (c == TL_CLI_EXIT)
		return cli.status;
	o->sql = optind < argc ? argv[optind] : NULL;
	if ((o->sql && (o->file || o->query_id)) || (o->file && o->query_id))
		return tl_cli_usage_error("give the SQL once: as an argument, -f FILE, or --query-id");
	if (o->local && (o->query_id || o->parallel || o->workgroup || o->output || o->catalog ||
			 o->result_reuse >= 0 || o->fetch != FETCH_AUTO))
		return tl_cli_usage_error("--local runs offline: --query-id, --parallel, --workgroup, "
					  "--output-location, --catalog, --result-reuse and --fetch are "
					  "for Athena");
	if (o->local_catalog && !o->local)
		return tl_cli_usage_error("--local-catalog goes with --local");
	if (o->query_id && (o->parallel || o->explain))
		return tl_cli_usage_error("--query-id does not go with --parallel or --explain");
	return TL_CLI_RUN;
}

/* Characters as Athena counts a string's length (UTF-16 units) in UTF-8 text. */
static size_t athena_length(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80 ? 1 + (*p >= 0xF0) : 0;
	return n;
}

/* Athena's limits on what StartQueryExecution takes, checked before anything starts so a
 * script runs whole or not at all. 0, or -1 (reported). */
static int check_athena_limits(const struct opts *o, char *const *stmts, size_t n)
{
	for (size_t i = 0; stmts && i < n; i++) {
		size_t len = athena_length(stmts[i]) + (o->explain ? strlen("EXPLAIN ") : 0);
		if (len > QUERY_MAX) {
			tl_err("statement %zu has %zu characters; Athena takes at most %d in one query "
			       "(QueryString): split it", i + 1, len, QUERY_MAX);
			return -1;
		}
	}
	for (size_t i = 0; i < o->nparams; i++) {
		if (athena_length(o->params[i]) > PARAM_MAX) {
			tl_err("--param %zu is longer than the %d characters Athena takes", i + 1,
			       PARAM_MAX);
			return -1;
		}
	}
	return 0;
}

/* Runs (or, with --query-id, looks up) and prints each query; returns the exit status. */
static int run(struct app *a, struct query *qs, size_t n)
{
	size_t i, started = 0;
	int status = TL_EXIT_OK, r;

	if (a->o.query_id) {
		qs[0].id = xstrdup(a->o.query_id);
		qs[0].t0 = tl_mono_ms();
		started = 1;
	} else if (a->o.parallel) {
		for (i = 0; i < n && !tl_sig_caught(); i++) {
			if (start_query(a, &qs[i]) < 0) {
				status = TL_EXIT_FAIL;
				break;
			}
			started++;
		}
		if (tl_sig_caught())
			goto signalled;
	}
	for (i = 0; i < n; i++) {
		struct query *q = &qs[i];
		if (!a->o.parallel && !a->o.query_id) {
			if (start_query(a, q) < 0) {
				if (tl_sig_caught())
					goto signalled;
				return TL_EXIT_FAIL;
			}
			started = i + 1;
		}
		if (!q->id)
			break; /* --parallel: a start failed */
		if (tl_sig_caught())
			goto signalled;
		r = wait_query(a, q);
		if (r == 1)
			goto signalled;
		if (r < 0) {
			status = TL_EXIT_FAIL;
			if (!a->o.parallel)
				return status;
			continue;
		}
		if (a->o.query_id && !q->sql) {
			const char *sql = tl_json_get_str(q->exec, "Query");
			q->sql = xstrdup(sql ? sql : "");
		}
		if (strcmp(q->state, "SUCCEEDED") != 0) {
			report_failure(q);
			report_stats(a, q, false);
			status = TL_EXIT_FAIL;
			if (!a->o.parallel)
				return status;
			continue;
		}
		r = print_results(a, q);
		if (r == 1 && a->out_broken)
			return 128 + 13; /* the reader left, as if killed by SIGPIPE */
		if (r == 1)
			goto signalled;
		report_stats(a, q, r == 0);
		if (r < 0) {
			status = TL_EXIT_FAIL;
			if (!a->o.parallel)
				return status;
		}
	}
	return status;

signalled:
	if (!a->o.query_id)
		stop_queries(a, qs, started);
	return tl_sig_exit_status();
}

/* --- --local: Athena's SQL over a local lake ------------------------------------------------------ */

struct local_sink {
	struct app *a;
	uint64_t rows;
	bool begun, stopped_at_max;
};

static int local_columns(void *ctx, size_t n, const char *const *names, const char *const *types)
{
	struct local_sink *ls = ctx;
	ls->begun = true;
	if (tl_table_begin(ls->a->tab, n, names, types) < 0) {
		ls->a->out_broken = true;
		return 1;
	}
	return 0;
}

static int local_row(void *ctx, size_t n, const char *const *vals)
{
	(void)n;
	struct local_sink *ls = ctx;
	if (ls->a->o.max_rows && ls->rows >= ls->a->o.max_rows) {
		ls->stopped_at_max = true;
		return 1;
	}
	ls->rows++;
	if (tl_table_row(ls->a->tab, vals, NULL) < 0) {
		ls->a->out_broken = true;
		return 1;
	}
	return 0;
}

/* Runs each statement on the local engine; returns the exit status. */
static int run_local(struct app *a, struct query *qs, size_t n)
{
	char *err = NULL;
	struct tl_localsql *db = tl_localsql_open(a->o.local, a->o.local_catalog, a->o.database, &err);
	if (!db) {
		tl_err("%s", err);
		free(err);
		return TL_EXIT_USAGE;
	}
	int status = TL_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		struct local_sink ls = { a, 0, false, false };
		struct tl_sql_sink sink = { local_columns, local_row, &ls };
		char *sql = a->o.explain ? xasprintf("EXPLAIN %s", qs[i].sql) : xstrdup(qs[i].sql);
		const struct tl_localsql_stats before = *tl_localsql_stats(db);
		int64_t t0 = tl_mono_ms();
		int r = tl_localsql_exec(db, sql, a->o.params, a->o.nparams, &sink, &err);
		free(sql);
		if (ls.begun && tl_table_end(a->tab) < 0)
			a->out_broken = true;
		if (tl_out_flush(&a->out) < 0)
			a->out_broken = true;
		if (a->out_broken) {
			status = 128 + 13; /* the reader left, as if killed by SIGPIPE */
			break;
		}
		if (r == 2) {
			status = tl_sig_exit_status();
			break;
		}
		if (r < 0) {
			tl_err("statement %zu: %s", i + 1, err);
			free(err);
			err = NULL;
			status = TL_EXIT_FAIL;
			break;
		}
		const struct tl_localsql_stats *st = tl_localsql_stats(db);
		if (st->bad_files > before.bad_files) {
			/* The rows printed are an answer over part of the data: say so in the status. */
			tl_err("statement %zu: %llu objects could not be read in full; the result is "
			       "incomplete", i + 1, (unsigned long long)(st->bad_files - before.bad_files));
			status = TL_EXIT_FAIL;
		}
		if (!a->o.no_stats) {
			char rb[32];
			fmt_bytes((double)(st->bytes_read - before.bytes_read), rb, sizeof rb);
			tl_info("local: %llu rows%s; %llu records from %llu objects (%s of JSON), %llu "
				"pruned, %llu bad records, %.2f s",
				(unsigned long long)ls.rows, ls.stopped_at_max ? " (--max-rows)" : "",
				(unsigned long long)(st->records - before.records),
				(unsigned long long)(st->files_read - before.files_read), rb,
				(unsigned long long)(st->files_pruned - before.files_pruned),
				(unsigned long long)(st->bad_records - before.bad_records),
				(double)(tl_mono_ms() - t0) / 1000.0);
		}
	}
	tl_localsql_close(db);
	return status;
}

/* The statements to run, from the operand, -f FILE or stdin (one empty slot for --query-id);
 * returns TL_CLI_RUN or an exit status. */
static int load_queries(const struct opts *o, struct query **qs, size_t *n)
{
	char **stmts = NULL, *sql;
	size_t len = 0;
	if (o->query_id) {
		*qs = xcalloc(1, sizeof **qs);
		*n = 1;
		return TL_CLI_RUN;
	}
	if (o->sql) {
		sql = xstrdup(o->sql);
		len = strlen(sql);
	} else {
		const char *name = o->file ? o->file : "stdin";
		if (!o->file && isatty(STDIN_FILENO))
			tl_info("reading SQL from the terminal; end it with Ctrl-D");
		sql = tl_read_file(o->file ? o->file : "-", SQL_MAX, &len);
		if (!sql) {
			tl_err("%s: %s", name, errno == E2BIG ? "more than 64 MiB of SQL" : strerror(errno));
			return TL_EXIT_USAGE;
		}
		const char *nul = memchr(sql, '\0', len);
		if (nul) {
			tl_err("%s: a NUL byte at offset %zu: SQL is text", name, (size_t)(nul - sql));
			free(sql);
			return TL_EXIT_USAGE;
		}
	}
	*n = tl_sql_split(sql, len, &stmts);
	free(sql);
	if (*n == 0)
		return tl_cli_usage_error("no SQL statement given");
	if (!o->local && check_athena_limits(o, stmts, *n) < 0) {
		tl_sql_free(stmts, *n);
		return TL_EXIT_USAGE;
	}
	*qs = xcalloc(*n, sizeof **qs);
	for (size_t i = 0; i < *n; i++)
		(*qs)[i].sql = stmts[i];
	free(stmts);
	return TL_CLI_RUN;
}

/* Connects the output (and AWS unless --local), runs the statements, closes the output. */
static int athena_query(struct app *a, struct query *qs, size_t n)
{
	char *err = NULL;
	int status;
	if (!a->o.local && !(a->aws = tl_aws_new(&a->o.aws, &err))) {
		tl_err("%s", err ? err : "AWS configuration error");
		free(err);
		return TL_EXIT_USAGE;
	}
	tl_out_init(&a->out, STDOUT_FILENO);
	a->out.line_flush = false; /* flushed once per page instead */
	a->format = a->o.format_set ? a->o.format
				    : isatty(STDOUT_FILENO) ? TL_TABLE_TABLE : TL_TABLE_CSV;
	struct tl_table_opts to = { .format = a->format, .no_header = a->o.no_header,
				    .null_text = a->o.null_text };
	a->tab = tl_table_new(&a->out, &to);

	status = a->o.local ? run_local(a, qs, n) : run(a, qs, n);

	tl_table_free(a->tab);
	if (tl_out_close(&a->out) < 0 && status == TL_EXIT_OK && a->out.err != EPIPE) {
		tl_err("error writing output: %s", strerror(a->out.err));
		status = TL_EXIT_FAIL;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct app a = { .o = { .result_reuse = -1, .price = 5.0, .poll_max = 2000,
				.fetch = FETCH_AUTO } };
	struct query *qs = NULL;
	size_t n = 0;

	tl_cli_init(argv[0]);
	int status = parse_opts(argc, argv, &a.o);
	if (status == TL_CLI_RUN)
		status = load_queries(&a.o, &qs, &n);
	if (status == TL_CLI_RUN)
		status = athena_query(&a, qs, n);

	for (size_t i = 0; qs && i < n; i++) {
		free(qs[i].sql);
		free(qs[i].id);
		cJSON_Delete(qs[i].exec);
	}
	free(qs);
	if (a.s3)
		tl_s3_free(a.s3);
	tl_aws_free(a.aws);
	free(a.o.params);
	tl_log_cleanup();
	return status;
}
