/* tl_table.c: result sets out as table, CSV, TSV or NDJSON (see tl_table.h). */
#include "tl_table.h"

#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_json.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct tl_table {
	struct tl_out *out;
	struct tl_table_opts opts;
	size_t ncols;
	char **names;
	char **keys;            /* ndjson: "name": already encoded */
	enum tl_col_kind *kinds;
	uint64_t rows;
	int sets;               /* result sets begun */
	bool open;
	struct tl_buf line;     /* one output line */
	struct tl_buf cell;     /* scratch for one cell */
	/* table format */
	size_t *widths;
	char ***win;            /* window rows: ncols display strings, NULL for SQL NULL */
	size_t nwin, capwin, winbytes;
	bool windowing;         /* still measuring */
};

/* --- column kinds --------------------------------------------------------------------------- */

static bool prefix_is(const char *s, const char *p)
{
	size_t n = strlen(p);
	if (strncasecmp(s, p, n) != 0)
		return false;
	return s[n] == '\0' || s[n] == '(' || s[n] == ' ';
}

enum tl_col_kind tl_col_kind_of(const char *type)
{
	static const char *const ints[] = { "tinyint", "smallint", "integer", "int", "bigint",
					     "int2", "int4", "int8", "mediumint", "long" };
	static const char *const floats[] = { "double", "real", "float", "double precision" };
	size_t i;
	if (!type)
		return TL_COL_STRING;
	while (*type == ' ')
		type++;
	for (i = 0; i < sizeof ints / sizeof ints[0]; i++)
		if (prefix_is(type, ints[i]))
			return TL_COL_INT;
	for (i = 0; i < sizeof floats / sizeof floats[0]; i++)
		if (prefix_is(type, floats[i]))
			return TL_COL_FLOAT;
	if (prefix_is(type, "decimal") || prefix_is(type, "numeric"))
		return TL_COL_DECIMAL;
	if (prefix_is(type, "boolean") || prefix_is(type, "bool"))
		return TL_COL_BOOL;
	if (prefix_is(type, "json"))
		return TL_COL_JSON;
	return TL_COL_STRING;
}

int tl_table_format_parse(const char *s, enum tl_table_format *out)
{
	if (!strcmp(s, "table"))
		*out = TL_TABLE_TABLE;
	else if (!strcmp(s, "csv"))
		*out = TL_TABLE_CSV;
	else if (!strcmp(s, "tsv"))
		*out = TL_TABLE_TSV;
	else if (!strcmp(s, "ndjson") || !strcmp(s, "json") || !strcmp(s, "jsonl"))
		*out = TL_TABLE_NDJSON;
	else
		return -1;
	return 0;
}

/* --- display width ---------------------------------------------------------------------------- */

struct range {
	unsigned lo, hi;
};

static bool in_ranges(unsigned c, const struct range *r, size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c < r[mid].lo)
			hi = mid;
		else if (c > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Zero-width: combining marks and format characters (the common blocks, not all of Unicode). */
static const struct range zero_w[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x05BF, 0x05BF },
	{ 0x05C1, 0x05C2 }, { 0x05C4, 0x05C5 }, { 0x05C7, 0x05C7 }, { 0x0610, 0x061A },
	{ 0x064B, 0x065F }, { 0x0670, 0x0670 }, { 0x06D6, 0x06DC }, { 0x06DF, 0x06E4 },
	{ 0x06E7, 0x06E8 }, { 0x06EA, 0x06ED }, { 0x0900, 0x0902 }, { 0x093A, 0x093A },
	{ 0x093C, 0x093C }, { 0x0941, 0x0948 }, { 0x094D, 0x094D }, { 0x0951, 0x0957 },
	{ 0x0962, 0x0963 }, { 0x0E31, 0x0E31 }, { 0x0E34, 0x0E3A }, { 0x0E47, 0x0E4E },
	{ 0x1160, 0x11FF }, { 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF }, { 0x200B, 0x200F },
	{ 0x202A, 0x202E }, { 0x2060, 0x2064 }, { 0x20D0, 0x20FF }, { 0xFE00, 0xFE0F },
	{ 0xFE20, 0xFE2F }, { 0xFEFF, 0xFEFF }, { 0x1F3FB, 0x1F3FF }, { 0xE0000, 0xE0FFF },
};

