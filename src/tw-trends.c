/* tw-trends: what is trending right now, seconds after it is tweeted.
 *
 * Reads merged tweets (tw-stream's output) on stdin or from Kafka as a consumer group of its
 * own, counts their terms in event-time windows, and writes NDJSON: a "window" line per step
 * with the volume and the top terms, and trend-start / trend-update / trend-end lines when a
 * term rises significantly above its own baseline, with forecasts. Optionally a live
 * full-screen view (--watch), an SVG picture rewritten on each refresh (--svg), and baselines
 * kept across restarts (--state). The detection, the sketches and the forecasts are in
 * lib/tl_trends.c; the terms in lib/tl_terms.c; the pictures in lib/tl_trendview.c.
 */
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_cli.h"
#include "tl_io.h"
#include "tl_kafka.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_sig.h"
#include "tl_terms.h"
#include "tl_time.h"
#include "tl_trends.h"
#include "tl_trendview.h"
#include "tl_tty.h"
#include "tl_tweet.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char USAGE[] =
	"usage: tw-trends [-b BROKERS -G GROUP -t TOPIC[,TOPIC...] [-X KEY=VALUE]... [-F FILE]\n"
	"                 [--exit-at-end]] [--kinds LIST] [--by-lang] [--time-field PATH]\n"
	"                 [--step DURATION] [--window DURATION] [--delay DURATION] [--lateness DURATION]\n"
	"                 [--max-future DURATION] [--half-life DURATION] [--warmup DURATION]\n"
	"                 [--min-count N] [--min-ratio X] [--score X] [--end-score X] [--hold DURATION]\n"
	"                 [--update-every DURATION] [--horizon N] [--holt A,B,PHI] [--capacity N]\n"
	"                 [--sketch-width N] [--top N] [--history DURATION] [--early DURATION]\n"
	"                 [--state FILE] [--state-every DURATION] [--watch] [--svg FILE]\n"
	"                 [--refresh DURATION] [-o FILE] [-v | -q]\n"
	"\n"
	"Finds trends in merged tweets (tw-stream's output) from stdin, or from Kafka as a consumer\n"
	"group of its own. Writes NDJSON: a \"window\" line per step (volume, top terms, forecast) and\n"
	"\"trend-start\", \"trend-update\", \"trend-end\" lines for terms rising significantly above\n"
	"their own baseline. Windows are in event time (created_at).\n"
	"\n"
	"  -b, --brokers LIST      Kafka bootstrap brokers (default $KAFKA_BROKERS)\n"
	"  -G, --group GROUP       consumer group (default tw-trends)\n"
	"  -t, --topic LIST        read these Kafka topics instead of stdin\n"
	"  -X KEY=VALUE            a librdkafka property (repeatable)\n"
	"  -F FILE                 librdkafka properties from a file\n"
	"      --exit-at-end       with Kafka: stop at the end of the topics\n"
	"      --kinds LIST        hashtag,cashtag,mention,domain,word,phrase or all (all)\n"
	"      --by-lang           a term's language is part of it (\"ai\" in en and in es differ)\n"
	"      --time-field PATH   the event time (default created_at; RFC 3339, X v1.1, epoch)\n"
	"      --step DURATION     how often windows are evaluated, in event time (1s)\n"
	"      --window DURATION   the detection window (1m)\n"
	"      --delay DURATION    the watermark's delay behind the latest event time (0)\n"
	"      --lateness DURATION how late a tweet may come and still count (5m)\n"
	"      --max-future DURATION  drop times further ahead of the clock than this (5m)\n"
	"      --half-life DURATION   the baselines' EWMA half-life (30m)\n"
	"      --warmup DURATION   no trend starts before the baselines saw this much (5m)\n"
	"      --min-count N       tweets a term needs in the window to trend (10)\n"
	"      --min-ratio X       times its baseline a term needs to trend (3)\n"
	"      --score X           -log10 p of the Poisson test to start a trend (6)\n"
	"      --end-score X       a trend ends when the score stays below this (2)\n"
	"      --hold DURATION     ... for this long (1m)\n"
	"      --update-every DURATION  trend-update lines while trending (30s)\n"
	"      --horizon N         windows to forecast (3)\n"
	"      --holt A,B,PHI      Holt's smoothing parameters per step (0.5,0.1,0.98)\n"
	"      --capacity N        terms tracked at most (20000)\n"
	"      --sketch-width N    counters per row of the count-min sketches (65536)\n"
	"      --top N             terms in each window line (10)\n"
	"      --history DURATION  what the view and the picture show (30m)\n"
	"      --early DURATION    \"partial\" lines this often for live input (500ms; 0: never)\n"
	"      --state FILE        keep baselines and trends in FILE across restarts\n"
	"      --state-every DURATION  rewrite the state this often (1m)\n"
	"      --watch             a live full-screen view on the terminal\n"
	"      --svg FILE          an SVG picture, rewritten on each refresh\n"
	"      --refresh DURATION  how often the view and the picture are redrawn (1s)\n"
	"  -o, --output FILE       write the NDJSON lines to FILE instead of stdout\n";

