// SPDX-License-Identifier: GPL-2.0-only
/*
 * slub.c - SLUB (mm/slub.c) behind the slab interface: slub_ops, the
 * allocator slab_common.c calls for a machine with slab=slub (the default).
 *
 * Owns: the SLUB part of every struct kmem_cache - its layout
 * (calculate_sizes(), calculate_order() of 6.8+), its per-CPU structures
 * (kmem_cache_cpu) and per-node lists (kmem_cache_node) - and the entries
 * of struct slab_ops.  Each entry decides once between the CPU's sheaves
 * (sheaf.c) and its cpu slab (slub_core.c), so sheaf.c calls slub_core.c
 * and nothing below calls back up.  The slab pages and the lockless
 * machinery are slub_core.c's, the debug checks slub_debug.c's, the
 * checkers slub_validate.c's.
 *
 * Data structures, as in SLUB:
 *   - each CPU has an active ("cpu") slab whose free objects form a lockless
 *     list c->freelist, used only by the owning thread, and a short list of
 *     frozen partial slabs (c->partial, cpu_partial_slabs long);
 *   - each node has a list of partial slabs under n->list_lock; empty slabs
 *     stay there while nr_partial < min_partial, the rest go back to the
 *     page allocator; a CPU that finds none at home takes another node's
 *     only from one holding more than min_partial, and only as often as
 *     remote_node_defrag_ratio allows (get_any_partial, 6.18);
 *   - a new slab's pages come at the cache's preferred order (calculate_order
 *     of 6.8+) asked for opportunistically - no reclaim, no reserves -
 *     falling back to the order of one object (allocate_slab);
 *   - full slabs are on no list (debug caches keep them on n->full).
 *   - slab->freelist + slab->counters (inuse:16 objects:15 frozen:1 and the
 *     owning CPU + 1 in bits 32..47) form one 16-byte word changed with
 *     cmpxchg16b, so any CPU can free into any slab without a lock.
 *
 * Slab states (counters.frozen, list membership):
 *   cpu slab      frozen, owner = CPU; objects in c->freelist are free but
 *                 counted in inuse; remote frees push onto slab->freelist
 *   cpu partial   frozen, on c->partial of the CPU that froze it
 *   node partial  not frozen, on n->partial, freelist != NULL (or empty)
 *   full          not frozen, freelist == NULL, on no list (debug: n->full)
 * Transitions: a free into a full unfrozen slab freezes it onto the freeing
 * CPU's partial list; an overflowing cpu partial list is unfrozen onto the
 * node lists (unfreeze_partials); a cpu slab whose freelist runs dry is
 * unfrozen by get_freelist() and becomes full; flush/deactivate merges
 * c->freelist back and files the slab by its counters.
 *
 * Invariants: inuse + free objects on slab->freelist == objects for every
 * unfrozen slab; a slab is on n->partial iff it is unfrozen and has a free
 * object (or is an empty keeper); nr_slabs/total_objects count every slab.
 *
 * Lock order (numbered in mm_types.h): slab_state.mutex (3) -> n->list_lock
 * (5) -> zone->lock (11, page allocator) -> mm->log_lock.  The per-CPU structures are
 * owned by the bound thread (or by a thread that mm_cpu_acquire()d an
 * unbound CPU to flush it).  Unfreezing a slab and any free that may move a
 * slab between lists happen under n->list_lock, so list membership never
 * races; frees that only push an object do not take it.
 *
 * Fast paths (slub.h, inlined into slab_common.c, kmalloc.c and here):
 * slab_alloc() pops c->freelist, slab_free() pushes onto it when the
 * object belongs to the cpu slab; one unlikely() test each, then
 * slab_alloc_slow()/slab_free_slow() (slab_common.c: failslab, then
 * s->ops: slub_alloc()/slub_free() here).  With slub_sheaves=1 they pop
 * and push the CPU's main sheaf instead (sheaf.c, which refills and
 * flushes through slub_core.c's bulk operations).  Every page of a slab of
 * the cache's preferred order carries slab_cache and PG_slab_oo, so kfree
 * and the sheaf free check an object from its own struct page: such slabs
 * are aligned to their size.  Everything else - refills, remote frees,
 * list moves - is in slub_core.c.
 * (No prefetch_freepointer() as slab_alloc_node() has: measured here it
 * costs the 64 B pair 0.1-0.2 ns and buys the random pattern 0.2.)
 *
 * Frees that miss the cpu slab (the kernel's __slab_free) come in two
 * halves.  The common one, slab_free_to_slab() inlined into the callers:
 * the slab is frozen, or keeps both a free object and an object in use, so
 * no list changes - one cmpxchg of (freelist, counters), no lock.
 * Everything else - the slab was full or becomes empty while unfrozen
 * (freeze onto the cpu partial list, or n->list_lock: add_partial /
 * discard), a lost cmpxchg race, a double free - goes to
 * slab_free_to_slab_list(), which starts over from the slab's state and is
 * the kernel's __slab_free() loop unchanged.  Debug and init_on_free
 * caches go through slab_free_to_slab_hooks() first.  Every call out of
 * the common half is a tail call, so it needs no stack frame, and the
 * double-word cmpxchg is lock cmpxchg16b written out so it inlines (the
 * __sync builtin under TSan).
 *
 * Debug caches (any of slub_debug's F Z P U T, per cache or machine-wide
 * debug=) never use cpu slabs: every operation takes n->list_lock and runs
 * the checks of alloc/free_debug_processing.  The fast paths have no trace
 * of debugging: a debug cache's c->freelist is always NULL.
 *
 * Reports taint the machine 'B' (slab_count_error(): every BUG report,
 * fix and refused free, as slab_err()/object_err() do); the BUG header
 * prints print_tainted() as it was before the report.  With panic_on_taint
 * covering 'B', an allocation that found corruption fails with EFAULT and
 * gives its object back (slab_alloc_panic()); refused frees fail anyway.
 * They and every other line logged under n->list_lock or slab_state.mutex
 * (taken with mm_mutex_lock()) reach the report callback only once the
 * thread holds neither, so a callback may call back into the slab.
 *
 * failslab (fault_inject.c): slab_common.c's slab_alloc_slow() asks
 * should_failslab() before slub_alloc() - the fast paths get there because
 * s->slow_bits has bit 31 set while failslab may fail the cache - and
 * kmem_cache_alloc_bulk() asks once per call.
 *
 * Hardening: free pointers are stored as ptr ^ s->random ^ bswap(slot
 * address) (CONFIG_SLAB_FREELIST_HARDENED) and read only through
 * get_freepointer/set_freepointer; every pointer popped is range-checked
 * against its slab before it is followed.  New slabs link their objects in
 * a per-cache shuffled order from a random start (CONFIG_SLAB_FREELIST_RANDOM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slab.h"

#define MIN_PARTIAL       5
#define MAX_PARTIAL       10

static const char *const slub_stat_names[NR_SLUB_STAT_ITEMS] = {
#define SLUB_NAME(e, n) n,
	SLUB_STATS(SLUB_NAME)
#undef SLUB_NAME
};

/* ---- flushing the per-CPU structures ------------------------------------------ */

