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
 * Timing members are exactly the keys ending in "_s" and the keys starting
 * with "ns_": strip those and two runs of the same workload, config and seed
 * (sequential mode) give identical JSON.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

#ifndef MMB_GIT_REV
#define MMB_GIT_REV "unknown"
#endif
#ifndef MMB_VARIANT
#define MMB_VARIANT "unknown"
#endif

static const char *const zone_names[MM_MAX_NR_ZONES] = { "DMA", "DMA32", "NORMAL", "MOVABLE" };

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static double total_ticks_ns(const struct mmb_run *r, int k)
{
	const struct mmb_stat *st = &r->stat[k];

	return st->timed ? (double)st->ticks * r->ns_per_tick / (double)st->timed : 0;
}

/* The latency distribution as [ns, fraction <= ns] points, one per
 * non-empty histogram bucket (upper bound). */
static void json_cdf(FILE *f, const struct mmb_run *r, int k)
{
	const struct mmb_stat *st = &r->stat[k];
	unsigned long seen = 0;
	int first = 1;

	fputc('[', f);
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
		fprintf(f, "%s[%.1f, %.6f]", first ? "" : ", ", hi * r->ns_per_tick,
			(double)seen / (double)st->timed);
		first = 0;
	}
	fputc(']', f);
}

static void json_ops(FILE *f, const struct mmb_run *r)
{
	int first = 1;

	fprintf(f, "  \"ops\": {");
	for (int k = 0; k < OP_NR_KINDS; k++) {
		const struct mmb_stat *st = &r->stat[k];

		if (!st->count)
			continue;
		fprintf(f, "%s\n    \"%s\": {\"count\": %lu, \"failed\": %lu, \"injected\": %lu, "
			"\"skipped\": %lu, \"ns_mean\": %.1f, \"ns_p50\": %.1f, \"ns_p90\": %.1f, "
			"\"ns_p99\": %.1f, \"ns_p999\": %.1f, \"ns_cdf\": ", first ? "" : ",",
			mmb_op_names[k], st->count, st->failed, st->injected, st->skipped,
			total_ticks_ns(r, k),
			mmb_stat_quantile(r, k, 0.5), mmb_stat_quantile(r, k, 0.9),
			mmb_stat_quantile(r, k, 0.99), mmb_stat_quantile(r, k, 0.999));
		json_cdf(f, r, k);
		fputc('}', f);
		first = 0;
	}
	fprintf(f, "\n  },\n");
}

static void json_timeline(FILE *f, const struct mmb_run *r)
{
	int max_order = r->m ? (int)mm_max_order(r->m) : 0;

	fprintf(f, "  \"timeline\": [");
	for (size_t i = 0; i < r->ntimeline; i++) {
		const struct mmb_sample *s = &r->timeline[i];

		fprintf(f, "%s\n    {\"op\": %zu, \"t_s\": %.6f, \"zones\": [", i ? "," : "", s->op,
			s->t_s);
		for (int z = 0; z < s->nzones; z++) {
			const struct mmb_zsample *zs = &s->z[z];

			fprintf(f, "%s{\"node\": %d, \"zone\": \"%s\", \"free\": %lu, \"buddyinfo\": [",
				z ? ", " : "", zs->node, zone_names[zs->zone], zs->free);
			for (int o = 0; o <= max_order; o++)
				fprintf(f, "%s%lu", o ? ", " : "", zs->nr_free[o]);
			fprintf(f, "], \"unusable_index\": [");
			for (int o = 0; o <= max_order; o++)
				fprintf(f, "%s%.3f", o ? ", " : "",
					mmb_unusable_index(zs->nr_free, max_order, o) / 1000.0);
			fprintf(f, "]}");
		}
		fprintf(f, "]}");
	}
	fprintf(f, "%s]", r->ntimeline ? "\n  " : "");
}

/* The library's report without its outer braces, "schema" renamed. */
static void json_library(FILE *f, struct mm *m)
{
	char *js = mm_report_json(m);
	const char *body, *end;

	if (!js)
		return;
	body = strchr(js, '{');
	end = strrchr(js, '}');
	if (!body || !end || end <= body) {
		mm_free_string(js);
		return;
	}
	body++;
	while (*body == ' ' || *body == '\n')
		body++;
	fprintf(f, ",\n  ");
	if (!strncmp(body, "\"schema\"", 8)) {
		fputs("\"report_schema\"", f);
		body += 8;
	}
	fwrite(body, 1, (size_t)(end - body), f);
	mm_free_string(js);
}

