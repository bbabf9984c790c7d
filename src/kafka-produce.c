/* kafka-produce: line-delimited records from stdin (or files) into a Kafka topic, one message
 * per line, with nothing lost silently.
 *
 * Each line is checked to be one JSON value (unless --no-validate), given a key (-k dotted path,
 * -K delimiter, --key fixed), headers, a partition and a timestamp, and handed to librdkafka.
 * Delivery reports are counted; a line that was not delivered (invalid, refused, timed out,
 * purged) is reported and, with --dead-letter, written to a file with the reason. At the end
 * (EOF, SIGINT, SIGTERM) the tool stops reading, flushes within --flush-timeout, prints a
 * summary, and exits 0 only when every line read was delivered.
 */
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_cli.h"
#include "tl_io.h"
#include "tl_jscan.h"
#include "tl_json.h"
#include "tl_kafka.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_sig.h"
#include "tl_time.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: kafka-produce [-qv] [-b brokers] -t topic [-F file] [-X property=value]\n"
	"                     [-k path | -K delimiter | --key string] [-p partition]\n"
	"                     [-H name=value] [--timestamp-field path] [--no-validate] [--strict]\n"
	"                     [--dead-letter file] [--flush-timeout duration]\n"
	"                     [--progress | --no-progress] [--report]\n"
	"                     [--msk-iam [--profile name] [--region name]] [file ...]\n"
	"\n"
	"Produces one Kafka message per input line (stdin, or the files; - is stdin).\n"
	"\n"
	"  -b, --brokers LIST        bootstrap brokers (default: KAFKA_BROKERS)\n"
	"  -t, --topic TOPIC         topic to produce to (required)\n"
	"  -F, --config FILE         librdkafka properties file (secrets go here, not in -X)\n"
	"  -X, --property NAME=VALUE librdkafka property, global or topic (repeatable)\n"
	"  -k, --key-path PATH       key from the JSON field at a dotted path (data.author_id)\n"
	"  -K, --key-delimiter DELIM key and value split at the first DELIM (\\t, \\xNN)\n"
	"      --key STRING          the same key for every message\n"
	"  -p, --partition N         partition (default: murmur2 hash of the key, as Java)\n"
	"  -H, --header NAME=VALUE   add a header to every message (repeatable)\n"
	"      --timestamp-field PATH message time from a JSON field (RFC 3339 or epoch)\n"
	"      --no-validate         produce lines as they are, JSON or not\n"
	"      --strict              stop at the first invalid line\n"
	"      --dead-letter FILE    append every line not delivered, with the reason (NDJSON)\n"
	"      --flush-timeout DUR   time allowed to deliver what is queued at the end (30s)\n"
	"      --progress            live status on stderr (default when stderr is a terminal)\n"
	"      --no-progress         no live status\n"
	"      --report              one JSON line per delivered message on stdout\n"
	"      --msk-iam             Amazon MSK with IAM: SASL/OAUTHBEARER with a token signed\n"
	"                            with the AWS credentials (also -X sasl.mechanism=AWS_MSK_IAM)\n"
	"      --profile NAME        the AWS profile for MSK IAM (default: as the AWS CLI picks it)\n"
	"      --region REGION       the cluster's region when its broker names do not tell it\n";

enum {
	OPT_KEY = 256,
	OPT_TSFIELD,
	OPT_NOVALIDATE,
	OPT_STRICT,
	OPT_DEADLETTER,
	OPT_FLUSHTIMEOUT,
	OPT_PROGRESS,
	OPT_NOPROGRESS,
	OPT_REPORT,
	OPT_MSK_IAM,
	OPT_PROFILE,
	OPT_REGION,
};

static const struct option longopts[] = {
	{ "brokers", required_argument, NULL, 'b' },
	{ "topic", required_argument, NULL, 't' },
	{ "config", required_argument, NULL, 'F' },
	{ "property", required_argument, NULL, 'X' },
	{ "key-path", required_argument, NULL, 'k' },
	{ "key-delimiter", required_argument, NULL, 'K' },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "partition", required_argument, NULL, 'p' },
	{ "header", required_argument, NULL, 'H' },
	{ "timestamp-field", required_argument, NULL, OPT_TSFIELD },
	{ "no-validate", no_argument, NULL, OPT_NOVALIDATE },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "dead-letter", required_argument, NULL, OPT_DEADLETTER },
	{ "flush-timeout", required_argument, NULL, OPT_FLUSHTIMEOUT },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NOPROGRESS },
	{ "report", no_argument, NULL, OPT_REPORT },
	{ "msk-iam", no_argument, NULL, OPT_MSK_IAM },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "region", required_argument, NULL, OPT_REGION },
	{ NULL, 0, NULL, 0 },
};

