/* tl_awscache.h: the AWS CLI's JSON file caches, kept as botocore's JSONFileCache keeps them, so
 * that the CLI and the tools share what one of them stored:
 *   - the IAM Identity Center token cache that "aws sso login" writes, ~/.aws/sso/cache/KEY.json
 *     (KEY: the SHA-1 in hex of the sso-session name, or of the start URL for a legacy profile);
 *   - the CLI's credential cache, ~/.aws/cli/cache/KEY.json, where "aws" keeps assumed-role
 *     sessions (KEY: the SHA-1 of the AssumeRole arguments as json.dumps writes them).
 * One JSON document per file, written whole into a temporary file of the folder, synced and
 * renamed over the old one (a reader never sees half a file); files are 0600, a folder made here
 * 0700. Nothing here logs a file's content: the files hold secrets.
 */
#ifndef TL_AWSCACHE_H
#define TL_AWSCACHE_H
#include "tl_buf.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_awscache_dir {
	TL_AWSCACHE_SSO, /* ~/.aws/sso/cache */
	TL_AWSCACHE_CLI, /* ~/.aws/cli/cache */
};

/* The folder of a cache (~ expanded from $HOME). Caller frees. */
char *tl_awscache_dir(enum tl_awscache_dir which);

/* Lowercase hex SHA-1 of s[0..n) into hex[41]: the name of a cache file. */
void tl_awscache_sha1_hex(const void *s, size_t n, char hex[41]);

/* Reads dir/key.json. Returns the parsed document (caller deletes, wiping secrets with
 * tl_json_delete_secret), or NULL: with *err NULL when there is no such file, else with *err (caller
 * frees) when it cannot be read or is not a JSON object. Blocks on file I/O only. */
cJSON *tl_awscache_load(const char *dir, const char *key, char **err);

/* Writes text[0..len) as dir/key.json (atomically, as described above), creating dir (and its
 * parents) when missing. Returns 0, or -1 with *err (caller frees). Blocks on file I/O. */
int tl_awscache_store(const char *dir, const char *key, const char *text, size_t len,
		      char **err);

/* Appends v as Python's json.dumps writes it (ensure_ascii: every byte outside " ".."~" and
 * every non-ASCII character as \uXXXX, surrogate pairs above U+FFFF; integral numbers without a
 * fraction, others in their shortest form, NaN and Infinity as Python spells them): with sort_keys, object members sorted by name; compact uses "," and ":" as
 * separators instead of ", " and ": ". Cache keys are hashes of such text, so it must be exact.
 * Returns 0, or -1 when the buffer's cap is reached. */
int tl_awscache_pydumps(struct tl_buf *b, const cJSON *v, bool sort_keys, bool compact);

/* Epoch ms of a cached time: RFC 3339 ("2026-12-05T10:00:00Z", as the SSO cache holds) or the
 * CLI cache's "2026-12-05T10:00:00UTC". 0, or -1 when s is missing or unparsable. */
int tl_awscache_time(const char *s, int64_t *ms);

#endif
