// SPDX-License-Identifier: GPL-2.0-only
/*
 * validate.c - mm_validate(): every invariant of the page allocator,
 * checked from scratch.  Reads every layer, changes none.
 *
 * Per zone, under zone->lock:
 *   1. every free list is a well-linked list whose blocks are aligned to
 *      their order, inside the zone, PG_buddy with private == order and
 *      index == the list's migratetype; with freelist hygiene every block
 *      is on its pageblocks' type's list (get_pageblock_migratetype(), so
 *      Isolate for isolated pageblocks and HighAtomic for reserved ones,
 *      every pageblock of a block above pageblock_order), without it at
 *      least never on ISOLATE lists outside an isolated pageblock nor the
 *      other way round; list lengths equal nr_free_mt[], their sum
 *      nr_free; nr_free_pages equals the pages on non-isolate lists,
 *      nr_free_highatomic those on HIGHATOMIC lists, nr_free_cma those on
 *      CMA lists, nocma_unusable the sum the fast path subtracts;
 *   2. a walk over every PFN of the zone finds each page in exactly one
 *      block - free, on a per-CPU list, or allocated (with compound tails
 *      pointing at their head) - and pages inside blocks carry no state;
 *      the free blocks found equal those on the lists; with
 *      prefault=pageblock, every block not free lies in a populated
 *      pageblock;
 *   3. each CPU's lists hold PG_pcp blocks of the list's order from this
 *      zone, and add up to pcp->count;
 *   4. every pageblock's byte is well formed (a migratetype, reported as
 *      itself or as Isolate; a compaction skip bit only with compaction),
 *      nr_isolate_pageblock counts the isolated ones, and the HIGHATOMIC
 *      reserve is a whole number of pageblocks, exactly the pageblocks
 *      typed HighAtomic; cma_pages the pages of the pageblocks typed CMA.
 * Then the layers above check their own: vmalloc_validate() (vmalloc.c),
 * slab_validate() (slab_common.c, on to the allocator's checker - SLUB's in
 * slub_validate.c: every cache's lists, freelists and counters, a
 * census of the slab pages; debug caches get validate_slab_cache()'s
 * checks without its repairs: damage is reported and fails the check),
 * migrate_validate() (movable owners and isolated folios),
 * process_validate() (page tables against the reverse map, pins),
 * compaction_validate() (deferral state), contig_validate() (live
 * contiguous ranges against their pages) and cma_validate() (bitmaps
 * against the allocations, nothing unmovable in a CMA pageblock).
 * The machine is stopped while it is checked: mm_validate holds every CPU
 * but the caller's (machine.c's mm_cpus_hold()), waiting up to
 * VALIDATE_WAIT_MS (1 s) for CPUs other threads have bound - Python binds
 * only for the length of a call, and kcompactd=thread for the length of a
 * pass, so a check running beside allocating threads sees a consistent
 * machine.  The wait is long because a thread bound for one short call can
 * be off its core for tens of milliseconds on a loaded machine (sanitizer
 * builds, more threads than cores); it is paid in full only beside a
 * thread that stays bound while idle.
 * A CPU that stays bound longer is read as it is: call mm_validate while
 * such threads are idle.  A broken invariant taints the machine 'B' and is
 * an EFAULT error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"
#include "vmalloc.h"
#include "slab.h"
#include "movable.h"

#define FAIL(sb, ...) do { sb_printf((sb), __VA_ARGS__); return -1; } while (0)

/* How long mm_validate() waits for CPUs other threads have bound. */
#define VALIDATE_WAIT_MS 1000

/* Freelist hygiene: the block at pfn, of this order, on the list of type t,
 * lies in pageblocks of type t only (isolation and HIGHATOMIC included). */
static int check_block_type(struct zone *z, unsigned long pfn, unsigned order, int t,
			    struct strbuf *err)
{
	struct mm *m = z->mm;
	unsigned long end = pfn + (1ul << order);

