// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_fault.c - failure on purpose and corruption a program can assert on:
 * taint (kernel/panic.c: the bits, print_tainted()'s letters, the BUG
 * header before and after the first taint), panic_on_taint (the detecting
 * call fails with EFAULT, the machine goes on), fault injection with the
 * kernel's defaults and should_fail_ex()'s rules (lib/fault-inject.c,
 * mm/fail_page_alloc.c, mm/failslab.c), dump_page, and quiesce.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "ctest.h"

#define B (1ul << MM_TAINT_BAD_PAGE)
#define W (1ul << MM_TAINT_WARN)
/* print_tainted() with B set: 'G' (not P), 4 clear, 'B', 14 clear */
#define NOTAINT "Tainted: G    B              "

static long knob(struct mm *m, const char *name, const char *k)
{
	long v = -12345;

	CHECK(mm_fault_inject_read(m, name, k, &v) == 0);
	return v;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static unsigned long free_pages(struct mm *m)
{
	return (unsigned long)mm_vmstat_read(m, "nr_free_pages");
}

/* A write after free in a debug cache: the next allocation finds it
 * ("Poison overwritten"), the machine is tainted 'B'. */
static void test_taint_write_after_free(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M debug=FZPU");
	struct kmem_cache *c = mm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	char *a, *b, *t, *log;

	CHECK(mm_tainted(m) == 0);
	t = mm_report_text(m, "tainted");
	CHECK(t && !strcmp(t, "Not tainted\n"));
	mm_free_string(t);
	a = mm_kmem_cache_alloc(c, GFP_KERNEL);
	CHECK(a && mm_kmem_cache_free(c, a) == 0);
	ctest_poke(a, 8, 0x42);                       /* write after free */
	b = mm_kmem_cache_alloc(c, GFP_KERNEL); /* SLUB finds it, quarantines a */
	CHECK(b && b != a);
	CHECK(mm_tainted(m) == B);
	t = mm_report_text(m, "tainted");
	CHECK(t && !strcmp(t, NOTAINT "\n"));
	mm_free_string(t);
	/* the first BUG was printed before the taint, as the kernel does */
	log = mm_report_text(m, "dmesg");
	CHECK(strstr(log, "BUG victim (Not tainted): Poison overwritten"));
	mm_free_string(log);
	/* corrupt b's red zone: the free reports it, now with the taint */
	ctest_poke(b, 64, 0);
	CHECK(mm_kmem_cache_free(c, b) == -EFAULT);
	log = mm_report_text(m, "dmesg");
	CHECK(strstr(log, "BUG victim (" NOTAINT "): Right Redzone overwritten"));
	mm_free_string(log);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* panic_on_taint=0x20: the allocation that detects the corruption fails
 * with EFAULT; the machine stays usable. */
static void test_panic_on_taint(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M debug=FZPU panic_on_taint=0x20");
	struct kmem_cache *c = mm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	char *a, *b, *cfg, *log;
	unsigned long before;

	cfg = mm_config_string(m);
	CHECK(strstr(cfg, "panic_on_taint=0x20"));
	mm_free_string(cfg);
	a = mm_kmem_cache_alloc(c, GFP_KERNEL);
	CHECK(mm_kmem_cache_free(c, a) == 0);
	ctest_poke(a, 0, 0x42);
	CHECK(mm_kmem_cache_alloc(c, GFP_KERNEL) == NULL);     /* panics */
	CHECK(mm_last_errno(m) == EFAULT && strstr(mm_last_error(m), "panic_on_taint"));
	CHECK(mm_tainted(m) & B);
	log = mm_report_text(m, "dmesg");
	CHECK(strstr(log, "Kernel panic - not syncing: panic_on_taint set ..."));
	mm_free_string(log);
	/* still usable: the damaged object stays quarantined, the rest works */
	b = mm_kmem_cache_alloc(c, GFP_KERNEL);
	CHECK(b && b != a);
	CHECK(mm_kmem_cache_free(c, b) == 0);
	CHECK_VALID(m);
	/* a taint outside the mask does not fail the call that adds it */
	before = mm_tainted(m);
	CHECK(mm_kmalloc(m, (size_t)1 << 40, GFP_KERNEL) == NULL);
	CHECK(mm_last_errno(m) == ENOMEM);
	CHECK(mm_tainted(m) == (before | W));
	mm_destroy(m);
}

/* WARNs taint 'W'; refused page frees (bad_page) and validate failures 'B' */
static void test_taint_sources(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	struct page *p;
	int x;

	CHECK(mm_vfree(m, &x) == -EFAULT);               /* WARN: nonexistent area */
	CHECK(mm_tainted(m) == W);
	p = mm_alloc_pages(m, GFP_KERNEL, 1);
	CHECK(mm_free_pages(m, p, 1) == 0);
	CHECK(mm_free_pages(m, p, 1) == -EFAULT);        /* double free */
	CHECK(mm_tainted(m) == (W | B));
	mm_destroy(m);

	m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M panic_on_taint=200");
	CHECK(mm_kmalloc(m, (size_t)1 << 40, GFP_KERNEL) == NULL);  /* W in the mask */
	CHECK(mm_last_errno(m) == EFAULT);
	CHECK(mm_kmalloc(m, 64, GFP_KERNEL) != NULL);    /* next call is not failed */
	mm_destroy(m);
}

/* The kernel's defaults, read back; the knobs that do not exist */
static void test_fault_defaults(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	long v;

	/* FAULT_ATTR_INITIALIZER */
	CHECK(knob(m, "fail_page_alloc", "probability") == 0);
	CHECK(knob(m, "fail_page_alloc", "interval") == 1);
	CHECK(knob(m, "fail_page_alloc", "times") == 1);
	CHECK(knob(m, "fail_page_alloc", "space") == 0);
	CHECK(knob(m, "fail_page_alloc", "verbose") == 2);
	/* mm/fail_page_alloc.c */
	CHECK(knob(m, "fail_page_alloc", "ignore-gfp-wait") == 1);
	CHECK(knob(m, "fail_page_alloc", "ignore-gfp-highmem") == 1);
	CHECK(knob(m, "fail_page_alloc", "min-order") == 1);
	/* mm/failslab.c */
	CHECK(knob(m, "failslab", "probability") == 0);
	CHECK(knob(m, "failslab", "times") == 1);
	CHECK(knob(m, "failslab", "ignore-gfp-wait") == 1);
	CHECK(knob(m, "failslab", "cache_filter") == 0);
	CHECK(knob(m, "failslab", "injected") == 0);
	CHECK_ERR(m, mm_fault_inject_read(m, "failslab", "min-order", &v), EINVAL, "no knob");
	CHECK_ERR(m, mm_fault_inject(m, "fail_page_alloc", "cache-filter", 1), EINVAL, "no knob");
	CHECK_ERR(m, mm_fault_inject(m, "fail_nothing", "times", 1), EINVAL, "no fault injection");
	CHECK_ERR(m, mm_fault_inject(m, "failslab", "probability", -1), EINVAL, "out of range");
	CHECK_ERR(m, mm_fault_inject(m, "failslab", "cache-filter", 2), EINVAL, "out of range");
	mm_destroy(m);
}

/* fail_page_alloc=1,100,0,3 fails exactly the next three eligible
 * allocations; sleeping ones and order 0 are not eligible by default. */
static void test_fail_page_alloc_boot(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M fail_page_alloc=1,100,0,3");
	unsigned long start = free_pages(m);
	struct page *p[8];
	char *log, *cfg;
	int n = 0;

	CHECK(knob(m, "fail_page_alloc", "times") == 3);
	cfg = mm_config_string(m);
	CHECK(strstr(cfg, "fail_page_alloc=1,100,0,3"));
	mm_free_string(cfg);
	p[n++] = mm_alloc_pages(m, GFP_KERNEL, 1);      /* ignore-gfp-wait */
	p[n++] = mm_alloc_pages(m, GFP_ATOMIC, 0);      /* min-order 1 */
	p[n++] = mm_alloc_pages(m, GFP_ATOMIC | __GFP_NOFAIL, 2);  /* never failed */
	for (int i = 0; i < n; i++)
		CHECK(p[i] != NULL);
	for (int i = 0; i < 3; i++) {
		CHECK(mm_alloc_pages(m, GFP_ATOMIC, 1) == NULL);
		CHECK(mm_last_errno(m) == ENOMEM && mm_last_fault_injected(m) == 1);
	}
	p[n++] = mm_alloc_pages(m, GFP_ATOMIC, 1);      /* times ran out */
	CHECK(p[n - 1] != NULL);
	CHECK(knob(m, "fail_page_alloc", "times") == 0);
	CHECK(knob(m, "fail_page_alloc", "injected") == 3);
	log = mm_report_text(m, "dmesg");
	CHECK(count(log, "FAULT_INJECTION: forcing a failure.") == 3);
	CHECK(strstr(log, "name fail_page_alloc, interval 1, probability 100, space 0, times 3"));
	CHECK(strstr(log, "name fail_page_alloc, interval 1, probability 100, space 0, times 1"));
	CHECK(count(log, "Call Trace:") == 3);          /* verbose 2: dump_stack() */
	CHECK(!strstr(log, "page allocation failure"));  /* no warn_alloc() */
	mm_free_string(log);
	CHECK(mm_vmstat_read(m, "pgalloc_fail") == 0);  /* not a real failure */
	CHECK_VALID(m);
	CHECK(mm_free_pages(m, p[0], 1) == 0 && mm_free_pages(m, p[1], 0) == 0);
	CHECK(mm_free_pages(m, p[2], 2) == 0 && mm_free_pages(m, p[3], 1) == 0);
	CHECK(mm_quiesce(m) == 0);
	CHECK(free_pages(m) == start);
	mm_destroy(m);
}

/* space, interval, verbose, __GFP_NOWARN, min-order 0 (the fast path
 * steps aside), ignore-gfp-wait/highmem off, times -1 */
static void test_fail_page_alloc_knobs(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	struct page *p;
	char *log;
	int fails = 0;

	CHECK(mm_fault_inject(m, "fail_page_alloc", "probability", 100) == 0);
	CHECK(mm_fault_inject(m, "fail_page_alloc", "times", -1) == 0);
	CHECK(mm_fault_inject(m, "fail_page_alloc", "verbose", 0) == 0);
	/* space 8, order 1 (size 2): 8 > 2, 6 > 2, 4 > 2 pass, then 2 > 2 fails */
	CHECK(mm_fault_inject(m, "fail_page_alloc", "space", 8) == 0);
	for (int i = 0; i < 3; i++) {
		CHECK((p = mm_alloc_pages(m, GFP_ATOMIC, 1)) != NULL);
		mm_free_pages(m, p, 1);
	}
	CHECK(mm_alloc_pages(m, GFP_ATOMIC, 1) == NULL && mm_last_fault_injected(m));
	CHECK(knob(m, "fail_page_alloc", "space") == 2);
	/* interval 3: every third eligible call */
	CHECK(mm_fault_inject(m, "fail_page_alloc", "space", 0) == 0);
	CHECK(mm_fault_inject(m, "fail_page_alloc", "interval", 3) == 0);
	for (int i = 1; i <= 9; i++) {
		p = mm_alloc_pages(m, GFP_ATOMIC, 1);
		CHECK((p == NULL) == (i % 3 == 0));
		if (p)
			mm_free_pages(m, p, 1);
	}
	CHECK(mm_fault_inject(m, "fail_page_alloc", "interval", 1) == 0);
	/* verbose 1 without a stack; __GFP_NOWARN silences it */
	CHECK(mm_fault_inject(m, "fail_page_alloc", "verbose", 1) == 0);
	CHECK(mm_alloc_pages(m, GFP_ATOMIC, 1) == NULL);
	CHECK(mm_alloc_pages(m, GFP_ATOMIC | __GFP_NOWARN, 1) == NULL);
	log = mm_report_text(m, "dmesg");
	CHECK(count(log, "FAULT_INJECTION: forcing a failure.") == 1);
	CHECK(!strstr(log, "Call Trace:"));
	mm_free_string(log);
	/* min-order 0: order-0 requests too, fast path or not */
	CHECK(mm_fault_inject(m, "fail_page_alloc", "min-order", 0) == 0);
	CHECK(mm_alloc_pages(m, GFP_ATOMIC, 0) == NULL && mm_last_fault_injected(m));
	CHECK(mm_alloc_pages(m, GFP_KERNEL, 0) != NULL);        /* still sleeping */
	CHECK(mm_fault_inject(m, "fail_page_alloc", "ignore-gfp-wait", 0) == 0);
	CHECK(mm_alloc_pages(m, GFP_KERNEL, 0) == NULL);
	CHECK(mm_alloc_pages(m, GFP_HIGHUSER, 0) != NULL);      /* ignore-gfp-highmem */
	CHECK(mm_fault_inject(m, "fail_page_alloc", "ignore_gfp_highmem", 0) == 0);
	CHECK(mm_alloc_pages(m, GFP_HIGHUSER, 0) == NULL);
	/* probability 0 turns it off and the fast path comes back */
	CHECK(mm_fault_inject(m, "fail_page_alloc", "probability", 0) == 0);
	CHECK(mm_alloc_pages(m, GFP_KERNEL, 0) != NULL);
	/* probability 50 over 2000 calls */
	CHECK(mm_fault_inject(m, "fail_page_alloc", "probability", 50) == 0);
	for (int i = 0; i < 2000; i++) {
		p = mm_alloc_pages(m, GFP_ATOMIC, 0);
		if (p)
			mm_free_pages(m, p, 0);
		else
			fails++;
	}
	CHECK(fails > 850 && fails < 1150);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* Free the order-0 pages of an array and empty its slots. */
static void free_array(struct mm *m, struct page **p, int n)
{
	for (int i = 0; i < n; i++) {
		if (p[i])
			CHECK(mm_free_pages(m, p[i], 0) == 0);
		p[i] = NULL;
	}
}

/* alloc_pages_bulk asks fail_page_alloc where alloc_pages_bulk_noprof()'s
 * prepare_alloc_pages() does - an injected failure adds no page ("goto
 * out": the slots already filled are the answer) - and its single-page
 * way (one slot left) asks again through __alloc_pages().  Order 0: only
 * with min-order 0; sleeping requests only with ignore-gfp-wait 0.
 * vmalloc (vm_area_alloc_pages()) goes on page by page after a short bulk
 * call, so with times 1 it succeeds past the one injected failure. */
static void test_fail_page_alloc_bulk(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	unsigned long start = free_pages(m);
	struct page *p[16] = { 0 };
	void *v;

	mm_fault_inject(m, "fail_page_alloc", "probability", 100);
	mm_fault_inject(m, "fail_page_alloc", "times", -1);
	mm_fault_inject(m, "fail_page_alloc", "verbose", 0);
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_ATOMIC, 16, p) == 16);     /* min-order 1 */
	free_array(m, p, 16);
	mm_fault_inject(m, "fail_page_alloc", "min-order", 0);
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_KERNEL, 16, p) == 16);     /* ignore-gfp-wait */
	free_array(m, p, 16);
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_ATOMIC, 16, p) == 0);
	CHECK(mm_last_errno(m) == ENOMEM && mm_last_fault_injected(m) && !p[0]);
	CHECK(knob(m, "fail_page_alloc", "injected") == 1);
	CHECK((p[0] = mm_alloc_pages(m, GFP_KERNEL, 0)) != NULL);
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_ATOMIC, 16, p) == 1 && !p[1]);
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_ATOMIC, 2, p) == 1 && !p[1]);  /* __alloc_pages */
	CHECK(mm_last_fault_injected(m) && knob(m, "fail_page_alloc", "injected") == 3);
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_ATOMIC | __GFP_NOFAIL, 16, p) == 16);
	free_array(m, p, 16);
	mm_fault_inject(m, "fail_page_alloc", "times", 1);
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_ATOMIC, 16, p) == 0 && mm_last_fault_injected(m));
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_ATOMIC, 16, p) == 16);     /* times ran out */
	free_array(m, p, 16);
	mm_fault_inject(m, "fail_page_alloc", "ignore-gfp-wait", 0);
	mm_fault_inject(m, "fail_page_alloc", "times", 1);
	CHECK((v = mm_vmalloc(m, 64 << 10)) != NULL);
	CHECK(knob(m, "fail_page_alloc", "injected") == 5 && knob(m, "fail_page_alloc", "times") == 0);
	CHECK(mm_vfree(m, v) == 0);
	CHECK(mm_vmstat_read(m, "pgalloc_fail") == 0);
	CHECK(mm_quiesce(m) == 0);
	CHECK(free_pages(m) == start);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* The draws follow the machine's seed. */
