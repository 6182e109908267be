// SPDX-License-Identifier: GPL-2.0-only
/*
 * lockdep.c - a small lockdep for the debug variants (MM_DEBUG: debug, asan,
 * tsan).  Every lock libmm takes goes through mm_lock()/mm_unlock() (or a
 * wrapper of them: zone_lock, va_lock, mm_mutex_lock, ...), which keep the
 * calling thread's held locks on a per-thread stack with their class - the
 * number of the lock in the machine-wide lock order (mm_types.h).  Taking a
 * lock whose class is lower than one already held is a bug (the order is
 * violated: the kernel's lockdep would warn), and lockdep_assert_held(m, l)
 * - what functions named __xxx, which expect a lock held, assert - checks
 * that the calling thread owns l.  A violation prints "libmm BUG" as
 * mm_bug() does and aborts - on stderr only: the machine log has a lock of
 * its own, and printk.c, which takes it, sits above this file.
 *
 * A lock taken with mm_trylock() is tracked but not order-checked: a
 * trylock never waits, so it cannot close a cycle.
 *
 * Release builds (MM_DEBUG 0) compile none of this: mm_lock() is
 * pthread_mutex_lock() there, and the held-lock stack takes no TLS.
 *
 * Locking: the stack is thread-local; nothing here is shared.
 */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

#if MM_DEBUG

#define LOCKDEP_MAX_HELD 16

struct held_lock {
	const void *lock;
	int class;
};

static __thread struct held_lock held[LOCKDEP_MAX_HELD];
static __thread int nr_held;

static void __attribute__((noreturn)) lockdep_bug(int line, const char *what)
{
	fprintf(stderr, "libmm BUG at %s:%d: %s\n", __FILE__, line, what);
	abort();
}

void lockdep_acquire(const void *lock, int class, bool trylock)
{
	for (int i = 0; i < nr_held; i++) {
		if (held[i].lock == lock)
			lockdep_bug(__LINE__, "recursive locking");
		if (held[i].class > class && !trylock)
			lockdep_bug(__LINE__, "lock order violated (mm_types.h)");
	}
	if (nr_held == LOCKDEP_MAX_HELD)
		lockdep_bug(__LINE__, "too many locks held");
	if (nr_held < LOCKDEP_MAX_HELD)
		held[nr_held++] = (struct held_lock){ lock, class };
}

void lockdep_release(const void *lock)
{
	for (int i = nr_held - 1; i >= 0; i--) {
		if (held[i].lock != lock)
			continue;
		for (; i < nr_held - 1; i++)
			held[i] = held[i + 1];
		nr_held--;
		return;
	}
	lockdep_bug(__LINE__, "unlock of a lock this thread does not hold");
}

bool lockdep_is_held(const void *lock)
{
	for (int i = 0; i < nr_held; i++)
		if (held[i].lock == lock)
			return true;
	return false;
}

#endif /* MM_DEBUG */
