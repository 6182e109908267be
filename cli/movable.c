/*
 * cli/movable.c - movable memory in a replay: the fault/unmap/pin/unpin/
 * compact operations, the replayer as the owner of the movable pages it
 * allocates, and compaction in the summary.
 *
 * Processes are made at their first operation (mm_process_create) and go
 * with the machine.  Operations the library refuses (a fault on a mapped
 * address, an unmap of a pinned folio, ...) count as failed; the library's
 * log says why.
 *
 * Movable pages: a sequential replay registers itself as a
 * movable_operations owner and marks every page it allocates with
 * __GFP_MOVABLE movable, its handle slot as the private word; migration
 * (compaction, migrate_pages) then moves them and rewrites the handle
 * table, so a trace's movable allocations are migratable without the trace
 * knowing.  --threads replays leave them unmovable: a handle may be in
 * flight on another replay thread while a migration would rewrite it.
 */
#include <errno.h>
#include <stdio.h>

#include "workload.h"

enum { RES_OK, RES_FAIL, RES_SKIP, RES_NONE };  /* as replay.c's */

const char *const mmb_compact_names[MMB_NR_COMPACT] = {
	"pgmigrate_success", "pgmigrate_fail", "compact_stall", "compact_success",
	"compact_migrate_scanned", "compact_free_scanned",
};

static struct mm_process *proc_of(struct mm *m, struct mmb_prog *p, const struct mmb_op *op)
{
	struct mmb_proc *pr = &p->procs[op->handle];

	if (!pr->proc)
		pr->proc = mm_process_create(m);
	return pr->proc;
}

int mmb_exec_movable(struct mm *m, struct mmb_prog *p, const struct mmb_op *op)
{
	struct mm_process *proc;
	long rc;

	if (op->kind == OP_COMPACT)
		return mm_compact_memory(m, (int)op->size - 1) ? RES_FAIL : RES_OK;
	proc = proc_of(m, p, op);
	if (!proc)
		return RES_FAIL;
	switch (op->kind) {
	case OP_FAULT:
		rc = mm_process_fault(proc, op->size, op->order);
		break;
	case OP_UNMAP:
		rc = mm_process_unmap(proc, op->size, (unsigned long)op->align * MM_PAGE_SIZE);
		break;
	case OP_PIN:
		rc = mm_process_pin(proc, op->size, op->flags);
		break;
	default:
		rc = mm_process_unpin(proc, op->size);
		break;
	}
	return rc < 0 ? RES_FAIL : RES_OK;
}

/* migrate_page of the replay's owner: the handle now holds dst. */
static int replay_migrate_page(void *arg, struct page *dst, struct page *src,
			       unsigned long slot, int mode)
{
	struct mmb_prog *p = arg;

	(void)mode;
	if (slot >= p->nhandles || p->handles[slot].ptr != src)
		return -EINVAL;
	p->handles[slot].ptr = dst;
	return 0;
}

static const struct mm_movable_operations replay_mops = {
	.migrate_page = replay_migrate_page,
};

int mmb_movable_begin(struct mm *m, struct mmb_prog *p)
{
	p->owner = mm_movable_owner_register(m, "mmbench", &replay_mops, p);
	return p->owner ? 0 : -1;
}

void mmb_movable_end(struct mm *m, struct mmb_prog *p)
{
	(void)m;
	p->owner = NULL;        /* the machine's destruction takes it */
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
