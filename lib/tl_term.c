#include "tl_term.h"

#include "tl_io.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_sig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int env_int(const char *name, int dflt)
{
	const char *s = getenv(name);
	int v;
	if (s && tl_parse_int(s, 1, 100000, &v) == 0)
		return v;
	return dflt;
}

bool tl_term_size(int fd, int *rows, int *cols)
{
	struct winsize ws;
	bool tty = isatty(fd);
	if (tty && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
		return true;
	}
	*rows = env_int("LINES", 24);
	*cols = env_int("COLUMNS", 80);
	return tty;
}

bool tl_term_color(int fd)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(fd) && !(nc && *nc) && term && *term && strcmp(term, "dumb") != 0;
}

int tl_term_spool(void)
{
	int fd = memfd_create("tl-spool", MFD_CLOEXEC);
	if (fd >= 0)
		return fd;
	const char *dir = getenv("TMPDIR");
	return open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

/* More than limit lines in spool? Stops reading once it knows. -1 on a read error. */
static int taller_than(int spool, long limit)
{
	char buf[65536];
	long lines = 0;
	ssize_t n;
	bool partial = false;
	if (lseek(spool, 0, SEEK_SET) < 0)
		return -1;
	while ((n = read(spool, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		partial = buf[n - 1] != '\n';
		if (lines > limit)
			return 1;
	}
	return lines + partial > limit;
}

static int copy_out(int spool, int out)
{
	char buf[65536];
	ssize_t n;
	if (lseek(spool, 0, SEEK_SET) < 0)
		return -1;
	while ((n = read(spool, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (tl_write_all(out, buf, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* Runs the pager on spool; its exit status, or -1 when it could not be started. */
static int run_pager(int spool, const char *cmd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def;
	pid_t pid;
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)cmd, NULL };
	if (lseek(spool, 0, SEEK_SET) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, spool, STDIN_FILENO);
	posix_spawnattr_init(&at);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE); /* ignored here, as the pager would not expect */
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
	int e = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (e) {
		errno = e;
		return -1;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int tl_term_page(int spool, int out, const char *pager)
{
	int rows, cols, rc = 0;
	if (!pager)
		pager = getenv("PAGER");
	if (!pager)
		pager = "less -S";
	if (*pager && tl_term_size(out, &rows, &cols)) {
		int tall = taller_than(spool, rows - 1);
		if (tall < 0)
			return -1;
		if (tall) {
			int before = tl_sig_count();
			int st = run_pager(spool, pager);
			/* Ctrl-C in the pager was the pager's */
			if (tl_sig_caught() == SIGINT && before == 0)
				tl_sig_clear();
			if (st == 126 || st == 127 || st < 0)
				tl_warn("the pager \"%s\" could not be run; PAGER= (empty) turns it off",
					pager);
			else
				goto empty;
		}
	}
	rc = copy_out(spool, out);
empty:
	if (ftruncate(spool, 0) < 0 || lseek(spool, 0, SEEK_SET) < 0)
		rc = -1;
	return rc;
}
