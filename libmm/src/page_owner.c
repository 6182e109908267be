/*
 * page_owner.c - attribution, switched on by page_owner=1: the kernel's
 * page_owner (mm/page_owner.c: per allocated page its order, GFP mask,
 * allocating task and time, and the stack that allocated it) and memory
 * allocation profiling's tags (lib/alloc_tag.c: bytes and calls live per
 * call site, /proc/allocinfo).
 *
 * Call sites.  A site is an unsigned long: a return address (the C entry
 * points take their caller's by default), or a name registered with
 * mm_site_register() (bit 63 set, the low bits its index) - what the
 * mmbench importers and Python pass, through the *_site entry points.
 * Return addresses are printed as dladdr() finds them (symbol+offset
 * [module]).  The page allocations an allocator makes for its caller
 * (slab pages, a large kmalloc's pages, vmalloc's pages) carry the
 * caller's site and show the allocator's frame above it, as the kernel's
 * stack would; po_enter/po_exit (a thread-local depth) keep the outermost
 * call's site.
 *
 * Records.  rec[pfn] for the head page of every allocation: order, GFP,
 * site, what allocated it (enum po_via), CPU ("pid"/"tgid"/comm in the
 * text), ts = the machine's allocation sequence number (ts_nsec is
 * local_clock() in the kernel: here time is counted in allocations, so two
 * runs of one workload agree), free_ts at the free.  The tags count bytes
 * and calls live per site: a direct page allocation its pages, a kmalloc
 * its slot size (a large one its pages), a cache object the cache's slot
 * size, a vmalloc its pages; slab pages count to the slab allocator's own
 * tag (mm/slub.c func:allocate_slab), as the kernel's profiling does.
 * Objects find their site again at free through a hash map keyed by the
 * object's address.
 *
 * Cost.  Nothing while off: the entry points test m->page_owner (in the
 * cache line they read first) and come here only when it is set.  When on,
 * every hook takes po->lock (one mutex: records, sites and objects).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "page_owner.h"

#define SITE_NAMED      (1ul << 63)
#define SITE_INTERNAL   (1ul << 62)     /* + enum po_via: an allocator's own tag */

struct po_rec {                         /* a head page's last allocation */
	unsigned long site;
	unsigned long ts, free_ts;      /* allocation sequence numbers */
	gfp_t gfp;
	unsigned short order;
	unsigned char via;              /* enum po_via */
	unsigned char allocated;        /* PAGE_EXT_OWNER_ALLOCATED */
	int cpu;
};

struct po_site {                        /* a tag */
	unsigned long key;              /* the site value */
	long long bytes;                /* live */
	unsigned long long calls;       /* live allocations */
};

struct po_obj {                         /* a live object's tag */
	uintptr_t addr;                 /* 0: empty slot */
	uint32_t site;                  /* index in sites[] */
	size_t bytes;
};

struct page_owner_state {
	pthread_mutex_t lock;           /* guards everything below */
	struct po_rec *rec;             /* [nr_pages] */
	unsigned long clock;            /* allocations so far */
	struct po_site *sites;          /* [nsites] */
	size_t nsites, sites_cap;
	uint32_t *index;                /* open addressing: site key -> index + 1 */
	size_t index_cap;
	struct po_obj *objs;            /* open addressing by address */
	size_t objs_cap, nobjs;
	char **names;                   /* registered names [nnames] */
	size_t nnames, names_cap;
};

static __thread struct {
	unsigned long site;
	int via, depth;
} po_tls __attribute__((tls_model("initial-exec")));

static const char *const via_frames[PO_NR_VIA] = {
	[PO_VIA_SLAB] = "allocate_slab", [PO_VIA_KMALLOC_LARGE] = "__kmalloc_large_node_noprof",
	[PO_VIA_VMALLOC] = "__vmalloc_area_node",
};
static const char *const via_tags[PO_NR_VIA] = {
	[PO_VIA_SLAB] = "mm/slub.c:0 func:allocate_slab",
};

int page_owner_init(struct mm *m)
{
	struct page_owner_state *po = calloc(1, sizeof(*po));

	if (!po)
		return -ENOMEM;
	po->rec = calloc(m->nr_pages, sizeof(*po->rec));
	po->index_cap = 1024;
	po->index = calloc(po->index_cap, sizeof(*po->index));
	po->objs_cap = 1024;
	po->objs = calloc(po->objs_cap, sizeof(*po->objs));
	if (!po->rec || !po->index || !po->objs) {
		free(po->rec);
		free(po->index);
		free(po->objs);
		free(po);
		return -ENOMEM;
	}
	pthread_mutex_init(&po->lock, NULL);
	m->po = po;
	return 0;
}

