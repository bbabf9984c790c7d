#!/bin/sh
# Rules from a file: make the filtered stream's rules equal those of a file, after a dry run that
# X validates, then stream. The file has one rule a line, "VALUE" or "VALUE<TAB>TAG" (or the JSON
# lines that tw-stream --list-rules prints); "# " starts a comment.
#
#   X_BEARER_TOKEN=... examples/stream-rules-from-file.sh [RULES-FILE [TW-STREAM OPTIONS]] > tweets.jsonl
set -eu
rules=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$rules" ]; then
	rules=$(mktemp)
	trap 'rm -f "$rules"' EXIT
	printf '%s\n' \
		'# rules for a demo: value, a tab, a tag' \
		"$(printf 'cat has:images -is:retweet\tcats')" \
		"$(printf '#DataEngineering OR #dataengineering lang:en\tdata')" \
		"$(printf '(Athena OR Glue OR Kafka) (AWS OR lake) -is:retweet\taws')" >"$rules"
fi
tw-stream --rules-file "$rules" --dry-run >&2   # what would change; X checks the syntax
tw-stream --rules-file "$rules" >&2             # make it so (the rules added, on stderr)
tw-stream --list-rules >&2                      # what the stream now matches
exec tw-stream --progress "$@"
