// SPDX-License-Identifier: GPL-2.0-only
/*
 * contig.c - contiguous ranges of page frames: alloc_contig_range(),
 * free_contig_range() and alloc_contig_pages() of mm/page_alloc.c (Linux
 * 6.18), with __alloc_contig_migrate_range() and what they use from
 * mm/page_isolation.c (start_isolate_page_range, test_pages_isolated) and
 * mm/compaction.c (isolate_freepages_range).  CMA (cma.c) and gigantic
 * pages sit on top; the isolation itself is buddy.c's, the migration
 * migrate.c's.
 *
 * alloc_contig_range(start, end): the pageblocks covering the range are
 * isolated (ISOLATE_MODE_CMA: CMA pageblocks whatever they hold; else
 * unmovable pages inside the range refuse it, -EBUSY), every CPU's lists
 * drained, then __alloc_contig_migrate_range() migrates the range's
 * folios out in batches of COMPACT_CLUSTER_MAX (32) isolated folios, each
 * batch given at most 5 migrate_pages() rounds (the kernel's "++tries ==
 * 5": -EBUSY), -ENOMEM ending it at once.  Folios that cannot even be
 * isolated (pinned, without an owner, already isolated) are passed over as
 * the kernel does - test_pages_isolated() then finds them: -EBUSY.  Else
 * find_large_buddy() widens the start to the free block holding it,
 * isolate_freepages_range() takes every free block off the ISOLATE lists,
 * the pages outside [start, end) go back, and the pages of the range
 * become allocated order-0 pages (one compound page with __GFP_COMP).
 * Whatever happened, the isolation is undone.
 *
 * Where the kernel only leaves a tracepoint, libmm says why: struct
 * contig_result (and mm_contig_info) holds the first reason in the order
 * pinned, unmovable, busy, owner, no target ... and the pfn, and the
 * public entry points log it.
 *
 * Each page of a live contiguous allocation carries PG_contig (the head
 * only for a compound one), so mm_free_pages() refuses it: the pages go
 * back through free_contig_range() (or cma_release()), which frees them
 * one by one as __free_page() does (a compound range as blocks of at most
 * max_page_order).  The live ranges are kept in a table (contig->lock, a
 * leaf lock, 15 in mm_types.h's order): free_contig_range() accepts part of a range, and validate
 * checks the table against the pages.
 *
 * alloc_contig_pages(nr, gfp, nid): the zonelist of nid, zones allowed by
 * gfp from the highest down, and in each one the nr-aligned candidates
 * from the zone's start (nr rounded up to a power of two) whose pages are
 * all in the zone and neither reserved nor part of another contiguous
 * allocation (pfn_range_valid_contig); the first that alloc_contig_range()
 * takes is the answer.  Gigantic pages are its __GFP_COMP form (1 GiB:
 * order 18, above max_page_order).
 */
#include <stdlib.h>
#include <string.h>
#include "movable.h"
#include "page_owner.h"

#define COMPACT_CLUSTER_MAX 32
#define CONTIG_MAX_TRIES    5

struct contig_range {
	unsigned long pfn, nr;
	int area;                       /* CMA area index, -1: none */
	bool compound;
};

struct contig_state {
	pthread_mutex_t lock;           /* leaf: the table and info */
	struct contig_range *r;
	size_t nr, cap;
	struct mm_contig_info info;
};

/* ---- the table of live ranges ---------------------------------------------- */

/* The index of the range holding pfn, or -1; lock held. */
static long contig_find(struct contig_state *cs, unsigned long pfn)
{
	for (size_t i = 0; i < cs->nr; i++)
		if (pfn >= cs->r[i].pfn && pfn < cs->r[i].pfn + cs->r[i].nr)
			return (long)i;
	return -1;
}

