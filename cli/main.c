// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/main.c - mmbench's entry point: top-level --help and dispatch to the
 * subcommands of the command table, plus the option helpers they share.
 * Exit codes: 0 success, 1 invalid workload, 2 usage error (mmbench.h).
 */
#include <stdarg.h>
#include <string.h>

#include "mmbench.h"

static const struct mmb_command commands[] = {
	{ "info", "[--machine \"CONFIG\"] [--help]",
	  "print the machine layout, zones, watermarks and buddyinfo", mmb_cmd_info },
	{ "run", "WORKLOAD|- [--machine \"CONFIG\"] [--set KEY=VALUE ...] [--json FILE] [--seed N]\n"
	  "                   [--threads] [--quiet] [--backend libmm|malloc]\n"
	  "                   [--format mmw|mtrace|perf] [--timeline N] [--tick N]\n"
	  "                   [--runs N] [--warmup] [--progress SECONDS] [--label TEXT]\n"
	  "                   [--csv DIR]",
	  "replay a workload (or an mtrace / perf script trace) and report what the allocators did",
	  mmb_cmd_run },
	{ "diff", "A.json B.json [C.json ...] [--json FILE|-]",
	  "compare results: per-operation latency and failures, breakdowns, call sites, memory,\n"
	  "      zones, slab caches and vmstat, each column headed by how its config differs",
	  mmb_cmd_diff },
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct mmb_command *mmb_find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void mmb_usage(FILE *f, const struct mmb_command *cmd)
{
	if (cmd) {
		fprintf(f, "usage: mmbench %s %s\n  %s\n", cmd->name, cmd->args, cmd->summary);
		return;
	}
	fprintf(f, "usage: mmbench COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  mmbench %s %s\n      %s\n", commands[i].name, commands[i].args,
			commands[i].summary);
	fprintf(f, "\nCONFIG is a machine description, e.g. \"cpus=4 nodes=1 DMA=16M "
		"DMA32=240M NORMAL=768M MOVABLE=0 max_page_order=10 seed=1\"\n"
		"(the default machine).  `mmbench COMMAND --help` describes one command;\n"
		"`mmbench --version` tells the version, git revision and build variant.\n");
}

int mmb_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mmbench%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'mmbench %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return MMB_EXIT_USAGE;
}

/*
 * getopt_long() in "+" mode stops at the first operand, which the caller
 * takes before walking on.  After "--" glibc's own state would hand the first
 * operand out again when the arguments run out, so from there on the
 * operands are walked here.  A "--" that is an option's value is not an end:
 * it was the end only when getopt_long() stepped over exactly that word.
 */
int mmb_next_arg(struct mmb_args *a, const char *optstring,
		 const struct option *longopts, const char **operand)
{
	*operand = NULL;
	if (!a->ended) {
		int before = optind ? optind : 1;
		int c = getopt_long(a->argc, a->argv, optstring, longopts, NULL);

		if (c != -1)
			return c;
		if (optind == before + 1 && strcmp(a->argv[before], "--") == 0)
			a->ended = 1;
	}
	if (optind < a->argc)
		*operand = a->argv[optind++];
	return -1;
}

int main(int argc, char **argv)
{
	const struct mmb_command *cmd;

	if (argc < 2)
		return mmb_usage_error(NULL, "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		mmb_usage(stdout, NULL);
		return MMB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mmbench %s\n", mmb_version());
		return MMB_EXIT_OK;
	}
	cmd = mmb_find_command(argv[1]);
	if (cmd)
		return cmd->main(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return mmb_usage_error(NULL, "unknown option '%s'", argv[1]);
	return mmb_usage_error(NULL, "unknown command '%s'", argv[1]);
}
