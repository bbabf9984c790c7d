#include "tl_tty.h"
#include "tl_sig.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_log.h"
#include "tl_term.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define ENTER "\033[?1049h\033[?25l\033[H\033[2J"
#define LEAVE "\033[0m\033[?25h\033[?1049l"

/* What the signal handlers need, set while a view is on. */
static volatile sig_atomic_t g_on, g_resized;
static int g_out = -1, g_in = -1;
static struct termios g_saved;
static bool g_have_saved, g_atexit;

static void raw_on(void)
{
	if (g_in >= 0 && g_have_saved) {
		struct termios t = g_saved;
		t.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		tcsetattr(g_in, TCSANOW, &t);
	}
}

/* Async-signal-safe: write(2), tcsetattr(3). */
static void restore(void)
{
	if (!g_on)
		return;
	ssize_t w = write(g_out, LEAVE, sizeof LEAVE - 1);
	(void)w;
	if (g_in >= 0 && g_have_saved)
		tcsetattr(g_in, TCSANOW, &g_saved);
}

static void on_winch(int sig)
{
	(void)sig;
	g_resized = 1;
}

static void on_tstp(int sig);

static void on_cont(int sig)
{
	(void)sig;
	if (!g_on)
		return;
	ssize_t w = write(g_out, ENTER, sizeof ENTER - 1);
	(void)w;
	raw_on();
	struct sigaction sa = { .sa_handler = on_tstp };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTSTP, &sa, NULL);
	g_resized = 1;
}

static void on_tstp(int sig)
{
	int e = errno;
	restore();
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTSTP, &sa, NULL);
	/* pending until this handler returns, then the default action stops the process */
	raise(sig);
	errno = e;
}

static void on_fatal(int sig)
{
	restore();
	g_on = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit(void)
{
	restore();
	g_on = 0;
}

void tl_tty_size(struct tl_tty *t)
{
	tl_term_size(t->out_fd, &t->rows, &t->cols);
}

int tl_tty_open(struct tl_tty *t, int out_fd)
{
	if (!isatty(out_fd)) {
		tl_err("the view needs a terminal");
		return -1;
	}
	memset(t, 0, sizeof *t);
	t->out_fd = out_fd;
	t->in_fd = open("/dev/tty", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	const char *cs = nl_langinfo(CODESET);
	t->utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	t->color = tl_term_color(out_fd);
	tl_tty_size(t);
	g_out = out_fd;
	g_in = t->in_fd;
	g_have_saved = t->in_fd >= 0 && tcgetattr(t->in_fd, &g_saved) == 0;
	if (!g_atexit) {
		atexit(at_exit);
		g_atexit = true;
	}
	struct sigaction sa = { .sa_handler = on_winch };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_tstp;
	sigaction(SIGTSTP, &sa, NULL);
	sa.sa_handler = on_cont;
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND;
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
		sigaction(fatal[i], &sa, NULL);
	g_on = 1;
	t->on = true;
	raw_on();
	if (tl_write_all(out_fd, ENTER, sizeof ENTER - 1) < 0) {
		tl_tty_close(t);
		tl_err("writing to the terminal: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void tl_tty_close(struct tl_tty *t)
{
	if (!t->on)
		return;
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	sigaddset(&set, SIGCONT);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, &old);
	restore();
	g_on = 0;
	signal(SIGTSTP, SIG_DFL);
	signal(SIGCONT, SIG_DFL);
	signal(SIGWINCH, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (t->in_fd >= 0)
		close(t->in_fd);
	t->in_fd = g_in = -1;
	t->on = false;
}

bool tl_tty_resized(struct tl_tty *t)
{
	if (!g_resized)
		return false;
	g_resized = 0;
	tl_tty_size(t);
	return true;
}

int tl_tty_key(struct tl_tty *t)
{
	unsigned char c;
	if (t->in_fd < 0 || read(t->in_fd, &c, 1) != 1)
		return -1;
	return c;
}

int tl_tty_draw(struct tl_tty *t, const char *frame, size_t n)
{
	struct tl_buf b;
	tl_buf_init(&b, 0);
	tl_buf_adds(&b, "\033[H");
	const char *p = frame, *e = frame + n;
	int row = 0;
	while (p < e && row < t->rows) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
		tl_buf_add(&b, p, len);
		tl_buf_adds(&b, "\033[0m\033[K");
		row++;
		p += len + (nl != NULL);
		if (p < e && row < t->rows)
			tl_buf_adds(&b, "\r\n");
	}
	tl_buf_adds(&b, "\033[J");
	int rc = tl_write_all(t->out_fd, b.data, b.len);
	tl_buf_release(&b);
	return rc;
}

char *tl_tty_ask(const char *prompt, bool secret, size_t max, const char **err)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		*err = "no terminal to ask on";
		return NULL;
	}
	pid_t fg = tcgetpgrp(fd);
	if (fg < 0 || fg != getpgrp()) {
		*err = "not in the foreground of the terminal";
		close(fd);
		return NULL;
	}
	struct termios old, quiet;
	bool restore = false;
	if (secret && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
		quiet.c_lflag |= ICANON;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	struct tl_buf line;
	tl_buf_init(&line, max);
	char *answer = NULL;
	*err = NULL;
	if (tl_write_all(fd, prompt, strlen(prompt)) < 0)
		*err = "cannot write to the terminal";
	while (!*err) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR) {
			if (tl_sig_caught())
				*err = "interrupted";
			continue;
		}
		if (r < 0)
			*err = "cannot read the terminal";
		else if (r == 0)
			*err = "no answer (end of input)";
		else if (c == '\n')
			break;
		else if (tl_buf_addc(&line, c) < 0)
			*err = "the answer is too long";
		c = 0;
	}
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		tl_write_all(fd, "\n", 1); /* the Enter that was not echoed */
	}
	close(fd);
	if (!*err) {
		size_t n = line.len;
		if (n > 0 && line.data[n - 1] == '\r')
			n--;
		answer = xstrndup(line.data ? line.data : "", n);
	}
	tl_buf_release_secret(&line);
	return answer;
}
