#include "tl_trends.h"
#include "tl_alloc.h"
#include "tl_hh.h"
#include "tl_stat.h"
#include "tl_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECENT_MAX 8
#define SCORE_MAX 999.0

struct term {
	double base;           /* baseline: decayed counts of the steps that left the window */
	double phi;            /* dispersion (>= 1) */
	double sent_sum, sent_n; /* sentiment, decayed like the space-saving counts */
	double score, mu;      /* of the last evaluation */
	int64_t since;         /* the first step counted whole since the term was tracked */
	int64_t started, last_update, fail_since, peak_ms;
	double peak_rate;
	struct tl_holt holt;
	uint32_t win;          /* tweets in the window */
	uint32_t blocks;       /* windows seen by the dispersion estimate */
	bool active;
};

struct ended {
	uint64_t hash;
	uint8_t keylen;
	char key[TL_HH_KEY_MAX];
	int64_t ended;
};

/* A tweet held while the stream's clock seems to jump ahead (see tl_trends_add). */
struct held {
	int64_t t;
	double sentiment;
	char lang[8];
	size_t langlen;
	struct tl_term v[TL_TERMS_PER_TWEET];
	size_t n;
	struct tl_buf text;
};

enum ev_type { EV_START, EV_UPDATE, EV_END };

struct ev {
	int type;
	size_t slot;
	double score;
};

struct tl_trends {
	struct tl_trends_opts o;
	tl_trends_emit_fn emit;
	void *ctx;
	int64_t S, Wn, Dn, Rf, Rh, B;
	struct tl_ss ss;
	struct tl_cms cms;     /* lane 0: decayed like the space-saving counts; lane 1: like the baselines */
	struct term *t;
	/* Rf x capacity: tweets of each term in each step of the ring; Rh x capacity: in each history
	 * bucket. Step-major, so that closing a step reads two rows from end to end. */
	uint32_t *fine;
	/* per slot, a bit for each fine step and history bucket that may hold a count (a superset:
	 * a new term's columns are cleared where the bits say, not all Rf + Rh strided cells) */
	uint64_t *dirty;
	size_t dirty_fw, dirty_w;
	uint32_t *hist;
	size_t cap;
	uint64_t *gfine, *ghist;
	uint64_t gwin;
	double gbase;
	struct tl_holt gholt;
	bool started;
	int64_t max_seen, first_ms, closed, hb;
	int64_t land_fast, land_slow;
	struct held held[2];
	size_t nheld;
	bool resumed;          /* a state was loaded: the first tweet sets the clock however far */
	bool keep_landmarks;   /* ... and the landmarks stay those of the state */
	struct tl_trends_stats st;
	uint64_t l_late, l_too_late, l_future, l_no_time, l_tweets;
	struct ended recent[RECENT_MAX];
	size_t nrecent, recent_at;
	struct ev *ev;
	size_t nev, evcap;
	size_t *top;
	struct tl_buf line;
	char key[TL_HH_KEY_MAX];
	/* one tweet's keys, hashes and slots, looked up in stages so that memory loads overlap */
	char (*keys)[TL_HH_KEY_MAX];
	uint8_t *keylen;
	uint64_t *hashes;
	long *slots;
};

/* ---- small helpers ---- */

#define FINE(tr, c, k) ((tr)->fine[(size_t)(c) * (tr)->cap + (k)])
#define HIST(tr, c, k) ((tr)->hist[(size_t)(c) * (tr)->cap + (k)])

static inline void mark_fine(struct tl_trends *tr, size_t c, size_t k)
{
	tr->dirty[k * tr->dirty_w + c / 64] |= UINT64_C(1) << (c % 64);
}

static inline void mark_hist(struct tl_trends *tr, size_t c, size_t k)
{
	tr->dirty[k * tr->dirty_w + tr->dirty_fw + c / 64] |= UINT64_C(1) << (c % 64);
}

/* Every cell of slot k may hold a count (a term read from a state file). */
static void mark_all(struct tl_trends *tr, size_t k)
{
	for (int64_t c = 0; c < tr->Rf; c++)
		mark_fine(tr, (size_t)c, k);
	for (int64_t c = 0; c < tr->Rh; c++)
		mark_hist(tr, (size_t)c, k);
}

