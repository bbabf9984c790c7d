/* tl_stat.h: the statistics of trend detection and forecasting: the upper tail of the Poisson
 * distribution, and Holt's linear exponential smoothing with a damped trend.
 *
 * Pure functions and small structs: nothing allocates, blocks or fails.
 */
#ifndef TL_STAT_H
#define TL_STAT_H

/* log10 of P(X >= k) for X ~ Poisson(lambda), for real k (the regularized lower incomplete
 * gamma function P(k, lambda), which is that tail for whole k and interpolates between, as a
 * quasi-Poisson test on scaled counts needs). 0 for k <= 0; -INFINITY when lambda <= 0 < k.
 * Exact (series and continued fraction, Numerical Recipes 6.2) up to k = 10^5, then the
 * Wilson-Hilferty normal approximation; accurate far into the tail (log10 below -300). */
double tl_poisson_sf_log10(double k, double lambda);

/* Holt's linear method with a damped trend (Gardner and McKenzie 1985), one observation a
 * step:
 *   level  l = alpha y + (1 - alpha)(l + phi b)
 *   trend  b = beta (l - l_prev) + (1 - beta) phi b
 *   forecast h steps ahead: l + (phi + phi^2 + ... + phi^h) b
 * phi = 1 is Holt's undamped method. The first observation sets the level, with no trend. */
struct tl_holt {
	double alpha, beta, phi;
	double level, trend;
	long n; /* observations seen */
};

void tl_holt_init(struct tl_holt *h, double alpha, double beta, double phi);
void tl_holt_update(struct tl_holt *h, double y);
/* The forecast h >= 0 steps ahead (the last observation's smoothed level for h = 0); 0 before
 * any observation. */
double tl_holt_forecast(const struct tl_holt *h, double steps);

#endif
