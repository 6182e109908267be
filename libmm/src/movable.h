// SPDX-License-Identifier: GPL-2.0-only
/*
 * movable.h - what migrate.c, process.c and compaction.c share: movable
 * owners, isolated-folio lists, migrate_pages() and its callbacks, and the
 * compaction hooks.  Structures of these layers live here (they are private
 * to them); the lock is mm->rmap_lock (mm_types.h).
 */
#ifndef LIBMM_MOVABLE_H
#define LIBMM_MOVABLE_H

#include "internal.h"

/* enum migrate_reason (include/linux/migrate_mode.h) */
enum migrate_reason {
	MR_COMPACTION, MR_MEMORY_FAILURE, MR_MEMORY_HOTPLUG, MR_SYSCALL,
	MR_MEMPOLICY_MBIND, MR_NUMA_MISPLACED, MR_CONTIG_RANGE, MR_LONGTERM_PIN,
	MR_DEMOTION, MR_DAMON, MR_TYPES
};

/* A registered movable_operations owner (a driver's, or a process's: its
 * user pages are the kernel's anon LRU pages). */
struct mm_movable_owner {
	struct list_head list;          /* migrate_state.owners (rmap_lock) */
	struct mm *m;
	struct mm_movable_operations ops;
	void *arg;
	struct mm_process *proc;        /* the process, for its user pages */
	int pid;                        /* and its pid (0: a driver's owner) */
	unsigned long nr_folios;        /* folios it has marked movable (rmap_lock) */
	unsigned long seen;             /* migrate_validate's recount */
	char name[32];
};

struct migrate_state {
	struct list_head owners;        /* rmap_lock */
	struct list_head processes;     /* struct mm_process.list (rmap_lock) */
	unsigned long nr_isolated;      /* folios on migration lists (rmap_lock) */
	int next_pid;
};

/* Target allocation for migrate_pages (new_folio_t / free_folio_t).  NULL:
 * no target (-ENOMEM). */
typedef struct page *(*new_folio_fn)(struct page *src, unsigned order, void *priv);
typedef void (*free_folio_fn)(struct page *dst, unsigned order, void *priv);

/* ---- migrate.c ----------------------------------------------------------- */
int  migrate_init(struct mm *m);
void migrate_exit(struct mm *m);
int  migrate_validate(struct mm *m, struct strbuf *err);
/* Head of the folio holding page, or NULL if page is not part of an
 * allocated block. */
struct page *folio_of(struct mm *m, struct page *page);
/* isolate one folio (its head) onto list; rmap_lock held.  ISOLATE_OK or
 * the MM_MIGRATE_FAIL_* reason it was not isolated; skip_pinned refuses
 * folios with extra references up front (compaction's check). */
#define ISOLATE_OK (-1)
int  __isolate_movable_folio(struct mm *m, struct page *head, int mode, bool skip_pinned,
			     struct list_head *list);
/* putback_movable_pages(): every folio of list goes back to its owner (or
 * is freed, if the owner let go of it meanwhile).  Takes rmap_lock. */
void putback_movable_pages(struct mm *m, struct list_head *list);
/* migrate_pages(): the folios of from to targets from get_new (freed with
 * put_new when unused).  Returns the number of folios not migrated or
 * -ENOMEM; failed folios stay on from (the caller puts them back).  Counts
 * pgmigrate_* and thp_migration_*; res (optional) gathers the outcome.
 * Takes rmap_lock per folio, never across get_new. */
int  migrate_pages(struct mm *m, struct list_head *from, new_folio_fn get_new,
		   free_folio_fn put_new, void *priv, int mode, int reason,
		   struct mm_migrate_result *res);
/* The reusable range API (alloc_contig_range, CMA): isolate every folio of
 * [start, end) that has an owner onto list (strict: any allocated page
 * without one, pinned or already isolated is recorded in res and makes it
 * return -EBUSY, after isolating the rest).  Takes rmap_lock. */
int  isolate_migratepages_range(struct mm *m, unsigned long start, unsigned long end,
				struct list_head *list, struct mm_migrate_result *res);
/* ... the same, stopping after max folios isolated (COMPACT_CLUSTER_MAX
 * for alloc_contig_range); returns where it stopped, *ret = -EBUSY when
 * something could not be isolated. */
unsigned long isolate_migratepages_batch(struct mm *m, unsigned long start, unsigned long end,
					 unsigned long max, struct list_head *list,
					 struct mm_migrate_result *res, int *ret);
