// SPDX-License-Identifier: GPL-2.0-only
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
 * tag (mm/slub.c func:allocate_slab; SLAB's kmem_getpages, SLOB's
 * slob_new_pages), as the kernel's profiling does.
 * Objects find their tag again at free through their address (below).
 *
 * Cost.  Nothing while off: the entry points test m->page_owner (in the
 * cache line they read first) and come here only when it is set.  When on,
 * no lock and no atomic read-modify-write on the common paths: a head
 * page's record is written by the CPU that allocates it; a tag's counters
 * are per CPU (plain adds as relaxed load/store, summed by the reports); an
 * object's tag is one 32-bit slot of a flat array over the direct map,
 * indexed by the object's address (no lookup, nothing to allocate); the
 * site of a return address is found in a per-thread cache.  po->lock
 * (LOCK_PAGE_OWNER, a leaf) is taken to register a site, for vmalloc
 * areas' tags, for unbound callers' counters and by the reports.
 * The records and the per-CPU counters are populated at machine creation
 * (the host's first-touch faults out of the allocations that would pay
 * them); the tag array (address space half the size of the memory) is
 * populated with the memory it describes, as prefault= says (boot: at
 * creation; pageblock: with each pageblock; none: on first touch).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "page_owner.h"

#define SITE_NAMED      PO_SITE_NAMED   /* | the site's index */
#define SITE_INTERNAL   (1ul << 62)     /* | enum po_via: an allocator's own tag */
#define PO_CACHE        8               /* per-thread site cache entries (the static
                                           TLS of a dlopen'ed library is small) */

struct po_rec {                         /* a head page's last allocation */
	unsigned long site;
	unsigned long ts, free_ts;      /* allocation sequence numbers */
	gfp_t gfp;
	unsigned short order;
	unsigned char via;              /* enum po_via */
	unsigned char allocated;        /* PAGE_EXT_OWNER_ALLOCATED */
	int cpu;
};

struct po_obj {                         /* a vmalloc area's tag (not in the direct map) */
	uintptr_t addr;                 /* 0: empty slot */
	uint32_t site;
	size_t bytes;
};

struct page_owner_state {
	struct po_fast f;               /* first: page_owner.h's inlined hooks */
	pthread_mutex_t lock;           /* site registration, names, vobjs */
	const char *slab_frame, *slab_tag;      /* slab pages' frame and tag */
	unsigned long *keys;            /* [PO_MAX_SITES]: index -> site value */
	uint32_t nsites;                /* atomic (release after keys[] is set) */
	uint32_t *index;                /* address sites: value -> index + 1 */
	size_t index_cap;
	char **names;                   /* [PO_MAX_SITES]: registered names */
	struct po_rec *rec;             /* [nr_pages]: written by the allocating CPU */
	size_t otag_bytes;              /* f.otag's reserved address space */
	unsigned long clock;            /* atomic: allocations so far */
	struct po_obj *vobjs;           /* open addressing by address */
	size_t vobjs_cap, nvobjs;
};

__thread struct po_tls_state po_tls __attribute__((tls_model("initial-exec")));

/* the site cache of return addresses: per thread, on the heap (a
 * pthread key: the static TLS a dlopen'ed library shares is small) */
struct po_cache {
	unsigned long mm_id;            /* whose sites it holds */
	unsigned long key[PO_CACHE];
	uint32_t idx[PO_CACHE];
};
static pthread_key_t po_cache_key;
static pthread_once_t po_cache_once = PTHREAD_ONCE_INIT;

static void po_cache_key_init(void)
{
	pthread_key_create(&po_cache_key, free);
}

static struct po_cache *po_cache_get(void)
{
	return mm_thread_calloc(&po_cache_key, &po_cache_once, po_cache_key_init,
				sizeof(struct po_cache));
}

