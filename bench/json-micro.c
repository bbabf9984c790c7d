/* bench/json-micro.c: the JSON lexing of lib/ over real tweets, side by side with cJSON (what a
 * C program would otherwise use). Built and run by bench/json.sh.
 *
 *   json-micro FILE.jsonl [ROUNDS]
 *
 * For each consumer of the lexical core: the validator (tl_json_validate), the document
 * tokenizer (tl_jdoc_parse), schema inference (tl_schema_infer_record), the field scanner
 * (tl_jscan_fields for two keys, tl_jscan_path for a nested one) and string unescaping
 * (tl_jscan_unescape of "text"), and cJSON_ParseWithLength: MB/s of input by CPU time, the best
 * of ROUNDS rounds (default 7), and the ratio to cJSON.
 */
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_jscan.h"
#include "tl_json.h"
#include "tl_schema.h"
/* (before lib/ had one JSON lexer, tl_tweet.h had an enum of the same name as tl_jscan.h's) */
#define tl_jtype tl_jtype_doc
#include "tl_tweet.h"
#undef tl_jtype

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct line {
	const char *p;
	size_t n;
};

static struct line *lines;
static size_t nlines, nbytes;
static volatile size_t sink;

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_validate(void)
{
	for (size_t i = 0; i < nlines; i++) {
		const char *why;
		size_t pos;
		sink += (size_t)tl_json_validate(lines[i].p, lines[i].n, &why, &pos);
	}
}

static struct tl_jdoc doc;
static void run_jdoc(void)
{
	for (size_t i = 0; i < nlines; i++) {
		const char *why;
		size_t pos;
		sink += (size_t)tl_jdoc_parse(&doc, lines[i].p, lines[i].n, &why, &pos) + doc.n;
	}
}

static void run_schema(void)
{
	struct tl_schema_infer in;
	tl_schema_infer_init(&in, TL_SCHEMA_TIMESTAMPS);
	for (size_t i = 0; i < nlines; i++) {
		const char *why;
		size_t pos;
		sink += (size_t)tl_schema_infer_record(&in, lines[i].p, lines[i].n, &why, &pos);
	}
	tl_schema_infer_release(&in);
}

static void run_fields(void)
{
	static const char *const keys[] = { "created_at", "lang" };
	static const size_t lens[] = { 10, 4 };
	struct tl_jslice out[2];
	for (size_t i = 0; i < nlines; i++)
		sink += (size_t)tl_jscan_fields(lines[i].p, lines[i].n, keys, lens, 2, true, out);
}

static void run_path(void)
{
	struct tl_jslice out;
	for (size_t i = 0; i < nlines; i++)
		sink += (size_t)tl_jscan_path(lines[i].p, lines[i].n, "author.public_metrics.followers_count", &out) +
			out.len;
}

static struct tl_buf ubuf = TL_BUF_INIT;
static void run_unescape(void)
{
	struct tl_jslice t;
	for (size_t i = 0; i < nlines; i++) {
		if (tl_jscan_path(lines[i].p, lines[i].n, "text", &t) < 0)
			continue;
		tl_buf_reset(&ubuf);
		sink += (size_t)tl_jscan_unescape(&t, &ubuf) + ubuf.len;
	}
}

static void run_cjson(void)
{
	for (size_t i = 0; i < nlines; i++) {
		cJSON *j = cJSON_ParseWithLength(lines[i].p, lines[i].n);
		sink += j != NULL;
		cJSON_Delete(j);
	}
}

static double best_mbs(void (*fn)(void), int rounds)
{
	double best = 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = cpu_now();
		fn();
		double dt = cpu_now() - t0;
		double mbs = dt > 0 ? (double)nbytes / 1e6 / dt : 0;
		if (mbs > best)
			best = mbs;
	}
	return best;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: json-micro FILE.jsonl [ROUNDS]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	size_t len;
	char *text = tl_read_file(argv[1], (size_t)1 << 30, &len);
	if (!text) {
		perror(argv[1]);
		return 1;
	}
	for (size_t i = 0; i < len;) {
		char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		if (n > 1 && text[i] == '{') {
			lines = xrealloc(lines, (nlines + 1) * sizeof *lines);
			lines[nlines].p = text + i;
			lines[nlines++].n = n;
			nbytes += n;
		}
		i += n + 1;
	}
	static const struct {
		const char *name;
		void (*fn)(void);
	} runs[] = {
		{ "validate", run_validate }, { "jdoc", run_jdoc },         { "schema", run_schema },
		{ "jscan-fields", run_fields }, { "jscan-path", run_path }, { "unescape", run_unescape },
	};
	double cj = best_mbs(run_cjson, rounds);
	printf("%zu lines, %.1f MB; best of %d rounds, MB/s by CPU time\n", nlines, (double)nbytes / 1e6,
	       rounds);
	printf("%-13s %8.0f MB/s\n", "cJSON", cj);
	for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
		double m = best_mbs(runs[i].fn, rounds);
		printf("%-13s %8.0f MB/s  %5.1fx cJSON\n", runs[i].name, m, cj > 0 ? m / cj : 0);
	}
	tl_jdoc_free(&doc);
	tl_buf_release(&ubuf);
	free(lines);
	free(text);
	return 0;
}
