// SPDX-License-Identifier: GPL-2.0-only
/*
 * zone.c - zones' watermarks, lowmem_reserve and the zonelists, and the
 * watermark check (mm/page_alloc.c: __setup_per_zone_wmarks,
 * setup_per_zone_lowmem_reserve, build_zonelists, __zone_watermark_ok).
 *
 * min_free_kbytes: sqrt(lowmem_kbytes * 16) clamped to [128, 262144]
 * (calculate_min_free_kbytes), raised with THP enabled to khugepaged's
 * recommendation (set_recommended_min_free_kbytes), or the user's value.
 * Watermarks (pages), per zone, from min_free_kbytes:
 *   tmp   = pages_min * managed / lowmem_pages     (lowmem: all but MOVABLE)
 *   min   = tmp, or clamp(managed/1024, 32, 128) for MOVABLE
 *   delta = max(tmp/4, managed * watermark_scale_factor / 10000)
 *   low   = min + delta, high = low + delta
 * lowmem_reserve[j] of zone i (j > i) = managed(i+1..j) / ratio[i].
 * Zonelists: the local node's populated zones from the highest index down,
 * then the other nodes in turn (FALLBACK); only the local node (NOFALLBACK,
 * for __GFP_THISNODE).
 *
 * Fragmentation indices (mm/vmstat.c, x1000), of the free blocks per order:
 *   unusable(o) = (free_pages - suitable_blocks(o) << o) * 1000 / free_pages
 *   extfrag(o)  = -1000 if a block >= o is free, 0 with no free memory, else
 *                 1000 - (1000 + free_pages * 1000 / 2^o) / free_blocks_total
 *
 * Locking: everything here is set at boot before the machine is shared and
 * read-only afterwards, except that the watermark check and the indices of
 * a live zone read free_area counts without zone->lock, as the kernel does
 * (relaxed loads).
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, bit = 1ul << (sizeof(long) * 8 - 2);

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

#define for_each_zone(m, z) \
	for (int __i = 0; __i < (m)->nr_zones && ((z) = zone_by_id((m), __i)); __i++)

/* calculate_min_free_kbytes(): sqrt(lowmem_kbytes * 16), clamped. */
static unsigned long calculate_min_free_kbytes(struct mm *m)
{
	unsigned long lowmem_kbytes = 0, v;
	struct zone *z;

	for_each_zone(m, z)
		if (z->idx <= ZONE_NORMAL)
			lowmem_kbytes += z->managed_pages * (PAGE_SIZE >> 10);
	v = int_sqrt(lowmem_kbytes * 16);
	if (v < 128)
		v = 128;
	if (v > 262144)
		v = 262144;
	return v;
}

static unsigned long mult_frac(unsigned long x, unsigned long n, unsigned long d)
{
	return (x / d) * n + ((x % d) * n) / d;
}

static void setup_per_zone_wmarks(struct mm *m)
{
	unsigned long pages_min = m->min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = 0;
	struct zone *z;

	for_each_zone(m, z)
		if (z->idx != ZONE_MOVABLE)
			lowmem_pages += z->managed_pages;
	for_each_zone(m, z) {
		unsigned long tmp = lowmem_pages ? pages_min * z->managed_pages / lowmem_pages : 0;
		unsigned long delta;

		if (z->idx == ZONE_MOVABLE) {
			unsigned long min_pages = z->managed_pages / 1024;

			z->_watermark[WMARK_MIN] = min_pages < 32 ? 32 : min_pages > 128 ? 128 : min_pages;
		} else {
			z->_watermark[WMARK_MIN] = tmp;
		}
		delta = mult_frac(z->managed_pages, (unsigned long)m->cfg.watermark_scale_factor, 10000);
		if (tmp >> 2 > delta)
			delta = tmp >> 2;
		z->watermark_boost = 0;
		z->_watermark[WMARK_LOW] = z->_watermark[WMARK_MIN] + delta;
		z->_watermark[WMARK_HIGH] = z->_watermark[WMARK_LOW] + delta;
	}
}

/* nr_free_buffer_pages(): managed pages above the high watermark in the
 * zones GFP_USER may use (every node's DMA, DMA32 and NORMAL). */
static unsigned long nr_free_buffer_pages(struct mm *m)
{
	unsigned long sum = 0;
	struct zone *z;

	for_each_zone(m, z)
		if (z->idx <= ZONE_NORMAL && z->managed_pages > z->_watermark[WMARK_HIGH])
			sum += z->managed_pages - z->_watermark[WMARK_HIGH];
	return sum;
}

