// SPDX-License-Identifier: GPL-2.0-only
/*
 * slub_core.c - SLUB's slabs (mm/slub.c): the pages of every cache, the
 * per-CPU active slab and partial list, the per-node partial lists, and
 * the lockless frees between them.  Beneath the sheaves (sheaf.c) and the
 * entries (slub.c); above only the checks and reports (slub_debug.c).
 * The design, the object states and the lock order are in slub.c.
 *
 * Owns: slab pages (PG_slab head pages with slab_cache, freelist and
 * counters in struct page), kmem_cache_cpu.freelist/slab/partial, and
 * kmem_cache_node's partial and full lists and slab counts.
 *
 * Functions, by the kernel's names:
 *   allocate_slab()      new_slab(): preferred order opportunistically,
 *                        then the minimum; freelist shuffled
 *                        (CONFIG_SLAB_FREELIST_RANDOM); discard_slab()
 *   _slab_alloc_refill()      slab_alloc_refill(): the cpu slab's remote frees
 *                        (get_freelist), the cpu partial list, the node's
 *                        (get_partial_node), other nodes' (get_any_partial),
 *                        a new slab
 *   deactivate_slab()    deactivate_cpu_slab(), unfreeze_partials(),
 *                        put_cpu_partial(); cpu_slab_flush() (flush_cpu_slab
 *                        without the sheaves)
 *   __slab_free()        slab_free_to_slab() (inline, slub.h): the common
 *                        lockless half; slab_free_to_slab_list() here: any
 *                        slab state, n->list_lock when the slab moves
 *   alloc/free_debug_processing()  the debug caches' locked paths:
 *                        slab_alloc_debug(), slab_free_debug()
 *   __kmem_cache_alloc_bulk() / __kmem_cache_free_bulk()  for the sheaves:
 *                        slab_alloc_bulk_slabs(), slab_free_bulk_to_slabs()
 *
 * Locking: per-CPU state belongs to the bound (or acquiring) thread;
 * n->list_lock guards a node's lists and every move of an unfrozen slab
 * between them; (freelist, counters) of a slab change by cmpxchg16b.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slab.h"

#define GFP_RECLAIM_MASK (__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | \
			  __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | \
			  __GFP_NOMEMALLOC)
#define GFP_CONSTRAINT_MASK (__GFP_HARDWALL | __GFP_THISNODE)

/* ---- slab pages ---------------------------------------------------------- */

static void account_slab(struct kmem_cache *s, struct page *slab, long sign)
{
	int nid = slab_nid(s->mm, slab);
	struct kmem_cache_node *n = &s->node[nid];

	slab_account_pages(s, nid, slab_order_of(slab), sign);
	__atomic_add_fetch(&n->nr_slabs, sign, __ATOMIC_RELAXED);
	__atomic_add_fetch(&n->total_objects, sign * (long)cnt_objects(slab->counters),
			   __ATOMIC_RELAXED);
}

/* The free objects of a new slab, linked in shuffled or address order;
 * returns the first. */
static void *build_freelist(struct kmem_cache *s, char *start, unsigned objects)
{
	void *head = NULL, *prev = NULL;
	unsigned pos = 0;

	if (s->random_seq && objects > 1) {
		unsigned long st = s->random ^ __atomic_add_fetch(&s->rnd_ctr, 1, __ATOMIC_RELAXED);

		pos = (unsigned)(splitmix64(&st) % s->objects);
	}
	for (unsigned i = 0, done = 0; done < objects; i++) {
		unsigned idx = i;
		void *obj;

		if (s->random_seq) {
			idx = s->random_seq[pos];
			pos = pos + 1 == s->objects ? 0 : pos + 1;
			if (idx >= objects)
				continue;
		}
		obj = start + (size_t)idx * s->size + s->red_left_pad;
		if (prev)
			set_freepointer(s, prev, obj);
		else
			head = obj;
		prev = obj;
		done++;
	}
	set_freepointer(s, prev, NULL);
	return head;
}

/* allocate_slab(): pages for a slab, objects initialised.  The preferred
 * order is asked for without a warning or retries - and, when it is above
 * the minimum, opportunistically: no direct reclaim, no reserves
 * ((gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM) - so a fragmented machine
 * falls back to the minimum order (with the caller's own flags) instead of
 * pressing the page allocator for it.  Returns the slab with its freelist
 * built in slab->freelist, counters inuse 0, not frozen. */
