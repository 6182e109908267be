// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm_types.h - every internal structure of libmm, in one place.
 *
 * The lock order of the whole machine - every libmm lock, outer first.  A
 * thread holding lock N takes only locks numbered N or higher (N again only
 * for another lock of the class: one node's list_lock, then another's).  The
 * numbers are enum lock_class (internal.h); every lock is taken through
 * mm_lock() with its number, and the debug variants (MM_DEBUG) check the
 * order and track owners (lockdep.c): lockdep_assert_held() in functions
 * named __xxx, which expect a lock held.
 *   1. live_lock (machine.c)  the process's list of live machines
 *   2. fault_state.lock       fault injection knob writes (fault_inject.c);
 *                             only the slab cache list is taken under it,
 *                             when failslab knobs change
 *   3. slab_state.mutex       slab_mutex: the cache list, refcounts, aliases
 *                             (slab_common.c)
 *   4. alien cache lock       SLAB's array of objects bound for another node
 *                             (slab_classic.c), taken before that node's
 *                             list_lock
 *   5. n->list_lock           a cache node's slab lists and counts (SLUB:
 *                             slub*.c; SLAB: slab_classic.c), several nodes'
 *                             one after another; with SLOB, slob_lock (slob.c)
 *                             in its place.  3-5 are taken with
 *                             mm_mutex_lock(), so lines logged under them
 *                             reach the report callback later
 *   6. node_barn.lock         one node's barn of sheaves (sheaf.c); held
 *                             across no call into the slab or page allocator
 *   7. cma_state.cma_mutex    serialises the CMA areas' alloc_contig_range()
 *                             calls (cma.c), which isolate, drain, migrate
 *                             and allocate under it
 *   8. compact_state.lock     serialises compaction runs, per-zone compaction
 *                             state (compaction.c)
 *   9. mm->rmap_lock          movable memory (migrate.c, process.c,
 *                             compaction.c): every process's page tables and
 *                             mappings, the movable owners and their page
 *                             counts, and on an allocated head the fields
 *                             that say who may move it (PG_owned, PG_anon,
 *                             PG_isolated, freelist = owner, index = owner's
 *                             private, the pins in _refcount).  Never held
 *                             across an allocation (allocations may compact,
 *                             which takes it) nor across mm_error/mm_printk
 *                             (the report callback may call back in); frees
 *                             under it are fine.
 *  10. mm->drain_mutex        serialises drain_all_pages() and the tick (pcp.c)
 *  11. zone->lock             the buddy lists of one zone: free_area[][],
 *                             the pageblock bytes (migratetype, isolation,
 *                             compaction's skip bit), nr_reserved_highatomic,
 *                             and NR_FREE_PAGES (written under the lock, read
 *                             locklessly with relaxed loads for the watermark
 *                             check, like zone_page_state()); nothing is
 *                             logged under it
 *  12. vmap_state.lock        the vmap_area trees (vmalloc.c); held across no
 *                             call into the page allocator or the log
 *  13. compact_state.wait_lock  kcompactd's sleep and wake-ups (a leaf)
 *  14. cma_area.lock          one CMA area's bitmap, available count and
 *                             statistics (cma.c; a leaf)
 *  15. contig_state.lock      the table of live contiguous ranges (contig.c;
 *                             a leaf)
 *  16. page_owner_state.lock  page_owner=1: site registration, the vmalloc
 *                             areas' tags, unbound callers' counters, the
 *                             reports (page_owner.c; a leaf, taken under
 *                             the CMA mutex and rmap_lock by the page
 *                             records of migration and contiguous ranges)
 *  17. mm->log_lock           the machine's kernel log and its last error
 *                             (the report callback runs outside every lock)
 * Per-CPU state (struct mm_cpu and each zone's per_cpu_pages) belongs to the
 * thread bound to that CPU and is touched without locks or atomics; other
 * threads reach it only while the CPU is unbound (see machine.c).
 *
 * struct page is 64 bytes; see the field comments for who owns each field.
 */
#ifndef LIBMM_MM_TYPES_H
#define LIBMM_MM_TYPES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <libmm/mm.h>
#include "list.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __noinline  __attribute__((noinline))
#define __cacheline_aligned __attribute__((aligned(64)))

#define PAGE_SHIFT  MM_PAGE_SHIFT
#define PAGE_SIZE   MM_PAGE_SIZE

#define MAX_NR_ZONES       MM_MAX_NR_ZONES
#define MIGRATE_PCPTYPES   3                 /* UNMOVABLE, MOVABLE, RECLAIMABLE */
#define MIGRATE_TYPES      MM_MIGRATE_TYPES
#define PAGE_ALLOC_COSTLY_ORDER 3
#define NR_LOWORDER_PCP_LISTS   (MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_PCP_THP              2     /* THP lists: non-movable, movable (6.11+;
                                         one list before: pa_pcp_thp_split) */
#define NR_PCP_LISTS            (NR_LOWORDER_PCP_LISTS + NR_PCP_THP)
#define PCP_BATCH_SCALE_MAX     5     /* CONFIG_PCP_BATCH_SCALE_MAX */
#define HUGETLB_PAGE_ORDER      9

enum migratetype {
	MIGRATE_UNMOVABLE   = MM_MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE     = MM_MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE = MM_MIGRATE_RECLAIMABLE,
	MIGRATE_HIGHATOMIC  = MM_MIGRATE_HIGHATOMIC,
	MIGRATE_CMA         = MM_MIGRATE_CMA,
	MIGRATE_ISOLATE     = MM_MIGRATE_ISOLATE,
};

enum zone_type {
	ZONE_DMA = MM_ZONE_DMA, ZONE_DMA32 = MM_ZONE_DMA32,
	ZONE_NORMAL = MM_ZONE_NORMAL, ZONE_MOVABLE = MM_ZONE_MOVABLE,
};

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, NR_WMARK };

