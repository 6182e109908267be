// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcp.h - the per-CPU page list fast paths, inlined into page_alloc.c.
 * The slow halves (refill from the buddy, the rest of a free that may spill
 * back to it, drains, the vmstat tick) live in pcp.c; see its opening
 * comment for the design.  Only the thread bound to the CPU calls these:
 * no lock, no atomic instruction.
 */
#ifndef LIBMM_PCP_H
#define LIBMM_PCP_H

#include "internal.h"

/* 3 lists (UNMOVABLE, MOVABLE, RECLAIMABLE) per order 0..3, then the THP
 * lists: non-movable and movable (one for both without pa_pcp_thp_split). */
static inline int order_to_pindex(const struct mm *m, int mt, unsigned order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS +
		       ((m->pa & PA_PCP_THP_SPLIT) && mt == MIGRATE_MOVABLE);
	return MIGRATE_PCPTYPES * (int)order + mt;
}

bool pcp_refill(struct zone *z, struct per_cpu_pages *pcp, struct list_head *list,
		unsigned order, int mt, unsigned alloc_flags, struct mm_cpu *cpu);
int pcp_free_commit(struct zone *z, struct per_cpu_pages *pcp, unsigned order, int pindex,
		    struct mm_cpu *cpu);
int pcp_spill(struct zone *z, struct per_cpu_pages *pcp, int high, bool free_high,
	      int pindex, struct mm_cpu *cpu);

/* Pop the hot block of a list, or NULL if it is empty. */
static inline struct page *pcp_pop(struct per_cpu_pages *pcp, struct list_head *list,
				   unsigned order)
{
	struct page *page;

	if (unlikely(list_empty(list)))
		return NULL;
	page = list_first_entry(list, struct page, lru);
	list_del(&page->lru);
	WRITE_ONCE(page->flags, 0ul);
	pcp->count -= 1 << order;
	return page;
}

/* rmqueue_pcplist(): the hot page of the right list, refilling it from the
 * buddy when empty.  NULL if the buddy had nothing.  Every call halves
 * free_count (6.5: free_factor), as in the kernel. */
static inline struct page *pcp_alloc(struct zone *z, unsigned order, int mt,
				     unsigned alloc_flags, struct mm_cpu *cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu->id];
	struct list_head *list = &pcp->lists[order_to_pindex(z->mm, mt, order)];

	pcp->free_count >>= 1;
	if (unlikely(list_empty(list)) &&
	    !pcp_refill(z, pcp, list, order, mt, alloc_flags, cpu))
		return NULL;
	return pcp_pop(pcp, list, order);
}

/* free_frozen_page_commit(): onto the head of this CPU's list (hot).  mt
 * is the pageblock's type; HIGHATOMIC pages ride on the MOVABLE list (6.5
 * caches the type in index for its drain; 6.10+ looks it up again then).  With pa_pcp_autotune an
 * order-0 free below pcp->high, with the zone above its high watermark and
 * no high-order free before it, only counts itself (free_count); the rest
 * of the kernel's function is pcp_free_commit().  6.5: spill once count
 * reaches high, at once for orders 1..3 after a spill (free_factor).
 * Returns 0 (an int so that callers can tail-call it). */
static inline __attribute__((always_inline))
int pcp_free(const struct mm *m, struct zone *z, struct page *page,
			   unsigned order, int mt, struct mm_cpu *cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu->id];
	int pindex = order_to_pindex(m, mt < MIGRATE_PCPTYPES ? mt : MIGRATE_MOVABLE, order);
	bool free_high;
	int high;

	WRITE_ONCE(page->flags, (unsigned long)PG_pcp);
	WRITE_ONCE(page->private, (unsigned long)order);
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1 << order;
	if (likely(m->pa & PA_PCP_AUTOTUNE)) {
		pcp->alloc_factor >>= 1;
		if (unlikely(order | pcp->flags | READ_ONCE(z->below_high)) ||
		    pcp->count >= pcp->high)
			return pcp_free_commit(z, pcp, order, pindex, cpu);
		if (pcp->free_count < pcp->free_count_max)
			pcp->free_count++;
		return 0;
	}
	page->index = (unsigned long)mt;        /* set_pcppage_migratetype() */
	free_high = pcp->free_count && order && order <= PAGE_ALLOC_COSTLY_ORDER;
	high = free_high ? 0 : pcp->high;
	if (unlikely(pcp->count >= high))
		return pcp_spill(z, pcp, high, free_high, pindex, cpu);
	return 0;
}

#endif /* LIBMM_PCP_H */
