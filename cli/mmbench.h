// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/mmbench.h - what mmbench's files share: the subcommand table entry,
 * exit codes, the small option helpers, and machine config merging
 * (config.c).  Each subcommand lives in its own file (info.c, run.c) and is
 * listed in main.c's command table.
 */
#ifndef MMBENCH_H
#define MMBENCH_H

#include <getopt.h>
#include <stdio.h>

enum { MMB_EXIT_OK = 0, MMB_EXIT_INVALID = 1, MMB_EXIT_USAGE = 2 };

struct mmb_command {
	const char *name;
	const char *args;       /* synopsis after the name */
	const char *summary;    /* one line for --help */
	int (*main)(int argc, char **argv);     /* argv[0] is the name */
};

/* `mmbench info`: machine layout, zones, watermarks, buddyinfo. */
int mmb_cmd_info(int argc, char **argv);
/* `mmbench run`: replay a workload or trace (run.c). */
int mmb_cmd_run(int argc, char **argv);
/* `mmbench diff`: what changed between results (diff.c). */
int mmb_cmd_diff(int argc, char **argv);

/* "0.1.0 (git REV, VARIANT build)" (report.c, where the revision is compiled in). */
const char *mmb_version(void);

/* Usage text: all commands, or just cmd when non-NULL. */
void mmb_usage(FILE *f, const struct mmb_command *cmd);
const struct mmb_command *mmb_find_command(const char *name);

/* Prints "mmbench CMD: MESSAGE" and a usage hint to stderr; returns MMB_EXIT_USAGE. */
int mmb_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Command-line walk for commands whose operands may sit between options
 * ("run FILE --json -").  Start with { argc, argv } and optind = 0. */
struct mmb_args {
	int argc;
	char **argv;
	int ended;              /* "--" seen: the rest are operands */
};
/* The next option as getopt_long() gives it; or -1 with *operand set to the
 * next operand, or -1 with *operand NULL when the arguments are done. */
int mmb_next_arg(struct mmb_args *a, const char *optstring,
		 const struct option *longopts, const char **operand);

/* ---- config.c: machine config text ------------------------------------ */

/* Is w one KEY=VALUE word (non-empty key and value, no blanks, not two
 * joined by a comma)? */
int mmb_config_word_ok(const char *w);
/* base (NULL = the default machine) with the KEY=VALUE words sets[0..nsets)
 * merged in: a base word whose key a set names is dropped, the sets are
 * appended, the last of several sets of one key wins; words come out
 * blank-separated.  Caller frees. */
char *mmb_config_merge(const char *base, const char *const *sets, int nsets);
/* The value of key's first word in config (*len bytes), or NULL. */
const char *mmb_config_value(const char *config, const char *key, size_t *len);

#endif /* MMBENCH_H */
