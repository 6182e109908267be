// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/report.c - what a run tells the user: the human summary (stdout) and
 * the JSON result (--json).
 *
 * JSON (schema "mmbench/1"): the run's own members first (workload, format,
 * backend, malloc, variant, git, seed, threads, timings, ops, import,
 * validate, timeline), then every member of the library's mm_report_json()
 * (config, machine, zones, pcp, vmstat, and slab/vmalloc when the library
 * reports them) with its "schema" renamed "report_schema".
 *
 * Written through the library's JSON writer (libmm/src/json_writer.h,
 * straight to the FILE): the top-level members one a line, ops and
 * timeline points one a line, everything else inline.
 *
 * What depends on the host is exactly the keys ending in "_s", the keys
 * starting with "ns_" and the keys starting with "host" (the "host"
 * object: faults, peak RSS; "host_rss_kib" in the timeline): strip those and
 * two runs of the same workload, config and seed (sequential mode) give
 * identical JSON.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "mmbench.h"
#include "workload.h"

#ifndef MMB_GIT_REV
#define MMB_GIT_REV "unknown"
#endif
#ifndef MMB_VARIANT
#define MMB_VARIANT "unknown"
#endif
#ifndef MMB_VERSION
#define MMB_VERSION "unknown"
#endif

const char *mmb_version(void)
{
	return MMB_VERSION " (git " MMB_GIT_REV ", " MMB_VARIANT " build)";
}