static const struct tl_cli_spec cli_spec = {
	.usage = usage,
	.verbose_help = "more detail (twice: librdkafka debug logs too)",
	.epilog = "Exit status: 0 every line delivered; 1 some line not delivered (invalid, failed or\n"
		  "interrupted); 2 usage or configuration error; 128+N stopped by signal N, nothing lost.\n",
	.shortopts = "b:t:F:X:k:K:p:H:",
	.longopts = longopts,
	.max_args = -1,
};

/* A message's opaque packs where its line came from, so a failed delivery can be reported and
 * dead-lettered without keeping anything per message: line number, input index, and whether
 * the line was split at the -K delimiter (the key must then be put back). */
#define OP_LINE_BITS 47
#define OP_LINE_MASK ((UINT64_C(1) << OP_LINE_BITS) - 1)
#define OP_INPUT_MAX 0xffff
#define OP_SPLIT (UINT64_C(1) << 63)

/* Individual delivery failures reported on stderr before only counting. */
#define REPORT_FAILURES_MAX 10

struct producer {
	/* options */
	const char *brokers;      /* -b, else KAFKA_BROKERS */
	const char *dl_path;      /* --dead-letter */
	const char *topic;
	const char *key_path;
	const char *key_fixed;
	char *delim;
	size_t delim_len;
	int32_t partition;
	const char *ts_field;
	const char *aws_profile, *aws_region; /* for MSK IAM */
	bool validate, strict, report;
	int progress;             /* -1 auto, 0 off, 1 on */
	int64_t flush_timeout_ms;
	size_t max_line;
	rd_kafka_headers_t *headers;
	char *const *inputs;      /* names as given ("-" = stdin) */
	size_t ninputs;

	/* state */
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	int wake[2];              /* librdkafka writes here when its main queue gets events */
	struct tl_out out;        /* --report */
	struct tl_out dl;         /* --dead-letter */
	bool dl_open, dl_broken, out_broken;
	bool stopped_early;       /* by a signal or a reader of --report that left */
	size_t cur_input;
	struct tl_buf scratch, scratch2; /* decoded key and time strings, reused */

	/* counts */
	uint64_t lines, blank, invalid, queued, delivered, nokey, nots;
	uint64_t failed;          /* not delivered: refused by produce() or failed report */
	uint64_t dr_failed;       /* of which failed delivery reports */
	uint64_t bytes_queued, bytes_delivered, bytes_failed;
	uint64_t failures_reported;
	int64_t t0, next_tick;
	uint64_t last_delivered, last_bytes;
	int64_t last_tick;
};

static const char *input_name(const struct producer *P, size_t idx)
{
	if (idx >= P->ninputs)
		return "?";
	return strcmp(P->inputs[idx], "-") == 0 ? "stdin" : P->inputs[idx];
}

/* Appends one record to the dead-letter file: {"reason", "error"?, "input", "line", "data" or
 * "data_base64" (when not valid UTF-8) or "bytes" (when the line was not kept)}. data is the
 * line as read, without its line terminator. */