/* flush_cpu_slab(): the CPU's sheaves first (their objects may land in
 * its cpu slab), then the cpu slab and the cpu partial list. */
static void flush_cpu(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	if (s->sheaf_capacity)
		pcs_flush_all(s, &s->mm->cpus[c - s->cpu_slab]);
	cpu_slab_flush(s, c);
}

/* flush_all(): every CPU's cpu slab and cpu partial list back to the node
 * lists.  CPUs bound to other threads cannot be flushed from here (there
 * are no IPIs); returns how many were skipped. */
static int flush_all(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	struct mm_cpu *me = this_cpu(m);
	int skipped = 0;

	if (s->debug)
		return 0;
	for (int i = 0; i < m->nr_cpus; i++) {
		struct mm_cpu *cpu = &m->cpus[i];
		struct kmem_cache_cpu *c = &s->cpu_slab[i];

		if (!c->slab && !c->partial && !sheaves_used(s, c))
			continue;
		if (cpu == me) {
			flush_cpu(s, c);
		} else if (mm_cpu_acquire(m, cpu)) {
			flush_cpu(s, c);
			mm_cpu_release(cpu);
		} else {
			skipped++;
		}
	}
	return skipped;
}

/* ---- cache setup: layout, order (__kmem_cache_create) ------------------------ */