/* Two columns: East Asian wide and fullwidth, and emoji. */
static const struct range wide[] = {
	{ 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC },
	{ 0x23F0, 0x23F0 }, { 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x267F, 0x267F }, { 0x2693, 0x2693 }, { 0x26A1, 0x26A1 },
	{ 0x26AA, 0x26AB }, { 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 }, { 0x26CE, 0x26CE },
	{ 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 }, { 0x26F5, 0x26F5 },
	{ 0x26FA, 0x26FA }, { 0x26FD, 0x26FD }, { 0x2705, 0x2705 }, { 0x270A, 0x270B },
	{ 0x2728, 0x2728 }, { 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27B0, 0x27B0 }, { 0x27BF, 0x27BF },
	{ 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 }, { 0x2B55, 0x2B55 }, { 0x2E80, 0x303E },
	{ 0x3041, 0x33FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF },
	{ 0xA960, 0xA97F }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE10, 0xFE19 },
	{ 0xFE30, 0xFE6F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x16FE0, 0x16FE4 },
	{ 0x17000, 0x18CFF }, { 0x1B000, 0x1B2FF }, { 0x1F004, 0x1F004 }, { 0x1F0CF, 0x1F0CF },
	{ 0x1F18E, 0x1F18E }, { 0x1F191, 0x1F19A }, { 0x1F200, 0x1F202 }, { 0x1F210, 0x1F23B },
	{ 0x1F240, 0x1F248 }, { 0x1F250, 0x1F251 }, { 0x1F260, 0x1F265 }, { 0x1F300, 0x1F320 },
	{ 0x1F32D, 0x1F335 }, { 0x1F337, 0x1F37C }, { 0x1F37E, 0x1F393 }, { 0x1F3A0, 0x1F3CA },
	{ 0x1F3CF, 0x1F3D3 }, { 0x1F3E0, 0x1F3F0 }, { 0x1F3F4, 0x1F3F4 }, { 0x1F3F8, 0x1F3FA },
	{ 0x1F400, 0x1F43E }, { 0x1F440, 0x1F440 }, { 0x1F442, 0x1F4FC }, { 0x1F4FF, 0x1F53D },
	{ 0x1F54B, 0x1F54E }, { 0x1F550, 0x1F567 }, { 0x1F57A, 0x1F57A }, { 0x1F595, 0x1F596 },
	{ 0x1F5A4, 0x1F5A4 }, { 0x1F5FB, 0x1F64F }, { 0x1F680, 0x1F6C5 }, { 0x1F6CC, 0x1F6CC },
	{ 0x1F6D0, 0x1F6D2 }, { 0x1F6D5, 0x1F6D7 }, { 0x1F6DC, 0x1F6DF }, { 0x1F6EB, 0x1F6EC },
	{ 0x1F6F4, 0x1F6FC }, { 0x1F7E0, 0x1F7EB }, { 0x1F7F0, 0x1F7F0 }, { 0x1F90C, 0x1F93A },
	{ 0x1F93C, 0x1F945 }, { 0x1F947, 0x1F9FF }, { 0x1FA70, 0x1FAFF }, { 0x20000, 0x2FFFD },
	{ 0x30000, 0x3FFFD },
};

