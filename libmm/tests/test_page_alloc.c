// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_page_alloc.c - the page allocator through the C API: config errors,
 * CPU binding, GFP zone selection, every order, refused frees (each with its
 * error text and the machine unchanged), __GFP_ZERO, compound pages,
 * running out of memory, kernel.h, many machines.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <libmm/kernel.h>
#include "ctest.h"

static void test_config_errors(void)
{
	static const struct { const char *cfg, *text; } bad[] = {
		{ "bogus=1", "unknown machine option 'bogus'" },
		{ "NORMAL=12Q", "NORMAL=12Q: bad size" },
		{ "DMA=0 DMA32=0 NORMAL=0", "no memory" },
		{ "DMA=1M", "at least one pageblock" },
		{ "cpus=0", "cpus=0" },
		{ "cpus=100000", "cpus=100000" },
		{ "NORMAL=1000", "multiple of the 4096-byte page" },
		{ "HIGHMEM=16M", "no highmem" },
		{ "backing=disk", "backing=disk" },
		{ "max_page_order=99", "max_page_order=99" },
		{ "lowmem_reserve_ratio=1:2", "lowmem_reserve_ratio" },
		{ "percpu_pagelist_high_fraction=3", "at least 8" },
		{ "cpus", "expected key=value" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mm *m = mm_create(bad[i].cfg, err, sizeof(err));

		CHECK(m == NULL);
		if (!strstr(err, bad[i].text))
			fprintf(stderr, "config '%s' gave '%s'\n", bad[i].cfg, err);
		CHECK(strstr(err, bad[i].text) != NULL);
		mm_destroy(m);
	}
}

static void test_default_machine(void)
{
	char err[256];
	struct mm *m = mm_create(NULL, err, sizeof(err));
	struct mm_zone_info zi;
	char *cfg;

	CHECK(m != NULL);
	cfg = mm_config_string(m);
	CHECK(!strcmp(cfg, "cpus=4 nodes=1 DMA=16M DMA32=240M NORMAL=768M MOVABLE=0 "
			   "max_page_order=10 seed=1"));
	mm_free_string(cfg);
	CHECK(mm_nr_pages(m) == 262144);
	CHECK(mm_pageblock_order(m) == 9);
	CHECK(mm_zone_info(m, 0, MM_ZONE_NORMAL, &zi) == 0);
	CHECK(zi.min == 768 && zi.low == 964 && zi.high == 1160);
	CHECK(zi.free == 196608 && zi.nr_free[10] == 192);
	CHECK(mm_zone_info(m, 0, MM_ZONE_DMA, &zi) == 0);
	CHECK(zi.min == 16 && zi.lowmem_reserve[1] == 240 && zi.lowmem_reserve[2] == 1008);
	CHECK(mm_zone_info(m, 1, 0, &zi) == -EINVAL);
	CHECK_VALID(m);
	mm_destroy(m);
}

static void *bind_cpu1(void *arg)
{
	struct mm *m = arg;

	return (void *)(long)mm_cpu_bind(m, 1);
}

static void test_binding(void)
{
	struct mm *m = mm_create("cpus=2 NORMAL=64M", NULL, 0);
	pthread_t t;
	void *rc;

	CHECK(mm_alloc_pages(m, GFP_KERNEL, 0) == NULL);
	CHECK(mm_last_errno(m) == EINVAL && strstr(mm_last_error(m), "not bound"));
	CHECK_ERR(m, mm_cpu_bind(m, 2), EINVAL, "CPU 2 does not exist");
	pthread_create(&t, NULL, bind_cpu1, m);   /* binds CPU 1, exits bound */
	pthread_join(t, &rc);
	CHECK(rc == 0);
	CHECK(mm_cpu_bind(m, 1) == 0);            /* its exit gave CPU 1 back */
	CHECK(mm_cpu_bind(m, 0) == 0 && mm_cpu_current(m) == 0);
	CHECK(mm_current() == m);
	mm_cpu_unbind(m);
	CHECK(mm_cpu_current(m) == -1);
	mm_destroy(m);
}

static int zone_of(struct mm *m, struct page *p)
{
	int node, zone;

	mm_pfn_zone(m, mm_page_to_pfn(m, p), &node, &zone);
	return zone;
}

static void test_gfp_zones(void)
{
	struct mm *m = mm_create("cpus=1 DMA=16M DMA32=64M NORMAL=64M MOVABLE=32M", NULL, 0);
	static const struct { gfp_t gfp; int zone; } want[] = {
		{ GFP_KERNEL, MM_ZONE_NORMAL }, { GFP_DMA, MM_ZONE_DMA },
		{ GFP_DMA32, MM_ZONE_DMA32 }, { GFP_HIGHUSER_MOVABLE, MM_ZONE_MOVABLE },
		{ GFP_KERNEL | __GFP_MOVABLE, MM_ZONE_NORMAL }, { GFP_USER, MM_ZONE_NORMAL },
	};

	mm_cpu_bind(m, 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct page *p = mm_alloc_pages(m, want[i].gfp, 0);

		CHECK(p && zone_of(m, p) == want[i].zone);
		CHECK(mm_free_pages(m, p, 0) == 0);
	}
	CHECK(mm_alloc_pages(m, __GFP_DMA | __GFP_DMA32, 0) == NULL);
	CHECK(strstr(mm_last_error(m), "impossible zone modifier"));
	CHECK(mm_alloc_pages(m, GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE, 0) == NULL);
	CHECK(mm_alloc_pages(m, 0x200, 0) == NULL && mm_last_errno(m) == EINVAL);
	CHECK(mm_alloc_pages(m, GFP_KERNEL, 11) == NULL && strstr(mm_last_error(m), "order 11"));
	CHECK_VALID(m);
	mm_destroy(m);
}

static void test_bad_frees(void)
{
	struct mm *m = mm_create("cpus=1 DMA=16M DMA32=0 NORMAL=64M", NULL, 0);
	struct page *p, *c, *other;
	struct mm *m2 = mm_create("cpus=1 NORMAL=16M DMA=0 DMA32=0", NULL, 0);
	char *before, *after;

	mm_cpu_bind(m, 0);
	mm_cpu_bind(m2, 0);
	p = mm_alloc_pages(m, GFP_KERNEL, 2);
	c = mm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 3);
	other = mm_alloc_pages(m2, GFP_KERNEL, 0);
	before = ctest_buddyinfo(m);
	CHECK_ERR(m, mm_free_pages(m, p, 1), EFAULT, "allocated with order 2 but freed with order 1");
	CHECK_ERR(m, mm_free_pages(m, mm_pfn_to_page(m, mm_page_to_pfn(m, p) + 1), 0), EFAULT, "inside the order-2 block");
	CHECK_ERR(m, mm_free_pages(m, mm_pfn_to_page(m, mm_page_to_pfn(m, c) + 3), 0), EFAULT, "tail page of the compound page");
	CHECK_ERR(m, mm_free_pages(m, other, 0), EFAULT, "not a struct page of this machine");
	CHECK_ERR(m, mm_free_pages(m, (struct page *)((char *)p + 8), 2), EFAULT, "not a struct page");
	CHECK_ERR(m, mm_free_pages(m, p, 12), EINVAL, "above max_page_order");
	CHECK(mm_free_pages(m, p, 2) == 0);
	CHECK_ERR(m, mm_free_pages(m, p, 2), EFAULT, "double free");
	after = ctest_buddyinfo(m);
	CHECK(!strcmp(before, after));
	CHECK(mm_free_pages(m, c, 3) == 0);
	CHECK(mm_free_pages(m2, other, 0) == 0);
	CHECK_VALID(m);
	CHECK_VALID(m2);
	mm_free_string(before);
	mm_free_string(after);
	mm_destroy(m2);
	mm_destroy(m);
}

