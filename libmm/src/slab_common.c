// SPDX-License-Identifier: GPL-2.0-only
/*
 * slab_common.c - the allocator-independent half of the slab layer
 * (mm/slab_common.c): the machine's caches and everything about them that
 * does not depend on how objects are laid out in slabs.
 *
 * Owns: struct slab_state (the cache list under slab_state.mutex - the
 * kernel's slab_mutex - machine-wide debug= flags, the slab page counters
 * NR_SLAB_*), and the common fields of every struct kmem_cache (name,
 * sizes asked for, flags, ctor, refcount, aliases).
 *
 * Cache lifecycle, by the kernel's names: kmem_cache_create() checks its
 * arguments, applies debug= (kmem_cache_flags()), and either merges into
 * an existing cache (find_mergeable(): same flags that matter, no ctor,
 * size within a word, alignment kept; __kmem_cache_alias() widens it) or
 * creates one (create_cache() -> ops->create, __kmem_cache_create).
 * kmem_cache_destroy() drops a reference; the last one shuts the cache
 * down (ops->shutdown, which refuses while objects remain) and frees it.
 * kmalloc caches (kmalloc.c) are created here too and never destroyed.
 *
 * The allocator: struct slab_ops (slab.h), chosen at boot by the machine
 * key slab= (slub: slub_ops, the default; slab: slab_classic_ops; slob:
 * slob_ops).  Its
 * tick hook, if any, is registered as m->slab_tick for mm_tick.  Every object operation enters through the
 * inlined fast paths of slub.h; slab_alloc_slow()/slab_free_slow() here
 * ask failslab (should_failslab(), slab_pre_alloc_hook()'s test) and
 * call s->ops.  The bulk calls ask failslab once per call; an allocator
 * without a bulk path (or declining one) gets the objects one by one.
 *
 * Reports: /proc/slabinfo (version 2.1, get_slabinfo() rows from
 * ops->slabinfo), the JSON report with each allocator's statistics,
 * NR_SLAB_RECLAIMABLE_B / NR_SLAB_UNRECLAIMABLE_B per node.  mm_validate()
 * reaches ops->validate through slab_validate().
 *
 * Locking: slab_state.mutex guards the cache list, refcounts and aliases
 * and is taken before any lock of the allocator (n->list_lock, ...).
 * Nothing here touches per-CPU state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slab.h"
#include "page_owner.h"

#define CACHE_LINE        64u

#define SLAB_NEVER_MERGE (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | \
			  SLAB_TYPESAFE_BY_RCU | SLAB_NOLEAKTRACE | SLAB_FAILSLAB | \
			  SLAB_NO_MERGE | SLAB_CONSISTENCY_CHECKS)
#define SLAB_MERGE_SAME  (SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_ACCOUNT)

/* ---- the object entries: failslab, then the allocator ---------------------------- */

/* slab_pre_alloc_hook()'s should_failslab() (fault_inject.c): the fast
 * paths come here while failslab may fail this cache (s->slow_bits). */
static __noinline bool slab_alloc_failslab(struct kmem_cache *s, gfp_t gfp)
{
	if ((gfp & ~__GFP_VALID_MASK) || !this_cpu(s->mm) ||     /* refused first */
	    !should_failslab(s->mm, s->flags, s->object_size, gfp))
		return false;
	mm_set_errno_injected(s->mm, "kmem_cache_alloc");
	return true;
}

/* The allocator's slow entry, once the caller is known to be bound and the
 * GFP bits valid: every allocator is called with a CPU. */
static void *slab_alloc_checked(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
				size_t orig_size)
{
	struct mm *m = s->mm;

	if (!this_cpu(m)) {
		mm_unbound_error(m, "kmem_cache_alloc(%s)", s->name);
		return NULL;
	}
	if (gfp & ~__GFP_VALID_MASK) {
		mm_error(m, EINVAL, "kmem_cache_alloc(%s): unknown GFP bits %#x", s->name,
			 gfp & ~__GFP_VALID_MASK);
		return NULL;
	}
	return s->ops->alloc(s, gfp, caller, orig_size);
}

__noinline void *slab_alloc_slow(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
				 size_t orig_size)
{
	if (unlikely(failslab_armed(s->mm)) && slab_alloc_failslab(s, gfp))
		return NULL;
	return slab_alloc_checked(s, gfp, caller, orig_size);
}

void *slab_alloc_caller(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size)
{
	return slab_alloc(s, gfp, caller, orig_size);
}