/* ---- page allocator policy ------------------------------------------------
 * The page allocator's decisions that changed between Linux 6.5 and 6.18,
 * one bit each, tested where the decision is made (struct mm.pa).
 * page_alloc_policy=6.18 (the default) sets every bit, =6.5 none, and
 * pa_<name>=0|1 flips one (machine.c's pa_switches[] names them;
 * docs/policies.md says which kernel brought each).
 */
enum pa_switch {
	PA_FREELIST_HYGIENE  = 1u << 0, /* 6.10: free blocks always on their
	                                   pageblock type's list */
	PA_CLAIM_STEAL       = 1u << 1, /* 6.15: __rmqueue NORMAL/CLAIM/STEAL */
	PA_PCP_AUTOTUNE      = 1u << 2, /* 6.7: high_min..high_max, alloc_factor,
	                                   free_count, decay, ZONE_BELOW_HIGH */
	PA_PCP_THP_SPLIT     = 1u << 3, /* 6.11: NR_PCP_THP = 2 */
	PA_HIGHATOMIC_CAP    = 1u << 4, /* 6.8: ALIGN(managed/100) cap */
	PA_HIGHATOMIC_FREE   = 1u << 5, /* 6.12: watermarks subtract free
	                                   highatomic pages */
	PA_HIGHATOMIC_ORDER0 = 1u << 6, /* 6.13: order-0 ALLOC_NON_BLOCK may use
	                                   the reserve */
	PA_HIGHATOMIC_GFP_HIGH = 1u << 7, /* 2025: only __GFP_HIGH reserves */
	PA_POLICY_6_18       = (1u << 8) - 1,
	PA_POLICY_6_5        = 0,
};

/* ---- struct page ---------------------------------------------------------
 * State of a page frame, by its flags and _refcount:
 *   head of a free buddy block:  PG_buddy, private = order, on a free list
 *   head of a block on a pcp list: PG_pcp, private = order, index = cached mt
 *   head of an allocated block:  _refcount >= 1, private = order,
 *                                PG_head if compound
 *   tail of a compound page:     compound_head = head | 1
 *   anything else (inside a free or allocated non-compound block): flags 0,
 *                                _refcount 0
 */