static const char *const via_frames[PO_NR_VIA] = {
	[PO_VIA_SLAB] = "allocate_slab", [PO_VIA_KMALLOC_LARGE] = "__kmalloc_large_node_noprof",
	[PO_VIA_VMALLOC] = "__vmalloc_area_node", [PO_VIA_CONTIG] = "alloc_contig_range_noprof",
};
/* the slab allocator's page allocating function and its tag, per slab= */
static const struct { const char *slab, *frame, *tag; } slab_frames[] = {
	{ "slab", "kmem_getpages", "mm/slab.c:0 func:kmem_getpages" },
	{ "slob", "slob_new_pages", "mm/slob.c:0 func:slob_new_pages" },
	{ "", "allocate_slab", "mm/slub.c:0 func:allocate_slab" },     /* slub */
};

/* Touches every page of a fresh zeroed array: the host populates it now,
 * at machine creation, not in the middle of a timed allocation (a first
 * touch costs ~10 us on a VM). */
static void po_populate(void *p, size_t bytes)
{
	for (size_t off = 0; p && off < bytes; off += 4096)
		((volatile char *)p)[off] = 0;
}

int page_owner_init(struct mm *m)
{
	struct page_owner_state *po = calloc(1, sizeof(*po));

	if (!po)
		return -ENOMEM;
	m->po = po;
	pthread_mutex_init(&po->lock, NULL);
	for (size_t i = 0; i < sizeof(slab_frames) / sizeof(slab_frames[0]); i++)
		if (!slab_frames[i].slab[0] || !strcmp(m->cfg.slab, slab_frames[i].slab)) {
			po->slab_frame = slab_frames[i].frame;
			po->slab_tag = slab_frames[i].tag;
			break;
		}
	po->keys = calloc(PO_MAX_SITES, sizeof(*po->keys));
	po->names = calloc(PO_MAX_SITES, sizeof(*po->names));
	po->f.ctr = calloc((size_t)m->nr_cpus + 1, sizeof(*po->f.ctr));
	po->rec = calloc(m->nr_pages, sizeof(*po->rec));
	if (m->direct_map) {
		po->otag_bytes = m->direct_map_bytes / PO_GRANULE * sizeof(*po->f.otag);
		po->f.otag = mmap(NULL, po->otag_bytes, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (po->f.otag == MAP_FAILED) {
			po->f.otag = NULL;
			return -ENOMEM;
		}
		/* populated with the memory it describes, as the struct pages */
		m->prefault_meta = (char *)po->f.otag;
		m->prefault_meta_per_page = PAGE_SIZE / PO_GRANULE * sizeof(*po->f.otag);
		machine_prefault_meta(m);
	}
	po->index_cap = 1024;
	po->index = calloc(po->index_cap, sizeof(*po->index));
	po->vobjs_cap = 64;
	po->vobjs = calloc(po->vobjs_cap, sizeof(*po->vobjs));
	if (!po->keys || !po->names || !po->f.ctr || !po->rec || !po->index || !po->vobjs)
		return -ENOMEM;         /* mm_create's failure path calls page_owner_exit */
	for (int c = 0; c <= m->nr_cpus; c++) {
		po->f.ctr[c] = calloc(PO_MAX_SITES, sizeof(*po->f.ctr[c]));
		if (!po->f.ctr[c])
			return -ENOMEM;
		po_populate(po->f.ctr[c], PO_MAX_SITES * sizeof(*po->f.ctr[c]));
	}
	po_populate(po->rec, m->nr_pages * sizeof(*po->rec));
	return 0;
}

void page_owner_exit(struct mm *m)
{
	struct page_owner_state *po = m->po;

	if (!po)
		return;
	for (uint32_t i = 0; po->names && i < po->nsites; i++)
		free(po->names[i]);
	for (int c = 0; po->f.ctr && c <= m->nr_cpus; c++)
		free(po->f.ctr[c]);
	free(po->names);
	free(po->keys);
	free(po->f.ctr);
	free(po->rec);
	if (po->f.otag)
		munmap(po->f.otag, po->otag_bytes);
	m->prefault_meta = NULL;
	free(po->index);
	free(po->vobjs);
	pthread_mutex_destroy(&po->lock);
	free(po);
	m->po = NULL;
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
	for (size_t i = 0; i < po->index_cap; i++) {
		size_t j;

		if (!po->index[i])
			continue;
		for (j = po_hash(po->keys[po->index[i] - 1], cap); n[j]; j = (j + 1) & (cap - 1))
			;
		n[j] = po->index[i];
	}
	free(po->index);
	po->index = n;
	po->index_cap = cap;
}

/* A new tag for site value key (lock held); UINT32_MAX when full. */
static uint32_t __po_new_site(struct page_owner_state *po, unsigned long key)
{
	uint32_t i = po->nsites;

	lockdep_assert_held(NULL, &po->lock);
	if (i >= PO_MAX_SITES)
		return UINT32_MAX;
	po->keys[i] = key;
	__atomic_store_n(&po->nsites, i + 1, __ATOMIC_RELEASE);
	return i;
}

/* The tag of an address or internal site (lock held). */
static uint32_t __po_site_lookup(struct page_owner_state *po, unsigned long key)
{
	size_t j = po_hash(key, po->index_cap);
	uint32_t i;

	lockdep_assert_held(NULL, &po->lock);
	while (po->index[j]) {
		if (po->keys[po->index[j] - 1] == key)
			return po->index[j] - 1;
		j = (j + 1) & (po->index_cap - 1);
	}
	i = __po_new_site(po, key);
	if (i == UINT32_MAX)
		return i;
	po->index[j] = i + 1;
	if ((size_t)po->nsites * 2 > po->index_cap)
		po_index_grow(po);
	return i;
}

/* The tag index of site value key: a registered name's is in the value; an
 * address's comes from this thread's cache, else the table (the lock). */
__attribute__((noinline)) uint32_t po_site_idx_slow(struct mm *m, unsigned long key)
{
	struct page_owner_state *po = m->po;
	unsigned slot = (unsigned)po_hash(key, PO_CACHE);
	struct po_cache *pc = po_cache_get();
	uint32_t i;

	if (pc && pc->mm_id == m->id && pc->key[slot] == key)
		return pc->idx[slot];
	mm_lock(&po->lock, LOCK_PAGE_OWNER);
	i = __po_site_lookup(po, key);
	mm_unlock(&po->lock);
	if (pc && i != UINT32_MAX) {
		if (pc->mm_id != m->id) {
			memset(pc->key, 0, sizeof(pc->key));
			pc->mm_id = m->id;
		}
		pc->key[slot] = key;
		pc->idx[slot] = i;
	}
	return i;
}

/* po_count() from a thread bound to another machine first, or unbound. */
__attribute__((noinline)) void po_count_slow(struct mm *m, uint32_t i, long long bytes,
					     long long calls)
{
	struct page_owner_state *po = m->po;
	struct mm_cpu *cpu = this_cpu(m);

	if (i >= PO_MAX_SITES)
		return;
	if (cpu) {
		po_ctr_add(&po->f.ctr[cpu->id][i], bytes, calls);
		return;
	}
	mm_lock(&po->lock, LOCK_PAGE_OWNER);
	po_ctr_add(&po->f.ctr[m->nr_cpus][i], bytes, calls);
	mm_unlock(&po->lock);
}


/* Tag i's counters summed over the CPUs. */
static struct po_ctr po_read(struct mm *m, uint32_t i)
{
	struct po_ctr sum = { 0, 0 };

	for (int c = 0; c <= m->nr_cpus; c++) {
		struct po_ctr *v = m->po->f.ctr[c];

		sum.bytes += __atomic_load_n(&v[i].bytes, __ATOMIC_RELAXED);
		sum.calls += __atomic_load_n(&v[i].calls, __ATOMIC_RELAXED);
	}
	return sum;
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
	mm_lock(&po->lock, LOCK_PAGE_OWNER);
	for (uint32_t i = 0; i < po->nsites && !site; i++)
		if (po->names[i] && !strcmp(po->names[i], name))
			site = po->keys[i];
	if (!site) {
		char *copy = strdup(name);
		uint32_t i = copy ? __po_new_site(po, 0) : UINT32_MAX;

		if (i != UINT32_MAX) {
			po->names[i] = copy;
			po->keys[i] = site = SITE_NAMED | i;
		} else {
			free(copy);
		}
	}
	mm_unlock(&po->lock);
	if (!site)
		mm_error(m, ENOMEM, "site_register: out of memory or more than %u sites",
			 PO_MAX_SITES);
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

		sb_puts(sb, i < po->nsites && po->names[i] ? po->names[i] : "?");
	} else if (key & SITE_INTERNAL) {
		key &= ~SITE_INTERNAL;
		sb_puts(sb, key == PO_VIA_SLAB ? po->slab_frame : via_frames[key] ? via_frames[key] : "?");
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
		sb_puts(sb, (key & ~SITE_INTERNAL) == PO_VIA_SLAB ? po->slab_tag : "?");
	} else if (key & SITE_NAMED) {
		size_t i = key & ~SITE_NAMED;
		const char *name = i < po->nsites && po->names[i] ? po->names[i] : "?", *f, *e;

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

/* The tag a page record counts to: its site's for pages the caller asked
 * for, the slab allocator's own for slab pages, none for the pages of a
 * large kmalloc or vmalloc (their objects' tags count them). */
static uint32_t po_rec_tag(struct mm *m, const struct po_rec *r)
{
	if (r->via == PO_VIA_PAGES || r->via == PO_VIA_CONTIG)
		return po_site_idx(m, r->site);
	if (r->via == PO_VIA_SLAB)
		return po_site_idx(m, SITE_INTERNAL | PO_VIA_SLAB);
	return UINT32_MAX;
}

void page_owner_alloc(struct mm *m, struct page *page, unsigned order, gfp_t gfp)
{
	struct page_owner_state *po = m->po;
	struct mm_cpu *cpu = this_cpu(m);
	struct po_rec *r = &po->rec[page_to_pfn(m, page)];

	*r = (struct po_rec){ .site = po_tls.site, .gfp = gfp, .order = (unsigned short)order,
			      .ts = __atomic_add_fetch(&po->clock, 1, __ATOMIC_RELAXED),
			      .via = (unsigned char)po_tls.via, .allocated = 1,
			      .cpu = cpu ? cpu->id : -1 };
	po_count(m, po_rec_tag(m, r), (long long)(PAGE_SIZE << order), 1);
}

void page_owner_free(struct mm *m, struct page *page)
{
	struct page_owner_state *po = m->po;
	struct po_rec *r = &po->rec[page_to_pfn(m, page)];

	if (!r->allocated)
		return;
	r->allocated = 0;
	r->free_ts = __atomic_load_n(&po->clock, __ATOMIC_RELAXED);
	po_count(m, po_rec_tag(m, r), -(long long)(PAGE_SIZE << r->order), -1);
}

void page_owner_contig(struct mm *m, unsigned long pfn, unsigned long nr, gfp_t gfp,
		       bool compound)
{
	unsigned order = 0;

	if (compound) {
		while ((1ul << order) < nr)
			order++;
		page_owner_alloc(m, pfn_to_page(m, pfn), order, gfp);
		return;
	}
	for (unsigned long i = 0; i < nr; i++)
		page_owner_alloc(m, pfn_to_page(m, pfn + i), 0, gfp);
}

void page_owner_migrate(struct mm *m, struct page *src, struct page *dst)
{
	struct po_rec *s = &m->po->rec[page_to_pfn(m, src)], *d = &m->po->rec[page_to_pfn(m, dst)];
	struct po_rec t = *d;

	*d = *s;
	*s = t;
}

void page_owner_split(struct mm *m, struct page *head, unsigned order)
{
	struct po_rec *r = &m->po->rec[page_to_pfn(m, head)];

	if (!r->allocated || !order)
		return;
	r->order = 0;
	for (unsigned long i = 1; i < 1ul << order; i++)
		r[i] = r[0];
	po_count(m, po_rec_tag(m, r), 0, (long long)(1ul << order) - 1);
}

/* ---- objects ----------------------------------------------------------------------
 *
 * An object in the direct map keeps its tag in the slot of its first
 * 8-byte granule: (index + 1) << 16 | bytes / 8, or PO_BIG and the bytes in
 * the next slot - the kernel keeps a slab object's tag next to it
 * (slabobj_ext); here one flat array covers the direct map, found by the
 * object's address alone whichever slab allocator made it.  Only the
 * object's owner touches its slots (the free comes after the allocation
 * in the caller's order), relaxed atomics so that a report may read them.
 * vmalloc areas (and objects whose bytes do not fit) go to a small table
 * under the lock. */

static void po_vobj_put(struct page_owner_state *po, uintptr_t addr, uint32_t site, size_t bytes)
{
	size_t j;

	if ((po->nvobjs + 1) * 2 > po->vobjs_cap) {
		size_t cap = po->vobjs_cap * 2;
		struct po_obj *n = calloc(cap, sizeof(*n));

		if (!n)
			return;         /* the object goes untagged */
		for (size_t i = 0; i < po->vobjs_cap; i++) {
			if (!po->vobjs[i].addr)
				continue;
			for (j = po_hash(po->vobjs[i].addr, cap); n[j].addr; j = (j + 1) & (cap - 1))
				;
			n[j] = po->vobjs[i];
		}
		free(po->vobjs);
		po->vobjs = n;
		po->vobjs_cap = cap;
	}
	for (j = po_hash(addr, po->vobjs_cap); po->vobjs[j].addr && po->vobjs[j].addr != addr;
	     j = (j + 1) & (po->vobjs_cap - 1))
		;
	__atomic_store_n(&po->nvobjs, po->nvobjs + !po->vobjs[j].addr, __ATOMIC_RELAXED);
	po->vobjs[j] = (struct po_obj){ .addr = addr, .site = site, .bytes = bytes };
}

static int po_vobj_del(struct page_owner_state *po, uintptr_t addr, struct po_tag *tag)
{
	size_t mask = po->vobjs_cap - 1, i, j;

	for (i = po_hash(addr, po->vobjs_cap); po->vobjs[i].addr; i = (i + 1) & mask)
		if (po->vobjs[i].addr == addr)
			break;
	if (!addr || po->vobjs[i].addr != addr)
		return 0;
	tag->i = po->vobjs[i].site;
	tag->bytes = po->vobjs[i].bytes;
	for (j = i;;) {                 /* backward-shift deletion: no tombstones */
		size_t home;

		j = (j + 1) & mask;
		if (!po->vobjs[j].addr)
			break;
		home = po_hash(po->vobjs[j].addr, po->vobjs_cap);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			po->vobjs[i] = po->vobjs[j];
			i = j;
		}
	}
	po->vobjs[i].addr = 0;
	__atomic_store_n(&po->nvobjs, po->nvobjs - 1, __ATOMIC_RELAXED);
	return 1;
}

/* po_obj_put() of what the flat array cannot hold: an object outside the
 * direct map (vmalloc), or bytes that do not fit two slots. */
__attribute__((noinline)) void po_obj_put_slow(struct mm *m, const void *obj, uint32_t i,
					       size_t bytes)
{
	struct page_owner_state *po = m->po;
	uintptr_t off = (uintptr_t)obj - (uintptr_t)m->direct_map;
	uint32_t *v = po->f.otag + off / PO_GRANULE;

	if (off < m->direct_map_bytes && !(off % PO_GRANULE) &&
	    off + PO_GRANULE < m->direct_map_bytes && bytes <= UINT32_MAX) {
		__atomic_store_n(v + 1, (uint32_t)bytes, __ATOMIC_RELAXED);
		__atomic_store_n(v, (i + 1) << 16 | PO_BIG, __ATOMIC_RELAXED);
		return;
	}
	mm_lock(&po->lock, LOCK_PAGE_OWNER);
	po_vobj_put(po, (uintptr_t)obj, i, bytes);
	mm_unlock(&po->lock);
}

/* alloc_tag_obj_del() of an object without a slot in the flat array. */
__attribute__((noinline)) struct po_tag po_obj_del_slow(struct mm *m, const void *obj)
{
	struct page_owner_state *po = m->po;
	struct po_tag tag = { 0, 0 };
	int found = 0;

	if (obj && __atomic_load_n(&po->nvobjs, __ATOMIC_RELAXED)) {
		mm_lock(&po->lock, LOCK_PAGE_OWNER);
		found = po_vobj_del(po, (uintptr_t)obj, &tag);
		mm_unlock(&po->lock);
	}
	if (found && tag.bytes)
		po_count(m, tag.i, -(long long)tag.bytes, -1);
	else
		tag.bytes = 0;
	return tag;
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
	mm_lock(&po->lock, LOCK_PAGE_OWNER);
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
	mm_unlock(&po->lock);
}

/* /proc/allocinfo (lib/alloc_tag.c, version 2.0): a header, then bytes and
 * calls live per tag, in the order the tags were first used. */
void allocinfo_show(struct mm *m, struct strbuf *sb)
{
	struct page_owner_state *po = m->po;

	sb_puts(sb, "allocinfo - version: 2.0\n#     <size>  <calls> <tag info>\n");
	if (!po)
		return;
	mm_lock(&po->lock, LOCK_PAGE_OWNER);
	for (uint32_t i = 0; i < po->nsites; i++) {
		struct po_ctr c = po_read(m, i);

		if (!po->keys[i])
			continue;
		sb_printf(sb, "%12lld %8llu ", c.bytes, (unsigned long long)c.calls);
		po_site_tag(po, po->keys[i], sb);
		sb_puts(sb, " \n");
	}
	mm_unlock(&po->lock);
}

unsigned long page_owner_site(struct mm *m, unsigned long pfn)
{
	const struct po_rec *r = m->po && pfn < m->nr_pages ? &m->po->rec[pfn] : NULL;

	return r && READ_ONCE(r->allocated) ? READ_ONCE(r->site) : 0;
}

/* A site's tag text as a JSON string member ("?" when out of memory);
 * po->lock held. */
static void __po_site_json(struct page_owner_state *po, unsigned long site,
			   struct json_writer *w, const char *key)
{
	struct strbuf name;
	char *s;

	lockdep_assert_held(NULL, &po->lock);
	sb_init(&name);
	po_site_tag(po, site, &name);
	s = sb_finish(&name);
	jw_string(w, key, s ? s : "?");
	free(s);
}

void page_owner_site_json(struct mm *m, unsigned long site, struct json_writer *w,
			  const char *key)
{
	if (!m->po) {
		jw_string(w, key, "?");
		return;
	}
	mm_lock(&m->po->lock, LOCK_PAGE_OWNER);
	__po_site_json(m->po, site, w, key);
	mm_unlock(&m->po->lock);
}

struct po_sorted { uint32_t i; struct po_ctr c; };

static int po_cmp_bytes(const void *a, const void *b)
{
	const struct po_sorted *x = a, *y = b;

	return x->c.bytes < y->c.bytes ? 1 : x->c.bytes > y->c.bytes ? -1 :
	       (x->i > y->i) - (x->i < y->i);
}

/* "sites": the tags holding memory, most bytes first (at most 200), one a
 * line. */
void page_owner_json(struct mm *m, struct json_writer *w)
{
	struct page_owner_state *po = m->po;
	struct po_sorted *v;
	size_t n = 0;

	if (!po)
		return;
	mm_lock(&po->lock, LOCK_PAGE_OWNER);
	v = malloc(((size_t)po->nsites + 1) * sizeof(*v));
	if (!v) {
		mm_unlock(&po->lock);
		return;
	}
	for (uint32_t i = 0; i < po->nsites; i++) {
		struct po_ctr c = po_read(m, i);

		if (po->keys[i] && (c.bytes || c.calls))
			v[n++] = (struct po_sorted){ i, c };
	}
	qsort(v, n, sizeof(*v), po_cmp_bytes);
	jw_array(w, "sites", n ? JW_LINES : JW_INLINE);
	for (size_t k = 0; k < n && k < 200; k++) {
		jw_object(w, NULL, JW_INLINE);
		__po_site_json(po, po->keys[v[k].i], w, "name");
		jw_int(w, "bytes", v[k].c.bytes);
		jw_int(w, "calls", v[k].c.calls);
		jw_end(w);
	}
	jw_end(w);
	mm_unlock(&po->lock);
	free(v);
}
