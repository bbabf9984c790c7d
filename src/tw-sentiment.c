/* tw-sentiment: a pipe filter that adds a VADER sentiment score to every tweet.
 *
 * Reads tweets, one JSON object a line (tw-stream's merged tweets, raw API lines, v1.1 tweets),
 * and writes each line back with one member added to the tweet object:
 *   "sentiment":{"compound":C,"pos":P,"neu":U,"neg":N}
 * or "sentiment":null when the tweet's language has no lexicon. Every other byte of the line is
 * kept; a tweet that already has a "sentiment" member gets its value replaced, so a second pass
 * changes nothing. Lines that are not tweets pass through unchanged; lines that are not JSON
 * pass through too, and are reported and make the exit status 1.
 */
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_cli.h"
#include "tl_io.h"
#include "tl_jdoc.h"
#include "tl_jscan.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_sig.h"
#include "tl_time.h"
#include "tl_vader.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char USAGE[] =
	"usage: tw-sentiment [-qv] [--lang LIST] [--lexicon FILE] [--emoji-lexicon FILE]\n"
	"                    [--strict] [file ...]\n"
	"\n"
	"Adds \"sentiment\":{\"compound\",\"pos\",\"neu\",\"neg\"} (VADER) to every tweet on stdin (or in\n"
	"the files), one JSON object a line, or \"sentiment\":null when the tweet's language is not\n"
	"scored. Every other byte of each line is kept; lines that are not tweets pass through.\n"
	"\n"
	"  --lang LIST            languages scored: tweet lang values, comma-separated; en also\n"
	"                         takes en-gb etc.; * scores every tweet, lang or not (default: en)\n"
	"  --lexicon FILE         score with this lexicon (WORD<TAB>VALENCE lines, as\n"
	"                         vader_lexicon.txt) instead of the built-in English one\n"
	"  --emoji-lexicon FILE   emoji descriptions (EMOJI<TAB>DESCRIPTION lines) instead of the\n"
	"                         built-in ones\n"
	"  --strict               stop at the first line that is not JSON\n";

/* Lines not reported one by one past this many (they are still counted). */
#define REPORT_MAX 100

struct app {
	/* options */
	const char *lang_list;
	bool all_langs, strict;
	char *const *inputs;
	size_t ninputs;

	/* state */
	struct tl_vader *vader;
	struct tl_out out;
	struct tl_buf text, line, value;
	struct tl_jdoc doc; /* the line at hand, tokenized */
	const char *input;
	bool out_broken;

	/* counts */
	uint64_t lines, scored, unscored, not_tweets, bad, too_long, huge_text, reported;
};

/* ---- which tweets are scored ---- */

/* True when lang (e.g. "en-GB") is in the --lang list: equal, or the list's code followed by a
 * subtag, without regard to case. */
static bool lang_scored(const struct app *a, const char *lang, size_t n)
{
	const char *s = a->lang_list;
	while (*s) {
		size_t k = strcspn(s, ",");
		if (k && k <= n && strncasecmp(s, lang, k) == 0 && (k == n || lang[k] == '-'))
			return true;
		s += k + (s[k] == ',');
	}
	return false;
}

/* ---- the text of a tweet ---- */

enum { F_TEXT, F_FULL, F_EXT, F_NOTE, F_LANG, F_SENT, F_RT, F_REFS, F_DATA, F_N };
static const char *const FIELDS[F_N] = {
	"text", "full_text", "extended_tweet", "note_tweet", "lang", "sentiment",
	"retweeted_status", "referenced_tweets", "data",
};
static size_t FIELD_LENS[F_N];

/* The members of the object at token obj into f (token indexes, -1 when absent). */
static int fields(const struct tl_jdoc *d, size_t obj, long *f)
{
	return tl_jdoc_fields(d, obj, FIELDS, FIELD_LENS, F_N, f);
}

static enum tl_jtype type_of(const struct tl_jdoc *d, long k)
{
	return k < 0 ? TL_J_NONE : (enum tl_jtype)d->t[k].type;
}

