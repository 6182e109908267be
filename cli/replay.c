/*
 * cli/replay.c - runs a program (workload.h) against a libmm machine or the
 * process's malloc, timing every operation.
 *
 * Sequential mode: one thread, bound to CPU 0 and moved by the `cpu` ops
 * (mm_cpu_bind), runs the operations in file order.  --threads: one thread
 * per CPU named in the program, each running its CPU's operations in file
 * order; an operation on a handle waits until the slot's sequence number
 * (struct mmb_handle.seq, release/acquire) reaches the op's `seq`, i.e. until
 * every earlier operation on that handle has run on whatever CPU; cache ops
 * wait on the cache's `done` count the same way (create and destroy wait for
 * every earlier op on the cache, alloc and free for the create).  The
 * earliest unfinished operation in file order can always run, so this never
 * deadlocks.
 *
 * Timing: the TSC is read once per operation (the end of one is the start of
 * the next), the difference goes to a log-linear histogram per kind (16
 * sub-buckets per power of two, < 6.25% error); ticks become ns with the
 * TSC rate measured over the whole replay against CLOCK_MONOTONIC.
 *
 * Timeline: every `nops / timeline_points` operations (sequential mode: at
 * exactly those op counts, so the samples are deterministic) each zone's
 * free pages and buddyinfo are sampled with mm_zone_info(); in --threads
 * mode the first thread samples at its own boundaries.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "workload.h"

enum { RES_OK, RES_FAIL, RES_SKIP, RES_NONE, RES_INJECTED };

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

static inline unsigned hist_bucket(uint64_t v)
{
	unsigned msb;

	if (v < 32)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	return (msb - 3) * MMB_HIST_SUB + (unsigned)((v >> (msb - 4)) & (MMB_HIST_SUB - 1));
}

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

double mmb_stat_quantile(const struct mmb_run *r, int kind, double q)
{
	const struct mmb_stat *st = &r->stat[kind];
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
			return (lo + width * ((double)(want - seen) + 0.5) / st->hist[b]) *
			       r->ns_per_tick;
		}
		seen += st->hist[b];
	}
	return 0;
}

/* ---- executing one operation ------------------------------------------------ */

static inline __attribute__((always_inline))
int exec_libmm(struct mm *m, struct mmb_prog *p, const struct mmb_op *op)
{
	struct mmb_handle *h = &p->handles[op->handle];
	void *q;

	switch (op->kind) {
	case OP_ALLOC_PAGES:
		h->ptr = mm_alloc_pages(m, op->flags, op->order);
		return h->ptr ? RES_OK : RES_FAIL;
	case OP_FREE_PAGES:
		if (!(q = h->ptr))
			return RES_SKIP;
		h->ptr = NULL;
		return mm_free_pages(m, q, op->order) ? RES_FAIL : RES_OK;
	case OP_KMALLOC:
		h->ptr = mm_kmalloc(m, op->size, op->flags);
		return h->ptr ? RES_OK : RES_FAIL;
	case OP_KREALLOC:
		q = mm_krealloc(m, h->ptr, op->size, op->flags);
		if (!q && op->size)
			return RES_FAIL;          /* the old object stays */
		h->ptr = q;
		return RES_OK;
	case OP_KFREE:
		if (!(q = h->ptr))
			return RES_SKIP;
		h->ptr = NULL;
		return mm_kfree(m, q) ? RES_FAIL : RES_OK;
	case OP_CACHE_CREATE: {
		struct mmb_cache *c = &p->caches[op->handle];

		c->cache = mm_kmem_cache_create(m, c->name, op->size, op->align, op->flags, NULL);
		return c->cache ? RES_OK : RES_FAIL;
	}
	case OP_CACHE_ALLOC:
		if (!p->caches[op->cache].cache) {
			h->ptr = NULL;
			return RES_SKIP;
		}
		h->ptr = mm_kmem_cache_alloc(p->caches[op->cache].cache, op->flags);
		return h->ptr ? RES_OK : RES_FAIL;
	case OP_CACHE_FREE:
		if (!(q = h->ptr))
			return RES_SKIP;
		h->ptr = NULL;
		return mm_kmem_cache_free(p->caches[op->cache].cache, q) ? RES_FAIL : RES_OK;
	case OP_CACHE_DESTROY: {
		struct mmb_cache *c = &p->caches[op->handle];

		if (!c->cache)
			return RES_SKIP;
		q = c->cache;
		c->cache = NULL;
		return mm_kmem_cache_destroy(q) ? RES_FAIL : RES_OK;
	}
	case OP_VMALLOC:
		h->ptr = mm_vmalloc(m, op->size);
		return h->ptr ? RES_OK : RES_FAIL;
	case OP_VFREE:
		if (!(q = h->ptr))
			return RES_SKIP;
		h->ptr = NULL;
		return mm_vfree(m, q) ? RES_FAIL : RES_OK;
	case OP_CPU:
		mm_cpu_bind(m, op->cpu);
		return RES_NONE;
	case OP_FAULT_INJECT:
		mmb_fault_apply(m, op);
		return RES_NONE;
	}
	return RES_NONE;
}