static int contig_add(struct contig_state *cs, struct contig_range r)
{
	if (cs->nr == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 16;
		struct contig_range *n = realloc(cs->r, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		cs->r = n;
		cs->cap = cap;
	}
	cs->r[cs->nr++] = r;
	cs->info.nr_ranges++;
	cs->info.nr_pages += r.nr;
	return 0;
}

int contig_range_area(struct mm *m, unsigned long pfn)
{
	struct contig_state *cs = m->contig;
	long i;
	int area;

	mm_lock(&cs->lock, LOCK_CONTIG);
	i = contig_find(cs, pfn);
	area = i < 0 ? -2 : cs->r[i].area;
	mm_unlock(&cs->lock);
	return area;
}

unsigned long contig_count_ranges(struct mm *m, int area)
{
	struct contig_state *cs = m->contig;
	unsigned long n = 0;

	mm_lock(&cs->lock, LOCK_CONTIG);
	for (size_t i = 0; i < cs->nr; i++)
		n += cs->r[i].area == area;
	mm_unlock(&cs->lock);
	return n;
}

/* ---- alloc_contig_range ------------------------------------------------------ */

static const int reason_order[] = {
	MM_MIGRATE_FAIL_PINNED, MM_MIGRATE_FAIL_UNMOVABLE, MM_MIGRATE_FAIL_BUSY,
	MM_MIGRATE_FAIL_OWNER, MM_MIGRATE_FAIL_NOMEM, MM_MIGRATE_FAIL_ISOLATED,
	MM_MIGRATE_FAIL_MAP, MM_MIGRATE_FAIL_FREE,
};

const char *contig_reason_name(int reason)
{
	const char *n = mm_migrate_fail_name(reason);

	return n ? n : "busy";
}

/* What keeps pfn from being free: the page itself, looked at. */
static int contig_classify(struct mm *m, unsigned long pfn)
{
	struct page *p = pfn_to_page(m, pfn), *head;
	unsigned long flags = READ_ONCE(p->flags);

	if (flags & (PG_buddy | PG_pcp))
		return MM_MIGRATE_FAIL_BUSY;
	head = folio_of(m, p);
	if (!head)
		return MM_MIGRATE_FAIL_BUSY;
	flags = READ_ONCE(head->flags);
	if (!(flags & PG_owned))
		return MM_MIGRATE_FAIL_UNMOVABLE;
	if (flags & PG_isolated)
		return MM_MIGRATE_FAIL_ISOLATED;
	if ((flags & PG_anon) && head->_refcount > 1)
		return MM_MIGRATE_FAIL_PINNED;
	return MM_MIGRATE_FAIL_BUSY;
}

/* The first reason res recorded, in reason_order; -1 when none. */
static int contig_first_reason(const struct mm_migrate_result *res, unsigned long *pfn)
{
	for (size_t i = 0; i < sizeof(reason_order) / sizeof(reason_order[0]); i++)
		if (res->nr_failed[reason_order[i]]) {
			*pfn = res->first_pfn[reason_order[i]];
			return reason_order[i];
		}
	return -1;
}

/* __alloc_contig_migrate_range(): the range's folios to targets outside
 * it, COMPACT_CLUSTER_MAX isolated folios at a time, each batch given at
 * most CONTIG_MAX_TRIES rounds.  0, -EBUSY or -ENOMEM; res gathers why. */
static int __alloc_contig_migrate_range(struct mm *m, unsigned long start, unsigned long end,
					gfp_t gfp, struct mm_migrate_result *res,
					struct contig_result *r)
{
	struct migration_target_control mtc = {
		.m = m, .nid = pfn_zone(m, start)->node, .gfp_mask = gfp, .reason = MR_CONTIG_RANGE,
	};
	unsigned long pfn = start, tries = 0;
	struct list_head list;
	int ret = 0;

	INIT_LIST_HEAD(&list);
	while (pfn < end || !list_empty(&list)) {
		int busy = 0;

		if (list_empty(&list)) {
			pfn = isolate_migratepages_batch(m, pfn, end, COMPACT_CLUSTER_MAX, &list,
							 res, &busy);
			tries = 0;
			if (list_empty(&list))
				continue;
		} else if (++tries == CONTIG_MAX_TRIES) {
			ret = -EBUSY;
			break;
		}
		r->tries++;
		ret = migrate_pages(m, &list, alloc_migration_target, free_migration_target, &mtc,
				    MM_MIGRATE_SYNC, MR_CONTIG_RANGE, res);
		if (ret == -ENOMEM)
			break;
	}
	if (ret < 0) {
		putback_movable_pages(m, &list);
		return ret;
	}
	return 0;
}

/* isolate_freepages_range(): every free block of [start, end) (all on the
 * ISOLATE lists, test_pages_isolated() said so) off the lists; returns the
 * end of the last one.  zone->lock held. */
static unsigned long isolate_freepages_range(struct zone *z, unsigned long start,
					     unsigned long end)
{
	struct mm *m = z->mm;
	unsigned long pfn = start;

	while (pfn < end) {
		struct page *p = pfn_to_page(m, pfn);
		unsigned order = (unsigned)p->private;

		__isolate_free_page(z, p, order);
		pfn += 1ul << order;
	}
	return pfn;
}

/* Give [pfn, end) back to the (isolated) free lists, page by page.
 * zone->lock held. */
static void contig_free_excess(struct zone *z, unsigned long pfn, unsigned long end)
{
	struct mm *m = z->mm;

	for (; pfn < end; pfn++) {
		struct page *p = pfn_to_page(m, pfn);

		p->private = 0;
		p->_refcount = 0;
		__free_one_page(z, p, pfn, 0, MIGRATE_ISOLATE);
	}
}

/* The pages of [start, end), free and off the lists, become the
 * allocation: order-0 pages, or one compound page. */
static void contig_prep_pages(struct mm *m, struct zone *z, unsigned long start,
			      unsigned long end, gfp_t gfp)
{
	gfp_t flags = gfp & (__GFP_ZERO | __GFP_COMP);

	if (gfp & __GFP_COMP) {
		struct page *head = pfn_to_page(m, start);
		unsigned order = 0;

		while ((1ul << order) < end - start)
			order++;
		for (unsigned long pfn = start; pfn < end; pfn++)
			pfn_to_page(m, pfn)->private = 0;
		prep_isolated_page(m, z, head, order, flags);
		WRITE_ONCE(head->flags, head->flags | PG_contig);
	} else {
		for (unsigned long pfn = start; pfn < end; pfn++) {
			struct page *p = pfn_to_page(m, pfn);

			prep_isolated_page(m, z, p, 0, flags);
			WRITE_ONCE(p->flags, p->flags | PG_contig);
		}
	}
	if (unlikely(m->page_owner))            /* post_alloc_hook's set_page_owner */
		page_owner_contig(m, start, end - start, gfp, (gfp & __GFP_COMP) != 0);
}

int __alloc_contig_range(struct mm *m, unsigned long start, unsigned long end, int mode,
			 gfp_t gfp, int area, struct contig_result *r)
{
	struct contig_state *cs = m->contig;
	struct zone *z = pfn_zone(m, start);
	struct mm_migrate_result res;
	unsigned long outer_start, outer_end, bad;
	gfp_t cc_gfp = (gfp & (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_RETRY_MAYFAIL |
			       __GFP_NOWARN)) | __GFP_MOVABLE;
	int ret;

	memset(&res, 0, sizeof(res));
	memset(r, 0, sizeof(*r));
	r->reason = -1;
	ret = start_isolate_page_range(m, start, end, mode, &bad);
	if (ret) {
		r->pfn = bad;
		r->reason = get_pageblock_migratetype(z, bad) == MIGRATE_ISOLATE &&
			    !(pfn_to_page(m, bad)->_refcount) ? MM_MIGRATE_FAIL_ISOLATED
							       : MM_MIGRATE_FAIL_UNMOVABLE;
		goto out;
	}
	drain_all_pages(m);
	ret = __alloc_contig_migrate_range(m, start, end, cc_gfp, &res, r);
	r->migrated = res.nr_succeeded;
	if (ret && ret != -EBUSY)
		goto done;
	outer_start = find_large_buddy(z, start);
	bad = test_pages_isolated(m, outer_start, end);
	if (bad < end) {
		ret = -EBUSY;
		r->reason = contig_first_reason(&res, &r->pfn);
		if (r->reason < 0) {
			r->reason = contig_classify(m, bad);
			r->pfn = bad;
		}
		goto done;
	}
	ret = 0;
	zone_lock(z);
	outer_end = isolate_freepages_range(z, outer_start, end);
	contig_free_excess(z, outer_start, start);
	contig_free_excess(z, end, outer_end);
	zone_unlock(z);
	contig_prep_pages(m, z, start, end, gfp);
	mm_lock(&cs->lock, LOCK_CONTIG);
	if (contig_add(cs, (struct contig_range){ start, end - start, area,
						  (gfp & __GFP_COMP) != 0 })) {
		mm_unlock(&cs->lock);
		/* no room to remember it: give it back */
		undo_isolate_page_range(m, start, end);
		__free_contig_range(m, start, end - start, -3);
		r->reason = MM_MIGRATE_FAIL_NOMEM;
		return -ENOMEM;
	}
	cs->info.successes++;
	mm_unlock(&cs->lock);
done:
	undo_isolate_page_range(m, start, end);
out:
	if (ret == -ENOMEM && r->reason < 0)
		r->reason = MM_MIGRATE_FAIL_NOMEM;
	mm_lock(&cs->lock, LOCK_CONTIG);
	cs->info.attempts++;
	cs->info.pages_migrated += r->migrated;
	cs->info.last_ret = ret;
	cs->info.last_reason = r->reason;
	cs->info.last_pfn = r->pfn;
	cs->info.last_migrated = r->migrated;
	cs->info.last_tries = r->tries;
	mm_unlock(&cs->lock);
	return ret;
}

/* ---- free_contig_range ------------------------------------------------------- */

/* Free [pfn, pfn + nr) of a compound range (whole) or order-0 pages. */
static void contig_free_pages(struct mm *m, unsigned long pfn, unsigned long nr, bool compound)
{
	if (unlikely(m->page_owner))            /* the records go before the pages */
		for (unsigned long i = 0; i < (compound ? 1 : nr); i++)
			page_owner_free(m, pfn_to_page(m, pfn + i));
	if (compound) {
		struct page *head = pfn_to_page(m, pfn);

		/* dissolve the compound page, then free it in blocks of at
		 * most max_page_order */
		WRITE_ONCE(head->flags, 0ul);
		for (unsigned long i = 1; i < nr; i++)
			head[i].compound_head = 0;
		while (nr) {
			unsigned order = 0;

			while (order < m->max_order && (1ul << (order + 1)) <= nr &&
			       !(pfn & ((2ul << order) - 1)))
				order++;
			head = pfn_to_page(m, pfn);
			head->_refcount = 1;
			head->private = order;
			head->flags = 0;
			head->zone_id = (unsigned)pfn_zone(m, pfn)->id;
			mm_free_pages(m, head, order);
			pfn += 1ul << order;
			nr -= 1ul << order;
		}
		return;
	}
	for (; nr--; pfn++) {
		struct page *p = pfn_to_page(m, pfn);

		WRITE_ONCE(p->flags, p->flags & ~(unsigned long)PG_contig);
		mm_free_pages(m, p, 0);
	}
}

/* area -3: the pages of a range that never made it into the table. */
int __free_contig_range(struct mm *m, unsigned long pfn, unsigned long nr, int area)
{
	struct contig_state *cs = m->contig;
	struct contig_range r;
	long i;

	if (area == -3) {
		contig_free_pages(m, pfn, nr, (pfn_to_page(m, pfn)->flags & PG_head) != 0);
		return 0;
	}
	mm_lock(&cs->lock, LOCK_CONTIG);
	i = contig_find(cs, pfn);
	if (i < 0 || !nr || pfn + nr > cs->r[i].pfn + cs->r[i].nr ||
	    (area != -1 && cs->r[i].area != area) ||
	    (cs->r[i].compound && (pfn != cs->r[i].pfn || nr != cs->r[i].nr))) {
		mm_unlock(&cs->lock);
		return -EINVAL;
	}
	r = cs->r[i];
	/* what is left of the range: a head part and a tail part */
	cs->r[i] = cs->r[--cs->nr];
	cs->info.nr_ranges--;
	cs->info.nr_pages -= r.nr;
	if (pfn > r.pfn)
		contig_add(cs, (struct contig_range){ r.pfn, pfn - r.pfn, r.area, false });
	if (pfn + nr < r.pfn + r.nr)
		contig_add(cs, (struct contig_range){ pfn + nr, r.pfn + r.nr - pfn - nr, r.area,
						      false });
	mm_unlock(&cs->lock);
	contig_free_pages(m, pfn, nr, r.compound);
	return 0;
}

/* ---- public entry points ------------------------------------------------------ */

/* __alloc_contig_verify_gfp_mask(): node, mobility and placement hints are
 * ignored; beyond them, reclaim and action modifiers only. */
#define CONTIG_GFP_IGNORED (GFP_ZONEMASK | __GFP_RECLAIMABLE | __GFP_WRITE | __GFP_HARDWALL | \
			    __GFP_THISNODE | __GFP_MOVABLE)
