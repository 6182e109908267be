// SPDX-License-Identifier: GPL-2.0-only
/*
 * slub.h - SLUB's internal structures, the helpers its files share, and
 * its fast paths, inlined into every caller of the slab interface
 * (slab_common.c, kmalloc.c).  Included by slab.h; the design, the lock
 * order and the slab states are in slub.c's opening comment.
 *
 * Files (each calls only those below it):
 *   slub.c           slub_ops: the entries, cache setup, flush, shrink
 *   slub_validate.c  invariant checker, validate_slab_cache()
 *   sheaf.c          sheaves and barns
 *   slub_core.c      slabs, cpu slabs, partial lists, lockless frees
 *   slub_debug.c     debug checks and reports
 */
#ifndef LIBMM_SLUB_H
#define LIBMM_SLUB_H

#ifndef LIBMM_SLAB_INTERNAL_H
#error "include slab.h, which includes slub.h"
#endif

#define POISON_INUSE      0x5a
#define POISON_FREE       0x6b
#define POISON_END        0xa5
#define SLUB_RED_INACTIVE 0xbb
#define SLUB_RED_ACTIVE   0xcc
#define MAX_OBJS_PER_PAGE 32767
#define WORD              sizeof(void *)
#define ALIGN_UP(x, a)    (((x) + (a) - 1) & ~((unsigned long)(a) - 1))


/* CONFIG_SLUB_STATS counters (enum stat_item), one X-macro. */
#define SLUB_STATS(X)                                                     \
	X(ALLOC_PCS, "alloc_cpu_sheaf")                                   \
	X(ALLOC_FASTPATH, "alloc_fastpath")                               \
	X(ALLOC_SLOWPATH, "alloc_slowpath")                               \
	X(FREE_PCS, "free_cpu_sheaf")                                     \
	X(FREE_FASTPATH, "free_fastpath")                                 \
	X(FREE_SLOWPATH, "free_slowpath")                                 \
	X(FREE_FROZEN, "free_frozen")                                     \
	X(FREE_REMOTE, "free_remote")                                     \
	X(FREE_ADD_PARTIAL, "free_add_partial")                           \
	X(FREE_REMOVE_PARTIAL, "free_remove_partial")                     \
	X(ALLOC_FROM_PARTIAL, "alloc_from_partial")                       \
	X(ALLOC_SLAB, "alloc_slab")                                       \
	X(ALLOC_REFILL, "alloc_refill")                                   \
	X(FREE_SLAB, "free_slab")                                         \
	X(CPUSLAB_FLUSH, "cpuslab_flush")                                 \
	X(DEACTIVATE_FULL, "deactivate_full")                             \
	X(DEACTIVATE_EMPTY, "deactivate_empty")                           \
	X(DEACTIVATE_TO_HEAD, "deactivate_to_head")                       \
	X(DEACTIVATE_TO_TAIL, "deactivate_to_tail")                       \
	X(DEACTIVATE_REMOTE_FREES, "deactivate_remote_frees")             \
	X(ORDER_FALLBACK, "order_fallback")                               \
	X(CMPXCHG_DOUBLE_FAIL, "cmpxchg_double_fail")                     \
	X(CPU_PARTIAL_ALLOC, "cpu_partial_alloc")                         \
	X(CPU_PARTIAL_FREE, "cpu_partial_free")                           \
	X(CPU_PARTIAL_NODE, "cpu_partial_node")                           \
	X(CPU_PARTIAL_DRAIN, "cpu_partial_drain")                         \
	X(SHEAF_FLUSH, "sheaf_flush")                                     \
	X(SHEAF_REFILL, "sheaf_refill")                                   \
	X(SHEAF_ALLOC, "sheaf_alloc")                                     \
	X(SHEAF_FREE, "sheaf_free")                                       \
	X(BARN_GET, "barn_get")                                           \
	X(BARN_GET_FAIL, "barn_get_fail")                                 \
	X(BARN_PUT, "barn_put")                                           \
	X(BARN_PUT_FAIL, "barn_put_fail")                                 \
	X(ALLOC_FAILED, "alloc_failed")                                   \
	X(FREE_REFUSED, "free_refused")

