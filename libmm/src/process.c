// SPDX-License-Identifier: GPL-2.0-only
/*
 * process.c - user address spaces (the kernel's mm_struct and page tables,
 * reduced): page faults that allocate and map movable folios, munmap,
 * pin_user_pages/unpin_user_page, and the process's side of migration
 * (remove_migration_ptes: the page table and the real mapping follow the
 * folio to its new frame).
 *
 * A process owns [0, task_size) of user addresses (machine key task_size=,
 * 16G by default).  Two things describe what is mapped there:
 *   - its page table: a PMD-level array of task_size >> 21 pointers to PTE
 *     tables of 512 entries, allocated on first use and freed when empty
 *     (each entry counts its table's present PTEs); the array is an
 *     anonymous mapping, so only the pages of it in use cost host memory.  A PTE is
 *     (pfn << 1) | 1 or 0.  A folio of order n fills 2^n consecutive PTEs;
 *     its head page carries PG_anon with the process's owner and its user
 *     address (the reverse map, mm/rmap.c in spirit: one mapping per folio,
 *     there is no fork);
 *   - a real mapping in this process: at creation task_size bytes of
 *     address space are reserved PROT_NONE; a fault maps the folio's frames
 *     from the machine's memfd at base + addr (MAP_SHARED|MAP_FIXED, one
 *     mmap per folio), so bytes written through the mapping are the bytes
 *     of the frame in the direct map; munmap puts the reservation back.
 *     With backing=none there is no mapping (page tables only).
 * Page tables live in this process's heap, not in the machine's memory
 * (the kernel allocates them from the page allocator, unmovable).
 *
 * Faults (do_anonymous_page): the folio is allocated first, with no lock
 * held - GFP_HIGHUSER_MOVABLE|__GFP_ZERO for order 0, GFP_TRANSHUGE (a
 * compound page, direct compaction allowed: THP defrag=always) above, so a
 * fault can compact - then mapped under rmap_lock if the range is still
 * empty.  Pageblock-order faults count thp_fault_alloc/thp_fault_fallback.
 *
 * Pins (mm/gup.c): a pin is one more reference on the folio's head
 * (_refcount = 1 + pins, + 1 while isolated); a pinned folio does not
 * migrate.  FOLL_LONGTERM first migrates a folio that is not longterm
 * pinnable (ZONE_MOVABLE, or a CMA or isolated pageblock) to GFP_USER memory, the
 * check_and_migrate_movable_folios() way, and fails with -ENOMEM when that
 * migration fails.  Simplification: a pinned folio cannot be unmapped
 * (-EBUSY: unpin first), where the kernel unmaps it and lets the pin keep
 * the page alive.
 *
 * Locking: rmap_lock (lock 6 of mm_types.h) guards every process's tables, counters and
 * mappings (mmap/munmap of its range run under it, so migration's remap
 * and a fault never race).  The allocation of a fault, and the migration
 * of a longterm pin, run without it.  Accesses through the mapping by other
 * threads are not serialised with migration (mm_process_read/write are):
 * a page another thread writes while it migrates may lose the write - pin
 * it, as a driver doing DMA would.
 *
 * Invariants (process_validate): every present PTE maps a page of a folio
 * whose head is PG_anon, owned by this process, at the address of its
 * first PTE, and the folio's PTEs are consecutive frames; rss, the folio
 * count (the owner's nr_folios), pins (sum of _refcount - 1 - isolated),
 * the PMD entries' counts and the table count match the tables.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "movable.h"

#define PTRS_PER_PTE 512ul
#define PMD_SHIFT    (PAGE_SHIFT + 9)
#define PMD_SIZE     (1ul << PMD_SHIFT)
#define PTE_PRESENT  1ul
#define GUP_PIN_MAX  (1 << 30)

struct mm_process {
	struct list_head list;          /* migrate_state.processes (rmap_lock) */
	struct mm *m;
	struct mm_movable_owner *owner; /* owner of its user pages */
	int pid;
	unsigned long task_size;
	char *base;                     /* host reservation; NULL: backing=none */
	unsigned long nr_pmd;           /* task_size >> PMD_SHIFT */
	/* rmap_lock: */
	struct pmd {                    /* [nr_pmd], an anonymous mapping */
		unsigned long *pte;     /* PTE table or NULL */
		unsigned long used;     /* its present PTEs */
	} *pmd;
	unsigned long rss;              /* present PTEs */
	unsigned long nr_pinned;        /* pins held */
	unsigned long nr_pgtables;      /* PTE tables allocated */
	unsigned long nr_maps;          /* mmap calls made for mappings */
};