/* set_recommended_min_free_kbytes() (mm/khugepaged.c): with THP enabled,
 * room for 2 free pageblocks per zone plus one of each pcp migratetype
 * falling back to each other (MIGRATE_PCPTYPES^2), capped at 5% of
 * nr_free_buffer_pages(); min_free_kbytes only ever grows here. */
static void set_recommended_min_free_kbytes(struct mm *m)
{
	unsigned long nr_zones = 0, recommended;
	struct zone *z;

	for_each_zone(m, z)
		if (populated_zone(z) && z->idx <= ZONE_NORMAL)
			nr_zones++;
	recommended = m->pageblock_nr_pages * nr_zones * 2 +
		      m->pageblock_nr_pages * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
	if (recommended > nr_free_buffer_pages(m) / 20)
		recommended = nr_free_buffer_pages(m) / 20;
	recommended <<= PAGE_SHIFT - 10;
	if (recommended > m->min_free_kbytes) {
		m->min_free_kbytes = recommended;
		setup_per_zone_wmarks(m);
	}
}

static void setup_per_zone_lowmem_reserve(struct mm *m)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &m->nodes[n].node_zones[i];
			int ratio = m->cfg.lowmem_reserve_ratio[i];
			bool clear = ratio < 1 || !z->managed_pages;
			unsigned long managed = 0;

			for (int j = 0; j <= i; j++)
				z->lowmem_reserve[j] = 0;
			for (int j = i + 1; j < MAX_NR_ZONES; j++) {
				managed += m->nodes[n].node_zones[j].managed_pages;
				z->lowmem_reserve[j] = clear ? 0 : managed / (unsigned long)ratio;
			}
		}
	}
}

static void calculate_totalreserve_pages(struct mm *m)
{
	struct zone *z;

	m->totalreserve_pages = 0;
	for_each_zone(m, z) {
		unsigned long max = 0;

		for (int j = z->idx; j < MAX_NR_ZONES; j++)
			if (z->lowmem_reserve[j] > max)
				max = z->lowmem_reserve[j];
		max += z->_watermark[WMARK_HIGH];
		if (max > z->managed_pages)
			max = z->managed_pages;
		m->totalreserve_pages += max;
	}
}

/* Append node's populated zones, highest index first. */
static int zonelist_add_node(struct mm *m, struct zone **zl, int k, int node)
{
	for (int i = MAX_NR_ZONES - 1; i >= 0; i--) {
		struct zone *z = &m->nodes[node].node_zones[i];

		if (populated_zone(z))
			zl[k++] = z;
	}
	return k;
}

static int build_zonelists(struct mm *m)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pg = &m->nodes[n];
		struct zone **fb = calloc((size_t)m->nr_zones + 1, sizeof(*fb));
		struct zone **nofb = calloc(MAX_NR_ZONES + 1, sizeof(*nofb));
		int k = 0;

		pg->node_zonelists[ZONELIST_FALLBACK] = fb;
		pg->node_zonelists[ZONELIST_NOFALLBACK] = nofb;
		if (!fb || !nofb)
			return -ENOMEM;
		for (int d = 0; d < m->nr_nodes; d++)
			k = zonelist_add_node(m, fb, k, (n + d) % m->nr_nodes);
		zonelist_add_node(m, nofb, 0, n);
		for (int l = 0; l < MAX_ZONELISTS; l++) {
			for (int hz = 0; hz < MAX_NR_ZONES; hz++) {
				struct zone **zp = pg->node_zonelists[l];

				while (*zp && (*zp)->idx > hz)
					zp++;
				pg->preferred[l][hz] = *zp;
			}
		}
	}
	for (int c = 0; c < m->nr_cpus; c++)
		memcpy(m->cpus[c].preferred, m->nodes[m->cpus[c].node].preferred,
		       sizeof(m->cpus[c].preferred));
	return 0;
}

