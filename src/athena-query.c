/* athena-query: SQL through Amazon Athena from a terminal or a script. */
#include "tl_alloc.h"
#include "tl_aws.h"
#include "tl_buf.h"
#include "tl_catalog.h"
#include "tl_chart.h"
#include "tl_cli.h"
#include "tl_csv.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_localsql.h"
#include "tl_pages.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_prompt.h"
#include "tl_s3.h"
#include "tl_schema.h"
#include "tl_sig.h"
#include "tl_sql.h"
#include "tl_str.h"
#include "tl_table.h"
#include "tl_term.h"
#include "tl_time.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: athena-query [-d database] [-w workgroup] [-o s3://bucket/prefix/] [-F format]\n"
	"                    [-n rows] [-p value]... [--catalog name] [--chart kind [--svg file]]\n"
	"                    [--explain] [--fetch how] [--no-header] [--no-stats] [--no-wait]\n"
	"                    [--null text] [--parallel] [--poll-max ms] [--price usd] [--progress]\n"
	"                    [--result-reuse minutes]\n"
	"                    [--result-encryption SSE_S3|SSE_KMS|CSE_KMS] [--result-kms-key key]\n"
	"                    [--expected-bucket-owner account] [--endpoint-url url] [--no-verify-ssl]\n"
	"                    [--profile name] [--region name] [-qv] [sql | -f file | --query-id id]\n"
	"       athena-query --history [n] [-w workgroup] [-F format] [--no-header] [--null text]\n"
	"                    [--endpoint-url url] [--no-verify-ssl] [--profile name] [--region name]\n"
	"       athena-query --local lake [--local-catalog dir] [-d database] [-F format] [-n rows]\n"
	"                    [-p value]... [--chart kind [--svg file]] [--explain] [--no-header]\n"
	"                    [--no-stats] [--null text] [-qv] [sql | -f file]\n"
	"\n"
	"Runs SQL in Amazon Athena and prints the results on stdout. Statements separated by ';'\n"
	"run in order; the SQL comes from the argument, from -f FILE (- for stdin), or from stdin.\n"
	"With no SQL and a terminal on stdin, opens a prompt (\\? there lists its commands).\n"
	"With --local, runs it offline on SQLite over a local lake and the catalog glue-crawl\n"
	"--catalog wrote (SQLite's SQL plus Athena's common functions; see the man page).\n"
	"\n"
	"  -d, --database NAME        database the SQL runs in\n"
	"      --catalog NAME         data catalog (Athena's default: AwsDataCatalog)\n"
	"  -w, --workgroup NAME       workgroup (Athena's default: primary)\n"
	"  -o, --output-location URL  where Athena writes results (s3://bucket/prefix/)\n"
	"      --result-encryption HOW\n"
	"                             encrypt the results: SSE_S3, SSE_KMS or CSE_KMS (client-side;\n"
	"                             results are then read through GetQueryResults)\n"
	"      --result-kms-key KEY   the KMS key (ARN or id) for SSE_KMS and CSE_KMS\n"
	"      --expected-bucket-owner ACCOUNT\n"
	"                             the account that must own the results' bucket (Athena and\n"
	"                             our reads of the result file check it)\n"
	"  -p, --param VALUE          one SQL literal for the next '?' of each statement:\n"
	"                             'text', 42, 1.5, TRUE, NULL, DATE '2026-11-25' (repeatable)\n"
	"      --result-reuse MINUTES reuse the result of an identical query up to MINUTES old\n"
	"      --explain              run EXPLAIN of each statement instead\n"
	"      --parallel             start every statement at once; results print in order\n"
	"      --no-wait              start the statements, print their query ids and exit\n"
	"      --query-id ID          show the status and results of an earlier query\n"
	"      --history[=N]          list the workgroup's last N queries (default 20)\n"
	"  -f, --file FILE            read the SQL from FILE\n"
	"  -F, --format FORMAT        table, csv, tsv or ndjson (default: table on a terminal,\n"
	"                             else csv)\n"
	"      --chart KIND           draw the result as a bar or line chart instead of its rows\n"
	"      --svg FILE             with --chart: write the chart to FILE as SVG, and print the\n"
	"                             rows as usual\n"
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
#define KEEP_ROWS 100000               /* rows of a result kept for a chart */
#define KEEP_BYTES ((size_t)64 << 20)  /* and their bytes */
#define HISTORY_MAX 10000              /* --history N: at most this many */
#define SNIPPET_CHARS 100              /* --history: the start of each query's SQL */

