# tests/lib-moto.sh: start a moto server (S3, Glue, Athena, STS, IAM on one port) for a test file.
#
#   . "$TOP/tests/lib-moto.sh"
#   moto_start [--auth]     # skips the rest of the file (test_skip) when moto is not installed
#
# Sets and exports MOTO_PORT, MOTO_URL, AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, and MOTO_LOG: the file where moto-serve.py records every request it gets
# (one JSON line each: method, path, query, headers, body), to check what a tool sent and signed. With --auth, moto checks every request's SigV4 signature from then on
# (see tests/README.md for the quirks: keys that encode to %3D or %2F are wrongly refused).
# The server is stopped when the test file exits.

moto_start() {
	if ! python3 -c 'import moto.server, flask, boto3' >/dev/null 2>&1; then
		test_skip "moto server not installed"
		return 0
	fi
	MOTO_LOG=$TRASH/moto-requests.jsonl
	export MOTO_LOG
	python3 "$TOP/tests/stubs/moto-serve.py" --port-file "$TRASH/moto.port" --log "$MOTO_LOG" \
		>"$TRASH/moto.log" 2>&1 &
	MOTO_PID=$!
	test_cleanup "kill $MOTO_PID"
	if ! MOTO_PORT=$(standin_port "$TRASH/moto.port" 90); then
		cat "$TRASH/moto.log" >&2
		echo "moto server did not start" >&2
		return 1
	fi
	MOTO_URL="http://127.0.0.1:$MOTO_PORT"
	local creds
	creds=$(python3 "$TOP/tests/stubs/moto-setup.py" "$MOTO_URL" "$@") || {
		echo "moto setup failed" >&2
		return 1
	}
	eval "$creds"
	export MOTO_PORT MOTO_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	export AWS_ENDPOINT_URL=$MOTO_URL AWS_REGION=us-east-1
}
