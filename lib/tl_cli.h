/* tl_cli.h: what every tool shares on its command line: --help, --version, -v/-q, and the
 * start-up every main() does.
 */
#ifndef TL_CLI_H
#define TL_CLI_H
#include "tl_io.h"

#include <stdio.h>

/* Exit statuses shared by the suite (lib/README.md). */
enum {
	TL_EXIT_OK = 0,
	TL_EXIT_FAIL = 1,  /* runtime failure or some records not handled */
	TL_EXIT_USAGE = 2, /* usage or configuration error */
};

/* Sets the log prefix from argv0, installs signal handling, sets LC_CTYPE only. */
void tl_cli_init(const char *argv0);
/* Prints "tool (tweetlake) VERSION" and the versions of the libraries linked in, to stdout. */
void tl_cli_version(void);
/* Prints usage (the tool's full help text) to f. */
void tl_cli_usage(FILE *f, const char *usage);
/* Prints "tool: message" and "Try 'tool --help'." to stderr; returns TL_EXIT_USAGE. */
int tl_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Closes stdout checking for lost output (jq-style); returns 0 or -1 (message printed). */
int tl_cli_close_stdout(void);
/* tl_read_file(), once here, is in tl_io.h (included above) so lib/ can use it too. */

#endif
