// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_migrate.c - the movable-memory C API: processes and their real
 * mappings, pins, a driver-style movable owner, mm_migrate_pages(),
 * compaction, and all of it under threads (one thread faulting, unmapping
 * and writing while another compacts; kcompactd=thread).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctest.h"

#define FRAG "cpus=2 DMA=0 DMA32=0 NORMAL=32M min_free_kbytes=128"

static void test_process_mapping(void)
{
	struct mm *m = mm_create(FRAG, NULL, 0);
	struct mm_process *p;
	struct mm_process_info info;
	unsigned long pfn, npfn;
	char buf[16];
	char *host;

	mm_cpu_bind(m, 0);
	p = mm_process_create(m);
	CHECK(p != NULL);
	CHECK(mm_process_fault(p, 0x3000, 0) == 0);
	pfn = mm_process_pfn(p, 0x3000);
	CHECK(pfn != MM_PFN_INVALID);
	host = mm_process_host_address(p, 0x3000);
	CHECK(host != NULL);
	/* a real mapping: bytes written there are the frame's */
	memcpy(host + 100, "hello", 5);
	CHECK(!memcmp((char *)mm_page_address(m, mm_pfn_to_page(m, pfn)) + 100, "hello", 5));
	/* migration moves the frame, the host address stays */
	CHECK(mm_migrate_pages(m, &pfn, 1, -1, MM_MIGRATE_SYNC, NULL) == 0);
	npfn = mm_process_pfn(p, 0x3000);
	CHECK(npfn != pfn && npfn != MM_PFN_INVALID);
	CHECK(mm_process_host_address(p, 0x3000) == host);
	CHECK(!memcmp(host + 100, "hello", 5));
	CHECK(mm_process_read(p, 0x3000 + 100, buf, 5) == 0 && !memcmp(buf, "hello", 5));
	CHECK(mm_process_info(p, &info) == 0 && info.rss == 1 && info.nr_folios == 1);
	CHECK_ERR(m, mm_process_fault(p, 0x3000, 0), EEXIST, "already");
	CHECK_ERR(m, mm_process_read(p, 0x9000, buf, 1), EFAULT, "nothing is mapped");
	CHECK_ERR(m, mm_process_fault(p, 0x1000, 2), EINVAL, "not aligned");
	CHECK(mm_process_pfn(p, 0x9000) == MM_PFN_INVALID && mm_last_errno(m) == EFAULT);
	CHECK_VALID(m);
	/* unbound, the destroy is refused and the process stays whole */
	mm_cpu_unbind(m);
	mm_process_destroy(p);
	CHECK(mm_last_errno(m) == EINVAL && strstr(mm_last_error(m), "process_destroy(pid ") &&
	      strstr(mm_last_error(m), "not bound to a CPU"));
	mm_cpu_bind(m, 0);
	CHECK(mm_process_read(p, 0x3000 + 100, buf, 5) == 0 && !memcmp(buf, "hello", 5));
	CHECK_VALID(m);
	mm_process_destroy(p);
	CHECK_VALID(m);
	mm_destroy(m);
}

