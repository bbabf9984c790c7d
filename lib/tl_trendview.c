#include "tl_trendview.h"
#include "tl_str.h"
#include "tl_time.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* ---- text: measuring and fitting ---- */

static uint32_t next_cp(const char *s, size_t n, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s + *i;
	size_t k = tl_utf8_seq(u, n - *i);
	uint32_t c;
	if (!k) {
		*i += 1;
		return 0xFFFD;
	}
	if (k == 1)
		c = u[0];
	else if (k == 2)
		c = (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
	else if (k == 3)
		c = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
	else
		c = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 | (uint32_t)(u[2] & 0x3F) << 6 |
		    (u[3] & 0x3F);
	*i += k;
	return c;
}

static int cp_width(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7F && c < 0xA0))
		return -1;
	int w = wcwidth((wchar_t)c);
	return w < 0 ? -1 : w;
}

/* Appends s[0..n) in exactly width columns: cut with an ellipsis, padded with spaces on the right
 * (or on the left when right). Unprintable characters show as '?'. */
static void fit(struct tl_buf *b, const char *s, size_t n, int width, bool right, bool utf8)
{
	if (width <= 0)
		return;
	int total = 0;
	for (size_t i = 0; i < n;) {
		int w = cp_width(next_cp(s, n, &i));
		total += w < 0 ? 1 : w;
	}
	int room = total > width ? width - 1 : width, used = 0;
	if (right && total < width)
		for (int k = 0; k < width - total; k++)
			tl_buf_addc(b, ' ');
	for (size_t i = 0; i < n;) {
		size_t at = i;
		uint32_t c = next_cp(s, n, &i);
		int w = cp_width(c);
		if (used + (w < 0 ? 1 : w) > room)
			break;
		if (w < 0 || (!utf8 && c >= 0x80))
			tl_buf_addc(b, '?');
		else
			tl_buf_add(b, s + at, i - at);
		used += w < 0 ? 1 : w;
	}
	if (total > width) {
		tl_buf_adds(b, utf8 ? "\xe2\x80\xa6" : "~");
		used++;
	}
	if (!right)
		for (; used < width; used++)
			tl_buf_addc(b, ' ');
}

static void fits(struct tl_buf *b, const char *s, int width, bool right, bool utf8)
{
	fit(b, s, strlen(s), width, right, utf8);
}

/* 1234 -> "1.2k"; 0.5 -> "0.5"; 12 -> "12". */
static void compact(double v, char *out, size_t n)
{
	double a = fabs(v);
	if (a >= 9.95e5)
		snprintf(out, n, "%.1fM", v / 1e6);
	else if (a >= 999.5)
		snprintf(out, n, "%.1fk", v / 1e3);
	else if (a >= 9.95 || a == floor(a))
		snprintf(out, n, "%.0f", v);
	else
		snprintf(out, n, "%.1f", v);
}

static const char *const EIGHTHS[9] = { " ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
					"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88" };
static const char ASCII_LEVELS[9] = { ' ', '.', '.', ':', ':', '|', '|', '#', '#' };

struct scr {
	struct tl_buf *b;
	int cols;
	bool utf8, color;
};

static void sgr(struct scr *S, const char *code)
{
	if (S->color)
		tl_buf_addf(S->b, "\033[%sm", code);
}

static void cell(struct scr *S, int level)
{
	level = level < 0 ? 0 : level > 8 ? 8 : level;
	if (S->utf8)
		tl_buf_adds(S->b, EIGHTHS[level]);
	else
		tl_buf_addc(S->b, ASCII_LEVELS[level]);
}

/* Averages of v[0..n) over ncols columns of k values each, right-aligned (the newest last). */
static int columns(const double *v, size_t n, int width, double *out)
{
	if (n == 0 || width <= 0)
		return 0;
	size_t k = (n + (size_t)width - 1) / (size_t)width, nc = (n + k - 1) / k;
	for (size_t c = 0; c < nc; c++) {
		/* column c covers the values ending n - (nc - 1 - c) * k */
		size_t end = n - (nc - 1 - c) * k, beg = end >= k ? end - k : 0;
		double s = 0;
		for (size_t i = beg; i < end; i++)
			s += v[i];
		out[c] = end > beg ? s / (double)(end - beg) : 0;
	}
	return (int)nc;
}