enum pageflags {
	PG_buddy    = 1u << 0,   /* head of a free block in the buddy lists */
	PG_pcp      = 1u << 1,   /* head of a block on a per-CPU list */
	PG_head     = 1u << 2,   /* head of a compound (__GFP_COMP) page */
	PG_lru      = 1u << 3,   /* movable contents (allocated with __GFP_MOVABLE):
	                            counted as movable when stealing a pageblock */
	PG_reclaimable = 1u << 4, /* allocated with __GFP_RECLAIMABLE: with
	                            PG_lru, the allocation's migratetype, as
	                            page_owner records it (mixed pageblocks) */
	PG_slab     = 1u << 5,   /* owned by the slab allocator */
	PG_reserved = 1u << 6,   /* never handed out */
	PG_vmalloc  = 1u << 7,   /* backs a vmalloc area */
	PG_slab_oo  = 1u << 8,   /* every page (head and tails) of a slab of its
	                            cache's preferred order, slab_cache set on
	                            each: kfree finds the cache without the head */
	/* movable memory (migrate.c), allocated heads only, under rmap_lock: */
	PG_owned    = 1u << 16,  /* has a migration owner: freelist = the
	                            struct mm_movable_owner, index = its private
	                            (__PageMovable, or an LRU page's mapping) */
	PG_anon     = 1u << 17,  /* ... and the owner is a process: a user page
	                            mapped at user address index (PageAnon) */
	PG_isolated = 1u << 18,  /* taken for migration: on a migration list
	                            through lru, holding one reference */
	PG_contig   = 1u << 19,  /* one page of a live alloc_contig_range()
	                            allocation (contig.c): freed only through
	                            free_contig_range / cma_release */
};
/* An allocated head's migratetype bits are the GFP mobility bits themselves,
 * so prep_new_page() sets them with one AND. */
#define PG_MT_MASK (PG_lru | PG_reclaimable)
_Static_assert(PG_lru == __GFP_MOVABLE && PG_reclaimable == __GFP_RECLAIMABLE,
	       "PG_lru/PG_reclaimable must equal the GFP mobility bits");

struct page {
	unsigned long flags;            /* PG_*; owner of the block's state */
	union {
		struct list_head lru;   /* free list / pcp list / slab list */
		struct {
			unsigned long compound_head;  /* tail: head | 1 */
			unsigned long _tail_pad;
		};
	};
	unsigned long private;          /* order of a free or allocated head */
	void *freelist;                 /* slab: first free object */
	union {
		unsigned long index;    /* free block: its list's migratetype;
		                           pcp: the migratetype cached when it got
		                           there (read back at drain without
		                           freelist hygiene) */
		unsigned long counters; /* slab: inuse/objects/frozen, packed */
	};
	void *slab_cache;               /* slab: owning struct kmem_cache */
	int _refcount;                  /* 1 for an allocated head, else 0 */
	unsigned int zone_id;           /* allocated head: its zone's id, so
	                                   the free path needs no lookup */
};
_Static_assert(sizeof(struct page) <= 64, "struct page must fit 64 bytes");

/* ---- buddy ---------------------------------------------------------------- */

struct free_area {                      /* all under zone->lock */
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;          /* blocks of this order, all lists */
	unsigned long nr_free_mt[MIGRATE_TYPES];  /* blocks per list:
	                                   sum(nr_free_mt) == nr_free */
};

/* ---- per-CPU page lists ------------------------------------------------- */

enum {
	PCPF_PREV_FREE_HIGH_ORDER = 1u << 0,  /* the last free was of order 1..3 */
};

