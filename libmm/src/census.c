// SPDX-License-Identifier: GPL-2.0-only
/*
 * census.c - the pageblock census (part of the stats layer: it reads every
 * layer and changes none): per pageblock its migratetype and what it holds
 * - free pages, allocated pages by the migratetype their GFP asked for,
 * slab and vmalloc pages - and whether it is "mixed" the way
 * pagetypeinfo's page_owner section counts it (an allocation whose
 * migratetype is not the pageblock's: in a CMA pageblock any allocation,
 * counted with the Movable ones); with page_owner=1 the call site
 * with the most unmovable or reclaimable pages in a mixed block (its
 * polluter: what compaction cannot move out of it).  Plus the
 * free ranges a huge page could use: free 2 MiB (pageblock) blocks and
 * fully free 1 GiB-aligned ranges.
 *
 * The JSON ("census" in mm_report_json): "summary" (per migratetype the
 * pageblocks and mixed ones, the free huge ranges, the polluting sites
 * with the mixed blocks they polluted) and "map": one entry per pageblock
 * in PFN order as strings and arrays (type letters, mixed flags, free and
 * allocated pages, polluter index into "sites") - compact enough for a
 * machine of many GiB, what libmm.plot draws as the pageblock map.
 *
 * Locking: each zone's lock while its pageblocks are walked (the page
 * states it reads change under it or on the owning CPU's lists, as
 * mixed_pageblocks in stats.c).
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "page_owner.h"

/* what a pageblock holds, in pages */
enum { CN_FREE, CN_UNMOVABLE, CN_MOVABLE, CN_RECLAIMABLE, CN_SLAB, CN_VMALLOC, CN_NR };
static const char *const cn_names[CN_NR] = {
	"free", "unmovable", "movable", "reclaimable", "slab", "vmalloc",
};
static const char mt_letters[MIGRATE_TYPES + 1] = "UMRHCI";

struct cn_block {
	unsigned long pfn;
	int mt;                         /* the pageblock's migratetype */
	unsigned pages[CN_NR];
	bool mixed, present;
	unsigned long polluter;         /* site key, 0: none */
};

struct cn_polluter { unsigned long site; unsigned long blocks, pages; };

/* Where the walk of the pageblock at pb starts: the head of a free or
 * allocated block larger than a pageblock that covers pb, else pb. */
static unsigned long cn_enclosing(struct mm *m, struct zone *z, unsigned long pb)
{
	for (unsigned o = m->pageblock_order + 1; o <= m->max_order; o++) {
		unsigned long head = pb & ~((1ul << o) - 1);
		struct page *p;

		if (head == pb || head < z->zone_start_pfn)
			continue;
		p = pfn_to_page(m, head);
		if (((READ_ONCE(p->flags) & (PG_buddy | PG_pcp)) || READ_ONCE(p->_refcount) > 0) &&
		    READ_ONCE(p->private) >= o && head + (1ul << READ_ONCE(p->private)) > pb)
			return head;
	}
	return pb;
}

/* One pageblock of zone z at pb (zone lock held). */
static void cn_block(struct mm *m, struct zone *z, unsigned long pb, struct cn_block *b,
		     unsigned long *sites, unsigned long *counts, size_t *nsites)
{
	unsigned long end = z->zone_start_pfn + z->spanned_pages, pb_end = pb + m->pageblock_nr_pages;
	size_t first = *nsites;

	memset(b, 0, sizeof(*b));
	b->pfn = pb;
	b->present = true;
	if (pb < z->zone_start_pfn)     /* a zone starting inside a pageblock */
		pb = z->zone_start_pfn;
	b->mt = get_pageblock_migratetype(z, pb);
	for (unsigned long pfn = cn_enclosing(m, z, pb); pfn < pb_end && pfn < end;) {
		struct page *p = pfn_to_page(m, pfn);
		unsigned long flags = READ_ONCE(p->flags), n;
		int mt, kind;

		if (!(flags & (PG_buddy | PG_pcp)) && READ_ONCE(p->_refcount) <= 0) {
			pfn++;
			continue;
		}
		n = 1ul << READ_ONCE(p->private);
		if (pfn < pb) {                 /* a block larger than the pageblock */
			n -= pb - pfn;
			pfn = pb;
		}
		if (pfn + n > pb_end)
			n = pb_end - pfn;
		if (flags & (PG_buddy | PG_pcp)) {
			b->pages[CN_FREE] += (unsigned)n;
			pfn += n;
			continue;
		}
		mt = (flags & PG_lru) ? MIGRATE_MOVABLE :
		     (flags & PG_reclaimable) ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE;
		kind = flags & PG_slab ? CN_SLAB : flags & PG_vmalloc ? CN_VMALLOC :
		       mt == MIGRATE_MOVABLE ? CN_MOVABLE :
		       mt == MIGRATE_RECLAIMABLE ? CN_RECLAIMABLE : CN_UNMOVABLE;
		b->pages[kind] += (unsigned)n;
		if (mt != b->mt)                /* a CMA block: any allocation */
			b->mixed = true;
		if (mt != MIGRATE_MOVABLE) {    /* what keeps the block from being defragmented */
			unsigned long site = page_owner_site(m, pfn);
			size_t i;

			for (i = first; i < *nsites && sites[i] != site; i++)
				;
			if (i == *nsites && *nsites < first + 64) {
				sites[i] = site;
				counts[i] = 0;
				++*nsites;
			}
			if (i < *nsites)
				counts[i] += n;
		}
		pfn += n;
	}
	/* a mixed block's polluter: the site with the most unmovable (or
	 * reclaimable) pages in it - movable pages can be migrated away, these
	 * cannot */
	for (size_t i = first, best = 0; b->mixed && i < *nsites; i++)
		if (counts[i] > best && sites[i]) {
			best = counts[i];
			b->polluter = sites[i];
		}
	*nsites = first;
}

