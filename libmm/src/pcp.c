/*
 * pcp.c - per-CPU page lists (struct per_cpu_pages), as in Linux 5.13-6.6:
 * for every zone and CPU, a list per pcp migratetype for each order 0..3 and
 * one list for pageblock_order (THP).  Allocation pops the hot head;
 * an empty list is refilled with `batch` blocks under zone->lock
 * (rmqueue_bulk); frees push on the head, and when count reaches `high`
 * a batch (growing with free_factor) goes back to the buddy, coldest first
 * (free_pcppages_bulk).
 *
 *   batch = max(1, rounddown_pow_of_two(b + b/2) - 1),
 *           b = max(1, min(managed >> 10, 256) / 4)        (zone_batchsize)
 *   high  = max(T / cpus_of_node, 4 * batch),
 *           T = low watermark, or managed / percpu_pagelist_high_fraction
 *
 * Accounting: pages on pcp lists are not free (NR_FREE_PAGES excludes them),
 * exactly as in the kernel; pcp->count == sum over lists of 2^order.
 * Locking: a CPU's lists are touched only by the thread bound to it, or by a
 * thread that has acquired the CPU while it is unbound (drains).  A drain
 * requested while another thread holds the CPU is left in drain_pending and
 * done by the owner on its next refill or spill.  The buddy side takes
 * zone->lock once per batch.
 */
#include <stdlib.h>
#include <string.h>
#include "pcp.h"

static unsigned pindex_to_order(struct mm *m, int pindex)
{
	return pindex == NR_LOWORDER_PCP_LISTS ? m->pageblock_order
					       : (unsigned)(pindex / MIGRATE_PCPTYPES);
}

static int rounddown_pow_of_two(int x)
{
	int p = 1;

	while (p * 2 <= x)
		p *= 2;
	return p;
}

static int zone_batchsize(const struct zone *z)
{
	unsigned long b = z->managed_pages >> 10;
	int batch;

	if (b > (1ul << 20) / PAGE_SIZE)
		b = (1ul << 20) / PAGE_SIZE;
	batch = (int)b / 4;
	if (batch < 1)
		batch = 1;
	batch = rounddown_pow_of_two(batch + batch / 2) - 1;
	return batch < 1 ? 1 : batch;
}

static int zone_highsize(const struct zone *z, int batch)
{
	struct mm *m = z->mm;
	unsigned long total;
	int nr_split = m->nodes[z->node].nr_cpus;
	int high;

	if (!m->cfg.percpu_pagelist_high_fraction)
		total = z->_watermark[WMARK_LOW];
	else
		total = z->managed_pages / (unsigned long)m->cfg.percpu_pagelist_high_fraction;
	if (!nr_split)
		nr_split = m->nr_cpus;
	high = (int)(total / (unsigned long)nr_split);
	return high > batch * 4 ? high : batch * 4;
}

int pcp_init(struct mm *m)
{
	for (int id = 0; id < m->nr_zones; id++) {
		struct zone *z = zone_by_id(m, id);
		int batch = zone_batchsize(z), high = zone_highsize(z, batch);

		if (m->cfg.pcp_disabled) {      /* the boot pageset: never holds pages */
			batch = 1;
			high = 0;
		}
		z->pcp = aligned_alloc(64, sizeof(*z->pcp) * (size_t)m->nr_cpus);
		if (!z->pcp)
			return -ENOMEM;
		memset(z->pcp, 0, sizeof(*z->pcp) * (size_t)m->nr_cpus);
		for (int c = 0; c < m->nr_cpus; c++) {
			z->pcp[c].batch = batch;
			z->pcp[c].high = high;
			for (int i = 0; i < NR_PCP_LISTS; i++)
				INIT_LIST_HEAD(&z->pcp[c].lists[i]);
		}
	}
	return 0;
}

void pcp_exit(struct mm *m)
{
	for (int id = 0; m->nodes && id < m->nr_zones; id++) {
		free(zone_by_id(m, id)->pcp);
		zone_by_id(m, id)->pcp = NULL;
	}
}

/* free_pcppages_bulk(): give `count` pages back to the buddy, round-robin
 * over the lists starting with pindex, coldest (tail) pages first.
 * Takes zone->lock. */
static void free_pcppages_bulk(struct zone *z, int count, struct per_cpu_pages *pcp,
			       int pindex, struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	int freed = 0;

	if (count > pcp->count)
		count = pcp->count;
	pindex--;
	zone_lock(z);
	while (count > 0) {
		struct list_head *list;
		unsigned order;

		do {
			if (++pindex > NR_PCP_LISTS - 1)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));
		order = pindex_to_order(m, pindex);
		do {
			struct page *page = list_last_entry(list, struct page, lru);
			unsigned long pfn = page_to_pfn(m, page);
			int mt = (int)page->index;

			list_del(&page->lru);
			count -= 1 << order;
			freed += 1 << order;
			pcp->count -= 1 << order;
			if (unlikely(z->nr_isolate_pageblock))
				mt = get_pageblock_migratetype(z, pfn);
			__free_one_page(z, page, pfn, order, mt);
		} while (count > 0 && !list_empty(list));
	}
	zone_unlock(z);
	count_vm_events(cpu, PCP_SPILL_PAGES, (unsigned long)freed);
}

