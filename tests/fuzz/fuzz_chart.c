/* libFuzzer target for what draws a result and reads the prompt (outside input: the rows of a
 * result, labels and numbers alike; the text a person types).
 * The input: a first byte choosing the kind, width and height, then lines "x<TAB>v1<TAB>v2...",
 * the first line naming the x column and the series.
 * Properties checked: no crash or leak;
 *  - tl_chart_text: every line within the width asked for (at least 24; a bar's value may
 *    pass it by its own length, 16 at most), and no control byte but the line ends;
 *  - tl_chart_svg: no control byte but the line ends, and no raw '<' inside text content;
 *  - tl_prompt_sql_end: the complete part ends in ';' and the splitter reads it as ending there. */
#include "tl_buf.h"
#include "tl_chart.h"
#include "tl_num.h"
#include "tl_prompt.h"
#include "tl_sql.h"
#include "tl_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_no_controls(const struct tl_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 && b->data[i] != '\n' && b->data[i] != '\033')
			abort();
}

static void check_text(const struct tl_buf *b, int width)
{
	check_no_controls(b);
	for (const char *line = b->data, *nl; line && (nl = strchr(line, '\n')); line = nl + 1)
		if (tl_text_width(line, (size_t)(nl - line)) > (size_t)(width < 24 ? 24 : width) + 16)
			abort();
}

static void check_svg(const struct tl_buf *b)
{
	check_no_controls(b);
	/* between '>' and '<' there is only text, which must hold no '<' or '&' unescaped */
	for (const char *p = b->data; p && *p; p++)
		if (*p == '&' && strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) &&
		    strncmp(p, "&gt;", 4) && strncmp(p, "&quot;", 6) && strncmp(p, "&apos;", 6))
			abort();
}

static void check_sql_end(const char *s, size_t n)
{
	size_t end = tl_prompt_sql_end(s, n);
	if (end > n || (end && s[end - 1] != ';'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	size_t len = strlen(text);
	check_sql_end(text, len);

	enum tl_chart_kind kind = data[0] & 1 ? TL_CHART_LINE : TL_CHART_BAR;
	int width = 10 + (data[0] >> 1) % 120, height = 1 + (data[0] >> 4);
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	const char *names[8];
	size_t ns = 0;
	char *head = line ? line : (char *)"x";
	char *hsave = NULL, *xname = strtok_r(head, "\t", &hsave), *f;
	while (ns < 8 && (f = strtok_r(NULL, "\t", &hsave)))
		names[ns++] = f;
	if (!ns)
		names[ns++] = "n";
	struct tl_chart *c = tl_chart_new(kind, xname ? xname : "", ns, names);
	for (int rows = 0; rows < 400 && (line = strtok_r(NULL, "\n", &save)); rows++) {
		double v[8] = { 0 };
		bool has[8] = { false };
		char *fsave = NULL, *x = strtok_r(line, "\t", &fsave);
		for (size_t k = 0; k < ns && (f = strtok_r(NULL, "\t", &fsave)); k++)
			has[k] = tl_parse_double(f, &v[k]) == 0;
		tl_chart_add(c, x && strcmp(x, "NULL") ? x : NULL, v, has);
	}
	struct tl_chart_style st = { width, height, (data[0] & 2) != 0 };
	struct tl_buf b;
	tl_buf_init(&b, (size_t)64 << 20);
	if (tl_chart_text(c, &st, &b) == 0 && !st.color)
		check_text(&b, width);
	tl_buf_reset(&b);
	if (tl_chart_svg(c, 0, 0, &b) == 0)
		check_svg(&b);
	tl_buf_release(&b);
	tl_chart_free(c);
	free(text);
	return 0;
}