#define LINE_MAX_BYTES ((size_t)1 << 20)
#define WARN_MAX 10

struct app {
	struct tl_trends_opts o;
	const char *time_field, *state_path, *svg_path, *out_path;
	char *brokers, *group;
	char **topics;
	size_t ntopics;
	bool exit_at_end, watch, early_set;
	int64_t early_ms, state_every_ms, refresh_ms;

	struct tl_trends *tr;
	struct tl_terms *terms;
	struct tl_tweet tw;
	struct tl_out out;
	int out_fd;
	bool out_broken, discard;
	bool live;
	struct tl_tty tty;
	bool tty_on, quit, ended;
	struct tl_trends_snap *snap;
	struct tl_buf frame;
	int64_t next_partial, next_view, next_svg, next_state;
	uint64_t lines, bad, not_tweet, too_long, warned;
	rd_kafka_t *rk;
};

static void warn_line(struct app *a, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn_line(struct app *a, const char *where, const char *fmt, ...)
{
	if (a->warned++ >= WARN_MAX) {
		if (a->warned == WARN_MAX + 1)
			tl_warn("more bad lines are counted but not shown (see the summary)");
		return;
	}
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tl_warn("%s: %s", where, msg);
}

/* ---- output ---- */

static int emit(void *ctx, const char *line, size_t n)
{
	struct app *a = ctx;
	if (a->discard)
		return 0;
	if (a->out_broken || tl_out_record(&a->out, line, n) < 0) {
		a->out_broken = true;
		return -1;
	}
	return 0;
}

/* ---- one tweet ---- */

/* The token at a dotted path below obj ("created_at", "data.created_at", "a.0.b"), or -1. */
static long tape_path(const struct tl_jdoc *d, size_t obj, const char *path)
{
	long cur = (long)obj;
	while (*path && cur >= 0) {
		size_t n = strcspn(path, ".");
		char seg[128];
		if (n >= sizeof seg)
			return -1;
		memcpy(seg, path, n);
		seg[n] = 0;
		if (d->t[cur].type == TL_J_OBJECT) {
			cur = tl_jdoc_get(d, (size_t)cur, seg);
		} else if (d->t[cur].type == TL_J_ARRAY) {
			uint64_t i;
			if (tl_parse_u64(seg, 1u << 20, &i) < 0)
				return -1;
			cur = tl_jdoc_at(d, (size_t)cur, (size_t)i);
		} else {
			return -1;
		}
		path += n;
		if (*path == '.')
			path++;
	}
	return cur;
}

static bool event_time(struct app *a, size_t obj, int64_t *ms)
{
	const struct tl_jdoc *d = &a->tw.doc;
	long tok = a->time_field ? tape_path(d, obj, a->time_field) : tl_jdoc_get(d, obj, "created_at");
	if (tok < 0)
		return false;
	if (d->t[tok].type == TL_J_STRING)
		return tl_time_parse(d->s + d->t[tok].start + 1, d->t[tok].end - d->t[tok].start - 2, ms) == 0;
	double v;
	return tl_jdoc_num(d, tok, &v) && tl_time_from_epoch(v, ms) == 0;
}

/* One input line; where names it in messages ("line 12", "tweets[3]@4711"). Returns -1 when
 * the output is gone. */
static int handle_line(struct app *a, const char *line, size_t n, const char *where)
{
	a->lines++;
	int kind = tl_tweet_parse(&a->tw, line, n);
	if (kind == TL_TWEET_KEEPALIVE)
		return 0;
	if (kind == TL_TWEET_BAD) {
		a->bad++;
		warn_line(a, where, "not JSON (%s at byte %zu), skipped", a->tw.why, a->tw.errpos);
		return 0;
	}
	if (kind != TL_TWEET_DATA && kind != TL_TWEET_FLAT) {
		a->not_tweet++;
		warn_line(a, where, "JSON but not a tweet, skipped");
		return 0;
	}
	size_t obj = (size_t)a->tw.data;
	int64_t t;
	if (!event_time(a, obj, &t)) {
		tl_trends_no_time(a->tr);
		warn_line(a, where, "no readable %s, skipped", a->time_field ? a->time_field : "created_at");
		return 0;
	}
	const struct tl_jdoc *d = &a->tw.doc;
	tl_terms_tweet(a->terms, d, obj);
	const char *lang = NULL;
	size_t ll = 0;
	long lt = tl_jdoc_get(d, obj, "lang");
	if (lt >= 0 && d->t[lt].type == TL_J_STRING) {
		lang = d->s + d->t[lt].start + 1;
		ll = d->t[lt].end - d->t[lt].start - 2;
	}
	double sent = NAN, v;
	long st = tl_jdoc_get(d, obj, "sentiment");
	if (st >= 0 && d->t[st].type == TL_J_OBJECT && tl_jdoc_num(d, tl_jdoc_get(d, (size_t)st, "compound"), &v) &&
	    v >= -1 && v <= 1)
		sent = v;
	int r = tl_trends_add(a->tr, t, a->terms, lang, ll, sent, tl_now_ms());
	if (r == TL_TRENDS_FUTURE)
		warn_line(a, where, "a time too far ahead, dropped");
	return r < 0 ? -1 : 0;
}

/* ---- views, picture, state: on the wall clock ---- */

static void draw_view(struct app *a)
{
	tl_trends_snapshot(a->tr, a->snap);
	tl_buf_reset(&a->frame);
	if (a->tty_on) {
		tl_tty_size(&a->tty);
		unsigned fl = (a->tty.utf8 ? TL_VIEW_UTF8 : 0) | (a->tty.color ? TL_VIEW_COLOR : 0) |
			      (a->ended ? TL_VIEW_ENDED : 0);
		tl_trendview_text(a->snap, a->tty.rows, a->tty.cols, fl, &a->frame);
		tl_tty_draw(&a->tty, a->frame.data, a->frame.len);
	} else {
		/* stdout is not a terminal: plain frames, no escape codes */
		const char *cs = nl_langinfo(CODESET);
		bool utf8 = cs && strcmp(cs, "UTF-8") == 0;
		tl_trendview_text(a->snap, 24, 80, utf8 ? TL_VIEW_UTF8 : 0, &a->frame);
		/* a frame is a record of several lines: the blank line after it parts frames */
		if (tl_out_record(&a->out, a->frame.data, a->frame.len) < 0 || tl_out_flush(&a->out) < 0)
			a->out_broken = true;
	}
}

static void write_svg(struct app *a)
{
	tl_trends_snapshot(a->tr, a->snap);
	tl_buf_reset(&a->frame);
	tl_trendview_svg(a->snap, &a->frame);
	if (tl_write_file_atomic(a->svg_path, a->frame.data, a->frame.len, false) < 0)
		tl_warn("%s: %s", a->svg_path, strerror(errno));
}

static int save_state(struct app *a)
{
	struct tl_buf b;
	tl_buf_init(&b, 0);
	int rc = tl_trends_save(a->tr, &b);
	if (rc == 0 && (rc = tl_write_file_atomic(a->state_path, b.data, b.len, true)) < 0)
		tl_err("%s: %s", a->state_path, strerror(errno));
	else
		tl_debug("state saved in %s (%zu bytes)", a->state_path, b.len);
	tl_buf_release(&b);
	return rc;
}

static void keys(struct app *a)
{
	int k;
	while (a->tty_on && (k = tl_tty_key(&a->tty)) >= 0)
		if (k == 'q' || k == 'Q')
			a->quit = true;
}

/* Runs what is due; returns the ms until the next thing is (at most 1000). */
static int64_t tick(struct app *a)
{
	int64_t now = tl_mono_ms(), next = now + 1000;
	keys(a);
	if (a->live && a->early_ms && now >= a->next_partial) {
		if (tl_trends_partial(a->tr) < 0)
			a->out_broken = true;
		a->next_partial = now + a->early_ms;
	}
	if (a->watch && (now >= a->next_view || (a->tty_on && tl_tty_resized(&a->tty)))) {
		draw_view(a);
		a->next_view = now + a->refresh_ms;
	}
	if (a->svg_path && now >= a->next_svg) {
		write_svg(a);
		a->next_svg = now + a->refresh_ms;
	}
	if (a->state_path && now >= a->next_state) {
		save_state(a);
		a->next_state = now + a->state_every_ms;
	}
	if (a->live && a->early_ms && a->next_partial < next)
		next = a->next_partial;
	if (a->watch && a->next_view < next)
		next = a->next_view;
	if (a->svg_path && a->next_svg < next)
		next = a->next_svg;
	return next > now ? next - now : 0;
}

static bool stopping(struct app *a)
{
	return tl_sig_caught() || a->quit || a->out_broken;
}

/* The input ended: the view stays with its last picture until q or Ctrl-C. */
static void linger(struct app *a)
{
	a->ended = true;
	draw_view(a);
	while (!tl_sig_caught() && !a->quit) {
		struct pollfd p = { .fd = a->tty.in_fd, .events = POLLIN };
		poll(&p, a->tty.in_fd >= 0 ? 1 : 0, 1000);
		keys(a);
		if (tl_tty_resized(&a->tty))
			draw_view(a);
	}
}

/* ---- stdin ---- */

static int wait_stdin(int fd, void *ctx)
{
	struct app *a = ctx;
	for (;;) {
		if (stopping(a))
			return 1;
		int64_t wait = tick(a);
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = a->tty.in_fd, .events = POLLIN } };
		int np = a->tty_on && a->tty.in_fd >= 0 ? 2 : 1;
		int r = poll(p, (nfds_t)np, (int)wait);
		if (r < 0 && errno != EINTR)
			return 0; /* let read(2) report it */
		if (r > 0 && p[0].revents)
			return 0;
	}
}

