/* tl_prompt.h: a prompt for SQL on a terminal, over libedit: line editing (emacs keys, and
 * whatever ~/.editrc binds for the program's name), a history kept in a file, completion, and
 * statements that span lines.
 *
 * tl_prompt_read() gathers lines until the text holds complete statements (a ';' outside quotes
 * and comments, as tl_sql_split reads them), or until a line that starts with a backslash at
 * the start of a statement (a command, as psql's \d). The first line of a statement is read
 * after opts.prompt, the later ones after opts.more. Text after the last ';' of a line stays
 * for the next statement. Each statement or command read is one history entry (several lines
 * stay one entry and come back as they were typed).
 *
 * Keys: Tab completes the word before the cursor from what opts.complete offers (the common
 * part at once; all candidates listed when there are several); Ctrl-C throws away the line and
 * the statement begun and starts a new one; Ctrl-D on an empty line ends input; Ctrl-Z
 * suspends. While the prompt reads, the terminal delivers Ctrl-C as a key rather than SIGINT;
 * between reads (while a statement runs) it is SIGINT again, for tl_sig. A window that changed
 * size is taken into account at the next key.
 *
 * One prompt at a time in a process (it owns SIGWINCH while open).
 */
#ifndef TL_PROMPT_H
#define TL_PROMPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Candidates for completing word, the end of before (the statement so far, up to the cursor).
 * Returns a new NULL-terminated array of new strings, each to replace word whole, or NULL for
 * none. The prompt frees them. A callback that wrote to the terminal (a message on stderr,
 * after a newline) sets *redraw so the line is drawn again below it. */
typedef char **(*tl_prompt_complete_fn)(void *ctx, const char *before, const char *word,
					bool *redraw);

struct tl_prompt_opts {
	const char *name;        /* the program, for ~/.editrc ("athena-query:bind ...") */
	const char *prompt;      /* before the first line of a statement, e.g. "demo> " */
	const char *more;        /* before each later line, e.g. "  -> " */
	FILE *out;               /* where the prompt and the line are drawn: the terminal */
	const char *history;     /* the history file (its folder made, mode 0700), or NULL */
	int history_max;         /* entries kept (0: 1000) */
	tl_prompt_complete_fn complete; /* NULL: Tab inserts nothing */
	void *ctx;
};

enum tl_prompt_got {
	TL_PROMPT_EOF = 0,       /* Ctrl-D on an empty line (or end of input) */
	TL_PROMPT_SQL = 1,       /* *text holds one or more complete statements */
	TL_PROMPT_COMMAND = 2,   /* *text is a backslash command line, without its newline */
	TL_PROMPT_SIGNAL = -1,   /* a stop signal (tl_sig: SIGTERM, SIGHUP) arrived */
};

struct tl_prompt;

/* A prompt reading the terminal on stdin and drawing on opts.out. The history file is read when
 * it exists. Returns NULL with *err (caller frees)
 * when stdin is not a terminal or libedit cannot start. */
struct tl_prompt *tl_prompt_open(const struct tl_prompt_opts *opts, char **err);

/* Reads the next statements or command into *text (caller frees). On TL_PROMPT_EOF and
 * TL_PROMPT_SIGNAL, *text is the unfinished statement, or NULL when there was none. Saves the
 * history file after each entry (written beside and renamed, mode 0600); a history file that
 * cannot be written is reported once. Blocks until a person ends a statement. */
int tl_prompt_read(struct tl_prompt *p, char **text);

/* Saves nothing more, gives the terminal and SIGWINCH back, frees p (NULL is fine). */
void tl_prompt_close(struct tl_prompt *p);

/* The length of the longest prefix of text[0..len) made of complete statements: up to and
 * including the last ';' outside quotes and comments (tl_sql_split's reading), or 0 when there
 * is none. Pure. */
size_t tl_prompt_sql_end(const char *text, size_t len);

#endif