int mmb_write_json(const struct mmb_run *r, const struct mmb_report_info *ri, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	const struct mmb_import *im = &r->prog->import;
	unsigned long total = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	for (int k = 0; k < OP_NR_KINDS; k++)
		total += r->stat[k].count;
	fprintf(f, "{\n  \"schema\": \"mmbench/1\",\n  \"workload\": ");
	json_str(f, ri->workload);
	fprintf(f, ",\n  \"format\": \"%s\",\n  \"backend\": \"%s\",\n  \"malloc\": ", ri->format,
		r->backend == MMB_BACKEND_MALLOC ? "malloc" : "libmm");
	json_str(f, r->backend == MMB_BACKEND_MALLOC ? ri->malloc_name : "libmm");
	fprintf(f, ",\n  \"variant\": ");
	json_str(f, MMB_VARIANT);
	fprintf(f, ",\n  \"git\": ");
	json_str(f, MMB_GIT_REV);
	fprintf(f, ",\n  \"seed\": %ld,\n  \"threads\": %s,\n  \"tick_every\": %zu,"
		"\n  \"machine_config\": ", ri->seed, r->threads ? "true" : "false", r->tick_every);
	if (ri->machine_config)
		json_str(f, ri->machine_config);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"elapsed_s\": %.6f,\n  \"parse_s\": %.6f,\n  \"replay_s\": %.6f,\n",
		ri->elapsed_s, ri->parse_s, r->replay_s);
	fprintf(f, "  \"lines\": %lu,\n  \"ops_total\": %lu,\n", r->prog->lines, total);
	json_ops(f, r);
	mmb_fault_json(r, f);
	fprintf(f, "  \"import\": {\"events\": %lu, \"skipped_free\": %lu, \"null_free\": %lu, "
		"\"batched_dup\": %lu, \"ignored\": %lu, \"failed_realloc\": %lu, \"caches\": %lu},\n",
		im->events, im->skipped_free, im->null_free, im->batched_dup, im->ignored,
		im->failed_realloc, im->caches);
	fprintf(f, "  \"validate\": ");
	if (!ri->validate_done)
		fputs("null", f);
	else
		json_str(f, ri->validate_err ? ri->validate_err : "ok");
	fprintf(f, ",\n");
	json_timeline(f, r);
	if (r->m)
		json_library(f, r->m);
	else
		fprintf(f, ",\n  \"machine\": null");
	fprintf(f, "\n}\n");
	if (f != stdout && fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
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
	char *txt = mm_report_text(m, "slabinfo"), *line, *save = NULL;
	struct slabrow rows[512];
	int n = 0;

	if (!txt)
		return;
	for (line = strtok_r(txt, "\n", &save); line && n < 512; line = strtok_r(NULL, "\n", &save)) {
		unsigned long active, objs, objsize, perslab, pages, aslabs, slabs;
		char name[64];

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lu %lu %lu %lu %lu : tunables %*u %*u %*u : slabdata %lu %lu",
			   name, &active, &objs, &objsize, &perslab, &pages, &aslabs, &slabs) != 8)
			continue;
		if (!slabs)
			continue;
		snprintf(rows[n].name, sizeof(rows[n].name), "%s", name);
		rows[n].objs = objs;
		rows[n].active = active;
		rows[n].objsize = objsize;
		rows[n].bytes = slabs * pages * MM_PAGE_SIZE;
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
	mm_free_string(txt);
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
					mmb_unusable_index(z.nr_free, max_order, o) / 1000.0);
			fputc('\n', f);
		}
	fprintf(f, "free memory: %.1f MiB of %.1f MiB (%.1f%%; pages on per-CPU lists not counted)\n",
		free * 4096.0 / 1048576, managed * 4096.0 / 1048576,
		managed ? 100.0 * (double)free / (double)managed : 0.0);
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
	fprintf(f, "mmbench run %s (%s): %lu operations from %lu lines\n", ri->workload, ri->format,
		total, r->prog->lines);
	if (r->m)
		fprintf(f, "machine: %s\n", ri->machine_config);
	fprintf(f, "backend: %s%s%s, %s\n",
		r->backend == MMB_BACKEND_MALLOC ? "malloc (" : "libmm",
		r->backend == MMB_BACKEND_MALLOC ? ri->malloc_name : "",
		r->backend == MMB_BACKEND_MALLOC ? ")" : "",
		r->threads ? "one thread per CPU" : "one thread");
	fprintf(f, "parse %s (%.2f M lines/s), replay %s (%.2f M ops/s), total %s\n", pt,
		ri->parse_s > 0 ? r->prog->lines / ri->parse_s / 1e6 : 0.0, rt,
		r->replay_s > 0 ? total / r->replay_s / 1e6 : 0.0, et);
	if (im->events)
		fprintf(f, "trace: %lu events; skipped %lu frees of objects from before the trace, "
			"%lu NULL frees, %lu batched repeats, %lu other events; %lu caches made\n",
			im->events, im->skipped_free, im->null_free, im->batched_dup, im->ignored,
			im->caches);
	fprintf(f, "\n%-14s %10s %8s %8s %9s %9s %9s\n", "operation", "count", "failed", "skipped",
		"p50 ns", "p99 ns", "mean ns");
	for (int k = 0; k < OP_NR_KINDS; k++) {
		const struct mmb_stat *st = &r->stat[k];

		if (!st->count)
			continue;
		fprintf(f, "%-14s %10lu %8lu %8lu %9.0f %9.0f %9.1f\n", mmb_op_names[k], st->count,
			st->failed, st->skipped, mmb_stat_quantile(r, k, 0.5),
			mmb_stat_quantile(r, k, 0.99), total_ticks_ns(r, k));
	}
	fprintf(f, "%-14s %10lu %8lu %8lu\n", "total", total, failed, skipped);
	if (failed)
		fprintf(f, "(failed: allocations that returned NULL or frees the allocator refused)\n");
	mmb_fault_summary(r, f);
	if (skipped)
		fprintf(f, "(skipped: frees of handles whose allocation had failed)\n");
	if (r->m) {
		summary_zones(r->m, f);
		summary_slab(r->m, f);
	}
	if (ri->validate_done)
		fprintf(f, "\nvalidate: %s\n", ri->validate_err ? ri->validate_err : "ok");
}
