#!/bin/bash
# House rules that a compiler does not check (lib/README.md, "House rules"): no unchecked or non-reentrant libc
# calls in the product code, lib/ never exits except through the x* wrappers and tl_die, and lib/
# never writes to stdout.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

test_expect_success 'no atoi, sprintf, strcpy, strcat, strtok, gmtime, localtime, gets in lib/ and src/' '
	! grep -nE "(^|[^_a-z])(atoi|atol|atoll|sprintf|vsprintf|strcpy|strcat|strtok|gmtime|localtime|gets)[[:space:]]*\(" \
		"$TOP"/lib/*.c "$TOP"/lib/*.h "$TOP"/src/*.c
'
test_expect_success 'lib/ calls exit() only in tl_alloc.c (the x* wrappers and tl_die)' '
	! grep -nE "(^|[^_a-z])(exit|_exit|abort)[[:space:]]*\(" "$TOP"/lib/*.c | grep -v "^$TOP/lib/tl_alloc.c:"
'
test_expect_success 'lib/ writes nothing to stdout' '
	! grep -nE "(^|[^a-z_])(printf|puts|putchar)[[:space:]]*\(|stdout|STDOUT_FILENO" "$TOP"/lib/*.c |
		grep -vE "^[^:]+:[0-9]+:[[:space:]]*(/\*|\*)" | grep -v "tl_cli.c:.*\(version\|help(cli, stdout)\|tl_cli_close_stdout\|printf(\"%s (tweetlake)\|printf(\"librdkafka\|fflush(stdout)\|ferror(stdout)\)"
'
test_done
