// SPDX-License-Identifier: GPL-2.0-only
/*
 * slab.h - the slab layer's internal interface: struct kmem_cache, the
 * machine's slab state, and the one boundary between the allocator-
 * independent layer (slab_common.c, kmalloc.c) and an allocator
 * implementation: struct slab_ops.
 *
 * Layers, each calling only the ones below it:
 *
 *   kmalloc.c        size classes -> a kmalloc cache, large kmalloc pages
 *   slab_common.c    caches (create, merge, destroy), the public kmem_cache
 *                    API, failslab, flag text, slabinfo, the slab census
 *   ---------------- struct slab_ops (s->ops): the allocator ----------------
 *   slub.c           SLUB's side of the interface: slub_ops; every entry
 *                    decides once between the sheaves and the cpu slab
 *   slub_validate.c  SLUB's invariant checker and validate_slab_cache()
 *   sheaf.c          per-CPU sheaves and the barn, over the slabs
 *   slub_core.c      slab pages, cpu slabs, partial lists, lockless frees
 *   slub_debug.c     debug checks (red zones, poison, tracks) and reports
 *   slab_classic.c   SLAB (mm/slab.c of v6.7): slab_classic_ops, slab=slab
 *   slob.c           SLOB (mm/slob.c of v6.3): slob_ops, slab=slob
 *
 * Every allocation and free enters through the inlined fast paths of
 * slub.h (slab_alloc(), slab_free(), and kfree's slab_free_oo() and
 * slab_free_known()).  They serve only caches with a SLUB per-CPU fast
 * path: any other cache has s->mm_id == ~0ul, so bound_fast() fails and
 * the call goes straight to slab_alloc_slow()/slab_free_slow() here, and
 * through s->ops to the allocator.  SLUB's own fast path pays nothing for
 * the interface.
 *
 * Who calls which, on the free path (alloc is the same shape):
 *
 *   function                 kind              called by
 *   mm_kmem_cache_free       API               users
 *   mm_kfree                 API               users (kmalloc.c)
 *   slab_free                fast entry        mm_kmem_cache_free, slab_free_caller
 *   slab_free_oo             fast entry        mm_kfree: p in a PG_slab_oo page
 *   slab_free_known          fast entry        mm_kfree: p's slab head known
 *   slab_free_slow           slow entry        the fast entries -> s->ops->free
 *   slab_free_known_slow     slow entry        slab_free_known (SLUB only)
 *   slub_free                SLUB ops->free    slab_free_slow: lookup, then the
 *                                              sheaf or the slab
 *   sheaf_free_slow          sheaf.c           slub_free (sheaf caches)
 *   slab_free_to_slab        inline (slub.h)   slub_free, slab_free_known_slow,
 *                                              slab_free_bulk_to_slabs: x known
 *                                              to be an object of slab
 *   slab_free_to_slab_list   slub_core.c       slab_free_to_slab: any slab state,
 *                                              may take n->list_lock
 *   slab_free_debug          slub_core.c       debug caches: under n->list_lock
 *   slab_free_bulk_to_slabs  slub_core.c       sheaf flushes, bulk frees
 *
 * "__name" means: the caller holds the lock the name's owner documents.
 */
#ifndef LIBMM_SLAB_INTERNAL_H
#define LIBMM_SLAB_INTERNAL_H

#include "internal.h"
#include "mm_track.h"
#include <libmm/slab.h>

struct kmem_cache;
struct kmem_cache_cpu;
struct kmem_cache_node;

/* get_slabinfo()'s answer (mm/slab.h struct slabinfo): one /proc/slabinfo row */
struct slabinfo {
	unsigned long active_objs, num_objs;
	unsigned long active_slabs, num_slabs;
	unsigned long shared_avail;
	unsigned int limit, batchcount, shared;         /* tunables (SLAB), else 0 */
	unsigned int objects_per_slab, cache_order;
};

/* An allocator behind the slab interface.  Every function gets a cache
 * whose common fields (below) are set; "mutex" = slab_state.mutex held. */