static inline void rmap_lock(struct mm *m)
{
	mm_lock(&m->rmap_lock, LOCK_RMAP);
}

static inline void rmap_unlock(struct mm *m)
{
	mm_unlock(&m->rmap_lock);
}

bool folio_is_longterm_pinnable(struct mm *m, struct page *head)
{
	struct zone *z = page_zone(m, head);
	int mt = get_pageblock_migratetype(z, page_to_pfn(m, head));

	if (mt == MIGRATE_CMA || mt == MIGRATE_ISOLATE)
		return false;
	return z->idx != ZONE_MOVABLE;
}

/* ---- page tables ------------------------------------------------------------ */

static inline unsigned long *pte_lookup(struct mm_process *p, unsigned long addr)
{
	unsigned long *t = p->pmd[addr >> PMD_SHIFT].pte;

	return t ? &t[(addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)] : NULL;
}

static inline bool pte_present(const unsigned long *pte)
{
	return pte && (*pte & PTE_PRESENT);
}

static inline unsigned long pte_pfn(unsigned long pte)
{
	return pte >> 1;
}

static unsigned long *pte_alloc(struct mm_process *p, unsigned long addr)
{
	unsigned long i = addr >> PMD_SHIFT;

	if (!p->pmd[i].pte) {
		p->pmd[i].pte = calloc(PTRS_PER_PTE, sizeof(unsigned long));
		if (!p->pmd[i].pte)
			return NULL;
		p->nr_pgtables++;
	}
	return &p->pmd[i].pte[(addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)];
}

static void pte_set(struct mm_process *p, unsigned long addr, unsigned long pfn)
{
	unsigned long *pte = pte_lookup(p, addr);

	if (!(*pte & PTE_PRESENT)) {
		p->pmd[addr >> PMD_SHIFT].used++;
		p->rss++;
	}
	*pte = (pfn << 1) | PTE_PRESENT;
}

/* pte_clear(), freeing the PTE table once it is empty (free_pgtables). */
static void pte_clear(struct mm_process *p, unsigned long addr)
{
	unsigned long i = addr >> PMD_SHIFT;

	p->pmd[i].pte[(addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)] = 0;
	p->rss--;
	if (!--p->pmd[i].used) {
		free(p->pmd[i].pte);
		p->pmd[i].pte = NULL;
		p->nr_pgtables--;
	}
}

static bool range_mapped(struct mm_process *p, unsigned long addr, unsigned long nr)
{
	for (unsigned long i = 0; i < nr; i++)
		if (pte_present(pte_lookup(p, addr + i * PAGE_SIZE)))
			return true;
	return false;
}

/* The folio head mapped at addr, or NULL. */
static struct page *folio_at(struct mm_process *p, unsigned long addr)
{
	unsigned long *pte = pte_lookup(p, addr);

	if (!pte_present(pte))
		return NULL;
	return folio_of(p->m, pfn_to_page(p->m, pte_pfn(*pte)));
}

static inline unsigned folio_order(const struct page *head)
{
	return (unsigned)head->private;
}

/* Pins on a folio: references beyond the mapping and an isolation. */
static inline long folio_pins(const struct page *head)
{
	return head->_refcount - 1 - !!(head->flags & PG_isolated);
}

/* ---- the real mapping -------------------------------------------------------- */

