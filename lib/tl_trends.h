/* tl_trends.h: trend detection on a stream of tweets in event time.
 *
 * Time. Event time (created_at) is cut into steps (1 s); the detection window is the last
 * `window` (60 s) of steps. The stream's clock is the latest event time seen; the watermark is
 * that minus `delay` (0). A step closes when the watermark passes its end: the window ending
 * there is evaluated and a "window" line written. A tweet for a closed step is late: it still
 * counts (in its step, and so in the windows evaluated after it arrived, or straight into the
 * baselines when its step has left the window) unless it is older than the watermark minus
 * `lateness`, then it is dropped and counted as too late. A time more than `max_future` ahead of
 * the wall clock, or of the stream's clock (unless three tweets in a row agree, as when a replay
 * jumps a gap), is dropped and counted as future, so one bad clock cannot stall the windows.
 * Only event times and the order of arrival decide the output, never the wall clock: a replay
 * at any speed gives the same lines as the live stream (the partial lines excepted).
 *
 * Detection (named in tw-trends(1)). Each tracked term has a baseline: its share of the tweets,
 * an exponentially weighted moving average (EWMA, half-life `half_life`, 30 min) of the counts
 * of the steps that have left the window over the same average of all tweets, so the window
 * never feeds its own baseline; and a dispersion phi >= 1, an EWMA of the Pearson statistic
 * (x - mu)^2 / mu of past non-overlapping windows (the term's variance beyond Poisson). At each
 * step, with x the term's tweets in the window and N all tweets there, the expected count is
 * mu = max(share * N, 1) and the score is -log10 of the one-sided quasi-Poisson test
 * P(X >= x/phi) for X ~ Poisson(mu/phi). A trend starts when, after `warmup`, x >= min_count,
 * x >= min_ratio * mu and score >= start_score; it ends when x < min_count / 2 or the score
 * stays below end_score for `hold`; trend-update lines follow every `update` in between.
 *
 * Memory. Terms are counted in a count-min sketch (width x 4 rows, two decays) and the heaviest
 * `capacity` recent ones are tracked in a space-saving table with per-step counts (tl_hh.h);
 * a term enters when its sketch estimate passes the smallest tracked count. Counts used in the
 * test are those seen while tracked, so the sketch's error can delay a trend, never invent one.
 *
 * Forecasts: Holt's damped linear method (tl_stat.h) on the window count of every tracked term
 * and of the volume, updated every step, forecasting the next `horizon` windows.
 */
#ifndef TL_TRENDS_H
#define TL_TRENDS_H
#include "tl_buf.h"
#include "tl_terms.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_trends_opts {
	int64_t step_ms;       /* 1000 */
	int64_t window_ms;     /* 60000; a multiple of step_ms */
	int64_t delay_ms;      /* 0: the watermark's delay behind the latest event time */
	int64_t lateness_ms;   /* 300000: how late a tweet may be and still count */
	int64_t max_future_ms; /* 300000 */
	int64_t half_life_ms;  /* 1800000: the baselines' EWMA half-life */
	int64_t warmup_ms;     /* 300000: no trend starts before the baselines saw this much */
	int64_t update_ms;     /* 30000: trend-update period */
	int64_t hold_ms;       /* 60000: how long a trend's test must fail before it ends */
	int64_t history_ms;    /* 1800000: the history kept for views */
	int64_t bucket_ms;     /* 10000: the history's resolution; a multiple of step_ms */
	double min_count;      /* 10 */
	double min_ratio;      /* 3 */
	double start_score;    /* 6 */
	double end_score;      /* 2 */
	double holt_alpha, holt_beta, holt_phi; /* per step: 0.5, 0.1, 0.98 */
	size_t capacity;       /* 20000 tracked terms */
	size_t sketch_width;   /* 65536 counters a row */
	size_t top;            /* 10 terms in a window line */
	int horizon;           /* 3 windows of forecast (1 to 8) */
	unsigned kinds;        /* TL_TERM_ALL */
	bool by_lang;          /* a term's language is part of its identity */
};

/* The defaults above. */
void tl_trends_opts_default(struct tl_trends_opts *o);
/* Checks the options (multiples, ranges); returns NULL or a static message. */
const char *tl_trends_opts_check(const struct tl_trends_opts *o);

/* Receives each output line (one JSON object, no newline). Returns 0, or -1 to stop (the output
 * is gone); the engine then returns -1 from the call that emitted. */
typedef int (*tl_trends_emit_fn)(void *ctx, const char *line, size_t n);

struct tl_trends;

/* A new engine (options checked by the caller). Allocates with x* (may exit): about
 * capacity * (window / step + history / bucket) * 4 bytes plus 8 * sketch_width * 4. */