#define CONTIG_GFP_ALLOWED (CONTIG_GFP_IGNORED | __GFP_IO | __GFP_FS | __GFP_RECLAIM | \
			    __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN | __GFP_ZERO | \
			    __GFP_ZEROTAGS)

static bool is_pow2(unsigned long x)
{
	return x && !(x & (x - 1));
}

/* Argument checks shared by the entry points; 0 or -EINVAL (logged). */
static int contig_check(struct mm *m, const char *fn, unsigned long start, unsigned long end,
			gfp_t gfp)
{
	struct zone *z;

	if (!this_cpu(m))
		return mm_unbound_error(m, "%s", fn);
	if (gfp & ~CONTIG_GFP_ALLOWED)
		return mm_error(m, EINVAL, "%s: GFP %#x has bits %#x that are not reclaim or "
				"action modifiers (__alloc_contig_verify_gfp_mask)", fn, gfp,
				gfp & ~CONTIG_GFP_ALLOWED);
	if (start >= end || end > m->nr_pages)
		return mm_error(m, EINVAL, "%s: bad pfn range [%#lx, %#lx) (the machine has %lu "
				"page frames)", fn, start, end, m->nr_pages);
	z = pfn_zone(m, start);
	if (!zone_spans_pfn(z, end - 1))
		return mm_error(m, EINVAL, "%s: [%#lx, %#lx) is not inside one zone", fn, start,
				end);
	if ((gfp & __GFP_COMP) && (!is_pow2(end - start) || (start & (end - start - 1))))
		return mm_error(m, EINVAL, "%s: __GFP_COMP needs a power-of-two range aligned "
				"to its size, not [%#lx, %#lx)", fn, start, end);
	return 0;
}

