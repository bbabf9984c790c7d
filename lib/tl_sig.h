/* tl_sig.h: signals as flags. SIGPIPE is ignored (libcurl and librdkafka own sockets; EPIPE on
 * stdout is handled where it happens); SIGINT, SIGTERM (and SIGHUP) only set a flag, and are
 * installed without SA_RESTART so a blocking read returns EINTR and the tool can look at it.
 */
#ifndef TL_SIG_H
#define TL_SIG_H

void tl_sig_init(void);
/* The first signal received (SIGINT/SIGTERM/SIGHUP) or 0. */
int tl_sig_caught(void);
/* How many such signals arrived (a second Ctrl-C may mean "stop now"). */
int tl_sig_count(void);
/* 128 + the caught signal, as a shell reports a death by it (0 if none). */
int tl_sig_exit_status(void);
/* For tests and tools that want to simulate or clear a stop request. */
void tl_sig_raise_flag(int signo);
void tl_sig_clear(void);

#endif
