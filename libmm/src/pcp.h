/*
 * pcp.h - the per-CPU page list fast paths, inlined into page_alloc.c.
 * The slow halves (refill from the buddy, spill back to it, drains) live in
 * pcp.c; see its opening comment for the design.  Only the thread bound to
 * the CPU calls these: no lock, no atomic instruction.
 */
#ifndef LIBMM_PCP_H
#define LIBMM_PCP_H

#include "internal.h"

/* 3 lists (UNMOVABLE, MOVABLE, RECLAIMABLE) per order 0..3, one THP list */
static inline int order_to_pindex(int mt, unsigned order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS;
	return MIGRATE_PCPTYPES * (int)order + mt;
}

bool pcp_refill(struct zone *z, struct per_cpu_pages *pcp, struct list_head *list,
		unsigned order, int mt, unsigned alloc_flags, struct mm_cpu *cpu);
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

/* rmqueue_pcplist(): the hot page of the right list, refilling it with a
 * batch from the buddy when empty.  NULL if the buddy had nothing.
 * Every call (fast or not) halves free_factor, as in the kernel. */
static inline struct page *pcp_alloc(struct zone *z, unsigned order, int mt,
				     unsigned alloc_flags, struct mm_cpu *cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu->id];
	struct list_head *list = &pcp->lists[order_to_pindex(mt, order)];

	pcp->free_factor >>= 1;
	if (unlikely(list_empty(list)) &&
	    !pcp_refill(z, pcp, list, order, mt, alloc_flags, cpu))
		return NULL;
	return pcp_pop(pcp, list, order);
}

/* free_unref_page(): onto the head of this CPU's list (hot), spilling a
 * batch to the buddy once count reaches high.  mt is the pageblock's type;
 * HIGHATOMIC pages ride on the MOVABLE list but remember their type.
 * Returns 0 (an int so that callers can tail-call it). */
static inline int pcp_free(struct zone *z, struct page *page, unsigned order, int mt,
			   struct mm_cpu *cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu->id];
	int pindex = order_to_pindex(mt < MIGRATE_PCPTYPES ? mt : MIGRATE_MOVABLE, order);
	bool free_high;
	int high;

	WRITE_ONCE(page->flags, (unsigned long)PG_pcp);
	WRITE_ONCE(page->private, (unsigned long)order);
	page->index = (unsigned long)mt;
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1 << order;
	free_high = pcp->free_factor && order && order <= PAGE_ALLOC_COSTLY_ORDER;
	high = free_high ? 0 : pcp->high;
	if (unlikely(pcp->count >= high))
		return pcp_spill(z, pcp, high, free_high, pindex, cpu);
	return 0;
}

#endif /* LIBMM_PCP_H */
