#include "tl_cli.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_log.h"
#include "tl_sig.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <locale.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

void tl_cli_init(const char *argv0)
{
	tl_log_init(argv0);
	tl_sig_init();
	setlocale(LC_CTYPE, "");
}

void tl_cli_version(void)
{
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	printf("%s (tweetlake) %s\n", tl_log_tool(), TL_VERSION);
	printf("librdkafka %s, libcurl %s, %s, cJSON %s, zlib %s\n", rd_kafka_version_str(),
	       cv->version, OpenSSL_version(OPENSSL_VERSION), cJSON_Version(), zlibVersion());
}

void tl_cli_usage(FILE *f, const char *usage)
{
	fputs(usage, f);
}

int tl_cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tl_vlog(TL_LOG_ERROR, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", tl_log_tool());
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
