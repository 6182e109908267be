// SPDX-License-Identifier: GPL-2.0-only
/*
 * slob.c - SLOB, the "simple list of blocks" allocator for tiny systems
 * (mm/slob.c of v6.3, removed in 6.4), behind the slab interface:
 * slob_ops, the allocator of a machine with slab=slob.
 *
 * Owns: the machine's SLOB pages (PG_slab, order 0) and their free
 * blocks, the three lists of partially free pages, and the objects of
 * every cache (no per-cache slabs: all caches share the pages).
 *
 * A page is cut into blocks counted in SLOB_UNIT (2 bytes).  A free block
 * of more than one unit holds [units, offset of the next free block]; a
 * one-unit block holds [-offset].  page->freelist is the first free block,
 * page->counters the free units (sp->units), page->lru the list link.
 * Pages with free space are on one of three lists, chosen by the size of
 * the request that made (or the free that left) them partially free:
 * free_slob_small (< SLOB_BREAK1, 256 bytes), free_slob_medium (< 1024),
 * free_slob_large.
 *
 * slob_alloc(): walk the list for the size; in each page with enough free
 * units try slob_page_alloc() - first fit within the page, alignment
 * honoured by splitting off a leading fragment - and on success rotate the
 * list so that page is first (list_rotate_to_front(): next fit, the next
 * search starts where this one succeeded, Knuth vol. 1 2.5).  No page fits: a new page.
 * slob_free(): a block that empties its page returns the page to the page
 * allocator at once; one that makes a full page partially free puts it on
 * the list for the freed size; otherwise it is inserted in address order
 * and coalesced with its free neighbours.
 *
 * kmalloc (objects of SLAB_KMALLOC caches): the requested size plus an
 * 8-byte header holding the size (ARCH_KMALLOC_MINALIGN), aligned to the
 * size when it is a power of two; requests of PAGE_SIZE - 8 bytes or more
 * are compound pages straight from the page allocator, marked as large
 * kmalloc.  ksize() is the header's size rounded up to SLOB_UNIT.  Other
 * caches: c->size bytes at c->align, no header; PAGE_SIZE and above from
 * the page allocator.  Objects are the caller's bytes exactly: SLOB's
 * memory efficiency, at the price of list walks.
 *
 * Userspace differences: a free is checked against the page's free list
 * on its way in (freeing an address inside a free block is refused as a
 * double free; the kernel's SLOB would corrupt its list), and SLOB pages
 * carry page->slab_cache = the machine's kmalloc-8 cache so kfree() finds
 * them; kmem_cache_free() cannot tell whose object it frees (neither could
 * SLOB).  slabinfo rows (the kernel had none with SLOB) count each cache's
 * live objects; debug flags are accepted and ignored.
 *
 * Locking: slob_lock (struct slob_state.lock) guards every list and page;
 * taken below slab_state.mutex and above zone->lock (5 in mm_types.h's
 * order, the place of SLUB's and SLAB's list_lock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slab.h"

typedef short slobidx_t;
typedef struct slob_block {
	slobidx_t units;
} slob_t;

#define SLOB_UNIT       sizeof(slob_t)
#define SLOB_UNITS(sz)  (((sz) + SLOB_UNIT - 1) / SLOB_UNIT)
#define SLOB_BREAK1     256
#define SLOB_BREAK2     1024
#define MINALIGN        8       /* ARCH_KMALLOC_MINALIGN */
#define PAGE_UNITS      ((slobidx_t)SLOB_UNITS(PAGE_SIZE))

struct slob_state {
	pthread_mutex_t lock;           /* slob_lock */
	struct list_head free_slob_small, free_slob_medium, free_slob_large;
	struct kmem_cache *owner;       /* page->slab_cache of every SLOB page */
};

/* per cache: live objects (slob_lock) */
struct slob_cache {
	unsigned long live;
	unsigned long stat[2];          /* pages grown, pages freed */
};

static inline struct slob_state *SS(struct mm *m)
{
	return m->slab->priv;
}

static inline struct slob_cache *SCC(const struct kmem_cache *s)
{
	return s->priv;
}

