/*
 * cli/run.c - `mmbench run`: reads a workload or trace, parses it into a
 * program (timed: parse_s), creates the machine, replays (replay_s), and
 * reports (summary on stdout, JSON with --json).
 *
 *   mmbench run WORKLOAD [--machine "CONFIG"] [--set KEY=VALUE ...]
 *                        [--json FILE] [--seed N]
 *                        [--threads] [--quiet] [--backend libmm|malloc]
 *                        [--format mmw|mtrace|perf] [--timeline N]
 *
 * The machine: --machine, else the workload's `machine` line, else the
 * default; each --set KEY=VALUE and --seed N (seed=N) replaces that one key
 * of it (config.c).  --machine replacing a workload's own line says so on
 * stderr.  Traces: files whose name holds
 * ".mtrace" or ".perf" are read as such unless --format says otherwise;
 * ".gz" / ".xz" files are decompressed with gzip -dc / xz -dc.
 * Hidden options for tests and benchmarks: --validate (mm_validate at the
 * end, result in the summary and JSON; exit 3 if broken), --parse-only.
 *
 * Exit: 0 ok, 1 invalid workload (FILE:LINE: message), 2 usage (bad
 * options, unreadable file, bad --machine or --set), 3 --validate found
 * corruption.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmbench.h"
#include "workload.h"

#define RUN_MAX_SETS 64

struct run_opts {
	const char *file;               /* WORKLOAD */
	const char *machine;            /* --machine, or NULL */
	const char *sets[RUN_MAX_SETS + 1];     /* --set KEY=VALUE..., then seed=N */
	int nsets;
	char seed_set[32];              /* "seed=N" for --seed N */
	const char *json;               /* --json FILE, or NULL */
	const char *format;             /* mmw, mtrace, perf (--format or from the name) */
	const char *backend;            /* libmm or malloc */
	long seed;                      /* --seed, when has_seed */
	int has_seed, threads, quiet;
	int validate, parse_only, dump_ops;     /* hidden: tests and benchmarks */
	int timeline;                   /* --timeline: samples wanted */
};

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcmp(s + n - m, suf);
}

