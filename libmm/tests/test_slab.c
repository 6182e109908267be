// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_slab.c - SLUB and kmalloc: object layout and slab order
 * against the kernel's worked examples, the object lifecycle (unique,
 * aligned, inside their slabs, ctor state, shrink gives every page back),
 * bulk, merging, destroy with leaks, kmalloc classes / large kmalloc /
 * krealloc / kfree refusals, the slub_kunit scenarios (corrupt for real,
 * count the reports, the machine still works), hardening (a corrupted free
 * pointer is detected, not followed), and alloc on one CPU / free on
 * another under real threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "ctest.h"
#include <libmm/kernel.h>

static int dmesg_has(struct mm *m, const char *what)
{
	char *log = mm_report_text(m, "dmesg");
	int found = log && strstr(log, what) != NULL;

	mm_free_string(log);
	return found;
}

/* buddyinfo after returning every per-CPU page */
static char *settled_buddyinfo(struct mm *m)
{
	mm_drain_all_pages(m);
	return mm_report_text(m, "buddyinfo");
}

/* ---- layout and order: the kernel's worked examples (8 CPUs) ---- */

static void test_layout(void)
{
	struct mm *m = ctest_machine("cpus=8");
	static const struct { size_t size; unsigned objs, order; } ex[] = {
		{ 96, 42, 0 }, { 192, 21, 0 }, { 256, 32, 1 }, { 1024, 32, 3 }, { 4096, 8, 3 },
	};

	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		struct kmem_cache *s = mm_kmalloc_cache(m, ex[i].size, GFP_KERNEL);

		CHECK(s != NULL);
		CHECK(mm_kmem_cache_objects_per_slab(s) == ex[i].objs);
		CHECK(mm_kmem_cache_order(s) == ex[i].order);
	}
	{
		/* free pointer in the middle of the object; outside with a ctor/poison */
		struct kmem_cache *a = mm_kmem_cache_create(m, "mid", 100, 0, SLAB_NO_MERGE, NULL);
		struct kmem_cache *b = mm_kmem_cache_create(m, "poisoned", 100, 0, SLAB_POISON, NULL);
		struct kmem_cache *h = mm_kmem_cache_create(m, "hw", 40, 0, SLAB_HWCACHE_ALIGN |
							    SLAB_NO_MERGE, NULL);

		CHECK(mm_kmem_cache_offset(a) == 48 && mm_kmem_cache_size(a) == 104);
		CHECK(mm_kmem_cache_offset(b) == 104 && mm_kmem_cache_size(b) == 112);
		CHECK(mm_kmem_cache_align(h) == 64 && mm_kmem_cache_size(h) == 64);
		CHECK(mm_kmem_cache_destroy(a) == 0);
		CHECK(mm_kmem_cache_destroy(b) == 0);
		CHECK(mm_kmem_cache_destroy(h) == 0);
	}
	CHECK_VALID(m);
	mm_destroy(m);
}

/* ---- lifecycle ---------------------------------------------------------- */

static int ctor_calls;

static void ctor(void *p)
{
	memset(p, 0x42, 24);
	ctor_calls++;
}

static void test_lifecycle(void)
{
	struct mm *m = ctest_machine(NULL);
	char *before = settled_buddyinfo(m), *after;
	struct kmem_cache *s = mm_kmem_cache_create(m, "life", 24, 8, 0, ctor);
	enum { N = 3000 };
	void **p = calloc(N, sizeof(*p));
	size_t size = mm_kmem_cache_size(s);
	int dup = 0, bad = 0;

	CHECK(s && p);
	for (int i = 0; i < N; i++) {
		p[i] = mm_kmem_cache_alloc(s, GFP_KERNEL);
		CHECK(p[i] != NULL);
		if ((uintptr_t)p[i] % 8 || memcmp(p[i], "\x42\x42\x42\x42", 4))
			bad++;
		memset(p[i], i & 0xff, 24);
	}
	CHECK(bad == 0);
	CHECK(ctor_calls >= N && ctor_calls < N + (int)mm_kmem_cache_objects_per_slab(s) * 4);
	for (int i = 0; i < N; i++) {
		if (((unsigned char *)p[i])[23] != (i & 0xff))
			bad++;
		for (int j = i + 1; j < i + 8 && j < N; j++)
			if ((char *)p[i] < (char *)p[j] + size && (char *)p[j] < (char *)p[i] + size)
				dup++;
	}
	CHECK(bad == 0 && dup == 0);
	CHECK_VALID(m);
	for (int i = 0; i < N; i += 2)
		CHECK(mm_kmem_cache_free(s, p[i]) == 0);
	CHECK_VALID(m);
	for (int i = 1; i < N; i += 2)
		CHECK(mm_kmem_cache_free(s, p[i]) == 0);
	CHECK(mm_kmem_cache_stat(s, "alloc_fastpath") > 0);
	CHECK(mm_kmem_cache_shrink(s) >= 0);
	CHECK(mm_kmem_cache_destroy(s) == 0);
	after = settled_buddyinfo(m);
	CHECK(strcmp(before, after) == 0);
	CHECK_VALID(m);
	free(before);
	free(after);
	free(p);
	mm_destroy(m);
}

