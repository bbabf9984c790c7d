#include "tl_io.h"
#include "tl_alloc.h"
#include "tl_buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK ((size_t)64 << 10)

void tl_lines_init(struct tl_lines *r, int fd, size_t max)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->max = max ? max : TL_LINE_MAX_DEFAULT;
}

void tl_lines_set_wait(struct tl_lines *r, tl_lines_wait_fn fn, void *ctx)
{
	r->wait = fn;
	r->wait_ctx = ctx;
}

void tl_lines_release(struct tl_lines *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
}

bool tl_lines_ready(const struct tl_lines *r)
{
	return r->eof || (r->end > r->start && memchr(r->buf + r->start, '\n', r->end - r->start));
}

/* Reads more input into the buffer; returns bytes read, 0 at EOF, -1 error, -2 AGAIN. */
static ssize_t fill(struct tl_lines *r)
{
	if (r->start > 0 && (r->start == r->end || r->end + READ_CHUNK > r->cap)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < READ_CHUNK) {
		size_t cap = r->cap ? r->cap : READ_CHUNK * 2;
		while (cap - r->end < READ_CHUNK)
			cap *= 2;
		/* A line longer than max is skipped once max + 1 bytes are held, so never hold more
		 * than that plus one read: memory stays bounded by the cap. */
		size_t limit = r->max + 2 * READ_CHUNK + 2;
		if (cap > limit)
			cap = limit > r->end + READ_CHUNK ? limit : r->end + READ_CHUNK;
		r->buf = xrealloc(r->buf, cap + 1);
		r->cap = cap;
	}
	if (r->wait && r->wait(r->fd, r->wait_ctx))
		return -2;
	ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
	if (n < 0)
		return errno == EINTR ? -2 : -1;
	r->end += (size_t)n;
	r->bytes += (uint64_t)n;
	return n;
}

static void emit(struct tl_lines *r, struct tl_line *line, size_t len, size_t raw)
{
	char *p = r->buf + r->start;
	line->raw_len = raw;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	p[len] = '\0';
	line->data = p;
	line->len = len;
	line->has_nul = memchr(p, '\0', len) != NULL;
	line->lineno = ++r->lineno;
	r->start += raw;
}

int tl_lines_next(struct tl_lines *r, struct tl_line *line)
{
	memset(line, 0, sizeof *line);
	for (;;) {
		size_t avail = r->end - r->start;
		char *nl = avail ? memchr(r->buf + r->start, '\n', avail) : NULL;
		if (r->skipping) {
			/* Discarding the rest of an over-long line. */
			if (nl) {
				size_t n = (size_t)(nl - (r->buf + r->start)) + 1;
				r->start += n;
				r->skipping = false;
				line->lineno = ++r->lineno;
				line->raw_len = r->skipped + n;
				return TL_LINE_TOOLONG;
			}
			r->skipped += avail;
			r->start = r->end;
			if (r->eof) {
				r->skipping = false;
				line->lineno = ++r->lineno;
				line->raw_len = r->skipped;
				line->no_newline = true;
				return TL_LINE_TOOLONG;
			}
		} else if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->start));
			size_t len = n;
			if (len > 0 && r->buf[r->start + len - 1] == '\r')
				len--;
			if (len > r->max) {
				r->start += n + 1;
				line->lineno = ++r->lineno;
				line->raw_len = n + 1;
				return TL_LINE_TOOLONG;
			}
			emit(r, line, n, n + 1);
			return TL_LINE_OK;
		} else if (avail > r->max + 1) {
			/* No newline within the cap (+1 for a possible "\r"): drop what we have. */
			r->skipping = true;
			r->skipped = avail;
			r->start = r->end;
			continue;
		} else if (r->eof) {
			if (avail == 0)
				return TL_LINE_EOF;
			if (avail > r->max) {
				r->start = r->end;
				line->lineno = ++r->lineno;
				line->raw_len = avail;
				line->no_newline = true;
				return TL_LINE_TOOLONG;
			}
			emit(r, line, avail, avail);
			line->no_newline = true;
			return TL_LINE_OK;
		}
		if (r->eof)
			return TL_LINE_EOF;
		ssize_t got = fill(r);
		if (got == -2)
			return TL_LINE_AGAIN;
		if (got < 0)
			return TL_LINE_ERROR;
		if (got == 0)
			r->eof = true;
	}
}

int tl_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

void tl_out_init(struct tl_out *o, int fd)
{
	struct stat st;
	memset(o, 0, sizeof *o);
	o->fd = fd;
	o->line_flush = isatty(fd) ||
			(fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)));
}

int tl_out_flush(struct tl_out *o)
{
	if (o->broken)
		return -1;
	if (o->len && tl_write_all(o->fd, o->buf, o->len) < 0) {
		o->broken = true;
		o->err = errno;
		return -1;
	}
	o->len = 0;
	return 0;
}

static int out_write(struct tl_out *o, const char *p, size_t n)
{
	if (o->broken)
		return -1;
	if (o->len + n > o->cap) {
		if (o->len && tl_out_flush(o) < 0)
			return -1;
		if (n >= READ_CHUNK) {
			if (tl_write_all(o->fd, p, n) < 0) {
				o->broken = true;
				o->err = errno;
				return -1;
			}
			return 0;
		}
		if (!o->buf) {
			o->cap = READ_CHUNK;
			o->buf = xmalloc(o->cap);
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

int tl_out_record(struct tl_out *o, const char *p, size_t n)
{
	if (out_write(o, p, n) < 0 || out_write(o, "\n", 1) < 0)
		return -1;
	if (o->line_flush)
		return tl_out_flush(o);
	return 0;
}

int tl_out_close(struct tl_out *o)
{
	int r = tl_out_flush(o);
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
	return r;
}

char *tl_read_fd(int fd, size_t max, size_t *len)
{
	struct tl_buf b;
	tl_buf_init(&b, max);
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && tl_buf_add(&b, chunk, (size_t)n) < 0)) {
			int e = errno;
			tl_buf_release(&b);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
	}
	return tl_buf_detach(&b, len);
}

char *tl_read_path(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *s = tl_read_fd(fd, max, len);
	int e = errno;
	close(fd);
	errno = e;
	return s;
}

char *tl_read_file(const char *path, size_t max, size_t *len)
{
	if (strcmp(path, "-") == 0)
		return tl_read_fd(STDIN_FILENO, max, len);
	return tl_read_path(path, max, len);
}

int tl_write_file_atomic(const char *path, const void *p, size_t n, bool durable)
{
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
	char *tmp = xasprintf("%.*s.%s.tmpXXXXXX", (int)dl, path, slash ? slash + 1 : path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	mode_t um = umask(022);
	umask(um);
	int rc = fchmod(fd, 0666 & ~um);
	if (rc == 0)
		rc = tl_write_all(fd, p, n);
	if (rc == 0 && durable)
		rc = fsync(fd);
	int e = errno;
	if (close(fd) < 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc == 0 && rename(tmp, path) < 0) {
		rc = -1;
		e = errno;
	}
	if (rc < 0) {
		unlink(tmp);
	} else if (durable) {
		char *dir = dl ? xstrndup(path, dl) : xstrdup(".");
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	free(tmp);
	errno = e;
	return rc;
}
