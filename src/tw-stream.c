/* tw-stream: the X (Twitter) API v2 filtered or sample stream to stdout, one tweet per line.
 *
 * Reconnects by X's published rules, suppresses the duplicates a reconnect brings, and never
 * writes a partial line. Manages the filtered stream's rules. Also replays a recorded capture
 * at its pace and simulates a realistic stream, with the same output, for demos and load tests.
 */
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_cli.h"
#include "tl_http.h"
#include "tl_io.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_sig.h"
#include "tl_time.h"
#include "tl_tweet.h"
#include "tl_tweetsim.h"
#include "tl_xstream.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char USAGE[] =
	"usage: tw-stream [--sample] [--raw] [--max-tweets N] [--duration SECONDS]\n"
	"                 [--stall-timeout SECONDS] [--backfill MINUTES] [--progress]\n"
	"                 [--tweet-fields LIST] [--expansions LIST] [--user-fields LIST]\n"
	"                 [--media-fields LIST] [--place-fields LIST] [--poll-fields LIST]\n"
	"                 [--api-url URL] [--token-file FILE] [--dedupe N] [-v | -q]\n"
	"       tw-stream --replay FILE [--speed X | --rate N] [--raw] [--max-tweets N]\n"
	"       tw-stream --simulate [--seed N] [--rate N] [--backdate DURATION] [--raw] [--max-tweets N]\n"
	"                 [--duration SECONDS] [--burst TAG@START+LENGTH*SHARE]...\n"
	"       tw-stream --list-rules\n"
	"       tw-stream --add-rule VALUE [--tag TAG] ... [--dry-run]\n"
	"       tw-stream --delete-rule ID ... | --delete-all-rules [--dry-run]\n"
	"       tw-stream --rules-file FILE [--dry-run]\n"
	"\n"
	"Writes tweets from the X API v2 filtered stream (or --sample) to stdout, one JSON object per\n"
	"line: the tweet with its expansions merged (author, referenced tweets, media, place,\n"
	"matching_rules), or with --raw each API line as received.\n"
	"\n"
	"  --sample               the 1% sample stream instead of the filtered stream\n"
	"  --raw                  write the API lines as received, no merging\n"
	"  --max-tweets N         stop after N tweets\n"
	"  --duration SECONDS     stop after this long (30, 90s, 5m, 2h)\n"
	"  --stall-timeout SECS   reconnect when nothing, not even a keep-alive, came for this long (30)\n"
	"  --backfill MINUTES     ask X to resend up to 5 minutes missed before a reconnect\n"
	"  --progress             a status line on stderr while running\n"
	"  --tweet-fields LIST, --expansions LIST, --user-fields LIST, --media-fields LIST,\n"
	"  --place-fields LIST, --poll-fields LIST\n"
	"                         override the fields asked for ('' leaves the parameter out)\n"
	"  --api-url URL          the API base URL (default $X_API_URL or https://api.twitter.com)\n"
	"  --token-file FILE      read the bearer token from FILE (else $X_BEARER_TOKEN,\n"
	"                         $TWITTER_BEARER_TOKEN)\n"
	"  --dedupe N             remember the last N tweet ids to drop duplicates (100000; 0: off)\n"
	"  --replay FILE          replay a capture (raw API lines or tweets; - for stdin)\n"
	"  --speed X              replay X times faster than recorded (0: as fast as possible)\n"
	"  --rate N               N tweets per second (replay or simulation; 0: no limit)\n"
	"  --simulate             generate realistic tweets instead of connecting\n"
	"  --seed N               the simulation's seed (1)\n"
	"  --backdate DURATION    spread the simulated created_at times evenly over the DURATION\n"
	"                         (30m, 3h, 2d) before now (needs --max-tweets)\n"
	"  --burst TAG@START+LENGTH*SHARE\n"
	"                         plant a burst of #TAG from START minutes into the simulation for\n"
	"                         LENGTH minutes, in up to SHARE of the tweets (5%% or 0.05; rises over\n"
	"                         the first fifth, falls over the last two); repeatable\n"
	"  --list-rules           print the filtered stream's rules, one JSON object per line\n"
	"  --add-rule VALUE       add a rule; --tag TAG after it tags it (repeatable)\n"
	"  --delete-rule ID       delete a rule by id (repeatable)\n"
	"  --delete-all-rules     delete every rule\n"
	"  --rules-file FILE      make the rules equal FILE's: one rule a line, VALUE or\n"
	"                         VALUE<TAB>TAG, or {\"value\":...,\"tag\":...}\n"
	"  --dry-run              have X validate rule changes without making them\n";

static const char *DEF_TWEET_FIELDS =
	"attachments,author_id,context_annotations,conversation_id,created_at,edit_history_tweet_ids,"
	"entities,geo,id,in_reply_to_user_id,lang,possibly_sensitive,public_metrics,referenced_tweets,"
	"reply_settings,source,text,withheld";
static const char *DEF_EXPANSIONS =
	"author_id,referenced_tweets.id,referenced_tweets.id.author_id,in_reply_to_user_id,"
	"attachments.media_keys,attachments.poll_ids,geo.place_id,entities.mentions.username";
static const char *DEF_USER_FIELDS =
	"created_at,description,entities,id,location,name,pinned_tweet_id,profile_image_url,protected,"
	"public_metrics,url,username,verified,withheld";
static const char *DEF_MEDIA_FIELDS =
	"alt_text,duration_ms,height,media_key,preview_image_url,public_metrics,type,url,width";
static const char *DEF_PLACE_FIELDS = "contained_within,country,country_code,full_name,geo,id,name,place_type";
static const char *DEF_POLL_FIELDS = "duration_minutes,end_datetime,id,options,voting_status";

enum mode { MODE_STREAM, MODE_REPLAY, MODE_SIMULATE, MODE_RULES };

struct rule_arg {
	char *value;
	char *tag;
};

struct app {
	/* options */
	enum mode mode;
	bool sample, raw, progress, dry_run, list_rules, delete_all;
	uint64_t max_tweets;
	int64_t backdate_ms; /* --simulate: created_at spread over this span before now */
	int64_t duration_ms, stall_ms;
	int backfill;
	const char *fields[6];
	const char *api_url, *token_file, *replay, *rules_file;
	double speed, rate;
	bool rate_set, speed_set;
	uint64_t seed;
	uint64_t dedupe;
	struct rule_arg *adds;
	size_t n_adds;
	char **deletes;
	size_t n_deletes;
	double time_scale;
	struct tl_tweetsim_burst bursts[TL_TWEETSIM_BURSTS];
	int nbursts;