static void test_bulk_and_merge(void)
{
	struct mm *m = ctest_machine(NULL);
	struct kmem_cache *a = mm_kmem_cache_create(m, "a64", 64, 0, 0, NULL);
	struct kmem_cache *b = mm_kmem_cache_create(m, "b60", 60, 0, 0, NULL);
	struct kmem_cache *c = mm_kmem_cache_create(m, "c64", 64, 0, SLAB_NO_MERGE, NULL);
	void *v[500];
	struct mm *m2;

	CHECK(a == b);                  /* merged (with kmalloc-64 too) */
	CHECK(a != c);
	CHECK(mm_kmem_cache_find(m, "b60") == a);
	CHECK(mm_kmem_cache_alloc_bulk(c, GFP_KERNEL, 500, v) == 500);
	for (int i = 1; i < 500; i++)
		CHECK(v[i] != v[i - 1]);
	CHECK_VALID(m);
	CHECK(mm_kmem_cache_free_bulk(c, 500, v) == 0);
	CHECK(mm_kmem_cache_destroy(c) == 0);
	CHECK(mm_kmem_cache_destroy(b) == 0);
	CHECK(mm_kmem_cache_destroy(a) == 0);
	CHECK_VALID(m);
	mm_destroy(m);

	m2 = ctest_machine("slab_nomerge=1");
	a = mm_kmem_cache_create(m2, "a64", 64, 0, 0, NULL);
	b = mm_kmem_cache_create(m2, "b64", 64, 0, 0, NULL);
	CHECK(a && b && a != b);
	mm_kmem_cache_destroy(a);
	mm_kmem_cache_destroy(b);
	mm_destroy(m2);

	m2 = mm_create("backing=none", NULL, 0);
	CHECK(m2 != NULL);
	mm_cpu_bind(m2, 0);
	CHECK(mm_kmem_cache_create(m2, "x", 64, 0, 0, NULL) == NULL);
	CHECK(mm_last_errno(m2) == ENXIO);
	CHECK(mm_kmalloc(m2, 64, GFP_KERNEL) == NULL);
	mm_destroy(m2);
}

/* ---- kmalloc ------------------------------------------------------------- */

static unsigned expect_class(size_t n)
{
	static const unsigned cls[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096,
					8192 };

	for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++)
		if (n <= cls[i])
			return cls[i];
	return 0;
}

