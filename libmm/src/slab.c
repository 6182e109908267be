/*
 * slab.c - SLUB (mm/slub.c, mm/slab_common.c): object caches on top of the
 * page allocator.
 *
 * Owns: every struct kmem_cache of the machine (slab_state.caches), their
 * per-CPU structures (kmem_cache_cpu), per-node partial lists
 * (kmem_cache_node), and the slab pages themselves (PG_slab head pages with
 * slab_cache, freelist and counters in struct page).
 *
 * Data structures, as in SLUB:
 *   - each CPU has an active ("cpu") slab whose free objects form a lockless
 *     list c->freelist, used only by the owning thread, and a short list of
 *     frozen partial slabs (c->partial, cpu_partial_slabs long);
 *   - each node has a list of partial slabs under n->list_lock; empty slabs
 *     stay there while nr_partial < min_partial, the rest go back to the
 *     page allocator; a CPU that finds none at home takes another node's
 *     only from one holding more than min_partial, and only as often as
 *     remote_node_defrag_ratio allows (get_any_partial, 6.18);
 *   - a new slab's pages come at the cache's preferred order (calculate_order
 *     of 6.8+) asked for opportunistically - no reclaim, no reserves -
 *     falling back to the order of one object (allocate_slab);
 *   - full slabs are on no list (debug caches keep them on n->full).
 *   - slab->freelist + slab->counters (inuse:16 objects:15 frozen:1 and the
 *     owning CPU + 1 in bits 32..47) form one 16-byte word changed with
 *     cmpxchg16b, so any CPU can free into any slab without a lock.
 *
 * Slab states (counters.frozen, list membership):
 *   cpu slab      frozen, owner = CPU; objects in c->freelist are free but
 *                 counted in inuse; remote frees push onto slab->freelist
 *   cpu partial   frozen, on c->partial of the CPU that froze it
 *   node partial  not frozen, on n->partial, freelist != NULL (or empty)
 *   full          not frozen, freelist == NULL, on no list (debug: n->full)
 * Transitions: a free into a full unfrozen slab freezes it onto the freeing
 * CPU's partial list; an overflowing cpu partial list is unfrozen onto the
 * node lists (unfreeze_partials); a cpu slab whose freelist runs dry is
 * unfrozen by get_freelist() and becomes full; flush/deactivate merges
 * c->freelist back and files the slab by its counters.
 *
 * Invariants: inuse + free objects on slab->freelist == objects for every
 * unfrozen slab; a slab is on n->partial iff it is unfrozen and has a free
 * object (or is an empty keeper); nr_slabs/total_objects count every slab.
 *
 * Lock order: slab_state.mutex (cache list, refcounts) -> n->list_lock ->
 * zone->lock (page allocator) -> mm->log_lock.  The per-CPU structures are
 * owned by the bound thread (or by a thread that mm_cpu_acquire()d an
 * unbound CPU to flush it).  Unfreezing a slab and any free that may move a
 * slab between lists happen under n->list_lock, so list membership never
 * races; frees that only push an object do not take it.
 *
 * Fast paths (slab.h, inlined here and into kmalloc.c): slab_alloc() pops
 * c->freelist, slab_free() pushes onto it when the object belongs to the
 * cpu slab; one unlikely() test each, then slab_alloc_slow()/slab_free_slow()
 * here.  With slub_sheaves=1 they pop and push the CPU's main sheaf instead
 * (sheaf.c, which calls back into the bulk operations here for refills and
 * flushes).  Every page of a slab of the cache's preferred order carries
 * slab_cache and PG_slab_oo, so kfree and the sheaf free check an object
 * from its own struct page: such slabs are aligned to their size.  Everything else - refills, remote frees, list moves - is below.
 * (No prefetch_freepointer() as slab_alloc_node() has: measured here it
 * costs the 64 B pair 0.1-0.2 ns and buys the random pattern 0.2.)
 *
 * Frees that miss the cpu slab (__slab_free) come in two halves.  The
 * common one, inlined into the callers: the slab is frozen, or keeps both a
 * free object and an object in use, so no list changes - one cmpxchg of
 * (freelist, counters), no lock.  Everything else - the slab was full or
 * becomes empty while unfrozen (freeze onto the cpu partial list, or
 * n->list_lock: add_partial / discard), a lost cmpxchg race, a double free -
 * goes to __slab_free_list(), which starts over from the slab's state and is
 * the kernel's __slab_free() loop unchanged.  Debug and init_on_free caches
 * go through __slab_free_other() first.  Every call out of the common half
 * is a tail call, so it needs no stack frame, and the double-word cmpxchg is
 * lock cmpxchg16b written out so it inlines (the __sync builtin under TSan).
 *
 * Debug caches (any of slub_debug's F Z P U T, per cache or machine-wide
 * debug=) never use cpu slabs: every operation takes n->list_lock and runs
 * the checks of alloc/free_debug_processing.  The fast paths have no trace
 * of debugging: a debug cache's c->freelist is always NULL.
 *
 * Reports taint the machine 'B' (slab_count_error(): every BUG report,
 * fix and refused free, as slab_err()/object_err() do); the BUG header
 * prints print_tainted() as it was before the report.  With panic_on_taint
 * covering 'B', an allocation that found corruption fails with EFAULT and
 * gives its object back (slab_alloc_panic()); refused frees fail anyway.
 * They and every other line logged under n->list_lock or slab_state.mutex
 * (taken with mm_mutex_lock()) reach the report callback only once the
 * thread holds neither, so a callback may call back into the slab.
 *
 * failslab (fault_inject.c): slab_alloc_slow() asks should_failslab() - the
 * fast paths get there because s->slow_bits has bit 31 set while failslab
 * may fail the cache (slab_failslab_changed(), the hook fault_inject.c
 * calls) - and kmem_cache_alloc_bulk() asks once per call.
 *
 * Hardening: free pointers are stored as ptr ^ s->random ^ bswap(slot
 * address) (CONFIG_SLAB_FREELIST_HARDENED) and read only through
 * get_freepointer/set_freepointer; every pointer popped is range-checked
 * against its slab before it is followed.  New slabs link their objects in
 * a per-cache shuffled order from a random start (CONFIG_SLAB_FREELIST_RANDOM).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "page_owner.h"
#include "slab.h"
#include "mm_track.h"

#define POISON_INUSE      0x5a
#define POISON_FREE       0x6b
#define POISON_END        0xa5
#define SLUB_RED_INACTIVE 0xbb
#define SLUB_RED_ACTIVE   0xcc
#define MAX_OBJS_PER_PAGE 32767
#define MIN_PARTIAL       5
#define MAX_PARTIAL       10
#define WORD              sizeof(void *)
#define CACHE_LINE        64u
#define ALIGN_UP(x, a)    (((x) + (a) - 1) & ~((unsigned long)(a) - 1))

#define SLAB_NEVER_MERGE (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | \
			  SLAB_TYPESAFE_BY_RCU | SLAB_NOLEAKTRACE | SLAB_FAILSLAB | \
			  SLAB_NO_MERGE | SLAB_CONSISTENCY_CHECKS)
#define SLAB_MERGE_SAME  (SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_ACCOUNT)
#define GFP_RECLAIM_MASK (__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | \
			  __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | \
			  __GFP_NOMEMALLOC)
#define GFP_CONSTRAINT_MASK (__GFP_HARDWALL | __GFP_THISNODE)

static const char *const slub_stat_names[NR_SLUB_STAT_ITEMS] = {
#define SLUB_NAME(e, n) n,
	SLUB_STATS(SLUB_NAME)
#undef SLUB_NAME
};

/* ---- counters word (cnt_* in slab.h) ------------------------------------ */

static inline unsigned long mkcnt(unsigned inuse, unsigned objects, bool frozen, int owner)
{
	return (unsigned long)inuse | (unsigned long)objects << 16 |
	       (unsigned long)frozen << 31 | (unsigned long)(frozen ? owner + 1 : 0) << 32;
}

static inline void *slab_freelist(struct page *slab)
{
	return __atomic_load_n(&slab->freelist, __ATOMIC_ACQUIRE);
}


/* The double-word compare-and-swap on (freelist, counters).  lock
 * cmpxchg16b written out, so that it inlines into callers compiled without
 * -mcx16 (a target("cx16") function cannot be inlined); under TSan the
 * builtin, which TSan instruments as an atomic. */
#if defined(__SANITIZE_THREAD__)
__attribute__((target("cx16")))
static __noinline bool cmpxchg_double_slab(struct page *slab, void *fo, unsigned long co,
					   void *fn, unsigned long cn)
{
	unsigned __int128 o = (unsigned __int128)co << 64 | (uintptr_t)fo;
	unsigned __int128 n = (unsigned __int128)cn << 64 | (uintptr_t)fn;

	return __sync_bool_compare_and_swap((unsigned __int128 *)(void *)&slab->freelist, o, n);
}
#else
static __always_inline bool cmpxchg_double_slab(struct page *slab, void *fo, unsigned long co,
						void *fn, unsigned long cn)
{
	typedef unsigned __int128 __attribute__((may_alias)) u128_alias;
	bool ok;

	asm volatile("lock cmpxchg16b %[mem]"
		     : [mem] "+m" (*(u128_alias *)(void *)&slab->freelist), "=@ccz" (ok),
		       "+a" (fo), "+d" (co)
		     : "b" (fn), "c" (cn)
		     : "memory");
	return ok;
}
#endif

_Static_assert(offsetof(struct page, counters) == offsetof(struct page, freelist) + 8,
	       "freelist and counters must be adjacent");
_Static_assert(offsetof(struct page, freelist) % 16 == 0, "freelist must be 16-byte aligned");

/* ---- addresses --------------------------------------------------------- */


static inline unsigned slab_order_of(const struct page *slab)
{
	return (unsigned)slab->private;
}

static inline int slab_nid(struct mm *m, const struct page *slab)
{
	return pfn_to_nid(m, page_to_pfn(m, slab));
}

static inline unsigned order_objects(unsigned order, unsigned size)
{
	unsigned long n = (PAGE_SIZE << order) / size;

	return n > MAX_OBJS_PER_PAGE ? MAX_OBJS_PER_PAGE : (unsigned)n;
}

/* Head page of the block holding direct-map address x, or NULL. */
struct page *slab_virt_to_head(struct mm *m, const void *x)
{
	uintptr_t a = (uintptr_t)x - (uintptr_t)m->direct_map;
	struct page *page;

	if (!m->direct_map || a >= m->direct_map_bytes)
		return NULL;
	page = pfn_to_page(m, a >> PAGE_SHIFT);
	return compound_head(page);
}

/* ---- free pointers (the only access to in-object links) ------------------ */

/* check_valid_pointer(): NULL, or an object start inside the slab. */
static bool check_valid_pointer(struct kmem_cache *s, struct page *slab, void *object)
{
	char *base;
	uintptr_t off;

	if (!object)
		return true;
	base = slab_address(s->mm, slab) + s->red_left_pad;
	off = (uintptr_t)object - (uintptr_t)base;
	return off < (uintptr_t)cnt_objects(slab_counters(slab)) * s->size && slot_exact(s, off);
}

/* ---- reports ------------------------------------------------------------- */

/* Every report and fix counts (slub_kunit's error count) and taints the
 * machine 'B', as slab_err()/object_err() do with add_taint(). */
void slab_count_error(struct mm *m)
{
	__atomic_fetch_add(&m->slab->errors, 1, __ATOMIC_RELAXED);
	add_taint(m, MM_TAINT_BAD_PAGE);
}

unsigned long mm_slab_errors(struct mm *m)
{
	return m && m->slab ? __atomic_load_n(&m->slab->errors, __ATOMIC_RELAXED) : 0;
}

