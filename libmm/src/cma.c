// SPDX-License-Identifier: GPL-2.0-only
/*
 * cma.c - the Contiguous Memory Allocator (mm/cma.c of Linux 6.18:
 * cma_declare_contiguous_nid, cma_activate_area, cma_alloc with
 * cma_range_alloc/__cma_alloc, cma_release, cma_debug_show_areas; the
 * debugfs and sysfs files of mm/cma_debug.c and mm/cma_sysfs.c).
 *
 * Areas come from the machine keys cma=SIZE[@node] (the default area,
 * "reserved") and cma_areas=NAME:SIZE[@node][/order_per_bit].  Placement
 * follows cma_declare_contiguous_nid(): sizes and bases aligned to a
 * pageblock (CMA_MIN_ALIGNMENT_PAGES; to 2^order_per_bit pages when that is
 * more), bottom-up from the start of the node's NORMAL zone - the kernel's
 * bottom-up placement above 4G, which keeps compaction moving pages out of
 * the area and not into it - and, when NORMAL has no room, top-down from
 * the end of DMA32.  One area lies in one zone.  At boot, before anything
 * is allocated, cma_activate_area() turns each pageblock into MIGRATE_CMA
 * (init_cma_reserved_pageblock, buddy.c); the pages stay free, on the CMA
 * lists, where only ALLOC_CMA (movable) allocations may take them, under
 * the balancing rule of cma_balance= (buddy.c's __rmqueue).
 *
 * cma_alloc(area, count, align): one bit per 2^order_per_bit pages;
 * bitmap_find_next_zero_area_off() finds a free run aligned to 2^align
 * pages (cma_bitmap_aligned_mask/offset), the bits are set and the
 * available count lowered under the area's lock, then, under the
 * machine's cma_mutex, alloc_contig_range(MIGRATE_CMA) (contig.c) empties
 * the range.  On -EBUSY the bits are cleared and the search goes on after
 * the failed start (bitmap_no + mask + 1, trace_cma_alloc_busy_retry); any
 * other error, or no run left, ends it.  The outcome counts
 * cma_alloc_success/cma_alloc_fail (vmstat) and the area's sysfs pages;
 * a failure without no_warn logs the kernel's "alloc failed" line, why
 * the last range was busy, and cma_debug_show_areas()'s free runs.
 * cma_release() checks the pages are a live allocation of the area
 * (libmm keeps a table where the kernel trusts the caller), frees them
 * (free_contig_range) and clears the bits.
 *
 * Invariants (cma_validate): the set bits of an area are exactly the bits
 * of its live allocations; available = count - their pages; every
 * pageblock of an area is typed CMA and nothing else is; an allocated page
 * in a CMA pageblock is movable (__GFP_MOVABLE) or part of a contiguous
 * allocation.
 *
 * Locking: area->lock (a leaf, the kernel's cma->lock spinlock; 14 in
 * mm_types.h's order) guards the bitmap, available count and statistics;
 * cma_mutex (7) serialises the alloc_contig_range() calls of every area,
 * as the kernel's does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "movable.h"
#include "page_owner.h"


struct cma_area {
	char name[MM_CMA_NAME_LEN];
	int node;
	struct zone *zone;
	unsigned long base_pfn, count;
	unsigned order_per_bit;
	unsigned long *bitmap;          /* count >> order_per_bit bits */
	unsigned long available_count;
	pthread_mutex_t lock;
	struct mm_cma_info st;          /* statistics and the last failure */
};

struct cma_state {
	int nr;
	struct cma_area area[MM_CMA_MAX_AREAS];
	pthread_mutex_t cma_mutex;
	unsigned long total;            /* totalcma_pages */
};

/* ---- bitmap helpers (lib/bitmap.c) -------------------------------------------- */

static inline bool test_bit(const unsigned long *map, unsigned long i)
{
	return (map[i / BITS_PER_LONG] >> (i % BITS_PER_LONG)) & 1;
}

static void bitmap_assign(unsigned long *map, unsigned long start, unsigned long nr, bool set)
{
	for (unsigned long i = start; i < start + nr; i++) {
		unsigned long bit = 1ul << (i % BITS_PER_LONG);

		if (set)
			map[i / BITS_PER_LONG] |= bit;
		else
			map[i / BITS_PER_LONG] &= ~bit;
	}
}

static unsigned long find_next_bit_val(const unsigned long *map, unsigned long size,
				       unsigned long start, bool val)
{
	while (start < size && test_bit(map, start) != val)
		start++;
	return start < size ? start : size;
}

