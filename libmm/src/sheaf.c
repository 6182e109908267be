// SPDX-License-Identifier: GPL-2.0-only
/*
 * sheaf.c - per-CPU sheaves (mm/slub.c: "percpu sheaves", opt-in per cache
 * in 6.18, the caching layer of every cache from 7.0): arrays of free
 * objects in front of SLUB's slabs.  On with the machine option
 * slub_sheaves=1; the default machine is 6.18's SLUB without them.
 *
 * Owns: struct slab_sheaf (host memory, like struct kmem_cache), every
 * cache's per-CPU main and spare sheaf (kmem_cache_cpu.main/.spare) and
 * per-node barn of full and empty sheaves (kmem_cache_node.barn).
 *
 * The fast paths (slab.h) pop the main sheaf's top object on allocation
 * and push onto it on free, whatever slab the object belongs to.  Here:
 *   - main empty (alloc): swap in a non-empty spare, else trade main for a
 *     full sheaf of the barn, else - if the allocation may block - refill
 *     an empty sheaf from the slabs with one bulk allocation; a GFP_NOWAIT
 *     caller instead gets a single object from the slabs;
 *   - main full (free): install an empty sheaf (the barn's, or a new one)
 *     as main with the full one as spare, or swap with a non-full spare,
 *     else trade main for an empty sheaf of the barn; with MAX_FULL_SHEAVES
 *     full ones in the barn, flush the spare to the slabs and reuse it.
 * Capacity: calculate_sheaf_capacity() of 7.0 - 60, 26, 12 or 4 objects by
 * object size, rounded up so a sheaf fills a kmalloc class - or at least
 * slub_sheaf_capacity= (kmem_cache_args.sheaf_capacity).  Debug caches have
 * none and keep SLUB's locked debug paths.
 *
 * Below the sheaves the cpu slabs stay (as in 6.18 and in 7.0 until they
 * were removed): refills and flushes are the bulk operations of
 * slub_core.c (slab_alloc_bulk_slabs(), slab_free_bulk_to_slabs()), the
 * only SLUB file this one calls; slub.c's entries call in here, never the
 * reverse.
 *
 * Invariants: a sheaf cache's main is never NULL; 0 <= size <= capacity;
 * the spare is empty or full (only main is pushed and popped), and
 * spare_top caches its top for the fast free path's double-free check;
 * slots[0] is NULL and slots[1..size] are distinct object starts of the
 * cache, counted in use by their slabs (inuse) and on no freelist; barn
 * sheaves are full (size == capacity) on sheaves_full and empty on
 * sheaves_empty, at most MAX_EMPTY_SHEAVES of those.
 *
 * Locking: main and spare belong to the thread bound to the CPU (no lock,
 * no atomic), or to a thread that mm_cpu_acquire()d it to flush it.
 * barn->lock (6 in mm_types.h's order) guards one barn: never held across a
 * call into slub_core.c or the page allocator.
 */
#include <stdlib.h>
#include <string.h>
#include "slab.h"

#define MAX_FULL_SHEAVES  10
#define MAX_EMPTY_SHEAVES 10
#define SHEAF_HEADER      32u   /* 7.0's struct slab_sheaf before objects[] */

/* calculate_sheaf_capacity(): rounded up so the sheaf is a kmalloc size
 * class (kmalloc_index() of slab.h) */
unsigned int calculate_sheaf_capacity(struct mm *m, const struct kmem_cache *s)
{
	unsigned int capacity;
	size_t bytes;

	if (!m->cfg.slub_sheaves || s->debug)
		return 0;
	if (s->size >= PAGE_SIZE)
		capacity = 4;
	else if (s->size >= 1024)
		capacity = 12;
	else if (s->size >= 256)
		capacity = 26;
	else
		capacity = 60;
	/* grow it until the sheaf is exactly a kmalloc size class */
	bytes = kmalloc_index_size(kmalloc_index(SHEAF_HEADER + capacity * sizeof(void *)));
	capacity = (unsigned)((bytes - SHEAF_HEADER) / sizeof(void *));
	if (capacity < (unsigned)m->cfg.slub_sheaf_capacity)
		capacity = (unsigned)m->cfg.slub_sheaf_capacity;
	return capacity;
}

static inline void stat_add(struct kmem_cache_cpu *c, enum stat_item si, unsigned long v)
{
	c->stat[si] += v;
}