struct opts {
	const char *database, *catalog, *workgroup, *output, *file, *query_id, *null_text;
	const char *encryption, *kms_key, *expected_owner; /* ResultConfiguration */
	const char *sql;    /* the SQL operand, or NULL */
	const char *local, *local_catalog; /* --local: the lake folder and its catalog */
	const char **params;
	size_t nparams;
	long result_reuse;  /* minutes, -1 off */
	bool explain, parallel, no_header, progress, no_stats, no_wait;
	enum tl_table_format format;
	bool format_set;
	enum tl_chart_kind chart;
	bool chart_set;
	const char *svg;    /* --svg FILE */
	int64_t history;    /* --history N, 0 off */
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

/* A result kept in memory (for a chart): at most KEEP_ROWS rows and KEEP_BYTES of text. */
struct rset {
	size_t ncols;
	char **names, **types;  /* types[i] NULL when not known */
	char **cells;           /* nrows * ncols; NULL for SQL NULL */
	size_t nrows, cap, bytes;
	bool truncated;
};

/* What --local and the prompt know about the catalog: tables per database, for \d and Tab. */
struct names {
	bool loaded;
	size_t ndbs;
	char **dbs;
	cJSON **tables;         /* per database: an array of Glue Table objects */
};

struct app {
	struct opts o;
	struct tl_aws *aws;
	struct tl_s3 *s3;
	struct tl_out out;
	struct tl_table *tab;
	enum tl_table_format format; /* in effect */
	bool out_broken;
	bool failed;            /* a chart could not be drawn, a local result is incomplete */
	/* results: printed as rows (rows_out), kept for a chart (keep) */
	bool rows_out, keep;
	struct rset kept;
	/* the prompt */
	bool interactive;
	int spool;              /* output held here, then shown (paged), or -1 */
	struct tl_localsql *db; /* --local: the engine, open for the session */
	struct tl_catalog *cat;
	struct names names;
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
 * rounds: 100 ms doubling to --poll-max (at most 6.4 s), each between half and all of that. A
 * stop signal ends the waiting unless keep_on_signal. Returns 0, or -1 with the reason in *why
 * (caller frees) when why is given, else reported. */
static int athena_call(struct app *a, const char *op, cJSON *body, cJSON **out,
		       bool keep_on_signal, char **why)
{
	const struct tl_retry_policy policy = {
		.max_attempts = 9, .base_ms = 100, .max_ms = a->o.poll_max < 6400 ? a->o.poll_max : 6400,
		.growth = 2, .jitter = 0.5, .through_signals = keep_on_signal,
	};
	struct tl_retry retry;
	char target[96];
	snprintf(target, sizeof target, "AmazonAthena.%s", op);
	tl_retry_start(&retry, &policy, NULL);
	for (;;) {
		struct tl_aws_error err = { 0 };
		long delay;
		if (tl_aws_json_call(a->aws, "athena", target, body, out, &err) == 0) {
			tl_aws_error_free(&err);
			return 0;
		}
		if (!is_throttle(&err) || (tl_sig_caught() && !keep_on_signal) ||
		    (delay = tl_retry_next(&retry, false)) < 0) {
			char *txt = tl_aws_error_text(&err);
			if (why)
				*why = xasprintf("Athena %s: %s", op, txt);
			else
				tl_err("Athena %s: %s", op, txt);
			free(txt);
			tl_aws_error_free(&err);
			return -1;
		}
		tl_debug("Athena %s: %s, retrying in %ld ms", op, err.code ? err.code : "error", delay);
		tl_aws_error_free(&err);
		if (!tl_retry_wait(&retry, delay)) {
			if (why)
				*why = xasprintf("Athena %s: interrupted", op);
			else
				tl_err("Athena %s: interrupted", op);
			return -1;
		}
	}
}

static int athena(struct app *a, const char *op, cJSON *body, cJSON **out, bool keep_on_signal)
{
	return athena_call(a, op, body, out, keep_on_signal, NULL);
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
	if (a->o.output || a->o.encryption || a->o.expected_owner) {
		cJSON *rc = tl_json_obj();
		if (a->o.output)
			tl_json_add_str(rc, "OutputLocation", a->o.output);
		if (a->o.encryption) {
			cJSON *ec = tl_json_obj();
			tl_json_add_str(ec, "EncryptionOption", a->o.encryption);
			if (a->o.kms_key)
				tl_json_add_str(ec, "KmsKey", a->o.kms_key);
			tl_json_add(rc, "EncryptionConfiguration", ec);
		}
		if (a->o.expected_owner)
			tl_json_add_str(rc, "ExpectedBucketOwner", a->o.expected_owner);
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

/* --- kept results and charts ------------------------------------------------------------------ */

static void rset_clear(struct rset *r)
{
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	for (size_t i = 0; i < r->ncols; i++) {
		free(r->names[i]);
		free(r->types[i]);
	}
	free(r->cells);
	free(r->names);
	free(r->types);
	memset(r, 0, sizeof *r);
}

static void rset_begin(struct rset *r, size_t n, const char *const *names,
		       const char *const *types)
{
	rset_clear(r);
	r->ncols = n;
	r->names = xcalloc(n ? n : 1, sizeof *r->names);
	r->types = xcalloc(n ? n : 1, sizeof *r->types);
	for (size_t i = 0; i < n; i++) {
		r->names[i] = xstrdup(names[i] ? names[i] : "");
		r->types[i] = types && types[i] ? xstrdup(types[i]) : NULL;
	}
}

static void rset_row(struct rset *r, const char *const *vals, const size_t *lens)
{
	size_t bytes = 0;
	for (size_t i = 0; i < r->ncols; i++)
		bytes += vals[i] ? (lens ? lens[i] : strlen(vals[i])) + 1 : 0;
	if (r->nrows >= KEEP_ROWS || r->bytes + bytes > KEEP_BYTES) {
		r->truncated = true;
		return;
	}
	if (r->nrows == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->cells = xrealloc(r->cells, r->cap * (r->ncols ? r->ncols : 1) * sizeof *r->cells);
	}
	for (size_t i = 0; i < r->ncols; i++)
		r->cells[r->nrows * r->ncols + i] =
			vals[i] ? xstrndup(vals[i], lens ? lens[i] : strlen(vals[i])) : NULL;
	r->nrows++;
	r->bytes += bytes;
}

/* Is column c of r a series of numbers? By its SQL type when known, else by its values. */
static bool numeric_column(const struct rset *r, size_t c)
{
	if (r->types[c]) {
		enum tl_col_kind k = tl_col_kind_of(r->types[c]);
		return k == TL_COL_INT || k == TL_COL_FLOAT || k == TL_COL_DECIMAL;
	}
	bool any = false;
	for (size_t i = 0; i < r->nrows; i++) {
		const char *v = r->cells[i * r->ncols + c];
		double d;
		if (!v)
			continue;
		if (tl_parse_double(v, &d) < 0)
			return false;
		any = true;
	}
	return any;
}

/* The chart of r: the first column gives the labels (or x), the numeric columns after it are
 * the series; a lone numeric column is drawn against the row number. NULL with *why. */
static struct tl_chart *chart_of(const struct rset *r, enum tl_chart_kind kind, char **why)
{
	size_t *cols = xcalloc(r->ncols ? r->ncols : 1, sizeof *cols), ns = 0;
	bool rownum = r->ncols == 1;
	for (size_t c = rownum ? 0 : 1; c < r->ncols; c++)
		if (numeric_column(r, c))
			cols[ns++] = c;
	if (!ns) {
		*why = xstrdup(r->ncols ? "no numeric column to draw: put the labels (or x) first, "
					  "then one or more numeric columns"
					: "the statement gave no columns");
		free(cols);
		return NULL;
	}
	const char **names = xcalloc(ns, sizeof *names);
	for (size_t k = 0; k < ns; k++)
		names[k] = r->names[cols[k]];
	struct tl_chart *ch = tl_chart_new(kind, rownum ? "row" : r->names[0], ns, (const char *const *)names);
	double *v = xcalloc(ns, sizeof *v);
	bool *has = xcalloc(ns, sizeof *has);
	for (size_t i = 0; i < r->nrows; i++) {
		char num[32];
		for (size_t k = 0; k < ns; k++) {
			const char *cell = r->cells[i * r->ncols + cols[k]];
			has[k] = cell && tl_parse_double(cell, &v[k]) == 0;
		}
		snprintf(num, sizeof num, "%zu", i + 1);
		tl_chart_add(ch, rownum ? num : r->cells[i * r->ncols], v, has);
	}
	free(v);
	free(has);
	free(names);
	free(cols);
	return ch;
}

/* Writes text to out a line at a time. -1 once out is broken. */
static int out_text(struct tl_out *out, const char *text, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		if (tl_out_record(out, text, n) < 0)
			return -1;
		n += nl ? 1 : 0;
		text += n;
		len -= n;
	}
	return tl_out_flush(out);
}

/* Draws the kept result as a chart: on the output (text), or into the file svg. 0, -1 (the
 * chart cannot be drawn or the file written; reported), or 1 (the output is broken). */
static int draw_chart(struct app *a, enum tl_chart_kind kind, const char *svg)
{
	char *why = NULL;
	struct tl_chart *ch = chart_of(&a->kept, kind, &why);
	int r = 0;
	if (!ch) {
		tl_err("chart: %s", why);
		free(why);
		return -1;
	}
	if (a->kept.truncated)
		tl_warn("chart: only the first %zu rows are drawn", a->kept.nrows);
	struct tl_buf b;
	tl_buf_init(&b, (size_t)512 << 20);
	if (svg) {
		if (tl_chart_svg(ch, 0, 0, &b) < 0 || tl_write_file_atomic(svg, b.data, b.len, false) < 0) {
			tl_err("%s: %s", svg, strerror(errno));
			r = -1;
		} else {
			tl_info("chart written to %s", svg);
		}
	} else {
		int rows, cols;
		bool tty = tl_term_size(STDOUT_FILENO, &rows, &cols);
		struct tl_chart_style st = { .width = cols,
					     .height = tty ? (rows - 10 < 8 ? 8 : rows - 10 > 30 ? 30 : rows - 10) : 0,
					     .color = tl_term_color(STDOUT_FILENO) };
		if (tl_chart_text(ch, &st, &b) < 0) {
			tl_err("chart: %s", strerror(errno));
			r = -1;
		} else if (out_text(&a->out, b.data, b.len) < 0) {
			a->out_broken = true;
			r = 1;
		}
	}
	tl_buf_release(&b);
	tl_chart_free(ch);
	return r;
}

/* Every result goes through these three: its rows are printed (rows_out), kept (keep), and
 * with --chart drawn once complete. Each returns 0, or -1 when the output is broken. */
static int res_begin(struct app *a, size_t n, const char *const *names, const char *const *types)
{
	if (a->keep)
		rset_begin(&a->kept, n, names, types);
	return a->rows_out ? tl_table_begin(a->tab, n, names, types) : 0;
}

static int res_row(struct app *a, const char *const *vals, const size_t *lens)
{
	if (a->keep)
		rset_row(&a->kept, vals, lens);
	return a->rows_out ? tl_table_row(a->tab, vals, lens) : 0;
}

static int res_end(struct app *a)
{
	if (a->rows_out && tl_table_end(a->tab) < 0)
		return -1;
	if (a->o.chart_set) {
		int r = draw_chart(a, a->o.chart, a->o.svg);
		if (r == 1)
			return -1;
		if (r < 0)
			a->failed = true;
	}
	return 0;
}

/* The output of statements: stdout; at the prompt, when stdout is a terminal, a spool shown
 * after each result, through the pager when it is taller than the terminal. */
static void out_open(struct app *a)
{
	int fd = STDOUT_FILENO;
	if (a->interactive && isatty(STDOUT_FILENO)) {
		if (a->spool < 0 && (a->spool = tl_term_spool()) < 0)
			tl_warn("no spool for the pager (%s): results go straight to the terminal",
				strerror(errno));
		if (a->spool >= 0)
			fd = a->spool;
	}
	tl_out_init(&a->out, fd);
	a->out.line_flush = false; /* flushed once per page instead */
	struct tl_table_opts to = { .format = a->format, .no_header = a->o.no_header,
				    .null_text = a->o.null_text };
	a->tab = tl_table_new(&a->out, &to);
}

/* Shows what the spool holds (the prompt's results so far). */
static void out_show(struct app *a)
{
	if (tl_out_flush(&a->out) < 0) {
		a->out_broken = true;
		return;
	}
	if (a->spool >= 0 && a->out.fd == a->spool &&
	    tl_term_page(a->spool, STDOUT_FILENO, NULL) < 0)
		tl_warn("showing the result: %s", strerror(errno));
}

/* Ends the output (discard: drops what the spool holds unseen, for a cancelled statement).
 * Returns -1 when something written to stdout was lost (reported unless its reader left). */
static int out_close(struct app *a, bool discard)
{
	tl_table_free(a->tab);
	a->tab = NULL;
	int r = tl_out_close(&a->out);
	if (r < 0 && a->out.err != EPIPE)
		tl_err("error writing output: %s", strerror(a->out.err));
	if (a->spool >= 0 && a->out.fd == a->spool) {
		if (discard) {
			if (ftruncate(a->spool, 0) < 0 || lseek(a->spool, 0, SEEK_SET) < 0)
				tl_warn("spool: %s", strerror(errno));
		} else if (tl_term_page(a->spool, STDOUT_FILENO, NULL) < 0) {
			tl_warn("showing the result: %s", strerror(errno));
		}
	}
	return r;
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
			if (cols.n && res_begin(a, cols.n, cols.names, cols.types) < 0)
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
			if (res_row(a, rb.vals, rb.lens) < 0)
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
	if (cols.n && res_end(a) < 0 && r == 0)
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
			r = res_begin(s->a, n, names, NULL);
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
	if (res_row(s->a, s->rb.vals, s->rb.lens) < 0) {
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
		if (res_begin(a, cols.n, cols.names, cols.types) < 0)
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
	if (s.begun && res_end(a) < 0 && r == 0)
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
	/* Client-side encrypted results are ciphertext in S3: only Athena reads them for us. */
	const char *enc = tl_json_get_str(q->exec,
					  "ResultConfiguration.EncryptionConfiguration.EncryptionOption");
	bool cse = enc && !strcmp(enc, "CSE_KMS");

	if (cse && a->o.fetch == FETCH_S3)
		tl_info("the result of this statement is encrypted client-side (CSE_KMS): using "
			"GetQueryResults");
	if (a->o.fetch == FETCH_API || !loc || !has_header(q) || !csv || cse) {
		if (a->o.fetch == FETCH_S3 && !cse)
			tl_info("the result of this statement is not a CSV file: using GetQueryResults");
		return fetch_api(a, q);
	}
	if (tl_s3_url_parse(loc, &u, &why) < 0) {
		tl_warn("result location %s: %s; using GetQueryResults", loc, why);
		free(why);
		return fetch_api(a, q);
	}
	if (!a->s3) {
		a->s3 = tl_s3_new(a->aws);
		tl_s3_set_expected_owner(a->s3, a->o.expected_owner);
	}
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
	O_NULL, O_PROGRESS, O_NO_STATS, O_PRICE, O_POLL_MAX, O_LOCAL, O_LOCAL_CATALOG, O_CHART,
	O_SVG, O_HISTORY, O_NO_WAIT, O_RESULT_ENCRYPTION, O_RESULT_KMS_KEY, O_EXPECTED_OWNER,
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
	{ "chart", required_argument, NULL, O_CHART },
	{ "svg", required_argument, NULL, O_SVG },
	{ "history", optional_argument, NULL, O_HISTORY },
	{ "no-wait", no_argument, NULL, O_NO_WAIT },
	{ "result-encryption", required_argument, NULL, O_RESULT_ENCRYPTION },
	{ "result-kms-key", required_argument, NULL, O_RESULT_KMS_KEY },
	{ "expected-bucket-owner", required_argument, NULL, O_EXPECTED_OWNER },
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
		case O_CHART:
			if (tl_chart_kind_parse(optarg, &o->chart) < 0)
				return tl_cli_bad_value(&cli, "bar or line");
			o->chart_set = true;
			break;
		case O_SVG: o->svg = optarg; break;
		case O_HISTORY:
			o->history = 20;
			if (optarg && tl_parse_i64(optarg, 1, HISTORY_MAX, &o->history) < 0)
				return tl_cli_bad_value(&cli, "a number of queries from 1 to 10000");
			break;
		case O_NO_WAIT: o->no_wait = true; break;
		case O_RESULT_ENCRYPTION:
			if (strcmp(optarg, "SSE_S3") && strcmp(optarg, "SSE_KMS") &&
			    strcmp(optarg, "CSE_KMS"))
				return tl_cli_bad_value(&cli, "SSE_S3, SSE_KMS or CSE_KMS");
			o->encryption = optarg;
			break;
		case O_RESULT_KMS_KEY: o->kms_key = optarg; break;
		case O_EXPECTED_OWNER:
			if (!tl_s3_account_ok(optarg))
				return tl_cli_bad_value(&cli, "a 12-digit account id");
			o->expected_owner = optarg;
			break;
		}
	}
	if (c == TL_CLI_EXIT)
		return cli.status;
	o->sql = optind < argc ? argv[optind] : NULL;
	if (o->history) {
		/* "--history 50" as well as "--history=50" */
		if (o->sql && tl_parse_i64(o->sql, 1, HISTORY_MAX, &o->history) < 0)
			return tl_cli_usage_error("--history takes a number of queries (1 to 10000), "
						  "not SQL: '%s'", o->sql);
		if (o->file || o->query_id || o->local || o->no_wait || o->parallel || o->explain ||
		    o->chart_set)
			return tl_cli_usage_error("--history lists queries: it takes no SQL, --local, "
						  "--no-wait, --parallel, --explain or --chart");
		o->sql = NULL;
		return TL_CLI_RUN;
	}
	if (o->svg && !o->chart_set)
		return tl_cli_usage_error("--svg goes with --chart bar or --chart line");
	if (o->no_wait && (o->query_id || o->local || o->chart_set))
		return tl_cli_usage_error("--no-wait leaves the queries running in Athena: it does "
					  "not go with --query-id, --local or --chart");
	if ((o->sql && (o->file || o->query_id)) || (o->file && o->query_id))
		return tl_cli_usage_error("give the SQL once: as an argument, -f FILE, or --query-id");
	if (o->local && (o->query_id || o->parallel || o->workgroup || o->output || o->catalog ||
			 o->result_reuse >= 0 || o->fetch != FETCH_AUTO))
		return tl_cli_usage_error("--local runs offline: --query-id, --parallel, --workgroup, "
					  "--output-location, --catalog, --result-reuse and --fetch are "
					  "for Athena");
	if (o->kms_key && (!o->encryption || !strcmp(o->encryption, "SSE_S3")))
		return tl_cli_usage_error("--result-kms-key goes with --result-encryption SSE_KMS or "
					  "CSE_KMS");
	if (o->encryption && strcmp(o->encryption, "SSE_S3") && !o->kms_key)
		return tl_cli_usage_error("--result-encryption %s needs --result-kms-key", o->encryption);
	if (o->local && (o->encryption || o->expected_owner))
		return tl_cli_usage_error("--local runs offline: --result-encryption and "
					  "--expected-bucket-owner are for Athena");
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

	if (a->o.no_wait) {
		/* started and left running: their ids are how to come back (--query-id) */
		for (i = 0; i < n; i++) {
			if (tl_sig_caught())
				return tl_sig_exit_status();
			if (start_query(a, &qs[i]) < 0)
				return tl_sig_caught() ? tl_sig_exit_status() : TL_EXIT_FAIL;
			if (tl_out_record(&a->out, qs[i].id, strlen(qs[i].id)) < 0 ||
			    tl_out_flush(&a->out) < 0)
				return 128 + 13;
		}
		return status;
	}
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
		if (a->interactive)
			out_show(a);
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

/* --- --local: SQLite over a local lake ---------------------------------------------------------- */

struct local_sink {
	struct app *a;
	uint64_t rows;
	bool begun, stopped_at_max;
};

static int local_columns(void *ctx, size_t n, const char *const *names, const char *const *types)
{
	struct local_sink *ls = ctx;
	ls->begun = true;
	if (res_begin(ls->a, n, names, types) < 0) {
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
	if (res_row(ls->a, vals, NULL) < 0) {
		ls->a->out_broken = true;
		return 1;
	}
	return 0;
}

/* Runs statement i (counted from 1 in messages) on the open engine a->db; returns the exit
 * status it gives. */
static int local_exec(struct app *a, const char *stmt, size_t i)
{
	char *err = NULL;
	struct local_sink ls = { a, 0, false, false };
	struct tl_sql_sink sink = { local_columns, local_row, &ls };
	char *sql = a->o.explain ? xasprintf("EXPLAIN QUERY PLAN %s", stmt) : xstrdup(stmt);
	const struct tl_localsql_stats before = *tl_localsql_stats(a->db);
	int64_t t0 = tl_mono_ms();
	int r = tl_localsql_exec(a->db, sql, a->o.params, a->o.nparams, &sink, &err);
	free(sql);
	if (ls.begun && res_end(a) < 0)
		a->out_broken = true;
	if (tl_out_flush(&a->out) < 0)
		a->out_broken = true;
	if (a->out_broken)
		return 128 + 13; /* the reader left, as if killed by SIGPIPE */
	if (r == 2)
		return tl_sig_exit_status();
	if (r < 0) {
		tl_err("statement %zu: %s", i, err);
		free(err);
		return TL_EXIT_FAIL;
	}
	const struct tl_localsql_stats *st = tl_localsql_stats(a->db);
	if (st->bad_files > before.bad_files) {
		/* The rows printed are an answer over part of the data: say so in the status. */
		tl_err("statement %zu: %llu objects could not be read in full; the result is "
		       "incomplete", i, (unsigned long long)(st->bad_files - before.bad_files));
		a->failed = true;
	}
	double secs = (double)(tl_mono_ms() - t0) / 1000.0;
	if (a->interactive)
		out_show(a);
	if (!a->o.no_stats) {
		char rb[32];
		fmt_bytes((double)(st->bytes_read - before.bytes_read), rb, sizeof rb);
		tl_info("local: %llu rows%s; %llu records from %llu objects (%s of JSON), %llu "
			"pruned, %llu bad records, %.2f s",
			(unsigned long long)ls.rows, ls.stopped_at_max ? " (--max-rows)" : "",
			(unsigned long long)(st->records - before.records),
			(unsigned long long)(st->files_read - before.files_read), rb,
			(unsigned long long)(st->files_pruned - before.files_pruned),
			(unsigned long long)(st->bad_records - before.bad_records), secs);
	}
	return TL_EXIT_OK;
}

/* Opens the local engine into a->db. 0, or an exit status (reported). */
static int local_open(struct app *a)
{
	char *err = NULL;
	a->db = tl_localsql_open(a->o.local, a->o.local_catalog, a->o.database, &err);
	if (!a->db) {
		tl_err("%s", err);
		free(err);
		return TL_EXIT_USAGE;
	}
	return 0;
}

/* Runs each statement on the local engine; returns the exit status. */
static int run_local(struct app *a, struct query *qs, size_t n)
{
	int status = local_open(a);
	for (size_t i = 0; status == TL_EXIT_OK && i < n; i++)
		status = local_exec(a, qs[i].sql, i + 1);
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

/* Connects to AWS unless --local; 0 or an exit status (reported). */
static int connect_aws(struct app *a)
{
	char *err = NULL;
	if (!a->o.local && !(a->aws = tl_aws_new(&a->o.aws, &err))) {
		tl_err("%s", err ? err : "AWS configuration error");
		free(err);
		return TL_EXIT_USAGE;
	}
	a->format = a->o.format_set ? a->o.format
				    : isatty(STDOUT_FILENO) ? TL_TABLE_TABLE : TL_TABLE_CSV;
	return 0;
}

/* Connects, runs the statements, closes the output; returns the exit status. */
static int athena_query(struct app *a, struct query *qs, size_t n)
{
	int status = connect_aws(a);
	if (status)
		return status;
	/* --chart draws instead of the rows; with --svg the picture goes to the file */
	a->keep = a->o.chart_set;
	a->rows_out = !a->o.chart_set || a->o.svg;
	out_open(a);
	status = a->o.local ? run_local(a, qs, n) : run(a, qs, n);
	if (out_close(a, false) < 0 && status == TL_EXIT_OK && a->out.err != EPIPE)
		status = TL_EXIT_FAIL;
	if (a->failed && status == TL_EXIT_OK)
		status = TL_EXIT_FAIL;
	return status;
}

/* --- --history: the workgroup's recent queries -------------------------------------------------- */

/* The start of a query's text on one line: white space that holds a line break becomes "\n",
 * other runs of white space one space, other control characters and bytes that are not UTF-8
 * "\xHH" (tl_buf_add_printable); at most max characters, then "…". */
static char *sql_snippet(const char *sql, size_t max)
{
	struct tl_buf flat = TL_BUF_INIT, out = TL_BUF_INIT;
	size_t n = strlen(sql), chars = 0;
	int gap = 0; /* white space passed: 1 spaces, 2 a line break */
	bool cut = false;
	tl_buf_adds(&flat, "");
	tl_buf_adds(&out, "");
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)sql[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			if (flat.len)
				gap = c == '\n' || c == '\r' ? 2 : gap ? gap : 1;
			i++;
			continue;
		}
		if (chars >= max) {
			cut = true;
			break;
		}
		if (gap) {
			tl_buf_addc(&flat, gap == 2 ? '\n' : ' ');
			chars++;
			gap = 0;
		}
		size_t k = tl_utf8_seq((const unsigned char *)sql + i, n - i);
		tl_buf_add(&flat, sql + i, k ? k : 1);
		i += k ? k : 1;
		chars++;
	}
	tl_buf_add_printable(&out, flat.data, flat.len);
	if (cut)
		tl_buf_adds(&out, "\xE2\x80\xA6"); /* … */
	tl_buf_release(&flat);
	return tl_buf_detach(&out, NULL);
}

static double exec_submitted(const cJSON *ex)
{
	double t = 0;
	tl_json_get_num(ex, "Status.SubmissionDateTime", &t);
	return t;
}

static int by_submitted(const void *x, const void *y)
{
	double a = exec_submitted(*(const cJSON *const *)x), b = exec_submitted(*(const cJSON *const *)y);
	return a < b ? 1 : a > b ? -1 : 0;
}

/* The QueryExecutions of ids[0..n) into out (an array): BatchGetQueryExecution, 50 at a time;
 * where that call is refused, GetQueryExecution one by one. 0 or -1 (reported). */
static int history_get(struct app *a, char **ids, size_t n, cJSON *out)
{
	bool single = false;
	for (size_t i = 0; i < n; i += 50) {
		size_t m = n - i < 50 ? n - i : 50;
		if (!single) {
			cJSON *b = tl_json_obj(), *arr = cJSON_CreateArray(), *resp = NULL;
			if (!arr)
				tl_die(1, "out of memory");
			for (size_t k = 0; k < m; k++)
				cJSON_AddItemToArray(arr, cJSON_CreateString(ids[i + k]));
			tl_json_add(b, "QueryExecutionIds", arr);
			char *why = NULL;
			int r = athena_call(a, "BatchGetQueryExecution", b, &resp, false, &why);
			cJSON_Delete(b);
			if (r == 0) {
				cJSON *got = cJSON_GetObjectItemCaseSensitive(resp, "QueryExecutions"), *e;
				while (got && got->child)
					cJSON_AddItemToArray(out, cJSON_DetachItemViaPointer(got, got->child));
				cJSON_ArrayForEach(e, tl_json_get(resp, "UnprocessedQueryExecutionIds")) {
					const char *id = tl_json_get_str(e, "QueryExecutionId");
					const char *msg = tl_json_get_str(e, "ErrorMessage");
					tl_warn("query %s: %s", id ? id : "?", msg ? msg : "not returned");
				}
				cJSON_Delete(resp);
				continue;
			}
			if (tl_sig_caught()) {
				free(why);
				return -1;
			}
			/* an endpoint without it (moto), or a policy that allows only the single call */
			tl_warn("%s; asking for each query alone (GetQueryExecution)", why);
			free(why);
			single = true;
		}
		for (size_t k = 0; k < m; k++) {
			struct query q = { .id = ids[i + k] };
			if (tl_sig_caught())
				return -1;
			if (refresh(a, &q, false) < 0) {
				cJSON_Delete(q.exec);
				continue;
			}
			cJSON_AddItemToArray(out, q.exec);
		}
	}
	return 0;
}

/* Lists the last o.history queries of the workgroup (newest first). Returns the exit status. */
static int run_history(struct app *a)
{
	size_t want = (size_t)a->o.history, n = 0;
	char **ids = xcalloc(want, sizeof *ids);
	char *token = NULL;
	struct tl_pages pages = TL_PAGES_INIT;
	int status = TL_EXIT_OK;
	while (n < want) {
		cJSON *b = tl_json_obj(), *resp = NULL, *e;
		tl_json_add_num(b, "MaxResults", (double)(want - n < 50 ? want - n : 50));
		if (token)
			tl_json_add_str(b, "NextToken", token);
		if (a->o.workgroup)
			tl_json_add_str(b, "WorkGroup", a->o.workgroup);
		int r = athena(a, "ListQueryExecutions", b, &resp, false);
		cJSON_Delete(b);
		if (r < 0) {
			status = tl_sig_caught() ? tl_sig_exit_status() : TL_EXIT_FAIL;
			break;
		}
		size_t before = n;
		cJSON_ArrayForEach(e, tl_json_get(resp, "QueryExecutionIds")) {
			if (n < want && cJSON_IsString(e))
				ids[n++] = xstrdup(e->valuestring);
		}
		const char *next = tl_json_get_str(resp, "NextToken");
		free(token);
		token = NULL;
		if (next && *next && tl_pages_next(&pages, next) < 0) {
			tl_err("Athena ListQueryExecutions gave a NextToken it had given before: the "
			       "listing would never end");
			status = TL_EXIT_FAIL;
		} else if (next && *next && n > before) {
			token = xstrdup(next);
		}
		cJSON_Delete(resp);
		if (!token)
			break;
	}
	free(token);
	tl_pages_release(&pages);
	cJSON *execs = cJSON_CreateArray();
	if (!execs)
		tl_die(1, "out of memory");
	if (status == TL_EXIT_OK && history_get(a, ids, n, execs) < 0)
		status = tl_sig_caught() ? tl_sig_exit_status() : TL_EXIT_FAIL;
	if (status == TL_EXIT_OK) {
		size_t m = (size_t)cJSON_GetArraySize(execs), k = 0;
		cJSON **v = xcalloc(m ? m : 1, sizeof *v), *e;
		cJSON_ArrayForEach(e, execs)
			v[k++] = e;
		qsort(v, m, sizeof *v, by_submitted);
		static const char *const names[] = { "query_id", "state", "submitted", "scanned_bytes",
						     "engine_ms", "query" };
		static const char *const types[] = { "varchar", "varchar", "timestamp", "bigint",
						     "bigint", "varchar" };
		a->rows_out = true;
		out_open(a);
		if (res_begin(a, 6, names, types) < 0)
			a->out_broken = true;
		for (size_t i = 0; i < m && !a->out_broken; i++) {
			char when[40] = "", scanned[32] = "", engine[32] = "";
			double sub = exec_submitted(v[i]), d;
			const char *sql = tl_json_get_str(v[i], "Query");
			char *snip = sql ? sql_snippet(sql, SNIPPET_CHARS) : NULL;
			if (sub > 0)
				tl_time_format((int64_t)(sub * 1000), 1, when, sizeof when);
			if (tl_json_get_num(v[i], "Statistics.DataScannedInBytes", &d) == 0)
				snprintf(scanned, sizeof scanned, "%.0f", d);
			if (tl_json_get_num(v[i], "Statistics.EngineExecutionTimeInMillis", &d) == 0)
				snprintf(engine, sizeof engine, "%.0f", d);
			const char *vals[6] = { tl_json_get_str(v[i], "QueryExecutionId"),
						tl_json_get_str(v[i], "Status.State"), *when ? when : NULL,
						*scanned ? scanned : NULL, *engine ? engine : NULL, snip };
			if (res_row(a, vals, NULL) < 0)
				a->out_broken = true;
			free(snip);
		}
		if (!a->out_broken && res_end(a) < 0)
			a->out_broken = true;
		if (out_close(a, false) < 0 || a->out_broken)
			status = a->out.err == EPIPE ? 128 + 13 : TL_EXIT_FAIL;
		free(v);
	}
	cJSON_Delete(execs);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return status;
}

/* --- the prompt --------------------------------------------------------------------------------- */

static const char prompt_help[] =
	"Statements end with ';' and may span lines; Tab completes keywords, tables and columns.\n"
	"  \\d                       list the tables\n"
	"  \\d TABLE                 describe a table\n"
	"  \\chart bar|line [FILE]   draw the last result (FILE: write it as SVG instead)\n"
	"  \\format [FORMAT]         show or set the format: table, csv, tsv or ndjson\n"
	"  \\?                       this help\n"
	"  \\q                       leave (or Ctrl-D)\n"
	"Ctrl-C cancels the running statement (in Athena: StopQueryExecution) or clears the line.\n"
	"Results taller than the terminal go through $PAGER (less -S).\n";

static void names_free(struct names *nm)
{
	for (size_t i = 0; i < nm->ndbs; i++) {
		free(nm->dbs[i]);
		cJSON_Delete(nm->tables[i]);
	}
	free(nm->dbs);
	free(nm->tables);
	memset(nm, 0, sizeof *nm);
}

static void names_add_db(struct names *nm, const char *db)
{
	for (size_t i = 0; i < nm->ndbs; i++)
		if (!strcmp(nm->dbs[i], db))
			return;
	nm->dbs = xrealloc(nm->dbs, (nm->ndbs + 1) * sizeof *nm->dbs);
	nm->tables = xrealloc(nm->tables, (nm->ndbs + 1) * sizeof *nm->tables);
	nm->dbs[nm->ndbs] = xstrdup(db);
	nm->tables[nm->ndbs] = NULL;
	nm->ndbs++;
}

/* The tables of the databases the session sees (-d's; for --local every database with a
 * table; else Athena's "default"), read once (again with force). 0, or -1 with *err. */
static int names_read(struct app *a, bool force, char **err)
{
	struct names *nm = &a->names;
	if (nm->loaded && !force)
		return 0;
	names_free(nm);
	nm->loaded = true;
	if (a->o.database) {
		names_add_db(nm, a->o.database);
	} else if (a->db) {
		for (const char *const *t = tl_localsql_tables(a->db); t && *t; t++) {
			const char *dot = strchr(*t, '.');
			char *db = xstrndup(*t, dot ? (size_t)(dot - *t) : strlen(*t));
			names_add_db(nm, db);
			free(db);
		}
	} else {
		names_add_db(nm, "default");
	}
	for (size_t i = 0; i < nm->ndbs; i++)
		if (tl_catalog_list_tables(a->cat, nm->dbs[i], &nm->tables[i], err) < 0)
			return -1;
	return 0;
}

static int names_load(struct app *a, bool force)
{
	char *err = NULL;
	if (names_read(a, force, &err) < 0) {
		tl_err("%s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* The table db.name (db NULL: any database the session sees), or NULL. */
static const cJSON *names_table(const struct names *nm, const char *db, const char *name,
				const char **in_db)
{
	for (size_t i = 0; i < nm->ndbs; i++) {
		const cJSON *t;
		if (db && strcasecmp(db, nm->dbs[i]) != 0)
			continue;
		cJSON_ArrayForEach(t, nm->tables[i]) {
			const char *tn = tl_json_get_str(t, "Name");
			if (tn && !strcasecmp(tn, name)) {
				if (in_db)
					*in_db = nm->dbs[i];
				return t;
			}
		}
	}
	return NULL;
}

/* \d: the tables, one row each. */
static void describe_all(struct app *a)
{
	static const char *const names[] = { "database", "table", "columns", "partitioned_by",
					     "location" };
	if (names_load(a, true) < 0)
		return;
	out_open(a);
	res_begin(a, 5, names, NULL);
	for (size_t i = 0; i < a->names.ndbs; i++) {
		const cJSON *t, *c;
		cJSON_ArrayForEach(t, a->names.tables[i]) {
			struct tl_buf parts = TL_BUF_INIT;
			char ncols[24];
			snprintf(ncols, sizeof ncols, "%d",
				 cJSON_GetArraySize(tl_json_get(t, "StorageDescriptor.Columns")));
			tl_buf_adds(&parts, "");
			cJSON_ArrayForEach(c, tl_json_get(t, "PartitionKeys"))
				tl_buf_addf(&parts, "%s%s", parts.len ? ", " : "",
					    tl_json_get_str(c, "Name") ? tl_json_get_str(c, "Name") : "?");
			const char *vals[5] = { a->names.dbs[i], tl_json_get_str(t, "Name"), ncols,
						parts.data,
						tl_json_get_str(t, "StorageDescriptor.Location") };
			res_row(a, vals, NULL);
			tl_buf_release(&parts);
		}
	}
	res_end(a);
	out_close(a, false);
}

/* \d TABLE: its columns, then its partition keys. */
static void describe_table(struct app *a, const char *arg)
{
	static const char *const names[] = { "column", "type", "partition_key" };
	const char *dot = strchr(arg, '.');
	char *db = dot ? xstrndup(arg, (size_t)(dot - arg)) : NULL;
	const char *name = dot ? dot + 1 : arg, *in_db = NULL;
	if (names_load(a, false) < 0) {
		free(db);
		return;
	}
	const cJSON *t = names_table(&a->names, db, name, &in_db), *c;
	cJSON *fresh = NULL;
	if (!t && db) { /* a database the session does not list */
		char *err = NULL;
		if (tl_catalog_get_table(a->cat, db, name, &fresh, &err) < 0) {
			tl_err("%s", err);
			free(err);
		}
		t = fresh;
		in_db = db;
	}
	if (!t) {
		tl_err("no table %s%s%s (\\d lists them)", arg, dot ? "" : " in ",
		       dot ? "" : a->names.ndbs == 1 ? a->names.dbs[0] : "the databases seen");
		free(db);
		return;
	}
	out_open(a);
	res_begin(a, 3, names, NULL);
	cJSON_ArrayForEach(c, tl_json_get(t, "StorageDescriptor.Columns")) {
		const char *vals[3] = { tl_json_get_str(c, "Name"), tl_json_get_str(c, "Type"), "" };
		res_row(a, vals, NULL);
	}
	cJSON_ArrayForEach(c, tl_json_get(t, "PartitionKeys")) {
		const char *vals[3] = { tl_json_get_str(c, "Name"), tl_json_get_str(c, "Type"), "yes" };
		res_row(a, vals, NULL);
	}
	res_end(a);
	out_close(a, false);
	const char *loc = tl_json_get_str(t, "StorageDescriptor.Location");
	tl_info("%s.%s%s%s", in_db ? in_db : "?", tl_json_get_str(t, "Name"), loc ? " at " : "",
		loc ? loc : "");
	cJSON_Delete(fresh);
	free(db);
}

/* Words Tab offers besides names: Athena's keywords, and functions (with their "("). */
static const char *const sql_words[] = {
	"ALL", "AND", "ARRAY", "AS", "ASC", "BETWEEN", "BY", "CASE", "CAST", "CROSS", "DATE",
	"DESC", "DESCRIBE", "DISTINCT", "ELSE", "END", "EXCEPT", "EXISTS", "EXPLAIN", "FALSE",
	"FIRST", "FROM", "FULL", "GROUP", "HAVING", "IN", "INNER", "INTERSECT", "INTERVAL", "IS",
	"JOIN", "LAST", "LEFT", "LIKE", "LIMIT", "MAP", "NOT", "NULL", "NULLS", "OFFSET", "ON",
	"OR", "ORDER", "ORDINALITY", "OUTER", "OVER", "PARTITION", "PARTITIONS", "RANGE", "RIGHT",
	"ROW", "ROWS", "SELECT", "SHOW", "TABLE", "TABLES", "THEN", "TIMESTAMP", "TRUE", "UNION",
	"UNNEST", "USING", "VALUES", "WHEN", "WHERE", "WITH",
	"any_match(", "approx_distinct(", "approx_percentile(", "arbitrary(", "array_agg(",
	"array_join(", "at_timezone(", "avg(", "cardinality(", "coalesce(", "concat(", "contains(",
	"count(", "count_if(", "date_add(", "date_diff(", "date_format(", "date_parse(",
	"date_trunc(", "element_at(", "filter(", "from_iso8601_timestamp(", "from_unixtime(",
	"json_extract(", "json_extract_scalar(", "json_format(", "length(", "lower(", "max(",
	"max_by(", "min(", "min_by(", "reduce(", "regexp_extract(", "regexp_extract_all(",
	"regexp_like(", "regexp_replace(", "round(", "split(", "split_part(", "strpos(", "substr(",
	"sum(", "to_unixtime(", "transform(", "trim(", "try(", "try_cast(", "upper(",
};

struct cands {
	char **v;
	size_t n;
};

static void cand_add(struct cands *c, const char *prefix, const char *s, const char *want)
{
	if (strncasecmp(s, want, strlen(want)) != 0)
		return;
	c->v = xrealloc(c->v, (c->n + 2) * sizeof *c->v);
	c->v[c->n++] = xasprintf("%s%s", prefix, s);
	c->v[c->n] = NULL;
}

static int cand_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Columns (path empty) or struct fields along path of the columns cols (a Glue Columns
 * array), offered as prefix + name. */
static void cand_fields(struct cands *c, const cJSON *cols, char **path, size_t np,
			const char *prefix, const char *want)
{
	const cJSON *col;
	cJSON_ArrayForEach(col, cols) {
		const char *name = tl_json_get_str(col, "Name"), *type = tl_json_get_str(col, "Type");
		if (!name)
			continue;
		if (np == 0) {
			cand_add(c, prefix, name, want);
			continue;
		}
		if (strcasecmp(name, path[0]) != 0 || !type)
			continue;
		char *err = NULL;
		struct tl_schema *root = tl_schema_parse_type(type, &err), *s = root;
		free(err);
		for (size_t i = 1; s && i < np; i++) {
			struct tl_schema_field *f = s->kind == TL_SK_STRUCT ? tl_schema_field_find(s, path[i]) : NULL;
			s = f ? f->type : NULL;
		}
		for (size_t i = 0; s && s->kind == TL_SK_STRUCT && i < s->nfields; i++)
			if (s->fields[i].alias_of < 0)
				cand_add(c, prefix, s->fields[i].col, want);
		tl_schema_free(root);
	}
}

/* Names for a dotted word: db.table, table.column, column.field... */
static void cand_dotted(struct app *a, struct cands *c, const char *word)
{
	const char *last = strrchr(word, '.');
	char *prefix = xstrndup(word, (size_t)(last - word) + 1), *segs = xstrndup(word, (size_t)(last - word));
	const char *want = last + 1;
	char *path[16];
	size_t np = 0;
	for (char *s = segs, *dot; s && np < 16; s = dot ? dot + 1 : NULL) {
		dot = strchr(s, '.');
		if (dot)
			*dot = '\0';
		path[np++] = s;
	}
	struct names *nm = &a->names;
	for (size_t i = 0; i < nm->ndbs; i++) {
		const cJSON *t;
		bool is_db = !strcasecmp(path[0], nm->dbs[i]);
		cJSON_ArrayForEach(t, nm->tables[i]) {
			const char *tn = tl_json_get_str(t, "Name");
			const cJSON *cols = tl_json_get(t, "StorageDescriptor.Columns");
			const cJSON *keys = tl_json_get(t, "PartitionKeys");
			if (!tn)
				continue;
			if (is_db && np == 1) {
				cand_add(c, prefix, tn, want);
			} else if (is_db && np >= 2 && !strcasecmp(path[1], tn)) {
				cand_fields(c, cols, path + 2, np - 2, prefix, want);
				if (np == 2)
					cand_fields(c, keys, path + 2, 0, prefix, want);
			} else if (!strcasecmp(path[0], tn)) {
				cand_fields(c, cols, path + 1, np - 1, prefix, want);
				if (np == 1)
					cand_fields(c, keys, path + 1, 0, prefix, want);
			} else {
				cand_fields(c, cols, path, np, prefix, want);
			}
		}
	}
	free(prefix);
	free(segs);
}

/* The word before the last one of text, upper-cased into w. */
static void word_before(const char *text, size_t end, char *w, size_t cap)
{
	size_t e = end;
	while (e > 0 && strchr(" \t\n\r(,", text[e - 1]))
		e--;
	size_t b = e;
	while (b > 0 && !strchr(" \t\n\r(,", text[b - 1]))
		b--;
	size_t n = e - b < cap - 1 ? e - b : cap - 1;
	for (size_t i = 0; i < n; i++)
		w[i] = (char)toupper((unsigned char)text[b + i]);
	w[n] = '\0';
}

static char **complete(void *ctx, const char *before, const char *word, bool *redraw)
{
	struct app *a = ctx;
	struct cands c = { NULL, 0 };
	char prev[16], *err = NULL;
	if (names_read(a, false, &err) < 0) {
		fputc('\n', stderr);
		tl_err("%s (completing keywords only)", err);
		free(err);
		*redraw = true;
	}
	if (strchr(word, '.')) {
		cand_dotted(a, &c, word);
	} else {
		size_t bl = strlen(before) - strlen(word);
		word_before(before, bl, prev, sizeof prev);
		bool tables_only = !strcmp(prev, "FROM") || !strcmp(prev, "JOIN") ||
				   !strcmp(prev, "TABLE") || !strcmp(prev, "DESCRIBE") ||
				   !strcmp(prev, "\\D") || !strcmp(prev, "INTO");
		bool upper = false, lower = false;
		for (const char *p = word; *p; p++) {
			upper |= isupper((unsigned char)*p) != 0;
			lower |= islower((unsigned char)*p) != 0;
		}
		for (size_t i = 0; i < a->names.ndbs; i++) {
			const cJSON *t;
			char *d = xasprintf("%s.", a->names.dbs[i]);
			cand_add(&c, "", d, word);
			free(d);
			cJSON_ArrayForEach(t, a->names.tables[i]) {
				const char *tn = tl_json_get_str(t, "Name");
				if (tn)
					cand_add(&c, "", tn, word);
				if (!tables_only) {
					cand_fields(&c, tl_json_get(t, "StorageDescriptor.Columns"), NULL, 0,
						    "", word);
					cand_fields(&c, tl_json_get(t, "PartitionKeys"), NULL, 0, "", word);
				}
			}
		}
		for (size_t i = 0; !tables_only && i < sizeof sql_words / sizeof sql_words[0]; i++) {
			size_t before_n = c.n;
			cand_add(&c, "", sql_words[i], word);
			/* in the case being typed */
			for (char *p = before_n < c.n ? c.v[before_n] : NULL; p && *p; p++)
				*p = (char)(upper && !lower ? toupper((unsigned char)*p)
							    : tolower((unsigned char)*p));
		}
	}
	if (c.n > 1) {
		size_t k = 1;
		qsort(c.v, c.n, sizeof *c.v, cand_cmp);
		for (size_t i = 1; i < c.n; i++) {
			if (!strcmp(c.v[i], c.v[k - 1]))
				free(c.v[i]);
			else
				c.v[k++] = c.v[i];
		}
		c.n = k;
		c.v[k] = NULL;
	}
	return c.v;
}

/* Runs the statements of text at the prompt. 0 to read on, or an exit status to leave with. */
static int prompt_sql(struct app *a, const char *text)
{
	char **stmts = NULL;
	size_t n = tl_sql_split(text, strlen(text), &stmts);
	int leave = 0;
	if (!a->o.local && check_athena_limits(&a->o, stmts, n) < 0) {
		tl_sql_free(stmts, n);
		return 0; /* reported; none of them runs */
	}
	for (size_t i = 0; i < n; i++) {
		int st;
		out_open(a);
		if (a->o.local) {
			st = local_exec(a, stmts[i], i + 1);
		} else {
			struct query q = { .sql = stmts[i] };
			st = run(a, &q, 1);
			free(q.id);
			cJSON_Delete(q.exec);
		}
		int sig = tl_sig_caught();
		out_close(a, sig != 0);
		if (sig == SIGINT) {
			tl_sig_clear();
			tl_info("cancelled");
			break;
		}
		if (sig) {
			leave = 128 + sig;
			break;
		}
		if (a->out_broken) {
			leave = 128 + 13;
			break;
		}
		if (st != TL_EXIT_OK)
			break; /* as in a script: the first failure stops the rest */
	}
	tl_sql_free(stmts, n);
	return leave;
}

/* A backslash command. 1 to leave, else 0. */
static int prompt_command(struct app *a, const char *line)
{
	const char *p = line + 1;
	size_t cl = strcspn(p, " \t");
	char *cmd = xstrndup(p, cl);
	const char *arg = p + cl;
	while (*arg == ' ' || *arg == '\t')
		arg++;
	char *args = xstrdup(arg);
	for (size_t n = strlen(args); n > 0 && (args[n - 1] == ' ' || args[n - 1] == '\t');)
		args[--n] = '\0';
	int leave = 0;
	if (!strcmp(cmd, "q") || !strcmp(cmd, "quit")) {
		leave = 1;
	} else if (!strcmp(cmd, "?") || !strcmp(cmd, "help")) {
		fputs(prompt_help, stderr);
	} else if (!strcmp(cmd, "d")) {
		if (*args)
			describe_table(a, args);
		else
			describe_all(a);
	} else if (!strcmp(cmd, "chart")) {
		enum tl_chart_kind kind;
		size_t kl = strcspn(args, " \t");
		const char *file = args + kl;
		while (*file == ' ' || *file == '\t')
			file++;
		args[kl] = '\0';
		if (tl_chart_kind_parse(args, &kind) < 0) {
			tl_err("\\chart bar or \\chart line, then an SVG file to write if wanted");
		} else if (!a->kept.names) {
			tl_err("no result to draw yet: run a statement first");
		} else {
			out_open(a);
			draw_chart(a, kind, *file ? file : NULL);
			out_close(a, false);
		}
	} else if (!strcmp(cmd, "format")) {
		enum tl_table_format f;
		static const char *const fnames[] = { "table", "csv", "tsv", "ndjson" };
		if (*args && tl_table_format_parse(args, &f) < 0)
			tl_err("\\format table, csv, tsv or ndjson");
		else if (*args)
			a->format = f;
		tl_info("format %s", fnames[a->format]);
	} else {
		tl_err("unknown command \\%s (\\? lists them)", cmd);
	}
	free(cmd);
	free(args);
	return leave;
}

/* Where the prompt keeps its history: $ATHENA_QUERY_HISTORY ("" for none), else
 * $XDG_STATE_HOME/athena-query/history, else ~/.local/state/athena-query/history. */
static char *history_path(void)
{
	const char *e = getenv("ATHENA_QUERY_HISTORY"), *x = getenv("XDG_STATE_HOME");
	const char *h = getenv("HOME");
	if (e)
		return *e ? xstrdup(e) : NULL;
	if (x && x[0] == '/')
		return xasprintf("%s/athena-query/history", x);
	if (h && *h)
		return xasprintf("%s/.local/state/athena-query/history", h);
	return NULL;
}

/* The prompt: statements and commands until Ctrl-D or \q (exit 0), or a stop signal. */
static int athena_prompt(struct app *a)
{
	int status = connect_aws(a);
	if (status)
		return status;
	a->interactive = a->keep = true;
	a->rows_out = !a->o.chart_set || a->o.svg;
	if (a->o.local) {
		if ((status = local_open(a)))
			return status;
		char *dir = a->o.local_catalog ? xstrdup(a->o.local_catalog)
					       : xasprintf("%s/_catalog", a->o.local);
		a->cat = tl_catalog_local(dir);
		free(dir);
	} else {
		a->cat = tl_catalog_glue(a->aws, NULL);
	}
	const char *name = a->o.database ? a->o.database : a->o.local ? "local" : "athena";
	int w = (int)strlen(name);
	char *prompt = xasprintf("%s> ", name), *more = xasprintf("%*s-> ", w > 1 ? w - 1 : 0, "");
	char *hist = history_path(), *err = NULL;
	/* drawn where the results go when that is the terminal */
	struct tl_prompt_opts po = { .name = "athena-query", .prompt = prompt, .more = more,
				     .out = isatty(STDOUT_FILENO) ? stdout : stderr,
				     .history = hist, .complete = complete, .ctx = a };
	struct tl_prompt *p = tl_prompt_open(&po, &err);
	if (!p) {
		tl_err("%s", err);
		free(err);
		status = TL_EXIT_USAGE;
	} else if (a->o.local) {
		tl_info("the local lake %s; statements end with ';', \\? for help, Ctrl-D to leave",
			a->o.local);
	} else {
		tl_info("Athena, workgroup %s; statements end with ';', \\? for help, Ctrl-D to leave",
			a->o.workgroup ? a->o.workgroup : "primary");
	}
	while (p) {
		char *text = NULL;
		int got = tl_prompt_read(p, &text);
		if (got == TL_PROMPT_EOF || got == TL_PROMPT_SIGNAL) {
			if (text)
				tl_info("the unfinished statement was not run");
			free(text);
			status = got == TL_PROMPT_SIGNAL ? tl_sig_exit_status() : TL_EXIT_OK;
			break;
		}
		int leave = got == TL_PROMPT_COMMAND ? prompt_command(a, text) : prompt_sql(a, text);
		free(text);
		if (!leave && tl_sig_caught() == SIGINT) { /* during a command (\d on Glue...) */
			tl_sig_clear();
			tl_info("cancelled");
		} else if (!leave && tl_sig_caught()) {
			leave = tl_sig_exit_status();
		}
		if (leave) {
			status = leave == 1 ? TL_EXIT_OK : leave;
			break;
		}
	}
	tl_prompt_close(p);
	free(prompt);
	free(more);
	free(hist);
	return status;
}

/* With no SQL and a person at a terminal: the prompt. */
static bool wants_prompt(const struct opts *o)
{
	return !o->sql && !o->file && !o->query_id && !o->no_wait && !o->history &&
	       isatty(STDIN_FILENO);
}

int main(int argc, char **argv)
{
	struct app a = { .o = { .result_reuse = -1, .price = 5.0, .poll_max = 2000,
				.fetch = FETCH_AUTO },
			 .spool = -1 };
	struct query *qs = NULL;
	size_t n = 0;

	tl_cli_init(argv[0]);
	int status = parse_opts(argc, argv, &a.o);
	if (status == TL_CLI_RUN && a.o.history)
		status = connect_aws(&a) ? TL_EXIT_USAGE : run_history(&a);
	else if (status == TL_CLI_RUN && wants_prompt(&a.o))
		status = athena_prompt(&a);
	if (status == TL_CLI_RUN)
		status = load_queries(&a.o, &qs, &n);
	if (status == TL_CLI_RUN && a.o.svg && n > 1)
		status = tl_cli_usage_error("--svg draws one result: give one statement");
	if (status == TL_CLI_RUN)
		status = athena_query(&a, qs, n);

	for (size_t i = 0; qs && i < n; i++) {
		free(qs[i].sql);
		free(qs[i].id);
		cJSON_Delete(qs[i].exec);
	}
	free(qs);
	rset_clear(&a.kept);
	names_free(&a.names);
	tl_catalog_free(a.cat);
	if (a.db)
		tl_localsql_close(a.db);
	if (a.spool >= 0)
		close(a.spool);
	if (a.s3)
		tl_s3_free(a.s3);
	tl_aws_free(a.aws);
	free(a.o.params);
	tl_log_cleanup();
	return status;
}
