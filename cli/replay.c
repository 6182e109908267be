// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/replay.c - runs the operation stream (workload.h) against a libmm
 * machine or the process's malloc, timing every operation.  The stream
 * comes in chunks (whatever the program's buffer held when it was full, or
 * the whole input when it fitted): mmb_replay_begin(), mmb_replay_chunk()
 * per chunk, mmb_replay_end(); the run-time handle table grows with the
 * program's handle slots and holds what is live.
 *
 * Sequential mode: one thread, bound to CPU 0 and moved by the `cpu` ops
 * (mm_cpu_bind), runs the operations in stream order.  --threads: one
 * thread per CPU, each running its CPU's operations in stream order; an
 * operation on a handle waits until the slot's sequence number
 * (mmb_replay.seqs[slot], release/acquire) reaches the op's `seq`, i.e.
 * until every earlier operation on that slot has run on whatever CPU; cache
 * ops wait on the cache's `done` count the same way (create and destroy
 * wait for every earlier op on the cache, alloc and free for the create).
 * A process's operations (fault, unmap, pin, unpin) wait on its slot's
 * `done` count likewise: they run in stream order, the first making the
 * process; compact waits for nothing.
 * The earliest unfinished operation can always run, so this never
 * deadlocks.  Cross-CPU ordering is bounded: the threads meet at every
 * timeline point and at the end of every chunk (a barrier), so no CPU runs
 * more than one timeline interval (or one chunk) ahead of another.
 *
 * Movable pages: the sequential replay registers itself as a
 * movable_operations owner and marks every page it allocates with
 * __GFP_MOVABLE movable, its handle slot the private word; migration
 * (compaction, migrate_pages) then moves them and rewrites the handle
 * table, so a trace's movable allocations are migratable without the trace
 * knowing.  Not with --threads (a handle may be in flight on another
 * replay thread while a migration rewrites it), nor with kcompactd=thread
 * (its migrations would race with the replayer's reads of the table): the
 * pages stay unmovable then.
 *
 * Timing: the TSC is read once per operation (the end of one is the start
 * of the next), the difference goes to a log-linear histogram per kind (16
 * sub-buckets per power of two, < 6.25% error); ticks become ns with the
 * TSC rate measured over the whole replay against CLOCK_MONOTONIC.  Time
 * the library spent populating simulated RAM (prefault=pageblock) is taken
 * out of the operation that paid it: an operation slower than SLOW_TICKS
 * asks the library how long its CPU spent populating since the last ask.
 * replay_s is the replay's wall time without that and without timeline
 * sampling.
 *
 * Breakdown (breakdown.c): the sequential libmm replay keeps each
 * operation's outcome, time (and a failure's reason, read from the machine
 * at once) and hands the span to mmb_bd_span() afterwards, out of the
 * timings (like sampling).
 *
 * Timeline: a sample every `sample_every` operations, at exact operation
 * counts (deterministic).  When the number of operations is known ahead
 * (the input fitted one buffer) the spacing is ops / points; for a stream
 * it starts at a power of two and doubles, every other sample dropped,
 * whenever 2 * points samples are held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "workload.h"


#define SLOW_TICKS 20000u       /* a prefaulting op takes >= 50 us: >> this */
#define STREAM_EVERY0 8192u     /* first spacing of a stream's timeline */
#define SEQ_SPAN 65536u         /* operations the sequential replay runs at a time */

double mmb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t ticks(void)
{
	return __rdtsc();
}

/* ---- histogram ----------------------------------------------------------- */

/* Lower bound and width of bucket b, in ticks. */
static void hist_range(unsigned b, double *lo, double *width)
{
	unsigned msb, sub;

	if (b < 32) {
		*lo = b;
		*width = 1;
		return;
	}
	msb = b / MMB_HIST_SUB + 3;
	sub = b % MMB_HIST_SUB;
	*lo = (double)((uint64_t)(MMB_HIST_SUB + sub) << (msb - 4));
	*width = (double)(1ull << (msb - 4));
}

double mmb_stat_quantile(const struct mmb_stat *st, double ns_per_tick, double q)
{
	unsigned long want, seen = 0;
	double lo, width;

	if (!st->timed)
		return 0;
	want = (unsigned long)(q * (double)st->timed);
	if (want >= st->timed)
		want = st->timed - 1;
	for (unsigned b = 0; b < MMB_HIST_BUCKETS; b++) {
		if (seen + st->hist[b] > want) {
			hist_range(b, &lo, &width);
			/* interpolate inside the bucket */
			return (lo + width * ((double)(want - seen) + 0.5) / st->hist[b]) * ns_per_tick;
		}
		seen += st->hist[b];
	}
	return 0;
}

double mmb_stat_mean(const struct mmb_stat *st, double ns_per_tick)
{
	return st->timed ? (double)st->ticks * ns_per_tick / (double)st->timed : 0;
}

void mmb_stat_add(struct mmb_stat *d, const struct mmb_stat *s)
{
	d->count += s->count;
	d->failed += s->failed;
	d->injected += s->injected;
	d->skipped += s->skipped;
	d->ticks += s->ticks;
	d->timed += s->timed;
	for (int b = 0; b < MMB_HIST_BUCKETS; b++)
		d->hist[b] += s->hist[b];
}

/* ---- executing one operation ------------------------------------------------ */

/* What an operation needs besides itself: the tables and where live
 * requested bytes are counted (per thread). */
