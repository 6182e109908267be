// SPDX-License-Identifier: GPL-2.0-only
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

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static int once;
	struct mmb_prog p;
	int ok;

	if (!once) {
		once = 1;
		mmb_parse_max_ops = 200000;             /* keep each input fast */
		mmb_parse_max_lines = 2000000;
	}
	if (!size)
		return 0;
	if (fuzz_parse_input(&p, data, size, &ok) % 3 == 0 && ok)
		mmb_check_machine(&p, "fuzz", 4, 10);
	mmb_prog_free(&p);
	return 0;
}
