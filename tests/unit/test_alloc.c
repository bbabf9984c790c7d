/* Unit tests for the fatal path of tl_alloc: an out-of-memory report and tl_die() allocate nothing
 * and take no lock, so they work when another thread holds tl_log's lock (here: one blocked
 * writing to a full stderr pipe) and when malloc fails. Each case runs in a child process. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
/* xmalloc() of 4 EiB must see NULL, not an ASan report; the children exit through exit() with
 * the blocked thread's buffers unreachable to them, which is no leak of the code under test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:leak_check_at_exit=0";
}
#endif

static char big[256 << 10]; /* static: nothing on the heap is held by the blocked thread */

static void *log_big(void *arg)
{
	(void)arg;
	tl_err("%s", big); /* blocks inside tl_log's lock once the pipe is full */
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Runs fn in a child whose stderr is a pipe, while a thread of this process holds tl_log's lock;
 * collects what the child wrote (up to 20 s) and its wait status. */
static void run_locked(void (*fn)(void), char *out, size_t cap, int *status)
{
	int full[2], res[2], saved = dup(STDERR_FILENO);
	pthread_t th;
	T_CHECK(pipe(full) == 0 && pipe(res) == 0 && saved >= 0);
	memset(big, 'x', sizeof big - 1);
	dup2(full[1], STDERR_FILENO);
	pthread_create(&th, NULL, log_big, NULL);
	for (int i = 0, n = 0; i < 2000 && n < 65536; i++) { /* the pipe fills: the writer blocks */
		sleep_ms(10);
		ioctl(full[0], FIONREAD, &n);
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(res[1], STDERR_FILENO);
		fn();
		_exit(99); /* not reached */
	}
	close(res[1]);
	size_t len = 0;
	struct pollfd p = { res[0], POLLIN, 0 };
	while (len + 1 < cap && poll(&p, 1, 20000) > 0) {
		ssize_t r = read(res[0], out + len, cap - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	out[len] = '\0';
	/* ASan (allocator_may_return_null) says so first, in lines of its own */
	while (strncmp(out, "==", 2) == 0 && strchr(out, '\n'))
		memmove(out, strchr(out, '\n') + 1, strlen(strchr(out, '\n') + 1) + 1);
	if (waitpid(pid, status, WNOHANG) == 0) { /* stuck on the lock: the old fatal path */
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
	}
	close(res[0]);
	/* let the thread finish its message, then give stderr back */
	char sink[65536];
	int fl = fcntl(full[0], F_GETFL);
	fcntl(full[0], F_SETFL, fl | O_NONBLOCK);
	while (pthread_tryjoin_np(th, NULL) != 0) {
		if (read(full[0], sink, sizeof sink) <= 0)
			sleep_ms(1);
	}
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(full[0]);
	close(full[1]);
}

static void child_oom(void)
{
	volatile size_t n = (size_t)1 << 62;
	xmalloc(n);
}

static void child_die(void)
{
	tl_die(3, "%s and more", big); /* longer than the stack buffer: cut, still one line */
}

static void oom_without_lock(void)
{
	char out[8192];
	int st = 0;
	run_locked(child_oom, out, sizeof out, &st);
	T_CHECK(WIFEXITED(st));
	T_EQ_INT(WEXITSTATUS(st), 1);
	const char *msg = out;
#ifdef __SANITIZE_ADDRESS__
	/* ASan announces the failed allocation itself ("==PID==WARNING: ...") before we see NULL */
	while (strncmp(msg, "==", 2) == 0 && strchr(msg, '\n'))
		msg = strchr(msg, '\n') + 1;
#endif
	T_EQ_STR(msg, "test_alloc: error: out of memory (4611686018427387904 bytes)\n");
}

static void die_without_lock(void)
{
	char out[8192];
	int st = 0;
	run_locked(child_die, out, sizeof out, &st);
	T_CHECK(WIFEXITED(st));
	T_EQ_INT(WEXITSTATUS(st), 3);
	T_EQ_INT(strlen(out), 4096);
	T_CHECK(strncmp(out, "test_alloc: error: xxxx", 23) == 0);
	T_CHECK(out[4095] == '\n' && !strchr(out, '\n')[1]);
}

int main(void)
{
	tl_log_init("test_alloc");
	TEST(oom_without_lock);
	TEST(die_without_lock);
	return t_done();
}
