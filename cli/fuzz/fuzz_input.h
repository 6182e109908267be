/*
 * cli/fuzz/fuzz_input.h - what both fuzz targets do with an input (included
 * by fuzz_parse.c and fuzz_replay.c only): the first byte picks the parser
 * (% 3: workload language, mtrace, perf), the rest is the text, parsed
 * into p.  Returns the first byte, and whether the input parsed.
 */
#ifndef MMB_FUZZ_INPUT_H
#define MMB_FUZZ_INPUT_H

#include <stdlib.h>
#include <string.h>

#include "../workload.h"

static inline int fuzz_parse_input(struct mmb_prog *p, const unsigned char *data, size_t size,
				   int *ok)
{
	int which = data[0] % 3;
	char *text = malloc(size);

	*ok = 0;
	mmb_prog_init(p, which == 0 ? "mmw" : which == 1 ? "mtrace" : "perf");
	if (!text)
		return data[0];
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	*ok = !(which == 0 ? mmb_parse_workload(p, "fuzz", text, size - 1) :
		which == 1 ? mmb_import_mtrace(p, "fuzz", text, size - 1) :
			     mmb_import_perf(p, "fuzz", text, size - 1));
	free(text);
	return data[0];
}

#endif /* MMB_FUZZ_INPUT_H */