/* Zeroes slot k's fine and history cells that may hold a count. */
static void clear_counts(struct tl_trends *tr, size_t k)
{
	uint64_t *d = &tr->dirty[k * tr->dirty_w];
	for (size_t w = 0; w < tr->dirty_w; w++) {
		bool fine = w < tr->dirty_fw;
		size_t base = (fine ? w : w - tr->dirty_fw) * 64;
		for (uint64_t b = d[w]; b; b &= b - 1) {
			size_t c = base + (size_t)__builtin_ctzll(b);
			if (fine)
				FINE(tr, c, k) = 0;
			else
				HIST(tr, c, k) = 0;
		}
		d[w] = 0;
	}
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static size_t floormod(int64_t a, int64_t b)
{
	int64_t r = a % b;
	return (size_t)(r < 0 ? r + b : r);
}

static double gfast(const struct tl_trends *tr, int64_t t)
{
	return exp2((double)(t - tr->land_fast) / (double)tr->o.window_ms);
}

static double gslow(const struct tl_trends *tr, int64_t t)
{
	return exp2((double)(t - tr->land_slow) / (double)tr->o.half_life_ms);
}

void tl_trends_opts_default(struct tl_trends_opts *o)
{
	*o = (struct tl_trends_opts){
		.step_ms = 1000,
		.window_ms = 60000,
		.delay_ms = 0,
		.lateness_ms = 300000,
		.max_future_ms = 300000,
		.half_life_ms = 1800000,
		.warmup_ms = 300000,
		.update_ms = 30000,
		.hold_ms = 60000,
		.history_ms = 1800000,
		.bucket_ms = 10000,
		.min_count = 10,
		.min_ratio = 3,
		.start_score = 6,
		.end_score = 2,
		.holt_alpha = 0.5,
		.holt_beta = 0.1,
		.holt_phi = 0.98,
		.capacity = 20000,
		.sketch_width = 65536,
		.top = 10,
		.horizon = 3,
		.kinds = TL_TERM_ALL,
		.by_lang = false,
	};
}

const char *tl_trends_opts_check(const struct tl_trends_opts *o)
{
	if (o->step_ms < 10 || o->step_ms > 3600000)
		return "the step must be from 10 ms to 1 hour";
	if (o->window_ms < o->step_ms || o->window_ms % o->step_ms || o->window_ms / o->step_ms > 100000)
		return "the window must be a multiple of the step, at most 100000 steps";
	if (o->bucket_ms < o->step_ms || o->bucket_ms % o->step_ms)
		return "the history bucket must be a multiple of the step";
	if (o->history_ms < o->bucket_ms || o->history_ms / o->bucket_ms > TL_TRENDS_SNAP_HIST)
		return "the history must hold 1 to 360 buckets";
	if (o->delay_ms < 0 || o->delay_ms > 100 * o->window_ms)
		return "the delay must be from 0 to 100 windows";
	if (o->lateness_ms < 0 || o->max_future_ms < o->step_ms || o->half_life_ms < o->step_ms ||
	    o->warmup_ms < 0 || o->update_ms < o->step_ms || o->hold_ms < 0)
		return "a duration is out of range";
	if (!(o->min_count >= 1) || !(o->min_ratio >= 1) || !(o->start_score > 0) || !(o->end_score >= 0) ||
	    o->end_score > o->start_score)
		return "min-count and min-ratio must be at least 1, and 0 < end score <= start score";
	if (!(o->holt_alpha > 0 && o->holt_alpha <= 1) || !(o->holt_beta >= 0 && o->holt_beta <= 1) ||
	    !(o->holt_phi > 0 && o->holt_phi <= 1))
		return "Holt's parameters must be in (0,1], [0,1] and (0,1]";
	if (o->capacity < 16 || o->capacity > 10000000)
		return "the capacity must be from 16 to 10000000 terms";
	if (o->sketch_width < 1024 || o->sketch_width > ((size_t)1 << 26))
		return "the sketch width must be from 1024 to 2^26";
	if (o->top > 100 || o->horizon < 1 || o->horizon > 8)
		return "top must be at most 100 and the horizon 1 to 8 windows";
	if (!(o->kinds & TL_TERM_ALL))
		return "no kind of term to count";
	return NULL;
}

struct tl_trends *tl_trends_new(const struct tl_trends_opts *o, tl_trends_emit_fn emit, void *ctx)
{
	struct tl_trends *tr = xcalloc(1, sizeof *tr);
	tr->o = *o;
	tr->emit = emit;
	tr->ctx = ctx;
	tr->S = o->step_ms;
	tr->Wn = o->window_ms / o->step_ms;
	tr->Dn = (o->delay_ms + o->step_ms - 1) / o->step_ms;
	tr->Rf = tr->Wn + tr->Dn + 2;
	tr->B = o->bucket_ms;
	tr->Rh = o->history_ms / o->bucket_ms;
	tr->cap = o->capacity;
	tl_ss_init(&tr->ss, o->capacity);
	tl_cms_init(&tr->cms, o->sketch_width, 4);
	tr->t = xcalloc(o->capacity, sizeof *tr->t);
	tr->fine = xcalloc(o->capacity * (size_t)tr->Rf, sizeof *tr->fine);
	tr->hist = xcalloc(o->capacity * (size_t)tr->Rh, sizeof *tr->hist);
	tr->dirty_fw = ((size_t)tr->Rf + 63) / 64;
	tr->dirty_w = tr->dirty_fw + ((size_t)tr->Rh + 63) / 64;
	tr->dirty = xcalloc(o->capacity * tr->dirty_w, sizeof *tr->dirty);
	tr->gfine = xcalloc((size_t)tr->Rf, sizeof *tr->gfine);
	tr->ghist = xcalloc((size_t)tr->Rh, sizeof *tr->ghist);
	tr->top = xcalloc(o->top + 1, sizeof *tr->top);
	tr->keys = xcalloc(TL_TERMS_PER_TWEET, sizeof *tr->keys);
	tr->keylen = xcalloc(TL_TERMS_PER_TWEET, sizeof *tr->keylen);
	tr->hashes = xcalloc(TL_TERMS_PER_TWEET, sizeof *tr->hashes);
	tr->slots = xcalloc(TL_TERMS_PER_TWEET, sizeof *tr->slots);
	tl_holt_init(&tr->gholt, o->holt_alpha, o->holt_beta, o->holt_phi);
	tl_buf_init(&tr->line, 0);
	for (int i = 0; i < 2; i++)
		tl_buf_init(&tr->held[i].text, 0);
	return tr;
}

void tl_trends_free(struct tl_trends *tr)
{
	if (!tr)
		return;
	tl_ss_free(&tr->ss);
	tl_cms_free(&tr->cms);
	free(tr->t);
	free(tr->fine);
	free(tr->hist);
	free(tr->dirty);
	free(tr->gfine);
	free(tr->ghist);
	free(tr->top);
	free(tr->keys);
	free(tr->keylen);
	free(tr->hashes);
	free(tr->slots);
	free(tr->ev);
	tl_buf_release(&tr->line);
	for (int i = 0; i < 2; i++)
		tl_buf_release(&tr->held[i].text);
	free(tr);
}

/* ---- writing lines ---- */

/* A number with at most dec decimals, trailing zeros dropped ("12", "0.25"). */
static void num(struct tl_buf *b, double v, int dec)
{
	if (!isfinite(v))
		v = 0;
	char s[64];
	int n = snprintf(s, sizeof s, "%.*f", dec, v);
	if (dec > 0) {
		while (n > 0 && s[n - 1] == '0')
			n--;
		if (n > 0 && s[n - 1] == '.')
			n--;
	}
	if (n == 2 && s[0] == '-' && s[1] == '0')
		n = 1, s[0] = '0';
	tl_buf_add(b, s, (size_t)n);
}

static void time_field(struct tl_trends *tr, struct tl_buf *b, const char *name, int64_t ms)
{
	char ts[48];
	tl_time_format(ms, tr->S % 1000 != 0 || ms % 1000 != 0, ts, sizeof ts);
	tl_buf_addf(b, ",\"%s\":\"%s\"", name, ts);
}

/* "term":...,"kind":...[,"lang":...] of a tracked key (no comma before). */
static void key_fields(struct tl_trends *tr, struct tl_buf *b, const char *key, size_t kl)
{
	unsigned kind = (unsigned char)key[0];
	size_t off = 1, ll = 0;
	if (tr->o.by_lang) {
		ll = (unsigned char)key[1];
		off = 2 + ll;
	}
	tl_buf_adds(b, "\"term\":");
	tl_buf_add_json_str(b, key + off, kl > off ? kl - off : 0);
	tl_buf_addf(b, ",\"kind\":\"%s\"", tl_term_kind_name(kind) ? tl_term_kind_name(kind) : "?");
	if (tr->o.by_lang) {
		tl_buf_adds(b, ",\"lang\":");
		tl_buf_add_json_str(b, key + 2, ll);
	}
}

static double per_minute(const struct tl_trends *tr, double count)
{
	return count * 60000.0 / (double)tr->o.window_ms;
}

static void forecast_field(struct tl_trends *tr, struct tl_buf *b, const struct tl_holt *h)
{
	tl_buf_adds(b, ",\"forecast\":[");
	for (int k = 1; k <= tr->o.horizon; k++) {
		if (k > 1)
			tl_buf_addc(b, ',');
		double f = tl_holt_forecast(h, (double)(k * tr->Wn));
		num(b, per_minute(tr, f > 0 ? f : 0), 2);
	}
	tl_buf_addc(b, ']');
}

static int put(struct tl_trends *tr)
{
	return tr->emit(tr->ctx, tr->line.data, tr->line.len);
}

static int emit_event(struct tl_trends *tr, const struct ev *e, int64_t T)
{
	static const char *const names[] = { "trend-start", "trend-update", "trend-end" };
	const struct tl_ss_slot *sl = &tr->ss.slot[e->slot];
	const struct term *m = &tr->t[e->slot];
	struct tl_buf *b = &tr->line;
	tl_buf_reset(b);
	tl_buf_addf(b, "{\"event\":\"%s\"", names[e->type]);
	time_field(tr, b, "time", T);
	tl_buf_addc(b, ',');
	key_fields(tr, b, sl->key, sl->keylen);
	double rate = per_minute(tr, m->win), base = per_minute(tr, m->mu);
	tl_buf_addf(b, ",\"count\":%u,\"rate\":", m->win);
	num(b, rate, 2);
	tl_buf_adds(b, ",\"baseline\":");
	num(b, base, 3);
	tl_buf_adds(b, ",\"ratio\":");
	num(b, m->win / m->mu, 2);
	tl_buf_adds(b, ",\"score\":");
	num(b, m->score, 2);
	tl_buf_adds(b, ",\"share\":");
	num(b, tr->gwin ? (double)m->win / (double)tr->gwin : 0, 6);
	tl_buf_addf(b, ",\"window_tweets\":%llu,\"window_s\":", (unsigned long long)tr->gwin);
	num(b, (double)tr->o.window_ms / 1000, 3);
	forecast_field(tr, b, &m->holt);
	if (m->sent_n > 1e-9) {
		tl_buf_adds(b, ",\"sentiment\":");
		num(b, m->sent_sum / m->sent_n, 3);
	}
	if (e->type != EV_START) {
		time_field(tr, b, "started", m->started);
		tl_buf_adds(b, ",\"duration_s\":");
		num(b, (double)(T - m->started) / 1000, 3);
		tl_buf_adds(b, ",\"peak_rate\":");
		num(b, m->peak_rate, 2);
		time_field(tr, b, "peak_time", m->peak_ms);
	}
	tl_buf_addc(b, '}');
	return put(tr);
}

static int key_cmp(const struct tl_ss_slot *a, const struct tl_ss_slot *b)
{
	size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
	int c = memcmp(a->key, b->key, n);
	return c ? c : (int)a->keylen - (int)b->keylen;
}

/* Events of a step: starts, updates, ends; each by score, then by key (a stable order). */
static int ev_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ev *a = pa, *b = pb;
	const struct tl_trends *tr = arg;
	if (a->type != b->type)
		return a->type - b->type;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return key_cmp(&tr->ss.slot[a->slot], &tr->ss.slot[b->slot]);
}

static bool top_before(const struct tl_trends *tr, size_t a, size_t b)
{
	if (tr->t[a].win != tr->t[b].win)
		return tr->t[a].win > tr->t[b].win;
	return key_cmp(&tr->ss.slot[a], &tr->ss.slot[b]) < 0;
}

/* The `top` tracked terms with the most tweets in the window, into tr->top; returns how many. */
static size_t find_top(struct tl_trends *tr)
{
	size_t n = 0, k = tr->o.top;
	uint32_t thr = 1;
	for (size_t i = 0; i < tr->ss.n && k; i++) {
		if (tr->t[i].win < thr)
			continue;
		if (n == k && !top_before(tr, i, tr->top[n - 1]))
			continue;
		size_t j = n < k ? n++ : n - 1;
		while (j > 0 && top_before(tr, i, tr->top[j - 1])) {
			tr->top[j] = tr->top[j - 1];
			j--;
		}
		tr->top[j] = i;
		if (n == k)
			thr = tr->t[tr->top[n - 1]].win;
	}
	return n;
}

