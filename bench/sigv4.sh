#!/bin/sh
# bench/sigv4.sh: SigV4 signatures per second, lib/tl_sigv4 against botocore, on the same requests.
#
#   make build/tests/sigv4-sign && bench/sigv4.sh [REQUESTS] [ROUNDS]
#
# Generates REQUESTS (default 20000) mixed requests with tests/helpers/sigv4-crosscheck.py (S3 objects with
# odd keys, query strings and bodies up to 1 KiB; Glue/Athena JSON calls; generic paths), signed
# as a running tool signs them: one credential, one region, one day. botocore's add_auth
# (SigV4Auth / S3SigV4Auth) signs each once, in one Python process; then build/tests/sigv4-sign
# --bench signs each of the same requests ROUNDS times in a row (default 10; its data stays in the
# cache, as for a tool signing the request it just built) through tl_sigv4_sign(), result freed
# each time. Each side is timed three times and its best pass counts (the machine is shared).
# Both rates, their ratio, and whether all Authorization headers were identical are printed; the
# exit status is 1 if any differed. Build without SANITIZE for real figures.
set -eu
cd "$(dirname "$0")/.."
N=${1:-20000}
ROUNDS=${2:-10}
HELPER=${BUILD:-build}/tests/sigv4-sign
if [ ! -x "$HELPER" ]; then
	echo "bench/sigv4.sh: $HELPER missing: run 'make $HELPER' first" >&2
	exit 1
fi
exec python3 tests/helpers/sigv4-crosscheck.py --helper "$HELPER" --bench "$N" --rounds "$ROUNDS"
