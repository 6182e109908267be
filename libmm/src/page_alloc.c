// SPDX-License-Identifier: GPL-2.0-only
/*
 * page_alloc.c - the page allocator's entry points (mm/page_alloc.c of
 * Linux 6.18): GFP -> (highest zone, zonelist, migratetype) -> zonelist walk
 * with the watermark checks -> per-CPU list or buddy -> prep_new_page; the
 * slow path; the bulk allocator; and __free_pages with its refusal of bad
 * frees (bad_page(): taint 'B').
 *
 * Movable requests get ALLOC_CMA (gfp_to_alloc_flags_cma): only they may
 * take free CMA pages, which the watermark checks of everyone else do not
 * count.
 *
 * Fast path (alloc_pages with a non-empty pcp list): one zone, one
 * watermark check on a relaxed read of NR_FREE_PAGES (against the high
 * watermark until the zone has been seen below it - ZONE_BELOW_HIGH - then
 * the low one; always the low one without pa_pcp_autotune), a list pop,
 * counters in the bound CPU's own memory.  No lock, no atomic instruction.
 * All argument checks are folded into one unlikely() test in front of it;
 * m->fast_id (~0 with pcp=off or while fail_page_alloc may fail order 0)
 * turns it off in the same compare.
 *
 * Entry (after the argument checks, as prepare_alloc_pages()):
 * should_fail_alloc_page() of fault_inject.c while fail_page_alloc is armed,
 * for alloc_pages and alloc_pages_bulk alike; an injected failure is
 * NULL/ENOMEM (the bulk call: nothing added) flagged as injected, with no
 * warning and no pgalloc_fail, as the kernel's.
 *
 * Slow path (__alloc_pages_slowpath with nothing to reclaim): a high-order
 * request wakes kcompactd (m->wakeup_kcompactd) where the kernel wakes
 * kswapd; min watermark with the caller's reserve rights
 * (gfp_to_alloc_flags); costly orders, and high orders that are not
 * movable, then try direct compaction first, asynchronously
 * (INIT_COMPACT_PRIORITY; compaction.c through m->direct_compact, with
 * capture), and a costly __GFP_NORETRY request gives up when it was
 * skipped or deferred, else stays asynchronous.  The retry loop:
 * __GFP_MEMALLOC's no-watermark access, then direct reclaim - which here
 * never makes progress, so none of what the kernel does after progress
 * happens (no drain_all_pages, no unreserve) - then direct compaction at
 * the loop's priority (SYNC_LIGHT, DEF_COMPACT_PRIORITY), the one thing
 * in the loop that can free a block of the order: a block it captures or
 * frees is the allocation.  __GFP_NORETRY and costly orders without
 * __GFP_RETRY_MAYFAIL stop after one round; the others go round
 * should_reclaim_retry(): again while some zone would pass its min
 * watermark, at most MAX_RECLAIM_RETRIES (16) times, and when that ends
 * the HIGHATOMIC reserve is given back one pageblock per round
 * (unreserve_highatomic_pageblock(force)).  should_compact_retry() - which
 * would raise the compaction priority to SYNC_FULL - runs only after
 * reclaim made progress, so it never runs here: deferral
 * (compaction_deferred) and the retry count bound compaction instead.
 * defrag_mode drops ALLOC_NOFRAGMENT only then; __alloc_pages_may_oom's
 * last try at the high watermark follows, and there is nothing to
 * OOM-kill.  Failure is NULL with errno ENOMEM, counted, and logged as
 * "page allocation failure" unless __GFP_NOWARN.  __GFP_NOFAIL gets
 * __alloc_pages_cpuset_fallback()'s ALLOC_MIN_RESERVE try and then fails
 * too, loudly.
 *
 * Page states on the way: buddy (PG_buddy) -> pcp (PG_pcp) -> allocated
 * (_refcount 1, private = order, PG_head if compound, PG_lru/PG_reclaimable
 * = the GFP mobility bits) -> pcp or buddy again.  See struct page in
 * mm_types.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pcp.h"
#include "page_owner.h"

/* gfp_zone(): highest zone for the 16 zone-modifier combinations; -1 = bad */
static const signed char gfp_zone_table[16] = {
	[0x0] = ZONE_NORMAL, [0x1] = ZONE_DMA, [0x2] = ZONE_NORMAL /* HIGHMEM */,
	[0x3] = -1, [0x4] = ZONE_DMA32, [0x5] = -1, [0x6] = -1, [0x7] = -1,
	[0x8] = ZONE_NORMAL, [0x9] = ZONE_DMA, [0xa] = ZONE_MOVABLE, [0xb] = -1,
	[0xc] = ZONE_DMA32, [0xd] = -1, [0xe] = -1, [0xf] = -1,
};

struct alloc_context {
	struct zone **zonelist;
	struct zone *preferred_zone;    /* first zone the request may use */
	int highest_zoneidx;
	int migratetype;
};

