// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_lockdep.c - the debug variants' lock checker (lockdep.c): a lock
 * taken below one already held (against the numbered order of mm_types.h),
 * a lock taken twice, an unlock of a lock not held and lockdep_assert_held()
 * on a lock not held each abort with "libmm BUG" and the reason on stderr
 * (each case runs in a child process); locks taken in order, and a trylock
 * against the order, pass and are tracked.  Release builds (MM_DEBUG 0)
 * compile the checker out: only the lock calls themselves are run.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "internal.h"
#include "ctest.h"

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;     /* slab_mutex's class */
static pthread_mutex_t inner = PTHREAD_MUTEX_INITIALIZER;     /* zone->lock's class */

/* Run fn in a child; true when it aborted with want on its stderr. */
static bool aborts_with(void (*fn)(void), const char *want)
{
	char buf[4096] = "";
	int fds[2], status;
	ssize_t n, len = 0;
	pid_t pid;

	if (pipe(fds))
		return false;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		fn();
		_exit(0);               /* not caught */
	}
	close(fds[1]);
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fds[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT || !strstr(buf, "libmm BUG") ||
	    !strstr(buf, want)) {
		fprintf(stderr, "child: status %#x, stderr: %s\n", status, buf);
		return false;
	}
	return true;
}

static void out_of_order(void)
{
	mm_lock(&inner, LOCK_ZONE);
	mm_lock(&outer, LOCK_SLAB_MUTEX);
}

static void twice(void)
{
	mm_lock(&outer, LOCK_SLAB_MUTEX);
	mm_lock(&outer, LOCK_SLAB_MUTEX);
}

static void unlock_unheld(void)
{
	mm_unlock(&outer);
}

static void assert_unheld(void)
{
	lockdep_assert_held(NULL, &outer);
}

int main(void)
{
	/* in order, and a trylock against it: fine in every variant */
	mm_lock(&outer, LOCK_SLAB_MUTEX);
	mm_lock(&inner, LOCK_ZONE);
	lockdep_assert_held(NULL, &outer);
	lockdep_assert_held(NULL, &inner);
	mm_unlock(&inner);
	mm_unlock(&outer);
	mm_lock(&inner, LOCK_ZONE);
	CHECK(mm_trylock(&outer, LOCK_SLAB_MUTEX) == 0);
	CHECK(!MM_DEBUG || lockdep_is_held(&outer));
	CHECK(mm_trylock(&outer, LOCK_SLAB_MUTEX) != 0);        /* held: refused */
	mm_unlock(&outer);
	mm_unlock(&inner);
	CHECK(!MM_DEBUG || !lockdep_is_held(&outer));
	if (!MM_DEBUG) {
		printf("test_lockdep: release build, the checker is compiled out\n");
		return ctest_done("test_lockdep");
	}
	CHECK(aborts_with(out_of_order, "lock order violated"));
	CHECK(aborts_with(twice, "recursive locking"));
	CHECK(aborts_with(unlock_unheld, "unlock of a lock this thread does not hold"));
	CHECK(aborts_with(assert_unheld, "lockdep_is_held"));
	return ctest_done("test_lockdep");
}
