// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernel_style.c - kernel code compiled unchanged against <libmm/kernel.h>:
 * alloc_pages/__free_pages, __get_free_page, a kmem_cache, kmalloc and
 * vmalloc, all on the machine this thread is bound to (mm_current()).
 *
 *     cc kernel_style.c $(pkg-config --cflags --libs libmm) -o kernel_style && ./kernel_style
 */
#include <stdio.h>
#include <string.h>
#include <libmm/kernel.h>

struct foo {
	int id;
	char name[60];
};

static int kernel_code(void)
{
	struct kmem_cache *cache = kmem_cache_create("foo", sizeof(struct foo), 0,
						     SLAB_HWCACHE_ALIGN, NULL);
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	unsigned long addr = __get_free_page(GFP_KERNEL | __GFP_ZERO);
	struct foo *f = cache ? kmem_cache_alloc(cache, GFP_KERNEL) : NULL;
	char *buf = kmalloc(200, GFP_KERNEL);
	void *area = vmalloc(5 * PAGE_SIZE);

	if (!page || !addr || !f || !buf || !area)
		return -1;
	f->id = 1;
	strcpy(f->name, "kernel_style");
	memset(area, 0x5a, 5 * PAGE_SIZE);
	printf("page pfn %lu, zeroed page %#lx, %s in %s, vmalloc %p\n",
	       page_to_pfn(page), addr, f->name, "foo", area);
	vfree(area);
	kfree(buf);
	kmem_cache_free(cache, f);
	free_page(addr);
	__free_pages(page, 2);
	kmem_cache_destroy(cache);
	return 0;
}

int main(void)
{
	char err[256];
	struct mm *m = mm_create("cpus=1 nodes=1 DMA=0 DMA32=0 NORMAL=64M", err, sizeof(err));

	if (!m || mm_cpu_bind(m, 0)) {
		fprintf(stderr, "mm_create: %s\n", m ? "bind" : err);
		return 1;
	}
	int ret = kernel_code();

	if (ret || mm_validate(m, err, sizeof(err))) {
		fprintf(stderr, "kernel_style: %s\n", ret ? "allocation failed" : err);
		return 1;
	}
	mm_cpu_unbind(m);
	mm_destroy(m);
	return 0;
}