static unsigned fls_u(unsigned long x)
{
	return x ? 64u - (unsigned)__builtin_clzl(x) : 0;
}

/* get_order(): the smallest order whose block holds size bytes */
static unsigned get_order(unsigned long size)
{
	return size > PAGE_SIZE ? fls_u((size - 1) >> PAGE_SHIFT) : 0;
}

/* calc_slab_order() (6.8+): the smallest order from min_order up to
 * max_order whose leftover is at most 1/fract_leftover of the slab
 * (max_order + 1 when none is). */
static unsigned calc_slab_order(unsigned size, unsigned min_order, unsigned max_order,
				unsigned fract_leftover)
{
	unsigned order;

	for (order = min_order; order <= max_order; order++) {
		unsigned long slab_size = PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/* calculate_order() (6.8+): start at the order holding min_objects
 * (4 * (fls(cpus) + 1), at most what slub_max_order holds) and accept
 * 1/16, 1/8, 1/4, then 1/2 of the slab wasted, the smallest order within
 * slub_max_order first; beyond it, the order of one object. */
static int calculate_order(struct mm *m, unsigned size)
{
	unsigned max_order = (unsigned)m->cfg.slub_max_order;
	unsigned min_objects, max_objects, min_order, order;

	if (max_order > m->max_order)
		max_order = m->max_order;
	min_objects = m->cfg.slub_min_objects ? (unsigned)m->cfg.slub_min_objects
					      : 4 * (fls_u((unsigned long)m->nr_cpus) + 1);
	max_objects = order_objects(max_order, size);
	if (max_objects < 1)
		max_objects = 1;
	if (min_objects > max_objects)
		min_objects = max_objects;
	min_order = get_order((unsigned long)min_objects * size);
	if (min_order < (unsigned)m->cfg.slub_min_order)
		min_order = (unsigned)m->cfg.slub_min_order;
	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return (int)get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;
	for (unsigned fraction = 16; fraction > 1; fraction /= 2) {
		order = calc_slab_order(size, min_order, max_order, fraction);
		if (order <= max_order)
			return (int)order;
	}
	order = get_order(size);
	if (order <= m->max_order)
		return (int)order;
	return -ENOSYS;
}

/* calculate_sizes(): the object layout - object, right red zone, the free
 * pointer (outside the object when it must survive free: poison, RCU, a
 * ctor), tracks and orig_size, left red zone - and the slab order. */
static int calculate_sizes(struct kmem_cache *s)
{
	slab_flags_t flags = s->flags;
	unsigned long size = ALIGN_UP(s->object_size, WORD);
	int order;

	if ((flags & SLAB_RED_ZONE) && size == s->object_size)
		size += WORD;
	s->inuse = (unsigned)size;
	if ((flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) || s->ctor ||
	    ((flags & SLAB_RED_ZONE) && s->object_size < WORD)) {
		s->offset = (unsigned)size;
		size += WORD;
	} else {
		s->offset = (unsigned)(s->object_size / 2 / WORD * WORD);
	}
	if (flags & SLAB_STORE_USER) {
		size += 2 * sizeof(struct track);
		if (flags & SLAB_KMALLOC)
			size += sizeof(unsigned);
	}
	s->red_left_pad = 0;
	if (flags & SLAB_RED_ZONE) {
		size += WORD;
		s->red_left_pad = (unsigned)ALIGN_UP(WORD, s->align);
		size += s->red_left_pad;
	}
	size = ALIGN_UP(size, s->align);
	if (size > (PAGE_SIZE << s->mm->max_order))
		return -EINVAL;
	s->size = (unsigned)size;
	order = calculate_order(s->mm, s->size);
	if (order < 0)
		return order;
	s->order = (unsigned)order;
	s->objects = order_objects(s->order, s->size);
	s->min_order = 0;
	while ((PAGE_SIZE << s->min_order) < size)
		s->min_order++;
	if (s->min_order > s->order)
		s->min_order = s->order;
	s->min_objects = order_objects(s->min_order, s->size);
	s->allocflags = 0;
	if (flags & SLAB_CACHE_DMA)
		s->allocflags |= GFP_DMA;
	if (flags & SLAB_CACHE_DMA32)
		s->allocflags |= GFP_DMA32;
	if (flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;
	return 0;
}

static unsigned ilog2_u(unsigned long x)
{
	return fls_u(x) - 1;
}

static void set_cpu_partial(struct kmem_cache *s)
{
	unsigned nr;

	if (s->debug)
		nr = 0;
	else if (s->size >= PAGE_SIZE)
		nr = 6;
	else if (s->size >= 1024)
		nr = 24;
	else if (s->size >= 256)
		nr = 52;
	else
		nr = 120;
	s->cpu_partial_slabs = nr ? (nr * 2 + s->objects - 1) / s->objects : 0;
}

static unsigned long name_hash(const char *s)
{
	unsigned long h = 1469598103934665603ul;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ul;
	return h;
}

/* __kmem_cache_create(): SLUB's layout and structures for s, whose common
 * fields slab_common.c has set; slab_state.mutex held. */
static int slub_create(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	unsigned long seed;

	s->cpu_slab = aligned_alloc(64, sizeof(*s->cpu_slab) * (size_t)m->nr_cpus);
	s->node = aligned_alloc(64, sizeof(*s->node) * (size_t)m->nr_nodes);
	if (!s->cpu_slab || !s->node)
		return -ENOMEM;
	memset(s->cpu_slab, 0, sizeof(*s->cpu_slab) * (size_t)m->nr_cpus);
	memset(s->node, 0, sizeof(*s->node) * (size_t)m->nr_nodes);
	for (int i = 0; i < m->nr_nodes; i++) {
		pthread_mutex_init(&s->node[i].list_lock, NULL);
		INIT_LIST_HEAD(&s->node[i].partial);
		INIT_LIST_HEAD(&s->node[i].full);
	}
	if (calculate_sizes(s))
		return -EINVAL;
	s->reciprocal_size = ~0ul / s->size + 1;       /* ceil(2^64 / size) */
	s->oo_mask = (PAGE_SIZE << s->order) - 1;
	s->remote_node_defrag_ratio = 1000;
	s->min_partial = ilog2_u(s->size) / 2;
	if (s->min_partial < MIN_PARTIAL)
		s->min_partial = MIN_PARTIAL;
	if (s->min_partial > MAX_PARTIAL)
		s->min_partial = MAX_PARTIAL;
	set_cpu_partial(s);
	s->sheaf_capacity = calculate_sheaf_capacity(m, s);
	if (sheaves_init(s))
		return -ENOMEM;
	s->sheaf_fast_free = s->init_on_free ? 0 : s->sheaf_capacity;
	seed = m->cfg.seed ^ name_hash(s->name) ^ (unsigned long)m->slab->rnd_caches++ << 48;
	if (m->cfg.slab_hardened) {
		s->hardened = true;
		s->random = splitmix64(&seed) | 1;
		if (s->objects > 1) {
			s->random_seq = malloc(sizeof(unsigned) * s->objects);
			if (s->random_seq) {
				for (unsigned i = 0; i < s->objects; i++)
					s->random_seq[i] = i;
				for (unsigned i = s->objects - 1; i > 0; i--) {
					unsigned j = (unsigned)(splitmix64(&seed) % (i + 1));
					unsigned t = s->random_seq[i];

					s->random_seq[i] = s->random_seq[j];
					s->random_seq[j] = t;
				}
			}
		}
	}
	return 0;
}

/* __kmem_cache_release(): host memory; also after a failed slub_create() */
static void slub_release(struct kmem_cache *s)
{
	for (int i = 0; s->node && i < s->mm->nr_nodes; i++)
		pthread_mutex_destroy(&s->node[i].list_lock);
	sheaves_free(s);
	free(s->node);
	free(s->cpu_slab);
	free(s->random_seq);
	s->node = NULL;
	s->cpu_slab = NULL;
	s->random_seq = NULL;
}

/* ---- allocation ---------------------------------------------------------------- */

static int slub_free(struct kmem_cache *s, void *x, unsigned long caller, const char *who);

/* panic_on_taint: the allocation that detected corruption fails (EFAULT)
 * and gives back what it got. */
static __noinline void *slab_alloc_panic(struct kmem_cache *s, void *obj)
{
	if (obj)
		slub_free(s, obj, 0, "kmem_cache_alloc");
	mm_error(s->mm, EFAULT, "kmem_cache_alloc(%s): panic_on_taint: the allocation found "
		 "corrupted objects (see the BUG report in dmesg)", s->name);
	return NULL;
}

/* The fast path's bad-pointer branch: report, isolate, carry on. */
__noinline void *slab_alloc_bad_next(struct kmem_cache *s, struct kmem_cache_cpu *c,
				     void *obj, void *next)
{
	cpu_freelist_bad_next(s, c, obj, next);
	if (unlikely(mm_taint_panicked(s->mm)))
		return slab_alloc_panic(s, obj);
	return obj;
}

/* ops->alloc (the caller bound, its GFP bits valid): the sheaves, or
 * ___slab_alloc() and the post-alloc hook */
static void *slub_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size)
{
	struct mm_cpu *cpu = this_cpu(s->mm);
	void *obj;

	if (s->sheaf_capacity)
		obj = sheaf_alloc_slow(s, gfp, caller, orig_size, cpu);
	else if ((obj = slab_alloc_refill(s, gfp, caller, orig_size, cpu)) && !s->debug)
		slab_post_alloc(s, obj, gfp);
	if (unlikely(mm_taint_panicked(s->mm)))
		return slab_alloc_panic(s, obj);
	return obj;
}

/* ---- free -------------------------------------------------------------------- */

/* Which slab of cache s holds object x?  NULL (and a refusal) otherwise. */
static struct page *free_lookup(struct kmem_cache *s, const void *x, const char *who,
				struct kmem_cache_cpu *c, int *rc)
{
	struct mm *m = s->mm;
	struct page *slab = slab_virt_to_head(m, x);
	char *start;

	if (!slab) {
		*rc = slab_free_refused(s, c, EFAULT, "%s(%s): %p is not an address of this machine's "
				   "memory: not a slab object", who, s->name, x);
		return NULL;
	}
	if (!(slab->flags & PG_slab) || !slab->slab_cache) {
		*rc = slab_free_refused(s, c, EFAULT, "%s(%s): SLUB <none>: no slab for object %p "
				   "(pfn %#lx is not a slab page)", who, s->name, x,
				   page_to_pfn(m, slab));
		return NULL;
	}
	if (slab->slab_cache != s) {
		*rc = slab_free_refused(s, c, EFAULT, "%s: Wrong slab cache. %s but object %p is from %s",
				   who, s->name, x, ((struct kmem_cache *)slab->slab_cache)->name);
		return NULL;
	}
	start = slab_address(m, slab) + s->red_left_pad;
	if ((uintptr_t)x - (uintptr_t)start >= (uintptr_t)cnt_objects(slab_counters(slab)) * s->size ||
	    !slot_exact(s, (uintptr_t)x - (uintptr_t)start)) {
		*rc = slab_free_refused(s, c, EFAULT, "%s(%s): Invalid object pointer %p (not the start "
				   "of an object of slab %p)", who, s->name, x, (void *)slab);
		return NULL;
	}
	return slab;
}

/* Is x on the freelist that starts at fp (a chain of slab's objects)?
 * The slab's own freelist takes remote frees meanwhile (cmpxchg, no lock):
 * a link read as it changes is range-checked like any other and at worst
 * ends the walk early - a benign race, so TSan is not told about these
 * reads (raw loads, decoded as get_freepointer() does). */
#if defined(__SANITIZE_THREAD__)
__attribute__((no_sanitize_thread))
#endif
static __mm_no_asan bool chain_holds(struct kmem_cache *s, struct page *slab, void *fp,
				     const void *x)
{
	for (unsigned i = 0, n = cnt_objects(slab_counters(slab)); fp && i <= n; i++) {
		unsigned long addr = (unsigned long)fp + s->offset;

		if (fp == x)
			return true;
		if (!check_valid_pointer(s, slab, fp))
			return false;
		fp = (void *)freelist_ptr_encode(s, (void *)*(volatile unsigned long *)addr, addr);
	}
	return false;
}

/* Is x free where this thread can see it: on its slab's freelist, or this
 * CPU's cpu freelist or sheaves?  (Debug caches keep all their free
 * objects on the slab's freelist, under n->list_lock.)  Objects free on
 * another CPU's private lists are not seen. */
static bool object_seen_free(struct kmem_cache *s, struct page *slab, const void *x)
{
	struct kmem_cache_node *n = s->debug ? get_node(s, slab) : NULL;
	struct mm_cpu *cpu = this_cpu(s->mm);
	bool found;

	if (n)
		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	found = chain_holds(s, slab, slab_freelist(slab), x);
	if (n)
		mm_mutex_unlock(&n->list_lock);
	if (!found && cpu && !s->debug) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];

		found = (c->slab == slab && chain_holds(s, slab, c->freelist, x)) ||
			sheaves_hold(s, c, x);
	}
	return found;
}

