// SPDX-License-Identifier: GPL-2.0-only
/*
 * compaction.c - memory compaction (mm/compaction.c, 6.x): the migrate
 * scanner walks a zone up from its start isolating movable folios, the free
 * scanner walks down from its end isolating free blocks, and
 * migrate_pages() moves the first into the second until the scanners meet
 * or a block of the wanted order is free (compact_finished).
 *
 * What is the kernel's, by function:
 *   isolate_migratepages_block  folios with an owner (migrate.c), pinned
 *                               user folios left alone (refcount check),
 *                               compound folios of >= cc->order (or >=
 *                               pageblock_order for compact_memory)
 *                               skipped (skip_isolation_on_order, 6.10+),
 *                               COMPACT_CLUSTER_MAX (32) pages per round,
 *                               async direct compaction giving up a
 *                               cc->order-aligned block at its first
 *                               failure (skip_on_failure), the skip bit
 *                               set at the first LRU isolation
 *                               (test_and_set_skip) or when nothing was
 *                               isolated, cached restart pfns;
 *   isolate_migratepages        suitable_migration_source (async direct:
 *                               only the request's migratetype), skip bits;
 *   isolate_freepages(_block)   suitable_migration_target (MOVABLE blocks,
 *                               never isolated ones, no free block >=
 *                               pageblock_order), stride
 *                               COMPACT_CLUSTER_MAX in async mode,
 *                               __isolate_free_page's watermark, free blocks
 *                               kept whole by order (6.10+ freepages[]);
 *   compaction_alloc/_free      targets of the source's order, splitting a
 *                               larger free block (6.10+);
 *   compact_finished            scanners met (skip-bit flush flag, cached
 *                               positions reset), proactive score, a free
 *                               block of the order on the request's list or
 *                               claimable from a fallback, finishing the
 *                               pageblock first;
 *   compaction_suitable         order-0 watermark (low for costly orders,
 *                               else min) + compact_gap (2 << order), and
 *                               for costly orders fragmentation_index above
 *                               vm.extfrag_threshold (500);
 *   defer_compaction et al.     compact_considered / compact_defer_shift
 *                               (up to COMPACT_MAX_DEFER_SHIFT 6) /
 *                               compact_order_failed;
 *   try_to_compact_pages        the zonelist walk of direct compaction with
 *                               priorities (ASYNC, SYNC_LIGHT; the lowest,
 *                               SYNC_FULL, scans whole zones ignoring hints)
 *                               and capture_control (a block of the order
 *                               freed in the zone goes straight to the
 *                               compactor: compaction_capture in buddy.c);
 *   __reset_isolation_suitable  skip bits cleared from both ends where a
 *                               block looks like a source or a target,
 *                               when a deferred compaction restarts
 *                               (compaction_restarting) or kcompactd starts
 *                               with the flush flag set;
 *   kcompactd                   woken by high-order allocations entering the
 *                               slow path (where kswapd would wake it),
 *                               kcompactd_do_work at SYNC_LIGHT, and
 *                               proactive compaction: the node's
 *                               fragmentation score (extfrag of order 9,
 *                               weighted by zone size) above
 *                               min(100 - proactiveness, 5) + 10 compacts
 *                               until below the low mark; no progress
 *                               defers the next try 64 wake-ups;
 *   compact_node/compact_nodes  vm.compact_memory: SYNC, whole zones,
 *                               hints ignored.
 * Simplified: no fast_isolate_freepages / fast_find_migrateblock (the
 * scanners are linear), no too_many_isolated throttling, no lock-contention
 * aborts (compaction runs are serialised by one lock, and nothing here is
 * asynchronous), and all pages are evictable (compact_unevictable_allowed
 * has nothing to decide).
 *
 * Time: kcompactd is deterministic by default (kcompactd=tick): it wakes
 * once per vmstat tick (pcp.c's mm_tick calls m->kcompactd_tick after the
 * per-CPU lists' tick work; or mm_kcompactd_run), on the ticking thread;
 * kcompactd=thread runs a real thread that wakes every 500 ms
 * (HPAGE_FRAG_CHECK_INTERVAL_MSEC) or when woken, binding a CPU of the
 * machine no thread holds for the pass.
 *
 * The page allocator's invariants hold throughout: the free scanner never
 * takes a block from an isolated pageblock (suitable_migration_target, and
 * again under zone->lock), and __isolate_free_page (buddy.c) retypes a
 * pageblock it takes half of with move_freepages_block, so every free block
 * stays on its pageblock type's list (freelist hygiene).  The skip bits
 * are the pageblocks' PB_compact_skip bits (internal.h), beside their
 * migratetype, set and cleared under zone->lock.
 *
 * Locking: compact_state.lock serialises compaction runs and guards the
 * per-zone state (deferral, cached pfns, last-run statistics); it comes
 * before rmap_lock (6) in the lock order: compaction isolates under
 * rmap_lock and frees pages under it.  kcompactd's per-node requests are
 * atomics (the allocator sets them without the lock).  The free scanner
 * takes zone->lock per block, a skip-bit write for one pageblock.  Freed
 * blocks isolated by the free scanner are outside every list until
 * compaction ends (validate must not run meanwhile).
 *
 * Invariants (compaction_validate): compact_defer_shift <= 6 and
 * compact_considered <= 1 << shift.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "movable.h"

#define COMPACT_CLUSTER_MAX     32      /* SWAP_CLUSTER_MAX */
#define COMPACT_MAX_DEFER_SHIFT 6
#define HPAGE_FRAG_CHECK_INTERVAL_MSEC 500


enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE = MM_COMPACT_NOT_SUITABLE_ZONE,
	COMPACT_SKIPPED = MM_COMPACT_SKIPPED, COMPACT_DEFERRED = MM_COMPACT_DEFERRED,
	COMPACT_NO_SUITABLE_PAGE = MM_COMPACT_NO_SUITABLE_PAGE,
	COMPACT_CONTINUE = MM_COMPACT_CONTINUE, COMPACT_COMPLETE = MM_COMPACT_COMPLETE,
	COMPACT_PARTIAL_SKIPPED = MM_COMPACT_PARTIAL_SKIPPED,
	COMPACT_CONTENDED = MM_COMPACT_CONTENDED, COMPACT_SUCCESS = MM_COMPACT_SUCCESS,
};

static const char *const result_names[] = {
	"COMPACT_NOT_SUITABLE_ZONE", "COMPACT_SKIPPED", "COMPACT_DEFERRED",
	"COMPACT_NO_SUITABLE_PAGE", "COMPACT_CONTINUE", "COMPACT_COMPLETE",
	"COMPACT_PARTIAL_SKIPPED", "COMPACT_CONTENDED", "COMPACT_SUCCESS",
};

const char *mm_compact_result_name(int result)
{
	return result >= 0 && result <= COMPACT_SUCCESS ? result_names[result] : NULL;
}

/* A zone's compaction fields (struct zone's, kept here). */
struct compact_zone_state {
	unsigned int compact_considered, compact_defer_shift;
	int compact_order_failed;
	unsigned long compact_cached_free_pfn;
	unsigned long compact_cached_migrate_pfn[2];    /* [0] async, [1] sync */
	unsigned long compact_init_migrate_pfn, compact_init_free_pfn;
	bool compact_blockskip_flush;
	struct mm_compact_info last;    /* the last run's statistics */
};

struct compact_node_state {             /* atomics */
	int kcompactd_max_order;
	int kcompactd_highest_zoneidx;
	int proactive_compact_trigger;
	int proactive_defer;            /* wake-ups to skip proactive work */
};

struct compact_state {
	pthread_mutex_t lock;
	struct compact_zone_state *zone;        /* [nr_zones] */
	struct compact_node_state *node;        /* [nr_nodes] */
	int proactiveness, extfrag_threshold;   /* sysctls (atomics) */
	/* kcompactd=thread */
	pthread_t thread;
	bool running, stop, wake;
	pthread_mutex_t wait_lock;
	pthread_cond_t wait;
};