/* --backend malloc: the same stream through malloc/free (pages and vmalloc
 * areas as page-aligned / plain blocks of their size, __GFP_ZERO zeroes). */
static inline __attribute__((always_inline))
int exec_malloc(struct mmb_prog *p, const struct mmb_op *op)
{
	struct mmb_handle *h = &p->handles[op->handle];
	void *q;

	switch (op->kind) {
	case OP_ALLOC_PAGES:
		if (posix_memalign(&h->ptr, MM_PAGE_SIZE, MM_PAGE_SIZE << op->order))
			h->ptr = NULL;
		else if (op->flags & __GFP_ZERO)
			memset(h->ptr, 0, MM_PAGE_SIZE << op->order);
		return h->ptr ? RES_OK : RES_FAIL;
	case OP_KMALLOC:
		h->ptr = op->flags & __GFP_ZERO ? calloc(1, op->size) : malloc(op->size);
		return h->ptr || !op->size ? RES_OK : RES_FAIL;
	case OP_CACHE_ALLOC:
		if (!p->caches[op->cache].cache) {
			h->ptr = NULL;
			return RES_SKIP;
		}
		h->ptr = op->flags & __GFP_ZERO ? calloc(1, op->size) : malloc(op->size);
		return h->ptr ? RES_OK : RES_FAIL;
	case OP_VMALLOC:
		h->ptr = malloc(op->size);
		return h->ptr || !op->size ? RES_OK : RES_FAIL;
	case OP_KREALLOC:
		if (!op->size) {        /* krealloc(p, 0): freed, ZERO_SIZE_PTR back */
			free(h->ptr);
			h->ptr = malloc(0);
			return RES_OK;
		}
		q = realloc(h->ptr, op->size);
		if (!q)
			return RES_FAIL;
		h->ptr = q;
		return RES_OK;
	case OP_FREE_PAGES:
	case OP_KFREE:
	case OP_CACHE_FREE:
	case OP_VFREE:
		if (!(q = h->ptr))
			return RES_SKIP;        /* its allocation failed, as with libmm */
		h->ptr = NULL;
		free(q);
		return RES_OK;
	case OP_CACHE_CREATE:
		/* a cache is its object size; any non-NULL token will do */
		p->caches[op->handle].cache = &p->caches[op->handle].size;
		return RES_OK;
	case OP_CACHE_DESTROY:
		if (!p->caches[op->handle].cache)
			return RES_SKIP;
		p->caches[op->handle].cache = NULL;
		return RES_OK;
	}
	return RES_NONE;
}

/* ---- timeline ------------------------------------------------------------------ */

int mmb_unusable_index(const unsigned long *nr_free, int max_order, int order)
{
	unsigned long pages = 0, suitable = 0;

	for (int o = 0; o <= max_order; o++) {
		pages += nr_free[o] << o;
		if (o >= order)
			suitable += nr_free[o] << (o - order);
	}
	if (!pages)
		return 1000;
	return (int)((pages - (suitable << order)) * 1000 / pages);
}

