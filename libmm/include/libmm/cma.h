// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmm/cma.h - the Contiguous Memory Allocator and contiguous ranges
 * (mm/cma.c, alloc_contig_range/alloc_contig_pages of mm/page_alloc.c).
 * Included by <libmm/mm.h>.
 *
 * CMA areas are reserved at boot (machine keys cma=SIZE[@node], the area
 * "reserved", and cma_areas=NAME:SIZE[@node][/order_per_bit],...): their
 * pageblocks are MIGRATE_CMA, free to movable allocations, and
 * mm_cma_alloc() takes a run of them back by migrating what lies there.
 *
 * The calling thread must be bound to a CPU (mm_cpu_bind).  Errors as
 * everywhere in libmm: -errno or NULL with mm_last_errno()/mm_last_error().
 * A contiguous allocation that fails because pages cannot be moved is not
 * misuse: NULL / -EBUSY (or -ENOMEM when no migration target was found),
 * with the reason (pinned, unmovable, busy ...) and the first pfn that
 * stopped it in mm_contig_info() / mm_cma_area_info() and the machine log.
 */
#ifndef LIBMM_CMA_H
#define LIBMM_CMA_H

#include <stddef.h>
#include <libmm/gfp.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct mm;
struct page;

#define MM_CMA_MAX_AREAS 8      /* MAX_CMA_AREAS */
#define MM_CMA_NAME_LEN  32

struct mm_cma_info {
	char name[MM_CMA_NAME_LEN];
	int node, zone_idx;
	unsigned long base_pfn, count;  /* the area: pages */
	unsigned order_per_bit;         /* one bitmap bit = 2^order_per_bit pages */
	unsigned long used;             /* pages whose bits are set (debugfs used) */
	unsigned long maxchunk;         /* largest free run, pages (debugfs maxchunk) */
	unsigned long available;        /* available_count */
	unsigned long nr_allocations;   /* live cma_alloc() allocations */
	/* /sys/kernel/mm/cma/NAME/ */
	unsigned long alloc_pages_success, alloc_pages_fail, release_pages_success;
	/* the cma tracepoints, counted */
	unsigned long alloc_start, alloc_finish, alloc_busy_retry, release;
	/* the last cma_alloc(): 0, -EBUSY, -ENOMEM; why a range was busy
	 * (MM_MIGRATE_FAIL_*, -1: nothing failed) and where */
	int last_ret;
	int last_reason;
	unsigned long last_pfn;
};
/* Areas are numbered 0 .. mm_cma_area_count()-1 in boot order. */
int mm_cma_area_count(struct mm *m);
int mm_cma_area_info(struct mm *m, int idx, struct mm_cma_info *out);
/* The index of the area called name (NULL: the default area "reserved"),
 * or -EINVAL. */
int mm_cma_area_index(struct mm *m, const char *name);

/* cma_alloc(): count pages aligned to 2^align pages from the area (NULL:
 * the default one).  The first page, or NULL (errno EBUSY/ENOMEM when the
 * area had no range that could be emptied, EINVAL for bad arguments). */
struct page *mm_cma_alloc(struct mm *m, const char *name, unsigned long count, unsigned align,
			  int no_warn);
/* cma_release(): 0, or -EINVAL when [page, page + count) is not a live
 * allocation of the area. */
int mm_cma_release(struct mm *m, const char *name, struct page *pages, unsigned long count);

/* alloc_contig_range(): the pages [start, end) of one zone, isolated,
 * emptied by migration and taken off the free lists; each becomes an
 * allocated order-0 page (a compound page of order log2(end - start) with
 * __GFP_COMP: start aligned, a power of two).  migratetype is
 * MM_MIGRATE_CMA (ACR_FLAGS_CMA: CMA pageblocks are isolated whatever they
 * hold) or MM_MIGRATE_MOVABLE.  gfp is the migration targets' context
 * (GFP_KERNEL family; __GFP_NOWARN keeps failures out of the log).
 * 0, -EBUSY, -ENOMEM or -EINVAL. */
int mm_alloc_contig_range(struct mm *m, unsigned long start, unsigned long end, int migratetype,
			  gfp_t gfp);
/* free_contig_range(): nr_pages pages from pfn, part or all of a live
 * contiguous allocation (a compound one whole).  0 or -EINVAL. */
int mm_free_contig_range(struct mm *m, unsigned long pfn, unsigned long nr_pages);
/* alloc_contig_pages(): nr_pages contiguous pages, aligned to the next
 * power of two, from any zone of node nid (-1: this CPU's) that gfp
 * allows, in the kernel's order (zonelist, then low to high pfn); gigantic
 * pages with __GFP_COMP.  NULL when no range could be taken. */
struct page *mm_alloc_contig_pages(struct mm *m, unsigned long nr_pages, gfp_t gfp, int nid);

struct mm_contig_info {
	unsigned long nr_ranges;        /* live contiguous allocations */
	unsigned long nr_pages;         /* their pages */
	/* the last alloc_contig_range() */
	int last_ret;                   /* 0, -EBUSY, -ENOMEM */
	int last_reason;                /* MM_MIGRATE_FAIL_*, -1 */
	unsigned long last_pfn;         /* the pfn that stopped it */
	unsigned long last_migrated;    /* pages migrated out of the range */
	unsigned long last_tries;       /* migrate_pages() rounds */
	/* totals */
	unsigned long attempts, successes, pages_migrated;
};
int mm_contig_info(struct mm *m, struct mm_contig_info *out);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* LIBMM_CMA_H */
