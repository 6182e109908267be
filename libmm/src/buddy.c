/*
 * buddy.c - the buddy allocator proper: per-zone free_area[order] lists per
 * migratetype, split (expand) and merge (__free_one_page), pageblock
 * migratetypes, the fallback/steal rules and the HIGHATOMIC reserve
 * (mm/page_alloc.c, 6.5-era logic).
 *
 * Invariants (checked by validate.c), all under zone->lock:
 *   - a free block of order o starts at a PFN aligned to 2^o, lies in one
 *     zone, has PG_buddy, private == o, index == the migratetype of the
 *     list it is on; the pages inside it have no flags;
 *   - free_area[o].nr_free == sum(nr_free_mt[]) == blocks on its lists;
 *   - nr_free_pages == sum of 2^o over blocks on every list but ISOLATE;
 *   - a block on the ISOLATE list lies in an isolated pageblock.
 * Merging: buddy PFN = pfn ^ (1 << order); never across the zone's span,
 * and never at >= pageblock_order between an unmergeable type (HIGHATOMIC,
 * ISOLATE) and another type.
 *
 * A block leaving the lists for a caller passes expand(), which calls
 * prefault_pageblock(): with prefault=pageblock the first one out of a
 * pageblock populates it (machine.c), under zone->lock.
 *
 * Locking: every function here expects zone->lock held, except
 * free_one_page(), rmqueue_buddy() and the highatomic functions, which take
 * it; they are named and commented so.
 */
#include "internal.h"

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate",
};

/* fallbacks[requested][i]: where to look when the requested list is empty */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/* ---- free list primitives (zone->lock held) ----------------------------- */

static inline void account_freepages(struct zone *z, long nr, int mt)
{
	if (mt != MIGRATE_ISOLATE)
		WRITE_ONCE(z->nr_free_pages, z->nr_free_pages + nr);
}

static inline void add_to_free_list(struct page *page, struct zone *z, unsigned order,
				    int mt, bool tail)
{
	struct free_area *area = &z->free_area[order];

	lockdep_assert_zone_held(z);
	MM_BUG_ON(2, z->mm, page->_refcount || (page->compound_head & 1));
	WRITE_ONCE(page->flags, page->flags | PG_buddy);
	WRITE_ONCE(page->private, (unsigned long)order);
	page->index = (unsigned long)mt;
	if (tail)
		list_add_tail(&page->lru, &area->free_list[mt]);
	else
		list_add(&page->lru, &area->free_list[mt]);
	WRITE_ONCE(area->nr_free, area->nr_free + 1);
	WRITE_ONCE(area->nr_free_mt[mt], area->nr_free_mt[mt] + 1);
	account_freepages(z, 1l << order, mt);
}

static inline void del_page_from_free_list(struct page *page, struct zone *z, unsigned order)
{
	struct free_area *area = &z->free_area[order];
	int mt = (int)page->index;

	list_del(&page->lru);
	WRITE_ONCE(page->flags, page->flags & ~(unsigned long)PG_buddy);
	WRITE_ONCE(page->private, 0ul);
	page->index = 0;
	WRITE_ONCE(area->nr_free, area->nr_free - 1);
	WRITE_ONCE(area->nr_free_mt[mt], area->nr_free_mt[mt] - 1);
	account_freepages(z, -(1l << order), mt);
}

/* list_move_tail() to another migratetype's list */
static void move_to_free_list(struct page *page, struct zone *z, unsigned order, int mt)
{
	del_page_from_free_list(page, z, order);
	add_to_free_list(page, z, order, mt, true);
}

static inline struct page *get_page_from_free_area(struct free_area *area, int mt)
{
	if (list_empty(&area->free_list[mt]))
		return NULL;
	return list_first_entry(&area->free_list[mt], struct page, lru);
}

static void set_pageblock_migratetype(struct zone *z, unsigned long pfn, int mt)
{
	z->pageblock_mt[(pfn >> z->mm->pageblock_order) - z->pb_base] = (unsigned char)mt;
}

/* The buddy of the order-o block at pfn, if it is a free block of order o
 * in the same zone.  *buddy_pfn is set either way. */