static struct slab_sheaf *alloc_empty_sheaf(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct slab_sheaf *sh = calloc(1, sizeof(*sh) + (s->sheaf_capacity + 1) * sizeof(void *));

	if (!sh)
		return NULL;
	INIT_LIST_HEAD(&sh->barn_list);
	sh->cache = s;
	sh->capacity = s->sheaf_capacity;
	if (c)
		slab_stat(c, SHEAF_ALLOC);
	return sh;
}

static void free_empty_sheaf(struct slab_sheaf *sh, struct kmem_cache_cpu *c)
{
	free(sh);
	if (c)
		slab_stat(c, SHEAF_FREE);
}

static inline void *sheaf_top(const struct slab_sheaf *sh)
{
	return sh ? sh->slots[sh->size] : NULL;
}

/* Every change of c->spare goes through here (the fast free path compares
 * against c->spare_top). */
static inline void set_spare(struct kmem_cache_cpu *c, struct slab_sheaf *sh)
{
	c->spare = sh;
	c->spare_top = sheaf_top(sh);
}

/* sheaf_flush_unused(): every object of sh back to its slab */
static void sheaf_flush(struct kmem_cache *s, struct slab_sheaf *sh, struct mm_cpu *cpu)
{
	if (!sh->size)
		return;
	stat_add(&s->cpu_slab[cpu->id], SHEAF_FLUSH, sh->size);
	slab_free_bulk_to_slabs(s, sh->size, &sh->slots[1], cpu, 0);
	sh->size = 0;
}

/* refill_sheaf(): fill sh up from the slabs; 0, or -ENOMEM (sh unchanged) */
static int refill_sheaf(struct kmem_cache *s, struct slab_sheaf *sh, gfp_t gfp,
			struct mm_cpu *cpu)
{
	unsigned to_fill = s->sheaf_capacity - sh->size;

	if (!to_fill)
		return 0;
	if (!slab_alloc_bulk_slabs(s, gfp, to_fill, &sh->slots[sh->size + 1], cpu, 0))
		return -ENOMEM;
	sh->size += to_fill;
	stat_add(&s->cpu_slab[cpu->id], SHEAF_REFILL, to_fill);
	return 0;
}

/* ---- the barn ------------------------------------------------------------ */

static struct node_barn *cpu_barn(struct kmem_cache *s, struct mm_cpu *cpu)
{
	return &s->node[cpu->node].barn;
}

static struct slab_sheaf *barn_get_empty_sheaf(struct node_barn *barn)
{
	struct slab_sheaf *empty = NULL;

	mm_lock(&barn->lock, LOCK_BARN);
	if (barn->nr_empty) {
		empty = list_first_entry(&barn->sheaves_empty, struct slab_sheaf, barn_list);
		list_del(&empty->barn_list);
		barn->nr_empty--;
	}
	mm_unlock(&barn->lock);
	return empty;
}

/* An empty sheaf to the barn, or freed beyond MAX_EMPTY_SHEAVES. */
static void barn_put_empty_sheaf(struct node_barn *barn, struct slab_sheaf *sh,
				 struct kmem_cache_cpu *c)
{
	mm_lock(&barn->lock, LOCK_BARN);
	if (barn->nr_empty < MAX_EMPTY_SHEAVES) {
		list_add(&sh->barn_list, &barn->sheaves_empty);
		barn->nr_empty++;
		sh = NULL;
	}
	mm_unlock(&barn->lock);
	if (sh)
		free_empty_sheaf(sh, c);
}

static void barn_put_full_sheaf(struct node_barn *barn, struct slab_sheaf *sh)
{
	mm_lock(&barn->lock, LOCK_BARN);
	list_add(&sh->barn_list, &barn->sheaves_full);
	barn->nr_full++;
	mm_unlock(&barn->lock);
}

/* A full sheaf for the empty one, or NULL if the barn has none. */
static struct slab_sheaf *barn_replace_empty_sheaf(struct node_barn *barn,
						   struct slab_sheaf *empty)
{
	struct slab_sheaf *full = NULL;

	mm_lock(&barn->lock, LOCK_BARN);
	if (barn->nr_full) {
		full = list_first_entry(&barn->sheaves_full, struct slab_sheaf, barn_list);
		list_del(&full->barn_list);
		list_add(&empty->barn_list, &barn->sheaves_empty);
		barn->nr_full--;
		barn->nr_empty++;
	}
	mm_unlock(&barn->lock);
	return full;
}

/* An empty sheaf for the full one; NULL with *err -E2BIG (too many full
 * sheaves already) or -ENOMEM (no empty one). */