struct slab_ops {
	const char *name;                       /* the slab= machine key's value */
	bool fast_path;                         /* SLUB's inlined per-CPU fast path */
	bool no_kmalloc_merge;                  /* SLOB: kmalloc caches are only names
	                                           (objects carry a header): never a
	                                           merge target */
	/* the machine's own state (slab_state.priv), or NULL */
	int   (*init)(struct mm *m);
	void  (*exit)(struct mm *m);
	/* __kmem_cache_create() (mutex): layout (size, objects, order, offset,
	 * align), per-CPU and per-node state.  0, or -errno (release() cleans). */
	int   (*create)(struct kmem_cache *s);
	/* __kmem_cache_release(): host memory only; safe after a failed create */
	void  (*release)(struct kmem_cache *s);
	/* __kmem_cache_shutdown() (mutex, caller bound): every object back, every
	 * slab freed; else report and return -errno (the cache is kept) */
	int   (*shutdown)(struct kmem_cache *s);
	/* __kmem_cache_shrink() (caller bound): flush, free empty slabs; slabs freed */
	int   (*shrink)(struct kmem_cache *s);
	/* the slow entries behind the fast paths (failslab already asked; alloc
	 * only for a bound caller with valid GFP bits) */
	void *(*alloc)(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size);
	int   (*free)(struct kmem_cache *s, void *x, unsigned long caller, const char *who);
	/* n objects, all or nothing (failslab asked once); 0 or n */
	int   (*alloc_bulk)(struct kmem_cache *s, gfp_t gfp, size_t n, void **p,
			    unsigned long caller);
	int   (*free_bulk)(struct kmem_cache *s, size_t n, void **p, unsigned long caller);
	/* ksize()/krealloc(): x an object start of s in slab (and, with
	 * check_free, not free)?  0 or a refusal */
	int   (*check_object)(struct kmem_cache *s, struct page *slab, const void *x,
			      const char *who, bool check_free);
	size_t (*ksize)(struct kmem_cache *s, const void *x);
	void  (*set_orig_size)(struct kmem_cache *s, void *obj, size_t orig);
	size_t (*get_orig_size)(struct kmem_cache *s, void *obj);
	/* get_slabinfo() */
	void  (*slabinfo)(struct kmem_cache *s, struct slabinfo *sinfo);
	/* the allocator's statistics: names and per-cache sums */
	int   nr_stats;
	const char *const *stat_names;
	unsigned long (*stat)(struct kmem_cache *s, int item);
	/* kmem_cache_validate(): check and repair; errors found */
	int   (*validate_cache)(struct kmem_cache *s);
	/* mm_validate()'s part (takes the mutex): every cache and slab page;
	 * 0, or -1 with the first problem in err */
	int   (*validate)(struct mm *m, struct strbuf *err);
	/* mm_tick's hook (one tick = one second), or NULL */
	void  (*tick)(struct mm *m);
};

extern const struct slab_ops slub_ops;          /* slub.c: slab=slub */
extern const struct slab_ops slab_classic_ops;  /* slab_classic.c: slab=slab */
extern const struct slab_ops slob_ops;          /* slob.c: slab=slob */

#define MAX_ALIASES 8