static int emit_window(struct tl_trends *tr, int64_t s, uint64_t nstep)
{
	struct tl_buf *b = &tr->line;
	int64_t T = (s + 1) * tr->S;
	tl_buf_reset(b);
	tl_buf_adds(b, "{\"event\":\"window\"");
	time_field(tr, b, "time", T);
	time_field(tr, b, "start", T - tr->S);
	tl_buf_addf(b, ",\"tweets\":%llu,\"late\":%llu,\"too_late\":%llu,\"future\":%llu,\"no_time\":%llu,"
		       "\"seen\":%llu,\"window_tweets\":%llu,\"rate\":",
		    (unsigned long long)nstep, (unsigned long long)tr->l_late, (unsigned long long)tr->l_too_late,
		    (unsigned long long)tr->l_future, (unsigned long long)tr->l_no_time,
		    (unsigned long long)tr->st.tweets, (unsigned long long)tr->gwin);
	num(b, per_minute(tr, (double)tr->gwin), 2);
	forecast_field(tr, b, &tr->gholt);
	tl_buf_addf(b, ",\"trending\":%zu,\"top\":[", tr->st.active);
	size_t n = find_top(tr);
	for (size_t i = 0; i < n; i++) {
		const struct tl_ss_slot *sl = &tr->ss.slot[tr->top[i]];
		tl_buf_adds(b, i ? ",{" : "{");
		key_fields(tr, b, sl->key, sl->keylen);
		tl_buf_addf(b, ",\"count\":%u}", tr->t[tr->top[i]].win);
	}
	tl_buf_adds(b, "]}");
	tr->l_late = tr->l_too_late = tr->l_future = tr->l_no_time = tr->l_tweets = 0;
	tr->st.windows++;
	return put(tr);
}

/* ---- the clock ---- */

static void push_ev(struct tl_trends *tr, int type, size_t slot)
{
	if (tr->nev == tr->evcap) {
		tr->evcap = tr->evcap ? tr->evcap * 2 : 16;
		tr->ev = xrealloc(tr->ev, tr->evcap * sizeof *tr->ev);
	}
	tr->ev[tr->nev++] = (struct ev){ type, slot, tr->t[slot].score };
}

static void remember_end(struct tl_trends *tr, size_t slot, int64_t T)
{
	struct ended *e = &tr->recent[tr->recent_at];
	const struct tl_ss_slot *sl = &tr->ss.slot[slot];
	e->hash = sl->hash;
	e->keylen = sl->keylen;
	memcpy(e->key, sl->key, sl->keylen);
	e->ended = T;
	tr->recent_at = (tr->recent_at + 1) % RECENT_MAX;
	if (tr->nrecent < RECENT_MAX)
		tr->nrecent++;
}

static void evaluate(struct tl_trends *tr, size_t k, int64_t T, double mu_scale, bool warm)
{
	struct term *m = &tr->t[k];
	const struct tl_trends_opts *o = &tr->o;
	double x = m->win, mu = m->base * mu_scale;
	if (mu < 1)
		mu = 1;
	m->mu = mu;
	m->score = 0;
	if (!m->active && (x < o->min_count || x < o->min_ratio * mu))
		return;
	double lp = tl_poisson_sf_log10(x / m->phi, mu / m->phi);
	m->score = -lp > SCORE_MAX ? SCORE_MAX : -lp < 0 ? 0 : -lp;
	double rate = per_minute(tr, x);
	if (!m->active) {
		if (warm && x >= o->min_count && x >= o->min_ratio * mu && m->score >= o->start_score) {
			m->active = true;
			m->started = m->last_update = m->peak_ms = T;
			m->fail_since = -1;
			m->peak_rate = rate;
			tl_ss_pin(&tr->ss, k, true);
			tr->st.active++;
			tr->st.starts++;
			push_ev(tr, EV_START, k);
		}
		return;
	}
	if (rate > m->peak_rate) {
		m->peak_rate = rate;
		m->peak_ms = T;
	}
	bool holds = x >= o->min_count / 2 && m->score >= o->end_score;
	if (holds)
		m->fail_since = -1;
	else if (m->fail_since < 0)
		m->fail_since = T;
	if (!holds && T - m->fail_since >= o->hold_ms) {
		m->active = false;
		tl_ss_pin(&tr->ss, k, false);
		tr->st.active--;
		tr->st.ends++;
		push_ev(tr, EV_END, k);
		remember_end(tr, k, T);
	} else if (T - m->last_update >= o->update_ms) {
		m->last_update = T;
		tr->st.updates++;
		push_ev(tr, EV_UPDATE, k);
	}
}

/* Closes step s: the window ending at its end is evaluated, and lines are written. */
static int close_step(struct tl_trends *tr, int64_t s)
{
	const struct tl_trends_opts *o = &tr->o;
	int64_t T = (s + 1) * tr->S, l = s - tr->Wn;
	size_t cs = floormod(s, tr->Rf), ls = floormod(l, tr->Rf);
	double gl = gslow(tr, l * tr->S);
	uint64_t nstep = tr->gfine[cs];
	tr->gwin += nstep;
	tr->gwin -= tr->gfine[ls];
	tr->gbase += (double)tr->gfine[ls] * gl;
	tr->gfine[ls] = 0;
	tl_holt_update(&tr->gholt, (double)tr->gwin);
	bool block_end = floormod(s + 1, tr->Wn) == 0;
	bool warm = T - tr->first_ms >= o->warmup_ms;
	double mu_scale = tr->gbase > 0 ? (double)tr->gwin / tr->gbase : 0;
	double ab = 1 - exp2(-(double)o->window_ms / (double)o->half_life_ms);
	tr->nev = 0;
	uint32_t *enter = &FINE(tr, cs, 0), *leave = &FINE(tr, ls, 0);
	/* the step's counts go into its history bucket (late ones went in as they came) */
	int64_t sb = floordiv(s * tr->S, tr->B);
	if (sb > tr->hb - tr->Rh && sb <= tr->hb) {
		size_t hc = floormod(sb, tr->Rh);
		uint32_t *h = &HIST(tr, hc, 0);
		for (size_t k = 0; k < tr->ss.n; k++) {
			if (enter[k]) {
				h[k] += enter[k];
				mark_hist(tr, hc, k);
			}
		}
		tr->ghist[floormod(sb, tr->Rh)] += nstep;
	}
	for (size_t k = 0; k < tr->ss.n; k++) {
		struct term *m = &tr->t[k];
		m->win += enter[k];
		if (leave[k]) {
			m->win -= leave[k];
			m->base += leave[k] * gl;
			leave[k] = 0;
		}
		if (m->win || m->holt.level > 0.01 || m->active)
			tl_holt_update(&m->holt, m->win);
		evaluate(tr, k, T, mu_scale, warm);
		if (block_end && !m->active && m->since <= s + 1 - tr->Wn) {
			double mu = m->base * mu_scale;
			if (mu >= 1) {
				double d = m->win - mu, a = 1.0 / (m->blocks + 1);
				if (a < ab)
					a = ab;
				m->phi += a * (d * d / mu - m->phi);
				m->phi = m->phi < 1 ? 1 : m->phi > 100 ? 100 : m->phi;
				m->blocks++;
			}
		}
	}
	if (tr->nev > 1)
		qsort_r(tr->ev, tr->nev, sizeof *tr->ev, ev_cmp, tr);
	for (size_t i = 0; i < tr->nev; i++)
		if (emit_event(tr, &tr->ev[i], T) < 0)
			return -1;
	return emit_window(tr, s, nstep);
}

/* Closes every step before step target. After a quiet spell (an empty window, no trend, no
 * tweet in the steps between) it jumps instead of writing a line for each empty step. */
static int close_until(struct tl_trends *tr, int64_t target)
{
	while (tr->closed < target) {
		if (tr->gwin == 0 && tr->st.active == 0) {
			bool empty = true;
			for (int64_t s = tr->closed; s < target && s < tr->closed + tr->Dn + 2 && empty; s++)
				empty = tr->gfine[floormod(s, tr->Rf)] == 0;
			if (empty) {
				tr->closed = target;
				break;
			}
		}
		if (close_step(tr, tr->closed) < 0)
			return -1;
		tr->closed++;
	}
	return 0;
}

/* Moves the forward-decay landmarks before the weights grow too large. */
static void renormalize(struct tl_trends *tr)
{
	if (tr->max_seen - tr->land_fast > 40 * tr->o.window_ms) {
		double f = exp2(-(double)(tr->max_seen - tr->land_fast) / (double)tr->o.window_ms);
		tl_ss_scale(&tr->ss, f);
		tl_cms_scale(&tr->cms, 0, f);
		for (size_t k = 0; k < tr->ss.n; k++) {
			tr->t[k].sent_sum *= f;
			tr->t[k].sent_n *= f;
		}
		tr->land_fast = tr->max_seen;
	}
	if (tr->max_seen - tr->land_slow > 40 * tr->o.half_life_ms) {
		double f = exp2(-(double)(tr->max_seen - tr->land_slow) / (double)tr->o.half_life_ms);
		tl_cms_scale(&tr->cms, 1, f);
		for (size_t k = 0; k < tr->ss.n; k++)
			tr->t[k].base *= f;
		tr->gbase *= f;
		tr->land_slow = tr->max_seen;
	}
}