static void slab_bug(struct kmem_cache *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slab_bug(struct kmem_cache *s, const char *fmt, ...)
{
	char buf[512], taint[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mm_printk(s->mm, "=============================================================================");
	mm_printk(s->mm, "BUG %s (%s): %s", s->name, print_tainted(s->mm, taint, sizeof(taint)), buf);
	mm_printk(s->mm, "-----------------------------------------------------------------------------");
	mm_printk(s->mm, "%s", "");
}

static void slab_fix(struct kmem_cache *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void slab_fix(struct kmem_cache *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mm_printk(s->mm, "FIX %s: %s", s->name, buf);
	slab_count_error(s->mm);
}

static __mm_no_asan void print_section(struct mm *m, const char *text, const unsigned char *p,
				       size_t len)
{
	char line[128];

	for (size_t i = 0; i < len; i += 16) {
		int n = snprintf(line, sizeof(line), "%s%016lx:", text, (unsigned long)(p + i));

		for (size_t j = i; j < len && j < i + 16; j++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %02x", p[j]);
		mm_printk(m, "%s", line);
	}
}

static void symbolize(unsigned long addr, char *buf, size_t len)
{
	Dl_info info;

	if (addr && dladdr((void *)addr, &info) && info.dli_sname)
		snprintf(buf, len, "%s+0x%lx", info.dli_sname,
			 addr - (unsigned long)info.dli_saddr);
	else
		snprintf(buf, len, "0x%lx", addr);
}

static inline unsigned get_info_end(const struct kmem_cache *s)
{
	return s->offset >= s->inuse ? s->offset + (unsigned)WORD : s->inuse;
}

static inline bool slub_debug_orig_size(const struct kmem_cache *s)
{
	return (s->flags & SLAB_STORE_USER) && (s->flags & SLAB_KMALLOC);
}

static inline struct track *get_track(const struct kmem_cache *s, void *object,
				      enum track_item alloc)
{
	return (struct track *)((char *)object + get_info_end(s)) + alloc;
}

static inline unsigned *orig_size_ptr(const struct kmem_cache *s, void *object)
{
	return (unsigned *)((char *)object + get_info_end(s) + 2 * sizeof(struct track));
}

/* Owner-tracking time: a count of tracked operations, so reports are
 * reproducible (the kernel uses jiffies). */
static unsigned long track_clock(struct mm *m)
{
	return __atomic_add_fetch(&m->slab->track_clock, 1, __ATOMIC_RELAXED);
}

static void print_track(struct kmem_cache *s, const char *what, const struct track *t)
{
	char sym[256];

	if (!t->addr)
		return;
	symbolize(t->addr, sym, sizeof(sym));
	mm_printk(s->mm, "INFO: %s in %s age=%lu cpu=%d pid=%d", what, sym,
		  track_clock(s->mm) - t->when, t->cpu, t->pid);
}

static void print_slab_info(struct kmem_cache *s, struct page *slab)
{
	unsigned long c = slab_counters(slab);

	mm_printk(s->mm, "Slab %p objects=%u used=%u fp=%p flags=%#lx", (void *)slab,
		  cnt_objects(c), cnt_inuse(c), slab_freelist(slab), slab->flags);
}

static __mm_no_asan void print_trailer(struct kmem_cache *s, struct page *slab, void *object)
{
	struct mm *m = s->mm;
	unsigned char *p = object, *addr = (unsigned char *)slab_address(m, slab);
	unsigned off = get_info_end(s);

	if (s->flags & SLAB_STORE_USER) {
		print_track(s, "Allocated", get_track(s, object, TRACK_ALLOC));
		print_track(s, "Freed", get_track(s, object, TRACK_FREE));
	}
	print_slab_info(s, slab);
	mm_printk(m, "Object %p @offset=%tu fp=%p", object, p - addr, get_freepointer(s, object));
	if (s->flags & SLAB_RED_ZONE)
		print_section(m, "Redzone  ", p - s->red_left_pad, s->red_left_pad);
	else if (p > addr + 16)
		print_section(m, "Bytes b4 ", p - 16, 16);
	print_section(m, "Object   ", p, s->object_size < 128 ? s->object_size : 128);
	if (s->flags & SLAB_RED_ZONE)
		print_section(m, "Redzone  ", p + s->object_size, s->inuse - s->object_size);
	if (s->flags & SLAB_STORE_USER)
		off += 2 * sizeof(struct track);
	if (slub_debug_orig_size(s))
		off += sizeof(unsigned);
	if (off != s->size - s->red_left_pad)
		print_section(m, "Padding  ", p + off, s->size - s->red_left_pad - off);
}

static void object_err(struct kmem_cache *s, struct page *slab, void *object, const char *reason)
{
	slab_bug(s, "%s", reason);
	print_trailer(s, slab, object);
	slab_count_error(s->mm);
}

static void slab_err(struct kmem_cache *s, struct page *slab, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void slab_err(struct kmem_cache *s, struct page *slab, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	slab_bug(s, "%s", buf);
	if (slab)
		print_slab_info(s, slab);
	slab_count_error(s->mm);
}

/* ---- debug: object initialisation and checks --------------------------------- */

static inline bool object_poison(const struct kmem_cache *s)
{
	return (s->flags & SLAB_POISON) && !s->ctor && !(s->flags & SLAB_TYPESAFE_BY_RCU);
}

static __mm_no_asan void bytes_set(unsigned char *p, int v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((volatile unsigned char *)p)[i] = (unsigned char)v;
}

/* init_object(): poison the body of a free object, paint the red zones. */
static __mm_no_asan void init_object(struct kmem_cache *s, void *object, int val)
{
	unsigned char *p = object;

	if (s->flags & SLAB_RED_ZONE)
		bytes_set(p - s->red_left_pad, val, s->red_left_pad);
	if (object_poison(s) && val == SLUB_RED_INACTIVE) {
		bytes_set(p, POISON_FREE, s->object_size - 1);
		p[s->object_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		bytes_set(p + s->object_size, val, s->inuse - s->object_size);
}

static __mm_no_asan bool check_bytes_and_report(struct kmem_cache *s, struct page *slab,
						void *object, const char *what,
						unsigned char *start, int value, size_t bytes)
{
	unsigned char *fault = NULL, *end;

	for (size_t i = 0; i < bytes; i++)
		if (start[i] != (unsigned char)value) {
			fault = start + i;
			break;
		}
	if (!fault)
		return true;
	end = start + bytes;
	while (end > fault && end[-1] == (unsigned char)value)
		end--;
	slab_bug(s, "%s overwritten", what);
	mm_printk(s->mm, "%p-%p @offset=%tu. First byte 0x%x instead of 0x%x", (void *)fault,
		  (void *)(end - 1), fault - (unsigned char *)slab_address(s->mm, slab), *fault,
		  value);
	print_trailer(s, slab, object);
	slab_count_error(s->mm);
	slab_fix(s, "Restoring %s %p-%p=0x%x", what, (void *)fault, (void *)(end - 1), value);
	bytes_set(fault, value, (size_t)(end - fault));
	return false;
}

static bool check_pad_bytes(struct kmem_cache *s, struct page *slab, unsigned char *p)
{
	unsigned off = get_info_end(s);
	unsigned end = s->size - s->red_left_pad;

	if (s->flags & SLAB_STORE_USER)
		off += 2 * sizeof(struct track);
	if (slub_debug_orig_size(s))
		off += sizeof(unsigned);
	if (off == end)
		return true;
	return check_bytes_and_report(s, slab, p, "Object padding", p + off, POISON_INUSE, end - off);
}

/* slab_pad_check(): the slab's tail remainder must still be POISON_INUSE. */
static __mm_no_asan void slab_pad_check(struct kmem_cache *s, struct page *slab)
{
	unsigned char *start = (unsigned char *)slab_address(s->mm, slab), *fault = NULL, *end;
	size_t length = PAGE_SIZE << slab_order_of(slab);
	size_t used = (size_t)cnt_objects(slab_counters(slab)) * s->size;

	if (!(s->flags & SLAB_POISON))
		return;
	for (size_t i = used; i < length; i++)
		if (start[i] != POISON_INUSE) {
			fault = start + i;
			break;
		}
	if (!fault)
		return;
	end = start + length;
	while (end > fault && end[-1] == POISON_INUSE)
		end--;
	slab_err(s, slab, "Padding overwritten. %p-%p @offset=%tu", (void *)fault,
		 (void *)(end - 1), fault - start);
	slab_fix(s, "Restoring Padding %p-%p=0x%x", (void *)fault, (void *)(end - 1),
		 POISON_INUSE);
	bytes_set(fault, POISON_INUSE, (size_t)(end - fault));
}

static __mm_no_asan bool check_object(struct kmem_cache *s, struct page *slab, void *object,
				      int val)
{
	unsigned char *p = object, *endobject = p + s->object_size;
	bool ret = true;

	if (s->flags & SLAB_RED_ZONE) {
		if (!check_bytes_and_report(s, slab, object, "Left Redzone", p - s->red_left_pad,
					    val, s->red_left_pad))
			ret = false;
		if (!check_bytes_and_report(s, slab, object, "Right Redzone", endobject, val,
					    s->inuse - s->object_size))
			ret = false;
		if (slub_debug_orig_size(s) && val == SLUB_RED_ACTIVE) {
			unsigned orig = *orig_size_ptr(s, object);

			if (orig < s->object_size &&
			    !check_bytes_and_report(s, slab, object, "kmalloc Redzone", p + orig, val,
						    s->object_size - orig))
				ret = false;
		}
	} else if ((s->flags & SLAB_POISON) && s->object_size < s->inuse) {
		if (!check_bytes_and_report(s, slab, p, "Alignment padding", endobject, POISON_INUSE,
					    s->inuse - s->object_size))
			ret = false;
	}
	if (s->flags & SLAB_POISON) {
		if (val != SLUB_RED_ACTIVE && object_poison(s)) {
			if (!check_bytes_and_report(s, slab, p, "Poison", p, POISON_FREE,
						    s->object_size - 1))
				ret = false;
			if (!check_bytes_and_report(s, slab, p, "End Poison", endobject - 1, POISON_END, 1))
				ret = false;
		}
		if (!check_pad_bytes(s, slab, p))
			ret = false;
	}
	if ((s->offset >= s->inuse || val != SLUB_RED_ACTIVE) &&
	    !check_valid_pointer(s, slab, get_freepointer(s, p))) {
		object_err(s, slab, p, "Freepointer corrupt");
		set_freepointer(s, p, NULL);
		ret = false;
	}
	return ret;
}

static bool check_slab(struct kmem_cache *s, struct page *slab)
{
	unsigned long c = slab_counters(slab);
	unsigned maxobj = order_objects(slab_order_of(slab), s->size);

	if (!(slab->flags & PG_slab)) {
		slab_err(s, slab, "Not a valid slab page");
		return false;
	}
	if (cnt_objects(c) > maxobj) {
		slab_err(s, slab, "objects %u > max %u", cnt_objects(c), maxobj);
		return false;
	}
	if (cnt_inuse(c) > cnt_objects(c)) {
		slab_err(s, slab, "inuse %u > max %u", cnt_inuse(c), cnt_objects(c));
		return false;
	}
	slab_pad_check(s, slab);
	return true;
}

/* on_freelist(): is search on the slab's freelist?  Repairs the chain and
 * the counters as SLUB does.  Unfrozen slabs under n->list_lock only. */
static bool on_freelist(struct kmem_cache *s, struct page *slab, void *search)
{
	unsigned long c = slab_counters(slab);
	unsigned nr = 0, objects = cnt_objects(c), max_objects;
	void *fp = slab_freelist(slab), *object = NULL;

	while (fp && nr <= objects) {
		if (fp == search)
			return true;
		if (!check_valid_pointer(s, slab, fp)) {
			if (object) {
				object_err(s, slab, object, "Freechain corrupt");
				set_freepointer(s, object, NULL);
			} else {
				slab_err(s, slab, "Freepointer corrupt");
				slab->freelist = NULL;
				slab->counters = mkcnt(objects, objects, false, 0);
				slab_fix(s, "Freelist cleared");
				return false;
			}
			break;
		}
		object = fp;
		fp = get_freepointer(s, object);
		nr++;
	}
	max_objects = order_objects(slab_order_of(slab), s->size);
	if (objects != max_objects) {
		slab_err(s, slab, "Wrong number of objects. Found %u but should be %u", objects,
			 max_objects);
		objects = max_objects;
		slab->counters = mkcnt(cnt_inuse(c), objects, false, 0);
		slab_fix(s, "Number of objects adjusted.");
	}
	if (cnt_inuse(slab->counters) != objects - nr) {
		slab_err(s, slab, "Wrong object count. Counter is %u but counted were %u",
			 cnt_inuse(slab->counters), objects - nr);
		slab->counters = mkcnt(objects - nr, objects, false, 0);
		slab_fix(s, "Object count adjusted.");
	}
	return search == NULL;
}


static void set_track(struct kmem_cache *s, void *object, enum track_item alloc,
		      unsigned long addr, struct mm_cpu *cpu)
{
	struct track *t = get_track(s, object, alloc);

	t->addr = addr;
	t->cpu = cpu ? cpu->id : -1;
	t->pid = cpu ? cpu->id : -1;
	t->when = track_clock(s->mm);
}

static void trace(struct kmem_cache *s, struct page *slab, void *object, bool alloc)
{
	if (!(s->flags & SLAB_TRACE))
		return;
	mm_printk(s->mm, "TRACE %s %s %p inuse=%u fp=%p", s->name, alloc ? "alloc" : "free",
		  object, cnt_inuse(slab_counters(slab)), slab_freelist(slab));
}

/* ---- slab pages ---------------------------------------------------------- */

static unsigned long splitmix64(unsigned long *state)
{
	unsigned long z = (*state += 0x9e3779b97f4a7c15ul);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
	return z ^ (z >> 31);
}

static void account_slab(struct kmem_cache *s, struct page *slab, long sign)
{
	struct slab_state *st = s->mm->slab;
	unsigned long pages = 1ul << slab_order_of(slab);
	int nid = slab_nid(s->mm, slab);
	struct kmem_cache_node *n = &s->node[nid];
	unsigned long *ctr = (s->flags & SLAB_RECLAIM_ACCOUNT) ? &st->nr_slab_reclaimable[nid]
							       : &st->nr_slab_unreclaimable[nid];

	__atomic_add_fetch(ctr, sign * (long)pages, __ATOMIC_RELAXED);
	__atomic_add_fetch(&n->nr_slabs, sign, __ATOMIC_RELAXED);
	__atomic_add_fetch(&n->total_objects, sign * (long)cnt_objects(slab->counters),
			   __ATOMIC_RELAXED);
}

/* The free objects of a new slab, linked in shuffled or address order;
 * returns the first. */
static void *build_freelist(struct kmem_cache *s, char *start, unsigned objects)
{
	void *head = NULL, *prev = NULL;
	unsigned pos = 0;

	if (s->random_seq && objects > 1) {
		unsigned long st = s->random ^ __atomic_add_fetch(&s->rnd_ctr, 1, __ATOMIC_RELAXED);

		pos = (unsigned)(splitmix64(&st) % s->objects);
	}
	for (unsigned i = 0, done = 0; done < objects; i++) {
		unsigned idx = i;
		void *obj;

		if (s->random_seq) {
			idx = s->random_seq[pos];
			pos = pos + 1 == s->objects ? 0 : pos + 1;
			if (idx >= objects)
				continue;
		}
		obj = start + (size_t)idx * s->size + s->red_left_pad;
		if (prev)
			set_freepointer(s, prev, obj);
		else
			head = obj;
		prev = obj;
		done++;
	}
	set_freepointer(s, prev, NULL);
	return head;
}

/* allocate_slab(): pages for a slab, objects initialised.  The preferred
 * order is asked for without a warning or retries - and, when it is above
 * the minimum, opportunistically: no direct reclaim, no reserves
 * ((gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM) - so a fragmented machine
 * falls back to the minimum order (with the caller's own flags) instead of
 * pressing the page allocator for it.  Returns the slab with its freelist
 * built in slab->freelist, counters inuse 0, not frozen. */
static struct page *new_slab(struct kmem_cache *s, gfp_t gfp, struct kmem_cache_cpu *c)
{
	struct mm *m = s->mm;
	gfp_t base = (gfp & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK)) | s->allocflags;
	gfp_t first = (base | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
	struct page *slab;
	unsigned order = s->order, objects;
	char *start;

	if ((first & __GFP_DIRECT_RECLAIM) && s->order > s->min_order)
		first = (first | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
	slab = mm_alloc_pages(m, first | (order ? __GFP_COMP : 0), order);
	if (!slab) {
		order = s->min_order;
		slab = mm_alloc_pages(m, base | (order ? __GFP_COMP : 0), order);
		if (!slab)
			return NULL;
		slab_stat(c, ORDER_FALLBACK);
	}
	objects = order_objects(order, s->size);
	start = slab_address(m, slab);
	slab->slab_cache = s;
	slab->counters = mkcnt(0, objects, false, 0);
	WRITE_ONCE(slab->flags, slab->flags | PG_slab);
	if (order == s->order)
		for (unsigned long i = 0; i < 1ul << order; i++) {
			slab[i].slab_cache = s;
			WRITE_ONCE(slab[i].flags, slab[i].flags | PG_slab_oo);
		}
	if (s->flags & SLAB_POISON)
		memset(start, POISON_INUSE, PAGE_SIZE << order);
	for (unsigned i = 0; (s->debug || s->ctor) && i < objects; i++) {
		void *obj = start + (size_t)i * s->size + s->red_left_pad;

		if (s->debug) {
			init_object(s, obj, SLUB_RED_INACTIVE);
			if (s->flags & SLAB_STORE_USER)
				memset(get_track(s, obj, TRACK_ALLOC), 0, 2 * sizeof(struct track));
		}
		if (s->ctor)
			mm_run_ctor(m, s->ctor, obj);
	}
	slab->freelist = build_freelist(s, start, objects);
#if MM_ASAN
	if (!s->debug)
		for (unsigned i = 0; i < objects; i++)
			mm_track_free(start + (size_t)i * s->size + s->red_left_pad, s->object_size);
#endif
	account_slab(s, slab, 1);
	slab_stat(c, ALLOC_SLAB);
	return slab;
}

/* Give a slab's pages back to the page allocator. */
static void discard_slab(struct kmem_cache *s, struct page *slab, struct kmem_cache_cpu *c)
{
	struct mm *m = s->mm;
	unsigned order = slab_order_of(slab);

	account_slab(s, slab, -1);
	mm_track_alloc(slab_address(m, slab), PAGE_SIZE << order);
	if (slab->flags & PG_slab_oo)
		for (unsigned long i = 1; i < 1ul << order; i++) {
			WRITE_ONCE(slab[i].flags, slab[i].flags & ~(unsigned long)PG_slab_oo);
			slab[i].slab_cache = NULL;
		}
	slab->flags &= ~(unsigned long)PG_slab_oo;
	slab->slab_cache = NULL;
	slab->freelist = NULL;
	slab->counters = 0;
	WRITE_ONCE(slab->flags, slab->flags & ~(unsigned long)PG_slab);
	mm_free_pages(m, slab, order);
	slab_stat(c, FREE_SLAB);
}

static void discard_list(struct kmem_cache *s, struct list_head *list, struct kmem_cache_cpu *c)
{
	while (!list_empty(list)) {
		struct page *slab = list_first_entry(list, struct page, lru);

		list_del(&slab->lru);
		discard_slab(s, slab, c);
	}
}

/* ---- node partial lists (n->list_lock held) ------------------------------------ */

static inline struct kmem_cache_node *get_node(struct kmem_cache *s, struct page *slab)
{
	return &s->node[slab_nid(s->mm, slab)];
}

static inline void add_partial(struct kmem_cache_node *n, struct page *slab, bool tail)
{
	WRITE_ONCE(n->nr_partial, n->nr_partial + 1);
	if (tail)
		list_add_tail(&slab->lru, &n->partial);
	else
		list_add(&slab->lru, &n->partial);
}

static inline void remove_partial(struct kmem_cache_node *n, struct page *slab)
{
	list_del(&slab->lru);
	WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
}

/* ---- the lockless machinery -------------------------------------------------- */

/* get_freelist(): take the cpu slab's remotely freed objects; when there are
 * none the slab is unfrozen (it is full and on no list). */
static void *get_freelist(struct page *slab, int owner)
{
	void *fo;
	unsigned long co, cn;

	do {
		fo = slab_freelist(slab);
		co = slab_counters(slab);
		cn = mkcnt(cnt_objects(co), cnt_objects(co), fo != NULL, owner);
	} while (!cmpxchg_double_slab(slab, fo, co, NULL, cn));
	return fo;
}

/* acquire_slab(): freeze a node partial slab for this CPU and take its
 * freelist.  n->list_lock held; the slab leaves the list. */
static void *acquire_slab(struct kmem_cache_node *n, struct page *slab, int owner)
{
	void *fo;
	unsigned long co;

	do {
		fo = slab_freelist(slab);
		co = slab_counters(slab);
	} while (!cmpxchg_double_slab(slab, fo, co, NULL,
				      mkcnt(cnt_objects(co), cnt_objects(co), true, owner)));
	remove_partial(n, slab);
	return fo;
}

/* Freeze a node partial slab for this CPU's partial list, objects left on
 * its freelist.  n->list_lock held; the slab leaves the list. */
static void freeze_slab(struct kmem_cache_node *n, struct page *slab, int owner)
{
	void *fo;
	unsigned long co;

	do {
		fo = slab_freelist(slab);
		co = slab_counters(slab);
	} while (!cmpxchg_double_slab(slab, fo, co, fo,
				      mkcnt(cnt_inuse(co), cnt_objects(co), true, owner)));
	remove_partial(n, slab);
}

/* Unfreeze a frozen slab, adding `nr` locally free objects [head..tail]
 * back, and file it under n->list_lock: discard when empty and the node has
 * enough partial slabs, else partial if it has free objects, else nowhere. */
static void unfreeze_slab(struct kmem_cache *s, struct page *slab, void *head, void *tail,
			  unsigned nr, struct kmem_cache_cpu *c, bool *discard)
{
	struct kmem_cache_node *n = get_node(s, slab);
	void *fo;
	unsigned long co, cn;

	mm_mutex_lock(&n->list_lock);
	do {
		fo = slab_freelist(slab);
		co = slab_counters(slab);
		if (tail)
			set_freepointer(s, tail, fo);
		cn = mkcnt(cnt_inuse(co) - nr, cnt_objects(co), false, 0);
	} while (!cmpxchg_double_slab(slab, fo, co, head ? head : fo, cn));
	*discard = false;
	if (!cnt_inuse(cn) && n->nr_partial >= s->min_partial) {
		*discard = true;
		slab_stat(c, DEACTIVATE_EMPTY);
	} else if (head || fo) {
		add_partial(n, slab, true);
		slab_stat(c, DEACTIVATE_TO_TAIL);
	} else {
		slab_stat(c, DEACTIVATE_FULL);
	}
	mm_mutex_unlock(&n->list_lock);
}

static void unfreeze_partials(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct page *slab, *next;
	bool discard;

	for (slab = c->partial; slab; slab = next) {
		next = (struct page *)slab->lru.next;
		slab->lru.next = slab->lru.prev = NULL;
		unfreeze_slab(s, slab, NULL, NULL, 0, c, &discard);
		if (discard)
			discard_slab(s, slab, c);
	}
	c->partial = NULL;
	c->nr_partial = 0;
}

static void put_cpu_partial(struct kmem_cache *s, struct page *slab, struct kmem_cache_cpu *c)
{
	if (c->nr_partial >= s->cpu_partial_slabs) {
		unfreeze_partials(s, c);
		slab_stat(c, CPU_PARTIAL_DRAIN);
	}
	slab->lru.next = (struct list_head *)c->partial;
	c->partial = slab;
	c->nr_partial++;
}

/* deactivate_slab(): give up the cpu slab, merging c->freelist back. */
static void freelist_corrupt(struct kmem_cache *s, struct page *slab, void *object, void *bad);

static void deactivate_cpu_slab(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct page *slab = c->slab;
	void *head = c->freelist, *tail = NULL;
	unsigned nr = 0;
	bool discard;

	if (!slab)
		return;
	for (void *p = head; p; p = get_freepointer(s, p)) {
		if (!check_valid_pointer(s, slab, p) || nr >= cnt_inuse(slab_counters(slab))) {
			/* corrupt chain: keep the valid part, isolate the rest */
			freelist_corrupt(s, slab, tail, p);
			if (tail)
				set_freepointer(s, tail, NULL);
			else
				head = NULL;
			break;
		}
		tail = p;
		nr++;
	}
	if (slab_freelist(slab))
		slab_stat(c, DEACTIVATE_REMOTE_FREES);
	c->slab = NULL;
	c->freelist = NULL;
	c->base = NULL;
	c->span = c->free_span = 0;
	unfreeze_slab(s, slab, head, tail, nr, c, &discard);
	if (discard)
		discard_slab(s, slab, c);
}

/* flush_cpu_slab(): the CPU's sheaves first (their objects may land in
 * its cpu slab), then the cpu slab and the cpu partial list. */
static void flush_cpu(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	if (s->sheaf_capacity)
		pcs_flush_all(s, &s->mm->cpus[c - s->cpu_slab]);
	if (c->slab) {
		deactivate_cpu_slab(s, c);
		slab_stat(c, CPUSLAB_FLUSH);
	}
	if (c->partial)
		unfreeze_partials(s, c);
}

/* flush_all(): every CPU's cpu slab and cpu partial list back to the node
 * lists.  CPUs bound to other threads cannot be flushed from here (there
 * are no IPIs); returns how many were skipped. */
static int flush_all(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	struct mm_cpu *me = this_cpu(m);
	int skipped = 0;

	if (s->debug)
		return 0;
	for (int i = 0; i < m->nr_cpus; i++) {
		struct mm_cpu *cpu = &m->cpus[i];
		struct kmem_cache_cpu *c = &s->cpu_slab[i];

		if (!c->slab && !c->partial && !sheaves_used(s, c))
			continue;
		if (cpu == me) {
			flush_cpu(s, c);
		} else if (mm_cpu_acquire(m, cpu)) {
			flush_cpu(s, c);
			mm_cpu_release(cpu);
		} else {
			skipped++;
		}
	}
	return skipped;
}

static inline void set_cpu_slab(struct kmem_cache *s, struct kmem_cache_cpu *c, struct page *slab)
{
	char *start = slab_address(s->mm, slab) + s->red_left_pad;

	c->slab = slab;
	c->base = start;
	c->span = (size_t)cnt_objects(slab->counters) * s->size;
	c->free_span = s->init_on_free ? 0 : c->span;
}

/* get_partial_node(): the first usable slab of node n becomes the cpu slab;
 * more go to the cpu partial list up to half its limit. */
static void *get_partial_node(struct kmem_cache *s, struct kmem_cache_node *n,
			      struct kmem_cache_cpu *c, int owner)
{
	void *object = NULL;
	unsigned filled = 0;

	if (!READ_ONCE(n->nr_partial))
		return NULL;
	mm_mutex_lock(&n->list_lock);
	while (!list_empty(&n->partial)) {
		struct page *slab = list_first_entry(&n->partial, struct page, lru);

		if (!object) {
			void *fl = acquire_slab(n, slab, owner);

			set_cpu_slab(s, c, slab);
			object = fl;
			slab_stat(c, ALLOC_FROM_PARTIAL);
		} else {
			freeze_slab(n, slab, owner);
			slab->lru.next = (struct list_head *)c->partial;   /* no drain under */
			c->partial = slab;                                 /* n->list_lock */
			c->nr_partial++;
			slab_stat(c, CPU_PARTIAL_NODE);
			filled++;
		}
		/* the kernel's test, ">" and not ">=" (the difference is measurable) */
		if (!s->cpu_partial_slabs || filled > s->cpu_partial_slabs / 2)
			break;
	}
	mm_mutex_unlock(&n->list_lock);
	return object;
}

/* get_any_partial(): a partial slab of another node, in zonelist order -
 * only from nodes with more partial slabs than min_partial, and only when
 * the remote_node_defrag_ratio draw allows (the kernel draws get_cycles()
 * % 1024 against the ratio, 1000 by default; here a per-cache counter,
 * hashed, keeps runs reproducible). */
static void *get_any_partial(struct kmem_cache *s, gfp_t gfp, struct kmem_cache_cpu *c,
			     struct mm_cpu *cpu)
{
	struct mm *m = s->mm;
	int highest = ((gfp | s->allocflags) & __GFP_DMA) ? ZONE_DMA :
		      ((gfp | s->allocflags) & __GFP_DMA32) ? ZONE_DMA32 : ZONE_NORMAL;
	unsigned long draw = __atomic_add_fetch(&s->defrag_draws, 1, __ATOMIC_RELAXED);

	if (!s->remote_node_defrag_ratio ||
	    ((draw * 0x9E3779B97F4A7C15ul) >> 54) > s->remote_node_defrag_ratio)
		return NULL;
	for (int d = 1; d < m->nr_nodes; d++) {
		int nid = (cpu->node + d) % m->nr_nodes;
		struct kmem_cache_node *n = &s->node[nid];
		bool eligible = false;
		void *object;

		for (int i = 0; i <= highest; i++)
			eligible |= populated_zone(&m->nodes[nid].node_zones[i]);
		if (!eligible || READ_ONCE(n->nr_partial) <= s->min_partial)
			continue;
		object = get_partial_node(s, n, c, cpu->id);
		if (object)
			return object;
	}
	return NULL;
}

/* Report a free pointer that does not point into its slab, and stop using
 * the rest of the chain (the objects on it are lost, not handed out). */
static __noinline void freelist_corrupt(struct kmem_cache *s, struct page *slab, void *object,
					void *bad)
{
	slab_bug(s, "Freepointer corrupt");
	mm_printk(s->mm, "Object %p: free pointer %p does not point into its slab "
		  "(CONFIG_SLAB_FREELIST_HARDENED)", object, bad);
	print_slab_info(s, slab);
	slab_count_error(s->mm);
	slab_fix(s, "Isolating the rest of the freelist of slab %p", (void *)slab);
	mm_error(s->mm, EFAULT, "BUG %s: freelist pointer of object %p corrupted (%p); "
		 "rest of the slab's freelist isolated", s->name, object, bad);
}

static void *slab_alloc_debug(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			      size_t orig_size, struct mm_cpu *cpu, struct kmem_cache_cpu *c);

/* ___slab_alloc(): refill c->freelist from the cpu slab's remote frees, the
 * cpu partial list, the node partial lists, or a new slab. */
static __noinline void *__slab_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
				     size_t orig_size, struct mm_cpu *cpu)
{
	struct mm *m = s->mm;
	struct kmem_cache_cpu *c;
	struct page *slab;
	void *freelist, *next;

	if (!cpu) {
		mm_error(m, EINVAL, "kmem_cache_alloc(%s): this thread is not bound to a CPU of the "
			 "machine (call mm_cpu_bind first)", s->name);
		return NULL;
	}
	if (gfp & ~__GFP_VALID_MASK) {
		mm_error(m, EINVAL, "kmem_cache_alloc(%s): unknown GFP bits %#x", s->name,
			 gfp & ~__GFP_VALID_MASK);
		return NULL;
	}
	c = &s->cpu_slab[cpu->id];
	if (s->debug)
		return slab_alloc_debug(s, gfp, caller, orig_size, cpu, c);
	if (c->freelist)
		goto load_freelist;     /* came here for another reason */
	slab_stat(c, ALLOC_SLOWPATH);
	if (c->slab) {
		freelist = get_freelist(c->slab, cpu->id);
		if (freelist) {
			slab_stat(c, ALLOC_REFILL);
			goto check_head;
		}
		slab_stat(c, DEACTIVATE_FULL);
		c->slab = NULL;
		c->base = NULL;
		c->span = c->free_span = 0;
	}
	if (c->partial) {
		slab = c->partial;
		c->partial = (struct page *)slab->lru.next;
		c->nr_partial--;
		slab->lru.next = slab->lru.prev = NULL;
		set_cpu_slab(s, c, slab);
		freelist = get_freelist(slab, cpu->id);
		slab_stat(c, CPU_PARTIAL_ALLOC);
		if (!freelist)
			return __slab_alloc(s, gfp, caller, orig_size, cpu);
		goto check_head;
	}
	freelist = get_partial_node(s, &s->node[cpu->node], c, cpu->id);
	if (!freelist && m->nr_nodes > 1)
		freelist = get_any_partial(s, gfp, c, cpu);
	if (freelist)
		goto check_head;
	slab = new_slab(s, gfp, c);
	if (!slab) {                    /* errno: the page allocator's */
		slab_stat(c, ALLOC_FAILED);
		return NULL;
	}
	freelist = slab->freelist;
	slab->freelist = NULL;
	slab->counters = mkcnt(cnt_objects(slab->counters), cnt_objects(slab->counters), true,
			       cpu->id);
	set_cpu_slab(s, c, slab);
check_head:
	if (unlikely(!check_valid_pointer(s, c->slab, freelist))) {
		freelist_corrupt(s, c->slab, c->slab->freelist, freelist);
		return __slab_alloc(s, gfp, caller, orig_size, cpu);
	}
	c->freelist = freelist;
load_freelist:
	freelist = c->freelist;
	next = get_freepointer(s, freelist);
	if (unlikely(!check_valid_pointer(s, c->slab, next))) {
		freelist_corrupt(s, c->slab, freelist, next);
		next = NULL;
	}
	c->freelist = next;
	return freelist;
}

/* The fast path's bad-pointer branch: report, isolate, carry on. */
/* panic_on_taint: the allocation that detected corruption fails (EFAULT)
 * and gives back what it got. */
static __noinline void *slab_alloc_panic(struct kmem_cache *s, void *obj)
{
	if (obj)
		slab_free(s, obj, 0, "kmem_cache_alloc");
	mm_error(s->mm, EFAULT, "kmem_cache_alloc(%s): panic_on_taint: the allocation found "
		 "corrupted objects (see the BUG report in dmesg)", s->name);
	return NULL;
}

static void *bad_next(struct kmem_cache *s, struct kmem_cache_cpu *c, void *obj, void *next)
{
	freelist_corrupt(s, c->slab, obj, next);
	c->freelist = NULL;
	return obj;
}

__noinline void *slab_alloc_bad_next(struct kmem_cache *s, struct kmem_cache_cpu *c,
				     void *obj, void *next)
{
	bad_next(s, c, obj, next);
	if (unlikely(mm_taint_panicked(s->mm)))
		return slab_alloc_panic(s, obj);
	return obj;
}

static inline bool want_init_on_alloc(const struct kmem_cache *s, gfp_t gfp)
{
	return (gfp & __GFP_ZERO) || (s->init_on_alloc && !s->ctor);
}

/* post-alloc hook: ASan, zeroing (kzalloc / init_on_alloc), kmalloc size. */
void slab_post_alloc(struct kmem_cache *s, void *obj, gfp_t gfp)
{
	mm_track_alloc(obj, s->object_size);
	if (unlikely((gfp & __GFP_ZERO) || s->init_hooks)) {
		if (want_init_on_alloc(s, gfp))
			memset(obj, 0, s->object_size);
		else if (s->init_on_free && s->offset < s->object_size)
			memset((char *)obj + s->offset, 0, WORD);
	}
}

/* One object for a sheaf cache straight from the slabs (GFP_NOWAIT and no
 * full sheaf): counted as slab_alloc_node() counts it, alloc_fastpath when
 * the cpu freelist serves it (__slab_alloc() counts only its slow path). */
void *slab_alloc_from_slabs(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			    size_t orig_size, struct mm_cpu *cpu)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];

	if (c->freelist)
		slab_stat(c, ALLOC_FASTPATH);
	return __slab_alloc(s, gfp, caller, orig_size, cpu);
}

/* The slow allocation without the failslab test (bulk asks once). */
static void *slab_alloc_nofail(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			       size_t orig_size)
{
	struct mm_cpu *cpu = this_cpu(s->mm);
	void *obj;

	if (s->sheaf_capacity && cpu && !(gfp & ~__GFP_VALID_MASK))
		obj = sheaf_alloc_slow(s, gfp, caller, orig_size, cpu);
	else if ((obj = __slab_alloc(s, gfp, caller, orig_size, cpu)) && !s->debug)
		slab_post_alloc(s, obj, gfp);
	if (unlikely(mm_taint_panicked(s->mm)))
		return slab_alloc_panic(s, obj);
	return obj;
}

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

__noinline void *slab_alloc_slow(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
				 size_t orig_size)
{
	if (unlikely(failslab_armed(s->mm)) && slab_alloc_failslab(s, gfp))
		return NULL;
	return slab_alloc_nofail(s, gfp, caller, orig_size);
}

void *slab_alloc_caller(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size)
{
	return slab_alloc(s, gfp, caller, orig_size);
}

/* page_owner=1 (page_owner.c): the object's tag, the cache's slot size. */
static __noinline void *slab_alloc_owned(struct kmem_cache *s, gfp_t gfp, unsigned long site)
{
	void *p;

	po_enter(site, PO_VIA_SLAB);
	p = slab_alloc(s, gfp, site, 0);
	if (p)
		alloc_tag_obj_add(s->mm, p, s->size);
	po_exit();
	return p;
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
	if (s->mm->page_owner)
		return slab_alloc_owned(s, gfp, site);
	return slab_alloc(s, gfp, site, 0);
}

/* ---- free -------------------------------------------------------------------- */

__noinline int slab_free_refused(struct kmem_cache *s, struct kmem_cache_cpu *c, int err,
				   const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (c)
		slab_stat(c, FREE_REFUSED);
	if (err == EFAULT)
		slab_count_error(s->mm);
	mm_taint_panicked(s->mm);       /* refused anyway */
	return mm_error(s->mm, err, "%s", buf);
}

/* Which slab of cache s holds object x?  NULL (and a refusal) otherwise. */
static struct page *free_lookup(struct kmem_cache *s, const void *x, const char *who,
				struct kmem_cache_cpu *c, int *rc)
{
	struct mm *m = s->mm;
	struct page *slab = slab_virt_to_head(m, x);
	char *start;

	if (!slab) {
		*rc = slab_free_refused(s, c, EFAULT, "%s(%s): %p is not an address of this machine's "
				   "memory: not a slab object", who, s->name, x);
		return NULL;
	}
	if (!(slab->flags & PG_slab) || !slab->slab_cache) {
		*rc = slab_free_refused(s, c, EFAULT, "%s(%s): SLUB <none>: no slab for object %p "
				   "(pfn %#lx is not a slab page)", who, s->name, x,
				   page_to_pfn(m, slab));
		return NULL;
	}
	if (slab->slab_cache != s) {
		*rc = slab_free_refused(s, c, EFAULT, "%s: Wrong slab cache. %s but object %p is from %s",
				   who, s->name, x, ((struct kmem_cache *)slab->slab_cache)->name);
		return NULL;
	}
	start = slab_address(m, slab) + s->red_left_pad;
	if ((uintptr_t)x - (uintptr_t)start >= (uintptr_t)cnt_objects(slab_counters(slab)) * s->size ||
	    !slot_exact(s, (uintptr_t)x - (uintptr_t)start)) {
		*rc = slab_free_refused(s, c, EFAULT, "%s(%s): Invalid object pointer %p (not the start "
				   "of an object of slab %p)", who, s->name, x, (void *)slab);
		return NULL;
	}
	return slab;
}

static int slab_free_debug(struct kmem_cache *s, struct page *slab, void *x, unsigned long caller,
			   struct mm_cpu *cpu, struct kmem_cache_cpu *c, const char *who);

/* Is x on the freelist that starts at fp (a chain of slab's objects)?
 * The slab's own freelist takes remote frees meanwhile (cmpxchg, no lock):
 * a link read as it changes is range-checked like any other and at worst
 * ends the walk early - a benign race, so TSan is not told about these
 * reads (raw loads, decoded as get_freepointer() does). */
#if defined(__SANITIZE_THREAD__)
__attribute__((no_sanitize_thread))
#endif
static __mm_no_asan bool chain_holds(struct kmem_cache *s, struct page *slab, void *fp,
				     const void *x)
{
	for (unsigned i = 0, n = cnt_objects(slab_counters(slab)); fp && i <= n; i++) {
		unsigned long addr = (unsigned long)fp + s->offset;

		if (fp == x)
			return true;
		if (!check_valid_pointer(s, slab, fp))
			return false;
		fp = (void *)freelist_ptr_encode(s, (void *)*(volatile unsigned long *)addr, addr);
	}
	return false;
}

/* Is x free where this thread can see it: on its slab's freelist, or this
 * CPU's cpu freelist or sheaves?  (Debug caches keep all their free
 * objects on the slab's freelist, under n->list_lock.)  Objects free on
 * another CPU's private lists are not seen. */
static bool object_seen_free(struct kmem_cache *s, struct page *slab, const void *x)
{
	struct kmem_cache_node *n = s->debug ? get_node(s, slab) : NULL;
	struct mm_cpu *cpu = this_cpu(s->mm);
	bool found;

	if (n)
		mm_mutex_lock(&n->list_lock);
	found = chain_holds(s, slab, slab_freelist(slab), x);
	if (n)
		mm_mutex_unlock(&n->list_lock);
	if (!found && cpu && !s->debug) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];

		found = (c->slab == slab && chain_holds(s, slab, c->freelist, x)) ||
			sheaves_hold(s, c, x);
	}
	return found;
}

/* ksize()/krealloc() of x in slab (cache s): an object start, and with
 * check_free not a free object?  0, or -EFAULT with a report. */
int slab_check_object(struct kmem_cache *s, struct page *slab, const void *x, const char *who,
		      bool check_free)
{
	char *start = slab_address(s->mm, slab) + s->red_left_pad;
	uintptr_t off = (uintptr_t)x - (uintptr_t)start;

	if (off >= (uintptr_t)cnt_objects(slab_counters(slab)) * s->size ||
	    !slot_exact(s, off))
		return slab_free_refused(s, NULL, EFAULT, "%s(%s): Invalid object pointer %p (not "
					 "the start of an object of slab %p)", who, s->name, x,
					 (void *)slab);
	if (check_free && object_seen_free(s, slab, x))
		return slab_free_refused(s, NULL, EFAULT, "%s(%s): object %p is free (use after "
					 "free)", who, s->name, x);
	return 0;
}

/* __slab_free(): everything but a push onto this CPU's own cpu slab. */
static __always_inline int __slab_free_slab(struct kmem_cache *s, struct page *slab, void *x,
			    unsigned long caller, struct mm_cpu *cpu, struct kmem_cache_cpu *c,
			    const char *who);

static __noinline int __slab_free(struct kmem_cache *s, void *x, unsigned long caller,
				  struct mm_cpu *cpu, const char *who)
{
	struct mm *m = s->mm;
	struct kmem_cache_cpu *c;
	struct page *slab;
	int rc = 0;

	if (!x)
		return 0;
	if (!cpu)
		return mm_error(m, EINVAL, "%s(%s): this thread is not bound to a CPU of the "
				"machine (call mm_cpu_bind first)", who, s->name);
	c = &s->cpu_slab[cpu->id];
	slab = free_lookup(s, x, who, c, &rc);
	if (!slab)
		return rc;
	if (s->sheaf_capacity)
		return sheaf_free_cpu(s, x, cpu, who);
	return __slab_free_slab(s, slab, x, caller, cpu, c, who);
}

/* __slab_free()'s general case: any slab state; takes n->list_lock when
 * the slab was full or becomes empty and is not frozen. */
static __noinline int __slab_free_list(struct kmem_cache *s, struct page *slab, void *x,
				       struct mm_cpu *cpu, struct kmem_cache_cpu *c,
				       const char *who)
{
	struct kmem_cache_node *n = NULL;
	void *prior;
	unsigned long co, cn;
	bool was_frozen;

	if (x == slab_freelist(slab))
		return slab_free_refused(s, c, EFAULT, "%s(%s): double free of object %p (it is "
				    "already the first free object of its slab)", who, s->name, x);
	slab_stat(c, FREE_SLOWPATH);
	do {
		if (n) {
			mm_mutex_unlock(&n->list_lock);
			n = NULL;
		}
		prior = slab_freelist(slab);
		co = slab_counters(slab);
		if (!cnt_inuse(co))
			return slab_free_refused(s, c, EFAULT, "%s(%s): double free of object %p (its "
					    "slab %p has no object in use)", who, s->name, x,
					    (void *)slab);
		set_freepointer(s, x, prior);
		was_frozen = cnt_frozen(co);
		cn = co - 1;            /* inuse - 1: the low 16 bits, inuse > 0 */
		if (unlikely((!cnt_inuse(cn) || !prior) && !was_frozen)) {
			if (s->cpu_partial_slabs && !prior) {
				cn = mkcnt(cnt_inuse(cn), cnt_objects(co), true, cpu->id);
			} else {
				n = get_node(s, slab);
				mm_mutex_lock(&n->list_lock);
			}
		}
		mm_track_free(x, s->object_size);
	} while (!cmpxchg_double_slab(slab, prior, co, x, cn));

	if (!n) {
		if (cnt_frozen(cn) && !was_frozen) {
			put_cpu_partial(s, slab, c);
			slab_stat(c, CPU_PARTIAL_FREE);
		} else if (was_frozen) {
			slab_stat(c, FREE_FROZEN);
			if (cnt_owner(co) != cpu->id)
				slab_stat(c, FREE_REMOTE);
		}
		return 0;
	}
	/* n->list_lock held: the slab was full or became empty */
	if (!cnt_inuse(cn) && n->nr_partial >= s->min_partial) {
		if (prior) {
			remove_partial(n, slab);
			slab_stat(c, FREE_REMOVE_PARTIAL);
		}
		mm_mutex_unlock(&n->list_lock);
		discard_slab(s, slab, c);
		return 0;
	}
	if (!prior) {
		add_partial(n, slab, true);
		slab_stat(c, FREE_ADD_PARTIAL);
	}
	mm_mutex_unlock(&n->list_lock);
	return 0;
}

/* __slab_free() once x is known to be an object start of slab. */
/* __slab_free_slab() for debug and init_on_free caches: everything in
 * order, the checks before the wipe. */
static __noinline int __slab_free_other(struct kmem_cache *s, struct page *slab, void *x,
					unsigned long caller, struct mm_cpu *cpu,
					struct kmem_cache_cpu *c, const char *who)
{
	if (s->debug)
		return slab_free_debug(s, slab, x, caller, cpu, c, who);
	if (x == c->freelist || x == slab_freelist(slab))
		return slab_free_refused(s, c, EFAULT, "%s(%s): double free of object %p (it is "
				    "already the first free object of its slab)", who, s->name, x);
	memset(x, 0, s->object_size);   /* init_on_free */
	if (slab == c->slab) {
		cpu_freelist_push(s, c, x);
		return 0;
	}
	return __slab_free_list(s, slab, x, cpu, c, who);
}

static __noinline int double_free_head(struct kmem_cache *s, struct kmem_cache_cpu *c, void *x,
				       const char *who)
{
	return slab_free_refused(s, c, EFAULT, "%s(%s): double free of object %p (it is already the "
			    "first free object of its slab)", who, s->name, x);
}

/* __slab_free() once x is known to be an object start of slab.  Every call
 * out of it is a tail call, so the common case needs no stack frame. */
static __always_inline int __slab_free_slab(struct kmem_cache *s, struct page *slab, void *x,
			    unsigned long caller, struct mm_cpu *cpu, struct kmem_cache_cpu *c,
			    const char *who)
{
	void *prior;
	unsigned long co;

	if (unlikely(s->debug || s->init_on_free))
		return __slab_free_other(s, slab, x, caller, cpu, c, who);
	if (unlikely(x == c->freelist))
		return double_free_head(s, c, x, who);
	if (slab == c->slab) {          /* own cpu slab, missed by the fast path's checks */
		if (unlikely(x == slab_freelist(slab)))
			return double_free_head(s, c, x, who);
		cpu_freelist_push(s, c, x);
		return 0;
	}
	/*
	 * The common slow free: the slab is frozen, or keeps both a free object
	 * and an object in use, so no list changes - one cmpxchg, no lock.
	 * Anything else (it was full or becomes empty while unfrozen, or the
	 * cmpxchg lost a race) is __slab_free_list()'s, which starts over.
	 */
	prior = slab_freelist(slab);
	co = slab_counters(slab);
	if (unlikely(x == prior))
		return double_free_head(s, c, x, who);
	if (likely(cnt_inuse(co) && (cnt_frozen(co) || (prior && cnt_inuse(co) > 1)))) {
		set_freepointer(s, x, prior);
		mm_track_free(x, s->object_size);
		if (likely(cmpxchg_double_slab(slab, prior, co, x, co - 1))) {
			slab_stat(c, FREE_SLOWPATH);
			if (cnt_frozen(co)) {
				slab_stat(c, FREE_FROZEN);
				if (cnt_owner(co) != cpu->id)
					slab_stat(c, FREE_REMOTE);
			}
			return 0;
		}
		mm_track_alloc(x, s->object_size);      /* lost the race: start over */
	}
	return __slab_free_list(s, slab, x, cpu, c, who);
}

__noinline int slab_free_slow(struct kmem_cache *s, void *x, unsigned long caller,
			       const char *who)
{
	return __slab_free(s, x, caller, this_cpu(s->mm), who);
}

int slab_free_caller(struct kmem_cache *s, void *x, unsigned long caller, const char *who)
{
	return slab_free(s, x, caller, who);
}

/* slab_free_known()'s slow half: x must still be shown to be an object
 * start of slab before it is freed.  cpu: the caller's, bound (or NULL). */
__noinline int slab_free_known_slow(struct kmem_cache *s, struct page *slab, void *x,
				    unsigned long caller, struct mm_cpu *cpu)
{
	uintptr_t off = (uintptr_t)x - (uintptr_t)(slab_address(s->mm, slab) + s->red_left_pad);

	if (unlikely(!cpu || off >= (uintptr_t)cnt_objects(slab_counters(slab)) * s->size ||
		     !slot_exact(s, off)))
		return slab_free_slow(s, x, caller, "kfree");   /* reports it */
	return __slab_free_slab(s, slab, x, caller, cpu, &s->cpu_slab[cpu->id], "kfree");
}

/* page_owner=1: the tag goes first, back when the free is refused. */
static __noinline int slab_free_owned(struct kmem_cache *s, void *obj, unsigned long caller)
{
	unsigned long saved[2];
	int had = alloc_tag_obj_del(s->mm, obj, saved), err;

	err = slab_free(s, obj, caller, "kmem_cache_free");
	if (err && had)
		alloc_tag_obj_restore(s->mm, obj, saved);
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

/* ---- debug caches: every operation under n->list_lock -------------------------- */

static void set_orig_size_locked(struct kmem_cache *s, void *obj, size_t orig)
{
	if (!slub_debug_orig_size(s))
		return;
	if (!orig || orig > s->object_size)
		orig = s->object_size;
	*orig_size_ptr(s, obj) = (unsigned)orig;
	if (s->flags & SLAB_RED_ZONE)
		bytes_set((unsigned char *)obj + orig, SLUB_RED_ACTIVE, s->object_size - orig);
}

void slab_set_orig_size(struct kmem_cache *s, void *obj, size_t orig)
{
	set_orig_size_locked(s, obj, orig);
}

size_t slab_get_orig_size(struct kmem_cache *s, void *obj)
{
	return slub_debug_orig_size(s) ? *orig_size_ptr(s, obj) : s->object_size;
}

/* Mark every object of a damaged slab used, so none is handed out again. */
static void quarantine_slab(struct kmem_cache *s, struct kmem_cache_node *n, struct page *slab)
{
	unsigned objects = cnt_objects(slab->counters);

	slab_fix(s, "Marking all objects used");
	slab->freelist = NULL;
	slab->counters = mkcnt(objects, objects, false, 0);
	list_del(&slab->lru);
	WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
	list_add(&slab->lru, &n->full);
}

/* A damaged free object is taken off the freelist and kept "allocated"
 * forever (painted as such, so later checks pass); its slab goes on. */
static void quarantine_object(struct kmem_cache *s, struct kmem_cache_node *n,
			      struct page *slab, void *obj)
{
	unsigned long co = slab->counters;

	slab_fix(s, "Object at %p quarantined (never handed out)", obj);
	slab->freelist = get_freepointer(s, obj);
	slab->counters = mkcnt(cnt_inuse(co) + 1, cnt_objects(co), false, 0);
	if (!slab->freelist) {
		remove_partial(n, slab);
		list_add(&slab->lru, &n->full);
	}
	init_object(s, obj, SLUB_RED_ACTIVE);
	set_orig_size_locked(s, obj, s->object_size);
}

static void *alloc_from_node_debug(struct kmem_cache *s, struct kmem_cache_node *n, gfp_t gfp,
				   unsigned long caller, size_t orig_size, struct mm_cpu *cpu)
{
	while (!list_empty(&n->partial)) {
		struct page *slab = list_first_entry(&n->partial, struct page, lru);
		void *obj = slab->freelist;
		unsigned long co = slab->counters;

		if ((s->flags & SLAB_CONSISTENCY_CHECKS) &&
		    (!check_slab(s, slab) || !check_valid_pointer(s, slab, obj) || !obj)) {
			if (obj && !check_valid_pointer(s, slab, obj))
				object_err(s, slab, obj, "Freelist Pointer check fails");
			quarantine_slab(s, n, slab);
			continue;
		}
		if ((s->flags & SLAB_CONSISTENCY_CHECKS) &&
		    !check_object(s, slab, obj, SLUB_RED_INACTIVE)) {
			quarantine_object(s, n, slab, obj);
			continue;
		}
		slab->freelist = get_freepointer(s, obj);
		slab->counters = mkcnt(cnt_inuse(co) + 1, cnt_objects(co), false, 0);
		if (!slab->freelist) {
			remove_partial(n, slab);
			list_add(&slab->lru, &n->full);
		}
		if (s->flags & SLAB_STORE_USER)
			set_track(s, obj, TRACK_ALLOC, caller, cpu);
		init_object(s, obj, SLUB_RED_ACTIVE);
		set_orig_size_locked(s, obj, orig_size);
		trace(s, slab, obj, true);
		(void)gfp;
		return obj;
	}
	return NULL;
}

static void *slab_alloc_debug(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			      size_t orig_size, struct mm_cpu *cpu, struct kmem_cache_cpu *c)
{
	struct mm *m = s->mm;
	void *obj = NULL;
	struct page *slab;

	slab_stat(c, ALLOC_SLOWPATH);
	for (int i = 0; i < m->nr_nodes && !obj; i++) {
		struct kmem_cache_node *n = &s->node[(cpu->node + i) % m->nr_nodes];

		mm_mutex_lock(&n->list_lock);
		obj = alloc_from_node_debug(s, n, gfp, caller, orig_size, cpu);
		mm_mutex_unlock(&n->list_lock);
	}
	if (!obj) {
		struct kmem_cache_node *n;

		slab = new_slab(s, gfp, c);
		if (!slab) {            /* errno: the page allocator's */
			slab_stat(c, ALLOC_FAILED);
			return NULL;
		}
		n = get_node(s, slab);
		mm_mutex_lock(&n->list_lock);
		add_partial(n, slab, false);
		obj = alloc_from_node_debug(s, n, gfp, caller, orig_size, cpu);
		mm_mutex_unlock(&n->list_lock);
		if (!obj) {
			mm_set_errno(m, ENOMEM);
			return NULL;
		}
	}
	/* slab_post_alloc_hook(): a kmalloc object's red zone [orig_size,
	 * object_size) is painted, not zeroed */
	if (want_init_on_alloc(s, gfp))
		memset(obj, 0, (s->flags & (SLAB_STORE_USER | SLAB_RED_ZONE)) &&
			       (s->flags & SLAB_KMALLOC) && orig_size && orig_size < s->object_size
			       ? orig_size : s->object_size);
	return obj;
}

static int slab_free_debug(struct kmem_cache *s, struct page *slab, void *x, unsigned long caller,
			   struct mm_cpu *cpu, struct kmem_cache_cpu *c, const char *who)
{
	struct kmem_cache_node *n = get_node(s, slab);
	unsigned long co;
	bool discard = false;

	mm_mutex_lock(&n->list_lock);
	co = slab->counters;
	if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !check_slab(s, slab))
		goto refused;
	if (on_freelist(s, slab, x)) {
		object_err(s, slab, x, "Object already free");
		goto refused;
	}
	co = slab->counters;
	if (!cnt_inuse(co)) {
		slab_err(s, slab, "Object %p: slab has no object in use", x);
		goto refused;
	}
	if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !check_object(s, slab, x, SLUB_RED_ACTIVE))
		goto refused;
	if (s->flags & SLAB_STORE_USER)
		set_track(s, x, TRACK_FREE, caller, cpu);
	trace(s, slab, x, false);
	init_object(s, x, SLUB_RED_INACTIVE);
	if (s->init_on_free && !(s->flags & SLAB_POISON))
		memset(x, 0, s->object_size);
	set_freepointer(s, x, slab->freelist);
	if (!slab->freelist) {          /* full -> partial */
		list_del(&slab->lru);
		add_partial(n, slab, true);
	}
	slab->freelist = x;
	slab->counters = mkcnt(cnt_inuse(co) - 1, cnt_objects(co), false, 0);
	slab_stat(c, FREE_SLOWPATH);
	if (!cnt_inuse(slab->counters) && n->nr_partial > s->min_partial) {
		remove_partial(n, slab);
		discard = true;
	}
	mm_mutex_unlock(&n->list_lock);
	if (discard)
		discard_slab(s, slab, c);
	return 0;
refused:
	slab_fix(s, "Object at %p not freed", x);
	mm_mutex_unlock(&n->list_lock);
	slab_stat(c, FREE_REFUSED);
	mm_taint_panicked(s->mm);       /* refused anyway */
	return mm_error(s->mm, EFAULT, "%s(%s): invalid free of object %p refused "
			"(see the BUG report in dmesg)", who, s->name, x);
}

/* ---- bulk ---------------------------------------------------------------------- */

/* __kmem_cache_alloc_bulk(): n objects from the cpu slab and the slabs
 * beneath it, no post-alloc hooks; all (n) or nothing (0). */
int slab_alloc_bulk_slabs(struct kmem_cache *s, gfp_t gfp, size_t n, void **p,
			  struct mm_cpu *cpu, unsigned long caller)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];
	size_t i;

	for (i = 0; i < n; i++) {
		void *obj = c->freelist;

		if (unlikely(!obj)) {
			obj = __slab_alloc(s, gfp & ~__GFP_ZERO, caller, 0, cpu);
			if (!obj) {
				slab_free_to_slabs(s, i, p, cpu, caller);
				return 0;
			}
		} else {
			void *next = get_freepointer(s, obj);

			if (unlikely((uintptr_t)next - (uintptr_t)c->base >= c->span && next))
				obj = bad_next(s, c, obj, next);  /* panic: the caller */
			else
				c->freelist = next;
			slab_stat(c, ALLOC_FASTPATH);
		}
		p[i] = obj;
	}
	return (int)n;
}