static bool is_str(const struct tl_jdoc *d, long k)
{
	return type_of(d, k) == TL_J_STRING;
}

/* The text of token k (a string with its quotes) as a slice. */
static struct tl_jslice slice_of(const struct tl_jdoc *d, long k)
{
	struct tl_jslice r = { type_of(d, k), NULL, 0 };
	if (k >= 0) {
		r.p = d->s + d->t[k].start;
		r.len = d->t[k].end - d->t[k].start;
	}
	return r;
}

/* Member key of the object at token obj when it is a string: its token, or -1. */
static long member_str(const struct tl_jdoc *d, long obj, const char *key)
{
	if (type_of(d, obj) != TL_J_OBJECT)
		return -1;
	size_t kl = strlen(key);
	long v;
	return tl_jdoc_fields(d, (size_t)obj, &key, &kl, 1, &v) == 1 && is_str(d, v) ? v : -1;
}

/* The tweet's own full text: note_tweet.text (v2 posts over 280 characters), then
 * extended_tweet.full_text (v1.1 compatibility mode), full_text (v1.1 extended mode), text. */
static long own_text(const struct tl_jdoc *d, const long *f)
{
	long t;
	if ((t = member_str(d, f[F_NOTE], "text")) >= 0 || (t = member_str(d, f[F_EXT], "full_text")) >= 0)
		return t;
	if (is_str(d, f[F_FULL]))
		return f[F_FULL];
	if (is_str(d, f[F_TEXT]))
		return f[F_TEXT];
	return -1;
}

/* A retweet says what the tweet it retweets says, in full (its own text is "RT @user: " and a
 * text X may have cut): v1.1 retweeted_status, or tw-stream's merged referenced_tweets element
 * of type "retweeted". */
static long retweeted_text(const struct tl_jdoc *d, const long *f)
{
	long g[F_N];
	if (type_of(d, f[F_RT]) == TL_J_OBJECT)
		return fields(d, (size_t)f[F_RT], g) >= 0 ? own_text(d, g) : -1;
	if (type_of(d, f[F_REFS]) != TL_J_ARRAY)
		return -1;
	size_t arr = (size_t)f[F_REFS], i = 0;
	for (size_t el = arr + 1; el < d->t[arr].next && i < 16; el = d->t[el].next, i++) {
		long type = member_str(d, (long)el, "type");
		if (type < 0 || d->t[type].end - d->t[type].start != 11 ||
		    memcmp(d->s + d->t[type].start, "\"retweeted\"", 11))
			continue;
		return fields(d, el, g) >= 0 ? own_text(d, g) : -1;
	}
	return -1;
}

/* X writes &, < and > in tweet text as &amp;, &lt; and &gt;: the words scored are the author's,
 * so "&lt;3" is the heart emoticon "<3". */
static void html_unescape(struct tl_buf *b)
{
	char *s = b->data, *o = b->data;
	size_t n = b->len, i = 0;
	while (i < n) {
		if (s[i] == '&') {
			if (n - i >= 5 && memcmp(s + i, "&amp;", 5) == 0) {
				*o++ = '&';
				i += 5;
				continue;
			}
			if (n - i >= 4 && (memcmp(s + i, "&lt;", 4) == 0 || memcmp(s + i, "&gt;", 4) == 0)) {
				*o++ = s[i + 1] == 'l' ? '<' : '>';
				i += 4;
				continue;
			}
		}
		*o++ = s[i++];
	}
	tl_buf_truncate(b, (size_t)(o - b->data));
}

/* ---- one line ---- */

static void report_bad(struct app *a, uint64_t lineno, const char *msg)
{
	if (a->reported++ < REPORT_MAX) {
		tl_warn("%s:%" PRIu64 ": %s%s", a->input, lineno, msg,
			a->strict ? "" : ", passed through unscored");
	} else if (a->reported == REPORT_MAX + 1) {
		tl_warn("more lines that are not JSON: counted, no longer reported one by one");
	}
}

