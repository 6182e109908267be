// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_cma.c - the CMA and contiguous-range C API: areas at boot, cma_alloc
 * migrating a process's pages, the failure on a pin with its reason,
 * refused misuse with its text, alloc_contig_range/free_contig_range,
 * alloc_contig_pages, and two threads - one allocating from CMA, one
 * faulting and unmapping movable pages (outside the areas) on another CPU -
 * with validate() after.  Run under tsan by `scons test variant=tsan`.
 */
#include <errno.h>
#include <pthread.h>
#include "ctest.h"

#define CFG "cpus=2 DMA=0 DMA32=0 NORMAL=64M cma_areas=cam:16M,aux:4M/2"

static void test_boot_and_reports(void)
{
	struct mm *m = mm_create(CFG, NULL, 0);
	struct mm_cma_info in;
	struct mm_zone_info zi;
	char *s;

	CHECK(mm_cma_area_count(m) == 2);
	CHECK(mm_cma_area_index(m, "aux") == 1 && mm_cma_area_index(m, "nope") == -EINVAL);
	CHECK(mm_cma_area_info(m, 1, &in) == 0);
	CHECK(!strcmp(in.name, "aux") && in.base_pfn == 4096 && in.count == 1024 &&
	      in.order_per_bit == 2 && in.maxchunk == 1024 && in.zone_idx == MM_ZONE_NORMAL);
	CHECK(mm_zone_info(m, 0, MM_ZONE_NORMAL, &zi) == 0);
	CHECK(zi.cma_pages == 5120 && zi.nr_free_cma == 5120 &&
	      zi.nr_pageblocks[MM_MIGRATE_CMA] == 10);
	s = mm_report_text(m, "meminfo");
	CHECK(s && strstr(s, "CmaTotal:          20480 kB\n"));
	mm_free_string(s);
	s = mm_report_text(m, "cma");
	CHECK(s && strstr(s, "aux/order_per_bit:2\n") && strstr(s, "cam/count:4096\n"));
	mm_free_string(s);
	CHECK(mm_cma_area_info(m, 2, &in) == -EINVAL);
	CHECK_VALID(m);
	mm_destroy(m);
}

static void test_alloc_migrates_and_pin_fails(void)
{
	struct mm *m = mm_create("cpus=2 DMA=0 DMA32=0 NORMAL=64M cma_areas=cam:16M "
				 "cma_balance=first", NULL, 0);
	struct mm_process *p;
	struct mm_cma_info in;
	struct page *pg;
	unsigned long pinned = 0;

	mm_cpu_bind(m, 0);
	p = mm_process_create(m);
	for (unsigned long i = 0; i < 64; i++) {
		CHECK(mm_process_fault(p, i * 4096, 0) == 0);
		CHECK(mm_process_write(p, i * 4096, &i, sizeof(i)) == 0);
	}
	CHECK(mm_process_pfn(p, 0) < 4096);             /* first: in the area */
	pg = mm_cma_alloc(m, "cam", 4096, 0, 0);
	CHECK(pg && mm_page_to_pfn(m, pg) == 0);
	for (unsigned long i = 0; i < 64; i++) {
		unsigned long v = ~0ul;

		CHECK(mm_process_pfn(p, i * 4096) >= 4096);
		CHECK(mm_process_read(p, i * 4096, &v, sizeof(v)) == 0 && v == i);
	}
	CHECK_VALID(m);
	/* a contiguous page is refused by mm_free_pages */
	CHECK_ERR(m, mm_free_pages(m, pg, 0), EINVAL, "belongs to a contiguous range");
	CHECK(mm_cma_release(m, "cam", pg, 4096) == 0);
	CHECK_ERR(m, mm_cma_release(m, "cam", pg, 4096), EINVAL, "not part of one live");
	CHECK_ERR(m, mm_cma_release(m, "cam", mm_pfn_to_page(m, 4096), 1), EINVAL, "not inside the area");
	CHECK_ERR(m, mm_cma_release(m, "aux", pg, 1), EINVAL, "no CMA area named 'aux'");

	/* a pinned page in the area: the whole-area allocation fails, named */
	CHECK(mm_process_unmap(p, 0, 64 * 4096) == 0);
	mm_drain_all_pages(m);          /* else the fault takes a hot per-CPU page */
	CHECK(mm_process_fault(p, 0, 0) == 0);
	pinned = mm_process_pfn(p, 0);
	CHECK(pinned < 4096 && mm_process_pin(p, 0, 0) == (long)pinned);
	CHECK(mm_cma_alloc(m, "cam", 4096, 0, 0) == NULL && mm_last_errno(m) == EBUSY);
	CHECK(strstr(mm_last_error(m), "is pinned") != NULL);
	CHECK(mm_cma_area_info(m, 0, &in) == 0);
	CHECK(in.last_ret == -EBUSY && in.last_reason == MM_MIGRATE_FAIL_PINNED &&
	      in.last_pfn == pinned && in.alloc_pages_fail == 4096);
	CHECK(mm_vmstat_read(m, "cma_alloc_fail") == 1 && mm_vmstat_read(m, "cma_alloc_success") == 1);
	CHECK(mm_process_unpin(p, 0) == 0);
	CHECK_VALID(m);
	mm_process_destroy(p);
	mm_destroy(m);
}