static void hhmm(int64_t ms, char *out, size_t n)
{
	struct tl_tm t;
	tl_time_split(ms, &t);
	snprintf(out, n, "%02d:%02d", t.hour, t.min);
}

static void sparkline(struct scr *S, const double *hist, size_t n, int width)
{
	double col[TL_TRENDS_SNAP_HIST];
	int nc = columns(hist, n, width, col);
	double max = 0;
	for (int i = 0; i < nc; i++)
		max = col[i] > max ? col[i] : max;
	for (int i = nc; i < width; i++)
		tl_buf_addc(S->b, ' ');
	for (int i = 0; i < nc; i++)
		cell(S, max > 0 ? (int)ceil(col[i] / max * 8 - 0.001) : 0);
}

static void volume_chart(struct scr *S, const struct tl_trends_snap *s, int height)
{
	int gutter = 7, width = S->cols - gutter, fcols = width >= 40 ? 6 : 2;
	int dcols = width - fcols - 1;
	size_t n = s->nhist > 0 ? s->nhist - 1 : 0; /* the last bucket is still filling */
	double col[TL_TRENDS_SNAP_HIST], fc[8];
	int nc = columns(s->volume, n, dcols, col);
	double max = 0;
	for (int i = 0; i < nc; i++)
		max = col[i] > max ? col[i] : max;
	for (int j = 0; j < fcols; j++) {
		int h = s->horizon > 0 ? j * s->horizon / fcols : 0;
		fc[j] = s->horizon > 0 ? s->vol_forecast[h < 8 ? h : 7] : 0;
		max = fc[j] > max ? fc[j] : max;
	}
	char lab[32];
	for (int r = 0; r < height; r++) {
		if (r == 0 || r == height - 1) {
			compact(r == 0 ? max : 0, lab, sizeof lab);
			fits(S->b, lab, gutter - 1, true, S->utf8);
			tl_buf_addc(S->b, ' ');
		} else {
			fits(S->b, "", gutter, false, S->utf8);
		}
		for (int i = nc; i < dcols; i++)
			tl_buf_addc(S->b, ' ');
		int base = (height - 1 - r) * 8;
		sgr(S, "36");
		for (int i = 0; i < nc; i++)
			cell(S, max > 0 ? (int)ceil(col[i] / max * height * 8 - base - 0.001) : 0);
		sgr(S, "0");
		tl_buf_addc(S->b, ' ');
		sgr(S, "2;36");
		for (int j = 0; j < fcols; j++) {
			int lv = max > 0 ? (int)ceil(fc[j] / max * height * 8 - base - 0.001) : 0;
			if (lv <= 0)
				tl_buf_addc(S->b, ' ');
			else if (S->utf8)
				tl_buf_adds(S->b, lv >= 8 ? "\xe2\x96\x91" : EIGHTHS[lv]);
			else
				tl_buf_addc(S->b, ':');
		}
		sgr(S, "0");
		tl_buf_addc(S->b, '\n');
	}
	/* the time axis: the first and the last bucket shown, and where the forecast begins */
	fits(S->b, "", gutter, false, S->utf8);
	size_t shown = (size_t)nc * ((n + (size_t)(dcols > 0 ? dcols : 1) - 1) / (size_t)(dcols > 0 ? dcols : 1));
	char a[16], z[16];
	hhmm(s->hist_start_ms + (int64_t)(n - (shown < n ? shown : n)) * s->bucket_ms, a, sizeof a);
	hhmm(s->hist_start_ms + (int64_t)n * s->bucket_ms, z, sizeof z);
	int pad = dcols - nc;
	for (int i = 0; i < pad; i++)
		tl_buf_addc(S->b, ' ');
	if (nc >= 10) {
		fits(S->b, a, nc - 5, false, S->utf8);
		fits(S->b, z, 5, false, S->utf8);
	} else {
		fits(S->b, z, nc, true, S->utf8);
	}
	tl_buf_addc(S->b, ' ');
	fits(S->b, S->utf8 ? "next\xe2\x86\x92" : "next>", fcols, false, S->utf8);
	tl_buf_addc(S->b, '\n');
}

