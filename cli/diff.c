// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/diff.c - `mmbench diff A.json B.json [C.json ...] [--json FILE|-]`:
 * what changed between runs.  The first result is the base; every other
 * column shows its value and its change against the base.
 *
 * Each result is read whole (json.c; plain or xz/gzip/zstd through
 * input.c) and every section that holds numbers is flattened into rows
 * "path = number": objects by member name, arrays of objects by their
 * identifying member (a cache's or call site's "name", a zone's node and
 * zone, a breakdown row's "key"), arrays of numbers by index.  A row
 * appears when its values differ between the results (each operation's
 * count, failures and latencies always: they are the experiment's answer).  Rows come in the order their
 * paths are first seen.  What depends on the host (the keys ending in "_s",
 * "host" objects) and the latency CDFs are left out; the latency
 * percentiles and means stay in for "ops" only.
 *
 * Column headings: a result's --label when it has one, else how its
 * configuration differs from the others' - the machine config's KEY=VALUE
 * words not shared by every result ("KEY=default" where a result lacks a
 * key others set), the backend/malloc, --threads, --tick, and the
 * workload's name when the workloads differ.
 *
 * --json writes {"schema": "mmbench-diff/1", "runs": [...], "rows": [...]}
 * (schemas/mmbench-diff-1.schema.json).  Exit 0, 1 when an input is not an
 * mmbench result, 2 on usage errors and unreadable files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_writer.h"
#include "mmbench.h"
#include "workload.h"

#define DIFF_MAX_RUNS 16

/* The sections compared, in output order; ops rows are always shown. */
static const char *const diff_sections[] = {
	"ops", "failures", "page_ops", "slab_ops", "kmem", "cross_cpu", "sites", "memory",
	"census", "zones", "slab", "vmstat",
};
#define NR_SECTIONS (sizeof(diff_sections) / sizeof(diff_sections[0]))

struct diff_row {
	char *path;                     /* "alloc_pages.ns_p50" (section not included) */
	int section;
	double v[DIFF_MAX_RUNS];        /* NAN: absent in that result */
};

struct diff {
	int n;                          /* results */
	struct mmb_json *doc[DIFF_MAX_RUNS];
	const char *file[DIFF_MAX_RUNS];
	char *head[DIFF_MAX_RUNS];      /* column headings */
	struct diff_row *rows;
	size_t nrows, cap;
	struct mmb_map index;           /* path + section -> row */
};

/* ---- reading --------------------------------------------------------------------- */

static char *diff_slurp(const char *path, size_t *len)
{
	struct mmb_input *in = mmb_input_open(path);
	char *buf = NULL, *line;
	size_t n = 0, cap = 0, l;
	int r;

	if (!in) {
		fprintf(stderr, "mmbench diff: cannot read '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	while ((r = mmb_input_line(in, &line, &l)) == 1) {
		if (n + l + 2 > cap) {
			cap = (n + l + 2) * 2;
			buf = mmb_xrealloc(buf, cap);
		}
		memcpy(buf + n, line, l);
		n += l;
		buf[n++] = '\n';
	}
	mmb_input_close(in);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	buf = mmb_xrealloc(buf, n + 1);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int diff_load(struct diff *d, const char *path)
{
	char err[128];
	size_t len = 0;
	char *text = diff_slurp(path, &len);
	struct mmb_json *j;
	const char *schema;

	if (!text)
		return MMB_EXIT_USAGE;
	j = mmb_json_parse(text, len, err, sizeof(err));
	free(text);
	if (!j) {
		fprintf(stderr, "%s: not JSON: %s\n", path, err);
		return MMB_EXIT_INVALID;
	}
	schema = mmb_json_str(mmb_json_get(j, "schema"), "");
	if (strncmp(schema, "mmbench/", 8)) {
		fprintf(stderr, "%s: not an mmbench result (schema '%s')\n", path, schema);
		mmb_json_free(j);
		return MMB_EXIT_INVALID;
	}
	d->file[d->n] = path;
	d->doc[d->n++] = j;
	return 0;
}

/* ---- flattening ------------------------------------------------------------------------ */

static void diff_put(struct diff *d, int section, const char *path, int run, double v)
{
	char key[512];
	int created;
	struct mmb_map_ent *e;
	size_t n = (size_t)snprintf(key, sizeof(key), "%d:%s", section, path);

	e = mmb_map_get(&d->index, key, n < sizeof(key) ? n : sizeof(key) - 1, &created);
	if (created) {
		if (d->nrows == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 256;
			d->rows = mmb_xrealloc(d->rows, d->cap * sizeof(*d->rows));
		}
		e->val = (uint32_t)d->nrows;
		d->rows[d->nrows].path = mmb_xstrndup(path, strlen(path));
		d->rows[d->nrows].section = section;
		for (int i = 0; i < DIFF_MAX_RUNS; i++)
			d->rows[d->nrows].v[i] = NAN;
		d->nrows++;
	}
	d->rows[e->val].v[run] = v;
}

/* Host-dependent keys; latencies only in "ops" (a breakdown row's would
 * always differ and drown the rows that tell something). */
static int diff_skip_key(int section, const char *k)
{
	size_t n = strlen(k);

	if (strcmp(diff_sections[section], "ops") && !strncmp(k, "ns_", 3))
		return 1;
	if (!strcmp(diff_sections[section], "census") && !strcmp(k, "map"))
		return 1;               /* per pageblock: the picture's, not a table's */
	return (n > 2 && !strcmp(k + n - 2, "_s")) || !strncmp(k, "host", 4) ||
	       !strcmp(k, "ns_cdf") || !strcmp(k, "ns_p90") || !strcmp(k, "ns_p999");
}

/* The name an element of an array of objects goes by. */
static void diff_elem_name(const struct mmb_json *e, size_t i, char *buf, size_t len)
{
	static const char *const ids[] = { "key", "name", "site", "cache" };
	const struct mmb_json *node = mmb_json_get(e, "node"), *zone = mmb_json_get(e, "zone");

	if (node && zone && mmb_json_get(e, "cpu")) {
		snprintf(buf, len, "cpu%.0f/node%.0f/%s", mmb_json_num(mmb_json_get(e, "cpu"), 0),
			 mmb_json_num(node, 0), mmb_json_str(zone, "?"));
		return;
	}
	if (node && zone) {
		snprintf(buf, len, "node%.0f/%s", mmb_json_num(node, 0), mmb_json_str(zone, "?"));
		return;
	}
	for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		const char *s = mmb_json_str(mmb_json_get(e, ids[k]), NULL);

		if (s) {
			snprintf(buf, len, "%s", s);
			return;
		}
	}
	snprintf(buf, len, "%zu", i);
}

static void diff_flatten(struct diff *d, int section, int run, const struct mmb_json *j,
			 char *path, size_t plen)
{
	size_t n = strlen(path);

	if (j->type == MJ_NUM || j->type == MJ_BOOL) {
		diff_put(d, section, path, run, j->num);
		return;
	}
	for (size_t i = 0; (j->type == MJ_OBJ || j->type == MJ_ARR) && i < j->n; i++) {
		char name[160];

		if (j->type == MJ_OBJ) {
			if (diff_skip_key(section, j->keys[i]))
				continue;
			snprintf(name, sizeof(name), "%s", j->keys[i]);
		} else if (j->v[i].type == MJ_OBJ) {
			diff_elem_name(&j->v[i], i, name, sizeof(name));
		} else {
			snprintf(name, sizeof(name), "[%zu]", i);
		}
		snprintf(path + n, plen - n, "%s%s", n && name[0] != '[' ? "." : "", name);
		diff_flatten(d, section, run, &j->v[i], path, plen);
		path[n] = '\0';
	}
}

static void diff_collect(struct diff *d)
{
	char path[1024];

	mmb_map_init(&d->index);
	for (size_t s = 0; s < NR_SECTIONS; s++)
		for (int r = 0; r < d->n; r++) {
			const struct mmb_json *j = mmb_json_get(d->doc[r], diff_sections[s]);

			/* the library's breakdowns sit in "breakdown" */
			if (!j)
				j = mmb_json_get(mmb_json_get(d->doc[r], "breakdown"), diff_sections[s]);
			if (!j)
				continue;
			path[0] = '\0';
			diff_flatten(d, (int)s, r, j, path, sizeof(path));
		}
}

/* ---- column headings: how the configs differ ------------------------------------------- */

/* The words describing run r's setup: the machine config's plus the run's
 * own options; "KEY=VALUE" each, in buf (NUL-separated), *nw words. */
static size_t diff_words(const struct diff *d, int r, char *buf, size_t len, const char **w,
			 size_t maxw)
{
	const struct mmb_json *doc = d->doc[r];
	const char *cfg = mmb_json_str(mmb_json_get(doc, "machine_config"), "");
	const char *backend = mmb_json_str(mmb_json_get(doc, "backend"), "libmm");
	const char *mal = mmb_json_str(mmb_json_get(doc, "malloc"), "libmm");
	const char *wl = mmb_json_str(mmb_json_get(doc, "workload"), "?");
	const char *base = strrchr(wl, '/');
	size_t used = 0, nw = 0;

#define ADDW(...) do { \
		int k_ = snprintf(buf + used, len - used, __VA_ARGS__); \
		if (k_ < 0 || (size_t)k_ >= len - used || nw == maxw) \
			break; \
		w[nw++] = buf + used; \
		used += (size_t)k_ + 1; \
	} while (0)
	while (*cfg) {
		size_t k = strcspn(cfg, " ");

		if (k)
			ADDW("%.*s", (int)k, cfg);
		cfg += k;
		cfg += strspn(cfg, " ");
	}
	ADDW("backend=%s", strcmp(backend, "malloc") ? "libmm" : mal);
	ADDW("threads=%s", mmb_json_num(mmb_json_get(doc, "threads"), 0) ? "on" : "off");
	ADDW("tick=%.0f", mmb_json_num(mmb_json_get(doc, "tick_every"), 0));
	ADDW("workload=%s", base ? base + 1 : wl);
#undef ADDW
	return nw;
}

static int word_in(const char *word, const char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w[i], word))
			return 1;
	return 0;
}