	/* state */
	char *token;
	struct tl_tweet tw;
	struct tl_idset seen;
	struct tl_buf merged;
	struct tl_out out;
	int64_t start_mono, deadline_mono;
	bool live;
	bool out_broken;
	int64_t pace_t0, pace_w0; /* replay pacing: first line's time and when it was written */
	uint64_t paced;
	int64_t next_progress;

	/* counts */
	uint64_t tweets, dups, bad, cut, too_long, messages, keepalives, reconnects;

	/* around a reconnect */
	char last_id[64];
	char gap_last_before[64];
	int64_t down_since;   /* tl_mono_ms() when the connection went down, 0 when up */
	uint64_t dups_at_down;
};

static void set_id(char *dst, const char *id, size_t n)
{
	if (n > 63)
		n = 63;
	memcpy(dst, id, n);
	dst[n] = 0;
}

static void show_progress(struct app *a, bool force)
{
	int64_t now = tl_mono_ms();
	if (!a->progress || (!force && now < a->next_progress))
		return;
	/* in place on a terminal every second; as plain lines into a log every 10 s */
	bool tty = isatty(STDERR_FILENO);
	a->next_progress = now + (tty ? 1000 : 10000);
	double secs = (double)(now - a->start_mono) / 1000;
	tl_log_status(1, "%llu tweets (%.0f/s), %llu duplicates, %llu reconnects",
		      (unsigned long long)a->tweets, secs > 0 ? (double)a->tweets / secs : 0.0,
		      (unsigned long long)a->dups, (unsigned long long)a->reconnects);
}

/* Sleeps until mono time t (or the deadline, or a signal). Returns false when it should stop. */
static bool sleep_until(struct app *a, int64_t t)
{
	for (;;) {
		if (tl_sig_caught())
			return false;
		int64_t now = tl_mono_ms();
		if (a->deadline_mono && now >= a->deadline_mono)
			return false;
		int64_t until = t;
		if (a->deadline_mono && until > a->deadline_mono)
			until = a->deadline_mono;
		if (now >= until)
			return true;
		int64_t d = until - now;
		if (d > 1000)
			d = 1000;
		tl_sleep_ms(d);
		show_progress(a, false);
	}
}

/* Waits as the replay's pace asks before writing the tweet in a->tw. */
static bool pace(struct app *a)
{
	if (a->live)
		return true;
	int64_t now = tl_mono_ms();
	if (a->rate > 0) {
		if (!a->paced++)
			a->pace_w0 = now;
		return sleep_until(a, a->pace_w0 + (int64_t)((double)(a->paced - 1) * 1000.0 / a->rate));
	}
	if (a->speed <= 0 || a->replay == NULL)
		return true;
	int64_t ts = tl_tweet_time(&a->tw);
	if (ts < 0)
		return true;
	if (a->pace_t0 < 0) {
		a->pace_t0 = ts;
		a->pace_w0 = now;
		return true;
	}
	if (ts <= a->pace_t0)
		return true;
	return sleep_until(a, a->pace_w0 + (int64_t)((double)(ts - a->pace_t0) / a->speed));
}

static void log_gap(struct app *a)
{
	double down = (double)(tl_mono_ms() - a->down_since) / 1000;
	tl_info("back after %.1f s down: last tweet before %s, first after %s, %llu duplicate%s dropped",
		down, a->gap_last_before[0] ? a->gap_last_before : "(none)", a->last_id,
		(unsigned long long)(a->dups - a->dups_at_down), a->dups - a->dups_at_down == 1 ? "" : "s");
	a->down_since = 0;
}

/* One line of the stream, a capture or the simulator. Returns TL_XS_GO_ON, _RECONNECT or _STOP. */
static int handle_line(struct app *a, const char *line, size_t n, uint64_t lineno)
{
	int kind = tl_tweet_parse(&a->tw, line, n);
	switch (kind) {
	case TL_TWEET_KEEPALIVE:
		a->keepalives++;
		show_progress(a, false);
		return TL_XS_GO_ON;
	case TL_TWEET_BAD:
		a->bad++;
		if (lineno)
			tl_warn("line %llu: not JSON (%s at byte %zu), skipped", (unsigned long long)lineno,
				a->tw.why, a->tw.errpos);
		else
			tl_warn("a stream line that is not JSON (%s at byte %zu), skipped", a->tw.why, a->tw.errpos);
		return TL_XS_GO_ON;
	case TL_TWEET_OTHER:
		a->messages++;
		if (lineno)
			tl_warn("line %llu: JSON but not a tweet or a stream line (a page of search results?), skipped",
				(unsigned long long)lineno);
		else
			tl_debug("a line that is not a tweet, skipped: %.200s", line);
		return TL_XS_GO_ON;
	case TL_TWEET_ERRORS: {
		a->messages++;
		char *text = tl_tweet_errors_text(&a->tw);
		if (a->tw.disconnect && a->live) {
			tl_warn("stream message: %s; reconnecting", text);
			free(text);
			return TL_XS_RECONNECT;
		}
		if (lineno)
			tl_warn("line %llu: stream message: %s", (unsigned long long)lineno, text);
		else
			tl_warn("stream message: %s", text);
		free(text);
		return TL_XS_GO_ON;
	}
	default:
		break;
	}
	if (a->dedupe && a->tw.id && !tl_idset_add(&a->seen, a->tw.id, a->tw.id_len)) {
		a->dups++;
		tl_debug("duplicate tweet %.*s dropped", (int)a->tw.id_len, a->tw.id);
		return TL_XS_GO_ON;
	}
	if (!pace(a))
		return TL_XS_STOP;
	int rc;
	if (a->raw) {
		size_t k = n;
		while (k && (line[k - 1] == '\r' || line[k - 1] == '\n'))
			k--;
		rc = tl_out_record(&a->out, line, k);
	} else {
		tl_buf_reset(&a->merged);
		if (tl_tweet_merge(&a->tw, &a->merged) < 0) {
			a->bad++;
			tl_warn("tweet %.*s too large to merge, skipped", (int)a->tw.id_len, a->tw.id ? a->tw.id : "");
			return TL_XS_GO_ON;
		}
		rc = tl_out_record(&a->out, a->merged.data, a->merged.len);
	}
	if (rc < 0) {
		a->out_broken = true;
		return TL_XS_STOP;
	}
	a->tweets++;
	if (a->tw.id)
		set_id(a->last_id, a->tw.id, a->tw.id_len);
	if (a->down_since)
		log_gap(a);
	show_progress(a, false);
	if (a->max_tweets && a->tweets >= a->max_tweets)
		return TL_XS_STOP;
	return TL_XS_GO_ON;
}

