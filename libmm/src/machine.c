// SPDX-License-Identifier: GPL-2.0-only
/*
 * machine.c - the simulated machine: config parsing, physical memory (one
 * memfd mapped once as the direct map), the struct page array (mem_map),
 * node and zone PFN spans, and the CPU slots threads bind to.
 *
 * Layout: nodes follow each other in PFN order; within a node the zones are
 * DMA, DMA32, NORMAL, MOVABLE, each the configured size (possibly 0), so
 * pfn -> (node, zone) is a division and at most four compares (pfn_zone()).
 * mem_map and the direct map are reserved, not touched: untouched page
 * frames and descriptors cost nothing, and a descriptor of all zeroes is a
 * valid "inside some block" page (see struct page in mm_types.h).
 *
 * CPU binding: cpu->owner holds a per-thread token (the address of a
 * thread-local byte) of the thread bound to it, 0 when free, 1 while another
 * thread drains it or a whole-machine check (validate, quiesce) holds it;
 * while such a check runs (m->stopping), binding waits.  Bind is a compare-and-swap 0 -> token, so a CPU has at
 * most one thread and a thread's per-CPU data is private to it.  Each thread
 * caches its bindings in mm_tls[] (most recent first); the machine id guards
 * against a destroyed machine's address being reused.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"

__thread struct mm_tls_bind mm_tls[MM_TLS_SLOTS] __attribute__((tls_model("initial-exec")));
static __thread char tls_token;
#define CPU_OWNER_DRAIN 1ul

/* The machines that exist, for threads that exit while bound: their CPUs
 * are released at thread exit (a pthread key destructor), and only if the
 * machine still exists - the one process-wide list, touched by
 * mm_create/mm_destroy and exiting threads, never by allocator calls. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mm *live_machines;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

/* ---- config ----------------------------------------------------------- */

static const struct mm_config default_config = {
	.cpus = 4,
	.nodes = 1,
	.zone_bytes = { 16ul << 20, 240ul << 20, 768ul << 20, 0 },
	.max_page_order = 10,
	.seed = 1,
	.min_free_kbytes = -1,
	.watermark_scale_factor = 10,
	.lowmem_reserve_ratio = { 256, 256, 32, 0 },
	.slab = "slub",
	.slab_hardened = 1,
	.slub_max_order = 3,
	.vmalloc_size = 4ul << 30,      /* vmalloc */
	.pa_base = PA_POLICY_6_18,
	.thp = THP_NEVER,
	.cpu_cache_slice = 2ul << 20,
	.task_size = 16ul << 30,        /* movable memory: processes, compaction */
	.compaction = 1,
	.compaction_proactiveness = 20,
	.extfrag_threshold = 500,
	.compact_unevictable_allowed = 1,
	.kcompactd = KCOMPACTD_TICK,
};


static int cfg_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cfg_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* "16M", "4096", "1G": bytes, K/M/G/T binary suffixes. */
static int parse_size(const char *s, unsigned long *out)
{
	char *end;
	unsigned long long v, mul = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K': mul = 1ull << 10; end++; break;
	case 'M': mul = 1ull << 20; end++; break;
	case 'G': mul = 1ull << 30; end++; break;
	case 'T': mul = 1ull << 40; end++; break;
	default: break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (v && mul > ~0ull / v))
		return -1;
	*out = (unsigned long)(v * mul);
	return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* The zone names, the one table: the config spelling (machine keys, JSON,
 * mmbench, Python) and the kernel's (/proc reports, struct zone's name). */
static const char *const zone_cfg_names[MAX_NR_ZONES] = { "DMA", "DMA32", "NORMAL", "MOVABLE" };
static const char *const zone_names[MAX_NR_ZONES] = { "DMA", "DMA32", "Normal", "Movable" };

const char *zone_name(int idx) { return zone_names[idx]; }
const char *zone_config_name(int idx) { return zone_cfg_names[idx]; }

const char *mm_zone_name(int idx)
{
	return idx >= 0 && idx < MAX_NR_ZONES ? zone_cfg_names[idx] : NULL;
}

static int zone_key(const char *key)
{
	for (int i = 0; i < MAX_NR_ZONES; i++)
		if (!strcmp(key, zone_cfg_names[i]))
			return i;
	return -1;
}

struct int_key {
	const char *name;
	long lo, hi;
	size_t off;             /* offset of an int field in struct mm_config */
};

static const struct int_key int_keys[] = {
	{ "cpus", 1, MM_MAX_CPUS, offsetof(struct mm_config, cpus) },
	{ "nodes", 1, MM_MAX_NODES, offsetof(struct mm_config, nodes) },
	{ "watermark_scale_factor", 1, 3000, offsetof(struct mm_config, watermark_scale_factor) },
	{ "percpu_pagelist_high_fraction", 0, 1 << 30,
	  offsetof(struct mm_config, percpu_pagelist_high_fraction) },
	/* slab */
	{ "slab_nomerge", 0, 1, offsetof(struct mm_config, slab_nomerge) },
	{ "init_on_alloc", 0, 1, offsetof(struct mm_config, init_on_alloc) },
	{ "init_on_free", 0, 1, offsetof(struct mm_config, init_on_free) },
	{ "slab_hardened", 0, 1, offsetof(struct mm_config, slab_hardened) },
	{ "slub_min_objects", 0, 32767, offsetof(struct mm_config, slub_min_objects) },
	{ "slub_min_order", 0, MM_MAX_ORDER_LIMIT, offsetof(struct mm_config, slub_min_order) },
	{ "slub_max_order", 0, MM_MAX_ORDER_LIMIT, offsetof(struct mm_config, slub_max_order) },
	{ "slub_sheaves", 0, 1, offsetof(struct mm_config, slub_sheaves) },
	{ "slub_sheaf_capacity", 0, 1024, offsetof(struct mm_config, slub_sheaf_capacity) },
	{ "page_owner", 0, 1, offsetof(struct mm_config, page_owner) },
	/* compaction (CONFIG_COMPACTION and the vm sysctls) */
	{ "compaction", 0, 1, offsetof(struct mm_config, compaction) },
	{ "compaction_proactiveness", 0, 100, offsetof(struct mm_config, compaction_proactiveness) },
	{ "extfrag_threshold", 0, 1000, offsetof(struct mm_config, extfrag_threshold) },
	{ "compact_unevictable_allowed", 0, 1,
	  offsetof(struct mm_config, compact_unevictable_allowed) },
};

static int parse_lowmem_ratio(struct mm_config *c, const char *v, char *err, size_t errlen)
{
	int n = 0;
	const char *p = v;

	while (*p) {
		char *end;
		long r;

		errno = 0;
		r = strtol(p, &end, 10);
		if (errno || end == p || r < 0 || r > 1 << 30 || n == MAX_NR_ZONES ||
		    (*end && *end != ':'))
			return cfg_error(err, errlen,
					 "lowmem_reserve_ratio=%s: expected 3 or 4 ratios a:b:c[:d] "
					 "for DMA, DMA32, NORMAL[, MOVABLE]", v);
		c->lowmem_reserve_ratio[n++] = (int)r;
		p = *end ? end + 1 : end;
	}
	if (n < 3)
		return cfg_error(err, errlen,
				 "lowmem_reserve_ratio=%s: expected 3 or 4 ratios a:b:c[:d]", v);
	return 0;
}

static const char *const prefault_names[] = {
	[MM_PREFAULT_NONE] = "none", [MM_PREFAULT_PAGEBLOCK] = "pageblock",
	[MM_PREFAULT_BOOT] = "boot",
};

/* panic_on_taint=<hex mask>[,nousertaint] (kernel/panic.c) */
static int parse_panic_on_taint(struct mm_config *c, const char *v, char *err, size_t errlen)
{
	unsigned long mask;
	char *end;

	errno = 0;
	mask = strtoul(v, &end, 16);
	if (errno || end == v || (*end && strcmp(end, ",nousertaint")) || v[0] == '-')
		return cfg_error(err, errlen, "panic_on_taint=%s: expected a hex taint mask "
				 "[,nousertaint]", v);
	mask &= (1ul << MM_TAINT_FLAGS_COUNT) - 1;
	if (!mask)
		return cfg_error(err, errlen, "panic_on_taint=%s: no taint bit (0..%d) in the mask",
				 v, MM_TAINT_FLAGS_COUNT - 1);
	c->panic_on_taint = mask;
	c->panic_on_taint_nousertaint = *end != '\0';
	return 0;
}