static struct slab_sheaf *barn_replace_full_sheaf(struct node_barn *barn,
						  struct slab_sheaf *full, int *err)
{
	struct slab_sheaf *empty = NULL;

	mm_lock(&barn->lock, LOCK_BARN);
	if (barn->nr_full >= MAX_FULL_SHEAVES) {
		*err = -E2BIG;
	} else if (!barn->nr_empty) {
		*err = -ENOMEM;
	} else {
		empty = list_first_entry(&barn->sheaves_empty, struct slab_sheaf, barn_list);
		list_del(&empty->barn_list);
		list_add(&full->barn_list, &barn->sheaves_full);
		barn->nr_empty--;
		barn->nr_full++;
	}
	mm_unlock(&barn->lock);
	return empty;
}

/* barn_shrink(): every sheaf of every barn of s flushed and freed, with
 * cpu (the caller's) doing the frees. */
void barn_shrink(struct kmem_cache *s, struct mm_cpu *cpu)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];

	for (int i = 0; i < s->mm->nr_nodes; i++) {
		struct node_barn *barn = &s->node[i].barn;
		struct list_head full, empty;

		INIT_LIST_HEAD(&full);
		INIT_LIST_HEAD(&empty);
		mm_lock(&barn->lock, LOCK_BARN);
		list_splice_init(&barn->sheaves_full, &full);
		list_splice_init(&barn->sheaves_empty, &empty);
		barn->nr_full = barn->nr_empty = 0;
		mm_unlock(&barn->lock);
		while (!list_empty(&full)) {
			struct slab_sheaf *sh = list_first_entry(&full, struct slab_sheaf, barn_list);

			list_del(&sh->barn_list);
			sheaf_flush(s, sh, cpu);
			free_empty_sheaf(sh, c);
		}
		while (!list_empty(&empty)) {
			struct slab_sheaf *sh = list_first_entry(&empty, struct slab_sheaf, barn_list);

			list_del(&sh->barn_list);
			free_empty_sheaf(sh, c);
		}
	}
}

/* ---- replacing the main sheaf ---------------------------------------------- */

/* __pcs_replace_empty_main(): main is empty; true once it is not. */
static bool replace_empty_main(struct kmem_cache *s, struct kmem_cache_cpu *c,
			       struct mm_cpu *cpu, gfp_t gfp)
{
	struct node_barn *barn = cpu_barn(s, cpu);
	struct slab_sheaf *full, *empty;

	if (c->spare && c->spare->size) {
		full = c->spare;
		set_spare(c, c->main);
		c->main = full;
		return true;
	}
	full = barn_replace_empty_sheaf(barn, c->main);
	if (full) {
		slab_stat(c, BARN_GET);
		c->main = full;
		return true;
	}
	slab_stat(c, BARN_GET_FAIL);
	if (!(gfp & __GFP_DIRECT_RECLAIM))      /* !gfpflags_allow_blocking() */
		return false;
	empty = c->spare;
	set_spare(c, NULL);
	if (!empty)
		empty = barn_get_empty_sheaf(barn);
	if (!empty)
		empty = alloc_empty_sheaf(s, c);
	if (!empty)
		return false;
	if (refill_sheaf(s, empty, gfp, cpu)) {
		free_empty_sheaf(empty, c);     /* very low on memory: skip the barn */
		return false;
	}
	barn_put_empty_sheaf(barn, c->main, c);
	c->main = empty;
	return true;
}

/* __pcs_replace_full_main(): main is full; afterwards it is not. */
static void replace_full_main(struct kmem_cache *s, struct kmem_cache_cpu *c, struct mm_cpu *cpu)
{
	struct node_barn *barn = cpu_barn(s, cpu);
	struct slab_sheaf *empty, *spare = c->spare;
	int err = 0;

	if (!spare) {
		empty = barn_get_empty_sheaf(barn);
		if (!empty)
			empty = alloc_empty_sheaf(s, c);
		if (empty) {
			set_spare(c, c->main);
			c->main = empty;
			return;
		}
		sheaf_flush(s, c->main, cpu);   /* no memory for a sheaf at all */
		return;
	}
	if (spare->size < s->sheaf_capacity) {
		set_spare(c, c->main);
		c->main = spare;
		return;
	}
	empty = barn_replace_full_sheaf(barn, c->main, &err);
	if (empty) {
		slab_stat(c, BARN_PUT);
		c->main = empty;
		return;
	}
	if (err == -E2BIG) {                    /* the spare goes back to the slabs */
		slab_stat(c, BARN_PUT_FAIL);
		sheaf_flush(s, spare, cpu);
		set_spare(c, c->main);
		c->main = spare;
		return;
	}
	empty = alloc_empty_sheaf(s, c);        /* the barn had no empty sheaf */
	if (empty) {
		barn_put_full_sheaf(barn, c->main);
		slab_stat(c, BARN_PUT);
		c->main = empty;
		return;
	}
	slab_stat(c, BARN_PUT_FAIL);
	sheaf_flush(s, c->main, cpu);
}

