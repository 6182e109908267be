// SPDX-License-Identifier: GPL-2.0-only
/*
 * slab.h - SLUB's internal structures and the declarations slab.c exports to
 * kmalloc.c, stats.c, validate.c and init.c.  See slab.c's opening comment
 * for the design, the lock order and the object states.
 */
#ifndef LIBMM_SLAB_INTERNAL_H
#define LIBMM_SLAB_INTERNAL_H

#include "internal.h"
#include "mm_track.h"
#include <libmm/slab.h>

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

#define MAX_ALIASES 8

struct kmem_cache {
	/* read-mostly after creation; the fast path reads the first line */
	struct kmem_cache_cpu *cpu_slab;        /* [nr_cpus] */
	struct mm *mm;
	unsigned long mm_id;            /* mm->id, for bound_fast() */
	unsigned long random;           /* FREELIST_HARDENED key, 0 = off */
	unsigned int offset;            /* free pointer offset in the object */
	unsigned int size;              /* slot: object + metadata, aligned */
	unsigned long reciprocal_size;  /* ceil(2^64 / size): slot checks */
	unsigned long oo_mask;          /* (PAGE_SIZE << order) - 1 */
	bool hardened;                  /* encode free pointers */
	bool debug;                     /* any of F Z P U T: locked slow path */
	bool init_on_alloc, init_on_free;
	bool init_hooks;                /* either of them: the post-alloc hook runs */
	gfp_t slow_bits;                /* 1 << 31 with init_hooks or failslab:
	                                   no fast alloc (relaxed atomic) */
	unsigned int sheaf_capacity;    /* objects per sheaf, 0: no sheaves */
	unsigned int sheaf_fast_free;   /* sheaf_capacity, 0 with init_on_free:
	                                   a full main sheaf for the fast path */
	slab_flags_t flags;
	unsigned int object_size;       /* what the user asked for (max of aliases) */
	unsigned int inuse;             /* object + right red zone: metadata offset */
	unsigned int align;
	unsigned int red_left_pad;
	unsigned int order, objects;    /* oo: preferred slab order, objects in it */
	unsigned int min_order, min_objects; /* min: fallback when memory is tight */
	unsigned int min_partial;       /* empty slabs kept per node */
	unsigned int remote_node_defrag_ratio; /* 0..1000: how often other nodes'
	                                   partial slabs are taken (sysfs / 10) */
	unsigned long defrag_draws;     /* atomic: get_any_partial() draws */
	unsigned int cpu_partial_slabs; /* per-CPU partial list limit, 0 = off */
	gfp_t allocflags;               /* GFP_DMA, __GFP_RECLAIMABLE, __GFP_COMP */
	void (*ctor)(void *);
	unsigned int *random_seq;       /* FREELIST_RANDOM: [objects] shuffled */
	unsigned long rnd_ctr;          /* atomic: draws for random starts */
	struct kmem_cache_node *node;   /* [nr_nodes] */

	/* slab_state.mutex */
	char *name;
	int refcount;                   /* creators (merged aliases included) */
	struct list_head list;          /* slab_state.caches, newest first */
	int nr_aliases;
	char *aliases[MAX_ALIASES];
};

struct slab_state {
	pthread_mutex_t mutex;          /* slab_mutex: the cache list, refcounts */
	struct list_head caches;
	slab_flags_t debug_flags;       /* machine-wide debug= (slub_debug=) */
	char debug_caches[64];          /* ",name,name," or "" for every cache */
	bool nomerge;
	struct kmem_cache *kmalloc_caches[3][MM_KMALLOC_SHIFT_HIGH + 1]; /* [type][index] */
	unsigned long nr_slab_reclaimable[MM_MAX_NODES];   /* atomic, pages per node */
	unsigned long nr_slab_unreclaimable[MM_MAX_NODES]; /* atomic, pages per node
	                                                      (large kmalloc too) */
	unsigned long errors;           /* atomic: reports + fixes */
	unsigned long track_clock;      /* atomic: owner-tracking "time" */
	unsigned long rnd_caches;       /* caches created: seeds their randoms */
	char large_kmalloc;             /* &large_kmalloc marks large kmalloc pages */
};