void page_owner_exit(struct mm *m)
{
	struct page_owner_state *po = m->po;

	if (!po)
		return;
	for (size_t i = 0; i < po->nnames; i++)
		free(po->names[i]);
	free(po->names);
	free(po->rec);
	free(po->sites);
	free(po->index);
	free(po->objs);
	pthread_mutex_destroy(&po->lock);
	free(po);
	m->po = NULL;
}

void po_enter(unsigned long site, enum po_via via)
{
	if (po_tls.depth++)
		return;
	po_tls.site = site;
	po_tls.via = via;
}

void po_exit(void)
{
	po_tls.depth--;
}

/* ---- sites -------------------------------------------------------------------------- */

static size_t po_hash(unsigned long key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return key & (cap - 1);
}

static void po_index_grow(struct page_owner_state *po)
{
	size_t cap = po->index_cap * 2;
	uint32_t *n = calloc(cap, sizeof(*n));

	if (!n)
		return;                 /* stays as it is: still correct, fuller */
	for (size_t i = 0; i < po->nsites; i++) {
		size_t j = po_hash(po->sites[i].key, cap);

		while (n[j])
			j = (j + 1) & (cap - 1);
		n[j] = (uint32_t)i + 1;
	}
	free(po->index);
	po->index = n;
	po->index_cap = cap;
}

/* The tag of site key (made on first sight); UINT32_MAX when out of memory. */
static uint32_t po_site(struct page_owner_state *po, unsigned long key)
{
	size_t j = po_hash(key, po->index_cap);

	while (po->index[j]) {
		if (po->sites[po->index[j] - 1].key == key)
			return po->index[j] - 1;
		j = (j + 1) & (po->index_cap - 1);
	}
	if (po->nsites == po->sites_cap) {
		size_t cap = po->sites_cap ? po->sites_cap * 2 : 256;
		struct po_site *n = realloc(po->sites, cap * sizeof(*n));

		if (!n)
			return UINT32_MAX;
		po->sites = n;
		po->sites_cap = cap;
	}
	po->sites[po->nsites] = (struct po_site){ .key = key };
	po->index[j] = (uint32_t)++po->nsites;
	if (po->nsites * 2 > po->index_cap)
		po_index_grow(po);
	return (uint32_t)po->nsites - 1;
}

static void po_count(struct page_owner_state *po, unsigned long key, long long bytes, int calls)
{
	uint32_t i = po_site(po, key);

	if (i == UINT32_MAX)
		return;
	po->sites[i].bytes += bytes;
	po->sites[i].calls += (unsigned long long)(long long)calls;
}

unsigned long mm_site_register(struct mm *m, const char *name)
{
	struct page_owner_state *po;
	unsigned long site = 0;

	if (!m || !name || !*name) {
		if (m)
			mm_error(m, EINVAL, "site_register: no name");
		return 0;
	}
	po = m->po;
	if (!po)
		return SITE_NAMED;      /* attribution off: any non-zero site will do */
	pthread_mutex_lock(&po->lock);
	for (size_t i = 0; i < po->nnames && !site; i++)
		if (!strcmp(po->names[i], name))
			site = SITE_NAMED | i;
	if (!site && po->nnames == po->names_cap) {
		size_t cap = po->names_cap ? po->names_cap * 2 : 64;
		char **n = realloc(po->names, cap * sizeof(*n));

		if (n) {
			po->names = n;
			po->names_cap = cap;
		}
	}
	if (!site && po->nnames < po->names_cap && (po->names[po->nnames] = strdup(name)))
		site = SITE_NAMED | po->nnames++;
	pthread_mutex_unlock(&po->lock);
	if (!site)
		mm_error(m, ENOMEM, "site_register: out of memory");
	return site;
}

int mm_page_owner_enabled(struct mm *m)
{
	return m && m->page_owner;
}

/* A site as the stack line page_owner prints (%pS). */
static void po_site_frame(struct page_owner_state *po, unsigned long key, struct strbuf *sb)
{
	Dl_info di;

	if (key & SITE_NAMED) {
		size_t i = key & ~SITE_NAMED;

		sb_puts(sb, i < po->nnames ? po->names[i] : "?");
	} else if (key & SITE_INTERNAL) {
		sb_puts(sb, via_frames[key & ~SITE_INTERNAL] ? via_frames[key & ~SITE_INTERNAL] : "?");
	} else if (key && dladdr((void *)key, &di) && di.dli_sname) {
		const char *mod = di.dli_fname ? strrchr(di.dli_fname, '/') : NULL;

		sb_printf(sb, "%s+%#lx [%s]", di.dli_sname, key - (unsigned long)di.dli_saddr,
			  mod ? mod + 1 : di.dli_fname ? di.dli_fname : "?");
	} else {
		sb_printf(sb, "%#lx", key);
	}
}

