#include "tl_cli.h"
#include "tl_alloc.h"
#include "tl_log.h"
#include "tl_sig.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <locale.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum {
	OPT_PROFILE = TL_CLI_OPT_BASE,
	OPT_REGION,
	OPT_ENDPOINT_URL,
	OPT_NO_VERIFY_SSL,
};

#define COMMON_SHORT "hVvq"

static const struct option common_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
};

static const struct option aws_opts[] = {
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "endpoint-url", required_argument, NULL, OPT_ENDPOINT_URL },
	{ "no-verify-ssl", no_argument, NULL, OPT_NO_VERIFY_SSL },
};

/* The common part of --help: one text for every tool (the option column is the 30th). */
static const char aws_help[] =
	"\n"
	"AWS settings (else read as the AWS CLI reads its environment and files):\n"
	"      --profile NAME         a profile of ~/.aws/config and ~/.aws/credentials\n"
	"      --region REGION        the AWS region\n"
	"      --endpoint-url URL     another endpoint (an S3-compatible store, a stand-in)\n"
	"      --no-verify-ssl        do not verify TLS certificates\n";
static const char common_help[] =
	"\n"
	"  -v, --verbose              %s\n"
	"  -q, --quiet                errors only\n"
	"  -h, --help                 this help\n"
	"  -V, --version              the version of the tool and of its libraries\n";

/* The full help: the tool's usage, then the common options, then the epilog. */
static void help(const struct tl_cli *cli, FILE *f)
{
	const struct tl_cli_spec *s = cli->spec;
	fputs(s->usage, f);
	if (cli->aws)
		fputs(aws_help, f);
	fprintf(f, common_help, s->verbose_help ? s->verbose_help : "more messages");
	if (s->epilog)
		fprintf(f, "\n%s", s->epilog);
}

/* "tool (tweetlake) VERSION" and the versions of the libraries linked in. */
static void version(void)
{
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	printf("%s (tweetlake) %s\n", tl_log_tool(), TL_VERSION);
	printf("librdkafka %s, libcurl %s, %s, cJSON %s, zlib %s\n", rd_kafka_version_str(),
	       cv->version, OpenSSL_version(OPENSSL_VERSION), cJSON_Version(), zlibVersion());
}

void tl_cli_init(const char *argv0)
{
	tl_log_init(argv0);
	tl_sig_init();
	setlocale(LC_CTYPE, "");
}

static void add_long(struct tl_cli *cli, size_t *n, const struct option *o)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(cli->longopts[i].name, o->name))
			tl_die(TL_EXIT_FAIL, "option table: --%s twice", o->name);
	if (*n + 1 >= TL_CLI_MAX_OPTS)
		tl_die(TL_EXIT_FAIL, "option table: more than %d options", TL_CLI_MAX_OPTS - 1);
	cli->longopts[(*n)++] = *o;
}

/* getopt's tables: ':' first (a missing value is told apart), the tool's options, ours. */
static void setup(struct tl_cli *cli)
{
	const struct tl_cli_spec *s = cli->spec;
	const char *so = s->shortopts ? s->shortopts : "";
	size_t n = 0;

	for (const char *p = COMMON_SHORT; *p; p++)
		if (strchr(so, *p))
			tl_die(TL_EXIT_FAIL, "option table: -%c is a common option", *p);
	if (snprintf(cli->optstring, sizeof cli->optstring, "%s:%s%s", s->in_order ? "+" : "", so,
		     COMMON_SHORT) >=
	    (int)sizeof cli->optstring)
		tl_die(TL_EXIT_FAIL, "option table: too many short options");
	for (const struct option *o = s->longopts; o && o->name; o++) {
		if (o->val >= TL_CLI_OPT_BASE)
			tl_die(TL_EXIT_FAIL, "option table: --%s has a code of tl_cli's", o->name);
		add_long(cli, &n, o);
	}
	for (size_t i = 0; i < sizeof common_opts / sizeof *common_opts; i++)
		add_long(cli, &n, &common_opts[i]);
	for (size_t i = 0; cli->aws && i < sizeof aws_opts / sizeof *aws_opts; i++)
		add_long(cli, &n, &aws_opts[i]);
	memset(&cli->longopts[n], 0, sizeof cli->longopts[n]);
	opterr = 0; /* our own messages, naming the option */
	cli->ready = true;
}