enum stat_item {
#define SLUB_ENUM(e, n) e,
	SLUB_STATS(SLUB_ENUM)
#undef SLUB_ENUM
	NR_SLUB_STAT_ITEMS
};

/* A sheaf: an array of free objects of one cache (sheaf.c).  slots[0] is
 * always NULL, the objects are slots[1..size], the top one slots[size]. */
struct slab_sheaf {
	struct list_head barn_list;     /* on a barn list, or unlinked */
	struct kmem_cache *cache;
	unsigned int size;              /* objects held, <= cache->sheaf_capacity */
	unsigned int capacity;
	void *slots[];                  /* [capacity + 1] */
};

/* The per-node barn: full and empty sheaves shared by the node's CPUs. */
struct node_barn {
	pthread_mutex_t lock;           /* guards the lists and counts */
	struct list_head sheaves_full, sheaves_empty;
	unsigned int nr_full, nr_empty;
};

/* Per cache and CPU; owned by the thread bound to the CPU (no lock). */
struct kmem_cache_cpu {
	void *freelist;                 /* next free object of the cpu slab,
	                                   encoded links (get_freepointer) */
	struct slab_sheaf *main;        /* sheaf caches: never NULL */
	struct slab_sheaf *spare;       /* empty or full, or NULL */
	void *spare_top;                /* its top object (NULL if none): the
	                                   spare is never pushed or popped */
	char *base;                     /* first object of the cpu slab */
	uintptr_t span;                 /* objects * size: x is in the cpu slab
	                                   iff x - base < span (0: no cpu slab) */
	uintptr_t free_span;            /* span, 0 with init_on_free: the fast
	                                   free's range */
	struct page *slab;              /* the active slab, frozen, or NULL */
	struct page *partial;           /* frozen partial slabs, linked through
	                                   lru.next; nr_partial of them */
	unsigned int nr_partial;
	unsigned long stat[NR_SLUB_STAT_ITEMS];
} __cacheline_aligned;

struct kmem_cache_node {
	pthread_mutex_t list_lock;      /* guards everything below */
	unsigned long nr_partial;       /* slabs on partial */
	struct list_head partial;       /* unfrozen slabs with free objects
	                                   (and empty ones up to min_partial) */
	struct list_head full;          /* debug caches only: full slabs */
	unsigned long nr_slabs;         /* atomic: every slab of the node */
	unsigned long total_objects;    /* atomic: their objects */
	struct node_barn barn;          /* sheaf caches only */
} __cacheline_aligned;

/* owner tracking (SLAB_STORE_USER): one for the allocation, one for the free */
struct track {
	unsigned long addr;             /* caller */
	int cpu;
	int pid;
	unsigned long when;             /* ns, monotonic */
};
enum track_item { TRACK_ALLOC, TRACK_FREE };

/* ---- slab pages: counters word, addresses ------------------------------------
 * slab->counters: inuse:16 objects:15 frozen:1, owning CPU + 1 in 32..47 */

static inline void slab_stat(struct kmem_cache_cpu *c, enum stat_item si)
{
	c->stat[si]++;
}

static inline unsigned cnt_inuse(unsigned long c) { return (unsigned)(c & 0xffff); }
static inline unsigned cnt_objects(unsigned long c) { return (unsigned)((c >> 16) & 0x7fff); }
static inline bool cnt_frozen(unsigned long c) { return (c >> 31) & 1; }
static inline int cnt_owner(unsigned long c) { return (int)((c >> 32) & 0xffff) - 1; }

static inline unsigned long slab_counters(struct page *slab)
{
	return __atomic_load_n(&slab->counters, __ATOMIC_ACQUIRE);
}

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
static __noinline __attribute__((unused)) bool cmpxchg_double_slab(struct page *slab,
		void *fo, unsigned long co, void *fn, unsigned long cn)
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

static inline unsigned order_objects(unsigned order, unsigned size)
{
	unsigned long n = (PAGE_SIZE << order) / size;

	return n > MAX_OBJS_PER_PAGE ? MAX_OBJS_PER_PAGE : (unsigned)n;
}

/* off is a multiple of s->size: multiply by ceil(2^64 / size), no divide */
static inline bool slot_exact(const struct kmem_cache *s, uintptr_t off)
{
	unsigned long idx = (unsigned long)(((unsigned __int128)off * s->reciprocal_size) >> 64);

	return idx * s->size == off;
}