enum kmalloc_cache_type { KMALLOC_NORMAL, KMALLOC_RECLAIM, KMALLOC_DMA, NR_KMALLOC_TYPES };

/* ---- slab.c ------------------------------------------------------------ */
int  slab_init(struct mm *m, char *err, size_t errlen);
void slab_exit(struct mm *m);
struct kmem_cache *slab_create_cache(struct mm *m, const char *name, size_t size,
				     size_t align, slab_flags_t flags, void (*ctor)(void *),
				     bool kmalloc);
void *slab_alloc_caller(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			size_t orig_size);
int  slab_free_caller(struct kmem_cache *s, void *x, unsigned long caller, const char *who);
struct page *slab_virt_to_head(struct mm *m, const void *x);
int  slab_check_object(struct kmem_cache *s, struct page *slab, const void *x, const char *who,
		       bool check_free);
void slab_set_orig_size(struct kmem_cache *s, void *obj, size_t orig);
size_t slab_get_orig_size(struct kmem_cache *s, void *obj);
size_t slab_ksize(const struct kmem_cache *s);
int  slab_validate(struct mm *m, struct strbuf *err);
void slab_report_text(struct mm *m, struct strbuf *sb);
void slab_report_json(struct mm *m, struct strbuf *sb);
/* NR_SLAB_RECLAIMABLE_B / _UNRECLAIMABLE_B in pages: one node, or all (-1) */
unsigned long slab_nr_pages(struct mm *m, int node, bool reclaimable);
void slab_count_error(struct mm *m);
void slab_shrink_all(struct mm *m);

/* ---- the fast paths, inlined into slab.c and kmalloc.c --------------------
 * No lock, no atomic: the per-CPU structures belong to the bound thread.
 * One unlikely test each, then a noinline slow function in slab.c. */

static inline void slab_stat(struct kmem_cache_cpu *c, enum stat_item si)
{
	c->stat[si]++;
}

/* slab->counters: inuse:16 objects:15 frozen:1, owning CPU + 1 in 32..47 */
static inline unsigned cnt_inuse(unsigned long c) { return (unsigned)(c & 0xffff); }
static inline unsigned cnt_objects(unsigned long c) { return (unsigned)((c >> 16) & 0x7fff); }
static inline bool cnt_frozen(unsigned long c) { return (c >> 31) & 1; }
static inline int cnt_owner(unsigned long c) { return (int)((c >> 32) & 0xffff) - 1; }

static inline unsigned long slab_counters(struct page *slab)
{
	return __atomic_load_n(&slab->counters, __ATOMIC_ACQUIRE);
}

static inline char *slab_address(struct mm *m, const struct page *slab)
{
	return m->direct_map + page_to_pfn(m, slab) * PAGE_SIZE;
}

