// SPDX-License-Identifier: GPL-2.0-only
/*
 * migrate.c - page migration (mm/migrate.c) and the owners that make pages
 * movable (movable_operations, mm/compaction.c's __SetPageMovable).
 *
 * Owns: the registered owners (struct mm_movable_owner), the isolated-folio
 * lists' protocol, migrate_pages(), and the reusable range API that
 * compaction and alloc_contig_range build on.
 *
 * Who may move a page.  An allocated head with PG_owned has an owner
 * (page->freelist) and the owner's private word (page->index): a process
 * (PG_anon too; the private is the user address - the reverse map), or a
 * driver/pool that registered movable_operations.  Everything else is
 * unmovable, whatever GFP it came with (the kernel's "not LRU and not
 * __PageMovable").  One owner per folio: there is no fork, so a user page
 * has one mapping (mapcount 1).
 *
 * References (_refcount of the head):
 *   1            the owner's (a process: its mapping; a driver: its hold)
 *   + 1          while isolated (PG_isolated, on a migration list)
 *   + pins       pin_user_pages() on a user page (process.c)
 * An owner letting go of an isolated folio (munmap, free) drops its own
 * reference and the owner fields; the migration that holds the folio finds
 * _refcount == 1 and frees it ("freed from under us": a success, as in
 * migrate_folio_unmap()).  A user page with more references than mapping +
 * isolation is pinned: migration fails with -EAGAIN and is retried, then
 * reported as pinned (folio_migrate_mapping's refcount check).
 *
 * migrate_pages() (6.10+ structure): batches of at most
 * NR_MAX_BATCHED_MIGRATION (512) base pages; MIGRATE_ASYNC runs
 * migrate_pages_batch() with NR_MAX_MIGRATE_PAGES_RETRY (10) passes;
 * SYNC_LIGHT and SYNC run one ASYNC batch of NR_MAX_MIGRATE_ASYNC_RETRY (3)
 * passes, then each remaining folio alone in the caller's mode with the
 * remaining 7 (migrate_pages_sync).  Per folio: -EAGAIN stays on the list
 * and is retried next pass; -ENOMEM (no target) splits a large user folio
 * and migrates its pieces after the batch (one ASYNC pass, as the kernel
 * does), or ends the whole call; any other error is permanent.  Counted:
 * pgmigrate_success / pgmigrate_fail in base pages, thp_migration_* for
 * pageblock-order folios.  Unlike the kernel, unmap and move are one step
 * per folio (there is no TLB batch to amortise), and libmm copies the
 * contents for every owner before calling its migrate_page (the kernel
 * leaves the copy to movable_ops drivers); debug builds compare the copy.
 *
 * Locking: mm->rmap_lock (lock 6, mm_types.h) around isolation, putback and
 * each folio's move; never across the target allocation, which may enter
 * the allocator's slow path and compact.  Owner callbacks run under it and
 * must not call back into libmm.  Errors are reported after unlocking.
 *
 * Invariants (migrate_validate): every PG_owned head's owner is registered
 * and the owners' nr_folios match the heads that name them; PG_anon and
 * PG_isolated appear only on owned or isolated allocated heads; the number
 * of PG_isolated heads equals nr_isolated; an isolated head holds a
 * reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "movable.h"
#include "page_owner.h"

#define NR_MAX_BATCHED_MIGRATION   512
#define NR_MAX_MIGRATE_PAGES_RETRY 10
#define NR_MAX_MIGRATE_ASYNC_RETRY 3
#define NR_MAX_MIGRATE_SYNC_RETRY  (NR_MAX_MIGRATE_PAGES_RETRY - NR_MAX_MIGRATE_ASYNC_RETRY)
#define MIGRATEPAGE_SUCCESS        0

static const char *const fail_names[MM_MIGRATE_NR_FAIL] = {
	[MM_MIGRATE_FAIL_PINNED] = "pinned",
	[MM_MIGRATE_FAIL_UNMOVABLE] = "unmovable",
	[MM_MIGRATE_FAIL_BUSY] = "busy",
	[MM_MIGRATE_FAIL_OWNER] = "owner",
	[MM_MIGRATE_FAIL_NOMEM] = "no_target",
	[MM_MIGRATE_FAIL_FREE] = "not_allocated",
	[MM_MIGRATE_FAIL_ISOLATED] = "isolated",
	[MM_MIGRATE_FAIL_MAP] = "map_failed",
};

const char *mm_migrate_fail_name(int reason)
{
	return reason >= 0 && reason < MM_MIGRATE_NR_FAIL ? fail_names[reason] : NULL;
}

void fail_note(struct mm_migrate_result *res, int reason, unsigned long pfn)
{
	if (!res)
		return;
	if (!res->nr_failed[reason]++)
		res->first_pfn[reason] = pfn;
}

static inline void rmap_lock(struct mm *m)
{
	mm_lock(&m->rmap_lock, LOCK_RMAP);
}

static inline void rmap_unlock(struct mm *m)
{
	mm_unlock(&m->rmap_lock);
}

/* ---- folios and owners ---------------------------------------------------- */