struct kmem_cache {
	/* read-mostly after creation; SLUB's fast path reads the first line */
	struct kmem_cache_cpu *cpu_slab;        /* SLUB: [nr_cpus] */
	struct mm *mm;
	unsigned long mm_id;            /* mm->id, for bound_fast(); ~0ul for an
	                                   allocator without the fast path */
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
	struct kmem_cache_node *node;   /* SLUB: [nr_nodes] */
	const struct slab_ops *ops;     /* the machine's allocator */
	void *priv;                     /* the other allocators' own state */
	unsigned int kmalloc_id;        /* kmalloc caches: type * 32 + index */

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
	const struct slab_ops *ops;     /* slab=: the machine's allocator */
	void *priv;                     /* the allocator's machine-wide state */
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

/* ---- facts and helpers every file of the slab layer shares ------------------ */

/* The kmalloc size classes (slab_common.c's kmalloc_info / size_index):
 * index 3..13 hold 2^index bytes, 1 is 96 and 2 is 192; sizes <= 192 go
 * through size_index[(size - 1) / 8], larger ones through fls(size - 1). */
static inline unsigned kmalloc_index(size_t size)
{
	static const unsigned char size_index[24] = {
		3, 4, 5, 5, 6, 6, 6, 6,         /* 8 16 24 32 40 48 56 64 */
		1, 1, 1, 1, 7, 7, 7, 7,         /* 72 80 88 96 | 104 .. 128 */
		2, 2, 2, 2, 2, 2, 2, 2,         /* 136 .. 192 */
	};

	if (size <= 192)
		return size_index[(size - 1) / 8];
	return 64u - (unsigned)__builtin_clzl(size - 1);
}

static inline unsigned kmalloc_index_size(unsigned idx)
{
	return idx == 1 ? 96 : idx == 2 ? 192 : 1u << idx;
}

/* Head page of the block holding direct-map address x, or NULL. */
static inline struct page *slab_virt_to_head(struct mm *m, const void *x)
{
	uintptr_t a = (uintptr_t)x - (uintptr_t)m->direct_map;

	if (!m->direct_map || a >= m->direct_map_bytes)
		return NULL;
	return compound_head(pfn_to_page(m, a >> PAGE_SHIFT));
}

static inline char *slab_address(struct mm *m, const struct page *slab)
{
	return m->direct_map + page_to_pfn(m, slab) * PAGE_SIZE;
}

static inline unsigned slab_order_of(const struct page *slab)
{
	return (unsigned)slab->private;
}

static inline int slab_nid(struct mm *m, const struct page *slab)
{
	return pfn_to_nid(m, page_to_pfn(m, slab));
}

/* Every report and fix counts (slub_kunit's error count) and taints the
 * machine 'B', as slab_err()/object_err() do with add_taint(). */
static inline void slab_count_error(struct mm *m)
{
	__atomic_fetch_add(&m->slab->errors, 1, __ATOMIC_RELAXED);
	add_taint(m, MM_TAINT_BAD_PAGE);
}

/* NR_SLAB_RECLAIMABLE_B / _UNRECLAIMABLE_B: a slab of s on node nid came
 * (sign 1) or went (-1) */
static inline void slab_account_pages(struct kmem_cache *s, int nid, unsigned order, long sign)
{
	struct slab_state *st = s->mm->slab;
	unsigned long *ctr = (s->flags & SLAB_RECLAIM_ACCOUNT) ? &st->nr_slab_reclaimable[nid]
							       : &st->nr_slab_unreclaimable[nid];

	__atomic_add_fetch(ctr, sign * (long)(1ul << order), __ATOMIC_RELAXED);
}

/* NR_SLAB_RECLAIMABLE_B / _UNRECLAIMABLE_B in pages: one node, or all (-1) */
static inline unsigned long slab_nr_pages(struct mm *m, int node, bool reclaimable)
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

/* Every slab head page of the machine (PG_slab, allocated), in PFN order;
 * a quiescent machine. */
static inline void for_each_slab_page(struct mm *m, void (*fn)(struct page *slab, void *arg),
				      void *arg)
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

/* "name+0xoff" of a code address (%pS), or its hex value (slub_debug.c;
 * SLAB's reports use it too) */
void slab_symbolize(unsigned long addr, char *buf, size_t len);

/* ---- slab_common.c --------------------------------------------------------- */
int  slab_init(struct mm *m, char *err, size_t errlen);
void slab_exit(struct mm *m);
struct kmem_cache *slab_create_cache(struct mm *m, const char *name, size_t size,
				     size_t align, slab_flags_t flags, void (*ctor)(void *),
				     bool kmalloc);
/* the slow entries of the fast paths: failslab, then s->ops */
void *slab_alloc_slow(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size);
int  slab_free_slow(struct kmem_cache *s, void *x, unsigned long caller, const char *who);
void *slab_alloc_caller(struct kmem_cache *s, gfp_t gfp, unsigned long caller,
			size_t orig_size);
int  slab_free_caller(struct kmem_cache *s, void *x, unsigned long caller, const char *who);
int  slab_validate(struct mm *m, struct strbuf *err);
void slab_report_text(struct mm *m, struct strbuf *sb);
void slab_report_json(struct mm *m, struct json_writer *w);    /* "slab" member */
void slab_shrink_all(struct mm *m);

/* ---- kmalloc.c --------------------------------------------------------------- */
int  kmalloc_init(struct mm *m);

/* SLUB's structures and its inlined fast paths: the first half of every
 * entry above. */
#include "slub.h"

#endif /* LIBMM_SLAB_INTERNAL_H */