static int emit(struct app *a, const char *p, size_t n)
{
	if (tl_out_record(&a->out, p, n) < 0) {
		a->out_broken = true;
		return -1;
	}
	return 0;
}

/* The sentiment value for the tweet object whose member tokens are f into a->value. */
static void score_tweet(struct app *a, const long *f, uint64_t lineno)
{
	const struct tl_jdoc *d = &a->doc;
	tl_buf_reset(&a->value);
	bool scored = a->all_langs;
	struct tl_jslice lang = slice_of(d, f[F_LANG]);
	if (!scored && lang.type == TL_J_STRING && lang.len < 40) {
		tl_buf_reset(&a->text);
		if (tl_jscan_unescape(&lang, &a->text) == 0)
			scored = lang_scored(a, a->text.data ? a->text.data : "", a->text.len);
	}
	long tk;
	struct tl_vader_scores sc;
	if (scored && ((tk = retweeted_text(d, f)) >= 0 || (tk = own_text(d, f)) >= 0)) {
		struct tl_jslice t = slice_of(d, tk);
		tl_buf_reset(&a->text);
		if (tl_jscan_unescape(&t, &a->text) == 0) {
			html_unescape(&a->text);
			if (tl_vader_score(a->vader, a->text.data ? a->text.data : "", a->text.len, &sc) == 0) {
				(void)tl_vader_scores_json(&sc, &a->value);
				a->scored++;
				return;
			}
			if (a->huge_text++ < REPORT_MAX)
				tl_warn("%s:%" PRIu64 ": a text over %zu bytes is not scored (null)", a->input,
					lineno, (size_t)TL_VADER_TEXT_MAX);
		}
	}
	a->unscored++;
	(void)tl_buf_adds(&a->value, "null");
}

/* Handles one input line. Returns 0, or -1 when the run must stop (--strict, output gone). */
static int handle_line(struct app *a, const struct tl_line *line)
{
	const char *s = line->data;
	size_t n = line->len, i = 0;
	const char *why = NULL;
	size_t pos;
	a->lines++;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n) { /* a blank line (a keep-alive) */
		a->not_tweets++;
		return emit(a, s, n);
	}
	/* one pass checks the line (as tl_json_validate would, to the same nesting) and tokenizes it */
	if (tl_jdoc_parse_depth(&a->doc, s, n, TL_JDOC_CHECK_MAX_DEPTH, &why, &pos) < 0) {
		size_t upos;
		char msg[160];
		a->bad++;
		if (line->has_nul)
			snprintf(msg, sizeof msg, "not JSON (a NUL byte at byte %zu)",
				 (size_t)((const char *)memchr(s, 0, n) - s) + 1);
		else if (!tl_utf8_valid(s, n, &upos))
			snprintf(msg, sizeof msg, "not JSON (invalid UTF-8 at byte %zu)", upos + 1);
		else
			snprintf(msg, sizeof msg, "not JSON (%s at byte %zu)", why, pos + 1);
		report_bad(a, line->lineno, msg);
		if (a->strict)
			return -1;
		return emit(a, s, n);
	}
	const struct tl_jdoc *d = &a->doc;
	size_t obj = 0;
	long f[F_N];
	if (fields(d, obj, f) < 0) {
		a->not_tweets++;
		return emit(a, s, n);
	}
	/* a raw API line {"data":{...},"includes":...}: the tweet is data */
	if (!is_str(d, f[F_TEXT]) && !is_str(d, f[F_FULL]) && type_of(d, f[F_DATA]) == TL_J_OBJECT) {
		obj = (size_t)f[F_DATA];
		if (fields(d, obj, f) < 0)
			return emit(a, s, n);
	}
	if (!is_str(d, f[F_TEXT]) && !is_str(d, f[F_FULL])) {
		a->not_tweets++;
		return emit(a, s, n);
	}
	score_tweet(a, f, line->lineno);
	/* the value replaces an existing "sentiment" member's, or goes in before the final } */
	tl_buf_reset(&a->line);
	const char *cut, *rest;
	if (f[F_SENT] >= 0) {
		cut = s + d->t[f[F_SENT]].start;
		rest = s + d->t[f[F_SENT]].end;
	} else {
		cut = rest = s + d->t[obj].end - 1;
	}
	if (tl_buf_add(&a->line, s, (size_t)(cut - s)) < 0 ||
	    (f[F_SENT] < 0 && tl_buf_adds(&a->line, ",\"sentiment\":") < 0) ||
	    tl_buf_add(&a->line, a->value.data, a->value.len) < 0 ||
	    tl_buf_add(&a->line, rest, (size_t)(s + n - rest)) < 0)
		return emit(a, s, n);
	return emit(a, a->line.data, a->line.len);
}

