// SPDX-License-Identifier: GPL-2.0-only
/*
 * slab_classic.c - SLAB, the slab allocator Linux had from 2.2 to 6.7
 * (mm/slab.c of v6.7), behind the slab interface: slab_classic_ops, the
 * allocator of a machine with slab=slab.
 *
 * Owns: SLAB's part of every struct kmem_cache (struct slab_cache, at
 * s->priv), its per-CPU array caches, per-node lists, shared and alien
 * arrays, and its slab pages.
 *
 * Data structures, as in mm/slab.c:
 *   - struct array_cache (avail, limit, batchcount, touched, entry[]): a
 *     LIFO of free objects, one per CPU (cpu_cache), one shared per node
 *     (limit shared * batchcount) and, on NUMA machines, an alien cache
 *     per pair of nodes (limit 12) collecting frees of objects whose slab
 *     is on another node;
 *   - per node: slabs_full, slabs_partial, slabs_free (struct page.lru),
 *     total_slabs, free_slabs, free_objects, free_limit ((1 + CPUs of the
 *     node) * batchcount + num), colour_next, next_reap, free_touched;
 *   - a slab: s_mem = page address + colour offset, num objects of size
 *     bytes, and the freelist, an array of num freelist_idx_t (u16):
 *     entries [active, num) are the free objects' indices.  The array is
 *     at the end of the slab (on-slab), in a kmalloc object (OFF_SLAB), or
 *     inside one of the slab's free objects (OBJFREELIST_SLAB), chosen by
 *     __kmem_cache_create() in that order of preference:
 *     set_objfreelist_slab_cache(), set_off_slab_cache(),
 *     set_on_slab_cache(), each sizing the slab with calculate_slab_order()
 *     and cache_estimate();
 *   - colouring: a slab has left_over bytes; colour = left_over /
 *     colour_off (64, the cache line) offsets, and cache_grow_begin() starts
 *     successive slabs of a node at colour_next * colour_off, colour_next
 *     running 1, 2, .., colour - 1, 0, 1, ..
 *   - tunables by enable_cpucache(): limit 1 / 8 / 24 / 54 / 120 for sizes
 *     above 128 KiB / above PAGE_SIZE / above 1 KiB / above 256 / smaller,
 *     batchcount (limit + 1) / 2, shared 8 with more than one CPU and
 *     size <= PAGE_SIZE; mm_slabinfo_write() ("name limit batchcount
 *     shared", /proc/slabinfo's write) retunes them (do_tune_cpucache()).
 *
 * Paths: ____cache_alloc() pops the CPU's array; when it is empty
 * cache_alloc_refill() moves up to batchcount objects (BATCHREFILL_LIMIT
 * 16 while the array is untouched) from the shared array or the node's
 * partial then free slabs, or grows the cache (cache_grow_begin/end());
 * ____cache_alloc_node()/fallback_alloc() take another node's objects when
 * the local node has none.  ___cache_free() pushes onto the CPU's array;
 * a full array first gives batchcount objects to the shared array or back
 * to their slabs (cache_flusharray(), free_block(), which frees empty slabs
 * beyond free_limit); an object of another node's slab goes to the alien
 * cache (cache_free_alien()).  cache_reap() runs on the simulated tick
 * (mm_tick: one tick is one second): every REAPTIMEOUT_AC (2 s) it drains
 * a fifth of each untouched CPU array and the alien caches, and every
 * REAPTIMEOUT_NODE (4 s) a node's shared array and, unless touched, a
 * fifth of free_limit's worth of free slabs (drain_freelist()).
 *
 * Debug (mm/slab.c's DEBUG code; SLAB_RED_ZONE, SLAB_POISON,
 * SLAB_STORE_USER from debug= or the cache's flags): a slot is
 *   [red zone 1 (8) | object, word-aligned | red zone 2 (8) | user word]
 * (obj_offset 8 with red zones; __kmem_cache_create() drops red zone and
 * user word when the alignment is above 8).  The freelists and array
 * caches hold slots; the user gets slot + obj_offset.  Red zones are
 * RED_ACTIVE in use, RED_INACTIVE free; poison_obj() fills a free object
 * with POISON_FREE, an allocated one with POISON_INUSE (last byte
 * POISON_END).  Checks: cache_alloc_debugcheck_after() with
 * check_poison_obj() on every allocation (a damaged object is reported
 * and quarantined: it stays allocated, the next is taken),
 * verify_redzone_free() on every free (a damaged or already free object
 * is reported and the free refused), slab_destroy_debugcheck() on every
 * slab freed, and check_debug_slab() for kmem_cache_validate() (reports)
 * and mm_validate() (first problem in err); none of them repairs.  The
 * OBJFREELIST_SLAB freelist lives in a free object's body: that object
 * is exempt from the poison check and re-poisoned when the slab fills
 * (fixup_objfreelist_debug()).  Reports count and taint 'B'.
 *
 * Userspace differences: debug= (slub_debug=) reaches SLAB too (the
 * kernel needed CONFIG_DEBUG_SLAB); each slab carries a host-memory
 * bitmap of the objects handed out (page->freelist points at it, with the
 * freelist pointer), so a double or foreign free is refused instead of
 * corrupting the lists; kmalloc keeps SLUB's size classes (8 .. 8k,
 * larger sizes from pages).
 *
 * Locking: a CPU's array cache belongs to the thread bound to the CPU (or
 * one that acquired it to drain it); n->list_lock guards a node's lists,
 * counters and shared array; an alien cache has its own lock, taken
 * before the remote node's list_lock.  Order (numbered in mm_types.h):
 * slab_state.mutex (3) -> alien lock (4) -> n->list_lock (5) -> zone->lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slab.h"

typedef unsigned short freelist_idx_t;

#define SLAB_OBJ_MAX_NUM  ((1u << (8 * sizeof(freelist_idx_t))) - 1)
#define BATCHREFILL_LIMIT 16
#define REAPTIMEOUT_AC    2     /* ticks (2 * HZ) */
#define REAPTIMEOUT_NODE  4     /* ticks (4 * HZ) */
#define CFLGS_OBJFREELIST_SLAB 1u
#define CFLGS_OFF_SLAB         2u
#define ALIEN_LIMIT       12
#define CACHE_LINE_SIZE   64u

#define SLAB_STATS(X)                                                 \
	X(STAT_ALLOCHIT, "allochit")                                  \
	X(STAT_ALLOCMISS, "allocmiss")                                \
	X(STAT_FREEHIT, "freehit")                                    \
	X(STAT_FREEMISS, "freemiss")                                  \
	X(STAT_ALLOCED, "num_allocations")                            \
	X(STAT_GROWN, "grown")                                        \
	X(STAT_REAPED, "reaped")                                      \
	X(STAT_NODEALLOCS, "node_allocs")                             \
	X(STAT_NODEFREES, "node_frees")                               \
	X(STAT_ACOVERFLOW, "node_overflow")                           \
	X(STAT_ALLOC_FAILED, "alloc_failed")                          \
	X(STAT_FREE_REFUSED, "free_refused")

enum slab_stat_item {
#define SLAB_ENUM(e, n) e,
	SLAB_STATS(SLAB_ENUM)
#undef SLAB_ENUM
	NR_SLAB_STATS
};

static const char *const slab_stat_names[NR_SLAB_STATS] = {
#define SLAB_NAME(e, n) n,
	SLAB_STATS(SLAB_NAME)
#undef SLAB_NAME
};

struct array_cache {
	unsigned int avail;             /* objects in entry[] */
	unsigned int limit;
	unsigned int batchcount;
	unsigned int touched;           /* used since the last reap */
	void *entry[];
};

struct alien_cache {
	pthread_mutex_t lock;
	struct array_cache *ac;
};

/* SLAB's kmem_cache_node */
struct slab_node {
	pthread_mutex_t list_lock;      /* guards everything below but alien */
	struct list_head slabs_partial, slabs_full, slabs_free;
	unsigned long total_slabs, free_slabs, free_objects;
	unsigned int free_limit;
	unsigned int colour_next;
	struct array_cache *shared;     /* limit shared * batchcount, or NULL */
	struct alien_cache *alien;      /* [nr_nodes] (NUMA), or NULL */
	unsigned long next_reap;        /* tick */
	int free_touched;
} __cacheline_aligned;

/* A CPU's view of a cache: its array and its counters (owned by the
 * CPU's thread). */
struct slab_cpu {
	struct array_cache *ac;
	unsigned long stat[NR_SLAB_STATS];
} __cacheline_aligned;

/* SLAB's part of a kmem_cache (mm/slab_def.h's struct kmem_cache) */
struct slab_cache {
	struct slab_cpu *cpu;           /* [nr_cpus] */
	unsigned int batchcount, limit, shared;         /* slab_state.mutex */
	unsigned int num;               /* objects per slab */
	unsigned int gfporder;
	unsigned int colour, colour_off;
	unsigned int cflags;            /* CFLGS_OBJFREELIST_SLAB, CFLGS_OFF_SLAB */
	unsigned int freelist_size;     /* num * sizeof(freelist_idx_t) */
	unsigned int obj_offset;        /* SLAB_RED_ZONE: the object after the
	                                   first red-zone word, else 0 */
	struct kmem_cache *freelist_cache;      /* OFF_SLAB: the kmalloc cache */
	struct slab_node *node;         /* [nr_nodes] */
};

/* Host-memory bookkeeping of one slab (page->freelist points here). */
struct slab_mgmt {
	freelist_idx_t *freelist;       /* the slab's freelist array, or NULL
	                                   (OBJFREELIST_SLAB, full slab) */
	unsigned long inuse[];          /* bit i: object i is handed out */
};

static inline struct slab_cache *SC(const struct kmem_cache *s)
{
	return s->priv;
}

/* page->counters: active objects (low 32 bits), colour offset (high) */
static inline unsigned slab_active(const struct page *slab)
{
	return (unsigned)(slab->counters & 0xffffffffu);
}

