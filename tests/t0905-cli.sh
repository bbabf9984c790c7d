#!/bin/bash
# Every tool (each bin/*, so a tool added later is checked too) answers its command line the same
# way, through lib/tl_cli: an unknown option, a missing value, a value given to an option that
# takes none, an ambiguous abbreviation, -q with -v: one line "tool: error: ..." naming it, then
# "Try 'tool --help'.", exit 2, nothing on stdout. -h and --help print the same help on stdout with
# the same common options; -V and --version the same version line; help that cannot be written
# exits 1.
. "$(dirname "$0")/lib.sh"

tools=()
for t in "$TOP"/bin/*; do [ -x "$t" ] && tools+=("$(basename "$t")"); done

# usage_error TOOL 'MESSAGE' ARGS...: TOOL ARGS exits 2 with exactly MESSAGE and the hint.
usage_error() {
	local tool=$1 msg=$2 rc
	shift 2
	"$tool" "$@" </dev/null >out 2>err
	rc=$?
	[ "$rc" -eq 2 ] || { echo "$tool $*: exit $rc, not 2"; cat err; return 1; }
	! test -s out || { echo "$tool $*: wrote to stdout"; return 1; }
	printf '%s\n' "$tool: error: $msg" "Try '$tool --help'." >want
	test_cmp want err || { echo "($tool $*)"; return 1; }
}

# The options of a help text that take a value: "--name" and "-x" words followed by a METAVAR on
# the option lines (those that start with blanks and a dash).
value_opts() {
	grep -E '^ +-' "$1" | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]* [A-Z]' | grep -oE -- '--[a-z0-9-]+'
	grep -E '^ +-' "$1" | sed -nE 's/^ +(-[A-Za-z])(, --[a-z][a-z0-9-]*)? [A-Z].*/\1/p'
}

test_expect_success 'there are tools to check' '
	test ${#tools[@]} -ge 5
'

for tool in "${tools[@]}"; do
	test_expect_success "$tool: an unknown option, long or short, is named" '
		usage_error $tool "unknown option '\''--no-such-option'\''" --no-such-option &&
		usage_error $tool "unknown option '\''--no-such-option'\''" --no-such-option=1 &&
		usage_error $tool "unknown option '\''-@'\''" -@ &&
		usage_error $tool "unknown option '\''-@'\''" -v -@
	'
	test_expect_success "$tool: a missing value names its option, for every option that takes one" '
		$tool --help >help &&
		value_opts help | sort -u >opts && test -s opts &&
		while read -r o; do
			usage_error $tool "option '\''$o'\'' needs a value" "$o" || exit 1
		done <opts
	'
	test_expect_success "$tool: a value for an option that takes none, an ambiguous one, -q with -v" '
		usage_error $tool "option '\''--help'\'' takes no value" --help=yes &&
		usage_error $tool "option '\''--quiet'\'' takes no value" --quiet=1 &&
		usage_error $tool "option '\''--ver'\'' is ambiguous: --version, --verbose" --ver &&
		usage_error $tool "-q and -v exclude each other" -q -v
	'
	test_expect_success "$tool: -h and --help print the same help on stdout and exit 0" '
		$tool -h >h1 2>e1 && $tool --help >h2 2>e2 &&
		test_cmp h1 h2 && ! test -s e1 && ! test -s e2 &&
		head -n 1 h1 | grep -q "^usage: $tool " &&
		grep -E "^  -(q|h|V), --" h1 >common.$tool && test $(wc -l <common.$tool) -eq 3 &&
		grep -q "^  -v, --verbose  " h1
	'
	test_expect_success "$tool: -V and --version print the same version line and exit 0" '
		$tool -V >v1 2>e1 && $tool --version >v2 2>e2 &&
		test_cmp v1 v2 && ! test -s e1 && ! test -s e2 &&
		head -n 1 v1 | grep -qE "^$tool \(tweetlake\) [0-9]+\.[0-9]+\.[0-9]+$"
	'
	test_expect_success "$tool: help that cannot be written exits 1 and says so" '
		test_expect_failure_status 1 $tool --help >/dev/full 2>err &&
		grep -q "^$tool: error: error writing output" err
	'
done

test_expect_success 'the common options and the AWS options read the same in every help' '
	for tool in "${tools[@]}"; do
		$tool --help >help.$tool &&
		grep -E "^  -(q|h|V), --" help.$tool >common.$tool &&
		sed -n "/^AWS settings/,/^\$/p" help.$tool >aws.$tool || exit 1
	done &&
	for tool in "${tools[@]}"; do
		test_cmp common.${tools[0]} common.$tool || exit 1
		if test -s aws.$tool; then test_cmp aws.athena-query aws.$tool || exit 1; fi
	done &&
	test -s aws.athena-query && test -s aws.glue-crawl && test -s aws.kafka-to-s3
'

test_done