static void test_kmalloc(void)
{
	struct mm *m = ctest_machine(NULL);
	char *before = settled_buddyinfo(m), *after, *p, *q;
	size_t sizes[] = { 1, 7, 8, 9, 16, 17, 24, 32, 33, 64, 65, 96, 97, 128, 129, 192, 193,
			   256, 257, 511, 512, 513, 1024, 1025, 2048, 4095, 4096, 4097, 8191, 8192 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		void *o = mm_kmalloc(m, n, GFP_KERNEL);

		CHECK(o != NULL);
		CHECK(mm_ksize(m, o) == expect_class(n));
		CHECK(mm_kmem_cache_object_size(mm_kmalloc_cache(m, n, GFP_KERNEL)) == expect_class(n));
		CHECK(mm_kfree(m, o) == 0);
	}
	CHECK(strcmp(mm_kmem_cache_name(mm_kmalloc_cache(m, 100, GFP_DMA)), "dma-kmalloc-128") == 0);
	CHECK(strcmp(mm_kmem_cache_name(mm_kmalloc_cache(m, 2000, __GFP_RECLAIMABLE)),
		     "kmalloc-rcl-2k") == 0);
	CHECK(mm_kmalloc(m, 0, GFP_KERNEL) == (void *)MM_ZERO_SIZE_PTR_ADDR);
	CHECK(mm_kfree(m, (void *)MM_ZERO_SIZE_PTR_ADDR) == 0 && mm_kfree(m, NULL) == 0);
	/* large kmalloc: compound pages, freed through the page flags */
	p = mm_kmalloc(m, 100000, GFP_KERNEL);
	CHECK(p && mm_ksize(m, p) == 131072);
	CHECK(mm_vmstat_read(m, "nr_slab_unreclaimable") >= 32);
	CHECK(mm_kfree(m, p + 4096) == -EFAULT);
	CHECK(mm_kfree(m, p) == 0);
	CHECK(mm_kfree(m, p) == -EFAULT);           /* double free of a large kmalloc */
	CHECK(mm_kmalloc(m, 64ul << 20, GFP_KERNEL | __GFP_NOWARN) == NULL);
	CHECK(mm_kmalloc_array(m, SIZE_MAX / 2, 4, GFP_KERNEL) == NULL);
	CHECK(mm_last_errno(m) == EOVERFLOW);
	CHECK(mm_kcalloc(m, 1ul << 62, 8, GFP_KERNEL) == NULL);
	p = mm_kcalloc(m, 10, 10, GFP_KERNEL);
	CHECK(p && mm_ksize(m, p) == 128 && p[99] == 0);
	/* krealloc: in place while ksize allows, contents preserved */
	memset(p, 'x', 100);
	q = mm_krealloc(m, p, 120, GFP_KERNEL);
	CHECK(q == p);
	q = mm_krealloc(m, p, 5000, GFP_KERNEL);
	CHECK(q && q != p && q[0] == 'x' && q[99] == 'x' && mm_ksize(m, q) == 8192);
	p = mm_krealloc(m, q, 20, GFP_KERNEL);
	CHECK(p == q);
	q = mm_krealloc(m, p, 20000, GFP_KERNEL);
	CHECK(q && q[99] == 'x');
	CHECK(mm_kfree(m, q) == 0);
	p = mm_kstrdup(m, "hello, slab", GFP_KERNEL);
	CHECK(p && strcmp(p, "hello, slab") == 0 && mm_ksize(m, p) == 16);
	q = mm_kmemdup(m, p, 12, GFP_KERNEL);
	CHECK(q && memcmp(p, q, 12) == 0);
	/* refusals */
	CHECK(mm_kfree(m, p + 1) == -EFAULT);
	CHECK(mm_kfree(m, p) == 0);
	CHECK(mm_kfree(m, p) == -EFAULT);           /* double free: head of the freelist */
	CHECK(mm_kfree(m, (void *)&before) == -EFAULT);
	{
		struct page *pg = mm_alloc_pages(m, GFP_KERNEL, 0);

		CHECK(mm_kfree(m, mm_page_address(m, pg)) == -EFAULT);
		CHECK(strstr(mm_last_error(m), "not a live kmalloc object") != NULL);
		mm_free_pages(m, pg, 0);
	}
	CHECK(mm_kfree(m, q) == 0);
	for (int i = 0; i < 39; i++) {          /* every kmalloc cache */
		static const size_t cls[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048,
					      4096, 8192 };
		gfp_t g = i / 13 == 0 ? GFP_KERNEL : i / 13 == 1 ? GFP_DMA : __GFP_RECLAIMABLE | GFP_KERNEL;

		CHECK(mm_kmem_cache_shrink(mm_kmalloc_cache(m, cls[i % 13], g)) >= 0);
	}
	CHECK_VALID(m);
	after = settled_buddyinfo(m);
	CHECK(strcmp(before, after) == 0);
	free(before);
	free(after);
	mm_destroy(m);
}

/* ---- slub_kunit (lib/slub_kunit.c) ----------------------- */

static struct kmem_cache *kunit_cache(struct mm *m, const char *name, size_t size,
				      slab_flags_t flags)
{
	return mm_kmem_cache_create(m, name, size, 0, flags | SLAB_NO_USER_FLAGS, NULL);
}