static inline struct page *find_buddy_page_pfn(struct zone *z, unsigned long pfn,
					       unsigned order, unsigned long *buddy_pfn)
{
	unsigned long b = pfn ^ (1ul << order);
	struct page *buddy;

	*buddy_pfn = b;
	if (!zone_spans_pfn(z, b))
		return NULL;
	buddy = pfn_to_page(z->mm, b);
	/* the owner of a non-free page may be writing its fields: only
	 * PG_buddy, which changes under zone->lock, decides */
	if (!(READ_ONCE(buddy->flags) & PG_buddy) || READ_ONCE(buddy->private) != order)
		return NULL;
	return buddy;
}

/* ---- boot ----------------------------------------------------------------- */

/* All of the zone's memory becomes free in the largest aligned blocks; every
 * pageblock starts MOVABLE (memmap_init). */
void buddy_init_zone(struct zone *z)
{
	struct mm *m = z->mm;
	unsigned long pfn = z->zone_start_pfn, end = pfn + z->spanned_pages;

	zone_lock(z);
	for (unsigned long p = pfn; p < end; p += m->pageblock_nr_pages)
		set_pageblock_migratetype(z, p, MIGRATE_MOVABLE);
	while (pfn < end) {
		unsigned order = m->max_order;

		while (order && ((pfn & ((1ul << order) - 1)) || pfn + (1ul << order) > end))
			order--;
		add_to_free_list(pfn_to_page(m, pfn), z, order, MIGRATE_MOVABLE, true);
		pfn += 1ul << order;
	}
	zone_unlock(z);
}

/* ---- free ------------------------------------------------------------------ */

/* Is the order+1 buddy of the merged block free too?  Then put the block at
 * the tail so it stays free longer and is more likely to merge. */
static bool buddy_merge_likely(struct zone *z, unsigned long pfn, unsigned long buddy_pfn,
			       unsigned order)
{
	unsigned long higher, dummy;

	if (order >= z->mm->max_order - 1 || z->mm->max_order == 0)
		return false;
	higher = buddy_pfn & pfn;
	return find_buddy_page_pfn(z, higher, order + 1, &dummy) != NULL;
}

/* zone->lock held.  page is the head of an order-`order` block being freed;
 * mt is its pageblock's migratetype. */
