// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats.c - counters and reports.  Reads every layer, changes none.
 *
 * Event counters are per CPU (struct mm_cpu.ev, numa_ev) and summed here
 * with relaxed loads; zone state is read under zone->lock through
 * mm_zone_info().  Text reports use the kernel's exact formats
 * (mm/vmstat.c: frag_show_print, pagetypeinfo_show*, zoneinfo_show_print,
 * unusable_show_print, extfrag_show_print); the JSON report carries the same
 * state for mmbench and Python, written through json_writer.h (the zones,
 * per-CPU lists, slab caches and compaction zones one a line; each layer
 * writes its own member: vmalloc_json, slab_report_json, compaction_json,
 * cma_json).
 *
 * The fragmentation indices it prints are zone.c's (mm_unusable_index(),
 * mm_fragmentation_index()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "vmalloc.h"
#include "slab.h"
#include "page_owner.h"
#include "movable.h"

const char *const vm_event_names[NR_VM_EVENT_ITEMS] = {
#define MM_NAME(e, n) n,
	MM_VM_EVENTS(MM_NAME)
#undef MM_NAME
};

static const char *const numa_stat_names[NR_NUMA_STAT_ITEMS] = {
	"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
};

unsigned long sum_vm_event(struct mm *m, enum vm_event_item i)
{
	unsigned long s = 0;

	for (int c = 0; c < m->nr_cpus; c++)
		s += READ_ONCE(m->cpus[c].ev[i]);
	return s;
}

unsigned long sum_numa_event(struct mm *m, const struct zone *z, enum numa_stat_item i)
{
	unsigned long s = 0;

	for (int c = 0; c < m->nr_cpus; c++)
		s += READ_ONCE(m->cpus[c].numa_ev[z->id * NR_NUMA_STAT_ITEMS + i]);
	return s;
}

/* /proc/vmstat's fields of a Linux 6.18 x86-64 kernel, in its order: the
 * zone counters, the NUMA events, the node counters, then (tail) the
 * writeback thresholds, the vm events and nr_unstable.  libmm prints them
 * all - 0 where it models nothing - and its own counters after them. */