static void trend_row(struct scr *S, const struct tl_trends_snap *s, const struct tl_trends_snap_term *t, int tw,
		      int sw, bool sent_col)
{
	const char *dir = t->ended ? (S->utf8 ? "\xc2\xb7" : ".")
		: t->direction > 0 ? (S->utf8 ? "\xe2\x86\x91" : "^")
		: t->direction < 0 ? (S->utf8 ? "\xe2\x86\x93" : "v")
				   : (S->utf8 ? "\xe2\x86\x92" : "-");
	sgr(S, t->ended ? "2" : t->direction > 0 ? "1;32" : t->direction < 0 ? "1;31" : "1");
	tl_buf_addc(S->b, ' ');
	tl_buf_adds(S->b, dir);
	tl_buf_addc(S->b, ' ');
	char term[TL_TERM_MAX + 24];
	if (t->lang[0])
		snprintf(term, sizeof term, "%s (%s)", t->term, t->lang);
	else
		snprintf(term, sizeof term, "%s", t->term);
	fits(S->b, term, tw, false, S->utf8);
	sgr(S, "0");
	if (t->ended)
		sgr(S, "2");
	char v[32];
	compact(t->rate, v, sizeof v);
	fits(S->b, v, 8, true, S->utf8);
	snprintf(v, sizeof v, "%.1f", t->ratio);
	fits(S->b, v, 7, true, S->utf8);
	if (t->ended) {
		long ago = (long)((s->now_ms - t->ended) / 60000);
		snprintf(v, sizeof v, "end %ldm", ago);
	} else {
		snprintf(v, sizeof v, "%.0f", t->score);
	}
	fits(S->b, v, 8, true, S->utf8);
	tl_buf_addc(S->b, ' ');
	if (!t->ended)
		sgr(S, t->direction < 0 ? "31" : "32");
	size_t n = s->nhist > 0 ? s->nhist - 1 : 0;
	sparkline(S, t->hist, n, sw);
	sgr(S, "0");
	if (sent_col) {
		if (isnan(t->sentiment)) {
			fits(S->b, "", 7, true, S->utf8);
		} else {
			snprintf(v, sizeof v, "%+.2f", t->sentiment);
			sgr(S, t->sentiment >= 0.05 ? "32" : t->sentiment <= -0.05 ? "31" : "0");
			fits(S->b, v, 7, true, S->utf8);
			sgr(S, "0");
		}
	}
	tl_buf_addc(S->b, '\n');
}