struct per_cpu_pages {                  /* owned by the bound thread */
	int count;                      /* base pages on all lists */
	int high;                       /* free to the buddy at count >= high;
	                                   autotuned: floats in [high_min,
	                                   high_max], 0 until first used */
	int batch;                      /* refill / drain unit */
	int high_min, high_max;         /* zone_highsize() of the low watermark
	                                   and of managed/8 (equal when tuned by
	                                   percpu_pagelist_high_fraction) */
	short free_count;               /* autotuned: pages freed since the last
	                                   allocations (halved by each one),
	                                   capped at batch << 5; 6.5: free_factor,
	                                   the spill's doubling exponent (also
	                                   halved by each allocation) */
	short free_count_max;           /* batch << 5 */
	unsigned char alloc_factor;     /* autotuned: refill = batch << alloc_factor */
	unsigned char flags;            /* PCPF_* */
	unsigned char expire;           /* remote zone: ticks left before the
	                                   idle list is drained (NUMA) */
	bool free_high_batch;           /* PCPF_FREE_HIGH_BATCH: the CPU's cache
	                                   slice holds more than 3 batches */
	bool stat_dirty;                /* refilled or spilled since the last
	                                   vmstat tick (a vm_stat_diff) */
	struct list_head lists[NR_PCP_LISTS];
} __cacheline_aligned;
_Static_assert(sizeof(struct per_cpu_pages) == 256, "one shift indexes the pcp array");

/* ---- counters -----------------------------------------------------------
 * One X-macro list defines every event counter: its enum and its vmstat
 * name.  Counters are per CPU, incremented by the bound thread only, summed
 * on read.
 */
#define MM_VM_EVENTS(X)                                        \
	X(PGALLOC_DMA, "pgalloc_dma")                          \
	X(PGALLOC_DMA32, "pgalloc_dma32")                      \
	X(PGALLOC_NORMAL, "pgalloc_normal")                    \
	X(PGALLOC_MOVABLE, "pgalloc_movable")                  \
	X(PGFREE, "pgfree")                                    \
	X(PGALLOC_FAIL, "pgalloc_fail")                        \
	X(PGALLOC_NOWARN_FAIL, "pgalloc_fail_nowarn")          \
	X(PGALLOC_EXTFRAG, "pgalloc_extfrag")                  \
	X(PGALLOC_EXTFRAG_CLAIMED, "pgalloc_extfrag_claimed")  \
	X(HIGHATOMIC_RESERVE, "highatomic_reserve")            \
	X(HIGHATOMIC_UNRESERVE, "highatomic_unreserve")        \
	X(PGALLOC_NOWMARK, "pgalloc_no_watermarks")            \
	X(PGALLOC_RETRY, "pgalloc_retry")                      \
	X(PCP_ALLOC_HIT, "pcp_alloc_hit")                      \
	X(PCP_FREE_HIT, "pcp_free_hit")                        \
	X(PCP_REFILL, "pcp_refill")                            \
	X(PCP_REFILL_PAGES, "pcp_refill_pages")                \
	X(PCP_SPILL, "pcp_spill")                              \
	X(PCP_SPILL_PAGES, "pcp_spill_pages")                  \
	X(PCP_DRAIN, "pcp_drain")                              \
	X(PGMIGRATE_SUCCESS, "pgmigrate_success")              \
	X(PGMIGRATE_FAIL, "pgmigrate_fail")                    \
	X(THP_MIGRATION_SUCCESS, "thp_migration_success")      \
	X(THP_MIGRATION_FAIL, "thp_migration_fail")            \
	X(THP_MIGRATION_SPLIT, "thp_migration_split")          \
	X(COMPACTMIGRATE_SCANNED, "compact_migrate_scanned")   \
	X(COMPACTFREE_SCANNED, "compact_free_scanned")         \
	X(COMPACTISOLATED, "compact_isolated")                 \
	X(COMPACTSTALL, "compact_stall")                       \
	X(COMPACTFAIL, "compact_fail")                         \
	X(COMPACTSUCCESS, "compact_success")                   \
	X(KCOMPACTD_WAKE, "compact_daemon_wake")               \
	X(KCOMPACTD_MIGRATE_SCANNED, "compact_daemon_migrate_scanned") \
	X(KCOMPACTD_FREE_SCANNED, "compact_daemon_free_scanned") \
	X(THP_FAULT_ALLOC, "thp_fault_alloc")                  \
	X(THP_FAULT_FALLBACK, "thp_fault_fallback")            \
	X(CMA_ALLOC_SUCCESS, "cma_alloc_success")              \
	X(CMA_ALLOC_FAIL, "cma_alloc_fail")

enum vm_event_item {
#define MM_ENUM(e, n) e,
	MM_VM_EVENTS(MM_ENUM)
#undef MM_ENUM
	NR_VM_EVENT_ITEMS
};

