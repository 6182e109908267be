// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/run.c - `mmbench run`: reads a workload or trace, parses it into
 * operations, creates the machine, replays, and reports (summary on stdout,
 * JSON with --json).
 *
 *   mmbench run WORKLOAD|- [--machine "CONFIG"] [--set KEY=VALUE ...]
 *                        [--json FILE] [--seed N]
 *                        [--threads] [--quiet] [--backend libmm|malloc]
 *                        [--format mmw|mtrace|perf] [--timeline N] [--tick N]
 *                        [--runs N] [--warmup] [--progress SECONDS] [--label TEXT]
 *                        [--csv DIR]
 *
 * The machine: --machine, else the workload's `machine` line, else the
 * default; each --set KEY=VALUE, then --seed N (seed=N), replaces that one
 * key of it (config.c); prefault=pageblock is added unless the merged config
 * says prefault= or backing=none (populating simulated RAM is then out of
 * the timings, see replay.c).  --machine replacing a workload's own line
 * says so on stderr.  WORKLOAD is a file or "-" (stdin), plain or
 * xz/gzip/zstd (input.c).  Traces: files whose name holds ".mtrace" or
 * ".perf" are read as such unless --format says otherwise.
 *
 * The parser fills a buffer of MMB_BUFFER_OPS operations.  An input that
 * fits is parsed whole before anything runs (a bad line: nothing runs) and
 * replayed --runs times on fresh machines; a longer one streams: the full
 * buffer is replayed, then chunks of MMB_STREAM_OPS as the parser goes on
 * (a bad line later stops the run: exit 1, nothing written), and further
 * runs read the input again.
 * The JSON goes to a temporary file next to FILE, checked writable before
 * anything runs and renamed over FILE at the end: FILE is whole or absent.
 * Hidden options for tests and benchmarks: --validate (mm_validate at the
 * end, result in the summary and JSON; exit 3 if broken), --parse-only,
 * --dump-ops, --buffer OPS (buffer size), --max-work N (the workload
 * parser's cap on lines read plus iterations, default 5e8).
 *
 * Exit: 0 ok, 1 invalid input (FILE:LINE: message), 2 usage (bad options,
 * unreadable file, bad --machine or --set, unwritable --json), 3 --validate found
 * corruption.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmbench.h"
#include "workload.h"

#define MMB_BUFFER_OPS  (1u << 20)      /* 40 MiB of operations: parsed before replaying */
#define MMB_STREAM_OPS  (16u << 10)     /* a stream's chunks: 640 KiB */
#define RUN_MAX_SETS    64

struct run_opts {
	const char *file;               /* WORKLOAD */
	const char *machine;            /* --machine, or NULL */
	const char *sets[RUN_MAX_SETS + 1];     /* --set KEY=VALUE..., then seed=N */
	int nsets;
	char seed_set[32];              /* "seed=N" for --seed N */
	const char *json;               /* --json FILE, or NULL */
	const char *format;             /* mmw, mtrace, perf (--format or from the name) */
	const char *backend;            /* libmm or malloc */
	const char *label;              /* --label: the run's name in diffs and plots */
	const char *csv;                /* --csv DIR */
	long seed;                      /* --seed, when has_seed */
	int has_seed, threads, quiet;
	int runs, warmup;               /* --runs N, --warmup */
	double progress;                /* --progress: seconds between lines */
	int validate, parse_only, dump_ops;     /* hidden: tests and benchmarks */
	int timeline;                   /* --timeline: samples wanted */
	size_t buffer;                  /* --buffer: operations buffered */
	long tick;                      /* --tick: a vmstat tick every N operations */
};

/* One pass over the input: the program being built and what it feeds. */
struct run_ctx {
	struct run_opts *o;
	struct mmb_prog prog;
	struct mmb_input *in;
	struct mmb_run r;               /* the run being replayed */
	struct mmb_progress pg;
	char *config;                   /* the machine's canonical config */
	int started;                    /* r's machine exists and the replay began */
	int streamed;                   /* the sink ran before the input ended */
	int exit_code;                  /* why the sink stopped */
	double sink_s;                  /* time inside the sink (replaying) */
	int run, nruns;                 /* this pass is run `run` of nruns */
	const char *codec;              /* what the input was ("text", "xz", ...) */
};

/* ---- options ------------------------------------------------------------------- */

enum { O_MACHINE = 256, O_JSON, O_FORMAT, O_BACKEND, O_SEED, O_TIMELINE, O_THREADS, O_RUNS,
       O_WARMUP, O_PROGRESS, O_VALIDATE, O_PARSE_ONLY, O_DUMP_OPS, O_BUFFER, O_MAX_WORK,
       O_TICK, O_SET, O_LABEL, O_CSV };

static const struct option run_options[] = {
	{ "machine", required_argument, NULL, O_MACHINE },
	{ "set", required_argument, NULL, O_SET },
	{ "json", required_argument, NULL, O_JSON },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "backend", required_argument, NULL, O_BACKEND },
	{ "seed", required_argument, NULL, O_SEED },
	{ "timeline", required_argument, NULL, O_TIMELINE },
	{ "tick", required_argument, NULL, O_TICK },
	{ "label", required_argument, NULL, O_LABEL },
	{ "csv", required_argument, NULL, O_CSV },
	{ "threads", no_argument, NULL, O_THREADS },
	{ "runs", required_argument, NULL, O_RUNS },
	{ "warmup", no_argument, NULL, O_WARMUP },
	{ "progress", required_argument, NULL, O_PROGRESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "validate", no_argument, NULL, O_VALIDATE },
	{ "parse-only", no_argument, NULL, O_PARSE_ONLY },
	{ "dump-ops", no_argument, NULL, O_DUMP_OPS },
	{ "buffer", required_argument, NULL, O_BUFFER },
	{ "max-work", required_argument, NULL, O_MAX_WORK },
	{ NULL, 0, NULL, 0 },
};