static inline void set_active(struct page *slab, unsigned active)
{
	slab->counters = (slab->counters & ~0xffffffffful) | active;
}

static inline struct slab_mgmt *slab_mgmt(const struct page *slab)
{
	return slab->freelist;
}

static inline char *slab_s_mem(struct kmem_cache *s, const struct page *slab)
{
	return slab_address(s->mm, slab) + (slab->counters >> 32);
}

static inline void *index_to_obj(struct kmem_cache *s, const struct page *slab, unsigned idx)
{
	return slab_s_mem(s, slab) + (size_t)s->size * idx;
}

/* obj_to_index(), or ~0u when x is not an object start of the slab */
static inline unsigned obj_to_index(struct kmem_cache *s, const struct page *slab, const void *x)
{
	uintptr_t off = (uintptr_t)x - (uintptr_t)slab_s_mem(s, slab);

	if (off >= (uintptr_t)SC(s)->num * s->size || off % s->size)
		return ~0u;
	return (unsigned)(off / s->size);
}

static inline bool obj_inuse(const struct page *slab, unsigned idx)
{
	return (slab_mgmt(slab)->inuse[idx / 64] >> (idx % 64)) & 1;
}

static inline void set_inuse(struct page *slab, unsigned idx, bool on)
{
	unsigned long bit = 1ul << (idx % 64);

	if (on)
		slab_mgmt(slab)->inuse[idx / 64] |= bit;
	else
		slab_mgmt(slab)->inuse[idx / 64] &= ~bit;
}

static inline void stat(struct slab_cpu *c, enum slab_stat_item i)
{
	c->stat[i]++;
}

/* ---- debug: red zones, poison, the last user (mm/slab.c's DEBUG) ----------- */

#define SLAB_DEBUG_MASK   (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)
#define RED_INACTIVE      0x09F911029D74E35BULL     /* the object is free */
#define RED_ACTIVE        0xD84156C5635688C0ULL     /* the object is in use */
#define REDZONE_ALIGN     8u    /* max(alignof(unsigned long long), a word) */

static inline bool slab_debug(const struct kmem_cache *s)
{
	return s->flags & SLAB_DEBUG_MASK;
}

/* A slot (what the freelists and array caches hold) and the object the
 * user sees: obj_offset apart. */
static inline void *slot_to_user(struct kmem_cache *s, void *slot)
{
	return (char *)slot + SC(s)->obj_offset;
}

static inline void *user_to_slot(struct kmem_cache *s, const void *x)
{
	return (char *)x - SC(s)->obj_offset;
}

/* dbg_redzone1(), dbg_redzone2(), dbg_userword(): words of the slot */
static inline unsigned long long *dbg_redzone1(struct kmem_cache *s, void *slot)
{
	return (unsigned long long *)((char *)slot + SC(s)->obj_offset - 8);
}

static inline unsigned long long *dbg_redzone2(struct kmem_cache *s, void *slot)
{
	return (unsigned long long *)((char *)slot + s->size - 8 -
				      (s->flags & SLAB_STORE_USER ? REDZONE_ALIGN : 0));
}

static inline unsigned long *dbg_userword(struct kmem_cache *s, void *slot)
{
	return (unsigned long *)((char *)slot + s->size - WORD);
}

static inline void set_redzones(struct kmem_cache *s, void *slot, unsigned long long v)
{
	*dbg_redzone1(s, slot) = v;
	*dbg_redzone2(s, slot) = v;
}

/* poison_obj(): the object val, its last byte POISON_END */
static void poison_obj(struct kmem_cache *s, void *slot, unsigned char val)
{
	unsigned char *p = slot_to_user(s, slot);

	memset(p, val, s->object_size);
	p[s->object_size - 1] = POISON_END;
}

/* __slab_error(): "slab error in FUNCTION(): cache `NAME': MSG", counted
 * and tainting 'B' (add_taint(TAINT_BAD_PAGE)) */
static void slab_error(struct kmem_cache *s, const char *function, const char *msg)
{
	mm_printk(s->mm, "slab error in %s(): cache `%s': %s", function, s->name, msg);
	slab_count_error(s->mm);
}

static void redzone_report(struct kmem_cache *s, void *slot)
{
	mm_printk(s->mm, "%p: redzone 1:0x%llx, redzone 2:0x%llx", slot, *dbg_redzone1(s, slot),
		  *dbg_redzone2(s, slot));
}

/* dump_line(): one row of print_hex_dump(16 bytes, with ASCII) after the
 * offset, and the single-bit-error hint */
static void dump_line(struct mm *m, const unsigned char *data, unsigned offset, unsigned limit)
{
	char line[128];
	unsigned char error = 0;
	int bad = 0, n = snprintf(line, sizeof(line), "%03x: ", offset);
	int col = n;

	for (unsigned i = 0; i < limit; i++) {
		if (data[offset + i] != POISON_FREE) {
			error = data[offset + i];
			bad++;
		}
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%02x", i ? " " : "",
			      data[offset + i]);
	}
	while (n < col + 49)
		line[n++] = ' ';
	for (unsigned i = 0; i < limit; i++) {
		unsigned char c = data[offset + i];

		line[n++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	line[n] = 0;
	mm_printk(m, "%s", line);
	if (bad == 1) {
		error ^= POISON_FREE;
		if (!(error & (error - 1))) {
			mm_printk(m, "Single bit error detected. Probably bad RAM.");
			mm_printk(m, "Run memtest86+ or a similar memory test tool.");
		}
	}
}

/* print_objinfo(): red zones, last user, the first lines of the object */
static void print_objinfo(struct kmem_cache *s, void *slot, unsigned lines)
{
	const unsigned char *p = slot_to_user(s, slot);

	if (s->flags & SLAB_RED_ZONE)
		mm_printk(s->mm, "Redzone: 0x%llx/0x%llx", *dbg_redzone1(s, slot),
			  *dbg_redzone2(s, slot));
	if (s->flags & SLAB_STORE_USER) {
		char sym[256];

		slab_symbolize(*dbg_userword(s, slot), sym, sizeof(sym));
		mm_printk(s->mm, "Last user: (%s)", sym);
	}
	for (unsigned i = 0; i < s->object_size && lines; i += 16, lines--)
		dump_line(s->mm, p, i, s->object_size - i < 16 ? s->object_size - i : 16);
}

/* check_poison_obj(): a free object still POISON_FREE ... POISON_END?
 * Otherwise "Slab corruption", up to six bad rows, and the neighbours;
 * counted.  Returns whether it was damaged. */
static bool check_poison_obj(struct kmem_cache *s, struct page *slab, void *slot)
{
	struct mm *m = s->mm;
	const unsigned char *p = slot_to_user(s, slot);
	unsigned size = s->object_size, lines = 0, idx;
	char taint[64];

	for (unsigned i = 0; i < size; i++) {
		unsigned char exp = i == size - 1 ? POISON_END : POISON_FREE;

		if (p[i] == exp)
			continue;
		if (!lines) {
			mm_printk(m, "Slab corruption (%s): %s start=%p, len=%u",
				  print_tainted(m, taint, sizeof(taint)), s->name, (void *)p, size);
			print_objinfo(s, slot, 0);
		}
		i = i / 16 * 16;
		dump_line(m, p, i, size - i < 16 ? size - i : 16);
		i += 15;
		if (++lines > 5)
			break;
	}
	if (!lines)
		return false;
	idx = obj_to_index(s, slab, slot);
	if (idx) {
		void *prev = index_to_obj(s, slab, idx - 1);

		mm_printk(m, "Prev obj: start=%p, len=%u", slot_to_user(s, prev), size);
		print_objinfo(s, prev, 2);
	}
	if (idx + 1 < SC(s)->num) {
		void *next = index_to_obj(s, slab, idx + 1);

		mm_printk(m, "Next obj: start=%p, len=%u", slot_to_user(s, next), size);
		print_objinfo(s, next, 2);
	}
	slab_count_error(m);
	return true;
}

/* The OBJFREELIST_SLAB object that holds the slab's freelist (its body is
 * the index array, not poison), or NULL */
static void *freelist_holder(struct kmem_cache *s, const struct page *slab)
{
	if (!(SC(s)->cflags & CFLGS_OBJFREELIST_SLAB) || !slab_mgmt(slab)->freelist)
		return NULL;
	return user_to_slot(s, slab_mgmt(slab)->freelist);
}

/* What is wrong with one object of a debug cache: its red zones against
 * its state, a free object's poison.  NULL when nothing is. */
static const char *debug_object_damage(struct kmem_cache *s, struct page *slab, void *slot,
				       bool inuse)
{
	unsigned long long want = inuse ? RED_ACTIVE : RED_INACTIVE;
	const unsigned char *p = slot_to_user(s, slot);

	if ((s->flags & SLAB_RED_ZONE) && *dbg_redzone1(s, slot) != want)
		return inuse ? "memory before the object was overwritten"
			     : "start of a freed object was overwritten";
	if ((s->flags & SLAB_RED_ZONE) && *dbg_redzone2(s, slot) != want)
		return inuse ? "memory outside object was overwritten"
			     : "end of a freed object was overwritten";
	if (inuse || !(s->flags & SLAB_POISON) || slot == freelist_holder(s, slab))
		return NULL;
	for (unsigned i = 0; i < s->object_size; i++)
		if (p[i] != (i == s->object_size - 1 ? POISON_END : POISON_FREE))
			return "write after free (poison overwritten)";
	return NULL;
}

/* Every object of a slab of a debug cache (n->list_lock held, or the slab
 * off the lists).  report: the kernel's reports in the log, each counted
 * (slab_destroy_debugcheck(), kmem_cache_validate()); else the first
 * problem in err (mm_validate).  Reads only.  Returns the damaged objects. */
static unsigned check_debug_slab(struct kmem_cache *s, struct page *slab, const char *function,
				 struct strbuf *err)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < SC(s)->num; i++) {
		void *slot = index_to_obj(s, slab, i);
		bool inuse = (slab_mgmt(slab)->inuse[i / 64] >> (i % 64)) & 1;
		const char *what = debug_object_damage(s, slab, slot, inuse);

		if (!what)
			continue;
		bad++;
		if (!function) {
			sb_printf(err, "cache %s: %s object %p: %s (redzone 1:0x%llx, redzone "
				  "2:0x%llx)", s->name, inuse ? "allocated" : "free",
				  slot_to_user(s, slot),
				  what, s->flags & SLAB_RED_ZONE ? *dbg_redzone1(s, slot) : 0,
				  s->flags & SLAB_RED_ZONE ? *dbg_redzone2(s, slot) : 0);
			return bad;
		}
		if (what[0] == 'w') {
			check_poison_obj(s, slab, slot);
		} else {
			slab_error(s, function, what);
			redzone_report(s, slot);
		}
	}
	return bad;
}