/* ksize()/krealloc() of x in slab (cache s): an object start, and with
 * check_free not a free object?  0, or -EFAULT with a report. */
static int slub_check_object(struct kmem_cache *s, struct page *slab, const void *x,
			     const char *who, bool check_free)
{
	char *start = slab_address(s->mm, slab) + s->red_left_pad;
	uintptr_t off = (uintptr_t)x - (uintptr_t)start;

	if (off >= (uintptr_t)cnt_objects(slab_counters(slab)) * s->size ||
	    !slot_exact(s, off))
		return slab_free_refused(s, NULL, EFAULT, "%s(%s): Invalid object pointer %p (not "
					 "the start of an object of slab %p)", who, s->name, x,
					 (void *)slab);
	if (check_free && object_seen_free(s, slab, x))
		return slab_free_refused(s, NULL, EFAULT, "%s(%s): object %p is free (use after "
					 "free)", who, s->name, x);
	return 0;
}

/* ops->free: everything but a push by a fast path - x is looked up, then
 * goes to the CPU's sheaves or to its slab. */
static __noinline int slub_free(struct kmem_cache *s, void *x, unsigned long caller,
				const char *who)
{
	struct mm *m = s->mm;
	struct mm_cpu *cpu = this_cpu(m);
	struct kmem_cache_cpu *c;
	struct page *slab;
	int rc = 0;

	if (!x)
		return 0;
	if (!cpu)
		return mm_unbound_error(m, "%s(%s)", who, s->name);
	c = &s->cpu_slab[cpu->id];
	slab = free_lookup(s, x, who, c, &rc);
	if (!slab)
		return rc;
	if (s->sheaf_capacity)
		return sheaf_free_slow(s, x, cpu, who);
	return slab_free_to_slab(s, slab, x, caller, cpu, c, who);
}