static void contig_log_failure(struct mm *m, const char *fn, unsigned long start,
			       unsigned long end, int ret, const struct contig_result *r)
{
	mm_error(m, -ret, "%s: [%#lx, %#lx) failed (%d): pfn %#lx is %s (%lu pages migrated, "
		 "%lu migrate_pages rounds)", fn, start, end, ret, r->pfn,
		 r->reason == MM_MIGRATE_FAIL_NOMEM ? "not movable: no migration target" :
		 contig_reason_name(r->reason), r->migrated, r->tries);
}

static int contig_alloc_range(struct mm *m, unsigned long start, unsigned long end,
			      int migratetype, gfp_t gfp)
{
	struct contig_result r;
	int ret;

	if (!m)
		return -EINVAL;
	ret = contig_check(m, "alloc_contig_range", start, end, gfp);
	if (ret)
		return ret;
	if (migratetype != MIGRATE_CMA && migratetype != MIGRATE_MOVABLE)
		return mm_error(m, EINVAL, "alloc_contig_range: migratetype %d is neither CMA nor "
				"Movable", migratetype);
	ret = __alloc_contig_range(m, start, end,
				   migratetype == MIGRATE_CMA ? ISOLATE_MODE_CMA : ISOLATE_MODE_OTHER,
				   gfp, -1, &r);
	if (ret) {
		if (gfp & __GFP_NOWARN)
			mm_set_errno(m, -ret);
		else
			contig_log_failure(m, "alloc_contig_range", start, end, ret, &r);
	}
	return ret;
}