/* The stream's clock moves to t (> max_seen): close steps, start new history buckets. */
static int advance(struct tl_trends *tr, int64_t t)
{
	if (close_until(tr, floordiv(t - tr->o.delay_ms, tr->S)) < 0)
		return -1;
	tr->max_seen = t;
	int64_t nb = floordiv(t, tr->B);
	if (nb > tr->hb) {
		int64_t from = nb - tr->hb > tr->Rh ? nb - tr->Rh + 1 : tr->hb + 1;
		for (int64_t b = from; b <= nb; b++) {
			size_t c = floormod(b, tr->Rh);
			tr->ghist[c] = 0;
			memset(&HIST(tr, c, 0), 0, tr->ss.n * sizeof *tr->hist);
		}
		tr->hb = nb;
	}
	renormalize(tr);
	return 0;
}

static void start_clock(struct tl_trends *tr, int64_t t)
{
	tr->started = true;
	tr->max_seen = t;
	tr->first_ms = t;
	tr->closed = floordiv(t - tr->o.delay_ms, tr->S);
	tr->hb = floordiv(t, tr->B);
	if (tr->keep_landmarks) {
		/* baselines from a state: no warm-up again */
		tr->first_ms = t - tr->o.warmup_ms;
		tr->keep_landmarks = false;
		renormalize(tr);
	} else {
		tr->land_fast = tr->land_slow = t;
	}
}

/* ---- counting ---- */

static size_t make_key(struct tl_trends *tr, const struct tl_terms *x, size_t i, const char *lang, size_t ll,
		       uint64_t *hash)
{
	const struct tl_term *term = &x->v[i];
	size_t n = 0;
	tr->key[n++] = (char)term->kind;
	*hash = term->hash;
	if (tr->o.by_lang) {
		if (ll > 8)
			ll = 8;
		tr->key[n++] = (char)ll;
		memcpy(tr->key + n, lang, ll);
		n += ll;
		*hash ^= tl_terms_hash(255, lang, ll) * 0x9E3779B97F4A7C15ULL;
		*hash ^= *hash >> 29;
	}
	memcpy(tr->key + n, x->text + term->off, term->len);
	return n + term->len;
}

/* A term enters the table (evicting the smallest); its baseline comes from the sketch. */
static long admit(struct tl_trends *tr, size_t kl, uint64_t h, double est, double gf, double gs)
{
	struct tl_ss_slot ev;
	bool evicted;
	long slot = tl_ss_insert(&tr->ss, h, tr->key, kl, est, est > gf ? est - gf : 0, &ev, &evicted);
	if (slot < 0)
		return -1;
	struct term *m = &tr->t[slot];
	if (evicted) {
		/* write the evicted term's counts back into the sketches */
		uint64_t open = 0;
		for (int64_t s = tr->closed; s < tr->closed + tr->Dn + 2; s++)
			open += FINE(tr, floormod(s, tr->Rf), (size_t)slot);
		tl_cms_raise(&tr->cms, ev.hash, 0, ev.count);
		tl_cms_raise(&tr->cms, ev.hash, 1, m->base + (double)(m->win + open) * gslow(tr, tr->max_seen));
	}
	double base = tl_cms_get(&tr->cms, h, 1) - gs;
	memset(m, 0, sizeof *m);
	m->base = base > 0 ? base : 0;
	m->phi = 1;
	m->since = tr->closed;
	m->fail_since = -1;
	tl_holt_init(&m->holt, tr->o.holt_alpha, tr->o.holt_beta, tr->o.holt_phi);
	clear_counts(tr, (size_t)slot);
	return slot;
}

/* Counts a tweet whose time the clock accepts. */
static int count(struct tl_trends *tr, int64_t t, const struct tl_terms *x, const char *lang, size_t langlen,
		 double sentiment)
{
	const struct tl_trends_opts *o = &tr->o;
	if (!tr->started)
		start_clock(tr, t);
	else if (t > tr->max_seen && advance(tr, t) < 0)
		return -1;
	if (t < tr->max_seen - o->delay_ms - o->lateness_ms) {
		tr->st.too_late++;
		tr->l_too_late++;
		return TL_TRENDS_TOO_LATE;
	}
	int64_t s = floordiv(t, tr->S), b = floordiv(t, tr->B);
	/* where the tweet counts: an open step, a closed step in the window, or the baselines */
	enum { OPEN, IN_WINDOW, BASE } where = s >= tr->closed ? OPEN : s >= tr->closed - tr->Wn ? IN_WINDOW : BASE;
	bool in_hist = b > tr->hb - tr->Rh;
	size_t cs = floormod(s, tr->Rf), ch = floormod(b, tr->Rh);
	double gf = gfast(tr, t), gs = gslow(tr, t);
	tr->st.tweets++;
	tr->l_tweets++;
	if (where != OPEN) {
		tr->st.late++;
		tr->l_late++;
	}
	if (where == BASE) {
		tr->gbase += gs;
	} else {
		tr->gfine[cs]++;
		tr->gwin += where == IN_WINDOW;
	}
	if (in_hist && where != OPEN)
		tr->ghist[ch]++;
	/* stage 1: keys and hashes, prefetching the index; stage 2: lookups, prefetching what the
	 * counting touches; stage 3: counting */
	size_t nt = 0;
	for (size_t i = 0; i < x->n && nt < TL_TERMS_PER_TWEET; i++) {
		if (!(o->kinds & 1u << x->v[i].kind))
			continue;
		tr->keylen[nt] = (uint8_t)make_key(tr, x, i, lang, langlen, &tr->hashes[nt]);
		memcpy(tr->keys[nt], tr->key, tr->keylen[nt]);
		tl_ss_prefetch(&tr->ss, tr->hashes[nt]);
		nt++;
	}
	for (size_t i = 0; i < nt; i++) {
		long slot = tr->slots[i] = tl_ss_find(&tr->ss, tr->hashes[i], tr->keys[i], tr->keylen[i]);
		if (slot < 0) {
			tl_cms_prefetch(&tr->cms, tr->hashes[i]);
		} else {
			tl_ss_prefetch_slot(&tr->ss, (size_t)slot);
			/* the term's counts: base and sentiment on its first cache line, win on its last */
			__builtin_prefetch(&tr->t[slot], 1);
			__builtin_prefetch(&tr->t[slot].win, 1);
			if (where != BASE)
				__builtin_prefetch(&FINE(tr, cs, (size_t)slot), 1);
			if (in_hist && where != OPEN)
				__builtin_prefetch(&HIST(tr, ch, (size_t)slot), 1);
			__builtin_prefetch(&tr->dirty[(size_t)slot * tr->dirty_w], 1);
		}
	}
	for (size_t i = 0; i < nt; i++) {
		uint64_t h = tr->hashes[i];
		size_t kl = tr->keylen[i];
		long slot = tr->slots[i];
		if (slot >= 0 && tr->ss.slot[slot].hash != h) /* evicted by a term admitted just before */
			slot = tl_ss_find(&tr->ss, h, tr->keys[i], kl);
		if (slot < 0) {
			memcpy(tr->key, tr->keys[i], kl);
			double w[TL_CMS_LANES] = { gf, gs };
			double est = tl_cms_add(&tr->cms, h, w);
			if (est <= tl_ss_min(&tr->ss) || (slot = admit(tr, kl, h, est, gf, gs)) < 0)
				continue;
		} else {
			tl_ss_add(&tr->ss, (size_t)slot, gf);
		}
		struct term *m = &tr->t[slot];
		if (where == BASE) {
			m->base += gs;
		} else {
			FINE(tr, cs, (size_t)slot)++;
			mark_fine(tr, cs, (size_t)slot);
			m->win += where == IN_WINDOW;
		}
		if (in_hist && where != OPEN) {
			HIST(tr, ch, (size_t)slot)++; /* an open step's counts go in when it closes */
			mark_hist(tr, ch, (size_t)slot);
		}
		if (!isnan(sentiment)) {
			m->sent_sum += sentiment * gf;
			m->sent_n += gf;
		}
	}
	return where == OPEN ? TL_TRENDS_ON_TIME : TL_TRENDS_LATE;
}

static void hold(struct tl_trends *tr, int64_t t, const struct tl_terms *x, const char *lang, size_t langlen,
		 double sentiment)
{
	struct held *h = &tr->held[tr->nheld++];
	h->t = t;
	h->sentiment = sentiment;
	h->langlen = langlen > sizeof h->lang ? sizeof h->lang : langlen;
	if (h->langlen)
		memcpy(h->lang, lang, h->langlen);
	tl_buf_reset(&h->text);
	h->n = 0;
	for (size_t i = 0; i < x->n && i < TL_TERMS_PER_TWEET; i++) {
		h->v[h->n] = x->v[i];
		h->v[h->n].off = (uint32_t)h->text.len;
		tl_buf_add(&h->text, x->text + x->v[i].off, x->v[i].len);
		h->n++;
	}
}

