/* tl_cli.h: the command-line skeleton every tool shares, in the manner of git's parse_options().
 *
 * tl_cli owns the common options (-h/--help, -V/--version, -v/--verbose, -q/--quiet), the AWS
 * options (--profile, --region, --endpoint-url, --no-verify-ssl), the common part of --help, and
 * one wording for every usage error: one line "tool: ..." naming the option or argument, then the
 * hint "Try 'tool --help'.", exit status 2. A tool keeps its defaults in one initializer and reads
 * its own options in one loop:
 *
 *	struct tl_cli cli = { .spec = &spec, .aws = &o->aws };
 *	while ((c = tl_cli_next(&cli, argc, argv)) > 0)
 *		switch (c) { case 'n': ... default: return tl_cli_bad_value(&cli, "a count"); }
 *	if (c == TL_CLI_EXIT)
 *		return cli.status;
 *	(operands are argv[optind..argc))
 *
 * tl_cli is the top of lib/: it knows tl_aws_opts and the libraries' versions; no other lib module
 * includes it.
 */
#ifndef TL_CLI_H
#define TL_CLI_H
#include "tl_aws.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit statuses shared by the suite. */
enum {
	TL_EXIT_OK = 0,
	TL_EXIT_FAIL = 1,  /* runtime failure or some records not handled */
	TL_EXIT_USAGE = 2, /* usage or configuration error */
};

/* What tl_cli_next() returns besides a tool's option code, and what a tool's parse function
 * returns when the tool is to go on and run (else it returns an exit status). */
enum {
	TL_CLI_END = 0,   /* the options are done; operands start at argv[optind] */
	TL_CLI_RUN = -1,  /* (a tool's own convention) parsed: run */
	TL_CLI_EXIT = -2, /* help or version shown, or a usage error reported: exit with cli.status */
};

/* Codes at or above this are tl_cli's own; a tool's long-only options use 256 and up, below it. */
#define TL_CLI_OPT_BASE 0x10000
#define TL_CLI_MAX_OPTS 80

/* A tool's command line, besides what tl_cli owns. Static and constant in each tool. */
struct tl_cli_spec {
	const char *usage;        /* "usage: ..." lines, what the tool does, its own options */
	const char *verbose_help; /* what -v gives, e.g. "more detail (twice: HTTP traces)" */
	const char *epilog;       /* NULL, or the last paragraph of --help (exit statuses) */
	const char *shortopts;    /* its own short options in getopt's syntax ("d:w:n:"), or NULL */
	const struct option *longopts; /* its own long options, ending in { 0 }; NULL for none */
	int max_args;             /* operands allowed after the options; -1 for any number */
	bool in_order;            /* options end at the first operand (a subcommand's own follow) */
};

struct tl_cli {
	const struct tl_cli_spec *spec;
	struct tl_aws_opts *aws;  /* where the AWS options go; NULL: the tool takes none */
	/* what the common options said */
	int verbose;              /* -v given this many times */
	bool quiet;               /* -q */
	/* after TL_CLI_EXIT: the status to exit with */
	int status;
	/* the option tl_cli_next() just returned, as messages name it ("--max-rows", "-n"), and
	 * its value (optarg) */
	char name[48];
	const char *arg;
	/* private: getopt's tables with the common options added */
	char optstring[128];
	struct option longopts[TL_CLI_MAX_OPTS];
	bool ready;
};

/* Sets the log prefix from argv0, installs signal handling, sets LC_CTYPE only. */
void tl_cli_init(const char *argv0);

/* The next option of argv (getopt_long underneath; optind and optarg as getopt leaves them).
 * Returns a tool's own option code (> 0); TL_CLI_END when the options are done, after checking
 * the number of operands and setting the log level from -v/-q; or TL_CLI_EXIT, with cli->status
 * set, when --help or --version was printed to stdout (0, or 1 when stdout could not be written)
 * or a usage error was reported on stderr (2): an unknown or ambiguous option, a missing value, a
 * value given to an option that takes none, too many operands, -q with -v. Dies (a programming
 * error) when the tool's options collide with the common ones or overflow TL_CLI_MAX_OPTS. */
int tl_cli_next(struct tl_cli *cli, int argc, char **argv);

/* Reports that the value of the option tl_cli_next() just returned is not what it takes:
 * "tool: --max-rows: a positive number, not 'x'" and the hint. Returns TL_EXIT_USAGE. */
int tl_cli_bad_value(const struct tl_cli *cli, const char *takes);

/* Prints "tool: message" and "Try 'tool --help'." to stderr; returns TL_EXIT_USAGE. */
int tl_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Closes stdout checking for lost output (jq-style); returns 0 or -1 (message printed unless the
 * reader left, EPIPE). */
int tl_cli_close_stdout(void);

#endif