/* The page allocator's policy switches by name: pa_<name>=0|1. */
const struct pa_switch_name pa_switch_names[NR_PA_SWITCHES] = {
	{ "freelist_hygiene", PA_FREELIST_HYGIENE },
	{ "claim_steal", PA_CLAIM_STEAL },
	{ "pcp_autotune", PA_PCP_AUTOTUNE },
	{ "pcp_thp_split", PA_PCP_THP_SPLIT },
	{ "highatomic_cap", PA_HIGHATOMIC_CAP },
	{ "highatomic_free", PA_HIGHATOMIC_FREE },
	{ "highatomic_order0", PA_HIGHATOMIC_ORDER0 },
	{ "highatomic_gfp_high", PA_HIGHATOMIC_GFP_HIGH },
};

static const char *const thp_names[] = { "never", "madvise", "always" };
static const char *const kcompactd_names[] = { "tick", "thread", "off" };
static const char *const cma_balance_names[] = { "half", "fallback", "first" };

/* One CMA area: "SIZE[@node]" (the default area "reserved", named) or
 * "NAME:SIZE[@node][/order_per_bit]". */
static int parse_cma_area(struct mm_config *c, const char *text, bool named, char *err,
			  size_t errlen)
{
	struct mm_cma_spec *a = &c->cma_spec[c->nr_cma_specs];
	char v[128], buf[128], *size = buf, *at, *slash, *end;
	const char *key = named ? "cma_areas" : "cma";

	if (strlen(text) >= sizeof(buf))
		return cfg_error(err, errlen, "%s=%s: too long", key, text);
	strcpy(v, text);
	strcpy(buf, text);

	if (c->nr_cma_specs == MM_CMA_MAX_AREAS)
		return cfg_error(err, errlen, "%s=%s: at most %d CMA areas (MAX_CMA_AREAS)", key, v,
				 MM_CMA_MAX_AREAS);
	memset(a, 0, sizeof(*a));
	a->node = -1;
	strcpy(a->name, "reserved");
	if (named) {
		char *colon = strchr(v, ':');

		if (!colon || colon == v || (size_t)(colon - v) >= sizeof(a->name))
			return cfg_error(err, errlen, "cma_areas=%s: expected NAME:SIZE[@node]"
					 "[/order_per_bit] (a name of 1 to %zu characters)", v,
					 sizeof(a->name) - 1);
		memcpy(a->name, v, (size_t)(colon - v));
		a->name[colon - v] = '\0';
		size = buf + (colon - v) + 1;
	}
	slash = named ? strchr(size, '/') : NULL;
	if (slash) {
		unsigned long o = strtoul(slash + 1, &end, 10);

		if (!isdigit((unsigned char)slash[1]) || *end || o > MM_MAX_ORDER_LIMIT)
			return cfg_error(err, errlen, "cma_areas=%s: order_per_bit '%s' is not an "
					 "order from 0 to %d", v, slash + 1, MM_MAX_ORDER_LIMIT);
		a->order_per_bit = (unsigned)o;
		*slash = '\0';
	}
	at = strchr(size, '@');
	if (at) {
		unsigned long n = strtoul(at + 1, &end, 10);

		if (!isdigit((unsigned char)at[1]) || *end || n >= MM_MAX_NODES)
			return cfg_error(err, errlen, "%s=%s: '@%s' is not a node number", key, v,
					 at + 1);
		a->node = (int)n;
		*at = '\0';
	}
	if (parse_size(size, &a->bytes) || !a->bytes)
		return cfg_error(err, errlen, "%s=%s: '%s' is not a size (bytes or K/M/G)", key, v,
				 size);
	for (int i = 0; i < c->nr_cma_specs; i++)
		if (!strcmp(c->cma_spec[i].name, a->name))
			return cfg_error(err, errlen, "%s=%s: a CMA area named '%s' exists already",
					 key, v, a->name);
	c->nr_cma_specs++;
	return 0;
}

/* One choice of a fixed list of words: its index, or -1. */
/* fail_page_alloc= / failslab=: "<interval>,<probability>,<space>,<times>"
 * (setup_fault_attr()); fault_inject.c applies it at boot. */
static int fault_boot_parse(const char *v, struct fault_boot *out)
{
	char tail;

	if (sscanf(v, "%lu,%lu,%d,%d%c", &out->interval, &out->probability, &out->space,
		   &out->times, &tail) != 4 || v[0] == '-' || strchr(v, ' '))
		return -1;
	out->set = true;
	return 0;
}

static int parse_word(const char *v, const char *const *words, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v, words[i]))
			return i;
	return -1;
}

/* page_alloc_policy=, defrag_mode=, pa_<switch>=: 1 if key was one of
 * them (0 or an error from cfg_error then), 0 if not. */
static int parse_policy_kv(struct mm_config *c, const char *key, const char *v,
			   char *err, size_t errlen, int *ret)
{
	*ret = 0;
	if (!strcmp(key, "page_alloc_policy")) {
		if (!strcmp(v, "6.18"))
			c->pa_base = PA_POLICY_6_18;
		else if (!strcmp(v, "6.5"))
			c->pa_base = PA_POLICY_6_5;
		else
			*ret = cfg_error(err, errlen, "page_alloc_policy=%s: expected 6.18 or 6.5", v);
		return 1;
	}
	if (!strcmp(key, "defrag_mode")) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			*ret = cfg_error(err, errlen, "defrag_mode=%s: expected 0 or 1", v);
		c->defrag_mode = !strcmp(v, "1");
		return 1;
	}
	if (strncmp(key, "pa_", 3))
		return 0;
	for (int i = 0; i < NR_PA_SWITCHES; i++) {
		unsigned bit = pa_switch_names[i].bit;

		if (strcmp(key + 3, pa_switch_names[i].name))
			continue;
		if (strcmp(v, "0") && strcmp(v, "1")) {
			*ret = cfg_error(err, errlen, "%s=%s: expected 0 or 1", key, v);
		} else if (!strcmp(v, "1")) {
			c->pa_on |= bit;
			c->pa_off &= ~bit;
		} else {
			c->pa_off |= bit;
			c->pa_on &= ~bit;
		}
		return 1;
	}
	*ret = cfg_error(err, errlen, "unknown machine option '%s' (page allocator switches: "
			 "pa_freelist_hygiene, pa_claim_steal, pa_pcp_autotune, pa_pcp_thp_split, "
			 "pa_highatomic_cap, pa_highatomic_free, pa_highatomic_order0, "
			 "pa_highatomic_gfp_high)", key);
	return 1;
}

