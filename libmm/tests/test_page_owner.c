// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_page_owner.c - attribution from C: the entry points take their
 * caller's return address as the call site (a static test binary has no
 * dynamic symbols, so the site prints as the address: it must fall inside
 * the calling function), the _site variants take a registered name,
 * allocinfo's bytes and calls follow allocations and frees, page_owner's
 * records appear and go, threads attribute their own allocations, and
 * nothing is recorded with page_owner=0.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include "ctest.h"

/* allocinfo's line for tag, its bytes and calls: 1 if present */
static int tag_line(struct mm *m, const char *tag, long long *bytes, unsigned long long *calls)
{
	char *txt = mm_report_text(m, "allocinfo"), *line, *save = NULL;
	int found = 0;

	for (line = strtok_r(txt, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		char *t = line + 22;            /* "%12lld %8llu " */

		if (strlen(line) > 22 && !strncmp(t, tag, strlen(tag)) &&
		    sscanf(line, "%lld %llu", bytes, calls) == 2)
			found = 1;
	}
	mm_free_string(txt);
	return found;
}

/* not a tail call: the return address must be in here */
static __attribute__((noinline)) struct page *alloc_here(struct mm *m)
{
	struct page *p = mm_alloc_pages(m, GFP_KERNEL, 1);

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

static void test_return_address(void)
{
	struct mm *m = ctest_machine("cpus=2 NORMAL=64M page_owner=1");
	struct page *p = alloc_here(m);
	char *txt = mm_report_text(m, "page_owner"), *stack;
	unsigned long site = 0;

	CHECK(mm_page_owner_enabled(m));
	CHECK(p != NULL);
	CHECK(txt && strstr(txt, "Page allocated via order 1, mask 0xcc0(GFP_KERNEL)"));
	/* the stack line: the return address inside alloc_here */
	stack = txt ? strstr(txt, "\n 0x") : NULL;
	if (stack)
		site = strtoul(stack + 2, NULL, 16);
	CHECK(site >= (uintptr_t)alloc_here && site < (uintptr_t)alloc_here + 256);
	mm_free_string(txt);
	mm_free_pages(m, p, 1);
	txt = mm_report_text(m, "page_owner");
	CHECK(txt && !strstr(txt, "Page allocated"));
	mm_free_string(txt);
	CHECK_VALID(m);
	mm_destroy(m);
}

static void test_named_sites(void)
{
	struct mm *m = ctest_machine("cpus=2 NORMAL=64M page_owner=1");
	unsigned long skb = mm_site_register(m, "net/core/skbuff.c:660 func:__alloc_skb");
	unsigned long again = mm_site_register(m, "net/core/skbuff.c:660 func:__alloc_skb");
	struct kmem_cache *c = mm_kmem_cache_create(m, "obj100", 100, 0, 0, NULL);
	void *a = mm_kmalloc_site(m, 1000, GFP_ATOMIC, skb), *o, *v;
	long long bytes = -1;
	unsigned long long calls = 0;

	CHECK(skb && skb == again);
	CHECK(mm_site_register(m, "") == 0 && mm_last_errno(m) == EINVAL);
	CHECK(tag_line(m, "net/core/skbuff.c:660 func:__alloc_skb", &bytes, &calls));
	CHECK(bytes == 1024 && calls == 1);
	o = mm_kmem_cache_alloc_site(c, GFP_KERNEL, skb);
	v = mm_vmalloc_site(m, 5000, skb);
	a = mm_krealloc_site(m, a, 3000, GFP_ATOMIC, skb);
	CHECK(tag_line(m, "net/core/skbuff.c:660 func:__alloc_skb", &bytes, &calls));
	CHECK(bytes == (long long)(4096 + mm_kmem_cache_size(c) + 8192) && calls == 3);
	mm_kfree(m, a);
	mm_kmem_cache_free(c, o);
	mm_vfree(m, v);
	CHECK(tag_line(m, "net/core/skbuff.c:660 func:__alloc_skb", &bytes, &calls));
	CHECK(bytes == 0 && calls == 0);
	/* a refused free leaves the tag */
	a = mm_kmalloc_site(m, 64, GFP_KERNEL, skb);
	CHECK(mm_kfree(m, (char *)a + 8) == -EFAULT);
	CHECK(tag_line(m, "net/core/skbuff.c:660 func:__alloc_skb", &bytes, &calls));
	CHECK(bytes == 64 && calls == 1);
	mm_kfree(m, a);
	mm_kmem_cache_destroy(c);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* bytes and calls of every tag but the slab allocator's own (its pages) */
static void tag_sum(struct mm *m, long long *bytes, long long *calls)
{
	char *txt = mm_report_text(m, "allocinfo"), *line, *save = NULL;
	long long b;
	unsigned long long c;

	*bytes = *calls = 0;
	for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strstr(line, "func:allocate_slab") && sscanf(line, "%lld %llu", &b, &c) == 2) {
			*bytes += b;
			*calls += (long long)c;
		}
	mm_free_string(txt);
}

/* every object entry point tags what it allocates (the kernel's alloc_hooks
 * wrappers: kcalloc, kmalloc_array, kmemdup, kstrdup, the bulk calls) */
static void test_every_entry_tags(void)
{
	struct mm *m = ctest_machine("cpus=1 NORMAL=64M page_owner=1");
	struct kmem_cache *c = mm_kmem_cache_create(m, "obj40", 40, 0, SLAB_NO_MERGE, NULL);
	char src[50] = "0123456789";
	void *v[4], *bulk[3];
	long long b0, c0, b, n;
	long long size = (long long)mm_kmem_cache_size(c);

	tag_sum(m, &b0, &c0);
	v[0] = mm_kcalloc(m, 4, 25, GFP_KERNEL);                /* kmalloc-128 */
	v[1] = mm_kmalloc_array(m, 2, 100, GFP_KERNEL);         /* kmalloc-256 */
	v[2] = mm_kmemdup(m, src, sizeof(src), GFP_KERNEL);     /* kmalloc-64 */
	v[3] = mm_kstrdup(m, "hello", GFP_KERNEL);              /* kmalloc-8 */
	CHECK(mm_kmem_cache_alloc_bulk(c, GFP_KERNEL, 3, bulk) == 3);
	tag_sum(m, &b, &n);
	CHECK(b - b0 == 128 + 256 + 64 + 8 + 3 * size && n - c0 == 7);
	for (int i = 0; i < 4; i++)
		mm_kfree(m, v[i]);
	CHECK(mm_kmem_cache_free_bulk(c, 3, bulk) == 0);
	tag_sum(m, &b, &n);
	CHECK(b == b0 && n == c0);
	mm_kmem_cache_destroy(c);
	CHECK_VALID(m);
	mm_destroy(m);
}

static struct mm *tm;

static void *thread_allocs(void *arg)
{
	int cpu = (int)(long)arg;
	unsigned long site = mm_site_register(tm, cpu ? "cpu1_site" : "cpu0_site");
	void *p[500];

	if (mm_cpu_bind(tm, cpu))
		return (void *)1;
	for (int i = 0; i < 500; i++)
		p[i] = mm_kmalloc_site(tm, 32, GFP_KERNEL, site);
	for (int i = 0; i < 500; i += 2)
		mm_kfree(tm, p[i]);
	mm_cpu_unbind(tm);
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[2];
	long long bytes;
	unsigned long long calls;
	char err[256];

	tm = mm_create("cpus=2 NORMAL=64M page_owner=1", err, sizeof(err));
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thread_allocs, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(tag_line(tm, "cpu0_site", &bytes, &calls) && bytes == 250 * 32 && calls == 250);
	CHECK(tag_line(tm, "cpu1_site", &bytes, &calls) && bytes == 250 * 32 && calls == 250);
	mm_destroy(tm);
}

static void test_off(void)
{
	struct mm *m = ctest_machine("NORMAL=64M");
	struct page *p = mm_alloc_pages_site(m, GFP_KERNEL, 0, mm_site_register(m, "x"));
	char *txt = mm_report_text(m, "allocinfo");

	CHECK(!mm_page_owner_enabled(m));
	CHECK(p != NULL);
	CHECK(txt && !strcmp(txt, "allocinfo - version: 2.0\n#     <size>  <calls> <tag info>\n"));
	mm_free_string(txt);
	CHECK(mm_report_text(m, "page_owner") == NULL && mm_last_errno(m) == EINVAL);
	mm_free_pages(m, p, 0);
	mm_destroy(m);
}

int main(void)
{
	test_return_address();
	test_named_sites();
	test_every_entry_tags();
	test_threads();
	test_off();
	return ctest_done("test_page_owner");
}
