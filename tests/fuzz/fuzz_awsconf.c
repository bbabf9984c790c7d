/* libFuzzer target: the AWS config file parser (tl_awsconf) over arbitrary bytes, split into a
 * config and a credentials file at the first 0xff byte. Whatever loads must answer lookups and
 * endpoint questions without crashing; the input goes through memfds named by
 * AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE, as a user's files would. */
#include "tl_awsconf.h"
#include "tl_io.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfile(const char *env, const uint8_t *p, size_t n)
{
	char path[64];
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return -1;
	if (tl_write_all(fd, p, n) < 0) {
		close(fd);
		return -1;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	setenv(env, path, 1);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *split = memchr(data, 0xff, size);
	size_t n1 = split ? (size_t)(split - data) : size;
	int f1 = memfile("AWS_CONFIG_FILE", data, n1);
	int f2 = memfile("AWS_SHARED_CREDENTIALS_FILE", split ? split + 1 : data,
			 split ? size - n1 - 1 : 0);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_DEFAULT_PROFILE");
	unsetenv("AWS_ENDPOINT_URL");
	char *err = NULL;
	struct tl_awsconf *c = tl_awsconf_load(NULL, &err);
	if (c) {
		static const char *const keys[] = { "region", "services", "endpoint_url", "s3",
						    "role_arn", "aws_access_key_id" };
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
			const char *v = tl_awsconf_get(c, keys[i]);
			if (v && strlen(v) > n1 + size)
				abort(); /* a value longer than the input cannot be */
		}
		static const char *const svcs[] = { "s3", "glue", "sts" };
		for (size_t i = 0; i < 3; i++) {
			bool custom;
			free(tl_awsconf_endpoint(c, svcs[i], "us-east-1", NULL, &custom));
		}
		(void)tl_awsconf_region(c, NULL);
		(void)tl_awsconf_has_profile(c, "dev");
		tl_awsconf_free(c);
	} else if (!err) {
		abort(); /* a failure always says why */
	}
	free(err);
	if (f1 >= 0)
		close(f1);
	if (f2 >= 0)
		close(f2);
	return 0;
}
