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
/* An object allocated (bytes it takes) / freed: the allocation tags. */
void alloc_tag_obj_add(struct mm *m, const void *obj, size_t bytes);
/* 1 and the object's record taken out (*saved for alloc_tag_obj_restore
 * when the free is then refused), 0 when it has none. */
int  alloc_tag_obj_del(struct mm *m, const void *obj, unsigned long saved[2]);
void alloc_tag_obj_restore(struct mm *m, const void *obj, const unsigned long saved[2]);

/* The site of the allocation whose head is pfn (0: none, or off). */
unsigned long page_owner_site(struct mm *m, unsigned long pfn);
/* A site's tag text as a JSON string. */
void page_owner_site_json(struct mm *m, unsigned long site, struct strbuf *sb);

/* census.c: the pageblock census ("census" in the JSON report), and the
 * number of mixed pageblocks (the timeline's). */
void census_json(struct mm *m, struct strbuf *sb);
unsigned long census_mixed(struct mm *m);

void page_owner_show(struct mm *m, struct strbuf *sb);   /* debugfs page_owner */
void allocinfo_show(struct mm *m, struct strbuf *sb);    /* /proc/allocinfo */
void page_owner_json(struct mm *m, struct strbuf *sb);   /* "sites": [...] */

#define PO_CALLER ((unsigned long)__builtin_return_address(0))

#endif /* LIBMM_PAGE_OWNER_H */