	if (!(m->pa & PA_FREELIST_HYGIENE)) {
		int mt = get_pageblock_migratetype(z, pfn);

		if ((t == MIGRATE_ISOLATE) != (mt == MIGRATE_ISOLATE))
			FAIL(err, "free block pfn %#lx is on the %s list of a %s pageblock",
			     pfn, migratetype_names[t], migratetype_names[mt]);
		return 0;
	}
	for (unsigned long p = pfn; p < end; p += m->pageblock_nr_pages) {
		int mt = get_pageblock_migratetype(z, p);

		if (mt != t)
			FAIL(err, "freelist hygiene: the order-%u free block at pfn %#lx is on the "
			     "%s list, but the pageblock at pfn %#lx is %s", order, pfn,
			     migratetype_names[t], p & ~(m->pageblock_nr_pages - 1),
			     migratetype_names[mt]);
	}
	return 0;
}

static int check_free_lists(struct zone *z, struct strbuf *err, unsigned long *blocks_out)
{
	struct mm *m = z->mm;
	unsigned long free_pages = 0, blocks = 0, highatomic = 0, cma = 0;

	for (unsigned o = 0; o < m->nr_orders; o++) {
		struct free_area *area = &z->free_area[o];
		unsigned long total = 0;

		for (int t = 0; t < MIGRATE_TYPES; t++) {
			struct list_head *head = &area->free_list[t], *e;
			unsigned long n = 0;

			for (e = head->next; e != head; e = e->next) {
				struct page *p = list_entry(e, struct page, lru);
				unsigned long pfn;

				if (!e->next || e->next->prev != e || n > z->spanned_pages)
					FAIL(err, "%s zone node %d: free_list[order %u][%s] is corrupt "
					     "(broken links after %lu entries)", z->name, z->node, o,
					     migratetype_names[t], n);
				if ((uintptr_t)p < (uintptr_t)m->mem_map ||
				    (uintptr_t)p >= (uintptr_t)(m->mem_map + m->nr_pages))
					FAIL(err, "%s zone: free_list[order %u][%s] holds %p, not a page",
					     z->name, o, migratetype_names[t], (void *)p);
				pfn = page_to_pfn(m, p);
				if (!zone_spans_pfn(z, pfn) || !zone_spans_pfn(z, pfn + (1ul << o) - 1))
					FAIL(err, "free block pfn %#lx order %u is not inside zone %s "
					     "of node %d", pfn, o, z->name, z->node);
				if (pfn & ((1ul << o) - 1))
					FAIL(err, "free block pfn %#lx is not aligned to its order %u", pfn, o);
				if (!(p->flags & PG_buddy) || p->private != o || p->index != (unsigned long)t)
					FAIL(err, "free block pfn %#lx on list [order %u][%s] has flags %#lx "
					     "order %lu type %lu", pfn, o, migratetype_names[t],
					     p->flags, p->private, p->index);
				if (check_block_type(z, pfn, o, t, err))
					return -1;
				n++;
				if (t != MIGRATE_ISOLATE)
					free_pages += 1ul << o;
				if (t == MIGRATE_HIGHATOMIC)
					highatomic += 1ul << o;
				if (t == MIGRATE_CMA)
					cma += 1ul << o;
			}
			if (n != area->nr_free_mt[t])
				FAIL(err, "%s zone node %d: free_list[order %u][%s] holds %lu blocks, "
				     "counted %lu", z->name, z->node, o, migratetype_names[t], n,
				     area->nr_free_mt[t]);
			total += n;
		}
		if (total != area->nr_free)
			FAIL(err, "%s zone node %d: order %u has %lu free blocks on its lists, "
			     "nr_free says %lu", z->name, z->node, o, total, area->nr_free);
		blocks += total;
	}
	if (free_pages != z->nr_free_pages)
		FAIL(err, "%s zone node %d: free lists hold %lu pages, NR_FREE_PAGES says %lu",
		     z->name, z->node, free_pages, z->nr_free_pages);
	if (highatomic != z->nr_free_highatomic)
		FAIL(err, "%s zone node %d: HighAtomic lists hold %lu pages, nr_free_highatomic "
		     "says %lu", z->name, z->node, highatomic, z->nr_free_highatomic);
	if (cma != z->nr_free_cma)
		FAIL(err, "%s zone node %d: CMA lists hold %lu pages, NR_FREE_CMA_PAGES says %lu",
		     z->name, z->node, cma, z->nr_free_cma);
	if (z->nocma_unusable != highatomic_unusable(z) + z->nr_free_cma)
		FAIL(err, "%s zone node %d: the fast path holds back %lu pages, not %lu + %lu",
		     z->name, z->node, z->nocma_unusable, highatomic_unusable(z), z->nr_free_cma);
	*blocks_out = blocks;
	return 0;
}