static int run_stdin(struct app *a)
{
	struct tl_lines r;
	struct tl_line ln;
	tl_lines_init(&r, STDIN_FILENO, LINE_MAX_BYTES);
	tl_lines_set_wait(&r, wait_stdin, a);
	int rc = 0;
	char where[48];
	while (!stopping(a)) {
		int st = tl_lines_next(&r, &ln);
		if (st == TL_LINE_EOF)
			break;
		if (st == TL_LINE_AGAIN)
			continue;
		if (st == TL_LINE_ERROR) {
			tl_err("reading stdin: %s", strerror(errno));
			rc = -1;
			break;
		}
		snprintf(where, sizeof where, "line %llu", (unsigned long long)ln.lineno);
		if (st == TL_LINE_TOOLONG) {
			a->too_long++;
			warn_line(a, where, "longer than %zu bytes, skipped", r.max);
			continue;
		}
		if (handle_line(a, ln.data, ln.len, where) < 0)
			break;
		if ((ln.lineno & 255) == 0)
			tick(a);
	}
	tl_lines_release(&r);
	return rc;
}

/* ---- Kafka ---- */

struct eofs {
	rd_kafka_topic_partition_list_t *at_end;
};

static bool all_at_end(struct app *a, struct eofs *e)
{
	rd_kafka_topic_partition_list_t *as = NULL;
	if (rd_kafka_assignment(a->rk, &as) || !as)
		return false;
	bool all = as->cnt > 0;
	for (int i = 0; i < as->cnt && all; i++)
		all = rd_kafka_topic_partition_list_find(e->at_end, as->elems[i].topic, as->elems[i].partition) != NULL;
	rd_kafka_topic_partition_list_destroy(as);
	return all;
}