static inline bool page_allocated(const struct page *p)
{
	return p->_refcount > 0 && !(READ_ONCE(p->flags) & (PG_buddy | PG_pcp)) &&
	       !(p->compound_head & 1);
}

struct page *folio_of(struct mm *m, struct page *page)
{
	unsigned long pfn = page_to_pfn(m, page);

	if (!(READ_ONCE(page->flags) & (PG_buddy | PG_pcp | PG_head)) && (page->compound_head & 1))
		return (struct page *)(page->compound_head - 1);
	if (page_allocated(page))
		return page;
	/* inside a block allocated without __GFP_COMP */
	for (unsigned o = 1; o <= m->max_order; o++) {
		struct page *h = pfn_to_page(m, pfn & ~((1ul << o) - 1));

		if (page_allocated(h) && h->private >= o)
			return h;
		if (h->flags & (PG_buddy | PG_pcp))
			return NULL;
	}
	return NULL;
}

void __folio_set_owner(struct page *head, struct mm_movable_owner *o, unsigned long priv)
{
	head->freelist = o;
	head->index = priv;
	WRITE_ONCE(head->flags, head->flags | PG_owned | (o->proc ? (unsigned long)PG_anon : 0ul));
	o->nr_folios++;
}

void __folio_clear_owner(struct page *head)
{
	folio_owner(head)->nr_folios--;
	WRITE_ONCE(head->flags, head->flags & ~(unsigned long)(PG_owned | PG_anon));
	head->freelist = NULL;
	head->index = 0;
}

/* Give a folio nobody holds any more back to the allocator (rmap_lock may
 * be held: frees never take it). */
static void folio_free(struct mm *m, struct page *head)
{
	WRITE_ONCE(head->flags, head->flags & ~(unsigned long)(PG_owned | PG_anon | PG_isolated));
	head->freelist = NULL;
	head->index = 0;
	head->_refcount = 1;
	if (mm_free_pages(m, head, (unsigned)head->private))
		MM_BUG_ON(1, m, 1);
}

void __folio_release(struct mm *m, struct page *head)
{
	__folio_clear_owner(head);
	if (--head->_refcount == 0)
		folio_free(m, head);
}

struct mm_movable_owner *owner_register(struct mm *m, const char *name,
					const struct mm_movable_operations *ops, void *arg,
					struct mm_process *proc, int pid)
{
	struct mm_movable_owner *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->m = m;
	o->ops = *ops;
	o->arg = arg;
	o->proc = proc;
	o->pid = pid;
	snprintf(o->name, sizeof(o->name), "%s", name ? name : "owner");
	rmap_lock(m);
	list_add_tail(&o->list, &m->migrate->owners);
	rmap_unlock(m);
	return o;
}

void owner_unregister(struct mm_movable_owner *o)
{
	rmap_lock(o->m);
	list_del(&o->list);
	rmap_unlock(o->m);
	free(o);
}

static bool owner_known(struct mm *m, const struct mm_movable_owner *o)
{
	struct list_head *e;

	list_for_each(e, &m->migrate->owners)
		if (list_entry(e, struct mm_movable_owner, list) == o)
			return true;
	return false;
}

struct mm_movable_owner *mm_movable_owner_register(struct mm *m, const char *name,
						   const struct mm_movable_operations *ops,
						   void *arg)
{
	if (!m)
		return NULL;
	if (!ops || !ops->migrate_page) {
		mm_error(m, EINVAL, "movable_owner_register: %s has no migrate_page operation",
			 name ? name : "owner");
		return NULL;
	}
	struct mm_movable_owner *o = owner_register(m, name, ops, arg, NULL, 0);

	if (!o)
		mm_error(m, ENOMEM, "movable_owner_register: out of memory");
	return o;
}

int mm_movable_owner_unregister(struct mm_movable_owner *o)
{
	if (!o)
		return -EINVAL;
	struct mm *m = o->m;
	unsigned long n;

	rmap_lock(m);
	n = o->nr_folios;
	if (o->proc)
		n = ~0ul;
	rmap_unlock(m);
	if (n == ~0ul)
		return mm_error(m, EINVAL, "movable_owner_unregister: %s belongs to a process "
				"(mm_process_destroy removes it)", o->name);
	if (n)
		return mm_error(m, EBUSY, "movable_owner_unregister: %s still has %lu movable "
				"folios (free them or mm_page_clear_movable first)", o->name, n);
	owner_unregister(o);
	return 0;
}

static bool page_in_mem_map(const struct mm *m, const struct page *page)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)m->mem_map;

	return off < m->nr_pages * sizeof(struct page) && off % sizeof(struct page) == 0;
}