/* page_owner=1 (page_owner.c): the object's tag, the cache's slot size. */
static inline __attribute__((always_inline))
void *__slab_alloc_owned(struct kmem_cache *s, gfp_t gfp, unsigned long site)
{
	void *p;

	po_enter(site, PO_VIA_SLAB);
	p = slab_alloc(s, gfp, site, 0);
	alloc_tag_obj_add(s->mm, p, s->size);   /* not NULL */
	po_exit();
	return p;
}

static __noinline void *slab_alloc_owned(struct kmem_cache *s, gfp_t gfp, unsigned long site)
{
	return __slab_alloc_owned(s, gfp, site);
}

void *mm_kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	if (unlikely(!s))
		return NULL;
	if (unlikely(s->mm->page_owner))
		return slab_alloc_owned(s, gfp, (unsigned long)__builtin_return_address(0));
	return slab_alloc(s, gfp, (unsigned long)__builtin_return_address(0), 0);
}

void *mm_kmem_cache_alloc_site(struct kmem_cache *s, gfp_t gfp, unsigned long site)
{
	if (unlikely(!s))
		return NULL;
	if (s->mm->page_owner)                  /* the hooks inline: a replayer's entry */
		return __slab_alloc_owned(s, gfp, site);
	return slab_alloc(s, gfp, site, 0);
}

__noinline int slab_free_slow(struct kmem_cache *s, void *x, unsigned long caller,
			      const char *who)
{
	return s->ops->free(s, x, caller, who);
}

int slab_free_caller(struct kmem_cache *s, void *x, unsigned long caller, const char *who)
{
	return slab_free(s, x, caller, who);
}

/* page_owner=1: the tag goes first, back when the free is refused. */
static __noinline int slab_free_owned(struct kmem_cache *s, void *obj, unsigned long caller)
{
	struct po_tag tag = alloc_tag_obj_del(s->mm, obj);
	int err = slab_free(s, obj, caller, "kmem_cache_free");

	if (unlikely(err))
		alloc_tag_obj_restore(s->mm, obj, tag);
	return err;
}

int mm_kmem_cache_free(struct kmem_cache *s, void *obj)
{
	if (unlikely(!s))
		return -EINVAL;
	if (unlikely(s->mm->page_owner))
		return slab_free_owned(s, obj, (unsigned long)__builtin_return_address(0));
	return slab_free(s, obj, (unsigned long)__builtin_return_address(0), "kmem_cache_free");
}

/* kmem_cache_alloc_bulk(): all n or none.  Unbound callers, debug caches,
 * bad GFP and allocators without a bulk path take them one by one. */
static int slab_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p,
			   unsigned long caller)
{
	size_t i;

	if (n && !p)
		return mm_error(s->mm, EINVAL, "kmem_cache_alloc_bulk(%s): no array for the "
				"objects", s->name), 0;
	if (unlikely(failslab_armed(s->mm)) && slab_alloc_failslab(s, gfp))
		return 0;               /* one should_failslab() per bulk call */
	if (this_cpu(s->mm) && !s->debug && !(gfp & ~__GFP_VALID_MASK) && s->ops->alloc_bulk)
		return s->ops->alloc_bulk(s, gfp, n, p, caller);
	for (i = 0; i < n; i++) {
		p[i] = slab_alloc_checked(s, gfp, caller, 0);
		if (!p[i])
			goto error;
	}
	return (int)n;
error:
	for (size_t j = 0; j < i; j++)
		mm_track_alloc(p[j], s->object_size);
	mm_kmem_cache_free_bulk(s, i, p);       /* errno: the failed allocation's */
	return 0;
}

int mm_kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	int got;

	if (!s)
		return 0;
	if (likely(!s->mm->page_owner))
		return slab_alloc_bulk(s, gfp, n, p, caller);
	po_enter(caller, PO_VIA_SLAB);          /* page_owner=1: each object's tag */
	got = slab_alloc_bulk(s, gfp, n, p, caller);
	for (int i = 0; i < got; i++)
		alloc_tag_obj_add(s->mm, p[i], s->size);
	po_exit();
	return got;
}

/* kmem_cache_free_bulk(): the allocator's bulk path, or one by one; the
 * first error is returned, every other object is still freed.  With
 * page_owner=1 the tags go first (a live object the free then refuses -
 * another cache's - loses its tag). */