void tl_trendview_text(const struct tl_trends_snap *s, int rows, int cols, unsigned flags, struct tl_buf *out)
{
	struct scr S = { out, cols, (flags & TL_VIEW_UTF8) != 0, (flags & TL_VIEW_COLOR) != 0 };
	if (rows < 12 || cols < 40) {
		fits(out, "too small: 40x12 at least", cols > 0 ? cols : 1, false, S.utf8);
		tl_buf_addc(out, '\n');
		return;
	}
	char now[40], buf[160], v1[32], v2[32];
	int used = 0;
	/* header */
	tl_time_format(s->now_ms, 0, now, sizeof now);
	compact(s->rate, v1, sizeof v1);
	compact(s->horizon > 0 ? s->vol_forecast[0] : 0, v2, sizeof v2);
	snprintf(buf, sizeof buf, " tw-trends  %s  %s tweets/min %s %s  %zu trending", s->started ? now : "--",
		 v1, S.utf8 ? "\xe2\x86\x92" : "->", v2, s->stats.active);
	const char *right = flags & TL_VIEW_ENDED ? "input ended, q quits " : "q quits ";
	int rw = (int)strlen(right);
	sgr(&S, "7;1");
	fits(out, buf, cols - rw, false, S.utf8);
	fits(out, right, rw, true, S.utf8);
	sgr(&S, "0");
	tl_buf_addc(out, '\n');
	used++;
	if (!s->started) {
		tl_buf_adds(out, "\n");
		fits(out, "  waiting for tweets...", cols, false, S.utf8);
		tl_buf_addc(out, '\n');
		return;
	}
	/* volume */
	int height = rows >= 30 ? 8 : rows >= 20 ? 5 : 3;
	double span = (double)((s->nhist > 0 ? s->nhist - 1 : 0) * (size_t)s->bucket_ms) / 60000.0;
	snprintf(buf, sizeof buf, " Volume, tweets a minute, last %.0f min", span);
	sgr(&S, "1");
	fits(out, buf, cols, false, S.utf8);
	sgr(&S, "0");
	tl_buf_addc(out, '\n');
	volume_chart(&S, s, height);
	used += height + 2;
	/* trends */
	bool sent_col = false;
	for (size_t i = 0; i < s->nterms; i++)
		sent_col |= !isnan(s->terms[i].sentiment);
	int fixed = 3 + 8 + 7 + 8 + 1 + (sent_col ? 7 : 0);
	int tw = (cols - fixed) * 4 / 10, sw = cols - fixed - tw;
	if (tw > 28) {
		sw += tw - 28;
		tw = 28;
	}
	sgr(&S, "1");
	fits(out, "   TRENDING", 3 + tw, false, S.utf8);
	fits(out, "rate/min", 8, true, S.utf8);
	fits(out, "x base", 7, true, S.utf8);
	fits(out, "score", 8, true, S.utf8);
	tl_buf_addc(out, ' ');
	snprintf(buf, sizeof buf, "last %.0f min", span);
	fits(out, buf, sw, false, S.utf8);
	if (sent_col)
		fits(out, "mood", 7, true, S.utf8);
	sgr(&S, "0");
	tl_buf_addc(out, '\n');
	used++;
	int room = rows - used - 3; /* the top terms and the status line below */
	if (s->nterms == 0) {
		snprintf(buf, sizeof buf, "   %s", s->warm ? "nothing is trending" : "warming up: learning the baselines");
		sgr(&S, "2");
		fits(out, buf, cols, false, S.utf8);
		sgr(&S, "0");
		tl_buf_addc(out, '\n');
		used++;
	}
	for (size_t i = 0; i < s->nterms && (int)i < room; i++, used++)
		trend_row(&S, s, &s->terms[i], tw, sw, sent_col);
	for (; used < rows - 2; used++)
		tl_buf_addc(out, '\n');
	/* top terms */
	struct tl_buf tops;
	tl_buf_init(&tops, 0);
	tl_buf_adds(&tops, " Top:");
	for (size_t i = 0; i < s->ntop; i++) {
		compact(s->top[i].count, v1, sizeof v1);
		tl_buf_addf(&tops, " %s %s%s", s->top[i].term, v1, i + 1 < s->ntop ? (S.utf8 ? " \xc2\xb7" : " |") : "");
	}
	fit(out, tops.data, tops.len, cols, false, S.utf8);
	tl_buf_release(&tops);
	tl_buf_addc(out, '\n');
	/* status */
	snprintf(buf, sizeof buf, " %llu tweets  late %llu  too late %llu  future %llu  no time %llu  tracked %zu%s",
		 (unsigned long long)s->stats.tweets, (unsigned long long)s->stats.late,
		 (unsigned long long)s->stats.too_late, (unsigned long long)s->stats.future,
		 (unsigned long long)s->stats.no_time, s->stats.tracked, s->warm ? "" : "  (warming up)");
	sgr(&S, "2");
	fits(out, buf, cols, false, S.utf8);
	sgr(&S, "0");
	tl_buf_addc(out, '\n');
}

/* ---- SVG ---- */

#define SVG_W 960
#define SVG_H 540

static const char *const PALETTE[] = { "#e15759", "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
				       "#edc948", "#ff9da7" };

