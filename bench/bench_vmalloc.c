// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_vmalloc.c - vmalloc speed against the kernel-side alternative a
 * userspace program has, anonymous mmap+munmap, side by side in one run
 * (issue 5).  Every timing is the median of REPS rounds; within a round the
 * contenders run one after the other, so machine noise hits both alike.
 *
 *   size 4K/64K/1M     vmalloc+vfree vs mmap+munmap, "bare" (no access) and
 *                      "touch" (one byte written per page, so every page is
 *                      faulted in: the realistic case); plus two syscall
 *                      floors without an allocator: "remap" = memfd mmap
 *                      MAP_FIXED into the reservation + PROT_NONE remap
 *                      (vfree's teardown made at once), "slot" = memfd mmap
 *                      MAP_FIXED over the PROT_NONE mapping a freed area
 *                      left behind + mprotect(PROT_NONE) (what vmalloc+vfree
 *                      do on a reused range), "revive" = mprotect(RW) of a
 *                      freed area's PROT_NONE mapping of the same frames +
 *                      mprotect(PROT_NONE) (what they do when the buddy hands
 *                      back the frames the range last mapped)
 *   blocks             the bare vmalloc+vfree again on a machine with
 *                      vmalloc_pages=blocks (high-order blocks instead of
 *                      the kernel's order-0 bulk): what the per-page work
 *                      of the kernel's way costs
 *   live areas         vmalloc+vfree of 4 KiB (touched) while L one-page
 *                      areas stay live, L = 100 .. 20000: must stay flat
 *   runs               vmap of 16 pages that are one contiguous run vs 16
 *                      scattered pages (16 mmaps): why vmalloc maps each
 *                      contiguous run with one mapping, its frames in PFN
 *                      order
 *   mappings           how many live one-page areas fit before the process
 *                      runs out of mappings (vm.max_map_count), and that
 *                      the next vmalloc fails cleanly (NULL, counted)
 *
 * Usage: bench_vmalloc        table on stdout, $MM_RESULTS/bench_vmalloc.json
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <libmm/mm.h>
#include "bench.h"

#define REPS 7
#define PG 4096ul

static void touch(volatile char *p, unsigned long size)
{
	for (unsigned long off = 0; off < size; off += PG)
		p[off] = 1;
}

/* ns per vmalloc+vfree of size */
static double time_vmalloc(struct mm *m, unsigned long size, int n, int do_touch)
{
	double t0 = now();

	for (int i = 0; i < n; i++) {
		char *p = mm_vmalloc(m, size);

		if (!p) {
			fprintf(stderr, "vmalloc(%lu) failed: %s\n", size, mm_last_error(m));
			exit(1);
		}
		if (do_touch)
			touch(p, size);
		mm_vfree(m, p);
	}
	return (now() - t0) * 1e9 / n;
}

/* ns per mmap+munmap of size */
static double time_mmap(unsigned long size, int n, int do_touch)
{
	double t0 = now();

	for (int i = 0; i < n; i++) {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		if (do_touch)
			touch(p, size);
		munmap(p, size);
	}
	return (now() - t0) * 1e9 / n;
}

/* Syscall floors of one vmalloc+vfree, no allocator around them: map a
 * memfd range MAP_FIXED, touch, take access away.  remap: into a PROT_NONE
 * reservation, then remap it PROT_NONE anonymous (the teardown done at
 * once; the reservation splits and merges back every time).  slot: over
 * the PROT_NONE memfd mapping the previous user of the range left, then
 * mprotect(PROT_NONE) (whole VMAs: nothing splits).  revive: that mapping
 * already maps the frames: mprotect(RW), then mprotect(PROT_NONE). */
static double time_floor(unsigned long size, int n, int do_touch, int slot)
{
	static char *reservations[3];
	static int fd = -1;
	char *res;
	double t0;

	if (fd < 0) {
		fd = memfd_create("bench-floor", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, 2 << 20))
			exit(1);
		for (int k = 0; k < 3; k++)
			reservations[k] = mmap(NULL, 64 << 20, PROT_NONE,
					       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	}
	res = reservations[slot];
	if (slot)       /* no slots of another size left from the last call */
		mmap(res, 64 << 20, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	t0 = now();
	for (int i = 0; i < n; i++) {
		char *a = res + (size_t)(i % 16) * (2 << 20), *p;

		if (slot == 2 && i >= 16)
			p = mprotect(a, size, PROT_READ | PROT_WRITE) ? MAP_FAILED : a;
		else
			p = mmap(a, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
		if (p != a)
			exit(1);
		if (do_touch)
			touch(p, size);
		if (slot)
			mprotect(a, size, PROT_NONE);
		else
			mmap(a, size, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	}
	t0 = (now() - t0) * 1e9 / n;
	if (slot)       /* give the slots' VMAs back (see "mappings") */
		mmap(res, 64 << 20, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	return t0;
}

static long vm_stat(struct mm *m, const char *key)
{
	char *json = mm_report_json(m), pat[64], *p;
	long v = -1;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(json, "\"vmalloc\": {");
	if (p && (p = strstr(p, pat)))
		v = strtol(p + strlen(pat), NULL, 10);
	mm_free_string(json);
	return v;
}

static struct mm *machine(const char *cfg)
{
	struct mm *m = bench_machine(cfg);

	mm_cpu_bind(m, 0);
	return m;
}

/* vmap+vunmap of 16 pages: one contiguous run, or 16 scattered frames */
static double time_vmap(struct mm *m, int scattered, int n)
{
	struct page *pages[16], *block = mm_alloc_pages(m, GFP_KERNEL, 5);
	double t0;

	for (int i = 0; i < 16; i++)
		pages[i] = mm_pfn_to_page(m, mm_page_to_pfn(m, block) + (scattered ? 2 * i : i));
	t0 = now();
	for (int i = 0; i < n; i++) {
		char *v = mm_vmap(m, pages, 16);

		touch(v, 16 * PG);
		mm_vunmap(m, v);
	}
	t0 = (now() - t0) * 1e9 / n;
	mm_free_pages(m, block, 5);
	return t0;
}

static char *git_rev(void)
{
	static char rev[64] = "unknown";
	FILE *f = popen("git rev-parse --short HEAD 2>/dev/null", "r");

	if (f) {
		if (fgets(rev, sizeof(rev), f))
			rev[strcspn(rev, "\n")] = '\0';
		pclose(f);
	}
	return rev;
}

int main(void)
{
	static const unsigned long sizes[3] = { 4096, 65536, 1 << 20 };
	static const char *const names[3] = { "4K", "64K", "1M" };
	static const int live_counts[] = { 100, 1000, 5000, 10000, 20000 };
	enum { NLIVE = sizeof(live_counts) / sizeof(live_counts[0]) };
	double vm[2][3][REPS], an[2][3][REPS], fl[2][3][REPS], fs[2][3][REPS], fr[2][3][REPS];
	double vb[3][REPS], vmed[2][3], amed[2][3], fmed[2][3], smed[2][3], rmed[2][3], bmed[3];
	double live_ns[NLIVE], lr[NLIVE][REPS], runs[2][REPS], run_med[2];
	struct mm *m = machine(NULL), *mb = machine("vmalloc_pages=blocks");
	long max_live = 0, fail_errno = 0, map_fail = 0;
	void **keep;
	FILE *j;

	/* warm up: memfd pages and buddy state */
	time_vmalloc(m, 1 << 20, 200, 1);
	time_vmalloc(mb, 1 << 20, 200, 1);
	time_mmap(1 << 20, 200, 1);
	for (int r = 0; r < REPS; r++) {
		for (int t = 0; t < 2; t++) {
			for (int s = 0; s < 3; s++) {
				int n = s == 2 ? 500 : 2000;

				vm[t][s][r] = time_vmalloc(m, sizes[s], n, t);
				an[t][s][r] = time_mmap(sizes[s], n, t);
				fl[t][s][r] = time_floor(sizes[s], n, t, 0);
				fs[t][s][r] = time_floor(sizes[s], n, t, 1);
				fr[t][s][r] = time_floor(sizes[s], n, t, 2);
				if (!t)
					vb[s][r] = time_vmalloc(mb, sizes[s], n, 0);
			}
		}
	}
	for (int t = 0; t < 2; t++)
		for (int s = 0; s < 3; s++) {
			vmed[t][s] = median(vm[t][s], REPS);
			amed[t][s] = median(an[t][s], REPS);
			fmed[t][s] = median(fl[t][s], REPS);
			smed[t][s] = median(fs[t][s], REPS);
			rmed[t][s] = median(fr[t][s], REPS);
			if (!t)
				bmed[s] = median(vb[s], REPS);
		}

	/* per-op time as the live areas grow */
	keep = calloc(40000, sizeof(void *));
	{
		int live = 0;

		for (int k = 0; k < NLIVE; k++) {
			while (live < live_counts[k]) {
				keep[live] = mm_vmalloc(m, PG);
				touch(keep[live++], PG);
			}
			for (int r = 0; r < REPS; r++)
				lr[k][r] = time_vmalloc(m, PG, 2000, 1);
			live_ns[k] = median(lr[k], REPS);
		}
		while (live)
			mm_vfree(m, keep[--live]);
	}

	for (int r = 0; r < REPS; r++) {
		runs[0][r] = time_vmap(m, 0, 1000);
		runs[1][r] = time_vmap(m, 1, 1000);
	}
	run_med[0] = median(runs[0], REPS);
	run_med[1] = median(runs[1], REPS);

	/* run the process out of mappings: one-page areas until NULL */
	{
		long before = vm_stat(m, "map_fail");

		for (;;) {
			void *p = mm_vmalloc(m, PG);

			if (!p) {
				fail_errno = mm_last_errno(m);
				break;
			}
			if (max_live == 40000)
				break;
			keep[max_live++] = p;
		}
		map_fail = vm_stat(m, "map_fail") - before;
		for (long i = 0; i < max_live; i++)
			mm_vfree(m, keep[i]);
	}
	free(keep);
	{
		char err[512];

		if (mm_validate(m, err, sizeof(err)) || mm_validate(mb, err, sizeof(err))) {
			fprintf(stderr, "validate: %s\n", err);
			return 1;
		}
	}

	printf("vmalloc vs anonymous mmap, ns per allocate+free (median of %d rounds)\n", REPS);
	printf("  %-5s %12s %12s %7s   %12s %12s %7s\n", "size", "vmalloc", "mmap", "ratio",
	       "vmalloc+touch", "mmap+touch", "ratio");
	for (int s = 0; s < 3; s++)
		printf("  %-5s %12.0f %12.0f %6.2fx   %12.0f %12.0f %6.2fx\n", names[s],
		       vmed[0][s], amed[0][s], vmed[0][s] / amed[0][s], vmed[1][s], amed[1][s],
		       vmed[1][s] / amed[1][s]);
	printf("  syscall floor, remap (memfd mmap MAP_FIXED into the reservation + PROT_NONE "
	       "remap):\n");
	for (int s = 0; s < 3; s++)
		printf("  %-5s %12.0f %12s %6.2fx   %12.0f %12s %6.2fx\n", names[s], fmed[0][s], "",
		       fmed[0][s] / amed[0][s], fmed[1][s], "", fmed[1][s] / amed[1][s]);
	printf("  syscall floor, slot (memfd mmap MAP_FIXED over a freed area's PROT_NONE "
	       "mapping + mprotect):\n");
	for (int s = 0; s < 3; s++)
		printf("  %-5s %12.0f %12s %6.2fx   %12.0f %12s %6.2fx\n", names[s], smed[0][s], "",
		       smed[0][s] / amed[0][s], smed[1][s], "", smed[1][s] / amed[1][s]);
	printf("  syscall floor, revive (mprotect RW of a freed area's mapping of the same "
	       "frames + mprotect):\n");
	for (int s = 0; s < 3; s++)
		printf("  %-5s %12.0f %12s %6.2fx   %12.0f %12s %6.2fx\n", names[s], rmed[0][s], "",
		       rmed[0][s] / amed[0][s], rmed[1][s], "", rmed[1][s] / amed[1][s]);
	printf("  vmalloc_pages=blocks (bare; bulk / blocks):\n");
	for (int s = 0; s < 3; s++)
		printf("  %-5s %12.0f %12s %6.2fx\n", names[s], bmed[s], "", vmed[0][s] / bmed[s]);
	printf("vmalloc+touch+vfree of 4 KiB with L live areas\n");
	for (int k = 0; k < NLIVE; k++)
		printf("  L=%-6d %8.0f ns  (%.2fx L=100)\n", live_counts[k], live_ns[k],
		       live_ns[k] / live_ns[0]);
	printf("vmap+touch+vunmap of 16 pages: one run %.0f ns, 16 scattered frames %.0f ns "
	       "(%.1fx)\n", run_med[0], run_med[1], run_med[1] / run_med[0]);
	printf("mappings: %ld live one-page areas, then vmalloc -> NULL (errno %ld, map_fail "
	       "+%ld)\n", max_live, fail_errno, map_fail);

	j = bench_result_file("bench_vmalloc.json");
	if (j) {
		fprintf(j, "{\"schema\": \"libmm-bench/1\", \"bench\": \"vmalloc\", \"git\": \"%s\", "
			"\"variant\": \"release\", \"machine\": \"default\", \"reps\": %d,\n"
			" \"ns_per_pair\": {", git_rev(), REPS);
		for (int s = 0; s < 3; s++)
			fprintf(j, "%s\"%s\": {\"vmalloc\": %.0f, \"mmap\": %.0f, \"ratio\": %.3f, "
				"\"vmalloc_touch\": %.0f, \"mmap_touch\": %.0f, \"ratio_touch\": %.3f, "
				"\"floor\": %.0f, \"floor_touch\": %.0f, \"floor_slot\": %.0f, "
				"\"floor_slot_touch\": %.0f, \"floor_revive\": %.0f, "
				"\"floor_revive_touch\": %.0f, \"vmalloc_blocks\": %.0f}",
				s ? ", " : "", names[s], vmed[0][s], amed[0][s],
				vmed[0][s] / amed[0][s], vmed[1][s], amed[1][s],
				vmed[1][s] / amed[1][s], fmed[0][s], fmed[1][s], smed[0][s],
				smed[1][s], rmed[0][s], rmed[1][s], bmed[s]);
		fprintf(j, "},\n \"live_areas\": {");
		for (int k = 0; k < NLIVE; k++)
			fprintf(j, "%s\"%d\": %.0f", k ? ", " : "", live_counts[k], live_ns[k]);
		fprintf(j, "}, \"live_20000_over_100\": %.3f,\n", live_ns[NLIVE - 1] / live_ns[0]);
		fprintf(j, " \"vmap16_ns\": {\"one_run\": %.0f, \"scattered\": %.0f},\n",
			run_med[0], run_med[1]);
		fprintf(j, " \"map_limit\": {\"live_one_page_areas\": %ld, \"errno\": %ld, "
			"\"map_fail\": %ld}}\n", max_live, fail_errno, map_fail);
		fclose(j);
	}
	mm_destroy(mb);
	mm_destroy(m);
	return 0;
}