/* ---- layout: cache_estimate(), calculate_slab_order(), enable_cpucache() ---- */

/* cache_estimate(): objects of buffer_size in a slab of gfporder, and the
 * bytes left over; an on-slab freelist takes an index per object. */
static unsigned cache_estimate(unsigned gfporder, size_t buffer_size, unsigned flags,
			       size_t *left_over)
{
	size_t slab_size = PAGE_SIZE << gfporder;
	size_t per = buffer_size;

	if (!(flags & (CFLGS_OBJFREELIST_SLAB | CFLGS_OFF_SLAB)))
		per += sizeof(freelist_idx_t);
	*left_over = slab_size % per;
	return (unsigned)(slab_size / per);
}

/* slab_max_order: SLAB_MAX_ORDER_HI (1) above 32 MiB of memory, else 0 */
static unsigned slab_max_order(struct mm *m)
{
	return m->nr_pages > (32ul << 20) / PAGE_SIZE ? 1 : 0;
}

/* calculate_slab_order(): the smallest order (to slab_max_order, further
 * only while nothing fits) whose left-over is at most 1/8 of the slab;
 * sets num and gfporder, returns the left-over (0 and num 0: none). */
static size_t calculate_slab_order(struct kmem_cache *s, size_t size, unsigned flags)
{
	struct mm *m = s->mm;
	struct slab_cache *sc = SC(s);
	size_t left_over = 0;

	for (unsigned order = 0; order <= m->max_order; order++) {
		size_t remainder;
		unsigned num = cache_estimate(order, size, flags, &remainder);

		if (!num)
			continue;
		if (num > SLAB_OBJ_MAX_NUM)
			break;
		if (flags & CFLGS_OFF_SLAB) {
			size_t fl = (size_t)num * sizeof(freelist_idx_t);
			struct kmem_cache *fc = fl <= MM_KMALLOC_MAX_CACHE_SIZE ?
				m->slab->kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(fl)] : NULL;

			if (!fc || (SC(fc)->cflags & CFLGS_OFF_SLAB))
				continue;       /* no such class yet, or a loop */
			if (fc->size > s->size / 2)
				continue;       /* not worth it */
		}
		sc->num = num;
		sc->gfporder = order;
		left_over = remainder;
		if (s->flags & SLAB_RECLAIM_ACCOUNT)
			break;
		if (order >= slab_max_order(m))
			break;
		if (left_over * 8 <= (PAGE_SIZE << order))
			break;
	}
	return left_over;
}

/* set_objfreelist_slab_cache(), set_off_slab_cache(), set_on_slab_cache() */
static bool set_slab_layout(struct kmem_cache *s, size_t size, unsigned flags)
{
	struct slab_cache *sc = SC(s);
	size_t left;

	sc->num = 0;
	if ((flags & CFLGS_OBJFREELIST_SLAB) &&
	    (s->init_on_free || s->ctor || (s->flags & SLAB_TYPESAFE_BY_RCU)))
		return false;
	if ((flags & CFLGS_OFF_SLAB) && (s->flags & SLAB_NOLEAKTRACE))
		return false;
	left = calculate_slab_order(s, size, flags);
	if (!sc->num)
		return false;
	if ((flags & CFLGS_OBJFREELIST_SLAB) &&
	    sc->num * sizeof(freelist_idx_t) > s->object_size)
		return false;
	if ((flags & CFLGS_OFF_SLAB) && left >= sc->num * sizeof(freelist_idx_t))
		return false;           /* room for it on the slab after all */
	sc->colour = (unsigned)(left / sc->colour_off);
	sc->cflags = flags;
	return true;
}

/* enable_cpucache()'s defaults by object size */
static void cpucache_defaults(struct kmem_cache *s, unsigned *limit, unsigned *batchcount,
			      unsigned *shared)
{
	if (s->size > 131072)
		*limit = 1;
	else if (s->size > PAGE_SIZE)
		*limit = 8;
	else if (s->size > 1024)
		*limit = 24;
	else if (s->size > 256)
		*limit = 54;
	else
		*limit = 120;
	*shared = s->size <= PAGE_SIZE && s->mm->nr_cpus > 1 ? 8 : 0;
	*batchcount = (*limit + 1) / 2;
}

static struct array_cache *alloc_arraycache(unsigned limit, unsigned batchcount)
{
	struct array_cache *ac = calloc(1, sizeof(*ac) + limit * sizeof(void *));

	if (ac) {
		ac->limit = limit;
		ac->batchcount = batchcount;
	}
	return ac;
}

/* ---- slab pages -------------------------------------------------------------- */

static inline struct slab_node *slab_get_node(struct kmem_cache *s, struct page *slab)
{
	return &SC(s)->node[slab_nid(s->mm, slab)];
}

static void *cache_alloc_obj(struct kmem_cache *s, gfp_t gfp, struct mm_cpu *cpu,
			     unsigned long caller);
static void free_objects_any_node(struct kmem_cache *s, void **objpp, unsigned nr,
				  struct mm_cpu *cpu);
static void cache_free_debugcheck(struct kmem_cache *s, void *slot, unsigned long caller);

/* kmem_freepages() and the slab's bookkeeping (slab_destroy()) */
static void slab_destroy(struct kmem_cache *s, struct page *slab, struct mm_cpu *cpu)
{
	struct slab_cache *sc = SC(s);
	struct mm *m = s->mm;
	struct slab_mgmt *mg = slab_mgmt(slab);

	if (slab_debug(s)) {            /* slab_destroy_debugcheck() */
		void *holder = freelist_holder(s, slab);

		if (holder && (s->flags & SLAB_POISON))
			poison_obj(s, holder, POISON_FREE);
		check_debug_slab(s, slab, "slab_destroy_debugcheck", NULL);
	}
	if ((sc->cflags & CFLGS_OFF_SLAB) && mg->freelist) {   /* a kmalloc object */
		struct kmem_cache *fc = sc->freelist_cache;
		void *fl = user_to_slot(fc, mg->freelist);
		struct page *fslab = slab_virt_to_head(m, fl);

		set_inuse(fslab, obj_to_index(fc, fslab, fl), false);
		if (slab_debug(fc))
			cache_free_debugcheck(fc, fl, 0);
		else
			mm_track_free(mg->freelist, fc->object_size);
		free_objects_any_node(fc, &fl, 1, cpu);
	}
	free(mg);
	slab_account_pages(s, slab_nid(m, slab), sc->gfporder, -1);
	mm_track_alloc(slab_address(m, slab), PAGE_SIZE << sc->gfporder);
	slab->slab_cache = NULL;
	slab->freelist = NULL;
	slab->counters = 0;
	WRITE_ONCE(slab->flags, slab->flags & ~(unsigned long)PG_slab);
	mm_free_pages(m, slab, sc->gfporder);
}

static void slabs_destroy(struct kmem_cache *s, struct list_head *list, struct mm_cpu *cpu)
{
	while (!list_empty(list)) {
		struct page *slab = list_first_entry(list, struct page, lru);

		list_del(&slab->lru);
		slab_destroy(s, slab, cpu);
	}
}

/* cache_grow_begin(): a new slab, colour offset, freelist, objects
 * constructed; on no list yet. */
static struct page *cache_grow_begin(struct kmem_cache *s, gfp_t gfp, struct mm_cpu *cpu)
{
	struct mm *m = s->mm;
	struct slab_cache *sc = SC(s);
	gfp_t local = (gfp & (__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN |
			      __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY |
			      __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_HARDWALL |
			      __GFP_THISNODE)) | s->allocflags;
	size_t nwords = (sc->num + 63) / 64;
	struct slab_mgmt *mg = calloc(1, sizeof(*mg) + nwords * sizeof(unsigned long));
	struct slab_node *n;
	struct page *slab;
	size_t offset;
	char *addr;

