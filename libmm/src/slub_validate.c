// SPDX-License-Identifier: GPL-2.0-only
/*
 * slub_validate.c - SLUB's checkers: mm_validate()'s SLUB part, read-only,
 * and kmem_cache_validate()'s validate_slab_cache(), which repairs (the
 * same walk, validate_slabs(), with and without fix).
 *
 * slub_validate() (the machine, slab_state.mutex held) checks, for every
 * cache: each node's partial list (unfrozen slabs of the cache and node,
 * nr_partial right, each freelist a chain of its own objects as long as
 * objects - inuse); each CPU's cpu slab (frozen for that CPU) and cpu
 * partial list; the sheaves (sheaves_validate()); then a census of every
 * slab page in mem_map against nr_slabs/total_objects per node and against
 * the partial lists.  Debug caches first get validate_slab_cache()'s
 * checks without the repairs: damage they find is reported and fails the
 * check; nothing is changed.
 *
 * validate_slab_cache() (the kernel's, behind /sys/kernel/slab/<cache>/
 * validate): check_slab() and on_freelist() on every listed slab, which
 * repair the freelist and the counters, and, for debug caches,
 * check_object() on every object; returns the errors found.  Takes
 * n->list_lock per node; the caller flushes the cpu slabs first.
 */
#include <stdlib.h>
#include "slab.h"

/* ---- validation ------------------------------------------------------------------------ */

/* validate_slab() (n->list_lock held, slab unfrozen): check, and repair
 * with fix. */
static void validate_slab(struct kmem_cache *s, struct page *slab, bool fix)
{
	unsigned objects;
	unsigned char *map;
	char *base;

	lockdep_assert_held(s->mm, &get_node(s, slab)->list_lock);
	if (!check_slab(s, slab, fix) || !on_freelist(s, slab, NULL, fix))
		return;
	if (!s->debug)
		return;
	objects = cnt_objects(slab->counters);
	map = calloc(objects + 1, 1);
	if (!map)
		return;
	mark_free(s, slab, slab->freelist, map, objects);
	base = slab_address(s->mm, slab) + s->red_left_pad;
	for (unsigned i = 0; i < objects; i++)
		if (!check_object(s, slab, base + (size_t)i * s->size,
				  map[i] ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE, fix))
			break;
	free(map);
}

/* Every listed slab of s through validate_slab(); the errors reported.
 * With fix, a slab repaired into a full one leaves the partial list and
 * nr_partial is set to the count, as SLUB's validate_slab_node() does. */
static int validate_slabs(struct kmem_cache *s, bool fix)
{
	struct mm *m = s->mm;
	unsigned long before = mm_slab_errors(m);

	for (int i = 0; i < m->nr_nodes; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct list_head *e;
		unsigned long count = 0;

		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		for (e = n->partial.next; e != &n->partial; ) {
			struct page *slab = list_entry(e, struct page, lru);

			e = e->next;
			validate_slab(s, slab, fix);
			count++;
			if (fix && !slab->freelist) {   /* repaired into a full slab */
				list_del(&slab->lru);
				WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
				count--;
				if (s->debug)
					list_add(&slab->lru, &n->full);
			}
		}
		if (count != n->nr_partial) {
			slab_err(s, NULL, "%lu partial slabs counted but counter=%lu", count,
				 n->nr_partial);
			if (fix)
				WRITE_ONCE(n->nr_partial, count);
		}
		list_for_each(e, &n->full)
			validate_slab(s, list_entry(e, struct page, lru), fix);
		mm_mutex_unlock(&n->list_lock);
	}
	return (int)(mm_slab_errors(m) - before);
}

/* validate_slab_cache(): kmem_cache_validate(), which repairs */
int validate_slab_cache(struct kmem_cache *s)
{
	return validate_slabs(s, true);
}

struct census {
	struct kmem_cache **caches;
	int nr;
	unsigned long *slabs, *objects;         /* [nr * nr_nodes] */
	unsigned long *partial;                 /* [nr]: unfrozen slabs with free objects */
	struct strbuf *err;
	int bad;
};