struct compact_control {
	struct list_head freepages[MM_NR_ORDERS_MAX];   /* isolated free blocks */
	struct list_head migratepages;  /* isolated folios */
	unsigned long nr_freepages, nr_migratepages;    /* base pages */
	unsigned long total_migrate_scanned, total_free_scanned, total_isolated;
	unsigned long free_pfn, migrate_pfn, fast_start_pfn;
	struct zone *zone;
	struct compact_zone_state *zs;
	int order;                      /* -1: compact_memory / proactive */
	gfp_t gfp_mask;
	unsigned alloc_flags;
	int highest_zoneidx;
	int migratetype;
	int mode;                       /* MM_MIGRATE_* */
	bool ignore_skip_hint, ignore_block_suitable, direct_compaction;
	bool proactive_compaction, whole_zone, finish_pageblock;
	struct mm_migrate_result mres;  /* what migrate_pages did, and why not */
};

static inline struct compact_state *cstate(struct mm *m)
{
	return m->compact;
}

static inline unsigned long pageblock_start_pfn(const struct mm *m, unsigned long pfn)
{
	return pfn & ~(m->pageblock_nr_pages - 1);
}

static inline unsigned long pageblock_end_pfn(const struct mm *m, unsigned long pfn)
{
	return pageblock_start_pfn(m, pfn) + m->pageblock_nr_pages;
}

static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}

static inline bool is_via_compact_memory(int order)
{
	return order == -1;
}

/* ---- skip bits ---------------------------------------------------------------- */

/* PB_compact_skip lives in the pageblock's byte beside its migratetype
 * (internal.h), written under zone->lock. */
static void set_pageblock_skip(struct zone *z, unsigned long pfn, bool skip)
{
	zone_lock(z);
	__set_pageblock_bits(z, pfn, PB_COMPACT_SKIP, skip ? PB_COMPACT_SKIP : 0);
	zone_unlock(z);
}

static inline bool isolation_suitable(struct compact_control *cc, unsigned long pfn)
{
	return cc->ignore_skip_hint || !get_pageblock_skip(cc->zone, pfn);
}

/* Compaction runs are serialised (compact_state.lock): nobody else sets
 * or clears skip bits between the test and the set. */
static bool test_and_set_skip(struct compact_control *cc, unsigned long pfn)
{
	if (cc->ignore_skip_hint)
		return false;
	if (get_pageblock_skip(cc->zone, pfn))
		return true;
	set_pageblock_skip(cc->zone, pfn, true);
	return false;
}

static void reset_cached_positions(struct zone *z, struct compact_zone_state *zs)
{
	zs->compact_cached_migrate_pfn[0] = zs->compact_cached_migrate_pfn[1] = z->zone_start_pfn;
	zs->compact_cached_free_pfn = pageblock_start_pfn(z->mm, zone_end_pfn(z) - 1);
}

static void update_cached_migrate(struct compact_control *cc, unsigned long pfn)
{
	struct compact_zone_state *zs = cc->zs;

	pfn = pageblock_end_pfn(cc->zone->mm, pfn);
	if (pfn > zs->compact_cached_migrate_pfn[0])
		zs->compact_cached_migrate_pfn[0] = pfn;
	if (cc->mode != MM_MIGRATE_ASYNC && pfn > zs->compact_cached_migrate_pfn[1])
		zs->compact_cached_migrate_pfn[1] = pfn;
}

static void update_pageblock_skip(struct compact_control *cc, unsigned long pfn,
				  unsigned long next_free)
{
	set_pageblock_skip(cc->zone, pfn, true);
	if (next_free < cc->zs->compact_cached_free_pfn)
		cc->zs->compact_cached_free_pfn = next_free;
}

/* Is a pageblock [pfn, pfn + pageblock) wholly inside the zone? */
static inline bool block_in_zone(const struct zone *z, unsigned long start, unsigned long end)
{
	return start >= z->zone_start_pfn && end <= zone_end_pfn(z) && start < end;
}

/* A folio head of order >= pageblock_order covering pfn (skipped until freed). */
static bool pageblock_skip_persistent(struct mm *m, unsigned long pfn)
{
	struct page *p = pfn_to_page(m, pageblock_start_pfn(m, pfn));

	/* such a folio is pageblock aligned: its head starts the block */
	return (READ_ONCE(p->flags) & PG_head) && READ_ONCE(p->private) >= m->pageblock_order;
}

/* __reset_isolation_pfn(): clear the skip bit of the block at pfn if a
 * sample (every 8th page) shows a source (an owned folio) or a target (a
 * free block) there. */
static bool reset_isolation_pfn(struct zone *z, unsigned long pfn,
				bool check_source, bool check_target)
{
	struct mm *m = z->mm;
	unsigned long start = pageblock_start_pfn(m, pfn), end = start + m->pageblock_nr_pages;

	if (!block_in_zone(z, start, end) || pageblock_skip_persistent(m, start))
		return false;
	if (check_source && check_target && !get_pageblock_skip(z, start))
		return true;
	if (!check_source && check_target && !is_migrate_movable(get_pageblock_migratetype(z, start)))
		return false;
	for (unsigned long p = start; p < end; p += 1ul << PAGE_ALLOC_COSTLY_ORDER) {
		unsigned long flags = READ_ONCE(pfn_to_page(m, p)->flags);

		if ((check_source && (flags & PG_owned)) || (check_target && (flags & PG_buddy))) {
			set_pageblock_skip(z, start, false);
			return true;
		}
	}
	return false;
}

static void __reset_isolation_suitable(struct zone *z, struct compact_zone_state *zs)
{
	struct mm *m = z->mm;
	unsigned long migrate_pfn = z->zone_start_pfn, free_pfn = zone_end_pfn(z) - 1;
	unsigned long reset_migrate = free_pfn, reset_free = migrate_pfn;
	bool source_set = false, free_set = false;

	if (!zs->compact_blockskip_flush)
		return;
	zs->compact_blockskip_flush = false;
	for (; migrate_pfn < free_pfn; migrate_pfn += m->pageblock_nr_pages,
	     free_pfn -= m->pageblock_nr_pages) {
		if (reset_isolation_pfn(z, migrate_pfn, true, source_set) &&
		    migrate_pfn < reset_migrate) {
			source_set = true;
			reset_migrate = migrate_pfn;
			zs->compact_init_migrate_pfn = reset_migrate;
			zs->compact_cached_migrate_pfn[0] = reset_migrate;
			zs->compact_cached_migrate_pfn[1] = reset_migrate;
		}
		if (reset_isolation_pfn(z, free_pfn, free_set, true) && free_pfn > reset_free) {
			free_set = true;
			reset_free = free_pfn;
			zs->compact_init_free_pfn = reset_free;
			zs->compact_cached_free_pfn = reset_free;
		}
		if (free_pfn < m->pageblock_nr_pages)
			break;
	}
	if (reset_migrate >= reset_free) {
		zs->compact_cached_migrate_pfn[0] = migrate_pfn;
		zs->compact_cached_migrate_pfn[1] = migrate_pfn;
		zs->compact_cached_free_pfn = free_pfn;
	}
}

/* ---- deferral ------------------------------------------------------------------ */

static void defer_compaction(struct compact_zone_state *zs, int order)
{
	zs->compact_considered = 0;
	zs->compact_defer_shift++;
	if (order < zs->compact_order_failed)
		zs->compact_order_failed = order;
	if (zs->compact_defer_shift > COMPACT_MAX_DEFER_SHIFT)
		zs->compact_defer_shift = COMPACT_MAX_DEFER_SHIFT;
}

static bool compaction_deferred(struct compact_zone_state *zs, int order)
{
	unsigned long defer_limit = 1ul << zs->compact_defer_shift;

	if (order < zs->compact_order_failed)
		return false;
	if (++zs->compact_considered >= defer_limit) {
		zs->compact_considered = (unsigned)defer_limit;
		return false;
	}
	return true;
}

static void compaction_defer_reset(struct compact_zone_state *zs, int order, bool alloc_success)
{
	if (alloc_success) {
		zs->compact_considered = 0;
		zs->compact_defer_shift = 0;
	}
	if (order >= zs->compact_order_failed)
		zs->compact_order_failed = order + 1;
}

