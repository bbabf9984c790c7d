#include "tl_chart.h"

#include "tl_alloc.h"
#include "tl_num.h"
#include "tl_str.h"
#include "tl_table.h"
#include "tl_time.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tl_chart {
	enum tl_chart_kind kind;
	char *xname;
	char **names;
	size_t nseries;
	char **xs;          /* x text of each point; NULL for SQL NULL */
	double *v;          /* n * nseries values */
	bool *has;          /* n * nseries: the value is there */
	size_t n, cap;
};

int tl_chart_kind_parse(const char *s, enum tl_chart_kind *out)
{
	if (!strcmp(s, "bar"))
		*out = TL_CHART_BAR;
	else if (!strcmp(s, "line"))
		*out = TL_CHART_LINE;
	else
		return -1;
	return 0;
}

struct tl_chart *tl_chart_new(enum tl_chart_kind kind, const char *xname, size_t nseries,
			      const char *const *names)
{
	struct tl_chart *c = xcalloc(1, sizeof *c);
	c->kind = kind;
	c->xname = xstrdup(xname ? xname : "");
	c->nseries = nseries;
	c->names = xcalloc(nseries ? nseries : 1, sizeof *c->names);
	for (size_t i = 0; i < nseries; i++)
		c->names[i] = xstrdup(names[i] ? names[i] : "");
	return c;
}

void tl_chart_add(struct tl_chart *c, const char *x, const double *v, const bool *has)
{
	size_t k = c->nseries;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->xs = xrealloc(c->xs, c->cap * sizeof *c->xs);
		c->v = xrealloc(c->v, c->cap * (k ? k : 1) * sizeof *c->v);
		c->has = xrealloc(c->has, c->cap * (k ? k : 1) * sizeof *c->has);
	}
	c->xs[c->n] = x ? xstrdup(x) : NULL;
	for (size_t i = 0; i < k; i++) {
		bool ok = has[i] && isfinite(v[i]) && fabs(v[i]) <= 1e300;
		c->v[c->n * k + i] = ok ? v[i] : 0;
		c->has[c->n * k + i] = ok;
	}
	c->n++;
}

size_t tl_chart_points(const struct tl_chart *c)
{
	return c->n;
}

void tl_chart_free(struct tl_chart *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->xs[i]);
	for (size_t i = 0; i < c->nseries; i++)
		free(c->names[i]);
	free(c->xs);
	free(c->v);
	free(c->has);
	free(c->names);
	free(c->xname);
	free(c);
}

/* ---- text from the data, made safe ------------------------------------------------------------ */

/* s as tl_buf_add_printable shows it (control characters and bytes that are not UTF-8 escaped:
 * \n, \xHH), as a new string. */
static char *printable(const char *s)
{
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_adds(&b, "");
	tl_buf_add_printable(&b, s, strlen(s));
	return tl_buf_detach(&b, NULL);
}

/* Bytes of the longest start of printable text t that fits in maxw columns; *w gets its width. */
static size_t fit(const char *t, size_t maxw, size_t *w)
{
	size_t n = strlen(t), i = 0;
	*w = 0;
	while (i < n) {
		size_t k = tl_utf8_seq((const unsigned char *)t + i, n - i);
		size_t cw = tl_text_width(t + i, k ? k : 1);
		if (*w + cw > maxw)
			break;
		*w += cw;
		i += k ? k : 1;
	}
	return i;
}

/* Columns that s takes on a terminal, escapes included. */
static size_t term_width(const char *s)
{
	char *t = printable(s);
	size_t w = tl_text_width(t, strlen(t));
	free(t);
	return w;
}

/* The printable form of s cut to maxw columns ("…" ending a cut one): its bytes in *len, its
 * columns in *w. Caller frees. */
static char *cut(const char *s, size_t maxw, size_t *len, size_t *w)
{
	char *t = printable(s);
	size_t total = tl_text_width(t, strlen(t));
	if (total <= maxw) {
		*len = strlen(t);
		*w = total;
		return t;
	}
	*len = maxw ? fit(t, maxw - 1, w) : 0;
	return t;
}

/* Appends s for a terminal in at most maxw columns (cut with "…"); pads with spaces to maxw
 * when pad. Returns the columns written. */
static size_t put_term(struct tl_buf *b, const char *s, size_t maxw, bool pad)
{
	size_t len, w;
	char *t = cut(s, maxw, &len, &w);
	tl_buf_add(b, t, len);
	if (t[len]) {
		tl_buf_adds(b, "\xE2\x80\xA6"); /* … */
		w++;
	}
	free(t);
	while (pad && w < maxw) {
		tl_buf_addc(b, ' ');
		w++;
	}
	return w;
}

/* Appends s as XML character data in at most maxw columns (cut with "…"), printable as on a
 * terminal (XML 1.0 allows no control characters) and with its markup characters escaped. */
static void put_xml(struct tl_buf *b, const char *s, size_t maxw)
{
	size_t len, w;
	char *t = cut(s, maxw, &len, &w);
	for (size_t i = 0; i < len; i++) {
		switch (t[i]) {
		case '&': tl_buf_adds(b, "&amp;"); break;
		case '<': tl_buf_adds(b, "&lt;"); break;
		case '>': tl_buf_adds(b, "&gt;"); break;
		case '"': tl_buf_adds(b, "&quot;"); break;
		case '\'': tl_buf_adds(b, "&apos;"); break;
		default: tl_buf_addc(b, t[i]);
		}
	}
	if (t[len])
		tl_buf_adds(b, "\xE2\x80\xA6");
	free(t);
}

