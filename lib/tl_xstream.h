/* tl_xstream.h: one connection to an X API v2 streaming endpoint, and X's reconnect schedule.
 *
 * The connection uses libcurl directly rather than tl_http: a stream needs to see every byte
 * as it arrives (keep-alive "\r\n" lines are the heartbeat), to give up after a silence of its
 * own length (libcurl's low-speed limit averages over a window and cannot tell a keep-alive from
 * silence), to know the status before the first body byte, and to stop within a second of a
 * signal. The rules calls are ordinary requests and go through tl_http.
 */
#ifndef TL_XSTREAM_H
#define TL_XSTREAM_H
#include "tl_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called for each complete line of a 200 response (without "\r\n"; n == 0 for a keep-alive).
 * Returns TL_XS_GO_ON, TL_XS_RECONNECT (e.g. an operational-disconnect message) or TL_XS_STOP. */
typedef int (*tl_xstream_line_fn)(const char *line, size_t n, void *ctx);
enum { TL_XS_GO_ON = 0, TL_XS_RECONNECT = 1, TL_XS_STOP = 2 };

struct tl_xstream_opts {
	const char *url;          /* full URL with query */
	const char *token;        /* bearer token (sent in Authorization; never logged) */
	long connect_timeout_ms;  /* 0: 10 s */
	int64_t stall_ms;         /* no byte for this long: give up (0: never) */
	int64_t deadline_mono;    /* tl_mono_ms() at which to stop (0: none) */
	size_t line_max;          /* longer lines are dropped and counted (0: 16 MiB) */
	tl_xstream_line_fn on_line;
	void *ctx;
};

/* How a connection ended. */
enum tl_xstream_end {
	TL_XS_END_STOP = 0,      /* on_line said stop, a stop signal arrived, or the deadline passed */
	TL_XS_END_RECONNECT,     /* on_line asked for a reconnect */
	TL_XS_END_NET,           /* no response, reset, end of stream, or stalled */
	TL_XS_END_HTTP,          /* a response other than 200 */
};

struct tl_xstream_result {
	int end;
	long status;              /* HTTP status, 0 if none */
	int64_t rate_reset_ms;    /* x-rate-limit-reset as epoch ms, or -1 */
	bool stalled;
	bool got_bytes;           /* the 200 response delivered at least one byte */
	uint64_t lines;           /* lines delivered (keep-alives included) */
	uint64_t too_long;        /* lines over line_max, dropped */
	size_t cut_bytes;         /* bytes of an unfinished last line, dropped */
	uint64_t bytes;           /* body bytes received */
	struct tl_buf body;       /* the body of a non-200 response (first 64 KiB) */
	char error[256];          /* why it ended, for people ("" for a stop) */
};

void tl_xstream_result_init(struct tl_xstream_result *r);
void tl_xstream_result_free(struct tl_xstream_result *r);

/* Connects and reads the stream until it ends (see enum tl_xstream_end); r is reset first.
 * Blocks. Never retries; the connection is closed before it returns. Returns r->end. */
int tl_xstream_run(const struct tl_xstream_opts *o, struct tl_xstream_result *r);

/* X's published reconnect schedule. Each failure class has its own count of consecutive
 * failures; tl_backoff_reset() after a connection that delivered data. */
enum tl_backoff_class {
	TL_BACKOFF_NET = 0,   /* network errors: +250 ms per attempt, up to 16 s */
	TL_BACKOFF_HTTP,      /* HTTP errors: 5 s, doubling, up to 320 s */
	TL_BACKOFF_RATE,      /* 429: 60 s, doubling (up to 960 s), or until x-rate-limit-reset */
};
struct tl_backoff {
	int n[3];
};
void tl_backoff_reset(struct tl_backoff *b);
/* The wait in ms before the next attempt after a failure of class cls. reset_ms (epoch ms or
 * -1) is honoured for TL_BACKOFF_RATE when it is in the future. */
int64_t tl_backoff_next(struct tl_backoff *b, int cls, int64_t reset_ms, int64_t now_ms);

#endif
