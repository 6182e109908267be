// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_threads.c - per-CPU page lists under real threads: 2..4 threads
 * bound to distinct CPUs allocate and free random orders, handing blocks to
 * each other through a shared queue so that many frees are cross-CPU.  An
 * ownership bitmap (test-and-set per page frame) catches any page handed out
 * twice; at the end everything is freed, drained, validate() passes and
 * buddyinfo equals the boot state.  Also: drain requests to a CPU another
 * thread holds, pcp batch/high against the kernel formulas, and each
 * thread's own last error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctest.h"

#define OPS      200000
#define LIVE     256
#define QUEUE    1024

struct block { struct page *page; unsigned order; };

static struct mm *m;
static unsigned char *owned;              /* one byte per page frame */
static struct block queue[QUEUE];
static int q_len;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static int dup_errors, free_errors;

static void claim(struct block b, int on)
{
	unsigned long pfn = mm_page_to_pfn(m, b.page);

	for (unsigned long i = 0; i < 1ul << b.order; i++) {
		unsigned char old = __atomic_exchange_n(&owned[pfn + i], (unsigned char)on,
							__ATOMIC_RELAXED);
		if (old == on)
			__atomic_fetch_add(&dup_errors, 1, __ATOMIC_RELAXED);
	}
}

static void put(struct block b)
{
	claim(b, 0);
	if (mm_free_pages(m, b.page, b.order))
		__atomic_fetch_add(&free_errors, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	int cpu = (int)(long)arg, n = 0;
	unsigned seed = 1234u + (unsigned)cpu;
	struct block live[LIVE];
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_KERNEL | __GFP_MOVABLE,
				      GFP_KERNEL | __GFP_RECLAIMABLE, GFP_ATOMIC };

	if (mm_cpu_bind(m, cpu))
		return (void *)1;
	for (int op = 0; op < OPS; op++) {
		int r = rand_r(&seed) % 8;

		if (r < 4 && n < LIVE) {
			struct block b = { NULL, (unsigned)(rand_r(&seed) % 4) };

			b.page = mm_alloc_pages(m, gfps[rand_r(&seed) % 4], b.order);
			if (b.page) {
				claim(b, 1);
				live[n++] = b;
			}
		} else if (r < 6 && n) {
			int i = rand_r(&seed) % n;

			put(live[i]);
			live[i] = live[--n];
		} else if (r == 6 && n) {             /* hand one to another CPU */
			pthread_mutex_lock(&q_lock);
			if (q_len < QUEUE)
				queue[q_len++] = live[--n];
			pthread_mutex_unlock(&q_lock);
		} else {                              /* free someone else's */
			struct block b = { NULL, 0 };

			pthread_mutex_lock(&q_lock);
			if (q_len)
				b = queue[--q_len];
			pthread_mutex_unlock(&q_lock);
			if (b.page)
				put(b);
		}
	}
	while (n)
		put(live[--n]);
	mm_cpu_unbind(m);
	return NULL;
}

static void run(int nthreads)
{
	pthread_t t[8];
	char *boot, *end;

	m = mm_create("cpus=4 DMA=16M DMA32=64M NORMAL=64M", NULL, 0);
	owned = calloc(mm_nr_pages(m), 1);
	boot = mm_report_text(m, "buddyinfo");
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(long)i);
	for (int i = 0; i < nthreads; i++) {
		void *rc;

		pthread_join(t[i], &rc);
		CHECK(rc == NULL);
	}
	mm_cpu_bind(m, 0);
	while (q_len)
		put(queue[--q_len]);
	CHECK(dup_errors == 0);
	CHECK(free_errors == 0);
	CHECK_VALID(m);
	mm_drain_all_pages(m);
	CHECK_VALID(m);
	end = mm_report_text(m, "buddyinfo");
	CHECK(!strcmp(boot, end));
	CHECK(mm_vmstat_read(m, "pgfree") > 0);
	mm_free_string(boot);
	mm_free_string(end);
	free(owned);
	mm_destroy(m);
}

/* A drain of a CPU held by another thread is done by that thread later. */
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static int hold_stage;

static void *holder(void *arg)
{
	struct page *p;

	(void)arg;
	mm_cpu_bind(m, 1);
	p = mm_alloc_pages(m, GFP_KERNEL, 0);     /* refills CPU 1's list */
	mm_free_pages(m, p, 0);
	pthread_mutex_lock(&hold_lock);
	hold_stage = 1;
	pthread_cond_broadcast(&hold_cond);
	while (hold_stage != 2)
		pthread_cond_wait(&hold_cond, &hold_lock);
	pthread_mutex_unlock(&hold_lock);
	/* the next slow path honours the request */
	for (int i = 0; i < 200; i++) {
		p = mm_alloc_pages(m, GFP_KERNEL, 1);
		mm_free_pages(m, p, 1);
	}
	mm_cpu_unbind(m);
	return NULL;
}

