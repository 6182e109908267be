// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/prog.c - the program that parse.c and trace.c build and replay.c runs:
 * the buffer of operations (handed to the sink whenever it is full, or
 * grown when there is no sink; a sink's buffer is mmb_buffer_alloc()'s:
 * huge pages where the host allows, so filling it costs few page faults), the cache and
 * process tables (their run-time state cleared for each run), the free handle slots, and
 * two open-addressing hash maps (names -> slots for the workload language,
 * addresses -> slots for the trace importers).  Nothing here knows the
 * input syntax.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "workload.h"

const char *const mmb_op_names[OP_NR_KINDS] = {
	[OP_ALLOC_PAGES] = "alloc_pages", [OP_FREE_PAGES] = "free_pages",
	[OP_KMALLOC] = "kmalloc", [OP_KREALLOC] = "krealloc", [OP_KFREE] = "kfree",
	[OP_CACHE_CREATE] = "cache_create", [OP_CACHE_ALLOC] = "cache_alloc",
	[OP_CACHE_FREE] = "cache_free", [OP_CACHE_DESTROY] = "cache_destroy",
	[OP_VMALLOC] = "vmalloc", [OP_VFREE] = "vfree",
	[OP_CMA_ALLOC] = "cma_alloc", [OP_CMA_RELEASE] = "cma_release",
	[OP_CONTIG_ALLOC] = "contig_alloc", [OP_CONTIG_FREE] = "contig_free",
	[OP_FAULT] = "fault", [OP_UNMAP] = "unmap", [OP_PIN] = "pin", [OP_UNPIN] = "unpin",
	[OP_COMPACT] = "compact",
};

void mmb_oom(size_t size)
{
	fprintf(stderr, "mmbench: out of memory (%zu bytes)\n", size);
	exit(3);
}

void *mmb_xrealloc(void *ptr, size_t size)
{
	void *n = realloc(ptr, size ? size : 1);

	if (!n)
		mmb_oom(size);
	return n;
}

