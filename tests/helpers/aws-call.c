/* aws-call: one signed AWS request from the command line, through tl_aws, for the shell tests.
 *
 *   aws-call [OPTIONS] json SERVICE TARGET [JSON|-]
 *   aws-call [OPTIONS] s3 METHOD URL|/PATH [--body TEXT | --body-file FILE] [-H 'Name: value']...
 *
 * json: a JSON 1.1 call (POST / with X-Amz-Target: TARGET) to SERVICE's endpoint ("glue",
 *   "athena"); the body is JSON ("{}" when absent, "-" reads stdin); prints the response JSON
 *   (compact, one line) on stdout.
 * s3: a raw S3 request (S3 signing rules) to URL, or to PATH on the S3 endpoint; the response
 *   body goes to stdout as it arrives. --body sends TEXT (hashed into the signature),
 *   --body-file streams FILE (UNSIGNED-PAYLOAD, rewound on retry).
 *
 * OPTIONS: --region R, --endpoint-url URL, --profile P, -i (status and response headers on
 * stderr), -v (debug log), -vv (trace: the HTTP exchange, secrets masked).
 * Credentials come from the environment, the profile... as the AWS CLI finds them (tl_creds).
 * Exit 0 on a 2xx answer, 1 with "aws-call: ERROR TEXT" on stderr otherwise, 2 on usage errors.
 */
#include "tl_alloc.h"
#include "tl_aws.h"
#include "tl_cli.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
	"usage: aws-call [--region R] [--endpoint-url URL] [--profile P] [-i] [-v]...\n"
	"                json SERVICE TARGET [JSON|-]\n"
	"       aws-call [OPTIONS] s3 METHOD URL|/PATH [--body TEXT | --body-file FILE]\n"
	"                [-H 'Name: value']...\n";

static int show_headers;

static void print_resp_headers(const struct tl_http_resp *r)
{
	if (!show_headers)
		return;
	fprintf(stderr, "HTTP %ld\n", r->status);
	for (size_t i = 0; i < r->headers.n; i++)
		fprintf(stderr, "%s: %s\n", r->headers.v[i].name, r->headers.v[i].value);
}

static int fail(struct tl_aws_error *e)
{
	char *t = tl_aws_error_text(e);
	tl_err("%s", t);
	free(t);
	tl_aws_error_free(e);
	return TL_EXIT_FAIL;
}

static int do_json(struct tl_aws *a, int argc, char **argv)
{
	struct tl_aws_error e = { 0 };
	cJSON *in = NULL, *out = NULL;
	char *text = NULL;
	int rc = TL_EXIT_OK;

	if (argc < 2 || argc > 3)
		return tl_cli_usage_error("json needs SERVICE TARGET [JSON]");
	if (argc == 3) {
		size_t len = 0;
		size_t pos = 0;
		if (strcmp(argv[2], "-") == 0)
			text = tl_read_file("/dev/stdin", (size_t)64 << 20, &len);
		else
			text = xstrdup(argv[2]), len = strlen(text);
		if (!text)
			return tl_cli_usage_error("cannot read the JSON body from stdin");
		in = tl_json_parse(text, len, &pos);
		if (!in) {
			free(text);
			return tl_cli_usage_error("the body is not JSON (at byte %zu)", pos);
		}
	}
	if (tl_aws_json_call(a, argv[0], argv[1], in, &out, &e) != 0) {
		rc = fail(&e);
	} else {
		char *s = tl_json_print(out);
		printf("%s\n", s);
		free(s);
	}
	cJSON_Delete(in);
	cJSON_Delete(out);
	free(text);
	return rc;
}

static ssize_t file_read(char *buf, size_t n, void *ctx)
{
	size_t got = fread(buf, 1, n, ctx);
	if (got == 0 && ferror(ctx))
		return -1;
	return (ssize_t)got;
}

static int file_rewind(void *ctx)
{
	return fseek(ctx, 0, SEEK_SET);
}