static int on_stream_line(const char *line, size_t n, void *ctx)
{
	return handle_line(ctx, line, n, 0);
}

/* ---- the live stream ---- */

static void add_param(struct tl_buf *u, const char *name, const char *value, bool *first)
{
	if (!value || !*value)
		return;
	char *enc = tl_url_encode(value, strlen(value));
	tl_buf_addf(u, "%c%s=%s", *first ? '?' : '&', name, enc);
	free(enc);
	*first = false;
}

static char *api_base(struct app *a)
{
	const char *b = a->api_url ? a->api_url : getenv("X_API_URL");
	if (!b || !*b)
		b = "https://api.twitter.com";
	size_t n = strlen(b);
	while (n && b[n - 1] == '/')
		n--;
	return xstrndup(b, n);
}

static char *stream_url(struct app *a)
{
	static const char *names[6] = { "tweet.fields", "expansions", "user.fields", "media.fields",
					 "place.fields", "poll.fields" };
	struct tl_buf u;
	tl_buf_init(&u, 0);
	char *base = api_base(a);
	tl_buf_addf(&u, "%s/2/tweets/%s/stream", base, a->sample ? "sample" : "search");
	free(base);
	bool first = true;
	for (int i = 0; i < 6; i++)
		add_param(&u, names[i], a->fields[i], &first);
	if (a->backfill) {
		char v[16];
		snprintf(v, sizeof v, "%d", a->backfill);
		add_param(&u, "backfill_minutes", v, &first);
	}
	return tl_buf_detach(&u, NULL);
}

/* A short reason from an error body: "title: detail" of the first problem, or the body. */
static char *problem_text(const struct tl_buf *body)
{
	struct tl_tweet t = { 0 };
	char *s = NULL;
	if (body->len && tl_jdoc_parse(&t.doc, body->data, body->len, NULL, NULL) == 0 &&
	    t.doc.t[0].type == TL_J_OBJECT) {
		long errs = tl_jdoc_get(&t.doc, 0, "errors");
		long obj = errs >= 0 ? tl_jdoc_at(&t.doc, (size_t)errs, 0) : 0;
		if (obj >= 0) {
			char *title = tl_jdoc_strdup(&t.doc, tl_jdoc_get(&t.doc, (size_t)obj, "title"));
			char *detail = tl_jdoc_strdup(&t.doc, tl_jdoc_get(&t.doc, (size_t)obj, "detail"));
			if (!detail)
				detail = tl_jdoc_strdup(&t.doc, tl_jdoc_get(&t.doc, (size_t)obj, "message"));
			if (title || detail)
				s = xasprintf("%s%s%s", title ? title : "", title && detail ? ": " : "",
					      detail ? detail : "");
			free(title);
			free(detail);
		}
	}
	tl_tweet_free(&t);
	if (!s)
		s = xasprintf("%.*s", (int)(body->len > 300 ? 300 : body->len), body->len ? body->data : "");
	return s;
}

static bool body_has(const struct tl_buf *b, const char *needle)
{
	return b->len && memmem(b->data, b->len, needle, strlen(needle)) != NULL;
}

static int exit_status(struct app *a)
{
	if (tl_sig_caught())
		return tl_sig_exit_status();
	if (a->out_broken)
		return a->out.err == EPIPE ? 128 + SIGPIPE : TL_EXIT_FAIL;
	return a->bad ? TL_EXIT_FAIL : TL_EXIT_OK;
}

static int run_stream(struct app *a)
{
	char *url = stream_url(a);
	struct tl_xstream_opts o = {
		.url = url,
		.token = a->token,
		.stall_ms = a->stall_ms,
		.deadline_mono = a->deadline_mono,
		.on_line = on_stream_line,
		.ctx = a,
	};
	struct tl_xstream_result r;
	struct tl_backoff bo;
	tl_xstream_result_init(&r);
	tl_backoff_reset(&bo);
	a->live = true;
	int status = -1;
	while (status < 0) {
		int end = tl_xstream_run(&o, &r);
		if (r.cut_bytes) {
			a->cut++;
			tl_info("dropped a line cut off by the disconnect (%zu bytes)", r.cut_bytes);
		}
		if (r.too_long) {
			a->too_long += r.too_long;
			a->bad += r.too_long;
			tl_warn("%llu line%s longer than %zu bytes dropped", (unsigned long long)r.too_long,
				r.too_long == 1 ? "" : "s", (size_t)TL_LINE_MAX_DEFAULT);
		}
		if (r.got_bytes)
			tl_backoff_reset(&bo);
		if (end == TL_XS_END_STOP) {
			status = exit_status(a);
			break;
		}
		int cls = TL_BACKOFF_NET;
		char *why;
		if (end == TL_XS_END_RECONNECT) {
			why = xstrdup("operational disconnect");
		} else if (end == TL_XS_END_NET) {
			why = xstrdup(r.error);
		} else {
			char *p = problem_text(&r.body);
			long st = r.status;
			if (st == 429 && (body_has(&r.body, "UsageCapExceeded") || body_has(&r.body, "usage-capped"))) {
				tl_err("HTTP 429: the monthly usage cap is reached (%s); not retrying", p);
				free(p);
				status = TL_EXIT_FAIL;
				break;
			}
			if (st == 401) {
				tl_err("HTTP 401 Unauthorized: the bearer token was refused (%s)", p);
				free(p);
				status = TL_EXIT_FAIL;
				break;
			}
			if (st == 403) {
				tl_err("HTTP 403 Forbidden: this app may not use this stream (%s)", p);
				free(p);
				status = TL_EXIT_FAIL;
				break;
			}
			if (st == 409) {
				tl_err("HTTP 409: %s (a filtered stream needs rules: see --add-rule, --rules-file)", p);
				free(p);
				status = TL_EXIT_FAIL;
				break;
			}
			if (st == 429 || st == 420) {
				cls = TL_BACKOFF_RATE;
				if (body_has(&r.body, "TooManyConnections"))
					why = xasprintf("HTTP %ld TooManyConnections: another connection of this app is "
							"still open (%s)", st, p);
				else
					why = xasprintf("HTTP %ld rate limited (%s)", st, p);
			} else if (st >= 400 && st < 500) {
				tl_err("HTTP %ld: %s", st, p);
				free(p);
				status = TL_EXIT_FAIL;
				break;
			} else {
				cls = TL_BACKOFF_HTTP;
				why = xasprintf("HTTP %ld (%s)", st, p);
			}
			free(p);
		}
		int64_t wait = tl_backoff_next(&bo, cls, r.rate_reset_ms, tl_now_ms());
		wait = (int64_t)((double)wait * a->time_scale);
		if (!a->down_since) {
			a->down_since = tl_mono_ms();
			a->dups_at_down = a->dups;
			memcpy(a->gap_last_before, a->last_id, sizeof a->last_id);
		}
		a->reconnects++;
		tl_warn("%s; reconnecting in %.2f s", why, (double)wait / 1000);
		free(why);
		if (!sleep_until(a, tl_mono_ms() + wait))
			status = exit_status(a);
	}
	tl_xstream_result_free(&r);
	free(url);
	return status;
}