const char *const mmb_mt_names[MM_MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

static double q(const struct mmb_run *r, int k, double quantile)
{
	return mmb_stat_quantile(&r->stat[k], r->ns_per_tick, quantile);
}

static double mean_ns(const struct mmb_run *r, int k)
{
	return mmb_stat_mean(&r->stat[k], r->ns_per_tick);
}

/* Mean and standard deviation (n - 1) of v[0..n). */
static void mean_sd(const double *v, int n, size_t stride, double *mean, double *sd)
{
	double s = 0, ss = 0;

	for (int i = 0; i < n; i++)
		s += v[(size_t)i * stride];
	*mean = n ? s / n : 0;
	for (int i = 0; i < n; i++)
		ss += (v[(size_t)i * stride] - *mean) * (v[(size_t)i * stride] - *mean);
	*sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
}

/* The latency distribution as [ns, fraction <= ns] points, one per
 * non-empty histogram bucket (upper bound). */
static void json_cdf(struct json_writer *w, const struct mmb_run *r, int k)
{
	const struct mmb_stat *st = &r->stat[k];
	unsigned long seen = 0;

	jw_array(w, "ns_cdf", JW_INLINE);
	for (unsigned b = 0; b < MMB_HIST_BUCKETS && st->timed; b++) {
		unsigned msb, sub;
		double hi;

		if (!st->hist[b])
			continue;
		seen += st->hist[b];
		if (b < 32) {
			hi = b + 1;
		} else {
			msb = b / MMB_HIST_SUB + 3;
			sub = b % MMB_HIST_SUB;
			hi = (double)((uint64_t)(MMB_HIST_SUB + sub + 1) << (msb - 4));
		}
		jw_array(w, NULL, JW_INLINE);
		jw_double(w, NULL, "%.1f", hi * r->ns_per_tick);
		jw_double(w, NULL, "%.6f", (double)seen / (double)st->timed);
		jw_end(w);
	}
	jw_end(w);
}

static void json_ops(struct json_writer *w, const struct mmb_run *r)
{
	jw_object(w, "ops", JW_LINES);
	for (int k = 0; k < OP_NR_KINDS; k++) {
		const struct mmb_stat *st = &r->stat[k];

		if (!st->count)
			continue;
		jw_object(w, mmb_op_names[k], JW_INLINE);
		jw_uint(w, "count", st->count);
		jw_uint(w, "failed", st->failed);
		jw_uint(w, "injected", st->injected);
		jw_uint(w, "skipped", st->skipped);
		jw_double(w, "ns_mean", "%.1f", mean_ns(r, k));
		jw_double(w, "ns_p50", "%.1f", q(r, k, 0.5));
		jw_double(w, "ns_p90", "%.1f", q(r, k, 0.9));
		jw_double(w, "ns_p99", "%.1f", q(r, k, 0.99));
		jw_double(w, "ns_p999", "%.1f", q(r, k, 0.999));
		json_cdf(w, r, k);
		jw_end(w);
	}
	jw_end(w);
}

static void json_ulongs(struct json_writer *w, const char *key, const unsigned long *v, int n)
{
	jw_array(w, key, JW_INLINE);
	for (int i = 0; i < n; i++)
		jw_uint(w, NULL, v[i]);
	jw_end(w);
}

static void json_zone_sample(struct json_writer *w, const struct mmb_zsample *zs, int max_order)
{
	jw_object(w, NULL, JW_INLINE);
	jw_int(w, "node", zs->node);
	jw_string(w, "zone", mm_zone_name(zs->zone));
	jw_uint(w, "free", zs->free);
	jw_uint(w, "min", zs->min);
	jw_uint(w, "low", zs->low);
	jw_uint(w, "high", zs->high);
	jw_object(w, "free_mt", JW_INLINE);
	for (int t = 0; t < MM_MIGRATE_TYPES; t++)
		jw_uint(w, mmb_mt_names[t], zs->free_mt[t]);
	jw_end(w);
	json_ulongs(w, "buddyinfo", zs->nr_free, max_order + 1);
	jw_array(w, "unusable_index", JW_INLINE);
	for (int o = 0; o <= max_order; o++)
		jw_double(w, NULL, "%.3f",
			  mm_unusable_index(zs->nr_free, (unsigned)max_order + 1, (unsigned)o) / 1000.0);
	jw_end(w);
	jw_end(w);
}

/* Free blocks of a pageblock's size (2 MiB) or more, counted in pageblocks,
 * all zones of a sample. */
static unsigned long sample_free_blocks(const struct mmb_sample *s, unsigned pb_order,
					int max_order)
{
	unsigned long n = 0;

	for (int z = 0; z < s->nzones; z++)
		for (int o = (int)pb_order; o <= max_order; o++)
			n += s->z[z].nr_free[o] << (o - (int)pb_order);
	return n;
}

/* One timeline point; the library's counters only with a libmm machine. */
static void json_sample(struct json_writer *w, const struct mmb_run *r, const struct mmb_sample *s,
			int max_order)
{
	jw_object(w, NULL, JW_INLINE);
	jw_uint(w, "op", s->op);
	jw_double(w, "t_s", "%.6f", s->t_s);
	jw_uint(w, "live_bytes", s->live_bytes);
	jw_uint(w, "host_rss_kib", s->host_rss_kib);
	if (r->m) {
		jw_uint(w, "slab_pages", s->slab_pages);
		jw_uint(w, "pcp_pages", s->pcp_pages);
		jw_uint(w, "mixed_pageblocks", s->mixed_pageblocks);
		jw_uint(w, "free_2m", sample_free_blocks(s, mm_pageblock_order(r->m), max_order));
	}
	jw_array(w, "zones", JW_INLINE);
	for (int z = 0; z < s->nzones; z++)
		json_zone_sample(w, &s->z[z], max_order);
	jw_end(w);
	if (r->m) {
		jw_object(w, "compaction", JW_INLINE);
		for (int k = 0; k < MMB_NR_COMPACT; k++)
			jw_uint(w, mmb_compact_names[k], s->compact[k]);
		jw_end(w);
	}
	if (r->m && s->cma.total) {     /* utilisation and cma_alloc outcomes */
		jw_object(w, "cma", JW_INLINE);
		jw_uint(w, "total", s->cma.total);
		jw_uint(w, "free", s->cma.free);
		jw_uint(w, "allocated", s->cma.allocated);
		jw_uint(w, "movable", s->cma.movable);
		jw_double(w, "utilisation", "%.4f",
			  (double)(s->cma.total - s->cma.free) / (double)s->cma.total);
		jw_uint(w, "cma_alloc_success", s->cma.success);
		jw_uint(w, "cma_alloc_fail", s->cma.fail);
		jw_end(w);
	}
	jw_end(w);
}

static void json_timeline(struct json_writer *w, const struct mmb_run *r)
{
	int max_order = r->m ? (int)mm_max_order(r->m) : 0;

	jw_array(w, "timeline", r->ntimeline ? JW_LINES : JW_INLINE);
	for (size_t i = 0; i < r->ntimeline; i++)
		json_sample(w, r, &r->timeline[i], max_order);
	jw_end(w);
}

/* The library's report members in the result object, "schema" renamed. */
static void json_library(struct json_writer *w, struct mm *m)
{
	char *js = mm_report_json_members(m, "report_schema");

	if (!js)
		return;
	jw_raw_members(w, js);
	mm_free_string(js);
}

/* Pages the machine manages, all zones (0 with the malloc backend). */
static unsigned long managed_pages(struct mm *m)
{
	struct mm_zone_info z;
	unsigned long n = 0;

	for (int nid = 0; m && nid < mm_nr_nodes(m); nid++)
		for (int zi = 0; zi < MM_MAX_NR_ZONES; zi++)
			if (!mm_zone_info(m, nid, zi, &z))
				n += z.managed;
	return n;
}

/* Peaks over the timeline: [0] used pages (managed - free), [1] slab
 * pages, [2] pcp pages, [3] the process's RSS (KiB). */
static void timeline_peaks(const struct mmb_run *r, unsigned long peak[4])
{
	unsigned long managed = managed_pages(r->m);

	memset(peak, 0, 4 * sizeof(*peak));
	for (size_t i = 0; i < r->ntimeline; i++) {
		const struct mmb_sample *s = &r->timeline[i];
		unsigned long free = 0;

		for (int z = 0; z < s->nzones; z++)
			free += s->z[z].free;
		if (r->m && managed - free > peak[0])
			peak[0] = managed - free;
		if (s->slab_pages > peak[1])
			peak[1] = s->slab_pages;
		if (s->pcp_pages > peak[2])
			peak[2] = s->pcp_pages;
		if (s->host_rss_kib > peak[3])
			peak[3] = s->host_rss_kib;
	}
}

static void json_memory(struct json_writer *w, const struct mmb_run *r)
{
	unsigned long peak[4];

	timeline_peaks(r, peak);
	jw_object(w, "memory", JW_INLINE);
	jw_uint(w, "live_bytes_end", r->live_bytes);
	jw_uint(w, "live_bytes_peak", r->peak_live_bytes);
	if (r->m) {
		jw_uint(w, "used_pages_peak", peak[0]);
		jw_uint(w, "slab_pages_peak", peak[1]);
		jw_uint(w, "pcp_pages_peak", peak[2]);
	}
	jw_uint(w, "host_rss_peak_kib", peak[3]);
	jw_end(w);
}

static double fault_s(const struct mmb_host *h)
{
	return (double)h->minflt * h->fault_ns * 1e-9;
}

static void json_host(struct json_writer *w, const struct mmb_run *r)
{
	const struct mmb_host *h = &r->host;

	jw_object(w, "host", JW_INLINE);
	jw_uint(w, "minflt", h->minflt);
	jw_uint(w, "majflt", h->majflt);
	jw_uint(w, "rss_peak_kib", h->rss_peak_kib);
	jw_uint(w, "rss_start_kib", h->rss_start_kib);
	jw_uint(w, "rss_replay_peak_kib", h->rss_replay_peak_kib);
	jw_double(w, "fault_s", "%.6f", fault_s(h));
	jw_double(w, "ns_per_fault", "%.1f", h->fault_ns);
	jw_uint(w, "prefault_pageblocks", h->prefault_pageblocks);
	jw_uint(w, "prefault_minflt", h->prefault_minflt);
	jw_double(w, "prefault_s", "%.6f", h->prefault_s);
	jw_end(w);
}

/* v[0], v[stride], ... v[(n - 1) * stride] */
static void json_doubles(struct json_writer *w, const char *key, const double *v, int n,
			 size_t stride, const char *fmt)
{
	jw_array(w, key, JW_INLINE);
	for (int i = 0; i < n; i++)
		jw_double(w, NULL, fmt, v[(size_t)i * stride]);
	jw_end(w);
}

static void json_runs(struct json_writer *w, const struct mmb_run *r, const struct mmb_runs *rs)
{
	double mean, sd;

	mean_sd(rs->replay_s, rs->n, 1, &mean, &sd);
	jw_object(w, "runs", JW_INLINE);
	jw_int(w, "count", rs->n);
	jw_bool(w, "warmup", rs->warmup);
	jw_double(w, "replay_mean_s", "%.6f", mean);
	jw_double(w, "replay_stddev_s", "%.6f", sd);
	json_doubles(w, "replay_runs_s", rs->replay_s, rs->n, 1, "%.6f");
	jw_object(w, "ops", JW_LINES);
	for (int k = 0; k < OP_NR_KINDS; k++) {
		if (!r->stat[k].count)
			continue;
		jw_object(w, mmb_op_names[k], JW_INLINE);
		json_doubles(w, "ns_p50_runs", &rs->p50[0][k], rs->n, OP_NR_KINDS, "%.1f");
		json_doubles(w, "ns_p99_runs", &rs->p99[0][k], rs->n, OP_NR_KINDS, "%.1f");
		json_doubles(w, "ns_mean_runs", &rs->mean[0][k], rs->n, OP_NR_KINDS, "%.1f");
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
}

static void json_import(struct json_writer *w, const struct mmb_import *im)
{
	jw_object(w, "import", JW_INLINE);
	jw_uint(w, "events", im->events);
	jw_uint(w, "skipped_free", im->skipped_free);
	jw_uint(w, "null_free", im->null_free);
	jw_uint(w, "batched_dup", im->batched_dup);
	jw_uint(w, "ignored", im->ignored);
	jw_uint(w, "failed_realloc", im->failed_realloc);
	jw_uint(w, "caches", im->caches);
	jw_uint(w, "user_pages", im->user_pages);
	jw_end(w);
}

int mmb_write_json(const struct mmb_run *r, const struct mmb_report_info *ri, FILE *f)
{
	unsigned long total = 0;
	struct json_writer w;

	for (int k = 0; k < OP_NR_KINDS; k++)
		total += r->stat[k].count;
	jw_init_file(&w, f);
	jw_object(&w, NULL, JW_LINES);
	jw_string(&w, "schema", "mmbench/1");
	jw_string(&w, "workload", ri->workload);
	jw_string(&w, "label", ri->label);
	jw_string(&w, "format", ri->format);
	jw_string(&w, "backend", r->backend == MMB_BACKEND_MALLOC ? "malloc" : "libmm");
	jw_string(&w, "malloc", r->backend == MMB_BACKEND_MALLOC ? ri->malloc_name : "libmm");
	jw_string(&w, "variant", MMB_VARIANT);
	jw_string(&w, "git", MMB_GIT_REV);
	jw_int(&w, "seed", ri->seed);
	jw_bool(&w, "threads", r->threads);
	jw_uint(&w, "tick_every", r->tick_every);
	jw_string(&w, "machine_config", ri->machine_config);
	jw_object(&w, "input", JW_INLINE);
	jw_string(&w, "codec", ri->codec);
	jw_bool(&w, "streamed", ri->streamed);
	jw_end(&w);
	jw_double(&w, "elapsed_s", "%.6f", ri->elapsed_s);
	jw_double(&w, "parse_s", "%.6f", ri->parse_s);
	jw_double(&w, "replay_s", "%.6f", r->replay_s);
	jw_uint(&w, "lines", r->prog->lines);
	jw_uint(&w, "ops_total", total);
	json_ops(&w, r);
	if (ri->runs)
		json_runs(&w, r, ri->runs);
	mmb_fault_json(r, &w);
	mmb_bd_json(&r->bd, r->ns_per_tick, &w);
	json_import(&w, &r->prog->import);
	json_memory(&w, r);
	json_host(&w, r);
	if (ri->validate_done)
		jw_string(&w, "validate", ri->validate_err ? ri->validate_err : "ok");
	else
		jw_null(&w, "validate");
	json_timeline(&w, r);
	if (r->m)
		json_library(&w, r->m);
	else
		jw_null(&w, "machine");
	jw_end(&w);
	return jw_finish(&w);
}

/* ---- human summary ---------------------------------------------------------------------- */

static void fmt_time(char *buf, size_t n, double s)
{
	if (s < 1e-3)
		snprintf(buf, n, "%.1f us", s * 1e6);
	else if (s < 1)
		snprintf(buf, n, "%.2f ms", s * 1e3);
	else
		snprintf(buf, n, "%.3f s", s);
}

struct slabrow { char name[64]; unsigned long objs, active, objsize, bytes; };

static int slab_cmp(const void *a, const void *b)
{
	const struct slabrow *x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : strcmp(x->name, y->name);
}

static void summary_slab(struct mm *m, FILE *f)
{
	struct mm_slabinfo info[512];
	struct slabrow rows[512];
	int nr = mm_slabinfo(m, info, 512), n = 0;

	for (int i = 0; i < nr && i < 512; i++) {
		if (!info[i].num_slabs)
			continue;
		snprintf(rows[n].name, sizeof(rows[n].name), "%s", info[i].name);
		rows[n].objs = info[i].num_objs;
		rows[n].active = info[i].active_objs;
		rows[n].objsize = info[i].objsize;
		rows[n].bytes = info[i].num_slabs * info[i].pagesperslab * MM_PAGE_SIZE;
		n++;
	}
	qsort(rows, (size_t)n, sizeof(rows[0]), slab_cmp);
	if (n) {
		fprintf(f, "\ntop slab caches (by slab memory):\n%-24s %10s %10s %8s %10s\n",
			"cache", "active", "objects", "objsize", "KiB");
		for (int i = 0; i < n && i < 8; i++)
			fprintf(f, "%-24s %10lu %10lu %8lu %10lu\n", rows[i].name, rows[i].active,
				rows[i].objs, rows[i].objsize, rows[i].bytes >> 10);
	}
}

static void summary_zones(struct mm *m, FILE *f)
{
	struct mm_zone_info z;
	unsigned long free = 0, managed = 0;
	int max_order = (int)mm_max_order(m);

	fprintf(f, "\nzone              free MiB  managed MiB  unusable index by order 0..%d\n",
		max_order);
	for (int nid = 0; nid < mm_nr_nodes(m); nid++)
		for (int zi = 0; zi < MM_MAX_NR_ZONES; zi++) {
			if (mm_zone_info(m, nid, zi, &z) || !z.managed)
				continue;
			free += z.free;
			managed += z.managed;
			fprintf(f, "node %d %-8s %11.1f %12.1f  ", nid, z.name,
				z.free * 4096.0 / 1048576, z.managed * 4096.0 / 1048576);
			for (int o = 0; o <= max_order; o++)
				fprintf(f, "%s%.2f", o ? " " : "",
					mm_unusable_index(z.nr_free, (unsigned)max_order + 1, (unsigned)o) / 1000.0);
			fputc('\n', f);
		}
	fprintf(f, "free memory: %.1f MiB of %.1f MiB (%.1f%%; pages on per-CPU lists not counted)\n",
		free * 4096.0 / 1048576, managed * 4096.0 / 1048576,
		managed ? 100.0 * (double)free / (double)managed : 0.0);
}

/* Runs, host and memory lines of the summary. */
static void summary_runs(const struct mmb_run *r, const struct mmb_runs *rs, FILE *f)
{
	double mean, sd, m50, s50;

	mean_sd(rs->replay_s, rs->n, 1, &mean, &sd);
	fprintf(f, "runs: %d on fresh machines%s; replay %.3f ms +- %.3f ms (mean +- sd)\n",
		rs->n, rs->warmup ? " after a warm-up run" : "", mean * 1e3, sd * 1e3);
	for (int k = 0; k < OP_NR_KINDS; k++) {
		if (!r->stat[k].count)
			continue;
		mean_sd(&rs->p50[0][k], rs->n, OP_NR_KINDS, &m50, &s50);
		fprintf(f, "  %-14s p50 %.0f +- %.0f ns across runs\n", mmb_op_names[k], m50, s50);
	}
}

static void summary_host(const struct mmb_run *r, FILE *f)
{
	const struct mmb_host *h = &r->host;
	unsigned long peak[4];

	fprintf(f, "host: %lu minor / %lu major page faults inside the timed operations", h->minflt,
		h->majflt);
	if (h->minflt && r->replay_s > 0)
		fprintf(f, " (~%.1f%% of the replay at %.1f us each)",
			100.0 * fault_s(h) / r->replay_s, h->fault_ns / 1e3);
	fprintf(f, "; peak RSS %.1f MiB (replay: from %.1f to at most %.1f MiB)\n",
		h->rss_peak_kib / 1024.0, h->rss_start_kib / 1024.0, h->rss_replay_peak_kib / 1024.0);
	if (h->prefault_pageblocks)
		fprintf(f, "prefault: %lu pageblocks populated in %.2f ms (%lu host faults), "
			"taken out of the timings\n", h->prefault_pageblocks, h->prefault_s * 1e3,
			h->prefault_minflt);
	timeline_peaks(r, peak);
	fprintf(f, "memory: requested bytes live %.1f MiB at the end, %.1f MiB at most",
		r->live_bytes / 1048576.0, r->peak_live_bytes / 1048576.0);
	if (r->m)
		fprintf(f, "; at most %.1f MiB of pages in use, %.1f MiB in slabs, %.1f MiB on "
			"per-CPU lists", peak[0] / 256.0, peak[1] / 256.0, peak[2] / 256.0);
	fputc('\n', f);
}

void mmb_print_summary(const struct mmb_run *r, const struct mmb_report_info *ri, FILE *f)
{
	const struct mmb_import *im = &r->prog->import;
	unsigned long total = 0, failed = 0, skipped = 0;
	char pt[32], rt[32], et[32];

	for (int k = 0; k < OP_NR_KINDS; k++) {
		total += r->stat[k].count;
		failed += r->stat[k].failed;
		skipped += r->stat[k].skipped;
	}
	fmt_time(pt, sizeof(pt), ri->parse_s);
	fmt_time(rt, sizeof(rt), r->replay_s);
	fmt_time(et, sizeof(et), ri->elapsed_s);
	fprintf(f, "mmbench run %s (%s%s%s): %lu operations from %lu lines\n", ri->workload,
		ri->format, strcmp(ri->codec, "text") ? ", " : "",
		strcmp(ri->codec, "text") ? ri->codec : "", total, r->prog->lines);
	if (r->m)
		fprintf(f, "machine: %s\n", ri->machine_config);
	fprintf(f, "backend: %s%s%s, %s\n",
		r->backend == MMB_BACKEND_MALLOC ? "malloc (" : "libmm",
		r->backend == MMB_BACKEND_MALLOC ? ri->malloc_name : "",
		r->backend == MMB_BACKEND_MALLOC ? ")" : "",
		r->threads ? "one thread per CPU" : "one thread");
	fprintf(f, "parse %s (%.2f M lines/s%s), replay %s (%.2f M ops/s), total %s\n", pt,
		ri->parse_s > 0 ? r->prog->lines / ri->parse_s / 1e6 : 0.0,
		ri->streamed ? ", streamed with the replay" : "", rt,
		r->replay_s > 0 ? total / r->replay_s / 1e6 : 0.0, et);
	if (ri->runs && ri->runs->n > 1)
		summary_runs(r, ri->runs, f);
	if (im->events)
		fprintf(f, "trace: %lu events; skipped %lu frees of objects from before the trace, "
			"%lu NULL frees, %lu batched repeats, %lu other events; %lu caches made; "
			"%lu user pages replayed as process faults\n",
			im->events, im->skipped_free, im->null_free, im->batched_dup, im->ignored,
			im->caches, im->user_pages);
	summary_host(r, f);
	fprintf(f, "\n%-14s %10s %8s %8s %9s %9s %9s\n", "operation", "count", "failed", "skipped",
		"p50 ns", "p99 ns", "mean ns");
	for (int k = 0; k < OP_NR_KINDS; k++) {
		const struct mmb_stat *st = &r->stat[k];

		if (!st->count)
			continue;
		fprintf(f, "%-14s %10lu %8lu %8lu %9.0f %9.0f %9.1f\n", mmb_op_names[k], st->count,
			st->failed, st->skipped, q(r, k, 0.5), q(r, k, 0.99), mean_ns(r, k));
	}
	fprintf(f, "%-14s %10lu %8lu %8lu\n", "total", total, failed, skipped);
	if (failed)
		fprintf(f, "(failed: allocations that returned NULL or frees the allocator refused)\n");
	mmb_fault_summary(r, f);
	if (skipped)
		fprintf(f, "(skipped: frees of handles whose allocation had failed)\n");
	mmb_bd_summary(&r->bd, r->ns_per_tick, f);
	if (r->m) {
		summary_zones(r->m, f);
		mmb_summary_compaction(r->m, f);
		mmb_summary_cma(r->m, f);
		summary_slab(r->m, f);
	}
	if (ri->validate_done)
		fprintf(f, "\nvalidate: %s\n", ri->validate_err ? ri->validate_err : "ok");
}