struct exec_ctx {
	struct mm *m;
	struct mmb_handle *h;           /* the run's handle table */
	struct mmb_cache *caches;       /* the program's cache table */
	const unsigned long *sites;     /* page_owner=1: op->site -> the library's
	                                   site (mm_site_register); NULL when off */
	struct mmb_proc *procs;         /* the program's process table */
	const struct mmb_area *areas;   /* the program's CMA area table */
	struct mm_movable_owner *owner; /* marks __GFP_MOVABLE pages (or NULL) */
	uint64_t live, peak;            /* requested bytes live, and the most */
};

/* An allocation's call site for the library: its @site / trace caller, or
 * "(no call site)" (perf's mm_page_alloc has none, nor a workload line
 * without @SITE). */
#define SITE(x, op) ((x)->sites[(op)->site])

static inline __attribute__((always_inline))
void live_add(struct exec_ctx *x, struct mmb_handle *h, uint64_t size)
{
	h->size = size;
	x->live += size;
	if (x->live > x->peak)
		x->peak = x->live;
}

static inline __attribute__((always_inline))
int exec_libmm(struct exec_ctx *x, const struct mmb_op *op)
{
	struct mmb_handle *h = &x->h[op->handle];
	struct mm *m = x->m;
	void *q;

	switch (op->kind) {
	case OP_ALLOC_PAGES:
		h->ptr = __builtin_expect(x->sites != NULL, 0) ?
			 mm_alloc_pages_site(m, op->flags, op->order, SITE(x, op)) :
			 mm_alloc_pages(m, op->flags, op->order);
		if (!h->ptr)
			return MMB_RES_FAIL;
		if (x->owner && (op->flags & __GFP_MOVABLE))
			mm_page_set_movable(m, h->ptr, x->owner, op->handle);
		live_add(x, h, MM_PAGE_SIZE << op->order);
		return MMB_RES_OK;
	case OP_FREE_PAGES:
		if (!(q = h->ptr))
			return MMB_RES_SKIP;
		h->ptr = NULL;
		x->live -= h->size;
		return mm_free_pages(m, q, op->order) ? MMB_RES_FAIL : MMB_RES_OK;
	case OP_FAULT:
	case OP_UNMAP:
	case OP_PIN:
	case OP_UNPIN:
	case OP_COMPACT:
		return mmb_exec_movable(m, x->procs, op) ? MMB_RES_FAIL : MMB_RES_OK;
	case OP_CMA_ALLOC:
	case OP_CONTIG_ALLOC:
		if (mmb_exec_contig(m, x->areas, h, op))
			return MMB_RES_FAIL;
		live_add(x, h, op->size * MM_PAGE_SIZE);
		return MMB_RES_OK;
	case OP_CMA_RELEASE:
	case OP_CONTIG_FREE:
		if (!h->ptr)
			return MMB_RES_SKIP;
		x->live -= h->size;
		return mmb_exec_contig(m, x->areas, h, op) ? MMB_RES_FAIL : MMB_RES_OK;
	case OP_KMALLOC:
		h->ptr = __builtin_expect(x->sites != NULL, 0) ?
			 mm_kmalloc_site(m, op->size, op->flags, SITE(x, op)) :
			 mm_kmalloc(m, op->size, op->flags);
		if (!h->ptr)
			return MMB_RES_FAIL;
		live_add(x, h, op->size);
		return MMB_RES_OK;
	case OP_KREALLOC:
		q = __builtin_expect(x->sites != NULL, 0) ?
		    mm_krealloc_site(m, h->ptr, op->size, op->flags, SITE(x, op)) :
		    mm_krealloc(m, h->ptr, op->size, op->flags);
		if (!q && op->size)
			return MMB_RES_FAIL;          /* the old object stays */
		x->live -= h->size;
		h->ptr = q;
		live_add(x, h, op->size);
		return MMB_RES_OK;
	case OP_KFREE:
		if (!(q = h->ptr))
			return MMB_RES_SKIP;
		h->ptr = NULL;
		x->live -= h->size;
		return mm_kfree(m, q) ? MMB_RES_FAIL : MMB_RES_OK;
	case OP_CACHE_CREATE: {
		struct mmb_cache *c = &x->caches[op->handle];

		c->cache = mm_kmem_cache_create(m, c->name, op->size, op->align, op->flags, NULL);
		return c->cache ? MMB_RES_OK : MMB_RES_FAIL;
	}
	case OP_CACHE_ALLOC:
		if (!x->caches[op->cache].cache) {
			h->ptr = NULL;
			return MMB_RES_SKIP;
		}
		h->ptr = __builtin_expect(x->sites != NULL, 0) ?
			 mm_kmem_cache_alloc_site(x->caches[op->cache].cache, op->flags,
						  SITE(x, op)) :
			 mm_kmem_cache_alloc(x->caches[op->cache].cache, op->flags);
		if (!h->ptr)
			return MMB_RES_FAIL;
		live_add(x, h, op->size);
		return MMB_RES_OK;
	case OP_CACHE_FREE:
		if (!(q = h->ptr))
			return MMB_RES_SKIP;
		h->ptr = NULL;
		x->live -= h->size;
		return mm_kmem_cache_free(x->caches[op->cache].cache, q) ? MMB_RES_FAIL : MMB_RES_OK;
	case OP_CACHE_DESTROY: {
		struct mmb_cache *c = &x->caches[op->handle];

		if (!c->cache)
			return MMB_RES_SKIP;
		q = c->cache;
		c->cache = NULL;
		return mm_kmem_cache_destroy(q) ? MMB_RES_FAIL : MMB_RES_OK;
	}
	case OP_VMALLOC:
		h->ptr = __builtin_expect(x->sites != NULL, 0) ?
			 mm_vmalloc_site(m, op->size, SITE(x, op)) : mm_vmalloc(m, op->size);
		if (!h->ptr)
			return MMB_RES_FAIL;
		live_add(x, h, op->size);
		return MMB_RES_OK;
	case OP_VFREE:
		if (!(q = h->ptr))
			return MMB_RES_SKIP;
		h->ptr = NULL;
		x->live -= h->size;
		return mm_vfree(m, q) ? MMB_RES_FAIL : MMB_RES_OK;
	case OP_CPU:
		mm_cpu_bind(m, op->cpu);
		return MMB_RES_NONE;
	case OP_FAULT_INJECT:
		mmb_fault_apply(m, op);
		return MMB_RES_NONE;
	}
	return MMB_RES_NONE;
}

