// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmm/debug.h - failure on purpose and corruption a program can assert
 * on: the kernel's taint flags (kernel/panic.c), fault injection
 * (lib/fault-inject.c, mm/fail_page_alloc.c, mm/failslab.c), dump_page(),
 * and the state in which free memory can be compared (quiesce).
 * Included by <libmm/mm.h>.
 */
#ifndef LIBMM_DEBUG_H
#define LIBMM_DEBUG_H

#include <stddef.h>
#include <libmm/gfp.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct mm;
struct kmem_cache;
struct page;

/* ---- taint: the kernel's bit numbers (include/linux/panic.h) ------------
 * Every slub_debug BUG report, freelist corruption and invalid free adds
 * BAD_PAGE ('B'); every WARNING the library prints adds WARN ('W').  With
 * the machine key panic_on_taint=MASK (hex, as the boot parameter), the
 * call that adds a taint whose bit is in MASK fails with EFAULT (the kernel
 * would panic); the machine stays usable. */
#define MM_TAINT_PROPRIETARY_MODULE     0
#define MM_TAINT_FORCED_MODULE          1
#define MM_TAINT_CPU_OUT_OF_SPEC        2
#define MM_TAINT_FORCED_RMMOD           3
#define MM_TAINT_MACHINE_CHECK          4
#define MM_TAINT_BAD_PAGE               5
#define MM_TAINT_USER                   6
#define MM_TAINT_DIE                    7
#define MM_TAINT_OVERRIDDEN_ACPI_TABLE  8
#define MM_TAINT_WARN                   9
#define MM_TAINT_CRAP                   10
#define MM_TAINT_FIRMWARE_WORKAROUND    11
#define MM_TAINT_OOT_MODULE             12
#define MM_TAINT_UNSIGNED_MODULE        13
#define MM_TAINT_SOFTLOCKUP             14
#define MM_TAINT_LIVEPATCH              15
#define MM_TAINT_AUX                    16
#define MM_TAINT_RANDSTRUCT             17
#define MM_TAINT_TEST                   18
#define MM_TAINT_FWCTL                  19
#define MM_TAINT_FLAGS_COUNT            20

/* /proc/sys/kernel/tainted: bit n set = taint n.  0 for a NULL machine.
 * The letters (print_tainted()): mm_report_text(m, "tainted"). */
unsigned long mm_tainted(struct mm *m);

/* ---- fault injection -----------------------------------------------------
 * name: "fail_page_alloc" or "failslab"; knob: a file of the kernel's
 * /sys/kernel/debug/<name>/ directory: "probability" (percent), "interval",
 * "times" (-1 = no limit), "space", "verbose" (0, 1: log the failure, 2:
 * and a stack dump), "ignore-gfp-wait"; fail_page_alloc also
 * "ignore-gfp-highmem" and "min-order", failslab "cache-filter" (only
 * caches with SLAB_FAILSLAB fail; see mm_kmem_cache_set_failslab).
 * Underscores are accepted for hyphens.  Defaults are the kernel's
 * (FAULT_ATTR_INITIALIZER: interval 1, times 1, verbose 2, probability 0;
 * fail_page_alloc: ignore-gfp-wait 1, ignore-gfp-highmem 1, min-order 1;
 * failslab: ignore-gfp-wait 1, cache-filter 0); the boot keys
 * fail_page_alloc= and failslab= set <interval>,<probability>,<space>,<times>.
 * The random draws come from the machine's seed.  __GFP_NOFAIL requests
 * are never failed.  An injected failure is NULL with mm_last_errno() ==
 * ENOMEM and mm_last_fault_injected() == 1.
 * mm_fault_inject(): 0, or -EINVAL for a bad name, knob or value.
 * mm_fault_inject_read(): 0 and *value = the knob's value, or with knob
 * "injected" the failures forced so far; -EINVAL for a bad name or knob. */