struct tl_trends *tl_trends_new(const struct tl_trends_opts *o, tl_trends_emit_fn emit, void *ctx);
void tl_trends_free(struct tl_trends *tr);

enum tl_trends_verdict {
	TL_TRENDS_ON_TIME = 0,
	TL_TRENDS_LATE,     /* counted, for a step already closed */
	TL_TRENDS_TOO_LATE, /* dropped: older than the watermark minus lateness */
	TL_TRENDS_FUTURE,   /* dropped: too far ahead of the wall clock or the stream */
	TL_TRENDS_HELD,     /* far ahead of the stream: held until two more tweets agree (then
			     * counted) or one does not (then dropped as future) */
};

/* One tweet at event time t_ms with its terms (lang[0..langlen) when by_lang, else ignored;
 * sentiment NAN when the tweet has none). wall_ms is the wall clock for the future check (0:
 * no check). May close steps and emit lines. Returns a verdict, or -1 when emit failed. */
int tl_trends_add(struct tl_trends *tr, int64_t t_ms, const struct tl_terms *terms, const char *lang,
		  size_t langlen, double sentiment, int64_t wall_ms);
/* A tweet without a readable time: counted and reported in the next window line. */
void tl_trends_no_time(struct tl_trends *tr);
/* End of input: the watermark moves past the latest event, closing every step. 0 or -1. */
int tl_trends_finish(struct tl_trends *tr);
/* Writes a "partial" line for the steps still open (an early look for live input; it depends on
 * the wall clock, unlike every other line). Nothing when no tweet came since the last line.
 * 0 or -1. */
int tl_trends_partial(struct tl_trends *tr);

struct tl_trends_stats {
	uint64_t tweets, late, too_late, future, no_time;
	uint64_t windows, starts, updates, ends;
	size_t tracked, active;
	double sketch_epsilon; /* the count-min error bound as a share of the total */
};
void tl_trends_stats(const struct tl_trends *tr, struct tl_trends_stats *st);

/* ---- for views ---- */

#define TL_TRENDS_SNAP_TERMS 12
#define TL_TRENDS_SNAP_HIST 360
#define TL_TRENDS_SNAP_TOP 10

struct tl_trends_snap_term {
	char term[TL_TERM_MAX + 1];
	char lang[12];
	const char *kind;
	bool active;
	int64_t started, ended;       /* ms; ended 0 while active */
	double count, rate, baseline, ratio, score, peak_rate;
	double sentiment;             /* NAN when none */
	double forecast[8];           /* rate per minute, the next windows */
	int direction;                /* -1 falling, 0 flat, +1 rising (the forecast's slope) */
	double hist[TL_TRENDS_SNAP_HIST]; /* tweets per minute in each bucket, oldest first */
};

struct tl_trends_snap {
	bool started;                 /* any tweet seen */
	bool warm;                    /* past the warm-up */
	int64_t now_ms;               /* end of the last closed step */
	int64_t bucket_ms, window_ms;
	int64_t hist_start_ms;        /* start of the first bucket */
	size_t hist_first;            /* the first bucket the stream reaches (earlier ones are empty) */
	size_t nhist;                 /* buckets in each hist (the last one is still filling) */
	double volume[TL_TRENDS_SNAP_HIST]; /* tweets per minute in each bucket */
	double rate;                  /* tweets per minute in the window */
	double vol_forecast[8];
	int horizon;
	size_t nterms;                /* active trends by score, then recently ended ones */
	struct tl_trends_snap_term terms[TL_TRENDS_SNAP_TERMS];
	size_t ntop;
	struct {
		char term[TL_TERM_MAX + 1];
		const char *kind;
		double count;
	} top[TL_TRENDS_SNAP_TOP];
	struct tl_trends_stats stats;
};

/* Fills s with what a view shows (s is large: allocate it once). Changes nothing the output
 * depends on. */
void tl_trends_snapshot(struct tl_trends *tr, struct tl_trends_snap *s);

/* ---- state across restarts ---- */

/* Appends the whole state (baselines, windows, trends, sketches) as NDJSON text to out: a header
 * line with the options it depends on, then a line per tracked term and per sketch row.
 * -1 if out's cap is reached. */
int tl_trends_save(const struct tl_trends *tr, struct tl_buf *out);
/* Restores a state saved by tl_trends_save into a new engine (before any tweet). When the
 * options it depends on (step, window, history, bucket, kinds, by_lang) differ, only the
 * baselines are kept (noted in *note, static text, else NULL). Returns 0, or -1 with *err (a
 * new string: "line N: what") on malformed input; the engine is then as new. */
int tl_trends_load(struct tl_trends *tr, const char *text, size_t n, const char **note, char **err);

#endif