/* Every present pageblock of the machine in PFN order: *n of them
 * (caller frees). */
static struct cn_block *cn_walk(struct mm *m, size_t *n)
{
	/* a zone that starts or ends inside a pageblock walks it too */
	struct cn_block *v = calloc(m->nr_pages / m->pageblock_nr_pages + 2 * (size_t)m->nr_zones + 1,
				    sizeof(*v));
	unsigned long sites[64], counts[64];

	*n = 0;
	if (!v)
		return NULL;
	for (int id = 0; id < m->nr_zones; id++) {
		struct zone *z = zone_by_id(m, id);
		unsigned long end;

		if (!z->present_pages)
			continue;
		end = z->zone_start_pfn + z->spanned_pages;
		zone_lock(z);
		for (unsigned long pb = z->zone_start_pfn & ~(m->pageblock_nr_pages - 1); pb < end;
		     pb += m->pageblock_nr_pages) {
			size_t ns = 0;

			cn_block(m, z, pb, &v[*n], sites, counts, &ns);
			++*n;
		}
		zone_unlock(z);
	}
	return v;
}

static size_t cn_polluter_index(struct cn_polluter *p, size_t *np, size_t cap, unsigned long site)
{
	size_t i;

	for (i = 0; i < *np && p[i].site != site; i++)
		;
	if (i == *np && *np < cap)
		p[(*np)++] = (struct cn_polluter){ .site = site };
	return i;
}

/* The column a mixed pageblock counts in: its own type's, a CMA block's
 * in Movable's (pagetypeinfo_showmixedcount_print()). */
static int cn_mixed_type(int mt)
{
	return mt == MIGRATE_CMA ? MIGRATE_MOVABLE : mt;
}

static int cn_cmp_polluter(const void *a, const void *b)
{
	const struct cn_polluter *x = a, *y = b;

	return x->blocks < y->blocks ? 1 : x->blocks > y->blocks ? -1 :
	       x->pages < y->pages ? 1 : x->pages > y->pages ? -1 : 0;
}

/* What the "summary" member counts, over every pageblock. */
struct cn_summary {
	unsigned long blocks[MIGRATE_TYPES], mixed[MIGRATE_TYPES], pages[CN_NR];
	unsigned long free_2m, free_1g;
};

static void cn_json_summary(struct json_writer *w, const struct cn_summary *s)
{
	jw_object(w, "summary", JW_INLINE);
	mt_counts_json(w, "pageblocks", s->blocks);
	mt_counts_json(w, "mixed", s->mixed);
	jw_object(w, "pages", JW_INLINE);
	for (int k = 0; k < CN_NR; k++)
		jw_uint(w, cn_names[k], s->pages[k]);
	jw_end(w);
	jw_uint(w, "free_2m", s->free_2m);
	jw_uint(w, "free_1g", s->free_1g);
	jw_end(w);
}

/* "sites": the polluters, most blocks first; pidx[] (indices into pol)
 * become indices into that list.  Left out when out of memory. */
