/* tl_tty.c: a prompt on /dev/tty. */
#include "tl_tty.h"
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_sig.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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