/* slub_kunit's write-after-free cases: free an object of a fresh 64 B
 * cache, write byte at off, and expect validate to count two errors. */
static void clobber_free_object(struct mm *m, const char *name, slab_flags_t flags,
				unsigned off, unsigned char v)
{
	struct kmem_cache *s = kunit_cache(m, name, 64, flags);
	unsigned char *p = mm_kmem_cache_alloc(s, GFP_KERNEL);

	mm_kmem_cache_free(s, p);
	ctest_poke(p, off, v);
	CHECK(mm_kmem_cache_validate(s) == 2);
	CHECK(mm_kmem_cache_destroy(s) == 0);
}

static void test_kunit(void)
{
	struct mm *m = ctest_machine(NULL);
	unsigned long e0;
	struct kmem_cache *s;
	unsigned char *p;
	unsigned long saved;
	unsigned off;

	/* 1. test_clobber_zone */
	s = kunit_cache(m, "TestSlub_RZ_alloc", 64, SLAB_RED_ZONE);
	p = mm_kmem_cache_alloc(s, GFP_KERNEL);
	p[64] = 0x12;
	CHECK(mm_kmem_cache_validate(s) == 2);
	CHECK(mm_kmem_cache_validate(s) == 0);
	mm_kmem_cache_free(s, p);
	CHECK(mm_kmem_cache_destroy(s) == 0);

	/* 2. test_next_pointer */
	s = kunit_cache(m, "TestSlub_next_ptr_free", 64, SLAB_POISON);
	p = mm_kmem_cache_alloc(s, GFP_KERNEL);
	mm_kmem_cache_free(s, p);
	off = mm_kmem_cache_offset(s);
	memcpy(&saved, p + off, sizeof(saved));
	p[off] = (unsigned char)~p[off];
	CHECK(mm_kmem_cache_validate(s) == 3);
	memcpy(p + off, &saved, sizeof(saved));
	CHECK(mm_kmem_cache_validate(s) == 2);
	CHECK(mm_kmem_cache_validate(s) == 0);
	CHECK(mm_kmem_cache_destroy(s) == 0);

	/* 3. test_first_word, 4. test_clobber_50th_byte, 5. test_clobber_redzone_free */
	clobber_free_object(m, "TestSlub_1th_word_free", SLAB_POISON, 0, 0x78);
	clobber_free_object(m, "TestSlub_50th_word_free", SLAB_POISON, 50, 0x9a);
	clobber_free_object(m, "TestSlub_RZ_free", SLAB_RED_ZONE, 64, 0xab);

	/* 9. test_leak_destroy */
	s = kunit_cache(m, "TestSlub_leak_destroy", 64, SLAB_NO_MERGE);
	p = mm_kmem_cache_alloc(s, GFP_KERNEL);
	e0 = mm_slab_errors(m);
	CHECK(mm_kmem_cache_destroy(s) == -EBUSY);
	CHECK(mm_slab_errors(m) - e0 == 2);
	CHECK(strstr(mm_last_error(m), "TestSlub_leak_destroy") &&
	      strstr(mm_last_error(m), "1 objects left"));
	CHECK(mm_kmem_cache_free(s, p) == 0);   /* the cache was kept */
	CHECK(mm_kmem_cache_destroy(s) == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* kmalloc redzones need the kmalloc caches debugged: debug=ZU machine-wide */
static void test_kunit_kmalloc(void)
{
	struct mm *m = ctest_machine("debug=FZPU:kmalloc-32:kmalloc-64:kmalloc-128");
	unsigned char *p, *q;
	int ok = 1;

	/* 6. test_kmalloc_redzone_access */
	p = mm_kmalloc(m, 18, GFP_KERNEL);
	CHECK(p[18] == 0xcc && p[31] == 0xcc);
	p[18] = p[19] = 0xab;
	CHECK(mm_kmem_cache_validate(mm_kmalloc_cache(m, 18, GFP_KERNEL)) == 2);
	mm_kfree(m, p);

	/* 10. test_krealloc_redzone_zeroing */
	p = mm_kmalloc(m, 48, GFP_KERNEL);
	memset(p, 0xff, 48);
	q = mm_krealloc(m, p, 40, GFP_KERNEL | __GFP_ZERO);
	CHECK(q == p);
	for (int i = 40; i < 64; i++)
		ok &= p[i] == 0xcc;
	q = mm_krealloc(m, p, 56, GFP_KERNEL | __GFP_ZERO);
	CHECK(q == p);
	for (int i = 40; i < 56; i++)
		ok &= p[i] == 0;
	for (int i = 56; i < 64; i++)
		ok &= p[i] == 0xcc;
	CHECK(ok);
	CHECK(mm_kmem_cache_validate(mm_kmalloc_cache(m, 64, GFP_KERNEL)) == 0);
	memset(p, 0xff, 56);
	q = mm_krealloc(m, p, 112, GFP_KERNEL | __GFP_ZERO);
	CHECK(q != p && mm_ksize(m, q) == 128);
	for (int i = 0; i < 56; i++)
		ok &= q[i] == 0xff;
	for (int i = 56; i < 112; i++)
		ok &= q[i] == 0;
	CHECK(ok);
	mm_kfree(m, q);

	/* consistency checks on free: double free, bad pointer, wrong cache */
	p = mm_kmalloc(m, 64, GFP_KERNEL);
	q = mm_kmalloc(m, 64, GFP_KERNEL);
	CHECK(mm_kfree(m, p) == 0);
	CHECK(mm_kfree(m, p) == -EFAULT);               /* Object already free */
	CHECK(dmesg_has(m, "Object already free"));
	CHECK(mm_kfree(m, q + 8) == -EFAULT);           /* not an object start */
	{
		struct kmem_cache *other = kunit_cache(m, "other", 64, SLAB_CONSISTENCY_CHECKS);

		CHECK(mm_kmem_cache_free(other, q) == -EFAULT);
		CHECK(strstr(mm_last_error(m), "Wrong slab cache") != NULL);
		CHECK(mm_kmem_cache_destroy(other) == 0);
	}
	/* overflow into the red zone: caught at free, object quarantined */
	q[64] = 0;
	CHECK(mm_kfree(m, q) == -EFAULT);
	/* write after free: caught when the object is handed out again */
	p = mm_kmalloc(m, 128, GFP_KERNEL);
	mm_kfree(m, p);
	p[3] = 1;
	{
		unsigned long e0 = mm_slab_errors(m);
		void *r[64];

		for (int i = 0; i < 64; i++)
			r[i] = mm_kmalloc(m, 128, GFP_KERNEL);
		CHECK(mm_slab_errors(m) > e0);
		for (int i = 0; i < 64; i++) {
			CHECK(r[i] != NULL && r[i] != p);
			mm_kfree(m, r[i]);
		}
	}
	CHECK(dmesg_has(m, "INFO: Allocated in"));
	CHECK_VALID(m);
	mm_destroy(m);
}

/* ---- hardening ---------------------------------------------------------- */

static void test_hardening(void)
{
	struct mm *m = ctest_machine(NULL);
	struct kmem_cache *s = mm_kmem_cache_create(m, "hard", 128, 0, SLAB_NO_MERGE, NULL);
	unsigned char *a, *b, *c;
	unsigned off = mm_kmem_cache_offset(s);
	unsigned long raw = 0;
	void *v[40];

	a = mm_kmem_cache_alloc(s, GFP_KERNEL);
	b = mm_kmem_cache_alloc(s, GFP_KERNEL);
	c = mm_kmem_cache_alloc(s, GFP_KERNEL);
	mm_kmem_cache_free(s, c);
	mm_kmem_cache_free(s, b);               /* freelist: b -> c -> ... */
	for (int i = 0; i < 8; i++)
		raw |= (unsigned long)ctest_peek(b, off + (size_t)i) << (8 * i);
	CHECK(raw != (unsigned long)c);         /* obfuscated, not the plain pointer */
	CHECK(mm_kmem_cache_free(s, b) == -EFAULT);     /* naive double free check */
	ctest_poke(b, off + 7, (unsigned char)(ctest_peek(b, off + 7) ^ 0x5a));
	CHECK(mm_kmem_cache_alloc(s, GFP_KERNEL) == b); /* pops b; its link is bad */
	CHECK(dmesg_has(m, "Freepointer corrupt"));
	for (int i = 0; i < 40; i++) {          /* the machine goes on */
		v[i] = mm_kmem_cache_alloc(s, GFP_KERNEL);
		CHECK(v[i] != NULL && v[i] != c);
	}
	for (int i = 0; i < 40; i++)
		CHECK(mm_kmem_cache_free(s, v[i]) == 0);
	mm_kmem_cache_free(s, a);
	mm_kmem_cache_free(s, b);
	CHECK_VALID(m);
	mm_destroy(m);

	/* freelist randomisation: two fresh slabs are not handed out in address order */
	m = ctest_machine(NULL);
	s = mm_kmem_cache_create(m, "rnd", 64, 0, SLAB_NO_MERGE, NULL);
	{
		int ascending = 0;
		void *prev = mm_kmem_cache_alloc(s, GFP_KERNEL);

		for (int i = 0; i < 30; i++) {
			void *o = mm_kmem_cache_alloc(s, GFP_KERNEL);

			ascending += (char *)o == (char *)prev + 64;
			prev = o;
		}
		CHECK(ascending < 25);
	}
	mm_destroy(m);
	m = ctest_machine("slab_hardened=0");
	s = mm_kmem_cache_create(m, "plain", 64, 0, SLAB_NO_MERGE, NULL);
	{
		char *x = mm_kmem_cache_alloc(s, GFP_KERNEL), *y = mm_kmem_cache_alloc(s, GFP_KERNEL);

		CHECK(y == x + 64);
	}
	mm_destroy(m);
}

/* ---- alloc on one CPU, free on another ---------------------------------------------- */

#define XFER 512
static struct mm *tm;
static struct kmem_cache *ts;
static void *ring[XFER];
static unsigned ring_head, ring_tail;   /* producer / consumer counters */
static int thread_errors;

static void *producer(void *arg)
{
	long n = (long)arg;

	if (mm_cpu_bind(tm, 0))
		return (void *)1;
	for (long i = 0; i < n; i++) {
		void *o;

		while (__atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) -
		       __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) >= XFER)
			;
		o = (i & 1) ? mm_kmem_cache_alloc(ts, GFP_KERNEL) : mm_kmalloc(tm, 200, GFP_KERNEL);
		if (!o) {
			__atomic_fetch_add(&thread_errors, 1, __ATOMIC_RELAXED);
			break;
		}
		*(long *)o = i;
		ring[ring_head % XFER] = o;
		__atomic_store_n(&ring_head, ring_head + 1, __ATOMIC_RELEASE);
		if (i % 7 == 0) {               /* some local traffic too */
			void *l = mm_kmem_cache_alloc(ts, GFP_KERNEL);

			mm_kmem_cache_free(ts, l);
		}
	}
	mm_cpu_unbind(tm);
	return NULL;
}