static void census_slab(struct page *slab, void *arg)
{
	struct census *cs = arg;
	struct kmem_cache *s = slab->slab_cache;
	unsigned long co = slab_counters(slab);
	int i;

	for (i = 0; i < cs->nr; i++)
		if (cs->caches[i] == s)
			break;
	if (cs->bad)
		return;
	if (i == cs->nr) {
		sb_printf(cs->err, "slab page %p (flags %#lx) names no live cache (%p)", (void *)slab,
			  slab->flags, (void *)s);
		cs->bad = 1;
		return;
	}
	if (!cnt_frozen(co) && slab_freelist(slab))
		cs->partial[i]++;
	cs->slabs[i * s->mm->nr_nodes + slab_nid(s->mm, slab)]++;
	cs->objects[i * s->mm->nr_nodes + slab_nid(s->mm, slab)] += cnt_objects(co);
	if (cnt_inuse(co) > cnt_objects(co) ||
	    cnt_objects(co) > order_objects(slab_order_of(slab), s->size)) {
		sb_printf(cs->err, "cache %s: slab %p has inuse %u objects %u (max %u)", s->name,
			  (void *)slab, cnt_inuse(co), cnt_objects(co),
			  order_objects(slab_order_of(slab), s->size));
		cs->bad = 1;
	}
}

/* Read-only check of one unfrozen slab's freelist against its counters. */
static int check_chain(struct kmem_cache *s, struct page *slab, void *head, unsigned expect,
		       const char *where, struct strbuf *err)
{
	unsigned objects = cnt_objects(slab->counters), nr = 0;
	void *prev = NULL;

	for (void *p = head; p; p = get_freepointer(s, p)) {
		if (!check_valid_pointer(s, slab, p)) {
			sb_printf(err, "cache %s: %s slab %p: free pointer %p after object %p does not "
				  "point to an object of the slab", s->name, where, (void *)slab, p, prev);
			return -1;
		}
		if (++nr > objects) {
			sb_printf(err, "cache %s: %s slab %p: freelist longer than its %u objects "
				  "(a loop: double free?)", s->name, where, (void *)slab, objects);
			return -1;
		}
		prev = p;
	}
	if (expect != ~0u && nr != expect) {
		sb_printf(err, "cache %s: %s slab %p: %u objects on the freelist, counters say %u "
			  "(objects %u - inuse %u)", s->name, where, (void *)slab, nr, expect,
			  objects, cnt_inuse(slab->counters));
		return -1;
	}
	return 0;
}

static int validate_cache_lists(struct kmem_cache *s, struct strbuf *err)
{
	struct mm *m = s->mm;
	int ret = 0;

	for (int i = 0; i < m->nr_nodes && !ret; i++) {
		struct kmem_cache_node *n = &s->node[i];
		struct list_head *e;
		unsigned long count = 0;

		mm_mutex_lock(&n->list_lock, LOCK_SLAB_NODE);
		list_for_each(e, &n->partial) {
			struct page *slab = list_entry(e, struct page, lru);
			unsigned long co = slab_counters(slab);

			if (slab->slab_cache != s || !(slab->flags & PG_slab) || cnt_frozen(co) ||
			    slab_nid(m, slab) != i || ++count > n->nr_partial + 1) {
				sb_printf(err, "cache %s node %d: partial list holds %p (cache %p, "
					  "flags %#lx, frozen %d)", s->name, i, (void *)slab,
					  slab->slab_cache, slab->flags, cnt_frozen(co));
				ret = -1;
				break;
			}
			if (check_chain(s, slab, slab->freelist, cnt_objects(co) - cnt_inuse(co),
					"partial", err)) {
				ret = -1;
				break;
			}
		}
		if (!ret && count != n->nr_partial) {
			sb_printf(err, "cache %s node %d: %lu partial slabs counted but nr_partial=%lu",
				  s->name, i, count, n->nr_partial);
			ret = -1;
		}
		mm_mutex_unlock(&n->list_lock);
	}
	for (int i = 0; i < m->nr_cpus && !ret; i++) {
		struct kmem_cache_cpu *c = &s->cpu_slab[i];
		unsigned nr = 0;

		if (c->slab) {
			unsigned long co = slab_counters(c->slab);

			if (c->slab->slab_cache != s || !cnt_frozen(co) || cnt_owner(co) != i) {
				sb_printf(err, "cache %s cpu %d: cpu slab %p is not frozen for this CPU",
					  s->name, i, (void *)c->slab);
				return -1;
			}
			if (check_chain(s, c->slab, c->freelist, ~0u, "cpu", err) ||
			    check_chain(s, c->slab, slab_freelist(c->slab),
					cnt_objects(co) - cnt_inuse(co), "cpu (remote frees)", err))
				return -1;
		} else if (c->freelist) {
			sb_printf(err, "cache %s cpu %d: a freelist without a cpu slab", s->name, i);
			return -1;
		}
		for (struct page *p = c->partial; p; p = (struct page *)p->lru.next) {
			unsigned long co = slab_counters(p);

			if (++nr > c->nr_partial || p->slab_cache != s || !cnt_frozen(co)) {
				sb_printf(err, "cache %s cpu %d: cpu partial list is corrupt at %p",
					  s->name, i, (void *)p);
				return -1;
			}
			if (check_chain(s, p, slab_freelist(p), cnt_objects(co) - cnt_inuse(co),
					"cpu partial", err))
				return -1;
		}
		if (nr != c->nr_partial) {
			sb_printf(err, "cache %s cpu %d: %u cpu partial slabs, nr_partial=%u", s->name,
				  i, nr, c->nr_partial);
			return -1;
		}
	}
	if (!ret && s->sheaf_capacity)
		ret = sheaves_validate(s, err);
	return ret;
}