/* ---- replay and simulation ---- */

static int run_replay(struct app *a)
{
	int fd = strcmp(a->replay, "-") == 0 ? STDIN_FILENO : open(a->replay, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tl_err("%s: %s", a->replay, strerror(errno));
		return TL_EXIT_USAGE;
	}
	struct tl_lines r;
	struct tl_line ln;
	tl_lines_init(&r, fd, 0);
	for (;;) {
		if (tl_sig_caught() || (a->deadline_mono && tl_mono_ms() >= a->deadline_mono))
			break;
		int st = tl_lines_next(&r, &ln);
		if (st == TL_LINE_EOF)
			break;
		if (st == TL_LINE_AGAIN)
			continue;
		if (st == TL_LINE_ERROR) {
			tl_err("%s: %s", a->replay, strerror(errno));
			a->bad++;
			break;
		}
		if (st == TL_LINE_TOOLONG) {
			a->too_long++;
			a->bad++;
			tl_warn("line %llu: longer than %zu bytes, skipped", (unsigned long long)ln.lineno, r.max);
			continue;
		}
		if (ln.no_newline && tl_tweet_parse(&a->tw, ln.data, ln.len) == TL_TWEET_BAD) {
			/* how a capture ends when the stream was cut: not an error of the file */
			a->cut++;
			tl_info("line %llu: cut off at the end of the capture (%zu bytes), dropped",
				(unsigned long long)ln.lineno, ln.len);
			continue;
		}
		if (handle_line(a, ln.data, ln.len, ln.lineno) == TL_XS_STOP)
			break;
	}
	tl_lines_release(&r);
	if (fd != STDIN_FILENO)
		close(fd);
	return exit_status(a);
}

static int run_simulate(struct app *a)
{
	struct tl_tweetsim *sim = tl_tweetsim_new(a->seed);
	struct tl_buf line;
	tl_buf_init(&line, 0);
	uint64_t n = 0;
	int64_t start = tl_now_ms() - a->backdate_ms;
	for (int i = 0; i < a->nbursts; i++)
		tl_tweetsim_add_burst(sim, &a->bursts[i], start);
	for (;;) {
		if ((n & 63) == 0 && (tl_sig_caught() || (a->deadline_mono && tl_mono_ms() >= a->deadline_mono)))
			break;
		tl_buf_reset(&line);
		/* With --backdate, tweet n of max_tweets is dated start + n/max of the span. */
		int64_t when = a->backdate_ms
				       ? start + (int64_t)((double)n * (double)a->backdate_ms / (double)a->max_tweets)
				       : tl_now_ms();
		n++;
		tl_tweetsim_next(sim, when, &line);
		if (handle_line(a, line.data, line.len, 0) == TL_XS_STOP)
			break;
	}
	tl_buf_release(&line);
	tl_tweetsim_free(sim);
	return exit_status(a);
}

/* ---- rules ---- */

struct rules_api {
	struct tl_http *h;
	char *url;
	struct tl_http_headers hdrs;
};

struct rule {
	char *id, *value, *tag; /* tag NULL when null or missing */
};

static void rules_free(struct rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].value);
		free(v[i].tag);
	}
	free(v);
}

static void rules_api_init(struct app *a, struct rules_api *api)
{
	struct tl_http_opts ho = { .connect_timeout_ms = 10000, .timeout_ms = 60000 };
	char *base = api_base(a);
	api->h = tl_http_new(&ho);
	api->url = xasprintf("%s/2/tweets/search/stream/rules", base);
	free(base);
	memset(&api->hdrs, 0, sizeof api->hdrs);
	char *auth = xasprintf("Bearer %s", a->token);
	tl_http_headers_add(&api->hdrs, "Authorization", auth);
	tl_secret_free(auth);
	tl_http_headers_add(&api->hdrs, "Content-Type", "application/json");
}

static void rules_api_free(struct rules_api *api)
{
	tl_http_free(api->h);
	free(api->url);
	tl_http_headers_free(&api->hdrs);
}

/* One call; on success the parsed body is in *doc over resp->body. -1 after reporting. */
static int rules_call(struct rules_api *api, const char *method, const char *query, const char *body,
		      struct tl_http_resp *resp, struct tl_jdoc *doc)
{
	char *url = xasprintf("%s%s", api->url, query ? query : "");
	struct tl_http_req req = {
		.method = method,
		.url = url,
		.headers = &api->hdrs,
		.body = body,
		.body_len = body ? strlen(body) : 0,
	};
	int rc = tl_http_do(api->h, &req, resp);
	free(url);
	if (rc < 0) {
		tl_err("rules: %s", resp->error[0] ? resp->error : "request failed");
		return -1;
	}
	if (resp->status < 200 || resp->status > 299) {
		char *p = problem_text(&resp->body);
		const char *reset = tl_http_headers_get(&resp->headers, "x-rate-limit-reset");
		tl_err("rules: HTTP %ld: %s%s%s", resp->status, p, reset ? "; rate limit resets at epoch " : "",
		       reset ? reset : "");
		free(p);
		return -1;
	}
	if (tl_jdoc_parse(doc, resp->body.data ? resp->body.data : "", resp->body.len, NULL, NULL) < 0 ||
	    doc->t[0].type != TL_J_OBJECT) {
		tl_err("rules: the answer is not a JSON object");
		return -1;
	}
	return 0;
}

static char *idtext_dup(const struct tl_jdoc *d, long tok)
{
	const char *p;
	size_t n;
	return tl_jdoc_idtext(d, tok, &p, &n) ? xstrndup(p, n) : NULL;
}