static void run_help(void)
{
	mmb_usage(stdout, mmb_find_command("run"));
	printf("\nWORKLOAD is a file or - (stdin); xz, gzip and zstd files are decompressed.\n"
	       "\noptions:\n"
	       "  --machine \"CONFIG\"   machine config, replacing the workload's machine line\n"
	       "  --set KEY=VALUE      one machine key, merged into the workload's machine line\n"
	       "                       (or --machine, or the default machine); repeatable\n"
	       "  --json FILE          write the JSON result (schema mmbench/1) to FILE (- = stdout)\n"
	       "  --seed N             the machine's seed (after every --set)\n"
	       "  --threads            one thread per CPU (each CPU's ops in stream order)\n"
	       "  --quiet, -q          no summary, no progress\n"
	       "  --backend B          libmm (default) or malloc (the process's malloc, for\n"
	       "                       LD_PRELOAD=libjemalloc.so etc.)\n"
	       "  --format F           mmw (workload language), mtrace (glibc mtrace),\n"
	       "                       perf (`perf script` of kmem: events); default from the name\n"
	       "  --timeline N         fragmentation and memory samples during the replay\n"
	       "                       (default 100)\n"
	       "  --tick N             a vmstat tick (per-CPU high decay, as the kernel's\n"
	       "                       once-a-second vmstat_update) after every N operations\n"
	       "                       (default 0: none; sequential replay only)\n"
	       "  --runs N             replay N times on fresh machines: mean +- sd of the replay\n"
	       "                       time, per-operation percentiles of every run (default 1)\n"
	       "  --warmup             one more run first, not counted\n"
	       "  --csv DIR            the op table, the timeline and the breakdowns as CSV files\n"
	       "                       in DIR (ops.csv, timeline.csv, page_ops.csv, slab_ops.csv)\n"
	       "  --label TEXT         the run's name in `mmbench diff` column headings and in\n"
	       "                       plot legends (default: how its config differs)\n"
	       "  --progress SECONDS   progress lines on stderr when it is not a terminal, every\n"
	       "                       SECONDS (default 10; 0 = none); a terminal gets one line\n"
	       "  --help, -h           this text\n"
	       "\nfor tests and benchmarks:\n"
	       "  --validate           mm_validate() at the end (in the summary and JSON; exit 3\n"
	       "                       when broken)\n"
	       "  --parse-only         parse, print the counts and the parse speed, replay nothing\n"
	       "  --dump-ops           print the parsed operations, one a line\n"
	       "  --buffer OPS         operations parsed before the replay starts (default 1048576;\n"
	       "                       a longer input streams)\n"
	       "  --max-work N         the workload parser's cap on lines read plus iterations\n"
	       "                       (default 500000000)\n"
	       "\nThe machine gets prefault=pageblock unless its config (after --set and --seed)\n"
	       "says prefault= or backing=none: simulated RAM is populated a pageblock at a\n"
	       "time, out of the timings.\n"
	       "\nexit status: 0 ok, 1 invalid input, 2 usage error, 3 --validate found corruption\n");
}