int mm_free_contig_range(struct mm *m, unsigned long pfn, unsigned long nr_pages)
{
	int area;

	if (!m)
		return -EINVAL;
	if (!this_cpu(m))
		return mm_unbound_error(m, "free_contig_range");
	if (pfn >= m->nr_pages || !nr_pages || nr_pages > m->nr_pages - pfn)
		return mm_error(m, EINVAL, "free_contig_range: bad range of %lu pages at pfn %#lx",
				nr_pages, pfn);
	area = contig_range_area(m, pfn);
	if (area >= 0)
		return mm_error(m, EINVAL, "free_contig_range: pfn %#lx belongs to a CMA "
				"allocation: cma_release() gives it back", pfn);
	if (__free_contig_range(m, pfn, nr_pages, -1))
		return mm_error(m, EINVAL, "free_contig_range: [%#lx, %#lx) is not part of one "
				"live contiguous allocation (a compound one is freed whole)", pfn,
				pfn + nr_pages);
	return 0;
}

/* pfn_range_valid_contig(): every page in z, none reserved nor part of a
 * contiguous allocation already (the kernel's PageHuge test). */
static bool pfn_range_valid_contig(struct mm *m, struct zone *z, unsigned long start,
				   unsigned long nr)
{
	if (!zone_spans_pfn(z, start) || !zone_spans_pfn(z, start + nr - 1))
		return false;
	for (unsigned long pfn = start; pfn < start + nr; pfn++) {
		unsigned long flags = READ_ONCE(pfn_to_page(m, pfn)->flags);

		if (flags & (PG_reserved | PG_contig))
			return false;
		if (!(flags & (PG_slab | PG_head)) && (pfn_to_page(m, pfn)->compound_head & 1) &&
		    (READ_ONCE(compound_head(pfn_to_page(m, pfn))->flags) & PG_contig))
			return false;
	}
	return true;
}

