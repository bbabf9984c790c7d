#!/bin/bash
# tw-sentiment against two reference implementations of VADER, on real tweets and on VADER's
# own test texts (tests/helpers/sentiment-crosscheck.py says what is checked): the authors' Python code
# (tests/peers/vaderSentiment) must give the same scores on every English tweet; the npm port
# (tests/peers, `make deps`) must agree within 0.01 as often as its known deviations allow,
# and every disagreement must be one where the authors' code sides with us.
. "$(dirname "$0")/lib.sh"
command -v node >/dev/null 2>&1 || test_skip "node not installed"
[ -d "$TOP/tests/peers/node_modules/vader-sentiment" ] || test_skip "npm peers not installed (make deps)"
check() { python3 "$TOP/tests/helpers/sentiment-crosscheck.py" "$@"; }

# VADER's benchmark and example texts, as tweets (X's escapes are in the captured text).
vader_tweets() { # FILE FIELD: one tweet per line of FILE, text from tab-separated FIELD (0: whole line)
	python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1], encoding="utf-8").read().splitlines()):
    if not l or l.startswith("#"): continue
    t = l if sys.argv[2] == "0" else l.split("\t")[int(sys.argv[2]) - 1]
    print(json.dumps({"id": str(i + 1), "lang": "en", "text": t}, ensure_ascii=False))' "$@"
}

test_expect_success 'real captured tweets (v2 merged by tw-stream, v1.1): same scores as the Python reference' '
	tw-stream -q --replay "$TWEETS/v2_stream_twarc-csv_streaming_output.jsonl" --speed 0 >in &&
	cat "$TWEETS/v1.1_stream_original_format_tweet_parser_examples.jsonl" >>in &&
	tw-sentiment <in >out && check in out >report && cat report &&
	grep -q "^32 lines: 32 English tweets scored" report
'

test_expect_success 'Broad Twitter Corpus, 2,495 real v1.1 tweets: 100% equal to the Python reference, npm port >= 91%' '
	zcat "$TWEETS"/v1.1_btc_section_a.jsonl.gz "$TWEETS"/v1.1_btc_section_b.jsonl.gz \
		"$TWEETS"/v1.1_btc_section_e.jsonl.gz >in &&
	tw-sentiment <in >out && check in out --min-npm 0.91 --min-npm-ref 0.975 --quiet-npm >report &&
	cat report && grep -q "^2495 lines: 2337 English tweets scored, 158 other tweets null" report &&
	grep -q "2337/2337 identical (100.00%)" report
'

test_expect_success 'the paper benchmark, 4,200 tweets: equal to the Python reference, npm port >= 91%, r with human ratings >= 0.85' '
	vader_tweets "$TESTDATA/vader/tweets_GroundTruth.txt" 3 >in &&
	tw-sentiment <in >out && check in out --min-npm 0.91 --min-npm-ref 0.96 --quiet-npm \
		--truth "$TESTDATA/vader/tweets_GroundTruth.txt" >report &&
	cat report && grep -q "4200/4200 identical (100.00%)" report
'

test_expect_success 'VADER example sentences (README and demo): equal to the Python reference' '
	vader_tweets "$TESTDATA/vader/demo_sentences.txt" 0 >in &&
	vader_tweets "$TESTDATA/vader/readme_examples.tsv" 1 >>in &&
	tw-sentiment <in >out && check in out >report && cat report &&
	grep -q "70/70 identical (100.00%)" report
'

test_expect_success 'the README published scores, except its two lines that predate vaderSentiment 3.3' '
	vader_tweets "$TESTDATA/vader/readme_examples.tsv" 1 | tw-sentiment >out &&
	sed "s/.*\"sentiment\":{\"compound\":\([^,]*\),\"pos\":\([^,]*\),\"neu\":\([^,]*\),\"neg\":\([^}]*\)}}/\1 \2 \3 \4/" out >got &&
	grep -v "^#" "$TESTDATA/vader/readme_examples.tsv" | cut -f2- | tr "\t" " " >want &&
	diff want got >d; cat d;
	test "$(grep -c "^<" d)" = 2 && grep -q "^> 0.431 0.322 0.678 0.0" d && grep -q "^> 0.875 0.417 0.583 0.0" d
'
test_done
