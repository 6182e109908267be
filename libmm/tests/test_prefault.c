// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_prefault.c - prefault= through the C API: config errors, what each
 * mode populates (checked with mincore() on the direct map) and accounts
 * (mm_prefault_info per CPU and in all), two threads populating pageblocks
 * of one zone at once (run under TSan too), and one look inside: a
 * handed-out block in a pageblock whose populated bit is clear fails
 * mm_validate().
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "internal.h"
#include "ctest.h"

#define SMALL "cpus=2 DMA=0 DMA32=0 NORMAL=64M"

/* Pages of [pfn, pfn + n) resident in the memfd (mincore on the direct map). */
static unsigned long resident(struct mm *m, unsigned long pfn, unsigned long n)
{
	unsigned char *vec = malloc(n);
	unsigned long r = 0;

	if (!vec || mincore((char *)mm_direct_map_base(m) + pfn * MM_PAGE_SIZE, n * MM_PAGE_SIZE,
			    vec)) {
		free(vec);
		return ~0ul;
	}
	for (unsigned long i = 0; i < n; i++)
		r += vec[i] & 1;
	free(vec);
	return r;
}

static void test_config(void)
{
	static const struct { const char *cfg, *text; } bad[] = {
		{ "prefault=always", "prefault=always: expected none, pageblock or boot" },
		{ "backing=none prefault=pageblock", "backing=none has no memory to populate" },
		{ "backing=none prefault=boot", "backing=none has no memory to populate" },
		{ "NORMAL=15T prefault=boot", "more than the host has available" },
	};
	char err[256], *cfg;
	struct mm *m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = mm_create(bad[i].cfg, err, sizeof(err));
		CHECK(m == NULL);
		if (!strstr(err, bad[i].text))
			fprintf(stderr, "config '%s' gave '%s'\n", bad[i].cfg, err);
		CHECK(strstr(err, bad[i].text) != NULL);
	}
	m = mm_create(SMALL " prefault=pageblock", err, sizeof(err));
	CHECK(m != NULL);
	cfg = mm_config_string(m);
	CHECK(strstr(cfg, " prefault=pageblock") != NULL);
	mm_free_string(cfg);
	mm_destroy(m);
	m = mm_create(SMALL " prefault=none", err, sizeof(err));
	cfg = mm_config_string(m);
	CHECK(strstr(cfg, "prefault") == NULL);        /* the default is not printed */
	mm_free_string(cfg);
	mm_destroy(m);
}

static void test_none(void)
{
	struct mm *m = mm_create(SMALL, NULL, 0);
	struct mm_prefault_info pi;
	struct page *p;

	CHECK(m && !mm_cpu_bind(m, 0));
	p = mm_alloc_pages(m, GFP_KERNEL, 3);
	CHECK(p != NULL);
	CHECK(resident(m, mm_page_to_pfn(m, p), 8) == 0);      /* never touched */
	CHECK(mm_prefault_info(m, -1, &pi) == 0);
	CHECK(pi.mode == MM_PREFAULT_NONE && pi.pageblocks == 0 && pi.ns == 0);
	CHECK(mm_prefault_info(m, 2, &pi) == -EINVAL);          /* no CPU 2 */
	CHECK(mm_prefault_info(m, 0, NULL) == -EINVAL);
	mm_free_pages(m, p, 3);
	mm_destroy(m);
}