/* NUMA allocation statistics, per zone (numa_hit ... numa_other). */
enum numa_stat_item {
	NUMA_HIT, NUMA_MISS, NUMA_FOREIGN, NUMA_INTERLEAVE_HIT, NUMA_LOCAL,
	NUMA_OTHER, NR_NUMA_STAT_ITEMS
};

/* ---- zone ------------------------------------------------------------- */

struct zone {
	/* read-mostly, set at boot */
	struct mm *mm;
	int node;
	int idx;                        /* enum zone_type */
	int id;                         /* node * MAX_NR_ZONES + idx */
	const char *name;               /* "DMA", "DMA32", "Normal", "Movable" */
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;    /* == present_pages (no holes) */
	unsigned long present_pages;
	unsigned long managed_pages;
	unsigned long _watermark[NR_WMARK];
	unsigned long watermark_boost;  /* always 0: no kswapd to reset it */
	int below_high;                 /* ZONE_BELOW_HIGH (pa_pcp_autotune): the
	                                   high watermark check failed; set by
	                                   allocations, cleared by a spill that
	                                   brings the zone back above it
	                                   (relaxed accesses, like set_bit) */
	const unsigned long *fast_wmark; /* the watermark the fast path checks:
	                                   _watermark[HIGH] while below_high is
	                                   clear with pa_pcp_autotune, else LOW
	                                   (zone_set_below_high()) */
	const unsigned long *highatomic_unusable; /* what watermark checks hold
	                                   back from callers without reserves:
	                                   &nr_free_highatomic (pa_highatomic_free)
	                                   or &nr_reserved_highatomic */
	unsigned long lowmem_reserve[MAX_NR_ZONES];
	unsigned long pb_base;          /* zone_start_pfn >> pageblock_order */
	unsigned pageblock_order;       /* mm->pageblock_order, one load less */
	struct per_cpu_pages *pcp;      /* [nr_cpus]; pcp[c] owned by CPU c */

	/* zone->lock and what it guards */
	pthread_mutex_t lock __cacheline_aligned;
	struct free_area free_area[MM_NR_ORDERS_MAX];
	unsigned char *pageblock_mt;    /* each pageblock's migratetype,
	                                   isolation and compaction skip bit
	                                   (pageblock_byte()) */
	unsigned long nr_reserved_highatomic;
	unsigned long nr_free_highatomic; /* pages on the HIGHATOMIC lists */
	unsigned long nr_isolate_pageblock;
	unsigned long nr_free_pages;    /* NR_FREE_PAGES: written under the
	                                   lock, read with relaxed loads */
	unsigned long nr_free_cma;      /* NR_FREE_CMA_PAGES: pages on the CMA
	                                   lists (same rules) */
	unsigned long nocma_unusable;   /* *highatomic_unusable + nr_free_cma:
	                                   what the fast path's watermark check
	                                   holds back (exact for callers without
	                                   ALLOC_CMA, cautious for the others) */
	unsigned long cma_pages;        /* pages of CMA areas (boot) */

} ;

static inline bool populated_zone(const struct zone *z)
{
	return z->present_pages != 0;
}

/* ---- node ----------------------------------------------------------------- */

enum { ZONELIST_FALLBACK, ZONELIST_NOFALLBACK, MAX_ZONELISTS };

struct pglist_data {
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_spanned_pages;
	int nr_cpus;                    /* CPUs of this node */
	struct zone node_zones[MAX_NR_ZONES];
	/* preferred[zonelist][highest_zoneidx]: the first zone of that zonelist
	 * a request may use (NULL if none); the fast path's only zone */
	struct zone *preferred[2][MAX_NR_ZONES];
	/* NULL-terminated; FALLBACK: local node first, zones high to low,
	 * then the other nodes by distance; NOFALLBACK: local node only */
	struct zone **node_zonelists[MAX_ZONELISTS];
};

/* ---- CPU ------------------------------------------------------------------ */

