/* awsconf-query: answers questions about the AWS config files through tl_awsconf, for the
 * comparison with botocore (tests/helpers/awsconf-diff.py).
 *
 *   awsconf-query < QUERIES
 *
 * Loads the files named by AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (profile "default"),
 * then reads one query per line and prints one JSON value per line:
 *   has PROFILE          true or false
 *   get PROFILE KEY      the value as a JSON string, or null
 * PROFILE and KEY are separated by a tab ("get\tPROFILE\tKEY"), so both may hold spaces.
 * A file that does not load prints {"error": "..."} and exits 2.
 */
#include "tl_alloc.h"
#include "tl_awsconf.h"
#include "tl_buf.h"
#include "tl_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	(void)argc;
	tl_log_init(argv[0]);
	char *err = NULL;
	struct tl_awsconf *c = tl_awsconf_load(NULL, &err);
	struct tl_buf b = TL_BUF_INIT;
	if (!c) {
		tl_buf_adds(&b, "{\"error\": ");
		tl_buf_add_json_str(&b, err, strlen(err));
		tl_buf_adds(&b, "}\n");
		fputs(tl_buf_str(&b), stdout);
		free(err);
		tl_buf_release(&b);
		return 2;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		char *f1 = strchr(line, '\t');
		if (!f1)
			continue;
		*f1++ = '\0';
		tl_buf_reset(&b);
		if (strcmp(line, "has") == 0) {
			tl_buf_adds(&b, tl_awsconf_has_profile(c, f1) ? "true" : "false");
		} else if (strcmp(line, "get") == 0) {
			char *f2 = strchr(f1, '\t');
			if (!f2)
				continue;
			*f2++ = '\0';
			const char *v = tl_awsconf_get_profile(c, f1, f2);
			if (v)
				tl_buf_add_json_str(&b, v, strlen(v));
			else
				tl_buf_adds(&b, "null");
		} else {
			continue;
		}
		tl_buf_addc(&b, '\n');
		fputs(tl_buf_str(&b), stdout);
	}
	free(line);
	tl_buf_release(&b);
	tl_awsconf_free(c);
	return 0;
}
