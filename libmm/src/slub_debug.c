// SPDX-License-Identifier: GPL-2.0-only
/*
 * slub_debug.c - SLUB's debug checks and reports (mm/slub.c under
 * CONFIG_SLUB_DEBUG): what slub_debug= (the machine's debug= key, or a
 * cache's flags) adds to an object and how it is checked.
 *
 * Owns no state but the objects' debug metadata (the layout is
 * calculate_sizes()'s, in slub.c):
 *   [left red zone | object | right red zone | free pointer (if outside)
 *    | track alloc | track free | orig_size (kmalloc) | padding]
 *   - red zones (Z) hold SLUB_RED_INACTIVE while free, SLUB_RED_ACTIVE in
 *     use; a kmalloc object's [orig_size, object_size) is red zone too;
 *   - poison (P): a free object's body is POISON_FREE, its last byte
 *     POISON_END; padding and a slab's tail are POISON_INUSE;
 *   - tracks (U): caller, cpu, "pid" and a tick of the last alloc and free.
 *
 * Functions, by the kernel's names: init_object(), check_object() with
 * check_bytes_and_report() and check_pad_bytes(), check_slab() with
 * slab_pad_check(), on_freelist(), set_track(), trace(); the reports slab_bug(),
 * slab_fix(), slab_err(), object_err() with print_trailer(); and the leak
 * list of __kmem_cache_shutdown() (list_slab_objects()).  Every report and
 * fix counts in mm_slab_errors() and taints the machine 'B'.  The checks
 * take `fix`: true on the alloc/free paths and kmem_cache_validate(), which
 * repair as SLUB does (restore red zones and poison, cut a corrupt
 * freelist, adjust the counters, with the "FIX" lines); false for
 * mm_validate(), which reports the same damage in the same words and
 * changes nothing.
 *
 * Locking: the checks of an unfrozen slab run under its n->list_lock (the
 * callers in slub_core.c and slub_validate.c take it); reports go to the
 * machine log, whose callback runs once the thread holds no slab lock.
 * Calls nothing of SLUB's: everything it needs is inline in slub.h.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "slab.h"

unsigned long mm_slab_errors(struct mm *m)
{
	return m && m->slab ? __atomic_load_n(&m->slab->errors, __ATOMIC_RELAXED) : 0;
}

/* ---- reports ------------------------------------------------------------- */