static void drop_held(struct tl_trends *tr)
{
	tr->st.future += tr->nheld;
	tr->l_future += tr->nheld;
	tr->nheld = 0;
}

int tl_trends_add(struct tl_trends *tr, int64_t t, const struct tl_terms *x, const char *lang, size_t langlen,
		  double sentiment, int64_t wall_ms)
{
	const struct tl_trends_opts *o = &tr->o;
	if (wall_ms && t > wall_ms + o->max_future_ms) {
		tr->st.future++;
		tr->l_future++;
		return TL_TRENDS_FUTURE;
	}
	if (tr->started && !tr->resumed && t > tr->max_seen + o->max_future_ms) {
		/* the clock jumps ahead: believed when three tweets in a row agree */
		if (tr->nheld && llabs(t - tr->held[0].t) > o->max_future_ms)
			drop_held(tr);
		if (tr->nheld < 2) {
			hold(tr, t, x, lang, langlen, sentiment);
			return TL_TRENDS_HELD;
		}
		for (size_t i = 0; i < tr->nheld; i++) {
			struct held *h = &tr->held[i];
			struct tl_terms hx = { .v = h->v, .n = h->n, .text = h->text.data };
			if (count(tr, h->t, &hx, h->lang, h->langlen, h->sentiment) < 0)
				return -1;
		}
		tr->nheld = 0;
	} else if (tr->nheld) {
		drop_held(tr);
	}
	tr->resumed = false;
	return count(tr, t, x, lang, langlen, sentiment);
}

void tl_trends_no_time(struct tl_trends *tr)
{
	tr->st.no_time++;
	tr->l_no_time++;
}

int tl_trends_finish(struct tl_trends *tr)
{
	drop_held(tr);
	if (!tr->started)
		return 0;
	/* every step up to the one holding the latest event */
	return close_until(tr, floordiv(tr->max_seen, tr->S) + 1);
}

int tl_trends_partial(struct tl_trends *tr)
{
	if (!tr->started || !tr->l_tweets)
		return 0;
	uint64_t open = 0;
	for (int64_t s = tr->closed; s < tr->closed + tr->Dn + 2; s++)
		open += tr->gfine[floormod(s, tr->Rf)];
	struct tl_buf *b = &tr->line;
	tl_buf_reset(b);
	tl_buf_adds(b, "{\"event\":\"partial\"");
	time_field(tr, b, "time", tr->max_seen);
	time_field(tr, b, "start", tr->closed * tr->S);
	tl_buf_addf(b, ",\"tweets\":%llu,\"late\":%llu,\"seen\":%llu}", (unsigned long long)open,
		    (unsigned long long)tr->l_late, (unsigned long long)tr->st.tweets);
	tr->l_tweets = 0;
	return put(tr);
}

void tl_trends_stats(const struct tl_trends *tr, struct tl_trends_stats *st)
{
	*st = tr->st;
	st->tracked = tr->ss.n;
	st->sketch_epsilon = tl_cms_epsilon(&tr->cms);
}

/* ---- views ---- */

static void key_text(const struct tl_trends *tr, const struct tl_ss_slot *sl, char *term, size_t tn, char *lang,
		     size_t ln, const char **kind)
{
	size_t off = 1, ll = 0;
	if (tr->o.by_lang) {
		ll = (unsigned char)sl->key[1];
		off = 2 + ll;
	}
	size_t n = sl->keylen > off ? sl->keylen - off : 0;
	if (n >= tn)
		n = tn - 1;
	memcpy(term, sl->key + off, n);
	term[n] = 0;
	if (lang) {
		if (ll >= ln)
			ll = ln - 1;
		memcpy(lang, sl->key + 2, tr->o.by_lang ? ll : 0);
		lang[tr->o.by_lang ? ll : 0] = 0;
	}
	*kind = tl_term_kind_name((unsigned char)sl->key[0]);
	if (!*kind)
		*kind = "?";
}

/* Per-minute values of the last nh buckets of a history ring (oldest first): term k's, or the
 * volume's when k is SIZE_MAX. */
static void hist_rates(const struct tl_trends *tr, size_t k, double *out, size_t nh)
{
	double f = 60000.0 / (double)tr->B;
	for (size_t i = 0; i < nh; i++) {
		int64_t b = tr->hb - (int64_t)(nh - 1 - i);
		size_t c = floormod(b, tr->Rh);
		double v = k == SIZE_MAX ? (double)tr->ghist[c] : HIST(tr, c, k);
		out[i] = b * tr->B + tr->B <= tr->first_ms ? 0 : v * f;
	}
}

static void snap_term(const struct tl_trends *tr, size_t k, struct tl_trends_snap_term *o, size_t nh)
{
	const struct term *m = &tr->t[k];
	key_text(tr, &tr->ss.slot[k], o->term, sizeof o->term, o->lang, sizeof o->lang, &o->kind);
	o->active = m->active;
	o->started = m->started;
	o->ended = 0;
	o->count = m->win;
	o->rate = per_minute(tr, m->win);
	o->baseline = per_minute(tr, m->mu);
	o->ratio = m->mu > 0 ? m->win / m->mu : 0;
	o->score = m->score;
	o->peak_rate = m->peak_rate;
	o->sentiment = m->sent_n > 1e-9 ? m->sent_sum / m->sent_n : NAN;
	for (int i = 0; i < tr->o.horizon && i < 8; i++) {
		double f = tl_holt_forecast(&m->holt, (double)((i + 1) * tr->Wn));
		o->forecast[i] = per_minute(tr, f > 0 ? f : 0);
	}
	double slope = m->holt.trend * (double)tr->Wn, lvl = m->holt.level > 1 ? m->holt.level : 1;
	o->direction = slope > 0.1 * lvl ? 1 : slope < -0.1 * lvl ? -1 : 0;
	hist_rates(tr, k, o->hist, nh);
}

void tl_trends_snapshot(struct tl_trends *tr, struct tl_trends_snap *s)
{
	size_t nh = (size_t)tr->Rh;
	s->started = tr->started;
	s->now_ms = tr->closed * tr->S;
	s->warm = tr->started && s->now_ms - tr->first_ms >= tr->o.warmup_ms;
	s->bucket_ms = tr->B;
	s->window_ms = tr->o.window_ms;
	s->hist_start_ms = (tr->hb - (int64_t)nh + 1) * tr->B;
	int64_t fb = floordiv(tr->first_ms, tr->B) - (tr->hb - (int64_t)nh + 1);
	s->hist_first = !tr->started || fb < 0 ? 0 : fb >= (int64_t)nh ? nh - 1 : (size_t)fb;
	s->nhist = nh;
	s->horizon = tr->o.horizon;
	tl_trends_stats(tr, &s->stats);
	if (!tr->started) {
		memset(s->volume, 0, sizeof s->volume);
		s->rate = 0;
		s->nterms = s->ntop = 0;
		return;
	}
	hist_rates(tr, SIZE_MAX, s->volume, nh);
	s->rate = per_minute(tr, (double)tr->gwin);
	for (int i = 0; i < tr->o.horizon && i < 8; i++) {
		double f = tl_holt_forecast(&tr->gholt, (double)((i + 1) * tr->Wn));
		s->vol_forecast[i] = per_minute(tr, f > 0 ? f : 0);
	}
	/* active trends by score */
	size_t n = 0, idx[TL_TRENDS_SNAP_TERMS];
	for (size_t k = 0; k < tr->ss.n; k++) {
		if (!tr->t[k].active)
			continue;
		size_t j;
		if (n < TL_TRENDS_SNAP_TERMS)
			j = n++;
		else if (tr->t[k].score > tr->t[idx[n - 1]].score)
			j = n - 1;
		else
			continue;
		while (j > 0 && tr->t[idx[j - 1]].score < tr->t[k].score) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = k;
	}
	for (size_t i = 0; i < n; i++)
		snap_term(tr, idx[i], &s->terms[i], nh);
	/* then the trends that ended lately, newest first, while they are still tracked */
	for (size_t r = 0; r < tr->nrecent && n < TL_TRENDS_SNAP_TERMS; r++) {
		const struct ended *e = &tr->recent[(tr->recent_at + RECENT_MAX - 1 - r) % RECENT_MAX];
		if (s->now_ms - e->ended > tr->o.history_ms / 3)
			break; /* only those that ended lately */
		long k = tl_ss_find(&tr->ss, e->hash, e->key, e->keylen);
		if (k < 0 || tr->t[k].active)
			continue;
		bool dup = false;
		for (size_t i = 0; i < n && !dup; i++)
			dup = idx[i] == (size_t)k;
		if (dup)
			continue;
		idx[n] = (size_t)k;
		snap_term(tr, (size_t)k, &s->terms[n], nh);
		s->terms[n].ended = e->ended;
		n++;
	}
	s->nterms = n;
	size_t nt = find_top(tr);
	s->ntop = nt < TL_TRENDS_SNAP_TOP ? nt : TL_TRENDS_SNAP_TOP;
	for (size_t i = 0; i < s->ntop; i++) {
		key_text(tr, &tr->ss.slot[tr->top[i]], s->top[i].term, sizeof s->top[i].term, NULL, 0, &s->top[i].kind);
		s->top[i].count = tr->t[tr->top[i]].win;
	}
}