/* Why page cannot be made movable by an owner, or NULL. */
static const char *set_movable_refusal(const struct page *p)
{
	if (!page_allocated(p))
		return (p->compound_head & 1) ? "is a tail page of a compound page"
					      : "is not the head of an allocated block";
	if (p->flags & PG_slab)
		return "belongs to the slab allocator";
	if (p->flags & PG_vmalloc)
		return "belongs to vmalloc";
	if (p->flags & PG_reserved)
		return "is reserved";
	if (p->slab_cache)
		return "is a kmalloc_large allocation";
	if (p->flags & PG_anon)
		return "is mapped by a process";
	if (p->flags & PG_owned)
		return "is movable already (another owner, or this one)";
	if (p->flags & PG_isolated)
		return "is isolated for migration";
	return NULL;
}

int mm_page_set_movable(struct mm *m, struct page *page, struct mm_movable_owner *o,
			unsigned long priv)
{
	const char *why = NULL;
	unsigned long pfn;

	if (!m)
		return -EINVAL;
	if (!page_in_mem_map(m, page))
		return mm_error(m, EFAULT, "set_page_movable: %p is not a struct page of this "
				"machine", (void *)page);
	pfn = page_to_pfn(m, page);
	rmap_lock(m);
	if (!o || !owner_known(m, o) || o->proc)
		why = "names no registered owner of this machine";
	else if (!(why = set_movable_refusal(page)))
		__folio_set_owner(page, o, priv);
	rmap_unlock(m);
	if (why)
		return mm_error(m, EINVAL, "set_page_movable: pfn %#lx %s", pfn, why);
	return 0;
}

int mm_page_clear_movable(struct mm *m, struct page *page)
{
	bool ok;

	if (!m)
		return -EINVAL;
	if (!page_in_mem_map(m, page))
		return mm_error(m, EFAULT, "clear_page_movable: %p is not a struct page of this "
				"machine", (void *)page);
	rmap_lock(m);
	ok = page_allocated(page) && (page->flags & PG_owned) && !(page->flags & PG_anon);
	if (ok)
		__folio_clear_owner(page);
	rmap_unlock(m);
	if (!ok)
		return mm_error(m, EINVAL, "clear_page_movable: pfn %#lx is not a movable page of "
				"a registered owner", page_to_pfn(m, page));
	return 0;
}

/* m->release_owned: mm_free_pages() of an owned page.  0: free it now;
 * 1: it is isolated, its migration frees it; -errno: refused. */
static int migrate_release_owned(struct mm *m, struct page *page, unsigned order)
{
	int ret = 0, pid = 0;
	unsigned long addr = 0;

	(void)order;
	rmap_lock(m);
	if (!(page->flags & PG_owned)) {
		rmap_unlock(m);
		return 0;
	}
	if (page->flags & PG_anon) {
		addr = page->index;
		pid = folio_owner(page)->pid;
		ret = -EBUSY;
	} else {
		__folio_clear_owner(page);
		if (page->flags & PG_isolated) {
			page->_refcount--;      /* the isolation's reference stays */
			ret = 1;
		}
	}
	rmap_unlock(m);
	if (ret < 0)
		return mm_error(m, EBUSY, "free_pages: pfn %#lx is mapped by process %d at user "
				"address %#lx (unmap it instead)", page_to_pfn(m, page), pid, addr);
	return ret;
}

/* ---- isolation -------------------------------------------------------------- */

int __isolate_movable_folio(struct mm *m, struct page *head, int mode, bool skip_pinned,
			    struct list_head *list)
{
	unsigned long flags = head->flags;
	struct mm_movable_owner *o;

	if (!page_allocated(head))
		return MM_MIGRATE_FAIL_FREE;
	if (flags & PG_isolated)
		return MM_MIGRATE_FAIL_ISOLATED;
	if (!(flags & PG_owned))
		return MM_MIGRATE_FAIL_UNMOVABLE;
	o = folio_owner(head);
	if (flags & PG_anon) {
		if (skip_pinned && head->_refcount > 1)
			return MM_MIGRATE_FAIL_PINNED;
	} else if (o->ops.isolate_page && !o->ops.isolate_page(o->arg, head, head->index, mode)) {
		return MM_MIGRATE_FAIL_OWNER;
	}
	WRITE_ONCE(head->flags, flags | PG_isolated);
	head->_refcount++;
	list_add_tail(&head->lru, list);
	m->migrate->nr_isolated++;
	return ISOLATE_OK;
}

/* Take a folio off its migration list and drop the isolation's reference;
 * true when nothing else held it (it has been freed). rmap_lock held. */
static bool __folio_unisolate(struct mm *m, struct page *head)
{
	list_del(&head->lru);
	WRITE_ONCE(head->flags, head->flags & ~(unsigned long)PG_isolated);
	m->migrate->nr_isolated--;
	if (--head->_refcount == 0) {
		folio_free(m, head);
		return true;
	}
	return false;
}

