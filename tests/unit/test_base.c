/* Unit tests for the base layer: buffers, line reader, writer, whole files, redaction, JSON, time,
 * numbers, text codecs. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_str.h"
#include "tl_time.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void buf_cap(void)
{
	struct tl_buf b;
	tl_buf_init(&b, 10);
	T_EQ_INT(tl_buf_adds(&b, "12345"), 0);
	T_EQ_INT(tl_buf_addf(&b, "%d", 6789), 0);
	T_EQ_STR(tl_buf_str(&b), "123456789");
	T_EQ_INT(tl_buf_adds(&b, "ab"), -1);
	T_EQ_INT(errno, E2BIG);
	T_EQ_STR(tl_buf_str(&b), "123456789"); /* unchanged on failure */
	T_EQ_INT(tl_buf_addc(&b, 'x'), 0);
	T_EQ_INT(b.len, 10);
	tl_buf_consume(&b, 3);
	T_EQ_STR(tl_buf_str(&b), "456789x");
	size_t n;
	char *s = tl_buf_detach(&b, &n);
	T_EQ_STR(s, "456789x");
	T_EQ_INT(n, 7);
	T_CHECK(b.data == NULL && b.len == 0);
	free(s);
	tl_buf_release(&b);
}

static void buf_json_str(void)
{
	struct tl_buf b = TL_BUF_INIT;
	tl_buf_add_json_str(&b, "a\"b\\c\n\x01\xc3\xa9", 9);
	T_EQ_STR(tl_buf_str(&b), "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
	tl_buf_release(&b);
}

/* Text for people: control characters (C0, DEL, C1) and invalid UTF-8 escaped, the rest kept. */
static void buf_printable(void)
{
	struct tl_buf b = TL_BUF_INIT;
	const char in[] = "ok \x1b[2J\x1b]0;t\x07\n\r\t\x7f \xc2\x9b" "1m \xc3\xa9 \xe2\x82\xac \xff\xc3 \\x";
	tl_buf_add_printable(&b, in, sizeof in - 1);
	T_EQ_STR(tl_buf_str(&b), "ok \\x1B[2J\\x1B]0;t\\x07\\n\\r\\t\\x7F \\xC2\\x9B1m \xc3\xa9 "
				  "\xe2\x82\xac \\xFF\\xC3 \\x");
	tl_buf_reset(&b);
	tl_buf_add_printable(&b, "a\0b", 3);
	T_EQ_STR(tl_buf_str(&b), "a\\x00b");
	/* at the cap nothing is added */
	struct tl_buf c;
	tl_buf_init(&c, 4);
	T_EQ_INT(tl_buf_add_printable(&c, "\x1b\x1b", 2), -1);
	T_EQ_INT(c.len, 0);
	tl_buf_release(&c);
	tl_buf_release(&b);
}

/* Feeds data through a pipe from a child so reads see it as a stream. */
static int pipe_of(const char *data, size_t n)
{
	int fds[2];
	if (pipe(fds) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		tl_write_all(fds[1], data, n);
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

static void lines_basic(void)
{
	static const char in[] = "one\r\ntwo\n\nthr\0ee\nlast";
	int fd = pipe_of(in, sizeof in - 1);
	struct tl_lines r;
	struct tl_line l;
	tl_lines_init(&r, fd, 0);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_STR(l.data, "one");
	T_EQ_INT(l.lineno, 1);
	T_CHECK(!l.has_nul);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_STR(l.data, "two");
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_INT(l.len, 0);
	T_EQ_INT(l.lineno, 3);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_INT(l.len, 6);
	T_CHECK(l.has_nul);
	T_CHECK(memcmp(l.data, "thr\0ee", 6) == 0);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_STR(l.data, "last");
	T_CHECK(l.no_newline);
	T_EQ_INT(l.lineno, 5);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_EOF);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_EOF);
	tl_lines_release(&r);
	close(fd);
}

static void lines_too_long(void)
{
	/* Cap 100: a 300-byte line and a 150-byte last line without newline are reported, the rest
	 * read, across many reads of a 64 KiB-chunk reader. */
	struct tl_buf in = TL_BUF_INIT;
	tl_buf_adds(&in, "short\n");
	for (int i = 0; i < 300; i++)
		tl_buf_addc(&in, 'x');
	tl_buf_adds(&in, "\nok\n");
	for (int i = 0; i < 100; i++)
		tl_buf_addc(&in, 'y');
	tl_buf_adds(&in, "\r\n"); /* exactly at the cap, with CRLF */
	for (int i = 0; i < 150; i++)
		tl_buf_addc(&in, 'z');
	int fd = pipe_of(in.data, in.len);
	struct tl_lines r;
	struct tl_line l;
	tl_lines_init(&r, fd, 100);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_STR(l.data, "short");
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_TOOLONG);
	T_EQ_INT(l.lineno, 2);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_STR(l.data, "ok");
	T_EQ_INT(l.lineno, 3);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_INT(l.len, 100);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_TOOLONG);
	T_EQ_INT(l.lineno, 5);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_EOF);
	tl_lines_release(&r);
	tl_buf_release(&in);
	close(fd);
}

