// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmm/kernel.h - the kernel's own names and signatures, so kernel-style
 * code compiles against libmm unchanged:
 *
 *     mm_cpu_bind(m, 0);
 *     struct page *p = alloc_pages(GFP_KERNEL, 2);
 *     unsigned long a = __get_free_page(GFP_KERNEL | __GFP_ZERO);
 *
 * Every call goes to the machine the calling thread is bound to
 * (mm_current(): the one it called mm_cpu_bind() on most recently).
 */
#ifndef LIBMM_KERNEL_H
#define LIBMM_KERNEL_H

#include <libmm/mm.h>

#define PAGE_SHIFT      MM_PAGE_SHIFT
#define PAGE_SIZE       MM_PAGE_SIZE
#define MAX_PAGE_ORDER  10

static inline struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return mm_alloc_pages(mm_current(), gfp, order);
}

static inline struct page *alloc_page(gfp_t gfp)
{
	return alloc_pages(gfp, 0);
}

static inline struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	return mm_alloc_pages_node(mm_current(), nid, gfp, order);
}

static inline void __free_pages(struct page *page, unsigned int order)
{
	mm_free_pages(mm_current(), page, order);
}

#define __free_page(page) __free_pages((page), 0)

static inline void *page_address(const struct page *page)
{
	return mm_page_address(mm_current(), page);
}

static inline unsigned long page_to_pfn(const struct page *page)
{
	return mm_page_to_pfn(mm_current(), page);
}

static inline struct page *pfn_to_page(unsigned long pfn)
{
	return mm_pfn_to_page(mm_current(), pfn);
}

static inline struct page *virt_to_page(const void *addr)
{
	return mm_virt_to_page(mm_current(), addr);
}

static inline unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp & ~__GFP_HIGHMEM, order);

	return page ? (unsigned long)page_address(page) : 0;
}

#define __get_free_page(gfp) __get_free_pages((gfp), 0)

static inline unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

static inline void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		__free_pages(virt_to_page((void *)addr), order);
}

#define free_page(addr) free_pages((addr), 0)

static inline unsigned long alloc_pages_bulk(gfp_t gfp, unsigned long nr_pages,
					     struct page **page_array)
{
	return mm_alloc_pages_bulk(mm_current(), -1, gfp, nr_pages, page_array);
}

static inline unsigned long alloc_pages_bulk_node(gfp_t gfp, int nid, unsigned long nr_pages,
						  struct page **page_array)
{
	return mm_alloc_pages_bulk(mm_current(), nid, gfp, nr_pages, page_array);
}

static inline void drain_all_pages(void)
{
	mm_drain_all_pages(mm_current());
}

/* ---- vmalloc ------------------------------------------------ */

#define NUMA_NO_NODE      MM_NUMA_NO_NODE
#define VM_ALLOC          MM_VM_ALLOC
#define VM_MAP            MM_VM_MAP
#define VMALLOC_START     mm_vmalloc_start(mm_current())
#define VMALLOC_END       mm_vmalloc_end(mm_current())
#define VMALLOC_TOTAL     (VMALLOC_END - VMALLOC_START)

typedef struct { unsigned long pgprot; } pgprot_t;    /* accepted, ignored */
#define PAGE_KERNEL       ((pgprot_t){ 0 })

static inline void *vmalloc(unsigned long size)
{
	return mm_vmalloc(mm_current(), size);
}

static inline void *vzalloc(unsigned long size)
{
	return mm_vzalloc(mm_current(), size);
}

static inline void *vmalloc_node(unsigned long size, int node)
{
	return mm_vmalloc_node(mm_current(), size, node);
}

static inline void *vzalloc_node(unsigned long size, int node)
{
	return mm_vzalloc_node(mm_current(), size, node);
}

static inline void *vmalloc_32(unsigned long size)
{
	return mm_vmalloc_32(mm_current(), size);
}

