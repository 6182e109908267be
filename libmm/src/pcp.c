// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcp.c - per-CPU page lists (struct per_cpu_pages), as in Linux 6.18: for
 * every zone and CPU, a list per pcp migratetype for each order 0..3 and two
 * for pageblock_order (THP: non-movable, movable).  Allocation pops the hot
 * head; an empty list is refilled under zone->lock (rmqueue_bulk, keeping
 * __rmqueue's fallback mode across the batch); frees push on the head, and
 * when count reaches high some go back to the buddy, coldest first,
 * round-robin over the lists (free_pcppages_bulk), under the type each
 * page's pageblock has then.
 *
 *   batch    = max(1, rounddown_pow_of_two(b + b/2) - 1),
 *              b = max(1, min(managed >> 10, 256) / 4)       (zone_batchsize)
 *   high_min = max(low watermark / cpus_of_node, 4 * batch)  (zone_highsize)
 *   high_max = max(managed / 8 / cpus_of_node, 4 * batch)
 *   (both managed / percpu_pagelist_high_fraction / cpus when it is set:
 *   no tuning)
 *
 * Auto-tuning (pa_pcp_autotune, 6.7+).  pcp->high floats in [high_min,
 * high_max], 0 until the list is first used.  A refill takes
 * batch << alloc_factor pages (nr_pcp_alloc; alloc_factor grows by one per
 * refill up to 5 and halves on every free: 63, 126, 252, ... on a run of
 * allocations) and raises high by as much.  free_count counts frees since the
 * last allocations (each allocation halves it, capped at batch << 5); a free
 * reaching high raises high to free_count + batch (nr_pcp_high) and returns
 * clamp(free_count, batch, high - batch) pages (nr_pcp_free).  While the zone
 * is below its high watermark (ZONE_BELOW_HIGH) every free lowers high by
 * free_count.  Consecutive frees of orders 1..3 return the list at once
 * (free_high: PCPF_PREV_FREE_HIGH_ORDER, free_count >= batch + high_min/2,
 * and with PCPF_FREE_HIGH_BATCH - a cache slice of more than 3 batches per
 * CPU - only once a batch is kept), at most batch << 5 pages.  The vmstat
 * tick (mm_tick) decays high by an eighth towards high_min and frees what
 * is above it (decay_pcp_high), and drains a remote node's lists after 3
 * ticks without refills or spills (drain_zone_pages); then kcompactd wakes
 * (m->kcompactd_tick, compaction.c).
 * 6.5 (without the switch): high is fixed at high_min; a refill takes
 * max(batch >> order, 2); a free reaching high returns batch << free_factor
 * (free_factor grows per spill, halves per allocation), between batch and
 * high - batch, and everything when orders 1..3 are freed after a spill.
 *
 * Accounting: pages on pcp lists are not free (NR_FREE_PAGES excludes them),
 * exactly as in the kernel; pcp->count == sum over lists of 2^order.
 * Locking: a CPU's lists are touched only by the thread bound to it, or by a
 * thread that has acquired the CPU while it is unbound (drains, ticks).  A
 * drain or tick requested while another thread holds the CPU is left in
 * drain_pending / tick_pending and done by the owner on its next refill or
 * spill.  The buddy side takes zone->lock once per batch.
 */
#include <stdlib.h>
#include <string.h>
#include "pcp.h"

#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8

static unsigned pindex_to_order(struct mm *m, int pindex)
{
	return pindex >= NR_LOWORDER_PCP_LISTS ? m->pageblock_order
					       : (unsigned)(pindex / MIGRATE_PCPTYPES);
}

static int rounddown_pow_of_two(int x)
{
	int p = 1;

	while (p * 2 <= x)
		p *= 2;
	return p;
}

static inline int clamp_int(int v, int lo, int hi)     /* the kernel's clamp() */
{
	int t = v > lo ? v : lo;

	return t < hi ? t : hi;
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

/* zone_highsize(): the low watermark (fraction 0) or managed / fraction,
 * split among the node's CPUs, at least 4 batches. */
static int zone_highsize(const struct zone *z, int batch, int fraction)
{
	struct mm *m = z->mm;
	unsigned long total;
	int nr_split = m->nodes[z->node].nr_cpus;
	int high;

	if (!fraction)
		total = z->_watermark[WMARK_LOW];
	else
		total = z->managed_pages / (unsigned long)fraction;
	if (!nr_split)
		nr_split = m->nr_cpus;
	high = (int)(total / (unsigned long)nr_split);
	return high > batch * 4 ? high : batch * 4;
}

/* zone_set_pageset_high_and_batch() and pageset_update() */
static void pcp_set_high_and_batch(struct zone *z, struct per_cpu_pages *pcp)
{
	struct mm *m = z->mm;
	int batch = zone_batchsize(z), fraction = m->cfg.percpu_pagelist_high_fraction;

	if (m->cfg.pcp_disabled) {      /* the boot pageset: never holds pages */
		pcp->batch = 1;
		return;
	}
	pcp->batch = batch;
	pcp->free_count_max = (short)(batch << PCP_BATCH_SCALE_MAX);
	pcp->high_min = zone_highsize(z, batch, fraction);
	pcp->high_max = fraction ? pcp->high_min
				 : zone_highsize(z, batch, MIN_PERCPU_PAGELIST_HIGH_FRACTION);
	/* autotuned, high starts at the boot pageset's 0 and is clamped on
	 * first use; 6.5 set it once */
	pcp->high = (m->pa & PA_PCP_AUTOTUNE) ? 0 : pcp->high_min;
	pcp->free_high_batch = (m->cfg.cpu_cache_slice >> PAGE_SHIFT) > 3ul * (unsigned)batch;
}

int pcp_init(struct mm *m)
{
	for (int id = 0; id < m->nr_zones; id++) {
		struct zone *z = zone_by_id(m, id);

		z->pcp = aligned_alloc(64, sizeof(*z->pcp) * (size_t)m->nr_cpus);
		if (!z->pcp)
			return -ENOMEM;
		memset(z->pcp, 0, sizeof(*z->pcp) * (size_t)m->nr_cpus);
		for (int c = 0; c < m->nr_cpus; c++) {
			pcp_set_high_and_batch(z, &z->pcp[c]);
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
 * over the lists starting with pindex, coldest (tail) pages first.  With
 * freelist hygiene each page goes back under its pageblock's type as it is
 * now; 6.5 used the type cached when the page reached the list (unless the
 * zone has isolated pageblocks).  Takes zone->lock. */
static void free_pcppages_bulk(struct zone *z, int count, struct per_cpu_pages *pcp,
			       int pindex, struct mm_cpu *cpu)
{
	struct mm *m = z->mm;
	bool hygiene = m->pa & PA_FREELIST_HYGIENE;
	int freed = 0;

	if (count > pcp->count)
		count = pcp->count;
	if (count <= 0)
		return;
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
			if (hygiene || unlikely(z->nr_isolate_pageblock))
				mt = get_pageblock_migratetype(z, pfn);
			__free_one_page(z, page, pfn, order, mt);
		} while (count > 0 && !list_empty(list));
	}
	zone_unlock(z);
	pcp->stat_dirty = true;
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

/* ---- the vmstat tick ------------------------------------------------------- */

/* decay_pcp_high(): high drops by an eighth (at most down to count - batch
 * << 5, at least to high_min) and what is above it goes back. */
static void decay_pcp_high(struct zone *z, struct per_cpu_pages *pcp, struct mm_cpu *cpu)
{
	int to_drain;

	if (pcp->high > pcp->high_min) {
		int h = pcp->count - (pcp->batch << PCP_BATCH_SCALE_MAX);

		if (h < pcp->high - (pcp->high >> 3))
			h = pcp->high - (pcp->high >> 3);
		pcp->high = h > pcp->high_min ? h : pcp->high_min;
	}
	to_drain = pcp->count - pcp->high;
	if (to_drain > 0)
		free_pcppages_bulk(z, to_drain, pcp, 0, cpu);
}

/* refresh_cpu_vm_stats(do_pagesets) for one CPU: every zone's list decays;
 * a list of another node's zone is drained a batch at a time once it went
 * 3 ticks without refills or spills (pcp->expire). */
static void pcp_tick_cpu(struct mm *m, struct mm_cpu *cpu)
{
	for (int id = 0; id < m->nr_zones; id++) {
		struct zone *z = zone_by_id(m, id);
		struct per_cpu_pages *pcp = &z->pcp[cpu->id];

		if (!populated_zone(z))
			continue;
		if (pcp->stat_dirty) {
			pcp->stat_dirty = false;
			pcp->expire = 3;
		}
		if (m->pa & PA_PCP_AUTOTUNE)
			decay_pcp_high(z, pcp, cpu);
		if (!pcp->expire || !pcp->count)
			continue;
		if (z->node == cpu->node) {
			pcp->expire = 0;
			continue;
		}
		if (--pcp->expire)
			continue;
		free_pcppages_bulk(z, pcp->count < pcp->batch ? pcp->count : pcp->batch, pcp, 0, cpu);
	}
}

static inline void pcp_check_requests(struct mm *m, struct mm_cpu *cpu)
{
	if (unlikely(__atomic_load_n(&cpu->drain_pending, __ATOMIC_ACQUIRE))) {
		__atomic_store_n(&cpu->drain_pending, 0, __ATOMIC_RELAXED);
		drain_pages_cpu(m, cpu);
	}
	if (unlikely(__atomic_load_n(&cpu->tick_pending, __ATOMIC_ACQUIRE))) {
		unsigned long n = __atomic_exchange_n(&cpu->tick_pending, 0, __ATOMIC_ACQUIRE);

		while (n--)
			pcp_tick_cpu(m, cpu);
	}
}

/* Run fn on every CPU in turn: the caller's own, and each unbound one
 * (acquired for the time); a CPU bound to another thread gets ask() instead
 * and does it itself at its next refill or spill.  drain_mutex held. */
static void pcp_each_cpu(struct mm *m, void (*fn)(struct mm *, struct mm_cpu *),
			 void (*ask)(struct mm_cpu *))
{
	struct mm_cpu *me = this_cpu(m);

	for (int c = 0; c < m->nr_cpus; c++) {
		struct mm_cpu *cpu = &m->cpus[c];

		if (cpu == me) {
			fn(m, cpu);
		} else if (mm_cpu_acquire(m, cpu)) {
			fn(m, cpu);
			mm_cpu_release(cpu);
		} else {
			ask(cpu);
		}
	}
}

static void ask_tick(struct mm_cpu *cpu)
{
	__atomic_add_fetch(&cpu->tick_pending, 1, __ATOMIC_RELEASE);
}

/* mm_tick(): n vmstat ticks (the kernel's vmstat_update, every second) on
 * every CPU in turn; after each, the hooks other layers registered, outside
 * drain_mutex (their locks come before it): kcompactd's wake-up
 * (compaction.c, kcompactd=tick) and the slab allocator's tick (SLAB's
 * cache_reap). */
int mm_tick(struct mm *m, unsigned long n)
{
	if (!m)
		return -EINVAL;
	for (unsigned long t = 0; t < n; t++) {
		mm_lock(&m->drain_mutex, LOCK_DRAIN);
		pcp_each_cpu(m, pcp_tick_cpu, ask_tick);
		WRITE_ONCE(m->tick, m->tick + 1);
		mm_unlock(&m->drain_mutex);
		if (m->slab_tick)
			m->slab_tick(m);        /* the hook the slab layer registered */
		if (m->kcompactd_tick)
			m->kcompactd_tick(m);
	}
	return 0;
}

/* ---- freeing to the lists ------------------------------------------------ */

/* nr_pcp_free() (6.7+): how many pages a free that reached high returns:
 * the frees since the last allocations, between batch and high - batch;
 * the list (at most batch << 5) for a run of high-order frees. */
static int nr_pcp_free(struct per_cpu_pages *pcp, int batch, int high, bool free_high)
{
	int min_nr_free, max_nr_free;

	if (unlikely(free_high)) {
		int max = batch << PCP_BATCH_SCALE_MAX;

		return pcp->count < max ? pcp->count : max;
	}
	if (unlikely(high < batch))
		return 1;
	min_nr_free = batch;
	max_nr_free = high - batch;
	return clamp_int(pcp->free_count, min_nr_free, max_nr_free);
}

/* nr_pcp_high() (6.7+): the high mark this free is held to, tuning
 * pcp->high on the way. */
static int nr_pcp_high(struct per_cpu_pages *pcp, struct zone *z, int batch, bool free_high)
{
	int high_min = pcp->high_min, high_max = pcp->high_max;
	int high = pcp->high = clamp_int(pcp->high, high_min, high_max);

	if (unlikely(!high))
		return 0;
	if (unlikely(free_high)) {
		int h = high - (batch << PCP_BATCH_SCALE_MAX);

		pcp->high = h > high_min ? h : high_min;
		return 0;
	}
	if (high_min == high_max)
		return high;
	if (READ_ONCE(z->below_high)) {
		int free_count = pcp->free_count > batch ? pcp->free_count : batch;

		pcp->high = high - free_count > high_min ? high - free_count : high_min;
		high = pcp->count > high_min ? pcp->count : high_min;
	} else if (pcp->count >= high) {
		int need_high = pcp->free_count + batch;

		if (pcp->high < need_high)
			pcp->high = clamp_int(need_high, high_min, high_max);
	}
	return high;
}

/* The rest of free_frozen_page_commit() (6.7+), after the page went on its
 * list: the free-high rules, free_count, the high mark, maybe a spill. */
__noinline int pcp_free_commit(struct zone *z, struct per_cpu_pages *pcp, unsigned order,
			       int pindex, struct mm_cpu *cpu)
{
	int batch = pcp->batch, high;
	bool free_high = false;

	if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
		free_high = pcp->free_count >= batch + pcp->high_min / 2 &&
			    (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) &&
			    (!pcp->free_high_batch || pcp->count >= batch);
		pcp->flags |= PCPF_PREV_FREE_HIGH_ORDER;
	} else {
		pcp->flags &= (unsigned char)~PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (pcp->free_count < pcp->free_count_max)
		pcp->free_count = (short)(pcp->free_count + (1 << order));
	high = nr_pcp_high(pcp, z, batch, free_high);
	if (pcp->count >= high) {
		count_vm_events(cpu, PCP_SPILL, 1);
		free_pcppages_bulk(z, nr_pcp_free(pcp, batch, high, free_high), pcp, pindex, cpu);
		if (READ_ONCE(z->below_high) &&
		    __zone_watermark_ok(z, 0, wmark_pages(z, WMARK_HIGH), ZONE_MOVABLE, 0,
					(long)zone_free_pages(z)))
			zone_set_below_high(z, 0);
	}
	pcp_check_requests(z->mm, cpu);
	return 0;
}

/* nr_pcp_free() of 6.5: at least batch, keeping at least batch, doubling
 * with each consecutive spill without an allocation in between. */
static int nr_pcp_free_factor(struct per_cpu_pages *pcp, int high, int batch, bool free_high)
{
	int min_nr_free, max_nr_free;

	if (unlikely(free_high))
		return pcp->count;
	if (unlikely(high < batch))
		return 1;
	min_nr_free = batch;
	max_nr_free = high - batch;
	batch <<= pcp->free_count;
	if (batch < max_nr_free)
		pcp->free_count++;
	return batch < min_nr_free ? min_nr_free : batch > max_nr_free ? max_nr_free : batch;
}

/* 6.5's spill (free_unref_page_commit reaching high). */
__noinline int pcp_spill(struct zone *z, struct per_cpu_pages *pcp, int high, bool free_high,
			 int pindex, struct mm_cpu *cpu)
{
	count_vm_events(cpu, PCP_SPILL, 1);
	free_pcppages_bulk(z, nr_pcp_free_factor(pcp, high, pcp->batch, free_high), pcp, pindex,
			   cpu);
	pcp_check_requests(z->mm, cpu);
	return 0;
}

/* ---- refilling --------------------------------------------------------------- */

/* nr_pcp_alloc() (6.7+): batch << alloc_factor for order 0 (alloc_factor
 * grows while that fits under high), raising high by as much unless the
 * zone is below its high watermark; scaled down by order. */
static int nr_pcp_alloc(struct per_cpu_pages *pcp, struct zone *z, unsigned order)
{
	int base_batch = pcp->batch, high_min = pcp->high_min, high_max = pcp->high_max;
	int high = pcp->high = clamp_int(pcp->high, high_min, high_max);
	int batch, max_nr_alloc;

	if (unlikely(high < base_batch))
		return 1;
	batch = order ? base_batch : base_batch << pcp->alloc_factor;
	if (high_min != high_max && !READ_ONCE(z->below_high))
		high = pcp->high = high + batch < high_max ? high + batch : high_max;
	if (!order) {
		max_nr_alloc = high - pcp->count - base_batch;
		if (max_nr_alloc < base_batch)
			max_nr_alloc = base_batch;
		if (batch <= max_nr_alloc && pcp->alloc_factor < PCP_BATCH_SCALE_MAX)
			pcp->alloc_factor++;
		if (batch > max_nr_alloc)
			batch = max_nr_alloc;
	}
	if (batch > 1) {
		batch >>= order;
		if (batch < 2)
			batch = 2;
	}
	return batch;
}

/* rmqueue_bulk(): refill an empty list, appended at the tail so split pages
 * stay in PFN order; one __rmqueue mode for the whole batch. */
__noinline bool pcp_refill(struct zone *z, struct per_cpu_pages *pcp, struct list_head *list,
			   unsigned order, int mt, unsigned alloc_flags, struct mm_cpu *cpu)
{
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	int batch = pcp->batch, got = 0;

	pcp_check_requests(z->mm, cpu);
	if (z->mm->pa & PA_PCP_AUTOTUNE) {
		batch = nr_pcp_alloc(pcp, z, order);
	} else if (batch > 1) {
		batch >>= order;
		if (batch < 2)
			batch = 2;
	}
	zone_lock(z);
	for (; got < batch; got++) {
		struct page *page = __rmqueue(z, order, mt, alloc_flags, &mode, cpu);

		if (!page)
			break;
		WRITE_ONCE(page->flags, (unsigned long)PG_pcp);
		WRITE_ONCE(page->private, (unsigned long)order);
		list_add_tail(&page->lru, list);
	}
	zone_unlock(z);
	pcp->count += got << order;
	pcp->stat_dirty = true;
	count_vm_events(cpu, PCP_REFILL, 1);
	count_vm_events(cpu, PCP_REFILL_PAGES, (unsigned long)got << order);
	return got > 0;
}

static void ask_drain(struct mm_cpu *cpu)
{
	__atomic_store_n(&cpu->drain_pending, 1, __ATOMIC_RELEASE);
}

/* drain_all_pages(): every CPU's lists back to the buddy.  CPUs held by
 * other threads are asked to drain themselves (drain_pending). */
void drain_all_pages(struct mm *m)
{
	mm_lock(&m->drain_mutex, LOCK_DRAIN);
	pcp_each_cpu(m, drain_pages_cpu, ask_drain);
	mm_unlock(&m->drain_mutex);
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
		mm_unbound_error(m, "drain_local_pages");
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
	out->high = READ_ONCE(pcp->high);
	out->batch = pcp->batch;
	out->high_min = pcp->high_min;
	out->high_max = pcp->high_max;
	return 0;
}