/* bitmap_find_next_zero_area_off() */
static unsigned long bitmap_find_next_zero_area_off(const unsigned long *map,
						    unsigned long size, unsigned long start,
						    unsigned long nr, unsigned long align_mask,
						    unsigned long align_offset)
{
	for (;;) {
		unsigned long index = find_next_bit_val(map, size, start, false), end, i;

		index = ((index + align_offset + align_mask) & ~align_mask) - align_offset;
		end = index + nr;
		if (end > size)
			return end;
		i = find_next_bit_val(map, end, index, true);
		if (i >= end)
			return index;
		start = i + 1;
	}
}

static unsigned long cma_bitmap_maxno(const struct cma_area *a)
{
	return a->count >> a->order_per_bit;
}

static unsigned long cma_bitmap_aligned_mask(const struct cma_area *a, unsigned align)
{
	if (align <= a->order_per_bit)
		return 0;
	return (1ul << (align - a->order_per_bit)) - 1;
}

static unsigned long cma_bitmap_aligned_offset(const struct cma_area *a, unsigned align)
{
	return (a->base_pfn & ((1ul << align) - 1)) >> a->order_per_bit;
}

static unsigned long cma_bitmap_pages_to_bits(const struct cma_area *a, unsigned long pages)
{
	unsigned long unit = 1ul << a->order_per_bit;

	return ((pages + unit - 1) & ~(unit - 1)) >> a->order_per_bit;
}

/* area->lock held: bits set (used) and the largest run of clear bits. */
static void cma_usage(const struct cma_area *a, unsigned long *used, unsigned long *maxchunk)
{
	unsigned long nbits = cma_bitmap_maxno(a), run = 0, best = 0, set = 0;

	for (unsigned long i = 0; i < nbits; i++) {
		if (test_bit(a->bitmap, i)) {
			set++;
			run = 0;
		} else if (++run > best) {
			best = run;
		}
	}
	*used = set << a->order_per_bit;
	*maxchunk = best << a->order_per_bit;
}

static void cma_clear_bitmap(struct cma_area *a, unsigned long pfn, unsigned long count)
{
	mm_lock(&a->lock, LOCK_CMA_AREA);
	bitmap_assign(a->bitmap, (pfn - a->base_pfn) >> a->order_per_bit,
		      cma_bitmap_pages_to_bits(a, count), false);
	a->available_count += count;
	mm_unlock(&a->lock);
}

/* ---- boot ------------------------------------------------------------------------ */

/* cma_declare_contiguous_nid(): where the area goes.  0 or -EINVAL. */
static int cma_place(struct mm *m, struct cma_area *a, unsigned long bytes,
		     unsigned long *bottom, unsigned long *top, char *err, size_t errlen)
{
	struct pglist_data *pg = &m->nodes[a->node];
	unsigned long align = m->pageblock_nr_pages, pages = bytes >> PAGE_SHIFT;
	struct zone *normal = &pg->node_zones[ZONE_NORMAL], *dma32 = &pg->node_zones[ZONE_DMA32];
	int nid = a->node;

	if ((1ul << a->order_per_bit) > align)
		align = 1ul << a->order_per_bit;
	if (!pages)
		pages = 1;
	pages = (pages + align - 1) & ~(align - 1);
	a->count = pages;
	if (populated_zone(normal)) {
		unsigned long base = (bottom[nid] + align - 1) & ~(align - 1);

		if (base + pages <= normal->zone_start_pfn + normal->spanned_pages) {
			a->base_pfn = base;
			a->zone = normal;
			bottom[nid] = base + pages;
			return 0;
		}
	}
	if (populated_zone(dma32) && top[nid] >= pages) {
		unsigned long base = (top[nid] - pages) & ~(align - 1);

		if (base >= dma32->zone_start_pfn) {
			a->base_pfn = base;
			a->zone = dma32;
			top[nid] = base;
			return 0;
		}
	}
	snprintf(err, errlen, "CMA area '%s': no room for %lu pages on node %d (the NORMAL zone, "
		 "then DMA32, hold it in one zone)", a->name, pages, nid);
	return -EINVAL;
}

