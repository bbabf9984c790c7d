#!/bin/bash
# tw-trends --watch as a person sees it: a real terminal (tmux, 80x24), the screen read back with
# capture-pane; Ctrl-C and q give the terminal back; no escape codes when stdout is not one.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null 2>&1 || test_skip "tmux not installed"
# A new tmux server (socket) for every terminal: reusing one right after kill-server can meet
# the dying server ("server exited unexpectedly"). Test bodies run in subshells, so the current
# socket is named in a file.
tm() { tmux -S "$(cat "$TRASH/sock.current")" -f /dev/null "$@"; }
new_sock() { echo "$TRASH/tmux.$RANDOM$RANDOM.sock" >"$TRASH/sock.current"; }
test_cleanup 'for s in "$TRASH"/tmux.*.sock; do tmux -S "$s" kill-server; done'

# run CMD in a fresh 80x24 tmux session; its exit status lands in $TRASH/status
term_run() {
	rm -f "$TRASH/status"
	[ -s "$TRASH/sock.current" ] && tm kill-server 2>/dev/null
	new_sock
	tm new-session -d -s t -x 80 -y 24 \
		"cd '$TRASH' && PATH='$PATH' LC_ALL=C.UTF-8 TERM=xterm-256color; $1; echo \$? >'$TRASH/status'; sleep 600"
}
screen() { tm capture-pane -p -t t; }
wait_screen() { # PATTERN [SECONDS]: until the screen shows it
	local i=0
	while [ $i -lt $((${2:-60} * 5)) ]; do
		screen >"$TRASH/screen" 2>/dev/null
		grep -q -- "$1" "$TRASH/screen" && return 0
		sleep 0.2; i=$((i + 1))
	done
	echo "the screen never showed '$1':"; cat "$TRASH/screen"; return 1
}
wait_status() { wait_file "$TRASH/status" 60; cat "$TRASH/status"; }

test_expect_success 'live: the view shows volume, the planted trend rising, top terms, in 80x24' '
	term_run "tw-stream -q --simulate --seed 4 --rate 300 --duration 600 --burst Watchme@0.5+2*10% |
		tw-trends --watch --refresh 300ms --window 5s --warmup 20s --min-count 8 2>err" &&
	wait_screen "waiting for tweets\|Volume" 30 &&
	wait_screen "#watchme" 90 &&
	screen >s && cat s &&
	grep -q "^ tw-trends  20[0-9-]*T[0-9:]*Z .*tweets/min.*q quits" s &&
	grep -q "Volume, tweets a minute" s && grep -q "TRENDING" s && grep -q "^ Top: " s &&
	grep -q "^ ↑ #watchme \|^ → #watchme " s && grep -q "█" s &&
	test "$(wc -l <s)" -le 24 && ! grep -q "^.\{81,\}" s &&
	test "$(tm display -p -t t "#{alternate_on}")" = 1
'

test_expect_success 'Ctrl-C gives the terminal back (alternate screen off, cursor on) and exits 130' '
	tm send-keys -t t C-c &&
	test "$(wait_status)" = 130 &&
	test "$(tm display -p -t t "#{alternate_on} #{cursor_flag}")" = "0 1" &&
	screen >after && ! grep -q "TRENDING" after
'

test_expect_success 'at the end of the input the last picture stays; q quits with 0' '
	tw-stream -q --simulate --seed 4 --max-tweets 3000 --backdate 3m >sim.jsonl &&
	term_run "tw-trends --watch --warmup 1m <sim.jsonl 2>err" &&
	wait_screen "input ended, q quits" 60 && grep -q "Top: " "$TRASH/screen" &&
	tm send-keys -t t q && test "$(wait_status)" = 0 &&
	test "$(tm display -p -t t "#{alternate_on}")" = 0
'

test_expect_success 'a small terminal gets a short note, never a wrapped mess' '
	tm kill-server; rm -f "$TRASH/status" && new_sock &&
	tm new-session -d -s t -x 30 -y 8 \
		"cd $TRASH && PATH=$PATH LC_ALL=C.UTF-8; tw-trends --watch <sim.jsonl 2>/dev/null; echo \$? >status; sleep 600" &&
	wait_screen "too small" 30 && tm send-keys -t t q && test "$(wait_status)" = 0
'

test_expect_success 'with stdout not a terminal: plain frames, no escape code at all' '
	tw-trends --watch --refresh 100ms <sim.jsonl >frames 2>/dev/null &&
	grep -q "TRENDING" frames && ! grep -q "$(printf "\\033")" frames
'
test_done