void putback_movable_pages(struct mm *m, struct list_head *list)
{
	rmap_lock(m);
	while (!list_empty(list)) {
		struct page *head = list_first_entry(list, struct page, lru);
		struct mm_movable_owner *o = (head->flags & PG_owned) ? folio_owner(head) : NULL;

		if (o && !o->proc && o->ops.putback_page)
			o->ops.putback_page(o->arg, head, head->index);
		__folio_unisolate(m, head);
	}
	rmap_unlock(m);
}

int isolate_migratepages_range(struct mm *m, unsigned long start, unsigned long end,
			       struct list_head *list, struct mm_migrate_result *res)
{
	int ret = 0;

	isolate_migratepages_batch(m, start, end, ~0ul, list, res, &ret);
	return ret;
}

unsigned long isolate_migratepages_batch(struct mm *m, unsigned long start, unsigned long end,
					 unsigned long max, struct list_head *list,
					 struct mm_migrate_result *res, int *ret)
{
	unsigned long pfn, nr = 0;

	rmap_lock(m);
	for (pfn = start; pfn < end && nr < max;) {
		struct page *p = pfn_to_page(m, pfn);
		unsigned long flags = READ_ONCE(p->flags);
		struct page *head;
		int why;

		if (flags & (PG_buddy | PG_pcp)) {
			pfn += 1ul << p->private;
			continue;
		}
		head = folio_of(m, p);
		if (!head) {
			pfn++;
			continue;
		}
		why = __isolate_movable_folio(m, head, MM_MIGRATE_SYNC, true, list);
		if (why != ISOLATE_OK) {
			fail_note(res, why, page_to_pfn(m, head));
			*ret = -EBUSY;
		} else {
			nr++;
		}
		pfn = page_to_pfn(m, head) + (1ul << head->private);
	}
	rmap_unlock(m);
	return pfn;
}

/* ---- moving one folio -------------------------------------------------------- */

/* Split an isolated large user folio into isolated order-0 folios on
 * split (try_split_folio).  rmap_lock held.  0, or -EAGAIN if pinned. */
static int __split_anon_folio(struct mm *m, struct page *head, struct list_head *split)
{
	unsigned order = (unsigned)head->private;
	unsigned long nr = 1ul << order, addr = head->index;
	struct mm_movable_owner *o = folio_owner(head);
	unsigned long keep = head->flags & ~(unsigned long)PG_head;

	if (!(head->flags & PG_anon) || !(head->flags & PG_head) || head->_refcount != 2)
		return -EAGAIN;
	if (unlikely(m->page_owner))            /* split_page_owner, pgalloc_tag_split */
		page_owner_split(m, head, order);
	list_del(&head->lru);
	for (unsigned long i = 0; i < nr; i++) {
		struct page *p = head + i;

		p->compound_head = 0;
		p->_tail_pad = 0;
		WRITE_ONCE(p->flags, keep);
		p->private = 0;
		p->_refcount = 2;
		p->zone_id = head->zone_id;
		p->freelist = o;
		p->index = addr + i * PAGE_SIZE;
		list_add_tail(&p->lru, split);
	}
	o->nr_folios += nr - 1;
	m->migrate->nr_isolated += nr - 1;
	return 0;
}

/* The owner took dst: it inherits src's owner fields and flags, src is
 * freed.  rmap_lock held. */
static void __folio_transfer(struct mm *m, struct page *src, struct page *dst)
{
	unsigned long keep = PG_owned | PG_anon | PG_lru;
	struct mm_movable_owner *o = folio_owner(src);

	dst->freelist = o;
	dst->index = src->index;
	WRITE_ONCE(dst->flags, (dst->flags & ~keep) | (src->flags & keep));
	dst->_refcount = src->_refcount - 1;    /* the owner's, and any pins (none) */
	WRITE_ONCE(src->flags, src->flags & ~(unsigned long)(PG_owned | PG_anon));
	src->freelist = NULL;
	src->_refcount = 1;                     /* the isolation's */
	if (unlikely(m->page_owner))            /* folio_copy_owner, pgalloc_tag_swap */
		page_owner_migrate(m, src, dst);
	__folio_unisolate(m, src);              /* frees src */
}

static void copy_folio(struct mm *m, struct page *dst, struct page *src, unsigned order)
{
	char *d, *s;

	if (!m->direct_map)
		return;
	d = m->direct_map + page_to_pfn(m, dst) * PAGE_SIZE;
	s = m->direct_map + page_to_pfn(m, src) * PAGE_SIZE;
	memcpy(d, s, PAGE_SIZE << order);
	MM_BUG_ON(1, m, memcmp(d, s, PAGE_SIZE << order) != 0);
}

/* migrate_folio_unmap + migrate_folio_move for one isolated folio.
 * MIGRATEPAGE_SUCCESS (src is gone, dst given to its owner), -EAGAIN
 * (retry; *why says pinned or busy), -ENOMEM (no target) or another
 * -errno (permanent; *why says which). */