/* ---- the slow halves of alloc and free ----------------------------------------- */

/* The main sheaf was empty or the request needs hooks: pop after a
 * refill, or take one object from the slabs (GFP_NOWAIT, no memory). */
void *sheaf_alloc_slow(struct kmem_cache *s, gfp_t gfp, unsigned long caller, size_t orig_size,
		       struct mm_cpu *cpu)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];
	void *obj;

	if (c->main->size || replace_empty_main(s, c, cpu, gfp)) {
		struct slab_sheaf *sh = c->main;

		obj = sh->slots[sh->size--];
		slab_stat(c, ALLOC_PCS);
	} else {
		obj = slab_alloc_from_slabs(s, gfp, caller, orig_size, cpu);
		if (!obj)
			return NULL;
	}
	slab_post_alloc(s, obj, gfp);
	return obj;
}

/* free_to_pcs() once x is known to be an object start of cache s. */
int sheaf_free_slow(struct kmem_cache *s, void *x, struct mm_cpu *cpu, const char *who)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];
	struct slab_sheaf *sh;

	if (x == sheaf_top(c->main) || x == c->spare_top)
		return slab_free_refused(s, c, EFAULT, "%s(%s): double free of object %p (it is "
					 "already the last object freed to cpu %d's sheaf)", who,
					 s->name, x, cpu->id);
	if (x == c->freelist)
		return slab_free_refused(s, c, EFAULT, "%s(%s): double free of object %p (it is "
					 "already the first free object of its slab)", who, s->name,
					 x);
	if (s->init_on_free)
		memset(x, 0, s->object_size);
	if (c->main->size >= s->sheaf_capacity)
		replace_full_main(s, c, cpu);
	sh = c->main;
	sh->slots[++sh->size] = x;
	slab_stat(c, FREE_PCS);
	mm_track_free(x, s->object_size);
	return 0;
}

/* alloc_from_pcs_bulk(): up to n objects from the main and spare sheaves
 * and the barn's full ones; the caller takes the rest from the slabs. */
size_t sheaf_alloc_bulk(struct kmem_cache *s, size_t n, void **p, struct mm_cpu *cpu)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];
	size_t got = 0;

	while (got < n) {
		struct slab_sheaf *sh = c->main;
		size_t batch;

		if (!sh->size) {
			struct slab_sheaf *full;

			if (c->spare && c->spare->size) {
				c->main = c->spare;
				set_spare(c, sh);
			} else if ((full = barn_replace_empty_sheaf(cpu_barn(s, cpu), sh))) {
				slab_stat(c, BARN_GET);
				c->main = full;
			} else {
				slab_stat(c, BARN_GET_FAIL);
				break;  /* no double copying: the rest from the slabs */
			}
			sh = c->main;
		}
		batch = n - got < sh->size ? n - got : sh->size;
		sh->size -= (unsigned)batch;
		memcpy(p + got, &sh->slots[sh->size + 1], batch * sizeof(void *));
		got += batch;
		stat_add(c, ALLOC_PCS, batch);
	}
	return got;
}

/* ---- flushing, setup, teardown -------------------------------------------------- */

bool sheaves_used(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	return s->sheaf_capacity && (c->main->size || c->spare);
}

/* Does the CPU's main or spare sheaf hold x (ksize()'s free check)? */
bool sheaves_hold(struct kmem_cache *s, struct kmem_cache_cpu *c, const void *x)
{
	const struct slab_sheaf *sh[2] = { c->main, c->spare };

	for (int i = 0; s->sheaf_capacity && i < 2; i++)
		for (unsigned j = 1; sh[i] && j <= sh[i]->size; j++)
			if (sh[i]->slots[j] == x)
				return true;
	return false;
}

/* pcs_flush_all(): cpu's spare flushed and freed, its main flushed. */
void pcs_flush_all(struct kmem_cache *s, struct mm_cpu *cpu)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu->id];
	struct slab_sheaf *spare = c->spare;

	set_spare(c, NULL);
	if (spare) {
		sheaf_flush(s, spare, cpu);
		free_empty_sheaf(spare, c);
	}
	sheaf_flush(s, c->main, cpu);
}