/* What populating the memfd ahead of use cost (prefault=, machine.c). */
struct mm_prefault_acct {
	unsigned long pageblocks;       /* pageblocks populated */
	unsigned long ns;               /* time spent in madvise / touching */
	unsigned long minflt;           /* host minor faults taken by it */
};

struct mm_cpu {
	unsigned long owner;            /* atomic: bound thread's token, 0 = none,
	                                   1 = held by a remote drain */
	int id;
	int node;
	int drain_pending;              /* atomic: drain_all_pages asked while bound */
	unsigned long tick_pending;     /* atomic: vmstat ticks asked while bound */
	struct zone *preferred[2][MAX_NR_ZONES]; /* = nodes[node].preferred */
	unsigned long ev[NR_VM_EVENT_ITEMS];     /* vm events, owner-written */
	unsigned long *numa_ev;         /* [nr_zones][NR_NUMA_STAT_ITEMS] */
	struct mm_prefault_acct prefault;        /* owner-written (WRITE_ONCE) */
} __cacheline_aligned;

/* ---- the machine ---------------------------------------------------------- */

/* fail_page_alloc= / failslab=<interval>,<probability>,<space>,<times> */
struct fault_boot {
	bool set;
	unsigned long interval, probability;
	int space, times;
};

struct mm_config {
	int cpus, nodes;
	unsigned long zone_bytes[MAX_NR_ZONES]; /* per node */
	unsigned max_page_order;
	unsigned long seed;
	long min_free_kbytes;           /* -1: kernel default formula */
	int watermark_scale_factor;
	int lowmem_reserve_ratio[MAX_NR_ZONES];
	bool backing_none;
	bool pcp_disabled;
	int percpu_pagelist_high_fraction;
	char slab[16];
	char debug[64];
	/* slab: 0/1 switches and SLUB boot parameters */
	int slab_nomerge;               /* slab_nomerge: never merge caches */
	int init_on_alloc, init_on_free;
	int slab_hardened;              /* FREELIST_HARDENED + FREELIST_RANDOM, default 1 */
	int slub_min_objects;           /* 0: 4 * (fls(nr_cpus) + 1) */
	int slub_min_order, slub_max_order;
	int slub_sheaves;               /* per-CPU sheaves over the cpu slabs (7.0) */
	int page_owner;                 /* page_owner=1: attribution (page_owner.c) */
	int slub_sheaf_capacity;        /* minimum sheaf capacity, 0: the kernel's */
	/* vmalloc */
	unsigned long vmalloc_size;     /* bytes of address space for vmalloc */
	/* page allocator policy and the boot parameters around it */
	unsigned pa_base;               /* page_alloc_policy=: PA_POLICY_6_18/6_5 */
	unsigned pa_on, pa_off;         /* pa_<switch>=1 / =0 overrides */
	int defrag_mode;                /* vm.defrag_mode (6.15) */
	int thp;                        /* transparent_hugepage: THP_NEVER.. */
	bool lowzones_node0;            /* DMA and DMA32 on node 0 only (x86) */
	unsigned long cpu_cache_slice;  /* data cache bytes per CPU */
	int vmalloc_blocks;             /* vmalloc_pages=blocks: high orders first */
	/* movable memory: processes, compaction */
	unsigned long task_size;        /* bytes of user address space a process */
	int compaction;                 /* CONFIG_COMPACTION: 0 turns it off */
	int compaction_proactiveness;   /* vm.compaction_proactiveness (20) */
	int extfrag_threshold;          /* vm.extfrag_threshold (500) */
	int compact_unevictable_allowed;/* vm.compact_unevictable_allowed (1) */
	int kcompactd;                  /* KCOMPACTD_TICK, _THREAD or _OFF */
	/* CMA areas: cma=SIZE[@node] (the area "reserved", first) and
	 * cma_areas=NAME:SIZE[@node][/order_per_bit],... */
	struct mm_cma_spec {
		char name[MM_CMA_NAME_LEN];
		unsigned long bytes;
		int node;               /* -1: node 0 */
		unsigned order_per_bit;
	} cma_spec[MM_CMA_MAX_AREAS];
	int nr_cma_specs;
	bool cma_default;               /* cma_spec[0] came from cma= */
	int cma_balance;                /* CMA_BALANCE_HALF, _FALLBACK, _FIRST */
	int prefault;                   /* MM_PREFAULT_*: when the memfd is populated */
	/* fault injection and taint: the boot parameters */
	struct fault_boot fail_page_alloc, failslab;
	unsigned long panic_on_taint;   /* panic_on_taint=MASK (hex) */
	bool panic_on_taint_nousertaint;
};