static inline int gfp_migratetype(const struct mm *m, gfp_t gfp)
{
	if (unlikely(m->page_group_by_mobility_disabled))
		return MIGRATE_UNMOVABLE;
	return (int)((gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT);
}

/* gfp_to_alloc_flags_cma(): movable requests may use CMA pageblocks. */
static inline unsigned gfp_to_alloc_flags_cma(const struct mm *m, gfp_t gfp)
{
	return gfp_migratetype(m, gfp) == MIGRATE_MOVABLE ? ALLOC_CMA : 0;
}

/* ALLOC_NOFRAGMENT always with defrag_mode; else when the preferred zone
 * is NORMAL - and, on NUMA, DMA32 below it on the same node is populated;
 * on UMA the kernel assumes it is (alloc_flags_nofragment). */
static inline unsigned alloc_flags_nofragment(const struct mm *m, const struct zone *z,
					      gfp_t gfp)
{
	unsigned flags = gfp & __GFP_KSWAPD_RECLAIM;

	if (m->defrag_mode)
		return flags | ALLOC_NOFRAGMENT;
	if (!z || z->idx != ZONE_NORMAL)
		return flags;
	if (m->nr_nodes > 1 && !populated_zone(z - 1))
		return flags;
	return flags | ALLOC_NOFRAGMENT;
}

static inline bool zone_watermark_fast(struct zone *z, unsigned order, unsigned long mark,
				       int highest_zoneidx, unsigned alloc_flags)
{
	long free_pages = (long)zone_free_pages(z);

	if (!order && free_pages - zone_unusable_free(z, 0, alloc_flags) >
		      (long)(mark + z->lowmem_reserve[highest_zoneidx]))
		return true;
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
}

/* The zone's first watermark check: the high watermark until an allocation
 * found the zone below it (ZONE_BELOW_HIGH, which makes the per-CPU lists
 * give pages back sooner), then the allocation's own; without
 * pa_pcp_autotune only the allocation's own. */
static __noinline bool zone_below_high_watermark(struct zone *z, unsigned order,
						  unsigned alloc_flags, int highest_zoneidx)
{
	zone_set_below_high(z, 1);
	return zone_watermark_fast(z, order, wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK),
				   highest_zoneidx, alloc_flags);
}

static inline bool zone_watermarks_ok(struct zone *z, unsigned order, unsigned alloc_flags,
				      int highest_zoneidx)
{
	/* fast_wmark is the high one exactly when that check comes first */
	const unsigned long *first = READ_ONCE(z->fast_wmark);

	if (likely(first == &z->_watermark[WMARK_HIGH])) {
		if (likely(zone_watermark_fast(z, order, *first + z->watermark_boost,
					       highest_zoneidx, alloc_flags)))
			return true;
		return zone_below_high_watermark(z, order, alloc_flags, highest_zoneidx);
	}
	return zone_watermark_fast(z, order, wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK),
				   highest_zoneidx, alloc_flags);
}

static inline void zone_statistics(struct mm_cpu *cpu, struct zone *preferred, struct zone *z)
{
	if (z->node == preferred->node) {
		count_numa_event(cpu, z, NUMA_HIT);
	} else {
		count_numa_event(cpu, z, NUMA_MISS);
		count_numa_event(cpu, preferred, NUMA_FOREIGN);
	}
	count_numa_event(cpu, z, z->node == cpu->node ? NUMA_LOCAL : NUMA_OTHER);
}

static __noinline void prep_compound_page(struct page *page, unsigned order)
{
	WRITE_ONCE(page->flags, page->flags | PG_head);
	for (unsigned long i = 1; i < 1ul << order; i++)
		page[i].compound_head = (unsigned long)page | 1;
}

static inline void prep_new_page(struct mm *m, struct zone *z, struct page *page,
				 unsigned order, gfp_t gfp)
{
	page->_refcount = 1;
	page->zone_id = (unsigned)z->id;
	WRITE_ONCE(page->private, (unsigned long)order);
	WRITE_ONCE(page->flags, (unsigned long)(gfp & PG_MT_MASK));
	if (unlikely(gfp & __GFP_ZERO) && m->direct_map)
		memset(m->direct_map + page_to_pfn(m, page) * PAGE_SIZE, 0, PAGE_SIZE << order);
	if (unlikely(order && (gfp & __GFP_COMP)))
		prep_compound_page(page, order);
}

void prep_isolated_page(struct mm *m, struct zone *z, struct page *page, unsigned order,
			gfp_t gfp)
{
	prep_new_page(m, z, page, order, gfp);
}

/* rmqueue(): per-CPU lists for the orders they hold, else the buddy. */
static inline struct page *rmqueue(struct mm *m, struct zone *z, unsigned order, int mt,
				   unsigned alloc_flags, struct mm_cpu *cpu)
{
	struct page *page;

	if (likely(pcp_allowed_order(m, order))) {
		page = pcp_alloc(z, order, mt, alloc_flags, cpu);
		if (likely(page)) {
			count_vm_events(cpu, PCP_ALLOC_HIT, 1);
			return page;
		}
	}
	return rmqueue_buddy(z, order, mt, alloc_flags, cpu);
}

/* __rmqueue_pcplist() for the bulk allocator: this CPU's list of the
 * order-0 pages of mt (refilled as it runs dry, free_count left alone), or
 * the buddy lists themselves without per-CPU lists. */
static struct page *rmqueue_pcp_bulk(struct mm *m, struct zone *z, int mt, unsigned alloc_flags,
				     struct mm_cpu *cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu->id];
	struct list_head *list = &pcp->lists[order_to_pindex(m, mt, 0)];

	if (!pcp_allowed_order(m, 0))
		return rmqueue_buddy(z, 0, mt, alloc_flags, cpu);
	if (list_empty(list) && !pcp_refill(z, pcp, list, 0, mt, alloc_flags, cpu))
		return NULL;
	count_vm_events(cpu, PCP_ALLOC_HIT, 1);
	return pcp_pop(pcp, list, 0);
}