static int unmap_and_move(struct mm *m, struct page *src, new_folio_fn get_new,
			  free_folio_fn put_new, void *priv, int mode, int *why)
{
	unsigned order = (unsigned)src->private;
	struct mm_movable_owner *o;
	struct page *dst;
	int rc;

	rmap_lock(m);
	if (src->_refcount == 1) {              /* the owner let go of it */
		__folio_unisolate(m, src);
		rmap_unlock(m);
		return MIGRATEPAGE_SUCCESS;
	}
	rmap_unlock(m);
	dst = get_new(src, order, priv);
	if (!dst) {
		*why = MM_MIGRATE_FAIL_NOMEM;
		return -ENOMEM;
	}
	rmap_lock(m);
	if (src->_refcount == 1) {
		__folio_unisolate(m, src);
		rc = MIGRATEPAGE_SUCCESS;
		goto put_dst;
	}
	if (!(src->flags & PG_owned)) {         /* __ClearPageMovable meanwhile */
		*why = MM_MIGRATE_FAIL_UNMOVABLE;
		rc = -EBUSY;
		goto put_dst;
	}
	o = folio_owner(src);
	if ((src->flags & PG_anon) && src->_refcount > 2) {
		*why = MM_MIGRATE_FAIL_PINNED;
		rc = -EAGAIN;
		goto put_dst;
	}
	copy_folio(m, dst, src, order);
	rc = o->ops.migrate_page(o->arg, dst, src, src->index, mode);
	if (rc) {
		*why = rc == -EAGAIN ? MM_MIGRATE_FAIL_BUSY
		     : (o->proc && rc == -ENOMEM) ? MM_MIGRATE_FAIL_MAP : MM_MIGRATE_FAIL_OWNER;
		if (rc != -EAGAIN)
			rc = -EBUSY;
		goto put_dst;
	}
	__folio_transfer(m, src, dst);
	rmap_unlock(m);
	return MIGRATEPAGE_SUCCESS;
put_dst:
	rmap_unlock(m);
	if (put_new)
		put_new(dst, order, priv);
	return rc;
}

/* ---- migrate_pages() ------------------------------------------------------------ */

struct migrate_ctx {
	struct mm *m;
	new_folio_fn get_new;
	free_folio_fn put_new;
	void *priv;
	int reason;
	struct mm_migrate_result *st;
};

static inline bool folio_is_thp(const struct mm *m, unsigned order)
{
	return order == HUGETLB_PAGE_ORDER && order <= m->max_order;
}

/* The reason a folio still on a list after its last pass failed: its last
 * -EAGAIN (pinned or busy). */
static int retry_reason(const struct page *head)
{
	return (head->flags & PG_anon) && head->_refcount > 2 ? MM_MIGRATE_FAIL_PINNED
							       : MM_MIGRATE_FAIL_BUSY;
}

static void list_move_tail(struct list_head *e, struct list_head *to)
{
	list_del(e);
	list_add_tail(e, to);
}

/* migrate_pages_batch(): nr_pass passes over from; permanent failures go to
 * ret, split pieces to split (NULL: no splitting).  Returns the number of
 * folios that failed, or -ENOMEM. */
static int migrate_pages_batch(struct migrate_ctx *c, struct list_head *from, int mode,
			       struct list_head *ret, struct list_head *split, int nr_pass)
{
	struct mm *m = c->m;
	struct mm_migrate_result *st = c->st;
	int retry = 1, thp_retry = 0, nr_failed = 0;
	unsigned long nr_retry_pages = 0;

	for (int pass = 0; pass < nr_pass && retry; pass++) {
		struct list_head *e, *next;

		retry = thp_retry = 0;
		nr_retry_pages = 0;
		for (e = from->next; e != from; e = next) {
			struct page *src = list_entry(e, struct page, lru);
			unsigned order = (unsigned)src->private;
			unsigned long nr = 1ul << order, pfn = page_to_pfn(m, src);
			bool thp = folio_is_thp(m, order);
			int why = 0, rc;

			next = e->next;
			rc = unmap_and_move(m, src, c->get_new, c->put_new, c->priv, mode, &why);
			switch (rc) {
			case MIGRATEPAGE_SUCCESS:
				st->nr_succeeded += nr;
				st->nr_thp_succeeded += thp;
				break;
			case -EAGAIN:
				retry++;
				thp_retry += thp;
				nr_retry_pages += nr;
				break;
			case -ENOMEM:
				if (order && split && (src->flags & PG_anon)) {
					int sr;

					mm_lock(&m->rmap_lock, LOCK_RMAP);
					next = e->next;
					sr = __split_anon_folio(m, src, split);
					mm_unlock(&m->rmap_lock);
					if (!sr) {
						nr_failed++;
						st->nr_thp_failed += thp;
						st->nr_thp_split += thp;
						st->nr_split++;
						break;
					}
				}
				fail_note(st, MM_MIGRATE_FAIL_NOMEM, pfn);
				st->nr_failed_pages += nr + nr_retry_pages;
				st->nr_thp_failed += thp + thp_retry;
				return -ENOMEM;
			default:
				nr_failed++;
				st->nr_thp_failed += thp;
				st->nr_failed_pages += nr;
				fail_note(st, why, pfn);
				list_move_tail(e, ret);
				break;
			}
		}
	}
	if (retry) {
		struct list_head *e;

		list_for_each(e, from) {
			struct page *src = list_entry(e, struct page, lru);

			fail_note(st, retry_reason(src), page_to_pfn(m, src));
		}
	}
	nr_failed += retry;
	st->nr_thp_failed += thp_retry;
	st->nr_failed_pages += nr_retry_pages;
	return nr_failed;
}

