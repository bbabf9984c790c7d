/* creds-show: resolves AWS credentials with tl_creds as a tool would, for the shell tests.
 *
 *   creds-show [-p PROFILE] [-r REGION] [-n COUNT] [-s MS] [-t THREADS] [-H] [-v]...
 *
 * Prints one line per resolution on stdout: "source=S key=ACCESS_KEY_ID secret=yes|no
 * token=yes|no expires=yes|no" — never the secret or the token; -H adds "secret_sha256=HEX
 * token_sha256=HEX expiration=RFC3339" (the first 16 hex digits of SHA-256), so that a test can
 * compare them with botocore's (tests/helpers/creds-botocore.py). -n resolves COUNT times, -s
 * sleeps MS between them, -t resolves once in each of THREADS threads at once. -v: debug log,
 * -vv: trace (HTTP headers). Exit 1 (with the reason on stderr) when resolution fails, 2 on a
 * configuration error.
 */
#include "tl_alloc.h"
#include "tl_awsconf.h"
#include "tl_creds.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_sigv4.h"
#include "tl_time.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct tl_creds_provider *prov;
static int hashes;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static int show_once(void)
{
	struct tl_creds c;
	char *err = NULL;
	if (tl_creds_get(prov, &c, &err) < 0) {
		tl_err("%s", err);
		free(err);
		return -1;
	}
	pthread_mutex_lock(&out_lock);
	printf("source=%s key=%s secret=%s token=%s expires=%s", c.source, c.access_key,
	       c.secret_key && *c.secret_key ? "yes" : "no", c.session_token ? "yes" : "no",
	       c.expires_ms ? "yes" : "no");
	if (hashes) {
		char sh[65], th[65] = "none", when[40] = "never";
		tl_sha256_hex(c.secret_key, strlen(c.secret_key), sh);
		if (c.session_token)
			tl_sha256_hex(c.session_token, strlen(c.session_token), th);
		if (c.expires_ms)
			tl_time_format(c.expires_ms, 0, when, sizeof when);
		printf(" secret_sha256=%.16s token_sha256=%.16s expiration=%s", sh, th, when);
	}
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	tl_creds_free(&c);
	return 0;
}

static void *thread_main(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)show_once();
}

int main(int argc, char **argv)
{
	const char *profile = NULL, *region = NULL;
	int count = 1, sleep_ms = 0, threads = 0, verbose = 0, opt;
	tl_log_init(argv[0]);
	while ((opt = getopt(argc, argv, "p:r:n:s:t:Hv")) != -1) {
		switch (opt) {
		case 'p': profile = optarg; break;
		case 'r': region = optarg; break;
		case 'n':
			if (tl_parse_int(optarg, 1, 1000, &count) < 0)
				tl_die(2, "bad -n");
			break;
		case 's':
			if (tl_parse_int(optarg, 0, 600000, &sleep_ms) < 0)
				tl_die(2, "bad -s");
			break;
		case 't':
			if (tl_parse_int(optarg, 1, 64, &threads) < 0)
				tl_die(2, "bad -t");
			break;
		case 'H': hashes = 1; break;
		case 'v': verbose++; break;
		default:
			fprintf(stderr, "usage: creds-show [-p PROFILE] [-r REGION] [-n COUNT] [-s MS] "
					"[-t THREADS] [-H] [-v]...\n");
			return 2;
		}
	}
	if (verbose)
		tl_log_set_level(verbose > 1 ? TL_LOG_TRACE : TL_LOG_DEBUG);
	char *err = NULL;
	struct tl_awsconf *cfg = tl_awsconf_load(profile, &err);
	if (!cfg) {
		tl_err("%s", err);
		free(err);
		return 2;
	}
	prov = tl_creds_provider_new(cfg, tl_awsconf_region(cfg, region));
	int rc = 0;
	if (threads) {
		pthread_t t[64];
		for (int i = 0; i < threads; i++)
			if (pthread_create(&t[i], NULL, thread_main, NULL) != 0)
				tl_die(1, "pthread_create failed");
		for (int i = 0; i < threads; i++) {
			void *r;
			pthread_join(t[i], &r);
			if (r)
				rc = 1;
		}
	} else {
		for (int i = 0; i < count && rc == 0; i++) {
			if (i && sleep_ms)
				tl_sleep_ms(sleep_ms);
			if (show_once() < 0)
				rc = 1;
		}
	}
	tl_creds_provider_free(prov);
	tl_awsconf_free(cfg);
	tl_log_cleanup();
	return rc;
}