static int key_in(const char *word, size_t klen, const char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(w[i], word, klen) && w[i][klen] == '=')
			return 1;
	return 0;
}

static const char *diff_backend(const char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(w[i], "backend=", 8))
			return w[i];
	return "";
}

static void diff_headings(struct diff *d)
{
	static char buf[DIFF_MAX_RUNS][4096];
	const char *w[DIFF_MAX_RUNS][128];
	size_t nw[DIFF_MAX_RUNS];

	for (int r = 0; r < d->n; r++)
		nw[r] = diff_words(d, r, buf[r], sizeof(buf[r]), w[r], 128);
	/* allocators side by side (a malloc run has no machine): their names */
	for (int r = 1; r < d->n; r++)
		if (strcmp(diff_backend(w[r], nw[r]), diff_backend(w[0], nw[0]))) {
			for (int o = 0; o < d->n; o++) {
				w[o][0] = diff_backend(w[o], nw[o]);
				nw[o] = 1;
			}
			break;
		}
	for (int r = 0; r < d->n; r++) {
		const char *label = mmb_json_str(mmb_json_get(d->doc[r], "label"), NULL);
		char head[1024] = "";
		size_t hn = 0;

		if (label && *label) {
			d->head[r] = mmb_xstrndup(label, strlen(label));
			continue;
		}
		/* its words that some other result lacks */
		for (size_t i = 0; i < nw[r]; i++) {
			int shared = 1;

			for (int o = 0; o < d->n; o++)
				shared &= word_in(w[r][i], w[o], nw[o]);
			if (!shared && hn < sizeof(head))
				hn += (size_t)snprintf(head + hn, sizeof(head) - hn, "%s%s",
						       hn ? " " : "", w[r][i]);
		}
		/* keys others set that it lacks */
		for (int o = 0; o < d->n; o++)
			for (size_t i = 0; i < nw[o]; i++) {
				size_t kl = strcspn(w[o][i], "=");
				char probe[128];

				if (key_in(w[o][i], kl, w[r], nw[r]))
					continue;
				snprintf(probe, sizeof(probe), " %.*s=default", (int)kl, w[o][i]);
				if (!strstr(head, probe + 1) && hn < sizeof(head))
					hn += (size_t)snprintf(head + hn, sizeof(head) - hn, "%s",
							       probe + !hn);
			}
		if (!hn)
			snprintf(head, sizeof(head), "run %d", r + 1);
		d->head[r] = mmb_xstrndup(head, strlen(head));
	}
}