	if (!mg) {
		mm_set_errno(m, ENOMEM);
		return NULL;
	}
	slab = mm_alloc_pages(m, local | (sc->gfporder ? __GFP_COMP : 0), sc->gfporder);
	if (!slab) {
		free(mg);
		return NULL;
	}
	n = slab_get_node(s, slab);
	mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	n->colour_next++;
	if (n->colour_next >= sc->colour)
		n->colour_next = 0;
	offset = (size_t)n->colour_next * sc->colour_off;
	mm_mutex_unlock(&n->list_lock);
	addr = slab_address(m, slab);
	/* alloc_slabmgmt() */
	if (sc->cflags & CFLGS_OFF_SLAB) {
		mg->freelist = cache_alloc_obj(sc->freelist_cache, local & ~__GFP_THISNODE, cpu, 0);
		if (!mg->freelist) {
			free(mg);
			mm_free_pages(m, slab, sc->gfporder);
			return NULL;
		}
		mm_track_alloc(mg->freelist, sc->freelist_size);
	} else if (!(sc->cflags & CFLGS_OBJFREELIST_SLAB)) {
		mg->freelist = (freelist_idx_t *)(addr + (PAGE_SIZE << sc->gfporder) -
						  sc->freelist_size);
	}
	slab->slab_cache = s;
	slab->freelist = mg;
	slab->counters = (unsigned long)offset << 32;
	WRITE_ONCE(slab->flags, slab->flags | PG_slab);
	/* cache_init_objs_debug(), cache_init_objs(): the OBJFREELIST array
	 * in the last object; a poisoned object gets its ctor at each alloc */
	for (unsigned i = 0; i < sc->num; i++) {
		void *slot = index_to_obj(s, slab, i);

		if (s->flags & SLAB_STORE_USER)
			*dbg_userword(s, slot) = 0;
		if (s->flags & SLAB_RED_ZONE)
			set_redzones(s, slot, RED_INACTIVE);
		if (s->ctor && !(s->flags & SLAB_POISON))
			mm_run_ctor(m, s->ctor, slot_to_user(s, slot));
		if ((s->flags & SLAB_RED_ZONE) && *dbg_redzone2(s, slot) != RED_INACTIVE)
			slab_error(s, "cache_init_objs_debug",
				   "constructor overwrote the end of an object");
		if ((s->flags & SLAB_RED_ZONE) && *dbg_redzone1(s, slot) != RED_INACTIVE)
			slab_error(s, "cache_init_objs_debug",
				   "constructor overwrote the start of an object");
		if (s->flags & SLAB_POISON)
			poison_obj(s, slot, POISON_FREE);
	}
	if (sc->cflags & CFLGS_OBJFREELIST_SLAB)
		mg->freelist = slot_to_user(s, index_to_obj(s, slab, sc->num - 1));
	for (unsigned i = 0; i < sc->num; i++) {
		mg->freelist[i] = (freelist_idx_t)i;
		if (!slab_debug(s))
			mm_track_free(index_to_obj(s, slab, i), s->object_size);
	}
	if (sc->cflags & CFLGS_OBJFREELIST_SLAB)
		mm_track_alloc(mg->freelist, sc->freelist_size);
	slab_account_pages(s, slab_nid(m, slab), sc->gfporder, 1);
	stat(&sc->cpu[cpu->id], STAT_GROWN);
	return slab;
}

/* fixup_slab_list() (n->list_lock held) */
static void __fixup_slab_list(struct kmem_cache *s, struct slab_node *n, struct page *slab)
{
	struct slab_cache *sc = SC(s);

	lockdep_assert_held(s->mm, &n->list_lock);
	list_del(&slab->lru);
	if (slab_active(slab) == sc->num) {
		list_add(&slab->lru, &n->slabs_full);
		if (sc->cflags & CFLGS_OBJFREELIST_SLAB) {
			/* fixup_objfreelist_debug(): the holder is handed out */
			if (s->flags & SLAB_POISON)
				poison_obj(s, freelist_holder(s, slab), POISON_FREE);
			slab_mgmt(slab)->freelist = NULL;
		}
	} else {
		list_add(&slab->lru, &n->slabs_partial);
	}
}

/* cache_grow_end() */
static void cache_grow_end(struct kmem_cache *s, struct page *slab)
{
	struct slab_node *n = slab_get_node(s, slab);

	mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	INIT_LIST_HEAD(&slab->lru);
	n->total_slabs++;
	if (!slab_active(slab)) {
		list_add_tail(&slab->lru, &n->slabs_free);
		n->free_slabs++;
	} else {
		__fixup_slab_list(s, n, slab);
	}
	n->free_objects += SC(s)->num - slab_active(slab);
	mm_mutex_unlock(&n->list_lock);
}

/* slab_get_obj() / slab_put_obj() (n->list_lock held, or a new slab) */
static void *slab_get_obj(struct kmem_cache *s, struct page *slab)
{
	unsigned active = slab_active(slab);
	void *obj = index_to_obj(s, slab, slab_mgmt(slab)->freelist[active]);

	set_active(slab, active + 1);
	return obj;
}

static void slab_put_obj(struct kmem_cache *s, struct page *slab, void *obj)
{
	struct slab_mgmt *mg = slab_mgmt(slab);
	unsigned active = slab_active(slab) - 1;

	set_active(slab, active);
	if (!mg->freelist) {            /* OBJFREELIST_SLAB: was full */
		mg->freelist = slot_to_user(s, obj);
		mm_track_alloc(mg->freelist, SC(s)->freelist_size);
	}
	mg->freelist[active] = (freelist_idx_t)obj_to_index(s, slab, obj);
}

/* get_first_slab() (n->list_lock held): partial first, then free */
static struct page *__get_first_slab(struct slab_node *n)
{
	struct page *slab;

	lockdep_assert_held(NULL, &n->list_lock);
	if (!list_empty(&n->slabs_partial))
		return list_first_entry(&n->slabs_partial, struct page, lru);
	n->free_touched = 1;
	if (list_empty(&n->slabs_free))
		return NULL;
	slab = list_first_entry(&n->slabs_free, struct page, lru);
	n->free_slabs--;
	return slab;
}

/* free_block() (n->list_lock held): objects back to their slabs of node
 * n; empty slabs beyond free_limit onto list, for slabs_destroy(). */
static void __free_block(struct kmem_cache *s, void **objpp, unsigned nr, struct slab_node *n,
			 struct list_head *list)
{
	struct slab_cache *sc = SC(s);

	lockdep_assert_held(s->mm, &n->list_lock);
	n->free_objects += nr;
	for (unsigned i = 0; i < nr; i++) {
		struct page *slab = slab_virt_to_head(s->mm, objpp[i]);

		list_del(&slab->lru);
		slab_put_obj(s, slab, objpp[i]);
		if (!slab_active(slab)) {
			list_add(&slab->lru, &n->slabs_free);
			n->free_slabs++;
		} else {
			list_add_tail(&slab->lru, &n->slabs_partial);
		}
	}
	while (n->free_objects > n->free_limit && !list_empty(&n->slabs_free)) {
		struct page *slab = list_last_entry(&n->slabs_free, struct page, lru);

		n->free_objects -= sc->num;
		list_del(&slab->lru);
		list_add(&slab->lru, list);
		n->free_slabs--;
		n->total_slabs--;
	}
}

/* free_block() for objects that may lie on several nodes (drains) */
static void free_objects_any_node(struct kmem_cache *s, void **objpp, unsigned nr,
				  struct mm_cpu *cpu)
{
	for (unsigned i = 0; i < nr; i++) {
		struct page *slab = slab_virt_to_head(s->mm, objpp[i]);
		struct slab_node *n = slab_get_node(s, slab);
		struct list_head list;

		INIT_LIST_HEAD(&list);
		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		__free_block(s, &objpp[i], 1, n, &list);
		mm_mutex_unlock(&n->list_lock);
		slabs_destroy(s, &list, cpu);
	}
}

/* transfer_objects(): up to max from the top of from to to */
static unsigned transfer_objects(struct array_cache *to, struct array_cache *from, unsigned max)
{
	unsigned nr = from->avail;

	if (nr > max)
		nr = max;
	if (nr > to->limit - to->avail)
		nr = to->limit - to->avail;
	if (!nr)
		return 0;
	memcpy(to->entry + to->avail, from->entry + from->avail - nr, sizeof(void *) * nr);
	from->avail -= nr;
	to->avail += nr;
	return nr;
}

/* ---- allocation ------------------------------------------------------------------ */

/* alloc_block() */
static unsigned alloc_block(struct kmem_cache *s, struct array_cache *ac, struct page *slab,
			    unsigned batchcount, struct slab_cpu *c)
{
	while (slab_active(slab) < SC(s)->num && batchcount) {
		ac->entry[ac->avail++] = slab_get_obj(s, slab);
		batchcount--;
		stat(c, STAT_ALLOCED);
	}
	return batchcount;
}

/* cache_alloc_refill() */
static void *cache_alloc_refill(struct kmem_cache *s, gfp_t gfp, struct mm_cpu *cpu)
{
	struct slab_cache *sc = SC(s);
	struct slab_cpu *c = &sc->cpu[cpu->id];
	struct array_cache *ac = c->ac;
	struct slab_node *n = &sc->node[cpu->node];
	unsigned batchcount = ac->batchcount;
	struct page *slab;

	if (!ac->touched && batchcount > BATCHREFILL_LIMIT)
		batchcount = BATCHREFILL_LIMIT;
	mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	if (n->free_objects || (n->shared && n->shared->avail)) {
		if (n->shared && transfer_objects(ac, n->shared, batchcount)) {
			n->shared->touched = 1;
		} else {
			while (batchcount > 0) {
				slab = __get_first_slab(n);
				if (!slab)
					break;
				batchcount = alloc_block(s, ac, slab, batchcount, c);
				__fixup_slab_list(s, n, slab);
			}
			n->free_objects -= ac->avail;
		}
	}
	mm_mutex_unlock(&n->list_lock);
	if (!ac->avail) {               /* direct_grow */
		slab = cache_grow_begin(s, gfp | __GFP_THISNODE, cpu);
		if (!slab)
			return NULL;
		alloc_block(s, ac, slab, batchcount, c);
		cache_grow_end(s, slab);
		if (!ac->avail)
			return NULL;
	}
	ac->touched = 1;
	return ac->entry[--ac->avail];
}

/* ____cache_alloc_node() for node nid: one object from its lists, or from
 * a new slab on it; NULL when that fails. */