/* A site as allocinfo's tag text: "file:line func:name" where the site is
 * a named code location, else its name with the function part after func:. */
static void po_site_tag(struct page_owner_state *po, unsigned long key, struct strbuf *sb)
{
	Dl_info di;

	if (key & SITE_INTERNAL) {
		sb_puts(sb, via_tags[key & ~SITE_INTERNAL] ? via_tags[key & ~SITE_INTERNAL] : "?");
	} else if (key & SITE_NAMED) {
		size_t i = key & ~SITE_NAMED;
		const char *name = i < po->nnames ? po->names[i] : "?", *f, *e;

		if (strstr(name, " func:")) {
			sb_puts(sb, name);
			return;
		}
		f = strrchr(name, '(');         /* mtrace "obj:(func+off)[addr]" */
		if (f)
			f++;
		else if (!strpbrk(name, ":[/"))  /* perf "func+0xoff", or a bare name */
			f = name;
		else                            /* mtrace "obj:[addr]": no symbol */
			f = "?";
		e = f + strcspn(f, "+)[ ");
		sb_printf(sb, "%s func:%.*s", name, (int)(e - f), f);
	} else if (key && dladdr((void *)key, &di) && di.dli_fname) {
		const char *mod = strrchr(di.dli_fname, '/');

		sb_printf(sb, "%s:%#lx func:%s", mod ? mod + 1 : di.dli_fname,
			  key - (unsigned long)di.dli_fbase, di.dli_sname ? di.dli_sname : "?");
	} else {
		sb_printf(sb, "%#lx func:?", key);
	}
}

/* ---- pages ------------------------------------------------------------------------ */

void page_owner_alloc(struct mm *m, struct page *page, unsigned order, gfp_t gfp)
{
	struct page_owner_state *po = m->po;
	struct mm_cpu *cpu = this_cpu(m);
	struct po_rec *r = &po->rec[page_to_pfn(m, page)];

	pthread_mutex_lock(&po->lock);
	*r = (struct po_rec){ .site = po_tls.site, .ts = ++po->clock, .gfp = gfp,
			      .order = (unsigned short)order, .via = (unsigned char)po_tls.via,
			      .allocated = 1, .cpu = cpu ? cpu->id : -1 };
	if (po_tls.via == PO_VIA_PAGES)
		po_count(po, r->site, (long long)(PAGE_SIZE << order), 1);
	else if (po_tls.via == PO_VIA_SLAB)
		po_count(po, SITE_INTERNAL | PO_VIA_SLAB, (long long)(PAGE_SIZE << order), 1);
	pthread_mutex_unlock(&po->lock);
}

void page_owner_free(struct mm *m, struct page *page, unsigned order)
{
	struct page_owner_state *po = m->po;
	struct po_rec *r = &po->rec[page_to_pfn(m, page)];

	pthread_mutex_lock(&po->lock);
	if (r->allocated) {
		r->allocated = 0;
		r->free_ts = po->clock;
		if (r->via == PO_VIA_PAGES)
			po_count(po, r->site, -(long long)(PAGE_SIZE << order), -1);
		else if (r->via == PO_VIA_SLAB)
			po_count(po, SITE_INTERNAL | PO_VIA_SLAB, -(long long)(PAGE_SIZE << order), -1);
	}
	pthread_mutex_unlock(&po->lock);
}

/* ---- objects ---------------------------------------------------------------------- */

static void po_objs_grow(struct page_owner_state *po)
{
	size_t cap = po->objs_cap * 2;
	struct po_obj *n = calloc(cap, sizeof(*n));

	if (!n)
		return;
	for (size_t i = 0; i < po->objs_cap; i++) {
		size_t j;

		if (!po->objs[i].addr)
			continue;
		for (j = po_hash(po->objs[i].addr, cap); n[j].addr; j = (j + 1) & (cap - 1))
			;
		n[j] = po->objs[i];
	}
	free(po->objs);
	po->objs = n;
	po->objs_cap = cap;
}

