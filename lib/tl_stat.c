#include "tl_stat.h"

#include <math.h>

#define LOG10E 0.43429448190325182765

/* log of the upper normal tail beyond z's negative: log P(Z <= z). */
static double log_phi(double z)
{
	if (z > -30)
		return log(0.5 * erfc(-z / M_SQRT2));
	/* Mills' ratio: P(Z <= z) ~ phi(z) / -z (1 - 1/z^2 + 3/z^4) */
	double z2 = z * z;
	return -0.5 * z2 - log(-z) - 0.5 * log(2 * M_PI) + log1p(-1 / z2 + 3 / (z2 * z2));
}

double tl_poisson_sf_log10(double k, double lambda)
{
	if (k <= 0)
		return 0;
	if (lambda <= 0)
		return -INFINITY;
	double a = k, x = lambda;
	if (a > 1e5) {
		/* P(Poisson(x) >= a) = P(Gamma(a, 1) <= x); Wilson-Hilferty */
		double v = 1.0 / (9 * a);
		double z = (cbrt(x / a) - (1 - v)) / sqrt(v);
		return log_phi(z) * LOG10E;
	}
	double lead = -x + a * log(x) - lgamma(a);
	if (x < a + 1) {
		/* series for the lower regularized gamma P(a, x) */
		double ap = a, del = 1 / a, sum = del;
		for (int i = 0; i < 100000; i++) {
			ap += 1;
			del *= x / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * 1e-15)
				break;
		}
		return (lead + log(sum)) * LOG10E;
	}
	/* continued fraction for Q(a, x) = 1 - P(a, x) (modified Lentz) */
	const double tiny = 1e-300;
	double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
	for (int i = 1; i < 100000; i++) {
		double an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	double q = exp(lead) * h;
	if (q >= 1)
		return 0; /* rounding: here lambda > k, so P is large anyway */
	return log1p(-q) * LOG10E;
}

void tl_holt_init(struct tl_holt *h, double alpha, double beta, double phi)
{
	h->alpha = alpha;
	h->beta = beta;
	h->phi = phi;
	h->level = h->trend = 0;
	h->n = 0;
}

void tl_holt_update(struct tl_holt *h, double y)
{
	if (h->n++ == 0) {
		h->level = y;
		h->trend = 0;
		return;
	}
	double prev = h->level;
	h->level = h->alpha * y + (1 - h->alpha) * (prev + h->phi * h->trend);
	h->trend = h->beta * (h->level - prev) + (1 - h->beta) * h->phi * h->trend;
}

double tl_holt_forecast(const struct tl_holt *h, double steps)
{
	if (!h->n)
		return 0;
	double damp;
	if (h->phi >= 1)
		damp = steps;
	else
		damp = h->phi * (1 - pow(h->phi, steps)) / (1 - h->phi);
	return h->level + damp * h->trend;
}