void slab_bug(struct kmem_cache *s, const char *fmt, ...)
{
	char buf[512], taint[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mm_printk(s->mm, "=============================================================================");
	mm_printk(s->mm, "BUG %s (%s): %s", s->name, print_tainted(s->mm, taint, sizeof(taint)), buf);
	mm_printk(s->mm, "-----------------------------------------------------------------------------");
	mm_printk(s->mm, "%s", "");
}

void slab_fix(struct kmem_cache *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mm_printk(s->mm, "FIX %s: %s", s->name, buf);
	slab_count_error(s->mm);
}

static __mm_no_asan void print_section(struct mm *m, const char *text, const unsigned char *p,
				       size_t len)
{
	char line[128];

	for (size_t i = 0; i < len; i += 16) {
		int n = snprintf(line, sizeof(line), "%s%016lx:", text, (unsigned long)(p + i));

		for (size_t j = i; j < len && j < i + 16; j++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %02x", p[j]);
		mm_printk(m, "%s", line);
	}
}

void slab_symbolize(unsigned long addr, char *buf, size_t len)
{
	Dl_info info;

	if (addr && dladdr((void *)addr, &info) && info.dli_sname)
		snprintf(buf, len, "%s+0x%lx", info.dli_sname,
			 addr - (unsigned long)info.dli_saddr);
	else
		snprintf(buf, len, "0x%lx", addr);
}
/* Owner-tracking time: a count of tracked operations, so reports are
 * reproducible (the kernel uses jiffies). */
static unsigned long track_clock(struct mm *m)
{
	return __atomic_add_fetch(&m->slab->track_clock, 1, __ATOMIC_RELAXED);
}

static void print_track(struct kmem_cache *s, const char *what, const struct track *t)
{
	char sym[256];

	if (!t->addr)
		return;
	slab_symbolize(t->addr, sym, sizeof(sym));
	mm_printk(s->mm, "INFO: %s in %s age=%lu cpu=%d pid=%d", what, sym,
		  track_clock(s->mm) - t->when, t->cpu, t->pid);
}

void print_slab_info(struct kmem_cache *s, struct page *slab)
{
	unsigned long c = slab_counters(slab);

	mm_printk(s->mm, "Slab %p objects=%u used=%u fp=%p flags=%#lx", (void *)slab,
		  cnt_objects(c), cnt_inuse(c), slab_freelist(slab), slab->flags);
}

static __mm_no_asan void print_trailer(struct kmem_cache *s, struct page *slab, void *object)
{
	struct mm *m = s->mm;
	unsigned char *p = object, *addr = (unsigned char *)slab_address(m, slab);
	unsigned off = get_info_end(s);

	if (s->flags & SLAB_STORE_USER) {
		print_track(s, "Allocated", get_track(s, object, TRACK_ALLOC));
		print_track(s, "Freed", get_track(s, object, TRACK_FREE));
	}
	print_slab_info(s, slab);
	mm_printk(m, "Object %p @offset=%tu fp=%p", object, p - addr, get_freepointer(s, object));
	if (s->flags & SLAB_RED_ZONE)
		print_section(m, "Redzone  ", p - s->red_left_pad, s->red_left_pad);
	else if (p > addr + 16)
		print_section(m, "Bytes b4 ", p - 16, 16);
	print_section(m, "Object   ", p, s->object_size < 128 ? s->object_size : 128);
	if (s->flags & SLAB_RED_ZONE)
		print_section(m, "Redzone  ", p + s->object_size, s->inuse - s->object_size);
	if (s->flags & SLAB_STORE_USER)
		off += 2 * sizeof(struct track);
	if (slub_debug_orig_size(s))
		off += sizeof(unsigned);
	if (off != s->size - s->red_left_pad)
		print_section(m, "Padding  ", p + off, s->size - s->red_left_pad - off);
}

void object_err(struct kmem_cache *s, struct page *slab, void *object, const char *reason)
{
	slab_bug(s, "%s", reason);
	print_trailer(s, slab, object);
	slab_count_error(s->mm);
}

void slab_err(struct kmem_cache *s, struct page *slab, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	slab_bug(s, "%s", buf);
	if (slab)
		print_slab_info(s, slab);
	slab_count_error(s->mm);
}
/* ---- object initialisation and checks --------------------------------------- */

static inline bool object_poison(const struct kmem_cache *s)
{
	return (s->flags & SLAB_POISON) && !s->ctor && !(s->flags & SLAB_TYPESAFE_BY_RCU);
}

__mm_no_asan void slab_bytes_set(unsigned char *p, int v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((volatile unsigned char *)p)[i] = (unsigned char)v;
}

/* init_object(): poison the body of a free object, paint the red zones. */
__mm_no_asan void init_object(struct kmem_cache *s, void *object, int val)
{
	unsigned char *p = object;

	if (s->flags & SLAB_RED_ZONE)
		slab_bytes_set(p - s->red_left_pad, val, s->red_left_pad);
	if (object_poison(s) && val == SLUB_RED_INACTIVE) {
		slab_bytes_set(p, POISON_FREE, s->object_size - 1);
		p[s->object_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		slab_bytes_set(p + s->object_size, val, s->inuse - s->object_size);
}

static __mm_no_asan bool check_bytes_and_report(struct kmem_cache *s, struct page *slab,
						void *object, const char *what,
						unsigned char *start, int value, size_t bytes,
						bool fix)
{
	unsigned char *fault = NULL, *end;

	for (size_t i = 0; i < bytes; i++)
		if (start[i] != (unsigned char)value) {
			fault = start + i;
			break;
		}
	if (!fault)
		return true;
	end = start + bytes;
	while (end > fault && end[-1] == (unsigned char)value)
		end--;
	slab_bug(s, "%s overwritten", what);
	mm_printk(s->mm, "%p-%p @offset=%tu. First byte 0x%x instead of 0x%x", (void *)fault,
		  (void *)(end - 1), fault - (unsigned char *)slab_address(s->mm, slab), *fault,
		  value);
	print_trailer(s, slab, object);
	slab_count_error(s->mm);
	if (fix) {
		slab_fix(s, "Restoring %s %p-%p=0x%x", what, (void *)fault, (void *)(end - 1),
			 value);
		slab_bytes_set(fault, value, (size_t)(end - fault));
	}
	return false;
}

static bool check_pad_bytes(struct kmem_cache *s, struct page *slab, unsigned char *p, bool fix)
{
	unsigned off = get_info_end(s);
	unsigned end = s->size - s->red_left_pad;

	if (s->flags & SLAB_STORE_USER)
		off += 2 * sizeof(struct track);
	if (slub_debug_orig_size(s))
		off += sizeof(unsigned);
	if (off == end)
		return true;
	return check_bytes_and_report(s, slab, p, "Object padding", p + off, POISON_INUSE, end - off,
				      fix);
}

/* slab_pad_check(): the slab's tail remainder must still be POISON_INUSE. */
static __mm_no_asan void slab_pad_check(struct kmem_cache *s, struct page *slab, bool fix)
{
	unsigned char *start = (unsigned char *)slab_address(s->mm, slab), *fault = NULL, *end;
	size_t length = PAGE_SIZE << slab_order_of(slab);
	size_t used = (size_t)cnt_objects(slab_counters(slab)) * s->size;

	if (!(s->flags & SLAB_POISON))
		return;
	for (size_t i = used; i < length; i++)
		if (start[i] != POISON_INUSE) {
			fault = start + i;
			break;
		}
	if (!fault)
		return;
	end = start + length;
	while (end > fault && end[-1] == POISON_INUSE)
		end--;
	slab_err(s, slab, "Padding overwritten. %p-%p @offset=%tu", (void *)fault,
		 (void *)(end - 1), fault - start);
	if (!fix)
		return;
	slab_fix(s, "Restoring Padding %p-%p=0x%x", (void *)fault, (void *)(end - 1),
		 POISON_INUSE);
	slab_bytes_set(fault, POISON_INUSE, (size_t)(end - fault));
}

__mm_no_asan bool check_object(struct kmem_cache *s, struct page *slab, void *object,
				      int val, bool fix)
{
	unsigned char *p = object, *endobject = p + s->object_size;
	bool ret = true;

	if (s->flags & SLAB_RED_ZONE) {
		if (!check_bytes_and_report(s, slab, object, "Left Redzone", p - s->red_left_pad,
					    val, s->red_left_pad, fix))
			ret = false;
		if (!check_bytes_and_report(s, slab, object, "Right Redzone", endobject, val,
					    s->inuse - s->object_size, fix))
			ret = false;
		if (slub_debug_orig_size(s) && val == SLUB_RED_ACTIVE) {
			unsigned orig = *orig_size_ptr(s, object);

			if (orig < s->object_size &&
			    !check_bytes_and_report(s, slab, object, "kmalloc Redzone", p + orig, val,
						    s->object_size - orig, fix))
				ret = false;
		}
	} else if ((s->flags & SLAB_POISON) && s->object_size < s->inuse) {
		if (!check_bytes_and_report(s, slab, p, "Alignment padding", endobject, POISON_INUSE,
					    s->inuse - s->object_size, fix))
			ret = false;
	}
	if (s->flags & SLAB_POISON) {
		if (val != SLUB_RED_ACTIVE && object_poison(s)) {
			if (!check_bytes_and_report(s, slab, p, "Poison", p, POISON_FREE,
						    s->object_size - 1, fix))
				ret = false;
			if (!check_bytes_and_report(s, slab, p, "End Poison", endobject - 1, POISON_END, 1,
						    fix))
				ret = false;
		}
		if (!check_pad_bytes(s, slab, p, fix))
			ret = false;
	}
	if ((s->offset >= s->inuse || val != SLUB_RED_ACTIVE) &&
	    !check_valid_pointer(s, slab, get_freepointer(s, p))) {
		object_err(s, slab, p, "Freepointer corrupt");
		if (fix)
			set_freepointer(s, p, NULL);
		ret = false;
	}
	return ret;
}

bool check_slab(struct kmem_cache *s, struct page *slab, bool fix)
{
	unsigned long c = slab_counters(slab);
	unsigned maxobj = order_objects(slab_order_of(slab), s->size);

	if (!(slab->flags & PG_slab)) {
		slab_err(s, slab, "Not a valid slab page");
		return false;
	}
	if (cnt_objects(c) > maxobj) {
		slab_err(s, slab, "objects %u > max %u", cnt_objects(c), maxobj);
		return false;
	}
	if (cnt_inuse(c) > cnt_objects(c)) {
		slab_err(s, slab, "inuse %u > max %u", cnt_inuse(c), cnt_objects(c));
		return false;
	}
	slab_pad_check(s, slab, fix);
	return true;
}

/* on_freelist(): is search on the slab's freelist?  With fix, repairs the
 * chain and the counters as SLUB does; without, only reports.  Unfrozen
 * slabs under n->list_lock only. */
bool on_freelist(struct kmem_cache *s, struct page *slab, void *search, bool fix)
{
	unsigned long c = slab_counters(slab);
	unsigned nr = 0, objects = cnt_objects(c), max_objects;
	void *fp = slab_freelist(slab), *object = NULL;

	while (fp && nr <= objects) {
		if (fp == search)
			return true;
		if (!check_valid_pointer(s, slab, fp)) {
			if (object) {
				object_err(s, slab, object, "Freechain corrupt");
				if (fix)
					set_freepointer(s, object, NULL);
			} else {
				slab_err(s, slab, "Freepointer corrupt");
				if (!fix)
					return false;
				slab->freelist = NULL;
				slab->counters = mkcnt(objects, objects, false, 0);
				slab_fix(s, "Freelist cleared");
				return false;
			}
			break;
		}
		object = fp;
		fp = get_freepointer(s, object);
		nr++;
	}
	max_objects = order_objects(slab_order_of(slab), s->size);
	if (objects != max_objects) {
		slab_err(s, slab, "Wrong number of objects. Found %u but should be %u", objects,
			 max_objects);
		if (!fix)
			return false;
		objects = max_objects;
		slab->counters = mkcnt(cnt_inuse(c), objects, false, 0);
		slab_fix(s, "Number of objects adjusted.");
	}
	if (cnt_inuse(slab->counters) != objects - nr) {
		slab_err(s, slab, "Wrong object count. Counter is %u but counted were %u",
			 cnt_inuse(slab->counters), objects - nr);
		if (!fix)
			return false;
		slab->counters = mkcnt(objects - nr, objects, false, 0);
		slab_fix(s, "Object count adjusted.");
	}
	return search == NULL;
}


void set_track(struct kmem_cache *s, void *object, enum track_item alloc,
		      unsigned long addr, struct mm_cpu *cpu)
{
	struct track *t = get_track(s, object, alloc);

	t->addr = addr;
	t->cpu = cpu ? cpu->id : -1;
	t->pid = cpu ? cpu->id : -1;
	t->when = track_clock(s->mm);
}

void trace(struct kmem_cache *s, struct page *slab, void *object, bool alloc)
{
	if (!(s->flags & SLAB_TRACE))
		return;
	mm_printk(s->mm, "TRACE %s %s %p inuse=%u fp=%p", s->name, alloc ? "alloc" : "free",
		  object, cnt_inuse(slab_counters(slab)), slab_freelist(slab));
}

/* Mark the free objects of a slab: its freelist, and for a cpu slab the
 * owner's c->freelist.  Returns how many (bounded by objects). */
unsigned mark_free(struct kmem_cache *s, struct page *slab, void *head, unsigned char *map,
		   unsigned objects)
{
	char *base = slab_address(s->mm, slab) + s->red_left_pad;
	unsigned nr = 0;

	for (void *p = head; p && nr <= objects; p = get_freepointer(s, p)) {
		if (!check_valid_pointer(s, slab, p))
			break;
		map[((char *)p - base) / s->size] = 1;
		nr++;
	}
	return nr;
}

struct leak_walk {
	struct kmem_cache *s;
	unsigned long leaked;
};

static void leak_one_slab(struct page *slab, void *arg)
{
	struct leak_walk *w = arg;
	struct kmem_cache *s = w->s;
	unsigned objects;
	unsigned char *map;
	char *base;

	if (slab->slab_cache != s)
		return;
	objects = cnt_objects(slab->counters);
	map = calloc(objects + 1, 1);
	if (!map)
		return;
	base = slab_address(s->mm, slab) + s->red_left_pad;
	mark_free(s, slab, slab_freelist(slab), map, objects);
	for (int i = 0; i < s->mm->nr_cpus; i++)
		if (s->cpu_slab[i].slab == slab)
			mark_free(s, slab, s->cpu_slab[i].freelist, map, objects);
	for (unsigned i = 0; i < objects; i++) {
		if (map[i])
			continue;
		w->leaked++;
		if (w->leaked <= 16) {
			mm_printk(s->mm, "Object %p @offset=%zu", (void *)(base + (size_t)i * s->size),
				  (size_t)i * s->size + s->red_left_pad);
			slab_count_error(s->mm);
		}
	}
	free(map);
}

/* list_slab_objects(): every object of s still in use, logged (the first
 * 16 of them, each a counted error); returns how many. */
unsigned long list_slab_objects(struct kmem_cache *s)
{
	struct leak_walk w = { .s = s };

	for_each_slab_page(s->mm, leak_one_slab, &w);
	return w.leaked;
}