static const char *const kernel_zone_stats[] = {
	"nr_free_pages", "nr_free_pages_blocks", "nr_zone_inactive_anon",
	"nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file",
	"nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock", "nr_zspages",
	"nr_free_cma",
};
static const char *const kernel_node_stats[] = {
	"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file",
	"nr_unevictable", "nr_slab_reclaimable", "nr_slab_unreclaimable",
	"nr_isolated_anon", "nr_isolated_file", "workingset_nodes",
	"workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon",
	"workingset_activate_file", "workingset_restore_anon", "workingset_restore_file",
	"workingset_nodereclaim", "nr_anon_pages", "nr_mapped", "nr_file_pages",
	"nr_dirty", "nr_writeback", "nr_shmem", "nr_shmem_hugepages",
	"nr_shmem_pmdmapped", "nr_file_hugepages", "nr_file_pmdmapped",
	"nr_anon_transparent_hugepages", "nr_vmscan_write",
	"nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written",
	"nr_throttled_written", "nr_kernel_misc_reclaimable", "nr_foll_pin_acquired",
	"nr_foll_pin_released", "nr_kernel_stack", "nr_page_table_pages",
	"nr_sec_page_table_pages", "nr_iommu_pages", "nr_swapcached",
	"pgpromote_success", "pgpromote_candidate", "pgpromote_candidate_nrl",
	"pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged",
	"pgdemote_proactive", "nr_hugetlb", "nr_balloon_pages", "nr_kernel_file_pages",
};
static const char *const kernel_vmstat_tail[] = {
	"nr_dirty_threshold", "nr_dirty_background_threshold", "nr_memmap_pages",
	"nr_memmap_boot_pages", "pgpgin", "pgpgout", "pswpin", "pswpout", "pgalloc_dma",
	"pgalloc_dma32", "pgalloc_normal", "pgalloc_movable", "pgalloc_device",
	"allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable",
	"allocstall_device", "pgskip_dma", "pgskip_dma32", "pgskip_normal",
	"pgskip_movable", "pgskip_device", "pgfree", "pgactivate", "pgdeactivate",
	"pglazyfree", "pgfault", "pgmajfault", "pglazyfreed", "pgrefill", "pgreuse",
	"pgsteal_kswapd", "pgsteal_direct", "pgsteal_khugepaged", "pgsteal_proactive",
	"pgscan_kswapd", "pgscan_direct", "pgscan_khugepaged", "pgscan_proactive",
	"pgscan_direct_throttle", "pgscan_anon", "pgscan_file", "pgsteal_anon",
	"pgsteal_file", "zone_reclaim_success", "zone_reclaim_failed", "pginodesteal",
	"slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly",
	"kswapd_high_wmark_hit_quickly", "pageoutrun", "pgrotated", "drop_pagecache",
	"drop_slab", "oom_kill", "numa_pte_updates", "numa_huge_pte_updates",
	"numa_hint_faults", "numa_hint_faults_local", "numa_pages_migrated",
	"pgmigrate_success", "pgmigrate_fail", "thp_migration_success",
	"thp_migration_fail", "thp_migration_split", "compact_migrate_scanned",
	"compact_free_scanned", "compact_isolated", "compact_stall", "compact_fail",
	"compact_success", "compact_daemon_wake", "compact_daemon_migrate_scanned",
	"compact_daemon_free_scanned", "htlb_buddy_alloc_success",
	"htlb_buddy_alloc_fail", "cma_alloc_success", "cma_alloc_fail", "unevictable_pgs_culled", "unevictable_pgs_scanned",
	"unevictable_pgs_rescued", "unevictable_pgs_mlocked",
	"unevictable_pgs_munlocked", "unevictable_pgs_cleared",
	"unevictable_pgs_stranded", "thp_fault_alloc", "thp_fault_fallback",
	"thp_fault_fallback_charge", "thp_collapse_alloc", "thp_collapse_alloc_failed",
	"thp_file_alloc", "thp_file_fallback", "thp_file_fallback_charge",
	"thp_file_mapped", "thp_split_page", "thp_split_page_failed",
	"thp_deferred_split_page", "thp_underused_split_page", "thp_split_pmd",
	"thp_scan_exceed_none_pte", "thp_scan_exceed_swap_pte",
	"thp_scan_exceed_share_pte", "thp_split_pud", "thp_zero_page_alloc",
	"thp_zero_page_alloc_failed", "thp_swpout", "thp_swpout_fallback",
	"balloon_inflate", "balloon_deflate", "balloon_migrate", "swap_ra",
	"swap_ra_hit", "swpin_zero", "swpout_zero", "ksm_swpin_copy", "cow_ksm",
	"zswpin", "zswpout", "zswpwb", "direct_map_level2_splits",
	"direct_map_level3_splits", "direct_map_level2_collapses",
	"direct_map_level3_collapses", "nr_unstable",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static unsigned long global_free_pages(struct mm *m)
{
	unsigned long s = 0;

	for (int id = 0; id < m->nr_zones; id++)
		s += zone_free_pages(zone_by_id(m, id));
	return s;
}

static unsigned long global_free_pages_blocks(struct mm *m)
{
	unsigned long s = 0;

	for (int n = 0; n < m->nr_nodes; n++) {
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct mm_zone_info zi;

			mm_zone_info(m, n, i, &zi);
			s += zi.nr_free_pages_blocks;
		}
	}
	return s;
}

static unsigned long global_free_cma(struct mm *m)
{
	unsigned long s = 0;

	for (int id = 0; id < m->nr_zones; id++)
		s += READ_ONCE(zone_by_id(m, id)->nr_free_cma);
	return s;
}

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

/* A node counter of one node (node >= 0) or of all (-1): the slab pages;
 * 0 for the ones libmm has nothing behind (LRU, page tables, ...). */
static unsigned long node_stat(struct mm *m, int node, const char *name)
{
	if (!strcmp(name, "nr_slab_reclaimable"))
		return slab_nr_pages(m, node, true);
	if (!strcmp(name, "nr_slab_unreclaimable"))
		return slab_nr_pages(m, node, false);
	return 0;
}

