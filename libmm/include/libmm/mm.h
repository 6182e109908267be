// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmm/mm.h - the public API of libmm: the Linux kernel's physical-memory
 * allocators as a userspace library.
 *
 * Every exported symbol is mm_ + the kernel's own name, with the machine
 * handle first.  Misuse (bad order, unknown flag, double free, a pointer that
 * is not one of the machine's pages, ...) is refused: the call returns an
 * error code or NULL, mm_last_errno()/mm_last_error() tell what happened, a
 * kernel-style line goes to the machine's log (mm_report_text(m, "dmesg"))
 * and to the report callback when one is set, and the machine stays usable.
 * Running out of memory is not misuse: NULL with mm_last_errno() == ENOMEM,
 * counted in vmstat.
 *
 * Threads: a thread calls mm_cpu_bind() to become one of the machine's
 * simulated CPUs before calling an allocator entry point; everything
 * per-CPU then belongs to it and is used without locks.
 */
#ifndef LIBMM_MM_H
#define LIBMM_MM_H

#include <stddef.h>
#include <libmm/gfp.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

#define MM_PAGE_SHIFT        12
#define MM_PAGE_SIZE         4096ul
#define MM_MAX_ORDER_LIMIT   15     /* largest accepted max_page_order */
#define MM_NR_ORDERS_MAX     16     /* array size for per-order values */
#define MM_MAX_NR_ZONES      4      /* DMA, DMA32, NORMAL, MOVABLE */
#define MM_MAX_CPUS          256
#define MM_MAX_NODES         64
#define MM_PFN_INVALID       (~0ul)

/* Zone indices, kernel order (enum zone_type on x86-64, no HIGHMEM). */
#define MM_ZONE_DMA          0
#define MM_ZONE_DMA32        1
#define MM_ZONE_NORMAL       2
#define MM_ZONE_MOVABLE      3

/* Migratetypes (enum migratetype of a CONFIG_CMA kernel; the CMA column of
 * the reports appears when the machine has CMA areas, cma.h). */
#define MM_MIGRATE_UNMOVABLE    0
#define MM_MIGRATE_MOVABLE      1
#define MM_MIGRATE_RECLAIMABLE  2
#define MM_MIGRATE_HIGHATOMIC   3
#define MM_MIGRATE_CMA          4
#define MM_MIGRATE_ISOLATE      5
#define MM_MIGRATE_TYPES        6

struct mm;      /* one simulated machine */
struct page;    /* a page frame descriptor (opaque) */

/* ---- machine ---------------------------------------------------------- */

/* config: "cpus=4 nodes=1 DMA=16M DMA32=240M NORMAL=768M MOVABLE=0
 * max_page_order=10 seed=1" plus optional keys (docs/machine.md); NULL or "" is the
 * default machine.  On failure returns NULL and writes the reason to err. */
struct mm *mm_create(const char *config, char *err, size_t errlen);
/* Refused (EBUSY, logged) from inside a constructor or report callback of
 * the machine itself. */
void       mm_destroy(struct mm *m);

/* The calling thread becomes CPU cpu (0 on success, -EBUSY if another thread
 * holds it, -EINVAL if out of range).  A thread holds at most one CPU of a
 * machine: binding again moves it. */
int  mm_cpu_bind(struct mm *m, int cpu);
void mm_cpu_unbind(struct mm *m);
int  mm_cpu_current(struct mm *m);          /* bound CPU, or -1 */
/* The machine the calling thread bound a CPU of most recently (kernel.h). */
struct mm *mm_current(void);

int           mm_nr_cpus(struct mm *m);
int           mm_nr_nodes(struct mm *m);
int           mm_cpu_to_node(struct mm *m, int cpu); /* -1 (NUMA_NO_NODE), EINVAL: no such CPU */
unsigned long mm_nr_pages(struct mm *m);    /* page frames, all nodes */
unsigned      mm_max_order(struct mm *m);   /* max_page_order */
unsigned      mm_pageblock_order(struct mm *m);
void         *mm_direct_map_base(struct mm *m); /* NULL with backing=none */
char         *mm_config_string(struct mm *m);   /* canonical config; mm_free_string */

/* ---- simulated RAM on the host (prefault=) ----------------------------- */

/* When the memfd behind the direct map is populated: never ahead of use
 * (none, the default: a first write to a page takes a host page fault), a
 * pageblock at a time the first time the buddy hands out a page from it
 * (pageblock), or all of it at mm_create (boot). */
#define MM_PREFAULT_NONE       0
#define MM_PREFAULT_PAGEBLOCK  1
#define MM_PREFAULT_BOOT       2

struct mm_prefault_info {
	int           mode;             /* MM_PREFAULT_* */
	unsigned long pageblocks;       /* pageblocks populated ahead of use */
	unsigned long bytes;            /* bytes populated ahead of use */
	unsigned long ns;               /* time the population took */
	unsigned long minflt;           /* host minor faults it took */
};
/* What populating cost: cpu >= 0 what that CPU's allocations populated (the
 * CPU's own thread may read it at any time: the replayer takes it out of the
 * operation that paid it), cpu -1 the whole machine, boot included.  0, or
 * -EINVAL. */
int mm_prefault_info(struct mm *m, int cpu, struct mm_prefault_info *out);

/* ---- page allocator --------------------------------------------------- */

struct page  *mm_alloc_pages(struct mm *m, gfp_t gfp, unsigned order);
struct page  *mm_alloc_pages_node(struct mm *m, int nid, gfp_t gfp, unsigned order);
/* __free_pages(); 0, or -EINVAL / -EFAULT when the free is refused. */
int           mm_free_pages(struct mm *m, struct page *page, unsigned order);
unsigned long mm_page_to_pfn(struct mm *m, const struct page *page);
struct page  *mm_pfn_to_page(struct mm *m, unsigned long pfn);
void         *mm_page_address(struct mm *m, const struct page *page);
struct page  *mm_virt_to_page(struct mm *m, const void *addr);
/* alloc_pages_bulk_node(): fill the NULL slots of page_array[0..nr_pages)
 * with order-0 pages from this CPU's per-CPU list (node -1: this CPU's);
 * fewer when memory runs short.  Returns the slots filled (the ones that
 * were filled already included). */
unsigned long mm_alloc_pages_bulk(struct mm *m, int nid, gfp_t gfp, unsigned long nr_pages,
				  struct page **page_array);
void          mm_drain_all_pages(struct mm *m);
void          mm_drain_local_pages(struct mm *m);

/* Page isolation (mm/page_isolation.c): the pageblocks covering
 * [start_pfn, end_pfn) (one zone) are marked isolated - their free pages
 * leave the free count and nothing is allocated from them - or -EBUSY when
 * one holds an unmovable allocated page (the ones isolated by then are
 * undone).  Isolation is a pageblock bit of its own, as in 6.16+: undo
 * gives each pageblock back its type, or migratetype when it is >= 0 (as
 * the older kernel API asked); -1 keeps the types.  test: 0 when every page
 * of the range is free and isolated, else -EBUSY. */
int mm_start_isolate_page_range(struct mm *m, unsigned long start_pfn, unsigned long end_pfn,
				int migratetype);
int mm_undo_isolate_page_range(struct mm *m, unsigned long start_pfn, unsigned long end_pfn,
			       int migratetype);
int mm_test_pages_isolated(struct mm *m, unsigned long start_pfn, unsigned long end_pfn);

/* Where a page frame lives: 0 and *node, *zone_idx filled; -EINVAL if the
 * PFN is not one of the machine's. */
int mm_pfn_zone(struct mm *m, unsigned long pfn, int *node, int *zone_idx);

/* ---- zones, per-CPU lists --------------------------------------------- */

/* A zone index's name as machine keys, JSON and mmbench spell it ("DMA",
 * "DMA32", "NORMAL", "MOVABLE"); NULL outside [0, MM_MAX_NR_ZONES). */
const char *mm_zone_name(int zone_idx);

struct mm_zone_info {
	int           node;
	int           zone_idx;                 /* MM_ZONE_* */
	const char   *name;                     /* kernel spelling: "DMA", "Normal" */
	unsigned long start_pfn, spanned, present, managed;
	unsigned long free;                     /* NR_FREE_PAGES */
	unsigned long min, low, high, boost;    /* watermarks, in pages */
	unsigned long nr_reserved_highatomic;
	unsigned long lowmem_reserve[MM_MAX_NR_ZONES];
	unsigned long nr_free[MM_NR_ORDERS_MAX];   /* free blocks per order */
	unsigned long nr_free_mt[MM_MIGRATE_TYPES][MM_NR_ORDERS_MAX];
	unsigned long nr_pageblocks[MM_MIGRATE_TYPES]; /* pageblocks of each type */
	unsigned long nr_free_highatomic;       /* free pages on HighAtomic lists */
	unsigned long nr_free_pages_blocks;     /* free pages in blocks >= a pageblock */
	int below_high;                         /* ZONE_BELOW_HIGH */
	unsigned long cma_pages;                /* pages of CMA areas in the zone */
	unsigned long nr_free_cma;              /* NR_FREE_CMA_PAGES */
};
/* 0 on success; -EINVAL for a node/zone that does not exist.  Empty zones
 * exist (spanned == 0). */
int mm_zone_info(struct mm *m, int node, int zone_idx, struct mm_zone_info *out);

struct mm_pcp_info {
	int count;      /* pages on this CPU's lists for the zone */
	int high;       /* free back to the buddy when count reaches high
	                   (auto-tuned: 0 until the list is first used) */
	int batch;      /* pages moved per refill / drain */
	int high_min;   /* the range high is tuned in (equal: no tuning) */
	int high_max;
};
int mm_pcp_info(struct mm *m, int cpu, int node, int zone_idx, struct mm_pcp_info *out);

/* n ticks of the vmstat worker (the kernel's once-a-second vmstat_update)
 * on every CPU: per-CPU list high marks decay (decay_pcp_high) and idle
 * lists of remote zones drain; then kcompactd wakes once (kcompactd=tick,
 * migrate.h).  Deterministic: nothing ticks on its own.
 * A CPU bound to another thread runs its ticks at its next refill or
 * spill.  0, or -EINVAL. */
int mm_tick(struct mm *m, unsigned long n);

/* ---- GFP text --------------------------------------------------------- */

/* "GFP_KERNEL|__GFP_ZERO", also hex "0xcc0"; 0 or -EINVAL naming the bad word. */
int mm_gfp_parse(const char *text, gfp_t *out, char *err, size_t errlen);
/* The kernel's %pGg form ("GFP_KERNEL|__GFP_ZERO"); returns the length. */
int mm_gfp_format(gfp_t gfp, char *buf, size_t len);

/* ---- errors, log ------------------------------------------------------ */

int         mm_last_errno(struct mm *m);    /* positive errno of the last failure */
const char *mm_last_error(struct mm *m);    /* its text */
typedef void (*mm_report_fn)(void *arg, const char *text);
void        mm_set_report_callback(struct mm *m, mm_report_fn fn, void *arg);

/* ---- state, reports, checks ------------------------------------------- */

int   mm_validate(struct mm *m, char *err, size_t errlen); /* 0 = every invariant holds */
char *mm_report_json(struct mm *m);
/* mm_report_json()'s members without the braces around them, for a caller
 * that embeds them in an object of its own (mmbench's result): the schema
 * member is named schema_key ("schema" in mm_report_json()). */
char *mm_report_json_members(struct mm *m, const char *schema_key);
/* The kernel's fragmentation indices of an order, in thousandths, from a
 * zone's free blocks per order nr_free[0..nr_orders) (mm_zone_info's
 * nr_free): the unusable free index (0..1000, /sys/kernel/debug/extfrag/
 * unusable_index) and the external fragmentation index (-1000 when a block
 * of the order is free, else 0..1000: extfrag_index).  -EINVAL for a bad
 * order or array.  The reports below use the same computation. */
int mm_unusable_index(const unsigned long *nr_free, unsigned nr_orders, unsigned order);
int mm_fragmentation_index(const unsigned long *nr_free, unsigned nr_orders, unsigned order);

/* "buddyinfo", "pagetypeinfo", "zoneinfo", "vmstat", "unusable_index",
 * "extfrag_index", "vmallocinfo", "slabinfo", "dmesg", "tainted", "allocinfo",
 * "page_owner" (page_owner=1, debug.h); NULL for
 * an unknown name. */
char *mm_report_text(struct mm *m, const char *name);
void  mm_free_string(char *s);
/* one vmstat counter by its /proc/vmstat name; -1 if unknown */
long  mm_vmstat_read(struct mm *m, const char *name);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#include <libmm/vmalloc.h>
#include <libmm/slab.h>     /* SLUB and kmalloc */
#include <libmm/migrate.h>  /* processes, pins, migration, compaction */
#include <libmm/debug.h>    /* taint, fault injection, dump_page, quiesce */
#include <libmm/cma.h>      /* CMA areas, alloc_contig_range, gigantic pages */

#endif /* LIBMM_MM_H */