static void dead_letter(struct producer *P, const char *reason, const char *errname,
			size_t input, uint64_t lineno, const char *key, size_t keylen,
			const char *data, size_t len, uint64_t bytes_dropped)
{
	if (!P->dl_open || P->dl_broken)
		return;
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_adds(&b, "{\"reason\":");
	tl_buf_add_json_str(&b, reason, strlen(reason));
	if (errname) {
		tl_buf_adds(&b, ",\"error\":");
		tl_buf_add_json_str(&b, errname, strlen(errname));
	}
	tl_buf_adds(&b, ",\"input\":");
	const char *in = input_name(P, input);
	tl_buf_add_json_str(&b, in, strlen(in));
	tl_buf_addf(&b, ",\"line\":%" PRIu64, lineno);
	if (data || key) {
		/* The line is key + delimiter + value when it was split with -K. */
		struct tl_buf line = TL_BUF_INIT;
		if (key) {
			tl_buf_add(&line, key, keylen);
			tl_buf_add(&line, P->delim, P->delim_len);
		}
		tl_buf_add(&line, data ? data : "", data ? len : 0);
		if (tl_utf8_valid(line.data, line.len, NULL)) {
			tl_buf_adds(&b, ",\"data\":");
			tl_buf_add_json_str(&b, line.data, line.len);
		} else {
			tl_buf_adds(&b, ",\"data_base64\":\"");
			tl_buf_add_base64(&b, line.data, line.len);
			tl_buf_addc(&b, '"');
		}
		tl_buf_release(&line);
	} else {
		tl_buf_addf(&b, ",\"bytes\":%" PRIu64, bytes_dropped);
	}
	tl_buf_addc(&b, '}');
	/* Flushed per record: what is in this file must survive a crash of the tool. */
	if (tl_out_record(&P->dl, b.data, b.len) < 0 || tl_out_flush(&P->dl) < 0) {
		tl_err("dead-letter file: %s", strerror(P->dl.err));
		P->dl_broken = true;
	}
	tl_buf_release(&b);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	struct producer *P = opaque;
	uint64_t op = (uint64_t)(uintptr_t)m->_private;
	uint64_t lineno = op & OP_LINE_MASK;
	size_t input = (size_t)((op >> OP_LINE_BITS) & OP_INPUT_MAX);

	if (!m->err) {
		P->delivered++;
		P->bytes_delivered += m->len;
		if (P->report && !P->out_broken) {
			struct tl_buf b = TL_BUF_INIT;
			const char *in = input_name(P, input);
			tl_buf_adds(&b, "{\"topic\":");
			tl_buf_add_json_str(&b, P->topic, strlen(P->topic));
			tl_buf_addf(&b, ",\"partition\":%" PRId32 ",\"offset\":%" PRId64 ",\"input\":",
				    m->partition, m->offset);
			tl_buf_add_json_str(&b, in, strlen(in));
			tl_buf_addf(&b, ",\"line\":%" PRIu64 "}", lineno);
			if (tl_out_record(&P->out, b.data, b.len) < 0) {
				P->out_broken = true;
				if (P->out.err != EPIPE)
					tl_err("--report: %s", strerror(P->out.err));
			}
			tl_buf_release(&b);
		}
		return;
	}
	P->failed++;
	P->dr_failed++;
	P->bytes_failed += m->len;
	const char *why = rd_kafka_err2str(m->err);
	const char *reason = why;
	char *owned = NULL;
	if (m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
		reason = owned = xasprintf("%s: sent, but not confirmed before the tool stopped "
					   "(may or may not be stored)", why);
	else if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE)
		reason = owned = xasprintf("%s: not sent before the tool stopped", why);
	if (P->failures_reported < REPORT_FAILURES_MAX)
		tl_err("%s:%" PRIu64 ": not delivered: %s", input_name(P, input), lineno, reason);
	else if (P->failures_reported == REPORT_FAILURES_MAX)
		tl_err("more delivery failures: counting them only%s",
		       P->dl_open ? " (all are in the dead-letter file)" : "");
	P->failures_reported++;
	dead_letter(P, reason, rd_kafka_err2name(m->err), input, lineno,
		    (op & OP_SPLIT) ? m->key : NULL, (op & OP_SPLIT) ? m->key_len : 0,
		    m->payload, m->len, 0);
	free(owned);
}

static void progress(struct producer *P, bool final)
{
	if (!P->progress)
		return;
	int64_t now = tl_mono_ms();
	if (!final && now < P->next_tick)
		return;
	int64_t dt = now - P->last_tick;
	double secs = dt > 0 ? (double)dt / 1000.0 : 1.0;
	double rate = (double)(P->delivered - P->last_delivered) / secs;
	double mbs = (double)(P->bytes_delivered - P->last_bytes) / secs / 1e6;
	uint64_t done = P->delivered + P->dr_failed;
	uint64_t inflight = P->queued > done ? P->queued - done : 0;
	uint64_t bdone = P->bytes_delivered + P->bytes_failed;
	uint64_t inbytes = P->bytes_queued > bdone ? P->bytes_queued - bdone : 0;
	if (final) {
		rate = (double)P->delivered * 1000.0 / (double)(now - P->t0 > 0 ? now - P->t0 : 1);
		mbs = (double)P->bytes_delivered / 1000.0 / (double)(now - P->t0 > 0 ? now - P->t0 : 1);
	}
	tl_log_status(P->progress > 0, "%" PRIu64 " read, %" PRIu64 " delivered (%.0f msg/s, "
		      "%.1f MB/s), %" PRIu64 " in flight (%.1f MB), %" PRIu64 " invalid, %" PRIu64
		      " failed", P->lines, P->delivered, rate, mbs, inflight, (double)inbytes / 1e6,
		      P->invalid, P->failed);
	P->last_tick = now;
	P->last_delivered = P->delivered;
	P->last_bytes = P->bytes_delivered;
	P->next_tick = now + (isatty(STDERR_FILENO) ? 250 : 1000);
}

static void drain_wake(struct producer *P)
{
	char buf[256];
	while (read(P->wake[0], buf, sizeof buf) > 0)
		;
}

/* Waits for input while serving delivery reports (so they flow while the writer is idle) and
 * watching for signals. */