/* ---- numbers and scales ----------------------------------------------------------------------- */

/* A value as it is printed beside its bar: integers whole, others to 6 significant digits. */
static void fmt_value(double v, char *buf, size_t len)
{
	if (v == 0)
		v = 0; /* no "-0" */
	if (fabs(v) < 1e15 && v == floor(v))
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.6g", v);
}

/* A value axis: from lo to hi in steps of step, labelled in units of 1000^unit (k, M, G...)
 * with dec decimals. */
struct scale {
	double lo, hi, step;
	int unit, dec;
};

static void scale_make(struct scale *s, double min, double max, int maxticks, bool zero)
{
	if (zero && min > 0)
		min = 0;
	if (zero && max < 0)
		max = 0;
	if (!(max > min)) {
		double d = max != 0 ? fabs(max) / 2 : 1;
		max += d;
		if (!zero || min < 0)
			min -= d;
	}
	if (maxticks < 1)
		maxticks = 1;
	double raw = (max - min) / maxticks;
	double mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	s->step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	s->lo = floor(min / s->step + 1e-9) * s->step;
	s->hi = ceil(max / s->step - 1e-9) * s->step;
	if (!(s->hi > s->lo))
		s->hi = s->lo + s->step;
	double big = fabs(s->lo) > fabs(s->hi) ? fabs(s->lo) : fabs(s->hi);
	s->unit = 0;
	while (big >= (s->unit ? 1000 : 10000) && s->unit < 5) {
		big /= 1000;
		s->unit++;
	}
	double st = s->step / pow(1000, s->unit);
	s->dec = st >= 1 ? 0 : (int)ceil(-log10(st) - 1e-9);
	if (s->dec > 12)
		s->dec = 12;
}

static void fmt_tick(const struct scale *s, double v, char *buf, size_t len)
{
	static const char *const sfx[] = { "", "k", "M", "G", "T", "P" };
	double u = v / pow(1000, s->unit);
	if (fabs(u) < s->step / pow(1000, s->unit) / 1e6)
		snprintf(buf, len, "0");
	else if (fabs(u) >= 1e6 || s->dec > 6)
		snprintf(buf, len, "%.3g", v); /* beyond the suffixes, or tiny steps */
	else
		snprintf(buf, len, "%.*f%s", s->dec, u, sfx[s->unit]);
}

/* Ticks of a scale, lo to hi. */
static size_t scale_ticks(const struct scale *s)
{
	double n = floor((s->hi - s->lo) / s->step + 0.5);
	return n < 0 ? 1 : n > 1000 ? 1001 : (size_t)n + 1;
}

static double scale_tick(const struct scale *s, size_t i)
{
	return s->lo + (double)i * s->step;
}

/* Smallest and largest value present; false when none is. */
static bool value_range(const struct tl_chart *c, const bool *usable, double *min, double *max)
{
	bool any = false;
	for (size_t i = 0; i < c->n; i++) {
		if (usable && !usable[i])
			continue;
		for (size_t k = 0; k < c->nseries; k++) {
			if (!c->has[i * c->nseries + k])
				continue;
			double v = c->v[i * c->nseries + k];
			if (!any || v < *min)
				*min = v;
			if (!any || v > *max)
				*max = v;
			any = true;
		}
	}
	return any;
}

static const char *x_text(const struct tl_chart *c, size_t i)
{
	return c->xs[i] ? c->xs[i] : "NULL";
}

/* "tweets by minute", "likes, retweets by lang" */
static char *title_text(const struct tl_chart *c)
{
	struct tl_buf b = TL_BUF_INIT;
	for (size_t k = 0; k < c->nseries; k++)
		tl_buf_addf(&b, "%s%s", k ? ", " : "", c->names[k]);
	if (*c->xname)
		tl_buf_addf(&b, " by %s", c->xname);
	if (!b.data)
		tl_buf_adds(&b, "");
	return tl_buf_detach(&b, NULL);
}

/* ---- the x axis of a line chart --------------------------------------------------------------- */

enum xkind { X_NUMBER, X_TIME, X_ORDER };

struct xaxis {
	enum xkind kind;
	double *x;          /* per point; points without one are left out (usable false) */
	bool *usable;
	double min, max;
	bool any;
};

static int parse_time(const char *s, int64_t *ms)
{
	size_t n = strlen(s);
	if (n > 4 && !strcmp(s + n - 4, " UTC")) /* Athena's timestamp with time zone */
		n -= 4;
	return tl_time_parse(s, n, ms);
}

static void xaxis_make(const struct tl_chart *c, struct xaxis *xa)
{
	bool num = true, time = true, seen = false;
	xa->x = xcalloc(c->n ? c->n : 1, sizeof *xa->x);
	xa->usable = xcalloc(c->n ? c->n : 1, sizeof *xa->usable);
	for (size_t i = 0; i < c->n && (num || time); i++) {
		double d;
		int64_t ms;
		if (!c->xs[i])
			continue;
		seen = true;
		if (num && tl_parse_double(c->xs[i], &d) < 0)
			num = false;
		if (time && parse_time(c->xs[i], &ms) < 0)
			time = false;
	}
	xa->kind = !seen ? X_ORDER : num ? X_NUMBER : time ? X_TIME : X_ORDER;
	xa->any = false;
	for (size_t i = 0; i < c->n; i++) {
		double d = (double)i;
		int64_t ms;
		if (xa->kind != X_ORDER) {
			if (!c->xs[i])
				continue;
			if (xa->kind == X_NUMBER)
				tl_parse_double(c->xs[i], &d);
			else if (parse_time(c->xs[i], &ms) == 0)
				d = (double)ms;
		}
		xa->x[i] = d;
		xa->usable[i] = true;
		if (!xa->any || d < xa->min)
			xa->min = d;
		if (!xa->any || d > xa->max)
			xa->max = d;
		xa->any = true;
	}
}