void __free_one_page(struct zone *z, struct page *page, unsigned long pfn,
		     unsigned order, int mt)
{
	struct mm *m = z->mm;
	unsigned long buddy_pfn = pfn;
	bool to_tail;

	lockdep_assert_zone_held(z);
	MM_BUG_ON(1, m, order > m->max_order || (pfn & ((1ul << order) - 1)) ||
		  !zone_spans_pfn(z, pfn) || page != pfn_to_page(m, pfn));
	MM_BUG_ON(1, m, READ_ONCE(page->flags) & PG_buddy);
	WRITE_ONCE(page->flags, 0ul);
	while (order < m->max_order) {
		struct page *buddy = find_buddy_page_pfn(z, pfn, order, &buddy_pfn);
		unsigned long combined;

		if (!buddy)
			break;
		if (unlikely(order >= m->pageblock_order)) {
			int buddy_mt = get_pageblock_migratetype(z, buddy_pfn);

			if (mt != buddy_mt &&
			    (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		del_page_from_free_list(buddy, z, order);
		combined = buddy_pfn & pfn;
		page = pfn_to_page(m, combined);
		pfn = combined;
		order++;
	}
	to_tail = order < m->max_order && buddy_merge_likely(z, pfn, buddy_pfn, order);
	add_to_free_list(page, z, order, mt, to_tail);
}

/* Takes zone->lock: __free_pages_ok() for blocks that bypass the pcp. */
void free_one_page(struct zone *z, struct page *page, unsigned long pfn, unsigned order)
{
	zone_lock(z);
	__free_one_page(z, page, pfn, order, get_pageblock_migratetype(z, pfn));
	zone_unlock(z);
}

/* ---- allocate ---------------------------------------------------------- */

/* Split an order-high block down to order-low; the upper halves go back on
 * the lists, the caller keeps the lowest 2^low pages.  Every block handed
 * out passes here first: with prefault=pageblock the first one out of a
 * pageblock populates it, before the split writes struct pages. */
static void expand(struct zone *z, struct page *page, unsigned low, unsigned high, int mt)
{
	unsigned long size = 1ul << high;

	prefault_pageblock(z->mm, page_to_pfn(z->mm, page), low);

	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(&page[size], z, high, mt, false);
	}
}

static struct page *__rmqueue_smallest(struct zone *z, unsigned order, int mt)
{
	for (unsigned o = order; o < z->mm->nr_orders; o++) {
		struct page *page = get_page_from_free_area(&z->free_area[o], mt);

		if (!page)
			continue;
		del_page_from_free_list(page, z, o);
		expand(z, page, order, o, mt);
		page->index = (unsigned long)mt;   /* set_pcppage_migratetype */
		return page;
	}
	return NULL;
}

static bool can_steal_fallback(struct mm *m, unsigned order, int start_mt)
{
	return order >= m->pageblock_order || order >= m->pageblock_order / 2 ||
	       start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE ||
	       m->page_group_by_mobility_disabled;
}

static int find_suitable_fallback(struct zone *z, unsigned order, int mt, bool *can_steal)
{
	struct free_area *area = &z->free_area[order];

	*can_steal = false;
	if (!area->nr_free)
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[mt][i];

		if (list_empty(&area->free_list[fmt]))
			continue;
		*can_steal = can_steal_fallback(z->mm, order, mt);
		return fmt;
	}
	return -1;
}

/* Move the free blocks of the pageblock holding pfn to mt's lists; count
 * the allocated movable pages in it.  0 if the pageblock leaves the zone. */
static unsigned long move_freepages_block(struct zone *z, unsigned long pfn, int mt,
					  unsigned long *num_movable)
{
	struct mm *m = z->mm;
	unsigned long start = pfn & ~(m->pageblock_nr_pages - 1);
	unsigned long end = start + m->pageblock_nr_pages - 1, moved = 0;

	if (num_movable)
		*num_movable = 0;
	if (!zone_spans_pfn(z, start))
		start = pfn;
	if (!zone_spans_pfn(z, end))
		return 0;
	for (pfn = start; pfn <= end;) {
		struct page *page = pfn_to_page(m, pfn);

		unsigned long flags = READ_ONCE(page->flags);

		if (!(flags & PG_buddy)) {
			if (num_movable && (flags & PG_lru))
				(*num_movable)++;
			pfn++;
			continue;
		}
		move_to_free_list(page, z, (unsigned)page->private, mt);
		moved += 1ul << page->private;
		pfn += 1ul << page->private;
	}
	return moved;
}

/* Take a fallback block for start_mt, claiming its whole pageblock when the
 * kernel's rules allow: the block is >= pageblock_order, or at least half of
 * the pageblock is free or compatible. */
static void steal_suitable_fallback(struct zone *z, struct page *page, int start_mt,
				    bool whole_block, struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	unsigned long pfn = page_to_pfn(m, page), free, movable, alike;
	unsigned order = (unsigned)page->private;
	int old_mt = get_pageblock_migratetype(z, pfn);

	if (old_mt == MIGRATE_HIGHATOMIC)
		goto single_page;
	if (order >= m->pageblock_order) {
		for (unsigned long p = pfn; p < pfn + (1ul << order); p += m->pageblock_nr_pages)
			set_pageblock_migratetype(z, p, start_mt);
		count_vm_events(cpu, PGALLOC_EXTFRAG_CLAIMED, 1);
		goto single_page;
	}
	if (!whole_block)
		goto single_page;
	free = move_freepages_block(z, pfn, start_mt, &movable);
	if (!free)
		goto single_page;
	if (start_mt == MIGRATE_MOVABLE)
		alike = movable;
	else if (old_mt == MIGRATE_MOVABLE)
		alike = m->pageblock_nr_pages - (free + movable);
	else
		alike = 0;
	if (free + alike >= m->pageblock_nr_pages / 2 || m->page_group_by_mobility_disabled) {
		set_pageblock_migratetype(z, pfn, start_mt);
		count_vm_events(cpu, PGALLOC_EXTFRAG_CLAIMED, 1);
	}
	return;
single_page:
	move_to_free_list(page, z, order, start_mt);
}

/* __rmqueue_fallback(): search the fallback types from the largest block
 * down (MOVABLE requests that could not claim a block take the smallest
 * one instead).  ALLOC_NOFRAGMENT only steals whole pageblocks. */
static bool __rmqueue_fallback(struct zone *z, unsigned order, int start_mt,
			       unsigned alloc_flags, struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	unsigned min_order = order;
	int cur, fmt = -1;
	bool can_steal = false;

	if (order < m->pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = m->pageblock_order;
	for (cur = (int)m->max_order; cur >= (int)min_order; cur--) {
		fmt = find_suitable_fallback(z, (unsigned)cur, start_mt, &can_steal);
		if (fmt < 0)
			continue;
		if (!can_steal && start_mt == MIGRATE_MOVABLE && cur > (int)order) {
			for (cur = (int)order; cur <= (int)m->max_order; cur++) {
				fmt = find_suitable_fallback(z, (unsigned)cur, start_mt, &can_steal);
				if (fmt >= 0)
					break;
			}
		}
		break;
	}
	if (fmt < 0)
		return false;
	steal_suitable_fallback(z, get_page_from_free_area(&z->free_area[cur], fmt), start_mt,
				can_steal, cpu);
	count_vm_events(cpu, PGALLOC_EXTFRAG, 1);
	return true;
}

/* zone->lock held */
struct page *__rmqueue(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
		       struct mm_cpu *cpu)
{
	struct page *page;

	lockdep_assert_zone_held(z);
	while (!(page = __rmqueue_smallest(z, order, mt))) {
		if (!__rmqueue_fallback(z, order, mt, alloc_flags, cpu))
			return NULL;
	}
	return page;
}

/* Takes zone->lock: one block straight from the buddy lists. */
struct page *rmqueue_buddy(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
			   struct mm_cpu *cpu)
{
	struct page *page = NULL;

	zone_lock(z);
	if (alloc_flags & ALLOC_HIGHATOMIC)
		page = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	if (!page) {
		page = __rmqueue(z, order, mt, alloc_flags, cpu);
		if (!page && (alloc_flags & ALLOC_OOM))
			page = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	}
	zone_unlock(z);
	return page;
}

/* ---- the HIGHATOMIC reserve ---------------------------------------------- */

/* Takes zone->lock.  After a high-order atomic allocation, reserve its
 * pageblock (up to ~1% of the zone) for later ones. */
void reserve_highatomic_pageblock(struct zone *z, struct page *page, struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	unsigned long max_managed = z->managed_pages / 100 + m->pageblock_nr_pages;
	unsigned long pfn = page_to_pfn(m, page);
	int mt;

	if (READ_ONCE(z->nr_reserved_highatomic) >= max_managed)
		return;
	zone_lock(z);
	if (z->nr_reserved_highatomic >= max_managed)
		goto out;
	mt = get_pageblock_migratetype(z, pfn);
	if (migratetype_is_mergeable(mt)) {
		WRITE_ONCE(z->nr_reserved_highatomic, z->nr_reserved_highatomic + m->pageblock_nr_pages);
		set_pageblock_migratetype(z, pfn, MIGRATE_HIGHATOMIC);
		move_freepages_block(z, pfn, MIGRATE_HIGHATOMIC, NULL);
		count_vm_events(cpu, HIGHATOMIC_RESERVE, 1);
	}
out:
	zone_unlock(z);
}

/* Takes each zone's lock.  Give a reserved pageblock back to mt when an
 * allocation is about to fail; unless force, keep one pageblock per zone. */
bool unreserve_highatomic_pageblock(struct mm *m, struct zone **zonelist,
				    int highest_zoneidx, int mt, bool force,
				    struct mm_cpu *cpu)
{
	for (struct zone **zp = zonelist; *zp; zp++) {
		struct zone *z = *zp;

		if (z->idx > highest_zoneidx)
			continue;
		if (!force && READ_ONCE(z->nr_reserved_highatomic) <= m->pageblock_nr_pages)
			continue;
		zone_lock(z);
		for (unsigned o = 0; o < m->nr_orders; o++) {
			struct page *page = get_page_from_free_area(&z->free_area[o], MIGRATE_HIGHATOMIC);
			unsigned long pfn;

			if (!page)
				continue;
			pfn = page_to_pfn(m, page);
			if (get_pageblock_migratetype(z, pfn) == MIGRATE_HIGHATOMIC) {
				unsigned long dec = z->nr_reserved_highatomic < m->pageblock_nr_pages
						  ? z->nr_reserved_highatomic : m->pageblock_nr_pages;

				WRITE_ONCE(z->nr_reserved_highatomic, z->nr_reserved_highatomic - dec);
			}
			set_pageblock_migratetype(z, pfn, mt);
			if (move_freepages_block(z, pfn, mt, NULL)) {
				zone_unlock(z);
				count_vm_events(cpu, HIGHATOMIC_UNRESERVE, 1);
				return true;
			}
		}
		zone_unlock(z);
	}
	return false;
}

/* ---- page isolation (mm/page_isolation.c) -------------------------------
 * A pageblock becomes MIGRATE_ISOLATE: its free blocks move to the ISOLATE
 * lists (and stop counting as free), blocks freed into it later bypass the
 * per-CPU lists and join them, nothing is allocated from it.  Undo gives the
 * free blocks back to a migratetype, merging them with their buddies.
 */

/* A free block larger than a pageblock that covers pfn is split into
 * pageblock-sized blocks, so that one pageblock can change type alone. */
static void split_large_buddy(struct zone *z, unsigned long pfn)
{
	struct mm *m = z->mm;

	for (unsigned o = m->pageblock_order + 1; o <= m->max_order; o++) {
		unsigned long head = pfn & ~((1ul << o) - 1);
		struct page *hp = pfn_to_page(m, head);
		int mt;

		if (!zone_spans_pfn(z, head) || !(hp->flags & PG_buddy) || hp->private != o)
			continue;
		mt = (int)hp->index;
		del_page_from_free_list(hp, z, o);
		for (unsigned long p = head; p < head + (1ul << o); p += m->pageblock_nr_pages)
			add_to_free_list(pfn_to_page(m, p), z, m->pageblock_order, mt, true);
		return;
	}
}

/* has_unmovable_pages(): an allocated page in the pageblock without movable
 * contents; its pfn, or 0 if there is none (pfn 0 itself cannot be the
 * answer of a pageblock starting elsewhere; for pageblock 0 we report 1). */
static unsigned long has_unmovable_pages(struct zone *z, unsigned long start)
{
	struct mm *m = z->mm;

	for (unsigned long pfn = start; pfn < start + m->pageblock_nr_pages;) {
		struct page *p = pfn_to_page(m, pfn);
		unsigned long flags = READ_ONCE(p->flags);

		if (flags & (PG_buddy | PG_pcp)) {
			pfn += 1ul << p->private;
		} else if (p->_refcount > 0) {
			if (!(flags & PG_lru))
				return pfn ? pfn : 1;
			pfn += 1ul << p->private;
		} else {
			pfn++;
		}
	}
	return 0;
}

static int set_migratetype_isolate(struct zone *z, unsigned long start)
{
	unsigned long bad;

	zone_lock(z);
	if (get_pageblock_migratetype(z, start) == MIGRATE_ISOLATE) {
		zone_unlock(z);
		return mm_error(z->mm, EBUSY, "start_isolate_page_range: pageblock at pfn %#lx "
				"is already isolated", start);
	}
	bad = has_unmovable_pages(z, start);
	if (bad) {
		zone_unlock(z);
		return mm_error(z->mm, EBUSY, "start_isolate_page_range: pageblock at pfn %#lx "
				"holds an unmovable page at pfn %#lx", start, bad);
	}
	split_large_buddy(z, start);
	move_freepages_block(z, start, MIGRATE_ISOLATE, NULL);
	set_pageblock_migratetype(z, start, MIGRATE_ISOLATE);
	WRITE_ONCE(z->nr_isolate_pageblock, z->nr_isolate_pageblock + 1);
	zone_unlock(z);
	return 0;
}

static void unset_migratetype_isolate(struct zone *z, unsigned long start, int mt)
{
	struct mm *m = z->mm;

	zone_lock(z);
	if (get_pageblock_migratetype(z, start) != MIGRATE_ISOLATE) {
		zone_unlock(z);
		return;
	}
	set_pageblock_migratetype(z, start, mt);
	WRITE_ONCE(z->nr_isolate_pageblock, z->nr_isolate_pageblock - 1);
	for (unsigned long pfn = start; pfn < start + m->pageblock_nr_pages; pfn++) {
		struct page *p = pfn_to_page(m, pfn);
		unsigned order;

		if (!(p->flags & PG_buddy) || p->index != MIGRATE_ISOLATE)
			continue;
		order = (unsigned)p->private;
		del_page_from_free_list(p, z, order);
		__free_one_page(z, p, pfn, order, mt);
		pfn += (1ul << order) - 1;
	}
	zone_unlock(z);
}

/* Check a pfn range and give its pageblock-aligned bounds and zone. */
static struct zone *isolate_range_zone(struct mm *m, const char *fn, unsigned long *start,
				       unsigned long *end, int mt)
{
	struct zone *z;

	if (*start >= *end || *end > m->nr_pages) {
		mm_error(m, EINVAL, "%s: bad pfn range [%#lx, %#lx) (the machine has %lu page frames)",
			 fn, *start, *end, m->nr_pages);
		return NULL;
	}
	if (mt < 0 || mt >= MIGRATE_PCPTYPES) {
		mm_error(m, EINVAL, "%s: migratetype %d is not Unmovable, Movable or Reclaimable",
			 fn, mt);
		return NULL;
	}
	*start &= ~(m->pageblock_nr_pages - 1);
	*end = (*end + m->pageblock_nr_pages - 1) & ~(m->pageblock_nr_pages - 1);
	z = pfn_zone(m, *start);
	if (*start < z->zone_start_pfn || *end > z->zone_start_pfn + z->spanned_pages) {
		mm_error(m, EINVAL, "%s: pageblocks [%#lx, %#lx) are not inside one zone", fn,
			 *start, *end);
		return NULL;
	}
	return z;
}

int mm_start_isolate_page_range(struct mm *m, unsigned long start_pfn, unsigned long end_pfn,
				int migratetype)
{
	if (!m)
		return -EINVAL;
	struct zone *z = isolate_range_zone(m, "start_isolate_page_range", &start_pfn, &end_pfn,
					    migratetype);
	int ret = 0;

	if (!z)
		return -EINVAL;
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn += m->pageblock_nr_pages) {
		ret = set_migratetype_isolate(z, pfn);
		if (ret) {
			for (unsigned long p = start_pfn; p < pfn; p += m->pageblock_nr_pages)
				unset_migratetype_isolate(z, p, migratetype);
			return ret;
		}
	}
	drain_all_pages(m);     /* per-CPU pages of these blocks join the ISOLATE lists */
	return 0;
}

int mm_undo_isolate_page_range(struct mm *m, unsigned long start_pfn, unsigned long end_pfn,
			       int migratetype)
{
	if (!m)
		return -EINVAL;
	struct zone *z = isolate_range_zone(m, "undo_isolate_page_range", &start_pfn, &end_pfn,
					    migratetype);

	if (!z)
		return -EINVAL;
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn += m->pageblock_nr_pages)
		unset_migratetype_isolate(z, pfn, migratetype);
	return 0;
}

/* 0 when every page of the range is free on the ISOLATE lists, else -EBUSY. */
int mm_test_pages_isolated(struct mm *m, unsigned long start_pfn, unsigned long end_pfn)
{
	if (!m)
		return -EINVAL;
	struct zone *z;
	unsigned long pfn;

	if (start_pfn >= end_pfn || end_pfn > m->nr_pages)
		return mm_error(m, EINVAL, "test_pages_isolated: bad pfn range [%#lx, %#lx)",
				start_pfn, end_pfn);
	z = pfn_zone(m, start_pfn);
	zone_lock(z);
	for (pfn = start_pfn; pfn < end_pfn;) {
		struct page *p = pfn_to_page(m, pfn);

		if (!zone_spans_pfn(z, pfn) || !(p->flags & PG_buddy) ||
		    p->index != MIGRATE_ISOLATE)
			break;
		pfn += 1ul << p->private;
	}
	zone_unlock(z);
	if (pfn < end_pfn)
		return -EBUSY;
	return 0;
}
