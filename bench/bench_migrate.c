// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_migrate.c - what migrating a page costs, and compaction's
 * throughput, side by side with this machine's own kernel.
 *
 *   1. ns per order-0 page through mm_migrate_pages (MIGRATE_SYNC, 4096
 *      pages a call, median of 7 rounds), for a driver-owned page (no
 *      mapping: isolate, target, copy, owner callback, free), a user page
 *      without memory behind it (backing=none: no copy, no mapping), a user
 *      page whose mapping was never touched (the remap replaces a VMA with
 *      no page-table entry), and one whose mapping was touched (the remap
 *      also zaps a populated PTE); then the remap alone (one mmap
 *      MAP_FIXED of a memfd page over an untouched or a touched mapping)
 *      and the 4 KiB copy alone.  Every frame is written once beforehand,
 *      so no timing includes the host's first-touch fault of the memfd.
 *   2. Compaction: a zone with one user page in eight (every pageblock
 *      fragmented), compact_memory: pages scanned and migrated per second.
 *   3. The host kernel's own compaction (echo 1 > /proc/sys/vm/
 *      compact_memory, its /proc/vmstat counters before and after), when
 *      this runs as root: the same two rates from a real kernel.
 *
 * Usage: bench_migrate       table on stdout, results/bench_migrate.json
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "bench.h"

#define NPAGES 4096
#define ROUNDS 7

/* write every frame once through the direct map (host first-touch faults
 * out of the timings) */
static void prefault(struct mm *m)
{
	char *base = mm_direct_map_base(m);

	if (base)
		memset(base, 0, mm_nr_pages(m) * MM_PAGE_SIZE);
}

static double time_migrate(struct mm *m, unsigned long *pfns, struct page **slot,
			   struct mm_process *p, int touch)
{
	double t[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		double t0;

		for (int i = 0; i < NPAGES; i++) {
			if (p) {
				pfns[i] = mm_process_pfn(p, (unsigned long)i * MM_PAGE_SIZE);
				if (touch)
					((volatile char *)mm_process_host_address(
						p, (unsigned long)i * MM_PAGE_SIZE))[0]++;
			} else {
				pfns[i] = mm_page_to_pfn(m, slot[i]);
			}
		}
		t0 = now();
		if (mm_migrate_pages(m, pfns, NPAGES, -1, MM_MIGRATE_SYNC, NULL) != 0) {
			fprintf(stderr, "bench_migrate: migration failed: %s\n", mm_last_error(m));
			exit(1);
		}
		t[r] = (now() - t0) * 1e9 / NPAGES;
	}
	return median(t, ROUNDS);
}

static double bench_user(const char *cfg, int touch)
{
	struct mm *m = bench_machine(cfg);
	static unsigned long pfns[NPAGES];
	struct mm_process *p;
	double ns;

	mm_cpu_bind(m, 0);
	prefault(m);
	p = mm_process_create(m);
	for (unsigned long i = 0; i < NPAGES; i++)
		mm_process_fault(p, i * MM_PAGE_SIZE * 2, 0);      /* one VMA a page */
	/* the pages at even page indexes: address i * 8K */
	for (unsigned long i = 0; i < NPAGES; i++)
		pfns[i] = mm_process_pfn(p, i * MM_PAGE_SIZE * 2);
	{
		double t[ROUNDS];

		for (int r = 0; r < ROUNDS; r++) {
			double t0;

			for (unsigned long i = 0; i < NPAGES; i++) {
				pfns[i] = mm_process_pfn(p, i * MM_PAGE_SIZE * 2);
				if (touch)
					((volatile char *)mm_process_host_address(p, i * MM_PAGE_SIZE * 2))[0]++;
			}
			t0 = now();
			if (mm_migrate_pages(m, pfns, NPAGES, -1, MM_MIGRATE_SYNC, NULL) != 0) {
				fprintf(stderr, "bench_migrate: %s\n", mm_last_error(m));
				exit(1);
			}
			t[r] = (now() - t0) * 1e9 / NPAGES;
		}
		ns = median(t, ROUNDS);
	}
	mm_process_destroy(p);
	mm_destroy(m);
	return ns;
}