/* get_page_from_freelist(): the zonelist walk. */
static __noinline struct page *get_page_from_freelist(struct mm *m, gfp_t gfp, unsigned order,
						  unsigned alloc_flags,
						  const struct alloc_context *ac,
						  struct mm_cpu *cpu)
{
	bool no_fallback;

retry:
	no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
	for (struct zone **zp = ac->zonelist; *zp; zp++) {
		struct zone *z = *zp;
		struct page *page;

		if (z->idx > ac->highest_zoneidx)
			continue;
		if (no_fallback && z->node != ac->preferred_zone->node && !m->defrag_mode) {
			/* locality beats fragmentation avoidance */
			alloc_flags &= ~ALLOC_NOFRAGMENT;
			goto retry;
		}
		if (!zone_watermarks_ok(z, order, alloc_flags, ac->highest_zoneidx) &&
		    !(alloc_flags & ALLOC_NO_WATERMARKS))
			continue;
		page = rmqueue(m, z, order, ac->migratetype, alloc_flags, cpu);
		if (!page)
			continue;
		prep_new_page(m, z, page, order, gfp);
		count_vm_events(cpu, (enum vm_event_item)(PGALLOC_DMA + z->idx), 1ul << order);
		zone_statistics(cpu, ac->preferred_zone, z);
		if (unlikely(alloc_flags & ALLOC_HIGHATOMIC))
			reserve_highatomic_pageblock(z, page, order, cpu);
		if (unlikely(alloc_flags & ALLOC_NO_WATERMARKS))
			count_vm_events(cpu, PGALLOC_NOWMARK, 1);
		return page;
	}
	/* every zone is fragmented: try again, fragmenting (defrag_mode
	 * leaves that to the slow path, after reclaim and compaction) */
	if (no_fallback && !m->defrag_mode) {
		alloc_flags &= ~ALLOC_NOFRAGMENT;
		goto retry;
	}
	return NULL;
}

/* gfp_to_alloc_flags() (6.3+).  A request that cannot block gets
 * ALLOC_NON_BLOCK, and at order > 0 ALLOC_HIGHATOMIC - only with
 * __GFP_HIGH (ALLOC_MIN_RESERVE) since the 2025 fix (pa_highatomic_gfp_high):
 * GFP_NOWAIT does not reserve pageblocks. */
static unsigned gfp_to_alloc_flags(const struct mm *m, gfp_t gfp, unsigned order)
{
	unsigned flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		if (!(gfp & __GFP_NOMEMALLOC)) {
			flags |= ALLOC_NON_BLOCK;
			if (order > 0 && ((flags & ALLOC_MIN_RESERVE) ||
					  !(m->pa & PA_HIGHATOMIC_GFP_HIGH)))
				flags |= ALLOC_HIGHATOMIC;
		}
		if (flags & ALLOC_MIN_RESERVE)
			flags &= ~ALLOC_CPUSET;
	}
	if (m->defrag_mode)
		flags |= ALLOC_NOFRAGMENT;
	return flags | gfp_to_alloc_flags_cma(m, gfp);
}

#define MAX_RECLAIM_RETRIES 16

/* should_reclaim_retry() with nothing reclaimable: go round again while
 * some zone would pass its min watermark with its free pages (the
 * reclaimable ones are 0), at most MAX_RECLAIM_RETRIES times; before
 * giving up, the HIGHATOMIC reserve goes back (force), and if a pageblock
 * did, round again. */
static bool should_reclaim_retry(struct mm *m, unsigned order, const struct alloc_context *ac,
				 unsigned alloc_flags, int *no_progress_loops, struct mm_cpu *cpu)
{
	if (++*no_progress_loops <= MAX_RECLAIM_RETRIES) {
		for (struct zone **zp = ac->zonelist; *zp; zp++) {
			struct zone *z = *zp;

			if (z->idx <= ac->highest_zoneidx &&
			    __zone_watermark_ok(z, order, wmark_pages(z, WMARK_MIN),
						ac->highest_zoneidx, alloc_flags,
						(long)zone_free_pages(z)))
				return true;
		}
	}
	return unreserve_highatomic_pageblock(m, ac->zonelist, ac->highest_zoneidx,
					      ac->migratetype, true, cpu);
}

static void warn_alloc(struct mm *m, gfp_t gfp, unsigned order, struct mm_cpu *cpu)
{
	char mode[256];

	mm_gfp_format(gfp, mode, sizeof(mode));
	mm_printk(m, "cpu%d: page allocation failure: order:%u, mode:%#x(%s), nodemask=(null)",
		  cpu->id, order, gfp, mode);
}

/* __alloc_pages_direct_compact(): compaction.c's try_to_compact_pages
 * through m->direct_compact; a captured block or a retry of the free
 * lists.  Counts compact_stall, compact_success, compact_fail. */
static struct page *__alloc_pages_direct_compact(struct mm *m, gfp_t gfp, unsigned order,
						 unsigned alloc_flags,
						 const struct alloc_context *ac, int prio,
						 int *result, struct mm_cpu *cpu)
{
	struct page *page;

	*result = MM_COMPACT_SKIPPED;
	if (!order || !m->direct_compact)
		return NULL;
	page = m->direct_compact(m, gfp, order, alloc_flags, ac->zonelist, ac->highest_zoneidx,
				 prio, result);
	if (*result == MM_COMPACT_SKIPPED)
		return NULL;
	count_vm_events(cpu, COMPACTSTALL, 1);
	if (page)
		prep_new_page(m, page_zone(m, page), page, order, gfp);
	else
		page = get_page_from_freelist(m, gfp, order, alloc_flags, ac, cpu);
	if (page) {
		m->compact_success(m, page_zone(m, page), order);
		count_vm_events(cpu, COMPACTSUCCESS, 1);
		return page;
	}
	count_vm_events(cpu, COMPACTFAIL, 1);
	return NULL;
}