static int run_kafka(struct app *a, struct tl_kafka_conf *kc)
{
	char errstr[512];
	tl_kafka_conf_set(kc, "group.id", a->group ? a->group : "tw-trends", TL_KAFKA_SRC_ARGV);
	if (a->exit_at_end)
		tl_kafka_conf_set(kc, "enable.partition.eof", "true", TL_KAFKA_SRC_DEFAULT);
	/* MSK IAM from -X/-F, with AWS_PROFILE and AWS_REGION */
	if (tl_kafka_conf_auth(kc, NULL, NULL) != 0)
		return TL_EXIT_USAGE;
	rd_kafka_conf_t *conf = tl_kafka_conf_take(kc);
	a->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
	if (!a->rk) {
		tl_err("%s", errstr);
		rd_kafka_conf_destroy(conf);
		return TL_EXIT_USAGE;
	}
	if (tl_kafka_conf_start(kc, a->rk) != 0)
		return TL_EXIT_FAIL;
	rd_kafka_poll_set_consumer(a->rk);
	rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)a->ntopics);
	for (size_t i = 0; i < a->ntopics; i++)
		rd_kafka_topic_partition_list_add(subs, a->topics[i], RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t err = rd_kafka_subscribe(a->rk, subs);
	rd_kafka_topic_partition_list_destroy(subs);
	int rc = 0;
	struct eofs e = { rd_kafka_topic_partition_list_new(8) };
	char where[300];
	if (err) {
		tl_err("subscribing: %s", rd_kafka_err2str(err));
		rc = TL_EXIT_FAIL;
	}
	while (!rc && !stopping(a)) {
		int64_t wait = tick(a);
		rd_kafka_message_t *m = rd_kafka_consumer_poll(a->rk, (int)(wait < 100 ? wait : 100));
		if (!m)
			continue;
		const char *topic = rd_kafka_topic_name(m->rkt);
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (!rd_kafka_topic_partition_list_find(e.at_end, topic, m->partition))
				rd_kafka_topic_partition_list_add(e.at_end, topic, m->partition);
			if (a->exit_at_end && all_at_end(a, &e))
				a->quit = true;
		} else if (m->err) {
			tl_warn("kafka: %s", rd_kafka_message_errstr(m));
			if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
			    m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
				rc = TL_EXIT_FAIL;
		} else {
			rd_kafka_topic_partition_list_del(e.at_end, topic, m->partition);
			snprintf(where, sizeof where, "%s[%d]@%lld", topic, (int)m->partition, (long long)m->offset);
			if (handle_line(a, m->payload ? m->payload : "", m->len, where) < 0)
				a->out_broken = true;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_topic_partition_list_destroy(e.at_end);
	return rc;
}

/* ---- options ---- */

enum {
	O_KINDS = 256, O_BYLANG, O_TIMEFIELD, O_STEP, O_WINDOW, O_DELAY, O_LATENESS, O_FUTURE, O_HALFLIFE,
	O_WARMUP, O_MINCOUNT, O_MINRATIO, O_SCORE, O_ENDSCORE, O_HOLD, O_UPDATE, O_HORIZON, O_HOLT, O_CAPACITY,
	O_SKETCH, O_TOP, O_HISTORY, O_EARLY, O_STATE, O_STATE_EVERY, O_WATCH, O_SVG, O_REFRESH, O_EXIT_AT_END,
};

static const struct option LONGOPTS[] = {
	{ "brokers", required_argument, NULL, 'b' },
	{ "group", required_argument, NULL, 'G' },
	{ "topic", required_argument, NULL, 't' },
	{ "exit-at-end", no_argument, NULL, O_EXIT_AT_END },
	{ "kinds", required_argument, NULL, O_KINDS },
	{ "by-lang", no_argument, NULL, O_BYLANG },
	{ "time-field", required_argument, NULL, O_TIMEFIELD },
	{ "step", required_argument, NULL, O_STEP },
	{ "window", required_argument, NULL, O_WINDOW },
	{ "delay", required_argument, NULL, O_DELAY },
	{ "lateness", required_argument, NULL, O_LATENESS },
	{ "max-future", required_argument, NULL, O_FUTURE },
	{ "half-life", required_argument, NULL, O_HALFLIFE },
	{ "warmup", required_argument, NULL, O_WARMUP },
	{ "min-count", required_argument, NULL, O_MINCOUNT },
	{ "min-ratio", required_argument, NULL, O_MINRATIO },
	{ "score", required_argument, NULL, O_SCORE },
	{ "end-score", required_argument, NULL, O_ENDSCORE },
	{ "hold", required_argument, NULL, O_HOLD },
	{ "update-every", required_argument, NULL, O_UPDATE },
	{ "horizon", required_argument, NULL, O_HORIZON },
	{ "holt", required_argument, NULL, O_HOLT },
	{ "capacity", required_argument, NULL, O_CAPACITY },
	{ "sketch-width", required_argument, NULL, O_SKETCH },
	{ "top", required_argument, NULL, O_TOP },
	{ "history", required_argument, NULL, O_HISTORY },
	{ "early", required_argument, NULL, O_EARLY },
	{ "state", required_argument, NULL, O_STATE },
	{ "state-every", required_argument, NULL, O_STATE_EVERY },
	{ "watch", no_argument, NULL, O_WATCH },
	{ "svg", required_argument, NULL, O_SVG },
	{ "refresh", required_argument, NULL, O_REFRESH },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

static const struct tl_cli_spec cli_spec = {
	.usage = USAGE,
	.verbose_help = "more messages",
	.shortopts = "b:G:t:X:F:o:",
	.longopts = LONGOPTS,
	.max_args = 0,
};

static int duration(const struct tl_cli *cli, const char *s, int64_t *ms)
{
	if (tl_parse_duration_ms(s, ms) < 0 || *ms < 0)
		return tl_cli_bad_value(cli, "a duration (500ms, 30s, 5m, 2h)");
	return 0;
}

static int number(const struct tl_cli *cli, const char *s, double *v)
{
	if (tl_parse_double(s, v) < 0 || *v < 0)
		return tl_cli_bad_value(cli, "a number, 0 or more");
	return 0;
}

static int count(const struct tl_cli *cli, const char *s, uint64_t max, size_t *n)
{
	uint64_t v;
	if (tl_parse_u64(s, max, &v) < 0)
		return tl_cli_bad_value(cli, "a whole number in range");
	*n = (size_t)v;
	return 0;
}

static int holt(const struct tl_cli *cli, const char *s, struct tl_trends_opts *o)
{
	char buf[96];
	double v[3];
	snprintf(buf, sizeof buf, "%s", s);
	char *p = buf;
	for (int i = 0; i < 3; i++) {
		char *e = strchr(p, ',');
		if ((e == NULL) != (i == 2))
			return tl_cli_bad_value(cli, "ALPHA,BETA,PHI");
		if (e)
			*e = 0;
		if (tl_parse_double(p, &v[i]) < 0)
			return tl_cli_bad_value(cli, "ALPHA,BETA,PHI (three numbers)");
		p = e ? e + 1 : p;
	}
	o->holt_alpha = v[0];
	o->holt_beta = v[1];
	o->holt_phi = v[2];
	return 0;
}

static void split_topics(struct app *a, const char *list)
{
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n) {
			a->topics = xrealloc(a->topics, (a->ntopics + 1) * sizeof *a->topics);
			a->topics[a->ntopics++] = xstrndup(p, n);
		}
		p += n + (p[n] == ',');
	}
}