static void cn_json_sites(struct mm *m, struct json_writer *w, const struct cn_polluter *pol,
			  size_t np, size_t *pidx, size_t n)
{
	struct cn_polluter *sorted = malloc((np + 1) * sizeof(*sorted));
	size_t *rank = malloc((np + 1) * sizeof(*rank));

	if (sorted && rank) {
		memcpy(sorted, pol, np * sizeof(*pol));
		qsort(sorted, np, sizeof(*sorted), cn_cmp_polluter);
		for (size_t i = 0; i < np; i++)
			for (size_t j = 0; j < np; j++)
				if (sorted[j].site == pol[i].site)
					rank[i] = j;
		jw_array(w, "sites", JW_INLINE);
		for (size_t i = 0; i < np; i++) {
			jw_object(w, NULL, JW_INLINE);
			page_owner_site_json(m, sorted[i].site, w, "name");
			jw_uint(w, "mixed_pageblocks", sorted[i].blocks);
			jw_end(w);
		}
		jw_end(w);
		for (size_t i = 0; i < n; i++)
			if (pidx[i] != SIZE_MAX)
				pidx[i] = rank[pidx[i]];
	}
	free(sorted);
	free(rank);
}

/* "map": per pageblock in PFN order, as arrays and letter strings. */
static void cn_json_map(struct json_writer *w, const struct cn_block *v, size_t n,
			const size_t *pidx)
{
	struct strbuf letters;

	jw_object(w, "map", JW_INLINE);
	jw_array(w, "pfn", JW_INLINE);
	for (size_t i = 0; i < n; i++)
		jw_uint(w, NULL, v[i].pfn);
	jw_end(w);
	sb_init(&letters);
	sb_puts(&letters, "");
	for (size_t i = 0; i < n; i++)
		sb_putn(&letters, &mt_letters[v[i].mt], 1);
	jw_string(w, "type", letters.buf);
	letters.len = 0;
	for (size_t i = 0; i < n; i++)
		sb_puts(&letters, v[i].mixed ? "1" : "0");
	jw_string(w, "mixed", letters.buf);
	free(letters.buf);
	for (int k = 0; k < CN_NR; k++) {
		jw_array(w, cn_names[k], JW_INLINE);
		for (size_t i = 0; i < n; i++)
			jw_uint(w, NULL, v[i].pages[k]);
		jw_end(w);
	}
	jw_array(w, "polluter", JW_INLINE);
	for (size_t i = 0; i < n; i++)
		jw_int(w, NULL, pidx[i] == SIZE_MAX ? -1 : (long long)pidx[i]);
	jw_end(w);
	jw_end(w);
}

void census_json(struct mm *m, struct json_writer *w)
{
	size_t n, np = 0;
	struct cn_block *v = cn_walk(m, &n);
	struct cn_summary sum = { 0 };
	unsigned long gig = 1ul << (30 - PAGE_SHIFT), run = 0;
	struct cn_polluter *pol = calloc(n + 1, sizeof(*pol));
	size_t *pidx = calloc(n + 1, sizeof(*pidx));

	if (!v || !pol || !pidx) {
		free(v);
		free(pol);
		free(pidx);
		jw_null(w, "census");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sum.blocks[v[i].mt]++;
		sum.mixed[cn_mixed_type(v[i].mt)] += v[i].mixed;
		for (int k = 0; k < CN_NR; k++)
			sum.pages[k] += v[i].pages[k];
		sum.free_2m += v[i].pages[CN_FREE] == m->pageblock_nr_pages;
		/* fully free 1 GiB-aligned ranges: runs of free blocks from an aligned start */
		if (!(v[i].pfn & (gig - 1)))
			run = 0;
		run = v[i].pages[CN_FREE] == m->pageblock_nr_pages ? run + m->pageblock_nr_pages : 0;
		if (run == gig && gig >= m->pageblock_nr_pages) {
			sum.free_1g++;
			run = 0;
		}
		pidx[i] = SIZE_MAX;
		if (v[i].polluter) {
			size_t k = cn_polluter_index(pol, &np, n, v[i].polluter);

			pol[k].blocks++;
			pidx[i] = k;
		}
	}
	jw_object(w, "census", JW_INLINE);
	jw_uint(w, "pageblock_order", m->pageblock_order);
	jw_uint(w, "pageblocks", n);
	cn_json_summary(w, &sum);
	cn_json_sites(m, w, pol, np, pidx, n);
	cn_json_map(w, v, n, pidx);
	jw_end(w);
	free(v);
	free(pol);
	free(pidx);
}

unsigned long census_mixed(struct mm *m)
{
	size_t n;
	struct cn_block *v = cn_walk(m, &n);
	unsigned long mixed = 0;

	for (size_t i = 0; v && i < n; i++)
		mixed += v[i].mixed;
	free(v);
	return mixed;
}

unsigned long mm_mixed_pageblocks(struct mm *m)
{
	return m ? census_mixed(m) : 0;
}
