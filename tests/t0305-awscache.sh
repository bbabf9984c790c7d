#!/bin/bash
# The AWS CLI's caches are shared only if the file names agree: they are SHA-1s of the text
# Python's json.dumps writes for the cache key's arguments. tl_awscache_pydumps must write that
# text byte for byte, for any document a configuration can give (unicode, escapes, numbers,
# nesting), sorted or not, compact or not; and botocore's own fetchers must name the files as
# tl_creds and tl_sso do.
. "$(dirname "$0")/lib.sh"

cat >"$TRASH/gen.py" <<'PY'
import json, random, sys
rng = random.Random(int(sys.argv[1]))
ALPHA = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f", "é", "ß", "日",
         "本", "😀", "\u2028", "\ufeff", "arn:aws:iam::123456789012:mfa/x", "=", "+", "%", "&"]
def s():
    return "".join(rng.choice(ALPHA) for _ in range(rng.randint(0, 12)))
def val(d):
    k = rng.randint(0, 7 if d < 3 else 4)
    if k == 0: return s()
    if k == 1: return rng.randint(-10**15, 10**15)
    if k == 2: return rng.choice([0.5, -1.25, 1e-7, 3.14159, 1e300, 2.5e-300, 123456.789])
    if k == 3: return rng.choice([True, False, None])
    if k == 4: return rng.randint(0, 43200)
    if k == 5: return [val(d + 1) for _ in range(rng.randint(0, 3))]
    return {s(): val(d + 1) for _ in range(rng.randint(0, 4))}
for _ in range(int(sys.argv[2])):
    doc = {s(): val(0) for _ in range(rng.randint(1, 5))}
    print(json.dumps(doc, ensure_ascii=False))
PY
cat >"$TRASH/ref.py" <<'PY'
import hashlib, json, sys
sort_keys, compact = "-s" in sys.argv, "-c" in sys.argv
for line in sys.stdin:
    d = json.loads(line)
    t = json.dumps(d, sort_keys=sort_keys, separators=(",", ":") if compact else None)
    print("%s\t%s" % (t, hashlib.sha1(t.encode()).hexdigest()))
PY

test_expect_success 'json.dumps text and SHA-1 names agree with Python on 2000 generated documents' '
	python3 "$TRASH/gen.py" 11 2000 >docs &&
	for flags in "" "-s" "-c" "-s -c"; do
		pydumps $flags <docs >ours && python3 "$TRASH/ref.py" $flags <docs >theirs &&
		test_cmp theirs ours || return 1
	done
'
test_expect_success 'botocore names the assume-role and SSO cache files as tl_creds and tl_sso do' '
	python3 - >want <<-\PY &&
	import hashlib, json
	from botocore.credentials import AssumeRoleCredentialFetcher, SSOCredentialFetcher
	for extra in ({}, {"RoleSessionName": "s"}, {"ExternalId": "é\"x", "DurationSeconds": 3600},
	              {"SerialNumber": "arn:aws:iam::1:mfa/u", "ExternalId": ""}):
	    f = AssumeRoleCredentialFetcher(None, None, "arn:aws:iam::1:role/r", extra_args=dict(extra))
	    print(f._cache_key)
	f = SSOCredentialFetcher("https://x/start", "eu-west-1", "Role", "111", None, sso_session_name="corp")
	print(f._cache_key)
	print(hashlib.sha1(b"corp").hexdigest())
	PY
	{
		printf "%s\n" "{\"RoleArn\": \"arn:aws:iam::1:role/r\"}" \
			"{\"RoleArn\": \"arn:aws:iam::1:role/r\", \"RoleSessionName\": \"s\"}" \
			"{\"RoleArn\": \"arn:aws:iam::1:role/r\", \"ExternalId\": \"é\\\"x\", \"DurationSeconds\": 3600}" \
			"{\"RoleArn\": \"arn:aws:iam::1:role/r\", \"SerialNumber\": \"arn:aws:iam::1:mfa/u\", \"ExternalId\": \"\"}" |
			pydumps -s | cut -f2 &&
		echo "{\"roleName\": \"Role\", \"accountId\": \"111\", \"sessionName\": \"corp\"}" | pydumps -s -c | cut -f2 &&
		printf %s corp | sha1sum | cut -c1-40
	} >got &&
	test_cmp want got
'
test_done
