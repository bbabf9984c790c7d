#!/bin/bash
# The layering of lib/ (lib/README.md, "Layers") as a checked rule, and the checkout standing
# alone: no tracked file names a path outside it.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

test_expect_success 'no file in lib/ includes a header of a higher layer; every module is placed' '
	python3 "$TOP/tests/helpers/layers-check.py" "$TOP"
'

test_expect_success 'the layer check fails on a planted violation and on an unplaced module' '
	mkdir -p copy/lib &&
	cp "$TOP"/lib/README.md "$TOP"/lib/*.[ch] copy/lib/ &&
	python3 "$TOP/tests/helpers/layers-check.py" copy &&
	printf "#include \"tl_s3.h\"\n" >>copy/lib/tl_buf.c &&
	! python3 "$TOP/tests/helpers/layers-check.py" copy >out &&
	grep -q "tl_buf.c:.*tl_buf (base) includes tl_s3.h (services)" out &&
	sed -i "\$d" copy/lib/tl_buf.c && : >copy/lib/tl_newthing.c &&
	! python3 "$TOP/tests/helpers/layers-check.py" copy >out &&
	grep -q "tl_newthing: not in the layer table" out
'

# A clone anywhere must pass its tests: nothing may reach for the team folder beside the
# checkout, a TL_SHARED variable, or an absolute path into a particular machine.
outside_re='(\.\./)+shared|TL_SHARED|(^|[[:space:]"'"'"'=:(<])/(work|root|Users|home/[a-z]+)/'
test_expect_success 'no tracked file names a path outside the checkout' '
	! git -C "$TOP" grep -nIE "$outside_re" -- . ":!tests/t0911-layers.sh" ":!tests/data/**" ":!*/package-lock.json"
'

test_expect_success 'the outside-path check fails on a planted path' '
	printf "data=../shared/tweets\n" >p1 && grep -qE "$outside_re" p1 &&
	printf "cp /work/shared/tweets/x .\n" >p2 && grep -qE "$outside_re" p2 &&
	printf "ls \$TRASH/root/usr/bin\n" >p3 && ! grep -qE "$outside_re" p3
'

test_expect_success 'every file the code names under tests/data exists in the checkout' '
	git -C "$TOP" grep -hoE "tests/data/[A-Za-z0-9_./-]+" -- . ":!tests/t0911-layers.sh" |
		sed "s/[.]$//" | sort -u >named &&
	test -s named &&
	while read -r p; do
		[ -e "$TOP/$p" ] || { echo "missing: $p"; exit 1; }
	done <named
'
test_done