/* Decodes one UTF-8 sequence at s (n > 0 bytes left): its length, or 0 when invalid. */
static size_t utf8_dec(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

static int cp_width(unsigned c)
{
	if (c < 0x20 || (c >= 0x7F && c < 0xA0))
		return 0;
	if (c < 0x300)
		return 1;
	if (in_ranges(c, zero_w, sizeof zero_w / sizeof zero_w[0]))
		return 0;
	if (in_ranges(c, wide, sizeof wide / sizeof wide[0]))
		return 2;
	return 1;
}

size_t tl_text_width(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, w = 0;
	while (i < n) {
		unsigned cp;
		size_t l;
		if (p[i] < 0x80) {
			w += (p[i] >= 0x20 && p[i] != 0x7F);
			i++;
			continue;
		}
		l = utf8_dec(p + i, n - i, &cp);
		if (!l) {
			w++;
			i++;
			continue;
		}
		w += (size_t)cp_width(cp);
		i += l;
	}
	return w;
}

/* --- set-up ----------------------------------------------------------------------------------- */

struct tl_table *tl_table_new(struct tl_out *out, const struct tl_table_opts *opts)
{
	struct tl_table *t = xcalloc(1, sizeof *t);
	t->out = out;
	t->opts = *opts;
	if (!t->opts.null_text)
		t->opts.null_text = "NULL";
	if (!t->opts.window_rows)
		t->opts.window_rows = 1000;
	if (!t->opts.window_bytes)
		t->opts.window_bytes = (size_t)8 << 20;
	tl_buf_init(&t->line, 0);
	tl_buf_init(&t->cell, 0);
	return t;
}

static void free_window_row(struct tl_table *t, char **r)
{
	size_t i;
	for (i = 0; i < t->ncols; i++)
		free(r[i]);
	free(r);
}

static void clear_set(struct tl_table *t)
{
	size_t i;
	for (i = 0; i < t->nwin; i++)
		free_window_row(t, t->win[i]);
	t->nwin = 0;
	t->winbytes = 0;
	for (i = 0; i < t->ncols; i++) {
		free(t->names[i]);
		free(t->keys[i]);
	}
	free(t->names);
	free(t->keys);
	free(t->kinds);
	free(t->widths);
	t->names = t->keys = NULL;
	t->kinds = NULL;
	t->widths = NULL;
	t->ncols = 0;
}

void tl_table_free(struct tl_table *t)
{
	if (!t)
		return;
	clear_set(t);
	free(t->win);
	tl_buf_release(&t->line);
	tl_buf_release(&t->cell);
	free(t);
}

uint64_t tl_table_rows(const struct tl_table *t)
{
	return t->rows;
}

/* Appends s as JSON string text, replacing invalid UTF-8 with U+FFFD so the line stays JSON. */
static int add_json_text(struct tl_buf *b, const char *s, size_t n)
{
	struct tl_buf fixed;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int r;
	if (tl_utf8_valid(s, n, NULL))
		return tl_buf_add_json_str(b, s, n);
	tl_buf_init(&fixed, 0);
	while (i < n) {
		unsigned cp;
		size_t l = p[i] < 0x80 ? 1 : utf8_dec(p + i, n - i, &cp);
		if (l) {
			tl_buf_add(&fixed, s + i, l);
			i += l;
		} else {
			tl_buf_add(&fixed, "\xEF\xBF\xBD", 3);
			i++;
		}
	}
	r = tl_buf_add_json_str(b, fixed.data ? fixed.data : "", fixed.len);
	tl_buf_release(&fixed);
	return r;
}

static int emit_line(struct tl_table *t)
{
	int r = tl_out_record(t->out, t->line.data ? t->line.data : "", t->line.len);
	tl_buf_reset(&t->line);
	return r;
}

static bool csv_needs_quotes(const char *s, size_t n, char delim)
{
	size_t i;
	if (n == 0)
		return true;
	for (i = 0; i < n; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			return true;
	return false;
}

static void add_csv(struct tl_buf *b, const char *s, size_t n)
{
	const char *q;
	if (!csv_needs_quotes(s, n, ',')) {
		tl_buf_add(b, s, n);
		return;
	}
	tl_buf_addc(b, '"');
	while ((q = memchr(s, '"', n))) {
		size_t k = (size_t)(q - s) + 1;
		tl_buf_add(b, s, k);
		tl_buf_addc(b, '"');
		s += k;
		n -= k;
	}
	tl_buf_add(b, s, n);
	tl_buf_addc(b, '"');
}

static void add_tsv(struct tl_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	for (i = 0; i < n; i++) {
		const char *e;
		switch (s[i]) {
		case '\t': e = "\\t"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\\': e = "\\\\"; break;
		default: continue;
		}
		tl_buf_add(b, s + run, i - run);
		tl_buf_add(b, e, 2);
		run = i + 1;
	}
	tl_buf_add(b, s + run, n - run);
}

/* Text for a table cell: control characters and invalid UTF-8 escaped. Caller frees. */
static char *display_text(struct tl_buf *scratch, const char *s, size_t n)
{
	tl_buf_reset(scratch);
	tl_buf_add_printable(scratch, s, n);
	return xstrndup(scratch->data ? scratch->data : "", scratch->len);
}

int tl_table_begin(struct tl_table *t, size_t ncols, const char *const *names,
		   const char *const *types)
{
	size_t i, j;
	if (t->open)
		tl_table_end(t);
	clear_set(t);
	t->ncols = ncols;
	t->names = xcalloc(ncols ? ncols : 1, sizeof *t->names);
	t->keys = xcalloc(ncols ? ncols : 1, sizeof *t->keys);
	t->kinds = xcalloc(ncols ? ncols : 1, sizeof *t->kinds);
	t->widths = xcalloc(ncols ? ncols : 1, sizeof *t->widths);
	for (i = 0; i < ncols; i++) {
		const char *nm = names[i] ? names[i] : "";
		/* the table is for people: a name from a server shows its control characters escaped */
		t->names[i] = t->opts.format == TL_TABLE_TABLE ? display_text(&t->cell, nm, strlen(nm))
							       : xstrdup(nm);
		t->kinds[i] = tl_col_kind_of(types ? types[i] : NULL);
	}
	/* ndjson keys: unique, so no value hides another */
	for (i = 0; i < ncols; i++) {
		char *key = xstrdup(t->names[i]);
		int n = 1;
		for (;;) {
			bool dup = false;
			for (j = 0; j < i && !dup; j++)
				dup = t->keys[j] && strcmp(t->keys[j], key) == 0;
			if (!dup)
				break;
			free(key);
			key = xasprintf("%s_%d", t->names[i], ++n);
		}
		t->keys[i] = key;
	}
	for (i = 0; i < ncols; i++) {
		tl_buf_reset(&t->cell);
		add_json_text(&t->cell, t->keys[i], strlen(t->keys[i]));
		tl_buf_addc(&t->cell, ':');
		free(t->keys[i]);
		t->keys[i] = xstrndup(t->cell.data, t->cell.len);
	}
	t->rows = 0;
	t->open = true;
	t->sets++;

	switch (t->opts.format) {
	case TL_TABLE_TABLE:
		t->windowing = true;
		for (i = 0; i < ncols && !t->opts.no_header; i++)
			t->widths[i] = tl_text_width(t->names[i], strlen(t->names[i]));
		return 0;
	case TL_TABLE_CSV:
	case TL_TABLE_TSV:
		if (t->opts.no_header)
			return 0;
		for (i = 0; i < ncols; i++) {
			if (i)
				tl_buf_addc(&t->line, t->opts.format == TL_TABLE_CSV ? ',' : '\t');
			if (t->opts.format == TL_TABLE_CSV)
				add_csv(&t->line, t->names[i], strlen(t->names[i]));
			else
				add_tsv(&t->line, t->names[i], strlen(t->names[i]));
		}
		return emit_line(t);
	case TL_TABLE_NDJSON:
		return 0;
	}
	return 0;
}

static bool json_number(const char *s, size_t n, bool int_only)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i == n)
		return false;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return false;
	}
	if (i < n && s[i] == '.') {
		if (int_only)
			return false;
		i++;
		if (i == n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (int_only)
			return false;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

static void add_json_value(struct tl_table *t, enum tl_col_kind k, const char *s, size_t n)
{
	switch (k) {
	case TL_COL_INT:
	case TL_COL_FLOAT:
	case TL_COL_DECIMAL:
		if (json_number(s, n, k == TL_COL_INT)) {
			tl_buf_add(&t->line, s, n);
			return;
		}
		break;
	case TL_COL_BOOL:
		if (n == 4 && !strncasecmp(s, "true", 4)) {
			tl_buf_adds(&t->line, "true");
			return;
		}
		if (n == 5 && !strncasecmp(s, "false", 5)) {
			tl_buf_adds(&t->line, "false");
			return;
		}
		break;
	case TL_COL_JSON:
		if (tl_json_validate(s, n, NULL, NULL) == 0) {
			if (!memchr(s, '\n', n) && !memchr(s, '\r', n)) {
				tl_buf_add(&t->line, s, n);
			} else {
				cJSON *v = tl_json_parse(s, n, NULL);
				char *txt = v ? tl_json_print(v) : NULL;
				if (txt)
					tl_buf_adds(&t->line, txt);
				free(txt);
				cJSON_Delete(v);
				if (!txt)
					break;
			}
			return;
		}
		break;
	case TL_COL_STRING:
		break;
	}
	add_json_text(&t->line, s, n);
}

static bool right_aligned(enum tl_col_kind k)
{
	return k == TL_COL_INT || k == TL_COL_FLOAT || k == TL_COL_DECIMAL;
}

static void pad(struct tl_buf *b, size_t n)
{
	static const char sp[] = "                                ";
	while (n > 0) {
		size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
		tl_buf_add(b, sp, k);
		n -= k;
	}
}

/* One table line from display strings (NULL: SQL NULL). */
static int table_line(struct tl_table *t, char *const *cells)
{
	size_t i;
	for (i = 0; i < t->ncols; i++) {
		const char *s = cells[i] ? cells[i] : t->opts.null_text;
		size_t n = strlen(s), w = tl_text_width(s, n);
		size_t fill = w < t->widths[i] ? t->widths[i] - w : 0;
		bool last = i + 1 == t->ncols;
		tl_buf_adds(&t->line, i ? " | " : " ");
		if (right_aligned(t->kinds[i]))
			pad(&t->line, fill);
		tl_buf_add(&t->line, s, n);
		if (!right_aligned(t->kinds[i]) && !last)
			pad(&t->line, fill);
	}
	return emit_line(t);
}

static int table_header(struct tl_table *t)
{
	size_t i, j;
	if (t->sets > 1 && tl_out_record(t->out, "", 0) < 0)
		return -1;
	if (t->opts.no_header)
		return 0;
	for (i = 0; i < t->ncols; i++) {
		size_t n = strlen(t->names[i]), w = tl_text_width(t->names[i], n);
		size_t fill = w < t->widths[i] ? t->widths[i] - w : 0;
		/* names centred, as psql does */
		tl_buf_adds(&t->line, i ? " | " : " ");
		pad(&t->line, fill / 2);
		tl_buf_add(&t->line, t->names[i], n);
		if (i + 1 < t->ncols)
			pad(&t->line, fill - fill / 2);
	}
	if (emit_line(t) < 0)
		return -1;
	for (i = 0; i < t->ncols; i++) {
		if (i)
			tl_buf_addc(&t->line, '+');
		for (j = 0; j < t->widths[i] + 2; j++)
			tl_buf_addc(&t->line, '-');
	}
	return emit_line(t);
}

static int flush_window(struct tl_table *t)
{
	size_t i;
	int r = table_header(t);
	for (i = 0; i < t->nwin; i++) {
		if (r == 0)
			r = table_line(t, t->win[i]);
		free_window_row(t, t->win[i]);
	}
	t->nwin = 0;
	t->winbytes = 0;
	t->windowing = false;
	return r;
}

int tl_table_row(struct tl_table *t, const char *const *vals, const size_t *lens)
{
	size_t i;
	char **cells;
	t->rows++;
	switch (t->opts.format) {
	case TL_TABLE_CSV:
	case TL_TABLE_TSV:
		for (i = 0; i < t->ncols; i++) {
			if (i)
				tl_buf_addc(&t->line, t->opts.format == TL_TABLE_CSV ? ',' : '\t');
			if (!vals[i]) {
				if (t->opts.format == TL_TABLE_TSV)
					tl_buf_add(&t->line, "\\N", 2);
				continue;
			}
			if (t->opts.format == TL_TABLE_CSV)
				add_csv(&t->line, vals[i], lens ? lens[i] : strlen(vals[i]));
			else
				add_tsv(&t->line, vals[i], lens ? lens[i] : strlen(vals[i]));
		}
		return emit_line(t);
	case TL_TABLE_NDJSON:
		tl_buf_addc(&t->line, '{');
		for (i = 0; i < t->ncols; i++) {
			if (i)
				tl_buf_addc(&t->line, ',');
			tl_buf_adds(&t->line, t->keys[i]);
			if (!vals[i])
				tl_buf_add(&t->line, "null", 4);
			else
				add_json_value(t, t->kinds[i], vals[i],
					       lens ? lens[i] : strlen(vals[i]));
		}
		tl_buf_addc(&t->line, '}');
		return emit_line(t);
	case TL_TABLE_TABLE:
		break;
	}

	cells = xcalloc(t->ncols ? t->ncols : 1, sizeof *cells);
	for (i = 0; i < t->ncols; i++) {
		if (vals[i]) {
			cells[i] = display_text(&t->cell, vals[i], lens ? lens[i] : strlen(vals[i]));
			t->winbytes += t->cell.len;
		}
		if (t->windowing) {
			const char *s = cells[i] ? cells[i] : t->opts.null_text;
			size_t w = tl_text_width(s, strlen(s));
			if (w > t->widths[i])
				t->widths[i] = w;
		}
	}
	if (!t->windowing) {
		int r = table_line(t, cells);
		free_window_row(t, cells);
		return r;
	}
	if (t->nwin == t->capwin) {
		t->capwin = t->capwin ? 2 * t->capwin : 64;
		t->win = xrealloc(t->win, t->capwin * sizeof *t->win);
	}
	t->win[t->nwin++] = cells;
	if (t->nwin >= t->opts.window_rows || t->winbytes >= t->opts.window_bytes)
		return flush_window(t);
	return 0;
}

int tl_table_end(struct tl_table *t)
{
	int r = 0;
	if (!t->open)
		return 0;
	t->open = false;
	if (t->opts.format == TL_TABLE_TABLE && t->windowing)
		r = flush_window(t);
	return r < 0 || t->out->broken ? -1 : 0;
}