static void xaxis_free(struct xaxis *xa)
{
	free(xa->x);
	free(xa->usable);
}

/* A tick on the x axis: where, and its label (num, or the data text raw for X_ORDER). */
struct xtick {
	double v;
	char num[40];
	const char *raw;
};

static const int64_t time_steps[] = {
	1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000,
	3600000, 7200000, 10800000, 21600000, 43200000, 86400000, 172800000, 604800000,
	1209600000, 2592000000, 7776000000, 15552000000, 31536000000,
};

/* Up to maxticks ticks over the x range; returns how many (the caller frees *out). */
static size_t xticks_make(const struct tl_chart *c, const struct xaxis *xa, int maxticks,
			  struct xtick **out)
{
	size_t n = 0, cap = (size_t)(maxticks > 1 ? maxticks : 2) + 2;
	struct xtick *t = xcalloc(cap, sizeof *t);
	*out = t;
	if (!xa->any)
		return 0;
	if (maxticks < 2)
		maxticks = 2;
	if (xa->kind == X_ORDER) {
		size_t k = (size_t)maxticks < c->n ? (size_t)maxticks : c->n;
		size_t last = (size_t)-1;
		for (size_t j = 0; j < k; j++) {
			size_t i = k > 1 ? (size_t)llround((double)j * (double)(c->n - 1) / (double)(k - 1)) : 0;
			if (i == last)
				continue;
			t[n].v = (double)i;
			t[n].raw = x_text(c, i);
			n++;
			last = i;
		}
		return n;
	}
	if (xa->kind == X_NUMBER) {
		struct scale s;
		scale_make(&s, xa->min, xa->max, maxticks, false);
		size_t nt = scale_ticks(&s);
		for (size_t i = 0; i < nt && n < cap; i++) {
			double v = scale_tick(&s, i);
			double eps = s.step * 1e-9;
			if (v < xa->min - eps || v > xa->max + eps)
				continue;
			t[n].v = v;
			fmt_tick(&s, v, t[n].num, sizeof t[n].num);
			n++;
		}
		if (n == 0) {
			t[0].v = xa->min;
			fmt_value(xa->min, t[0].num, sizeof t[0].num);
			n = 1;
		}
		return n;
	}
	/* time: a round step, ticks at its multiples (UTC) */
	double span = xa->max - xa->min;
	int64_t step = time_steps[sizeof time_steps / sizeof time_steps[0] - 1];
	for (size_t i = 0; i < sizeof time_steps / sizeof time_steps[0]; i++) {
		if (span / (double)time_steps[i] <= (double)maxticks) {
			step = time_steps[i];
			break;
		}
	}
	double first = ceil(xa->min / (double)step) * (double)step;
	for (double v = first; v <= xa->max && n < cap; v += (double)step) {
		struct tl_tm tm;
		tl_time_split((int64_t)v, &tm);
		t[n].v = v;
		if (step < 60000)
			snprintf(t[n].num, sizeof t[n].num, "%02d:%02d:%02d", tm.hour, tm.min, tm.sec);
		else if (step < 86400000)
			snprintf(t[n].num, sizeof t[n].num, "%02d:%02d", tm.hour, tm.min);
		else if (step < 31536000000)
			snprintf(t[n].num, sizeof t[n].num, "%02d-%02d", tm.month, tm.day);
		else
			snprintf(t[n].num, sizeof t[n].num, "%04d", tm.year);
		n++;
	}
	return n;
}

/* "minute (UTC): 2026-11-25T00:00:00Z to 2026-11-25T00:59:00Z" under a time axis */
static char *time_caption(const struct tl_chart *c, const struct xaxis *xa)
{
	char a[40], b[40];
	tl_time_format((int64_t)xa->min, fmod(xa->min, 1000) != 0, a, sizeof a);
	tl_time_format((int64_t)xa->max, fmod(xa->max, 1000) != 0, b, sizeof b);
	return xasprintf("%s%s%s to %s", c->xname, *c->xname ? ", " : "", a, b);
}

/* ---- on a terminal ---------------------------------------------------------------------------- */

#define BLOCK_FULL "\xE2\x96\x88"   /* U+2588 full block */
#define BLOCK_RHALF "\xE2\x96\x90"  /* U+2590 right half block */
#define BLOCK_R8 "\xE2\x96\x95"     /* U+2595 right one eighth block */
#define BOX_V "\xE2\x94\x82"        /* │ */
#define BOX_H "\xE2\x94\x80"        /* ─ */
#define BOX_UR "\xE2\x94\x94"       /* └ */
#define BOX_DH "\xE2\x94\xAC"       /* ┬ */
#define BOX_VL "\xE2\x94\xA4"       /* ┤ */
#define BRAILLE_ALL "\xE2\xA3\xBF"  /* ⣿ */