#define DESCS_PER_MAP_PAGE (PAGE_SIZE / sizeof(struct page))

/* Pages inside a block [pfn+1, pfn+2^order) carry no state of their own.
 * Parts of mem_map the host never populated (mincore()) hold only zeroes,
 * a valid inside-a-block descriptor: they are skipped, so a huge
 * backing=none machine's check reads what was touched, not 64 bytes a
 * page frame. */
static int check_interior_window(struct zone *z, unsigned long pfn, unsigned order,
				 unsigned long first, unsigned long nr, bool compound,
				 struct strbuf *err)
{
	struct page *head = pfn_to_page(z->mm, pfn);
	unsigned char vec[(1ul << MM_MAX_ORDER_LIMIT) / DESCS_PER_MAP_PAGE + 2];
	uintptr_t base = (uintptr_t)(head + first) & ~(PAGE_SIZE - 1);
	bool sparse = nr > 2 * DESCS_PER_MAP_PAGE &&
		      !mincore((void *)base, (uintptr_t)(head + first + nr) - base, vec);

	for (unsigned long i = first; i < first + nr; i++) {
		struct page *p = head + i;
		size_t idx = ((uintptr_t)p - base) / PAGE_SIZE;

		if (sparse && !(vec[idx] & 1)) {        /* never populated: zeroes */
			i = (base + (idx + 1) * PAGE_SIZE - (uintptr_t)head) / sizeof(struct page) - 1;
			continue;
		}

		if (compound ? p->compound_head != ((unsigned long)head | 1)
			     : (p->compound_head & 1))
			FAIL(err, "pfn %#lx: compound tail link wrong inside the order-%u block at "
			     "pfn %#lx", pfn + i, order, pfn);
		if ((p->flags & (PG_buddy | PG_pcp | PG_head)) || p->_refcount)
			FAIL(err, "pfn %#lx lies inside the order-%u block at pfn %#lx but has "
			     "flags %#lx refcount %d (overlapping blocks)", pfn + i, order, pfn,
			     p->flags, p->_refcount);
	}
	return 0;
}

/* ... in windows of at most 2^MM_MAX_ORDER_LIMIT descriptors (a gigantic
 * page is larger). */
static int check_interior(struct zone *z, unsigned long pfn, unsigned order, bool compound,
			  struct strbuf *err)
{
	unsigned long n = 1ul << order, win = 1ul << MM_MAX_ORDER_LIMIT;

	for (unsigned long first = 1; first < n; first += win)
		if (check_interior_window(z, pfn, order, first, n - first < win ? n - first : win,
					  compound, err))
			return -1;
	return 0;
}

