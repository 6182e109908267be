/*
 * cli/fuzz/fuzz_parse.c - fuzz target for mmbench's input parsers: the
 * workload language (parse.c) and both trace importers (trace.c).  The first
 * byte picks the parser, the rest is the input.  Built two ways:
 *   scons fuzz            clang -fsanitize=fuzzer,address,undefined (libFuzzer),
 *                         run over cli/fuzz/corpus (the kept corpus)
 *   build/V/bin/test_fuzz_corpus   gcc + standalone.c: replays every corpus
 *                         file and a few thousand random mutations of them
 *                         (part of `scons test`, every variant)
 * Error messages are silenced (libFuzzer: -close_fd_mask=2; standalone.c:
 * stderr to /dev/null); a crash, a sanitizer report or a leak is the only
 * failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../workload.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static int once;
	struct mmb_prog p;
	struct mmb_input *in;
	char *text;
	int which;

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
	in = mmb_input_mem("fuzz", text, size - 1);
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
	mmb_prog_free(&p);
	free(text);
	return 0;
}