/* migrate_pages_sync(): an ASYNC batch first, then one at a time. */
static int migrate_pages_sync(struct migrate_ctx *c, struct list_head *from, int mode,
			      struct list_head *ret, struct list_head *split)
{
	struct mm_migrate_result astats, *st = c->st;
	struct list_head folios, one;
	int rc, nr_failed = 0;

	memset(&astats, 0, sizeof(astats));
	INIT_LIST_HEAD(&folios);
	INIT_LIST_HEAD(&one);
	c->st = &astats;
	rc = migrate_pages_batch(c, from, MM_MIGRATE_ASYNC, &folios, split,
				 NR_MAX_MIGRATE_ASYNC_RETRY);
	c->st = st;
	st->nr_succeeded += astats.nr_succeeded;
	st->nr_thp_succeeded += astats.nr_thp_succeeded;
	st->nr_thp_split += astats.nr_thp_split;
	st->nr_split += astats.nr_split;
	if (rc < 0) {
		st->nr_failed_pages += astats.nr_failed_pages;
		st->nr_thp_failed += astats.nr_thp_failed;
		for (int i = 0; i < MM_MIGRATE_NR_FAIL; i++)
			if (astats.nr_failed[i]) {
				if (!st->nr_failed[i])
					st->first_pfn[i] = astats.first_pfn[i];
				st->nr_failed[i] += astats.nr_failed[i];
			}
		list_splice_init(&folios, ret);
		return rc;
	}
	st->nr_thp_failed += astats.nr_thp_split;
	nr_failed += (int)astats.nr_split;
	/* every failed folio but the split ones is retried: its failure is
	 * not counted yet */
	list_splice_init(&folios, from);
	while (!list_empty(from)) {
		list_move_tail(from->next, &one);
		rc = migrate_pages_batch(c, &one, mode, ret, split, NR_MAX_MIGRATE_SYNC_RETRY);
		while (!list_empty(&one))
			list_move_tail(one.next, ret);
		if (rc < 0)
			return rc;
		nr_failed += rc;
	}
	return nr_failed;
}

int migrate_pages(struct mm *m, struct list_head *from, new_folio_fn get_new,
		  free_folio_fn put_new, void *priv, int mode, int reason,
		  struct mm_migrate_result *res)
{
	struct mm_migrate_result local, before;
	struct migrate_ctx c = { m, get_new, put_new, priv, reason, res ? res : &local };
	struct list_head folios, ret, split;
	struct mm_cpu *cpu = this_cpu(m);
	int rc, rc_gather = 0;

	memset(&local, 0, sizeof(local));
	before = *c.st;
	INIT_LIST_HEAD(&ret);
	INIT_LIST_HEAD(&split);
	while (!list_empty(from)) {
		unsigned long nr_pages = 0;

		/* a batch of at most NR_MAX_BATCHED_MIGRATION base pages */
		INIT_LIST_HEAD(&folios);
		while (!list_empty(from) && nr_pages < NR_MAX_BATCHED_MIGRATION) {
			struct page *h = list_first_entry(from, struct page, lru);

			nr_pages += 1ul << h->private;
			list_move_tail(&h->lru, &folios);
		}
		if (mode == MM_MIGRATE_ASYNC)
			rc = migrate_pages_batch(&c, &folios, mode, &ret, &split,
						 NR_MAX_MIGRATE_PAGES_RETRY);
		else
			rc = migrate_pages_sync(&c, &folios, mode, &ret, &split);
		while (!list_empty(&folios))
			list_move_tail(folios.next, &ret);
		if (rc < 0) {
			rc_gather = rc;
			while (!list_empty(&split))
				list_move_tail(split.next, &ret);
			break;
		}
		if (!list_empty(&split)) {
			/* the pieces of split folios: one ASYNC pass, failures
			 * not counted again */
			migrate_pages_batch(&c, &split, MM_MIGRATE_ASYNC, &ret, NULL, 1);
			while (!list_empty(&split))
				list_move_tail(split.next, &ret);
		}
		rc_gather += rc;
	}
	while (!list_empty(&ret))
		list_move_tail(ret.next, from);
	if (list_empty(from))
		rc_gather = 0;
	if (cpu) {      /* this call's share of what res gathers */
		count_vm_events(cpu, PGMIGRATE_SUCCESS, c.st->nr_succeeded - before.nr_succeeded);
		count_vm_events(cpu, PGMIGRATE_FAIL, c.st->nr_failed_pages - before.nr_failed_pages);
		count_vm_events(cpu, THP_MIGRATION_SUCCESS,
				c.st->nr_thp_succeeded - before.nr_thp_succeeded);
		count_vm_events(cpu, THP_MIGRATION_FAIL, c.st->nr_thp_failed - before.nr_thp_failed);
		count_vm_events(cpu, THP_MIGRATION_SPLIT, c.st->nr_thp_split - before.nr_thp_split);
	}
	(void)reason;
	return rc_gather;
}

