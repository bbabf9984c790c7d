# tests/lib.sh: a tiny shell test library in the manner of git's t/test-lib.sh.
#
#   . "$TOP/tests/lib.sh"
#   test_expect_success 'what a user would check' '
#           cmd | grep -q expected
#   '
#   test_done
#
# Each test body runs in a subshell with "set -e" semantics off; it passes when it returns 0.
# Output: TAP-like "ok N - name" / "not ok N - name" lines read by tests/run.
# Helpers: test_skip REASON (skip the rest), test_cmp EXPECTED ACTUAL, test_line_count OP N FILE,
# wait_for SECS 'COND', wait_file FILE [SECS], wait_port PORT [SECS], standin_port PORTFILE [SECS],
# free_port, test_cleanup 'cmd' (run at exit, e.g. to kill servers). See tests/README.md.

set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BUILD:=build}"
export TOP BUILD
# Test data lives in the checkout (tests/data, each folder with its SOURCES.md and licenses).
export TESTDATA="$TOP/tests/data" TWEETS="$TOP/tests/data/tweets"
export PATH="$TOP/bin:$TOP/$BUILD/tests:$PATH"
# Version managers (pyenv) put shell scripts in front of python3, aws and moto that cost ~0.1 s
# a start (1 s on a busy machine); tests start them hundreds of times, so the interpreter's own
# folder goes first on PATH.
if [ -z "${TL_PYDIR:-}" ] && _py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null); then
	TL_PYDIR=$(dirname "$_py")
	[ "$(command -v python3)" != "$TL_PYDIR/python3" ] && export PATH="$TL_PYDIR:$PATH"
	export TL_PYDIR
fi
export LC_ALL=C.UTF-8
# Never let a developer's real AWS or X setup leak into a test.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
      AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION X_BEARER_TOKEN TWITTER_BEARER_TOKEN KAFKA_BROKERS
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

test_count=0
test_failed=0
test_skip_all=""
_cleanup_cmds=()

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/tl-test.XXXXXX")
export TRASH
# A home of the test's own: the AWS CLI's caches (~/.aws/sso/cache, ~/.aws/cli/cache) that the
# tools read and write are never the developer's.
export HOME=$TRASH/home
mkdir -p "$HOME"

_test_exit() {
	local c
	for c in "${_cleanup_cmds[@]+"${_cleanup_cmds[@]}"}"; do eval "$c" >/dev/null 2>&1 || true; done
	rm -rf "$TRASH"
}
trap _test_exit EXIT

test_cleanup() { _cleanup_cmds+=("$1"); }

test_skip() { test_skip_all=$1; }

test_expect_success() {
	# Locals are prefixed so that a test body's own variables are never shadowed.
	local _t_name=$1 _t_body=$2
	test_count=$((test_count + 1))
	if [ -n "$test_skip_all" ]; then
		echo "ok $test_count - $_t_name # skip $test_skip_all"
		return 0
	fi
	local _t_log="$TRASH/.test-$test_count.log"
	if (cd "$TRASH" && eval "$_t_body") >"$_t_log" 2>&1; then
		echo "ok $test_count - $_t_name"
		[ -n "${TEST_VERBOSE:-}" ] && sed 's/^/#   /' "$_t_log"
	else
		echo "not ok $test_count - $_t_name"
		sed 's/^/#   /' "$_t_log" | tail -n 40
		test_failed=$((test_failed + 1))
	fi
	return 0
}

test_expect_failure_status() { # STATUS CMD...: passes when CMD exits with exactly STATUS
	local want=$1; shift
	"$@"; local got=$?
	if [ "$got" -ne "$want" ]; then echo "expected exit $want, got $got: $*"; return 1; fi
	return 0
}

test_cmp() {
	if ! cmp -s "$1" "$2"; then
		echo "files differ: $1 $2"
		diff -u "$1" "$2" | head -n 40
		return 1
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Every wait polls with a deadline of tens of seconds: the suite must pass on a busy machine.
# wait_for SECS 'CONDITION': evaluates CONDITION every 0.1 s until it holds; fails (saying what it
# waited for) after SECS seconds.
wait_for() {
	local secs=$1 cond=$2 end=$((SECONDS + $1))
	until eval "$cond"; do
		if [ $SECONDS -ge $end ]; then
			echo "waited ${secs}s for: $cond" >&2
			return 1
		fi
		sleep 0.1
	done
}

# wait_file FILE [SECS]: until FILE exists and is not empty (default 60 s).
wait_file() {
	wait_for "${2:-60}" "[ -s '$1' ]"
}

wait_port() { # PORT [SECONDS]: until something listens on 127.0.0.1:PORT (default 60 s)
	wait_for "${2:-60}" "(exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null"
}

# standin_port PORTFILE [SECS]: waits for a stand-in started with --port-file PORTFILE to write
# the port it listens on (it writes it only once it listens), then prints it.
standin_port() {
	wait_for "${2:-60}" "grep -qE '^[0-9]+\$' '$1' 2>/dev/null" || return 1
	head -n 1 "$1"
}

test_line_count() { # OP N FILE: e.g. test_line_count = 3 out
	local n
	n=$(wc -l <"$3")
	if ! [ "$n" "-$(case $1 in =) echo eq;; -*) echo "${1#-}";; *) echo "$1";; esac)" "$2" ]; then
		echo "$3 has $n lines, expected $1 $2"
		return 1
	fi
}

test_done() {
	echo "# $test_count tests, $test_failed failed"
	[ "$test_failed" -eq 0 ]
}