/* Left blocks of 0..8 eighths of a cell (U+258F ▏ one eighth ... U+2588 █ full). */
static const char *const eighths[9] = {
	"", "\xE2\x96\x8F", "\xE2\x96\x8E", "\xE2\x96\x8D", "\xE2\x96\x8C",
	"\xE2\x96\x8B", "\xE2\x96\x8A", "\xE2\x96\x89", "\xE2\x96\x88",
};

static const int sgr[] = { 34, 33, 31, 36, 32, 35 }; /* blue yellow red cyan green magenta */

static void color_on(struct tl_buf *b, const struct tl_chart_style *st, size_t k)
{
	if (st->color)
		tl_buf_addf(b, "\033[%dm", sgr[k % (sizeof sgr / sizeof sgr[0])]);
}

static void color_off(struct tl_buf *b, const struct tl_chart_style *st)
{
	if (st->color)
		tl_buf_adds(b, "\033[0m");
}

static void spaces(struct tl_buf *b, long n)
{
	for (long i = 0; i < n; i++)
		tl_buf_addc(b, ' ');
}

static void repeat(struct tl_buf *b, const char *s, long n)
{
	for (long i = 0; i < n; i++)
		tl_buf_adds(b, s);
}

/* Labels of ticks on one line, each centred on its column (or starting there when left), one
 * that would touch the label before it left out. */
struct label_line {
	struct tl_buf *b;
	long pos;      /* columns written */
	long next;     /* where the next label may start */
	long width;
};

static void label_put(struct label_line *ll, long center, const char *text, bool raw, bool left,
		      size_t maxw)
{
	long w = (long)(raw ? term_width(text) : strlen(text));
	if (w > (long)maxw)
		w = (long)maxw;
	long start = left ? center : center - (w - 1) / 2;
	if (start + w > ll->width)
		start = ll->width - w;
	if (start < 0)
		start = 0;
	if (start < ll->next)
		return;
	spaces(ll->b, start - ll->pos);
	if (raw)
		put_term(ll->b, text, (size_t)w, false);
	else
		tl_buf_add(ll->b, text, (size_t)w);
	ll->pos = start + w;
	ll->next = ll->pos + 1;
}

static long term_cols(const struct tl_chart_style *st)
{
	long w = st->width > 0 ? st->width : 80;
	return w < 24 ? 24 : w;
}

static void legend_text(const struct tl_chart *c, const struct tl_chart_style *st,
			struct tl_buf *o, const char *mark, long W)
{
	long col = 0;
	for (size_t k = 0; k < c->nseries; k++) {
		long w = (long)term_width(c->names[k]);
		if (w > W / 2)
			w = W / 2;
		if (col && col + 4 + w > W) {
			tl_buf_addc(o, '\n');
			col = 0;
		}
		tl_buf_adds(o, col ? "  " : "");
		color_on(o, st, k);
		tl_buf_adds(o, mark);
		color_off(o, st);
		tl_buf_addc(o, ' ');
		put_term(o, c->names[k], (size_t)w, false);
		col += (col ? 2 : 0) + 2 + w;
	}
	tl_buf_addc(o, '\n');
}