static void sample(struct mmb_run *r, size_t op, double t0)
{
	struct mmb_sample *s;
	struct mm_zone_info zi;
	int n = 0, cap;

	if (!r->m || !r->timeline_points)
		return;
	if (r->ntimeline == r->timeline_cap) {
		r->timeline_cap = r->timeline_cap ? r->timeline_cap * 2 : 256;
		r->timeline = mmb_xrealloc(r->timeline, r->timeline_cap * sizeof(*r->timeline));
	}
	s = &r->timeline[r->ntimeline++];
	s->op = op;
	s->t_s = mmb_now() - t0;
	cap = mm_nr_nodes(r->m) * MM_MAX_NR_ZONES;
	s->z = mmb_xrealloc(NULL, (size_t)cap * sizeof(*s->z));
	for (int nid = 0; nid < mm_nr_nodes(r->m); nid++)
		for (int zi_ = 0; zi_ < MM_MAX_NR_ZONES; zi_++) {
			if (mm_zone_info(r->m, nid, zi_, &zi) || !zi.managed)
				continue;
			s->z[n].node = nid;
			s->z[n].zone = zi_;
			s->z[n].free = zi.free;
			memcpy(s->z[n].nr_free, zi.nr_free, sizeof(zi.nr_free));
			n++;
		}
	s->nzones = n;
}

static void progress(struct mmb_run *r, size_t done, double *last)
{
	double t = mmb_now();

	if (!r->progress || t - *last < 0.25)
		return;
	*last = t;
	fprintf(stderr, "\rmmbench: %zu/%zu operations (%.0f%%) ", done, r->prog->nops,
		100.0 * (double)done / (double)(r->prog->nops ? r->prog->nops : 1));
}

/* ---- sequential replay ------------------------------------------------------------ */

/* A failure fault injection forced counts apart (fault.c). */
static inline __attribute__((always_inline)) int injected(struct mm *m, int res)
{
	return __builtin_expect(res == RES_FAIL, 0) && m && mm_last_fault_injected(m) ? RES_INJECTED
									       : res;
}

static inline __attribute__((always_inline))
void account(struct mmb_stat *st, int res, uint64_t dt)
{
	st->count++;
	st->failed += res == RES_FAIL;
	st->injected += res == RES_INJECTED;
	st->skipped += res == RES_SKIP;
	st->ticks += dt;
	st->timed++;
	st->hist[hist_bucket(dt)]++;
}

static void run_chunk_libmm(struct mmb_run *r, size_t a, size_t b)
{
	struct mmb_prog *p = r->prog;
	struct mm *m = r->m;
	uint64_t t = ticks();

	for (size_t i = a; i < b; i++) {
		const struct mmb_op *op = &p->ops[i];
		int res = injected(m, exec_libmm(m, p, op));
		uint64_t t2 = ticks();

		account(&r->stat[op->kind], res, t2 - t);
		t = t2;
		/* counted operations only: not cpu switches nor fault_inject knobs */
		if (__builtin_expect(op->kind < OP_NR_KINDS && !--r->tick_left, 0)) {
			mm_tick(m, 1);          /* vmstat_update's turn, untimed */
			r->tick_left = r->tick_every;
			t = ticks();
		}
	}
}

static void run_chunk_malloc(struct mmb_run *r, size_t a, size_t b)
{
	struct mmb_prog *p = r->prog;
	uint64_t t = ticks();

	for (size_t i = a; i < b; i++) {
		const struct mmb_op *op = &p->ops[i];
		int res = exec_malloc(p, op);
		uint64_t t2 = ticks();

		account(&r->stat[op->kind], res, t2 - t);
		t = t2;
	}
}

static size_t sample_every(struct mmb_run *r)
{
	size_t n = r->prog->nops;

	if (!r->timeline_points || !r->m)
		return n ? n : 1;
	n = n / (size_t)r->timeline_points;
	return n ? n : 1;
}