static void test_remote_drain(void)
{
	pthread_t t;
	struct mm_pcp_info pi;

	m = mm_create("cpus=2 DMA=0 DMA32=0 NORMAL=64M", NULL, 0);
	pthread_create(&t, NULL, holder, NULL);
	pthread_mutex_lock(&hold_lock);
	while (hold_stage != 1)
		pthread_cond_wait(&hold_cond, &hold_lock);
	pthread_mutex_unlock(&hold_lock);
	mm_pcp_info(m, 1, 0, MM_ZONE_NORMAL, &pi);
	CHECK(pi.count > 0);
	mm_drain_all_pages(m);                     /* CPU 1 is held: only requested */
	mm_pcp_info(m, 1, 0, MM_ZONE_NORMAL, &pi);
	CHECK(pi.count > 0);
	{
		struct mm_pcp_info before = pi;

		CHECK(mm_tick(m, 3) == 0);         /* held: the ticks are requested too */
		mm_pcp_info(m, 1, 0, MM_ZONE_NORMAL, &pi);
		CHECK(pi.high == before.high && pi.count == before.count);
	}
	pthread_mutex_lock(&hold_lock);
	hold_stage = 2;
	pthread_cond_broadcast(&hold_cond);
	pthread_mutex_unlock(&hold_lock);
	pthread_join(t, NULL);
	CHECK(mm_vmstat_read(m, "pcp_drain") >= 2);
	mm_drain_all_pages(m);
	mm_pcp_info(m, 1, 0, MM_ZONE_NORMAL, &pi);
	CHECK(pi.count == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

static void test_batch_high(void)
{
	/* default machine, 4 CPUs: kernel zone_batchsize, zone_highsize of
	 * the low watermark (high_min) and of managed / 8 (high_max); an
	 * auto-tuned high is 0 until first used (6.7+), 6.5's is high_min */
	struct mm *d = mm_create(NULL, NULL, 0);
	struct mm_pcp_info pi;
	static const int want[3][3] = { { 1, 5, 128 }, { 15, 75, 1920 }, { 63, 252, 6144 } };

	for (int z = 0; z < 3; z++) {
		CHECK(mm_pcp_info(d, 3, 0, z, &pi) == 0);
		CHECK(pi.batch == want[z][0] && pi.high_min == want[z][1] &&
		      pi.high_max == want[z][2] && pi.high == 0);
	}
	CHECK(mm_pcp_info(d, 4, 0, 0, &pi) == -EINVAL);
	mm_destroy(d);
	d = mm_create("page_alloc_policy=6.5", NULL, 0);
	mm_pcp_info(d, 1, 0, MM_ZONE_NORMAL, &pi);
	CHECK(pi.high == 252 && pi.high_min == 252);
	mm_destroy(d);
	d = mm_create("percpu_pagelist_high_fraction=8", NULL, 0);
	mm_pcp_info(d, 0, 0, MM_ZONE_NORMAL, &pi);
	CHECK(pi.high_min == 196608 / 8 / 4 && pi.high_max == pi.high_min);
	mm_destroy(d);
	d = mm_create("pcp=off", NULL, 0);
	mm_cpu_bind(d, 0);
	mm_free_pages(d, mm_alloc_pages(d, GFP_KERNEL, 0), 0);
	mm_pcp_info(d, 0, 0, MM_ZONE_NORMAL, &pi);
	CHECK(pi.count == 0 && pi.high == 0 && pi.batch == 1);
	CHECK(mm_vmstat_read(d, "pcp_refill") == 0);
	mm_destroy(d);
}

/* Each thread fails its own way and reads back its own error, whatever the
 * other did meanwhile; a thread that exits with an error leaves the others'
 * intact (and its text is freed: the asan variant checks for leaks). */
static pthread_barrier_t err_barrier;
static int own_error_ok[2];             /* CHECK() is for the main thread */

static void *own_error(void *arg)
{
	int cpu = (int)(long)arg;
	char order[32], *msg;
	bool failed;

	if (mm_cpu_bind(m, cpu))
		return NULL;
	snprintf(order, sizeof(order), "order %d", 20 + cpu);
	failed = mm_alloc_pages(m, GFP_KERNEL, 20 + cpu) == NULL;
	pthread_barrier_wait(&err_barrier);     /* both have failed */
	msg = strdup(mm_last_error(m));
	own_error_ok[cpu] = failed && mm_last_errno(m) == EINVAL && strstr(msg, order);
	if (!own_error_ok[cpu])
		fprintf(stderr, "  cpu %d: %s\n", cpu, msg);
	free(msg);
	mm_cpu_unbind(m);
	return NULL;
}

static void test_own_error(void)
{
	pthread_t t[2];

	m = mm_create("cpus=2 DMA=0 DMA32=0 NORMAL=16M", NULL, 0);
	CHECK(m != NULL);
	pthread_barrier_init(&err_barrier, NULL, 2);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, own_error, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&err_barrier);
	CHECK(own_error_ok[0] && own_error_ok[1]);
	/* this thread has no error of its own: the machine's last one answers */
	CHECK(mm_last_errno(m) == EINVAL && strstr(mm_last_error(m), "order 2"));
	mm_destroy(m);
}

int main(void)
{
	test_own_error();
	test_batch_high();
	for (int n = 2; n <= 4; n++)
		run(n);
	test_remote_drain();
	return ctest_done("test_threads");
}
