// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/fuzz/fuzz_input.h - what both fuzz targets do with an input (included
 * by fuzz_parse.c and fuzz_replay.c only): the first byte picks the parser
 * (% 3: workload language, mtrace, perf), the rest is the input, parsed
 * into p.  A trace input that starts with the magic number of xz, gzip or
 * zstd goes through a file (a memfd) so that the decompressors meet damaged
 * data too.  Returns the first byte, and whether the input parsed.
 */
#ifndef MMB_FUZZ_INPUT_H
#define MMB_FUZZ_INPUT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../workload.h"

static inline int fuzz_compressed(const unsigned char *d, size_t n)
{
	return (n >= 2 && d[0] == 0x1f && d[1] == 0x8b) ||
	       (n >= 4 && !memcmp(d, "\x28\xb5\x2f\xfd", 4)) ||
	       (n >= 6 && !memcmp(d, "\xfd" "7zXZ", 6));
}

/* The data as a file: a memfd, read through /proc/self/fd. */
static inline struct mmb_input *fuzz_file_input(const unsigned char *d, size_t n, int *fd)
{
	char path[64];

	*fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (*fd < 0 || write(*fd, d, n) != (ssize_t)n)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", *fd);
	return mmb_input_open(path);
}

static inline int fuzz_parse_input(struct mmb_prog *p, const unsigned char *data, size_t size,
				   int *ok)
{
	int which = data[0] % 3, fd = -1;
	char *text = malloc(size);
	struct mmb_input *in = NULL;

	*ok = 0;
	mmb_prog_init(p, which == 0 ? "mmw" : which == 1 ? "mtrace" : "perf");
	if (!text)
		return data[0];
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	in = which && fuzz_compressed(data + 1, size - 1) ? fuzz_file_input(data + 1, size - 1, &fd)
							  : mmb_input_mem("fuzz", text, size - 1);
	if (in) {
		*ok = !(which == 0 ? mmb_parse_workload(p, in) :
			which == 1 ? mmb_import_mtrace(p, in) : mmb_import_perf(p, in));
		mmb_input_close(in);
	}
	if (fd >= 0)
		close(fd);
	free(text);
	return data[0];
}

#endif /* MMB_FUZZ_INPUT_H */