/* ---- the block encoding: set_slob(), slob_units(), slob_next(), slob_last() ---- */

static inline slob_t *page_base(const slob_t *s)
{
	return (slob_t *)((uintptr_t)s & ~(uintptr_t)(PAGE_SIZE - 1));
}

static inline void set_slob(slob_t *s, slobidx_t size, slob_t *next)
{
	slobidx_t offset = (slobidx_t)(next - page_base(s));

	if (size > 1) {
		s[0].units = size;
		s[1].units = offset;
	} else {
		s[0].units = (slobidx_t)-offset;
	}
}

static inline slobidx_t slob_units(const slob_t *s)
{
	return s->units > 0 ? s->units : 1;
}

static inline slob_t *slob_next(slob_t *s)
{
	slobidx_t next = s[0].units < 0 ? (slobidx_t)-s[0].units : s[1].units;

	return page_base(s) + next;
}

static inline bool slob_last(slob_t *s)
{
	return !((uintptr_t)slob_next(s) & (PAGE_SIZE - 1));
}

static inline unsigned sp_units(const struct page *sp)
{
	return (unsigned)sp->counters;
}

static struct list_head *list_for(struct slob_state *ss, size_t size)
{
	if (size < SLOB_BREAK1)
		return &ss->free_slob_small;
	if (size < SLOB_BREAK2)
		return &ss->free_slob_medium;
	return &ss->free_slob_large;
}

/* slob_page_free(): the page is on a list (PG_slab pages with free units
 * are; lru.next is NULL otherwise) */
static inline bool slob_page_free(const struct page *sp)
{
	return sp->lru.next != NULL;
}

static void clear_slob_page_free(struct page *sp)
{
	list_del(&sp->lru);
	sp->lru.next = sp->lru.prev = NULL;
}

/* ---- slob_page_alloc(), slob_alloc(), slob_free() ---------------------------- */

/* First fit in one page; *removed when the page became full.  Returns the
 * block, or NULL.  slob_lock held. */
static slob_t *slob_page_alloc(struct page *sp, size_t size, size_t align, size_t align_offset,
			       bool *removed)
{
	slob_t *prev = NULL, *cur, *aligned = NULL;
	slobidx_t units = (slobidx_t)SLOB_UNITS(size);

	lockdep_assert_held(NULL, &SS(((struct kmem_cache *)sp->slab_cache)->mm)->lock);
	*removed = false;
	for (cur = sp->freelist; ; prev = cur, cur = slob_next(cur)) {
		slobidx_t avail = slob_units(cur), delta = 0;

		if (align) {
			aligned = (slob_t *)(((uintptr_t)cur + align_offset + align - 1) &
					     ~(uintptr_t)(align - 1)) - align_offset / SLOB_UNIT;
			delta = (slobidx_t)(aligned - cur);
		}
		if (avail >= units + delta) {
			slob_t *next;

			if (delta) {            /* a leading fragment stays free */
				next = slob_next(cur);
				set_slob(aligned, avail - delta, next);
				set_slob(cur, delta, aligned);
				prev = cur;
				cur = aligned;
				avail = slob_units(cur);
			}
			next = slob_next(cur);
			if (avail == units) {   /* exact fit: unlink */
				if (prev)
					set_slob(prev, slob_units(prev), next);
				else
					sp->freelist = next;
			} else {                /* fragment */
				if (prev)
					set_slob(prev, slob_units(prev), cur + units);
				else
					sp->freelist = cur + units;
				set_slob(cur + units, avail - units, next);
			}
			sp->counters -= (unsigned long)units;
			if (!sp_units(sp)) {
				clear_slob_page_free(sp);
				sp->freelist = NULL;
				*removed = true;
			}
			return cur;
		}
		if (slob_last(cur))
			return NULL;
	}
}

static void slob_account(struct mm *m, struct page *sp, long sign)
{
	struct kmem_cache *owner = SS(m)->owner;

	slab_account_pages(owner, slab_nid(m, sp), 0, sign);
}