static void test_zero_and_exhaust(void)
{
	struct mm *m = mm_create("cpus=1 DMA=0 DMA32=0 NORMAL=16M", NULL, 0);
	struct page **pages = calloc(4096, sizeof(*pages));
	char *boot = ctest_buddyinfo(m), *end;
	unsigned char *a;
	int n = 0, zero = 1;

	mm_cpu_bind(m, 0);
	pages[0] = mm_alloc_pages(m, GFP_KERNEL, 3);
	a = mm_page_address(m, pages[0]);
	memset(a, 0xa5, 8 * MM_PAGE_SIZE);
	mm_free_pages(m, pages[0], 3);
	pages[0] = mm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 3);
	CHECK(mm_page_address(m, pages[0]) == a);   /* hot page comes back */
	for (unsigned long i = 0; i < 8 * MM_PAGE_SIZE; i++)
		zero &= a[i] == 0;
	CHECK(zero);
	mm_free_pages(m, pages[0], 3);
	while ((pages[n] = mm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0)))
		n++;
	CHECK(mm_last_errno(m) == ENOMEM);
	CHECK(n > 3000 && n < 4096);                /* min watermark keeps some free */
	CHECK(mm_vmstat_read(m, "pgalloc_fail") == 1);
	CHECK(mm_alloc_pages(m, GFP_ATOMIC, 0) != NULL);   /* reserves below min */
	CHECK_VALID(m);
	while (n--)
		mm_free_pages(m, pages[n], 0);
	mm_drain_all_pages(m);
	CHECK_VALID(m);
	end = ctest_buddyinfo(m);
	CHECK(strcmp(boot, end) != 0);   /* the GFP_ATOMIC page is still out */
	free(pages);
	mm_free_string(boot);
	mm_free_string(end);
	mm_destroy(m);
}

