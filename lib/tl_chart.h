/* tl_chart.h: a chart of a table of numbers, drawn on a terminal with Unicode block and braille
 * characters, or as a self-contained SVG picture.
 *
 * The data is a result table: each point has an x (the text of its first column) and one value
 * per series (the numeric columns), any of which may be missing (SQL NULL).
 *
 *   bar   one horizontal bar per point and series, labelled with x, in order. On a terminal a
 *         bar's end is drawn to an eighth of a character cell (U+2589..U+258F).
 *   line  the points of each series joined in order along an x axis that is numeric when every
 *         x is a number, time when every x is a date or timestamp (RFC 3339, or Athena's
 *         "2026-11-25 03:04:05.000", read as UTC), and otherwise the points evenly spaced in
 *         order. On a terminal each character cell holds 2x4 braille dots (U+2800..U+28FF).
 *         A missing value breaks its series' line.
 *
 * Value scales start at zero when no value is negative (bars always include zero), end on a
 * round number, and are ticked at round steps (1, 2 or 5 times a power of ten; minutes, hours and
 * days on a time axis). There is a title ("tweets by minute"), axis labels, and a legend when
 * there are several series. Text from the data (labels, names) is shown with control characters
 * and invalid UTF-8 escaped (\n, \xHH: tl_buf_add_printable) on a terminal and in SVG alike, so
 * neither a terminal nor an XML reader ever sees them raw. Widths are in terminal columns.
 */
#ifndef TL_CHART_H
#define TL_CHART_H
#include "tl_buf.h"

#include <stdbool.h>
#include <stddef.h>

enum tl_chart_kind {
	TL_CHART_BAR,
	TL_CHART_LINE,
};

/* "bar" or "line" to a kind: 0, or -1 if unknown. */
int tl_chart_kind_parse(const char *s, enum tl_chart_kind *out);

struct tl_chart;

/* A chart with nseries series called names[i], of points whose x is a value of the column
 * xname. The strings are copied. Exits on allocation failure (never NULL). */
struct tl_chart *tl_chart_new(enum tl_chart_kind kind, const char *xname, size_t nseries,
			      const char *const *names);

/* Adds a point: its x as text (NULL for SQL NULL, shown as "NULL") and nseries values, where
 * has[i] false (or a value that is not finite, or beyond +-1e300) means the value is missing.
 * Copied. */
void tl_chart_add(struct tl_chart *c, const char *x, const double *v, const bool *has);

/* Points added so far. */
size_t tl_chart_points(const struct tl_chart *c);

struct tl_chart_style {
	int width;   /* terminal columns the chart may take (0: 80); at least 24 are used, and
		      * a little more beside bars when the values are long and the width small */
	int height;  /* line charts: rows of the plot (0: 12); bar charts grow with the points */
	bool color;  /* SGR colours per series (a terminal that shows them) */
};

/* Draws c as text into out, lines ending in "\n". Returns 0, or -1 when out's cap is reached
 * (errno E2BIG). A chart without points, or whose values are all missing, draws its title and
 * "(no values to draw)". Never blocks. */
int tl_chart_text(const struct tl_chart *c, const struct tl_chart_style *st, struct tl_buf *out);

/* Draws c as one SVG document (UTF-8, no external references: inline styles, generic font
 * families) of width x height pixels (0: 960 wide; bar charts as tall as their bars need, line
 * charts 480) into out. Bars and points carry a <title> with their exact value for viewers that
 * show tooltips. Returns 0, or -1 when out's cap is reached. */
int tl_chart_svg(const struct tl_chart *c, int width, int height, struct tl_buf *out);

void tl_chart_free(struct tl_chart *c);

#endif
