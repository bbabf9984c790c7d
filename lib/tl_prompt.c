#include "tl_prompt.h"

#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_log.h"
#include "tl_sig.h"
#include "tl_sql.h"
#include "tl_term.h"

#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

struct tl_prompt {
	struct tl_prompt_opts o;
	char *prompt, *more, *history_path;
	const char *cur;        /* the prompt shown now */
	EditLine *el;
	History *h;
	FILE *out;
	struct tl_buf pending;  /* the statement begun, lines so far */
	bool save_failed;
	struct sigaction old_winch;
};

static volatile sig_atomic_t winched;

static void on_winch(int sig)
{
	(void)sig;
	winched = 1;
}

size_t tl_prompt_sql_end(const char *text, size_t len)
{
	/* The splitter owns the grammar of quotes and comments: a ';' ends a statement when text
	 * after it starts a new statement instead of joining the last one. */
	for (size_t j = len; j-- > 0;) {
		if (text[j] != ';')
			continue;
		char **a = NULL, **b = NULL;
		char *probe = xmalloc(j + 4);
		memcpy(probe, text, j + 1);
		memcpy(probe + j + 1, "\nx", 3);
		size_t na = tl_sql_split(text, j + 1, &a), nb = tl_sql_split(probe, j + 3, &b);
		tl_sql_free(a, na);
		tl_sql_free(b, nb);
		free(probe);
		if (nb == na + 1)
			return j + 1;
	}
	return 0;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

static struct tl_prompt *self(EditLine *el)
{
	void *p = NULL;
	el_get(el, EL_CLIENTDATA, &p);
	return p;
}

static const char *prompt_fn(EditLine *el)
{
	return self(el)->cur;
}

/* Reads a key for libedit: a resize is taken in first; a stop signal ends the read. */
static int getc_fn(EditLine *el, wchar_t *wc)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	for (;;) {
		unsigned char c;
		if (winched) {
			winched = 0;
			el_resize(el);
		}
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR) {
			if (tl_sig_caught())
				return -1;
			continue;
		}
		if (r <= 0)
			return r == 0 ? 0 : -1;
		size_t k = mbrtowc(wc, (const char *)&c, 1, &st);
		if (k == (size_t)-2)
			continue;
		if (k == (size_t)-1) {
			*wc = 0xFFFD; /* a byte that is not text in the locale */
			return 1;
		}
		if (k == 0)
			*wc = 0;
		return 1;
	}
}

static void reset_pending(struct tl_prompt *p)
{
	tl_buf_reset(&p->pending);
	p->cur = p->prompt;
}

/* Ctrl-C: the line and the statement begun are dropped. */
static unsigned char on_interrupt(EditLine *el, int ch)
{
	(void)ch;
	struct tl_prompt *p = self(el);
	const LineInfoW *li = el_wline(el);
	el_cursor(el, (int)(li->lastchar - li->cursor));
	li = el_wline(el);
	el_deletestr(el, (int)(li->cursor - li->buffer));
	fputs("^C\n", p->out);
	fflush(p->out);
	reset_pending(p);
	return CC_REDISPLAY;
}

/* Ctrl-Z: the terminal as it was, stop; back in editing mode once continued. */
static unsigned char on_suspend(EditLine *el, int ch)
{
	(void)ch;
	el_set(el, EL_PREP_TERM, 0);
	raise(SIGTSTP);
	el_set(el, EL_PREP_TERM, 1);
	return CC_REDISPLAY;
}

static bool word_byte(unsigned char c)
{
	return c >= 0x80 || c == '_' || c == '.' || c == '"' || c == '$' ||
	       (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t chars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xC0) != 0x80;
	return k;
}

static void replace_word(EditLine *el, size_t word_chars, const char *with, size_t n)
{
	char *s = xstrndup(with, n);
	if (word_chars)
		el_deletestr(el, (int)word_chars);
	el_insertstr(el, s);
	free(s);
}

/* Candidates in columns under the line (at most 400 of them). */
static void list(struct tl_prompt *p, char **cands, size_t n)
{
	int rows, cols;
	size_t w = 1, shown = n > 400 ? 400 : n;
	tl_term_size(fileno(p->out), &rows, &cols);
	for (size_t i = 0; i < shown; i++)
		w = strlen(cands[i]) > w ? strlen(cands[i]) : w;
	size_t per = (size_t)cols / (w + 2) ? (size_t)cols / (w + 2) : 1;
	fputc('\n', p->out);
	for (size_t i = 0; i < shown; i++)
		fprintf(p->out, "%-*s%s", (int)w + 2, cands[i],
			(i + 1) % per == 0 || i + 1 == shown ? "\n" : "");
	if (shown < n)
		fprintf(p->out, "(%zu more)\n", n - shown);
	fflush(p->out);
}