/* --backend malloc: the same stream through malloc/free (pages and vmalloc
 * areas as page-aligned / plain blocks of their size, __GFP_ZERO zeroes). */
static inline __attribute__((always_inline))
int exec_malloc(struct exec_ctx *x, const struct mmb_op *op)
{
	struct mmb_handle *h = &x->h[op->handle];
	void *q;

	switch (op->kind) {
	case OP_ALLOC_PAGES:
		if (posix_memalign(&h->ptr, MM_PAGE_SIZE, MM_PAGE_SIZE << op->order)) {
			h->ptr = NULL;
			return MMB_RES_FAIL;
		}
		if (op->flags & __GFP_ZERO)
			memset(h->ptr, 0, MM_PAGE_SIZE << op->order);
		live_add(x, h, MM_PAGE_SIZE << op->order);
		return MMB_RES_OK;
	case OP_KMALLOC:
	case OP_CACHE_ALLOC:
	case OP_VMALLOC:
		if (op->kind == OP_CACHE_ALLOC && !x->caches[op->cache].cache) {
			h->ptr = NULL;
			return MMB_RES_SKIP;
		}
		h->ptr = op->flags & __GFP_ZERO ? calloc(1, op->size) : malloc(op->size);
		if (!h->ptr && op->size)
			return MMB_RES_FAIL;
		live_add(x, h, op->size);
		return MMB_RES_OK;
	case OP_KREALLOC:
		if (!op->size) {        /* krealloc(p, 0): freed, ZERO_SIZE_PTR back */
			free(h->ptr);
			h->ptr = malloc(0);
		} else {
			q = realloc(h->ptr, op->size);
			if (!q)
				return MMB_RES_FAIL;
			h->ptr = q;
		}
		x->live -= h->size;
		live_add(x, h, op->size);
		return MMB_RES_OK;
	case OP_FREE_PAGES:
	case OP_KFREE:
	case OP_CACHE_FREE:
	case OP_VFREE:
		if (!(q = h->ptr))
			return MMB_RES_SKIP;        /* its allocation failed, as with libmm */
		h->ptr = NULL;
		x->live -= h->size;
		free(q);
		return MMB_RES_OK;
	case OP_CACHE_CREATE:
		/* a cache is its object size; any non-NULL token will do */
		x->caches[op->handle].cache = &x->caches[op->handle].size;
		return MMB_RES_OK;
	case OP_CACHE_DESTROY:
		if (!x->caches[op->handle].cache)
			return MMB_RES_SKIP;
		x->caches[op->handle].cache = NULL;
		return MMB_RES_OK;
	case OP_FAULT:
	case OP_UNMAP:
	case OP_PIN:
	case OP_UNPIN:
	case OP_COMPACT:
	case OP_CMA_ALLOC:
	case OP_CMA_RELEASE:
	case OP_CONTIG_ALLOC:
	case OP_CONTIG_FREE:
		return MMB_RES_SKIP;    /* no processes, compaction or CMA in malloc */
	}
	return MMB_RES_NONE;
}

/* A failure fault injection forced counts apart (fault.c). */
static inline __attribute__((always_inline)) int injected(struct mm *m, int res)
{
	return __builtin_expect(res == MMB_RES_FAIL, 0) && m && mm_last_fault_injected(m) ? MMB_RES_INJECTED
									       : res;
}

/* ---- the replay's own state ------------------------------------------------------ */

struct mmb_worker;

/* The barrier the --threads workers meet at: main publishes a span (gen++),
 * every worker runs its part and counts itself done. */
struct span_sync {
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	unsigned long gen;              /* spans published */
	int ndone;                      /* workers done with the current span */
	int quit;
	const struct mmb_op *ops;       /* the current span's operations */
};

struct mmb_replay {
	struct exec_ctx x;              /* sequential mode's tables and live bytes */
	int cpu;                        /* sequential: the CPU the replayer is bound to */
	struct mmb_handle *handles;     /* run-time handle table [handles_cap] */
	_Atomic uint32_t *seqs;         /* --threads: operations done per slot [handles_cap] */
	uint32_t handles_cap;
	size_t sample_every, next_sample;       /* timeline spacing (ops) */
	size_t tick_left;               /* operations before the next mm_tick() */
	double wall_s, sample_s;        /* replay wall time; time spent sampling
	                                   and breaking down */
	uint8_t *bd_res;                /* sequential libmm replay: a span's outcomes */
	uint32_t *bd_dt;                /* ... and times, for breakdown.c */
	uint64_t k0;                    /* TSC at the start */
	double t0;                      /* clock at the start */
	long ru_minflt, ru_majflt;      /* getrusage counts while replaying */
	unsigned long rss_before_kib;   /* the process's peak RSS before the replay */
	unsigned long pf0_ns, pf0_minflt, pf0_blocks;   /* the machine's at start */
	unsigned long *pf_seen;         /* [cpu]: prefault ns already taken out */
	unsigned long *site_map;        /* page_owner=1: [prog site id] -> library site */
	uint32_t sites_mapped;          /* prog sites registered so far */
	struct mmb_worker **workers;    /* --threads: [MM_MAX_CPUS], by CPU */
	int nworkers;
	struct span_sync sync;
};

