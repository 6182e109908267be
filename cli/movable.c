/*
 * cli/movable.c - movable memory in a replay: the fault/unmap/pin/unpin/
 * compact operations, and compaction in the summary.
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