/* Before a read that may block: what was written goes out now, so each tweet reaches the next
 * tool as soon as nothing more is waiting (and in blocks while input is queued). */
static int wait_input(int fd, void *ctx)
{
	struct app *a = ctx;
	if (tl_out_flush(&a->out) < 0)
		a->out_broken = true;
	for (;;) {
		if (tl_sig_caught() || a->out_broken)
			return 1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, 1000);
		if (r < 0 && errno != EINTR)
			return 0;
		if (r > 0)
			return 0;
	}
}

/* Filters one input to its end. Returns 0, or -1 when the run must stop. */
static int filter_input(struct app *a, int fd)
{
	struct tl_lines in;
	struct tl_line line;
	int status = 0;
	tl_lines_init(&in, fd, 0);
	tl_lines_set_wait(&in, wait_input, a);
	while (status == 0) {
		if ((tl_sig_caught() || a->out_broken) && !tl_lines_ready(&in)) {
			if (in.end > in.start || in.skipping)
				tl_warn("%s:%" PRIu64 ": stopped in the middle of this line: not written",
					a->input, in.lineno + 1);
			status = -1;
			break;
		}
		int r = tl_lines_next(&in, &line);
		if (r == TL_LINE_EOF)
			break;
		if (r == TL_LINE_AGAIN)
			continue;
		if (r == TL_LINE_ERROR) {
			tl_err("%s: read error: %s", a->input, strerror(errno));
			a->bad++;
			break;
		}
		if (r == TL_LINE_TOOLONG) {
			a->lines++;
			a->too_long++;
			tl_err("%s:%" PRIu64 ": line longer than %zu bytes: dropped", a->input, line.lineno,
			       (size_t)TL_LINE_MAX_DEFAULT);
			if (a->strict)
				status = -1;
			continue;
		}
		if (handle_line(a, &line) < 0)
			status = -1;
	}
	tl_lines_release(&in);
	return status;
}

enum { OPT_LANG = 256, OPT_LEXICON, OPT_EMOJI, OPT_STRICT };

static const struct option LONGOPTS[] = {
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "lexicon", required_argument, NULL, OPT_LEXICON },
	{ "emoji-lexicon", required_argument, NULL, OPT_EMOJI },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ NULL, 0, NULL, 0 },
};

static const struct tl_cli_spec cli_spec = {
	.usage = USAGE,
	.verbose_help = "more messages",
	.epilog = "Exit status: 0 every line handled; 1 some line was not JSON, too long or unreadable\n"
		  "(passed through or dropped, each reported); 2 usage; 128+N stopped by signal N.\n",
	.longopts = LONGOPTS,
	.max_args = -1,
};

static int load_lexicon(struct app *a, const char *path, int emoji)
{
	size_t len;
	char *text = tl_read_file(path, (size_t)64 << 20, &len);
	if (!text) {
		tl_err("%s: %s", path, strerror(errno));
		return -1;
	}
	int r = tl_vader_load(a->vader, text, len, path, emoji);
	free(text);
	if (r == 0)
		tl_debug("%s: %zu %s", path, tl_vader_lexicon_size(a->vader, emoji),
			 emoji ? "emoji" : "words");
	return r;
}