/* off is a multiple of s->size: multiply by ceil(2^64 / size), no divide */
static inline bool slot_exact(const struct kmem_cache *s, uintptr_t off)
{
	unsigned long idx = (unsigned long)(((unsigned __int128)off * s->reciprocal_size) >> 64);

	return idx * s->size == off;
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

/* Is the calling thread bound to s's machine in its most recent slot (then
 * mm_tls[0].cpu_id is its CPU)?  If not, the slow path asks this_cpu(). */
static __always_inline bool bound_fast(const struct kmem_cache *s)
{
	return likely(mm_tls[0].mm_id == s->mm_id);    /* ids are never reused */
}

/* GFP bits that send an allocation to the slow path: unknown bits,
 * __GFP_ZERO, and bit 31, which s->slow_bits sets for init_on_alloc/free
 * and while failslab may fail the cache */
#define SLAB_GFP_SLOW (~__GFP_VALID_MASK | __GFP_ZERO)

void *slab_alloc_slow(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size);
void *slab_alloc_bad_next(struct kmem_cache *s, struct kmem_cache_cpu *c, void *obj, void *next);
int  slab_free_slow(struct kmem_cache *s, void *x, unsigned long caller, const char *who);
int  slab_free_known_slow(struct kmem_cache *s, struct page *slab, void *x, unsigned long caller,
			  struct mm_cpu *cpu);

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
static __always_inline int sheaf_free(struct kmem_cache *s, struct kmem_cache_cpu *c, void *x,
				      bool valid, unsigned long caller, const char *who)
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
static __always_inline int cpu_slab_free(struct kmem_cache *s, struct kmem_cache_cpu *c, void *x,
					 struct page *slab, unsigned long caller, const char *who)
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
		return sheaf_free(s, c, x, page->slab_cache == s && (page->flags & PG_slab_oo) &&
				  oo_object(s, a), caller, who);
	}
	return cpu_slab_free(s, c, x, NULL, caller, who);
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
		return sheaf_free(s, c, x, oo_object(s, a), caller, "kfree");
	return cpu_slab_free(s, c, x, pfn_to_page(s->mm, (a & ~s->oo_mask) >> PAGE_SHIFT), caller,
			     "kfree");
}

/* kfree() of x in a slab that is not PG_slab_oo: slab is its head page
 * (PG_slab, cache s). */
static __always_inline int slab_free_known(struct kmem_cache *s, struct page *slab, void *x,
					   unsigned long caller)
{
	if (unlikely(!bound_fast(s) || s->sheaf_capacity))
		return slab_free_slow(s, x, caller, "kfree");
	return cpu_slab_free(s, &s->cpu_slab[mm_tls[0].cpu_id], x, slab, caller, "kfree");
}

/* ---- between slab.c and sheaf.c --------------------------------------------
 * slab.c's side: the slab layer beneath the sheaves, called with the
 * caller's CPU (bound, or acquired for a flush). */
void *slab_alloc_from_slabs(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			    size_t orig_size, struct mm_cpu *cpu);
int  slab_alloc_bulk_slabs(struct kmem_cache *s, gfp_t gfp, size_t n, void **p,
			   struct mm_cpu *cpu, unsigned long caller);
void slab_free_to_slabs(struct kmem_cache *s, size_t n, void **p, struct mm_cpu *cpu,
			unsigned long caller);
void slab_post_alloc(struct kmem_cache *s, void *obj, gfp_t gfp);
int  slab_free_refused(struct kmem_cache *s, struct kmem_cache_cpu *c, int err,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* sheaf.c's side */
unsigned int calculate_sheaf_capacity(struct mm *m, const struct kmem_cache *s);
int  sheaves_init(struct kmem_cache *s);
void sheaves_free(struct kmem_cache *s);
void *sheaf_alloc_slow(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size,
		       struct mm_cpu *cpu);
int  sheaf_free_cpu(struct kmem_cache *s, void *x, struct mm_cpu *cpu, const char *who);
size_t sheaf_alloc_bulk(struct kmem_cache *s, size_t n, void **p, struct mm_cpu *cpu);
bool sheaves_used(struct kmem_cache *s, struct kmem_cache_cpu *c);
bool sheaves_hold(struct kmem_cache *s, struct kmem_cache_cpu *c, const void *x);
void pcs_flush_all(struct kmem_cache *s, struct mm_cpu *cpu);
void barn_shrink(struct kmem_cache *s, struct mm_cpu *cpu);
int  sheaves_validate(struct kmem_cache *s, struct strbuf *err);

/* ---- kmalloc.c --------------------------------------------------------- */
int  kmalloc_init(struct mm *m);

#endif /* LIBMM_SLAB_INTERNAL_H */