static inline unsigned long splitmix64(unsigned long *state)
{
	unsigned long z = (*state += 0x9e3779b97f4a7c15ul);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
	return z ^ (z >> 31);
}

/* ---- free pointers (the only access to in-object links) ------------------ */

static inline unsigned long freelist_ptr_encode(const struct kmem_cache *s, void *ptr,
						unsigned long ptr_addr)
{
	if (likely(s->hardened))
		return (unsigned long)ptr ^ s->random ^ __builtin_bswap64(ptr_addr);
	return (unsigned long)ptr;
}

static inline __mm_no_asan void *get_freepointer(const struct kmem_cache *s, void *object)
{
	unsigned long addr = (unsigned long)object + s->offset;

	return (void *)freelist_ptr_encode(s, (void *)*(unsigned long *)addr, addr);
}

static inline __mm_no_asan void set_freepointer(const struct kmem_cache *s, void *object,
						void *fp)
{
	unsigned long addr = (unsigned long)object + s->offset;

	*(unsigned long *)addr = freelist_ptr_encode(s, fp, addr);
}

/* check_valid_pointer(): NULL, or an object start inside the slab. */
static inline bool check_valid_pointer(struct kmem_cache *s, struct page *slab, void *object)
{
	char *base;
	uintptr_t off;

	if (!object)
		return true;
	base = slab_address(s->mm, slab) + s->red_left_pad;
	off = (uintptr_t)object - (uintptr_t)base;
	return off < (uintptr_t)cnt_objects(slab_counters(slab)) * s->size && slot_exact(s, off);
}

/* ---- node partial lists (n->list_lock held) ------------------------------------ */

static inline struct kmem_cache_node *get_node(struct kmem_cache *s, struct page *slab)
{
	return &s->node[slab_nid(s->mm, slab)];
}

static inline void add_partial(struct kmem_cache_node *n, struct page *slab, bool tail)
{
	lockdep_assert_held(NULL, &n->list_lock);
	WRITE_ONCE(n->nr_partial, n->nr_partial + 1);
	if (tail)
		list_add_tail(&slab->lru, &n->partial);
	else
		list_add(&slab->lru, &n->partial);
}

static inline void remove_partial(struct kmem_cache_node *n, struct page *slab)
{
	lockdep_assert_held(NULL, &n->list_lock);
	list_del(&slab->lru);
	WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
}

/* ---- debug object layout: [object | red zone | free pointer? | tracks |
 * orig_size | padding] (calculate_sizes()) ------------------------------------ */

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

