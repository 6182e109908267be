// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmm/slab.h - the SLUB slab allocator and kmalloc (included by mm.h).
 *
 * Caches of fixed-size objects (mm_kmem_cache_*) and the kmalloc family on
 * top of them, with the kernel's names, flags and behaviour: per-CPU active
 * slabs and partial lists, node partial lists, cache merging, slub_debug
 * (consistency checks, red zones, poisoning, owner tracking) and freelist
 * hardening.  A thread calls mm_cpu_bind() first, as for the page allocator.
 *
 * Errors follow mm.h: NULL / -errno, mm_last_error() text, a kernel-style
 * report in the machine log.  EFAULT means corruption or an invalid free
 * (double free, foreign pointer, wrong cache, red zone or poison damage);
 * the bad operation is refused and the machine stays usable.
 */
#ifndef LIBMM_SLAB_H
#define LIBMM_SLAB_H

#include <stddef.h>
#include <libmm/gfp.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct mm;
struct kmem_cache;      /* one object cache (opaque) */

typedef unsigned int slab_flags_t;

/* Slab flags: the kernel's names and values (include/linux/slab.h, 6.x). */
#define SLAB_CONSISTENCY_CHECKS 0x00000100u  /* slub_debug F */
#define SLAB_RED_ZONE           0x00000400u  /* slub_debug Z */
#define SLAB_POISON             0x00000800u  /* slub_debug P */
#define SLAB_KMALLOC            0x00001000u  /* a kmalloc cache */
#define SLAB_HWCACHE_ALIGN      0x00002000u  /* align objects to cache lines */
#define SLAB_CACHE_DMA          0x00004000u  /* slabs from ZONE_DMA */
#define SLAB_CACHE_DMA32        0x00008000u  /* slabs from ZONE_DMA32 */
#define SLAB_STORE_USER         0x00010000u  /* slub_debug U: owner tracking */
#define SLAB_RECLAIM_ACCOUNT    0x00020000u  /* reclaimable slabs */
#define SLAB_PANIC              0x00040000u  /* accepted, ignored */
#define SLAB_TYPESAFE_BY_RCU    0x00080000u  /* free pointer outside; no merge */
#define SLAB_TRACE              0x00200000u  /* slub_debug T: log every op */
#define SLAB_NOLEAKTRACE        0x00800000u
#define SLAB_NO_MERGE           0x01000000u  /* never merge this cache */
#define SLAB_FAILSLAB           0x02000000u  /* failslab's cache-filter picks it */
#define SLAB_ACCOUNT            0x04000000u
#define SLAB_NO_USER_FLAGS      0x10000000u  /* machine-wide debug= skips it */
#define SLAB_SKIP_KFENCE        0x20000000u
#define SLAB_TEMPORARY          SLAB_RECLAIM_ACCOUNT
#define SLAB_DEBUG_FLAGS        (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | \
                                 SLAB_STORE_USER | SLAB_TRACE)

/* kmalloc: classes 8 .. 8192 (with 96 and 192); larger sizes come straight
 * from the page allocator as compound pages, up to MM_KMALLOC_MAX_SIZE. */
#define MM_KMALLOC_SHIFT_LOW       3
#define MM_KMALLOC_SHIFT_HIGH      13
#define MM_KMALLOC_MAX_CACHE_SIZE  8192ul
#define MM_ZERO_SIZE_PTR_ADDR      16ul   /* kmalloc(0) returns (void *)16 */

/* ---- caches ------------------------------------------------------------ */

/* A cache of objects of `size` bytes aligned to `align` (0: the word size);
 * ctor runs once per object when a slab is populated.  A compatible
 * existing cache may be returned instead (merging, unless slab_nomerge).
 * NULL with EINVAL for bad arguments, ENXIO on a backing=none machine. */
struct kmem_cache *mm_kmem_cache_create(struct mm *m, const char *name, size_t size,
                                        size_t align, slab_flags_t flags,
                                        void (*ctor)(void *));
void *mm_kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);
/* 0, or -EFAULT (invalid free: reported, refused) / -EINVAL */
int   mm_kmem_cache_free(struct kmem_cache *s, void *obj);
/* All or nothing: n objects into p[], or 0 with nothing allocated. */
int   mm_kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p);
/* 0, or the first refusal's -errno (the other objects are still freed). */
int   mm_kmem_cache_free_bulk(struct kmem_cache *s, size_t n, void **p);
/* Flush per-CPU slabs, give every empty slab back: slabs freed, or -errno. */
int   mm_kmem_cache_shrink(struct kmem_cache *s);
/* Drop one reference; the last one shuts the cache down.  -EBUSY (with a
 * report naming the cache and the objects left) if objects are still live. */
int   mm_kmem_cache_destroy(struct kmem_cache *s);
/* validate_slab_cache(): check (and repair, as SLUB does) every slab;
 * returns the number of errors found, like slub_kunit's slab_errors. */
int   mm_kmem_cache_validate(struct kmem_cache *s);