/* __kmem_cache_free_bulk(): objects known to be object starts of s (a
 * sheaf's) back to their slabs, as frees that skip the sheaves. */
void slab_free_to_slabs(struct kmem_cache *s, size_t n, void **p, struct mm_cpu *cpu,
			unsigned long caller)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];

	for (size_t i = 0; i < n; i++) {
		void *x = p[i];

		if ((uintptr_t)x - (uintptr_t)c->base < c->span && x != c->freelist &&
		    !s->debug && !s->init_on_free) {
			cpu_freelist_push(s, c, x);
			continue;
		}
		mm_track_alloc(x, s->object_size);     /* sheaf objects are poisoned */
		__slab_free_slab(s, slab_virt_to_head(s->mm, x), x, caller, cpu, c, "sheaf_flush");
	}
}

int mm_kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p)
{
	struct mm_cpu *cpu;
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	size_t i = 0;

	if (!s)
		return 0;
	if (n && !p)
		return mm_error(s->mm, EINVAL, "kmem_cache_alloc_bulk(%s): no array for the "
				"objects", s->name), 0;
	cpu = this_cpu(s->mm);
	if (unlikely(failslab_armed(s->mm)) && slab_alloc_failslab(s, gfp))
		return 0;               /* one should_failslab() per bulk call */
	if (!cpu || s->debug || (gfp & ~__GFP_VALID_MASK)) {
		for (i = 0; i < n; i++) {
			p[i] = slab_alloc_nofail(s, gfp, caller, 0);
			if (!p[i])
				goto error;
		}
		return (int)n;
	}
	if (s->sheaf_capacity)          /* alloc_from_pcs_bulk() */
		i = sheaf_alloc_bulk(s, n, p, cpu);
	if (i < n && !slab_alloc_bulk_slabs(s, gfp, n - i, p + i, cpu, caller)) {
		slab_free_to_slabs(s, i, p, cpu, caller);
		if (mm_taint_panicked(s->mm))
			return mm_error(s->mm, EFAULT, "kmem_cache_alloc_bulk(%s): panic_on_taint: "
					"corrupted objects found", s->name), 0;
		return 0;               /* errno: the page allocator's */
	}
	if (unlikely((gfp & __GFP_ZERO) || s->init_hooks || MM_ASAN))
		for (i = 0; i < n; i++)
			slab_post_alloc(s, p[i], gfp);
	if (unlikely(mm_taint_panicked(s->mm))) {
		mm_kmem_cache_free_bulk(s, n, p);
		return mm_error(s->mm, EFAULT, "kmem_cache_alloc_bulk(%s): panic_on_taint: "
				"corrupted objects found", s->name), 0;
	}
	return (int)n;
error:
	for (size_t j = 0; j < i; j++)
		mm_track_alloc(p[j], s->object_size);
	mm_kmem_cache_free_bulk(s, i, p);       /* errno: the failed allocation's */
	return 0;
}