static void fail_pattern(const char *cfg, char *out, int n)
{
	struct mm *m = ctest_machine(cfg);

	mm_fault_inject(m, "fail_page_alloc", "probability", 30);
	mm_fault_inject(m, "fail_page_alloc", "times", -1);
	mm_fault_inject(m, "fail_page_alloc", "verbose", 0);
	for (int i = 0; i < n; i++) {
		struct page *p = mm_alloc_pages(m, GFP_ATOMIC, 2);

		out[i] = p ? '.' : 'x';
		if (p)
			mm_free_pages(m, p, 2);
	}
	out[n] = '\0';
	mm_destroy(m);
}

static void test_fault_deterministic(void)
{
	char a[201], b[201], c[201];

	fail_pattern("cpus=1 DMA=0 DMA32=0 NORMAL=64M seed=7", a, 200);
	fail_pattern("cpus=1 DMA=0 DMA32=0 NORMAL=64M seed=7", b, 200);
	fail_pattern("cpus=1 DMA=0 DMA32=0 NORMAL=64M seed=8", c, 200);
	CHECK(!strcmp(a, b));
	CHECK(strcmp(a, c));
	CHECK(strchr(a, 'x') && strchr(a, '.'));
}

/* failslab: kmalloc and caches; the slab fast paths step aside; one
 * should_failslab() per bulk call; cache-filter with SLAB_FAILSLAB. */