static int parse_kv(struct mm_config *c, const char *key, const char *v,
		    char *err, size_t errlen)
{
	unsigned long bytes;
	long n;
	int z = zone_key(key), ret;

	if (parse_policy_kv(c, key, v, err, errlen, &ret))
		return ret;
	if (z >= 0 || !strcmp(key, "HIGHMEM")) {
		if (parse_size(v, &bytes))
			return cfg_error(err, errlen, "%s=%s: bad size (use bytes or K/M/G/T)", key, v);
		if (z < 0) {
			if (bytes)
				return cfg_error(err, errlen,
						 "HIGHMEM=%s: there is no highmem on 64-bit; HIGHMEM must be 0", v);
			return 0;
		}
		if (bytes % PAGE_SIZE)
			return cfg_error(err, errlen,
					 "%s=%s: size is not a multiple of the %lu-byte page", key, v, PAGE_SIZE);
		c->zone_bytes[z] = bytes;
		return 0;
	}
	for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++) {
		const struct int_key *k = &int_keys[i];

		if (strcmp(key, k->name))
			continue;
		if (parse_long(v, k->lo, k->hi, &n))
			return cfg_error(err, errlen, "%s=%s: expected an integer in %ld..%ld",
					 key, v, k->lo, k->hi);
		*(int *)((char *)c + k->off) = (int)n;
		return 0;
	}
	if (!strcmp(key, "max_page_order")) {
		if (parse_long(v, 0, MM_MAX_ORDER_LIMIT, &n))
			return cfg_error(err, errlen, "max_page_order=%s: expected 0..%d",
					 v, MM_MAX_ORDER_LIMIT);
		c->max_page_order = (unsigned)n;
	} else if (!strcmp(key, "seed")) {
		if (parse_long(v, 0, __LONG_MAX__, &n))
			return cfg_error(err, errlen, "seed=%s: expected a non-negative integer", v);
		c->seed = (unsigned long)n;
	} else if (!strcmp(key, "min_free_kbytes")) {
		if (parse_long(v, 1, 1l << 40, &n))
			return cfg_error(err, errlen, "min_free_kbytes=%s: expected a positive integer", v);
		c->min_free_kbytes = n;
	} else if (!strcmp(key, "lowmem_reserve_ratio")) {
		return parse_lowmem_ratio(c, v, err, errlen);
	} else if (!strcmp(key, "backing")) {
		if (strcmp(v, "memfd") && strcmp(v, "none"))
			return cfg_error(err, errlen, "backing=%s: expected memfd or none", v);
		c->backing_none = !strcmp(v, "none");
	} else if (!strcmp(key, "pcp")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return cfg_error(err, errlen, "pcp=%s: expected on or off", v);
		c->pcp_disabled = !strcmp(v, "off");
	} else if (!strcmp(key, "slab")) {
		if (strcmp(v, "slub") && strcmp(v, "slab") && strcmp(v, "slob"))
			return cfg_error(err, errlen, "slab=%s: expected slub, slab or slob", v);
		snprintf(c->slab, sizeof(c->slab), "%s", v);
	} else if (!strcmp(key, "vmalloc_size") || !strcmp(key, "vmalloc")) {
		/* vmalloc; vmalloc= is the kernel's boot parameter */
		if (parse_size(v, &bytes) || bytes % PAGE_SIZE || bytes < (1ul << 20) ||
		    bytes > (64ul << 40))
			return cfg_error(err, errlen, "%s=%s: expected a size from 1M to 64T, a "
					 "multiple of the %lu-byte page", key, v, PAGE_SIZE);
		c->vmalloc_size = bytes;
	} else if (!strcmp(key, "thp")) {
		int t = parse_word(v, thp_names, 3);

		if (t < 0)
			return cfg_error(err, errlen, "thp=%s: expected always, madvise or never", v);
		c->thp = t;
	} else if (!strcmp(key, "lowzones")) {
		if (strcmp(v, "node0") && strcmp(v, "all"))
			return cfg_error(err, errlen, "lowzones=%s: expected node0 (DMA and DMA32 on "
					 "node 0 only, as on x86) or all (every node)", v);
		c->lowzones_node0 = !strcmp(v, "node0");
	} else if (!strcmp(key, "cpu_cache_slice")) {
		if (parse_size(v, &bytes) || bytes > (1ul << 40))
			return cfg_error(err, errlen, "cpu_cache_slice=%s: expected a size "
					 "(bytes or K/M/G)", v);
		c->cpu_cache_slice = bytes;
	} else if (!strcmp(key, "vmalloc_pages")) {
		if (strcmp(v, "bulk") && strcmp(v, "blocks"))
			return cfg_error(err, errlen, "vmalloc_pages=%s: expected bulk or blocks", v);
		c->vmalloc_blocks = !strcmp(v, "blocks");
	} else if (!strcmp(key, "task_size")) {
		/* a process's user address space, reserved in this process */
		if (parse_size(v, &bytes) || bytes % (2ul << 20) || bytes < (2ul << 20) ||
		    bytes > (1ul << 40))
			return cfg_error(err, errlen, "task_size=%s: expected a size from 2M to 1T, "
					 "a multiple of 2M", v);
		c->task_size = bytes;
	} else if (!strcmp(key, "kcompactd")) {
		int i = parse_word(v, kcompactd_names, 3);

		if (i < 0)
			return cfg_error(err, errlen, "kcompactd=%s: expected tick, thread or off", v);
		c->kcompactd = i;
	} else if (!strcmp(key, "cma")) {
		struct mm_cma_spec d;

		if (c->cma_default)
			return cfg_error(err, errlen, "cma=%s: the default CMA area is given twice", v);
		if (parse_cma_area(c, v, false, err, errlen))
			return -EINVAL;
		/* the default area comes first */
		d = c->cma_spec[c->nr_cma_specs - 1];
		memmove(&c->cma_spec[1], &c->cma_spec[0],
			sizeof(d) * (size_t)(c->nr_cma_specs - 1));
		c->cma_spec[0] = d;
		c->cma_default = true;
	} else if (!strcmp(key, "cma_areas")) {
		char list[512], *area, *save;

		if (strlen(v) >= sizeof(list))
			return cfg_error(err, errlen, "cma_areas=%s: too long", v);
		strcpy(list, v);
		for (area = strtok_r(list, ",", &save); area; area = strtok_r(NULL, ",", &save))
			if (parse_cma_area(c, area, true, err, errlen))
				return -EINVAL;
	} else if (!strcmp(key, "cma_balance")) {
		int i = parse_word(v, cma_balance_names, 3);

		if (i < 0)
			return cfg_error(err, errlen, "cma_balance=%s: expected half (CMA first when "
					 "over half of the free pages, 5.7+), fallback (CMA only when "
					 "the movable lists are empty) or first", v);
		c->cma_balance = i;
	} else if (!strcmp(key, "prefault")) {
		int mode = parse_word(v, prefault_names, 3);

		if (mode < 0)
			return cfg_error(err, errlen, "prefault=%s: expected none, pageblock or boot", v);
		c->prefault = mode;
	} else if (!strcmp(key, "debug")) {
		if (strlen(v) >= sizeof(c->debug))
			return cfg_error(err, errlen, "debug=%s: too long", v);
		strcpy(c->debug, v);
	} else if (!strcmp(key, "fail_page_alloc") || !strcmp(key, "failslab")) {
		if (fault_boot_parse(v, strcmp(key, "failslab") ? &c->fail_page_alloc : &c->failslab))
			return cfg_error(err, errlen, "%s=%s: expected <interval>,<probability>,"
					 "<space>,<times> (e.g. %s=1,100,0,3)", key, v, key);
	} else if (!strcmp(key, "panic_on_taint")) {
		return parse_panic_on_taint(c, v, err, errlen);
	} else {
		return cfg_error(err, errlen, "unknown machine option '%s'", key);
	}
	return 0;
}

#define MAX_BYTES (16ul << 40)        /* all nodes together */

static int config_check(const struct mm_config *c, char *err, size_t errlen)
{
	unsigned pb_order = c->max_page_order < HUGETLB_PAGE_ORDER ? c->max_page_order
								   : HUGETLB_PAGE_ORDER;
	unsigned long pb_bytes = PAGE_SIZE << pb_order, total = 0;

	for (int i = 0; i < MAX_NR_ZONES; i++) {
		if (c->zone_bytes[i] && c->zone_bytes[i] < pb_bytes)
			return cfg_error(err, errlen,
					 "%s=%luK: a zone must hold at least one pageblock (%luK)",
					 zone_cfg_names[i], c->zone_bytes[i] >> 10, pb_bytes >> 10);
		if (__builtin_add_overflow(total, c->zone_bytes[i], &total) || total > MAX_BYTES)
			return cfg_error(err, errlen, "too much memory: at most 16T in all");
	}
	if (!total)
		return cfg_error(err, errlen, "the machine has no memory: every zone is 0");
	if (c->lowzones_node0 && c->nodes > 1 && !c->zone_bytes[ZONE_NORMAL] &&
	    !c->zone_bytes[ZONE_MOVABLE])
		return cfg_error(err, errlen, "lowzones=node0: nodes 1..%d would have no memory "
				 "(NORMAL and MOVABLE are 0)", c->nodes - 1);
	if (total / PAGE_SIZE * (unsigned long)c->nodes > MAX_BYTES / PAGE_SIZE)
		return cfg_error(err, errlen, "too much memory: at most 16T in all");
	if (c->percpu_pagelist_high_fraction && c->percpu_pagelist_high_fraction < 8)
		return cfg_error(err, errlen,
				 "percpu_pagelist_high_fraction=%d: must be 0 or at least 8",
				 c->percpu_pagelist_high_fraction);
	if (c->prefault != MM_PREFAULT_NONE && c->backing_none)
		return cfg_error(err, errlen, "prefault=%s: backing=none has no memory to populate",
				 prefault_names[c->prefault]);
	if (c->slub_sheaf_capacity && !c->slub_sheaves)
		return cfg_error(err, errlen, "slub_sheaf_capacity=%d: there are no sheaves "
				 "without slub_sheaves=1", c->slub_sheaf_capacity);
	return 0;
}