/* Rules of a "data" array: ids as strings, a null or missing tag as NULL. */
static struct rule *rules_parse(const struct tl_jdoc *d, size_t *n)
{
	long data = tl_jdoc_get(d, 0, "data");
	size_t cap = 0;
	struct rule *v = NULL;
	*n = 0;
	if (data < 0 || d->t[data].type != TL_J_ARRAY)
		return NULL;
	for (size_t k = (size_t)data + 1; k < d->t[data].next; k = d->t[k].next) {
		if (d->t[k].type != TL_J_OBJECT)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[*n].id = idtext_dup(d, tl_jdoc_get(d, k, "id"));
		v[*n].value = tl_jdoc_strdup(d, tl_jdoc_get(d, k, "value"));
		v[*n].tag = tl_jdoc_strdup(d, tl_jdoc_get(d, k, "tag"));
		if (!v[*n].id)
			v[*n].id = xstrdup("");
		if (!v[*n].value)
			v[*n].value = xstrdup("");
		(*n)++;
	}
	return v;
}

static void print_rule(struct app *a, const struct rule *r)
{
	struct tl_buf b;
	tl_buf_init(&b, 0);
	tl_buf_adds(&b, "{\"id\":");
	tl_buf_add_json_str(&b, r->id, strlen(r->id));
	tl_buf_adds(&b, ",\"value\":");
	tl_buf_add_json_str(&b, r->value, strlen(r->value));
	if (r->tag) {
		tl_buf_adds(&b, ",\"tag\":");
		tl_buf_add_json_str(&b, r->tag, strlen(r->tag));
	}
	tl_buf_addc(&b, '}');
	if (tl_out_record(&a->out, b.data, b.len) < 0)
		a->out_broken = true;
	tl_buf_release(&b);
}

/* Reports errors[] of a 2xx answer (X puts rejected rules there). Returns how many. */
static int report_rule_errors(const struct tl_jdoc *d)
{
	long errs = tl_jdoc_get(d, 0, "errors");
	int n = 0;
	if (errs < 0 || d->t[errs].type != TL_J_ARRAY)
		return 0;
	for (size_t k = (size_t)errs + 1; k < d->t[errs].next; k = d->t[k].next) {
		char *title = tl_jdoc_strdup(d, tl_jdoc_get(d, k, "title"));
		char *value = tl_jdoc_strdup(d, tl_jdoc_get(d, k, "value"));
		char *id = idtext_dup(d, tl_jdoc_get(d, k, "id"));
		char *detail = tl_jdoc_strdup(d, tl_jdoc_get(d, k, "detail"));
		long dl = tl_jdoc_get(d, k, "details");
		char *details = dl >= 0 ? tl_jdoc_strdup(d, tl_jdoc_at(d, (size_t)dl, 0)) : NULL;
		struct tl_buf b;
		tl_buf_init(&b, 0);
		tl_buf_addf(&b, "rule");
		if (value)
			tl_buf_addf(&b, " \"%s\"", value);
		if (id)
			tl_buf_addf(&b, " (id %s)", id);
		tl_buf_addf(&b, ": %s", title ? title : "error");
		if (detail)
			tl_buf_addf(&b, ": %s", detail);
		if (details)
			tl_buf_addf(&b, ": %s", details);
		tl_err("%s", b.data);
		tl_buf_release(&b);
		free(title);
		free(value);
		free(id);
		free(detail);
		free(details);
		n++;
	}
	return n;
}

static int rules_list(struct rules_api *api, struct rule **v, size_t *n)
{
	struct tl_http_resp resp;
	struct tl_jdoc d = { 0 };
	tl_http_resp_init(&resp);
	int rc = rules_call(api, "GET", NULL, NULL, &resp, &d);
	if (rc == 0) {
		*v = rules_parse(&d, n);
		if (report_rule_errors(&d))
			rc = -1;
	}
	tl_jdoc_free(&d);
	tl_http_resp_free(&resp);
	return rc;
}

static int rules_add(struct app *a, struct rules_api *api, const struct rule_arg *add, size_t n)
{
	if (!n)
		return 0;
	struct tl_buf body;
	tl_buf_init(&body, 0);
	tl_buf_adds(&body, "{\"add\":[");
	for (size_t i = 0; i < n; i++) {
		tl_buf_adds(&body, i ? ",{\"value\":" : "{\"value\":");
		tl_buf_add_json_str(&body, add[i].value, strlen(add[i].value));
		if (add[i].tag) {
			tl_buf_adds(&body, ",\"tag\":");
			tl_buf_add_json_str(&body, add[i].tag, strlen(add[i].tag));
		}
		tl_buf_addc(&body, '}');
	}
	tl_buf_adds(&body, "]}");
	struct tl_http_resp resp;
	struct tl_jdoc d = { 0 };
	tl_http_resp_init(&resp);
	int rc = rules_call(api, "POST", a->dry_run ? "?dry_run=true" : NULL, body.data, &resp, &d);
	if (rc == 0) {
		size_t nr;
		struct rule *v = rules_parse(&d, &nr);
		for (size_t i = 0; i < nr; i++)
			print_rule(a, &v[i]);
		rules_free(v, nr);
		double created = 0, not_created = 0;
		long meta = tl_jdoc_get(&d, 0, "meta");
		long sum = meta >= 0 ? tl_jdoc_get(&d, (size_t)meta, "summary") : -1;
		const char *p;
		size_t pn;
		if (sum >= 0 && tl_jdoc_idtext(&d, tl_jdoc_get(&d, (size_t)sum, "created"), &p, &pn))
			created = strtod(p, NULL);
		if (sum >= 0 && tl_jdoc_idtext(&d, tl_jdoc_get(&d, (size_t)sum, "not_created"), &p, &pn))
			not_created = strtod(p, NULL);
		tl_info("%s%.0f rule%s created, %.0f not created", a->dry_run ? "dry run: " : "", created,
			created == 1 ? "" : "s", not_created);
		if (report_rule_errors(&d) || not_created > 0)
			rc = -1;
	}
	tl_jdoc_free(&d);
	tl_http_resp_free(&resp);
	tl_buf_release(&body);
	return rc;
}