static bool compaction_restarting(struct compact_zone_state *zs, int order)
{
	if (order < zs->compact_order_failed)
		return false;
	return zs->compact_defer_shift == COMPACT_MAX_DEFER_SHIFT &&
	       zs->compact_considered >= 1u << zs->compact_defer_shift;
}

/* ---- the free scanner --------------------------------------------------------- */

static unsigned long isolate_freepages_block(struct compact_control *cc, unsigned long *start_pfn,
					     unsigned long end_pfn, unsigned stride)
{
	struct zone *z = cc->zone;
	struct mm *m = z->mm;
	unsigned long blockpfn = *start_pfn, nr_scanned = 0, total_isolated = 0;
	bool locked = false;

	for (; blockpfn < end_pfn; blockpfn += stride) {
		struct page *page = pfn_to_page(m, blockpfn);
		unsigned long flags = READ_ONCE(page->flags), isolated;
		unsigned order;

		nr_scanned++;
		if (flags & PG_head) {                                  /* PageCompound */
			order = (unsigned)READ_ONCE(page->private);
			if (order <= m->max_order) {
				blockpfn += (1ul << order) - 1;
				nr_scanned += (1ul << order) - 1;
			}
			continue;
		}
		if (!(flags & PG_buddy))
			continue;
		if (!locked) {
			zone_lock(z);
			locked = true;
			/* isolated since suitable_migration_target() looked */
			if (get_pageblock_migratetype(z, blockpfn) == MIGRATE_ISOLATE)
				break;
			if (!(page->flags & PG_buddy))
				continue;
		}
		order = (unsigned)page->private;
		isolated = __isolate_free_page(z, page, order);
		if (!isolated)
			break;
		list_add_tail(&page->lru, &cc->freepages[order]);
		nr_scanned += isolated - 1;
		total_isolated += isolated;
		cc->nr_freepages += isolated;
		if (cc->nr_migratepages <= cc->nr_freepages) {
			blockpfn += isolated;
			break;
		}
		blockpfn += isolated - 1;
	}
	if (locked)
		zone_unlock(z);
	if (blockpfn > end_pfn)
		blockpfn = end_pfn;
	*start_pfn = blockpfn;
	cc->total_free_scanned += nr_scanned;
	cc->total_isolated += total_isolated;
	if (total_isolated)
		count_vm_events(this_cpu(m), COMPACTISOLATED, total_isolated);
	return total_isolated;
}

/* suitable_migration_target(): a MOVABLE pageblock (any but an isolated
 * one when block suitability is ignored) not already one free block. */
static bool suitable_migration_target(struct compact_control *cc, unsigned long pfn)
{
	struct page *page = pfn_to_page(cc->zone->mm, pfn);
	int mt = get_pageblock_migratetype(cc->zone, pfn);

	if ((READ_ONCE(page->flags) & PG_buddy) &&
	    READ_ONCE(page->private) >= cc->zone->mm->pageblock_order)
		return false;
	if (mt == MIGRATE_ISOLATE)
		return false;
	return cc->ignore_block_suitable || is_migrate_movable(mt);
}

static void isolate_freepages(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct mm *m = z->mm;
	unsigned long pb = m->pageblock_nr_pages;
	unsigned long isolate_start_pfn = cc->free_pfn;
	unsigned long block_start_pfn = pageblock_start_pfn(m, isolate_start_pfn);
	unsigned long block_end_pfn = block_start_pfn + pb;
	unsigned long low_pfn = pageblock_end_pfn(m, cc->migrate_pfn);
	unsigned stride = cc->mode == MM_MIGRATE_ASYNC ? COMPACT_CLUSTER_MAX : 1;

	if (block_end_pfn > zone_end_pfn(z))
		block_end_pfn = zone_end_pfn(z);
	for (; block_start_pfn >= low_pfn; block_end_pfn = block_start_pfn,
	     block_start_pfn -= pb, isolate_start_pfn = block_start_pfn) {
		unsigned long nr_isolated;

		if (!block_in_zone(z, block_start_pfn, block_end_pfn))
			continue;
		if (!suitable_migration_target(cc, block_start_pfn))
			continue;
		if (!isolation_suitable(cc, block_start_pfn))
			continue;
		nr_isolated = isolate_freepages_block(cc, &isolate_start_pfn, block_end_pfn, stride);
		if (isolate_start_pfn == block_end_pfn)
			update_pageblock_skip(cc, block_start_pfn, block_start_pfn - pb);
		if (cc->nr_freepages >= cc->nr_migratepages) {
			if (isolate_start_pfn >= block_end_pfn)
				isolate_start_pfn = block_start_pfn - pb;
			break;
		} else if (isolate_start_pfn < block_end_pfn) {
			break;
		}
		stride = nr_isolated ? 1 : (stride << 1 > COMPACT_CLUSTER_MAX ? COMPACT_CLUSTER_MAX
									      : stride << 1);
		if (block_start_pfn < pb)
			break;
	}
	cc->free_pfn = isolate_start_pfn;
}

/* compaction_alloc(): a target of the source's order from the isolated
 * free blocks, splitting a larger one; the free scanner runs when there is
 * none. */
static struct page *compaction_alloc(struct page *src, unsigned order, void *data)
{
	struct compact_control *cc = data;
	struct mm *m = cc->zone->mm;
	bool has_isolated_pages = false;
	struct page *freepage;
	unsigned start_order;
	unsigned long size;

again:
	for (start_order = order; start_order < m->nr_orders; start_order++)
		if (!list_empty(&cc->freepages[start_order]))
			break;
	if (start_order == m->nr_orders) {
		if (has_isolated_pages)
			return NULL;
		isolate_freepages(cc);
		has_isolated_pages = true;
		goto again;
	}
	freepage = list_first_entry(&cc->freepages[start_order], struct page, lru);
	list_del(&freepage->lru);
	size = 1ul << start_order;
	while (start_order > order) {
		start_order--;
		size >>= 1;
		freepage[size].private = start_order;
		list_add(&freepage[size].lru, &cc->freepages[start_order]);
	}
	prep_isolated_page(m, cc->zone, freepage, order,
			   __GFP_MOVABLE | ((src->flags & PG_head) ? __GFP_COMP : 0));
	cc->nr_freepages -= 1ul << order;
	cc->nr_migratepages -= 1ul << order;
	return freepage;
}

/* compaction_free(): an unused target goes back to the isolated blocks. */
static void compaction_free(struct page *dst, unsigned order, void *data)
{
	struct compact_control *cc = data;

	for (unsigned long i = 1; (dst->flags & PG_head) && i < 1ul << order; i++)
		dst[i].compound_head = 0;
	WRITE_ONCE(dst->flags, 0ul);
	dst->_refcount = 0;
	dst->private = order;
	list_add(&dst->lru, &cc->freepages[order]);
	cc->nr_freepages += 1ul << order;
	cc->nr_migratepages += 1ul << order;
}

/* release_free_list(): the isolated free blocks back to the buddy; the
 * highest pfn of them, 0 if none. */
static unsigned long release_freepages(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct mm *m = z->mm;
	unsigned long high_pfn = 0;

	for (unsigned o = 0; o < m->nr_orders; o++) {
		while (!list_empty(&cc->freepages[o])) {
			struct page *page = list_first_entry(&cc->freepages[o], struct page, lru);
			unsigned long pfn = page_to_pfn(m, page);

			list_del(&page->lru);
			free_one_page(z, pfn, o);
			if (pfn > high_pfn)
				high_pfn = pfn;
		}
	}
	cc->nr_freepages = 0;
	return high_pfn;
}

/* ---- the migrate scanner -------------------------------------------------------- */

/* skip_isolation_on_order() (6.10+) */
static inline bool skip_isolation_on_order(const struct mm *m, unsigned order, int target_order)
{
	if (!is_via_compact_memory(target_order) && (int)order >= target_order)
		return true;
	return order >= m->pageblock_order;
}

