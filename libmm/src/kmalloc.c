// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmalloc.c - the kmalloc family on top of the slab layer (mm/slab_common.c,
 * include/linux/slab.h): it calls slab_common.c's entries, the inlined
 * fast paths of slub.h, and asks the cache's allocator (s->ops) about an
 * object (ksize, krealloc).
 *
 * Owns: the kmalloc cache table m->slab->kmalloc_caches[type][index] and
 * large kmalloc pages.
 *
 *   index: 3..13 hold 2^index bytes (kmalloc-8 .. kmalloc-8k); index 1 is
 *          kmalloc-96 and 2 kmalloc-192 (kmalloc_index() in slab.h, shared
 *          with the sheaves' capacity).
 *   type:  KMALLOC_NORMAL "kmalloc-N", KMALLOC_RECLAIM "kmalloc-rcl-N"
 *          (__GFP_RECLAIMABLE), KMALLOC_DMA "dma-kmalloc-N" (__GFP_DMA).
 *   large: sizes above 8 KiB are compound pages straight from the page
 *          allocator (kmalloc_large), marked by page->slab_cache ==
 *          &slab_state.large_kmalloc and counted in nr_slab_unreclaimable;
 *          kfree tells them from slab objects by PG_slab.
 *
 * kmalloc(0) returns ZERO_SIZE_PTR (16); kfree(NULL) and kfree(ZERO_SIZE_PTR)
 * do nothing.  kfree of anything else that is not a live kmalloc object is
 * refused with a report (-EFAULT, taint 'B'); ksize and krealloc also
 * refuse a pointer inside an object, and ksize a free one.  Sizes above
 * KMALLOC_MAX_SIZE (up to SIZE_MAX) are refused before any order is
 * computed, with the kernel's WARNING (taint 'W'); GFP that alloc_pages
 * refuses (impossible zone modifiers, movable + reclaimable) is refused
 * here too - the common GFP takes one test.  The caches are created at
 * boot, never merged with each other and never destroyed before the machine.
 * No locks of its own: the slab layer and the page allocator do the locking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slab.h"
#include "mm_track.h"
#include "page_owner.h"

#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

static inline enum kmalloc_cache_type kmalloc_type(gfp_t gfp)
{
	if (likely(!(gfp & (__GFP_DMA | __GFP_RECLAIMABLE))))
		return KMALLOC_NORMAL;
	return (gfp & __GFP_DMA) ? KMALLOC_DMA : KMALLOC_RECLAIM;
}

static void cache_name(char *buf, size_t len, enum kmalloc_cache_type t, unsigned size)
{
	static const char *const prefix[NR_KMALLOC_TYPES] = { "kmalloc-", "kmalloc-rcl-",
							      "dma-kmalloc-" };

	if (size >= 1024)
		snprintf(buf, len, "%s%uk", prefix[t], size >> 10);
	else
		snprintf(buf, len, "%s%u", prefix[t], size);
}

/* create_kmalloc_caches(): every type and class, natural alignment for the
 * power-of-two sizes; kmalloc-8k last, so it ends up first in the list. */
int kmalloc_init(struct mm *m)
{
	static const slab_flags_t type_flags[NR_KMALLOC_TYPES] = {
		0, SLAB_RECLAIM_ACCOUNT, SLAB_CACHE_DMA,
	};
	static const unsigned order[] = { 3, 4, 5, 6, 1, 7, 2, 8, 9, 10, 11, 12, 13 };

	for (int t = 0; t < NR_KMALLOC_TYPES; t++) {
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			unsigned idx = order[i], size = kmalloc_index_size(idx);
			char name[32];
			struct kmem_cache *s;

			if (size > (PAGE_SIZE << m->max_order))
				continue;       /* tiny max_page_order: no such class */
			cache_name(name, sizeof(name), (enum kmalloc_cache_type)t, size);
			s = slab_create_cache(m, name, size, (size & (size - 1)) ? 0 : size,
					      type_flags[t] | SLAB_KMALLOC, NULL, true);
			if (!s)
				return -ENOMEM;
			s->kmalloc_id = (unsigned)t * 32 + idx;
			m->slab->kmalloc_caches[t][idx] = s;
		}
	}
	return 0;
}