long mm_vmstat_read(struct mm *m, const char *name)
{
	if (!m || !name)
		return -1;
	if (!strcmp(name, "nr_free_pages"))
		return (long)global_free_pages(m);
	if (!strcmp(name, "nr_free_pages_blocks"))
		return (long)global_free_pages_blocks(m);
	if (!strcmp(name, "nr_free_cma"))
		return (long)global_free_cma(m);
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		if (!strcmp(name, vm_event_names[i]))
			return (long)sum_vm_event(m, (enum vm_event_item)i);
	for (int i = 0; i < NR_NUMA_STAT_ITEMS; i++) {
		if (!strcmp(name, numa_stat_names[i])) {
			unsigned long s = 0;

			for (int id = 0; id < m->nr_zones; id++)
				s += sum_numa_event(m, zone_by_id(m, id), (enum numa_stat_item)i);
			return (long)s;
		}
	}
	if (in_list(kernel_node_stats, ARRAY_LEN(kernel_node_stats), name))
		return (long)node_stat(m, -1, name);
	if (in_list(kernel_zone_stats, ARRAY_LEN(kernel_zone_stats), name) ||
	    in_list(kernel_vmstat_tail, ARRAY_LEN(kernel_vmstat_tail), name))
		return 0;
	return -1;
}

/* ---- text reports -------------------------------------------------------- */

typedef void (*zone_show_fn)(struct mm *m, struct strbuf *sb, const struct mm_zone_info *zi);

/* Call fn for every zone (populated only, unless all). */
static void walk_zones(struct mm *m, struct strbuf *sb, bool all, zone_show_fn fn)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct mm_zone_info zi;

			mm_zone_info(m, n, i, &zi);
			if (all || zi.present)
				fn(m, sb, &zi);
		}
	}
}

static void frag_show(struct mm *m, struct strbuf *sb, const struct mm_zone_info *zi)
{
	sb_printf(sb, "Node %d, zone %8s ", zi->node, zi->name);
	for (unsigned o = 0; o < m->nr_orders; o++)
		sb_printf(sb, "%6lu ", zi->nr_free[o]);
	sb_puts(sb, "\n");
}

/* The CMA migratetype shows in the reports of machines with CMA areas (a
 * CONFIG_CMA kernel's columns); without, the reports are a !CONFIG_CMA
 * kernel's. */
static bool show_migratetype(const struct mm *m, int t)
{
	return t != MIGRATE_CMA || m->cma;
}

static void pagetype_free_show(struct mm *m, struct strbuf *sb, const struct mm_zone_info *zi)
{
	for (int t = 0; t < MIGRATE_TYPES; t++) {
		if (!show_migratetype(m, t))
			continue;
		sb_printf(sb, "Node %4d, zone %8s, type %12s ", zi->node, zi->name,
			  migratetype_names[t]);
		for (unsigned o = 0; o < m->nr_orders; o++) {
			unsigned long c = zi->nr_free_mt[t][o];

			sb_printf(sb, "%s%6lu ", c >= 100000 ? ">" : "", c >= 100000 ? 100000ul : c);
		}
		sb_puts(sb, "\n");
	}
}

static void pagetype_blocks_show(struct mm *m, struct strbuf *sb, const struct mm_zone_info *zi)
{
	sb_printf(sb, "Node %d, zone %8s ", zi->node, zi->name);
	for (int t = 0; t < MIGRATE_TYPES; t++)
		if (show_migratetype(m, t))
			sb_printf(sb, "%12lu ", zi->nr_pageblocks[t]);
	sb_puts(sb, "\n");
}

static void pagetypeinfo(struct mm *m, struct strbuf *sb)
{
	sb_printf(sb, "Page block order: %u\n", m->pageblock_order);
	sb_printf(sb, "Pages per block:  %lu\n\n", m->pageblock_nr_pages);
	sb_printf(sb, "%-43s ", "Free pages count per migrate type at order");
	for (unsigned o = 0; o < m->nr_orders; o++)
		sb_printf(sb, "%6u ", o);
	sb_puts(sb, "\n");
	walk_zones(m, sb, false, pagetype_free_show);
	sb_printf(sb, "\n%-23s", "Number of blocks type ");
	for (int t = 0; t < MIGRATE_TYPES; t++)
		if (show_migratetype(m, t))
			sb_printf(sb, "%12s ", migratetype_names[t]);
	sb_puts(sb, "\n");
	walk_zones(m, sb, false, pagetype_blocks_show);
}