static inline unsigned long block_end_pfn(unsigned long pfn, int order)
{
	unsigned long size = 1ul << (order > 0 ? order : 0);

	return (pfn + size) & ~(size - 1);
}

/* Undo the isolations of the block so far (async direct compaction gives
 * the cc->order-aligned block up at its first failure). */
static void __putback_cc(struct mm *m, struct compact_control *cc)
{
	mm_unlock(&m->rmap_lock);
	putback_movable_pages(m, &cc->migratepages);
	mm_lock(&m->rmap_lock, LOCK_RMAP);
	cc->nr_migratepages = 0;
}

static void isolate_migratepages_block(struct compact_control *cc, unsigned long low_pfn,
				       unsigned long end_pfn)
{
	struct zone *z = cc->zone;
	struct mm *m = z->mm;
	unsigned long nr_scanned = 0, nr_isolated = 0, next_skip_pfn = 0;
	unsigned long valid_pfn = ~0ul;
	bool skip_on_failure = false, skip_updated = false;

	cc->migrate_pfn = low_pfn;
	if (cc->direct_compaction && cc->mode == MM_MIGRATE_ASYNC) {
		skip_on_failure = true;
		next_skip_pfn = block_end_pfn(low_pfn, cc->order);
	}
	mm_lock(&m->rmap_lock, LOCK_RMAP);
	for (; low_pfn < end_pfn; low_pfn++) {
		struct page *page = pfn_to_page(m, low_pfn);
		unsigned long flags = READ_ONCE(page->flags), nr = 1;
		int why;

		if (skip_on_failure && low_pfn >= next_skip_pfn) {
			if (nr_isolated)
				break;
			next_skip_pfn = block_end_pfn(low_pfn, cc->order);
		}
		nr_scanned++;
		if (valid_pfn == ~0ul && (!(low_pfn & (m->pageblock_nr_pages - 1)) ||
					   low_pfn == z->zone_start_pfn)) {
			if (!isolation_suitable(cc, low_pfn)) {
				low_pfn = end_pfn;
				goto isolate_abort;
			}
			valid_pfn = low_pfn;
		}
		if (flags & PG_buddy) {
			unsigned order = (unsigned)READ_ONCE(page->private);

			if (order > 0 && order <= m->max_order) {
				low_pfn += (1ul << order) - 1;
				nr_scanned += (1ul << order) - 1;
			}
			continue;
		}
		/* not LRU and not movable_ops: only what has an owner moves.
		 * PG_owned changes under rmap_lock (held), and so do an owned
		 * head's private and references: no racy read of a page some
		 * other CPU is allocating */
		if (!(flags & PG_owned)) {
			if ((flags & PG_lru) && !(flags & PG_pcp))
				fail_note(&cc->mres, MM_MIGRATE_FAIL_UNMOVABLE, low_pfn);
			goto isolate_fail;
		}
		nr = 1ul << page->private;
		if ((flags & PG_head) && skip_isolation_on_order(m, (unsigned)page->private, cc->order))
			goto isolate_fail_skip;
		if ((flags & PG_anon) && !(flags & PG_isolated) && page->_refcount == 1 &&
		    !skip_updated && valid_pfn != ~0ul) {
			skip_updated = true;
			if (test_and_set_skip(cc, valid_pfn) && !cc->finish_pageblock) {
				low_pfn = end_pfn;
				goto isolate_abort;
			}
		}
		why = __isolate_movable_folio(m, page, cc->mode, true, &cc->migratepages);
		if (why != ISOLATE_OK) {
			fail_note(&cc->mres, why, low_pfn);
			goto isolate_fail_skip;
		}
		cc->nr_migratepages += nr;
		nr_isolated += nr;
		low_pfn += nr - 1;
		nr_scanned += nr - 1;
		if (cc->nr_migratepages >= COMPACT_CLUSTER_MAX && !cc->finish_pageblock) {
			++low_pfn;
			break;
		}
		continue;
isolate_fail_skip:
		/* a block's own pages cannot be anything else: step over it */
		low_pfn += nr - 1;
		nr_scanned += nr - 1;
isolate_fail:
		if (!skip_on_failure)
			continue;
		if (nr_isolated) {
			__putback_cc(m, cc);
			nr_isolated = 0;
		}
		if (low_pfn < next_skip_pfn) {
			low_pfn = next_skip_pfn - 1;
			next_skip_pfn += 1ul << cc->order;
		}
	}
	if (low_pfn > end_pfn)
		low_pfn = end_pfn;
isolate_abort:
	mm_unlock(&m->rmap_lock);
	if (low_pfn == end_pfn && (!nr_isolated || cc->finish_pageblock)) {
		if (valid_pfn != ~0ul && !skip_updated)
			set_pageblock_skip(z, valid_pfn, true);
		update_cached_migrate(cc, low_pfn);
	}
	cc->total_migrate_scanned += nr_scanned;
	cc->total_isolated += nr_isolated;
	if (nr_isolated)
		count_vm_events(this_cpu(m), COMPACTISOLATED, nr_isolated);
	cc->migrate_pfn = low_pfn;
}

static bool suitable_migration_source(struct compact_control *cc, unsigned long pfn)
{
	int block_mt;

	if (pageblock_skip_persistent(cc->zone->mm, pfn))
		return false;
	if (cc->mode != MM_MIGRATE_ASYNC || !cc->direct_compaction)
		return true;
	block_mt = get_pageblock_migratetype(cc->zone, pfn);
	if (cc->migratetype == MIGRATE_MOVABLE)
		return is_migrate_movable(block_mt);
	return block_mt == cc->migratetype;
}

enum { ISOLATE_ABORT, ISOLATE_NONE, ISOLATE_SUCCESS };

static int isolate_migratepages(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct mm *m = z->mm;
	unsigned long low_pfn = cc->migrate_pfn;
	unsigned long block_start_pfn = pageblock_start_pfn(m, low_pfn);
	unsigned long block_end_pfn = pageblock_end_pfn(m, low_pfn);

	if (block_start_pfn < z->zone_start_pfn)
		block_start_pfn = z->zone_start_pfn;
	for (; block_end_pfn <= cc->free_pfn; cc->migrate_pfn = low_pfn = block_end_pfn,
	     block_start_pfn = block_end_pfn, block_end_pfn += m->pageblock_nr_pages) {
		if (!block_in_zone(z, block_start_pfn, block_end_pfn))
			continue;
		if ((!(low_pfn & (m->pageblock_nr_pages - 1)) || low_pfn == z->zone_start_pfn) &&
		    !isolation_suitable(cc, block_start_pfn))
			continue;
		if (!suitable_migration_source(cc, block_start_pfn)) {
			update_cached_migrate(cc, block_end_pfn);
			continue;
		}
		isolate_migratepages_block(cc, low_pfn, block_end_pfn);
		break;
	}
	return cc->nr_migratepages ? ISOLATE_SUCCESS : ISOLATE_NONE;
}

/* ---- finishing, suitability ------------------------------------------------------- */

static inline bool compact_scanners_met(struct compact_control *cc)
{
	unsigned pbo = cc->zone->mm->pageblock_order;

	return (cc->free_pfn >> pbo) <= (cc->migrate_pfn >> pbo);
}

static unsigned fragmentation_score_zone(struct zone *z)
{
	return zone_extfrag_for_order(z, z->mm->pageblock_order);
}

static unsigned fragmentation_score_zone_weighted(struct zone *z)
{
	struct pglist_data *pg = &z->mm->nodes[z->node];
	unsigned long node_present = 0;

	for (int i = 0; i < MAX_NR_ZONES; i++)
		node_present += pg->node_zones[i].present_pages;
	return (unsigned)(z->present_pages * fragmentation_score_zone(z) / (node_present + 1));
}

static unsigned fragmentation_score_node(struct mm *m, int nid)
{
	unsigned score = 0;

	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &m->nodes[nid].node_zones[i];

		if (populated_zone(z))
			score += fragmentation_score_zone_weighted(z);
	}
	return score;
}