char *mmb_xstrndup(const char *s, size_t n)
{
	char *d = mmb_xrealloc(NULL, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void mmb_prog_init(struct mmb_prog *p, const char *format)
{
	memset(p, 0, sizeof(*p));
	p->format = format;
}

uint32_t mmb_prog_site(struct mmb_prog *p, const char *name, size_t len)
{
	struct mmb_map_ent *e;
	int created;

	if (!p->sites) {
		p->sites = mmb_xrealloc(NULL, sizeof(*p->sites));
		mmb_map_init(p->sites);
	}
	e = mmb_map_get(p->sites, name, len, &created);
	if (created) {
		p->site_names = mmb_xrealloc(p->site_names, (p->nsites + 1) * sizeof(char *));
		p->site_names[p->nsites] = e->key;
		e->val = ++p->nsites;
	}
	return e->val;
}

void mmb_prog_free(struct mmb_prog *p)
{
	if (p->sites) {
		mmb_map_free(p->sites);
		free(p->sites);
	}
	free(p->site_names);
	for (uint32_t i = 0; i < p->ncaches; i++)
		free(p->caches[i].name);
	free(p->caches);
	for (uint32_t i = 0; i < p->nprocs; i++)
		free(p->procs[i].name);
	free(p->procs);
	for (uint32_t i = 0; i < p->nareas; i++)
		free(p->areas[i].name);
	free(p->areas);
	if (p->sink)
		mmb_buffer_free(p->ops, p->ops_max * sizeof(*p->ops));
	else
		free(p->ops);
	free(p->machine);
	memset(p, 0, sizeof(*p));
}

int mmb_prog_flush(struct mmb_prog *p)
{
	if (p->stopped)
		return -1;
	if (p->sink && p->nops && p->sink(p, p->sink_arg)) {
		p->stopped = 1;
		return -1;
	}
	if (p->sink)
		p->nops = 0;
	return 0;
}

int mmb_prog_add(struct mmb_prog *p, const struct mmb_op *op)
{
	if (p->nops == p->cap) {
		if (p->sink && p->cap) {
			if (mmb_prog_flush(p))
				return -1;
		} else {
			p->cap = p->cap ? p->cap * 2 : 4096;
			p->ops = mmb_xrealloc(p->ops, p->cap * sizeof(*p->ops));
		}
	}
	p->ops[p->nops++] = *op;
	p->total++;
	if (op->cpu > p->max_cpu)
		p->max_cpu = op->cpu;
	return 0;
}

void mmb_prog_rerun(struct mmb_prog *p)
{
	for (uint32_t i = 0; i < p->ncaches; i++) {
		p->caches[i].cache = NULL;
		atomic_store(&p->caches[i].done, 0);
	}
	for (uint32_t i = 0; i < p->nprocs; i++) {
		p->procs[i].proc = NULL;
		atomic_store(&p->procs[i].done, 0);
	}
}

/* Appends a zeroed slot of esz bytes to *arr (n used of cap), named name
 * (every slot kind starts with its char *name); its index. */
static uint32_t add_named(void **arr, uint32_t *n, uint32_t *cap, size_t esz, const char *name,
			  size_t len)
{
	char *e;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*arr = mmb_xrealloc(*arr, *cap * esz);
	}
	e = (char *)*arr + (size_t)*n * esz;
	memset(e, 0, esz);
	*(char **)e = mmb_xstrndup(name, len);
	return (*n)++;
}

/* The slot named name in the map names, appended to *arr when new. */
static uint32_t map_named(struct mmb_map *names, void **arr, uint32_t *n, uint32_t *cap,
			  size_t esz, const char *name, size_t len)
{
	int created;
	struct mmb_map_ent *e = mmb_map_get(names, name, len, &created);

	if (created)
		e->val = add_named(arr, n, cap, esz, name, len);
	return e->val;
}

uint32_t mmb_prog_proc(struct mmb_prog *p, struct mmb_map *names, const char *name, size_t len)
{
	return map_named(names, (void **)&p->procs, &p->nprocs, &p->procs_cap, sizeof(*p->procs),
			 name, len);
}

uint32_t mmb_prog_area(struct mmb_prog *p, struct mmb_map *names, const char *name, size_t len)
{
	return map_named(names, (void **)&p->areas, &p->nareas, &p->areas_cap, sizeof(*p->areas),
			 name, len);
}

void *mmb_grow(void *arr, size_t *cap, size_t i, size_t esz)
{
	size_t old = *cap;

	if (i < old)
		return arr;
	while (*cap <= i)
		*cap = *cap ? *cap * 2 : 64;
	arr = mmb_xrealloc(arr, *cap * esz);
	memset((char *)arr + old * esz, 0, (*cap - old) * esz);
	return arr;
}

uint32_t mmb_prog_cache(struct mmb_prog *p, const char *name, size_t len)
{
	return add_named((void **)&p->caches, &p->ncaches, &p->caches_cap, sizeof(*p->caches), name,
			 len);
}

/* ---- big buffers ----------------------------------------------------------------- */

#define HUGE_ALIGN (2ul << 20)

void *mmb_buffer_alloc(size_t bytes)
{
	size_t len = (bytes + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1);
	char *p = mmap(NULL, len + HUGE_ALIGN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *a;

	if (p == MAP_FAILED)
		mmb_oom(len);
	a = (char *)(((uintptr_t)p + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	munmap(a + len, (size_t)(p + len + HUGE_ALIGN - (a + len)));
	madvise(a, len, MADV_HUGEPAGE);         /* best effort */
	return a;
}

void mmb_buffer_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, (bytes + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1));
}

/* ---- handle slots -------------------------------------------------------------- */

uint32_t mmb_slot_get(struct mmb_slots *s, struct mmb_prog *p, int *fresh)
{
	*fresh = !s->n;
	return s->n ? s->free[--s->n] : p->nhandles++;
}

void mmb_slot_put(struct mmb_slots *s, uint32_t slot)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->free = mmb_xrealloc(s->free, s->cap * sizeof(*s->free));
	}
	s->free[s->n++] = slot;
}

void mmb_slots_free(struct mmb_slots *s)
{
	free(s->free);
	memset(s, 0, sizeof(*s));
}

/* ---- string map ---------------------------------------------------------- */

static uint64_t map_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a, then a final mix */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	return h | 1;                           /* 0 marks an empty entry */
}

void mmb_map_init(struct mmb_map *mp)
{
	mp->cap = 1024;
	mp->used = 0;
	mp->ents = calloc(mp->cap, sizeof(*mp->ents));
	if (!mp->ents)
		mmb_oom(0);
}

void mmb_map_free(struct mmb_map *mp)
{
	for (size_t i = 0; i < mp->cap; i++)
		free(mp->ents[i].key);
	free(mp->ents);
	mp->ents = NULL;
	mp->cap = mp->used = 0;
}

static void map_grow(struct mmb_map *mp)
{
	struct mmb_map_ent *old = mp->ents;
	size_t oldcap = mp->cap;

	mp->cap *= 2;
	mp->ents = calloc(mp->cap, sizeof(*mp->ents));
	if (!mp->ents)
		mmb_oom(0);
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].hash)
			continue;
		for (j = old[i].hash & (mp->cap - 1); mp->ents[j].hash; j = (j + 1) & (mp->cap - 1))
			;
		mp->ents[j] = old[i];
	}
	free(old);
}

struct mmb_map_ent *mmb_map_find(struct mmb_map *mp, const char *key, size_t len)
{
	uint64_t h = map_hash(key, len);

	for (size_t j = h & (mp->cap - 1); mp->ents[j].hash; j = (j + 1) & (mp->cap - 1)) {
		struct mmb_map_ent *e = &mp->ents[j];

		if (e->hash == h && e->klen == len && !memcmp(e->key, key, len))
			return e;
	}
	return NULL;
}