/* The key a token sets, for duplicate detection (vmalloc= is vmalloc_size=). */
static const char *canonical_key(const char *key)
{
	return strcmp(key, "vmalloc") ? key : "vmalloc_size";
}

/* One key=value: refused if malformed or if the key was given before. */
static int config_token(struct mm_config *c, char *tok, char *seen, size_t seen_len,
			char *err, size_t errlen)
{
	char *eq = strchr(tok, '='), key[80];

	if (!eq || eq == tok || !eq[1])
		return cfg_error(err, errlen, "'%s': expected key=value", tok);
	*eq = '\0';
	snprintf(key, sizeof(key), " %s ", canonical_key(tok));
	if (strstr(seen, key))
		return cfg_error(err, errlen, "'%s' is given twice (each key once: a later "
				 "value would silently win)", tok);
	if (strlen(seen) + strlen(key) < seen_len)
		strcat(seen, key + 1);
	return parse_kv(c, tok, eq + 1, err, errlen);
}

/* Keys are separated by blanks, or by commas when the next piece is a
 * key=value too: "cpus=2,NORMAL=128M", while "fail_page_alloc=1,100,0,3"
 * and "debug=FZ,kmalloc-64" keep their commas. */
static int config_parse(struct mm_config *c, const char *text, char *err, size_t errlen)
{
	char *copy, *tok, *save, seen[1024] = " ";
	int ret = 0;

	*c = default_config;
	if (!text)
		return 0;
	copy = strdup(text);
	if (!copy)
		return cfg_error(err, errlen, "out of memory");
	for (tok = strtok_r(copy, " \t\n", &save); tok && !ret; tok = strtok_r(NULL, " \t\n", &save)) {
		char *start = tok, *p = tok, *comma;

		while (!ret && (comma = strchr(p, ','))) {
			char *after = comma + 1, *next = strchr(after, ',');
			size_t n = next ? (size_t)(next - after) : strlen(after);

			if (memchr(after, '=', n)) {    /* a new key=value */
				*comma = '\0';
				ret = config_token(c, start, seen, sizeof(seen), err, errlen);
				start = after;
			}
			p = after;
		}
		if (!ret)
			ret = config_token(c, start, seen, sizeof(seen), err, errlen);
	}
	free(copy);
	return ret ? ret : config_check(c, err, errlen);
}

static void format_size(struct strbuf *sb, unsigned long b)
{
	static const char sfx[] = "KMGT";
	int i = -1;

	while (b && i < 3 && !(b & 1023)) {
		b >>= 10;
		i++;
	}
	if (i < 0)
		sb_printf(sb, "%lu", b);
	else
		sb_printf(sb, "%lu%c", b, sfx[i]);
}

/* The canonical config text: the fixed keys, then options that differ
 * from their defaults. */
int mm_config_format(const struct mm_config *c, struct strbuf *sb)
{
	const struct mm_config *d = &default_config;

	sb_printf(sb, "cpus=%d nodes=%d", c->cpus, c->nodes);
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		sb_printf(sb, " %s=", zone_cfg_names[i]);
		format_size(sb, c->zone_bytes[i]);
	}
	sb_printf(sb, " max_page_order=%u seed=%lu", c->max_page_order, c->seed);
	if (c->min_free_kbytes >= 0)
		sb_printf(sb, " min_free_kbytes=%ld", c->min_free_kbytes);
	if (c->watermark_scale_factor != d->watermark_scale_factor)
		sb_printf(sb, " watermark_scale_factor=%d", c->watermark_scale_factor);
	if (memcmp(c->lowmem_reserve_ratio, d->lowmem_reserve_ratio, sizeof(d->lowmem_reserve_ratio)))
		sb_printf(sb, " lowmem_reserve_ratio=%d:%d:%d:%d", c->lowmem_reserve_ratio[0],
			  c->lowmem_reserve_ratio[1], c->lowmem_reserve_ratio[2],
			  c->lowmem_reserve_ratio[3]);
	if (c->backing_none)
		sb_puts(sb, " backing=none");
	if (c->pcp_disabled)
		sb_puts(sb, " pcp=off");
	if (c->prefault != MM_PREFAULT_NONE)
		sb_printf(sb, " prefault=%s", prefault_names[c->prefault]);
	if (c->percpu_pagelist_high_fraction)
		sb_printf(sb, " percpu_pagelist_high_fraction=%d", c->percpu_pagelist_high_fraction);
	if (c->debug[0])
		sb_printf(sb, " debug=%s", c->debug);
	/* slab */
	if (strcmp(c->slab, d->slab))
		sb_printf(sb, " slab=%s", c->slab);
	if (c->slab_nomerge)
		sb_puts(sb, " slab_nomerge=1");
	if (c->init_on_alloc)
		sb_puts(sb, " init_on_alloc=1");
	if (c->init_on_free)
		sb_puts(sb, " init_on_free=1");
	if (c->slab_hardened != d->slab_hardened)
		sb_printf(sb, " slab_hardened=%d", c->slab_hardened);
	if (c->slub_min_objects)
		sb_printf(sb, " slub_min_objects=%d", c->slub_min_objects);
	if (c->slub_min_order)
		sb_printf(sb, " slub_min_order=%d", c->slub_min_order);
	if (c->slub_max_order != d->slub_max_order)
		sb_printf(sb, " slub_max_order=%d", c->slub_max_order);
	if (c->slub_sheaves)
		sb_puts(sb, " slub_sheaves=1");
	if (c->slub_sheaf_capacity)
		sb_printf(sb, " slub_sheaf_capacity=%d", c->slub_sheaf_capacity);
	if (c->vmalloc_size != d->vmalloc_size) {      /* vmalloc */
		sb_puts(sb, " vmalloc_size=");
		format_size(sb, c->vmalloc_size);
	}
	if (c->vmalloc_blocks)
		sb_puts(sb, " vmalloc_pages=blocks");
	if (c->pa_base != d->pa_base)
		sb_puts(sb, " page_alloc_policy=6.5");
	for (int i = 0; i < NR_PA_SWITCHES; i++)
		if ((c->pa_on | c->pa_off) & pa_switch_names[i].bit)
			sb_printf(sb, " pa_%s=%d", pa_switch_names[i].name,
				  !!(c->pa_on & pa_switch_names[i].bit));
	if (c->defrag_mode)
		sb_puts(sb, " defrag_mode=1");
	if (c->page_owner)
		sb_puts(sb, " page_owner=1");
	if (c->thp != d->thp)
		sb_printf(sb, " thp=%s", thp_names[c->thp]);
	if (c->lowzones_node0)
		sb_puts(sb, " lowzones=node0");
	if (c->cpu_cache_slice != d->cpu_cache_slice) {
		sb_puts(sb, " cpu_cache_slice=");
		format_size(sb, c->cpu_cache_slice);
	}
	if (c->task_size != d->task_size) {
		sb_puts(sb, " task_size=");
		format_size(sb, c->task_size);
	}
	if (!c->compaction)
		sb_puts(sb, " compaction=0");
	if (c->compaction_proactiveness != d->compaction_proactiveness)
		sb_printf(sb, " compaction_proactiveness=%d", c->compaction_proactiveness);
	if (c->extfrag_threshold != d->extfrag_threshold)
		sb_printf(sb, " extfrag_threshold=%d", c->extfrag_threshold);
	if (c->compact_unevictable_allowed != d->compact_unevictable_allowed)
		sb_printf(sb, " compact_unevictable_allowed=%d", c->compact_unevictable_allowed);
	if (c->kcompactd != d->kcompactd)
		sb_printf(sb, " kcompactd=%s", kcompactd_names[c->kcompactd]);
	for (int i = 0; i < c->nr_cma_specs; i++) {
		const struct mm_cma_spec *a = &c->cma_spec[i];
		bool dflt = !i && c->cma_default;

		sb_puts(sb, dflt ? " cma=" : i > (int)c->cma_default ? "," : " cma_areas=");
		if (!dflt)
			sb_printf(sb, "%s:", a->name);
		format_size(sb, a->bytes);
		if (a->node >= 0)
			sb_printf(sb, "@%d", a->node);
		if (a->order_per_bit)
			sb_printf(sb, "/%u", a->order_per_bit);
	}
	if (c->cma_balance != d->cma_balance)
		sb_printf(sb, " cma_balance=%s", cma_balance_names[c->cma_balance]);
	if (c->fail_page_alloc.set)
		sb_printf(sb, " fail_page_alloc=%lu,%lu,%d,%d", c->fail_page_alloc.interval,
			  c->fail_page_alloc.probability, c->fail_page_alloc.space,
			  c->fail_page_alloc.times);
	if (c->failslab.set)
		sb_printf(sb, " failslab=%lu,%lu,%d,%d", c->failslab.interval,
			  c->failslab.probability, c->failslab.space, c->failslab.times);
	if (c->panic_on_taint)
		sb_printf(sb, " panic_on_taint=%#lx%s", c->panic_on_taint,
			  c->panic_on_taint_nousertaint ? ",nousertaint" : "");
	return 0;
}

