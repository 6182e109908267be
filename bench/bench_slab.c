// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_slab.c - SLUB and kmalloc speed and memory efficiency (issue 4),
 * side by side in one run.  Every timing is the median of REPS rounds; within
 * a round the contenders run one after the other on the same operation
 * sequence, so machine noise hits all of them alike.  One object stays
 * allocated in every allocator while timing, as in real programs.
 *
 *   pair 64 B        kmem_cache_alloc+kmem_cache_free of 64-byte objects on one
 *                    CPU (hardening on, and off; classic SLUB, and with per-CPU
 *                    sheaves, slub_sheaves=1), kmalloc(64)+kfree, glibc
 *                    (malloc/free looked up in libc.so.6, since mimalloc,
 *                    linked in, overrides the global ones) and mimalloc
 *   bulk             kmem_cache_alloc_bulk/free_bulk of 16 and 64 objects
 *                    against the same objects with single calls, per object
 *   random kmalloc   sizes 8..1024 (uniform, seeded), 1000 live, freed in a
 *                    random order: ns per operation (alloc or free), libmm
 *                    kmalloc/kfree (classic, sheaves with the kernel's
 *                    capacities, sheaves of >= 64 objects) vs glibc and mimalloc
 *   waste            a mixed kmalloc workload (8..4096 B, log-uniform, 20000
 *                    live): slab pages vs bytes requested, from slabinfo
 *
 * jemalloc and tcmalloc run through LD_PRELOAD in bench/slab_compare.sh, using
 * `bench_slab malloc`, which times plain malloc/free on the same sequences.
 *
 * Usage: bench_slab                full run; table on stdout and
 *                                  $MM_RESULTS/bench_slab.json
 *        bench_slab malloc         the malloc()/free() contender only (JSON line)
 *        bench_slab count MODE N   N pairs of MODE (slab, slab_nohard,
 *                                  slab_sheaves, kmalloc, kmalloc_sheaves, glibc,
 *                                  mimalloc) or N random-pattern ops (random,
 *                                  random_sheaves, random_sheaves64,
 *                                  random_mimalloc), for callgrind
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <mimalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmm/mm.h>
#include "bench.h"

#define REPS    9
#define PAIRS   4000000
#define LIVE    1000
#define ROUNDS  400

/* glibc's own malloc/free: mimalloc, linked in, overrides malloc and even
 * __libc_malloc, so look them up inside libc.so.6 itself. */
static void *(*glibc_malloc)(size_t);
static void (*glibc_free)(void *);

static void find_glibc(void)
{
	void *h = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);

	glibc_malloc = h ? (void *(*)(size_t))dlsym(h, "malloc") : NULL;
	glibc_free = h ? (void (*)(void *))dlsym(h, "free") : NULL;
	if (!glibc_malloc || !glibc_free || glibc_malloc == mi_malloc) {
		fprintf(stderr, "bench_slab: cannot find glibc's malloc\n");
		exit(1);
	}
}

static void *volatile sink;

static struct mm *machine(const char *cfg)
{
	char err[256];
	struct mm *m = mm_create(cfg, err, sizeof(err));

	if (!m || mm_cpu_bind(m, 0)) {
		fprintf(stderr, "bench_slab: %s: %s\n", cfg ? cfg : "default", err);
		exit(1);
	}
	return m;
}

/* ---- the pair loops (one contender each, same sequence) ---------------- */

static void slab_pairs(struct kmem_cache *s, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = mm_kmem_cache_alloc(s, GFP_KERNEL);

		sink = p;
		mm_kmem_cache_free(s, p);
	}
}

static void kmalloc_pairs(struct mm *m, long n)
{
	for (long i = 0; i < n; i++) {
		void *p = mm_kmalloc(m, 64, GFP_KERNEL);

		sink = p;
		mm_kfree(m, p);
	}
}

static void glibc_pairs(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = glibc_malloc(64);

		sink = p;
		glibc_free(p);
	}
}

static void mi_pairs(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = mi_malloc(64);

		sink = p;
		mi_free(p);
	}
}

static void malloc_pairs(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc(64);

		sink = p;
		free(p);
	}
}