/* Reads the options into a and kc (their defaults already set); returns TL_CLI_RUN or an exit
 * status. */
static int parse_args(struct app *a, int argc, char **argv, struct tl_kafka_conf *kc)
{
	struct tl_trends_opts *o = &a->o;
	struct tl_cli cli = { .spec = &cli_spec };
	int c, rc = 0;
	size_t n;
	const char *bad;
	long kinds;
	while (rc == 0 && (c = tl_cli_next(&cli, argc, argv)) > 0) {
		switch (c) {
		case 'b': free(a->brokers); a->brokers = xstrdup(optarg); break;
		case 'G': free(a->group); a->group = xstrdup(optarg); break;
		case 't': split_topics(a, optarg); break;
		case 'X': rc = tl_kafka_conf_arg(kc, optarg) ? TL_EXIT_USAGE : 0; break;
		case 'F': rc = tl_kafka_conf_file(kc, optarg) ? TL_EXIT_USAGE : 0; break;
		case 'o': a->out_path = optarg; break;
		case O_EXIT_AT_END: a->exit_at_end = true; break;
		case O_KINDS:
			if ((kinds = tl_term_kinds_parse(optarg, &bad)) < 0)
				rc = tl_cli_usage_error("--kinds: unknown kind '%.*s' (hashtag, cashtag, mention, domain, "
							"word, phrase, all)", (int)strcspn(bad, ","), bad);
			o->kinds = (unsigned)kinds;
			break;
		case O_BYLANG: o->by_lang = true; break;
		case O_TIMEFIELD: a->time_field = optarg; break;
		case O_STEP: rc = duration(&cli, optarg, &o->step_ms); break;
		case O_WINDOW: rc = duration(&cli, optarg, &o->window_ms); break;
		case O_DELAY: rc = duration(&cli, optarg, &o->delay_ms); break;
		case O_LATENESS: rc = duration(&cli, optarg, &o->lateness_ms); break;
		case O_FUTURE: rc = duration(&cli, optarg, &o->max_future_ms); break;
		case O_HALFLIFE: rc = duration(&cli, optarg, &o->half_life_ms); break;
		case O_WARMUP: rc = duration(&cli, optarg, &o->warmup_ms); break;
		case O_HOLD: rc = duration(&cli, optarg, &o->hold_ms); break;
		case O_UPDATE: rc = duration(&cli, optarg, &o->update_ms); break;
		case O_HISTORY: rc = duration(&cli, optarg, &o->history_ms); break;
		case O_EARLY: rc = duration(&cli, optarg, &a->early_ms); a->early_set = true; break;
		case O_STATE_EVERY: rc = duration(&cli, optarg, &a->state_every_ms); break;
		case O_REFRESH: rc = duration(&cli, optarg, &a->refresh_ms); break;
		case O_MINCOUNT: rc = number(&cli, optarg, &o->min_count); break;
		case O_MINRATIO: rc = number(&cli, optarg, &o->min_ratio); break;
		case O_SCORE: rc = number(&cli, optarg, &o->start_score); break;
		case O_ENDSCORE: rc = number(&cli, optarg, &o->end_score); break;
		case O_HOLT: rc = holt(&cli, optarg, o); break;
		case O_HORIZON: rc = count(&cli, optarg, 8, &n); o->horizon = (int)n; break;
		case O_CAPACITY: rc = count(&cli, optarg, 10000000, &o->capacity); break;
		case O_SKETCH: rc = count(&cli, optarg, (uint64_t)1 << 26, &o->sketch_width); break;
		case O_TOP: rc = count(&cli, optarg, 100, &o->top); break;
		case O_STATE: a->state_path = optarg; break;
		case O_WATCH: a->watch = true; break;
		case O_SVG: a->svg_path = optarg; break;
		}
	}
	if (rc)
		return rc;
	if (c == TL_CLI_EXIT)
		return cli.status;
	const char *why = tl_trends_opts_check(o);
	if (why)
		return tl_cli_usage_error("%s", why);
	if (!a->ntopics && (a->brokers || a->group || a->exit_at_end))
		return tl_cli_usage_error("-b, -G and --exit-at-end are for Kafka input: name the topics with -t");
	if (a->refresh_ms < 100)
		return tl_cli_usage_error("--refresh: at least 100ms");
	if (a->state_every_ms < 1000)
		return tl_cli_usage_error("--state-every: at least 1s");
	return TL_CLI_RUN;
}