static __noinline struct page *__alloc_pages_slowpath(struct mm *m, gfp_t gfp, unsigned order,
						      const struct alloc_context *ac,
						      struct mm_cpu *cpu)
{
	unsigned alloc_flags = gfp_to_alloc_flags(m, gfp, order);
	bool costly = order > PAGE_ALLOC_COSTLY_ORDER;
	bool pfmemalloc = (gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC);
	/* gfp_compaction_allowed(): CONFIG_COMPACTION and __GFP_IO */
	bool can_compact = m->direct_compact && (gfp & __GFP_IO);
	int compact_priority = DEF_COMPACT_PRIORITY, compact_result = MM_COMPACT_SKIPPED;
	int no_progress_loops = 0;
	struct page *page;

	/* where kswapd would be woken: kcompactd, for high orders */
	if (order && (alloc_flags & ALLOC_KSWAPD) && m->wakeup_kcompactd)
		m->wakeup_kcompactd(m, ac->preferred_zone->node, order, ac->highest_zoneidx);
	page = get_page_from_freelist(m, gfp, order, alloc_flags, ac, cpu);
	if (page)
		return page;
	/* costly orders, and high orders that would fragment a pageblock,
	 * compact first (asynchronously) */
	if ((gfp & __GFP_DIRECT_RECLAIM) && can_compact && !pfmemalloc &&
	    (costly || (order && ac->migratetype != MIGRATE_MOVABLE))) {
		page = __alloc_pages_direct_compact(m, gfp, order, alloc_flags, ac,
						    INIT_COMPACT_PRIORITY, &compact_result, cpu);
		if (page)
			return page;
		if (costly && (gfp & __GFP_NORETRY)) {
			if (compact_result == MM_COMPACT_SKIPPED ||
			    compact_result == MM_COMPACT_DEFERRED)
				goto nopage;
			compact_priority = INIT_COMPACT_PRIORITY;
		}
	}
retry:
	/* __gfp_pfmemalloc_flags(): re-applied on every round */
	if ((gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC))
		alloc_flags = ALLOC_NO_WATERMARKS | (alloc_flags & ALLOC_KSWAPD);
	page = get_page_from_freelist(m, gfp, order, alloc_flags, ac, cpu);
	if (page)
		return page;
	if (!(gfp & __GFP_DIRECT_RECLAIM))
		goto nopage;
	/* __alloc_pages_direct_reclaim(): nothing to reclaim, no progress;
	 * __alloc_pages_direct_compact() at the loop's priority */
	page = __alloc_pages_direct_compact(m, gfp, order, alloc_flags, ac, compact_priority,
					    &compact_result, cpu);
	if (page)
		return page;
	if ((gfp & __GFP_NORETRY) || (costly && (!can_compact || !(gfp & __GFP_RETRY_MAYFAIL))))
		goto nopage;
	if (should_reclaim_retry(m, order, ac, alloc_flags, &no_progress_loops, cpu)) {
		count_vm_events(cpu, PGALLOC_RETRY, 1);
		goto retry;
	}
	/* reclaim/compaction failed to prevent the fallback */
	if (m->defrag_mode && (alloc_flags & ALLOC_NOFRAGMENT)) {
		alloc_flags &= ~ALLOC_NOFRAGMENT;
		count_vm_events(cpu, PGALLOC_RETRY, 1);
		goto retry;
	}
	/* __alloc_pages_may_oom(): a last try at the high watermark; nothing
	 * to kill after it */
	page = get_page_from_freelist(m, (gfp | __GFP_HARDWALL) & ~__GFP_DIRECT_RECLAIM, order,
				      ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac, cpu);
	if (page)
		return page;
nopage:
	if (gfp & __GFP_NOFAIL) {       /* __alloc_pages_cpuset_fallback() */
		page = get_page_from_freelist(m, gfp, order, ALLOC_MIN_RESERVE | ALLOC_CPUSET,
					      ac, cpu);
		if (page)
			return page;
	}
	if (gfp & __GFP_NOWARN) {
		count_vm_events(cpu, PGALLOC_NOWARN_FAIL, 1);
	} else {
		warn_alloc(m, gfp, order, cpu);
	}
	count_vm_events(cpu, PGALLOC_FAIL, 1);
	mm_set_errno(m, ENOMEM);
	return NULL;
}