void mmb_map_filter(struct mmb_map *mp, int (*keep)(const struct mmb_map_ent *e))
{
	struct mmb_map_ent *old = mp->ents;
	size_t oldcap = mp->cap;

	mp->ents = calloc(mp->cap, sizeof(*mp->ents));
	if (!mp->ents)
		mmb_oom(0);
	mp->used = 0;
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].hash)
			continue;
		if (!keep(&old[i])) {
			free(old[i].key);
			continue;
		}
		for (j = old[i].hash & (mp->cap - 1); mp->ents[j].hash; j = (j + 1) & (mp->cap - 1))
			;
		mp->ents[j] = old[i];
		mp->used++;
	}
	free(old);
}

struct mmb_map_ent *mmb_map_get(struct mmb_map *mp, const char *key, size_t len, int *created)
{
	uint64_t h = map_hash(key, len);
	size_t j;

	if ((mp->used + 1) * 4 > mp->cap * 3)
		map_grow(mp);
	for (j = h & (mp->cap - 1); mp->ents[j].hash; j = (j + 1) & (mp->cap - 1)) {
		struct mmb_map_ent *e = &mp->ents[j];

		if (e->hash == h && e->klen == len && !memcmp(e->key, key, len)) {
			*created = 0;
			return e;
		}
	}
	mp->ents[j].hash = h;
	mp->ents[j].key = mmb_xstrndup(key, len);
	mp->ents[j].klen = (uint32_t)len;
	mp->ents[j].val = UINT32_MAX;
	mp->ents[j].aux = 0;
	mp->used++;
	*created = 1;
	return &mp->ents[j];
}

/* ---- integer map (linear probing, backward-shift deletion) ------------------
 *
 * At most half full; deleting moves the entries after the hole back into it
 * (no tombstones), so probe sequences stay as short as the load allows
 * however many deletions a trace makes. */

enum { IM_EMPTY = 0, IM_FULL = 1 };

static size_t imap_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return key & (cap - 1);
}

void mmb_imap_init(struct mmb_imap *mp)
{
	mp->cap = 1024;
	mp->used = 0;
	mp->ents = calloc(mp->cap, sizeof(*mp->ents));
	if (!mp->ents)
		mmb_oom(0);
}

void mmb_imap_free(struct mmb_imap *mp)
{
	free(mp->ents);
	mp->ents = NULL;
}

static void imap_rehash(struct mmb_imap *mp, size_t cap)
{
	struct mmb_imap_ent *old = mp->ents;
	size_t oldcap = mp->cap;

	mp->ents = calloc(cap, sizeof(*mp->ents));
	if (!mp->ents)
		mmb_oom(cap * sizeof(*mp->ents));
	mp->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].state)
			continue;
		for (j = imap_slot(old[i].key, cap); mp->ents[j].state; j = (j + 1) & (cap - 1))
			;
		mp->ents[j] = old[i];
	}
	free(old);
}

/* The index holding key, or of the empty entry ending its probe sequence. */
static inline size_t imap_probe(const struct mmb_imap *mp, uint64_t key)
{
	size_t j = imap_slot(key, mp->cap);

	while (mp->ents[j].state && mp->ents[j].key != key)
		j = (j + 1) & (mp->cap - 1);
	return j;
}

void mmb_imap_prefetch(const struct mmb_imap *mp, uint64_t key)
{
	__builtin_prefetch(&mp->ents[imap_slot(key, mp->cap)]);
}

uint32_t *mmb_imap_find(struct mmb_imap *mp, uint64_t key)
{
	size_t j = imap_probe(mp, key);

	return mp->ents[j].state ? &mp->ents[j].val : NULL;
}

void mmb_imap_put(struct mmb_imap *mp, uint64_t key, uint32_t val)
{
	size_t j;

	if ((mp->used + 1) * 2 > mp->cap)
		imap_rehash(mp, mp->cap * 2);
	j = imap_probe(mp, key);
	if (!mp->ents[j].state) {
		mp->ents[j].key = key;
		mp->ents[j].state = IM_FULL;
		mp->used++;
	}
	mp->ents[j].val = val;
}

int mmb_imap_del(struct mmb_imap *mp, uint64_t key, uint32_t *val)
{
	size_t mask = mp->cap - 1, i = imap_probe(mp, key), j = i;

	if (!mp->ents[i].state)
		return 0;
	*val = mp->ents[i].val;
	/* shift back every entry after the hole whose home is not between the
	 * hole and its place (cyclically) */
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!mp->ents[j].state)
			break;
		home = imap_slot(mp->ents[j].key, mp->cap);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			mp->ents[i] = mp->ents[j];
			i = j;
		}
	}
	mp->ents[i].state = IM_EMPTY;
	mp->used--;
	return 1;
}
