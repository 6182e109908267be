// SPDX-License-Identifier: GPL-2.0-only
/*
 * buddy.c - the buddy allocator proper: per-zone free_area[order] lists per
 * migratetype, split (expand, page_del_and_expand) and merge
 * (__free_one_page), pageblock migratetypes, the fallback between
 * migratetypes, the HIGHATOMIC reserve and pageblock isolation
 * (mm/page_alloc.c and mm/page_isolation.c of Linux 6.18; the 6.5 logic
 * stays behind the policy switches of struct mm.pa, each tested where its
 * decision is made).
 *
 * Fallback.  __rmqueue() runs modes in order of fragmentation risk, as
 * 6.15+: NORMAL (__rmqueue_smallest of the requested type), CMA
 * (__rmqueue_cma_fallback: the MIGRATE_CMA lists, for ALLOC_CMA - movable -
 * requests), CLAIM (__rmqueue_claim: from the top
 * order down while should_try_claim_block() allows, try_to_claim_block()
 * counts the pageblock's free and compatible pages first and moves and
 * retypes it only when they reach half of it - else it moves nothing) and
 * STEAL (__rmqueue_steal: the smallest fallback block, split with its
 * remainders left on the fallback type's lists; never with
 * ALLOC_NOFRAGMENT).  rmqueue_bulk() passes the mode from one call to the
 * next, so a refill does not search again what it found empty.  Without
 * pa_claim_steal the CLAIM step is __rmqueue_fallback() of 4.13-6.14: the
 * largest fallback block (the smallest for MOVABLE requests that could not
 * claim) - in 6.5 with every free block of its pageblock moved to the
 * requester's lists before the half-a-pageblock test, with freelist hygiene
 * (6.10-6.14) counted first and split on its own type's lists when not
 * claimed.
 *
 * CMA.  Before the modes, the balancing rule of cma_balance= (6.18's
 * __rmqueue: CMA first when free CMA pages are more than half of the
 * zone's free pages; "fallback": never first, the rule before 5.7;
 * "first": always) for ALLOC_CMA requests of a zone with free CMA pages.
 * CMA pageblocks are not mergeable: never claimed, stolen, reserved as
 * HIGHATOMIC, nor merged with other types' blocks at >= pageblock_order.
 * nr_free_cma counts the pages on the CMA lists (NR_FREE_CMA_PAGES, inside
 * NR_FREE_PAGES); nocma_unusable = the HIGHATOMIC term + nr_free_cma, the
 * fast path's one load.  init_cma_reserved_pageblock() types an area's
 * pageblocks at boot (cma.c).  Isolation for alloc_contig_range
 * (start_isolate_page_range, ISOLATE_MODE_CMA) takes CMA pageblocks
 * whatever they hold; test_pages_isolated() and find_large_buddy() serve
 * contig.c.
 *
 * Freelist hygiene (pa_freelist_hygiene, 6.10+).  Every free block sits on
 * the list of its pageblock's type (get_pageblock_migratetype(): Isolate
 * while the pageblock is isolated, else its migratetype bits):
 * merging at >= pageblock_order retypes the buddy's pageblocks to the
 * freeing block's type ("match buddy type"), per-CPU pages return to the
 * buddy under their pageblock's type as it is at drain time, and a free
 * above pageblock_order goes back one pageblock at a time
 * (split_large_buddy()).  6.5 merged without retyping and drained under the
 * type cached when the page reached the per-CPU list, so blocks could sit
 * on another type's list.
 *
 * HIGHATOMIC.  After a high-order ALLOC_HIGHATOMIC allocation its pageblock
 * is reserved, up to ALIGN(managed / 100, pageblock_nr_pages) pages and
 * none when 1% of the zone is less than a pageblock (pa_highatomic_cap,
 * 6.8; 6.5: managed / 100 + a pageblock).  nr_free_highatomic counts the
 * pages on the HIGHATOMIC lists (the watermark check's subtraction,
 * pa_highatomic_free).  unreserve_highatomic_pageblock() gives one back.
 *
 * Compaction (compaction.c) reaches in at two points: __free_one_page()
 * hands a block of the order a direct compactor of this zone waits for
 * straight to it (compaction_capture(), the thread's capture_control), and
 * __isolate_free_page() takes free blocks for its free scanner, retyping
 * with move_freepages_block() under freelist hygiene.  Its skip hints are
 * a bit of the pageblock byte (internal.h).
 *
 * Invariants (checked by validate.c), all under zone->lock:
 *   - a free block of order o starts at a PFN aligned to 2^o, lies in one
 *     zone, has PG_buddy, private == o, index == the migratetype of the
 *     list it is on; the pages inside it have no flags;
 *   - with freelist hygiene, that list is its pageblocks' type (all of
 *     them for a block above pageblock_order); in any case Isolate lists
 *     hold exactly the free blocks of isolated pageblocks;
 *   - free_area[o].nr_free == sum(nr_free_mt[]) == blocks on its lists;
 *   - nr_free_pages == pages on every list but ISOLATE; nr_free_highatomic
 *     == pages on the HIGHATOMIC lists, nr_free_cma on the CMA lists;
 *   - nr_reserved_highatomic == pageblocks typed HIGHATOMIC * their size.
 * Merging: buddy PFN = pfn ^ (1 << order); never across the zone's span,
 * and never at >= pageblock_order between an unmergeable type (HIGHATOMIC,
 * CMA, ISOLATE) and another type.
 *
 * A block leaving the lists for a caller passes expand(), which calls
 * prefault_pageblock(): with prefault=pageblock the first one out of a
 * pageblock populates it (machine.c), under zone->lock.  The two ways
 * compaction takes blocks without expand() call it too: a capture in
 * __free_one_page() (compaction_capture(); a block above pageblock_order
 * can reach into a pageblock nothing was handed out of) and the free
 * scanner's __isolate_free_page() (whose pageblocks, never wholly free,
 * are populated already - the call keeps the rule without exception).
 *
 * Locking: every function here expects zone->lock held, except
 * free_one_page(), rmqueue_buddy(), the highatomic functions and the
 * isolation entry points, which take it; they are named and commented so.
 */
