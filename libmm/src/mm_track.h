// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm_track.h - tell AddressSanitizer which bytes of the simulated RAM are
 * free objects (mimalloc's track.h idea).  The direct map is one mmap that
 * ASan knows nothing about; without these annotations a use after free
 * inside it is invisible.  In the asan variant free slab objects are
 * poisoned and the few functions that legitimately touch them (the free
 * pointer accessors) are built without instrumentation; elsewhere all of
 * this compiles to nothing.
 */
#ifndef LIBMM_MM_TRACK_H
#define LIBMM_MM_TRACK_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define MM_ASAN 1
#define mm_track_free(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define mm_track_alloc(p, n)  ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define __mm_no_asan          __attribute__((no_sanitize_address))
#else
#define MM_ASAN 0
#define mm_track_free(p, n)   ((void)(p), (void)(n))
#define mm_track_alloc(p, n)  ((void)(p), (void)(n))
#define __mm_no_asan
#endif

#endif /* LIBMM_MM_TRACK_H */