static void text_bar(const struct tl_chart *c, const struct tl_chart_style *st, struct tl_buf *o)
{
	long W = term_cols(st);
	size_t ns = c->nseries;
	double min = 0, max = 0;
	char vb[48];
	bool any = value_range(c, NULL, &min, &max);
	char *title = title_text(c);
	put_term(o, title, (size_t)W, false);
	tl_buf_addc(o, '\n');
	free(title);
	if (!any) {
		tl_buf_adds(o, "(no values to draw)\n");
		return;
	}
	long L = 1, S = 0, V = 4; /* label, series name and value columns */
	for (size_t i = 0; i < c->n; i++) {
		long w = (long)term_width(x_text(c, i));
		L = w > L ? w : L;
		for (size_t k = 0; k < ns; k++) {
			if (!c->has[i * ns + k])
				continue;
			fmt_value(c->v[i * ns + k], vb, sizeof vb);
			V = (long)strlen(vb) > V ? (long)strlen(vb) : V;
		}
	}
	for (size_t k = 0; ns > 1 && k < ns; k++) {
		long w = (long)term_width(c->names[k]);
		S = w > S ? w : S;
	}
	L = L < (W / 3 > 8 ? W / 3 : 8) ? L : (W / 3 > 8 ? W / 3 : 8);
	S = S < (W / 5 > 6 ? W / 5 : 6) ? S : (W / 5 > 6 ? W / 5 : 6);
	long B = W - L - 1 - (ns > 1 ? S + 1 : 0) - 1 - 1 - V;
	while (B < 10 && L > 4)
		B++, L--;
	while (B < 10 && ns > 1 && S > 4)
		B++, S--;
	if (B < 10)
		B = 10;
	long prefix = L + 1 + (ns > 1 ? S + 1 : 0);

	struct scale sc;
	scale_make(&sc, min, max, B / 12 < 2 ? 2 : B / 12 > 8 ? 8 : (int)(B / 12), true);
	double span = sc.hi - sc.lo;
	long zc = lround(-sc.lo / span * (double)B);
	for (size_t i = 0; i < c->n; i++) {
		for (size_t k = 0; k < ns; k++) {
			if (k == 0)
				put_term(o, x_text(c, i), (size_t)L, true);
			else
				spaces(o, L);
			tl_buf_addc(o, ' ');
			if (ns > 1) {
				put_term(o, c->names[k], (size_t)S, true);
				tl_buf_addc(o, ' ');
			}
			tl_buf_adds(o, BOX_V);
			if (!c->has[i * ns + k]) {
				spaces(o, zc);
				tl_buf_adds(o, " NULL\n");
				continue;
			}
			double v = c->v[i * ns + k];
			/* the end where the axis puts the value; the zero column is on a cell's
			 * edge, half a cell from where the scale has it at most */
			long e8 = lround((v - sc.lo) / span * (double)B * 8), z8 = zc * 8;
			long len8 = v > 0 ? e8 - z8 : z8 - e8;
			if (len8 < 0 || v == 0)
				len8 = 0;
			if (v != 0 && len8 == 0)
				len8 = 1; /* a value that is not zero shows */
			if (v >= 0) {
				spaces(o, zc);
				color_on(o, st, k);
				repeat(o, BLOCK_FULL, len8 / 8);
				tl_buf_adds(o, eighths[len8 % 8]);
				color_off(o, st);
			} else {
				long full = len8 / 8, rem = len8 % 8;
				spaces(o, zc - full - (rem ? 1 : 0));
				color_on(o, st, k);
				if (rem)
					tl_buf_adds(o, rem >= 4 ? BLOCK_RHALF : BLOCK_R8);
				repeat(o, BLOCK_FULL, full);
				color_off(o, st);
			}
			fmt_value(v, vb, sizeof vb);
			tl_buf_addf(o, " %s\n", vb);
		}
	}

	/* the axis: ticks under the ends of bars of their values */
	size_t nt = scale_ticks(&sc);
	char *mark = xcalloc((size_t)B, 1);
	for (size_t t = 0; t < nt; t++) {
		long p = lround((scale_tick(&sc, t) - sc.lo) / span * (double)B);
		if (p >= 1 && p <= B)
			mark[p - 1] = 1;
	}
	spaces(o, prefix);
	tl_buf_adds(o, BOX_UR);
	for (long j = 0; j < B; j++)
		tl_buf_adds(o, mark[j] ? BOX_DH : BOX_H);
	tl_buf_addc(o, '\n');
	free(mark);
	struct label_line ll = { o, 0, 0, prefix + 1 + B + 1 + V };
	for (size_t t = 0; t < nt; t++) {
		char tb[48];
		double tv = scale_tick(&sc, t);
		long p = lround((tv - sc.lo) / span * (double)B);
		fmt_tick(&sc, tv, tb, sizeof tb);
		label_put(&ll, p == 0 ? prefix : prefix + p, tb, false, p == 0, sizeof tb);
	}
	tl_buf_addc(o, '\n');
	if (ns > 1)
		legend_text(c, st, o, BLOCK_FULL, W);
	return;
}

static const unsigned char dotbit[4][2] = { { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 },
					    { 0x40, 0x80 } };

struct canvas {
	long w, h;            /* cells */
	unsigned char *bits;  /* braille dots per cell */
	unsigned char *col;   /* series + 1 of the last dot drawn in the cell, 0: none */
};

static void dot(struct canvas *cv, long x, long y, size_t k)
{
	if (x < 0 || y < 0 || x >= cv->w * 2 || y >= cv->h * 4)
		return;
	size_t cell = (size_t)(y / 4 * cv->w + x / 2);
	cv->bits[cell] |= dotbit[y % 4][x % 2];
	cv->col[cell] = (unsigned char)(k % 250 + 1);
}