/* ---- prefault: taking the library's population time out ------------------------ */

/* Ticks CPU cpu spent populating simulated RAM since the last call for it
 * (at most dt: the operation's own duration).  now = the TSC. */
static uint64_t prefault_ticks(struct mmb_run *r, int cpu, uint64_t now, uint64_t dt)
{
	struct mm_prefault_info pi;
	double ns, rate;
	uint64_t t;

	struct mmb_replay *rp = r->priv;

	if (!r->m || mm_prefault_info(r->m, cpu, &pi) || pi.ns == rp->pf_seen[cpu])
		return 0;
	ns = (double)(pi.ns - rp->pf_seen[cpu]);
	rp->pf_seen[cpu] = pi.ns;
	rate = (double)(now - rp->k0) / ((mmb_now() - rp->t0) * 1e9);  /* ticks per ns */
	t = (uint64_t)(ns * rate);
	return t < dt ? t : dt;
}

/* ---- timeline ------------------------------------------------------------------ */

static unsigned long rss_kib(void)
{
	static long page_kib;
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!page_kib)
		page_kib = sysconf(_SC_PAGESIZE) / 1024;
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (unsigned long)page_kib;
}

unsigned long mmb_proc_kib(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t n = strlen(key);
	unsigned long kib = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':' &&
		    sscanf(line + n + 1, "%lu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* The process's peak resident memory: VmHWM, not getrusage's ru_maxrss,
 * which keeps the parent's from before exec. */
static unsigned long rss_peak_kib(void)
{
	return mmb_proc_kib("/proc/self/status", "VmHWM");
}

/* The peak so far, then VmHWM restarted from the current RSS (Linux 4.0:
 * "5" to clear_refs), so that the end of the replay reads its own peak. */
static unsigned long rss_peak_restart(void)
{
	unsigned long peak = rss_peak_kib();
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {          /* failing (an old kernel): the process's peak at the end */
		ssize_t w = write(fd, "5", 1);

		(void)w;
		close(fd);
	}
	return peak;
}

static uint64_t live_now(struct mmb_run *r);

static void sample(struct mmb_run *r, double t_s)
{
	struct mmb_sample *s;
	struct mm_zone_info zi;
	double t0 = mmb_now();
	int n = 0;

	if (!r->timeline_points)
		return;
	if (r->ntimeline == r->timeline_cap) {
		r->timeline_cap = r->timeline_cap ? r->timeline_cap * 2 : 256;
		r->timeline = mmb_xrealloc(r->timeline, r->timeline_cap * sizeof(*r->timeline));
	}
	s = &r->timeline[r->ntimeline++];
	memset(s, 0, sizeof(*s));
	s->op = r->done;
	s->t_s = t_s;
	s->live_bytes = live_now(r);
	s->host_rss_kib = rss_kib();
	if (r->m) {
		int cap = mm_nr_nodes(r->m) * MM_MAX_NR_ZONES;

		s->slab_pages = (unsigned long)(mm_vmstat_read(r->m, "nr_slab_reclaimable") +
						mm_vmstat_read(r->m, "nr_slab_unreclaimable"));
		s->mixed_pageblocks = mm_mixed_pageblocks(r->m);
		s->z = mmb_xrealloc(NULL, (size_t)cap * sizeof(*s->z));
		memset(s->z, 0, (size_t)cap * sizeof(*s->z));
		for (int nid = 0; nid < mm_nr_nodes(r->m); nid++)
			for (int z = 0; z < MM_MAX_NR_ZONES; z++) {
				struct mm_pcp_info pi;

				if (mm_zone_info(r->m, nid, z, &zi) || !zi.managed)
					continue;
				for (int c = 0; c < mm_nr_cpus(r->m); c++)
					if (!mm_pcp_info(r->m, c, nid, z, &pi))
						s->pcp_pages += (unsigned long)pi.count;
				s->z[n].node = nid;
				s->z[n].zone = z;
				s->z[n].free = zi.free;
				s->z[n].min = zi.min;
				s->z[n].low = zi.low;
				s->z[n].high = zi.high;
				for (int t = 0; t < MM_MIGRATE_TYPES; t++)
					for (unsigned o = 0; o <= mm_max_order(r->m); o++)
						s->z[n].free_mt[t] += zi.nr_free_mt[t][o] << o;
				memcpy(s->z[n].nr_free, zi.nr_free, sizeof(zi.nr_free));
				n++;
			}
		for (int i = 0; i < MMB_NR_COMPACT; i++) {
			long v = mm_vmstat_read(r->m, mmb_compact_names[i]);

			s->compact[i] = v > 0 ? (unsigned long)v : 0;
		}
		mmb_cma_sample(r->m, &s->cma);
	}
	s->nzones = n;
	r->priv->sample_s += mmb_now() - t0;
}

/* The stream's timeline spacing doubles: every other sample goes. */
static void thin_timeline(struct mmb_run *r)
{
	struct mmb_replay *rp = r->priv;
	size_t k = 0;

	rp->sample_every *= 2;
	for (size_t i = 0; i < r->ntimeline; i++) {
		if (r->timeline[i].op % rp->sample_every) {
			free(r->timeline[i].z);
			continue;
		}
		r->timeline[k++] = r->timeline[i];
	}
	r->ntimeline = k;
	rp->next_sample = (r->done / rp->sample_every + 1) * rp->sample_every;
}

/* At a sample point (r->done == next_sample). */
static void sample_point(struct mmb_run *r, double t_s)
{
	sample(r, t_s);
	r->priv->next_sample += r->priv->sample_every;
	if (!r->expect_ops && r->ntimeline > 2 * (size_t)r->timeline_points)
		thin_timeline(r);
}

/* ---- sequential replay ------------------------------------------------------------ */

/* Runs ops[a, b) on one thread. */
static void run_seq(struct mmb_run *r, const struct mmb_op *ops, size_t a, size_t b)
{
	struct mmb_replay *rp = r->priv;
	uint64_t t = ticks();

	for (size_t i = a; i < b; i++) {
		const struct mmb_op *op = &ops[i];
		int res = r->m ? injected(r->m, exec_libmm(&rp->x, op)) : exec_malloc(&rp->x, op);
		uint64_t t2 = ticks(), dt = t2 - t;

		if (op->kind == OP_CPU)
			rp->cpu = op->cpu;
		if (__builtin_expect(dt > SLOW_TICKS, 0))
			dt -= prefault_ticks(r, rp->cpu, t2, dt);
		mmb_stat_account(&r->stat[op->kind], res, dt);
		if (rp->bd_res) {       /* broken down after the span, out of the timings */
			int reason = __builtin_expect(res == MMB_RES_FAIL || res == MMB_RES_INJECTED, 0) ?
				     mmb_bd_reason(r->m, op, res) : 0;

			rp->bd_res[i - a] = (uint8_t)(res | reason << 4);
			rp->bd_dt[i - a] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
		}
		t = t2;
		/* counted operations only: not cpu switches nor fault_inject knobs */
		if (__builtin_expect(op->kind < OP_NR_KINDS && !--rp->tick_left, 0)) {
			if (r->m)
				mm_tick(r->m, 1);       /* vmstat_update's turn, untimed */
			rp->tick_left = r->tick_every;
			t = ticks();
		}
	}
}

/* ---- --threads -------------------------------------------------------------------- */

struct mmb_worker {                     /* one replay thread = one CPU */
	struct mmb_run *r;
	int cpu;                        /* the CPU it binds */
	uint32_t *idx;                  /* this CPU's operations of the current span */
	size_t n, cap;
	struct exec_ctx x;
	struct mmb_stat stat[OP_NR_KINDS + 2];  /* its own counters, summed at the end */
	int err;                        /* could not bind its CPU */
	pthread_t tid;
};

static inline void spin_until(int (*ready)(const void *, uint32_t), const void *obj, uint32_t v)
{
	for (unsigned spins = 0; !ready(obj, v); spins++) {
		if (spins < 64)
			_mm_pause();
		else
			sched_yield();
	}
}

static int handle_ready(const void *seq, uint32_t v)
{
	return atomic_load_explicit((_Atomic uint32_t *)seq, memory_order_acquire) == v;
}

static int cache_eq(const void *c, uint32_t v)
{
	return atomic_load_explicit(&((const struct mmb_cache *)c)->done, memory_order_acquire) == v;
}

static int cache_ge(const void *c, uint32_t v)
{
	return atomic_load_explicit(&((const struct mmb_cache *)c)->done, memory_order_acquire) >= v;
}

static int proc_ready(const void *pr, uint32_t v)
{
	return atomic_load_explicit(&((const struct mmb_proc *)pr)->done, memory_order_acquire) == v;
}

static void worker_span(struct mmb_worker *w, const struct mmb_op *ops)
{
	struct mmb_run *r = w->r;

	for (size_t k = 0; k < w->n; k++) {
		const struct mmb_op *op = &ops[w->idx[k]];
		_Atomic uint32_t *seq = &r->priv->seqs[op->handle];
		struct mmb_cache *c = NULL;
		struct mmb_proc *pr = NULL;
		/* the kinds before OP_FAULT (the process ops) name handle slots */
		int hop = op->kind != OP_CACHE_CREATE && op->kind != OP_CACHE_DESTROY &&
			  op->kind < OP_FAULT;

		if (hop)
			spin_until(handle_ready, seq, op->seq);
		if (op->kind == OP_CACHE_CREATE || op->kind == OP_CACHE_DESTROY) {
			c = &w->x.caches[op->handle];
			spin_until(cache_eq, c, op->cseq);
		} else if (op->kind == OP_CACHE_ALLOC || op->kind == OP_CACHE_FREE) {
			c = &w->x.caches[op->cache];
			spin_until(cache_ge, c, op->cseq);
		} else if (op->kind >= OP_FAULT && op->kind <= OP_UNPIN) {
			pr = &w->x.procs[op->handle];
			spin_until(proc_ready, pr, op->cseq);
		}
		uint64_t t = ticks();
		int res = r->m ? injected(r->m, exec_libmm(&w->x, op)) : exec_malloc(&w->x, op);
		uint64_t t2 = ticks(), dt = t2 - t;

		if (__builtin_expect(dt > SLOW_TICKS, 0))
			dt -= prefault_ticks(r, w->cpu, t2, dt);
		mmb_stat_account(&w->stat[op->kind], res, dt);
		if (hop)
			atomic_store_explicit(seq, op->seq + 1, memory_order_release);
		if (c)
			atomic_fetch_add_explicit(&c->done, 1, memory_order_release);
		if (pr)
			atomic_fetch_add_explicit(&pr->done, 1, memory_order_release);
	}
}

static void *worker_main(void *arg)
{
	struct mmb_worker *w = arg;
	struct mmb_run *r = w->r;
	struct span_sync *sy = &r->priv->sync;
	unsigned long seen = 0;

	if (r->m && mm_cpu_bind(r->m, w->cpu))
		w->err = 1;
	pthread_mutex_lock(&sy->lock);
	for (;;) {
		while (sy->gen == seen && !sy->quit)
			pthread_cond_wait(&sy->go, &sy->lock);
		if (sy->quit)
			break;
		seen = sy->gen;
		pthread_mutex_unlock(&sy->lock);
		if (!w->err)
			worker_span(w, sy->ops);
		pthread_mutex_lock(&sy->lock);
		if (++sy->ndone == r->priv->nworkers)
			pthread_cond_signal(&sy->done);
	}
	pthread_mutex_unlock(&sy->lock);
	if (r->m && !w->err)
		mm_cpu_unbind(r->m);
	return NULL;
}

/* Threads for CPUs 0..ncpu-1 (more when the stream names more). */
static void add_workers(struct mmb_run *r, int ncpu)
{
	struct mmb_replay *rp = r->priv;

	for (int c = rp->nworkers; c < ncpu && c < MM_MAX_CPUS; c++) {
		struct mmb_worker *w = calloc(1, sizeof(*w));

		if (!w)
			mmb_oom(0);
		w->r = r;
		w->cpu = c;
		w->x.m = r->m;
		rp->workers[c] = w;
		pthread_mutex_lock(&rp->sync.lock);
		rp->nworkers++;
		pthread_mutex_unlock(&rp->sync.lock);
		if (pthread_create(&w->tid, NULL, worker_main, w)) {
			fprintf(stderr, "mmbench: cannot create a thread\n");
			exit(3);
		}
	}
}

/* Runs ops[a, b) on the workers and waits for all of them. */
static int run_threads(struct mmb_run *r, const struct mmb_op *ops, size_t a, size_t b)
{
	struct mmb_replay *rp = r->priv;
	struct span_sync *sy = &rp->sync;
	int err = 0;

	for (int c = 0; c < rp->nworkers; c++) {
		rp->workers[c]->n = 0;
		rp->workers[c]->x.h = rp->handles;
		rp->workers[c]->x.caches = r->prog->caches;
		rp->workers[c]->x.sites = rp->x.sites;
		rp->workers[c]->x.procs = r->prog->procs;
		rp->workers[c]->x.areas = r->prog->areas;
	}
	for (size_t i = a; i < b; i++) {
		struct mmb_worker *w;

		if (ops[i].kind == OP_CPU)
			continue;
		w = rp->workers[ops[i].cpu];
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			w->idx = mmb_xrealloc(w->idx, w->cap * sizeof(*w->idx));
		}
		w->idx[w->n++] = (uint32_t)i;
	}
	pthread_mutex_lock(&sy->lock);
	sy->ops = ops;
	sy->ndone = 0;
	sy->gen++;
	pthread_cond_broadcast(&sy->go);
	while (sy->ndone < rp->nworkers)
		pthread_cond_wait(&sy->done, &sy->lock);
	pthread_mutex_unlock(&sy->lock);
	for (int c = 0; c < rp->nworkers; c++)
		err |= rp->workers[c]->err;
	return err ? -1 : 0;
}

/* Joins the workers and sums their counters into the run's. */
static int stop_workers(struct mmb_run *r)
{
	struct mmb_replay *rp = r->priv;
	struct span_sync *sy = &rp->sync;
	int err = 0;

	pthread_mutex_lock(&sy->lock);
	sy->quit = 1;
	pthread_cond_broadcast(&sy->go);
	pthread_mutex_unlock(&sy->lock);
	for (int c = 0; c < rp->nworkers; c++) {
		struct mmb_worker *w = rp->workers[c];

		pthread_join(w->tid, NULL);
		for (int k = 0; k < OP_NR_KINDS + 2; k++)
			mmb_stat_add(&r->stat[k], &w->stat[k]);
		r->live_bytes += w->x.live;     /* modulo 2^64: frees on other CPUs */
		err |= w->err;
		free(w->idx);
		free(w);
		rp->workers[c] = NULL;
	}
	rp->nworkers = 0;
	return err;
}

/* ---- the replayer as the owner of its movable pages ------------------------------------- */

/* migrate_page: the contents are at dst already; the handle now holds it. */
static int replay_migrate_page(void *arg, struct page *dst, struct page *src,
			       unsigned long slot, int mode)
{
	struct mmb_replay *rp = arg;

	(void)mode;
	if (slot >= rp->handles_cap || rp->handles[slot].ptr != src)
		return -EINVAL;
	rp->handles[slot].ptr = dst;
	return 0;
}

static const struct mm_movable_operations replay_mops = {
	.migrate_page = replay_migrate_page,
};

/* Whether another thread may migrate pages while the replay runs. */
static int migrates_concurrently(struct mm *m)
{
	char *cfg = mm_config_string(m);
	int ret = !cfg || strstr(cfg, "kcompactd=thread") != NULL;

	mm_free_string(cfg);
	return ret;
}

/* ---- the replay ------------------------------------------------------------------------ */

static uint64_t live_now(struct mmb_run *r)
{
	struct mmb_replay *rp = r->priv;
	uint64_t s = 0;

	if (!r->threads)
		return rp->x.live;
	if (!rp->nworkers)
		return r->live_bytes;           /* summed when the workers stopped */
	for (int c = 0; c < rp->nworkers; c++)
		s += rp->workers[c]->x.live;
	return s;
}

static void rusage_counts(long *minflt, long *majflt)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*minflt = ru.ru_minflt;
	*majflt = ru.ru_majflt;
}

