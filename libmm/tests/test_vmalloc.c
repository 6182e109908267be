// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_vmalloc.c - vmalloc against real mappings: aliasing between vmalloc
 * and direct-map addresses for scattered frames, guard pages and freed
 * areas faulting (in forked children), the scenarios of the kernel's
 * lib/test_vmalloc.c (fix_size, full_fit, long_busy_list, random_size,
 * fix_align, random_size_align, align_shift, vm_map_ram, many cycles), each
 * ending validate-clean with every page back in the buddy allocator; bad
 * input refused with nothing changed; vmalloc_32 / vmalloc_node placement;
 * stale mappings left by vfree (reused, flushed) never readable outside a
 * live area; mapping exhaustion (vm.max_map_count) failing cleanly; two
 * threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ctest.h"
#include <libmm/kernel.h>

#define PG 4096ul
#define SMALL "cpus=2 DMA=16M DMA32=64M NORMAL=128M"

/* One counter of the "vmalloc" object of the JSON report. */
static long vm_stat(struct mm *m, const char *key)
{
	char *json = mm_report_json(m), pat[64], *p;
	long v = -1;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(json, "\"vmalloc\": {");
	if (p && (p = strstr(p, pat)))
		v = strtol(p + strlen(pat), NULL, 10);
	mm_free_string(json);
	return v;
}

struct snapshot {
	char *buddyinfo;
	long free_pages;
};

static struct snapshot snap(struct mm *m)
{
	struct snapshot s;

	mm_drain_all_pages(m);
	s.buddyinfo = mm_report_text(m, "buddyinfo");
	s.free_pages = mm_vmstat_read(m, "nr_free_pages");
	return s;
}

/* Everything back: validate clean, the lazy areas purged into one free
 * range, every page in the buddy allocator as at the start. */
static void check_all_back(struct mm *m, struct snapshot *before)
{
	struct snapshot after;

	CHECK_VALID(m);
	mm_vm_unmap_aliases(m);
	CHECK(vm_stat(m, "areas") == 0 && vm_stat(m, "lazy_areas") == 0);
	CHECK(vm_stat(m, "free_areas") == 1);
	after = snap(m);
	CHECK(after.free_pages == before->free_pages);
	CHECK(!strcmp(after.buddyinfo, before->buddyinfo));
	CHECK_VALID(m);
	mm_free_string(after.buddyinfo);
	mm_free_string(before->buddyinfo);
}

static unsigned long pfn_of(struct mm *m, const void *vaddr)
{
	return mm_vmalloc_to_pfn(m, vaddr);
}

/* ---- aliasing -------------------------------------------------------------- */

/* Every page of [v, v + n pages) and the direct-map page behind it are the
 * same bytes, both ways. */
static void check_alias(struct mm *m, unsigned char *v, unsigned long n, unsigned seed)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned char *d = mm_page_address(m, mm_vmalloc_to_page(m, v + i * PG));

		CHECK(d != NULL);
		if (!d)
			return;
		v[i * PG + 17] = (unsigned char)(seed + i);
		CHECK(d[17] == (unsigned char)(seed + i));
		d[PG - 1] = (unsigned char)(seed ^ i);
		CHECK(v[i * PG + PG - 1] == (unsigned char)(seed ^ i));
	}
}

static void test_alias_scattered(void)
{
	/* 8M of NORMAL only: fill it with order-0 pages, free every other one,
	 * so vmalloc can only get frames that are not physically adjacent */
	struct mm *m = mm_create("cpus=1 DMA=0 DMA32=0 NORMAL=8M", NULL, 0);
	unsigned long n = mm_nr_pages(m), got = 0, jumps = 0;
	struct page **all = calloc(n, sizeof(*all));
	unsigned char *v;
	struct snapshot s;

	mm_cpu_bind(m, 0);
	s = snap(m);
	while (got < n && (all[got] = mm_alloc_pages(m, GFP_KERNEL | __GFP_MEMALLOC |
							      __GFP_NOWARN, 0)))
		got++;
	CHECK(got == n);
	for (unsigned long i = 0; i < got; i += 2)
		mm_free_pages(m, all[i], 0);
	v = mm_vmalloc(m, 32 * PG);
	CHECK(v != NULL);
	if (v) {
		for (unsigned long i = 1; i < 32; i++)
			jumps += pfn_of(m, v + i * PG) != pfn_of(m, v + (i - 1) * PG) + 1;
		CHECK(jumps == 31);               /* no two frames adjacent */
		CHECK(vm_stat(m, "mmaps") == 32);  /* one mapping each */
		check_alias(m, v, 32, 7);
		CHECK(mm_vmalloc_to_page(m, v + 32 * PG) == NULL);   /* guard */
		CHECK(mm_last_errno(m) == EINVAL && strstr(mm_last_error(m), "guard"));
		CHECK_VALID(m);
		CHECK(mm_vfree(m, v) == 0);
	}
	for (unsigned long i = 1; i < got; i += 2)
		mm_free_pages(m, all[i], 0);
	free(all);
	check_all_back(m, &s);
	mm_destroy(m);
}

