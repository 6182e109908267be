// SPDX-License-Identifier: GPL-2.0-only
/*
 * init.c - booting and destroying a machine: the one place that calls every
 * layer's init in bottom-up order (machine -> fault injection -> zones ->
 * buddy -> CMA areas -> pcp -> vmalloc -> slab -> kmalloc caches; page_owner's
 * records with the machine), like the kernel's mm_core_init() (CMA areas
 * activated right after the buddy lists exist) and kmem_cache_init()'s
 * create_kmalloc_caches(), and their exits in reverse.  A destroy from
 * inside one of the machine's own
 * constructors or report callbacks is refused.  Nothing else
 * here; a machine is not shared with other threads until mm_create returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "slab.h"
#include "vmalloc.h"
#include "page_owner.h"
#include "movable.h"

void mm_destroy(struct mm *m)
{
	if (!m)
		return;
	if (mm_in_callback(m)) {        /* the call it came from still runs */
		mm_error(m, EBUSY, "mm_destroy: called from a constructor or report callback of "
			 "the machine: refused");
		return;
	}
	compaction_exit(m);
	process_exit_all(m);
	cma_exit(m);
	contig_exit(m);
	migrate_exit(m);
	slab_exit(m);
	vmalloc_exit(m);
	pcp_exit(m);
	zones_exit(m);
	fault_inject_exit(m);
	page_owner_exit(m);
	machine_exit(m);
	free(m);
}

struct mm *mm_create(const char *config, char *err, size_t errlen)
{
	struct mm *m = calloc(1, sizeof(*m));

	if (err && errlen)
		err[0] = '\0';
	if (!m) {
		if (err && errlen)
			strncpy(err, "out of memory", errlen - 1);
		return NULL;
	}
	if (machine_init(m, config, err, errlen))
		goto fail;
	if (m->page_owner && page_owner_init(m)) {
		if (err && errlen)
			strncpy(err, "out of memory for page_owner records", errlen - 1);
		goto fail;
	}
	fault_inject_init(m);
	if (zones_init(m) || pcp_init(m)) {
		if (err && errlen)
			strncpy(err, "out of memory for zone structures", errlen - 1);
		goto fail;
	}
	for (int id = 0; id < m->nr_zones; id++)
		buddy_init_zone(zone_by_id(m, id));
	/* CMA areas take their pageblocks before anything is allocated */
	if (contig_init(m)) {
		if (err && errlen)
			strncpy(err, "out of memory for contiguous ranges", errlen - 1);
		goto fail;
	}
	if (cma_init(m, err, errlen))
		goto fail;
	if (vmalloc_init(m, err, errlen))
		goto fail;
	if (slab_init(m, err, errlen))
		goto fail;
	if (m->slab && kmalloc_init(m)) {
		if (err && errlen)
			snprintf(err, errlen, "cannot create the kmalloc caches");
		goto fail;
	}
	if (migrate_init(m) || compaction_init(m)) {
		if (err && errlen)
			strncpy(err, "out of memory for migration and compaction state", errlen - 1);
		goto fail;
	}
	return m;
fail:
	mm_destroy(m);
	return NULL;
}

void mm_free_string(char *s)
{
	free(s);
}
