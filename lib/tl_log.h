/* tl_log.h: messages for people, on stderr, as "tool: message".
 *
 * Levels: TL_LOG_ERROR (always, unless silenced entirely), TL_LOG_WARN, TL_LOG_INFO (the default
 * threshold: summaries and notable events), TL_LOG_DEBUG (-v), TL_LOG_TRACE (-vv: HTTP headers).
 * -q lowers the threshold to errors only.
 *
 * Every message passes through tl_redact() before it is written, so no secret reaches stderr even
 * at trace level: Authorization headers, X-Amz-Security-Token (header or query), X-Amz-Signature
 * and X-Amz-Credential in presigned URLs, bearer tokens, secret keys in config or JSON text, and
 * any exact string registered with tl_log_add_secret(). Then its control characters and invalid
 * UTF-8 are escaped (tl_buf_add_printable): a message is one line, and what a server or a record
 * put in it (an Athena error, a JSON key, a file name) cannot drive the terminal. Callers pass
 * outside text as it is; the escaping happens here, once.
 */
#ifndef TL_LOG_H
#define TL_LOG_H
#include <stdarg.h>
#include <stddef.h>

enum tl_log_level {
	TL_LOG_ERROR = 0,
	TL_LOG_WARN = 1,
	TL_LOG_INFO = 2,
	TL_LOG_DEBUG = 3,
	TL_LOG_TRACE = 4,
};

/* Sets the program name used as the prefix (the basename of argv0 is taken). */
void tl_log_init(const char *argv0);
const char *tl_log_tool(void);
void tl_log_set_level(int level);
int tl_log_level(void);
/* True when messages of this level are written (to skip building expensive messages). */
int tl_log_enabled(int level);

void tl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tl_vlog(int level, const char *fmt, va_list ap);
#define tl_err(...) tl_log(TL_LOG_ERROR, __VA_ARGS__)
#define tl_warn(...) tl_log(TL_LOG_WARN, __VA_ARGS__)
#define tl_info(...) tl_log(TL_LOG_INFO, __VA_ARGS__)
#define tl_debug(...) tl_log(TL_LOG_DEBUG, __VA_ARGS__)
#define tl_trace(...) tl_log(TL_LOG_TRACE, __VA_ARGS__)

/* Registers a secret value (copied) to be masked wherever it appears in a message.
 * Values shorter than 4 bytes are ignored (they would mask ordinary text). */
void tl_log_add_secret(const char *value);
/* Frees the registered secrets (at exit, so leak checkers stay quiet). */
void tl_log_cleanup(void);

/* Returns a new string (caller frees) with every secret in s[0..n) replaced by "***". */
char *tl_redact(const char *s, size_t n);

/* Writes a status line in place on a terminal ("\r...\033[K"); no-op if stderr is not one unless
 * force is set, in which case plain lines are written. tl_log_status_end() finishes the line. */
void tl_log_status(int force, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tl_log_status_end(void);

#endif