/* ---- memory and nodes ---------------------------------------------------- */

static void *map_anon(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The direct map is aligned like the kernel's: a block of order n has a
 * 2^n-page aligned address (kmalloc's natural alignment relies on it). */
static size_t direct_map_align(const struct mm *m)
{
	size_t a = PAGE_SIZE << m->max_order;

	return a < (2ul << 20) ? (2ul << 20) : a;
}

/* mmap the memfd at an address aligned to align: reserve bytes + align of
 * address space, map inside it, give back the slack. */
static void *map_aligned_memfd(int fd, size_t bytes, size_t align)
{
	char *res = mmap(NULL, bytes + align, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *start, *p;

	if (res == MAP_FAILED)
		return NULL;
	start = (char *)(((uintptr_t)res + align - 1) & ~(uintptr_t)(align - 1));
	p = mmap(start, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED,
		 fd, 0);
	if (p == MAP_FAILED) {
		munmap(res, bytes + align);
		return NULL;
	}
	if (start > res)
		munmap(res, (size_t)(start - res));
	if (start + bytes < res + bytes + align)
		munmap(start + bytes, (size_t)(res + bytes + align - (start + bytes)));
	return p;
}

/* ---- prefault: populating the memfd ahead of use ----------------------------
 *
 * A first write to a never-touched memfd page is a host page fault (~12 us
 * in a VM, ~0.5 us on bare metal); MADV_POPULATE_WRITE (Linux 5.14) over
 * large ranges costs ~1 us a page.  Under shadow paging (a VM whose
 * hypervisor keeps its own copy of the guest's page tables, e.g. PVM) the
 * first user access to a populated page still exits to the hypervisor
 * (~9 us), so each page is also read once; after that a page costs nothing.
 * The
 * kernel's RAM (and the page_ext-like metadata of the frames: page_owner's
 * object tags) exists before it boots: prefault= moves the host's cost out
 * of the allocations that would otherwise pay it.  boot populates all of it
 * in mm_create (refused when it is more than the host has available);
 * pageblock populates a pageblock the first time the buddy hands out a page
 * of it (prefault_pageblock() in internal.h, called where a block leaves the
 * free lists, under zone->lock), one bit per pageblock.  Memory once
 * populated stays populated.  Each populating CPU accounts pageblocks, time
 * and host faults in its mm_cpu (owner-written, read by anyone with
 * READ_ONCE), so a replayer can take the time out of the operation that
 * paid it.
 */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define PREFAULT_CHUNK (64ul << 20)     /* bytes per madvise at boot */

static unsigned long prefault_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000000000ul + (unsigned long)ts.tv_nsec;
}

static long thread_minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_minflt;
}

/* Populates [p, p + len) (page aligned): 0 or -errno.  Without
 * MADV_POPULATE_WRITE (EINVAL: Linux < 5.14) every page is touched with an
 * atomic OR of 0, a write that changes nothing even when another CPU
 * already uses a page next to it. */
static int prefault_range(struct mm *m, char *p, size_t len)
{
	int ret = 0;

	while (!READ_ONCE(m->prefault_touch) && madvise(p, len, MADV_POPULATE_WRITE)) {
		if (errno == EINTR || errno == EAGAIN)
			continue;
		if (errno == EINVAL) {
			WRITE_ONCE(m->prefault_touch, true);
			break;
		}
		ret = -errno;
		break;
	}
	if (!ret && READ_ONCE(m->prefault_touch))
		for (size_t off = 0; off < len; off += PAGE_SIZE)
			__atomic_fetch_or(p + off, 0, __ATOMIC_RELAXED);
#if !defined(__SANITIZE_THREAD__)       /* a host matter, not a race to report */
	else if (!ret)          /* the first user access is a fault too (shadow paging) */
		for (size_t off = 0; off < len; off += PAGE_SIZE)
			(void)*(volatile char *)(p + off);
#endif
	return ret;
}

/* The part of the per-frame metadata array (m->prefault_meta) describing
 * frames [pfn, pfn + nr), whole host pages of it. */
static int prefault_meta_range(struct mm *m, unsigned long pfn, unsigned long nr)
{
	uintptr_t b = (uintptr_t)(m->prefault_meta + pfn * m->prefault_meta_per_page) &
		      ~(uintptr_t)(PAGE_SIZE - 1);
	uintptr_t e = ((uintptr_t)(m->prefault_meta + (pfn + nr) * m->prefault_meta_per_page) +
		       PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1);

	return prefault_range(m, (char *)b, e - b);
}

void machine_prefault_meta(struct mm *m)
{
	unsigned long t0 = prefault_now_ns();
	long f0 = thread_minflt();

	if (m->cfg.prefault != MM_PREFAULT_BOOT || !m->prefault_meta)
		return;
	if (prefault_meta_range(m, 0, m->nr_pages))     /* the host faults it in instead */
		mm_printk(m, "prefault=boot: cannot populate the page metadata\n");
	m->prefault_boot.ns += prefault_now_ns() - t0;
	m->prefault_boot.minflt += (unsigned long)(thread_minflt() - f0);
}

/* Populates page frames [pfn, pfn + nr): their memory through the direct
 * map, and the struct pages in mem_map (reserved, untouched until used:
 * the kernel's exist from boot) of the whole MAX_PAGE_ORDER block around
 * them, where splitting the block writes.  Accounts it in acct. */
static int prefault_populate(struct mm *m, unsigned long pfn, unsigned long nr,
			     struct mm_prefault_acct *acct)
{
	unsigned long bfirst = pfn & ~((1ul << m->max_order) - 1);
	unsigned long blast = (pfn + nr + (1ul << m->max_order) - 1) & ~((1ul << m->max_order) - 1);
	uintptr_t mb = (uintptr_t)(m->mem_map + bfirst) & ~(uintptr_t)(PAGE_SIZE - 1);
	uintptr_t me = ((uintptr_t)(m->mem_map + (blast < m->nr_pages ? blast : m->nr_pages)) +
			PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1);
	unsigned long t0 = prefault_now_ns();
	long f0 = thread_minflt();
	int ret;

	ret = prefault_range(m, m->direct_map + pfn * PAGE_SIZE, nr * PAGE_SIZE);
	if (!ret)
		ret = prefault_range(m, (char *)mb, me - mb);
	if (!ret && m->prefault_meta)
		ret = prefault_meta_range(m, pfn, nr);
	WRITE_ONCE(acct->ns, acct->ns + (prefault_now_ns() - t0));
	WRITE_ONCE(acct->minflt, acct->minflt + (unsigned long)(thread_minflt() - f0));
	return ret;
}

/* What the host can still give, in bytes: MemAvailable, less when this
 * process's cgroup has a lower limit left.  0 if unknown. */
static unsigned long host_available_bytes(void)
{
	char line[512], path[600];
	unsigned long avail = 0, max, cur;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lu kB", &avail) == 1) {
			avail <<= 10;
			break;
		}
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return avail;
	while (fgets(line, sizeof(line), f)) {
		FILE *g;

		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max", line + 3);
		g = fopen(path, "r");
		if (g && fscanf(g, "%lu", &max) == 1) {
			fclose(g);
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current", line + 3);
			g = fopen(path, "r");
			if (g && fscanf(g, "%lu", &cur) == 1 && max > cur &&
			    (!avail || max - cur < avail))
				avail = max - cur;
		}
		if (g)
			fclose(g);
	}
	fclose(f);
	return avail;
}