/* ---- fault injection (fault_inject.c) -----------------------------------
 * struct fault_attr of lib/fault-inject.c.  Knobs are written under
 * fault_state.lock and read without it (relaxed loads, as the kernel reads
 * its debugfs values); the counters are atomics. */
struct fault_attr {
	const char *name;               /* "fail_page_alloc", "failslab" */
	unsigned long probability;      /* percent: fails when > a draw in 0..99 */
	unsigned long interval;         /* only every interval-th eligible call */
	unsigned long verbose;          /* 1: log each failure, 2: and a stack */
	int times;                      /* atomic: failures left, -1: no limit */
	int space;                      /* atomic: bytes let through first */
	unsigned long count;            /* atomic: eligible calls (interval) */
	unsigned long injected;         /* atomic: failures forced */
	unsigned long draws;            /* atomic: random draws so far */
	unsigned long salt;             /* seed ^ name: the draws' stream */
};

struct fault_state {
	pthread_mutex_t lock;           /* serialises knob writes */
	struct fault_attr page_alloc;   /* fail_page_alloc */
	bool pa_ignore_gfp_reclaim;     /* ignore-gfp-wait */
	bool pa_ignore_gfp_highmem;     /* ignore-gfp-highmem */
	unsigned int pa_min_order;      /* min-order */
	struct fault_attr slab;         /* failslab */
	bool slab_ignore_gfp_reclaim;   /* ignore-gfp-wait */
	bool slab_cache_filter;         /* cache-filter */
	void (*failslab_changed)(struct mm *m); /* the slab layer's hook */
};

enum { THP_NEVER, THP_MADVISE, THP_ALWAYS };
enum { KCOMPACTD_TICK, KCOMPACTD_THREAD, KCOMPACTD_OFF };
/* cma_balance=: which free lists a movable (ALLOC_CMA) allocation tries
 * first.  half: CMA first when free CMA > half the zone's free pages
 * (__rmqueue of 5.7+, 6.18's rule); fallback: CMA only once the movable
 * lists are empty (before 5.7); first: CMA always first. */
enum { CMA_BALANCE_HALF, CMA_BALANCE_FALLBACK, CMA_BALANCE_FIRST };

#define MM_TLS_SLOTS 4

/* A thread's binding to a CPU of one machine (thread-local, see machine.c). */
struct mm_tls_bind {
	struct mm *m;
	unsigned long mm_id;
	struct mm_cpu *cpu;
	long cpu_id;                    /* cpu->id, one load less on fast paths */
};

#define MM_LOG_SIZE (64 * 1024)

struct mm {
	unsigned long id;               /* unique per machine in this process */
	unsigned long fast_id;          /* id, or ~0 with pcp=off or while
	                                   fail_page_alloc may fail order 0: what
	                                   the allocation fast path compares the
	                                   caller's binding with, so such a
	                                   machine never takes it (one compare
	                                   for both; fault_inject.c rewrites it) */
	unsigned pa;                    /* enum pa_switch bits in force (next to
	                                   id: the fast paths read both) */
	unsigned pcp_orders;            /* bit o: order o lives on the per-CPU
	                                   lists (0..3 and pageblock_order;
	                                   none with pcp=off) */
	bool defrag_mode;               /* vm.defrag_mode */
	bool page_owner;                /* page_owner=1: the entry points go round
	                                   page_owner.c's hooks (read next to id) */
	struct page_owner_state *po;    /* page_owner.c, NULL when off */
	struct mm *live_next;           /* machine.c's list of live machines */
	struct mm_config cfg;
	int nr_cpus, nr_nodes, nr_zones;      /* nr_zones = nodes * MAX_NR_ZONES */
	unsigned max_order;             /* highest order (MAX_PAGE_ORDER) */
	unsigned nr_orders;             /* max_order + 1 */
	unsigned pageblock_order;
	unsigned long pageblock_nr_pages;
	unsigned long node_pages;       /* page frames per node (nodes >= 1) */
	unsigned long node0_pages;      /* page frames of node 0 (== node_pages
	                                   unless lowzones=node0) */
	unsigned long nr_pages;         /* all nodes */
	bool page_group_by_mobility_disabled;
	unsigned long min_free_kbytes;
	unsigned long totalreserve_pages;
	unsigned long tick;             /* vmstat ticks run (mm_tick) */