/* ---- output ----------------------------------------------------------------------------- */

static int row_differs(const struct diff *d, const struct diff_row *row)
{
	for (int r = 1; r < d->n; r++) {
		double a = row->v[0], b = row->v[r];

		if (isnan(a) != isnan(b) || (!isnan(a) && a != b))
			return 1;
	}
	return 0;
}

/* The ops rows always shown: the experiment's answer. */
static int row_always(const struct diff_row *row)
{
	static const char *const fields[] = { ".count", ".failed", ".ns_p50", ".ns_p99", ".ns_mean" };
	const char *dot = strrchr(row->path, '.');

	if (strcmp(diff_sections[row->section], "ops") || !dot)
		return 0;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(dot, fields[i]))
			return 1;
	return 0;
}

static int row_shown(const struct diff *d, const struct diff_row *row)
{
	return row_always(row) || row_differs(d, row);
}

static void fmt_num(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.*f", fabs(v) >= 10 ? 1 : 3, v);
}

static void fmt_delta(char *buf, size_t n, double a, double b)
{
	char num[48];

	if (isnan(a) || isnan(b)) {
		buf[0] = '\0';
		return;
	}
	fmt_num(num, sizeof(num), b - a);
	if (a != 0)
		snprintf(buf, n, "%s%s (%+.1f%%)", b - a > 0 ? "+" : "", num, 100 * (b - a) / fabs(a));
	else
		snprintf(buf, n, "%s%s", b - a > 0 ? "+" : "", num);
}