/* mm_validate()'s slab part: every list, freelist and counter of every cache,
 * and a census of the machine's slab pages against nr_slabs/total_objects.
 * Debug caches also get validate_slab_cache()'s checks without its
 * repairs: the damage is reported (dmesg, in SLUB's words) and fails the
 * validation, and stays as it is. */
int slub_validate(struct mm *m, struct strbuf *err)
{
	struct slab_state *st = m->slab;
	struct census cs = { .err = err };
	struct list_head *e;
	int ret = 0, i = 0;

	if (!st)
		return 0;
	mm_mutex_lock(&st->mutex, LOCK_SLAB_MUTEX);
	list_for_each(e, &st->caches)
		cs.nr++;
	cs.caches = calloc((size_t)cs.nr + 1, sizeof(*cs.caches));
	cs.slabs = calloc((size_t)(cs.nr + 1) * (size_t)m->nr_nodes, sizeof(long));
	cs.objects = calloc((size_t)(cs.nr + 1) * (size_t)m->nr_nodes, sizeof(long));
	cs.partial = calloc((size_t)cs.nr + 1, sizeof(long));
	if (!cs.caches || !cs.slabs || !cs.objects || !cs.partial) {
		sb_printf(err, "slab: out of memory for validation");
		ret = -1;
		goto out;
	}
	list_for_each(e, &st->caches) {
		struct kmem_cache *s = list_entry(e, struct kmem_cache, list);

		cs.caches[i++] = s;
		if (s->debug) {
			int errors = validate_slabs(s, false);

			if (errors) {
				sb_printf(err, "cache %s: %d slab errors found, left as they are "
					  "(reports in dmesg; kmem_cache_validate() repairs)", s->name,
					  errors);
				ret = -1;
				goto out;
			}
		}
		if (validate_cache_lists(s, err)) {
			ret = -1;
			goto out;
		}
	}
	for_each_slab_page(m, census_slab, &cs);
	if (cs.bad) {
		ret = -1;
		goto out;
	}
	for (i = 0; i < cs.nr; i++) {
		struct kmem_cache *s = cs.caches[i];
		unsigned long nr_partial = 0;

		for (int nid = 0; nid < m->nr_nodes; nid++)
			nr_partial += READ_ONCE(s->node[nid].nr_partial);
		if (nr_partial != cs.partial[i]) {
			sb_printf(err, "cache %s: %lu unfrozen slabs have free objects but the node "
				  "partial lists hold %lu (a slab with free objects is lost, or a "
				  "full one is listed)", s->name, cs.partial[i], nr_partial);
			ret = -1;
			goto out;
		}
		for (int nid = 0; nid < m->nr_nodes; nid++) {
			unsigned long ns = __atomic_load_n(&s->node[nid].nr_slabs, __ATOMIC_RELAXED);
			unsigned long no = __atomic_load_n(&s->node[nid].total_objects, __ATOMIC_RELAXED);

			if (ns != cs.slabs[i * m->nr_nodes + nid] ||
			    no != cs.objects[i * m->nr_nodes + nid]) {
				sb_printf(err, "cache %s node %d: %lu slabs / %lu objects in mem_map, "
					  "counters say %lu / %lu", s->name, nid,
					  cs.slabs[i * m->nr_nodes + nid],
					  cs.objects[i * m->nr_nodes + nid], ns, no);
				ret = -1;
				goto out;
			}
		}
	}
out:
	mm_mutex_unlock(&st->mutex);
	free(cs.caches);
	free(cs.slabs);
	free(cs.objects);
	free(cs.partial);
	return ret;
}
