# tests/lib-tmux.sh: drive a program on a real terminal, as a person would, through tmux.
#
#   . "$TOP/tests/lib-tmux.sh"
#   term_start 'athena-query --local lake'  # a 120x40 terminal running it in $TRASH, with the
#                                           # environment exported now (skips without tmux)
#   term_type 'SELECT 1;'; term_key Enter   # text typed as it is, then keys by tmux's names
#   term_wait 'REGEX' [N]                   # until N (default 1) lines of the screen and its
#                                           # scrollback match REGEX (60 s at most)
#   term_idle 'local>'                      # until the last line shown is that prompt, empty
#   term_screen                             # the screen and its scrollback, on stdout
#   term_status                             # waits for the program to end; prints its status
#
# Each terminal is its own tmux server (a socket in $TRASH; test bodies run in subshells, so
# the current one is named in $TRASH/term.current), all stopped when the file ends; a new
# term_start replaces the terminal. Never sleep to wait for the program: wait for what the
# screen shows.

term() { tmux -S "$(cat "$TRASH/term.current" 2>/dev/null)" -f /dev/null "$@"; }

term_start() {
	if ! command -v tmux >/dev/null 2>&1; then
		test_skip "tmux not installed"
		return 0
	fi
	[ -s "$TRASH/term.current" ] && term kill-server >/dev/null 2>&1
	local n
	n=$(ls "$TRASH" | grep -c '^tmux\..*\.sock\.used$')
	echo "$TRASH/tmux.$n.sock" >"$TRASH/term.current"
	: >"$TRASH/tmux.$n.sock.used"
	rm -f "$TRASH/term.status"
	# the program's status lands in a file; the pane stays for capture-pane
	term new-session -d -x 120 -y 40 -c "$TRASH" \
		"$1; echo \$? >'$TRASH/term.status.tmp'; mv '$TRASH/term.status.tmp' '$TRASH/term.status'; exec sleep 3600" ||
		return 1
	term set-option -g history-limit 10000 >/dev/null
}
test_cleanup 'for s in "$TRASH"/tmux.*.sock; do tmux -S "$s" kill-server; done'

# tmux reads an argument ending in ';' as the end of a command: escape that one.
term_type() {
	local t=$1
	case $t in *\;) t="${t%;}\\;" ;; esac
	term send-keys -l -- "$t"
}

term_key() { term send-keys "$@"; }

term_screen() { term capture-pane -p -J -S - | sed 's/[[:space:]]*$//'; }

# what the screen showed when a wait failed
term_dump() { echo "--- the terminal:"; term_screen | grep -v '^$' | tail -n 25; }

term_count() { term_screen | grep -cE -- "$1"; }

term_wait() {
	_term_re=$1 _term_n=${2:-1}
	wait_for 60 '[ "$(term_count "$_term_re")" -ge "$_term_n" ]' || { term_dump; return 1; }
}

term_last() { term_screen | grep -v '^$' | tail -n 1; }

term_idle() {
	_term_prompt=$1
	wait_for 60 '[ "$(term_last)" = "$_term_prompt" ]' || { term_dump; return 1; }
}

term_status() {
	wait_file "$TRASH/term.status" 60 || { term_dump; return 1; }
	cat "$TRASH/term.status"
}
