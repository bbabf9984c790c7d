/* tl_tty.h: asking the person at the controlling terminal (/dev/tty), never through stdin or
 * stdout, which carry a tool's data; for codes that must not be put in argv (an MFA code).
 */
#ifndef TL_TTY_H
#define TL_TTY_H
#include <stdbool.h>
#include <stddef.h>

/* Writes prompt to the terminal and reads one line from it, returned without its line end as a
 * new string (the caller frees it, with tl_secret_free when secret). With secret the typing is
 * not echoed (as getpass does) and the line is wiped from our buffers. Returns NULL with *err
 * (static text) when the process has no controlling terminal, is not in the terminal's foreground
 * process group (reading would stop it), at end of input, when a stop signal arrives (tl_sig), or
 * when the line is longer than max bytes. The terminal's settings are restored in every case.
 * Blocks until the person answers. */
char *tl_tty_ask(const char *prompt, bool secret, size_t max, const char **err);

#endif
