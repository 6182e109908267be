// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/info.c - `mmbench info [--machine "CONFIG"]`: creates the machine and
 * prints its canonical config, CPUs and nodes, one line per zone (PFN span,
 * page counts, free pages, watermarks, lowmem_reserve protection) and
 * /proc/buddyinfo.  Uses only the public API (libmm/mm.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <libmm/mm.h>

#include "mmbench.h"

static void info_cpus(struct mm *m)
{
	for (int nid = 0; nid < mm_nr_nodes(m); nid++) {
		int first = -1, n = 0;

		for (int cpu = 0; cpu < mm_nr_cpus(m); cpu++) {
			if (mm_cpu_to_node(m, cpu) != nid)
				continue;
			if (first < 0)
				first = cpu;
			n++;
		}
		if (n)
			printf("node %d: %d cpu(s), first cpu %d\n", nid, n, first);
		else
			printf("node %d: no cpus\n", nid);
	}
}

static void info_zone_line(const struct mm_zone_info *z)
{
	printf("%4d %-8s %10lu %9lu %9lu %9lu %9lu %7lu %7lu %7lu  (", z->node, z->name,
	       z->start_pfn, z->spanned, z->present, z->managed, z->free,
	       z->min, z->low, z->high);
	for (int i = 0; i < MM_MAX_NR_ZONES; i++)
		printf("%s%lu", i ? ", " : "", z->lowmem_reserve[i]);
	printf(")\n");
}

static void info_zones(struct mm *m)
{
	struct mm_zone_info z;

	printf("\nzones (in 4 KiB pages; protection = lowmem_reserve against each zone):\n");
	printf("node zone      start_pfn   spanned   present   managed      free"
	       "     min     low    high  protection\n");
	for (int nid = 0; nid < mm_nr_nodes(m); nid++)
		for (int zi = 0; zi < MM_MAX_NR_ZONES; zi++)
			if (mm_zone_info(m, nid, zi, &z) == 0)
				info_zone_line(&z);
}

static void info_print(struct mm *m)
{
	char *config = mm_config_string(m);
	char *buddy = mm_report_text(m, "buddyinfo");
	unsigned long pages = mm_nr_pages(m);

	printf("machine: %s\n", config ? config : "?");
	printf("%d cpu(s), %d node(s), %lu page frames (%lu MiB), max_page_order %u, "
	       "pageblock_order %u, %s\n", mm_nr_cpus(m), mm_nr_nodes(m), pages,
	       pages * MM_PAGE_SIZE >> 20, mm_max_order(m), mm_pageblock_order(m),
	       mm_direct_map_base(m) ? "memory backed (memfd)" : "metadata only (backing=none)");
	info_cpus(m);
	info_zones(m);
	printf("\nbuddyinfo:\n%s", buddy ? buddy : "(unavailable)\n");
	if (buddy)
		mm_free_string(buddy);
	if (config)
		mm_free_string(config);
}

int mmb_cmd_info(int argc, char **argv)
{
	static const struct option options[] = {
		{ "machine", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	char err[256] = "";
	struct mm *m;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (c) {
		case 'm':
			config = optarg;
			break;
		case 'h':
			mmb_usage(stdout, mmb_find_command("info"));
			return MMB_EXIT_OK;
		case ':':
			return mmb_usage_error("info", "option '%s' needs a value", argv[optind - 1]);
		default:
			return mmb_usage_error("info", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return mmb_usage_error("info", "unexpected argument '%s'", argv[optind]);
	m = mm_create(config, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "mmbench info: bad machine config: %s\n", err[0] ? err : "unknown error");
		return MMB_EXIT_USAGE;
	}
	info_print(m);
	mm_destroy(m);
	return MMB_EXIT_OK;
}