/* slob_alloc(): a block of size bytes at align (align_offset into it). */
static void *slob_alloc(struct mm *m, size_t size, gfp_t gfp, size_t align, size_t align_offset,
			struct slob_cache *sc)
{
	struct slob_state *ss = SS(m);
	struct list_head *slob_list = list_for(ss, size), *e;
	slob_t *b = NULL;
	bool removed;

	mm_mutex_lock(&ss->lock, LOCK_SLOB);
	list_for_each(e, slob_list) {
		struct page *sp = list_entry(e, struct page, lru);

		if (sp_units(sp) < SLOB_UNITS(size))
			continue;
		b = slob_page_alloc(sp, size, align, align_offset, &removed);
		if (!b)
			continue;
		/* next-fit: the next search starts at this page -
		 * list_rotate_to_front(): the list turns, in its order,
		 * until sp is first (the pages before it go to the tail) */
		if (!removed && slob_list->next != &sp->lru) {
			list_del(slob_list);
			list_add_tail(slob_list, &sp->lru);
		}
		break;
	}
	mm_mutex_unlock(&ss->lock);
	if (!b) {
		struct page *sp = mm_alloc_pages(m, gfp & ~(gfp_t)__GFP_ZERO, 0);

		if (!sp)
			return NULL;
		b = (slob_t *)slab_address(m, sp);
		mm_track_alloc(b, PAGE_SIZE);
		sp->slab_cache = ss->owner;
		sp->counters = (unsigned long)PAGE_UNITS;
		sp->freelist = b;
		WRITE_ONCE(sp->flags, sp->flags | PG_slab);
		slob_account(m, sp, 1);
		sc->stat[0]++;
		mm_mutex_lock(&ss->lock, LOCK_SLOB);
		set_slob(b, PAGE_UNITS, b + PAGE_UNITS);
		list_add(&sp->lru, slob_list);
		b = slob_page_alloc(sp, size, align, align_offset, &removed);
		mm_mutex_unlock(&ss->lock);
	}
	return b;
}

static void slob_free_page(struct mm *m, struct page *sp)
{
	slob_account(m, sp, -1);
	sp->slab_cache = NULL;
	sp->freelist = NULL;
	sp->counters = 0;
	WRITE_ONCE(sp->flags, sp->flags & ~(unsigned long)PG_slab);
	mm_free_pages(m, sp, 0);
}

/* slob_free(): block b of size bytes back; -EFAULT if it overlaps a free
 * block (a double free) or does not fit its page.  slob_lock taken. */
static int slob_free(struct mm *m, void *block, size_t size, struct slob_cache *sc)
{
	struct slob_state *ss = SS(m);
	struct page *sp = slab_virt_to_head(m, block);
	slob_t *prev, *next, *b = block;
	slobidx_t units = (slobidx_t)SLOB_UNITS(size);

	mm_mutex_lock(&ss->lock, LOCK_SLOB);
	if (b + units > page_base(b) + PAGE_UNITS || sp_units(sp) + (unsigned)units > PAGE_UNITS)
		goto bad;
	if (sp_units(sp) + (unsigned)units == PAGE_UNITS) {
		/* the page is empty: straight back to the page allocator */
		for (slob_t *f = sp->freelist; f; f = slob_last(f) ? NULL : slob_next(f))
			if (b < f + slob_units(f) && f < b + units)
				goto bad;
		if (slob_page_free(sp))
			clear_slob_page_free(sp);
		mm_mutex_unlock(&ss->lock);
		mm_track_alloc(page_base(b), PAGE_SIZE);
		slob_free_page(m, sp);
		sc->stat[1]++;
		return 0;
	}
	if (!slob_page_free(sp)) {
		/* the page was full: now partially free, on the list for size */
		sp->counters = (unsigned long)units;
		sp->freelist = b;
		set_slob(b, units, page_base(b) + PAGE_UNITS);
		list_add(&sp->lru, list_for(ss, size));
		mm_mutex_unlock(&ss->lock);
		return 0;
	}
	/* already partially free: insert in address order, coalescing */
	if (b < (slob_t *)sp->freelist) {
		slob_t *f = sp->freelist;

		if (b + units > f)
			goto bad;
		sp->counters += (unsigned long)units;
		if (b + units == f) {
			units += slob_units(f);
			sp->freelist = slob_next(f);
		}
		set_slob(b, units, sp->freelist);
		sp->freelist = b;
	} else {
		prev = sp->freelist;
		next = slob_next(prev);
		while (b > next && !slob_last(prev)) {
			prev = next;
			next = slob_next(prev);
		}
		if (b < prev + slob_units(prev) ||
		    (!slob_last(prev) && b + units > next))
			goto bad;       /* inside a free block */
		sp->counters += (unsigned long)units;
		if (!slob_last(prev) && b + units == next) {
			units += slob_units(next);
			set_slob(b, units, slob_next(next));
		} else {
			set_slob(b, units, next);
		}
		if (prev + slob_units(prev) == b) {
			units = slob_units(b) + slob_units(prev);
			set_slob(prev, units, slob_next(b));
		} else {
			set_slob(prev, slob_units(prev), b);
		}
	}
	mm_mutex_unlock(&ss->lock);
	return 0;
bad:
	mm_mutex_unlock(&ss->lock);
	return -EFAULT;
}

