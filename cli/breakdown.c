// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/breakdown.c - the replay's results broken down (the "breakdown"
 * object of the JSON, the breakdown tables of the summary):
 *
 *   page_ops   alloc_pages by order x GFP flags (the kernel's %pGg text) x
 *              the migratetype the flags ask for: count, failures, latency
 *              percentiles; the frees of those pages with their latency
 *   slab_ops   kmalloc / krealloc / cache_alloc by cache (a kmalloc goes to
 *              the kmalloc cache mm_kmalloc_cache() names, "kmalloc-large"
 *              above the largest), with the frees; requested against
 *              allocated bytes (the tracepoints' bytes_req / bytes_alloc:
 *              the cache's slot size) as `perf kmem stat` shows them: hits,
 *              total bytes, fragmentation = 1 - requested / allocated, and
 *              ping-pong = frees on another CPU than the allocation's
 *   failures   failed allocations per operation by reason: "watermark" (a
 *              free block of the order was in a zone the request may use:
 *              the watermark check refused it), "no_block" (none of that
 *              order anywhere it may look), "injected" (fault injection),
 *              "refused" (a bad request: EINVAL, not ENOMEM)
 *   cross_cpu  frees per operation and how many ran on another CPU than
 *              the allocation
 *
 * Out of the timed loop: the replay keeps each operation's outcome and
 * time (and, for a failure, its reason - mmb_bd_reason() reads the
 * machine at once) and hands a span over afterwards (mmb_bd_span), so
 * breaking down adds two stores per operation to the timings.  Rows are
 * found through one integer map keyed by what defines them (page rows: GFP
 * and order; kmalloc: GFP zone/mobility bits and size; caches: the cache
 * slot), behind a direct-mapped cache of recent keys.  Which row and CPU
 * each live handle was allocated by sits in a per-slot array.  Only the
 * sequential libmm replay is broken down (the --threads workers would need
 * a table each; the JSON says null).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "workload.h"

#define KEY_PAGE        (0ull << 62)
#define KEY_KMALLOC     (1ull << 62)
#define KEY_CACHE       (2ull << 62)
#define KMALLOC_GFP     (__GFP_DMA | __GFP_DMA32 | __GFP_RECLAIMABLE)

static const char *const reason_names[MMB_BD_REASONS] = {
	"watermark", "no_block", "injected", "refused",
};
static const char *const mt_names[4] = { "Unmovable", "Movable", "Reclaimable", "Unmovable" };

struct mmb_bd_row {
	int page;                       /* a page_ops row (else slab_ops) */
	char name[96];                  /* cache name, or "GFP text" of a page row */
	unsigned order;                 /* page row */
	gfp_t gfp;                      /* page row */
	struct mmb_stat alloc, free;
	uint64_t bytes_req, bytes_alloc;        /* slab rows */
	uint64_t slot;                  /* slab rows: bytes an allocation takes (0:
	                                   kmalloc-large, by its size) */
	unsigned long cross_cpu;        /* frees on another CPU than the allocation */
};

struct mmb_bd_handle {                  /* a live handle's allocation */
	uint32_t row;                   /* its row + 1; 0: none */
	uint16_t cpu;
};

void mmb_bd_init(struct mmb_breakdown *bd)
{
	memset(bd, 0, sizeof(*bd));
	mmb_imap_init(&bd->map);
}

void mmb_bd_free(struct mmb_breakdown *bd)
{
	free(bd->rows);
	free(bd->handles);
	mmb_imap_free(&bd->map);
	memset(bd, 0, sizeof(*bd));
}

static uint32_t bd_new_row(struct mmb_breakdown *bd, uint64_t key)
{
	struct mmb_bd_row *row;

	if (bd->nrows == bd->cap) {
		bd->cap = bd->cap ? bd->cap * 2 : 32;
		bd->rows = mmb_xrealloc(bd->rows, bd->cap * sizeof(*bd->rows));
	}
	row = &bd->rows[bd->nrows];
	memset(row, 0, sizeof(*row));
	mmb_imap_put(&bd->map, key, (uint32_t)bd->nrows);
	return (uint32_t)bd->nrows++;
}

static __attribute__((noinline)) uint32_t bd_page_row(struct mmb_breakdown *bd, uint64_t key,
						       const struct mmb_op *op)
{
	uint32_t i = bd_new_row(bd, key);
	struct mmb_bd_row *row = &bd->rows[i];

	row->page = 1;
	row->order = op->order;
	row->gfp = op->flags;
	mm_gfp_format(op->flags, row->name, sizeof(row->name));
	return i;
}

/* The slab row of cache `name` for key: one row per cache (several kmalloc
 * sizes share a cache, merged caches share a name). */
static uint32_t bd_named_row(struct mmb_breakdown *bd, uint64_t key, const char *name)
{
	uint32_t i;

	for (i = 0; i < bd->nrows; i++)
		if (!bd->rows[i].page && !strcmp(bd->rows[i].name, name)) {
			mmb_imap_put(&bd->map, key, i);
			return i;
		}
	i = bd_new_row(bd, key);
	snprintf(bd->rows[i].name, sizeof(bd->rows[i].name), "%s", name);
	return i;
}

/* A kmalloc row: the cache kmalloc(size, gfp) uses. */
static __attribute__((noinline)) uint32_t bd_kmalloc_row(struct mmb_breakdown *bd, uint64_t key,
							  struct mm *m, const struct mmb_op *op)
{
	struct kmem_cache *s = mm_kmalloc_cache(m, op->size ? op->size : 1, op->flags);
	uint32_t i = bd_named_row(bd, key, s ? mm_kmem_cache_name(s) : "kmalloc-large");

	bd->rows[i].slot = s ? mm_kmem_cache_size(s) : 0;
	return i;
}

static __attribute__((noinline)) uint32_t bd_cache_row(struct mmb_breakdown *bd, uint64_t key,
							const struct mmb_cache *c)
{
	uint32_t i = bd_named_row(bd, key, c->cache ? mm_kmem_cache_name(c->cache) : c->name);

	bd->rows[i].slot = c->cache ? mm_kmem_cache_size(c->cache) : c->size;  /* destroyed since */
	return i;
}

/* The row of an allocation: a direct-mapped cache of recent keys in front
 * of the map. */
static inline uint32_t bd_row(struct mmb_breakdown *bd, struct mm *m,
			      const struct mmb_cache *caches, const struct mmb_op *op)
{
	struct mmb_bd_fast *f;
	uint64_t key;
	uint32_t *v, i;

	switch (op->kind) {
	case OP_ALLOC_PAGES:
		key = KEY_PAGE | (uint64_t)op->flags << 8 | op->order;
		break;
	case OP_KMALLOC:
	case OP_KREALLOC:
		key = KEY_KMALLOC | (uint64_t)(op->flags & KMALLOC_GFP) << 32 |
		      (op->size > 0xffffffffu ? 0xffffffffu : op->size);
		break;
	default:
		key = KEY_CACHE | op->cache;
		break;
	}
	f = &bd->fast[(key ^ key >> 29 ^ key >> 47) & (MMB_BD_FAST - 1)];
	if (f->key == key + 1)
		return f->row;
	v = mmb_imap_find(&bd->map, key);
	if (v)
		i = *v;
	else if (op->kind == OP_ALLOC_PAGES)
		i = bd_page_row(bd, key, op);
	else if (op->kind == OP_CACHE_ALLOC)
		i = bd_cache_row(bd, key, &caches[op->cache]);
	else
		i = bd_kmalloc_row(bd, key, m, op);
	f->key = key + 1;
	f->row = i;
	return i;
}

static __attribute__((noinline)) void bd_grow_handles(struct mmb_breakdown *bd, uint32_t slot)
{
	uint32_t cap = bd->nhandles ? bd->nhandles : 4096;

	while (cap <= slot)
		cap *= 2;
	bd->handles = mmb_xrealloc(bd->handles, (size_t)cap * sizeof(*bd->handles));
	memset(bd->handles + bd->nhandles, 0, (size_t)(cap - bd->nhandles) * sizeof(*bd->handles));
	bd->nhandles = cap;
}

/* Whether some zone the request may use holds a free block of `order` or
 * more (the failure was the watermark's) - ZONE_NORMAL and below, DMA32 and
 * below, DMA only, as the GFP zone bits say; MOVABLE with __GFP_MOVABLE and
 * __GFP_HIGHMEM. */
static int bd_block_exists(struct mm *m, gfp_t gfp, unsigned order)
{
	int top = gfp & __GFP_DMA ? MM_ZONE_DMA : gfp & __GFP_DMA32 ? MM_ZONE_DMA32 :
		  (gfp & (__GFP_MOVABLE | __GFP_HIGHMEM)) == (__GFP_MOVABLE | __GFP_HIGHMEM) ?
		  MM_ZONE_MOVABLE : MM_ZONE_NORMAL;
	struct mm_zone_info zi;

	for (int nid = 0; nid < mm_nr_nodes(m); nid++)
		for (int z = 0; z <= top; z++) {
			if (mm_zone_info(m, nid, z, &zi))
				continue;
			for (unsigned o = order; o < MM_NR_ORDERS_MAX; o++)
				if (zi.nr_free[o])
					return 1;
		}
	return 0;
}

int mmb_bd_reason(struct mm *m, const struct mmb_op *op, int res)
{
	if (res == MMB_RES_INJECTED)
		return MMB_BD_INJECTED;
	if (mm_last_errno(m) != ENOMEM)
		return MMB_BD_REFUSED;
	return bd_block_exists(m, op->flags, op->kind == OP_ALLOC_PAGES ? op->order : 0) ?
	       MMB_BD_WATERMARK : MMB_BD_NO_BLOCK;
}

/* Bytes a slab row's allocation takes: the cache's slot size, or the
 * pages of a large kmalloc. */
static inline uint64_t bd_alloc_bytes(const struct mmb_bd_row *row, const struct mmb_op *op)
{
	uint64_t pages = MM_PAGE_SIZE;

	if (row->slot)
		return row->slot;
	while (pages < op->size)
		pages <<= 1;
	return pages;
}

/* One replayed operation: res MMB_RES_*, a failure's reason, dt ticks, run
 * by CPU cpu. */
static void bd_account(struct mmb_breakdown *bd, struct mm *m, const struct mmb_cache *caches,
		       const struct mmb_op *op, int res, int reason, uint64_t dt, int cpu)
{
	struct mmb_bd_handle *h;
	struct mmb_bd_row *row;
	uint32_t i;

	if (op->handle >= bd->nhandles)
		bd_grow_handles(bd, op->handle);
	h = &bd->handles[op->handle];
	switch (op->kind) {
	case OP_KREALLOC:
		if (res == MMB_RES_OK && h->row)       /* the old object went */
			bd->cross_cpu[op->kind] += h->cpu != cpu;
		/* fall through */
	case OP_ALLOC_PAGES:
	case OP_KMALLOC:
	case OP_CACHE_ALLOC:
		if (res == MMB_RES_SKIP)
			return;
		i = bd_row(bd, m, caches, op);
		row = &bd->rows[i];
		mmb_stat_account(&row->alloc, res, dt);
		if (res == MMB_RES_FAIL || res == MMB_RES_INJECTED) {
			bd->fail[op->kind][reason]++;
			return;
		}
		if (!row->page) {
			row->bytes_req += op->size;
			row->bytes_alloc += bd_alloc_bytes(row, op);
		}
		h->row = i + 1;
		h->cpu = (uint16_t)cpu;
		return;
	case OP_FREE_PAGES:
	case OP_KFREE:
	case OP_CACHE_FREE:
	case OP_VFREE:
		bd->frees[op->kind]++;
		if (!h->row)
			return;
		row = &bd->rows[h->row - 1];
		mmb_stat_account(&row->free, res, dt);
		if (h->cpu != cpu) {
			row->cross_cpu++;
			bd->cross_cpu[op->kind]++;
		}
		h->row = 0;
		return;
	default:
		break;
	}
	if (res == MMB_RES_FAIL || res == MMB_RES_INJECTED)
		bd->fail[op->kind][reason]++;
}

void mmb_bd_span(struct mmb_breakdown *bd, struct mm *m, const struct mmb_cache *caches,
		 const struct mmb_op *ops, size_t n, const uint8_t *res, const uint32_t *dt, int cpu)
{
	for (size_t i = 0; i < n; i++) {
		const struct mmb_op *op = &ops[i];

		if (op->kind == OP_CPU)
			cpu = op->cpu;
		else if (op->kind < OP_NR_KINDS)
			bd_account(bd, m, caches, op, res[i] & 15, res[i] >> 4, dt[i], cpu);
	}
}

/* ---- output -------------------------------------------------------------------------------- */

static int bd_cmp_count(const void *a, const void *b)
{
	const struct mmb_bd_row *x = *(const struct mmb_bd_row *const *)a;
	const struct mmb_bd_row *y = *(const struct mmb_bd_row *const *)b;

	if (x->page != y->page)
		return x->page ? -1 : 1;
	if (x->page && x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if (x->page)
		return x->gfp < y->gfp ? -1 : x->gfp > y->gfp;
	return x->bytes_alloc < y->bytes_alloc ? 1 : x->bytes_alloc > y->bytes_alloc ? -1 :
	       strcmp(x->name, y->name);
}

/* The rows in output order: page rows by order and GFP, then slab rows by
 * bytes allocated.  Caller frees. */
static const struct mmb_bd_row **bd_sorted(const struct mmb_breakdown *bd)
{
	const struct mmb_bd_row **v = mmb_xrealloc(NULL, (bd->nrows + 1) * sizeof(*v));

	for (size_t i = 0; i < bd->nrows; i++)
		v[i] = &bd->rows[i];
	qsort(v, bd->nrows, sizeof(*v), bd_cmp_count);
	return v;
}

static double bd_frag(const struct mmb_bd_row *r)
{
	return r->bytes_alloc ? 100.0 * (1.0 - (double)r->bytes_req / (double)r->bytes_alloc) : 0;
}

/* count, failed, injected and the latencies of one direction (prefix ""
 * for the allocations, "free_" for the frees). */
static void bd_json_stat(struct json_writer *w, const char *prefix, const struct mmb_stat *st,
			 double npt)
{
	static const char *const keys[] = { "%scount", "%sfailed", "%sinjected", "ns_%sp50",
					    "ns_%sp99", "ns_%smean" };
	char key[sizeof(keys) / sizeof(keys[0])][32];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		snprintf(key[i], sizeof(key[i]), keys[i], prefix);
	jw_uint(w, key[0], st->count);
	jw_uint(w, key[1], st->failed);
	jw_uint(w, key[2], st->injected);
	jw_double(w, key[3], "%.1f", mmb_stat_quantile(st, npt, 0.5));
	jw_double(w, key[4], "%.1f", mmb_stat_quantile(st, npt, 0.99));
	jw_double(w, key[5], "%.1f", mmb_stat_mean(st, npt));
}

static void bd_json_page_op(struct json_writer *w, const struct mmb_bd_row *r, double npt)
{
	const char *mt = mt_names[(r->gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT];
	char key[160];

	snprintf(key, sizeof(key), "order=%u %s %s", r->order, r->name, mt);
	jw_object(w, NULL, JW_INLINE);
	jw_string(w, "key", key);
	jw_uint(w, "order", r->order);
	jw_string(w, "gfp", r->name);
	jw_string(w, "migratetype", mt);
	bd_json_stat(w, "", &r->alloc, npt);
	bd_json_stat(w, "free_", &r->free, npt);
	jw_uint(w, "cross_cpu_frees", r->cross_cpu);
	jw_end(w);
}

static void bd_json_slab_op(struct json_writer *w, const struct mmb_bd_row *r, double npt)
{
	jw_object(w, NULL, JW_INLINE);
	jw_string(w, "name", r->name);
	bd_json_stat(w, "", &r->alloc, npt);
	bd_json_stat(w, "free_", &r->free, npt);
	jw_uint(w, "bytes_req", r->bytes_req);
	jw_uint(w, "bytes_alloc", r->bytes_alloc);
	jw_double(w, "frag_pct", "%.3f", bd_frag(r));
	jw_uint(w, "cross_cpu_frees", r->cross_cpu);
	jw_end(w);
}

/* "failures" (per operation that failed, per reason) and "cross_cpu" (per
 * free operation, how many ran on another CPU than the allocation). */
static void bd_json_totals(struct json_writer *w, const struct mmb_breakdown *bd)
{
	jw_object(w, "failures", JW_INLINE);
	for (int k = 0; k < OP_NR_KINDS; k++) {
		unsigned long n = 0;

		for (int r = 0; r < MMB_BD_REASONS; r++)
			n += bd->fail[k][r];
		if (!n)
			continue;
		jw_object(w, mmb_op_names[k], JW_INLINE);
		for (int r = 0; r < MMB_BD_REASONS; r++)
			jw_uint(w, reason_names[r], bd->fail[k][r]);
		jw_end(w);
	}
	jw_end(w);
	jw_object(w, "cross_cpu", JW_INLINE);
	for (int k = 0; k < OP_NR_KINDS; k++) {
		if (!bd->frees[k] && !bd->cross_cpu[k])
			continue;
		jw_object(w, mmb_op_names[k], JW_INLINE);
		jw_uint(w, "frees", bd->frees[k]);
		jw_uint(w, "cross_cpu", bd->cross_cpu[k]);
		jw_end(w);
	}
	jw_end(w);
}

void mmb_bd_json(const struct mmb_breakdown *bd, double ns_per_tick, struct json_writer *w)
{
	const struct mmb_bd_row **v;

	if (!bd || !bd->on) {
		jw_null(w, "breakdown");
		return;
	}
	v = bd_sorted(bd);
	jw_object(w, "breakdown", JW_LINES);
	jw_array(w, "page_ops", JW_LINES);              /* the page rows sort first */
	for (size_t i = 0; i < bd->nrows && v[i]->page; i++)
		bd_json_page_op(w, v[i], ns_per_tick);
	jw_end(w);
	jw_array(w, "slab_ops", JW_LINES);
	for (size_t i = 0; i < bd->nrows; i++)
		if (!v[i]->page)
			bd_json_slab_op(w, v[i], ns_per_tick);
	jw_end(w);
	bd_json_totals(w, bd);
	jw_end(w);
	free(v);
}

void mmb_bd_summary(const struct mmb_breakdown *bd, double ns_per_tick, FILE *f)
{
	const struct mmb_bd_row **v;
	unsigned long frees = 0, cross = 0;
	int shown = 0, w = 3;

	if (!bd || !bd->on || !bd->nrows)
		return;
	v = bd_sorted(bd);
	for (size_t i = 0; i < bd->nrows && v[i]->page; i++)
		if ((int)strlen(v[i]->name) > w)
			w = (int)strlen(v[i]->name);
	if (v[0]->page)
		fprintf(f, "\nalloc_pages by order, GFP flags and migratetype:\n%5s %-*s %-11s "
			"%9s %7s %8s %8s\n", "order", w, "gfp", "migratetype", "count", "failed",
			"p50 ns", "p99 ns");
	for (size_t i = 0; i < bd->nrows && v[i]->page; i++)
		fprintf(f, "%5u %-*s %-11s %9lu %7lu %8.0f %8.0f\n", v[i]->order, w, v[i]->name,
			mt_names[(v[i]->gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT],
			v[i]->alloc.count, v[i]->alloc.failed + v[i]->alloc.injected,
			mmb_stat_quantile(&v[i]->alloc, ns_per_tick, 0.5),
			mmb_stat_quantile(&v[i]->alloc, ns_per_tick, 0.99));
	for (size_t i = 0; i < bd->nrows; i++) {
		if (v[i]->page)
			continue;
		if (!shown++)
			fprintf(f, "\nslab allocations by cache (perf kmem stat style; top 12 by bytes):\n"
				"%-22s %12s %12s %9s %9s %7s %8s\n", "cache", "total_alloc", "total_req",
				"hit", "ping-pong", "frag", "p50 ns");
		if (shown > 12)
			continue;
		fprintf(f, "%-22s %12llu %12llu %9lu %9lu %6.2f%% %8.0f\n", v[i]->name,
			(unsigned long long)v[i]->bytes_alloc, (unsigned long long)v[i]->bytes_req,
			v[i]->alloc.count - v[i]->alloc.failed - v[i]->alloc.injected, v[i]->cross_cpu,
			bd_frag(v[i]), mmb_stat_quantile(&v[i]->alloc, ns_per_tick, 0.5));
	}
	for (int k = 0; k < OP_NR_KINDS; k++) {
		unsigned long n = 0;

		frees += bd->frees[k];
		cross += bd->cross_cpu[k];
		for (int r = 0; r < MMB_BD_REASONS; r++)
			n += bd->fail[k][r];
		if (!n)
			continue;
		fprintf(f, "%s failures:", mmb_op_names[k]);
		for (int r = 0; r < MMB_BD_REASONS; r++)
			if (bd->fail[k][r])
				fprintf(f, " %lu %s", bd->fail[k][r], reason_names[r]);
		fputc('\n', f);
	}
	if (frees)
		fprintf(f, "cross-CPU frees: %lu of %lu frees ran on another CPU than the allocation\n",
			cross, frees);
	free(v);
}

/* A CSV quoted field (RFC 4180) when it needs it. */
static void bd_csv_name(const char *s, FILE *f)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void mmb_bd_csv(const struct mmb_breakdown *bd, double npt, int pages, FILE *f)
{
	const struct mmb_bd_row **v = bd_sorted(bd);

	if (pages)
		fprintf(f, "order,gfp,migratetype,count,failed,injected,ns_p50,ns_p99,ns_mean,"
			"free_count,ns_free_p50,cross_cpu_frees\n");
	else
		fprintf(f, "cache,count,failed,injected,ns_p50,ns_p99,ns_mean,free_count,ns_free_p50,"
			"bytes_req,bytes_alloc,frag_pct,cross_cpu_frees\n");
	for (size_t i = 0; i < bd->nrows; i++) {
		const struct mmb_bd_row *r = v[i];

		if (r->page != pages)
			continue;
		if (pages)
			fprintf(f, "%u,", r->order);
		bd_csv_name(r->name, f);
		if (pages)
			fprintf(f, ",%s", mt_names[(r->gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT]);
		fprintf(f, ",%lu,%lu,%lu,%.1f,%.1f,%.1f,%lu,%.1f", r->alloc.count, r->alloc.failed,
			r->alloc.injected, mmb_stat_quantile(&r->alloc, npt, 0.5),
			mmb_stat_quantile(&r->alloc, npt, 0.99), mmb_stat_mean(&r->alloc, npt),
			r->free.count, mmb_stat_quantile(&r->free, npt, 0.5));
		if (!pages)
			fprintf(f, ",%llu,%llu,%.3f", (unsigned long long)r->bytes_req,
				(unsigned long long)r->bytes_alloc, bd_frag(r));
		fprintf(f, ",%lu\n", r->cross_cpu);
	}
	free(v);
}