static void test_pageblock(void)
{
	struct mm *m = mm_create(SMALL " pcp=off prefault=pageblock", NULL, 0);
	struct mm_prefault_info all, cpu0, cpu1;
	unsigned long pb = 1ul << mm_pageblock_order(m), pfn, pfn2;
	struct page *p, *q, *big;

	CHECK(m && !mm_cpu_bind(m, 1));
	CHECK(resident(m, 0, mm_nr_pages(m)) == 0);
	p = mm_alloc_pages(m, GFP_KERNEL, 0);
	pfn = mm_page_to_pfn(m, p);
	/* the whole pageblock of the first page handed out, nothing else */
	CHECK(resident(m, pfn & ~(pb - 1), pb) == pb);
	CHECK(resident(m, 0, mm_nr_pages(m)) == pb);
	q = mm_alloc_pages(m, GFP_KERNEL, 0);          /* same pageblock: nothing new */
	CHECK(mm_prefault_info(m, -1, &all) == 0 && all.pageblocks == 1);
	CHECK(all.mode == MM_PREFAULT_PAGEBLOCK && all.bytes == pb * MM_PAGE_SIZE);
	CHECK(all.ns > 0 && all.minflt >= pb);          /* each page faulted in once */
	CHECK(mm_prefault_info(m, 1, &cpu1) == 0 && cpu1.pageblocks == 1 && cpu1.ns == all.ns);
	CHECK(mm_prefault_info(m, 0, &cpu0) == 0 && cpu0.pageblocks == 0 && cpu0.ns == 0);
	/* a block of max order spans two pageblocks: both populated */
	big = mm_alloc_pages(m, GFP_KERNEL, mm_max_order(m));
	CHECK(big != NULL);
	pfn2 = mm_page_to_pfn(m, big);
	CHECK(resident(m, pfn2, 1ul << mm_max_order(m)) == 1ul << mm_max_order(m));
	CHECK(mm_prefault_info(m, -1, &all) == 0 && all.pageblocks == 3);
	CHECK_VALID(m);
	/* freed and allocated again: populated once only */
	mm_free_pages(m, big, mm_max_order(m));
	big = mm_alloc_pages(m, GFP_KERNEL, mm_max_order(m));
	CHECK(mm_prefault_info(m, -1, &all) == 0 && all.pageblocks == 3);
	/* the look inside: a block handed out of an unpopulated pageblock */
	pb = pfn2 >> m->pageblock_order;
	__atomic_fetch_and(&m->prefault_bits[pb / BITS_PER_LONG], ~(1ul << (pb % BITS_PER_LONG)),
			   __ATOMIC_RELAXED);
	{
		char verr[512];

		CHECK(mm_validate(m, verr, sizeof(verr)) != 0);
		CHECK(strstr(verr, "never populated") != NULL);
	}
	__atomic_fetch_or(&m->prefault_bits[pb / BITS_PER_LONG], 1ul << (pb % BITS_PER_LONG),
			  __ATOMIC_RELAXED);
	CHECK_VALID(m);
	mm_free_pages(m, big, mm_max_order(m));
	mm_free_pages(m, p, 0);
	mm_free_pages(m, q, 0);
	mm_destroy(m);
}

static void test_boot(void)
{
	struct mm *m = mm_create("cpus=1 DMA=0 DMA32=16M NORMAL=16M prefault=boot", NULL, 0);
	struct mm_prefault_info pi;

	CHECK(m != NULL);
	CHECK(resident(m, 0, mm_nr_pages(m)) == mm_nr_pages(m));
	CHECK(mm_prefault_info(m, -1, &pi) == 0);
	CHECK(pi.mode == MM_PREFAULT_BOOT && pi.bytes == mm_nr_pages(m) * MM_PAGE_SIZE);
	CHECK(pi.pageblocks == mm_nr_pages(m) >> mm_pageblock_order(m) && pi.ns > 0);
	CHECK(mm_prefault_info(m, 0, &pi) == 0 && pi.pageblocks == 0);  /* all at boot */
	CHECK_VALID(m);
	mm_destroy(m);
}

/* Two CPUs allocating from one zone at once: each pageblock populated
 * once, by whichever CPU got there first, accounted to it. */
struct worker { struct mm *m; int cpu; struct page *pages[2048]; };

static void *worker(void *arg)
{
	struct worker *w = arg;

	if (mm_cpu_bind(w->m, w->cpu))
		return NULL;
	for (int i = 0; i < 2048; i++)
		w->pages[i] = mm_alloc_pages(w->m, GFP_KERNEL, 0);
	for (int i = 0; i < 2048; i++)
		mm_free_pages(w->m, w->pages[i], 0);
	mm_cpu_unbind(w->m);
	return NULL;
}

static void test_threads(void)
{
	struct mm *m = mm_create(SMALL " prefault=pageblock", NULL, 0);
	struct worker *w = calloc(2, sizeof(*w));
	struct mm_prefault_info all, c0, c1;
	pthread_t t[2];

	CHECK(m && w);
	for (int i = 0; i < 2; i++) {
		w[i].m = m;
		w[i].cpu = i;
		pthread_create(&t[i], NULL, worker, &w[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(mm_prefault_info(m, -1, &all) == 0 && mm_prefault_info(m, 0, &c0) == 0 &&
	      mm_prefault_info(m, 1, &c1) == 0);
	CHECK(all.pageblocks >= 4 && all.pageblocks == c0.pageblocks + c1.pageblocks);
	CHECK(resident(m, 0, mm_nr_pages(m)) ==
	      all.pageblocks << mm_pageblock_order(m));
	CHECK_VALID(m);
	free(w);
	mm_destroy(m);
}

int main(void)
{
	test_config();
	test_none();
	test_pageblock();
	test_boot();
	test_threads();
	return ctest_done("test_prefault");
}