/* Before the memfd exists: prefault=boot must fit in what the host has. */
static int prefault_check(struct mm *m, char *err, size_t errlen)
{
	unsigned long avail, bytes = m->nr_pages * PAGE_SIZE;

	if (m->cfg.prefault != MM_PREFAULT_BOOT)
		return 0;
	avail = host_available_bytes();
	if (avail && bytes > avail)
		return cfg_error(err, errlen, "prefault=boot: the machine's %lu MiB of memory is "
				 "more than the host has available (%lu MiB); use prefault=pageblock "
				 "or a smaller machine", bytes >> 20, avail >> 20);
	return 0;
}

static int prefault_init(struct mm *m, char *err, size_t errlen)
{
	unsigned long nr_pb;
	int ret = 0;

	switch (m->cfg.prefault) {
	case MM_PREFAULT_PAGEBLOCK:
		nr_pb = (m->nr_pages + m->pageblock_nr_pages - 1) >> m->pageblock_order;
		m->prefault_bits = calloc((nr_pb + BITS_PER_LONG - 1) / BITS_PER_LONG,
					  sizeof(unsigned long));
		if (!m->prefault_bits)
			return cfg_error(err, errlen, "out of memory");
		return 0;
	case MM_PREFAULT_BOOT:
		for (unsigned long pfn = 0; pfn < m->nr_pages && !ret;) {
			unsigned long nr = PREFAULT_CHUNK / PAGE_SIZE;

			if (nr > m->nr_pages - pfn)
				nr = m->nr_pages - pfn;
			ret = prefault_populate(m, pfn, nr, &m->prefault_boot);
			pfn += nr;
		}
		if (ret)
			return cfg_error(err, errlen, "prefault=boot: cannot populate the machine's "
					 "memory: %s", strerror(-ret));
		m->prefault_boot.pageblocks = (m->nr_pages + m->pageblock_nr_pages - 1) >>
					      m->pageblock_order;
		return 0;
	}
	return 0;
}

/* The slow half of prefault_pageblock(): populates every pageblock of the
 * order-`order` block at pfn whose bit this call sets.  Called with a zone
 * lock held; a pageblock that straddles two zones is claimed by whichever
 * zone's allocation gets there first (atomic OR).  A population that fails
 * (the host is out of memory) is logged; the page is still handed out and
 * the host faults it in on first use, as with prefault=none. */
void machine_prefault_pageblocks(struct mm *m, unsigned long pfn, unsigned order)
{
	unsigned long first = pfn >> m->pageblock_order;
	unsigned long last = (pfn + (1ul << order) - 1) >> m->pageblock_order;
	struct mm_cpu *cpu = this_cpu(m);
	struct mm_prefault_acct *acct = cpu ? &cpu->prefault : &m->prefault_boot;

	for (unsigned long pb = first; pb <= last; pb++) {
		unsigned long bit = 1ul << (pb % BITS_PER_LONG), start, nr;
		int ret;

		if (__atomic_fetch_or(&m->prefault_bits[pb / BITS_PER_LONG], bit,
				      __ATOMIC_RELAXED) & bit)
			continue;
		start = pb << m->pageblock_order;
		nr = m->pageblock_nr_pages;
		if (nr > m->nr_pages - start)
			nr = m->nr_pages - start;
		ret = prefault_populate(m, start, nr, acct);
		WRITE_ONCE(acct->pageblocks, acct->pageblocks + 1);
		if (ret)
			mm_printk(m, "prefault: cannot populate the pageblock at pfn %#lx: %s\n",
				  start, strerror(-ret));
	}
}

int mm_prefault_info(struct mm *m, int cpu, struct mm_prefault_info *out)
{
	const struct mm_prefault_acct *a;

	if (!m || !out || cpu < -1 || cpu >= m->nr_cpus)
		return m ? mm_error(m, EINVAL, "mm_prefault_info: bad CPU %d or no output", cpu)
			 : -EINVAL;
	memset(out, 0, sizeof(*out));
	out->mode = m->cfg.prefault;
	for (int c = cpu < 0 ? -1 : cpu; c < (cpu < 0 ? m->nr_cpus : cpu + 1); c++) {
		a = c < 0 ? &m->prefault_boot : &m->cpus[c].prefault;
		out->pageblocks += READ_ONCE(a->pageblocks);
		out->ns += READ_ONCE(a->ns);
		out->minflt += READ_ONCE(a->minflt);
	}
	out->bytes = out->pageblocks << (m->pageblock_order + PAGE_SHIFT);
	if (out->bytes > m->direct_map_bytes)
		out->bytes = m->direct_map_bytes;
	return 0;
}

static int machine_map_memory(struct mm *m, char *err, size_t errlen)
{
	size_t bytes = m->nr_pages * PAGE_SIZE;

	m->mem_map_bytes = (m->nr_pages * sizeof(struct page) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	m->mem_map = map_anon(m->mem_map_bytes);
	if (!m->mem_map)
		return cfg_error(err, errlen, "cannot reserve %zu bytes for mem_map: %s",
				 m->mem_map_bytes, strerror(errno));
	m->memfd = -1;
	if (m->cfg.backing_none)
		return 0;
	if (prefault_check(m, err, errlen))
		return -EINVAL;
	m->memfd = memfd_create("libmm-physmem", MFD_CLOEXEC);
	if (m->memfd < 0)
		return cfg_error(err, errlen, "memfd_create: %s", strerror(errno));
	if (ftruncate(m->memfd, (off_t)bytes))
		return cfg_error(err, errlen, "cannot size physical memory to %zu bytes: %s",
				 bytes, strerror(errno));
	m->direct_map = map_aligned_memfd(m->memfd, bytes, direct_map_align(m));
	if (!m->direct_map)
		return cfg_error(err, errlen, "cannot map physical memory: %s", strerror(errno));
	m->direct_map_bytes = bytes;
	return prefault_init(m, err, errlen);
}

/* Pages of zone i on node n: every node has every zone, unless
 * lowzones=node0 keeps DMA and DMA32 on node 0 (the x86 layout: they are the
 * first 4 GiB of physical memory). */
static unsigned long node_zone_pages(const struct mm *m, int n, int i)
{
	if (n && m->cfg.lowzones_node0 && i <= ZONE_DMA32)
		return 0;
	return m->cfg.zone_bytes[i] / PAGE_SIZE;
}

static void machine_setup_nodes(struct mm *m)
{
	unsigned long start = 0;

	for (int n = 0; n < m->nr_nodes; n++) {
		struct pglist_data *pg = &m->nodes[n];

		pg->node_id = n;
		pg->node_start_pfn = start;
		pg->node_spanned_pages = n ? m->node_pages : m->node0_pages;
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pg->node_zones[i];

			z->mm = m;
			z->node = n;
			z->idx = i;
			z->id = n * MAX_NR_ZONES + i;
			z->name = zone_name(i);
			z->zone_start_pfn = start;
			z->spanned_pages = node_zone_pages(m, n, i);
			z->present_pages = z->managed_pages = z->spanned_pages;
			start += z->spanned_pages;
		}
	}
	for (int c = 0; c < m->nr_cpus; c++) {
		struct mm_cpu *cpu = &m->cpus[c];

		cpu->id = c;
		cpu->node = (int)((long)c * m->nr_nodes / m->nr_cpus);
		m->nodes[cpu->node].nr_cpus++;
	}
}

