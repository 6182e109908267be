// SPDX-License-Identifier: GPL-2.0-only
/*
 * internal.h - declarations shared between libmm's source files, grouped by
 * the file that defines them, plus the small inline helpers every layer uses
 * (PFN arithmetic, this_cpu(), event counters, READ_ONCE/WRITE_ONCE).
 * Structures live in mm_types.h.
 */
#ifndef LIBMM_INTERNAL_H
#define LIBMM_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include "mm_types.h"

/* Relaxed single-copy accesses for fields read without their lock. */
#define READ_ONCE(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
/* A flag another thread may flip, tested on a fast path: a plain load the
 * compiler folds into the test (an atomic load costs an instruction),
 * the marked load under TSan, so the benign race is not reported. */
#if defined(__SANITIZE_THREAD__)
#define READ_FLAG(x)     READ_ONCE(x)
#else
#define READ_FLAG(x)     (x)
#endif

#ifndef MM_DEBUG
#define MM_DEBUG 0
#endif
/* Graded assertions: level 1 cheap checks, level 2 list walks.  They report
 * through the machine log and abort: they guard libmm's own invariants, not
 * user errors (those are refused with an error code). */
#define MM_BUG_ON(level, m, cond)                                              \
	do {                                                                   \
		if (MM_DEBUG >= (level) && unlikely(cond))                     \
			mm_bug((m), __FILE__, __LINE__, #cond);                \
	} while (0)

/* GFP_ZONE_BAD: bit n set = zone-modifier combination n (gfp &
 * GFP_ZONEMASK) is impossible (include/linux/gfp.h) */
#define GFP_ZONE_BAD 0xe8e8u

/* ---- printk.c: the machine log, errors ------------------------------- */
void mm_printk(struct mm *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record a refused operation: sets the calling thread's last error, logs
 * the text, returns -err. */
int  mm_error(struct mm *m, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The error every entry point gives a thread that is not bound to one of the
 * machine's CPUs: "WHO: this thread is not bound to a CPU of the machine
 * (call mm_cpu_bind first)", WHO formatted from fmt.  Returns -EINVAL. */
int  mm_unbound_error(struct mm *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mm_set_errno(struct mm *m, int err);
/* The calling thread's zeroed buffer of size bytes under key (created once
 * by create, destructor free), allocated at its first call; NULL without
 * memory.  Per-thread state too big for libmm's static TLS goes here. */
void *mm_thread_calloc(pthread_key_t *key, pthread_once_t *once, void (*create)(void),
		       size_t size);
void mm_bug(struct mm *m, const char *file, int line, const char *cond) __attribute__((noreturn));
void mm_log_init(struct mm *m);
void mm_log_free(struct mm *m);
char *mm_log_text(struct mm *m);
/* A failure forced by fault injection: ENOMEM, mm_last_fault_injected(). */
void mm_set_errno_injected(struct mm *m, const char *what);
/* add_taint(): set taint bit flag (MM_TAINT_*); with panic_on_taint
 * covering it, the calling thread's current call must fail: entry points
 * that can detect corruption ask mm_taint_panicked() (which clears it). */
void add_taint(struct mm *m, unsigned flag);
bool mm_taint_panicked(struct mm *m);
int  mm_taint_refusal(struct mm *m, int rc, unsigned flag);   /* returns rc */
const char *print_tainted(struct mm *m, char *buf, size_t len);  /* >= 32 bytes */
/* Constructors and report callbacks run through these, so that a destroy
 * from inside one is refused (mm_in_callback()). */
void mm_run_ctor(struct mm *m, void (*ctor)(void *), void *obj);
bool mm_in_callback(struct mm *m);

/* Locks: every one is taken through mm_lock()/mm_unlock() with its class,
 * its number in the machine-wide lock order (mm_types.h).  Debug variants
 * (MM_DEBUG) keep each thread's held locks (lockdep.c): a lock taken out of
 * order aborts, and lockdep_assert_held() checks the caller owns a lock. */
enum lock_class {               /* the numbers of the order in mm_types.h */
	LOCK_LIVE = 1,          /* machine.c: the list of live machines */
	LOCK_FAULT = 2,         /* fault_state.lock */
	LOCK_SLAB_MUTEX = 3,    /* slab_state.mutex (slab_mutex) */
	LOCK_SLAB_ALIEN = 4,    /* SLAB: an alien cache's lock (slab_classic.c) */
	LOCK_SLAB_NODE = 5,     /* n->list_lock (SLUB, SLAB) */
	LOCK_SLOB = LOCK_SLAB_NODE,     /* SLOB's slob_lock, in list_lock's place */
	LOCK_BARN = 6,          /* node_barn.lock (sheaf.c) */
	LOCK_CMA = 7,           /* cma_state.cma_mutex (cma.c) */
	LOCK_COMPACT = 8,       /* compact_state.lock (compaction.c) */
	LOCK_RMAP = 9,          /* mm->rmap_lock (movable memory) */
	LOCK_DRAIN = 10,        /* mm->drain_mutex */
	LOCK_ZONE = 11,         /* zone->lock */
	LOCK_VMAP = 12,         /* vmap_state.lock */
	LOCK_KCOMPACTD = 13,    /* compact_state.wait_lock */
	LOCK_CMA_AREA = 14,     /* cma_area.lock (cma.c) */
	LOCK_CONTIG = 15,       /* contig_state.lock (contig.c) */
	LOCK_PAGE_OWNER = 16,   /* page_owner_state.lock (page_owner.c) */
	LOCK_LOG = 17,          /* mm->log_lock */
};
void lockdep_acquire(const void *lock, int class, bool trylock);
void lockdep_release(const void *lock);
bool lockdep_is_held(const void *lock);

static inline void mm_lock(pthread_mutex_t *l, enum lock_class class)
{
	if (MM_DEBUG)
		lockdep_acquire(l, class, false);
	pthread_mutex_lock(l);
}

/* pthread_mutex_trylock(): 0 when taken.  A trylock cannot deadlock, so
 * the order is not checked; the lock is tracked like any other. */
static inline int mm_trylock(pthread_mutex_t *l, enum lock_class class)
{
	int ret = pthread_mutex_trylock(l);

	if (MM_DEBUG && !ret)
		lockdep_acquire(l, class, true);
	return ret;
}

static inline void mm_unlock(pthread_mutex_t *l)
{
	if (MM_DEBUG)
		lockdep_release(l);
	pthread_mutex_unlock(l);
}

#define lockdep_assert_held(m, l) MM_BUG_ON(1, (m), !lockdep_is_held(l))

/* libmm locks that a report line may be logged under are taken with
 * mm_mutex_lock(): the report callback waits until the thread holds none
 * (printk.c), so it can call back into libmm.  (Nothing is logged under
 * zone->lock or the vmalloc lock, which stay plain.) */
struct report_line;
extern __thread int mm_lock_depth __attribute__((tls_model("initial-exec")));
extern __thread struct report_line *mm_report_queue __attribute__((tls_model("initial-exec")));
void mm_report_flush(void);

static inline void mm_mutex_lock(pthread_mutex_t *l, enum lock_class class)
{
	mm_lock(l, class);
	mm_lock_depth++;
}

static inline int mm_mutex_trylock(pthread_mutex_t *l, enum lock_class class)
{
	int ret = mm_trylock(l, class);

	if (!ret)
		mm_lock_depth++;
	return ret;
}

static inline void mm_mutex_unlock(pthread_mutex_t *l)
{
	mm_unlock(l);
	if (!--mm_lock_depth && unlikely(mm_report_queue != NULL))
		mm_report_flush();
}

/* ---- fault_inject.c: fail_page_alloc, failslab ------------------------ */
void fault_inject_init(struct mm *m);
void fault_inject_exit(struct mm *m);
bool should_fail_alloc_page(struct mm *m, gfp_t gfp, unsigned order);
bool should_failslab(struct mm *m, unsigned long cache_flags, unsigned object_size, gfp_t gfp);

static inline bool failslab_armed(const struct mm *m)
{
	return READ_ONCE(m->fault.slab.probability) != 0;
}

/* ---- strbuf.c, json_writer.c: growable strings, JSON (their headers) ---- */
#include "strbuf.h"
#include "json_writer.h"

/* ---- gfp.c: flag words as text (GFP and slab flags) -------------------- */
struct flag_name {
	const char *name;
	unsigned int mask;
};
/* "A|B|0x40": names greedily in table order (a name whose whole mask is
 * set), leftover bits in hex, `zero` for 0; snprintf's return */
int flag_words_parse(const char *text, const char *what, const struct flag_name *names,
		     size_t nr_names, const struct flag_name *aliases, size_t nr_aliases,
		     unsigned long max, unsigned *out, char *err, size_t errlen);
int flag_names_format(unsigned int v, const struct flag_name *t, size_t n, const char *zero,
		      char *buf, size_t len);

/* ---- machine.c: config, memory, CPUs ---------------------------------- */
/* the zone names' one table: "Normal" (the kernel's) and "NORMAL" (config) */
const char *zone_name(int idx);
const char *zone_config_name(int idx);
#define NR_PA_SWITCHES 8
struct pa_switch_name {
	const char *name;               /* pa_<name>= */
	unsigned bit;                   /* enum pa_switch */
};
extern const struct pa_switch_name pa_switch_names[NR_PA_SWITCHES];

int  machine_init(struct mm *m, const char *config, char *err, size_t errlen);
void machine_exit(struct mm *m);
struct mm_cpu *this_cpu_slow(struct mm *m);
bool mm_cpu_acquire(struct mm *m, struct mm_cpu *cpu);   /* for remote drains */
void mm_cpu_release(struct mm_cpu *cpu);
void mm_cpus_hold(struct mm *m, int timeout_ms, unsigned long *held);  /* validate */
void mm_cpus_release(struct mm *m, const unsigned long *held);
int  mm_cpus_stop(struct mm *m, int timeout_ms);                       /* quiesce */
void mm_cpus_resume(struct mm *m);
int  mm_cpus_wait_unbound(struct mm *m, int timeout_ms);
int  mm_config_format(const struct mm_config *c, struct strbuf *sb);
extern __thread struct mm_tls_bind mm_tls[MM_TLS_SLOTS] __attribute__((tls_model("initial-exec")));
void machine_prefault_pageblocks(struct mm *m, unsigned long pfn, unsigned order);
/* prefault=boot: populates m->prefault_meta now (set after mm_create's
 * machine_init); with pageblock, each pageblock's part comes with it. */
void machine_prefault_meta(struct mm *m);

#define BITS_PER_LONG (8 * (int)sizeof(unsigned long))

/* prefault=pageblock: has the pageblock holding pfn been populated? */
static inline bool pageblock_populated(struct mm *m, unsigned long pfn)
{
	unsigned long pb = pfn >> m->pageblock_order;

	return (READ_ONCE(m->prefault_bits[pb / BITS_PER_LONG]) >> (pb % BITS_PER_LONG)) & 1;
}

/* Where a block of 2^order pages at pfn leaves the buddy lists: with
 * prefault=pageblock, the first block handed out of a pageblock populates
 * it (machine.c).  One test when the mode is off, a bit test when it is on. */
static inline void prefault_pageblock(struct mm *m, unsigned long pfn, unsigned order)
{
	if (likely(!m->prefault_bits))
		return;
	if (order <= m->pageblock_order && pageblock_populated(m, pfn))
		return;
	machine_prefault_pageblocks(m, pfn, order);
}

/* The calling thread's CPU in machine m, or NULL when it is not bound. */
static inline struct mm_cpu *this_cpu(struct mm *m)
{
	if (likely(mm_tls[0].mm_id == m->id))       /* ids are never reused */
		return mm_tls[0].cpu;
	return this_cpu_slow(m);
}

static inline struct page *pfn_to_page(struct mm *m, unsigned long pfn)
{
	return m->mem_map + pfn;
}

static inline unsigned long page_to_pfn(struct mm *m, const struct page *page)
{
	return (unsigned long)(page - m->mem_map);
}

/* Nodes follow each other in PFN order; all but node 0 have the same size
 * (node 0 alone holds DMA and DMA32 with lowzones=node0). */
static inline int pfn_to_nid(const struct mm *m, unsigned long pfn)
{
	if (pfn < m->node0_pages)
		return 0;
	return (int)(1 + (pfn - m->node0_pages) / m->node_pages);
}

static inline struct zone *pfn_zone(struct mm *m, unsigned long pfn)
{
	struct zone *z = m->nodes[pfn_to_nid(m, pfn)].node_zones;

	while (pfn >= z->zone_start_pfn + z->spanned_pages)
		z++;
	return z;
}

static inline struct zone *page_zone(struct mm *m, const struct page *page)
{
	return pfn_zone(m, page_to_pfn(m, page));
}

/* compound_head(): the head of a tail page, the page itself otherwise.  A
 * head's lru slot (where tails keep compound_head) holds list links other
 * CPUs may be rewriting, so flagged heads are never asked. */
static inline struct page *compound_head(struct page *page)
{
	if (!(READ_ONCE(page->flags) & (PG_slab | PG_head)) && (page->compound_head & 1))
		return (struct page *)(page->compound_head - 1);
	return page;
}

static inline bool zone_spans_pfn(const struct zone *z, unsigned long pfn)
{
	return pfn >= z->zone_start_pfn && pfn < z->zone_start_pfn + z->spanned_pages;
}

static inline struct zone *zone_by_id(struct mm *m, int id)
{
	return &m->nodes[id / MAX_NR_ZONES].node_zones[id % MAX_NR_ZONES];
}

/* Per-CPU event counters: written by the CPU's owner only, read by the
 * reports of any thread (READ_ONCE).  A plain increment, as this_cpu_add();
 * under TSan the marked form, so the racy reads are not reported. */
#if defined(__SANITIZE_THREAD__)
#define COUNT_EVENT(p, n) WRITE_ONCE(*(p), READ_ONCE(*(p)) + (n))
#else
#define COUNT_EVENT(p, n) (*(p) += (n))
#endif

static inline void count_vm_events(struct mm_cpu *cpu, enum vm_event_item i, unsigned long n)
{
	COUNT_EVENT(&cpu->ev[i], n);
}

static inline void count_numa_event(struct mm_cpu *cpu, const struct zone *z,
				    enum numa_stat_item i)
{
	COUNT_EVENT(&cpu->numa_ev[z->id * NR_NUMA_STAT_ITEMS + i], 1);
}

static inline unsigned long zone_free_pages(const struct zone *z)
{
	return READ_ONCE(z->nr_free_pages);
}

/* zone->lock; functions named __xxx (which expect it held) assert it. */
static inline void zone_lock(struct zone *z)
{
	mm_lock(&z->lock, LOCK_ZONE);
}

static inline void zone_unlock(struct zone *z)
{
	mm_unlock(&z->lock);
}

#define lockdep_assert_zone_held(z) lockdep_assert_held((z)->mm, &(z)->lock)

/* ---- zone.c: watermarks, lowmem_reserve, zonelists ---------------------- */
#define ALLOC_WMARK_MIN      WMARK_MIN
#define ALLOC_WMARK_LOW      WMARK_LOW
#define ALLOC_WMARK_HIGH     WMARK_HIGH
#define ALLOC_NO_WATERMARKS  0x04
#define ALLOC_WMARK_MASK     (ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM            0x08
#define ALLOC_NON_BLOCK      0x10
#define ALLOC_MIN_RESERVE    0x20     /* == __GFP_HIGH */
#define ALLOC_CPUSET         0x40
#define ALLOC_CMA            0x80
#define ALLOC_NOFRAGMENT     0x100
#define ALLOC_HIGHATOMIC     0x200
#define ALLOC_KSWAPD         0x800    /* == __GFP_KSWAPD_RECLAIM */
#define ALLOC_RESERVES       (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

int  zones_init(struct mm *m);
void zones_exit(struct mm *m);
/* fragmentation_index() (x1000) and extfrag_for_order() (percent) of a
 * live zone (read without its lock) */
int zone_fragmentation_index(struct zone *z, unsigned order);
unsigned zone_extfrag_for_order(struct zone *z, unsigned order);
bool __zone_watermark_ok(struct zone *z, unsigned order, unsigned long mark,
			 int highest_zoneidx, unsigned alloc_flags, long free_pages);

static inline unsigned long wmark_pages(const struct zone *z, int i)
{
	return z->_watermark[i] + z->watermark_boost;
}

/* What the watermark checks hold back for HIGHATOMIC allocations from
 * callers without reserve rights: the free pages on its lists (6.12+,
 * pa_highatomic_free), 6.5: every reserved pageblock. */
static inline long highatomic_unusable(const struct zone *z)
{
	return (long)READ_ONCE(*z->highatomic_unusable);
}

/* nocma_unusable follows its two terms (zone->lock held, or boot). */
static inline void zone_update_unusable(struct zone *z)
{
	WRITE_ONCE(z->nocma_unusable, READ_ONCE(*z->highatomic_unusable) + z->nr_free_cma);
}

/* __zone_watermark_unusable_free() (6.18): the free pages a request cannot
 * use - 2^order - 1, the HIGHATOMIC ones unless it has reserve rights, and
 * the free CMA pages unless it may use CMA (ALLOC_CMA). */
static inline long zone_unusable_free(const struct zone *z, unsigned order, unsigned alloc_flags)
{
	long unusable = (1l << order) - 1;

	/* nocma_unusable is the sum of both terms, kept up to date */
	if (likely(!(alloc_flags & ALLOC_RESERVES)))
		unusable += (alloc_flags & ALLOC_CMA) ? highatomic_unusable(z)
						      : (long)READ_ONCE(z->nocma_unusable);
	else if (!(alloc_flags & ALLOC_CMA))
		unusable += (long)READ_ONCE(z->nr_free_cma);
	return unusable;
}

/* ZONE_BELOW_HIGH, and with it the watermark the fast path checks. */
static inline void zone_set_below_high(struct zone *z, int below)
{
	WRITE_ONCE(z->below_high, below);
	WRITE_ONCE(z->fast_wmark, &z->_watermark[below || !(z->mm->pa & PA_PCP_AUTOTUNE)
						 ? WMARK_LOW : WMARK_HIGH]);
}

/* ---- buddy.c: free lists, split/merge, migratetypes --------------------- */
extern const char *const migratetype_names[MIGRATE_TYPES];
void buddy_init_zone(struct zone *z);   /* boot: all memory free, MOVABLE */
void __free_one_page(struct zone *z, struct page *page, unsigned long pfn,
		     unsigned order, int mt);
void free_one_page(struct zone *z, unsigned long pfn, unsigned order);
/* __rmqueue()'s fallback modes, in order of fragmentation risk; a caller
 * allocating several blocks under one lock (rmqueue_bulk) passes the mode
 * the last call ended in. */
enum rmqueue_mode {
	RMQUEUE_NORMAL,         /* the requested migratetype's lists */
	RMQUEUE_CMA,            /* MIGRATE_CMA (ALLOC_CMA requests) */
	RMQUEUE_CLAIM,          /* claim a fallback type's pageblock */
	RMQUEUE_STEAL,          /* take one block of another type */
};
struct page *__rmqueue(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
		       enum rmqueue_mode *mode, struct mm_cpu *cpu);
struct page *rmqueue_buddy(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
			   struct mm_cpu *cpu);
void reserve_highatomic_pageblock(struct zone *z, struct page *page, unsigned order,
				  struct mm_cpu *cpu);
bool unreserve_highatomic_pageblock(struct mm *m, struct zone **zonelist,
				    int highest_zoneidx, int mt, bool force,
				    struct mm_cpu *cpu);

/* find_suitable_fallback(): the first fallback type with a free block of
 * this order; -1 if none, -2 when claimable and claiming is not worth it */
int find_suitable_fallback(struct zone *z, unsigned order, int mt, bool claimable);
unsigned long __isolate_free_page(struct zone *z, struct page *page, unsigned order);
/* Page isolation for alloc_contig_range (mm/page_isolation.c): the
 * pageblocks covering [start, end) of one zone; ISOLATE_MODE_CMA
 * (PB_ISOLATE_MODE_CMA_ALLOC) lets CMA pageblocks be isolated whatever they
 * hold.  Nothing is logged: the caller says why. */
#define ISOLATE_MODE_OTHER 0
#define ISOLATE_MODE_CMA   1
int  start_isolate_page_range(struct mm *m, unsigned long start, unsigned long end, int mode,
			      unsigned long *bad);
void undo_isolate_page_range(struct mm *m, unsigned long start, unsigned long end);
unsigned long test_pages_isolated(struct mm *m, unsigned long start, unsigned long end);
unsigned long find_large_buddy(struct zone *z, unsigned long pfn);
void init_cma_reserved_pageblock(struct zone *z, unsigned long pfn);

/* Direct compaction's capture_control (compaction.c): a block of the
 * wanted order freed in the compacted zone goes straight to the compactor
 * (compaction_capture, called from __free_one_page). */
struct capture_control {
	struct zone *zone;              /* the zone being compacted */
	int order;                      /* the order it compacts for */
	int migratetype;                /* of the allocation */
	struct page *page;              /* the block captured, or NULL */
};
extern __thread struct capture_control *current_capc __attribute__((tls_model("initial-exec")));

static inline bool compaction_capture(struct capture_control *capc, struct zone *z,
				      struct page *page, unsigned order, int mt)
{
	if (capc->zone != z || (int)order != capc->order || capc->page)
		return false;
	/* do not pollute isolated regions; a lower-order non-movable request
	 * does not take a block from a movable pageblock */
	if (mt == MIGRATE_ISOLATE)
		return false;
	if (order < z->mm->pageblock_order && mt == MIGRATE_MOVABLE &&
	    capc->migratetype != MIGRATE_MOVABLE)
		return false;
	prefault_pageblock(z->mm, page_to_pfn(z->mm, page), order);
	capc->page = page;
	return true;
}

/* A pageblock's byte - the kernel's pageblock flag bits, as 6.16+ has
 * them: the migratetype bits (bits 4-6) are kept while the pageblock is
 * isolated, isolation being a bit of its own; the low nibble is what
 * get_pageblock_migratetype() reports: the migratetype, or MIGRATE_ISOLATE
 * while the pageblock is isolated (one mask on hot paths); bit 7 is
 * PB_compact_skip (PB_migrate_skip before 6.16), compaction's hint to pass
 * the pageblock by.  Written only under zone->lock (__set_pageblock_bits:
 * the kernel's cmpxchg/set_bit on the bitmap word, where one lock for
 * every writer keeps the allocator's writes plain stores), read without it
 * (READ_ONCE, as get_pfnblock_flags_mask does). */
#define PB_MT_SHIFT 4
#define PB_EFFECTIVE 0x0f
#define PB_TYPE_BITS 0x70
#define PB_COMPACT_SKIP 0x80

static inline unsigned char *pageblock_byte(const struct zone *z, unsigned long pfn)
{
	return &z->pageblock_mt[(pfn >> z->pageblock_order) - z->pb_base];
}

static inline int get_pageblock_migratetype(const struct zone *z, unsigned long pfn)
{
	return READ_ONCE(*pageblock_byte(z, pfn)) & PB_EFFECTIVE;
}

/* The migratetype bits, isolated or not. */
static inline int get_pageblock_type_bits(const struct zone *z, unsigned long pfn)
{
	return (READ_ONCE(*pageblock_byte(z, pfn)) & PB_TYPE_BITS) >> PB_MT_SHIFT;
}

static inline bool get_pageblock_skip(const struct zone *z, unsigned long pfn)
{
	return READ_ONCE(*pageblock_byte(z, pfn)) & PB_COMPACT_SKIP;
}

/* zone->lock held: the bits of mask become bits. */
static inline void __set_pageblock_bits(struct zone *z, unsigned long pfn, unsigned mask,
					unsigned bits)
{
	unsigned char *pb = pageblock_byte(z, pfn);

	lockdep_assert_zone_held(z);
	WRITE_ONCE(*pb, (unsigned char)((*pb & ~mask) | bits));
}

static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

/* is_migrate_movable(): MOVABLE or CMA - pageblocks whose pages can move */
static inline bool is_migrate_movable(int mt)
{
	return mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA;
}

/* buddy.c: the public entry's isolation of the pageblocks of
 * [start_pfn, end_pfn), checked and logged (no drain: the caller above
 * drains the per-CPU lists) */
int start_isolate_page_range_checked(struct mm *m, unsigned long start_pfn,
				     unsigned long end_pfn, int migratetype);

/* ---- page_alloc.c: the entry points ------------------------------------ */
/* Why an allocation failed, as alloc_pages_node_why() returns it to the
 * layers above (they never read the thread's last error, mm_last_errno()). */
enum alloc_fail {
	ALLOC_OK,
	ALLOC_FAIL_REFUSED,     /* a bad request: logged with EINVAL */
	ALLOC_FAIL_NOMEM,       /* no memory for it (ENOMEM) */
	ALLOC_FAIL_INJECTED,    /* fail_page_alloc said no (ENOMEM, injected) */
};
struct page *alloc_pages_node_why(struct mm *m, int nid, gfp_t gfp, unsigned order,
				  enum alloc_fail *why);

/* ---- pcp.c: per-CPU page lists --------------------------------------- */
int  pcp_init(struct mm *m);
void pcp_exit(struct mm *m);
struct page *rmqueue_pcplist(struct zone *z, unsigned order, int mt,
			     unsigned alloc_flags, struct mm_cpu *cpu);
void free_unref_page(struct zone *z, struct page *page, unsigned long pfn,
		     unsigned order, struct mm_cpu *cpu);
void drain_all_pages(struct mm *m);

/* pcp_allowed_order(), and the machine has per-CPU lists at all */
static inline bool pcp_allowed_order(const struct mm *m, unsigned order)
{
	return (m->pcp_orders >> order) & 1;
}

/* ---- page_alloc.c ---------------------------------------------------- */
/* enum compact_priority: how hard direct compaction tries (compaction.c) */
enum { COMPACT_PRIO_SYNC_FULL, COMPACT_PRIO_SYNC_LIGHT, COMPACT_PRIO_ASYNC };
#define MIN_COMPACT_PRIORITY    COMPACT_PRIO_SYNC_FULL
#define DEF_COMPACT_PRIORITY    COMPACT_PRIO_SYNC_LIGHT
#define INIT_COMPACT_PRIORITY   COMPACT_PRIO_ASYNC

/* post_alloc_hook + prep_new_page for a block taken off the lists by other
 * means (compaction's free scanner, a captured block) */
void prep_isolated_page(struct mm *m, struct zone *z, struct page *page, unsigned order,
			gfp_t gfp);

/* ---- stats.c: counters and reports ------------------------------------ */
extern const char *const vm_event_names[NR_VM_EVENT_ITEMS];
unsigned long sum_vm_event(struct mm *m, enum vm_event_item i);
unsigned long sum_numa_event(struct mm *m, const struct zone *z, enum numa_stat_item i);
/* member key: {"Unmovable": v[0], ...}, a count per migratetype */
void mt_counts_json(struct json_writer *w, const char *key, const unsigned long *v);

/* ---- validate.c ------------------------------------------------------- */
int validate_zone(struct zone *z, struct strbuf *err, unsigned long *contig);

#endif /* LIBMM_INTERNAL_H */