int mm_kmem_cache_free_bulk(struct kmem_cache *s, size_t n, void **p)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	int first;

	if (!s)
		return -EINVAL;
	if (unlikely(s->mm->page_owner))
		for (size_t i = 0; p && i < n; i++)
			alloc_tag_obj_del(s->mm, p[i]);
	if (n && !p)
		return mm_error(s->mm, EINVAL, "kmem_cache_free_bulk(%s): no array of objects",
				s->name);
	first = s->ops->free_bulk ? s->ops->free_bulk(s, n, p, caller) : 1;
	if (first != 1)
		return first;
	first = 0;
	for (size_t i = 0; i < n; i++) {
		int rc = slab_free(s, p[i], caller, "kmem_cache_free_bulk");

		if (rc && !first)
			first = rc;
	}
	return first;
}

/* ---- cache creation: flags, merging ---------------------------------------------- */

static unsigned calculate_alignment(slab_flags_t flags, unsigned align, unsigned size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned ralign = CACHE_LINE;

		while (size <= ralign / 2)
			ralign /= 2;
		if (ralign > align)
			align = ralign;
	}
	if (align < WORD)
		align = WORD;
	return (unsigned)ALIGN_UP(align, WORD);
}

static slab_flags_t kmem_cache_flags(struct mm *m, const char *name, slab_flags_t flags)
{
	struct slab_state *st = m->slab;
	char key[80];

	if (!st->debug_flags || (flags & SLAB_NO_USER_FLAGS))
		return flags;
	if (st->debug_caches[0]) {
		snprintf(key, sizeof(key), ",%s,", name);
		if (!strstr(st->debug_caches, key))
			return flags;
	}
	return flags | st->debug_flags;
}

static struct kmem_cache *find_mergeable(struct mm *m, unsigned size, unsigned align,
					 slab_flags_t flags, void (*ctor)(void *))
{
	struct slab_state *st = m->slab;
	struct list_head *e;

	if (st->nomerge || ctor || (flags & SLAB_NEVER_MERGE))
		return NULL;
	size = (unsigned)ALIGN_UP(size, WORD);
	align = calculate_alignment(flags, align, size);
	size = (unsigned)ALIGN_UP(size, align);
	for (e = st->caches.next; e != &st->caches; e = e->next) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);

		if (s->ctor || (s->flags & SLAB_NEVER_MERGE) || s->refcount < 0 ||
		    (st->ops->no_kmalloc_merge && (s->flags & SLAB_KMALLOC)))
			continue;
		if (size > s->size)
			continue;
		if ((flags & SLAB_MERGE_SAME) != (s->flags & SLAB_MERGE_SAME))
			continue;
		if (s->size & (align - 1))
			continue;
		if (s->size - size >= WORD)
			continue;
		return s;
	}
	return NULL;
}

static gfp_t cache_slow_bits(const struct kmem_cache *s)
{
	struct mm *m = s->mm;
	bool failslab = failslab_armed(m) &&
			(!READ_ONCE(m->fault.slab_cache_filter) || (s->flags & SLAB_FAILSLAB));

	return s->init_hooks || failslab ? 1u << 31 : 0;
}

/* fn on every cache of the machine, under slab_state.mutex */
static void for_each_cache(struct mm *m, void (*fn)(struct kmem_cache *s))
{
	struct list_head *e;

	if (!m->slab)
		return;
	mm_mutex_lock(&m->slab->mutex, LOCK_SLAB_MUTEX);
	list_for_each(e, &m->slab->caches)
		fn(list_entry(e, struct kmem_cache, list));
	mm_mutex_unlock(&m->slab->mutex);
}

static void update_slow_bits(struct kmem_cache *s)
{
	WRITE_ONCE(s->slow_bits, cache_slow_bits(s));
}

/* fault_inject.c's hook: failslab knobs changed. */
static void slab_failslab_changed(struct mm *m)
{
	for_each_cache(m, update_slow_bits);
}

/* /sys/kernel/slab/<cache>/failslab (failslab_store()): not for a cache
 * that others were merged into. */
int mm_kmem_cache_set_failslab(struct kmem_cache *s, int on)
{
	struct mm *m;
	int rc = 0;

	if (!s)
		return -EINVAL;
	m = s->mm;
	mm_mutex_lock(&m->slab->mutex, LOCK_SLAB_MUTEX);
	if (s->refcount > 1)
		rc = mm_error(m, EINVAL, "failslab: %s is shared by %d merged caches", s->name,
			      s->refcount);
	else
		WRITE_ONCE(s->flags, on ? s->flags | SLAB_FAILSLAB : s->flags & ~SLAB_FAILSLAB);
	mm_mutex_unlock(&m->slab->mutex);
	if (!rc)
		slab_failslab_changed(m);
	return rc;
}