static void lines_huge_stream(void)
{
	/* A 3 MiB line with cap 1 MiB, then a normal line: memory stays bounded, the next line is seen. */
	size_t big = 3u << 20;
	char *data = xmalloc(big + 16);
	memset(data, 'a', big);
	memcpy(data + big, "\n{\"k\":1}\n", 9);
	int fd = pipe_of(data, big + 9);
	struct tl_lines r;
	struct tl_line l;
	tl_lines_init(&r, fd, 1u << 20);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_TOOLONG);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_STR(l.data, "{\"k\":1}");
	T_EQ_INT(l.lineno, 2);
	T_CHECK(r.cap <= (1u << 20) + (256u << 10));
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_EOF);
	tl_lines_release(&r);
	free(data);
	close(fd);
}

static int stop_hook(int fd, void *ctx)
{
	(void)fd;
	return ++*(int *)ctx > 1;
}

static void lines_wait_hook(void)
{
	int fds[2];
	if (pipe(fds) < 0)
		abort();
	tl_write_all(fds[1], "a\nb", 3);
	struct tl_lines r;
	struct tl_line l;
	int calls = 0;
	tl_lines_init(&r, fds[0], 0);
	tl_lines_set_wait(&r, stop_hook, &calls);
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK); /* one read gets "a\nb" */
	T_EQ_STR(l.data, "a");
	T_CHECK(!tl_lines_ready(&r));
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_AGAIN); /* hook says stop: no blocking read */
	close(fds[1]);
	calls = -100;
	T_EQ_INT(tl_lines_next(&r, &l), TL_LINE_OK);
	T_EQ_STR(l.data, "b");
	T_CHECK(l.no_newline);
	tl_lines_release(&r);
	close(fds[0]);
}

static void out_epipe(void)
{
	int fds[2];
	if (pipe(fds) < 0)
		abort();
	signal(SIGPIPE, SIG_IGN);
	struct tl_out o;
	tl_out_init(&o, fds[1]);
	T_CHECK(o.line_flush); /* a pipe */
	T_EQ_INT(tl_out_record(&o, "x", 1), 0);
	char got[4] = { 0 };
	T_EQ_INT(read(fds[0], got, sizeof got), 2); /* flushed per record */
	T_EQ_STR(got, "x\n");
	close(fds[0]);
	T_EQ_INT(tl_out_record(&o, "y", 1), -1);
	T_CHECK(o.broken);
	T_EQ_INT(o.err, EPIPE);
	T_EQ_INT(tl_out_close(&o), -1);
	close(fds[1]);
}

static void redact(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "Authorization: AWS4-HMAC-SHA256 Credential=AKID/2015, Signature=abcd\nHost: x",
		  "Authorization: ***\nHost: x" },
		{ "X-Amz-Security-Token: FQoGZXIvYXdzE\r\n", "X-Amz-Security-Token: ***\r\n" },
		{ "GET /?X-Amz-Security-Token=abc%2F&X-Amz-Signature=deadbeef&x=1",
		  "GET /?X-Amz-Security-Token=***&X-Amz-Signature=***&x=1" },
		{ "authorization: Bearer AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid",
		  "authorization: ***" },
		{ "token was Bearer AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0 ok", "token was Bearer *** ok" },
		{ "no bearer token set", "no bearer token set" },
		{ "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG\nregion=x",
		  "aws_secret_access_key = ***\nregion=x" },
		{ "{\"AccessKeyId\":\"ASIA\",\"SecretAccessKey\":\"s3cr\\\"et\",\"SessionToken\":\"tok\"}",
		  "{\"AccessKeyId\":\"ASIA\",\"SecretAccessKey\":\"***\",\"SessionToken\":\"***\"}" },
		{ "<SecretAccessKey>abc/def</SecretAccessKey>", "<SecretAccessKey>***</SecretAccessKey>" },
		{ "the key is hunter2hunter2 here", "the key is *** here" },
	};
	tl_log_add_secret("hunter2hunter2");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *r = tl_redact(cases[i].in, strlen(cases[i].in));
		T_EQ_STR(r, cases[i].want);
		free(r);
	}
	tl_log_cleanup();
}