static void *cache_alloc_node(struct kmem_cache *s, gfp_t gfp, int nid, struct mm_cpu *cpu)
{
	struct slab_cache *sc = SC(s);
	struct slab_node *n = &sc->node[nid];
	struct page *slab;
	void *obj;

	mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	slab = __get_first_slab(n);
	if (slab) {
		obj = slab_get_obj(s, slab);
		n->free_objects--;
		__fixup_slab_list(s, n, slab);
		mm_mutex_unlock(&n->list_lock);
		stat(&sc->cpu[cpu->id], STAT_NODEALLOCS);
		return obj;
	}
	mm_mutex_unlock(&n->list_lock);
	if (nid != cpu->node)
		return NULL;            /* only the local node grows here */
	slab = cache_grow_begin(s, gfp, cpu);
	if (!slab)
		return NULL;
	obj = slab_get_obj(s, slab);    /* not counted in free_objects yet */
	cache_grow_end(s, slab);
	return obj;
}

/* __do_cache_alloc(): the CPU's array, refilled; then fallback_alloc():
 * any node holding free objects, in node order from the CPU's own. */
static void *cache_alloc(struct kmem_cache *s, gfp_t gfp, struct mm_cpu *cpu)
{
	struct slab_cache *sc = SC(s);
	struct slab_cpu *c = &sc->cpu[cpu->id];
	struct array_cache *ac = c->ac;
	struct mm *m = s->mm;
	void *obj;

	if (likely(ac->avail)) {
		ac->touched = 1;
		stat(c, STAT_ALLOCHIT);
		obj = ac->entry[--ac->avail];
	} else {
		stat(c, STAT_ALLOCMISS);
		obj = cache_alloc_refill(s, gfp, cpu);
		/* fallback_alloc(): other nodes' free objects, then a slab anywhere */
		for (int d = 1; !obj && d <= m->nr_nodes && !(gfp & __GFP_THISNODE); d++) {
			int nid = (cpu->node + d) % m->nr_nodes;

			if (d < m->nr_nodes && !READ_ONCE(sc->node[nid].free_objects))
				continue;
			obj = cache_alloc_node(s, gfp, nid, cpu);
		}
	}
	if (obj) {
		struct page *slab = slab_virt_to_head(m, obj);

		set_inuse(slab, obj_to_index(s, slab, obj), true);
	}
	return obj;
}

/* cache_alloc_debugcheck_after(): a free object's poison and red zones
 * checked, then marked in use (RED_ACTIVE, POISON_INUSE, the caller in
 * the user word).  A damaged object is reported and kept out of use
 * (quarantined: allocated for good); false then. */
static bool cache_alloc_debugcheck_after(struct kmem_cache *s, void *slot, unsigned long caller)
{
	bool ok = true;

	if (s->flags & SLAB_POISON)
		ok = !check_poison_obj(s, slab_virt_to_head(s->mm, slot), slot);
	if (s->flags & SLAB_STORE_USER)
		*dbg_userword(s, slot) = caller;
	if (s->flags & SLAB_RED_ZONE) {
		if (*dbg_redzone1(s, slot) != RED_INACTIVE ||
		    *dbg_redzone2(s, slot) != RED_INACTIVE) {
			slab_error(s, "cache_alloc_debugcheck_after",
				   "double free, or memory outside object was overwritten");
			redzone_report(s, slot);
			ok = false;
		}
		set_redzones(s, slot, RED_ACTIVE);
	}
	if (!ok)
		return false;
	if (s->flags & SLAB_POISON)
		poison_obj(s, slot, POISON_INUSE);
	if (s->ctor && (s->flags & SLAB_POISON))
		mm_run_ctor(s->mm, s->ctor, slot_to_user(s, slot));
	return true;
}

/* An object for the user (obj_offset in), checked on debug caches: a
 * damaged one stays quarantined and the next is taken.  NULL: none (the
 * page allocator's errno), or panic_on_taint hit by a damaged one. */
static void *cache_alloc_obj(struct kmem_cache *s, gfp_t gfp, struct mm_cpu *cpu,
			     unsigned long caller)
{
	for (;;) {
		void *slot = cache_alloc(s, gfp, cpu);

		if (!slot)
			return NULL;
		if (!slab_debug(s) || cache_alloc_debugcheck_after(s, slot, caller))
			return slot_to_user(s, slot);
		if (mm_taint_panicked(s->mm)) {
			mm_error(s->mm, EFAULT, "kmem_cache_alloc(%s): panic_on_taint: the allocation "
				 "found a corrupted object (see the report in dmesg)", s->name);
			return NULL;
		}
	}
}

static void *slab_classic_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
				size_t orig_size)
{
	struct mm *m = s->mm;
	struct mm_cpu *cpu = this_cpu(m);
	void *obj;

	(void)orig_size;
	obj = cache_alloc_obj(s, gfp, cpu, caller);
	if (!obj) {                     /* errno: the page allocator's (or EFAULT) */
		stat(&SC(s)->cpu[cpu->id], STAT_ALLOC_FAILED);
		return NULL;
	}
	mm_track_alloc(obj, s->object_size);
	if ((gfp & __GFP_ZERO) || (s->init_on_alloc && !s->ctor))
		memset(obj, 0, s->object_size);
	return obj;
}

/* ---- free ------------------------------------------------------------------------ */

/* cache_flusharray(): batchcount objects from the bottom of the CPU's
 * array to the shared array, or back to their slabs. */
static void cache_flusharray(struct kmem_cache *s, struct array_cache *ac, struct mm_cpu *cpu)
{
	struct slab_node *n = &SC(s)->node[cpu->node];
	unsigned batchcount = ac->batchcount;
	struct list_head list;

	INIT_LIST_HEAD(&list);
	mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	if (n->shared && n->shared->limit > n->shared->avail) {
		struct array_cache *shared = n->shared;
		unsigned max = shared->limit - shared->avail;

		if (batchcount > max)
			batchcount = max;
		memcpy(&shared->entry[shared->avail], ac->entry, sizeof(void *) * batchcount);
		shared->avail += batchcount;
	} else {
		__free_block(s, ac->entry, batchcount, n, &list);
	}
	mm_mutex_unlock(&n->list_lock);
	ac->avail -= batchcount;
	memmove(ac->entry, &ac->entry[batchcount], sizeof(void *) * ac->avail);
	slabs_destroy(s, &list, cpu);
}

/* __drain_alien_cache(): the objects go to their node's shared array, the
 * rest back to their slabs; alien->lock held. */
static void drain_alien(struct kmem_cache *s, struct alien_cache *alien, int nid,
			struct mm_cpu *cpu)
{
	struct slab_node *n = &SC(s)->node[nid];
	struct array_cache *ac = alien->ac;
	struct list_head list;

	lockdep_assert_held(s->mm, &alien->lock);
	if (!ac->avail)
		return;
	INIT_LIST_HEAD(&list);
	mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
	if (n->shared)
		transfer_objects(n->shared, ac, ac->limit);
	__free_block(s, ac->entry, ac->avail, n, &list);
	ac->avail = 0;
	mm_mutex_unlock(&n->list_lock);
	slabs_destroy(s, &list, cpu);
}

/* cache_free_alien(): x's slab is on another node */
static void cache_free_alien(struct kmem_cache *s, void *x, int slab_node, struct mm_cpu *cpu)
{
	struct slab_cache *sc = SC(s);
	struct slab_node *n = &sc->node[cpu->node];
	struct slab_cpu *c = &sc->cpu[cpu->id];

	stat(c, STAT_NODEFREES);
	if (n->alien) {
		struct alien_cache *alien = &n->alien[slab_node];

		mm_mutex_lock(&alien->lock, LOCK_SLAB_ALIEN);
		if (alien->ac->avail == alien->ac->limit) {
			stat(c, STAT_ACOVERFLOW);
			drain_alien(s, alien, slab_node, cpu);
		}
		alien->ac->entry[alien->ac->avail++] = x;
		mm_mutex_unlock(&alien->lock);
	} else {
		free_objects_any_node(s, &x, 1, cpu);
	}
}

/* ___cache_free() */
static void cache_free(struct kmem_cache *s, void *x, struct page *slab, struct mm_cpu *cpu)
{
	struct slab_cache *sc = SC(s);
	struct slab_cpu *c = &sc->cpu[cpu->id];
	struct array_cache *ac = c->ac;
	int nid = slab_nid(s->mm, slab);

	set_inuse(slab, obj_to_index(s, slab, x), false);
	if (s->mm->nr_nodes > 1 && nid != cpu->node) {
		cache_free_alien(s, x, nid, cpu);
		return;
	}
	if (ac->avail < ac->limit) {
		stat(c, STAT_FREEHIT);
	} else {
		stat(c, STAT_FREEMISS);
		cache_flusharray(s, ac, cpu);
	}
	ac->entry[ac->avail++] = x;
}