static void xml_text(struct tl_buf *b, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t at = i;
		uint32_t c = next_cp(s, n, &i);
		switch (c) {
		case '&': tl_buf_adds(b, "&amp;"); break;
		case '<': tl_buf_adds(b, "&lt;"); break;
		case '>': tl_buf_adds(b, "&gt;"); break;
		case '"': tl_buf_adds(b, "&quot;"); break;
		default:
			if (c < 0x20 || c == 0xFFFE || c == 0xFFFF || (c >= 0x7F && c < 0xA0))
				tl_buf_addc(b, '?');
			else
				tl_buf_add(b, s + at, i - at);
		}
	}
}

/* A "nice" axis maximum (1, 2 or 5 times a power of ten) at or above max, and its tick step. */
static double nice_max(double max, double *step)
{
	if (max <= 0)
		max = 1;
	double mag = pow(10, floor(log10(max / 4))), m = 1;
	const double f[] = { 1, 2, 5, 10 };
	for (int i = 0; i < 4; i++) {
		m = f[i] * mag;
		if (m * 4 >= max)
			break;
	}
	*step = m;
	return ceil(max / m) * m;
}

struct panel {
	double x, y, w, h;      /* plot area */
	int64_t t0, t1;         /* time range */
	double ymax;
};

static double px(const struct panel *p, int64_t t)
{
	return p->x + (double)(t - p->t0) / (double)(p->t1 - p->t0) * p->w;
}

static double py(const struct panel *p, double v)
{
	return p->y + p->h - (v / p->ymax) * p->h;
}

static void axes(struct tl_buf *b, const struct panel *p, double step, const char *unit, int64_t bucket)
{
	char lab[32];
	for (double v = 0; v <= p->ymax + step / 2; v += step) {
		double y = py(p, v);
		tl_buf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", p->x, y,
			    p->x + p->w, y);
		compact(v, lab, sizeof lab);
		tl_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>\n", p->x - 6,
			    y + 4, lab);
	}
	tl_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"unit\">%s</text>\n", p->x - 44, p->y - 8, unit);
	/* time ticks every 5 minutes (or every bucket multiple that gives 4 to 8 ticks) */
	int64_t span = p->t1 - p->t0, tick = 60000;
	static const int64_t ticks[] = { 60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000 };
	for (size_t i = 0; i < sizeof ticks / sizeof *ticks; i++) {
		tick = ticks[i];
		if (span / tick <= 8)
			break;
	}
	(void)bucket;
	for (int64_t t = (p->t0 / tick + 1) * tick; t < p->t1; t += tick) {
		double x = px(p, t);
		hhmm(t, lab, sizeof lab);
		tl_buf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", x, p->y, x,
			    p->y + p->h);
		tl_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%s</text>\n", x,
			    p->y + p->h + 16, lab);
	}
}

/* A polyline of per-minute values v[0..n) of consecutive buckets from t0. */
static void series(struct tl_buf *b, const struct panel *p, const double *v, size_t n, int64_t t0, int64_t bucket,
		   const char *attrs, bool area)
{
	if (!n)
		return;
	tl_buf_addf(b, "<%s points=\"", area ? "polygon" : "polyline");
	if (area)
		tl_buf_addf(b, "%.1f,%.1f ", px(p, t0 + bucket / 2), py(p, 0));
	for (size_t i = 0; i < n; i++)
		tl_buf_addf(b, "%.1f,%.1f ", px(p, t0 + (int64_t)i * bucket + bucket / 2), py(p, v[i]));
	if (area)
		tl_buf_addf(b, "%.1f,%.1f", px(p, t0 + (int64_t)(n - 1) * bucket + bucket / 2), py(p, 0));
	tl_buf_addf(b, "\" %s/>\n", attrs);
}