/* kmem_cache_open(); slab_state.mutex held. */
static void free_cache(struct kmem_cache *s)
{
	if (!s)
		return;
	s->ops->release(s);
	free(s->name);
	for (int i = 0; i < s->nr_aliases; i++)
		free(s->aliases[i]);
	free(s);
}

/* create_cache(); slab_state.mutex held. */
static struct kmem_cache *cache_open(struct mm *m, const char *name, size_t size, size_t align,
				     slab_flags_t flags, void (*ctor)(void *))
{
	const struct slab_ops *ops = m->slab->ops;
	struct kmem_cache *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->mm = m;
	s->ops = ops;
	s->mm_id = ops->fast_path ? m->id : ~0ul;
	s->name = strdup(name);
	s->object_size = (unsigned)size;
	s->flags = flags;
	s->ctor = ctor;
	s->align = calculate_alignment(flags, (unsigned)align, (unsigned)size);
	s->debug = (flags & SLAB_DEBUG_FLAGS) != 0;
	s->init_on_alloc = m->cfg.init_on_alloc;
	s->init_on_free = m->cfg.init_on_free && !(flags & (SLAB_POISON | SLAB_TYPESAFE_BY_RCU));
	s->init_hooks = s->init_on_alloc || s->init_on_free;
	if (!s->name || ops->create(s)) {
		free_cache(s);
		return NULL;
	}
	s->slow_bits = cache_slow_bits(s);
	s->refcount = 1;
	list_add(&s->list, &m->slab->caches);
	return s;
}

struct kmem_cache *slab_create_cache(struct mm *m, const char *name, size_t size, size_t align,
				     slab_flags_t flags, void (*ctor)(void *), bool kmalloc)
{
	struct slab_state *st = m->slab;
	struct kmem_cache *s;

	flags = kmem_cache_flags(m, name, flags);
	mm_mutex_lock(&st->mutex, LOCK_SLAB_MUTEX);
	s = kmalloc ? NULL : find_mergeable(m, (unsigned)size, (unsigned)align, flags, ctor);
	if (s) {
		s->refcount++;
		if (size > s->object_size)
			s->object_size = (unsigned)size;
		if (ALIGN_UP(size, WORD) > s->inuse)
			s->inuse = (unsigned)ALIGN_UP(size, WORD);
		if (s->nr_aliases < MAX_ALIASES && strcmp(name, s->name))
			s->aliases[s->nr_aliases++] = strdup(name);
	} else {
		s = cache_open(m, name, size, align, flags, ctor);
		if (s && kmalloc)
			s->refcount = 1;
	}
	mm_mutex_unlock(&st->mutex);
	return s;
}

struct kmem_cache *mm_kmem_cache_create(struct mm *m, const char *name, size_t size, size_t align,
					slab_flags_t flags, void (*ctor)(void *))
{
	struct kmem_cache *s;

	if (!m)
		return NULL;
	if (!m->slab || !m->direct_map) {
		mm_error(m, ENXIO, "kmem_cache_create: the machine has no memory behind its pages "
			 "(backing=none): slab needs backing=memfd");
		return NULL;
	}
	if (!name || !*name || strlen(name) > 63) {
		mm_error(m, EINVAL, "kmem_cache_create: a cache needs a name of 1..63 characters");
		return NULL;
	}
	if (!size || size > (PAGE_SIZE << m->max_order) / 2 || size > 0x7fffffff) {
		mm_error(m, EINVAL, "kmem_cache_create(%s): object size %zu out of range 1..%lu",
			 name, size, (PAGE_SIZE << m->max_order) / 2);
		return NULL;
	}
	if (align & (align - 1) || align > PAGE_SIZE) {
		mm_error(m, EINVAL, "kmem_cache_create(%s): align %zu is not a power of two <= %lu",
			 name, align, PAGE_SIZE);
		return NULL;
	}
	if (flags & ~(SLAB_DEBUG_FLAGS | SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 |
		      SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU | SLAB_NOLEAKTRACE |
		      SLAB_NO_MERGE | SLAB_FAILSLAB | SLAB_ACCOUNT | SLAB_NO_USER_FLAGS |
		      SLAB_SKIP_KFENCE | SLAB_KMALLOC)) {
		mm_error(m, EINVAL, "kmem_cache_create(%s): unknown slab flags %#x", name, flags);
		return NULL;
	}
	if ((flags & SLAB_CACHE_DMA) && (flags & SLAB_CACHE_DMA32)) {
		mm_error(m, EINVAL, "kmem_cache_create(%s): SLAB_CACHE_DMA and SLAB_CACHE_DMA32 "
			 "together", name);
		return NULL;
	}
	s = slab_create_cache(m, name, size, align, flags, ctor, false);
	if (!s)
		mm_error(m, ENOMEM, "kmem_cache_create(%s): cannot create the cache", name);
	return s;
}