int zones_init(struct mm *m)
{
	struct zone *z;

	m->zone_table = calloc((size_t)m->nr_zones, sizeof(*m->zone_table));
	if (!m->zone_table)
		return -ENOMEM;
	for_each_zone(m, z) {
		unsigned long first = z->zone_start_pfn >> m->pageblock_order;
		unsigned long last = z->spanned_pages
			? (z->zone_start_pfn + z->spanned_pages - 1) >> m->pageblock_order
			: first;

		m->zone_table[z->id] = z;
		pthread_mutex_init(&z->lock, NULL);
		z->pb_base = first;
		z->pageblock_order = m->pageblock_order;
		z->highatomic_unusable = (m->pa & PA_HIGHATOMIC_FREE) ? &z->nr_free_highatomic
								       : &z->nr_reserved_highatomic;
		zone_set_below_high(z, 0);
		zone_update_unusable(z);
		z->pageblock_mt = calloc(last - first + 1, 1);
		if (!z->pageblock_mt)
			return -ENOMEM;
		for (unsigned o = 0; o < MM_NR_ORDERS_MAX; o++)
			for (int t = 0; t < MIGRATE_TYPES; t++)
				INIT_LIST_HEAD(&z->free_area[o].free_list[t]);
	}
	m->min_free_kbytes = m->cfg.min_free_kbytes >= 0 ? (unsigned long)m->cfg.min_free_kbytes
							 : calculate_min_free_kbytes(m);
	setup_per_zone_wmarks(m);
	/* khugepaged's start (thp=always|madvise); a min_free_kbytes= set by
	 * the user is a sysctl written later, and wins */
	if (m->cfg.thp != THP_NEVER && m->cfg.min_free_kbytes < 0)
		set_recommended_min_free_kbytes(m);
	setup_per_zone_lowmem_reserve(m);
	calculate_totalreserve_pages(m);
	/* page_group_by_mobility_disabled: too little memory to group */
	m->page_group_by_mobility_disabled =
		m->nr_pages < m->pageblock_nr_pages * MIGRATE_TYPES;
	return build_zonelists(m);
}

void zones_exit(struct mm *m)
{
	struct zone *z;

	if (!m->nodes)
		return;
	for (int n = 0; n < m->nr_nodes; n++)
		for (int l = 0; l < MAX_ZONELISTS; l++)
			free(m->nodes[n].node_zonelists[l]);
	for_each_zone(m, z) {
		if (z->pageblock_mt)
			pthread_mutex_destroy(&z->lock);
		free(z->pageblock_mt);
	}
	free(m->zone_table);
}

/*
 * __zone_watermark_ok() (6.x): may an allocation of order take pages from z
 * while keeping mark (+ lowmem_reserve for the requester's highest zone)
 * free?  Reserve flags shrink the mark: __GFP_HIGH by half, then non-blocking
 * callers by another quarter.  Free pages the caller cannot use do not
 * count (__zone_watermark_unusable_free: HIGHATOMIC without reserve rights,
 * CMA without ALLOC_CMA).  For order > 0, some free block of at least that
 * order must exist on a list the caller may use (CMA's with ALLOC_CMA).
 */
bool __zone_watermark_ok(struct zone *z, unsigned order, unsigned long mark,
			 int highest_zoneidx, unsigned alloc_flags, long free_pages)
{
	long min = (long)mark;

	free_pages -= zone_unusable_free(z, order, alloc_flags);
	if (unlikely(alloc_flags & ALLOC_RESERVES)) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + (long)z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	for (unsigned o = order; o < z->mm->nr_orders; o++) {
		struct free_area *area = &z->free_area[o];

		if (!READ_ONCE(area->nr_free))
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (READ_ONCE(area->nr_free_mt[mt]))
				return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    READ_ONCE(area->nr_free_mt[MIGRATE_HIGHATOMIC]))
			return true;
		if ((alloc_flags & ALLOC_CMA) && READ_ONCE(area->nr_free_mt[MIGRATE_CMA]))
			return true;
	}
	return false;
}

int mm_zone_info(struct mm *m, int node, int zone_idx, struct mm_zone_info *out)
{
	if (!m)
		return -EINVAL;
	struct zone *z;

	if (node < 0 || node >= m->nr_nodes || zone_idx < 0 || zone_idx >= MAX_NR_ZONES)
		return mm_error(m, EINVAL, "zone_info: no zone %d on node %d", zone_idx, node);
	if (!out)
		return mm_error(m, EINVAL, "zone_info: no place for the answer");
	z = &m->nodes[node].node_zones[zone_idx];
	*out = (struct mm_zone_info){
		.node = node, .zone_idx = zone_idx, .name = z->name,
		.start_pfn = z->zone_start_pfn, .spanned = z->spanned_pages,
		.present = z->present_pages, .managed = z->managed_pages,
		.min = wmark_pages(z, WMARK_MIN), .low = wmark_pages(z, WMARK_LOW),
		.high = wmark_pages(z, WMARK_HIGH), .boost = z->watermark_boost,
	};
	for (int j = 0; j < MAX_NR_ZONES; j++)
		out->lowmem_reserve[j] = z->lowmem_reserve[j];
	zone_lock(z);
	out->free = z->nr_free_pages;
	out->nr_reserved_highatomic = z->nr_reserved_highatomic;
	out->nr_free_highatomic = z->nr_free_highatomic;

	out->below_high = READ_ONCE(z->below_high);
	out->cma_pages = z->cma_pages;
	out->nr_free_cma = READ_ONCE(z->nr_free_cma);
	for (unsigned o = 0; o < m->nr_orders; o++) {
		out->nr_free[o] = z->free_area[o].nr_free;
		for (int t = 0; t < MIGRATE_TYPES; t++) {
			out->nr_free_mt[t][o] = z->free_area[o].nr_free_mt[t];
			if (o >= m->pageblock_order && t != MIGRATE_ISOLATE)    /* NR_FREE_PAGES_BLOCKS */
				out->nr_free_pages_blocks += z->free_area[o].nr_free_mt[t] << o;
		}
	}
	if (populated_zone(z)) {
		unsigned long first = z->pb_base;
		unsigned long last = (z->zone_start_pfn + z->spanned_pages - 1) >> m->pageblock_order;

		for (unsigned long b = first; b <= last; b++)
			out->nr_pageblocks[get_pageblock_migratetype(z, b << m->pageblock_order)]++;
	}
	zone_unlock(z);
	return 0;
}

