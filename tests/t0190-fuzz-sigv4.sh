#!/bin/bash
# A short libFuzzer run of the SigV4 canonical-request builder (tests/fuzz/fuzz_sigv4_canonical.c),
# built by `make fuzz` alone into a scratch build directory, seeded from
# tests/fuzz/corpus/fuzz_sigv4_canonical/. Skipped under SANITIZE (the fuzz build has its own
# ASan/UBSan) and where clang cannot link libFuzzer. (t0090 also runs every target briefly.)
. "$(dirname "$0")/lib.sh"

if [ -n "${SANITIZE:-}" ]; then
	test_skip 'SANITIZE build: the fuzz run belongs to the plain build'
elif ! command -v clang >/dev/null; then
	test_skip 'clang not installed'
elif ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$TRASH/probe.c" || ! clang -fsanitize=fuzzer "$TRASH/probe.c" -o "$TRASH/probe" >/dev/null 2>&1; then
	test_skip 'clang cannot link libFuzzer (libclang-rt-dev missing)'
fi

FUZZ=$TRASH/b/fuzz/fuzz_sigv4_canonical
test_expect_success 'make fuzz builds fuzz_sigv4_canonical' '
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$TOP" -s B="$TRASH/b" FUZZ_SRC=tests/fuzz/fuzz_sigv4_canonical.c fuzz &&
	test -x "$FUZZ"
'
test_expect_success 'fuzz_sigv4_canonical: 20000 runs, no crash, leak or broken invariant' '
	mkdir corpus &&
	cp "$TOP"/tests/fuzz/corpus/fuzz_sigv4_canonical/* corpus/ &&
	"$FUZZ" -runs=20000 -max_total_time=20 -seed=1 -max_len=512 corpus >fuzz.log 2>&1 &&
	grep -E "^Done [0-9]+ runs" fuzz.log
'
test_done