/* ---- shrink, destroy, validate ------------------------------------------------------ */

static int need_cpu(struct kmem_cache *s, const char *who)
{
	if (this_cpu(s->mm))
		return 0;
	return mm_unbound_error(s->mm, "%s(%s)", who, s->name);
}

static void shrink_cache(struct kmem_cache *s)
{
	s->ops->shrink(s);
}

/* Every cache shrunk (mm_quiesce): the caller is bound. */
void slab_shrink_all(struct mm *m)
{
	for_each_cache(m, shrink_cache);
}

int mm_kmem_cache_shrink(struct kmem_cache *s)
{
	int rc;

	if (!s)
		return -EINVAL;
	rc = need_cpu(s, "kmem_cache_shrink");
	if (rc)
		return rc;
	return s->ops->shrink(s);
}

int mm_kmem_cache_destroy(struct kmem_cache *s)
{
	struct mm *m;
	struct slab_state *st;
	int rc;

	if (!s)
		return 0;
	m = s->mm;
	st = m->slab;
	rc = need_cpu(s, "kmem_cache_destroy");
	if (rc)
		return rc;
	if (mm_in_callback(m))          /* a ctor of this cache may be running */
		return mm_error(m, EBUSY, "kmem_cache_destroy(%s): called from a constructor or "
				"report callback: refused", s->name);
	mm_mutex_lock(&st->mutex, LOCK_SLAB_MUTEX);
	if ((s->flags & SLAB_KMALLOC) && s->refcount <= 1) {
		mm_mutex_unlock(&st->mutex);
		return mm_error(m, EINVAL, "kmem_cache_destroy(%s): kmalloc caches live as long as "
				"the machine", s->name);
	}
	if (--s->refcount > 0) {
		if (s->nr_aliases)
			free(s->aliases[--s->nr_aliases]);
		mm_mutex_unlock(&st->mutex);
		return 0;
	}
	rc = s->ops->shutdown(s);
	if (rc) {                       /* reported; the cache is kept */
		s->refcount = 1;
		mm_mutex_unlock(&st->mutex);
		return rc;
	}
	list_del(&s->list);
	mm_mutex_unlock(&st->mutex);
	free_cache(s);
	return 0;
}

int mm_kmem_cache_validate(struct kmem_cache *s)
{
	int rc;

	if (!s)
		return -EINVAL;
	rc = s->ops->validate_cache(s);
	if (mm_taint_panicked(s->mm))
		return mm_error(s->mm, EFAULT, "kmem_cache_validate(%s): panic_on_taint: %d "
				"errors found", s->name, rc);
	return rc;
}

/* mm_validate()'s slab part: the allocator's checker, read-only (SLUB's
 * also runs validate_slab_cache()'s checks on debug caches, without the
 * repairs: damage found is reported and fails the validation). */
int slab_validate(struct mm *m, struct strbuf *err)
{
	if (!m->slab)
		return 0;
	return m->slab->ops->validate(m, err);
}

/* ---- attributes ---------------------------------------------------------------------- */

/* The cache's attributes; 0 / NULL for a NULL cache. */
struct mm *mm_kmem_cache_machine(struct kmem_cache *s) { return s ? s->mm : NULL; }
const char *mm_kmem_cache_name(struct kmem_cache *s) { return s ? s->name : NULL; }
size_t mm_kmem_cache_object_size(struct kmem_cache *s) { return s ? s->object_size : 0; }
size_t mm_kmem_cache_size(struct kmem_cache *s) { return s ? s->size : 0; }
size_t mm_kmem_cache_align(struct kmem_cache *s) { return s ? s->align : 0; }
unsigned mm_kmem_cache_objects_per_slab(struct kmem_cache *s) { return s ? s->objects : 0; }
unsigned mm_kmem_cache_order(struct kmem_cache *s) { return s ? s->order : 0; }
unsigned mm_kmem_cache_offset(struct kmem_cache *s) { return s ? s->offset : 0; }
slab_flags_t mm_kmem_cache_flags(struct kmem_cache *s) { return s ? s->flags : 0; }
int mm_kmem_cache_refcount(struct kmem_cache *s) { return s ? s->refcount : 0; }
unsigned mm_kmem_cache_sheaf_capacity(struct kmem_cache *s) { return s ? s->sheaf_capacity : 0; }