struct page *new_slab(struct kmem_cache *s, gfp_t gfp, struct kmem_cache_cpu *c)
{
	struct mm *m = s->mm;
	gfp_t base = (gfp & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK)) | s->allocflags;
	gfp_t first = (base | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
	struct page *slab;
	unsigned order = s->order, objects;
	char *start;

	if ((first & __GFP_DIRECT_RECLAIM) && s->order > s->min_order)
		first = (first | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
	slab = mm_alloc_pages(m, first | (order ? __GFP_COMP : 0), order);
	if (!slab) {
		order = s->min_order;
		slab = mm_alloc_pages(m, base | (order ? __GFP_COMP : 0), order);
		if (!slab)
			return NULL;
		slab_stat(c, ORDER_FALLBACK);
	}
	objects = order_objects(order, s->size);
	start = slab_address(m, slab);
	slab->slab_cache = s;
	slab->counters = mkcnt(0, objects, false, 0);
	WRITE_ONCE(slab->flags, slab->flags | PG_slab);
	if (order == s->order)
		for (unsigned long i = 0; i < 1ul << order; i++) {
			slab[i].slab_cache = s;
			WRITE_ONCE(slab[i].flags, slab[i].flags | PG_slab_oo);
		}
	if (s->flags & SLAB_POISON)
		memset(start, POISON_INUSE, PAGE_SIZE << order);
	for (unsigned i = 0; (s->debug || s->ctor) && i < objects; i++) {
		void *obj = start + (size_t)i * s->size + s->red_left_pad;

		if (s->debug) {
			init_object(s, obj, SLUB_RED_INACTIVE);
			if (s->flags & SLAB_STORE_USER)
				memset(get_track(s, obj, TRACK_ALLOC), 0, 2 * sizeof(struct track));
		}
		if (s->ctor)
			mm_run_ctor(m, s->ctor, obj);
	}
	slab->freelist = build_freelist(s, start, objects);
#if MM_ASAN
	if (!s->debug)
		for (unsigned i = 0; i < objects; i++)
			mm_track_free(start + (size_t)i * s->size + s->red_left_pad, s->object_size);
#endif
	account_slab(s, slab, 1);
	slab_stat(c, ALLOC_SLAB);
	return slab;
}

/* Give a slab's pages back to the page allocator. */
void discard_slab(struct kmem_cache *s, struct page *slab, struct kmem_cache_cpu *c)
{
	struct mm *m = s->mm;
	unsigned order = slab_order_of(slab);

	account_slab(s, slab, -1);
	mm_track_alloc(slab_address(m, slab), PAGE_SIZE << order);
	if (slab->flags & PG_slab_oo)
		for (unsigned long i = 1; i < 1ul << order; i++) {
			WRITE_ONCE(slab[i].flags, slab[i].flags & ~(unsigned long)PG_slab_oo);
			slab[i].slab_cache = NULL;
		}
	slab->flags &= ~(unsigned long)PG_slab_oo;
	slab->slab_cache = NULL;
	slab->freelist = NULL;
	slab->counters = 0;
	WRITE_ONCE(slab->flags, slab->flags & ~(unsigned long)PG_slab);
	mm_free_pages(m, slab, order);
	slab_stat(c, FREE_SLAB);
}

void discard_list(struct kmem_cache *s, struct list_head *list, struct kmem_cache_cpu *c)
{
	while (!list_empty(list)) {
		struct page *slab = list_first_entry(list, struct page, lru);

		list_del(&slab->lru);
		discard_slab(s, slab, c);
	}
}

/* ---- the lockless machinery -------------------------------------------------- */

/* get_freelist(): take the cpu slab's remotely freed objects; when there are
 * none the slab is unfrozen (it is full and on no list). */
static void *get_freelist(struct page *slab, int owner)
{
	void *fo;
	unsigned long co, cn;

	do {
		fo = slab_freelist(slab);
		co = slab_counters(slab);
		cn = mkcnt(cnt_objects(co), cnt_objects(co), fo != NULL, owner);
	} while (!cmpxchg_double_slab(slab, fo, co, NULL, cn));
	return fo;
}

/* acquire_slab(): freeze a node partial slab for this CPU and take its
 * freelist.  n->list_lock held; the slab leaves the list. */
static void *acquire_slab(struct kmem_cache_node *n, struct page *slab, int owner)
{
	void *fo;
	unsigned long co;

	do {
		fo = slab_freelist(slab);
		co = slab_counters(slab);
	} while (!cmpxchg_double_slab(slab, fo, co, NULL,
				      mkcnt(cnt_objects(co), cnt_objects(co), true, owner)));
	remove_partial(n, slab);
	return fo;
}

/* Freeze a node partial slab for this CPU's partial list, objects left on
 * its freelist.  n->list_lock held; the slab leaves the list. */
static void freeze_slab(struct kmem_cache_node *n, struct page *slab, int owner)
{
	void *fo;
	unsigned long co;

	do {
		fo = slab_freelist(slab);
		co = slab_counters(slab);
	} while (!cmpxchg_double_slab(slab, fo, co, fo,
				      mkcnt(cnt_inuse(co), cnt_objects(co), true, owner)));
	remove_partial(n, slab);
}

/* Unfreeze a frozen slab, adding `nr` locally free objects [head..tail]
 * back, and file it under n->list_lock: discard when empty and the node has
 * enough partial slabs, else partial if it has free objects, else nowhere. */
static void unfreeze_slab(struct kmem_cache *s, struct page *slab, void *head, void *tail,
			  unsigned nr, struct kmem_cache_cpu *c, bool *discard)
{
	struct kmem_cache_node *n = get_node(s, slab);
	void *fo;
	unsigned long co, cn;

	mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	do {
		fo = slab_freelist(slab);
		co = slab_counters(slab);
		if (tail)
			set_freepointer(s, tail, fo);
		cn = mkcnt(cnt_inuse(co) - nr, cnt_objects(co), false, 0);
	} while (!cmpxchg_double_slab(slab, fo, co, head ? head : fo, cn));
	*discard = false;
	if (!cnt_inuse(cn) && n->nr_partial >= s->min_partial) {
		*discard = true;
		slab_stat(c, DEACTIVATE_EMPTY);
	} else if (head || fo) {
		add_partial(n, slab, true);
		slab_stat(c, DEACTIVATE_TO_TAIL);
	} else {
		slab_stat(c, DEACTIVATE_FULL);
	}
	mm_mutex_unlock(&n->list_lock);
}

static void unfreeze_partials(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct page *slab, *next;
	bool discard;

	for (slab = c->partial; slab; slab = next) {
		next = (struct page *)slab->lru.next;
		slab->lru.next = slab->lru.prev = NULL;
		unfreeze_slab(s, slab, NULL, NULL, 0, c, &discard);
		if (discard)
			discard_slab(s, slab, c);
	}
	c->partial = NULL;
	c->nr_partial = 0;
}

static void put_cpu_partial(struct kmem_cache *s, struct page *slab, struct kmem_cache_cpu *c)
{
	if (c->nr_partial >= s->cpu_partial_slabs) {
		unfreeze_partials(s, c);
		slab_stat(c, CPU_PARTIAL_DRAIN);
	}
	slab->lru.next = (struct list_head *)c->partial;
	c->partial = slab;
	c->nr_partial++;
}

/* deactivate_slab(): give up the cpu slab, merging c->freelist back. */
static void freelist_corrupt(struct kmem_cache *s, struct page *slab, void *object, void *bad);

static void deactivate_cpu_slab(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct page *slab = c->slab;
	void *head = c->freelist, *tail = NULL;
	unsigned nr = 0;
	bool discard;

	if (!slab)
		return;
	for (void *p = head; p; p = get_freepointer(s, p)) {
		if (!check_valid_pointer(s, slab, p) || nr >= cnt_inuse(slab_counters(slab))) {
			/* corrupt chain: keep the valid part, isolate the rest */
			freelist_corrupt(s, slab, tail, p);
			if (tail)
				set_freepointer(s, tail, NULL);
			else
				head = NULL;
			break;
		}
		tail = p;
		nr++;
	}
	if (slab_freelist(slab))
		slab_stat(c, DEACTIVATE_REMOTE_FREES);
	c->slab = NULL;
	c->freelist = NULL;
	c->base = NULL;
	c->span = c->free_span = 0;
	unfreeze_slab(s, slab, head, tail, nr, c, &discard);
	if (discard)
		discard_slab(s, slab, c);
}

/* flush_cpu_slab() below the sheaves: the cpu slab and the cpu partial
 * list back to the node lists. */
void cpu_slab_flush(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	if (c->slab) {
		deactivate_cpu_slab(s, c);
		slab_stat(c, CPUSLAB_FLUSH);
	}
	if (c->partial)
		unfreeze_partials(s, c);
}

static inline void set_cpu_slab(struct kmem_cache *s, struct kmem_cache_cpu *c, struct page *slab)
{
	char *start = slab_address(s->mm, slab) + s->red_left_pad;

	c->slab = slab;
	c->base = start;
	c->span = (size_t)cnt_objects(slab->counters) * s->size;
	c->free_span = s->init_on_free ? 0 : c->span;
}

/* get_partial_node(): the first usable slab of node n becomes the cpu slab;
 * more go to the cpu partial list up to half its limit. */
static void *get_partial_node(struct kmem_cache *s, struct kmem_cache_node *n,
			      struct kmem_cache_cpu *c, int owner)
{
	void *object = NULL;
	unsigned filled = 0;

	if (!READ_ONCE(n->nr_partial))
		return NULL;
	mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	while (!list_empty(&n->partial)) {
		struct page *slab = list_first_entry(&n->partial, struct page, lru);

		if (!object) {
			void *fl = acquire_slab(n, slab, owner);

			set_cpu_slab(s, c, slab);
			object = fl;
			slab_stat(c, ALLOC_FROM_PARTIAL);
		} else {
			freeze_slab(n, slab, owner);
			slab->lru.next = (struct list_head *)c->partial;   /* no drain under */
			c->partial = slab;                                 /* n->list_lock */
			c->nr_partial++;
			slab_stat(c, CPU_PARTIAL_NODE);
			filled++;
		}
		/* the kernel's test, ">" and not ">=" (the difference is measurable) */
		if (!s->cpu_partial_slabs || filled > s->cpu_partial_slabs / 2)
			break;
	}
	mm_mutex_unlock(&n->list_lock);
	return object;
}

/* get_any_partial(): a partial slab of another node, in zonelist order -
 * only from nodes with more partial slabs than min_partial, and only when
 * the remote_node_defrag_ratio draw allows (the kernel draws get_cycles()
 * % 1024 against the ratio, 1000 by default; here a per-cache counter,
 * hashed, keeps runs reproducible). */
static void *get_any_partial(struct kmem_cache *s, gfp_t gfp, struct kmem_cache_cpu *c,
			     struct mm_cpu *cpu)
{
	struct mm *m = s->mm;
	int highest = ((gfp | s->allocflags) & __GFP_DMA) ? ZONE_DMA :
		      ((gfp | s->allocflags) & __GFP_DMA32) ? ZONE_DMA32 : ZONE_NORMAL;
	unsigned long draw = __atomic_add_fetch(&s->defrag_draws, 1, __ATOMIC_RELAXED);

	if (!s->remote_node_defrag_ratio ||
	    ((draw * 0x9E3779B97F4A7C15ul) >> 54) > s->remote_node_defrag_ratio)
		return NULL;
	for (int d = 1; d < m->nr_nodes; d++) {
		int nid = (cpu->node + d) % m->nr_nodes;
		struct kmem_cache_node *n = &s->node[nid];
		bool eligible = false;
		void *object;

		for (int i = 0; i <= highest; i++)
			eligible |= populated_zone(&m->nodes[nid].node_zones[i]);
		if (!eligible || READ_ONCE(n->nr_partial) <= s->min_partial)
			continue;
		object = get_partial_node(s, n, c, cpu->id);
		if (object)
			return object;
	}
	return NULL;
}

/* Report a free pointer that does not point into its slab, and stop using
 * the rest of the chain (the objects on it are lost, not handed out). */
static __noinline void freelist_corrupt(struct kmem_cache *s, struct page *slab, void *object,
					void *bad)
{
	slab_bug(s, "Freepointer corrupt");
	mm_printk(s->mm, "Object %p: free pointer %p does not point into its slab "
		  "(CONFIG_SLAB_FREELIST_HARDENED)", object, bad);
	print_slab_info(s, slab);
	slab_count_error(s->mm);
	slab_fix(s, "Isolating the rest of the freelist of slab %p", (void *)slab);
	mm_error(s->mm, EFAULT, "BUG %s: freelist pointer of object %p corrupted (%p); "
		 "rest of the slab's freelist isolated", s->name, object, bad);
}

static void *slab_alloc_debug(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			      size_t orig_size, struct mm_cpu *cpu, struct kmem_cache_cpu *c);

/* ___slab_alloc(): refill c->freelist from the cpu slab's remote frees,
 * the cpu partial list, the node partial lists, or a new slab, and take
 * its first object.  Debug caches take their locked path instead. */
__noinline void *slab_alloc_refill(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
				   size_t orig_size, struct mm_cpu *cpu)
{
	struct mm *m = s->mm;
	struct kmem_cache_cpu *c;
	struct page *slab;
	void *freelist, *next;

	c = &s->cpu_slab[cpu->id];
	if (s->debug)
		return slab_alloc_debug(s, gfp, caller, orig_size, cpu, c);
	if (c->freelist)
		goto load_freelist;     /* came here for another reason */
	slab_stat(c, ALLOC_SLOWPATH);
	if (c->slab) {
		freelist = get_freelist(c->slab, cpu->id);
		if (freelist) {
			slab_stat(c, ALLOC_REFILL);
			goto check_head;
		}
		slab_stat(c, DEACTIVATE_FULL);
		c->slab = NULL;
		c->base = NULL;
		c->span = c->free_span = 0;
	}
	if (c->partial) {
		slab = c->partial;
		c->partial = (struct page *)slab->lru.next;
		c->nr_partial--;
		slab->lru.next = slab->lru.prev = NULL;
		set_cpu_slab(s, c, slab);
		freelist = get_freelist(slab, cpu->id);
		slab_stat(c, CPU_PARTIAL_ALLOC);
		if (!freelist)
			return slab_alloc_refill(s, gfp, caller, orig_size, cpu);
		goto check_head;
	}
	freelist = get_partial_node(s, &s->node[cpu->node], c, cpu->id);
	if (!freelist && m->nr_nodes > 1)
		freelist = get_any_partial(s, gfp, c, cpu);
	if (freelist)
		goto check_head;
	slab = new_slab(s, gfp, c);
	if (!slab) {                    /* errno: the page allocator's */
		slab_stat(c, ALLOC_FAILED);
		return NULL;
	}
	freelist = slab->freelist;
	slab->freelist = NULL;
	slab->counters = mkcnt(cnt_objects(slab->counters), cnt_objects(slab->counters), true,
			       cpu->id);
	set_cpu_slab(s, c, slab);
check_head:
	if (unlikely(!check_valid_pointer(s, c->slab, freelist))) {
		freelist_corrupt(s, c->slab, c->slab->freelist, freelist);
		return slab_alloc_refill(s, gfp, caller, orig_size, cpu);
	}
	c->freelist = freelist;
load_freelist:
	freelist = c->freelist;
	next = get_freepointer(s, freelist);
	if (unlikely(!check_valid_pointer(s, c->slab, next))) {
		freelist_corrupt(s, c->slab, freelist, next);
		next = NULL;
	}
	c->freelist = next;
	return freelist;
}

/* The fast path's bad-pointer branch: report, isolate, carry on with obj. */
void *cpu_freelist_bad_next(struct kmem_cache *s, struct kmem_cache_cpu *c, void *obj,
			    void *next)
{
	freelist_corrupt(s, c->slab, obj, next);
	c->freelist = NULL;
	return obj;
}

static inline bool want_init_on_alloc(const struct kmem_cache *s, gfp_t gfp)
{
	return (gfp & __GFP_ZERO) || (s->init_on_alloc && !s->ctor);
}

/* post-alloc hook: ASan, zeroing (kzalloc / init_on_alloc), kmalloc size. */
void slab_post_alloc(struct kmem_cache *s, void *obj, gfp_t gfp)
{
	mm_track_alloc(obj, s->object_size);
	if (unlikely((gfp & __GFP_ZERO) || s->init_hooks)) {
		if (want_init_on_alloc(s, gfp))
			memset(obj, 0, s->object_size);
		else if (s->init_on_free && s->offset < s->object_size)
			memset((char *)obj + s->offset, 0, WORD);
	}
}

/* One object for a sheaf cache straight from the slabs (GFP_NOWAIT and no
 * full sheaf): counted as slab_alloc_node() counts it, alloc_fastpath when
 * the cpu freelist serves it (slab_alloc_refill() counts only its slow path). */
void *slab_alloc_from_slabs(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			    size_t orig_size, struct mm_cpu *cpu)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];

	if (c->freelist)
		slab_stat(c, ALLOC_FASTPATH);
	return slab_alloc_refill(s, gfp, caller, orig_size, cpu);
}