/* ---- fragmentation indices (mm/vmstat.c) ---------------------------------
 * fill_contig_page_info(), unusable_free_index() and __fragmentation_index()
 * of a zone's free blocks per order: here, below compaction (which asks
 * them of live zones) and the reports (stats.c, mmbench). */

struct contig_page_info {
	unsigned long free_pages, free_blocks_total, free_blocks_suitable;
};

static void fill_contig_page_info(const unsigned long *nr_free, unsigned nr_orders,
				  unsigned suitable, struct contig_page_info *info)
{
	memset(info, 0, sizeof(*info));
	for (unsigned o = 0; o < nr_orders; o++) {
		unsigned long blocks = nr_free[o];

		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if (o >= suitable)
			info->free_blocks_suitable += blocks << (o - suitable);
	}
}

static int unusable_free_index(unsigned order, const struct contig_page_info *info)
{
	if (!info->free_pages)
		return 1000;
	return (int)((info->free_pages - (info->free_blocks_suitable << order)) * 1000ul /
		     info->free_pages);
}

static int fragmentation_index(unsigned order, const struct contig_page_info *info)
{
	unsigned long requested = 1ul << order;

	if (!info->free_blocks_total)
		return 0;
	if (info->free_blocks_suitable)
		return -1000;
	return (int)(1000 - ((1000 + info->free_pages * 1000 / requested) /
			     info->free_blocks_total));
}

/* The one computation of both indices, for the reports (stats.c) and for
 * callers holding a zone's free blocks per order (mmbench's timeline). */
static int frag_index(const unsigned long *nr_free, unsigned nr_orders, unsigned order,
		      int (*index)(unsigned order, const struct contig_page_info *info))
{
	struct contig_page_info info;

	if (!nr_free || order >= nr_orders || nr_orders > MM_NR_ORDERS_MAX)
		return -EINVAL;
	fill_contig_page_info(nr_free, nr_orders, order, &info);
	return index(order, &info);
}

int mm_unusable_index(const unsigned long *nr_free, unsigned nr_orders, unsigned order)
{
	return frag_index(nr_free, nr_orders, order, unusable_free_index);
}

int mm_fragmentation_index(const unsigned long *nr_free, unsigned nr_orders, unsigned order)
{
	return frag_index(nr_free, nr_orders, order, fragmentation_index);
}

/* The same indices of a live zone, from its free_area counts (read
 * without the lock, as the kernel's fragmentation_index() does). */
static void zone_contig_page_info(struct zone *z, unsigned suitable, struct contig_page_info *info)
{
	unsigned long nr_free[MM_NR_ORDERS_MAX];

	for (unsigned o = 0; o < z->mm->nr_orders; o++)
		nr_free[o] = READ_ONCE(z->free_area[o].nr_free);
	fill_contig_page_info(nr_free, z->mm->nr_orders, suitable, info);
}

int zone_fragmentation_index(struct zone *z, unsigned order)
{
	struct contig_page_info info;

	zone_contig_page_info(z, order, &info);
	return fragmentation_index(order, &info);
}

unsigned zone_extfrag_for_order(struct zone *z, unsigned order)
{
	struct contig_page_info info;

	zone_contig_page_info(z, order, &info);
	if (!info.free_pages)
		return 0;
	return (unsigned)((info.free_pages - (info.free_blocks_suitable << order)) * 100 /
			  info.free_pages);
}