int mm_kmem_cache_remote_node_defrag_ratio(struct kmem_cache *s, int ratio)
{
	if (!s)
		return -EINVAL;
	if (ratio > 100)
		return mm_error(s->mm, EINVAL, "remote_node_defrag_ratio of %s: %d is not a "
				"percentage (0..100)", s->name, ratio);
	if (ratio >= 0)
		WRITE_ONCE(s->remote_node_defrag_ratio, (unsigned)ratio * 10);
	return (int)(READ_ONCE(s->remote_node_defrag_ratio) / 10);
}

long mm_kmem_cache_stat(struct kmem_cache *s, const char *name)
{
	if (!s || !name)
		return -1;
	for (int i = 0; i < s->ops->nr_stats; i++)
		if (!strcmp(name, s->ops->stat_names[i]))
			return (long)s->ops->stat(s, i);
	return -1;
}

struct kmem_cache *mm_kmem_cache_find(struct mm *m, const char *name)
{
	struct kmem_cache *found = NULL;
	struct list_head *e;

	if (!m || !m->slab || !name)
		return NULL;
	mm_mutex_lock(&m->slab->mutex, LOCK_SLAB_MUTEX);
	list_for_each(e, &m->slab->caches) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);

		if (!strcmp(s->name, name))
			found = s;
		for (int i = 0; !found && i < s->nr_aliases; i++)
			if (!strcmp(s->aliases[i], name))
				found = s;
		if (found)
			break;
	}
	mm_mutex_unlock(&m->slab->mutex);
	return found;
}

/* ---- flags text ------------------------------------------------------------------------ */

static const struct flag_name slab_flag_names[] = {
	{ "SLAB_CONSISTENCY_CHECKS", SLAB_CONSISTENCY_CHECKS }, { "SLAB_RED_ZONE", SLAB_RED_ZONE },
	{ "SLAB_POISON", SLAB_POISON }, { "SLAB_KMALLOC", SLAB_KMALLOC },
	{ "SLAB_HWCACHE_ALIGN", SLAB_HWCACHE_ALIGN }, { "SLAB_CACHE_DMA", SLAB_CACHE_DMA },
	{ "SLAB_CACHE_DMA32", SLAB_CACHE_DMA32 }, { "SLAB_STORE_USER", SLAB_STORE_USER },
	{ "SLAB_RECLAIM_ACCOUNT", SLAB_RECLAIM_ACCOUNT }, { "SLAB_PANIC", SLAB_PANIC },
	{ "SLAB_TYPESAFE_BY_RCU", SLAB_TYPESAFE_BY_RCU }, { "SLAB_TRACE", SLAB_TRACE },
	{ "SLAB_NOLEAKTRACE", SLAB_NOLEAKTRACE }, { "SLAB_NO_MERGE", SLAB_NO_MERGE },
	{ "SLAB_FAILSLAB", SLAB_FAILSLAB }, { "SLAB_ACCOUNT", SLAB_ACCOUNT },
	{ "SLAB_NO_USER_FLAGS", SLAB_NO_USER_FLAGS }, { "SLAB_SKIP_KFENCE", SLAB_SKIP_KFENCE },
	{ "SLAB_TEMPORARY", SLAB_TEMPORARY },
};
#define NR_SLAB_FLAG_NAMES (sizeof(slab_flag_names) / sizeof(slab_flag_names[0]))

int mm_slab_flags_parse(const char *text, slab_flags_t *out, char *err, size_t errlen)
{
	return flag_words_parse(text, "slab", slab_flag_names, NR_SLAB_FLAG_NAMES, NULL, 0,
				0xffffffffu, out, err, errlen);
}

/* SLAB_TEMPORARY, an alias, is last and never printed */
int mm_slab_flags_format(slab_flags_t flags, char *buf, size_t len)
{
	return flag_names_format(flags, slab_flag_names, NR_SLAB_FLAG_NAMES - 1, "0", buf, len);
}


/* ---- reports ---------------------------------------------------------------------------- */