int sheaves_init(struct kmem_cache *s)
{
	struct mm *m = s->mm;

	if (!s->sheaf_capacity)
		return 0;
	for (int i = 0; i < m->nr_nodes; i++) {
		struct node_barn *barn = &s->node[i].barn;

		pthread_mutex_init(&barn->lock, NULL);
		INIT_LIST_HEAD(&barn->sheaves_full);
		INIT_LIST_HEAD(&barn->sheaves_empty);
	}
	for (int i = 0; i < m->nr_cpus; i++) {
		s->cpu_slab[i].main = alloc_empty_sheaf(s, NULL);
		if (!s->cpu_slab[i].main)
			return -ENOMEM;
	}
	return 0;
}

/* Host memory only: the objects in the sheaves are the machine's and go
 * with it (or were flushed by kmem_cache_destroy). */
void sheaves_free(struct kmem_cache *s)
{
	struct mm *m = s->mm;

	if (!s->sheaf_capacity)
		return;
	for (int i = 0; s->cpu_slab && i < m->nr_cpus; i++) {
		free(s->cpu_slab[i].main);
		free(s->cpu_slab[i].spare);
		s->cpu_slab[i].main = s->cpu_slab[i].spare = NULL;
	}
	for (int i = 0; s->node && i < m->nr_nodes; i++) {
		struct node_barn *barn = &s->node[i].barn;
		struct list_head *lists[2] = { &barn->sheaves_full, &barn->sheaves_empty };

		for (int l = 0; l < 2; l++)
			while (!list_empty(lists[l])) {
				struct slab_sheaf *sh = list_first_entry(lists[l], struct slab_sheaf,
									 barn_list);

				list_del(&sh->barn_list);
				free(sh);
			}
		pthread_mutex_destroy(&barn->lock);
	}
}

/* ---- validation ------------------------------------------------------------------ */

struct sheaf_census {
	void **objs;
	size_t nr, cap;
};

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* One sheaf: its header and every object, which joins the census. */
static int check_sheaf(struct kmem_cache *s, struct slab_sheaf *sh, const char *where, int id,
		       struct sheaf_census *cs, struct strbuf *err)
{
	struct mm *m = s->mm;

	if (sh->cache != s || sh->capacity != s->sheaf_capacity || sh->size > sh->capacity ||
	    sh->slots[0]) {
		sb_printf(err, "cache %s: %s sheaf %d (%p) is corrupt: cache %p, size %u, capacity "
			  "%u (expected %u)", s->name, where, id, (void *)sh, (void *)sh->cache,
			  sh->size, sh->capacity, s->sheaf_capacity);
		return -1;
	}
	for (unsigned i = 1; i <= sh->size; i++) {
		void *x = sh->slots[i];
		struct page *slab = slab_virt_to_head(m, x);
		uintptr_t off;

		if (!slab || !(slab->flags & PG_slab) || slab->slab_cache != s) {
			sb_printf(err, "cache %s: %s sheaf %d holds %p, not an object of the cache",
				  s->name, where, id, x);
			return -1;
		}
		off = (uintptr_t)x - (uintptr_t)slab_address(m, slab) - s->red_left_pad;
		if (off >= (uintptr_t)cnt_objects(slab->counters) * s->size || !slot_exact(s, off) ||
		    !cnt_inuse(slab->counters)) {
			sb_printf(err, "cache %s: %s sheaf %d holds %p, not an object start of slab %p "
				  "(or the slab has none in use)", s->name, where, id, x, (void *)slab);
			return -1;
		}
		if (cs->nr == cs->cap) {
			void **n = realloc(cs->objs, (cs->cap * 2 + 64) * sizeof(void *));

			if (!n) {
				sb_printf(err, "slab: out of memory for validation");
				return -1;
			}
			cs->objs = n;
			cs->cap = cs->cap * 2 + 64;
		}
		cs->objs[cs->nr++] = x;
	}
	return 0;
}

static bool in_census(const struct sheaf_census *cs, void *x)
{
	return bsearch(&x, cs->objs, cs->nr, sizeof(void *), cmp_ptr) != NULL;
}

/* No object in a sheaf may also be free in its slab: walk the freelists
 * of the slabs the census touches (and of every cpu slab). */