static void *consumer(void *arg)
{
	long n = (long)arg;

	if (mm_cpu_bind(tm, 1))
		return (void *)1;
	for (long i = 0; i < n; i++) {
		void *o;
		int rc;

		while (__atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) ==
		       __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE))
			;
		o = ring[ring_tail % XFER];
		__atomic_store_n(&ring_tail, ring_tail + 1, __ATOMIC_RELEASE);
		if (*(long *)o != i)
			__atomic_fetch_add(&thread_errors, 1, __ATOMIC_RELAXED);
		rc = (i & 1) ? mm_kmem_cache_free(ts, o) : mm_kfree(tm, o);
		if (rc)
			__atomic_fetch_add(&thread_errors, 1, __ATOMIC_RELAXED);
	}
	mm_cpu_unbind(tm);
	return NULL;
}

static void test_threads(const char *config)
{
	long n = 200000;
	pthread_t a, b;
	void *ra, *rb;
	char *before;

	tm = ctest_machine(config);
	ring_head = ring_tail = 0;
	before = settled_buddyinfo(tm);
	ts = mm_kmem_cache_create(tm, "xfer", 40, 0, SLAB_NO_MERGE, NULL);
	mm_cpu_unbind(tm);
	pthread_create(&a, NULL, producer, (void *)n);
	pthread_create(&b, NULL, consumer, (void *)n);
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	CHECK(ra == NULL && rb == NULL && thread_errors == 0);
	mm_cpu_bind(tm, 0);
	/* classic: frees into CPU 0's frozen slabs; sheaves: into CPU 1's sheaves */
	CHECK(mm_kmem_cache_stat(ts, mm_kmem_cache_sheaf_capacity(ts) ? "free_cpu_sheaf"
								       : "free_remote") > 0);
	CHECK_VALID(tm);
	CHECK(mm_kmem_cache_destroy(ts) == 0);
	mm_kmem_cache_shrink(mm_kmalloc_cache(tm, 200, GFP_KERNEL));
	{
		char *after = settled_buddyinfo(tm);

		CHECK(strcmp(before, after) == 0);
		free(after);
	}
	CHECK_VALID(tm);
	free(before);
	mm_destroy(tm);
}

