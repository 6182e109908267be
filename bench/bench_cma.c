// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_cma.c - what a cma_alloc() of 4 MiB (1024 pages) costs on an area
 * half full of movable pages, side by side with the same call on an empty
 * area.
 *
 * The machine: one 64M NORMAL zone, a CMA area "cam" of 8M (2048 pages),
 * cma_balance=first so movable allocations land in the area, no per-CPU
 * lists (so the fill is exact).  "Half full":
 * 2048 movable pages fill the area, every other one is freed again - so
 * every 1024-page range of it holds 512 movable pages, and cma_alloc(1024)
 * (the first range, bits 0..1023) must migrate 512 of them.  The movable
 * pages are either driver-owned (movable_operations: a copy, no mapping)
 * or a process's user pages (a copy and a real remap of an untouched
 * mapping).  Every frame is written once beforehand, so no timing includes
 * the host's first-touch fault of the memfd.  Each case: the median of 9
 * rounds of cma_alloc (timed), cma_release, refill.
 *
 * Reports, per case: µs per cma_alloc(1024), pages migrated per call, and
 * pages migrated per second (migrated / time), plus the ratio to the empty
 * area.
 *
 * Usage: bench_cma       table on stdout, results/bench_cma.json
 */
#include <string.h>
#include "bench.h"

#define AREA    2048
#define COUNT   1024
#define ROUNDS  9
#define CFG     "cpus=1 DMA=0 DMA32=0 NORMAL=64M pcp=off cma_areas=cam:8M cma_balance=first"

enum { EMPTY, OWNER, USER };
static const char *const case_names[] = { "empty area", "half full, driver pages",
					  "half full, user pages" };

struct result { double us; unsigned long migrated; };

/* Fill the area with movable pages and free every other one. */
static void half_fill(struct mm *m, int kind, struct mm_movable_owner *o, struct page **slot,
		      struct mm_process *p)
{
	for (unsigned long i = 0; i < AREA; i++) {
		if (kind == OWNER) {
			slot[i] = mm_alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
			mm_page_set_movable(m, slot[i], o, i);
		} else {
			mm_process_fault(p, i * MM_PAGE_SIZE, 0);
		}
	}
	for (unsigned long i = 0; i < AREA; i += 2) {
		if (kind == OWNER) {
			mm_free_pages(m, slot[i], 0);
			slot[i] = NULL;
		} else {
			mm_process_unmap(p, i * MM_PAGE_SIZE, MM_PAGE_SIZE);
		}
	}
	mm_drain_all_pages(m);
}

static void empty_out(struct mm *m, int kind, struct page **slot, struct mm_process *p)
{
	for (unsigned long i = 1; i < AREA; i += 2) {
		if (kind == OWNER)
			mm_free_pages(m, slot[i], 0);
		else
			mm_process_unmap(p, i * MM_PAGE_SIZE, MM_PAGE_SIZE);
	}
	mm_drain_all_pages(m);
}

static struct result bench_case(int kind)
{
	struct mm *m = bench_machine(CFG);
	static struct page *slot[AREA];
	struct mm_movable_owner *o;
	struct mm_process *p;
	struct mm_contig_info ci;
	double t[ROUNDS];
	unsigned long migrated = 0;
	char *base;

	mm_cpu_bind(m, 0);
	base = mm_direct_map_base(m);
	if (base)
		memset(base, 0, mm_nr_pages(m) * MM_PAGE_SIZE);
	o = mm_movable_owner_register(m, "bench", &bench_slot_ops, slot);
	p = mm_process_create(m);
	for (int r = 0; r < ROUNDS; r++) {
		struct page *got;
		double t0;

		if (kind != EMPTY)
			half_fill(m, kind, o, slot, p);
		t0 = now();
		got = mm_cma_alloc(m, "cam", COUNT, 0, 0);
		t[r] = (now() - t0) * 1e6;
		if (!got) {
			fprintf(stderr, "bench_cma: cma_alloc failed: %s\n", mm_last_error(m));
			exit(1);
		}
		mm_contig_info(m, &ci);
		migrated = ci.last_migrated;
		mm_cma_release(m, "cam", got, COUNT);
		if (kind != EMPTY)
			empty_out(m, kind, slot, p);
	}
	if (mm_validate(m, NULL, 0)) {
		fprintf(stderr, "bench_cma: validate: %s\n", mm_last_error(m));
		exit(1);
	}
	mm_process_destroy(p);
	mm_movable_owner_unregister(o);
	mm_destroy(m);
	return (struct result){ median(t, ROUNDS), migrated };
}

int main(void)
{
	struct result res[3];
	FILE *f;

	for (int k = EMPTY; k <= USER; k++)
		res[k] = bench_case(k);
	printf("cma_alloc(%d pages = 4 MiB) from an 8M area, median of %d rounds\n", COUNT,
	       ROUNDS);
	printf("%-26s %12s %10s %16s %8s\n", "case", "us/call", "migrated", "pages migrated/s",
	       "x empty");
	for (int k = EMPTY; k <= USER; k++)
		printf("%-26s %12.1f %10lu %16.0f %8.1f\n", case_names[k], res[k].us,
		       res[k].migrated, res[k].migrated ? res[k].migrated / (res[k].us * 1e-6) : 0.0,
		       res[k].us / res[EMPTY].us);
	f = fopen("results/bench_cma.json", "w");
	if (f) {
		fprintf(f, "{\n  \"benchmark\": \"bench_cma\", \"config\": \"%s\", \"count\": %d, "
			"\"rounds\": %d,\n  \"cases\": [", CFG, COUNT, ROUNDS);
		for (int k = EMPTY; k <= USER; k++)
			fprintf(f, "%s\n    {\"case\": \"%s\", \"us_per_call\": %.1f, \"migrated\": %lu, "
				"\"pages_migrated_per_s\": %.0f, \"ratio_to_empty\": %.2f}",
				k ? "," : "", case_names[k], res[k].us, res[k].migrated,
				res[k].migrated ? res[k].migrated / (res[k].us * 1e-6) : 0.0,
				res[k].us / res[EMPTY].us);
		fprintf(f, "\n  ]\n}\n");
		fclose(f);
	}
	return 0;
}
