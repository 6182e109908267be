// SPDX-License-Identifier: GPL-2.0-only
/*
 * page_owner.h - attribution (page_owner.c): who allocated every page and
 * object.  The entry points of page_alloc.c, kmalloc.c, slab_common.c,
 * vmalloc.c, contig.c and cma.c test m->page_owner once (a predictable
 * branch) and, when it is set, go round the hooks below; nothing else
 * changes on their paths.  Migration (migrate.c) carries a folio's record
 * to its new page.
 */
#ifndef LIBMM_PAGE_OWNER_H
#define LIBMM_PAGE_OWNER_H

#include "internal.h"

/* What made an allocation of pages: the caller itself or an allocator on
 * its behalf (the frame page_owner shows above the caller's). */
enum po_via { PO_VIA_PAGES, PO_VIA_SLAB, PO_VIA_KMALLOC_LARGE, PO_VIA_VMALLOC, PO_VIA_CONTIG,
	      PO_NR_VIA };

int  page_owner_init(struct mm *m);     /* page_owner=1: -ENOMEM or 0 */
void page_owner_exit(struct mm *m);

/* The calling thread's attribution: the outermost entry point's site. */
struct po_tls_state {
	unsigned long site;
	int via, depth;
};
extern __thread struct po_tls_state po_tls __attribute__((tls_model("initial-exec")));

/* An entry point's call begins (site: the caller's return address or a
 * registered site; via: what the entry point is) and ends.  Nested calls
 * (slab pages under a kmalloc) keep the outermost site. */
static inline void po_enter(unsigned long site, enum po_via via)
{
	if (po_tls.depth++)
		return;
	po_tls.site = site;
	po_tls.via = via;
}

static inline void po_exit(void)
{
	po_tls.depth--;
}

#define PO_SITE_NAMED   (1ul << 63)     /* a registered site: | its index */
#define PO_MAX_SITES    65534u          /* tags; an index fits 16 bits with 0 = none */
#define PO_GRANULE      8               /* object tags: one per 8 bytes of the direct map */
#define PO_BIG          0xffffu         /* object tag's size field: bytes in the next slot */

struct po_ctr { long long bytes, calls; };      /* a tag's counters on one CPU */

/* The first member of page_owner.c's state (m->po): what the inlined
 * object hooks below use. */
struct po_fast {
	uint32_t *otag;                 /* [direct_map_bytes / PO_GRANULE]: an object's
	                                   tag in the slot of its first granule:
	                                   (index + 1) << 16 | bytes / 8, or PO_BIG and
	                                   the bytes in the next slot */
	struct po_ctr **ctr;            /* [nr_cpus + 1][PO_MAX_SITES]: per CPU, only
	                                   it writes; the last for unbound callers,
	                                   under po->lock */
};
#define PO_FAST(m) ((struct po_fast *)(m)->po)

uint32_t po_site_idx_slow(struct mm *m, unsigned long key);
void po_count_slow(struct mm *m, uint32_t i, long long bytes, long long calls);
void po_obj_put_slow(struct mm *m, const void *obj, uint32_t i, size_t bytes);
/* An object's tag taken out at its free: bytes 0 when it had none. */
struct po_tag { uint32_t i; size_t bytes; };
struct po_tag po_obj_del_slow(struct mm *m, const void *obj);

/* The tag index of site value key (UINT32_MAX: none, the table full). */
static inline __attribute__((always_inline)) uint32_t po_site_idx(struct mm *m, unsigned long key)
{
	if (likely(key & PO_SITE_NAMED))
		return (uint32_t)(key & 0xffffffffu);
	return po_site_idx_slow(m, key);
}

/* A plain add to one CPU's counters (relaxed load and store: only that
 * CPU writes them; the reports sum the CPUs while it runs). */
static inline __attribute__((always_inline))
void po_ctr_add(struct po_ctr *v, long long bytes, long long calls)
{
	__atomic_store_n(&v->bytes, __atomic_load_n(&v->bytes, __ATOMIC_RELAXED) + bytes,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&v->calls, __atomic_load_n(&v->calls, __ATOMIC_RELAXED) + calls,
			 __ATOMIC_RELAXED);
}

/* Adds to tag i's counters on the calling CPU. */
static inline __attribute__((always_inline))
void po_count(struct mm *m, uint32_t i, long long bytes, long long calls)
{
	if (unlikely(mm_tls[0].mm_id != m->id || i >= PO_MAX_SITES))
		po_count_slow(m, i, bytes, calls);
	else
		po_ctr_add(&PO_FAST(m)->ctr[mm_tls[0].cpu_id][i], bytes, calls);
}