static void drain_pages_cpu(struct mm *m, struct mm_cpu *cpu)
{
	for (int id = 0; id < m->nr_zones; id++) {
		struct zone *z = zone_by_id(m, id);
		struct per_cpu_pages *pcp = &z->pcp[cpu->id];

		if (pcp->count)
			free_pcppages_bulk(z, pcp->count, pcp, 0, cpu);
	}
	count_vm_events(cpu, PCP_DRAIN, 1);
}

static inline void pcp_check_drain_request(struct mm *m, struct mm_cpu *cpu)
{
	if (unlikely(__atomic_load_n(&cpu->drain_pending, __ATOMIC_ACQUIRE))) {
		__atomic_store_n(&cpu->drain_pending, 0, __ATOMIC_RELAXED);
		drain_pages_cpu(m, cpu);
	}
}

/* nr_pcp_free() (6.x): free at least batch, keep at least batch, doubling
 * with each consecutive spill without an allocation in between. */
static int nr_pcp_free(struct per_cpu_pages *pcp, int high, int batch, bool free_high)
{
	int min_nr_free, max_nr_free;

	if (unlikely(free_high))
		return pcp->count;
	if (unlikely(high < batch))
		return 1;
	min_nr_free = batch;
	max_nr_free = high - batch;
	batch <<= pcp->free_factor;
	if (batch < max_nr_free)
		pcp->free_factor++;
	return batch < min_nr_free ? min_nr_free : batch > max_nr_free ? max_nr_free : batch;
}

__noinline int pcp_spill(struct zone *z, struct per_cpu_pages *pcp, int high, bool free_high,
			 int pindex, struct mm_cpu *cpu)
{
	count_vm_events(cpu, PCP_SPILL, 1);
	free_pcppages_bulk(z, nr_pcp_free(pcp, high, pcp->batch, free_high), pcp, pindex, cpu);
	pcp_check_drain_request(z->mm, cpu);
	return 0;
}

/* rmqueue_bulk(): refill an empty list with up to batch blocks (scaled down
 * by order), appended at the tail so split pages stay in PFN order. */
__noinline bool pcp_refill(struct zone *z, struct per_cpu_pages *pcp, struct list_head *list,
			   unsigned order, int mt, unsigned alloc_flags, struct mm_cpu *cpu)
{
	int batch = pcp->batch, got = 0;

	pcp_check_drain_request(z->mm, cpu);
	if (batch > 1) {
		batch >>= order;
		if (batch < 2)
			batch = 2;
	}
	zone_lock(z);
	for (; got < batch; got++) {
		struct page *page = __rmqueue(z, order, mt, alloc_flags, cpu);

		if (!page)
			break;
		WRITE_ONCE(page->flags, (unsigned long)PG_pcp);
		WRITE_ONCE(page->private, (unsigned long)order);
		list_add_tail(&page->lru, list);
	}
	zone_unlock(z);
	pcp->count += got << order;
	count_vm_events(cpu, PCP_REFILL, 1);
	count_vm_events(cpu, PCP_REFILL_PAGES, (unsigned long)got << order);
	return got > 0;
}

/* drain_all_pages(): every CPU's lists back to the buddy.  CPUs held by
 * other threads are asked to drain themselves (drain_pending). */
void drain_all_pages(struct mm *m)
{
	struct mm_cpu *me = this_cpu(m);

	pthread_mutex_lock(&m->drain_mutex);
	for (int c = 0; c < m->nr_cpus; c++) {
		struct mm_cpu *cpu = &m->cpus[c];

		if (cpu == me) {
			drain_pages_cpu(m, cpu);
		} else if (mm_cpu_acquire(m, cpu)) {
			drain_pages_cpu(m, cpu);
			mm_cpu_release(cpu);
		} else {
			__atomic_store_n(&cpu->drain_pending, 1, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&m->drain_mutex);
}

void mm_drain_all_pages(struct mm *m)
{
	if (!m)
		return;
	drain_all_pages(m);
}

void mm_drain_local_pages(struct mm *m)
{
	if (!m)
		return;
	struct mm_cpu *me = this_cpu(m);

	if (!me) {
		mm_error(m, EINVAL, "drain_local_pages: this thread is not bound to a CPU");
		return;
	}
	drain_pages_cpu(m, me);
}

int mm_pcp_info(struct mm *m, int cpu, int node, int zone_idx, struct mm_pcp_info *out)
{
	if (!m)
		return -EINVAL;
	struct per_cpu_pages *pcp;

	if (cpu < 0 || cpu >= m->nr_cpus || node < 0 || node >= m->nr_nodes ||
	    zone_idx < 0 || zone_idx >= MAX_NR_ZONES)
		return mm_error(m, EINVAL, "pcp_info: no CPU %d / node %d / zone %d",
				cpu, node, zone_idx);
	if (!out)
		return mm_error(m, EINVAL, "pcp_info: no place for the answer");
	pcp = &m->nodes[node].node_zones[zone_idx].pcp[cpu];
	out->count = READ_ONCE(pcp->count);
	out->high = pcp->high;
	out->batch = pcp->batch;
	return 0;
}