static int rules_delete(struct app *a, struct rules_api *api, char *const *ids, size_t n)
{
	if (!n)
		return 0;
	struct tl_buf body;
	tl_buf_init(&body, 0);
	tl_buf_adds(&body, "{\"delete\":{\"ids\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			tl_buf_addc(&body, ',');
		tl_buf_add_json_str(&body, ids[i], strlen(ids[i]));
	}
	tl_buf_adds(&body, "]}}");
	struct tl_http_resp resp;
	struct tl_jdoc d = { 0 };
	tl_http_resp_init(&resp);
	int rc = rules_call(api, "POST", a->dry_run ? "?dry_run=true" : NULL, body.data, &resp, &d);
	if (rc == 0) {
		double deleted = 0, not_deleted = 0;
		long meta = tl_jdoc_get(&d, 0, "meta");
		long sum = meta >= 0 ? tl_jdoc_get(&d, (size_t)meta, "summary") : -1;
		const char *p;
		size_t pn;
		if (sum >= 0 && tl_jdoc_idtext(&d, tl_jdoc_get(&d, (size_t)sum, "deleted"), &p, &pn))
			deleted = strtod(p, NULL);
		if (sum >= 0 && tl_jdoc_idtext(&d, tl_jdoc_get(&d, (size_t)sum, "not_deleted"), &p, &pn))
			not_deleted = strtod(p, NULL);
		tl_info("%s%.0f rule%s deleted, %.0f not deleted", a->dry_run ? "dry run: " : "", deleted,
			deleted == 1 ? "" : "s", not_deleted);
		if (report_rule_errors(&d) || not_deleted > 0)
			rc = -1;
	}
	tl_jdoc_free(&d);
	tl_http_resp_free(&resp);
	tl_buf_release(&body);
	return rc;
}

static bool same_str(const char *x, const char *y)
{
	return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

/* Reads a rules file: VALUE or VALUE<TAB>TAG lines, or JSON objects; '#' + space comments. */
static int read_rules_file(const char *path, struct rule_arg **out, size_t *n)
{
	size_t len;
	char *text = tl_read_file(path, 1 << 20, &len);
	if (!text) {
		tl_err("%s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 0, lineno = 0;
	int rc = 0;
	*out = NULL;
	*n = 0;
	for (char *p = text, *nl; p < text + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		lineno++;
		char *e = nl;
		while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e || (*p == '#' && (p + 1 == e || p[1] == ' ')))
			continue;
		struct rule_arg r = { NULL, NULL };
		if (*p == '{') {
			struct tl_jdoc d = { 0 };
			if (tl_jdoc_parse(&d, p, (size_t)(e - p), NULL, NULL) == 0) {
				r.value = tl_jdoc_strdup(&d, tl_jdoc_get(&d, 0, "value"));
				r.tag = tl_jdoc_strdup(&d, tl_jdoc_get(&d, 0, "tag"));
			}
			tl_jdoc_free(&d);
			if (!r.value) {
				tl_err("%s:%zu: a JSON line needs a string \"value\"", path, lineno);
				free(r.tag);
				rc = -1;
				continue;
			}
		} else {
			char *tab = memchr(p, '\t', (size_t)(e - p));
			r.value = xstrndup(p, (size_t)((tab ? tab : e) - p));
			if (tab) {
				char *t = tab + 1;
				while (t < e && (*t == ' ' || *t == '\t'))
					t++;
				if (t < e)
					r.tag = xstrndup(t, (size_t)(e - t));
			}
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = r;
	}
	free(text);
	return rc;
}

static int rules_sync(struct app *a, struct rules_api *api)
{
	struct rule_arg *want = NULL;
	size_t nwant = 0, nhave = 0;
	struct rule *have = NULL;
	int rc = read_rules_file(a->rules_file, &want, &nwant);
	if (rc == 0)
		rc = rules_list(api, &have, &nhave);
	if (rc == 0) {
		char **del = xcalloc(nhave + 1, sizeof *del);
		struct rule_arg *add = xcalloc(nwant + 1, sizeof *add);
		size_t ndel = 0, nadd = 0;
		for (size_t i = 0; i < nhave; i++) {
			bool keep = false;
			for (size_t j = 0; j < nwant && !keep; j++)
				keep = strcmp(have[i].value, want[j].value) == 0 && same_str(have[i].tag, want[j].tag);
			if (!keep) {
				del[ndel++] = have[i].id;
				tl_info("%sdelete rule %s \"%s\"", a->dry_run ? "would " : "", have[i].id, have[i].value);
			}
		}
		for (size_t j = 0; j < nwant; j++) {
			bool there = false;
			for (size_t i = 0; i < nhave && !there; i++)
				there = strcmp(have[i].value, want[j].value) == 0 && same_str(have[i].tag, want[j].tag);
			for (size_t k = 0; k < nadd && !there; k++)
				there = strcmp(add[k].value, want[j].value) == 0; /* listed twice in the file */
			if (!there) {
				add[nadd++] = want[j];
				tl_info("%sadd rule \"%s\"%s%s", a->dry_run ? "would " : "", want[j].value,
					want[j].tag ? " tag " : "", want[j].tag ? want[j].tag : "");
			}
		}
		if (!ndel && !nadd)
			tl_info("the rules already match %s (%zu rule%s)", a->rules_file, nwant, nwant == 1 ? "" : "s");
		/* delete first: X refuses a second rule with the same value, even with another tag */
		rc = rules_delete(a, api, del, ndel);
		if (rc == 0)
			rc = rules_add(a, api, add, nadd);
		free(del);
		free(add);
	}
	for (size_t j = 0; j < nwant; j++) {
		free(want[j].value);
		free(want[j].tag);
	}
	free(want);
	rules_free(have, nhave);
	return rc;
}

static int run_rules(struct app *a)
{
	struct rules_api api;
	rules_api_init(a, &api);
	int rc = 0;
	if (a->rules_file) {
		rc = rules_sync(a, &api);
	} else {
		if (a->delete_all) {
			struct rule *have = NULL;
			size_t n = 0;
			rc = rules_list(&api, &have, &n);
			if (rc == 0) {
				char **ids = xcalloc(n + 1, sizeof *ids);
				for (size_t i = 0; i < n; i++)
					ids[i] = have[i].id;
				if (!n)
					tl_info("no rules to delete");
				rc = rules_delete(a, &api, ids, n);
				free(ids);
			}
			rules_free(have, n);
		} else if (a->n_deletes) {
			rc = rules_delete(a, &api, a->deletes, a->n_deletes);
		}
		if (rc == 0 && a->n_adds)
			rc = rules_add(a, &api, a->adds, a->n_adds);
		if (rc == 0 && a->list_rules) {
			struct rule *have = NULL;
			size_t n = 0;
			rc = rules_list(&api, &have, &n);
			for (size_t i = 0; rc == 0 && i < n; i++)
				print_rule(a, &have[i]);
			if (rc == 0)
				tl_info("%zu rule%s", n, n == 1 ? "" : "s");
			rules_free(have, n);
		}
	}
	rules_api_free(&api);
	if (a->out_broken)
		return exit_status(a);
	return rc < 0 ? TL_EXIT_FAIL : TL_EXIT_OK;
}

/* ---- main ---- */

static char *read_token(struct app *a)
{
	char *t = NULL;
	if (a->token_file) {
		t = tl_read_file(a->token_file, 1 << 16, NULL);
		if (!t) {
			tl_err("%s: %s", a->token_file, strerror(errno));
			return NULL;
		}
	} else {
		const char *e = getenv("X_BEARER_TOKEN");
		if (!e || !*e)
			e = getenv("TWITTER_BEARER_TOKEN");
		t = xstrdup(e ? e : "");
	}
	size_t n = strlen(t);
	while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\t'))
		t[--n] = 0;
	if (!n) {
		free(t);
		tl_err("no bearer token: set X_BEARER_TOKEN (or TWITTER_BEARER_TOKEN) or use --token-file");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)t[i] < 0x20) {
			tl_secret_free(t);
			tl_err("the bearer token contains a control character");
			return NULL;
		}
	}
	tl_log_add_secret(t);
	return t;
}

enum {
	OPT_SAMPLE = 256, OPT_RAW, OPT_MAX, OPT_DURATION, OPT_STALL, OPT_BACKFILL, OPT_PROGRESS,
	OPT_TF, OPT_EXP, OPT_UF, OPT_MF, OPT_PF, OPT_POF, OPT_API, OPT_TOKEN, OPT_DEDUPE, OPT_REPLAY,
	OPT_SPEED, OPT_RATE, OPT_SIM, OPT_SEED, OPT_BACKDATE, OPT_LIST, OPT_ADD, OPT_TAG, OPT_DEL, OPT_DELALL,
	OPT_RULESFILE, OPT_DRY, OPT_BURST,
};

static const struct option LONGOPTS[] = {
	{ "sample", no_argument, NULL, OPT_SAMPLE },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "max-tweets", required_argument, NULL, OPT_MAX },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stall-timeout", required_argument, NULL, OPT_STALL },
	{ "backfill", required_argument, NULL, OPT_BACKFILL },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "tweet-fields", required_argument, NULL, OPT_TF },
	{ "expansions", required_argument, NULL, OPT_EXP },
	{ "user-fields", required_argument, NULL, OPT_UF },
	{ "media-fields", required_argument, NULL, OPT_MF },
	{ "place-fields", required_argument, NULL, OPT_PF },
	{ "poll-fields", required_argument, NULL, OPT_POF },
	{ "api-url", required_argument, NULL, OPT_API },
	{ "token-file", required_argument, NULL, OPT_TOKEN },
	{ "dedupe", required_argument, NULL, OPT_DEDUPE },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "speed", required_argument, NULL, OPT_SPEED },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "simulate", no_argument, NULL, OPT_SIM },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "backdate", required_argument, NULL, OPT_BACKDATE },
	{ "list-rules", no_argument, NULL, OPT_LIST },
	{ "add-rule", required_argument, NULL, OPT_ADD },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "delete-rule", required_argument, NULL, OPT_DEL },
	{ "delete-all-rules", no_argument, NULL, OPT_DELALL },
	{ "rules-file", required_argument, NULL, OPT_RULESFILE },
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ NULL, 0, NULL, 0 },
};