static void test_kernel_h(void)
{
	struct mm *m = mm_create("cpus=1 NORMAL=32M", NULL, 0);
	unsigned long addr;
	struct page *page;

	mm_cpu_bind(m, 0);
	page = alloc_pages(GFP_KERNEL, 1);
	CHECK(page && page_to_pfn(page) != MM_PFN_INVALID);
	CHECK(pfn_to_page(page_to_pfn(page)) == page);
	__free_pages(page, 1);
	addr = get_zeroed_page(GFP_KERNEL);
	CHECK(addr && *(long *)addr == 0 && virt_to_page((void *)addr));
	free_page(addr);
	drain_all_pages();
	CHECK_VALID(m);
	mm_destroy(m);
}

static void test_many_machines(void)
{
	struct mm *ms[16];

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 16; i++) {
			ms[i] = mm_create("cpus=2 DMA=16M DMA32=32M NORMAL=32M", NULL, 0);
			CHECK(ms[i] != NULL);
			mm_cpu_bind(ms[i], i % 2);
			CHECK(mm_alloc_pages(ms[i], GFP_KERNEL, (unsigned)i % 4) != NULL);
			mm_cpu_unbind(ms[i]);
		}
		for (int i = 0; i < 16; i++)
			mm_destroy(ms[i]);
	}
	{
		struct mm *big = mm_create("backing=none NORMAL=64G", NULL, 0);

		CHECK(big != NULL);
		mm_cpu_bind(big, 0);
		CHECK(mm_page_address(big, mm_alloc_pages(big, GFP_KERNEL, 9)) == NULL);
		CHECK(mm_last_errno(big) == ENXIO);
		mm_destroy(big);
	}
}

static void test_isolation(void)
{
	struct mm *m = mm_create("cpus=1 DMA=0 DMA32=0 NORMAL=32M", NULL, 0);
	char *boot = ctest_buddyinfo(m), *end;
	struct mm_zone_info zi;
	struct page *unmov, *mov, **all = calloc(8192, sizeof(*all));
	unsigned long pfn, start;
	int n = 0, inside = 0;

	mm_cpu_bind(m, 0);
	unmov = mm_alloc_pages(m, GFP_KERNEL, 0);
	pfn = mm_page_to_pfn(m, unmov);
	CHECK_ERR(m, mm_start_isolate_page_range(m, pfn, pfn + 1, MM_MIGRATE_MOVABLE), EBUSY,
		  "unmovable page");
	mm_free_pages(m, unmov, 0);
	mov = mm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
	start = mm_page_to_pfn(m, mov) & ~511ul;
	CHECK(mm_start_isolate_page_range(m, start, start + 1024, MM_MIGRATE_MOVABLE) == 0);
	CHECK_ERR(m, mm_start_isolate_page_range(m, start, start + 1, MM_MIGRATE_MOVABLE), EBUSY,
		  "already isolated");
	CHECK(mm_test_pages_isolated(m, start, start + 1024) == -EBUSY);   /* mov is live */
	mm_free_pages(m, mov, 0);
	CHECK(mm_test_pages_isolated(m, start, start + 1024) == 0);
	mm_zone_info(m, 0, MM_ZONE_NORMAL, &zi);
	CHECK(zi.nr_pageblocks[MM_MIGRATE_ISOLATE] == 2 && zi.free == 8192 - 1024);
	CHECK_VALID(m);
	while ((all[n] = mm_alloc_pages(m, GFP_KERNEL | __GFP_NOWARN, 0))) {
		unsigned long p = mm_page_to_pfn(m, all[n++]);

		inside += p >= start && p < start + 1024;
	}
	CHECK(inside == 0 && n > 6000);
	while (n--)
		mm_free_pages(m, all[n], 0);
	CHECK(mm_undo_isolate_page_range(m, start, start + 1024, MM_MIGRATE_MOVABLE) == 0);
	CHECK(mm_start_isolate_page_range(m, 5, 3, MM_MIGRATE_MOVABLE) == -EINVAL);
	mm_drain_all_pages(m);
	CHECK_VALID(m);
	end = ctest_buddyinfo(m);
	CHECK(!strcmp(boot, end));
	mm_free_string(boot);
	mm_free_string(end);
	free(all);
	mm_destroy(m);
}

int main(void)
{
	test_config_errors();
	test_default_machine();
	test_binding();
	test_gfp_zones();
	test_bad_frees();
	test_zero_and_exhaust();
	test_kernel_h();
	test_isolation();
	test_many_machines();
	return ctest_done("test_page_alloc");
}