static __noinline struct page *alloc_pages_misuse(struct mm *m, gfp_t gfp, unsigned order,
						  int nid, struct mm_cpu *cpu)
{
	if (!cpu)
		mm_unbound_error(m, "alloc_pages");
	else if (order > m->max_order)
		mm_error(m, EINVAL, "alloc_pages: order %u is above max_page_order %u",
			 order, m->max_order);
	else if (gfp & ~__GFP_VALID_MASK)
		mm_error(m, EINVAL, "alloc_pages: unknown GFP bits %#x in %#x",
			 gfp & ~__GFP_VALID_MASK, gfp);
	else if ((GFP_ZONE_BAD >> (gfp & GFP_ZONEMASK)) & 1)
		mm_error(m, EINVAL, "alloc_pages: GFP %#x has an impossible zone modifier "
			 "combination (%#x)", gfp, gfp & GFP_ZONEMASK);
	else if ((gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK)
		mm_error(m, EINVAL, "alloc_pages: __GFP_MOVABLE and __GFP_RECLAIMABLE together "
			 "(GFP %#x)", gfp);
	else
		mm_error(m, EINVAL, "alloc_pages_node: node %d does not exist (the machine has %d)",
			 nid, m->nr_nodes);
	return NULL;
}

/* prepare_alloc_pages(): the request's zonelist, highest zone, preferred
 * zone and migratetype, and the first attempt's flags (low watermark). */
static unsigned prepare_alloc_pages(struct mm *m, gfp_t gfp, int nid, struct alloc_context *ac)
{
	int list = (gfp & __GFP_THISNODE) ? ZONELIST_NOFALLBACK : ZONELIST_FALLBACK;

	ac->highest_zoneidx = gfp_zone_table[gfp & GFP_ZONEMASK];
	ac->zonelist = m->nodes[nid].node_zonelists[list];
	ac->migratetype = gfp_migratetype(m, gfp);
	ac->preferred_zone = m->nodes[nid].preferred[list][ac->highest_zoneidx];
	return ALLOC_WMARK_LOW | alloc_flags_nofragment(m, ac->preferred_zone, gfp) |
	       (ac->migratetype == MIGRATE_MOVABLE ? ALLOC_CMA : 0);   /* gfp_to_alloc_flags_cma */
}

/* __alloc_pages() after the fast path: the kernel's whole procedure. */
static __noinline struct page *__alloc_pages_general(struct mm *m, gfp_t gfp, unsigned order,
						     int nid, struct mm_cpu *cpu)
{
	struct alloc_context ac;
	struct page *page;
	unsigned alloc_flags = prepare_alloc_pages(m, gfp, nid, &ac);

	if (unlikely(!ac.preferred_zone)) {   /* no zone the request may use */
		if (!(gfp & __GFP_NOWARN))
			warn_alloc(m, gfp, order, cpu);
		count_vm_events(cpu, PGALLOC_FAIL, 1);
		mm_set_errno(m, ENOMEM);
		return NULL;
	}
	page = get_page_from_freelist(m, gfp, order, alloc_flags, &ac, cpu);
	if (unlikely(!page))
		page = __alloc_pages_slowpath(m, gfp, order, &ac, cpu);
	return page;
}

/* prepare_alloc_pages()'s should_fail_alloc_page() (fault_inject.c): true
 * when fail_page_alloc fails this request, errno flagged as injected. */
static inline bool alloc_should_fail(struct mm *m, gfp_t gfp, unsigned order, const char *what)
{
	if (likely(!READ_ONCE(m->fault.page_alloc.probability)) ||
	    !should_fail_alloc_page(m, gfp, order))
		return false;
	mm_set_errno_injected(m, what);
	return true;
}

/* __alloc_pages_noprof() on checked arguments: fail_page_alloc, then the
 * general path. */
static struct page *__alloc_pages_noprof(struct mm *m, gfp_t gfp, unsigned order, int nid,
					 struct mm_cpu *cpu)
{
	if (alloc_should_fail(m, gfp, order, "alloc_pages"))
		return NULL;
	return __alloc_pages_general(m, gfp, order, nid, cpu);
}

/* A request the allocator refuses (alloc_pages_misuse() says why). */
static inline bool alloc_request_bad(const struct mm *m, gfp_t gfp, unsigned order, int nid,
				     const struct mm_cpu *cpu)
{
	return !cpu || order > m->max_order || (gfp & ~__GFP_VALID_MASK) ||
	       ((GFP_ZONE_BAD >> (gfp & GFP_ZONEMASK)) & 1) ||
	       (gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK || nid >= m->nr_nodes;
}

/* Everything but the fast path: argument checks, then the general path. */
static __noinline struct page *__alloc_pages_slow(struct mm *m, gfp_t gfp, unsigned order,
						  int nid)
{
	struct mm_cpu *cpu;

	if (!m)
		return NULL;
	cpu = this_cpu(m);

	if (unlikely(alloc_request_bad(m, gfp, order, nid, cpu)))
		return alloc_pages_misuse(m, gfp, order, nid, cpu);
	return __alloc_pages_noprof(m, gfp, order, nid < 0 ? cpu->node : nid, cpu);
}

/* alloc_pages_node() for a layer above that must know why it failed
 * (vmalloc): the same procedure without the fast path, and the reason as
 * a return value rather than the thread's last error. */
struct page *alloc_pages_node_why(struct mm *m, int nid, gfp_t gfp, unsigned order,
				  enum alloc_fail *why)
{
	struct mm_cpu *cpu = this_cpu(m);
	struct page *page;

	if (nid < -1 || alloc_request_bad(m, gfp, order, nid, cpu)) {
		alloc_pages_misuse(m, gfp, order, nid, cpu);
		*why = ALLOC_FAIL_REFUSED;
		return NULL;
	}
	if (alloc_should_fail(m, gfp, order, "alloc_pages")) {
		*why = ALLOC_FAIL_INJECTED;
		return NULL;
	}
	page = __alloc_pages_general(m, gfp, order, nid < 0 ? cpu->node : nid, cpu);
	*why = page ? ALLOC_OK : ALLOC_FAIL_NOMEM;
	return page;
}

/*
 * The fast path: an order-0 request of the calling CPU's node that the
 * preferred zone serves from a non-empty per-CPU list after passing the low
 * watermark - exactly the kernel's first zonelist step with a pcp hit, its
 * alloc_context folded into the precomputed preferred[][] table.  It makes
 * no calls but tail calls, so it needs no stack frame; anything unusual
 * (other orders, __GFP_ZERO, a given node, bad arguments, an empty list)
 * takes the slow entry, which checks everything again.
 */
static inline struct page *__alloc_pages(struct mm *m, gfp_t gfp, unsigned order, int nid)
{
	struct per_cpu_pages *pcp;
	unsigned long mark;
	struct mm_cpu *cpu;
	struct page *page;
	struct zone *z;
	int hz;

	if (unlikely(!m || mm_tls[0].mm_id != READ_FLAG(m->fast_id) || order || nid >= 0 ||
		     (gfp & (~__GFP_VALID_MASK | __GFP_ZERO | __GFP_THISNODE)) ||
		     (gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK))
		return __alloc_pages_slow(m, gfp, order, nid);
	cpu = mm_tls[0].cpu;
	hz = gfp_zone_table[gfp & GFP_ZONEMASK];
	if (unlikely(hz < 0))
		return __alloc_pages_slow(m, gfp, order, nid);
	z = cpu->preferred[ZONELIST_FALLBACK][hz];
	if (unlikely(!z))
		return __alloc_pages_slow(m, gfp, order, nid);
	/* the order-0 part of zone_watermark_fast(), against the high
	 * watermark until the zone was found below it (zone_watermarks_ok);
	 * free CMA pages held back as for a caller without ALLOC_CMA (a
	 * movable request that fails this tries the exact check next) */
	mark = *READ_ONCE(z->fast_wmark) + z->watermark_boost;
	if (unlikely((long)zone_free_pages(z) - (long)READ_ONCE(z->nocma_unusable) <=
		     (long)(mark + z->lowmem_reserve[hz])))
		return __alloc_pages_slow(m, gfp, order, nid);
	pcp = &z->pcp[cpu->id];
	page = pcp_pop(pcp, &pcp->lists[order_to_pindex(m, gfp_migratetype(m, gfp), 0)], 0);
	if (unlikely(!page))
		return __alloc_pages_slow(m, gfp, order, nid);
	pcp->free_count >>= 1;
	/* prep_new_page() for an order-0 page without __GFP_ZERO */
	page->_refcount = 1;
	page->zone_id = (unsigned)z->id;
	WRITE_ONCE(page->private, 0ul);
	WRITE_ONCE(page->flags, (unsigned long)(gfp & PG_MT_MASK));
	count_vm_events(cpu, (enum vm_event_item)(PGALLOC_DMA + z->idx), 1);
	count_vm_events(cpu, PCP_ALLOC_HIT, 1);
	zone_statistics(cpu, z, z);
	return page;
}

/* page_owner=1: set_page_owner() on what the allocation returns. */
static __noinline struct page *alloc_pages_owned(struct mm *m, gfp_t gfp, unsigned order,
						 int nid, unsigned long site)
{
	struct page *page;

	po_enter(site, PO_VIA_PAGES);
	page = __alloc_pages(m, gfp, order, nid);
	if (page)
		page_owner_alloc(m, page, order, gfp);
	po_exit();
	return page;
}

struct page *mm_alloc_pages(struct mm *m, gfp_t gfp, unsigned order)
{
	if (unlikely(m && m->page_owner))
		return alloc_pages_owned(m, gfp, order, -1, PO_CALLER);
	return __alloc_pages(m, gfp, order, -1);
}

struct page *mm_alloc_pages_site(struct mm *m, gfp_t gfp, unsigned order, unsigned long site)
{
	if (m && m->page_owner)
		return alloc_pages_owned(m, gfp, order, -1, site);
	return __alloc_pages(m, gfp, order, -1);
}

struct page *mm_alloc_pages_node(struct mm *m, int nid, gfp_t gfp, unsigned order)
{
	if (!m)
		return NULL;
	if (nid < -1) {
		mm_error(m, EINVAL, "alloc_pages_node: node %d does not exist", nid);
		return NULL;
	}
	if (unlikely(m->page_owner))
		return alloc_pages_owned(m, gfp, order, nid, PO_CALLER);
	return __alloc_pages(m, gfp, order, nid);
}

/* ---- the bulk allocator ----------------------------------------------------- */

/* alloc_pages_bulk_node() (6.18's alloc_pages_bulk_noprof): fill the empty
 * slots of page_array[0..nr_pages) with order-0 pages straight from this
 * CPU's list of the first zone (of the preferred node) that passes the low
 * watermark raised by the pages asked for, refilling the list as it runs
 * dry; stop early when the buddy has no more; one page or a failure to
 * find such a zone takes the ordinary allocator, once.  fail_page_alloc is
 * asked where prepare_alloc_pages() asks it (an injected failure adds
 * nothing) and again by the ordinary allocator.  Returns how many slots
 * are filled. */
static unsigned long __alloc_pages_bulk(struct mm *m, gfp_t gfp, int nid, unsigned long nr_pages,
					struct page **page_array, struct mm_cpu *cpu)
{
	unsigned long nr_populated = 0, nr_account = 0;
	struct alloc_context ac;
	struct zone *z = NULL;
	struct page *page;
	unsigned alloc_flags;

	while (nr_populated < nr_pages && page_array[nr_populated])
		nr_populated++;
	if (nr_populated == nr_pages)
		return nr_populated;
	if (nr_pages - nr_populated == 1)
		goto failed;
	if (alloc_should_fail(m, gfp, 0, "alloc_pages_bulk"))
		return nr_populated;     /* prepare_alloc_pages() said no */
	alloc_flags = prepare_alloc_pages(m, gfp, nid, &ac);
	if (!ac.preferred_zone)
		goto failed;
	for (struct zone **zp = ac.zonelist; *zp; zp++) {
		unsigned long mark;

		if ((*zp)->idx > ac.highest_zoneidx)
			continue;
		if (m->nr_nodes > 1 && (*zp)->node != ac.preferred_zone->node)
			goto failed;
		mark = wmark_pages(*zp, alloc_flags & ALLOC_WMARK_MASK) + nr_pages - nr_populated;
		if (zone_watermark_fast(*zp, 0, mark, ac.preferred_zone->idx, alloc_flags)) {
			z = *zp;
			break;
		}
	}
	if (!z)
		goto failed;
	for (; nr_populated < nr_pages; nr_populated++) {
		if (page_array[nr_populated])
			continue;
		page = rmqueue_pcp_bulk(m, z, ac.migratetype, alloc_flags, cpu);
		if (!page) {
			if (!nr_account)
				goto failed;
			break;
		}
		prep_new_page(m, z, page, 0, gfp);
		page_array[nr_populated] = page;
		nr_account++;
	}
	count_vm_events(cpu, (enum vm_event_item)(PGALLOC_DMA + z->idx), nr_account);
	for (unsigned long i = 0; i < nr_account; i++)
		zone_statistics(cpu, ac.preferred_zone, z);
	return nr_populated;
failed:
	page = __alloc_pages_noprof(m, gfp, 0, nid, cpu);
	if (page)
		page_array[nr_populated++] = page;
	return nr_populated;
}

/* page_owner=1: the slots the bulk allocator filled get their records. */
static __noinline unsigned long alloc_pages_bulk_owned(struct mm *m, gfp_t gfp, int nid,
						       unsigned long nr_pages,
						       struct page **page_array,
						       struct mm_cpu *cpu, unsigned long site)
{
	unsigned long got, *empty = malloc(nr_pages * sizeof(*empty) + 1), n = 0;

	for (unsigned long i = 0; empty && i < nr_pages; i++)
		if (!page_array[i])
			empty[n++] = i;
	po_enter(site, PO_VIA_PAGES);
	got = __alloc_pages_bulk(m, gfp, nid, nr_pages, page_array, cpu);
	for (unsigned long i = 0; empty && i < n; i++)
		if (page_array[empty[i]])
			page_owner_alloc(m, page_array[empty[i]], 0, gfp);
	po_exit();
	free(empty);
	return got;
}

unsigned long mm_alloc_pages_bulk(struct mm *m, int nid, gfp_t gfp, unsigned long nr_pages,
				  struct page **page_array)
{
	struct mm_cpu *cpu;

	if (!m)
		return 0;
	cpu = this_cpu(m);
	if (!page_array) {
		mm_error(m, EINVAL, "alloc_pages_bulk: no page array");
		return 0;
	}
	if (unlikely(!cpu || (gfp & ~__GFP_VALID_MASK) || ((GFP_ZONE_BAD >> (gfp & GFP_ZONEMASK)) & 1) ||
		     (gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK || nid < -1 || nid >= m->nr_nodes)) {
		alloc_pages_misuse(m, gfp, 0, nid, cpu);
		return 0;
	}
	if (unlikely(m->page_owner))
		return alloc_pages_bulk_owned(m, gfp, nid < 0 ? cpu->node : nid, nr_pages,
					      page_array, cpu, PO_CALLER);
	return __alloc_pages_bulk(m, gfp, nid < 0 ? cpu->node : nid, nr_pages, page_array, cpu);
}

/* ---- page isolation --------------------------------------------------------- */

/* start_isolate_page_range(): the pageblocks isolated by the buddy
 * (buddy.c), then every CPU's lists drained so the per-CPU pages of these
 * blocks join the ISOLATE lists - the drain is the pcp layer's, so it is
 * done here, above both. */
int mm_start_isolate_page_range(struct mm *m, unsigned long start_pfn, unsigned long end_pfn,
				int migratetype)
{
	int ret = start_isolate_page_range_checked(m, start_pfn, end_pfn, migratetype);

	if (!ret)
		drain_all_pages(m);
	return ret;
}

/* ---- free ------------------------------------------------------------------ */

static inline bool page_in_map(const struct mm *m, const struct page *page)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)m->mem_map;

	return off < m->nr_pages * sizeof(struct page) && off % sizeof(struct page) == 0;
}

/* Explain why a free of an unallocated pfn is wrong: find the block that
 * contains it, allocated or free. */
static int explain_bad_free(struct mm *m, unsigned long pfn, unsigned order)
{
	struct zone *z = pfn_zone(m, pfn);

	for (unsigned o = 1; o <= m->max_order; o++) {
		unsigned long head = pfn & ~((1ul << o) - 1);
		struct page *hp = pfn_to_page(m, head);

		if (!zone_spans_pfn(z, head))
			break;
		if (hp->private < o)
			continue;
		if (hp->_refcount > 0)
			return mm_error(m, EFAULT, "free_pages: pfn %#lx is not the start of an "
					"allocation: it lies inside the order-%lu block allocated "
					"at pfn %#lx", pfn, hp->private, head);
		if (hp->flags & (PG_buddy | PG_pcp))
			return mm_error(m, EFAULT, "free_pages: double free of pfn %#lx (order %u): "
					"it lies inside the free order-%lu block at pfn %#lx",
					pfn, order, hp->private, head);
	}
	return mm_error(m, EFAULT, "free_pages: pfn %#lx (order %u) is not allocated", pfn, order);
}

static __noinline int free_pages_misuse(struct mm *m, struct page *page, unsigned order,
					struct mm_cpu *cpu)
{
	unsigned long pfn;

	if (!page_in_map(m, page))
		return mm_error(m, EFAULT, "free_pages: %p is not a struct page of this machine",
				(void *)page);
	pfn = page_to_pfn(m, page);
	if (!cpu)
		return mm_unbound_error(m, "free_pages");
	if (order > m->max_order)
		return mm_error(m, EINVAL, "free_pages: order %u is above max_page_order %u",
				order, m->max_order);
	if (page->compound_head & 1) {
		unsigned long head = page_to_pfn(m, (struct page *)(page->compound_head - 1));

		return mm_error(m, EFAULT, "free_pages: pfn %#lx is a tail page of the compound "
				"page at pfn %#lx (order %lu)", pfn, head,
				pfn_to_page(m, head)->private);
	}
	if (page->flags & (PG_buddy | PG_pcp))
		return mm_error(m, EFAULT, "free_pages: double free of pfn %#lx (order %u): the "
				"block is already free%s", pfn, order,
				(page->flags & PG_pcp) ? " (on a per-CPU list)" : "");
	if (page->flags & PG_contig)
		return mm_error(m, EINVAL, "free_pages: pfn %#lx belongs to a contiguous range "
				"(alloc_contig_range/cma_alloc): free_contig_range or cma_release "
				"gives it back", pfn);
	if (page->flags & (PG_slab | PG_vmalloc | PG_reserved))
		return mm_error(m, EFAULT, "free_pages: pfn %#lx belongs to the %s", pfn,
				(page->flags & PG_slab) ? "slab allocator" :
				(page->flags & PG_vmalloc) ? "vmalloc allocator" : "machine (reserved)");
	if (page->_refcount == 0)
		return explain_bad_free(m, pfn, order);
	return mm_error(m, EFAULT, "free_pages: pfn %#lx was allocated with order %lu but freed "
			"with order %u", pfn, page->private, order);
}

/* Blocks that bypass the per-CPU lists go straight to the buddy. */
static __noinline int free_pages_to_buddy(struct zone *z, struct page *page, unsigned long pfn,
					  unsigned order)
{
	WRITE_ONCE(page->flags, 0ul);
	free_one_page(z, pfn, order);
	return 0;
}

/* Give an allocated block back: to this CPU's list when its order lives
 * there (and the machine has the lists) and its pageblock is not
 * isolated, else straight to the buddy.  Only tail calls. */
static inline __attribute__((always_inline))
int free_pages_commit(struct mm *m, struct page *page, unsigned order, struct mm_cpu *cpu)
{
	unsigned long pfn = page_to_pfn(m, page);
	struct zone *z = m->zone_table[page->zone_id];
	int mt = get_pageblock_migratetype(z, pfn);

	page->_refcount = 0;
	count_vm_events(cpu, PGFREE, 1ul << order);
	if (unlikely(!pcp_allowed_order(m, order) || mt == MIGRATE_ISOLATE))
		return free_pages_to_buddy(z, page, pfn, order);
	count_vm_events(cpu, PCP_FREE_HIT, 1);
	return pcp_free(m, z, page, order, mt, cpu);
}

/* Compound pages, frees from a thread whose binding is not the cached one,
 * and every refused free. */
static __noinline int free_pages_slow(struct mm *m, struct page *page, unsigned order)
{
	struct mm_cpu *cpu;

	if (!m)
		return -EINVAL;
	cpu = this_cpu(m);

	/* a movable page: its owner lets go of it first (migrate.c) */
	if (cpu && page_in_map(m, page) && (READ_ONCE(page->flags) & PG_owned) &&
	    page->private == order && m->release_owned) {
		int r = m->release_owned(m, page, order);

		if (r)
			return r < 0 ? r : 0;
	}
	if (!cpu || !page_in_map(m, page) || page->_refcount != 1 || page->private != order ||
	    (page->flags & ~(PG_head | PG_MT_MASK)))    /* bad_page(): taints 'B' */
		return mm_taint_refusal(m, free_pages_misuse(m, page, order, cpu),
					MM_TAINT_BAD_PAGE);
	if (page->flags & PG_head)
		for (unsigned long i = 1; i < 1ul << order; i++)
			page[i].compound_head = 0;
	return free_pages_commit(m, page, order, cpu);
}

/* page_owner=1: __reset_page_owner() for a free that will succeed (the
 * record goes first: once freed, another CPU may have the page again). */
static __noinline int free_pages_owned(struct mm *m, struct page *page, unsigned order)
{
	if (this_cpu(m) && page_in_map(m, page) && page->_refcount == 1 && page->private == order &&
	    !(page->flags & ~(PG_head | PG_MT_MASK)))
		page_owner_free(m, page);
	return free_pages_slow(m, page, order);
}

int mm_free_pages(struct mm *m, struct page *page, unsigned order)
{
	if (unlikely(m && m->page_owner))
		return free_pages_owned(m, page, order);
	if (unlikely(!m || mm_tls[0].mm_id != m->id || !page_in_map(m, page) ||
		     page->_refcount != 1 || page->private != order || (page->flags & ~PG_MT_MASK)))
		return free_pages_slow(m, page, order);
	return free_pages_commit(m, page, order, mm_tls[0].cpu);
}