void slab_report_text(struct mm *m, struct strbuf *sb)
{
	struct list_head *e;

	sb_puts(sb, "slabinfo - version: 2.1\n");
	sb_puts(sb, "# name            <active_objs> <num_objs> <objsize> <objperslab> "
		"<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata "
		"<active_slabs> <num_slabs> <sharedavail>\n");
	if (!m->slab)
		return;
	mm_mutex_lock(&m->slab->mutex, LOCK_SLAB_MUTEX);
	list_for_each(e, &m->slab->caches) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);
		struct slabinfo r;

		s->ops->slabinfo(s, &r);
		sb_printf(sb, "%-17s %6lu %6lu %6u %4u %4d", s->name, r.active_objs, r.num_objs,
			  s->size, r.objects_per_slab, 1 << r.cache_order);
		sb_printf(sb, " : tunables %4u %4u %4u", r.limit, r.batchcount, r.shared);
		sb_printf(sb, " : slabdata %6lu %6lu %6lu\n", r.active_slabs, r.num_slabs,
			  r.shared_avail);
	}
	mm_mutex_unlock(&m->slab->mutex);
}

/* /proc/slabinfo as numbers: the rows slab_report_text() prints, from the
 * same get_slabinfo() of the allocator in use. */
int mm_slabinfo(struct mm *m, struct mm_slabinfo *out, int max)
{
	struct list_head *e;
	int n = 0;

	if (!m || max < 0 || (max && !out))
		return -EINVAL;
	if (!m->slab)
		return 0;
	mm_mutex_lock(&m->slab->mutex, LOCK_SLAB_MUTEX);
	list_for_each(e, &m->slab->caches) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);
		struct slabinfo r;

		if (n < max) {
			s->ops->slabinfo(s, &r);
			out[n] = (struct mm_slabinfo){
				.name = s->name, .active_objs = r.active_objs,
				.num_objs = r.num_objs, .objsize = s->size,
				.objperslab = r.objects_per_slab,
				.pagesperslab = 1u << r.cache_order, .limit = r.limit,
				.batchcount = r.batchcount, .sharedfactor = r.shared,
				.active_slabs = r.active_slabs, .num_slabs = r.num_slabs,
				.sharedavail = r.shared_avail,
			};
		}
		n++;
	}
	mm_mutex_unlock(&m->slab->mutex);
	return n;
}

/* One cache of the "slab" member: its slabinfo row, geometry and stats. */
static void slab_cache_json(struct kmem_cache *s, struct json_writer *w)
{
	struct slabinfo r;
	char flags[512];

	s->ops->slabinfo(s, &r);
	mm_slab_flags_format(s->flags, flags, sizeof(flags));
	jw_object(w, NULL, JW_INLINE);
	jw_string(w, "name", s->name);
	jw_uint(w, "active_objs", r.active_objs);
	jw_uint(w, "num_objs", r.num_objs);
	jw_uint(w, "objsize", s->size);
	jw_uint(w, "objperslab", r.objects_per_slab);
	jw_uint(w, "pagesperslab", 1u << r.cache_order);
	jw_uint(w, "active_slabs", r.active_slabs);
	jw_uint(w, "num_slabs", r.num_slabs);
	jw_uint(w, "object_size", s->object_size);
	jw_uint(w, "align", s->align);
	jw_uint(w, "order", r.cache_order);
	jw_uint(w, "offset", s->offset);
	jw_int(w, "refcount", s->refcount);
	jw_string(w, "flags", flags);
	jw_uint(w, "sheaf_capacity", s->sheaf_capacity);
	jw_uint(w, "waste_bytes",
		(r.num_slabs << r.cache_order) * PAGE_SIZE - r.active_objs * s->object_size);
	jw_array(w, "aliases", JW_INLINE);
	for (int i = 0; i < s->nr_aliases; i++)
		jw_string(w, NULL, s->aliases[i]);
	jw_end(w);
	jw_object(w, "stats", JW_INLINE);
	for (int i = 0; i < s->ops->nr_stats; i++)
		jw_uint(w, s->ops->stat_names[i], s->ops->stat(s, i));
	jw_end(w);
	jw_end(w);
}

/* The "slab" member of mm_report_json: every cache, one a line ([] on a
 * machine without the slab layer). */