/* ---- the interface ------------------------------------------------------------------ */

static bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

static unsigned page_order(size_t size)
{
	unsigned order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* Whole pages for a large object: large kmalloc pages (kmalloc caches)
 * or plain compound pages owned by the cache's accounting. */
static void *slob_new_pages(struct kmem_cache *s, gfp_t gfp, size_t size)
{
	struct mm *m = s->mm;
	unsigned order = page_order(size);
	struct page *page = mm_alloc_pages(m, gfp | (order ? __GFP_COMP : 0), order);

	if (!page)
		return NULL;
	page->slab_cache = &m->slab->large_kmalloc;
	__atomic_add_fetch(&m->slab->nr_slab_unreclaimable[slab_nid(m, page)], 1ul << order,
			   __ATOMIC_RELAXED);
	return slab_address(m, page);
}

static void slob_free_pages(struct kmem_cache *s, void *x)
{
	struct mm *m = s->mm;
	struct page *page = slab_virt_to_head(m, x);
	unsigned order = slab_order_of(page);

	page->slab_cache = NULL;
	__atomic_sub_fetch(&m->slab->nr_slab_unreclaimable[slab_nid(m, page)], 1ul << order,
			   __ATOMIC_RELAXED);
	mm_free_pages(m, page, order);
}

static void *slob_ops_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			    size_t orig_size)
{
	struct mm *m = s->mm;
	size_t size = s->flags & SLAB_KMALLOC ? (orig_size ? orig_size : s->object_size) : s->size;
	void *ret;

	(void)caller;
	gfp |= s->allocflags;
	if (s->flags & SLAB_KMALLOC) {          /* __do_kmalloc_node() */
		if (size < PAGE_SIZE - MINALIGN) {
			size_t align = is_pow2(size) && size > MINALIGN ? size : MINALIGN;
			unsigned *hdr = slob_alloc(m, size + MINALIGN, gfp, align, MINALIGN,
						   SCC(s));

			if (!hdr)
				return NULL;
			hdr[0] = (unsigned)size;        /* the kernel's header */
			hdr[1] = s->kmalloc_id;         /* which kmalloc cache */
			ret = (char *)hdr + MINALIGN;
		} else {
			ret = slob_new_pages(s, gfp, size);
		}
	} else if (s->size < PAGE_SIZE) {       /* slob_alloc_node() */
		ret = slob_alloc(m, s->size, gfp, s->align, 0, SCC(s));
	} else {
		ret = slob_new_pages(s, gfp, s->size);
	}
	if (!ret)
		return NULL;
	if (!(s->flags & SLAB_KMALLOC) || size < PAGE_SIZE - MINALIGN)
		__atomic_add_fetch(&SCC(s)->live, 1, __ATOMIC_RELAXED);
	if (s->ctor)
		mm_run_ctor(m, s->ctor, ret);
	if ((gfp & __GFP_ZERO) || (s->init_on_alloc && !s->ctor))
		memset(ret, 0, s->flags & SLAB_KMALLOC ? size : s->object_size);
	return ret;
}

