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
	X(ALLOC_FASTPATH, "alloc_fastpath")                               \
	X(ALLOC_SLOWPATH, "alloc_slowpath")                               \
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
	X(ALLOC_FAILED, "alloc_failed")                                   \
	X(FREE_REFUSED, "free_refused")

enum stat_item {
#define SLUB_ENUM(e, n) e,
	SLUB_STATS(SLUB_ENUM)
#undef SLUB_ENUM
	NR_SLUB_STAT_ITEMS
};

/* Per cache and CPU; owned by the thread bound to the CPU (no lock). */
struct kmem_cache_cpu {
	void *freelist;                 /* next free object of the cpu slab,
	                                   encoded links (get_freepointer) */
	char *base;                     /* first object of the cpu slab */
	uintptr_t span;                 /* objects * size: x is in the cpu slab
	                                   iff x - base < span (0: no cpu slab) */
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
	unsigned long random;           /* FREELIST_HARDENED key, 0 = off */
	unsigned int offset;            /* free pointer offset in the object */
	unsigned int size;              /* slot: object + metadata, aligned */
	unsigned long reciprocal_size;  /* ceil(2^64 / size): slot checks */
	bool hardened;                  /* encode free pointers */
	bool debug;                     /* any of F Z P U T: locked slow path */
	bool init_on_alloc, init_on_free;
	bool init_hooks;                /* either of them: the post-alloc hook runs */
	gfp_t slow_bits;                /* 1 << 31 with init_hooks: no fast alloc */
	slab_flags_t flags;
	unsigned int object_size;       /* what the user asked for (max of aliases) */
	unsigned int inuse;             /* object + right red zone: metadata offset */
	unsigned int align;
	unsigned int red_left_pad;
	unsigned int order, objects;    /* oo: preferred slab order, objects in it */
	unsigned int min_order, min_objects; /* min: fallback when memory is tight */
	unsigned int min_partial;       /* empty slabs kept per node */
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
	unsigned long nr_slab_reclaimable;      /* atomic, pages */
	unsigned long nr_slab_unreclaimable;    /* atomic, pages (large kmalloc too) */
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
void slab_set_orig_size(struct kmem_cache *s, void *obj, size_t orig);
size_t slab_get_orig_size(struct kmem_cache *s, void *obj);
size_t slab_ksize(const struct kmem_cache *s);
int  slab_validate(struct mm *m, struct strbuf *err);
void slab_report_text(struct mm *m, struct strbuf *sb);
void slab_report_json(struct mm *m, struct strbuf *sb);
unsigned long slab_nr_pages(struct mm *m, bool reclaimable);
void slab_count_error(struct mm *m);

/* ---- the fast paths, inlined into slab.c and kmalloc.c --------------------
 * No lock, no atomic: the per-CPU structures belong to the bound thread.
 * One unlikely test each, then a noinline slow function in slab.c. */

static inline void slab_stat(struct kmem_cache_cpu *c, enum stat_item si)
{
	c->stat[si]++;
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

/* Is the calling thread bound to m in its most recent slot (then
 * mm_tls[0].cpu is its CPU)?  If not, the slow path asks this_cpu(). */
static __always_inline bool bound_fast(struct mm *m)
{
	return likely(mm_tls[0].m == m && mm_tls[0].mm_id == m->id);
}

/* GFP bits that send an allocation to the slow path: unknown bits,
 * __GFP_ZERO, and bit 31, which s->slow_bits sets for init_on_alloc/free */
#define SLAB_GFP_SLOW (~__GFP_VALID_MASK | __GFP_ZERO)

void *slab_alloc_slow(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size);
void *slab_alloc_bad_next(struct kmem_cache *s, struct kmem_cache_cpu *c, void *obj, void *next);
int  slab_free_slow(struct kmem_cache *s, void *x, unsigned long caller, const char *who);
int  slab_free_known_slow(struct kmem_cache *s, struct page *slab, void *x, unsigned long caller,
			  struct mm_cpu *cpu);

/* slab_alloc(): pop c->freelist; one unlikely test, then the slow path. */
static __always_inline void *slab_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
					size_t orig_size)
{
	struct kmem_cache_cpu *c;
	void *obj, *next;

	if (unlikely(!bound_fast(s->mm)))
		return slab_alloc_slow(s, gfp, caller, orig_size);
	c = &s->cpu_slab[mm_tls[0].cpu->id];
	obj = c->freelist;
	if (unlikely(!obj || ((gfp | s->slow_bits) & SLAB_GFP_SLOW)))
		return slab_alloc_slow(s, gfp, caller, orig_size);
	next = get_freepointer(s, obj);
	if (unlikely((uintptr_t)next - (uintptr_t)c->base >= c->span && next))
		return slab_alloc_bad_next(s, c, obj, next);
	c->freelist = next;
	slab_stat(c, ALLOC_FASTPATH);
	mm_track_alloc(obj, s->object_size);
	return obj;
}

/* slab_free(): push onto this CPU's own cpu slab, or the slow path. */
static __always_inline int slab_free(struct kmem_cache *s, void *x, unsigned long caller,
				     const char *who)
{
	struct kmem_cache_cpu *c;
	uintptr_t off;

	if (unlikely(!bound_fast(s->mm)))
		return slab_free_slow(s, x, caller, who);
	c = &s->cpu_slab[mm_tls[0].cpu->id];
	off = (uintptr_t)x - (uintptr_t)c->base;
	if (unlikely(off >= c->span || !slot_exact(s, off) || x == c->freelist || s->init_on_free))
		return slab_free_slow(s, x, caller, who);
	set_freepointer(s, x, c->freelist);
	mm_track_free(x, s->object_size);
	c->freelist = x;
	slab_stat(c, FREE_FASTPATH);
	return 0;
}

/* kfree(): slab is x's slab page (PG_slab, cache s); x itself is checked
 * here (cpu slab range and slot) or in slab_free_known_slow(). */
static __always_inline int slab_free_known(struct kmem_cache *s, struct page *slab, void *x,
					   unsigned long caller)
{
	struct kmem_cache_cpu *c;
	uintptr_t off;

	if (unlikely(!bound_fast(s->mm)))
		return slab_free_slow(s, x, caller, "kfree");
	c = &s->cpu_slab[mm_tls[0].cpu->id];
	off = (uintptr_t)x - (uintptr_t)c->base;
	if (unlikely(off >= c->span || !slot_exact(s, off) || x == c->freelist || s->init_on_free))
		return slab_free_known_slow(s, slab, x, caller, mm_tls[0].cpu);
	set_freepointer(s, x, c->freelist);
	mm_track_free(x, s->object_size);
	c->freelist = x;
	slab_stat(c, FREE_FASTPATH);
	return 0;
}

/* ---- kmalloc.c --------------------------------------------------------- */
int  kmalloc_init(struct mm *m);

#endif /* LIBMM_SLAB_INTERNAL_H */