static void replay_sequential(struct mmb_run *r, double t0)
{
	size_t n = r->prog->nops, every = sample_every(r), next = every;
	double last = 0;       /* the first boundary prints */

	if (r->m)
		mm_cpu_bind(r->m, 0);
	r->tick_left = r->tick_every ? r->tick_every : (size_t)-1;
	sample(r, 0, t0);
	for (size_t a = 0; a < n;) {
		size_t b = a + 65536 < next ? a + 65536 : next;

		if (b > n)
			b = n;
		if (r->m)
			run_chunk_libmm(r, a, b);
		else
			run_chunk_malloc(r, a, b);
		a = b;
		if (a == next) {
			if (a < n)
				sample(r, a, t0);
			next += every;
		}
		progress(r, a, &last);
	}
	sample(r, n, t0);
	if (r->m)
		mm_cpu_unbind(r->m);
}

/* ---- --threads ----------------------------------------------------------------------- */

struct worker {                         /* one replay thread = one CPU */
	struct mmb_run *r;              /* the run (shared, read-only but the timeline) */
	int cpu;                        /* the CPU it binds */
	int first;                      /* the thread that samples the timeline */
	uint32_t *idx;                  /* this CPU's operations, file order */
	size_t n;                       /* how many */
	struct mmb_stat stat[OP_NR_KINDS + 2];  /* its own counters, summed at the end */
	_Atomic size_t done;            /* operations done (timeline, progress) */
	int err;                        /* could not bind its CPU */
	pthread_t tid;
	struct worker *all;             /* every worker (to sum `done`) */
	int nworkers;
	double t0;                      /* when the replay began */
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

static int handle_ready(const void *h, uint32_t v)
{
	return atomic_load_explicit(&((const struct mmb_handle *)h)->seq, memory_order_acquire) == v;
}

static int cache_eq(const void *c, uint32_t v)
{
	return atomic_load_explicit(&((const struct mmb_cache *)c)->done, memory_order_acquire) == v;
}

static int cache_ge(const void *c, uint32_t v)
{
	return atomic_load_explicit(&((const struct mmb_cache *)c)->done, memory_order_acquire) >= v;
}

static size_t workers_done(struct worker *w)
{
	size_t s = 0;

	for (int i = 0; i < w->nworkers; i++)
		s += atomic_load_explicit(&w->all[i].done, memory_order_relaxed);
	return s;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct mmb_run *r = w->r;
	struct mmb_prog *p = r->prog;
	size_t every = sample_every(r), next = every;
	double last = 0;

	if (r->m && mm_cpu_bind(r->m, w->cpu)) {
		w->err = 1;
		return NULL;
	}
	for (size_t k = 0; k < w->n; k++) {
		const struct mmb_op *op = &p->ops[w->idx[k]];
		struct mmb_handle *h = &p->handles[op->handle];
		struct mmb_cache *c = NULL;
		int hop = op->kind != OP_CACHE_CREATE && op->kind != OP_CACHE_DESTROY &&
			  op->kind < OP_NR_KINDS;

		if (hop)
			spin_until(handle_ready, h, op->seq);
		if (op->kind == OP_CACHE_CREATE || op->kind == OP_CACHE_DESTROY) {
			c = &p->caches[op->handle];
			spin_until(cache_eq, c, op->cseq);
		} else if (op->kind == OP_CACHE_ALLOC || op->kind == OP_CACHE_FREE) {
			c = &p->caches[op->cache];
			spin_until(cache_ge, c, op->cseq);
		}
		uint64_t t = ticks();
		int res = r->m ? injected(r->m, exec_libmm(r->m, p, op)) : exec_malloc(p, op);
		account(&w->stat[op->kind], res, ticks() - t);
		if (hop)
			atomic_store_explicit(&h->seq, op->seq + 1, memory_order_release);
		if (c)
			atomic_fetch_add_explicit(&c->done, 1, memory_order_release);
		atomic_store_explicit(&w->done, k + 1, memory_order_relaxed);
		if (w->first && k + 1 == next) {
			sample(r, workers_done(w), w->t0);
			progress(r, workers_done(w), &last);
			next += every;
		}
	}
	if (r->m)
		mm_cpu_unbind(r->m);
	return NULL;
}

static int replay_threads(struct mmb_run *r, double t0)
{
	struct mmb_prog *p = r->prog;
	int ncpu = p->max_cpu + 1, nw = 0, err = 0;
	size_t *count = calloc((size_t)ncpu, sizeof(size_t));
	struct worker *w = calloc((size_t)ncpu, sizeof(*w));
	int *slot = calloc((size_t)ncpu, sizeof(int));

	if (!count || !w || !slot)
		mmb_xrealloc(NULL, (size_t)-1);
	for (size_t i = 0; i < p->nops; i++)
		if (p->ops[i].kind != OP_CPU)
			count[p->ops[i].cpu]++;
	for (int c = 0; c < ncpu; c++) {
		slot[c] = -1;
		if (!count[c])
			continue;
		slot[c] = nw;
		w[nw].r = r;
		w[nw].cpu = c;
		w[nw].first = nw == 0;
		w[nw].idx = mmb_xrealloc(NULL, count[c] * sizeof(uint32_t));
		w[nw].all = w;
		w[nw].t0 = t0;
		nw++;
	}
	for (int i = 0; i < nw; i++)
		w[i].nworkers = nw;
	for (size_t i = 0; i < p->nops; i++)
		if (p->ops[i].kind != OP_CPU) {
			struct worker *x = &w[slot[p->ops[i].cpu]];

			x->idx[x->n++] = (uint32_t)i;
		}
	sample(r, 0, t0);
	for (int i = 0; i < nw; i++)
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i])) {
			fprintf(stderr, "mmbench: cannot create a thread\n");
			exit(3);
		}
	for (int i = 0; i < nw; i++) {
		pthread_join(w[i].tid, NULL);
		err |= w[i].err;
		for (int k = 0; k <= OP_NR_KINDS; k++) {
			struct mmb_stat *d = &r->stat[k], *s = &w[i].stat[k];

			d->count += s->count;
			d->failed += s->failed;
			d->skipped += s->skipped;
			d->injected += s->injected;
			d->ticks += s->ticks;
			d->timed += s->timed;
			for (int b = 0; b < MMB_HIST_BUCKETS; b++)
				d->hist[b] += s->hist[b];
		}
		free(w[i].idx);
	}
	sample(r, p->nops, t0);
	free(count);
	free(w);
	free(slot);
	if (err)
		fprintf(stderr, "mmbench: a replay thread could not bind its CPU\n");
	return err ? -1 : 0;
}

