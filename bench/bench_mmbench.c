// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/bench_mmbench.c - mmbench must not hide the allocators:
 *
 * 1. parse speed: a flat 4-million-line workload (kmalloc/kfree,
 *    alloc_pages/free_pages, cache ops, comments, distinct handle names) is
 *    parsed by `mmbench run --parse-only`; lines per second of parse time
 *    (the file read excluded).  Target: >= 2 M lines/s.
 * 2. replay overhead: the same calls (batches of 64 allocations then 64
 *    frees, on a 1-CPU machine) made by a plain C loop here and replayed by
 *    `mmbench run` (its replay_s, in-process like the loop's own clock);
 *    (mmbench - loop) / operations.  Target: <= 20 ns per operation.  The
 *    workloads are parsed whole first (--buffer), and once more streamed
 *    (kmalloc/kfree: replayed in chunks between the parser's).
 *    Median of ROUNDS alternating rounds, each on a fresh machine.
 *
 * Writes a table to stdout and $MM_RESULTS/bench_mmbench.json.  mmbench is
 * $MMBENCH, else $BUILD/bin/mmbench, else build/release/bin/mmbench.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmm/mm.h>
#include "bench.h"

#define ROUNDS 7
#define BATCH 64
#define REPS 16000              /* 16000 * 128 = 2.05 M operations */
#define CONFIG "cpus=1 nodes=1 DMA=16M DMA32=240M NORMAL=768M seed=1"

static char mmbench[4096];

/* Runs a command, stdout into buf; 0 on exit status 0. */
static int run_cmd(char *const argv[], char *buf, size_t len)
{
	int pfd[2], status;
	size_t n = 0;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (ssize_t r; n + 1 < len && (r = read(pfd[0], buf + n, len - n - 1)) > 0;)
		n += (size_t)r;
	buf[n] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static double json_number(const char *path, const char *key)
{
	static char buf[1 << 22];
	FILE *f = fopen(path, "r");
	size_t n;
	char pat[64];
	const char *p;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(buf, pat);
	return p ? atof(p + strlen(pat)) : -1;
}

/* ---- 1. parse speed -------------------------------------------------------- */

static double bench_parse(long *lines_out)
{
	char path[] = "/tmp/bench_mmbench_parseXXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	long lines = 0;
	double v[ROUNDS];
	char out[4096];

	fprintf(f, "# flat workload for the parse benchmark\nmachine " CONFIG "\n"
		"cache_create dentry 192 8 SLAB_RECLAIM_ACCOUNT\n");
	lines += 3;
	for (long i = 0; lines < 4000000; i++) {
		fprintf(f, "kmalloc k%ld %ld GFP_KERNEL\nalloc_pages p%ld %ld GFP_HIGHUSER_MOVABLE\n"
			"cache_alloc d%ld dentry\n# comment %ld\nkfree k%ld\nfree_pages p%ld\n"
			"cache_free d%ld\ncpu %ld\n", i, 8 + i % 4000, i, i % 4, i, i, i, i, i, i % 4);
		lines += 8;
	}
	fclose(f);
	for (int r = 0; r < ROUNDS; r++) {
		char *argv[] = { mmbench, "run", path, "--parse-only", NULL };
		const char *p;

		if (run_cmd(argv, out, sizeof(out)) || !(p = strstr(out, " caches in "))) {
			fprintf(stderr, "bench_mmbench: mmbench --parse-only failed: %s\n", out);
			exit(1);
		}
		v[r] = atof(p + 11);
	}
	unlink(path);
	*lines_out = lines;
	return median(v, ROUNDS);
}

/* ---- 2. replay overhead ------------------------------------------------------- */

enum { K_PAGES, K_KMALLOC, K_CACHE, K_STREAM, NR_K };
static const char *const kname[NR_K] = { "alloc_pages/free_pages order 0",
					 "kmalloc/kfree 64 B", "cache_alloc/cache_free 192 B",
					 "kmalloc/kfree 64 B, streamed" };

static double direct_loop(int kind)
{
	char err[256];
	struct mm *m = mm_create(CONFIG, err, sizeof(err));
	void *h[BATCH];
	struct kmem_cache *c = NULL;
	double t0, t1;

	if (!m || mm_cpu_bind(m, 0)) {
		fprintf(stderr, "bench_mmbench: %s\n", err);
		exit(1);
	}
	if (kind == K_CACHE)
		c = mm_kmem_cache_create(m, "objs", 192, 0, 0, NULL);
	t0 = now();
	for (int r = 0; r < REPS; r++) {
		switch (kind) {
		case K_PAGES:
			for (int i = 0; i < BATCH; i++)
				h[i] = mm_alloc_pages(m, GFP_KERNEL, 0);
			for (int i = 0; i < BATCH; i++)
				mm_free_pages(m, h[i], 0);
			break;
		case K_KMALLOC:
		case K_STREAM:
			for (int i = 0; i < BATCH; i++)
				h[i] = mm_kmalloc(m, 64, GFP_KERNEL);
			for (int i = 0; i < BATCH; i++)
				mm_kfree(m, h[i]);
			break;
		default:
			for (int i = 0; i < BATCH; i++)
				h[i] = mm_kmem_cache_alloc(c, GFP_KERNEL);
			for (int i = 0; i < BATCH; i++)
				mm_kmem_cache_free(c, h[i]);
		}
	}
	t1 = now();
	if (c)
		mm_kmem_cache_destroy(c);
	mm_destroy(m);
	return t1 - t0;
}

static void write_workload(const char *path, int kind)
{
	FILE *f = fopen(path, "w");
	const char *a, *fr;

	switch (kind) {
	case K_PAGES: a = "alloc_pages h$i 0"; fr = "free_pages h$i"; break;
	case K_KMALLOC:
	case K_STREAM: a = "kmalloc h$i 64"; fr = "kfree h$i"; break;
	default: a = "cache_alloc h$i objs"; fr = "cache_free h$i";
	}
	fprintf(f, "machine " CONFIG "\n%s", kind == K_CACHE ? "cache_create objs 192\n" : "");
	fprintf(f, "repeat %d r {\nrepeat %d {\n%s\n}\nrepeat %d {\n%s\n}\n}\n", REPS, BATCH, a,
		BATCH, fr);
	fclose(f);
}

/* The program's operations (2 M) are more than mmbench parses before
 * replaying (1 M): streamed, they are replayed in chunks between the
 * parser's; --buffer makes them one parsed program, replayed at once. */
static double mmbench_replay(const char *wl, const char *json, int stream)
{
	char *argv[] = { mmbench, "run", (char *)wl, "--quiet", "--json", (char *)json,
			 stream ? NULL : "--buffer", "4194304", NULL };
	char out[256];

	if (run_cmd(argv, out, sizeof(out))) {
		fprintf(stderr, "bench_mmbench: mmbench run %s failed\n", wl);
		exit(1);
	}
	return json_number(json, "replay_s");
}

int main(void)
{
	const char *env = getenv("MMBENCH"), *build = getenv("BUILD");
	double direct[NR_K][ROUNDS], replay[NR_K][ROUNDS], d[NR_K], rp[NR_K], parse_s;
	double nops = (double)REPS * BATCH * 2;
	long lines;
	FILE *js;

	if (env)
		snprintf(mmbench, sizeof(mmbench), "%s", env);
	else
		snprintf(mmbench, sizeof(mmbench), "%s/bin/mmbench", build ? build : "build/release");
	parse_s = bench_parse(&lines);
	printf("mmbench parse: %ld lines in %.3f s = %.2f M lines/s (median of %d; target >= 2)\n",
	       lines, parse_s, lines / parse_s / 1e6, ROUNDS);
	for (int k = 0; k < NR_K; k++) {
		char wl[] = "/tmp/bench_mmbench_wlXXXXXX", json[64];
		int fd = mkstemp(wl);

		close(fd);
		snprintf(json, sizeof(json), "%s.json", wl);
		write_workload(wl, k);
		for (int r = 0; r < ROUNDS; r++) {
			direct[k][r] = direct_loop(k);
			replay[k][r] = mmbench_replay(wl, json, k == K_STREAM);
		}
		unlink(wl);
		unlink(json);
		d[k] = median(direct[k], ROUNDS);
		rp[k] = median(replay[k], ROUNDS);
	}
	printf("\nreplay overhead (%.0f operations, batches of %d, median of %d rounds):\n",
	       nops, BATCH, ROUNDS);
	printf("%-32s %12s %12s %12s\n", "operations", "C loop ns/op", "mmbench ns/op",
	       "overhead ns");
	for (int k = 0; k < NR_K; k++)
		printf("%-32s %12.1f %12.1f %12.1f\n", kname[k], d[k] / nops * 1e9,
		       rp[k] / nops * 1e9, (rp[k] - d[k]) / nops * 1e9);
	printf("(target: overhead <= 20 ns per operation)\n");
	js = bench_result_file("bench_mmbench.json");
	if (js) {
		fprintf(js, "{\n  \"parse\": {\"lines\": %ld, \"seconds\": %.6f, "
			"\"mlines_per_s\": %.3f},\n  \"replay\": [", lines, parse_s,
			lines / parse_s / 1e6);
		for (int k = 0; k < NR_K; k++)
			fprintf(js, "%s\n    {\"ops\": \"%s\", \"count\": %.0f, \"direct_ns_per_op\": %.2f, "
				"\"mmbench_ns_per_op\": %.2f, \"overhead_ns_per_op\": %.2f}",
				k ? "," : "", kname[k], nops, d[k] / nops * 1e9, rp[k] / nops * 1e9,
				(rp[k] - d[k]) / nops * 1e9);
		fprintf(js, "\n  ]\n}\n");
		fclose(js);
	}
	return 0;
}