/* ---- state ---- */

#define STATE_VERSION 1

static void add_i64(struct tl_buf *b, const char *name, int64_t v)
{
	tl_buf_addf(b, ",\"%s\":%lld", name, (long long)v);
}

static void add_dbl(struct tl_buf *b, const char *name, double v)
{
	tl_buf_addf(b, ",\"%s\":%.17g", name, isfinite(v) ? v : 0.0);
}

static void save_holt(struct tl_buf *b, const char *name, const struct tl_holt *h)
{
	tl_buf_addf(b, ",\"%s\":[%.17g,%.17g,%ld]", name, h->level, h->trend, h->n);
}

static void save_sketch(struct tl_buf *b, const char *name, const struct tl_cms *c, int lane)
{
	for (size_t r = 0; r < c->depth; r++) {
		tl_buf_addf(b, "{\"sketch\":\"%s\",\"row\":%zu,\"cells\":[", name, r);
		bool first = true;
		for (size_t i = 0; i < c->width; i++) {
			float v = c->cell[(r * c->width + i) * TL_CMS_LANES + (size_t)lane];
			if (v == 0)
				continue;
			tl_buf_addf(b, "%s%zu,%.9g", first ? "" : ",", i, (double)v);
			first = false;
		}
		tl_buf_adds(b, "]}\n");
	}
}

int tl_trends_save(const struct tl_trends *tr, struct tl_buf *b)
{
	const struct tl_trends_opts *o = &tr->o;
	tl_buf_addf(b, "{\"tw_trends_state\":%d", STATE_VERSION);
	add_i64(b, "step_ms", o->step_ms);
	add_i64(b, "window_ms", o->window_ms);
	add_i64(b, "delay_ms", o->delay_ms);
	add_i64(b, "history_ms", o->history_ms);
	add_i64(b, "bucket_ms", o->bucket_ms);
	add_i64(b, "half_life_ms", o->half_life_ms);
	add_i64(b, "kinds", o->kinds);
	tl_buf_addf(b, ",\"by_lang\":%s", o->by_lang ? "true" : "false");
	add_i64(b, "capacity", (int64_t)o->capacity);
	add_i64(b, "sketch_width", (int64_t)tr->cms.width);
	tl_buf_addf(b, ",\"started\":%s", tr->started ? "true" : "false");
	add_i64(b, "max_seen", tr->max_seen);
	add_i64(b, "first_ms", tr->first_ms);
	add_i64(b, "closed", tr->closed);
	add_i64(b, "hb", tr->hb);
	add_i64(b, "land_fast", tr->land_fast);
	add_i64(b, "land_slow", tr->land_slow);
	add_i64(b, "gwin", (int64_t)tr->gwin);
	add_dbl(b, "gbase", tr->gbase);
	add_dbl(b, "fast_total", tr->cms.total[0]);
	add_dbl(b, "slow_total", tr->cms.total[1]);
	save_holt(b, "gholt", &tr->gholt);
	tl_buf_adds(b, ",\"gfine\":[");
	for (int64_t i = 0; i < tr->Rf; i++)
		tl_buf_addf(b, "%s%llu", i ? "," : "", (unsigned long long)tr->gfine[i]);
	tl_buf_adds(b, "],\"ghist\":[");
	for (int64_t i = 0; i < tr->Rh; i++)
		tl_buf_addf(b, "%s%llu", i ? "," : "", (unsigned long long)tr->ghist[i]);
	const struct tl_trends_stats *st = &tr->st;
	tl_buf_addf(b, "],\"stats\":[%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu]",
		    (unsigned long long)st->tweets, (unsigned long long)st->late, (unsigned long long)st->too_late,
		    (unsigned long long)st->future, (unsigned long long)st->no_time, (unsigned long long)st->windows,
		    (unsigned long long)st->starts, (unsigned long long)st->updates, (unsigned long long)st->ends);
	tl_buf_addf(b, ",\"since_line\":[%llu,%llu,%llu,%llu,%llu]", (unsigned long long)tr->l_late,
		    (unsigned long long)tr->l_too_late, (unsigned long long)tr->l_future, (unsigned long long)tr->l_no_time,
		    (unsigned long long)tr->l_tweets);
	tl_buf_addf(b, ",\"terms\":%zu}\n", tr->ss.n);
	for (size_t k = 0; k < tr->ss.n; k++) {
		const struct tl_ss_slot *sl = &tr->ss.slot[k];
		const struct term *m = &tr->t[k];
		char term[TL_TERM_MAX + 1], lang[12];
		const char *kind;
		key_text(tr, sl, term, sizeof term, lang, sizeof lang, &kind);
		tl_buf_adds(b, "{\"kind\":");
		tl_buf_add_json_str(b, kind, strlen(kind));
		tl_buf_adds(b, ",\"lang\":");
		tl_buf_add_json_str(b, lang, strlen(lang));
		tl_buf_adds(b, ",\"term\":");
		tl_buf_add_json_str(b, term, strlen(term));
		add_dbl(b, "count", tl_ss_count(&tr->ss, k));
		add_dbl(b, "err", sl->err);
		add_i64(b, "heap", sl->heap == UINT32_MAX ? -1 : (int64_t)sl->heap);
		add_dbl(b, "base", m->base);
		add_dbl(b, "phi", m->phi);
		add_dbl(b, "sent_sum", m->sent_sum);
		add_dbl(b, "sent_n", m->sent_n);
		add_dbl(b, "score", m->score);
		add_dbl(b, "mu", m->mu);
		add_i64(b, "since", m->since);
		add_i64(b, "started", m->started);
		add_i64(b, "last_update", m->last_update);
		add_i64(b, "fail_since", m->fail_since);
		add_i64(b, "peak_ms", m->peak_ms);
		add_dbl(b, "peak_rate", m->peak_rate);
		save_holt(b, "holt", &m->holt);
		add_i64(b, "win", m->win);
		add_i64(b, "blocks", m->blocks);
		tl_buf_addf(b, ",\"active\":%s,\"fine\":[", m->active ? "true" : "false");
		for (int64_t i = 0; i < tr->Rf; i++)
			tl_buf_addf(b, "%s%u", i ? "," : "", FINE(tr, i, k));
		tl_buf_adds(b, "],\"hist\":[");
		for (int64_t i = 0; i < tr->Rh; i++)
			tl_buf_addf(b, "%s%u", i ? "," : "", HIST(tr, i, k));
		tl_buf_adds(b, "]}\n");
	}
	for (size_t r = 0; r < tr->nrecent; r++) {
		const struct ended *e = &tr->recent[(tr->recent_at + RECENT_MAX - tr->nrecent + r) % RECENT_MAX];
		struct tl_ss_slot tmp = { .keylen = e->keylen };
		memcpy(tmp.key, e->key, e->keylen);
		char term[TL_TERM_MAX + 1], lang[12];
		const char *kind;
		key_text(tr, &tmp, term, sizeof term, lang, sizeof lang, &kind);
		tl_buf_adds(b, "{\"ended\":");
		tl_buf_addf(b, "%lld,\"kind\":", (long long)e->ended);
		tl_buf_add_json_str(b, kind, strlen(kind));
		tl_buf_adds(b, ",\"lang\":");
		tl_buf_add_json_str(b, lang, strlen(lang));
		tl_buf_adds(b, ",\"term\":");
		tl_buf_add_json_str(b, term, strlen(term));
		tl_buf_adds(b, "}\n");
	}
	save_sketch(b, "fast", &tr->cms, 0);
	save_sketch(b, "slow", &tr->cms, 1);
	return tl_buf_adds(b, "{\"end\":true}\n");
}

/* ---- loading ---- */

struct loader {
	struct tl_trends *tr;
	struct tl_jdoc d;
	size_t lineno;
	char *err;
	bool full;     /* the options match: restore everything */
};

static int lfail(struct loader *L, const char *what)
{
	if (!L->err)
		L->err = xasprintf("line %zu: %s", L->lineno, what);
	return -1;
}

static int get_dbl(struct loader *L, size_t obj, const char *name, double lo, double hi, double *v)
{
	if (!tl_jdoc_num(&L->d, tl_jdoc_get(&L->d, obj, name), v) || *v < lo || *v > hi) {
		char *w = xasprintf("\"%s\" missing or out of range", name);
		lfail(L, w);
		free(w);
		return -1;
	}
	return 0;
}

