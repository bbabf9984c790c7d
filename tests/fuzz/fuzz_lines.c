/* libFuzzer target: the line reader over arbitrary input with a small cap, so over-long lines,
 * CR/LF mixes, NUL bytes and a missing final newline are all exercised. Every byte of input must be
 * accounted for by the lines returned. */

#include "tl_io.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return 0;
	if (tl_write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return 0;
	}
	size_t cap = size ? (size_t)data[0] % 64 + 1 : 8;
	struct tl_lines r;
	struct tl_line l;
	tl_lines_init(&r, fd, cap);
	size_t seen = 0;
	uint64_t last = 0;
	for (;;) {
		int st = tl_lines_next(&r, &l);
		if (st == TL_LINE_EOF || st == TL_LINE_ERROR)
			break;
		if (l.lineno != last + 1)
			abort();
		last = l.lineno;
		if (st == TL_LINE_OK && (l.len > cap || l.data[l.len] != '\0'))
			abort();
		seen += l.raw_len;
	}
	if (seen != size)
		abort();
	tl_lines_release(&r);
	close(fd);
	return 0;
}