static int fls_int(unsigned long x)
{
	int r = 0;

	while (x) {
		r++;
		x >>= 1;
	}
	return r;
}

/* calculate_normal_threshold(): the per-CPU vmstat drift threshold */
static int stat_threshold(struct mm *m, const struct mm_zone_info *zi)
{
	unsigned long mem = zi->managed >> (27 - PAGE_SHIFT);
	int t = 2 * fls_int((unsigned long)m->nr_cpus) * (1 + fls_int(mem));

	return t > 125 ? 125 : t;
}

/* is_zone_first_populated() */
static bool first_populated_zone(struct mm *m, const struct mm_zone_info *zi)
{
	for (int i = 0; i < zi->zone_idx; i++)
		if (populated_zone(&m->nodes[zi->node].node_zones[i]))
			return false;
	return zi->present != 0;
}

static void zoneinfo_show(struct mm *m, struct strbuf *sb, const struct mm_zone_info *zi)
{
	struct zone *z = &m->nodes[zi->node].node_zones[zi->zone_idx];

	sb_printf(sb, "Node %d, zone %8s", zi->node, zi->name);
	if (first_populated_zone(m, zi)) {
		sb_puts(sb, "\n  per-node stats");
		for (size_t i = 0; i < ARRAY_LEN(kernel_node_stats); i++)
			sb_printf(sb, "\n      %-12s %lu", kernel_node_stats[i],
				  node_stat(m, zi->node, kernel_node_stats[i]));
	}
	sb_printf(sb, "\n  pages free     %lu\n        boost    %lu\n        min      %lu"
		  "\n        low      %lu\n        high     %lu\n        promo    %lu"
		  "\n        spanned  %lu\n        present  %lu\n        managed  %lu"
		  "\n        cma      %lu",
		  zi->free, zi->boost, zi->min, zi->low, zi->high, zi->high + (zi->high - zi->low),
		  zi->spanned, zi->present, zi->managed, zi->cma_pages);
	sb_printf(sb, "\n        protection: (%lu", zi->lowmem_reserve[0]);
	for (int j = 1; j < MAX_NR_ZONES; j++)
		sb_printf(sb, ", %lu", zi->lowmem_reserve[j]);
	sb_puts(sb, ")");
	if (!zi->present) {
		sb_puts(sb, "\n");
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(kernel_zone_stats); i++)
		sb_printf(sb, "\n      %-12s %lu", kernel_zone_stats[i],
			  !strcmp(kernel_zone_stats[i], "nr_free_pages") ? zi->free :
			  !strcmp(kernel_zone_stats[i], "nr_free_pages_blocks")
			  ? zi->nr_free_pages_blocks :
			  !strcmp(kernel_zone_stats[i], "nr_free_cma") ? zi->nr_free_cma : 0ul);
	for (int i = 0; i < NR_NUMA_STAT_ITEMS; i++)
		sb_printf(sb, "\n      %-12s %lu", numa_stat_names[i],
			  sum_numa_event(m, z, (enum numa_stat_item)i));
	sb_puts(sb, "\n  pagesets");
	for (int c = 0; c < m->nr_cpus; c++) {
		struct mm_pcp_info p;

		mm_pcp_info(m, c, zi->node, zi->zone_idx, &p);
		sb_printf(sb, "\n    cpu: %i\n              count:    %i\n              high:     %i"
			  "\n              batch:    %i\n              high_min: %i"
			  "\n              high_max: %i\n  vm stats threshold: %d",
			  c, p.count, p.high, p.batch, p.high_min, p.high_max, stat_threshold(m, zi));
	}
	sb_printf(sb, "\n  node_unreclaimable:  %u\n  start_pfn:           %lu\n", 0u, zi->start_pfn);
}