static int get_i64(struct loader *L, size_t obj, const char *name, int64_t lo, int64_t hi, int64_t *v)
{
	double x;
	if (get_dbl(L, obj, name, (double)lo, (double)hi, &x) < 0)
		return -1;
	if (x != floor(x))
		return lfail(L, "a whole number expected");
	*v = (int64_t)x;
	return 0;
}

static int get_bool(struct loader *L, size_t obj, const char *name, bool *v)
{
	long t = tl_jdoc_get(&L->d, obj, name);
	if (t < 0 || (L->d.t[t].type != TL_J_TRUE && L->d.t[t].type != TL_J_FALSE))
		return lfail(L, "a true or false expected");
	*v = L->d.t[t].type == TL_J_TRUE;
	return 0;
}

/* n unsigned numbers of the array name into u32 (every stride-th) or u64. */
static int get_counts(struct loader *L, size_t obj, const char *name, size_t n, uint32_t *u32, size_t stride,
		      uint64_t *u64)
{
	const struct tl_jdoc *d = &L->d;
	long a = tl_jdoc_get(d, obj, name);
	if (a < 0 || d->t[a].type != TL_J_ARRAY)
		return lfail(L, "an array of counts expected");
	size_t i = 0;
	for (size_t k = (size_t)a + 1; k < d->t[a].next; k = d->t[k].next, i++) {
		double v;
		if (i >= n || !tl_jdoc_num(d, (long)k, &v) || v < 0 || v != floor(v) || v > (u32 ? 4294967295.0 : 9e15))
			return lfail(L, "a bad count array");
		if (u32)
			u32[i * stride] = (uint32_t)v;
		else
			u64[i] = (uint64_t)v;
	}
	return i == n ? 0 : lfail(L, "a count array of the wrong length");
}

static int get_holt(struct loader *L, size_t obj, const char *name, struct tl_holt *h)
{
	const struct tl_jdoc *d = &L->d;
	long a = tl_jdoc_get(d, obj, name);
	double v[3];
	if (a < 0 || d->t[a].type != TL_J_ARRAY)
		return lfail(L, "Holt's state expected");
	for (size_t i = 0; i < 3; i++)
		if (!tl_jdoc_num(d, tl_jdoc_at(d, (size_t)a, i), &v[i]))
			return lfail(L, "a bad Holt state");
	if (v[2] < 0 || v[2] > 9e15 || tl_jdoc_at(d, (size_t)a, 3) >= 0)
		return lfail(L, "a bad Holt state");
	h->level = v[0];
	h->trend = v[1];
	h->n = (long)v[2];
	return 0;
}

/* The key of a term line ("kind", "lang", "term"), into tr->key; its length, or 0. */
static size_t get_key(struct loader *L, size_t obj, uint64_t *hash)
{
	struct tl_trends *tr = L->tr;
	const struct tl_jdoc *d = &L->d;
	long tk = tl_jdoc_get(d, obj, "kind"), tl = tl_jdoc_get(d, obj, "lang"), tt = tl_jdoc_get(d, obj, "term");
	if (tk < 0 || tl < 0 || tt < 0 || d->t[tk].type != TL_J_STRING || d->t[tl].type != TL_J_STRING ||
	    d->t[tt].type != TL_J_STRING) {
		lfail(L, "a term needs \"kind\", \"lang\" and \"term\"");
		return 0;
	}
	int kind = tl_term_kind_parse(d->s + d->t[tk].start + 1, d->t[tk].end - d->t[tk].start - 2);
	struct tl_buf lang, term;
	tl_buf_init(&lang, 16);
	tl_buf_init(&term, TL_TERM_MAX);
	size_t n = 0;
	if (kind < 0 || tl_jdoc_str(d, tl, &lang) < 0 || lang.len > 8 || tl_jdoc_str(d, tt, &term) < 0 ||
	    term.len == 0 || (lang.len && !tr->o.by_lang)) {
		lfail(L, "a bad term");
	} else {
		tr->key[n++] = (char)kind;
		if (tr->o.by_lang) {
			tr->key[n++] = (char)lang.len;
			memcpy(tr->key + n, lang.data, lang.len);
			n += lang.len;
		}
		memcpy(tr->key + n, term.data, term.len);
		n += term.len;
		*hash = tl_terms_hash((unsigned)kind, term.data, term.len);
		if (tr->o.by_lang) {
			*hash ^= tl_terms_hash(255, lang.data ? lang.data : "", lang.len) * 0x9E3779B97F4A7C15ULL;
			*hash ^= *hash >> 29;
		}
	}
	tl_buf_release(&lang);
	tl_buf_release(&term);
	return n;
}

static int load_header(struct loader *L, const char **note)
{
	struct tl_trends *tr = L->tr;
	const struct tl_trends_opts *o = &tr->o;
	int64_t v[10], x;
	static const char *const names[] = { "step_ms", "window_ms", "delay_ms", "history_ms", "bucket_ms",
					     "half_life_ms", "kinds", "capacity", "sketch_width", "tw_trends_state" };
	for (size_t i = 0; i < 10; i++)
		if (get_i64(L, 0, names[i], 0, INT64_C(1) << 50, &v[i]) < 0)
			return -1;
	if (v[9] != STATE_VERSION)
		return lfail(L, "a state of another version");
	bool by_lang, started;
	if (get_bool(L, 0, "by_lang", &by_lang) < 0 || get_bool(L, 0, "started", &started) < 0)
		return -1;
	L->full = v[0] == o->step_ms && v[1] == o->window_ms && v[2] == o->delay_ms && v[3] == o->history_ms &&
		  v[4] == o->bucket_ms && v[6] == (int64_t)o->kinds && by_lang == o->by_lang &&
		  v[8] == (int64_t)tr->cms.width && (size_t)v[7] <= o->capacity;
	if (by_lang != o->by_lang || v[6] != (int64_t)o->kinds)
		return lfail(L, "the state counts other terms (--kinds or --by-lang differ)");
	if (!L->full)
		*note = "the windows, trends and sketches were not kept (the step, window, delay, history or sketch "
			"width differ); the baselines were";
	if (!started)
		return 0;
	int64_t lim = INT64_C(1) << 52;
	if (get_i64(L, 0, "max_seen", -lim, lim, &tr->max_seen) < 0 ||
	    get_i64(L, 0, "first_ms", -lim, lim, &tr->first_ms) < 0 ||
	    get_i64(L, 0, "closed", -lim, lim, &tr->closed) < 0 || get_i64(L, 0, "hb", -lim, lim, &tr->hb) < 0 ||
	    get_i64(L, 0, "land_fast", -lim, lim, &tr->land_fast) < 0 ||
	    get_i64(L, 0, "land_slow", -lim, lim, &tr->land_slow) < 0 || get_i64(L, 0, "gwin", 0, lim, &x) < 0 ||
	    get_dbl(L, 0, "gbase", 0, 1e300, &tr->gbase) < 0 ||
	    get_dbl(L, 0, "fast_total", 0, 1e300, &tr->cms.total[0]) < 0 ||
	    get_dbl(L, 0, "slow_total", 0, 1e300, &tr->cms.total[1]) < 0)
		return -1;
	uint64_t stv[9];
	if (get_counts(L, 0, "stats", 9, NULL, 0, stv) < 0)
		return -1;
	struct tl_trends_stats *st = &tr->st;
	st->tweets = stv[0], st->late = stv[1], st->too_late = stv[2], st->future = stv[3], st->no_time = stv[4];
	st->windows = stv[5], st->starts = stv[6], st->updates = stv[7], st->ends = stv[8];
	if (L->full) {
		uint64_t sl[5];
		if (get_counts(L, 0, "since_line", 5, NULL, 0, sl) < 0)
			return -1;
		tr->l_late = sl[0], tr->l_too_late = sl[1], tr->l_future = sl[2], tr->l_no_time = sl[3];
		tr->l_tweets = sl[4];
		tr->gwin = (uint64_t)x;
		if (get_holt(L, 0, "gholt", &tr->gholt) < 0 ||
		    get_counts(L, 0, "gfine", (size_t)tr->Rf, NULL, 0, tr->gfine) < 0 ||
		    get_counts(L, 0, "ghist", (size_t)tr->Rh, NULL, 0, tr->ghist) < 0)
			return -1;
		if (tr->max_seen < tr->closed * tr->S - tr->S || tr->closed * tr->S > tr->max_seen + tr->S)
			return lfail(L, "an inconsistent clock");
		tr->started = true;
		tr->resumed = true;
	} else {
		tr->gwin = 0;
		st->windows = 0;
		tr->keep_landmarks = true;
	}
	return 0;
}