static int out_write(const char *p, size_t n, void *ctx)
{
	(void)ctx;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

static int do_s3(struct tl_aws *a, int argc, char **argv)
{
	struct tl_http_headers hd = { 0 };
	struct tl_aws_req req = { 0 };
	struct tl_aws_error e = { 0 };
	struct tl_http_resp resp;
	const char *body = NULL, *body_file = NULL;
	char *url;
	FILE *f = NULL;
	int rc = TL_EXIT_OK;

	if (argc < 2)
		return tl_cli_usage_error("s3 needs METHOD URL");
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--body") == 0 && i + 1 < argc) {
			body = argv[++i];
		} else if (strcmp(argv[i], "--body-file") == 0 && i + 1 < argc) {
			body_file = argv[++i];
		} else if (strcmp(argv[i], "-H") == 0 && i + 1 < argc) {
			const char *h = argv[++i], *c = strchr(h, ':');
			char *name;
			if (!c || c == h) {
				tl_http_headers_free(&hd);
				return tl_cli_usage_error("-H wants 'Name: value'");
			}
			name = xstrndup(h, (size_t)(c - h));
			c++;
			while (*c == ' ')
				c++;
			tl_http_headers_add(&hd, name, c);
			free(name);
		} else {
			tl_http_headers_free(&hd);
			return tl_cli_usage_error("unknown s3 argument \"%s\"", argv[i]);
		}
	}
	url = argv[1][0] == '/' ? xasprintf("%s%s", tl_aws_endpoint(a, "s3", NULL), argv[1])
				: xstrdup(argv[1]);
	req.service = "s3";
	req.method = argv[0];
	req.url = url;
	req.headers = &hd;
	req.s3 = true;
	req.write_fn = out_write;
	if (body) {
		req.body = body;
		req.body_len = strlen(body);
	} else if (body_file) {
		struct stat st;
		f = fopen(body_file, "rb");
		if (!f || fstat(fileno(f), &st) != 0) {
			tl_err("%s: cannot open", body_file);
			if (f)
				fclose(f);
			free(url);
			tl_http_headers_free(&hd);
			return TL_EXIT_FAIL;
		}
		req.read_fn = file_read;
		req.read_ctx = f;
		req.rewind_fn = file_rewind;
		req.body_size = st.st_size;
	}
	tl_http_resp_init(&resp);
	if (tl_aws_send(a, &req, &resp, &e) != 0) {
		print_resp_headers(&resp);
		rc = fail(&e);
	} else {
		print_resp_headers(&resp);
	}
	tl_http_resp_free(&resp);
	tl_http_headers_free(&hd);
	if (f)
		fclose(f);
	free(url);
	return rc;
}

int main(int argc, char **argv)
{
	/* in order: options stop at the subcommand, so "-H" and "--body" belong to it. */
	static const struct tl_cli_spec spec = { .usage = usage, .shortopts = "i", .max_args = -1,
						 .in_order = true };
	struct tl_aws_opts o = { 0 };
	struct tl_cli cli = { .spec = &spec, .aws = &o };
	struct tl_aws *a;
	char *err = NULL;
	int opt, rc;

	tl_cli_init(argv[0]);
	while ((opt = tl_cli_next(&cli, argc, argv)) > 0)
		show_headers = opt == 'i';
	if (opt == TL_CLI_EXIT)
		return cli.status;
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return tl_cli_usage_error("json or s3?");
	a = tl_aws_new(&o, &err);
	if (!a) {
		tl_err("%s", err);
		free(err);
		return TL_EXIT_USAGE;
	}
	if (strcmp(argv[0], "json") == 0)
		rc = do_json(a, argc - 1, argv + 1);
	else if (strcmp(argv[0], "s3") == 0)
		rc = do_s3(a, argc - 1, argv + 1);
	else
		rc = tl_cli_usage_error("unknown command \"%s\"", argv[0]);
	tl_aws_free(a);
	if (tl_cli_close_stdout() != 0 && rc == TL_EXIT_OK)
		rc = TL_EXIT_FAIL;
	tl_log_cleanup();
	return rc;
}