static void unusable_show(struct mm *m, struct strbuf *sb, const struct mm_zone_info *zi)
{
	sb_printf(sb, "Node %d, zone %8s ", zi->node, zi->name);
	for (unsigned o = 0; o < m->nr_orders; o++) {
		int idx = mm_unusable_index(zi->nr_free, m->nr_orders, o);

		sb_printf(sb, "%d.%03d ", idx / 1000, idx % 1000);
	}
	sb_puts(sb, "\n");
}

static void extfrag_show(struct mm *m, struct strbuf *sb, const struct mm_zone_info *zi)
{
	sb_printf(sb, "Node %d, zone %8s ", zi->node, zi->name);
	for (unsigned o = 0; o < m->nr_orders; o++) {
		int idx = mm_fragmentation_index(zi->nr_free, m->nr_orders, o);

		sb_printf(sb, "%2d.%03d ", idx / 1000, abs(idx % 1000));
	}
	sb_puts(sb, "\n");
}

/* /proc/meminfo's lines of what libmm models (show_val_kb's "%-16s%8lu kB"
 * layout): MemTotal (managed pages), MemFree, the slab lines, VmallocTotal,
 * and with CMA areas CmaTotal / CmaFree (a CONFIG_CMA kernel's lines). */
static void meminfo_line(struct strbuf *sb, const char *name, unsigned long pages)
{
	char label[32];

	snprintf(label, sizeof(label), "%s:", name);
	sb_printf(sb, "%-16s%8lu kB\n", label, pages << (PAGE_SHIFT - 10));
}

static void meminfo_show(struct mm *m, struct strbuf *sb)
{
	unsigned long managed = 0, sr = slab_nr_pages(m, -1, true), su = slab_nr_pages(m, -1, false);

	for (int id = 0; id < m->nr_zones; id++)
		managed += zone_by_id(m, id)->managed_pages;
	meminfo_line(sb, "MemTotal", managed);
	meminfo_line(sb, "MemFree", global_free_pages(m));
	meminfo_line(sb, "Slab", sr + su);
	meminfo_line(sb, "SReclaimable", sr);
	meminfo_line(sb, "SUnreclaim", su);
	if (m->cma) {
		meminfo_line(sb, "CmaTotal", cma_total_pages(m));
		meminfo_line(sb, "CmaFree", global_free_cma(m));
	}
}

static void vmstat_text(struct mm *m, struct strbuf *sb)
{
	for (size_t i = 0; i < ARRAY_LEN(kernel_zone_stats); i++)
		sb_printf(sb, "%s %ld\n", kernel_zone_stats[i], mm_vmstat_read(m, kernel_zone_stats[i]));
	for (int i = 0; i < NR_NUMA_STAT_ITEMS; i++)
		sb_printf(sb, "%s %ld\n", numa_stat_names[i], mm_vmstat_read(m, numa_stat_names[i]));
	for (size_t i = 0; i < ARRAY_LEN(kernel_node_stats); i++)
		sb_printf(sb, "%s %lu\n", kernel_node_stats[i], node_stat(m, -1, kernel_node_stats[i]));
	for (size_t i = 0; i < ARRAY_LEN(kernel_vmstat_tail); i++)
		sb_printf(sb, "%s %ld\n", kernel_vmstat_tail[i],
			  mm_vmstat_read(m, kernel_vmstat_tail[i]));
	/* libmm's own counters, after the kernel's */
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		if (!in_list(kernel_vmstat_tail, ARRAY_LEN(kernel_vmstat_tail), vm_event_names[i]))
			sb_printf(sb, "%s %lu\n", vm_event_names[i],
				  sum_vm_event(m, (enum vm_event_item)i));
}