static int wait_input(int fd, void *ctx)
{
	struct producer *P = ctx;
	for (;;) {
		if (tl_sig_caught())
			return 1;
		rd_kafka_poll(P->rk, 0);
		progress(P, false);
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = P->wake[0], .events = POLLIN } };
		int timeout = P->progress ? 250 : 1000;
		int r = poll(p, 2, timeout);
		if (r < 0 && errno != EINTR)
			return 0;
		if (r > 0 && p[1].revents)
			drain_wake(P);
		if (r > 0 && p[0].revents)
			return 0;
	}
}

/* The key at the -k path, scanned without building a tree: strings unescaped into P->scratch,
 * numbers, booleans, objects and arrays as their JSON text in the line (so a 19-digit id keeps
 * every digit). False when missing or null. */
static bool json_key(struct producer *P, const char *s, size_t n, const char **key, size_t *len)
{
	struct tl_jslice v;
	if (tl_jscan_path(s, n, P->key_path, &v) < 0 || v.type == TL_J_NULL)
		return false;
	if (v.type == TL_J_STRING) {
		tl_buf_reset(&P->scratch);
		if (tl_jscan_unescape(&v, &P->scratch) < 0)
			return false;
		*key = P->scratch.data ? P->scratch.data : "";
		*len = P->scratch.len;
		return true;
	}
	*key = v.p;
	*len = v.len;
	return true;
}

/* The time at the --timestamp-field path: an RFC 3339 string or an epoch number. */
static bool json_time(struct producer *P, const char *s, size_t n, int64_t *ms)
{
	struct tl_jslice v;
	double d;
	if (tl_jscan_path(s, n, P->ts_field, &v) < 0)
		return false;
	if (v.type == TL_J_STRING) {
		tl_buf_reset(&P->scratch2);
		return tl_jscan_unescape(&v, &P->scratch2) == 0 && P->scratch2.data &&
		       tl_time_parse(P->scratch2.data, P->scratch2.len, ms) == 0;
	}
	if (v.type == TL_J_NUMBER) {
		char num[64];
		if (v.len >= sizeof num)
			return false;
		memcpy(num, v.p, v.len);
		num[v.len] = '\0';
		return tl_parse_double(num, &d) == 0 && tl_time_from_epoch(d, ms) == 0;
	}
	return false;
}

static void report_invalid(struct producer *P, const struct tl_line *line, const char *reason,
			   const char *data, size_t len)
{
	P->invalid++;
	tl_err("%s:%" PRIu64 ": %s%s", input_name(P, P->cur_input), line->lineno, reason,
	       P->strict ? "" : " (skipped)");
	dead_letter(P, reason, NULL, P->cur_input, line->lineno, NULL, 0, data, len, line->raw_len);
}