static void test_contig_range_and_pages(void)
{
	struct mm *m = mm_create("cpus=1 DMA=0 DMA32=0 NORMAL=32M", NULL, 0);
	struct mm_contig_info ci;
	struct page *pg, *k;
	unsigned long kb;

	CHECK(mm_alloc_contig_range(m, 0, 512, MM_MIGRATE_MOVABLE, GFP_KERNEL) == -EINVAL);
	mm_cpu_bind(m, 0);
	CHECK(mm_alloc_contig_range(m, 512, 1024, MM_MIGRATE_MOVABLE, GFP_KERNEL) == 0);
	CHECK(mm_free_contig_range(m, 600, 10) == 0);
	CHECK(mm_contig_info(m, &ci) == 0 && ci.nr_ranges == 2 && ci.nr_pages == 502);
	CHECK_ERR(m, mm_free_contig_range(m, 600, 10), EINVAL, "not part of one live");
	CHECK(mm_free_contig_range(m, 512, 88) == 0 && mm_free_contig_range(m, 610, 414) == 0);
	CHECK_ERR(m, mm_alloc_contig_range(m, 0, 8, MM_MIGRATE_HIGHATOMIC, GFP_KERNEL), EINVAL,
		  "neither CMA nor Movable");
	CHECK_ERR(m, mm_alloc_contig_range(m, 0, 8, MM_MIGRATE_MOVABLE, GFP_KERNEL | __GFP_NOFAIL),
		  EINVAL, "not reclaim or action");
	CHECK_ERR(m, mm_alloc_contig_range(m, 8, 4, MM_MIGRATE_MOVABLE, GFP_KERNEL), EINVAL,
		  "bad pfn range");
	k = mm_alloc_pages(m, GFP_KERNEL, 0);
	kb = mm_page_to_pfn(m, k) & ~511ul;
	CHECK(mm_alloc_contig_range(m, kb, kb + 512, MM_MIGRATE_MOVABLE,
				    GFP_KERNEL | __GFP_NOWARN) == -EBUSY);
	CHECK(mm_contig_info(m, &ci) == 0 && ci.last_reason == MM_MIGRATE_FAIL_UNMOVABLE &&
	      ci.last_pfn == mm_page_to_pfn(m, k));
	pg = mm_alloc_contig_pages(m, 512, GFP_KERNEL | __GFP_COMP, -1);
	CHECK(pg && mm_page_to_pfn(m, pg) == (kb ? 0 : 512));    /* the first without k */
	CHECK_VALID(m);
	CHECK(mm_free_contig_range(m, mm_page_to_pfn(m, pg), 512) == 0);
	CHECK(mm_free_pages(m, k, 0) == 0);
	CHECK(mm_alloc_contig_pages(m, 0, GFP_KERNEL, -1) == NULL && mm_last_errno(m) == EINVAL);
	CHECK_VALID(m);
	mm_destroy(m);
}

