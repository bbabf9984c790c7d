/* tl_tty.h: a full-screen view on a terminal that is always given back as it was found, and a
 * question asked on the terminal (tl_tty_ask).
 *
 * tl_tty_open() switches the terminal at out_fd to its alternate screen with the cursor hidden
 * and reads keys from /dev/tty without echo (stdin may carry data). The terminal is restored by
 * tl_tty_close(), at exit(), on a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) before
 * the default action, and around Ctrl-Z (SIGTSTP, then SIGCONT redraws). SIGINT, SIGTERM and
 * SIGHUP stay with tl_sig: the caller's loop sees the flag and calls tl_tty_close(). One view
 * at a time per process. Only the sequences every terminal emulator and tmux know are used
 * (alternate screen, cursor home, erase line, SGR colours), so it works over ssh in 80x24.
 */
#ifndef TL_TTY_H
#define TL_TTY_H
#include <stdbool.h>
#include <stddef.h>

struct tl_tty {
	int out_fd;      /* the screen */
	int in_fd;       /* /dev/tty for keys, -1 when there is none */
	int rows, cols;
	bool utf8;       /* the locale's charset is UTF-8: box drawing and block characters */
	bool color;      /* SGR colours (not with TERM=dumb or NO_COLOR set) */
	bool on;
};

/* Takes over the terminal at out_fd (which must be one). 0, or -1 with the reason logged. */
int tl_tty_open(struct tl_tty *t, int out_fd);
/* Gives the terminal back (safe to call twice). */
void tl_tty_close(struct tl_tty *t);
/* Reads the terminal's size into rows and cols (tl_term_size: the window, else COLUMNS/LINES, else 80x24). */
void tl_tty_size(struct tl_tty *t);
/* True once after the window was resized or the process was continued (redraw then). */
bool tl_tty_resized(struct tl_tty *t);
/* The next key pressed (a byte), or -1 when none is waiting. Never blocks. */
int tl_tty_key(struct tl_tty *t);
/* Draws a frame: lines separated by "\n", each at most cols columns wide, from the top left;
 * what the previous frame left beyond is erased. -1 with errno when the write failed. */
int tl_tty_draw(struct tl_tty *t, const char *frame, size_t n);

/* Asks the person at the controlling terminal (/dev/tty, never stdin or stdout, which carry a
 * tool's data), for what must not be put in argv (an MFA code): writes prompt and reads one line,
 * returned without its line end as a new string (the caller frees it, with tl_secret_free when
 * secret). With secret the typing is not echoed (as getpass does) and the line is wiped from our
 * buffers. Returns NULL with *err (static text) when the process has no controlling terminal, is
 * not in the terminal's foreground process group (reading would stop it), at end of input, when
 * a stop signal arrives (tl_sig), or when the line is longer than max bytes. The terminal's
 * settings are restored in every case. Blocks until the person answers. Independent of a view. */
char *tl_tty_ask(const char *prompt, bool secret, size_t max, const char **err);

#endif