/* Produces one line. Returns 0, or -1 when the run must stop (--strict, signal). */
static int produce_line(struct producer *P, const struct tl_line *line)
{
	const char *value = line->data;
	size_t vlen = line->len;
	const char *key = NULL;
	size_t keylen = 0;
	int64_t ts = 0;
	uint64_t op;
	bool split = false;
	char why[160];

	P->lines++;
	{
		size_t i = 0;
		while (i < vlen && (value[i] == ' ' || value[i] == '\t'))
			i++;
		if (i == vlen) {
			P->blank++;
			return 0;
		}
	}
	if (P->delim) {
		const char *d = memmem(value, vlen, P->delim, P->delim_len);
		if (d) {
			key = value;
			keylen = (size_t)(d - value);
			value = d + P->delim_len;
			vlen -= keylen + P->delim_len;
			split = true;
		}
	} else if (P->key_fixed) {
		key = P->key_fixed;
		keylen = strlen(key);
	}
	if (P->validate) {
		const char *err;
		size_t pos;
		if (line->has_nul) {
			snprintf(why, sizeof why, "NUL byte at byte %zu",
				 (size_t)((const char *)memchr(line->data, '\0', line->len) -
					  line->data) + 1);
			report_invalid(P, line, why, line->data, line->len);
			return P->strict ? -1 : 0;
		}
		if (tl_json_validate(value, vlen, &err, &pos) < 0) {
			size_t upos;
			if (!tl_utf8_valid(line->data, line->len, &upos))
				snprintf(why, sizeof why, "invalid UTF-8 at byte %zu", upos + 1);
			else
				snprintf(why, sizeof why, "invalid JSON: %s at byte %zu", err,
					 pos + 1 + (size_t)(value - line->data));
			report_invalid(P, line, why, line->data, line->len);
			return P->strict ? -1 : 0;
		}
	}
	if (P->key_path || P->ts_field) {
		if (P->key_path) {
			if (!json_key(P, value, vlen, &key, &keylen)) {
				P->nokey++;
				tl_debug("%s:%" PRIu64 ": no key at %s", input_name(P, P->cur_input),
					 line->lineno, P->key_path);
			}
		}
		if (P->ts_field && !json_time(P, value, vlen, &ts)) {
			P->nots++;
			ts = 0;
			tl_debug("%s:%" PRIu64 ": no time at %s", input_name(P, P->cur_input),
				 line->lineno, P->ts_field);
		}
	}

	op = (line->lineno & OP_LINE_MASK) |
	     ((uint64_t)(P->cur_input < OP_INPUT_MAX ? P->cur_input : OP_INPUT_MAX)
	      << OP_LINE_BITS) | (split ? OP_SPLIT : 0);
	for (;;) {
		rd_kafka_resp_err_t err;
		if (!P->headers && !ts) {
			err = rd_kafka_produce(P->rkt, P->partition, RD_KAFKA_MSG_F_COPY,
					       (void *)value, vlen, key, keylen,
					       (void *)(uintptr_t)op) == 0
				      ? RD_KAFKA_RESP_ERR_NO_ERROR
				      : rd_kafka_last_error();
		} else {
			rd_kafka_headers_t *h = P->headers ? rd_kafka_headers_copy(P->headers) : NULL;
			err = rd_kafka_producev(P->rk, RD_KAFKA_V_RKT(P->rkt),
						RD_KAFKA_V_PARTITION(P->partition),
						RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
						RD_KAFKA_V_VALUE((void *)value, vlen),
						RD_KAFKA_V_KEY(key, keylen),
						RD_KAFKA_V_TIMESTAMP(ts),
						RD_KAFKA_V_HEADERS(h),
						RD_KAFKA_V_OPAQUE((void *)(uintptr_t)op),
						RD_KAFKA_V_END);
			if (err && h)
				rd_kafka_headers_destroy(h);
		}
		if (!err) {
			P->queued++;
			P->bytes_queued += vlen;
			break;
		}
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !tl_sig_caught()) {
			rd_kafka_poll(P->rk, 20);
			progress(P, false);
			continue;
		}
		const char *reason = err == RD_KAFKA_RESP_ERR__QUEUE_FULL
					     ? "not sent: the tool was stopped while the queue was full"
					     : rd_kafka_err2str(err);
		P->failed++;
		if (P->failures_reported++ < REPORT_FAILURES_MAX)
			tl_err("%s:%" PRIu64 ": not produced: %s", input_name(P, P->cur_input),
			       line->lineno, reason);
		dead_letter(P, reason, rd_kafka_err2name(err), P->cur_input, line->lineno,
			    split ? key : NULL, keylen, value, vlen, 0);
		if (rd_kafka_fatal_error(P->rk, NULL, 0))
			return -1;
		break;
	}
	/* Serve delivery reports now and then; the wait hook does it when input is idle. */
	if ((P->queued & 1023) == 0) {
		rd_kafka_poll(P->rk, 0);
		progress(P, false);
	}
	return 0;
}

/* At a stop, the part of a line already taken from the input (its end not yet written) is
 * reported and dead-lettered rather than dropped. */
static void report_unfinished(struct producer *P, const struct tl_lines *in)
{
	size_t rest = in->end - in->start;
	if (in->skipping) {
		P->lines++;
		P->invalid++;
		tl_err("%s:%" PRIu64 ": line longer than %zu bytes (message.max.bytes)%s",
		       input_name(P, P->cur_input), in->lineno + 1, P->max_line,
		       P->strict ? "" : " (skipped)");
		dead_letter(P, "line longer than message.max.bytes", NULL, P->cur_input,
			    in->lineno + 1, NULL, 0, NULL, 0, in->skipped);
		return;
	}
	if (rest == 0)
		return;
	P->lines++;
	P->failed++;
	tl_err("%s:%" PRIu64 ": stopped in the middle of this line (%zu bytes read): not produced",
	       input_name(P, P->cur_input), in->lineno + 1, rest);
	dead_letter(P, "unfinished: the tool was stopped before the end of the line", NULL,
		    P->cur_input, in->lineno + 1, NULL, 0, in->buf + in->start, rest, 0);
}

/* Reads one input to its end. Returns 0, or -1 when the run must stop. On a stop (signal,
 * report reader gone) the lines already read are still produced: nothing taken from the input
 * goes unaccounted. */
