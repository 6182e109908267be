// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/movable.c - movable memory in a replay: the fault/unmap/pin/unpin/
 * compact operations, the contiguous ones (cma_alloc, cma_release,
 * contig_alloc, contig_free), and compaction and CMA in the summary.
 *
 * Processes are made at their first operation (mm_process_create) and go
 * with the machine (a run on a fresh machine starts without any:
 * mmb_prog_rerun).  Operations the library refuses (a fault on a mapped
 * address, an unmap of a pinned folio, ...) count as failed; the library's
 * log says why.  In --threads mode a process's operations run in stream
 * order whatever their CPUs (replay.c waits on the slot's `done`), so the
 * first one, which makes the process, comes before the others.
 *
 * The replayer's own movable pages (alloc_pages with __GFP_MOVABLE) are
 * replay.c's: it owns its handle table, which their migration rewrites.
 */
#include <stdio.h>

#include "workload.h"

const char *const mmb_compact_names[MMB_NR_COMPACT] = {
	"pgmigrate_success", "pgmigrate_fail", "compact_stall", "compact_success",
	"compact_migrate_scanned", "compact_free_scanned",
};

int mmb_exec_movable(struct mm *m, struct mmb_proc *procs, const struct mmb_op *op)
{
	struct mmb_proc *pr;
	long rc;

	if (op->kind == OP_COMPACT)
		return mm_compact_memory(m, (int)op->size - 1) ? -1 : 0;
	pr = &procs[op->handle];
	if (!pr->proc && !(pr->proc = mm_process_create(m)))
		return -1;
	switch (op->kind) {
	case OP_FAULT:
		rc = mm_process_fault(pr->proc, op->size, op->order);
		break;
	case OP_UNMAP:
		rc = mm_process_unmap(pr->proc, op->size, (unsigned long)op->align * MM_PAGE_SIZE);
		break;
	case OP_PIN:
		rc = mm_process_pin(pr->proc, op->size, op->flags);
		break;
	default:
		rc = mm_process_unpin(pr->proc, op->size);
		break;
	}
	return rc < 0 ? -1 : 0;
}

int mmb_exec_contig(struct mm *m, const struct mmb_area *areas, struct mmb_handle *h,
		    const struct mmb_op *op)
{
	struct page *pg;
	int rc;

	switch (op->kind) {
	case OP_CMA_ALLOC:
		h->ptr = mm_cma_alloc(m, areas[op->cache].name, op->size, op->order, 1);
		return h->ptr ? 0 : -1;
	case OP_CONTIG_ALLOC:
		h->ptr = mm_alloc_contig_pages(m, op->size, op->flags | __GFP_NOWARN, -1);
		return h->ptr ? 0 : -1;
	}
	pg = h->ptr;
	h->ptr = NULL;
	if (op->kind == OP_CMA_RELEASE)
		rc = mm_cma_release(m, areas[op->cache].name, pg, h->size / MM_PAGE_SIZE);
	else
		rc = mm_free_contig_range(m, mm_page_to_pfn(m, pg), h->size / MM_PAGE_SIZE);
	return rc ? -1 : 0;
}

void mmb_cma_sample(struct mm *m, struct mmb_cma_sample *s)
{
	struct mm_cma_info in;

	s->total = s->free = s->allocated = 0;
	for (int i = 0; i < mm_cma_area_count(m); i++) {
		if (mm_cma_area_info(m, i, &in))
			continue;
		s->total += in.count;
		s->allocated += in.count - in.available;
	}
	s->free = (unsigned long)mm_vmstat_read(m, "nr_free_cma");
	s->movable = s->total > s->free + s->allocated ? s->total - s->free - s->allocated : 0;
	s->success = (unsigned long)mm_vmstat_read(m, "cma_alloc_success");
	s->fail = (unsigned long)mm_vmstat_read(m, "cma_alloc_fail");
}

void mmb_summary_cma(struct mm *m, FILE *f)
{
	struct mmb_cma_sample s;
	struct mm_cma_info in;

	mmb_cma_sample(m, &s);
	if (!s.total)
		return;
	fprintf(f, "\nCMA: %lu pages in %d areas: %lu free, %lu held by cma_alloc, %lu used by "
		"movable allocations; cma_alloc %lu succeeded, %lu failed\n", s.total,
		mm_cma_area_count(m), s.free, s.allocated, s.movable, s.success, s.fail);
	for (int i = 0; i < mm_cma_area_count(m); i++)
		if (!mm_cma_area_info(m, i, &in))
			fprintf(f, "area %s: %lu pages at pfn %#lx, used %lu, maxchunk %lu, "
				"%lu busy retries, %lu/%lu pages allocated/failed\n", in.name, in.count,
				in.base_pfn, in.used, in.maxchunk, in.alloc_busy_retry,
				in.alloc_pages_success, in.alloc_pages_fail);
}

void mmb_summary_compaction(struct mm *m, FILE *f)
{
	long v[MMB_NR_COMPACT], any = 0;
	struct mm_compact_info ci;

	for (int i = 0; i < MMB_NR_COMPACT; i++)
		any |= v[i] = mm_vmstat_read(m, mmb_compact_names[i]);
	if (!any)
		return;
	fprintf(f, "\ncompaction: %ld pages migrated, %ld failed; %ld direct compaction stalls "
		"(%ld successful); scanned %ld (migrate) and %ld (free) pages\n", v[0], v[1], v[2],
		v[3], v[4], v[5]);
	for (int nid = 0; nid < mm_nr_nodes(m); nid++)
		for (int zi = 0; zi < MM_MAX_NR_ZONES; zi++) {
			if (mm_compact_info(m, nid, zi, &ci) || !ci.runs)
				continue;
			fprintf(f, "node %d zone %d: %lu runs, last %s (order %d), fragmentation score "
				"%d, defer shift %u\n", nid, zi, ci.runs,
				mm_compact_result_name(ci.last_result), ci.last_order,
				ci.fragmentation_score, ci.compact_defer_shift);
		}
}
