/*
 * cli/prog.c - the program that parse.c and trace.c build and replay.c runs:
 * the buffer of operations (handed to the sink whenever it is full, or
 * grown when there is no sink), the cache table, the free handle slots, and
 * two open-addressing hash maps (names -> slots for the workload language,
 * addresses -> slots for the trace importers).  Nothing here knows the
 * input syntax.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

const char *const mmb_op_names[OP_NR_KINDS] = {
	[OP_ALLOC_PAGES] = "alloc_pages", [OP_FREE_PAGES] = "free_pages",
	[OP_KMALLOC] = "kmalloc", [OP_KREALLOC] = "krealloc", [OP_KFREE] = "kfree",
	[OP_CACHE_CREATE] = "cache_create", [OP_CACHE_ALLOC] = "cache_alloc",
	[OP_CACHE_FREE] = "cache_free", [OP_CACHE_DESTROY] = "cache_destroy",
	[OP_VMALLOC] = "vmalloc", [OP_VFREE] = "vfree",
};

void *mmb_xrealloc(void *ptr, size_t size)
{
	void *n = realloc(ptr, size ? size : 1);

	if (!n) {
		fprintf(stderr, "mmbench: out of memory (%zu bytes)\n", size);
		exit(3);
	}
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

void mmb_prog_free(struct mmb_prog *p)
{
	for (uint32_t i = 0; i < p->ncaches; i++)
		free(p->caches[i].name);
	free(p->caches);
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

uint32_t mmb_prog_cache(struct mmb_prog *p, const char *name, size_t len)
{
	if (p->ncaches == p->caches_cap) {
		p->caches_cap = p->caches_cap ? p->caches_cap * 2 : 16;
		p->caches = mmb_xrealloc(p->caches, p->caches_cap * sizeof(*p->caches));
	}
	memset(&p->caches[p->ncaches], 0, sizeof(p->caches[0]));
	p->caches[p->ncaches].name = mmb_xstrndup(name, len);
	return p->ncaches++;
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
		mmb_xrealloc(NULL, (size_t)-1);
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
		mmb_xrealloc(NULL, (size_t)-1);
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
		mmb_xrealloc(NULL, (size_t)-1);
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

/* ---- integer map (linear probing, tombstones) ------------------------------ */

enum { IM_EMPTY = 0, IM_FULL = 1, IM_DEAD = 2 };

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
	mp->used = mp->tomb = 0;
	mp->ents = calloc(mp->cap, sizeof(*mp->ents));
	if (!mp->ents)
		mmb_xrealloc(NULL, (size_t)-1);
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
		mmb_xrealloc(NULL, (size_t)-1);
	mp->cap = cap;
	mp->tomb = 0;
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].state != IM_FULL)
			continue;
		for (j = imap_slot(old[i].key, cap); mp->ents[j].state; j = (j + 1) & (cap - 1))
			;
		mp->ents[j] = old[i];
	}
	free(old);
}

uint32_t *mmb_imap_find(struct mmb_imap *mp, uint64_t key)
{
	for (size_t j = imap_slot(key, mp->cap); mp->ents[j].state; j = (j + 1) & (mp->cap - 1))
		if (mp->ents[j].state == IM_FULL && mp->ents[j].key == key)
			return &mp->ents[j].val;
	return NULL;
}

void mmb_imap_put(struct mmb_imap *mp, uint64_t key, uint32_t val)
{
	uint32_t *v = mmb_imap_find(mp, key);
	size_t j;

	if (v) {
		*v = val;
		return;
	}
	if ((mp->used + mp->tomb + 1) * 4 > mp->cap * 3)
		imap_rehash(mp, (mp->used + 1) * 4 > mp->cap * 2 ? mp->cap * 2 : mp->cap);
	for (j = imap_slot(key, mp->cap); mp->ents[j].state == IM_FULL; j = (j + 1) & (mp->cap - 1))
		;
	if (mp->ents[j].state == IM_DEAD)
		mp->tomb--;
	mp->ents[j].key = key;
	mp->ents[j].val = val;
	mp->ents[j].state = IM_FULL;
	mp->used++;
}

int mmb_imap_del(struct mmb_imap *mp, uint64_t key, uint32_t *val)
{
	uint32_t *v = mmb_imap_find(mp, key);
	struct mmb_imap_ent *e;

	if (!v)
		return 0;
	e = (struct mmb_imap_ent *)((char *)v - offsetof(struct mmb_imap_ent, val));
	*val = *v;
	e->state = IM_DEAD;
	mp->used--;
	mp->tomb++;
	return 1;
}