int mmb_replay_begin(struct mmb_run *r)
{
	int ncpu = r->m ? mm_nr_cpus(r->m) : MM_MAX_CPUS;
	struct mmb_replay *rp = calloc(1, sizeof(*rp));
	struct mm_prefault_info pi;

	if (!rp)
		mmb_oom(0);
	r->priv = rp;
	memset(r->stat, 0, sizeof(r->stat));
	memset(&r->host, 0, sizeof(r->host));
	r->done = 0;
	r->replay_s = 0;
	r->live_bytes = r->peak_live_bytes = 0;
	rp->pf_seen = calloc((size_t)ncpu, sizeof(*rp->pf_seen));
	if (!rp->pf_seen)
		mmb_oom(0);
	for (int c = 0; r->m && c < ncpu; c++)
		if (!mm_prefault_info(r->m, c, &pi))
			rp->pf_seen[c] = pi.ns;
	if (r->m && !mm_prefault_info(r->m, -1, &pi)) {
		rp->pf0_ns = pi.ns;
		rp->pf0_minflt = pi.minflt;
		rp->pf0_blocks = pi.pageblocks;
	}
	rp->x.m = r->m;
	mmb_bd_init(&r->bd);
	r->bd.on = r->m && !r->threads;
	if (r->bd.on) {
		rp->bd_res = mmb_xrealloc(NULL, SEQ_SPAN * sizeof(*rp->bd_res));
		rp->bd_dt = mmb_xrealloc(NULL, SEQ_SPAN * sizeof(*rp->bd_dt));
	}
	mmb_prog_rerun(r->prog);
	rp->sample_every = !r->expect_ops ? STREAM_EVERY0 :
			   r->expect_ops / (size_t)(r->timeline_points ? r->timeline_points : 1);
	if (!rp->sample_every)
		rp->sample_every = 1;
	rp->next_sample = rp->sample_every;
	rp->tick_left = r->tick_every ? r->tick_every : (size_t)-1;
	rp->rss_before_kib = rss_peak_restart();
	r->host.rss_start_kib = rss_kib();
	rp->t0 = mmb_now();
	rp->k0 = ticks();
	sample(r, 0);
	if (r->threads) {
		rp->workers = calloc(MM_MAX_CPUS, sizeof(*rp->workers));
		if (!rp->workers)
			mmb_oom(0);
		pthread_mutex_init(&rp->sync.lock, NULL);
		pthread_cond_init(&rp->sync.go, NULL);
		pthread_cond_init(&rp->sync.done, NULL);
		add_workers(r, r->m ? ncpu : r->prog->max_cpu + 1);
	} else if (r->m) {
		mm_cpu_bind(r->m, 0);
		/* the machine's destruction unregisters it */
		if (!migrates_concurrently(r->m))
			rp->x.owner = mm_movable_owner_register(r->m, "mmbench", &replay_mops, rp);
	}
	return 0;
}