/* ---- free -------------------------------------------------------------------- */

__noinline int slab_free_refused(struct kmem_cache *s, struct kmem_cache_cpu *c, int err,
				   const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (c)
		slab_stat(c, FREE_REFUSED);
	if (err == EFAULT)
		slab_count_error(s->mm);
	mm_taint_panicked(s->mm);       /* refused anyway */
	return mm_error(s->mm, err, "%s", buf);
}

__noinline int slab_free_double_head(struct kmem_cache *s, struct kmem_cache_cpu *c, void *x,
				     const char *who)
{
	return slab_free_refused(s, c, EFAULT, "%s(%s): double free of object %p (it is already "
				 "the first free object of its slab)", who, s->name, x);
}

/* __slab_free()'s general case: any slab state; takes n->list_lock when
 * the slab was full or becomes empty and is not frozen. */
__noinline int slab_free_to_slab_list(struct kmem_cache *s, struct page *slab, void *x,
				      struct mm_cpu *cpu, struct kmem_cache_cpu *c,
				      const char *who)
{
	struct kmem_cache_node *n = NULL;
	void *prior;
	unsigned long co, cn;
	bool was_frozen;

	if (x == slab_freelist(slab))
		return slab_free_double_head(s, c, x, who);
	slab_stat(c, FREE_SLOWPATH);
	do {
		if (n) {
			mm_mutex_unlock(&n->list_lock);
			n = NULL;
		}
		prior = slab_freelist(slab);
		co = slab_counters(slab);
		if (!cnt_inuse(co))
			return slab_free_refused(s, c, EFAULT, "%s(%s): double free of object %p "
						 "(its slab %p has no object in use)", who,
						 s->name, x, (void *)slab);
		set_freepointer(s, x, prior);
		was_frozen = cnt_frozen(co);
		cn = co - 1;            /* inuse - 1: the low 16 bits, inuse > 0 */
		if (unlikely((!cnt_inuse(cn) || !prior) && !was_frozen)) {
			if (s->cpu_partial_slabs && !prior) {
				cn = mkcnt(cnt_inuse(cn), cnt_objects(co), true, cpu->id);
			} else {
				n = get_node(s, slab);
				mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
			}
		}
		mm_track_free(x, s->object_size);
	} while (!cmpxchg_double_slab(slab, prior, co, x, cn));

	if (!n) {
		if (cnt_frozen(cn) && !was_frozen) {
			put_cpu_partial(s, slab, c);
			slab_stat(c, CPU_PARTIAL_FREE);
		} else if (was_frozen) {
			slab_stat(c, FREE_FROZEN);
			if (cnt_owner(co) != cpu->id)
				slab_stat(c, FREE_REMOTE);
		}
		return 0;
	}
	/* n->list_lock held: the slab was full or became empty */
	if (!cnt_inuse(cn) && n->nr_partial >= s->min_partial) {
		if (prior) {
			remove_partial(n, slab);
			slab_stat(c, FREE_REMOVE_PARTIAL);
		}
		mm_mutex_unlock(&n->list_lock);
		discard_slab(s, slab, c);
		return 0;
	}
	if (!prior) {
		add_partial(n, slab, true);
		slab_stat(c, FREE_ADD_PARTIAL);
	}
	mm_mutex_unlock(&n->list_lock);
	return 0;
}