/* Objects of this CPU's cpu slab are chained locally and spliced onto
 * c->freelist once; the others take the slow path one by one.  Sheaf
 * caches: each object onto the sheaves, as kmem_cache_free() does. */
int mm_kmem_cache_free_bulk(struct kmem_cache *s, size_t n, void **p)
{
	unsigned long caller = (unsigned long)__builtin_return_address(0);
	struct kmem_cache_cpu *c;
	unsigned long fast = 0;
	void *head;
	int first = 0;

	if (!s)
		return -EINVAL;
	if (n && !p)
		return mm_error(s->mm, EINVAL, "kmem_cache_free_bulk(%s): no array of objects",
				s->name);

	if (!bound_fast(s) || s->init_on_free || s->sheaf_capacity) {
		for (size_t i = 0; i < n; i++) {
			int rc = slab_free(s, p[i], caller, "kmem_cache_free_bulk");

			if (rc && !first)
				first = rc;
		}
		return first;
	}
	c = &s->cpu_slab[mm_tls[0].cpu_id];
	head = c->freelist;
	for (size_t i = 0; i < n; i++) {
		void *x = p[i];
		uintptr_t off = (uintptr_t)x - (uintptr_t)c->base;
		int rc;

		if (likely(off < c->span && slot_exact(s, off) && x != head)) {
			set_freepointer(s, x, head);
			mm_track_free(x, s->object_size);
			head = x;
			fast++;
			continue;
		}
		c->freelist = head;
		rc = slab_free_slow(s, x, caller, "kmem_cache_free_bulk");
		head = c->freelist;
		if (rc && !first)
			first = rc;
	}
	c->freelist = head;
	c->stat[FREE_FASTPATH] += fast;
	return first;
}