static void test_failslab(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M failslab=1,100,0,2");
	struct kmem_cache *c, *d, *e;
	unsigned long start;
	void *p[16], *q;

	c = mm_kmem_cache_create(m, "plain", 136, 0, 0, NULL);     /* no kmalloc-136 */
	CHECK(mm_quiesce(m) == 0);
	start = free_pages(m);
	q = mm_kmalloc(m, 64, GFP_KERNEL);              /* ignore-gfp-wait */
	CHECK(q != NULL);
	mm_kfree(m, q);
	CHECK(mm_kmalloc(m, 64, GFP_ATOMIC) == NULL);   /* fast path stepped aside */
	CHECK(mm_last_errno(m) == ENOMEM && mm_last_fault_injected(m));
	CHECK(mm_kmem_cache_alloc(c, GFP_ATOMIC) == NULL);
	CHECK((q = mm_kmem_cache_alloc(c, GFP_ATOMIC)) != NULL);        /* times 0 */
	CHECK(knob(m, "failslab", "injected") == 2);
	mm_kmem_cache_free(c, q);
	/* bulk: one should_failslab() for the call */
	CHECK(mm_fault_inject(m, "failslab", "times", 1) == 0);
	CHECK(mm_kmem_cache_alloc_bulk(c, GFP_ATOMIC, 16, p) == 0);
	CHECK(mm_kmem_cache_alloc_bulk(c, GFP_ATOMIC, 16, p) == 16);
	mm_kmem_cache_free_bulk(c, 16, p);
	/* __GFP_NOFAIL is never failed */
	CHECK(mm_fault_inject(m, "failslab", "times", -1) == 0);
	CHECK((q = mm_kmalloc(m, 64, GFP_ATOMIC | __GFP_NOFAIL)) != NULL);
	mm_kfree(m, q);
	/* cache-filter: only caches with SLAB_FAILSLAB fail */
	CHECK(mm_fault_inject(m, "failslab", "cache-filter", 1) == 0);
	d = mm_kmem_cache_create(m, "opted", 136, 0, SLAB_FAILSLAB, NULL);
	CHECK((q = mm_kmem_cache_alloc(c, GFP_ATOMIC)) != NULL);
	mm_kmem_cache_free(c, q);
	CHECK(mm_kmem_cache_alloc(d, GFP_ATOMIC) == NULL);
	CHECK(mm_kmem_cache_set_failslab(c, 1) == 0);           /* sysfs opt-in */
	CHECK(mm_kmem_cache_alloc(c, GFP_ATOMIC) == NULL);
	CHECK(mm_kmem_cache_set_failslab(c, 0) == 0);
	CHECK((q = mm_kmem_cache_alloc(c, GFP_ATOMIC)) != NULL);
	mm_kmem_cache_free(c, q);
	e = mm_kmem_cache_create(m, "merged", 132, 0, 0, NULL);  /* merges into plain */
	CHECK(e == c);
	CHECK_ERR(m, mm_kmem_cache_set_failslab(c, 1), EINVAL, "merged");
	CHECK(mm_kmem_cache_destroy(e) == 0);
	CHECK(mm_fault_inject(m, "failslab", "probability", 0) == 0);
	CHECK(mm_kmem_cache_destroy(d) == 0 && mm_kmem_cache_destroy(c) == 0);
	CHECK_VALID(m);
	CHECK(mm_quiesce(m) == 0);
	CHECK(free_pages(m) == start);
	mm_destroy(m);
}

