// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmalloc.c - the vmalloc layer (mm/vmalloc.c): virtually contiguous areas
 * made of scattered page frames, mapped for real from the machine's memfd.
 *
 * Owns: the vmalloc range, reserved PROT_NONE at boot, and every vmap_area
 * in it.  Calls down into page_alloc (pages) and machine (memfd); nothing
 * calls into it but the entry points and the read-only reports/validator.
 *
 * Address space.  [VMALLOC_START, VMALLOC_END) = vmalloc_size= bytes
 * (default 4G, aligned to 2M) of one PROT_NONE, MAP_NORESERVE anonymous
 * reservation.  Every byte of it is in exactly one vmap_area of one tree:
 *
 *   busy   live areas, vmalloc (VM_ALLOC) or vmap (VM_MAP): [start, start +
 *          size) is mapped MAP_SHARED|MAP_FIXED from the memfd, one mmap per
 *          run of physically contiguous frames; the last page of the area
 *          (the guard page) stays PROT_NONE, so an overrun faults.
 *   lazy   freed areas ("unpurged vm_area"): already made inaccessible by
 *          vfree, so any access faults at once and can never reach a page
 *          frame handed to someone else; kept out of reuse until the purge,
 *          as the kernel keeps them until its TLB flush.  That also makes a
 *          use-after-free fault rather than hit the next allocation.
 *   free   reusable ranges, merged with their neighbours (never adjacent).
 *
 * Stale mappings.  What a mapping costs here decides the design (measured,
 * 6.18 in a 2-core VM, ns): anonymous mmap+munmap ~3500; a memfd mmap
 * MAP_FIXED into the middle of the reservation ~3600, of which ~2300 is the
 * two VMA splits (the same mapping into a hole costs ~1300); replacing it by
 * the reservation again ~1300 (teardown, merge); mprotect of whole VMAs
 * ~600; a memfd mmap MAP_FIXED exactly over a PROT_NONE memfd VMA of the
 * same extent, plus the mprotect(PROT_NONE) that frees it, ~2600 the pair.
 * So vfree does not tear the mapping down: it turns the area's VMAs
 * PROT_NONE in place (va_revoke: one mprotect, nothing splits) and leaves
 * them behind as "stale" mappings, counted in va->stale (its runs plus its
 * guard's VMA) and carried by the lazy area, then by the free block it
 * merges into (summed, an estimate: a new area takes at most two from the
 * block it is cut from, all of them when it takes the whole block).  A
 * later area placed on the range replaces them with its own MAP_FIXED mmap
 * (no reservation to split when it has the freed area's extent, which
 * first fit gives a same-size area: the steady state of alloc/free cycles).
 * Revival: vfree records a one-run area's stale mapping (start, length,
 * pfn) in a ring of VA_SLOTS (st->slots); va_alloc forgets every record
 * overlapping the range it hands out, passing the one with exactly the
 * area's start and size to the area (reuse_pfn/len).  When the area's
 * frames are that very run (the buddy handing back the block it was just
 * given, LIFO), one mprotect(RW) makes the mapping live again (~1000 ns the
 * pair with vfree's mprotect): no VMA made, and the page-table entries of
 * the frames touched before come back with it - the same frames, at the
 * same offsets of the memfd, so no stale translation can survive.  A
 * flush forgets every record.
 * Stale mappings cost VMAs (vm.max_map_count) and keep page tables alive,
 * so the flush (__va_flush) replaces them by the reservation, one anonymous
 * mmap per dirty free block (a contiguous run of purged areas, in address
 * order): after vfree has made max_map_count/64 stale mappings since the
 * last flush or holds that many, from vm_unmap_aliases, and when a mapping
 * fails for want of VMAs (then every free block, and the mapping is tried
 * once more).  The periodic flush matters: without it slots of a finished
 * pattern (another size, touched areas whose page tables every later
 * mprotect and teardown there must walk) are paid for by whoever lands on
 * them, ~20% at 1 MiB in the benchmark.  Not done: the real replacement at
 * every purge (mprotect at vfree, one remap per run of lazy areas): ~1200
 * per area of teardown at purge and a split reservation per new area,
 * 5,400 ns a pair against the 4,900 of remapping at vfree.  Whatever state
 * a range is in, PROT_NONE reservation or stale PROT_NONE memfd mapping,
 * outside live areas it faults.
 *
 * Trees.  Three AVL trees sorted by va_start, written here (va_tree_*).
 * Every node keeps subtree_max_size = max(size, left's, right's), kept up to
 * date on every insert, remove, rotation and in-place clip (va_fix); on the
 * free tree it makes the lowest-address first-fit search O(log n)
 * (va_find_lowest, the kernel's find_vmap_lowest_match without the climb:
 * a subtree whose max >= size + align - 1 is guaranteed to hold a fit).
 * Allocation clips the found block the kernel's four ways (va_clip: FL, LE,
 * RE, NE); the purge merges lazy areas into the free tree (va_merge).
 *
 * Lazy purge.  vfree adds the area's pages (guard included) to lazy.pages
 * and its stale mappings to lazy_maps; above lazy_max_pages = fls(cpus) *
 * 32M/4K (the kernel's lazy_max_pages()) or above lazy_max_maps = 16
 * mappings (a lazy area holds VMAs, and the fewer areas a batch holds, the
 * fewer fresh ranges - each a split reservation - the next batch needs)
 * every lazy area is merged into the free tree in one pass under the lock.
 * A failed range search purges and retries once, like alloc_vmap_area().
 *
 * Pages.  vm_area_alloc_pages as 6.18: order-0 pages from the bulk
 * allocator (mm_alloc_pages_bulk: this CPU's per-CPU list, refilled in
 * PFN order, so runs of neighbours are common), 100 a call, then one at a
 * time.  The frames then go into the area in PFN order (va_sort_frames):
 * the kernel keeps the order the bulk allocator returned, which after a
 * vfree is the reverse of the area's (the per-CPU lists are LIFO) - free
 * for page tables, one mapping per page here.  vmalloc_pages=blocks keeps libmm's earlier way: blocks from the
 * page allocator, largest order first (at most pageblock_order, never more
 * than what is left), asked for opportunistically (no reclaim, no reserves,
 * no warning) and falling back an order at a time down to order 0 with the
 * caller's GFP (a 1 MiB area is one order-8 call): fewer mappings, and a
 * different fragmentation of the buddy lists.  Blocks stay whole (not
 * split): pages[] lists every 4K frame, the head page of each block
 * carries PG_vmalloc (so mm_free_pages refuses it) and its order in
 * private; vfree clears PG_vmalloc and frees each block with its order.  Physically contiguous frames (one block, or blocks the buddy
 * handed out next to each other) are mapped with one mmap.  Any failure
 * part way (pages, mapping) undoes everything: the mapped prefix is
 * remapped PROT_NONE, the pages go back, the range goes back to the free
 * tree; NULL with ENOMEM, counted (VA_STATS) and logged like the kernel
 * ("vmalloc error: size %lu, failed to ...").  mmap fails when the process
 * runs out of mappings (vm.max_map_count), after one flush and retry: each
 * live area costs at least one mapping, plus one per extra contiguous run.
 *
 * Lock.  vmap_state.lock guards the three trees, the area and stale
 * counts and the slot records.  It is never held across a call into the page allocator or the
 * log (mm_error/mm_printk run the report callback, which may call back into
 * libmm), nor across an area's own mmap/mprotect; the flush's mmaps run
 * under it (they rewrite free blocks, which must not be handed out
 * meanwhile; rare, bounded by the stale budget).  No other libmm lock is
 * taken under it: 7 in the machine's lock order (mm_types.h), above only the
 * log's lock.  Area states:
 *   (free tree) -> busy|VM_UNINITIALIZED (range reserved, pages and mapping
 *   being made, outside the lock) -> busy (mapped, published) ->
 *   busy|VM_FREEING (vfree's mprotect outside the lock) -> lazy -> (free).
 * Only the thread that set VM_UNINITIALIZED or VM_FREEING touches the area
 * until it clears them; lookups treat such areas as not there.
 *
 * Invariants (vmalloc_validate): each tree is a valid AVL tree, sorted,
 * with correct heights, subtree_max_size and counts; the busy, lazy and
 * free areas tile [START, END) exactly; no two free areas touch; a busy
 * area has nr_pages = size/4K - 1, a pages[] of machine frames, VM_ALLOC
 * areas' blocks are allocated PG_vmalloc heads of their recorded order; a
 * published area counts no stale mappings, the lazy and all trees' stale
 * counts add up to lazy_maps and stale_maps; no slot record lies in a busy
 * area.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "page_owner.h"
#include "vmalloc.h"

#define GUARD_SIZE PAGE_SIZE
#define VMALLOC_ALIGN (2ul << 20)      /* VMALLOC_START alignment (PMD) */
#define PAGE_ALIGNED(x) (((x) & (PAGE_SIZE - 1)) == 0)

static const char *const va_stat_names[NR_VA_STATS] = {
#define VA_NAME(e, n) n,
	VA_STATS(VA_NAME)
#undef VA_NAME
};

static inline void va_count(struct vmap_state *st, enum va_stat_item i, unsigned long n)
{
	__atomic_fetch_add(&st->stat[i], n, __ATOMIC_RELAXED);
}

static inline unsigned long va_size(const struct vmap_area *va)
{
	return va->va_end - va->va_start;
}

static inline void va_lock(struct vmap_state *st)
{
	mm_lock(&st->lock, LOCK_VMAP);
}

static inline void va_unlock(struct vmap_state *st)
{
	mm_unlock(&st->lock);
}

/* ---- AVL trees sorted by va_start, augmented with subtree_max_size ------ */

static inline int va_height(const struct vmap_area *n)
{
	return n ? n->height : 0;
}

static inline unsigned long va_max(const struct vmap_area *n)
{
	return n ? n->subtree_max_size : 0;
}

static inline unsigned long max3(unsigned long a, unsigned long b, unsigned long c)
{
	unsigned long m = a > b ? a : b;

	return m > c ? m : c;
}

/* Recompute n's height and augment from its children. */
static inline void va_fix(struct vmap_area *n)
{
	int hl = va_height(n->left), hr = va_height(n->right);

	n->height = 1 + (hl > hr ? hl : hr);
	n->subtree_max_size = max3(va_size(n), va_max(n->left), va_max(n->right));
}

static struct vmap_area *va_rotate_right(struct vmap_area *n)
{
	struct vmap_area *l = n->left;

	n->left = l->right;
	l->right = n;
	va_fix(n);
	va_fix(l);
	return l;
}

static struct vmap_area *va_rotate_left(struct vmap_area *n)
{
	struct vmap_area *r = n->right;

	n->right = r->left;
	r->left = n;
	va_fix(n);
	va_fix(r);
	return r;
}

static struct vmap_area *va_balance(struct vmap_area *n)
{
	int bf;

	va_fix(n);
	bf = va_height(n->left) - va_height(n->right);
	if (bf > 1) {
		if (va_height(n->left->left) < va_height(n->left->right))
			n->left = va_rotate_left(n->left);
		return va_rotate_right(n);
	}
	if (bf < -1) {
		if (va_height(n->right->right) < va_height(n->right->left))
			n->right = va_rotate_right(n->right);
		return va_rotate_left(n);
	}
	return n;
}

static struct vmap_area *__va_insert(struct vmap_area *n, struct vmap_area *va)
{
	if (!n) {
		va->left = va->right = NULL;
		va_fix(va);
		return va;
	}
	if (va->va_start < n->va_start)
		n->left = __va_insert(n->left, va);
	else
		n->right = __va_insert(n->right, va);
	return va_balance(n);
}

static struct vmap_area *__va_remove_min(struct vmap_area *n, struct vmap_area **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = __va_remove_min(n->left, min);
	return va_balance(n);
}

static struct vmap_area *__va_remove(struct vmap_area *n, struct vmap_area *va)
{
	struct vmap_area *l, *r, *min;

	if (!n)
		return NULL;            /* not in the tree: caller's bug, caught by validate */
	if (va->va_start < n->va_start) {
		n->left = __va_remove(n->left, va);
	} else if (va->va_start > n->va_start) {
		n->right = __va_remove(n->right, va);
	} else {
		l = n->left;
		r = n->right;
		if (!r)
			return l;
		r = __va_remove_min(r, &min);
		min->left = l;
		min->right = r;
		return va_balance(min);
	}
	return va_balance(n);
}

/* After va's bounds changed in place (order kept): fix the path to it. */
static void __va_update_path(struct vmap_area *n, unsigned long key)
{
	if (!n)
		return;
	if (key < n->va_start)
		__va_update_path(n->left, key);
	else if (key > n->va_start)
		__va_update_path(n->right, key);
	va_fix(n);
}

static void va_tree_insert(struct va_tree *t, struct vmap_area *va)
{
	t->root = __va_insert(t->root, va);
	t->count++;
	t->pages += va_size(va) >> PAGE_SHIFT;
}

static void va_tree_remove(struct va_tree *t, struct vmap_area *va)
{
	t->root = __va_remove(t->root, va);
	t->count--;
	t->pages -= va_size(va) >> PAGE_SHIFT;
}

/* va_start/va_end of a node changed by delta_pages pages: fix the path. */
static void va_tree_resized(struct va_tree *t, struct vmap_area *va, long delta_pages)
{
	__va_update_path(t->root, va->va_start);
	t->pages += (unsigned long)delta_pages;
}

/* The area of t containing addr, or NULL. */
static struct vmap_area *va_tree_find(const struct va_tree *t, unsigned long addr)
{
	struct vmap_area *n = t->root;

	while (n) {
		if (addr < n->va_start)
			n = n->left;
		else if (addr >= n->va_end)
			n = n->right;
		else
			return n;
	}
	return NULL;
}

/* The area of t with the greatest va_start < key (prev) and the one with
 * the least va_start > key (next). */
static void va_tree_neighbours(const struct va_tree *t, unsigned long key,
			       struct vmap_area **prev, struct vmap_area **next)
{
	struct vmap_area *n = t->root;

	*prev = *next = NULL;
	while (n) {
		if (n->va_start < key) {
			*prev = n;
			n = n->right;
		} else if (n->va_start > key) {
			*next = n;
			n = n->left;
		} else {
			break;
		}
	}
}

/* ---- free-space search and clipping -------------------- */

/* is_within_this_va(): the aligned start of a fit inside va, or 0. */
static unsigned long va_fit_start(const struct vmap_area *va, unsigned long size,
				  unsigned long align)
{
	unsigned long nstart = (va->va_start + align - 1) & ~(align - 1);

	if (nstart < va->va_start || nstart + size < nstart || nstart + size > va->va_end)
		return 0;
	return nstart;
}

/* find_vmap_lowest_match(): the lowest free block fitting size at align.
 * A subtree whose max >= length holds a block that fits whatever its
 * alignment, so the descent never backtracks: O(height). */
static struct vmap_area *va_find_lowest(const struct va_tree *t, unsigned long size,
					unsigned long align, unsigned long *nstart)
{
	unsigned long length = align > PAGE_SIZE ? size + align - 1 : size;
	struct vmap_area *n = t->root;

	if (length < size)
		return NULL;
	while (n) {
		if (va_max(n->left) >= length) {
			n = n->left;
			continue;
		}
		*nstart = va_fit_start(n, size, align);
		if (*nstart)
			return n;
		if (va_max(n->right) < length)
			return NULL;
		n = n->right;
	}
	return NULL;
}

/*
 * Carve [nstart, nstart + size) out of the free block va (adjust_va_to_fit_
 * type / va_clip).  NE needs a second node for the left remainder: *spare,
 * taken (set to NULL) when used.
 */
static void va_clip(struct va_tree *t, struct vmap_area *va, unsigned long nstart,
		    unsigned long size, struct vmap_area **spare)
{
	unsigned long end = nstart + size;
	long delta = -(long)(size >> PAGE_SHIFT);

	if (nstart == va->va_start && end == va->va_end) {             /* FL */
		va_tree_remove(t, va);
		free(va);
	} else if (nstart == va->va_start) {                            /* LE */
		va->va_start = end;
		va_tree_resized(t, va, delta);
	} else if (end == va->va_end) {                                 /* RE */
		va->va_end = nstart;
		__va_update_path(t->root, va->va_start);
		t->pages += (unsigned long)delta;
	} else {                                                        /* NE */
		struct vmap_area *lva = *spare;
		unsigned long old_start = va->va_start;

		*spare = NULL;
		memset(lva, 0, sizeof(*lva));
		/* shrink va from the left first (key moves right, order kept),
		 * then put the left remainder in as its own node */
		va->va_start = end;
		t->pages -= (end - old_start) >> PAGE_SHIFT;
		__va_update_path(t->root, va->va_start);
		lva->va_start = old_start;
		lva->va_end = nstart;
		t->root = __va_insert(t->root, lva);
		t->count++;
		t->pages += (nstart - old_start) >> PAGE_SHIFT;
	}
}

/* merge_or_add_vmap_area(): put [va) back into the free tree, merged with
 * the free blocks it touches.  Frees va when merged. */
static void va_merge(struct va_tree *t, struct vmap_area *va)
{
	struct vmap_area *prev, *next;
	unsigned long pages = va_size(va) >> PAGE_SHIFT;
	bool left, right;

	va_tree_neighbours(t, va->va_start, &prev, &next);
	left = prev && prev->va_end == va->va_start;
	right = next && next->va_start == va->va_end;
	if (left && right) {
		unsigned long next_end = next->va_end;

		prev->stale += va->stale + next->stale;
		va_tree_remove(t, next);
		free(next);
		prev->va_end = next_end;
		va_tree_resized(t, prev, (long)(pages + ((next_end - va->va_end) >> PAGE_SHIFT)));
	} else if (left) {
		prev->stale += va->stale;
		prev->va_end = va->va_end;
		va_tree_resized(t, prev, (long)pages);
	} else if (right) {
		next->stale += va->stale;
		next->va_start = va->va_start;
		va_tree_resized(t, next, (long)pages);
	} else {
		va->flags = 0;
		va_tree_insert(t, va);
		return;
	}
	free(va);
}

/* __purge_vmap_area_lazy(): every lazy area into the free tree.  Lock held. */
static void __va_purge(struct vmap_state *st)
{
	struct vmap_area *n;

	lockdep_assert_held(NULL, &st->lock);

	if (!st->lazy.root)
		return;
	while ((n = st->lazy.root)) {
		va_tree_remove(&st->lazy, n);
		va_merge(&st->free, n);
	}
	st->lazy_maps = 0;
	va_count(st, VA_PURGES, 1);
}

/* ---- mappings ----------------------------------------------------------- */

/* Make [addr, addr + len) inaccessible again: one anonymous PROT_NONE
 * mapping, which merges with the reservation around it. */
static int va_unmap_range(unsigned long addr, unsigned long len)
{
	void *p;

	if (!len)
		return 0;
	p = mmap((void *)addr, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	if (p != MAP_FAILED)
		return 0;
	if (errno == ENOMEM) {
		/* at vm.max_map_count the kernel refuses every mmap, even one
		 * that would free VMAs; munmap of whole VMAs needs no split.
		 * The reservation goes back at once; if another thread's mmap
		 * took the hole meanwhile, the range is lost to vmalloc. */
		if (!munmap((void *)addr, len)) {
			p = mmap((void *)addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
				 MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == (void *)addr)
				return 0;
			if (p != MAP_FAILED)
				munmap(p, len);
			return -EEXIST;
		}
	}
	/* no mapping slot for the replacement: at least shut the door */
	return mprotect((void *)addr, len, PROT_NONE) ? -errno : 0;
}

/* Replace the stale mappings of the free block n (all: of every free
 * block) by the reservation: one mmap per block, i.e. per contiguous run of
 * purged areas in address order.  Lock held: the blocks cannot be handed
 * out meanwhile.  A failed mmap (no mapping slot for a split) leaves the
 * block as it was - PROT_NONE either way. */
static void __va_flush_tree(struct vmap_state *st, struct vmap_area *n, bool all,
			    unsigned long *calls, unsigned long *failed)
{
	if (!n)
		return;
	__va_flush_tree(st, n->left, all, calls, failed);
	if (n->stale || all) {
		if (mmap((void *)n->va_start, va_size(n), PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) != MAP_FAILED) {
			st->stale_maps -= n->stale;
			n->stale = 0;
			(*calls)++;
		} else {
			(*failed)++;
		}
	}
	__va_flush_tree(st, n->right, all, calls, failed);
}

/* Purge, then flush the free tree.  Lock held.  A block whose mapping
 * needs a VMA split the exhausted process cannot make keeps its stale
 * mappings, and map_pressure stays on: vfree then replaces each area's
 * own VMAs exactly (va_revoke), which needs no split and gives VMAs back,
 * until a flush of every block succeeds. */
static void __va_flush(struct vmap_state *st, bool all)
{
	unsigned long calls = 0, failed = 0;

	lockdep_assert_held(NULL, &st->lock);

	__va_purge(st);
	st->stale_made = 0;
	memset(st->slots, 0, sizeof(st->slots));
	if (!st->stale_maps && !all) {
		WRITE_ONCE(st->map_pressure, false);    /* nothing is stuck */
		return;
	}
	__va_flush_tree(st, st->free.root, all, &calls, &failed);
	va_count(st, VA_FLUSHES, 1);
	if (failed)
		WRITE_ONCE(st->map_pressure, true);
	else if (all || !st->stale_maps)
		WRITE_ONCE(st->map_pressure, false);
}

/* Map pages[0..nr) at addr, one mmap per physically contiguous run.
 * Returns 0, or -errno with *mapped = bytes mapped before the failure. */
static int va_map_pages(struct mm *m, unsigned long addr, struct page **pages,
			unsigned long nr, unsigned long *mapped, unsigned long *nr_maps)
{
	struct vmap_state *st = m->vmap;
	unsigned long i = 0, calls = 0;
	int ret = 0;

	*mapped = 0;
	while (i < nr) {
		unsigned long pfn = page_to_pfn(m, pages[i]), j = i + 1;
		void *want = (void *)(addr + i * PAGE_SIZE), *p;

		/* mem_map is one array: frames are contiguous iff their pages are */
		while (j < nr && pages[j] == pages[i] + (j - i))
			j++;
		p = mmap(want, (j - i) * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, m->memfd, (off_t)(pfn * PAGE_SIZE));
		calls++;
		if (p == MAP_FAILED) {
			ret = -errno;
			break;
		}
		i = j;
		*mapped = i * PAGE_SIZE;
	}
	va_count(st, VA_MMAPS, calls);
	*nr_maps = calls;
	return ret;
}

/* Map an area's pages; when the process is out of mappings, give back the
 * stale ones (purge, flush every free block) and try once more. */
static int va_map_area(struct mm *m, struct vmap_area *va, struct page **pages,
		       unsigned long nr, unsigned long *mapped)
{
	struct vmap_state *st = m->vmap;
	int err;

	if (va->reuse_len == nr * PAGE_SIZE && page_to_pfn(m, pages[0]) == va->reuse_pfn) {
		unsigned long j = 1;

		while (j < nr && pages[j] == pages[0] + j)
			j++;
		/* the stale mapping there maps these very frames: give it back
		 * its access instead of making a new one */
		if (j == nr && !mprotect((void *)va->va_start, nr * PAGE_SIZE,
					 PROT_READ | PROT_WRITE)) {
			*mapped = nr * PAGE_SIZE;
			va->nr_maps = 1;
			va_count(st, VA_REVIVED, 1);
			return 0;
		}
	}
	err = va_map_pages(m, va->va_start, pages, nr, mapped, &va->nr_maps);
	if (err != -ENOMEM)
		return err;
	va_lock(st);
	__va_flush(st, true);
	va_unlock(st);
	err = va_map_pages(m, va->va_start, pages, nr, mapped, &va->nr_maps);
	if (err == -ENOMEM)
		WRITE_ONCE(st->map_pressure, true);
	return err;
}

/* ---- address ranges ------------------------------------------------------ */

/*
 * alloc_vmap_area(): reserve size bytes (guard included) at align, insert
 * the busy area flagged VM_UNINITIALIZED.  NULL when the range is full
 * after one purge (counted, logged unless nowarn), or malloc failed.
 */
static struct vmap_area *va_alloc(struct mm *m, unsigned long size, unsigned long align,
				  bool nowarn)
{
	struct vmap_state *st = m->vmap;
	struct vmap_area *va = calloc(1, sizeof(*va)), *spare = malloc(sizeof(*spare)), *fit;
	unsigned long nstart = 0;
	bool purged = false;

	if (!va || !spare) {
		free(va);
		free(spare);
		mm_set_errno(m, ENOMEM);
		return NULL;
	}
	va_lock(st);
	for (;;) {
		fit = va_find_lowest(&st->free, size, align, &nstart);
		if (fit || purged || !st->lazy.root)
			break;
		__va_purge(st);
		purged = true;
	}
	if (fit) {
		/* the area's mapping will replace what stale mappings lie in its
		 * range: count (an estimate) up to two, the VMAs a one-run area
		 * and its guard leave behind; all of them when it takes the
		 * whole block.  Given back by va_release, dropped at publish. */
		unsigned long taken = fit->stale < 2 ? fit->stale : 2;

		if (nstart == fit->va_start && nstart + size == fit->va_end)
			taken = fit->stale;
		fit->stale -= taken;
		va->stale = taken;
		va_clip(&st->free, fit, nstart, size, &spare);
		/* the range's stale mappings are the area's to replace: forget
		 * every slot in it, keep the one it can revive as it is */
		va->reuse_len = 0;
		for (int i = 0; i < VA_SLOTS; i++) {
			struct va_slot *sl = &st->slots[i];

			if (!sl->len || sl->addr >= nstart + size || sl->addr + sl->len <= nstart)
				continue;
			if (sl->addr == nstart && sl->len == size - GUARD_SIZE) {
				va->reuse_pfn = sl->pfn;
				va->reuse_len = sl->len;
			}
			sl->len = 0;
		}
		va->va_start = nstart;
		va->va_end = nstart + size;
		va->flags = VM_UNINITIALIZED;
		va_tree_insert(&st->busy, va);
	}
	va_unlock(st);
	free(spare);
	if (fit)
		return va;
	free(va);
	va_count(st, VA_RANGE_FAIL, 1);
	if (!nowarn)
		mm_printk(m, "vmap allocation for size %lu failed: use vmalloc_size=<size> to "
			  "increase size", size);
	mm_set_errno(m, ENOMEM);
	return NULL;
}

/* Give back a busy area that never became visible (failed set-up): its
 * range goes straight to the free tree - nothing stale can point at it. */
static void va_release(struct vmap_state *st, struct vmap_area *va)
{
	va_lock(st);
	va_tree_remove(&st->busy, va);
	va_merge(&st->free, va);
	va_unlock(st);
}

/* ---- page frames --------------------------------------------------------- */

static unsigned floor_log2(unsigned long x)
{
	return (unsigned)(63 - __builtin_clzl(x));
}

/* Free the blocks of a VM_ALLOC area's pages[0..nr). */
static void va_free_pages(struct mm *m, struct page **pages, unsigned long nr)
{
	unsigned long i = 0;

	while (i < nr) {
		struct page *head = pages[i];
		unsigned order = (unsigned)head->private;

		WRITE_ONCE(head->flags, head->flags & ~(unsigned long)PG_vmalloc);
		mm_free_pages(m, head, order);
		i += 1ul << order;
	}
}

static int va_cmp_page(const void *a, const void *b)
{
	const struct page *x = *(struct page *const *)a, *y = *(struct page *const *)b;

	return (x > y) - (x < y);
}

/* Put an area's frames in PFN order, so that neighbours are mapped as one
 * run: a per-CPU list is LIFO, so the frames a vfree gave back (in area
 * order) come out of it again highest first.  Usually already in order or
 * exactly reversed; anything else is sorted. */
static void va_sort_frames(struct page **pages, unsigned long nr)
{
	unsigned long up = 0, down = 0;

	for (unsigned long i = 1; i < nr; i++) {
		up += pages[i] > pages[i - 1];
		down += pages[i] < pages[i - 1];
	}
	if (!down)
		return;
	if (!up) {
		for (unsigned long i = 0, j = nr - 1; i < j; i++, j--) {
			struct page *t = pages[i];

			pages[i] = pages[j];
			pages[j] = t;
		}
		return;
	}
	qsort(pages, nr, sizeof(*pages), va_cmp_page);
}

/*
 * vm_area_alloc_pages() of 6.18: order-0 pages from the bulk allocator,
 * at most 100 a call (without __GFP_NOFAIL), then one page at a time with
 * the caller's GFP when a call comes back short.  Returns how many were
 * allocated (nr on success).
 */
static unsigned long va_alloc_pages_bulk(struct mm *m, gfp_t gfp, int node, struct page **pages,
					 unsigned long nr, enum alloc_fail *why)
{
	unsigned long done = 0;

	memset(pages, 0, nr * sizeof(*pages));
	while (done < nr) {
		unsigned long want = nr - done < 100 ? nr - done : 100;
		unsigned long got = mm_alloc_pages_bulk(m, node, gfp & ~(__GFP_NOFAIL | __GFP_COMP),
							want, pages + done);

		done += got;
		if (got != want)
			break;
	}
	while (done < nr) {
		struct page *page = alloc_pages_node_why(m, node, gfp & ~__GFP_COMP, 0, why);

		if (!page)
			break;
		pages[done++] = page;
	}
	va_sort_frames(pages, done);
	for (unsigned long i = 0; i < done; i++)
		WRITE_ONCE(pages[i]->flags, pages[i]->flags | PG_vmalloc);
	return done;
}

/*
 * The older libmm way (vmalloc_pages=blocks): nr frames into pages[],
 * largest blocks first.  Returns how many were allocated (nr on success;
 * else *why tells why the last allocation failed).
 */
static unsigned long va_alloc_pages(struct mm *m, gfp_t gfp, int node, struct page **pages,
				    unsigned long nr, enum alloc_fail *why)
{
	struct vmap_state *st = m->vmap;

	if (!m->cfg.vmalloc_blocks)
		return va_alloc_pages_bulk(m, gfp, node, pages, nr, why);
	gfp_t base = gfp & ~__GFP_COMP;
	gfp_t opportunistic = (base | __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC) &
			      ~(__GFP_DIRECT_RECLAIM | __GFP_NOFAIL);
	unsigned cap = st->max_block_order, highs = 0;
	unsigned long done = 0;

	while (done < nr) {
		unsigned order = floor_log2(nr - done);
		struct page *page;

		if (order > cap)
			order = cap;
		page = alloc_pages_node_why(m, node, order ? opportunistic : base, order, why);
		if (!page) {
			if (!order || *why == ALLOC_FAIL_REFUSED)
				break;
			cap = order - 1;        /* this order is short: stop asking */
			continue;
		}
		WRITE_ONCE(page->flags, page->flags | PG_vmalloc);
		for (unsigned long j = 0; j < 1ul << order; j++)
			pages[done + j] = page + j;
		done += 1ul << order;
		highs += order > 0;
	}
	if (highs)
		va_count(st, VA_HIGH_ORDER, highs);
	return done;
}

/* ---- vmalloc -------------------------------------------------------------- */

static bool va_unbound(struct mm *m, const char *fn)
{
	if (this_cpu(m))
		return false;
	mm_unbound_error(m, "%s", fn);
	return true;
}

static bool va_no_backing(struct mm *m, const char *fn)
{
	if (!m)
		return true;            /* no machine to tell */
	if (m->vmap)
		return false;
	mm_error(m, ENXIO, "%s: the machine has no memory behind its pages (backing=none): "
		 "vmalloc is not available", fn);
	return true;
}

/* Argument checks of __vmalloc_node_range(); 0 or the refusal's -errno. */
static int vmalloc_check(struct mm *m, unsigned long size, unsigned long align, int node,
			 gfp_t gfp, const char *fn)
{
	struct vmap_state *st;

	if (!m)
		return -EINVAL;
	st = m->vmap;
	if (va_no_backing(m, fn))
		return -ENXIO;
	if (va_unbound(m, fn))
		return -EINVAL;
	if (!size)
		return mm_error(m, EINVAL, "%s: size 0", fn);
	if (size > st->end - st->start - GUARD_SIZE)
		return mm_error(m, EINVAL, "%s: size %lu exceeds the vmalloc range (%lu bytes: "
				"VMALLOC_START %#lx, VMALLOC_END %#lx; see vmalloc_size=)", fn,
				size, st->end - st->start, st->start, st->end);
	if (align & (align - 1))
		return mm_error(m, EINVAL, "%s: align %#lx is not a power of two", fn, align);
	if (node < MM_NUMA_NO_NODE || node >= m->nr_nodes)
		return mm_error(m, EINVAL, "%s: node %d does not exist (the machine has %d)",
				fn, node, m->nr_nodes);
	if (gfp & ~__GFP_VALID_MASK)
		return mm_error(m, EINVAL, "%s: unknown GFP bits %#x in %#x", fn,
				gfp & ~__GFP_VALID_MASK, gfp);
	return 0;
}

static void *vmalloc_fail(struct mm *m, gfp_t gfp, unsigned long size, const char *why,
			  enum va_stat_item item)
{
	va_count(m->vmap, item, 1);
	va_count(m->vmap, VA_ALLOC_FAIL, 1);
	if (!(gfp & __GFP_NOWARN))
		mm_printk(m, "vmalloc error: size %lu, %s, mode:%#x", size, why, gfp);
	mm_set_errno(m, ENOMEM);
	return NULL;
}

static void *__vmalloc_node_range(struct mm *m, unsigned long size, unsigned long align,
				  gfp_t gfp, int node, const void *caller, const char *entry);

/* page_owner=1: the area's tag (its pages). */
static __noinline void *vmalloc_owned(struct mm *m, unsigned long size, unsigned long align,
				      gfp_t gfp, int node, const void *caller, const char *entry)
{
	void *p;

	po_enter((unsigned long)caller, PO_VIA_VMALLOC);
	p = __vmalloc_node_range(m, size, align, gfp, node, caller, entry);
	if (p)
		alloc_tag_obj_add(m, p, (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	po_exit();
	return p;
}

static void *__vmalloc_node(struct mm *m, unsigned long size, unsigned long align,
			    gfp_t gfp, int node, const void *caller, const char *entry)
{
	if (unlikely(m && m->page_owner))
		return vmalloc_owned(m, size, align, gfp, node, caller, entry);
	return __vmalloc_node_range(m, size, align, gfp, node, caller, entry);
}

void *mm_vmalloc_site(struct mm *m, unsigned long size, unsigned long site)
{
	return __vmalloc_node(m, size, 1, GFP_KERNEL, MM_NUMA_NO_NODE, (const void *)site,
			      "vmalloc");
}

/* __vmalloc_node_range() over the whole vmalloc range. */
static void *__vmalloc_node_range(struct mm *m, unsigned long size, unsigned long align,
				  gfp_t gfp, int node, const void *caller, const char *entry)
{
	struct vmap_state *st;
	unsigned long nr, mapped, got;
	struct vmap_area *va;
	struct page **pages;
	enum alloc_fail why = ALLOC_OK;
	int err;

	if (vmalloc_check(m, size, align, node, gfp, entry))
		return NULL;
	st = m->vmap;
	size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	nr = size >> PAGE_SHIFT;
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	if (nr > m->nr_pages)
		return vmalloc_fail(m, gfp, size, "exceeds total pages", VA_PAGE_FAIL);
	pages = malloc(nr * sizeof(*pages));
	if (!pages)
		return vmalloc_fail(m, gfp, size, "no memory for the pages[] array", VA_PAGE_FAIL);
	va = va_alloc(m, size + GUARD_SIZE, align, gfp & __GFP_NOWARN);
	if (!va) {
		free(pages);
		va_count(st, VA_ALLOC_FAIL, 1);
		return NULL;
	}
	got = va_alloc_pages(m, gfp, node, pages, nr, &why);
	if (got < nr) {
		va_free_pages(m, pages, got);
		va_release(st, va);
		free(pages);
		if (why == ALLOC_FAIL_REFUSED) /* the page allocator refused the GFP: */
			return NULL;           /* its error stands */
		vmalloc_fail(m, gfp, size, "failed to allocate pages", VA_PAGE_FAIL);
		if (why == ALLOC_FAIL_INJECTED)
			mm_set_errno_injected(m, "vmalloc");
		return NULL;
	}
	err = va_map_area(m, va, pages, nr, &mapped);
	if (err) {
		char why[96];

		if (va_unmap_range(va->va_start, mapped)) {
			/* cannot take the mapping back: keep pages and range out of
			 * use rather than let them alias someone else's frames */
			mm_printk(m, "vmalloc: cannot undo a partial mapping at %#lx: %lu pages "
				  "leaked", va->va_start, nr);
			return vmalloc_fail(m, gfp, size, "failed to map pages", VA_MAP_FAIL);
		}
		va_free_pages(m, pages, nr);
		va_release(st, va);
		free(pages);
		snprintf(why, sizeof(why), "failed to map pages (%s; vm.max_map_count?)",
			 strerror(-err));
		return vmalloc_fail(m, gfp, size, why, VA_MAP_FAIL);
	}
	va_lock(st);
	va->pages = pages;
	va->nr_pages = nr;
	va->caller = caller;
	va->entry = entry;
	va->flags = VM_ALLOC;
	st->stale_maps -= va->stale;    /* replaced by the mapping */
	va->stale = 0;
	st->nr_vmalloc++;
	st->vmalloc_pages += nr;
	va_unlock(st);
	va_count(st, VA_ALLOCS, 1);
	return (void *)va->va_start;
}

#define CALLER __builtin_return_address(0)

void *mm_vmalloc(struct mm *m, unsigned long size)
{
	return __vmalloc_node(m, size, 1, GFP_KERNEL, MM_NUMA_NO_NODE, CALLER, "vmalloc");
}

void *mm_vzalloc(struct mm *m, unsigned long size)
{
	return __vmalloc_node(m, size, 1, GFP_KERNEL | __GFP_ZERO, MM_NUMA_NO_NODE, CALLER,
			      "vzalloc");
}

void *mm_vmalloc_node(struct mm *m, unsigned long size, int node)
{
	return __vmalloc_node(m, size, 1, GFP_KERNEL, node, CALLER, "vmalloc_node");
}

void *mm_vzalloc_node(struct mm *m, unsigned long size, int node)
{
	return __vmalloc_node(m, size, 1, GFP_KERNEL | __GFP_ZERO, node, CALLER, "vzalloc_node");
}

void *mm_vmalloc_32(struct mm *m, unsigned long size)
{
	return __vmalloc_node(m, size, 1, GFP_KERNEL | GFP_DMA32, MM_NUMA_NO_NODE, CALLER,
			      "vmalloc_32");
}

void *mm___vmalloc(struct mm *m, unsigned long size, gfp_t gfp)
{
	return __vmalloc_node(m, size, 1, gfp, MM_NUMA_NO_NODE, CALLER, "__vmalloc");
}

void *mm___vmalloc_node(struct mm *m, unsigned long size, unsigned long align, gfp_t gfp,
			int node)
{
	return __vmalloc_node(m, size, align, gfp, node, CALLER, "__vmalloc_node");
}

/* ---- vfree / vunmap ---------------------------------------------------- */

/* Why addr is not the start of a live area of the wanted kind, into msg.
 * Lock held (so no mm_error here: a report callback might call back in). */
static void va_explain_bad_free(struct vmap_state *st, unsigned long addr, const char *fn,
				char *msg, size_t len)
{
	struct vmap_area *va;

	if (addr < st->start || addr >= st->end) {
		snprintf(msg, len, "Trying to %s() nonexistent vm area (%#lx): not a vmalloc "
			 "address (VMALLOC_START %#lx, VMALLOC_END %#lx)", fn, addr, st->start,
			 st->end);
		return;
	}
	va = va_tree_find(&st->busy, addr);
	if (va && (va->flags & VM_FREEING))
		snprintf(msg, len, "Trying to %s() nonexistent vm area (%#lx): double free "
			 "(another free of it is in progress)", fn, addr);
	else if (va && (va->flags & VM_UNINITIALIZED))
		snprintf(msg, len, "Trying to %s() nonexistent vm area (%#lx): the area is still "
			 "being set up", fn, addr);
	else if (va && addr == va->va_start)
		snprintf(msg, len, "Trying to %s() the %s area at %#lx: it was made by %s(), free "
			 "it with %s()", fn, (va->flags & VM_MAP) ? "vmap" : "vmalloc", addr,
			 (va->flags & VM_MAP) ? "vmap" : "vmalloc",
			 (va->flags & VM_MAP) ? "vunmap" : "vfree");
	else if (va)
		snprintf(msg, len, "Trying to %s() bad address (%#lx): it lies %s the area "
			 "%#lx-%#lx (+%#lx)", fn, addr,
			 addr >= va->va_end - GUARD_SIZE ? "in the guard page of" : "inside",
			 va->va_start, va->va_end, addr - va->va_start);
	else if ((va = va_tree_find(&st->lazy, addr)))
		snprintf(msg, len, "Trying to %s() nonexistent vm area (%#lx): double free (it "
			 "lies in the freed, not yet purged area %#lx-%#lx)", fn, addr,
			 va->va_start, va->va_end);
	else
		snprintf(msg, len, "Trying to %s() nonexistent vm area (%#lx)", fn, addr);
}

/*
 * vunmap_range_noflush(): shut the door on a live area at once.  Its
 * mappings turn PROT_NONE in place (one mprotect over whole VMAs: no split,
 * no VMA made or torn down), so any access faults from here on; they stay
 * behind as the area's stale mappings (va->stale: its runs and its guard's
 * VMA) until a later area's MAP_FIXED replaces them or a flush does.  When
 * mprotect fails, or the process is out of mappings (map_pressure), the
 * replacement by the reservation is made now: one MAP_FIXED over exactly
 * the area's own VMAs needs no split, so it works at vm.max_map_count and
 * gives the VMAs back.
 */
static int va_revoke(struct vmap_state *st, const struct vmap_area *va, unsigned long *stale)
{
	unsigned long len = va->nr_pages * PAGE_SIZE;

	if (!READ_ONCE(st->map_pressure) && !mprotect((void *)va->va_start, len, PROT_NONE)) {
		*stale = va->nr_maps + 1;
		return 0;
	}
	*stale = 0;
	return va_unmap_range(va->va_start, len);
}

/*
 * remove_vm_area() + the lazy free: find the live area starting at addr
 * with the wanted kind, make it inaccessible (va_revoke), move it to the
 * lazy tree, purge or flush above the thresholds.  Returns the area's pages[]
 * (caller frees it, and the pages for VM_ALLOC) or NULL with *err set.
 */
static struct page **va_remove(struct mm *m, unsigned long addr, unsigned kind,
			       unsigned long *nr_pages, int *err, const char *fn)
{
	struct vmap_state *st = m->vmap;
	struct vmap_area *va;
	struct page **pages;
	unsigned long stale;
	int ret;

	va_lock(st);
	va = va_tree_find(&st->busy, addr);
	if (!va || va->va_start != addr || (va->flags & ~kind)) {
		char msg[256];

		va_explain_bad_free(st, addr, fn, msg, sizeof(msg));
		va_unlock(st);
		/* the kernel's WARN(): taints 'W' */
		*err = mm_taint_refusal(m, mm_error(m, EFAULT, "%s", msg), MM_TAINT_WARN);
		return NULL;
	}
	va->flags |= VM_FREEING;
	va_unlock(st);

	ret = va_revoke(st, va, &stale);
	va_lock(st);
	if (ret && ret != -EEXIST) {
		va->flags &= ~VM_FREEING;
		va_unlock(st);
		*err = mm_error(m, -ret, "%s: cannot unmap the area at %#lx: %s; it stays live",
				fn, addr, strerror(-ret));
		return NULL;
	}
	if (!ret)
		va_tree_remove(&st->busy, va);
	if (kind == VM_ALLOC) {
		st->nr_vmalloc--;
		st->vmalloc_pages -= va->nr_pages;
	} else {
		st->nr_vmap--;
		st->vmap_pages -= va->nr_pages;
	}
	pages = va->pages;
	*nr_pages = va->nr_pages;
	if (stale && va->nr_maps == 1) {
		struct va_slot *sl = &st->slots[st->slot_next++ % VA_SLOTS];

		sl->addr = va->va_start;
		sl->len = va->nr_pages * PAGE_SIZE;
		sl->pfn = page_to_pfn(m, va->pages[0]);
	}
	va->pages = NULL;
	va->nr_pages = 0;
	if (ret) {                      /* lost: stays busy, never looked at */
		va->flags = VM_UNINITIALIZED | VM_FREEING;
		va_unlock(st);
		mm_printk(m, "%s: the range %#lx-%#lx went to another mapping of the process "
			  "while vm.max_map_count was reached; it is not reused", fn,
			  va->va_start, va->va_end);
		return pages;
	}
	va->flags = 0;
	va->stale = stale;
	va_tree_insert(&st->lazy, va);
	st->lazy_maps += va->stale;
	st->stale_maps += va->stale;
	st->stale_made += va->stale;
	if (st->stale_made > st->stale_max_maps || st->stale_maps > st->stale_max_maps ||
	    READ_ONCE(st->map_pressure))
		__va_flush(st, false);
	else if (st->lazy.pages > st->lazy_max_pages || st->lazy_maps > st->lazy_max_maps)
		__va_purge(st);
	va_unlock(st);
	va_count(st, VA_FREES, 1);
	return pages;
}

int mm_vfree(struct mm *m, const void *addr)
{
	struct page **pages;
	struct po_tag tag = { 0, 0 };
	unsigned long nr;
	int err = 0;

	if (!m)
		return -EINVAL;
	if (!addr)
		return 0;
	if (!m->vmap)
		return mm_taint_refusal(m, mm_error(m, EFAULT, "Trying to vfree() nonexistent vm "
						    "area (%p): the machine has no vmalloc range "
						    "(backing=none)", addr), MM_TAINT_WARN);
	if (va_unbound(m, "vfree"))
		return -EINVAL;
	if (unlikely(m->page_owner))
		tag = alloc_tag_obj_del(m, addr);
	pages = va_remove(m, (unsigned long)addr, VM_ALLOC, &nr, &err, "vfree");
	if (!pages) {
		if (unlikely(m->page_owner))
			alloc_tag_obj_restore(m, addr, tag);
		return err;
	}
	va_free_pages(m, pages, nr);
	free(pages);
	return 0;
}

int mm_vunmap(struct mm *m, const void *addr)
{
	struct page **pages;
	unsigned long nr;
	int err = 0;

	if (!m)
		return -EINVAL;
	if (!addr)
		return 0;
	if (!m->vmap)
		return mm_taint_refusal(m, mm_error(m, EFAULT, "Trying to vunmap() nonexistent vm "
						    "area (%p): the machine has no vmalloc range "
						    "(backing=none)", addr), MM_TAINT_WARN);
	pages = va_remove(m, (unsigned long)addr, VM_MAP, &nr, &err, "vunmap");
	if (!pages)
		return err;
	free(pages);
	return 0;
}

/* ---- vmap ----------------------------------------------------------------- */

static bool va_page_valid(const struct mm *m, const struct page *page)
{
	uintptr_t p = (uintptr_t)page, base = (uintptr_t)m->mem_map;

	return p >= base && p < base + m->nr_pages * sizeof(struct page) &&
	       (p - base) % sizeof(struct page) == 0;
}

/* Is the frame part of an allocated block (not free, not on a pcp list)?
 * Read without zone->lock: a sanity check of the caller's pages. */
static bool va_page_allocated(struct mm *m, const struct page *page)
{
	unsigned long pfn = page_to_pfn(m, page);
	struct zone *z = pfn_zone(m, pfn);

	if (READ_ONCE(page->compound_head) & 1)
		return true;
	if (READ_ONCE(page->flags) & (PG_buddy | PG_pcp))
		return false;
	if (READ_ONCE(page->_refcount) > 0)
		return true;
	for (unsigned o = 1; o <= m->max_order; o++) {
		unsigned long head = pfn & ~((1ul << o) - 1);
		const struct page *hp = pfn_to_page(m, head);

		if (!zone_spans_pfn(z, head))
			break;
		if (READ_ONCE(hp->private) < o)
			continue;
		if (READ_ONCE(hp->_refcount) > 0)
			return true;
		if (READ_ONCE(hp->flags) & (PG_buddy | PG_pcp))
			return false;
	}
	return false;
}

void *mm_vmap(struct mm *m, struct page **pages, unsigned int count)
{
	struct vmap_state *st;
	unsigned long size = (unsigned long)count * PAGE_SIZE, mapped;
	struct page **copy;
	struct vmap_area *va;
	int err;

	if (va_no_backing(m, "vmap"))
		return NULL;
	st = m->vmap;
	if (!pages || !count) {
		mm_error(m, EINVAL, "vmap: %s", !pages ? "no pages array" : "count 0");
		return NULL;
	}
	if (count > m->nr_pages || size > st->end - st->start - GUARD_SIZE) {
		mm_error(m, EINVAL, "vmap: count %u exceeds the machine's pages or the vmalloc "
			 "range", count);
		return NULL;
	}
	for (unsigned i = 0; i < count; i++) {
		if (!va_page_valid(m, pages[i])) {
			mm_error(m, EFAULT, "vmap: pages[%u] = %p is not a struct page of this "
				 "machine", i, (void *)pages[i]);
			return NULL;
		}
		if (!va_page_allocated(m, pages[i])) {
			mm_error(m, EFAULT, "vmap: pages[%u] (pfn %#lx) is not allocated", i,
				 page_to_pfn(m, pages[i]));
			return NULL;
		}
	}
	copy = malloc(count * sizeof(*copy));
	if (!copy)
		return vmalloc_fail(m, 0, size, "no memory for the pages[] array", VA_PAGE_FAIL);
	memcpy(copy, pages, count * sizeof(*copy));
	va = va_alloc(m, size + GUARD_SIZE, PAGE_SIZE, false);
	if (!va) {
		free(copy);
		va_count(st, VA_ALLOC_FAIL, 1);
		return NULL;
	}
	err = va_map_area(m, va, copy, count, &mapped);
	if (err) {
		if (va_unmap_range(va->va_start, mapped)) {
			mm_printk(m, "vmap: cannot undo a partial mapping at %#lx: range leaked",
				  va->va_start);
		} else {
			va_release(st, va);
		}
		free(copy);
		mm_printk(m, "vmap: failed to map %u pages: %s (vm.max_map_count?)", count,
			  strerror(-err));
		va_count(st, VA_MAP_FAIL, 1);
		va_count(st, VA_ALLOC_FAIL, 1);
		mm_set_errno(m, ENOMEM);
		return NULL;
	}
	va_lock(st);
	va->pages = copy;
	va->nr_pages = count;
	va->caller = CALLER;
	va->entry = "vmap";
	va->flags = VM_MAP;
	st->stale_maps -= va->stale;
	va->stale = 0;
	st->nr_vmap++;
	st->vmap_pages += count;
	va_unlock(st);
	va_count(st, VA_ALLOCS, 1);
	return (void *)va->va_start;
}

/* ---- lookups ---------------------------------------------------------------- */

/* The live, published area holding addr, or NULL.  Lock held. */
static struct vmap_area *va_find_live(struct vmap_state *st, unsigned long addr)
{
	struct vmap_area *va = va_tree_find(&st->busy, addr);

	lockdep_assert_held(NULL, &st->lock);

	if (!va || (va->flags & (VM_UNINITIALIZED | VM_FREEING)))
		return NULL;
	return va;
}

struct page *mm_vmalloc_to_page(struct mm *m, const void *addr)
{
	struct vmap_state *st;
	unsigned long a = (unsigned long)addr;
	struct vmap_area *va;
	struct page *page = NULL;

	if (va_no_backing(m, "vmalloc_to_page"))
		return NULL;
	st = m->vmap;
	va_lock(st);
	va = va_find_live(st, a);
	if (va && a - va->va_start < va->nr_pages * PAGE_SIZE)
		page = va->pages[(a - va->va_start) >> PAGE_SHIFT];
	va_unlock(st);
	if (!page)
		mm_error(m, EINVAL, "vmalloc_to_page: %p is not mapped by a live vmalloc or "
			 "vmap area%s", addr,
			 va ? " (it is a guard page)" : "");
	return page;
}

unsigned long mm_vmalloc_to_pfn(struct mm *m, const void *addr)
{
	struct page *page = mm_vmalloc_to_page(m, addr);

	return page ? page_to_pfn(m, page) : MM_PFN_INVALID;
}

int mm_is_vmalloc_addr(struct mm *m, const void *addr)
{
	unsigned long a = (unsigned long)addr;

	return m && m->vmap && a >= m->vmap->start && a < m->vmap->end;
}

int mm_find_vm_area(struct mm *m, const void *addr, struct mm_vm_area *out)
{
	struct vmap_state *st = m ? m->vmap : NULL;
	struct vmap_area *va;
	int ret = -ENOENT;

	if (!st)
		return -ENOENT;
	va_lock(st);
	va = va_find_live(st, (unsigned long)addr);
	if (va) {
		if (out) {
			out->addr = va->va_start;
			out->size = va->nr_pages * PAGE_SIZE;
			out->nr_pages = va->nr_pages;
			out->flags = va->flags;
		}
		ret = 0;
	}
	va_unlock(st);
	return ret;
}

unsigned long mm_vmalloc_start(struct mm *m)
{
	return m && m->vmap ? m->vmap->start : 0;
}

unsigned long mm_vmalloc_end(struct mm *m)
{
	return m && m->vmap ? m->vmap->end : 0;
}

void mm_vm_unmap_aliases(struct mm *m)
{
	if (!m || !m->vmap)
		return;
	va_lock(m->vmap);
	__va_flush(m->vmap, true);
	va_unlock(m->vmap);
}

/* ---- boot and teardown -------------------------------------------------------- */

static int fls_ul(unsigned long x)
{
	return x ? 64 - __builtin_clzl(x) : 0;
}

int vmalloc_init(struct mm *m, char *err, size_t errlen)
{
	unsigned long size = m->cfg.vmalloc_size, start;
	struct vmap_state *st;
	struct vmap_area *va;
	char *p;

	if (m->memfd < 0)
		return 0;               /* backing=none: no vmalloc */
	st = calloc(1, sizeof(*st));
	va = calloc(1, sizeof(*va));
	if (!st || !va) {
		free(st);
		free(va);
		snprintf(err, errlen, "out of memory for the vmalloc state");
		return -ENOMEM;
	}
	p = mmap(NULL, size + VMALLOC_ALIGN, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot reserve %lu bytes of address space for vmalloc "
			 "(vmalloc_size=): %s", size, strerror(errno));
		free(st);
		free(va);
		return -ENOMEM;
	}
	start = ((unsigned long)p + VMALLOC_ALIGN - 1) & ~(VMALLOC_ALIGN - 1);
	if (start > (unsigned long)p)
		munmap(p, start - (unsigned long)p);
	if ((unsigned long)p + VMALLOC_ALIGN > start)
		munmap((void *)(start + size), (unsigned long)p + VMALLOC_ALIGN - start);
	st->start = start;
	st->end = start + size;
	st->lazy_max_pages = (unsigned long)fls_ul((unsigned long)m->nr_cpus) *
			     ((32ul << 20) >> PAGE_SHIFT);
	st->max_block_order = m->pageblock_order < m->max_order ? m->pageblock_order
								: m->max_order;
	{
		/* stale mappings count against vm.max_map_count: flush after
		 * a 64th of it was made (or is held), purge lazy areas holding
		 * more than 16 */
		unsigned long mmc = 65530;
		FILE *f = fopen("/proc/sys/vm/max_map_count", "r");

		if (f) {
			if (fscanf(f, "%lu", &mmc) != 1 || mmc < 1024)
				mmc = 65530;
			fclose(f);
		}
		st->stale_max_maps = mmc / 64;
		st->lazy_max_maps = 16;
	}
	pthread_mutex_init(&st->lock, NULL);
	va->va_start = st->start;
	va->va_end = st->end;
	va_tree_insert(&st->free, va);
	m->vmap = st;
	return 0;
}

static void va_tree_destroy(struct vmap_area *n)
{
	if (!n)
		return;
	va_tree_destroy(n->left);
	va_tree_destroy(n->right);
	free(n->pages);
	free(n);
}

/* Machine teardown: the whole range goes, live areas and all (their page
 * frames die with the machine's memory). */
void vmalloc_exit(struct mm *m)
{
	struct vmap_state *st = m->vmap;

	if (!st)
		return;
	munmap((void *)st->start, st->end - st->start);
	va_tree_destroy(st->busy.root);
	va_tree_destroy(st->lazy.root);
	va_tree_destroy(st->free.root);
	pthread_mutex_destroy(&st->lock);
	free(st);
	m->vmap = NULL;
}

/* ---- validate ------------------------------------------------------------------ */

#define VFAIL(sb, ...) do { sb_printf((sb), __VA_ARGS__); return -1; } while (0)

struct va_walk {
	unsigned long count, pages, stale;
	struct vmap_area **areas;       /* in-order, for the tiling check */
	unsigned long n, cap;
};

static int va_check_subtree(const struct vmap_area *n, unsigned long lo, unsigned long hi,
			    const char *tree, struct va_walk *w, struct strbuf *err, int depth)
{
	int hl, hr;

	if (!n)
		return 0;
	if (depth > 128)
		VFAIL(err, "vmalloc %s tree: deeper than 128 levels (a cycle?)", tree);
	if (n->va_start >= n->va_end || !PAGE_ALIGNED(n->va_start) || !PAGE_ALIGNED(n->va_end))
		VFAIL(err, "vmalloc %s tree: bad area %#lx-%#lx", tree, n->va_start, n->va_end);
	if (n->va_start < lo || n->va_start > hi)
		VFAIL(err, "vmalloc %s tree: area %#lx-%#lx is out of order", tree,
		      n->va_start, n->va_end);
	if (va_check_subtree(n->left, lo, n->va_start - 1, tree, w, err, depth + 1))
		return -1;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 256;
		w->areas = realloc(w->areas, w->cap * sizeof(*w->areas));
		if (!w->areas)
			VFAIL(err, "vmalloc validate: out of memory");
	}
	w->areas[w->n++] = (struct vmap_area *)n;
	w->count++;
	w->pages += va_size(n) >> PAGE_SHIFT;
	w->stale += n->stale;
	if (va_check_subtree(n->right, n->va_start + 1, hi, tree, w, err, depth + 1))
		return -1;
	hl = va_height(n->left);
	hr = va_height(n->right);
	if (n->height != 1 + (hl > hr ? hl : hr) || hl - hr > 1 || hr - hl > 1)
		VFAIL(err, "vmalloc %s tree: node %#lx has height %d over children %d/%d "
		      "(unbalanced or stale)", tree, n->va_start, n->height, hl, hr);
	if (n->subtree_max_size != max3(va_size(n), va_max(n->left), va_max(n->right)))
		VFAIL(err, "vmalloc %s tree: node %#lx has subtree_max_size %lu, its subtree's "
		      "largest area is %lu", tree, n->va_start, n->subtree_max_size,
		      max3(va_size(n), va_max(n->left), va_max(n->right)));
	return 0;
}

static int va_check_tree(const struct va_tree *t, const char *name, struct va_walk *w,
			 struct strbuf *err)
{
	unsigned long c0 = w->count, p0 = w->pages;

	if (va_check_subtree(t->root, 0, ~0ul, name, w, err, 0))
		return -1;
	if (w->count - c0 != t->count || w->pages - p0 != t->pages)
		VFAIL(err, "vmalloc %s tree: holds %lu areas / %lu pages, counted %lu / %lu",
		      name, w->count - c0, w->pages - p0, t->count, t->pages);
	return 0;
}

static int va_cmp_start(const void *a, const void *b)
{
	const struct vmap_area *x = *(struct vmap_area *const *)a, *y = *(struct vmap_area *const *)b;

	return x->va_start < y->va_start ? -1 : x->va_start > y->va_start;
}

static int va_check_busy(struct mm *m, const struct vmap_area *va, struct strbuf *err)
{
	unsigned long i = 0;

	if ((va->flags & (VM_UNINITIALIZED | VM_FREEING)))
		return 0;               /* in the hands of a running call */
	if (va->stale)
		VFAIL(err, "vmalloc area %#lx-%#lx: live, yet counts %lu stale mappings",
		      va->va_start, va->va_end, va->stale);
	if (!(va->flags & (VM_ALLOC | VM_MAP)) || va->nr_pages + 1 != va_size(va) >> PAGE_SHIFT ||
	    !va->pages)
		VFAIL(err, "vmalloc area %#lx-%#lx: flags %#x, %lu pages for %lu bytes",
		      va->va_start, va->va_end, va->flags, va->nr_pages, va_size(va));
	while (i < va->nr_pages) {
		struct page *p = va->pages[i];
		unsigned long step = 1;

		if (!va_page_valid(m, p))
			VFAIL(err, "vmalloc area %#lx: pages[%lu] = %p is not a page of the machine",
			      va->va_start, i, (void *)p);
		if (va->flags & VM_ALLOC) {
			unsigned order = (unsigned)p->private;

			step = 1ul << order;
			if (!(p->flags & PG_vmalloc) || p->_refcount != 1 || order > m->max_order ||
			    i + step > va->nr_pages || (page_to_pfn(m, p) & (step - 1)))
				VFAIL(err, "vmalloc area %#lx: pages[%lu] (pfn %#lx) is not an "
				      "allocated PG_vmalloc block head (flags %#lx, refcount %d, "
				      "order %u)", va->va_start, i, page_to_pfn(m, p), p->flags,
				      p->_refcount, order);
			for (unsigned long j = 1; j < step; j++)
				if (va->pages[i + j] != p + j)
					VFAIL(err, "vmalloc area %#lx: pages[%lu] is not frame %lu "
					      "of the order-%u block at pfn %#lx", va->va_start,
					      i + j, j, order, page_to_pfn(m, p));
		} else if (!va_page_allocated(m, p)) {
			VFAIL(err, "vmap area %#lx: pages[%lu] (pfn %#lx) was freed while still "
			      "mapped", va->va_start, i, page_to_pfn(m, p));
		}
		i += step;
	}
	return 0;
}

int vmalloc_validate(struct mm *m, struct strbuf *err)
{
	struct vmap_state *st = m->vmap;
	struct va_walk w = { 0 };
	unsigned long pos, nv = 0, nm = 0, pv = 0, pm = 0, stale;
	int ret = -1;

	if (!st)
		return 0;
	va_lock(st);
	if (va_check_tree(&st->busy, "busy", &w, err))
		goto out;
	stale = w.stale;
	if (va_check_tree(&st->lazy, "lazy", &w, err))
		goto out;
	if (w.stale - stale != st->lazy_maps) {
		sb_printf(err, "vmalloc lazy tree: its areas hold %lu stale mappings, counted %lu",
			  w.stale - stale, st->lazy_maps);
		goto out;
	}
	for (unsigned long i = 0; i < w.n; i++) {
		const struct vmap_area *va = w.areas[i];

		if (i >= st->busy.count)
			continue;
		if (va_check_busy(m, va, err))
			goto out;
		if (va->flags & VM_ALLOC) {
			nv++;
			pv += va->nr_pages;
		} else if (va->flags & VM_MAP) {
			nm++;
			pm += va->nr_pages;
		}
	}
	if (nv != st->nr_vmalloc || nm != st->nr_vmap || pv != st->vmalloc_pages ||
	    pm != st->vmap_pages) {
		sb_printf(err, "vmalloc: busy tree holds %lu vmalloc areas (%lu pages) and %lu "
			  "vmap areas (%lu pages), counted %lu (%lu) and %lu (%lu)", nv, pv, nm, pm,
			  st->nr_vmalloc, st->vmalloc_pages, st->nr_vmap, st->vmap_pages);
		goto out;
	}
	if (va_check_tree(&st->free, "free", &w, err))
		goto out;
	for (int i = 0; i < VA_SLOTS; i++) {
		const struct va_slot *sl = &st->slots[i];
		const struct vmap_area *b;

		if (!sl->len)
			continue;
		b = va_tree_find(&st->busy, sl->addr);
		if (!b)
			b = va_tree_find(&st->busy, sl->addr + sl->len - 1);
		if (b) {
			sb_printf(err, "vmalloc: stale slot %#lx-%#lx overlaps the busy area "
				  "%#lx-%#lx", sl->addr, sl->addr + sl->len, b->va_start, b->va_end);
			goto out;
		}
	}
	if (w.stale != st->stale_maps) {
		sb_printf(err, "vmalloc: the areas hold %lu stale mappings, counted %lu", w.stale,
			  st->stale_maps);
		goto out;
	}
	for (unsigned long i = st->busy.count + st->lazy.count + 1; i < w.n; i++) {
		if (w.areas[i - 1]->va_end >= w.areas[i]->va_start) {
			sb_printf(err, "vmalloc free tree: free areas %#lx-%#lx and %#lx-%#lx touch "
				  "(should have been merged)", w.areas[i - 1]->va_start,
				  w.areas[i - 1]->va_end, w.areas[i]->va_start, w.areas[i]->va_end);
			goto out;
		}
	}
	qsort(w.areas, w.n, sizeof(*w.areas), va_cmp_start);
	pos = st->start;
	for (unsigned long i = 0; i < w.n; i++) {
		if (w.areas[i]->va_start != pos) {
			sb_printf(err, "vmalloc range: %s %#lx, next area starts at %#lx",
				  w.areas[i]->va_start > pos ? "hole from" : "overlap at", pos,
				  w.areas[i]->va_start);
			goto out;
		}
		pos = w.areas[i]->va_end;
	}
	if (pos != st->end) {
		sb_printf(err, "vmalloc range: areas end at %#lx, VMALLOC_END is %#lx", pos, st->end);
		goto out;
	}
	ret = 0;
out:
	va_unlock(st);
	free(w.areas);
	return ret;
}

/* ---- reports -------------------------------------------------------------------- */

/* %pS of the caller: "symbol+0xoff/0xsize", or the entry point's name. */
static void va_show_caller(struct strbuf *sb, const struct vmap_area *va)
{
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	uintptr_t a = (uintptr_t)va->caller;

	if (va->caller && dladdr1(va->caller, &info, (void **)&sym, RTLD_DL_SYMENT) &&
	    info.dli_sname && info.dli_saddr && sym && sym->st_size &&
	    a >= (uintptr_t)info.dli_saddr && a < (uintptr_t)info.dli_saddr + sym->st_size) {
		sb_printf(sb, " %s+%#lx/%#lx", info.dli_sname,
			  (unsigned long)(a - (uintptr_t)info.dli_saddr),
			  (unsigned long)sym->st_size);
		return;
	}
	sb_printf(sb, " mm_%s", va->entry ? va->entry : "vmalloc");
}

static void va_show_numa(struct mm *m, struct strbuf *sb, const struct vmap_area *va)
{
	unsigned long counts[MM_MAX_NODES] = { 0 };

	for (unsigned long i = 0; i < va->nr_pages; i++)
		counts[pfn_to_nid(m, page_to_pfn(m, va->pages[i]))]++;
	for (int n = 0; n < m->nr_nodes; n++)
		if (counts[n])
			sb_printf(sb, " N%d=%lu", n, counts[n]);
}

static void va_show_busy(struct mm *m, struct strbuf *sb, const struct vmap_area *n)
{
	if (!n)
		return;
	va_show_busy(m, sb, n->left);
	if (!(n->flags & (VM_UNINITIALIZED | VM_FREEING))) {
		sb_printf(sb, "0x%016lx-0x%016lx %7lu", n->va_start, n->va_end, va_size(n));
		va_show_caller(sb, n);
		if (n->flags & VM_ALLOC) {
			sb_printf(sb, " pages=%lu vmalloc", n->nr_pages);
			va_show_numa(m, sb, n);
		} else {
			sb_puts(sb, " vmap");
		}
		sb_puts(sb, "\n");
	}
	va_show_busy(m, sb, n->right);
}

static void va_show_lazy(struct strbuf *sb, const struct vmap_area *n)
{
	if (!n)
		return;
	va_show_lazy(sb, n->left);
	sb_printf(sb, "0x%016lx-0x%016lx %7lu unpurged vm_area\n", n->va_start, n->va_end,
		  va_size(n));
	va_show_lazy(sb, n->right);
}

/* /proc/vmallocinfo (s_show): busy areas in address order,
 * then the lazily freed ones. */
void vmallocinfo_show(struct mm *m, struct strbuf *sb)
{
	struct vmap_state *st = m->vmap;

	if (!st)
		return;
	va_lock(st);
	va_show_busy(m, sb, st->busy.root);
	va_show_lazy(sb, st->lazy.root);
	va_unlock(st);
}

/* The "vmalloc" member of mm_report_json. */
void vmalloc_json(struct mm *m, struct json_writer *w)
{
	struct vmap_state *st = m->vmap;

	jw_object(w, "vmalloc", JW_INLINE);
	jw_bool(w, "enabled", st != NULL);
	if (!st) {
		jw_end(w);
		return;
	}
	va_lock(st);
	/* no absolute addresses: same config + seed + operations must give a
	 * byte-identical report whatever the process's address-space layout */
	jw_uint(w, "total", st->end - st->start);
	jw_uint(w, "used", st->busy.pages * PAGE_SIZE);
	jw_uint(w, "areas", st->busy.count);
	jw_uint(w, "vmalloc_areas", st->nr_vmalloc);
	jw_uint(w, "vmalloc_pages", st->vmalloc_pages);
	jw_uint(w, "vmap_areas", st->nr_vmap);
	jw_uint(w, "vmap_pages", st->vmap_pages);
	jw_uint(w, "lazy_areas", st->lazy.count);
	jw_uint(w, "lazy_pages", st->lazy.pages);
	jw_uint(w, "lazy_max_pages", st->lazy_max_pages);
	jw_uint(w, "free_areas", st->free.count);
	jw_uint(w, "free_bytes", st->free.pages * PAGE_SIZE);
	jw_uint(w, "largest_free", va_max(st->free.root));
	jw_uint(w, "stale_maps", st->stale_maps);
	va_unlock(st);
	for (int i = 0; i < NR_VA_STATS; i++)
		jw_uint(w, va_stat_names[i], __atomic_load_n(&st->stat[i], __ATOMIC_RELAXED));
	jw_end(w);
}
