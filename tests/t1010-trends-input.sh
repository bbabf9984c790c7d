#!/bin/bash
# tw-trends and what goes wrong with input: late, too late and far-future times, tweets without
# a time, lines that are not JSON or not tweets, invalid UTF-8, NUL bytes, huge lines, no final
# newline: all counted and reported, never a crash or a stall, exit 1; --state across restarts.
. "$(dirname "$0")/lib.sh"

# N minimal tweets, one every 100 ms from 2026-03-01T10:00:00Z, with #steady in each
gen() {
	python3 - "$@" <<'PY'
import datetime, json, sys
n = int(sys.argv[1]); t0 = datetime.datetime(2026, 3, 1, 10, 0, 0, tzinfo=datetime.timezone.utc)
for i in range(n):
    t = t0 + datetime.timedelta(milliseconds=100 * i)
    print(json.dumps({"id": str(i), "created_at": t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                      "text": "steady words here #steady", "lang": "en"}))
PY
}

test_expect_success 'late tweets count, too-late and far-future ones are dropped and reported, windows go on' '
	gen 3000 >in.jsonl &&
	{ head -n 2000 in.jsonl
	  echo "{\"id\":\"a\",\"created_at\":\"2026-03-01T10:03:10Z\",\"text\":\"late but counted #late\"}"
	  echo "{\"id\":\"b\",\"created_at\":\"2026-03-01T09:50:00Z\",\"text\":\"far too late #toolate\"}"
	  echo "{\"id\":\"c\",\"created_at\":\"2099-01-01T00:00:00Z\",\"text\":\"from the future #future\"}"
	  echo "{\"id\":\"d\",\"created_at\":\"2026-03-01T12:00:00Z\",\"text\":\"a clock two hours ahead\"}"
	  tail -n +2001 in.jsonl; } >mixed.jsonl &&
	test_expect_failure_status 1 tw-trends <mixed.jsonl >out.jsonl 2>err && cat err &&
	grep -q "3001 tweets (1 late, 1 too late, 2 from the future" err &&
	test "$(jq -s "[.[] | select(.event==\"window\") | .late] | add" out.jsonl)" = 1 &&
	test "$(jq -s "[.[] | select(.event==\"window\") | .too_late] | add" out.jsonl)" = 1 &&
	test "$(jq -s "[.[] | select(.event==\"window\") | .future] | add" out.jsonl)" = 2 &&
	test "$(jq -r "select(.event==\"window\") | .time" out.jsonl | tail -1)" = 2026-03-01T10:05:00Z &&
	test "$(jq -s "[.[] | select(.event==\"window\") | .tweets] | add" out.jsonl)" = 3000
'

test_expect_success 'a jump of the clock that three tweets agree on is believed' '
	{ gen 100; python3 -c "
import json
for i in range(5): print(json.dumps({\"id\": \"j%d\" % i, \"created_at\": \"2026-03-01T11:00:0%dZ\" % i, \"text\": \"after a gap\"}))"; } >jump.jsonl &&
	tw-trends <jump.jsonl >out.jsonl 2>err && cat err && grep -q "105 tweets (0 late, 0 too late, 0 from the future" err &&
	test "$(jq -r "select(.event==\"window\") | .time" out.jsonl | tail -1)" = 2026-03-01T11:00:05Z
'

test_expect_success 'bad lines: not JSON, not a tweet, no time, bad time, invalid UTF-8, NUL, huge, no final newline' '
	gen 50 >good.jsonl &&
	{ head -n 10 good.jsonl
	  echo "this is not json"
	  echo "{\"id\":\"x\",\"created_at\":\"2026-03-01T10:00:01Z\",\"text\":\"cut off"
	  echo "[1,2,3]"
	  echo "{\"hello\":\"world\"}"
	  echo "{\"id\":\"y\",\"text\":\"no time at all\"}"
	  echo "{\"id\":\"z\",\"created_at\":\"yesterday\",\"text\":\"bad time\"}"
	  printf "{\"id\":\"u\",\"created_at\":\"2026-03-01T10:00:01Z\",\"text\":\"bad \\377\\376 utf8\"}\n"
	  printf "{\"id\":\"n\",\"created_at\":\"2026-03-01T10:00:01Z\",\"text\":\"nul \\000 inside\"}\n"
	  head -c 2000000 /dev/zero | tr "\\0" a; echo
	  echo
	  tail -n +11 good.jsonl | head -n 39
	  tail -n 1 good.jsonl | tr -d "\\n"; } >bad.jsonl &&
	test_expect_failure_status 1 tw-trends <bad.jsonl >out.jsonl 2>err && cat err &&
	grep -q "50 tweets (0 late, 0 too late, 0 from the future, 2 without a time); 4 bad lines, 2 not tweets, 1 too long" err &&
	grep -q "line 11: not JSON" err && grep -q "line 19: longer than" err && grep -q "line 17: not JSON (invalid UTF-8" err &&
	test "$(jq -s "[.[] | select(.event==\"window\") | .tweets] | add" out.jsonl)" = 50
'

test_expect_success 'a clean run exits 0; the output going away ends it (141), like other tools' '
	tw-trends <good.jsonl >/dev/null 2>err && ! test -s err.warn &&
	gen 20000 >big.jsonl &&
	{ tw-trends <big.jsonl 2>/dev/null | head -n 1 >/dev/null; test "${PIPESTATUS[0]}" -eq 141; }
'

test_expect_success 'usage errors exit 2' '
	test_expect_failure_status 2 tw-trends --window 90ms </dev/null &&
	test_expect_failure_status 2 tw-trends --kinds hashtags,emoji </dev/null &&
	test_expect_failure_status 2 tw-trends --holt 0.5,0.1 </dev/null &&
	test_expect_failure_status 2 tw-trends -G g </dev/null &&
	test_expect_failure_status 2 tw-trends --score -1 </dev/null &&
	tw-trends --kinds hashtags,words --window 2m --step 2s </dev/null
'

test_expect_success '--state: a restart continues exactly where it stopped' '
	tw-stream -q --simulate --seed 5 --max-tweets 40000 --backdate 12m --burst Restart@7+3*3% >sim.jsonl &&
	tw-trends --warmup 2m <sim.jsonl >whole.jsonl 2>/dev/null &&
	head -n 20000 sim.jsonl >p1 && tail -n +20001 sim.jsonl >p2 &&
	tw-trends --warmup 2m --state st <p1 >s1.jsonl 2>err1 && grep -q "no state yet" err1 &&
	tw-trends --warmup 2m --state st <p2 >s2.jsonl 2>err2 && grep -q "state restored" err2 &&
	cat s1.jsonl s2.jsonl >both.jsonl && head -n "$(wc -l <both.jsonl)" whole.jsonl >whole-cut &&
	test_cmp whole-cut both.jsonl &&
	jq -c "select(.event==\"trend-start\" and .term==\"#restart\")" s2.jsonl | grep -q . &&
	head -c 100 st | grep -q "^{\"tw_trends_state\":1"
'

test_expect_success '--state: restored terms evicted later: output and state as uninterrupted' '
	tw-trends --warmup 2m --capacity 300 --state whole.st <sim.jsonl >whole300.jsonl 2>/dev/null &&
	tw-trends --warmup 2m --capacity 300 --state r.st <p1 >r1.jsonl 2>/dev/null &&
	tw-trends --warmup 2m --capacity 300 --state r.st <p2 >r2.jsonl 2>/dev/null &&
	cat r1.jsonl r2.jsonl >r.jsonl && test_cmp whole300.jsonl r.jsonl && test_cmp whole.st r.st
'

test_expect_success '--state: a damaged state is refused (exit 1), other windows keep the baselines only' '
	head -c 5000 st >cut && test_expect_failure_status 1 tw-trends --state cut <p2 >/dev/null 2>err && cat err &&
	grep -q "cut short\|not a JSON object" err &&
	cp st st2 && tw-trends --state st2 --window 30s <p2 >w.jsonl 2>err && cat err && grep -q "baselines were" err &&
	test_expect_failure_status 1 tw-trends --state st --kinds hashtag <p2 >/dev/null 2>err && grep -q "other terms" err
'
test_done