static int load_term(struct loader *L, uint32_t *heap_pos)
{
	struct tl_trends *tr = L->tr;
	uint64_t h = 0;
	size_t kl = get_key(L, 0, &h);
	if (!kl)
		return -1;
	if (tr->ss.n >= tr->ss.cap)
		return lfail(L, "more terms than the capacity");
	if (tl_ss_find(&tr->ss, h, tr->key, kl) >= 0)
		return lfail(L, "a term twice");
	double count, err, base, phi;
	int64_t heap, lim = INT64_C(1) << 52;
	if (get_dbl(L, 0, "count", 0, 1e300, &count) < 0 || get_dbl(L, 0, "err", 0, 1e300, &err) < 0 ||
	    get_i64(L, 0, "heap", -1, (int64_t)tr->ss.cap, &heap) < 0 || get_dbl(L, 0, "base", 0, 1e300, &base) < 0 ||
	    get_dbl(L, 0, "phi", 1, 100, &phi) < 0)
		return -1;
	long slot = tl_ss_insert(&tr->ss, h, tr->key, kl, L->full ? count : 0, L->full ? err : 0, NULL, NULL);
	struct term *m = &tr->t[slot];
	memset(m, 0, sizeof *m);
	m->base = base;
	m->phi = phi;
	m->fail_since = -1;
	tl_holt_init(&m->holt, tr->o.holt_alpha, tr->o.holt_beta, tr->o.holt_phi);
	heap_pos[slot] = (uint32_t)heap;
	if (!L->full) {
		m->since = -(INT64_C(1) << 50); /* its baseline is whole */
		heap_pos[slot] = UINT32_MAX - 1; /* rebuilt by insertion order */
		return 0;
	}
	int64_t win, blocks;
	mark_all(tr, (size_t)slot); /* its counts come from the file */
	bool active;
	if (get_dbl(L, 0, "sent_sum", -1e300, 1e300, &m->sent_sum) < 0 ||
	    get_dbl(L, 0, "sent_n", 0, 1e300, &m->sent_n) < 0 || get_dbl(L, 0, "score", 0, SCORE_MAX, &m->score) < 0 ||
	    get_dbl(L, 0, "mu", 0, 1e300, &m->mu) < 0 || get_i64(L, 0, "since", -lim, lim, &m->since) < 0 ||
	    get_i64(L, 0, "started", -lim, lim, &m->started) < 0 ||
	    get_i64(L, 0, "last_update", -lim, lim, &m->last_update) < 0 ||
	    get_i64(L, 0, "fail_since", -lim, lim, &m->fail_since) < 0 ||
	    get_i64(L, 0, "peak_ms", -lim, lim, &m->peak_ms) < 0 ||
	    get_dbl(L, 0, "peak_rate", 0, 1e300, &m->peak_rate) < 0 || get_holt(L, 0, "holt", &m->holt) < 0 ||
	    get_i64(L, 0, "win", 0, UINT32_MAX, &win) < 0 || get_i64(L, 0, "blocks", 0, UINT32_MAX, &blocks) < 0 ||
	    get_bool(L, 0, "active", &active) < 0 ||
	    get_counts(L, 0, "fine", (size_t)tr->Rf, &FINE(tr, 0, (size_t)slot), tr->cap, NULL) < 0 ||
	    get_counts(L, 0, "hist", (size_t)tr->Rh, &HIST(tr, 0, (size_t)slot), tr->cap, NULL) < 0)
		return -1;
	m->win = (uint32_t)win;
	m->blocks = (uint32_t)blocks;
	m->active = active;
	if (active != (heap < 0))
		return lfail(L, "a trending term must be pinned, and only it");
	if (active)
		tr->st.active++;
	return 0;
}

/* The heap as saved (positions checked to be a permutation that keeps the heap order), so that
 * ties are broken as they would have been. */
static int load_heap(struct loader *L, const uint32_t *pos)
{
	struct tl_ss *ss = &L->tr->ss;
	size_t nh = 0;
	for (size_t k = 0; k < ss->n; k++)
		nh += pos[k] != UINT32_MAX;
	if (!L->full)
		return 0; /* kept as the inserts built it */
	for (size_t i = 0; i < ss->n; i++)
		ss->heap[i].slot = UINT32_MAX;
	for (size_t k = 0; k < ss->n; k++) {
		if (pos[k] == UINT32_MAX) {
			ss->slot[k].heap = UINT32_MAX;
			continue;
		}
		if (pos[k] >= nh || ss->heap[pos[k]].slot != UINT32_MAX)
			return lfail(L, "a bad heap");
		ss->heap[pos[k]] = (struct tl_ss_heap){ ss->slot[k].count, (uint32_t)k };
		ss->slot[k].heap = pos[k];
	}
	ss->nheap = nh;
	for (size_t i = 1; i < nh; i++)
		if (ss->heap[(i - 1) / 2].count > ss->heap[i].count)
			return lfail(L, "a heap out of order");
	return 0;
}

static int load_sketch(struct loader *L)
{
	const struct tl_jdoc *d = &L->d;
	long nm = tl_jdoc_get(d, 0, "sketch"), cells = tl_jdoc_get(d, 0, "cells");
	int64_t row;
	if (nm < 0 || d->t[nm].type != TL_J_STRING || cells < 0 || d->t[cells].type != TL_J_ARRAY)
		return lfail(L, "a bad sketch line");
	bool fast = d->t[nm].end - d->t[nm].start == 6 && memcmp(d->s + d->t[nm].start, "\"fast\"", 6) == 0;
	bool slow = d->t[nm].end - d->t[nm].start == 6 && memcmp(d->s + d->t[nm].start, "\"slow\"", 6) == 0;
	struct tl_cms *c = &L->tr->cms;
	int lane = fast ? 0 : 1;
	if (!(fast || slow) || get_i64(L, 0, "row", 0, (int64_t)c->depth - 1, &row) < 0)
		return lfail(L, "a bad sketch line");
	if (!L->full && fast)
		return 0;
	for (size_t k = (size_t)cells + 1; k < d->t[cells].next;) {
		double i, v;
		size_t k2 = d->t[k].next;
		if (k2 >= d->t[cells].next || !tl_jdoc_num(d, (long)k, &i) || !tl_jdoc_num(d, (long)k2, &v) || i < 0 ||
		    i >= (double)c->width || i != floor(i) || v < 0 || v > 3e38)
			return lfail(L, "a bad sketch cell");
		c->cell[((size_t)row * c->width + (size_t)i) * TL_CMS_LANES + (size_t)lane] = (float)v;
		k = d->t[k2].next;
	}
	return 0;
}

static void reset_engine(struct tl_trends *tr)
{
	struct tl_trends_opts o = tr->o;
	tl_trends_emit_fn emit = tr->emit;
	void *ctx = tr->ctx;
	struct tl_trends *fresh = tl_trends_new(&o, emit, ctx);
	/* swap the contents so the caller's pointer stays valid */
	struct tl_trends tmp = *tr;
	*tr = *fresh;
	*fresh = tmp;
	tl_trends_free(fresh);
}

int tl_trends_load(struct tl_trends *tr, const char *text, size_t n, const char **note, char **err)
{
	struct loader L = { .tr = tr };
	*note = NULL;
	*err = NULL;
	uint32_t *heap_pos = xcalloc(tr->ss.cap, sizeof *heap_pos);
	int rc = 0;
	bool header = false, end = false;
	for (const char *p = text, *e = text + n; p < e && rc == 0;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
		L.lineno++;
		if (end) {
			rc = lfail(&L, "text after the end");
		} else if (tl_jdoc_parse(&L.d, p, len, NULL, NULL) < 0 || L.d.t[0].type != TL_J_OBJECT) {
			rc = lfail(&L, "not a JSON object");
		} else if (!header) {
			rc = load_header(&L, note);
			header = true;
		} else if (tl_jdoc_get(&L.d, 0, "end") >= 0) {
			end = true;
		} else if (tl_jdoc_get(&L.d, 0, "sketch") >= 0) {
			rc = load_sketch(&L);
		} else if (tl_jdoc_get(&L.d, 0, "ended") >= 0) {
			int64_t when;
			uint64_t h;
			size_t kl = get_key(&L, 0, &h);
			rc = !kl || get_i64(&L, 0, "ended", -(INT64_C(1) << 52), INT64_C(1) << 52, &when) < 0 ? -1 : 0;
			if (rc == 0 && L.full) {
				struct ended *ed = &tr->recent[tr->recent_at];
				ed->hash = h;
				ed->keylen = (uint8_t)kl;
				memcpy(ed->key, tr->key, kl);
				ed->ended = when;
				tr->recent_at = (tr->recent_at + 1) % RECENT_MAX;
				if (tr->nrecent < RECENT_MAX)
					tr->nrecent++;
			}
		} else {
			rc = load_term(&L, heap_pos);
		}
		p += len + (nl != NULL);
	}
	if (rc == 0 && !end)
		rc = lfail(&L, header ? "the state is cut short (no end line)" : "empty");
	if (rc == 0)
		rc = load_heap(&L, heap_pos);
	free(heap_pos);
	tl_jdoc_free(&L.d);
	if (rc < 0) {
		reset_engine(tr);
		*err = L.err ? L.err : xstrdup("a bad state");
		*note = NULL;
		return -1;
	}
	return 0;
}