static double bench_owner(void)
{
	struct mm *m = bench_machine("cpus=1 DMA=0 DMA32=0 NORMAL=64M");
	static struct page *slot[NPAGES];
	static unsigned long pfns[NPAGES];
	struct mm_movable_owner *o;
	double ns;

	mm_cpu_bind(m, 0);
	prefault(m);
	o = mm_movable_owner_register(m, "bench", &bench_slot_ops, slot);
	for (unsigned long i = 0; i < NPAGES; i++) {
		slot[i] = mm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
		mm_page_set_movable(m, slot[i], o, i);
	}
	ns = time_migrate(m, pfns, slot, NULL, 0);
	for (unsigned long i = 0; i < NPAGES; i++)
		mm_free_pages(m, slot[i], 0);
	mm_movable_owner_unregister(o);
	mm_destroy(m);
	return ns;
}

/* one mmap MAP_FIXED of a memfd page over a one-page memfd mapping */
static double bench_remap(int touch)
{
	int fd = memfd_create("bench-remap", 0);
	size_t n = 2048;
	char *base, *dm;
	double t[ROUNDS];

	if (fd < 0 || ftruncate(fd, (off_t)(4 * n * MM_PAGE_SIZE)))
		return -1;
	dm = mmap(NULL, 4 * n * MM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memset(dm, 1, 4 * n * MM_PAGE_SIZE);
	base = mmap(NULL, 2 * n * MM_PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < n; i++)
		mmap(base + 2 * i * MM_PAGE_SIZE, MM_PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED, fd, (off_t)(i * MM_PAGE_SIZE));
	for (int r = 0; r < ROUNDS; r++) {
		double t0;

		for (size_t i = 0; touch && i < n; i++)
			((volatile char *)base)[2 * i * MM_PAGE_SIZE]++;
		t0 = now();
		for (size_t i = 0; i < n; i++)
			mmap(base + 2 * i * MM_PAGE_SIZE, MM_PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_FIXED, fd, (off_t)(((size_t)(r & 1) + 1) * n + i) * MM_PAGE_SIZE);
		t[r] = (now() - t0) * 1e9 / (double)n;
	}
	munmap(base, 2 * n * MM_PAGE_SIZE);
	munmap(dm, 4 * n * MM_PAGE_SIZE);
	close(fd);
	return median(t, ROUNDS);
}

static double bench_copy(void)
{
	static char a[MM_PAGE_SIZE * 64], b[MM_PAGE_SIZE * 64];
	double t[ROUNDS];

	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now();

		for (int k = 0; k < 1000; k++)
			memcpy(b + (k % 64) * MM_PAGE_SIZE, a + ((k + r) % 64) * MM_PAGE_SIZE,
			       MM_PAGE_SIZE);
		t[r] = (now() - t0) * 1e9 / 1000;
	}
	return median(t, ROUNDS);
}

struct crate { double s; long scanned, migrated; };

/* compact_memory over a zone with one user page in eight */
static struct crate bench_compaction(const char *cfg)
{
	struct mm *m = bench_machine(cfg);
	struct mm_process *p;
	struct crate c;
	unsigned long n;
	long s0, f0, g0;
	double t0;

	mm_cpu_bind(m, 0);
	prefault(m);
	p = mm_process_create(m);
	for (n = 0; !mm_process_fault(p, n * MM_PAGE_SIZE, 0); n++)
		;
	for (unsigned long i = 0; i < n; i++)
		if (mm_process_pfn(p, i * MM_PAGE_SIZE) % 8)
			mm_process_unmap(p, i * MM_PAGE_SIZE, MM_PAGE_SIZE);
	mm_drain_all_pages(m);
	s0 = mm_vmstat_read(m, "compact_migrate_scanned");
	f0 = mm_vmstat_read(m, "compact_free_scanned");
	g0 = mm_vmstat_read(m, "pgmigrate_success");
	t0 = now();
	mm_compact_memory(m, -1);
	c.s = now() - t0;
	c.scanned = mm_vmstat_read(m, "compact_migrate_scanned") - s0 +
		    mm_vmstat_read(m, "compact_free_scanned") - f0;
	c.migrated = mm_vmstat_read(m, "pgmigrate_success") - g0;
	mm_process_destroy(p);
	mm_destroy(m);
	return c;
}