/* slab_free_known()'s slow half: x must still be shown to be an object
 * start of slab before it is freed.  cpu: the caller's, bound (or NULL). */
__noinline int slab_free_known_slow(struct kmem_cache *s, struct page *slab, void *x,
				    unsigned long caller, struct mm_cpu *cpu)
{
	uintptr_t off = (uintptr_t)x - (uintptr_t)(slab_address(s->mm, slab) + s->red_left_pad);

	if (unlikely(!cpu || off >= (uintptr_t)cnt_objects(slab_counters(slab)) * s->size ||
		     !slot_exact(s, off)))
		return slub_free(s, x, caller, "kfree");        /* reports it */
	return slab_free_to_slab(s, slab, x, caller, cpu, &s->cpu_slab[cpu->id], "kfree");
}

/* ---- bulk ---------------------------------------------------------------------- */

/* ops->alloc_bulk (a bound CPU, not a debug cache, valid GFP): the sheaves,
 * then the slabs; all or nothing. */
static int slub_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p,
			   unsigned long caller)
{
	struct mm_cpu *cpu = this_cpu(s->mm);
	size_t i = 0;

	if (s->sheaf_capacity)          /* alloc_from_pcs_bulk() */
		i = sheaf_alloc_bulk(s, n, p, cpu);
	if (i < n && !slab_alloc_bulk_slabs(s, gfp, n - i, p + i, cpu, caller)) {
		slab_free_bulk_to_slabs(s, i, p, cpu, caller);
		if (mm_taint_panicked(s->mm))
			return mm_error(s->mm, EFAULT, "kmem_cache_alloc_bulk(%s): panic_on_taint: "
					"corrupted objects found", s->name), 0;
		return 0;               /* errno: the page allocator's */
	}
	if (unlikely((gfp & __GFP_ZERO) || s->init_hooks || MM_ASAN))
		for (i = 0; i < n; i++)
			slab_post_alloc(s, p[i], gfp);
	if (unlikely(mm_taint_panicked(s->mm))) {
		for (i = 0; i < n; i++)
			slub_free(s, p[i], caller, "kmem_cache_alloc_bulk");
		return mm_error(s->mm, EFAULT, "kmem_cache_alloc_bulk(%s): panic_on_taint: "
				"corrupted objects found", s->name), 0;
	}
	return (int)n;
}

