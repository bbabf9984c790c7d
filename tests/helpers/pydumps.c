/* pydumps: tl_awscache_pydumps from the command line, for tests/t0305-awscache.sh.
 *
 *   pydumps [-s] [-c] < lines
 *
 * Each input line is one JSON document; each output line is that document as tl_awscache_pydumps
 * writes it (-s: keys sorted, as json.dumps(sort_keys=True); -c: compact separators), then the
 * SHA-1 a cache file would be named by, after a tab. A line that is not JSON prints "error".
 */
#include "tl_awscache.h"
#include "tl_buf.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_log.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	bool sorted = false, compact = false;
	tl_log_init(argv[0]);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0)
			sorted = true;
		else if (strcmp(argv[i], "-c") == 0)
			compact = true;
	}
	struct tl_lines in;
	struct tl_line line;
	tl_lines_init(&in, STDIN_FILENO, 1 << 20);
	int st;
	while ((st = tl_lines_next(&in, &line)) != TL_LINE_EOF) {
		if (st == TL_LINE_AGAIN)
			continue;
		if (st != TL_LINE_OK)
			break;
		const char *why;
		size_t at;
		cJSON *j = tl_json_validate(line.data, line.len, &why, &at) == 0
				   ? tl_json_parse(line.data, line.len, NULL)
				   : NULL;
		if (!j) {
			puts("error");
			continue;
		}
		struct tl_buf b = TL_BUF_INIT;
		char hex[41];
		tl_awscache_pydumps(&b, j, sorted, compact);
		tl_awscache_sha1_hex(b.data, b.len, hex);
		printf("%s\t%s\n", tl_buf_str(&b), hex);
		tl_buf_release(&b);
		cJSON_Delete(j);
	}
	tl_lines_release(&in);
	tl_log_cleanup();
	return fflush(stdout) == 0 ? 0 : 1;
}