static struct page *contig_alloc_pages(struct mm *m, unsigned long nr_pages, gfp_t gfp, int nid)
{
	struct contig_result r = { .reason = -1 };
	unsigned long align = 1, tried = 0;
	struct mm_cpu *cpu;
	int hz, ret = -EBUSY;

	if (!m)
		return NULL;
	cpu = this_cpu(m);
	if (!cpu) {
		mm_unbound_error(m, "alloc_contig_pages");
		return NULL;
	}
	if (!nr_pages || (gfp & ~CONTIG_GFP_ALLOWED) ||
	    nid < -1 || nid >= m->nr_nodes || ((gfp & __GFP_COMP) && !is_pow2(nr_pages))) {
		mm_error(m, EINVAL, "alloc_contig_pages: bad request: %lu pages, GFP %#x, node %d "
			 "(GFP: reclaim and action modifiers only; __GFP_COMP: a power of two)",
			 nr_pages, gfp, nid);
		return NULL;
	}
	while (align < nr_pages && align <= m->nr_pages)
		align <<= 1;
	/* gfp_zone(): the highest zone the zonelist walk may use */
	hz = (gfp & __GFP_DMA) ? ZONE_DMA : (gfp & __GFP_DMA32) ? ZONE_DMA32 :
	     (gfp & (__GFP_MOVABLE | __GFP_HIGHMEM)) == (__GFP_MOVABLE | __GFP_HIGHMEM) ?
	     ZONE_MOVABLE : ZONE_NORMAL;
	for (struct zone **zp = m->nodes[nid < 0 ? cpu->node : nid].node_zonelists[ZONELIST_FALLBACK];
	     *zp; zp++) {
		struct zone *z = *zp;
		unsigned long pfn;

		if (z->idx > hz || !populated_zone(z))
			continue;
		if (nr_pages > z->spanned_pages)
			continue;
		pfn = (z->zone_start_pfn + align - 1) & ~(align - 1);
		for (; pfn + nr_pages <= z->zone_start_pfn + z->spanned_pages; pfn += align) {
			if (!pfn_range_valid_contig(m, z, pfn, nr_pages))
				continue;
			tried++;
			ret = __alloc_contig_range(m, pfn, pfn + nr_pages, ISOLATE_MODE_OTHER, gfp,
						   -1, &r);
			if (!ret)
				return pfn_to_page(m, pfn);
		}
	}
	if (gfp & __GFP_NOWARN)
		mm_set_errno(m, ret == -ENOMEM ? ENOMEM : EBUSY);
	else if (!tried)
		mm_error(m, EBUSY, "alloc_contig_pages: no candidate range of %lu pages on node %d",
			 nr_pages, nid < 0 ? cpu->node : nid);
	else
		mm_error(m, -ret, "alloc_contig_pages: %lu pages: all %lu candidate ranges failed, "
			 "the last at pfn %#lx: %s", nr_pages, tried, r.pfn,
			 contig_reason_name(r.reason));
	return NULL;
}