static int slab_free_debug(struct kmem_cache *s, struct page *slab, void *x, unsigned long caller,
			   struct mm_cpu *cpu, struct kmem_cache_cpu *c, const char *who);

/* slab_free_to_slab() for debug and init_on_free caches: everything in
 * order, the checks before the wipe. */
__noinline int slab_free_to_slab_hooks(struct kmem_cache *s, struct page *slab, void *x,
				       unsigned long caller, struct mm_cpu *cpu,
				       struct kmem_cache_cpu *c, const char *who)
{
	if (s->debug)
		return slab_free_debug(s, slab, x, caller, cpu, c, who);
	if (x == c->freelist || x == slab_freelist(slab))
		return slab_free_double_head(s, c, x, who);
	memset(x, 0, s->object_size);   /* init_on_free */
	if (slab == c->slab) {
		cpu_freelist_push(s, c, x);
		return 0;
	}
	return slab_free_to_slab_list(s, slab, x, cpu, c, who);
}

/* ---- debug caches: every operation under n->list_lock -------------------------- */

static void set_orig_size_locked(struct kmem_cache *s, void *obj, size_t orig)
{
	if (!slub_debug_orig_size(s))
		return;
	if (!orig || orig > s->object_size)
		orig = s->object_size;
	*orig_size_ptr(s, obj) = (unsigned)orig;
	if (s->flags & SLAB_RED_ZONE)
		slab_bytes_set((unsigned char *)obj + orig, SLUB_RED_ACTIVE, s->object_size - orig);
}