static void po_obj_put(struct page_owner_state *po, uintptr_t addr, uint32_t site, size_t bytes)
{
	size_t j;

	if ((po->nobjs + 1) * 2 > po->objs_cap)
		po_objs_grow(po);
	if ((po->nobjs + 1) * 4 > po->objs_cap * 3)
		return;                 /* could not grow: the object goes untagged */
	for (j = po_hash(addr, po->objs_cap); po->objs[j].addr && po->objs[j].addr != addr;
	     j = (j + 1) & (po->objs_cap - 1))
		;
	po->nobjs += !po->objs[j].addr;
	po->objs[j] = (struct po_obj){ .addr = addr, .site = site, .bytes = bytes };
}

void alloc_tag_obj_add(struct mm *m, const void *obj, size_t bytes)
{
	struct page_owner_state *po = m->po;
	uint32_t i;

	if (!obj || (uintptr_t)obj <= 16)       /* NULL, ZERO_SIZE_PTR */
		return;
	pthread_mutex_lock(&po->lock);
	i = po_site(po, po_tls.site);
	if (i != UINT32_MAX) {
		po->sites[i].bytes += (long long)bytes;
		po->sites[i].calls++;
		po_obj_put(po, (uintptr_t)obj, i, bytes);
	}
	pthread_mutex_unlock(&po->lock);
}

int alloc_tag_obj_del(struct mm *m, const void *obj, unsigned long saved[2])
{
	struct page_owner_state *po = m->po;
	size_t mask = po->objs_cap - 1, i, j;
	int found = 0;

	pthread_mutex_lock(&po->lock);
	mask = po->objs_cap - 1;
	for (i = po_hash((uintptr_t)obj, po->objs_cap); po->objs[i].addr;
	     i = (i + 1) & mask)
		if (po->objs[i].addr == (uintptr_t)obj)
			break;
	if (obj && po->objs[i].addr == (uintptr_t)obj) {
		struct po_site *s = &po->sites[po->objs[i].site];

		saved[0] = po->objs[i].site;
		saved[1] = po->objs[i].bytes;
		s->bytes -= (long long)po->objs[i].bytes;
		s->calls--;
		found = 1;
		/* backward-shift deletion: no tombstones */
		for (j = i;;) {
			size_t home;

			j = (j + 1) & mask;
			if (!po->objs[j].addr)
				break;
			home = po_hash(po->objs[j].addr, po->objs_cap);
			if (((j - home) & mask) >= ((j - i) & mask)) {
				po->objs[i] = po->objs[j];
				i = j;
			}
		}
		po->objs[i].addr = 0;
		po->nobjs--;
	}
	pthread_mutex_unlock(&po->lock);
	return found;
}

void alloc_tag_obj_restore(struct mm *m, const void *obj, const unsigned long saved[2])
{
	struct page_owner_state *po = m->po;

	pthread_mutex_lock(&po->lock);
	po->sites[saved[0]].bytes += (long long)saved[1];
	po->sites[saved[0]].calls++;
	po_obj_put(po, (uintptr_t)obj, (uint32_t)saved[0], saved[1]);
	pthread_mutex_unlock(&po->lock);
}

/* ---- reports ---------------------------------------------------------------------- */

static void po_flags(unsigned long flags, struct strbuf *sb)
{
	static const char *const names[] = { "buddy", "pcp", "head", "lru", "reclaim", "slab",
					     "reserved", "vmalloc", "slab_oo" };
	int first = 1;

	sb_printf(sb, "%#lx(", flags);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & (1ul << i)) {
			sb_printf(sb, "%s%s", first ? "" : "|", names[i]);
			first = 0;
		}
	sb_puts(sb, ")");
}

/* read_page_owner(): every allocated head page, in PFN order, as
 * /sys/kernel/debug/page_owner prints it (tools/mm/page_owner_sort reads
 * this). */
