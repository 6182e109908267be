// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench.h - what every benchmark program shares: a monotonic clock in
 * seconds, the median of a set of rounds, machine creation that exits
 * with the config error, and where results files go.  Header-only; each bench_*.c is one program.
 */
#ifndef LIBMM_BENCH_H
#define LIBMM_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <libmm/mm.h>

/* A results file for writing: $MM_RESULTS/name (default build/results/,
 * untracked; results/ keeps only the curated figures copied from there). */
static inline FILE *bench_result_file(const char *name)
{
	const char *dir = getenv("MM_RESULTS");
	char path[4096];

	if (!dir || !*dir)
		dir = "build/results";
	mkdir("build", 0777);
	mkdir(dir, 0777);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "w");
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* the median of v[0..n) (sorts v) */
static inline double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* mm_create or exit(1) with the reason */
static inline struct mm *bench_machine(const char *cfg)
{
	char err[256];
	struct mm *m = mm_create(cfg, err, sizeof(err));

	if (!m) {
		fprintf(stderr, "bench: %s: %s\n", cfg ? cfg : "(default)", err);
		exit(1);
	}
	return m;
}

/* A movable_operations owner whose arg is an array of struct page *
 * indexed by the page's private: a migrated page's slot follows it. */
static inline int bench_slot_migrate(void *arg, struct page *dst, struct page *src,
				     unsigned long priv, int mode)
{
	struct page **slot = arg;

	(void)src;
	(void)mode;
	slot[priv] = dst;
	return 0;
}

static const struct mm_movable_operations bench_slot_ops = { .migrate_page = bench_slot_migrate };

#endif /* LIBMM_BENCH_H */
