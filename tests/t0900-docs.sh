#!/bin/bash
# Documentation checks: every man page passes mandoc -Tlint; every tool's --help and man page
# agree (each option --help names is documented in the page, each option of the page's SYNOPSIS is
# in --help); --version works; `make install DESTDIR=...` installs tools and pages.
. "$(dirname "$0")/lib.sh"
command -v mandoc >/dev/null 2>&1 || test_skip "mandoc not installed"

# Option tokens (-x, --long-name) found in text on stdin, one per line, sorted and unique.
opts() { grep -oE '(^|[][ ,|(])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ ,|(]//' | sort -u; }

for page in "$TOP"/man/*.1; do
	[ -f "$page" ] || continue
	tool=$(basename "$page" .1)
	test_expect_success "man page $tool.1 passes mandoc -Tlint" '
		mandoc -Tlint -W warning "$page" >lint 2>&1; cat lint; ! test -s lint
	'
	[ -x "$TOP/bin/$tool" ] || continue
	test_expect_success "$tool --help and man page agree" '
		"$TOP/bin/$tool" --help >help 2>&1 &&
		MANWIDTH=200 mandoc -Tascii "$page" | col -b >page &&
		awk "/^SYNOPSIS/{on=1;next} /^[A-Z][A-Z ]+\$/{on=0} on" page >synopsis &&
		opts <help >help.opts && opts <page >page.opts && opts <synopsis >syn.opts &&
		missing=$(comm -23 help.opts page.opts) && extra=$(comm -23 syn.opts help.opts) &&
		if [ -n "$missing" ]; then echo "in --help, not in $tool.1:"; echo "$missing"; fi &&
		if [ -n "$extra" ]; then echo "in SYNOPSIS, not in --help:"; echo "$extra"; fi &&
		[ -z "$missing" ] && [ -z "$extra" ] && test -s help.opts
	'
	test_expect_success "$tool --version and usage errors" '
		"$TOP/bin/$tool" --version >v && grep -q "^$tool (tweetlake) " v &&
		{ "$TOP/bin/$tool" --no-such-option >out 2>err; test $? -eq 2; } &&
		grep -q "^$tool: " err && ! test -s out
	'
done

test_expect_success 'make install DESTDIR= installs every tool and page; uninstall removes them' '
	make -s -C "$TOP" install DESTDIR="$TRASH/root" PREFIX=/usr >/dev/null &&
	for t in "$TOP"/bin/*; do [ -e "$t" ] || continue; [ -x "$TRASH/root/usr/bin/$(basename $t)" ] || { echo "missing $t"; exit 1; }; done &&
	for m in "$TOP"/man/*.1; do [ -e "$m" ] || continue; [ -f "$TRASH/root/usr/share/man/man1/$(basename $m)" ] || { echo "missing $m"; exit 1; }; done &&
	make -s -C "$TOP" uninstall DESTDIR="$TRASH/root" PREFIX=/usr >/dev/null &&
	test -z "$(find "$TRASH/root" -type f)"
'
test_done
