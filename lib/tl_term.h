/* tl_term.h: the terminal a person reads: its size, whether it shows colours, and a pager for
 * output taller than it (as psql does).
 */
#ifndef TL_TERM_H
#define TL_TERM_H
#include <stdbool.h>

/* The size of the terminal at fd: its window size (TIOCGWINSZ) when fd is a terminal; otherwise
 * COLUMNS and LINES from the environment when they are numbers; otherwise 80 columns by 24
 * rows. Returns true when fd is a terminal. Never fails. */
bool tl_term_size(int fd, int *rows, int *cols);

/* Whether output to fd may carry SGR colours: fd is a terminal, NO_COLOR is unset or empty, and
 * TERM is set and not "dumb". */
bool tl_term_color(int fd);

/* A place to hold output before it is shown: an anonymous file in memory (memfd), or an unlinked
 * temporary file when memfd is not there. Returns the descriptor (close-on-exec; the caller
 * closes it), or -1 with errno. */
int tl_term_spool(void);

/* Shows what was written to spool (from its start to its end) on out: through the pager when
 * out is a terminal and the text has more lines than the terminal has rows less one (the line
 * the prompt needs), else by copying it. The pager is the shell command pager (NULL: $PAGER, or
 * "less -S" when PAGER is unset; "" means never page), run by /bin/sh with the spool as its
 * standard input; this waits until it exits (Ctrl-C meanwhile is the pager's: tl_sig's flag is
 * cleared again when SIGINT was the only signal). A pager that cannot be run (status 126 or 127) is reported and the text copied
 * instead. Afterwards the spool is empty again. Returns 0, or -1 with errno when out could not be
 * written (EPIPE: its reader left) or the spool not read. Blocks. */
int tl_term_page(int spool, int out, const char *pager);

#endif