/* page_owner=1: the program's new call sites registered with the library
 * (the replay passes them through the _site entry points). */
static void map_sites(struct mmb_run *r)
{
	struct mmb_replay *rp = r->priv;
	struct mmb_prog *p = r->prog;

	if (!r->m || !mm_page_owner_enabled(r->m))
		return;
	if (!rp->site_map || rp->sites_mapped < p->nsites) {
		rp->site_map = mmb_xrealloc(rp->site_map, (p->nsites + 1) * sizeof(*rp->site_map));
		rp->site_map[0] = mm_site_register(r->m, "(no call site) func:unknown");
	}
	for (; rp->sites_mapped < p->nsites; rp->sites_mapped++)
		rp->site_map[rp->sites_mapped + 1] = mm_site_register(r->m,
								      p->site_names[rp->sites_mapped]);
	rp->x.sites = rp->site_map;
}

/* The handle table covers every slot the program made so far. */
static void grow_handles(struct mmb_run *r)
{
	struct mmb_replay *rp = r->priv;
	uint32_t n = r->prog->nhandles, cap = rp->handles_cap;

	if (n <= cap && rp->handles)
		return;
	while (cap < n)
		cap = cap ? cap * 2 : 4096;
	if (!cap)
		cap = 4096;
	rp->handles = mmb_xrealloc(rp->handles, (size_t)cap * sizeof(*rp->handles));
	memset(rp->handles + rp->handles_cap, 0,
	       (size_t)(cap - rp->handles_cap) * sizeof(*rp->handles));
	if (r->threads) {
		rp->seqs = mmb_xrealloc(rp->seqs, (size_t)cap * sizeof(*rp->seqs));
		memset(rp->seqs + rp->handles_cap, 0,
		       (size_t)(cap - rp->handles_cap) * sizeof(*rp->seqs));
	}
	rp->handles_cap = cap;
	rp->x.h = rp->handles;
}