static int walk_zone_pfns(struct zone *z, struct strbuf *err, unsigned long *free_blocks,
			  unsigned long *pcp_pages, unsigned long *contig)
{
	struct mm *m = z->mm;
	unsigned long pfn = z->zone_start_pfn, end = pfn + z->spanned_pages;

	*free_blocks = *pcp_pages = 0;
	while (pfn < end) {
		struct page *p = pfn_to_page(m, pfn);
		unsigned order = (unsigned)p->private;
		const char *what;

		if (p->flags & PG_buddy) {
			what = "free block";
			(*free_blocks)++;
		} else if (p->flags & PG_pcp) {
			what = "per-CPU block";
			*pcp_pages += 1ul << order;
		} else if (p->_refcount > 0) {
			what = "allocated block";
			*contig += (p->flags & PG_contig) != 0;
		} else {
			FAIL(err, "pfn %#lx in zone %s of node %d is neither free, on a per-CPU list, "
			     "nor allocated (flags %#lx): a page was lost", pfn, z->name, z->node,
			     p->flags);
		}
		/* only a gigantic page (contig.c: a compound contiguous
		 * allocation) is above max_page_order */
		if ((order > m->max_order && !(p->_refcount > 0 && (p->flags & PG_contig) &&
					       (p->flags & PG_head))) ||
		    (pfn & ((1ul << order) - 1)) ||
		    pfn + (1ul << order) > end)
			FAIL(err, "%s at pfn %#lx has order %u: misaligned or beyond zone %s",
			     what, pfn, order, z->name);
		if (m->prefault_bits && !(p->flags & PG_buddy) && !pageblock_populated(m, pfn))
			FAIL(err, "%s at pfn %#lx was handed out of a pageblock prefault=pageblock "
			     "never populated", what, pfn);
		if (check_interior(z, pfn, order, p->flags & PG_head, err))
			return -1;
		pfn += 1ul << order;
	}
	return 0;
}

static int check_pcp(struct zone *z, struct strbuf *err, unsigned long *pages_out)
{
	struct mm *m = z->mm;

	*pages_out = 0;
	for (int c = 0; z->pcp && c < m->nr_cpus; c++) {
		struct per_cpu_pages *pcp = &z->pcp[c];
		unsigned long count = 0;

		for (int i = 0; i < NR_PCP_LISTS; i++) {
			unsigned order = i >= NR_LOWORDER_PCP_LISTS ? m->pageblock_order
								    : (unsigned)(i / MIGRATE_PCPTYPES);
			struct list_head *e;
			unsigned long n = 0;

			list_for_each(e, &pcp->lists[i]) {
				struct page *p = list_entry(e, struct page, lru);
				unsigned long pfn = page_to_pfn(m, p);

				if (e->next->prev != e || ++n > z->spanned_pages)
					FAIL(err, "cpu %d zone %s: per-CPU list %d is corrupt", c,
					     z->name, i);
				if (!zone_spans_pfn(z, pfn) || !(p->flags & PG_pcp) || p->private != order)
					FAIL(err, "cpu %d zone %s: per-CPU list %d holds pfn %#lx with "
					     "flags %#lx order %lu", c, z->name, i, pfn, p->flags, p->private);
				count += 1ul << order;
			}
		}
		if (count != (unsigned long)pcp->count)
			FAIL(err, "cpu %d zone %s node %d: per-CPU lists hold %lu pages, count says %d",
			     c, z->name, z->node, count, pcp->count);
		*pages_out += count;
	}
	return 0;
}

/* Each pageblock's byte: its migratetype bits a migratetype (Isolate is a
 * bit of its own), what get_pageblock_migratetype() reports either those
 * bits or Isolate, skip bits only with compaction; nr_isolate_pageblock the
 * isolated ones, nr_reserved_highatomic the pages of those typed
 * HighAtomic. */