/* attributes */
struct mm   *mm_kmem_cache_machine(struct kmem_cache *s);
const char  *mm_kmem_cache_name(struct kmem_cache *s);
size_t       mm_kmem_cache_object_size(struct kmem_cache *s);
size_t       mm_kmem_cache_size(struct kmem_cache *s);      /* slot size */
size_t       mm_kmem_cache_align(struct kmem_cache *s);
unsigned     mm_kmem_cache_objects_per_slab(struct kmem_cache *s);
unsigned     mm_kmem_cache_order(struct kmem_cache *s);
unsigned     mm_kmem_cache_offset(struct kmem_cache *s);    /* free pointer */
slab_flags_t mm_kmem_cache_flags(struct kmem_cache *s);
int          mm_kmem_cache_refcount(struct kmem_cache *s);
/* Objects per per-CPU sheaf; 0 unless the machine has slub_sheaves=1 (and
 * always 0 for debug caches). */
unsigned     mm_kmem_cache_sheaf_capacity(struct kmem_cache *s);
/* One CONFIG_SLUB_STATS-style counter ("alloc_fastpath", ...) summed over
 * the CPUs; -1 for an unknown name. */
long         mm_kmem_cache_stat(struct kmem_cache *s, const char *name);
/* /sys/kernel/slab/<cache>/remote_node_defrag_ratio: how often (0..100,
 * percent of 1024 draws, 100 by default) an allocation that finds no
 * partial slab on its node takes one of another node's (get_any_partial,
 * only from nodes holding more than min_partial of them).  ratio < 0 only
 * reads; returns the value in force, or -EINVAL. */
int mm_kmem_cache_remote_node_defrag_ratio(struct kmem_cache *s, int ratio);
/* The cache named `name` (or one of its aliases), NULL if none. */
struct kmem_cache *mm_kmem_cache_find(struct mm *m, const char *name);

/* One line of /proc/slabinfo as numbers (name valid while the cache lives). */
struct mm_slabinfo {
	const char   *name;
	unsigned long active_objs, num_objs;
	unsigned      objsize, objperslab, pagesperslab;
	unsigned      limit, batchcount, sharedfactor;  /* tunables: SLAB's, else 0 */
	unsigned long active_slabs, num_slabs, sharedavail;
};
/* The caches in /proc/slabinfo's order: out[0..max) filled, returns how
 * many caches there are (more than max: ask again with a larger array),
 * or -EINVAL. */
int mm_slabinfo(struct mm *m, struct mm_slabinfo *out, int max);

/* ---- kmalloc ----------------------------------------------------------- */

void  *mm_kmalloc(struct mm *m, size_t size, gfp_t gfp);
void  *mm_kzalloc(struct mm *m, size_t size, gfp_t gfp);
void  *mm_kmalloc_array(struct mm *m, size_t n, size_t size, gfp_t gfp);
void  *mm_kcalloc(struct mm *m, size_t n, size_t size, gfp_t gfp);
void  *mm_krealloc(struct mm *m, const void *p, size_t size, gfp_t gfp);
/* 0 (also for NULL and (void *)MM_ZERO_SIZE_PTR_ADDR), or -EFAULT for a pointer that is
 * not a live kmalloc object (reported and refused). */
int    mm_kfree(struct mm *m, const void *p);
size_t mm_ksize(struct mm *m, const void *p);   /* 0 (+ error) if not kmalloc'ed */
void  *mm_kmemdup(struct mm *m, const void *src, size_t len, gfp_t gfp);
char  *mm_kstrdup(struct mm *m, const char *s, gfp_t gfp);
/* The cache kmalloc(size, gfp) would use; NULL above the largest class. */
struct kmem_cache *mm_kmalloc_cache(struct mm *m, size_t size, gfp_t gfp);
size_t mm_kmalloc_size_roundup(struct mm *m, size_t size);

/* ---- flags text, counters --------------------------------------------- */

/* "SLAB_HWCACHE_ALIGN|SLAB_POISON": names or numbers (decimal, 0x, 0 octal)
 * joined by '|', the rules of mm_gfp_parse(); 0 or -EINVAL naming the word. */
int mm_slab_flags_parse(const char *text, slab_flags_t *out, char *err, size_t errlen);
int mm_slab_flags_format(slab_flags_t flags, char *buf, size_t len);
/* Slab corruption reports and fixes so far (slub_kunit's slab_errors). */
unsigned long mm_slab_errors(struct mm *m);
/* A write to /proc/slabinfo (SLAB's slabinfo_write(), slab=slab only):
 * "name limit batchcount shared" retunes the cache's array caches (the
 * caller must be bound; the cache's arrays are drained first).  A triple
 * out of range (limit < 1, batchcount < 1 or > limit, shared < 0) is
 * ignored, as the kernel does.  0, or -errno (EIO with another allocator,
 * EINVAL for bad text or an unknown cache). */
int mm_slabinfo_write(struct mm *m, const char *line);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* LIBMM_SLAB_H */