static long host_vmstat(const char *name)
{
	char line[256];
	long v = -1;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ')
			v = atol(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

/* the host kernel's compact_memory; s < 0 when it cannot be triggered */
static struct crate bench_host_compaction(void)
{
	struct crate c = { -1, 0, 0 };
	long s0 = host_vmstat("compact_migrate_scanned"), f0 = host_vmstat("compact_free_scanned");
	long g0 = host_vmstat("pgmigrate_success");
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
	double t0;

	if (fd < 0 || s0 < 0)
		return c;
	t0 = now();
	if (write(fd, "1\n", 2) == 2)
		c.s = now() - t0;
	close(fd);
	c.scanned = host_vmstat("compact_migrate_scanned") - s0 + host_vmstat("compact_free_scanned") - f0;
	c.migrated = host_vmstat("pgmigrate_success") - g0;
	return c;
}

int main(void)
{
	double owner = bench_owner();
	double none = bench_user("cpus=1 DMA=0 DMA32=0 NORMAL=64M backing=none", 0);
	double cold = bench_user("cpus=1 DMA=0 DMA32=0 NORMAL=64M", 0);
	double hot = bench_user("cpus=1 DMA=0 DMA32=0 NORMAL=64M", 1);
	double remap_cold = bench_remap(0), remap_hot = bench_remap(1), copy = bench_copy();
	struct crate cm = bench_compaction("cpus=1 DMA=0 DMA32=0 NORMAL=256M");
	struct crate cn = bench_compaction("cpus=1 DMA=0 DMA32=0 NORMAL=256M backing=none");
	struct crate ck = bench_host_compaction();
	FILE *j;

	printf("migrate one order-0 page (mm_migrate_pages, MIGRATE_SYNC, %d a call), ns per page\n",
	       NPAGES);
	printf("  driver page (movable_operations, copy, no mapping) %8.0f\n", owner);
	printf("  user page, backing=none (no copy, no mapping)      %8.0f\n", none);
	printf("  user page, mapping never touched                   %8.0f\n", cold);
	printf("  user page, mapping touched                         %8.0f\n", hot);
	printf("  the remap alone (mmap MAP_FIXED), untouched / touched %6.0f / %.0f\n",
	       remap_cold, remap_hot);
	printf("  the 4 KiB copy alone                               %8.0f\n", copy);
	printf("compaction (compact_memory, one user page in 8, 256M zone)\n");
	printf("  %-28s %10s %10s %14s %14s\n", "", "seconds", "migrated", "scanned/s", "migrated/s");
	printf("  %-28s %10.3f %10ld %14.0f %14.0f\n", "libmm, memfd", cm.s, cm.migrated,
	       cm.scanned / cm.s, cm.migrated / cm.s);
	printf("  %-28s %10.3f %10ld %14.0f %14.0f\n", "libmm, backing=none", cn.s, cn.migrated,
	       cn.scanned / cn.s, cn.migrated / cn.s);
	if (ck.s > 0)
		printf("  %-28s %10.3f %10ld %14.0f %14.0f\n", "host kernel compact_memory", ck.s,
		       ck.migrated, ck.scanned / ck.s, ck.migrated / ck.s);
	else
		printf("  host kernel compact_memory: not available (needs root)\n");
	j = fopen("results/bench_migrate.json", "w");
	if (j) {
		fprintf(j, "{\"migrate_ns\": {\"owner\": %.0f, \"user_backing_none\": %.0f, "
			"\"user_untouched\": %.0f, \"user_touched\": %.0f, \"remap_untouched\": %.0f, "
			"\"remap_touched\": %.0f, \"copy_4k\": %.0f},\n \"compaction\": {"
			"\"libmm_memfd\": {\"s\": %.4f, \"scanned\": %ld, \"migrated\": %ld}, "
			"\"libmm_none\": {\"s\": %.4f, \"scanned\": %ld, \"migrated\": %ld}, "
			"\"host_kernel\": {\"s\": %.4f, \"scanned\": %ld, \"migrated\": %ld}}}\n",
			owner, none, cold, hot, remap_cold, remap_hot, copy, cm.s, cm.scanned,
			cm.migrated, cn.s, cn.scanned, cn.migrated, ck.s, ck.scanned, ck.migrated);
		fclose(j);
	}
	return 0;
}