/* ns per pair of one loop: fn(arg, n) */
#define TIME_NS(expr, n) ({ double t_ = now(); expr; (now() - t_) * 1e9 / (double)(n); })

/* ---- bulk ------------------------------------------------------------------ */

static double bulk_ns(struct kmem_cache *s, int batch, long objs, bool bulk)
{
	void *v[64];
	long rounds = objs / batch;
	double t = now();

	for (long r = 0; r < rounds; r++) {
		if (bulk) {
			mm_kmem_cache_alloc_bulk(s, GFP_KERNEL, (size_t)batch, v);
			mm_kmem_cache_free_bulk(s, (size_t)batch, v);
		} else {
			for (int i = 0; i < batch; i++)
				v[i] = mm_kmem_cache_alloc(s, GFP_KERNEL);
			for (int i = 0; i < batch; i++)
				mm_kmem_cache_free(s, v[i]);
		}
	}
	return (now() - t) * 1e9 / (double)(rounds * batch);
}

/* ---- random-size batches ------------------------------------------------------ */

static unsigned sizes[LIVE];
static unsigned order[LIVE];

static void make_pattern(unsigned seed)
{
	for (int i = 0; i < LIVE; i++) {
		sizes[i] = 8 + (unsigned)(rand_r(&seed) % (1024 - 8 + 1));
		order[i] = (unsigned)i;
	}
	for (int i = LIVE - 1; i > 0; i--) {
		int j = rand_r(&seed) % (i + 1);
		unsigned t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

enum { A_LIBMM, A_GLIBC, A_MIMALLOC, A_MALLOC };

static double random_ns(int who, struct mm *m, int rounds)
{
	static void *p[LIVE];
	double t = now();

	for (int r = 0; r < rounds; r++) {
		switch (who) {
		case A_LIBMM:
			for (int i = 0; i < LIVE; i++)
				p[i] = mm_kmalloc(m, sizes[i], GFP_KERNEL);
			for (int i = 0; i < LIVE; i++)
				mm_kfree(m, p[order[i]]);
			break;
		case A_GLIBC:
			for (int i = 0; i < LIVE; i++)
				p[i] = glibc_malloc(sizes[i]);
			for (int i = 0; i < LIVE; i++)
				glibc_free(p[order[i]]);
			break;
		case A_MIMALLOC:
			for (int i = 0; i < LIVE; i++)
				p[i] = mi_malloc(sizes[i]);
			for (int i = 0; i < LIVE; i++)
				mi_free(p[order[i]]);
			break;
		default:
			for (int i = 0; i < LIVE; i++)
				p[i] = malloc(sizes[i]);
			for (int i = 0; i < LIVE; i++)
				free(p[order[i]]);
			break;
		}
	}
	return (now() - t) * 1e9 / (double)(rounds * LIVE * 2);
}

/* ---- memory efficiency ---------------------------------------------------------- */

struct waste {
	unsigned long requested, ksize, slab_bytes, objects;    /* after freeing half */
	unsigned long full_requested, full_ksize, full_slab_bytes; /* all 40000 live */
};

/* bytes of slab pages, from slabinfo (num_slabs * pagesperslab * 4096) */
static unsigned long slabinfo_bytes(struct mm *m)
{
	char *info = mm_report_text(m, "slabinfo"), *line;
	unsigned long total = 0;

	for (line = strchr(info, '\n') + 1; (line = strchr(line, '\n')) && line[1]; ) {
		char name[64];
		unsigned long active, num, objsize, perslab, pages, slabs;

		line++;
		if (sscanf(line, "%63s %lu %lu %lu %lu %lu : tunables %*u %*u %*u : slabdata %*u %lu",
			   name, &active, &num, &objsize, &perslab, &pages, &slabs) == 7)
			total += slabs * pages * 4096;
	}
	mm_free_string(info);
	return total;
}

static void waste_run(struct waste *w)
{
	struct mm *m = machine(NULL);
	enum { N = 40000 };
	void **p = calloc(N, sizeof(*p));
	unsigned *sz = calloc(N, sizeof(*sz));
	unsigned seed = 7;

	memset(w, 0, sizeof(*w));
	for (int i = 0; i < N; i++) {
		unsigned bits = 3 + (unsigned)(rand_r(&seed) % 10);      /* 8 .. 4096 */

		sz[i] = (1u << bits) + (unsigned)rand_r(&seed) % (1u << bits);
		if (sz[i] > 4096)
			sz[i] = 4096;
		p[i] = mm_kmalloc(m, sz[i], GFP_KERNEL);
		w->full_requested += sz[i];
		w->full_ksize += mm_ksize(m, p[i]);
	}
	w->full_slab_bytes = slabinfo_bytes(m);
	for (int i = 0; i < N; i++)             /* free a random half */
		if (rand_r(&seed) & 1) {
			mm_kfree(m, p[i]);
			p[i] = NULL;
		}
	for (int i = 0; i < N; i++)
		if (p[i]) {
			w->requested += sz[i];
			w->ksize += mm_ksize(m, p[i]);
			w->objects++;
		}
	w->slab_bytes = slabinfo_bytes(m);
	for (int i = 0; i < N; i++)
		mm_kfree(m, p[i]);
	free(p);
	free(sz);
	mm_destroy(m);
}

/* ---- modes ------------------------------------------------------------------------- */

#define SHEAVES   "slub_sheaves=1"
#define SHEAVES64 "slub_sheaves=1 slub_sheaf_capacity=64"

static const char *mode_config(const char *mode)
{
	if (!strcmp(mode, "slab_nohard"))
		return "slab_hardened=0";
	if (strstr(mode, "sheaves64"))
		return SHEAVES64;
	return strstr(mode, "sheaves") ? SHEAVES : NULL;
}

static int count_mode(const char *mode, long n)
{
	struct mm *m = machine(mode_config(mode));
	struct kmem_cache *s = mm_kmem_cache_create(m, "bench64", 64, 0, SLAB_NO_MERGE, NULL);
	void *keep = mm_kmem_cache_alloc(s, GFP_KERNEL);

	if (!strcmp(mode, "random_mimalloc")) {
		make_pattern(42);
		random_ns(A_MIMALLOC, m, (int)(n / (2 * LIVE)));
	} else if (!strncmp(mode, "random", 6)) {
		make_pattern(42);
		random_ns(A_LIBMM, m, (int)(n / (2 * LIVE)));
	} else if (!strcmp(mode, "glibc"))
		glibc_pairs(n);
	else if (!strcmp(mode, "mimalloc"))
		mi_pairs(n);
	else if (!strncmp(mode, "kmalloc", 7))
		kmalloc_pairs(m, n);
	else
		slab_pairs(s, n);
	mm_kmem_cache_free(s, keep);
	mm_destroy(m);
	return 0;
}

static int malloc_mode(void)
{
	double pair[REPS], rnd[REPS];
	void *keep = malloc(64);

	make_pattern(42);
	malloc_pairs(PAIRS / 10);
	for (int r = 0; r < REPS; r++) {
		pair[r] = TIME_NS(malloc_pairs(PAIRS), PAIRS);
		rnd[r] = random_ns(A_MALLOC, NULL, ROUNDS);
	}
	free(keep);
	printf("{\"pair64_ns\": %.2f, \"random_ns_per_op\": %.2f}\n", median(pair, REPS),
	       median(rnd, REPS));
	return 0;
}

static void git_rev(char *buf, size_t len)
{
	FILE *f = popen("git rev-parse --short HEAD 2>/dev/null", "r");

	snprintf(buf, len, "unknown");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		pclose(f);
	}
}

/* One libmm configuration under test: its machine, a 64 B cache, an
 * object of each kept live, and its medians. */
struct contender {
	const char *config;
	struct mm *m;
	struct kmem_cache *s;
	void *keep, *keep_k;
	double pair[REPS], kpair[REPS], b16[REPS], s16[REPS], b64[REPS], s64[REPS], rnd[REPS];
};

static void contender_open(struct contender *c, const char *config)
{
	c->config = config;
	c->m = machine(config);
	c->s = mm_kmem_cache_create(c->m, "bench64", 64, 0, SLAB_NO_MERGE, NULL);
	c->keep = mm_kmem_cache_alloc(c->s, GFP_KERNEL);
	c->keep_k = mm_kmalloc(c->m, 64, GFP_KERNEL);
	slab_pairs(c->s, PAIRS / 10);
	random_ns(A_LIBMM, c->m, 20);
}

/* round r of everything libmm does; full = also kmalloc pairs, bulk, random */
static void contender_round(struct contender *c, int r, bool full)
{
	mm_cpu_bind(c->m, 0);
	c->pair[r] = TIME_NS(slab_pairs(c->s, PAIRS), PAIRS);
	if (!full)
		return;
	c->kpair[r] = TIME_NS(kmalloc_pairs(c->m, PAIRS), PAIRS);
	c->s16[r] = bulk_ns(c->s, 16, PAIRS / 2, false);
	c->b16[r] = bulk_ns(c->s, 16, PAIRS / 2, true);
	c->s64[r] = bulk_ns(c->s, 64, PAIRS / 2, false);
	c->b64[r] = bulk_ns(c->s, 64, PAIRS / 2, true);
	c->rnd[r] = random_ns(A_LIBMM, c->m, ROUNDS);
}

static void contender_close(struct contender *c)
{
	mm_cpu_bind(c->m, 0);
	mm_kmem_cache_free(c->s, c->keep);
	mm_kfree(c->m, c->keep_k);
	mm_destroy(c->m);
}

#define MED(v) median(v, REPS)

int main(int argc, char **argv)
{
	struct contender cl, nh, sv, sv64;
	double gp[REPS], mp[REPS], rg[REPS], rm[REPS];
	void *k4, *k5;
	struct waste w;
	char rev[64];
	FILE *j;

	find_glibc();
	if (argc == 4 && !strcmp(argv[1], "count"))
		return count_mode(argv[2], atol(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "malloc"))
		return malloc_mode();
	make_pattern(42);
	contender_open(&cl, NULL);
	contender_open(&nh, "slab_hardened=0");
	contender_open(&sv, SHEAVES);
	contender_open(&sv64, SHEAVES64);
	k4 = glibc_malloc(64);
	k5 = mi_malloc(64);
	glibc_pairs(PAIRS / 10);
	mi_pairs(PAIRS / 10);
	for (int r = 0; r < REPS; r++) {
		contender_round(&cl, r, true);
		contender_round(&nh, r, false);
		contender_round(&sv, r, true);
		contender_round(&sv64, r, true);
		gp[r] = TIME_NS(glibc_pairs(PAIRS), PAIRS);
		mp[r] = TIME_NS(mi_pairs(PAIRS), PAIRS);
		rg[r] = random_ns(A_GLIBC, NULL, ROUNDS);
		rm[r] = random_ns(A_MIMALLOC, NULL, ROUNDS);
	}
	contender_close(&cl);
	contender_close(&nh);
	contender_close(&sv);
	contender_close(&sv64);
	glibc_free(k4);
	mi_free(k5);
	waste_run(&w);
	git_rev(rev, sizeof(rev));

	double P = MED(cl.pair), PN = MED(nh.pair), PS = MED(sv.pair), K = MED(cl.kpair);
	double KS = MED(sv.kpair), G = MED(gp), M = MED(mp);
	double RL = MED(cl.rnd), RS = MED(sv.rnd), RS64 = MED(sv64.rnd), RG = MED(rg), RM = MED(rm);

	printf("slab / kmalloc, ns (median of %d rounds, side by side, one object kept live)\n",
	       REPS);
	printf("  64 B pair  kmem_cache_alloc+free     %6.2f ns  (hardened; /glibc %.2f, "
	       "/mimalloc %.2f)\n", P, P / G, P / M);
	printf("             same, slab_hardened=0     %6.2f ns  (hardening costs %+.2f ns)\n",
	       PN, P - PN);
	printf("             same, slub_sheaves=1      %6.2f ns  (/glibc %.2f, /mimalloc %.2f)\n",
	       PS, PS / G, PS / M);
	printf("             kmalloc(64)+kfree         %6.2f ns  (sheaves %.2f)\n", K, KS);
	printf("             glibc malloc+free         %6.2f ns\n", G);
	printf("             mimalloc mi_malloc+mi_free %5.2f ns\n", M);
	printf("  bulk       16: %5.2f ns/obj bulk vs %5.2f single;  64: %5.2f vs %5.2f\n",
	       MED(cl.b16), MED(cl.s16), MED(cl.b64), MED(cl.s64));
	printf("    sheaves  16: %5.2f ns/obj bulk vs %5.2f single;  64: %5.2f vs %5.2f\n",
	       MED(sv.b16), MED(sv.s16), MED(sv.b64), MED(sv.s64));
	printf("  random kmalloc 8..1024 B, %d live, random free order, ns/op:\n", LIVE);
	printf("             libmm %6.2f   sheaves %6.2f   sheaves>=64 %6.2f   glibc %6.2f   "
	       "mimalloc %6.2f\n", RL, RS, RS64, RG, RM);
	printf("  waste      mixed kmalloc 8..4096 B, 40000 live: requested %lu KiB, ksize %lu KiB,"
	       " slab pages %lu KiB (%.1f%% overhead)\n", w.full_requested >> 10,
	       w.full_ksize >> 10, w.full_slab_bytes >> 10,
	       100.0 * (double)(w.full_slab_bytes - w.full_requested) / (double)w.full_slab_bytes);
	printf("             after freeing a random half, %lu live: requested %lu KiB, ksize %lu KiB,"
	       " slab pages %lu KiB\n", w.objects, w.requested >> 10, w.ksize >> 10,
	       w.slab_bytes >> 10);
	printf("             class rounding %.1f%%, slab overhead %.1f%%, total %.1f%% of slab memory"
	       "\n", 100.0 * (double)(w.ksize - w.requested) / (double)w.slab_bytes,
	       100.0 * (double)(w.slab_bytes - w.ksize) / (double)w.slab_bytes,
	       100.0 * (double)(w.slab_bytes - w.requested) / (double)w.slab_bytes);
	j = bench_result_file("bench_slab.json");
	if (j) {
		fprintf(j, "{\"schema\": \"libmm-bench/1\", \"bench\": \"slab\", \"git\": \"%s\", "
			"\"variant\": \"release\", \"reps\": %d, \"seed\": 42, \"workload\": "
			"\"64B pairs x %d; bulk 16/64; random kmalloc 8..1024 x %d live x %d rounds; "
			"waste: 40000 kmalloc 8..4096 log-uniform, half freed (seed 7)\", "
			"\"configs\": {\"sheaves\": \"%s\", \"sheaves64\": \"%s\"}, "
			"\"pair64_ns\": {\"slab\": %.2f, \"slab_nohard\": %.2f, \"slab_sheaves\": %.2f, "
			"\"kmalloc\": %.2f, \"kmalloc_sheaves\": %.2f, \"glibc\": %.2f, "
			"\"mimalloc\": %.2f}, "
			"\"bulk_ns_per_obj\": {\"bulk16\": %.2f, \"single16\": %.2f, \"bulk64\": %.2f, "
			"\"single64\": %.2f, \"sheaves_bulk16\": %.2f, \"sheaves_single16\": %.2f, "
			"\"sheaves_bulk64\": %.2f, \"sheaves_single64\": %.2f}, "
			"\"random_ns_per_op\": {\"libmm\": %.2f, \"libmm_sheaves\": %.2f, "
			"\"libmm_sheaves64\": %.2f, \"glibc\": %.2f, \"mimalloc\": %.2f}, "
			"\"waste\": {\"objects\": %lu, \"requested\": %lu, \"ksize\": %lu, "
			"\"slab_bytes\": %lu, \"full_objects\": 40000, \"full_requested\": %lu, "
			"\"full_ksize\": %lu, \"full_slab_bytes\": %lu}}\n",
			rev, REPS, PAIRS, LIVE, ROUNDS, SHEAVES, SHEAVES64, P, PN, PS, K, KS, G, M,
			MED(cl.b16), MED(cl.s16), MED(cl.b64), MED(cl.s64), MED(sv.b16), MED(sv.s16),
			MED(sv.b64), MED(sv.s64), RL, RS, RS64, RG, RM, w.objects, w.requested,
			w.ksize, w.slab_bytes, w.full_requested, w.full_ksize, w.full_slab_bytes);
		fclose(j);
	}
	return 0;
}
