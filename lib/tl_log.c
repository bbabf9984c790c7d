#include "tl_log.h"
#include "tl_alloc.h"
#include "tl_buf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static char tool_name[64] = "tweetlake";
static int threshold = TL_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t nsecrets;
static int status_open;

void tl_log_init(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	const char *base = slash ? slash + 1 : argv0;
	if (base && *base)
		snprintf(tool_name, sizeof tool_name, "%s", base);
}

const char *tl_log_tool(void)
{
	return tool_name;
}

void tl_log_set_level(int level)
{
	threshold = level;
}

int tl_log_level(void)
{
	return threshold;
}

int tl_log_enabled(int level)
{
	return level <= threshold;
}

void tl_log_add_secret(const char *value)
{
	if (!value || strlen(value) < 4)
		return;
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < nsecrets; i++) {
		if (strcmp(secrets[i], value) == 0) {
			pthread_mutex_unlock(&log_lock);
			return;
		}
	}
	secrets = xrealloc(secrets, (nsecrets + 1) * sizeof *secrets);
	secrets[nsecrets++] = xstrdup(value);
	pthread_mutex_unlock(&log_lock);
}

void tl_log_cleanup(void)
{
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < nsecrets; i++)
		tl_secret_free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
	pthread_mutex_unlock(&log_lock);
}

/* Case-insensitive prefix match of s[0..n) against a NUL-terminated word. */
static size_t match_ci(const char *s, size_t n, const char *word)
{
	size_t wl = strlen(word);
	if (wl > n || strncasecmp(s, word, wl) != 0)
		return 0;
	return wl;
}

/* Markers after which a secret value follows, and how far that value runs. */
enum value_end { END_LINE, END_TOKEN, END_QUOTED };
static const struct marker {
	const char *text;
	enum value_end end;
	size_t min; /* shorter values are ordinary words, not secrets */
} markers[] = {
	{ "authorization:", END_LINE, 1 },
	{ "x-amz-security-token:", END_LINE, 1 },
	{ "x-amz-security-token=", END_TOKEN, 1 },
	{ "x-amz-signature=", END_TOKEN, 1 },
	{ "x-amz-credential=", END_TOKEN, 1 },
	{ "bearer ", END_TOKEN, 16 },
	{ "aws_secret_access_key", END_LINE, 1 },
	{ "aws_session_token", END_LINE, 1 },
	{ "\"secretaccesskey\"", END_QUOTED, 1 },
	{ "\"sessiontoken\"", END_QUOTED, 1 },
	{ "\"token\"", END_QUOTED, 1 },
	{ "\"access_token\"", END_QUOTED, 1 },
	{ "<secretaccesskey>", END_TOKEN, 1 },
	{ "<sessiontoken>", END_TOKEN, 1 },
};

/* Length of the secret value starting at s (after a marker). */
static size_t value_len(const char *s, size_t n, enum value_end end, size_t *skip)
{
	size_t i = 0;
	*skip = 0;
	switch (end) {
	case END_LINE:
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '=' || s[i] == ':'))
			i++;
		*skip = i;
		while (i < n && s[i] != '\n' && s[i] != '\r')
			i++;
		break;
	case END_TOKEN:
		while (i < n && s[i] == ' ')
			i++;
		*skip = i;
		while (i < n && !isspace((unsigned char)s[i]) && s[i] != '&' && s[i] != '"' &&
		       s[i] != '<' && s[i] != ',' && s[i] != '\'')
			i++;
		break;
	case END_QUOTED:
		while (i < n && (s[i] == ' ' || s[i] == ':'))
			i++;
		if (i < n && s[i] == '"') {
			i++;
			*skip = i;
			while (i < n && s[i] != '"') {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				i++;
			}
		} else {
			*skip = i;
		}
		break;
	}
	return i - *skip;
}

char *tl_redact(const char *s, size_t n)
{
	struct tl_buf out = TL_BUF_INIT;
	size_t i = 0, run = 0;
	pthread_mutex_lock(&log_lock);
	while (i < n) {
		size_t ml = 0, skip = 0, vl = 0;
		for (size_t m = 0; m < sizeof markers / sizeof *markers; m++) {
			ml = match_ci(s + i, n - i, markers[m].text);
			if (ml) {
				vl = value_len(s + i + ml, n - i - ml, markers[m].end, &skip);
				if (vl < markers[m].min)
					vl = 0;
				break;
			}
		}
		if (ml && vl) {
			tl_buf_add(&out, s + run, i + ml + skip - run);
			tl_buf_adds(&out, "***");
			i += ml + skip + vl;
			run = i;
			continue;
		}
		for (size_t k = 0; k < nsecrets; k++) {
			size_t sl = strlen(secrets[k]);
			if (sl <= n - i && memcmp(s + i, secrets[k], sl) == 0) {
				vl = sl;
				break;
			}
		}
		if (vl) {
			tl_buf_add(&out, s + run, i - run);
			tl_buf_adds(&out, "***");
			i += vl;
			run = i;
			continue;
		}
		i += ml ? ml : 1;
	}
	pthread_mutex_unlock(&log_lock);
	tl_buf_add(&out, s + run, n - run);
	return tl_buf_detach(&out, NULL);
}

/* The message for the terminal: secrets masked, then control characters escaped (what a
 * server or a record says can neither move the cursor nor forge another line), one line. */
static void add_message(struct tl_buf *line, const char *msg, size_t n)
{
	if (n && msg[n - 1] == '\n')
		n--;
	char *red = tl_redact(msg, n);
	tl_buf_add_printable(line, red, strlen(red));
	free(red);
}

static void write_line(const char *msg, size_t n)
{
	struct tl_buf line = TL_BUF_INIT;
	tl_buf_addf(&line, "%s: ", tool_name);
	add_message(&line, msg, n);
	tl_buf_addc(&line, '\n');
	pthread_mutex_lock(&log_lock); /* status_open is shared by threads that log */
	if (status_open)
		fputs("\r\033[K", stderr);
	status_open = 0;
	fwrite(line.data, 1, line.len, stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
	tl_buf_release(&line);
}

void tl_vlog(int level, const char *fmt, va_list ap)
{
	if (level > threshold)
		return;
	struct tl_buf b = TL_BUF_INIT;
	if (level == TL_LOG_WARN)
		tl_buf_adds(&b, "warning: ");
	else if (level == TL_LOG_ERROR)
		tl_buf_adds(&b, "error: ");
	tl_buf_vaddf(&b, fmt, ap);
	write_line(tl_buf_str(&b), b.len);
	tl_buf_release(&b);
}

void tl_log(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tl_vlog(level, fmt, ap);
	va_end(ap);
}

void tl_log_status(int force, const char *fmt, ...)
{
	int tty = isatty(STDERR_FILENO);
	if ((!tty && !force) || threshold < TL_LOG_INFO)
		return;
	struct tl_buf b = TL_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	tl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	struct tl_buf line = TL_BUF_INIT;
	add_message(&line, tl_buf_str(&b), b.len);
	pthread_mutex_lock(&log_lock);
	if (tty) {
		fprintf(stderr, "\r\033[K%s: %s", tool_name, tl_buf_str(&line));
		status_open = 1;
	} else {
		fprintf(stderr, "%s: %s\n", tool_name, tl_buf_str(&line));
	}
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
	tl_buf_release(&line);
	tl_buf_release(&b);
}

void tl_log_status_end(void)
{
	pthread_mutex_lock(&log_lock);
	if (status_open) {
		fputc('\n', stderr);
		fflush(stderr);
		status_open = 0;
	}
	pthread_mutex_unlock(&log_lock);
}