/* ops->free_bulk: objects of this CPU's cpu slab are chained locally and
 * spliced onto c->freelist once; the others take the slow path one by
 * one.  Declines (1) for sheaf and init_on_free caches and an unbound
 * caller: slab_common.c frees those one by one through slab_free(). */
static int slub_free_bulk(struct kmem_cache *s, size_t n, void **p, unsigned long caller)
{
	struct kmem_cache_cpu *c;
	unsigned long fast = 0;
	void *head;
	int first = 0;

	if (!bound_fast(s) || s->init_on_free || s->sheaf_capacity)
		return 1;
	c = &s->cpu_slab[mm_tls[0].cpu_id];
	head = c->freelist;
	for (size_t i = 0; i < n; i++) {
		void *x = p[i];
		uintptr_t off = (uintptr_t)x - (uintptr_t)c->base;
		int rc;

		if (likely(off < c->span && slot_exact(s, off) && x != head)) {
			set_freepointer(s, x, head);
			mm_track_free(x, s->object_size);
			head = x;
			fast++;
			continue;
		}
		c->freelist = head;
		rc = slub_free(s, x, caller, "kmem_cache_free_bulk");
		head = c->freelist;
		if (rc && !first)
			first = rc;
	}
	c->freelist = head;
	c->stat[FREE_FASTPATH] += fast;
	return first;
}

