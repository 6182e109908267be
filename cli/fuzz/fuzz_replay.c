// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/fuzz/fuzz_replay.c - fuzz target for mmbench's parsers *and* the
 * library beneath them: the input is parsed (workload language, mtrace or
 * perf, as fuzz_parse.c) and, when it parses, replayed on a small machine,
 * which must then hold every invariant:
 *   - mm_validate() is clean, after a replay that may have failed
 *     allocations (the machine is 16 MiB) and injected failures;
 *   - a replay whose frees were all accepted taints nothing 'B' (the
 *     library found no corruption it did not cause);
 *   - once every live object is freed, every process the replay made is
 *     gone (mm_process_destroy: its pins released, its folios unmapped)
 *     and the machine quiesced, free memory is exactly what it was at
 *     boot.
 * A broken check is an abort(): libFuzzer keeps the input as a crash.
 *
 * The first byte picks: % 3 the parser (as fuzz_parse.c: the corpora
 * agree), / 3 % 2 slub_debug=FZPU or per-CPU sheaves (the two slab paths
 * that differ most), / 6 % 2 fault injection on both facilities (every
 * tenth eligible call fails, draws from the machine's seed), / 12 % 2 a
 * vmstat tick every 64 operations (the per-CPU highs decay, as mmbench's
 * --tick), / 24 % 2 page_alloc_policy=6.5 instead of 6.18.
 *
 *   scons fuzz [FUZZ_TIME=60]       libFuzzer, corpus cli/fuzz/corpus-replay
 *   build/V/bin/test_fuzz_replay    standalone.c: 400 corpus inputs, 1000
 *                                   mutations (`scons test`)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MACHINE "cpus=4 nodes=1 DMA=0 DMA32=0 NORMAL=16M max_page_order=10 seed=3"

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_replay: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

/* What each live handle is: the last operation that set its slot (the
 * whole program is in p->ops: nothing streamed). */
static void free_live(struct mmb_run *r, struct mmb_prog *p)
{
	uint32_t *last = calloc(p->nhandles + 1, sizeof(*last));

	if (!last)
		fail("out of memory", NULL);
	for (size_t i = 0; i < p->nops; i++) {
		const struct mmb_op *op = &p->ops[i];

		if (op->kind == OP_ALLOC_PAGES || op->kind == OP_KMALLOC || op->kind == OP_KREALLOC ||
		    op->kind == OP_CACHE_ALLOC || op->kind == OP_VMALLOC)
			last[op->handle] = (uint32_t)i + 1;
	}
	for (uint32_t h = 0; h < p->nhandles; h++) {
		const struct mmb_op *op = last[h] ? &p->ops[last[h] - 1] : NULL;
		void *x = mmb_replay_handle(r, h);
		struct mm *m = r->m;
		int rc = 0;

		if (!x || !op)
			continue;
		mm_cpu_bind(m, 0);
		if (op->kind == OP_ALLOC_PAGES)
			rc = mm_free_pages(m, x, op->order);
		else if (op->kind == OP_CACHE_ALLOC)
			rc = mm_kmem_cache_free(p->caches[op->cache].cache, x);
		else if (op->kind == OP_VMALLOC)
			rc = mm_vfree(m, x);
		else
			rc = mm_kfree(m, x);
		if (rc)
			fail("freeing a live object was refused", mm_last_error(m));
	}
	free(last);
	mm_cpu_bind(r->m, 0);
	for (uint32_t i = 0; i < p->nprocs; i++) {
		mm_process_destroy(p->procs[i].proc);
		p->procs[i].proc = NULL;
	}
}

static void check_machine(struct mmb_run *r, unsigned long boot_free)
{
	struct mm *m = r->m;
	char err[1024];
	unsigned long refused = r->stat[OP_FREE_PAGES].failed + r->stat[OP_KFREE].failed +
				r->stat[OP_CACHE_FREE].failed + r->stat[OP_VFREE].failed +
				r->stat[OP_CACHE_DESTROY].failed;

	if (mm_validate(m, err, sizeof(err)))
		fail("validate after the replay", err);
	if (refused)
		return;                 /* a refused free leaks its object: no more checks */
	if (mm_tainted(m) & (1ul << MM_TAINT_BAD_PAGE))
		fail("tainted 'B' by a replay whose frees were all accepted", NULL);
	free_live(r, r->prog);
	mm_cpu_bind(m, 0);
	if (mm_quiesce(m))
		fail("quiesce", mm_last_error(m));
	if (mm_validate(m, err, sizeof(err)))
		fail("validate after freeing everything", err);
	if ((unsigned long)mm_vmstat_read(m, "nr_free_pages") != boot_free) {
		snprintf(err, sizeof(err), "%ld free pages after quiesce, %lu at boot",
			 mm_vmstat_read(m, "nr_free_pages"), boot_free);
		fail("free memory not conserved", err);
	}
}

static struct mm *make_machine(int debug, int faults, int old_policy)
{
	char cfg[256], err[256];
	struct mm *m;

	snprintf(cfg, sizeof(cfg), "%s %s%s", MACHINE, debug ? "debug=FZPU" : "slub_sheaves=1",
		 old_policy ? " page_alloc_policy=6.5" : "");
	m = mm_create(cfg, err, sizeof(err));
	if (!m)
		fail("mm_create", err);
	if (faults) {
		static const char *const f[] = { "fail_page_alloc", "failslab" };

		for (int i = 0; i < 2; i++) {
			mm_fault_inject(m, f[i], "probability", 100);
			mm_fault_inject(m, f[i], "interval", 10);
			mm_fault_inject(m, f[i], "times", -1);
			mm_fault_inject(m, f[i], "verbose", 0);
			mm_fault_inject(m, f[i], "ignore-gfp-wait", 0);
		}
		mm_fault_inject(m, "fail_page_alloc", "min-order", 0);
	}
	return m;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static int once;
	struct mmb_prog p;
	struct mmb_run r;
	unsigned long boot_free;
	int which, ok;

	if (!once) {
		once = 1;
		mmb_parse_max_ops = 20000;              /* keep each replay short */
		mmb_parse_max_lines = 200000;
	}
	if (!size)
		return 0;
	which = fuzz_parse_input(&p, data, size, &ok) % 3;
	memset(&r, 0, sizeof(r));
	r.prog = &p;
	r.backend = MMB_BACKEND_LIBMM;
	if (ok) {
		r.m = make_machine(data[0] / 3 % 2, data[0] / 6 % 2, data[0] / 24 % 2);
		r.tick_every = data[0] / 12 % 2 ? 64 : 0;
		if (which)              /* traces: CPUs folded onto the machine's */
			for (size_t i = 0; i < p.nops; i++)
				p.ops[i].cpu = (uint16_t)(p.ops[i].cpu % mm_nr_cpus(r.m));
		if (which || !mmb_check_machine(&p, "fuzz", mm_nr_cpus(r.m), mm_max_order(r.m))) {
			mm_cpu_bind(r.m, 0);
			mm_quiesce(r.m);
			boot_free = (unsigned long)mm_vmstat_read(r.m, "nr_free_pages");
			mm_cpu_unbind(r.m);
			if (mmb_replay_begin(&r) || mmb_replay_chunk(&r) || mmb_replay_end(&r))
				fail("mmb_replay", NULL);
			check_machine(&r, boot_free);
		}
		mm_destroy(r.m);
	}
	mmb_run_free(&r);
	mmb_prog_free(&p);
	return 0;
}