static unsigned fragmentation_score_wmark(struct mm *m, bool low)
{
	int p = READ_ONCE(cstate(m)->proactiveness);
	unsigned wmark_low = 100u - (unsigned)p < 5u ? 5u : 100u - (unsigned)p;

	return low ? wmark_low : (wmark_low + 10 > 100 ? 100 : wmark_low + 10);
}

static int __compact_finished(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct mm *m = z->mm;

	if (compact_scanners_met(cc)) {
		reset_cached_positions(z, cc->zs);
		if (cc->direct_compaction)
			cc->zs->compact_blockskip_flush = true;
		return cc->whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
	}
	if (cc->proactive_compaction)
		return fragmentation_score_zone(z) > fragmentation_score_wmark(m, true)
		       ? COMPACT_CONTINUE : COMPACT_SUCCESS;
	if (is_via_compact_memory(cc->order))
		return COMPACT_CONTINUE;
	/* finish the pageblock first */
	if (cc->migrate_pfn & (m->pageblock_nr_pages - 1))
		return COMPACT_CONTINUE;
	for (unsigned o = (unsigned)cc->order; o < m->nr_orders; o++) {
		struct free_area *area = &z->free_area[o];
		bool claimable;

		if (READ_ONCE(area->nr_free_mt[cc->migratetype]))
			return COMPACT_SUCCESS;
		/* the allocation would claim a fallback type's pageblock */
		zone_lock(z);
		claimable = find_suitable_fallback(z, o, cc->migratetype, true) >= 0;
		zone_unlock(z);
		if (claimable)
			return COMPACT_SUCCESS;
	}
	return COMPACT_NO_SUITABLE_PAGE;
}

static int compact_finished(struct compact_control *cc)
{
	int ret = __compact_finished(cc);

	return ret == COMPACT_NO_SUITABLE_PAGE ? COMPACT_CONTINUE : ret;
}

static bool __compaction_suitable(struct zone *z, int order, int highest_zoneidx,
				  unsigned long free)
{
	unsigned long wmark = order > PAGE_ALLOC_COSTLY_ORDER ? z->_watermark[WMARK_LOW]
							      : z->_watermark[WMARK_MIN];

	wmark += 2ul << order;          /* compact_gap() */
	return __zone_watermark_ok(z, 0, wmark, highest_zoneidx, ALLOC_CMA, (long)free);
}

/* compaction_suitable(): enough free memory to compact, and for costly
 * orders a failure that fragmentation explains (fragindex > threshold). */
static bool compaction_suitable(struct zone *z, int order, int highest_zoneidx)
{
	if (!__compaction_suitable(z, order, highest_zoneidx, zone_free_pages(z)))
		return false;
	if (order > PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = zone_fragmentation_index(z, (unsigned)order);

		if (fragindex >= 0 && fragindex <= READ_ONCE(cstate(z->mm)->extfrag_threshold))
			return false;
	}
	return true;
}

static inline bool zone_watermark_ok_order(struct zone *z, int order, unsigned long mark,
					   int highest_zoneidx, unsigned alloc_flags)
{
	return __zone_watermark_ok(z, (unsigned)order, mark, highest_zoneidx, alloc_flags,
				   (long)zone_free_pages(z));
}

/* ---- compact_zone() ----------------------------------------------------------------- */

static void cc_init(struct compact_control *cc, struct zone *z)
{
	struct mm *m = z->mm;

	cc->zone = z;
	cc->zs = &cstate(m)->zone[z->id];
	cc->nr_freepages = cc->nr_migratepages = 0;
	cc->total_migrate_scanned = cc->total_free_scanned = cc->total_isolated = 0;
	for (unsigned o = 0; o < m->nr_orders; o++)
		INIT_LIST_HEAD(&cc->freepages[o]);
	INIT_LIST_HEAD(&cc->migratepages);
	memset(&cc->mres, 0, sizeof(cc->mres));
	cc->migratetype = (int)((cc->gfp_mask & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT);
}

/* Where the scanners start: the whole zone, or the cached positions. */
static void cc_start_positions(struct compact_control *cc)
{
	struct zone *z = cc->zone;
	struct compact_zone_state *zs = cc->zs;
	unsigned long start = z->zone_start_pfn, end = zone_end_pfn(z);
	bool sync = cc->mode != MM_MIGRATE_ASYNC;

	if (cc->whole_zone) {
		cc->migrate_pfn = start;
		cc->free_pfn = pageblock_start_pfn(z->mm, end - 1);
		return;
	}
	cc->migrate_pfn = zs->compact_cached_migrate_pfn[sync];
	cc->free_pfn = zs->compact_cached_free_pfn;
	if (cc->free_pfn < start || cc->free_pfn >= end) {
		cc->free_pfn = pageblock_start_pfn(z->mm, end - 1);
		zs->compact_cached_free_pfn = cc->free_pfn;
	}
	if (cc->migrate_pfn < start || cc->migrate_pfn >= end) {
		cc->migrate_pfn = start;
		zs->compact_cached_migrate_pfn[0] = zs->compact_cached_migrate_pfn[1] = start;
	}
	if (cc->migrate_pfn <= zs->compact_init_migrate_pfn)
		cc->whole_zone = true;
}

static void cc_record(struct compact_control *cc, int ret)
{
	struct mm_compact_info *last = &cc->zs->last;

	last->runs++;
	last->last_result = ret;
	last->last_order = cc->order;
	last->last_mode = cc->mode;
	last->migrate_scanned = cc->total_migrate_scanned;
	last->free_scanned = cc->total_free_scanned;
	last->isolated = cc->total_isolated;
	last->migrated = cc->mres.nr_succeeded;
	last->failed = cc->mres.nr_failed_pages;
	memcpy(last->nr_failed, cc->mres.nr_failed, sizeof(last->nr_failed));
	memcpy(last->first_pfn, cc->mres.first_pfn, sizeof(last->first_pfn));
}

/* Migrate what isolate_migratepages() took; -1 to stop compacting. */
static int cc_migrate(struct compact_control *cc, unsigned long *last_migrated_pfn,
		      int *ret)
{
	struct mm *m = cc->zone->mm;
	int err;

	err = migrate_pages(m, &cc->migratepages, compaction_alloc, compaction_free, cc,
			    cc->mode, MR_COMPACTION, &cc->mres);
	cc->nr_migratepages = 0;
	if (!err)
		return 0;
	putback_movable_pages(m, &cc->migratepages);
	if (err == -ENOMEM && !compact_scanners_met(cc)) {
		*ret = COMPACT_CONTENDED;
		return -1;
	}
	if ((cc->migrate_pfn & (m->pageblock_nr_pages - 1)) && !cc->ignore_skip_hint &&
	    !cc->finish_pageblock && cc->mode < MM_MIGRATE_SYNC) {
		cc->finish_pageblock = true;
		if (cc->order == (int)m->pageblock_order)
			*last_migrated_pfn = 0;
		return 1;       /* rescan the rest of the pageblock */
	}
	return 0;
}

static int compact_zone(struct compact_control *cc, struct capture_control *capc)
{
	struct zone *z = cc->zone;
	struct mm *m = z->mm;
	unsigned long last_migrated_pfn = 0;
	bool update_cached;
	int ret;

	if (!is_via_compact_memory(cc->order)) {
		if (zone_watermark_ok_order(z, cc->order,
					    wmark_pages(z, cc->alloc_flags & ALLOC_WMARK_MASK),
					    cc->highest_zoneidx, cc->alloc_flags))
			return COMPACT_SUCCESS;
		if (!compaction_suitable(z, cc->order, cc->highest_zoneidx))
			return COMPACT_SKIPPED;
	}
	if (compaction_restarting(cc->zs, cc->order))
		__reset_isolation_suitable(z, cc->zs);
	cc_start_positions(cc);
	update_cached = cc->mode == MM_MIGRATE_ASYNC &&
		cc->zs->compact_cached_migrate_pfn[0] == cc->zs->compact_cached_migrate_pfn[1];
	while ((ret = compact_finished(cc)) == COMPACT_CONTINUE) {
		unsigned long iteration_start_pfn = cc->migrate_pfn;
		int r;

		cc->finish_pageblock = last_migrated_pfn &&
			pageblock_start_pfn(m, last_migrated_pfn) ==
			pageblock_start_pfn(m, iteration_start_pfn);
rescan:
		if (isolate_migratepages(cc) == ISOLATE_NONE) {
			if (update_cached)
				cc->zs->compact_cached_migrate_pfn[1] =
					cc->zs->compact_cached_migrate_pfn[0];
			goto check_drain;
		}
		update_cached = false;
		last_migrated_pfn = pageblock_start_pfn(m, cc->migrate_pfn - 1);
		if (last_migrated_pfn < z->zone_start_pfn)
			last_migrated_pfn = z->zone_start_pfn;
		r = cc_migrate(cc, &last_migrated_pfn, &ret);
		if (r < 0)
			goto out;
		if (r > 0)
			goto rescan;
		if (capc && capc->page) {
			ret = COMPACT_SUCCESS;
			break;
		}
check_drain:
		/* flush what the migrations freed once the scanner has moved
		 * past the cc->order block, so the buddies merge */
		if (cc->order > 0 && last_migrated_pfn &&
		    last_migrated_pfn < (cc->migrate_pfn & ~((1ul << cc->order) - 1))) {
			mm_drain_local_pages(m);
			last_migrated_pfn = 0;
		}
	}
out:
	if (cc->nr_freepages > 0) {
		unsigned long free_pfn = pageblock_start_pfn(m, release_freepages(cc));

		if (free_pfn > cc->zs->compact_cached_free_pfn)
			cc->zs->compact_cached_free_pfn = free_pfn;
	}
	count_vm_events(this_cpu(m), COMPACTMIGRATE_SCANNED, cc->total_migrate_scanned);
	count_vm_events(this_cpu(m), COMPACTFREE_SCANNED, cc->total_free_scanned);
	cc_record(cc, ret);
	return ret;
}

/* ---- direct compaction ---------------------------------------------------------------- */

static int compact_zone_order(struct zone *z, int order, gfp_t gfp, int prio,
			      unsigned alloc_flags, int highest_zoneidx, struct page **capture)
{
	struct compact_control cc = {
		.order = order, .gfp_mask = gfp, .alloc_flags = alloc_flags,
		.highest_zoneidx = highest_zoneidx, .direct_compaction = true,
		.mode = prio == COMPACT_PRIO_ASYNC ? MM_MIGRATE_ASYNC : MM_MIGRATE_SYNC_LIGHT,
		.whole_zone = prio == MIN_COMPACT_PRIORITY,
		.ignore_skip_hint = prio == MIN_COMPACT_PRIORITY,
		.ignore_block_suitable = prio == MIN_COMPACT_PRIORITY,
	};
	struct capture_control capc = { .zone = z, .order = order, .page = NULL };
	int ret;

	cc_init(&cc, z);
	capc.migratetype = cc.migratetype;
	current_capc = &capc;
	ret = compact_zone(&cc, &capc);
	current_capc = NULL;
	*capture = capc.page;
	if (*capture)
		ret = COMPACT_SUCCESS;
	return ret;
}

/* try_to_compact_pages(): m->direct_compact. */
static struct page *try_to_compact_pages(struct mm *m, gfp_t gfp, unsigned order,
					 unsigned alloc_flags, struct zone **zonelist,
					 int highest_zoneidx, int prio, int *result)
{
	struct compact_state *cs = cstate(m);
	struct page *page = NULL;
	int rc = COMPACT_SKIPPED;

	if (!(gfp & __GFP_IO)) {
		*result = COMPACT_SKIPPED;
		return NULL;
	}
	mm_lock(&cs->lock, LOCK_COMPACT);
	for (struct zone **zp = zonelist; *zp; zp++) {
		struct zone *z = *zp;
		struct compact_zone_state *zs = &cs->zone[z->id];
		int status;

		if (z->idx > highest_zoneidx || !populated_zone(z))
			continue;
		if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(zs, (int)order)) {
			rc = rc > COMPACT_DEFERRED ? rc : COMPACT_DEFERRED;
			continue;
		}
		status = compact_zone_order(z, (int)order, gfp, prio, alloc_flags, highest_zoneidx,
					    &page);
		rc = status > rc ? status : rc;
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(zs, (int)order, false);
			break;
		}
		if (prio != COMPACT_PRIO_ASYNC &&
		    (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED))
			defer_compaction(zs, (int)order);
	}
	mm_unlock(&cs->lock);
	*result = rc;
	return page;
}