void slab_report_json(struct mm *m, struct json_writer *w)
{
	struct list_head *e;

	jw_array(w, "slab", m->slab ? JW_LINES : JW_INLINE);
	if (m->slab) {
		mm_mutex_lock(&m->slab->mutex, LOCK_SLAB_MUTEX);
		list_for_each(e, &m->slab->caches)
			slab_cache_json(list_entry(e, struct kmem_cache, list), w);
		mm_mutex_unlock(&m->slab->mutex);
	}
	jw_end(w);
}

/* ---- boot and teardown ------------------------------------------------------------------ */

/* debug= takes slub_debug='s syntax: option letters, then optionally a
 * cache list ("FZ,kmalloc-64,dentry"; in machine config text, where commas
 * separate keys, write "FZ:kmalloc-64:dentry"); "-" turns all off. */
static int parse_debug(struct slab_state *st, const char *v, char *err, size_t errlen)
{
	const char *p = v;
	slab_flags_t flags = 0;
	bool any = false;

	if (!*v)
		return 0;
	for (; *p && *p != ',' && *p != ':'; p++) {
		switch (*p | 0x20) {
		case 'f': flags |= SLAB_CONSISTENCY_CHECKS; break;
		case 'z': flags |= SLAB_RED_ZONE; break;
		case 'p': flags |= SLAB_POISON; break;
		case 'u': flags |= SLAB_STORE_USER; break;
		case 't': flags |= SLAB_TRACE; break;
		case 'a': flags |= SLAB_FAILSLAB; break;
		case 'o': break;
		case '-' | 0x20: flags = 0; any = true; break;
		default:
			if (*p == '1' && p == v) {
				flags = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON |
					SLAB_STORE_USER;
				break;
			}
			if (err && errlen)
				snprintf(err, errlen, "debug=%s: unknown slub_debug option '%c' "
					 "(use F Z P U T A O or -)", v, *p);
			return -EINVAL;
		}
		any = true;
	}
	if (!any)       /* ",cache,..." alone: the default set */
		flags = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;
	st->debug_flags = flags;        /* 'A': SLAB_FAILSLAB, failslab's cache filter */
	if (*p && p[1]) {       /* ",a,b" or ":a:b" */
		if (strlen(p) + 2 > sizeof(st->debug_caches)) {
			if (err && errlen)
				snprintf(err, errlen, "debug=%s: cache list too long", v);
			return -EINVAL;
		}
		memcpy(st->debug_caches, p, strlen(p));
		strcpy(st->debug_caches + strlen(p), ",");
		for (char *q = st->debug_caches; *q; q++)
			if (*q == ':')
				*q = ',';
	}
	return 0;
}

int slab_init(struct mm *m, char *err, size_t errlen)
{
	struct slab_state *st = calloc(1, sizeof(*st));

	if (!st) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory for the slab allocator");
		return -ENOMEM;
	}
	pthread_mutex_init(&st->mutex, NULL);
	INIT_LIST_HEAD(&st->caches);
	st->ops = !strcmp(m->cfg.slab, "slab") ? &slab_classic_ops :
		  !strcmp(m->cfg.slab, "slob") ? &slob_ops : &slub_ops;
	st->nomerge = m->cfg.slab_nomerge;
	m->slab = st;
	m->slab_tick = st->ops->tick;
	if (st->ops->init && st->ops->init(m)) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory for the slab allocator");
		return -ENOMEM;
	}
	m->fault.failslab_changed = slab_failslab_changed;
	if (parse_debug(st, m->cfg.debug, err, errlen))
		return -EINVAL;
	if (!m->direct_map)     /* backing=none: slab refuses every request */
		slab_exit(m);
	return 0;
}


#if MM_ASAN
static void unpoison_slab(struct page *slab, void *arg)
{
	struct mm *m = arg;

	mm_track_alloc(slab_address(m, slab), PAGE_SIZE << slab_order_of(slab));
}
#endif

void slab_exit(struct mm *m)
{
	struct slab_state *st = m->slab;

	if (!st)
		return;
#if MM_ASAN
	/* the direct map is about to be unmapped and its addresses reused:
	 * leave no poisoned shadow behind */
	if (m->direct_map && m->mem_map)
		for_each_slab_page(m, unpoison_slab, m);
#endif
	while (!list_empty(&st->caches)) {
		struct kmem_cache *s = list_first_entry(&st->caches, struct kmem_cache, list);

		list_del(&s->list);
		free_cache(s);
	}
	if (st->ops->exit)
		st->ops->exit(m);
	pthread_mutex_destroy(&st->mutex);
	free(st);
	m->slab = NULL;
	m->slab_tick = NULL;
}