static void test_alias_contiguous(void)
{
	struct mm *m = mm_create(SMALL, NULL, 0);
	unsigned char *v;
	struct snapshot s;

	mm_cpu_bind(m, 0);
	s = snap(m);
	v = mm_vzalloc(m, 1 << 20);
	CHECK(v != NULL);
	for (unsigned long i = 0; i < (1 << 20); i += 509)
		CHECK(v[i] == 0);
	CHECK(vm_stat(m, "mmaps") == 1);      /* one order-8 block, one mapping */
	check_alias(m, v, 256, 3);
	/* a free of a vmalloc page through the page allocator is refused */
	CHECK(mm_free_pages(m, mm_vmalloc_to_page(m, v), 8) == -EFAULT);
	CHECK(strstr(mm_last_error(m), "vmalloc"));
	CHECK(mm_free_pages(m, mm_vmalloc_to_page(m, v + PG), 0) == -EFAULT);
	CHECK(mm_vfree(m, v) == 0);
	check_all_back(m, &s);
	mm_destroy(m);
}

/* ---- faults ----------------------------------------------------------------- */

static void segv_exit(int sig)
{
	(void)sig;
	_exit(77);
}

/* Does touching addr fault?  Tried in a child process. */
static bool faults(volatile unsigned char *addr, bool write)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = segv_exit;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		if (write)
			*addr = 1;
		else
			(void)*addr;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return (WIFEXITED(status) && WEXITSTATUS(status) == 77) ||
	       (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

static void test_faults(void)
{
	struct mm *m = mm_create(SMALL, NULL, 0);
	unsigned char *v, *w, *d;
	struct page *p;

	mm_cpu_bind(m, 0);
	v = mm_vmalloc(m, 3 * PG);
	CHECK(v && !faults(v, true) && !faults(v + 3 * PG - 1, false));
	CHECK(faults(v + 3 * PG, false));      /* the guard page */
	CHECK(faults(v + 4 * PG - 1, true));
	p = mm_vmalloc_to_page(m, v);
	d = mm_page_address(m, p);
	CHECK(mm_vfree(m, v) == 0);
	CHECK(faults(v, false) && faults(v + PG, true));   /* freed: faults at once */
	/* the frame goes to someone else: the old address still faults and the
	 * new owner's data is untouched through it */
	w = mm_vmalloc(m, PG);
	CHECK(w && w != v);
	memset(d, 0x5a, PG);
	CHECK(faults(v, false));
	CHECK(mm_vfree(m, w) == 0);
	/* vmap pages: mapped while vmapped, faulting after vunmap */
	{
		struct page *pages[2] = { mm_alloc_pages(m, GFP_KERNEL, 0),
					  mm_alloc_pages(m, GFP_KERNEL, 0) };
		unsigned char *x = mm_vmap(m, pages, 2);

		CHECK(x && !faults(x + PG, true) && faults(x + 2 * PG, false));
		CHECK(mm_vunmap(m, x) == 0 && faults(x, false));
		mm_free_pages(m, pages[0], 0);
		mm_free_pages(m, pages[1], 0);
	}
	CHECK_VALID(m);
	mm_destroy(m);
}

/* ---- bad input -------------------------------------------------------------- */

static void test_bad_input(void)
{
	struct mm *m = mm_create("cpus=2 DMA=16M DMA32=64M NORMAL=128M vmalloc_size=64M",
				 NULL, 0);
	struct mm *none = mm_create("cpus=1 NORMAL=64M backing=none", NULL, 0);
	char *info_before, *info_after, *cfg;
	unsigned char *v, *x;
	struct page *pg[1];
	struct snapshot s;

	CHECK(mm_vmalloc_end(m) - mm_vmalloc_start(m) == 64ul << 20);
	CHECK(mm_vmalloc_start(m) % (2ul << 20) == 0);
	cfg = mm_config_string(m);
	CHECK(strstr(cfg, "vmalloc_size=64M") != NULL);
	mm_free_string(cfg);
	CHECK(mm_vmalloc(m, PG) == NULL && mm_last_errno(m) == EINVAL &&
	      strstr(mm_last_error(m), "not bound"));
	mm_cpu_bind(m, 0);
	s = snap(m);
	v = mm_vmalloc(m, 5 * PG);
	x = mm_vmalloc(m, PG);
	pg[0] = mm_alloc_pages(m, GFP_KERNEL, 0);
	info_before = mm_report_text(m, "vmallocinfo");

	CHECK(mm_vmalloc(m, 0) == NULL && mm_last_errno(m) == EINVAL &&
	      strstr(mm_last_error(m), "size 0"));
	CHECK(mm_vmalloc(m, 64ul << 20) == NULL && mm_last_errno(m) == EINVAL &&
	      strstr(mm_last_error(m), "exceeds the vmalloc range"));
	CHECK(mm_vmalloc(m, ~0ul) == NULL && mm_last_errno(m) == EINVAL);
	CHECK(mm___vmalloc_node(m, PG, 3 * PG, GFP_KERNEL, -1) == NULL &&
	      strstr(mm_last_error(m), "power of two"));
	CHECK(mm_vmalloc_node(m, PG, 1) == NULL && strstr(mm_last_error(m), "node 1"));
	CHECK(mm___vmalloc(m, PG, 0x200) == NULL && mm_last_errno(m) == EINVAL);
	CHECK(mm___vmalloc(m, PG, __GFP_DMA | __GFP_DMA32) == NULL &&
	      mm_last_errno(m) == EINVAL);
	/* address range exhausted: NULL, ENOMEM, counted, logged */
	CHECK(mm_vmalloc(m, (64ul << 20) - 4 * PG) == NULL && mm_last_errno(m) == ENOMEM);
	CHECK(vm_stat(m, "range_fail") == 1 && vm_stat(m, "alloc_fail") == 1);
	{
		char *dmesg = mm_report_text(m, "dmesg");

		CHECK(strstr(dmesg, "vmap allocation for size") != NULL);
		mm_free_string(dmesg);
	}

	CHECK(mm_vfree(m, NULL) == 0 && mm_vunmap(m, NULL) == 0);
	CHECK_ERR(m, mm_vfree(m, v + PG), EFAULT, "inside the area");
	CHECK_ERR(m, mm_vfree(m, v + 5 * PG), EFAULT, "guard page");
	CHECK_ERR(m, mm_vfree(m, mm_page_address(m, pg[0])), EFAULT, "not a vmalloc address");
	CHECK_ERR(m, mm_vunmap(m, v), EFAULT, "free it with vfree");
	CHECK_ERR(m, mm_vfree(m, (char *)mm_vmalloc_end(m) - PG), EFAULT, "nonexistent vm area");
	CHECK(mm_vmap(m, NULL, 1) == NULL && mm_last_errno(m) == EINVAL);
	CHECK(mm_vmap(m, pg, 0) == NULL && mm_last_errno(m) == EINVAL);
	{
		struct page *bad[1] = { (struct page *)pg };
		struct page *freed = mm_alloc_pages(m, GFP_KERNEL, 0), *fp[1] = { freed };

		CHECK(mm_vmap(m, bad, 1) == NULL && mm_last_errno(m) == EFAULT);
		mm_free_pages(m, freed, 0);
		CHECK(mm_vmap(m, fp, 1) == NULL && mm_last_errno(m) == EFAULT &&
		      strstr(mm_last_error(m), "not allocated"));
	}
	CHECK(mm_vmalloc_to_page(m, mm_page_address(m, pg[0])) == NULL);
	CHECK(mm_vmalloc_to_pfn(m, v + 5 * PG) == MM_PFN_INVALID);
	info_after = mm_report_text(m, "vmallocinfo");
	CHECK(!strcmp(info_before, info_after));   /* nothing changed */
	CHECK_VALID(m);
	mm_free_string(info_after);

	CHECK(mm_vfree(m, v) == 0);
	CHECK_ERR(m, mm_vfree(m, v), EFAULT, "double free");
	mm_vm_unmap_aliases(m);
	CHECK_ERR(m, mm_vfree(m, v), EFAULT, "nonexistent vm area");
	CHECK(mm_vfree(m, x) == 0);
	mm_free_pages(m, pg[0], 0);
	mm_free_string(info_before);
	check_all_back(m, &s);

	/* backing=none: no vmalloc at all */
	mm_cpu_bind(none, 0);
	CHECK(mm_vmalloc(none, PG) == NULL && mm_last_errno(none) == ENXIO &&
	      strstr(mm_last_error(none), "backing=none"));
	CHECK(mm_vmalloc_start(none) == 0 && mm_vfree(none, NULL) == 0);
	CHECK(mm_vfree(none, (void *)0x1000) == -EFAULT);
	CHECK_VALID(none);
	mm_destroy(none);
	mm_destroy(m);
	CHECK(mm_create("vmalloc_size=100K", NULL, 0) == NULL);
	CHECK(mm_create("vmalloc_size=12345", NULL, 0) == NULL);
}

/* Out of pages part way: everything taken is given back - with 6.18's
 * bulk order-0 pages and with libmm's high-order-first blocks. */
static void test_page_failure(bool blocks)
{
	struct mm *m = mm_create(blocks ? "cpus=1 DMA=0 DMA32=0 NORMAL=32M vmalloc_pages=blocks"
				 : "cpus=1 DMA=0 DMA32=0 NORMAL=32M", NULL, 0);
	unsigned long n = mm_nr_pages(m);
	struct snapshot s;
	char *info, *dmesg;
	long free_before;
	void *v;

	mm_cpu_bind(m, 0);
	s = snap(m);
	free_before = mm_vmstat_read(m, "nr_free_pages");
	v = mm_vmalloc(m, (n - 16) * PG);     /* below total pages, above what is free */
	CHECK(v == NULL && mm_last_errno(m) == ENOMEM);
	CHECK(vm_stat(m, "page_fail") == 1 && vm_stat(m, "alloc_fail") == 1);
	CHECK((vm_stat(m, "high_order_blocks") > 0) == blocks);   /* blocks first? */
	mm_drain_all_pages(m);
	CHECK(mm_vmstat_read(m, "nr_free_pages") == free_before);
	info = mm_report_text(m, "vmallocinfo");
	CHECK(info && info[0] == '\0');
	dmesg = mm_report_text(m, "dmesg");
	CHECK(strstr(dmesg, "vmalloc error: size") && strstr(dmesg, "failed to allocate pages"));
	mm_free_string(info);
	mm_free_string(dmesg);
	CHECK(mm___vmalloc(m, (n - 16) * PG, GFP_KERNEL | __GFP_NOWARN) == NULL);
	v = mm_vmalloc(m, 1 << 20);            /* and the machine still works */
	CHECK(v != NULL && mm_vfree(m, v) == 0);
	check_all_back(m, &s);
	mm_destroy(m);
}

/* ---- placement ------------------------------------------------------------- */

static void test_placement(void)
{
	struct mm *m = mm_create("cpus=2 nodes=2 DMA=16M DMA32=64M NORMAL=64M", NULL, 0);
	unsigned char *v32, *n1;
	char *info;
	int node, zone;
	bool ok32 = true, ok1 = true;
	struct snapshot s;

	mm_cpu_bind(m, 0);
	s = snap(m);
	v32 = mm_vmalloc_32(m, 64 * PG);
	n1 = mm_vmalloc_node(m, 16 * PG, 1);
	CHECK(v32 && n1);
	for (int i = 0; v32 && i < 64; i++) {
		mm_pfn_zone(m, pfn_of(m, v32 + i * PG), &node, &zone);
		ok32 &= zone <= MM_ZONE_DMA32;
	}
	for (int i = 0; n1 && i < 16; i++) {
		mm_pfn_zone(m, pfn_of(m, n1 + i * PG), &node, &zone);
		ok1 &= node == 1;
	}
	CHECK(ok32 && ok1);
	info = mm_report_text(m, "vmallocinfo");
	CHECK(strstr(info, " 266240 mm_vmalloc_32 pages=64 vmalloc N0=64\n") != NULL);
	CHECK(strstr(info, "  69632 mm_vmalloc_node pages=16 vmalloc N1=16\n") != NULL);
	mm_free_string(info);
	CHECK(mm_vfree(m, v32) == 0 && mm_vfree(m, n1) == 0);
	check_all_back(m, &s);
	mm_destroy(m);
}

/* ---- test_vmalloc.c scenarios ---------------------------------------------- */

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

static void test_fix_size(struct mm *m, int loops)
{
	for (int i = 0; i < loops; i++) {
		unsigned char *p = mm_vmalloc(m, PG);

		CHECK(p != NULL);
		if (!p)
			return;
		*p = 1;
		mm_vfree(m, p);
	}
}

static void test_random_size(struct mm *m, int loops, unsigned seed)
{
	for (int i = 0; i < loops; i++) {
		unsigned long n = rnd(&seed) % 100 + 1;
		unsigned char *p = mm_vmalloc(m, n * PG);

		CHECK(p != NULL);
		if (!p)
			return;
		p[0] = 1;
		p[n * PG - 1] = 2;
		mm_vfree(m, p);
	}
}

static void test_fix_align(struct mm *m, int loops)
{
	for (int i = 0; i < loops; i++) {
		unsigned char *p = mm___vmalloc_node(m, 5 * PG, 32768, GFP_KERNEL | __GFP_ZERO, 0);

		CHECK(p && (uintptr_t)p % 32768 == 0);
		if (!p)
			return;
		CHECK(p[0] == 0 && p[5 * PG - 1] == 0);
		p[7] = 7;
		mm_vfree(m, p);
	}
}

static void test_random_size_align(struct mm *m, int loops, unsigned seed)
{
	for (int i = 0; i < loops; i++) {
		unsigned r = rnd(&seed) & 0xff;
		unsigned long align = 1ul << (r % 23), size = ((r % 10) + 1) * PG;
		unsigned char *p = mm___vmalloc_node(m, size, align, GFP_KERNEL | __GFP_ZERO, -1);

		CHECK(p && (uintptr_t)p % align == 0);
		if (!p)
			return;
		CHECK(p[size - 1] == 0);
		mm_vfree(m, p);
	}
}

/* align_shift_alloc_test: expected to fail once the alignment outgrows the
 * range; must fail cleanly (NULL, ENOMEM) and never crash. */
static void test_align_shift(struct mm *m)
{
	int first_fail = -1;

	for (int i = 0; i < 64; i++) {
		void *p = mm___vmalloc_node(m, PG, 1ul << i, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, -1);

		if (!p) {
			CHECK(mm_last_errno(m) == ENOMEM);
			if (first_fail < 0)
				first_fail = i;
			continue;
		}
		CHECK((uintptr_t)p % (1ul << i) == 0);
		mm_vfree(m, p);
	}
	CHECK(first_fail > 22 && first_fail < 64);
}

static void test_long_busy_list(struct mm *m, int busy, int loops)
{
	void **keep = calloc((size_t)busy, sizeof(void *));
	int n = 0;

	for (; n < busy; n++)
		if (!(keep[n] = mm_vmalloc(m, PG)))
			break;
	CHECK(n == busy);
	for (int i = 0; i < loops; i++) {
		unsigned char *a = mm_vmalloc(m, 100 * PG), *b = mm_vmalloc(m, PG);

		CHECK(a && b);
		if (!a || !b)
			break;
		a[0] = b[0] = 1;
		mm_vfree(m, a);
		mm_vfree(m, b);
	}
	CHECK_VALID(m);
	while (n--)
		mm_vfree(m, keep[n]);
	free(keep);
}

/* full_fit_alloc_test: one-page holes between live one-page areas; a
 * one-page request must land in a hole, never in the open range above. */
static void test_full_fit(struct mm *m, int junk_length, int loops)
{
	void **ptr = calloc((size_t)junk_length, sizeof(void *));
	void **junk = calloc((size_t)junk_length, sizeof(void *));
	uintptr_t lo, hi;
	int in_hole = 0;

	for (int i = 0; i < junk_length; i++) {
		ptr[i] = mm_vmalloc(m, PG);
		junk[i] = mm_vmalloc(m, PG);
		CHECK(ptr[i] && junk[i]);
	}
	lo = (uintptr_t)ptr[0];
	hi = (uintptr_t)junk[junk_length - 1];
	for (int i = 0; i < junk_length; i++)
		mm_vfree(m, junk[i]);
	mm_vm_unmap_aliases(m);
	for (int i = 0; i < loops; i++) {
		unsigned char *p = mm_vmalloc(m, PG);

		CHECK(p != NULL);
		if (!p)
			break;
		/* a hole is exactly one page + guard between two live areas */
		in_hole += (uintptr_t)p >= lo && (uintptr_t)p <= hi &&
			   ((uintptr_t)p - lo) % (4 * PG) == 2 * PG;
		*p = 1;
		mm_vfree(m, p);
	}
	CHECK(in_hole == loops);
	CHECK_VALID(m);
	for (int i = 0; i < junk_length; i++)
		mm_vfree(m, ptr[i]);
	free(ptr);
	free(junk);
}

/* vm_map_ram_test: map the same bulk of pages again and again. */
static void test_vm_map_ram(struct mm *m, int loops)
{
	struct page *pages[16];
	unsigned char *d;

	for (int i = 0; i < 16; i++)
		pages[i] = mm_alloc_pages(m, GFP_KERNEL | __GFP_ZERO, 0);
	for (int i = 0; i < loops; i++) {
		unsigned char *v = mm_vmap(m, pages, 16);

		CHECK(v != NULL);
		if (!v)
			break;
		v[i % (16 * PG)] = 'a';
		mm_vunmap(m, v);
	}
	d = mm_page_address(m, pages[0]);
	CHECK(d[0] == 'a');
	for (int i = 0; i < 16; i++)
		mm_free_pages(m, pages[i], 0);
}

/* Random live set: alloc/free cycles, each area filled with its own byte
 * and checked before its free (two areas sharing a frame would show). */
static void test_cycles(struct mm *m, int ops, unsigned seed, int *bad)
{
	enum { LIVE = 64 };
	unsigned char *live[LIVE] = { 0 };
	unsigned long size[LIVE] = { 0 };

	for (int i = 0; i < ops; i++) {
		int k = (int)(rnd(&seed) % LIVE);

		if (live[k]) {
			for (unsigned long off = 0; off < size[k]; off += 1021)
				if (live[k][off] != (unsigned char)k)
					__atomic_fetch_add(bad, 1, __ATOMIC_RELAXED);
			if (mm_vfree(m, live[k]))
				__atomic_fetch_add(bad, 1, __ATOMIC_RELAXED);
			live[k] = NULL;
		} else {
			size[k] = (rnd(&seed) % (64 * PG)) + 1;
			live[k] = mm_vmalloc(m, size[k]);
			if (!live[k]) {
				__atomic_fetch_add(bad, 1, __ATOMIC_RELAXED);
				continue;
			}
			memset(live[k], k, size[k]);
		}
	}
	for (int k = 0; k < LIVE; k++)
		if (live[k])
			mm_vfree(m, live[k]);
}

static void test_scenarios(void)
{
	struct mm *m = mm_create("cpus=1 DMA=16M DMA32=64M NORMAL=256M", NULL, 0);
	struct snapshot s;
	int bad = 0;

	mm_cpu_bind(m, 0);
	s = snap(m);
	test_fix_size(m, 3000);
	check_all_back(m, &s);
	s = snap(m);
	test_random_size(m, 2000, 1);
	check_all_back(m, &s);
	s = snap(m);
	test_fix_align(m, 2000);
	check_all_back(m, &s);
	s = snap(m);
	test_random_size_align(m, 2000, 2);
	check_all_back(m, &s);
	s = snap(m);
	test_align_shift(m);
	check_all_back(m, &s);
	s = snap(m);
	test_long_busy_list(m, 15000, 500);
	check_all_back(m, &s);
	s = snap(m);
	/* fls(1 CPU) * 32M/4K pairs, as the kernel test sizes it */
	test_full_fit(m, 8192, 1000);
	CHECK(vm_stat(m, "purges") > 0);
	check_all_back(m, &s);
	s = snap(m);
	test_vm_map_ram(m, 2000);
	check_all_back(m, &s);
	s = snap(m);
	test_cycles(m, 20000, 3, &bad);
	CHECK(bad == 0);
	check_all_back(m, &s);
	CHECK(vm_stat(m, "alloc_fail") == 0 || vm_stat(m, "alloc_fail") == vm_stat(m, "range_fail"));
	mm_destroy(m);
}

/* First fit is the lowest-address free block that fits (guard included). */
static void test_first_fit(void)
{
	struct mm *m = mm_create("cpus=1 DMA=0 DMA32=0 NORMAL=32M vmalloc_size=8M", NULL, 0);
	char *a, *b, *c, *d, *e, *x, *y, *z;
	struct snapshot s;

	mm_cpu_bind(m, 0);
	s = snap(m);
	a = mm_vmalloc(m, PG);          /* [a: 1+1][b: 3+1][c: 1+1][d: 2+1][e: 1+1] */
	b = mm_vmalloc(m, 3 * PG);
	c = mm_vmalloc(m, PG);
	d = mm_vmalloc(m, 2 * PG);
	e = mm_vmalloc(m, PG);
	CHECK(a == (char *)mm_vmalloc_start(m) && b == a + 2 * PG && c == b + 4 * PG &&
	      d == c + 2 * PG && e == d + 3 * PG);
	mm_vfree(m, b);
	mm_vfree(m, d);
	x = mm_vmalloc(m, PG);          /* holes not purged yet: goes above e */
	CHECK(x == e + 2 * PG);
	mm_vm_unmap_aliases(m);
	y = mm_vmalloc(m, 2 * PG);      /* needs 3 pages: b's hole (4) is lowest */
	z = mm_vmalloc(m, 2 * PG);      /* b's hole has 1 left: d's hole (3) fits */
	CHECK(y == b && z == d);
	CHECK(vm_stat(m, "free_areas") == 2);   /* b's last page, the tail */
	CHECK_VALID(m);
	mm_vfree(m, a);
	mm_vfree(m, c);
	mm_vfree(m, e);
	mm_vfree(m, x);
	mm_vfree(m, y);
	mm_vfree(m, z);
	check_all_back(m, &s);
	mm_destroy(m);
}

/* Random sizes and alignments in a small range: NE splits, merges on both
 * sides, purges on range exhaustion; validate() every few hundred steps. */
static void test_tree_stress(void)
{
	enum { LIVE = 300 };
	struct mm *m = mm_create("cpus=1 DMA=0 DMA32=0 NORMAL=64M vmalloc_size=16M", NULL, 0);
	unsigned char *live[LIVE] = { 0 };
	unsigned seed = 42;
	long fails = 0;
	struct snapshot s;

	mm_cpu_bind(m, 0);
	s = snap(m);
	for (int i = 0; i < 30000; i++) {
		int k = (int)(rnd(&seed) % LIVE);

		if (live[k]) {
			CHECK(*live[k] == (unsigned char)k);
			CHECK(mm_vfree(m, live[k]) == 0);
			live[k] = NULL;
		} else {
			unsigned long size = (rnd(&seed) % 24 + 1) * PG;
			unsigned long align = 1ul << (12 + rnd(&seed) % 8);

			live[k] = mm___vmalloc_node(m, size, align, GFP_KERNEL | __GFP_NOWARN, -1);
			if (!live[k]) {
				CHECK(mm_last_errno(m) == ENOMEM);
				fails++;
				continue;
			}
			CHECK((uintptr_t)live[k] % align == 0);
			*live[k] = (unsigned char)k;
		}
		if (i % 500 == 0)
			CHECK_VALID(m);
	}
	CHECK(vm_stat(m, "purges") > 0);
	CHECK(vm_stat(m, "range_fail") == fails);
	for (int k = 0; k < LIVE; k++)
		if (live[k])
			mm_vfree(m, live[k]);
	check_all_back(m, &s);
	mm_destroy(m);
}

/* ---- stale mappings ------------------------------------------------------------ */

static sigjmp_buf probe_env;

static void probe_segv(int sig)
{
	(void)sig;
	siglongjmp(probe_env, 1);
}

/* Can addr be read?  (In the child of test_stale: SIGSEGV and SIGBUS caught.) */
static bool probe(const volatile unsigned char *addr, unsigned char *val)
{
	if (sigsetjmp(probe_env, 1))
		return false;
	*val = *addr;
	return true;
}

/*
 * vfree leaves its mappings behind PROT_NONE (replaced later by the next
 * area's MAP_FIXED or a flush).  After many cycles of mixed sizes, touched
 * and not, some areas still live: in a child, every page of the range used
 * so far must be readable exactly when it is a mapped page of a live area
 * (with that area's bytes, the bytes of the frame vmalloc_to_page names),
 * and fault everywhere else - guard pages, lazy areas, purged and reused
 * ranges alike.  The stale count stays bounded; revived slots (the stale
 * mapping of the very frames a new area got, made RW again) happen.
 */
static void test_stale(void)
{
	enum { LIVE = 64 };
	struct mm *m = mm_create("cpus=1 DMA=0 DMA32=0 NORMAL=128M", NULL, 0);
	static const unsigned long sizes[] = { 1, 2, 3, 16, 17, 64, 256 };
	unsigned char *live[LIVE] = { 0 };
	bool full[LIVE] = { 0 };
	unsigned long top = 0, start;
	unsigned seed = 7;
	long max_stale = 0;
	struct snapshot s;
	pid_t pid;
	int status;

	mm_cpu_bind(m, 0);
	start = mm_vmalloc_start(m);
	s = snap(m);
	for (int i = 0; i < 6000; i++) {
		int k = (int)(rnd(&seed) % LIVE);

		if (live[k]) {
			CHECK(mm_vfree(m, live[k]) == 0);
			live[k] = NULL;
		} else {
			unsigned long n = sizes[rnd(&seed) % 7];

			live[k] = mm_vmalloc(m, n * PG);
			CHECK(live[k] != NULL);
			if (!live[k])
				continue;
			full[k] = rnd(&seed) % 2;
			memset(live[k], k, full[k] ? n * PG : 1);
			if ((unsigned long)live[k] + (n + 1) * PG > top)
				top = (unsigned long)live[k] + (n + 1) * PG;
		}
		if (vm_stat(m, "stale_maps") > max_stale)
			max_stale = vm_stat(m, "stale_maps");
		if (i % 1000 == 0)
			CHECK_VALID(m);
	}
	CHECK_VALID(m);
	CHECK(vm_stat(m, "flushes") > 0 && vm_stat(m, "purges") > 0 &&
	      vm_stat(m, "revived") > 0);
	CHECK(max_stale > 0 && max_stale <= 4096);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = probe_segv };
		int wrong = 0;

		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		for (unsigned long a = start; a < top; a += PG) {
			struct mm_vm_area area;
			bool mapped = !mm_find_vm_area(m, (void *)a, &area) &&
				      a < area.addr + area.size;
			unsigned char v = 0;
			bool readable = probe((unsigned char *)a, &v);

			if (readable != mapped) {
				wrong++;
			} else if (mapped) {    /* and holds that area's bytes */
				int k;

				for (k = 0; k < LIVE && live[k] != (unsigned char *)area.addr; k++)
					;
				if (k == LIVE || ((a == area.addr || full[k]) && v != (unsigned char)k))
					wrong++;
				/* through the frame vmalloc_to_page names: the alias */
				if (*(unsigned char *)mm_page_address(m, mm_vmalloc_to_page(m,
							(void *)a)) != v)
					wrong++;
			}
		}
		_exit(wrong ? 1 : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int k = 0; k < LIVE; k++)
		if (live[k])
			mm_vfree(m, live[k]);
	check_all_back(m, &s);
	CHECK(vm_stat(m, "stale_maps") == 0);
	mm_destroy(m);
}