static __noinline int slab_refused(struct kmem_cache *s, struct mm_cpu *cpu, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static __noinline int slab_refused(struct kmem_cache *s, struct mm_cpu *cpu, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (cpu)
		stat(&SC(s)->cpu[cpu->id], STAT_FREE_REFUSED);
	slab_count_error(s->mm);
	mm_taint_panicked(s->mm);       /* refused anyway */
	return mm_error(s->mm, EFAULT, "%s", buf);
}

/* verify_redzone_free() and the double-free check of slab_put_obj(): may
 * a debug cache's object be freed?  Else report, refuse, keep it in use. */
static int verify_free_debug(struct kmem_cache *s, struct page *slab, void *slot,
			     struct mm_cpu *cpu, const char *who)
{
	void *x = slot_to_user(s, slot);

	if (s->flags & SLAB_RED_ZONE) {
		unsigned long long r1 = *dbg_redzone1(s, slot), r2 = *dbg_redzone2(s, slot);

		if (r1 != RED_ACTIVE || r2 != RED_ACTIVE) {
			bool twice = r1 == RED_INACTIVE && r2 == RED_INACTIVE;

			mm_printk(s->mm, "slab error in verify_redzone_free(): cache `%s': %s",
				  s->name, twice ? "double free detected"
						 : "memory outside object was overwritten");
			redzone_report(s, slot);
			return slab_refused(s, cpu, "%s(%s): object %p: %s (red zones 0x%llx/0x%llx); "
					    "the free is refused", who, s->name, x,
					    twice ? "double free" : "red zone overwritten", r1, r2);
		}
	}
	if (!obj_inuse(slab, obj_to_index(s, slab, slot))) {
		mm_printk(s->mm, "slab: double free detected in cache '%s', objp %p", s->name, x);
		return slab_refused(s, cpu, "%s(%s): double free of object %p (it is free)", who,
				    s->name, x);
	}
	return 0;
}

/* cache_free_debugcheck(): red zones back to RED_INACTIVE, the freeing
 * caller in the user word, the object POISON_FREE */
static void cache_free_debugcheck(struct kmem_cache *s, void *slot, unsigned long caller)
{
	if (s->flags & SLAB_RED_ZONE)
		set_redzones(s, slot, RED_INACTIVE);
	if (s->flags & SLAB_STORE_USER)
		*dbg_userword(s, slot) = caller;
	if (s->flags & SLAB_POISON)
		poison_obj(s, slot, POISON_FREE);
}

/* Which slab of s holds object x (an object start)?  NULL and a refusal
 * otherwise. */
static struct page *lookup_object(struct kmem_cache *s, const void *x, const char *who,
				  struct mm_cpu *cpu, int *rc)
{
	struct page *slab = slab_virt_to_head(s->mm, x);

	if (!slab || !(slab->flags & PG_slab) || !slab->slab_cache) {
		*rc = slab_refused(s, cpu, "%s(%s): %p is not a slab object of this machine", who,
				   s->name, x);
		return NULL;
	}
	if (slab->slab_cache != s) {
		*rc = slab_refused(s, cpu, "%s: Wrong slab cache. %s but object %p is from %s", who,
				   s->name, x, ((struct kmem_cache *)slab->slab_cache)->name);
		return NULL;
	}
	if (obj_to_index(s, slab, user_to_slot(s, x)) == ~0u) {
		*rc = slab_refused(s, cpu, "%s(%s): Invalid object pointer %p (not the start of an "
				   "object of slab %p)", who, s->name, x, (void *)slab);
		return NULL;
	}
	return slab;
}

static int slab_classic_free(struct kmem_cache *s, void *x, unsigned long caller,
			     const char *who)
{
	struct mm *m = s->mm;
	struct mm_cpu *cpu = this_cpu(m);
	struct page *slab;
	void *slot;
	int rc = 0;

	if (!x)
		return 0;
	if (!cpu)
		return mm_unbound_error(m, "%s(%s)", who, s->name);
	slab = lookup_object(s, x, who, cpu, &rc);
	if (!slab)
		return rc;
	slot = user_to_slot(s, x);
	if (slab_debug(s)) {
		if ((rc = verify_free_debug(s, slab, slot, cpu, who)))
			return rc;
	} else if (!obj_inuse(slab, obj_to_index(s, slab, slot))) {
		return slab_refused(s, cpu, "%s(%s): double free of object %p (it is free)", who,
				    s->name, x);
	}
	if (s->init_on_free)
		memset(x, 0, s->object_size);
	if (slab_debug(s))
		cache_free_debugcheck(s, slot, caller);
	else
		mm_track_free(x, s->object_size);
	cache_free(s, slot, slab, cpu);
	return 0;
}

static int slab_classic_check_object(struct kmem_cache *s, struct page *slab, const void *x,
				     const char *who, bool check_free)
{
	unsigned idx = obj_to_index(s, slab, user_to_slot(s, x));

	if (idx == ~0u)
		return slab_refused(s, NULL, "%s(%s): Invalid object pointer %p (not the start of "
				    "an object of slab %p)", who, s->name, x, (void *)slab);
	if (check_free && !obj_inuse(slab, idx))
		return slab_refused(s, NULL, "%s(%s): object %p is free (use after free)", who,
				    s->name, x);
	return 0;
}

/* ---- draining, reaping, shrinking --------------------------------------------------- */

/* drain_array_locked(): a fifth of the limit (or all) back to the slabs */
static void drain_array(struct kmem_cache *s, struct array_cache *ac, bool free_all,
			struct mm_cpu *cpu)
{
	unsigned tofree;

	if (!ac || !ac->avail)
		return;
	tofree = free_all ? ac->avail : (ac->limit + 4) / 5;
	if (tofree > ac->avail)
		tofree = (ac->avail + 1) / 2;
	free_objects_any_node(s, ac->entry, tofree, cpu);
	ac->avail -= tofree;
	memmove(ac->entry, &ac->entry[tofree], sizeof(void *) * ac->avail);
}

/* Run fn on every CPU this thread can own: its own and the unbound ones;
 * returns how many are bound to other threads (skipped). */
static int for_each_owned_cpu(struct kmem_cache *s, void (*fn)(struct kmem_cache *s,
							       struct mm_cpu *cpu, void *arg),
			      void *arg)
{
	struct mm *m = s->mm;
	struct mm_cpu *me = this_cpu(m);
	int skipped = 0;

	for (int i = 0; i < m->nr_cpus; i++) {
		struct mm_cpu *cpu = &m->cpus[i];

		if (!SC(s)->cpu[i].ac->avail)
			continue;
		if (cpu == me) {
			fn(s, cpu, arg);
		} else if (mm_cpu_acquire(m, cpu)) {
			fn(s, cpu, arg);
			mm_cpu_release(cpu);
		} else {
			skipped++;
		}
	}
	return skipped;
}

static void do_drain(struct kmem_cache *s, struct mm_cpu *cpu, void *arg)
{
	(void)arg;
	drain_array(s, SC(s)->cpu[cpu->id].ac, true, cpu);
}

/* The alien arrays of every node (into their nodes' shared arrays or
 * slabs), then the shared arrays, back to the slabs */
static void drain_node_arrays(struct kmem_cache *s, struct mm_cpu *me)
{
	struct mm *m = s->mm;

	for (int i = 0; i < m->nr_nodes; i++) {
		struct slab_node *n = &SC(s)->node[i];

		for (int j = 0; n->alien && j < m->nr_nodes; j++) {
			mm_mutex_lock(&n->alien[j].lock, LOCK_SLAB_ALIEN);
			drain_alien(s, &n->alien[j], j, me);
			mm_mutex_unlock(&n->alien[j].lock);
		}
	}
	for (int i = 0; i < m->nr_nodes; i++) {
		struct slab_node *n = &SC(s)->node[i];
		struct list_head list;

		INIT_LIST_HEAD(&list);
		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		if (n->shared && n->shared->avail) {
			__free_block(s, n->shared->entry, n->shared->avail, n, &list);
			n->shared->avail = 0;
		}
		mm_mutex_unlock(&n->list_lock);
		slabs_destroy(s, &list, me);
	}
}

/* drain_freelist(): up to tofree slabs of the free list back to the pages */
static int drain_freelist(struct kmem_cache *s, struct slab_node *n, unsigned long tofree,
			  struct mm_cpu *me)
{
	unsigned long nr_freed = 0;

	while (nr_freed < tofree) {
		struct page *slab;

		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		if (list_empty(&n->slabs_free)) {
			mm_mutex_unlock(&n->list_lock);
			break;
		}
		slab = list_last_entry(&n->slabs_free, struct page, lru);
		list_del(&slab->lru);
		n->free_slabs--;
		n->total_slabs--;
		n->free_objects -= SC(s)->num;
		mm_mutex_unlock(&n->list_lock);
		slab_destroy(s, slab, me);
		nr_freed++;
	}
	return (int)nr_freed;
}

/* __kmem_cache_shrink(): drain_cpu_caches(), then every free slab;
 * returns the slabs freed.  *busy: CPUs that could not be drained. */
static int cache_shrink(struct kmem_cache *s, int *busy)
{
	struct mm *m = s->mm;
	struct mm_cpu *me = this_cpu(m);
	int freed = 0;

	*busy = for_each_owned_cpu(s, do_drain, NULL);
	drain_node_arrays(s, me);
	for (int i = 0; i < m->nr_nodes; i++)
		freed += drain_freelist(s, &SC(s)->node[i], ~0ul, me);
	return freed;
}

static int slab_classic_shrink(struct kmem_cache *s)
{
	int busy;

	return cache_shrink(s, &busy);
}

static unsigned long cache_total_slabs(struct kmem_cache *s)
{
	unsigned long nr = 0;

	for (int i = 0; i < s->mm->nr_nodes; i++)
		nr += READ_ONCE(SC(s)->node[i].total_slabs);
	return nr;
}

/* __kmem_cache_shutdown() */
static int slab_classic_shutdown(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	int busy;

	cache_shrink(s, &busy);
	if (busy)
		return mm_error(m, EBUSY, "kmem_cache_destroy(%s): a CPU bound to another thread "
				"still holds objects of the cache; unbind it first", s->name);
	if (!cache_total_slabs(s))
		return 0;
	mm_printk(m, "kmem_cache_destroy %s: Slab cache still has objects", s->name);
	slab_count_error(m);
	return mm_error(m, mm_taint_panicked(m) ? EFAULT : EBUSY,
			"kmem_cache_destroy %s: Slab cache still has objects (%lu slabs); the "
			"cache is kept", s->name, cache_total_slabs(s));
}

/* cache_reap() for one cache on the tick: this thread's CPUs' arrays
 * (a fifth, unless touched), the alien caches, and every REAPTIMEOUT_NODE
 * the node's shared array and a share of its free slabs. */
static void reap_cpu(struct kmem_cache *s, struct mm_cpu *cpu, void *arg)
{
	struct array_cache *ac = SC(s)->cpu[cpu->id].ac;

	(void)arg;
	if (ac->touched)
		ac->touched = 0;
	else
		drain_array(s, ac, false, cpu);
}

static void cache_reap_one(struct kmem_cache *s, unsigned long tick)
{
	struct mm *m = s->mm;
	struct slab_cache *sc = SC(s);
	struct mm_cpu *me = this_cpu(m);

	for_each_owned_cpu(s, reap_cpu, NULL);
	for (int i = 0; i < m->nr_nodes; i++) {
		struct slab_node *n = &sc->node[i];

		for (int j = 0; n->alien && j < m->nr_nodes; j++) {
			mm_mutex_lock(&n->alien[j].lock, LOCK_SLAB_ALIEN);
			drain_alien(s, &n->alien[j], j, me);
			mm_mutex_unlock(&n->alien[j].lock);
		}
		if (n->next_reap > tick)
			continue;
		n->next_reap = tick + REAPTIMEOUT_NODE;
		if (n->shared && n->shared->avail) {
			if (n->shared->touched) {
				n->shared->touched = 0;
			} else {
				struct list_head list;
				unsigned tofree = (n->shared->limit + 4) / 5;

				INIT_LIST_HEAD(&list);
				mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
				if (tofree > n->shared->avail)
					tofree = (n->shared->avail + 1) / 2;
				__free_block(s, n->shared->entry, tofree, n, &list);
				n->shared->avail -= tofree;
				memmove(n->shared->entry, &n->shared->entry[tofree],
					sizeof(void *) * n->shared->avail);
				mm_mutex_unlock(&n->list_lock);
				slabs_destroy(s, &list, me);
			}
		}
		if (n->free_touched) {
			n->free_touched = 0;
		} else {
			int freed = drain_freelist(s, n, (n->free_limit + 5 * sc->num - 1) /
						   (5 * sc->num), me);

			if (me)
				sc->cpu[me->id].stat[STAT_REAPED] += (unsigned long)freed;
		}
	}
}

/* The tick hook (mm_tick): cache_reap every REAPTIMEOUT_AC ticks, if the
 * cache list is free (mutex_trylock, as the kernel's). */
static void slab_classic_tick(struct mm *m)
{
	struct slab_state *st = m->slab;
	unsigned long tick = READ_ONCE(m->tick);
	struct list_head *e;

	if (!st || tick % REAPTIMEOUT_AC || mm_mutex_trylock(&st->mutex, LOCK_SLAB_MUTEX))
		return;
	list_for_each(e, &st->caches)
		cache_reap_one(list_entry(e, struct kmem_cache, list), tick);
	mm_mutex_unlock(&st->mutex);
}

/* ---- setup: __kmem_cache_create(), do_tune_cpucache() -------------------------------- */

static void free_arrays(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	struct slab_cache *sc = SC(s);

	for (int i = 0; sc->cpu && i < m->nr_cpus; i++)
		free(sc->cpu[i].ac);
	for (int i = 0; sc->node && i < m->nr_nodes; i++) {
		struct slab_node *n = &sc->node[i];

		free(n->shared);
		n->shared = NULL;
		for (int j = 0; n->alien && j < m->nr_nodes; j++) {
			free(n->alien[j].ac);
			pthread_mutex_destroy(&n->alien[j].lock);
		}
		free(n->alien);
		n->alien = NULL;
	}
}

/* do_tune_cpucache() on an empty cache: new arrays, free_limit */
static int tune_cpucache(struct kmem_cache *s, unsigned limit, unsigned batchcount,
			 unsigned shared)
{
	struct mm *m = s->mm;
	struct slab_cache *sc = SC(s);

	free_arrays(s);
	sc->limit = limit;
	sc->batchcount = batchcount;
	sc->shared = shared;
	for (int i = 0; i < m->nr_cpus; i++)
		if (!(sc->cpu[i].ac = alloc_arraycache(limit, batchcount)))
			return -ENOMEM;
	for (int i = 0; i < m->nr_nodes; i++) {
		struct slab_node *n = &sc->node[i];
		int cpus = 0;

		for (int c = 0; c < m->nr_cpus; c++)
			cpus += m->cpus[c].node == i;
		n->free_limit = (unsigned)(1 + cpus) * batchcount + sc->num;
		if (shared && !(n->shared = alloc_arraycache(shared * batchcount, 0xbaadf00d)))
			return -ENOMEM;
		if (m->nr_nodes > 1) {
			n->alien = calloc((size_t)m->nr_nodes, sizeof(*n->alien));
			if (!n->alien)
				return -ENOMEM;
			for (int j = 0; j < m->nr_nodes; j++) {
				pthread_mutex_init(&n->alien[j].lock, NULL);
				n->alien[j].ac = alloc_arraycache(limit > 1 ? ALIEN_LIMIT : limit,
								  0xbaadf00d);
				if (!n->alien[j].ac)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

static int slab_classic_create(struct kmem_cache *s)
{
	struct mm *m = s->mm;
	struct slab_cache *sc = calloc(1, sizeof(*sc));
	unsigned long size = ALIGN_UP(s->object_size, WORD);
	unsigned limit, batchcount, shared;

	if (!sc)
		return -ENOMEM;
	s->priv = sc;
	sc->cpu = aligned_alloc(64, sizeof(*sc->cpu) * (size_t)m->nr_cpus);
	sc->node = aligned_alloc(64, sizeof(*sc->node) * (size_t)m->nr_nodes);
	if (!sc->cpu || !sc->node)
		return -ENOMEM;
	memset(sc->cpu, 0, sizeof(*sc->cpu) * (size_t)m->nr_cpus);
	memset(sc->node, 0, sizeof(*sc->node) * (size_t)m->nr_nodes);
	for (int i = 0; i < m->nr_nodes; i++) {
		struct slab_node *n = &sc->node[i];

		pthread_mutex_init(&n->list_lock, NULL);
		INIT_LIST_HEAD(&n->slabs_partial);
		INIT_LIST_HEAD(&n->slabs_full);
		INIT_LIST_HEAD(&n->slabs_free);
		n->next_reap = REAPTIMEOUT_NODE + i;
	}
	/* __kmem_cache_create()'s debug layout: red zones and the user word
	 * need word alignment, so an alignment above 8 drops them */
	if (s->flags & SLAB_RED_ZONE)
		size = ALIGN_UP(size, REDZONE_ALIGN);
	if (s->align > 8)
		s->flags &= ~(slab_flags_t)(SLAB_RED_ZONE | SLAB_STORE_USER);
	if (s->flags & SLAB_RED_ZONE) {
		sc->obj_offset = 8;
		size += 2 * 8;
	}
	if (s->flags & SLAB_STORE_USER)
		size += (s->flags & SLAB_RED_ZONE) ? REDZONE_ALIGN : WORD;
	sc->colour_off = s->align > CACHE_LINE_SIZE ? s->align : CACHE_LINE_SIZE;
	size = ALIGN_UP(size, s->align);
	s->size = (unsigned)size;
	if (!set_slab_layout(s, size, CFLGS_OBJFREELIST_SLAB) &&
	    !set_slab_layout(s, size, CFLGS_OFF_SLAB) && !set_slab_layout(s, size, 0))
		return -E2BIG;
	sc->freelist_size = sc->num * (unsigned)sizeof(freelist_idx_t);
	if (sc->cflags & CFLGS_OFF_SLAB)
		sc->freelist_cache = m->slab->kmalloc_caches[KMALLOC_NORMAL]
							   [kmalloc_index(sc->freelist_size)];
	s->objects = s->min_objects = sc->num;
	s->order = s->min_order = sc->gfporder;
	s->inuse = (unsigned)size;
	s->offset = 0;
	s->allocflags = (s->flags & SLAB_CACHE_DMA ? GFP_DMA : 0) |
			(s->flags & SLAB_CACHE_DMA32 ? GFP_DMA32 : 0) |
			(s->flags & SLAB_RECLAIM_ACCOUNT ? __GFP_RECLAIMABLE : 0);
	cpucache_defaults(s, &limit, &batchcount, &shared);
	return tune_cpucache(s, limit, batchcount, shared);
}

static void slab_classic_release(struct kmem_cache *s)
{
	struct slab_cache *sc = SC(s);

	if (!sc)
		return;
	free_arrays(s);
	for (int i = 0; sc->node && i < s->mm->nr_nodes; i++)
		pthread_mutex_destroy(&sc->node[i].list_lock);
	free(sc->cpu);
	free(sc->node);
	free(sc);
	s->priv = NULL;
}

/* slabinfo_write(): "name limit batchcount shared"; an out-of-range
 * triple is ignored, as the kernel does.  The cache's arrays are drained
 * first (only the caller's CPU and unbound ones can be). */
int mm_slabinfo_write(struct mm *m, const char *line)
{
	char name[64];
	int limit, batchcount, shared, rc = -EINVAL;
	struct list_head *e;

	if (!m || !line)
		return -EINVAL;
	if (!m->slab || m->slab->ops != &slab_classic_ops)
		return mm_error(m, EIO, "slabinfo: the tunables are SLAB's (slab=slab); this "
				"machine runs %s", m->slab ? m->slab->ops->name : "no slab allocator");
	if (sscanf(line, "%63s %d %d %d", name, &limit, &batchcount, &shared) != 4)
		return mm_error(m, EINVAL, "slabinfo: expected \"name limit batchcount shared\", "
				"got \"%s\"", line);
	if (!this_cpu(m))
		return mm_unbound_error(m, "slabinfo write");
	mm_mutex_lock(&m->slab->mutex, LOCK_SLAB_MUTEX);
	list_for_each(e, &m->slab->caches) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);
		int busy;

		if (strcmp(s->name, name))
			continue;
		rc = 0;
		if (limit < 1 || batchcount < 1 || batchcount > limit || shared < 0)
			break;
		cache_shrink(s, &busy);
		if (busy) {
			rc = -EBUSY;
			break;
		}
		rc = tune_cpucache(s, (unsigned)limit, (unsigned)batchcount, (unsigned)shared);
		break;
	}
	mm_mutex_unlock(&m->slab->mutex);
	if (rc == -EINVAL)
		return mm_error(m, EINVAL, "slabinfo: no cache named %s", name);
	if (rc == -EBUSY)
		return mm_error(m, EBUSY, "slabinfo: %s is held by a CPU bound to another thread",
				name);
	return rc;
}

/* ---- reports and checks ------------------------------------------------------------ */

static void slab_classic_slabinfo(struct kmem_cache *s, struct slabinfo *si)
{
	struct slab_cache *sc = SC(s);
	unsigned long total = 0, free_slabs = 0, free_objs = 0, shared_avail = 0;

	for (int i = 0; i < s->mm->nr_nodes; i++) {
		struct slab_node *n = &sc->node[i];

		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		total += n->total_slabs;
		free_slabs += n->free_slabs;
		free_objs += n->free_objects;
		if (n->shared)
			shared_avail += n->shared->avail;
		mm_mutex_unlock(&n->list_lock);
	}
	*si = (struct slabinfo){
		.num_objs = total * sc->num, .active_slabs = total - free_slabs,
		.num_slabs = total, .shared_avail = shared_avail, .limit = sc->limit,
		.batchcount = sc->batchcount, .shared = sc->shared,
		.objects_per_slab = sc->num, .cache_order = sc->gfporder,
	};
	si->active_objs = si->num_objs - free_objs;
}

static unsigned long slab_classic_stat(struct kmem_cache *s, int item)
{
	unsigned long sum = 0;

	for (int c = 0; c < s->mm->nr_cpus; c++)
		sum += READ_ONCE(SC(s)->cpu[c].stat[item]);
	return sum;
}

static size_t slab_classic_ksize(struct kmem_cache *s, const void *x)
{
	(void)x;
	return s->object_size;
}

static void slab_classic_set_orig_size(struct kmem_cache *s, void *obj, size_t orig)
{
	(void)s;
	(void)obj;
	(void)orig;
}

static size_t slab_classic_get_orig_size(struct kmem_cache *s, void *obj)
{
	(void)obj;
	return s->object_size;
}

/* kmem_cache_validate(): every object of a debug cache checked and each
 * damaged one reported (and counted); nothing is repaired.  Damaged
 * objects found; 0 for other caches. */
static int slab_classic_validate_cache(struct kmem_cache *s)
{
	unsigned bad = 0;

	for (int i = 0; slab_debug(s) && i < s->mm->nr_nodes; i++) {
		struct slab_node *n = &SC(s)->node[i];
		struct list_head *lists[3] = { &n->slabs_free, &n->slabs_partial, &n->slabs_full };

		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		for (int l = 0; l < 3; l++) {
			struct list_head *e;

			list_for_each(e, lists[l])
				bad += check_debug_slab(s, list_entry(e, struct page, lru),
							"kmem_cache_validate", NULL);
		}
		mm_mutex_unlock(&n->list_lock);
	}
	return (int)bad;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

struct array_census {
	void **objs;
	size_t nr, cap;
};

static int census_add(struct array_census *ac, struct array_cache *a)
{
	if (!a || !a->avail)
		return 0;
	if (ac->nr + a->avail > ac->cap) {
		size_t cap = (ac->nr + a->avail) * 2 + 64;
		void **n = realloc(ac->objs, cap * sizeof(void *));

		if (!n)
			return -1;
		ac->objs = n;
		ac->cap = cap;
	}
	memcpy(ac->objs + ac->nr, a->entry, a->avail * sizeof(void *));
	ac->nr += a->avail;
	return 0;
}

/* One slab on list `want` (0 free, 1 partial, 2 full) of node nid:
 * cache, node, active against the list, freelist indices distinct and in
 * range, and active == objects handed out + objects in the arrays. */
static int check_slab_classic(struct kmem_cache *s, struct page *slab, int nid, int want,
			      struct array_census *cs, struct strbuf *err)
{
	struct slab_cache *sc = SC(s);
	unsigned active = slab_active(slab), handed = 0, in_arrays = 0;
	unsigned char *seen;
	char *lo = slab_s_mem(s, slab), *hi = lo + (size_t)sc->num * s->size;

	if (slab->slab_cache != s || !(slab->flags & PG_slab) || slab_nid(s->mm, slab) != nid ||
	    active > sc->num || (want == 0) != (active == 0) ||
	    (want == 2) != (active == sc->num)) {
		sb_printf(err, "cache %s node %d: slab %p (active %u of %u) is on the wrong list "
			  "or not the cache's", s->name, nid, (void *)slab, active, sc->num);
		return -1;
	}
	seen = calloc(sc->num + 1, 1);
	if (!seen)
		return -1;
	for (unsigned i = active; i < sc->num; i++) {
		freelist_idx_t idx = slab_mgmt(slab)->freelist[i];

		if (idx >= sc->num || seen[idx]++ || obj_inuse(slab, idx)) {
			sb_printf(err, "cache %s: slab %p: freelist entry %u (index %u) is out of "
				  "range, repeated or handed out", s->name, (void *)slab, i, idx);
			free(seen);
			return -1;
		}
	}
	free(seen);
	if (slab_debug(s) && check_debug_slab(s, slab, NULL, err))
		return -1;
	for (unsigned i = 0; i < sc->num; i++)
		handed += obj_inuse(slab, i);
	for (size_t i = 0; i < cs->nr; i++)
		if ((char *)cs->objs[i] >= lo && (char *)cs->objs[i] < hi)
			in_arrays++;
	if (handed + in_arrays != active) {
		sb_printf(err, "cache %s: slab %p: %u objects active, but %u handed out and %u in "
			  "the array caches", s->name, (void *)slab, active, handed, in_arrays);
		return -1;
	}
	return 0;
}

static int validate_cache(struct kmem_cache *s, struct strbuf *err, unsigned long *slabs)
{
	struct mm *m = s->mm;
	struct slab_cache *sc = SC(s);
	struct array_census cs = { 0 };
	int ret = 0;

	for (int i = 0; i < m->nr_cpus && !ret; i++)
		ret = census_add(&cs, sc->cpu[i].ac);
	for (int i = 0; i < m->nr_nodes && !ret; i++) {
		struct slab_node *n = &sc->node[i];

		ret = census_add(&cs, n->shared);
		for (int j = 0; n->alien && j < m->nr_nodes && !ret; j++)
			ret = census_add(&cs, n->alien[j].ac);
	}
	if (ret) {
		sb_printf(err, "slab: out of memory for validation");
		goto out;
	}
	if (cs.nr)
		qsort(cs.objs, cs.nr, sizeof(void *), cmp_ptr);
	for (size_t i = 1; i < cs.nr; i++)
		if (cs.objs[i] == cs.objs[i - 1]) {
			sb_printf(err, "cache %s: object %p is in the array caches twice", s->name,
				  cs.objs[i]);
			ret = -1;
			goto out;
		}
	for (int i = 0; i < m->nr_nodes && !ret; i++) {
		struct slab_node *n = &sc->node[i];
		struct list_head *lists[3] = { &n->slabs_free, &n->slabs_partial, &n->slabs_full };
		unsigned long total = 0, nfree = 0, free_objs = 0;

		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		for (int l = 0; l < 3 && !ret; l++) {
			struct list_head *e;

			list_for_each(e, lists[l]) {
				struct page *slab = list_entry(e, struct page, lru);

				if (check_slab_classic(s, slab, i, l, &cs, err)) {
					ret = -1;
					break;
				}
				total++;
				nfree += l == 0;
				free_objs += sc->num - slab_active(slab);
			}
		}
		if (!ret && (total != n->total_slabs || nfree != n->free_slabs ||
			     free_objs != n->free_objects)) {
			sb_printf(err, "cache %s node %d: lists hold %lu slabs (%lu free, %lu free "
				  "objects), counters say %lu (%lu, %lu)", s->name, i, total, nfree,
				  free_objs, n->total_slabs, n->free_slabs, n->free_objects);
			ret = -1;
		}
		mm_mutex_unlock(&n->list_lock);
		*slabs += total;
	}
out:
	free(cs.objs);
	return ret;
}

static void count_slab_page(struct page *slab, void *arg)
{
	(void)slab;
	(*(unsigned long *)arg)++;
}

/* mm_validate()'s part: every cache's lists, arrays and counters, and
 * every PG_slab page of the machine on some cache's list. */
static int slab_classic_validate(struct mm *m, struct strbuf *err)
{
	struct slab_state *st = m->slab;
	unsigned long listed = 0, pages = 0;
	struct list_head *e;
	int ret = 0;

	mm_mutex_lock(&st->mutex, LOCK_SLAB_MUTEX);
	list_for_each(e, &st->caches) {
		ret = validate_cache(list_entry(e, struct kmem_cache, list), err, &listed);
		if (ret)
			break;
	}
	mm_mutex_unlock(&st->mutex);
	if (ret)
		return ret;
	for_each_slab_page(m, count_slab_page, &pages);
	if (pages != listed) {
		sb_printf(err, "slab: %lu slab pages in mem_map, %lu on the caches' lists", pages,
			  listed);
		return -1;
	}
	return 0;
}

const struct slab_ops slab_classic_ops = {
	.name = "slab",
	.fast_path = false,
	.create = slab_classic_create,
	.release = slab_classic_release,
	.shutdown = slab_classic_shutdown,
	.shrink = slab_classic_shrink,
	.alloc = slab_classic_alloc,
	.free = slab_classic_free,
	.check_object = slab_classic_check_object,
	.ksize = slab_classic_ksize,
	.set_orig_size = slab_classic_set_orig_size,
	.get_orig_size = slab_classic_get_orig_size,
	.slabinfo = slab_classic_slabinfo,
	.nr_stats = NR_SLAB_STATS,
	.stat_names = slab_stat_names,
	.stat = slab_classic_stat,
	.validate_cache = slab_classic_validate_cache,
	.validate = slab_classic_validate,
	.tick = slab_classic_tick,
};