void slub_set_orig_size(struct kmem_cache *s, void *obj, size_t orig)
{
	set_orig_size_locked(s, obj, orig);
}

size_t slub_get_orig_size(struct kmem_cache *s, void *obj)
{
	return slub_debug_orig_size(s) ? *orig_size_ptr(s, obj) : s->object_size;
}

/* Mark every object of a damaged slab used, so none is handed out again. */
static void quarantine_slab(struct kmem_cache *s, struct kmem_cache_node *n, struct page *slab)
{
	unsigned objects = cnt_objects(slab->counters);

	slab_fix(s, "Marking all objects used");
	slab->freelist = NULL;
	slab->counters = mkcnt(objects, objects, false, 0);
	list_del(&slab->lru);
	WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
	list_add(&slab->lru, &n->full);
}

/* A damaged free object is taken off the freelist and kept "allocated"
 * forever (painted as such, so later checks pass); its slab goes on. */
static void quarantine_object(struct kmem_cache *s, struct kmem_cache_node *n,
			      struct page *slab, void *obj)
{
	unsigned long co = slab->counters;

	slab_fix(s, "Object at %p quarantined (never handed out)", obj);
	slab->freelist = get_freepointer(s, obj);
	slab->counters = mkcnt(cnt_inuse(co) + 1, cnt_objects(co), false, 0);
	if (!slab->freelist) {
		remove_partial(n, slab);
		list_add(&slab->lru, &n->full);
	}
	init_object(s, obj, SLUB_RED_ACTIVE);
	set_orig_size_locked(s, obj, s->object_size);
}