/* ---- shrink, shutdown ------------------------------------------------------------ */

/* __kmem_cache_do_shrink(): flush, free every empty slab, fullest partial
 * slabs first.  Returns the slabs freed. */
static int cache_shrink(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	struct mm_cpu *cpu = this_cpu(m);
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];
	int freed = 0;

	if (s->sheaf_capacity)
		barn_shrink(s, cpu);
	flush_all(s);
	for (int i = 0; i < m->nr_nodes; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct list_head discard, sorted;

		INIT_LIST_HEAD(&discard);
		INIT_LIST_HEAD(&sorted);
		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		while (!list_empty(&n->partial)) {
			struct page *slab = list_first_entry(&n->partial, struct page, lru);
			struct list_head *pos;

			list_del(&slab->lru);
			if (!cnt_inuse(slab_counters(slab))) {
				WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
				list_add(&slab->lru, &discard);
				freed++;
				continue;
			}
			/* insertion sort by inuse, fullest first */
			list_for_each(pos, &sorted)
				if (cnt_inuse(list_entry(pos, struct page, lru)->counters) <
				    cnt_inuse(slab->counters))
					break;
			list_add_tail(&slab->lru, pos);
		}
		while (!list_empty(&sorted)) {
			struct page *slab = list_first_entry(&sorted, struct page, lru);

			list_del(&slab->lru);
			list_add_tail(&slab->lru, &n->partial);
		}
		mm_mutex_unlock(&n->list_lock);
		discard_list(s, &discard, c);
	}
	return freed;
}