/* Reads all of fd into a NUL-terminated buffer. */
static char *read_fd(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = mmb_xrealloc(NULL, cap);

	for (;;) {
		ssize_t r;

		if (n + 1 >= cap)
			buf = mmb_xrealloc(buf, cap *= 2);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The file's contents; .gz/.xz through the decompressor. */
static char *load(const char *path, size_t *len)
{
	const char *tool = ends_with(path, ".gz") ? "gzip" : ends_with(path, ".xz") ? "xz" : NULL;
	int fd, pfd[2], status;
	char *buf;
	pid_t pid;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (!tool) {
		buf = read_fd(fd, len);
		close(fd);
		return buf;
	}
	if (pipe(pfd)) {
		close(fd);
		return NULL;
	}
	pid = fork();
	if (pid == 0) {
		dup2(fd, 0);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		close(fd);
		execlp(tool, tool, "-dc", (char *)NULL);
		_exit(127);
	}
	close(fd);
	close(pfd[1]);
	buf = pid > 0 ? read_fd(pfd[0], len) : NULL;
	close(pfd[0]);
	if (pid > 0 && (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
			WEXITSTATUS(status))) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	return buf;
}

static const char *guess_format(const char *path)
{
	if (strstr(path, ".mtrace"))
		return "mtrace";
	if (strstr(path, ".perf"))
		return "perf";
	return "mmw";
}

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

static long config_seed(const char *config)
{
	const char *s = config ? strstr(config, "seed=") : NULL;

	return s ? strtol(s + 5, NULL, 10) : 1;
}

static int run_opts_parse(int argc, char **argv, struct run_opts *o)
{
	o->timeline = 100;
	o->backend = "libmm";
	for (int i = 1; i < argc; i++) {
		const char *v;
		int r;

#define VALUE(opt, dst) \
		if ((r = mmb_opt_value(argc, argv, &i, opt, &v)) < 0) \
			return MMB_EXIT_USAGE; \
		if (r > 0) { dst = v; continue; }
		VALUE("--machine", o->machine)
		VALUE("--json", o->json)
		VALUE("--format", o->format)
		VALUE("--backend", o->backend)
		if ((r = mmb_opt_value(argc, argv, &i, "--set", &v)) < 0)
			return MMB_EXIT_USAGE;
		if (r > 0) {
			if (!mmb_config_word_ok(v))
				return mmb_usage_error("run", "bad --set '%s' (expected KEY=VALUE)", v);
			if (o->nsets == RUN_MAX_SETS)
				return mmb_usage_error("run", "more than %d --set options", RUN_MAX_SETS);
			o->sets[o->nsets++] = v;
			continue;
		}
		if ((r = mmb_opt_value(argc, argv, &i, "--seed", &v)) < 0)
			return MMB_EXIT_USAGE;
		if (r > 0) {
			char *end;

			errno = 0;
			o->seed = strtol(v, &end, 0);
			if (errno || *end || !*v || o->seed < 0)
				return mmb_usage_error("run", "bad --seed '%s'", v);
			o->has_seed = 1;
			continue;
		}
		if ((r = mmb_opt_value(argc, argv, &i, "--timeline", &v)) < 0)
			return MMB_EXIT_USAGE;
		if (r > 0) {
			char *end;

			o->timeline = (int)strtol(v, &end, 10);
			if (*end || !*v || o->timeline < 0 || o->timeline > 100000)
				return mmb_usage_error("run", "bad --timeline '%s' (0..100000)", v);
			continue;
		}
#undef VALUE
		if (!strcmp(argv[i], "--threads"))
			o->threads = 1;
		else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
			o->quiet = 1;
		else if (!strcmp(argv[i], "--validate"))
			o->validate = 1;
		else if (!strcmp(argv[i], "--parse-only"))
			o->parse_only = 1;
		else if (!strcmp(argv[i], "--dump-ops"))
			o->dump_ops = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			mmb_usage(stdout, mmb_find_command("run"));
			printf("\noptions:\n"
			       "  --machine \"CONFIG\"   machine config, replacing the workload's machine line\n"
			       "  --set KEY=VALUE      one machine key, merged into the workload's machine line\n"
			       "                       (or --machine, or the default machine); repeatable\n"
			       "  --json FILE          write the JSON result (schema mmbench/1) to FILE (- = stdout)\n"
			       "  --seed N             the machine's seed\n"
			       "  --threads            one thread per CPU (each CPU's ops in file order)\n"
			       "  --quiet              no summary\n"
			       "  --backend B          libmm (default) or malloc (the process's malloc, for\n"
			       "                       LD_PRELOAD=libjemalloc.so etc.)\n"
			       "  --format F           mmw (workload language), mtrace (glibc mtrace),\n"
			       "                       perf (`perf script` of kmem: events); default from the name\n"
			       "  --timeline N         fragmentation samples during the replay (default 100)\n"
			       "\nexit status: 0 ok, 1 invalid workload, 2 usage error\n");
			exit(MMB_EXIT_OK);
		} else if (argv[i][0] == '-' && argv[i][1])
			return mmb_usage_error("run", "unknown option '%s'", argv[i]);
		else if (o->file)
			return mmb_usage_error("run", "more than one workload ('%s', '%s')", o->file,
					       argv[i]);
		else
			o->file = argv[i];
	}
	if (!o->file)
		return mmb_usage_error("run", "no workload given");
	if (o->has_seed) {
		snprintf(o->seed_set, sizeof(o->seed_set), "seed=%ld", o->seed);
		o->sets[o->nsets++] = o->seed_set;
	}
	if (strcmp(o->backend, "libmm") && strcmp(o->backend, "malloc"))
		return mmb_usage_error("run", "unknown backend '%s' (libmm or malloc)", o->backend);
	if (!o->format)
		o->format = guess_format(o->file);
	if (strcmp(o->format, "mmw") && strcmp(o->format, "mtrace") && strcmp(o->format, "perf"))
		return mmb_usage_error("run", "unknown format '%s' (mmw, mtrace or perf)", o->format);
	return 0;
}

static int parse_input(struct mmb_prog *p, const struct run_opts *o, double *parse_s)
{
	size_t len;
	char *text = load(o->file, &len);
	double t0;
	int r;

	if (!text) {
		fprintf(stderr, "mmbench run: cannot read '%s': %s\n", o->file, strerror(errno));
		return MMB_EXIT_USAGE;
	}
	t0 = mmb_now();
	if (!strcmp(o->format, "mtrace"))
		r = mmb_import_mtrace(p, o->file, text, len);
	else if (!strcmp(o->format, "perf"))
		r = mmb_import_perf(p, o->file, text, len);
	else
		r = mmb_parse_workload(p, o->file, text, len);
	*parse_s = mmb_now() - t0;
	free(text);
	return r ? MMB_EXIT_INVALID : 0;
}

/* The machine's config failed (err): blames --set when the base alone is
 * fine, else --machine or the workload's machine line. */
static int bad_config(struct mmb_prog *p, const struct run_opts *o, const char *base,
		      const char *err)
{
	char err2[256];
	struct mm *m = o->nsets ? mm_create(base, err2, sizeof(err2)) : NULL;

	if (m) {
		mm_destroy(m);
		return mmb_usage_error("run", "bad --set: %s", err);
	}
	if (o->machine)
		return mmb_usage_error("run", "bad --machine: %s", err);
	fprintf(stderr, "%s:%u: bad machine config: %s\n", o->file, p->machine_line, err);
	return MMB_EXIT_INVALID;
}

/* Creates the machine; traces' CPUs are folded onto the machine's. */
static int make_machine(struct mmb_prog *p, const struct run_opts *o, struct mm **mp,
			char **config)
{
	const char *base = o->machine ? o->machine : p->machine;
	char err[256] = "", *cfg = mmb_config_merge(base, o->sets, o->nsets);
	struct mm *m = mm_create(cfg, err, sizeof(err));

	free(cfg);
	if (!m)
		return bad_config(p, o, base, err);
	if (o->machine && p->machine)
		fprintf(stderr, "mmbench run: --machine replaces the machine line of %s:%u "
			"(\"%s\"); --set KEY=VALUE changes single keys of it\n", o->file,
			p->machine_line, p->machine);
	*config = mm_config_string(m);
	if (strcmp(p->format, "mmw")) {
		for (size_t i = 0; i < p->nops; i++)
			p->ops[i].cpu = (uint16_t)(p->ops[i].cpu % mm_nr_cpus(m));
		p->max_cpu = p->max_cpu < mm_nr_cpus(m) ? p->max_cpu : mm_nr_cpus(m) - 1;
	} else if (mmb_check_machine(p, o->file, mm_nr_cpus(m), mm_max_order(m))) {
		mm_free_string(*config);
		*config = NULL;
		mm_destroy(m);
		return MMB_EXIT_INVALID;
	}
	*mp = m;
	return 0;
}

/* --dump-ops: the parsed program, one operation a line (tests). */
static void dump_ops(const struct mmb_prog *p)
{
	for (size_t i = 0; i < p->nops; i++) {
		const struct mmb_op *op = &p->ops[i];

		if (op->kind == OP_CPU) {
			printf("%u cpu %u\n", op->line, op->cpu);
			continue;
		}
		printf("%u %s cpu=%u", op->line, mmb_op_names[op->kind], op->cpu);
		if (op->kind == OP_CACHE_CREATE || op->kind == OP_CACHE_DESTROY)
			printf(" cache=%s", p->caches[op->handle].name);
		else
			printf(" handle=%u seq=%u", op->handle, op->seq);
		if (op->kind == OP_CACHE_ALLOC || op->kind == OP_CACHE_FREE)
			printf(" cache=%s", p->caches[op->cache].name);
		if (op->kind == OP_ALLOC_PAGES || op->kind == OP_FREE_PAGES)
			printf(" order=%u", op->order);
		if (op->size)
			printf(" size=%llu", (unsigned long long)op->size);
		if (op->kind == OP_CACHE_CREATE)
			printf(" align=%u slab_flags=%#x", op->align, op->flags);
		else if (op->flags)
			printf(" gfp=%#x", op->flags);
		putchar('\n');
	}
	printf("# lines=%lu ops=%zu handles=%u caches=%u events=%lu skipped_free=%lu null_free=%lu "
	       "batched_dup=%lu ignored=%lu failed_realloc=%lu\n", p->lines, p->nops, p->nhandles,
	       p->ncaches, p->import.events, p->import.skipped_free, p->import.null_free,
	       p->import.batched_dup, p->import.ignored, p->import.failed_realloc);
}

int mmb_cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct mmb_prog prog;
	struct mmb_run r = { 0 };
	struct mmb_report_info ri = { 0 };
	char *config = NULL, verr[512];
	double t0 = mmb_now();
	int ret;

	if ((ret = run_opts_parse(argc, argv, &o)))
		return ret;
	mmb_prog_init(&prog, !strcmp(o.format, "mtrace") ? "mtrace" :
			     !strcmp(o.format, "perf") ? "perf" : "mmw");
	if ((ret = parse_input(&prog, &o, &ri.parse_s)))
		goto out;
	if (o.dump_ops) {
		dump_ops(&prog);
		goto out;
	}
	if (o.parse_only) {
		printf("parsed %s: %lu lines, %zu operations, %u handles, %u caches in %.6f s "
		       "(%.2f M lines/s)\n", o.file, prog.lines, prog.nops, prog.nhandles,
		       prog.ncaches, ri.parse_s, ri.parse_s > 0 ? prog.lines / ri.parse_s / 1e6 : 0);
		goto out;
	}
	r.prog = &prog;
	r.threads = o.threads;
	r.progress = !o.quiet && isatty(2);
	r.timeline_points = o.timeline;
	r.backend = strcmp(o.backend, "malloc") ? MMB_BACKEND_LIBMM : MMB_BACKEND_MALLOC;
	if (r.backend == MMB_BACKEND_LIBMM && (ret = make_machine(&prog, &o, &r.m, &config)))
		goto out;
	if (mmb_replay(&r)) {
		ret = MMB_EXIT_USAGE;
		goto out;
	}
	ri.workload = o.file;
	ri.format = prog.format;
	ri.machine_config = config;
	ri.malloc_name = malloc_name();
	ri.seed = r.m ? config_seed(config) : (o.has_seed ? o.seed : 1);
	if (o.validate && r.m) {
		ri.validate_done = 1;
		if (mm_validate(r.m, verr, sizeof(verr)))
			ri.validate_err = verr;
	}
	ri.elapsed_s = mmb_now() - t0;
	if (!o.quiet)
		mmb_print_summary(&r, &ri, stdout);
	if (o.json && mmb_write_json(&r, &ri, o.json))
		ret = MMB_EXIT_USAGE;
	if (ri.validate_err) {
		fprintf(stderr, "mmbench run: validate: %s\n", ri.validate_err);
		ret = 3;
	}
	mmb_free_objects(&r);
out:
	mmb_run_free(&r);
	if (config)
		mm_free_string(config);
	if (r.m)
		mm_destroy(r.m);
	mmb_prog_free(&prog);
	return ret;
}