/* ---- slub_debug.c: checks and reports ------------------------------------------ */
void slab_bug(struct kmem_cache *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void slab_fix(struct kmem_cache *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void slab_err(struct kmem_cache *s, struct page *slab, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void object_err(struct kmem_cache *s, struct page *slab, void *object, const char *reason);
void print_slab_info(struct kmem_cache *s, struct page *slab);
void slab_bytes_set(unsigned char *p, int v, size_t n);
void init_object(struct kmem_cache *s, void *object, int val);
/* fix: repair what is reported (alloc/free paths, kmem_cache_validate());
 * false: report only (mm_validate()) */
bool check_object(struct kmem_cache *s, struct page *slab, void *object, int val, bool fix);
bool check_slab(struct kmem_cache *s, struct page *slab, bool fix);
bool on_freelist(struct kmem_cache *s, struct page *slab, void *search, bool fix);
void set_track(struct kmem_cache *s, void *object, enum track_item alloc, unsigned long addr,
	       struct mm_cpu *cpu);
void trace(struct kmem_cache *s, struct page *slab, void *object, bool alloc);
unsigned mark_free(struct kmem_cache *s, struct page *slab, void *head, unsigned char *map,
		   unsigned objects);
unsigned long list_slab_objects(struct kmem_cache *s);

/* ---- slub_core.c: the slabs beneath the per-CPU caches ---------------------------
 * Called with the caller's CPU (bound, or acquired for a flush). */
struct page *new_slab(struct kmem_cache *s, gfp_t gfp, struct kmem_cache_cpu *c);
void discard_slab(struct kmem_cache *s, struct page *slab, struct kmem_cache_cpu *c);
void discard_list(struct kmem_cache *s, struct list_head *list, struct kmem_cache_cpu *c);
void cpu_slab_flush(struct kmem_cache *s, struct kmem_cache_cpu *c);
void *slab_alloc_refill(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size,
			struct mm_cpu *cpu);
void *cpu_freelist_bad_next(struct kmem_cache *s, struct kmem_cache_cpu *c, void *obj,
			    void *next);
void *slab_alloc_from_slabs(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			    size_t orig_size, struct mm_cpu *cpu);
int  slab_alloc_bulk_slabs(struct kmem_cache *s, gfp_t gfp, size_t n, void **p,
			   struct mm_cpu *cpu, unsigned long caller);
void slab_free_bulk_to_slabs(struct kmem_cache *s, size_t n, void **p, struct mm_cpu *cpu,
			     unsigned long caller);
void slab_post_alloc(struct kmem_cache *s, void *obj, gfp_t gfp);
int  slab_free_refused(struct kmem_cache *s, struct kmem_cache_cpu *c, int err,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int  slab_free_to_slab_list(struct kmem_cache *s, struct page *slab, void *x, struct mm_cpu *cpu,
			    struct kmem_cache_cpu *c, const char *who);
int  slab_free_to_slab_hooks(struct kmem_cache *s, struct page *slab, void *x,
			     unsigned long caller, struct mm_cpu *cpu, struct kmem_cache_cpu *c,
			     const char *who);
int  slab_free_double_head(struct kmem_cache *s, struct kmem_cache_cpu *c, void *x,
			   const char *who);
void slub_set_orig_size(struct kmem_cache *s, void *obj, size_t orig);
size_t slub_get_orig_size(struct kmem_cache *s, void *obj);

/* ---- sheaf.c ---------------------------------------------------------------------- */
unsigned int calculate_sheaf_capacity(struct mm *m, const struct kmem_cache *s);
int  sheaves_init(struct kmem_cache *s);
void sheaves_free(struct kmem_cache *s);
void *sheaf_alloc_slow(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size,
		       struct mm_cpu *cpu);
int  sheaf_free_slow(struct kmem_cache *s, void *x, struct mm_cpu *cpu, const char *who);
size_t sheaf_alloc_bulk(struct kmem_cache *s, size_t n, void **p, struct mm_cpu *cpu);
bool sheaves_used(struct kmem_cache *s, struct kmem_cache_cpu *c);
bool sheaves_hold(struct kmem_cache *s, struct kmem_cache_cpu *c, const void *x);
void pcs_flush_all(struct kmem_cache *s, struct mm_cpu *cpu);
void barn_shrink(struct kmem_cache *s, struct mm_cpu *cpu);
int  sheaves_validate(struct kmem_cache *s, struct strbuf *err);

/* ---- slub_validate.c ------------------------------------------------------------- */
int  validate_slab_cache(struct kmem_cache *s);
int  slub_validate(struct mm *m, struct strbuf *err);

/* ---- slub.c: the slow halves the fast paths below reach ---------------------------- */
void *slab_alloc_bad_next(struct kmem_cache *s, struct kmem_cache_cpu *c, void *obj, void *next);
int  slab_free_known_slow(struct kmem_cache *s, struct page *slab, void *x, unsigned long caller,
			  struct mm_cpu *cpu);

/* ---- the fast paths, inlined into slab_common.c, kmalloc.c and slub.c ------------
 * No lock, no atomic: the per-CPU structures belong to the bound thread.
 * One unlikely test each, then a noinline slow function: slab_alloc_slow()
 * and slab_free_slow() (slab_common.c, on to s->ops), slab_alloc_bad_next()
 * and slab_free_known_slow() (slub.c). */

/* Is the calling thread bound to s's machine in its most recent slot (then
 * mm_tls[0].cpu_id is its CPU)?  If not - or s is not a SLUB cache, whose
 * mm_id is ~0ul - the slow path takes it. */
static __always_inline bool bound_fast(const struct kmem_cache *s)
{
	return likely(mm_tls[0].mm_id == s->mm_id);    /* ids are never reused */
}

/* GFP bits that send an allocation to the slow path: unknown bits,
 * __GFP_ZERO, and bit 31, which s->slow_bits sets for init_on_alloc/free
 * and while failslab may fail the cache */
#define SLAB_GFP_SLOW (~__GFP_VALID_MASK | __GFP_ZERO)

/* slab_alloc(): pop this CPU's main sheaf (sheaf caches) or c->freelist;
 * one unlikely test, then the slow path. */
static __always_inline void *slab_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
					size_t orig_size)
{
	struct kmem_cache_cpu *c;
	void *obj, *next;

	if (unlikely(!bound_fast(s)))
		return slab_alloc_slow(s, gfp, caller, orig_size);
	c = &s->cpu_slab[mm_tls[0].cpu_id];
	if (s->sheaf_capacity) {                /* alloc_from_pcs() */
		struct slab_sheaf *sh = c->main;
		unsigned n = sh->size;

		if (unlikely(!n || ((gfp | READ_FLAG(s->slow_bits)) & SLAB_GFP_SLOW)))
			return slab_alloc_slow(s, gfp, caller, orig_size);
		obj = sh->slots[n];
		sh->size = n - 1;
		slab_stat(c, ALLOC_PCS);
		mm_track_alloc(obj, s->object_size);
		return obj;
	}
	obj = c->freelist;
	if (unlikely(!obj || ((gfp | READ_FLAG(s->slow_bits)) & SLAB_GFP_SLOW)))
		return slab_alloc_slow(s, gfp, caller, orig_size);
	next = get_freepointer(s, obj);
	if (unlikely((uintptr_t)next - (uintptr_t)c->base >= c->span && next))
		return slab_alloc_bad_next(s, c, obj, next);
	c->freelist = next;
	slab_stat(c, ALLOC_FASTPATH);
	mm_track_alloc(obj, s->object_size);
	return obj;
}

/* x (a: its offset in the direct map) lies in a PG_slab_oo page of s:
 * is it an object start?  Such slabs are s->order blocks, aligned to their
 * size in the direct map, with s->objects objects. */
static __always_inline bool oo_object(const struct kmem_cache *s, uintptr_t a)
{
	uintptr_t off = (a & s->oo_mask) - s->red_left_pad;
	unsigned long idx = (unsigned long)(((unsigned __int128)off * s->reciprocal_size) >> 64);

	return idx * s->size == off && idx < s->objects;
}

/* free_to_pcs(): x is an object start of s (valid: shown by the caller);
 * push it onto the main sheaf unless that is full or x is the top of the
 * main or the spare sheaf already (a double free).  Anything else: the
 * slow path. */
static __always_inline int sheaf_free_fast(struct kmem_cache *s, struct kmem_cache_cpu *c,
					   void *x, bool valid, unsigned long caller,
					   const char *who)
{
	struct slab_sheaf *sh = c->main;
	unsigned n = sh->size;

	if (unlikely(!valid || n >= s->sheaf_fast_free || sh->slots[n] == x ||
		     x == c->spare_top))
		return slab_free_slow(s, x, caller, who);
	sh->slots[n + 1] = x;
	sh->size = n + 1;
	slab_stat(c, FREE_PCS);
	mm_track_free(x, s->object_size);
	return 0;
}

/* x (checked) onto this CPU's cpu slab freelist: the one place that pushes */
static __always_inline void cpu_freelist_push(struct kmem_cache *s, struct kmem_cache_cpu *c,
					      void *x)
{
	set_freepointer(s, x, c->freelist);
	mm_track_free(x, s->object_size);
	c->freelist = x;
	slab_stat(c, FREE_FASTPATH);
}

/* The cpu slab's fast free: x in this CPU's cpu slab, at a slot, not its
 * first free object.  Otherwise the slow path: slab_free_known_slow() if
 * x's slab is known, else slab_free_slow(). */
static __always_inline int cpu_slab_free_fast(struct kmem_cache *s, struct kmem_cache_cpu *c,
					      void *x, struct page *slab, unsigned long caller,
					      const char *who)
{
	uintptr_t off = (uintptr_t)x - (uintptr_t)c->base;

	if (unlikely(off >= c->free_span || !slot_exact(s, off) || x == c->freelist))
		return slab ? slab_free_known_slow(s, slab, x, caller, mm_tls[0].cpu)
			    : slab_free_slow(s, x, caller, who);
	cpu_freelist_push(s, c, x);
	return 0;
}

/* slab_free(): onto this CPU's main sheaf (sheaf caches) or its own cpu
 * slab, or the slow path. */
static __always_inline int slab_free(struct kmem_cache *s, void *x, unsigned long caller,
				     const char *who)
{
	struct kmem_cache_cpu *c;

	if (unlikely(!bound_fast(s)))
		return slab_free_slow(s, x, caller, who);
	c = &s->cpu_slab[mm_tls[0].cpu_id];
	if (s->sheaf_capacity) {
		struct mm *m = s->mm;
		uintptr_t a = (uintptr_t)x - (uintptr_t)m->direct_map;
		struct page *page;

		if (unlikely(a >= m->direct_map_bytes))
			return slab_free_slow(s, x, caller, who);
		page = pfn_to_page(m, a >> PAGE_SHIFT);
		return sheaf_free_fast(s, c, x, page->slab_cache == s &&
				       (page->flags & PG_slab_oo) && oo_object(s, a), caller, who);
	}
	return cpu_slab_free_fast(s, c, x, NULL, caller, who);
}

/* kfree() of x (a: its offset in the direct map) in a PG_slab_oo page of
 * kmalloc cache s; the slab's head is found by alignment, not loaded. */
static __always_inline int slab_free_oo(struct kmem_cache *s, void *x, uintptr_t a,
					unsigned long caller)
{
	struct kmem_cache_cpu *c;

	if (unlikely(!bound_fast(s)))
		return slab_free_slow(s, x, caller, "kfree");
	c = &s->cpu_slab[mm_tls[0].cpu_id];
	if (s->sheaf_capacity)
		return sheaf_free_fast(s, c, x, oo_object(s, a), caller, "kfree");
	return cpu_slab_free_fast(s, c, x, pfn_to_page(s->mm, (a & ~s->oo_mask) >> PAGE_SHIFT),
				  caller, "kfree");
}

/* kfree() of x in a slab that is not PG_slab_oo: slab is its head page
 * (PG_slab, cache s). */
static __always_inline int slab_free_known(struct kmem_cache *s, struct page *slab, void *x,
					   unsigned long caller)
{
	if (unlikely(!bound_fast(s) || s->sheaf_capacity))
		return slab_free_slow(s, x, caller, "kfree");
	return cpu_slab_free_fast(s, &s->cpu_slab[mm_tls[0].cpu_id], x, slab, caller, "kfree");
}

/* slab_free_to_slab(): the kernel's __slab_free() once x is known to be
 * an object start of slab - every free that is not a push onto this CPU's
 * own cpu freelist by the fast path.  Every call out of it is a tail call,
 * so the common case needs no stack frame. */
static __always_inline int slab_free_to_slab(struct kmem_cache *s, struct page *slab, void *x,
					     unsigned long caller, struct mm_cpu *cpu,
					     struct kmem_cache_cpu *c, const char *who)
{
	void *prior;
	unsigned long co;

	if (unlikely(s->debug || s->init_on_free))
		return slab_free_to_slab_hooks(s, slab, x, caller, cpu, c, who);
	if (unlikely(x == c->freelist))
		return slab_free_double_head(s, c, x, who);
	if (slab == c->slab) {          /* own cpu slab, missed by the fast path's checks */
		if (unlikely(x == slab_freelist(slab)))
			return slab_free_double_head(s, c, x, who);
		cpu_freelist_push(s, c, x);
		return 0;
	}
	/*
	 * The common slow free: the slab is frozen, or keeps both a free object
	 * and an object in use, so no list changes - one cmpxchg, no lock.
	 * Anything else (it was full or becomes empty while unfrozen, or the
	 * cmpxchg lost a race) is slab_free_to_slab_list()'s, which starts over.
	 */
	prior = slab_freelist(slab);
	co = slab_counters(slab);
	if (unlikely(x == prior))
		return slab_free_double_head(s, c, x, who);
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
	return slab_free_to_slab_list(s, slab, x, cpu, c, who);
}

#endif /* LIBMM_SLUB_H */