/* ---- mapping exhaustion ------------------------------------------------------ */

/* In a child: use up the process's mappings (vm.max_map_count), then ask
 * for areas needing more mappings than are left.  They must fail cleanly:
 * NULL, ENOMEM, counted, the machine still valid and usable. */
static int map_exhaustion_child(void)
{
	struct mm *m = mm_create("cpus=1 DMA=0 DMA32=0 NORMAL=16M", NULL, 0);
	enum { RUNS = 64, SLACK = 16 };
	struct page *pages[RUNS];
	char err[512];
	void *v, *ok, *last[SLACK];
	long n = 0;
	int fails = 0;

	if (!m || mm_cpu_bind(m, 0))
		return 10;
	for (int i = 0; i < RUNS; i++)       /* order-1 heads: separate runs */
		pages[i] = mm_alloc_pages(m, GFP_KERNEL, 1);
	ok = mm_vmalloc(m, PG);             /* warm up malloc's arenas */
	mm_vfree(m, ok);
	mm_vm_unmap_aliases(m);
	/* alternate protections so that no two neighbours merge */
	for (;;) {
		void *p = mmap(NULL, PG, (n & 1) ? PROT_READ : PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			break;
		last[n % SLACK] = p;
		n++;
		if (n > 1000000)
			return 11;
	}
	if (n < 1000)
		return 12;
	/* give a few mappings back (room for ASan's own and a one-run area,
	 * not for RUNS runs) */
	for (int i = 0; i < SLACK; i++)
		munmap(last[i], PG);
	v = mm_vmap(m, pages, RUNS);
	if (v)
		return 13;
	if (mm_last_errno(m) != ENOMEM)
		return 14;
	fails++;
	v = mm_vmalloc(m, 8 * PG);
	if (!v && mm_last_errno(m) == ENOMEM)
		fails++;
	else if (v)
		mm_vfree(m, v);
	if (vm_stat(m, "map_fail") != fails || vm_stat(m, "alloc_fail") != fails)
		return 15;
	if (mm_validate(m, err, sizeof(err)))
		return 16;
	if (vm_stat(m, "areas") != 0)
		return 17;
	return 0;
}

static void test_map_exhaustion(void)
{
	pid_t pid;
	int status = -1;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/* the sanitizer runtimes die ("Failed to mmap") once the process is
	 * out of mappings; the release and debug variants run this test */
	return;
#endif
	pid = fork();
	if (pid == 0)
		_exit(map_exhaustion_child());
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fprintf(stderr, "map exhaustion child: status %#x\n", status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- threads ------------------------------------------------------------------ */

struct worker {
	struct mm *m;
	int cpu, bad;
};

static void *worker(void *arg)
{
	struct worker *w = arg;

	if (mm_cpu_bind(w->m, w->cpu)) {
		w->bad = -1;
		return NULL;
	}
	test_cycles(w->m, 20000, 100u + (unsigned)w->cpu, &w->bad);
	mm_cpu_unbind(w->m);
	return NULL;
}

static void test_threads(void)
{
	struct mm *m = mm_create(SMALL, NULL, 0);
	struct worker w[2] = { { m, 0, 0 }, { m, 1, 0 } };
	pthread_t t[2];
	struct snapshot s;

	mm_cpu_bind(m, 0);
	s = snap(m);
	mm_cpu_unbind(m);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(w[0].bad == 0 && w[1].bad == 0);
	mm_cpu_bind(m, 0);
	check_all_back(m, &s);
	mm_destroy(m);
}

/* Kernel-style code through <libmm/kernel.h>. */
static int kernel_style_user(void)
{
	struct page *pages[4];
	char *buf = vzalloc(3 * PAGE_SIZE), *map;
	int ret = 0;

	if (!buf || !is_vmalloc_addr(buf) || buf[PAGE_SIZE] != 0)
		return -1;
	buf[2 * PAGE_SIZE] = 'k';
	if (*(char *)page_address(vmalloc_to_page(buf + 2 * PAGE_SIZE)) != 'k')
		ret = -2;
	for (int i = 0; i < 4; i++)
		pages[3 - i] = vmalloc_to_page(buf + (i % 3) * PAGE_SIZE);
	map = vmap(pages, 4, VM_MAP, PAGE_KERNEL);   /* frames of buf, reordered */
	if (!map || map[PAGE_SIZE] != 'k' || vmalloc_to_pfn(map) != vmalloc_to_pfn(buf))
		ret = -3;
	vunmap(map);
	vfree(buf);
	vfree(NULL);
	vm_unmap_aliases();
	if (VMALLOC_TOTAL != 4ul << 30)
		ret = -4;
	return ret;
}

static void test_kernel_h(void)
{
	struct mm *m = mm_create(SMALL, NULL, 0);
	struct snapshot s;

	mm_cpu_bind(m, 0);
	s = snap(m);
	CHECK(kernel_style_user() == 0);
	check_all_back(m, &s);
	mm_destroy(m);
}

int main(void)
{
	test_kernel_h();
	test_alias_scattered();
	test_alias_contiguous();
	test_faults();
	test_bad_input();
	test_page_failure(false);
	test_page_failure(true);
	test_placement();
	test_scenarios();
	test_first_fit();
	test_tree_stress();
	test_stale();
	test_map_exhaustion();
	test_threads();
	return ctest_done("test_vmalloc");
}
