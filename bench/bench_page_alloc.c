// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_page_alloc.c - page allocator speed, side by side in one run
 * (issues 2 and 3).  Every timing is the median of REPS rounds; within a
 * round the contenders run one after the other, so machine noise hits all
 * of them alike and the ratios are what to read.  One block stays
 * allocated in every allocator while timing, as in real programs.
 *
 *   pcp order 0         alloc_pages+__free_pages through the per-CPU lists
 *   buddy order 0/3/9   the same with pcp=off (zone->lock, buddy split/merge)
 *   mimalloc 4 KiB      mi_malloc(4096)+mi_free
 *   2 threads / 1       order-0 pcp pairs on two CPUs, throughput ratio
 *   boot                mm_create of the default machine and of a 64 GiB
 *                       backing=none machine: time, resident memory
 *
 * Usage: bench_page_alloc                  full run, table on stdout and
 *                                          $MM_RESULTS/bench_page_alloc.json
 *        bench_page_alloc count MODE N     only N pairs of MODE (pcp, buddy0,
 *                                          buddy3, buddy9, mimalloc), for
 *                                          callgrind instruction counts
 */
#define _GNU_SOURCE
#include <mimalloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmm/mm.h>
#include "bench.h"

#define REPS 9
#define PAIRS 2000000

/* n alloc+free pairs of `order`; the caller keeps one block live. */
static void pairs(struct mm *m, unsigned order, long n)
{
	for (long i = 0; i < n; i++) {
		struct page *p = mm_alloc_pages(m, GFP_KERNEL, order);

		mm_free_pages(m, p, order);
	}
}

static void mi_pairs(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = mi_malloc(4096);

		__asm__ volatile("" : : "r"(p) : "memory");
		mi_free(p);
	}
}

static double time_pairs(struct mm *m, unsigned order, long n)
{
	double t = now();

	pairs(m, order, n);
	return (now() - t) * 1e9 / (double)n;
}

static double time_mi(long n)
{
	double t = now();

	mi_pairs(n);
	return (now() - t) * 1e9 / (double)n;
}

struct thr {
	struct mm *m;
	int cpu;
	long n;
	pthread_barrier_t *bar;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	struct page *keep;

	mm_cpu_bind(t->m, t->cpu);
	keep = mm_alloc_pages(t->m, GFP_KERNEL, 0);
	pairs(t->m, 0, 1000);
	pthread_barrier_wait(t->bar);
	pairs(t->m, 0, t->n);
	mm_free_pages(t->m, keep, 0);
	mm_cpu_unbind(t->m);
	return NULL;
}

/* pairs per second with nthreads threads on their own CPUs */
static double throughput(struct mm *m, int nthreads, long n)
{
	pthread_t tid[2];
	struct thr t[2];
	pthread_barrier_t bar;
	double t0;

	pthread_barrier_init(&bar, NULL, (unsigned)nthreads + 1);
	for (int i = 0; i < nthreads; i++) {
		t[i] = (struct thr){ m, i, n, &bar };
		pthread_create(&tid[i], NULL, thr_main, &t[i]);
	}
	pthread_barrier_wait(&bar);
	t0 = now();
	for (int i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&bar);
	return (double)n * nthreads / (now() - t0);
}

static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void boot(const char *cfg, double *ms, long *rss)
{
	double v[REPS];
	long before = rss_kb(), after;
	struct mm *m;

	for (int r = 0; r < REPS; r++) {
		double t = now();

		m = bench_machine(cfg);
		v[r] = (now() - t) * 1e3;
		if (r < REPS - 1)
			mm_destroy(m);
	}
	after = rss_kb();
	mm_destroy(m);
	*ms = median(v, REPS);
	*rss = after - before;
}