static void segment(struct canvas *cv, long x0, long y0, long x1, long y1, size_t k)
{
	long dx = labs(x1 - x0), dy = -labs(y1 - y0);
	long sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
	for (;;) {
		dot(cv, x0, y0, k);
		if (x0 == x1 && y0 == y1)
			break;
		long e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

static double frac_x(const struct xaxis *xa, double x)
{
	return xa->max > xa->min ? (x - xa->min) / (xa->max - xa->min) : 0.5;
}

static void text_line(const struct tl_chart *c, const struct tl_chart_style *st, struct tl_buf *o)
{
	long W = term_cols(st), H = st->height > 0 ? st->height : 12;
	size_t ns = c->nseries;
	struct xaxis xa;
	double min = 0, max = 0;
	H = H < 3 ? 3 : H > 200 ? 200 : H;
	xaxis_make(c, &xa);
	bool any = xa.any && value_range(c, xa.usable, &min, &max);
	char *title = title_text(c);
	put_term(o, title, (size_t)W, false);
	tl_buf_addc(o, '\n');
	free(title);
	if (!any) {
		tl_buf_adds(o, "(no values to draw)\n");
		xaxis_free(&xa);
		return;
	}
	struct scale sc;
	scale_make(&sc, min, max, H / 3 < 2 ? 2 : H / 3 > 8 ? 8 : (int)(H / 3), min >= 0);
	size_t nt = scale_ticks(&sc);
	long Yw = 1;
	char tb[48];
	for (size_t t = 0; t < nt; t++) {
		fmt_tick(&sc, scale_tick(&sc, t), tb, sizeof tb);
		Yw = (long)strlen(tb) > Yw ? (long)strlen(tb) : Yw;
	}
	long Wc = W - Yw - 2;
	if (Wc < 10)
		Wc = 10;
	struct canvas cv = { Wc, H, xcalloc((size_t)(Wc * H), 1), xcalloc((size_t)(Wc * H), 1) };
	double span = sc.hi - sc.lo;
	for (size_t k = 0; k < ns; k++) {
		bool prev = false;
		long px = 0, py = 0;
		for (size_t i = 0; i < c->n; i++) {
			if (!xa.usable[i])
				continue;
			if (!c->has[i * ns + k]) {
				prev = false;
				continue;
			}
			long x = lround(frac_x(&xa, xa.x[i]) * (double)(Wc * 2 - 1));
			long y = lround((sc.hi - c->v[i * ns + k]) / span * (double)(H * 4 - 1));
			if (prev)
				segment(&cv, px, py, x, y, k);
			else
				dot(&cv, x, y, k);
			prev = true;
			px = x;
			py = y;
		}
	}
	/* the value axis: a tick label on the row of its value */
	char **rowlab = xcalloc((size_t)H, sizeof *rowlab);
	for (size_t t = 0; t < nt; t++) {
		double tv = scale_tick(&sc, t);
		long r = lround((sc.hi - tv) / span * (double)(H * 4 - 1)) / 4;
		if (r < 0 || r >= H)
			continue;
		fmt_tick(&sc, tv, tb, sizeof tb);
		free(rowlab[r]);
		rowlab[r] = xstrdup(tb);
	}
	for (long r = 0; r < H; r++) {
		long lw = rowlab[r] ? (long)strlen(rowlab[r]) : 0;
		spaces(o, Yw - lw);
		if (rowlab[r])
			tl_buf_adds(o, rowlab[r]);
		tl_buf_adds(o, rowlab[r] ? " " BOX_VL : " " BOX_V);
		int cur = 0;
		for (long j = 0; j < Wc; j++) {
			size_t cell = (size_t)(r * Wc + j);
			int want = cv.bits[cell] ? cv.col[cell] : cur;
			if (want != cur) {
				if (cur)
					color_off(o, st);
				if (want)
					color_on(o, st, (size_t)want - 1);
				cur = want;
			}
			if (cv.bits[cell]) {
				char u[4];
				size_t len = tl_utf8_put(u, 0x2800u + cv.bits[cell]);
				tl_buf_add(o, u, len);
			} else {
				tl_buf_addc(o, ' ');
			}
		}
		if (cur)
			color_off(o, st);
		tl_buf_addc(o, '\n');
		free(rowlab[r]);
	}
	free(rowlab);
	free(cv.bits);
	free(cv.col);

	/* the x axis */
	struct xtick *xt;
	size_t nx = xticks_make(c, &xa, (int)(Wc / 12 < 2 ? 2 : Wc / 12), &xt);
	char *mark = xcalloc((size_t)Wc, 1);
	for (size_t t = 0; t < nx; t++) {
		long cell = lround(frac_x(&xa, xt[t].v) * (double)(Wc * 2 - 1)) / 2;
		if (cell >= 0 && cell < Wc)
			mark[cell] = 1;
	}
	spaces(o, Yw + 1);
	tl_buf_adds(o, BOX_UR);
	for (long j = 0; j < Wc; j++)
		tl_buf_adds(o, mark[j] ? BOX_DH : BOX_H);
	tl_buf_addc(o, '\n');
	free(mark);
	struct label_line ll = { o, 0, 0, W };
	for (size_t t = 0; t < nx; t++) {
		long cell = lround(frac_x(&xa, xt[t].v) * (double)(Wc * 2 - 1)) / 2;
		label_put(&ll, Yw + 2 + cell, xt[t].raw ? xt[t].raw : xt[t].num, xt[t].raw != NULL,
			  false, 24);
	}
	tl_buf_addc(o, '\n');
	free(xt);
	if (xa.kind == X_TIME) {
		char *cap = time_caption(c, &xa);
		spaces(o, Yw + 2);
		put_term(o, cap, (size_t)(W - Yw - 2 > 10 ? W - Yw - 2 : 10), false);
		tl_buf_addc(o, '\n');
		free(cap);
	}
	if (ns > 1)
		legend_text(c, st, o, BRAILLE_ALL, W);
	xaxis_free(&xa);
	return;
}

/* tl_buf sets errno to E2BIG when an add would pass its cap (and keeps what it had); nothing
 * else the drawing calls sets that value, so it tells afterwards whether the text is whole. */
static int whole(struct tl_buf *out, size_t len0)
{
	if (errno != E2BIG)
		return 0;
	tl_buf_truncate(out, len0);
	return -1;
}

int tl_chart_text(const struct tl_chart *c, const struct tl_chart_style *st, struct tl_buf *out)
{
	size_t len0 = out->len;
	errno = 0;
	if (c->kind == TL_CHART_BAR)
		text_bar(c, st, out);
	else
		text_line(c, st, out);
	return whole(out, len0);
}

/* ---- SVG -------------------------------------------------------------------------------------- */

static const char *const palette[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
				       "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };
#define NPAL (sizeof palette / sizeof palette[0])
#define CHAR_PX 7.0 /* the width of a character at 12 px, near enough for layout */

static void svg_begin(struct tl_buf *o, const struct tl_chart *c, int W, int H)
{
	char *title = title_text(c);
	tl_buf_addf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		       "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" "
		       "font-size=\"12\" role=\"img\">\n<title>", W, H, W, H);
	put_xml(o, title, 500);
	tl_buf_addf(o, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
		       "<text x=\"12\" y=\"24\" font-size=\"15\" font-weight=\"bold\" fill=\"#222222\">",
		    W, H);
	put_xml(o, title, (size_t)((W - 24) / 8.5));
	tl_buf_adds(o, "</text>\n");
	free(title);
	if (c->nseries > 1) {
		double x = 12;
		for (size_t k = 0; k < c->nseries; k++) {
			size_t w = term_width(c->names[k]);
			w = w > 30 ? 30 : w;
			tl_buf_addf(o, "<rect x=\"%.1f\" y=\"35\" width=\"10\" height=\"10\" fill=\"%s\"/>"
				       "<text x=\"%.1f\" y=\"44\" fill=\"#222222\">",
				    x, palette[k % NPAL], x + 14);
			put_xml(o, c->names[k], 30);
			tl_buf_adds(o, "</text>\n");
			x += 14 + (double)w * CHAR_PX + 18;
		}
	}
}

static int svg_top(const struct tl_chart *c)
{
	return c->nseries > 1 ? 60 : 40;
}

static void svg_nodata(struct tl_buf *o, int W, int H)
{
	tl_buf_addf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#666666\">"
		       "(no values to draw)</text>\n</svg>\n", W / 2, H / 2);
}

static void svg_bar(const struct tl_chart *c, int width, int height, struct tl_buf *o)
{
	int W = width > 0 ? width : 960;
	size_t ns = c->nseries;
	double min = 0, max = 0;
	char vb[48];
	bool any = value_range(c, NULL, &min, &max);
	size_t lc = 1, vc = 4;
	for (size_t i = 0; i < c->n; i++) {
		size_t w = term_width(x_text(c, i));
		lc = w > lc ? w : lc;
		for (size_t k = 0; k < ns; k++) {
			if (!c->has[i * ns + k])
				continue;
			fmt_value(c->v[i * ns + k], vb, sizeof vb);
			vc = strlen(vb) > vc ? strlen(vb) : vc;
		}
	}
	size_t lmax = (size_t)(W * 0.3 / CHAR_PX);
	lc = lc > lmax ? lmax : lc;
	double top = svg_top(c), gap = 8, bh = ns > 1 ? 12 : 18;
	double gh = (double)ns * bh + gap;
	size_t n = c->n ? c->n : 1;
	int H = height > 0 ? height : (int)(top + (double)n * gh + 36);
	if (height > 0) {
		gh = (H - top - 36) / (double)n;
		bh = (gh - gap) / (double)(ns ? ns : 1);
		if (bh < 1)
			bh = 1;
	}
	svg_begin(o, c, W, H);
	if (!any) {
		svg_nodata(o, W, H);
		return;
	}
	double x0 = 12 + (double)lc * CHAR_PX + 10, x1 = W - 12 - (double)vc * CHAR_PX - 10;
	if (x1 - x0 < 50)
		x1 = x0 + 50;
	double y0 = top, y1 = top + (double)n * gh;
	struct scale sc;
	int mt = (int)((x1 - x0) / 80);
	scale_make(&sc, min, max, mt < 2 ? 2 : mt > 10 ? 10 : mt, true);
	double span = sc.hi - sc.lo;
#define XPOS(v) (x0 + ((v) - sc.lo) / span * (x1 - x0))
	size_t nt = scale_ticks(&sc);
	tl_buf_adds(o, "<g stroke=\"#e0e0e0\" stroke-width=\"1\">\n");
	for (size_t t = 0; t < nt; t++)
		tl_buf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			    XPOS(scale_tick(&sc, t)), y0, XPOS(scale_tick(&sc, t)), y1);
	tl_buf_adds(o, "</g>\n<g fill=\"#444444\" text-anchor=\"middle\">\n");
	for (size_t t = 0; t < nt; t++) {
		char tb[48];
		fmt_tick(&sc, scale_tick(&sc, t), tb, sizeof tb);
		tl_buf_addf(o, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", XPOS(scale_tick(&sc, t)),
			    y1 + 18, tb);
	}
	tl_buf_adds(o, "</g>\n");
	for (size_t i = 0; i < c->n; i++) {
		double gy = y0 + (double)i * gh;
		tl_buf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dy=\"0.35em\" "
			       "fill=\"#222222\">", x0 - 6, gy + gh / 2);
		put_xml(o, x_text(c, i), lc);
		tl_buf_adds(o, "</text>\n");
		for (size_t k = 0; k < ns; k++) {
			if (!c->has[i * ns + k])
				continue;
			double v = c->v[i * ns + k], a = XPOS(0), b = XPOS(v);
			double y = gy + gap / 2 + (double)k * bh;
			fmt_value(v, vb, sizeof vb);
			tl_buf_addf(o, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
				       "fill=\"%s\"><title>", a < b ? a : b, y, fabs(b - a), bh,
				    palette[k % NPAL]);
			put_xml(o, x_text(c, i), 200);
			if (ns > 1) {
				tl_buf_adds(o, ", ");
				put_xml(o, c->names[k], 200);
			}
			tl_buf_addf(o, ": %s</title></rect>\n", vb);
			tl_buf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" dy=\"0.35em\" font-size=\"11\" "
				       "fill=\"#444444\"%s>%s</text>\n", v < 0 ? b - 4 : b + 4,
				    y + bh / 2, v < 0 ? " text-anchor=\"end\"" : "", vb);
		}
	}
	tl_buf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\"/>\n",
		    XPOS(0), y0, XPOS(0), y1);
	tl_buf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\"/>\n",
		    x0, y1, x1, y1);
