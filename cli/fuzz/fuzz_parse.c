/*
 * cli/fuzz/fuzz_parse.c - fuzz target for mmbench's input parsers: the
 * workload language (parse.c) and both trace importers (trace.c).  The first
 * byte picks the parser, the rest is the input.  Built two ways:
 *   scons fuzz            clang -fsanitize=fuzzer,address,undefined (libFuzzer),
 *                         run over cli/fuzz/corpus (the kept corpus)
 *   build/V/bin/test_fuzz_corpus   gcc + standalone.c: replays every corpus
 *                         file and a few thousand random mutations of them
 *                         (part of `scons test`, every variant)
 * A trace input that starts with the magic number of xz, gzip or zstd goes
 * through a file (a memfd) so that the decompressors meet damaged data too
 * (the corpus holds small compressed traces to mutate).
 * Error messages are silenced (libFuzzer: -close_fd_mask=2; standalone.c:
 * stderr to /dev/null); a crash, a sanitizer report or a leak is the only
 * failure.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../workload.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int compressed(const unsigned char *d, size_t n)
{
	return (n >= 2 && d[0] == 0x1f && d[1] == 0x8b) ||
	       (n >= 4 && !memcmp(d, "\x28\xb5\x2f\xfd", 4)) ||
	       (n >= 6 && !memcmp(d, "\xfd" "7zXZ", 6));
}

/* The data as a file: a memfd, read through /proc/self/fd. */
static struct mmb_input *file_input(const unsigned char *d, size_t n, int *fd)
{
	char path[64];

	*fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (*fd < 0 || write(*fd, d, n) != (ssize_t)n)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", *fd);
	return mmb_input_open(path);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static int once;
	struct mmb_prog p;
	struct mmb_input *in;
	char *text;
	int which, fd = -1;

	if (!once) {
		once = 1;
		mmb_parse_max_ops = 200000;             /* keep each input fast */
		mmb_parse_max_lines = 2000000;
	}
	if (!size)
		return 0;
	which = data[0] % 3;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	in = which && compressed(data + 1, size - 1) ? file_input(data + 1, size - 1, &fd)
						      : mmb_input_mem("fuzz", text, size - 1);
	if (!in) {
		if (fd >= 0)
			close(fd);
		free(text);
		return 0;
	}
	mmb_prog_init(&p, which == 0 ? "mmw" : which == 1 ? "mtrace" : "perf");
	if (which == 0) {
		if (!mmb_parse_workload(&p, in))
			mmb_check_machine(&p, "fuzz", 4, 10);
	} else if (which == 1) {
		mmb_import_mtrace(&p, in);
	} else {
		mmb_import_perf(&p, in);
	}
	mmb_input_close(in);
	if (fd >= 0)
		close(fd);
	mmb_prog_free(&p);
	free(text);
	return 0;
}
