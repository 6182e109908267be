// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/csv.c - `mmbench run --csv DIR`: the run's tables as CSV files for
 * spreadsheets and data frames (RFC 4180: a header line, commas, names
 * quoted when they hold a comma or a quote):
 *
 *   DIR/ops.csv        one row per operation kind: count, failed, injected,
 *                      skipped, latency mean/p50/p90/p99/p999 (ns)
 *   DIR/timeline.csv   one row per timeline sample and zone: op, t_s,
 *                      live_bytes, host_rss_kib, slab_pages, pcp_pages,
 *                      mixed_pageblocks, free_2m, node, zone, free, min,
 *                      low, high, free pages per migratetype, and the
 *                      unusable index at the pageblock order
 *   DIR/page_ops.csv   the alloc_pages breakdown (order, gfp, migratetype)
 *   DIR/slab_ops.csv   the slab breakdown (perf kmem stat's columns)
 *
 * The breakdown files come from breakdown.c's rows (only when the run was
 * broken down).  DIR is made if missing.  -1 after a message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "workload.h"


static FILE *csv_open(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "mmbench run: cannot write --csv '%s': %s\n", path, strerror(errno));
	return f;
}

static int csv_close(FILE *f, const char *dir, const char *name)
{
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "mmbench run: cannot write --csv '%s/%s'\n", dir, name);
		return -1;
	}
	return 0;
}

static void csv_ops(const struct mmb_run *r, FILE *f)
{
	fprintf(f, "op,count,failed,injected,skipped,ns_mean,ns_p50,ns_p90,ns_p99,ns_p999\n");
	for (int k = 0; k < OP_NR_KINDS; k++) {
		const struct mmb_stat *st = &r->stat[k];
		double t = r->ns_per_tick;

		if (!st->count)
			continue;
		fprintf(f, "%s,%lu,%lu,%lu,%lu,%.1f,%.1f,%.1f,%.1f,%.1f\n", mmb_op_names[k], st->count,
			st->failed, st->injected, st->skipped, mmb_stat_mean(st, t),
			mmb_stat_quantile(st, t, 0.5), mmb_stat_quantile(st, t, 0.9),
			mmb_stat_quantile(st, t, 0.99), mmb_stat_quantile(st, t, 0.999));
	}
}

static void csv_timeline(const struct mmb_run *r, FILE *f)
{
	int max_order = r->m ? (int)mm_max_order(r->m) : 0;
	int pb = r->m ? (int)mm_pageblock_order(r->m) : 0;

	fprintf(f, "op,t_s,live_bytes,host_rss_kib,slab_pages,pcp_pages,mixed_pageblocks,free_2m,"
		"node,zone,free,min,low,high");
	for (int t = 0; t < MM_MIGRATE_TYPES; t++)
		fprintf(f, ",free_%s", mmb_mt_names[t]);
	fprintf(f, ",unusable_index_pageblock\n");
	for (size_t i = 0; i < r->ntimeline; i++) {
		const struct mmb_sample *s = &r->timeline[i];
		unsigned long free_2m = 0;

		for (int z = 0; z < s->nzones; z++)
			for (int o = pb; r->m && o <= max_order; o++)
				free_2m += s->z[z].nr_free[o] << (o - pb);
		for (int z = 0; z < (s->nzones ? s->nzones : 1); z++) {
			fprintf(f, "%zu,%.6f,%llu,%lu,%lu,%lu,%lu,%lu", s->op, s->t_s,
				(unsigned long long)s->live_bytes, s->host_rss_kib, s->slab_pages,
				s->pcp_pages, s->mixed_pageblocks, free_2m);
			if (!s->nzones) {       /* the malloc backend: no zones */
				fprintf(f, ",,,,,,");
				for (int t = 0; t < MM_MIGRATE_TYPES; t++)
					fputc(',', f);
				fprintf(f, ",\n");
				continue;
			}
			fprintf(f, ",%d,%s,%lu,%lu,%lu,%lu", s->z[z].node, mm_zone_name(s->z[z].zone),
				s->z[z].free, s->z[z].min, s->z[z].low, s->z[z].high);
			for (int t = 0; t < MM_MIGRATE_TYPES; t++)
				fprintf(f, ",%lu", s->z[z].free_mt[t]);
			fprintf(f, ",%.3f\n", mm_unusable_index(s->z[z].nr_free, (unsigned)max_order + 1,
								 (unsigned)pb) / 1000.0);
		}
	}
}

int mmb_write_csv(const struct mmb_run *r, const char *dir)
{
	static const char *const names[] = { "ops.csv", "timeline.csv", "page_ops.csv",
					      "slab_ops.csv" };
	struct stat st;

	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "mmbench run: cannot make --csv directory '%s': %s\n", dir,
			strerror(errno));
		return -1;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mmbench run: --csv '%s' is not a directory\n", dir);
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		FILE *f;

		if (i >= 2 && !r->bd.on)
			continue;
		if (!(f = csv_open(dir, names[i])))
			return -1;
		if (i == 0)
			csv_ops(r, f);
		else if (i == 1)
			csv_timeline(r, f);
		else
			mmb_bd_csv(&r->bd, r->ns_per_tick, i == 2, f);
		if (csv_close(f, dir, names[i]))
			return -1;
	}
	return 0;
}