/* Three CPUs swap random-size kmalloc objects through shared slots: most
 * frees are remote, slabs move between CPUs' partial lists and the nodes. */
#define SLOTS 4096
static void *slots[SLOTS];
static int swap_errors;

static void *swapper(void *arg)
{
	int cpu = (int)(long)arg;
	unsigned seed = 99u + (unsigned)cpu;

	if (mm_cpu_bind(tm, cpu))
		return (void *)1;
	for (int i = 0; i < 150000; i++) {
		size_t size = 8 + (size_t)(rand_r(&seed) % 1500);
		unsigned *o = mm_kmalloc(tm, size, GFP_KERNEL);
		unsigned *old;

		if (!o) {
			__atomic_fetch_add(&swap_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		o[0] = (unsigned)size;
		o[1] = ~(unsigned)size;
		old = __atomic_exchange_n(&slots[rand_r(&seed) % SLOTS], o, __ATOMIC_ACQ_REL);
		if (!old)
			continue;
		if (old[0] != ~old[1] || mm_ksize(tm, old) < old[0] || mm_kfree(tm, old))
			__atomic_fetch_add(&swap_errors, 1, __ATOMIC_RELAXED);
	}
	mm_cpu_unbind(tm);
	return NULL;
}

static void test_threads_swap(const char *config)
{
	pthread_t th[3];
	void *rc[3];
	char *before, *after;

	tm = ctest_machine(config);
	memset(slots, 0, sizeof(slots));
	before = settled_buddyinfo(tm);
	mm_cpu_unbind(tm);
	for (long i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, swapper, (void *)i);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], &rc[i]);
	CHECK(rc[0] == NULL && rc[1] == NULL && rc[2] == NULL && swap_errors == 0);
	mm_cpu_bind(tm, 0);
	CHECK_VALID(tm);
	for (int i = 0; i < SLOTS; i++)
		if (slots[i])
			CHECK(mm_kfree(tm, slots[i]) == 0);
	for (size_t sz = 8; sz <= 2048; sz *= 2) {
		mm_kmem_cache_shrink(mm_kmalloc_cache(tm, sz, GFP_KERNEL));
		if (sz == 64 || sz == 128)
			mm_kmem_cache_shrink(mm_kmalloc_cache(tm, sz + sz / 2, GFP_KERNEL));
	}
	CHECK_VALID(tm);
	after = settled_buddyinfo(tm);
	CHECK(strcmp(before, after) == 0);
	free(before);
	free(after);
	mm_destroy(tm);
}