char *mm_report_text(struct mm *m, const char *name)
{
	if (!m)
		return NULL;
	struct strbuf sb;

	if (!name) {
		mm_error(m, EINVAL, "report_text: no report name");
		return NULL;
	}
	if (!strcmp(name, "dmesg"))
		return mm_log_text(m);
	sb_init(&sb);
	sb_puts(&sb, "");
	if (!strcmp(name, "tainted")) {         /* print_tainted() */
		char t[64];

		sb_printf(&sb, "%s\n", print_tainted(m, t, sizeof(t)));
		return sb_finish(&sb);
	}
	if (!strcmp(name, "buddyinfo"))
		walk_zones(m, &sb, false, frag_show);
	else if (!strcmp(name, "pagetypeinfo"))
		pagetypeinfo(m, &sb);
	else if (!strcmp(name, "zoneinfo"))
		walk_zones(m, &sb, true, zoneinfo_show);
	else if (!strcmp(name, "vmallocinfo"))        /* vmalloc */
		vmallocinfo_show(m, &sb);
	else if (!strcmp(name, "vmstat"))
		vmstat_text(m, &sb);
	else if (!strcmp(name, "slabinfo"))           /* slab */
		slab_report_text(m, &sb);
	else if (!strcmp(name, "unusable_index"))
		walk_zones(m, &sb, false, unusable_show);
	else if (!strcmp(name, "extfrag_index"))
		walk_zones(m, &sb, false, extfrag_show);
	else if (!strcmp(name, "meminfo"))
		meminfo_show(m, &sb);
	else if (!strcmp(name, "cma"))                /* debugfs cma/<area>/ files */
		cma_report(m, &sb);
	else if (!strcmp(name, "page_owner") && m->po)    /* page_owner.c */
		page_owner_show(m, &sb);
	else if (!strcmp(name, "allocinfo"))
		allocinfo_show(m, &sb);
	else {
		free(sb.buf);
		mm_error(m, EINVAL, "report_text: unknown report '%s' (buddyinfo, pagetypeinfo, "
			 "zoneinfo, vmstat, meminfo, unusable_index, extfrag_index, vmallocinfo, "
			 "slabinfo, cma, dmesg, tainted, allocinfo, page_owner with page_owner=1)", name);
		return NULL;
	}
	return sb_finish(&sb);
}

/* ---- JSON (json_writer.h) ------------------------------------------------ */

static void json_ulongs(struct json_writer *w, const char *key, const unsigned long *v, unsigned n)
{
	jw_array(w, key, JW_INLINE);
	for (unsigned i = 0; i < n; i++)
		jw_uint(w, NULL, v[i]);
	jw_end(w);
}

void mt_counts_json(struct json_writer *w, const char *key, const unsigned long *v)
{
	jw_object(w, key, JW_INLINE);
	for (int t = 0; t < MIGRATE_TYPES; t++)
		jw_uint(w, migratetype_names[t], v[t]);
	jw_end(w);
}

/* pagetypeinfo_showmixedcount_print() without page_owner: pageblocks
 * holding an allocation whose migratetype (the GFP mobility bits kept in
 * its head page's flags) is not the pageblock's, per pageblock type. */
static void mixed_pageblocks(struct mm *m, struct zone *z, unsigned long count[MIGRATE_TYPES])
{
	unsigned long end = z->zone_start_pfn + z->spanned_pages;

	memset(count, 0, sizeof(unsigned long) * MIGRATE_TYPES);
	zone_lock(z);
	for (unsigned long pb = z->zone_start_pfn; pb < end; pb = (pb | (m->pageblock_nr_pages - 1)) + 1) {
		unsigned long pb_end = (pb | (m->pageblock_nr_pages - 1)) + 1;
		int pb_mt = get_pageblock_migratetype(z, pb);

		for (unsigned long pfn = pb; pfn < pb_end && pfn < end;) {
			struct page *p = pfn_to_page(m, pfn);
			unsigned long flags = READ_ONCE(p->flags);
			int mt;

			if (!(flags & (PG_buddy | PG_pcp)) && READ_ONCE(p->_refcount) <= 0) {
				pfn++;
				continue;
			}
			pfn += 1ul << READ_ONCE(p->private);
			if (flags & (PG_buddy | PG_pcp))
				continue;
			mt = (flags & PG_lru) ? MIGRATE_MOVABLE :
			     (flags & PG_reclaimable) ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE;
			if (mt != pb_mt) {      /* a CMA block counts as Movable */
				count[pb_mt == MIGRATE_CMA ? MIGRATE_MOVABLE : pb_mt]++;
				break;
			}
		}
	}
	zone_unlock(z);
}