static void live_add(struct mm *m)
{
	mm_lock(&live_lock, LOCK_LIVE);
	m->live_next = live_machines;
	live_machines = m;
	mm_unlock(&live_lock);
}

static void live_del(struct mm *m)
{
	mm_lock(&live_lock, LOCK_LIVE);
	for (struct mm **p = &live_machines; *p; p = &(*p)->live_next)
		if (*p == m) {
			*p = m->live_next;
			break;
		}
	mm_unlock(&live_lock);
}

/* A thread exits: give back the CPUs it still holds in live machines. */
static void thread_exit(void *unused)
{
	unsigned long token = (unsigned long)&tls_token;

	(void)unused;
	mm_lock(&live_lock, LOCK_LIVE);
	for (int i = 0; i < MM_TLS_SLOTS; i++) {
		struct mm_tls_bind *b = &mm_tls[i];

		for (struct mm *m = live_machines; b->m && m; m = m->live_next)
			if (m == b->m && m->id == b->mm_id) {
				__atomic_compare_exchange_n(&b->cpu->owner, &token, 0, false,
							    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
				token = (unsigned long)&tls_token;
				break;
			}
		memset(b, 0, sizeof(*b));
	}
	mm_unlock(&live_lock);
}

static void exit_key_create(void)
{
	pthread_key_create(&exit_key, thread_exit);
}

int machine_init(struct mm *m, const char *config, char *err, size_t errlen)
{
	static unsigned long next_id = 1;
	int ret;

	m->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
	live_add(m);
	m->memfd = -1;
	mm_log_init(m);
	pthread_mutex_init(&m->drain_mutex, NULL);
	pthread_mutex_init(&m->rmap_lock, NULL);
	ret = config_parse(&m->cfg, config, err, errlen);
	if (ret)
		return ret;
	m->nr_cpus = m->cfg.cpus;
	m->nr_nodes = m->cfg.nodes;
	m->nr_zones = m->nr_nodes * MAX_NR_ZONES;
	m->max_order = m->cfg.max_page_order;
	m->nr_orders = m->max_order + 1;
	m->pageblock_order = m->max_order < HUGETLB_PAGE_ORDER ? m->max_order : HUGETLB_PAGE_ORDER;
	m->pageblock_nr_pages = 1ul << m->pageblock_order;
	m->pcp_orders = m->cfg.pcp_disabled ? 0 : (1u << m->pageblock_order) |
		((1u << (PAGE_ALLOC_COSTLY_ORDER + 1)) - 1);
	m->pa = (m->cfg.pa_base | m->cfg.pa_on) & ~m->cfg.pa_off;
	m->fast_id = m->cfg.pcp_disabled ? ~0ul : m->id;
	m->defrag_mode = m->cfg.defrag_mode;
	m->page_owner = m->cfg.page_owner;
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		m->node0_pages += node_zone_pages(m, 0, i);
		m->node_pages += node_zone_pages(m, 1, i);
	}
	m->nr_pages = m->node0_pages + m->node_pages * (unsigned long)(m->nr_nodes - 1);
	m->nodes = calloc(m->nr_nodes, sizeof(*m->nodes));
	m->cpus = aligned_alloc(64, sizeof(*m->cpus) * m->nr_cpus);
	if (!m->nodes || !m->cpus)
		return cfg_error(err, errlen, "out of memory");
	memset(m->cpus, 0, sizeof(*m->cpus) * m->nr_cpus);
	for (int c = 0; c < m->nr_cpus; c++) {
		m->cpus[c].numa_ev = calloc((size_t)m->nr_zones * NR_NUMA_STAT_ITEMS,
					    sizeof(unsigned long));
		if (!m->cpus[c].numa_ev)
			return cfg_error(err, errlen, "out of memory");
	}
	machine_setup_nodes(m);
	return machine_map_memory(m, err, errlen);
}

void machine_exit(struct mm *m)
{
	live_del(m);
	/* forget this thread's binding; other threads' stale slots are
	 * harmless (the id no longer matches any machine) */
	for (int i = 0; i < MM_TLS_SLOTS; i++)
		if (mm_tls[i].m == m)
			memset(&mm_tls[i], 0, sizeof(mm_tls[i]));
	free(m->prefault_bits);
	if (m->direct_map)
		munmap(m->direct_map, m->direct_map_bytes);
	if (m->memfd >= 0)
		close(m->memfd);
	if (m->mem_map)
		munmap(m->mem_map, m->mem_map_bytes);
	if (m->cpus)
		for (int c = 0; c < m->nr_cpus; c++)
			free(m->cpus[c].numa_ev);
	free(m->cpus);
	free(m->nodes);
	pthread_mutex_destroy(&m->drain_mutex);
	pthread_mutex_destroy(&m->rmap_lock);
	mm_log_free(m);
}

/* ---- CPUs ---------------------------------------------------------------- */

struct mm_cpu *this_cpu_slow(struct mm *m)
{
	for (int i = 1; i < MM_TLS_SLOTS; i++) {
		if (mm_tls[i].m == m && mm_tls[i].mm_id == m->id) {
			struct mm_tls_bind b = mm_tls[i];

			mm_tls[i] = mm_tls[0];
			mm_tls[0] = b;
			return b.cpu;
		}
	}
	return NULL;
}

static void tls_forget(struct mm *m)
{
	for (int i = 0; i < MM_TLS_SLOTS; i++)
		if (mm_tls[i].m == m)
			memset(&mm_tls[i], 0, sizeof(mm_tls[i]));
}

/* Release a CPU we own, doing a drain another thread asked for first. */
static void cpu_put(struct mm *m, struct mm_cpu *cpu)
{
	(void)m;
	__atomic_store_n(&cpu->owner, 0, __ATOMIC_RELEASE);
}