static __noinline void *kmalloc_refuse(struct mm *m, int err, const char *what, size_t size)
{
	if (!m->slab || !m->direct_map) {
		mm_error(m, ENXIO, "%s: the machine has no memory behind its pages (backing=none): "
			 "slab needs backing=memfd", what);
	} else if (err == ENOMEM) {     /* the kernel's WARN_ON_ONCE: taints 'W' */
		mm_printk(m, "WARNING: %s: size %zu is above KMALLOC_MAX_SIZE (%lu)", what, size,
			  PAGE_SIZE << m->max_order);
		add_taint(m, MM_TAINT_WARN);
		if (mm_taint_panicked(m))
			mm_error(m, EFAULT, "%s: panic_on_taint: size %zu is above KMALLOC_MAX_SIZE",
				 what, size);
		else
			mm_set_errno(m, ENOMEM);
	} else {
		mm_error(m, err, "%s: %zu bytes", what, size);
	}
	return NULL;
}

/* The order of a large kmalloc of size bytes, or max_order + 1 when it is
 * above KMALLOC_MAX_SIZE (sizes up to SIZE_MAX: no shift beyond 63). */
static unsigned large_order(const struct mm *m, size_t size)
{
	unsigned order = 0;

	if (size > PAGE_SIZE << m->max_order)
		return m->max_order + 1;
	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* An impossible zone-modifier combination, or __GFP_MOVABLE with
 * __GFP_RECLAIMABLE: what alloc_pages refuses, kmalloc refuses too. */
static bool kmalloc_gfp_bad(gfp_t gfp)
{
	return ((GFP_ZONE_BAD >> (gfp & GFP_ZONEMASK)) & 1) ||
	       (gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK;
}

static __noinline void *kmalloc_bad_gfp(struct mm *m, gfp_t gfp)
{
	char text[256];

	mm_gfp_format(gfp, text, sizeof(text));
	mm_error(m, EINVAL, "kmalloc: GFP %#x (%s) is an impossible zone/mobility combination",
		 gfp, text);
	return NULL;
}

/* kmalloc_large(): whole compound pages. */
static __noinline void *kmalloc_large(struct mm *m, size_t size, gfp_t gfp)
{
	unsigned order = large_order(m, size);
	struct page *page;

	if (kmalloc_gfp_bad(gfp))
		return kmalloc_bad_gfp(m, gfp);
	if (order > m->max_order)
		return kmalloc_refuse(m, ENOMEM, "kmalloc", size);
	page = mm_alloc_pages(m, gfp | __GFP_COMP, order);
	if (!page)
		return NULL;
	page->slab_cache = &m->slab->large_kmalloc;
	__atomic_add_fetch(&m->slab->nr_slab_unreclaimable[pfn_to_nid(m, page_to_pfn(m, page))],
			   1ul << order, __ATOMIC_RELAXED);
	return m->direct_map + page_to_pfn(m, page) * PAGE_SIZE;
}

#define KMALLOC_GFP_BAD ((struct kmem_cache *)1)

/* The kmalloc cache for size and gfp: NULL when there is no such class
 * (tiny max_page_order), KMALLOC_GFP_BAD for an impossible GFP.  Every
 * possibly impossible combination holds __GFP_DMA or __GFP_HIGHMEM, so
 * the common case is one test. */
static inline struct kmem_cache *kmalloc_slab(struct mm *m, size_t size, gfp_t gfp)
{
	if (likely(!(gfp & (__GFP_DMA | __GFP_HIGHMEM | __GFP_RECLAIMABLE))))
		return m->slab->kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(size)];
	if (unlikely(kmalloc_gfp_bad(gfp)))
		return KMALLOC_GFP_BAD;
	return m->slab->kmalloc_caches[kmalloc_type(gfp)][kmalloc_index(size)];
}

/* *tag_bytes: what the object takes as its allocation tag counts it (the
 * kmalloc cache's slot, or a large one's pages). */
static inline __attribute__((always_inline))
void *__kmalloc_tagged(struct mm *m, size_t size, gfp_t gfp, unsigned long caller,
		       size_t *tag_bytes)
{
	struct kmem_cache *s;

	if (unlikely(!m))
		return NULL;
	if (unlikely(!size || size > MM_KMALLOC_MAX_CACHE_SIZE || !m->slab)) {
		if (!m->slab || !m->direct_map)
			return kmalloc_refuse(m, ENXIO, "kmalloc", size);
		if (!size)
			return ZERO_SIZE_PTR;
		*tag_bytes = PAGE_SIZE << large_order(m, size);
		return kmalloc_large(m, size, gfp);
	}
	s = kmalloc_slab(m, size, gfp);
	if (unlikely((uintptr_t)s <= (uintptr_t)KMALLOC_GFP_BAD)) {
		*tag_bytes = PAGE_SIZE << large_order(m, size);
		return s ? kmalloc_bad_gfp(m, gfp) : kmalloc_large(m, size, gfp);
	}
	*tag_bytes = s->size;
	return slab_alloc(s, gfp, caller, size);
}

static inline void *__kmalloc(struct mm *m, size_t size, gfp_t gfp, unsigned long caller)
{
	size_t unused;

	return __kmalloc_tagged(m, size, gfp, caller, &unused);
}

struct kmem_cache *mm_kmalloc_cache(struct mm *m, size_t size, gfp_t gfp)
{
	struct kmem_cache *s;

	if (!m || !m->slab || !m->direct_map || !size || size > MM_KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	s = kmalloc_slab(m, size, gfp);
	return s == KMALLOC_GFP_BAD ? NULL : s;
}

size_t mm_kmalloc_size_roundup(struct mm *m, size_t size)
{
	unsigned order;

	if (!size || !m)
		return 0;
	if (size <= MM_KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_index_size(kmalloc_index(size));
	order = large_order(m, size);
	return order > m->max_order ? size : PAGE_SIZE << order;
}

/* The bytes a kmalloc(size, gfp) takes, as its allocation tag counts them:
 * the kmalloc cache's slot, or a large one's pages. */
static size_t kmalloc_tag_bytes(struct mm *m, size_t size, gfp_t gfp)
{
	struct kmem_cache *s;

	if (size > MM_KMALLOC_MAX_CACHE_SIZE)
		return PAGE_SIZE << large_order(m, size);
	s = kmalloc_slab(m, size, gfp);
	return (uintptr_t)s > (uintptr_t)KMALLOC_GFP_BAD ? s->size : size;
}

/* page_owner=1: the object's tag (its slot, or a large one's pages). */
static inline __attribute__((always_inline))
void *__kmalloc_owned(struct mm *m, size_t size, gfp_t gfp, unsigned long site)
{
	size_t bytes = 0;
	void *p;

	po_enter(site, size > MM_KMALLOC_MAX_CACHE_SIZE ? PO_VIA_KMALLOC_LARGE : PO_VIA_SLAB);
	p = __kmalloc_tagged(m, size, gfp, site, &bytes);
	alloc_tag_obj_add(m, p, bytes);         /* not NULL or ZERO_SIZE_PTR */
	po_exit();
	return p;
}

static __noinline void *kmalloc_owned(struct mm *m, size_t size, gfp_t gfp, unsigned long site)
{
	return __kmalloc_owned(m, size, gfp, site);
}

/* Every kmalloc entry point: the caller is the public function's return
 * address (or the _site variant's site). */
static inline __attribute__((always_inline))
void *kmalloc_at(struct mm *m, size_t size, gfp_t gfp, unsigned long caller)
{
	if (unlikely(m && m->page_owner))
		return kmalloc_owned(m, size, gfp, caller);
	return __kmalloc(m, size, gfp, caller);
}

void *mm_kmalloc(struct mm *m, size_t size, gfp_t gfp)
{
	return kmalloc_at(m, size, gfp, PO_CALLER);
}

/* with page_owner=1 the hooks inline here: the _site entry is what a
 * replayer with call sites calls */
void *mm_kmalloc_site(struct mm *m, size_t size, gfp_t gfp, unsigned long site)
{
	if (m && m->page_owner)
		return __kmalloc_owned(m, size, gfp, site);
	return __kmalloc(m, size, gfp, site);
}

void *mm_kzalloc(struct mm *m, size_t size, gfp_t gfp)
{
	return kmalloc_at(m, size, gfp | __GFP_ZERO, PO_CALLER);
}

void *mm_kmalloc_array(struct mm *m, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (!m)
		return NULL;
	if (__builtin_mul_overflow(n, size, &bytes)) {
		mm_error(m, EOVERFLOW, "kmalloc_array: %zu * %zu bytes overflows size_t", n, size);
		return NULL;
	}
	return kmalloc_at(m, bytes, gfp, PO_CALLER);
}

void *mm_kcalloc(struct mm *m, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (!m)
		return NULL;
	if (__builtin_mul_overflow(n, size, &bytes)) {
		mm_error(m, EOVERFLOW, "kcalloc: %zu * %zu bytes overflows size_t", n, size);
		return NULL;
	}
	return kmalloc_at(m, bytes, gfp | __GFP_ZERO, PO_CALLER);
}

/* What p is: a slab object of a kmalloc cache (*sp set), a large kmalloc
 * (*pagep set), or neither (refused with a report; returns -EFAULT). */
static int __kmalloc_lookup(struct mm *m, const void *p, const char *who, struct kmem_cache **sp,
			    struct page **pagep)
{
	struct page *page;

	*sp = NULL;
	*pagep = NULL;
	if (!m->slab || !m->direct_map)
		return mm_error(m, ENXIO, "%s: the machine has no slab allocator (backing=none)", who);
	page = slab_virt_to_head(m, p);
	if (!page) {
		slab_count_error(m);
		return mm_error(m, EFAULT, "%s: %p is not an address of this machine's memory: "
				"not a kmalloc object", who, p);
	}
	if (page->flags & PG_slab) {
		struct kmem_cache *s = page->slab_cache;

		if (!(s->flags & SLAB_KMALLOC)) {
			slab_count_error(m);
			return mm_error(m, EFAULT, "%s: object %p belongs to cache %s, not to "
					"kmalloc (use kmem_cache_free)", who, p, s->name);
		}
		*sp = s;
		return 0;
	}
	if (page->slab_cache == &m->slab->large_kmalloc && page->_refcount > 0) {
		if (p != m->direct_map + page_to_pfn(m, page) * PAGE_SIZE) {
			slab_count_error(m);
			return mm_error(m, EFAULT, "%s: %p points inside the large kmalloc "
					"allocation at pfn %#lx, not to its start", who, p,
					page_to_pfn(m, page));
		}
		*pagep = page;
		return 0;
	}
	slab_count_error(m);
	return mm_error(m, EFAULT, "%s: %p (pfn %#lx) is not a live kmalloc object: its page is "
			"%s", who, p, page_to_pfn(m, page),
			(page->flags & (PG_buddy | PG_pcp)) ? "free" :
			page->_refcount > 0 ? "allocated by alloc_pages, not kmalloc" :
			"not allocated");
}

static int kmalloc_lookup(struct mm *m, const void *p, const char *who, struct kmem_cache **sp,
			  struct page **pagep)
{
	return mm_taint_refusal(m, __kmalloc_lookup(m, p, who, sp, pagep), MM_TAINT_BAD_PAGE);
}

/* ksize()/krealloc(): p must also be an object start, and - ksize - not
 * a free object. */
static int kmalloc_lookup_object(struct mm *m, const void *p, const char *who, bool check_free,
				 struct kmem_cache **sp, struct page **pagep)
{
	int rc = kmalloc_lookup(m, p, who, sp, pagep);

	if (rc || !*sp)
		return rc;
	return (*sp)->ops->check_object(*sp, slab_virt_to_head(m, p), p, who, check_free);
}

static int free_large_kmalloc(struct mm *m, struct page *page)
{
	unsigned order = (unsigned)page->private;

	page->slab_cache = NULL;
	__atomic_sub_fetch(&m->slab->nr_slab_unreclaimable[pfn_to_nid(m, page_to_pfn(m, page))],
			   1ul << order, __ATOMIC_RELAXED);
	return mm_free_pages(m, page, order);
}

static __noinline int kfree_slow(struct mm *m, const void *p, unsigned long caller)
{
	struct kmem_cache *s;
	struct page *page;
	int rc;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	rc = kmalloc_lookup(m, p, "kfree", &s, &page);
	if (rc)
		return rc;
	if (page)
		return free_large_kmalloc(m, page);
	return slab_free_caller(s, (void *)p, caller, "kfree");
}

/* kfree(): the slab page of p names its cache - p's own page, if it is in
 * a slab of the cache's preferred order (PG_slab_oo), else the slab's head
 * page; anything unusual (NULL, large kmalloc, foreign pointers) takes
 * kfree_slow. */
static inline __attribute__((always_inline))
int __kfree(struct mm *m, const void *p, unsigned long caller)
{
	uintptr_t a;
	struct kmem_cache *s;
	struct page *page;

	a = (uintptr_t)p - (uintptr_t)m->direct_map;
	if (unlikely(a >= m->direct_map_bytes))
		return kfree_slow(m, p, caller);
	page = pfn_to_page(m, a >> PAGE_SHIFT);
	s = page->slab_cache;
	if (likely(page->flags & PG_slab_oo)) {         /* any page of the slab */
		if (unlikely(!(s->flags & SLAB_KMALLOC)))
			return kfree_slow(m, p, caller);
		return slab_free_oo(s, (void *)p, a, caller);
	}
	page = compound_head(page);
	s = page->slab_cache;
	if (unlikely(!(page->flags & PG_slab) || !(s->flags & SLAB_KMALLOC)))
		return kfree_slow(m, p, caller);
	return slab_free_known(s, page, (void *)p, caller);
}

/* page_owner=1: the tag goes first (another CPU may get the address
 * back as soon as it is freed), and back when the free is refused. */
static __noinline int kfree_owned(struct mm *m, const void *p, unsigned long caller)
{
	struct po_tag tag = alloc_tag_obj_del(m, p);
	int err = __kfree(m, p, caller);

	if (unlikely(err))
		alloc_tag_obj_restore(m, p, tag);
	return err;
}

int mm_kfree(struct mm *m, const void *p)
{
	if (unlikely(!m))
		return -EINVAL;
	if (unlikely(m->page_owner))
		return kfree_owned(m, p, PO_CALLER);
	return __kfree(m, p, (unsigned long)__builtin_return_address(0));
}

size_t mm_ksize(struct mm *m, const void *p)
{
	struct kmem_cache *s;
	struct page *page;

	if (!m || ZERO_OR_NULL_PTR(p))
		return 0;
	if (kmalloc_lookup_object(m, p, "ksize", true, &s, &page))
		return 0;
	if (page)
		return PAGE_SIZE << page->private;
	return s->ops->ksize(s, p);
}

/* __do_krealloc(): in place when ksize allows, else allocate, copy, free. */
static void *__krealloc(struct mm *m, const void *p, size_t new_size, gfp_t gfp,
			unsigned long caller)
{
	struct kmem_cache *s = NULL;
	struct page *page = NULL;
	size_t ks, orig = 0;
	void *ret;

	if (!m)
		return NULL;
	if (ZERO_OR_NULL_PTR(p))
		return __kmalloc(m, new_size, gfp, caller);
	if (!new_size) {
		mm_kfree(m, p);
		return ZERO_SIZE_PTR;
	}
	if (kmalloc_lookup_object(m, p, "krealloc", false, &s, &page))
		return NULL;
	if (kmalloc_gfp_bad(gfp))
		return kmalloc_bad_gfp(m, gfp);
	if (page) {
		ks = PAGE_SIZE << page->private;
		orig = ks;
	} else {
		ks = s->ops->ksize(s, p);
		orig = s->ops->get_orig_size(s, (void *)p);
	}
	if (new_size <= ks && (page || new_size <= MM_KMALLOC_MAX_CACHE_SIZE)) {
		if (gfp & __GFP_ZERO) {
			if (orig < new_size)
				memset((char *)p + orig, 0, new_size - orig);
			else
				memset((char *)p + new_size, 0, ks - new_size);
		}
		if (s)
			s->ops->set_orig_size(s, (void *)p, new_size);
		return (void *)p;
	}
	ret = __kmalloc(m, new_size, gfp, caller);
	if (!ret)
		return NULL;
	memcpy(ret, p, orig < new_size ? orig : new_size);
	mm_kfree(m, p);
	return ret;
}

/* page_owner=1: the old object's tag goes, the new one's comes (krealloc
 * in place keeps the object and moves it to this site). */
static __noinline void *krealloc_owned(struct mm *m, const void *p, size_t new_size, gfp_t gfp,
				       unsigned long site)
{
	struct po_tag tag = { 0, 0 };
	void *ret;

	po_enter(site, new_size > MM_KMALLOC_MAX_CACHE_SIZE ? PO_VIA_KMALLOC_LARGE : PO_VIA_SLAB);
	if (!ZERO_OR_NULL_PTR(p))
		tag = alloc_tag_obj_del(m, p);
	ret = __krealloc(m, p, new_size, gfp, site);
	if (ret && !ZERO_OR_NULL_PTR(ret))      /* in place: still the old slot */
		alloc_tag_obj_add(m, ret, ret == p && tag.bytes ? tag.bytes :
				  kmalloc_tag_bytes(m, new_size, gfp));
	else if (!ret)
		alloc_tag_obj_restore(m, p, tag);       /* the old object stays */
	po_exit();
	return ret;
}

void *mm_krealloc(struct mm *m, const void *p, size_t new_size, gfp_t gfp)
{
	if (m && m->page_owner)
		return krealloc_owned(m, p, new_size, gfp, PO_CALLER);
	return __krealloc(m, p, new_size, gfp, (unsigned long)__builtin_return_address(0));
}

void *mm_krealloc_site(struct mm *m, const void *p, size_t new_size, gfp_t gfp,
		       unsigned long site)
{
	if (m && m->page_owner)
		return krealloc_owned(m, p, new_size, gfp, site);
	return __krealloc(m, p, new_size, gfp, site);
}

void *mm_kmemdup(struct mm *m, const void *src, size_t len, gfp_t gfp)
{
	void *p;

	if (m && !src && len) {
		mm_error(m, EINVAL, "kmemdup: no source for %zu bytes", len);
		return NULL;
	}
	p = kmalloc_at(m, len, gfp, PO_CALLER);
	if (p && !ZERO_OR_NULL_PTR(p))
		memcpy(p, src, len);
	return p;
}

char *mm_kstrdup(struct mm *m, const char *s, gfp_t gfp)
{
	size_t len;
	char *p;

	if (!m || !s)
		return NULL;
	len = strlen(s) + 1;
	p = kmalloc_at(m, len, gfp, PO_CALLER);
	if (p)
		memcpy(p, s, len);
	return p;
}