static unsigned char on_tab(EditLine *el, int ch)
{
	(void)ch;
	struct tl_prompt *p = self(el);
	if (!p->o.complete)
		return CC_ERROR;
	const LineInfo *li = el_line(el);
	size_t cur = (size_t)(li->cursor - li->buffer), ws = cur;
	while (ws > 0 && word_byte((unsigned char)li->buffer[ws - 1]))
		ws--;
	char *word = xstrndup(li->buffer + ws, cur - ws);
	struct tl_buf before = TL_BUF_INIT;
	tl_buf_add(&before, tl_buf_str(&p->pending), p->pending.len);
	tl_buf_add(&before, li->buffer, cur);
	bool redraw = false;
	char **cands = p->o.complete(p->o.ctx, tl_buf_str(&before), word, &redraw);
	tl_buf_release(&before);
	size_t n = 0;
	while (cands && cands[n])
		n++;
	unsigned char rc = CC_REFRESH;
	size_t wl = strlen(word), wc = chars(word, wl);
	if (n == 0) {
		rc = redraw ? CC_REDISPLAY : CC_ERROR;
	} else if (n == 1) {
		size_t len = strlen(cands[0]);
		char last = len ? cands[0][len - 1] : 0;
		replace_word(el, wc, cands[0], len);
		if (last != '.' && last != '(')
			el_insertstr(el, " ");
	} else {
		size_t common = strlen(cands[0]);
		for (size_t i = 1; i < n; i++) {
			size_t k = 0;
			while (k < common && cands[i][k] == cands[0][k])
				k++;
			common = k;
		}
		while (common > 0 && ((unsigned char)cands[0][common] & 0xC0) == 0x80)
			common--; /* not in the middle of a character */
		if (common > wl || (common == wl && strncmp(cands[0], word, wl) != 0 && common)) {
			replace_word(el, wc, cands[0], common);
		} else {
			list(p, cands, n);
			rc = CC_REDISPLAY;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(cands[i]);
	free(cands);
	free(word);
	return redraw ? CC_REDISPLAY : rc;
}

static int mkdirs(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char save = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = save;
		if (!save)
			break;
	}
	free(p);
	return rc;
}

static void history_save(struct tl_prompt *p)
{
	if (!p->history_path || p->save_failed)
		return;
	HistEvent ev;
	char *tmp = xasprintf("%s.tmp%ld", p->history_path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int rc = f ? history(p->h, &ev, H_SAVE_FP, f) : -1;
	if (f) {
		if (fclose(f) != 0)
			rc = -1;
	} else if (fd >= 0) {
		close(fd);
	}
	if (rc < 0 || rename(tmp, p->history_path) < 0) {
		tl_warn("history file %s: %s (not saved from now on)", p->history_path,
			strerror(errno ? errno : EIO));
		unlink(tmp);
		p->save_failed = true;
	}
	free(tmp);
}

static void history_add(struct tl_prompt *p, const char *s, size_t n)
{
	HistEvent ev;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == '\n' || *s == ' ' || *s == '\t'))
		s++, n--;
	if (!n)
		return;
	char *e = xstrndup(s, n);
	history(p->h, &ev, H_ENTER, e);
	free(e);
	history_save(p);
}