/* After a direct compaction the allocation succeeded in z. */
static void compaction_alloc_success(struct mm *m, struct zone *z, unsigned order)
{
	struct compact_state *cs = cstate(m);

	mm_lock(&cs->lock, LOCK_COMPACT);
	cs->zone[z->id].compact_blockskip_flush = false;
	compaction_defer_reset(&cs->zone[z->id], (int)order, true);
	mm_unlock(&cs->lock);
}

/* ---- kcompactd ------------------------------------------------------------------------- */

static bool kcompactd_node_suitable(struct mm *m, int nid)
{
	struct compact_node_state *ns = &cstate(m)->node[nid];
	int highest = READ_ONCE(ns->kcompactd_highest_zoneidx);
	int order = READ_ONCE(ns->kcompactd_max_order);

	for (int i = 0; i <= highest; i++) {
		struct zone *z = &m->nodes[nid].node_zones[i];

		if (!populated_zone(z))
			continue;
		if (zone_watermark_ok_order(z, order, z->_watermark[WMARK_MIN], highest, 0))
			continue;
		if (compaction_suitable(z, order, highest))
			return true;
	}
	return false;
}

/* wakeup_kcompactd(): m->wakeup_kcompactd, from the allocator's slow path. */
static void wakeup_kcompactd(struct mm *m, int nid, unsigned order, int highest_zoneidx)
{
	struct compact_state *cs = cstate(m);
	struct compact_node_state *ns = &cs->node[nid];

	if (!order)
		return;
	if (READ_ONCE(ns->kcompactd_max_order) < (int)order)
		WRITE_ONCE(ns->kcompactd_max_order, (int)order);
	if (READ_ONCE(ns->kcompactd_highest_zoneidx) > highest_zoneidx)
		WRITE_ONCE(ns->kcompactd_highest_zoneidx, highest_zoneidx);
	if (m->cfg.kcompactd == KCOMPACTD_THREAD && kcompactd_node_suitable(m, nid)) {
		mm_lock(&cs->wait_lock, LOCK_KCOMPACTD);
		cs->wake = true;
		pthread_cond_signal(&cs->wait);
		mm_unlock(&cs->wait_lock);
	}
}

static void count_kcompactd_scanned(struct mm *m, struct compact_control *cc)
{
	count_vm_events(this_cpu(m), KCOMPACTD_MIGRATE_SCANNED, cc->total_migrate_scanned);
	count_vm_events(this_cpu(m), KCOMPACTD_FREE_SCANNED, cc->total_free_scanned);
}

/* kcompactd_do_work(): compact toward the requested order; cs->lock held. */
static void kcompactd_do_work(struct mm *m, int nid)
{
	struct compact_node_state *ns = &cstate(m)->node[nid];
	struct compact_control cc = {
		.order = READ_ONCE(ns->kcompactd_max_order),
		.highest_zoneidx = READ_ONCE(ns->kcompactd_highest_zoneidx),
		.mode = MM_MIGRATE_SYNC_LIGHT, .gfp_mask = GFP_KERNEL,
	};

	count_vm_events(this_cpu(m), KCOMPACTD_WAKE, 1);
	for (int i = 0; i <= cc.highest_zoneidx; i++) {
		struct zone *z = &m->nodes[nid].node_zones[i];
		struct compact_zone_state *zs = &cstate(m)->zone[z->id];
		int status;

		if (!populated_zone(z) || compaction_deferred(zs, cc.order))
			continue;
		if (zone_watermark_ok_order(z, cc.order, z->_watermark[WMARK_MIN], i, 0))
			continue;
		if (!compaction_suitable(z, cc.order, i))
			continue;
		cc.whole_zone = false;
		cc_init(&cc, z);
		status = compact_zone(&cc, NULL);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(zs, cc.order, false);
		} else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
			drain_all_pages(m);
			defer_compaction(zs, cc.order);
		}
		count_kcompactd_scanned(m, &cc);
	}
	if (READ_ONCE(ns->kcompactd_max_order) <= cc.order)
		WRITE_ONCE(ns->kcompactd_max_order, 0);
	if (READ_ONCE(ns->kcompactd_highest_zoneidx) >= cc.highest_zoneidx)
		WRITE_ONCE(ns->kcompactd_highest_zoneidx, MAX_NR_ZONES - 1);
}