/* migrate the folios of [start, end) anywhere outside it: isolate, migrate
 * (targets from alloc_migration_target on the range's node), put back the
 * failures.  0 when every allocated page of the range moved, else -EBUSY
 * (or -ENOMEM) with res saying why. */
int  migrate_range(struct mm *m, unsigned long start, unsigned long end, int mode,
		   int reason, struct mm_migrate_result *res);
/* alloc_migration_target(): a page of src's order; priv is a
 * struct migration_target_control. */
struct migration_target_control {
	struct mm *m;
	int nid;                        /* -1: the source's node */
	gfp_t gfp_mask;
	int reason;
};
struct page *alloc_migration_target(struct page *src, unsigned order, void *priv);
void free_migration_target(struct page *dst, unsigned order, void *priv);
/* The owner of an owned folio and its private. */
static inline struct mm_movable_owner *folio_owner(const struct page *head)
{
	return (struct mm_movable_owner *)head->freelist;
}
void fail_note(struct mm_migrate_result *res, int reason, unsigned long pfn);
/* Register the internal owner of a process's user pages. */
struct mm_movable_owner *owner_register(struct mm *m, const char *name,
					const struct mm_movable_operations *ops, void *arg,
					struct mm_process *proc, int pid);
void owner_unregister(struct mm_movable_owner *o);
/* mark an allocated head owned (rmap_lock held) / clear it */
void __folio_set_owner(struct page *head, struct mm_movable_owner *o, unsigned long priv);
void __folio_clear_owner(struct page *head);
/* the owner lets go: owner fields cleared, its reference dropped, the folio
 * freed unless an isolation still holds it (rmap_lock held) */
void __folio_release(struct mm *m, struct page *head);

/* ---- process.c ----------------------------------------------------------- */
void process_exit_all(struct mm *m);            /* mm_destroy: every process goes */
int  process_validate(struct mm *m, struct strbuf *err);
/* folio_is_longterm_pinnable() */
bool folio_is_longterm_pinnable(struct mm *m, struct page *head);

/* ---- contig.c: alloc_contig_range and friends ---------------------------- */
struct contig_result {
	int reason;                     /* MM_MIGRATE_FAIL_*, -1 */
	unsigned long pfn;              /* where */
	unsigned long migrated;         /* base pages migrated out */
	unsigned long tries;            /* migrate_pages() rounds */
};
int  contig_init(struct mm *m);
void contig_exit(struct mm *m);
/* marked: the allocated heads the zone walks found marked PG_contig */
int  contig_validate(struct mm *m, struct strbuf *err, unsigned long marked);
/* alloc_contig_range() without argument checks or log lines: mode is
 * ISOLATE_MODE_*, area the CMA area index recorded with the range (-1:
 * none).  0, -EBUSY or -ENOMEM, r says why. */
int  __alloc_contig_range(struct mm *m, unsigned long start, unsigned long end, int mode,
			  gfp_t gfp, int area, struct contig_result *r);
/* free_contig_range() of part or all of a live range of the area (-1:
 * any); -EINVAL (nothing logged) when it is not one. */
int  __free_contig_range(struct mm *m, unsigned long pfn, unsigned long nr, int area);
/* The live range holding pfn: its area, or -2 when there is none. */
int  contig_range_area(struct mm *m, unsigned long pfn);
unsigned long contig_count_ranges(struct mm *m, int area);   /* live ranges of an area */
/* The name of why a range could not be taken ("pinned", ...). */
const char *contig_reason_name(int reason);

/* ---- cma.c ------------------------------------------------------------------ */
int  cma_init(struct mm *m, char *err, size_t errlen);
void cma_exit(struct mm *m);
int  cma_validate(struct mm *m, struct strbuf *err);
void cma_report(struct mm *m, struct strbuf *sb);       /* debugfs-style, every area */
void cma_json(struct mm *m, struct json_writer *w);     /* "cma" member */
unsigned long cma_total_pages(struct mm *m);

/* ---- compaction.c --------------------------------------------------------- */
int  compaction_init(struct mm *m);
void compaction_exit(struct mm *m);
int  compaction_validate(struct mm *m, struct strbuf *err);
void compaction_json(struct mm *m, struct json_writer *w);      /* "compaction" member */

#endif /* LIBMM_MOVABLE_H */