#include "internal.h"

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

/* fallbacks[requested][i]: where to look when the requested list is empty */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/* ---- free list primitives (zone->lock held) ----------------------------- */

/* NR_FREE_PAGES and nr_free_highatomic follow every block that joins or
 * leaves a list (account_freepages() of 6.10+).  NR_FREE_PAGES_BLOCKS is
 * summed from the per-list counts when it is read (mm_zone_info). */
static __noinline void account_freepages_special(struct zone *z, long nr, int mt)
{
	if (mt == MIGRATE_ISOLATE)
		return;
	WRITE_ONCE(z->nr_free_pages, z->nr_free_pages + nr);
	if (mt == MIGRATE_CMA)
		WRITE_ONCE(z->nr_free_cma, z->nr_free_cma + nr);
	else
		WRITE_ONCE(z->nr_free_highatomic, z->nr_free_highatomic + nr);
	zone_update_unusable(z);
}

static inline void account_freepages(struct zone *z, long nr, int mt)
{
	if (likely(mt < MIGRATE_HIGHATOMIC)) {
		WRITE_ONCE(z->nr_free_pages, z->nr_free_pages + nr);
		return;
	}
	account_freepages_special(z, nr, mt);
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

/* The migratetype bits of a pageblock; an isolated one stays isolated. */
static void set_pageblock_migratetype(struct zone *z, unsigned long pfn, int mt)
{
	int eff = get_pageblock_migratetype(z, pfn) == MIGRATE_ISOLATE ? MIGRATE_ISOLATE : mt;

	__set_pageblock_bits(z, pfn, PB_TYPE_BITS | PB_EFFECTIVE,
			     (unsigned)mt << PB_MT_SHIFT | (unsigned)eff);
}

/* change_pageblock_range(): every pageblock of the order-`order` block at pfn. */
static void change_pageblock_range(struct zone *z, unsigned long pfn, unsigned order, int mt)
{
	unsigned long n = 1ul << order;

	for (unsigned long p = pfn; p < pfn + n; p += z->mm->pageblock_nr_pages)
		set_pageblock_migratetype(z, p, mt);
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
	struct capture_control *capc = current_capc;
	unsigned long buddy_pfn = pfn;
	bool to_tail;

	lockdep_assert_zone_held(z);
	MM_BUG_ON(1, m, order > m->max_order || (pfn & ((1ul << order) - 1)) ||
		  !zone_spans_pfn(z, pfn) || page != pfn_to_page(m, pfn));
	MM_BUG_ON(1, m, READ_ONCE(page->flags) & PG_buddy);
	WRITE_ONCE(page->flags, 0ul);
	while (order < m->max_order) {
		struct page *buddy;
		unsigned long combined;

		/* compaction_capture(): the direct compactor of this zone takes
		 * the block it waits for before it joins the lists */
		if (unlikely(capc) && compaction_capture(capc, z, page, order, mt))
			return;
		buddy = find_buddy_page_pfn(z, pfn, order, &buddy_pfn);

		if (!buddy)
			break;
		if (unlikely(order >= z->pageblock_order)) {
			int buddy_mt = get_pageblock_migratetype(z, buddy_pfn);

			if (mt != buddy_mt) {
				if (!migratetype_is_mergeable(mt) ||
				    !migratetype_is_mergeable(buddy_mt))
					break;
				/* Match buddy type, so that an expand() later
				 * puts the halves on their pageblocks' lists.
				 * (The kernel retypes the buddy's first
				 * pageblock; a buddy above pageblock_order,
				 * possible with max_page_order >
				 * pageblock_order + 1, has more.) */
				if (m->pa & PA_FREELIST_HYGIENE)
					change_pageblock_range(z, buddy_pfn, order, mt);
			}
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

/* The calling thread's direct compaction in progress (compaction.c sets
 * it around compact_zone(), like current->capture_control). */
__thread struct capture_control *current_capc __attribute__((tls_model("initial-exec")));

/* Takes zone->lock: __free_pages_ok() for blocks that bypass the pcp.  With
 * freelist hygiene a block above pageblock_order goes back a pageblock at a
 * time, each under its own pageblock's type (split_large_buddy()); 6.5 read
 * the first pageblock's type for the whole block. */
static __noinline void split_large_buddy(struct zone *z, unsigned long pfn, unsigned order)
{
	unsigned long end = pfn + (1ul << order);

	for (; pfn < end; pfn += 1ul << z->pageblock_order)
		__free_one_page(z, pfn_to_page(z->mm, pfn), pfn, z->pageblock_order,
				get_pageblock_migratetype(z, pfn));
}

void free_one_page(struct zone *z, unsigned long pfn, unsigned order)
{
	zone_lock(z);
	if (likely(order <= z->pageblock_order) || !(z->mm->pa & PA_FREELIST_HYGIENE))
		__free_one_page(z, pfn_to_page(z->mm, pfn), pfn, order,
				get_pageblock_migratetype(z, pfn));
	else
		split_large_buddy(z, pfn, order);
	zone_unlock(z);
}

/* ---- allocate ---------------------------------------------------------- */

/* Split an order-high block down to order-low; the upper halves go back on
 * mt's lists, the caller keeps the lowest 2^low pages.  Every block handed
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

/* Take an order-high free block off its list and keep its first 2^low pages. */
static void page_del_and_expand(struct zone *z, struct page *page, unsigned low,
				unsigned high, int mt)
{
	del_page_from_free_list(page, z, high);
	expand(z, page, low, high, mt);
}

static struct page *__rmqueue_smallest(struct zone *z, unsigned order, int mt)
{
	for (unsigned o = order; o < z->mm->nr_orders; o++) {
		struct page *page = get_page_from_free_area(&z->free_area[o], mt);

		if (!page)
			continue;
		page_del_and_expand(z, page, order, o, mt);
		page->index = (unsigned long)mt;   /* set_pcppage_migratetype */
		return page;
	}
	return NULL;
}

/* ---- moving a pageblock's free pages ------------------------------------- */

/* prep_move_freepages_block(): the first pfn of the pageblock holding pfn,
 * if the whole pageblock lies in the zone; with num_free, its free pages and
 * its allocated pages that could be migrated (PageLRU: movable contents). */
static bool prep_move_freepages_block(struct zone *z, unsigned long pfn, unsigned long *start,
				      unsigned long *num_free, unsigned long *num_movable)
{
	struct mm *m = z->mm;
	unsigned long end;

	*start = pfn & ~(m->pageblock_nr_pages - 1);
	end = *start + m->pageblock_nr_pages;
	if (!zone_spans_pfn(z, *start) || !zone_spans_pfn(z, end - 1))
		return false;
	if (!num_free)
		return true;
	*num_free = *num_movable = 0;
	for (pfn = *start; pfn < end;) {
		struct page *page = pfn_to_page(m, pfn);

		if (READ_ONCE(page->flags) & PG_buddy) {
			*num_free += 1ul << page->private;
			pfn += 1ul << page->private;
			continue;
		}
		/* PageLRU() of a tail page asks its head */
		if (READ_ONCE(compound_head(page)->flags) & PG_lru)
			(*num_movable)++;
		pfn++;
	}
	return true;
}

/* __move_freepages_block(): every free block of the pageblock at start onto
 * mt's lists; the pages moved. */
static unsigned long __move_freepages_block(struct zone *z, unsigned long start, int mt)
{
	struct mm *m = z->mm;
	unsigned long moved = 0;

	for (unsigned long pfn = start; pfn < start + m->pageblock_nr_pages;) {
		struct page *page = pfn_to_page(m, pfn);
		unsigned order;

		if (!(READ_ONCE(page->flags) & PG_buddy)) {
			pfn++;
			continue;
		}
		order = (unsigned)page->private;
		move_to_free_list(page, z, order, mt);
		pfn += 1ul << order;
		moved += 1ul << order;
	}
	return moved;
}

/* move_freepages_block(): retype the pageblock holding pfn to mt and move
 * its free blocks there; the pages moved, -1 if it straddles the zone. */
static long move_freepages_block(struct zone *z, unsigned long pfn, int mt)
{
	unsigned long start, moved;

	if (!prep_move_freepages_block(z, pfn, &start, NULL, NULL))
		return -1;
	moved = __move_freepages_block(z, start, mt);
	set_pageblock_migratetype(z, start, mt);
	return (long)moved;
}

/* ---- fallback: claim, then steal (6.15+) ---------------------------------- */

/* should_try_claim_block() (6.5: can_steal_fallback()): is it worth
 * claiming the whole pageblock of a fallback block of this order?  Always
 * for large blocks and for unmovable/reclaimable requests, which would
 * otherwise pollute it; movable requests only steal small blocks. */
static bool should_try_claim_block(const struct mm *m, unsigned order, int start_mt)
{
	return order >= m->pageblock_order || order >= m->pageblock_order / 2 ||
	       start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE ||
	       m->page_group_by_mobility_disabled;
}

/* find_suitable_fallback(): the first fallback type with a free block of
 * this order; -1 if none, -2 when claimable and claiming is not worth it
 * at this order (the claim's downward search stops there). */
int find_suitable_fallback(struct zone *z, unsigned order, int mt, bool claimable)
{
	struct free_area *area = &z->free_area[order];

	if (claimable && !should_try_claim_block(z->mm, order, mt))
		return -2;
	if (!area->nr_free)
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++)
		if (!list_empty(&area->free_list[fallbacks[mt][i]]))
			return fallbacks[mt][i];
	return -1;
}

/* How many allocated pages of a pageblock of block_mt suit start_mt: for
 * movable requests the movable ones; unmovable/reclaimable requests count
 * every non-movable page of a MOVABLE pageblock, and none of the other
 * non-movable type (they cannot be told apart). */
static unsigned long alike_pages(const struct mm *m, int start_mt, int block_mt,
				 unsigned long free, unsigned long movable)
{
	if (start_mt == MIGRATE_MOVABLE)
		return movable;
	if (block_mt == MIGRATE_MOVABLE)
		return m->pageblock_nr_pages - (free + movable);
	return 0;
}

/* try_to_claim_block(): take the fallback block's pageblock(s) for
 * start_mt - all of them for a block >= pageblock_order, else only when
 * free + compatible pages reach half a pageblock, counted before anything
 * moves.  The page for the request, or NULL with nothing changed. */
static struct page *try_to_claim_block(struct zone *z, struct page *page, unsigned cur,
				       unsigned order, int start_mt, int block_mt,
				       struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	unsigned long pfn = page_to_pfn(m, page), start, free, movable;

	if (cur >= m->pageblock_order) {
		del_page_from_free_list(page, z, cur);
		change_pageblock_range(z, pfn, cur, start_mt);
		expand(z, page, order, cur, start_mt);
		count_vm_events(cpu, PGALLOC_EXTFRAG_CLAIMED, 1);
		return page;
	}
	if (!prep_move_freepages_block(z, pfn, &start, &free, &movable))
		return NULL;
	if (free + alike_pages(m, start_mt, block_mt, free, movable) < m->pageblock_nr_pages / 2 &&
	    !m->page_group_by_mobility_disabled)
		return NULL;
	__move_freepages_block(z, start, start_mt);
	set_pageblock_migratetype(z, start, start_mt);
	count_vm_events(cpu, PGALLOC_EXTFRAG_CLAIMED, 1);
	return __rmqueue_smallest(z, order, start_mt);
}

/* __rmqueue_claim(): the largest fallback block whose pageblock can be
 * claimed (from the top order down; only whole pageblocks with
 * ALLOC_NOFRAGMENT).  It approximates "the pageblock with the most free
 * pages". */
static struct page *__rmqueue_claim(struct zone *z, unsigned order, int start_mt,
				    unsigned alloc_flags, struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	int min_order = (int)order;

	if (order < m->pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = (int)m->pageblock_order;
	for (int cur = (int)m->max_order; cur >= min_order; cur--) {
		int fmt = find_suitable_fallback(z, (unsigned)cur, start_mt, true);
		struct page *page;

		if (fmt == -1)
			continue;
		if (fmt == -2)          /* too small to be worth claiming */
			break;
		page = get_page_from_free_area(&z->free_area[cur], fmt);
		page = try_to_claim_block(z, page, (unsigned)cur, order, start_mt, fmt, cpu);
		if (page) {
			count_vm_events(cpu, PGALLOC_EXTFRAG, 1);
			return page;
		}
	}
	return NULL;
}

/* __rmqueue_steal(): one block of another type, the smallest there is,
 * split on the fallback type's lists: its pageblock keeps its type. */
static struct page *__rmqueue_steal(struct zone *z, unsigned order, int start_mt,
				    struct mm_cpu *cpu)
{
	for (unsigned cur = order; cur < z->mm->nr_orders; cur++) {
		int fmt = find_suitable_fallback(z, cur, start_mt, false);
		struct page *page;

		if (fmt < 0)
			continue;
		page = get_page_from_free_area(&z->free_area[cur], fmt);
		page_del_and_expand(z, page, order, cur, fmt);
		page->index = (unsigned long)fmt;
		count_vm_events(cpu, PGALLOC_EXTFRAG, 1);
		return page;
	}
	return NULL;
}

/* ---- fallback before 6.15 (without pa_claim_steal) ------------------------ */

/* steal_suitable_fallback(): the found block's pageblock becomes start_mt's
 * when the block is >= pageblock_order, or half of the pageblock is free
 * or compatible (whole_block: only when should_try_claim_block() said so).
 * 6.5 moved every free block of the pageblock to start_mt's lists before
 * that test and left them there when it failed (or moved just the found
 * block, not claiming at all); with freelist hygiene (6.10-6.14) it counts
 * first, and a block it does not claim is split on its own type's lists.
 * Returns the page for the request. */
static struct page *steal_suitable_fallback(struct zone *z, struct page *page, unsigned cur,
					    unsigned order, int start_mt, bool whole_block,
					    struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	unsigned long pfn = page_to_pfn(m, page), start, free, movable;
	int old_mt = get_pageblock_migratetype(z, pfn);
	bool hygiene = m->pa & PA_FREELIST_HYGIENE;

	if (old_mt == MIGRATE_HIGHATOMIC)
		goto single_page;
	if (cur >= m->pageblock_order) {
		change_pageblock_range(z, pfn, cur, start_mt);
		count_vm_events(cpu, PGALLOC_EXTFRAG_CLAIMED, 1);
		move_to_free_list(page, z, cur, start_mt);
		return __rmqueue_smallest(z, order, start_mt);
	}
	if (!whole_block || !prep_move_freepages_block(z, pfn, &start, &free, &movable))
		goto single_page;
	if (!hygiene)
		free = __move_freepages_block(z, start, start_mt);
	if (free + alike_pages(m, start_mt, old_mt, free, movable) >= m->pageblock_nr_pages / 2 ||
	    m->page_group_by_mobility_disabled) {
		if (hygiene)
			__move_freepages_block(z, start, start_mt);
		set_pageblock_migratetype(z, pfn, start_mt);
		count_vm_events(cpu, PGALLOC_EXTFRAG_CLAIMED, 1);
	}
	if (!hygiene)
		return __rmqueue_smallest(z, order, start_mt);
	if (get_pageblock_migratetype(z, pfn) == start_mt)
		return __rmqueue_smallest(z, order, start_mt);
single_page:
	if (hygiene) {
		page_del_and_expand(z, page, order, cur, old_mt);
		page->index = (unsigned long)old_mt;
		return page;
	}
	move_to_free_list(page, z, cur, start_mt);
	return __rmqueue_smallest(z, order, start_mt);
}

/* __rmqueue_fallback() (4.13-6.14): the largest fallback block - for a
 * movable request that may not claim it, the smallest instead - stolen by
 * steal_suitable_fallback().  ALLOC_NOFRAGMENT only takes whole pageblocks. */
static struct page *__rmqueue_fallback(struct zone *z, unsigned order, int start_mt,
				       unsigned alloc_flags, struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	int cur, fmt = -1, min_order = (int)order;

	if (order < m->pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = (int)m->pageblock_order;
	for (cur = (int)m->max_order; cur >= min_order; cur--) {
		fmt = find_suitable_fallback(z, (unsigned)cur, start_mt, false);
		if (fmt < 0)
			continue;
		if (!should_try_claim_block(m, (unsigned)cur, start_mt) &&
		    start_mt == MIGRATE_MOVABLE && cur > (int)order) {
			for (cur = (int)order; cur <= (int)m->max_order; cur++) {
				fmt = find_suitable_fallback(z, (unsigned)cur, start_mt, false);
				if (fmt >= 0)
					break;
			}
		}
		break;
	}
	if (fmt < 0)
		return NULL;
	count_vm_events(cpu, PGALLOC_EXTFRAG, 1);
	return steal_suitable_fallback(z, get_page_from_free_area(&z->free_area[cur], fmt),
				       (unsigned)cur, order, start_mt,
				       should_try_claim_block(m, (unsigned)cur, start_mt), cpu);
}

/* ---- __rmqueue ------------------------------------------------------------- */

/* The modes after RMQUEUE_NORMAL, or all of them after a refill that
 * ended in one of them (each falls through to the next). */
static __noinline struct page *rmqueue_fallback_modes(struct zone *z, unsigned order, int mt,
						      unsigned alloc_flags,
						      enum rmqueue_mode *mode, struct mm_cpu *cpu)
{
	struct page *page;

	switch (*mode) {
	case RMQUEUE_NORMAL:            /* its lists were empty */
		/* fall through */
	case RMQUEUE_CMA:               /* __rmqueue_cma_fallback() */
		if (alloc_flags & ALLOC_CMA) {
			page = __rmqueue_smallest(z, order, MIGRATE_CMA);
			if (page) {
				*mode = RMQUEUE_CMA;
				return page;
			}
		}
		/* fall through */
	case RMQUEUE_CLAIM:
		if (!(z->mm->pa & PA_CLAIM_STEAL))
			return __rmqueue_fallback(z, order, mt, alloc_flags, cpu);
		page = __rmqueue_claim(z, order, mt, alloc_flags, cpu);
		if (page) {
			*mode = RMQUEUE_NORMAL;    /* the preferred lists are full again */
			return page;
		}
		/* fall through */
	case RMQUEUE_STEAL:
		if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
			page = __rmqueue_steal(z, order, mt, cpu);
			if (page) {
				*mode = RMQUEUE_STEAL;
				return page;
			}
		}
	}
	return NULL;
}

/* The CMA balancing rule at the top of __rmqueue() (cma_balance=): may an
 * ALLOC_CMA request take CMA pages before its own lists?  half (5.7+):
 * when free CMA pages are more than half of the zone's free pages. */
static __noinline struct page *rmqueue_cma_first(struct zone *z, unsigned order)
{
	switch (z->mm->cfg.cma_balance) {
	case CMA_BALANCE_HALF:
		if (z->nr_free_cma <= z->nr_free_pages / 2)
			return NULL;
		break;
	case CMA_BALANCE_FALLBACK:
		return NULL;
	}
	return __rmqueue_smallest(z, order, MIGRATE_CMA);
}

/* zone->lock held.  One block of the requested order, the cheapest way
 * first; *mode remembers where the last call found one (rmqueue_bulk()
 * keeps it across a refill, everyone else starts at RMQUEUE_NORMAL).
 * The requested type's own lists are tried inline; a zone without free
 * CMA pages pays one test for the balancing rule. */
static inline struct page *rmqueue_modes(struct zone *z, unsigned order, int mt,
					 unsigned alloc_flags, enum rmqueue_mode *mode,
					 struct mm_cpu *cpu)
{
	if (unlikely(z->nr_free_cma) && (alloc_flags & ALLOC_CMA)) {
		struct page *page = rmqueue_cma_first(z, order);

		if (page)
			return page;
	}
	if (likely(*mode == RMQUEUE_NORMAL)) {
		struct page *page = __rmqueue_smallest(z, order, mt);

		if (likely(page))
			return page;
	}
	return rmqueue_fallback_modes(z, order, mt, alloc_flags, mode, cpu);
}

struct page *__rmqueue(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
		       enum rmqueue_mode *mode, struct mm_cpu *cpu)
{
	lockdep_assert_zone_held(z);
	return rmqueue_modes(z, order, mt, alloc_flags, mode, cpu);
}

/* Takes zone->lock: one block straight from the buddy lists.  ALLOC_HIGHATOMIC
 * requests try the reserve first; when everything else fails, OOM victims -
 * and with pa_highatomic_order0 any request that cannot block - take it. */
struct page *rmqueue_buddy(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
			   struct mm_cpu *cpu)
{
	unsigned last_resort = ALLOC_OOM |
			       ((z->mm->pa & PA_HIGHATOMIC_ORDER0) ? ALLOC_NON_BLOCK : 0);
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	struct page *page = NULL;

	zone_lock(z);
	if (alloc_flags & ALLOC_HIGHATOMIC)
		page = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	if (!page) {
		page = rmqueue_modes(z, order, mt, alloc_flags, &mode, cpu);
		if (!page && (alloc_flags & last_resort))
			page = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	}
	zone_unlock(z);
	return page;
}

/* ---- the HIGHATOMIC reserve ---------------------------------------------- */

/* The most a zone may reserve: ALIGN(managed / 100, pageblock) and nothing
 * when 1% of it is under a pageblock (6.8+); 6.5: managed / 100 + one
 * pageblock, checked before adding. */
static unsigned long highatomic_max(const struct zone *z)
{
	const struct mm *m = z->mm;
	unsigned long pct = z->managed_pages / 100;

	if (!(m->pa & PA_HIGHATOMIC_CAP))
		return pct + m->pageblock_nr_pages;
	if (pct < m->pageblock_nr_pages)
		return 0;
	return (pct + m->pageblock_nr_pages - 1) & ~(m->pageblock_nr_pages - 1);
}

/* Takes zone->lock.  After a high-order atomic allocation, reserve its
 * pageblock (the whole range for a block >= pageblock_order) for later ones. */
void reserve_highatomic_pageblock(struct zone *z, struct page *page, unsigned order,
				  struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	unsigned long max_managed = highatomic_max(z), pfn = page_to_pfn(m, page);
	int mt;

	if (READ_ONCE(z->nr_reserved_highatomic) >= max_managed)
		return;
	zone_lock(z);
	if (z->nr_reserved_highatomic >= max_managed)
		goto out;
	mt = get_pageblock_migratetype(z, pfn);
	if (!migratetype_is_mergeable(mt))
		goto out;
	if (order >= m->pageblock_order && (m->pa & PA_FREELIST_HYGIENE)) {
		change_pageblock_range(z, pfn, order, MIGRATE_HIGHATOMIC);
		WRITE_ONCE(z->nr_reserved_highatomic, z->nr_reserved_highatomic + (1ul << order));
		zone_update_unusable(z);
	} else {
		if (move_freepages_block(z, pfn, MIGRATE_HIGHATOMIC) < 0 &&
		    (m->pa & PA_FREELIST_HYGIENE))
			goto out;
		set_pageblock_migratetype(z, pfn, MIGRATE_HIGHATOMIC);
		WRITE_ONCE(z->nr_reserved_highatomic,
			   z->nr_reserved_highatomic + m->pageblock_nr_pages);
		zone_update_unusable(z);
	}
	count_vm_events(cpu, HIGHATOMIC_RESERVE, 1);
out:
	zone_unlock(z);
}

/* Give back the reserved pageblock of the first free HIGHATOMIC block of
 * one zone, typed mt; zone->lock held.  6.5 decremented only when the
 * block's pageblock still was HIGHATOMIC (drained per-CPU pages could sit
 * on the HIGHATOMIC lists elsewhere). */
static bool __unreserve_one(struct zone *z, int mt)
{
	struct mm *m = z->mm;

	for (unsigned o = 0; o < m->nr_orders; o++) {
		struct page *page = get_page_from_free_area(&z->free_area[o], MIGRATE_HIGHATOMIC);
		unsigned long pfn, size = m->pageblock_nr_pages;

		if (!page)
			continue;
		pfn = page_to_pfn(m, page);
		if (m->pa & PA_FREELIST_HYGIENE) {
			if (o > m->pageblock_order)
				size = 1ul << o;
		} else if (get_pageblock_migratetype(z, pfn) != MIGRATE_HIGHATOMIC) {
			size = 0;
		}
		if (size > z->nr_reserved_highatomic)
			size = z->nr_reserved_highatomic;
		WRITE_ONCE(z->nr_reserved_highatomic, z->nr_reserved_highatomic - size);
		zone_update_unusable(z);
		if (o >= m->pageblock_order && (m->pa & PA_FREELIST_HYGIENE)) {
			move_to_free_list(page, z, o, mt);
			change_pageblock_range(z, pfn, o, mt);
			return true;
		}
		if (move_freepages_block(z, pfn, mt) > 0)
			return true;
	}
	return false;
}

/* Takes each zone's lock.  Give a reserved pageblock back to mt when an
 * allocation is about to fail; unless force, keep one pageblock per zone. */
bool unreserve_highatomic_pageblock(struct mm *m, struct zone **zonelist,
				    int highest_zoneidx, int mt, bool force,
				    struct mm_cpu *cpu)
{
	for (struct zone **zp = zonelist; *zp; zp++) {
		struct zone *z = *zp;
		bool done;

		if (z->idx > highest_zoneidx)
			continue;
		if (!force && READ_ONCE(z->nr_reserved_highatomic) <= m->pageblock_nr_pages)
			continue;
		zone_lock(z);
		done = __unreserve_one(z, mt);
		zone_unlock(z);
		if (done) {
			count_vm_events(cpu, HIGHATOMIC_UNRESERVE, 1);
			return true;
		}
	}
	return false;
}

/* __isolate_free_page(): take a free block off the lists for compaction's
 * free scanner, unless that would leave the zone below its min watermark
 * (an order-0 check with 2^order more).  A block of half a pageblock or
 * more makes its mergeable pageblocks MOVABLE: with freelist hygiene
 * (6.10+) move_freepages_block(), so the pageblocks' other free blocks
 * follow to the MOVABLE lists; 6.5 only retyped them.  zone->lock held.
 * Returns the pages taken (0: refused); the block keeps private = order,
 * no flags. */
unsigned long __isolate_free_page(struct zone *z, struct page *page, unsigned order)
{
	struct mm *m = z->mm;
	int mt = (int)page->index;

	lockdep_assert_zone_held(z);
	if (mt != MIGRATE_ISOLATE &&
	    !__zone_watermark_ok(z, 0, z->_watermark[WMARK_MIN] + (1ul << order), 0, ALLOC_CMA,
				 (long)zone_free_pages(z)))
		return 0;
	del_page_from_free_list(page, z, order);
	prefault_pageblock(m, page_to_pfn(m, page), order);
	WRITE_ONCE(page->private, (unsigned long)order);
	if (order + 1 >= m->pageblock_order) {
		unsigned long pfn = page_to_pfn(m, page), end = pfn + (1ul << order);

		for (; pfn < end; pfn += m->pageblock_nr_pages) {
			if (!migratetype_is_mergeable(get_pageblock_migratetype(z, pfn)))
				continue;
			if (m->pa & PA_FREELIST_HYGIENE)
				move_freepages_block(z, pfn, MIGRATE_MOVABLE);
			else
				set_pageblock_migratetype(z, pfn, MIGRATE_MOVABLE);
		}
	}
	return 1ul << order;
}

/* ---- page isolation (mm/page_isolation.c) -------------------------------
 * A pageblock is marked isolated (6.16+: a bit of its own, so the
 * migratetype bits stay): its free blocks move to the ISOLATE lists (and
 * stop counting as free), blocks freed into it later bypass the per-CPU
 * lists and join them, nothing is allocated from it.  Undo clears the bit,
 * so the pageblock has its old type back (or the one the caller names),
 * and re-frees the free blocks so they merge with their buddies.
 */

/* A free block larger than a pageblock that covers pfn is split into
 * pageblock-sized blocks, so that one pageblock can change lists alone
 * (only_isolated: only a block on the ISOLATE lists - undo leaves a block
 * of other lists whole, as the kernel's unset_migratetype_isolate does). */
static void isolate_split_buddy(struct zone *z, unsigned long pfn, bool only_isolated)
{
	struct mm *m = z->mm;

	for (unsigned o = m->pageblock_order + 1; o <= m->max_order; o++) {
		unsigned long head = pfn & ~((1ul << o) - 1);
		struct page *hp = pfn_to_page(m, head);
		int mt;

		/* a page on a per-CPU list of a CPU that has not drained yet
		 * may be changing: only PG_buddy (zone->lock) decides */
		if (!zone_spans_pfn(z, head) || !(READ_ONCE(hp->flags) & PG_buddy) ||
		    READ_ONCE(hp->private) != o)
			continue;
		mt = (int)hp->index;
		if (only_isolated && mt != MIGRATE_ISOLATE)
			return;
		del_page_from_free_list(hp, z, o);
		for (unsigned long p = head; p < head + (1ul << o); p += m->pageblock_nr_pages)
			add_to_free_list(pfn_to_page(m, p), z, m->pageblock_order, mt, true);
		return;
	}
}

/* has_unmovable_pages(): an allocated block of the pageblock at start that
 * overlaps [from, to) and has no movable contents; its pfn, or 0 if there
 * is none (pfn 0 itself cannot be the answer of a pageblock starting
 * elsewhere; for pageblock 0 we report 1).  A CMA pageblock isolated for
 * a CMA allocation (ISOLATE_MODE_CMA, PB_ISOLATE_MODE_CMA_ALLOC) counts as
 * movable whatever it holds: alloc_contig_range finds out later. */
static unsigned long has_unmovable_pages(struct zone *z, unsigned long start, unsigned long from,
					 unsigned long to, int mode)
{
	struct mm *m = z->mm;

	if (mode == ISOLATE_MODE_CMA && get_pageblock_migratetype(z, start) == MIGRATE_CMA)
		return 0;
	for (unsigned long pfn = start; pfn < start + m->pageblock_nr_pages && pfn < to;) {
		struct page *p = pfn_to_page(m, pfn);
		unsigned long flags = READ_ONCE(p->flags);

		if (flags & (PG_buddy | PG_pcp)) {
			pfn += 1ul << p->private;
		} else if (p->_refcount > 0) {
			if (!(flags & PG_lru) && pfn + (1ul << p->private) > from)
				return pfn ? pfn : 1;
			pfn += 1ul << p->private;
		} else {
			pfn++;
		}
	}
	return 0;
}

/* 0, or -EBUSY with *bad = the first pfn that stops it. */
static int set_migratetype_isolate(struct zone *z, unsigned long start, unsigned long from,
				   unsigned long to, int mode, unsigned long *bad)
{
	zone_lock(z);
	*bad = 0;
	if (get_pageblock_migratetype(z, start) == MIGRATE_ISOLATE) {
		zone_unlock(z);
		*bad = start;
		return -EBUSY;
	}
	*bad = has_unmovable_pages(z, start, from, to, mode);
	if (*bad) {
		zone_unlock(z);
		return -EBUSY;
	}
	isolate_split_buddy(z, start, false);
	__move_freepages_block(z, start, MIGRATE_ISOLATE);
	__set_pageblock_bits(z, start, PB_EFFECTIVE, MIGRATE_ISOLATE);
	WRITE_ONCE(z->nr_isolate_pageblock, z->nr_isolate_pageblock + 1);
	zone_unlock(z);
	return 0;
}

/* mt < 0: the pageblock's own type comes back (6.16+); else it becomes mt,
 * as callers of the older undo_isolate_page_range() asked.  Free blocks of
 * two isolated pageblocks merge; a block above pageblock_order covering
 * this one is split first (__move_freepages_block_isolate's "tail block in
 * a larger buddy"), its other pageblocks' parts staying isolated. */
static void unset_migratetype_isolate(struct zone *z, unsigned long start, int mt)
{
	struct mm *m = z->mm;

	zone_lock(z);
	if (get_pageblock_migratetype(z, start) != MIGRATE_ISOLATE) {
		zone_unlock(z);
		return;
	}
	isolate_split_buddy(z, start, true);
	__set_pageblock_bits(z, start, PB_EFFECTIVE, (unsigned)get_pageblock_type_bits(z, start));
	if (mt >= 0)
		set_pageblock_migratetype(z, start, mt);
	mt = get_pageblock_migratetype(z, start);
	WRITE_ONCE(z->nr_isolate_pageblock, z->nr_isolate_pageblock - 1);
	for (unsigned long pfn = start; pfn < start + m->pageblock_nr_pages; pfn++) {
		struct page *p = pfn_to_page(m, pfn);
		unsigned order;

		if (!(READ_ONCE(p->flags) & PG_buddy) || p->index != MIGRATE_ISOLATE)
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
	if (mt < -1 || mt >= MIGRATE_PCPTYPES) {
		mm_error(m, EINVAL, "%s: migratetype %d is not Unmovable, Movable or Reclaimable "
			 "(or -1: the pageblocks' own)", fn, mt);
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

/* start_isolate_page_range() for the callers inside libmm: [start, end)
 * in one zone, any alignment (the pageblocks covering it are isolated; only
 * pages inside the range are checked); 0, or -EBUSY with *bad = the pfn
 * that stopped it (the pageblocks isolated by then are undone).  Nothing
 * is logged, nothing drained (alloc_contig_range drains next). */
int start_isolate_page_range(struct mm *m, unsigned long start, unsigned long end, int mode,
			     unsigned long *bad)
{
	struct zone *z = pfn_zone(m, start);
	unsigned long first = start & ~(m->pageblock_nr_pages - 1);

	for (unsigned long pfn = first; pfn < end; pfn += m->pageblock_nr_pages) {
		int ret = set_migratetype_isolate(z, pfn, start, end, mode, bad);

		if (ret) {
			for (unsigned long p = first; p < pfn; p += m->pageblock_nr_pages)
				unset_migratetype_isolate(z, p, -1);
			return ret;
		}
	}
	return 0;
}

void undo_isolate_page_range(struct mm *m, unsigned long start, unsigned long end)
{
	struct zone *z = pfn_zone(m, start);

	for (unsigned long pfn = start & ~(m->pageblock_nr_pages - 1); pfn < end;
	     pfn += m->pageblock_nr_pages)
		unset_migratetype_isolate(z, pfn, -1);
}

/* test_pages_isolated(): the first pfn of [start, end) that is not free on
 * an ISOLATE list (end when there is none).  Takes zone->lock. */
unsigned long test_pages_isolated(struct mm *m, unsigned long start, unsigned long end)
{
	struct zone *z = pfn_zone(m, start);
	unsigned long pfn;

	zone_lock(z);
	for (pfn = start; pfn < end;) {
		struct page *p = pfn_to_page(m, pfn);

		if (!zone_spans_pfn(z, pfn) || !(READ_ONCE(p->flags) & PG_buddy) ||
		    p->index != MIGRATE_ISOLATE)
			break;
		pfn += 1ul << p->private;
	}
	zone_unlock(z);
	return pfn < end ? pfn : end;
}

/* find_large_buddy(): the head of the free block holding pfn (pfn itself
 * when it heads one or is not free).  zone->lock held, or the pageblock
 * isolated. */
unsigned long find_large_buddy(struct zone *z, unsigned long pfn)
{
	struct mm *m = z->mm;

	for (unsigned o = 0; o <= m->max_order; o++) {
		unsigned long head = pfn & ~((1ul << o) - 1);
		struct page *hp = pfn_to_page(m, head);

		if (!zone_spans_pfn(z, head))
			break;
		if ((READ_ONCE(hp->flags) & PG_buddy) && hp->private >= o)
			return head;
	}
	return pfn;
}

/* cma_activate_area's init_cma_reserved_pageblock(): at boot, before
 * anything is allocated, the free pageblock at pfn becomes MIGRATE_CMA and
 * its pages join the CMA lists (the kernel frees them there). */
void init_cma_reserved_pageblock(struct zone *z, unsigned long pfn)
{
	struct page *page = pfn_to_page(z->mm, pfn);
	unsigned order;

	zone_lock(z);
	isolate_split_buddy(z, pfn, false);
	move_freepages_block(z, pfn, MIGRATE_CMA);
	/* freed again, it merges with the CMA pageblock before it */
	order = (unsigned)page->private;
	del_page_from_free_list(page, z, order);
	__free_one_page(z, page, pfn, order, MIGRATE_CMA);
	z->cma_pages += z->mm->pageblock_nr_pages;
	zone_unlock(z);
}

/* The public start_isolate_page_range()'s checks and messages without its
 * drain_all_pages(): the per-CPU lists are the layer above, so the caller
 * (mm_start_isolate_page_range() in page_alloc.c) drains. */
int start_isolate_page_range_checked(struct mm *m, unsigned long start_pfn,
				     unsigned long end_pfn, int migratetype)
{
	if (!m)
		return -EINVAL;
	struct zone *z = isolate_range_zone(m, "start_isolate_page_range", &start_pfn, &end_pfn,
					    migratetype);
	unsigned long bad;
	int ret = 0;

	if (!z)
		return -EINVAL;
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn += m->pageblock_nr_pages) {
		ret = set_migratetype_isolate(z, pfn, pfn, pfn + m->pageblock_nr_pages, 0, &bad);
		if (ret) {
			for (unsigned long p = start_pfn; p < pfn; p += m->pageblock_nr_pages)
				unset_migratetype_isolate(z, p, migratetype);
			if (bad == pfn && get_pageblock_migratetype(z, pfn) == MIGRATE_ISOLATE)
				return mm_error(m, EBUSY, "start_isolate_page_range: pageblock at "
						"pfn %#lx is already isolated", pfn);
			return mm_error(m, EBUSY, "start_isolate_page_range: pageblock at pfn %#lx "
					"holds an unmovable page at pfn %#lx", pfn, bad);
		}
	}
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
	if (start_pfn >= end_pfn || end_pfn > m->nr_pages)
		return mm_error(m, EINVAL, "test_pages_isolated: bad pfn range [%#lx, %#lx)",
				start_pfn, end_pfn);
	return test_pages_isolated(m, start_pfn, end_pfn) < end_pfn ? -EBUSY : 0;
}