static int count_mode(const char *mode, long n)
{
	struct mm *m = bench_machine(!strcmp(mode, "pcp") ? NULL : "pcp=off");
	unsigned order = !strcmp(mode, "buddy3") ? 3 : !strcmp(mode, "buddy9") ? 9 : 0;
	struct page *keep;

	mm_cpu_bind(m, 0);
	keep = mm_alloc_pages(m, GFP_KERNEL, order);
	if (!strcmp(mode, "mimalloc")) {
		void *k = mi_malloc(4096);

		mi_pairs(n);
		mi_free(k);
	} else {
		pairs(m, order, n);
	}
	mm_free_pages(m, keep, order);
	mm_destroy(m);
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned buddy_orders[3] = { 0, 3, 9 };
	double pcp[REPS], buddy[3][REPS], mi[REPS], t1[REPS], t2[REPS];
	double boot_ms, big_ms;
	long boot_rss, big_rss;
	struct mm *mp, *mb, *mt;
	struct page *kp, *kb[3];
	void *km;
	FILE *j;

	if (argc == 4 && !strcmp(argv[1], "count"))
		return count_mode(argv[2], atol(argv[3]));
	mp = bench_machine(NULL);
	mb = bench_machine("pcp=off");
	mt = bench_machine("cpus=2");
	mm_cpu_bind(mp, 0);
	mm_cpu_bind(mb, 0);
	kp = mm_alloc_pages(mp, GFP_KERNEL, 0);
	for (int i = 0; i < 3; i++)
		kb[i] = mm_alloc_pages(mb, GFP_KERNEL, buddy_orders[i]);
	km = mi_malloc(4096);
	pairs(mp, 0, PAIRS / 10);
	mi_pairs(PAIRS / 10);
	for (int r = 0; r < REPS; r++) {
		pcp[r] = time_pairs(mp, 0, PAIRS);
		for (int i = 0; i < 3; i++)
			buddy[i][r] = time_pairs(mb, buddy_orders[i], PAIRS / (i == 2 ? 4 : 2));
		mi[r] = time_mi(PAIRS);
		t1[r] = throughput(mt, 1, PAIRS);
		t2[r] = throughput(mt, 2, PAIRS);
	}
	mm_free_pages(mp, kp, 0);
	for (int i = 0; i < 3; i++)
		mm_free_pages(mb, kb[i], buddy_orders[i]);
	mi_free(km);
	mm_destroy(mp);
	mm_destroy(mb);
	mm_destroy(mt);
	boot(NULL, &boot_ms, &boot_rss);
	boot("backing=none DMA=16M DMA32=4080M NORMAL=60G", &big_ms, &big_rss);

	double p = median(pcp, REPS), b0 = median(buddy[0], REPS), b3 = median(buddy[1], REPS);
	double b9 = median(buddy[2], REPS), m4 = median(mi, REPS);
	double s1 = median(t1, REPS), s2 = median(t2, REPS);

	printf("page allocator, ns per alloc+free pair (median of %d rounds, side by side)\n", REPS);
	printf("  pcp order-0            %7.1f ns\n", p);
	printf("  buddy order-0 (pcp=off) %6.1f ns   (%.1fx the pcp pair)\n", b0, b0 / p);
	printf("  buddy order-3 (pcp=off) %6.1f ns\n", b3);
	printf("  buddy order-9 (pcp=off) %6.1f ns\n", b9);
	printf("  mimalloc 4 KiB         %7.1f ns   (pcp/mimalloc = %.2f)\n", m4, p / m4);
	printf("  threads: 1 CPU %.1f M pairs/s, 2 CPUs %.1f M pairs/s (%.2fx)\n",
	       s1 / 1e6, s2 / 1e6, s2 / s1);
	printf("  boot default machine   %7.2f ms, +%ld KiB resident\n", boot_ms, boot_rss);
	printf("  boot 64 GiB backing=none %5.1f ms, +%ld KiB resident\n", big_ms, big_rss);
	printf("  struct page            %7d bytes\n", 64);
	j = bench_result_file("bench_page_alloc.json");
	if (j) {
		fprintf(j, "{\"schema\": \"libmm-bench/1\", \"bench\": \"page_alloc\", \"reps\": %d, "
			"\"ns_per_pair\": {\"pcp_order0\": %.2f, \"buddy_order0\": %.2f, "
			"\"buddy_order3\": %.2f, \"buddy_order9\": %.2f, \"mimalloc_4k\": %.2f}, "
			"\"ratios\": {\"buddy0_over_pcp\": %.2f, \"pcp_over_mimalloc\": %.2f, "
			"\"two_cpus_over_one\": %.2f}, \"pairs_per_s\": {\"1cpu\": %.0f, \"2cpus\": %.0f}, "
			"\"boot\": {\"default_ms\": %.3f, \"default_rss_kib\": %ld, "
			"\"64g_none_ms\": %.3f, \"64g_none_rss_kib\": %ld}, \"struct_page_bytes\": 64}\n",
			REPS, p, b0, b3, b9, m4, b0 / p, p / m4, s2 / s1, s1, s2, boot_ms, boot_rss,
			big_ms, big_rss);
		fclose(j);
	}
	return 0;
}