static void json_paths(void)
{
	const char *doc = "{\"data\":{\"id\":\"123\",\"author_id\":42,\"ents\":[{\"tag\":\"a\"},"
			  "{\"tag\":\"b\"}]},\"ok\":true}";
	cJSON *j = tl_json_parse(doc, strlen(doc), NULL);
	T_CHECK(j != NULL);
	T_EQ_STR(tl_json_get_str(j, "data.id"), "123");
	int64_t v = 0;
	T_EQ_INT(tl_json_get_i64(j, "data.author_id", &v), 0);
	T_EQ_INT(v, 42);
	T_EQ_INT(tl_json_get_i64(j, "data.id", &v), 0);
	T_EQ_INT(v, 123);
	T_EQ_STR(tl_json_get_str(j, "data.ents.1.tag"), "b");
	T_EQ_STR(tl_json_get_str(j, "data.ents[0].tag"), "a");
	T_CHECK(tl_json_get(j, "data.nope.x") == NULL);
	T_CHECK(tl_json_get(j, "data.ents.7") == NULL);
	T_CHECK(tl_json_get_bool(j, "ok"));
	char *t = tl_json_scalar_text(tl_json_get(j, "data.author_id"), false);
	T_EQ_STR(t, "42");
	free(t);
	cJSON_Delete(j);
	size_t pos = 0;
	T_CHECK(tl_json_parse("{\"a\":1} x", 9, &pos) == NULL);
	T_EQ_INT(pos, 8);
}