static void test_reports(void)
{
	struct mm *m = ctest_machine(NULL);
	void *p = mm_kmalloc(m, 100, GFP_KERNEL);
	char *t = mm_report_text(m, "slabinfo"), *j = mm_report_json(m);
	slab_flags_t f;

	CHECK(strncmp(t, "slabinfo - version: 2.1\n# name            <active_objs>", 54) == 0);
	CHECK(strstr(t, "\nkmalloc-128           32     32    128   32    1 : tunables    0    0"
		      "    0 : slabdata      1      1      0\n") != NULL);
	CHECK(strstr(j, "\"slab\": [") && strstr(j, "\"alloc_fastpath\""));
	CHECK(mm_slab_flags_parse("SLAB_HWCACHE_ALIGN|SLAB_POISON", &f, NULL, 0) == 0 &&
	      f == (SLAB_HWCACHE_ALIGN | SLAB_POISON));
	CHECK(mm_slab_flags_parse("SLAB_BOGUS", &f, NULL, 0) == -EINVAL);
	mm_free_string(t);
	mm_free_string(j);
	mm_kfree(m, p);
	mm_destroy(m);
	CHECK(mm_create("debug=Q", NULL, 0) == NULL);
}

/* kernel-style code against kernel.h, unchanged */
struct inode_like { long ino; char name[40]; };

