// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault_inject.c - failure on purpose: lib/fault-inject.c's should_fail_ex()
 * and its two mm users, mm/fail_page_alloc.c (should_fail_alloc_page(),
 * asked by the page allocator's entry before the zonelist walk, as
 * prepare_alloc_pages() does) and mm/failslab.c (should_failslab(), asked
 * by the slab allocator's slow entry and once per bulk call, as
 * slab_pre_alloc_hook() does).
 *
 * Owns: mm->fault - per facility a struct fault_attr (probability,
 * interval, times, space, verbose, and its counters) plus the facility's
 * own knobs - initialised to the kernel's defaults (FAULT_ATTR_INITIALIZER;
 * fail_page_alloc: ignore-gfp-wait, ignore-gfp-highmem, min-order 1;
 * failslab: ignore-gfp-wait, no cache filter) and to the boot keys
 * fail_page_alloc= / failslab= ("<interval>,<probability>,<space>,<times>",
 * setup_fault_attr()).
 *
 * should_fail_ex(), in the kernel's order: probability 0 never fails;
 * times 0 never fails; while space > size, space shrinks by size and the
 * call passes; with interval > 1 only every interval-th call goes on; then
 * it fails when probability > a draw in 0..99 (get_random_u32_below(100));
 * a failure logs fail_dump()'s two lines (verbose >= 1, unless
 * __GFP_NOWARN) and a stack (verbose 2) and counts times down unless it is
 * -1.  The draws are splitmix64 over the machine's seed and a per-facility
 * counter: one thread's sequence of calls fails at the same places on
 * every run.  No fail_nth or task filter (there are no tasks).
 *
 * The fast paths stay free of it: alloc_pages' order-0 fast path is turned
 * off (mm->fast_id = ~0, the compare it already makes) only while
 * fail_page_alloc can fail order 0, and
 * the slab fast paths see failslab through s->slow_bits, which the slab
 * layer recomputes from the hook it registers (fault_state.failslab_changed).
 *
 * Locking: fault_state.lock serialises knob writes; the allocators read the
 * knobs with relaxed loads and update the counters with atomics (the
 * kernel's atomic_t times/space, a plain count).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmm/slab.h>
#include "internal.h"

/* FAULT_ATTR_INITIALIZER */
static void fault_attr_init(struct fault_attr *a, const char *name, unsigned long seed,
			    const struct fault_boot *boot)
{
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->interval = 1;
	a->times = 1;
	a->verbose = 2;
	for (const char *p = name; *p; p++)
		seed = (seed ^ (unsigned char)*p) * 1099511628211ul;
	a->salt = seed;
	if (boot->set) {
		a->interval = boot->interval;
		a->probability = boot->probability;
		a->space = boot->space;
		a->times = boot->times;
	}
}

static void fault_update_fast_off(struct mm *m)
{
	struct fault_state *f = &m->fault;

	WRITE_ONCE(m->fast_id, m->cfg.pcp_disabled || (READ_ONCE(f->page_alloc.probability) &&
						      !READ_ONCE(f->pa_min_order)) ? ~0ul : m->id);
}

void fault_inject_init(struct mm *m)
{
	struct fault_state *f = &m->fault;

	pthread_mutex_init(&f->lock, NULL);
	fault_attr_init(&f->page_alloc, "fail_page_alloc", m->cfg.seed, &m->cfg.fail_page_alloc);
	f->pa_ignore_gfp_reclaim = true;
	f->pa_ignore_gfp_highmem = true;
	f->pa_min_order = 1;
	fault_attr_init(&f->slab, "failslab", m->cfg.seed, &m->cfg.failslab);
	f->slab_ignore_gfp_reclaim = true;
	f->slab_cache_filter = false;
	fault_update_fast_off(m);
}

void fault_inject_exit(struct mm *m)
{
	pthread_mutex_destroy(&m->fault.lock);
}

/* ---- should_fail_ex() ------------------------------------------------------------ */

static unsigned long fault_draw(struct fault_attr *a)
{
	unsigned long z = a->salt + 0x9e3779b97f4a7c15ul *
			  (__atomic_add_fetch(&a->draws, 1, __ATOMIC_RELAXED));

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
	return (z ^ (z >> 31)) % 100;
}

/* dump_stack(): the calling thread's frames, symbolised where possible. */
static void fault_dump_stack(struct mm *m)
{
	struct mm_cpu *cpu = this_cpu(m);
	void *frames[32];
	char taint[64];
	int n = backtrace(frames, 32);

	mm_printk(m, "CPU: %d UID: 0 PID: %d Comm: %.15s %s", cpu ? cpu->id : -1, (int)getpid(),
		  program_invocation_short_name, print_tainted(m, taint, sizeof(taint)));
	mm_printk(m, "Call Trace:");
	mm_printk(m, " <TASK>");
	for (int i = 1; i < n; i++) {
		Dl_info info;

		if (dladdr(frames[i], &info) && info.dli_sname)
			mm_printk(m, " %s+0x%lx", info.dli_sname,
				  (unsigned long)((char *)frames[i] - (char *)info.dli_saddr));
		else
			mm_printk(m, " 0x%lx", (unsigned long)frames[i]);
	}
	mm_printk(m, " </TASK>");
}

/* fail_dump() */
static void fail_dump(struct mm *m, struct fault_attr *a)
{
	unsigned long verbose = READ_ONCE(a->verbose);

	if (!verbose)
		return;
	mm_printk(m, "FAULT_INJECTION: forcing a failure.");
	mm_printk(m, "name %s, interval %lu, probability %lu, space %d, times %d", a->name,
		  READ_ONCE(a->interval), READ_ONCE(a->probability),
		  __atomic_load_n(&a->space, __ATOMIC_RELAXED),
		  __atomic_load_n(&a->times, __ATOMIC_RELAXED));
	if (verbose > 1)
		fault_dump_stack(m);
}

static bool should_fail_ex(struct mm *m, struct fault_attr *a, long size, bool nowarn)
{
	unsigned long interval = READ_ONCE(a->interval);
	int times = __atomic_load_n(&a->times, __ATOMIC_RELAXED);

	if (!READ_ONCE(a->probability) || !times)
		return false;
	if (__atomic_load_n(&a->space, __ATOMIC_RELAXED) > size) {
		__atomic_sub_fetch(&a->space, (int)size, __ATOMIC_RELAXED);
		return false;
	}
	if (interval > 1 && __atomic_add_fetch(&a->count, 1, __ATOMIC_RELAXED) % interval)
		return false;
	if (READ_ONCE(a->probability) <= fault_draw(a))
		return false;
	if (!nowarn)
		fail_dump(m, a);
	/* atomic_dec_not_zero() unless -1 */
	while (times != -1 && times != 0 &&
	       !__atomic_compare_exchange_n(&a->times, &times, times - 1, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	__atomic_add_fetch(&a->injected, 1, __ATOMIC_RELAXED);
	return true;
}

bool should_fail_alloc_page(struct mm *m, gfp_t gfp, unsigned order)
{
	struct fault_state *f = &m->fault;

	if (order < READ_ONCE(f->pa_min_order) || (gfp & __GFP_NOFAIL))
		return false;
	if (READ_ONCE(f->pa_ignore_gfp_highmem) && (gfp & __GFP_HIGHMEM))
		return false;
	if (READ_ONCE(f->pa_ignore_gfp_reclaim) && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	return should_fail_ex(m, &f->page_alloc, 1l << order, gfp & __GFP_NOWARN);
}

bool should_failslab(struct mm *m, unsigned long cache_flags, unsigned object_size, gfp_t gfp)
{
	struct fault_state *f = &m->fault;

	if (gfp & __GFP_NOFAIL)
		return false;
	if (READ_ONCE(f->slab_ignore_gfp_reclaim) && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	if (READ_ONCE(f->slab_cache_filter) && !(cache_flags & SLAB_FAILSLAB))
		return false;
	return should_fail_ex(m, &f->slab, object_size, gfp & __GFP_NOWARN);
}

/* ---- the debugfs files ---------------------------------------------------------- */

enum knob_type { K_ULONG, K_INT, K_BOOL, K_U32 };

struct knob {
	const char *name;               /* the debugfs file name */
	enum knob_type type;
	size_t attr_off;                /* in struct fault_attr, or ... */
	size_t state_off;               /* ... in struct fault_state (SIZE_MAX: no) */
};

#define A(field) offsetof(struct fault_attr, field), SIZE_MAX
#define S(field) SIZE_MAX, offsetof(struct fault_state, field)

static const struct knob common_knobs[] = {
	{ "probability", K_ULONG, A(probability) },
	{ "interval", K_ULONG, A(interval) },
	{ "times", K_INT, A(times) },
	{ "space", K_INT, A(space) },
	{ "verbose", K_ULONG, A(verbose) },
};
static const struct knob page_alloc_knobs[] = {
	{ "ignore-gfp-wait", K_BOOL, S(pa_ignore_gfp_reclaim) },
	{ "ignore-gfp-highmem", K_BOOL, S(pa_ignore_gfp_highmem) },
	{ "min-order", K_U32, S(pa_min_order) },
};
static const struct knob slab_knobs[] = {
	{ "ignore-gfp-wait", K_BOOL, S(slab_ignore_gfp_reclaim) },
	{ "cache-filter", K_BOOL, S(slab_cache_filter) },
};

#define NKNOBS(t) (sizeof(t) / sizeof((t)[0]))

/* The facility and knob called name/knob ("_" as "-"); NULL if none. */
static const struct knob *knob_find(struct mm *m, const char *name, const char *knob,
				    struct fault_attr **attr, bool *is_slab)
{
	const struct knob *own;
	size_t nown;
	char k[32];
	size_t i;

	if (!name || !knob || strlen(knob) >= sizeof(k))
		return NULL;
	for (i = 0; knob[i]; i++)
		k[i] = knob[i] == '_' ? '-' : knob[i];
	k[i] = '\0';
	if (!strcmp(name, "fail_page_alloc")) {
		*attr = &m->fault.page_alloc;
		*is_slab = false;
		own = page_alloc_knobs;
		nown = NKNOBS(page_alloc_knobs);
	} else if (!strcmp(name, "failslab")) {
		*attr = &m->fault.slab;
		*is_slab = true;
		own = slab_knobs;
		nown = NKNOBS(slab_knobs);
	} else {
		return NULL;
	}
	for (i = 0; i < NKNOBS(common_knobs); i++)
		if (!strcmp(k, common_knobs[i].name))
			return &common_knobs[i];
	for (i = 0; i < nown; i++)
		if (!strcmp(k, own[i].name))
			return &own[i];
	return NULL;
}

static void *knob_ptr(struct mm *m, const struct knob *k, struct fault_attr *attr)
{
	return k->state_off == SIZE_MAX ? (char *)attr + k->attr_off
					: (char *)&m->fault + k->state_off;
}

static int knob_bad(struct mm *m, const char *name, const char *knob)
{
	if (!name || (strcmp(name, "fail_page_alloc") && strcmp(name, "failslab")))
		return mm_error(m, EINVAL, "fault_inject: no fault injection facility '%s' "
				"(fail_page_alloc or failslab)", name ? name : "(null)");
	return mm_error(m, EINVAL, "fault_inject: %s has no knob '%s' (probability, interval, "
			"times, space, verbose, ignore-gfp-wait, %s)", name, knob ? knob : "(null)",
			strcmp(name, "failslab") ? "ignore-gfp-highmem, min-order" : "cache-filter");
}

int mm_fault_inject(struct mm *m, const char *name, const char *knob, long value)
{
	struct fault_attr *attr;
	const struct knob *k;
	bool is_slab;
	void *p;

	if (!m)
		return -EINVAL;
	k = knob_find(m, name, knob, &attr, &is_slab);
	if (!k)
		return knob_bad(m, name, knob);
	if ((k->type == K_ULONG && value < 0) || (k->type == K_BOOL && (value < 0 || value > 1)) ||
	    (k->type == K_U32 && (value < 0 || value > UINT_MAX)) ||
	    (k->type == K_INT && (value < INT_MIN || value > INT_MAX)))
		return mm_error(m, EINVAL, "fault_inject: %s/%s: value %ld out of range", name,
				k->name, value);
	p = knob_ptr(m, k, attr);
	mm_lock(&m->fault.lock, LOCK_FAULT);
	switch (k->type) {
	case K_ULONG: WRITE_ONCE(*(unsigned long *)p, (unsigned long)value); break;
	case K_INT:   __atomic_store_n((int *)p, (int)value, __ATOMIC_RELAXED); break;
	case K_BOOL:  WRITE_ONCE(*(bool *)p, value != 0); break;
	case K_U32:   WRITE_ONCE(*(unsigned int *)p, (unsigned int)value); break;
	}
	fault_update_fast_off(m);
	mm_unlock(&m->fault.lock);
	if (is_slab && m->fault.failslab_changed)
		m->fault.failslab_changed(m);
	return 0;
}

int mm_fault_inject_read(struct mm *m, const char *name, const char *knob, long *value)
{
	struct fault_attr *attr;
	const struct knob *k;
	bool is_slab;
	void *p;

	if (!m || !value)
		return m ? mm_error(m, EINVAL, "fault_inject_read: no place for the value") : -EINVAL;
	if (knob && !strcmp(knob, "injected") && knob_find(m, name, "times", &attr, &is_slab)) {
		*value = (long)__atomic_load_n(&attr->injected, __ATOMIC_RELAXED);
		return 0;
	}
	k = knob_find(m, name, knob, &attr, &is_slab);
	if (!k)
		return knob_bad(m, name, knob);
	p = knob_ptr(m, k, attr);
	switch (k->type) {
	case K_ULONG: *value = (long)READ_ONCE(*(unsigned long *)p); break;
	case K_INT:   *value = __atomic_load_n((int *)p, __ATOMIC_RELAXED); break;
	case K_BOOL:  *value = READ_ONCE(*(bool *)p); break;
	case K_U32:   *value = (long)READ_ONCE(*(unsigned int *)p); break;
	}
	return 0;
}
