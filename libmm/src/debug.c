// SPDX-License-Identifier: GPL-2.0-only
/*
 * debug.c - what a test asks of the whole machine: one page frame's state
 * as mm/debug.c's dump_page() shows it (mm_page_info(), mm_dump_page()),
 * and the quiet state in which free memory can be compared (mm_quiesce():
 * drop_caches and the shrink files of /sys/kernel/slab, vm_unmap_aliases(),
 * drain_all_pages()).
 *
 * Reads the page allocator's and the slab's state, changes nothing but
 * what quiesce gives back through each layer's own entry points.  A page's
 * state is read under its zone's lock; blocks on per-CPU lists and
 * allocated pages belong to their CPUs and owners and may change meanwhile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slab.h"

#define QUIESCE_WAIT_MS 1000    /* for CPUs other threads have bound */

/* The block holding pfn: its head page frame and order (the head's own for
 * heads and compound tails, else the smallest free or allocated block that
 * covers it).  zone->lock held. */
static unsigned long block_head(struct mm *m, struct zone *z, unsigned long pfn, unsigned *order)
{
	struct page *page = pfn_to_page(m, pfn);

	if ((page->flags & (PG_buddy | PG_pcp)) || page->_refcount > 0) {
		*order = (unsigned)page->private;
		return pfn;
	}
	if (page->compound_head & 1) {
		struct page *head = (struct page *)(page->compound_head - 1);

		*order = (unsigned)head->private;
		return page_to_pfn(m, head);
	}
	for (unsigned o = 1; o <= m->max_order; o++) {
		unsigned long h = pfn & ~((1ul << o) - 1);
		struct page *hp = pfn_to_page(m, h);

		if (!zone_spans_pfn(z, h))
			break;
		if (((hp->flags & (PG_buddy | PG_pcp)) || hp->_refcount > 0) && hp->private >= o &&
		    hp->private <= m->max_order) {
			*order = (unsigned)hp->private;
			return h;
		}
	}
	*order = 0;
	return pfn;
}

int mm_page_info(struct mm *m, unsigned long pfn, struct mm_page_info *out)
{
	struct page *page, *head;
	struct zone *z;
	unsigned order;

	if (!m)
		return -EINVAL;
	if (!out)
		return mm_error(m, EINVAL, "page_info: no place for the answer");
	if (pfn >= m->nr_pages)
		return mm_error(m, EINVAL, "page_info: pfn %#lx is outside the machine (%lu page "
				"frames)", pfn, m->nr_pages);
	memset(out, 0, sizeof(*out));
	z = pfn_zone(m, pfn);
	page = pfn_to_page(m, pfn);
	zone_lock(z);
	out->pfn = pfn;
	out->head_pfn = block_head(m, z, pfn, &order);
	head = pfn_to_page(m, out->head_pfn);
	out->order = (int)order;
	out->state = head->flags & PG_buddy ? MM_PAGE_BUDDY :
		     head->flags & PG_pcp ? MM_PAGE_PCP : MM_PAGE_ALLOCATED;
	out->refcount = page->_refcount;
	out->migratetype = get_pageblock_migratetype(z, pfn);
	out->node = z->node;
	out->zone_idx = z->idx;
	out->compound = (head->flags & PG_head) != 0;
	out->slab = (head->flags & PG_slab) != 0;
	out->vmalloc = (head->flags & PG_vmalloc) != 0;
	out->reserved = (page->flags & PG_reserved) != 0;
	out->lru = (head->flags & PG_lru) != 0;
	if (out->slab && head->slab_cache)
		snprintf(out->cache, sizeof(out->cache), "%s",
			 ((struct kmem_cache *)head->slab_cache)->name);
	zone_unlock(z);
	return 0;
}

/* dump_page(): the kernel's first lines, then where libmm keeps it. */
char *mm_dump_page(struct mm *m, unsigned long pfn)
{
	static const char *const state[] = { "free (buddy)", "free (per-CPU list)", "allocated" };
	struct mm_page_info pi;
	struct strbuf sb;
	char flags[64] = "";

	if (!m || mm_page_info(m, pfn, &pi))
		return NULL;
	if (pi.compound && pi.pfn == pi.head_pfn)
		strcat(flags, "head|");
	if (pi.lru)
		strcat(flags, "lru|");
	if (pi.reserved)
		strcat(flags, "reserved|");
	sb_init(&sb);
	sb_printf(&sb, "page: refcount:%d mapcount:0 mapping:0000000000000000 index:0x0 pfn:%#lx\n",
		  pi.refcount, pi.pfn);
	if (pi.compound)
		sb_printf(&sb, "head: order:%d pincount:0 pfn:%#lx\n", pi.order, pi.head_pfn);
	sb_printf(&sb, "flags: %#lx(%snode=%d|zone=%d)\n", pfn_to_page(m, pfn)->flags, flags,
		  pi.node, pi.zone_idx);
	if (pi.pfn == pi.head_pfn && (pi.state == MM_PAGE_BUDDY || pi.slab))
		sb_printf(&sb, "page_type: %s(%s)\n", pi.slab ? "f5" : "f0",
			  pi.slab ? "slab" : "buddy");
	sb_printf(&sb, "libmm: %s %s order-%d block at pfn %#lx, pageblock %s%s%s%s\n",
		  pi.pfn == pi.head_pfn ? "head of a" : "inside a", state[pi.state], pi.order,
		  pi.head_pfn, migratetype_names[pi.migratetype], pi.cache[0] ? ", cache " : "",
		  pi.cache, pi.vmalloc ? ", vmalloc" : "");
	return sb_finish(&sb);
}

int mm_quiesce(struct mm *m)
{
	int busy;

	if (!m)
		return -EINVAL;
	if (!this_cpu(m))
		return mm_unbound_error(m, "quiesce");
	busy = mm_cpus_stop(m, QUIESCE_WAIT_MS);        /* no new binds meanwhile */
	if (busy < 0) {
		slab_shrink_all(m);
		mm_vm_unmap_aliases(m);
		drain_all_pages(m);
	}
	mm_cpus_resume(m);
	if (busy >= 0)
		return mm_error(m, EBUSY, "quiesce: CPU %d is bound to another thread: its caches "
				"and lists cannot be emptied", busy);
	return 0;
}