static int map_frames(struct mm_process *p, unsigned long addr, unsigned long pfn,
		      unsigned long nr)
{
	void *want = p->base + addr;

	if (!p->base)
		return 0;
	if (mmap(want, nr * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 p->m->memfd, (off_t)(pfn * PAGE_SIZE)) == MAP_FAILED)
		return -errno;
	p->nr_maps++;
	return 0;
}

static int unmap_range(struct mm_process *p, unsigned long addr, unsigned long len)
{
	if (!p->base)
		return 0;
	if (mmap(p->base + addr, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

/* ---- migration: remove_migration_ptes() -------------------------------------- */

/* The owner's migrate_page for user pages: the page table and the real
 * mapping now point at dst.  rmap_lock held (migrate.c). */
static int process_migrate_folio(void *arg, struct page *dst, struct page *src,
				 unsigned long addr, int mode)
{
	struct mm_process *p = arg;
	struct mm *m = p->m;
	unsigned long nr = 1ul << folio_order(src), dpfn = page_to_pfn(m, dst);
	int err;

	(void)mode;
	err = map_frames(p, addr, dpfn, nr);
	if (err)
		return err;
	for (unsigned long i = 0; i < nr; i++)
		pte_set(p, addr + i * PAGE_SIZE, dpfn + i);
	return 0;
}

static const struct mm_movable_operations process_mops = {
	.migrate_page = process_migrate_folio,
};

/* ---- create, destroy ---------------------------------------------------------- */

struct mm_process *mm_process_create(struct mm *m)
{
	struct mm_process *p;
	char name[32];

	if (!m)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto oom;
	p->m = m;
	p->task_size = m->cfg.task_size;
	p->nr_pmd = p->task_size >> PMD_SHIFT;
	/* zero pages until used: a process costs the host the pages of the
	 * PMD array it touches, not 16 bytes per 2M of task_size up front */
	p->pmd = mmap(NULL, p->nr_pmd * sizeof(*p->pmd), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->pmd == MAP_FAILED) {
		p->pmd = NULL;
		goto oom;
	}
	if (m->direct_map) {
		p->base = mmap(NULL, p->task_size, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p->base == MAP_FAILED) {
			p->base = NULL;
			goto oom;
		}
	}
	rmap_lock(m);
	p->pid = m->migrate->next_pid++;
	list_add_tail(&p->list, &m->migrate->processes);
	rmap_unlock(m);
	snprintf(name, sizeof(name), "process %d", p->pid);
	p->owner = owner_register(m, name, &process_mops, p, p, p->pid);
	if (!p->owner) {
		rmap_lock(m);
		list_del(&p->list);
		rmap_unlock(m);
		goto oom;
	}
	return p;
oom:
	if (p) {
		if (p->base)
			munmap(p->base, p->task_size);
		if (p->pmd)
			munmap(p->pmd, p->nr_pmd * sizeof(*p->pmd));
		free(p);
	}
	mm_error(m, ENOMEM, "process_create: out of memory for an address space of %lu bytes",
		 m->cfg.task_size);
	return NULL;
}

static void process_free(struct mm_process *p)
{
	for (unsigned long i = 0; p->nr_pgtables && i < p->nr_pmd; i++)
		if (p->pmd[i].pte) {
			free(p->pmd[i].pte);
			p->nr_pgtables--;
		}
	if (p->base)
		munmap(p->base, p->task_size);
	munmap(p->pmd, p->nr_pmd * sizeof(*p->pmd));
	free(p);
}

/* The folio mapped at the first mapped address of [*addr, end), *addr
 * moved there; NULL when nothing is mapped in it.  rmap_lock held. */
static struct page *next_folio(struct mm_process *p, unsigned long *addr, unsigned long end)
{
	for (; *addr < end; *addr += PAGE_SIZE) {
		struct page *head = folio_at(p, *addr);

		if (head)
			return head;
	}
	return NULL;
}

/* Unmap and release every folio of [addr, end); rmap_lock held, the range
 * checked.  The real mapping has been put back already. */
static void __unmap_folios(struct mm_process *p, unsigned long addr, unsigned long end,
			   bool drop_pins)
{
	struct page *head;

	while ((head = next_folio(p, &addr, end))) {
		unsigned long nr = 1ul << folio_order(head);

		for (unsigned long i = 0; i < nr; i++)
			pte_clear(p, head->index + i * PAGE_SIZE);
		addr = head->index + nr * PAGE_SIZE;
		if (drop_pins) {
			long pins = folio_pins(head);

			head->_refcount -= (int)pins;
			p->nr_pinned -= (unsigned long)pins;
		}
		__folio_release(p->m, head);
	}
}

void mm_process_destroy(struct mm_process *p)
{
	struct mm *m;

	if (!p)
		return;
	m = p->m;
	if (!this_cpu(m)) {                     /* the process stays */
		mm_unbound_error(m, "process_destroy(pid %d)", p->pid);
		return;
	}
	rmap_lock(m);
	unmap_range(p, 0, p->task_size);
	__unmap_folios(p, 0, p->task_size, true);
	list_del(&p->list);
	rmap_unlock(m);
	owner_unregister(p->owner);
	process_free(p);
}

/* mm_destroy(): the machine's memory goes as a whole; only what lives
 * outside it is freed. */
void process_exit_all(struct mm *m)
{
	while (m->migrate && !list_empty(&m->migrate->processes)) {
		struct mm_process *p = list_first_entry(&m->migrate->processes,
							struct mm_process, list);

		list_del(&p->list);
		process_free(p);
	}
}

/* ---- faults -------------------------------------------------------------------- */

static int check_range(struct mm_process *p, const char *fn, unsigned long addr,
		       unsigned long len, unsigned long align)
{
	if ((addr | len) & (align - 1))
		return mm_error(p->m, EINVAL, "%s: address %#lx / length %#lx not aligned to %#lx",
				fn, addr, len, align);
	if (!len || addr >= p->task_size || len > p->task_size - addr)
		return mm_error(p->m, EINVAL, "%s: [%#lx, %#lx) is outside process %d's address "
				"space [0, %#lx)", fn, addr, addr + len, p->pid, p->task_size);
	return 0;
}

static int fault_checks(struct mm_process *p, unsigned long addr, unsigned order)
{
	struct mm *m = p->m;

	if (!this_cpu(m))
		return mm_unbound_error(m, "process_fault");
	if (order > m->max_order)
		return mm_error(m, EINVAL, "process_fault: order %u is above max_page_order %u",
				order, m->max_order);
	return check_range(p, "process_fault", addr, PAGE_SIZE << order, PAGE_SIZE << order);
}

/* Map a new folio at addr, if the range is still empty; rmap_lock held.
 * 0, -EEXIST, or -errno of a failed table allocation or mmap. */
static int __install_folio(struct mm_process *p, unsigned long addr, struct page *page,
			   unsigned long nr)
{
	unsigned long pfn = page_to_pfn(p->m, page);
	int err;

	if (range_mapped(p, addr, nr))
		return -EEXIST;
	for (unsigned long i = 0; i < nr; i += PTRS_PER_PTE)
		if (!pte_alloc(p, addr + i * PAGE_SIZE))
			return -ENOMEM;
	err = map_frames(p, addr, pfn, nr);
	if (err)
		return err;
	for (unsigned long i = 0; i < nr; i++)
		pte_set(p, addr + i * PAGE_SIZE, pfn + i);
	__folio_set_owner(page, p->owner, addr);
	return 0;
}

int mm_process_fault(struct mm_process *p, unsigned long addr, unsigned order)
{
	if (!p)
		return -EINVAL;
	struct mm *m = p->m;
	unsigned long nr = 1ul << order;
	struct mm_cpu *cpu;
	struct page *page;
	bool busy;
	gfp_t gfp = (order ? GFP_TRANSHUGE : GFP_HIGHUSER_MOVABLE) | __GFP_ZERO;
	int err;

	err = fault_checks(p, addr, order);
	if (err)
		return err;
	rmap_lock(m);
	busy = range_mapped(p, addr, nr);
	rmap_unlock(m);
	if (busy)
		return mm_error(m, EEXIST, "process_fault: process %d has pages mapped in "
				"[%#lx, %#lx) already", p->pid, addr, addr + (nr << PAGE_SHIFT));
	page = mm_alloc_pages(m, gfp, order);
	cpu = this_cpu(m);
	if (order && order == m->pageblock_order)
		count_vm_events(cpu, page ? THP_FAULT_ALLOC : THP_FAULT_FALLBACK, 1);
	if (!page)
		return -ENOMEM;
	rmap_lock(m);
	err = __install_folio(p, addr, page, nr);
	rmap_unlock(m);
	if (!err)
		return 0;
	mm_free_pages(m, page, order);
	if (err == -EEXIST)
		return mm_error(m, EEXIST, "process_fault: process %d: [%#lx, %#lx) was mapped "
				"meanwhile", p->pid, addr, addr + (nr << PAGE_SHIFT));
	return mm_error(m, ENOMEM, "process_fault: process %d: cannot map [%#lx, %#lx): %s "
			"(vm.max_map_count?)", p->pid, addr, addr + (nr << PAGE_SHIFT),
			strerror(-err));
}

/* ---- munmap ----------------------------------------------------------------------- */

/* Every folio in [addr, end) lies wholly inside and is not pinned?
 * rmap_lock held; 0 or -errno with *bad the offending address. */
static int unmap_check(struct mm_process *p, unsigned long addr, unsigned long end,
		       unsigned long *bad)
{
	struct page *head;

	while ((head = next_folio(p, &addr, end))) {
		unsigned long fend = head->index + (PAGE_SIZE << folio_order(head));

		*bad = head->index;
		if (head->index < addr || fend > end)
			return -EINVAL;
		if (folio_pins(head) > 0)
			return -EBUSY;
		addr = fend;
	}
	return 0;
}

int mm_process_unmap(struct mm_process *p, unsigned long addr, unsigned long len)
{
	if (!p)
		return -EINVAL;
	struct mm *m = p->m;
	unsigned long bad = 0;
	int err;

	if (!this_cpu(m))
		return mm_unbound_error(m, "process_unmap");
	err = check_range(p, "process_unmap", addr, len, PAGE_SIZE);
	if (err)
		return err;
	rmap_lock(m);
	err = unmap_check(p, addr, addr + len, &bad);
	if (!err)
		err = unmap_range(p, addr, len);
	if (!err)
		__unmap_folios(p, addr, addr + len, false);
	rmap_unlock(m);
	if (err == -EINVAL)
		return mm_error(m, EINVAL, "process_unmap: [%#lx, %#lx) cuts the large folio "
				"mapped at %#lx of process %d (unmap it whole)", addr, addr + len,
				bad, p->pid);
	if (err == -EBUSY)
		return mm_error(m, EBUSY, "process_unmap: the folio at %#lx of process %d is "
				"pinned (unpin it first)", bad, p->pid);
	if (err)
		return mm_error(m, -err, "process_unmap: cannot unmap [%#lx, %#lx): %s", addr,
				addr + len, strerror(-err));
	return 0;
}

/* ---- lookups and access ------------------------------------------------------------ */

unsigned long mm_process_pfn(struct mm_process *p, unsigned long addr)
{
	if (!p)
		return MM_PFN_INVALID;
	unsigned long *pte, pfn = MM_PFN_INVALID;

	if (addr < p->task_size) {
		rmap_lock(p->m);
		pte = pte_lookup(p, addr);
		if (pte_present(pte))
			pfn = pte_pfn(*pte);
		rmap_unlock(p->m);
	}
	if (pfn == MM_PFN_INVALID)
		mm_error(p->m, EFAULT, "process_pfn: nothing is mapped at %#lx in process %d",
			 addr, p->pid);
	return pfn;
}

void *mm_process_host_address(struct mm_process *p, unsigned long addr)
{
	if (!p)
		return NULL;
	if (!p->base) {
		mm_error(p->m, ENXIO, "process_host_address: the machine has no memory behind its "
			 "pages (backing=none)");
		return NULL;
	}
	if (mm_process_pfn(p, addr) == MM_PFN_INVALID)
		return NULL;
	return p->base + addr;
}

static int process_access(struct mm_process *p, const char *fn, unsigned long addr,
			  void *buf, size_t len, bool write)
{
	struct mm *m = p->m;
	unsigned long first, last, hole = 0;
	bool ok = true;

	if (!p->base)
		return mm_error(m, ENXIO, "%s: the machine has no memory behind its pages "
				"(backing=none)", fn);
	if (!len)
		return 0;
	if (addr >= p->task_size || len > p->task_size - addr)
		return mm_error(m, EFAULT, "%s: [%#lx, %#lx) is outside process %d's address space",
				fn, addr, addr + len, p->pid);
	if (!buf)
		return mm_error(m, EINVAL, "%s: no buffer", fn);
	first = addr & ~(PAGE_SIZE - 1);
	last = (addr + len - 1) & ~(PAGE_SIZE - 1);
	rmap_lock(m);
	for (unsigned long a = first; a <= last && ok; a += PAGE_SIZE)
		if (!pte_present(pte_lookup(p, a)))
			ok = false, hole = a;
	if (ok) {
		if (write)
			memcpy(p->base + addr, buf, len);
		else
			memcpy(buf, p->base + addr, len);
	}
	rmap_unlock(m);
	if (!ok)
		return mm_error(m, EFAULT, "%s: nothing is mapped at %#lx in process %d", fn, hole,
				p->pid);
	return 0;
}

int mm_process_read(struct mm_process *p, unsigned long addr, void *buf, size_t len)
{
	if (!p)
		return -EINVAL;
	return process_access(p, "process_read", addr, buf, len, false);
}

int mm_process_write(struct mm_process *p, unsigned long addr, const void *buf, size_t len)
{
	if (!p)
		return -EINVAL;
	return process_access(p, "process_write", addr, (void *)buf, len, true);
}

/* ---- pins ---------------------------------------------------------------------------- */

/* check_and_migrate_movable_folios() for one folio: move it out of
 * ZONE_MOVABLE or CMA.  0 when it moved; -errno otherwise (reported). */
static int migrate_longterm_unpinnable(struct mm_process *p, struct page *head,
				       unsigned long addr)
{
	struct mm *m = p->m;
	struct migration_target_control mtc = {
		.m = m, .nid = -1, .gfp_mask = GFP_USER | __GFP_NOWARN, .reason = MR_LONGTERM_PIN,
	};
	struct mm_migrate_result res;
	struct list_head list;
	int why;

	memset(&res, 0, sizeof(res));
	INIT_LIST_HEAD(&list);
	why = __isolate_movable_folio(m, head, MM_MIGRATE_SYNC, false, &list);
	rmap_unlock(m);
	if (why != ISOLATE_OK)
		return mm_error(m, EAGAIN, "process_pin: FOLL_LONGTERM: the folio at %#lx of "
				"process %d is in ZONE_MOVABLE or CMA and cannot be isolated (%s)", addr,
				p->pid, mm_migrate_fail_name(why));
	migrate_pages(m, &list, alloc_migration_target, free_migration_target, &mtc,
		      MM_MIGRATE_SYNC, MR_LONGTERM_PIN, &res);
	if (list_empty(&list))
		return 0;
	putback_movable_pages(m, &list);
	for (why = 0; why < MM_MIGRATE_NR_FAIL && !res.nr_failed[why]; why++)
		;
	return mm_error(m, ENOMEM, "process_pin: FOLL_LONGTERM: the folio at %#lx of process %d "
			"is in ZONE_MOVABLE or CMA and could not be migrated out (%s)", addr, p->pid,
			why < MM_MIGRATE_NR_FAIL ? mm_migrate_fail_name(why) : "unknown");
}

long mm_process_pin(struct mm_process *p, unsigned long addr, unsigned int foll_flags)
{
	if (!p)
		return -EINVAL;
	struct mm *m = p->m;
	struct page *head;
	unsigned long *pte, pfn;
	int err;

	if (!this_cpu(m))
		return mm_unbound_error(m, "process_pin");
	if (foll_flags & ~MM_FOLL_LONGTERM)
		return mm_error(m, EINVAL, "process_pin: unknown FOLL flags %#x",
				foll_flags & ~MM_FOLL_LONGTERM);
	if (addr >= p->task_size)
		return mm_error(m, EFAULT, "process_pin: %#lx is outside process %d's address space",
				addr, p->pid);
	for (int tries = 0;; tries++) {
		rmap_lock(m);
		pte = pte_lookup(p, addr);
		if (!pte_present(pte)) {
			rmap_unlock(m);
			return mm_error(m, EFAULT, "process_pin: nothing is mapped at %#lx in "
					"process %d", addr, p->pid);
		}
		pfn = pte_pfn(*pte);
		head = folio_of(m, pfn_to_page(m, pfn));
		if (!(foll_flags & MM_FOLL_LONGTERM) || folio_is_longterm_pinnable(m, head))
			break;
		if (tries == 2) {
			rmap_unlock(m);
			return mm_error(m, EAGAIN, "process_pin: FOLL_LONGTERM: the folio at %#lx "
					"keeps landing in ZONE_MOVABLE or CMA", addr);
		}
		err = migrate_longterm_unpinnable(p, head, addr & ~(PAGE_SIZE - 1));
		if (err)
			return err;
	}
	if (folio_pins(head) >= GUP_PIN_MAX) {
		rmap_unlock(m);
		return mm_error(m, EOVERFLOW, "process_pin: the folio at %#lx has %d pins already",
				addr, GUP_PIN_MAX);
	}
	head->_refcount++;
	p->nr_pinned++;
	rmap_unlock(m);
	return (long)pfn;
}

int mm_process_unpin(struct mm_process *p, unsigned long addr)
{
	if (!p)
		return -EINVAL;
	struct mm *m = p->m;
	struct page *head = NULL;
	bool ok = false;

	rmap_lock(m);
	if (addr < p->task_size && (head = folio_at(p, addr)) && folio_pins(head) > 0) {
		head->_refcount--;
		p->nr_pinned--;
		ok = true;
	}
	rmap_unlock(m);
	if (!ok)
		return mm_error(m, EINVAL, "process_unpin: %s at %#lx in process %d",
				head ? "the page is not pinned" : "nothing is mapped", addr, p->pid);
	return 0;
}

/* ---- info, walk ------------------------------------------------------------------------ */

int mm_process_info(struct mm_process *p, struct mm_process_info *out)
{
	if (!p || !out)
		return -EINVAL;
	rmap_lock(p->m);
	out->pid = p->pid;
	out->task_size = p->task_size;
	out->rss = p->rss;
	out->nr_folios = p->owner->nr_folios;
	out->nr_pinned = p->nr_pinned;
	out->nr_pgtables = p->nr_pgtables;
	out->nr_maps = p->nr_maps;
	rmap_unlock(p->m);
	return 0;
}

int mm_process_walk(struct mm_process *p,
		    int (*fn)(void *arg, unsigned long addr, unsigned long pfn, unsigned order,
			      unsigned long pins),
		    void *arg)
{
	if (!p || !fn)
		return -EINVAL;
	struct mm *m = p->m;
	struct { unsigned long addr, pfn, pins; unsigned order; } seen[PTRS_PER_PTE];
	int ret = 0;

	/* table by table: collect the folios that start in it under the lock,
	 * call fn without it (fn may call into libmm) */
	for (unsigned long i = 0; i < p->nr_pmd && !ret; i++) {
		unsigned n = 0;

		rmap_lock(m);
		for (unsigned long j = 0; p->pmd[i].pte && j < PTRS_PER_PTE; j++) {
			unsigned long addr = (i << PMD_SHIFT) + (j << PAGE_SHIFT);
			struct page *head;

			if (!(p->pmd[i].pte[j] & PTE_PRESENT) || (head = folio_at(p, addr))->index != addr)
				continue;
			seen[n].addr = addr;
			seen[n].pfn = page_to_pfn(m, head);
			seen[n].order = folio_order(head);
			seen[n].pins = (unsigned long)folio_pins(head);
			n++;
		}
		rmap_unlock(m);
		for (unsigned k = 0; k < n && !ret; k++)
			ret = fn(arg, seen[k].addr, seen[k].pfn, seen[k].order, seen[k].pins);
	}
	return ret;
}

/* ---- validate ------------------------------------------------------------------------------ */

#define FAIL(sb, ...) do { sb_printf((sb), __VA_ARGS__); return -1; } while (0)

/* One present PTE: its folio must be this process's, mapped in order. */
static int check_pte(struct mm_process *p, unsigned long addr, unsigned long pte,
		     unsigned long *folios, unsigned long *pins, struct strbuf *err)
{
	struct mm *m = p->m;
	unsigned long pfn = pte_pfn(pte);
	struct page *head;

	if (pfn >= m->nr_pages)
		FAIL(err, "process %d: the PTE of %#lx maps pfn %#lx, outside the machine",
		     p->pid, addr, pfn);
	head = folio_of(m, pfn_to_page(m, pfn));
	if (!head || !(head->flags & PG_anon) || folio_owner(head) != p->owner)
		FAIL(err, "process %d: %#lx maps pfn %#lx, which is not one of its user pages "
		     "(flags %#lx)", p->pid, addr, pfn, head ? head->flags : 0ul);
	if (addr < head->index || pfn - page_to_pfn(m, head) != (addr - head->index) >> PAGE_SHIFT)
		FAIL(err, "process %d: %#lx maps pfn %#lx, but the reverse map puts its folio "
		     "(pfn %#lx) at %#lx", p->pid, addr, pfn, page_to_pfn(m, head), head->index);
	if (addr == head->index) {
		(*folios)++;
		if (folio_pins(head) < 0)
			FAIL(err, "process %d: the folio at %#lx has %d references (< mapping)",
			     p->pid, addr, head->_refcount);
		*pins += (unsigned long)folio_pins(head);
	}
	return 0;
}

static int validate_one(struct mm_process *p, struct strbuf *err)
{
	unsigned long rss = 0, folios = 0, pins = 0, tables = 0;

	for (unsigned long i = 0; i < p->nr_pmd; i++) {
		unsigned long used = 0;

		if (!p->pmd[i].pte) {
			if (p->pmd[i].used)
				FAIL(err, "process %d: table %lu is gone but counts %lu PTEs", p->pid, i,
				     p->pmd[i].used);
			continue;
		}
		tables++;
		for (unsigned long j = 0; j < PTRS_PER_PTE; j++) {
			unsigned long pte = p->pmd[i].pte[j];

			if (!(pte & PTE_PRESENT))
				continue;
			used++;
			if (check_pte(p, (i << PMD_SHIFT) + (j << PAGE_SHIFT), pte, &folios, &pins, err))
				return -1;
		}
		if (!used || used != p->pmd[i].used)
			FAIL(err, "process %d: PTE table %lu holds %lu present entries, counted %lu",
			     p->pid, i, used, p->pmd[i].used);
		rss += used;
	}
	if (rss != p->rss || folios != p->owner->nr_folios || pins != p->nr_pinned ||
	    tables != p->nr_pgtables)
		FAIL(err, "process %d: page tables hold %lu pages in %lu folios with %lu pins in "
		     "%lu tables; counted rss %lu, folios %lu, pins %lu, tables %lu", p->pid, rss,
		     folios, pins, tables, p->rss, p->owner->nr_folios, p->nr_pinned, p->nr_pgtables);
	return 0;
}

int process_validate(struct mm *m, struct strbuf *err)
{
	struct list_head *e;
	int ret = 0;

	if (!m->migrate)
		return 0;
	rmap_lock(m);
	list_for_each(e, &m->migrate->processes) {
		ret = validate_one(list_entry(e, struct mm_process, list), err);
		if (ret)
			break;
	}
	rmap_unlock(m);
	return ret;
}
