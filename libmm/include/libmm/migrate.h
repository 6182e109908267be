// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmm/migrate.h - movable memory: user address spaces with a reverse map,
 * pins, movable-page owners, page migration and compaction (mm/memory.c,
 * mm/gup.c, mm/migrate.c, mm/compaction.c).  Included by <libmm/mm.h>.
 *
 * A page is movable because something knows how to move it: a process that
 * maps it (its page table is rewritten to the new frame, and the real
 * mapping in this process follows), or an owner that registered
 * movable_operations for it.  Pages with neither are unmovable, whatever GFP
 * they were allocated with.
 *
 * Errors as everywhere in libmm: -errno (or NULL / MM_PFN_INVALID) with
 * mm_last_errno()/mm_last_error().  EINVAL: bad argument (unaligned or
 * out-of-range address, order above max, thread not bound to a CPU);
 * EEXIST: the address is mapped already; EFAULT: nothing is mapped there;
 * EBUSY: pinned, isolated, or an owner still holding pages; ENOMEM: out of
 * memory (counted, not misuse).
 */
#ifndef LIBMM_MIGRATE_H
#define LIBMM_MIGRATE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct mm;
struct page;
struct mm_process;              /* one simulated task's address space */
struct mm_movable_owner;        /* a registered movable_operations owner */

/* ---- user address spaces (mm_struct + page tables) --------------------- */

/* A new, empty address space of task_size= bytes (machine key, 16G by
 * default): user addresses are 0 .. task_size-1.  NULL on failure. */
struct mm_process *mm_process_create(struct mm *m);
/* exit_mmap(): every pin is released, every page unmapped and freed. */
void mm_process_destroy(struct mm_process *p);
/* A page fault at addr: a folio of 2^order pages (order 0:
 * GFP_HIGHUSER_MOVABLE; above: GFP_TRANSHUGE, a compound page) is allocated
 * and mapped at [addr, addr + 4K << order), which must be aligned to its
 * size and unmapped.  The frames are mapped for real in this process (see
 * mm_process_host_address).  0, -ENOMEM when the allocation fails (counted:
 * thp_fault_fallback for pageblock-order faults), -EEXIST, -EINVAL. */
int mm_process_fault(struct mm_process *p, unsigned long addr, unsigned order);
/* munmap(): unmap and free every folio overlapping [addr, addr + len)
 * (page aligned).  Folios must lie wholly inside the range (no splitting
 * of a large folio by a partial unmap) and must not be pinned: -EINVAL /
 * -EBUSY and nothing changes otherwise.  Holes are fine. */
int mm_process_unmap(struct mm_process *p, unsigned long addr, unsigned long len);
/* The frame mapped at addr, or MM_PFN_INVALID (errno EFAULT) if none. */
unsigned long mm_process_pfn(struct mm_process *p, unsigned long addr);
/* Where user address addr of p lives in this process's own address space
 * (a real mapping of the frame; NULL with backing=none or nothing mapped).
 * Valid until the page is unmapped; migration keeps the address and moves
 * what is behind it. */
void *mm_process_host_address(struct mm_process *p, unsigned long addr);
/* access_process_vm(): copy through the process's mapping; every page of
 * the range must be mapped (-EFAULT otherwise, nothing copied). */
int mm_process_read(struct mm_process *p, unsigned long addr, void *buf, size_t len);
int mm_process_write(struct mm_process *p, unsigned long addr, const void *buf, size_t len);

/* pin_user_pages() of the page at addr: the folio holding it gets one more
 * pin and cannot migrate until unpin_user_page().  MM_FOLL_LONGTERM first
 * migrates a folio out of ZONE_MOVABLE (check_and_migrate_movable_folios,
 * MR_LONGTERM_PIN) and fails with -ENOMEM/-EAGAIN when that fails, as the
 * kernel does.  Returns the PFN pinned as a non-negative long, or -errno. */
#define MM_FOLL_LONGTERM 0x100u         /* FOLL_LONGTERM's value */
long mm_process_pin(struct mm_process *p, unsigned long addr, unsigned int foll_flags);
int  mm_process_unpin(struct mm_process *p, unsigned long addr);