/* An injected page failure beneath kmalloc and vmalloc stays injected. */
static void test_injected_beneath(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	void *v;

	mm_fault_inject(m, "fail_page_alloc", "probability", 100);
	mm_fault_inject(m, "fail_page_alloc", "times", -1);
	mm_fault_inject(m, "fail_page_alloc", "verbose", 0);
	mm_fault_inject(m, "fail_page_alloc", "min-order", 0);
	CHECK(mm_kmalloc(m, 64 << 10, GFP_ATOMIC) == NULL);     /* large kmalloc */
	CHECK(mm_last_fault_injected(m));
	CHECK(mm_kmalloc(m, 512, GFP_ATOMIC) == NULL);          /* a new slab */
	CHECK(mm_last_fault_injected(m));
	mm_fault_inject(m, "fail_page_alloc", "ignore-gfp-wait", 0);
	CHECK(mm_vmalloc(m, 64 << 10) == NULL);
	CHECK(mm_last_errno(m) == ENOMEM && mm_last_fault_injected(m));
	mm_fault_inject(m, "fail_page_alloc", "probability", 0);
	CHECK((v = mm_vmalloc(m, 64 << 10)) != NULL);
	CHECK(mm_vfree(m, v) == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* dump_page(): free, per-CPU, allocated, compound tails, slab pages */
static void test_page_info(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	struct mm_page_info pi;
	struct page *p = mm_alloc_pages(m, GFP_KERNEL | __GFP_COMP, 4);
	unsigned long pfn = mm_page_to_pfn(m, p);
	void *obj = mm_kmalloc(m, 256, GFP_KERNEL);
	char *dump;

	CHECK(mm_page_info(m, pfn, &pi) == 0);
	CHECK(pi.state == MM_PAGE_ALLOCATED && pi.order == 4 && pi.head_pfn == pfn);
	CHECK(pi.refcount == 1 && pi.compound && !pi.slab && pi.zone_idx == MM_ZONE_NORMAL);
	CHECK(mm_page_info(m, pfn + 3, &pi) == 0);
	CHECK(pi.state == MM_PAGE_ALLOCATED && pi.head_pfn == pfn && pi.refcount == 0);
	dump = mm_dump_page(m, pfn);
	CHECK(strstr(dump, "page: refcount:1 mapcount:0") && strstr(dump, "head: order:4"));
	CHECK(strstr(dump, "flags: ") && strstr(dump, "(head|node=0|zone=2)"));
	mm_free_string(dump);
	mm_free_pages(m, p, 4);
	CHECK(mm_page_info(m, pfn, &pi) == 0 && pi.state == MM_PAGE_BUDDY);   /* order 4: no pcp */
	p = mm_alloc_pages(m, GFP_KERNEL, 0);
	pfn = mm_page_to_pfn(m, p);
	mm_free_pages(m, p, 0);
	CHECK(mm_page_info(m, pfn, &pi) == 0 && pi.state == MM_PAGE_PCP && pi.order == 0);
	CHECK(pi.migratetype == MM_MIGRATE_UNMOVABLE);
	pfn = (unsigned long)((char *)obj - (char *)mm_direct_map_base(m)) >> MM_PAGE_SHIFT;
	CHECK(mm_page_info(m, pfn, &pi) == 0 && pi.slab && !strcmp(pi.cache, "kmalloc-256"));
	dump = mm_dump_page(m, pfn);
	CHECK(strstr(dump, "cache kmalloc-256"));
	mm_free_string(dump);
	mm_kfree(m, obj);
	CHECK_ERR(m, mm_page_info(m, mm_nr_pages(m), &pi), EINVAL, "outside the machine");
	CHECK(mm_dump_page(m, mm_nr_pages(m)) == NULL);
	CHECK_ERR(m, mm_page_info(m, 0, NULL), EINVAL, "no place");
	mm_destroy(m);
}

/* quiesce: everything back to the quiet state, sheaves and vmalloc too,
 * and the per-CPU lists whatever their auto-tuned high (6.7+: 0 until a
 * list is used, raised by runs of frees, decayed by the vmstat tick) */
static void test_quiesce(void)
{
	struct mm *m = ctest_machine("cpus=2 DMA=0 DMA32=0 NORMAL=64M slub_sheaves=1");
	unsigned long start = free_pages(m);
	struct page *pages[500] = { 0 };
	struct mm_pcp_info pcp;
	void *objs[300], *v;

	for (int i = 0; i < 300; i++)
		objs[i] = mm_kmalloc(m, 32 + i, GFP_KERNEL);
	v = mm_vmalloc(m, 1 << 20);
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_KERNEL, 500, pages) == 500);
	mm_cpu_bind(m, 1);
	for (int i = 0; i < 300; i++)
		mm_kfree(m, objs[i]);              /* into CPU 1's sheaves */
	mm_vfree(m, v);
	free_array(m, pages, 500);          /* a run of frees: CPU 1's high grows */
	CHECK(mm_pcp_info(m, 1, 0, MM_ZONE_NORMAL, &pcp) == 0 && pcp.count > 0);
	CHECK(mm_tick(m, 3) == 0);
	CHECK(free_pages(m) < start);
	CHECK(mm_quiesce(m) == 0);
	CHECK(free_pages(m) == start);
	CHECK_VALID(m);
	mm_cpu_unbind(m);
	CHECK_ERR(m, mm_quiesce(m), EINVAL, "not bound");
	mm_destroy(m);
}

int main(void)
{
	test_taint_write_after_free();
	test_panic_on_taint();
	test_taint_sources();
	test_fault_defaults();
	test_fail_page_alloc_boot();
	test_fail_page_alloc_knobs();
	test_fail_page_alloc_bulk();
	test_fault_deterministic();
	test_failslab();
	test_injected_beneath();
	test_page_info();
	test_quiesce();
	return ctest_done("test_fault");
}