static inline void *__vmalloc(unsigned long size, gfp_t gfp)
{
	return mm___vmalloc(mm_current(), size, gfp);
}

/* caller is recorded by libmm itself (the return address) */
static inline void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp,
				   int node, const void *caller)
{
	(void)caller;
	return mm___vmalloc_node(mm_current(), size, align, gfp, node);
}

static inline void vfree(const void *addr)
{
	mm_vfree(mm_current(), addr);
}

static inline void *vmap(struct page **pages, unsigned int count, unsigned long flags,
			 pgprot_t prot)
{
	(void)flags;
	(void)prot;
	return mm_vmap(mm_current(), pages, count);
}

static inline void vunmap(const void *addr)
{
	mm_vunmap(mm_current(), addr);
}

static inline void *vm_map_ram(struct page **pages, unsigned int count, int node)
{
	(void)node;
	return mm_vmap(mm_current(), pages, count);
}

static inline void vm_unmap_ram(const void *mem, unsigned int count)
{
	(void)count;
	mm_vunmap(mm_current(), mem);
}

static inline void vm_unmap_aliases(void)
{
	mm_vm_unmap_aliases(mm_current());
}

static inline struct page *vmalloc_to_page(const void *addr)
{
	return mm_vmalloc_to_page(mm_current(), addr);
}

static inline unsigned long vmalloc_to_pfn(const void *addr)
{
	return mm_vmalloc_to_pfn(mm_current(), addr);
}

static inline int is_vmalloc_addr(const void *addr)
{
	return mm_is_vmalloc_addr(mm_current(), addr);
}

/* ---- slab and kmalloc ------------------------------------------- */

#define ZERO_SIZE_PTR           ((void *)MM_ZERO_SIZE_PTR_ADDR)
#define ZERO_OR_NULL_PTR(x)     ((unsigned long)(x) <= MM_ZERO_SIZE_PTR_ADDR)
#define KMALLOC_MAX_CACHE_SIZE  MM_KMALLOC_MAX_CACHE_SIZE

static inline struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
						   unsigned int align, slab_flags_t flags,
						   void (*ctor)(void *))
{
	return mm_kmem_cache_create(mm_current(), name, size, align, flags, ctor);
}

static inline void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return mm_kmem_cache_alloc(s, gfp);
}

static inline void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return mm_kmem_cache_alloc(s, gfp | __GFP_ZERO);
}

static inline void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	mm_kmem_cache_free(s, obj);
}

static inline int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p)
{
	return mm_kmem_cache_alloc_bulk(s, gfp, n, p);
}

static inline void kmem_cache_free_bulk(struct kmem_cache *s, size_t n, void **p)
{
	mm_kmem_cache_free_bulk(s, n, p);
}

static inline int kmem_cache_shrink(struct kmem_cache *s)
{
	return mm_kmem_cache_shrink(s);
}

static inline void kmem_cache_destroy(struct kmem_cache *s)
{
	mm_kmem_cache_destroy(s);
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return mm_kmalloc(mm_current(), size, gfp);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return mm_kzalloc(mm_current(), size, gfp);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return mm_kmalloc_array(mm_current(), n, size, gfp);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return mm_kcalloc(mm_current(), n, size, gfp);
}

static inline void *krealloc(const void *p, size_t size, gfp_t gfp)
{
	return mm_krealloc(mm_current(), p, size, gfp);
}

static inline void kfree(const void *p)
{
	mm_kfree(mm_current(), p);
}

static inline size_t ksize(const void *p)
{
	return mm_ksize(mm_current(), p);
}

static inline void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	return mm_kmemdup(mm_current(), src, len, gfp);
}

static inline char *kstrdup(const char *s, gfp_t gfp)
{
	return mm_kstrdup(mm_current(), s, gfp);
}

static inline size_t kmalloc_size_roundup(size_t size)
{
	return mm_kmalloc_size_roundup(mm_current(), size);
}

#endif /* LIBMM_KERNEL_H */