struct mm_process_info {
	int pid;                        /* 1, 2, ... in creation order */
	unsigned long task_size;        /* bytes of user address space */
	unsigned long rss;              /* pages mapped */
	unsigned long nr_folios;        /* folios mapped */
	unsigned long nr_pinned;        /* pins held (sum over folios) */
	unsigned long nr_pgtables;      /* page-table pages (PTE tables) */
	unsigned long nr_maps;          /* mmap calls made for its mappings */
};
int mm_process_info(struct mm_process *p, struct mm_process_info *out);
/* Walk the mapped folios in address order: fn(arg, addr, pfn, order, pins);
 * a non-zero return stops the walk and is returned. */
int mm_process_walk(struct mm_process *p,
		    int (*fn)(void *arg, unsigned long addr, unsigned long pfn,
			      unsigned order, unsigned long pins),
		    void *arg);

/* ---- movable_operations: owners of non-LRU movable pages ---------------
 * A driver or pool holding frames itself registers an owner, then marks
 * pages it allocated as movable (__SetPageMovable).  Migration calls:
 *   isolate_page(arg, page, private, mode): 1 to let it be isolated, 0 not;
 *   migrate_page(arg, dst, src, private, mode): the contents have been
 *     copied already; the owner swaps src for dst in its own structures and
 *     returns 0, or -EAGAIN (busy: retried) or another -errno (fails);
 *   putback_page(arg, page, private): isolation undone (not migrated).
 * Callbacks run with the machine's migration lock held: they may touch
 * their own state but must not call back into libmm.  After a successful
 * migration src is freed by libmm and dst belongs to the owner (same order,
 * same private).  Freeing a movable page (mm_free_pages) unregisters it. */
struct mm_movable_operations {
	int  (*isolate_page)(void *arg, struct page *page, unsigned long priv, int mode);
	int  (*migrate_page)(void *arg, struct page *dst, struct page *src,
			     unsigned long priv, int mode);
	void (*putback_page)(void *arg, struct page *page, unsigned long priv);
};
/* NULL on bad arguments.  name (copied) appears in reports. */
struct mm_movable_owner *mm_movable_owner_register(struct mm *m, const char *name,
						   const struct mm_movable_operations *ops,
						   void *arg);
/* -EBUSY while the owner still has movable pages. */
int mm_movable_owner_unregister(struct mm_movable_owner *o);
/* __SetPageMovable(): page is the head of an allocated block this owner
 * holds (not slab, vmalloc, kmalloc, or another owner's / a process's). */
int mm_page_set_movable(struct mm *m, struct page *page, struct mm_movable_owner *o,
			unsigned long priv);
/* __ClearPageMovable(): the page stays allocated, no longer movable. */
int mm_page_clear_movable(struct mm *m, struct page *page);

/* ---- migrate_pages ----------------------------------------------------- */

/* enum migrate_mode */
#define MM_MIGRATE_ASYNC        0
#define MM_MIGRATE_SYNC_LIGHT   1
#define MM_MIGRATE_SYNC         2

/* Why a folio did not migrate (mm_migrate_result.nr_failed[...]). */
#define MM_MIGRATE_FAIL_PINNED   0      /* extra references: pinned (-EAGAIN, retried) */
#define MM_MIGRATE_FAIL_UNMOVABLE 1     /* no owner: not LRU, not movable_ops */
#define MM_MIGRATE_FAIL_BUSY     2      /* the owner said -EAGAIN (retried) */
#define MM_MIGRATE_FAIL_OWNER    3      /* the owner refused (isolate or migrate) */
#define MM_MIGRATE_FAIL_NOMEM    4      /* no target page (-ENOMEM) */
#define MM_MIGRATE_FAIL_FREE     5      /* not an allocated page */
#define MM_MIGRATE_FAIL_ISOLATED 6      /* already isolated by someone else */
#define MM_MIGRATE_FAIL_MAP      7      /* the new mapping could not be made */
#define MM_MIGRATE_NR_FAIL       8