static void *alloc_from_node_debug(struct kmem_cache *s, struct kmem_cache_node *n, gfp_t gfp,
				   unsigned long caller, size_t orig_size, struct mm_cpu *cpu)
{
	while (!list_empty(&n->partial)) {
		struct page *slab = list_first_entry(&n->partial, struct page, lru);
		void *obj = slab->freelist;
		unsigned long co = slab->counters;

		if ((s->flags & SLAB_CONSISTENCY_CHECKS) &&
		    (!check_slab(s, slab, true) || !check_valid_pointer(s, slab, obj) || !obj)) {
			if (obj && !check_valid_pointer(s, slab, obj))
				object_err(s, slab, obj, "Freelist Pointer check fails");
			quarantine_slab(s, n, slab);
			continue;
		}
		if ((s->flags & SLAB_CONSISTENCY_CHECKS) &&
		    !check_object(s, slab, obj, SLUB_RED_INACTIVE, true)) {
			quarantine_object(s, n, slab, obj);
			continue;
		}
		slab->freelist = get_freepointer(s, obj);
		slab->counters = mkcnt(cnt_inuse(co) + 1, cnt_objects(co), false, 0);
		if (!slab->freelist) {
			remove_partial(n, slab);
			list_add(&slab->lru, &n->full);
		}
		if (s->flags & SLAB_STORE_USER)
			set_track(s, obj, TRACK_ALLOC, caller, cpu);
		init_object(s, obj, SLUB_RED_ACTIVE);
		set_orig_size_locked(s, obj, orig_size);
		trace(s, slab, obj, true);
		(void)gfp;
		return obj;
	}
	return NULL;
}