/* ---- cache creation: layout, order, merging ---------------------------------------- */

static unsigned fls_u(unsigned long x)
{
	return x ? 64u - (unsigned)__builtin_clzl(x) : 0;
}

/* get_order(): the smallest order whose block holds size bytes */
static unsigned get_order(unsigned long size)
{
	return size > PAGE_SIZE ? fls_u((size - 1) >> PAGE_SHIFT) : 0;
}

/* calc_slab_order() (6.8+): the smallest order from min_order up to
 * max_order whose leftover is at most 1/fract_leftover of the slab
 * (max_order + 1 when none is). */
static unsigned calc_slab_order(unsigned size, unsigned min_order, unsigned max_order,
				unsigned fract_leftover)
{
	unsigned order;

	for (order = min_order; order <= max_order; order++) {
		unsigned long slab_size = PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/* calculate_order() (6.8+): start at the order holding min_objects
 * (4 * (fls(cpus) + 1), at most what slub_max_order holds) and accept
 * 1/16, 1/8, 1/4, then 1/2 of the slab wasted, the smallest order within
 * slub_max_order first; beyond it, the order of one object. */
static int calculate_order(struct mm *m, unsigned size)
{
	unsigned max_order = (unsigned)m->cfg.slub_max_order;
	unsigned min_objects, max_objects, min_order, order;

	if (max_order > m->max_order)
		max_order = m->max_order;
	min_objects = m->cfg.slub_min_objects ? (unsigned)m->cfg.slub_min_objects
					      : 4 * (fls_u((unsigned long)m->nr_cpus) + 1);
	max_objects = order_objects(max_order, size);
	if (max_objects < 1)
		max_objects = 1;
	if (min_objects > max_objects)
		min_objects = max_objects;
	min_order = get_order((unsigned long)min_objects * size);
	if (min_order < (unsigned)m->cfg.slub_min_order)
		min_order = (unsigned)m->cfg.slub_min_order;
	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return (int)get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;
	for (unsigned fraction = 16; fraction > 1; fraction /= 2) {
		order = calc_slab_order(size, min_order, max_order, fraction);
		if (order <= max_order)
			return (int)order;
	}
	order = get_order(size);
	if (order <= m->max_order)
		return (int)order;
	return -ENOSYS;
}

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

/* calculate_sizes(): the object layout (reference §5.3). */
static int calculate_sizes(struct kmem_cache *s)
{
	slab_flags_t flags = s->flags;
	unsigned long size = ALIGN_UP(s->object_size, WORD);
	int order;

	if ((flags & SLAB_RED_ZONE) && size == s->object_size)
		size += WORD;
	s->inuse = (unsigned)size;
	if ((flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) || s->ctor ||
	    ((flags & SLAB_RED_ZONE) && s->object_size < WORD)) {
		s->offset = (unsigned)size;
		size += WORD;
	} else {
		s->offset = (unsigned)(s->object_size / 2 / WORD * WORD);
	}
	if (flags & SLAB_STORE_USER) {
		size += 2 * sizeof(struct track);
		if (flags & SLAB_KMALLOC)
			size += sizeof(unsigned);
	}
	s->red_left_pad = 0;
	if (flags & SLAB_RED_ZONE) {
		size += WORD;
		s->red_left_pad = (unsigned)ALIGN_UP(WORD, s->align);
		size += s->red_left_pad;
	}
	size = ALIGN_UP(size, s->align);
	if (size > (PAGE_SIZE << s->mm->max_order))
		return -EINVAL;
	s->size = (unsigned)size;
	order = calculate_order(s->mm, s->size);
	if (order < 0)
		return order;
	s->order = (unsigned)order;
	s->objects = order_objects(s->order, s->size);
	s->min_order = 0;
	while ((PAGE_SIZE << s->min_order) < size)
		s->min_order++;
	if (s->min_order > s->order)
		s->min_order = s->order;
	s->min_objects = order_objects(s->min_order, s->size);
	s->allocflags = 0;
	if (flags & SLAB_CACHE_DMA)
		s->allocflags |= GFP_DMA;
	if (flags & SLAB_CACHE_DMA32)
		s->allocflags |= GFP_DMA32;
	if (flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;
	return 0;
}

static unsigned ilog2_u(unsigned long x)
{
	return fls_u(x) - 1;
}

static void set_cpu_partial(struct kmem_cache *s)
{
	unsigned nr;

	if (s->debug)
		nr = 0;
	else if (s->size >= PAGE_SIZE)
		nr = 6;
	else if (s->size >= 1024)
		nr = 24;
	else if (s->size >= 256)
		nr = 52;
	else
		nr = 120;
	s->cpu_partial_slabs = nr ? (nr * 2 + s->objects - 1) / s->objects : 0;
}

/* kmem_cache_flags(): the machine-wide debug= flags for this cache. */
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

		if (s->ctor || (s->flags & SLAB_NEVER_MERGE) || s->refcount < 0)
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

static void free_cache(struct kmem_cache *s)
{
	if (!s)
		return;
	for (int i = 0; s->node && i < s->mm->nr_nodes; i++)
		pthread_mutex_destroy(&s->node[i].list_lock);
	sheaves_free(s);
	free(s->node);
	free(s->cpu_slab);
	free(s->random_seq);
	free(s->name);
	for (int i = 0; i < s->nr_aliases; i++)
		free(s->aliases[i]);
	free(s);
}

static unsigned long name_hash(const char *s)
{
	unsigned long h = 1469598103934665603ul;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ul;
	return h;
}

/* GFP bit 31 sends every allocation of s to slab_alloc_slow(): for the
 * init_on_alloc/free hooks, and while failslab may fail the cache. */
static gfp_t cache_slow_bits(const struct kmem_cache *s)
{
	struct mm *m = s->mm;
	bool failslab = failslab_armed(m) &&
			(!READ_ONCE(m->fault.slab_cache_filter) || (s->flags & SLAB_FAILSLAB));

	return s->init_hooks || failslab ? 1u << 31 : 0;
}

/* fault_inject.c's hook: failslab knobs changed. */
static void slab_failslab_changed(struct mm *m)
{
	struct list_head *e;

	if (!m->slab)
		return;
	mm_mutex_lock(&m->slab->mutex);
	list_for_each(e, &m->slab->caches) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);

		WRITE_ONCE(s->slow_bits, cache_slow_bits(s));
	}
	mm_mutex_unlock(&m->slab->mutex);
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
	mm_mutex_lock(&m->slab->mutex);
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
static struct kmem_cache *cache_open(struct mm *m, const char *name, size_t size, size_t align,
				     slab_flags_t flags, void (*ctor)(void *))
{
	struct kmem_cache *s = calloc(1, sizeof(*s));
	unsigned long seed;

	if (!s)
		return NULL;
	s->mm = m;
	s->mm_id = m->id;
	s->name = strdup(name);
	s->object_size = (unsigned)size;
	s->flags = flags;
	s->ctor = ctor;
	s->align = calculate_alignment(flags, (unsigned)align, (unsigned)size);
	s->debug = (flags & SLAB_DEBUG_FLAGS) != 0;
	s->cpu_slab = aligned_alloc(64, sizeof(*s->cpu_slab) * (size_t)m->nr_cpus);
	s->node = aligned_alloc(64, sizeof(*s->node) * (size_t)m->nr_nodes);
	if (!s->name || !s->cpu_slab || !s->node || calculate_sizes(s)) {
		if (s->node)
			memset(s->node, 0, sizeof(*s->node) * (size_t)m->nr_nodes);
		free(s->node);
		s->node = NULL;
		free_cache(s);
		return NULL;
	}
	memset(s->cpu_slab, 0, sizeof(*s->cpu_slab) * (size_t)m->nr_cpus);
	memset(s->node, 0, sizeof(*s->node) * (size_t)m->nr_nodes);
	for (int i = 0; i < m->nr_nodes; i++) {
		pthread_mutex_init(&s->node[i].list_lock, NULL);
		INIT_LIST_HEAD(&s->node[i].partial);
		INIT_LIST_HEAD(&s->node[i].full);
	}
	s->reciprocal_size = ~0ul / s->size + 1;       /* ceil(2^64 / size) */
	s->oo_mask = (PAGE_SIZE << s->order) - 1;
	s->remote_node_defrag_ratio = 1000;
	s->min_partial = ilog2_u(s->size) / 2;
	if (s->min_partial < MIN_PARTIAL)
		s->min_partial = MIN_PARTIAL;
	if (s->min_partial > MAX_PARTIAL)
		s->min_partial = MAX_PARTIAL;
	set_cpu_partial(s);
	s->sheaf_capacity = calculate_sheaf_capacity(m, s);
	if (sheaves_init(s)) {
		free_cache(s);
		return NULL;
	}
	s->init_on_alloc = m->cfg.init_on_alloc;
	s->init_on_free = m->cfg.init_on_free && !(flags & (SLAB_POISON | SLAB_TYPESAFE_BY_RCU));
	s->sheaf_fast_free = s->init_on_free ? 0 : s->sheaf_capacity;
	s->init_hooks = s->init_on_alloc || s->init_on_free;
	s->slow_bits = cache_slow_bits(s);
	seed = m->cfg.seed ^ name_hash(name) ^ (unsigned long)m->slab->rnd_caches++ << 48;
	if (m->cfg.slab_hardened) {
		s->hardened = true;
		s->random = splitmix64(&seed) | 1;
		if (s->objects > 1) {
			s->random_seq = malloc(sizeof(unsigned) * s->objects);
			if (s->random_seq) {
				for (unsigned i = 0; i < s->objects; i++)
					s->random_seq[i] = i;
				for (unsigned i = s->objects - 1; i > 0; i--) {
					unsigned j = (unsigned)(splitmix64(&seed) % (i + 1));
					unsigned t = s->random_seq[i];

					s->random_seq[i] = s->random_seq[j];
					s->random_seq[j] = t;
				}
			}
		}
	}
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
	mm_mutex_lock(&st->mutex);
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

/* ---- walking slabs ---------------------------------------------------------------- */

typedef void (*slab_walk_fn)(struct page *slab, void *arg);

/* Every slab head page of the machine, in PFN order (quiescent machine). */
static void for_each_slab_page(struct mm *m, slab_walk_fn fn, void *arg)
{
	unsigned long pfn = 0;

	while (pfn < m->nr_pages) {
		struct page *p = pfn_to_page(m, pfn);
		unsigned long flags = READ_ONCE(p->flags);

		if ((flags & PG_slab) && p->_refcount > 0) {
			fn(p, arg);
			pfn += 1ul << p->private;
		} else if (flags & (PG_buddy | PG_pcp)) {
			pfn += 1ul << p->private;
		} else if (p->_refcount > 0 && p->private <= m->max_order) {
			pfn += 1ul << p->private;
		} else {
			pfn++;
		}
	}
}

/* Mark the free objects of a slab: its freelist, and for a cpu slab the
 * owner's c->freelist.  Returns how many (bounded by objects). */
static unsigned mark_free(struct kmem_cache *s, struct page *slab, void *head,
			  unsigned char *map, unsigned objects)
{
	char *base = slab_address(s->mm, slab) + s->red_left_pad;
	unsigned nr = 0;

	for (void *p = head; p && nr <= objects; p = get_freepointer(s, p)) {
		if (!check_valid_pointer(s, slab, p))
			break;
		map[((char *)p - base) / s->size] = 1;
		nr++;
	}
	return nr;
}

struct leak_walk {
	struct kmem_cache *s;
	unsigned long leaked;
	bool print;
};

static void leak_one_slab(struct page *slab, void *arg)
{
	struct leak_walk *w = arg;
	struct kmem_cache *s = w->s;
	unsigned objects, nr = 0;
	unsigned char *map;
	char *base;

	if (slab->slab_cache != s)
		return;
	objects = cnt_objects(slab->counters);
	map = calloc(objects + 1, 1);
	if (!map)
		return;
	base = slab_address(s->mm, slab) + s->red_left_pad;
	mark_free(s, slab, slab_freelist(slab), map, objects);
	for (int i = 0; i < s->mm->nr_cpus; i++)
		if (s->cpu_slab[i].slab == slab)
			mark_free(s, slab, s->cpu_slab[i].freelist, map, objects);
	for (unsigned i = 0; i < objects; i++) {
		if (map[i])
			continue;
		nr++;
		w->leaked++;
		if (w->print && w->leaked <= 16) {
			mm_printk(s->mm, "Object %p @offset=%zu", (void *)(base + (size_t)i * s->size),
				  (size_t)i * s->size + s->red_left_pad);
			slab_count_error(s->mm);
		}
	}
	free(map);
	(void)nr;
}

/* ---- shrink, destroy ---------------------------------------------------------------- */

static int need_cpu(struct kmem_cache *s, const char *who)
{
	if (this_cpu(s->mm))
		return 0;
	return mm_error(s->mm, EINVAL, "%s(%s): this thread is not bound to a CPU of the machine "
			"(call mm_cpu_bind first)", who, s->name);
}

/* __kmem_cache_do_shrink(): flush, free every empty slab, fullest partial
 * slabs first.  Returns the slabs freed. */
static int cache_shrink(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	struct mm_cpu *cpu = this_cpu(m);
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];
	int freed = 0;

	if (s->sheaf_capacity)
		barn_shrink(s, cpu);
	flush_all(s);
	for (int i = 0; i < m->nr_nodes; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct list_head discard, sorted;

		INIT_LIST_HEAD(&discard);
		INIT_LIST_HEAD(&sorted);
		mm_mutex_lock(&n->list_lock);
		while (!list_empty(&n->partial)) {
			struct page *slab = list_first_entry(&n->partial, struct page, lru);
			struct list_head *pos;

			list_del(&slab->lru);
			if (!cnt_inuse(slab_counters(slab))) {
				WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
				list_add(&slab->lru, &discard);
				freed++;
				continue;
			}
			/* insertion sort by inuse, fullest first */
			list_for_each(pos, &sorted)
				if (cnt_inuse(list_entry(pos, struct page, lru)->counters) <
				    cnt_inuse(slab->counters))
					break;
			list_add_tail(&slab->lru, pos);
		}
		while (!list_empty(&sorted)) {
			struct page *slab = list_first_entry(&sorted, struct page, lru);

			list_del(&slab->lru);
			list_add_tail(&slab->lru, &n->partial);
		}
		mm_mutex_unlock(&n->list_lock);
		discard_list(s, &discard, c);
	}
	return freed;
}

/* Every cache shrunk (mm_quiesce): the caller is bound. */
void slab_shrink_all(struct mm *m)
{
	struct list_head *e;

	if (!m->slab)
		return;
	mm_mutex_lock(&m->slab->mutex);
	list_for_each(e, &m->slab->caches)
		cache_shrink(list_entry(e, struct kmem_cache, list));
	mm_mutex_unlock(&m->slab->mutex);
}

int mm_kmem_cache_shrink(struct kmem_cache *s)
{
	int rc;

	if (!s)
		return -EINVAL;
	rc = need_cpu(s, "kmem_cache_shrink");
	if (rc)
		return rc;
	return cache_shrink(s);
}

static unsigned long cache_nr_slabs(struct kmem_cache *s)
{
	unsigned long n = 0;

	for (int i = 0; i < s->mm->nr_nodes; i++)
		n += __atomic_load_n(&s->node[i].nr_slabs, __ATOMIC_RELAXED);
	return n;
}

static unsigned long cache_total_objects(struct kmem_cache *s)
{
	unsigned long n = 0;

	for (int i = 0; i < s->mm->nr_nodes; i++)
		n += __atomic_load_n(&s->node[i].total_objects, __ATOMIC_RELAXED);
	return n;
}

int mm_kmem_cache_destroy(struct kmem_cache *s)
{
	struct mm *m;
	struct slab_state *st;
	struct leak_walk w;
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
	mm_mutex_lock(&st->mutex);
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
	if (flush_all(s)) {
		s->refcount = 1;
		mm_mutex_unlock(&st->mutex);
		return mm_error(m, EBUSY, "kmem_cache_destroy(%s): a CPU bound to another thread "
				"still holds slabs of the cache; unbind it first", s->name);
	}
	cache_shrink(s);
	if (cache_nr_slabs(s)) {
		w = (struct leak_walk){ .s = s, .print = true };
		slab_err(s, NULL, "Objects remaining in %s on __kmem_cache_shutdown()", s->name);
		for_each_slab_page(m, leak_one_slab, &w);
		s->refcount = 1;
		mm_mutex_unlock(&st->mutex);
		return mm_error(m, mm_taint_panicked(m) ? EFAULT : EBUSY,
				"kmem_cache_destroy %s: Slab cache still has objects "
				"(%lu objects left in %lu slabs); the cache is kept", s->name,
				w.leaked, cache_nr_slabs(s));
	}
	list_del(&s->list);
	mm_mutex_unlock(&st->mutex);
	free_cache(s);
	return 0;
}

/* ---- validation ------------------------------------------------------------------------ */

/* validate_slab() (n->list_lock held, slab unfrozen): check and repair. */
static void validate_slab(struct kmem_cache *s, struct page *slab)
{
	unsigned objects;
	unsigned char *map;
	char *base;

	if (!check_slab(s, slab) || !on_freelist(s, slab, NULL))
		return;
	if (!s->debug)
		return;
	objects = cnt_objects(slab->counters);
	map = calloc(objects + 1, 1);
	if (!map)
		return;
	mark_free(s, slab, slab->freelist, map, objects);
	base = slab_address(s->mm, slab) + s->red_left_pad;
	for (unsigned i = 0; i < objects; i++)
		if (!check_object(s, slab, base + (size_t)i * s->size,
				  map[i] ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE))
			break;
	free(map);
}

static int cache_validate(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	unsigned long before = mm_slab_errors(m);

	if (this_cpu(m))
		flush_all(s);
	for (int i = 0; i < m->nr_nodes; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct list_head *e;
		unsigned long count = 0;

		mm_mutex_lock(&n->list_lock);
		for (e = n->partial.next; e != &n->partial; ) {
			struct page *slab = list_entry(e, struct page, lru);

			e = e->next;
			validate_slab(s, slab);
			count++;
			if (!slab->freelist) {  /* repaired into a full slab */
				list_del(&slab->lru);
				WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
				count--;
				if (s->debug)
					list_add(&slab->lru, &n->full);
			}
		}
		if (count != n->nr_partial) {
			slab_err(s, NULL, "%lu partial slabs counted but counter=%lu", count,
				 n->nr_partial);
			WRITE_ONCE(n->nr_partial, count);
		}
		list_for_each(e, &n->full)
			validate_slab(s, list_entry(e, struct page, lru));
		mm_mutex_unlock(&n->list_lock);
	}
	return (int)(mm_slab_errors(m) - before);
}

int mm_kmem_cache_validate(struct kmem_cache *s)
{
	int rc;

	if (!s)
		return -EINVAL;
	rc = cache_validate(s);
	if (mm_taint_panicked(s->mm))
		return mm_error(s->mm, EFAULT, "kmem_cache_validate(%s): panic_on_taint: %d "
				"errors found", s->name, rc);
	return rc;
}

struct census {
	struct kmem_cache **caches;
	int nr;
	unsigned long *slabs, *objects;         /* [nr * nr_nodes] */
	unsigned long *partial;                 /* [nr]: unfrozen slabs with free objects */
	struct strbuf *err;
	int bad;
};

static void census_slab(struct page *slab, void *arg)
{
	struct census *cs = arg;
	struct kmem_cache *s = slab->slab_cache;
	unsigned long co = slab_counters(slab);
	int i;

	for (i = 0; i < cs->nr; i++)
		if (cs->caches[i] == s)
			break;
	if (cs->bad)
		return;
	if (i == cs->nr) {
		sb_printf(cs->err, "slab page %p (flags %#lx) names no live cache (%p)", (void *)slab,
			  slab->flags, (void *)s);
		cs->bad = 1;
		return;
	}
	if (!cnt_frozen(co) && slab_freelist(slab))
		cs->partial[i]++;
	cs->slabs[i * s->mm->nr_nodes + slab_nid(s->mm, slab)]++;
	cs->objects[i * s->mm->nr_nodes + slab_nid(s->mm, slab)] += cnt_objects(co);
	if (cnt_inuse(co) > cnt_objects(co) ||
	    cnt_objects(co) > order_objects(slab_order_of(slab), s->size)) {
		sb_printf(cs->err, "cache %s: slab %p has inuse %u objects %u (max %u)", s->name,
			  (void *)slab, cnt_inuse(co), cnt_objects(co),
			  order_objects(slab_order_of(slab), s->size));
		cs->bad = 1;
	}
}

/* Read-only check of one unfrozen slab's freelist against its counters. */
static int check_chain(struct kmem_cache *s, struct page *slab, void *head, unsigned expect,
		       const char *where, struct strbuf *err)
{
	unsigned objects = cnt_objects(slab->counters), nr = 0;
	void *prev = NULL;

	for (void *p = head; p; p = get_freepointer(s, p)) {
		if (!check_valid_pointer(s, slab, p)) {
			sb_printf(err, "cache %s: %s slab %p: free pointer %p after object %p does not "
				  "point to an object of the slab", s->name, where, (void *)slab, p, prev);
			return -1;
		}
		if (++nr > objects) {
			sb_printf(err, "cache %s: %s slab %p: freelist longer than its %u objects "
				  "(a loop: double free?)", s->name, where, (void *)slab, objects);
			return -1;
		}
		prev = p;
	}
	if (expect != ~0u && nr != expect) {
		sb_printf(err, "cache %s: %s slab %p: %u objects on the freelist, counters say %u "
			  "(objects %u - inuse %u)", s->name, where, (void *)slab, nr, expect,
			  objects, cnt_inuse(slab->counters));
		return -1;
	}
	return 0;
}

static int validate_cache_lists(struct kmem_cache *s, struct strbuf *err)
{
	struct mm *m = s->mm;
	int ret = 0;

	for (int i = 0; i < m->nr_nodes && !ret; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct list_head *e;
		unsigned long count = 0;

		mm_mutex_lock(&n->list_lock);
		list_for_each(e, &n->partial) {
			struct page *slab = list_entry(e, struct page, lru);
			unsigned long co = slab_counters(slab);

			if (slab->slab_cache != s || !(slab->flags & PG_slab) || cnt_frozen(co) ||
			    slab_nid(m, slab) != i || ++count > n->nr_partial + 1) {
				sb_printf(err, "cache %s node %d: partial list holds %p (cache %p, "
					  "flags %#lx, frozen %d)", s->name, i, (void *)slab,
					  slab->slab_cache, slab->flags, cnt_frozen(co));
				ret = -1;
				break;
			}
			if (check_chain(s, slab, slab->freelist, cnt_objects(co) - cnt_inuse(co),
					"partial", err)) {
				ret = -1;
				break;
			}
		}
		if (!ret && count != n->nr_partial) {
			sb_printf(err, "cache %s node %d: %lu partial slabs counted but nr_partial=%lu",
				  s->name, i, count, n->nr_partial);
			ret = -1;
		}
		mm_mutex_unlock(&n->list_lock);
	}
	for (int i = 0; i < m->nr_cpus && !ret; i++) {
		struct kmem_cache_cpu *c = &s->cpu_slab[i];
		unsigned nr = 0;

		if (c->slab) {
			unsigned long co = slab_counters(c->slab);

			if (c->slab->slab_cache != s || !cnt_frozen(co) || cnt_owner(co) != i) {
				sb_printf(err, "cache %s cpu %d: cpu slab %p is not frozen for this CPU",
					  s->name, i, (void *)c->slab);
				return -1;
			}
			if (check_chain(s, c->slab, c->freelist, ~0u, "cpu", err) ||
			    check_chain(s, c->slab, slab_freelist(c->slab),
					cnt_objects(co) - cnt_inuse(co), "cpu (remote frees)", err))
				return -1;
		} else if (c->freelist) {
			sb_printf(err, "cache %s cpu %d: a freelist without a cpu slab", s->name, i);
			return -1;
		}
		for (struct page *p = c->partial; p; p = (struct page *)p->lru.next) {
			unsigned long co = slab_counters(p);

			if (++nr > c->nr_partial || p->slab_cache != s || !cnt_frozen(co)) {
				sb_printf(err, "cache %s cpu %d: cpu partial list is corrupt at %p",
					  s->name, i, (void *)p);
				return -1;
			}
			if (check_chain(s, p, slab_freelist(p), cnt_objects(co) - cnt_inuse(co),
					"cpu partial", err))
				return -1;
		}
		if (nr != c->nr_partial) {
			sb_printf(err, "cache %s cpu %d: %u cpu partial slabs, nr_partial=%u", s->name,
				  i, nr, c->nr_partial);
			return -1;
		}
	}
	if (!ret && s->sheaf_capacity)
		ret = sheaves_validate(s, err);
	return ret;
}

/* mm_validate()'s slab part: every list, freelist and counter of every cache,
 * and a census of the machine's slab pages against nr_slabs/total_objects.
 * Debug caches also get SLUB's validate_slab_cache() with its repairs;
 * errors it finds fail the validation. */
int slab_validate(struct mm *m, struct strbuf *err)
{
	struct slab_state *st = m->slab;
	struct census cs = { .err = err };
	struct list_head *e;
	int ret = 0, i = 0;

	if (!st)
		return 0;
	mm_mutex_lock(&st->mutex);
	list_for_each(e, &st->caches)
		cs.nr++;
	cs.caches = calloc((size_t)cs.nr + 1, sizeof(*cs.caches));
	cs.slabs = calloc((size_t)(cs.nr + 1) * (size_t)m->nr_nodes, sizeof(long));
	cs.objects = calloc((size_t)(cs.nr + 1) * (size_t)m->nr_nodes, sizeof(long));
	cs.partial = calloc((size_t)cs.nr + 1, sizeof(long));
	if (!cs.caches || !cs.slabs || !cs.objects || !cs.partial) {
		sb_printf(err, "slab: out of memory for validation");
		ret = -1;
		goto out;
	}
	list_for_each(e, &st->caches) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);

		cs.caches[i++] = s;
		if (s->debug) {
			int errors = cache_validate(s);

			if (errors) {
				sb_printf(err, "cache %s: %d slab errors found and repaired (reports in "
					  "dmesg)", s->name, errors);
				ret = -1;
				goto out;
			}
		}
		if (validate_cache_lists(s, err)) {
			ret = -1;
			goto out;
		}
	}
	for_each_slab_page(m, census_slab, &cs);
	if (cs.bad) {
		ret = -1;
		goto out;
	}
	for (i = 0; i < cs.nr; i++) {
		struct kmem_cache *s = cs.caches[i];
		unsigned long nr_partial = 0;

		for (int nid = 0; nid < m->nr_nodes; nid++)
			nr_partial += READ_ONCE(s->node[nid].nr_partial);
		if (nr_partial != cs.partial[i]) {
			sb_printf(err, "cache %s: %lu unfrozen slabs have free objects but the node "
				  "partial lists hold %lu (a slab with free objects is lost, or a "
				  "full one is listed)", s->name, cs.partial[i], nr_partial);
			ret = -1;
			goto out;
		}
		for (int nid = 0; nid < m->nr_nodes; nid++) {
			unsigned long ns = __atomic_load_n(&s->node[nid].nr_slabs, __ATOMIC_RELAXED);
			unsigned long no = __atomic_load_n(&s->node[nid].total_objects, __ATOMIC_RELAXED);

			if (ns != cs.slabs[i * m->nr_nodes + nid] ||
			    no != cs.objects[i * m->nr_nodes + nid]) {
				sb_printf(err, "cache %s node %d: %lu slabs / %lu objects in mem_map, "
					  "counters say %lu / %lu", s->name, nid,
					  cs.slabs[i * m->nr_nodes + nid],
					  cs.objects[i * m->nr_nodes + nid], ns, no);
				ret = -1;
				goto out;
			}
		}
	}
out:
	mm_mutex_unlock(&st->mutex);
	free(cs.caches);
	free(cs.slabs);
	free(cs.objects);
	free(cs.partial);
	return ret;
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

size_t slab_ksize(const struct kmem_cache *s)
{
	if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
		return s->object_size;
	if (s->flags & SLAB_STORE_USER)
		return s->inuse;
	return s->object_size;
}

long mm_kmem_cache_stat(struct kmem_cache *s, const char *name)
{
	if (!s || !name)
		return -1;
	for (int i = 0; i < NR_SLUB_STAT_ITEMS; i++) {
		long sum = 0;

		if (strcmp(name, slub_stat_names[i]))
			continue;
		for (int c = 0; c < s->mm->nr_cpus; c++)
			sum += (long)READ_ONCE(s->cpu_slab[c].stat[i]);
		return sum;
	}
	return -1;
}

struct kmem_cache *mm_kmem_cache_find(struct mm *m, const char *name)
{
	struct kmem_cache *found = NULL;
	struct list_head *e;

	if (!m || !m->slab || !name)
		return NULL;
	mm_mutex_lock(&m->slab->mutex);
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
	slab_flags_t flags = 0;
	const char *p = text;

	if (err && errlen)
		err[0] = '\0';
	if (!text || !out) {
		if (err && errlen)
			snprintf(err, errlen, "no slab flags text");
		return -EINVAL;
	}
	while (*p) {
		size_t len = strcspn(p, "|");
		char word[64];
		bool found = false;

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		snprintf(word, sizeof(word), "%.*s", (int)(len < 63 ? len : 63), p);
		for (char *q = word + strlen(word); q > word && (q[-1] == ' ' || q[-1] == '\t'); )
			*--q = '\0';
		if (!word[0] || !strcmp(word, "0")) {
			found = true;
		} else if (word[0] == '0' && (word[1] == 'x' || word[1] == 'X')) {
			char *end;
			unsigned long v = strtoul(word, &end, 16);

			found = !*end && v <= 0xffffffffu;
			flags |= (slab_flags_t)v;
		} else {
			for (size_t i = 0; i < NR_SLAB_FLAG_NAMES; i++)
				if (!strcmp(word, slab_flag_names[i].name)) {
					flags |= slab_flag_names[i].mask;
					found = true;
				}
		}
		if (!found) {
			if (err && errlen)
				snprintf(err, errlen, "unknown slab flag '%s'", word);
			return -EINVAL;
		}
		p += len;
		if (*p == '|')
			p++;
	}
	*out = flags;
	return 0;
}

/* SLAB_TEMPORARY, an alias, is last and never printed */
int mm_slab_flags_format(slab_flags_t flags, char *buf, size_t len)
{
	return flag_names_format(flags, slab_flag_names, NR_SLAB_FLAG_NAMES - 1, "0", buf, len);
}

/* ---- reports ---------------------------------------------------------------------------- */

struct slab_row {
	unsigned long active_objs, num_objs, num_slabs;
};

static void cache_row(struct kmem_cache *s, struct slab_row *r)
{
	unsigned long nr_free = 0;

	for (int i = 0; i < s->mm->nr_nodes; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct list_head *e;

		mm_mutex_lock(&n->list_lock);
		list_for_each(e, &n->partial) {
			unsigned long co = slab_counters(list_entry(e, struct page, lru));

			nr_free += cnt_objects(co) - cnt_inuse(co);
		}
		mm_mutex_unlock(&n->list_lock);
	}
	r->num_slabs = cache_nr_slabs(s);
	r->num_objs = cache_total_objects(s);
	r->active_objs = r->num_objs - nr_free;
}

void slab_report_text(struct mm *m, struct strbuf *sb)
{
	struct list_head *e;

	sb_puts(sb, "slabinfo - version: 2.1\n");
	sb_puts(sb, "# name            <active_objs> <num_objs> <objsize> <objperslab> "
		"<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata "
		"<active_slabs> <num_slabs> <sharedavail>\n");
	if (!m->slab)
		return;
	mm_mutex_lock(&m->slab->mutex);
	list_for_each(e, &m->slab->caches) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);
		struct slab_row r;

		cache_row(s, &r);
		sb_printf(sb, "%-17s %6lu %6lu %6u %4u %4d", s->name, r.active_objs, r.num_objs,
			  s->size, s->objects, 1 << s->order);
		sb_printf(sb, " : tunables %4u %4u %4u", 0u, 0u, 0u);
		sb_printf(sb, " : slabdata %6lu %6lu %6lu\n", r.num_slabs, r.num_slabs, 0ul);
	}
	mm_mutex_unlock(&m->slab->mutex);
}