static int check_pageblocks(struct zone *z, struct strbuf *err)
{
	struct mm *m = z->mm;
	unsigned long end = z->zone_start_pfn + z->spanned_pages, typed = 0, isolated = 0;
	unsigned long cma = 0;

	for (unsigned long pfn = z->zone_start_pfn; pfn < end;
	     pfn = (pfn | (m->pageblock_nr_pages - 1)) + 1) {
		int type = get_pageblock_type_bits(z, pfn), eff = get_pageblock_migratetype(z, pfn);

		if (type >= MIGRATE_ISOLATE || (eff != type && eff != MIGRATE_ISOLATE))
			FAIL(err, "%s zone node %d: the pageblock at pfn %#lx has type bits %d and "
			     "reports migratetype %d", z->name, z->node, pfn, type, eff);
		if (get_pageblock_skip(z, pfn) && !m->compact)
			FAIL(err, "%s zone node %d: the pageblock at pfn %#lx has its compaction "
			     "skip bit set, but compaction is off", z->name, z->node, pfn);
		typed += type == MIGRATE_HIGHATOMIC ? m->pageblock_nr_pages : 0;
		isolated += eff == MIGRATE_ISOLATE;
		cma += type == MIGRATE_CMA ? m->pageblock_nr_pages : 0;
	}
	if (cma != z->cma_pages)
		FAIL(err, "%s zone node %d: %lu pages of pageblocks are CMA, the zone's CMA areas "
		     "hold %lu", z->name, z->node, cma, z->cma_pages);
	if (typed != z->nr_reserved_highatomic)
		FAIL(err, "%s zone node %d: nr_reserved_highatomic is %lu but %lu pages of "
		     "pageblocks are HighAtomic", z->name, z->node, z->nr_reserved_highatomic,
		     typed);
	if (isolated != z->nr_isolate_pageblock)
		FAIL(err, "%s zone node %d: nr_isolate_pageblock is %lu but %lu pageblocks are "
		     "isolated", z->name, z->node, z->nr_isolate_pageblock, isolated);
	return 0;
}

/* *contig: the allocated heads marked PG_contig are added to it */
int validate_zone(struct zone *z, struct strbuf *err, unsigned long *contig)
{
	unsigned long list_blocks = 0, walk_blocks, walk_pcp, pcp_pages;
	int ret;

	if (!populated_zone(z))
		return 0;
	zone_lock(z);
	ret = check_free_lists(z, err, &list_blocks);
	if (!ret)
		ret = walk_zone_pfns(z, err, &walk_blocks, &walk_pcp, contig);
	if (!ret && walk_blocks != list_blocks) {
		sb_printf(err, "%s zone node %d: %lu free blocks in mem_map but %lu on free lists",
			  z->name, z->node, walk_blocks, list_blocks);
		ret = -1;
	}
	if (!ret)
		ret = check_pcp(z, err, &pcp_pages);
	if (!ret && pcp_pages != walk_pcp) {
		sb_printf(err, "%s zone node %d: %lu pages flagged per-CPU, %lu on the lists",
			  z->name, z->node, walk_pcp, pcp_pages);
		ret = -1;
	}
	if (!ret)
		ret = check_pageblocks(z, err);
	zone_unlock(z);
	return ret;
}

int mm_validate(struct mm *m, char *err, size_t errlen)
{
	if (!m)
		return -EINVAL;
	unsigned long held[MM_MAX_CPUS / 64], contig = 0;
	struct strbuf sb;
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	sb_init(&sb);
	sb_puts(&sb, "");
	mm_cpus_hold(m, VALIDATE_WAIT_MS, held);
	for (int id = 0; id < m->nr_zones && !ret; id++)
		ret = validate_zone(zone_by_id(m, id), &sb, &contig);
	if (!ret)
		ret = vmalloc_validate(m, &sb);         /* vmalloc */
	if (!ret)
		ret = slab_validate(m, &sb);            /* slab */
	if (!ret)
		ret = migrate_validate(m, &sb);         /* owners, isolation */
	if (!ret)
		ret = process_validate(m, &sb);         /* page tables, reverse map, pins */
	if (!ret)
		ret = compaction_validate(m, &sb);      /* deferral state */
	if (!ret)
		ret = contig_validate(m, &sb, contig);  /* live contiguous ranges */
	if (!ret)
		ret = cma_validate(m, &sb);             /* CMA bitmaps, CMA pageblocks */
	mm_cpus_release(m, held);
	mm_taint_panicked(m);                   /* a failed check fails anyway */
	if (ret) {
		add_taint(m, MM_TAINT_BAD_PAGE);
		mm_taint_panicked(m);
		char *msg = sb_finish(&sb);

		mm_error(m, EFAULT, "mm_validate: %s", msg ? msg : "invariant broken");
		if (err && errlen)
			snprintf(err, errlen, "%s", msg ? msg : "invariant broken");
		free(msg);
		return -EFAULT;
	}
	free(sb_finish(&sb));
	return 0;
}