static const struct tl_cli_spec cli_spec = {
	.usage = USAGE,
	.verbose_help = "more messages (twice: HTTP headers)",
	.longopts = LONGOPTS,
};

static void app_free(struct app *a)
{
	for (size_t i = 0; i < a->n_adds; i++)
		free(a->adds[i].tag);
	free(a->adds);
	free(a->deletes);
	tl_secret_free(a->token);
	tl_tweet_free(&a->tw);
	if (a->dedupe)
		tl_idset_free(&a->seen);
	tl_buf_release(&a->merged);
}

/* Reads the options into a (its defaults already set); returns TL_CLI_RUN or an exit status. */
static int parse_args(int argc, char **argv, struct app *a)
{
	struct tl_cli cli = { .spec = &cli_spec };
	bool simulate = false;
	int c;
	while ((c = tl_cli_next(&cli, argc, argv)) > 0) {
		switch (c) {
		case OPT_SAMPLE: a->sample = true; break;
		case OPT_RAW: a->raw = true; break;
		case OPT_MAX:
			if (tl_parse_u64(optarg, UINT64_MAX, &a->max_tweets) < 0)
				return tl_cli_bad_value(&cli, "a count");
			break;
		case OPT_DURATION:
			if (tl_parse_duration_ms(optarg, &a->duration_ms) < 0 || a->duration_ms < 0)
				return tl_cli_bad_value(&cli, "a duration (30, 90s, 5m, 2h)");
			break;
		case OPT_STALL:
			if (tl_parse_duration_ms(optarg, &a->stall_ms) < 0 || a->stall_ms < 0)
				return tl_cli_bad_value(&cli, "a duration (30, 90s, 5m, 2h)");
			break;
		case OPT_BACKFILL:
			if (tl_parse_int(optarg, 1, 5, &a->backfill) < 0)
				return tl_cli_bad_value(&cli, "minutes from 1 to 5");
			break;
		case OPT_PROGRESS: a->progress = true; break;
		case OPT_TF: a->fields[0] = optarg; break;
		case OPT_EXP: a->fields[1] = optarg; break;
		case OPT_UF: a->fields[2] = optarg; break;
		case OPT_MF: a->fields[3] = optarg; break;
		case OPT_PF: a->fields[4] = optarg; break;
		case OPT_POF: a->fields[5] = optarg; break;
		case OPT_API: a->api_url = optarg; break;
		case OPT_TOKEN: a->token_file = optarg; break;
		case OPT_DEDUPE:
			if (tl_parse_u64(optarg, 100000000, &a->dedupe) < 0)
				return tl_cli_bad_value(&cli, "a count up to 100000000");
			break;
		case OPT_REPLAY: a->replay = optarg; break;
		case OPT_SPEED:
			if (tl_parse_double(optarg, &a->speed) < 0 || a->speed < 0)
				return tl_cli_bad_value(&cli, "a factor");
			a->speed_set = true;
			break;
		case OPT_RATE:
			if (tl_parse_double(optarg, &a->rate) < 0 || a->rate < 0)
				return tl_cli_bad_value(&cli, "tweets per second");
			a->rate_set = true;
			break;
		case OPT_SIM: simulate = true; break;
		case OPT_SEED:
			if (tl_parse_u64(optarg, UINT64_MAX, &a->seed) < 0)
				return tl_cli_bad_value(&cli, "a number");
			break;
		case OPT_BACKDATE:
			if (tl_parse_duration_ms(optarg, &a->backdate_ms) < 0 || a->backdate_ms <= 0)
				return tl_cli_bad_value(&cli, "a duration (30m, 3h, 2d)");
			break;
		case OPT_LIST: a->list_rules = true; break;
		case OPT_ADD:
			a->adds = xrealloc(a->adds, (a->n_adds + 1) * sizeof *a->adds);
			a->adds[a->n_adds].value = optarg;
			a->adds[a->n_adds].tag = NULL;
			a->n_adds++;
			break;
		case OPT_TAG:
			if (!a->n_adds || a->adds[a->n_adds - 1].tag)
				return tl_cli_usage_error("--tag must follow an --add-rule");
			a->adds[a->n_adds - 1].tag = xstrdup(optarg);
			break;
		case OPT_DEL:
			a->deletes = xrealloc(a->deletes, (a->n_deletes + 1) * sizeof *a->deletes);
			a->deletes[a->n_deletes++] = optarg;
			break;
		case OPT_DELALL: a->delete_all = true; break;
		case OPT_RULESFILE: a->rules_file = optarg; break;
		case OPT_DRY: a->dry_run = true; break;
		case OPT_BURST: {
			const char *why;
			if (a->nbursts == TL_TWEETSIM_BURSTS)
				return tl_cli_usage_error("--burst: at most %d", TL_TWEETSIM_BURSTS);
			if (tl_tweetsim_burst_parse(optarg, &a->bursts[a->nbursts], &why) < 0)
				return tl_cli_usage_error("--burst '%s': %s", optarg, why);
			a->nbursts++;
			break;
		}
		}
	}
	if (c == TL_CLI_EXIT)
		return cli.status;

	bool rules = a->list_rules || a->n_adds || a->n_deletes || a->delete_all || a->rules_file;
	int modes = (a->replay != NULL) + simulate + rules;
	if (modes > 1)
		return tl_cli_usage_error("--replay, --simulate and the rule options exclude each other");
	if (a->rules_file && (a->list_rules || a->n_adds || a->n_deletes || a->delete_all))
		return tl_cli_usage_error("--rules-file replaces the other rule options");
	if (a->delete_all && a->n_deletes)
		return tl_cli_usage_error("--delete-rule and --delete-all-rules exclude each other");
	if (a->dry_run && !(a->n_adds || a->n_deletes || a->delete_all || a->rules_file))
		return tl_cli_usage_error("--dry-run is for rule changes");
	if (a->speed_set && !a->replay)
		return tl_cli_usage_error("--speed is for --replay");
	if (a->speed_set && a->rate_set)
		return tl_cli_usage_error("--speed and --rate exclude each other");
	if (a->backdate_ms && (!simulate || !a->max_tweets))
		return tl_cli_usage_error("--backdate is for --simulate with --max-tweets");
	if (a->nbursts && !simulate)
		return tl_cli_usage_error("--burst is for --simulate");
	if (a->rate_set && !a->replay && !simulate)
		return tl_cli_usage_error("--rate is for --replay and --simulate");
	if (a->sample && (rules || a->replay || simulate))
		return tl_cli_usage_error("--sample is for the live stream");
	a->mode = rules ? MODE_RULES : a->replay ? MODE_REPLAY : simulate ? MODE_SIMULATE : MODE_STREAM;

	/* a testing knob: scales every reconnect wait (e.g. 0.01) so the schedule can be observed fast */
	const char *scale = getenv("TW_STREAM_TIME_SCALE");
	if (scale && *scale && (tl_parse_double(scale, &a->time_scale) < 0 || a->time_scale < 0))
		return tl_cli_usage_error("TW_STREAM_TIME_SCALE: not a factor: '%s'", scale);
	return TL_CLI_RUN;
}