#undef XPOS
	tl_buf_adds(o, "</svg>\n");
}

static void svg_line(const struct tl_chart *c, int width, int height, struct tl_buf *o)
{
	int W = width > 0 ? width : 960, H = height > 0 ? height : 480;
	size_t ns = c->nseries;
	struct xaxis xa;
	double min = 0, max = 0;
	xaxis_make(c, &xa);
	bool any = xa.any && value_range(c, xa.usable, &min, &max);
	svg_begin(o, c, W, H);
	if (!any) {
		svg_nodata(o, W, H);
		xaxis_free(&xa);
		return;
	}
	double y0 = svg_top(c), y1 = H - 40 - (xa.kind == X_TIME ? 18 : 0);
	if (y1 - y0 < 40)
		y1 = y0 + 40;
	struct scale sc;
	int mt = (int)((y1 - y0) / 50);
	scale_make(&sc, min, max, mt < 2 ? 2 : mt > 10 ? 10 : mt, min >= 0);
	size_t nt = scale_ticks(&sc), yc = 1;
	char tb[48];
	for (size_t t = 0; t < nt; t++) {
		fmt_tick(&sc, scale_tick(&sc, t), tb, sizeof tb);
		yc = strlen(tb) > yc ? strlen(tb) : yc;
	}
	double x0 = 12 + (double)yc * CHAR_PX + 8, x1 = W - 24;
	if (x1 - x0 < 50)
		x1 = x0 + 50;
	double span = sc.hi - sc.lo;
#define YPOS(v) (y1 - ((v) - sc.lo) / span * (y1 - y0))
#define XPOS(x) (x0 + frac_x(&xa, (x)) * (x1 - x0))
	tl_buf_adds(o, "<g stroke=\"#e0e0e0\" stroke-width=\"1\">\n");
	for (size_t t = 0; t < nt; t++)
		tl_buf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0,
			    YPOS(scale_tick(&sc, t)), x1, YPOS(scale_tick(&sc, t)));
	tl_buf_adds(o, "</g>\n<g fill=\"#444444\" text-anchor=\"end\">\n");
	for (size_t t = 0; t < nt; t++) {
		fmt_tick(&sc, scale_tick(&sc, t), tb, sizeof tb);
		tl_buf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" dy=\"0.35em\">%s</text>\n", x0 - 6,
			    YPOS(scale_tick(&sc, t)), tb);
	}
	tl_buf_adds(o, "</g>\n");
	struct xtick *xt;
	int mx = (int)((x1 - x0) / 110);
	size_t nx = xticks_make(c, &xa, mx < 2 ? 2 : mx, &xt);
	tl_buf_adds(o, "<g fill=\"#444444\" text-anchor=\"middle\">\n");
	for (size_t t = 0; t < nx; t++) {
		tl_buf_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\"/>"
			       "<text x=\"%.1f\" y=\"%.1f\">", XPOS(xt[t].v), y1, XPOS(xt[t].v), y1 + 5,
			    XPOS(xt[t].v), y1 + 18);
		if (xt[t].raw)
			put_xml(o, xt[t].raw, 16);
		else
			tl_buf_adds(o, xt[t].num);
		tl_buf_adds(o, "</text>\n");
	}
	tl_buf_adds(o, "</g>\n");
	free(xt);
	if (xa.kind == X_TIME) {
		char *cap = time_caption(c, &xa);
		tl_buf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444444\">",
			    (x0 + x1) / 2, y1 + 36);
		put_xml(o, cap, 200);
		tl_buf_adds(o, "</text>\n");
		free(cap);
	}
	tl_buf_addf(o, "<path d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"#888888\"/>\n", x0, y0,
		    y1, x1);
	bool dots = c->n <= 200;
	for (size_t k = 0; k < ns; k++) {
		bool open = false;
		for (size_t i = 0; i < c->n; i++) {
			if (!xa.usable[i])
				continue;
			if (!c->has[i * ns + k]) {
				if (open)
					tl_buf_adds(o, "\"/>\n");
				open = false;
				continue;
			}
			if (!open)
				tl_buf_addf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
					       "stroke-linejoin=\"round\" points=\"", palette[k % NPAL]);
			tl_buf_addf(o, "%s%.2f,%.2f", open ? " " : "", XPOS(xa.x[i]),
				    YPOS(c->v[i * ns + k]));
			open = true;
		}
		if (open)
			tl_buf_adds(o, "\"/>\n");
		for (size_t i = 0; dots && i < c->n; i++) {
			char vb[48];
			if (!xa.usable[i] || !c->has[i * ns + k])
				continue;
			fmt_value(c->v[i * ns + k], vb, sizeof vb);
			tl_buf_addf(o, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"%s\"><title>",
				    XPOS(xa.x[i]), YPOS(c->v[i * ns + k]), palette[k % NPAL]);
			put_xml(o, x_text(c, i), 200);
			if (ns > 1) {
				tl_buf_adds(o, ", ");
				put_xml(o, c->names[k], 200);
			}
			tl_buf_addf(o, ": %s</title></circle>\n", vb);
		}
	}
#undef XPOS
#undef YPOS
	tl_buf_adds(o, "</svg>\n");
	xaxis_free(&xa);
}

int tl_chart_svg(const struct tl_chart *c, int width, int height, struct tl_buf *out)
{
	size_t len0 = out->len;
	errno = 0;
	if (c->kind == TL_CHART_BAR)
		svg_bar(c, width, height, out);
	else
		svg_line(c, width, height, out);
	return whole(out, len0);
}