static void *slab_alloc_debug(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			      size_t orig_size, struct mm_cpu *cpu, struct kmem_cache_cpu *c)
{
	struct mm *m = s->mm;
	void *obj = NULL;
	struct page *slab;

	slab_stat(c, ALLOC_SLOWPATH);
	for (int i = 0; i < m->nr_nodes && !obj; i++) {
		struct kmem_cache_node *n = &s->node[(cpu->node + i) % m->nr_nodes];

		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		obj = alloc_from_node_debug(s, n, gfp, caller, orig_size, cpu);
		mm_mutex_unlock(&n->list_lock);
	}
	if (!obj) {
		struct kmem_cache_node *n;

		slab = new_slab(s, gfp, c);
		if (!slab) {            /* errno: the page allocator's */
			slab_stat(c, ALLOC_FAILED);
			return NULL;
		}
		n = get_node(s, slab);
		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		add_partial(n, slab, false);
		obj = alloc_from_node_debug(s, n, gfp, caller, orig_size, cpu);
		mm_mutex_unlock(&n->list_lock);
		if (!obj) {
			mm_set_errno(m, ENOMEM);
			return NULL;
		}
	}
	/* slab_post_alloc_hook(): a kmalloc object's red zone [orig_size,
	 * object_size) is painted, not zeroed */
	if (want_init_on_alloc(s, gfp))
		memset(obj, 0, (s->flags & (SLAB_STORE_USER | SLAB_RED_ZONE)) &&
			       (s->flags & SLAB_KMALLOC) && orig_size && orig_size < s->object_size
			       ? orig_size : s->object_size);
	return obj;
}