static void json_zone(struct mm *m, struct json_writer *w, const struct mm_zone_info *zi)
{
	struct zone *z = &m->nodes[zi->node].node_zones[zi->zone_idx];

	jw_object(w, NULL, JW_INLINE);
	jw_int(w, "node", zi->node);
	jw_string(w, "zone", zone_config_name(zi->zone_idx));
	jw_string(w, "name", zi->name);
	jw_uint(w, "start_pfn", zi->start_pfn);
	jw_uint(w, "spanned", zi->spanned);
	jw_uint(w, "present", zi->present);
	jw_uint(w, "managed", zi->managed);
	jw_uint(w, "free", zi->free);
	jw_object(w, "watermarks", JW_INLINE);
	jw_uint(w, "min", zi->min);
	jw_uint(w, "low", zi->low);
	jw_uint(w, "high", zi->high);
	jw_uint(w, "boost", zi->boost);
	jw_end(w);
	jw_uint(w, "nr_reserved_highatomic", zi->nr_reserved_highatomic);
	json_ulongs(w, "lowmem_reserve", zi->lowmem_reserve, MAX_NR_ZONES);
	json_ulongs(w, "buddyinfo", zi->nr_free, m->nr_orders);
	jw_object(w, "pagetypeinfo", JW_INLINE);
	for (int t = 0; t < MIGRATE_TYPES; t++)
		json_ulongs(w, migratetype_names[t], zi->nr_free_mt[t], m->nr_orders);
	jw_end(w);
	mt_counts_json(w, "pageblocks", zi->nr_pageblocks);
	if (zi->present) {
		unsigned long mixed[MIGRATE_TYPES];

		mixed_pageblocks(m, z, mixed);
		mt_counts_json(w, "mixed_pageblocks", mixed);
	}
	jw_array(w, "unusable_index", JW_INLINE);
	for (unsigned o = 0; o < m->nr_orders; o++)
		jw_double(w, NULL, "%.3f", mm_unusable_index(zi->nr_free, m->nr_orders, o) / 1000.0);
	jw_end(w);
	jw_array(w, "extfrag_index", JW_INLINE);
	for (unsigned o = 0; o < m->nr_orders; o++)
		jw_double(w, NULL, "%.3f",
			  mm_fragmentation_index(zi->nr_free, m->nr_orders, o) / 1000.0);
	jw_end(w);
	jw_object(w, "numa", JW_INLINE);
	for (int i = 0; i < NR_NUMA_STAT_ITEMS; i++)
		jw_uint(w, numa_stat_names[i], sum_numa_event(m, z, (enum numa_stat_item)i));
	jw_end(w);
	jw_end(w);
}

static void json_zones(struct mm *m, struct json_writer *w)
{
	jw_array(w, "zones", JW_LINES);
	for (int n = 0; n < m->nr_nodes; n++) {
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct mm_zone_info zi;

			mm_zone_info(m, n, i, &zi);
			json_zone(m, w, &zi);
		}
	}
	jw_end(w);
}

static void json_pcp(struct mm *m, struct json_writer *w)
{
	jw_array(w, "pcp", JW_LINES);
	for (int c = 0; c < m->nr_cpus; c++) {
		for (int id = 0; id < m->nr_zones; id++) {
			struct zone *z = zone_by_id(m, id);
			struct mm_pcp_info p;

			if (!populated_zone(z))
				continue;
			mm_pcp_info(m, c, z->node, z->idx, &p);
			jw_object(w, NULL, JW_INLINE);
			jw_int(w, "cpu", c);
			jw_int(w, "node", z->node);
			jw_string(w, "zone", zone_config_name(z->idx));
			jw_int(w, "count", p.count);
			jw_int(w, "high", p.high);
			jw_int(w, "batch", p.batch);
			jw_end(w);
		}
	}
	jw_end(w);
}