	struct page *mem_map;           /* [nr_pages] */
	size_t mem_map_bytes;
	int memfd;                      /* physical memory, -1 with backing=none */
	char *direct_map;               /* page_address(pfn) = direct_map + pfn*4K */
	size_t direct_map_bytes;
	/* prefault=pageblock: bit pfn >> pageblock_order is set (atomic OR, any
	 * zone lock) when the buddy first hands out a page of that pageblock and
	 * the pageblock is populated; NULL in the other modes */
	unsigned long *prefault_bits;
	bool prefault_touch;            /* no MADV_POPULATE_WRITE: touch pages */
	struct mm_prefault_acct prefault_boot;  /* prefault=boot, at mm_create */
	/* a layer's own array of meta_per_page bytes per page frame (page_owner's
	 * object tags), populated with the frames it describes; NULL: none */
	char *prefault_meta;
	size_t prefault_meta_per_page;

	struct pglist_data *nodes;      /* [nr_nodes] */
	struct zone **zone_table;       /* [nr_zones]: zone_table[z->id] == z */
	struct mm_cpu *cpus;            /* [nr_cpus] */
	struct slab_state *slab;        /* slab_common.c: caches, kmalloc tables */
	void (*slab_tick)(struct mm *m);        /* the slab allocator's tick hook
	                                   (SLAB's cache_reap), run by mm_tick */
	struct vmap_state *vmap;        /* vmalloc.c: the vmalloc range and its
	                                   areas; NULL with backing=none */
	struct migrate_state *migrate;  /* migrate.c: owners, processes */
	struct compact_state *compact;  /* compaction.c: per-zone and per-node
	                                   compaction state, kcompactd */
	struct cma_state *cma;          /* cma.c: the CMA areas (NULL: none) */
	struct contig_state *contig;    /* contig.c: live alloc_contig_range
	                                   allocations */

	/* Calls into the layers above the page allocator, registered at boot
	 * by those layers (nothing calls upward directly). */
	int (*release_owned)(struct mm *m, struct page *page, unsigned order);
	                                /* migrate.c: a movable page is freed */
	struct page *(*direct_compact)(struct mm *m, gfp_t gfp, unsigned order,
				       unsigned alloc_flags, struct zone **zonelist,
				       int highest_zoneidx, int prio, int *result);
	                                /* compaction.c: try_to_compact_pages */
	void (*compact_success)(struct mm *m, struct zone *z, unsigned order);
	                                /* ... and the allocation succeeded */
	void (*wakeup_kcompactd)(struct mm *m, int nid, unsigned order,
				 int highest_zoneidx);
	void (*kcompactd_tick)(struct mm *m);
	                                /* compaction.c: kcompactd's wake-up on
	                                   the vmstat tick (kcompactd=tick) */

	pthread_mutex_t rmap_lock;      /* see the lock order at the top */

	pthread_mutex_t drain_mutex;
	int stopping;                   /* atomic: validate/quiesce under way,
	                                   mm_cpu_bind waits (machine.c) */

	unsigned long tainted;          /* atomic: taint bits (kernel's numbers) */
	struct fault_state fault;       /* fault_inject.c */

	pthread_mutex_t log_lock;       /* guards everything below */
	char *log;                      /* ring buffer, MM_LOG_SIZE */
	size_t log_head, log_len;
	mm_report_fn report_fn;
	void *report_arg;
	int last_errno;                 /* for threads without a thread-local slot */
	char last_error[1024];
};

#endif /* LIBMM_MM_TYPES_H */
