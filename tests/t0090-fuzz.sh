#!/bin/bash
# A short libFuzzer run of every target in tests/fuzz/ (built by `make fuzz` with clang), seeded
# from tests/fuzz/corpus/NAME/ when present. Skipped in sanitizer builds (the targets carry their
# own ASan/UBSan) and where clang's libFuzzer is missing.
. "$(dirname "$0")/lib.sh"
runs=${FUZZ_RUNS:-20000}
[ -n "${SANITIZE:-}" ] && test_skip "fuzzing runs in the plain build only"
command -v clang >/dev/null 2>&1 || test_skip "clang not installed"
if [ -z "$test_skip_all" ]; then
	make -s -C "$TOP" fuzz >"$TRASH/build.log" 2>&1 || { cat "$TRASH/build.log"; test_skip "make fuzz failed"; exit 1; }
fi
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	test_expect_success "fuzz $name ($runs runs) finds no crash" '
		mkdir -p corpus-$name &&
		if [ -d "$TOP/tests/fuzz/corpus/$name" ]; then cp "$TOP/tests/fuzz/corpus/$name"/* corpus-$name/ 2>/dev/null; fi
		"$TOP/$BUILD/fuzz/$name" -runs='"$runs"' -max_len=4096 -timeout=10 corpus-$name >log 2>&1 ||
			{ tail -n 30 log; false; }
	'
done
test_done