static unsigned long cache_nr_slabs(struct kmem_cache *s)
{
	unsigned long n = 0;

	for (int i = 0; i < s->mm->nr_nodes; i++)
		n += __atomic_load_n(&s->node[i].nr_slabs, __ATOMIC_RELAXED);
	return n;
}

static unsigned long cache_total_objects(struct kmem_cache *s)
{
	unsigned long n = 0;

	for (int i = 0; i < s->mm->nr_nodes; i++)
		n += __atomic_load_n(&s->node[i].total_objects, __ATOMIC_RELAXED);
	return n;
}

/* __kmem_cache_shutdown(): flush every CPU, free the empty slabs; objects
 * still in use are listed and the cache is kept. */
static int slub_shutdown(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	unsigned long leaked;

	if (flush_all(s))
		return mm_error(m, EBUSY, "kmem_cache_destroy(%s): a CPU bound to another thread "
				"still holds slabs of the cache; unbind it first", s->name);
	cache_shrink(s);
	if (!cache_nr_slabs(s))
		return 0;
	slab_err(s, NULL, "Objects remaining in %s on __kmem_cache_shutdown()", s->name);
	leaked = list_slab_objects(s);
	return mm_error(m, mm_taint_panicked(m) ? EFAULT : EBUSY,
			"kmem_cache_destroy %s: Slab cache still has objects "
			"(%lu objects left in %lu slabs); the cache is kept", s->name,
			leaked, cache_nr_slabs(s));
}

/* ops->validate_cache: validate_slab_cache() after flushing the cpu slabs */
static int slub_validate_cache(struct kmem_cache *s)
{
	if (this_cpu(s->mm))
		flush_all(s);
	return validate_slab_cache(s);
}

/* ---- reports and attributes ------------------------------------------------------ */

/* get_slabinfo(): active objects are those not free on a node partial list
 * (objects in cpu slabs, cpu partial lists and sheaves count as active, as
 * SLUB's count_partial() has it). */
static void slub_slabinfo(struct kmem_cache *s, struct slabinfo *sinfo)
{
	unsigned long nr_free = 0;

	for (int i = 0; i < s->mm->nr_nodes; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct list_head *e;

		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		list_for_each(e, &n->partial) {
			unsigned long co = slab_counters(list_entry(e, struct page, lru));

			nr_free += cnt_objects(co) - cnt_inuse(co);
		}
		mm_mutex_unlock(&n->list_lock);
	}
	*sinfo = (struct slabinfo){ .num_slabs = cache_nr_slabs(s),
				    .num_objs = cache_total_objects(s),
				    .objects_per_slab = s->objects, .cache_order = s->order };
	sinfo->active_slabs = sinfo->num_slabs;
	sinfo->active_objs = sinfo->num_objs - nr_free;
}

static unsigned long slub_stat(struct kmem_cache *s, int item)
{
	unsigned long sum = 0;

	for (int c = 0; c < s->mm->nr_cpus; c++)
		sum += READ_ONCE(s->cpu_slab[c].stat[item]);
	return sum;
}

static size_t slub_ksize(struct kmem_cache *s, const void *x)
{
	(void)x;
	if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
		return s->object_size;
	if (s->flags & SLAB_STORE_USER)
		return s->inuse;
	return s->object_size;
}

const struct slab_ops slub_ops = {
	.name = "slub",
	.fast_path = true,
	.create = slub_create,
	.release = slub_release,
	.shutdown = slub_shutdown,
	.shrink = cache_shrink,
	.alloc = slub_alloc,
	.free = slub_free,
	.alloc_bulk = slub_alloc_bulk,
	.free_bulk = slub_free_bulk,
	.check_object = slub_check_object,
	.ksize = slub_ksize,
	.set_orig_size = slub_set_orig_size,
	.get_orig_size = slub_get_orig_size,
	.slabinfo = slub_slabinfo,
	.nr_stats = NR_SLUB_STAT_ITEMS,
	.stat_names = slub_stat_names,
	.stat = slub_stat,
	.validate_cache = slub_validate_cache,
	.validate = slub_validate,
};