int mmb_replay_chunk(struct mmb_run *r)
{
	struct mmb_replay *rp = r->priv;
	struct mmb_prog *p = r->prog;
	const struct mmb_op *ops = p->ops;
	size_t n = p->nops, i = 0;
	long mf0, mj0, mf1, mj1;
	double c0 = mmb_now(), wall0 = rp->wall_s;
	int ret = 0;

	grow_handles(r);
	map_sites(r);
	rp->x.caches = p->caches;
	rp->x.procs = p->procs;
	rp->x.areas = p->areas;
	if (r->threads && !r->m && p->max_cpu >= rp->nworkers)
		add_workers(r, p->max_cpu + 1);
	while (i < n && !ret) {
		size_t b = n - i, until = rp->next_sample - r->done;

		if (r->timeline_points && b > until)
			b = until;
		if (!r->threads && b > SEQ_SPAN)
			b = SEQ_SPAN;
		rusage_counts(&mf0, &mj0);
		if (r->threads) {
			ret = run_threads(r, ops, i, i + b);
		} else {
			int cpu0 = rp->cpu;

			run_seq(r, ops, i, i + b);
			if (rp->bd_res) {
				double t0 = mmb_now();

				mmb_bd_span(&r->bd, r->m, p->caches, ops + i, b, rp->bd_res, rp->bd_dt,
					    cpu0);
				rp->sample_s += mmb_now() - t0;
			}
		}
		rusage_counts(&mf1, &mj1);
		rp->ru_minflt += mf1 - mf0;
		rp->ru_majflt += mj1 - mj0;
		i += b;
		r->done += b;
		if (r->timeline_points && r->done == rp->next_sample)
			sample_point(r, wall0 + mmb_now() - c0 - rp->sample_s);
		if (r->tick && (r->done >> 16) != ((r->done - b) >> 16))
			r->tick(r->tick_arg, r->done);
	}
	rp->wall_s += mmb_now() - c0;
	return ret;
}