/* ---- targets ---------------------------------------------------------------------- */

struct page *alloc_migration_target(struct page *src, unsigned order, void *priv)
{
	struct migration_target_control *mtc = priv;
	struct mm *m = mtc->m;
	struct zone *z = page_zone(m, src);
	gfp_t gfp = mtc->gfp_mask;
	int nid = mtc->nid < 0 ? z->node : mtc->nid;

	if (order) {
		gfp = (gfp & ~__GFP_RECLAIM) | GFP_TRANSHUGE;
		if (!(src->flags & PG_head))
			gfp &= ~__GFP_COMP;
		if (!(mtc->gfp_mask & __GFP_MOVABLE))   /* memalloc_pin_save() */
			gfp &= ~__GFP_MOVABLE;
	}
	if (z->idx == ZONE_MOVABLE && (gfp & __GFP_MOVABLE))
		gfp |= __GFP_HIGHMEM;
	return mm_alloc_pages_node(m, nid, gfp | __GFP_NOWARN, order);
}

void free_migration_target(struct page *dst, unsigned order, void *priv)
{
	struct migration_target_control *mtc = priv;

	mm_free_pages(mtc->m, dst, order);
}

int migrate_range(struct mm *m, unsigned long start, unsigned long end, int mode,
		  int reason, struct mm_migrate_result *res)
{
	struct migration_target_control mtc = {
		.m = m, .nid = pfn_zone(m, start)->node,
		.gfp_mask = GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL, .reason = reason,
	};
	struct list_head list;
	int ret, rc;

	INIT_LIST_HEAD(&list);
	ret = isolate_migratepages_range(m, start, end, &list, res);
	rc = migrate_pages(m, &list, alloc_migration_target, free_migration_target, &mtc,
			   mode, reason, res);
	if (!list_empty(&list)) {
		putback_movable_pages(m, &list);
		ret = rc == -ENOMEM ? -ENOMEM : -EBUSY;
	}
	return ret;
}

/* ---- mm_migrate_pages --------------------------------------------------------------- */

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

long mm_migrate_pages(struct mm *m, const unsigned long *pfns, size_t n, int node, int mode,
		      struct mm_migrate_result *res)
{
	struct migration_target_control mtc = {
		.m = m, .nid = node, .gfp_mask = GFP_HIGHUSER_MOVABLE, .reason = MR_SYSCALL,
	};
	struct mm_migrate_result local;
	struct list_head list;
	struct page **heads;
	long failed = 0;
	size_t k = 0;
	int rc;

	if (!m)
		return -EINVAL;
	if (!this_cpu(m))
		return mm_unbound_error(m, "migrate_pages");
	if (mode < MM_MIGRATE_ASYNC || mode > MM_MIGRATE_SYNC)
		return mm_error(m, EINVAL, "migrate_pages: mode %d is not MIGRATE_ASYNC, "
				"MIGRATE_SYNC_LIGHT or MIGRATE_SYNC", mode);
	if (node < -1 || node >= m->nr_nodes)
		return mm_error(m, EINVAL, "migrate_pages: node %d does not exist", node);
	if (n && !pfns)
		return mm_error(m, EINVAL, "migrate_pages: no pfn array");
	for (size_t i = 0; i < n; i++)
		if (pfns[i] >= m->nr_pages)
			return mm_error(m, EINVAL, "migrate_pages: pfn %#lx is outside the machine "
					"(%lu page frames)", pfns[i], m->nr_pages);
	if (node >= 0)
		mtc.gfp_mask |= __GFP_THISNODE;
	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	heads = malloc((n ? n : 1) * sizeof(*heads));
	if (!heads)
		return mm_error(m, ENOMEM, "migrate_pages: out of memory");
	INIT_LIST_HEAD(&list);
	rmap_lock(m);
	for (size_t i = 0; i < n; i++) {
		struct page *h = folio_of(m, pfn_to_page(m, pfns[i]));

		if (h)
			heads[k++] = h;
		else
			fail_note(res, MM_MIGRATE_FAIL_FREE, pfns[i]), failed++;
	}
	qsort(heads, k, sizeof(*heads), cmp_ptr);
	for (size_t i = 0; i < k; i++) {
		int why;

		if (i && heads[i] == heads[i - 1])
			continue;
		why = __isolate_movable_folio(m, heads[i], mode, false, &list);
		if (why != ISOLATE_OK) {
			fail_note(res, why, page_to_pfn(m, heads[i]));
			failed++;
		}
	}
	rmap_unlock(m);
	free(heads);
	rc = migrate_pages(m, &list, alloc_migration_target, free_migration_target, &mtc, mode,
			   MR_SYSCALL, res);
	if (!list_empty(&list)) {
		struct list_head *e;

		list_for_each(e, &list)
			if (rc == -ENOMEM)
				failed++;
		putback_movable_pages(m, &list);
	}
	return failed + (rc > 0 ? rc : 0);
}