int  mm_fault_inject(struct mm *m, const char *name, const char *knob, long value);
int  mm_fault_inject_read(struct mm *m, const char *name, const char *knob, long *value);
/* 1 if the calling thread's last failure in m was forced by fault
 * injection (directly or through the page allocation beneath it), else 0. */
int  mm_last_fault_injected(struct mm *m);
/* /sys/kernel/slab/<cache>/failslab: SLAB_FAILSLAB on (1) or off (0);
 * -EINVAL for a merged cache, as the kernel's failslab_store(). */
int  mm_kmem_cache_set_failslab(struct kmem_cache *s, int on);

/* ---- page state (dump_page()) --------------------------------------------- */

/* The state of the block a page frame is part of. */
#define MM_PAGE_BUDDY     0     /* free, on a buddy list */
#define MM_PAGE_PCP       1     /* free, on a per-CPU list */
#define MM_PAGE_ALLOCATED 2     /* allocated */

struct mm_page_info {
	unsigned long pfn;
	unsigned long head_pfn;         /* the block holding it (pfn for a head) */
	int state;                      /* MM_PAGE_* of that block */
	int order;                      /* the block's order */
	int refcount;                   /* page_ref_count() of this frame */
	int migratetype;                /* of its pageblock (MM_MIGRATE_*) */
	int node, zone_idx;
	int compound;                   /* part of a __GFP_COMP page */
	int slab, vmalloc, reserved, lru; /* PG_slab, vmalloc-owned, PG_reserved, PG_lru */
	char cache[64];                 /* owning kmem_cache name, "" if none */
};
/* 0 and *out filled; -EINVAL for a PFN outside the machine.  Reads the
 * page under its zone's lock; pages other threads' CPUs hold may move. */
int   mm_page_info(struct mm *m, unsigned long pfn, struct mm_page_info *out);
/* The kernel's dump_page() text for the frame (caller frees with
 * mm_free_string); NULL for a PFN outside the machine. */
char *mm_dump_page(struct mm *m, unsigned long pfn);

/* ---- quiescing --------------------------------------------------------------
 * Shrink every cache (flushing cpu slabs, sheaves and barns), purge lazily
 * freed vmalloc areas and drain every CPU's page lists: afterwards the free
 * page counts are comparable with a fresh machine's.  Needs every other
 * CPU unbound (waits up to a second for them); 0 or -EBUSY. */
int   mm_quiesce(struct mm *m);

/* ---- attribution: page_owner=1 ------------------------------------------
 * Per allocated page its order, GFP, migratetype, call site and allocation
 * sequence number (mm_report_text(m, "page_owner"), the format of
 * /sys/kernel/debug/page_owner), and bytes and calls live per call site
 * (mm_report_text(m, "allocinfo"), /proc/allocinfo's format).  The entry
 * points take the call site from their return address; the _site variants
 * take it from the caller: a return address, or a name registered with
 * mm_site_register() (0 on failure; with page_owner=0 any non-zero value,
 * the site being unused).  Nothing is recorded while page_owner=0. */
int           mm_page_owner_enabled(struct mm *m);
/* Pageblocks holding an allocation of another migratetype than their own
 * (pagetypeinfo's "Number of mixed blocks", all zones summed); the report
 * JSON's "census" has the whole pageblock census. */
unsigned long mm_mixed_pageblocks(struct mm *m);
unsigned long mm_site_register(struct mm *m, const char *name);
struct page  *mm_alloc_pages_site(struct mm *m, gfp_t gfp, unsigned order, unsigned long site);
void         *mm_kmalloc_site(struct mm *m, size_t size, gfp_t gfp, unsigned long site);
void         *mm_krealloc_site(struct mm *m, const void *p, size_t size, gfp_t gfp,
			       unsigned long site);
void         *mm_kmem_cache_alloc_site(struct kmem_cache *s, gfp_t gfp, unsigned long site);
void         *mm_vmalloc_site(struct mm *m, unsigned long size, unsigned long site);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* LIBMM_DEBUG_H */