static int check_not_free(struct kmem_cache *s, struct sheaf_census *cs, struct strbuf *err)
{
	struct mm *m = s->mm;
	struct page *last = NULL;

	for (size_t i = 0; i < cs->nr; i++) {
		struct page *slab = slab_virt_to_head(m, cs->objs[i]);
		unsigned n = 0, objects = cnt_objects(slab->counters);

		if (slab == last)
			continue;
		last = slab;
		for (void *p = __atomic_load_n(&slab->freelist, __ATOMIC_ACQUIRE);
		     p && n++ <= objects; p = get_freepointer(s, p))
			if (in_census(cs, p))
				goto bad;
	}
	for (int i = 0; i < m->nr_cpus; i++) {
		unsigned n = 0;

		for (void *p = s->cpu_slab[i].freelist; p && n++ <= s->objects;
		     p = get_freepointer(s, p))
			if (in_census(cs, p))
				goto bad;
	}
	return 0;
bad:
	sb_printf(err, "cache %s: an object in a sheaf is also on a slab freelist (a double free)",
		  s->name);
	return -1;
}

/* Every sheaf of s (per CPU and in the barns): headers, objects, no object
 * twice, none also free in its slab.  A quiescent machine. */
int sheaves_validate(struct kmem_cache *s, struct strbuf *err)
{
	struct mm *m = s->mm;
	struct sheaf_census cs = { 0 };
	int ret = 0;

	for (int i = 0; i < m->nr_cpus && !ret; i++) {
		struct kmem_cache_cpu *c = &s->cpu_slab[i];

		if (!c->main) {
			sb_printf(err, "cache %s cpu %d: no main sheaf", s->name, i);
			ret = -1;
			break;
		}
		ret = check_sheaf(s, c->main, "cpu main", i, &cs, err);
		if (!ret && c->spare)
			ret = check_sheaf(s, c->spare, "cpu spare", i, &cs, err);
		if (!ret && c->spare_top != sheaf_top(c->spare)) {
			sb_printf(err, "cache %s cpu %d: spare_top %p is not the spare sheaf's top %p",
				  s->name, i, c->spare_top, sheaf_top(c->spare));
			ret = -1;
		}
	}
	for (int i = 0; i < m->nr_nodes && !ret; i++) {
		struct node_barn *barn = &s->node[i].barn;
		struct list_head *e;
		unsigned nr_full = 0, nr_empty = 0;

		mm_lock(&barn->lock, LOCK_BARN);
		list_for_each(e, &barn->sheaves_full) {
			struct slab_sheaf *sh = list_entry(e, struct slab_sheaf, barn_list);

			nr_full++;
			if (sh->size != s->sheaf_capacity) {
				sb_printf(err, "cache %s node %d: a full sheaf of the barn holds %u of %u "
					  "objects", s->name, i, sh->size, s->sheaf_capacity);
				ret = -1;
			}
			if (ret || (ret = check_sheaf(s, sh, "barn full", i, &cs, err)))
				break;
		}
		list_for_each(e, &barn->sheaves_empty) {
			struct slab_sheaf *sh = list_entry(e, struct slab_sheaf, barn_list);

			nr_empty++;
			if (ret || (ret = check_sheaf(s, sh, "barn empty", i, &cs, err)))
				break;
			if (sh->size) {
				sb_printf(err, "cache %s node %d: an empty sheaf of the barn holds %u "
					  "objects", s->name, i, sh->size);
				ret = -1;
				break;
			}
		}
		if (!ret && (nr_full != barn->nr_full || nr_empty != barn->nr_empty ||
			     nr_empty > MAX_EMPTY_SHEAVES)) {
			sb_printf(err, "cache %s node %d: barn lists hold %u full / %u empty sheaves, "
				  "counts say %u / %u (at most %d empty)",
				  s->name, i, nr_full, nr_empty, barn->nr_full, barn->nr_empty,
				  MAX_EMPTY_SHEAVES);
			ret = -1;
		}
		mm_unlock(&barn->lock);
	}
	if (!ret && cs.nr) {
		qsort(cs.objs, cs.nr, sizeof(void *), cmp_ptr);
		for (size_t i = 1; i < cs.nr && !ret; i++)
			if (cs.objs[i] == cs.objs[i - 1]) {
				sb_printf(err, "cache %s: object %p is in the sheaves twice (a double "
					  "free)", s->name, cs.objs[i]);
				ret = -1;
			}
		if (!ret)
			ret = check_not_free(s, &cs, err);
	}
	free(cs.objs);
	return ret;
}