/* ---- boot, validate ------------------------------------------------------------------ */

int migrate_init(struct mm *m)
{
	m->migrate = calloc(1, sizeof(*m->migrate));
	if (!m->migrate)
		return -ENOMEM;
	INIT_LIST_HEAD(&m->migrate->owners);
	INIT_LIST_HEAD(&m->migrate->processes);
	m->migrate->next_pid = 1;
	m->release_owned = migrate_release_owned;
	return 0;
}

void migrate_exit(struct mm *m)
{
	if (!m->migrate)
		return;
	while (!list_empty(&m->migrate->owners)) {
		struct mm_movable_owner *o =
			list_first_entry(&m->migrate->owners, struct mm_movable_owner, list);

		list_del(&o->list);
		free(o);
	}
	free(m->migrate);
	m->migrate = NULL;
}

#define FAIL(sb, ...) do { sb_printf((sb), __VA_ARGS__); return -1; } while (0)

static int check_owned_head(struct mm *m, struct page *p, unsigned long pfn,
			    unsigned long *isolated, struct strbuf *err)
{
	unsigned long flags = p->flags;
	struct mm_movable_owner *o = folio_owner(p);

	if (flags & PG_isolated) {
		(*isolated)++;
		if (p->_refcount < 1)
			FAIL(err, "pfn %#lx is isolated for migration without a reference", pfn);
	}
	if (!(flags & PG_owned)) {
		if (flags & PG_anon)
			FAIL(err, "pfn %#lx is PG_anon without an owner", pfn);
		return 0;
	}
	if (!owner_known(m, o))
		FAIL(err, "pfn %#lx names owner %p, which is not registered", pfn, p->freelist);
	if (!!(flags & PG_anon) != !!o->proc)
		FAIL(err, "pfn %#lx: PG_anon %s but its owner %s a process", pfn,
		     (flags & PG_anon) ? "set" : "clear", o->proc ? "is" : "is not");
	o->seen++;
	return 0;
}

/* Walk every zone's blocks; check owned and isolated heads. */
static int migrate_walk_zones(struct mm *m, unsigned long *isolated, struct strbuf *err)
{
	int ret = 0;

	for (int id = 0; id < m->nr_zones && !ret; id++) {
		struct zone *z = zone_by_id(m, id);
		unsigned long pfn = z->zone_start_pfn, end = pfn + z->spanned_pages;

		zone_lock(z);
		while (pfn < end && !ret) {
			struct page *p = pfn_to_page(m, pfn);

			if (!(p->flags & (PG_buddy | PG_pcp)) && p->_refcount > 0)
				ret = check_owned_head(m, p, pfn, isolated, err);
			else if (p->flags & (PG_owned | PG_anon | PG_isolated))
				ret = -1, sb_printf(err, "pfn %#lx is not an allocated head but "
						    "is flagged movable (flags %#lx)", pfn, p->flags);
			pfn += 1ul << (p->private <= m->max_order ? p->private : 0);
		}
		zone_unlock(z);
	}
	return ret;
}

int migrate_validate(struct mm *m, struct strbuf *err)
{
	struct migrate_state *ms = m->migrate;
	unsigned long isolated = 0;
	struct list_head *e;
	int ret;

	if (!ms)
		return 0;
	rmap_lock(m);
	list_for_each(e, &ms->owners)
		list_entry(e, struct mm_movable_owner, list)->seen = 0;
	ret = migrate_walk_zones(m, &isolated, err);
	list_for_each(e, &ms->owners) {
		struct mm_movable_owner *o = list_entry(e, struct mm_movable_owner, list);

		if (!ret && o->seen != o->nr_folios)
			ret = -1, sb_printf(err, "owner %s counts %lu movable folios, %lu carry it",
					    o->name, o->nr_folios, o->seen);
	}
	if (!ret && isolated != ms->nr_isolated)
		ret = -1, sb_printf(err, "%lu folios carry PG_isolated, nr_isolated says %lu",
				    isolated, ms->nr_isolated);
	rmap_unlock(m);
	return ret;
}