static void diff_print_text(const struct diff *d, FILE *f)
{
	int last = -1;

	fprintf(f, "mmbench diff: %d results, base = the first\n", d->n);
	for (int r = 0; r < d->n; r++)
		fprintf(f, "  [%c] %s: %s\n", 'A' + r, d->file[r], d->head[r]);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct diff_row *row = &d->rows[i];
		char num[48], delta[64];

		if (!row_shown(d, row))
			continue;
		if (row->section != last) {
			last = row->section;
			fprintf(f, "\n%-40s", diff_sections[last]);
			for (int r = 0; r < d->n; r++)
				fprintf(f, r ? " %16.16s %20s" : " %16.16s", d->head[r], r ? "change" : "");
			fputc('\n', f);
		}
		fprintf(f, "%-40.40s", row->path);
		for (int r = 0; r < d->n; r++) {
			fmt_num(num, sizeof(num), row->v[r]);
			fprintf(f, " %16s", num);
			if (r) {
				fmt_delta(delta, sizeof(delta), row->v[0], row->v[r]);
				fprintf(f, " %20s", delta);
			}
		}
		fputc('\n', f);
	}
}

/* A value of the diff: an integer as one, anything else to 6 digits, a
 * missing one (NaN) as null. */
static void diff_json_number(struct json_writer *w, double v)
{
	jw_double(w, NULL, v == floor(v) && fabs(v) < 1e15 ? "%.0f" : "%.6g", v);
}

