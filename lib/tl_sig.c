#include "tl_sig.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t caught;
static volatile sig_atomic_t count;

static void on_signal(int signo)
{
	if (!caught)
		caught = signo;
	count = count + 1;
}

void tl_sig_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking reads return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int tl_sig_caught(void)
{
	return caught;
}

int tl_sig_count(void)
{
	return count;
}

int tl_sig_exit_status(void)
{
	return caught ? 128 + caught : 0;
}

void tl_sig_raise_flag(int signo)
{
	on_signal(signo);
}

void tl_sig_clear(void)
{
	caught = 0;
	count = 0;
}
