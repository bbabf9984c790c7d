/* tl_io.h: line-delimited input of any line length up to a cap, and output that survives short
 * writes, EINTR and a reader that goes away.
 */
#ifndef TL_IO_H
#define TL_IO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_LINE_MAX_DEFAULT ((size_t)16 << 20) /* 16 MiB */

/* Result of tl_lines_next(). */
enum tl_line_status {
	TL_LINE_OK = 0,      /* a line is in *line */
	TL_LINE_EOF = 1,     /* no more input */
	TL_LINE_TOOLONG = 2, /* a line over the cap was read and discarded; line->lineno says which */
	TL_LINE_AGAIN = 3,   /* the wait hook asked to stop waiting (e.g. a signal); call again later */
	TL_LINE_ERROR = -1,  /* read error; errno is set */
};

struct tl_line {
	char *data;          /* the line without "\n" or "\r\n"; NUL-terminated; valid until next call */
	size_t len;
	uint64_t lineno;     /* 1-based */
	bool has_nul;        /* the line contains a NUL byte (data[0..len) still holds it all) */
	bool no_newline;     /* last line of input, without a final newline */
	size_t raw_len;      /* bytes the line took in the input, terminator included */
};

/* Called before each read(2) that may block. Return 0 to go on and read, 1 to make
 * tl_lines_next() return TL_LINE_AGAIN. May poll(2) the fd itself to serve other work. */
typedef int (*tl_lines_wait_fn)(int fd, void *ctx);

struct tl_lines {
	int fd;
	char *buf;
	size_t cap, start, end;
	size_t max;
	uint64_t lineno;
	bool eof, skipping;
	size_t skipped;
	tl_lines_wait_fn wait;
	void *wait_ctx;
	uint64_t bytes;      /* total bytes read */
};

/* Reads lines from fd (not owned; not closed). max 0 means TL_LINE_MAX_DEFAULT.
 * read(2) returns what is available, so a line written into a pipe is seen at once. */
void tl_lines_init(struct tl_lines *r, int fd, size_t max);
void tl_lines_set_wait(struct tl_lines *r, tl_lines_wait_fn fn, void *ctx);
/* True when a whole line (or EOF) is already buffered, so next() will not read. */
bool tl_lines_ready(const struct tl_lines *r);
/* Next line; see enum tl_line_status. EINTR from read(2) is returned as TL_LINE_AGAIN so the
 * caller can look at its signal flags. Never allocates more than max + 64 KiB. */
int tl_lines_next(struct tl_lines *r, struct tl_line *line);
void tl_lines_release(struct tl_lines *r);

/* Reads fd (not closed) to end of file into a new NUL-terminated string, retrying on EINTR;
 * *len (len may be NULL) gets its length. NULL with errno: the read's, or E2BIG when it holds
 * more than max bytes (0: 1 GiB). Blocks until end of file. The caller frees. */
char *tl_read_fd(int fd, size_t max, size_t *len);
/* The same for a whole small file (a token, a config) by name. NULL with errno (open's too). */
char *tl_read_path(const char *path, size_t max, size_t *len);
/* tl_read_path(), but "-" is standard input: for files named on a command line. */
char *tl_read_file(const char *path, size_t max, size_t *len);

/* Replaces the file at path with p[0..n) atomically: written to a hidden temporary file beside
 * it (mode 0666 less the umask), then renamed over it, so a reader sees the old file or the new
 * one, never a part. With durable, the data and the directory entry are fsync'd too. Returns
 * 0, or -1 with errno (the temporary file removed). Blocks on file I/O. */
int tl_write_file_atomic(const char *path, const void *p, size_t n, bool durable);

/* write(2) all of p, retrying on EINTR and short writes. -1 with errno (EPIPE: reader left). */
int tl_write_all(int fd, const void *p, size_t n);

/* Buffered record output: flushed per record when the fd is a pipe, socket or terminal (so
 * downstream tools see each line at once), in 64 KiB blocks otherwise. */
struct tl_out {
	int fd;
	bool line_flush;
	bool broken;         /* a write failed; errno was saved in err */
	int err;
	char *buf;
	size_t len, cap;
};
void tl_out_init(struct tl_out *o, int fd);
/* Writes one record and a "\n". -1 once the output is broken (EPIPE etc.); errors stick. */
int tl_out_record(struct tl_out *o, const char *p, size_t n);
int tl_out_flush(struct tl_out *o);
/* Flushes and frees; returns -1 if anything written was lost. Does not close the fd. */
int tl_out_close(struct tl_out *o);

#endif