static void test_pins(void)
{
	struct mm *m = mm_create(FRAG, NULL, 0);
	struct mm_migrate_result res;
	struct mm_process *p;
	unsigned long pfn;

	mm_cpu_bind(m, 0);
	p = mm_process_create(m);
	CHECK(mm_process_fault(p, 0, 0) == 0);
	pfn = mm_process_pfn(p, 0);
	CHECK(mm_process_pin(p, 0, 0) == (long)pfn);
	CHECK(mm_migrate_pages(m, &pfn, 1, -1, MM_MIGRATE_ASYNC, &res) == 1);
	CHECK(res.nr_failed[MM_MIGRATE_FAIL_PINNED] == 1 && res.first_pfn[MM_MIGRATE_FAIL_PINNED] == pfn);
	CHECK(res.nr_failed_pages == 1 && res.nr_succeeded == 0);
	CHECK_ERR(m, mm_process_unmap(p, 0, 4096), EBUSY, "pinned");
	CHECK(mm_process_unpin(p, 0) == 0);
	CHECK_ERR(m, mm_process_unpin(p, 0), EINVAL, "not pinned");
	CHECK_ERR(m, (int)mm_process_pin(p, 0, 0x4), EINVAL, "unknown FOLL flags");
	CHECK(mm_process_unmap(p, 0, 4096) == 0);
	mm_process_destroy(p);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* A driver keeping frames in a table, movable through movable_operations. */
struct driver {
	struct page *slot[64];
	int busy, isolated, putback, migrated;
};

static int drv_isolate(void *arg, struct page *page, unsigned long priv, int mode)
{
	struct driver *d = arg;

	(void)mode;
	CHECK(d->slot[priv] == page);
	d->isolated++;
	return 1;
}

static int drv_migrate(void *arg, struct page *dst, struct page *src, unsigned long priv,
		       int mode)
{
	struct driver *d = arg;

	(void)mode;
	if (d->busy)
		return -EAGAIN;
	CHECK(d->slot[priv] == src);
	d->slot[priv] = dst;
	d->migrated++;
	return 0;
}

static void drv_putback(void *arg, struct page *page, unsigned long priv)
{
	struct driver *d = arg;

	CHECK(d->slot[priv] == page);
	d->putback++;
}

static const struct mm_movable_operations drv_ops = {
	.isolate_page = drv_isolate, .migrate_page = drv_migrate, .putback_page = drv_putback,
};

static void test_owner(void)
{
	struct mm *m = mm_create(FRAG, NULL, 0);
	struct driver d = { 0 };
	struct mm_movable_owner *o;
	struct mm_migrate_result res;
	unsigned long pfns[64];

	mm_cpu_bind(m, 0);
	CHECK(mm_movable_owner_register(m, "bad", NULL, NULL) == NULL);
	o = mm_movable_owner_register(m, "drv", &drv_ops, &d);
	CHECK(o != NULL);
	for (unsigned long i = 0; i < 64; i++) {
		d.slot[i] = mm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
		memset(mm_page_address(m, d.slot[i]), (int)i, 4096);
		CHECK(mm_page_set_movable(m, d.slot[i], o, i) == 0);
		pfns[i] = mm_page_to_pfn(m, d.slot[i]);
	}
	CHECK_ERR(m, mm_page_set_movable(m, d.slot[0], o, 0), EINVAL, "movable already");
	CHECK_ERR(m, mm_movable_owner_unregister(o), EBUSY, "still has 64");
	d.busy = 1;
	CHECK(mm_migrate_pages(m, pfns, 4, -1, MM_MIGRATE_SYNC, &res) == 4);
	CHECK(res.nr_failed[MM_MIGRATE_FAIL_BUSY] == 4 && d.putback == 4);
	d.busy = 0;
	CHECK(mm_migrate_pages(m, pfns, 64, -1, MM_MIGRATE_SYNC, &res) == 0);
	CHECK(res.nr_succeeded == 64 && d.migrated == 64);
	for (unsigned long i = 0; i < 64; i++) {
		unsigned char *c = mm_page_address(m, d.slot[i]);

		CHECK(mm_page_to_pfn(m, d.slot[i]) != pfns[i] && c[0] == i && c[4095] == i);
	}
	CHECK(mm_vmstat_read(m, "pgmigrate_success") == 64);
	CHECK_VALID(m);
	/* freeing a movable page unregisters it */
	for (unsigned long i = 0; i < 64; i++)
		CHECK(mm_free_pages(m, d.slot[i], 0) == 0);
	CHECK(mm_movable_owner_unregister(o) == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

/* ---- threads ---------------------------------------------------------------- */

struct worker {
	struct mm *m;
	int cpu, rounds, failures;
};

static void *fault_worker(void *arg)
{
	struct worker *w = arg;
	struct mm_process *p;
	char buf[8];

	if (mm_cpu_bind(w->m, w->cpu))          /* no CHECK in threads: its */
		w->failures++;                  /* counters are not atomic */
	p = mm_process_create(w->m);
	for (int r = 0; r < w->rounds; r++) {
		for (unsigned long a = 0; a < 256; a++) {
			unsigned long addr = a * 4096;

			if (mm_process_fault(p, addr, 0))
				continue;
			memcpy(buf, &addr, sizeof(addr));
			mm_process_write(p, addr, buf, sizeof(addr));
		}
		for (unsigned long a = 0; a < 256; a++) {
			unsigned long addr = a * 4096, got = 0;

			if (mm_process_read(p, addr, &got, sizeof(got)) == 0 && got != addr)
				w->failures++;
			if (a % 3)
				mm_process_unmap(p, addr, 4096);
		}
		if (r % 4 == 3)
			mm_process_unmap(p, 0, 256 * 4096);
	}
	mm_process_destroy(p);
	mm_cpu_unbind(w->m);
	return NULL;
}

static void *compact_worker(void *arg)
{
	struct worker *w = arg;

	if (mm_cpu_bind(w->m, w->cpu))
		w->failures++;
	for (int r = 0; r < w->rounds; r++) {
		struct page *pg = mm_alloc_pages(w->m, GFP_KERNEL | __GFP_NOWARN, 3);

		mm_compact_memory(w->m, -1);
		if (pg)
			mm_free_pages(w->m, pg, 3);
	}
	mm_cpu_unbind(w->m);
	return NULL;
}

static void test_threads(void)
{
	struct mm *m = mm_create(FRAG, NULL, 0);
	struct worker a = { m, 0, 24, 0 }, b = { m, 1, 24, 0 };
	pthread_t ta, tb;

	pthread_create(&ta, NULL, fault_worker, &a);
	pthread_create(&tb, NULL, compact_worker, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(a.failures == 0 && b.failures == 0);
	CHECK_VALID(m);
	mm_destroy(m);
}

static void test_kcompactd_thread(void)
{
	struct mm *m = mm_create(FRAG " kcompactd=thread compaction_proactiveness=90", NULL, 0);
	struct mm_process *p;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	mm_cpu_bind(m, 0);
	p = mm_process_create(m);
	for (unsigned long a = 0; a < 4096; a++)
		mm_process_fault(p, a * 4096, 0);
	for (unsigned long a = 0; a < 4096; a++)
		if (a % 8)
			mm_process_unmap(p, a * 4096, 4096);
	mm_cpu_unbind(m);
	/* the real thread: proactive compaction within a few 500 ms wake-ups */
	for (int i = 0; i < 60 && mm_vmstat_read(m, "compact_daemon_migrate_scanned") <= 0; i++)
		nanosleep(&ts, NULL);
	CHECK(mm_vmstat_read(m, "compact_daemon_migrate_scanned") > 0);
	mm_cpu_bind(m, 0);
	mm_process_destroy(p);
	CHECK_VALID(m);
	mm_destroy(m);
}

int main(void)
{
	test_process_mapping();
	test_pins();
	test_owner();
	test_threads();
	test_kcompactd_thread();
	return ctest_done("test_migrate");
}