/* proactive_compact_node(); cs->lock held. */
static void proactive_compact_node(struct mm *m, int nid)
{
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &m->nodes[nid].node_zones[i];
		struct compact_control cc = {
			.order = -1, .mode = MM_MIGRATE_SYNC_LIGHT, .ignore_skip_hint = true,
			.whole_zone = true, .gfp_mask = GFP_KERNEL, .proactive_compaction = true,
		};

		if (!populated_zone(z))
			continue;
		cc_init(&cc, z);
		compact_zone(&cc, NULL);
		count_kcompactd_scanned(m, &cc);
	}
}

/* One wake-up of node nid's kcompactd: requested work, else the proactive
 * check (kcompactd()'s loop body); cs->lock held. */
static void kcompactd_wake(struct mm *m, int nid)
{
	struct compact_node_state *ns = &cstate(m)->node[nid];
	unsigned prev, score;

	if (READ_ONCE(ns->kcompactd_max_order) > 0 && !READ_ONCE(ns->proactive_compact_trigger)) {
		if (kcompactd_node_suitable(m, nid))
			kcompactd_do_work(m, nid);
		else
			WRITE_ONCE(ns->kcompactd_max_order, 0);
		return;
	}
	if (!READ_ONCE(ns->proactive_compact_trigger) && ns->proactive_defer > 0) {
		ns->proactive_defer--;
		return;
	}
	WRITE_ONCE(ns->proactive_compact_trigger, 0);
	if (!READ_ONCE(cstate(m)->proactiveness) ||
	    fragmentation_score_node(m, nid) <= fragmentation_score_wmark(m, false))
		return;
	prev = fragmentation_score_node(m, nid);
	proactive_compact_node(m, nid);
	score = fragmentation_score_node(m, nid);
	if (score >= prev)
		ns->proactive_defer = 1 << COMPACT_MAX_DEFER_SHIFT;
}

/* Run fn on a CPU: the caller's if it is bound, else the first free one of
 * the node (the node's CPUs first, as kcompactd runs there).  false when
 * every CPU is held by other threads. */
static bool on_some_cpu(struct mm *m, int nid)
{
	if (this_cpu(m))
		return false;   /* already bound: nothing to undo */
	for (int pass = 0; pass < 2; pass++)
		for (int c = 0; c < m->nr_cpus; c++)
			if ((pass || m->cpus[c].node == nid) &&
			    !__atomic_load_n(&m->cpus[c].owner, __ATOMIC_ACQUIRE) && !mm_cpu_bind(m, c))
				return true;
	return false;
}

static void kcompactd_pass(struct mm *m)
{
	struct compact_state *cs = cstate(m);

	for (int nid = 0; nid < m->nr_nodes; nid++) {
		bool bound = on_some_cpu(m, nid);

		if (!this_cpu(m))
			continue;       /* every CPU is busy: skip this wake-up */
		mm_lock(&cs->lock, LOCK_COMPACT);
		kcompactd_wake(m, nid);
		mm_unlock(&cs->lock);
		if (bound)
			mm_cpu_unbind(m);
	}
}

int mm_kcompactd_run(struct mm *m)
{
	if (!m)
		return -EINVAL;
	if (!m->compact)
		return mm_error(m, EINVAL, "kcompactd_run: compaction is off (compaction=0)");
	kcompactd_pass(m);
	return 0;
}

static void *kcompactd_thread(void *arg)
{
	struct mm *m = arg;
	struct compact_state *cs = cstate(m);

	mm_lock(&cs->wait_lock, LOCK_KCOMPACTD);
	while (!cs->stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += HPAGE_FRAG_CHECK_INTERVAL_MSEC * 1000000l;
		if (ts.tv_nsec >= 1000000000l) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000l;
		}
		if (!cs->wake)
			pthread_cond_timedwait(&cs->wait, &cs->wait_lock, &ts);
		cs->wake = false;
		if (cs->stop)
			break;
		mm_unlock(&cs->wait_lock);
		kcompactd_pass(m);
		mm_lock(&cs->wait_lock, LOCK_KCOMPACTD);
	}
	mm_unlock(&cs->wait_lock);
	return NULL;
}

/* ---- compact_memory, sysctls ---------------------------------------------------------- */

static void compact_node(struct mm *m, int nid)
{
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &m->nodes[nid].node_zones[i];
		struct compact_control cc = {
			.order = -1, .mode = MM_MIGRATE_SYNC, .ignore_skip_hint = true,
			.whole_zone = true, .gfp_mask = GFP_KERNEL,
		};

		if (!populated_zone(z))
			continue;
		cc_init(&cc, z);
		compact_zone(&cc, NULL);
	}
}

static void log_compaction(struct mm *m, int nid)
{
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &m->nodes[nid].node_zones[i];
		struct mm_compact_info ci;
		char why[256] = "";
		size_t len = 0;

		if (!populated_zone(z) || mm_compact_info(m, nid, i, &ci))
			continue;
		for (int r = 0; r < MM_MIGRATE_NR_FAIL && len < sizeof(why) - 64; r++)
			if (ci.nr_failed[r])
				len += (size_t)snprintf(why + len, sizeof(why) - len,
							" %s:%lu(first pfn %#lx)",
							mm_migrate_fail_name(r), ci.nr_failed[r],
							ci.first_pfn[r]);
		mm_printk(m, "compact_memory: node %d zone %s: %s, migrate_scanned %lu, "
			  "free_scanned %lu, migrated %lu, failed %lu%s%s", nid, z->name,
			  result_names[ci.last_result], ci.migrate_scanned, ci.free_scanned,
			  ci.migrated, ci.failed, len ? ", not moved:" : "", why);
	}
}

int mm_compact_memory(struct mm *m, int node)
{
	struct compact_state *cs;

	if (!m)
		return -EINVAL;
	cs = cstate(m);
	if (!cs)
		return mm_error(m, EINVAL, "compact_memory: compaction is off (compaction=0)");
	if (node < -1 || node >= m->nr_nodes)
		return mm_error(m, EINVAL, "compact_memory: node %d does not exist (the machine "
				"has %d)", node, m->nr_nodes);
	if (!this_cpu(m))
		return mm_unbound_error(m, "compact_memory");
	for (int nid = 0; nid < m->nr_nodes; nid++) {
		if (node >= 0 && nid != node)
			continue;
		mm_lock(&cs->lock, LOCK_COMPACT);
		compact_node(m, nid);
		mm_unlock(&cs->lock);
		log_compaction(m, nid);
	}
	return 0;
}

int mm_compact_info(struct mm *m, int node, int zone_idx, struct mm_compact_info *out)
{
	struct compact_zone_state *zs;
	struct zone *z;

	if (!m || !out)
		return -EINVAL;
	if (!m->compact)
		return mm_error(m, EINVAL, "compact_info: compaction is off (compaction=0)");
	if (node < 0 || node >= m->nr_nodes || zone_idx < 0 || zone_idx >= MAX_NR_ZONES)
		return mm_error(m, EINVAL, "compact_info: no node %d / zone %d", node, zone_idx);
	z = &m->nodes[node].node_zones[zone_idx];
	zs = &cstate(m)->zone[z->id];
	mm_lock(&cstate(m)->lock, LOCK_COMPACT);
	*out = zs->last;
	out->compact_considered = zs->compact_considered;
	out->compact_defer_shift = zs->compact_defer_shift;
	out->compact_order_failed = zs->compact_order_failed;
	out->cached_migrate_pfn[0] = zs->compact_cached_migrate_pfn[0];
	out->cached_migrate_pfn[1] = zs->compact_cached_migrate_pfn[1];
	out->cached_free_pfn = zs->compact_cached_free_pfn;
	mm_unlock(&cstate(m)->lock);
	out->nr_skip = 0;
	for (unsigned long pfn = z->zone_start_pfn; pfn < zone_end_pfn(z);
	     pfn = pageblock_end_pfn(m, pfn))
		out->nr_skip += get_pageblock_skip(z, pfn);
	out->fragmentation_score = populated_zone(z) ? (int)fragmentation_score_zone(z) : 0;
	return 0;
}