/* ---- main ---- */

static int open_output(struct app *a)
{
	a->out_fd = STDOUT_FILENO;
	if (a->out_path && strcmp(a->out_path, "-") != 0) {
		a->out_fd = open(a->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (a->out_fd < 0) {
			tl_err("%s: %s", a->out_path, strerror(errno));
			return -1;
		}
	}
	tl_out_init(&a->out, a->out_fd);
	return 0;
}

static int load_state(struct app *a)
{
	size_t n;
	char *text = tl_read_path(a->state_path, (size_t)1 << 30, &n);
	if (!text) {
		if (errno == ENOENT) {
			tl_info("%s: no state yet; starting afresh", a->state_path);
			return 0;
		}
		tl_err("%s: %s", a->state_path, strerror(errno));
		return -1;
	}
	const char *note = NULL;
	char *err = NULL;
	int rc = tl_trends_load(a->tr, text, n, &note, &err);
	if (rc < 0) {
		tl_err("%s: %s (not a state this version wrote? move it away to start afresh)", a->state_path, err);
		free(err);
	} else {
		tl_info("%s: state restored%s%s", a->state_path, note ? "; " : "", note ? note : "");
	}
	free(text);
	return rc;
}

static void summary(struct app *a)
{
	struct tl_trends_stats st;
	tl_trends_stats(a->tr, &st);
	tl_info("%llu tweets (%llu late, %llu too late, %llu from the future, %llu without a time); "
		"%llu bad lines, %llu not tweets, %llu too long; %llu windows, %llu trends started, %llu ended; "
		"%zu terms tracked (sketch error at most %.4f%% of the total)",
		(unsigned long long)st.tweets, (unsigned long long)st.late, (unsigned long long)st.too_late,
		(unsigned long long)st.future, (unsigned long long)st.no_time, (unsigned long long)a->bad,
		(unsigned long long)a->not_tweet, (unsigned long long)a->too_long, (unsigned long long)st.windows,
		(unsigned long long)st.starts, (unsigned long long)st.ends, st.tracked, st.sketch_epsilon * 100);
}

static void app_free(struct app *a)
{
	tl_trends_free(a->tr);
	tl_terms_free(a->terms);
	tl_tweet_free(&a->tw);
	tl_buf_release(&a->frame);
	free(a->snap);
	free(a->brokers);
	free(a->group);
	for (size_t i = 0; i < a->ntopics; i++)
		free(a->topics[i]);
	free(a->topics);
}

int main(int argc, char **argv)
{
	struct app a = { .state_every_ms = 60000, .refresh_ms = 1000, .early_ms = 500, .out_fd = -1 };
	a.tty.in_fd = -1;
	tl_cli_init(argv[0]);
	tl_trends_opts_default(&a.o);
	struct tl_kafka_conf kc;
	tl_kafka_conf_init(&kc, TL_KAFKA_CONSUMER);
	tl_kafka_conf_set(&kc, "auto.offset.reset", "latest", TL_KAFKA_SRC_DEFAULT);
	int status = parse_args(&a, argc, argv, &kc);
	if (status == TL_CLI_RUN)
		status = 0;
	else if (status == 0)
		status = -1; /* --help, --version */
	if (status == 0 && a.ntopics && tl_kafka_conf_brokers(&kc, a.brokers) != 0)
		status = TL_EXIT_USAGE;
	if (status == 0 && !(a.terms = tl_terms_new(a.o.kinds)))
		status = TL_EXIT_FAIL;
	if (status == 0 && open_output(&a) < 0)
		status = TL_EXIT_USAGE;
	if (status != 0) {
		tl_kafka_conf_release(&kc);
		app_free(&a);
		tl_log_cleanup();
		return status < 0 ? TL_EXIT_OK : status;
	}
	struct stat sb;
	a.live = a.ntopics || fstat(STDIN_FILENO, &sb) != 0 || !S_ISREG(sb.st_mode);
	if (!a.early_set && !a.live)
		a.early_ms = 0;
	a.tr = tl_trends_new(&a.o, emit, &a);
	a.snap = xcalloc(1, sizeof *a.snap);
	tl_buf_init(&a.frame, 0);
	if (a.state_path && load_state(&a) < 0)
		status = TL_EXIT_FAIL;
	if (status == 0 && a.watch && isatty(a.out_fd)) {
		/* the screen takes stdout: the NDJSON lines go to -o FILE or nowhere */
		a.discard = a.out_path == NULL || strcmp(a.out_path, "-") == 0;
		a.tty_on = tl_tty_open(&a.tty, a.out_fd) == 0;
		if (!a.tty_on)
			status = TL_EXIT_FAIL;
	}
	int64_t now = tl_mono_ms();
	a.next_state = now + a.state_every_ms;
	if (status == 0)
		status = a.ntopics ? run_kafka(&a, &kc) : run_stdin(&a) < 0 ? TL_EXIT_FAIL : 0;
	/* end of input closes every step; with --state the open ones wait in the state for the
	 * stream to go on after a restart */
	if (!a.out_broken && !a.state_path && tl_trends_finish(a.tr) < 0)
		a.out_broken = true;
	if (a.svg_path && a.tr)
		write_svg(&a);
	if (a.watch && !a.tty_on && a.tr && !a.out_broken) {
		/* plain frames: the last one shows where the input ended */
		a.ended = true;
		draw_view(&a);
	}
	if (a.tty_on && !stopping(&a))
		linger(&a);
	if (a.state_path && status != TL_EXIT_USAGE && save_state(&a) < 0 && status == 0)
		status = TL_EXIT_FAIL;
	if (a.tty_on)
		tl_tty_close(&a.tty);
	if (a.rk) {
		rd_kafka_consumer_close(a.rk);
		rd_kafka_destroy(a.rk);
	}
	summary(&a);
	struct tl_trends_stats st;
	tl_trends_stats(a.tr, &st);
	if (status == 0 && (a.bad || a.not_tweet || a.too_long || st.no_time || st.future))
		status = TL_EXIT_FAIL;
	if (tl_out_close(&a.out) < 0 || a.out_broken) {
		if (a.out.err != EPIPE && a.out.err)
			tl_err("writing output: %s", strerror(a.out.err));
		if (status == 0 || status == TL_EXIT_FAIL)
			status = a.out.err == EPIPE ? 128 + SIGPIPE : TL_EXIT_FAIL;
	}
	if (tl_sig_caught())
		status = tl_sig_exit_status();
	if (a.out_fd >= 0 && a.out_fd != STDOUT_FILENO)
		close(a.out_fd);
	tl_kafka_conf_release(&kc);
	app_free(&a);
	tl_log_cleanup();
	return status;
}