/* An argv word as messages name it: "--name" without "=value". */
static void word_name(struct tl_cli *cli, const char *word)
{
	size_t n = strcspn(word, "=");
	snprintf(cli->name, sizeof cli->name, "%.*s", (int)(n < 40 ? n : 40), word);
}

/* Reports an option getopt refused ('?'). */
static int refused(struct tl_cli *cli, int argc, char **argv)
{
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	bool is_long = !strncmp(word, "--", 2);

	if (optopt && is_long && (optopt >= 256 || strchr(cli->optstring, optopt))) {
		/* a known long option given "=value" it does not take */
		word_name(cli, word);
		return tl_cli_usage_error("option '%s' takes no value", cli->name);
	}
	if (optopt || !is_long) {
		snprintf(cli->name, sizeof cli->name, "-%c", optopt ? optopt : '?');
		return tl_cli_usage_error("unknown option '%s'", cli->name);
	}
	word_name(cli, word);
	size_t len = strlen(cli->name) - 2, matches = 0;
	char list[160] = "";
	for (const struct option *o = cli->longopts; o->name; o++) {
		if (strncmp(o->name, cli->name + 2, len) != 0)
			continue;
		size_t used = strlen(list);
		snprintf(list + used, sizeof list - used, "%s--%s", matches ? ", " : "", o->name);
		matches++;
	}
	if (matches > 1)
		return tl_cli_usage_error("option '%s' is ambiguous: %s", cli->name, list);
	return tl_cli_usage_error("unknown option '%s'", cli->name);
}

/* The options are done: the checks that need all of them, then the log level. */
static int finish(struct tl_cli *cli, int argc, char **argv)
{
	int max = cli->spec->max_args;
	if (cli->quiet && cli->verbose)
		cli->status = tl_cli_usage_error("-q and -v exclude each other");
	else if (max >= 0 && argc - optind > max)
		cli->status = tl_cli_usage_error("unexpected argument '%s'", argv[optind + max]);
	else {
		int level = TL_LOG_INFO + cli->verbose;
		tl_log_set_level(cli->quiet ? TL_LOG_ERROR : level > TL_LOG_TRACE ? TL_LOG_TRACE : level);
		return TL_CLI_END;
	}
	return TL_CLI_EXIT;
}

int tl_cli_next(struct tl_cli *cli, int argc, char **argv)
{
	if (!cli->ready)
		setup(cli);
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, cli->optstring, cli->longopts, &idx);
		cli->arg = optarg;
		if (c == -1)
			return finish(cli, argc, argv);
		if (idx >= 0)
			snprintf(cli->name, sizeof cli->name, "--%s", cli->longopts[idx].name);
		else if (c > 0 && c < 256 && c != '?' && c != ':')
			snprintf(cli->name, sizeof cli->name, "-%c", c);
		switch (c) {
		case 'h':
			help(cli, stdout);
			cli->status = tl_cli_close_stdout() < 0 ? TL_EXIT_FAIL : TL_EXIT_OK;
			return TL_CLI_EXIT;
		case 'V':
			version();
			cli->status = tl_cli_close_stdout() < 0 ? TL_EXIT_FAIL : TL_EXIT_OK;
			return TL_CLI_EXIT;
		case 'v': cli->verbose++; break;
		case 'q': cli->quiet = true; break;
		case OPT_PROFILE: cli->aws->profile = optarg; break;
		case OPT_REGION: cli->aws->region = optarg; break;
		case OPT_ENDPOINT_URL: cli->aws->endpoint_url = optarg; break;
		case OPT_NO_VERIFY_SSL: cli->aws->no_verify_ssl = true; break;
		case ':':
			if (optind > 0 && optind <= argc && !strncmp(argv[optind - 1], "--", 2))
				word_name(cli, argv[optind - 1]);
			else
				snprintf(cli->name, sizeof cli->name, "-%c", optopt);
			cli->status = tl_cli_usage_error("option '%s' needs a value", cli->name);
			return TL_CLI_EXIT;
		case '?':
			cli->status = refused(cli, argc, argv);
			return TL_CLI_EXIT;
		default:
			return c;
		}
	}
}

int tl_cli_bad_value(const struct tl_cli *cli, const char *takes)
{
	return tl_cli_usage_error("%s: %s, not '%s'", cli->name, takes, cli->arg ? cli->arg : "");
}

int tl_cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tl_vlog(TL_LOG_ERROR, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", tl_log_tool());
	return TL_EXIT_USAGE;
}

int tl_cli_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			tl_err("error writing output: %s", strerror(errno));
		return -1;
	}
	return 0;
}