/* Records obj's tag i with bytes (the counters done by the caller). */
static inline __attribute__((always_inline))
void po_obj_put(struct mm *m, const void *obj, uint32_t i, size_t bytes)
{
	uintptr_t off = (uintptr_t)obj - (uintptr_t)m->direct_map;

	if (likely(!((off | bytes) % PO_GRANULE) && off < m->direct_map_bytes &&
		   bytes < (size_t)PO_BIG * PO_GRANULE))
		__atomic_store_n(PO_FAST(m)->otag + off / PO_GRANULE,
				 (i + 1) << 16 | (uint32_t)(bytes / PO_GRANULE), __ATOMIC_RELAXED);
	else
		po_obj_put_slow(m, obj, i, bytes);
}

/* An object allocated at the calling thread's site, taking bytes.  A
 * site without a tag (UINT32_MAX: the table full) counts nowhere: its slot
 * holds index -1, which po_count ignores at the free too. */
static inline __attribute__((always_inline))
void alloc_tag_obj_add(struct mm *m, const void *obj, size_t bytes)
{
	uint32_t i;

	if (unlikely((uintptr_t)obj <= 16))     /* NULL, ZERO_SIZE_PTR */
		return;
	i = po_site_idx(m, po_tls.site);
	po_count(m, i, (long long)bytes, 1);
	po_obj_put(m, obj, i, bytes);
}

/* An object about to be freed: its tag taken out and uncounted (give it
 * to alloc_tag_obj_restore when the free is then refused); bytes 0 when it
 * had none. */
static inline __attribute__((always_inline))
struct po_tag alloc_tag_obj_del(struct mm *m, const void *obj)
{
	uintptr_t off = (uintptr_t)obj - (uintptr_t)m->direct_map;
	struct po_tag tag;
	uint32_t *v, t;

	if (unlikely((off % PO_GRANULE) | (off >= m->direct_map_bytes)))
		return po_obj_del_slow(m, obj);
	v = PO_FAST(m)->otag + off / PO_GRANULE;
	t = __atomic_load_n(v, __ATOMIC_RELAXED);
	if (unlikely(!t))
		return po_obj_del_slow(m, obj);
	tag.i = (t >> 16) - 1;
	tag.bytes = likely((t & 0xffff) != PO_BIG) ? (size_t)(t & 0xffff) * PO_GRANULE :
		    __atomic_load_n(v + 1, __ATOMIC_RELAXED);
	__atomic_store_n(v, 0, __ATOMIC_RELAXED);
	po_count(m, tag.i, -(long long)tag.bytes, -1);
	return tag;
}

static inline void alloc_tag_obj_restore(struct mm *m, const void *obj, struct po_tag tag)
{
	if (!tag.bytes)
		return;
	po_count(m, tag.i, (long long)tag.bytes, 1);
	po_obj_put(m, obj, tag.i, tag.bytes);
}

/* Pages handed out / about to be freed (a free that will succeed). */
void page_owner_alloc(struct mm *m, struct page *page, unsigned order, gfp_t gfp);
void page_owner_free(struct mm *m, struct page *page);      /* its record's order */
/* A contiguous range [pfn, pfn + nr) allocated (contig.c): one record of
 * its order when compound, else one order-0 record a page (split_page). */
void page_owner_contig(struct mm *m, unsigned long pfn, unsigned long nr, gfp_t gfp,
		       bool compound);
/* Migration moved src's folio to dst (folio_copy_owner + the tags'
 * swap: src, freed next, takes dst's record with it); a large folio split
 * into order-0 ones (split_page_owner). */
void page_owner_migrate(struct mm *m, struct page *src, struct page *dst);
void page_owner_split(struct mm *m, struct page *head, unsigned order);

/* The site of the allocation whose head is pfn (0: none, or off). */
unsigned long page_owner_site(struct mm *m, unsigned long pfn);
/* A site's tag text as the JSON string member key. */
void page_owner_site_json(struct mm *m, unsigned long site, struct json_writer *w,
			  const char *key);

/* census.c: the pageblock census ("census" in the JSON report), and the
 * number of mixed pageblocks (the timeline's). */
void census_json(struct mm *m, struct json_writer *w);     /* "census" member */
unsigned long census_mixed(struct mm *m);

void page_owner_show(struct mm *m, struct strbuf *sb);   /* debugfs page_owner */
void allocinfo_show(struct mm *m, struct strbuf *sb);    /* /proc/allocinfo */
void page_owner_json(struct mm *m, struct json_writer *w); /* "sites" member */

#define PO_CALLER ((unsigned long)__builtin_return_address(0))

#endif /* LIBMM_PAGE_OWNER_H */