static int slab_free_debug(struct kmem_cache *s, struct page *slab, void *x, unsigned long caller,
			   struct mm_cpu *cpu, struct kmem_cache_cpu *c, const char *who)
{
	struct kmem_cache_node *n = get_node(s, slab);
	unsigned long co;
	bool discard = false;

	mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	co = slab->counters;
	if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !check_slab(s, slab, true))
		goto refused;
	if (on_freelist(s, slab, x, true)) {
		object_err(s, slab, x, "Object already free");
		goto refused;
	}
	co = slab->counters;
	if (!cnt_inuse(co)) {
		slab_err(s, slab, "Object %p: slab has no object in use", x);
		goto refused;
	}
	if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !check_object(s, slab, x, SLUB_RED_ACTIVE, true))
		goto refused;
	if (s->flags & SLAB_STORE_USER)
		set_track(s, x, TRACK_FREE, caller, cpu);
	trace(s, slab, x, false);
	init_object(s, x, SLUB_RED_INACTIVE);
	if (s->init_on_free && !(s->flags & SLAB_POISON))
		memset(x, 0, s->object_size);
	set_freepointer(s, x, slab->freelist);
	if (!slab->freelist) {          /* full -> partial */
		list_del(&slab->lru);
		add_partial(n, slab, true);
	}
	slab->freelist = x;
	slab->counters = mkcnt(cnt_inuse(co) - 1, cnt_objects(co), false, 0);
	slab_stat(c, FREE_SLOWPATH);
	if (!cnt_inuse(slab->counters) && n->nr_partial > s->min_partial) {
		remove_partial(n, slab);
		discard = true;
	}
	mm_mutex_unlock(&n->list_lock);
	if (discard)
		discard_slab(s, slab, c);
	return 0;
refused:
	slab_fix(s, "Object at %p not freed", x);
	mm_mutex_unlock(&n->list_lock);
	slab_stat(c, FREE_REFUSED);
	mm_taint_panicked(s->mm);       /* refused anyway */
	return mm_error(s->mm, EFAULT, "%s(%s): invalid free of object %p refused "
			"(see the BUG report in dmesg)", who, s->name, x);
}

/* ---- bulk ---------------------------------------------------------------------- */

/* __kmem_cache_alloc_bulk(): n objects from the cpu slab and the slabs
 * beneath it, no post-alloc hooks; all (n) or nothing (0). */
int slab_alloc_bulk_slabs(struct kmem_cache *s, gfp_t gfp, size_t n, void **p,
			  struct mm_cpu *cpu, unsigned long caller)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];
	size_t i;

	for (i = 0; i < n; i++) {
		void *obj = c->freelist;

		if (unlikely(!obj)) {
			obj = slab_alloc_refill(s, gfp & ~__GFP_ZERO, caller, 0, cpu);
			if (!obj) {
				slab_free_bulk_to_slabs(s, i, p, cpu, caller);
				return 0;
			}
		} else {
			void *next = get_freepointer(s, obj);

			if (unlikely((uintptr_t)next - (uintptr_t)c->base >= c->span && next))
				obj = cpu_freelist_bad_next(s, c, obj, next);  /* panic: the caller */
			else
				c->freelist = next;
			slab_stat(c, ALLOC_FASTPATH);
		}
		p[i] = obj;
	}
	return (int)n;
}

/* __kmem_cache_free_bulk(): objects known to be object starts of s (a
 * sheaf's) back to their slabs, as frees that skip the sheaves. */
void slab_free_bulk_to_slabs(struct kmem_cache *s, size_t n, void **p, struct mm_cpu *cpu,
			     unsigned long caller)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];

	for (size_t i = 0; i < n; i++) {
		void *x = p[i];

		if ((uintptr_t)x - (uintptr_t)c->base < c->span && x != c->freelist &&
		    !s->debug && !s->init_on_free) {
			cpu_freelist_push(s, c, x);
			continue;
		}
		mm_track_alloc(x, s->object_size);     /* sheaf objects are poisoned */
		slab_free_to_slab(s, slab_virt_to_head(s->mm, x), x, caller, cpu, c, "sheaf_flush");
	}
}