static int produce_input(struct producer *P, int fd)
{
	struct tl_lines in;
	struct tl_line line;
	int status = 0;
	bool stopping = false;
	tl_lines_init(&in, fd, P->max_line);
	tl_lines_set_wait(&in, wait_input, P);
	while (status == 0) {
		if (tl_sig_caught() || P->out_broken)
			stopping = true;
		if (stopping && !tl_lines_ready(&in)) {
			report_unfinished(P, &in);
			break;
		}
		int r = tl_lines_next(&in, &line);
		if (r == TL_LINE_EOF)
			break;
		if (r == TL_LINE_AGAIN)
			continue;
		if (r == TL_LINE_ERROR) {
			tl_err("%s: read error: %s", input_name(P, P->cur_input), strerror(errno));
			P->invalid++;
			status = P->strict ? -1 : 0;
			break;
		}
		if (r == TL_LINE_TOOLONG) {
			char why[128];
			P->lines++;
			snprintf(why, sizeof why, "line longer than %zu bytes (message.max.bytes)",
				 P->max_line);
			report_invalid(P, &line, why, NULL, 0);
			if (P->strict)
				status = -1;
			continue;
		}
		if (produce_line(P, &line) < 0)
			status = -1;
	}
	tl_lines_release(&in);
	return stopping ? -1 : status;
}

/* Waits for the queue to drain, within the flush timeout and until a new signal; whatever is
 * left is purged, so its delivery reports (failures) are counted and dead-lettered. */
