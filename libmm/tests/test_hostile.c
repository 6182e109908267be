// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_hostile.c - input that used to break libmm, each refused (or
 * survived) now: NULL machine, cache and out pointers at every slab and
 * vmalloc entry point; kmalloc sizes above 2^63 (kmalloc_large's loop);
 * impossible kmalloc GFP; ksize/krealloc of inside and freed pointers;
 * kzalloc/__GFP_ZERO/init_on_alloc over the kmalloc red zone with debug=1;
 * a report callback that calls back into libmm (under the slab's locks
 * too); a constructor that destroys its machine or cache; duplicate config
 * keys, zone sizes whose sum wraps, commas in values; cpu_to_node(bad);
 * validate() of a huge backing=none machine reading only what was touched;
 * validate() and fault injection knobs changing beside allocating threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "ctest.h"

static void refused(const char *cfg, const char *why)
{
	char err[256] = "";
	struct mm *m = mm_create(cfg, err, sizeof(err));

	CHECK(m == NULL);
	if (!strstr(err, why))
		fprintf(stderr, "mm_create(%s): '%s' lacks '%s'\n", cfg, err, why);
	CHECK(strstr(err, why) != NULL);
	mm_destroy(m);
}

static void test_null_pointers(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	struct kmem_cache *c = mm_kmem_cache_create(m, "c", 64, 0, 0, NULL);
	void *p[2], *x = mm_kmem_cache_alloc(c, GFP_KERNEL);
	long v;

	/* slab: NULL cache */
	CHECK(mm_kmem_cache_alloc(NULL, GFP_KERNEL) == NULL);
	CHECK(mm_kmem_cache_free(NULL, x) == -EINVAL);
	CHECK(mm_kmem_cache_alloc_bulk(NULL, GFP_KERNEL, 2, p) == 0);
	CHECK(mm_kmem_cache_free_bulk(NULL, 2, p) == -EINVAL);
	CHECK(mm_kmem_cache_shrink(NULL) == -EINVAL);
	CHECK(mm_kmem_cache_destroy(NULL) == 0);
	CHECK(mm_kmem_cache_validate(NULL) == -EINVAL);
	CHECK(mm_kmem_cache_machine(NULL) == NULL && mm_kmem_cache_name(NULL) == NULL);
	CHECK(mm_kmem_cache_object_size(NULL) == 0 && mm_kmem_cache_size(NULL) == 0);
	CHECK(mm_kmem_cache_align(NULL) == 0 && mm_kmem_cache_objects_per_slab(NULL) == 0);
	CHECK(mm_kmem_cache_order(NULL) == 0 && mm_kmem_cache_offset(NULL) == 0);
	CHECK(mm_kmem_cache_flags(NULL) == 0 && mm_kmem_cache_refcount(NULL) == 0);
	CHECK(mm_kmem_cache_sheaf_capacity(NULL) == 0 && mm_kmem_cache_stat(NULL, "x") == -1);
	CHECK(mm_kmem_cache_stat(c, NULL) == -1);
	CHECK(mm_kmem_cache_set_failslab(NULL, 1) == -EINVAL);
	CHECK(mm_kmem_cache_remote_node_defrag_ratio(NULL, 50) == -EINVAL);
	/* slab: NULL arrays */
	CHECK(mm_kmem_cache_alloc_bulk(c, GFP_KERNEL, 2, NULL) == 0);
	CHECK(mm_last_errno(m) == EINVAL && strstr(mm_last_error(m), "no array"));
	CHECK_ERR(m, mm_kmem_cache_free_bulk(c, 2, NULL), EINVAL, "no array");
	/* slab and kmalloc: NULL machine */
	CHECK(mm_kmem_cache_create(NULL, "c", 64, 0, 0, NULL) == NULL);
	CHECK(mm_kmem_cache_find(NULL, "c") == NULL && mm_kmem_cache_find(m, NULL) == NULL);
	CHECK(mm_kmalloc(NULL, 64, GFP_KERNEL) == NULL && mm_kzalloc(NULL, 64, GFP_KERNEL) == NULL);
	CHECK(mm_kcalloc(NULL, 2, 64, GFP_KERNEL) == NULL);
	CHECK(mm_kmalloc_array(NULL, 2, 64, GFP_KERNEL) == NULL);
	CHECK(mm_krealloc(NULL, x, 128, GFP_KERNEL) == NULL);
	CHECK(mm_kfree(NULL, x) == -EINVAL && mm_ksize(NULL, x) == 0);
	CHECK(mm_kmemdup(NULL, "ab", 2, GFP_KERNEL) == NULL);
	CHECK(mm_kstrdup(NULL, "ab", GFP_KERNEL) == NULL);
	CHECK(mm_kmalloc_cache(NULL, 64, GFP_KERNEL) == NULL);
	CHECK(mm_kmalloc_size_roundup(NULL, 64) == 0 && mm_slab_errors(NULL) == 0);
	CHECK(mm_kmemdup(m, NULL, 8, GFP_KERNEL) == NULL && mm_last_errno(m) == EINVAL);
	CHECK(mm_kmemdup(m, NULL, 0, GFP_KERNEL) == (void *)MM_ZERO_SIZE_PTR_ADDR);
	/* vmalloc: NULL machine, NULL arrays and outs */
	CHECK(mm_vmalloc(NULL, 4096) == NULL && mm_vzalloc(NULL, 4096) == NULL);
	CHECK(mm_vmalloc_node(NULL, 4096, 0) == NULL && mm_vzalloc_node(NULL, 4096, 0) == NULL);
	CHECK(mm_vmalloc_32(NULL, 4096) == NULL && mm___vmalloc(NULL, 4096, GFP_KERNEL) == NULL);
	CHECK(mm___vmalloc_node(NULL, 4096, 1, GFP_KERNEL, -1) == NULL);
	CHECK(mm_vfree(NULL, x) == -EINVAL && mm_vunmap(NULL, x) == -EINVAL);
	CHECK(mm_vmap(NULL, NULL, 1) == NULL && mm_vmalloc_to_page(NULL, x) == NULL);
	CHECK(mm_vmalloc_to_pfn(NULL, x) == MM_PFN_INVALID && mm_is_vmalloc_addr(NULL, x) == 0);
	CHECK(mm_find_vm_area(NULL, x, NULL) == -ENOENT);
	CHECK(mm_vmalloc_start(NULL) == 0 && mm_vmalloc_end(NULL) == 0);
	mm_vm_unmap_aliases(NULL);
	CHECK(mm_vmap(m, NULL, 1) == NULL && mm_last_errno(m) == EINVAL);
	/* debug.h, and the page allocator's outs */
	CHECK(mm_tainted(NULL) == 0 && mm_fault_inject(NULL, "failslab", "times", 1) == -EINVAL);
	CHECK(mm_fault_inject_read(m, "failslab", "times", NULL) == -EINVAL);
	CHECK(mm_fault_inject_read(NULL, "failslab", "times", &v) == -EINVAL);
	CHECK(mm_fault_inject(m, NULL, "times", 1) == -EINVAL);
	CHECK(mm_fault_inject(m, "failslab", NULL, 1) == -EINVAL);
	CHECK(mm_last_fault_injected(NULL) == 0 && mm_page_info(NULL, 0, NULL) == -EINVAL);
	CHECK(mm_dump_page(NULL, 0) == NULL && mm_quiesce(NULL) == -EINVAL);
	CHECK(mm_zone_info(m, 0, MM_ZONE_NORMAL, NULL) == -EINVAL);
	CHECK(mm_pcp_info(m, 0, 0, MM_ZONE_NORMAL, NULL) == -EINVAL);
	CHECK(mm_alloc_pages_bulk(NULL, -1, GFP_KERNEL, 2, (struct page **)p) == 0);
	CHECK(mm_alloc_pages_bulk(m, -1, GFP_KERNEL, 2, NULL) == 0 && mm_last_errno(m) == EINVAL);
	CHECK(mm_tick(NULL, 1) == -EINVAL);
	CHECK(mm_gfp_parse("GFP_KERNEL", NULL, NULL, 0) == -EINVAL);
	CHECK(mm_gfp_format(GFP_KERNEL, NULL, 0) > 0 && mm_vmstat_read(m, NULL) == -1);
	CHECK(mm_kmem_cache_free(c, x) == 0 && mm_kmem_cache_destroy(c) == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* sizes above 2^63: refused at once (kmalloc_large's loop never ends) */
static void test_huge_sizes(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	size_t huge = ((size_t)1 << 63) + 1, sizes[] = { huge, SIZE_MAX, (size_t)1 << 63 };
	void *p = mm_kmalloc(m, 100, GFP_KERNEL);

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CHECK(mm_kmalloc(m, sizes[i], GFP_KERNEL) == NULL && mm_last_errno(m) == ENOMEM);
		CHECK(mm_kzalloc(m, sizes[i], GFP_KERNEL) == NULL);
		CHECK(mm_kmalloc(m, sizes[i], GFP_ATOMIC | __GFP_DMA) == NULL);
		CHECK(mm_krealloc(m, p, sizes[i], GFP_KERNEL) == NULL);
		CHECK(mm_kmalloc_size_roundup(m, sizes[i]) == sizes[i]);
	}
	CHECK(mm_kcalloc(m, 1, huge, GFP_KERNEL) == NULL);
	CHECK(mm_kmalloc_array(m, 2, (size_t)1 << 62, GFP_KERNEL) == NULL);
	CHECK(mm_kcalloc(m, 5, (size_t)1 << 62, GFP_KERNEL) == NULL && mm_last_errno(m) == EOVERFLOW);
	CHECK(mm_tainted(m) == (1ul << MM_TAINT_WARN));         /* the kernel's WARN */
	CHECK(mm_ksize(m, p) == 128);                           /* p survived */
	CHECK(mm_kfree(m, p) == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* impossible zone-modifier or mobility combinations: what alloc_pages
 * refuses, kmalloc refuses (before and after a cache would be picked) */
static void test_bad_gfp(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=16M DMA32=64M NORMAL=64M");
	gfp_t bad[] = { __GFP_DMA | __GFP_HIGHMEM, __GFP_HIGHMEM | __GFP_DMA32,
			__GFP_DMA | __GFP_DMA32, __GFP_MOVABLE | __GFP_RECLAIMABLE,
			GFP_KERNEL | __GFP_DMA32 | __GFP_HIGHMEM | __GFP_MOVABLE };
	void *p = mm_kmalloc(m, 64, GFP_KERNEL), *q;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gfp_t g = GFP_KERNEL | bad[i];

		CHECK(mm_alloc_pages(m, g, 0) == NULL && mm_last_errno(m) == EINVAL);
		CHECK(mm_kmalloc(m, 64, g) == NULL);
		CHECK(mm_last_errno(m) == EINVAL && strstr(mm_last_error(m), "impossible"));
		CHECK(mm_kmalloc(m, 64 << 10, g) == NULL && mm_last_errno(m) == EINVAL);
		CHECK(mm_kzalloc(m, 24, g) == NULL && mm_krealloc(m, p, 32, g) == NULL);
		CHECK(mm_last_errno(m) == EINVAL);
		CHECK(mm_kmalloc_cache(m, 64, g) == NULL);
	}
	/* the legal ones still work: DMA, DMA32, HIGHMEM, HIGHUSER_MOVABLE */
	CHECK((q = mm_kmalloc(m, 64, GFP_KERNEL | __GFP_DMA)) != NULL && mm_kfree(m, q) == 0);
	CHECK((q = mm_kmalloc(m, 64, GFP_HIGHUSER_MOVABLE)) != NULL && mm_kfree(m, q) == 0);
	CHECK((q = mm_kmalloc(m, 64, GFP_KERNEL | __GFP_RECLAIMABLE)) != NULL && mm_kfree(m, q) == 0);
	CHECK(mm_kfree(m, p) == 0);
	CHECK(mm_tainted(m) == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* ksize/krealloc: an object start, and (ksize) not a free object */
static void inside_and_freed(const char *cfg)
{
	struct mm *m = ctest_machine(cfg);
	char *p = mm_kmalloc(m, 100, GFP_KERNEL), *q;

	CHECK(mm_ksize(m, p) >= 100);
	CHECK(mm_ksize(m, p + 8) == 0 && mm_last_errno(m) == EFAULT);
	CHECK(strstr(mm_last_error(m), "Invalid object pointer"));
	CHECK(mm_krealloc(m, p + 8, 200, GFP_KERNEL) == NULL && mm_last_errno(m) == EFAULT);
	CHECK(mm_krealloc(m, p + 8, 50, GFP_KERNEL) == NULL && mm_last_errno(m) == EFAULT);
	CHECK(mm_kfree(m, p + 8) == -EFAULT);
	q = mm_krealloc(m, p, 50, GFP_KERNEL);          /* p itself is fine */
	CHECK(q == p);
	CHECK(mm_kfree(m, p) == 0);
	CHECK(mm_ksize(m, p) == 0 && mm_last_errno(m) == EFAULT);
	CHECK(strstr(mm_last_error(m), "is free"));
	/* large kmalloc: inside pointers refused as before */
	p = mm_kmalloc(m, 64 << 10, GFP_KERNEL);
	CHECK(mm_ksize(m, p) == 64 << 10 && mm_ksize(m, p + 4096) == 0);
	CHECK(mm_krealloc(m, p + 4096, 10, GFP_KERNEL) == NULL && mm_kfree(m, p) == 0);
	CHECK(mm_tainted(m) & (1ul << MM_TAINT_BAD_PAGE));
	CHECK_VALID(m);
	mm_destroy(m);
}

static void test_inside_and_freed(void)
{
	inside_and_freed("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	inside_and_freed("cpus=1 DMA=0 DMA32=0 NORMAL=64M slub_sheaves=1");
	inside_and_freed("cpus=1 DMA=0 DMA32=0 NORMAL=64M debug=1");
}

/* debug=1: zeroing stops at the requested size; the kmalloc red zone
 * [orig_size, object_size) stays painted, validate() stays clean */
static void test_zeroing_red_zone(void)
{
	const char *cfgs[] = { "cpus=1 DMA=0 DMA32=0 NORMAL=64M debug=1",
			       "cpus=1 DMA=0 DMA32=0 NORMAL=64M debug=1 init_on_alloc=1" };

	for (int k = 0; k < 2; k++) {
		struct mm *m = ctest_machine(cfgs[k]);
		unsigned char *a = mm_kzalloc(m, 184, GFP_KERNEL);
		unsigned char *b = mm_kmalloc(m, 100, GFP_KERNEL | __GFP_ZERO);
		unsigned char *c = mm_kcalloc(m, 3, 33, GFP_KERNEL);
		unsigned char *d = mm_kmalloc(m, 70, GFP_KERNEL);
		int zero = 1;

		for (int i = 0; i < 184; i++)
			zero &= a[i] == 0;
		CHECK(zero);
		CHECK(a[184] == 0xcc && b[100] == 0xcc && c[99] == 0xcc);
		d = mm_krealloc(m, d, 40, GFP_KERNEL | __GFP_ZERO);     /* shrink in place */
		CHECK(d && d[40] == 0xcc);
		CHECK_VALID(m);
		CHECK(mm_kfree(m, a) == 0 && mm_kfree(m, b) == 0 && mm_kfree(m, c) == 0);
		CHECK(mm_kfree(m, d) == 0);
		CHECK(mm_slab_errors(m) == 0 && mm_tainted(m) == 0);
		CHECK_VALID(m);
		mm_destroy(m);
	}
}

/* A report callback calls back into libmm - from a page allocation
 * failure, a refused free, and a slab BUG found under n->list_lock. */
struct cb_state {
	struct mm *m;
	struct kmem_cache *c;
	int calls, reentered, depth;
};

static void callback(void *arg, const char *text)
{
	struct cb_state *st = arg;
	void *p;
	char *t;

	(void)text;
	st->calls++;
	if (st->depth)
		return;
	st->depth++;
	p = mm_kmalloc(st->m, 64, GFP_KERNEL | __GFP_NOWARN);
	mm_kfree(st->m, p);
	if (st->c) {                    /* the cache whose report this is */
		p = mm_kmem_cache_alloc(st->c, GFP_KERNEL);
		mm_kmem_cache_free(st->c, p);
	}
	t = mm_report_text(st->m, "slabinfo");
	mm_free_string(t);
	mm_validate(st->m, NULL, 0);
	st->reentered++;
	st->depth--;
}

static void test_reentrant_callback(void)
{
	struct mm *m = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=8M debug=FZPU,victim");
	struct cb_state st = { .m = m };
	struct page *pages[64];
	int n = 0;
	char *a, *b;

	mm_set_report_callback(m, callback, &st);
	while (n < 64 && (pages[n] = mm_alloc_pages(m, GFP_KERNEL, 8)))   /* failure warns */
		n++;
	CHECK(n < 64 && st.reentered >= 1);
	while (n--)
		mm_free_pages(m, pages[n], 8);
	CHECK(mm_kfree(m, &st) == -EFAULT && st.reentered >= 2);         /* refused */
	st.c = mm_kmem_cache_create(m, "victim", 64, 0, 0, NULL);
	a = mm_kmem_cache_alloc(st.c, GFP_KERNEL);
	mm_kmem_cache_free(st.c, a);
	ctest_poke(a, 3, 0x11);
	st.reentered = 0;
	b = mm_kmem_cache_alloc(st.c, GFP_KERNEL);        /* BUG under list_lock */
	CHECK(b && st.reentered >= 1);
	mm_set_report_callback(m, NULL, NULL);
	CHECK(mm_kmem_cache_free(st.c, b) == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* A constructor that destroys its machine or its cache: refused. */
static struct mm *ctor_machine;
static struct kmem_cache *ctor_cache;
static int ctor_calls;

static void bad_ctor(void *obj)
{
	ctor_calls++;
	memset(obj, 0x5a, 8);
	mm_destroy(ctor_machine);
	CHECK(mm_kmem_cache_destroy(ctor_cache) == -EBUSY);
}

static void test_ctor_destroys(void)
{
	struct mm *m = ctor_machine = ctest_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	unsigned char *o;
	char *log;

	ctor_cache = mm_kmem_cache_create(m, "ctored", 64, 0, 0, bad_ctor);
	o = mm_kmem_cache_alloc(ctor_cache, GFP_KERNEL);
	CHECK(o && o[0] == 0x5a && ctor_calls > 0);
	log = mm_report_text(m, "dmesg");       /* the machine is still there */
	CHECK(strstr(log, "mm_destroy: called from a constructor"));
	mm_free_string(log);
	CHECK(mm_kmem_cache_free(ctor_cache, o) == 0);
	CHECK(mm_kmem_cache_destroy(ctor_cache) == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

static void test_config(void)
{
	struct mm *m;
	char *cfg;

	refused("cpus=2 cpus=3", "'cpus' is given twice");
	refused("NORMAL=64M DMA=0 DMA32=0 NORMAL=128M", "'NORMAL' is given twice");
	refused("vmalloc=1G vmalloc_size=2G", "given twice");
	refused("cpus=2,cpus=2", "given twice");
	/* sums that wrap: 2^63 + 2^63 + 4K was "4K" to the 16T check */
	refused("DMA=9223372036854775808 DMA32=9223372036854775808 NORMAL=4096",
		"too much memory");
	refused("NORMAL=9T MOVABLE=9T", "too much memory");
	refused("nodes=64 NORMAL=1T DMA=0 DMA32=0", "too much memory");
	refused("fail_page_alloc=1,100", "<interval>,<probability>,<space>,<times>");
	refused("failslab=1,100,0,3,9", "<interval>");
	refused("panic_on_taint=0", "no taint bit");
	refused("panic_on_taint=xyz", "hex taint mask");
	/* commas: between key=value pairs, and inside values */
	m = ctest_machine("cpus=2,DMA=0,DMA32=0,NORMAL=64M,fail_page_alloc=10,50,0,-1 "
		    "failslab=1,1,4096,5 panic_on_taint=0x220,nousertaint debug=FZ,kmalloc-64");
	cfg = mm_config_string(m);
	CHECK(strstr(cfg, "cpus=2 ") && strstr(cfg, "fail_page_alloc=10,50,0,-1"));
	CHECK(strstr(cfg, "failslab=1,1,4096,5") && strstr(cfg, "panic_on_taint=0x220,nousertaint"));
	CHECK(strstr(cfg, "debug=FZ,kmalloc-64"));
	CHECK(mm_kmem_cache_flags(mm_kmem_cache_find(m, "kmalloc-64")) & SLAB_RED_ZONE);
	CHECK(!(mm_kmem_cache_flags(mm_kmem_cache_find(m, "kmalloc-128")) & SLAB_RED_ZONE));
	{
		struct mm *again = mm_create(cfg, NULL, 0);     /* the text reads back */

		CHECK(again != NULL);
		mm_destroy(again);
	}
	mm_free_string(cfg);
	CHECK(mm_cpu_to_node(m, 1) == 0);
	CHECK(mm_cpu_to_node(m, 2) == -1 && mm_last_errno(m) == EINVAL);
	CHECK(mm_cpu_to_node(m, -5) == -1);
	mm_destroy(m);
}

#if defined(__SANITIZE_THREAD__)
#define MM_TSAN 1
#else
#define MM_TSAN 0
#endif

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = atol(line + 6);
	if (f)
		fclose(f);
	return kib;
}

/* validate() of a 256G backing=none machine reads the mem_map it touched,
 * not 4 GiB of descriptors */
static void test_huge_validate(void)
{
	struct mm *m = ctest_machine("backing=none cpus=1 DMA=0 DMA32=0 NORMAL=256G");
	struct page *p = mm_alloc_pages(m, GFP_KERNEL, 3);
	long before = rss_kib();

	CHECK_VALID(m);
	/* (under TSan the shadow of what was read counts too) */
	CHECK(rss_kib() - before < 64 * 1024 || MM_TSAN);
	mm_free_pages(m, p, 3);
	mm_destroy(m);
}

/* Threads that bind for each batch, as Python's calls do: validate() holds
 * their CPUs between batches and sees a consistent machine; the failslab
 * knobs change under them. */
static struct mm *busy_m;
static int busy_stop;                   /* atomic */

/* returns the binds that failed (none should) */
static void *busy_worker(void *arg)
{
	int cpu = (int)(long)arg;
	long bad = 0;

	while (!__atomic_load_n(&busy_stop, __ATOMIC_ACQUIRE)) {
		struct page *p[8];
		void *o[8];

		if (mm_cpu_bind(busy_m, cpu)) {
			bad++;
			continue;
		}
		for (int i = 0; i < 8; i++) {
			p[i] = mm_alloc_pages(busy_m, GFP_KERNEL, (unsigned)(i % 3));
			o[i] = mm_kmalloc(busy_m, 32u << (i % 6), GFP_ATOMIC | __GFP_NOWARN);
		}
		for (int i = 0; i < 8; i++) {
			mm_free_pages(busy_m, p[i], (unsigned)(i % 3));
			mm_kfree(busy_m, o[i]);
		}
		mm_cpu_unbind(busy_m);
	}
	return (void *)bad;
}

static void test_validate_beside_threads(void)
{
	pthread_t t[2];
	void *bad;
	long injected = 0;

	busy_m = ctest_machine("cpus=3 DMA=0 DMA32=0 NORMAL=64M");
	mm_cpu_unbind(busy_m);
	__atomic_store_n(&busy_stop, 0, __ATOMIC_RELEASE);
	for (long c = 0; c < 2; c++)
		pthread_create(&t[c], NULL, busy_worker, (void *)(c + 1));
	CHECK(mm_cpu_bind(busy_m, 0) == 0);
	for (int i = 0; i < 60; i++) {
		CHECK_VALID(busy_m);
		CHECK(mm_fault_inject(busy_m, "failslab", "probability", i % 2 ? 100 : 50) == 0);
		usleep(1000);           /* let the workers run under these knobs */
		CHECK(mm_fault_inject(busy_m, "failslab", "times", -1) == 0);
		CHECK(mm_fault_inject(busy_m, "failslab", "verbose", 0) == 0);
	}
	__atomic_store_n(&busy_stop, 1, __ATOMIC_RELEASE);
	for (int c = 0; c < 2; c++) {
		pthread_join(t[c], &bad);
		CHECK(bad == NULL);
	}
	CHECK(mm_fault_inject_read(busy_m, "failslab", "injected", &injected) == 0);
	CHECK(injected > 0);
	CHECK_VALID(busy_m);
	CHECK(mm_tainted(busy_m) == 0);
	mm_destroy(busy_m);
}

int main(void)
{
	alarm(600);             /* a deadlocked callback must not hang the suite */
	test_null_pointers();
	test_huge_sizes();
	test_bad_gfp();
	test_inside_and_freed();
	test_zeroing_red_zone();
	test_reentrant_callback();
	test_ctor_destroys();
	test_config();
	test_huge_validate();
	test_validate_beside_threads();
	return ctest_done("test_hostile");
}
