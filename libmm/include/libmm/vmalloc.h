// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmm/vmalloc.h - vmalloc: virtually contiguous memory from scattered page
 * frames (mm/vmalloc.c).  Included by <libmm/mm.h>.
 *
 * Each machine reserves a range of the process's address space at creation
 * ([VMALLOC_START, VMALLOC_END), `vmalloc_size=` in the config, 4G by
 * default), inaccessible until used.  mm_vmalloc() takes page frames from the
 * page allocator and maps them, from the machine's memfd, at one contiguous
 * run of addresses in that range, so that bytes written through the vmalloc
 * address are the bytes at mm_page_address(mm_vmalloc_to_page(addr)): the
 * kernel's aliasing, for real.  Every area is followed by an unmapped guard
 * page; a freed area is made inaccessible at once.
 *
 * Errors: NULL (or -errno) with mm_last_errno()/mm_last_error() as
 * everywhere in libmm.  ENOMEM: out of pages, of address range, or of
 * process mappings (vm.max_map_count) - counted in the "vmalloc" JSON
 * object; EINVAL: bad argument (size 0, size beyond the range, bad
 * alignment or node, thread not bound to a CPU); EFAULT: an invalid free
 * (not the start of a live area, double free, vfree of a vmap area);
 * ENXIO: the machine has no memory behind its pages (backing=none).
 */
#ifndef LIBMM_VMALLOC_H
#define LIBMM_VMALLOC_H

#include <libmm/gfp.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct mm;
struct page;

#define MM_NUMA_NO_NODE      (-1)

/* vm_struct flags, kernel values (mm_vm_area.flags). */
#define MM_VM_ALLOC          0x2u
#define MM_VM_MAP            0x4u
#define MM_VM_UNINITIALIZED  0x20u

/* vmalloc(): size rounded up to pages, GFP_KERNEL, any node. */
void *mm_vmalloc(struct mm *m, unsigned long size);
void *mm_vzalloc(struct mm *m, unsigned long size);            /* zeroed */
void *mm_vmalloc_node(struct mm *m, unsigned long size, int node);
void *mm_vzalloc_node(struct mm *m, unsigned long size, int node);
void *mm_vmalloc_32(struct mm *m, unsigned long size);         /* pages from DMA32 or below */
void *mm___vmalloc(struct mm *m, unsigned long size, gfp_t gfp);
/* align: a power of two (values below the page size mean the page size);
 * node: MM_NUMA_NO_NODE or a node of the machine. */
void *mm___vmalloc_node(struct mm *m, unsigned long size, unsigned long align,
			gfp_t gfp, int node);
/* 0; vfree(NULL) is a no-op; -EFAULT for an address that is not the start
 * of a live vmalloc() area (the area is untouched); -EINVAL when the thread
 * is not bound to a CPU. */
int   mm_vfree(struct mm *m, const void *addr);

/* Map count existing pages (the caller keeps owning them) at contiguous
 * addresses; mm_vunmap() removes the mapping and leaves the pages alone. */
void *mm_vmap(struct mm *m, struct page **pages, unsigned int count);
int   mm_vunmap(struct mm *m, const void *addr);               /* NULL: no-op */

/* The page frame behind a mapped vmalloc/vmap address (NULL + EINVAL for
 * anything else, guard pages included). */
struct page  *mm_vmalloc_to_page(struct mm *m, const void *addr);
unsigned long mm_vmalloc_to_pfn(struct mm *m, const void *addr);  /* MM_PFN_INVALID */
int           mm_is_vmalloc_addr(struct mm *m, const void *addr); /* in [START, END) */

/* The live area holding addr (mapped part or guard page). */
struct mm_vm_area {
	unsigned long addr;         /* first byte */
	unsigned long size;         /* mapped bytes (the kernel's size minus the guard page) */
	unsigned long nr_pages;     /* pages mapped */
	unsigned int  flags;        /* MM_VM_ALLOC or MM_VM_MAP */
};
/* 0 and *out filled; -ENOENT (nothing logged) when no live area holds addr. */
int mm_find_vm_area(struct mm *m, const void *addr, struct mm_vm_area *out);

/* VMALLOC_START / VMALLOC_END (0 with backing=none). */
unsigned long mm_vmalloc_start(struct mm *m);
unsigned long mm_vmalloc_end(struct mm *m);

/* vm_unmap_aliases(): purge every lazily freed area now (their addresses
 * become reusable). */
void mm_vm_unmap_aliases(struct mm *m);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* LIBMM_VMALLOC_H */