/* The bytes x's block holds: the header's size (kmalloc) or s->size */
static size_t block_size(struct kmem_cache *s, const void *x)
{
	return s->flags & SLAB_KMALLOC ? *(const unsigned *)((const char *)x - MINALIGN)
				       : s->size;
}

static int slob_refused(struct kmem_cache *s, const char *who, const void *x, const char *why)
{
	slab_count_error(s->mm);
	mm_taint_panicked(s->mm);       /* refused anyway */
	return mm_error(s->mm, EFAULT, "%s(%s): %p %s", who, s->name, x, why);
}

/* Does block b lie inside one of its page's free blocks? */
static bool slob_block_free(struct mm *m, struct page *sp, const slob_t *b)
{
	bool found = false;

	mm_mutex_lock(&SS(m)->lock, LOCK_SLOB);
	for (slob_t *f = sp_units(sp) ? sp->freelist : NULL; f && !found;
	     f = slob_last(f) ? NULL : slob_next(f))
		found = b >= f && b < f + slob_units(f);
	mm_mutex_unlock(&SS(m)->lock);
	return found;
}

static int slob_ops_free(struct kmem_cache *s, void *x, unsigned long caller, const char *who)
{
	struct mm *m = s->mm;
	struct page *page;
	size_t size;

	(void)caller;
	if (!x)
		return 0;
	if (!this_cpu(m))
		return mm_unbound_error(m, "%s(%s)", who, s->name);
	page = slab_virt_to_head(m, x);
	if (!page)
		return slob_refused(s, who, x, "is not an address of this machine's memory");
	if (page->slab_cache == &m->slab->large_kmalloc && page->_refcount > 0 &&
	    (void *)slab_address(m, page) == x) {
		slob_free_pages(s, x);
		if (!(s->flags & SLAB_KMALLOC))
			__atomic_sub_fetch(&SCC(s)->live, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (!(page->flags & PG_slab) || page->slab_cache != SS(m)->owner)
		return slob_refused(s, who, x, "is not a SLOB object");
	if (((uintptr_t)x & (SLOB_UNIT - 1)) ||
	    ((s->flags & SLAB_KMALLOC) && ((uintptr_t)x & (PAGE_SIZE - 1)) < MINALIGN))
		return slob_refused(s, who, x, "is not the start of an object");
	if (slob_block_free(m, page, (slob_t *)((char *)x - (s->flags & SLAB_KMALLOC ? MINALIGN : 0))))
		return slob_refused(s, who, x, "is free already (double free)");
	size = block_size(s, x);
	if (!size || size >= PAGE_SIZE)
		return slob_refused(s, who, x, "has a corrupt size header (not a kmalloc object?)");
	if (s->flags & SLAB_KMALLOC) {     /* the cache that allocated it */
		unsigned id = ((const unsigned *)x)[-1];

		if (id / 32 >= NR_KMALLOC_TYPES || id % 32 > MM_KMALLOC_SHIFT_HIGH ||
		    !m->slab->kmalloc_caches[id / 32][id % 32])
			return slob_refused(s, who, x, "has a corrupt header (not a kmalloc "
					    "object?)");
		s = m->slab->kmalloc_caches[id / 32][id % 32];
	}
	if (s->init_on_free)
		memset(x, 0, s->flags & SLAB_KMALLOC ? size : s->object_size);
	if (s->flags & SLAB_KMALLOC) {
		if (slob_free(m, (char *)x - MINALIGN, size + MINALIGN, SCC(s)))
			return slob_refused(s, who, x, "is free already (double free)");
	} else if (slob_free(m, x, size, SCC(s))) {
		return slob_refused(s, who, x, "is free already (double free)");
	}
	__atomic_sub_fetch(&SCC(s)->live, 1, __ATOMIC_RELAXED);
	return 0;
}

static int slob_ops_check_object(struct kmem_cache *s, struct page *slab, const void *x,
				 const char *who, bool check_free)
{
	(void)slab;
	(void)check_free;
	if ((s->flags & SLAB_KMALLOC) &&
	    (((uintptr_t)x & (PAGE_SIZE - 1)) < MINALIGN || !block_size(s, x) ||
	     block_size(s, x) >= PAGE_SIZE))
		return slob_refused(s, who, x, "is not the start of a kmalloc object");
	return 0;
}

/* __ksize(): a kmalloc object's header size in whole units */
static size_t slob_ops_ksize(struct kmem_cache *s, const void *x)
{
	return s->flags & SLAB_KMALLOC ? SLOB_UNITS(block_size(s, x)) * SLOB_UNIT
				       : s->object_size;
}

static void slob_ops_set_orig_size(struct kmem_cache *s, void *obj, size_t orig)
{
	(void)s;
	(void)obj;
	(void)orig;
}

static size_t slob_ops_get_orig_size(struct kmem_cache *s, void *obj)
{
	return s->flags & SLAB_KMALLOC ? block_size(s, obj) : s->object_size;
}

static int slob_ops_create(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	struct slob_state *ss = SS(m);

	s->priv = calloc(1, sizeof(struct slob_cache));
	if (!s->priv)
		return -ENOMEM;
	s->size = (unsigned)ALIGN_UP(s->object_size, s->align);
	s->objects = s->min_objects = s->size < PAGE_SIZE ? (unsigned)(PAGE_SIZE / s->size) : 1;
	s->order = s->min_order = s->size < PAGE_SIZE ? 0 : page_order(s->size);
	s->inuse = s->size;
	s->allocflags = (s->flags & SLAB_CACHE_DMA ? GFP_DMA : 0) |
			(s->flags & SLAB_CACHE_DMA32 ? GFP_DMA32 : 0) |
			(s->flags & SLAB_RECLAIM_ACCOUNT ? __GFP_RECLAIMABLE : 0);
	if (!ss->owner && (s->flags & SLAB_KMALLOC) && !(s->flags & ~SLAB_KMALLOC))
		ss->owner = s;  /* the first kmalloc cache, kmalloc-8 */
	return 0;
}

static void slob_ops_release(struct kmem_cache *s)
{
	free(s->priv);
	s->priv = NULL;
}

static int slob_ops_shutdown(struct kmem_cache *s)
{
	unsigned long live = __atomic_load_n(&SCC(s)->live, __ATOMIC_RELAXED);

	if (!live)
		return 0;
	mm_printk(s->mm, "kmem_cache_destroy %s: Slab cache still has objects", s->name);
	slab_count_error(s->mm);
	return mm_error(s->mm, mm_taint_panicked(s->mm) ? EFAULT : EBUSY,
			"kmem_cache_destroy %s: Slab cache still has objects (%lu objects left); "
			"the cache is kept", s->name, live);
}

static int slob_ops_shrink(struct kmem_cache *s)
{
	(void)s;
	return 0;               /* empty pages went back at once */
}

static void slob_ops_slabinfo(struct kmem_cache *s, struct slabinfo *si)
{
	unsigned long live = __atomic_load_n(&SCC(s)->live, __ATOMIC_RELAXED);

	*si = (struct slabinfo){ .active_objs = live, .num_objs = live,
				 .objects_per_slab = s->objects, .cache_order = s->order };
}

static const char *const slob_stat_names[] = { "pages_grown", "pages_freed" };

static unsigned long slob_ops_stat(struct kmem_cache *s, int item)
{
	return READ_ONCE(SCC(s)->stat[item]);
}

static int slob_ops_validate_cache(struct kmem_cache *s)
{
	(void)s;
	return 0;
}

struct slob_census {
	struct mm *m;
	struct strbuf *err;
	unsigned long pages, partial;
	int bad;
};

/* One SLOB page: its free list in address order, inside the page, not
 * adjacent (coalesced), summing to sp->units; listed iff it has free units. */
static void check_slob_page(struct page *sp, void *arg)
{
	struct slob_census *cs = arg;
	unsigned total = 0;
	slob_t *prev_end = NULL;

	if (cs->bad || sp->slab_cache != SS(cs->m)->owner)
		return;
	cs->pages++;
	if (sp_units(sp) > (unsigned)PAGE_UNITS || (sp_units(sp) != 0) != slob_page_free(sp)) {
		sb_printf(cs->err, "slob page %p: %u free units, %s a list", (void *)sp, sp_units(sp),
			  slob_page_free(sp) ? "on" : "not on");
		cs->bad = 1;
		return;
	}
	cs->partial += sp_units(sp) != 0;
	for (slob_t *f = sp->freelist; sp_units(sp) && f; f = slob_last(f) ? NULL : slob_next(f)) {
		if (page_base(f) != (slob_t *)slab_address(cs->m, sp) || f < prev_end ||
		    f + slob_units(f) > page_base(f) + PAGE_UNITS || total > (unsigned)PAGE_UNITS) {
			sb_printf(cs->err, "slob page %p: free block %p out of order or outside the "
				  "page", (void *)sp, (void *)f);
			cs->bad = 1;
			return;
		}
		total += (unsigned)slob_units(f);
		prev_end = f + slob_units(f);
	}
	if (total != sp_units(sp)) {
		sb_printf(cs->err, "slob page %p: free blocks hold %u units, sp->units says %u",
			  (void *)sp, total, sp_units(sp));
		cs->bad = 1;
	}
}

static int slob_ops_validate(struct mm *m, struct strbuf *err)
{
	struct slob_state *ss = SS(m);
	struct slob_census cs = { .m = m, .err = err };
	struct list_head *lists[3] = { &ss->free_slob_small, &ss->free_slob_medium,
				       &ss->free_slob_large };
	unsigned long listed = 0, accounted = 0;

	mm_mutex_lock(&ss->lock, LOCK_SLOB);
	for_each_slab_page(m, check_slob_page, &cs);
	for (int i = 0; i < 3; i++) {
		struct list_head *e;

		list_for_each(e, lists[i])
			listed++;
	}
	mm_mutex_unlock(&ss->lock);
	if (cs.bad)
		return -1;
	if (listed != cs.partial) {
		sb_printf(err, "slob: %lu partially free pages, %lu on the three lists", cs.partial,
			  listed);
		return -1;
	}
	accounted = slab_nr_pages(m, -1, false) + slab_nr_pages(m, -1, true);
	if (accounted < cs.pages) {
		sb_printf(err, "slob: %lu SLOB pages, NR_SLAB_* counts %lu", cs.pages, accounted);
		return -1;
	}
	return 0;
}

/* The machine's SLOB state (slab_state.priv), from slab_init */
static int slob_init(struct mm *m)
{
	struct slob_state *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return -ENOMEM;
	pthread_mutex_init(&ss->lock, NULL);
	INIT_LIST_HEAD(&ss->free_slob_small);
	INIT_LIST_HEAD(&ss->free_slob_medium);
	INIT_LIST_HEAD(&ss->free_slob_large);
	m->slab->priv = ss;
	return 0;
}

static void slob_exit(struct mm *m)
{
	struct slob_state *ss = SS(m);

	if (!ss)
		return;
	pthread_mutex_destroy(&ss->lock);
	free(ss);
	m->slab->priv = NULL;
}

const struct slab_ops slob_ops = {
	.name = "slob",
	.fast_path = false,
	.no_kmalloc_merge = true,
	.init = slob_init,
	.exit = slob_exit,
	.create = slob_ops_create,
	.release = slob_ops_release,
	.shutdown = slob_ops_shutdown,
	.shrink = slob_ops_shrink,
	.alloc = slob_ops_alloc,
	.free = slob_ops_free,
	.check_object = slob_ops_check_object,
	.ksize = slob_ops_ksize,
	.set_orig_size = slob_ops_set_orig_size,
	.get_orig_size = slob_ops_get_orig_size,
	.slabinfo = slob_ops_slabinfo,
	.nr_stats = 2,
	.stat_names = slob_stat_names,
	.stat = slob_ops_stat,
	.validate_cache = slob_ops_validate_cache,
	.validate = slob_ops_validate,
};