/* Runs the mode chosen, closes the output and reports; returns the exit status. */
static int tw_stream(struct app *a)
{
	int status;
	if ((a->mode == MODE_STREAM || a->mode == MODE_RULES) && !(a->token = read_token(a)))
		return TL_EXIT_USAGE;
	tl_out_init(&a->out, STDOUT_FILENO);
	if (a->dedupe)
		tl_idset_init(&a->seen, (size_t)a->dedupe);
	a->start_mono = tl_mono_ms();
	a->deadline_mono = a->duration_ms ? a->start_mono + a->duration_ms : 0;

	switch (a->mode) {
	case MODE_RULES: status = run_rules(a); break;
	case MODE_REPLAY: status = run_replay(a); break;
	case MODE_SIMULATE: status = run_simulate(a); break;
	default: status = run_stream(a); break;
	}

	if (tl_out_close(&a->out) < 0 && !a->out_broken) {
		a->out_broken = true;
		if (a->out.err != EPIPE)
			tl_err("error writing output: %s", strerror(a->out.err));
		if (status == TL_EXIT_OK)
			status = a->out.err == EPIPE ? 128 + SIGPIPE : TL_EXIT_FAIL;
	} else if (a->out_broken && a->out.err != EPIPE) {
		tl_err("error writing output: %s", strerror(a->out.err));
	}
	if (a->mode != MODE_RULES) {
		if (a->progress)
			tl_log_status_end();
		double secs = (double)(tl_mono_ms() - a->start_mono) / 1000;
		tl_info("%llu tweet%s in %.1f s; %llu duplicate%s dropped, %llu cut line%s dropped, %llu bad "
			"line%s, %llu message%s, %llu reconnect%s",
			(unsigned long long)a->tweets, a->tweets == 1 ? "" : "s", secs,
			(unsigned long long)a->dups, a->dups == 1 ? "" : "s", (unsigned long long)a->cut,
			a->cut == 1 ? "" : "s", (unsigned long long)a->bad, a->bad == 1 ? "" : "s",
			(unsigned long long)a->messages, a->messages == 1 ? "" : "s",
			(unsigned long long)a->reconnects, a->reconnects == 1 ? "" : "s");
	}
	return status;
}

int main(int argc, char **argv)
{
	struct app a = {
		.fields = { DEF_TWEET_FIELDS, DEF_EXPANSIONS, DEF_USER_FIELDS, DEF_MEDIA_FIELDS,
			    DEF_PLACE_FIELDS, DEF_POLL_FIELDS },
		.stall_ms = 30000, .speed = 1, .seed = 1, .dedupe = 100000, .time_scale = 1,
		.pace_t0 = -1, .merged = TL_BUF_INIT,
	};

	tl_cli_init(argv[0]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int status = parse_args(argc, argv, &a);
	if (status == TL_CLI_RUN)
		status = tw_stream(&a);
	app_free(&a);
	curl_global_cleanup();
	tl_log_cleanup();
	return status;
}