void slab_report_json(struct mm *m, struct strbuf *sb)
{
	struct list_head *e;
	bool first = true;

	sb_puts(sb, "[");
	if (!m->slab) {
		sb_puts(sb, "]");
		return;
	}
	mm_mutex_lock(&m->slab->mutex);
	list_for_each(e, &m->slab->caches) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);
		struct slab_row r;
		char flags[512];

		cache_row(s, &r);
		mm_slab_flags_format(s->flags, flags, sizeof(flags));
		sb_printf(sb, "%s\n    {\"name\": \"%s\", \"active_objs\": %lu, \"num_objs\": %lu, "
			  "\"objsize\": %u, \"objperslab\": %u, \"pagesperslab\": %u, "
			  "\"active_slabs\": %lu, \"num_slabs\": %lu, \"object_size\": %u, "
			  "\"align\": %u, \"order\": %u, \"offset\": %u, \"refcount\": %d, "
			  "\"flags\": \"%s\", \"sheaf_capacity\": %u, \"waste_bytes\": %lu, "
			  "\"aliases\": [",
			  first ? "" : ",", s->name, r.active_objs, r.num_objs, s->size, s->objects,
			  1u << s->order, r.num_slabs, r.num_slabs, s->object_size, s->align, s->order,
			  s->offset, s->refcount, flags, s->sheaf_capacity,
			  (r.num_slabs << s->order) * PAGE_SIZE - r.active_objs * s->object_size);
		for (int i = 0; i < s->nr_aliases; i++)
			sb_printf(sb, "%s\"%s\"", i ? ", " : "", s->aliases[i]);
		sb_puts(sb, "], \"stats\": {");
		for (int i = 0; i < NR_SLUB_STAT_ITEMS; i++) {
			unsigned long sum = 0;

			for (int c = 0; c < m->nr_cpus; c++)
				sum += READ_ONCE(s->cpu_slab[c].stat[i]);
			sb_printf(sb, "%s\"%s\": %lu", i ? ", " : "", slub_stat_names[i], sum);
		}
		sb_puts(sb, "}}");
		first = false;
	}
	mm_mutex_unlock(&m->slab->mutex);
	sb_puts(sb, "\n  ]");
}

unsigned long slab_nr_pages(struct mm *m, int node, bool reclaimable)
{
	unsigned long sum = 0;

	if (!m->slab)
		return 0;
	for (int n = node < 0 ? 0 : node; n < (node < 0 ? m->nr_nodes : node + 1); n++)
		sum += __atomic_load_n(reclaimable ? &m->slab->nr_slab_reclaimable[n]
						   : &m->slab->nr_slab_unreclaimable[n],
				       __ATOMIC_RELAXED);
	return sum;
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
	st->nomerge = m->cfg.slab_nomerge;
	m->slab = st;
	m->fault.failslab_changed = slab_failslab_changed;
	if (parse_debug(st, m->cfg.debug, err, errlen))
		return -EINVAL;
	if (!m->direct_map) {   /* backing=none: slab refuses every request */
		slab_exit(m);
		return 0;
	}
	if (kmalloc_init(m)) {
		if (err && errlen)
			snprintf(err, errlen, "cannot create the kmalloc caches");
		return -ENOMEM;
	}
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
	pthread_mutex_destroy(&st->mutex);
	free(st);
	m->slab = NULL;
}