/* The cost of one first-touch page fault on this host, ns: 64 fresh pages
 * of a memfd (libmm's memory) or of anonymous memory (malloc's). */
static double fault_cost_ns(int memfd)
{
	enum { PAGES = 64 };
	size_t len = PAGES * 4096ul;
	int fd = memfd ? memfd_create("mmbench-fault-probe", MFD_CLOEXEC) : -1;
	char *p;
	double t0, t1;

	if (memfd && (fd < 0 || ftruncate(fd, (off_t)len))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, memfd ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS,
		 fd, 0);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		return 0;
	t0 = mmb_now();
	for (size_t off = 0; off < len; off += 4096)
		((volatile char *)p)[off] = 1;
	t1 = mmb_now();
	munmap(p, len);
	return (t1 - t0) * 1e9 / PAGES;
}

int mmb_replay_end(struct mmb_run *r)
{
	struct mmb_replay *rp = r->priv;
	struct mm_prefault_info pi;
	uint64_t k1;
	double t1;
	int err = 0;

	if (r->threads) {
		err = stop_workers(r);
		if (err)
			fprintf(stderr, "mmbench: a replay thread could not bind its CPU\n");
	} else {
		r->live_bytes = rp->x.live;
		r->peak_live_bytes = rp->x.peak;
		if (r->m)
			mm_cpu_unbind(r->m);
	}
	if (!r->ntimeline || r->timeline[r->ntimeline - 1].op != r->done)
		sample(r, rp->wall_s - rp->sample_s);
	for (size_t i = 0; r->threads && i < r->ntimeline; i++)   /* at the barriers */
		if (r->timeline[i].live_bytes > r->peak_live_bytes)
			r->peak_live_bytes = r->timeline[i].live_bytes;
	k1 = ticks();
	t1 = mmb_now();
	r->ns_per_tick = k1 > rp->k0 ? (t1 - rp->t0) * 1e9 / (double)(k1 - rp->k0) : 1.0;
	if (r->m && !mm_prefault_info(r->m, -1, &pi)) {
		r->host.prefault_s = (double)(pi.ns - rp->pf0_ns) * 1e-9;
		r->host.prefault_minflt = pi.minflt - rp->pf0_minflt;
		r->host.prefault_pageblocks = pi.pageblocks - rp->pf0_blocks;
	}
	r->host.minflt = (unsigned long)rp->ru_minflt > r->host.prefault_minflt ?
			 (unsigned long)rp->ru_minflt - r->host.prefault_minflt : 0;
	r->host.majflt = (unsigned long)rp->ru_majflt;
	if (r->host.minflt)
		r->host.fault_ns = fault_cost_ns(r->m != NULL);
	r->host.rss_replay_peak_kib = rss_peak_kib();
	r->host.rss_peak_kib = r->host.rss_replay_peak_kib > rp->rss_before_kib ?
			       r->host.rss_replay_peak_kib : rp->rss_before_kib;
	r->replay_s = rp->wall_s - rp->sample_s - r->host.prefault_s;
	if (r->replay_s < 0)
		r->replay_s = 0;
	if (r->threads) {
		pthread_mutex_destroy(&rp->sync.lock);
		pthread_cond_destroy(&rp->sync.go);
		pthread_cond_destroy(&rp->sync.done);
		free(rp->workers);
		rp->workers = NULL;
	}
	return err ? -1 : 0;
}

void mmb_free_objects(struct mmb_run *r)
{
	struct mmb_replay *rp = r->priv;

	if (r->m || !rp)
		return;         /* mm_destroy() takes everything back */
	for (uint32_t i = 0; i < rp->handles_cap; i++) {
		free(rp->handles[i].ptr);
		rp->handles[i].ptr = NULL;
	}
}

void *mmb_replay_handle(const struct mmb_run *r, uint32_t slot)
{
	return r->priv && slot < r->priv->handles_cap ? r->priv->handles[slot].ptr : NULL;
}

void mmb_run_free(struct mmb_run *r)
{
	mmb_bd_free(&r->bd);
	for (size_t i = 0; i < r->ntimeline; i++)
		free(r->timeline[i].z);
	free(r->timeline);
	r->timeline = NULL;
	r->ntimeline = r->timeline_cap = 0;
	if (r->priv) {
		free(r->priv->handles);
		free(r->priv->seqs);
		free(r->priv->pf_seen);
		free(r->priv->site_map);
		free(r->priv->bd_res);
		free(r->priv->bd_dt);
		free(r->priv);
		r->priv = NULL;
	}
}