static int bad_number(const char *opt, const char *v, const char *range)
{
	return mmb_usage_error("run", "bad %s '%s' (%s)", opt, v, range);
}

/* A whole number in [lo, hi]: 0, or -1. */
static int whole(const char *v, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 10);
	return errno || !*v || *end || *out < lo || *out > hi ? -1 : 0;
}

static const char *guess_format(const char *path)
{
	if (strstr(path, ".mtrace"))
		return "mtrace";
	if (strstr(path, ".perf"))
		return "perf";
	return "mmw";
}

static int run_opts_parse(int argc, char **argv, struct run_opts *o)
{
	struct mmb_args args = { argc, argv, 0 };
	const char *operand;
	int c;
	long n;

	o->timeline = 100;
	o->backend = "libmm";
	o->runs = 1;
	o->progress = 10;
	o->buffer = MMB_BUFFER_OPS;
	optind = 0;
	opterr = 0;
	while ((c = mmb_next_arg(&args, "+:qh", run_options, &operand)) != -1 || operand) {
		char *end;

		if (c == -1) {          /* a positional argument: options may follow it */
			if (o->file)
				return mmb_usage_error("run", "more than one workload ('%s', '%s')",
						       o->file, operand);
			o->file = operand;
			continue;
		}
		switch (c) {
		case O_MACHINE: o->machine = optarg; break;
		case O_SET:
			if (!mmb_config_word_ok(optarg))
				return mmb_usage_error("run", "bad --set '%s' (expected KEY=VALUE)",
						       optarg);
			if (o->nsets == RUN_MAX_SETS)
				return mmb_usage_error("run", "more than %d --set options", RUN_MAX_SETS);
			o->sets[o->nsets++] = optarg;
			break;
		case O_JSON: o->json = optarg; break;
		case O_FORMAT: o->format = optarg; break;
		case O_BACKEND: o->backend = optarg; break;
		case O_LABEL: o->label = optarg; break;
		case O_CSV: o->csv = optarg; break;
		case O_THREADS: o->threads = 1; break;
		case O_WARMUP: o->warmup = 1; break;
		case 'q': o->quiet = 1; break;
		case O_VALIDATE: o->validate = 1; break;
		case O_PARSE_ONLY: o->parse_only = 1; break;
		case O_DUMP_OPS: o->dump_ops = 1; break;
		case 'h':
			run_help();
			exit(MMB_EXIT_OK);
		case O_SEED:
			if (whole(optarg, 0, __LONG_MAX__, &o->seed))
				return bad_number("--seed", optarg, "a non-negative integer");
			o->has_seed = 1;
			break;
		case O_TIMELINE:
			if (whole(optarg, 0, 100000, &n))
				return bad_number("--timeline", optarg, "0..100000");
			o->timeline = (int)n;
			break;
		case O_TICK:
			if (whole(optarg, 0, __LONG_MAX__, &o->tick))
				return bad_number("--tick", optarg, "operations, >= 0");
			break;
		case O_RUNS:
			if (whole(optarg, 1, 10000, &n))
				return bad_number("--runs", optarg, "1..10000");
			o->runs = (int)n;
			break;
		case O_BUFFER:
			if (whole(optarg, 1, 1l << 30, &n))
				return bad_number("--buffer", optarg, "1..2^30 operations");
			o->buffer = (size_t)n;
			break;
		case O_MAX_WORK:
			if (whole(optarg, 1, __LONG_MAX__, &n))
				return bad_number("--max-work", optarg, "a positive number of lines");
			mmb_parse_max_lines = (unsigned long)n;
			break;
		case O_PROGRESS:
			errno = 0;
			o->progress = strtod(optarg, &end);
			if (errno || !*optarg || *end || !(o->progress >= 0) || o->progress > 1e6)
				return bad_number("--progress", optarg, "seconds, 0 = none");
			break;
		case ':':
			return mmb_usage_error("run", "option '%s' needs a value", argv[optind - 1]);
		default:
			return mmb_usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!o->file)
		return mmb_usage_error("run", "no workload given");
	if (o->has_seed) {               /* the seed goes last: it wins over --set seed= */
		snprintf(o->seed_set, sizeof(o->seed_set), "seed=%ld", o->seed);
		o->sets[o->nsets++] = o->seed_set;
	}
	if (o->tick && o->threads)
		return mmb_usage_error("run", "--tick works with the sequential replay, not --threads");
	if (strcmp(o->backend, "libmm") && strcmp(o->backend, "malloc"))
		return mmb_usage_error("run", "unknown backend '%s' (libmm or malloc)", o->backend);
	if (!o->format)
		o->format = guess_format(o->file);
	if (strcmp(o->format, "mmw") && strcmp(o->format, "mtrace") && strcmp(o->format, "perf"))
		return mmb_usage_error("run", "unknown format '%s' (mmw, mtrace or perf)", o->format);
	return 0;
}

/* ---- the JSON file: checked before the run, whole or absent after it ---------------- */

struct json_out {
	char *tmp;                      /* the temporary file, renamed at the end */
	FILE *f;
};

static int json_open(const char *path, struct json_out *jo)
{
	char *copy, *dir;
	struct stat st;
	mode_t mask;
	int fd;

	if (!strcmp(path, "-"))
		return 0;
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return mmb_usage_error("run", "cannot write --json '%s': is a directory", path);
	copy = mmb_xstrndup(path, strlen(path));
	dir = dirname(copy);
	jo->tmp = mmb_xrealloc(NULL, strlen(dir) + 32);
	sprintf(jo->tmp, "%s/.mmbench-json.XXXXXX", dir);
	free(copy);
	fd = mkstemp(jo->tmp);
	if (fd < 0) {
		int e = errno;

		free(jo->tmp);
		jo->tmp = NULL;
		return mmb_usage_error("run", "cannot write --json '%s': %s", path, strerror(e));
	}
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	jo->f = fdopen(fd, "w");
	return 0;
}

/* Writes it and moves it in place; 0 or -1 (after a message). */
static int json_finish(const char *path, struct json_out *jo, const struct mmb_run *r,
		       const struct mmb_report_info *ri)
{
	FILE *f = jo->tmp ? jo->f : stdout;
	int bad = mmb_write_json(r, ri, f);

	if (!jo->tmp)
		return bad || fflush(stdout) ? -1 : 0;
	bad |= fclose(jo->f);
	jo->f = NULL;
	if (bad || rename(jo->tmp, path)) {
		fprintf(stderr, "mmbench run: cannot write --json '%s': %s\n", path, strerror(errno));
		unlink(jo->tmp);
		return -1;
	}
	free(jo->tmp);
	jo->tmp = NULL;
	return 0;
}

static void json_discard(struct json_out *jo)
{
	if (!jo->tmp)
		return;
	if (jo->f)
		fclose(jo->f);
	unlink(jo->tmp);
	free(jo->tmp);
	jo->tmp = NULL;
}

/* ---- the machine -------------------------------------------------------------------- */

/* The run's config: base (NULL = the default machine) with the --set words
 * and seed=N merged in (config.c), and prefault=pageblock added unless the
 * result says prefault= or backing=none. */
static char *run_config(const char *base, const char *const *sets, int nsets)
{
	char *cfg = mmb_config_merge(base, sets, nsets);
	static const char *const prefault[] = { "prefault=pageblock" };
	size_t np, nb;
	const char *backing = mmb_config_value(cfg, "backing", &nb);
	char *out;

	if (mmb_config_value(cfg, "prefault", &np) ||
	    (backing && nb == 4 && !strncmp(backing, "none", 4)))
		return cfg;
	out = mmb_config_merge(cfg, prefault, 1);
	free(cfg);
	return out;
}

/* The machine's config failed (err): blames --set when the base alone (with
 * the default prefault) is fine, else --machine or the workload's machine
 * line. */
static int bad_config(const struct run_ctx *ctx, const char *base, const char *err)
{
	const struct run_opts *o = ctx->o;
	char err2[256], *cfg = o->nsets ? run_config(base, NULL, 0) : NULL;
	struct mm *m = cfg ? mm_create(cfg, err2, sizeof(err2)) : NULL;

	free(cfg);
	if (m) {
		mm_destroy(m);
		return mmb_usage_error("run", "bad --set: %s", err);
	}
	if (o->machine)
		return mmb_usage_error("run", "bad --machine: %s", err);
	fprintf(stderr, "%s:%lu: bad machine config: %s\n", o->file, ctx->prog.machine_line, err);
	return MMB_EXIT_INVALID;
}

static long config_seed(const char *config)
{
	const char *s = config ? strstr(config, "seed=") : NULL;

	return s ? strtol(s + 5, NULL, 10) : 1;
}

/* Creates the run's machine; traces' CPUs are folded onto the machine's
 * later (fold_cpus). */
static int make_machine(struct run_ctx *ctx)
{
	struct run_opts *o = ctx->o;
	struct mmb_prog *p = &ctx->prog;
	const char *base = o->machine ? o->machine : p->machine;
	char err[256] = "", *cfg = run_config(base, o->sets, o->nsets);
	struct mm *m = mm_create(cfg, err, sizeof(err));
	unsigned long avail;

	free(cfg);
	if (!m)
		return bad_config(ctx, base, err);
	if (o->machine && p->machine && ctx->run == 0)
		fprintf(stderr, "mmbench run: --machine replaces the machine line of %s:%lu "
			"(\"%s\"); --set KEY=VALUE changes single keys of it\n", o->file,
			p->machine_line, p->machine);
	avail = mmb_proc_kib("/proc/meminfo", "MemAvailable") << 10;
	if (!o->quiet && ctx->run == 0 && mm_direct_map_base(m) && avail &&
	    mm_nr_pages(m) * MM_PAGE_SIZE > avail)
		fprintf(stderr, "mmbench run: warning: the machine's %lu MiB of memory are more than "
			"the host has available (%lu MiB): a replay that uses it all exhausts the "
			"host\n", mm_nr_pages(m) >> 8, avail >> 20);
	if (ctx->config)
		mm_free_string(ctx->config);
	ctx->config = mm_config_string(m);
	ctx->r.m = m;
	return 0;
}

/* Checks the buffered operations against the machine (workloads) or
 * folds their CPUs onto its CPUs (traces). */
static int check_ops(struct run_ctx *ctx)
{
	struct mmb_prog *p = &ctx->prog;
	struct mm *m = ctx->r.m;

	if (!m)
		return 0;
	if (strcmp(p->format, "mmw")) {
		if (p->max_cpu < mm_nr_cpus(m))
			return 0;               /* nothing to fold (an mtrace: all CPU 0) */
		for (size_t i = 0; i < p->nops; i++)
			p->ops[i].cpu = (uint16_t)(p->ops[i].cpu % mm_nr_cpus(m));
		p->max_cpu = mm_nr_cpus(m) - 1;
		return 0;
	}
	if (mmb_check_machine(p, ctx->o->file, mm_nr_cpus(m), mm_max_order(m))) {
		ctx->exit_code = MMB_EXIT_INVALID;
		return -1;
	}
	return 0;
}

static void replay_tick(void *arg, size_t done)
{
	struct run_ctx *ctx = arg;

	ctx->pg.replayed = done;
	mmb_progress_tick(&ctx->pg);
}

/* A fresh machine (libmm) and a replay begun; expect = operations when known. */
static int start_run(struct run_ctx *ctx, size_t expect)
{
	struct mmb_run *r = &ctx->r;
	int ret;

	memset(r, 0, sizeof(*r));
	r->prog = &ctx->prog;
	r->threads = ctx->o->threads;
	r->timeline_points = ctx->o->timeline;
	r->tick_every = (size_t)ctx->o->tick;
	r->expect_ops = expect;
	r->tick = replay_tick;
	r->tick_arg = ctx;
	r->backend = strcmp(ctx->o->backend, "malloc") ? MMB_BACKEND_LIBMM : MMB_BACKEND_MALLOC;
	if (r->backend == MMB_BACKEND_LIBMM && (ret = make_machine(ctx))) {
		ctx->exit_code = ret;
		return -1;
	}
	if (check_ops(ctx))
		return -1;
	mmb_replay_begin(r);
	ctx->started = 1;
	return 0;
}

/* Ends a run: the replay, then (unless it is kept for the report) the
 * machine or the malloc'ed objects. */
static int end_run(struct run_ctx *ctx, int keep)
{
	int ret = mmb_replay_end(&ctx->r);

	ctx->started = 0;
	if (keep)
		return ret;
	mmb_free_objects(&ctx->r);
	mmb_run_free(&ctx->r);
	if (ctx->r.m)
		mm_destroy(ctx->r.m);
	ctx->r.m = NULL;
	return ret;
}

/* ---- --dump-ops ------------------------------------------------------------------------ */

static void dump_ops(const struct mmb_prog *p)
{
	for (size_t i = 0; i < p->nops; i++) {
		const struct mmb_op *op = &p->ops[i];

		if (op->kind == OP_CPU) {
			printf("%u cpu %u\n", op->line, op->cpu);
			continue;
		}
		if (op->kind == OP_FAULT_INJECT) {
			char buf[96];

			printf("%u fault_inject cpu=%u %s\n", op->line, op->cpu,
			       mmb_fault_text(op, buf, sizeof(buf)));
			continue;
		}
		printf("%u %s cpu=%u", op->line, mmb_op_names[op->kind], op->cpu);
		if (op->kind == OP_CACHE_CREATE || op->kind == OP_CACHE_DESTROY)
			printf(" cache=%s", p->caches[op->handle].name);
		else if (op->kind >= OP_FAULT && op->kind <= OP_UNPIN)
			printf(" process=%s seq=%u", p->procs[op->handle].name, op->cseq);
		else if (op->kind != OP_COMPACT)
			printf(" handle=%u seq=%u", op->handle, op->seq);
		if (op->kind == OP_CACHE_ALLOC || op->kind == OP_CACHE_FREE)
			printf(" cache=%s", p->caches[op->cache].name);
		if (op->kind == OP_ALLOC_PAGES || op->kind == OP_FREE_PAGES || op->kind == OP_FAULT)
			printf(" order=%u", op->order);
		if (op->kind == OP_UNMAP)
			printf(" pages=%u", op->align);
		if (op->size)
			printf(" size=%llu", (unsigned long long)op->size);
		if (op->kind == OP_CACHE_CREATE)
			printf(" align=%u slab_flags=%#x", op->align, op->flags);
		else if (op->flags)
			printf(" gfp=%#x", op->flags);
		if (op->site)
			printf(" site=%s", p->site_names[op->site - 1]);
		putchar('\n');
	}
}

static void dump_summary(const struct mmb_prog *p)
{
	printf("# lines=%lu ops=%zu handles=%u caches=%u processes=%u events=%lu skipped_free=%lu "
	       "null_free=%lu batched_dup=%lu ignored=%lu failed_realloc=%lu user_pages=%lu\n",
	       p->lines, p->total, p->nhandles, p->ncaches, p->nprocs, p->import.events,
	       p->import.skipped_free, p->import.null_free, p->import.batched_dup,
	       p->import.ignored, p->import.failed_realloc, p->import.user_pages);
}

/* ---- one pass over the input ----------------------------------------------------------- */

/* The program's sink: a full buffer (or the rest at the end) goes to the
 * replay, which starts with the first one. */
static int sink(struct mmb_prog *p, void *arg)
{
	struct run_ctx *ctx = arg;
	double t0 = mmb_now();
	int ret = 0;

	if (ctx->o->dump_ops)
		dump_ops(p);
	else if (!ctx->o->parse_only) {
		if (!ctx->started && start_run(ctx, 0))
			return -1;
		ret = check_ops(ctx) || mmb_replay_chunk(&ctx->r) ? -1 : 0;
		if (ret && !ctx->exit_code)
			ctx->exit_code = MMB_EXIT_USAGE;
	}
	ctx->streamed = 1;
	/* a stream goes on in chunks that stay in the cache between the parser
	 * writing them and the replay reading them */
	if (p->cap > MMB_STREAM_OPS)
		p->cap = MMB_STREAM_OPS;
	ctx->sink_s += mmb_now() - t0;
	return ret;
}

static void parse_tick(void *arg)
{
	mmb_progress_tick(&((struct run_ctx *)arg)->pg);
}

/* Reads the input once.  The buffer goes to the sink only when it fills:
 * then the input streams, and what is left at the end goes too; an input
 * that fitted stays in the buffer.  0, or an exit code. */
static int read_input(struct run_ctx *ctx, double *parse_s)
{
	struct run_opts *o = ctx->o;
	struct mmb_prog *p = &ctx->prog;
	double t0;
	int r;

	ctx->in = mmb_input_open(o->file);
	if (!ctx->in) {
		fprintf(stderr, "mmbench run: cannot read '%s': %s\n", o->file, strerror(errno));
		return MMB_EXIT_USAGE;
	}
	mmb_prog_init(p, !strcmp(o->format, "mtrace") ? "mtrace" :
			 !strcmp(o->format, "perf") ? "perf" : "mmw");
	p->cap = p->ops_max = o->buffer;
	p->ops = mmb_buffer_alloc(p->cap * sizeof(*p->ops));
	p->sink = sink;
	p->sink_arg = ctx;
	ctx->streamed = 0;
	ctx->sink_s = 0;
	mmb_input_set_tick(ctx->in, parse_tick, ctx);
	mmb_progress_parse(&ctx->pg, ctx->in, p);
	t0 = mmb_now();
	if (!strcmp(o->format, "mtrace"))
		r = mmb_import_mtrace(p, ctx->in);
	else if (!strcmp(o->format, "perf"))
		r = mmb_import_perf(p, ctx->in);
	else
		r = mmb_parse_workload(p, ctx->in);
	if (!r && ctx->streamed)
		r = mmb_prog_flush(p);          /* the rest of a stream */
	*parse_s = mmb_now() - t0 - ctx->sink_s;
	ctx->codec = mmb_input_codec(ctx->in);
	mmb_input_close(ctx->in);
	ctx->in = NULL;
	if (r)
		return ctx->exit_code ? ctx->exit_code : MMB_EXIT_INVALID;
	return 0;
}

/* ---- runs -------------------------------------------------------------------------------- */

struct runs_acc {
	struct mmb_runs rs;
	struct mmb_stat pooled[OP_NR_KINDS];
	double ns_per_tick;
	unsigned long rss_start_kib, rss_replay_peak_kib;       /* the first run's */
};

static void runs_init(struct runs_acc *a, int n, int warmup)
{
	memset(a, 0, sizeof(*a));
	a->rs.warmup = warmup;
	a->rs.replay_s = calloc((size_t)n, sizeof(double));
	a->rs.p50 = calloc((size_t)n, sizeof(*a->rs.p50));
	a->rs.p99 = calloc((size_t)n, sizeof(*a->rs.p99));
	a->rs.mean = calloc((size_t)n, sizeof(*a->rs.mean));
	if (!a->rs.replay_s || !a->rs.p50 || !a->rs.p99 || !a->rs.mean)
		mmb_oom(0);
}

static void runs_add(struct runs_acc *a, const struct mmb_run *r)
{
	int i = a->rs.n++;

	a->rs.replay_s[i] = r->replay_s;
	for (int k = 0; k < OP_NR_KINDS; k++) {
		a->rs.p50[i][k] = mmb_stat_quantile(&r->stat[k], r->ns_per_tick, 0.5);
		a->rs.p99[i][k] = mmb_stat_quantile(&r->stat[k], r->ns_per_tick, 0.99);
		a->rs.mean[i][k] = mmb_stat_mean(&r->stat[k], r->ns_per_tick);
		mmb_stat_add(&a->pooled[k], &r->stat[k]);
	}
	a->ns_per_tick += r->ns_per_tick;
}

/* The last run reports every run's latencies (its own counts), the mean
 * replay time, and what the first run took from the host (later runs of
 * the malloc backend find the heap their predecessors grew). */
static void runs_pool(struct runs_acc *a, struct mmb_run *r)
{
	double s = 0;

	r->host.rss_start_kib = a->rss_start_kib;
	r->host.rss_replay_peak_kib = a->rss_replay_peak_kib;
	if (a->rs.n < 2)
		return;
	for (int k = 0; k < OP_NR_KINDS; k++) {
		r->stat[k].ticks = a->pooled[k].ticks;
		r->stat[k].timed = a->pooled[k].timed;
		memcpy(r->stat[k].hist, a->pooled[k].hist, sizeof(r->stat[k].hist));
	}
	r->ns_per_tick = a->ns_per_tick / a->rs.n;
	for (int i = 0; i < a->rs.n; i++)
		s += a->rs.replay_s[i];
	r->replay_s = s / a->rs.n;
}

static void runs_free(struct runs_acc *a)
{
	free(a->rs.replay_s);
	free(a->rs.p50);
	free(a->rs.p99);
	free(a->rs.mean);
}

/* Every run: the parsed program again (it fitted the buffer), or the input
 * read again (a stream: the first pass replayed while reading).  The last
 * run stays for the report.  0 or an exit code. */
static int replay_runs(struct run_ctx *ctx, struct runs_acc *acc)
{
	int ret = 0;

	for (ctx->run = 0; ctx->run < ctx->nruns && !ret; ctx->run++) {
		int last = ctx->run == ctx->nruns - 1;
		double reparse_s;

		ctx->pg.run = ctx->run + 1;
		if (ctx->run && ctx->streamed) {
			mmb_prog_free(&ctx->prog);
			ret = read_input(ctx, &reparse_s);
		}
		if (!ret && !ctx->streamed) {
			mmb_progress_replay(&ctx->pg, ctx->prog.nops);
			ret = start_run(ctx, ctx->prog.nops) ? ctx->exit_code : 0;
			if (!ret && mmb_replay_chunk(&ctx->r))
				ret = MMB_EXIT_USAGE;
		}
		if (!ret && end_run(ctx, last))
			ret = MMB_EXIT_USAGE;
		if (!ret && ctx->run >= ctx->nruns - ctx->o->runs)
			runs_add(acc, &ctx->r);
		if (!ctx->run) {
			acc->rss_start_kib = ctx->r.host.rss_start_kib;
			acc->rss_replay_peak_kib = ctx->r.host.rss_replay_peak_kib;
		}
	}
	return ret;
}

/* ---- mmbench run -------------------------------------------------------------------------- */

static const char *malloc_name(void)
{
	static char name[64];
	const char *pre = getenv("LD_PRELOAD"), *b, *e;

	if (!pre || !*pre)
		return "glibc";
	e = pre + strcspn(pre, " :");
	for (b = e; b > pre && b[-1] != '/'; b--)
		;
	if (!strncmp(b, "lib", 3) && e - b > 3)
		b += 3;
	snprintf(name, sizeof(name), "%.*s", (int)(strcspn(b, ".") < (size_t)(e - b) ?
						    strcspn(b, ".") : (size_t)(e - b)), b);
	return name;
}

static int parse_only_report(struct run_ctx *ctx, double parse_s)
{
	struct mmb_prog *p = &ctx->prog;

	if (ctx->o->dump_ops) {
		if (!ctx->streamed)
			dump_ops(p);
		dump_summary(p);
	} else {
		printf("parsed %s: %lu lines, %zu operations, %u handles, %u caches in %.6f s "
		       "(%.2f M lines/s)\n", ctx->o->file, p->lines, p->total, p->nhandles,
		       p->ncaches, parse_s, parse_s > 0 ? p->lines / parse_s / 1e6 : 0);
	}
	return 0;
}

int mmb_cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run_ctx ctx = { .o = &o };
	struct mmb_report_info ri = { 0 };
	struct json_out jo = { 0 };
	struct runs_acc acc;
	char verr[512];
	double t0 = mmb_now();
	int ret;

	if ((ret = run_opts_parse(argc, argv, &o)))
		return ret;
	if (o.json && !o.parse_only && !o.dump_ops && (ret = json_open(o.json, &jo)))
		return ret;
	ctx.nruns = o.runs + o.warmup;
	if (ctx.nruns > 1 && !strcmp(o.file, "-"))
		ctx.nruns = 0;
	if (!ctx.nruns) {
		json_discard(&jo);
		return mmb_usage_error("run", "--runs/--warmup read the input again: give a file, "
				       "not stdin");
	}
	mmb_progress_init(&ctx.pg, !o.quiet, o.progress);
	ctx.pg.runs = ctx.nruns;
	ctx.pg.run = 1;
	runs_init(&acc, o.runs, o.warmup);
	ret = read_input(&ctx, &ri.parse_s);
	if (!ret && (o.parse_only || o.dump_ops)) {
		mmb_progress_done(&ctx.pg);
		ret = parse_only_report(&ctx, ri.parse_s);
		goto out;
	}
	if (!ret)
		ret = replay_runs(&ctx, &acc);
	mmb_progress_done(&ctx.pg);
	if (ret)
		goto out;
	runs_pool(&acc, &ctx.r);
	ri.workload = o.file;
	ri.label = o.label;
	ri.format = ctx.prog.format;
	ri.codec = ctx.codec;
	ri.streamed = ctx.streamed;
	ri.machine_config = ctx.config;
	ri.malloc_name = malloc_name();
	ri.seed = ctx.r.m ? config_seed(ctx.config) : (o.has_seed ? o.seed : 1);
	ri.runs = ctx.nruns > 1 ? &acc.rs : NULL;
	if (o.validate && ctx.r.m) {
		ri.validate_done = 1;
		if (mm_validate(ctx.r.m, verr, sizeof(verr)))
			ri.validate_err = verr;
	}
	ri.elapsed_s = mmb_now() - t0;
	if (!o.quiet)
		mmb_print_summary(&ctx.r, &ri, stdout);
	if (o.json && json_finish(o.json, &jo, &ctx.r, &ri))
		ret = MMB_EXIT_USAGE;
	if (o.csv && mmb_write_csv(&ctx.r, o.csv))
		ret = MMB_EXIT_USAGE;
	if (ri.validate_err) {
		fprintf(stderr, "mmbench run: validate: %s\n", ri.validate_err);
		ret = 3;
	}
	mmb_free_objects(&ctx.r);
out:
	if (ctx.started)
		mmb_replay_end(&ctx.r);
	json_discard(&jo);
	runs_free(&acc);
	mmb_run_free(&ctx.r);
	if (ctx.config)
		mm_free_string(ctx.config);
	if (ctx.r.m)
		mm_destroy(ctx.r.m);
	mmb_prog_free(&ctx.prog);
	return ret;
}