int cma_init(struct mm *m, char *err, size_t errlen)
{
	const struct mm_config *c = &m->cfg;
	unsigned long bottom[MM_MAX_NODES], top[MM_MAX_NODES];
	struct cma_state *cs;

	m->cma = NULL;
	if (!c->nr_cma_specs)
		return 0;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		goto nomem;
	pthread_mutex_init(&cs->cma_mutex, NULL);
	m->cma = cs;
	for (int n = 0; n < m->nr_nodes; n++) {
		struct zone *normal = &m->nodes[n].node_zones[ZONE_NORMAL];
		struct zone *dma32 = &m->nodes[n].node_zones[ZONE_DMA32];

		bottom[n] = normal->zone_start_pfn;
		top[n] = dma32->zone_start_pfn + dma32->spanned_pages;
	}
	for (int i = 0; i < c->nr_cma_specs; i++) {
		const struct mm_cma_spec *sp = &c->cma_spec[i];
		struct cma_area *a = &cs->area[i];
		unsigned long nbits;

		strcpy(a->name, sp->name);
		a->node = sp->node < 0 ? 0 : sp->node;
		a->order_per_bit = sp->order_per_bit;
		if (a->node >= m->nr_nodes) {
			snprintf(err, errlen, "CMA area '%s': node %d does not exist (the machine "
				 "has %d)", a->name, a->node, m->nr_nodes);
			return -EINVAL;
		}
		if (cma_place(m, a, sp->bytes, bottom, top, err, errlen))
			return -EINVAL;
		nbits = cma_bitmap_maxno(a);
		a->bitmap = calloc((nbits + BITS_PER_LONG - 1) / BITS_PER_LONG, sizeof(long));
		if (!a->bitmap)
			goto nomem;
		pthread_mutex_init(&a->lock, NULL);
		a->available_count = a->count;
		a->st.last_reason = -1;
		cs->nr++;
		/* cma_activate_area() */
		for (unsigned long pfn = a->base_pfn; pfn < a->base_pfn + a->count;
		     pfn += m->pageblock_nr_pages)
			init_cma_reserved_pageblock(a->zone, pfn);
		cs->total += a->count;
		mm_printk(m, "cma: Reserved %lu MiB at pfn %#lx (%s zone, node %d) for '%s'",
			  (a->count << PAGE_SHIFT) >> 20, a->base_pfn, a->zone->name, a->node,
			  a->name);
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory for the CMA areas");
	return -ENOMEM;
}

void cma_exit(struct mm *m)
{
	struct cma_state *cs = m->cma;

	if (!cs)
		return;
	for (int i = 0; i < cs->nr; i++) {
		pthread_mutex_destroy(&cs->area[i].lock);
		free(cs->area[i].bitmap);
	}
	pthread_mutex_destroy(&cs->cma_mutex);
	free(cs);
	m->cma = NULL;
}

unsigned long cma_total_pages(struct mm *m)
{
	return m->cma ? m->cma->total : 0;
}

/* ---- lookup ---------------------------------------------------------------------- */

int mm_cma_area_count(struct mm *m)
{
	if (!m)
		return -EINVAL;
	return m->cma ? m->cma->nr : 0;
}

int mm_cma_area_index(struct mm *m, const char *name)
{
	if (!m)
		return -EINVAL;
	if (!name)
		name = "reserved";
	for (int i = 0; m->cma && i < m->cma->nr; i++)
		if (!strcmp(m->cma->area[i].name, name))
			return i;
	return -EINVAL;
}

static struct cma_area *cma_lookup(struct mm *m, const char *fn, const char *name)
{
	int i = mm_cma_area_index(m, name);

	if (i < 0) {
		if (!m->cma)
			mm_error(m, EINVAL, "%s: the machine has no CMA areas (machine keys cma= and "
				 "cma_areas=)", fn);
		else
			mm_error(m, EINVAL, "%s: no CMA area named '%s'", fn,
				 name ? name : "reserved");
		return NULL;
	}
	return &m->cma->area[i];
}

int mm_cma_area_info(struct mm *m, int idx, struct mm_cma_info *out)
{
	struct cma_area *a;

	if (!m || !out)
		return -EINVAL;
	if (idx < 0 || !m->cma || idx >= m->cma->nr)
		return mm_error(m, EINVAL, "cma_area_info: no CMA area %d", idx);
	a = &m->cma->area[idx];
	mm_lock(&a->lock, LOCK_CMA_AREA);
	*out = a->st;
	strcpy(out->name, a->name);
	out->node = a->node;
	out->zone_idx = a->zone->idx;
	out->base_pfn = a->base_pfn;
	out->count = a->count;
	out->order_per_bit = a->order_per_bit;
	out->available = a->available_count;
	cma_usage(a, &out->used, &out->maxchunk);
	mm_unlock(&a->lock);
	out->nr_allocations = contig_count_ranges(m, idx);
	return 0;
}

/* ---- cma_alloc / cma_release -------------------------------------------------------- */

/* cma_debug_show_areas(): the free runs, "N@BIT" each. */
static void cma_debug_show_areas(struct mm *m, struct cma_area *a)
{
	unsigned long nbits = cma_bitmap_maxno(a), start = 0;
	struct strbuf sb;
	char *text;

	sb_init(&sb);
	mm_lock(&a->lock, LOCK_CMA_AREA);
	sb_puts(&sb, "cma: number of available pages: ");
	for (;;) {
		unsigned long zero = find_next_bit_val(a->bitmap, nbits, start, false), set;

		if (zero >= nbits)
			break;
		set = find_next_bit_val(a->bitmap, nbits, zero, true);
		sb_printf(&sb, "%s%lu@%lu", start ? "+" : "", (set - zero) << a->order_per_bit,
			  zero);
		start = set;
	}
	sb_printf(&sb, "=> %lu free of %lu total pages", a->available_count, a->count);
	mm_unlock(&a->lock);
	text = sb_finish(&sb);
	if (text)
		mm_printk(m, "%s", text);
	free(text);
}

/* cma_range_alloc(): 0 with *pfn, or -EBUSY / -ENOMEM. */
static int cma_range_alloc(struct mm *m, struct cma_area *a, int idx, unsigned long count,
			   unsigned align, gfp_t gfp, unsigned long *out)
{
	unsigned long mask = cma_bitmap_aligned_mask(a, align);
	unsigned long offset = cma_bitmap_aligned_offset(a, align);
	unsigned long maxno = cma_bitmap_maxno(a), nbits = cma_bitmap_pages_to_bits(a, count);
	unsigned long start = 0;
	int ret = -EBUSY;

	if (nbits > maxno)
		return ret;
	for (;;) {
		struct contig_result r;
		unsigned long bitmap_no, pfn;

		mm_lock(&a->lock, LOCK_CMA_AREA);
		if (count > a->available_count) {
			mm_unlock(&a->lock);
			break;
		}
		bitmap_no = bitmap_find_next_zero_area_off(a->bitmap, maxno, start, nbits, mask,
							   offset);
		if (bitmap_no >= maxno) {
			mm_unlock(&a->lock);
			break;
		}
		bitmap_assign(a->bitmap, bitmap_no, nbits, true);
		a->available_count -= count;
		mm_unlock(&a->lock);

		pfn = a->base_pfn + (bitmap_no << a->order_per_bit);
		mm_lock(&m->cma->cma_mutex, LOCK_CMA);
		ret = __alloc_contig_range(m, pfn, pfn + count, ISOLATE_MODE_CMA, gfp, idx, &r);
		mm_unlock(&m->cma->cma_mutex);
		if (!ret) {
			*out = pfn;
			return 0;
		}
		cma_clear_bitmap(a, pfn, count);
		mm_lock(&a->lock, LOCK_CMA_AREA);
		a->st.last_reason = r.reason;
		a->st.last_pfn = r.pfn;
		if (ret == -EBUSY)
			a->st.alloc_busy_retry++;       /* trace_cma_alloc_busy_retry */
		mm_unlock(&a->lock);
		if (ret != -EBUSY)
			break;
		start = bitmap_no + mask + 1;
	}
	return ret;
}

static struct page *cma_alloc(struct mm *m, const char *name, unsigned long count,
			      unsigned align, int no_warn)
{
	struct mm_cpu *cpu;
	struct cma_area *a;
	unsigned long pfn = 0;
	int ret, idx;

	if (!m)
		return NULL;
	cpu = this_cpu(m);
	a = cma_lookup(m, "cma_alloc", name);
	if (!a)
		return NULL;
	idx = (int)(a - m->cma->area);
	if (!cpu) {
		mm_unbound_error(m, "cma_alloc");
		return NULL;
	}
	if (!count || align > MM_MAX_ORDER_LIMIT + 15) {
		mm_error(m, EINVAL, "cma_alloc: %s: bad request: %lu pages aligned to order %u",
			 a->name, count, align);
		return NULL;
	}
	mm_lock(&a->lock, LOCK_CMA_AREA);
	a->st.alloc_start++;                    /* trace_cma_alloc_start */
	a->st.last_reason = -1;
	a->st.last_pfn = 0;
	mm_unlock(&a->lock);
	ret = cma_range_alloc(m, a, idx, count, align,
			      GFP_KERNEL | (no_warn ? __GFP_NOWARN : 0), &pfn);
	mm_lock(&a->lock, LOCK_CMA_AREA);
	a->st.alloc_finish++;                   /* trace_cma_alloc_finish */
	a->st.last_ret = ret;
	if (!ret)
		a->st.alloc_pages_success += count;
	else
		a->st.alloc_pages_fail += count;
	mm_unlock(&a->lock);
	count_vm_events(cpu, ret ? CMA_ALLOC_FAIL : CMA_ALLOC_SUCCESS, 1);
	if (!ret)
		return pfn_to_page(m, pfn);
	if (no_warn) {
		mm_set_errno(m, -ret);
		return NULL;
	}
	if (a->st.last_reason >= 0)
		mm_error(m, -ret, "cma: cma_alloc: %s: alloc failed, req-size: %lu pages, ret: %d "
			 "(the last range tried: pfn %#lx is %s)", a->name, count, ret,
			 a->st.last_pfn, a->st.last_reason == MM_MIGRATE_FAIL_NOMEM
			 ? "not movable: no migration target" : contig_reason_name(a->st.last_reason));
	else
		mm_error(m, -ret, "cma: cma_alloc: %s: alloc failed, req-size: %lu pages, ret: %d "
			 "(no free range of that size in the area)", a->name, count, ret);
	cma_debug_show_areas(m, a);
	return NULL;
}

/* page_owner=1: the pages' records name the caller (page_owner.c). */
struct page *mm_cma_alloc(struct mm *m, const char *name, unsigned long count, unsigned align,
			  int no_warn)
{
	struct page *page;

	if (likely(!m || !m->page_owner))
		return cma_alloc(m, name, count, align, no_warn);
	po_enter(PO_CALLER, PO_VIA_CONTIG);
	page = cma_alloc(m, name, count, align, no_warn);
	po_exit();
	return page;
}

int mm_cma_release(struct mm *m, const char *name, struct page *pages, unsigned long count)
{
	struct cma_area *a;
	unsigned long pfn;

	if (!m)
		return -EINVAL;
	a = cma_lookup(m, "cma_release", name);
	if (!a)
		return -EINVAL;
	if (!this_cpu(m))
		return mm_unbound_error(m, "cma_release");
	pfn = (unsigned long)(pages - m->mem_map);
	/* cma_pages_valid() */
	if (!pages || pages < m->mem_map || pfn < a->base_pfn || pfn >= a->base_pfn + a->count ||
	    !count || count > a->base_pfn + a->count - pfn)
		return mm_error(m, EINVAL, "cma_release: %s: %lu pages at pfn %#lx are not inside "
				"the area [%#lx, %#lx)", a->name, count, pages ? pfn : 0,
				a->base_pfn, a->base_pfn + a->count);
	if (__free_contig_range(m, pfn, count, (int)(a - m->cma->area)))
		return mm_error(m, EINVAL, "cma_release: %s: [%#lx, %#lx) is not part of one live "
				"allocation of the area (double release, or never allocated)",
				a->name, pfn, pfn + count);
	cma_clear_bitmap(a, pfn, count);
	mm_lock(&a->lock, LOCK_CMA_AREA);
	a->st.release_pages_success += count;
	a->st.release++;                        /* trace_cma_release */
	mm_unlock(&a->lock);
	return 0;
}

/* ---- reports ------------------------------------------------------------------------ */

/* The debugfs directory of each area (mm/cma_debug.c): base_pfn, count,
 * order_per_bit, used, maxchunk, and bitmap as u32 words (decimal, as
 * debugfs_create_u32_array prints them). */
void cma_report(struct mm *m, struct strbuf *sb)
{
	for (int i = 0; m->cma && i < m->cma->nr; i++) {
		struct cma_area *a = &m->cma->area[i];
		unsigned long used, maxchunk, nbits = cma_bitmap_maxno(a);

		mm_lock(&a->lock, LOCK_CMA_AREA);
		cma_usage(a, &used, &maxchunk);
		sb_printf(sb, "%s/base_pfn:%lu\n%s/count:%lu\n%s/order_per_bit:%u\n%s/used:%lu\n"
			  "%s/maxchunk:%lu\n%s/bitmap:", a->name, a->base_pfn, a->name, a->count,
			  a->name, a->order_per_bit, a->name, used, a->name, maxchunk, a->name);
		for (unsigned long w = 0; w < (nbits + 31) / 32; w++) {
			unsigned long word = a->bitmap[w * 32 / BITS_PER_LONG];

			sb_printf(sb, " %u", (unsigned)(word >> (w * 32 % BITS_PER_LONG)));
		}
		sb_puts(sb, "\n");
		mm_unlock(&a->lock);
	}
}

/* The "cma" member of mm_report_json: the areas, on one line. */
void cma_json(struct mm *m, struct json_writer *w)
{
	jw_array(w, "cma", JW_INLINE);
	for (int i = 0; m->cma && i < m->cma->nr; i++) {
		struct mm_cma_info in;

		mm_cma_area_info(m, i, &in);
		jw_object(w, NULL, JW_INLINE);
		jw_string(w, "name", in.name);
		jw_int(w, "node", in.node);
		jw_string(w, "zone", zone_name(in.zone_idx));
		jw_uint(w, "base_pfn", in.base_pfn);
		jw_uint(w, "count", in.count);
		jw_uint(w, "order_per_bit", in.order_per_bit);
		jw_uint(w, "used", in.used);
		jw_uint(w, "maxchunk", in.maxchunk);
		jw_uint(w, "alloc_pages_success", in.alloc_pages_success);
		jw_uint(w, "alloc_pages_fail", in.alloc_pages_fail);
		jw_uint(w, "release_pages_success", in.release_pages_success);
		jw_uint(w, "busy_retry", in.alloc_busy_retry);
		jw_end(w);
	}
	jw_end(w);
}

/* ---- validate ------------------------------------------------------------------------ */

int cma_validate(struct mm *m, struct strbuf *err)
{
	struct cma_state *cs = m->cma;
	int ret = 0;

	if (!cs)
		return 0;
	/* an allocation in flight (another thread, which validate could not
	 * stop) has bits set for a range not yet in the table: skip */
	if (mm_trylock(&cs->cma_mutex, LOCK_CMA))
		return 0;
	for (int i = 0; i < cs->nr && !ret; i++) {
		struct cma_area *a = &cs->area[i];
		unsigned long nbits = cma_bitmap_maxno(a), live = 0;
		unsigned long *bits = calloc((nbits + BITS_PER_LONG - 1) / BITS_PER_LONG,
					     sizeof(long));

		if (!bits) {
			sb_printf(err, "cma: out of memory for the check");
			ret = -1;
			break;
		}
		/* the bits of the live allocations, walked page by page */
		for (unsigned long pfn = a->base_pfn; pfn < a->base_pfn + a->count; pfn++) {
			struct page *p = pfn_to_page(m, pfn);
			unsigned long flags = READ_ONCE(p->flags);

			if (get_pageblock_type_bits(a->zone, pfn) != MIGRATE_CMA) {
				sb_printf(err, "cma: %s: the pageblock of pfn %#lx is not MIGRATE_CMA",
					  a->name, pfn);
				ret = -1;
				break;
			}
			if ((flags & PG_contig) && contig_range_area(m, pfn) == i) {
				unsigned long b = (pfn - a->base_pfn) >> a->order_per_bit;

				bits[b / BITS_PER_LONG] |= 1ul << (b % BITS_PER_LONG);
				live += (flags & PG_head) ? 1ul << p->private : 1;
				if (flags & PG_head)
					bitmap_assign(bits, b, cma_bitmap_pages_to_bits(a,
						      1ul << p->private), true);
				continue;
			}
			/* nothing unmovable: allocated heads are movable or contiguous */
			if (p->_refcount > 0 && !(flags & (PG_buddy | PG_pcp)) &&
			    !(p->compound_head & 1) && !(flags & (PG_lru | PG_contig))) {
				sb_printf(err, "cma: %s: pfn %#lx in a CMA pageblock holds an "
					  "unmovable allocation (flags %#lx)", a->name, pfn, flags);
				ret = -1;
				break;
			}
		}
		mm_lock(&a->lock, LOCK_CMA_AREA);
		if (!ret && memcmp(bits, a->bitmap,
				   (nbits + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(long))) {
			sb_printf(err, "cma: %s: the bitmap does not match the area's live allocations",
				  a->name);
			ret = -1;
		}
		if (!ret && a->available_count != a->count - live) {
			sb_printf(err, "cma: %s: available_count is %lu, the area has %lu of %lu pages "
				  "allocated", a->name, a->available_count, live, a->count);
			ret = -1;
		}
		mm_unlock(&a->lock);
		free(bits);
	}
	mm_unlock(&cs->cma_mutex);
	return ret;
}