struct tl_prompt *tl_prompt_open(const struct tl_prompt_opts *o, char **err)
{
	if (!isatty(STDIN_FILENO)) {
		*err = xstrdup("standard input is not a terminal");
		return NULL;
	}
	struct tl_prompt *p = xcalloc(1, sizeof *p);
	p->o = *o;
	p->prompt = xstrdup(o->prompt ? o->prompt : "> ");
	p->more = xstrdup(o->more ? o->more : "-> ");
	p->cur = p->prompt;
	p->out = o->out ? o->out : stderr;
	p->el = el_init(o->name ? o->name : "tl", stdin, p->out, stderr);
	if (!p->el) {
		*err = xstrdup("libedit could not start on this terminal");
		free(p->prompt);
		free(p->more);
		free(p);
		return NULL;
	}
	HistEvent ev;
	p->h = history_init();
	history(p->h, &ev, H_SETSIZE, o->history_max > 0 ? o->history_max : 1000);
	history(p->h, &ev, H_SETUNIQUE, 1);
	el_set(p->el, EL_CLIENTDATA, p);
	el_set(p->el, EL_HIST, history, p->h);
	el_set(p->el, EL_EDITOR, "emacs");
	el_set(p->el, EL_PROMPT, prompt_fn);
	el_set(p->el, EL_GETCFN, getc_fn);
	/* Ctrl-C and Ctrl-Z come as keys while editing */
	el_set(p->el, EL_SETTY, "-d", "-isig", NULL);
	/* the wide form keeps the names as given (the narrow one copies them and never frees) */
	el_wset(p->el, EL_ADDFN, L"tl-interrupt", L"drop the line and the statement begun",
		on_interrupt);
	el_set(p->el, EL_BIND, "^C", "tl-interrupt", NULL);
	el_wset(p->el, EL_ADDFN, L"tl-suspend", L"suspend", on_suspend);
	el_set(p->el, EL_BIND, "^Z", "tl-suspend", NULL);
	el_wset(p->el, EL_ADDFN, L"tl-complete", L"complete a name or keyword", on_tab);
	el_set(p->el, EL_BIND, "^I", "tl-complete", NULL);
	el_source(p->el, NULL); /* ~/.editrc */
	if (o->history) {
		p->history_path = xstrdup(o->history);
		char *dir = xstrdup(o->history), *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdirs(dir) < 0)
				tl_warn("history folder %s: %s", dir, strerror(errno));
		}
		free(dir);
		if (access(p->history_path, F_OK) == 0 &&
		    history(p->h, &ev, H_LOAD, p->history_path) < 0)
			tl_warn("history file %s could not be read", p->history_path);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_winch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART; /* a resize must not break a read elsewhere */
	sigaction(SIGWINCH, &sa, &p->old_winch);
	tl_buf_init(&p->pending, (size_t)64 << 20);
	return p;
}

int tl_prompt_read(struct tl_prompt *p, char **text)
{
	*text = NULL;
	for (;;) {
		int n = 0;
		p->cur = p->pending.len ? p->more : p->prompt;
		const char *line = el_gets(p->el, &n);
		if (!line || n <= 0) {
			if (!blank(tl_buf_str(&p->pending), p->pending.len))
				*text = xstrdup(tl_buf_str(&p->pending));
			reset_pending(p);
			if (tl_sig_caught())
				return TL_PROMPT_SIGNAL;
			fputc('\n', p->out);
			fflush(p->out);
			return TL_PROMPT_EOF;
		}
		size_t len = (size_t)n, skip = 0;
		while (skip < len && (line[skip] == ' ' || line[skip] == '\t'))
			skip++;
		if (blank(tl_buf_str(&p->pending), p->pending.len) && skip < len &&
		    line[skip] == '\\') {
			while (len > skip && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				len--;
			*text = xstrndup(line + skip, len - skip);
			history_add(p, *text, strlen(*text));
			reset_pending(p);
			return TL_PROMPT_COMMAND;
		}
		if (tl_buf_add(&p->pending, line, len) < 0 ||
		    (line[len - 1] != '\n' && tl_buf_addc(&p->pending, '\n') < 0)) {
			tl_err("a statement of more than 64 MiB: dropped");
			reset_pending(p);
			continue;
		}
		size_t end = tl_prompt_sql_end(p->pending.data, p->pending.len);
		if (end == 0) {
			if (blank(p->pending.data, p->pending.len))
				reset_pending(p);
			continue;
		}
		*text = xstrndup(p->pending.data, end);
		history_add(p, p->pending.data, end);
		if (blank(p->pending.data + end, p->pending.len - end))
			reset_pending(p);
		else
			tl_buf_consume(&p->pending, end);
		return TL_PROMPT_SQL;
	}
}

void tl_prompt_close(struct tl_prompt *p)
{
	if (!p)
		return;
	sigaction(SIGWINCH, &p->old_winch, NULL);
	el_end(p->el);
	history_end(p->h);
	tl_buf_release(&p->pending);
	free(p->prompt);
	free(p->more);
	free(p->history_path);
	free(p);
}
