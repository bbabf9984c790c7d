/* tl_trendview.h: what tw-trends shows people: a text screen for a terminal and an SVG picture,
 * both drawn from a snapshot of the engine (tl_trends_snapshot).
 *
 * The screen: a header (time, volume now and forecast, trends), the volume of the last minutes
 * as a bar chart (with the forecast after it), the trending terms with their rate, ratio to the
 * baseline, score, a sparkline of their history, their direction and their mean sentiment when
 * the input carries one, the top terms, and the counts of late and dropped tweets. It fits any
 * size from 40x12 (80x24 is the reference); wide characters are measured with wcwidth(3).
 *
 * The picture: a self-contained SVG document (no script, no external font or image) with the
 * volume chart and its forecast, the curves of the trending terms with the moment each trend
 * was detected, and a legend.
 */
#ifndef TL_TRENDVIEW_H
#define TL_TRENDVIEW_H
#include "tl_buf.h"
#include "tl_trends.h"

enum {
	TL_VIEW_UTF8 = 1,  /* block and arrow characters (else ASCII only) */
	TL_VIEW_COLOR = 2, /* SGR colour sequences (else none: plain text) */
	TL_VIEW_ENDED = 4, /* the input has ended (said in the header) */
};

/* Appends a screen of at most rows lines of at most cols columns, lines ending with "\n".
 * Without TL_VIEW_COLOR the text holds no escape sequence. */
void tl_trendview_text(const struct tl_trends_snap *s, int rows, int cols, unsigned flags, struct tl_buf *out);
/* Appends an SVG document (960x540 user units). */
void tl_trendview_svg(const struct tl_trends_snap *s, struct tl_buf *out);

#endif