void page_owner_show(struct mm *m, struct strbuf *sb)
{
	struct page_owner_state *po = m->po;
	char gfp[256];

	if (!po)
		return;
	pthread_mutex_lock(&po->lock);
	for (unsigned long pfn = 0; pfn < m->nr_pages; pfn++) {
		const struct po_rec *r = &po->rec[pfn];
		struct page *page = pfn_to_page(m, pfn);
		struct zone *z;

		if (!r->allocated)
			continue;
		z = pfn_zone(m, pfn);
		mm_gfp_format(r->gfp, gfp, sizeof(gfp));
		sb_printf(sb, "Page allocated via order %u, mask %#x(%s), pid %d, tgid %d (cpu%d), "
			  "ts %lu ns\n", r->order, r->gfp, gfp, r->cpu, r->cpu, r->cpu, r->ts);
		sb_printf(sb, "PFN 0x%lx type %s Block %lu type %s Flags ", pfn,
			  migratetype_names[(r->gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT],
			  pfn >> m->pageblock_order,
			  z ? migratetype_names[get_pageblock_migratetype(z, pfn)] : "?");
		po_flags(READ_ONCE(page->flags), sb);
		sb_puts(sb, "\n");
		if (r->via != PO_VIA_PAGES) {
			sb_puts(sb, " ");
			po_site_frame(po, SITE_INTERNAL | r->via, sb);
			sb_puts(sb, "\n");
		}
		sb_puts(sb, " ");
		po_site_frame(po, r->site, sb);
		sb_puts(sb, "\n\n");
	}
	pthread_mutex_unlock(&po->lock);
}

/* /proc/allocinfo (lib/alloc_tag.c, version 2.0): a header, then bytes and
 * calls live per tag, in the order the tags were first used. */
void allocinfo_show(struct mm *m, struct strbuf *sb)
{
	struct page_owner_state *po = m->po;

	sb_puts(sb, "allocinfo - version: 2.0\n#     <size>  <calls> <tag info>\n");
	if (!po)
		return;
	pthread_mutex_lock(&po->lock);
	for (size_t i = 0; i < po->nsites; i++) {
		sb_printf(sb, "%12lld %8llu ", po->sites[i].bytes, po->sites[i].calls);
		po_site_tag(po, po->sites[i].key, sb);
		sb_puts(sb, " \n");
	}
	pthread_mutex_unlock(&po->lock);
}

unsigned long page_owner_site(struct mm *m, unsigned long pfn)
{
	const struct po_rec *r = m->po && pfn < m->nr_pages ? &m->po->rec[pfn] : NULL;

	return r && READ_ONCE(r->allocated) ? READ_ONCE(r->site) : 0;
}

static void po_json_string(const char *s, struct strbuf *sb)
{
	sb_puts(sb, "\"");
	for (const char *c = s ? s : "?"; *c; c++)
		if (*c == '"' || *c == '\\')
			sb_printf(sb, "\\%c", *c);
		else if ((unsigned char)*c < 0x20)
			sb_printf(sb, "\\u%04x", *c);
		else
			sb_printf(sb, "%c", *c);
	sb_puts(sb, "\"");
}

void page_owner_site_json(struct mm *m, unsigned long site, struct strbuf *sb)
{
	struct strbuf name;
	char *s;

	sb_init(&name);
	if (m->po) {
		pthread_mutex_lock(&m->po->lock);
		po_site_tag(m->po, site, &name);
		pthread_mutex_unlock(&m->po->lock);
	}
	s = sb_finish(&name);
	po_json_string(s, sb);
	free(s);
}

static int po_cmp_bytes(const void *a, const void *b, void *arg)
{
	const struct po_site *s = arg;
	long long x = s[*(const uint32_t *)a].bytes, y = s[*(const uint32_t *)b].bytes;

	return x < y ? 1 : x > y ? -1 : (*(const uint32_t *)a > *(const uint32_t *)b) -
					 (*(const uint32_t *)a < *(const uint32_t *)b);
}

/* "sites": the tags holding memory, most bytes first (at most 200). */
void page_owner_json(struct mm *m, struct strbuf *sb)
{
	struct page_owner_state *po = m->po;
	uint32_t *order;
	size_t n = 0;

	if (!po)
		return;
	pthread_mutex_lock(&po->lock);
	order = malloc((po->nsites + 1) * sizeof(*order));
	if (!order) {
		pthread_mutex_unlock(&po->lock);
		return;
	}
	for (size_t i = 0; i < po->nsites; i++)
		if (po->sites[i].bytes || po->sites[i].calls)
			order[n++] = (uint32_t)i;
	qsort_r(order, n, sizeof(*order), po_cmp_bytes, po->sites);
	sb_puts(sb, ",\n  \"sites\": [");
	for (size_t k = 0; k < n && k < 200; k++) {
		struct strbuf name;
		char *s;

		sb_init(&name);
		po_site_tag(po, po->sites[order[k]].key, &name);
		s = sb_finish(&name);
		sb_printf(sb, "%s\n    {\"name\": ", k ? "," : "");
		po_json_string(s, sb);
		free(s);
		sb_printf(sb, ", \"bytes\": %lld, \"calls\": %llu}", po->sites[order[k]].bytes,
			  po->sites[order[k]].calls);
	}
	sb_puts(sb, n ? "\n  ]" : "]");
	pthread_mutex_unlock(&po->lock);
	free(order);
}
