// SPDX-License-Identifier: GPL-2.0-only
/*
 * buddyinfo.c - libmm from C through pkg-config: boot a small machine, take
 * an order-3 block and a kmalloc object, print /proc/buddyinfo, check every
 * invariant, give everything back.
 *
 *     cc buddyinfo.c $(pkg-config --cflags --libs libmm) -o buddyinfo && ./buddyinfo
 */
#include <stdio.h>
#include <libmm/mm.h>

int main(void)
{
	char err[256];
	struct mm *m = mm_create("cpus=2 nodes=1 DMA=16M DMA32=0 NORMAL=48M", err, sizeof(err));

	if (!m) {
		fprintf(stderr, "mm_create: %s\n", err);
		return 1;
	}
	mm_cpu_bind(m, 0);
	struct page *page = mm_alloc_pages(m, GFP_KERNEL, 3);
	void *obj = mm_kmalloc(m, 100, GFP_KERNEL);
	char *text = mm_report_text(m, "buddyinfo");

	printf("pfn %lu, kmalloc %p\n%s", mm_page_to_pfn(m, page), obj, text);
	mm_free_string(text);
	mm_kfree(m, obj);
	mm_free_pages(m, page, 3);
	if (mm_validate(m, err, sizeof(err))) {
		fprintf(stderr, "mm_validate: %s\n", err);
		return 1;
	}
	mm_cpu_unbind(m);
	mm_destroy(m);
	return 0;
}