static int diff_print_json(const struct diff *d, FILE *f)
{
	struct json_writer w;

	jw_init_file(&w, f);
	jw_object(&w, NULL, JW_LINES);
	jw_string(&w, "schema", "mmbench-diff/1");
	jw_array(&w, "runs", JW_LINES);
	for (int r = 0; r < d->n; r++) {
		jw_object(&w, NULL, JW_INLINE);
		jw_string(&w, "file", d->file[r]);
		jw_string(&w, "heading", d->head[r]);
		jw_string(&w, "machine_config",
			  mmb_json_str(mmb_json_get(d->doc[r], "machine_config"), ""));
		jw_end(&w);
	}
	jw_end(&w);
	jw_array(&w, "rows", JW_LINES);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct diff_row *row = &d->rows[i];

		if (!row_shown(d, row))
			continue;
		jw_object(&w, NULL, JW_INLINE);
		jw_string(&w, "section", diff_sections[row->section]);
		jw_string(&w, "path", row->path);
		jw_array(&w, "values", JW_INLINE);
		for (int r = 0; r < d->n; r++)
			diff_json_number(&w, row->v[r]);
		jw_end(&w);
		jw_array(&w, "change", JW_INLINE);
		for (int r = 1; r < d->n; r++)
			diff_json_number(&w, row->v[r] - row->v[0]);
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	return jw_finish(&w);
}

static void diff_free(struct diff *d)
{
	for (int r = 0; r < d->n; r++) {
		mmb_json_free(d->doc[r]);
		free(d->head[r]);
	}
	for (size_t i = 0; i < d->nrows; i++)
		free(d->rows[i].path);
	free(d->rows);
	mmb_map_free(&d->index);
}

static const struct option diff_options[] = {
	{ "json", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int mmb_cmd_diff(int argc, char **argv)
{
	struct diff d = { 0 };
	const char *json = NULL, *files[DIFF_MAX_RUNS];
	int nfiles = 0, c, ret = 0;
	FILE *out;

	struct mmb_args args = { argc, argv, 0 };
	const char *operand;

	optind = 0;
	opterr = 0;
	while ((c = mmb_next_arg(&args, "+h", diff_options, &operand)) != -1 || operand) {
		if (c == -1) {
			if (nfiles == DIFF_MAX_RUNS)
				return mmb_usage_error("diff", "at most %d results", DIFF_MAX_RUNS);
			files[nfiles++] = operand;
			continue;
		}
		switch (c) {
		case 'j': json = optarg; break;
		case 'h':
			mmb_usage(stdout, mmb_find_command("diff"));
			printf("\nThe first result is the base: every other column shows its value and\n"
			       "its change.  Rows whose values all agree are left out (the ops rows stay).\n"
			       "Column headings: a run's --label, else how its config differs from the\n"
			       "others'.  Results may be xz/gzip/zstd compressed.\n\n"
			       "options:\n"
			       "  --json FILE   the diff as JSON (schema mmbench-diff/1) to FILE (- = stdout)\n");
			return MMB_EXIT_OK;
		case ':':
			return mmb_usage_error("diff", "option '%s' needs a value", argv[optind - 1]);
		default:
			return mmb_usage_error("diff", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (nfiles < 2)
		return mmb_usage_error("diff", "give at least two results");
	for (int i = 0; i < nfiles && !ret; i++)
		ret = diff_load(&d, files[i]);
	if (ret) {
		diff_free(&d);
		return ret;
	}
	diff_collect(&d);
	diff_headings(&d);
	if (json && strcmp(json, "-")) {
		out = fopen(json, "w");
		if (!out) {
			fprintf(stderr, "mmbench diff: cannot write --json '%s': %s\n", json,
				strerror(errno));
			diff_free(&d);
			return MMB_EXIT_USAGE;
		}
		if (diff_print_json(&d, out) | fclose(out))
			ret = MMB_EXIT_USAGE;
		diff_print_text(&d, stdout);
	} else if (json) {
		diff_print_json(&d, stdout);
	} else {
		diff_print_text(&d, stdout);
	}
	diff_free(&d);
	return ret;
}