int mm_cpu_bind(struct mm *m, int cpu)
{
	struct mm_cpu *cur, *want;
	unsigned long expected = 0, token = (unsigned long)&tls_token;
	int slot = -1;

	if (!m)
		return -EINVAL;
	if (cpu < 0 || cpu >= m->nr_cpus)
		return mm_error(m, EINVAL, "mm_cpu_bind: CPU %d does not exist (the machine has %d)",
				cpu, m->nr_cpus);
	cur = this_cpu(m);
	if (cur && cur->id == cpu)
		return 0;
	if (!cur) {
		for (int i = 0; i < MM_TLS_SLOTS && slot < 0; i++)
			if (!mm_tls[i].m)
				slot = i;
		if (slot < 0)
			return mm_error(m, EBUSY, "mm_cpu_bind: this thread is bound in %d machines already",
					MM_TLS_SLOTS);
	}
	want = &m->cpus[cpu];
	/* a whole-machine check is stopping the CPUs: wait until it is done */
	while (__atomic_load_n(&m->stopping, __ATOMIC_ACQUIRE))
		sched_yield();
	/* a remote drain holds an unbound CPU only briefly: wait for it */
	while (!__atomic_compare_exchange_n(&want->owner, &expected, token, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		if (expected != CPU_OWNER_DRAIN)
			return mm_error(m, EBUSY, "mm_cpu_bind: CPU %d is bound to another thread",
					cpu);
		expected = 0;
		sched_yield();
	}
	if (cur) {
		mm_cpu_unbind(m);
		for (int i = 0; i < MM_TLS_SLOTS && slot < 0; i++)
			if (!mm_tls[i].m)
				slot = i;
	}
	mm_tls[slot] = mm_tls[0];
	mm_tls[0] = (struct mm_tls_bind){ .m = m, .mm_id = m->id, .cpu = want, .cpu_id = want->id };
	pthread_once(&exit_once, exit_key_create);
	if (!pthread_getspecific(exit_key))
		pthread_setspecific(exit_key, &tls_token);     /* thread_exit() runs */
	return 0;
}

void mm_cpu_unbind(struct mm *m)
{
	struct mm_cpu *cur;

	if (!m || !(cur = this_cpu(m)))
		return;
	tls_forget(m);
	cpu_put(m, cur);
}

int mm_cpu_current(struct mm *m)
{
	struct mm_cpu *cur = m ? this_cpu(m) : NULL;

	return cur ? cur->id : -1;
}

/* Take an unbound CPU for a remote operation (drain, validate). */
bool mm_cpu_acquire(struct mm *m, struct mm_cpu *cpu)
{
	unsigned long expected = 0;

	(void)m;
	return __atomic_compare_exchange_n(&cpu->owner, &expected, CPU_OWNER_DRAIN, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void mm_cpu_release(struct mm_cpu *cpu)
{
	__atomic_store_n(&cpu->owner, 0, __ATOMIC_RELEASE);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool bound_elsewhere(struct mm *m, struct mm_cpu *cpu)
{
	return cpu != this_cpu(m) && __atomic_load_n(&cpu->owner, __ATOMIC_ACQUIRE);
}

/* Stop the machine for a whole-machine check: hold every CPU but the
 * caller's.  New binds wait meanwhile (m->stopping); a CPU another thread
 * has bound is waited for up to timeout_ms (Python binds only for the
 * length of a call), then left as it is.  held[] (MM_MAX_CPUS bits)
 * records what mm_cpus_release() gives back. */
void mm_cpus_hold(struct mm *m, int timeout_ms, unsigned long *held)
{
	double deadline = now_ms() + timeout_ms;
	struct mm_cpu *me = this_cpu(m);
	int left;

	__atomic_add_fetch(&m->stopping, 1, __ATOMIC_ACQ_REL);
	memset(held, 0, MM_MAX_CPUS / 8);
	do {
		left = 0;
		for (int c = 0; c < m->nr_cpus; c++) {
			if (&m->cpus[c] == me || (held[c / 64] >> (c % 64)) & 1)
				continue;
			if (mm_cpu_acquire(m, &m->cpus[c]))
				held[c / 64] |= 1ul << (c % 64);
			else
				left++;
		}
		if (left)
			sched_yield();
	} while (left && now_ms() < deadline);
}

void mm_cpus_release(struct mm *m, const unsigned long *held)
{
	for (int c = 0; c < m->nr_cpus; c++)
		if ((held[c / 64] >> (c % 64)) & 1)
			mm_cpu_release(&m->cpus[c]);
	mm_cpus_resume(m);
}

void mm_cpus_resume(struct mm *m)
{
	__atomic_sub_fetch(&m->stopping, 1, __ATOMIC_ACQ_REL);
}

/* Keep new binds waiting (until mm_cpus_resume()) and wait up to
 * timeout_ms until no other thread has a CPU of m bound; the first CPU
 * still bound elsewhere, or -1. */
int mm_cpus_stop(struct mm *m, int timeout_ms)
{
	__atomic_add_fetch(&m->stopping, 1, __ATOMIC_ACQ_REL);
	return mm_cpus_wait_unbound(m, timeout_ms);
}

/* Wait up to timeout_ms until no other thread has a CPU of m bound; the
 * first CPU still bound elsewhere, or -1. */
int mm_cpus_wait_unbound(struct mm *m, int timeout_ms)
{
	double deadline = now_ms() + timeout_ms;

	for (;;) {
		int busy = -1;

		for (int c = 0; c < m->nr_cpus && busy < 0; c++)
			if (bound_elsewhere(m, &m->cpus[c]))
				busy = c;
		if (busy < 0 || now_ms() >= deadline)
			return busy;
		sched_yield();
	}
}

/* ---- public machine facts ------------------------------------------------ */

int mm_nr_cpus(struct mm *m) { return m ? m->nr_cpus : 0; }
int mm_nr_nodes(struct mm *m) { return m ? m->nr_nodes : 0; }
unsigned long mm_nr_pages(struct mm *m) { return m ? m->nr_pages : 0; }
unsigned mm_max_order(struct mm *m) { return m ? m->max_order : 0; }
unsigned mm_pageblock_order(struct mm *m) { return m ? m->pageblock_order : 0; }
void *mm_direct_map_base(struct mm *m) { return m ? m->direct_map : NULL; }

int mm_cpu_to_node(struct mm *m, int cpu)
{
	if (!m)
		return -EINVAL;
	if (cpu < 0 || cpu >= m->nr_cpus) {
		mm_error(m, EINVAL, "cpu_to_node: CPU %d does not exist (the machine has %d)", cpu,
			 m->nr_cpus);
		return MM_NUMA_NO_NODE;
	}
	return m->cpus[cpu].node;
}

char *mm_config_string(struct mm *m)
{
	if (!m)
		return NULL;
	struct strbuf sb;

	sb_init(&sb);
	mm_config_format(&m->cfg, &sb);
	return sb_finish(&sb);
}

int mm_pfn_zone(struct mm *m, unsigned long pfn, int *node, int *zone_idx)
{
	if (!m)
		return -EINVAL;
	struct zone *z;

	if (pfn >= m->nr_pages)
		return mm_error(m, EINVAL, "pfn %#lx is outside the machine (%lu page frames)",
				pfn, m->nr_pages);
	z = pfn_zone(m, pfn);
	if (node)
		*node = z->node;
	if (zone_idx)
		*zone_idx = z->idx;
	return 0;
}

struct page *mm_pfn_to_page(struct mm *m, unsigned long pfn)
{
	if (!m)
		return NULL;
	if (pfn >= m->nr_pages) {
		mm_error(m, EINVAL, "pfn_to_page: pfn %#lx is outside the machine (%lu page frames)",
			 pfn, m->nr_pages);
		return NULL;
	}
	return pfn_to_page(m, pfn);
}

/* Is page one of this machine's descriptors?  (pointer range + alignment) */
static bool page_valid(struct mm *m, const struct page *page)
{
	uintptr_t p = (uintptr_t)page, base = (uintptr_t)m->mem_map;

	return p >= base && p < base + m->nr_pages * sizeof(struct page) &&
	       (p - base) % sizeof(struct page) == 0;
}

unsigned long mm_page_to_pfn(struct mm *m, const struct page *page)
{
	if (!m)
		return MM_PFN_INVALID;
	if (!page_valid(m, page)) {
		mm_error(m, EFAULT, "page_to_pfn: %p is not a struct page of this machine", (void *)page);
		return MM_PFN_INVALID;
	}
	return page_to_pfn(m, page);
}

void *mm_page_address(struct mm *m, const struct page *page)
{
	if (!m)
		return NULL;
	if (!page_valid(m, page)) {
		mm_error(m, EFAULT, "page_address: %p is not a struct page of this machine",
			 (void *)page);
		return NULL;
	}
	if (!m->direct_map) {
		mm_error(m, ENXIO, "page_address: the machine has no memory behind its pages "
			 "(backing=none)");
		return NULL;
	}
	return m->direct_map + page_to_pfn(m, page) * PAGE_SIZE;
}

struct page *mm_virt_to_page(struct mm *m, const void *addr)
{
	if (!m)
		return NULL;
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)m->direct_map;

	if (!m->direct_map || a < base || a >= base + m->direct_map_bytes) {
		mm_error(m, EFAULT, "virt_to_page: %p is not a direct-map address of this machine", addr);
		return NULL;
	}
	return pfn_to_page(m, (a - base) >> PAGE_SHIFT);
}

struct mm *mm_current(void)
{
	return mm_tls[0].m;
}
