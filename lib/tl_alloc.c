#include "tl_alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The fatal path allocates nothing and takes no lock, as git's vreportf(): the message is
 * formatted into a stack buffer and written to fd 2, so it works when malloc has just failed or
 * another thread holds tl_log's lock. It does not depend on tl_log (no include circle): the
 * prefix is glibc's program_invocation_short_name, the basename of argv[0] as tl_log_init()
 * takes it. It is not passed through tl_redact(): a tl_die() message never carries a secret. */
static void report(const char *fmt, va_list ap)
{
	char msg[4096];
	int n = snprintf(msg, sizeof msg, "%s: error: ", program_invocation_short_name);
	size_t len = n > 0 && (size_t)n < sizeof msg ? (size_t)n : 0;
	int m = vsnprintf(msg + len, sizeof msg - len, fmt, ap);
	if (m > 0)
		len += (size_t)m < sizeof msg - len ? (size_t)m : sizeof msg - len - 1;
	if (len > sizeof msg - 1)
		len = sizeof msg - 1;
	msg[len++] = '\n';
	for (size_t off = 0; off < len;) {
		ssize_t w = write(STDERR_FILENO, msg + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

static void reportf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reportf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
}

static _Noreturn void oom(size_t n)
{
	reportf("out of memory (%zu bytes)", n);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *xmemdup(const void *p, size_t n)
{
	void *q = xmalloc(n);
	if (n)
		memcpy(q, p, n);
	return q;
}

void tl_secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(strlen(fmt));
	return s;
}

void tl_die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
	exit(status);
}