void tl_trendview_svg(const struct tl_trends_snap *s, struct tl_buf *b)
{
	char now[40], lab[64];
	size_t n = s->nhist > 0 ? s->nhist - 1 : 0;
	int64_t window = s->window_ms > 0 ? s->window_ms : 60000;
	int64_t t0 = s->hist_start_ms, tn = t0 + (int64_t)n * s->bucket_ms;
	int64_t t1 = tn + (int64_t)s->horizon * window;
	if (t1 <= t0)
		t1 = t0 + 60000;
	struct tl_tm tm;
	tl_time_split(s->now_ms, &tm);
	snprintf(now, sizeof now, "%04d-%02d-%02d %02d:%02d:%02d", tm.year, tm.month, tm.day, tm.hour, tm.min, tm.sec);
	size_t f0 = s->hist_first < n ? s->hist_first : 0; /* buckets before the stream began: not drawn */
	tl_buf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		       "font-family=\"DejaVu Sans, Verdana, sans-serif\">\n",
		    SVG_W, SVG_H, SVG_W, SVG_H);
	tl_buf_adds(b, "<title>tw-trends: what is trending</title>\n<style>\n"
		       ".grid{stroke:#e3e3e3;stroke-width:1}.tick{font-size:11px;fill:#666}"
		       ".unit{font-size:11px;fill:#666}.h1{font-size:20px;font-weight:bold;fill:#222}"
		       ".h2{font-size:13px;fill:#555}.lg{font-size:13px;fill:#222}.lgs{font-size:11px;fill:#666}"
		       ".ptitle{font-size:13px;font-weight:bold;fill:#333}\n</style>\n"
		       "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
	tl_buf_adds(b, "<text x=\"24\" y=\"34\" class=\"h1\">What is trending</text>\n");
	compact(s->rate, lab, sizeof lab);
	tl_buf_addf(b, "<text x=\"24\" y=\"54\" class=\"h2\">%s UTC \xc2\xb7 %s tweets a minute \xc2\xb7 %zu trending "
		       "\xc2\xb7 %llu tweets seen%s</text>\n",
		    s->started ? now : "no tweet yet", lab, s->stats.active, (unsigned long long)s->stats.tweets,
		    s->warm ? "" : " \xc2\xb7 warming up");

	/* volume */
	struct panel vp = { 70, 86, 600, 150, t0, t1, 1 };
	double vmax = 0, step;
	for (size_t i = 0; i < n; i++)
		vmax = s->volume[i] > vmax ? s->volume[i] : vmax;
	for (int i = 0; i < s->horizon && i < 8; i++)
		vmax = s->vol_forecast[i] > vmax ? s->vol_forecast[i] : vmax;
	vp.ymax = nice_max(vmax, &step);
	tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"ptitle\">Volume</text>\n", vp.x, vp.y - 8);
	axes(b, &vp, step, "", s->bucket_ms);
	tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"tick\" text-anchor=\"end\">tweets/min</text>\n",
		    vp.x + vp.w, vp.y - 8);
	int64_t ts = t0 + (int64_t)f0 * s->bucket_ms;
	series(b, &vp, s->volume + f0, n - f0, ts, s->bucket_ms,
	       "fill=\"#4e79a7\" fill-opacity=\"0.35\" stroke=\"none\"", true);
	series(b, &vp, s->volume + f0, n - f0, ts, s->bucket_ms,
	       "fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\"", false);
	if (n && s->horizon > 0) {
		tl_buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f4f4f4\"/>\n",
			    px(&vp, tn), vp.y, px(&vp, t1) - px(&vp, tn), vp.h);
		tl_buf_addf(b, "<polyline points=\"%.1f,%.1f", px(&vp, tn - s->bucket_ms / 2), py(&vp, s->volume[n - 1]));
		for (int i = 0; i < s->horizon && i < 8; i++)
			tl_buf_addf(b, " %.1f,%.1f", px(&vp, tn + (int64_t)(i + 1) * window - window / 2),
				    py(&vp, s->vol_forecast[i]));
		tl_buf_adds(b, "\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\" stroke-dasharray=\"5,4\"/>\n");
		tl_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">forecast</text>\n",
			    (px(&vp, tn) + px(&vp, t1)) / 2, vp.y + 14);
	}

	/* trends */
	struct panel tp = { 70, 290, 600, 190, t0, t1, 1 };
	size_t nt = s->nterms < 8 ? s->nterms : 8;
	double tmax = 0;
	for (size_t k = 0; k < nt; k++)
		for (size_t i = 0; i < n; i++)
			tmax = s->terms[k].hist[i] > tmax ? s->terms[k].hist[i] : tmax;
	tp.ymax = nice_max(tmax, &step);
	tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"ptitle\">Trending terms</text>\n", tp.x, tp.y - 8);
	tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"tick\" text-anchor=\"end\">tweets/min</text>\n",
		    tp.x + tp.w, tp.y - 8);
	axes(b, &tp, step, "", s->bucket_ms);
	if (!nt)
		tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"h2\" text-anchor=\"middle\">%s</text>\n",
			    tp.x + tp.w / 2, tp.y + tp.h / 2, s->warm ? "nothing is trending" : "learning the baselines");
	for (size_t k = nt; k-- > 0;) {
		const struct tl_trends_snap_term *t = &s->terms[k];
		const char *color = PALETTE[k % 8];
		char attrs[160];
		snprintf(attrs, sizeof attrs, "fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s", color,
			 t->ended ? "1.5" : "2.5", t->ended ? " stroke-opacity=\"0.6\"" : "");
		series(b, &tp, t->hist + f0, n - f0, ts, s->bucket_ms, attrs, false);
		if (t->started >= t0 && t->started <= tn) {
			double x = px(&tp, t->started);
			tl_buf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
				       "stroke-dasharray=\"2,3\"/>\n", x, tp.y, x, tp.y + tp.h, color);
			tl_buf_addf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", x, tp.y + 4, color);
		}
	}
	/* legend */
	double lx = 700, ly = 100;
	tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"ptitle\">Trends</text>\n", lx, ly - 8);
	if (!nt)
		tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"lgs\">none yet</text>\n", lx, ly + 12);
	for (size_t k = 0; k < nt && k < 8; k++) {
		const struct tl_trends_snap_term *t = &s->terms[k];
		double y = ly + 12 + (double)k * 46;
		tl_buf_addf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", lx, y - 10,
			    PALETTE[k % 8]);
		tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"lg\">", lx + 18, y);
		xml_text(b, t->term);
		if (t->lang[0]) {
			tl_buf_adds(b, " (");
			xml_text(b, t->lang);
			tl_buf_addc(b, ')');
		}
		tl_buf_addf(b, " %s</text>\n", t->ended ? "" : t->direction > 0 ? "\xe2\x86\x91" : t->direction < 0 ? "\xe2\x86\x93" : "\xe2\x86\x92");
		char r[32];
		compact(t->rate, r, sizeof r);
		if (t->ended) {
			compact(t->peak_rate, r, sizeof r);
			tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"lgs\">%s \xc2\xb7 peak %s/min", lx + 18, y + 16,
				    t->kind, r);
		} else {
			tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"lgs\">%s \xc2\xb7 %s/min \xc2\xb7 %.1f\xc3\x97 baseline",
				    lx + 18, y + 16, t->kind, r, t->ratio);
		}
		if (!isnan(t->sentiment))
			tl_buf_addf(b, " \xc2\xb7 mood %+.2f", t->sentiment);
		tl_buf_adds(b, "</text>\n");
		if (t->ended) {
			hhmm(t->ended, lab, sizeof lab);
			tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"lgs\">ended %s UTC</text>\n", lx + 18, y + 30, lab);
		} else {
			hhmm(t->started, lab, sizeof lab);
			tl_buf_addf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"lgs\">since %s UTC \xc2\xb7 score %.0f</text>\n",
				    lx + 18, y + 30, lab, t->score);
		}
	}
	tl_buf_addf(b, "<text x=\"24\" y=\"%d\" class=\"lgs\">%llu late \xc2\xb7 %llu too late \xc2\xb7 %llu from the "
		       "future \xc2\xb7 %llu without a time \xc2\xb7 %zu terms tracked \xc2\xb7 EWMA baselines, "
		       "quasi-Poisson test, Holt forecast</text>\n",
		    SVG_H - 14, (unsigned long long)s->stats.late, (unsigned long long)s->stats.too_late,
		    (unsigned long long)s->stats.future, (unsigned long long)s->stats.no_time, s->stats.tracked);
	tl_buf_adds(b, "</svg>\n");
}