struct mm_migrate_result {
	unsigned long nr_succeeded;     /* base pages migrated (pgmigrate_success) */
	unsigned long nr_failed_pages;  /* base pages tried and failed (pgmigrate_fail) */
	unsigned long nr_thp_succeeded, nr_thp_failed, nr_thp_split;
	unsigned long nr_split;         /* large folios split to migrate */
	unsigned long nr_failed[MM_MIGRATE_NR_FAIL];   /* folios, by reason */
	unsigned long first_pfn[MM_MIGRATE_NR_FAIL];   /* first such folio's pfn */
};
/* The name of a MM_MIGRATE_FAIL_* reason ("pinned", ...), NULL if unknown. */
const char *mm_migrate_fail_name(int reason);

/* migrate_pages() of the folios holding pfns[0..n) (duplicates and tails
 * count once) to new pages on node (-1: each folio's own node), allocated
 * like alloc_migration_target (GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL,
 * the source's order).  Returns the number of folios not migrated (0: all
 * moved), or -errno for bad arguments; res (optional) says why. */
long mm_migrate_pages(struct mm *m, const unsigned long *pfns, size_t n, int node,
		      int mode, struct mm_migrate_result *res);

/* ---- compaction ---------------------------------------------------------- */

/* /proc/sys/vm/compact_memory (node -1) or /sys/devices/system/node/nodeN/
 * compact: full synchronous compaction of every zone of the node(s).
 * Returns 0 or -EINVAL; mm_compact_info() tells what each zone did. */
int mm_compact_memory(struct mm *m, int node);

/* enum compact_result, kernel order */
#define MM_COMPACT_NOT_SUITABLE_ZONE 0
#define MM_COMPACT_SKIPPED       1
#define MM_COMPACT_DEFERRED      2
#define MM_COMPACT_NO_SUITABLE_PAGE 3
#define MM_COMPACT_CONTINUE      4
#define MM_COMPACT_COMPLETE      5
#define MM_COMPACT_PARTIAL_SKIPPED 6
#define MM_COMPACT_CONTENDED     7
#define MM_COMPACT_SUCCESS       8

struct mm_compact_info {
	/* deferral and scanner state (struct zone's compaction fields) */
	unsigned int compact_considered, compact_defer_shift;
	int compact_order_failed;
	unsigned long cached_migrate_pfn[2], cached_free_pfn;
	unsigned long nr_skip;          /* pageblocks with the skip bit set */
	/* the zone's last compaction run */
	unsigned long runs;             /* compact_zone() calls on the zone */
	int last_result;                /* MM_COMPACT_* */
	int last_order;                 /* -1: compact_memory / proactive */
	int last_mode;                  /* MM_MIGRATE_* */
	unsigned long migrate_scanned, free_scanned, isolated;
	unsigned long migrated, failed; /* base pages */
	unsigned long nr_failed[MM_MIGRATE_NR_FAIL]; /* folios left behind, by reason */
	unsigned long first_pfn[MM_MIGRATE_NR_FAIL];
	int fragmentation_score;        /* extfrag for COMPACTION_HPAGE_ORDER, 0..100 */
};
int mm_compact_info(struct mm *m, int node, int zone_idx, struct mm_compact_info *out);
const char *mm_compact_result_name(int result);

/* vm sysctls: "compact_memory" (write-only: 1 compacts every node),
 * "compaction_proactiveness" (0..100), "extfrag_threshold" (0..1000),
 * "compact_unevictable_allowed" (0..1).  0 or -EINVAL. */
int  mm_sysctl_write(struct mm *m, const char *name, long value);
long mm_sysctl_read(struct mm *m, const char *name);      /* -1: unknown */

/* kcompactd: deterministic by default (kcompactd=tick) - it wakes once per
 * vmstat tick (mm_tick, mm.h), after the per-CPU lists' tick work;
 * kcompactd=thread starts a real per-machine thread that wakes every
 * 500 ms and on demand; kcompactd=off never runs it.  mm_kcompactd_run()
 * runs one kcompactd pass on every node now (what a tick does for it),
 * for callers that drive time themselves. */
int mm_kcompactd_run(struct mm *m);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* LIBMM_MIGRATE_H */