int mm_sysctl_write(struct mm *m, const char *name, long value)
{
	struct compact_state *cs;

	if (!m)
		return -EINVAL;
	cs = cstate(m);
	if (!name)
		return mm_error(m, EINVAL, "sysctl: no name");
	if (!cs)
		return mm_error(m, EINVAL, "sysctl vm.%s: compaction is off (compaction=0)", name);
	if (!strcmp(name, "compact_memory")) {
		if (value != 1)
			return mm_error(m, EINVAL, "sysctl vm.compact_memory: only 1 is accepted");
		return mm_compact_memory(m, -1);
	}
	if (!strcmp(name, "compaction_proactiveness")) {
		if (value < 0 || value > 100)
			return mm_error(m, EINVAL, "sysctl vm.compaction_proactiveness=%ld: expected "
					"0..100", value);
		WRITE_ONCE(cs->proactiveness, (int)value);
		/* compaction_proactiveness_sysctl_handler(): wake kcompactd */
		for (int nid = 0; value && nid < m->nr_nodes; nid++)
			WRITE_ONCE(cs->node[nid].proactive_compact_trigger, 1);
		return 0;
	}
	if (!strcmp(name, "extfrag_threshold")) {
		if (value < 0 || value > 1000)
			return mm_error(m, EINVAL, "sysctl vm.extfrag_threshold=%ld: expected 0..1000",
					value);
		WRITE_ONCE(cs->extfrag_threshold, (int)value);
		return 0;
	}
	return mm_error(m, EINVAL, "sysctl: unknown vm.%s (compact_memory, "
			"compaction_proactiveness, extfrag_threshold)", name);
}

long mm_sysctl_read(struct mm *m, const char *name)
{
	if (!m || !name || !m->compact)
		return -1;
	if (!strcmp(name, "compaction_proactiveness"))
		return READ_ONCE(cstate(m)->proactiveness);
	if (!strcmp(name, "extfrag_threshold"))
		return READ_ONCE(cstate(m)->extfrag_threshold);
	return -1;
}

/* ---- boot, exit, reports, validate ------------------------------------------------------ */

int compaction_init(struct mm *m)
{
	struct compact_state *cs;

	if (!m->cfg.compaction)
		return 0;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	m->compact = cs;
	pthread_mutex_init(&cs->lock, NULL);
	pthread_mutex_init(&cs->wait_lock, NULL);
	pthread_cond_init(&cs->wait, NULL);
	cs->proactiveness = m->cfg.compaction_proactiveness;
	cs->extfrag_threshold = m->cfg.extfrag_threshold;
	cs->zone = calloc((size_t)m->nr_zones, sizeof(*cs->zone));
	cs->node = calloc((size_t)m->nr_nodes, sizeof(*cs->node));
	if (!cs->zone || !cs->node)
		return -ENOMEM;
	for (int id = 0; id < m->nr_zones; id++) {
		struct zone *z = zone_by_id(m, id);
		struct compact_zone_state *zs = &cs->zone[id];

		if (populated_zone(z)) {
			reset_cached_positions(z, zs);
			zs->compact_init_migrate_pfn = z->zone_start_pfn;
			zs->compact_init_free_pfn = zs->compact_cached_free_pfn;
		}
		zs->last.last_result = COMPACT_SKIPPED;
		zs->last.last_order = -1;
	}
	for (int n = 0; n < m->nr_nodes; n++)
		cs->node[n].kcompactd_highest_zoneidx = MAX_NR_ZONES - 1;
	m->direct_compact = try_to_compact_pages;
	m->compact_success = compaction_alloc_success;
	m->wakeup_kcompactd = wakeup_kcompactd;
	if (m->cfg.kcompactd == KCOMPACTD_TICK)
		m->kcompactd_tick = kcompactd_pass;     /* the vmstat tick's share */
	if (m->cfg.kcompactd == KCOMPACTD_THREAD) {
		if (pthread_create(&cs->thread, NULL, kcompactd_thread, m))
			return -ENOMEM;
		cs->running = true;
	}
	return 0;
}

void compaction_exit(struct mm *m)
{
	struct compact_state *cs = cstate(m);

	if (!cs)
		return;
	if (cs->running) {
		mm_lock(&cs->wait_lock, LOCK_KCOMPACTD);
		cs->stop = true;
		pthread_cond_signal(&cs->wait);
		mm_unlock(&cs->wait_lock);
		pthread_join(cs->thread, NULL);
	}
	m->direct_compact = NULL;
	m->compact_success = NULL;
	m->wakeup_kcompactd = NULL;
	m->kcompactd_tick = NULL;
	free(cs->zone);
	free(cs->node);
	pthread_mutex_destroy(&cs->lock);
	pthread_mutex_destroy(&cs->wait_lock);
	pthread_cond_destroy(&cs->wait);
	free(cs);
	m->compact = NULL;
}

/* The "compaction" member of mm_report_json: per populated zone, one a
 * line. */
void compaction_json(struct mm *m, struct json_writer *w)
{
	jw_array(w, "compaction", JW_LINES);
	for (int id = 0; m->compact && id < m->nr_zones; id++) {
		struct zone *z = zone_by_id(m, id);
		struct mm_compact_info ci;

		if (!populated_zone(z) || mm_compact_info(m, z->node, z->idx, &ci))
			continue;
		jw_object(w, NULL, JW_INLINE);
		jw_int(w, "node", z->node);
		jw_string(w, "zone", zone_config_name(z->idx));
		jw_uint(w, "runs", ci.runs);
		jw_string(w, "last_result", result_names[ci.last_result]);
		jw_int(w, "last_order", ci.last_order);
		jw_uint(w, "migrate_scanned", ci.migrate_scanned);
		jw_uint(w, "free_scanned", ci.free_scanned);
		jw_uint(w, "isolated", ci.isolated);
		jw_uint(w, "migrated", ci.migrated);
		jw_uint(w, "failed", ci.failed);
		jw_uint(w, "compact_considered", ci.compact_considered);
		jw_uint(w, "compact_defer_shift", ci.compact_defer_shift);
		jw_int(w, "compact_order_failed", ci.compact_order_failed);
		jw_uint(w, "skip_pageblocks", ci.nr_skip);
		jw_int(w, "fragmentation_score", ci.fragmentation_score);
		jw_object(w, "not_migrated", JW_INLINE);
		for (int r = 0; r < MM_MIGRATE_NR_FAIL; r++)
			jw_uint(w, mm_migrate_fail_name(r), ci.nr_failed[r]);
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
}

int compaction_validate(struct mm *m, struct strbuf *err)
{
	struct compact_state *cs = cstate(m);
	int ret = 0;

	if (!cs)
		return 0;
	mm_lock(&cs->lock, LOCK_COMPACT);
	for (int id = 0; id < m->nr_zones && !ret; id++) {
		struct zone *z = zone_by_id(m, id);
		struct compact_zone_state *zs = &cs->zone[id];

		if (zs->compact_defer_shift > COMPACT_MAX_DEFER_SHIFT ||
		    zs->compact_considered > 1u << zs->compact_defer_shift)
			ret = -1, sb_printf(err, "zone %s: compact_considered %u with defer shift %u",
					    z->name, zs->compact_considered, zs->compact_defer_shift);
	}
	mm_unlock(&cs->lock);
	return ret;
}
