// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmalloc.h - vmalloc's internal structures (mm/vmalloc.c's struct
 * vmap_area with the vm_struct folded in) and what vmalloc.c offers the
 * other layers: init/exit for init.c, the checker for validate.c, the
 * vmallocinfo text and the JSON object for stats.c.  Design, lock and
 * invariants: the opening comment of vmalloc.c.
 */
#ifndef LIBMM_SRC_VMALLOC_H
#define LIBMM_SRC_VMALLOC_H

#include "internal.h"

/* vm_struct flags (kernel values) plus libmm's own. */
#define VM_ALLOC          MM_VM_ALLOC          /* 0x2: vmalloc() pages, ours to free */
#define VM_MAP            MM_VM_MAP            /* 0x4: vmap() of the caller's pages */
#define VM_UNINITIALIZED  MM_VM_UNINITIALIZED  /* 0x20: being set up, not mapped yet */
#define VM_FREEING        0x10000u             /* vfree/vunmap under way */

#define VMALLOC_DEFAULT_SIZE (4ul << 30)        /* vmalloc_size= default */
#define VMALLOC_MIN_SIZE     (1ul << 20)
#define VMALLOC_MAX_SIZE     (64ul << 40)

/*
 * One range of the vmalloc address space.  It sits in exactly one of the
 * three trees of struct vmap_state (busy, lazy, free), all AVL trees sorted
 * by va_start, under vmap_state.lock.
 */
struct vmap_area {
	unsigned long va_start, va_end;   /* [va_start, va_end), page aligned; a
	                                     busy area includes its guard page */
	struct vmap_area *left, *right;   /* AVL children in its tree */
	int height;                       /* AVL height, a leaf is 1 */
	unsigned int flags;               /* busy: VM_*; free and lazy: 0 */
	unsigned long subtree_max_size;   /* max(va_end - va_start) over this
	                                     subtree: the free tree's augment
	                                     (kept in every tree, used in free) */
	unsigned long stale;              /* lazy and free: mappings left behind in
	                                     the range (PROT_NONE memfd VMAs of
	                                     freed areas, not yet replaced by the
	                                     reservation), an estimate; busy and
	                                     VM_UNINITIALIZED: what it took from
	                                     the free block it was cut from */
	/* busy areas only: the kernel's vm_struct */
	unsigned long nr_maps;            /* mmap calls (VMAs) its pages took */
	unsigned long reuse_pfn, reuse_len; /* VM_UNINITIALIZED: a one-run stale
	                                     mapping at va_start it may revive */
	unsigned long nr_pages;           /* mapped pages = (size - guard) / 4K */
	struct page **pages;              /* [nr_pages]: the frame behind each page */
	const void *caller;               /* return address into the caller */
	const char *entry;                /* entry point name, if caller unresolved */
};

struct va_tree {
	struct vmap_area *root;
	unsigned long count;              /* nodes in the tree */
	unsigned long pages;              /* sum of (va_end - va_start) / 4K */
};

/* Counters, updated with relaxed atomics (no lock). */
#define VA_STATS(X)                                                       \
	X(VA_ALLOCS, "allocs")                 /* vmalloc + vmap successes */ \
	X(VA_FREES, "frees")                   /* vfree + vunmap */          \
	X(VA_ALLOC_FAIL, "alloc_fail")         /* NULL for lack of anything */\
	X(VA_RANGE_FAIL, "range_fail")         /* no free range big enough */ \
	X(VA_PAGE_FAIL, "page_fail")           /* page allocator said no */   \
	X(VA_MAP_FAIL, "map_fail")             /* mmap failed (max_map_count) */ \
	X(VA_MMAPS, "mmaps")                   /* mmap calls mapping runs */  \
	X(VA_HIGH_ORDER, "high_order_blocks")  /* blocks of order > 0 used */ \
	X(VA_PURGES, "purges")                 /* lazy purges */             \
	X(VA_FLUSHES, "flushes")               /* stale mappings replaced */ \
	X(VA_REVIVED, "revived")               /* stale mapping made RW again */

enum va_stat_item {
#define VA_ENUM(e, n) e,
	VA_STATS(VA_ENUM)
#undef VA_ENUM
	NR_VA_STATS
};

/* A freed one-run area's stale mapping: [addr, addr + len) is one PROT_NONE
 * MAP_SHARED mapping of the memfd at pfn's offset, untouched since. */
struct va_slot {
	unsigned long addr, len, pfn;     /* len 0: empty */
};
#define VA_SLOTS 32

struct vmap_state {
	/* set at boot, read-only after */
	unsigned long start, end;         /* VMALLOC_START, VMALLOC_END */
	unsigned long lazy_max_pages;     /* purge when lazy.pages exceeds it */
	unsigned int max_block_order;     /* highest page order vmalloc asks for */
	unsigned long lazy_max_maps;      /* purge when lazy areas hold more VMAs */
	unsigned long stale_max_maps;     /* flush when stale_maps exceeds it */

	/* lock: the three trees and the area counts below */
	pthread_mutex_t lock;
	struct va_tree busy;              /* live areas (vmalloc and vmap) */
	struct va_tree lazy;              /* freed, PROT_NONE, not reusable yet */
	struct va_tree free;              /* reusable ranges, never adjacent */
	unsigned long nr_vmalloc, nr_vmap;          /* busy areas by kind */
	unsigned long vmalloc_pages, vmap_pages;    /* their mapped pages */
	unsigned long lazy_maps;          /* sum of stale over the lazy tree */
	unsigned long stale_maps;         /* sum of stale over all three trees */
	unsigned long stale_made;         /* stale mappings made since the last flush */
	bool map_pressure;                /* the process ran out of mappings: vfree
	                                     gives its VMAs back at once (relaxed) */
	struct va_slot slots[VA_SLOTS];   /* recent one-run stale mappings */
	unsigned int slot_next;           /* next to overwrite */

	unsigned long stat[NR_VA_STATS];  /* relaxed atomics */
};

/* ---- vmalloc.c ------------------------------------------------------- */
int  vmalloc_init(struct mm *m, char *err, size_t errlen);
void vmalloc_exit(struct mm *m);
int  vmalloc_validate(struct mm *m, struct strbuf *err);
void vmallocinfo_show(struct mm *m, struct strbuf *sb);
void vmalloc_json(struct mm *m, struct json_writer *w);        /* "vmalloc" member */

#endif /* LIBMM_SRC_VMALLOC_H */