static int run(struct app *a)
{
	int status = TL_EXIT_OK, opened = 0;
	int64_t t0 = tl_mono_ms();
	for (size_t i = 0; i < a->ninputs; i++) {
		int fd = STDIN_FILENO;
		a->input = strcmp(a->inputs[i], "-") == 0 ? "stdin" : a->inputs[i];
		if (strcmp(a->inputs[i], "-") != 0 && (fd = open(a->inputs[i], O_RDONLY | O_CLOEXEC)) < 0) {
			tl_err("%s: %s", a->inputs[i], strerror(errno));
			status = TL_EXIT_FAIL;
			continue;
		}
		opened++;
		int r = filter_input(a, fd);
		if (fd != STDIN_FILENO)
			close(fd);
		if (r < 0)
			break;
	}
	if (tl_out_close(&a->out) < 0)
		a->out_broken = true;
	double secs = (double)(tl_mono_ms() - t0) / 1000;
	tl_info("%" PRIu64 " lines in %.1f s: %" PRIu64 " tweets scored, %" PRIu64 " null (language), "
		"%" PRIu64 " not tweets, %" PRIu64 " not JSON, %" PRIu64 " too long",
		a->lines, secs, a->scored, a->unscored, a->not_tweets, a->bad, a->too_long);
	if (a->bad || a->too_long || a->huge_text)
		status = TL_EXIT_FAIL;
	if (a->out_broken) {
		if (a->out.err != EPIPE) {
			tl_err("error writing output: %s", strerror(a->out.err));
			return TL_EXIT_FAIL;
		}
		return 128 + SIGPIPE;
	}
	if (tl_sig_caught())
		return tl_sig_exit_status();
	(void)opened;
	return status;
}

/* Reads the options into a (its defaults already set) and loads the lexicons; returns TL_CLI_RUN
 * or an exit status. */
static int parse_args(int argc, char **argv, struct app *a)
{
	static char *const std_in[] = { (char *)"-" };
	struct tl_cli cli = { .spec = &cli_spec };
	const char *lexicon = NULL, *emoji = NULL;
	int c;
	while ((c = tl_cli_next(&cli, argc, argv)) > 0) {
		switch (c) {
		case OPT_LANG: a->lang_list = optarg; break;
		case OPT_LEXICON: lexicon = optarg; break;
		case OPT_EMOJI: emoji = optarg; break;
		case OPT_STRICT: a->strict = true; break;
		}
	}
	if (c == TL_CLI_EXIT)
		return cli.status;
	a->all_langs = strcmp(a->lang_list, "*") == 0;
	if (!*a->lang_list || strstr(a->lang_list, ",,") || a->lang_list[0] == ',' ||
	    a->lang_list[strlen(a->lang_list) - 1] == ',')
		return tl_cli_usage_error("--lang: a comma-separated list of language codes, not '%s'",
					  a->lang_list);
	a->inputs = argc > optind ? argv + optind : std_in;
	a->ninputs = argc > optind ? (size_t)(argc - optind) : 1;
	if ((lexicon && load_lexicon(a, lexicon, 0) < 0) || (emoji && load_lexicon(a, emoji, 1) < 0))
		return TL_EXIT_USAGE;
	return TL_CLI_RUN;
}

int main(int argc, char **argv)
{
	struct app a = { .lang_list = "en", .text = TL_BUF_INIT, .line = TL_BUF_INIT,
			 .value = TL_BUF_INIT };
	tl_cli_init(argv[0]);
	for (size_t i = 0; i < F_N; i++)
		FIELD_LENS[i] = strlen(FIELDS[i]);
	a.vader = tl_vader_new();
	int status = parse_args(argc, argv, &a);
	if (status == TL_CLI_RUN) {
		tl_out_init(&a.out, STDOUT_FILENO);
		a.out.line_flush = false; /* flushed before each wait for input instead (wait_input) */
		status = run(&a);
	}
	tl_vader_free(a.vader);
	tl_buf_release(&a.text);
	tl_buf_release(&a.line);
	tl_buf_release(&a.value);
	tl_jdoc_free(&a.doc);
	tl_log_cleanup();
	return status;
}