/* page_owner=1: the pages' records name the caller (page_owner.c). */
int mm_alloc_contig_range(struct mm *m, unsigned long start, unsigned long end, int migratetype,
			  gfp_t gfp)
{
	int ret;

	if (likely(!m || !m->page_owner))
		return contig_alloc_range(m, start, end, migratetype, gfp);
	po_enter(PO_CALLER, PO_VIA_CONTIG);
	ret = contig_alloc_range(m, start, end, migratetype, gfp);
	po_exit();
	return ret;
}

struct page *mm_alloc_contig_pages(struct mm *m, unsigned long nr_pages, gfp_t gfp, int nid)
{
	struct page *page;

	if (likely(!m || !m->page_owner))
		return contig_alloc_pages(m, nr_pages, gfp, nid);
	po_enter(PO_CALLER, PO_VIA_CONTIG);
	page = contig_alloc_pages(m, nr_pages, gfp, nid);
	po_exit();
	return page;
}

int mm_contig_info(struct mm *m, struct mm_contig_info *out)
{
	if (!m || !out)
		return -EINVAL;
	mm_lock(&m->contig->lock, LOCK_CONTIG);
	*out = m->contig->info;
	mm_unlock(&m->contig->lock);
	return 0;
}

/* ---- boot, exit, validate ------------------------------------------------------ */

int contig_init(struct mm *m)
{
	struct contig_state *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return -ENOMEM;
	pthread_mutex_init(&cs->lock, NULL);
	cs->info.last_reason = -1;
	m->contig = cs;
	return 0;
}

void contig_exit(struct mm *m)
{
	struct contig_state *cs = m->contig;

	if (!cs)
		return;
	pthread_mutex_destroy(&cs->lock);
	free(cs->r);
	free(cs);
	m->contig = NULL;
}

/* Every live range's pages are allocated and marked; no other page is
 * marked (the zone walks counted the marked heads: a huge backing=none
 * machine is not read page by page); ranges do not overlap. */
int contig_validate(struct mm *m, struct strbuf *err, unsigned long marked)
{
	struct contig_state *cs = m->contig;
	unsigned long expect = 0;
	int ret = 0;

	mm_lock(&cs->lock, LOCK_CONTIG);
	for (size_t i = 0; i < cs->nr && !ret; i++) {
		struct contig_range *r = &cs->r[i];
		struct page *head = pfn_to_page(m, r->pfn);

		if (r->compound) {
			expect++;
			if (head->_refcount < 1 || !(head->flags & PG_head) ||
			    (1ul << head->private) != r->nr) {
				sb_printf(err, "contig: the compound range at pfn %#lx (%lu pages) "
					  "is not one allocated compound page", r->pfn, r->nr);
				ret = -1;
			}
			continue;
		}
		expect += r->nr;
		for (unsigned long pfn = r->pfn; pfn < r->pfn + r->nr; pfn++) {
			struct page *p = pfn_to_page(m, pfn);

			if (p->_refcount < 1 || !(p->flags & PG_contig) || p->private ||
			    (p->flags & (PG_buddy | PG_pcp))) {
				sb_printf(err, "contig: pfn %#lx of the range at %#lx (%lu pages) is "
					  "not an allocated, marked order-0 page", pfn, r->pfn, r->nr);
				ret = -1;
				break;
			}
		}
		for (size_t j = i + 1; j < cs->nr && !ret; j++)
			if (cs->r[j].pfn < r->pfn + r->nr && r->pfn < cs->r[j].pfn + cs->r[j].nr) {
				sb_printf(err, "contig: ranges at %#lx and %#lx overlap", r->pfn,
					  cs->r[j].pfn);
				ret = -1;
			}
	}
	mm_unlock(&cs->lock);
	if (ret)
		return ret;
	if (marked != expect) {
		sb_printf(err, "contig: %lu pages carry PG_contig, the live ranges account for %lu",
			  marked, expect);
		return -1;
	}
	return 0;
}