struct worker {
	struct mm *m;
	int cpu;
	int failures;
};

static void *cma_worker(void *arg)
{
	struct worker *w = arg;

	mm_cpu_bind(w->m, w->cpu);
	for (int r = 0; r < 40; r++) {
		struct page *pg = mm_cma_alloc(w->m, r & 1 ? "aux" : "cam", 256, 0, 1);

		if (pg && mm_cma_release(w->m, r & 1 ? "aux" : "cam", pg, 256))
			w->failures++;
	}
	mm_cpu_unbind(w->m);
	return NULL;
}

static void *fault_worker(void *arg)
{
	struct worker *w = arg;
	struct mm_process *p;

	mm_cpu_bind(w->m, w->cpu);
	p = mm_process_create(w->m);
	for (int r = 0; r < 20; r++) {
		for (unsigned long i = 0; i < 256; i++)
			if (mm_process_fault(p, i * 4096, 0) && mm_last_errno(w->m) != ENOMEM)
				w->failures++;
		if (mm_process_unmap(p, 0, 256 * 4096))
			w->failures++;
	}
	mm_process_destroy(p);
	mm_cpu_unbind(w->m);
	return NULL;
}

/* Under the half rule these faults never take CMA pages, so the other
 * CPU's per-CPU lists hold none of the ranges being isolated: a bound CPU
 * drains only at its next refill or spill, and its lockless pops of pages
 * of an isolated range would race with the isolation's page scans. */
static void test_threads(void)
{
	struct mm *m = mm_create(CFG, NULL, 0);
	struct worker a = { m, 0, 0 }, b = { m, 1, 0 };
	pthread_t ta, tb;

	pthread_create(&ta, NULL, cma_worker, &a);
	pthread_create(&tb, NULL, fault_worker, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(a.failures == 0 && b.failures == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* NULL machine, name, page or out pointer: refused, no crash */
static void test_null_pointers(void)
{
	struct mm *m = mm_create(CFG, NULL, 0);
	struct mm_cma_info in;

	CHECK(mm_cma_area_count(NULL) == -EINVAL && mm_cma_area_index(NULL, "cam") == -EINVAL);
	CHECK(mm_cma_area_info(NULL, 0, &in) == -EINVAL && mm_cma_area_info(m, 0, NULL) == -EINVAL);
	CHECK(mm_cma_alloc(NULL, "cam", 1, 0, 0) == NULL);
	CHECK(mm_cma_release(NULL, "cam", NULL, 1) == -EINVAL);
	CHECK(mm_alloc_contig_range(NULL, 0, 1, MM_MIGRATE_MOVABLE, GFP_KERNEL) == -EINVAL);
	CHECK(mm_free_contig_range(NULL, 0, 1) == -EINVAL);
	CHECK(mm_alloc_contig_pages(NULL, 1, GFP_KERNEL, -1) == NULL);
	CHECK(mm_contig_info(NULL, NULL) == -EINVAL && mm_contig_info(m, NULL) == -EINVAL);
	mm_cpu_bind(m, 0);
	CHECK_ERR(m, mm_cma_release(m, "cam", NULL, 1), EINVAL, "not inside the area");
	CHECK(mm_cma_alloc(m, "cam", 1, 200, 0) == NULL && mm_last_errno(m) == EINVAL);
	CHECK(mm_alloc_contig_pages(m, ~0ul, GFP_KERNEL | __GFP_NOWARN, -1) == NULL);
	CHECK(mm_free_contig_range(m, 0, ~0ul) == -EINVAL);
	CHECK_VALID(m);
	mm_destroy(m);
}

int main(void)
{
	test_null_pointers();
	test_boot_and_reports();
	test_alloc_migrates_and_pin_fails();
	test_contig_range_and_pages();
	test_threads();
	return ctest_done("test_cma");
}