static void json_machine(struct mm *m, struct json_writer *w)
{
	struct mm_prefault_info pf;

	jw_object(w, "machine", JW_INLINE);
	jw_int(w, "cpus", m->nr_cpus);
	jw_int(w, "nodes", m->nr_nodes);
	jw_uint(w, "nr_pages", m->nr_pages);
	jw_uint(w, "max_page_order", m->max_order);
	jw_uint(w, "pageblock_order", m->pageblock_order);
	jw_uint(w, "min_free_kbytes", m->min_free_kbytes);
	jw_uint(w, "totalreserve_pages", m->totalreserve_pages);
	jw_string(w, "backing", m->direct_map ? "memfd" : "none");
	jw_bool(w, "pcp", !m->cfg.pcp_disabled);
	mm_prefault_info(m, -1, &pf);
	jw_object(w, "prefault", JW_INLINE);
	jw_string(w, "mode", pf.mode == MM_PREFAULT_BOOT ? "boot" :
		  pf.mode == MM_PREFAULT_PAGEBLOCK ? "pageblock" : "none");
	jw_uint(w, "pageblocks", pf.pageblocks);
	jw_uint(w, "bytes", pf.bytes);
	jw_end(w);
	jw_end(w);
}

static void json_vmstat(struct mm *m, struct json_writer *w)
{
	jw_object(w, "vmstat", JW_INLINE);
	jw_uint(w, "nr_free_pages", global_free_pages(m));
	jw_uint(w, "nr_free_pages_blocks", global_free_pages_blocks(m));
	jw_uint(w, "nr_free_cma", global_free_cma(m));
	jw_uint(w, "nr_slab_reclaimable", slab_nr_pages(m, -1, true));
	jw_uint(w, "nr_slab_unreclaimable", slab_nr_pages(m, -1, false));
	for (int i = 0; i < NR_NUMA_STAT_ITEMS; i++)
		jw_int(w, numa_stat_names[i], mm_vmstat_read(m, numa_stat_names[i]));
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		jw_uint(w, vm_event_names[i], sum_vm_event(m, (enum vm_event_item)i));
	jw_end(w);
}

/* The report's members into w (a JW_LINES object), the schema's named
 * schema_key. */
static void report_json_members(struct mm *m, struct json_writer *w, const char *schema_key)
{
	struct strbuf cfg;

	jw_string(w, schema_key, "libmm-report/1");
	sb_init(&cfg);
	sb_puts(&cfg, "");
	mm_config_format(&m->cfg, &cfg);
	jw_string(w, "config", cfg.oom ? NULL : cfg.buf);
	free(cfg.buf);
	json_machine(m, w);
	json_zones(m, w);
	json_pcp(m, w);
	vmalloc_json(m, w);                     /* vmalloc.c */
	slab_report_json(m, w);                 /* slab_common.c */
	compaction_json(m, w);                  /* compaction.c, per zone */
	cma_json(m, w);                         /* cma.c: the areas */
	json_vmstat(m, w);
	page_owner_json(m, w);                  /* page_owner.c: "sites" with page_owner=1 */
	census_json(m, w);                      /* census.c */
	jw_uint(w, "tainted", mm_tainted(m));
}

char *mm_report_json(struct mm *m)
{
	struct json_writer w;
	struct strbuf sb;

	if (!m)
		return NULL;
	sb_init(&sb);
	jw_init(&w, &sb);
	jw_object(&w, NULL, JW_LINES);
	report_json_members(m, &w, "schema");
	jw_end(&w);
	if (jw_finish(&w)) {
		free(sb.buf);
		return NULL;
	}
	return sb_finish(&sb);
}

/* The same members without the braces (json_writer.h's jw_init_members()
 * layout) and with the newline before the closing one, so that "{\n  " +
 * members + "}\n" is mm_report_json(): for mmbench's result. */
char *mm_report_json_members(struct mm *m, const char *schema_key)
{
	struct json_writer w;
	struct strbuf sb;

	if (!m || !schema_key)
		return NULL;
	sb_init(&sb);
	sb_puts(&sb, "");
	jw_init_members(&w, &sb);
	report_json_members(m, &w, schema_key);
	sb_puts(&sb, "\n");
	if (jw_finish(&w)) {
		free(sb.buf);
		return NULL;
	}
	return sb_finish(&sb);
}