static void json_validate(void)
{
	static const char *good[] = {
		"{}", "[]", " {\"a\" : [1, -2.5e+3, true, false, null, \"x\\u00e9\\n\"]} ",
		"\"str\"", "0", "-0.1", "{\"nested\":{\"a\":[[[]]]}}", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
	};
	static const char *bad[] = {
		"", "   ", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{,}", "01", "1.", "-", "tru",
		"{\"a\":1}}", "\"unterminated", "\"bad \\x escape\"", "\"ctl \x01\"", "[1 2]",
		"\"\xc3\x28\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "{\"a\":1} {\"b\":2}", "nul",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		const char *why = NULL;
		int r = tl_json_validate(good[i], strlen(good[i]), &why, NULL);
		if (r != 0)
			printf("#   good[%zu] refused: %s\n", i, why);
		T_EQ_INT(r, 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *why = NULL;
		int r = tl_json_validate(bad[i], strlen(bad[i]), &why, NULL);
		if (r == 0)
			printf("#   bad[%zu] accepted: %s\n", i, bad[i]);
		T_EQ_INT(r, -1);
		T_CHECK(why != NULL);
	}
	/* NUL inside a string is refused; deep nesting is refused, not a crash. */
	T_EQ_INT(tl_json_validate("\"a\0b\"", 5, NULL, NULL), -1);
	char deep[2000];
	memset(deep, '[', sizeof deep);
	T_EQ_INT(tl_json_validate(deep, sizeof deep, NULL, NULL), -1);
	/* Agreement with cJSON on the good cases. */
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		cJSON *j = tl_json_parse(good[i], strlen(good[i]), NULL);
		T_CHECK(j != NULL);
		cJSON_Delete(j);
	}
}

static void time_parse(void)
{
	int64_t ms;
	T_EQ_INT(tl_time_parse("2021-06-18T16:27:00.000Z", 24, &ms), 0);
	T_EQ_INT(ms, 1624033620000LL);
	T_EQ_INT(tl_time_parse("2021-06-18T18:27:00.5+02:00", 27, &ms), 0);
	T_EQ_INT(ms, 1624033620500LL);
	T_EQ_INT(tl_time_parse("2021-06-18 16:27:00.123456-0130", 31, &ms), 0);
	T_EQ_INT(ms, 1624033620123LL + 90 * 60000LL);
	T_EQ_INT(tl_time_parse("2024-02-29", 10, &ms), 0);
	T_EQ_INT(ms, 1709164800000LL);
	T_EQ_INT(tl_time_parse("Wed Oct 10 20:19:24 +0000 2018", 30, &ms), 0);
	T_EQ_INT(ms, 1539202764000LL);
	T_EQ_INT(tl_time_parse("2023-02-29T00:00:00Z", 20, &ms), -1);
	T_EQ_INT(tl_time_parse("2023-13-01T00:00:00Z", 20, &ms), -1);
	T_EQ_INT(tl_time_parse("2023-01-01T00:00:00Q", 20, &ms), -1);
	T_EQ_INT(tl_time_parse("yesterday", 9, &ms), -1);
	T_EQ_INT(tl_time_from_epoch(1624033620, &ms), 0);
	T_EQ_INT(ms, 1624033620000LL);
	T_EQ_INT(tl_time_from_epoch(1624033620123.0, &ms), 0);
	T_EQ_INT(ms, 1624033620123LL);
	T_EQ_INT(tl_time_from_epoch(1624033620123456.0, &ms), 0);
	T_EQ_INT(ms, 1624033620123LL);
	char buf[40];
	tl_time_format(1624033620123LL, 1, buf, sizeof buf);
	T_EQ_STR(buf, "2021-06-18T16:27:00.123Z");
	tl_time_format(-1, 1, buf, sizeof buf);
	T_EQ_STR(buf, "1969-12-31T23:59:59.999Z");
	/* Round trip over many days, including leap years. */
	for (int64_t d = -800; d < 30000; d += 7) {
		int y, m, dd;
		tl_civil_from_days(d, &y, &m, &dd);
		T_EQ_INT(tl_days_from_civil(y, m, dd), d);
	}
}

static void numbers(void)
{
	int64_t i;
	uint64_t u;
	int n;
	double d;
	T_EQ_INT(tl_parse_i64("-42", -100, 100, &i), 0);
	T_EQ_INT(i, -42);
	T_EQ_INT(tl_parse_i64("101", -100, 100, &i), -1);
	T_EQ_INT(errno, ERANGE);
	T_EQ_INT(tl_parse_i64("12x", 0, 100, &i), -1);
	T_EQ_INT(errno, EINVAL);
	T_EQ_INT(tl_parse_i64(" 1", 0, 100, &i), -1);
	T_EQ_INT(tl_parse_i64("", 0, 100, &i), -1);
	T_EQ_INT(tl_parse_u64("-1", UINT64_MAX, &u), -1);
	T_EQ_INT(tl_parse_u64("99999999999999999999999", UINT64_MAX, &u), -1);
	T_EQ_INT(tl_parse_int("7", 0, 9, &n), 0);
	T_EQ_INT(n, 7);
	T_EQ_INT(tl_parse_double("1.5e3", &d), 0);
	T_CHECK(d == 1500.0);
	T_EQ_INT(tl_parse_double("nan", &d), -1);
	T_EQ_INT(tl_parse_double("1e999", &d), -1);
	T_EQ_INT(tl_parse_size("16M", &u), 0);
	T_EQ_INT(u, 16u << 20);
	T_EQ_INT(tl_parse_size("5MiB", &u), 0);
	T_EQ_INT(u, 5u << 20);
	T_EQ_INT(tl_parse_size("3 MB", &u), -1);
	T_EQ_INT(tl_parse_duration_ms("30", &i), 0);
	T_EQ_INT(i, 30000);
	T_EQ_INT(tl_parse_duration_ms("250ms", &i), 0);
	T_EQ_INT(i, 250);
	T_EQ_INT(tl_parse_duration_ms("1.5m", &i), 0);
	T_EQ_INT(i, 90000);
	T_EQ_INT(tl_parse_duration_ms("5 parsecs", &i), -1);
}

static void utf8(void)
{
	size_t pos = 0;
	T_CHECK(tl_utf8_valid("plain ascii text here", 21, NULL));
	T_CHECK(tl_utf8_valid("\xe6\x97\xa5\xe6\x9c\xac", 6, NULL));
	T_CHECK(!tl_utf8_valid("abcdefghij\xff", 11, &pos));
	T_EQ_INT(pos, 10);
	T_CHECK(!tl_utf8_valid("\xf4\x90\x80\x80", 4, NULL)); /* > U+10FFFF */
	T_CHECK(!tl_utf8_valid("\xe2\x82", 2, NULL));         /* truncated */
}

static void read_file(void)
{
	char path[] = "/tmp/test_base.XXXXXX";
	int fd = mkstemp(path);
	T_CHECK(fd >= 0);
	T_EQ_INT(tl_write_all(fd, "0123456789", 10), 0);
	close(fd);
	size_t len = 0;
	char *s = tl_read_file(path, 0, &len);
	T_EQ_STR(s, "0123456789");
	T_EQ_INT(len, 10);
	free(s);
	s = tl_read_path(path, 10, NULL);
	T_EQ_STR(s, "0123456789");
	free(s);
	errno = 0;
	T_CHECK(tl_read_file(path, 9, &len) == NULL && errno == E2BIG);
	unlink(path);
	errno = 0;
	T_CHECK(tl_read_file(path, 0, NULL) == NULL && errno == ENOENT);
}

static void str_codecs(void)
{
	T_EQ_INT(tl_hexval('0'), 0);
	T_EQ_INT(tl_hexval('f'), 15);
	T_EQ_INT(tl_hexval('F'), 15);
	T_EQ_INT(tl_hexval('g'), -1);
	T_EQ_INT(tl_hexval('G'), -1);
	T_EQ_INT(tl_hexval('@'), -1);
	T_EQ_INT(tl_hexval(0xC6), -1);
	T_EQ_INT(tl_hex4("00e9"), 0xE9);
	T_EQ_INT(tl_hex4("FFFF"), 0xFFFF);
	T_EQ_INT(tl_hex4("12x4"), -1);
	char u[5] = { 0 };
	T_EQ_INT(tl_utf8_put(u, 'A'), 1);
	T_EQ_INT(tl_utf8_put(u, 0xE9), 2);
	T_CHECK(memcmp(u, "\xc3\xa9", 2) == 0);
	T_EQ_INT(tl_utf8_put(u, 0x65E5), 3);
	T_CHECK(memcmp(u, "\xe6\x97\xa5", 3) == 0);
	T_EQ_INT(tl_utf8_put(u, 0x1F600), 4);
	T_CHECK(memcmp(u, "\xf0\x9f\x98\x80", 4) == 0);
	T_EQ_INT(tl_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	T_EQ_INT(tl_utf8_seq((const unsigned char *)"\xf0\x9f\x98", 3), 0);
	T_EQ_INT(tl_utf8_seq((const unsigned char *)"\xed\xa0\x80", 3), 0); /* a surrogate */
	T_EQ_INT(tl_utf8_seq((const unsigned char *)"\xc0\x80", 2), 0);     /* overlong */
	char out[16];
	const char *in = "a%2Fb%zz%4";
	size_t n = tl_pct_decode(in, strlen(in), out);
	out[n] = '\0';
	T_EQ_STR(out, "a/b%zz%4");
	*tl_pct_encode(out, "a b/\xc3\xa9~", 7, true) = '\0';
	T_EQ_STR(out, "a%20b%2F%C3%A9~");
	*tl_pct_encode(out, "a b/\xc3\xa9~", 7, false) = '\0';
	T_EQ_STR(out, "a%20b/%C3%A9~");
}

int main(void)
{
	tl_log_init("test_base");
	TEST(buf_cap);
	TEST(buf_json_str);
	TEST(buf_printable);
	TEST(lines_basic);
	TEST(lines_too_long);
	TEST(lines_huge_stream);
	TEST(lines_wait_hook);
	TEST(out_epipe);
	TEST(read_file);
	TEST(redact);
	TEST(json_paths);
	TEST(json_validate);
	TEST(time_parse);
	TEST(numbers);
	TEST(utf8);
	TEST(str_codecs);
	return t_done();
}