static void test_kernel_h(void)
{
	struct mm *m = ctest_machine(NULL);
	struct kmem_cache *cache = kmem_cache_create("inode_like", sizeof(struct inode_like), 0,
						     SLAB_HWCACHE_ALIGN, NULL);
	struct inode_like *in = kmem_cache_zalloc(cache, GFP_KERNEL);
	char *s = kstrdup("kernel", GFP_KERNEL);
	int *v = kcalloc(16, sizeof(int), GFP_KERNEL);

	CHECK(in && in->ino == 0 && s && v && v[15] == 0);
	CHECK(ksize(s) == 8 && kmalloc_size_roundup(100) == 128);
	CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	v = krealloc(v, 4096, GFP_KERNEL);
	CHECK(v && ksize(v) == 4096);
	kfree(v);
	kfree(s);
	kfree(NULL);
	kmem_cache_free(cache, in);
	kmem_cache_destroy(cache);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* Frees that miss the cpu slab: the lock-free common case (frozen slabs, and
 * unfrozen ones that keep free and used objects) and the list-moving one;
 * a double free of the head of a non-cpu slab's freelist is refused there
 * too, before init_on_free could wipe its free pointer. */
static void test_free_paths(void)
{
	static const char *const cfgs[] = { NULL, "init_on_free=1" };

	for (int k = 0; k < 2; k++) {
		struct mm *m = ctest_machine(cfgs[k]);
		struct kmem_cache *s = mm_kmem_cache_create(m, "frees", 64, 0, SLAB_NO_MERGE, NULL);
		unsigned per = mm_kmem_cache_objects_per_slab(s);
		unsigned n = per * 8;
		void **p = calloc(n, sizeof(*p));

		CHECK(s && p);
		for (unsigned i = 0; i < n; i++)
			CHECK((p[i] = mm_kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
		/* p[0] and p[per]: full slabs, not the cpu slab; the first free
		 * freezes the slab onto the cpu partial list */
		CHECK(mm_kmem_cache_free(s, p[0]) == 0);
		CHECK(mm_kmem_cache_free(s, p[0]) == -EFAULT);
		CHECK(mm_kmem_cache_free(s, p[1]) == 0);        /* frozen, lock-free */
		CHECK(mm_kmem_cache_free(s, p[1]) == -EFAULT);
		CHECK(mm_kmem_cache_stat(s, "free_frozen") >= 1);
		CHECK_VALID(m);
		/* overflow the cpu partial list: slabs go to the node list, and
		 * frees into them are the unfrozen lock-free case */
		for (unsigned i = per; i < n - per; i += per)
			CHECK(mm_kmem_cache_free(s, p[i]) == 0);
		CHECK(mm_kmem_cache_stat(s, "cpu_partial_drain") >= 1);
		CHECK(mm_kmem_cache_free(s, p[per + 1]) == 0);
		CHECK(mm_kmem_cache_free(s, p[per + 1]) == -EFAULT);
		CHECK_VALID(m);
		p[0] = p[1] = p[per + 1] = NULL;
		for (unsigned i = per; i < n - per; i += per)
			p[i] = NULL;
		for (unsigned i = 0; i < n; i++)
			if (p[i])
				CHECK(mm_kmem_cache_free(s, p[i]) == 0);
		CHECK_VALID(m);
		CHECK(mm_kmem_cache_shrink(s) >= 0);
		CHECK(mm_kmem_cache_destroy(s) == 0);
		free(p);
		mm_destroy(m);
	}
}

int main(void)
{
	test_layout();
	test_lifecycle();
	test_free_paths();
	test_bulk_and_merge();
	test_kmalloc();
	test_kunit();
	test_kunit_kmalloc();
	test_hardening();
	test_threads("cpus=2");
	test_threads("cpus=2 slub_sheaves=1");
	test_threads_swap("cpus=3");
	test_threads_swap("cpus=3 slub_sheaves=1");
	test_reports();
	test_kernel_h();
	return ctest_done("test_slab");
}