static void flush_all(struct producer *P)
{
	int64_t deadline = tl_mono_ms() + P->flush_timeout_ms;
	int sigs = tl_sig_count();
	bool interrupted = false;
	while (rd_kafka_outq_len(P->rk) > 0) {
		if (tl_sig_count() != sigs) {
			interrupted = true;
			break;
		}
		int64_t left = deadline - tl_mono_ms();
		if (left <= 0)
			break;
		rd_kafka_flush(P->rk, (int)(left < 100 ? left : 100));
		progress(P, false);
	}
	if (rd_kafka_outq_len(P->rk) > 0) {
		uint64_t left = P->queued - P->delivered - P->dr_failed;
		tl_log_status_end();
		if (interrupted)
			tl_err("interrupted while flushing: %" PRIu64 " messages not confirmed", left);
		else
			tl_err("flush timeout (%" PRId64 " ms): %" PRIu64 " messages not confirmed",
			       P->flush_timeout_ms, left);
		rd_kafka_purge(P->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		/* The purged messages come back as failed delivery reports. */
		int64_t until = tl_mono_ms() + 5000;
		while (P->delivered + P->dr_failed < P->queued && tl_mono_ms() < until)
			rd_kafka_poll(P->rk, 50);
	}
	rd_kafka_poll(P->rk, 0);
}

/* "\t", "\n", "\\" and "\xNN" in a -K delimiter, as kcat takes them. */
static char *parse_delim(const char *s, size_t *len)
{
	struct tl_buf b = TL_BUF_INIT;
	for (size_t i = 0; s[i];) {
		if (s[i] == '\\' && s[i + 1]) {
			char c = s[i + 1];
			if (c == 't' || c == 'n' || c == 'r' || c == '\\') {
				tl_buf_addc(&b, c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : '\\');
				i += 2;
				continue;
			}
			if (c == 'x') {
				unsigned v = 0;
				size_t j = i + 2, k = 0;
				for (; k < 2 && s[j]; k++, j++) {
					char h = s[j];
					int d = h >= '0' && h <= '9' ? h - '0'
						: h >= 'a' && h <= 'f' ? h - 'a' + 10
						: h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
					if (d < 0)
						break;
					v = v * 16 + (unsigned)d;
				}
				if (k > 0) {
					tl_buf_addc(&b, (char)v);
					i = j;
					continue;
				}
			}
		}
		tl_buf_addc(&b, s[i++]);
	}
	return tl_buf_detach(&b, len);
}

static int add_header(struct producer *P, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (eq == arg || !*arg)
		return -1;
	if (!P->headers)
		P->headers = rd_kafka_headers_new(4);
	if (eq)
		rd_kafka_header_add(P->headers, arg, eq - arg, eq + 1, (ssize_t)strlen(eq + 1));
	else
		rd_kafka_header_add(P->headers, arg, -1, NULL, 0);
	return 0;
}

static void cleanup(struct producer *P, struct tl_kafka_conf *kc)
{
	tl_kafka_conf_release(kc);
	tl_buf_release(&P->scratch);
	tl_buf_release(&P->scratch2);
	if (P->headers)
		rd_kafka_headers_destroy(P->headers);
	free(P->delim);
	tl_log_cleanup();
}

/* Reads the options into P and kc (their defaults already set); returns TL_CLI_RUN or an exit
 * status. */
static int parse_args(int argc, char **argv, struct producer *P, struct tl_kafka_conf *kc)
{
	static char *const std_in[] = { (char *)"-" };
	struct tl_cli cli = { .spec = &cli_spec };
	int c, v, keymodes = 0;

	while ((c = tl_cli_next(&cli, argc, argv)) > 0) {
		switch (c) {
		case 'b': P->brokers = optarg; break;
		case 't': P->topic = optarg; break;
		case 'F':
			if (tl_kafka_conf_file(kc, optarg) < 0)
				return TL_EXIT_USAGE;
			break;
		case 'X':
			if (tl_kafka_conf_arg(kc, optarg) < 0)
				return TL_EXIT_USAGE;
			break;
		case 'k': P->key_path = optarg; keymodes++; break;
		case 'K':
			free(P->delim);
			P->delim = parse_delim(optarg, &P->delim_len);
			keymodes++;
			if (P->delim_len == 0)
				return tl_cli_bad_value(&cli, "a delimiter");
			break;
		case OPT_KEY: P->key_fixed = optarg; keymodes++; break;
		case 'p':
			if (tl_parse_int(optarg, 0, INT32_MAX, &v) < 0)
				return tl_cli_bad_value(&cli, "a partition number");
			P->partition = v;
			break;
		case 'H':
			if (add_header(P, optarg) < 0)
				return tl_cli_bad_value(&cli, "NAME=VALUE");
			break;
		case OPT_TSFIELD: P->ts_field = optarg; break;
		case OPT_NOVALIDATE: P->validate = false; break;
		case OPT_STRICT: P->strict = true; break;
		case OPT_DEADLETTER: P->dl_path = optarg; break;
		case OPT_FLUSHTIMEOUT:
			if (tl_parse_duration_ms(optarg, &P->flush_timeout_ms) < 0)
				return tl_cli_bad_value(&cli, "a duration (30s, 2m)");
			break;
		case OPT_PROGRESS: P->progress = 1; break;
		case OPT_NOPROGRESS: P->progress = 0; break;
		case OPT_REPORT: P->report = true; break;
		case OPT_MSK_IAM:
			if (tl_kafka_conf_set(kc, "sasl.mechanism", "AWS_MSK_IAM",
					      TL_KAFKA_SRC_ARGV) < 0)
				return TL_EXIT_USAGE;
			break;
		case OPT_PROFILE: P->aws_profile = optarg; break;
		case OPT_REGION: P->aws_region = optarg; break;
		}
	}
	if (c == TL_CLI_EXIT)
		return cli.status;
	if (!P->topic)
		return tl_cli_usage_error("a topic is required (-t TOPIC)");
	if (keymodes > 1)
		return tl_cli_usage_error("-k, -K and --key exclude each other");
	if (tl_kafka_conf_brokers(kc, P->brokers) < 0)
		return TL_EXIT_USAGE;
	if ((P->aws_profile || P->aws_region) && !kc->msk_iam)
		return tl_cli_usage_error("--profile and --region are for MSK IAM (--msk-iam)");
	if (tl_kafka_conf_auth(kc, P->aws_profile, P->aws_region) < 0)
		return TL_EXIT_USAGE;
	if (cli.verbose >= 2) {
		char *dbg = tl_kafka_conf_get(kc, "debug");
		if (!dbg || !*dbg)
			tl_kafka_conf_set(kc, "debug", "broker,topic,msg", TL_KAFKA_SRC_DEFAULT);
		free(dbg);
	}
	char *mmb = tl_kafka_conf_get(kc, "message.max.bytes");
	uint64_t max = 0;
	if (!mmb || tl_parse_u64(mmb, SIZE_MAX / 2, &max) < 0 || max == 0)
		max = 1000000;
	P->max_line = (size_t)max;
	free(mmb);
	P->inputs = optind < argc ? argv + optind : std_in;
	P->ninputs = optind < argc ? (size_t)(argc - optind) : 1;
	if (cli.quiet || P->progress < 0)
		P->progress = !cli.quiet && isatty(STDERR_FILENO);
	return TL_CLI_RUN;
}

/* Opens the dead-letter file, the producer and its wake-up pipe; returns TL_CLI_RUN or an exit
 * status. */
static int producer_open(struct producer *P, struct tl_kafka_conf *kc)
{
	char errstr[512];
	if (P->dl_path) {
		int fd = open(P->dl_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (fd < 0) {
			tl_err("--dead-letter %s: %s", P->dl_path, strerror(errno));
			return TL_EXIT_USAGE;
		}
		tl_out_init(&P->dl, fd);
		P->dl_open = true;
	}
	tl_out_init(&P->out, STDOUT_FILENO);

	rd_kafka_conf_t *conf = tl_kafka_conf_take(kc);
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	rd_kafka_conf_set_opaque(conf, P);
	P->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (!P->rk) {
		tl_err("%s", errstr);
		rd_kafka_conf_destroy(conf);
		if (P->dl_open) {
			tl_out_close(&P->dl);
			close(P->dl.fd);
		}
		tl_out_close(&P->out);
		return TL_EXIT_USAGE;
	}
	if (tl_kafka_conf_start(kc, P->rk) < 0)
		tl_die(TL_EXIT_FAIL, "cannot start the Kafka client");
	P->rkt = rd_kafka_topic_new(P->rk, P->topic, NULL);
	if (!P->rkt)
		tl_die(TL_EXIT_USAGE, "topic %s: %s", P->topic, rd_kafka_err2str(rd_kafka_last_error()));
	if (pipe2(P->wake, O_NONBLOCK | O_CLOEXEC) < 0)
		tl_die(TL_EXIT_FAIL, "pipe: %s", strerror(errno));
	rd_kafka_queue_t *mq = rd_kafka_queue_get_main(P->rk);
	rd_kafka_queue_io_event_enable(mq, P->wake[1], "1", 1);
	rd_kafka_queue_destroy(mq);
	return TL_CLI_RUN;
}

/* Produces every input in turn, then flushes what is queued and closes the producer. Returns how
 * many inputs could not be opened. */
static uint64_t produce_all(struct producer *P)
{
	uint64_t open_failures = 0;
	P->t0 = P->last_tick = tl_mono_ms();
	P->next_tick = P->t0 + 1000;
	for (size_t i = 0; i < P->ninputs; i++) {
		int fd = STDIN_FILENO;
		P->cur_input = i;
		if (strcmp(P->inputs[i], "-") != 0) {
			fd = open(P->inputs[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				tl_err("%s: %s", P->inputs[i], strerror(errno));
				open_failures++;
				continue;
			}
		}
		int r = produce_input(P, fd);
		if (fd != STDIN_FILENO)
			close(fd);
		if (r < 0)
			break;
	}
	P->stopped_early = tl_sig_caught() || P->out_broken;
	flush_all(P);
	progress(P, true);
	tl_log_status_end();

	rd_kafka_queue_t *mq = rd_kafka_queue_get_main(P->rk);
	rd_kafka_queue_io_event_enable(mq, -1, NULL, 0);
	rd_kafka_queue_destroy(mq);
	rd_kafka_topic_destroy(P->rkt);
	rd_kafka_destroy(P->rk);
	close(P->wake[0]);
	close(P->wake[1]);
	return open_failures;
}

/* The summary on stderr; closes the outputs; returns the exit status. */
static int report(struct producer *P, uint64_t open_failures)
{
	int64_t ms = tl_mono_ms() - P->t0;
	double secs = (double)(ms > 0 ? ms : 1) / 1000.0;
	uint64_t unreported = P->queued - P->delivered - P->dr_failed;
	tl_info("%" PRIu64 " lines read, %" PRIu64 " delivered, %" PRIu64 " invalid, %" PRIu64
		" failed, %" PRIu64 " blank, in %.1f s (%.0f msg/s, %.1f MB/s)%s", P->lines,
		P->delivered, P->invalid, P->failed, P->blank, secs, (double)P->delivered / secs,
		(double)P->bytes_delivered / secs / 1e6,
		P->stopped_early ? ": stopped before the end of input" : "");
	if (P->nokey)
		tl_warn("%" PRIu64 " messages without a key (%s missing)", P->nokey, P->key_path);
	if (P->nots)
		tl_warn("%" PRIu64 " messages timestamped now (%s missing or not a time)", P->nots,
			P->ts_field);

	int status = TL_EXIT_OK;
	if (P->invalid || P->failed || open_failures || unreported || P->dl_broken)
		status = TL_EXIT_FAIL;
	if (unreported)
		tl_err("%" PRIu64 " messages with no delivery report: their fate is unknown",
		       unreported);
	if (P->dl_open && tl_out_close(&P->dl) < 0) {
		tl_err("dead-letter file: %s", strerror(P->dl.err));
		status = TL_EXIT_FAIL;
	}
	if (P->dl_open)
		close(P->dl.fd);
	if (tl_out_close(&P->out) < 0 && !P->out_broken)
		status = TL_EXIT_FAIL;
	if (status == TL_EXIT_OK && P->stopped_early)
		status = P->out_broken ? 128 + SIGPIPE : tl_sig_exit_status();
	return status;
}

int main(int argc, char **argv)
{
	struct producer P = { .partition = RD_KAFKA_PARTITION_UA, .validate = true, .progress = -1,
			      .flush_timeout_ms = 30000, .wake = { -1, -1 },
			      .scratch = TL_BUF_INIT, .scratch2 = TL_BUF_INIT };
	struct tl_kafka_conf kc;

	tl_cli_init(argv[0]);
	tl_kafka_conf_init(&kc, TL_KAFKA_PRODUCER);
	int status = parse_args(argc, argv, &P, &kc);
	if (status == TL_CLI_RUN)
		status = producer_open(&P, &kc);
	if (status == TL_CLI_RUN)
		status = report(&P, produce_all(&P));
	cleanup(&P, &kc);
	return status;
}