int mmb_replay(struct mmb_run *r)
{
	double t0, t1;
	uint64_t k0, k1;
	int ret = 0;

	memset(r->stat, 0, sizeof(r->stat));
	mmb_prog_ready(r->prog);
	t0 = mmb_now();
	k0 = ticks();
	if (r->threads)
		ret = replay_threads(r, t0);
	else
		replay_sequential(r, t0);
	k1 = ticks();
	t1 = mmb_now();
	r->replay_s = t1 - t0;
	r->ns_per_tick = k1 > k0 ? (t1 - t0) * 1e9 / (double)(k1 - k0) : 1.0;
	if (r->progress)
		fprintf(stderr, "\r%60s\r", "");
	return ret;
}

void mmb_free_objects(struct mmb_run *r)
{
	struct mmb_prog *p = r->prog;

	if (r->m)
		return;         /* mm_destroy() takes everything back */
	for (uint32_t i = 0; i < p->nhandles; i++) {
		free(p->handles[i].ptr);
		p->handles[i].ptr = NULL;
	}
}

void mmb_run_free(struct mmb_run *r)
{
	for (size_t i = 0; i < r->ntimeline; i++)
		free(r->timeline[i].z);
	free(r->timeline);
	r->timeline = NULL;
	r->ntimeline = 0;
}
